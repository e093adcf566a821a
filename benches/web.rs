//! Load run against the web sidecar on loopback: one report page (10,000 entries, grouped by
//! project, last 90 days) requested by concurrent keep-alive clients for a fixed time.
//! Prints requests/s and p50/p90/p99/max latency. Target (docs: targets.md): ≥ 5,000
//! requests/s, p99 ≤ 20 ms.
//!
//! `cargo bench -p crewclock --bench web` runs it on SQLite; with
//! `CREWCLOCK_TEST_POSTGRES_URL` set it runs on PostgreSQL too (in a schema of its own).
//! `CREWCLOCK_BENCH_SECONDS` (default 10) and `CREWCLOCK_BENCH_CLIENTS` (default 32) tune it.
//! The client shares the machine's cores with the server, so the figure is a floor.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use crewclock::app::entries::{self, AddEntry};
use crewclock::app::projects::{self, CreateProject};
use crewclock::app::report_links::{self, LinkOptions, LinkSettings, NewLink};
use crewclock::app::{invitations, workspace, SystemClock};
use crewclock::domain::links::{LinkKind, LinkSigner};
use crewclock::domain::projects::Privacy;
use crewclock::domain::report::{GroupBy, RangeSpec, ReportQuery};
use crewclock::domain::{GuildId, Role, UserId};
use crewclock::store::{Store, StoreOptions};
use crewclock::web::{self, Metrics, WebSettings};
use crewclock::{Actor, App};

const MEMBERS: usize = 10;
const PROJECTS: usize = 20;
const DAYS: i64 = 63;
const SLOTS: i64 = 16; // 30-minute entries from midnight: 16 × 63 × 10 = 10,080 entries

