//! Report queries: the entries a report covers, aggregated in the database (sums per group),
//! a page of them in order, and budget totals. Portable SQL for SQLite and PostgreSQL.
//!
//! Who sees which entries is decided by the app layer with the rulebook's own function; it
//! arrives here as [`Visible`], a union of (members × projects) slices on the entry's own
//! columns, so the database can use the report index without joins. Ids are written into the
//! SQL as integer literals (they are `i64`, never text), which keeps statements with hundreds
//! of ids within both databases' parameter limits.
//!
//! Sums are `CAST(… AS BIGINT)` because PostgreSQL's `SUM(bigint)` is `numeric`, which the
//! `Any` driver can't read. Money mirrors `domain::entries::amount` per entry (rate × ms,
//! rounded half up to minor units) and `Rates::effective_level` (project member, project,
//! member, workspace). On SQLite the workspace's rates are written into the statement as a
//! search over ids ([`RateBook`]) rather than joined per entry; PostgreSQL hash-joins the rate
//! tables. The report tests check both against entry views.

use std::collections::HashMap;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::entries::{entry_from_row, Entry, SELECT};
use super::{millis, Conn, StoreError};

/// A set of ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdSet {
    Any,
    In(Vec<i64>),
    NotIn(Vec<i64>),
}

/// Entries of these members on these projects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slice {
    pub members: IdSet,
    pub projects: IdSet,
}

/// The entries a viewer may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visible {
    All,
    /// A union of slices; empty means nothing.
    Slices(Vec<Slice>),
}

/// Which entries a report covers.
#[derive(Debug, Clone)]
pub struct Filter {
    pub workspace_id: i64,
    /// Entries starting within `[from, to)`.
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub visible: Visible,
    pub projects: Vec<i64>,
    pub clients: Vec<i64>,
    pub members: Vec<i64>,
    pub tags: Vec<i64>,
    pub tasks: Vec<i64>,
    pub billable: Option<bool>,
}

/// A column a report groups by in the database (weeks and months are rolled up from days).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Dim {
    Project,
    Client,
    Member,
    Task,
    Tag,
    Billable,
    /// The local day, as days since 1970-01-01, given the zone's offset pieces.
    Day,
}

/// Every rate that prices time in a workspace, as the report query reads them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateBook {
    pub workspace_rate: Option<i64>,
    pub workspace_currency: String,
    /// Members with a rate of their own: (member id, rate), by id.
    pub members: Vec<(i64, i64)>,
    /// Projects with a rate of their own or for one of their members, by id.
    pub projects: Vec<ProjectRates>,
}

/// A project's rates: its own, and its members' rates on it (project-member rates).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectRates {
    pub id: i64,
    pub rate: Option<i64>,
    pub currency: String,
    /// (member id, rate), by member id.
    pub members: Vec<(i64, i64)>,
}

