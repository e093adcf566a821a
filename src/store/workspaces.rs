//! Workspaces and their settings.

use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{decode_error, flag, from_millis, millis, Conn, StoreError};
use crate::domain::settings::{
    AdminsOrAnyone, CreateAccess, InviteAccess, OverlapPolicy, Settings,
};
use crate::domain::GuildId;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    pub id: i64,
    pub guild_id: GuildId,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

fn workspace_from_row(row: &AnyRow) -> Result<Workspace, StoreError> {
    Ok(Workspace {
        id: row.try_get("id")?,
        guild_id: GuildId::from_db(row.try_get("guild_id")?),
        name: row.try_get("name")?,
        created_at: from_millis(row.try_get("created_at")?)?,
    })
}

const COLUMNS: &str = "id, guild_id, name, created_at";

/// Inserts a workspace with default settings. A second workspace for the same guild fails
/// with a unique violation.
pub async fn insert(
    conn: &mut Conn,
    guild: GuildId,
    name: &str,
    now: DateTime<Utc>,
) -> Result<Workspace, StoreError> {
    let row = sqlx::query(&format!(
        "INSERT INTO workspaces (guild_id, name, created_at) VALUES ($1, $2, $3) RETURNING {COLUMNS}"
    ))
    .bind(guild.to_db())
    .bind(name)
    .bind(millis(now))
    .fetch_one(&mut *conn)
    .await?;
    let workspace = workspace_from_row(&row)?;
    sqlx::query("INSERT INTO workspace_settings (workspace_id) VALUES ($1)")
        .bind(workspace.id)
        .execute(&mut *conn)
        .await?;
    Ok(workspace)
}

pub async fn find_by_guild(
    conn: &mut Conn,
    guild: GuildId,
) -> Result<Option<Workspace>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM workspaces WHERE guild_id = $1"
    ))
    .bind(guild.to_db())
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(workspace_from_row).transpose()
}

pub async fn find(conn: &mut Conn, id: i64) -> Result<Option<Workspace>, StoreError> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM workspaces WHERE id = $1"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(workspace_from_row).transpose()
}

/// Takes the workspace's write lock for the rest of the transaction. Call it first in every
/// transaction that changes people, so that checks (seats, one owner, pending invitations)
/// and the writes they guard cannot interleave with another process's. Returns false when
/// the workspace no longer exists.
/// Locks the workspace of `guild` as a write of one member's own time does (shared on
/// PostgreSQL, see `members::lock_own_context`) and returns it; `None` when the server has no
/// workspace. Used when that combined read found nothing, to say which part is missing.
pub async fn lock_shared_by_guild(
    conn: &mut Conn,
    guild: GuildId,
) -> Result<Option<Workspace>, StoreError> {
    let sql = if super::is_postgres(conn) {
        format!("SELECT {COLUMNS} FROM workspaces WHERE guild_id = $1 FOR SHARE")
    } else {
        format!(
            "UPDATE workspaces SET version = version + 1 WHERE guild_id = $1 RETURNING {COLUMNS}"
        )
    };
    let row = sqlx::query(&sql)
        .bind(guild.to_db())
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(workspace_from_row).transpose()
}

pub async fn lock(conn: &mut Conn, id: i64) -> Result<bool, StoreError> {
    let done = sqlx::query("UPDATE workspaces SET version = version + 1 WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes the workspace and, by cascade, everything in it.
pub async fn delete(conn: &mut Conn, id: i64) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM workspaces WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The settings' columns of `workspace_settings`, for [`settings_from_row`].
pub(crate) const SETTINGS_COLUMNS: &str =
    "who_can_create_projects, who_can_create_tasks, who_can_create_tags, who_can_invite,
     members_see_others_time, who_can_see_rates, who_can_change_billable,
     team_managers_edit_time, lock_entries_older_than_days, seat_limit, guest_limit,
     invite_ttl_days, overlap_policy, idle_reminder_hours, sharing_enabled";

pub async fn load_settings(conn: &mut Conn, workspace_id: i64) -> Result<Settings, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {SETTINGS_COLUMNS} FROM workspace_settings WHERE workspace_id = $1"
    ))
    .bind(workspace_id)
    .fetch_one(&mut *conn)
    .await?;
    settings_from_row(&row)
}

