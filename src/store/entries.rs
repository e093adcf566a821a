//! Time entries (a running timer is an entry without an end), their tags, member preferences,
//! the projects channels default to, and the few facts about people and projects the
//! time-tracking rules need.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{decode_error, flag, from_millis, millis, Conn, StoreError};
use crate::domain::projects::Currency;
use crate::domain::UserId;

/// One time entry with the names and rates that showing it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: i64,
    pub workspace_id: i64,
    pub member_id: i64,
    pub member_user: UserId,
    pub member_name: String,
    pub project_id: i64,
    pub project_name: String,
    pub project_public: bool,
    pub project_currency: Currency,
    pub task_id: Option<i64>,
    pub task_name: Option<String>,
    pub description: String,
    pub billable: bool,
    pub started_at: DateTime<Utc>,
    /// `None` while the timer runs.
    pub ended_at: Option<DateTime<Utc>>,
    pub overlapping: bool,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The project's rate (project currency).
    pub project_rate: Option<i64>,
    /// This member's rate on this project (project currency).
    pub project_member_rate: Option<i64>,
    /// The member's own rate (workspace currency).
    pub member_rate: Option<i64>,
}

impl Entry {
    pub fn running(&self) -> bool {
        self.ended_at.is_none()
    }

    /// The end, or `now` while running.
    pub fn end_or(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        self.ended_at.unwrap_or(now)
    }
}

pub(crate) const SELECT: &str = "SELECT e.id, e.workspace_id, e.member_id, m.user_id AS member_user,
        m.display_name AS member_name, e.project_id, p.name AS project_name,
        p.is_public AS project_public, p.currency AS project_currency, e.task_id,
        t.name AS task_name, e.description, e.billable, e.started_at, e.ended_at, e.overlapping,
        e.created_by, e.created_at, e.updated_at, p.hourly_rate AS project_rate,
        pmr.hourly_rate AS project_member_rate, m.hourly_rate AS member_rate
     FROM time_entries e
     JOIN members m ON m.id = e.member_id
     JOIN projects p ON p.id = e.project_id
     LEFT JOIN tasks t ON t.id = e.task_id
     LEFT JOIN project_member_rates pmr ON pmr.project_id = e.project_id AND pmr.member_id = e.member_id";

pub(crate) fn entry_from_row(row: &AnyRow) -> Result<Entry, StoreError> {
    let currency: String = row.try_get("project_currency")?;
    Ok(Entry {
        id: row.try_get("id")?,
        workspace_id: row.try_get("workspace_id")?,
        member_id: row.try_get("member_id")?,
        member_user: UserId::from_db(row.try_get("member_user")?),
        member_name: row.try_get("member_name")?,
        project_id: row.try_get("project_id")?,
        project_name: row.try_get("project_name")?,
        project_public: row.try_get::<i64, _>("project_public")? != 0,
        project_currency: Currency::parse(&currency)
            .map_err(|_| decode_error(format!("bad currency in database: {currency}")))?,
        task_id: row.try_get("task_id")?,
        task_name: row.try_get("task_name")?,
        description: row.try_get("description")?,
        billable: row.try_get::<i64, _>("billable")? != 0,
        started_at: from_millis(row.try_get("started_at")?)?,
        ended_at: row
            .try_get::<Option<i64>, _>("ended_at")?
            .map(from_millis)
            .transpose()?,
        overlapping: row.try_get::<i64, _>("overlapping")? != 0,
        created_by: row.try_get("created_by")?,
        created_at: from_millis(row.try_get("created_at")?)?,
        updated_at: from_millis(row.try_get("updated_at")?)?,
        project_rate: row.try_get("project_rate")?,
        project_member_rate: row.try_get("project_member_rate")?,
        member_rate: row.try_get("member_rate")?,
    })
}

/// The columns a new entry (or a timer, with no end) is written with.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    pub workspace_id: i64,
    pub member_id: i64,
    pub project_id: i64,
    pub task_id: Option<i64>,
    pub description: &'a str,
    pub billable: bool,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub created_by: i64,
    pub now: DateTime<Utc>,
}

