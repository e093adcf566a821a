//! Time entries (`/time`): add, edit, delete, show one, list a week.
//!
//! The use cases take what people type — a duration (`1h30m`, `90m`, `1.5h`, `1:30`) or a
//! range (`9:00-10:30`, `22:00-01:30`), a date (`today`, `yesterday`, `mon`, `2026-11-20`), a
//! week (`this week`, `2026-W47`) — and resolve it in the time zone and week of the member
//! whose time it is (`/me timezone`, `/me week-start`), so adapters stay thin.
//!
//! Decisions where the rulebook is silent, in one place:
//!
//! - **Whose rules**: the entry's owner must be allowed to track to its project (Owner/Admin
//!   adding time for a Member can't put it on a private project that Member isn't on); the
//!   actor must be allowed to change the owner's time (`domain::entries::change_entry`).
//! - **Locks** are checked on the entry as it was and as it would be: moving an entry into an
//!   approved week, or (for non-admins) to a date-locked day, is refused like editing one there.
//! - **Duration-only entries** start after the member's last entry ending that day, else at
//!   09:00 local; one that would end in the future ends now instead. Nothing may end in the
//!   future: time is entered for work done.
//! - **Overlaps** (`overlap_policy`): `refuse` names the entry in the way (project, local
//!   times); `flag` stores the entry and flags every entry of the member it overlaps. Flags are
//!   recomputed whenever an entry is added, moved or deleted.
//! - **Billable** defaults from the project (and follows a new project when the project is
//!   changed); only a value different from the default needs `who_can_change_billable`.
//! - **Money**: an amount is shown for billable entries only, at the most specific rate
//!   (project member, project, member, workspace); project-level rates are in the project's
//!   currency, member and workspace rates in the workspace currency. Amounts are rounded per
//!   entry; totals are per currency.
//! - **Audit**: changes to someone else's time are audited (`entry.add/edit/delete`); people's
//!   changes to their own time are not (there are many and they are the person's own).

use std::collections::HashMap;

use chrono::{DateTime, Days, Duration, NaiveDate, NaiveTime, Timelike, Utc};
use chrono_tz::Tz;
use serde_json::{json, Value};

use super::audit::{record, Change};
use super::me::{prefs_of, Prefs};
use super::projects::{find_task, project_for_tracking_in, visible_project};
use super::{
    active_member, active_member_by_user, begin_locked, member_by_user, workspace_of, Actor, App,
    AppError, AppResult,
};
use crate::domain::entries::{self as rules, Lock, ProjectFacts, Rates, Relation};
use crate::domain::policy::clip;
use crate::domain::projects::{self as project_rules, Currency, Kind, Lookup, Money, Standing};
use crate::domain::settings::{OverlapPolicy, Settings};
use crate::domain::timeparse;
use crate::domain::{Role, UserId};
use crate::store::entries::{Entry, EntryFields, NewEntry};
use crate::store::projects::{NamedTable, Project, Tag, Task};
use crate::store::{self, members::Member, workspaces::Workspace, Conn};

// ---------------------------------------------------------------------------------------
// What the use cases answer
// ---------------------------------------------------------------------------------------

/// A person as entries show them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRef {
    pub member_id: i64,
    pub user: UserId,
    pub name: String,
}

impl PersonRef {
    pub(crate) fn of(member: &Member) -> PersonRef {
        PersonRef {
            member_id: member.id,
            user: member.user_id,
            name: member.display_name.clone(),
        }
    }
}

/// One entry as one person may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryView {
    pub id: i64,
    pub member: PersonRef,
    pub project_id: i64,
    pub project: String,
    pub task: Option<String>,
    pub description: String,
    pub tags: Vec<String>,
    pub started_at: DateTime<Utc>,
    /// `None` while the timer runs.
    pub ended_at: Option<DateTime<Utc>>,
    pub running: bool,
    /// The entry's length; for a running timer, the time elapsed so far.
    pub duration: Duration,
    /// The zone the local fields are in: the entry owner's.
    pub time_zone: Tz,
    pub local_date: NaiveDate,
    pub local_start: NaiveTime,
    /// The local end, with its date (it may be the next day).
    pub local_end: Option<(NaiveDate, NaiveTime)>,
    /// `None` when the viewer may not see billable flags.
    pub billable: Option<bool>,
    /// The amount of a billable entry, when the viewer may see money and a rate applies.
    pub amount: Option<Money>,
    /// Overlaps another entry of the same member (overlap_policy = flag).
    pub overlapping: bool,
    pub lock: Lock,
    /// Whether the viewer may change or delete it now.
    pub you_can_edit: bool,
}

impl EntryView {
    /// `Mon 2026-11-23 9:00–10:30`, in the owner's time zone.
    pub fn when_text(&self) -> String {
        span_text(self.started_at, self.ended_at, self.time_zone)
    }
}

fn hm(t: NaiveTime) -> String {
    format!("{}:{:02}", t.hour(), t.minute())
}

/// An instant in local time: `Mon 2026-11-23 9:00`.
pub(crate) fn instant_text(at: DateTime<Utc>, tz: Tz) -> String {
    let local = at.with_timezone(&tz);
    format!("{} {}", local.format("%a %Y-%m-%d"), hm(local.time()))
}

/// A span in local time: `Mon 2026-11-23 9:00–10:30`, `Mon 2026-11-23 22:00 – Tue 2026-11-24
/// 1:30`, or `… 9:00–now` while running.
pub(crate) fn span_text(start: DateTime<Utc>, end: Option<DateTime<Utc>>, tz: Tz) -> String {
    let s = start.with_timezone(&tz);
    let day = s.format("%a %Y-%m-%d");
    let from = hm(s.time());
    match end {
        None => format!("{day} {from}–now"),
        Some(end) => {
            let e = end.with_timezone(&tz);
            if e.date_naive() == s.date_naive() {
                format!("{day} {from}–{}", hm(e.time()))
            } else {
                format!(
                    "{day} {from} – {} {}",
                    e.format("%a %Y-%m-%d"),
                    hm(e.time())
                )
            }
        }
    }
}

