//! Reports: totals of the time entries a person may see, grouped up to three levels, a
//! detailed list of those entries page by page, and both as CSV.
//!
//! Decisions, in one place:
//!
//! - **Rows** are exactly the entries the viewer may see at the moment the report is made,
//!   decided by `domain::entries::can_see_entry` (the rule `/time list` uses): the rule is
//!   evaluated here for each kind of owner (the viewer, their team, everyone else) against
//!   every project, and the answer goes to the database as member × project slices.
//! - **Guests** see the projects shared with them (live shares they are a guest of), as
//!   totals: never amounts, billable flags, tags, per-person groups or filters, nor the
//!   detailed list (it names people). Tasks only where the share exposes tasks: a report by
//!   task covers the shares that do.
//! - **Money** appears only when the viewer may see rates (`can_see_rates`), per currency (a
//!   project-level rate is in the project's currency, member and workspace rates in the
//!   workspace's), rounded per entry like everywhere else. Billable totals, billable filters and
//!   billable groups need `can_see_billable`.
//! - **Dates** are the viewer's: their time zone and week start. An entry belongs to the local
//!   day it starts on; a running timer counts up to now.
//! - **Tags**: grouped by tag, an entry counts under each of its tags (and untagged ones under
//!   "(no tag)"), so tag groups may add up to more than the total; the total is still each
//!   entry once. With a tag filter, tag groups show the filtered tags only.
//! - **Budgets** (when the query asks for them): the budgeted projects with time in the
//!   report, with their use over all time (as `/project budget` shows it), for projects the
//!   viewer may see. Opt-in because all-time use reads every entry of those projects.
//! - A removed member is refused (`Denied`), like every use case.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc, Weekday};
use chrono_tz::Tz;
use serde::Serialize;

use super::entries::Viewing;
use super::me::prefs_of;
use super::{active_member, workspace_of, Actor, App, AppError, AppResult};
use crate::domain::csv::{decimal_hours, decimal_money, Csv};
use crate::domain::entries::{self as rules, ProjectFacts, Relation};
use crate::domain::projects::{self as project_rules, Budget, Currency, Money, Standing};
use crate::domain::report::{
    bucket, bucket_label, day_from_number, offset_pieces, GroupBy, RangeSpec, ReportOptions,
    ReportQuery,
};
use crate::domain::sharing::SharedField;
use crate::domain::timeparse::day_bounds_utc;
use crate::domain::Role;
use crate::store::reports::{self as db, AggRow, Dim, Filter, IdSet, NameTable, Slice, Visible};
use crate::store::{self, members::Member, Conn, DbKind, Store};

/// Most entries on one page of a detailed report.
pub const MAX_PER_PAGE: u32 = 500;

/// What identifies a group at its level.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupKey {
    /// A project, client, member, task or tag id; `None` for "no client/task/tag".
    Id(Option<i64>),
    /// Billable or not.
    Flag(bool),
    /// A day, or the first day of a week or month.
    Date(NaiveDate),
}

/// One group of a report, with its subgroups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportGroup {
    pub level: GroupBy,
    pub key: GroupKey,
    pub label: String,
    pub seconds: i64,
    /// `None` when the viewer may not see billable flags.
    pub billable_seconds: Option<i64>,
    /// Per currency; `None` when the viewer may not see money.
    pub amounts: Option<Vec<Money>>,
    pub entries: i64,
    pub children: Vec<ReportGroup>,
}

/// How much of a budgeted project's budget is used (over all time).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportBudget {
    pub project_id: i64,
    pub project: String,
    /// `None` when the budget is money and the viewer may not see money.
    pub budget: Option<Budget>,
    pub currency: Currency,
    pub tracked_seconds: i64,
    /// Billable amount in the project's currency, when the viewer may see money.
    pub amount: Option<Money>,
    /// Percent used; may exceed 100.
    pub percent: Option<i64>,
}

/// A summary report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub range: RangeSpec,
    /// First and last local day, both included.
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The viewer's IANA time zone the days are in.
    pub time_zone: String,
    pub group_by: Vec<GroupBy>,
    pub total_seconds: i64,
    /// `None` when the viewer may not see billable flags.
    pub billable_seconds: Option<i64>,
    /// Per currency; `None` when the viewer may not see money.
    pub amounts: Option<Vec<Money>>,
    pub entries: i64,
    pub groups: Vec<ReportGroup>,
    pub budgets: Vec<ReportBudget>,
    pub generated_at: DateTime<Utc>,
}

