//! Clients, projects and their members, tasks, tags and the workspace's stages.
//!
//! Names are matched through `name_key` (see `domain::projects::name_key`), computed by the
//! code so that case-insensitive matching is the same on both databases.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{decode_error, flag, from_millis, millis, Conn, StoreError};
use crate::domain::projects::{Budget, Color, Currency, Membership, Privacy};

// ---------------------------------------------------------------------------------------
// Decoding helpers
// ---------------------------------------------------------------------------------------

fn boolean(row: &AnyRow, column: &str) -> Result<bool, StoreError> {
    Ok(row.try_get::<i64, _>(column)? != 0)
}

fn color(text: &str) -> Result<Color, StoreError> {
    Color::parse(text).map_err(|_| decode_error(format!("bad color in database: {text}")))
}

fn date(text: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| decode_error(format!("bad date in database: {text}")))
}

/// A LIKE pattern matching `text` anywhere (`contains`) or at the start, with `\` escaping.
pub(crate) fn like_pattern(text: &str, contains: bool) -> String {
    let mut escaped = String::with_capacity(text.len() + 2);
    if contains {
        escaped.push('%');
    }
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped.push('%');
    escaped
}

// ---------------------------------------------------------------------------------------
// Clients and tags: workspace-wide named things that can be archived
// ---------------------------------------------------------------------------------------

/// A client or a tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub id: i64,
    pub workspace_id: i64,
    pub name: String,
    pub archived: bool,
    /// The member who made it.
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
}

pub type Client = Named;
pub type Tag = Named;

/// The two tables holding [`Named`] rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NamedTable {
    Clients,
    Tags,
}

impl NamedTable {
    fn table(self) -> &'static str {
        match self {
            NamedTable::Clients => "clients",
            NamedTable::Tags => "tags",
        }
    }
}

const NAMED_COLUMNS: &str = "id, workspace_id, name, archived, created_by, created_at";

fn named_from_row(row: &AnyRow) -> Result<Named, StoreError> {
    Ok(Named {
        id: row.try_get("id")?,
        workspace_id: row.try_get("workspace_id")?,
        name: row.try_get("name")?,
        archived: boolean(row, "archived")?,
        created_by: row.try_get("created_by")?,
        created_at: from_millis(row.try_get("created_at")?)?,
    })
}

/// Fails with a unique violation when a live one has the same name.
pub async fn insert_named(
    conn: &mut Conn,
    table: NamedTable,
    workspace_id: i64,
    name: &str,
    key: &str,
    created_by: i64,
    now: DateTime<Utc>,
) -> Result<Named, StoreError> {
    let row = sqlx::query(&format!(
        "INSERT INTO {} (workspace_id, name, name_key, archived, created_by, created_at)
         VALUES ($1, $2, $3, 0, $4, $5) RETURNING {NAMED_COLUMNS}",
        table.table()
    ))
    .bind(workspace_id)
    .bind(name)
    .bind(key)
    .bind(created_by)
    .bind(millis(now))
    .fetch_one(&mut *conn)
    .await?;
    named_from_row(&row)
}

pub async fn find_named(
    conn: &mut Conn,
    table: NamedTable,
    workspace_id: i64,
    id: i64,
) -> Result<Option<Named>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {NAMED_COLUMNS} FROM {} WHERE workspace_id = $1 AND id = $2",
        table.table()
    ))
    .bind(workspace_id)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(named_from_row).transpose()
}

/// Those with this name key: the live one first, then archived ones, newest first.
pub async fn find_named_by_key(
    conn: &mut Conn,
    table: NamedTable,
    workspace_id: i64,
    key: &str,
) -> Result<Vec<Named>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {NAMED_COLUMNS} FROM {} WHERE workspace_id = $1 AND name_key = $2
         ORDER BY archived, id DESC",
        table.table()
    ))
    .bind(workspace_id)
    .bind(key)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(named_from_row).collect()
}

/// By name; archived ones only when asked, after the live ones.
pub async fn list_named(
    conn: &mut Conn,
    table: NamedTable,
    workspace_id: i64,
    include_archived: bool,
) -> Result<Vec<Named>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {NAMED_COLUMNS} FROM {} WHERE workspace_id = $1 AND (archived = 0 OR $2 = 1)
         ORDER BY archived, name_key, id",
        table.table()
    ))
    .bind(workspace_id)
    .bind(flag(include_archived))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(named_from_row).collect()
}

