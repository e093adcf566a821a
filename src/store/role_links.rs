//! Links between workspace roles and Discord roles.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::members::role_from_db;
use super::{millis, Conn, StoreError};
use crate::domain::{DiscordRoleId, Role};

/// Links `role` to `discord_role`, replacing the role's previous link. A Discord role
/// linked to another workspace role fails with a unique violation.
pub async fn upsert(
    conn: &mut Conn,
    workspace_id: i64,
    role: Role,
    discord_role: DiscordRoleId,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO role_links (workspace_id, role, discord_role_id, created_at)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (workspace_id, role) DO UPDATE
         SET discord_role_id = excluded.discord_role_id, created_at = excluded.created_at",
    )
    .bind(workspace_id)
    .bind(role.as_str())
    .bind(discord_role.to_db())
    .bind(millis(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Returns the Discord role that was linked, if any.
pub async fn remove(
    conn: &mut Conn,
    workspace_id: i64,
    role: Role,
) -> Result<Option<DiscordRoleId>, StoreError> {
    let row = sqlx::query(
        "DELETE FROM role_links WHERE workspace_id = $1 AND role = $2 RETURNING discord_role_id",
    )
    .bind(workspace_id)
    .bind(role.as_str())
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|row| Ok(DiscordRoleId::from_db(row.try_get("discord_role_id")?)))
        .transpose()
}

pub async fn list(
    conn: &mut Conn,
    workspace_id: i64,
) -> Result<Vec<(Role, DiscordRoleId)>, StoreError> {
    let rows = sqlx::query(
        "SELECT role, discord_role_id FROM role_links WHERE workspace_id = $1 ORDER BY role",
    )
    .bind(workspace_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                role_from_db(&row.try_get::<String, _>("role")?)?,
                DiscordRoleId::from_db(row.try_get("discord_role_id")?),
            ))
        })
        .collect()
}
