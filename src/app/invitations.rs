//! Invitations: to a named Discord user (answered with buttons in a DM) or as a code that
//! people redeem with `/join`. Seats and the guest limit are checked when someone joins.

use serde_json::json;

use super::audit::{member_target, record, Change};
use super::members::{role_sync_for, DiscordRoleSync};
use super::{
    active_member, begin_locked, clean_name, workspace_of, Actor, App, AppError, AppResult,
};
use crate::domain::invitation::{self, effective_status, InvitationStatus};
use crate::domain::{policy, Role, UserId};
use crate::store::invitations::{Invitation, NewInvitation};
use crate::store::members::Member;
use crate::store::workspaces::Workspace;
use crate::store::{self, Tx};

fn invitation_target(inv: &Invitation) -> String {
    match (&inv.invitee, &inv.invitee_name, &inv.code) {
        (Some(user), Some(name), _) => format!("invitation #{} for {} ({})", inv.id, name, user),
        (Some(user), None, _) => format!("invitation #{} for {}", inv.id, user),
        (None, _, Some(code)) => format!("invitation #{} code {}", inv.id, code),
        (None, _, None) => format!("invitation #{}", inv.id),
    }
}

fn invitation_json(inv: &Invitation) -> serde_json::Value {
    json!({
        "role": inv.role.as_str(),
        "invitee": inv.invitee.map(|u| u.to_string()),
        "code": inv.code,
        "max_uses": inv.max_uses,
        "expires_at": inv.expires_at.to_rfc3339(),
    })
}

