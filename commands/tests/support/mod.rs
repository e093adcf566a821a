//! End-to-end test support: the real bot (poise + serenity, the same `run_bot` the binary
//! uses) connected to the Discord simulator, on a fresh SQLite file or PostgreSQL schema.
//! `e2e_test!(name, async_fn)` runs a conversation on both databases.

#![allow(dead_code)]

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use crewclock::app::{Clock, SystemClock};
use crewclock::config::{CommandScope, DiscordConfig, Secret};
use crewclock::store::{Store, StoreOptions};
use crewclock::App;
use crewclock_bot::{run_bot, BotOptions, LinkOptions};
use discord_sim::{
    ChannelId, Choice, DiscordSim, GuildId, GuildSpec, Options, SentMessage, SimUser,
};
use futures::FutureExt;
use sqlx::Executor;

pub use discord_sim::opt;

pub const POSTGRES_URL_ENV: &str = "CREWCLOCK_TEST_POSTGRES_URL";
/// Where the bot says its web sidecar is, and the secret it signs links with, so a test can
/// open a link from a reply through the real router.
pub const PUBLIC_URL: &str = "https://crewclock.test";
pub const LINK_SECRET: &str = "e2e-link-secret-0123456789abcdef0123456789";

pub enum Db {
    Sqlite,
    Postgres,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { base_url: String, schema: String },
}

/// A running bot on a simulated server with one text channel, #general.
pub struct World {
    pub sim: DiscordSim,
    pub guild: GuildId,
    pub general: ChannelId,
    /// The server's owner (has Manage Server); creates the workspace in most tests.
    pub alice: SimUser,
    pub app: App,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    bot: tokio::task::JoinHandle<()>,
    cleanup: Cleanup,
}

async fn open_store(db: Db) -> Option<(Store, Cleanup)> {
    match db {
        Db::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("bot.db").display());
            let store = Store::open(&url, &StoreOptions::default()).await.unwrap();
            Some((store, Cleanup::Sqlite(dir)))
        }
        Db::Postgres => {
            let Ok(base_url) = std::env::var(POSTGRES_URL_ENV) else {
                eprintln!("SKIPPED: PostgreSQL leg of this test; set {POSTGRES_URL_ENV} to run it");
                return None;
            };
            sqlx::any::install_default_drivers();
            let schema = format!("cc_e2e_{:016x}", rand::random::<u64>());
            let mut admin = <sqlx::AnyConnection as sqlx::Connection>::connect(&base_url)
                .await
                .unwrap_or_else(|e| {
                    panic!("{POSTGRES_URL_ENV} is set but PostgreSQL is unreachable: {e}")
                });
            admin
                .execute(format!("CREATE SCHEMA {schema}").as_str())
                .await
                .unwrap();
            let sep = if base_url.contains('?') { '&' } else { '?' };
            let url = format!("{base_url}{sep}options[search_path]={schema}");
            let store = Store::open(&url, &StoreOptions::default()).await.unwrap();
            Some((store, Cleanup::Postgres { base_url, schema }))
        }
    }
}

/// How a world's bot runs: its clock, and how often it looks for idle reminders and weekly
/// share summaries.
pub struct Setup {
    pub clock: Arc<dyn Clock>,
    pub reminder_check_ms: u64,
    pub share_summary_check_ms: u64,
    /// A runtime of its own for the bot (a benchmark tells the bot's CPU from the simulator's
    /// by thread); `None` runs it on the caller's.
    pub bot_runtime: Option<tokio::runtime::Handle>,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            clock: Arc::new(SystemClock),
            reminder_check_ms: DiscordConfig::default().reminder_check_ms,
            share_summary_check_ms: DiscordConfig::default().share_summary_check_ms,
            bot_runtime: None,
        }
    }
}

impl World {
    pub async fn start(db: Db) -> Option<World> {
        World::start_with(db, Setup::default()).await
    }

