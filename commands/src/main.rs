//! The crewclock binary: reads the configuration, opens the database (applying migrations),
//! connects to Discord and runs until SIGINT/SIGTERM.

use std::process::ExitCode;
use std::sync::Arc;

use crewclock::app::SystemClock;
use crewclock::config::{redact_url, Config};
use crewclock::store::{Store, StoreOptions};
use crewclock::App;
use crewclock_bot::{run_bot, BotOptions};

#[tokio::main]
async fn main() -> ExitCode {
    let env = |key: &str| std::env::var(key).ok();
    let config = match Config::load(&env) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("crewclock: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    init_logging(&config.log.filter);
    let token = match config.discord_token(&env) {
        Ok(token) => token,
        Err(e) => {
            eprintln!("crewclock: {e}");
            return ExitCode::from(2);
        }
    };
    let options = StoreOptions {
        max_connections: config.database.max_connections,
        ..StoreOptions::default()
    };
    let store = match Store::open(&config.database.url, &options).await {
        Ok(store) => store,
        Err(e) => {
            eprintln!(
                "crewclock: cannot open the database {}: {e}",
                redact_url(&config.database.url)
            );
            return ExitCode::from(1);
        }
    };
    tracing::info!(database = %redact_url(&config.database.url), "database ready, migrations applied");
    let app = App::new(store, Arc::new(SystemClock));
    let options = BotOptions {
        token,
        discord: config.discord.clone(),
    };
    let outcome = run_bot(app.clone(), options, shutdown_signal()).await;
    app.store.close().await;
    match outcome {
        Ok(()) => {
            tracing::info!("stopped");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("crewclock: the Discord connection failed: {e}");
            ExitCode::from(1)
        }
    }
}

fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt().with_env_filter(filter).init();
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