/// A new entry, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddEntry {
    /// A project name or `#id`.
    pub project: String,
    /// A task of that project, by name or `#id`.
    pub task: Option<String>,
    /// A duration (`1h30m`, `90m`, `1.5h`, `1:30`) or a range (`9:00-10:30`, `22:00-01:30`).
    pub when: String,
    /// `today` (the default), `yesterday`, `mon`, `2026-11-20`, …
    pub date: Option<String>,
    pub description: Option<String>,
    /// Tag names or `#id`s (a comma-separated list in one string works too).
    pub tags: Vec<String>,
    /// The project's default when not given.
    pub billable: Option<bool>,
    /// Someone else's time (Owner/Admin, or their team manager when allowed).
    pub member: Option<UserId>,
}

/// Changes to an entry; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EditEntry {
    pub project: Option<String>,
    /// `Some(None)` removes the task.
    pub task: Option<Option<String>>,
    /// A new duration (keeps the start) or a new range (on the entry's day, or `date`).
    pub when: Option<String>,
    /// Moves the entry to another day, keeping its local start time (and its length unless
    /// `when` says otherwise).
    pub date: Option<String>,
    pub description: Option<String>,
    /// Replaces the tags.
    pub tags: Option<Vec<String>>,
    pub billable: Option<bool>,
}

impl EditEntry {
    pub fn is_empty(&self) -> bool {
        self == &EditEntry::default()
    }
}

/// A day of a week list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayTotal {
    pub date: NaiveDate,
    pub total: Duration,
}

/// A member's week as one person may see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeekList {
    pub member: PersonRef,
    pub time_zone: Tz,
    pub week_start: NaiveDate,
    /// Seven days, with the time of the entries shown starting on each.
    pub days: Vec<DayTotal>,
    /// The entries the viewer may see, in order.
    pub entries: Vec<EntryView>,
    pub total: Duration,
    /// `None` when the viewer may not see billable flags.
    pub billable_total: Option<Duration>,
    /// Amounts per currency; `None` when the viewer may not see money.
    pub amounts: Option<Vec<Money>>,
    /// The week's timesheet status, when the viewer may see it.
    pub timesheet: Option<rules::TimesheetStatus>,
}

// ---------------------------------------------------------------------------------------
// Shared steps (timers and timesheets use them too)
// ---------------------------------------------------------------------------------------

/// How `me` relates to the member `owner_id`.
pub(crate) async fn relation(conn: &mut Conn, me: &Member, owner_id: i64) -> AppResult<Relation> {
    let own = me.id == owner_id;
    let team_manager = !own && store::entries::is_team_manager(conn, me.id, owner_id).await?;
    Ok(Relation {
        actor: me.role,
        own,
        team_manager,
    })
}

/// The lock on an entry of `owner_id` starting at `at`.
pub(crate) async fn lock_at(
    conn: &mut Conn,
    owner_id: i64,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
    settings: &Settings,
) -> AppResult<Lock> {
    let approved = store::timesheets::approved_week_at(conn, owner_id, at).await?;
    Ok(rules::lock_of(at, now, settings, approved))
}

/// The project `owner` tracks to, named by `me`: for one's own time, the tracking rules;
/// for someone else's, `me` must see the project and `owner` must be allowed to track to it.
pub(crate) async fn project_to_track(
    conn: &mut Conn,
    workspace: &Workspace,
    me: &Member,
    owner: &Member,
    raw: &str,
) -> AppResult<Project> {
    if owner.id == me.id {
        return Ok(project_for_tracking_in(conn, workspace, me, raw).await?.0);
    }
    let (project, _) = visible_project(conn, workspace, me, raw).await?;
    let membership = store::projects::membership(conn, project.id, owner.id).await?;
    let standing = Standing::new(owner.role, membership);
    if project_rules::can_track_to_project(standing, project.privacy, &project.name).is_err() {
        return Err(AppError::denied(format!(
            "{} can't track time to {}: it is private and they are not one of its members. Add them to the project first.",
            owner.display_name, project.name
        )));
    }
    if project.archived {
        return Err(AppError::invalid(format!(
            "{} is archived; time can't be tracked to it until one of its project managers unarchives it.",
            project.name
        )));
    }
    Ok(project)
}

/// A task of `project` to track to, or none when `raw` is empty.
pub(crate) async fn task_to_track(
    conn: &mut Conn,
    project: &Project,
    raw: Option<&str>,
) -> AppResult<Option<Task>> {
    let Some(raw) = raw.filter(|r| !r.trim().is_empty()) else {
        return Ok(None);
    };
    let task = find_task(conn, project, raw).await?;
    if task.archived {
        return Err(AppError::invalid(format!(
            "The task {} in {} is archived; pick another task or ask a project manager to bring it back.",
            task.name, project.name
        )));
    }
    Ok(Some(task))
}

