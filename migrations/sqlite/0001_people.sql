-- Workspaces, people, invitations, Discord role links and the audit log.
-- Timestamps are UTC epoch milliseconds; Discord ids are snowflakes stored as i64.

CREATE TABLE workspaces (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL UNIQUE,
    name        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    -- Bumped as the first statement of every people-changing transaction: it serialises
    -- writers per workspace on both databases (a row lock on PostgreSQL, the write lock on SQLite).
    version     INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE workspace_settings (
    workspace_id                 INTEGER PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
    who_can_create_projects      TEXT    NOT NULL DEFAULT 'anyone',
    who_can_create_tasks         TEXT    NOT NULL DEFAULT 'anyone',
    who_can_create_tags          TEXT    NOT NULL DEFAULT 'anyone',
    who_can_invite               TEXT    NOT NULL DEFAULT 'managers',
    members_see_others_time      INTEGER NOT NULL DEFAULT 1,
    who_can_see_rates            TEXT    NOT NULL DEFAULT 'admins',
    who_can_change_billable      TEXT    NOT NULL DEFAULT 'anyone',
    team_managers_edit_time      INTEGER NOT NULL DEFAULT 0,
    lock_entries_older_than_days INTEGER,
    seat_limit                   INTEGER NOT NULL DEFAULT 5 CHECK (seat_limit >= 1),
    guest_limit                  INTEGER NOT NULL DEFAULT 50 CHECK (guest_limit >= 0),
    invite_ttl_days              INTEGER NOT NULL DEFAULT 14 CHECK (invite_ttl_days >= 1)
);

CREATE TABLE members (
    id            INTEGER PRIMARY KEY,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL,
    display_name  TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('owner','admin','manager','member','viewer','guest')),
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    joined_at     INTEGER NOT NULL,
    left_at       INTEGER,
    UNIQUE (workspace_id, user_id),
    -- The Owner is never deactivated.
    CHECK (role <> 'owner' OR active = 1)
);
-- At most one Owner per workspace; the code keeps it at least one (rule 1).
CREATE UNIQUE INDEX members_one_owner ON members (workspace_id) WHERE role = 'owner';

CREATE TABLE team_managers (
    workspace_id  INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    manager_id    INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    member_id     INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (manager_id, member_id),
    CHECK (manager_id <> member_id)
);
CREATE INDEX team_managers_by_member ON team_managers (member_id);

CREATE TABLE invitations (
    id               INTEGER PRIMARY KEY,
    workspace_id     INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    invitee_user_id  INTEGER,
    invitee_name     TEXT,
    code             TEXT UNIQUE,
    role             TEXT    NOT NULL CHECK (role IN ('admin','manager','member','viewer','guest')),
    invited_by       INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    status           TEXT    NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending','accepted','declined','revoked','replaced','expired')),
    max_uses         INTEGER NOT NULL DEFAULT 1 CHECK (max_uses >= 1),
    uses             INTEGER NOT NULL DEFAULT 0 CHECK (uses >= 0 AND uses <= max_uses),
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    closed_at        INTEGER,
    -- Either a named person or a code.
    CHECK ((invitee_user_id IS NULL) <> (code IS NULL))
);
-- One pending invitation per person per workspace.
CREATE UNIQUE INDEX invitations_one_pending ON invitations (workspace_id, invitee_user_id)
    WHERE status = 'pending' AND invitee_user_id IS NOT NULL;
CREATE INDEX invitations_by_expiry ON invitations (status, expires_at);

CREATE TABLE role_links (
    workspace_id     INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    role             TEXT    NOT NULL CHECK (role IN ('admin','manager','member','viewer','guest')),
    discord_role_id  INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    PRIMARY KEY (workspace_id, role),
    UNIQUE (workspace_id, discord_role_id)
);

CREATE TABLE audit_log (
    id             INTEGER PRIMARY KEY,
    workspace_id   INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    actor_user_id  INTEGER,
    actor_name     TEXT    NOT NULL,
    action         TEXT    NOT NULL,
    target         TEXT    NOT NULL,
    before_json    TEXT,
    after_json     TEXT,
    at             INTEGER NOT NULL
);
CREATE INDEX audit_log_by_workspace ON audit_log (workspace_id, id);