/// Live ones whose name contains `partial` (a name key), those starting with it first.
pub async fn suggest_named(
    conn: &mut Conn,
    table: NamedTable,
    workspace_id: i64,
    partial: &str,
    limit: u32,
) -> Result<Vec<Named>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {NAMED_COLUMNS} FROM {} WHERE workspace_id = $1 AND archived = 0
           AND name_key LIKE $2 ESCAPE '\\'
         ORDER BY CASE WHEN name_key LIKE $3 ESCAPE '\\' THEN 0 ELSE 1 END, name_key, id
         LIMIT $4",
        table.table()
    ))
    .bind(workspace_id)
    .bind(like_pattern(partial, true))
    .bind(like_pattern(partial, false))
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(named_from_row).collect()
}

pub async fn rename_named(
    conn: &mut Conn,
    table: NamedTable,
    id: i64,
    name: &str,
    key: &str,
) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "UPDATE {} SET name = $2, name_key = $3 WHERE id = $1",
        table.table()
    ))
    .bind(id)
    .bind(name)
    .bind(key)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Unarchiving fails with a unique violation when a live one took the name meanwhile.
pub async fn set_named_archived(
    conn: &mut Conn,
    table: NamedTable,
    id: i64,
    archived: bool,
) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "UPDATE {} SET archived = $2 WHERE id = $1",
        table.table()
    ))
    .bind(id)
    .bind(flag(archived))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Stages
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stage {
    pub id: i64,
    pub workspace_id: i64,
    pub name: String,
    pub color: Color,
    pub position: i64,
    pub created_at: DateTime<Utc>,
}

const STAGE_COLUMNS: &str = "id, workspace_id, name, color, position, created_at";

fn stage_from_row(row: &AnyRow) -> Result<Stage, StoreError> {
    Ok(Stage {
        id: row.try_get("id")?,
        workspace_id: row.try_get("workspace_id")?,
        name: row.try_get("name")?,
        color: color(&row.try_get::<String, _>("color")?)?,
        position: row.try_get("position")?,
        created_at: from_millis(row.try_get("created_at")?)?,
    })
}

/// Appends a stage after the last one.
pub async fn insert_stage(
    conn: &mut Conn,
    workspace_id: i64,
    name: &str,
    key: &str,
    color: &Color,
    now: DateTime<Utc>,
) -> Result<Stage, StoreError> {
    let row = sqlx::query(&format!(
        "INSERT INTO stages (workspace_id, name, name_key, color, position, created_at)
         VALUES ($1, $2, $3, $4,
                 (SELECT COALESCE(MAX(position), 0) + 1 FROM stages WHERE workspace_id = $1), $5)
         RETURNING {STAGE_COLUMNS}"
    ))
    .bind(workspace_id)
    .bind(name)
    .bind(key)
    .bind(color.as_str())
    .bind(millis(now))
    .fetch_one(&mut *conn)
    .await?;
    stage_from_row(&row)
}

pub async fn find_stage(
    conn: &mut Conn,
    workspace_id: i64,
    id: i64,
) -> Result<Option<Stage>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {STAGE_COLUMNS} FROM stages WHERE workspace_id = $1 AND id = $2"
    ))
    .bind(workspace_id)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(stage_from_row).transpose()
}

pub async fn find_stage_by_key(
    conn: &mut Conn,
    workspace_id: i64,
    key: &str,
) -> Result<Option<Stage>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {STAGE_COLUMNS} FROM stages WHERE workspace_id = $1 AND name_key = $2"
    ))
    .bind(workspace_id)
    .bind(key)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(stage_from_row).transpose()
}

/// In the workspace's order.
pub async fn list_stages(conn: &mut Conn, workspace_id: i64) -> Result<Vec<Stage>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {STAGE_COLUMNS} FROM stages WHERE workspace_id = $1 ORDER BY position, id"
    ))
    .bind(workspace_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(stage_from_row).collect()
}

