//! Report timings on a generated data set (issue 5's targets, `targets.md`):
//!
//! - one month grouped by project: ≤ 50 ms
//! - the whole range (5 years) grouped by member: ≤ 300 ms
//!
//! on SQLite (a data file in the temp directory, kept for the next run) and on PostgreSQL
//! when `CREWCLOCK_TEST_POSTGRES_URL` is set (schema `crewclock_bench`, kept too). The data set
//! is made by `store::gen_data` (100 members, 200 projects, 1,000,000 entries over 5 years;
//! `CREWCLOCK_BENCH_ENTRIES` makes it smaller for a quick look). Reports run through
//! `app::reports::summary` as the workspace Owner (sees every entry and the money), and once
//! more as a Member (whose rows go through the visibility slices).
//!
//! `cargo bench -p crewclock --bench reports`

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate, TimeZone, Utc};
use crewclock::app::{reports, ManualClock};
use crewclock::domain::report::{GroupBy, RangeSpec, ReportQuery};
use crewclock::domain::UserId;
use crewclock::store::gen_data::{generate, GenOptions, GenSummary};
use crewclock::store::{Store, StoreOptions};
use crewclock::{Actor, App};
use sqlx::Executor;

const POSTGRES_URL_ENV: &str = "CREWCLOCK_TEST_POSTGRES_URL";

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

async fn time_report(
    app: &App,
    who: &Actor,
    query: &ReportQuery,
    runs: usize,
) -> (Vec<Duration>, i64, usize) {
    // Warm-up: caches and prepared statements, as in a running server.
    let mut seconds = 0;
    let mut groups = 0;
    for _ in 0..2 {
        let report = reports::summary(app, who, query).await.expect("report");
        seconds = report.total_seconds;
        groups = report.groups.len();
    }
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        let report = reports::summary(app, who, query).await.expect("report");
        times.push(start.elapsed());
        std::hint::black_box(report);
    }
    times.sort();
    (times, seconds, groups)
}

async fn bench(label: &str, url: &str, opts: &GenOptions) {
    println!("== {label} ==");
    let store = Store::open(url, &StoreOptions::default())
        .await
        .unwrap_or_else(|e| panic!("open {url}: {e}"));
    let summary: GenSummary = generate(&store, opts).await.expect("generate data set");
    println!(
        "data set: {} entries, {} to {} ({} in {:.1}s)",
        summary.entries,
        summary.first_day,
        summary.last_day,
        if summary.reused {
            "reused"
        } else {
            "generated"
        },
        summary.seconds
    );
    // The clock stands at noon on the day after the data set.
    let clock = Arc::new(ManualClock::new(
        Utc.from_utc_datetime(&opts.end.and_hms_opt(12, 0, 0).expect("noon")),
    ));
    let app = App::new(store.clone(), clock);
    let owner = Actor::in_guild(summary.guild, summary.owner, "Owner");
    let member = Actor::in_guild(summary.guild, UserId(summary.owner.0 + 1), "Member 001");
    let last_month_end = opts
        .end
        .with_day(1)
        .expect("first")
        .pred_opt()
        .expect("day");
    let last_month = NaiveDate::from_ymd_opt(last_month_end.year(), last_month_end.month(), 1)
        .expect("month start");
    let month = ReportQuery::new(
        RangeSpec::fixed(last_month, last_month_end).expect("month"),
        vec![GroupBy::Project],
    );
    let month_budgets = ReportQuery {
        budgets: true,
        ..month.clone()
    };
    let whole = ReportQuery::new(
        RangeSpec::fixed(summary.first_day, summary.last_day).expect("range"),
        vec![GroupBy::Member],
    );
    for (name, who, query, runs, target_ms) in [
        ("one month by project (Owner)", &owner, &month, 40, 50.0),
        ("whole range by member (Owner)", &owner, &whole, 12, 300.0),
        (
            "month by project+budgets (Owner)",
            &owner,
            &month_budgets,
            20,
            50.0,
        ),
        ("one month by project (Member)", &member, &month, 40, 50.0),
        ("whole range by member (Member)", &member, &whole, 12, 300.0),
    ] {
        let (times, seconds, groups) = time_report(&app, who, query, runs).await;
        let p50 = percentile(&times, 50.0);
        let p99 = percentile(&times, 99.0);
        println!(
            "{label:<10} {name:<32} p50 {:>8.1} ms  p99 {:>8.1} ms  ({runs} runs, {groups} groups, {:.0} h)  target {target_ms} ms: {}",
            ms(p50),
            ms(p99),
            seconds as f64 / 3600.0,
            if ms(p50) <= target_ms { "met" } else { "MISSED" }
        );
    }
    store.close().await;
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes `--bench`; any other argument filters nothing here.
    let entries = std::env::var("CREWCLOCK_BENCH_ENTRIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let opts = GenOptions {
        entries,
        ..GenOptions::default()
    };
    // CREWCLOCK_BENCH_ONLY=sqlite or =postgres runs one database.
    let only = std::env::var("CREWCLOCK_BENCH_ONLY").unwrap_or_default();
    if only != "postgres" {
        let path = std::env::temp_dir().join(format!("crewclock-bench-reports-{entries}.db"));
        bench(
            "SQLite",
            &format!("sqlite://{}?mode=rwc", path.display()),
            &opts,
        )
        .await;
    }
    match std::env::var(POSTGRES_URL_ENV) {
        _ if only == "sqlite" => {}
        Ok(base) => {
            sqlx::any::install_default_drivers();
            let mut admin = <sqlx::AnyConnection as sqlx::Connection>::connect(&base)
                .await
                .unwrap_or_else(|e| panic!("{POSTGRES_URL_ENV} is set but unreachable: {e}"));
            admin
                .execute("CREATE SCHEMA IF NOT EXISTS crewclock_bench")
                .await
                .expect("create schema");
            let separator = if base.contains('?') { '&' } else { '?' };
            let url = format!("{base}{separator}options[search_path]=crewclock_bench");
            bench("PostgreSQL", &url, &opts).await;
        }
        Err(_) => {
            println!();
            println!(
                "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
            );
            println!("!! PostgreSQL SKIPPED: set {POSTGRES_URL_ENV} to benchmark it too.");
            println!(
                "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
            );
        }
    }
}
