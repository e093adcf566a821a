//! Parsing what people type for time: durations, times of day, ranges, dates, weeks and time
//! zones, and turning local wall-clock times into UTC instants with daylight saving handled.
//!
//! Everything here is pure: "today" and the member's time zone are parameters, never read from
//! a clock. Every refusal is an [`Invalid`] whose message says what to type instead; user text
//! is quoted through [`clip`] so a huge or hostile input never makes a huge reply.
//!
//! Decisions, in one place:
//!
//! - **Input size**: anything longer than [`MAX_INPUT_BYTES`] (after trimming) is refused at
//!   once, before any parsing, so garbage costs nothing.
//! - **Durations** have minute precision. Fractions are rounded to the nearest minute
//!   (`1.51h` = 1h 31m); a total that rounds to zero is refused. A bare number (`90`) is refused
//!   because it could be hours or minutes. `1h30` is 1h 30m. Zero, negative, days, seconds and
//!   more than 24 hours are refused, each with its own message. Exactly 24h is allowed.
//! - **Times of day** accept 24-hour (`9`, `9:00`, `09:00`, `21:30`, `9.30`) and 12-hour
//!   (`9am`, `9:30 pm`, `12am` = 00:00, `12pm` = 12:00) forms, plus `noon` and `midnight`
//!   (= 00:00). `24:00` is not a time of day (it is refused with a hint) but is accepted as the
//!   end of a range, where it means midnight at the end of the day.
//! - **Ranges** are two times joined by `-`, an en or em dash, or ` to `. An end at or before
//!   the start means the next day (`22:00-01:30`). If only one side has am/pm, the other side
//!   takes the reading that makes the shorter range (`9-5pm` = 9am-5pm, `1-3pm` = 1pm-3pm).
//!   Two plain 12-hour-looking numbers that would cross midnight (`9-5`) are refused as
//!   ambiguous; `09:00-05:00` or `21-5` are accepted as night ranges. Equal start and end are
//!   refused, and so is `0:00-24:00` (type a 24h duration instead).
//! - **Dates**: `today`, `yesterday`, `tomorrow`; a weekday name (`mon`, `monday`) is the most
//!   recent such day, **today included**; `this fri` / `last fri` name that day in this or last
//!   week as the member's week start defines weeks; ISO `2026-11-20` and day-first with dots
//!   `20.11.2026`. Slash dates are refused as ambiguous. Years 2000 to 2100 only. Parsing allows
//!   future dates (reports may want them); time entries go through [`parse_entry_date`] or
//!   [`check_not_future`], which refuse dates after today.
//! - **Weeks** are returned as their first day. ISO weeks (`2026-W47`) are Monday-based; with
//!   another week start, the week returned is the one holding that ISO week's Monday.
//! - **Time zones** are IANA names, case-insensitive, with spaces allowed for underscores
//!   (`america/new york`). Fixed offsets (`+02:00`, `UTC+2`, `Etc/GMT+5`, and the IANA zones
//!   `EST`, `MST`, `HST`) are refused because they ignore daylight saving; `UTC` and `GMT` stay.
//!   Abbreviations (`PST`, `IST`) are refused with the zones they usually mean. Typos get up to
//!   three suggestions, the closest names only.
//! - **DST**: a wall-clock time that happens twice (fall back) takes the **earlier** instant; a
//!   time that never happens (spring forward) is refused, naming the gap. A local day may be 23
//!   or 25 hours long; ranges are measured in real elapsed time.
//! - **Formatting** truncates to whole minutes (`59s` is `0m`), so a shown total never
//!   overstates the time worked.

use chrono::{
    DateTime, Datelike, Days, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone,
    Timelike, Utc, Weekday,
};
use chrono_tz::Tz;

use super::{policy::clip, Invalid};

/// Longest input (in bytes, after trimming) any parser here looks at.
pub const MAX_INPUT_BYTES: usize = 64;

/// Longest time entry, in minutes.
pub const MAX_ENTRY_MINUTES: i64 = 24 * 60;

/// Earliest and latest years a typed date may have.
const YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

const QUOTE_CHARS: usize = 40;

fn q(raw: &str) -> String {
    clip(raw.trim(), QUOTE_CHARS)
}

fn err<T>(message: impl Into<String>) -> Result<T, Invalid> {
    Err(Invalid::new(message))
}

/// Trims, refuses empty and overlong input, lower-cases ASCII, turns every dash-like character
/// into `-` and every run of white space into one space.
fn prepare(raw: &str, what: &str, example: &str) -> Result<String, Invalid> {
    let trimmed = raw.trim();
    if trimmed.len() > MAX_INPUT_BYTES {
        return err(format!(
            "That is too long for {what}. Type something short, like {example}."
        ));
    }
    if trimmed.is_empty() {
        return err(format!("Type {what}, like {example}."));
    }
    let mut out = String::with_capacity(trimmed.len());
    let mut in_space = false;
    for c in trimmed.chars() {
        let c = match c {
            '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
            c if c.is_whitespace() => ' ',
            c => c.to_ascii_lowercase(),
        };
        if c == ' ' {
            if !in_space {
                out.push(' ');
            }
            in_space = true;
        } else {
            out.push(c);
            in_space = false;
        }
    }
    Ok(out)
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn hm(t: NaiveTime) -> String {
    format!("{}:{:02}", t.hour(), t.minute())
}

fn hm12(t: NaiveTime) -> String {
    let (pm, h) = t.hour12();
    let suffix = if pm { "pm" } else { "am" };
    if t.minute() == 0 {
        format!("{h}{suffix}")
    } else {
        format!("{h}:{:02}{suffix}", t.minute())
    }
}

// ---------------------------------------------------------------------------------------------
// Durations
// ---------------------------------------------------------------------------------------------

/// Parses a duration of one time entry: `1h30m`, `1h 30m`, `1h30`, `90m`, `45min`, `1.5h`,
/// `1,5h`, `2h`, `1:30`, `0:05`, `1 hour 30 minutes`, `1 hour and 30 minutes`.
///
/// The result is a whole number of minutes, at least 1 and at most 24 hours.
pub fn parse_duration(raw: &str) -> Result<Duration, Invalid> {
    let text = prepare(raw, "a duration", "1h 30m")?;
    if text.starts_with('-') {
        return err(format!(
            "'{}' is negative. A duration counts time worked: type it without the minus, like 1h 30m.",
            q(raw)
        ));
    }
    let minutes = if text.contains(':') {
        clock_duration_minutes(&text, raw)?
    } else {
        unit_duration_minutes(&text, raw)?
    };
    entry_minutes(minutes, raw)
}

fn duration_not_understood(raw: &str) -> Invalid {
    Invalid::new(format!(
        "'{}' isn't a duration I understand. Type hours and minutes, like 1h 30m, 90m, 1.5h or 1:30.",
        q(raw)
    ))
}

fn entry_minutes(total: f64, raw: &str) -> Result<Duration, Invalid> {
    let rounded = total.round();
    if !rounded.is_finite() || rounded > MAX_ENTRY_MINUTES as f64 {
        return err(format!(
            "'{}' is more than 24 hours. An entry can be at most 24 hours; split longer work into days.",
            q(raw)
        ));
    }
    if rounded < 1.0 {
        if total > 0.0 {
            return err(format!(
                "'{}' is less than a minute. Time is counted in whole minutes: type at least 1m.",
                q(raw)
            ));
        }
        return err(format!(
            "'{}' is zero. A duration must be at least 1 minute, like 1m or 1h 30m.",
            q(raw)
        ));
    }
    Ok(Duration::minutes(rounded as i64))
}

/// `h:mm`, where the minutes have two digits.
fn clock_duration_minutes(text: &str, raw: &str) -> Result<f64, Invalid> {
    let Some((hours, minutes)) = text.split_once(':') else {
        return Err(duration_not_understood(raw));
    };
    let (hours, minutes) = (hours.trim(), minutes.trim());
    if minutes.contains(':') {
        return err(format!(
            "'{}' has too many colons. Type hours and minutes as h:mm, like 1:30; seconds are not counted.",
            q(raw)
        ));
    }
    if !all_digits(hours) || !all_digits(minutes) {
        return Err(duration_not_understood(raw));
    }
    if minutes.len() != 2 {
        return err(format!(
            "'{}' needs two digits after the colon, like 1:05 or 1:30.",
            q(raw)
        ));
    }
    let m: f64 = minutes.parse().map_err(|_| duration_not_understood(raw))?;
    if m > 59.0 {
        return err(format!(
            "'{}' has {m} minutes after the colon; use 00 to 59, or type it like 2h 15m.",
            q(raw)
        ));
    }
    let h: f64 = hours.parse().map_err(|_| duration_not_understood(raw))?;
    Ok(h * 60.0 + m)
}

/// Numbers with units: `1h 30m`, `1.5 hours`, `90min`, `1h30`.
fn unit_duration_minutes(text: &str, raw: &str) -> Result<f64, Invalid> {
    let b = text.as_bytes();
    let len = b.len();
    let mut i = 0;
    let mut total = 0.0;
    let mut components = 0;
    let (mut seen_hours, mut seen_minutes) = (false, false);
    let mut last_was_hours = false;
    loop {
        // Separators between components: spaces, commas, "and".
        loop {
            if i < len && (b[i] == b' ' || b[i] == b',') {
                i += 1;
            } else if components > 0
                && b[i..].starts_with(b"and")
                && (i + 3 == len || b[i + 3] == b' ' || b[i + 3].is_ascii_digit())
            {
                i += 3;
            } else {
                break;
            }
        }
        if i >= len {
            break;
        }
        // The number, with an optional decimal point or comma.
        let start = i;
        while i < len && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return Err(duration_not_understood(raw));
        }
        let mut whole = true;
        if i + 1 < len && (b[i] == b'.' || b[i] == b',') && b[i + 1].is_ascii_digit() {
            whole = false;
            i += 1;
            while i < len && b[i].is_ascii_digit() {
                i += 1;
            }
        }
        let number: f64 = text[start..i]
            .replace(',', ".")
            .parse()
            .map_err(|_| duration_not_understood(raw))?;
        while i < len && b[i] == b' ' {
            i += 1;
        }
        let unit_start = i;
        while i < len && b[i].is_ascii_alphabetic() {
            i += 1;
        }
        let unit = &text[unit_start..i];
        if unit.is_empty() && i < len && !(b[i] == b',' || b[i].is_ascii_digit()) {
            return Err(duration_not_understood(raw));
        }
        let per_unit = match unit {
            "" if i >= len && last_was_hours && !seen_minutes && whole && number < 60.0 => {
                // `1h30`: a trailing plain number after hours is minutes.
                seen_minutes = true;
                1.0
            }
            "" if components == 0 && i >= len => {
                return err(format!(
                    "'{}' has no unit. Add h or m, like 90m or 1.5h.",
                    q(raw)
                ));
            }
            "" => {
                return err(format!(
                    "'{}' has a number without a unit. Put h or m after each number, like 1h 30m.",
                    q(raw)
                ));
            }
            "h" | "hr" | "hrs" | "hour" | "hours" => {
                if seen_hours {
                    return err(format!(
                        "'{}' names hours twice. Type each unit once, like 2h 30m.",
                        q(raw)
                    ));
                }
                seen_hours = true;
                60.0
            }
            "m" | "min" | "mins" | "minute" | "minutes" => {
                if seen_minutes {
                    return err(format!(
                        "'{}' names minutes twice. Type each unit once, like 1h 45m.",
                        q(raw)
                    ));
                }
                seen_minutes = true;
                1.0
            }
            "d" | "day" | "days" | "w" | "wk" | "week" | "weeks" => {
                return err(
                    "An entry can be at most 24 hours, so durations don't take days or weeks. \
                     Type hours and minutes, like 8h; split longer work into days.",
                );
            }
            "s" | "sec" | "secs" | "second" | "seconds" => {
                return err(
                    "Time is counted in whole minutes, not seconds. Type minutes, like 1m or 45m.",
                );
            }
            other => {
                return err(format!(
                    "'{}' in '{}' isn't a unit I know. Use h for hours and m for minutes, like 1h 30m.",
                    clip(other, 20),
                    q(raw)
                ));
            }
        };
        last_was_hours = per_unit == 60.0;
        total += number * per_unit;
        components += 1;
        if i < len && !(b[i] == b' ' || b[i] == b',' || b[i].is_ascii_digit()) {
            return Err(duration_not_understood(raw));
        }
    }
    if components == 0 {
        return Err(duration_not_understood(raw));
    }
    Ok(total)
}

