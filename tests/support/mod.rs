//! Test support: a fresh database per test (SQLite file or PostgreSQL schema), a clock the
//! test controls, and helpers that build workspaces with people in every role through the
//! real use cases.
//!
//! Every database test runs twice, `…::sqlite` and `…::postgres`. The PostgreSQL leg needs
//! `CREWCLOCK_TEST_POSTGRES_URL`; without it the leg prints a loud SKIPPED line (`.ci/run`
//! always sets it and fails if PostgreSQL is missing).

#![allow(dead_code)]

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use crewclock::app::{invitations, workspace, ManualClock};
use crewclock::domain::{GuildId, Role, UserId};
use crewclock::store::{DbKind, Store, StoreOptions};
use crewclock::{Actor, App, AppError};
use futures::FutureExt;
use sqlx::Executor;

pub const POSTGRES_URL_ENV: &str = "CREWCLOCK_TEST_POSTGRES_URL";

pub struct Harness {
    pub app: App,
    pub clock: Arc<ManualClock>,
    pub kind: DbKind,
    next_id: AtomicU64,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { base_url: String, schema: String },
}

fn start_time() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap()
}

impl Harness {
    pub async fn sqlite() -> Harness {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
        let store = Store::open(&url, &StoreOptions::default())
            .await
            .expect("open sqlite");
        Harness::new(store, DbKind::Sqlite, Cleanup::Sqlite(dir))
    }

    /// `None` (after a loud SKIPPED line) when no PostgreSQL URL is configured.
    pub async fn postgres() -> Option<Harness> {
        let Ok(base_url) = std::env::var(POSTGRES_URL_ENV) else {
            eprintln!("SKIPPED: PostgreSQL leg of this test; set {POSTGRES_URL_ENV} to run it");
            return None;
        };
        let schema = format!("cc_t_{:016x}", rand::random::<u64>());
        sqlx::any::install_default_drivers();
        let mut admin = <sqlx::AnyConnection as sqlx::Connection>::connect(&base_url)
            .await
            .unwrap_or_else(|e| {
                panic!("{POSTGRES_URL_ENV} is set but PostgreSQL is unreachable: {e}")
            });
        admin
            .execute(format!("CREATE SCHEMA {schema}").as_str())
            .await
            .expect("create schema");
        let separator = if base_url.contains('?') { '&' } else { '?' };
        let url = format!("{base_url}{separator}options[search_path]={schema}");
        let store = Store::open(&url, &StoreOptions::default())
            .await
            .expect("open postgres");
        Some(Harness::new(
            store,
            DbKind::Postgres,
            Cleanup::Postgres { base_url, schema },
        ))
    }

    fn new(store: Store, kind: DbKind, cleanup: Cleanup) -> Harness {
        let clock = Arc::new(ManualClock::new(start_time()));
        Harness {
            app: App::new(store, clock.clone()),
            clock,
            kind,
            next_id: AtomicU64::new(1_000),
            cleanup,
        }
    }

    /// A fresh Discord-like id, unique within this test.
    pub fn id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    async fn finish(self) {
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
    }

    /// Creates a workspace on a new server; its creator is the Owner.
    pub async fn workspace(&self) -> Ws {
        let guild = GuildId(self.id());
        let mut owner = Actor::in_guild(guild, UserId(self.id()), "Olivia Owner");
        owner.manages_guild = true;
        workspace::create(&self.app, &owner, "Test team")
            .await
            .expect("create workspace");
        Ws {
            guild,
            owner,
            app: self.app.clone(),
            next_id: self.id() * 1_000,
            counter: AtomicU64::new(0),
        }
    }
}

/// Runs a test body against a harness and always cleans up, also when the body panics.
pub async fn run<F>(harness: Harness, body: F)
where
    F: for<'a> FnOnce(&'a Harness) -> futures::future::BoxFuture<'a, ()>,
{
    let outcome = AssertUnwindSafe(body(&harness)).catch_unwind().await;
    harness.finish().await;
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// Declares a test that runs on SQLite and on PostgreSQL: `db_test!(name, async_fn);`
/// where `async fn async_fn(h: &Harness)`.
#[macro_export]
macro_rules! db_test {
    ($name:ident, $body:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let h = $crate::support::Harness::sqlite().await;
                $crate::support::run(h, |h| Box::pin(super::$body(h))).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(h) = $crate::support::Harness::postgres().await {
                    $crate::support::run(h, |h| Box::pin(super::$body(h))).await;
                }
            }
        }
    };
}

/// One workspace under test, with helpers to add people.
pub struct Ws {
    pub guild: GuildId,
    pub owner: Actor,
    pub app: App,
    next_id: u64,
    counter: AtomicU64,
}