    pub async fn start_with(db: Db, setup: Setup) -> Option<World> {
        let (store, cleanup) = open_store(db).await?;
        let sim = DiscordSim::start().await;
        let guild = sim.add_guild(GuildSpec::new("Acme").owner("alice"));
        let general = sim.channel_by_name(guild, "general");
        let alice = sim.owner(guild);
        let app = App::new(store, setup.clock);
        let options = BotOptions {
            token: Secret::new(discord_sim::TOKEN),
            discord: DiscordConfig {
                command_scope: CommandScope::Guild,
                guild_ids: vec![guild.0],
                api_base_url: Some(sim.base_url()),
                reminder_check_ms: setup.reminder_check_ms,
                share_summary_check_ms: setup.share_summary_check_ms,
                ..DiscordConfig::default()
            },
            links: LinkOptions {
                public_url: Some(PUBLIC_URL.into()),
                secret: Some(Secret::new(LINK_SECRET)),
                ttl_days: 7,
            },
        };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let bot_app = app.clone();
        let bot_run = async move {
            let shutdown = async move {
                let _ = stopped.await;
            };
            if let Err(e) = run_bot(bot_app, options, shutdown).await {
                panic!("the bot stopped with an error: {e}");
            }
        };
        let bot = match &setup.bot_runtime {
            Some(runtime) => runtime.spawn(bot_run),
            None => tokio::spawn(bot_run),
        };
        sim.wait_ready(Duration::from_secs(10)).await;
        sim.wait_commands_registered(Duration::from_secs(10)).await;
        Some(World {
            sim,
            guild,
            general,
            alice,
            app,
            stop: Some(stop),
            bot,
            cleanup,
        })
    }

    /// A new person on the server (not in the workspace).
    pub fn person(&self, name: &str) -> SimUser {
        self.sim.user(self.guild, name)
    }

    /// Runs a slash command in #general and returns the bot's first visible answer.
    pub async fn run(
        &self,
        user: &SimUser,
        command: &str,
        options: impl Into<Options>,
    ) -> SentMessage {
        self.sim
            .command(user, self.general, command, options)
            .await
            .reply()
            .await
    }

    /// Alice creates the workspace.
    pub async fn create_workspace(&self) {
        let reply = self
            .run(
                &self.alice,
                "workspace create",
                [opt::string("name", "Acme Time")],
            )
            .await;
        assert!(reply.text().contains("created"), "{}", reply.text());
    }

    /// Alice invites `user` as `role` and they accept through the DM's button.
    pub async fn join(&self, user: &SimUser, role: &str) {
        let reply = self
            .run(
                &self.alice,
                "invite user",
                [opt::user("user", user.id), role_opt("role", role)],
            )
            .await;
        assert!(reply.text().contains("sent to"), "{}", reply.text());
        let dm = self.latest_dm(user).await;
        let answer = self
            .sim
            .click_label(user, &dm, "Accept")
            .await
            .response()
            .await;
        assert_eq!(answer.kind, 7, "accept updates the DM: {:?}", answer.data);
    }

    pub async fn latest_dm(&self, user: &SimUser) -> SentMessage {
        let channel = self.sim.dm_channel(user);
        self.sim
            .wait_for_bot_message(channel, Duration::from_secs(5), |m| !m.buttons().is_empty())
            .await;
        self.sim.dms_to(user).into_iter().last().expect("a DM")
    }

    /// Stops the bot, checks Discord's rules were kept on every request, cleans up.
    async fn finish(mut self, passed: bool) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = tokio::time::timeout(Duration::from_secs(5), &mut self.bot).await;
        self.app.store.close().await;
        if let Cleanup::Postgres { base_url, schema } = &self.cleanup {
            if let Ok(mut admin) =
                <sqlx::AnyConnection as sqlx::Connection>::connect(base_url).await
            {
                let _ = admin
                    .execute(format!("DROP SCHEMA {schema} CASCADE").as_str())
                    .await;
            }
        }
        if passed {
            self.sim.assert_clean();
        }
    }
}

/// Runs a conversation and always stops the bot and cleans up.
pub async fn run<F>(db: Db, body: F)
where
    F: for<'a> FnOnce(&'a World) -> futures::future::BoxFuture<'a, ()>,
{
    run_with(db, Setup::default(), body).await
}