/// Shows a duration as `1h 30m`, `45m`, `2h` or `0m`, truncated to whole minutes; negative
/// durations get a leading `-`. `parse_duration` reads back everything this writes for 1 minute
/// to 24 hours.
pub fn format_duration(d: Duration) -> String {
    let total = d.num_minutes();
    let sign = if total < 0 { "-" } else { "" };
    let abs = total.unsigned_abs();
    match (abs / 60, abs % 60) {
        (0, m) => format!("{sign}{m}m"),
        (h, 0) => format!("{sign}{h}h"),
        (h, m) => format!("{sign}{h}h {m}m"),
    }
}

// ---------------------------------------------------------------------------------------------
// Times of day and ranges
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Meridiem {
    Am,
    Pm,
}

impl Meridiem {
    fn other(self) -> Meridiem {
        match self {
            Meridiem::Am => Meridiem::Pm,
            Meridiem::Pm => Meridiem::Am,
        }
    }
}

/// A time as written, before am/pm inference.
#[derive(Debug, Clone, Copy)]
struct Clock {
    hour: u32,
    minute: u32,
    meridiem: Option<Meridiem>,
    /// Written so that it can only be 24-hour time: `09:00`, `0:30`, `13:00`, `noon`.
    plainly_24h: bool,
}

impl Clock {
    fn is_end_of_day(&self) -> bool {
        self.meridiem.is_none() && self.hour == 24
    }

    /// Whether am/pm may be guessed for this side of a range.
    fn could_be_12h(&self) -> bool {
        self.meridiem.is_none() && !self.plainly_24h && (1..=12).contains(&self.hour)
    }

    fn with(self, meridiem: Meridiem) -> Clock {
        Clock {
            meridiem: Some(meridiem),
            ..self
        }
    }

    fn time(&self) -> NaiveTime {
        let hour = match self.meridiem {
            None => self.hour % 24,
            Some(Meridiem::Am) => self.hour % 12,
            Some(Meridiem::Pm) => self.hour % 12 + 12,
        };
        NaiveTime::from_hms_opt(hour, self.minute, 0).unwrap_or(NaiveTime::MIN)
    }
}

fn time_not_understood(part: &str) -> Invalid {
    Invalid::new(format!(
        "'{}' isn't a time I understand. Type it like 9:30, 09:30, 9am or 9:30pm.",
        q(part)
    ))
}

/// Reads one time from prepared (lower-case) text.
fn lex_clock(part: &str) -> Result<Clock, Invalid> {
    let compact: String = part.chars().filter(|c| *c != ' ').collect();
    match compact.as_str() {
        "noon" | "midday" => {
            return Ok(Clock {
                hour: 12,
                minute: 0,
                meridiem: None,
                plainly_24h: true,
            })
        }
        "midnight" => {
            return Ok(Clock {
                hour: 0,
                minute: 0,
                meridiem: None,
                plainly_24h: true,
            })
        }
        _ => {}
    }
    let (number, meridiem) = if let Some(n) = compact
        .strip_suffix("a.m.")
        .or_else(|| compact.strip_suffix("am"))
    {
        (n, Some(Meridiem::Am))
    } else if let Some(n) = compact
        .strip_suffix("p.m.")
        .or_else(|| compact.strip_suffix("pm"))
    {
        (n, Some(Meridiem::Pm))
    } else {
        (compact.as_str(), None)
    };
    let (hours, minutes) = match number.split_once([':', '.']) {
        Some((h, m)) => (h, Some(m)),
        None => (number, None),
    };
    if !all_digits(hours) || minutes.is_some_and(|m| !all_digits(m)) {
        return Err(time_not_understood(part));
    }
    if hours.len() > 2 {
        if minutes.is_none() && hours.len() <= 4 {
            return err(format!(
                "'{}' needs a colon between hours and minutes, like 9:30 or 21:30.",
                q(part)
            ));
        }
        return Err(time_not_understood(part));
    }
    let hour: u32 = hours.parse().map_err(|_| time_not_understood(part))?;
    let minute: u32 = match minutes {
        None => 0,
        Some(m) if m.len() != 2 => {
            return err(format!(
                "'{}' needs two digits for the minutes, like 9:05 or 9:30.",
                q(part)
            ));
        }
        Some(m) => m.parse().map_err(|_| time_not_understood(part))?,
    };
    if minute > 59 {
        return err(format!(
            "'{}' isn't a time: minutes go from 00 to 59.",
            q(part)
        ));
    }
    match meridiem {
        Some(_) if !(1..=12).contains(&hour) => {
            return err(format!(
                "'{}' isn't a time: with am or pm the hour goes from 1 to 12. Type it like 1pm, or in 24-hour time like 13:00.",
                q(part)
            ));
        }
        None if hour > 24 || (hour == 24 && minute != 0) => {
            return err(format!(
                "'{}' isn't a time: hours go from 0 to 23. Type it like 9:30 or 21:30.",
                q(part)
            ));
        }
        _ => {}
    }
    let plainly_24h = meridiem.is_none() && (hours.starts_with('0') || hour == 0 || hour >= 13);
    Ok(Clock {
        hour,
        minute,
        meridiem,
        plainly_24h,
    })
}

/// Parses a time of day: `9`, `9:00`, `09:00`, `9.30`, `21:30`, `9am`, `9:30pm`, `9:30 PM`,
/// `12am` (= 00:00), `12pm` (= 12:00), `noon`, `midnight` (= 00:00).
///
/// `24:00` is refused here (it is only a range end); seconds are not accepted.
pub fn parse_time_of_day(raw: &str) -> Result<NaiveTime, Invalid> {
    let text = prepare(raw, "a time", "9:30 or 2pm")?;
    let clock = lex_clock(&text)?;
    if clock.is_end_of_day() {
        return err(
            "24:00 is the end of a day. Type 0:00 for midnight at the start of a day, \
             or use 24:00 as the end of a range, like 22:00-24:00.",
        );
    }
    Ok(clock.time())
}

/// Minutes from `start` forward to `end`, 1..=1440 (equal times count as a whole day).
fn forward_minutes(start: NaiveTime, end: NaiveTime) -> i64 {
    let diff = (end - start).num_minutes().rem_euclid(1440);
    if diff == 0 {
        1440
    } else {
        diff
    }
}

