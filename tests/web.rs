//! The web sidecar's router, driven without a socket (`tower::ServiceExt::oneshot`) on SQLite
//! and PostgreSQL: every status code (200, 404 unknown/tampered/malformed, 410 revoked,
//! expired, owner removed, 429, 503 when the database is gone), the security headers on every
//! response, CSV and XLSX downloads, drill-down links that only narrow, hidden amounts and
//! people, metrics on their own router, and hostile names rendered as text.

mod support;
mod time_support;

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::Router;
use chrono::Duration;
use crewclock::app::entries::{self, AddEntry};
use crewclock::app::members;
use crewclock::app::projects;
use crewclock::app::report_links::{self, IssuedLink, LinkOptions, LinkSettings, NewLink};
use crewclock::domain::links::{LinkClaims, LinkKind, LinkSigner};
use crewclock::domain::report::{GroupBy, RangeSpec, ReportQuery};
use crewclock::domain::Role;
use crewclock::web::{self, Metrics, WebSettings};
use crewclock::{Actor, App};
use http_body_util::BodyExt;
use support::Harness;
use time_support::{World, PUBLIC};
use tower::ServiceExt;

const HOSTILE_PROJECT: &str = "<script>alert(\"p\")</script> 'quoted' \u{202E}reversed";
const HOSTILE_PERSON: &str = "<img src=x onerror=alert(1)>\"Eve\"";

fn signer() -> LinkSigner {
    LinkSigner::new(b"a web test secret of at least 32 bytes").unwrap()
}

fn settings() -> LinkSettings {
    LinkSettings {
        signer: signer(),
        ttl: Duration::days(7),
    }
}

fn router_with(app: &App, per_minute: u32, metrics: Arc<Metrics>) -> Router {
    web::router(
        app.clone(),
        WebSettings {
            signer: signer(),
            link_requests_per_minute: per_minute,
            metrics,
        },
    )
}

fn router(app: &App) -> Router {
    router_with(app, 10_000, Arc::new(Metrics::new()))
}

struct Got {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Got {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn content_type(&self) -> &str {
        self.headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// One request; checks the headers every response must carry, whatever its status.
async fn get(router: &Router, path: &str) -> Got {
    let response = router
        .clone()
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response
        .into_body()
        .collect()
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("{path} ({status}) lacks {name}"))
            .to_string()
    };
    assert_eq!(header("referrer-policy"), "no-referrer", "{path}");
    assert!(header("x-robots-tag").contains("noindex"), "{path}");
    assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
    assert_eq!(header("cache-control"), "no-store", "{path}");
    let csp = header("content-security-policy");
    assert!(csp.starts_with("default-src 'none'"), "{path}: {csp}");
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("script-src"),
        "{csp}"
    );
    Got {
        status,
        headers,
        body,
    }
}

fn last_week(group_by: Vec<GroupBy>) -> ReportQuery {
    ReportQuery::new(RangeSpec::LastWeek, group_by)
}

async fn share(app: &App, who: &Actor, query: &ReportQuery, options: LinkOptions) -> IssuedLink {
    report_links::create(
        app,
        who,
        &settings(),
        NewLink {
            kind: LinkKind::Report,
            query_json: serde_json::to_string(query).unwrap(),
            options,
        },
    )
    .await
    .expect("create link")
}