fn env_number(key: &str, default: u64) -> u64 {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn populate(app: &App) -> String {
    let guild = GuildId(42);
    let mut owner = Actor::in_guild(guild, UserId(1), "Olivia Owner");
    owner.manages_guild = true;
    workspace::create(app, &owner, "Bench team")
        .await
        .expect("workspace");
    workspace::set_setting(app, &owner, "seat_limit", "100")
        .await
        .expect("seats");
    let mut people = Vec::new();
    for i in 0..MEMBERS {
        let person = Actor::in_guild(guild, UserId(100 + i as u64), format!("Member {i}"));
        let inv = invitations::invite_user(app, &owner, person.user, &person.name, Role::Member)
            .await
            .expect("invite");
        invitations::accept(app, &person, inv.id)
            .await
            .expect("accept");
        people.push(person);
    }
    for p in 0..PROJECTS {
        projects::create_project(
            app,
            &owner,
            CreateProject {
                name: format!("Project {p:02}"),
                privacy: Some(Privacy::Public),
                billable_default: Some(p % 2 == 0),
                ..CreateProject::default()
            },
        )
        .await
        .expect("project");
    }
    let today = Utc::now().date_naive();
    let started = Instant::now();
    let mut n = 0usize;
    for (m, person) in people.iter().enumerate() {
        for d in 1..=DAYS {
            let date = (today - chrono::Duration::days(d))
                .format("%Y-%m-%d")
                .to_string();
            for s in 0..SLOTS {
                let (h, min) = (s * 30 / 60, s * 30 % 60);
                let (h2, min2) = ((s + 1) * 30 / 60, (s + 1) * 30 % 60);
                entries::add(
                    app,
                    person,
                    AddEntry {
                        project: format!("Project {:02}", (m + d as usize + s as usize) % PROJECTS),
                        when: format!("{h:02}:{min:02}-{h2:02}:{min2:02}"),
                        date: Some(date.clone()),
                        ..AddEntry::default()
                    },
                )
                .await
                .expect("entry");
                n += 1;
            }
        }
    }
    println!(
        "  data: {n} entries, {MEMBERS} members, {PROJECTS} projects ({:.1?} to insert)",
        started.elapsed()
    );
    let signer = LinkSigner::new(&[7u8; 32]).expect("signer");
    let link = report_links::create(
        app,
        &owner,
        &LinkSettings {
            signer,
            ttl: chrono::Duration::days(7),
        },
        NewLink {
            kind: LinkKind::Report,
            query_json: serde_json::to_string(&ReportQuery::new(
                RangeSpec::LastDays(90),
                vec![GroupBy::Project],
            ))
            .expect("query"),
            options: LinkOptions::default(),
        },
    )
    .await
    .expect("link");
    link.path()
}

/// Where one page's time goes: the report itself, and the chart.
async fn components(app: &App) {
    let owner = Actor::in_guild(GuildId(42), UserId(1), "Olivia Owner");
    let query = ReportQuery::new(RangeSpec::LastDays(90), vec![GroupBy::Project]);
    let n = 50;
    let t = Instant::now();
    let mut report = None;
    for _ in 0..n {
        report = Some(
            crewclock::app::reports::summary(app, &owner, &query)
                .await
                .expect("summary"),
        );
    }
    let summary = t.elapsed() / n;
    let bars: Vec<crewclock::chart::Bar> = report
        .map(|r| r.groups)
        .unwrap_or_default()
        .iter()
        .map(|g| crewclock::chart::Bar {
            label: g.label.clone(),
            seconds: g.seconds,
        })
        .collect();
    let t = Instant::now();
    for _ in 0..n {
        crewclock::chart::bar_chart_svg("Hours by project", &bars).expect("svg");
    }
    let svg = t.elapsed() / n;
    println!("  one page: report {summary:.2?}, chart SVG {svg:.2?} (single request, no load)");
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

async fn load(url: String, clients: usize, seconds: u64) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .expect("client");
    // Warm up: connections, caches, the first page.
    for _ in 0..clients {
        let r = client.get(&url).send().await.expect("warm-up request");
        assert_eq!(r.status(), 200, "the report page answers 200");
        r.bytes().await.expect("body");
    }
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let client = client.clone();
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0u64;
            while Instant::now() < deadline {
                let t = Instant::now();
                match client.get(&url).send().await {
                    Ok(r) if r.status() == 200 => {
                        if r.bytes().await.is_err() {
                            errors += 1;
                        }
                    }
                    _ => errors += 1,
                }
                latencies.push(t.elapsed());
            }
            (latencies, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for task in tasks {
        let (l, e) = task.await.expect("client task");
        all.extend(l);
        errors += e;
    }
    let elapsed = started.elapsed();
    all.sort();
    println!(
        "  {} requests in {:.1?} with {clients} clients: {:.0} requests/s, p50 {:.2?}, p90 {:.2?}, p99 {:.2?}, max {:.2?}, errors {errors}",
        all.len(),
        elapsed,
        all.len() as f64 / elapsed.as_secs_f64(),
        percentile(&all, 0.50),
        percentile(&all, 0.90),
        percentile(&all, 0.99),
        all.last().copied().unwrap_or_default(),
    );
}

async fn run(label: &str, url: &str) {
    println!("web report page on {label}");
    let store = Store::open(
        url,
        &StoreOptions {
            max_connections: 16,
            ..StoreOptions::default()
        },
    )
    .await
    .expect("open store");
    let app = App::new(store, Arc::new(SystemClock));
    let path = populate(&app).await;
    components(&app).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let router = web::router(
        app.clone(),
        WebSettings {
            signer: LinkSigner::new(&[7u8; 32]).expect("signer"),
            // The limiter is per link and would (rightly) throttle a load run on one link.
            link_requests_per_minute: u32::MAX,
            metrics: Arc::new(Metrics::new()),
        },
    );
    let server = tokio::spawn(web::serve_on(listener, router, web::stopped(stopping)));
    let clients = env_number("CREWCLOCK_BENCH_CLIENTS", 32) as usize;
    let seconds = env_number("CREWCLOCK_BENCH_SECONDS", 10);
    load(format!("http://{address}{path}"), clients, seconds).await;
    let _ = stop.send(true);
    let _ = server.await;
    app.store.close().await;
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("bench.db").display()
        );
        run("SQLite", &url).await;
        if let Ok(base) = std::env::var("CREWCLOCK_TEST_POSTGRES_URL") {
            use sqlx::{Connection, Executor};
            let schema = format!("cc_bench_{:08x}", rand::random::<u32>());
            sqlx::any::install_default_drivers();
            let mut admin = sqlx::AnyConnection::connect(&base).await.expect("postgres");
            admin
                .execute(format!("CREATE SCHEMA {schema}").as_str())
                .await
                .expect("schema");
            let sep = if base.contains('?') { '&' } else { '?' };
            run(
                "PostgreSQL",
                &format!("{base}{sep}options[search_path]={schema}"),
            )
            .await;
            let _ = admin
                .execute(format!("DROP SCHEMA {schema} CASCADE").as_str())
                .await;
        }
    });
}
