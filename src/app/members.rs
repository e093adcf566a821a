//! People in the workspace: listing, role changes, removal, leaving, team managers.

use serde_json::json;

use super::audit::{member_target, record, Change};
use super::{
    active_member, active_member_by_user, begin_locked, member_by_user, workspace_of, Actor, App,
    AppError, AppResult,
};
use crate::domain::{policy, DiscordRoleId, Role, UserId};
use crate::store::{self, members::Member};

/// Everyone in the workspace, for anyone but Guests (who see no people at all).
pub async fn list(app: &App, actor: &Actor, include_inactive: bool) -> AppResult<Vec<Member>> {
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    policy::see_member_list(me.role)?;
    Ok(store::members::list(&mut conn, workspace.id, include_inactive).await?)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberInfo {
    pub member: Member,
    /// Who looks after this member.
    pub team_managers: Vec<Member>,
    /// Whom this member looks after.
    pub manages: Vec<Member>,
}

pub async fn info(app: &App, actor: &Actor, user: UserId) -> AppResult<MemberInfo> {
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    if user != me.user_id {
        policy::see_member_list(me.role)?;
    }
    let member = member_by_user(&mut conn, &workspace, user).await?;
    let mut team_managers = Vec::new();
    for id in store::team::managers_of(&mut conn, member.id).await? {
        team_managers.extend(store::members::find(&mut conn, id).await?);
    }
    let mut manages = Vec::new();
    for id in store::team::members_of(&mut conn, member.id).await? {
        manages.extend(store::members::find(&mut conn, id).await?);
    }
    Ok(MemberInfo {
        member,
        team_managers,
        manages,
    })
}

/// The Discord roles to add and remove so a person's Discord roles follow a workspace change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiscordRoleSync {
    pub add: Vec<DiscordRoleId>,
    pub remove: Vec<DiscordRoleId>,
}

