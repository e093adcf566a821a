//! Hourly rates below the project level: the workspace default (with the workspace
//! currency), each member's rate and each member's rate on one project. The project's own rate
//! lives on the project (`store::projects`).

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{decode_error, millis, Conn, StoreError};
use crate::domain::projects::Currency;

/// The workspace rate (minor units per hour) and the workspace currency.
pub async fn workspace_rate(
    conn: &mut Conn,
    workspace_id: i64,
) -> Result<(Option<i64>, Currency), StoreError> {
    let row =
        sqlx::query("SELECT hourly_rate, currency FROM workspace_settings WHERE workspace_id = $1")
            .bind(workspace_id)
            .fetch_one(&mut *conn)
            .await?;
    let currency: String = row.try_get("currency")?;
    Ok((
        row.try_get("hourly_rate")?,
        Currency::parse(&currency)
            .map_err(|_| decode_error(format!("bad currency in database: {currency}")))?,
    ))
}

pub async fn set_workspace_rate(
    conn: &mut Conn,
    workspace_id: i64,
    rate: Option<i64>,
    currency: &Currency,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE workspace_settings SET hourly_rate = $2, currency = $3 WHERE workspace_id = $1",
    )
    .bind(workspace_id)
    .bind(rate)
    .bind(currency.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn member_rate(conn: &mut Conn, member_id: i64) -> Result<Option<i64>, StoreError> {
    let row = sqlx::query("SELECT hourly_rate FROM members WHERE id = $1")
        .bind(member_id)
        .fetch_one(&mut *conn)
        .await?;
    row.try_get("hourly_rate")
}

pub async fn set_member_rate(
    conn: &mut Conn,
    member_id: i64,
    rate: Option<i64>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE members SET hourly_rate = $2 WHERE id = $1")
        .bind(member_id)
        .bind(rate)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// How many members of the workspace have their own rate (in the workspace currency).
pub async fn count_member_rates(conn: &mut Conn, workspace_id: i64) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM members WHERE workspace_id = $1 AND hourly_rate IS NOT NULL",
    )
    .bind(workspace_id)
    .fetch_one(&mut *conn)
    .await?;
    row.try_get("n")
}

pub async fn project_member_rate(
    conn: &mut Conn,
    project_id: i64,
    member_id: i64,
) -> Result<Option<i64>, StoreError> {
    let row = sqlx::query(
        "SELECT hourly_rate FROM project_member_rates WHERE project_id = $1 AND member_id = $2",
    )
    .bind(project_id)
    .bind(member_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|row| row.try_get("hourly_rate")).transpose()
}

/// Sets (or with `None` clears) a member's rate on one project.
pub async fn set_project_member_rate(
    conn: &mut Conn,
    project_id: i64,
    member_id: i64,
    rate: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    match rate {
        None => {
            sqlx::query(
                "DELETE FROM project_member_rates WHERE project_id = $1 AND member_id = $2",
            )
            .bind(project_id)
            .bind(member_id)
            .execute(&mut *conn)
            .await?;
        }
        Some(rate) => {
            sqlx::query(
                "INSERT INTO project_member_rates (project_id, member_id, hourly_rate, set_at)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (project_id, member_id) DO UPDATE SET
                     hourly_rate = excluded.hourly_rate, set_at = excluded.set_at",
            )
            .bind(project_id)
            .bind(member_id)
            .bind(rate)
            .bind(millis(now))
            .execute(&mut *conn)
            .await?;
        }
    }
    Ok(())
}
