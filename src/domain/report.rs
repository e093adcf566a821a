//! Reports, the pure part: what a report asks for (a date range, filters, up to three
//! grouping levels), how rolling ranges resolve, how days fall into weeks and months, and the
//! time-zone offsets the database needs to put entries on the viewer's local days.
//!
//! Decisions, in one place:
//!
//! - **Ranges** are whole local days, both ends included, in the viewer's time zone. A rolling
//!   range (`this-week`, `last-30-days`, …) is stored as such and resolved each time it is
//!   used, so a shared link never freezes its dates. `last-N-days` ends today (today counts).
//!   Weeks start on the viewer's week start. A range may span at most [`MAX_RANGE_DAYS`].
//! - **Entries** belong to the local day their start falls on (as week lists do); a running
//!   timer counts up to now.
//! - **Grouping**: one to three distinct levels; at most one of day/week/month.
//! - **Filters** are ids (adapters resolve names); an empty list means "no filter". Each list
//!   holds at most [`MAX_FILTER_IDS`] ids.

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, Offset, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::policy::clip;
use super::timeparse::{local_today, week_start_of};
use super::Invalid;

/// Longest range a report may cover, in days (ten years and a bit).
pub const MAX_RANGE_DAYS: i64 = 3700;
/// Longest rolling `last-N-days`.
pub const MAX_LAST_DAYS: u16 = 3660;
/// Most ids in one filter list.
pub const MAX_FILTER_IDS: usize = 500;
/// Most grouping levels.
pub const MAX_LEVELS: usize = 3;

/// One grouping level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    Project,
    Client,
    Member,
    Task,
    Tag,
    Billable,
    Day,
    Week,
    Month,
}

impl GroupBy {
    pub const ALL: [GroupBy; 9] = [
        GroupBy::Project,
        GroupBy::Client,
        GroupBy::Member,
        GroupBy::Task,
        GroupBy::Tag,
        GroupBy::Billable,
        GroupBy::Day,
        GroupBy::Week,
        GroupBy::Month,
    ];

    /// The stable name used in commands, links and CSV headers.
    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Project => "project",
            GroupBy::Client => "client",
            GroupBy::Member => "member",
            GroupBy::Task => "task",
            GroupBy::Tag => "tag",
            GroupBy::Billable => "billable",
            GroupBy::Day => "day",
            GroupBy::Week => "week",
            GroupBy::Month => "month",
        }
    }

    /// Day, week and month: levels keyed by a date.
    pub fn is_time(self) -> bool {
        matches!(self, GroupBy::Day | GroupBy::Week | GroupBy::Month)
    }

    pub fn parse(raw: &str) -> Result<GroupBy, Invalid> {
        let word = raw.trim().to_lowercase();
        let found = match word.as_str() {
            "person" | "people" | "members" | "user" => Some(GroupBy::Member),
            "projects" => Some(GroupBy::Project),
            "clients" => Some(GroupBy::Client),
            "tasks" => Some(GroupBy::Task),
            "tags" => Some(GroupBy::Tag),
            "days" | "date" => Some(GroupBy::Day),
            "weeks" => Some(GroupBy::Week),
            "months" => Some(GroupBy::Month),
            _ => GroupBy::ALL.into_iter().find(|g| g.as_str() == word),
        };
        found.ok_or_else(|| {
            Invalid::new(format!(
                "'{}' is not something a report can be grouped by. Use project, client, member, task, tag, billable, day, week or month.",
                clip(raw.trim(), 30)
            ))
        })
    }

    /// Parses up to three levels: `client, project, member` or `client > project > member`.
    pub fn parse_levels(raw: &str) -> Result<Vec<GroupBy>, Invalid> {
        let levels = raw
            .split([',', '>', '/'])
            .map(str::trim)
            .filter(|part| !part.is_empty())
            .map(GroupBy::parse)
            .collect::<Result<Vec<_>, _>>()?;
        check_levels(&levels)?;
        Ok(levels)
    }
}

