-- Pre-summed totals of stopped entries per member, project, billable flag and 30-day bucket of
-- the start (bucket = started_at / 2592000000, in UTC milliseconds), so a report over months or
-- years reads a few rows per member and project instead of every entry. Reports add the entries
-- of partly covered buckets and running timers from time_entries themselves.
--
-- `amount` is the sum of each entry's billable amount rounded on its own, exactly as reports
-- price an entry now: (rate × ms + 1800000) / 3600000 with the first rate of project member,
-- project, member and workspace. Triggers keep every row equal to that sum: entry writes add
-- and remove their own share, and any rate change rebuilds the rows that rate prices.
CREATE TABLE entry_totals (
    workspace_id  BIGINT NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    member_id     BIGINT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    project_id    BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    billable      BIGINT NOT NULL,
    bucket        BIGINT NOT NULL,
    total_ms      BIGINT NOT NULL,
    amount        BIGINT NOT NULL,
    entries       BIGINT NOT NULL,
    PRIMARY KEY (workspace_id, bucket, member_id, project_id, billable)
);
CREATE INDEX entry_totals_by_member ON entry_totals (member_id);
CREATE INDEX entry_totals_by_project ON entry_totals (project_id);

-- One entry's amount at today's rates (0 when not billable or nothing prices it).
CREATE FUNCTION entry_amount(ws BIGINT, member BIGINT, project BIGINT, billable BIGINT, ms BIGINT)
RETURNS BIGINT LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN billable = 1 THEN COALESCE((COALESCE(
        (SELECT hourly_rate FROM project_member_rates
          WHERE project_id = project AND member_id = member),
        (SELECT hourly_rate FROM projects WHERE id = project),
        (SELECT hourly_rate FROM members WHERE id = member),
        (SELECT hourly_rate FROM workspace_settings WHERE workspace_id = ws))
        * ms + 1800000) / 3600000, 0) ELSE 0 END
$$;

-- An entry write takes its old share out and puts its new one in (a timer stopping only adds).
CREATE FUNCTION entry_totals_on_entry() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.ended_at IS NOT NULL THEN
        UPDATE entry_totals SET
            total_ms = total_ms - (OLD.ended_at - OLD.started_at),
            amount = amount - entry_amount(OLD.workspace_id, OLD.member_id, OLD.project_id,
                                           OLD.billable, OLD.ended_at - OLD.started_at),
            entries = entries - 1
        WHERE workspace_id = OLD.workspace_id AND bucket = OLD.started_at / 2592000000
          AND member_id = OLD.member_id AND project_id = OLD.project_id
          AND billable = OLD.billable;
        DELETE FROM entry_totals
        WHERE workspace_id = OLD.workspace_id AND bucket = OLD.started_at / 2592000000
          AND member_id = OLD.member_id AND project_id = OLD.project_id
          AND billable = OLD.billable AND entries <= 0;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.ended_at IS NOT NULL THEN
        INSERT INTO entry_totals
            (workspace_id, member_id, project_id, billable, bucket, total_ms, amount, entries)
        VALUES (NEW.workspace_id, NEW.member_id, NEW.project_id, NEW.billable,
            NEW.started_at / 2592000000, NEW.ended_at - NEW.started_at,
            entry_amount(NEW.workspace_id, NEW.member_id, NEW.project_id, NEW.billable,
                         NEW.ended_at - NEW.started_at),
            1)
        ON CONFLICT (workspace_id, bucket, member_id, project_id, billable) DO UPDATE SET
            total_ms = entry_totals.total_ms + excluded.total_ms,
            amount = entry_totals.amount + excluded.amount,
            entries = entry_totals.entries + 1;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER entry_totals_insert AFTER INSERT ON time_entries
FOR EACH ROW WHEN (NEW.ended_at IS NOT NULL) EXECUTE FUNCTION entry_totals_on_entry();
CREATE TRIGGER entry_totals_delete AFTER DELETE ON time_entries
FOR EACH ROW WHEN (OLD.ended_at IS NOT NULL) EXECUTE FUNCTION entry_totals_on_entry();
CREATE TRIGGER entry_totals_update
AFTER UPDATE OF workspace_id, member_id, project_id, billable, started_at, ended_at ON time_entries
FOR EACH ROW WHEN (OLD.ended_at IS NOT NULL OR NEW.ended_at IS NOT NULL)
EXECUTE FUNCTION entry_totals_on_entry();

-- Rate changes: rebuild the rows the changed rate prices, from the entries, at the new rates.
-- (A workspace rate rebuilds the whole workspace: a rare admin action, one pass over it.)
CREATE VIEW entry_totals_source AS
SELECT e.workspace_id, e.member_id, e.project_id, e.billable,
    e.started_at / 2592000000 AS bucket,
    CAST(SUM(e.ended_at - e.started_at) AS BIGINT) AS total_ms,
    CAST(SUM(CASE WHEN e.billable = 1 THEN COALESCE(
        (COALESCE(pmr.hourly_rate, p.hourly_rate, m.hourly_rate, ws.hourly_rate)
         * (e.ended_at - e.started_at) + 1800000) / 3600000, 0) ELSE 0 END) AS BIGINT) AS amount,
    COUNT(*) AS entries
