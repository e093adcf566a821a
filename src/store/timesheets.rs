//! Timesheets: one row per member and submitted week. A week that was never submitted (or
//! whose submission was withdrawn) has no row.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{decode_error, from_millis, millis, Conn, StoreError};
use crate::domain::entries::TimesheetStatus;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timesheet {
    pub id: i64,
    pub workspace_id: i64,
    pub member_id: i64,
    /// The week's first local day.
    pub week_start: NaiveDate,
    /// The UTC instants the week spans (in the member's time zone when submitted).
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub status: TimesheetStatus,
    pub submitted_at: DateTime<Utc>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTime<Utc>>,
    pub reason: Option<String>,
}

const COLUMNS: &str = "id, workspace_id, member_id, week_start, starts_at, ends_at, status,
    submitted_at, decided_by, decided_at, reason";

pub(crate) fn date(text: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| decode_error(format!("bad date in database: {text}")))
}

fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn timesheet_from_row(row: &AnyRow) -> Result<Timesheet, StoreError> {
    let status: String = row.try_get("status")?;
    Ok(Timesheet {
        id: row.try_get("id")?,
        workspace_id: row.try_get("workspace_id")?,
        member_id: row.try_get("member_id")?,
        week_start: date(&row.try_get::<String, _>("week_start")?)?,
        starts_at: from_millis(row.try_get("starts_at")?)?,
        ends_at: from_millis(row.try_get("ends_at")?)?,
        status: TimesheetStatus::parse(&status)
            .ok_or_else(|| decode_error(format!("bad timesheet status in database: {status}")))?,
        submitted_at: from_millis(row.try_get("submitted_at")?)?,
        decided_by: row.try_get("decided_by")?,
        decided_at: row
            .try_get::<Option<i64>, _>("decided_at")?
            .map(from_millis)
            .transpose()?,
        reason: row.try_get("reason")?,
    })
}

pub async fn find(
    conn: &mut Conn,
    member_id: i64,
    week_start: NaiveDate,
) -> Result<Option<Timesheet>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM timesheets WHERE member_id = $1 AND week_start = $2"
    ))
    .bind(member_id)
    .bind(date_text(week_start))
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(timesheet_from_row).transpose()
}

/// A submitted or approved timesheet of the member, other than the week starting on
/// `week_start`, that shares time with `[from, to)` (after a change of week start).
pub async fn clashing(
    conn: &mut Conn,
    member_id: i64,
    week_start: NaiveDate,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Option<Timesheet>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM timesheets
         WHERE member_id = $1 AND week_start <> $2 AND status IN ('submitted', 'approved')
           AND starts_at < $4 AND ends_at > $3
         ORDER BY starts_at LIMIT 1"
    ))
    .bind(member_id)
    .bind(date_text(week_start))
    .bind(millis(from))
    .bind(millis(to))
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(timesheet_from_row).transpose()
}

/// The member's timesheet (in any state) sharing the most time with `[from, to)`, for
/// naming a week by a date after the member changed their week start.
pub async fn covering(
    conn: &mut Conn,
    member_id: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Option<Timesheet>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM timesheets
         WHERE member_id = $1 AND starts_at < $3 AND ends_at > $2
         ORDER BY starts_at"
    ))
    .bind(member_id)
    .bind(millis(from))
    .bind(millis(to))
    .fetch_all(&mut *conn)
    .await?;
    let mut best: Option<(i64, Timesheet)> = None;
    for row in &rows {
        let sheet = timesheet_from_row(row)?;
        let shared = (sheet.ends_at.min(to) - sheet.starts_at.max(from)).num_milliseconds();
        if best.as_ref().is_none_or(|(most, _)| shared > *most) {
            best = Some((shared, sheet));
        }
    }
    Ok(best.map(|(_, sheet)| sheet))
}

/// Submits a week (again, after a rejection): any earlier decision is cleared.
pub async fn submit(
    conn: &mut Conn,
    workspace_id: i64,
    member_id: i64,
    week_start: NaiveDate,
    span: (DateTime<Utc>, DateTime<Utc>),
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO timesheets (workspace_id, member_id, week_start, starts_at, ends_at, status,
                                 submitted_at)
         VALUES ($1, $2, $3, $4, $5, 'submitted', $6)
         ON CONFLICT (member_id, week_start) DO UPDATE SET
             status = 'submitted', starts_at = excluded.starts_at, ends_at = excluded.ends_at,
             submitted_at = excluded.submitted_at, decided_by = NULL, decided_at = NULL,
             reason = NULL",
    )
    .bind(workspace_id)
    .bind(member_id)
    .bind(date_text(week_start))
    .bind(millis(span.0))
    .bind(millis(span.1))
    .bind(millis(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Records an approval or a rejection of a submitted week. False when it was no longer
/// submitted.
pub async fn decide(
    conn: &mut Conn,
    id: i64,
    status: TimesheetStatus,
    decided_by: i64,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE timesheets SET status = $2, decided_by = $3, decided_at = $4, reason = $5
         WHERE id = $1 AND status = 'submitted'",
    )
    .bind(id)
    .bind(status.as_str())
    .bind(decided_by)
    .bind(millis(now))
    .bind(reason)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Withdraws an approval: the week waits for a decision again.
pub async fn reopen(conn: &mut Conn, id: i64) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE timesheets SET status = 'submitted', decided_by = NULL, decided_at = NULL,
             reason = NULL
         WHERE id = $1 AND status = 'approved'",
    )
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Withdraws a submission that is not yet approved.
pub async fn withdraw(conn: &mut Conn, id: i64) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM timesheets WHERE id = $1 AND status = 'submitted'")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The first day of the member's approved week holding `at`, if any.
pub async fn approved_week_at(
    conn: &mut Conn,
    member_id: i64,
    at: DateTime<Utc>,
) -> Result<Option<NaiveDate>, StoreError> {
    let row = sqlx::query(
        "SELECT week_start FROM timesheets
         WHERE member_id = $1 AND status = 'approved' AND starts_at <= $2 AND ends_at > $2
         LIMIT 1",
    )
    .bind(member_id)
    .bind(millis(at))
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|row| date(&row.try_get::<String, _>("week_start")?))
        .transpose()
}

/// Submitted weeks of the workspace waiting for a decision, oldest first.
pub async fn submitted(conn: &mut Conn, workspace_id: i64) -> Result<Vec<Timesheet>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM timesheets WHERE workspace_id = $1 AND status = 'submitted'
         ORDER BY week_start, submitted_at, id"
    ))
    .bind(workspace_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(timesheet_from_row).collect()
}

/// The member's approved weeks sharing time with `[from, to)`.
pub async fn approved_between(
    conn: &mut Conn,
    member_id: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Timesheet>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM timesheets
         WHERE member_id = $1 AND status = 'approved' AND starts_at < $3 AND ends_at > $2
         ORDER BY starts_at"
    ))
    .bind(member_id)
    .bind(millis(from))
    .bind(millis(to))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(timesheet_from_row).collect()
}