/// One to three distinct levels, at most one of day/week/month.
pub fn check_levels(levels: &[GroupBy]) -> Result<(), Invalid> {
    if levels.is_empty() {
        return Err(Invalid::new(
            "Group the report by at least one thing, for example project.",
        ));
    }
    if levels.len() > MAX_LEVELS {
        return Err(Invalid::new(format!(
            "A report has at most {MAX_LEVELS} grouping levels (for example client, project, member); this one has {}.",
            levels.len()
        )));
    }
    for (i, level) in levels.iter().enumerate() {
        if levels[..i].contains(level) {
            return Err(Invalid::new(format!(
                "The report is grouped by {} twice; name each level once.",
                level.as_str()
            )));
        }
    }
    if levels.iter().filter(|l| l.is_time()).count() > 1 {
        return Err(Invalid::new("Group by only one of day, week or month."));
    }
    Ok(())
}

/// A report's dates: fixed, or rolling and resolved when the report is made.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RangeSpec {
    Fixed {
        from: NaiveDate,
        to: NaiveDate,
    },
    Today,
    Yesterday,
    #[default]
    ThisWeek,
    LastWeek,
    ThisMonth,
    LastMonth,
    /// The last N days, today included.
    LastDays(u16),
    ThisYear,
}

fn out_of_range() -> Invalid {
    Invalid::new("That date range is out of range; pick dates between 2000 and 2100.")
}