/// Gives the side without am/pm the reading that makes the shorter range.
fn infer_meridiem(start: Clock, end: Clock) -> (Clock, Clock) {
    match (start.meridiem, end.meridiem) {
        (None, Some(m)) if start.could_be_12h() => {
            let (same, other) = (start.with(m), start.with(m.other()));
            let pick = if forward_minutes(same.time(), end.time())
                <= forward_minutes(other.time(), end.time())
            {
                same
            } else {
                other
            };
            (pick, end)
        }
        (Some(m), None) if end.could_be_12h() => {
            let (same, other) = (end.with(m), end.with(m.other()));
            let pick = if forward_minutes(start.time(), same.time())
                <= forward_minutes(start.time(), other.time())
            {
                same
            } else {
                other
            };
            (start, pick)
        }
        _ => (start, end),
    }
}

fn split_range(text: &str) -> Option<(&str, &str)> {
    let (a, b) = if text.matches('-').count() == 1 {
        text.split_once('-')?
    } else if !text.contains('-') && text.matches(" to ").count() == 1 {
        text.split_once(" to ")?
    } else {
        return None;
    };
    let (a, b) = (a.trim(), b.trim());
    (!a.is_empty() && !b.is_empty()).then_some((a, b))
}

/// Parses a range of two times: `9:00-10:30`, `9-10:30`, `9:00–10:30` (en dash), `9am-5pm`,
/// `9-5pm`, `9:00 to 10:30`, `22:00-01:30`, `22:00-24:00`.
///
/// The end may be at or before the start: then it is on the next day (see [`resolve_range`]).
/// `24:00` as the end is returned as 00:00 (the next day's midnight). Equal times are refused.
pub fn parse_range(raw: &str) -> Result<(NaiveTime, NaiveTime), Invalid> {
    let text = prepare(raw, "a time range", "9:00-10:30")?;
    let Some((a, b)) = split_range(&text) else {
        return err(format!(
            "'{}' isn't a time range I understand. Type a start and an end with a dash, like 9:00-10:30, 9-17 or 9am-5pm.",
            q(raw)
        ));
    };
    let (start, end) = infer_meridiem(lex_clock(a)?, lex_clock(b)?);
    if start.is_end_of_day() {
        return err("A range can't start at 24:00. Type 0:00 for midnight at the start of a day.");
    }
    let (st, et) = (start.time(), end.time());
    if st == et {
        if end.is_end_of_day() {
            return err("0:00-24:00 is a whole day. Type a duration of 24h instead of a range.");
        }
        return err(format!(
            "'{}' starts and ends at the same time. Type a range like 9:00-10:30.",
            q(raw)
        ));
    }
    if start.could_be_12h() && end.could_be_12h() && et < st {
        let evening = et + Duration::hours(12);
        return err(format!(
            "'{}' could mean {}-{} or a night from {} to {} the next day. Type {}-{} or {}-{}, \
             or write the night with leading zeros, like {:02}:{:02}-{:02}:{:02}.",
            q(raw),
            hm(st),
            hm(evening),
            hm(st),
            hm(et),
            hm(st),
            hm(evening),
            hm12(st),
            hm12(evening),
            st.hour(),
            st.minute(),
            et.hour(),
            et.minute(),
        ));
    }
    Ok((st, et))
}

// ---------------------------------------------------------------------------------------------
// Dates, weekdays and weeks
// ---------------------------------------------------------------------------------------------

fn weekday_word(word: &str) -> Option<Weekday> {
    Some(match word {
        "mo" | "mon" | "monday" => Weekday::Mon,
        "tu" | "tue" | "tues" | "tuesday" => Weekday::Tue,
        "we" | "wed" | "weds" | "wednesday" => Weekday::Wed,
        "th" | "thu" | "thur" | "thurs" | "thursday" => Weekday::Thu,
        "fr" | "fri" | "friday" => Weekday::Fri,
        "sa" | "sat" | "saturday" => Weekday::Sat,
        "su" | "sun" | "sunday" => Weekday::Sun,
        _ => return None,
    })
}

/// Parses a day of the week for the week-start setting: `mon`, `Monday`, `sun`, `SUNDAY`, …
pub fn parse_weekday(raw: &str) -> Result<Weekday, Invalid> {
    let text = prepare(raw, "a day of the week", "monday")?;
    weekday_word(&text).ok_or_else(|| {
        Invalid::new(format!(
            "'{}' isn't a day of the week. Type monday, sunday or another day (mon, tue, … also work).",
            q(raw)
        ))
    })
}

/// The first day of the week holding `date`, for weeks starting on `week_start`.
pub fn week_start_of(date: NaiveDate, week_start: Weekday) -> NaiveDate {
    let back = (date.weekday().num_days_from_monday() + 7 - week_start.num_days_from_monday()) % 7;
    date.checked_sub_days(Days::new(u64::from(back)))
        .unwrap_or(NaiveDate::MIN)
}

enum DateError {
    /// Not a date form at all: the caller words the generic message.
    Unrecognized,
    /// A date form with something wrong in it.
    Specific(Invalid),
}

impl From<Invalid> for DateError {
    fn from(e: Invalid) -> Self {
        DateError::Specific(e)
    }
}