/// Tags by name or `#id` (each string may hold a comma-separated list); live ones only, at
/// most `MAX_TAGS_PER_ENTRY`, each once.
pub(crate) async fn tags_to_use(
    conn: &mut Conn,
    workspace: &Workspace,
    raw: &[String],
) -> AppResult<Vec<Tag>> {
    let mut tags: Vec<Tag> = Vec::new();
    for typed in raw.iter().flat_map(|r| rules::split_tags(r)) {
        let found = match Lookup::parse(Kind::Tag, &typed)? {
            Lookup::Id(id) => {
                store::projects::find_named(conn, NamedTable::Tags, workspace.id, id).await?
            }
            Lookup::Key(key) => {
                store::projects::find_named_by_key(conn, NamedTable::Tags, workspace.id, &key)
                    .await?
                    .into_iter()
                    .next()
            }
        };
        let Some(tag) = found else {
            let names: Vec<String> =
                store::projects::list_named(conn, NamedTable::Tags, workspace.id, false)
                    .await?
                    .into_iter()
                    .map(|t| t.name)
                    .collect();
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            return Err(AppError::not_found(project_rules::not_found_message(
                Kind::Tag,
                &typed,
                &names,
                "",
            )));
        };
        if tag.archived {
            return Err(AppError::invalid(format!(
                "The tag {} is archived; pick another tag.",
                tag.name
            )));
        }
        if !tags.iter().any(|t| t.id == tag.id) {
            tags.push(tag);
        }
    }
    if tags.len() > rules::MAX_TAGS_PER_ENTRY {
        return Err(AppError::invalid(format!(
            "An entry can have at most {} tags; this has {}.",
            rules::MAX_TAGS_PER_ENTRY,
            tags.len()
        )));
    }
    Ok(tags)
}

/// The billable flag: the default unless `explicit` differs from it, which needs the right to
/// change billable flags.
pub(crate) fn billable_choice(
    explicit: Option<bool>,
    default: bool,
    role: Role,
    settings: &Settings,
) -> AppResult<bool> {
    match explicit {
        Some(wanted) if wanted != default => {
            rules::can_change_billable(role, settings)?;
            Ok(wanted)
        }
        _ => Ok(default),
    }
}

/// Whose entries an overlap is among, for the message.
pub(crate) struct Whose<'a> {
    pub owner: &'a Member,
    pub own: bool,
    pub tz: Tz,
}

/// Refuses (or, with overlap_policy = flag, lets through) a span that overlaps other
/// entries of the member.
pub(crate) async fn check_overlap(
    conn: &mut Conn,
    settings: &Settings,
    whose: &Whose<'_>,
    span: (DateTime<Utc>, DateTime<Utc>),
    except: Option<i64>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let (owner, own, tz) = (whose.owner, whose.own, whose.tz);
    if settings.overlap_policy == OverlapPolicy::Flag {
        return Ok(());
    }
    let clashes = store::entries::overlapping(conn, owner.id, span.0, span.1, except, now).await?;
    let Some(first) = clashes.first() else {
        return Ok(());
    };
    let whose = if own {
        "your".to_string()
    } else {
        format!("{}'s", owner.display_name)
    };
    let what = match &first.task_name {
        Some(task) => format!("{} ({task})", first.project_name),
        None => first.project_name.clone(),
    };
    let more = match clashes.len() - 1 {
        0 => String::new(),
        1 => " and 1 more entry".to_string(),
        n => format!(" and {n} more entries"),
    };
    let running = if first.running() {
        ", still running"
    } else {
        ""
    };
    Err(AppError::conflict(format!(
        "This overlaps {whose} entry #{} on {}, {} ({}{running}){more}. Change the times, or edit or delete that entry first.",
        first.id,
        clip(&what, 120),
        span_text(first.started_at, first.ended_at, tz),
        tz.name()
    )))
}

/// The UTC span of the local week starting on `first_day`.
pub(crate) fn week_span(first_day: NaiveDate, tz: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = timeparse::day_bounds_utc(first_day, tz).0;
    let end = first_day
        .checked_add_days(Days::new(7))
        .map(|next| timeparse::day_bounds_utc(next, tz).0)
        .unwrap_or(start + Duration::days(7));
    (start, end)
}

/// What a duration-or-range input means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum When {
    Length(Duration),
    Range(NaiveTime, NaiveTime),
}

/// A range when the text has a dash or ` to ` (and doesn't start with a minus), else a
/// duration.
pub(crate) fn parse_when(raw: &str) -> AppResult<When> {
    let text = raw.trim();
    let negative = text.starts_with(['-', '\u{2212}']);
    let lower = text.to_lowercase();
    let ranged = !negative
        && (text.contains([
            '-', '\u{2010}', '\u{2011}', '\u{2012}', '\u{2013}', '\u{2014}', '\u{2015}',
        ]) || lower.contains(" to "));
    if ranged {
        let (start, end) = timeparse::parse_range(text)?;
        Ok(When::Range(start, end))
    } else {
        Ok(When::Length(timeparse::parse_duration(text)?))
    }
}

/// Where a new entry of `when` on the local `date` lies.
async fn place(
    conn: &mut Conn,
    owner_id: i64,
    when: When,
    date: NaiveDate,
    tz: Tz,
    now: DateTime<Utc>,
) -> AppResult<(DateTime<Utc>, DateTime<Utc>)> {
    match when {
        When::Range(start, end) => Ok(timeparse::resolve_range(date, start, end, tz)?),
        When::Length(length) => {
            let day = timeparse::day_bounds_utc(date, tz);
            let nine = NaiveTime::from_hms_opt(9, 0, 0).unwrap_or(NaiveTime::MIN);
            let nine = timeparse::local_to_utc(date, nine, tz).unwrap_or(day.0);
            let last = store::entries::last_end_within(conn, owner_id, day.0, day.1, now).await?;
            let start = rules::place_duration(day, nine, last, length, now);
            if start < day.0 {
                return Err(AppError::invalid(format!(
                    "{} so far is shorter than {} in {}. Type a range like 9:00-10:30, or another date.",
                    date.format("%Y-%m-%d"),
                    timeparse::format_duration(length),
                    tz.name()
                )));
            }
            Ok((start, start + length))
        }
    }
}