fn first_of_month(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

impl RangeSpec {
    /// Whether the dates move with time.
    pub fn is_rolling(&self) -> bool {
        !matches!(self, RangeSpec::Fixed { .. })
    }

    /// The first and last local day (both included) at `now` in `tz`.
    pub fn resolve(
        &self,
        now: DateTime<Utc>,
        tz: Tz,
        week_start: Weekday,
    ) -> (NaiveDate, NaiveDate) {
        let today = local_today(now, tz);
        let back = |days: u64| today.checked_sub_days(Days::new(days)).unwrap_or(today);
        match *self {
            RangeSpec::Fixed { from, to } => (from, to),
            RangeSpec::Today => (today, today),
            RangeSpec::Yesterday => (back(1), back(1)),
            RangeSpec::ThisWeek => {
                let start = week_start_of(today, week_start);
                (start, start + Days::new(6))
            }
            RangeSpec::LastWeek => {
                let start = week_start_of(today, week_start) - Days::new(7);
                (start, start + Days::new(6))
            }
            RangeSpec::ThisMonth => {
                let start = first_of_month(today);
                let end = (start + Months::new(1)) - Days::new(1);
                (start, end)
            }
            RangeSpec::LastMonth => {
                let this = first_of_month(today);
                let start = this - Months::new(1);
                (start, this - Days::new(1))
            }
            RangeSpec::LastDays(n) => (back(u64::from(n.max(1)) - 1), today),
            RangeSpec::ThisYear => {
                let start = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
                let end = NaiveDate::from_ymd_opt(today.year(), 12, 31).unwrap_or(today);
                (start, end)
            }
        }
    }

    /// Parses what people type: `today`, `yesterday`, `this-week`, `last week`, `this-month`,
    /// `last-month`, `this-year`, `last-30-days`, `2026-11-01..2026-11-30` (also with ` to `),
    /// or one date `2026-11-05`.
    pub fn parse(raw: &str) -> Result<RangeSpec, Invalid> {
        let text = raw.trim().to_lowercase();
        if text.len() > 64 {
            return Err(Invalid::new(
                "That date range is too long. Type this-week, last-month, last-30-days or 2026-11-01..2026-11-30.",
            ));
        }
        let words = text.replace(['-', '_'], " ");
        let words = words.split_whitespace().collect::<Vec<_>>().join(" ");
        let spec = match words.as_str() {
            "today" => Some(RangeSpec::Today),
            "yesterday" => Some(RangeSpec::Yesterday),
            "this week" | "week" => Some(RangeSpec::ThisWeek),
            "last week" | "previous week" => Some(RangeSpec::LastWeek),
            "this month" | "month" => Some(RangeSpec::ThisMonth),
            "last month" | "previous month" => Some(RangeSpec::LastMonth),
            "this year" | "year" => Some(RangeSpec::ThisYear),
            _ => None,
        };
        if let Some(spec) = spec {
            return Ok(spec);
        }
        if let Some(n) = words
            .strip_prefix("last ")
            .and_then(|rest| rest.strip_suffix(" days").or(rest.strip_suffix(" day")))
        {
            return match n.trim().parse::<u32>() {
                Ok(n) if (1..=u32::from(MAX_LAST_DAYS)).contains(&n) => {
                    Ok(RangeSpec::LastDays(u16::try_from(n).unwrap_or(MAX_LAST_DAYS)))
                }
                _ => Err(Invalid::new(format!(
                    "'{}': the number of days must be between 1 and {MAX_LAST_DAYS}, like last-30-days.",
                    clip(raw.trim(), 30)
                ))),
            };
        }
        let parts: Option<(&str, &str)> = text.split_once("..").or_else(|| text.split_once(" to "));
        let date = |part: &str| {
            NaiveDate::parse_from_str(part.trim(), "%Y-%m-%d").map_err(|_| {
                Invalid::new(format!(
                    "'{}' is not a date. Write dates as YYYY-MM-DD, like 2026-11-01..2026-11-30.",
                    clip(part.trim(), 30)
                ))
            })
        };
        let (from, to) = match parts {
            Some((a, b)) => (date(a)?, date(b)?),
            None if text.len() == 10 && text.as_bytes().get(4) == Some(&b'-') => {
                let d = date(&text)?;
                (d, d)
            }
            None => {
                return Err(Invalid::new(format!(
                    "'{}' is not a date range I understand. Type today, yesterday, this-week, last-week, this-month, last-month, this-year, last-30-days or 2026-11-01..2026-11-30.",
                    clip(raw.trim(), 40)
                )))
            }
        };
        RangeSpec::fixed(from, to)
    }

    /// A fixed range, checked: start before end, within 2000–2100, at most [`MAX_RANGE_DAYS`].
    pub fn fixed(from: NaiveDate, to: NaiveDate) -> Result<RangeSpec, Invalid> {
        if !(2000..=2100).contains(&from.year()) || !(2000..=2100).contains(&to.year()) {
            return Err(out_of_range());
        }
        if to < from {
            return Err(Invalid::new(format!(
                "The range ends ({to}) before it starts ({from}). Put the earlier date first, like {to}..{from}."
            )));
        }
        let days = (to - from).num_days() + 1;
        if days > MAX_RANGE_DAYS {
            return Err(Invalid::new(format!(
                "A report covers at most {MAX_RANGE_DAYS} days; this range has {days}. Pick a shorter range."
            )));
        }
        Ok(RangeSpec::Fixed { from, to })
    }

    /// Checks a range that arrived already structured (a link, a stored query).
    pub fn check(&self) -> Result<(), Invalid> {
        match *self {
            RangeSpec::Fixed { from, to } => RangeSpec::fixed(from, to).map(|_| ()),
            RangeSpec::LastDays(n) if n == 0 || n > MAX_LAST_DAYS => Err(Invalid::new(format!(
                "The number of days must be between 1 and {MAX_LAST_DAYS}, like last-30-days."
            ))),
            _ => Ok(()),
        }
    }

    /// The canonical text, which [`RangeSpec::parse`] reads back.
    pub fn text(&self) -> String {
        match self {
            RangeSpec::Fixed { from, to } => format!("{from}..{to}"),
            RangeSpec::Today => "today".into(),
            RangeSpec::Yesterday => "yesterday".into(),
            RangeSpec::ThisWeek => "this-week".into(),
            RangeSpec::LastWeek => "last-week".into(),
            RangeSpec::ThisMonth => "this-month".into(),
            RangeSpec::LastMonth => "last-month".into(),
            RangeSpec::LastDays(n) => format!("last-{n}-days"),
            RangeSpec::ThisYear => "this-year".into(),
        }
    }
}

/// What a report asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportQuery {
    pub range: RangeSpec,
    #[serde(default)]
    pub projects: Vec<i64>,
    #[serde(default)]
    pub clients: Vec<i64>,
    #[serde(default)]
    pub members: Vec<i64>,
    #[serde(default)]
    pub tags: Vec<i64>,
    #[serde(default)]
    pub tasks: Vec<i64>,
    #[serde(default)]
    pub billable: Option<bool>,
    pub group_by: Vec<GroupBy>,
    /// Also report the budget use of the budgeted projects in the report. Budget use is over
    /// all time, so it reads every entry of those projects: ask only when it is shown.
    #[serde(default)]
    pub budgets: bool,
}

