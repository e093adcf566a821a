//! Timesheets (`/timesheet submit|withdraw|status|approve|reject`): a member's week, submitted
//! for approval. An approved week locks its entries for everyone, the Owner and Admins
//! included, until the approval is withdrawn by whoever may approve it.
//!
//! Decisions where the rulebook is silent:
//!
//! - **Weeks** are the member's own (their time zone and week start, `/me`), named as people
//!   type them (`this week`, `last week`, `2026-W47`, any date in it); `this week` when not
//!   given. A week that hasn't started can't be submitted. The UTC span of a week is fixed when
//!   it is submitted, so a later change of time zone or week start doesn't move it; a week that
//!   would overlap another submitted or approved one is refused.
//! - **States**: open → submitted → approved or rejected (with a reason); a rejected week is
//!   fixed and submitted again; the member may withdraw a submitted week (back to open); an
//!   approval withdrawn puts the week back to submitted. Only submitted weeks are decided.
//! - **Running timers**: a week can't be submitted or approved while a timer started in it
//!   still runs (an approved week must not change).
//! - **Entries of a submitted week** stay editable until it is approved; the approver decides on
//!   what is there when deciding.
//! - **Who sees a timesheet**: whoever sees all of the member's entries (Owner, Admin, Manager,
//!   Viewer; the member; their team managers).

use chrono::{DateTime, Days, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use serde_json::json;

use super::audit::{member_target, record, Change};
use super::entries::{relation, week_span, PersonRef};
use super::me::prefs_of;
use super::{
    active_member, begin_locked, member_by_user, workspace_of, Actor, App, AppError, AppResult,
};
use crate::domain::entries::{self as rules, TimesheetStatus};
use crate::domain::timeparse;
use crate::domain::{GuildId, Role, UserId};
use crate::store::timesheets::Timesheet;
use crate::store::{self, members::Member, workspaces::Workspace, Conn};

/// A member's week and where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimesheetView {
    pub member: PersonRef,
    pub time_zone: Tz,
    pub week_start: NaiveDate,
    /// The week's last day.
    pub week_end: NaiveDate,
    pub status: TimesheetStatus,
    /// Time of the entries starting in the week (a running timer counts up to now).
    pub total: Duration,
    /// Per day, seven of them.
    pub days: Vec<(NaiveDate, Duration)>,
    pub entries: usize,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    /// Why it was rejected.
    pub reason: Option<String>,
}

/// What an approver decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approved,
    Rejected,
    ApprovalWithdrawn,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Approved => "approved",
            Decision::Rejected => "rejected",
            Decision::ApprovalWithdrawn => "approval withdrawn",
        }
    }
}

/// A decision, with what the adapter needs to tell the member in a direct message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimesheetDecided {
    /// The member to tell (their Discord user is `member.user`).
    pub member: PersonRef,
    pub guild: GuildId,
    pub workspace: String,
    pub week_start: NaiveDate,
    pub week_end: NaiveDate,
    pub decision: Decision,
    pub reason: Option<String>,
    /// Who decided (display name).
    pub decided_by: String,
    pub total: Duration,
    pub timesheet: TimesheetView,
}

/// Whether a week named by a date may mean a stored timesheet that starts on another day
/// (the member changed their week start since): yes for looking and deciding, no for
/// submitting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Naming {
    Exact,
    Stored,
}

/// The week named by `raw` for `member` (this week when not given), with its UTC span: the
/// stored one when the week was submitted, else from the member's current preferences.
async fn week_of(
    conn: &mut Conn,
    member: &Member,
    raw: Option<&str>,
    now: DateTime<Utc>,
    naming: Naming,
) -> AppResult<(
    NaiveDate,
    (DateTime<Utc>, DateTime<Utc>),
    Tz,
    Option<Timesheet>,
)> {
    let prefs = prefs_of(conn, member.id).await?;
    let tz = prefs.time_zone;
    let today = timeparse::local_today(now, tz);
    let week_start = match raw.filter(|w| !w.trim().is_empty()) {
        Some(raw) => timeparse::parse_week(raw, today, prefs.week_start)?,
        None => timeparse::week_start_of(today, prefs.week_start),
    };
    let mut row = store::timesheets::find(conn, member.id, week_start).await?;
    if row.is_none() && naming == Naming::Stored {
        let (from, to) = week_span(week_start, tz);
        row = store::timesheets::covering(conn, member.id, from, to).await?;
    }
    match row {
        Some(t) => Ok((t.week_start, (t.starts_at, t.ends_at), tz, Some(t))),
        None => Ok((week_start, week_span(week_start, tz), tz, None)),
    }
}

