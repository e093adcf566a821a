//! `/p/<token>`: a shared project's page for its guests: the fields the share exposes (stage,
//! due date, % hours of budget, % tasks done, tasks) and the guest chat, computed when opened
//! with the link owner's rights at that moment. Same rules as report links: a forged or edited
//! token is 404, a revoked or expired link, an ended share or a guest taken off it is 410.

use std::collections::HashMap;
use std::time::Instant;

use askama::Template;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{Response, StatusCode};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use super::pages::{self, CSS};
use super::report::failure;
use super::Web;
use crate::app::project_links::{self, GuestPage};
use crate::app::report_links::{self, Resolved};
use crate::app::sharing::{ChatLine, CHAT_PAGE};
use crate::domain::links::LinkKind;
use crate::AppError;

pub(super) async fn project(State(web): State<Web>, Path(token): Path<String>) -> Response<Body> {
    // Signature first (no database work for forged tokens), then the per-link limit.
    let Some(claims) = web.signer.verify(&token) else {
        return pages::plain(StatusCode::NOT_FOUND);
    };
    if !web.limiter.allow(claims.id, Instant::now()) {
        return pages::plain(StatusCode::TOO_MANY_REQUESTS);
    }
    let valid = match report_links::resolve(&web.app, &web.signer, LinkKind::Project, &token).await
    {
        Ok(Resolved::Valid(valid)) => valid,
        Ok(Resolved::Gone) => return pages::plain(StatusCode::GONE),
        Ok(Resolved::NotFound) => return pages::plain(StatusCode::NOT_FOUND),
        Err(e) => return failure(&e),
    };
    let rendered = project_links::page(&web.app, &valid)
        .await
        .and_then(|page| html(&page));
    match rendered {
        Ok(html) => pages::html_response(StatusCode::OK, html),
        Err(e) => failure(&e),
    }
}

// ---------------------------------------------------------------------------------------
// The HTML page
// ---------------------------------------------------------------------------------------

/// One shared figure at the top of the page.
struct Fact {
    label: &'static str,
    value: String,
    /// A percentage to draw as a native progress bar (capped at 100 for the bar only).
    bar: Option<u32>,
}

struct TaskRow {
    name: String,
    done: bool,
}

struct Line {
    author: String,
    /// ISO 8601 in UTC, for `<time datetime>`.
    iso: String,
    when: String,
    /// The text in pieces: plain text, and web addresses as links.
    text: Vec<Link>,
    attachments: Vec<Link>,
    edited: bool,
    deleted: bool,
}

struct Link {
    name: String,
    /// Only http(s) addresses become links; anything else is shown as plain text.
    href: Option<String>,
}

/// Splits text into plain pieces and http(s) addresses (which become links), so a guest can
/// follow a link someone shared. Trailing punctuation stays text: "see https://x.test/a."
fn linkify(text: &str) -> Vec<Link> {
    let mut pieces: Vec<Link> = Vec::new();
    let mut plain = String::new();
    let mut rest = text;
    while !rest.is_empty() {
        let next = ["https://", "http://"]
            .iter()
            .filter_map(|scheme| rest.find(scheme))
            .min();
        let Some(start) = next else {
            plain.push_str(rest);
            break;
        };
        plain.push_str(&rest[..start]);
        let tail = &rest[start..];
        let end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"'))
            .unwrap_or(tail.len());
        let url = tail[..end].trim_end_matches(['.', ',', ')', '!', '?', ';', ':', '\'']);
        if url.len() <= "https://".len() {
            plain.push_str(&tail[..end]);
        } else {
            if !plain.is_empty() {
                pieces.push(Link {
                    name: std::mem::take(&mut plain),
                    href: None,
                });
            }
            pieces.push(Link {
                name: url.to_string(),
                href: Some(url.to_string()),
            });
            plain.push_str(&tail[url.len()..end]);
        }
        rest = &tail[end..];
    }
    if !plain.is_empty() {
        pieces.push(Link {
            name: plain,
            href: None,
        });
    }
    pieces
}