/// One entry of a detailed report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DetailedRow {
    pub entry_id: i64,
    /// The local day it starts on, in the viewer's zone.
    pub date: NaiveDate,
    /// Local start `09:30`, in the viewer's zone.
    pub start: String,
    pub member_id: i64,
    pub member: String,
    pub project_id: i64,
    pub project: String,
    pub client: Option<String>,
    pub task: Option<String>,
    pub tags: Vec<String>,
    pub description: String,
    pub seconds: i64,
    pub running: bool,
    /// `None` when the viewer may not see billable flags.
    pub billable: Option<bool>,
    /// For billable entries with a rate, when the viewer may see money.
    pub amount: Option<Money>,
}

/// One page of a detailed report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DetailedPage {
    pub range: RangeSpec,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub time_zone: String,
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
    pub pages: u32,
    pub total_entries: i64,
    pub billable_visible: bool,
    pub amounts_visible: bool,
    /// False when a shared link hides people.
    pub members_visible: bool,
    pub rows: Vec<DetailedRow>,
}

// ---------------------------------------------------------------------------------------
// Who sees what
// ---------------------------------------------------------------------------------------

/// Everything about the viewer a report needs.
struct Context {
    me: Member,
    workspace_id: i64,
    settings: crate::domain::settings::Settings,
    tz: Tz,
    week_start: Weekday,
    from: NaiveDate,
    to: NaiveDate,
    now: DateTime<Utc>,
    billable_visible: bool,
    money_visible: bool,
    /// The report is by task or filters tasks (a Guest's shares must expose tasks).
    by_task: bool,
}

type PooledConn = sqlx::pool::PoolConnection<sqlx::Any>;

async fn context(
    app: &App,
    actor: &Actor,
    query: &ReportQuery,
) -> AppResult<(Context, PooledConn)> {
    query.check()?;
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    let settings = store::workspaces::load_settings(&mut conn, workspace.id).await?;
    let prefs = prefs_of(&mut conn, me.id).await?;
    let now = app.clock.now();
    let (from, to) = query.range.resolve(now, prefs.time_zone, prefs.week_start);
    let billable_visible = rules::can_see_billable(me.role, &settings);
    let money_visible = rules::can_see_rates(me.role, &settings);
    if !billable_visible
        && (query.billable.is_some() || query.group_by.contains(&GroupBy::Billable))
    {
        return Err(AppError::denied(if me.role == Role::Guest {
            "Guests don't see whether time is billable, so a report can't filter or group by it."
                .to_string()
        } else {
            "You can't see whether time is billable in this workspace (setting who_can_change_billable is admins), so a report can't filter or group by it. Leave out billable.".to_string()
        }));
    }
    if me.role == Role::Guest
        && (query.group_by.contains(&GroupBy::Member) || !query.members.is_empty())
    {
        return Err(AppError::denied(
            "Guests don't see time per person; group the report by project, task, day, week or month instead.",
        ));
    }
    if me.role == Role::Guest && (query.group_by.contains(&GroupBy::Tag) || !query.tags.is_empty())
    {
        return Err(AppError::denied(
            "Tags aren't shared with guests; leave out tags.",
        ));
    }
    Ok((
        Context {
            workspace_id: workspace.id,
            settings,
            tz: prefs.time_zone,
            week_start: prefs.week_start,
            from,
            to,
            now,
            billable_visible,
            money_visible,
            by_task: query.group_by.contains(&GroupBy::Task) || !query.tasks.is_empty(),
            me,
        },
        conn,
    ))
}

/// The ids in `all` for which `sees` holds, or `Any` when the rule would hold for every
/// project, including one made a moment ago.
fn project_set(all: &[(i64, bool)], sees: impl Fn(ProjectFacts) -> bool) -> IdSet {
    let any_project = [true, false].into_iter().all(|is_public| {
        sees(ProjectFacts {
            is_public,
            viewer_manages: false,
        })
    });
    if any_project {
        return IdSet::Any;
    }
    IdSet::In(
        all.iter()
            .filter(|(_, public)| {
                sees(ProjectFacts {
                    is_public: *public,
                    viewer_manages: false,
                })
            })
            .map(|(id, _)| *id)
            .collect(),
    )
}