/// [`run`] with a chosen clock and reminder pace.
pub async fn run_with<F>(db: Db, setup: Setup, body: F)
where
    F: for<'a> FnOnce(&'a World) -> futures::future::BoxFuture<'a, ()>,
{
    let Some(world) = World::start_with(db, setup).await else {
        return;
    };
    let outcome = AssertUnwindSafe(body(&world)).catch_unwind().await;
    world.finish(outcome.is_ok()).await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

#[macro_export]
macro_rules! e2e_test {
    ($name:ident, $body:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::support::run($crate::support::Db::Sqlite, |w| Box::pin(super::$body(w)))
                    .await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::support::run($crate::support::Db::Postgres, |w| Box::pin(super::$body(w)))
                    .await;
            }
        }
    };
}

/// For commands without options.
pub fn no_options() -> Vec<serde_json::Value> {
    Vec::new()
}

/// A workspace-role option as Discord sends it: poise's choice parameters are integers
/// indexing the registered choices (Admin, Manager, Member, Viewer, Guest).
pub fn role_opt(name: &str, label: &str) -> serde_json::Value {
    let index = ["Admin", "Manager", "Member", "Viewer", "Guest"]
        .iter()
        .position(|r| *r == label)
        .unwrap_or_else(|| panic!("no role choice {label}"));
    opt::integer(name, index as i64)
}

// Conversation helpers shared by the e2e suites.

/// Runs a command and asserts its answer is private and contains every needle.
pub async fn private_reply(
    w: &World,
    user: &SimUser,
    command: &str,
    options: Vec<serde_json::Value>,
    needles: &[&str],
) -> SentMessage {
    let reply = w.run(user, command, options).await;
    assert!(
        reply.ephemeral(),
        "/{command} should answer privately: {reply:?}"
    );
    for needle in needles {
        assert!(
            reply.text().contains(needle),
            "/{command}: '{}' should contain '{needle}'",
            reply.text()
        );
    }
    reply
}

pub async fn choices(
    w: &World,
    user: &SimUser,
    command: &str,
    options: Vec<serde_json::Value>,
) -> Vec<Choice> {
    let choices = w
        .sim
        .autocomplete(user, w.general, command, options)
        .await
        .choices()
        .await;
    assert!(choices.len() <= 25, "{command}: {} choices", choices.len());
    for choice in &choices {
        let n = choice.name.chars().count();
        assert!(
            (1..=100).contains(&n),
            "{command}: choice name of {n} chars"
        );
    }
    choices
}

pub fn names(choices: &[Choice]) -> Vec<&str> {
    choices.iter().map(|c| c.name.as_str()).collect()
}

/// The first link to the web sidecar in a message (`<https://crewclock.test/…>`).
pub fn link_in(text: &str) -> Option<String> {
    text.split('<')
        .filter_map(|part| part.split('>').next())
        .find(|part| part.starts_with(PUBLIC_URL))
        .map(str::to_string)
}

/// Opens a link from a reply or DM through the real web router (signed with [`LINK_SECRET`])
/// and returns the status and body.
pub async fn open_link(app: &App, url: &str) -> (axum::http::StatusCode, String) {
    use tower::ServiceExt;
    let path = url.strip_prefix(PUBLIC_URL).expect("a link to the sidecar");
    let router = crewclock::web::router(
        app.clone(),
        crewclock::web::WebSettings {
            signer: crewclock::domain::links::LinkSigner::new(LINK_SECRET.as_bytes())
                .expect("a long secret"),
            link_requests_per_minute: 1000,
            metrics: Arc::new(crewclock::web::Metrics::new()),
        },
    );
    let response = router
        .oneshot(
            axum::http::Request::get(path)
                .body(axum::body::Body::empty())
                .expect("a request"),
        )
        .await
        .expect("the router answers");
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 10 << 20)
        .await
        .expect("a body");
    (status, String::from_utf8_lossy(&body).into_owned())
}
