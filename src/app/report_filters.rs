//! Turns what people type in report commands (project, client and tag names or `#id`s, a
//! member, a range such as `last-month`) into the engine's [`ReportQuery`] of ids.
//!
//! Names are looked up as the viewer sees them: a private project they may not see is
//! answered exactly like a missing one, so a report filter leaks nothing. A Guest's project
//! is one of those shared with them.

use super::projects::{find_named, find_task, visible_project};
use super::{active_member, member_by_user, workspace_of, Actor, App};
use crate::app::error::{AppError, AppResult};
use crate::domain::report::{GroupBy, RangeSpec, ReportQuery};
use crate::domain::{Role, UserId};
use crate::store::projects::NamedTable;

/// A report's filters as typed; `None` or blank means "no filter".
#[derive(Debug, Clone, Default)]
pub struct ReportFilters {
    pub range: Option<String>,
    pub group_by: Vec<GroupBy>,
    pub project: Option<String>,
    /// Needs `project`: task names are only unique within a project.
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
    let mut project = None;
    if let Some(raw) = given(&filters.project) {
        // A Guest names a project shared with them; they see no other project.
        let found = if me.role == Role::Guest {
            super::sharing::guest_share(&mut conn, &workspace, &me, raw)
                .await?
                .0
        } else {
            visible_project(&mut conn, &workspace, &me, raw).await?.0
        };
        query.projects.push(found.id);
        project = Some(found);
    }
    if let Some(raw) = given(&filters.task) {
        let Some(project) = &project else {
            return Err(AppError::invalid(
                "A task filter needs its project too: pick the project option first, then the task.",
            ));
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
