//! Invitations end to end in the core: expiry, one pending per person, replacement, codes,
//! decline, and the answers a person gets for each closed state; on both databases.

mod support;

use chrono::Duration;
use crewclock::app::{invitations, members, workspace};
use crewclock::domain::invitation::InvitationStatus;
use crewclock::domain::Role::*;
use crewclock::{Actor, AppError};
use support::{assert_denied, snapshot, Harness};

fn assert_conflict<T: std::fmt::Debug>(outcome: Result<T, AppError>, needle: &str) {
    match outcome {
        Err(AppError::Conflict(msg)) => {
            assert!(msg.contains(needle), "'{msg}' should mention '{needle}'")
        }
        other => panic!("expected a conflict mentioning '{needle}', got {other:?}"),
    }
}

async fn expiry(h: &Harness) {
    let ws = h.workspace().await;
    let bob = ws.stranger("Bob");
    let inv = invitations::invite_user(&ws.app, &ws.owner, bob.user, "Bob", Member)
        .await
        .unwrap();
    assert_eq!(
        inv.expires_at - inv.created_at,
        Duration::days(14),
        "invite_ttl_days defaults to 14"
    );
    h.clock.advance(Duration::days(14));
    let before = snapshot(&ws.app, ws.guild).await;
    assert_conflict(invitations::accept(&ws.app, &bob, inv.id).await, "expired");
    assert_eq!(snapshot(&ws.app, ws.guild).await, before);
    // Expired invitations leave the list, and the sweep marks them.
    assert!(invitations::list(&ws.app, &ws.owner)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(invitations::expire_due(&ws.app).await.unwrap(), 1);
    assert_eq!(
        invitations::expire_due(&ws.app).await.unwrap(),
        0,
        "the sweep is idempotent"
    );
    // A new invitation works.
    let again = invitations::invite_user(&ws.app, &ws.owner, bob.user, "Bob", Member)
        .await
        .unwrap();
    invitations::accept(&ws.app, &bob, again.id).await.unwrap();
}
db_test!(invitations_expire_after_ttl, expiry);

async fn resend_restarts_expiry(h: &Harness) {
    let ws = h.workspace().await;
    ws.set("invite_ttl_days", "3").await;
    let bob = ws.stranger("Bob");
    let inv = invitations::invite_user(&ws.app, &ws.owner, bob.user, "Bob", Viewer)
        .await
        .unwrap();
    h.clock.advance(Duration::days(2));
    let resent = invitations::resend(&ws.app, &ws.owner, inv.id)
        .await
        .unwrap();
    assert_eq!(resent.expires_at - inv.expires_at, Duration::days(2));
    h.clock.advance(Duration::days(2));
    invitations::accept(&ws.app, &bob, inv.id).await.unwrap();
}
db_test!(resend_restarts_the_expiry, resend_restarts_expiry);

async fn one_pending_per_person(h: &Harness) {
    let ws = h.workspace().await;
    let bob = ws.stranger("Bob");
    let first = invitations::invite_user(&ws.app, &ws.owner, bob.user, "Bob", Viewer)
        .await
        .unwrap();
    let second = invitations::invite_user(&ws.app, &ws.owner, bob.user, "Bob", Member)
        .await
        .unwrap();
    let pending = invitations::list(&ws.app, &ws.owner).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].id, second.id);
    assert_conflict(
        invitations::accept(&ws.app, &bob, first.id).await,
        "replaced",
    );
    let joined = invitations::accept(&ws.app, &bob, second.id).await.unwrap();
    assert_eq!(joined.member.role, Member);
    assert_conflict(
        invitations::invite_user(&ws.app, &ws.owner, bob.user, "Bob", Admin).await,
        "already in this workspace",
    );
}
db_test!(one_pending_invitation_per_person, one_pending_per_person);