fn shift(date: NaiveDate, days: i64) -> Result<NaiveDate, DateError> {
    let moved = if days >= 0 {
        date.checked_add_days(Days::new(days.unsigned_abs()))
    } else {
        date.checked_sub_days(Days::new(days.unsigned_abs()))
    };
    moved.ok_or_else(|| DateError::Specific(Invalid::new("That date is out of range.")))
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn days_in_month(year: i32, month: u32) -> u32 {
    let (ny, nm) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(ny, nm, 1)
        .and_then(|d| d.pred_opt())
        .map_or(31, |d| d.day())
}

fn check_year(year: i32) -> Result<(), Invalid> {
    if YEARS.contains(&year) {
        Ok(())
    } else {
        err(format!(
            "The year {year} is out of range: use a year from {} to {}.",
            YEARS.start(),
            YEARS.end()
        ))
    }
}

/// Builds a date from typed numbers, saying exactly what is wrong.
fn ymd(year: i32, month: u32, day: u32) -> Result<NaiveDate, Invalid> {
    check_year(year)?;
    if !(1..=12).contains(&month) {
        return err(format!(
            "There is no month {month}: months go from 1 to 12."
        ));
    }
    let last = days_in_month(year, month);
    if day == 0 || day > last {
        return err(format!(
            "{} {year} has {last} days, so day {day} doesn't exist.",
            MONTHS[month as usize - 1]
        ));
    }
    NaiveDate::from_ymd_opt(year, month, day)
        .ok_or_else(|| Invalid::new("That date doesn't exist."))
}

fn numeric_date(text: &str, year_hint: i32) -> Result<NaiveDate, DateError> {
    let small = |s: &str| all_digits(s) && s.len() <= 2;
    let parts: Vec<&str> = text.split('-').collect();
    if parts.len() == 3 && parts[0].len() == 4 && all_digits(parts[0]) {
        if small(parts[1]) && small(parts[2]) {
            let (y, m, d) = (parts[0].parse(), parts[1].parse(), parts[2].parse());
            if let (Ok(y), Ok(m), Ok(d)) = (y, m, d) {
                return Ok(ymd(y, m, d)?);
            }
        }
        return Err(DateError::Unrecognized);
    }
    let dotted = text.strip_suffix('.').unwrap_or(text);
    let parts: Vec<&str> = dotted.split('.').collect();
    let day_month = parts.len() >= 2 && small(parts[0]) && small(parts[1]);
    if day_month && parts.len() == 3 && parts[2].len() == 4 && all_digits(parts[2]) {
        let (d, m, y) = (parts[0].parse(), parts[1].parse(), parts[2].parse());
        if let (Ok(d), Ok(m), Ok(y)) = (d, m, y) {
            return Ok(ymd(y, m, d)?);
        }
    }
    if day_month && (parts.len() == 2 || (parts.len() == 3 && all_digits(parts[2]))) {
        return Err(DateError::Specific(Invalid::new(format!(
            "Write the year with four digits, like {}.{}.{year_hint}.",
            parts[0], parts[1]
        ))));
    }
    Err(DateError::Unrecognized)
}

fn date_inner(text: &str, today: NaiveDate, week_start: Weekday) -> Result<NaiveDate, DateError> {
    match text {
        "today" => return Ok(today),
        "yesterday" => return shift(today, -1),
        "tomorrow" => return shift(today, 1),
        _ => {}
    }
    if let Some(day) = weekday_word(text) {
        let back = (today.weekday().num_days_from_monday() + 7 - day.num_days_from_monday()) % 7;
        return shift(today, -i64::from(back));
    }
    if let Some((which, word)) = text.split_once(' ') {
        if let (Some(day), "this" | "last") = (weekday_word(word), which) {
            let first = week_start_of(today, week_start);
            let offset = (day.num_days_from_monday() + 7 - week_start.num_days_from_monday()) % 7;
            let in_this_week = shift(first, i64::from(offset))?;
            return if which == "this" {
                Ok(in_this_week)
            } else {
                shift(in_this_week, -7)
            };
        }
    }
    if text.contains('/') {
        return Err(DateError::Specific(Invalid::new(format!(
            "Dates with slashes read differently around the world (is 11/10 the 11th of October or November 10th?). \
             Type {} or {}.",
            today.format("%Y-%m-%d"),
            today.format("%d.%m.%Y")
        ))));
    }
    numeric_date(text, today.year())
}

fn date_not_understood(raw: &str, today: NaiveDate) -> Invalid {
    Invalid::new(format!(
        "'{}' isn't a date I understand. Type today, yesterday, a weekday like mon, \
         or a date like {} or {}.",
        q(raw),
        today.format("%Y-%m-%d"),
        today.format("%d.%m.%Y")
    ))
}

/// Parses a date: `today`, `yesterday`, `tomorrow`; `mon` … `sun` or full names (the most recent
/// such day, today included); `this fri`, `last mon` (that day in this or last week, weeks
/// starting on `week_start`); ISO `2026-11-20`; day-first `20.11.2026`.
///
/// Future dates are allowed here; use [`parse_entry_date`] for time entries.
pub fn parse_date(raw: &str, today: NaiveDate, week_start: Weekday) -> Result<NaiveDate, Invalid> {
    let text = prepare(raw, "a date", "yesterday or 2026-11-20")?;
    date_inner(&text, today, week_start).map_err(|e| match e {
        DateError::Unrecognized => date_not_understood(raw, today),
        DateError::Specific(invalid) => invalid,
    })
}

/// Refuses a date after `today` (the member's local today): time is entered for work done.
pub fn check_not_future(date: NaiveDate, today: NaiveDate) -> Result<(), Invalid> {
    if date > today {
        return err(format!(
            "{} is in the future. Time can only be entered for today or earlier.",
            date.format("%Y-%m-%d")
        ));
    }
    Ok(())
}

/// [`parse_date`] for a time entry: also refuses dates after `today`.
pub fn parse_entry_date(
    raw: &str,
    today: NaiveDate,
    week_start: Weekday,
) -> Result<NaiveDate, Invalid> {
    let date = parse_date(raw, today, week_start)?;
    check_not_future(date, today)?;
    Ok(date)
}

fn iso_week(text: &str) -> Option<Result<NaiveDate, Invalid>> {
    let (year, week) = text.split_once('w')?;
    let year = year.strip_suffix('-').unwrap_or(year);
    if year.len() != 4 || !all_digits(year) || !all_digits(week) || week.len() > 2 {
        return None;
    }
    let year: i32 = year.parse().ok()?;
    let week: u32 = week.parse().ok()?;
    Some((|| {
        check_year(year)?;
        let weeks = NaiveDate::from_ymd_opt(year, 12, 28).map_or(52, |d| d.iso_week().week());
        if week == 0 || week > weeks {
            return err(format!(
                "{year} has {weeks} ISO weeks: type a week from 1 to {weeks}, like {year}-W{:02}.",
                weeks.min(47)
            ));
        }
        NaiveDate::from_isoywd_opt(year, week, Weekday::Mon)
            .ok_or_else(|| Invalid::new("That week doesn't exist."))
    })())
}

/// Parses a week and returns its first day (by `week_start`): `this`, `this week`, `last`,
/// `last week`, any date [`parse_date`] accepts (the week holding it), or an ISO week
/// `2026-W47` / `2026w47` (the week holding that ISO week's Monday).
pub fn parse_week(raw: &str, today: NaiveDate, week_start: Weekday) -> Result<NaiveDate, Invalid> {
    let text = prepare(raw, "a week", "this week or last week")?;
    let this_week = week_start_of(today, week_start);
    match text.as_str() {
        "this" | "this week" | "current" | "current week" => return Ok(this_week),
        "last" | "last week" | "previous" | "previous week" => {
            return this_week
                .checked_sub_days(Days::new(7))
                .ok_or_else(|| Invalid::new("That week is out of range."));
        }
        _ => {}
    }
    if let Some(monday) = iso_week(&text) {
        return monday.map(|d| week_start_of(d, week_start));
    }
    match date_inner(&text, today, week_start) {
        Ok(date) => Ok(week_start_of(date, week_start)),
        Err(DateError::Specific(invalid)) => Err(invalid),
        Err(DateError::Unrecognized) => err(format!(
            "'{}' isn't a week I understand. Type this week, last week, a date inside the week \
             like {}, or an ISO week like {}-W{:02}.",
            q(raw),
            today.format("%Y-%m-%d"),
            today.iso_week().year(),
            today.iso_week().week()
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// Time zones and local time
// ---------------------------------------------------------------------------------------------

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if ca == *cb {
                diagonal
            } else {
                1 + diagonal.min(above).min(row[j])
            };
            diagonal = above;
        }
    }
    row[b.len()]
}

/// Zones with one offset all year that people pick by mistake for a region (`EST` is New York
/// without summer time). `UTC`, `GMT` and their aliases stay accepted.
fn is_fixed_offset_zone(name: &str) -> bool {
    matches!(name, "EST" | "MST" | "HST")
        || name
            .strip_prefix("Etc/GMT")
            .is_some_and(|rest| rest.starts_with(['+', '-']))
}

/// Common abbreviations, which are not zones (or are zones without daylight saving), and the
/// zones people usually mean by them.
const ABBREVIATIONS: &[(&str, &[&str])] = &[
    ("est", &["America/New_York"]),
    ("edt", &["America/New_York"]),
    ("cst", &["America/Chicago", "Asia/Shanghai"]),
    ("cdt", &["America/Chicago"]),
    ("mst", &["America/Denver", "America/Phoenix"]),
    ("mdt", &["America/Denver"]),
    ("pst", &["America/Los_Angeles"]),
    ("pdt", &["America/Los_Angeles"]),
    ("akst", &["America/Anchorage"]),
    ("hst", &["Pacific/Honolulu"]),
    ("bst", &["Europe/London"]),
    ("cest", &["Europe/Berlin", "Europe/Paris"]),
    ("ist", &["Asia/Kolkata", "Asia/Jerusalem", "Europe/Dublin"]),
    ("jst", &["Asia/Tokyo"]),
    ("aest", &["Australia/Sydney", "Australia/Brisbane"]),
    ("aedt", &["Australia/Sydney"]),
];

fn did_you_mean(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => format!("Did you mean {one}?"),
        [first @ .., last] => format!("Did you mean {} or {last}?", first.join(", ")),
    }
}

/// Up to three zone names closest to `wanted` (lower-case, underscores for spaces).
fn suggest_zones(wanted: &str) -> Vec<&'static str> {
    let limit = (1 + wanted.chars().count() / 5).min(3);
    let mut scored: Vec<(usize, bool, &'static str)> = chrono_tz::TZ_VARIANTS
        .iter()
        .filter_map(|tz| {
            let name = tz.name();
            let lower = name.to_ascii_lowercase();
            let city = lower.rsplit('/').next().unwrap_or(&lower);
            let mut score = levenshtein(wanted, &lower);
            if !wanted.contains('/') {
                score = score.min(levenshtein(wanted, city));
            }
            if wanted.len() >= 4 && lower.contains(wanted) {
                score = score.min(1);
            }
            let legacy = !name.contains('/')
                || [
                    "Etc/", "US/", "SystemV/", "Canada/", "Brazil/", "Chile/", "Mexico/",
                ]
                .iter()
                .any(|p| name.starts_with(p));
            (score <= limit && !is_fixed_offset_zone(name)).then_some((score, legacy, name))
        })
        .collect();
    scored.sort();
    let best = scored.first().map_or(0, |s| s.0);
    scored
        .into_iter()
        .take_while(|s| s.0 == best)
        .take(3)
        .map(|(_, _, name)| name)
        .collect()
}

/// Parses an IANA time zone name, case-insensitive, spaces allowed for underscores:
/// `Europe/Berlin`, `europe/berlin`, `America/New York`, `UTC`.
///
/// Fixed offsets (`+02:00`, `UTC+2`, `Etc/GMT+5`, `EST`) are refused because they ignore
/// daylight saving; abbreviations (`PST`) name the zones meant; an unknown name gets up to three
/// suggestions.
pub fn parse_timezone(raw: &str) -> Result<Tz, Invalid> {
    let trimmed = raw.trim();
    if trimmed.len() > MAX_INPUT_BYTES {
        return err("That is too long for a time zone. Type one like Europe/Berlin.");
    }
    if trimmed.is_empty() {
        return err("Type a time zone, like Europe/Berlin, America/New_York or UTC.");
    }
    let wanted = trimmed
        .split('/')
        .map(|part| {
            part.split_whitespace()
                .collect::<Vec<_>>()
                .join("_")
                .to_ascii_lowercase()
        })
        .collect::<Vec<_>>()
        .join("/");
    if let Some((_, meant)) = ABBREVIATIONS.iter().find(|(abbr, _)| *abbr == wanted) {
        return err(format!(
            "'{}' is an abbreviation, and it doesn't follow daylight saving through the year. \
             Type your region's zone instead. {}",
            q(raw),
            did_you_mean(meant)
        ));
    }
    let exact = chrono_tz::TZ_VARIANTS
        .iter()
        .find(|tz| tz.name().eq_ignore_ascii_case(&wanted));
    if let Some(tz) = exact {
        if !is_fixed_offset_zone(tz.name()) {
            return Ok(*tz);
        }
    }
    let offset_like = exact.is_some()
        || wanted.starts_with(['+', '-'])
        || ["utc", "gmt"].iter().any(|p| {
            wanted
                .strip_prefix(p)
                .is_some_and(|rest| rest.starts_with(['+', '-']))
        });
    if offset_like {
        return err(format!(
            "'{}' is a fixed offset, which doesn't follow daylight saving time. \
             Type the zone of your region instead, like Europe/Berlin or America/New_York.",
            q(raw)
        ));
    }
    let suggestions = suggest_zones(&wanted);
    match suggestions.as_slice() {
        [] => err(format!(
            "'{}' isn't a time zone I know. Type an IANA name like Europe/Berlin, \
             America/New_York or Asia/Tokyo (the list: https://en.wikipedia.org/wiki/List_of_tz_database_time_zones).",
            q(raw)
        )),
        names => err(format!(
            "'{}' isn't a time zone I know. {}",
            q(raw),
            did_you_mean(names)
        )),
    }
}

/// The member's local date at `now`.
pub fn local_today(now: DateTime<Utc>, tz: Tz) -> NaiveDate {
    now.with_timezone(&tz).date_naive()
}

/// The earliest instant of a local time, or `None` if it falls in a gap.
fn earliest_utc(local: NaiveDateTime, tz: Tz) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, b) => Some(a.min(b).with_timezone(&Utc)),
        LocalResult::None => None,
    }
}

