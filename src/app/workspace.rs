//! The workspace itself: creation, info, settings, ownership transfer, deletion, audit log.

use serde_json::json;

use super::audit::{member_target, record, Change};
use super::members::{role_sync_for, DiscordRoleSync};
use super::{
    active_member, active_member_by_user, begin_locked, clean_name, workspace_of, Actor, App,
    AppError, AppResult,
};
use crate::domain::policy;
use crate::domain::settings::{SettingKey, Settings};
use crate::domain::{Role, UserId};
use crate::store::{self, audit::AuditEntry, members::Member, workspaces::Workspace};

pub const MAX_WORKSPACE_NAME_CHARS: usize = 100;

/// Creates the workspace for the actor's server; the creator becomes its Owner.
pub async fn create(app: &App, actor: &Actor, name: &str) -> AppResult<Workspace> {
    let guild = actor.guild.ok_or_else(|| {
        AppError::invalid("Create the workspace from inside your Discord server.")
    })?;
    if !actor.manages_guild {
        return Err(AppError::denied(
            "Only someone with Discord's Manage Server permission can create this server's workspace.",
        ));
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_WORKSPACE_NAME_CHARS {
        return Err(AppError::invalid(format!(
            "Give the workspace a name of 1 to {MAX_WORKSPACE_NAME_CHARS} characters."
        )));
    }
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    let workspace = match store::workspaces::insert(&mut tx, guild, &clean_name(name), now).await {
        Ok(workspace) => workspace,
        Err(err) if store::is_unique_violation(&err) => {
            return Err(AppError::conflict(
                "This server already has a crewclock workspace. See /workspace info.",
            ))
        }
        Err(err) => return Err(err.into()),
    };
    let owner = store::members::insert(
        &mut tx,
        workspace.id,
        actor.user,
        &clean_name(&actor.name),
        Role::Owner,
        now,
    )
    .await?;
    record(
        app,
        &mut tx,
        workspace.id,
        actor,
        Change {
            action: "workspace.create",
            target: format!("workspace {}", workspace.name),
            before: None,
            after: Some(json!({ "name": workspace.name, "owner": owner.user_id.to_string() })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(workspace)
}

/// A summary anyone in the workspace but a Guest may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceInfo {
    pub workspace: Workspace,
    pub owner: Member,
    pub your_role: Role,
    pub seats_used: u32,
    pub seat_limit: u32,
    pub guests: u32,
    pub guest_limit: u32,
    pub pending_invitations: u32,
}

pub async fn info(app: &App, actor: &Actor) -> AppResult<WorkspaceInfo> {
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    policy::view_settings(me.role)?;
    let settings = store::workspaces::load_settings(&mut conn, workspace.id).await?;
    let (seats_used, guests) =
        store::members::count_seats_and_guests(&mut conn, workspace.id).await?;
    let owner = store::members::list(&mut conn, workspace.id, false)
        .await?
        .into_iter()
        .find(|m| m.role == Role::Owner)
        .ok_or_else(|| AppError::internal(format!("workspace {} has no owner", workspace.id)))?;
    let now = app.clock.now();
    let pending = store::invitations::list_pending(&mut conn, workspace.id)
        .await?
        .into_iter()
        .filter(|inv| inv.expires_at > now)
        .count() as u32;
    Ok(WorkspaceInfo {
        workspace,
        owner,
        your_role: me.role,
        seats_used,
        seat_limit: settings.seat_limit,
        guests,
        guest_limit: settings.guest_limit,
        pending_invitations: pending,
    })
}

pub async fn settings(app: &App, actor: &Actor) -> AppResult<Settings> {
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    policy::view_settings(me.role)?;
    Ok(store::workspaces::load_settings(&mut conn, workspace.id).await?)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingChanged {
    pub key: SettingKey,
    pub before: String,
    pub after: String,
    /// Turning sharing_enabled off revokes every share: the channel permission overwrites
    /// the bot must remove.
    pub unshared: Vec<super::sharing::ChannelAccess>,
}

/// Changes one setting by name, e.g. `("seat_limit", "10")`.
pub async fn set_setting(
    app: &App,
    actor: &Actor,
    key: &str,
    value: &str,
) -> AppResult<SettingChanged> {
    let key = SettingKey::parse(key)?;
    let workspace = workspace_of(app, actor).await?;
    let mut tx = begin_locked(app, &workspace).await?;
    let me = active_member(&mut tx, &workspace, actor).await?;
    policy::change_setting(me.role, key)?;
    let current = store::workspaces::load_settings(&mut tx, workspace.id).await?;
    let next = current.with(key, value)?;
    let (seats_used, guests) =
        store::members::count_seats_and_guests(&mut tx, workspace.id).await?;
    if next.seat_limit < seats_used {
        return Err(AppError::conflict(format!(
            "{seats_used} seats are in use, so seat_limit can't go below {seats_used}. Make someone a Viewer or remove them first."
        )));
    }
    if next.guest_limit < guests {
        return Err(AppError::conflict(format!(
            "The workspace has {guests} guests, so guest_limit can't go below {guests}. Remove guests first."
        )));
    }
    let mut change = SettingChanged {
        key,
        before: current.value_of(key),
        after: next.value_of(key),
        unshared: Vec::new(),
    };
    if change.before != change.after {
        store::workspaces::save_settings(&mut tx, workspace.id, &next).await?;
        record(
            app,
            &mut tx,
            workspace.id,
            actor,
            Change {
                action: "settings.change",
                target: format!("setting {}", key.name()),
                before: Some(json!(change.before)),
                after: Some(json!(change.after)),
            },
        )
        .await?;
        if current.sharing_enabled && !next.sharing_enabled {
            change.unshared =
                super::sharing::revoke_all_in(app, &mut tx, &workspace, actor).await?;
        }
    }
    tx.commit().await?;
    Ok(change)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnershipTransferred {
    pub old_owner: Member,
    pub new_owner: Member,
    /// Linked Discord roles to move for the old Owner (now Admin) and the new Owner.
    pub old_owner_discord: DiscordRoleSync,
    pub new_owner_discord: DiscordRoleSync,
}

/// Hands the workspace to another member; the old Owner becomes an Admin.
pub async fn transfer_ownership(
    app: &App,
    actor: &Actor,
    to: UserId,
) -> AppResult<OwnershipTransferred> {
    let workspace = workspace_of(app, actor).await?;
    let mut tx = begin_locked(app, &workspace).await?;
    let done = transfer_in(app, &mut tx, &workspace, actor, to).await?;
    tx.commit().await?;
    Ok(done)
}

/// Checks that [`transfer_ownership`] would succeed, changing nothing (it runs the transfer
/// and rolls it back), so the adapter asks for confirmation only when it makes sense.
pub async fn check_transfer_ownership(app: &App, actor: &Actor, to: UserId) -> AppResult<()> {
    let workspace = workspace_of(app, actor).await?;
    let mut tx = begin_locked(app, &workspace).await?;
    transfer_in(app, &mut tx, &workspace, actor, to).await?;
    tx.rollback().await?;
    Ok(())
}

async fn transfer_in(
    app: &App,
    tx: &mut store::Tx,
    workspace: &Workspace,
    actor: &Actor,
    to: UserId,
) -> AppResult<OwnershipTransferred> {
    let me = active_member(tx, workspace, actor).await?;
    let target = active_member_by_user(tx, workspace, to).await?;
    policy::transfer_ownership(me.person(), target.person())?;
    // The new owner needs a seat if they had none; the old owner keeps theirs as Admin.
    let settings = store::workspaces::load_settings(tx, workspace.id).await?;
    let (seats_used, _) = store::members::count_seats_and_guests(tx, workspace.id).await?;
    policy::seat_available(
        Some(target.role),
        Role::Owner,
        seats_used,
        settings.seat_limit,
    )?;
    // Demote first: the one-owner index allows no moment with two owners.
    store::members::set_role(tx, me.id, Role::Admin, app.clock.now()).await?;
    store::members::set_role(tx, target.id, Role::Owner, app.clock.now()).await?;
    // Team managers are Managers or Admins; the new Owner's team duties end here.
    store::team::drop_all_for(tx, target.id, true).await?;
    let old_owner_discord =
        role_sync_for(tx, workspace.id, Some(Role::Owner), Some(Role::Admin)).await?;
    let new_owner_discord =
        role_sync_for(tx, workspace.id, Some(target.role), Some(Role::Owner)).await?;
    record(
        app,
        tx,
        workspace.id,
        actor,
        Change {
            action: "workspace.transfer_ownership",
            target: member_target(&target),
            before: Some(
                json!({ "owner": me.user_id.to_string(), "new_owner_role": target.role.as_str() }),
            ),
            after: Some(json!({ "owner": target.user_id.to_string(), "old_owner_role": "admin" })),
        },
    )
    .await?;
    Ok(OwnershipTransferred {
        old_owner: Member {
            role: Role::Admin,
            ..me
        },
        new_owner: Member {
            role: Role::Owner,
            ..target
        },
        old_owner_discord,
        new_owner_discord,
    })
}

/// Checks that the actor may delete the workspace, changing nothing; returns it.
pub async fn check_delete(app: &App, actor: &Actor) -> AppResult<Workspace> {
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    policy::delete_workspace(me.role)?;
    Ok(workspace)
}

/// Deletes the workspace and everything in it. The adapter asks for confirmation first.
pub async fn delete(app: &App, actor: &Actor) -> AppResult<Workspace> {
    let workspace = check_delete(app, actor).await?;
    let mut tx = begin_locked(app, &workspace).await?;
    let me = active_member(&mut tx, &workspace, actor).await?;
    policy::delete_workspace(me.role)?;
    store::workspaces::delete(&mut tx, workspace.id).await?;
    tx.commit().await?;
    tracing::info!(workspace = workspace.id, guild = %workspace.guild_id, by = %actor.user, "workspace deleted");
    Ok(workspace)
}

pub const AUDIT_PAGE_SIZE: u32 = 25;

/// The newest audit entries, a page at a time (`before_id` from the last entry seen).
pub async fn audit_log(
    app: &App,
    actor: &Actor,
    before_id: Option<i64>,
) -> AppResult<Vec<AuditEntry>> {
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    policy::see_audit_log(me.role)?;
    Ok(store::audit::list(&mut conn, workspace.id, before_id, AUDIT_PAGE_SIZE).await?)
}