/// Inserts an entry. A second running timer for the same member fails with a unique
/// violation (`time_entries_one_running`).
pub async fn insert(conn: &mut Conn, new: NewEntry<'_>) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO time_entries (workspace_id, member_id, project_id, task_id, description,
             billable, started_at, ended_at, overlapping, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $10, $10) RETURNING id",
    )
    .bind(new.workspace_id)
    .bind(new.member_id)
    .bind(new.project_id)
    .bind(new.task_id)
    .bind(new.description)
    .bind(flag(new.billable))
    .bind(millis(new.started_at))
    .bind(new.ended_at.map(millis))
    .bind(new.created_by)
    .bind(millis(new.now))
    .fetch_one(&mut *conn)
    .await?;
    row.try_get("id")
}

/// One entry of the workspace.
pub async fn find(
    conn: &mut Conn,
    workspace_id: i64,
    id: i64,
) -> Result<Option<Entry>, StoreError> {
    let row = sqlx::query(&format!("{SELECT} WHERE e.workspace_id = $1 AND e.id = $2"))
        .bind(workspace_id)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(entry_from_row).transpose()
}

/// The member's running timer, if any.
pub async fn running_for(conn: &mut Conn, member_id: i64) -> Result<Option<Entry>, StoreError> {
    let row = sqlx::query(&format!(
        "{SELECT} WHERE e.member_id = $1 AND e.ended_at IS NULL"
    ))
    .bind(member_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(entry_from_row).transpose()
}

/// A member's running timer with what stopping it needs, read in the same statement: the
/// timesheet week approved around its start (for its lock) and whether it has tags.
#[derive(Debug, Clone)]
pub struct RunningTimer {
    pub entry: Entry,
    pub approved_week: Option<NaiveDate>,
    pub has_tags: bool,
}

pub async fn running_timer(
    conn: &mut Conn,
    member_id: i64,
) -> Result<Option<RunningTimer>, StoreError> {
    let columns = SELECT.trim_start_matches("SELECT ");
    let row = sqlx::query(&format!(
        "SELECT (SELECT ts.week_start FROM timesheets ts
                  WHERE ts.member_id = e.member_id AND ts.status = 'approved'
                    AND ts.starts_at <= e.started_at AND ts.ends_at > e.started_at
                  LIMIT 1) AS approved_week,
                CAST(CASE WHEN EXISTS (SELECT 1 FROM entry_tags et WHERE et.entry_id = e.id)
                     THEN 1 ELSE 0 END AS BIGINT) AS has_tags,
                {columns}
         WHERE e.member_id = $1 AND e.ended_at IS NULL"
    ))
    .bind(member_id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    Ok(Some(RunningTimer {
        entry: entry_from_row(&row)?,
        approved_week: row
            .try_get::<Option<String>, _>("approved_week")?
            .map(|text| super::timesheets::date(&text))
            .transpose()?,
        has_tags: row.try_get::<i64, _>("has_tags")? != 0,
    }))
}

/// How many running timers a member has (the database allows at most one).
pub async fn count_running(conn: &mut Conn, member_id: i64) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM time_entries WHERE member_id = $1 AND ended_at IS NULL",
    )
    .bind(member_id)
    .fetch_one(&mut *conn)
    .await?;
    row.try_get("n")
}

/// Ends a running timer. False when it was not running any more.
pub async fn stop(
    conn: &mut Conn,
    id: i64,
    ended_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE time_entries SET ended_at = $2, updated_at = $3 WHERE id = $1 AND ended_at IS NULL",
    )
    .bind(id)
    .bind(millis(ended_at))
    .bind(millis(now))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The editable columns of an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryFields {
    pub project_id: i64,
    pub task_id: Option<i64>,
    pub description: String,
    pub billable: bool,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
}

