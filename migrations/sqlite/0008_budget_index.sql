-- Budgets sum all the time ever tracked to a project. This index replaces the narrow one with
-- the same leading columns (so per-project reads keep their order) and holds every column
-- those sums need, so they read only the index instead of every entry's row.
DROP INDEX time_entries_by_project;
CREATE INDEX time_entries_by_project
    ON time_entries (project_id, started_at, ended_at, member_id, billable, task_id, workspace_id);
