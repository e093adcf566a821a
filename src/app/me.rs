//! A member's own preferences (`/me`): the time zone their days and weeks are counted in
//! (IANA name, default UTC) and the first day of their week (default Monday).

use std::str::FromStr;

use chrono::Weekday;
use chrono_tz::Tz;

use super::{active_member, workspace_of, Actor, App, AppResult};
use crate::domain::timeparse;
use crate::store::{self, Conn};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prefs {
    pub time_zone: Tz,
    pub week_start: Weekday,
}

impl Default for Prefs {
    fn default() -> Self {
        Prefs {
            time_zone: Tz::UTC,
            week_start: Weekday::Mon,
        }
    }
}

/// How a week start is stored: `mon` … `sun`.
pub(crate) fn weekday_code(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "mon",
        Weekday::Tue => "tue",
        Weekday::Wed => "wed",
        Weekday::Thu => "thu",
        Weekday::Fri => "fri",
        Weekday::Sat => "sat",
        Weekday::Sun => "sun",
    }
}

fn weekday_from_code(code: &str) -> Option<Weekday> {
    [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ]
    .into_iter()
    .find(|day| weekday_code(*day) == code)
}

/// A member's preferences as stored. Values are validated before they are stored; anything
/// unreadable falls back to the default (and is logged) rather than failing the request.
pub(crate) async fn prefs_of(conn: &mut Conn, member_id: i64) -> AppResult<Prefs> {
    let (tz, week) = store::entries::prefs(conn, member_id).await?;
    Ok(prefs_from_db(member_id, &tz, &week))
}

/// Preferences from their stored text; unreadable values fall back to UTC and Monday.
pub(crate) fn prefs_from_db(member_id: i64, tz: &str, week: &str) -> Prefs {
    let time_zone = Tz::from_str(tz).unwrap_or_else(|_| {
        tracing::warn!(member_id, time_zone = %tz, "unreadable time zone in database; using UTC");
        Tz::UTC
    });
    let week_start = weekday_from_code(week).unwrap_or(Weekday::Mon);
    Prefs {
        time_zone,
        week_start,
    }
}

/// The actor's preferences.
pub async fn prefs(app: &App, actor: &Actor) -> AppResult<Prefs> {
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    prefs_of(&mut conn, me.id).await
}

/// Sets the actor's time zone from an IANA name (`Europe/Berlin`, `america/new york`); typos
/// get suggestions, fixed offsets and abbreviations are refused (see `timeparse`).
pub async fn set_time_zone(app: &App, actor: &Actor, raw: &str) -> AppResult<Prefs> {
    let tz = timeparse::parse_timezone(raw)?;
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    store::entries::set_time_zone(&mut conn, me.id, tz.name()).await?;
    prefs_of(&mut conn, me.id).await
}

/// Sets the first day of the actor's week (`monday`, `sun`, …).
pub async fn set_week_start(app: &App, actor: &Actor, raw: &str) -> AppResult<Prefs> {
    let day = timeparse::parse_weekday(raw)?;
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    store::entries::set_week_start(&mut conn, me.id, weekday_code(day)).await?;
    prefs_of(&mut conn, me.id).await
}
