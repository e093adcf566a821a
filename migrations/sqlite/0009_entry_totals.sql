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
    workspace_id  INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    member_id     INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    project_id    INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    billable      INTEGER NOT NULL,
    bucket        INTEGER NOT NULL,
    total_ms      INTEGER NOT NULL,
    amount        INTEGER NOT NULL,
    entries       INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, bucket, member_id, project_id, billable)
) WITHOUT ROWID;
CREATE INDEX entry_totals_by_member ON entry_totals (member_id);
CREATE INDEX entry_totals_by_project ON entry_totals (project_id);

-- One entry's amount at today's rates (0 when not billable or nothing prices it).
-- Written out in each trigger below; SQLite has no SQL functions to share it.

CREATE TRIGGER entry_totals_insert AFTER INSERT ON time_entries
WHEN NEW.ended_at IS NOT NULL
BEGIN
    INSERT INTO entry_totals
        (workspace_id, member_id, project_id, billable, bucket, total_ms, amount, entries)
    VALUES (NEW.workspace_id, NEW.member_id, NEW.project_id, NEW.billable,
        NEW.started_at / 2592000000, NEW.ended_at - NEW.started_at,
        CASE WHEN NEW.billable = 1 THEN COALESCE((COALESCE(
            (SELECT hourly_rate FROM project_member_rates
              WHERE project_id = NEW.project_id AND member_id = NEW.member_id),
            (SELECT hourly_rate FROM projects WHERE id = NEW.project_id),
            (SELECT hourly_rate FROM members WHERE id = NEW.member_id),
            (SELECT hourly_rate FROM workspace_settings WHERE workspace_id = NEW.workspace_id))
            * (NEW.ended_at - NEW.started_at) + 1800000) / 3600000, 0) ELSE 0 END,
        1)
    ON CONFLICT (workspace_id, bucket, member_id, project_id, billable) DO UPDATE SET
        total_ms = total_ms + excluded.total_ms,
        amount = amount + excluded.amount,
        entries = entries + 1;
END;

CREATE TRIGGER entry_totals_delete AFTER DELETE ON time_entries
WHEN OLD.ended_at IS NOT NULL
BEGIN
    UPDATE entry_totals SET
        total_ms = total_ms - (OLD.ended_at - OLD.started_at),
        amount = amount - CASE WHEN OLD.billable = 1 THEN COALESCE((COALESCE(
            (SELECT hourly_rate FROM project_member_rates
              WHERE project_id = OLD.project_id AND member_id = OLD.member_id),
            (SELECT hourly_rate FROM projects WHERE id = OLD.project_id),
            (SELECT hourly_rate FROM members WHERE id = OLD.member_id),
            (SELECT hourly_rate FROM workspace_settings WHERE workspace_id = OLD.workspace_id))
            * (OLD.ended_at - OLD.started_at) + 1800000) / 3600000, 0) ELSE 0 END,
        entries = entries - 1
    WHERE workspace_id = OLD.workspace_id AND bucket = OLD.started_at / 2592000000
      AND member_id = OLD.member_id AND project_id = OLD.project_id AND billable = OLD.billable;
    DELETE FROM entry_totals
    WHERE workspace_id = OLD.workspace_id AND bucket = OLD.started_at / 2592000000
      AND member_id = OLD.member_id AND project_id = OLD.project_id AND billable = OLD.billable
      AND entries <= 0;
END;

-- An update takes the old share out and puts the new one in (a timer stopping only adds).
CREATE TRIGGER entry_totals_update
AFTER UPDATE OF workspace_id, member_id, project_id, billable, started_at, ended_at ON time_entries
WHEN OLD.ended_at IS NOT NULL OR NEW.ended_at IS NOT NULL
BEGIN
    UPDATE entry_totals SET
        total_ms = total_ms - (OLD.ended_at - OLD.started_at),
        amount = amount - CASE WHEN OLD.billable = 1 THEN COALESCE((COALESCE(
            (SELECT hourly_rate FROM project_member_rates
              WHERE project_id = OLD.project_id AND member_id = OLD.member_id),
            (SELECT hourly_rate FROM projects WHERE id = OLD.project_id),
            (SELECT hourly_rate FROM members WHERE id = OLD.member_id),
            (SELECT hourly_rate FROM workspace_settings WHERE workspace_id = OLD.workspace_id))
            * (OLD.ended_at - OLD.started_at) + 1800000) / 3600000, 0) ELSE 0 END,
        entries = entries - 1
    WHERE OLD.ended_at IS NOT NULL
      AND workspace_id = OLD.workspace_id AND bucket = OLD.started_at / 2592000000
      AND member_id = OLD.member_id AND project_id = OLD.project_id AND billable = OLD.billable;
    DELETE FROM entry_totals
    WHERE OLD.ended_at IS NOT NULL
      AND workspace_id = OLD.workspace_id AND bucket = OLD.started_at / 2592000000
      AND member_id = OLD.member_id AND project_id = OLD.project_id AND billable = OLD.billable
      AND entries <= 0;
    INSERT INTO entry_totals
        (workspace_id, member_id, project_id, billable, bucket, total_ms, amount, entries)
    SELECT NEW.workspace_id, NEW.member_id, NEW.project_id, NEW.billable,
        NEW.started_at / 2592000000, NEW.ended_at - NEW.started_at,
        CASE WHEN NEW.billable = 1 THEN COALESCE((COALESCE(
            (SELECT hourly_rate FROM project_member_rates
              WHERE project_id = NEW.project_id AND member_id = NEW.member_id),
            (SELECT hourly_rate FROM projects WHERE id = NEW.project_id),
            (SELECT hourly_rate FROM members WHERE id = NEW.member_id),
            (SELECT hourly_rate FROM workspace_settings WHERE workspace_id = NEW.workspace_id))
            * (NEW.ended_at - NEW.started_at) + 1800000) / 3600000, 0) ELSE 0 END,
        1
    WHERE NEW.ended_at IS NOT NULL
    ON CONFLICT (workspace_id, bucket, member_id, project_id, billable) DO UPDATE SET
        total_ms = total_ms + excluded.total_ms,
        amount = amount + excluded.amount,
        entries = entries + 1;