/// The rates of a workspace (a few small reads: rates are per member, project and pair, never
/// per entry).
pub async fn rate_book(conn: &mut Conn, workspace_id: i64) -> Result<RateBook, StoreError> {
    let (workspace_rate, currency) = super::rates::workspace_rate(conn, workspace_id).await?;
    let members = sqlx::query(
        "SELECT id, hourly_rate FROM members
         WHERE workspace_id = $1 AND hourly_rate IS NOT NULL ORDER BY id",
    )
    .bind(workspace_id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|row| Ok((row.try_get("id")?, row.try_get("hourly_rate")?)))
    .collect::<Result<Vec<(i64, i64)>, StoreError>>()?;
    let pairs = sqlx::query(
        "SELECT r.project_id, r.member_id, r.hourly_rate FROM project_member_rates r
         JOIN projects p ON p.id = r.project_id
         WHERE p.workspace_id = $1 ORDER BY r.project_id, r.member_id",
    )
    .bind(workspace_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut by_project: HashMap<i64, Vec<(i64, i64)>> = HashMap::new();
    for row in &pairs {
        by_project
            .entry(row.try_get("project_id")?)
            .or_default()
            .push((row.try_get("member_id")?, row.try_get("hourly_rate")?));
    }
    let rows = sqlx::query(
        "SELECT id, hourly_rate, currency FROM projects WHERE workspace_id = $1 ORDER BY id",
    )
    .bind(workspace_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut projects = Vec::new();
    for row in rows {
        let id: i64 = row.try_get("id")?;
        let rate: Option<i64> = row.try_get("hourly_rate")?;
        let members = by_project.remove(&id).unwrap_or_default();
        if rate.is_some() || !members.is_empty() {
            projects.push(ProjectRates {
                id,
                rate,
                currency: row.try_get("currency")?,
                members,
            });
        }
    }
    Ok(RateBook {
        workspace_rate,
        workspace_currency: currency.as_str().to_string(),
        members,
        projects,
    })
}

/// A balanced search on `column` over `(id, value)` pairs sorted by id, as a nested `CASE`:
/// about log2(n) integer comparisons per row, where a join costs a B-tree seek or a hash
/// probe per row (most of a large priced report's time). `miss` is the value for other ids.
fn lookup(column: &str, items: &[(i64, String)], miss: &str, out: &mut String) {
    match items {
        [] => out.push_str(miss),
        _ if items.len() <= 4 => {
            let _ = write!(out, "CASE {column}");
            for (id, value) in items {
                let _ = write!(out, " WHEN {id} THEN {value}");
            }
            let _ = write!(out, " ELSE {miss} END");
        }
        _ => {
            let (low, high) = items.split_at(items.len() / 2);
            let _ = write!(out, "CASE WHEN {column} < {} THEN ", high[0].0);
            lookup(column, low, miss, out);
            out.push_str(" ELSE ");
            lookup(column, high, miss, out);
            out.push_str(" END");
        }
    }
}

fn lookup_expr(column: &str, items: &[(i64, String)], miss: &str) -> String {
    let mut out = String::new();
    lookup(column, items, miss, &mut out);
    out
}

fn numbers(items: &[(i64, i64)]) -> Vec<(i64, String)> {
    items.iter().map(|(id, v)| (*id, v.to_string())).collect()
}

impl RateBook {
    /// The rate of an entry, as `Rates::effective_level` picks it (project member, project,
    /// member, workspace), over `e.project_id` and `e.member_id`; `None` when nothing is priced.
    fn rate_expr(&self) -> Option<String> {
        let project_leaves: Vec<(i64, String)> = self
            .projects
            .iter()
            .map(|p| {
                let own = p.rate.map_or_else(|| "NULL".to_string(), |r| r.to_string());
                let leaf = if p.members.is_empty() {
                    own
                } else {
                    lookup_expr("e.member_id", &numbers(&p.members), &own)
                };
                (p.id, leaf)
            })
            .collect();
        let workspace = self
            .workspace_rate
            .map_or_else(|| "NULL".to_string(), |r| r.to_string());
        let member = lookup_expr("e.member_id", &numbers(&self.members), &workspace);
        match (project_leaves.is_empty(), member.as_str()) {
            (true, "NULL") => None,
            (true, _) => Some(member),
            // COALESCE stops at the first value, so the member search runs only on a miss.
            (false, _) => Some(format!(
                "COALESCE({}, {member})",
                lookup_expr("e.project_id", &project_leaves, "NULL")
            )),
        }
    }

    /// The currencies other than the workspace's that project-level rates are in.
    fn foreign_currencies(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for p in &self.projects {
            if p.currency != self.workspace_currency && !out.contains(&p.currency) {
                out.push(p.currency.clone());
            }
        }
        out
    }

    /// The currency of an entry's amount as a number: 0 for the workspace currency, `k` for
    /// `foreign[k - 1]` (a project-level rate in another currency applied).
    fn currency_expr(&self, foreign: &[String]) -> String {
        let leaves: Vec<(i64, String)> = self
            .projects
            .iter()
            .filter_map(|p| {
                let k = foreign.iter().position(|c| *c == p.currency)? + 1;
                let leaf = if p.rate.is_some() {
                    k.to_string()
                } else {
                    let pairs: Vec<(i64, String)> =
                        p.members.iter().map(|(m, _)| (*m, k.to_string())).collect();
                    lookup_expr("e.member_id", &pairs, "0")
                };
                Some((p.id, leaf))
            })
            .collect();
        lookup_expr("e.project_id", &leaves, "0")
    }
}

/// One group's sums.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AggRow {
    /// One key per dimension, in order; `None` for "no client", "no task", "no tag".
    pub keys: Vec<Option<i64>>,
    /// The currency of `amount` when it isn't the workspace's (a project-level rate in the
    /// project's own currency applied); `None` for the workspace currency.
    pub currency: Option<String>,
    pub millis: i64,
    pub billable_millis: i64,
    pub amount: i64,
    pub entries: i64,
}

/// Local days are computed as (UTC ms + offset + BIAS) / day, so that integer division (which
/// truncates toward zero on both databases) is a floor for any date after 1700.
const BIAS_DAYS: i64 = 100_000;
const DAY_MS: i64 = 86_400_000;

fn ids(list: &[i64]) -> String {
    let mut out = String::new();
    for (i, id) in list.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{id}");
    }
    out
}

fn id_condition(column: &str, set: &IdSet) -> Option<String> {
    match set {
        IdSet::Any => None,
        IdSet::In(list) if list.is_empty() => Some("1 = 0".into()),
        IdSet::In(list) => Some(format!("{column} IN ({})", ids(list))),
        IdSet::NotIn(list) if list.is_empty() => None,
        IdSet::NotIn(list) => Some(format!("{column} NOT IN ({})", ids(list))),
    }
}