pub async fn update_stage(
    conn: &mut Conn,
    id: i64,
    name: &str,
    key: &str,
    color: &Color,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE stages SET name = $2, name_key = $3, color = $4 WHERE id = $1")
        .bind(id)
        .bind(name)
        .bind(key)
        .bind(color.as_str())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Deletes a stage; projects in it are left without a stage (ON DELETE SET NULL).
/// Returns how many projects were in it.
pub async fn delete_stage(conn: &mut Conn, id: i64) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM projects WHERE stage_id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    let n: i64 = row.try_get("n")?;
    sqlx::query("DELETE FROM stages WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(n)
}

// ---------------------------------------------------------------------------------------
// Projects
// ---------------------------------------------------------------------------------------

/// A project with the names of its client and stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    pub id: i64,
    pub workspace_id: i64,
    pub name: String,
    pub client_id: Option<i64>,
    pub client_name: Option<String>,
    pub color: Color,
    pub privacy: Privacy,
    pub billable_default: bool,
    pub budget: Budget,
    pub currency: Currency,
    /// Minor units of `currency` per hour.
    pub hourly_rate: Option<i64>,
    pub archived: bool,
    pub stage_id: Option<i64>,
    pub stage_name: Option<String>,
    pub stage_color: Option<Color>,
    pub due_date: Option<NaiveDate>,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
}

/// Every project query takes the viewing member as `$1` and answers how they belong to it.
const PROJECT_SELECT: &str = "SELECT p.id, p.workspace_id, p.name, p.client_id,
        c.name AS client_name, p.color, p.is_public, p.billable_default, p.budget_kind,
        p.budget_value, p.currency, p.hourly_rate, p.archived, p.stage_id,
        s.name AS stage_name, s.color AS stage_color, p.due_date, p.created_by, p.created_at,
        pm.is_manager AS viewer_is_manager
     FROM projects p
     LEFT JOIN clients c ON c.id = p.client_id
     LEFT JOIN stages s ON s.id = p.stage_id
     LEFT JOIN project_members pm ON pm.project_id = p.id AND pm.member_id = $1";

fn project_from_row(row: &AnyRow) -> Result<(Project, Membership), StoreError> {
    let kind: String = row.try_get("budget_kind")?;
    let value: Option<i64> = row.try_get("budget_value")?;
    let budget = Budget::from_parts(&kind, value)
        .ok_or_else(|| decode_error(format!("bad budget in database: {kind} {value:?}")))?;
    let currency: String = row.try_get("currency")?;
    let project = Project {
        id: row.try_get("id")?,
        workspace_id: row.try_get("workspace_id")?,
        name: row.try_get("name")?,
        client_id: row.try_get("client_id")?,
        client_name: row.try_get("client_name")?,
        color: color(&row.try_get::<String, _>("color")?)?,
        privacy: Privacy::from_public(boolean(row, "is_public")?),
        billable_default: boolean(row, "billable_default")?,
        budget,
        currency: Currency::parse(&currency)
            .map_err(|_| decode_error(format!("bad currency in database: {currency}")))?,
        hourly_rate: row.try_get("hourly_rate")?,
        archived: boolean(row, "archived")?,
        stage_id: row.try_get("stage_id")?,
        stage_name: row.try_get("stage_name")?,
        stage_color: row
            .try_get::<Option<String>, _>("stage_color")?
            .as_deref()
            .map(color)
            .transpose()?,
        due_date: row
            .try_get::<Option<String>, _>("due_date")?
            .as_deref()
            .map(date)
            .transpose()?,
        created_by: row.try_get("created_by")?,
        created_at: from_millis(row.try_get("created_at")?)?,
    };
    let membership = match row.try_get::<Option<i64>, _>("viewer_is_manager")? {
        None => Membership::None,
        Some(0) => Membership::Member,
        Some(_) => Membership::Manager,
    };
    Ok((project, membership))
}

/// What a new project starts with.
#[derive(Debug, Clone)]
pub struct NewProject<'a> {
    pub workspace_id: i64,
    pub name: &'a str,
    pub key: &'a str,
    pub client_id: Option<i64>,
    pub color: &'a Color,
    pub privacy: Privacy,
    pub billable_default: bool,
    pub created_by: i64,
    pub now: DateTime<Utc>,
}

