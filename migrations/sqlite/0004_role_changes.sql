-- When a member's role last changed, so a Discord role event observed before a newer change
-- can't undo it (event handlers run concurrently and may run late).
ALTER TABLE members ADD COLUMN role_changed_at INTEGER;