async fn view_of(
    conn: &mut Conn,
    member: &Member,
    week_start: NaiveDate,
    span: (DateTime<Utc>, DateTime<Utc>),
    tz: Tz,
    row: Option<&Timesheet>,
    now: DateTime<Utc>,
) -> AppResult<TimesheetView> {
    let entries = store::entries::list_for_member(conn, member.id, span.0, span.1).await?;
    let mut days: Vec<(NaiveDate, Duration)> = (0..7)
        .filter_map(|i| week_start.checked_add_days(Days::new(i)))
        .map(|d| (d, Duration::zero()))
        .collect();
    let mut total = Duration::zero();
    for entry in &entries {
        let length = (entry.end_or(now) - entry.started_at).max(Duration::zero());
        total += length;
        let day = entry.started_at.with_timezone(&tz).date_naive();
        if let Some(slot) = days.iter_mut().find(|(d, _)| *d == day) {
            slot.1 += length;
        }
    }
    let decided_by = match row.and_then(|t| t.decided_by) {
        Some(id) => store::members::find(conn, id)
            .await?
            .map(|m| m.display_name),
        None => None,
    };
    Ok(TimesheetView {
        member: PersonRef::of(member),
        time_zone: tz,
        week_start,
        week_end: week_start
            .checked_add_days(Days::new(6))
            .unwrap_or(week_start),
        status: row.map(|t| t.status).unwrap_or(TimesheetStatus::Open),
        total,
        days,
        entries: entries.len(),
        submitted_at: row.map(|t| t.submitted_at),
        decided_by,
        decided_at: row.and_then(|t| t.decided_at),
        reason: row.and_then(|t| t.reason.clone()),
    })
}

/// Refuses when the member's running timer started inside the span.
async fn no_running_timer_in(
    conn: &mut Conn,
    member: &Member,
    span: (DateTime<Utc>, DateTime<Utc>),
    own: bool,
) -> AppResult<()> {
    if let Some(running) = store::entries::running_for(conn, member.id).await? {
        if running.started_at >= span.0 && running.started_at < span.1 {
            return Err(AppError::conflict(if own {
                "Your timer is still running in that week; stop it first.".to_string()
            } else {
                format!(
                    "{}'s timer is still running in that week; it can be decided once the timer is stopped.",
                    member.display_name
                )
            }));
        }
    }
    Ok(())
}

fn week_target(member: &Member, week: NaiveDate) -> String {
    format!(
        "timesheet of {} for the week of {week}",
        member_target(member)
    )
}

/// Submits the actor's week for approval.
pub async fn submit(app: &App, actor: &Actor, week: Option<&str>) -> AppResult<TimesheetView> {
    let workspace = workspace_of(app, actor).await?;
    let mut tx = begin_locked(app, &workspace).await?;
    let me = active_member(&mut tx, &workspace, actor).await?;
    rules::submit_timesheet(me.role)?;
    let now = app.clock.now();
    let (week_start, span, tz, row) = week_of(&mut tx, &me, week, now, Naming::Exact).await?;
    if week_start > timeparse::local_today(now, tz) {
        return Err(AppError::invalid(format!(
            "The week of {week_start} hasn't started yet; submit it once it is worked."
        )));
    }
    let current = row
        .as_ref()
        .map(|t| t.status)
        .unwrap_or(TimesheetStatus::Open);
    current.submit(week_start).map_err(AppError::conflict)?;
    if let Some(other) =
        store::timesheets::clashing(&mut tx, me.id, week_start, span.0, span.1).await?
    {
        return Err(AppError::conflict(format!(
            "That week overlaps your {} week of {} (you changed your week start since). Withdraw that one first, or submit the week of {}.",
            other.status.as_str(),
            other.week_start,
            other.week_start
        )));
    }
    no_running_timer_in(&mut tx, &me, span, true).await?;
    store::timesheets::submit(&mut tx, workspace.id, me.id, week_start, span, now).await?;
    record(
        app,
        &mut tx,
        workspace.id,
        actor,
        Change {
            action: "timesheet.submit",
            target: week_target(&me, week_start),
            before: Some(json!({ "status": current.as_str() })),
            after: Some(json!({ "status": "submitted" })),
        },
    )
    .await?;
    let row = store::timesheets::find(&mut tx, me.id, week_start).await?;
    let shown = view_of(&mut tx, &me, week_start, span, tz, row.as_ref(), now).await?;
    tx.commit().await?;
    Ok(shown)
}