fn ends_by(end: DateTime<Utc>, now: DateTime<Utc>, tz: Tz) -> AppResult<()> {
    let local = end.with_timezone(&tz);
    let text = format!("{} on {}", hm(local.time()), local.format("%Y-%m-%d"));
    Ok(rules::check_ends_by(end, now, &text)?)
}

/// Everything needed to show entries to one viewer.
pub(crate) struct Viewing<'a> {
    pub viewer: &'a Member,
    pub settings: &'a Settings,
    pub workspace_rate: Option<i64>,
    pub currency: Currency,
    pub now: DateTime<Utc>,
    /// The viewer's own preferences when already known (saves a query per view).
    pub viewer_prefs: Option<Prefs>,
}

impl<'a> Viewing<'a> {
    pub(crate) async fn new(
        conn: &mut Conn,
        workspace: &Workspace,
        viewer: &'a Member,
        settings: &'a Settings,
        now: DateTime<Utc>,
    ) -> AppResult<Viewing<'a>> {
        let (workspace_rate, currency) = store::rates::workspace_rate(conn, workspace.id).await?;
        Ok(Viewing {
            viewer,
            settings,
            workspace_rate,
            currency,
            now,
            viewer_prefs: None,
        })
    }

    /// A viewing from what [`super::begin_own_write`] already read: no query.
    pub(crate) fn known(
        viewer: &'a Member,
        settings: &'a Settings,
        workspace_rate: Option<i64>,
        currency: Currency,
        viewer_prefs: Prefs,
        now: DateTime<Utc>,
    ) -> Viewing<'a> {
        Viewing {
            viewer,
            settings,
            workspace_rate,
            currency,
            now,
            viewer_prefs: Some(viewer_prefs),
        }
    }

    pub(crate) fn amount(&self, entry: &Entry, duration: Duration) -> Option<Money> {
        if !rules::can_see_rates(self.viewer.role, self.settings) || !entry.billable {
            return None;
        }
        let rates = Rates {
            project_member: entry.project_member_rate,
            project: entry.project_rate,
            member: entry.member_rate,
            workspace: self.workspace_rate,
        };
        let (rate, level) = rates.effective_level()?;
        Some(Money {
            minor: rules::amount(rate, duration),
            currency: if level.in_project_currency() {
                entry.project_currency.clone()
            } else {
                self.currency.clone()
            },
        })
    }

    /// Views of `entries` (which the viewer may see), in the same order.
    pub(crate) async fn views(
        &self,
        conn: &mut Conn,
        entries: &[Entry],
    ) -> AppResult<Vec<EntryView>> {
        let ids: Vec<i64> = entries.iter().map(|e| e.id).collect();
        let mut tags = store::entries::tags_of(conn, &ids).await?;
        struct Owner {
            relation: Relation,
            prefs: Prefs,
            approved: Vec<store::timesheets::Timesheet>,
        }
        let mut owners: HashMap<i64, Owner> = HashMap::new();
        for entry in entries {
            if owners.contains_key(&entry.member_id) {
                continue;
            }
            let mine: Vec<&Entry> = entries
                .iter()
                .filter(|e| e.member_id == entry.member_id)
                .collect();
            let from = mine
                .iter()
                .map(|e| e.started_at)
                .min()
                .unwrap_or(entry.started_at);
            let to = mine
                .iter()
                .map(|e| e.started_at)
                .max()
                .unwrap_or(entry.started_at)
                + Duration::milliseconds(1);
            let owner = Owner {
                relation: relation(conn, self.viewer, entry.member_id).await?,
                prefs: match self.viewer_prefs {
                    Some(prefs) if entry.member_id == self.viewer.id => prefs,
                    _ => prefs_of(conn, entry.member_id).await?,
                },
                approved: store::timesheets::approved_between(conn, entry.member_id, from, to)
                    .await?,
            };
            owners.insert(entry.member_id, owner);
        }
        let mut out = Vec::with_capacity(entries.len());
        for entry in entries {
            let Some(owner) = owners.get(&entry.member_id) else {
                continue;
            };
            let approved = owner
                .approved
                .iter()
                .find(|t| t.starts_at <= entry.started_at && entry.started_at < t.ends_at)
                .map(|t| t.week_start);
            let tags = tags
                .remove(&entry.id)
                .unwrap_or_default()
                .into_iter()
                .map(|(_, name)| name)
                .collect();
            out.push(self.build(entry, owner.relation, owner.prefs.time_zone, approved, tags));
        }
        Ok(out)
    }

    /// The view of one of the viewer's own entries whose lock was just read (`lock`, at its
    /// start) and, when given, whose tags are known: the timer commands' answer without the
    /// queries [`Self::views`] makes.
    pub(crate) async fn own_view(
        &self,
        conn: &mut Conn,
        entry: &Entry,
        tags: Option<Vec<String>>,
        lock: &Lock,
    ) -> AppResult<EntryView> {
        let tags = match tags {
            Some(tags) => tags,
            None => store::entries::tags_of(conn, &[entry.id])
                .await?
                .remove(&entry.id)
                .unwrap_or_default()
                .into_iter()
                .map(|(_, name)| name)
                .collect(),
        };
        let prefs = match self.viewer_prefs {
            Some(prefs) => prefs,
            None => prefs_of(conn, self.viewer.id).await?,
        };
        let approved = match lock {
            Lock::Approved { week } => Some(*week),
            _ => None,
        };
        let relation = Relation {
            actor: self.viewer.role,
            own: true,
            team_manager: false,
        };
        Ok(self.build(entry, relation, prefs.time_zone, approved, tags))
    }

    fn build(
        &self,
        entry: &Entry,
        relation: Relation,
        tz: Tz,
        approved: Option<NaiveDate>,
        tags: Vec<String>,
    ) -> EntryView {
        let lock = rules::lock_of(entry.started_at, self.now, self.settings, approved);
        let editable_lock = if entry.running() && relation.own {
            rules::stop_own_timer(&lock)
        } else {
            lock.clone()
        };
        let end = entry.end_or(self.now);
        let duration = (end - entry.started_at).max(Duration::zero());
        let local_start = entry.started_at.with_timezone(&tz);
        EntryView {
            id: entry.id,
            member: PersonRef {
                member_id: entry.member_id,
                user: entry.member_user,
                name: entry.member_name.clone(),
            },
            project_id: entry.project_id,
            project: entry.project_name.clone(),
            task: entry.task_name.clone(),
            description: entry.description.clone(),
            tags,
            started_at: entry.started_at,
            ended_at: entry.ended_at,
            running: entry.running(),
            duration,
            time_zone: tz,
            local_date: local_start.date_naive(),
            local_start: local_start.time(),
            local_end: entry.ended_at.map(|e| {
                let e = e.with_timezone(&tz);
                (e.date_naive(), e.time())
            }),
            billable: rules::can_see_billable(self.viewer.role, self.settings)
                .then_some(entry.billable),
            amount: self.amount(entry, duration),
            overlapping: entry.overlapping,
            you_can_edit: rules::change_entry(relation, self.settings, &editable_lock).is_ok(),
            lock,
        }
    }

    pub(crate) async fn view(&self, conn: &mut Conn, entry: &Entry) -> AppResult<EntryView> {
        self.views(conn, std::slice::from_ref(entry))
            .await?
            .pop()
            .ok_or_else(|| AppError::internal("entry view vanished"))
    }
}