/// Longest span searched for the edge of a daylight-saving gap, in minutes.
const GAP_SEARCH_MINUTES: usize = 48 * 60;

/// The local times where the gap holding `local` starts (first missing minute) and ends (first
/// minute that exists again).
fn gap_around(local: NaiveDateTime, tz: Tz) -> Option<(NaiveDateTime, NaiveDateTime)> {
    let minute = Duration::minutes(1);
    let exists = |t: NaiveDateTime| earliest_utc(t, tz).is_some();
    let whole = local.with_second(0)?.with_nanosecond(0)?;
    let mut start = whole;
    for _ in 0..GAP_SEARCH_MINUTES {
        let before = start.checked_sub_signed(minute)?;
        if exists(before) {
            break;
        }
        start = before;
    }
    let mut end = whole;
    for _ in 0..GAP_SEARCH_MINUTES {
        end = end.checked_add_signed(minute)?;
        if exists(end) {
            return Some((start, end));
        }
    }
    None
}

/// The UTC instant of a local wall-clock time in `tz`.
///
/// A time that happens twice (clocks fall back) takes the **earlier** instant; a time that
/// doesn't happen (clocks spring forward) is refused with a message naming the gap.
pub fn local_to_utc(date: NaiveDate, time: NaiveTime, tz: Tz) -> Result<DateTime<Utc>, Invalid> {
    let local = date.and_time(time);
    if let Some(instant) = earliest_utc(local, tz) {
        return Ok(instant);
    }
    let when = format!(
        "{} doesn't exist on {} in {}",
        time.format("%H:%M"),
        date.format("%Y-%m-%d"),
        tz.name()
    );
    match gap_around(local, tz) {
        Some((from, to)) => err(format!(
            "{when}: clocks jump from {} to {}. Type a time before {} or from {} on.",
            from.format("%H:%M"),
            to.format("%H:%M"),
            from.format("%H:%M"),
            to.format("%H:%M"),
        )),
        None => err(format!("{when}. Type another time.")),
    }
}

/// The UTC instants of a local range on `date`. An `end` before `start` is on the next day
/// (crossing midnight). The real elapsed time must be more than zero and at most 24 hours, so
/// on clock-change days `01:00-04:00` may be 2 or 4 hours.
pub fn resolve_range(
    date: NaiveDate,
    start: NaiveTime,
    end: NaiveTime,
    tz: Tz,
) -> Result<(DateTime<Utc>, DateTime<Utc>), Invalid> {
    if start == end {
        return err(format!(
            "The range starts and ends at {}. Type a range like 9:00-10:30.",
            hm(start)
        ));
    }
    let end_date = if end < start {
        date.succ_opt()
            .ok_or_else(|| Invalid::new("That date is out of range."))?
    } else {
        date
    };
    let from = local_to_utc(date, start, tz)?;
    let to = local_to_utc(end_date, end, tz)?;
    let length = to - from;
    if length <= Duration::zero() {
        return err(format!(
            "{}-{} on {} ends before it starts because the clocks change in {}. Type the times again.",
            hm(start),
            hm(end),
            date.format("%Y-%m-%d"),
            tz.name()
        ));
    }
    if length > Duration::minutes(MAX_ENTRY_MINUTES) {
        return err(format!(
            "From {} on {} to {} on {} is {} in {} because the clocks change in between. \
             An entry can be at most 24 hours; split longer work into days.",
            hm(start),
            date.format("%Y-%m-%d"),
            hm(end),
            end_date.format("%Y-%m-%d"),
            format_duration(length),
            tz.name()
        ));
    }
    Ok((from, to))
}

/// The first instant of a local day: midnight, or the end of a gap that swallows midnight.
fn day_start_utc(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let midnight = date.and_time(NaiveTime::MIN);
    let mut t = midnight;
    for _ in 0..GAP_SEARCH_MINUTES {
        if let Some(instant) = earliest_utc(t, tz) {
            return instant;
        }
        match t.checked_add_signed(Duration::minutes(1)) {
            Some(next) => t = next,
            None => break,
        }
    }
    Utc.from_utc_datetime(&midnight)
}

