-- The idle reminder of a running timer (one row per running timer, deleted when it stops; see
-- 0003) is kept by the database itself: a timer gets its row as it starts and loses it as it
-- stops, whichever statement does it. This also saves a round trip in each timer command,
-- inside the write lock.
CREATE FUNCTION reminders_on_timer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO reminders (workspace_id, entry_id, kind, created_at)
        VALUES (NEW.workspace_id, NEW.id, 'idle_timer', NEW.created_at)
        ON CONFLICT (entry_id, kind) DO NOTHING;
    ELSE
        DELETE FROM reminders WHERE entry_id = NEW.id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER reminders_on_timer_start AFTER INSERT ON time_entries
FOR EACH ROW WHEN (NEW.ended_at IS NULL) EXECUTE FUNCTION reminders_on_timer();
CREATE TRIGGER reminders_on_timer_stop AFTER UPDATE OF ended_at ON time_entries
FOR EACH ROW WHEN (OLD.ended_at IS NULL AND NEW.ended_at IS NOT NULL)
EXECUTE FUNCTION reminders_on_timer();