pub(crate) async fn role_sync_for(
    conn: &mut store::Conn,
    workspace_id: i64,
    from: Option<Role>,
    to: Option<Role>,
) -> AppResult<DiscordRoleSync> {
    let links = store::role_links::list(conn, workspace_id).await?;
    let linked = |role: Option<Role>| {
        links
            .iter()
            .filter(move |(r, _)| Some(*r) == role)
            .map(|(_, discord)| *discord)
    };
    Ok(DiscordRoleSync {
        add: linked(to).collect(),
        remove: linked(from)
            .filter(|d| !linked(to).any(|t| t == *d))
            .collect(),
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleChanged {
    pub member: Member,
    pub from: Role,
    pub to: Role,
    pub discord: DiscordRoleSync,
}

pub async fn change_role(
    app: &App,
    actor: &Actor,
    user: UserId,
    to: Role,
) -> AppResult<RoleChanged> {
    let workspace = workspace_of(app, actor).await?;
    let mut tx = begin_locked(app, &workspace).await?;
    let me = active_member(&mut tx, &workspace, actor).await?;
    let target = active_member_by_user(&mut tx, &workspace, user).await?;
    policy::change_role(me.person(), target.person(), to)?;
    if target.role == to {
        return Err(AppError::invalid(format!(
            "{} is already {}.",
            target.display_name,
            to.with_article()
        )));
    }
    let settings = store::workspaces::load_settings(&mut tx, workspace.id).await?;
    let (seats_used, guests) =
        store::members::count_seats_and_guests(&mut tx, workspace.id).await?;
    policy::seat_available(Some(target.role), to, seats_used, settings.seat_limit)?;
    policy::guest_slot_available(Some(target.role), to, guests, settings.guest_limit)?;
    store::members::set_role(&mut tx, target.id, to, app.clock.now()).await?;
    if !matches!(to, Role::Manager | Role::Admin) {
        // A team manager must be a Manager or Admin; a demotion ends those duties.
        store::team::drop_all_for(&mut tx, target.id, true).await?;
    }
    if !to.can_track_time() {
        store::team::drop_all_for(&mut tx, target.id, false).await?;
    }
    let discord = role_sync_for(&mut tx, workspace.id, Some(target.role), Some(to)).await?;
    record(
        app,
        &mut tx,
        workspace.id,
        actor,
        Change {
            action: "member.role_change",
            target: member_target(&target),
            before: Some(json!({ "role": target.role.as_str() })),
            after: Some(json!({ "role": to.as_str() })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(RoleChanged {
        from: target.role,
        to,
        member: Member { role: to, ..target },
        discord,
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removed {
    pub member: Member,
    pub discord: DiscordRoleSync,
    /// A removed member loses every share: the channel permission overwrites to remove.
    pub unshared: Vec<super::sharing::ChannelAccess>,
}

/// Deactivates a member; everything they tracked or made stays (rule 5).
pub async fn remove(app: &App, actor: &Actor, user: UserId) -> AppResult<Removed> {
    let workspace = workspace_of(app, actor).await?;
    let mut tx = begin_locked(app, &workspace).await?;
    let target = removable(&mut tx, &workspace, actor, user).await?;
    let removed = deactivate(app, &mut tx, &workspace, actor, &target, "member.remove").await?;
    tx.commit().await?;
    Ok(removed)
}

/// Checks that [`remove`] would succeed, changing nothing; returns the member.
pub async fn check_remove(app: &App, actor: &Actor, user: UserId) -> AppResult<Member> {
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    removable(&mut conn, &workspace, actor, user).await
}

async fn removable(
    conn: &mut store::Conn,
    workspace: &store::workspaces::Workspace,
    actor: &Actor,
    user: UserId,
) -> AppResult<Member> {
    let me = active_member(conn, workspace, actor).await?;
    let target = member_by_user(conn, workspace, user).await?;
    policy::remove_member(me.person(), target.person())?;
    if !target.active {
        return Err(AppError::invalid(format!(
            "{} was already removed from this workspace.",
            target.display_name
        )));
    }
    Ok(target)
}

/// Checks that the actor may leave, changing nothing.
pub async fn check_leave(app: &App, actor: &Actor) -> AppResult<()> {
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    policy::leave(me.role)?;
    Ok(())
}

/// The actor leaves the workspace. The Owner must transfer ownership first.
pub async fn leave(app: &App, actor: &Actor) -> AppResult<Removed> {
    let workspace = workspace_of(app, actor).await?;
    let mut tx = begin_locked(app, &workspace).await?;
    let me = active_member(&mut tx, &workspace, actor).await?;
    policy::leave(me.role)?;
    let removed = deactivate(app, &mut tx, &workspace, actor, &me, "member.leave").await?;
    tx.commit().await?;
    Ok(removed)
}

async fn deactivate(
    app: &App,
    tx: &mut store::Tx,
    workspace: &store::workspaces::Workspace,
    actor: &Actor,
    target: &Member,
    action: &str,
) -> AppResult<Removed> {
    let now = app.clock.now();
    store::members::deactivate(tx, target.id, now).await?;
    store::team::drop_all_for(tx, target.id, false).await?;
    // Shares end with the membership, so an invitation back doesn't revive them.
    let unshared =
        super::sharing::remove_from_all_shares(app, tx, workspace, actor, target).await?;
    let discord = role_sync_for(tx, workspace.id, Some(target.role), None).await?;
    record(
        app,
        tx,
        workspace.id,
        actor,
        Change {
            action,
            target: member_target(target),
            before: Some(json!({ "active": true, "role": target.role.as_str() })),
            after: Some(json!({ "active": false })),
        },
    )
    .await?;
    Ok(Removed {
        member: Member {
            active: false,
            left_at: Some(now),
            ..target.clone()
        },
        discord,
        unshared,
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamManagerChanged {
    pub manager: Member,
    pub member: Member,
    /// False when nothing changed (already assigned, or not assigned).
    pub changed: bool,
}

/// Makes `manager` a team manager of `member` (or undoes it with `assign = false`).
pub async fn set_team_manager(
    app: &App,
    actor: &Actor,
    manager: UserId,
    member: UserId,
    assign: bool,
) -> AppResult<TeamManagerChanged> {
    let workspace = workspace_of(app, actor).await?;
    let mut tx = begin_locked(app, &workspace).await?;
    let me = active_member(&mut tx, &workspace, actor).await?;
    let manager = active_member_by_user(&mut tx, &workspace, manager).await?;
    let member = active_member_by_user(&mut tx, &workspace, member).await?;
    let changed = if assign {
        policy::assign_team_manager(me.role, manager.person(), member.person())?;
        store::team::assign(
            &mut tx,
            workspace.id,
            manager.id,
            member.id,
            app.clock.now(),
        )
        .await?
    } else {
        policy::manage_team_managers(me.role)?;
        store::team::unassign(&mut tx, manager.id, member.id).await?
    };
    if changed {
        record(
            app,
            &mut tx,
            workspace.id,
            actor,
            Change {
                action: if assign {
                    "team_manager.assign"
                } else {
                    "team_manager.unassign"
                },
                target: member_target(&member),
                before: None,
                after: Some(json!({ "manager": manager.user_id.to_string(), "assigned": assign })),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(TeamManagerChanged {
        manager,
        member,
        changed,
    })
}

/// The actor's role here (`None` when not an active member, or no workspace), with the
/// settings that decide what that role may do; for `/help`.
pub async fn my_standing(
    app: &App,
    actor: &Actor,
) -> AppResult<(Option<Role>, crate::domain::settings::Settings)> {
    let Some(guild) = actor.guild else {
        return Ok((None, crate::domain::settings::Settings::default()));
    };
    let mut conn = app.store.conn().await?;
    let Some(workspace) = store::workspaces::find_by_guild(&mut conn, guild).await? else {
        return Ok((None, crate::domain::settings::Settings::default()));
    };
    let role = store::members::find_by_user(&mut conn, workspace.id, actor.user)
        .await?
        .filter(|m| m.active)
        .map(|m| m.role);
    let settings = store::workspaces::load_settings(&mut conn, workspace.id).await?;
    Ok((role, settings))
}
