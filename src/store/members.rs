//! Members of a workspace: their Discord user, role and whether they are still active.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::workspaces::{settings_from_row, Workspace, SETTINGS_COLUMNS};
use super::{decode_error, from_millis, millis, Conn, StoreError};
use crate::domain::settings::Settings;
use crate::domain::{GuildId, Role, UserId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub id: i64,
    pub workspace_id: i64,
    pub user_id: UserId,
    pub display_name: String,
    pub role: Role,
    pub active: bool,
    pub joined_at: DateTime<Utc>,
    pub left_at: Option<DateTime<Utc>>,
}

impl Member {
    pub fn person(&self) -> crate::domain::policy::Person {
        crate::domain::policy::Person {
            member_id: self.id,
            role: self.role,
        }
    }
}

const COLUMNS: &str = "id, workspace_id, user_id, display_name, role, active, joined_at, left_at";

pub(crate) fn role_from_db(text: &str) -> Result<Role, StoreError> {
    text.parse()
        .map_err(|_| decode_error(format!("unknown role in database: {text}")))
}

fn member_from_row(row: &AnyRow) -> Result<Member, StoreError> {
    Ok(Member {
        id: row.try_get("id")?,
        workspace_id: row.try_get("workspace_id")?,
        user_id: UserId::from_db(row.try_get("user_id")?),
        display_name: row.try_get("display_name")?,
        role: role_from_db(&row.try_get::<String, _>("role")?)?,
        active: row.try_get::<i64, _>("active")? != 0,
        joined_at: from_millis(row.try_get("joined_at")?)?,
        left_at: row
            .try_get::<Option<i64>, _>("left_at")?
            .map(from_millis)
            .transpose()?,
    })
}

pub async fn insert(
    conn: &mut Conn,
    workspace_id: i64,
    user: UserId,
    name: &str,
    role: Role,
    now: DateTime<Utc>,
) -> Result<Member, StoreError> {
    let row = sqlx::query(&format!(
        "INSERT INTO members (workspace_id, user_id, display_name, role, active, joined_at, role_changed_at)
         VALUES ($1, $2, $3, $4, 1, $5, $5) RETURNING {COLUMNS}"
    ))
    .bind(workspace_id)
    .bind(user.to_db())
    .bind(name)
    .bind(role.as_str())
    .bind(millis(now))
    .fetch_one(&mut *conn)
    .await?;
    member_from_row(&row)
}

/// Brings a removed member back with a new role; their history was never deleted.
pub async fn reactivate(
    conn: &mut Conn,
    member_id: i64,
    name: &str,
    role: Role,
    now: DateTime<Utc>,
) -> Result<Member, StoreError> {
    let row = sqlx::query(&format!(
        "UPDATE members SET active = 1, role = $2, display_name = $3, joined_at = $4, left_at = NULL,
                            role_changed_at = $4
         WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(member_id)
    .bind(role.as_str())
    .bind(name)
    .bind(millis(now))
    .fetch_one(&mut *conn)
    .await?;
    member_from_row(&row)
}

pub async fn find_by_user(
    conn: &mut Conn,
    workspace_id: i64,
    user: UserId,
) -> Result<Option<Member>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM members WHERE workspace_id = $1 AND user_id = $2"
    ))
    .bind(workspace_id)
    .bind(user.to_db())
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(member_from_row).transpose()
}

/// What a write of one's own time needs about the writer, read in one statement.
pub struct OwnContext {
    pub member: Member,
    pub settings: Settings,
    pub workspace_rate: Option<i64>,
    pub currency: String,
    pub time_zone: String,
    pub week_start: String,
    /// The member's timesheet week approved around `now`, if any (the lock of a new entry).
    pub approved_week_now: Option<chrono::NaiveDate>,
}