/// A Guest's rows: everyone's entries on the projects shared with them, and when the report
/// is by task, only on the shares that expose tasks.
async fn guest_visible(conn: &mut Conn, c: &Context) -> AppResult<Visible> {
    let shares = store::sharing::live_shares_of_guest(conn, c.me.id).await?;
    let projects: Vec<i64> = shares
        .iter()
        .filter(|share| share.workspace_id == c.workspace_id)
        .filter(|share| !c.by_task || share.fields.contains(SharedField::Tasks))
        .map(|share| share.project_id)
        .collect();
    if projects.is_empty() {
        return Ok(Visible::Slices(Vec::new()));
    }
    Ok(Visible::Slices(vec![Slice {
        members: IdSet::Any,
        projects: IdSet::In(projects),
    }]))
}

/// The entries `me` may see, as slices: the rule is asked for the viewer's own entries, their
/// team's and everyone else's, against each project.
async fn visible(conn: &mut Conn, c: &Context) -> AppResult<Visible> {
    let me = &c.me;
    if me.role == Role::Guest {
        return guest_visible(conn, c).await;
    }
    let projects = db::project_privacy(conn, c.workspace_id).await?;
    let managed: HashSet<i64> = if me.role == Role::Member {
        store::entries::managed_projects(conn, me.id)
            .await?
            .into_iter()
            .collect()
    } else {
        HashSet::new()
    };
    let team = store::team::members_of(conn, me.id).await?;
    let mut kinds = vec![(
        IdSet::In(vec![me.id]),
        Relation {
            actor: me.role,
            own: true,
            team_manager: false,
        },
    )];
    if !team.is_empty() {
        kinds.push((
            IdSet::In(team.clone()),
            Relation {
                actor: me.role,
                own: false,
                team_manager: true,
            },
        ));
    }
    let mut known = team;
    known.push(me.id);
    kinds.push((
        IdSet::NotIn(known),
        Relation {
            actor: me.role,
            own: false,
            team_manager: false,
        },
    ));
    let kinds_count = kinds.len();
    let mut slices = Vec::new();
    for (members, relation) in kinds {
        let sees = |facts: ProjectFacts| rules::can_see_entry(relation, facts, &c.settings);
        let mut set = project_set(&projects, sees);
        if !managed.is_empty() {
            // Projects the viewer manages: ask the rule with that fact too.
            if let IdSet::In(list) = &mut set {
                for (id, public) in &projects {
                    if managed.contains(id)
                        && !list.contains(id)
                        && sees(ProjectFacts {
                            is_public: *public,
                            viewer_manages: true,
                        })
                    {
                        list.push(*id);
                    }
                }
            }
        }
        match &set {
            IdSet::In(list) if list.is_empty() => {}
            _ => slices.push(Slice {
                members,
                projects: set,
            }),
        }
    }
    // The kinds of owner cover everyone: if each sees every project, no condition is needed.
    if slices.len() == kinds_count && slices.iter().all(|s| s.projects == IdSet::Any) {
        return Ok(Visible::All);
    }
    Ok(Visible::Slices(slices))
}

fn filter(c: &Context, query: &ReportQuery, visible: Visible) -> Filter {
    Filter {
        workspace_id: c.workspace_id,
        from: day_bounds_utc(c.from, c.tz).0,
        to: day_bounds_utc(c.to, c.tz).1,
        visible,
        projects: query.projects.clone(),
        clients: query.clients.clone(),
        members: query.members.clone(),
        tags: query.tags.clone(),
        tasks: query.tasks.clone(),
        billable: query.billable,
    }
}

// ---------------------------------------------------------------------------------------
// Summary
// ---------------------------------------------------------------------------------------

fn dim_of(level: GroupBy) -> Dim {
    match level {
        GroupBy::Project => Dim::Project,
        GroupBy::Client => Dim::Client,
        GroupBy::Member => Dim::Member,
        GroupBy::Task => Dim::Task,
        GroupBy::Tag => Dim::Tag,
        GroupBy::Billable => Dim::Billable,
        GroupBy::Day | GroupBy::Week | GroupBy::Month => Dim::Day,
    }
}

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or(NaiveDate::MIN)
}

#[derive(Debug, Clone, Default)]
struct Sums {
    millis: i64,
    billable_millis: i64,
    /// By currency code; `None` is the workspace currency.
    amounts: BTreeMap<Option<String>, i64>,
    entries: i64,
}

impl Sums {
    fn add(&mut self, other: &Sums) {
        self.millis += other.millis;
        self.billable_millis += other.billable_millis;
        self.entries += other.entries;
        for (currency, amount) in &other.amounts {
            *self.amounts.entry(currency.clone()).or_default() += amount;
        }
    }

