//! Team managers: a Manager or Admin who looks after specific members.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{millis, Conn, StoreError};

/// Returns false when the assignment already existed.
pub async fn assign(
    conn: &mut Conn,
    workspace_id: i64,
    manager_id: i64,
    member_id: i64,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO team_managers (workspace_id, manager_id, member_id, created_at)
         VALUES ($1, $2, $3, $4) ON CONFLICT (manager_id, member_id) DO NOTHING",
    )
    .bind(workspace_id)
    .bind(manager_id)
    .bind(member_id)
    .bind(millis(now))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Returns false when there was no such assignment.
pub async fn unassign(
    conn: &mut Conn,
    manager_id: i64,
    member_id: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM team_managers WHERE manager_id = $1 AND member_id = $2")
        .bind(manager_id)
        .bind(member_id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Drops every assignment where the member is manager or managed (on removal or demotion).
pub async fn drop_all_for(
    conn: &mut Conn,
    member_id: i64,
    as_manager_only: bool,
) -> Result<u64, StoreError> {
    let sql = if as_manager_only {
        "DELETE FROM team_managers WHERE manager_id = $1"
    } else {
        "DELETE FROM team_managers WHERE manager_id = $1 OR member_id = $1"
    };
    let done = sqlx::query(sql).bind(member_id).execute(&mut *conn).await?;
    Ok(done.rows_affected())
}

/// Member ids managed by `manager_id`.
pub async fn members_of(conn: &mut Conn, manager_id: i64) -> Result<Vec<i64>, StoreError> {
    let rows =
        sqlx::query("SELECT member_id FROM team_managers WHERE manager_id = $1 ORDER BY member_id")
            .bind(manager_id)
            .fetch_all(&mut *conn)
            .await?;
    rows.iter().map(|row| row.try_get("member_id")).collect()
}

/// Manager ids looking after `member_id`.
pub async fn managers_of(conn: &mut Conn, member_id: i64) -> Result<Vec<i64>, StoreError> {
    let rows = sqlx::query(
        "SELECT manager_id FROM team_managers WHERE member_id = $1 ORDER BY manager_id",
    )
    .bind(member_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(|row| row.try_get("manager_id")).collect()
}

/// All (manager, member) pairs of a workspace.
pub async fn list(conn: &mut Conn, workspace_id: i64) -> Result<Vec<(i64, i64)>, StoreError> {
    let rows = sqlx::query(
        "SELECT manager_id, member_id FROM team_managers WHERE workspace_id = $1
         ORDER BY manager_id, member_id",
    )
    .bind(workspace_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("manager_id")?, row.try_get("member_id")?)))
        .collect()
}