impl Default for ReportQuery {
    fn default() -> Self {
        ReportQuery {
            range: RangeSpec::ThisWeek,
            projects: Vec::new(),
            clients: Vec::new(),
            members: Vec::new(),
            tags: Vec::new(),
            tasks: Vec::new(),
            billable: None,
            group_by: vec![GroupBy::Project],
            budgets: false,
        }
    }
}

impl ReportQuery {
    /// A query for `range` grouped by `group_by`, without filters.
    pub fn new(range: RangeSpec, group_by: Vec<GroupBy>) -> ReportQuery {
        ReportQuery {
            range,
            group_by,
            ..ReportQuery::default()
        }
    }

    /// Checks the range, the levels and the sizes of the filter lists.
    pub fn check(&self) -> Result<(), Invalid> {
        self.range.check()?;
        check_levels(&self.group_by)?;
        for (name, ids) in [
            ("projects", &self.projects),
            ("clients", &self.clients),
            ("members", &self.members),
            ("tags", &self.tags),
            ("tasks", &self.tasks),
        ] {
            if ids.len() > MAX_FILTER_IDS {
                return Err(Invalid::new(format!(
                    "A report can filter on at most {MAX_FILTER_IDS} {name}; this one names {}.",
                    ids.len()
                )));
            }
        }
        Ok(())
    }
}

/// What a shared report hides from those who open it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportOptions {
    #[serde(default)]
    pub hide_amounts: bool,
    #[serde(default)]
    pub hide_members: bool,
}

/// The date a day falls into at a time level: the day itself, its week's first day, or the
/// first of its month.
pub fn bucket(level: GroupBy, day: NaiveDate, week_start: Weekday) -> NaiveDate {
    match level {
        GroupBy::Week => week_start_of(day, week_start),
        GroupBy::Month => first_of_month(day),
        _ => day,
    }
}

/// How a time bucket is written: `2026-11-23`, `week of 2026-11-23`, `2026-11`.
pub fn bucket_label(level: GroupBy, date: NaiveDate) -> String {
    match level {
        GroupBy::Week => format!("week of {date}"),
        GroupBy::Month => date.format("%Y-%m").to_string(),
        _ => date.format("%Y-%m-%d %a").to_string(),
    }
}

/// The UTC offset of `tz` at an instant, in milliseconds.
fn offset_millis(tz: Tz, at_ms: i64) -> i64 {
    match Utc.timestamp_millis_opt(at_ms).single() {
        Some(t) => {
            i64::from(
                tz.offset_from_utc_datetime(&t.naive_utc())
                    .fix()
                    .local_minus_utc(),
            ) * 1000
        }
        None => 0,
    }
}

