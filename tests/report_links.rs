//! Signed report links on SQLite and PostgreSQL: who may create, list and revoke them, and
//! what a token resolves to when opened (valid with the owner's rights, gone when revoked,
//! expired or its owner left, not found when edited, unknown or of the wrong kind).

mod support;

use chrono::Duration;
use crewclock::app::members;
use crewclock::app::report_links::{
    self, LinkOptions, LinkSettings, LinkStatus, NewLink, Resolved,
};
use crewclock::config::Secret;
use crewclock::domain::links::{LinkKind, LinkSigner};
use crewclock::domain::Role;
use crewclock::store;
use crewclock::AppError;
use support::{assert_denied, Harness};

fn settings() -> LinkSettings {
    LinkSettings {
        signer: LinkSigner::new(&[9u8; 32]).unwrap(),
        ttl: Duration::days(7),
    }
}

fn report(query: &str) -> NewLink {
    NewLink {
        kind: LinkKind::Report,
        query_json: query.into(),
        options: LinkOptions::default(),
    }
}

async fn resolve(h: &Harness, token: &str) -> Resolved {
    report_links::resolve(&h.app, &settings().signer, LinkKind::Report, token)
        .await
        .expect("resolve")
}

async fn audit_actions(h: &Harness, ws: &support::Ws) -> Vec<String> {
    let mut conn = h.app.store.conn().await.unwrap();
    let w = store::workspaces::find_by_guild(&mut conn, ws.guild)
        .await
        .unwrap()
        .unwrap();
    store::audit::list(&mut conn, w.id, None, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

async fn every_role_may_share_and_the_owner_is_whoever_made_it(h: &Harness) {
    let ws = h.workspace().await;
    let cast = ws.cast().await;
    for role in Role::ALL {
        let who = cast.by_role(role);
        let issued = report_links::create(
            &h.app,
            who,
            &settings(),
            NewLink {
                options: LinkOptions {
                    hide_amounts: true,
                    hide_members: role == Role::Guest,
                },
                ..report(r#"{"range":"this_week"}"#)
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{role:?} creates a link: {e}"));
        assert_eq!(issued.status, LinkStatus::Active);
        assert_eq!(
            issued.link.expires_at - issued.link.created_at,
            Duration::days(7)
        );
        assert!(issued.path().starts_with("/r/"));
        assert!(issued
            .url("https://t.example/")
            .starts_with("https://t.example/r/"));
        let Resolved::Valid(valid) = resolve(h, &issued.token).await else {
            panic!("{role:?}'s fresh link should be valid");
        };
        assert_eq!(valid.owner.user, who.user, "evaluated as its owner");
        assert_eq!(valid.owner.guild, Some(ws.guild));
        assert_eq!(valid.query_json, r#"{"range":"this_week"}"#);
        assert_eq!(
            valid.options,
            LinkOptions {
                hide_amounts: true,
                hide_members: role == Role::Guest
            }
        );
    }
    let actions = audit_actions(h, &ws).await;
    assert_eq!(actions.iter().filter(|a| *a == "link.create").count(), 6);
}

async fn strangers_and_bad_queries_are_refused_and_nothing_is_written(h: &Harness) {
    let ws = h.workspace().await;
    let stranger = ws.stranger("Sam Stranger");
    assert_denied(
        report_links::create(&h.app, &stranger, &settings(), report("{}")).await,
        "not a member",
    );
    let huge = format!(r#"{{"x":"{}"}}"#, "a".repeat(20_000));
    match report_links::create(&h.app, &ws.owner, &settings(), report(&huge)).await {
        Err(AppError::Invalid(m)) => assert!(m.contains("narrow it down"), "{m}"),
        other => panic!("expected invalid, got {other:?}"),
    }
    assert!(
        report_links::create(&h.app, &ws.owner, &settings(), report("not json"))
            .await
            .is_err()
    );
    assert!(report_links::list_own(&h.app, &ws.owner, &settings())
        .await
        .unwrap()
        .is_empty());
    assert!(!audit_actions(h, &ws)
        .await
        .contains(&"link.create".to_string()));
}

async fn listing_shows_only_ones_own_links_with_their_status(h: &Harness) {
    let ws = h.workspace().await;
    let cast = ws.cast().await;
    let a = report_links::create(&h.app, &cast.member, &settings(), report("1"))
        .await
        .unwrap();
    h.clock.advance(Duration::days(3));
    let b = report_links::create(&h.app, &cast.member, &settings(), report("2"))
        .await
        .unwrap();
    report_links::create(&h.app, &cast.manager, &settings(), report("3"))
        .await
        .unwrap();
    report_links::revoke(&h.app, &cast.member, b.link.id)
        .await
        .unwrap();
    h.clock.advance(Duration::days(5));
    let listed = report_links::list_own(&h.app, &cast.member, &settings())
        .await
        .unwrap();
    let seen: Vec<(i64, LinkStatus)> = listed.iter().map(|l| (l.link.id, l.status)).collect();
    assert_eq!(
        seen,
        vec![
            (b.link.id, LinkStatus::Revoked),
            (a.link.id, LinkStatus::Expired)
        ]
    );
    assert_eq!(
        listed[1].token, a.token,
        "the token is recomputed identically"
    );
}

async fn revoking_own_or_as_admin_and_not_others(h: &Harness) {
    let ws = h.workspace().await;
    let cast = ws.cast().await;
    let mine = report_links::create(&h.app, &cast.member, &settings(), report("{}"))
        .await
        .unwrap();
    for role in [Role::Manager, Role::Viewer, Role::Guest] {
        assert_denied(
            report_links::revoke(&h.app, cast.by_role(role), mine.link.id).await,
            "only your own links",
        );
    }
    assert!(matches!(resolve(h, &mine.token).await, Resolved::Valid(_)));
    let revoked = report_links::revoke(&h.app, &cast.admin, mine.link.id)
        .await
        .unwrap();
    assert!(revoked.revoked_at.is_some());
    assert_eq!(resolve(h, &mine.token).await, Resolved::Gone);
    match report_links::revoke(&h.app, &cast.member, mine.link.id).await {
        Err(AppError::Conflict(m)) => assert!(m.contains("already revoked"), "{m}"),
        other => panic!("expected conflict, got {other:?}"),
    }
    let own = report_links::create(&h.app, &cast.guest, &settings(), report("{}"))
        .await
        .unwrap();
    report_links::revoke(&h.app, &cast.guest, own.link.id)
        .await
        .unwrap();
    let other_owner = report_links::create(&h.app, &cast.viewer, &settings(), report("{}"))
        .await
        .unwrap();
    report_links::revoke(&h.app, &cast.owner, other_owner.link.id)
        .await
        .unwrap();
    let actions = audit_actions(h, &ws).await;
    assert_eq!(actions.iter().filter(|a| *a == "link.revoke").count(), 3);

    // Another workspace's link id is unknown here, even to its Owner.
    let other = h.workspace().await;
    let theirs = report_links::create(&h.app, &other.owner, &settings(), report("{}"))
        .await
        .unwrap();
    match report_links::revoke(&h.app, &ws.owner, theirs.link.id).await {
        Err(AppError::NotFound(m)) => assert!(m.contains("/report links"), "{m}"),
        other => panic!("expected not found, got {other:?}"),
    }
    assert!(matches!(
        resolve(h, &theirs.token).await,
        Resolved::Valid(_)
    ));
}

async fn expired_links_are_gone_at_their_expiry(h: &Harness) {
    let ws = h.workspace().await;
    let link = report_links::create(&h.app, &ws.owner, &settings(), report("{}"))
        .await
        .unwrap();
    h.clock.advance(Duration::days(7) - Duration::seconds(1));
    assert!(matches!(resolve(h, &link.token).await, Resolved::Valid(_)));
    h.clock.advance(Duration::seconds(1));
    assert_eq!(resolve(h, &link.token).await, Resolved::Gone);
}

async fn a_removed_owner_s_links_are_gone(h: &Harness) {
    let ws = h.workspace().await;
    let cast = ws.cast().await;
    let link = report_links::create(&h.app, &cast.member, &settings(), report("{}"))
        .await
        .unwrap();
    members::remove(&h.app, &cast.owner, cast.member.user)
        .await
        .unwrap();
    assert_eq!(resolve(h, &link.token).await, Resolved::Gone);
    let left = report_links::create(&h.app, &cast.viewer, &settings(), report("{}"))
        .await
        .unwrap();
    members::leave(&h.app, &cast.viewer).await.unwrap();
    assert_eq!(resolve(h, &left.token).await, Resolved::Gone);
}

async fn edited_unknown_and_foreign_tokens_are_not_found(h: &Harness) {
    let ws = h.workspace().await;
    let link = report_links::create(&h.app, &ws.owner, &settings(), report("{}"))
        .await
        .unwrap();
    // Flip one character in the middle (the id and expiry live there).
    let mut edited = link.token.clone().into_bytes();
    edited[10] = if edited[10] == b'A' { b'B' } else { b'A' };
    let edited = String::from_utf8(edited).unwrap();
    assert_eq!(resolve(h, &edited).await, Resolved::NotFound);
    assert_eq!(resolve(h, "nope").await, Resolved::NotFound);
    // Signed with another secret.
    let other = LinkSigner::new(&[1u8; 32]).unwrap();
    let foreign = report_links::resolve(&h.app, &other, LinkKind::Report, &link.token)
        .await
        .unwrap();
    assert_eq!(foreign, Resolved::NotFound);
    // A report token opened as a project page.
    let wrong_kind =
        report_links::resolve(&h.app, &settings().signer, LinkKind::Project, &link.token)
            .await
            .unwrap();
    assert_eq!(wrong_kind, Resolved::NotFound);
    // A well-signed token for an id that does not exist.
    let ghost = settings()
        .signer
        .sign(&crewclock::domain::links::LinkClaims {
            kind: LinkKind::Report,
            id: link.link.id + 1_000,
            expires_at: link.link.expires_at,
        });
    assert_eq!(resolve(h, &ghost).await, Resolved::NotFound);
    // A well-signed token whose expiry disagrees with the row (an old secret's leftovers).
    let stretched = settings()
        .signer
        .sign(&crewclock::domain::links::LinkClaims {
            kind: LinkKind::Report,
            id: link.link.id,
            expires_at: link.link.expires_at + Duration::days(30),
        });
    assert_eq!(resolve(h, &stretched).await, Resolved::NotFound);
}

async fn the_generated_secret_is_shared_and_the_configured_one_wins(h: &Harness) {
    let first = report_links::signer(&h.app, None).await.unwrap();
    let second = report_links::signer(&h.app, None).await.unwrap();
    let ws = h.workspace().await;
    let s1 = LinkSettings {
        signer: first,
        ttl: Duration::days(1),
    };
    let link = report_links::create(&h.app, &ws.owner, &s1, report("{}"))
        .await
        .unwrap();
    let seen = report_links::resolve(&h.app, &second, LinkKind::Report, &link.token)
        .await
        .unwrap();
    assert!(
        matches!(seen, Resolved::Valid(_)),
        "a second instance agrees"
    );
    let configured = Secret::new("c".repeat(40));
    let mine = report_links::signer(&h.app, Some(&configured))
        .await
        .unwrap();
    let seen = report_links::resolve(&h.app, &mine, LinkKind::Report, &link.token)
        .await
        .unwrap();
    assert_eq!(seen, Resolved::NotFound);
}

async fn a_closed_database_is_an_error_not_a_missing_link(h: &Harness) {
    let ws = h.workspace().await;
    let link = report_links::create(&h.app, &ws.owner, &settings(), report("{}"))
        .await
        .unwrap();
    h.app.store.close().await;
    let outcome =
        report_links::resolve(&h.app, &settings().signer, LinkKind::Report, &link.token).await;
    assert!(matches!(outcome, Err(AppError::Internal(_))), "{outcome:?}");
}

db_test!(
    every_role_may_share,
    every_role_may_share_and_the_owner_is_whoever_made_it
);
db_test!(
    refusals_write_nothing,
    strangers_and_bad_queries_are_refused_and_nothing_is_written
);
db_test!(listing, listing_shows_only_ones_own_links_with_their_status);
db_test!(revoking, revoking_own_or_as_admin_and_not_others);
db_test!(expiry, expired_links_are_gone_at_their_expiry);
db_test!(removed_owner, a_removed_owner_s_links_are_gone);
db_test!(not_found, edited_unknown_and_foreign_tokens_are_not_found);
db_test!(
    secrets,
    the_generated_secret_is_shared_and_the_configured_one_wins
);
db_test!(
    closed_database,
    a_closed_database_is_an_error_not_a_missing_link
);