/// Reloads an entry after a change.
pub(crate) async fn reload(conn: &mut Conn, workspace: &Workspace, id: i64) -> AppResult<Entry> {
    store::entries::find(conn, workspace.id, id)
        .await?
        .ok_or_else(|| AppError::not_found("That entry was just deleted."))
}

/// Whether `me` may see `entry` (the rulebook's "see entries" cell).
pub(crate) async fn may_see(
    conn: &mut Conn,
    me: &Member,
    entry: &Entry,
    settings: &Settings,
) -> AppResult<bool> {
    if me.role == Role::Guest {
        return Ok(false);
    }
    let relation = relation(conn, me, entry.member_id).await?;
    let viewer_manages = me.role == Role::Member
        && store::entries::managed_projects(conn, me.id)
            .await?
            .contains(&entry.project_id);
    Ok(rules::can_see_entry(
        relation,
        ProjectFacts {
            is_public: entry.project_public,
            viewer_manages,
        },
        settings,
    ))
}

/// An entry `me` may see, by id; others are answered like missing ones.
pub(crate) async fn visible_entry(
    conn: &mut Conn,
    workspace: &Workspace,
    me: &Member,
    id: i64,
    settings: &Settings,
) -> AppResult<Entry> {
    if me.role == Role::Guest {
        return Err(AppError::denied(
            "Guests don't see individual time entries; the report link of a shared project shows what is shared.",
        ));
    }
    match store::entries::find(conn, workspace.id, id).await? {
        Some(entry) if may_see(conn, me, &entry, settings).await? => Ok(entry),
        _ => Err(AppError::not_found(format!(
            "No time entry #{id} that you can see. /time list shows your entries with their numbers."
        ))),
    }
}

fn entry_target(entry_id: i64, owner: &Member) -> String {
    format!(
        "time entry #{entry_id} of {} ({})",
        owner.display_name, owner.user_id
    )
}

fn entry_fields_json(fields: &EntryFields, tags: &[String]) -> Value {
    json!({
        "project_id": fields.project_id,
        "task_id": fields.task_id,
        "description": fields.description,
        "billable": fields.billable,
        "started_at": fields.started_at.to_rfc3339(),
        "ended_at": fields.ended_at.map(|e| e.to_rfc3339()),
        "tags": tags,
    })
}

/// The person whose time it is: the actor, or someone they name.
async fn owner_of(
    conn: &mut Conn,
    workspace: &Workspace,
    me: &Member,
    user: Option<UserId>,
) -> AppResult<Member> {
    let owner = match user {
        Some(user) if user != me.user_id => active_member_by_user(conn, workspace, user).await?,
        _ => me.clone(),
    };
    if owner.id != me.id && !owner.role.can_track_time() {
        return Err(AppError::invalid(format!(
            "{} is {} and doesn't track time.",
            owner.display_name,
            owner.role.with_article()
        )));
    }
    Ok(owner)
}

// ---------------------------------------------------------------------------------------
// Use cases
// ---------------------------------------------------------------------------------------

