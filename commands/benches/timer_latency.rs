//! `/timer start` and `/timer stop` through the real bot (poise + serenity, `run_bot`, the same
//! as the binary) and the Discord simulator, on SQLite and on PostgreSQL, with 10,000
//! existing entries per member and several members at once.
//!
//! Run: `cargo bench -p crewclock-bot --bench timer_latency` (the PostgreSQL leg runs when
//! CREWCLOCK_TEST_POSTGRES_URL is set). BENCH_MEMBERS, BENCH_ROUNDS and BENCH_ENTRIES change
//! the load.
//!
//! **What is measured.** For each command, the simulator's clock from the moment it created
//! the interaction (just before sending INTERACTION_CREATE on the gateway websocket) to the
//! moment the bot's interaction callback (`POST /interactions/{id}/{token}/callback`) reached
//! it. That includes the websocket transit, serenity decoding the event, poise dispatching the
//! command, the core's work on the database, rendering, and the HTTP request back; it
//! excludes the simulator's own checks of the answer. The simulator runs in the same process
//! and shares the machine's cores with the bot, so the throughput figure includes its work.
//!
//! Two phases per database: **latency** (a few members, each sending its next command when
//! the previous one was answered: the bot is busy but not saturated) and **throughput** (every
//! member at once, as fast as answers come back). Every answer is checked: a start must say
//! "Timer started", a stop "Stopped your timer"; anything else counts as an error.

// The same allocator as the binary (`src/main.rs`), so the figures are the binary's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[path = "../tests/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use crewclock::app::timers::{self, StartTimer};
use crewclock::domain::{GuildId, UserId};
use crewclock::Actor;
use discord_sim::SimUser;
use sqlx::{Executor, Row};
use support::{opt, Db, Setup, World};

struct Load {
    members: usize,
    rounds: usize,
    entries: usize,
}

impl Load {
    fn from_env() -> Load {
        let get = |key: &str, default: usize| {
            std::env::var(key)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(default)
        };
        Load {
            members: get("BENCH_MEMBERS", 16).max(1),
            rounds: get("BENCH_ROUNDS", 150).max(1),
            entries: get("BENCH_ENTRIES", 10_000),
        }
    }
}

fn main() {
    // `cargo bench` passes --bench; `cargo test` builds this and runs it without: say how.
    if !std::env::args().any(|a| a == "--bench") {
        println!(
            "timer_latency is a benchmark: cargo bench -p crewclock-bot --bench timer_latency"
        );
        return;
    }
    // The simulator and the driver on one runtime, the bot on another (as in the binary: two
    // workers), so that each one's CPU time can be read per thread (`cpu_by_part`).
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(SIM_THREADS)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    let bot_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(BOT_THREADS)
        .enable_all()
        .build()
        .expect("the bot's tokio runtime");
    let bot = bot_runtime.handle().clone();
    let load = Arc::new(Load::from_env());
    println!(
        "timer_latency: {} members, {} existing entries each, {} start+stop rounds per member and phase",
        load.members, load.entries, load.rounds
    );
    runtime.block_on(async {
        let setup = || Setup {
            bot_runtime: Some(bot.clone()),
            ..Setup::default()
        };
        let sqlite = load.clone();
        support::run_with(Db::Sqlite, setup(), move |w| {
            Box::pin(bench(w, "SQLite", sqlite))
        })
        .await;
        if std::env::var(support::POSTGRES_URL_ENV).is_ok() {
            let pg = load.clone();
            support::run_with(Db::Postgres, setup(), move |w| {
                Box::pin(bench(w, "PostgreSQL", pg))
            })
            .await;
        } else {
            eprintln!();
            eprintln!(
                "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
            );
            eprintln!(
                "!! PostgreSQL leg NOT RUN: set {} (e.g. postgres://postgres@127.0.0.1:5432/test)",
                support::POSTGRES_URL_ENV
            );
            eprintln!(
                "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"
            );
        }
    });
}

