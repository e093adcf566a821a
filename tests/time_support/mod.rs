//! Helpers for the time-tracking tests: a workspace with projects of every kind and a person
//! in every position of the "Time entries" table, and a snapshot of everything time tracking
//! writes, so a refused call can be shown to change nothing.

#![allow(dead_code)]

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use crewclock::app::projects::{self, CreateProject};
use crewclock::app::{me, members};
use crewclock::domain::projects::Privacy;
use crewclock::domain::{GuildId, Role};
use crewclock::{Actor, App};
use sqlx::Row;

use crate::support::{snapshot, Cast, Harness, Ws};

/// The public project everyone may track to.
pub const PUBLIC: &str = "Website";
/// A private project the Manager, the Member and the team manager belong to.
pub const PRIVATE: &str = "Secret";
/// A private project only its managers (the Owner and `pm`) belong to.
pub const CLOSED: &str = "Vault";

pub struct World {
    pub ws: Ws,
    pub cast: Cast,
    /// A Manager who is team manager of `cast.member`.
    pub tm: Actor,
    /// A Member who is a project manager of CLOSED.
    pub pm: Actor,
    /// Another Member, on no private project.
    pub other: Actor,
}

pub async fn project(ws: &Ws, by: &Actor, name: &str, privacy: Privacy, billable: bool) {
    projects::create_project(
        &ws.app,
        by,
        CreateProject {
            name: name.into(),
            privacy: Some(privacy),
            billable_default: Some(billable),
            ..CreateProject::default()
        },
    )
    .await
    .unwrap_or_else(|e| panic!("create project {name}: {e}"));
}

impl World {
    pub async fn new(h: &Harness) -> World {
        let ws = h.workspace().await;
        let cast = ws.cast().await;
        let tm = ws.add(Role::Manager, "Tess TeamManager").await;
        let pm = ws.add(Role::Member, "Pat ProjectManager").await;
        let other = ws.add(Role::Member, "Otto Other").await;
        let owner = &cast.owner;
        project(&ws, owner, PUBLIC, Privacy::Public, true).await;
        project(&ws, owner, PRIVATE, Privacy::Private, false).await;
        project(&ws, owner, CLOSED, Privacy::Private, false).await;
        for who in [&cast.manager, &cast.member, &tm] {
            projects::add_project_member(&ws.app, owner, PRIVATE, who.user)
                .await
                .expect("add to private project");
        }
        projects::add_project_manager(&ws.app, owner, CLOSED, pm.user)
            .await
            .expect("add project manager");
        members::set_team_manager(&ws.app, owner, tm.user, cast.member.user, true)
            .await
            .expect("assign team manager");
        World {
            ws,
            cast,
            tm,
            pm,
            other,
        }
    }

    pub fn app(&self) -> &App {
        &self.ws.app
    }
}

/// A UTC instant, `2026-11-23 09:00`.
pub fn utc(text: &str) -> DateTime<Utc> {
    let naive = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("utc");
    Utc.from_utc_datetime(&naive)
}

pub fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
}

pub async fn zone(app: &App, who: &Actor, tz: &str) {
    me::set_time_zone(app, who, tz)
        .await
        .unwrap_or_else(|e| panic!("set time zone {tz}: {e}"));
}