/// The WHERE clause (binding `$1` workspace, `$2` from, `$3` to).
fn where_clause(f: &Filter, tag_alias_free: bool) -> String {
    let mut parts = vec![
        "e.workspace_id = $1".to_string(),
        "e.started_at >= $2".to_string(),
        "e.started_at < $3".to_string(),
    ];
    parts.extend(filter_conditions(f, tag_alias_free));
    parts.join(" AND ")
}

/// The filter's conditions on members, projects, clients, tasks, the billable flag and tags
/// (with `tag_alias_free`), over `e.member_id`, `e.project_id`, `e.task_id`, `e.billable`.
fn filter_conditions(f: &Filter, tag_alias_free: bool) -> Vec<String> {
    let mut parts = Vec::new();
    match &f.visible {
        Visible::All => {}
        Visible::Slices(slices) if slices.is_empty() => parts.push("1 = 0".into()),
        Visible::Slices(slices) => {
            let ors: Vec<String> = slices
                .iter()
                .map(|s| {
                    // Unary `+` keeps these out of index choice (both databases read it as
                    // the value): SQLite would otherwise answer the OR of slices with a
                    // multi-index union that fetches every entry's row, where scanning the
                    // report index and testing each entry is far cheaper.
                    let conds: Vec<String> = [
                        id_condition("+e.member_id", &s.members),
                        id_condition("+e.project_id", &s.projects),
                    ]
                    .into_iter()
                    .flatten()
                    .collect();
                    if conds.is_empty() {
                        "1 = 1".to_string()
                    } else {
                        format!("({})", conds.join(" AND "))
                    }
                })
                .collect();
            parts.push(format!("({})", ors.join(" OR ")));
        }
    }
    if !f.projects.is_empty() {
        parts.push(format!("e.project_id IN ({})", ids(&f.projects)));
    }
    if !f.members.is_empty() {
        parts.push(format!("e.member_id IN ({})", ids(&f.members)));
    }
    if !f.tasks.is_empty() {
        parts.push(format!("e.task_id IN ({})", ids(&f.tasks)));
    }
    if !f.clients.is_empty() {
        parts.push(format!(
            "e.project_id IN (SELECT id FROM projects WHERE client_id IN ({}))",
            ids(&f.clients)
        ));
    }
    if let Some(billable) = f.billable {
        parts.push(format!("e.billable = {}", i64::from(billable)));
    }
    if !f.tags.is_empty() && tag_alias_free {
        parts.push(format!(
            "EXISTS (SELECT 1 FROM entry_tags ft WHERE ft.entry_id = e.id AND ft.tag_id IN ({}))",
            ids(&f.tags)
        ));
    }
    parts
}

/// The local-day expression for the zone's offset pieces `(since_ms, offset_ms)`.
fn day_expr(pieces: &[(i64, i64)]) -> String {
    let bias = BIAS_DAYS * DAY_MS;
    let offset = match pieces {
        [] => "0".to_string(),
        [(_, only)] => only.to_string(),
        [(_, first), rest @ ..] => {
            // Piece i applies before piece i+1 starts.
            let mut case = String::from("CASE");
            let mut current = *first;
            for (since, offset) in rest {
                let _ = write!(case, " WHEN e.started_at < {since} THEN {current}");
                current = *offset;
            }
            let _ = write!(case, " ELSE {current} END");
            case
        }
    };
    format!("((e.started_at + {offset} + {bias}) / {DAY_MS} - {BIAS_DAYS})")
}

const RATE_PROJECT: &str = "COALESCE(pmr.hourly_rate, p.hourly_rate)";

/// How the `ccy` column of an aggregate names the amount's currency.
enum Ccy {
    /// No column: every amount is in the workspace currency.
    None,
    /// 0 for the workspace currency, `k` for the `k`-th (1-based) of these.
    Index(Vec<String>),
    /// A currency code, or NULL; this one (the workspace's) is the same as NULL.
    Code(String),
}

fn is_sqlite(conn: &Conn) -> bool {
    conn.backend_name() == "SQLite"
}

/// Whether [`aggregate`] reads the pre-summed `entry_totals` for this filter and grouping (then
/// a long range costs about as much as a short one).
pub fn reads_totals(f: &Filter, dims: &[Dim]) -> bool {
    totals_span(f, dims).is_some()
}

