//! Events from Discord that change people: linked roles gained or lost, members leaving the
//! server. These have no acting person; the audit log names "Discord" as the actor.
//!
//! Someone deactivated here loses every share, as with `members::remove`: the outcomes list
//! the guest-channel permission overwrites the bot must remove.

use serde_json::json;

use super::audit::{member_target, record_as, Change};
use super::sharing::{remove_from_all_shares_as, ChannelAccess};
use super::{begin_locked, clean_name, App, AppResult};
use crate::domain::role_sync::{decide, SyncDecision};
use crate::domain::{policy, DiscordRoleId, GuildId, Role, UserId};
use crate::store::{self, members::Member};

const SYNC_ACTOR: &str = "Discord role sync";
const LEFT_ACTOR: &str = "Discord";

/// What a Discord role update did to a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncOutcome {
    pub member: Member,
    pub from: Option<Role>,
    pub to: Option<Role>,
    /// Overwrites to remove: a person deactivated by losing their linked role loses every share.
    pub unshared: Vec<ChannelAccess>,
}

/// What leaving the Discord server did to a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftServer {
    /// The member, now inactive.
    pub member: Member,
    /// Overwrites to remove: the shares they were a guest of ended for them.
    pub unshared: Vec<ChannelAccess>,
}

/// Applies a change of someone's Discord roles. `before` is `None` when the previous roles
/// are unknown (then nothing counts as lost). Returns `None` when nothing changed; a change
/// that would exceed seats or the guest limit is skipped with a warning in the log.
pub async fn sync_member_roles(
    app: &App,
    guild: GuildId,
    user: UserId,
    name: &str,
    before: Option<&[DiscordRoleId]>,
    after: &[DiscordRoleId],
) -> AppResult<Option<SyncOutcome>> {
    let observed_at = app.clock.now();
    sync_member_roles_observed(app, guild, user, name, before, after, observed_at).await
}