/// Settings from a row holding [`SETTINGS_COLUMNS`].
pub(crate) fn settings_from_row(row: &AnyRow) -> Result<Settings, StoreError> {
    let create = |col: &str| -> Result<CreateAccess, StoreError> {
        match row.try_get::<String, _>(col)?.as_str() {
            "anyone" => Ok(CreateAccess::Anyone),
            "managers" => Ok(CreateAccess::Managers),
            "admins" => Ok(CreateAccess::Admins),
            other => Err(decode_error(format!("{col}: unknown value {other}"))),
        }
    };
    let admins_or_anyone = |col: &str| -> Result<AdminsOrAnyone, StoreError> {
        match row.try_get::<String, _>(col)?.as_str() {
            "admins" => Ok(AdminsOrAnyone::Admins),
            "anyone" => Ok(AdminsOrAnyone::Anyone),
            other => Err(decode_error(format!("{col}: unknown value {other}"))),
        }
    };
    let count = |col: &str| -> Result<u32, StoreError> {
        u32::try_from(row.try_get::<i64, _>(col)?)
            .map_err(|_| decode_error(format!("{col} out of range")))
    };
    Ok(Settings {
        who_can_create_projects: create("who_can_create_projects")?,
        who_can_create_tasks: create("who_can_create_tasks")?,
        who_can_create_tags: create("who_can_create_tags")?,
        who_can_invite: match row.try_get::<String, _>("who_can_invite")?.as_str() {
            "anyone" => InviteAccess::Anyone,
            _ => InviteAccess::Managers,
        },
        members_see_others_time: row.try_get::<i64, _>("members_see_others_time")? != 0,
        who_can_see_rates: admins_or_anyone("who_can_see_rates")?,
        who_can_change_billable: admins_or_anyone("who_can_change_billable")?,
        team_managers_edit_time: row.try_get::<i64, _>("team_managers_edit_time")? != 0,
        lock_entries_older_than_days: row
            .try_get::<Option<i64>, _>("lock_entries_older_than_days")?
            .map(|days| u32::try_from(days).unwrap_or(u32::MAX)),
        seat_limit: count("seat_limit")?,
        guest_limit: count("guest_limit")?,
        invite_ttl_days: count("invite_ttl_days")?,
        overlap_policy: match row.try_get::<String, _>("overlap_policy")?.as_str() {
            "refuse" => OverlapPolicy::Refuse,
            "flag" => OverlapPolicy::Flag,
            other => {
                return Err(decode_error(format!(
                    "overlap_policy: unknown value {other}"
                )))
            }
        },
        idle_reminder_hours: count("idle_reminder_hours")?,
        sharing_enabled: row.try_get::<i64, _>("sharing_enabled")? != 0,
    })
}

pub async fn save_settings(
    conn: &mut Conn,
    workspace_id: i64,
    s: &Settings,
) -> Result<(), StoreError> {
    use crate::domain::settings::SettingKey as K;
    sqlx::query(
        "UPDATE workspace_settings SET
            who_can_create_projects = $2, who_can_create_tasks = $3, who_can_create_tags = $4,
            who_can_invite = $5, members_see_others_time = $6, who_can_see_rates = $7,
            who_can_change_billable = $8, team_managers_edit_time = $9,
            lock_entries_older_than_days = $10, seat_limit = $11, guest_limit = $12,
            invite_ttl_days = $13, overlap_policy = $14, idle_reminder_hours = $15,
            sharing_enabled = $16
         WHERE workspace_id = $1",
    )
    .bind(workspace_id)
    .bind(s.value_of(K::WhoCanCreateProjects))
    .bind(s.value_of(K::WhoCanCreateTasks))
    .bind(s.value_of(K::WhoCanCreateTags))
    .bind(s.value_of(K::WhoCanInvite))
    .bind(flag(s.members_see_others_time))
    .bind(s.value_of(K::WhoCanSeeRates))
    .bind(s.value_of(K::WhoCanChangeBillable))
    .bind(flag(s.team_managers_edit_time))
    .bind(s.lock_entries_older_than_days.map(i64::from))
    .bind(i64::from(s.seat_limit))
    .bind(i64::from(s.guest_limit))
    .bind(i64::from(s.invite_ttl_days))
    .bind(s.overlap_policy.as_str())
    .bind(i64::from(s.idle_reminder_hours))
    .bind(flag(s.sharing_enabled))
    .execute(&mut *conn)
    .await?;
    Ok(())
}