FROM time_entries e
JOIN projects p ON p.id = e.project_id
JOIN members m ON m.id = e.member_id
JOIN workspace_settings ws ON ws.workspace_id = e.workspace_id
LEFT JOIN project_member_rates pmr ON pmr.project_id = e.project_id AND pmr.member_id = e.member_id
WHERE e.ended_at IS NOT NULL
GROUP BY e.workspace_id, e.member_id, e.project_id, e.billable, e.started_at / 2592000000;

-- One branch per scope, so each statement is planned on the index it needs (a single
-- statement with "x IS NULL OR column = x" conditions would read every entry).
CREATE FUNCTION entry_totals_rebuild(ws BIGINT, member BIGINT, project BIGINT) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF member IS NOT NULL AND project IS NOT NULL THEN
        DELETE FROM entry_totals WHERE member_id = member AND project_id = project;
        INSERT INTO entry_totals
            (workspace_id, member_id, project_id, billable, bucket, total_ms, amount, entries)
        SELECT workspace_id, member_id, project_id, billable, bucket, total_ms, amount, entries
        FROM entry_totals_source WHERE member_id = member AND project_id = project;
    ELSIF member IS NOT NULL THEN
        DELETE FROM entry_totals WHERE member_id = member;
        INSERT INTO entry_totals
            (workspace_id, member_id, project_id, billable, bucket, total_ms, amount, entries)
        SELECT workspace_id, member_id, project_id, billable, bucket, total_ms, amount, entries
        FROM entry_totals_source WHERE member_id = member;
    ELSIF project IS NOT NULL THEN
        DELETE FROM entry_totals WHERE project_id = project;
        INSERT INTO entry_totals
            (workspace_id, member_id, project_id, billable, bucket, total_ms, amount, entries)
        SELECT workspace_id, member_id, project_id, billable, bucket, total_ms, amount, entries
        FROM entry_totals_source WHERE project_id = project;
    ELSE
        DELETE FROM entry_totals WHERE workspace_id = ws;
        INSERT INTO entry_totals
            (workspace_id, member_id, project_id, billable, bucket, total_ms, amount, entries)
        SELECT workspace_id, member_id, project_id, billable, bucket, total_ms, amount, entries
        FROM entry_totals_source WHERE workspace_id = ws;
    END IF;
END
$$;

CREATE FUNCTION entry_totals_on_rate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'members' THEN
        PERFORM entry_totals_rebuild(NULL, NEW.id, NULL);
    ELSIF TG_TABLE_NAME = 'projects' THEN
        PERFORM entry_totals_rebuild(NULL, NULL, NEW.id);
    ELSIF TG_TABLE_NAME = 'workspace_settings' THEN
        PERFORM entry_totals_rebuild(NEW.workspace_id, NULL, NULL);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM entry_totals_rebuild(NULL, OLD.member_id, OLD.project_id);
    ELSE
        PERFORM entry_totals_rebuild(NULL, NEW.member_id, NEW.project_id);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER entry_totals_member_rate AFTER UPDATE OF hourly_rate ON members
FOR EACH ROW WHEN (OLD.hourly_rate IS DISTINCT FROM NEW.hourly_rate)
EXECUTE FUNCTION entry_totals_on_rate();
CREATE TRIGGER entry_totals_project_rate AFTER UPDATE OF hourly_rate ON projects
FOR EACH ROW WHEN (OLD.hourly_rate IS DISTINCT FROM NEW.hourly_rate)
EXECUTE FUNCTION entry_totals_on_rate();
CREATE TRIGGER entry_totals_workspace_rate AFTER UPDATE OF hourly_rate ON workspace_settings
FOR EACH ROW WHEN (OLD.hourly_rate IS DISTINCT FROM NEW.hourly_rate)
EXECUTE FUNCTION entry_totals_on_rate();
CREATE TRIGGER entry_totals_pair_rate_insert AFTER INSERT OR DELETE ON project_member_rates
FOR EACH ROW EXECUTE FUNCTION entry_totals_on_rate();
CREATE TRIGGER entry_totals_pair_rate_update AFTER UPDATE OF hourly_rate ON project_member_rates
FOR EACH ROW WHEN (OLD.hourly_rate IS DISTINCT FROM NEW.hourly_rate)
EXECUTE FUNCTION entry_totals_on_rate();

INSERT INTO entry_totals
    (workspace_id, member_id, project_id, billable, bucket, total_ms, amount, entries)
SELECT workspace_id, member_id, project_id, billable, bucket, total_ms, amount, entries
FROM entry_totals_source;
