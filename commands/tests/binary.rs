//! The real `crewclock` binary: clear one-line errors for bad configuration, start-up against
//! the Discord simulator, and a graceful stop on SIGTERM.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use discord_sim::{DiscordSim, GuildSpec};

const BIN: &str = env!("CARGO_BIN_EXE_crewclock");

fn run_with(env: &[(&str, &str)]) -> (i32, String) {
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(BIN);
    command
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    for (k, v) in env {
        command.env(k, v);
    }
    let out = command.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn missing_or_malformed_token_gives_one_clear_line() {
    let (code, err) = run_with(&[]);
    assert_eq!(code, 2);
    assert_eq!(
        err.trim(),
        "crewclock: no Discord token: set DISCORD_TOKEN or discord.token_file"
    );
    let (code, err) = run_with(&[("DISCORD_TOKEN", "not a token")]);
    assert_eq!(code, 2);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("malformed"), "{err}");
}

#[test]
fn bad_config_gives_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, "[database]\nurl = 5\n").unwrap();
    let (code, err) = run_with(&[
        ("CREWCLOCK_CONFIG", path.to_str().unwrap()),
        ("DISCORD_TOKEN", "a.b.c"),
    ]);
    assert_eq!(code, 2);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("configuration error") && err.contains("bad.toml"),
        "{err}"
    );
    let (code, err) = run_with(&[
        ("CREWCLOCK_DATABASE_URL", "mysql://root:pw@x/db"),
        ("DISCORD_TOKEN", "a.b.c"),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("sqlite:") && !err.contains("pw"), "{err}");
}

/// Starts the binary on an empty SQLite against the simulator, waits for it to register its
/// commands, then stops it with SIGTERM. Prints the start-up time (target: ready ≤ 1 s).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starts_against_the_simulator_and_stops_on_sigterm() {
    let sim = DiscordSim::start().await;
    let guild = sim.add_guild(GuildSpec::new("Acme"));
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let mut child = Command::new(BIN)
        .current_dir(dir.path())
        // The simulator takes any token; this one has the shape the binary checks for.
        .env("DISCORD_TOKEN", "c2lt.dGVzdA.simulator-token")
        .env("CREWCLOCK_DISCORD_API_BASE_URL", sim.base_url())
        .env("CREWCLOCK_DISCORD_COMMAND_SCOPE", "guild")
        .env("CREWCLOCK_DISCORD_GUILD_IDS", guild.0.to_string())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    sim.wait_commands_registered(Duration::from_secs(10)).await;
    let ready = started.elapsed();
    println!("start-up (process start → commands registered, empty SQLite): {ready:?}");
    assert!(
        dir.path().join("crewclock.db").exists(),
        "the default SQLite file is created"
    );
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the bot did not stop within 10 s of SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert!(status.success(), "exit {status:?}: {stderr}");
    sim.assert_clean();
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A plain HTTP/1.0 GET over a socket: the status line and the body.
fn http_get(port: u16, path: &str) -> Option<(String, String)> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .write_all(format!("GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").as_bytes())
        .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let status = response.lines().next()?.to_string();
    let body = response.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
    Some((status, body))
}

#[test]
fn web_only_needs_an_address_but_no_token() {
    let (code, err) = run_with(&[]);
    assert_eq!(code, 2, "without --web-only the token is required: {err}");
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .arg("--web-only")
        .current_dir(dir.path())
        .env_clear()
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(err.contains("--web-only needs web.bind"), "{err}");
    let out = Command::new(BIN)
        .arg("--bogus")
        .current_dir(dir.path())
        .env_clear()
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("usage: crewclock [--web-only]"));
}

/// `crewclock --web-only` serves the sidecar without a Discord token; metrics answer only on
/// their own address; SIGTERM stops it cleanly.
#[test]
fn web_only_serves_health_and_metrics_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let (web, metrics) = (free_port(), free_port());
    let mut child = Command::new(BIN)
        .arg("--web-only")
        .current_dir(dir.path())
        .env_clear()
        .env("CREWCLOCK_WEB_BIND", format!("127.0.0.1:{web}"))
        .env("CREWCLOCK_WEB_METRICS_BIND", format!("127.0.0.1:{metrics}"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let health = loop {
        if let Some(got) = http_get(web, "/healthz") {
            break got;
        }
        assert!(
            Instant::now() < deadline,
            "the sidecar did not answer within 10 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(health.0.contains("200"), "{health:?}");
    let ready = http_get(web, "/readyz").unwrap();
    assert!(ready.0.contains("200"), "{ready:?}");
    let public_metrics = http_get(web, "/metrics").unwrap();
    assert!(public_metrics.0.contains("404"), "{public_metrics:?}");
    let (status, body) = http_get(metrics, "/metrics").unwrap();
    assert!(status.contains("200"), "{status}");
    assert!(
        body.contains("crewclock_http_requests_total{route=\"/healthz\",status=\"200\"} 1"),
        "{body}"
    );
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "did not stop within 10 s of SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert!(status.success(), "exit {status:?}: {stderr}");
}