/// Sums of the filtered entries per combination of `dims` (and per currency when priced).
/// A running timer counts up to `now`; with [`Dim::Tag`] an entry counts once per tag (and
/// once under "no tag" when it has none).
pub async fn aggregate(
    conn: &mut Conn,
    f: &Filter,
    dims: &[Dim],
    day_pieces: &[(i64, i64)],
    pricing: Option<&RateBook>,
    now: DateTime<Utc>,
) -> Result<Vec<AggRow>, StoreError> {
    if let Some(buckets) = totals_span(f, dims) {
        return aggregate_with_totals(conn, f, dims, buckets, pricing, now).await;
    }
    let duration = "(COALESCE(e.ended_at, $4) - e.started_at)";
    let mut select: Vec<String> = Vec::new();
    let mut joins: Vec<String> = Vec::new();
    if dims.contains(&Dim::Client) {
        joins.push("JOIN projects p ON p.id = e.project_id".into());
    }
    let mut tag_filter_in_join = false;
    for (i, dim) in dims.iter().enumerate() {
        let expr = match dim {
            Dim::Project => "e.project_id".to_string(),
            Dim::Client => "p.client_id".to_string(),
            Dim::Member => "e.member_id".to_string(),
            Dim::Task => "e.task_id".to_string(),
            Dim::Billable => "e.billable".to_string(),
            Dim::Day => day_expr(day_pieces),
            Dim::Tag => {
                // With a tag filter, tag groups show the filtered tags only.
                let only = if f.tags.is_empty() {
                    String::new()
                } else {
                    tag_filter_in_join = true;
                    format!(" AND et.tag_id IN ({})", ids(&f.tags))
                };
                joins.push(format!(
                    "LEFT JOIN entry_tags et ON et.entry_id = e.id{only}"
                ));
                "et.tag_id".to_string()
            }
        };
        select.push(format!("{expr} AS k{i}"));
    }
    // Money: each entry's amount rounded on its own (as `domain::entries::amount`), summed per
    // group and per currency. Rates are written into the statement as a search over ids
    // (`RateBook::rate_expr`), so no entry needs a join.
    let mut currency = Ccy::None;
    let amount = match pricing {
        None => "CAST(0 AS BIGINT)".to_string(),
        // PostgreSQL hashes the few rate rows once and probes them per entry, which costs it
        // less than evaluating a long CASE per entry; SQLite would seek a B-tree per entry.
        Some(book) if !is_sqlite(conn) => {
            let (rate, rate_joins) = pg_rate(book);
            joins.extend(rate_joins);
            select.push(pg_currency_column(book));
            currency = Ccy::Code(book.workspace_currency.clone());
            format!(
                "CAST(SUM(CASE WHEN e.billable = 1 \
                 THEN ({rate} * {duration} + 1800000) / 3600000 END) AS BIGINT)"
            )
        }
        Some(book) => match book.rate_expr() {
            None => "CAST(0 AS BIGINT)".to_string(),
            Some(rate) => {
                let foreign = book.foreign_currencies();
                if !foreign.is_empty() {
                    select.push(format!(
                        "CASE WHEN e.billable = 1 THEN {} ELSE 0 END AS ccy",
                        book.currency_expr(&foreign)
                    ));
                    currency = Ccy::Index(foreign);
                }
                format!(
                    "CAST(SUM(CASE WHEN e.billable = 1 \
                     THEN (({rate}) * {duration} + 1800000) / 3600000 END) AS BIGINT)"
                )
            }
        },
    };
    let group_count = select.len();
    let mut sql = String::from("SELECT ");
    for column in &select {
        sql.push_str(column);
        sql.push_str(", ");
    }
    let from = format!("time_entries e {} WHERE", joins.join(" "));
    let _ = write!(
        sql,
        "CAST(SUM({duration}) AS BIGINT) AS total_ms, \
         CAST(SUM(CASE WHEN e.billable = 1 THEN {duration} ELSE 0 END) AS BIGINT) AS billable_ms, \
         {amount} AS amount, COUNT(*) AS n FROM {from} {}",
        where_clause(f, !tag_filter_in_join)
    );
    if tag_filter_in_join {
        // The join already keeps only filtered tags, but untagged rows must still go.
        sql.push_str(" AND et.tag_id IS NOT NULL");
    }
    run_aggregate(conn, sql, group_count, f, now, dims.len(), &currency).await
}

/// Groups `sql` by its first `group_count` columns, runs it (binding `$1` workspace, `$2`
/// from, `$3` to, `$4` now) and decodes the rows of an aggregate with `dims` key columns.
async fn run_aggregate(
    conn: &mut Conn,
    mut sql: String,
    group_count: usize,
    f: &Filter,
    now: DateTime<Utc>,
    dims: usize,
    currency: &Ccy,
) -> Result<Vec<AggRow>, StoreError> {
    if group_count > 0 {
        let positions: Vec<String> = (1..=group_count).map(|i| i.to_string()).collect();
        let _ = write!(sql, " GROUP BY {}", positions.join(", "));
    }
    // Not kept in the statement cache: the text changes with the viewer and the rates, and
    // may be long (one branch per rate).
    let rows = sqlx::query(&sql)
        .persistent(false)
        .bind(f.workspace_id)
        .bind(millis(f.from))
        .bind(millis(f.to))
        .bind(millis(now))
        .fetch_all(&mut *conn)
        .await?;
    agg_rows(rows, dims, currency)
}