    fn of(row: &AggRow) -> Sums {
        let mut amounts = BTreeMap::new();
        if row.amount != 0 {
            amounts.insert(row.currency.clone(), row.amount);
        }
        Sums {
            millis: row.millis,
            billable_millis: row.billable_millis,
            amounts,
            entries: row.entries,
        }
    }
}

type Key = Vec<Option<i64>>;

/// Rows keyed by their levels' keys, with days moved into their weeks or months.
fn rollup(rows: &[AggRow], levels: &[GroupBy], week_start: Weekday) -> HashMap<Key, Sums> {
    let mut out: HashMap<Key, Sums> = HashMap::new();
    for row in rows {
        let key: Key = row
            .keys
            .iter()
            .zip(levels)
            .map(|(key, level)| match (level.is_time(), key) {
                (true, Some(days)) => day_from_number(*days)
                    .map(|day| (bucket(*level, day, week_start) - epoch()).num_days()),
                _ => *key,
            })
            .collect();
        out.entry(key).or_default().add(&Sums::of(row));
    }
    out
}

/// Ranges at least this long are summed in two halves at once on SQLite.
const SPLIT_SPAN_DAYS: i64 = 180;

/// `db::aggregate`, on SQLite in two halves of the range on two connections at once when the
/// range is long and the pre-summed totals don't answer it: a query runs on one core, the sums add up (rows with the same keys are
/// merged by `rollup`), and each entry falls in exactly one half by its start. PostgreSQL
/// splits a large scan over its own parallel workers.
async fn aggregate(
    store: &Store,
    conn: &mut Conn,
    f: &Filter,
    dims: &[Dim],
    pieces: &[(i64, i64)],
    pricing: Option<&db::RateBook>,
    now: DateTime<Utc>,
) -> AppResult<Vec<AggRow>> {
    let long =
        f.to - f.from >= chrono::Duration::days(SPLIT_SPAN_DAYS) && !db::reads_totals(f, dims);
    // Only with a connection free right now: waiting for one while holding another could
    // starve the pool when many long reports run at once.
    let spare = if long && store.kind() == DbKind::Sqlite {
        store.pool().try_acquire()
    } else {
        None
    };
    let Some(mut other) = spare else {
        return Ok(db::aggregate(conn, f, dims, pieces, pricing, now).await?);
    };
    let middle = f.from + (f.to - f.from) / 2;
    let first = Filter {
        to: middle,
        ..f.clone()
    };
    let second = Filter {
        from: middle,
        ..f.clone()
    };
    let (a, b) = tokio::join!(
        db::aggregate(conn, &first, dims, pieces, pricing, now),
        db::aggregate(&mut other, &second, dims, pieces, pricing, now)
    );
    let mut rows = a?;
    rows.extend(b?);
    Ok(rows)
}

/// Sums for each prefix of the levels: `result[k]` is keyed by the first `k` levels' keys.
async fn sums_by_prefix(
    store: &Store,
    conn: &mut Conn,
    c: &Context,
    f: &Filter,
    levels: &[GroupBy],
) -> AppResult<Vec<HashMap<Key, Sums>>> {
    let dims: Vec<Dim> = levels.iter().map(|l| dim_of(*l)).collect();
    let pieces = if levels.iter().any(|l| l.is_time()) {
        offset_pieces(c.tz, f.from.timestamp_millis(), f.to.timestamp_millis())
    } else {
        Vec::new()
    };
    let pricing = if c.money_visible {
        Some(db::rate_book(conn, c.workspace_id).await?)
    } else {
        None
    };
    let mut out = Vec::with_capacity(levels.len() + 1);
    if levels.contains(&GroupBy::Tag) {
        // An entry counts once per tag: each prefix needs its own sums (and the total its
        // own), or entries with several tags would be counted twice in the levels above.
        for k in 0..=levels.len() {
            let rows =
                aggregate(store, conn, f, &dims[..k], &pieces, pricing.as_ref(), c.now).await?;
            out.push(rollup(&rows, &levels[..k], c.week_start));
        }
        return Ok(out);
    }
    let rows = aggregate(store, conn, f, &dims, &pieces, pricing.as_ref(), c.now).await?;
    let full = rollup(&rows, levels, c.week_start);
    out.resize_with(levels.len() + 1, HashMap::new);
    for k in (0..levels.len()).rev() {
        let mut level: HashMap<Key, Sums> = HashMap::new();
        let source = if k + 1 == levels.len() {
            &full
        } else {
            &out[k + 1]
        };
        for (key, sums) in source {
            level.entry(key[..k].to_vec()).or_default().add(sums);
        }
        out[k] = level;
    }
    out[levels.len()] = full;
    Ok(out)
}

