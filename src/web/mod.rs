//! The read-only web sidecar: report pages and shared projects' guest pages behind signed
//! links, health checks and metrics.
//!
//! Adapters stay thin here as in Discord: a handler checks the token through
//! `app::report_links`, runs the report as the link's owner through `app::reports`, and
//! renders. Every response carries the security headers (see [`pages::security_headers`]);
//! every failure is one of a few fixed plain pages, so nothing internal ever leaks.

pub mod metrics;
pub mod page_cache;
pub mod pages;
mod project;
pub mod rate_limit;
mod report;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::State;
use axum::http::{Request, Response, StatusCode};
use axum::middleware::{self, Next};
use axum::routing::get;
use axum::Router;

use crate::domain::links::LinkSigner;
use crate::App;
pub use metrics::Metrics;
use rate_limit::RateLimiter;

/// How long `/readyz` waits for the database before calling it unavailable.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// What the sidecar needs besides the [`App`].
#[derive(Debug, Clone)]
pub struct WebSettings {
    pub signer: LinkSigner,
    /// Requests one link may make per minute (see `[web] link_requests_per_minute`).
    pub link_requests_per_minute: u32,
    /// Shared with [`metrics_router`], which serves them on their own address.
    pub metrics: Arc<Metrics>,
}

#[derive(Clone)]
struct Web {
    app: App,
    signer: LinkSigner,
    limiter: Arc<RateLimiter>,
    pages: Arc<page_cache::PageCache<report::PageKey, report::Rendered>>,
}

/// The public routes: `/r/<token>` (and `.csv`, `.xlsx`), `/p/<token>`, `/healthz`, `/readyz`. Anything
/// else is a plain 404.
pub fn router(app: App, settings: WebSettings) -> Router {
    let web = Web {
        app,
        signer: settings.signer,
        limiter: Arc::new(RateLimiter::per_minute(settings.link_requests_per_minute)),
        pages: Arc::new(page_cache::PageCache::new(page_cache::TTL)),
    };
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/r/{file}", get(report::report))
        .route("/p/{token}", get(project::project))
        .fallback(not_found)
        .with_state(web)
        .layer(middleware::from_fn_with_state(settings.metrics, track))
        .layer(middleware::from_fn(pages::security_headers))
}

/// `/metrics` alone, for the separate metrics address.
pub fn metrics_router(metrics: Arc<Metrics>) -> Router {
    Router::new()
        .route("/metrics", get(serve_metrics))
        .fallback(not_found)
        .with_state(metrics)
        .layer(middleware::from_fn(pages::security_headers))
}

/// Serves `router` on `bind` until `shutdown` completes, then finishes the requests in flight.
pub async fn serve(
    router: Router,
    bind: SocketAddr,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(bind).await?;
    serve_on(listener, router, shutdown).await
}

/// Like [`serve`] on a listener the caller bound (tests bind port 0 and read the address).
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    tracing::info!(address = ?listener.local_addr().ok(), "web sidecar listening");
    axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
}

async fn track(
    State(metrics): State<Arc<Metrics>>,
    request: Request<Body>,
    next: Next,
) -> Response<Body> {
    let route = metrics::route_label(request.uri().path());
    let started = Instant::now();
    let response = next.run(request).await;
    metrics.observe(route, response.status().as_u16(), started.elapsed());
    response
}

async fn healthz() -> Response<Body> {
    pages::text_response(StatusCode::OK, "ok\n".into())
}

async fn readyz(State(web): State<Web>) -> Response<Body> {
    match tokio::time::timeout(READY_TIMEOUT, web.app.store.ping()).await {
        Ok(Ok(())) => pages::text_response(StatusCode::OK, "ready\n".into()),
        Ok(Err(e)) => {
            tracing::warn!(cause = %e, "readyz: database ping failed");
            pages::text_response(
                StatusCode::SERVICE_UNAVAILABLE,
                "database unavailable\n".into(),
            )
        }
        Err(_) => {
            tracing::warn!("readyz: database ping timed out");
            pages::text_response(
                StatusCode::SERVICE_UNAVAILABLE,
                "database unavailable\n".into(),
            )
        }
    }
}

async fn serve_metrics(State(metrics): State<Arc<Metrics>>) -> Response<Body> {
    let mut response = pages::text_response(StatusCode::OK, metrics.render());
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

async fn not_found() -> Response<Body> {
    pages::plain(StatusCode::NOT_FOUND)
}

/// A running sidecar (and its metrics listener, when configured).
pub struct Sidecar {
    pub address: SocketAddr,
    pub metrics_address: Option<SocketAddr>,
    tasks: Vec<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl Sidecar {
    /// Waits until every listener has stopped (after the shutdown signal).
    pub async fn wait(self) -> std::io::Result<()> {
        for task in self.tasks {
            task.await.map_err(std::io::Error::other)??;
        }
        Ok(())
    }
}

/// Starts the sidecar from the `[web]` configuration: binds the page address (and the metrics
/// address, if any) right away so a taken port fails at start-up, then serves until
/// `shutdown` turns true. `secret` is the configured link secret, if any (see
/// `Config::link_secret`); without one the generated secret in the database is used.
pub async fn start(
    app: App,
    web: &crate::config::WebConfig,
    secret: Option<&crate::config::Secret>,
    shutdown: tokio::sync::watch::Receiver<bool>,
) -> Result<Sidecar, String> {
    let bind = web
        .bind
        .as_deref()
        .ok_or("the web sidecar needs web.bind (or CREWCLOCK_WEB_BIND), e.g. 0.0.0.0:8080")?;
    let signer = crate::app::report_links::signer(&app, secret)
        .await
        .map_err(|e| format!("cannot load the link secret: {e}"))?;
    let metrics = Arc::new(Metrics::new());
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .map_err(|e| format!("cannot listen on web.bind {bind}: {e}"))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    let pages = router(
        app,
        WebSettings {
            signer,
            link_requests_per_minute: web.link_requests_per_minute,
            metrics: metrics.clone(),
        },
    );
    let mut tasks = vec![tokio::spawn(serve_on(
        listener,
        pages,
        stopped(shutdown.clone()),
    ))];
    let mut metrics_address = None;
    if let Some(metrics_bind) = web.metrics_bind.as_deref() {
        let listener = tokio::net::TcpListener::bind(metrics_bind)
            .await
            .map_err(|e| format!("cannot listen on web.metrics_bind {metrics_bind}: {e}"))?;
        metrics_address = Some(listener.local_addr().map_err(|e| e.to_string())?);
        tasks.push(tokio::spawn(serve_on(
            listener,
            metrics_router(metrics),
            stopped(shutdown),
        )));
    }
    Ok(Sidecar {
        address,
        metrics_address,
        tasks,
    })
}

/// Completes when the shutdown flag turns true (or its sender is gone).
pub async fn stopped(mut shutdown: tokio::sync::watch::Receiver<bool>) {
    while !*shutdown.borrow_and_update() {
        if shutdown.changed().await.is_err() {
            return;
        }
    }
}
