-- Project sharing with guests, the chat bridge and the weekly share summaries.
-- Timestamps are UTC epoch milliseconds; Discord ids are snowflakes stored as i64.

-- Whether projects may be shared with guests at all; turning it off revokes every share.
ALTER TABLE workspace_settings ADD COLUMN sharing_enabled INTEGER NOT NULL DEFAULT 1
    CHECK (sharing_enabled IN (0, 1));

-- A project shared in a guest channel, with the fields its guests see (canonical names,
-- comma-separated: tasks,due,stage,hours%,tasks%). Revoked shares stay for the chat history.
CREATE TABLE shares (
    id                INTEGER PRIMARY KEY,
    workspace_id      INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    project_id        INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    guest_channel_id  INTEGER NOT NULL,
    -- The project's members-only channel, bridged as the members chat.
    team_channel_id   INTEGER,
    fields            TEXT    NOT NULL,
    created_by        INTEGER NOT NULL REFERENCES members(id),
    created_at        INTEGER NOT NULL,
    revoked_at        INTEGER,
    CHECK (team_channel_id IS NULL OR team_channel_id <> guest_channel_id)
);
-- One live share per project, and a channel carries at most one live share.
CREATE UNIQUE INDEX shares_one_live_per_project ON shares (project_id) WHERE revoked_at IS NULL;
CREATE UNIQUE INDEX shares_live_guest_channel ON shares (guest_channel_id) WHERE revoked_at IS NULL;
CREATE UNIQUE INDEX shares_live_team_channel ON shares (team_channel_id)
    WHERE revoked_at IS NULL AND team_channel_id IS NOT NULL;
CREATE INDEX shares_by_workspace ON shares (workspace_id, revoked_at);

-- Who a share is shared with; removing a guest keeps the row (removed_at) for the record.
CREATE TABLE share_guests (
    id          INTEGER PRIMARY KEY,
    share_id    INTEGER NOT NULL REFERENCES shares(id) ON DELETE CASCADE,
    member_id   INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    added_at    INTEGER NOT NULL,
    removed_at  INTEGER
);
CREATE UNIQUE INDEX share_guests_one_live ON share_guests (share_id, member_id) WHERE removed_at IS NULL;
CREATE INDEX share_guests_by_member ON share_guests (member_id, removed_at);

-- Messages bridged from a share's guest channel (kind guest) or team channel (kind members).
-- The Discord message id is unique per kind and channel, so a replayed event stores nothing twice.
CREATE TABLE chat_messages (
    id              INTEGER PRIMARY KEY,
    workspace_id    INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    project_id      INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    share_id        INTEGER NOT NULL REFERENCES shares(id) ON DELETE CASCADE,
    kind            TEXT    NOT NULL CHECK (kind IN ('guest', 'members')),
    channel_id      INTEGER NOT NULL,
    message_id      INTEGER NOT NULL,
    author_user_id  INTEGER NOT NULL,
    author_name     TEXT    NOT NULL,
    content         TEXT    NOT NULL,
    -- JSON array of {"name": …, "url": …}.
    attachments     TEXT    NOT NULL DEFAULT '[]',
    created_at      INTEGER NOT NULL,
    edited_at       INTEGER,
    deleted_at      INTEGER,
    UNIQUE (kind, channel_id, message_id)
);
CREATE INDEX chat_messages_by_project ON chat_messages (project_id, kind, created_at);

-- The previous contents of edited messages; one row per edit (a replayed edit adds none).
CREATE TABLE chat_message_edits (
    id           INTEGER PRIMARY KEY,
    chat_id      INTEGER NOT NULL REFERENCES chat_messages(id) ON DELETE CASCADE,
    content      TEXT    NOT NULL,
    attachments  TEXT    NOT NULL,
    -- When the edit that replaced this content happened.
    replaced_at  INTEGER NOT NULL,
    UNIQUE (chat_id, replaced_at)
);

-- Weekly summaries posted to guest channels, claimed so that two bot processes never both
-- post one. Each share has one unposted row; posting it schedules the next week's.
CREATE TABLE share_summaries (
    id             INTEGER PRIMARY KEY,
    share_id       INTEGER NOT NULL REFERENCES shares(id) ON DELETE CASCADE,
    due_at         INTEGER NOT NULL,
    claimed_by     TEXT,
    claimed_until  INTEGER,
    posted_at      INTEGER,
    UNIQUE (share_id, due_at)
);
CREATE INDEX share_summaries_unposted ON share_summaries (posted_at, due_at);