/// Decodes the rows of an aggregate with `dims` key columns `k0…`.
fn agg_rows(
    rows: Vec<sqlx::any::AnyRow>,
    dims: usize,
    currency: &Ccy,
) -> Result<Vec<AggRow>, StoreError> {
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let n: i64 = row.try_get("n")?;
        if n == 0 {
            // An aggregate without GROUP BY answers one row even for no entries.
            continue;
        }
        let mut keys = Vec::with_capacity(dims);
        for i in 0..dims {
            keys.push(row.try_get::<Option<i64>, _>(format!("k{i}").as_str())?);
        }
        out.push(AggRow {
            keys,
            currency: match currency {
                Ccy::None => None,
                Ccy::Index(foreign) => {
                    let k: i64 = row.try_get("ccy")?;
                    usize::try_from(k - 1)
                        .ok()
                        .and_then(|i| foreign.get(i))
                        .cloned()
                }
                Ccy::Code(workspace) => row
                    .try_get::<Option<String>, _>("ccy")?
                    .filter(|code| code != workspace),
            },
            millis: row.try_get::<Option<i64>, _>("total_ms")?.unwrap_or(0),
            billable_millis: row.try_get::<Option<i64>, _>("billable_ms")?.unwrap_or(0),
            amount: row.try_get::<Option<i64>, _>("amount")?.unwrap_or(0),
            entries: n,
        });
    }
    Ok(out)
}

/// PostgreSQL: an entry's rate (`Rates::effective_level`) over joins on the rate tables, and
/// those joins (which include [`pg_currency_joins`]).
fn pg_rate(book: &RateBook) -> (String, Vec<String>) {
    let mut joins = pg_currency_joins(book);
    let mut rates = vec![pg_project_rate(book).to_string()];
    if !book.members.is_empty() {
        joins.push("JOIN members rm ON rm.id = e.member_id".into());
        rates.push("rm.hourly_rate".into());
    }
    if let Some(ws) = book.workspace_rate {
        rates.push(ws.to_string());
    }
    (format!("COALESCE({})", rates.join(", ")), joins)
}

/// PostgreSQL: the joins the project-level rate and the `ccy` column read (`rp`, `pmr`).
fn pg_currency_joins(book: &RateBook) -> Vec<String> {
    let mut joins = vec!["JOIN projects rp ON rp.id = e.project_id".to_string()];
    if book.projects.iter().any(|p| !p.members.is_empty()) {
        joins.push(
            "LEFT JOIN project_member_rates pmr \
             ON pmr.project_id = e.project_id AND pmr.member_id = e.member_id"
                .into(),
        );
    }
    joins
}

/// PostgreSQL: the project-level rate (project member, then project) over `pmr` and `rp`.
fn pg_project_rate(book: &RateBook) -> &'static str {
    if book.projects.iter().any(|p| !p.members.is_empty()) {
        "COALESCE(pmr.hourly_rate, rp.hourly_rate)"
    } else {
        "rp.hourly_rate"
    }
}

/// PostgreSQL: the `ccy` column: the project's currency when a project-level rate prices the
/// entry, else NULL (the workspace currency). Needs the `rp` (and `pmr`) joins of [`pg_rate`].
fn pg_currency_column(book: &RateBook) -> String {
    format!(
        "CASE WHEN e.billable = 1 AND {} IS NOT NULL THEN rp.currency END AS ccy",
        pg_project_rate(book)
    )
}

/// Width of an `entry_totals` bucket (30 days of UTC milliseconds), as the triggers of
/// migration 0009 compute `bucket = started_at / TOTALS_BUCKET_MS`.
pub const TOTALS_BUCKET_MS: i64 = 2_592_000_000;

/// The buckets `[first, end)` of `entry_totals` wholly inside the filter's range, when the
/// report can read them: sums per project, client, member and billable flag (the totals keep no
/// task, tag or day), no task or tag filter, and at least two whole buckets (shorter ranges are
/// cheap to read from the entries).
fn totals_span(f: &Filter, dims: &[Dim]) -> Option<(i64, i64)> {
    let summable = dims
        .iter()
        .all(|d| matches!(d, Dim::Project | Dim::Client | Dim::Member | Dim::Billable));
    if !summable || !f.tags.is_empty() || !f.tasks.is_empty() {
        return None;
    }
    let (from, to) = (millis(f.from), millis(f.to));
    if from < 0 || to <= from {
        return None;
    }
    let first = from.div_euclid(TOTALS_BUCKET_MS) + i64::from(from % TOTALS_BUCKET_MS != 0);
    let end = to.div_euclid(TOTALS_BUCKET_MS);
    (end - first >= 2).then_some((first, end))
}