async fn only_the_invitee_answers(h: &Harness) {
    let ws = h.workspace().await;
    let bob = ws.stranger("Bob");
    let eve = ws.stranger("Eve");
    let inv = invitations::invite_user(&ws.app, &ws.owner, bob.user, "Bob", Member)
        .await
        .unwrap();
    assert_denied(
        invitations::accept(&ws.app, &eve, inv.id).await,
        "for someone else",
    );
    assert_denied(
        invitations::decline(&ws.app, &eve, inv.id).await,
        "for someone else",
    );
    // The invitee may answer from a direct message.
    let bob_in_dm = Actor::in_dm(bob.user, "Bob");
    let declined = invitations::decline(&ws.app, &bob_in_dm, inv.id)
        .await
        .unwrap();
    assert_eq!(declined.status, InvitationStatus::Declined);
    assert_conflict(
        invitations::accept(&ws.app, &bob_in_dm, inv.id).await,
        "declined",
    );
    match invitations::accept(&ws.app, &bob, 999_999).await {
        Err(AppError::NotFound(msg)) => assert!(msg.contains("#999999"), "{msg}"),
        other => panic!("{other:?}"),
    }
    let revoked = invitations::invite_user(&ws.app, &ws.owner, bob.user, "Bob", Member)
        .await
        .unwrap();
    invitations::revoke(&ws.app, &ws.owner, revoked.id)
        .await
        .unwrap();
    assert_conflict(
        invitations::accept(&ws.app, &bob, revoked.id).await,
        "revoked",
    );
    assert_conflict(
        invitations::revoke(&ws.app, &ws.owner, revoked.id).await,
        "revoked",
    );
}
db_test!(
    only_the_invitee_answers_an_invitation,
    only_the_invitee_answers
);

async fn codes(h: &Harness) {
    let ws = h.workspace().await;
    let inv = invitations::create_code(&ws.app, &ws.owner, Viewer, 2)
        .await
        .unwrap();
    let code = inv.code.clone().unwrap();
    let typed = format!("{}-{}", &code[..4], code[4..].to_lowercase());
    let first = ws.stranger("First");
    let joined = invitations::redeem_code(&ws.app, &first, &typed)
        .await
        .unwrap();
    assert_eq!(joined.member.role, Viewer);
    assert_conflict(
        invitations::redeem_code(&ws.app, &first, &code).await,
        "already in this workspace",
    );
    let second = ws.stranger("Second");
    invitations::redeem_code(&ws.app, &second, &code)
        .await
        .unwrap();
    let third = ws.stranger("Third");
    assert_conflict(
        invitations::redeem_code(&ws.app, &third, &code).await,
        "already accepted",
    );
    // Bad input says what a code looks like; a code from another server is not found here.
    match invitations::redeem_code(&ws.app, &third, "'; DROP TABLE members; --").await {
        Err(AppError::Invalid(msg)) => assert!(msg.contains("like ABCD-EF2345"), "{msg}"),
        other => panic!("{other:?}"),
    }
    let other = h.workspace().await;
    let foreign = invitations::create_code(&other.app, &other.owner, Member, 1)
        .await
        .unwrap();
    match invitations::redeem_code(&ws.app, &third, foreign.code.as_deref().unwrap()).await {
        Err(AppError::NotFound(_)) => {}
        other => panic!("{other:?}"),
    }
    match invitations::create_code(&ws.app, &ws.owner, Member, 0).await {
        Err(AppError::Invalid(msg)) => assert!(msg.contains("1 to 1000"), "{msg}"),
        other => panic!("{other:?}"),
    }
    // Seats are checked per redemption.
    ws.set("seat_limit", "1").await;
    let seat_code = invitations::create_code(&ws.app, &ws.owner, Member, 5)
        .await
        .unwrap();
    assert_denied(
        invitations::redeem_code(&ws.app, &third, seat_code.code.as_deref().unwrap()).await,
        "1 of 1 seats",
    );
}
db_test!(invite_codes, codes);

async fn info_counts(h: &Harness) {
    let ws = h.workspace().await;
    let cast = ws.cast().await;
    let bob = ws.stranger("Bob");
    invitations::invite_user(&ws.app, &cast.manager, bob.user, "Bob", Member)
        .await
        .unwrap();
    let info = workspace::info(&ws.app, &cast.viewer).await.unwrap();
    assert_eq!(info.seats_used, 4);
    assert_eq!(info.guests, 1);
    assert_eq!(info.pending_invitations, 1);
    assert_eq!(info.owner.user_id, cast.owner.user);
    assert_eq!(info.your_role, Viewer);
    // Members see their own invitations only; managers see all.
    assert_eq!(
        invitations::list(&ws.app, &cast.manager)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(invitations::list(&ws.app, &cast.member)
        .await
        .unwrap()
        .is_empty());
    assert_denied(
        invitations::list(&ws.app, &cast.viewer).await,
        "Viewers can't see invitations",
    );
    assert_denied(workspace::info(&ws.app, &cast.guest).await, "Guests");
    let listed = members::list(&ws.app, &cast.member, false).await.unwrap();
    let roles: Vec<_> = listed.iter().map(|m| m.role).collect();
    assert_eq!(
        roles,
        vec![Owner, Admin, Manager, Member, Viewer, Guest],
        "ordered by role"
    );
}
db_test!(workspace_info_and_lists, info_counts);