/// The offsets of `tz` over `[from_ms, to_ms)`: `(since_ms, offset_ms)` pieces, the first
/// since `from_ms`, each in force until the next. The database adds the piece's offset to a
/// UTC start to find its local day, which is exact across daylight-saving changes. Found by
/// sampling every six hours and bisecting to the millisecond where the offset changes (zones change
/// at most a few times a year, and never twice within six hours).
pub fn offset_pieces(tz: Tz, from_ms: i64, to_ms: i64) -> Vec<(i64, i64)> {
    const STEP: i64 = 6 * 3_600_000;
    let mut pieces = vec![(from_ms, offset_millis(tz, from_ms))];
    let mut at = from_ms;
    while at < to_ms {
        let next = (at + STEP).min(to_ms);
        let current = pieces.last().map(|p| p.1).unwrap_or(0);
        if offset_millis(tz, next) != current {
            // The change lies in (at, next]: bisect to the millisecond.
            let (mut lo, mut hi) = (at, next);
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if offset_millis(tz, mid) == current {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            pieces.push((hi, offset_millis(tz, hi)));
        }
        at = next;
    }
    pieces
}

/// Days since 1970-01-01 back to a date (the database returns local days as numbers).
pub fn day_from_number(days: i64) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(1970, 1, 1)?.checked_add_signed(chrono::Duration::days(days))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::Berlin;

    fn d(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn parses_ranges_people_type() {
        assert_eq!(RangeSpec::parse("this-week").unwrap(), RangeSpec::ThisWeek);
        assert_eq!(
            RangeSpec::parse(" Last Month ").unwrap(),
            RangeSpec::LastMonth
        );
        assert_eq!(
            RangeSpec::parse("last-30-days").unwrap(),
            RangeSpec::LastDays(30)
        );
        assert_eq!(
            RangeSpec::parse("last 1 day").unwrap(),
            RangeSpec::LastDays(1)
        );
        assert_eq!(
            RangeSpec::parse("2026-11-01..2026-11-30").unwrap(),
            RangeSpec::Fixed {
                from: d("2026-11-01"),
                to: d("2026-11-30")
            }
        );
        assert_eq!(
            RangeSpec::parse("2026-11-05").unwrap(),
            RangeSpec::Fixed {
                from: d("2026-11-05"),
                to: d("2026-11-05")
            }
        );
        for spec in [
            RangeSpec::LastDays(7),
            RangeSpec::ThisYear,
            RangeSpec::parse("2026-01-01..2026-02-01").unwrap(),
        ] {
            assert_eq!(RangeSpec::parse(&spec.text()).unwrap(), spec);
        }
    }

    #[test]
    fn refuses_bad_ranges_with_what_to_type() {
        let msg = |raw: &str| RangeSpec::parse(raw).unwrap_err().0;
        assert!(msg("2026-11-30..2026-11-01").contains("before it starts"));
        assert!(msg("last-0-days").contains("between 1 and"));
        assert!(msg("last-99999-days").contains("between 1 and"));
        assert!(msg("fortnight").contains("this-week"));
        assert!(msg("2026-13-01..2026-12-01").contains("YYYY-MM-DD"));
        assert!(msg("1990-01-01..2026-01-01").contains("2000 and 2100"));
        assert!(msg("2000-01-01..2099-01-01").contains("at most"));
        assert!(msg(&"x".repeat(5000)).contains("too long"));
    }

    #[test]
    fn rolling_ranges_resolve_at_now() {
        // Sunday 2026-11-29 23:30 UTC is Monday 00:30 in Berlin.
        let now = Utc.with_ymd_and_hms(2026, 11, 29, 23, 30, 0).unwrap();
        let r = |spec: RangeSpec, tz: Tz| spec.resolve(now, tz, Weekday::Mon);
        assert_eq!(
            r(RangeSpec::Today, Tz::UTC),
            (d("2026-11-29"), d("2026-11-29"))
        );
        assert_eq!(
            r(RangeSpec::Today, Berlin),
            (d("2026-11-30"), d("2026-11-30"))
        );
        assert_eq!(
            r(RangeSpec::ThisWeek, Berlin),
            (d("2026-11-30"), d("2026-12-06"))
        );
        assert_eq!(
            r(RangeSpec::LastWeek, Tz::UTC),
            (d("2026-11-16"), d("2026-11-22"))
        );
        assert_eq!(
            r(RangeSpec::ThisMonth, Tz::UTC),
            (d("2026-11-01"), d("2026-11-30"))
        );
        assert_eq!(
            r(RangeSpec::LastMonth, Tz::UTC),
            (d("2026-10-01"), d("2026-10-31"))
        );
        assert_eq!(
            r(RangeSpec::LastDays(30), Tz::UTC),
            (d("2026-10-31"), d("2026-11-29"))
        );
        assert_eq!(
            r(RangeSpec::ThisYear, Tz::UTC),
            (d("2026-01-01"), d("2026-12-31"))
        );
        assert_eq!(
            RangeSpec::ThisWeek.resolve(now, Tz::UTC, Weekday::Sun),
            (d("2026-11-29"), d("2026-12-05"))
        );
    }

    #[test]
    fn levels_parse_and_check() {
        assert_eq!(
            GroupBy::parse_levels("client > project > member").unwrap(),
            vec![GroupBy::Client, GroupBy::Project, GroupBy::Member]
        );
        assert!(GroupBy::parse_levels("project, project")
            .unwrap_err()
            .0
            .contains("twice"));
        assert!(GroupBy::parse_levels("a,b,c,d")
            .unwrap_err()
            .0
            .contains("grouped by"));
        assert!(GroupBy::parse_levels("project,member,task,tag")
            .unwrap_err()
            .0
            .contains("at most 3"));
        assert!(GroupBy::parse_levels("day, week")
            .unwrap_err()
            .0
            .contains("only one"));
        assert!(GroupBy::parse_levels("")
            .unwrap_err()
            .0
            .contains("at least one"));
    }

    #[test]
    fn query_round_trips_through_json() {
        let q = ReportQuery {
            range: RangeSpec::LastDays(30),
            projects: vec![1, 2],
            billable: Some(true),
            group_by: vec![GroupBy::Client, GroupBy::Week],
            ..ReportQuery::default()
        };
        let json = serde_json::to_string(&q).unwrap();
        assert_eq!(serde_json::from_str::<ReportQuery>(&json).unwrap(), q);
    }

    #[test]
    fn offset_pieces_follow_daylight_saving() {
        let from = Utc
            .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .unwrap()
            .timestamp_millis();
        let to = Utc
            .with_ymd_and_hms(2027, 1, 1, 0, 0, 0)
            .unwrap()
            .timestamp_millis();
        let pieces = offset_pieces(Berlin, from, to);
        let spring = Utc
            .with_ymd_and_hms(2026, 3, 29, 1, 0, 0)
            .unwrap()
            .timestamp_millis();
        let autumn = Utc
            .with_ymd_and_hms(2026, 10, 25, 1, 0, 0)
            .unwrap()
            .timestamp_millis();
        assert_eq!(
            pieces,
            vec![(from, 3_600_000), (spring, 7_200_000), (autumn, 3_600_000)]
        );
        assert_eq!(offset_pieces(Tz::UTC, from, to), vec![(from, 0)]);
    }

    #[test]
    fn buckets() {
        assert_eq!(
            bucket(GroupBy::Week, d("2026-11-26"), Weekday::Mon),
            d("2026-11-23")
        );
        assert_eq!(
            bucket(GroupBy::Month, d("2026-11-26"), Weekday::Mon),
            d("2026-11-01")
        );
        assert_eq!(
            bucket(GroupBy::Day, d("2026-11-26"), Weekday::Mon),
            d("2026-11-26")
        );
        assert_eq!(day_from_number(0), Some(d("1970-01-01")));
    }
}
