//! Turns what people type in report commands (project, client and tag names or `#id`s, a
//! member, a range such as `last-month`) into the engine's [`ReportQuery`] of ids.
//!
//! Names are looked up as the viewer sees them: a private project they may not see is
//! answered exactly like a missing one, so a report filter leaks nothing. A Guest's project
//! is one of those shared with them.
//!
//! The project filter may name several projects, separated by commas (`Apollo, #12`). Project
//! names may contain commas themselves, so the whole text is tried as one name first.

use super::projects::{find_named, find_task, visible_project};
use super::{active_member, member_by_user, workspace_of, Actor, App};
use crate::app::error::{AppError, AppResult};
use crate::domain::report::{GroupBy, RangeSpec, ReportQuery};
use crate::domain::{Role, UserId};
use crate::store::projects::NamedTable;
use crate::store::projects::Project;
use crate::store::{members::Member, workspaces::Workspace, Conn};

/// A report's filters as typed; `None` or blank means "no filter".
#[derive(Debug, Clone, Default)]
pub struct ReportFilters {
    pub range: Option<String>,
    pub group_by: Vec<GroupBy>,
    /// One project, or several separated by commas.
    pub project: Option<String>,
    /// Needs `project` (exactly one): task names are only unique within a project.
    pub task: Option<String>,
    pub client: Option<String>,
    pub tag: Option<String>,
    pub member: Option<UserId>,
    pub billable: Option<bool>,
}

fn given(text: &Option<String>) -> Option<&str> {
    text.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

/// The query for `filters`, or a message saying what to type instead. Writes nothing.
pub async fn query(app: &App, actor: &Actor, filters: &ReportFilters) -> AppResult<ReportQuery> {
    let range = match given(&filters.range) {
        Some(raw) => RangeSpec::parse(raw)?,
        None => RangeSpec::ThisWeek,
    };
    let group_by = if filters.group_by.is_empty() {
        vec![GroupBy::Project]
    } else {
        filters.group_by.clone()
    };
    let mut query = ReportQuery::new(range, group_by);
    query.billable = filters.billable;
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    let mut projects = Vec::new();
    if let Some(raw) = given(&filters.project) {
        projects = named_projects(&mut conn, &workspace, &me, raw).await?;
        query.projects = projects.iter().map(|p| p.id).collect();
    }
    if let Some(raw) = given(&filters.task) {
        let [project] = projects.as_slice() else {
            return Err(AppError::invalid(if projects.is_empty() {
                "A task filter needs its project too: pick the project option first, then the task."
            } else {
                "A task filter needs exactly one project: task names are only unique within a project."
            }));
        };
        query
            .tasks
            .push(find_task(&mut conn, project, raw).await?.id);
    }
    if let Some(raw) = given(&filters.client) {
        let client = find_named(&mut conn, &workspace, NamedTable::Clients, raw).await?;
        query.clients.push(client.id);
    }
    if let Some(raw) = given(&filters.tag) {
        let tag = find_named(&mut conn, &workspace, NamedTable::Tags, raw).await?;
        query.tags.push(tag.id);
    }
    if let Some(user) = filters.member {
        query
            .members
            .push(member_by_user(&mut conn, &workspace, user).await?.id);
    }
    query.check()?;
    Ok(query)
}

/// Most projects one filter may name.
pub const MAX_FILTER_PROJECTS: usize = 25;

/// The projects `raw` names: one name, or several separated by commas (each a name or `#id`).
/// One project as the viewer may name it: a Guest, one shared with them; others, one they see.
async fn project_named(
    conn: &mut Conn,
    workspace: &Workspace,
    me: &Member,
    raw: &str,
) -> AppResult<Project> {
    if me.role == Role::Guest {
        Ok(super::sharing::guest_share(conn, workspace, me, raw)
            .await?
            .0)
    } else {
        Ok(visible_project(conn, workspace, me, raw).await?.0)
    }
}

async fn named_projects(
    conn: &mut Conn,
    workspace: &Workspace,
    me: &Member,
    raw: &str,
) -> AppResult<Vec<Project>> {
    let whole = project_named(conn, workspace, me, raw).await;
    let pieces: Vec<&str> = raw
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect();
    match whole {
        Ok(project) => return Ok(vec![project]),
        Err(AppError::NotFound(message)) if pieces.len() < 2 => {
            return Err(AppError::NotFound(message))
        }
        Err(AppError::NotFound(_)) => {}
        Err(e) => return Err(e),
    }
    if pieces.len() > MAX_FILTER_PROJECTS {
        return Err(AppError::invalid(format!(
            "A report can name at most {MAX_FILTER_PROJECTS} projects; this one names {}. Group by project instead.",
            pieces.len()
        )));
    }
    let mut out: Vec<Project> = Vec::new();
    for piece in pieces {
        // Each piece answers for itself: the message names the one that wasn't found.
        let project = project_named(conn, workspace, me, piece).await?;
        if !out.iter().any(|p| p.id == project.id) {
            out.push(project);
        }
    }
    Ok(out)
}
