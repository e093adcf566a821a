//! `/p/<token>`, a shared project's guest page, through the web router without a socket, on
//! SQLite and PostgreSQL: exactly the shared fields and the guest chat (edits marked, deletes
//! shown as deleted, the members chat never), no money and nobody beyond the chat's authors,
//! hostile strings as text, the security headers; tampered or wrong-kind links 404; a revoked
//! or expired link, an ended share, a guest taken off it or removed 410; a re-shared project
//! doesn't revive old links; per-link rate limit.

mod support;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use chrono::Duration;
use crewclock::app::entries::{self, AddEntry};
use crewclock::app::members;
use crewclock::app::project_links;
use crewclock::app::projects::{self, CreateProject, ProjectEdit};
use crewclock::app::report_links::{self, IssuedLink, LinkOptions, LinkSettings, NewLink};
use crewclock::app::sharing::{self, IncomingEdit, IncomingMessage};
use crewclock::domain::links::{LinkClaims, LinkKind, LinkSigner};
use crewclock::domain::projects::Privacy;
use crewclock::domain::{ChannelId, UserId};
use crewclock::store::sharing::Attachment;
use crewclock::web::{self, Metrics, WebSettings};
use crewclock::{Actor, App, AppError};
use http_body_util::BodyExt;
use support::{Cast, Harness, Ws};
use tower::ServiceExt;

const PROJECT: &str = "<script>alert(\"p\")</script> 'Site' \u{202E}rev";
const HOSTILE_TASK: &str = "<img src=x onerror=alert(1)>";
const GUEST_NAME: &str = "Cara <b>Customer</b>";

fn signer() -> LinkSigner {
    LinkSigner::new(b"a project page test secret of 32+ bytes").unwrap()
}

fn settings() -> LinkSettings {
    LinkSettings {
        signer: signer(),
        ttl: Duration::days(7),
    }
}

fn router_with(app: &App, per_minute: u32) -> Router {
    web::router(
        app.clone(),
        WebSettings {
            signer: signer(),
            link_requests_per_minute: per_minute,
            metrics: Arc::new(Metrics::new()),
        },
    )
}