/// Withdraws the actor's own submission while it is not approved.
pub async fn withdraw(app: &App, actor: &Actor, week: Option<&str>) -> AppResult<TimesheetView> {
    let workspace = workspace_of(app, actor).await?;
    let mut tx = begin_locked(app, &workspace).await?;
    let me = active_member(&mut tx, &workspace, actor).await?;
    rules::withdraw_timesheet(rules::Relation {
        actor: me.role,
        own: true,
        team_manager: false,
    })?;
    let now = app.clock.now();
    let (week_start, _, tz, row) = week_of(&mut tx, &me, week, now, Naming::Stored).await?;
    let current = row
        .as_ref()
        .map(|t| t.status)
        .unwrap_or(TimesheetStatus::Open);
    current.withdraw(week_start).map_err(AppError::conflict)?;
    let Some(row) = row else {
        return Err(AppError::internal("submitted timesheet without a row"));
    };
    if !store::timesheets::withdraw(&mut tx, row.id).await? {
        return Err(AppError::conflict(
            "That week was just decided; check /timesheet status.",
        ));
    }
    record(
        app,
        &mut tx,
        workspace.id,
        actor,
        Change {
            action: "timesheet.withdraw",
            target: week_target(&me, week_start),
            before: Some(json!({ "status": "submitted" })),
            after: Some(json!({ "status": "open" })),
        },
    )
    .await?;
    let shown = view_of(
        &mut tx,
        &me,
        week_start,
        week_span(week_start, tz),
        tz,
        None,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(shown)
}

/// A week's timesheet: the actor's own, or someone's they may see.
pub async fn status(
    app: &App,
    actor: &Actor,
    user: Option<UserId>,
    week: Option<&str>,
) -> AppResult<TimesheetView> {
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    let member = match user {
        Some(user) if user != me.user_id => member_by_user(&mut conn, &workspace, user).await?,
        _ => me.clone(),
    };
    let rel = relation(&mut conn, &me, member.id).await?;
    if !rules::can_see_timesheet(rel) {
        return Err(AppError::denied(if me.role == Role::Guest {
            "Guests don't see timesheets."
        } else {
            "You can see only your own timesheet (and those of the members you are team manager of)."
        }));
    }
    if member.id == me.id {
        rules::submit_timesheet(me.role)?;
    }
    let now = app.clock.now();
    let (week_start, span, tz, row) =
        week_of(&mut conn, &member, week, now, Naming::Stored).await?;
    view_of(&mut conn, &member, week_start, span, tz, row.as_ref(), now).await
}

/// Submitted weeks waiting for the actor's decision (all of them for the Owner and Admins,
/// their members' for team managers).
pub async fn pending(app: &App, actor: &Actor) -> AppResult<Vec<TimesheetView>> {
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    let now = app.clock.now();
    let mut out = Vec::new();
    for row in store::timesheets::submitted(&mut conn, workspace.id).await? {
        let rel = relation(&mut conn, &me, row.member_id).await?;
        if rules::decide_timesheet(rel).is_err() {
            continue;
        }
        let Some(member) = store::members::find(&mut conn, row.member_id).await? else {
            continue;
        };
        let tz = prefs_of(&mut conn, member.id).await?.time_zone;
        out.push(
            view_of(
                &mut conn,
                &member,
                row.week_start,
                (row.starts_at, row.ends_at),
                tz,
                Some(&row),
                now,
            )
            .await?,
        );
    }
    Ok(out)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    Approve,
    Reject,
    WithdrawApproval,
}

async fn decide(
    app: &App,
    actor: &Actor,
    user: UserId,
    week: Option<&str>,
    act: Act,
    reason: Option<&str>,
) -> AppResult<TimesheetDecided> {
    let workspace: Workspace = workspace_of(app, actor).await?;
    let mut tx = begin_locked(app, &workspace).await?;
    let me = active_member(&mut tx, &workspace, actor).await?;
    let member = member_by_user(&mut tx, &workspace, user).await?;
    let rel = relation(&mut tx, &me, member.id).await?;
    rules::decide_timesheet(rel)?;
    let reason = match (act, reason) {
        (Act::Reject, raw) => Some(rules::parse_reason(raw.unwrap_or(""))?),
        _ => None,
    };
    let now = app.clock.now();
    let (week_start, span, tz, row) = week_of(&mut tx, &member, week, now, Naming::Stored).await?;
    let current = row
        .as_ref()
        .map(|t| t.status)
        .unwrap_or(TimesheetStatus::Open);
    let name = &member.display_name;
    let (next, decision) = match act {
        Act::Approve => (current.decide(week_start, true, name), Decision::Approved),
        Act::Reject => (current.decide(week_start, false, name), Decision::Rejected),
        Act::WithdrawApproval => (
            current.withdraw_approval(week_start, name),
            Decision::ApprovalWithdrawn,
        ),
    };
    let next = next.map_err(AppError::conflict)?;
    let Some(row) = row else {
        return Err(AppError::internal("decided timesheet without a row"));
    };
    if act == Act::Approve {
        no_running_timer_in(&mut tx, &member, span, false).await?;
    }
    let changed = match act {
        Act::WithdrawApproval => store::timesheets::reopen(&mut tx, row.id).await?,
        _ => {
            store::timesheets::decide(&mut tx, row.id, next, me.id, reason.as_deref(), now).await?
        }
    };
    if !changed {
        return Err(AppError::conflict(
            "That week changed a moment ago; check /timesheet status and try again.",
        ));
    }
    record(
        app,
        &mut tx,
        workspace.id,
        actor,
        Change {
            action: match act {
                Act::Approve => "timesheet.approve",
                Act::Reject => "timesheet.reject",
                Act::WithdrawApproval => "timesheet.withdraw_approval",
            },
            target: week_target(&member, week_start),
            before: Some(json!({ "status": current.as_str() })),
            after: Some(json!({ "status": next.as_str(), "reason": reason })),
        },
    )
    .await?;
    let row = store::timesheets::find(&mut tx, member.id, week_start).await?;
    let timesheet = view_of(&mut tx, &member, week_start, span, tz, row.as_ref(), now).await?;
    tx.commit().await?;
    Ok(TimesheetDecided {
        member: PersonRef::of(&member),
        guild: workspace.guild_id,
        workspace: workspace.name.clone(),
        week_start,
        week_end: timesheet.week_end,
        decision,
        reason,
        decided_by: me.display_name.clone(),
        total: timesheet.total,
        timesheet,
    })
}

/// Approves a member's submitted week: the Owner, an Admin or the member's team manager.
pub async fn approve(
    app: &App,
    actor: &Actor,
    user: UserId,
    week: Option<&str>,
) -> AppResult<TimesheetDecided> {
    decide(app, actor, user, week, Act::Approve, None).await
}

/// Rejects a member's submitted week with a reason they can act on.
pub async fn reject(
    app: &App,
    actor: &Actor,
    user: UserId,
    week: Option<&str>,
    reason: &str,
) -> AppResult<TimesheetDecided> {
    decide(app, actor, user, week, Act::Reject, Some(reason)).await
}

/// Withdraws an approval (the week waits for a decision again and its entries unlock).
pub async fn withdraw_approval(
    app: &App,
    actor: &Actor,
    user: UserId,
    week: Option<&str>,
) -> AppResult<TimesheetDecided> {
    decide(app, actor, user, week, Act::WithdrawApproval, None).await
}

/// Whether the actor may decide `user`'s week now (the week waits for a decision and the actor
/// is one of its approvers), without deciding: adapters ask before opening a form for the
/// rejection reason. Refusals are the ones `reject` would give.
pub async fn check_decide(
    app: &App,
    actor: &Actor,
    user: UserId,
    week: Option<&str>,
) -> AppResult<TimesheetView> {
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    let member = member_by_user(&mut conn, &workspace, user).await?;
    let rel = relation(&mut conn, &me, member.id).await?;
    rules::decide_timesheet(rel)?;
    let now = app.clock.now();
    let (week_start, span, tz, row) =
        week_of(&mut conn, &member, week, now, Naming::Stored).await?;
    let current = row
        .as_ref()
        .map(|t| t.status)
        .unwrap_or(TimesheetStatus::Open);
    current
        .decide(week_start, false, &member.display_name)
        .map_err(AppError::conflict)?;
    view_of(&mut conn, &member, week_start, span, tz, row.as_ref(), now).await
}

/// Who is asked to approve the actor's weeks: their team managers who may decide them, else
/// the Owner and the Admins. Never the actor themselves (an Owner or Admin with nobody else
/// to ask approves their own week with `/timesheet approve`).
pub async fn approvers(app: &App, actor: &Actor) -> AppResult<Vec<PersonRef>> {
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    rules::submit_timesheet(me.role)?;
    let mut found = Vec::new();
    for id in store::team::managers_of(&mut conn, me.id).await? {
        let Some(manager) = store::members::find(&mut conn, id).await? else {
            continue;
        };
        let rel = relation(&mut conn, &manager, me.id).await?;
        if manager.active && manager.id != me.id && rules::decide_timesheet(rel).is_ok() {
            found.push(PersonRef::of(&manager));
        }
    }
    if found.is_empty() {
        found = store::members::list(&mut conn, workspace.id, false)
            .await?
            .iter()
            .filter(|m| m.role.is_admin() && m.id != me.id)
            .map(PersonRef::of)
            .collect();
    }
    Ok(found)
}