/// The UTC instants where a local day starts and where the next one starts (half-open: the end
/// is not in the day). A local day may be 23 or 25 hours long.
pub fn day_bounds_utc(date: NaiveDate, tz: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
    let start = day_start_utc(date, tz);
    let end = match date.succ_opt() {
        Some(next) => day_start_utc(next, tz),
        None => start
            .checked_add_signed(Duration::hours(24))
            .unwrap_or(start),
    };
    (start, end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::{America::New_York, Europe::Berlin};
    use proptest::prelude::*;

    fn mins(m: i64) -> Duration {
        Duration::minutes(m)
    }

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn utc(y: i32, mo: u32, day: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, day, h, mi, 0).unwrap()
    }

    #[track_caller]
    fn refused<T: std::fmt::Debug>(result: Result<T, Invalid>, needles: &[&str]) {
        match result {
            Ok(v) => panic!("expected a refusal containing {needles:?}, got Ok({v:?})"),
            Err(Invalid(msg)) => {
                for needle in needles {
                    assert!(msg.contains(needle), "{msg:?} should contain {needle:?}");
                }
            }
        }
    }

    // A Friday.
    const TODAY: (i32, u32, u32) = (2026, 11, 20);

    fn today() -> NaiveDate {
        d(TODAY.0, TODAY.1, TODAY.2)
    }

    // ---- durations ----

    #[test]
    fn durations_in_every_accepted_form() {
        let cases = [
            ("1h30m", 90),
            ("1h 30m", 90),
            ("1h30", 90),
            ("1h 30", 90),
            ("90m", 90),
            ("90 m", 90),
            ("90min", 90),
            ("45min", 45),
            ("45 mins", 45),
            ("1.5h", 90),
            ("1,5h", 90),
            ("1.25 hours", 75),
            ("2h", 120),
            ("2 hrs", 120),
            ("1 hr", 60),
            ("1:30", 90),
            ("0:05", 5),
            ("01:05", 65),
            ("24:00", 1440),
            ("1 hour 30 minutes", 90),
            ("1 hour and 30 minutes", 90),
            ("1h, 30m", 90),
            ("30m 1h", 90),
            ("  1H30M  ", 90),
            ("1\u{a0}h\u{202f}30\tm", 90),
            ("24h", 1440),
            ("1440m", 1440),
            ("1 minute", 1),
            ("0.01h", 1),
            ("1.51h", 91),
            ("0,5 h", 30),
        ];
        for (text, minutes) in cases {
            assert_eq!(parse_duration(text), Ok(mins(minutes)), "{text}");
        }
    }

    #[test]
    fn duration_refusals_say_what_to_type() {
        refused(parse_duration("90"), &["'90' has no unit", "90m or 1.5h"]);
        refused(parse_duration("1.5"), &["no unit", "90m"]);
        refused(parse_duration("0m"), &["is zero", "at least 1 minute"]);
        refused(parse_duration("0:00"), &["is zero"]);
        refused(parse_duration("0h 0m"), &["is zero"]);
        refused(parse_duration("0.001h"), &["less than a minute", "1m"]);
        refused(parse_duration("-1h"), &["negative", "without the minus"]);
        refused(parse_duration("−30m"), &["negative"]);
        refused(
            parse_duration("25h"),
            &["more than 24 hours", "split longer work into days"],
        );
        refused(parse_duration("24h 1m"), &["at most 24 hours"]);
        refused(parse_duration("24:01"), &["at most 24 hours"]);
        refused(parse_duration("1441m"), &["at most 24 hours"]);
        refused(
            parse_duration("99999999999999999999999999999999h"),
            &["at most 24 hours"],
        );
        refused(
            parse_duration("1:5"),
            &["two digits after the colon", "1:05"],
        );
        refused(parse_duration("1:75"), &["75 minutes", "00 to 59"]);
        refused(parse_duration("1:30:00"), &["too many colons", "h:mm"]);
        refused(parse_duration("1h 2h"), &["hours twice"]);
        refused(parse_duration("5m 10m"), &["minutes twice"]);
        refused(parse_duration("2d"), &["at most 24 hours", "8h"]);
        refused(parse_duration("1 week"), &["days or weeks"]);
        refused(parse_duration("30s"), &["whole minutes", "1m"]);
        refused(parse_duration("30 1h"), &["without a unit", "1h 30m"]);
        refused(
            parse_duration("3x"),
            &["'x' in '3x' isn't a unit", "h for hours"],
        );
        refused(parse_duration("abc"), &["isn't a duration", "1h 30m"]);
        refused(parse_duration("h"), &["isn't a duration"]);
        refused(parse_duration("1.2.3h"), &["isn't a duration"]);
        refused(parse_duration("9-10"), &["isn't a duration"]);
        refused(parse_duration(""), &["Type a duration", "1h 30m"]);
        refused(parse_duration("   "), &["Type a duration"]);
    }

    #[test]
    fn duration_edges_that_are_accepted() {
        // A trailing "and" is harmless; "1h 30" is 1h 30m.
        assert_eq!(parse_duration("1h and"), Ok(mins(60)));
        assert_eq!(parse_duration("1h 30"), Ok(mins(90)));
        // A plain number after minutes is not guessed.
        assert!(parse_duration("30m 5").is_err());
        // Nor a plain number of 60 or more after hours.
        assert!(parse_duration("1h 75").is_err());
    }

    #[test]
    fn format_duration_shows_hours_and_minutes() {
        assert_eq!(format_duration(mins(90)), "1h 30m");
        assert_eq!(format_duration(mins(45)), "45m");
        assert_eq!(format_duration(mins(0)), "0m");
        assert_eq!(format_duration(mins(120)), "2h");
        assert_eq!(format_duration(mins(1440)), "24h");
        assert_eq!(format_duration(mins(100 * 60 + 5)), "100h 5m");
        assert_eq!(format_duration(Duration::seconds(59)), "0m");
        assert_eq!(format_duration(Duration::seconds(5399)), "1h 29m");
        assert_eq!(format_duration(mins(-90)), "-1h 30m");
        assert_eq!(format_duration(Duration::seconds(-59)), "0m");
    }

    // ---- times of day ----

    #[test]
    fn times_of_day_in_every_accepted_form() {
        let cases = [
            ("9:00", t(9, 0)),
            ("09:00", t(9, 0)),
            ("9", t(9, 0)),
            ("09", t(9, 0)),
            ("0", t(0, 0)),
            ("0:00", t(0, 0)),
            ("9.30", t(9, 30)),
            ("21:30", t(21, 30)),
            ("23:59", t(23, 59)),
            ("9am", t(9, 0)),
            ("9 AM", t(9, 0)),
            ("9a.m.", t(9, 0)),
            ("9:30pm", t(21, 30)),
            ("9:30 PM", t(21, 30)),
            ("9:30\u{202f}PM", t(21, 30)),
            ("12am", t(0, 0)),
            ("12:15am", t(0, 15)),
            ("12pm", t(12, 0)),
            ("12:30pm", t(12, 30)),
            ("noon", t(12, 0)),
            ("Midnight", t(0, 0)),
        ];
        for (text, want) in cases {
            assert_eq!(parse_time_of_day(text), Ok(want), "{text}");
        }
    }

    #[test]
    fn time_of_day_refusals_say_what_to_type() {
        refused(
            parse_time_of_day("24:00"),
            &["end of a day", "0:00", "22:00-24:00"],
        );
        refused(parse_time_of_day("24"), &["end of a day"]);
        refused(parse_time_of_day("25:00"), &["hours go from 0 to 23"]);
        refused(parse_time_of_day("24:30"), &["hours go from 0 to 23"]);
        refused(parse_time_of_day("13pm"), &["from 1 to 12", "13:00"]);
        refused(parse_time_of_day("0am"), &["from 1 to 12"]);
        refused(parse_time_of_day("9:5"), &["two digits", "9:05"]);
        refused(parse_time_of_day("9:60"), &["minutes go from 00 to 59"]);
        refused(parse_time_of_day("930"), &["needs a colon", "9:30"]);
        refused(parse_time_of_day("2130"), &["needs a colon"]);
        refused(parse_time_of_day("9:00:00"), &["isn't a time"]);
        refused(parse_time_of_day("nine"), &["isn't a time", "9:30pm"]);
        refused(parse_time_of_day("9:00-10:00"), &["isn't a time"]);
        refused(parse_time_of_day(""), &["Type a time"]);
        refused(parse_time_of_day("１０:００"), &["isn't a time"]);
    }

    // ---- ranges ----

    #[test]
    fn ranges_in_every_accepted_form() {
        let cases = [
            ("9:00-10:30", (t(9, 0), t(10, 30))),
            ("9-10:30", (t(9, 0), t(10, 30))),
            ("9:00–10:30", (t(9, 0), t(10, 30))),
            ("9:00 — 10:30", (t(9, 0), t(10, 30))),
            ("9:00 - 10:30", (t(9, 0), t(10, 30))),
            ("9:00 to 10:30", (t(9, 0), t(10, 30))),
            ("9am-5pm", (t(9, 0), t(17, 0))),
            ("9-5pm", (t(9, 0), t(17, 0))),
            ("1-3pm", (t(13, 0), t(15, 0))),
            ("11-1pm", (t(11, 0), t(13, 0))),
            ("12-1pm", (t(12, 0), t(13, 0))),
            ("10-2am", (t(22, 0), t(2, 0))),
            ("9am-5", (t(9, 0), t(17, 0))),
            ("9pm-1", (t(21, 0), t(1, 0))),
            ("9-17", (t(9, 0), t(17, 0))),
            ("22:00-01:30", (t(22, 0), t(1, 30))),
            ("22-1:30", (t(22, 0), t(1, 30))),
            ("21-5", (t(21, 0), t(5, 0))),
            ("09:00-05:00", (t(9, 0), t(5, 0))),
            ("22:00-24:00", (t(22, 0), t(0, 0))),
            ("22:00-midnight", (t(22, 0), t(0, 0))),
            ("10pm-2am", (t(22, 0), t(2, 0))),
            ("9-10", (t(9, 0), t(10, 0))),
        ];
        for (text, want) in cases {
            assert_eq!(parse_range(text), Ok(want), "{text}");
        }
    }

    #[test]
    fn range_refusals_say_what_to_type() {
        refused(parse_range("9:00-9:00"), &["same time", "9:00-10:30"]);
        refused(parse_range("9am-9am"), &["same time"]);
        refused(parse_range("0:00-24:00"), &["whole day", "24h"]);
        refused(parse_range("24:00-2:00"), &["can't start at 24:00", "0:00"]);
        refused(
            parse_range("9-5"),
            &["could mean 9:00-17:00", "9am-5pm", "09:00-05:00"],
        );
        refused(parse_range("12-1"), &["12:00-13:00", "12pm-1pm"]);
        refused(parse_range("10:00-2:00"), &["could mean"]);
        refused(parse_range("9:00"), &["isn't a time range", "9:00-10:30"]);
        refused(parse_range("9:00-"), &["isn't a time range"]);
        refused(parse_range("-10:00"), &["isn't a time range"]);
        refused(parse_range("9-10-11"), &["isn't a time range"]);
        refused(parse_range("2026-11-20"), &["isn't a time range"]);
        refused(parse_range("9:00-25:00"), &["'25:00'", "0 to 23"]);
        refused(parse_range("13pm-2pm"), &["'13pm'", "1 to 12"]);
        refused(parse_range(""), &["Type a time range"]);
    }

    // ---- dates ----

    #[test]
    fn dates_in_every_accepted_form() {
        let mon = Weekday::Mon;
        let p = |s: &str| parse_date(s, today(), mon);
        assert_eq!(p("today"), Ok(today()));
        assert_eq!(p("Today"), Ok(today()));
        assert_eq!(p("yesterday"), Ok(d(2026, 11, 19)));
        assert_eq!(p("tomorrow"), Ok(d(2026, 11, 21)));
        // Today is a Friday: "fri" is today, "thu" yesterday, "sat" last Saturday.
        assert_eq!(p("fri"), Ok(today()));
        assert_eq!(p("Friday"), Ok(today()));
        assert_eq!(p("thu"), Ok(d(2026, 11, 19)));
        assert_eq!(p("thursday"), Ok(d(2026, 11, 19)));
        assert_eq!(p("mon"), Ok(d(2026, 11, 16)));
        assert_eq!(p("sat"), Ok(d(2026, 11, 14)));
        assert_eq!(p("sun"), Ok(d(2026, 11, 15)));
        assert_eq!(p("tues"), Ok(d(2026, 11, 17)));
        assert_eq!(p("wed"), Ok(d(2026, 11, 18)));
        assert_eq!(p("this mon"), Ok(d(2026, 11, 16)));
        assert_eq!(p("last mon"), Ok(d(2026, 11, 9)));
        assert_eq!(p("last friday"), Ok(d(2026, 11, 13)));
        assert_eq!(p("this sun"), Ok(d(2026, 11, 22)));
        // With Sunday-started weeks, "this sun" is the Sunday that began this week.
        assert_eq!(
            parse_date("this sun", today(), Weekday::Sun),
            Ok(d(2026, 11, 15))
        );
        assert_eq!(
            parse_date("last sat", today(), Weekday::Sun),
            Ok(d(2026, 11, 14))
        );
        assert_eq!(p("2026-11-20"), Ok(d(2026, 11, 20)));
        assert_eq!(p("2026-1-5"), Ok(d(2026, 1, 5)));
        assert_eq!(p("20.11.2026"), Ok(d(2026, 11, 20)));
        assert_eq!(p("20.11.2026."), Ok(d(2026, 11, 20)));
        assert_eq!(p("5.1.2026"), Ok(d(2026, 1, 5)));
        assert_eq!(p("2028-02-29"), Ok(d(2028, 2, 29)));
        assert_eq!(p("29.02.2028"), Ok(d(2028, 2, 29)));
        assert_eq!(p("2027-03-01"), Ok(d(2027, 3, 1)));
    }

    #[test]
    fn date_refusals_say_what_to_type() {
        let p = |s: &str| parse_date(s, today(), Weekday::Mon);
        refused(p("2026-02-31"), &["February 2026 has 28 days", "day 31"]);
        refused(p("31.02.2026"), &["February 2026 has 28 days"]);
        refused(p("2026-02-29"), &["February 2026 has 28 days"]);
        refused(p("2026-04-31"), &["April 2026 has 30 days"]);
        refused(p("2026-01-00"), &["January 2026 has 31 days"]);
        refused(p("2026-13-01"), &["no month 13", "1 to 12"]);
        refused(p("1999-12-31"), &["year 1999", "2000 to 2100"]);
        refused(p("11/20/2026"), &["slashes", "2026-11-20", "20.11.2026"]);
        refused(p("20/11"), &["slashes"]);
        refused(p("20.11.26"), &["four digits", "20.11.2026"]);
        refused(p("20.11."), &["four digits"]);
        refused(p("someday"), &["isn't a date", "yesterday", "2026-11-20"]);
        refused(p("next mon"), &["isn't a date"]);
        refused(p("2026-11"), &["isn't a date"]);
        refused(p("26-11-20"), &["isn't a date"]);
        refused(p(""), &["Type a date"]);
    }

    #[test]
    fn entry_dates_refuse_the_future() {
        let p = |s: &str| parse_entry_date(s, today(), Weekday::Mon);
        assert_eq!(p("today"), Ok(today()));
        assert_eq!(p("2026-01-02"), Ok(d(2026, 1, 2)));
        refused(
            p("tomorrow"),
            &["2026-11-21 is in the future", "today or earlier"],
        );
        refused(p("this sun"), &["2026-11-22 is in the future"]);
        refused(p("2027-01-01"), &["in the future"]);
        assert_eq!(check_not_future(today(), today()), Ok(()));
        refused(check_not_future(d(2026, 11, 21), today()), &["future"]);
    }

    #[test]
    fn dates_at_the_edge_of_the_calendar_do_not_panic() {
        for edge in [NaiveDate::MIN, NaiveDate::MAX] {
            for s in [
                "today",
                "yesterday",
                "tomorrow",
                "mon",
                "this sun",
                "last sat",
            ] {
                let _ = parse_date(s, edge, Weekday::Sun);
                let _ = parse_week(s, edge, Weekday::Sun);
            }
            let _ = week_start_of(edge, Weekday::Sun);
            let _ = day_bounds_utc(edge, Berlin);
        }
    }

    // ---- weekdays and weeks ----

    #[test]
    fn weekdays() {
        assert_eq!(parse_weekday("mon"), Ok(Weekday::Mon));
        assert_eq!(parse_weekday("Monday"), Ok(Weekday::Mon));
        assert_eq!(parse_weekday("SUNDAY"), Ok(Weekday::Sun));
        assert_eq!(parse_weekday("sat"), Ok(Weekday::Sat));
        assert_eq!(parse_weekday(" thurs "), Ok(Weekday::Thu));
        refused(
            parse_weekday("funday"),
            &["isn't a day of the week", "monday"],
        );
        refused(parse_weekday(""), &["Type a day of the week"]);
    }

    #[test]
    fn week_start_of_any_day() {
        // 2026-11-20 is a Friday.
        assert_eq!(week_start_of(today(), Weekday::Mon), d(2026, 11, 16));
        assert_eq!(week_start_of(today(), Weekday::Sun), d(2026, 11, 15));
        assert_eq!(week_start_of(today(), Weekday::Sat), d(2026, 11, 14));
        assert_eq!(week_start_of(today(), Weekday::Fri), today());
        assert_eq!(
            week_start_of(d(2026, 11, 16), Weekday::Mon),
            d(2026, 11, 16)
        );
        assert_eq!(
            week_start_of(d(2026, 11, 22), Weekday::Mon),
            d(2026, 11, 16)
        );
        // Across a year end.
        assert_eq!(week_start_of(d(2027, 1, 1), Weekday::Mon), d(2026, 12, 28));
    }

    #[test]
    fn weeks_in_every_accepted_form() {
        let p = |s: &str| parse_week(s, today(), Weekday::Mon);
        assert_eq!(p("this"), Ok(d(2026, 11, 16)));
        assert_eq!(p("this week"), Ok(d(2026, 11, 16)));
        assert_eq!(p("This  Week"), Ok(d(2026, 11, 16)));
        assert_eq!(p("last"), Ok(d(2026, 11, 9)));
        assert_eq!(p("last week"), Ok(d(2026, 11, 9)));
        assert_eq!(p("2026-11-18"), Ok(d(2026, 11, 16)));
        assert_eq!(p("18.11.2026"), Ok(d(2026, 11, 16)));
        assert_eq!(p("yesterday"), Ok(d(2026, 11, 16)));
        assert_eq!(p("2026-W47"), Ok(d(2026, 11, 16)));
        assert_eq!(p("2026w47"), Ok(d(2026, 11, 16)));
        assert_eq!(p("2026-W01"), Ok(d(2025, 12, 29)));
        assert_eq!(p("2026-W53"), Ok(d(2026, 12, 28)));
        // Sunday-started weeks.
        let s = |x: &str| parse_week(x, today(), Weekday::Sun);
        assert_eq!(s("this week"), Ok(d(2026, 11, 15)));
        assert_eq!(s("last week"), Ok(d(2026, 11, 8)));
        assert_eq!(s("2026-11-21"), Ok(d(2026, 11, 15)));
        assert_eq!(s("2026-11-22"), Ok(d(2026, 11, 22)));
        assert_eq!(s("2026-W47"), Ok(d(2026, 11, 15)));
    }

    #[test]
    fn week_refusals_say_what_to_type() {
        let p = |s: &str| parse_week(s, today(), Weekday::Mon);
        refused(p("2027-W53"), &["2027 has 52 ISO weeks", "1 to 52"]);
        refused(p("2026-W00"), &["2026 has 53 ISO weeks"]);
        refused(p("1999-W10"), &["2000 to 2100"]);
        refused(p("2026-02-31"), &["February 2026 has 28 days"]);
        refused(p("11/20/2026"), &["slashes"]);
        refused(p("sometime"), &["isn't a week", "last week", "2026-W47"]);
        refused(p(""), &["Type a week"]);
    }

    // ---- time zones ----

    #[test]
    fn time_zones_by_name() {
        assert_eq!(parse_timezone("Europe/Berlin"), Ok(Berlin));
        assert_eq!(parse_timezone("europe/berlin"), Ok(Berlin));
        assert_eq!(parse_timezone(" EUROPE/BERLIN "), Ok(Berlin));
        assert_eq!(parse_timezone("America/New_York"), Ok(New_York));
        assert_eq!(parse_timezone("america/new york"), Ok(New_York));
        assert_eq!(parse_timezone("America / New York"), Ok(New_York));
        assert_eq!(parse_timezone("UTC"), Ok(Tz::UTC));
        assert_eq!(parse_timezone("utc"), Ok(Tz::UTC));
        assert_eq!(
            parse_timezone("America/Argentina/Buenos_Aires"),
            Ok(chrono_tz::America::Argentina::Buenos_Aires)
        );
    }

    #[test]
    fn time_zone_typos_get_suggestions() {
        refused(
            parse_timezone("Europe/Berln"),
            &[
                "'Europe/Berln' isn't a time zone",
                "Did you mean Europe/Berlin",
            ],
        );
        refused(parse_timezone("berlin"), &["Europe/Berlin"]);
        refused(parse_timezone("America/NewYork"), &["America/New_York"]);
        refused(parse_timezone("new york"), &["America/New_York"]);
        let Err(Invalid(msg)) = parse_timezone("Europe/Pari") else {
            panic!()
        };
        assert!(msg.contains("Europe/Paris"), "{msg}");
        let listed = msg.matches('/').count();
        assert!((1..=3).contains(&listed), "{msg}");
        assert!(!msg.contains("Madrid"), "only the closest names: {msg}");
        refused(
            parse_timezone("qqqqqqqqqqqqqqqq"),
            &["isn't a time zone I know", "Europe/Berlin", "Asia/Tokyo"],
        );
        refused(
            parse_timezone("+02:00"),
            &["fixed offset", "daylight saving"],
        );
        refused(parse_timezone("UTC+2"), &["fixed offset"]);
        refused(parse_timezone("gmt-5"), &["fixed offset"]);
        refused(parse_timezone("Etc/GMT+5"), &["fixed offset"]);
        refused(
            parse_timezone("EST"),
            &["abbreviation", "Did you mean America/New_York?"],
        );
        refused(parse_timezone("pst"), &["America/Los_Angeles"]);
        refused(
            parse_timezone("IST"),
            &["Asia/Kolkata, Asia/Jerusalem or Europe/Dublin"],
        );
        assert_eq!(parse_timezone("GMT"), Ok(Tz::GMT));
        assert_eq!(parse_timezone("Etc/UTC"), Ok(Tz::Etc__UTC));
        assert_eq!(parse_timezone("CET"), Ok(Tz::CET));
        refused(parse_timezone(""), &["Type a time zone"]);
    }

    // ---- local time, DST ----

    #[test]
    fn ordinary_local_times() {
        // Berlin is UTC+1 in winter, UTC+2 in summer.
        assert_eq!(
            local_to_utc(d(2026, 1, 15), t(9, 0), Berlin),
            Ok(utc(2026, 1, 15, 8, 0))
        );
        assert_eq!(
            local_to_utc(d(2026, 7, 15), t(9, 0), Berlin),
            Ok(utc(2026, 7, 15, 7, 0))
        );
        assert_eq!(
            local_to_utc(d(2026, 7, 15), t(9, 0), New_York),
            Ok(utc(2026, 7, 15, 13, 0))
        );
        assert_eq!(
            local_today(utc(2026, 11, 20, 23, 30), Berlin),
            d(2026, 11, 21)
        );
        assert_eq!(
            local_today(utc(2026, 11, 21, 3, 0), New_York),
            d(2026, 11, 20)
        );
    }

    #[test]
    fn spring_forward_gaps_are_refused_with_the_gap_named() {
        refused(
            local_to_utc(d(2026, 3, 29), t(2, 30), Berlin),
            &[
                "02:30",
                "doesn't exist on 2026-03-29 in Europe/Berlin",
                "clocks jump from 02:00 to 03:00",
            ],
        );
        refused(
            local_to_utc(d(2026, 3, 8), t(2, 0), New_York),
            &[
                "2:00 doesn't exist on 2026-03-08 in America/New_York",
                "clocks jump from 02:00 to 03:00",
            ],
        );
        // The edges of the gap exist.
        assert_eq!(
            local_to_utc(d(2026, 3, 29), t(1, 59), Berlin),
            Ok(utc(2026, 3, 29, 0, 59))
        );
        assert_eq!(
            local_to_utc(d(2026, 3, 29), t(3, 0), Berlin),
            Ok(utc(2026, 3, 29, 1, 0))
        );
    }

    #[test]
    fn fall_back_repeats_take_the_earlier_instant() {
        // Berlin 2026-10-25: 02:00-03:00 happens twice (CEST, then CET).
        assert_eq!(
            local_to_utc(d(2026, 10, 25), t(2, 30), Berlin),
            Ok(utc(2026, 10, 25, 0, 30))
        );
        // New York 2026-11-01: 01:00-02:00 happens twice (EDT, then EST).
        assert_eq!(
            local_to_utc(d(2026, 11, 1), t(1, 30), New_York),
            Ok(utc(2026, 11, 1, 5, 30))
        );
    }

    #[test]
    fn ranges_measure_real_time_across_clock_changes() {
        let span = |date, s, e, tz| resolve_range(date, s, e, tz).map(|(a, b)| b - a);
        assert_eq!(
            span(d(2026, 3, 29), t(1, 0), t(4, 0), Berlin),
            Ok(mins(120))
        );
        assert_eq!(
            span(d(2026, 10, 25), t(1, 0), t(4, 0), Berlin),
            Ok(mins(240))
        );
        assert_eq!(
            span(d(2026, 3, 8), t(1, 0), t(4, 0), New_York),
            Ok(mins(120))
        );
        assert_eq!(
            span(d(2026, 11, 1), t(0, 30), t(3, 0), New_York),
            Ok(mins(210))
        );
        assert_eq!(
            span(d(2026, 6, 1), t(9, 0), t(17, 0), Berlin),
            Ok(mins(480))
        );
        refused(
            resolve_range(d(2026, 3, 29), t(2, 30), t(4, 0), Berlin),
            &["02:00 to 03:00"],
        );
    }

    #[test]
    fn ranges_crossing_midnight_end_the_next_day() {
        let (from, to) = resolve_range(d(2026, 11, 20), t(22, 0), t(1, 30), Berlin).unwrap();
        assert_eq!(from, utc(2026, 11, 20, 21, 0));
        assert_eq!(to, utc(2026, 11, 21, 0, 30));
        // 22:00-24:00 arrives as 22:00-00:00.
        let (start, end) = parse_range("22:00-24:00").unwrap();
        let (from, to) = resolve_range(d(2026, 11, 20), start, end, Berlin).unwrap();
        assert_eq!(to - from, mins(120));
        assert_eq!(to, utc(2026, 11, 20, 23, 0));
        // A night across the spring-forward change is an hour shorter.
        assert_eq!(
            resolve_range(d(2026, 3, 28), t(22, 0), t(6, 0), Berlin).map(|(a, b)| b - a),
            Ok(mins(7 * 60))
        );
        // Almost a whole day is fine, equal times are not.
        assert_eq!(
            resolve_range(d(2026, 6, 1), t(9, 0), t(8, 59), Berlin).map(|(a, b)| b - a),
            Ok(mins(1439))
        );
        refused(
            resolve_range(d(2026, 6, 1), t(9, 0), t(9, 0), Berlin),
            &["starts and ends at 9:00"],
        );
    }

    #[test]
    fn ranges_over_24_real_hours_are_refused() {
        // 00:30 on the fall-back day to 00:15 the next day is 24h 45m.
        refused(
            resolve_range(d(2026, 10, 25), t(0, 30), t(0, 15), Berlin),
            &[
                "is 24h 45m",
                "at most 24 hours",
                "split longer work into days",
            ],
        );
        // The same clock times on an ordinary day are 23h 45m.
        assert_eq!(
            resolve_range(d(2026, 10, 26), t(0, 30), t(0, 15), Berlin).map(|(a, b)| b - a),
            Ok(mins(23 * 60 + 45))
        );
    }

    #[test]
    fn local_days_are_23_24_or_25_hours() {
        let len = |date, tz| {
            let (a, b) = day_bounds_utc(date, tz);
            b - a
        };
        assert_eq!(len(d(2026, 3, 29), Berlin), Duration::hours(23));
        assert_eq!(len(d(2026, 10, 25), Berlin), Duration::hours(25));
        assert_eq!(len(d(2026, 6, 1), Berlin), Duration::hours(24));
        assert_eq!(len(d(2026, 3, 8), New_York), Duration::hours(23));
        assert_eq!(len(d(2026, 11, 1), New_York), Duration::hours(25));
        assert_eq!(
            day_bounds_utc(d(2026, 11, 20), Berlin),
            (utc(2026, 11, 19, 23, 0), utc(2026, 11, 20, 23, 0))
        );
        assert_eq!(
            day_bounds_utc(d(2026, 11, 20), Tz::UTC),
            (utc(2026, 11, 20, 0, 0), utc(2026, 11, 21, 0, 0))
        );
    }

    #[test]
    fn a_day_whose_midnight_is_skipped_starts_when_the_clocks_jump() {
        // Asia/Beirut springs forward at midnight: 2026-03-29 00:00 doesn't exist.
        let tz = chrono_tz::Asia::Beirut;
        refused(
            local_to_utc(d(2026, 3, 29), t(0, 30), tz),
            &["clocks jump from 00:00 to 01:00"],
        );
        let (start, end) = day_bounds_utc(d(2026, 3, 29), tz);
        // 01:00 EEST (UTC+3) is 22:00 UTC the day before.
        assert_eq!(start, utc(2026, 3, 28, 22, 0));
        assert_eq!(end - start, Duration::hours(23));
    }

    // ---- hostile input ----

    fn every_parser(s: &str) {
        let _ = parse_duration(s);
        let _ = parse_time_of_day(s);
        let _ = parse_range(s);
        let _ = parse_date(s, today(), Weekday::Mon);
        let _ = parse_entry_date(s, today(), Weekday::Sun);
        let _ = parse_week(s, today(), Weekday::Mon);
        let _ = parse_weekday(s);
        let _ = parse_timezone(s);
    }

    #[test]
    fn huge_and_hostile_input_is_refused_quickly() {
        let started = std::time::Instant::now();
        let huge = [
            "9".repeat(10_000),
            "1h".repeat(5_000),
            "a".repeat(10_000),
            "é".repeat(10_000),
        ];
        for s in &huge {
            for result in [
                parse_duration(s).map(|_| ()),
                parse_time_of_day(s).map(|_| ()),
                parse_range(s).map(|_| ()),
                parse_date(s, today(), Weekday::Mon).map(|_| ()),
                parse_week(s, today(), Weekday::Mon).map(|_| ()),
                parse_weekday(s).map(|_| ()),
                parse_timezone(s).map(|_| ()),
            ] {
                let Err(Invalid(msg)) = result else {
                    panic!("huge input accepted")
                };
                assert!(msg.len() < 300, "{msg}");
            }
        }
        let hostile = [
            "'; DROP TABLE time_entries; --",
            "<script>alert(1)</script>",
            "@everyone",
            "<@123456789012345678>",
            "```\n9:00\n```",
            "\0\0\0",
            "9:00\n10:00",
            "１０:００",
            "𝟗:𝟎𝟎",
            "١٢:٣٠",
            "1e10h",
            "NaN h",
            "inf h",
            "0x10h",
            "9:00-10:00-11:00",
            "../../etc/passwd",
            "%s%s%s%n",
            "\u{202e}00:9",
            "💥",
        ];
        for s in hostile {
            every_parser(s);
            assert!(parse_duration(s).is_err(), "{s}");
            assert!(parse_range(s).is_err(), "{s}");
            assert!(parse_timezone(s).is_err(), "{s}");
        }
        // Quoted input is clipped.
        let long_garbage = "x".repeat(60);
        let Err(Invalid(msg)) = parse_duration(&long_garbage) else {
            panic!()
        };
        assert!(msg.contains('…') && msg.len() < 200, "{msg}");
        // Padding around a short value is only white space.
        let padded = format!("{}1h{}", " ".repeat(10_000), "\n".repeat(10_000));
        assert_eq!(parse_duration(&padded), Ok(mins(60)));
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    proptest! {
        #[test]
        fn no_parser_panics_on_any_text(s in ".{0,80}") {
            every_parser(&s);
        }

        #[test]
        fn no_parser_panics_on_time_like_text(s in "[0-9:.,hmsapw /-]{0,24}") {
            every_parser(&s);
        }

        #[test]
        fn durations_round_trip(minutes in 1i64..=1440) {
            let d = Duration::minutes(minutes);
            prop_assert_eq!(parse_duration(&format_duration(d)), Ok(d));
        }

        #[test]
        fn ranges_never_exceed_a_day(
            day in 0u64..3_000,
            s in 0u32..1440,
            e in 0u32..1440,
            zone in 0usize..chrono_tz::TZ_VARIANTS.len(),
        ) {
            let date = d(2020, 1, 1) + Days::new(day);
            let tz = chrono_tz::TZ_VARIANTS[zone];
            if let Ok((from, to)) = resolve_range(date, t(s / 60, s % 60), t(e / 60, e % 60), tz) {
                prop_assert!(to > from);
                prop_assert!(to - from <= Duration::hours(24));
            }
            let (a, b) = day_bounds_utc(date, tz);
            prop_assert!(b > a);
        }
    }
}