/// The workspace of `guild` and its member `user`, with the workspace's settings and rate, the
/// member's time zone and, given `now`, their timesheet week approved around it, in one
/// statement; `None`
/// when either is missing ([`super::workspaces::lock_shared_by_guild`] tells which).
///
/// Locks for a write of the member's own time (a timer): PostgreSQL takes the workspace row
/// shared, so such writes of different members run side by side while every other write,
/// which takes it exclusively, waits for them; and the member's row exclusively, so two timer
/// commands of one person (or one and a role change) run one after the other. SQLite has one
/// writer at a time: the transaction already holds the write lock (`BEGIN IMMEDIATE`).
pub async fn lock_own_context(
    conn: &mut Conn,
    guild: GuildId,
    user: UserId,
    now: Option<DateTime<Utc>>,
) -> Result<Option<(Workspace, OwnContext)>, StoreError> {
    let lock = if super::is_postgres(conn) {
        " FOR SHARE OF w FOR NO KEY UPDATE OF m"
    } else {
        ""
    };
    let approved = if now.is_some() {
        "(SELECT ts.week_start FROM timesheets ts
          WHERE ts.member_id = m.id AND ts.status = 'approved'
            AND ts.starts_at <= $3 AND ts.ends_at > $3
          LIMIT 1)"
    } else {
        "NULL"
    };
    let sql = format!(
        "SELECT m.id, m.workspace_id, m.user_id, m.display_name, m.role, m.active, m.joined_at,
                m.left_at, m.time_zone, m.week_start, s.hourly_rate, s.currency, {SETTINGS_COLUMNS},
                CAST({approved} AS TEXT) AS approved_week_now, w.name AS workspace_name, w.created_at AS workspace_created_at
         FROM workspaces w
         JOIN members m ON m.workspace_id = w.id
         JOIN workspace_settings s ON s.workspace_id = w.id
         WHERE w.guild_id = $1 AND m.user_id = $2{lock}"
    );
    let row = sqlx::query(&sql).bind(guild.to_db()).bind(user.to_db());
    let row = match now {
        Some(now) => row.bind(millis(now)),
        None => row,
    }
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let workspace = Workspace {
        id: row.try_get("workspace_id")?,
        guild_id: guild,
        name: row.try_get("workspace_name")?,
        created_at: from_millis(row.try_get("workspace_created_at")?)?,
    };
    let context = OwnContext {
        member: member_from_row(&row)?,
        settings: settings_from_row(&row)?,
        workspace_rate: row.try_get("hourly_rate")?,
        currency: row.try_get("currency")?,
        time_zone: row.try_get("time_zone")?,
        week_start: row.try_get("week_start")?,
        // Given no `now`, NULL: not read.
        approved_week_now: row
            .try_get::<Option<String>, _>("approved_week_now")?
            .map(|text| super::timesheets::date(&text))
            .transpose()?,
    };
    Ok(Some((workspace, context)))
}

pub async fn find(conn: &mut Conn, member_id: i64) -> Result<Option<Member>, StoreError> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM members WHERE id = $1"))
        .bind(member_id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(member_from_row).transpose()
}

/// Members ordered by role (highest first), then name.
pub async fn list(
    conn: &mut Conn,
    workspace_id: i64,
    include_inactive: bool,
) -> Result<Vec<Member>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM members
         WHERE workspace_id = $1 AND (active = 1 OR $2 = 1)
         ORDER BY active DESC,
                  CASE role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 WHEN 'manager' THEN 2
                            WHEN 'member' THEN 3 WHEN 'viewer' THEN 4 ELSE 5 END,
                  LOWER(display_name), id"
    ))
    .bind(workspace_id)
    .bind(i64::from(include_inactive))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(member_from_row).collect()
}

/// Active members holding a seat, and active guests.
pub async fn count_seats_and_guests(
    conn: &mut Conn,
    workspace_id: i64,
) -> Result<(u32, u32), StoreError> {
    let row = sqlx::query(
        "SELECT
            COUNT(CASE WHEN role IN ('owner','admin','manager','member') THEN 1 END) AS seats,
            COUNT(CASE WHEN role = 'guest' THEN 1 END) AS guests
         FROM members WHERE workspace_id = $1 AND active = 1",
    )
    .bind(workspace_id)
    .fetch_one(&mut *conn)
    .await?;
    let seats: i64 = row.try_get("seats")?;
    let guests: i64 = row.try_get("guests")?;
    Ok((seats as u32, guests as u32))
}

pub async fn set_role(
    conn: &mut Conn,
    member_id: i64,
    role: Role,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE members SET role = $2, role_changed_at = $3 WHERE id = $1")
        .bind(member_id)
        .bind(role.as_str())
        .bind(millis(now))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// When the member's role was last set (joining counts), if known.
pub async fn role_changed_at(
    conn: &mut Conn,
    member_id: i64,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    let row = sqlx::query("SELECT role_changed_at FROM members WHERE id = $1")
        .bind(member_id)
        .fetch_one(&mut *conn)
        .await?;
    row.try_get::<Option<i64>, _>("role_changed_at")?
        .map(from_millis)
        .transpose()
}

pub async fn deactivate(
    conn: &mut Conn,
    member_id: i64,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE members SET active = 0, left_at = $2 WHERE id = $1")
        .bind(member_id)
        .bind(millis(now))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Keeps the shown name current; Discord names change.
pub async fn rename(conn: &mut Conn, member_id: i64, name: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE members SET display_name = $2 WHERE id = $1 AND display_name <> $2")
        .bind(member_id)
        .bind(name)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
