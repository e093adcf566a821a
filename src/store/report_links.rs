//! Signed links to web pages, and the server secrets that sign them.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{decode_error, flag, from_millis, millis, Conn, StoreError};
use crate::domain::links::LinkKind;
use crate::domain::{GuildId, UserId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportLink {
    pub id: i64,
    pub workspace_id: i64,
    pub owner_member_id: i64,
    pub kind: LinkKind,
    pub query_json: String,
    pub hide_amounts: bool,
    pub hide_members: bool,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

pub struct NewReportLink<'a> {
    pub workspace_id: i64,
    pub owner_member_id: i64,
    pub kind: LinkKind,
    pub query_json: &'a str,
    pub hide_amounts: bool,
    pub hide_members: bool,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A link with what opening it needs to know about its owner, read in one query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkWithOwner {
    pub link: ReportLink,
    pub guild_id: GuildId,
    pub owner_user: UserId,
    pub owner_name: String,
    pub owner_active: bool,
}

/// Returned by INSERT (no table alias there: SQLite's RETURNING takes bare column names).
const BARE_COLUMNS: &str = "id, workspace_id, owner_member_id, kind, query_json, \
     hide_amounts, hide_members, created_at, expires_at, revoked_at";

const COLUMNS: &str = "l.id, l.workspace_id, l.owner_member_id, l.kind, l.query_json, \
     l.hide_amounts, l.hide_members, l.created_at, l.expires_at, l.revoked_at";

fn link_from_row(row: &AnyRow) -> Result<ReportLink, StoreError> {
    let kind: String = row.try_get("kind")?;
    Ok(ReportLink {
        id: row.try_get("id")?,
        workspace_id: row.try_get("workspace_id")?,
        owner_member_id: row.try_get("owner_member_id")?,
        kind: LinkKind::from_str_opt(&kind)
            .ok_or_else(|| decode_error(format!("unknown link kind in database: {kind}")))?,
        query_json: row.try_get("query_json")?,
        hide_amounts: row.try_get::<i64, _>("hide_amounts")? != 0,
        hide_members: row.try_get::<i64, _>("hide_members")? != 0,
        created_at: from_millis(row.try_get("created_at")?)?,
        expires_at: from_millis(row.try_get("expires_at")?)?,
        revoked_at: row
            .try_get::<Option<i64>, _>("revoked_at")?
            .map(from_millis)
            .transpose()?,
    })
}

pub async fn insert(conn: &mut Conn, new: NewReportLink<'_>) -> Result<ReportLink, StoreError> {
    let row = sqlx::query(&format!(
        "INSERT INTO report_links (workspace_id, owner_member_id, kind, query_json,
                                   hide_amounts, hide_members, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {BARE_COLUMNS}"
    ))
    .bind(new.workspace_id)
    .bind(new.owner_member_id)
    .bind(new.kind.as_str())
    .bind(new.query_json)
    .bind(flag(new.hide_amounts))
    .bind(flag(new.hide_members))
    .bind(millis(new.created_at))
    .bind(millis(new.expires_at))
    .fetch_one(&mut *conn)
    .await?;
    link_from_row(&row)
}

pub async fn find(conn: &mut Conn, id: i64) -> Result<Option<ReportLink>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM report_links l WHERE l.id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(link_from_row).transpose()
}

/// The link, its owner and the owner's server: everything opening a page needs, in one
/// round trip (this is the web sidecar's hot path).
pub async fn find_with_owner(
    conn: &mut Conn,
    id: i64,
) -> Result<Option<LinkWithOwner>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS}, w.guild_id, m.user_id, m.display_name, m.active
         FROM report_links l
         JOIN members m ON m.id = l.owner_member_id AND m.workspace_id = l.workspace_id
         JOIN workspaces w ON w.id = l.workspace_id
         WHERE l.id = $1"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|row| {
        Ok(LinkWithOwner {
            link: link_from_row(&row)?,
            guild_id: GuildId::from_db(row.try_get("guild_id")?),
            owner_user: UserId::from_db(row.try_get("user_id")?),
            owner_name: row.try_get("display_name")?,
            owner_active: row.try_get::<i64, _>("active")? != 0,
        })
    })
    .transpose()
}

/// One member's links, newest first, at most `limit`.
pub async fn list_by_owner(
    conn: &mut Conn,
    owner_member_id: i64,
    limit: u32,
) -> Result<Vec<ReportLink>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM report_links l WHERE l.owner_member_id = $1
         ORDER BY l.id DESC LIMIT $2"
    ))
    .bind(owner_member_id)
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(link_from_row).collect()
}

/// Marks the link revoked; false when it was already revoked (the first revocation stands).
pub async fn revoke(conn: &mut Conn, id: i64, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let done =
        sqlx::query("UPDATE report_links SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
            .bind(id)
            .bind(millis(now))
            .execute(&mut *conn)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// The named secret, created with `generate` the first time. Concurrent first calls (two
/// instances starting together) agree: the insert does nothing if another one won.
pub async fn secret_get_or_create(
    conn: &mut Conn,
    name: &str,
    generate: impl FnOnce() -> String,
    now: DateTime<Utc>,
) -> Result<String, StoreError> {
    sqlx::query(
        "INSERT INTO server_secrets (name, value, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(generate())
    .bind(millis(now))
    .execute(&mut *conn)
    .await?;
    let row = sqlx::query("SELECT value FROM server_secrets WHERE name = $1")
        .bind(name)
        .fetch_one(&mut *conn)
        .await?;
    row.try_get("value")
}