END;

-- Rate changes: rebuild the rows the changed rate prices, from the entries, at the new rates.
-- (A workspace rate rebuilds the whole workspace: a rare admin action, one pass over it.)
CREATE VIEW entry_totals_source AS
SELECT e.workspace_id, e.member_id, e.project_id, e.billable,
    e.started_at / 2592000000 AS bucket,
    SUM(e.ended_at - e.started_at) AS total_ms,
    SUM(CASE WHEN e.billable = 1 THEN COALESCE(
        (COALESCE(pmr.hourly_rate, p.hourly_rate, m.hourly_rate, ws.hourly_rate)
         * (e.ended_at - e.started_at) + 1800000) / 3600000, 0) ELSE 0 END) AS amount,
    COUNT(*) AS entries
FROM time_entries e
JOIN projects p ON p.id = e.project_id
JOIN members m ON m.id = e.member_id
JOIN workspace_settings ws ON ws.workspace_id = e.workspace_id
LEFT JOIN project_member_rates pmr ON pmr.project_id = e.project_id AND pmr.member_id = e.member_id
WHERE e.ended_at IS NOT NULL
GROUP BY e.workspace_id, e.member_id, e.project_id, e.billable, e.started_at / 2592000000;

CREATE TRIGGER entry_totals_member_rate AFTER UPDATE OF hourly_rate ON members
WHEN OLD.hourly_rate IS NOT NEW.hourly_rate
BEGIN
    DELETE FROM entry_totals WHERE member_id = NEW.id;
    INSERT INTO entry_totals
        (workspace_id, member_id, project_id, billable, bucket, total_ms, amount, entries)
    SELECT workspace_id, member_id, project_id, billable, bucket, total_ms, amount, entries
    FROM entry_totals_source WHERE member_id = NEW.id;
END;

CREATE TRIGGER entry_totals_project_rate AFTER UPDATE OF hourly_rate ON projects
WHEN OLD.hourly_rate IS NOT NEW.hourly_rate
BEGIN
    DELETE FROM entry_totals WHERE project_id = NEW.id;
    INSERT INTO entry_totals
        (workspace_id, member_id, project_id, billable, bucket, total_ms, amount, entries)
    SELECT workspace_id, member_id, project_id, billable, bucket, total_ms, amount, entries
    FROM entry_totals_source WHERE project_id = NEW.id;
END;

CREATE TRIGGER entry_totals_workspace_rate AFTER UPDATE OF hourly_rate ON workspace_settings
WHEN OLD.hourly_rate IS NOT NEW.hourly_rate
BEGIN
    DELETE FROM entry_totals WHERE workspace_id = NEW.workspace_id;
    INSERT INTO entry_totals
        (workspace_id, member_id, project_id, billable, bucket, total_ms, amount, entries)
    SELECT workspace_id, member_id, project_id, billable, bucket, total_ms, amount, entries
    FROM entry_totals_source WHERE workspace_id = NEW.workspace_id;
END;

CREATE TRIGGER entry_totals_pair_rate_insert AFTER INSERT ON project_member_rates
BEGIN
    DELETE FROM entry_totals WHERE project_id = NEW.project_id AND member_id = NEW.member_id;
    INSERT INTO entry_totals
        (workspace_id, member_id, project_id, billable, bucket, total_ms, amount, entries)
    SELECT workspace_id, member_id, project_id, billable, bucket, total_ms, amount, entries
    FROM entry_totals_source WHERE project_id = NEW.project_id AND member_id = NEW.member_id;
END;

CREATE TRIGGER entry_totals_pair_rate_update AFTER UPDATE OF hourly_rate ON project_member_rates
WHEN OLD.hourly_rate IS NOT NEW.hourly_rate
BEGIN
    DELETE FROM entry_totals WHERE project_id = NEW.project_id AND member_id = NEW.member_id;
    INSERT INTO entry_totals
        (workspace_id, member_id, project_id, billable, bucket, total_ms, amount, entries)
    SELECT workspace_id, member_id, project_id, billable, bucket, total_ms, amount, entries
    FROM entry_totals_source WHERE project_id = NEW.project_id AND member_id = NEW.member_id;
END;

CREATE TRIGGER entry_totals_pair_rate_delete AFTER DELETE ON project_member_rates
BEGIN
    DELETE FROM entry_totals WHERE project_id = OLD.project_id AND member_id = OLD.member_id;
    INSERT INTO entry_totals
        (workspace_id, member_id, project_id, billable, bucket, total_ms, amount, entries)
    SELECT workspace_id, member_id, project_id, billable, bucket, total_ms, amount, entries
    FROM entry_totals_source WHERE project_id = OLD.project_id AND member_id = OLD.member_id;
END;

INSERT INTO entry_totals
    (workspace_id, member_id, project_id, billable, bucket, total_ms, amount, entries)
SELECT workspace_id, member_id, project_id, billable, bucket, total_ms, amount, entries
FROM entry_totals_source;
