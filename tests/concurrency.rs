//! Two clicks at once: one wins, the other gets a clear answer, and the invariants hold.
//! The database serialises people changes per workspace, so this holds across processes too.

mod support;

use crewclock::app::{invitations, members, workspace};
use crewclock::domain::Role::{self, *};
use crewclock::AppError;
use support::Harness;

const ROUNDS: usize = 8;

async fn double_accept(h: &Harness) {
    for _ in 0..ROUNDS {
        let ws = h.workspace().await;
        let bob = ws.stranger("Bob");
        let inv = invitations::invite_user(&ws.app, &ws.owner, bob.user, "Bob", Member)
            .await
            .unwrap();
        let (a, b) = tokio::join!(
            tokio::spawn({
                let (app, bob) = (ws.app.clone(), bob.clone());
                async move { invitations::accept(&app, &bob, inv.id).await }
            }),
            tokio::spawn({
                let (app, bob) = (ws.app.clone(), bob.clone());
                async move { invitations::accept(&app, &bob, inv.id).await }
            }),
        );
        let outcomes = [a.unwrap(), b.unwrap()];
        let wins = outcomes.iter().filter(|o| o.is_ok()).count();
        assert_eq!(wins, 1, "exactly one accept wins: {outcomes:?}");
        for outcome in &outcomes {
            if let Err(e) = outcome {
                assert!(
                    matches!(e, AppError::Conflict(m) if m.contains("already")),
                    "loser's answer: {e:?}"
                );
            }
        }
        let bobs = members::list(&ws.app, &ws.owner, true)
            .await
            .unwrap()
            .into_iter()
            .filter(|m| m.user_id == bob.user)
            .count();
        assert_eq!(bobs, 1);
    }
}
db_test!(same_invitation_accepted_twice_at_once, double_accept);

async fn double_transfer(h: &Harness) {
    for _ in 0..ROUNDS {
        let ws = h.workspace().await;
        let a = ws.add(Member, "A").await;
        let b = ws.add(Member, "B").await;
        let (x, y) = tokio::join!(
            tokio::spawn({
                let (app, owner) = (ws.app.clone(), ws.owner.clone());
                async move { workspace::transfer_ownership(&app, &owner, a.user).await }
            }),
            tokio::spawn({
                let (app, owner) = (ws.app.clone(), ws.owner.clone());
                async move { workspace::transfer_ownership(&app, &owner, b.user).await }
            }),
        );
        let outcomes = [x.unwrap(), y.unwrap()];
        assert_eq!(
            outcomes.iter().filter(|o| o.is_ok()).count(),
            1,
            "{outcomes:?}"
        );
        for outcome in &outcomes {
            if let Err(e) = outcome {
                assert!(
                    matches!(e, AppError::Denied(m) if m.contains("Only the Owner")),
                    "{e:?}"
                );
            }
        }
        let owners: Vec<Role> = members::list(&ws.app, &a, true)
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.role)
            .filter(|r| *r == Owner)
            .collect();
        assert_eq!(owners.len(), 1);
    }
}
db_test!(two_ownership_transfers_at_once, double_transfer);

/// Several people accept different invitations while one seat is left: one gets it.
async fn last_seat_race(h: &Harness) {
    for _ in 0..ROUNDS {
        let ws = h.workspace().await;
        ws.seats(2).await;
        let mut tasks = Vec::new();
        for n in 0..4 {
            let person = ws.stranger(&format!("P{n}"));
            let inv = invitations::invite_user(&ws.app, &ws.owner, person.user, "P", Member)
                .await
                .unwrap();
            let app = ws.app.clone();
            tasks.push(tokio::spawn(async move {
                invitations::accept(&app, &person, inv.id).await
            }));
        }
        let mut wins = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => wins += 1,
                Err(AppError::Denied(m)) => assert!(m.contains("2 of 2 seats"), "{m}"),
                Err(e) => panic!("{e:?}"),
            }
        }
        assert_eq!(wins, 1);
        let info = workspace::info(&ws.app, &ws.owner).await.unwrap();
        assert_eq!(info.seats_used, 2);
    }
}
db_test!(last_seat_is_given_once, last_seat_race);