/// Adds an entry (one's own, or someone else's when allowed).
pub async fn add(app: &App, actor: &Actor, input: AddEntry) -> AppResult<EntryView> {
    let workspace = workspace_of(app, actor).await?;
    let mut tx = begin_locked(app, &workspace).await?;
    let me = active_member(&mut tx, &workspace, actor).await?;
    let settings = store::workspaces::load_settings(&mut tx, workspace.id).await?;
    let now = app.clock.now();
    let owner = owner_of(&mut tx, &workspace, &me, input.member).await?;
    let rel = relation(&mut tx, &me, owner.id).await?;
    // Who may change this person's time at all, before anything is looked up.
    rules::change_entry(rel, &settings, &Lock::Open)?;
    let project = project_to_track(&mut tx, &workspace, &me, &owner, &input.project).await?;
    let task = task_to_track(&mut tx, &project, input.task.as_deref()).await?;
    let description = rules::parse_description(input.description.as_deref().unwrap_or(""))?;
    let tags = tags_to_use(&mut tx, &workspace, &input.tags).await?;
    let billable = billable_choice(input.billable, project.billable_default, me.role, &settings)?;
    let prefs = prefs_of(&mut tx, owner.id).await?;
    let tz = prefs.time_zone;
    let today = timeparse::local_today(now, tz);
    let when = parse_when(&input.when)?;
    let date = match input.date.as_deref().filter(|d| !d.trim().is_empty()) {
        Some(raw) => timeparse::parse_entry_date(raw, today, prefs.week_start)?,
        None => today,
    };
    let span = place(&mut tx, owner.id, when, date, tz, now).await?;
    ends_by(span.1, now, tz)?;
    let lock = lock_at(&mut tx, owner.id, span.0, now, &settings).await?;
    rules::change_entry(rel, &settings, &lock)?;
    let whose = Whose {
        owner: &owner,
        own: rel.own,
        tz,
    };
    check_overlap(&mut tx, &settings, &whose, span, None, now).await?;
    let id = store::entries::insert(
        &mut tx,
        NewEntry {
            workspace_id: workspace.id,
            member_id: owner.id,
            project_id: project.id,
            task_id: task.as_ref().map(|t| t.id),
            description: &description,
            billable,
            started_at: span.0,
            ended_at: Some(span.1),
            created_by: me.id,
            now,
        },
    )
    .await?;
    if !tags.is_empty() {
        let tag_ids: Vec<i64> = tags.iter().map(|t| t.id).collect();
        store::entries::set_tags(&mut tx, id, &tag_ids).await?;
    }
    if settings.overlap_policy == OverlapPolicy::Flag {
        store::entries::refresh_overlaps(&mut tx, owner.id, span.0, span.1, now).await?;
    }
    let entry = reload(&mut tx, &workspace, id).await?;
    if !rel.own {
        let names: Vec<String> = tags.iter().map(|t| t.name.clone()).collect();
        record(
            app,
            &mut tx,
            workspace.id,
            actor,
            Change {
                action: "entry.add",
                target: entry_target(id, &owner),
                before: None,
                after: Some(entry_fields_json(&EntryFields::of(&entry), &names)),
            },
        )
        .await?;
    }
    let viewing = Viewing::new(&mut tx, &workspace, &me, &settings, now).await?;
    let shown = viewing.view(&mut tx, &entry).await?;
    tx.commit().await?;
    Ok(shown)
}

/// One entry, as the actor may see it.
pub async fn get(app: &App, actor: &Actor, entry_id: i64) -> AppResult<EntryView> {
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    let settings = store::workspaces::load_settings(&mut conn, workspace.id).await?;
    let entry = visible_entry(&mut conn, &workspace, &me, entry_id, &settings).await?;
    let viewing = Viewing::new(&mut conn, &workspace, &me, &settings, app.clock.now()).await?;
    viewing.view(&mut conn, &entry).await
}

/// Changes an entry: its project, task, times, day, description, tags or billable flag.
pub async fn edit(
    app: &App,
    actor: &Actor,
    entry_id: i64,
    edit: EditEntry,
) -> AppResult<EntryView> {
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
    let old_lock = lock_at(&mut tx, owner.id, entry.started_at, now, &settings).await?;
    let old_lock = if entry.running() && rel.own {
        rules::stop_own_timer(&old_lock)
    } else {
        old_lock
    };
    rules::change_entry(rel, &settings, &old_lock)?;
    if edit.is_empty() {
        return Err(AppError::invalid(
            "Say what to change: project, task, time, date, description, tags or billable.",
        ));
    }
    let before = EntryFields::of(&entry);
    let mut after = before.clone();
    let mut project_billable_default = None;
    let project = match edit.project.as_deref() {
        Some(raw) => {
            let project = project_to_track(&mut tx, &workspace, &me, &owner, raw).await?;
            if project.id != entry.project_id {
                after.project_id = project.id;
                after.task_id = None;
                project_billable_default = Some(project.billable_default);
            }
            Some(project)
        }
        None => None,
    };
    if let Some(task) = &edit.task {
        let project = match project {
            Some(p) => p,
            None => {
                store::projects::find_project(&mut tx, workspace.id, entry.project_id, me.id)
                    .await?
                    .ok_or_else(|| AppError::internal("entry without project"))?
                    .0
            }
        };
        after.task_id = task_to_track(&mut tx, &project, task.as_deref())
            .await?
            .map(|t| t.id);
    }
    if let Some(raw) = &edit.description {
        after.description = rules::parse_description(raw)?;
    }
    let tags = match &edit.tags {
        Some(raw) => Some(tags_to_use(&mut tx, &workspace, raw).await?),
        None => None,
    };
    let default_billable = project_billable_default.unwrap_or(before.billable);
    after.billable = billable_choice(edit.billable, default_billable, me.role, &settings)?;
    let prefs = prefs_of(&mut tx, owner.id).await?;
    let tz = prefs.time_zone;
    if edit.when.is_some() || edit.date.is_some() {
        if entry.running() {
            return Err(AppError::invalid(
                "This timer is still running, so it has no times to change yet. Stop it first (or stop it at a time you name).",
            ));
        }
        let local = entry.started_at.with_timezone(&tz);
        let date = match edit.date.as_deref().filter(|d| !d.trim().is_empty()) {
            Some(raw) => {
                timeparse::parse_entry_date(raw, timeparse::local_today(now, tz), prefs.week_start)?
            }
            None => local.date_naive(),
        };
        let moved_start = if date == local.date_naive() {
            entry.started_at
        } else {
            timeparse::local_to_utc(date, local.time(), tz)?
        };
        let length = entry.end_or(now) - entry.started_at;
        let span = match edit.when.as_deref().map(parse_when).transpose()? {
            Some(When::Range(start, end)) => timeparse::resolve_range(date, start, end, tz)?,
            Some(When::Length(length)) => (moved_start, moved_start + length),
            None => (moved_start, moved_start + length),
        };
        ends_by(span.1, now, tz)?;
        after.started_at = span.0;
        after.ended_at = Some(span.1);
    }
    let moved = after.started_at != before.started_at || after.ended_at != before.ended_at;
    if after.started_at != before.started_at {
        let new_lock = lock_at(&mut tx, owner.id, after.started_at, now, &settings).await?;
        rules::change_entry(rel, &settings, &new_lock)?;
    }
    if moved {
        let span = (after.started_at, after.ended_at.unwrap_or(now));
        let whose = Whose {
            owner: &owner,
            own: rel.own,
            tz,
        };
        check_overlap(&mut tx, &settings, &whose, span, Some(entry.id), now).await?;
    }
    store::entries::update(&mut tx, entry.id, &after, now).await?;
    let old_tags: Vec<String> = store::entries::tags_of(&mut tx, &[entry.id])
        .await?
        .remove(&entry.id)
        .unwrap_or_default()
        .into_iter()
        .map(|(_, name)| name)
        .collect();
    let new_tags = match &tags {
        Some(tags) => {
            let ids: Vec<i64> = tags.iter().map(|t| t.id).collect();
            store::entries::set_tags(&mut tx, entry.id, &ids).await?;
            tags.iter().map(|t| t.name.clone()).collect()
        }
        None => old_tags.clone(),
    };
    if moved && (entry.overlapping || settings.overlap_policy == OverlapPolicy::Flag) {
        let old_end = before.ended_at.unwrap_or(now);
        let new_end = after.ended_at.unwrap_or(now);
        store::entries::refresh_overlaps(&mut tx, owner.id, before.started_at, old_end, now)
            .await?;
        store::entries::refresh_overlaps(&mut tx, owner.id, after.started_at, new_end, now).await?;
    }
    if !rel.own && (before != after || old_tags != new_tags) {
        record(
            app,
            &mut tx,
            workspace.id,
            actor,
            Change {
                action: "entry.edit",
                target: entry_target(entry.id, &owner),
                before: Some(entry_fields_json(&before, &old_tags)),
                after: Some(entry_fields_json(&after, &new_tags)),
            },
        )
        .await?;
    }
    let entry = reload(&mut tx, &workspace, entry.id).await?;
    let viewing = Viewing::new(&mut tx, &workspace, &me, &settings, now).await?;
    let shown = viewing.view(&mut tx, &entry).await?;
    tx.commit().await?;
    Ok(shown)
}