/// [`aggregate`] from the pre-summed `entry_totals` of the whole buckets `[first, end)` plus
/// the entries they don't hold: those starting in the partly covered buckets at either end of
/// the range, and running timers (the totals hold stopped entries only). Both parts are
/// filtered by the same conditions on member, project, client and billable flag, so the viewer
/// sees exactly the entries the plain query would sum.
async fn aggregate_with_totals(
    conn: &mut Conn,
    f: &Filter,
    dims: &[Dim],
    (first, end): (i64, i64),
    pricing: Option<&RateBook>,
    now: DateTime<Utc>,
) -> Result<Vec<AggRow>, StoreError> {
    let duration = "(COALESCE(e.ended_at, $4) - e.started_at)";
    let sqlite = is_sqlite(conn);
    let mut currency = Ccy::None;
    let mut select: Vec<String> = Vec::new();
    let mut outer_joins: Vec<String> = Vec::new();
    if dims.contains(&Dim::Client) {
        outer_joins.push("JOIN projects p ON p.id = e.project_id".into());
    }
    for (i, dim) in dims.iter().enumerate() {
        let expr = match dim {
            Dim::Project => "e.project_id",
            Dim::Client => "p.client_id",
            Dim::Member => "e.member_id",
            _ => "e.billable",
        };
        select.push(format!("{expr} AS k{i}"));
    }
    // Each entry outside the totals is priced on its own, exactly as the triggers price those
    // inside (the rate search on SQLite, joins on PostgreSQL).
    let mut raw_joins: Vec<String> = Vec::new();
    let raw_amount = match pricing {
        None => "0".to_string(),
        Some(book) if !sqlite => {
            let (rate, joins) = pg_rate(book);
            raw_joins = joins;
            select.push(pg_currency_column(book));
            outer_joins.extend(pg_currency_joins(book));
            currency = Ccy::Code(book.workspace_currency.clone());
            format!("CASE WHEN e.billable = 1 THEN ({rate} * {duration} + 1800000) / 3600000 END")
        }
        Some(book) => {
            match book.rate_expr() {
                None => "0".to_string(),
                Some(rate) => {
                    let foreign = book.foreign_currencies();
                    if !foreign.is_empty() {
                        select.push(format!(
                            "CASE WHEN e.billable = 1 THEN {} ELSE 0 END AS ccy",
                            book.currency_expr(&foreign)
                        ));
                        currency = Ccy::Index(foreign);
                    }
                    format!("CASE WHEN e.billable = 1 THEN (({rate}) * {duration} + 1800000) / 3600000 END")
                }
            }
        }
    };
    let conditions = filter_conditions(f, true);
    let and_conditions: String = conditions.iter().map(|c| format!(" AND {c}")).collect();
    let (split_from, split_to) = (first * TOTALS_BUCKET_MS, end * TOTALS_BUCKET_MS);
    // The entries outside the totals, as three reads an index answers directly (one OR over
    // the whole range would make both databases walk every entry in it): the ragged ends, and
    // the running timers in between (a partial index holds exactly those).
    let raw_part = |index: &str, when: String| {
        format!(
            "SELECT e.member_id, e.project_id, e.billable, {duration} AS ms, {raw_amount} AS amt, \
             1 AS n FROM time_entries e{index} {} WHERE e.workspace_id = $1 AND {when}\
             {and_conditions}",
            raw_joins.join(" ")
        )
    };
    // SQLite keeps no planner statistics here, so it is told to read the running timers from
    // their partial index; PostgreSQL picks it itself.
    let running_index = if sqlite {
        " INDEXED BY time_entries_one_running"
    } else {
        ""
    };
    let raw = [
        raw_part(
            "",
            format!("e.started_at >= $2 AND e.started_at < {split_from}"),
        ),
        raw_part(
            "",
            format!("e.started_at >= {split_to} AND e.started_at < $3"),
        ),
        raw_part(
            running_index,
            format!(
                "e.ended_at IS NULL AND e.started_at >= {split_from} AND e.started_at < {split_to}"
            ),
        ),
    ]
    .join(" UNION ALL ");
    // Without pricing (amounts hidden from the viewer) the totals' amounts are left out too.
    let totals_amount = if pricing.is_some() { "e.amount" } else { "0" };
    let totals = format!(
        "SELECT e.member_id, e.project_id, e.billable, e.total_ms AS ms, {totals_amount} AS amt, \
         e.entries AS n FROM entry_totals e \
         WHERE e.workspace_id = $1 AND e.bucket >= {first} AND e.bucket < {end}{and_conditions}"
    );
    let group_count = select.len();
    let mut sql = String::from("SELECT ");
    for column in &select {
        sql.push_str(column);
        sql.push_str(", ");
    }
    let _ = write!(
        sql,
        "CAST(SUM(e.ms) AS BIGINT) AS total_ms, \
         CAST(SUM(CASE WHEN e.billable = 1 THEN e.ms ELSE 0 END) AS BIGINT) AS billable_ms, \
         CAST(SUM(e.amt) AS BIGINT) AS amount, CAST(COALESCE(SUM(e.n), 0) AS BIGINT) AS n \
         FROM ({raw} UNION ALL {totals}) e {}",
        outer_joins.join(" ")
    );
    run_aggregate(conn, sql, group_count, f, now, dims.len(), &currency).await
}