/// Invites one Discord user. Inviting someone again replaces their pending invitation.
pub async fn invite_user(
    app: &App,
    actor: &Actor,
    user: UserId,
    user_name: &str,
    role: Role,
) -> AppResult<Invitation> {
    if user == actor.user {
        return Err(AppError::invalid("You can't invite yourself."));
    }
    let workspace = workspace_of(app, actor).await?;
    let mut tx = begin_locked(app, &workspace).await?;
    let me = active_member(&mut tx, &workspace, actor).await?;
    let settings = store::workspaces::load_settings(&mut tx, workspace.id).await?;
    policy::invite(me.role, role, &settings)?;
    if let Some(existing) = store::members::find_by_user(&mut tx, workspace.id, user).await? {
        if existing.active {
            return Err(AppError::conflict(format!(
                "{} is already in this workspace as {}. Use /member role to change their role.",
                existing.display_name,
                existing.role.with_article()
            )));
        }
    }
    let now = app.clock.now();
    if let Some(previous) =
        store::invitations::find_pending_for(&mut tx, workspace.id, user).await?
    {
        // Replacing an open invitation cancels it: that takes the right to revoke it.
        // An expired leftover may always be replaced.
        if effective_status(previous.status, previous.expires_at, now) == InvitationStatus::Pending
        {
            policy::manage_invitation(me.person(), previous.invited_by, previous.role).map_err(
                |refused| {
                    AppError::denied(format!(
                        "{} already has an open invitation (#{}) that you can't replace: {}",
                        clean_name(user_name),
                        previous.id,
                        refused.0
                    ))
                },
            )?;
        }
        store::invitations::close(&mut tx, previous.id, InvitationStatus::Replaced, now).await?;
        record(
            app,
            &mut tx,
            workspace.id,
            actor,
            Change {
                action: "invitation.replace",
                target: invitation_target(&previous),
                before: Some(invitation_json(&previous)),
                after: None,
            },
        )
        .await?;
    }
    let name = clean_name(user_name);
    let inv = store::invitations::insert(
        &mut tx,
        NewInvitation {
            workspace_id: workspace.id,
            invitee: Some((user, &name)),
            code: None,
            role,
            invited_by: me.id,
            max_uses: 1,
            now,
            expires_at: invitation::expiry(now, settings.invite_ttl_days),
        },
    )
    .await?;
    record(
        app,
        &mut tx,
        workspace.id,
        actor,
        Change {
            action: "invitation.create",
            target: invitation_target(&inv),
            before: None,
            after: Some(invitation_json(&inv)),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(inv)
}

/// Creates an invite code for `role` that up to `uses` people may redeem.
pub async fn create_code(app: &App, actor: &Actor, role: Role, uses: i64) -> AppResult<Invitation> {
    let uses = invitation::check_uses(uses)?;
    let workspace = workspace_of(app, actor).await?;
    let mut tx = begin_locked(app, &workspace).await?;
    let me = active_member(&mut tx, &workspace, actor).await?;
    let settings = store::workspaces::load_settings(&mut tx, workspace.id).await?;
    policy::invite(me.role, role, &settings)?;
    let now = app.clock.now();
    let code = invitation::new_code();
    let inv = store::invitations::insert(
        &mut tx,
        NewInvitation {
            workspace_id: workspace.id,
            invitee: None,
            code: Some(&code),
            role,
            invited_by: me.id,
            max_uses: uses,
            now,
            expires_at: invitation::expiry(now, settings.invite_ttl_days),
        },
    )
    .await?;
    record(
        app,
        &mut tx,
        workspace.id,
        actor,
        Change {
            action: "invitation.create",
            target: invitation_target(&inv),
            before: None,
            after: Some(invitation_json(&inv)),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(inv)
}

/// Someone who joined through an invitation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Joined {
    pub workspace: Workspace,
    pub member: Member,
    /// True when a removed member came back (their history is theirs again).
    pub returned: bool,
    pub discord: DiscordRoleSync,
}

/// Loads an invitation with its workspace, or a not-found message.
async fn invitation_with_workspace(app: &App, id: i64) -> AppResult<(Invitation, Workspace)> {
    let mut conn = app.store.conn().await?;
    let missing = || AppError::not_found(format!("There is no invitation #{id}."));
    let inv = store::invitations::find(&mut conn, id)
        .await?
        .ok_or_else(missing)?;
    let workspace = store::workspaces::find(&mut conn, inv.workspace_id)
        .await?
        .ok_or_else(missing)?;
    Ok((inv, workspace))
}

/// The invitation as it is now, inside the locked transaction, refused unless still open.
async fn open_invitation(app: &App, tx: &mut Tx, id: i64) -> AppResult<Invitation> {
    let inv = store::invitations::find(tx, id)
        .await?
        .ok_or_else(|| AppError::not_found(format!("There is no invitation #{id}.")))?;
    match effective_status(inv.status, inv.expires_at, app.clock.now()) {
        InvitationStatus::Pending => Ok(inv),
        closed => Err(AppError::conflict(closed.closed_reason())),
    }
}

fn check_invitee(inv: &Invitation, actor: &Actor) -> AppResult<()> {
    if inv.invitee != Some(actor.user) {
        return Err(AppError::denied("This invitation is for someone else."));
    }
    Ok(())
}

/// The invitee accepts (from the DM button or a command).
pub async fn accept(app: &App, actor: &Actor, invitation_id: i64) -> AppResult<Joined> {
    let (inv, workspace) = invitation_with_workspace(app, invitation_id).await?;
    check_invitee(&inv, actor)?;
    let mut tx = begin_locked(app, &workspace).await?;
    let inv = open_invitation(app, &mut tx, inv.id).await?;
    let joined = join(app, &mut tx, &workspace, actor, inv.role).await?;
    store::invitations::close(&mut tx, inv.id, InvitationStatus::Accepted, app.clock.now()).await?;
    record(
        app,
        &mut tx,
        workspace.id,
        actor,
        Change {
            action: "invitation.accept",
            target: invitation_target(&inv),
            before: None,
            after: Some(
                json!({ "member": member_target(&joined.member), "role": inv.role.as_str() }),
            ),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(joined)
}

/// Accepts the actor's pending invitation to this server's workspace (for `/join` without a
/// code, e.g. when the invitation DM could not be delivered).
pub async fn accept_pending(app: &App, actor: &Actor) -> AppResult<Joined> {
    let workspace = workspace_of(app, actor).await?;
    let pending = {
        let mut conn = app.store.conn().await?;
        store::invitations::find_pending_for(&mut conn, workspace.id, actor.user).await?
    };
    match pending {
        Some(inv) => accept(app, actor, inv.id).await,
        None => Err(AppError::not_found(
            "You have no open invitation to this workspace. Ask an admin or manager to invite you, or use /join with an invite code.",
        )),
    }
}

/// Redeems an invite code; in a server, the code must belong to that server's workspace.
pub async fn redeem_code(app: &App, actor: &Actor, typed_code: &str) -> AppResult<Joined> {
    let code = invitation::parse_code(typed_code)?;
    let not_found = || {
        AppError::not_found(
            "That invite code doesn't exist. Check it with the person who gave it to you.",
        )
    };
    let (inv, workspace) = {
        let mut conn = app.store.conn().await?;
        let inv = store::invitations::find_by_code(&mut conn, &code)
            .await?
            .ok_or_else(not_found)?;
        let workspace = store::workspaces::find(&mut conn, inv.workspace_id)
            .await?
            .ok_or_else(not_found)?;
        (inv, workspace)
    };
    if actor.guild.is_some_and(|guild| guild != workspace.guild_id) {
        return Err(not_found());
    }
    let mut tx = begin_locked(app, &workspace).await?;
    let inv = open_invitation(app, &mut tx, inv.id).await?;
    let joined = join(app, &mut tx, &workspace, actor, inv.role).await?;
    store::invitations::use_once(&mut tx, inv.id, app.clock.now()).await?;
    close_stale_invitation(&mut tx, &workspace, actor.user, app.clock.now()).await?;
    record(
        app,
        &mut tx,
        workspace.id,
        actor,
        Change {
            action: "invitation.redeem",
            target: invitation_target(&inv),
            before: None,
            after: Some(
                json!({ "member": member_target(&joined.member), "role": inv.role.as_str() }),
            ),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(joined)
}

/// Someone who joined another way (a code, a Discord role) keeps no invitation open behind:
/// it could otherwise be accepted again after a later removal.
pub(crate) async fn close_stale_invitation(
    tx: &mut Tx,
    workspace: &Workspace,
    user: UserId,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<()> {
    if let Some(stale) = store::invitations::find_pending_for(tx, workspace.id, user).await? {
        store::invitations::close(tx, stale.id, InvitationStatus::Replaced, now).await?;
    }
    Ok(())
}

/// Adds (or brings back) the actor as `role`, checking seats and the guest limit now.
async fn join(
    app: &App,
    tx: &mut Tx,
    workspace: &Workspace,
    actor: &Actor,
    role: Role,
) -> AppResult<Joined> {
    let existing = store::members::find_by_user(tx, workspace.id, actor.user).await?;
    if let Some(member) = existing.as_ref().filter(|m| m.active) {
        return Err(AppError::conflict(format!(
            "You are already in this workspace as {}.",
            member.role.with_article()
        )));
    }
    let settings = store::workspaces::load_settings(tx, workspace.id).await?;
    let (seats_used, guests) = store::members::count_seats_and_guests(tx, workspace.id).await?;
    policy::seat_available(None, role, seats_used, settings.seat_limit)?;
    policy::guest_slot_available(None, role, guests, settings.guest_limit)?;
    let now = app.clock.now();
    let name = clean_name(&actor.name);
    let (member, returned) = match existing {
        Some(old) => (
            store::members::reactivate(tx, old.id, &name, role, now).await?,
            true,
        ),
        None => (
            store::members::insert(tx, workspace.id, actor.user, &name, role, now).await?,
            false,
        ),
    };
    let discord = role_sync_for(tx, workspace.id, None, Some(role)).await?;
    Ok(Joined {
        workspace: workspace.clone(),
        member,
        returned,
        discord,
    })
}

pub async fn decline(app: &App, actor: &Actor, invitation_id: i64) -> AppResult<Invitation> {
    let (inv, workspace) = invitation_with_workspace(app, invitation_id).await?;
    check_invitee(&inv, actor)?;
    let mut tx = begin_locked(app, &workspace).await?;
    let inv = open_invitation(app, &mut tx, inv.id).await?;
    store::invitations::close(&mut tx, inv.id, InvitationStatus::Declined, app.clock.now()).await?;
    record(
        app,
        &mut tx,
        workspace.id,
        actor,
        Change {
            action: "invitation.decline",
            target: invitation_target(&inv),
            before: None,
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Invitation {
        status: InvitationStatus::Declined,
        ..inv
    })
}

/// Loads an open invitation of the actor's workspace that the actor may manage.
async fn managed_invitation(
    app: &App,
    tx: &mut Tx,
    workspace: &Workspace,
    actor: &Actor,
    id: i64,
) -> AppResult<Invitation> {
    let me = active_member(tx, workspace, actor).await?;
    let inv = open_invitation(app, tx, id).await?;
    if inv.workspace_id != workspace.id {
        return Err(AppError::not_found(format!(
            "There is no invitation #{id}."
        )));
    }
    policy::manage_invitation(me.person(), inv.invited_by, inv.role)?;
    Ok(inv)
}

pub async fn revoke(app: &App, actor: &Actor, invitation_id: i64) -> AppResult<Invitation> {
    let workspace = workspace_of(app, actor).await?;
    let mut tx = begin_locked(app, &workspace).await?;
    let inv = managed_invitation(app, &mut tx, &workspace, actor, invitation_id).await?;
    store::invitations::close(&mut tx, inv.id, InvitationStatus::Revoked, app.clock.now()).await?;
    record(
        app,
        &mut tx,
        workspace.id,
        actor,
        Change {
            action: "invitation.revoke",
            target: invitation_target(&inv),
            before: Some(invitation_json(&inv)),
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Invitation {
        status: InvitationStatus::Revoked,
        ..inv
    })
}

/// Restarts the expiry clock of a pending invitation; the adapter sends it again.
pub async fn resend(app: &App, actor: &Actor, invitation_id: i64) -> AppResult<Invitation> {
    let workspace = workspace_of(app, actor).await?;
    let mut tx = begin_locked(app, &workspace).await?;
    let inv = managed_invitation(app, &mut tx, &workspace, actor, invitation_id).await?;
    let settings = store::workspaces::load_settings(&mut tx, workspace.id).await?;
    let expires_at = invitation::expiry(app.clock.now(), settings.invite_ttl_days);
    store::invitations::extend(&mut tx, inv.id, expires_at).await?;
    record(
        app,
        &mut tx,
        workspace.id,
        actor,
        Change {
            action: "invitation.resend",
            target: invitation_target(&inv),
            before: Some(json!({ "expires_at": inv.expires_at.to_rfc3339() })),
            after: Some(json!({ "expires_at": expires_at.to_rfc3339() })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Invitation { expires_at, ..inv })
}

/// Open invitations: all of them for Managers and up, one's own for Members.
pub async fn list(app: &App, actor: &Actor) -> AppResult<Vec<Invitation>> {
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    if matches!(me.role, Role::Viewer | Role::Guest) {
        return Err(AppError::denied(format!(
            "{}s can't see invitations.",
            me.role.label()
        )));
    }
    let now = app.clock.now();
    Ok(store::invitations::list_pending(&mut conn, workspace.id)
        .await?
        .into_iter()
        .filter(|inv| {
            effective_status(inv.status, inv.expires_at, now) == InvitationStatus::Pending
        })
        .filter(|inv| me.role.is_manager_or_above() || inv.invited_by == me.id)
        .collect())
}

/// Scheduled work: marks expired invitations. Safe to run from several processes at once.
pub async fn expire_due(app: &App) -> AppResult<u64> {
    let mut conn = app.store.conn().await?;
    Ok(store::invitations::expire_due(&mut conn, app.clock.now()).await?)
}
