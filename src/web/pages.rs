//! Plain pages and the headers every response carries.

use std::sync::LazyLock;

use askama::Template;
use axum::body::Body;
use axum::http::{header, HeaderValue, Request, Response, StatusCode};
use axum::middleware::Next;
use axum::response::IntoResponse;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256};

/// The one stylesheet, inlined in every page. The Content-Security-Policy allows exactly this
/// text by its hash, so no other style (injected or not) can apply.
pub const CSS: &str = include_str!("../../templates/style.css");

/// `default-src 'none'`: no scripts, frames, fonts, connections or images from anywhere; the
/// inline stylesheet by hash; inline SVG needs nothing more. Nothing may frame the page and
/// no form may post anywhere.
pub static CONTENT_SECURITY_POLICY: LazyLock<String> = LazyLock::new(|| {
    let hash = STANDARD.encode(Sha256::digest(CSS.as_bytes()));
    format!(
        "default-src 'none'; style-src 'sha256-{hash}'; img-src data:; base-uri 'none'; \
         form-action 'none'; frame-ancestors 'none'"
    )
});

/// Adds the security headers to every response, whatever produced it (pages, errors,
/// downloads, health checks, axum's own 405s).
pub async fn security_headers(request: Request<Body>, next: Next) -> Response<Body> {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let csp = HeaderValue::from_str(&CONTENT_SECURITY_POLICY)
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'"));
    headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        "x-robots-tag",
        HeaderValue::from_static("noindex, nofollow"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    css: &'a str,
    title: &'a str,
    message: &'a str,
}

/// The plain pages for everything that isn't a report. Each status has one fixed text: an
/// unknown link and an edited one look exactly alike, and no internal detail ever shows.
pub fn plain(status: StatusCode) -> Response<Body> {
    let (title, message) = match status {
        StatusCode::NOT_FOUND => (
            "Page not found",
            "There is no page at this address. Check that the link was copied completely.",
        ),
        StatusCode::GONE => (
            "This link is no longer available",
            "It has expired or been withdrawn. Ask the person who shared it for a new link.",
        ),
        StatusCode::TOO_MANY_REQUESTS => (
            "Too many requests",
            "This link was opened too often in a short time. Please wait a minute and try again.",
        ),
        StatusCode::SERVICE_UNAVAILABLE => (
            "Temporarily unavailable",
            "This page can't be shown right now. Please try again in a minute.",
        ),
        _ => (
            "Something went wrong",
            "This page can't be shown right now. Please try again later.",
        ),
    };
    let page = ErrorPage {
        css: CSS,
        title,
        message,
    };
    match page.render() {
        Ok(html) => html_response(status, html),
        // Rendering fixed strings can't realistically fail; still answer, in plain text.
        Err(_) => (status, title.to_string()).into_response(),
    }
}

pub fn html_response(status: StatusCode, html: String) -> Response<Body> {
    let mut response = (status, html).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

pub fn text_response(status: StatusCode, text: String) -> Response<Body> {
    let mut response = (status, text).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}
