//! Use cases: `async fn(&App, &Actor, input) -> Result<Output, AppError>`. Each one loads
//! what the rules need, asks `domain::policy`, writes through `store` in one transaction and
//! records an audit entry. Adapters (Discord, web) call these and nothing below them.

pub mod clock;
pub mod discord_sync;
pub mod entries;
pub mod error;
pub mod invitations;
pub mod me;
pub mod members;
pub mod project_links;
pub mod projects;
pub mod rates;
pub mod reminders;
pub mod report_filters;
pub mod report_links;
pub mod reports;
pub mod role_links;
pub mod sharing;
pub mod timers;
pub mod timesheets;
pub mod workspace;

mod audit;

use std::sync::Arc;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{AppError, AppResult};

use crate::domain::projects::Currency;
use crate::domain::settings::Settings;
use crate::domain::{GuildId, UserId};
use crate::store::members::Member;
use crate::store::workspaces::Workspace;
use crate::store::{self, Store, Tx};

/// Everything a use case needs, passed explicitly (no globals).
#[derive(Clone)]
pub struct App {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
}

impl App {
    pub fn new(store: Store, clock: Arc<dyn Clock>) -> App {
        App { store, clock }
    }
}

/// Who is asking: a Discord user, in a server or in a direct message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user: UserId,
    /// The name to show and to record in the audit log.
    pub name: String,
    /// The server the request came from; `None` in a direct message.
    pub guild: Option<GuildId>,
    /// Discord's Manage Server permission in that server (needed to create a workspace).
    pub manages_guild: bool,
}

impl Actor {
    pub fn in_guild(guild: GuildId, user: UserId, name: impl Into<String>) -> Actor {
        Actor {
            user,
            name: name.into(),
            guild: Some(guild),
            manages_guild: false,
        }
    }

    pub fn in_dm(user: UserId, name: impl Into<String>) -> Actor {
        Actor {
            user,
            name: name.into(),
            guild: None,
            manages_guild: false,
        }
    }
}

/// Longest display name kept; Discord allows 32 for nicknames, we keep room.
pub const MAX_NAME_CHARS: usize = 100;

/// A display name safe to store: trimmed, control characters dropped, bounded length.
pub fn clean_name(name: &str) -> String {
    let cleaned: String = name.chars().filter(|c| !c.is_control()).collect();
    let trimmed = cleaned.trim();
    let bounded: String = trimmed.chars().take(MAX_NAME_CHARS).collect();
    if bounded.is_empty() {
        "(no name)".to_string()
    } else {
        bounded
    }
}

/// The workspace of the actor's server, or a message saying there is none.
pub(crate) async fn workspace_of(app: &App, actor: &Actor) -> AppResult<Workspace> {
    let guild = guild_of(actor)?;
    let mut conn = app.store.conn().await?;
    store::workspaces::find_by_guild(&mut conn, guild)
        .await?
        .ok_or_else(no_workspace)
}

fn guild_of(actor: &Actor) -> AppResult<GuildId> {
    actor.guild.ok_or_else(|| {
        AppError::invalid(
            "Use this command in your team's Discord server, not in a direct message.",
        )
    })
}

fn no_workspace() -> AppError {
    AppError::not_found("This server has no crewclock workspace yet. Someone with Manage Server can create one with /workspace create.")
}

/// Begins a transaction holding the workspace's write lock.
pub(crate) async fn begin_locked(app: &App, workspace: &Workspace) -> AppResult<Tx> {
    let mut tx = app.store.begin().await?;
    if !store::workspaces::lock(&mut tx, workspace.id).await? {
        return Err(AppError::not_found("This workspace was just deleted."));
    }
    Ok(tx)
}

/// The actor's active membership, refreshed with their current display name.
pub(crate) async fn active_member(
    conn: &mut store::Conn,
    workspace: &Workspace,
    actor: &Actor,
) -> AppResult<Member> {
    let found = store::members::find_by_user(conn, workspace.id, actor.user).await?;
    let member = found.ok_or_else(not_a_member)?;
    refreshed_member(conn, member, actor).await
}

fn not_a_member() -> AppError {
    AppError::denied(
        "You are not a member of this workspace. Ask an admin or manager for an invitation.",
    )
}

