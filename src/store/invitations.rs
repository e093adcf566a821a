//! Invitations to a named Discord user or as a redeemable code.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::members::role_from_db;
use super::{decode_error, from_millis, millis, Conn, StoreError};
use crate::domain::invitation::InvitationStatus;
use crate::domain::{Role, UserId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: i64,
    pub workspace_id: i64,
    /// Set for an invitation to a named person; `None` for a code.
    pub invitee: Option<UserId>,
    pub invitee_name: Option<String>,
    pub code: Option<String>,
    pub role: Role,
    pub invited_by: i64,
    /// As stored; see `domain::invitation::effective_status` for expiry.
    pub status: InvitationStatus,
    pub max_uses: u32,
    pub uses: u32,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, workspace_id, invitee_user_id, invitee_name, code, role, invited_by, \
                       status, max_uses, uses, created_at, expires_at";

fn invitation_from_row(row: &AnyRow) -> Result<Invitation, StoreError> {
    let status: String = row.try_get("status")?;
    Ok(Invitation {
        id: row.try_get("id")?,
        workspace_id: row.try_get("workspace_id")?,
        invitee: row
            .try_get::<Option<i64>, _>("invitee_user_id")?
            .map(UserId::from_db),
        invitee_name: row.try_get("invitee_name")?,
        code: row.try_get("code")?,
        role: role_from_db(&row.try_get::<String, _>("role")?)?,
        invited_by: row.try_get("invited_by")?,
        status: InvitationStatus::parse(&status)
            .ok_or_else(|| decode_error(format!("unknown invitation status {status}")))?,
        max_uses: row.try_get::<i64, _>("max_uses")? as u32,
        uses: row.try_get::<i64, _>("uses")? as u32,
        created_at: from_millis(row.try_get("created_at")?)?,
        expires_at: from_millis(row.try_get("expires_at")?)?,
    })
}

pub struct NewInvitation<'a> {
    pub workspace_id: i64,
    pub invitee: Option<(UserId, &'a str)>,
    pub code: Option<&'a str>,
    pub role: Role,
    pub invited_by: i64,
    pub max_uses: u32,
    pub now: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert(conn: &mut Conn, new: NewInvitation<'_>) -> Result<Invitation, StoreError> {
    let row = sqlx::query(&format!(
        "INSERT INTO invitations (workspace_id, invitee_user_id, invitee_name, code, role,
                                  invited_by, status, max_uses, uses, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, 0, $8, $9) RETURNING {COLUMNS}"
    ))
    .bind(new.workspace_id)
    .bind(new.invitee.map(|(user, _)| user.to_db()))
    .bind(new.invitee.map(|(_, name)| name.to_string()))
    .bind(new.code.map(str::to_string))
    .bind(new.role.as_str())
    .bind(new.invited_by)
    .bind(i64::from(new.max_uses))
    .bind(millis(new.now))
    .bind(millis(new.expires_at))
    .fetch_one(&mut *conn)
    .await?;
    invitation_from_row(&row)
}

pub async fn find(conn: &mut Conn, id: i64) -> Result<Option<Invitation>, StoreError> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM invitations WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(invitation_from_row).transpose()
}

pub async fn find_by_code(conn: &mut Conn, code: &str) -> Result<Option<Invitation>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM invitations WHERE code = $1"
    ))
    .bind(code)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(invitation_from_row).transpose()
}

/// The stored-pending invitation to `user` in a workspace (possibly past its expiry).
pub async fn find_pending_for(
    conn: &mut Conn,
    workspace_id: i64,
    user: UserId,
) -> Result<Option<Invitation>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM invitations
         WHERE workspace_id = $1 AND invitee_user_id = $2 AND status = 'pending'"
    ))
    .bind(workspace_id)
    .bind(user.to_db())
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(invitation_from_row).transpose()
}

/// Invitations still stored as pending, newest first.
pub async fn list_pending(
    conn: &mut Conn,
    workspace_id: i64,
) -> Result<Vec<Invitation>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM invitations WHERE workspace_id = $1 AND status = 'pending'
         ORDER BY id DESC"
    ))
    .bind(workspace_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(invitation_from_row).collect()
}

/// Moves a pending invitation to a closed state. Returns false if it was not pending any
/// more (someone else answered it first).
pub async fn close(
    conn: &mut Conn,
    id: i64,
    status: InvitationStatus,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE invitations SET status = $2, closed_at = $3 WHERE id = $1 AND status = 'pending'",
    )
    .bind(id)
    .bind(status.as_str())
    .bind(millis(now))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Counts one use of a pending invitation; the last use closes it as accepted.
/// Returns false if it had no use left or was not pending.
pub async fn use_once(conn: &mut Conn, id: i64, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE invitations
         SET uses = uses + 1,
             status = CASE WHEN uses + 1 >= max_uses THEN 'accepted' ELSE 'pending' END,
             closed_at = CASE WHEN uses + 1 >= max_uses THEN $2 ELSE NULL END
         WHERE id = $1 AND status = 'pending' AND uses < max_uses",
    )
    .bind(id)
    .bind(millis(now))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn extend(conn: &mut Conn, id: i64, expires_at: DateTime<Utc>) -> Result<(), StoreError> {
    sqlx::query("UPDATE invitations SET expires_at = $2 WHERE id = $1")
        .bind(id)
        .bind(millis(expires_at))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Marks every pending invitation past its expiry as expired; returns how many.
pub async fn expire_due(conn: &mut Conn, now: DateTime<Utc>) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "UPDATE invitations SET status = 'expired', closed_at = $1
         WHERE status = 'pending' AND expires_at <= $1",
    )
    .bind(millis(now))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}
