//! The database itself enforces the invariants that matter, whatever the code does:
//! one Owner per workspace, one pending invitation per person, one workspace per server.

mod support;

use crewclock::store;
use support::Harness;

async fn constraints(h: &Harness) {
    let ws = h.workspace().await;
    let bob = ws.stranger("Bob");
    let mut conn = h.app.store.conn().await.unwrap();
    let workspace = store::workspaces::find_by_guild(&mut conn, ws.guild)
        .await
        .unwrap()
        .unwrap();
    let now = crewclock::app::Clock::now(h.clock.as_ref());
    // A second owner is refused by the unique partial index.
    let second_owner = store::members::insert(
        &mut conn,
        workspace.id,
        bob.user,
        "Bob",
        crewclock::domain::Role::Owner,
        now,
    )
    .await;
    assert!(
        second_owner.as_ref().is_err_and(store::is_unique_violation),
        "{second_owner:?}"
    );
    // A second pending invitation to the same person is refused.
    let owner = store::members::find_by_user(&mut conn, workspace.id, ws.owner.user)
        .await
        .unwrap()
        .unwrap();
    let new = |user| store::invitations::NewInvitation {
        workspace_id: workspace.id,
        invitee: Some((user, "Bob")),
        code: None,
        role: crewclock::domain::Role::Member,
        invited_by: owner.id,
        max_uses: 1,
        now,
        expires_at: now + chrono::Duration::days(1),
    };
    store::invitations::insert(&mut conn, new(bob.user))
        .await
        .unwrap();
    let twice = store::invitations::insert(&mut conn, new(bob.user)).await;
    assert!(
        twice.as_ref().is_err_and(store::is_unique_violation),
        "{twice:?}"
    );
    // One workspace per server.
    let dup = store::workspaces::insert(&mut conn, ws.guild, "dup", now).await;
    assert!(
        dup.as_ref().is_err_and(store::is_unique_violation),
        "{dup:?}"
    );
    // The Owner can't be deactivated, even by a direct update.
    let deactivate = store::members::deactivate(&mut conn, owner.id, now).await;
    assert!(deactivate.is_err(), "owner deactivated: {deactivate:?}");
}
db_test!(database_enforces_invariants, constraints);

async fn reopen_keeps_data(h: &Harness) {
    // Migrations are idempotent: opening the same database again applies nothing new.
    let ws = h.workspace().await;
    let migrated = sqlx::query("SELECT COUNT(*) AS n FROM _sqlx_migrations")
        .fetch_one(h.app.store.pool())
        .await
        .unwrap();
    let n: i64 = sqlx::Row::get(&migrated, "n");
    assert!(n >= 1);
    let info = crewclock::app::workspace::info(&ws.app, &ws.owner)
        .await
        .unwrap();
    assert_eq!(info.workspace.guild_id, ws.guild);
}
db_test!(migrations_recorded, reopen_keeps_data);
