//! Discord role links in the core: linked roles gained or lost change Member/Viewer/Guest
//! roles (seats respected), never Admin or Owner; leaving the server deactivates.

mod support;

use crewclock::app::{discord_sync, members, role_links};
use crewclock::domain::{DiscordRoleId as D, Role::*};
use support::Harness;

const MEMBER_ROLE: D = D(501);
const VIEWER_ROLE: D = D(502);
const ADMIN_ROLE: D = D(503);

async fn sync(h: &Harness) {
    let ws = h.workspace().await;
    let app = &ws.app;
    for (role, discord) in [
        (Member, MEMBER_ROLE),
        (Viewer, VIEWER_ROLE),
        (Admin, ADMIN_ROLE),
    ] {
        role_links::link(app, &ws.owner, role, discord)
            .await
            .unwrap();
    }
    let dan = ws.stranger("Dan");
    // Gaining the linked Viewer role brings Dan in as a Viewer.
    let joined =
        discord_sync::sync_member_roles(app, ws.guild, dan.user, "Dan", Some(&[]), &[VIEWER_ROLE])
            .await
            .unwrap()
            .expect("joined");
    assert_eq!((joined.from, joined.to), (None, Some(Viewer)));
    // Gaining the Member role promotes him.
    discord_sync::sync_member_roles(
        app,
        ws.guild,
        dan.user,
        "Dan",
        Some(&[VIEWER_ROLE]),
        &[VIEWER_ROLE, MEMBER_ROLE],
    )
    .await
    .unwrap()
    .expect("promoted");
    assert_eq!(ws.role_of(&dan).await, Some(Member));
    // Losing Member leaves him a Viewer; losing Viewer too removes him (history kept).
    discord_sync::sync_member_roles(
        app,
        ws.guild,
        dan.user,
        "Dan",
        Some(&[VIEWER_ROLE, MEMBER_ROLE]),
        &[VIEWER_ROLE],
    )
    .await
    .unwrap();
    assert_eq!(ws.role_of(&dan).await, Some(Viewer));
    discord_sync::sync_member_roles(app, ws.guild, dan.user, "Dan", Some(&[VIEWER_ROLE]), &[])
        .await
        .unwrap();
    assert_eq!(ws.role_of(&dan).await, None);
    // The Admin Discord role never grants Admin.
    let eve = ws.stranger("Eve");
    let none =
        discord_sync::sync_member_roles(app, ws.guild, eve.user, "Eve", Some(&[]), &[ADMIN_ROLE])
            .await
            .unwrap();
    assert!(none.is_none());
    assert_eq!(ws.role_of(&eve).await, None);
    // An Admin who gains or loses linked roles stays Admin.
    let ada = ws.add(Admin, "Ada").await;
    discord_sync::sync_member_roles(
        app,
        ws.guild,
        ada.user,
        "Ada",
        Some(&[ADMIN_ROLE]),
        &[VIEWER_ROLE],
    )
    .await
    .unwrap();
    assert_eq!(ws.role_of(&ada).await, Some(Admin));
    // Seats are respected: with no free seat, the promotion is skipped.
    ws.set("seat_limit", "2").await; // Owner + Ada
    let vic = ws.add(Viewer, "Vic").await;
    let skipped = discord_sync::sync_member_roles(
        app,
        ws.guild,
        vic.user,
        "Vic",
        Some(&[VIEWER_ROLE]),
        &[VIEWER_ROLE, MEMBER_ROLE],
    )
    .await
    .unwrap();
    assert!(skipped.is_none());
    assert_eq!(ws.role_of(&vic).await, Some(Viewer));
    // Every sync is audited with Discord as the actor.
    let log = crewclock::app::workspace::audit_log(app, &ws.owner, None)
        .await
        .unwrap();
    let synced = log
        .iter()
        .filter(|e| e.action == "member.role_sync")
        .count();
    assert_eq!(synced, 4);
    assert!(log
        .iter()
        .filter(|e| e.action == "member.role_sync")
        .all(|e| e.actor_user.is_none()));
}
db_test!(linked_discord_roles_update_workspace_roles, sync);

async fn leaving(h: &Harness) {
    let ws = h.workspace().await;
    let mia = ws.add(Member, "Mia").await;
    let left = discord_sync::member_left_server(&ws.app, ws.guild, mia.user)
        .await
        .unwrap()
        .expect("deactivated");
    assert!(!left.member.active);
    assert!(left.unshared.is_empty(), "Mia had no shares");
    assert!(
        discord_sync::member_left_server(&ws.app, ws.guild, mia.user)
            .await
            .unwrap()
            .is_none(),
        "idempotent"
    );
    assert!(
        discord_sync::member_left_server(&ws.app, ws.guild, ws.owner.user)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(ws.role_of(&ws.owner).await, Some(Owner));
    let all = members::list(&ws.app, &ws.owner, true).await.unwrap();
    assert!(
        all.iter().any(|m| m.user_id == mia.user && !m.active),
        "history kept"
    );
}
db_test!(leaving_the_server_deactivates, leaving);

/// A Discord observation older than the latest role change is stale and changes nothing.
async fn stale_observation(h: &Harness) {
    let ws = h.workspace().await;
    role_links::link(&ws.app, &ws.owner, Viewer, VIEWER_ROLE)
        .await
        .unwrap();
    let vic = ws.add(Viewer, "Vic").await;
    let observed = crewclock::app::Clock::now(h.clock.as_ref());
    h.clock.advance(chrono::Duration::seconds(1));
    members::change_role(&ws.app, &ws.owner, vic.user, Member)
        .await
        .unwrap();
    // The event "Vic gained the Viewer role" was seen before the promotion: skipped.
    let outcome = discord_sync::sync_member_roles_observed(
        &ws.app,
        ws.guild,
        vic.user,
        "Vic",
        Some(&[]),
        &[VIEWER_ROLE],
        observed,
    )
    .await
    .unwrap();
    assert!(outcome.is_none());
    assert_eq!(ws.role_of(&vic).await, Some(Member));
    // The same observation made now applies.
    let fresh = discord_sync::sync_member_roles(
        &ws.app,
        ws.guild,
        vic.user,
        "Vic",
        Some(&[]),
        &[VIEWER_ROLE],
    )
    .await
    .unwrap();
    assert!(fresh.is_some());
    assert_eq!(ws.role_of(&vic).await, Some(Viewer));
}
db_test!(stale_discord_observations_are_skipped, stale_observation);