#[derive(Template)]
#[template(path = "project.html")]
struct ProjectPage<'a> {
    css: &'a str,
    project: String,
    facts: Vec<Fact>,
    tasks: Option<Vec<TaskRow>>,
    more_tasks: usize,
    chat: Vec<Line>,
    chat_is_cut: bool,
    chat_page: u32,
    time_zone: &'a str,
    generated: String,
    expires: String,
}

fn percent(part: usize, whole: usize) -> Option<u32> {
    (whole > 0).then(|| ((part * 100 + whole / 2) / whole) as u32)
}

/// "2026-12-24 (in 31 days)", "2026-11-20 (3 days ago)".
fn due_text(due: NaiveDate, today: NaiveDate) -> String {
    let days = (due - today).num_days();
    let relative = match days {
        0 => "today".to_string(),
        1 => "tomorrow".to_string(),
        -1 => "yesterday".to_string(),
        d if d > 1 => format!("in {d} days"),
        d => format!("{} days ago", -d),
    };
    format!("{} ({relative})", due.format("%a %Y-%m-%d"))
}

fn facts(page: &GuestPage, today: NaiveDate) -> Vec<Fact> {
    let card = &page.card;
    let mut facts = Vec::new();
    if let Some(stage) = &card.stage {
        facts.push(Fact {
            label: "Stage",
            value: stage.clone().unwrap_or_else(|| "not set".into()),
            bar: None,
        });
    }
    if let Some(due) = &card.due_date {
        facts.push(Fact {
            label: "Due",
            value: due
                .map(|d| due_text(d, today))
                .unwrap_or_else(|| "no due date".into()),
            bar: None,
        });
    }
    if let Some(hours) = &card.hours_of_budget {
        facts.push(Fact {
            label: "Hours of budget used",
            value: hours
                .map(|p| format!("{p}%"))
                .unwrap_or_else(|| "no hours budget".into()),
            bar: *hours,
        });
    }
    if let Some((done, total)) = card.tasks_done {
        let p = percent(done, total);
        facts.push(Fact {
            label: "Tasks done",
            value: match p {
                Some(p) => format!("{p}% ({done} of {total})"),
                None => "no tasks yet".into(),
            },
            bar: p,
        });
    }
    facts
}

