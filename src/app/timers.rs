//! Timers (`/timer start|stop|switch|status|discard`) and channels' default projects.
//!
//! A running timer is a time entry without an end; the database holds at most one per member
//! (a partial unique index). Decisions:
//!
//! - **Starting while one runs** stops the running one at the same instant (a switch), except
//!   a double click: the same project, task and description within five seconds of the running
//!   timer's start returns the running timer unchanged. Every timer write holds the
//!   workspace's write lock, so two starts at once are served one after the other: the second
//!   sees the first (a double click, or a switch); the unique index is the backstop.
//! - **Which project** when none is named: the channel's default project (`link_channel`),
//!   else the project of the member's most recent entry.
//! - **Stopping** a timer that ran more than 24 hours ends it 24 hours after its start (an
//!   entry is at most 24 hours), and says so (`capped`). A running timer is not yet an entry:
//!   its owner may stop or discard it past the date lock; the approval lock still holds.
//! - **Stopping at a named time** (`stop_at`, the idle reminder's button) takes the first such
//!   local time after the timer's start; it must have passed and be within 24 hours.

use chrono::{DateTime, Days, Duration, Timelike, Utc};
use chrono_tz::Tz;
use serde_json::json;

use super::audit::{record, Change};
use super::entries::{
    billable_choice, instant_text, lock_at, relation, reload, span_text, tags_to_use,
    task_to_track, visible_entry, EntryView, Viewing,
};
use super::me::prefs_of;
use super::projects::{project_for_tracking_in, visible_project, Suggestion, MAX_SUGGESTIONS};
use super::{
    active_member, begin_locked, begin_own_write, workspace_of, Actor, App, AppError, AppResult,
    OwnWrite,
};
use crate::domain::entries::{self as rules, Lock, Relation, TimerWork};
use crate::domain::ids::ChannelId;
use crate::domain::policy::clip;
use crate::domain::projects::{self as project_rules, Standing};
use crate::domain::settings::Settings;
use crate::domain::timeparse;
use crate::store::entries::{Entry, NewEntry};
use crate::store::{self, members::Member, workspaces::Workspace, Conn};

/// What to start a timer on; everything is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StartTimer {
    /// A project name or `#id`; when missing, the channel's default project, else the last
    /// project the member tracked to.
    pub project: Option<String>,
    pub task: Option<String>,
    pub description: Option<String>,
    pub tags: Vec<String>,
    /// The project's default when not given.
    pub billable: Option<bool>,
    /// The channel the command came from, for its default project.
    pub channel: Option<ChannelId>,
}

