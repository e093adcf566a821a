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