/// Inserts a project and makes its creator a project manager. Fails with a unique violation
/// when a live project has the same name.
pub async fn insert_project(conn: &mut Conn, new: NewProject<'_>) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO projects (workspace_id, name, name_key, client_id, color, is_public,
                               billable_default, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(new.workspace_id)
    .bind(new.name)
    .bind(new.key)
    .bind(new.client_id)
    .bind(new.color.as_str())
    .bind(flag(new.privacy.is_public()))
    .bind(flag(new.billable_default))
    .bind(new.created_by)
    .bind(millis(new.now))
    .fetch_one(&mut *conn)
    .await?;
    let id: i64 = row.try_get("id")?;
    set_membership(conn, id, new.created_by, Membership::Manager, new.now).await?;
    Ok(id)
}

/// Writes every editable column of `project` (name, client, color, privacy, billable default,
/// budget, currency, rate, archived, stage, due date).
pub async fn update_project(conn: &mut Conn, project: &Project) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE projects SET name = $2, name_key = $3, client_id = $4, color = $5,
             is_public = $6, billable_default = $7, budget_kind = $8, budget_value = $9,
             currency = $10, hourly_rate = $11, archived = $12, stage_id = $13, due_date = $14
         WHERE id = $1",
    )
    .bind(project.id)
    .bind(&project.name)
    .bind(crate::domain::projects::name_key(&project.name))
    .bind(project.client_id)
    .bind(project.color.as_str())
    .bind(flag(project.privacy.is_public()))
    .bind(flag(project.billable_default))
    .bind(project.budget.kind())
    .bind(project.budget.value())
    .bind(project.currency.as_str())
    .bind(project.hourly_rate)
    .bind(flag(project.archived))
    .bind(project.stage_id)
    .bind(project.due_date.map(|d| d.format("%Y-%m-%d").to_string()))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Deletes a project with its tasks and memberships.
pub async fn delete_project(conn: &mut Conn, id: i64) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM projects WHERE id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// One project of the workspace, with how `viewer` (a member id) belongs to it.
pub async fn find_project(
    conn: &mut Conn,
    workspace_id: i64,
    id: i64,
    viewer: i64,
) -> Result<Option<(Project, Membership)>, StoreError> {
    let row = sqlx::query(&format!(
        "{PROJECT_SELECT} WHERE p.workspace_id = $2 AND p.id = $3"
    ))
    .bind(viewer)
    .bind(workspace_id)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(project_from_row).transpose()
}

/// Projects with this name key: the live one first, then archived ones, newest first.
pub async fn find_projects_by_key(
    conn: &mut Conn,
    workspace_id: i64,
    key: &str,
    viewer: i64,
) -> Result<Vec<(Project, Membership)>, StoreError> {
    let rows = sqlx::query(&format!(
        "{PROJECT_SELECT} WHERE p.workspace_id = $2 AND p.name_key = $3
         ORDER BY p.archived, p.id DESC"
    ))
    .bind(viewer)
    .bind(workspace_id)
    .bind(key)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(project_from_row).collect()
}

/// The projects `viewer` may see: all of them when `see_all`, else the public ones and those
/// they belong to. Ordered by name.
pub async fn list_projects(
    conn: &mut Conn,
    workspace_id: i64,
    viewer: i64,
    see_all: bool,
    include_archived: bool,
) -> Result<Vec<(Project, Membership)>, StoreError> {
    let rows = sqlx::query(&format!(
        "{PROJECT_SELECT} WHERE p.workspace_id = $2 AND (p.archived = 0 OR $3 = 1)
           AND ($4 = 1 OR p.is_public = 1 OR pm.member_id IS NOT NULL)
         ORDER BY p.archived, p.name_key, p.id"
    ))
    .bind(viewer)
    .bind(workspace_id)
    .bind(flag(include_archived))
    .bind(flag(see_all))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(project_from_row).collect()
}

/// Live projects `viewer` may see whose name contains `partial` (a name key), those starting
/// with it first.
pub async fn suggest_projects(
    conn: &mut Conn,
    workspace_id: i64,
    viewer: i64,
    see_all: bool,
    partial: &str,
    limit: u32,
) -> Result<Vec<(Project, Membership)>, StoreError> {
    let rows = sqlx::query(&format!(
        "{PROJECT_SELECT} WHERE p.workspace_id = $2 AND p.archived = 0
           AND ($3 = 1 OR p.is_public = 1 OR pm.member_id IS NOT NULL)
           AND p.name_key LIKE $4 ESCAPE '\\'
         ORDER BY CASE WHEN p.name_key LIKE $5 ESCAPE '\\' THEN 0 ELSE 1 END, p.name_key, p.id
         LIMIT $6"
    ))
    .bind(viewer)
    .bind(workspace_id)
    .bind(flag(see_all))
    .bind(like_pattern(partial, true))
    .bind(like_pattern(partial, false))
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(project_from_row).collect()
}

