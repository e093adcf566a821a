//! Sharing projects with guests (permissions.md "share a project with guests / unshare",
//! guest_limit, Guests' view), on SQLite and PostgreSQL: who may share, the guest limit,
//! guests seeing only the shared fields of their own shares, revoking one guest or all,
//! turning sharing off, the claimed weekly summary and the audit trail.

mod support;

use chrono::Duration;
use crewclock::app::entries::{self, AddEntry};
use crewclock::app::projects::{self, CreateProject, ProjectEdit};
use crewclock::app::sharing::{self, ChannelAccess};
use crewclock::app::workspace;
use crewclock::domain::sharing::SharedField;
use crewclock::domain::{ChannelId, Role, UserId};
use crewclock::store;
use crewclock::{Actor, App, AppError};
use support::{assert_denied, Cast, Harness, Ws};

struct World {
    ws: Ws,
    cast: Cast,
    /// A Member who manages "Website".
    pm: Actor,
    channel: ChannelId,
}

async fn world(h: &Harness) -> World {
    let ws = h.workspace().await;
    let cast = ws.cast().await;
    let pm = ws.add(Role::Member, "Pam Projectmanager").await;
    for name in ["Website", "Secret"] {
        projects::create_project(
            &ws.app,
            &cast.owner,
            CreateProject {
                name: name.into(),
                client: None,
                privacy: None,
                color: None,
                billable_default: None,
            },
        )
        .await
        .unwrap();
    }
    projects::add_project_manager(&ws.app, &cast.owner, "Website", pm.user)
        .await
        .unwrap();
    World {
        ws,
        cast,
        pm,
        channel: ChannelId(h.id()),
    }
}

fn person(h: &Harness, name: &str) -> (UserId, String) {
    (UserId(h.id()), name.to_string())
}