/// `member` if still active, with the actor's current display name saved.
async fn refreshed_member(
    conn: &mut store::Conn,
    member: Member,
    actor: &Actor,
) -> AppResult<Member> {
    if !member.active {
        return Err(AppError::denied(
            "You are no longer a member of this workspace. Ask an admin to invite you again.",
        ));
    }
    let name = clean_name(&actor.name);
    if member.display_name != name {
        store::members::rename(conn, member.id, &name).await?;
        return Ok(Member {
            display_name: name,
            ..member
        });
    }
    Ok(member)
}

/// A transaction for a write of the actor's own time (timer commands), with everything it
/// needs about the actor read in two statements.
pub(crate) struct OwnWrite {
    pub tx: Tx,
    pub workspace: Workspace,
    pub me: Member,
    pub settings: Settings,
    pub workspace_rate: Option<i64>,
    pub currency: Currency,
    pub prefs: me::Prefs,
    /// The command's moment: read once the workspace is locked, so commands of one person
    /// get increasing times in the order they run.
    pub now: chrono::DateTime<chrono::Utc>,
    /// The actor's timesheet week approved around `now`, if any; `None` when not read yet
    /// (PostgreSQL: [`OwnWrite::approved_week_now`]).
    pub approved_now: Option<Option<chrono::NaiveDate>>,
}

impl OwnWrite {
    /// The actor's timesheet week approved around `now` (read now if it wasn't).
    pub async fn approved_week_now(&mut self) -> AppResult<Option<chrono::NaiveDate>> {
        match self.approved_now {
            Some(known) => Ok(known),
            None => {
                let week =
                    store::timesheets::approved_week_at(&mut self.tx, self.me.id, self.now).await?;
                self.approved_now = Some(week);
                Ok(week)
            }
        }
    }
}

/// Begins a write of the actor's own time. Unlike [`begin_locked`] it does not exclude other
/// members' timer commands (on PostgreSQL they run side by side: the workspace is locked
/// shared and the actor's member row exclusively); every other write still waits for it, so
/// a role change, a project's members or a setting can't change under it. Timer commands are
/// the hot path: one statement instead of the five of `workspace_of` + `begin_locked` +
/// `active_member` + settings + rate, and no second pooled connection.
pub(crate) async fn begin_own_write(app: &App, actor: &Actor) -> AppResult<OwnWrite> {
    let guild = guild_of(actor)?;
    let mut tx = app.store.begin().await?;
    // The command's moment is read once this person's earlier commands are done, so their
    // times only grow: on SQLite the transaction holds the write lock from its start, and the
    // approved week around `now` comes with the context; on PostgreSQL the member's row is
    // locked by the context read, so `now` is read after it (and the week when needed).
    let sqlite = app.store.kind() == store::DbKind::Sqlite;
    let early_now = sqlite.then(|| app.clock.now());
    let Some((workspace, context)) =
        store::members::lock_own_context(&mut tx, guild, actor.user, early_now).await?
    else {
        // Rare: say which one is missing.
        return Err(
            match store::workspaces::lock_shared_by_guild(&mut tx, guild).await? {
                None => no_workspace(),
                Some(_) => not_a_member(),
            },
        );
    };
    let me = refreshed_member(&mut tx, context.member.clone(), actor).await?;
    let currency = Currency::parse(&context.currency).map_err(|_| {
        AppError::internal(format!("bad currency in database: {}", context.currency))
    })?;
    let prefs = me::prefs_from_db(me.id, &context.time_zone, &context.week_start);
    Ok(OwnWrite {
        tx,
        workspace,
        me,
        settings: context.settings,
        workspace_rate: context.workspace_rate,
        currency,
        prefs,
        now: early_now.unwrap_or_else(|| app.clock.now()),
        approved_now: early_now.map(|_| context.approved_week_now),
    })
}

/// Another person in the workspace, named by Discord user.
pub(crate) async fn member_by_user(
    conn: &mut store::Conn,
    workspace: &Workspace,
    user: UserId,
) -> AppResult<Member> {
    store::members::find_by_user(conn, workspace.id, user)
        .await?
        .ok_or_else(|| AppError::not_found("That person is not a member of this workspace."))
}

/// Like [`member_by_user`], but refuses inactive members.
pub(crate) async fn active_member_by_user(
    conn: &mut store::Conn,
    workspace: &Workspace,
    user: UserId,
) -> AppResult<Member> {
    let member = member_by_user(conn, workspace, user).await?;
    if !member.active {
        return Err(AppError::invalid(format!(
            "{} was removed from this workspace; invite them again first.",
            member.display_name
        )));
    }
    Ok(member)
}