/// How many projects the workspace has ever kept (for picking the next palette color).
pub async fn count_projects(conn: &mut Conn, workspace_id: i64) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM projects WHERE workspace_id = $1")
        .bind(workspace_id)
        .fetch_one(&mut *conn)
        .await?;
    row.try_get("n")
}

// ---------------------------------------------------------------------------------------
// Project members and managers
// ---------------------------------------------------------------------------------------

pub async fn membership(
    conn: &mut Conn,
    project_id: i64,
    member_id: i64,
) -> Result<Membership, StoreError> {
    let row = sqlx::query(
        "SELECT is_manager FROM project_members WHERE project_id = $1 AND member_id = $2",
    )
    .bind(project_id)
    .bind(member_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match row {
        None => Membership::None,
        Some(row) if row.try_get::<i64, _>("is_manager")? != 0 => Membership::Manager,
        Some(_) => Membership::Member,
    })
}

/// Puts a member on a project as member or manager, or takes them off (`Membership::None`).
pub async fn set_membership(
    conn: &mut Conn,
    project_id: i64,
    member_id: i64,
    to: Membership,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if to == Membership::None {
        sqlx::query("DELETE FROM project_members WHERE project_id = $1 AND member_id = $2")
            .bind(project_id)
            .bind(member_id)
            .execute(&mut *conn)
            .await?;
        return Ok(());
    }
    sqlx::query(
        "INSERT INTO project_members (project_id, member_id, is_manager, added_at)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (project_id, member_id) DO UPDATE SET is_manager = excluded.is_manager",
    )
    .bind(project_id)
    .bind(member_id)
    .bind(flag(to == Membership::Manager))
    .bind(millis(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Everyone on a project (member ids) with how they belong to it, managers first.
pub async fn project_people(
    conn: &mut Conn,
    project_id: i64,
) -> Result<Vec<(i64, Membership)>, StoreError> {
    let rows = sqlx::query(
        "SELECT member_id, is_manager FROM project_members WHERE project_id = $1
         ORDER BY is_manager DESC, added_at, member_id",
    )
    .bind(project_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            let membership = if row.try_get::<i64, _>("is_manager")? != 0 {
                Membership::Manager
            } else {
                Membership::Member
            };
            Ok((row.try_get("member_id")?, membership))
        })
        .collect()
}

/// Every (project, member, membership) of a workspace, for snapshots and exports.
pub async fn all_memberships(
    conn: &mut Conn,
    workspace_id: i64,
) -> Result<Vec<(i64, i64, Membership)>, StoreError> {
    let rows = sqlx::query(
        "SELECT pm.project_id, pm.member_id, pm.is_manager
         FROM project_members pm JOIN projects p ON p.id = pm.project_id
         WHERE p.workspace_id = $1 ORDER BY pm.project_id, pm.member_id",
    )
    .bind(workspace_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            let membership = if row.try_get::<i64, _>("is_manager")? != 0 {
                Membership::Manager
            } else {
                Membership::Member
            };
            Ok((
                row.try_get("project_id")?,
                row.try_get("member_id")?,
                membership,
            ))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Tasks
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    pub id: i64,
    pub workspace_id: i64,
    pub project_id: i64,
    pub name: String,
    pub done: bool,
    pub done_at: Option<DateTime<Utc>>,
    pub archived: bool,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
}

const TASK_COLUMNS: &str =
    "id, workspace_id, project_id, name, done, done_at, archived, created_by, created_at";

fn task_from_row(row: &AnyRow) -> Result<Task, StoreError> {
    Ok(Task {
        id: row.try_get("id")?,
        workspace_id: row.try_get("workspace_id")?,
        project_id: row.try_get("project_id")?,
        name: row.try_get("name")?,
        done: boolean(row, "done")?,
        done_at: row
            .try_get::<Option<i64>, _>("done_at")?
            .map(from_millis)
            .transpose()?,
        archived: boolean(row, "archived")?,
        created_by: row.try_get("created_by")?,
        created_at: from_millis(row.try_get("created_at")?)?,
    })
}

/// Fails with a unique violation when a live task of the project has the same name.
pub async fn insert_task(
    conn: &mut Conn,
    workspace_id: i64,
    project_id: i64,
    name: &str,
    key: &str,
    created_by: i64,
    now: DateTime<Utc>,
) -> Result<Task, StoreError> {
    let row = sqlx::query(&format!(
        "INSERT INTO tasks (workspace_id, project_id, name, name_key, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING {TASK_COLUMNS}"
    ))
    .bind(workspace_id)
    .bind(project_id)
    .bind(name)
    .bind(key)
    .bind(created_by)
    .bind(millis(now))
    .fetch_one(&mut *conn)
    .await?;
    task_from_row(&row)
}

pub async fn find_task(
    conn: &mut Conn,
    project_id: i64,
    id: i64,
) -> Result<Option<Task>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {TASK_COLUMNS} FROM tasks WHERE project_id = $1 AND id = $2"
    ))
    .bind(project_id)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(task_from_row).transpose()
}