async fn workspace_id(app: &App, w: &World) -> i64 {
    let mut conn = app.store.conn().await.unwrap();
    store::workspaces::find_by_guild(&mut conn, w.ws.guild)
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn live_shares(app: &App, w: &World) -> usize {
    let id = workspace_id(app, w).await;
    let mut conn = app.store.conn().await.unwrap();
    store::sharing::live_shares(&mut conn, id)
        .await
        .unwrap()
        .len()
}

async fn audit_actions(app: &App, w: &World) -> Vec<String> {
    let id = workspace_id(app, w).await;
    let mut conn = app.store.conn().await.unwrap();
    store::audit::list(&mut conn, id, None, 500)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

fn guest_actor(w: &World, user: UserId, name: &str) -> Actor {
    Actor::in_guild(w.ws.guild, user, name)
}

// ---------------------------------------------------------------------------------------

async fn who_may_share(h: &Harness) {
    let w = world(h).await;
    let app = &w.ws.app;
    let refused = [
        (
            &w.cast.manager,
            "Only the Owner, Admins and this project's managers",
        ),
        (&w.cast.member, "No project named"),
        (
            &w.cast.viewer,
            "Only the Owner, Admins and this project's managers",
        ),
    ];
    for (who, needle) in refused {
        let before = support::snapshot(app, w.ws.guild).await;
        let outcome = sharing::share_project(
            app,
            who,
            "Website",
            w.channel,
            &[person(h, "Cara Customer")],
            "stage",
        )
        .await;
        match outcome {
            Err(AppError::Denied(m)) | Err(AppError::NotFound(m)) => {
                assert!(m.contains(needle), "{}: {m}", who.name)
            }
            other => panic!("{} should be refused, got {other:?}", who.name),
        }
        assert_eq!(before, support::snapshot(app, w.ws.guild).await);
        assert_eq!(live_shares(app, &w).await, 0);
    }
    let outcome =
        sharing::share_project(app, &w.cast.guest, "Website", w.channel, &[], "stage").await;
    assert_denied(outcome, "Guests see only the projects shared with them");

    // A project manager shares their own project, not another one.
    let shared = sharing::share_project(app, &w.pm, "Website", w.channel, &[], "stage")
        .await
        .unwrap();
    assert!(shared.created);
    let other = sharing::share_project(app, &w.pm, "Secret", ChannelId(h.id()), &[], "stage").await;
    assert!(matches!(other, Err(AppError::NotFound(_))), "{other:?}");
    // Owner and Admin share any project.
    sharing::share_project(app, &w.cast.admin, "Secret", ChannelId(h.id()), &[], "all")
        .await
        .unwrap();
    sharing::revoke(app, &w.cast.owner, "Secret", None)
        .await
        .unwrap();
    sharing::share_project(
        app,
        &w.cast.owner,
        "Secret",
        ChannelId(h.id()),
        &[],
        "tasks",
    )
    .await
    .unwrap();
    assert_eq!(live_shares(app, &w).await, 2);
}
db_test!(who_may_share_a_project, who_may_share);

async fn bad_input_writes_nothing(h: &Harness) {
    let w = world(h).await;
    let app = &w.ws.app;
    let before = support::snapshot(app, w.ws.guild).await;
    let outcome = sharing::share_project(
        app,
        &w.cast.owner,
        "Website",
        w.channel,
        &[person(h, "Cara Customer")],
        "stage, rates",
    )
    .await;
    match outcome {
        Err(AppError::Invalid(m)) => {
            assert!(m.contains("'rates' is not a field"), "{m}");
            assert!(m.contains("tasks, due, stage, hours%, tasks%"), "{m}");
        }
        other => panic!("expected invalid fields, got {other:?}"),
    }
    let outcome =
        sharing::share_project(app, &w.cast.owner, "Webiste", w.channel, &[], "stage").await;
    assert!(matches!(outcome, Err(AppError::NotFound(m)) if m.contains("Website")));
    assert_eq!(before, support::snapshot(app, w.ws.guild).await);
    assert_eq!(live_shares(app, &w).await, 0);
}
db_test!(bad_input_writes_nothing, bad_input_writes_nothing);

async fn guest_limit_and_seats(h: &Harness) {
    let w = world(h).await;
    let app = &w.ws.app;
    // The cast already holds one Guest.
    w.ws.set("guest_limit", "2").await;
    let before = support::snapshot(app, w.ws.guild).await;
    let outcome = sharing::share_project(
        app,
        &w.cast.owner,
        "Website",
        w.channel,
        &[person(h, "Cara Customer"), person(h, "Carl Customer")],
        "stage",
    )
    .await;
    assert_denied(outcome, "The guest limit is reached: 2 of 2 guests");
    // All or nothing: not even the share or the first guest was written.
    assert_eq!(before, support::snapshot(app, w.ws.guild).await);
    assert_eq!(live_shares(app, &w).await, 0);

    let info_before = workspace::info(app, &w.cast.owner).await.unwrap();
    let cara = person(h, "Cara Customer");
    let shared = sharing::share_project(
        app,
        &w.cast.owner,
        "Website",
        w.channel,
        std::slice::from_ref(&cara),
        "stage",
    )
    .await
    .unwrap();
    assert_eq!(shared.invited.len(), 1);
    assert_eq!(shared.invited[0].role, Role::Guest);
    let info_after = workspace::info(app, &w.cast.owner).await.unwrap();
    assert_eq!(
        info_before.seats_used, info_after.seats_used,
        "Guests take no seat"
    );
    assert_eq!(
        w.ws.role_of(&guest_actor(&w, cara.0, &cara.1)).await,
        Some(Role::Guest)
    );
}
db_test!(
    guest_limit_is_enforced_and_guests_take_no_seat,
    guest_limit_and_seats
);

async fn outcome_lists_everyone(h: &Harness) {
    let w = world(h).await;
    let app = &w.ws.app;
    let cara = person(h, "Cara Customer");
    let shared = sharing::share_project(
        app,
        &w.pm,
        "Website",
        w.channel,
        &[
            cara.clone(),
            cara.clone(),
            (w.cast.guest.user, "Gus Guest".into()),
            (w.cast.member.user, "Mia Member".into()),
        ],
        "stage,due",
    )
    .await
    .unwrap();
    let names = |members: &[crewclock::store::members::Member]| -> Vec<String> {
        members.iter().map(|m| m.display_name.clone()).collect()
    };
    assert_eq!(names(&shared.invited), vec!["Cara Customer"]);
    assert_eq!(names(&shared.added), vec!["Gus Guest"]);
    assert_eq!(names(&shared.not_guests), vec!["Mia Member"]);
    assert!(shared.already.is_empty());
    assert_eq!(
        shared.grant_view,
        vec![
            ChannelAccess {
                channel: w.channel,
                user: cara.0
            },
            ChannelAccess {
                channel: w.channel,
                user: w.cast.guest.user
            },
        ]
    );
    assert_eq!(shared.to_notify().count(), 2);

    // Again in the same channel: new fields, nobody added twice.
    let again = sharing::share_project(
        app,
        &w.pm,
        "Website",
        w.channel,
        std::slice::from_ref(&cara),
        "tasks",
    )
    .await
    .unwrap();
    assert!(!again.created);
    assert_eq!(names(&again.already), vec!["Cara Customer"]);
    assert!(again.grant_view.is_empty());
    assert_eq!(again.share.fields.to_db(), "tasks");
    // In another channel: refused, saying where it is shared.
    let elsewhere =
        sharing::share_project(app, &w.pm, "Website", ChannelId(h.id()), &[], "tasks").await;
    assert!(
        matches!(&elsewhere, Err(AppError::Conflict(m)) if m.contains(&format!("<#{}>", w.channel))),
        "{elsewhere:?}"
    );
    // The guest channel can't carry a second project.
    let taken = sharing::share_project(app, &w.cast.owner, "Secret", w.channel, &[], "tasks").await;
    assert!(
        matches!(&taken, Err(AppError::Conflict(m)) if m.contains("already carries the project Website")),
        "{taken:?}"
    );
}
db_test!(
    share_outcome_lists_invited_added_and_members,
    outcome_lists_everyone
);

async fn guest_sees_only_shared_fields(h: &Harness) {
    let w = world(h).await;
    let app = &w.ws.app;
    projects::create_stage(app, &w.cast.owner, "Design", None)
        .await
        .unwrap();
    projects::edit_project(
        app,
        &w.cast.owner,
        "Website",
        ProjectEdit {
            stage: Some(Some("Design".into())),
            budget: Some("10h".into()),
            due_date: Some(Some("2026-12-24".into())),
            ..ProjectEdit::default()
        },
    )
    .await
    .unwrap();
    projects::set_rate(app, &w.cast.owner, "Website", "85 EUR")
        .await
        .unwrap();
    for task in ["Mockups", "Brief"] {
        projects::create_task(app, &w.cast.owner, "Website", task)
            .await
            .unwrap();
    }
    projects::set_task_done(app, &w.cast.owner, "Website", "Brief", true)
        .await
        .unwrap();
    entries::add(
        app,
        &w.cast.owner,
        AddEntry {
            project: "Website".into(),
            when: "2h30m".into(),
            ..AddEntry::default()
        },
    )
    .await
    .unwrap();
    let cara = person(h, "Cara Customer");
    sharing::share_project(
        app,
        &w.cast.owner,
        "Website",
        w.channel,
        std::slice::from_ref(&cara),
        "stage,tasks%",
    )
    .await
    .unwrap();
    let guest = guest_actor(&w, cara.0, &cara.1);
    let page = sharing::card_for_guest(app, &guest, "website")
        .await
        .unwrap();
    assert_eq!(
        page.card.lines(),
        vec![
            "Stage: Design".to_string(),
            "Tasks done: 1 of 2 (50%)".to_string()
        ]
    );
    assert_eq!(page.card.due_date, None);
    assert_eq!(page.card.hours_of_budget, None);
    assert_eq!(page.card.tasks, None);
    let shown = format!("{page:?}");
    assert!(!shown.contains("85"), "no rate anywhere: {shown}");
    assert!(!shown.contains("Olivia"), "no people: {shown}");

    // With every field: % hours of budget, never money or who tracked it.
    sharing::share_project(app, &w.cast.owner, "Website", w.channel, &[], "all")
        .await
        .unwrap();
    let page = sharing::card_for_guest(app, &guest, "#999999").await;
    assert!(matches!(page, Err(AppError::NotFound(_))), "{page:?}");
    let page = sharing::card_for_guest(app, &guest, "Website")
        .await
        .unwrap();
    assert_eq!(page.card.hours_of_budget, Some(Some(25)));
    assert!(page.card.fields.contains(SharedField::Tasks));
    let text = page.card.lines().join("\n");
    assert!(text.contains("Due: 2026-12-24"), "{text}");
    assert!(!text.contains("85") && !text.contains("EUR"), "{text}");

    // Other projects, and guests not on this share, see nothing.
    let other = sharing::card_for_guest(app, &guest, "Secret").await;
    assert!(
        matches!(&other, Err(AppError::NotFound(m)) if m.contains("Shared with you: Website")),
        "{other:?}"
    );
    let not_on_it = sharing::card_for_guest(app, &w.cast.guest, "Website").await;
    assert!(
        matches!(&not_on_it, Err(AppError::NotFound(m)) if m.contains("No project is shared with you")),
        "{not_on_it:?}"
    );
    assert!(projects::info(app, &guest, "Website").await.is_err());
    // A Guest's list holds their own share and no people.
    let listed = sharing::list(app, &guest).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].guests.is_empty());
    assert!(sharing::list(app, &w.cast.guest).await.unwrap().is_empty());
    // The Owner's list names the guests; a plain Member's is empty.
    let listed = sharing::list(app, &w.cast.owner).await.unwrap();
    assert_eq!(listed[0].guests[0].display_name, "Cara Customer");
    assert!(sharing::list(app, &w.cast.member).await.unwrap().is_empty());
}
db_test!(
    guests_see_only_shared_fields_of_their_shares,
    guest_sees_only_shared_fields
);