/// How many entries the filter covers.
pub async fn count(conn: &mut Conn, f: &Filter) -> Result<i64, StoreError> {
    let sql = format!(
        "SELECT COUNT(*) AS n FROM time_entries e WHERE {}",
        where_clause(f, true)
    );
    let row = sqlx::query(&sql)
        .bind(f.workspace_id)
        .bind(millis(f.from))
        .bind(millis(f.to))
        .fetch_one(&mut *conn)
        .await?;
    row.try_get("n")
}

/// One page of the filtered entries, in order of start.
pub async fn page(
    conn: &mut Conn,
    f: &Filter,
    limit: i64,
    offset: i64,
) -> Result<Vec<Entry>, StoreError> {
    let sql = format!(
        "{SELECT} WHERE {} ORDER BY e.started_at, e.id LIMIT {limit} OFFSET {offset}",
        where_clause(f, true)
    );
    let rows = sqlx::query(&sql)
        .bind(f.workspace_id)
        .bind(millis(f.from))
        .bind(millis(f.to))
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(entry_from_row).collect()
}

/// The budgeted projects of the workspace that have entries under the filter.
pub async fn budgeted_projects_in(conn: &mut Conn, f: &Filter) -> Result<Vec<i64>, StoreError> {
    let sql = format!(
        "SELECT p.id FROM projects p WHERE p.workspace_id = $1 AND p.budget_kind <> 'none'
         AND EXISTS (SELECT 1 FROM time_entries e WHERE e.project_id = p.id AND {})
         ORDER BY p.id",
        where_clause(f, true)
    );
    let rows = sqlx::query(&sql)
        .bind(f.workspace_id)
        .bind(millis(f.from))
        .bind(millis(f.to))
        .fetch_all(&mut *conn)
        .await?;
    rows.iter().map(|row| row.try_get("id")).collect()
}

/// All time ever tracked to a project, for its budget.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BudgetTotals {
    pub millis: i64,
    pub billable_millis: i64,
    /// Billable amount in the project's currency.
    pub amount: i64,
    /// Billable time without a rate in the project's currency.
    pub unpriced_millis: i64,
}

/// Budget totals of projects, as `app::rates::budget_use` counts them: a member or workspace
/// rate prices time only when the workspace currency is the project's.
pub async fn budget_totals(
    conn: &mut Conn,
    project_ids: &[i64],
    workspace_rate: Option<i64>,
    workspace_currency: &str,
    now: DateTime<Utc>,
) -> Result<HashMap<i64, BudgetTotals>, StoreError> {
    if project_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let ws = workspace_rate
        .map(|r| r.to_string())
        .unwrap_or_else(|| "NULL".into());
    let priced = format!(
        "CASE WHEN {RATE_PROJECT} IS NOT NULL THEN {RATE_PROJECT} \
         WHEN p.currency = $2 THEN COALESCE(m.hourly_rate, {ws}) ELSE NULL END"
    );
    // Stopped entries from the pre-summed totals, whose amounts are priced at the entry's
    // effective rate: that is `priced` whenever `priced` has a value (a project-level rate, or
    // the member's or workspace's in the project's own currency), so the sum can be taken as
    // it is. Running timers are priced here, up to now (the partial index holds just those).
    let running_index = if is_sqlite(conn) {
        " INDEXED BY time_entries_one_running"
    } else {
        ""
    };
    let list = ids(project_ids);
    let sql = format!(
        "SELECT e.project_id AS id,
            CAST(SUM(e.ms) AS BIGINT) AS total_ms,
            CAST(SUM(CASE WHEN e.billable = 1 THEN e.ms ELSE 0 END) AS BIGINT) AS billable_ms,
            CAST(SUM(CASE WHEN e.billable = 1 AND {priced} IS NOT NULL
                 THEN COALESCE(e.amt, ({priced} * e.ms + 1800000) / 3600000) ELSE 0 END)
                 AS BIGINT) AS amount,
            CAST(SUM(CASE WHEN e.billable = 1 AND {priced} IS NULL THEN e.ms ELSE 0 END)
                 AS BIGINT) AS unpriced_ms
         FROM (
            SELECT t.project_id, t.member_id, t.billable, t.total_ms AS ms, t.amount AS amt
            FROM entry_totals t WHERE t.project_id IN ({list})
            UNION ALL
            SELECT r.project_id, r.member_id, r.billable, $1 - r.started_at AS ms, NULL AS amt
            FROM time_entries r{running_index}
            WHERE r.ended_at IS NULL AND r.project_id IN ({list})
         ) e
         JOIN projects p ON p.id = e.project_id
         JOIN members m ON m.id = e.member_id
         LEFT JOIN project_member_rates pmr
                ON pmr.project_id = e.project_id AND pmr.member_id = e.member_id
         GROUP BY e.project_id"
    );
    let rows = sqlx::query(&sql)
        .bind(millis(now))
        .bind(workspace_currency)
        .fetch_all(&mut *conn)
        .await?;
    let mut out = HashMap::new();
    for row in rows {
        out.insert(
            row.try_get("id")?,
            BudgetTotals {
                millis: row.try_get::<Option<i64>, _>("total_ms")?.unwrap_or(0),
                billable_millis: row.try_get::<Option<i64>, _>("billable_ms")?.unwrap_or(0),
                amount: row.try_get::<Option<i64>, _>("amount")?.unwrap_or(0),
                unpriced_millis: row.try_get::<Option<i64>, _>("unpriced_ms")?.unwrap_or(0),
            },
        );
    }
    Ok(out)
}