/// Discord's markup for mentions, channels, roles, custom emoji and timestamps, made
/// readable. A user mention shows a name only when that person wrote in this chat (the page
/// names nobody else); everything stays plain text, escaped by the template.
pub(super) fn readable(content: &str, authors: &HashMap<u64, String>) -> String {
    let mut out = String::with_capacity(content.len());
    let mut rest = content;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let Some(end) = tail.find('>') else {
            out.push_str(tail);
            return out;
        };
        let inner = &tail[1..end];
        match markup(inner, authors) {
            Some(text) => {
                out.push_str(&text);
                rest = &tail[end + 1..];
            }
            None => {
                out.push('<');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn markup(inner: &str, authors: &HashMap<u64, String>) -> Option<String> {
    let id = |s: &str| s.parse::<u64>().ok();
    if let Some(role) = inner.strip_prefix("@&") {
        return id(role).map(|_| "@role".into());
    }
    if let Some(user) = inner.strip_prefix("@!").or_else(|| inner.strip_prefix('@')) {
        let user = id(user)?;
        return Some(match authors.get(&user) {
            Some(name) => format!("@{name}"),
            None => "@someone".into(),
        });
    }
    if let Some(channel) = inner.strip_prefix('#') {
        return id(channel).map(|_| "#channel".into());
    }
    if let Some(stamp) = inner.strip_prefix("t:") {
        let secs = stamp
            .split(':')
            .next()
            .and_then(|s| s.parse::<i64>().ok())?;
        return DateTime::<Utc>::from_timestamp(secs, 0)
            .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string());
    }
    let emoji = inner
        .strip_prefix("a:")
        .or_else(|| inner.strip_prefix(':'))?;
    let (name, emoji_id) = emoji.split_once(':')?;
    id(emoji_id)?;
    (!name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_'))
        .then(|| format!(":{name}:"))
}

fn web_link(url: &str) -> Option<String> {
    let lower = url.to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://")).then(|| url.to_string())
}

fn line(message: &ChatLine, zone: Tz, authors: &HashMap<u64, String>) -> Line {
    Line {
        author: message.author_name.clone(),
        iso: message
            .at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        when: message
            .at
            .with_timezone(&zone)
            .format("%a %Y-%m-%d %H:%M")
            .to_string(),
        text: linkify(&readable(&message.content, authors)),
        attachments: message
            .attachments
            .iter()
            .map(|a| Link {
                name: a.name.clone(),
                href: web_link(&a.url),
            })
            .collect(),
        edited: message.edited,
        deleted: message.deleted,
    }
}

fn html(page: &GuestPage) -> Result<String, AppError> {
    let zone = page.time_zone;
    let today = page.generated_at.with_timezone(&zone).date_naive();
    let authors: HashMap<u64, String> = page
        .chat
        .iter()
        .map(|m| (m.author.0, m.author_name.clone()))
        .collect();
    let (tasks, more_tasks) = match &page.card.tasks {
        Some((tasks, more)) => (
            Some(
                tasks
                    .iter()
                    .map(|t| TaskRow {
                        name: t.name.clone(),
                        done: t.done,
                    })
                    .collect(),
            ),
            *more,
        ),
        None => (None, 0),
    };
    let view = ProjectPage {
        css: CSS,
        project: page.card.project.clone(),
        facts: facts(page, today),
        tasks,
        more_tasks,
        chat: page.chat.iter().map(|m| line(m, zone, &authors)).collect(),
        chat_is_cut: page.chat.len() >= CHAT_PAGE as usize,
        chat_page: CHAT_PAGE,
        time_zone: zone.name(),
        generated: page
            .generated_at
            .with_timezone(&zone)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        expires: page.expires_at.format("%Y-%m-%d").to_string(),
    };
    view.render().map_err(AppError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discord_markup_reads_as_text_and_names_only_chat_authors() {
        let authors = HashMap::from([(42u64, "Cara".to_string())]);
        assert_eq!(
            readable(
                "hi <@42> and <@!7>, see <#9> <@&5> <:party:123> <a:wave:4>",
                &authors
            ),
            "hi @Cara and @someone, see #channel @role :party: :wave:"
        );
        assert_eq!(
            readable("at <t:1700000000:R>", &authors),
            "at 2023-11-14 22:13 UTC"
        );
        for plain in [
            "<script>alert(1)</script>",
            "a < b > c",
            "<@notanid>",
            "<",
            "x <:bad name:1>",
            "<t:abc>",
        ] {
            assert_eq!(readable(plain, &authors), plain);
        }
    }

    #[test]
    fn web_addresses_in_text_become_links_and_nothing_else_does() {
        let pieces = linkify(
            "see https://x.test/a?b=1. or http://y.test, not javascript:alert(1) nor https://",
        );
        let shown: Vec<(&str, bool)> = pieces
            .iter()
            .map(|p| (p.name.as_str(), p.href.is_some()))
            .collect();
        assert_eq!(
            shown,
            [
                ("see ", false),
                ("https://x.test/a?b=1", true),
                (". or ", false),
                ("http://y.test", true),
                (", not javascript:alert(1) nor https://", false),
            ]
        );
        assert!(linkify("").is_empty());
        let joined: String = linkify("a\nhttps://z.test/\u{202E}x b")
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(joined, "a\nhttps://z.test/\u{202E}x b", "nothing lost");
    }

    #[test]
    fn only_web_addresses_become_links() {
        assert!(web_link("https://cdn.discordapp.com/a/b.pdf").is_some());
        assert!(web_link("HTTP://127.0.0.1/x").is_some());
        assert!(web_link("javascript:alert(1)").is_none());
        assert!(web_link("data:text/html,<b>").is_none());
    }

    #[test]
    fn due_dates_say_how_far() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(
            due_text(d(2026, 12, 24), today),
            "Thu 2026-12-24 (in 31 days)"
        );
        assert_eq!(due_text(today, today), "Mon 2026-11-23 (today)");
        assert_eq!(
            due_text(d(2026, 11, 20), today),
            "Fri 2026-11-20 (3 days ago)"
        );
    }
}
