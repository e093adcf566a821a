//! The audit log: who changed what, when, with the state before and after.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{from_millis, millis, Conn, StoreError};
use crate::domain::UserId;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub id: i64,
    pub workspace_id: i64,
    pub actor_user: Option<UserId>,
    pub actor_name: String,
    pub action: String,
    pub target: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub at: DateTime<Utc>,
}

pub struct NewAuditEntry<'a> {
    pub workspace_id: i64,
    pub actor_user: Option<UserId>,
    pub actor_name: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub before: Option<String>,
    pub after: Option<String>,
    pub at: DateTime<Utc>,
}

pub async fn insert(conn: &mut Conn, entry: NewAuditEntry<'_>) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit_log (workspace_id, actor_user_id, actor_name, action, target,
                                before_json, after_json, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(entry.workspace_id)
    .bind(entry.actor_user.map(UserId::to_db))
    .bind(entry.actor_name)
    .bind(entry.action)
    .bind(entry.target)
    .bind(entry.before)
    .bind(entry.after)
    .bind(millis(entry.at))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn entry_from_row(row: &AnyRow) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        id: row.try_get("id")?,
        workspace_id: row.try_get("workspace_id")?,
        actor_user: row
            .try_get::<Option<i64>, _>("actor_user_id")?
            .map(UserId::from_db),
        actor_name: row.try_get("actor_name")?,
        action: row.try_get("action")?,
        target: row.try_get("target")?,
        before: row.try_get("before_json")?,
        after: row.try_get("after_json")?,
        at: from_millis(row.try_get("at")?)?,
    })
}

/// Newest first; `before_id` pages backwards.
pub async fn list(
    conn: &mut Conn,
    workspace_id: i64,
    before_id: Option<i64>,
    limit: u32,
) -> Result<Vec<AuditEntry>, StoreError> {
    let rows = sqlx::query(
        "SELECT id, workspace_id, actor_user_id, actor_name, action, target, before_json,
                after_json, at
         FROM audit_log WHERE workspace_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
    )
    .bind(workspace_id)
    .bind(before_id.unwrap_or(i64::MAX))
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(entry_from_row).collect()
}

pub async fn count(conn: &mut Conn, workspace_id: i64) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM audit_log WHERE workspace_id = $1")
        .bind(workspace_id)
        .fetch_one(&mut *conn)
        .await?;
    row.try_get("n")
}
