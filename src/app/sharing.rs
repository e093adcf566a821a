//! Sharing projects with guests, the chat bridge and the weekly share summaries.
//!
//! The adapters' side of the contract:
//! - [`share_project`], [`link_team_channel`], [`revoke`] and turning the workspace setting
//!   `sharing_enabled` off (`workspace::set_setting`) answer which channel permission
//!   overwrites the bot must add or remove ([`ChannelAccess`]); the core never talks to
//!   Discord. [`share_project`] also answers whom to DM and the card to post.
//! - [`update`] (on `/share update`) and [`live_card`] (after a stage change or a task marked
//!   done) give the card to post in the guest channel, with only the shared fields.
//! - The gateway handler passes every message, edit and delete to [`record_message`],
//!   [`record_edit`] and [`record_delete`]; messages outside share channels cost one indexed
//!   lookup and are ignored. Replayed events store nothing twice. The handler skips the
//!   bot's own posts (cards, summaries), which are not chat.
//! - Removing a member (`members::remove`) ends their shares; `Removed::unshared` lists the
//!   overwrites to remove, like `SettingChanged::unshared` when sharing is turned off. So do
//!   Discord's events: `discord_sync::member_left_server` (`LeftServer::unshared`) and a
//!   linked role lost (`SyncOutcome::unshared`).
//! - A worker calls [`due_share_summaries`] now and then, posts each card and calls
//!   [`mark_summary_posted`] (or [`release_summary`] when posting failed).
//! - [`card_for_guest`] and [`chat`] serve the guest's `/p/<token>` page and chat views.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use super::audit::{member_target, record, record_as, Change};
use super::invitations::close_stale_invitation;
use super::projects::visible_project;
use super::{
    active_member, begin_locked, clean_name, member_by_user, workspace_of, Actor, App, AppError,
    AppResult,
};
use crate::domain::policy::{self, clip};
use crate::domain::projects::{Budget, Membership, Standing};
use crate::domain::sharing::{self as rules, FieldSet, ProjectCard, ProjectFacts};
use crate::domain::{ChannelId, Role, UserId};
use crate::store::members::Member;
use crate::store::projects::Project;
use crate::store::sharing::{Attachment, ChatKind, ChatMessage, NewChatMessage, Share};
use crate::store::workspaces::Workspace;
use crate::store::{self, Conn, Tx};

/// How often a share's summary is posted.
pub const SUMMARY_EVERY: Duration = Duration::days(7);
/// How long a summary claim holds before another worker may take it over.
pub const CLAIM_LEASE: Duration = Duration::minutes(5);
/// Most summaries handed out per call.
pub const BATCH: u32 = 100;
/// Most people named in one `/share project`.
pub const MAX_GUESTS_PER_SHARE_CALL: usize = 25;
/// Most chat messages returned at once (the newest ones).
pub const CHAT_PAGE: u32 = 200;
/// Longest message content kept (Discord allows 4000 with Nitro).
pub const MAX_CHAT_CHARS: usize = 4_000;
/// Most attachments kept per message (Discord allows 10).
pub const MAX_ATTACHMENTS: usize = 10;

// ---------------------------------------------------------------------------------------
// What the use cases answer
// ---------------------------------------------------------------------------------------

/// A channel permission overwrite the bot must add or remove: `user` viewing `channel`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChannelAccess {
    pub channel: ChannelId,
    pub user: UserId,
}

/// The outcome of `/share project`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shared {
    pub project: String,
    pub share: Share,
    /// True when the share is new; false when an existing share got guests or fields.
    pub created: bool,
    /// People who joined the workspace as Guests now (DM them: the project was shared).
    pub invited: Vec<Member>,
    /// Guests of the workspace newly given this share (DM them too).
    pub added: Vec<Member>,
    /// Guests who already had this share.
    pub already: Vec<Member>,
    /// Team members named as guests: they see the project through their role, not a share.
    pub not_guests: Vec<Member>,
    /// Overwrites to add: each new guest may view the guest channel.
    pub grant_view: Vec<ChannelAccess>,
    /// The card to post in the guest channel.
    pub card: ProjectCard,
}

impl Shared {
    /// Everyone to DM that the project was shared with them.
    pub fn to_notify(&self) -> impl Iterator<Item = &Member> {
        self.invited.iter().chain(self.added.iter())
    }
}

/// A card to post in a share's guest channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareCard {
    pub share_id: i64,
    pub guest_channel: ChannelId,
    pub card: ProjectCard,
}

/// A live share as `/share list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareInfo {
    pub project: String,
    pub share: Share,
    /// The share's guests; empty when a Guest asks (guests don't see people).
    pub guests: Vec<Member>,
}

