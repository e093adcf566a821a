//! Idle-timer reminders: a timer running longer than the workspace's idle_reminder_hours
//! (default 10) gets exactly one reminder, whichever bot process finds it.
//!
//! A process (a "worker", named by a stable id such as `host:pid`) calls
//! [`due_idle_timers`] now and then; each reminder it gets back is claimed for it alone for
//! [`CLAIM_LEASE`]. It sends the reminder (a DM with "stop now" and "stop at…" buttons, the
//! latter calling `timers::stop_at`) and calls [`mark_sent`]; if sending fails it calls
//! [`release`] so another round can try. A process that dies holding a claim loses it when the
//! lease ends. Stopping or discarding the timer drops its reminder.

use chrono::{DateTime, Duration, NaiveTime, Utc};
use chrono_tz::Tz;

use super::{App, AppError, AppResult};
use crate::domain::{GuildId, UserId};
use crate::store;

/// How long a claim holds before another worker may take the reminder over.
pub const CLAIM_LEASE: Duration = Duration::minutes(5);
/// Most reminders handed out per call.
pub const BATCH: u32 = 100;
/// Longest worker id accepted.
pub const MAX_WORKER_ID: usize = 100;

/// A timer to remind its owner of, claimed by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdleTimer {
    pub reminder_id: i64,
    pub entry_id: i64,
    pub guild: GuildId,
    /// Whom to send the reminder to.
    pub user: UserId,
    pub member_name: String,
    pub project: String,
    pub task: Option<String>,
    pub description: String,
    pub started_at: DateTime<Utc>,
    pub elapsed: Duration,
    /// The owner's time zone and the local start, for the message.
    pub time_zone: Tz,
    pub local_start: NaiveTime,
    pub idle_hours: u32,
}

fn check_worker(worker_id: &str) -> AppResult<()> {
    if worker_id.trim().is_empty() || worker_id.len() > MAX_WORKER_ID {
        return Err(AppError::invalid(format!(
            "A worker id needs 1 to {MAX_WORKER_ID} bytes."
        )));
    }
    Ok(())
}

/// Claims the due idle reminders for `worker_id` and returns them. Two workers calling at
/// once never get the same reminder.
pub async fn due_idle_timers(app: &App, worker_id: &str) -> AppResult<Vec<IdleTimer>> {
    check_worker(worker_id)?;
    let now = app.clock.now();
    let mut conn = app.store.conn().await?;
    let due = store::jobs::due_idle(&mut conn, now, BATCH).await?;
    let mut claimed = Vec::with_capacity(due.len());
    for item in due {
        if !store::jobs::claim(
            &mut conn,
            item.reminder_id,
            worker_id,
            now + CLAIM_LEASE,
            now,
        )
        .await?
        {
            continue;
        }
        let time_zone: Tz = item.time_zone.parse().unwrap_or(Tz::UTC);
        claimed.push(IdleTimer {
            reminder_id: item.reminder_id,
            entry_id: item.entry_id,
            guild: item.guild,
            user: item.user,
            member_name: item.member_name,
            project: item.project_name,
            task: item.task_name,
            description: item.description,
            started_at: item.started_at,
            elapsed: now - item.started_at,
            local_start: item.started_at.with_timezone(&time_zone).time(),
            time_zone,
            idle_hours: u32::try_from(item.idle_hours).unwrap_or(0),
        });
    }
    Ok(claimed)
}

/// Records that the reminder was sent; false unless `worker_id` holds its claim.
pub async fn mark_sent(app: &App, reminder_id: i64, worker_id: &str) -> AppResult<bool> {
    check_worker(worker_id)?;
    let mut conn = app.store.conn().await?;
    Ok(store::jobs::mark_sent(&mut conn, reminder_id, worker_id, app.clock.now()).await?)
}

/// Gives a claim back (sending failed) so the reminder can be claimed again at once.
pub async fn release(app: &App, reminder_id: i64, worker_id: &str) -> AppResult<bool> {
    check_worker(worker_id)?;
    let mut conn = app.store.conn().await?;
    Ok(store::jobs::release(&mut conn, reminder_id, worker_id).await?)
}
