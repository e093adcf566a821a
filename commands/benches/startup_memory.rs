//! The `crewclock` release binary as a child process against the Discord simulator (which
//! runs in this process): start-up time, idle memory, and memory over a soak of realistic
//! traffic. Shows two targets of `targets.md`:
//!
//! - **start-up**: binary start to ready (migrations applied) ≤ 1 s on an empty SQLite;
//! - **memory**: bot + sidecar idle ≤ 60 MB RSS; no growth over a 10-minute soak.
//!
//! Run: `cargo bench -p crewclock-bot --bench startup_memory`. BENCH_STARTS (default 10)
//! start-ups; BENCH_SOAK_SECS (default 600, the target's 10 minutes) of soak; BENCH_SOAK_RATE
//! (default 4) commands per second during the soak; BENCH_SOAK_LIST=0 sends `/timer status`
//! instead of `/time list`; BENCH_SOAK_PAGES=0 skips opening the
//! report pages (to tell the bot's memory from the sidecar's); BENCH_IDLE_AFTER_SECS (default
//! 10) is how long the process idles after the soak, with a reading every minute.
//! CREWCLOCK_DATABASE_MAX_CONNECTIONS, TOKIO_WORKER_THREADS and MIMALLOC_* are passed on to
//! the bot (the bot otherwise gets a clean environment), to see what they do to the memory
//! figures; BENCH_SHOW_BOT_LOG=1 prints the soaked bot's stderr after it stopped (with
//! MIMALLOC_SHOW_STATS=1: the allocator's statistics at exit).
//!
//! **Start-up.** Each run gets a fresh simulator, a fresh empty SQLite file in a temp dir and
//! the web sidecar on a free loopback port. Times from spawning the process to: `/readyz`
//! answering 200 (the database is open and migrated: the sidecar starts after that); the
//! simulator sending READY (the bot's IDENTIFY arrived); the bot registering its slash
//! commands (poise's ready handler ran: it can serve commands). A run is ready when all three
//! happened; the target is met when every run is ready within 1 s. Then SIGTERM, and the
//! process must exit cleanly.
//!
//! **Memory.** VmRSS, VmHWM (peak RSS) and the thread count from `/proc/<pid>/status` of the
//! one process that is bot and sidecar. MB here are 10^6 bytes (stricter than MiB).
//!
//! **Soak.** One process: a workspace, a project and three members are set up through
//! commands, then the owner and the members each run, at a steady pace, `/timer start`,
//! `/time list`, `/timer stop`, `/timer start`, `/timer stop`, `/report summary`, and open the
//! report's web page from the link button on the real sidecar. Every answer is checked. RSS
//! is sampled at a fixed interval; growth is the mean of the last window minus the mean of
//! the first window after warm-up (both a minute on the default soak).
//!
//! This process's own allocator does not matter (the figures are the child's); the binary
//! uses mimalloc (`src/main.rs`). The machine is shared: the load average is printed with the
//! figures.

