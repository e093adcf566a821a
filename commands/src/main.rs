//! The crewclock binary: reads the configuration, opens the database (applying migrations),
//! connects to Discord and runs until SIGINT/SIGTERM. With `[web] bind` set it also serves
//! the read-only web sidecar; `crewclock --web-only` serves only the sidecar (no Discord
//! token needed), for running more page servers than bots.

use std::process::ExitCode;
use std::sync::Arc;

use crewclock::app::SystemClock;
use crewclock::config::{redact_url, Config, WebConfig};
use crewclock::store::{Store, StoreOptions};
use crewclock::{web, App};

// mimalloc instead of glibc's malloc: the timer benchmark spent several percent in glibc's
// free-list upkeep (malloc_consolidate, unlink_chunk); with mimalloc, 4 members in parallel
// went from 1,062 to 1,454 commands/s.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use crewclock_bot::{run_bot, BotOptions, LinkOptions};

#[tokio::main]
async fn main() -> ExitCode {
    let web_only = match std::env::args().skip(1).collect::<Vec<_>>().as_slice() {
        [] => false,
        [flag] if flag == "--web-only" => true,
        _ => {
            eprintln!("crewclock: usage: crewclock [--web-only]");
            return ExitCode::from(2);
        }
    };
    let env = |key: &str| std::env::var(key).ok();
    let config = match Config::load(&env) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("crewclock: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    init_logging(&config.log.filter);
    if web_only && config.web.bind.is_none() {
        eprintln!(
            "crewclock: --web-only needs web.bind (or CREWCLOCK_WEB_BIND), e.g. 0.0.0.0:8080"
        );
        return ExitCode::from(2);
    }
    let link_secret = match config.link_secret(&env) {
        Ok(secret) => secret,
        Err(e) => {
            eprintln!("crewclock: {e}");
            return ExitCode::from(2);
        }
    };
    let token = match (web_only, config.discord_token(&env)) {
        (true, _) => None,
        (false, Ok(token)) => Some(token),
        (false, Err(e)) => {
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
    // One shutdown signal, watched by the bot and every web listener.
    let (stop, stopping) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = stop.send(true);
    });
    let sidecar = match &config.web.bind {
        None => None,
        Some(_) => {
            match web::start(
                app.clone(),
                &config.web,
                link_secret.as_ref(),
                stopping.clone(),
            )
            .await
            {
                Ok(sidecar) => Some(sidecar),
                Err(e) => {
                    eprintln!("crewclock: {e}");
                    return ExitCode::from(1);
                }
            }
        }
    };
    let outcome = match token {
        Some(token) => {
            // The default public_url points at localhost; it is only worth a button when a
            // sidecar runs here or someone configured where the sidecars are.
            let sidecar_known = config.web.bind.is_some()
                || config.web.public_url != WebConfig::default().public_url;
            let options = BotOptions {
                token,
                discord: config.discord.clone(),
                links: LinkOptions {
                    public_url: sidecar_known.then(|| config.web.public_url.clone()),
                    secret: link_secret.clone(),
                    ttl_days: config.web.link_ttl_days,
                },
            };
            run_bot(app.clone(), options, web::stopped(stopping)).await
        }
        None => {
            web::stopped(stopping).await;
            Ok(())
        }
    };
    if let Some(sidecar) = sidecar {
        if let Err(e) = sidecar.wait().await {
            tracing::warn!(cause = %e, "web sidecar stopped with an error");
        }
    }
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