/// [`sync_member_roles`] for roles observed at `observed_at`: when the person's workspace
/// role changed after that (a command, another event), the observation is stale and is
/// skipped, so a late event handler can't undo a newer change.
pub async fn sync_member_roles_observed(
    app: &App,
    guild: GuildId,
    user: UserId,
    name: &str,
    before: Option<&[DiscordRoleId]>,
    after: &[DiscordRoleId],
    observed_at: chrono::DateTime<chrono::Utc>,
) -> AppResult<Option<SyncOutcome>> {
    let workspace = {
        let mut conn = app.store.conn().await?;
        match store::workspaces::find_by_guild(&mut conn, guild).await? {
            Some(workspace) => workspace,
            None => return Ok(None),
        }
    };
    let mut tx = begin_locked(app, &workspace).await?;
    let links = store::role_links::list(&mut tx, workspace.id).await?;
    if links.is_empty() {
        return Ok(None);
    }
    let roles_of = |ids: &[DiscordRoleId]| -> Vec<Role> {
        links
            .iter()
            .filter(|(_, d)| ids.contains(d))
            .map(|(r, _)| *r)
            .collect()
    };
    let has = roles_of(after);
    let (gained, lost) = match before {
        Some(before) => {
            let had = roles_of(before);
            (
                has.iter()
                    .copied()
                    .filter(|r| !had.contains(r))
                    .collect::<Vec<_>>(),
                had.iter()
                    .copied()
                    .filter(|r| !has.contains(r))
                    .collect::<Vec<_>>(),
            )
        }
        None => (has.clone(), Vec::new()),
    };
    let existing = store::members::find_by_user(&mut tx, workspace.id, user).await?;
    if let Some(member) = &existing {
        if store::members::role_changed_at(&mut tx, member.id)
            .await?
            .is_some_and(|changed| changed > observed_at)
        {
            tracing::debug!(user = %user, "Discord roles observed before the latest role change; skipped");
            return Ok(None);
        }
    }
    let current = existing.as_ref().filter(|m| m.active).map(|m| m.role);
    let decision = decide(current, &has, &gained, &lost);
    let to = match decision {
        SyncDecision::Keep => return Ok(None),
        SyncDecision::Join(role) | SyncDecision::SetRole(role) => Some(role),
        SyncDecision::Deactivate => None,
    };
    if let Some(role) = to {
        let settings = store::workspaces::load_settings(&mut tx, workspace.id).await?;
        let (seats, guests) = store::members::count_seats_and_guests(&mut tx, workspace.id).await?;
        let fits =
            policy::seat_available(current, role, seats, settings.seat_limit).and_then(|()| {
                policy::guest_slot_available(current, role, guests, settings.guest_limit)
            });
        if let Err(refused) = fits {
            tracing::warn!(workspace = workspace.id, user = %user, role = %role, reason = %refused.0, "Discord role sync skipped");
            return Ok(None);
        }
    }
    let now = app.clock.now();
    let name = clean_name(name);
    let mut unshared = Vec::new();
    let member = match (decision, existing) {
        (SyncDecision::Join(role), Some(old)) => {
            store::members::reactivate(&mut tx, old.id, &name, role, now).await?
        }
        (SyncDecision::Join(role), None) => {
            store::members::insert(&mut tx, workspace.id, user, &name, role, now).await?
        }
        (SyncDecision::SetRole(role), Some(old)) => {
            store::members::set_role(&mut tx, old.id, role, now).await?;
            if !role.can_track_time() {
                store::team::drop_all_for(&mut tx, old.id, false).await?;
            }
            Member { role, ..old }
        }
        (SyncDecision::Deactivate, Some(old)) => {
            store::members::deactivate(&mut tx, old.id, now).await?;
            store::team::drop_all_for(&mut tx, old.id, false).await?;
            // Shares end with the membership, so joining again doesn't revive them.
            unshared =
                remove_from_all_shares_as(app, &mut tx, &workspace, None, SYNC_ACTOR, &old).await?;
            Member {
                active: false,
                left_at: Some(now),
                ..old
            }
        }
        _ => return Ok(None),
    };
    if matches!(decision, SyncDecision::Join(_)) {
        super::invitations::close_stale_invitation(&mut tx, &workspace, user, now).await?;
    }
    record_as(
        app,
        &mut tx,
        workspace.id,
        None,
        SYNC_ACTOR,
        Change {
            action: "member.role_sync",
            target: member_target(&member),
            before: Some(json!({ "role": current.map(Role::as_str) })),
            after: Some(json!({ "role": to.map(Role::as_str) })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Some(SyncOutcome {
        member,
        from: current,
        to,
        unshared,
    }))
}

/// Someone left the Discord server: they are deactivated and lose every share, their history
/// kept. The Owner stays Owner (the workspace must keep one); the event is logged.
pub async fn member_left_server(
    app: &App,
    guild: GuildId,
    user: UserId,
) -> AppResult<Option<LeftServer>> {
    let workspace = {
        let mut conn = app.store.conn().await?;
        match store::workspaces::find_by_guild(&mut conn, guild).await? {
            Some(workspace) => workspace,
            None => return Ok(None),
        }
    };
    let mut tx = begin_locked(app, &workspace).await?;
    let Some(member) = store::members::find_by_user(&mut tx, workspace.id, user).await? else {
        return Ok(None);
    };
    if !member.active {
        return Ok(None);
    }
    if member.role == Role::Owner {
        tracing::warn!(workspace = workspace.id, user = %user, "the Owner left the Discord server; ownership kept");
        return Ok(None);
    }
    let now = app.clock.now();
    store::members::deactivate(&mut tx, member.id, now).await?;
    store::team::drop_all_for(&mut tx, member.id, false).await?;
    let unshared =
        remove_from_all_shares_as(app, &mut tx, &workspace, None, LEFT_ACTOR, &member).await?;
    record_as(
        app,
        &mut tx,
        workspace.id,
        None,
        LEFT_ACTOR,
        Change {
            action: "member.left_server",
            target: member_target(&member),
            before: Some(json!({ "active": true, "role": member.role.as_str() })),
            after: Some(json!({ "active": false })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Some(LeftServer {
        member: Member {
            active: false,
            left_at: Some(now),
            ..member
        },
        unshared,
    }))
}