/// Deletes an entry (a running timer too); returns what it was.
pub async fn delete(app: &App, actor: &Actor, entry_id: i64) -> AppResult<EntryView> {
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
    let lock = lock_at(&mut tx, owner.id, entry.started_at, now, &settings).await?;
    let lock = if entry.running() && rel.own {
        rules::stop_own_timer(&lock)
    } else {
        lock
    };
    rules::change_entry(rel, &settings, &lock)?;
    let viewing = Viewing::new(&mut tx, &workspace, &me, &settings, now).await?;
    let shown = viewing.view(&mut tx, &entry).await?;
    store::entries::delete(&mut tx, entry.id).await?;
    if entry.overlapping {
        store::entries::refresh_overlaps(
            &mut tx,
            owner.id,
            entry.started_at,
            entry.end_or(now),
            now,
        )
        .await?;
    }
    if !rel.own {
        record(
            app,
            &mut tx,
            workspace.id,
            actor,
            Change {
                action: "entry.delete",
                target: entry_target(entry.id, &owner),
                before: Some(entry_fields_json(&EntryFields::of(&entry), &shown.tags)),
                after: None,
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(shown)
}

/// A week of entries (`this week` by default) of the actor or of someone they name, in that
/// member's time zone and week; only the entries the actor may see, with totals over them.
pub async fn list_week(
    app: &App,
    actor: &Actor,
    week: Option<&str>,
    user: Option<UserId>,
) -> AppResult<WeekList> {
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    if me.role == Role::Guest {
        return Err(AppError::denied(
            "Guests don't see individual time entries; the report link of a shared project shows what is shared.",
        ));
    }
    let settings = store::workspaces::load_settings(&mut conn, workspace.id).await?;
    let now = app.clock.now();
    let owner = match user {
        Some(user) if user != me.user_id => member_by_user(&mut conn, &workspace, user).await?,
        _ => me.clone(),
    };
    let rel = relation(&mut conn, &me, owner.id).await?;
    let prefs = prefs_of(&mut conn, owner.id).await?;
    let tz = prefs.time_zone;
    let today = timeparse::local_today(now, tz);
    let week_start = match week.filter(|w| !w.trim().is_empty()) {
        Some(raw) => timeparse::parse_week(raw, today, prefs.week_start)?,
        None => timeparse::week_start_of(today, prefs.week_start),
    };
    let span = week_span(week_start, tz);
    let all = store::entries::list_for_member(&mut conn, owner.id, span.0, span.1).await?;
    let managed = if me.role == Role::Member {
        store::entries::managed_projects(&mut conn, me.id).await?
    } else {
        Vec::new()
    };
    let visible: Vec<Entry> = all
        .into_iter()
        .filter(|e| {
            rules::can_see_entry(
                rel,
                ProjectFacts {
                    is_public: e.project_public,
                    viewer_manages: managed.contains(&e.project_id),
                },
                &settings,
            )
        })
        .collect();
    let viewing = Viewing::new(&mut conn, &workspace, &me, &settings, now).await?;
    let entries = viewing.views(&mut conn, &visible).await?;
    let mut days: Vec<DayTotal> = (0..7)
        .filter_map(|i| week_start.checked_add_days(Days::new(i)))
        .map(|date| DayTotal {
            date,
            total: Duration::zero(),
        })
        .collect();
    let mut total = Duration::zero();
    let mut billable = Duration::zero();
    let mut amounts: Vec<Money> = Vec::new();
    for entry in &entries {
        total += entry.duration;
        if let Some(day) = days.iter_mut().find(|d| d.date == entry.local_date) {
            day.total += entry.duration;
        }
        if entry.billable == Some(true) {
            billable += entry.duration;
        }
        if let Some(amount) = &entry.amount {
            match amounts.iter_mut().find(|m| m.currency == amount.currency) {
                Some(sum) => sum.minor += amount.minor,
                None => amounts.push(amount.clone()),
            }
        }
    }
    let timesheet = if rules::can_see_timesheet(rel) {
        Some(
            store::timesheets::find(&mut conn, owner.id, week_start)
                .await?
                .map(|t| t.status)
                .unwrap_or(rules::TimesheetStatus::Open),
        )
    } else {
        None
    };
    Ok(WeekList {
        member: PersonRef::of(&owner),
        time_zone: tz,
        week_start,
        days,
        entries,
        total,
        billable_total: rules::can_see_billable(me.role, &settings).then_some(billable),
        amounts: rules::can_see_rates(me.role, &settings).then_some(amounts),
        timesheet,
    })
}

/// How far back the entry picker looks: entries older than this are still reachable by
/// number (`#12`, from `/time list`), just not offered.
pub const RECENT_DAYS: i64 = 31;

/// The short label of an entry in a picker: `#12 Mon 2026-11-23 9:00–10:30 · Website · 1h
/// 30m`, at most 100 characters (Discord's limit on a choice name).
pub fn entry_label(entry: &EntryView) -> String {
    let head = format!("#{} {}", entry.id, entry.when_text());
    let tail = format!(" · {}", timeparse::format_duration(entry.duration));
    // What is left for the project name, less " · " and the ellipsis `clip` may add.
    let room = 100usize.saturating_sub(head.chars().count() + tail.chars().count() + 4);
    format!("{head} · {}{tail}", clip(&entry.project, room.max(1)))
}

/// The actor's own recent entries they may still change (newest first), matching `partial`
/// (in the label or the number), as `#id` suggestions for an entry option.
pub async fn suggest_entries(
    app: &App,
    actor: &Actor,
    partial: &str,
    limit: u32,
) -> AppResult<Vec<super::projects::Suggestion>> {
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    if !me.role.can_track_time() {
        return Ok(Vec::new());
    }
    let settings = store::workspaces::load_settings(&mut conn, workspace.id).await?;
    let now = app.clock.now();
    let from = now - Duration::days(RECENT_DAYS);
    // The end is exclusive; a millisecond past now keeps a timer started this instant.
    let mine =
        store::entries::list_for_member(&mut conn, me.id, from, now + Duration::milliseconds(1))
            .await?;
    let viewing = Viewing::new(&mut conn, &workspace, &me, &settings, now).await?;
    let views = viewing.views(&mut conn, &mine).await?;
    let wanted = partial.trim().to_lowercase();
    let wanted = wanted.trim_start_matches('#');
    let limit = usize::try_from(limit.clamp(1, super::projects::MAX_SUGGESTIONS)).unwrap_or(25);
    Ok(views
        .iter()
        .rev()
        .filter(|e| e.you_can_edit)
        .map(|e| (entry_label(e), e.id))
        .filter(|(label, _)| wanted.is_empty() || label.to_lowercase().contains(wanted))
        .take(limit)
        .map(|(label, id)| super::projects::Suggestion {
            label,
            value: format!("#{id}"),
        })
        .collect())
}

/// The entries of the same member that `entry_id` overlaps (those the actor may see), for
/// naming them when overlaps are flagged rather than refused.
pub async fn overlaps_of(app: &App, actor: &Actor, entry_id: i64) -> AppResult<Vec<EntryView>> {
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    let settings = store::workspaces::load_settings(&mut conn, workspace.id).await?;
    let now = app.clock.now();
    let entry = visible_entry(&mut conn, &workspace, &me, entry_id, &settings).await?;
    let clashes = store::entries::overlapping(
        &mut conn,
        entry.member_id,
        entry.started_at,
        entry.end_or(now),
        Some(entry.id),
        now,
    )
    .await?;
    let mut visible = Vec::with_capacity(clashes.len());
    for clash in clashes {
        if may_see(&mut conn, &me, &clash, &settings).await? {
            visible.push(clash);
        }
    }
    let viewing = Viewing::new(&mut conn, &workspace, &me, &settings, now).await?;
    viewing.views(&mut conn, &visible).await
}

/// The entry as the actor sees it, if they may change or delete it now; otherwise the refusal
/// `edit` and `delete` would give (whose time it is, locks). For asking before deleting.
pub async fn check_change(app: &App, actor: &Actor, entry_id: i64) -> AppResult<EntryView> {
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    let settings = store::workspaces::load_settings(&mut conn, workspace.id).await?;
    let now = app.clock.now();
    let entry = visible_entry(&mut conn, &workspace, &me, entry_id, &settings).await?;
    let rel = relation(&mut conn, &me, entry.member_id).await?;
    let lock = lock_at(&mut conn, entry.member_id, entry.started_at, now, &settings).await?;
    let lock = if entry.running() && rel.own {
        rules::stop_own_timer(&lock)
    } else {
        lock
    };
    rules::change_entry(rel, &settings, &lock)?;
    let viewing = Viewing::new(&mut conn, &workspace, &me, &settings, now).await?;
    viewing.view(&mut conn, &entry).await
}