/// Names for the ids at each level.
async fn labels(
    conn: &mut Conn,
    levels: &[GroupBy],
    sums: &[HashMap<Key, Sums>],
) -> AppResult<Vec<HashMap<i64, String>>> {
    let mut out = Vec::with_capacity(levels.len());
    for (i, level) in levels.iter().enumerate() {
        let table = match level {
            GroupBy::Project => Some(NameTable::Projects),
            GroupBy::Client => Some(NameTable::Clients),
            GroupBy::Member => Some(NameTable::Members),
            GroupBy::Task => Some(NameTable::Tasks),
            GroupBy::Tag => Some(NameTable::Tags),
            _ => None,
        };
        let names = match table {
            Some(table) => {
                let ids: Vec<i64> = sums[i + 1]
                    .keys()
                    .filter_map(|key| key.get(i).copied().flatten())
                    .collect::<HashSet<_>>()
                    .into_iter()
                    .collect();
                db::names(conn, table, &ids).await?
            }
            None => HashMap::new(),
        };
        out.push(names);
    }
    Ok(out)
}

fn money_list(amounts: &BTreeMap<Option<String>, i64>, workspace: &Currency) -> Vec<Money> {
    let mut out: Vec<Money> = Vec::new();
    for (code, minor) in amounts {
        let currency = code
            .as_deref()
            .and_then(|c| Currency::parse(c).ok())
            .unwrap_or_else(|| workspace.clone());
        match out.iter_mut().find(|m| m.currency == currency) {
            Some(sum) => sum.minor += minor,
            None => out.push(Money {
                minor: *minor,
                currency,
            }),
        }
    }
    out.retain(|m| m.minor != 0);
    out.sort_by(|a, b| a.currency.as_str().cmp(b.currency.as_str()));
    out
}

struct Shape<'a> {
    levels: &'a [GroupBy],
    sums: &'a [HashMap<Key, Sums>],
    /// Per level k (1-based index k-1): the keys below each parent key.
    children: Vec<HashMap<Key, Vec<Key>>>,
    labels: Vec<HashMap<i64, String>>,
    billable_visible: bool,
    money: Option<Currency>,
}

impl Shape<'_> {
    fn group(&self, depth: usize, key: &Key) -> Option<ReportGroup> {
        let level = self.levels[depth];
        let sums = self.sums[depth + 1].get(key)?;
        let raw = key.get(depth).copied().flatten();
        let (group_key, label) = match level {
            GroupBy::Billable => {
                let flag = raw.unwrap_or(0) != 0;
                (
                    GroupKey::Flag(flag),
                    if flag { "Billable" } else { "Non-billable" }.to_string(),
                )
            }
            l if l.is_time() => {
                let date = raw.and_then(day_from_number).unwrap_or_else(epoch);
                (GroupKey::Date(date), bucket_label(l, date))
            }
            l => {
                let label = match raw {
                    Some(id) => self.labels[depth]
                        .get(&id)
                        .cloned()
                        .unwrap_or_else(|| format!("#{id}")),
                    None => match l {
                        GroupBy::Client => "(no client)".into(),
                        GroupBy::Task => "(no task)".into(),
                        GroupBy::Tag => "(no tag)".into(),
                        _ => "(none)".into(),
                    },
                };
                (GroupKey::Id(raw), label)
            }
        };
        let children = if depth + 1 < self.levels.len() {
            self.groups(depth + 1, key)
        } else {
            Vec::new()
        };
        Some(ReportGroup {
            level,
            key: group_key,
            label,
            seconds: sums.millis / 1000,
            billable_seconds: self.billable_visible.then_some(sums.billable_millis / 1000),
            amounts: self.money.as_ref().map(|ws| money_list(&sums.amounts, ws)),
            entries: sums.entries,
            children,
        })
    }

    fn groups(&self, depth: usize, parent: &Key) -> Vec<ReportGroup> {
        let Some(keys) = self.children[depth].get(parent) else {
            return Vec::new();
        };
        let mut groups: Vec<ReportGroup> =
            keys.iter().filter_map(|k| self.group(depth, k)).collect();
        let level = self.levels[depth];
        groups.sort_by(|a, b| match level {
            l if l.is_time() => a.key_date().cmp(&b.key_date()),
            GroupBy::Billable => b.key_flag().cmp(&a.key_flag()),
            _ => b
                .seconds
                .cmp(&a.seconds)
                .then_with(|| a.label.cmp(&b.label)),
        });
        groups
    }
}