async fn add(app: &App, who: &Actor, project: &str, when: &str, date: &str) -> i64 {
    entries::add(
        app,
        who,
        AddEntry {
            project: project.into(),
            when: when.into(),
            date: Some(date.into()),
            ..AddEntry::default()
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{} adds {when} on {project}: {e}", who.name))
    .project_id
}

struct Fixture {
    w: World,
    eve: Actor,
    website: i64,
    hostile: i64,
    long: i64,
}

/// Last week (the clock is Monday 2026-11-23): Mia 2h on Website (100 EUR/h), Eve (a hostile
/// display name) 1h on the hostile project, Otto 30m on a project renamed to 5,000 chars.
async fn fixture(h: &Harness) -> Fixture {
    let w = World::new(h).await;
    let app = w.app().clone();
    let owner = w.cast.owner.clone();
    let eve = w.ws.add(Role::Member, HOSTILE_PERSON).await;
    time_support::project(
        &w.ws,
        &owner,
        HOSTILE_PROJECT,
        crewclock::domain::projects::Privacy::Public,
        false,
    )
    .await;
    time_support::project(
        &w.ws,
        &owner,
        "Long",
        crewclock::domain::projects::Privacy::Public,
        false,
    )
    .await;
    projects::set_rate(&app, &owner, PUBLIC, "100")
        .await
        .unwrap();
    let website = add(&app, &w.cast.member, PUBLIC, "9:00-11:00", "2026-11-16").await;
    let hostile = add(&app, &eve, HOSTILE_PROJECT, "1h", "2026-11-17").await;
    let long = add(&app, &w.other, "Long", "30m", "2026-11-18").await;
    // Names are length-checked when typed; a 5,000-character one can still reach the page
    // through an older version or a direct database edit, so put one there.
    sqlx::query("UPDATE projects SET name = $1 WHERE id = $2")
        .bind(format!("{}<b>end</b>", "ש".repeat(5_000)))
        .bind(long)
        .execute(app.store.pool())
        .await
        .unwrap();
    Fixture {
        w,
        eve,
        website,
        hostile,
        long,
    }
}

async fn the_report_page_renders_escaped_with_table_chart_and_links(h: &Harness) {
    let f = fixture(h).await;
    let app = f.w.app();
    let link = share(
        app,
        &f.w.cast.owner,
        &last_week(vec![GroupBy::Project, GroupBy::Member]),
        LinkOptions::default(),
    )
    .await;
    let r = router(app);
    let page = get(&r, &link.path()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.content_type(), "text/html; charset=utf-8");
    let html = page.text();
    assert!(
        html.contains("<table>") && html.contains("<svg"),
        "table and chart"
    );
    assert!(html.contains("3:30"), "total 3h30: {html}");
    assert!(
        html.contains("200.00") || html.contains("200"),
        "amount shown to the owner"
    );
    // Hostile strings are text: no live tag, quotes escaped, in the table and in the chart.
    assert!(!html.contains("<script"), "a script tag got through");
    assert!(!html.contains("<img"), "an img tag got through");
    assert!(
        !html.contains("<b>end"),
        "markup from a long name got through"
    );
    // Askama writes numeric entities in the table; plotters named ones in the chart.
    assert!(
        html.contains("&#60;script&#62;alert("),
        "escaped project name in the table"
    );
    assert!(
        html.contains("&lt;script&gt;alert("),
        "escaped project name in the chart"
    );
    let person = html
        .find("src=x onerror")
        .map(|i| &html[i.saturating_sub(20)..i + 40]);
    assert!(
        html.contains("&#60;img src=x onerror=alert(1)&#62;&#34;Eve&#34;"),
        "escaped person name: {person:?}"
    );
    assert!(
        html.contains(&"ש".repeat(5_000)),
        "the table keeps the whole long name"
    );
    assert!(
        html.contains("<bdi>"),
        "user text is isolated from the page's direction"
    );
    assert_eq!(html.matches("<svg").count(), 1);
    // Drill-down links narrow within the link.
    let drill = format!("{}?project={}", link.path(), f.website);
    assert!(
        html.contains(&format!("href=\"{drill}\"")),
        "project drill link"
    );
    assert!(html.contains(&format!("href=\"{}.csv\"", link.path())));
    let narrowed = get(&r, &drill).await;
    assert_eq!(narrowed.status, StatusCode::OK);
    let narrowed = narrowed.text();
    assert!(
        narrowed.contains("2:00") && !narrowed.contains("3:30"),
        "{narrowed}"
    );
    assert!(
        narrowed.contains("Project: Website ✕"),
        "chip to remove the drill-down"
    );
    let _ = (f.hostile, f.long, &f.eve);
}

async fn drill_downs_never_widen_a_link(h: &Harness) {
    let f = fixture(h).await;
    let app = f.w.app();
    let mut query = last_week(vec![GroupBy::Project]);
    query.projects = vec![f.website];
    let link = share(app, &f.w.cast.owner, &query, LinkOptions::default()).await;
    let r = router(app);
    let own = get(&r, &link.path()).await.text();
    assert!(own.contains("2:00") && !own.contains("Long"), "{own}");
    // Asking for a project outside the link's filter shows the link's own report.
    let outside = get(&r, &format!("{}?project={}", link.path(), f.hostile)).await;
    assert_eq!(outside.status, StatusCode::OK);
    let outside = outside.text();
    assert!(
        outside.contains("2:00") && !outside.contains("alert"),
        "{outside}"
    );
    // Junk parameters are ignored, not errors.
    let junk = get(&r, &format!("{}?project=abc&x=%ZZ", link.path())).await;
    assert_eq!(junk.status, StatusCode::OK);
}

async fn hidden_amounts_and_people_stay_hidden(h: &Harness) {
    let f = fixture(h).await;
    let app = f.w.app();
    let link = share(
        app,
        &f.w.cast.owner,
        &last_week(vec![GroupBy::Member, GroupBy::Project]),
        LinkOptions {
            hide_amounts: true,
            hide_members: true,
        },
    )
    .await;
    let r = router(app);
    for path in [
        link.path(),
        format!("{}.csv", link.path()),
        format!("{}?member=1", link.path()),
    ] {
        let got = get(&r, &path).await;
        assert_eq!(got.status, StatusCode::OK, "{path}");
        let text = got.text();
        assert!(
            !text.contains("Mia") && !text.contains("Otto") && !text.contains("onerror"),
            "{path}: {text}"
        );
        assert!(
            !text.contains("EUR") && !text.contains("Amount"),
            "{path}: {text}"
        );
        assert!(text.contains("Person 1"), "{path}");
    }
    let page = get(&r, &link.path()).await.text();
    assert!(
        !page.contains("?member="),
        "no member drill-down when people are hidden"
    );
}

async fn csv_and_xlsx_downloads(h: &Harness) {
    let f = fixture(h).await;
    let app = f.w.app();
    let link = share(
        app,
        &f.w.cast.owner,
        &last_week(vec![GroupBy::Project]),
        LinkOptions::default(),
    )
    .await;
    let r = router(app);
    let csv = get(&r, &format!("{}.csv", link.path())).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.content_type(), "text/csv; charset=utf-8");
    assert_eq!(
        csv.headers.get("content-disposition").unwrap(),
        "attachment; filename=\"report.csv\""
    );
    assert!(csv.text().contains("Website"), "{}", csv.text());
    let xlsx = get(&r, &format!("{}.xlsx", link.path())).await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert_eq!(
        xlsx.content_type(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert_eq!(&xlsx.body[..2], b"PK", "an XLSX is a zip");
    assert!(xlsx.body.len() > 1_000);
    let other = get(&r, &format!("{}.pdf", link.path())).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
}

async fn unknown_tampered_and_malformed_links_are_the_same_404(h: &Harness) {
    let f = fixture(h).await;
    let app = f.w.app();
    let link = share(
        app,
        &f.w.cast.owner,
        &last_week(vec![GroupBy::Project]),
        LinkOptions::default(),
    )
    .await;
    let r = router(app);
    let mut tampered = link.token.clone().into_bytes();
    tampered[12] = if tampered[12] == b'x' { b'y' } else { b'x' };
    let tampered = String::from_utf8(tampered).unwrap();
    let unknown = signer().sign(&LinkClaims {
        kind: LinkKind::Report,
        id: link.link.id + 999,
        expires_at: link.link.expires_at,
    });
    let foreign = LinkSigner::new(&[3u8; 32]).unwrap().sign(&LinkClaims {
        kind: LinkKind::Report,
        id: link.link.id,
        expires_at: link.link.expires_at,
    });
    let reference = get(&r, &format!("/r/{unknown}")).await;
    assert_eq!(reference.status, StatusCode::NOT_FOUND);
    assert_eq!(reference.content_type(), "text/html; charset=utf-8");
    for path in [
        format!("/r/{tampered}"),
        format!("/r/{foreign}"),
        format!("/r/{tampered}.csv"),
        "/r/nope".to_string(),
        format!("/r/{}", "A".repeat(5_000)),
        "/r/%3Cscript%3E".to_string(),
    ] {
        let got = get(&r, &path).await;
        assert_eq!(got.status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(got.body, reference.body, "{path}: the 404 page differs");
    }
    let elsewhere = get(&r, "/wp-login.php").await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);
    let text = reference.text();
    for leak in ["sqlx", "Error", "panic", "reference", "HMAC", "signature"] {
        assert!(!text.contains(leak), "404 page mentions {leak}: {text}");
    }
}

async fn revoked_expired_and_removed_owners_are_the_same_410(h: &Harness) {
    let f = fixture(h).await;
    let app = f.w.app();
    let q = last_week(vec![GroupBy::Project]);
    let revoked = share(app, &f.w.cast.owner, &q, LinkOptions::default()).await;
    let removed = share(app, &f.w.cast.member, &q, LinkOptions::default()).await;
    let r = router(app);
    assert_eq!(get(&r, &revoked.path()).await.status, StatusCode::OK);
    assert_eq!(get(&r, &removed.path()).await.status, StatusCode::OK);
    report_links::revoke(app, &f.w.cast.owner, revoked.link.id)
        .await
        .unwrap();
    members::remove(app, &f.w.cast.owner, f.w.cast.member.user)
        .await
        .unwrap();
    let gone = get(&r, &revoked.path()).await;
    assert_eq!(gone.status, StatusCode::GONE);
    let gone_csv = get(&r, &format!("{}.xlsx", revoked.path())).await;
    assert_eq!(gone_csv.status, StatusCode::GONE);
    let removed_page = get(&r, &removed.path()).await;
    assert_eq!(removed_page.status, StatusCode::GONE);
    assert_eq!(
        removed_page.body, gone.body,
        "one 410 page for every reason"
    );
    let expiring = share(app, &f.w.cast.admin, &q, LinkOptions::default()).await;
    f.w.ws.app.clock.now(); // the harness clock drives expiry
    h.clock.advance(Duration::days(7));
    let expired = get(&r, &expiring.path()).await;
    assert_eq!(expired.status, StatusCode::GONE);
    assert_eq!(expired.body, gone.body);
    assert!(!gone.text().contains("revoked") && !gone.text().contains("removed"));
}

async fn each_link_is_rate_limited(h: &Harness) {
    let f = fixture(h).await;
    let app = f.w.app();
    let q = last_week(vec![GroupBy::Project]);
    let a = share(app, &f.w.cast.owner, &q, LinkOptions::default()).await;
    let b = share(app, &f.w.cast.owner, &q, LinkOptions::default()).await;
    let r = router_with(app, 2, Arc::new(Metrics::new()));
    assert_eq!(get(&r, &a.path()).await.status, StatusCode::OK);
    assert_eq!(
        get(&r, &format!("{}.csv", a.path())).await.status,
        StatusCode::OK
    );
    let limited = get(&r, &a.path()).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.text().contains("wait a minute"));
    assert_eq!(get(&r, &b.path()).await.status, StatusCode::OK, "per link");
}

async fn health_readiness_and_metrics(h: &Harness) {
    let metrics = Arc::new(Metrics::new());
    let r = router_with(&h.app, 100, metrics.clone());
    let health = get(&r, "/healthz").await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.text(), "ok\n");
    assert_eq!(get(&r, "/readyz").await.status, StatusCode::OK);
    assert_eq!(
        get(&r, "/metrics").await.status,
        StatusCode::NOT_FOUND,
        "metrics are never on the public router"
    );
    get(&r, "/r/nope").await;
    let m = web::metrics_router(metrics);
    let text = get(&m, "/metrics").await;
    assert_eq!(text.status, StatusCode::OK);
    assert!(text.content_type().starts_with("text/plain; version=0.0.4"));
    let text = text.text();
    assert!(text.contains("crewclock_http_requests_total{route=\"/healthz\",status=\"200\"} 1"));
    assert!(
        text.contains("route=\"/r/{token}\",status=\"404\""),
        "{text}"
    );
    assert!(text.contains("crewclock_http_request_duration_seconds_bucket"));
    assert!(!text.contains("nope"), "no tokens in metrics");
    // The database goes away: readiness turns red, liveness stays green, pages say 503.
    let ws = h.workspace().await;
    let link = share(
        &h.app,
        &ws.owner,
        &last_week(vec![GroupBy::Project]),
        LinkOptions::default(),
    )
    .await;
    h.app.store.close().await;
    assert_eq!(
        get(&r, "/readyz").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(get(&r, "/healthz").await.status, StatusCode::OK);
    let page = get(&r, &link.path()).await;
    assert_eq!(page.status, StatusCode::SERVICE_UNAVAILABLE);
    let text = page.text();
    assert!(
        !text.contains("pool") && !text.contains("closed") && !text.contains("E0"),
        "{text}"
    );
}

db_test!(
    report_page,
    the_report_page_renders_escaped_with_table_chart_and_links
);
db_test!(drill_downs, drill_downs_never_widen_a_link);
db_test!(hidden_fields, hidden_amounts_and_people_stay_hidden);
db_test!(downloads, csv_and_xlsx_downloads);
db_test!(
    not_found,
    unknown_tampered_and_malformed_links_are_the_same_404
);
db_test!(gone, revoked_expired_and_removed_owners_are_the_same_410);
db_test!(rate_limited, each_link_is_rate_limited);
db_test!(health, health_readiness_and_metrics);
