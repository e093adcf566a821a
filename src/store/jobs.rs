//! Scheduled work, claimed so that two bot processes never do it twice.
//!
//! A row is claimed with one conditional UPDATE (`claimed_by`, `claimed_until`) that only
//! succeeds when nobody holds an unexpired claim; that is atomic on both databases (a row lock
//! on PostgreSQL, the write lock on SQLite). Whoever claimed it marks it sent; a claim that
//! expires without being marked (the process died) can be claimed again.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{from_millis, millis, Conn, StoreError};
use crate::domain::{GuildId, UserId};

/// The one kind of job so far.
pub const IDLE_TIMER: &str = "idle_timer";

// Each running timer's idle reminder row is inserted and deleted by triggers on
// time_entries (migration 0010), so no write path can forget it.

/// An idle reminder that is due: its timer still runs, longer than the workspace's
/// idle_reminder_hours, and it was not sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueIdle {
    pub reminder_id: i64,
    pub entry_id: i64,
    pub workspace_id: i64,
    pub guild: GuildId,
    pub user: UserId,
    pub member_name: String,
    pub time_zone: String,
    pub project_name: String,
    pub task_name: Option<String>,
    pub description: String,
    pub started_at: DateTime<Utc>,
    pub idle_hours: i64,
}

/// Due idle reminders not claimed by anyone (or whose claim expired), oldest timers first.
pub async fn due_idle(
    conn: &mut Conn,
    now: DateTime<Utc>,
    limit: u32,
) -> Result<Vec<DueIdle>, StoreError> {
    let rows = sqlx::query(
        "SELECT r.id AS reminder_id, e.id AS entry_id, r.workspace_id, w.guild_id, m.user_id,
                m.display_name, m.time_zone, p.name AS project_name, t.name AS task_name,
                e.description, e.started_at, s.idle_reminder_hours
         FROM reminders r
         JOIN time_entries e ON e.id = r.entry_id
         JOIN workspace_settings s ON s.workspace_id = r.workspace_id
         JOIN workspaces w ON w.id = r.workspace_id
         JOIN members m ON m.id = e.member_id
         JOIN projects p ON p.id = e.project_id
         LEFT JOIN tasks t ON t.id = e.task_id
         WHERE r.kind = $2 AND r.sent_at IS NULL AND e.ended_at IS NULL AND m.active = 1
           AND e.started_at + s.idle_reminder_hours * 3600000 <= $1
           AND (r.claimed_by IS NULL OR r.claimed_until < $1)
         ORDER BY e.started_at, r.id
         LIMIT $3",
    )
    .bind(millis(now))
    .bind(IDLE_TIMER)
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(DueIdle {
                reminder_id: row.try_get("reminder_id")?,
                entry_id: row.try_get("entry_id")?,
                workspace_id: row.try_get("workspace_id")?,
                guild: GuildId::from_db(row.try_get("guild_id")?),
                user: UserId::from_db(row.try_get("user_id")?),
                member_name: row.try_get("display_name")?,
                time_zone: row.try_get("time_zone")?,
                project_name: row.try_get("project_name")?,
                task_name: row.try_get("task_name")?,
                description: row.try_get("description")?,
                started_at: from_millis(row.try_get("started_at")?)?,
                idle_hours: row.try_get("idle_reminder_hours")?,
            })
        })
        .collect()
}

/// Claims a reminder for `worker` until `until`. True for exactly one of any number of
/// concurrent callers while the claim holds.
pub async fn claim(
    conn: &mut Conn,
    reminder_id: i64,
    worker: &str,
    until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE reminders SET claimed_by = $1, claimed_until = $2
         WHERE id = $3 AND sent_at IS NULL AND (claimed_by IS NULL OR claimed_until < $4)",
    )
    .bind(worker)
    .bind(millis(until))
    .bind(reminder_id)
    .bind(millis(now))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks a claimed reminder sent; false unless `worker` holds the claim and it wasn't sent.
pub async fn mark_sent(
    conn: &mut Conn,
    reminder_id: i64,
    worker: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE reminders SET sent_at = $3
         WHERE id = $1 AND claimed_by = $2 AND sent_at IS NULL",
    )
    .bind(reminder_id)
    .bind(worker)
    .bind(millis(now))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Gives a claim back (sending failed), so the reminder can be claimed again at once.
pub async fn release(conn: &mut Conn, reminder_id: i64, worker: &str) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE reminders SET claimed_by = NULL, claimed_until = NULL
         WHERE id = $1 AND claimed_by = $2 AND sent_at IS NULL",
    )
    .bind(reminder_id)
    .bind(worker)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