/// The outcome of `/share revoke`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revoked {
    pub project: String,
    pub share: Share,
    /// Whether the whole share ended (no guest named) or one guest lost access.
    pub share_ended: bool,
    pub removed: Vec<Member>,
    /// Overwrites to remove.
    pub remove_view: Vec<ChannelAccess>,
}

/// A shared project as a guest sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestProject {
    pub project_id: i64,
    pub share_id: i64,
    pub guest_channel: ChannelId,
    pub card: ProjectCard,
}

/// One chat message as shown to a person: a deleted message shows no content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatLine {
    pub message_id: u64,
    pub author: UserId,
    pub author_name: String,
    pub content: String,
    pub attachments: Vec<Attachment>,
    pub at: DateTime<Utc>,
    pub edited: bool,
    pub deleted: bool,
}

/// What the bridge did with an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bridged {
    /// Not in a channel of a live share (or nothing to store).
    Ignored,
    Stored,
    /// Seen before (a replayed or concurrent event): nothing changed.
    Duplicate,
}

/// A message seen in a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingMessage {
    pub channel: ChannelId,
    pub message_id: u64,
    pub author: UserId,
    pub author_name: String,
    pub content: String,
    pub attachments: Vec<Attachment>,
    pub at: DateTime<Utc>,
}

/// An edit seen in a channel. The author is known when Discord sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingEdit {
    pub channel: ChannelId,
    pub message_id: u64,
    pub author: Option<(UserId, String)>,
    pub content: String,
    pub attachments: Vec<Attachment>,
    /// Discord's edit time; the same edit replayed carries the same time.
    pub edited_at: DateTime<Utc>,
}

/// A weekly summary claimed by the caller: post `card` in `guest_channel`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueSummary {
    pub summary_id: i64,
    pub share_id: i64,
    pub guest_channel: ChannelId,
    pub project: String,
    pub card: ProjectCard,
}

// ---------------------------------------------------------------------------------------
// Shared steps
// ---------------------------------------------------------------------------------------

fn share_target(project: &Project, share: &Share) -> String {
    format!(
        "share #{} of project {} (#{})",
        share.id, project.name, project.id
    )
}

fn share_json(share: &Share) -> serde_json::Value {
    json!({
        "guest_channel": share.guest_channel.to_string(),
        "team_channel": share.team_channel.map(|c| c.to_string()),
        "fields": share.fields.to_db(),
    })
}

fn not_shared(project: &Project) -> AppError {
    AppError::not_found(format!(
        "{} is not shared. Share it with /share project.",
        clip(&project.name, 60)
    ))
}

/// The project's card for `fields`, from facts that hold no money and no per-person time.
async fn build_card(
    conn: &mut Conn,
    project: &Project,
    fields: &FieldSet,
    now: DateTime<Utc>,
) -> AppResult<ProjectCard> {
    let facts = ProjectFacts {
        name: project.name.clone(),
        stage: project.stage_name.clone(),
        due_date: project.due_date,
        hours_budget_minutes: match project.budget {
            Budget::Hours { minutes } => Some(minutes),
            Budget::None | Budget::Money { .. } => None,
        },
        tracked_minutes: store::sharing::tracked_minutes(conn, project.id, now).await?,
        tasks: store::sharing::card_tasks(conn, project.id).await?,
    };
    Ok(ProjectCard::build(&facts, fields))
}

async fn project_by_id(conn: &mut Conn, workspace_id: i64, project_id: i64) -> AppResult<Project> {
    store::projects::find_project(conn, workspace_id, project_id, 0)
        .await?
        .map(|(project, _)| project)
        .ok_or_else(|| AppError::not_found("That project was just deleted."))
}

/// A project the actor may share (or unshare), with the settings.
async fn project_to_manage(
    conn: &mut Conn,
    workspace: &Workspace,
    me: &Member,
    raw: &str,
) -> AppResult<(Project, Membership)> {
    let (project, membership) = visible_project(conn, workspace, me, raw).await?;
    rules::can_unshare(Standing::new(me.role, membership))?;
    Ok((project, membership))
}

/// The live share of a project named `raw` that the Guest `me` is a guest of.
pub(crate) async fn guest_share(
    conn: &mut Conn,
    workspace: &Workspace,
    me: &Member,
    raw: &str,
) -> AppResult<(Project, Share)> {
    let wanted = raw.trim();
    let by_id = wanted
        .strip_prefix('#')
        .and_then(|id| id.trim().parse::<i64>().ok());
    let key = wanted.to_lowercase();
    let mut names = Vec::new();
    for share in store::sharing::live_shares_of_guest(conn, me.id).await? {
        let project = project_by_id(conn, workspace.id, share.project_id).await?;
        if by_id == Some(project.id) || project.name.to_lowercase() == key {
            return Ok((project, share));
        }
        names.push(project.name);
    }
    Err(AppError::not_found(if names.is_empty() {
        "No project is shared with you right now.".to_string()
    } else {
        format!(
            "No project named '{}' is shared with you. Shared with you: {}.",
            clip(raw, 60),
            names.join(", ")
        )
    }))
}