async fn revoke_one_and_all(h: &Harness) {
    let w = world(h).await;
    let app = &w.ws.app;
    let cara = person(h, "Cara Customer");
    let carl = person(h, "Carl Customer");
    sharing::share_project(
        app,
        &w.pm,
        "Website",
        w.channel,
        &[cara.clone(), carl.clone()],
        "stage",
    )
    .await
    .unwrap();
    let cara_actor = guest_actor(&w, cara.0, &cara.1);
    let carl_actor = guest_actor(&w, carl.0, &carl.1);

    // The check before the confirmation names who would lose access, and changes nothing.
    let (name, losing) = sharing::check_revoke(app, &w.pm, "Website", None)
        .await
        .unwrap();
    assert_eq!(name, "Website");
    let names: Vec<&str> = losing.iter().map(|m| m.display_name.as_str()).collect();
    assert_eq!(names, ["Cara Customer", "Carl Customer"]);
    let (_, losing) = sharing::check_revoke(app, &w.pm, "Website", Some(cara.0))
        .await
        .unwrap();
    assert_eq!(losing.len(), 1);
    assert_denied(
        sharing::check_revoke(app, &w.cast.manager, "Website", None).await,
        "this project's managers",
    );
    let not_shared = sharing::check_revoke(app, &w.pm, "Secret", None).await;
    assert!(not_shared.is_err(), "{not_shared:?}");
    assert!(sharing::card_for_guest(app, &cara_actor, "Website")
        .await
        .is_ok());

    let one = sharing::revoke(app, &w.pm, "Website", Some(cara.0))
        .await
        .unwrap();
    assert!(!one.share_ended);
    assert_eq!(
        one.remove_view,
        vec![ChannelAccess {
            channel: w.channel,
            user: cara.0
        }]
    );
    assert!(sharing::card_for_guest(app, &cara_actor, "Website")
        .await
        .is_err());
    assert!(sharing::card_for_guest(app, &carl_actor, "Website")
        .await
        .is_ok());
    let checked = sharing::check_revoke(app, &w.pm, "Website", Some(cara.0)).await;
    assert!(
        matches!(&checked, Err(AppError::NotFound(m)) if m.contains("Cara Customer is not a guest of Website")),
        "{checked:?}"
    );
    let again = sharing::revoke(app, &w.pm, "Website", Some(cara.0)).await;
    assert!(
        matches!(&again, Err(AppError::NotFound(m)) if m.contains("Cara Customer is not a guest of Website")),
        "{again:?}"
    );
    let refused = sharing::revoke(app, &w.cast.manager, "Website", None).await;
    assert_denied(refused, "this project's managers");

    let all = sharing::revoke(app, &w.pm, "Website", None).await.unwrap();
    assert!(all.share_ended);
    assert_eq!(
        all.remove_view,
        vec![ChannelAccess {
            channel: w.channel,
            user: carl.0
        }]
    );
    assert!(sharing::card_for_guest(app, &carl_actor, "Website")
        .await
        .is_err());
    let project_id = sharing::list(app, &w.cast.owner).await.unwrap();
    assert!(project_id.is_empty());
    let update = sharing::update(app, &w.pm, "Website").await;
    assert!(
        matches!(&update, Err(AppError::NotFound(m)) if m.contains("Website is not shared")),
        "{update:?}"
    );
    // The channel can carry a new share afterwards.
    sharing::share_project(app, &w.pm, "Website", w.channel, &[], "stage")
        .await
        .unwrap();
}
db_test!(revoke_one_guest_or_everyone, revoke_one_and_all);