impl Ws {
    /// An actor on this server who is not (yet) a member.
    pub fn stranger(&self, name: &str) -> Actor {
        let id = self.next_id + self.counter.fetch_add(1, Ordering::Relaxed);
        Actor::in_guild(self.guild, UserId(id), name)
    }

    /// A new member with `role`, joined through a real invitation from the Owner.
    pub async fn add(&self, role: Role, name: &str) -> Actor {
        assert_ne!(role, Role::Owner, "use transfer for owners");
        let person = self.stranger(name);
        let inv = invitations::invite_user(&self.app, &self.owner, person.user, name, role)
            .await
            .unwrap_or_else(|e| panic!("invite {name} as {role}: {e}"));
        invitations::accept(&self.app, &person, inv.id)
            .await
            .unwrap_or_else(|e| panic!("{name} accepts: {e}"));
        person
    }

    /// Raises the seat limit so a test can have many people.
    pub async fn seats(&self, limit: u32) {
        workspace::set_setting(&self.app, &self.owner, "seat_limit", &limit.to_string())
            .await
            .expect("raise seat limit");
    }

    pub async fn set(&self, key: &str, value: &str) {
        workspace::set_setting(&self.app, &self.owner, key, value)
            .await
            .unwrap_or_else(|e| panic!("set {key}={value}: {e}"));
    }

    /// One person of each role (a second Owner is impossible, so the Owner is `self.owner`).
    pub async fn cast(&self) -> Cast {
        self.seats(50).await;
        Cast {
            owner: self.owner.clone(),
            admin: self.add(Role::Admin, "Ada Admin").await,
            manager: self.add(Role::Manager, "Max Manager").await,
            member: self.add(Role::Member, "Mia Member").await,
            viewer: self.add(Role::Viewer, "Vic Viewer").await,
            guest: self.add(Role::Guest, "Gus Guest").await,
        }
    }

    pub async fn role_of(&self, who: &Actor) -> Option<Role> {
        let mut conn = self.app.store.conn().await.unwrap();
        let ws = crewclock::store::workspaces::find_by_guild(&mut conn, self.guild)
            .await
            .unwrap()
            .expect("workspace");
        crewclock::store::members::find_by_user(&mut conn, ws.id, who.user)
            .await
            .unwrap()
            .filter(|m| m.active)
            .map(|m| m.role)
    }
}

#[derive(Clone)]
pub struct Cast {
    pub owner: Actor,
    pub admin: Actor,
    pub manager: Actor,
    pub member: Actor,
    pub viewer: Actor,
    pub guest: Actor,
}

impl Cast {
    pub fn by_role(&self, role: Role) -> &Actor {
        match role {
            Role::Owner => &self.owner,
            Role::Admin => &self.admin,
            Role::Manager => &self.manager,
            Role::Member => &self.member,
            Role::Viewer => &self.viewer,
            Role::Guest => &self.guest,
        }
    }
}

/// Asserts that an outcome was refused as `Denied` with a message containing `needle`.
#[track_caller]
pub fn assert_denied<T: std::fmt::Debug>(outcome: Result<T, AppError>, needle: &str) {
    match outcome {
        Err(AppError::Denied(message)) => {
            assert!(
                message.contains(needle),
                "refusal '{message}' should mention '{needle}'"
            )
        }
        other => panic!("expected a refusal mentioning '{needle}', got {other:?}"),
    }
}

/// Everything about a workspace's people that an operation could change, as comparable
/// text: members, settings, invitations, team managers, role links and the audit count.
pub async fn snapshot(app: &App, guild: GuildId) -> String {
    use crewclock::store;
    let mut conn = app.store.conn().await.unwrap();
    let Some(ws) = store::workspaces::find_by_guild(&mut conn, guild)
        .await
        .unwrap()
    else {
        return "no workspace".into();
    };
    let members = store::members::list(&mut conn, ws.id, true).await.unwrap();
    let settings = store::workspaces::load_settings(&mut conn, ws.id)
        .await
        .unwrap();
    let invitations = store::invitations::list_pending(&mut conn, ws.id)
        .await
        .unwrap();
    let team = store::team::list(&mut conn, ws.id).await.unwrap();
    let links = store::role_links::list(&mut conn, ws.id).await.unwrap();
    let audit = store::audit::count(&mut conn, ws.id).await.unwrap();
    format!("{members:?}\n{settings:?}\n{invitations:?}\n{team:?}\n{links:?}\naudit={audit}")
}

/// Moves every entry's end of the workspace by a few ms to a minute, differently per entry, so
/// durations don't fall on whole minutes and rounding each entry's amount differs from
/// rounding the sum.
pub async fn odd_durations(conn: &mut crewclock::store::Conn, workspace_id: i64) {
    sqlx::query(
        "UPDATE time_entries SET ended_at = ended_at + (id * 7919) % 59999 WHERE workspace_id = $1",
    )
    .bind(workspace_id)
    .execute(&mut *conn)
    .await
    .unwrap();
}
