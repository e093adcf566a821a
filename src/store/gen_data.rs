//! A realistic data set for benchmarks and manual testing: one workspace with members,
//! clients, public and private projects (some with rates and budgets), tasks, tags, and time
//! entries on workdays over several years, written with multi-row INSERTs in large
//! transactions. Deterministic for a given seed; run by `examples/gen_data.rs` and the report
//! benchmark.
//!
//! The data set's workspace is named after its parameters and lives on its own guild id, so a
//! second run with the same parameters finds it and reuses it (an incomplete one, from an
//! interrupted run, is deleted and written again).
//!
//! Values are written into the SQL as literals: they are numbers and fixed ASCII words chosen
//! here, never outside text, and it is several times faster than binding on both databases.

use std::fmt::Write as _;
use std::time::Instant;

use chrono::{DateTime, Datelike, Days, NaiveDate, TimeZone, Utc, Weekday};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sqlx::{Executor, Row};

use super::{DbKind, Store, StoreError};
use crate::domain::{GuildId, UserId};

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenOptions {
    pub members: u32,
    pub projects: u32,
    pub entries: u64,
    pub years: u32,
    /// The day after the last day with entries.
    pub end: NaiveDate,
    pub seed: u64,
}

impl Default for GenOptions {
    fn default() -> Self {
        GenOptions {
            members: 100,
            projects: 200,
            entries: 1_000_000,
            years: 5,
            end: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or(NaiveDate::MIN),
            seed: 42,
        }
    }
}

/// What was generated (or found).
#[derive(Debug, Clone)]
pub struct GenSummary {
    pub guild: GuildId,
    /// The workspace Owner's Discord user.
    pub owner: UserId,
    pub workspace_id: i64,
    /// First and last day with entries.
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub entries: i64,
    pub reused: bool,
    pub seconds: f64,
}

const TAGS: [&str; 12] = [
    "design", "meeting", "review", "bugfix", "research", "support", "planning", "docs", "ops",
    "urgent", "travel", "training",
];
const WORDS: [&str; 12] = [
    "homepage",
    "api",
    "invoice",
    "onboarding",
    "sprint",
    "client call",
    "release",
    "tests",
    "migration",
    "dashboard",
    "report",
    "mockups",
];

fn fnv(text: &str) -> u64 {
    let mut hash: u64 = 0xcbf29ce484222325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x100000001b3);
    }
    hash
}