async fn disabling_sharing_revokes_all(h: &Harness) {
    let w = world(h).await;
    let app = &w.ws.app;
    let cara = person(h, "Cara Customer");
    let second = ChannelId(h.id());
    sharing::share_project(
        app,
        &w.cast.owner,
        "Website",
        w.channel,
        std::slice::from_ref(&cara),
        "stage",
    )
    .await
    .unwrap();
    sharing::share_project(
        app,
        &w.cast.owner,
        "Secret",
        second,
        &[(w.cast.guest.user, "Gus Guest".into())],
        "tasks",
    )
    .await
    .unwrap();
    let refused = workspace::set_setting(app, &w.cast.manager, "sharing_enabled", "false").await;
    assert!(refused.is_err());
    assert_eq!(live_shares(app, &w).await, 2);

    let change = workspace::set_setting(app, &w.cast.owner, "sharing_enabled", "off")
        .await
        .unwrap();
    assert_eq!(change.after, "false");
    let mut unshared = change.unshared.clone();
    unshared.sort_by_key(|a| a.channel);
    let mut expected = vec![
        ChannelAccess {
            channel: w.channel,
            user: cara.0,
        },
        ChannelAccess {
            channel: second,
            user: w.cast.guest.user,
        },
    ];
    expected.sort_by_key(|a| a.channel);
    assert_eq!(unshared, expected);
    assert_eq!(live_shares(app, &w).await, 0);
    let guest = guest_actor(&w, cara.0, &cara.1);
    assert!(sharing::card_for_guest(app, &guest, "Website")
        .await
        .is_err());
    let outcome =
        sharing::share_project(app, &w.cast.owner, "Website", w.channel, &[], "stage").await;
    assert_denied(outcome, "/workspace set sharing_enabled true");
    let revokes = audit_actions(app, &w)
        .await
        .into_iter()
        .filter(|a| a == "share.revoke")
        .count();
    assert_eq!(revokes, 2);
    // Turning it on again allows sharing; nothing comes back by itself.
    w.ws.set("sharing_enabled", "true").await;
    assert_eq!(live_shares(app, &w).await, 0);
    sharing::share_project(app, &w.cast.owner, "Website", w.channel, &[], "stage")
        .await
        .unwrap();
}
db_test!(
    turning_sharing_off_revokes_every_share,
    disabling_sharing_revokes_all
);