/// Where the project of a started timer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectSource {
    Named,
    Channel,
    LastUsed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimerStopped {
    pub entry: EntryView,
    /// It ran more than 24 hours and was ended 24 hours after its start.
    pub capped: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimerStarted {
    /// The running timer: project and task names, start, elapsed time (`duration`).
    pub timer: EntryView,
    /// The timer this start stopped, if one was running.
    pub stopped: Option<TimerStopped>,
    /// A repeated start within five seconds: `timer` is the one already running, unchanged.
    pub double_click: bool,
    pub project_source: ProjectSource,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimerStatus {
    pub running: Option<EntryView>,
    /// Time tracked today (local), a running timer included.
    pub today: Duration,
    pub time_zone: Tz,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelLinked {
    pub channel: ChannelId,
    pub project_id: i64,
    pub project: String,
    /// The project the channel defaulted to before, if another.
    pub replaced: Option<String>,
}

fn own(me: &Member) -> Relation {
    Relation {
        actor: me.role,
        own: true,
        team_manager: false,
    }
}

/// `entry` as [`stop_running`] left it at `now`; read back only when stopping it may have
/// cleared its overlap flag.
async fn ended(
    conn: &mut Conn,
    workspace: &Workspace,
    entry: Entry,
    now: DateTime<Utc>,
) -> AppResult<Entry> {
    if entry.overlapping {
        return reload(conn, workspace, entry.id).await;
    }
    let (end, _) = rules::timer_end(entry.started_at, now);
    Ok(Entry {
        ended_at: Some(end),
        updated_at: now,
        ..entry
    })
}

/// Stops a running timer now (capped at 24 hours) after checking the rules against its `lock`
/// (as read before this stop). Returns whether it was capped, and the lock.
async fn stop_running(
    conn: &mut Conn,
    settings: &Settings,
    rel: Relation,
    entry: &Entry,
    lock: Lock,
    now: DateTime<Utc>,
) -> AppResult<(bool, Lock)> {
    let allowed = if rel.own {
        rules::stop_own_timer(&lock)
    } else {
        lock.clone()
    };
    rules::change_entry(rel, settings, &allowed)?;
    let (end, capped) = rules::timer_end(entry.started_at, now);
    if !store::entries::stop(conn, entry.id, end, now).await? {
        return Err(AppError::conflict("That timer was just stopped."));
    }
    // Its idle reminder goes with it (a trigger, migration 0010).
    // Ending a timer only shortens it: flags can only clear, and only if it had one.
    if entry.overlapping {
        store::entries::refresh_overlaps(conn, entry.member_id, entry.started_at, now, now).await?;
    }
    Ok((capped, lock))
}

async fn start_in(
    app: &App,
    actor: &Actor,
    input: StartTimer,
    switching: bool,
) -> AppResult<TimerStarted> {
    let mut own_write = begin_own_write(app, actor).await?;
    let approved_now = own_write.approved_week_now().await?;
    let OwnWrite {
        mut tx,
        workspace,
        me,
        settings,
        workspace_rate,
        currency,
        prefs,
        now,
        ..
    } = own_write;
    let rel = own(&me);
    rules::change_entry(rel, &settings, &Lock::Open)?;
    let named = input.project.as_deref().filter(|p| !p.trim().is_empty());
    let channel_default = match (named, input.channel) {
        (None, Some(channel)) => {
            store::entries::channel_project(&mut tx, workspace.id, channel.to_db()).await?
        }
        _ => None,
    };
    let (raw, project_source) = match (named, channel_default) {
        (Some(raw), _) => (raw.to_string(), ProjectSource::Named),
        (None, Some(id)) => (format!("#{id}"), ProjectSource::Channel),
        (None, None) => match store::entries::last_project(&mut tx, me.id).await? {
            Some(id) => (format!("#{id}"), ProjectSource::LastUsed),
            None => {
                return Err(AppError::invalid(
                    "Name a project to track to, like /timer start project:Website. Next time, a timer without a project continues your last one.",
                ))
            }
        },
    };
    let project = match project_for_tracking_in(&mut tx, &workspace, &me, &raw).await {
        Ok((project, _)) => project,
        // A default the person can't see: say where it came from instead of "no project #12".
        Err(AppError::NotFound(_)) if project_source == ProjectSource::Channel => {
            return Err(AppError::denied(
                "This channel's default project is private and you are not one of its members. Name a project, like /timer start project:Website.",
            ))
        }
        Err(AppError::NotFound(_)) if project_source == ProjectSource::LastUsed => {
            return Err(AppError::denied(
                "Your last project is no longer one you can track to. Name a project, like /timer start project:Website.",
            ))
        }
        Err(other) => return Err(other),
    };
    let task = task_to_track(&mut tx, &project, input.task.as_deref()).await?;
    let description = rules::parse_description(input.description.as_deref().unwrap_or(""))?;
    let tags = tags_to_use(&mut tx, &workspace, &input.tags).await?;
    let billable = billable_choice(input.billable, project.billable_default, me.role, &settings)?;
    let running = store::entries::running_timer(&mut tx, me.id).await?;
    if switching && running.is_none() {
        return Err(AppError::not_found(
            "No timer is running, so there is nothing to switch from. Start one with /timer start.",
        ));
    }
    let viewing = Viewing::known(&me, &settings, workspace_rate, currency, prefs, now);
    let mut stopped = None;
    if let Some(store::entries::RunningTimer {
        entry: current,
        approved_week,
        has_tags,
    }) = running
    {
        let before = TimerWork {
            project_id: current.project_id,
            task_id: current.task_id,
            description: &current.description,
        };
        let wanted = TimerWork {
            project_id: project.id,
            task_id: task.as_ref().map(|t| t.id),
            description: &description,
        };
        if rules::is_double_click(&before, current.started_at, &wanted, now) {
            let timer = viewing.view(&mut tx, &current).await?;
            tx.commit().await?;
            return Ok(TimerStarted {
                timer,
                stopped: None,
                double_click: true,
                project_source,
            });
        }
        let lock = rules::lock_of(current.started_at, now, &settings, approved_week);
        let (capped, lock) = stop_running(&mut tx, &settings, rel, &current, lock, now).await?;
        stopped = Some((
            ended(&mut tx, &workspace, current, now).await?,
            capped,
            lock,
            has_tags,
        ));
    }
    let lock = rules::lock_of(now, now, &settings, approved_now);
    rules::change_entry(rel, &settings, &lock)?;
    let id = store::entries::insert(
        &mut tx,
        NewEntry {
            workspace_id: workspace.id,
            member_id: me.id,
            project_id: project.id,
            task_id: task.as_ref().map(|t| t.id),
            description: &description,
            billable,
            started_at: now,
            ended_at: None,
            created_by: me.id,
            now,
        },
    )
    .await
    .map_err(|err| {
        if store::is_unique_violation(&err) {
            AppError::conflict(
                "Another timer of yours started at the same moment; /timer status shows the one running.",
            )
        } else {
            err.into()
        }
    })?;
    if !tags.is_empty() {
        let tag_ids: Vec<i64> = tags.iter().map(|t| t.id).collect();
        store::entries::set_tags(&mut tx, id, &tag_ids).await?;
    }
    // Its idle reminder is scheduled with it (a trigger, migration 0010).
    let started = reload(&mut tx, &workspace, id).await?;
    // In the order tags_of reads them back: by name key, then id.
    let mut by_key: Vec<(String, i64, String)> = tags
        .iter()
        .map(|t| (project_rules::name_key(&t.name), t.id, t.name.clone()))
        .collect();
    by_key.sort();
    let tag_names = by_key.into_iter().map(|(_, _, name)| name).collect();
    let timer = viewing
        .own_view(&mut tx, &started, Some(tag_names), &lock)
        .await?;
    let stopped = match stopped {
        Some((entry, capped, lock, has_tags)) => Some(TimerStopped {
            entry: viewing
                .own_view(&mut tx, &entry, (!has_tags).then(Vec::new), &lock)
                .await?,
            capped,
        }),
        None => None,
    };
    tx.commit().await?;
    Ok(TimerStarted {
        timer,
        stopped,
        double_click: false,
        project_source,
    })
}

/// Starts a timer; a running one is stopped first (unless this is a double click).
pub async fn start(app: &App, actor: &Actor, input: StartTimer) -> AppResult<TimerStarted> {
    start_in(app, actor, input, false).await
}

/// Stops the running timer and starts another; refused when none runs.
pub async fn switch(app: &App, actor: &Actor, input: StartTimer) -> AppResult<TimerStarted> {
    start_in(app, actor, input, true).await
}

fn no_timer() -> AppError {
    AppError::not_found("You have no running timer. Start one with /timer start.")
}

/// Stops the actor's running timer now.
pub async fn stop(app: &App, actor: &Actor) -> AppResult<TimerStopped> {
    stop_in(app, actor, None).await
}

/// Stops the actor's running timer now, only if it is `entry_id`: a reminder's "Stop now"
/// button must not stop a newer timer started since the reminder was sent.
pub async fn stop_entry(app: &App, actor: &Actor, entry_id: i64) -> AppResult<TimerStopped> {
    stop_in(app, actor, Some(entry_id)).await
}

async fn stop_in(app: &App, actor: &Actor, only: Option<i64>) -> AppResult<TimerStopped> {
    let OwnWrite {
        mut tx,
        workspace,
        me,
        settings,
        workspace_rate,
        currency,
        prefs,
        now,
        ..
    } = begin_own_write(app, actor).await?;
    let running = store::entries::running_timer(&mut tx, me.id)
        .await?
        .filter(|timer| only.is_none_or(|id| id == timer.entry.id))
        .ok_or_else(|| match only {
            Some(id) => AppError::conflict(format!(
                "That timer (time entry #{id}) isn't running any more, so nothing was stopped. /timer status shows what runs now."
            )),
            None => no_timer(),
        })?;
    let lock = rules::lock_of(
        running.entry.started_at,
        now,
        &settings,
        running.approved_week,
    );
    let (capped, lock) =
        stop_running(&mut tx, &settings, own(&me), &running.entry, lock, now).await?;
    let viewing = Viewing::known(&me, &settings, workspace_rate, currency, prefs, now);
    let stopped = ended(&mut tx, &workspace, running.entry, now).await?;
    // Tags are read only when it has some (the running timer's read said whether).
    let tags = (!running.has_tags).then(Vec::new);
    let entry = viewing.own_view(&mut tx, &stopped, tags, &lock).await?;
    tx.commit().await?;
    Ok(TimerStopped { entry, capped })
}

/// Stops a running timer at a local time the person names (`18:30`, `6:30pm`): the first such
/// time after the timer's start, in the timer owner's time zone.
pub async fn stop_at(
    app: &App,
    actor: &Actor,
    entry_id: i64,
    time: &str,
) -> AppResult<TimerStopped> {
    let at = timeparse::parse_time_of_day(time)?;
    let workspace = workspace_of(app, actor).await?;
    let mut tx = begin_locked(app, &workspace).await?;
    let me = active_member(&mut tx, &workspace, actor).await?;
    let settings = store::workspaces::load_settings(&mut tx, workspace.id).await?;
    let now = app.clock.now();
    let entry = visible_entry(&mut tx, &workspace, &me, entry_id, &settings).await?;
    let owner = store::members::find(&mut tx, entry.member_id)
        .await?
        .ok_or_else(|| AppError::internal("entry without member"))?;
    let rel = relation(&mut tx, &me, owner.id).await?;
    let prefs = prefs_of(&mut tx, owner.id).await?;
    let tz = prefs.time_zone;
    if !entry.running() {
        return Err(AppError::conflict(format!(
            "Time entry #{} isn't running any more ({}). Change it with /time edit.",
            entry.id,
            span_text(entry.started_at, entry.ended_at, tz)
        )));
    }
    let lock = lock_at(&mut tx, owner.id, entry.started_at, now, &settings).await?;
    let lock = if rel.own {
        rules::stop_own_timer(&lock)
    } else {
        lock
    };
    rules::change_entry(rel, &settings, &lock)?;
    let start_day = entry.started_at.with_timezone(&tz).date_naive();
    let mut end = timeparse::local_to_utc(start_day, at, tz)?;
    if end <= entry.started_at {
        let next = start_day
            .checked_add_days(Days::new(1))
            .ok_or_else(|| AppError::invalid("That date is out of range."))?;
        end = timeparse::local_to_utc(next, at, tz)?;
    }
    let shown = format!("{}:{:02}", at.hour(), at.minute());
    if end > now {
        return Err(AppError::invalid(format!(
            "{shown} after the timer's start ({}) is still to come. Name a time that has passed, or use /timer stop to stop it now.",
            instant_text(entry.started_at, tz)
        )));
    }
    if end - entry.started_at > rules::MAX_TIMER {
        return Err(AppError::invalid(format!(
            "{shown} is more than 24 hours after the timer started ({}); an entry is at most 24 hours. Stop it now and fix it with /time edit.",
            instant_text(entry.started_at, tz)
        )));
    }
    if !store::entries::stop(&mut tx, entry.id, end, now).await? {
        return Err(AppError::conflict("That timer was just stopped."));
    }
    // Its idle reminder goes with it (a trigger, migration 0010).
    if entry.overlapping {
        store::entries::refresh_overlaps(&mut tx, owner.id, entry.started_at, now, now).await?;
    }
    if !rel.own {
        record(
            app,
            &mut tx,
            workspace.id,
            actor,
            Change {
                action: "entry.edit",
                target: format!(
                    "time entry #{} of {} ({})",
                    entry.id, owner.display_name, owner.user_id
                ),
                before: Some(json!({ "ended_at": null })),
                after: Some(json!({ "ended_at": end.to_rfc3339() })),
            },
        )
        .await?;
    }
    let viewing = Viewing::new(&mut tx, &workspace, &me, &settings, now).await?;
    let stopped = reload(&mut tx, &workspace, entry.id).await?;
    let shown = viewing.view(&mut tx, &stopped).await?;
    tx.commit().await?;
    Ok(TimerStopped {
        entry: shown,
        capped: false,
    })
}

/// The actor's running timer, if any, and their time today.
pub async fn status(app: &App, actor: &Actor) -> AppResult<TimerStatus> {
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    let settings = store::workspaces::load_settings(&mut conn, workspace.id).await?;
    let now = app.clock.now();
    let prefs = prefs_of(&mut conn, me.id).await?;
    let tz = prefs.time_zone;
    let day = timeparse::day_bounds_utc(timeparse::local_today(now, tz), tz);
    let today: Duration = store::entries::list_for_member(&mut conn, me.id, day.0, day.1)
        .await?
        .iter()
        .map(|e| (e.end_or(now) - e.started_at).max(Duration::zero()))
        .sum();
    let running = match store::entries::running_for(&mut conn, me.id).await? {
        Some(entry) => {
            let viewing = Viewing::new(&mut conn, &workspace, &me, &settings, now).await?;
            Some(viewing.view(&mut conn, &entry).await?)
        }
        None => None,
    };
    Ok(TimerStatus {
        running,
        today,
        time_zone: tz,
    })
}

/// Throws the running timer away (no entry is kept); returns what it was.
pub async fn discard(app: &App, actor: &Actor) -> AppResult<EntryView> {
    discard_in(app, actor, None).await
}

/// Throws the running timer away only if it is `entry_id`: what was confirmed is what goes,
/// even if another timer was started between the question and the answer.
pub async fn discard_entry(app: &App, actor: &Actor, entry_id: i64) -> AppResult<EntryView> {
    discard_in(app, actor, Some(entry_id)).await
}

async fn discard_in(app: &App, actor: &Actor, only: Option<i64>) -> AppResult<EntryView> {
    let OwnWrite {
        mut tx,
        me,
        settings,
        workspace_rate,
        currency,
        prefs,
        now,
        ..
    } = begin_own_write(app, actor).await?;
    let running = store::entries::running_timer(&mut tx, me.id)
        .await?
        .filter(|timer| only.is_none_or(|id| id == timer.entry.id))
        .ok_or_else(|| match only {
            Some(id) => AppError::conflict(format!(
                "That timer (time entry #{id}) isn't running any more, so nothing was discarded. /timer status shows what runs now."
            )),
            None => no_timer(),
        })?;
    let lock = rules::lock_of(
        running.entry.started_at,
        now,
        &settings,
        running.approved_week,
    );
    let running = running.entry;
    rules::change_entry(own(&me), &settings, &rules::stop_own_timer(&lock))?;
    let viewing = Viewing::known(&me, &settings, workspace_rate, currency, prefs, now);
    let shown = viewing.view(&mut tx, &running).await?;
    store::entries::delete(&mut tx, running.id).await?;
    if running.overlapping {
        store::entries::refresh_overlaps(&mut tx, me.id, running.started_at, now, now).await?;
    }
    tx.commit().await?;
    Ok(shown)
}

/// Autocomplete for the project of a timer or an entry: live projects the actor may track
/// time to (Owner/Admin: all; Manager/Member: public ones and private ones they are on)
/// whose name contains `partial`. Nothing for Viewers and Guests, who don't track time.
pub async fn suggest_projects_to_track(
    app: &App,
    actor: &Actor,
    partial: &str,
    limit: u32,
) -> AppResult<Vec<Suggestion>> {
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    if !me.role.can_track_time() {
        return Ok(Vec::new());
    }
    // The query's own filter is the tracking rule, so the limit counts trackable projects.
    let projects = store::projects::suggest_projects(
        &mut conn,
        workspace.id,
        me.id,
        me.role.is_admin(),
        &project_rules::name_key(partial),
        limit.clamp(1, MAX_SUGGESTIONS),
    )
    .await?;
    Ok(projects
        .into_iter()
        .filter(|(p, m)| {
            project_rules::can_track_to_project(Standing::new(me.role, *m), p.privacy, &p.name)
                .is_ok()
        })
        .map(|(p, _)| Suggestion {
            label: match &p.client_name {
                Some(client) => clip(&format!("{} · {client}", p.name), 99),
                None => clip(&p.name, 99),
            },
            value: format!("#{}", p.id),
        })
        .collect())
}

// ---------------------------------------------------------------------------------------
// Channels' default projects
// ---------------------------------------------------------------------------------------

/// Makes `project` the default of `/timer start` in `channel`: whoever may edit the project.
pub async fn link_channel(
    app: &App,
    actor: &Actor,
    channel: ChannelId,
    project: &str,
) -> AppResult<ChannelLinked> {
    let workspace = workspace_of(app, actor).await?;
    let mut tx = begin_locked(app, &workspace).await?;
    let me = active_member(&mut tx, &workspace, actor).await?;
    let (project, membership) = visible_project(&mut tx, &workspace, &me, project).await?;
    project_rules::edit_project(Standing::new(me.role, membership))?;
    if project.archived {
        return Err(AppError::invalid(format!(
            "{} is archived; a channel can't default to it.",
            project.name
        )));
    }
    let before = store::entries::link_channel(
        &mut tx,
        workspace.id,
        channel.to_db(),
        project.id,
        me.id,
        app.clock.now(),
    )
    .await?;
    let replaced = match before.filter(|id| *id != project.id) {
        Some(id) => store::projects::find_project(&mut tx, workspace.id, id, me.id)
            .await?
            .map(|(p, _)| p.name),
        None => None,
    };
    if before != Some(project.id) {
        record(
            app,
            &mut tx,
            workspace.id,
            actor,
            Change {
                action: "channel.link",
                target: format!("channel {channel}"),
                before: Some(json!({ "project": replaced })),
                after: Some(json!({ "project": project.name, "project_id": project.id })),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(ChannelLinked {
        channel,
        project_id: project.id,
        project: project.name,
        replaced,
    })
}

/// Removes a channel's default project: whoever may edit that project. Returns its name.
pub async fn unlink_channel(app: &App, actor: &Actor, channel: ChannelId) -> AppResult<String> {
    let workspace = workspace_of(app, actor).await?;
    let mut tx = begin_locked(app, &workspace).await?;
    let me = active_member(&mut tx, &workspace, actor).await?;
    let Some(project_id) =
        store::entries::channel_project(&mut tx, workspace.id, channel.to_db()).await?
    else {
        return Err(AppError::not_found("This channel has no default project."));
    };
    let (project, membership) =
        visible_project(&mut tx, &workspace, &me, &format!("#{project_id}")).await?;
    project_rules::edit_project(Standing::new(me.role, membership))?;
    store::entries::unlink_channel(&mut tx, workspace.id, channel.to_db()).await?;
    record(
        app,
        &mut tx,
        workspace.id,
        actor,
        Change {
            action: "channel.unlink",
            target: format!("channel {channel}"),
            before: Some(json!({ "project": project.name, "project_id": project.id })),
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(project.name)
}

/// The channel's default project (id, name), if it has one the actor may see.
pub async fn channel_project(
    app: &App,
    actor: &Actor,
    channel: ChannelId,
) -> AppResult<Option<(i64, String)>> {
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    let Some(project_id) =
        store::entries::channel_project(&mut conn, workspace.id, channel.to_db()).await?
    else {
        return Ok(None);
    };
    match visible_project(&mut conn, &workspace, &me, &format!("#{project_id}")).await {
        Ok((project, _)) => Ok(Some((project.id, project.name))),
        Err(AppError::NotFound(_) | AppError::Denied(_)) => Ok(None),
        Err(other) => Err(other),
    }
}
