-- Clients, projects, project members and managers, tasks, tags and workspace-wide stages.
-- Names are unique case-insensitively through `name_key`, the trimmed name lower-cased by the
-- code (Unicode-aware, identical on both databases), among the rows that are not archived.
-- Booleans are 0/1; timestamps are UTC epoch milliseconds; money is in integer minor units.

CREATE TABLE clients (
    id            INTEGER PRIMARY KEY,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name          TEXT    NOT NULL,
    name_key      TEXT    NOT NULL,
    archived      INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    created_by    INTEGER NOT NULL REFERENCES members(id),
    created_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX clients_unique_name ON clients (workspace_id, name_key) WHERE archived = 0;
CREATE INDEX clients_by_workspace ON clients (workspace_id, name_key);

-- Workspace-wide custom stages (name + color), in the order people arrange them.
CREATE TABLE stages (
    id            INTEGER PRIMARY KEY,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name          TEXT    NOT NULL,
    name_key      TEXT    NOT NULL,
    color         TEXT    NOT NULL CHECK (length(color) = 7),
    position      INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    UNIQUE (workspace_id, name_key)
);
CREATE INDEX stages_by_workspace ON stages (workspace_id, position);

CREATE TABLE projects (
    id                INTEGER PRIMARY KEY,
    workspace_id      INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name              TEXT    NOT NULL,
    name_key          TEXT    NOT NULL,
    client_id         INTEGER REFERENCES clients(id),
    color             TEXT    NOT NULL CHECK (length(color) = 7),
    -- Private by default: visible to its members, Manager and up, and Viewers.
    is_public         INTEGER NOT NULL DEFAULT 0 CHECK (is_public IN (0, 1)),
    billable_default  INTEGER NOT NULL DEFAULT 0 CHECK (billable_default IN (0, 1)),
    -- none | hours (budget_value in minutes) | money (budget_value in minor units of currency)
    budget_kind       TEXT    NOT NULL DEFAULT 'none' CHECK (budget_kind IN ('none', 'hours', 'money')),
    budget_value      INTEGER,
    currency          TEXT    NOT NULL DEFAULT 'EUR' CHECK (length(currency) = 3),
    -- Minor units of currency per hour.
    hourly_rate       INTEGER CHECK (hourly_rate IS NULL OR hourly_rate >= 0),
    archived          INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    stage_id          INTEGER REFERENCES stages(id) ON DELETE SET NULL,
    -- ISO date, YYYY-MM-DD.
    due_date          TEXT    CHECK (due_date IS NULL OR length(due_date) = 10),
    created_by        INTEGER NOT NULL REFERENCES members(id),
    created_at        INTEGER NOT NULL,
    CHECK ((budget_kind = 'none') = (budget_value IS NULL)),
    CHECK (budget_value IS NULL OR budget_value > 0)
);
CREATE UNIQUE INDEX projects_unique_name ON projects (workspace_id, name_key) WHERE archived = 0;
CREATE INDEX projects_by_workspace ON projects (workspace_id, archived, name_key);
CREATE INDEX projects_by_client ON projects (client_id);
CREATE INDEX projects_by_stage ON projects (stage_id);

-- Who belongs to a project; is_manager marks its project managers (several allowed).
CREATE TABLE project_members (
    project_id    INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    member_id     INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    is_manager    INTEGER NOT NULL DEFAULT 0 CHECK (is_manager IN (0, 1)),
    added_at      INTEGER NOT NULL,
    PRIMARY KEY (project_id, member_id)
);
CREATE INDEX project_members_by_member ON project_members (member_id, project_id);

CREATE TABLE tasks (
    id            INTEGER PRIMARY KEY,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    project_id    INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    name          TEXT    NOT NULL,
    name_key      TEXT    NOT NULL,
    done          INTEGER NOT NULL DEFAULT 0 CHECK (done IN (0, 1)),
    done_at       INTEGER,
    archived      INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    created_by    INTEGER NOT NULL REFERENCES members(id),
    created_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX tasks_unique_name ON tasks (project_id, name_key) WHERE archived = 0;
CREATE INDEX tasks_by_project ON tasks (project_id, archived, name_key);

CREATE TABLE tags (
    id            INTEGER PRIMARY KEY,
    workspace_id  INTEGER NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
    name          TEXT    NOT NULL,
    name_key      TEXT    NOT NULL,
    archived      INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    created_by    INTEGER NOT NULL REFERENCES members(id),
    created_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX tags_unique_name ON tags (workspace_id, name_key) WHERE archived = 0;
CREATE INDEX tags_by_workspace ON tags (workspace_id, name_key);
