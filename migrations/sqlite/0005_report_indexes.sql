-- Reports read a workspace's entries in a date range and sum them per member, project, task,
-- billable flag and local day. This index holds every column those sums need, so a report
-- scans only the index (SQLite: covering index; PostgreSQL: index-only scan) instead of the
-- table. It starts with the columns of time_entries_by_workspace, which it replaces.
CREATE INDEX time_entries_report
    ON time_entries (workspace_id, started_at, member_id, project_id, billable, ended_at, task_id);
DROP INDEX time_entries_by_workspace;