async fn weekly_summary_claimed_once(h: &Harness) {
    let w = world(h).await;
    let app = &w.ws.app;
    sharing::share_project(app, &w.cast.owner, "Website", w.channel, &[], "stage")
        .await
        .unwrap();
    sharing::share_project(
        app,
        &w.cast.owner,
        "Secret",
        ChannelId(h.id()),
        &[],
        "tasks",
    )
    .await
    .unwrap();
    assert!(sharing::due_share_summaries(app, "w1")
        .await
        .unwrap()
        .is_empty());
    h.clock.advance(Duration::days(7));
    // Two workers at once: each summary goes to exactly one of them.
    let (a, b) = tokio::join!(
        sharing::due_share_summaries(app, "w1"),
        sharing::due_share_summaries(app, "w2"),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.len() + b.len(), 2, "a={a:?} b={b:?}");
    let mut ids: Vec<i64> = a.iter().chain(b.iter()).map(|s| s.summary_id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 2);
    let website = a
        .iter()
        .chain(b.iter())
        .find(|s| s.project == "Website")
        .unwrap()
        .clone();
    assert_eq!(website.guest_channel, w.channel);
    assert_eq!(website.card.lines(), vec!["Stage: not set".to_string()]);
    let holder = if a.iter().any(|s| s.summary_id == website.summary_id) {
        ("w1", "w2")
    } else {
        ("w2", "w1")
    };
    assert!(
        !sharing::mark_summary_posted(app, website.summary_id, holder.1)
            .await
            .unwrap()
    );
    assert!(
        sharing::mark_summary_posted(app, website.summary_id, holder.0)
            .await
            .unwrap()
    );
    assert!(
        !sharing::mark_summary_posted(app, website.summary_id, holder.0)
            .await
            .unwrap()
    );
    // Nothing more is due now; a week later Website's next summary is (the other one is
    // still claimed until its lease ends, then it may be claimed again).
    assert!(sharing::due_share_summaries(app, "w3")
        .await
        .unwrap()
        .is_empty());
    h.clock.advance(Duration::days(7));
    let next = sharing::due_share_summaries(app, "w3").await.unwrap();
    assert_eq!(next.len(), 2, "{next:?}");
    // A revoked share gets no summary.
    sharing::revoke(app, &w.cast.owner, "Website", None)
        .await
        .unwrap();
    for s in &next {
        sharing::release_summary(app, s.summary_id, "w3")
            .await
            .unwrap();
    }
    h.clock.advance(Duration::days(7));
    let after = sharing::due_share_summaries(app, "w4").await.unwrap();
    assert!(after.iter().all(|s| s.project != "Website"), "{after:?}");
    assert_eq!(after.len(), 1);
}
db_test!(weekly_summary_is_claimed_once, weekly_summary_claimed_once);

