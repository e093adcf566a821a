//! Building the poise framework and the serenity client, and running until shutdown.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crewclock::config::{CommandScope, DiscordConfig, Secret};
use crewclock::App;
use poise::serenity_prelude as serenity;
use tokio::sync::watch;

use crewclock::app::report_links::{self, LinkSettings};

use crate::context::{Data, Error, Links};
use crate::render::no_pings;

/// What the bot needs besides the core.
pub struct BotOptions {
    pub token: Secret,
    pub discord: DiscordConfig,
    /// Where report links point and how they are signed.
    pub links: LinkOptions,
}

/// What `/report` needs to hand out links to the web sidecar.
#[derive(Debug, Clone)]
pub struct LinkOptions {
    /// The sidecar's public address; `None` when no sidecar serves this bot's links, and then
    /// replies carry no link button (a link nobody can open is worse than none).
    pub public_url: Option<String>,
    /// The configured link secret; without one, the generated secret kept in the database
    /// (the same one the sidecar uses).
    pub secret: Option<Secret>,
    pub ttl_days: u32,
}

/// The gateway intents: Server Members for role sync and leave events, Message Content for
/// the guest-channel chat bridge, direct messages for invitation replies.
pub fn intents() -> serenity::GatewayIntents {
    serenity::GatewayIntents::GUILDS
        | serenity::GatewayIntents::GUILD_MEMBERS
        | serenity::GatewayIntents::GUILD_MESSAGES
        | serenity::GatewayIntents::DIRECT_MESSAGES
        | serenity::GatewayIntents::MESSAGE_CONTENT
}

pub fn framework_options() -> poise::FrameworkOptions<Data, Error> {
    poise::FrameworkOptions {
        commands: crate::commands::all(),
        on_error: |error| Box::pin(crate::errors::on_error(error)),
        // Every reply the framework sends pings nobody unless a command says otherwise.
        allowed_mentions: Some(no_pings()),
        pre_command: |ctx| {
            Box::pin(async move {
                tracing::debug!(command = %ctx.command().qualified_name, user = %ctx.author().id, "command");
            })
        },
        event_handler: |framework, event| {
            Box::pin(crate::events::handle(
                framework.serenity_context,
                event,
                framework.user_data,
            ))
        },
        ..Default::default()
    }
}

/// Runs the bot until `shutdown` completes (or the gateway connection ends for good).
pub async fn run_bot(
    app: App,
    options: BotOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    let scope = options.discord.command_scope;
    let links = options.links.clone();
    let guild_ids = options.discord.guild_ids.clone();
    let reminder_every = Duration::from_millis(options.discord.reminder_check_ms);
    let summary_every = Duration::from_millis(options.discord.share_summary_check_ms);
    // Turns true at shutdown (or when the client ends), ending the reminder and summary loops.
    let (stopping, stop_seen) = watch::channel(false);
    let stopping = Arc::new(stopping);
    let framework = poise::Framework::builder()
        .options(framework_options())
        .setup(move |ctx, ready, framework| {
            Box::pin(async move {
                tokio::spawn(crate::reminders::run_loop(
                    ctx.http.clone(),
                    app.clone(),
                    reminder_every,
                    stop_seen.clone(),
                ));
                tokio::spawn(crate::sharing_posts::run_loop(
                    ctx.http.clone(),
                    app.clone(),
                    summary_every,
                    stop_seen,
                ));
                let commands = &framework.options().commands;
                match scope {
                    CommandScope::Global => poise::builtins::register_globally(ctx, commands).await?,
                    CommandScope::Guild => {
                        for id in &guild_ids {
                            poise::builtins::register_in_guild(ctx, commands, serenity::GuildId::new(*id)).await?;
                        }
                    }
                }
                tracing::info!(bot = %ready.user.name, ?scope, "connected to Discord, commands registered");
                let signer = report_links::signer(&app, links.secret.as_ref()).await?;
                let links = Links {
                    settings: LinkSettings {
                        signer,
                        ttl: chrono::Duration::days(i64::from(links.ttl_days)),
                    },
                    public_url: links.public_url,
                };
                Ok(Data { app, links })
            })
        })
        .build();
    let mut http = serenity::HttpBuilder::new(options.token.expose());
    if let Some(base) = &options.discord.api_base_url {
        // Test-only: a local Discord simulator. serenity's rate limiter ignores the proxy, so
        // it must be off here; it stays on against the real Discord.
        http = http.proxy(base.as_str()).ratelimiter_disabled(true);
    }
    let mut client = serenity::ClientBuilder::new_with_http(http.build(), intents())
        .framework(framework)
        .await?;
    let shard_manager = client.shard_manager.clone();
    let stop_reminders = stopping.clone();
    tokio::spawn(async move {
        shutdown.await;
        tracing::info!("shutting down the gateway connection");
        stop_reminders.send_replace(true);
        shard_manager.shutdown_all().await;
    });
    let outcome = client.start().await;
    stopping.send_replace(true);
    outcome?;
    Ok(())
}