impl ReportGroup {
    fn key_date(&self) -> Option<NaiveDate> {
        match self.key {
            GroupKey::Date(d) => Some(d),
            _ => None,
        }
    }

    fn key_flag(&self) -> Option<bool> {
        match self.key {
            GroupKey::Flag(f) => Some(f),
            _ => None,
        }
    }
}

async fn budgets(conn: &mut Conn, c: &Context, f: &Filter) -> AppResult<Vec<ReportBudget>> {
    let ids = db::budgeted_projects_in(conn, f).await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let (workspace_rate, workspace_currency) =
        store::rates::workspace_rate(conn, c.workspace_id).await?;
    let totals = db::budget_totals(
        conn,
        &ids,
        workspace_rate,
        workspace_currency.as_str(),
        c.now,
    )
    .await?;
    let mut out = Vec::new();
    for id in ids {
        let Some((project, membership)) =
            store::projects::find_project(conn, c.workspace_id, id, c.me.id).await?
        else {
            continue;
        };
        if !project_rules::can_see_project(Standing::new(c.me.role, membership), project.privacy) {
            continue;
        }
        let used = super::rates::budget_of(
            &project,
            totals.get(&id).copied().unwrap_or_default(),
            c.money_visible,
        );
        out.push(ReportBudget {
            project_id: used.project_id,
            project: used.project,
            budget: used.budget,
            currency: used.currency,
            tracked_seconds: used.tracked.num_seconds(),
            amount: used.amount,
            percent: used.percent,
        });
    }
    out.sort_by(|a, b| a.project.cmp(&b.project));
    Ok(out)
}

/// A summary report of the entries the actor may see now.
pub async fn summary(app: &App, actor: &Actor, query: &ReportQuery) -> AppResult<Report> {
    let (c, mut conn) = context(app, actor, query).await?;
    let visible = visible(&mut conn, &c).await?;
    let f = filter(&c, query, visible);
    let levels = &query.group_by;
    let sums = sums_by_prefix(&app.store, &mut conn, &c, &f, levels).await?;
    let names = labels(&mut conn, levels, &sums).await?;
    let mut children: Vec<HashMap<Key, Vec<Key>>> = vec![HashMap::new(); levels.len()];
    for (depth, map) in children.iter_mut().enumerate() {
        for key in sums[depth + 1].keys() {
            map.entry(key[..depth].to_vec())
                .or_default()
                .push(key.clone());
        }
    }
    let money = if c.money_visible {
        Some(
            store::rates::workspace_rate(&mut conn, c.workspace_id)
                .await?
                .1,
        )
    } else {
        None
    };
    let shape = Shape {
        levels,
        sums: &sums,
        children,
        labels: names,
        billable_visible: c.billable_visible,
        money: money.clone(),
    };
    let groups = shape.groups(0, &Vec::new());
    let total = sums[0].get(&Vec::new()).cloned().unwrap_or_default();
    let budgets = if c.me.role == Role::Guest || !query.budgets {
        Vec::new()
    } else {
        budgets(&mut conn, &c, &f).await?
    };
    Ok(Report {
        range: query.range,
        from: c.from,
        to: c.to,
        time_zone: c.tz.name().to_string(),
        group_by: levels.clone(),
        total_seconds: total.millis / 1000,
        billable_seconds: c.billable_visible.then_some(total.billable_millis / 1000),
        amounts: money.as_ref().map(|ws| money_list(&total.amounts, ws)),
        entries: total.entries,
        groups,
        budgets,
        generated_at: c.now,
    })
}

// ---------------------------------------------------------------------------------------
// Detailed
// ---------------------------------------------------------------------------------------

