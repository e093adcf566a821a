-- Time tracking: member preferences, rates, time entries (timers are entries without an end),
-- tags on entries, channel default projects, timesheets and claimed reminders.
-- Timestamps are UTC epoch milliseconds; booleans are 0/1; money is integer minor units.

-- Member preferences (IANA time zone, first day of the week) and the member-level rate, in the
-- workspace currency.
ALTER TABLE members ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'UTC';
ALTER TABLE members ADD COLUMN week_start TEXT NOT NULL DEFAULT 'mon'
    CHECK (week_start IN ('mon','tue','wed','thu','fri','sat','sun'));
ALTER TABLE members ADD COLUMN hourly_rate INTEGER CHECK (hourly_rate IS NULL OR hourly_rate >= 0);

-- New settings, and the workspace-level rate with the workspace currency. The rate and the
-- currency are not part of the visible settings: only who may see rates sees them.
ALTER TABLE workspace_settings ADD COLUMN overlap_policy TEXT NOT NULL DEFAULT 'refuse'
    CHECK (overlap_policy IN ('refuse', 'flag'));
ALTER TABLE workspace_settings ADD COLUMN idle_reminder_hours INTEGER NOT NULL DEFAULT 10
    CHECK (idle_reminder_hours BETWEEN 1 AND 72);
ALTER TABLE workspace_settings ADD COLUMN hourly_rate INTEGER
    CHECK (hourly_rate IS NULL OR hourly_rate >= 0);
ALTER TABLE workspace_settings ADD COLUMN currency TEXT NOT NULL DEFAULT 'EUR'
    CHECK (length(currency) = 3);

-- A member's rate on one project, in the project's currency (whether or not they are one of
-- its members: public projects have no member list).
CREATE TABLE project_member_rates (
    project_id    INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    member_id     INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    hourly_rate   INTEGER NOT NULL CHECK (hourly_rate >= 0),
    set_at        INTEGER NOT NULL,
    PRIMARY KEY (project_id, member_id)
);

CREATE TABLE time_entries (
    id            INTEGER PRIMARY KEY,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    member_id     INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    -- No cascade: a project with tracked time can't be deleted, only archived.
    project_id    INTEGER NOT NULL REFERENCES projects(id),
    task_id       INTEGER REFERENCES tasks(id),
    description   TEXT    NOT NULL DEFAULT '',
    billable      INTEGER NOT NULL DEFAULT 0 CHECK (billable IN (0, 1)),
    started_at    INTEGER NOT NULL,
    -- NULL while the timer runs.
    ended_at      INTEGER,
    -- Set when the entry overlaps another of the same member (overlap_policy = flag).
    overlapping   INTEGER NOT NULL DEFAULT 0 CHECK (overlapping IN (0, 1)),
    created_by    INTEGER NOT NULL REFERENCES members(id),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    -- An entry is at most 24 hours (timers are capped when stopped); the store's range
    -- queries rely on it to look back no further than a day.
    CHECK (ended_at IS NULL OR (ended_at >= started_at AND ended_at - started_at <= 86400000))
);
-- One running timer per member, enforced by the database.
CREATE UNIQUE INDEX time_entries_one_running ON time_entries (member_id) WHERE ended_at IS NULL;
CREATE INDEX time_entries_by_member ON time_entries (member_id, started_at);
CREATE INDEX time_entries_by_workspace ON time_entries (workspace_id, started_at);
CREATE INDEX time_entries_by_project ON time_entries (project_id, started_at);
CREATE INDEX time_entries_by_task ON time_entries (task_id);

CREATE TABLE entry_tags (
    entry_id      INTEGER NOT NULL REFERENCES time_entries(id) ON DELETE CASCADE,
    tag_id        INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
    PRIMARY KEY (entry_id, tag_id)
);
CREATE INDEX entry_tags_by_tag ON entry_tags (tag_id);

-- A channel's default project for /timer start without a project.
CREATE TABLE channel_projects (
    workspace_id  INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    channel_id    INTEGER NOT NULL,
    project_id    INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    linked_by     INTEGER NOT NULL REFERENCES members(id),
    linked_at     INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, channel_id)
);
CREATE INDEX channel_projects_by_project ON channel_projects (project_id);

-- One timesheet per member and week. The week is kept as its first local day and as the UTC
-- instants it spans in the member's time zone when submitted, so later preference changes
-- don't move it. Withdrawn submissions are deleted (the audit log keeps the history).
CREATE TABLE timesheets (
    id            INTEGER PRIMARY KEY,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    member_id     INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    week_start    TEXT    NOT NULL CHECK (length(week_start) = 10),
    starts_at     INTEGER NOT NULL,
    ends_at       INTEGER NOT NULL,
    status        TEXT    NOT NULL CHECK (status IN ('submitted', 'approved', 'rejected')),
    submitted_at  INTEGER NOT NULL,
    decided_by    INTEGER REFERENCES members(id),
    decided_at    INTEGER,
    reason        TEXT,
    UNIQUE (member_id, week_start),
    CHECK (ends_at > starts_at),
    CHECK (status = 'submitted' OR decided_at IS NOT NULL)
);
CREATE INDEX timesheets_by_member ON timesheets (member_id, starts_at);
CREATE INDEX timesheets_by_status ON timesheets (workspace_id, status);

-- Scheduled work, claimed so that two bot processes never send it twice. One row per running
-- timer (kind idle_timer), deleted when the timer stops; when it is due is computed from the
-- timer's start and the workspace's idle_reminder_hours, so changing the setting applies at once.
CREATE TABLE reminders (
    id             INTEGER PRIMARY KEY,
    workspace_id   INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    entry_id       INTEGER NOT NULL REFERENCES time_entries(id) ON DELETE CASCADE,
    kind           TEXT    NOT NULL CHECK (kind IN ('idle_timer')),
    claimed_by     TEXT,
    claimed_until  INTEGER,
    sent_at        INTEGER,
    created_at     INTEGER NOT NULL,
    UNIQUE (entry_id, kind)
);
CREATE INDEX reminders_unsent ON reminders (kind, sent_at);