async fn dump(
    conn: &mut sqlx::AnyConnection,
    sql: &str,
    workspace_id: i64,
    columns: &[(&str, bool)],
) -> String {
    let rows = sqlx::query(sql)
        .bind(workspace_id)
        .fetch_all(&mut *conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let mut out = String::new();
    for row in rows {
        for (column, text) in columns {
            let value = if *text {
                format!("{:?}", row.try_get::<Option<String>, _>(*column).unwrap())
            } else {
                format!("{:?}", row.try_get::<Option<i64>, _>(*column).unwrap())
            };
            out.push_str(&format!("{column}={value} "));
        }
        out.push('\n');
    }
    out
}

/// Everything time tracking writes in a workspace (and the people snapshot), as text.
pub async fn time_snapshot(app: &App, guild: GuildId) -> String {
    let people = snapshot(app, guild).await;
    let mut conn = app.store.conn().await.unwrap();
    let Some(ws) = crewclock::store::workspaces::find_by_guild(&mut conn, guild)
        .await
        .unwrap()
    else {
        return people;
    };
    let id = ws.id;
    let mut out = people;
    let i = false;
    let s = true;
    out += &dump(
        &mut conn,
        "SELECT id, member_id, project_id, task_id, description, billable, started_at, ended_at,
                overlapping, created_by, updated_at
         FROM time_entries WHERE workspace_id = $1 ORDER BY id",
        id,
        &[
            ("id", i),
            ("member_id", i),
            ("project_id", i),
            ("task_id", i),
            ("description", s),
            ("billable", i),
            ("started_at", i),
            ("ended_at", i),
            ("overlapping", i),
            ("created_by", i),
            ("updated_at", i),
        ],
    )
    .await;
    out += &dump(
        &mut conn,
        "SELECT et.entry_id, et.tag_id FROM entry_tags et JOIN time_entries e ON e.id = et.entry_id
         WHERE e.workspace_id = $1 ORDER BY et.entry_id, et.tag_id",
        id,
        &[("entry_id", i), ("tag_id", i)],
    )
    .await;
    out += &dump(
        &mut conn,
        "SELECT id, member_id, week_start, status, decided_by, reason, starts_at, ends_at
         FROM timesheets WHERE workspace_id = $1 ORDER BY id",
        id,
        &[
            ("id", i),
            ("member_id", i),
            ("week_start", s),
            ("status", s),
            ("decided_by", i),
            ("reason", s),
            ("starts_at", i),
            ("ends_at", i),
        ],
    )
    .await;
    out += &dump(
        &mut conn,
        "SELECT id, entry_id, claimed_by, claimed_until, sent_at FROM reminders
         WHERE workspace_id = $1 ORDER BY id",
        id,
        &[
            ("id", i),
            ("entry_id", i),
            ("claimed_by", s),
            ("claimed_until", i),
            ("sent_at", i),
        ],
    )
    .await;
    out += &dump(
        &mut conn,
        "SELECT channel_id, project_id FROM channel_projects WHERE workspace_id = $1
         ORDER BY channel_id",
        id,
        &[("channel_id", i), ("project_id", i)],
    )
    .await;
    out += &dump(
        &mut conn,
        "SELECT id, hourly_rate, time_zone, week_start FROM members WHERE workspace_id = $1
         ORDER BY id",
        id,
        &[
            ("id", i),
            ("hourly_rate", i),
            ("time_zone", s),
            ("week_start", s),
        ],
    )
    .await;
    out += &dump(
        &mut conn,
        "SELECT hourly_rate, currency FROM workspace_settings WHERE workspace_id = $1",
        id,
        &[("hourly_rate", i), ("currency", s)],
    )
    .await;
    out += &dump(
        &mut conn,
        "SELECT r.project_id, r.member_id, r.hourly_rate FROM project_member_rates r
         JOIN projects p ON p.id = r.project_id WHERE p.workspace_id = $1
         ORDER BY r.project_id, r.member_id",
        id,
        &[("project_id", i), ("member_id", i), ("hourly_rate", i)],
    )
    .await;
    out += &dump(
        &mut conn,
        "SELECT id, hourly_rate, currency FROM projects WHERE workspace_id = $1 ORDER BY id",
        id,
        &[("id", i), ("hourly_rate", i), ("currency", s)],
    )
    .await;
    out
}

/// How many timers of a member run right now, straight from the database.
pub async fn running_count(app: &App, guild: GuildId, who: &Actor) -> i64 {
    let mut conn = app.store.conn().await.unwrap();
    let ws = crewclock::store::workspaces::find_by_guild(&mut conn, guild)
        .await
        .unwrap()
        .expect("workspace");
    let member = crewclock::store::members::find_by_user(&mut conn, ws.id, who.user)
        .await
        .unwrap()
        .expect("member");
    crewclock::store::entries::count_running(&mut conn, member.id)
        .await
        .unwrap()
}