/// The project and live share a chat or card request is about, for a Guest (their shares
/// only) or a member who may see the project.
async fn readable_share(
    conn: &mut Conn,
    workspace: &Workspace,
    me: &Member,
    raw: &str,
) -> AppResult<(Project, Option<Share>)> {
    if me.role == Role::Guest {
        let (project, share) = guest_share(conn, workspace, me, raw).await?;
        return Ok((project, Some(share)));
    }
    let (project, _) = visible_project(conn, workspace, me, raw).await?;
    let share = store::sharing::live_share_of_project(conn, project.id).await?;
    Ok((project, share))
}

/// Adds one named person to a share, joining them as a Guest when they aren't a member.
#[allow(clippy::too_many_arguments)]
async fn add_person(
    app: &App,
    tx: &mut Tx,
    workspace: &Workspace,
    actor: &Actor,
    project: &Project,
    share: &Share,
    user: UserId,
    name: &str,
    guests_in_workspace: &mut u32,
    guest_limit: u32,
    outcome: &mut Shared,
) -> AppResult<()> {
    let now = app.clock.now();
    let existing = store::members::find_by_user(tx, workspace.id, user).await?;
    let (member, newly_invited) = match existing {
        Some(member) if member.active && member.role != Role::Guest => {
            outcome.not_guests.push(member);
            return Ok(());
        }
        Some(member) if member.active => (member, false),
        existing => {
            policy::guest_slot_available(None, Role::Guest, *guests_in_workspace, guest_limit)?;
            let name = clean_name(name);
            let member = match existing {
                Some(old) => {
                    store::members::reactivate(tx, old.id, &name, Role::Guest, now).await?
                }
                None => {
                    store::members::insert(tx, workspace.id, user, &name, Role::Guest, now).await?
                }
            };
            close_stale_invitation(tx, workspace, user, now).await?;
            *guests_in_workspace += 1;
            record(
                app,
                tx,
                workspace.id,
                actor,
                Change {
                    action: "share.guest_invite",
                    target: member_target(&member),
                    before: None,
                    after: Some(json!({ "role": "guest", "project": project.name })),
                },
            )
            .await?;
            (member, true)
        }
    };
    if !store::sharing::add_guest(tx, share.id, member.id, now).await? {
        outcome.already.push(member);
        return Ok(());
    }
    record(
        app,
        tx,
        workspace.id,
        actor,
        Change {
            action: "share.guest_add",
            target: member_target(&member),
            before: None,
            after: Some(json!({ "share": share.id, "project": project.name })),
        },
    )
    .await?;
    outcome.grant_view.push(ChannelAccess {
        channel: share.guest_channel,
        user: member.user_id,
    });
    if newly_invited {
        outcome.invited.push(member);
    } else {
        outcome.added.push(member);
    }
    Ok(())
}

/// Ends a share: every guest loses access, unposted summaries are dropped, the chat stays.
/// Returns the guests removed and the overwrites to remove.
async fn end_share(
    app: &App,
    tx: &mut Tx,
    workspace: &Workspace,
    actor: &Actor,
    project: &Project,
    share: &Share,
) -> AppResult<(Vec<Member>, Vec<ChannelAccess>)> {
    let now = app.clock.now();
    let mut removed = Vec::new();
    let mut remove_view = Vec::new();
    for member_id in store::sharing::live_guests(tx, share.id).await? {
        store::sharing::remove_guest(tx, share.id, member_id, now).await?;
        if let Some(member) = store::members::find(tx, member_id).await? {
            remove_view.push(ChannelAccess {
                channel: share.guest_channel,
                user: member.user_id,
            });
            removed.push(member);
        }
    }
    store::sharing::revoke_share(tx, share.id, now).await?;
    let guests: Vec<String> = removed.iter().map(member_target).collect();
    record(
        app,
        tx,
        workspace.id,
        actor,
        Change {
            action: "share.revoke",
            target: share_target(project, share),
            before: Some(json!({ "share": share_json(share), "guests": guests })),
            after: None,
        },
    )
    .await?;
    Ok((removed, remove_view))
}

/// Takes a member off every share they are a guest of (they are being removed), inside the
/// caller's transaction. Returns the overwrites to remove.
pub(crate) async fn remove_from_all_shares(
    app: &App,
    tx: &mut Tx,
    workspace: &Workspace,
    actor: &Actor,
    member: &Member,
) -> AppResult<Vec<ChannelAccess>> {
    let name = clean_name(&actor.name);
    remove_from_all_shares_as(app, tx, workspace, Some(actor.user), &name, member).await
}