async fn every_change_is_audited(h: &Harness) {
    let w = world(h).await;
    let app = &w.ws.app;
    let cara = person(h, "Cara Customer");
    sharing::share_project(
        app,
        &w.pm,
        "Website",
        w.channel,
        std::slice::from_ref(&cara),
        "stage",
    )
    .await
    .unwrap();
    sharing::share_project(
        app,
        &w.pm,
        "Website",
        w.channel,
        &[(w.cast.guest.user, "Gus Guest".into())],
        "stage,due",
    )
    .await
    .unwrap();
    sharing::link_team_channel(app, &w.pm, "Website", Some(ChannelId(h.id())))
        .await
        .unwrap();
    sharing::revoke(app, &w.pm, "Website", Some(cara.0))
        .await
        .unwrap();
    sharing::revoke(app, &w.pm, "Website", None).await.unwrap();
    let actions = audit_actions(app, &w).await;
    for wanted in [
        "share.create",
        "share.guest_invite",
        "share.guest_add",
        "share.update",
        "share.team_channel",
        "share.guest_remove",
        "share.revoke",
    ] {
        assert!(
            actions.iter().any(|a| a == wanted),
            "{wanted} missing from {actions:?}"
        );
    }
    assert_eq!(
        actions.iter().filter(|a| *a == "share.guest_add").count(),
        2
    );
}
db_test!(every_share_change_is_audited, every_change_is_audited);

async fn removed_guest_loses_shares(h: &Harness) {
    let w = world(h).await;
    let app = &w.ws.app;
    let cara = person(h, "Cara Customer");
    sharing::share_project(
        app,
        &w.cast.owner,
        "Website",
        w.channel,
        std::slice::from_ref(&cara),
        "stage",
    )
    .await
    .unwrap();
    let removed = crewclock::app::members::remove(app, &w.cast.owner, cara.0)
        .await
        .unwrap();
    assert_eq!(
        removed.unshared,
        vec![ChannelAccess {
            channel: w.channel,
            user: cara.0
        }]
    );
    // Invited back as a Guest, the old share does not come back by itself.
    let inv =
        crewclock::app::invitations::invite_user(app, &w.cast.owner, cara.0, &cara.1, Role::Guest)
            .await
            .unwrap();
    let guest = guest_actor(&w, cara.0, &cara.1);
    crewclock::app::invitations::accept(app, &guest, inv.id)
        .await
        .unwrap();
    assert!(sharing::card_for_guest(app, &guest, "Website")
        .await
        .is_err());
    let again = sharing::share_project(
        app,
        &w.cast.owner,
        "Website",
        w.channel,
        std::slice::from_ref(&cara),
        "stage",
    )
    .await
    .unwrap();
    assert_eq!(again.added.len(), 1);
    assert!(sharing::card_for_guest(app, &guest, "Website")
        .await
        .is_ok());
}
db_test!(removed_guests_lose_their_shares, removed_guest_loses_shares);

/// The audit entries of `action`, oldest first: (actor_user, actor_name, target).
async fn audit_of(app: &App, w: &World, action: &str) -> Vec<(Option<UserId>, String, String)> {
    let id = workspace_id(app, w).await;
    let mut conn = app.store.conn().await.unwrap();
    let mut found: Vec<_> = store::audit::list(&mut conn, id, None, 500)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == action)
        .map(|e| (e.actor_user, e.actor_name, e.target))
        .collect();
    found.reverse();
    found
}