/// One page (1-based) of the entries the actor may see, in order of start.
pub async fn detailed(
    app: &App,
    actor: &Actor,
    query: &ReportQuery,
    page: u32,
    per_page: u32,
) -> AppResult<DetailedPage> {
    if per_page == 0 || per_page > MAX_PER_PAGE {
        return Err(AppError::invalid(format!(
            "A page holds 1 to {MAX_PER_PAGE} entries; {per_page} was asked for."
        )));
    }
    if page == 0 {
        return Err(AppError::invalid("Pages are numbered from 1."));
    }
    let (c, mut conn) = context(app, actor, query).await?;
    if c.me.role == Role::Guest {
        return Err(AppError::denied(
            "Guests see totals of the projects shared with them, not the list of entries (it names people). Use a summary report.",
        ));
    }
    let visible = visible(&mut conn, &c).await?;
    let f = filter(&c, query, visible);
    let total = db::count(&mut conn, &f).await?;
    let pages = u32::try_from((total + i64::from(per_page) - 1) / i64::from(per_page))
        .unwrap_or(u32::MAX)
        .max(1);
    if page > pages {
        return Err(AppError::invalid(format!(
            "There is no page {page}: this report has {pages} page{}.",
            if pages == 1 { "" } else { "s" }
        )));
    }
    let entries = if total == 0 {
        Vec::new()
    } else {
        db::page(
            &mut conn,
            &f,
            i64::from(per_page),
            i64::from(page - 1) * i64::from(per_page),
        )
        .await?
    };
    let ids: Vec<i64> = entries.iter().map(|e| e.id).collect();
    let mut tags = store::entries::tags_of(&mut conn, &ids).await?;
    let project_ids: Vec<i64> = entries
        .iter()
        .map(|e| e.project_id)
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let clients = db::project_clients(&mut conn, &project_ids).await?;
    let workspace = store::workspaces::find(&mut conn, c.workspace_id)
        .await?
        .ok_or_else(|| AppError::not_found("This workspace was just deleted."))?;
    let viewing = Viewing::new(&mut conn, &workspace, &c.me, &c.settings, c.now).await?;
    let rows = entries
        .iter()
        .map(|e| {
            let duration = (e.end_or(c.now) - e.started_at).max(chrono::Duration::zero());
            let local = e.started_at.with_timezone(&c.tz);
            DetailedRow {
                entry_id: e.id,
                date: local.date_naive(),
                start: local.format("%H:%M").to_string(),
                member_id: e.member_id,
                member: e.member_name.clone(),
                project_id: e.project_id,
                project: e.project_name.clone(),
                client: clients.get(&e.project_id).map(|(_, name)| name.clone()),
                task: e.task_name.clone(),
                tags: tags
                    .remove(&e.id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(_, name)| name)
                    .collect(),
                description: e.description.clone(),
                seconds: duration.num_seconds(),
                running: e.running(),
                billable: c.billable_visible.then_some(e.billable),
                amount: viewing.amount(e, duration),
            }
        })
        .collect();
    Ok(DetailedPage {
        range: query.range,
        from: c.from,
        to: c.to,
        time_zone: c.tz.name().to_string(),
        page,
        per_page,
        pages,
        total_entries: total,
        billable_visible: c.billable_visible,
        amounts_visible: c.money_visible,
        members_visible: true,
        rows,
    })
}

// ---------------------------------------------------------------------------------------
// Hiding for shared links, and CSV
// ---------------------------------------------------------------------------------------

fn hide_group(group: &mut ReportGroup, options: &ReportOptions, people: &mut Vec<i64>) {
    if options.hide_amounts {
        group.amounts = None;
    }
    if options.hide_members && group.level == GroupBy::Member {
        let id = match group.key {
            GroupKey::Id(Some(id)) => id,
            _ => 0,
        };
        let n = match people.iter().position(|p| *p == id) {
            Some(i) => i + 1,
            None => {
                people.push(id);
                people.len()
            }
        };
        group.key = GroupKey::Id(i64::try_from(n).ok());
        group.label = format!("Person {n}");
    }
    for child in &mut group.children {
        hide_group(child, options, people);
    }
}

impl Report {
    /// Hides what a shared link says to hide: amounts, and people's names and ids (each
    /// person becomes "Person 1", "Person 2", … in order of appearance).
    pub fn redact(&mut self, options: &ReportOptions) {
        if options.hide_amounts {
            self.amounts = None;
            for budget in &mut self.budgets {
                budget.amount = None;
                if matches!(budget.budget, Some(Budget::Money { .. })) {
                    budget.budget = None;
                    budget.percent = None;
                }
            }
        }
        let mut people = Vec::new();
        for group in &mut self.groups {
            hide_group(group, options, &mut people);
        }
    }

    /// The currencies that appear anywhere in the report, in order.
    fn currencies(&self) -> Vec<Currency> {
        fn walk(groups: &[ReportGroup], out: &mut Vec<Currency>) {
            for g in groups {
                for m in g.amounts.iter().flatten() {
                    if !out.contains(&m.currency) {
                        out.push(m.currency.clone());
                    }
                }
                walk(&g.children, out);
            }
        }
        let mut out: Vec<Currency> = Vec::new();
        for m in self.amounts.iter().flatten() {
            if !out.contains(&m.currency) {
                out.push(m.currency.clone());
            }
        }
        walk(&self.groups, &mut out);
        out.sort_by(|a, b| a.as_str().cmp(b.as_str()));
        out
    }