/// Per-phase results.
#[derive(Default)]
struct Samples {
    latencies: Vec<Duration>,
    errors: Vec<String>,
    /// CPU time spent during the phase by each part of the process ([`cpu_by_part`]).
    cpu: Vec<(&'static str, Duration)>,
}

/// Thread names of the simulator's (and driver's) runtime and of the bot's.
const SIM_THREADS: &str = "sim-worker";
const BOT_THREADS: &str = "bot-worker";

/// CPU time (user + system) used so far by the threads of each part of this process: the bot's
/// runtime, the database driver's threads (sqlx runs each SQLite connection on a thread of its
/// own; PostgreSQL work shows under the bot's runtime), and the rest (the simulator's runtime
/// and the driver on the main thread). Read from /proc; Linux counts in 1/100 s.
fn cpu_by_part() -> Vec<(&'static str, Duration)> {
    let mut parts = [
        ("bot (runtime)", Duration::ZERO),
        ("bot (SQLite threads)", Duration::ZERO),
        ("simulator + driver", Duration::ZERO),
    ];
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Vec::new();
    };
    for task in tasks.flatten() {
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
            continue;
        };
        // The name is in parentheses and may hold spaces: fields follow the last ')'.
        let Some((head, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let name = head.split_once('(').map(|(_, n)| n).unwrap_or_default();
        let fields: Vec<&str> = rest.split_whitespace().collect();
        // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
        let ticks: u64 = [11, 12]
            .iter()
            .filter_map(|i| fields.get(*i).and_then(|f| f.parse::<u64>().ok()))
            .sum();
        let used = Duration::from_millis(ticks * 10);
        let part = if name.starts_with(BOT_THREADS) {
            0
        } else if name.starts_with("sqlx-sqlite") {
            1
        } else {
            2
        };
        parts[part].1 += used;
    }
    parts.to_vec()
}

/// `after − before`, part by part.
fn cpu_spent(
    before: &[(&'static str, Duration)],
    after: &[(&'static str, Duration)],
) -> Vec<(&'static str, Duration)> {
    after
        .iter()
        .zip(before)
        .map(|((name, a), (_, b))| (*name, a.saturating_sub(*b)))
        .collect()
}

async fn bench(w: &World, db: &str, load: Arc<Load>) {
    w.sim.set_human_delay(Duration::ZERO);
    w.sim.set_default_timeout(Duration::from_secs(30));
    w.create_workspace().await;
    let created = w
        .run(
            &w.alice,
            "project create",
            vec![opt::string("name", "Bench"), opt::integer("privacy", 1)],
        )
        .await;
    assert!(created.text().contains("created"), "{}", created.text());
    let seats = w
        .run(
            &w.alice,
            "workspace set",
            vec![
                opt::string("setting", "seat_limit"),
                opt::string("value", (load.members + 5).to_string()),
            ],
        )
        .await;
    assert!(seats.text().contains("seat_limit"), "{}", seats.text());
    let mut members = Vec::with_capacity(load.members);
    for i in 0..load.members {
        let user = w.person(&format!("member{i}"));
        w.join(&user, "Member").await;
        members.push(user);
    }
    let seeding = Instant::now();
    let seeded = seed(w, load.entries).await;
    println!(
        "[{db}] seeded {seeded} entries in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );

    // Warm up connections, caches and the simulator's validators.
    phase(w, &members, 5).await;

    // The core alone (the same use cases the commands call, no Discord): what the database
    // work costs, for comparison with the bot's figures in the same run.
    let core = core_phase(w, &members[..1], load.rounds).await;
    report(db, "core only (no Discord), 1 member", &core);
    let core_all = core_phase(w, &members, load.rounds).await;
    let what = format!(
        "core only (no Discord), {} members in parallel",
        load.members
    );
    report(db, &what, &core_all);
    let single = phase(w, &members[..1], load.rounds).await;
    report(db, "bot, 1 member (one command at a time)", &single);
    let few = (load.members / 4).clamp(1, 4);
    let light = phase(w, &members[..few], load.rounds).await;
    report(db, &format!("bot, {few} members in parallel"), &light);
    let heavy = phase(w, &members, load.rounds).await;
    let what = format!("bot, {} members in parallel (throughput)", load.members);
    report(db, &what, &heavy);
}

/// Like [`phase`], calling `timers::start` / `timers::stop` directly.
async fn core_phase(w: &World, members: &[SimUser], rounds: usize) -> (Samples, Duration) {
    let began = Instant::now();
    let runs: Vec<_> = members
        .iter()
        .map(|user| {
            let app = w.app.clone();
            let actor =
                Actor::in_guild(GuildId(w.guild.0), UserId(user.id.0), user.username.clone());
            tokio::spawn(async move {
                let mut mine = Samples::default();
                for _ in 0..rounds {
                    let t = Instant::now();
                    let start = StartTimer {
                        project: Some("Bench".into()),
                        ..StartTimer::default()
                    };
                    match timers::start(&app, &actor, start).await {
                        Ok(_) => mine.latencies.push(t.elapsed()),
                        Err(e) => mine.errors.push(format!("start: {e}")),
                    }
                    let t = Instant::now();
                    match timers::stop(&app, &actor).await {
                        Ok(_) => mine.latencies.push(t.elapsed()),
                        Err(e) => mine.errors.push(format!("stop: {e}")),
                    }
                }
                mine
            })
        })
        .collect();
    let mut all = Samples::default();
    for run in futures::future::join_all(runs).await {
        let mine = run.expect("a member's run");
        all.latencies.extend(mine.latencies);
        all.errors.extend(mine.errors);
    }
    (all, began.elapsed())
}

/// 10,000 (or `per_member`) finished one-hour entries for every member, one every three
/// hours going back from now, inserted in bulk (not through commands).
async fn seed(w: &World, per_member: usize) -> usize {
    let mut conn = w.app.store.conn().await.expect("a connection");
    let project = sqlx::query("SELECT id, workspace_id FROM projects WHERE name = 'Bench'")
        .fetch_one(&mut *conn)
        .await
        .expect("the Bench project");
    let project_id: i64 = project.get("id");
    let workspace_id: i64 = project.get("workspace_id");
    let member_ids: Vec<i64> = sqlx::query("SELECT id FROM members WHERE workspace_id = $1")
        .bind(workspace_id)
        .fetch_all(&mut *conn)
        .await
        .expect("members")
        .iter()
        .map(|row| row.get("id"))
        .collect();
    let now = Utc::now().timestamp_millis();
    let hour = 3_600_000i64;
    let mut total = 0;
    for member in &member_ids {
        conn.execute("BEGIN").await.expect("begin");
        for chunk_start in (0..per_member).step_by(1000) {
            let rows: Vec<String> = (chunk_start..(chunk_start + 1000).min(per_member))
                .map(|k| {
                    let start = now - (k as i64 + 1) * 3 * hour;
                    format!(
                        "({workspace_id}, {member}, {project_id}, 'seeded', 0, {start}, {}, 0, {member}, {start}, {start})",
                        start + hour
                    )
                })
                .collect();
            let sql = format!(
                "INSERT INTO time_entries (workspace_id, member_id, project_id, description, billable, started_at, ended_at, overlapping, created_by, created_at, updated_at) VALUES {}",
                rows.join(", ")
            );
            conn.execute(sql.as_str()).await.expect("seed entries");
            total += rows.len();
        }
        conn.execute("COMMIT").await.expect("commit");
    }
    // Planner statistics as PostgreSQL's autovacuum gathers them by itself after a bulk load
    // (SQLite keeps none unless asked, and the app never asks: left as it runs).
    if w.app.store.kind() == crewclock::store::DbKind::Postgres {
        conn.execute("ANALYZE").await.expect("analyze");
    }
    total
}

/// Every member in `members` runs `rounds` × (`/timer start`, `/timer stop`) one command after
/// the other, all members at once. Returns the latencies, errors and wall time.
async fn phase(w: &World, members: &[SimUser], rounds: usize) -> (Samples, Duration) {
    let cpu_before = cpu_by_part();
    let began = Instant::now();
    // Each member is a task of its own, like independent people: no one member's wait holds
    // up another's next command.
    let runs: Vec<_> = members
        .iter()
        .map(|user| {
            let (sim, user, channel) = (w.sim.clone(), user.clone(), w.general);
            tokio::spawn(async move {
                let mut mine = Samples::default();
                for _ in 0..rounds {
                    for (command, expect) in [
                        ("timer start", "Timer started"),
                        ("timer stop", "Stopped your timer"),
                    ] {
                        let options = if command == "timer start" {
                            vec![opt::string("project", "Bench")]
                        } else {
                            Vec::new()
                        };
                        let interaction = sim.command(&user, channel, command, options).await;
                        let response = interaction.response().await;
                        if let Some(took) = interaction.answered_after() {
                            mine.latencies.push(took);
                        }
                        let content = response.data["content"].as_str().unwrap_or_default();
                        if !content.contains(expect) {
                            mine.errors.push(format!("/{command}: {content}"));
                        }
                    }
                }
                mine
            })
        })
        .collect();
    let mut samples = Samples::default();
    for run in futures::future::join_all(runs).await {
        let mine = run.expect("a member's run");
        samples.latencies.extend(mine.latencies);
        samples.errors.extend(mine.errors);
    }
    let wall = began.elapsed();
    samples.cpu = cpu_spent(&cpu_before, &cpu_by_part());
    (samples, wall)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn report(db: &str, what: &str, (samples, wall): &(Samples, Duration)) {
    let mut sorted = samples.latencies.clone();
    sorted.sort();
    // Every command was answered (a missing answer panics); errors are wrong answers.
    let commands = sorted.len();
    let rate = sorted.len() as f64 / wall.as_secs_f64();
    println!(
        "[{db}] {what}: {} commands in {:.2} s = {rate:.0} commands/s; latency p50 {} p90 {} p99 {} max {}; errors {}",
        commands,
        wall.as_secs_f64(),
        ms(percentile(&sorted, 50.0)),
        ms(percentile(&sorted, 90.0)),
        ms(percentile(&sorted, 99.0)),
        ms(sorted.last().copied().unwrap_or_default()),
        samples.errors.len()
    );
    for error in samples.errors.iter().take(5) {
        println!("    error: {error}");
    }
    if commands == 0 || samples.cpu.is_empty() {
        return;
    }
    // CPU per command by part, and what the bot's share alone would allow on two cores (the
    // simulator stands in for Discord, which runs elsewhere in production).
    let per_command = |d: Duration| d.as_secs_f64() * 1000.0 / commands as f64;
    let parts: Vec<String> = samples
        .cpu
        .iter()
        .map(|(name, used)| format!("{name} {:.3}", per_command(*used)))
        .collect();
    let bot: Duration = samples
        .cpu
        .iter()
        .filter(|(name, _)| name.starts_with("bot"))
        .map(|(_, used)| *used)
        .sum();
    let total: Duration = samples.cpu.iter().map(|(_, used)| *used).sum();
    println!(
        "    CPU ms per command: {}; all {:.3}; bot alone on 2 cores: {:.0} commands/s",
        parts.join(", "),
        per_command(total),
        2000.0 / per_command(bot).max(1e-9)
    );
}