fn ms(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

/// Generates the data set, or finds it when it is already there.
pub async fn generate(store: &Store, opts: &GenOptions) -> Result<GenSummary, StoreError> {
    let started = Instant::now();
    let name = format!(
        "gen m{} p{} e{} y{} end{} s{}",
        opts.members, opts.projects, opts.entries, opts.years, opts.end, opts.seed
    );
    // A stable guild id per parameter set, within Discord's snowflake range.
    let guild = GuildId(1_000_000_000 + fnv(&name) % 1_000_000_000_000);
    let owner = UserId(guild.0 + 1);
    let first_day = opts
        .end
        .checked_sub_days(Days::new(u64::from(opts.years) * 365))
        .unwrap_or(opts.end);
    let last_day = opts.end.pred_opt().unwrap_or(opts.end);
    let mut conn = store.conn().await?;
    if let Some(ws) = super::workspaces::find_by_guild(&mut conn, guild).await? {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM time_entries WHERE workspace_id = $1")
            .bind(ws.id)
            .fetch_one(&mut *conn)
            .await?;
        let n: i64 = row.try_get("n")?;
        let wanted = i64::try_from(opts.entries).unwrap_or(i64::MAX);
        if n == wanted {
            return Ok(GenSummary {
                guild,
                owner,
                workspace_id: ws.id,
                first_day,
                last_day,
                entries: n,
                reused: true,
                seconds: started.elapsed().as_secs_f64(),
            });
        }
        // Entries first: their projects don't cascade to them.
        sqlx::query("DELETE FROM time_entries WHERE workspace_id = $1")
            .bind(ws.id)
            .execute(&mut *conn)
            .await?;
        super::workspaces::delete(&mut conn, ws.id).await?;
    }
    let mut rng = StdRng::seed_from_u64(opts.seed);
    let created = Utc.from_utc_datetime(&first_day.and_hms_opt(0, 0, 0).unwrap_or_default());
    let now_ms = ms(created);

    let mut tx = store.begin().await?;
    let ws = super::workspaces::insert(&mut tx, guild, &name, created).await?;
    let wid = ws.id;
    sqlx::query(
        "UPDATE workspace_settings SET seat_limit = 100000, hourly_rate = 8000 WHERE workspace_id = $1",
    )
    .bind(wid)
    .execute(&mut *tx)
    .await?;

    // People: the Owner (the benchmark's viewer, in Berlin), then members, some managers.
    let mut member_ids: Vec<i64> = Vec::new();
    for i in 0..=opts.members {
        let (role, tz) = match i {
            0 => ("owner", "Europe/Berlin"),
            i if i % 10 == 0 => ("manager", "Europe/London"),
            _ => ("member", "UTC"),
        };
        let rate = if rng.random_bool(0.5) {
            format!("{}", rng.random_range(40..120) * 100)
        } else {
            "NULL".into()
        };
        let row = sqlx::query(&format!(
            "INSERT INTO members (workspace_id, user_id, display_name, role, active, joined_at,
                 time_zone, week_start, hourly_rate)
             VALUES ($1, $2, $3, '{role}', 1, $4, '{tz}', 'mon', {rate}) RETURNING id"
        ))
        .bind(wid)
        .bind(i64::try_from(owner.0 + u64::from(i)).unwrap_or(i64::MAX))
        .bind(if i == 0 {
            "Owner".to_string()
        } else {
            format!("Member {i:03}")
        })
        .bind(now_ms)
        .fetch_one(&mut *tx)
        .await?;
        member_ids.push(row.try_get("id")?);
    }
    let owner_id = member_ids[0];

    let mut client_ids = Vec::new();
    for i in 0..(opts.projects / 10).max(1) {
        let name = format!("Client {i:03}");
        let row = sqlx::query(
            "INSERT INTO clients (workspace_id, name, name_key, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(wid)
        .bind(&name)
        .bind(name.to_lowercase())
        .bind(owner_id)
        .bind(now_ms)
        .fetch_one(&mut *tx)
        .await?;
        client_ids.push(row.try_get::<i64, _>("id")?);
    }
    let mut tag_ids = Vec::new();
    for name in TAGS {
        let row = sqlx::query(
            "INSERT INTO tags (workspace_id, name, name_key, created_by, created_at)
             VALUES ($1, $2, $2, $3, $4) RETURNING id",
        )
        .bind(wid)
        .bind(name)
        .bind(owner_id)
        .bind(now_ms)
        .fetch_one(&mut *tx)
        .await?;
        tag_ids.push(row.try_get::<i64, _>("id")?);
    }

    struct GenProject {
        id: i64,
        billable: bool,
        tasks: Vec<i64>,
        /// Members of a private project; empty for a public one.
        members: Vec<i64>,
    }
    let mut projects: Vec<GenProject> = Vec::new();
    for i in 0..opts.projects {
        let name = format!("Project {i:03}");
        let client = if rng.random_bool(0.9) {
            format!("{}", client_ids[rng.random_range(0..client_ids.len())])
        } else {
            "NULL".into()
        };
        let public = rng.random_bool(0.75);
        let billable = rng.random_bool(0.6);
        let rate = if rng.random_bool(0.5) {
            format!("{}", rng.random_range(50..150) * 100)
        } else {
            "NULL".into()
        };
        let (budget_kind, budget_value) = match rng.random_range(0..10) {
            0 => ("hours", format!("{}", rng.random_range(100..2000) * 60)),
            1 => ("money", format!("{}", rng.random_range(10..500) * 100_000)),
            _ => ("none", "NULL".to_string()),
        };
        let currency = if rng.random_bool(0.1) { "USD" } else { "EUR" };
        let row = sqlx::query(&format!(
            "INSERT INTO projects (workspace_id, name, name_key, client_id, color, is_public,
                 billable_default, budget_kind, budget_value, currency, hourly_rate, created_by,
                 created_at)
             VALUES ($1, $2, $3, {client}, '#3366cc', {}, {}, '{budget_kind}', {budget_value},
                 '{currency}', {rate}, $4, $5) RETURNING id",
            i64::from(public),
            i64::from(billable)
        ))
        .bind(wid)
        .bind(&name)
        .bind(name.to_lowercase())
        .bind(owner_id)
        .bind(now_ms)
        .fetch_one(&mut *tx)
        .await?;
        let id: i64 = row.try_get("id")?;
        let mut tasks = Vec::new();
        for t in 0..5 {
            let task = format!("Task {t}");
            let row = sqlx::query(
                "INSERT INTO tasks (workspace_id, project_id, name, name_key, created_by, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(wid)
            .bind(id)
            .bind(&task)
            .bind(task.to_lowercase())
            .bind(owner_id)
            .bind(now_ms)
            .fetch_one(&mut *tx)
            .await?;
            tasks.push(row.try_get::<i64, _>("id")?);
        }
        let mut members = Vec::new();
        if !public {
            let count = rng.random_range(5..15).min(member_ids.len() - 1);
            while members.len() < count {
                let m = member_ids[rng.random_range(1..member_ids.len())];
                if !members.contains(&m) {
                    members.push(m);
                }
            }
            for (k, m) in members.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO project_members (project_id, member_id, is_manager, added_at)
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(id)
                .bind(*m)
                .bind(i64::from(k == 0))
                .bind(now_ms)
                .execute(&mut *tx)
                .await?;
            }
        }
        projects.push(GenProject {
            id,
            billable,
            tasks,
            members,
        });
    }
    tx.commit().await?;

    // Each member works on a handful of the projects they may track to.
    let usual: Vec<Vec<usize>> = member_ids
        .iter()
        .map(|m| {
            let allowed: Vec<usize> = projects
                .iter()
                .enumerate()
                .filter(|(_, p)| p.members.is_empty() || p.members.contains(m))
                .map(|(i, _)| i)
                .collect();
            (0..8)
                .filter_map(|_| {
                    if allowed.is_empty() {
                        None
                    } else {
                        Some(allowed[rng.random_range(0..allowed.len())])
                    }
                })
                .collect()
        })
        .collect();

    let workdays: Vec<NaiveDate> = first_day
        .iter_days()
        .take_while(|d| *d < opts.end)
        .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
        .collect();
    let trackers = &member_ids[1..];
    let per_member = opts.entries / trackers.len().max(1) as u64;
    let mut extra = opts.entries - per_member * trackers.len() as u64;

    let start_row = sqlx::query("SELECT COALESCE(MAX(id), 0) AS id FROM time_entries")
        .fetch_one(&mut *conn)
        .await?;
    let mut next_id: i64 = start_row.try_get::<i64, _>("id")? + 1;
    let mut values = String::new();
    let mut tag_values = String::new();
    let mut rows_in_batch = 0usize;
    let mut tags_in_batch = 0usize;
    let mut tx = store.begin().await?;
    let mut written: u64 = 0;
    for (mi, member) in trackers.iter().enumerate() {
        let mut wanted = per_member;
        if extra > 0 {
            wanted += 1;
            extra -= 1;
        }
        let mine = &usual[mi + 1];
        if mine.is_empty() {
            continue;
        }
        let days = workdays.len().max(1) as u64;
        for (di, day) in workdays.iter().enumerate() {
            // Spread `wanted` entries evenly over the workdays.
            let today = wanted * (di as u64 + 1) / days - wanted * di as u64 / days;
            let mut at = Utc.from_utc_datetime(&day.and_hms_opt(7, 0, 0).unwrap_or_default())
                + chrono::Duration::minutes(rng.random_range(0..90));
            for _ in 0..today {
                let minutes = rng.random_range(15..80);
                let end = at + chrono::Duration::minutes(minutes);
                let project = &projects[mine[rng.random_range(0..mine.len())]];
                let task = if rng.random_bool(0.5) {
                    format!(
                        "{}",
                        project.tasks[rng.random_range(0..project.tasks.len())]
                    )
                } else {
                    "NULL".into()
                };
                let description = WORDS[rng.random_range(0..WORDS.len())];
                if rows_in_batch > 0 {
                    values.push(',');
                }
                let _ = write!(
                    values,
                    "({next_id},{wid},{member},{},{task},'{description}',{},{},{},0,{member},{},{})",
                    project.id,
                    i64::from(project.billable),
                    ms(at),
                    ms(end),
                    ms(end),
                    ms(end)
                );
                rows_in_batch += 1;
                if rng.random_bool(0.3) {
                    let first = rng.random_range(0..tag_ids.len());
                    let mut chosen = vec![tag_ids[first]];
                    if rng.random_bool(0.3) {
                        chosen.push(tag_ids[(first + 1) % tag_ids.len()]);
                    }
                    for tag in chosen {
                        if tags_in_batch > 0 {
                            tag_values.push(',');
                        }
                        let _ = write!(tag_values, "({next_id},{tag})");
                        tags_in_batch += 1;
                    }
                }
                next_id += 1;
                written += 1;
                at = end + chrono::Duration::minutes(rng.random_range(0..20));
                if rows_in_batch >= 1000 {
                    flush(
                        &mut tx,
                        &mut values,
                        &mut tag_values,
                        &mut rows_in_batch,
                        &mut tags_in_batch,
                    )
                    .await?;
                    if written % 100_000 == 0 {
                        tx.commit().await?;
                        tx = store.begin().await?;
                        eprintln!("  {written} entries written");
                    }
                }
            }
        }
    }
    flush(
        &mut tx,
        &mut values,
        &mut tag_values,
        &mut rows_in_batch,
        &mut tags_in_batch,
    )
    .await?;
    tx.commit().await?;
    match store.kind() {
        DbKind::Postgres => {
            // Explicit ids leave the identity sequence behind; then fresh statistics and a
            // visibility map, so the planner can use index-only scans.
            conn.execute(
                "SELECT setval(pg_get_serial_sequence('time_entries', 'id'), (SELECT MAX(id) FROM time_entries))",
            )
            .await?;
            conn.execute("VACUUM ANALYZE time_entries").await?;
            conn.execute("VACUUM ANALYZE entry_tags").await?;
            conn.execute("ANALYZE").await?;
        }
        DbKind::Sqlite => {
            conn.execute("ANALYZE").await?;
        }
    }
    Ok(GenSummary {
        guild,
        owner,
        workspace_id: wid,
        first_day,
        last_day,
        entries: i64::try_from(written).unwrap_or(i64::MAX),
        reused: false,
        seconds: started.elapsed().as_secs_f64(),
    })
}

async fn flush(
    tx: &mut super::Tx,
    values: &mut String,
    tag_values: &mut String,
    rows: &mut usize,
    tags: &mut usize,
) -> Result<(), StoreError> {
    if *rows > 0 {
        let sql = format!(
            "INSERT INTO time_entries (id, workspace_id, member_id, project_id, task_id,
                 description, billable, started_at, ended_at, overlapping, created_by, created_at,
                 updated_at) VALUES {values}"
        );
        (&mut **tx).execute(sql.as_str()).await?;
    }
    if *tags > 0 {
        let sql = format!("INSERT INTO entry_tags (entry_id, tag_id) VALUES {tag_values}");
        (&mut **tx).execute(sql.as_str()).await?;
    }
    values.clear();
    tag_values.clear();
    *rows = 0;
    *tags = 0;
    Ok(())
}