/// One request; checks the headers every page must carry, whatever its status.
async fn get(router: &Router, path: &str) -> (StatusCode, String) {
    let response = router
        .clone()
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    for (name, wanted) in [
        ("referrer-policy", "no-referrer"),
        ("x-content-type-options", "nosniff"),
        ("cache-control", "no-store"),
        ("content-type", "text/html; charset=utf-8"),
    ] {
        assert_eq!(
            headers.get(name).and_then(|v| v.to_str().ok()),
            Some(wanted),
            "{path} ({status}): {name}"
        );
    }
    let robots = headers.get("x-robots-tag").unwrap().to_str().unwrap();
    assert!(robots.contains("noindex"), "{path}");
    let csp = headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(csp.starts_with("default-src 'none'") && !csp.contains("script-src"));
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

struct World {
    ws: Ws,
    cast: Cast,
    /// Joined as a Guest by the share.
    cara: Actor,
    project_id: i64,
    guest_channel: ChannelId,
    team_channel: ChannelId,
}

impl World {
    fn app(&self) -> &App {
        &self.ws.app
    }
}

fn said(channel: ChannelId, id: u64, who: &Actor, text: &str, app: &App) -> IncomingMessage {
    IncomingMessage {
        channel,
        message_id: id,
        author: who.user,
        author_name: who.name.clone(),
        content: text.into(),
        attachments: Vec::new(),
        at: app.clock.now(),
    }
}

/// A project with a stage, an hours budget (2h30m of 10h used), a due date, a rate and two
/// tasks, shared with Cara showing stage, hours% and tasks (not the due date, not tasks%),
/// with a guest chat and a members chat.
async fn world(h: &Harness) -> World {
    let ws = h.workspace().await;
    let cast = ws.cast().await;
    let app = ws.app.clone();
    let project = projects::create_project(
        &app,
        &cast.owner,
        CreateProject {
            name: PROJECT.into(),
            client: None,
            privacy: Some(Privacy::Public),
            color: None,
            billable_default: None,
        },
    )
    .await
    .unwrap();
    let project_id = project.id;
    let by_id = format!("#{project_id}");
    projects::create_stage(&app, &cast.owner, "Design", None)
        .await
        .unwrap();
    projects::edit_project(
        &app,
        &cast.owner,
        &by_id,
        ProjectEdit {
            stage: Some(Some("Design".into())),
            budget: Some("10h".into()),
            due_date: Some(Some("2026-12-24".into())),
            ..ProjectEdit::default()
        },
    )
    .await
    .unwrap();
    projects::set_rate(&app, &cast.owner, &by_id, "987")
        .await
        .unwrap();
    projects::create_task(&app, &cast.owner, &by_id, "Mockups")
        .await
        .unwrap();
    projects::create_task(&app, &cast.owner, &by_id, HOSTILE_TASK)
        .await
        .unwrap();
    projects::set_task_done(&app, &cast.owner, &by_id, "Mockups", true)
        .await
        .unwrap();
    entries::add(
        &app,
        &cast.member,
        AddEntry {
            project: by_id.clone(),
            when: "2h30m".into(),
            date: Some("yesterday".into()),
            ..AddEntry::default()
        },
    )
    .await
    .unwrap();
    let cara = Actor::in_guild(ws.guild, UserId(h.id()), GUEST_NAME);
    let guest_channel = ChannelId(h.id());
    let team_channel = ChannelId(h.id());
    sharing::share_project(
        &app,
        &cast.owner,
        &by_id,
        guest_channel,
        &[(cara.user, cara.name.clone())],
        "stage,hours%,tasks",
    )
    .await
    .unwrap();
    sharing::link_team_channel(&app, &cast.owner, &by_id, Some(team_channel))
        .await
        .unwrap();

    // The guest chat: a hostile message with attachments, an answer naming Cara, an edited
    // message and a deleted one. The members chat: something guests must never read.
    let mut hello = said(
        guest_channel,
        1,
        &cara,
        "<script>alert(1)</script> & \"quotes\"\nsecond line",
        &app,
    );
    hello.attachments = vec![
        Attachment {
            name: "brief <v2>.pdf".into(),
            url: "https://cdn.discordapp.com/attachments/1/2/brief.pdf".into(),
        },
        Attachment {
            name: "trap.html".into(),
            url: "javascript:alert(1)".into(),
        },
    ];
    sharing::record_message(&app, &hello).await.unwrap();
    let mention = format!("Thanks <@{}>, on it", cara.user.0);
    sharing::record_message(&app, &said(guest_channel, 2, &cast.member, &mention, &app))
        .await
        .unwrap();
    sharing::record_message(
        &app,
        &said(guest_channel, 3, &cast.member, "Draft due Fridya", &app),
    )
    .await
    .unwrap();
    sharing::record_edit(
        &app,
        &IncomingEdit {
            channel: guest_channel,
            message_id: 3,
            author: None,
            content: "Draft due Friday".into(),
            attachments: Vec::new(),
            edited_at: app.clock.now() + Duration::minutes(1),
        },
    )
    .await
    .unwrap();
    sharing::record_message(
        &app,
        &said(guest_channel, 4, &cara, "oops, secret password", &app),
    )
    .await
    .unwrap();
    sharing::record_delete(&app, guest_channel, 4, app.clock.now())
        .await
        .unwrap();
    sharing::record_message(
        &app,
        &said(
            team_channel,
            5,
            &cast.manager,
            "INTERNAL: margin is thin",
            &app,
        ),
    )
    .await
    .unwrap();
    World {
        ws,
        cast,
        cara,
        project_id,
        guest_channel,
        team_channel,
    }
}

async fn link_for(w: &World, who: &Actor) -> IssuedLink {
    project_links::create(w.app(), who, &settings(), &format!("#{}", w.project_id))
        .await
        .unwrap_or_else(|e| panic!("{} makes a project link: {e}", who.name))
        .link
}

// ---------------------------------------------------------------------------------------

async fn the_guest_page_shows_exactly_what_is_shared(h: &Harness) {
    let w = world(h).await;
    let made = project_links::create(w.app(), &w.cara, &settings(), "#0")
        .await
        .unwrap_err();
    assert!(
        matches!(made, AppError::NotFound(_)),
        "a project not shared with Cara: {made:?}"
    );
    let link = link_for(&w, &w.cara).await;
    assert_eq!(link.link.kind, LinkKind::Project);
    assert!(link.path().starts_with("/p/"), "{}", link.path());
    let r = router_with(w.app(), 1_000);
    let (status, page) = get(&r, &link.path()).await;
    assert_eq!(status, StatusCode::OK, "{page}");

    // The shared fields, and only those.
    assert!(page.contains("Design"), "stage: {page}");
    assert!(page.contains("25%"), "hours of budget: {page}");
    assert!(page.contains("Mockups"), "tasks: {page}");
    assert!(page.contains("Hours of budget used"), "{page}");
    assert!(!page.contains("2026-12-24"), "the due date isn't shared");
    assert!(!page.contains("Tasks done"), "tasks% isn't shared");
    for money in ["987", "EUR", "€"] {
        assert!(!page.contains(money), "no money on a guest page: {money}");
    }
    // People: the chat's authors, nobody else.
    assert!(page.contains("Mia Member"), "a chat author");
    for nobody in ["Olivia Owner", "Ada Admin", "Max Manager", "Vic Viewer"] {
        assert!(!page.contains(nobody), "{nobody} is on the page");
    }

    // The guest chat: hostile text escaped, lines kept, edits marked, deletes shown as such,
    // mentions readable, only web addresses linked.
    assert!(
        page.contains(
            "&#60;script&#62;alert(1)&#60;/script&#62; &#38; &#34;quotes&#34;\nsecond line"
        ),
        "{page}"
    );
    assert!(!page.contains("<script>alert"), "raw script in {page}");
    assert!(!page.contains("<img src=x"), "raw img in {page}");
    assert!(
        page.contains("&#60;img src=x onerror=alert(1)&#62;"),
        "task as text"
    );
    assert!(
        page.contains("Cara &#60;b&#62;Customer&#60;/b&#62;"),
        "author as text"
    );
    assert!(
        page.contains("Thanks @Cara &#60;b&#62;Customer&#60;/b&#62;, on it"),
        "{page}"
    );
    assert!(page.contains("Draft due Friday") && !page.contains("Fridya"));
    assert!(page.contains("(edited)"));
    assert!(page.contains("message deleted") && !page.contains("secret password"));
    assert!(page.contains("href=\"https://cdn.discordapp.com/attachments/1/2/brief.pdf\""));
    assert!(page.contains("brief &#60;v2&#62;.pdf"));
    assert!(page.contains("trap.html") && !page.contains("javascript:"));
    assert!(!page.contains("INTERNAL"), "the members chat never shows");

    // A member previews the same page: still only the guest chat.
    let preview = link_for(&w, &w.cast.member).await;
    let (status, member_page) = get(&r, &preview.path()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(member_page.contains("Draft due Friday"));
    assert!(!member_page.contains("INTERNAL") && !member_page.contains("987"));

    // Autocomplete offers the shared project: to Cara, and to a member who can see it.
    for who in [&w.cara, &w.cast.member] {
        let offered = project_links::suggest_shared_projects(w.app(), who, "site", 25)
            .await
            .unwrap();
        assert_eq!(offered.len(), 1, "{}: {offered:?}", who.name);
        assert_eq!(offered[0].value, format!("#{}", w.project_id));
    }
    let _ = (w.guest_channel, w.team_channel);
}

async fn forged_and_wrong_kind_links_are_404_and_each_link_is_rate_limited(h: &Harness) {
    let w = world(h).await;
    let link = link_for(&w, &w.cara).await;
    let r = router_with(w.app(), 1_000);
    let (_, reference) = get(&r, "/p/not-a-token").await;
    let mut tampered = link.token.clone().into_bytes();
    tampered[10] = if tampered[10] == b'x' { b'y' } else { b'x' };
    let tampered = String::from_utf8(tampered).unwrap();
    let report = report_links::create(
        w.app(),
        &w.cast.owner,
        &settings(),
        NewLink {
            kind: LinkKind::Report,
            query_json: "{}".into(),
            options: LinkOptions::default(),
        },
    )
    .await
    .unwrap();
    let unknown = signer().sign(&LinkClaims {
        kind: LinkKind::Project,
        id: link.link.id + 1_000,
        expires_at: link.link.expires_at,
    });
    for path in [
        format!("/p/{tampered}"),
        format!("/p/{unknown}"),
        format!("/p/{}.csv", link.token),
        format!("/p/{}", report.token),
        format!("/r/{}", link.token),
        format!("/p/{}", "A".repeat(5_000)),
    ] {
        let (status, body) = get(&r, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(body, reference, "{path}: one 404 page");
    }
    let limited = router_with(w.app(), 2);
    assert_eq!(get(&limited, &link.path()).await.0, StatusCode::OK);
    assert_eq!(get(&limited, &link.path()).await.0, StatusCode::OK);
    assert_eq!(
        get(&limited, &link.path()).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
}

async fn ended_shares_removed_guests_and_old_links_are_410(h: &Harness) {
    let w = world(h).await;
    let app = w.app();
    let by_id = format!("#{}", w.project_id);
    let r = router_with(app, 1_000);
    let cara = link_for(&w, &w.cara).await;
    let member = link_for(&w, &w.cast.member).await;
    let revoked = link_for(&w, &w.cara).await;
    assert_eq!(get(&r, &cara.path()).await.0, StatusCode::OK);

    // A revoked link.
    report_links::revoke(app, &w.cara, revoked.link.id)
        .await
        .unwrap();
    let (status, gone) = get(&r, &revoked.path()).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(!gone.contains("revoked") && !gone.contains("Design"));

    // Cara taken off the share: her link is gone, the member's still works.
    sharing::revoke(app, &w.cast.owner, &by_id, Some(w.cara.user))
        .await
        .unwrap();
    let (status, body) = get(&r, &cara.path()).await;
    assert_eq!(status, StatusCode::GONE);
    assert_eq!(body, gone, "one 410 page for every reason");
    assert_eq!(get(&r, &member.path()).await.0, StatusCode::OK);
    let refused = project_links::create(app, &w.cara, &settings(), &by_id).await;
    assert!(refused.is_err(), "no new link once off the share");

    // The share ends: every link to it is gone; sharing again doesn't revive them.
    sharing::revoke(app, &w.cast.owner, &by_id, None)
        .await
        .unwrap();
    assert_eq!(get(&r, &member.path()).await.0, StatusCode::GONE);
    let refused = project_links::create(app, &w.cast.member, &settings(), &by_id)
        .await
        .unwrap_err();
    assert!(
        refused.user_message().contains("not shared"),
        "{}",
        refused.user_message()
    );
    sharing::share_project(
        app,
        &w.cast.owner,
        &by_id,
        w.guest_channel,
        &[(w.cara.user, w.cara.name.clone())],
        "stage",
    )
    .await
    .unwrap();
    assert_eq!(get(&r, &cara.path()).await.0, StatusCode::GONE);
    assert_eq!(get(&r, &member.path()).await.0, StatusCode::GONE);
    let fresh = link_for(&w, &w.cara).await;
    let (status, page) = get(&r, &fresh.path()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Design") && !page.contains("Mockups"),
        "now only the stage"
    );
    assert!(
        page.contains("Draft due Friday"),
        "the chat history stays with the project"
    );

    // Expired after the link's lifetime.
    h.clock.advance(Duration::days(7));
    assert_eq!(get(&r, &fresh.path()).await.0, StatusCode::GONE);

    // Removed from the workspace.
    let again = link_for(&w, &w.cara).await;
    assert_eq!(get(&r, &again.path()).await.0, StatusCode::OK);
    members::remove(app, &w.cast.owner, w.cara.user)
        .await
        .unwrap();
    assert_eq!(get(&r, &again.path()).await.0, StatusCode::GONE);
}

db_test!(
    shows_what_is_shared,
    the_guest_page_shows_exactly_what_is_shared
);
db_test!(
    forged_links,
    forged_and_wrong_kind_links_are_404_and_each_link_is_rate_limited
);
db_test!(gone, ended_shares_removed_guests_and_old_links_are_410);