/// Tasks of the project with this name key: the live one first, then archived, newest first.
pub async fn find_tasks_by_key(
    conn: &mut Conn,
    project_id: i64,
    key: &str,
) -> Result<Vec<Task>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {TASK_COLUMNS} FROM tasks WHERE project_id = $1 AND name_key = $2
         ORDER BY archived, id DESC"
    ))
    .bind(project_id)
    .bind(key)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(task_from_row).collect()
}

/// Open tasks first, then done ones, by name; archived ones only when asked, last.
pub async fn list_tasks(
    conn: &mut Conn,
    project_id: i64,
    include_archived: bool,
) -> Result<Vec<Task>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {TASK_COLUMNS} FROM tasks WHERE project_id = $1 AND (archived = 0 OR $2 = 1)
         ORDER BY archived, done, name_key, id"
    ))
    .bind(project_id)
    .bind(flag(include_archived))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(task_from_row).collect()
}

/// Live tasks whose name contains `partial`: open before done, prefix matches first.
pub async fn suggest_tasks(
    conn: &mut Conn,
    project_id: i64,
    partial: &str,
    limit: u32,
) -> Result<Vec<Task>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {TASK_COLUMNS} FROM tasks WHERE project_id = $1 AND archived = 0
           AND name_key LIKE $2 ESCAPE '\\'
         ORDER BY done, CASE WHEN name_key LIKE $3 ESCAPE '\\' THEN 0 ELSE 1 END, name_key, id
         LIMIT $4"
    ))
    .bind(project_id)
    .bind(like_pattern(partial, true))
    .bind(like_pattern(partial, false))
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(task_from_row).collect()
}

pub async fn rename_task(
    conn: &mut Conn,
    id: i64,
    name: &str,
    key: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE tasks SET name = $2, name_key = $3 WHERE id = $1")
        .bind(id)
        .bind(name)
        .bind(key)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn set_task_done(
    conn: &mut Conn,
    id: i64,
    done_at: Option<DateTime<Utc>>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE tasks SET done = $2, done_at = $3 WHERE id = $1")
        .bind(id)
        .bind(flag(done_at.is_some()))
        .bind(done_at.map(millis))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Unarchiving fails with a unique violation when a live task took the name meanwhile.
pub async fn set_task_archived(conn: &mut Conn, id: i64, archived: bool) -> Result<(), StoreError> {
    sqlx::query("UPDATE tasks SET archived = $2 WHERE id = $1")
        .bind(id)
        .bind(flag(archived))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Live tasks of a project: (open, done).
pub async fn count_tasks(conn: &mut Conn, project_id: i64) -> Result<(i64, i64), StoreError> {
    let row = sqlx::query(
        "SELECT COUNT(CASE WHEN done = 0 THEN 1 END) AS open,
                COUNT(CASE WHEN done = 1 THEN 1 END) AS finished
         FROM tasks WHERE project_id = $1 AND archived = 0",
    )
    .bind(project_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok((row.try_get("open")?, row.try_get("finished")?))
}