    /// The report as CSV: one row per group (its path in the first columns), then the total.
    pub fn to_csv(&self) -> String {
        let mut csv = Csv::new();
        let currencies = if self.amounts.is_some() {
            self.currencies()
        } else {
            Vec::new()
        };
        for level in &self.group_by {
            csv.text(level.as_str());
        }
        csv.text("hours").text("duration");
        if self.billable_seconds.is_some() {
            csv.text("billable hours");
        }
        for currency in &currencies {
            csv.text(&format!("amount {currency}"));
        }
        csv.end_row();
        fn cells(
            csv: &mut Csv,
            seconds: i64,
            billable: Option<i64>,
            amounts: &Option<Vec<Money>>,
            currencies: &[Currency],
        ) {
            csv.number(decimal_hours(seconds)).number(hm(seconds));
            if let Some(b) = billable {
                csv.number(decimal_hours(b));
            }
            for currency in currencies {
                let minor = amounts
                    .iter()
                    .flatten()
                    .find(|m| &m.currency == currency)
                    .map(|m| m.minor)
                    .unwrap_or(0);
                csv.number(decimal_money(minor, currency.minor_digits()));
            }
            csv.end_row();
        }
        fn walk(
            csv: &mut Csv,
            groups: &[ReportGroup],
            path: &mut Vec<String>,
            levels: usize,
            currencies: &[Currency],
        ) {
            for g in groups {
                path.push(g.label.clone());
                for i in 0..levels {
                    match path.get(i) {
                        Some(label) => csv.text(label),
                        None => csv.empty(),
                    };
                }
                cells(csv, g.seconds, g.billable_seconds, &g.amounts, currencies);
                walk(csv, &g.children, path, levels, currencies);
                path.pop();
            }
        }
        walk(
            &mut csv,
            &self.groups,
            &mut Vec::new(),
            self.group_by.len(),
            &currencies,
        );
        csv.text("Total");
        for _ in 1..self.group_by.len() {
            csv.empty();
        }
        cells(
            &mut csv,
            self.total_seconds,
            self.billable_seconds,
            &self.amounts,
            &currencies,
        );
        csv.finish()
    }
}

/// `H:MM` from seconds, as spreadsheets read durations.
fn hm(seconds: i64) -> String {
    let minutes = seconds / 60;
    format!("{}:{:02}", minutes / 60, minutes % 60)
}

impl DetailedPage {
    /// Hides amounts and/or people's names and ids.
    pub fn redact(&mut self, options: &ReportOptions) {
        if options.hide_amounts {
            self.amounts_visible = false;
        }
        if options.hide_members {
            self.members_visible = false;
        }
        for row in &mut self.rows {
            if options.hide_amounts {
                row.amount = None;
            }
            if options.hide_members {
                row.member = String::new();
                row.member_id = 0;
            }
        }
    }

    /// The page as CSV, one row per entry.
    pub fn to_csv(&self) -> String {
        let mut csv = Csv::new();
        let members = self.members_visible;
        let mut header = vec!["date", "start"];
        if members {
            header.push("member");
        }
        header.extend([
            "project",
            "client",
            "task",
            "tags",
            "description",
            "duration",
            "hours",
        ]);
        if self.billable_visible {
            header.push("billable");
        }
        if self.amounts_visible {
            header.extend(["amount", "currency"]);
        }
        csv.row(header);
        for r in &self.rows {
            csv.number(r.date).number(&r.start);
            if members {
                csv.text(&r.member);
            }
            csv.text(&r.project)
                .text(r.client.as_deref().unwrap_or(""))
                .text(r.task.as_deref().unwrap_or(""))
                .text(&r.tags.join(", "))
                .text(&r.description)
                .number(hm(r.seconds))
                .number(decimal_hours(r.seconds));
            if self.billable_visible {
                csv.text(match r.billable {
                    Some(true) => "yes",
                    Some(false) => "no",
                    None => "",
                });
            }
            if self.amounts_visible {
                match &r.amount {
                    Some(m) => {
                        csv.number(decimal_money(m.minor, m.currency.minor_digits()))
                            .text(m.currency.as_str());
                    }
                    None => {
                        csv.empty().empty();
                    }
                }
            }
            csv.end_row();
        }
        csv.finish()
    }
}