/// [`remove_from_all_shares`] for a change no person made (Discord events: someone left the
/// server or lost their linked role); the audit log names `actor_name`.
pub(crate) async fn remove_from_all_shares_as(
    app: &App,
    tx: &mut Tx,
    workspace: &Workspace,
    actor_user: Option<UserId>,
    actor_name: &str,
    member: &Member,
) -> AppResult<Vec<ChannelAccess>> {
    let lost = store::sharing::remove_guest_everywhere(tx, member.id, app.clock.now()).await?;
    let mut remove_view = Vec::with_capacity(lost.len());
    for (share_id, channel) in lost {
        record_as(
            app,
            tx,
            workspace.id,
            actor_user,
            actor_name,
            Change {
                action: "share.guest_remove",
                target: member_target(member),
                before: Some(json!({ "share": share_id })),
                after: None,
            },
        )
        .await?;
        remove_view.push(ChannelAccess {
            channel,
            user: member.user_id,
        });
    }
    Ok(remove_view)
}

/// Revokes every live share of the workspace (sharing was turned off), inside the caller's
/// transaction. Returns the overwrites to remove.
pub(crate) async fn revoke_all_in(
    app: &App,
    tx: &mut Tx,
    workspace: &Workspace,
    actor: &Actor,
) -> AppResult<Vec<ChannelAccess>> {
    let mut remove_view = Vec::new();
    for share in store::sharing::live_shares(tx, workspace.id).await? {
        let project = project_by_id(tx, workspace.id, share.project_id).await?;
        let (_, access) = end_share(app, tx, workspace, actor, &project, &share).await?;
        remove_view.extend(access);
    }
    Ok(remove_view)
}

// ---------------------------------------------------------------------------------------
// Sharing
// ---------------------------------------------------------------------------------------