impl EntryFields {
    pub fn of(entry: &Entry) -> EntryFields {
        EntryFields {
            project_id: entry.project_id,
            task_id: entry.task_id,
            description: entry.description.clone(),
            billable: entry.billable,
            started_at: entry.started_at,
            ended_at: entry.ended_at,
        }
    }
}

pub async fn update(
    conn: &mut Conn,
    id: i64,
    fields: &EntryFields,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE time_entries SET project_id = $2, task_id = $3, description = $4, billable = $5,
             started_at = $6, ended_at = $7, updated_at = $8
         WHERE id = $1",
    )
    .bind(id)
    .bind(fields.project_id)
    .bind(fields.task_id)
    .bind(&fields.description)
    .bind(flag(fields.billable))
    .bind(millis(fields.started_at))
    .bind(fields.ended_at.map(millis))
    .bind(millis(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Deletes an entry with its tags and reminders.
pub async fn delete(conn: &mut Conn, id: i64) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM time_entries WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Replaces the tags of an entry.
pub async fn set_tags(conn: &mut Conn, entry_id: i64, tag_ids: &[i64]) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM entry_tags WHERE entry_id = $1")
        .bind(entry_id)
        .execute(&mut *conn)
        .await?;
    for tag_id in tag_ids {
        sqlx::query(
            "INSERT INTO entry_tags (entry_id, tag_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(entry_id)
        .bind(tag_id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The tags (id, name) of each of the entries, by name.
pub async fn tags_of(
    conn: &mut Conn,
    entry_ids: &[i64],
) -> Result<HashMap<i64, Vec<(i64, String)>>, StoreError> {
    let mut out: HashMap<i64, Vec<(i64, String)>> = HashMap::new();
    // Bounded batches keep the statement small on both databases.
    for chunk in entry_ids.chunks(200) {
        let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT et.entry_id, t.id, t.name FROM entry_tags et JOIN tags t ON t.id = et.tag_id
             WHERE et.entry_id IN ({}) ORDER BY t.name_key, t.id",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for id in chunk {
            query = query.bind(*id);
        }
        for row in query.fetch_all(&mut *conn).await? {
            out.entry(row.try_get("entry_id")?)
                .or_default()
                .push((row.try_get("id")?, row.try_get("name")?));
        }
    }
    Ok(out)
}

/// The longest stopped entry, in milliseconds (the database enforces it): range queries need
/// to look back no further than this, except for a running timer, which may be older.
pub const MAX_ENTRY_MILLIS: i64 = 24 * 3_600_000;

/// The member's entries sharing any moment with `[from, to)`, a running timer counting up to
/// `now`; `except` is left out (the entry being edited).
pub async fn overlapping(
    conn: &mut Conn,
    member_id: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    except: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Vec<Entry>, StoreError> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE e.member_id = $1 AND e.started_at > $6 AND e.started_at < $3
           AND COALESCE(e.ended_at, $4) > $2 AND e.id <> $5
         ORDER BY e.started_at, e.id"
    ))
    .bind(member_id)
    .bind(millis(from))
    .bind(millis(to))
    .bind(millis(now))
    .bind(except.unwrap_or(0))
    .bind(millis(from) - MAX_ENTRY_MILLIS)
    .fetch_all(&mut *conn)
    .await?;
    let mut found: Vec<Entry> = rows.iter().map(entry_from_row).collect::<Result<_, _>>()?;
    // A running timer that started longer ago than any stopped entry may last.
    if let Some(timer) = running_for(conn, member_id).await? {
        let clashes = Some(timer.id) != except && timer.started_at < to && now > from;
        if clashes && !found.iter().any(|e| e.id == timer.id) {
            found.insert(0, timer);
        }
    }
    Ok(found)
}

/// Whether an entry overlaps another of the same member, as SQL over `t` (the entry) with
/// `$4` = now: stopped entries are found within a day, the running timer wherever it started.
const OVERLAP_FLAG: &str = "CASE WHEN EXISTS (
        SELECT 1 FROM time_entries o
        WHERE o.member_id = t.member_id AND o.id <> t.id
          AND o.started_at > t.started_at - 86400000
          AND o.started_at < COALESCE(t.ended_at, $4)
          AND COALESCE(o.ended_at, $4) > t.started_at
    ) OR EXISTS (
        SELECT 1 FROM time_entries o
        WHERE o.member_id = t.member_id AND o.id <> t.id AND o.ended_at IS NULL
          AND o.started_at < COALESCE(t.ended_at, $4) AND $4 > t.started_at
    ) THEN 1 ELSE 0 END";

/// Recomputes the overlap flag of the member's entries that share a moment with
/// `[from, to)`, so flags stay true after entries are added, moved or deleted.
pub async fn refresh_overlaps(
    conn: &mut Conn,
    member_id: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    // Stopped entries (and a recent timer) within a day of the span, then an older timer.
    for scope in [
        "t.started_at > $2 - 86400000 AND t.started_at < $3 AND COALESCE(t.ended_at, $4) > $2",
        "t.ended_at IS NULL AND t.started_at < $3 AND $4 > $2",
    ] {
        sqlx::query(&format!(
            "UPDATE time_entries AS t SET overlapping = {OVERLAP_FLAG}
             WHERE t.member_id = $1 AND {scope}"
        ))
        .bind(member_id)
        .bind(millis(from))
        .bind(millis(to))
        .bind(millis(now))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The latest end (a running timer ends `now`) of the member's entries that end within
/// `(from, to]`.
pub async fn last_end_within(
    conn: &mut Conn,
    member_id: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    let row = sqlx::query(
        "SELECT MAX(ended_at) AS last FROM time_entries
         WHERE member_id = $1 AND started_at > $4 AND started_at < $3
           AND ended_at > $2 AND ended_at <= $3",
    )
    .bind(member_id)
    .bind(millis(from))
    .bind(millis(to))
    .bind(millis(from) - MAX_ENTRY_MILLIS)
    .fetch_one(&mut *conn)
    .await?;
    let mut last = row
        .try_get::<Option<i64>, _>("last")?
        .map(from_millis)
        .transpose()?;
    if now > from && now <= to && running_for(conn, member_id).await?.is_some() {
        last = Some(now);
    }
    Ok(last)
}

/// The project of the member's latest entry (by start).
pub async fn last_project(conn: &mut Conn, member_id: i64) -> Result<Option<i64>, StoreError> {
    let row = sqlx::query(
        "SELECT project_id FROM time_entries WHERE member_id = $1
         ORDER BY started_at DESC, id DESC LIMIT 1",
    )
    .bind(member_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|row| row.try_get("project_id")).transpose()
}

/// The member's entries starting within `[from, to)`, in order.
pub async fn list_for_member(
    conn: &mut Conn,
    member_id: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Entry>, StoreError> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE e.member_id = $1 AND e.started_at >= $2 AND e.started_at < $3
         ORDER BY e.started_at, e.id"
    ))
    .bind(member_id)
    .bind(millis(from))
    .bind(millis(to))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(entry_from_row).collect()
}

/// Every entry on a project (for budgets): member, billable flag, start and end (`now` while
/// running), with the rates that apply to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProjectTime {
    pub member_id: i64,
    pub billable: bool,
    pub millis: i64,
    pub project_member_rate: Option<i64>,
    pub member_rate: Option<i64>,
}