/// Discord events deactivate like `/member remove` does: leaving the server or losing the
/// linked role ends the person's shares and answers the overwrites to remove.
async fn discord_events_end_shares(h: &Harness) {
    let w = world(h).await;
    let app = &w.ws.app;
    let other_channel = ChannelId(h.id());
    let cara = person(h, "Cara Customer");
    let dan = person(h, "Dan Delegate");
    sharing::share_project(
        app,
        &w.cast.owner,
        "Website",
        w.channel,
        &[cara.clone(), dan.clone()],
        "stage",
    )
    .await
    .unwrap();
    sharing::share_project(
        app,
        &w.cast.owner,
        "Secret",
        other_channel,
        std::slice::from_ref(&cara),
        "due",
    )
    .await
    .unwrap();
    let before = audit_of(app, &w, "share.guest_remove").await.len();

    // Cara leaves the server: both her shares end for her, Dan keeps his.
    let left = crewclock::app::discord_sync::member_left_server(app, w.ws.guild, cara.0)
        .await
        .unwrap()
        .expect("Cara was deactivated");
    assert!(!left.member.active);
    let mut unshared = left.unshared.clone();
    unshared.sort_by_key(|a| a.channel.0);
    let mut expected = vec![
        ChannelAccess {
            channel: w.channel,
            user: cara.0,
        },
        ChannelAccess {
            channel: other_channel,
            user: cara.0,
        },
    ];
    expected.sort_by_key(|a| a.channel.0);
    assert_eq!(unshared, expected);
    let cara_actor = guest_actor(&w, cara.0, &cara.1);
    let dan_actor = guest_actor(&w, dan.0, &dan.1);
    assert!(sharing::card_for_guest(app, &cara_actor, "Website")
        .await
        .is_err());
    assert!(sharing::card_for_guest(app, &dan_actor, "Website")
        .await
        .is_ok());
    let removes = audit_of(app, &w, "share.guest_remove").await;
    assert_eq!(removes.len(), before + 2, "{removes:?}");
    for (user, name, target) in &removes[before..] {
        assert_eq!(*user, None);
        assert_eq!(name, "Discord");
        assert!(target.contains(&cara.0 .0.to_string()), "{target}");
    }
    // Replayed, the event changes nothing more.
    assert!(
        crewclock::app::discord_sync::member_left_server(app, w.ws.guild, cara.0)
            .await
            .unwrap()
            .is_none()
    );

    // Dan came in as a Guest; the Guest role is now linked to a Discord role, which he loses.
    let guest_role = crewclock::domain::DiscordRoleId(h.id());
    crewclock::app::role_links::link(app, &w.cast.owner, Role::Guest, guest_role)
        .await
        .unwrap();
    let synced = crewclock::app::discord_sync::sync_member_roles(
        app,
        w.ws.guild,
        dan.0,
        &dan.1,
        Some(&[guest_role]),
        &[],
    )
    .await
    .unwrap()
    .expect("Dan was deactivated");
    assert_eq!(synced.to, None);
    assert_eq!(
        synced.unshared,
        vec![ChannelAccess {
            channel: w.channel,
            user: dan.0
        }]
    );
    assert!(sharing::card_for_guest(app, &dan_actor, "Website")
        .await
        .is_err());
    let removes = audit_of(app, &w, "share.guest_remove").await;
    let (user, name, _) = removes.last().unwrap();
    assert_eq!((*user, name.as_str()), (None, "Discord role sync"));
    // The share itself lives on, with no guests left.
    let list = sharing::list(app, &w.cast.owner).await.unwrap();
    let website = list.iter().find(|s| s.project == "Website").unwrap();
    assert!(website.guests.is_empty(), "{:?}", website.guests);

    // Gaining the role back brings Dan in again, without the old share.
    crewclock::app::discord_sync::sync_member_roles(
        app,
        w.ws.guild,
        dan.0,
        &dan.1,
        Some(&[]),
        &[guest_role],
    )
    .await
    .unwrap()
    .expect("Dan joined again");
    assert!(sharing::card_for_guest(app, &dan_actor, "Website")
        .await
        .is_err());
}
db_test!(discord_events_end_the_shares, discord_events_end_shares);