/// `/share project`: shares `project` in `guest_channel` with `guests`, showing `fields`
/// (`tasks,due,stage,hours%,tasks%`). Sharing again in the same channel adds guests and
/// replaces the fields. All or nothing: a refusal (guest_limit, …) writes nothing.
pub async fn share_project(
    app: &App,
    actor: &Actor,
    project: &str,
    guest_channel: ChannelId,
    guests: &[(UserId, String)],
    fields: &str,
) -> AppResult<Shared> {
    let fields = FieldSet::parse(fields)?;
    if guests.len() > MAX_GUESTS_PER_SHARE_CALL {
        return Err(AppError::invalid(format!(
            "Name at most {MAX_GUESTS_PER_SHARE_CALL} guests at once; run /share project again for more."
        )));
    }
    let workspace = workspace_of(app, actor).await?;
    let mut tx = begin_locked(app, &workspace).await?;
    let me = active_member(&mut tx, &workspace, actor).await?;
    let (project, membership) = visible_project(&mut tx, &workspace, &me, project).await?;
    let settings = store::workspaces::load_settings(&mut tx, workspace.id).await?;
    rules::can_share(Standing::new(me.role, membership), &settings)?;
    if project.archived {
        return Err(AppError::invalid(format!(
            "{} is archived; unarchive it before sharing it.",
            project.name
        )));
    }
    let now = app.clock.now();
    let (share, created) = match store::sharing::live_share_of_project(&mut tx, project.id).await? {
        Some(share) if share.guest_channel != guest_channel => {
            return Err(AppError::conflict(format!(
                    "{} is already shared in <#{}>. Share it again in that channel to add guests or change fields, or end that share with /share revoke first.",
                    project.name, share.guest_channel
                )));
        }
        Some(share) => {
            if share.fields != fields {
                store::sharing::set_fields(&mut tx, share.id, &fields).await?;
                record(
                    app,
                    &mut tx,
                    workspace.id,
                    actor,
                    Change {
                        action: "share.update",
                        target: share_target(&project, &share),
                        before: Some(json!({ "fields": share.fields.to_db() })),
                        after: Some(json!({ "fields": fields.to_db() })),
                    },
                )
                .await?;
            }
            (
                Share {
                    fields: fields.clone(),
                    ..share
                },
                false,
            )
        }
        None => {
            if let Some(other) =
                store::sharing::live_share_by_channel(&mut tx, guest_channel).await?
            {
                let other = project_by_id(&mut tx, workspace.id, other.project_id).await?;
                return Err(AppError::conflict(format!(
                    "That channel already carries the project {}; pick another channel for {}.",
                    other.name, project.name
                )));
            }
            let share = store::sharing::insert_share(
                    &mut tx,
                    workspace.id,
                    project.id,
                    guest_channel,
                    &fields,
                    me.id,
                    now,
                )
                .await
                .map_err(|err| {
                    if store::is_unique_violation(&err) {
                        AppError::conflict(
                            "Someone shared this project or used this channel just now; look at /share list.",
                        )
                    } else {
                        err.into()
                    }
                })?;
            store::sharing::schedule_summary(&mut tx, share.id, now + SUMMARY_EVERY).await?;
            record(
                app,
                &mut tx,
                workspace.id,
                actor,
                Change {
                    action: "share.create",
                    target: share_target(&project, &share),
                    before: None,
                    after: Some(share_json(&share)),
                },
            )
            .await?;
            (share, true)
        }
    };
    let mut outcome = Shared {
        project: project.name.clone(),
        share: share.clone(),
        created,
        invited: Vec::new(),
        added: Vec::new(),
        already: Vec::new(),
        not_guests: Vec::new(),
        grant_view: Vec::new(),
        card: build_card(&mut tx, &project, &fields, now).await?,
    };
    let (_, mut guests_in_workspace) =
        store::members::count_seats_and_guests(&mut tx, workspace.id).await?;
    let mut seen = HashSet::new();
    for (user, name) in guests {
        if !seen.insert(*user) {
            continue;
        }
        add_person(
            app,
            &mut tx,
            &workspace,
            actor,
            &project,
            &share,
            *user,
            name,
            &mut guests_in_workspace,
            settings.guest_limit,
            &mut outcome,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(outcome)
}

/// Links (or with `None` unlinks) the project's members-only team channel, bridged as the
/// members chat. The project must be shared.
pub async fn link_team_channel(
    app: &App,
    actor: &Actor,
    project: &str,
    channel: Option<ChannelId>,
) -> AppResult<Share> {
    let workspace = workspace_of(app, actor).await?;
    let mut tx = begin_locked(app, &workspace).await?;
    let me = active_member(&mut tx, &workspace, actor).await?;
    let (project, membership) = visible_project(&mut tx, &workspace, &me, project).await?;
    let settings = store::workspaces::load_settings(&mut tx, workspace.id).await?;
    rules::can_share(Standing::new(me.role, membership), &settings)?;
    let share = store::sharing::live_share_of_project(&mut tx, project.id)
        .await?
        .ok_or_else(|| not_shared(&project))?;
    if let Some(channel) = channel {
        if channel == share.guest_channel {
            return Err(AppError::invalid(
                "That is the guest channel; the team channel must be a members-only channel.",
            ));
        }
        if let Some(other) = store::sharing::live_share_by_channel(&mut tx, channel).await? {
            if other.id != share.id {
                let other = project_by_id(&mut tx, workspace.id, other.project_id).await?;
                return Err(AppError::conflict(format!(
                    "That channel already carries the project {}; pick another channel.",
                    other.name
                )));
            }
        }
    }
    if share.team_channel == channel {
        tx.commit().await?;
        return Ok(share);
    }
    store::sharing::set_team_channel(&mut tx, share.id, channel).await?;
    let updated = Share {
        team_channel: channel,
        ..share.clone()
    };
    record(
        app,
        &mut tx,
        workspace.id,
        actor,
        Change {
            action: "share.team_channel",
            target: share_target(&project, &share),
            before: Some(json!(share.team_channel.map(|c| c.to_string()))),
            after: Some(json!(channel.map(|c| c.to_string()))),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(updated)
}

/// `/share update`: the card to post now in the project's guest channel.
pub async fn update(app: &App, actor: &Actor, project: &str) -> AppResult<ShareCard> {
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    let (project, membership) = visible_project(&mut conn, &workspace, &me, project).await?;
    let settings = store::workspaces::load_settings(&mut conn, workspace.id).await?;
    rules::can_share(Standing::new(me.role, membership), &settings)?;
    let share = store::sharing::live_share_of_project(&mut conn, project.id)
        .await?
        .ok_or_else(|| not_shared(&project))?;
    Ok(ShareCard {
        share_id: share.id,
        guest_channel: share.guest_channel,
        card: build_card(&mut conn, &project, &share.fields, app.clock.now()).await?,
    })
}

/// The card of a project's live share, if it has one: the bot posts it after the project's
/// stage changed or one of its tasks was completed.
pub async fn live_card(app: &App, project_id: i64) -> AppResult<Option<ShareCard>> {
    let mut conn = app.store.conn().await?;
    let Some(share) = store::sharing::live_share_of_project(&mut conn, project_id).await? else {
        return Ok(None);
    };
    let project = project_by_id(&mut conn, share.workspace_id, project_id).await?;
    Ok(Some(ShareCard {
        share_id: share.id,
        guest_channel: share.guest_channel,
        card: build_card(&mut conn, &project, &share.fields, app.clock.now()).await?,
    }))
}

/// `/share list`: every live share for the Owner and Admins, those of their own projects for
/// project managers, and a Guest's own shares (without other people).
pub async fn list(app: &App, actor: &Actor) -> AppResult<Vec<ShareInfo>> {
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    let shares = if me.role == Role::Guest {
        store::sharing::live_shares_of_guest(&mut conn, me.id).await?
    } else {
        store::sharing::live_shares(&mut conn, workspace.id).await?
    };
    let mut out = Vec::new();
    for share in shares {
        let project = project_by_id(&mut conn, workspace.id, share.project_id).await?;
        let mut guests = Vec::new();
        if me.role != Role::Guest {
            let membership = store::projects::membership(&mut conn, project.id, me.id).await?;
            if rules::can_unshare(Standing::new(me.role, membership)).is_err() {
                continue;
            }
            for member_id in store::sharing::live_guests(&mut conn, share.id).await? {
                if let Some(member) = store::members::find(&mut conn, member_id).await? {
                    guests.push(member);
                }
            }
        }
        out.push(ShareInfo {
            project: project.name,
            share,
            guests,
        });
    }
    Ok(out)
}

/// `/share revoke`: one guest loses access to the share, or (no guest named) the share ends
/// for everyone. The chat history stays.
pub async fn revoke(
    app: &App,
    actor: &Actor,
    project: &str,
    guest: Option<UserId>,
) -> AppResult<Revoked> {
    let workspace = workspace_of(app, actor).await?;
    let mut tx = begin_locked(app, &workspace).await?;
    let me = active_member(&mut tx, &workspace, actor).await?;
    let (project, _) = project_to_manage(&mut tx, &workspace, &me, project).await?;
    let share = store::sharing::live_share_of_project(&mut tx, project.id)
        .await?
        .ok_or_else(|| not_shared(&project))?;
    let outcome = match guest {
        None => {
            let (removed, remove_view) =
                end_share(app, &mut tx, &workspace, actor, &project, &share).await?;
            Revoked {
                project: project.name.clone(),
                share,
                share_ended: true,
                removed,
                remove_view,
            }
        }
        Some(user) => {
            let member = member_by_user(&mut tx, &workspace, user).await?;
            if !store::sharing::remove_guest(&mut tx, share.id, member.id, app.clock.now()).await? {
                return Err(AppError::not_found(format!(
                    "{} is not a guest of {}; /share list shows its guests.",
                    member.display_name, project.name
                )));
            }
            record(
                app,
                &mut tx,
                workspace.id,
                actor,
                Change {
                    action: "share.guest_remove",
                    target: member_target(&member),
                    before: Some(json!({ "share": share.id, "project": project.name })),
                    after: None,
                },
            )
            .await?;
            Revoked {
                project: project.name.clone(),
                remove_view: vec![ChannelAccess {
                    channel: share.guest_channel,
                    user: member.user_id,
                }],
                share,
                share_ended: false,
                removed: vec![member],
            }
        }
    };
    tx.commit().await?;
    Ok(outcome)
}

/// Checks that [`revoke`] would succeed, changing nothing (so nobody is asked to confirm what
/// they may not do): the project's name and the guests who would lose access.
pub async fn check_revoke(
    app: &App,
    actor: &Actor,
    project: &str,
    guest: Option<UserId>,
) -> AppResult<(String, Vec<Member>)> {
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    let (project, _) = project_to_manage(&mut conn, &workspace, &me, project).await?;
    let share = store::sharing::live_share_of_project(&mut conn, project.id)
        .await?
        .ok_or_else(|| not_shared(&project))?;
    let live = store::sharing::live_guests(&mut conn, share.id).await?;
    let mut losing = Vec::new();
    match guest {
        Some(user) => {
            let member = member_by_user(&mut conn, &workspace, user).await?;
            if !live.contains(&member.id) {
                return Err(AppError::not_found(format!(
                    "{} is not a guest of {}; /share list shows its guests.",
                    member.display_name, project.name
                )));
            }
            losing.push(member);
        }
        None => {
            for member_id in live {
                if let Some(member) = store::members::find(&mut conn, member_id).await? {
                    losing.push(member);
                }
            }
        }
    }
    Ok((project.name, losing))
}

/// The card of a project shared with the actor, for the guest's `/p/<token>` page. Guests get
/// their live shares only; members who may see the project get its live share's card.
pub async fn card_for_guest(app: &App, actor: &Actor, project: &str) -> AppResult<GuestProject> {
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    let (project, share) = readable_share(&mut conn, &workspace, &me, project).await?;
    let share = share.ok_or_else(|| not_shared(&project))?;
    Ok(GuestProject {
        project_id: project.id,
        share_id: share.id,
        guest_channel: share.guest_channel,
        card: build_card(&mut conn, &project, &share.fields, app.clock.now()).await?,
    })
}

/// A project's chat, newest [`CHAT_PAGE`] messages oldest first. Guests read the guest chat
/// of their shares only; members who may see the project read both chats, also after the
/// share ended.
pub async fn chat(
    app: &App,
    actor: &Actor,
    project: &str,
    kind: ChatKind,
) -> AppResult<Vec<ChatLine>> {
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    if me.role == Role::Guest && kind == ChatKind::Members {
        return Err(AppError::denied(
            "Guests see only the guest chat of the projects shared with them.",
        ));
    }
    let (project, _) = readable_share(&mut conn, &workspace, &me, project).await?;
    let messages = store::sharing::list_chat(&mut conn, project.id, kind, CHAT_PAGE).await?;
    Ok(messages.into_iter().map(chat_line).collect())
}

fn chat_line(message: ChatMessage) -> ChatLine {
    let deleted = message.deleted_at.is_some();
    ChatLine {
        message_id: message.message_id,
        author: message.author,
        author_name: message.author_name,
        content: if deleted {
            String::new()
        } else {
            message.content
        },
        attachments: if deleted {
            Vec::new()
        } else {
            message.attachments
        },
        at: message.created_at,
        edited: message.edited_at.is_some(),
        deleted,
    }
}

// ---------------------------------------------------------------------------------------
// The chat bridge
// ---------------------------------------------------------------------------------------

fn kind_in(share: &Share, channel: ChannelId) -> ChatKind {
    if share.guest_channel == channel {
        ChatKind::Guest
    } else {
        ChatKind::Members
    }
}

fn bounded_content(content: &str) -> String {
    content.chars().take(MAX_CHAT_CHARS).collect()
}

fn bounded_attachments(attachments: &[Attachment]) -> Vec<Attachment> {
    attachments
        .iter()
        .take(MAX_ATTACHMENTS)
        .map(|a| Attachment {
            name: clip(&a.name, 200),
            url: a.url.chars().take(2_000).collect(),
        })
        .collect()
}

/// Stores a message seen in a share's guest or team channel; anything else is ignored.
pub async fn record_message(app: &App, message: &IncomingMessage) -> AppResult<Bridged> {
    let mut conn = app.store.conn().await?;
    let Some(share) = store::sharing::live_share_by_channel(&mut conn, message.channel).await?
    else {
        return Ok(Bridged::Ignored);
    };
    let content = bounded_content(&message.content);
    let attachments = bounded_attachments(&message.attachments);
    let name = clean_name(&message.author_name);
    let stored = store::sharing::insert_message(
        &mut conn,
        NewChatMessage {
            workspace_id: share.workspace_id,
            project_id: share.project_id,
            share_id: share.id,
            kind: kind_in(&share, message.channel),
            channel: message.channel,
            message_id: message.message_id,
            author: message.author,
            author_name: &name,
            content: &content,
            attachments: &attachments,
            created_at: message.at,
            edited_at: None,
        },
    )
    .await?;
    Ok(if stored {
        Bridged::Stored
    } else {
        Bridged::Duplicate
    })
}

/// Applies an edit, keeping the replaced content as history. A replayed edit (same edit
/// time) or an older one arriving late changes nothing. An edit of a message the bridge
/// never saw stores the message as it is now.
pub async fn record_edit(app: &App, edit: &IncomingEdit) -> AppResult<Bridged> {
    let mut conn = app.store.conn().await?;
    let Some(share) = store::sharing::live_share_by_channel(&mut conn, edit.channel).await? else {
        return Ok(Bridged::Ignored);
    };
    let kind = kind_in(&share, edit.channel);
    let content = bounded_content(&edit.content);
    let attachments = bounded_attachments(&edit.attachments);
    let Some(current) =
        store::sharing::find_message(&mut conn, kind, edit.channel, edit.message_id).await?
    else {
        let Some((author, name)) = &edit.author else {
            return Ok(Bridged::Ignored);
        };
        let name = clean_name(name);
        let stored = store::sharing::insert_message(
            &mut conn,
            NewChatMessage {
                workspace_id: share.workspace_id,
                project_id: share.project_id,
                share_id: share.id,
                kind,
                channel: edit.channel,
                message_id: edit.message_id,
                author: *author,
                author_name: &name,
                content: &content,
                attachments: &attachments,
                created_at: edit.edited_at,
                edited_at: Some(edit.edited_at),
            },
        )
        .await?;
        return Ok(if stored {
            Bridged::Stored
        } else {
            Bridged::Duplicate
        });
    };
    drop(conn);
    if current.content == content && current.attachments == attachments {
        return Ok(Bridged::Duplicate);
    }
    // The history row is written first, from the stored row itself: its unique (message,
    // edit time) makes a concurrent replay of the same edit wait and then add nothing, and
    // on SQLite the first statement being a write takes the write lock up front.
    let mut tx = app.store.begin().await?;
    if !store::sharing::keep_previous(&mut tx, current.id, edit.edited_at).await? {
        return Ok(Bridged::Duplicate);
    }
    if !store::sharing::apply_edit(&mut tx, current.id, &content, &attachments, edit.edited_at)
        .await?
    {
        return Ok(Bridged::Duplicate);
    }
    tx.commit().await?;
    Ok(Bridged::Stored)
}

/// Marks a message deleted; its content stays in the database (only members' tools and the
/// audit of the bridge read it).
pub async fn record_delete(
    app: &App,
    channel: ChannelId,
    message_id: u64,
    at: DateTime<Utc>,
) -> AppResult<Bridged> {
    let mut conn = app.store.conn().await?;
    let Some(share) = store::sharing::live_share_by_channel(&mut conn, channel).await? else {
        return Ok(Bridged::Ignored);
    };
    let kind = kind_in(&share, channel);
    if store::sharing::mark_deleted(&mut conn, kind, channel, message_id, at).await? {
        Ok(Bridged::Stored)
    } else if store::sharing::find_message(&mut conn, kind, channel, message_id)
        .await?
        .is_some()
    {
        Ok(Bridged::Duplicate)
    } else {
        Ok(Bridged::Ignored)
    }
}

// ---------------------------------------------------------------------------------------
// Weekly summaries
// ---------------------------------------------------------------------------------------

fn check_worker(worker_id: &str) -> AppResult<()> {
    if worker_id.trim().is_empty() || worker_id.len() > super::reminders::MAX_WORKER_ID {
        return Err(AppError::invalid(format!(
            "A worker id needs 1 to {} bytes.",
            super::reminders::MAX_WORKER_ID
        )));
    }
    Ok(())
}

/// Claims the due weekly summaries for `worker_id`, each with its card. Two workers calling
/// at once never get the same summary.
pub async fn due_share_summaries(app: &App, worker_id: &str) -> AppResult<Vec<DueSummary>> {
    check_worker(worker_id)?;
    let now = app.clock.now();
    let mut conn = app.store.conn().await?;
    let due = store::sharing::due_summaries(&mut conn, now, BATCH).await?;
    let mut claimed = Vec::with_capacity(due.len());
    for (summary_id, share_id, _) in due {
        if !store::sharing::claim_summary(&mut conn, summary_id, worker_id, now + CLAIM_LEASE, now)
            .await?
        {
            continue;
        }
        let Some(share) = store::sharing::find_share(&mut conn, share_id).await? else {
            continue;
        };
        let project = project_by_id(&mut conn, share.workspace_id, share.project_id).await?;
        claimed.push(DueSummary {
            summary_id,
            share_id,
            guest_channel: share.guest_channel,
            card: build_card(&mut conn, &project, &share.fields, now).await?,
            project: project.name,
        });
    }
    Ok(claimed)
}

/// Records that a summary was posted and schedules the next one a week later (skipping
/// weeks the bot was down, so it never posts a backlog). False unless `worker_id` holds the
/// claim.
pub async fn mark_summary_posted(app: &App, summary_id: i64, worker_id: &str) -> AppResult<bool> {
    check_worker(worker_id)?;
    let now = app.clock.now();
    let mut tx = app.store.begin().await?;
    if !store::sharing::mark_summary_posted(&mut tx, summary_id, worker_id, now).await? {
        return Ok(false);
    }
    if let Some((share_id, due_at)) = store::sharing::find_summary(&mut tx, summary_id).await? {
        let mut next = due_at + SUMMARY_EVERY;
        while next <= now {
            next += SUMMARY_EVERY;
        }
        let live = store::sharing::find_share(&mut tx, share_id)
            .await?
            .is_some_and(|share| share.revoked_at.is_none());
        if live {
            store::sharing::schedule_summary(&mut tx, share_id, next).await?;
        }
    }
    tx.commit().await?;
    Ok(true)
}

/// Gives a claim back (posting failed) so the summary can be claimed again at once.
pub async fn release_summary(app: &App, summary_id: i64, worker_id: &str) -> AppResult<bool> {
    check_worker(worker_id)?;
    let mut conn = app.store.conn().await?;
    Ok(store::sharing::release_summary(&mut conn, summary_id, worker_id).await?)
}