/// Which names to look up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameTable {
    Projects,
    Clients,
    Members,
    Tasks,
    Tags,
}

/// Names by id (members by display name).
pub async fn names(
    conn: &mut Conn,
    table: NameTable,
    id_list: &[i64],
) -> Result<HashMap<i64, String>, StoreError> {
    let mut out = HashMap::new();
    let (from, column) = match table {
        NameTable::Projects => ("projects", "name"),
        NameTable::Clients => ("clients", "name"),
        NameTable::Members => ("members", "display_name"),
        NameTable::Tasks => ("tasks", "name"),
        NameTable::Tags => ("tags", "name"),
    };
    for chunk in id_list.chunks(500) {
        let sql = format!(
            "SELECT id, {column} AS name FROM {from} WHERE id IN ({})",
            ids(chunk)
        );
        for row in sqlx::query(&sql).fetch_all(&mut *conn).await? {
            out.insert(row.try_get("id")?, row.try_get("name")?);
        }
    }
    Ok(out)
}

/// Every project of the workspace: id and whether it is public (for visibility).
pub async fn project_privacy(
    conn: &mut Conn,
    workspace_id: i64,
) -> Result<Vec<(i64, bool)>, StoreError> {
    let rows = sqlx::query("SELECT id, is_public FROM projects WHERE workspace_id = $1")
        .bind(workspace_id)
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|row| Ok((row.try_get("id")?, row.try_get::<i64, _>("is_public")? != 0)))
        .collect()
}

/// The client (id, name) of each of the projects that has one.
pub async fn project_clients(
    conn: &mut Conn,
    project_ids: &[i64],
) -> Result<HashMap<i64, (i64, String)>, StoreError> {
    let mut out = HashMap::new();
    for chunk in project_ids.chunks(500) {
        let sql = format!(
            "SELECT p.id, c.id AS client_id, c.name FROM projects p JOIN clients c ON c.id = p.client_id
             WHERE p.id IN ({})",
            ids(chunk)
        );
        for row in sqlx::query(&sql).fetch_all(&mut *conn).await? {
            out.insert(
                row.try_get("id")?,
                (row.try_get("client_id")?, row.try_get("name")?),
            );
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_expression_switches_offsets_at_each_piece() {
        assert_eq!(
            day_expr(&[(0, 3_600_000)]),
            "((e.started_at + 3600000 + 8640000000000) / 86400000 - 100000)"
        );
        assert_eq!(
            day_expr(&[(0, 1), (10, 2), (20, 3)]),
            "((e.started_at + CASE WHEN e.started_at < 10 THEN 1 WHEN e.started_at < 20 THEN 2 ELSE 3 END + 8640000000000) / 86400000 - 100000)"
        );
    }

    #[test]
    fn empty_visibility_matches_nothing() {
        assert_eq!(
            id_condition("x", &IdSet::In(vec![])).as_deref(),
            Some("1 = 0")
        );
        assert_eq!(id_condition("x", &IdSet::NotIn(vec![])), None);
        assert_eq!(
            id_condition("x", &IdSet::In(vec![1, 2])).as_deref(),
            Some("x IN (1,2)")
        );
    }
}
