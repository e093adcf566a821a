-- Signed links to read-only web pages (reports now, shared project pages later). The token
-- itself is never stored: it is recomputed from id + expiry with the server secret.
CREATE TABLE report_links (
    id               INTEGER PRIMARY KEY,
    workspace_id     INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    -- Whose rights the page is evaluated with, at the moment it is opened.
    owner_member_id  INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    kind             TEXT    NOT NULL CHECK (kind IN ('r', 'p')),
    -- The report engine's query, serialized; opaque to the link code.
    query_json       TEXT    NOT NULL,
    hide_amounts     INTEGER NOT NULL DEFAULT 0 CHECK (hide_amounts IN (0, 1)),
    hide_members     INTEGER NOT NULL DEFAULT 0 CHECK (hide_members IN (0, 1)),
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    revoked_at       INTEGER,
    CHECK (expires_at > created_at)
);
CREATE INDEX report_links_by_owner ON report_links (owner_member_id, id);
CREATE INDEX report_links_by_workspace ON report_links (workspace_id, id);

-- Server-wide secrets generated on first use (the link-signing key when none is configured).
-- Kept in the database so every instance sharing it (bot, --web-only replicas) agrees.
CREATE TABLE server_secrets (
    name        TEXT    PRIMARY KEY,
    value       TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);