pub async fn project_time(
    conn: &mut Conn,
    project_id: i64,
    now: DateTime<Utc>,
) -> Result<Vec<ProjectTime>, StoreError> {
    let rows = sqlx::query(
        "SELECT e.member_id, e.billable, COALESCE(e.ended_at, $2) - e.started_at AS millis,
                pmr.hourly_rate AS project_member_rate, m.hourly_rate AS member_rate
         FROM time_entries e
         JOIN members m ON m.id = e.member_id
         LEFT JOIN project_member_rates pmr
                ON pmr.project_id = e.project_id AND pmr.member_id = e.member_id
         WHERE e.project_id = $1",
    )
    .bind(project_id)
    .bind(millis(now))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(ProjectTime {
                member_id: row.try_get("member_id")?,
                billable: row.try_get::<i64, _>("billable")? != 0,
                millis: row.try_get("millis")?,
                project_member_rate: row.try_get("project_member_rate")?,
                member_rate: row.try_get("member_rate")?,
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Member preferences
// ---------------------------------------------------------------------------------------

/// A member's time zone (IANA name) and week start (`mon` … `sun`), as stored.
pub async fn prefs(conn: &mut Conn, member_id: i64) -> Result<(String, String), StoreError> {
    let row = sqlx::query("SELECT time_zone, week_start FROM members WHERE id = $1")
        .bind(member_id)
        .fetch_one(&mut *conn)
        .await?;
    Ok((row.try_get("time_zone")?, row.try_get("week_start")?))
}

pub async fn set_time_zone(conn: &mut Conn, member_id: i64, tz: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE members SET time_zone = $2 WHERE id = $1")
        .bind(member_id)
        .bind(tz)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn set_week_start(
    conn: &mut Conn,
    member_id: i64,
    week_start: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE members SET week_start = $2 WHERE id = $1")
        .bind(member_id)
        .bind(week_start)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Facts for the rules
// ---------------------------------------------------------------------------------------

/// Whether `manager_id` is a team manager of `member_id`.
pub async fn is_team_manager(
    conn: &mut Conn,
    manager_id: i64,
    member_id: i64,
) -> Result<bool, StoreError> {
    let row =
        sqlx::query("SELECT 1 AS one FROM team_managers WHERE manager_id = $1 AND member_id = $2")
            .bind(manager_id)
            .bind(member_id)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(row.is_some())
}

/// The projects a member manages.
pub async fn managed_projects(conn: &mut Conn, member_id: i64) -> Result<Vec<i64>, StoreError> {
    let rows = sqlx::query(
        "SELECT project_id FROM project_members WHERE member_id = $1 AND is_manager = 1",
    )
    .bind(member_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(|row| row.try_get("project_id")).collect()
}

// ---------------------------------------------------------------------------------------
// Channels' default projects
// ---------------------------------------------------------------------------------------

/// Links a channel to a project (replacing any link it had); returns the project it was
/// linked to before.
pub async fn link_channel(
    conn: &mut Conn,
    workspace_id: i64,
    channel: i64,
    project_id: i64,
    linked_by: i64,
    now: DateTime<Utc>,
) -> Result<Option<i64>, StoreError> {
    let before = channel_project(conn, workspace_id, channel).await?;
    sqlx::query(
        "INSERT INTO channel_projects (workspace_id, channel_id, project_id, linked_by, linked_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (workspace_id, channel_id) DO UPDATE SET
             project_id = excluded.project_id, linked_by = excluded.linked_by,
             linked_at = excluded.linked_at",
    )
    .bind(workspace_id)
    .bind(channel)
    .bind(project_id)
    .bind(linked_by)
    .bind(millis(now))
    .execute(&mut *conn)
    .await?;
    Ok(before)
}

pub async fn unlink_channel(
    conn: &mut Conn,
    workspace_id: i64,
    channel: i64,
) -> Result<bool, StoreError> {
    let done =
        sqlx::query("DELETE FROM channel_projects WHERE workspace_id = $1 AND channel_id = $2")
            .bind(workspace_id)
            .bind(channel)
            .execute(&mut *conn)
            .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn channel_project(
    conn: &mut Conn,
    workspace_id: i64,
    channel: i64,
) -> Result<Option<i64>, StoreError> {
    let row = sqlx::query(
        "SELECT project_id FROM channel_projects WHERE workspace_id = $1 AND channel_id = $2",
    )
    .bind(workspace_id)
    .bind(channel)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|row| row.try_get("project_id")).transpose()
}