#[path = "../tests/support/mod.rs"]
mod support;

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use discord_sim::{ChannelId, DiscordSim, GuildId, GuildSpec, SentMessage, SimUser};
use futures::FutureExt;
use support::{opt, role_opt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const TARGET_START: Duration = Duration::from_secs(1);
const TARGET_RSS_MB: f64 = 60.0;
/// How long a start-up may take before the run is abandoned as broken (not merely slow).
const START_GIVE_UP: Duration = Duration::from_secs(30);
/// The simulator takes any token; this one has the shape the binary checks for.
const BOT_TOKEN: &str = "c2lt.dGVzdA.simulator-token";

fn env_usize(key: &str, default: usize) -> usize {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    // `cargo bench` passes --bench; `cargo test` builds this and runs it without: say how.
    if !std::env::args().any(|a| a == "--bench") {
        println!(
            "startup_memory is a benchmark: cargo bench -p crewclock-bot --bench startup_memory"
        );
        return;
    }
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_crewclock"));
    if !binary.is_file() {
        eprintln!(
            "startup_memory: the crewclock binary is missing at {} (cargo builds it for \
             `cargo bench -p crewclock-bot`)",
            binary.display()
        );
        std::process::exit(2);
    }
    let starts = env_usize("BENCH_STARTS", 10).max(1);
    let soak_secs = env_usize("BENCH_SOAK_SECS", 600).max(20) as u64;
    let rate = env_usize("BENCH_SOAK_RATE", 4).max(1);
    let pages = env_usize("BENCH_SOAK_PAGES", 1) != 0;
    let idle_after = env_usize("BENCH_IDLE_AFTER_SECS", 10).max(10) as u64;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    println!("startup_memory: {}", binary.display());
    for (key, value) in passed_through() {
        println!("passed to the bot: {key}={value}");
    }
    println!("load average at start: {}", load_average());
    runtime.block_on(async {
        // Compile the simulator's request validators now, so that work (a second or so of
        // CPU, once per process) does not compete with the first timed start-up.
        let _ = tokio::task::spawn_blocking(discord_sim::precompile_spec).await;
        startup(&binary, starts).await;
        println!("load average: {}", load_average());
        memory_and_soak(
            &binary,
            Duration::from_secs(soak_secs),
            rate,
            pages,
            idle_after,
        )
        .await;
    });
    println!("load average at end: {}", load_average());
}

// ----- the child process ----------------------------------------------------------------

/// A running `crewclock` on a fresh SQLite file, connected to `sim`. Killed (SIGKILL) if
/// dropped while running, so a panicking bench leaves no process behind.
struct Bot {
    child: Child,
    web_port: u16,
    dir: tempfile::TempDir,
}

impl Bot {
    fn spawn(binary: &Path, sim: &DiscordSim, guild: GuildId) -> Bot {
        let dir = tempfile::tempdir().expect("a temp dir");
        let web_port = free_port();
        let log = std::fs::File::create(dir.path().join("bot.log")).expect("a log file");
        let db = dir.path().join("crewclock.db");
        // A clean environment: no config file or RUST_LOG of the person running this.
        let child = Command::new(binary)
            .current_dir(dir.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DISCORD_TOKEN", BOT_TOKEN)
            .env("CREWCLOCK_DISCORD_API_BASE_URL", sim.base_url())
            .env("CREWCLOCK_DISCORD_COMMAND_SCOPE", "guild")
            .env("CREWCLOCK_DISCORD_GUILD_IDS", guild.0.to_string())
            .env(
                "CREWCLOCK_DATABASE_URL",
                format!("sqlite://{}?mode=rwc", db.display()),
            )
            .env("CREWCLOCK_WEB_BIND", format!("127.0.0.1:{web_port}"))
            .env(
                "CREWCLOCK_WEB_PUBLIC_URL",
                format!("http://127.0.0.1:{web_port}"),
            )
            .env("RUST_LOG", "warn")
            .envs(passed_through())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            // A file, not a pipe: nobody reads it during the soak, and a full pipe would
            // block the bot.
            .stderr(log)
            .spawn()
            .expect("the crewclock binary starts");
        Bot {
            child,
            web_port,
            dir,
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.dir.path().join("bot.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    }

    /// Polls `/readyz` until it answers 200; the time since `since`.
    async fn wait_readyz(&self, since: Instant) -> Duration {
        loop {
            if let Some((status, _)) = http_get(self.web_port, "/readyz").await {
                if status.contains(" 200 ") {
                    return since.elapsed();
                }
            }
            if since.elapsed() > START_GIVE_UP {
                panic!(
                    "/readyz did not answer 200 within {START_GIVE_UP:?}; bot log:\n{}",
                    self.log_tail()
                );
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    /// SIGTERM, then waits for the exit: the status, how long it took, and what the bot wrote
    /// on stderr.
    async fn stop(mut self) -> (ExitStatus, Duration, String) {
        let began = Instant::now();
        let pid = self.pid().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status();
        assert!(
            matches!(sent, Ok(s) if s.success()),
            "kill -TERM {pid}: {sent:?}"
        );
        loop {
            if let Some(status) = self.child.try_wait().expect("the child's status") {
                if !status.success() {
                    println!(
                        "!! the bot exited with {status} after SIGTERM; log:\n{}",
                        self.log_tail()
                    );
                }
                let log =
                    std::fs::read_to_string(self.dir.path().join("bot.log")).unwrap_or_default();
                return (status, began.elapsed(), log);
            }
            assert!(
                began.elapsed() < Duration::from_secs(10),
                "the bot did not stop within 10 s of SIGTERM"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

impl Drop for Bot {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Settings of the run that change the bot's memory, passed on from this process's
/// environment to look into a figure: the pool size, tokio's worker count, mimalloc's options.
fn passed_through() -> Vec<(String, String)> {
    std::env::vars()
        .filter(|(key, _)| {
            key == "CREWCLOCK_DATABASE_MAX_CONNECTIONS"
                || key == "TOKIO_WORKER_THREADS"
                || key.starts_with("MIMALLOC_")
        })
        .collect()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// A plain HTTP/1.0 GET on loopback: the status line and the body; None when nothing listens.
async fn http_get(port: u16, path: &str) -> Option<(String, String)> {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .ok()?;
    stream
        .write_all(format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").as_bytes())
        .await
        .ok()?;
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).await.ok()?;
    let response = String::from_utf8_lossy(&bytes);
    let status = response.lines().next()?.to_string();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_string())
        .unwrap_or_default();
    Some((status, body))
}

/// The fields of `/proc/<pid>/status` this bench reports.
#[derive(Clone, Copy, Debug)]
struct ProcStatus {
    rss_kb: u64,
    hwm_kb: u64,
    anon_kb: u64,
    file_kb: u64,
    threads: u64,
}

fn proc_status(pid: u32) -> ProcStatus {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_else(|e| panic!("/proc/{pid}/status: {e} (the bot exited?)"));
    let field = |name: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
            .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in /proc/{pid}/status"))
    };
    ProcStatus {
        rss_kb: field("VmRSS"),
        hwm_kb: field("VmHWM"),
        anon_kb: field("RssAnon"),
        file_kb: field("RssFile"),
        threads: field("Threads"),
    }
}

/// The process's threads by name (`/proc/<pid>/task/*/comm`), e.g. "tokio-runtime-w ×2".
fn thread_names(pid: u32) -> String {
    let mut counts = std::collections::BTreeMap::<String, usize>::new();
    if let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) {
        for task in tasks.flatten() {
            let name = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
            *counts.entry(name.trim().to_string()).or_default() += 1;
        }
    }
    counts
        .iter()
        .map(|(name, n)| format!("{name} ×{n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// kB (KiB, as /proc counts) to MB (10^6 bytes).
fn mb(kb: u64) -> f64 {
    kb as f64 * 1024.0 / 1e6
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn met(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "MISSED"
    }
}

/// A simulated server for the bot, with its owner alice.
async fn new_server() -> (DiscordSim, GuildId) {
    let sim = DiscordSim::start().await;
    let guild = sim.add_guild(GuildSpec::new("Acme").owner("alice"));
    (sim, guild)
}

// ----- start-up ---------------------------------------------------------------------------

async fn startup(binary: &Path, runs: usize) {
    println!();
    println!("== start-up: {runs} runs, each on a fresh empty SQLite, web sidecar on loopback");
    println!(
        "{:>4} {:>14} {:>14} {:>20} {:>14}",
        "run", "/readyz 200", "gateway READY", "commands registered", "SIGTERM→exit"
    );
    let (mut readyz, mut gateway, mut commands, mut ready, mut stops) =
        (vec![], vec![], vec![], vec![], vec![]);
    let mut clean_exits = 0;
    for run in 1..=runs {
        let (sim, guild) = new_server().await;
        let began = Instant::now();
        let bot = Bot::spawn(binary, &sim, guild);
        let (r, g, c) = tokio::join!(
            bot.wait_readyz(began),
            async {
                sim.wait_ready(START_GIVE_UP).await;
                began.elapsed()
            },
            async {
                sim.wait_commands_registered(START_GIVE_UP).await;
                began.elapsed()
            },
        );
        let (status, stop, _) = bot.stop().await;
        if status.success() {
            clean_exits += 1;
        }
        println!(
            "{run:>4} {:>14} {:>14} {:>20} {:>14}",
            ms(r),
            ms(g),
            ms(c),
            ms(stop)
        );
        readyz.push(r);
        gateway.push(g);
        commands.push(c);
        ready.push(r.max(g).max(c));
        stops.push(stop);
        let violations = sim.violations();
        if !violations.is_empty() {
            println!("    simulator violations: {violations:?}");
        }
    }
    for (what, samples) in [
        (
            "/readyz 200 (database open, migrations applied)",
            &mut readyz,
        ),
        ("gateway READY (IDENTIFY received)", &mut gateway),
        ("commands registered (bot ready)", &mut commands),
        ("ready (all three)", &mut ready),
        ("SIGTERM → exit", &mut stops),
    ] {
        samples.sort();
        println!(
            "{what:<48} p50 {:>9}  max {:>9}",
            ms(percentile(samples, 50.0)),
            ms(*samples.last().expect("one run"))
        );
    }
    let worst = *ready.last().expect("one run");
    println!(
        "target: start to ready ≤ 1 s on an empty SQLite (every run): {} (worst {})",
        met(worst <= TARGET_START),
        ms(worst)
    );
    println!("clean exits on SIGTERM: {clean_exits}/{runs}");
}

// ----- idle memory and soak ---------------------------------------------------------------

async fn memory_and_soak(binary: &Path, soak: Duration, rate: usize, pages: bool, idle_after: u64) {
    println!();
    println!("== idle memory: one process, bot + web sidecar, empty SQLite");
    let (sim, guild) = new_server().await;
    // Generous waits: the machine is shared, and a slow answer is a figure, not a failure.
    sim.set_default_timeout(Duration::from_secs(30));
    let began = Instant::now();
    let bot = Bot::spawn(binary, &sim, guild);
    bot.wait_readyz(began).await;
    sim.wait_ready(START_GIVE_UP).await;
    sim.wait_commands_registered(START_GIVE_UP).await;
    let pid = bot.pid();
    let at_ready = proc_status(pid);
    let settle = Duration::from_secs(5);
    tokio::time::sleep(settle).await;
    let idle = proc_status(pid);
    println!(
        "at ready: RSS {:.1} MB; after {}s idle: RSS {:.1} MB (anon {:.1}, file-backed {:.1}), peak (VmHWM) {:.1} MB, {} threads",
        mb(at_ready.rss_kb),
        settle.as_secs(),
        mb(idle.rss_kb),
        mb(idle.anon_kb),
        mb(idle.file_kb),
        mb(idle.hwm_kb),
        idle.threads
    );
    println!("threads at idle: {}", thread_names(pid));
    println!(
        "target: idle ≤ {TARGET_RSS_MB} MB RSS: {} ({:.1} MB)",
        met(mb(idle.rss_kb) <= TARGET_RSS_MB),
        mb(idle.rss_kb)
    );

    println!();
    let server = Server::set_up(sim, guild, bot.web_port, pages).await;
    let after_setup = proc_status(pid);
    println!(
        "set up through commands: workspace, project Soak, {} members; RSS {:.1} MB",
        server.members.len(),
        mb(after_setup.rss_kb)
    );
    let samples = soak_run(&server, pid, soak, rate).await;
    report_growth(&samples, soak);

    // Back to idle: does the memory the traffic used stay taken? Readings 10 s after the
    // soak, then every minute up to BENCH_IDLE_AFTER_SECS (memory held until a timeout, such
    // as a reply's buttons, comes back only after it).
    let mut after = proc_status(pid);
    let mut idle_for = 0;
    for wait in idle_readings(idle_after) {
        tokio::time::sleep(Duration::from_secs(wait - idle_for)).await;
        idle_for = wait;
        after = proc_status(pid);
        println!(
            "idle {wait} s after the soak: RSS {:.1} MB (anon {:.1}, file-backed {:.1}), peak (VmHWM) {:.1} MB, {} threads",
            mb(after.rss_kb),
            mb(after.anon_kb),
            mb(after.file_kb),
            mb(after.hwm_kb),
            after.threads
        );
    }
    println!("threads after the soak: {}", thread_names(pid));
    println!(
        "target: idle ≤ {TARGET_RSS_MB} MB RSS after the soak: {} ({:.1} MB)",
        met(mb(after.rss_kb) <= TARGET_RSS_MB),
        mb(after.rss_kb)
    );
    let db_bytes = std::fs::metadata(bot.dir.path().join("crewclock.db"))
        .map(|m| m.len())
        .unwrap_or(0);
    println!("database file: {:.1} MB", db_bytes as f64 / 1e6);
    let violations = server.sim.violations();
    println!(
        "simulator: {} rule violations, {} unknown routes",
        violations.len(),
        server.sim.unknown_routes().len()
    );
    for v in violations.iter().take(5) {
        println!("    violation: {v}");
    }
    let (status, _, log) = bot.stop().await;
    println!("stopped on SIGTERM: {status}");
    // E.g. with MIMALLOC_SHOW_STATS=1, the allocator's statistics at exit.
    if std::env::var_os("BENCH_SHOW_BOT_LOG").is_some() {
        println!("the bot's stderr:\n{log}");
    }
}

/// When to read the memory after the soak, in seconds: at 10, each whole minute, at `until`.
fn idle_readings(until: u64) -> Vec<u64> {
    let mut at: Vec<u64> = std::iter::once(10).chain((60..until).step_by(60)).collect();
    if at.last() != Some(&until) {
        at.push(until);
    }
    at
}

/// The simulated server after set-up: the workspace's owner and members.
struct Server {
    sim: DiscordSim,
    general: ChannelId,
    alice: SimUser,
    members: Vec<SimUser>,
    web_port: u16,
    /// Whether the soak opens each report's web page.
    pages: bool,
}

impl Server {
    async fn set_up(sim: DiscordSim, guild: GuildId, web_port: u16, pages: bool) -> Server {
        let general = sim.channel_by_name(guild, "general");
        let alice = sim.owner(guild);
        let mut server = Server {
            sim,
            general,
            alice,
            members: Vec::new(),
            web_port,
            pages,
        };
        let alice = server.alice.clone();
        server
            .expect(
                &alice,
                "workspace create",
                vec![opt::string("name", "Acme Time")],
                "created",
            )
            .await;
        server
            .expect(
                &alice,
                "project create",
                vec![opt::string("name", "Soak"), opt::integer("privacy", 1)],
                "created",
            )
            .await;
        server
            .expect(
                &alice,
                "workspace set",
                vec![
                    opt::string("setting", "seat_limit"),
                    opt::string("value", "10"),
                ],
                "seat_limit",
            )
            .await;
        for name in ["bob", "carol", "dave"] {
            let user = server.sim.user(guild, name);
            server.join(&user).await;
            server.members.push(user);
        }
        server
    }

    async fn run(
        &self,
        user: &SimUser,
        command: &str,
        options: Vec<serde_json::Value>,
    ) -> SentMessage {
        self.sim
            .command(user, self.general, command, options)
            .await
            .reply()
            .await
    }

    /// Set-up steps must work: a wrong answer stops the bench.
    async fn expect(
        &self,
        user: &SimUser,
        command: &str,
        options: Vec<serde_json::Value>,
        needle: &str,
    ) {
        let reply = self.run(user, command, options).await;
        assert!(
            reply.text().contains(needle),
            "/{command}: expected '{needle}' in {}",
            reply.text()
        );
    }

    /// Alice invites `user` as a Member and they accept through the DM's button.
    async fn join(&self, user: &SimUser) {
        let options = vec![opt::user("user", user.id), role_opt("role", "Member")];
        let reply = self.run(&self.alice, "invite user", options).await;
        assert!(reply.text().contains("sent to"), "{}", reply.text());
        let dm = self.sim.dm_channel(user);
        self.sim
            .wait_for_bot_message(dm, Duration::from_secs(30), |m| !m.buttons().is_empty())
            .await;
        let invitation = self.sim.dms_to(user).into_iter().last().expect("a DM");
        let answer = self
            .sim
            .click_label(user, &invitation, "Accept")
            .await
            .response()
            .await;
        assert_eq!(answer.kind, 7, "accept updates the DM: {:?}", answer.data);
    }
}

/// What the soak's traffic did so far.
#[derive(Default)]
struct Tally {
    commands: AtomicU64,
    pages: AtomicU64,
    page_bytes: AtomicU64,
    errors: AtomicU64,
    first_errors: Mutex<Vec<String>>,
    /// Simulator-measured answer times (interaction sent → callback received).
    latencies: Mutex<Vec<Duration>>,
}

impl Tally {
    fn error(&self, what: String) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        let mut first = self.first_errors.lock().expect("errors");
        if first.len() < 5 {
            first.push(what);
        }
    }
}

/// One RSS sample of the soak.
struct Sample {
    at: Duration,
    status: ProcStatus,
    commands: u64,
    pages: u64,
    errors: u64,
}

/// Windows for a soak of `soak`: warm-up and each compared window are a minute on the
/// default 10-minute soak, a quarter of shorter ones; samples every 10 s (fewer seconds on
/// short soaks, so each window has at least three).
fn windows(soak: Duration) -> (Duration, Duration) {
    let window = Duration::from_secs(60).min(soak / 4);
    let every = Duration::from_secs(10).min(window / 3);
    (window, every)
}

async fn soak_run(server: &Server, pid: u32, soak: Duration, rate: usize) -> Vec<Sample> {
    let actors: Vec<SimUser> = std::iter::once(server.alice.clone())
        .chain(server.members.iter().cloned())
        .collect();
    // Each actor runs its script one step per `pace`: `rate` commands/s in all.
    let people = actors.len();
    let pace = Duration::from_secs_f64(people as f64 / rate as f64);
    let (_, every) = windows(soak);
    println!(
        "== soak: {} s, {} people, {rate} commands/s in all (each: timer start, time list, timer stop, timer start, timer stop, report summary{}); RSS every {} s",
        soak.as_secs(),
        people,
        if server.pages { " + its web page" } else { ", web pages NOT opened" },
        every.as_secs_f64()
    );
    let tally = Arc::new(Tally::default());
    let stop = Arc::new(AtomicBool::new(false));
    let began = Instant::now();
    let traffic = futures::future::join_all(actors.iter().enumerate().map(|(i, user)| {
        let (tally, stop) = (tally.clone(), stop.clone());
        async move {
            // Spread the people over one pace so the commands come evenly.
            tokio::time::sleep(pace.mul_f64(i as f64 / people as f64)).await;
            let mut tick = tokio::time::interval(pace);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let mut step = 0usize;
            while !stop.load(Ordering::Relaxed) {
                tick.tick().await;
                // A missing answer panics in the simulator's wait: count it, keep going.
                let done = AssertUnwindSafe(act(server, user, step, &tally))
                    .catch_unwind()
                    .await;
                if done.is_err() {
                    tally.error(format!("step {step} of {}: no answer", user.username));
                }
                step += 1;
            }
        }
    }));
    let sampler = async {
        println!(
            "{:>7} {:>9} {:>9} {:>8} {:>9} {:>6} {:>7}",
            "t", "RSS MB", "peak MB", "threads", "commands", "pages", "errors"
        );
        let mut samples = Vec::new();
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        while began.elapsed() < soak {
            tick.tick().await;
            let sample = Sample {
                at: began.elapsed(),
                status: proc_status(pid),
                commands: tally.commands.load(Ordering::Relaxed),
                pages: tally.pages.load(Ordering::Relaxed),
                errors: tally.errors.load(Ordering::Relaxed),
            };
            println!(
                "{:>6.0}s {:>9.1} {:>9.1} {:>8} {:>9} {:>6} {:>7}",
                sample.at.as_secs_f64(),
                mb(sample.status.rss_kb),
                mb(sample.status.hwm_kb),
                sample.status.threads,
                sample.commands,
                sample.pages,
                sample.errors
            );
            samples.push(sample);
        }
        stop.store(true, Ordering::Relaxed);
        samples
    };
    let (_, samples) = tokio::join!(traffic, sampler);
    let mut latencies = tally.latencies.lock().expect("latencies").clone();
    latencies.sort();
    let commands = tally.commands.load(Ordering::Relaxed);
    println!(
        "traffic: {commands} commands ({:.1}/s), {} web pages, {} errors; bot answer time p50 {} p99 {} max {}",
        commands as f64 / began.elapsed().as_secs_f64(),
        tally.pages.load(Ordering::Relaxed),
        tally.errors.load(Ordering::Relaxed),
        ms(percentile(&latencies, 50.0)),
        ms(percentile(&latencies, 99.0)),
        ms(latencies.last().copied().unwrap_or_default())
    );
    let (pages, bytes) = (
        tally.pages.load(Ordering::Relaxed),
        tally.page_bytes.load(Ordering::Relaxed),
    );
    if pages > 0 {
        println!(
            "web pages: {pages}, each a new link, {:.0} kB on average, {:.1} MB in all",
            bytes as f64 / pages as f64 / 1e3,
            bytes as f64 / 1e6
        );
    }
    for error in tally.first_errors.lock().expect("errors").iter() {
        println!("    error: {error}");
    }
    samples
}

/// Step `step` of a person's script; checks the answer and counts it.
async fn act(server: &Server, user: &SimUser, step: usize, tally: &Tally) {
    let (command, options, expect): (&str, Vec<serde_json::Value>, &str) = match step % 6 {
        0 | 3 => (
            "timer start",
            vec![opt::string("project", "Soak")],
            "Timer started",
        ),
        2 | 4 => ("timer stop", Vec::new(), "Stopped your timer"),
        // BENCH_SOAK_LIST=0: `/timer status` instead (a paginated list waits 5 minutes for
        // presses, holding its pages: the growth this benchmark shows comes from there).
        1 if std::env::var("BENCH_SOAK_LIST").is_ok_and(|v| v == "0") => {
            ("timer status", Vec::new(), "")
        }
        1 => ("time list", Vec::new(), ""),
        _ => (
            "report summary",
            vec![opt::string("range", "this-week")],
            "Soak",
        ),
    };
    let interaction = server
        .sim
        .command(user, server.general, command, options)
        .await;
    let reply = interaction.reply().await;
    tally.commands.fetch_add(1, Ordering::Relaxed);
    if let Some(took) = interaction.answered_after() {
        tally.latencies.lock().expect("latencies").push(took);
    }
    let text = reply.text();
    let answered = match command {
        // The week's entries come as an embed.
        "time list" => !reply.embeds.is_empty(),
        _ => text.contains(expect),
    };
    if !answered {
        tally.error(format!("/{command} by {}: {text}", user.username));
        return;
    }
    if command == "report summary" && server.pages {
        open_report_page(server, user, &reply, tally).await;
    }
}

/// Opens the report's page on the real sidecar from the reply's link button.
async fn open_report_page(server: &Server, user: &SimUser, reply: &SentMessage, tally: &Tally) {
    let base = format!("http://127.0.0.1:{}", server.web_port);
    let Some(path) = reply
        .buttons()
        .into_iter()
        .find_map(|b| b.url)
        .and_then(|url| url.strip_prefix(&base).map(str::to_string))
    else {
        tally.error(format!(
            "/report summary by {}: no link button",
            user.username
        ));
        return;
    };
    match http_get(server.web_port, &path).await {
        Some((status, body)) if status.contains(" 200 ") && body.contains("Soak") => {
            tally.pages.fetch_add(1, Ordering::Relaxed);
            tally
                .page_bytes
                .fetch_add(body.len() as u64, Ordering::Relaxed);
        }
        Some((status, _)) => tally.error(format!("GET {path}: {status}")),
        None => tally.error(format!("GET {path}: no answer")),
    }
}

fn mean_rss_mb(samples: &[&Sample]) -> f64 {
    samples.iter().map(|s| mb(s.status.rss_kb)).sum::<f64>() / samples.len().max(1) as f64
}

/// Growth = mean RSS of the last window − mean RSS of the first window after warm-up.
fn report_growth(samples: &[Sample], soak: Duration) {
    let (window, _) = windows(soak);
    let warm_up = window;
    let first: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.at > warm_up && s.at <= warm_up + window)
        .collect();
    let last: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.at > soak.saturating_sub(window))
        .collect();
    if first.is_empty() || last.is_empty() {
        println!("too few samples to compare windows");
        return;
    }
    let (before, after) = (mean_rss_mb(&first), mean_rss_mb(&last));
    let growth = after - before;
    // RSS moves by a few hundred kB as the allocator takes and returns pages; more than
    // 1 MB or 2 % between the windows is growth worth a look.
    let noise = (before * 0.02).max(1.0);
    println!(
        "growth: last {} s mean {:.1} MB − first {} s after a {} s warm-up mean {:.1} MB = {:+.1} MB ({} + {} samples)",
        window.as_secs(),
        after,
        window.as_secs(),
        warm_up.as_secs(),
        before,
        growth,
        first.len(),
        last.len()
    );
    println!(
        "target: no growth over the soak (≤ {noise:.1} MB, the noise bound): {}",
        if growth <= noise {
            "met"
        } else {
            "MISSED (grows)"
        }
    );
    let peak = samples
        .iter()
        .map(|s| mb(s.status.rss_kb))
        .fold(0.0, f64::max);
    println!(
        "highest RSS sample under traffic: {peak:.1} MB (for reference: the {TARGET_RSS_MB} MB target is for idle)"
    );
}
