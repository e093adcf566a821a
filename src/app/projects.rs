//! Clients, projects (with their members and project managers), tasks, tags and the
//! workspace's project stages.
//!
//! Things are named the way people type them: case-insensitively by name, or `#id` (what
//! autocomplete sends). A name that matches nothing the person may see says what exists
//! ("No project named 'Webiste'. Did you mean 'Website'?"). A private project someone may not
//! see is answered exactly like a missing one.

use chrono::NaiveDate;
use serde_json::{json, Map, Value};

use super::audit::{member_target, record, Change};
use super::{
    active_member, active_member_by_user, begin_locked, member_by_user, workspace_of, Actor, App,
    AppError, AppResult,
};
use crate::domain::policy::clip;
use crate::domain::projects::{
    self as rules, Budget, Color, Currency, Kind, Lookup, Membership, Money, Name, Privacy,
    ProjectScope, Standing,
};
use crate::domain::settings::Settings;
use crate::domain::{Role, UserId};
use crate::store::projects::{Client, NamedTable, Project, Stage, Tag, Task};
use crate::store::{self, members::Member, workspaces::Workspace, Conn, StoreError};

// ---------------------------------------------------------------------------------------
// What the use cases answer
// ---------------------------------------------------------------------------------------

/// A stage as shown on a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageLabel {
    pub name: String,
    pub color: Color,
}

/// A project as one person may see it: money amounts only when they may see rates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectView {
    pub id: i64,
    pub name: String,
    pub client: Option<String>,
    pub color: Color,
    pub privacy: Privacy,
    pub billable_default: bool,
    /// `None` when the budget is in money and the person may not see money amounts.
    pub budget: Option<Budget>,
    pub currency: Currency,
    /// The hourly rate, when one is set and the person may see money amounts.
    pub hourly_rate: Option<Money>,
    /// Whether the person may see money amounts (rates, money budgets) at all.
    pub money_visible: bool,
    pub stage: Option<StageLabel>,
    pub due_date: Option<NaiveDate>,
    pub archived: bool,
    /// How the person belongs to the project.
    pub membership: Membership,
    /// Whether the person may edit it (name, client, privacy, budget, stage, …).
    pub you_can_edit: bool,
    /// Whether the person may track time to it (ignoring whether it is archived).
    pub you_can_track: bool,
}

impl ProjectView {
    /// The budget as text (`40h`, `EUR 5,000.00`, `none`, or `hidden`).
    pub fn budget_text(&self) -> String {
        match &self.budget {
            Some(budget) => budget.display(&self.currency),
            None => "hidden".into(),
        }
    }
}

/// Everything `/project info` shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectInfo {
    pub project: ProjectView,
    /// Active project managers.
    pub managers: Vec<Member>,
    /// Active project members who are not managers.
    pub members: Vec<Member>,
    pub open_tasks: i64,
    pub done_tasks: i64,
}

/// An autocomplete choice: what to show, and what to send back (`#id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub label: String,
    pub value: String,
}

/// Discord shows at most 25 autocomplete choices.
pub const MAX_SUGGESTIONS: u32 = 25;

/// What a new project starts with; only the name is required.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreateProject {
    pub name: String,
    /// An existing client, by name or `#id`.
    pub client: Option<String>,
    /// Private unless said otherwise.
    pub privacy: Option<Privacy>,
    /// A color (`#rrggbb`, `#rgb` or a name); the next palette color when not given.
    pub color: Option<String>,
    /// Whether time on it is billable unless said otherwise; false when not given.
    pub billable_default: Option<bool>,
}

/// The fields to change; `None` leaves a field as it is, `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectEdit {
    pub name: Option<String>,
    pub client: Option<Option<String>>,
    pub privacy: Option<Privacy>,
    pub billable_default: Option<bool>,
    /// `40h`, `5000 EUR`, `none`, … (see `Budget::parse`).
    pub budget: Option<String>,
    pub stage: Option<Option<String>>,
    pub color: Option<String>,
    /// An ISO date (`2026-12-31`).
    pub due_date: Option<Option<String>>,
}

impl ProjectEdit {
    pub fn is_empty(&self) -> bool {
        self == &ProjectEdit::default()
    }
}

/// The result of putting someone on a project or taking them off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectMemberChanged {
    pub project: ProjectView,
    pub member: Member,
    pub from: Membership,
    pub to: Membership,
    /// False when nothing changed (already so).
    pub changed: bool,
}

// ---------------------------------------------------------------------------------------
// Shared steps
// ---------------------------------------------------------------------------------------

fn standing(me: &Member, membership: Membership) -> Standing {
    Standing::new(me.role, membership)
}

fn project_target(project: &Project) -> String {
    format!("project {} (#{})", project.name, project.id)
}

fn named_target(kind: Kind, item: &store::projects::Named) -> String {
    format!("{} {} (#{})", kind.word(), item.name, item.id)
}

fn task_target(task: &Task, project: &Project) -> String {
    format!(
        "task {} (#{}) in project {} (#{})",
        task.name, task.id, project.name, project.id
    )
}

fn stage_target(stage: &Stage) -> String {
    format!("stage {} (#{})", stage.name, stage.id)
}

/// A unique violation as a clash the person can fix; anything else as it is.
fn taken(err: StoreError, message: impl FnOnce() -> String) -> AppError {
    if store::is_unique_violation(&err) {
        AppError::conflict(message())
    } else {
        err.into()
    }
}

fn guard_guest(me: &Member) -> AppResult<()> {
    if me.role == Role::Guest {
        return Err(rules::guests_see_no_projects().into());
    }
    Ok(())
}

fn view(
    project: &Project,
    me: &Member,
    membership: Membership,
    settings: &Settings,
) -> ProjectView {
    let who = standing(me, membership);
    let money_visible = crate::domain::entries::can_see_rates(me.role, settings);
    ProjectView {
        id: project.id,
        name: project.name.clone(),
        client: project.client_name.clone(),
        color: project.color.clone(),
        privacy: project.privacy,
        billable_default: project.billable_default,
        budget: if project.budget.is_money() && !money_visible {
            None
        } else {
            Some(project.budget.clone())
        },
        currency: project.currency.clone(),
        hourly_rate: project
            .hourly_rate
            .filter(|_| money_visible)
            .map(|minor| Money {
                minor,
                currency: project.currency.clone(),
            }),
        money_visible,
        stage: match (&project.stage_name, &project.stage_color) {
            (Some(name), Some(color)) => Some(StageLabel {
                name: name.clone(),
                color: color.clone(),
            }),
            _ => None,
        },
        due_date: project.due_date,
        archived: project.archived,
        membership,
        you_can_edit: rules::edit_project(who).is_ok(),
        you_can_track: rules::can_track_to_project(who, project.privacy, &project.name).is_ok(),
    }
}

/// The editable fields of a project, for the audit log.
fn project_fields(project: &Project) -> Map<String, Value> {
    let value = json!({
        "name": project.name,
        "client": project.client_name,
        "privacy": project.privacy.as_str(),
        "billable_default": project.billable_default,
        "budget": project.budget.display(&project.currency),
        "currency": project.currency.as_str(),
        "hourly_rate": project.hourly_rate,
        "stage": project.stage_name,
        "color": project.color.as_str(),
        "due_date": project.due_date.map(|d| d.to_string()),
        "archived": project.archived,
    });
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// The fields that differ, before and after; `None` when nothing does.
fn project_diff(before: &Project, after: &Project) -> Option<(Value, Value)> {
    let (old, new) = (project_fields(before), project_fields(after));
    let mut was = Map::new();
    let mut now = Map::new();
    for (key, value) in &new {
        if old.get(key) != Some(value) {
            was.insert(key.clone(), old.get(key).cloned().unwrap_or(Value::Null));
            now.insert(key.clone(), value.clone());
        }
    }
    if now.is_empty() {
        None
    } else {
        Some((Value::Object(was), Value::Object(now)))
    }
}

/// Names of the live projects `me` may see, for "did you mean".
async fn visible_project_names(
    conn: &mut Conn,
    workspace: &Workspace,
    me: &Member,
) -> AppResult<Vec<String>> {
    let see_all = match rules::project_scope(me.role) {
        ProjectScope::All => true,
        ProjectScope::PublicOrOwn => false,
        ProjectScope::Nothing => return Ok(Vec::new()),
    };
    let projects =
        store::projects::list_projects(conn, workspace.id, me.id, see_all, false).await?;
    Ok(projects.into_iter().map(|(p, _)| p.name).collect())
}

fn missing(kind: Kind, typed: &str, names: &[String], place: &str) -> AppError {
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    AppError::not_found(rules::not_found_message(kind, typed, &names, place))
}

/// A project `me` may see, named by `raw`, with how they belong to it. Private projects they
/// may not see are answered like missing ones.
pub(crate) async fn visible_project(
    conn: &mut Conn,
    workspace: &Workspace,
    me: &Member,
    raw: &str,
) -> AppResult<(Project, Membership)> {
    guard_guest(me)?;
    let sees = |(project, membership): &(Project, Membership)| {
        rules::can_see_project(standing(me, *membership), project.privacy)
    };
    let found = match Lookup::parse(Kind::Project, raw)? {
        Lookup::Id(id) => store::projects::find_project(conn, workspace.id, id, me.id)
            .await?
            .filter(sees),
        Lookup::Key(key) => store::projects::find_projects_by_key(conn, workspace.id, &key, me.id)
            .await?
            .into_iter()
            .find(sees),
    };
    match found {
        Some(found) => Ok(found),
        None => {
            let names = visible_project_names(conn, workspace, me).await?;
            Err(missing(Kind::Project, raw, &names, ""))
        }
    }
}

/// The project named `raw` if `me` may track time to it now; otherwise why not (not found,
/// refused by the rulebook, or archived). For the time-entry use cases, inside their
/// transaction.
pub(crate) async fn project_for_tracking_in(
    conn: &mut Conn,
    workspace: &Workspace,
    me: &Member,
    raw: &str,
) -> AppResult<(Project, Membership)> {
    if !me.role.can_track_time() {
        rules::can_track_to_project(standing(me, Membership::None), Privacy::Public, raw)?;
    }
    let (project, membership) = visible_project(conn, workspace, me, raw).await?;
    rules::can_track_to_project(standing(me, membership), project.privacy, &project.name)?;
    if project.archived {
        return Err(AppError::invalid(format!(
            "{} is archived; time can't be tracked to it until one of its project managers unarchives it.",
            project.name
        )));
    }
    Ok((project, membership))
}

/// A client or tag by name or `#id`: the live one, else the newest archived one.
pub(crate) async fn find_named(
    conn: &mut Conn,
    workspace: &Workspace,
    table: NamedTable,
    raw: &str,
) -> AppResult<store::projects::Named> {
    let kind = match table {
        NamedTable::Clients => Kind::Client,
        NamedTable::Tags => Kind::Tag,
    };
    let found = match Lookup::parse(kind, raw)? {
        Lookup::Id(id) => store::projects::find_named(conn, table, workspace.id, id).await?,
        Lookup::Key(key) => store::projects::find_named_by_key(conn, table, workspace.id, &key)
            .await?
            .into_iter()
            .next(),
    };
    match found {
        Some(item) => Ok(item),
        None => {
            let names: Vec<String> = store::projects::list_named(conn, table, workspace.id, false)
                .await?
                .into_iter()
                .map(|item| item.name)
                .collect();
            Err(missing(kind, raw, &names, ""))
        }
    }
}

/// A client that is not archived, for putting a project under it.
async fn live_client(conn: &mut Conn, workspace: &Workspace, raw: &str) -> AppResult<Client> {
    let client = find_named(conn, workspace, NamedTable::Clients, raw).await?;
    if client.archived {
        return Err(AppError::invalid(format!(
            "The client {} is archived; unarchive it first or pick another.",
            client.name
        )));
    }
    Ok(client)
}

async fn find_stage(conn: &mut Conn, workspace: &Workspace, raw: &str) -> AppResult<Stage> {
    let found = match Lookup::parse(Kind::Stage, raw)? {
        Lookup::Id(id) => store::projects::find_stage(conn, workspace.id, id).await?,
        Lookup::Key(key) => store::projects::find_stage_by_key(conn, workspace.id, &key).await?,
    };
    match found {
        Some(stage) => Ok(stage),
        None => {
            let names: Vec<String> = store::projects::list_stages(conn, workspace.id)
                .await?
                .into_iter()
                .map(|s| s.name)
                .collect();
            Err(missing(Kind::Stage, raw, &names, ""))
        }
    }
}

/// A task of `project` by name or `#id`: the live one, else the newest archived one.
pub(crate) async fn find_task(conn: &mut Conn, project: &Project, raw: &str) -> AppResult<Task> {
    let found = match Lookup::parse(Kind::Task, raw)? {
        Lookup::Id(id) => store::projects::find_task(conn, project.id, id).await?,
        Lookup::Key(key) => store::projects::find_tasks_by_key(conn, project.id, &key)
            .await?
            .into_iter()
            .next(),
    };
    match found {
        Some(task) => Ok(task),
        None => {
            let names: Vec<String> = store::projects::list_tasks(conn, project.id, false)
                .await?
                .into_iter()
                .map(|t| t.name)
                .collect();
            Err(missing(
                Kind::Task,
                raw,
                &names,
                &format!(" in {}", clip(&project.name, 60)),
            ))
        }
    }
}

/// Reloads a project after a change, as `me` sees it.
async fn reload_view(
    conn: &mut Conn,
    workspace: &Workspace,
    me: &Member,
    project_id: i64,
    settings: &Settings,
) -> AppResult<ProjectView> {
    let (project, membership) =
        store::projects::find_project(conn, workspace.id, project_id, me.id)
            .await?
            .ok_or_else(|| AppError::not_found("That project was just deleted."))?;
    Ok(view(&project, me, membership, settings))
}

fn limit_of(limit: u32) -> u32 {
    limit.clamp(1, MAX_SUGGESTIONS)
}

// ---------------------------------------------------------------------------------------
// Clients
// ---------------------------------------------------------------------------------------

/// Creates a client; who may is set by who_can_create_projects.
pub async fn create_client(app: &App, actor: &Actor, name: &str) -> AppResult<Client> {
    let workspace = workspace_of(app, actor).await?;
    let mut tx = begin_locked(app, &workspace).await?;
    let me = active_member(&mut tx, &workspace, actor).await?;
    let settings = store::workspaces::load_settings(&mut tx, workspace.id).await?;
    rules::create_client(me.role, &settings)?;
    let name = Name::parse(Kind::Client, name)?;
    let client = store::projects::insert_named(
        &mut tx,
        NamedTable::Clients,
        workspace.id,
        name.as_str(),
        &name.key(),
        me.id,
        app.clock.now(),
    )
    .await
    .map_err(|e| taken(e, || format!("There is already a client named {name}.")))?;
    record(
        app,
        &mut tx,
        workspace.id,
        actor,
        Change {
            action: "client.create",
            target: named_target(Kind::Client, &client),
            before: None,
            after: Some(json!({ "name": client.name })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(client)
}

/// The workspace's clients, for everyone but Guests.
pub async fn list_clients(
    app: &App,
    actor: &Actor,
    include_archived: bool,
) -> AppResult<Vec<Client>> {
    list_named(app, actor, NamedTable::Clients, include_archived).await
}

async fn list_named(
    app: &App,
    actor: &Actor,
    table: NamedTable,
    include_archived: bool,
) -> AppResult<Vec<store::projects::Named>> {
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    let what = match table {
        NamedTable::Clients => "clients",
        NamedTable::Tags => "tags",
    };
    rules::see_structure(me.role, what)?;
    Ok(store::projects::list_named(&mut conn, table, workspace.id, include_archived).await?)
}

pub async fn rename_client(
    app: &App,
    actor: &Actor,
    client: &str,
    new_name: &str,
) -> AppResult<Client> {
    rename_named(app, actor, NamedTable::Clients, client, new_name).await
}

/// Archived clients are hidden from pickers; their projects keep them.
pub async fn set_client_archived(
    app: &App,
    actor: &Actor,
    client: &str,
    archived: bool,
) -> AppResult<Client> {
    archive_named(app, actor, NamedTable::Clients, client, archived).await
}

/// Autocomplete for clients: live clients whose name contains `partial`, those starting with
/// it first. Nothing for Guests.
pub async fn suggest_clients(
    app: &App,
    actor: &Actor,
    partial: &str,
    limit: u32,
) -> AppResult<Vec<Suggestion>> {
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    if me.role == Role::Guest {
        return Ok(Vec::new());
    }
    let clients = store::projects::suggest_named(
        &mut conn,
        NamedTable::Clients,
        workspace.id,
        &rules::name_key(partial),
        limit_of(limit),
    )
    .await?;
    Ok(clients
        .into_iter()
        .map(|client| Suggestion {
            label: clip(&client.name, 99),
            value: format!("#{}", client.id),
        })
        .collect())
}

fn tidy_named(
    table: NamedTable,
    me: &Member,
    settings: &Settings,
    item: &store::projects::Named,
) -> AppResult<()> {
    let made_it = item.created_by == me.id;
    match table {
        NamedTable::Clients => rules::tidy_client(me.role, settings, made_it)?,
        NamedTable::Tags => rules::tidy_tag(me.role, settings, made_it)?,
    }
    Ok(())
}

fn kind_of(table: NamedTable) -> Kind {
    match table {
        NamedTable::Clients => Kind::Client,
        NamedTable::Tags => Kind::Tag,
    }
}

async fn rename_named(
    app: &App,
    actor: &Actor,
    table: NamedTable,
    raw: &str,
    new_name: &str,
) -> AppResult<store::projects::Named> {
    let kind = kind_of(table);
    let workspace = workspace_of(app, actor).await?;
    let mut tx = begin_locked(app, &workspace).await?;
    let me = active_member(&mut tx, &workspace, actor).await?;
    rules::see_structure(me.role, kind.plural())?;
    let item = find_named(&mut tx, &workspace, table, raw).await?;
    let settings = store::workspaces::load_settings(&mut tx, workspace.id).await?;
    tidy_named(table, &me, &settings, &item)?;
    let name = Name::parse(kind, new_name)?;
    if name.as_str() == item.name {
        return Ok(item);
    }
    store::projects::rename_named(&mut tx, table, item.id, name.as_str(), &name.key())
        .await
        .map_err(|e| {
            taken(e, || {
                format!("There is already a {} named {name}.", kind.word())
            })
        })?;
    record(
        app,
        &mut tx,
        workspace.id,
        actor,
        Change {
            action: match table {
                NamedTable::Clients => "client.rename",
                NamedTable::Tags => "tag.rename",
            },
            target: named_target(kind, &item),
            before: Some(json!({ "name": item.name })),
            after: Some(json!({ "name": name.as_str() })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(store::projects::Named {
        name: name.into_string(),
        ..item
    })
}

async fn archive_named(
    app: &App,
    actor: &Actor,
    table: NamedTable,
    raw: &str,
    archived: bool,
) -> AppResult<store::projects::Named> {
    let kind = kind_of(table);
    let workspace = workspace_of(app, actor).await?;
    let mut tx = begin_locked(app, &workspace).await?;
    let me = active_member(&mut tx, &workspace, actor).await?;
    rules::see_structure(me.role, kind.plural())?;
    let item = find_named(&mut tx, &workspace, table, raw).await?;
    let settings = store::workspaces::load_settings(&mut tx, workspace.id).await?;
    tidy_named(table, &me, &settings, &item)?;
    if item.archived == archived {
        return Err(AppError::invalid(format!(
            "The {} {} is already {}.",
            kind.word(),
            item.name,
            if archived { "archived" } else { "in use" }
        )));
    }
    store::projects::set_named_archived(&mut tx, table, item.id, archived)
        .await
        .map_err(|e| {
            taken(e, || {
                format!(
                    "There is already a {} named {}; rename one of them first.",
                    kind.word(),
                    item.name
                )
            })
        })?;
    let action = match (table, archived) {
        (NamedTable::Clients, true) => "client.archive",
        (NamedTable::Clients, false) => "client.unarchive",
        (NamedTable::Tags, true) => "tag.archive",
        (NamedTable::Tags, false) => "tag.unarchive",
    };
    record(
        app,
        &mut tx,
        workspace.id,
        actor,
        Change {
            action,
            target: named_target(kind, &item),
            before: Some(json!({ "archived": item.archived })),
            after: Some(json!({ "archived": archived })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(store::projects::Named { archived, ..item })
}

// ---------------------------------------------------------------------------------------
// Tags
// ---------------------------------------------------------------------------------------

/// Creates a tag; who may is set by who_can_create_tags.
pub async fn create_tag(app: &App, actor: &Actor, name: &str) -> AppResult<Tag> {
    let workspace = workspace_of(app, actor).await?;
    let mut tx = begin_locked(app, &workspace).await?;
    let me = active_member(&mut tx, &workspace, actor).await?;
    let settings = store::workspaces::load_settings(&mut tx, workspace.id).await?;
    rules::create_tag(me.role, &settings)?;
    let name = Name::parse(Kind::Tag, name)?;
    let tag = store::projects::insert_named(
        &mut tx,
        NamedTable::Tags,
        workspace.id,
        name.as_str(),
        &name.key(),
        me.id,
        app.clock.now(),
    )
    .await
    .map_err(|e| taken(e, || format!("There is already a tag named {name}.")))?;
    record(
        app,
        &mut tx,
        workspace.id,
        actor,
        Change {
            action: "tag.create",
            target: named_target(Kind::Tag, &tag),
            before: None,
            after: Some(json!({ "name": tag.name })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(tag)
}

pub async fn list_tags(app: &App, actor: &Actor, include_archived: bool) -> AppResult<Vec<Tag>> {
    list_named(app, actor, NamedTable::Tags, include_archived).await
}

pub async fn rename_tag(app: &App, actor: &Actor, tag: &str, new_name: &str) -> AppResult<Tag> {
    rename_named(app, actor, NamedTable::Tags, tag, new_name).await
}

pub async fn set_tag_archived(
    app: &App,
    actor: &Actor,
    tag: &str,
    archived: bool,
) -> AppResult<Tag> {
    archive_named(app, actor, NamedTable::Tags, tag, archived).await
}

/// Autocomplete for tags: live tags whose name contains `partial`. Nothing for Guests.
pub async fn suggest_tags(
    app: &App,
    actor: &Actor,
    partial: &str,
    limit: u32,
) -> AppResult<Vec<Suggestion>> {
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    if me.role == Role::Guest {
        return Ok(Vec::new());
    }
    let tags = store::projects::suggest_named(
        &mut conn,
        NamedTable::Tags,
        workspace.id,
        &rules::name_key(partial),
        limit_of(limit),
    )
    .await?;
    Ok(tags
        .into_iter()
        .map(|tag| Suggestion {
            label: clip(&tag.name, 99),
            value: format!("#{}", tag.id),
        })
        .collect())
}

// ---------------------------------------------------------------------------------------
// Stages
// ---------------------------------------------------------------------------------------

/// Adds a stage at the end of the workspace's list (Owner/Admin).
pub async fn create_stage(
    app: &App,
    actor: &Actor,
    name: &str,
    color: Option<&str>,
) -> AppResult<Stage> {
    let workspace = workspace_of(app, actor).await?;
    let mut tx = begin_locked(app, &workspace).await?;
    let me = active_member(&mut tx, &workspace, actor).await?;
    rules::manage_stages(me.role)?;
    let name = Name::parse(Kind::Stage, name)?;
    let color = match color {
        Some(raw) => Color::parse(raw)?,
        None => {
            let count = store::projects::list_stages(&mut tx, workspace.id)
                .await?
                .len();
            Color::nth(count)
        }
    };
    let stage = store::projects::insert_stage(
        &mut tx,
        workspace.id,
        name.as_str(),
        &name.key(),
        &color,
        app.clock.now(),
    )
    .await
    .map_err(|e| taken(e, || format!("There is already a stage named {name}.")))?;
    record(
        app,
        &mut tx,
        workspace.id,
        actor,
        Change {
            action: "stage.create",
            target: stage_target(&stage),
            before: None,
            after: Some(json!({ "name": stage.name, "color": stage.color.as_str() })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(stage)
}

/// The workspace's stages in order, for everyone but Guests.
pub async fn list_stages(app: &App, actor: &Actor) -> AppResult<Vec<Stage>> {
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    rules::see_structure(me.role, "stages")?;
    Ok(store::projects::list_stages(&mut conn, workspace.id).await?)
}

/// Autocomplete for stages: the workspace's stages whose name contains `partial`, those
/// starting with it first, then in the workspace's order. Nothing for Guests.
pub async fn suggest_stages(
    app: &App,
    actor: &Actor,
    partial: &str,
    limit: u32,
) -> AppResult<Vec<Suggestion>> {
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    if me.role == Role::Guest {
        return Ok(Vec::new());
    }
    let key = rules::name_key(partial);
    let mut stages: Vec<Stage> = store::projects::list_stages(&mut conn, workspace.id)
        .await?
        .into_iter()
        .filter(|s| rules::name_key(&s.name).contains(&key))
        .collect();
    stages.sort_by_key(|s| !rules::name_key(&s.name).starts_with(&key));
    Ok(stages
        .into_iter()
        .take(limit_of(limit) as usize)
        .map(|stage| Suggestion {
            label: clip(&stage.name, 99),
            value: format!("#{}", stage.id),
        })
        .collect())
}

/// Whether the actor may delete `stage`, changing nothing (so the adapter asks for
/// confirmation only when the answer would be yes).
pub async fn check_delete_stage(app: &App, actor: &Actor, stage: &str) -> AppResult<Stage> {
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    rules::manage_stages(me.role)?;
    find_stage(&mut conn, &workspace, stage).await
}

async fn change_stage(
    app: &App,
    actor: &Actor,
    raw: &str,
    new_name: Option<&str>,
    new_color: Option<&str>,
) -> AppResult<Stage> {
    let workspace = workspace_of(app, actor).await?;
    let mut tx = begin_locked(app, &workspace).await?;
    let me = active_member(&mut tx, &workspace, actor).await?;
    rules::manage_stages(me.role)?;
    let stage = find_stage(&mut tx, &workspace, raw).await?;
    let name = match new_name {
        Some(raw) => Name::parse(Kind::Stage, raw)?,
        None => Name::parse(Kind::Stage, &stage.name)?,
    };
    let color = match new_color {
        Some(raw) => Color::parse(raw)?,
        None => stage.color.clone(),
    };
    if name.as_str() == stage.name && color == stage.color {
        return Ok(stage);
    }
    store::projects::update_stage(&mut tx, stage.id, name.as_str(), &name.key(), &color)
        .await
        .map_err(|e| taken(e, || format!("There is already a stage named {name}.")))?;
    record(
        app,
        &mut tx,
        workspace.id,
        actor,
        Change {
            action: if new_name.is_some() {
                "stage.rename"
            } else {
                "stage.recolor"
            },
            target: stage_target(&stage),
            before: Some(json!({ "name": stage.name, "color": stage.color.as_str() })),
            after: Some(json!({ "name": name.as_str(), "color": color.as_str() })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Stage {
        name: name.into_string(),
        color,
        ..stage
    })
}

pub async fn rename_stage(
    app: &App,
    actor: &Actor,
    stage: &str,
    new_name: &str,
) -> AppResult<Stage> {
    change_stage(app, actor, stage, Some(new_name), None).await
}

pub async fn recolor_stage(app: &App, actor: &Actor, stage: &str, color: &str) -> AppResult<Stage> {
    change_stage(app, actor, stage, None, Some(color)).await
}

/// Deletes a stage; projects in it are left without a stage. Returns the stage and how many
/// projects were in it.
pub async fn delete_stage(app: &App, actor: &Actor, stage: &str) -> AppResult<(Stage, i64)> {
    let workspace = workspace_of(app, actor).await?;
    let mut tx = begin_locked(app, &workspace).await?;
    let me = active_member(&mut tx, &workspace, actor).await?;
    rules::manage_stages(me.role)?;
    let stage = find_stage(&mut tx, &workspace, stage).await?;
    let projects = store::projects::delete_stage(&mut tx, stage.id).await?;
    record(
        app,
        &mut tx,
        workspace.id,
        actor,
        Change {
            action: "stage.delete",
            target: stage_target(&stage),
            before: Some(json!({ "name": stage.name, "color": stage.color.as_str() })),
            after: Some(json!({ "projects_left_without_stage": projects })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok((stage, projects))
}

// ---------------------------------------------------------------------------------------
// Projects
// ---------------------------------------------------------------------------------------

/// Creates a project (private unless said otherwise); its creator becomes its project
/// manager. Who may is set by who_can_create_projects.
pub async fn create_project(
    app: &App,
    actor: &Actor,
    input: CreateProject,
) -> AppResult<ProjectView> {
    let workspace = workspace_of(app, actor).await?;
    let mut tx = begin_locked(app, &workspace).await?;
    let me = active_member(&mut tx, &workspace, actor).await?;
    let settings = store::workspaces::load_settings(&mut tx, workspace.id).await?;
    rules::create_project(me.role, &settings)?;
    let name = Name::parse(Kind::Project, &input.name)?;
    let client = match &input.client {
        Some(raw) if !raw.trim().is_empty() => Some(live_client(&mut tx, &workspace, raw).await?),
        _ => None,
    };
    let color = match &input.color {
        Some(raw) => Color::parse(raw)?,
        None => {
            let count = store::projects::count_projects(&mut tx, workspace.id).await?;
            Color::nth(usize::try_from(count).unwrap_or(0))
        }
    };
    let id = store::projects::insert_project(
        &mut tx,
        store::projects::NewProject {
            workspace_id: workspace.id,
            name: name.as_str(),
            key: &name.key(),
            client_id: client.as_ref().map(|c| c.id),
            color: &color,
            privacy: input.privacy.unwrap_or(Privacy::Private),
            billable_default: input.billable_default.unwrap_or(false),
            created_by: me.id,
            now: app.clock.now(),
        },
    )
    .await
    .map_err(|e| {
        taken(e, || {
            format!("There is already a project named {name}; choose another name.")
        })
    })?;
    let (project, membership) = store::projects::find_project(&mut tx, workspace.id, id, me.id)
        .await?
        .ok_or_else(|| AppError::internal("project vanished after insert"))?;
    record(
        app,
        &mut tx,
        workspace.id,
        actor,
        Change {
            action: "project.create",
            target: project_target(&project),
            before: None,
            after: Some(Value::Object(project_fields(&project))),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(view(&project, &me, membership, &settings))
}

/// Edits a project: Owner/Admin on every project, project managers on their own. Money
/// budgets also need the right to edit rates.
pub async fn edit_project(
    app: &App,
    actor: &Actor,
    project: &str,
    edit: ProjectEdit,
) -> AppResult<ProjectView> {
    if edit.is_empty() {
        return Err(AppError::invalid(
            "Say what to change: name, client, privacy, billable default, budget, stage, color or due date.",
        ));
    }
    let workspace = workspace_of(app, actor).await?;
    let mut tx = begin_locked(app, &workspace).await?;
    let me = active_member(&mut tx, &workspace, actor).await?;
    let (before, membership) = visible_project(&mut tx, &workspace, &me, project).await?;
    let who = standing(&me, membership);
    rules::edit_project(who)?;
    let settings = store::workspaces::load_settings(&mut tx, workspace.id).await?;
    let mut after = before.clone();
    if let Some(raw) = &edit.name {
        after.name = Name::parse(Kind::Project, raw)?.into_string();
    }
    if let Some(client) = &edit.client {
        match client.as_deref().map(str::trim) {
            None | Some("") => {
                after.client_id = None;
                after.client_name = None;
            }
            Some(raw) => {
                let client = if before
                    .client_name
                    .as_deref()
                    .is_some_and(|n| rules::name_key(n) == rules::name_key(raw))
                {
                    None
                } else {
                    Some(live_client(&mut tx, &workspace, raw).await?)
                };
                if let Some(client) = client {
                    after.client_id = Some(client.id);
                    after.client_name = Some(client.name);
                }
            }
        }
    }
    if let Some(privacy) = edit.privacy {
        after.privacy = privacy;
    }
    if let Some(billable) = edit.billable_default {
        after.billable_default = billable;
    }
    if let Some(raw) = &edit.budget {
        let input = Budget::parse(raw)?;
        if input.budget.is_money() || before.budget.is_money() {
            rules::edit_project_rates(who, &settings)?;
        }
        if let Some(currency) = input.currency {
            if currency != after.currency && after.hourly_rate.is_some() {
                return Err(AppError::invalid(format!(
                    "{} counts money in {}: its hourly rate is in {}. Give the budget in {} too.",
                    after.name, after.currency, after.currency, after.currency
                )));
            }
            after.currency = currency;
        }
        after.budget = input.budget;
    }
    if let Some(stage) = &edit.stage {
        match stage.as_deref().map(str::trim) {
            None | Some("") | Some("none") => {
                after.stage_id = None;
                after.stage_name = None;
                after.stage_color = None;
            }
            Some(raw) => {
                let stage = find_stage(&mut tx, &workspace, raw).await?;
                after.stage_id = Some(stage.id);
                after.stage_name = Some(stage.name);
                after.stage_color = Some(stage.color);
            }
        }
    }
    if let Some(raw) = &edit.color {
        after.color = Color::parse(raw)?;
    }
    if let Some(due) = &edit.due_date {
        after.due_date = match due.as_deref().map(str::trim) {
            None | Some("") | Some("none") => None,
            Some(raw) => Some(rules::parse_due_date(raw)?),
        };
    }
    let Some((was, now)) = project_diff(&before, &after) else {
        return Ok(view(&before, &me, membership, &settings));
    };
    store::projects::update_project(&mut tx, &after)
        .await
        .map_err(|e| {
            taken(e, || {
                format!(
                    "There is already a project named {}; choose another name.",
                    after.name
                )
            })
        })?;
    record(
        app,
        &mut tx,
        workspace.id,
        actor,
        Change {
            action: "project.edit",
            target: project_target(&before),
            before: Some(was),
            after: Some(now),
        },
    )
    .await?;
    let shown = reload_view(&mut tx, &workspace, &me, before.id, &settings).await?;
    tx.commit().await?;
    Ok(shown)
}

/// Puts a project in one of the workspace's stages, or in none.
pub async fn set_project_stage(
    app: &App,
    actor: &Actor,
    project: &str,
    stage: Option<&str>,
) -> AppResult<ProjectView> {
    let edit = ProjectEdit {
        stage: Some(stage.map(str::to_string)),
        ..ProjectEdit::default()
    };
    edit_project(app, actor, project, edit).await
}

/// Sets the project's hourly rate (`85`, `85.50 EUR`, `€85`) or clears it (`none`): Owner/
/// Admin, and project managers when who_can_see_rates is anyone.
pub async fn set_rate(
    app: &App,
    actor: &Actor,
    project: &str,
    rate: &str,
) -> AppResult<ProjectView> {
    let workspace = workspace_of(app, actor).await?;
    let mut tx = begin_locked(app, &workspace).await?;
    let me = active_member(&mut tx, &workspace, actor).await?;
    let (before, membership) = visible_project(&mut tx, &workspace, &me, project).await?;
    let settings = store::workspaces::load_settings(&mut tx, workspace.id).await?;
    rules::edit_project_rates(standing(&me, membership), &settings)?;
    let mut after = before.clone();
    if matches!(
        rate.trim().to_lowercase().as_str(),
        "none" | "no" | "clear" | "remove" | ""
    ) {
        after.hourly_rate = None;
    } else {
        let (money, typed) = Money::parse(rate, &before.currency)?;
        if typed && money.currency != before.currency {
            if before.budget.is_money() {
                return Err(AppError::invalid(format!(
                    "{} counts money in {}: its budget is in {}. Give the rate in {} too.",
                    before.name, before.currency, before.currency, before.currency
                )));
            }
            after.currency = money.currency.clone();
        }
        after.hourly_rate = Some(money.minor);
    }
    let Some((was, now)) = project_diff(&before, &after) else {
        return Ok(view(&before, &me, membership, &settings));
    };
    store::projects::update_project(&mut tx, &after).await?;
    record(
        app,
        &mut tx,
        workspace.id,
        actor,
        Change {
            action: "project.rate",
            target: project_target(&before),
            before: Some(was),
            after: Some(now),
        },
    )
    .await?;
    let shown = reload_view(&mut tx, &workspace, &me, before.id, &settings).await?;
    tx.commit().await?;
    Ok(shown)
}

/// Archives a project (hidden from lists and pickers; no new time) or brings it back.
pub async fn set_project_archived(
    app: &App,
    actor: &Actor,
    project: &str,
    archived: bool,
) -> AppResult<ProjectView> {
    let workspace = workspace_of(app, actor).await?;
    let mut tx = begin_locked(app, &workspace).await?;
    let me = active_member(&mut tx, &workspace, actor).await?;
    let (before, membership) = visible_project(&mut tx, &workspace, &me, project).await?;
    rules::archive_project(standing(&me, membership))?;
    if before.archived == archived {
        return Err(AppError::invalid(format!(
            "{} is already {}.",
            before.name,
            if archived { "archived" } else { "active" }
        )));
    }
    let settings = store::workspaces::load_settings(&mut tx, workspace.id).await?;
    let after = Project {
        archived,
        ..before.clone()
    };
    store::projects::update_project(&mut tx, &after)
        .await
        .map_err(|e| {
            taken(e, || {
                format!(
                    "Another active project is named {}; rename one of them first.",
                    before.name
                )
            })
        })?;
    record(
        app,
        &mut tx,
        workspace.id,
        actor,
        Change {
            action: if archived {
                "project.archive"
            } else {
                "project.unarchive"
            },
            target: project_target(&before),
            before: Some(json!({ "archived": before.archived })),
            after: Some(json!({ "archived": archived })),
        },
    )
    .await?;
    let shown = reload_view(&mut tx, &workspace, &me, before.id, &settings).await?;
    tx.commit().await?;
    Ok(shown)
}

/// Whether the actor may delete `project`, changing nothing (so the adapter asks for
/// confirmation only when the answer would be yes). Tracked time is checked on delete.
pub async fn check_delete_project(
    app: &App,
    actor: &Actor,
    project: &str,
) -> AppResult<ProjectView> {
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    let (found, membership) = visible_project(&mut conn, &workspace, &me, project).await?;
    rules::delete_project(standing(&me, membership))?;
    let settings = store::workspaces::load_settings(&mut conn, workspace.id).await?;
    Ok(view(&found, &me, membership, &settings))
}

/// Deletes a project with its tasks and memberships (the adapter asks for confirmation
/// first). A project with tracked time can't be deleted; archive it instead.
pub async fn delete_project(app: &App, actor: &Actor, project: &str) -> AppResult<ProjectView> {
    let workspace = workspace_of(app, actor).await?;
    let mut tx = begin_locked(app, &workspace).await?;
    let me = active_member(&mut tx, &workspace, actor).await?;
    let (before, membership) = visible_project(&mut tx, &workspace, &me, project).await?;
    rules::delete_project(standing(&me, membership))?;
    let settings = store::workspaces::load_settings(&mut tx, workspace.id).await?;
    if let Err(err) = store::projects::delete_project(&mut tx, before.id).await {
        let in_use = matches!(&err, StoreError::Database(db) if db.is_foreign_key_violation());
        return Err(if in_use {
            AppError::conflict(format!(
                "{} has tracked time, which reports need; archive it instead.",
                before.name
            ))
        } else {
            err.into()
        });
    }
    record(
        app,
        &mut tx,
        workspace.id,
        actor,
        Change {
            action: "project.delete",
            target: project_target(&before),
            before: Some(Value::Object(project_fields(&before))),
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(view(&before, &me, membership, &settings))
}

/// One project as the actor may see it, with its people and task counts.
pub async fn info(app: &App, actor: &Actor, project: &str) -> AppResult<ProjectInfo> {
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    let (project, membership) = visible_project(&mut conn, &workspace, &me, project).await?;
    let settings = store::workspaces::load_settings(&mut conn, workspace.id).await?;
    let mut managers = Vec::new();
    let mut members = Vec::new();
    for (member_id, role) in store::projects::project_people(&mut conn, project.id).await? {
        let Some(member) = store::members::find(&mut conn, member_id).await? else {
            continue;
        };
        if !member.active {
            continue;
        }
        match role {
            Membership::Manager => managers.push(member),
            _ => members.push(member),
        }
    }
    let by_name = |a: &Member, b: &Member| {
        a.display_name
            .to_lowercase()
            .cmp(&b.display_name.to_lowercase())
    };
    managers.sort_by(by_name);
    members.sort_by(by_name);
    let (open_tasks, done_tasks) = store::projects::count_tasks(&mut conn, project.id).await?;
    Ok(ProjectInfo {
        project: view(&project, &me, membership, &settings),
        managers,
        members,
        open_tasks,
        done_tasks,
    })
}

/// The projects the actor may see, by name; archived ones only when asked, and only those
/// of one client when `client` names one.
pub async fn list_projects(
    app: &App,
    actor: &Actor,
    include_archived: bool,
    client: Option<&str>,
) -> AppResult<Vec<ProjectView>> {
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    guard_guest(&me)?;
    let see_all = rules::project_scope(me.role) == ProjectScope::All;
    let client_id = match client {
        Some(raw) => Some(
            find_named(&mut conn, &workspace, NamedTable::Clients, raw)
                .await?
                .id,
        ),
        None => None,
    };
    let settings = store::workspaces::load_settings(&mut conn, workspace.id).await?;
    let projects =
        store::projects::list_projects(&mut conn, workspace.id, me.id, see_all, include_archived)
            .await?;
    Ok(projects
        .iter()
        .filter(|(p, m)| rules::can_see_project(standing(&me, *m), p.privacy))
        .filter(|(p, _)| client_id.is_none() || p.client_id == client_id)
        .map(|(p, m)| view(p, &me, *m, &settings))
        .collect())
}

/// Autocomplete for projects: live projects the actor may see whose name contains
/// `partial`, those starting with it first. Never a private project they may not see;
/// nothing for Guests.
pub async fn suggest_projects(
    app: &App,
    actor: &Actor,
    partial: &str,
    limit: u32,
) -> AppResult<Vec<Suggestion>> {
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    let see_all = match rules::project_scope(me.role) {
        ProjectScope::All => true,
        ProjectScope::PublicOrOwn => false,
        ProjectScope::Nothing => return Ok(Vec::new()),
    };
    let projects = store::projects::suggest_projects(
        &mut conn,
        workspace.id,
        me.id,
        see_all,
        &rules::name_key(partial),
        limit_of(limit),
    )
    .await?;
    Ok(projects
        .into_iter()
        .filter(|(p, m)| rules::can_see_project(standing(&me, *m), p.privacy))
        .map(|(p, _)| Suggestion {
            label: match &p.client_name {
                Some(client) => clip(&format!("{} · {client}", p.name), 99),
                None => clip(&p.name, 99),
            },
            value: format!("#{}", p.id),
        })
        .collect())
}

/// The project named `project_name` (a name or `#id`) if the actor may track time to it;
/// otherwise a refusal that says why. For adapters; the time-entry use cases use the
/// in-transaction form.
pub async fn project_for_tracking(
    app: &App,
    actor: &Actor,
    project_name: &str,
) -> AppResult<ProjectView> {
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    let (project, membership) =
        project_for_tracking_in(&mut conn, &workspace, &me, project_name).await?;
    let settings = store::workspaces::load_settings(&mut conn, workspace.id).await?;
    Ok(view(&project, &me, membership, &settings))
}

// ---------------------------------------------------------------------------------------
// Project members and project managers
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PeopleChange {
    AddMember,
    RemoveMember,
    AddManager,
    RemoveManager,
}

impl PeopleChange {
    fn apply(self, from: Membership) -> Membership {
        match (self, from) {
            (PeopleChange::AddMember, Membership::None) => Membership::Member,
            (PeopleChange::AddMember, other) => other,
            (PeopleChange::RemoveMember, _) => Membership::None,
            (PeopleChange::AddManager, _) => Membership::Manager,
            (PeopleChange::RemoveManager, Membership::Manager) => Membership::Member,
            (PeopleChange::RemoveManager, other) => other,
        }
    }

    fn action(self) -> &'static str {
        match self {
            PeopleChange::AddMember => "project.member_add",
            PeopleChange::RemoveMember => "project.member_remove",
            PeopleChange::AddManager => "project.manager_add",
            PeopleChange::RemoveManager => "project.manager_remove",
        }
    }
}

async fn change_people(
    app: &App,
    actor: &Actor,
    project: &str,
    user: UserId,
    change: PeopleChange,
) -> AppResult<ProjectMemberChanged> {
    let workspace = workspace_of(app, actor).await?;
    let mut tx = begin_locked(app, &workspace).await?;
    let me = active_member(&mut tx, &workspace, actor).await?;
    let (project, membership) = visible_project(&mut tx, &workspace, &me, project).await?;
    rules::manage_project_members(standing(&me, membership))?;
    let adding = matches!(change, PeopleChange::AddMember | PeopleChange::AddManager);
    let target = if adding {
        active_member_by_user(&mut tx, &workspace, user).await?
    } else {
        member_by_user(&mut tx, &workspace, user).await?
    };
    if adding {
        rules::may_join_project(target.role, &target.display_name)?;
    }
    let from = store::projects::membership(&mut tx, project.id, target.id).await?;
    let to = change.apply(from);
    let changed = from != to;
    if changed {
        store::projects::set_membership(&mut tx, project.id, target.id, to, app.clock.now())
            .await?;
        record(
            app,
            &mut tx,
            workspace.id,
            actor,
            Change {
                action: change.action(),
                target: project_target(&project),
                before: Some(
                    json!({ "member": member_target(&target), "on_project": from.as_str() }),
                ),
                after: Some(json!({ "member": member_target(&target), "on_project": to.as_str() })),
            },
        )
        .await?;
    }
    let settings = store::workspaces::load_settings(&mut tx, workspace.id).await?;
    let shown = reload_view(&mut tx, &workspace, &me, project.id, &settings).await?;
    tx.commit().await?;
    Ok(ProjectMemberChanged {
        project: shown,
        member: target,
        from,
        to,
        changed,
    })
}

/// Puts someone on the project (a project manager stays one).
pub async fn add_project_member(
    app: &App,
    actor: &Actor,
    project: &str,
    user: UserId,
) -> AppResult<ProjectMemberChanged> {
    change_people(app, actor, project, user, PeopleChange::AddMember).await
}

/// Takes someone off the project, as member and as project manager. Removing the last
/// project manager is allowed: the Owner and Admins still manage every project.
pub async fn remove_project_member(
    app: &App,
    actor: &Actor,
    project: &str,
    user: UserId,
) -> AppResult<ProjectMemberChanged> {
    change_people(app, actor, project, user, PeopleChange::RemoveMember).await
}

/// Makes someone a project manager (putting them on the project if needed).
pub async fn add_project_manager(
    app: &App,
    actor: &Actor,
    project: &str,
    user: UserId,
) -> AppResult<ProjectMemberChanged> {
    change_people(app, actor, project, user, PeopleChange::AddManager).await
}

/// Takes the project-manager capability away; the person stays a project member.
pub async fn remove_project_manager(
    app: &App,
    actor: &Actor,
    project: &str,
    user: UserId,
) -> AppResult<ProjectMemberChanged> {
    change_people(app, actor, project, user, PeopleChange::RemoveManager).await
}

// ---------------------------------------------------------------------------------------
// Tasks
// ---------------------------------------------------------------------------------------

/// Adds a task to a project: Owner/Admin, the project's managers always, others by
/// who_can_create_tasks.
pub async fn create_task(app: &App, actor: &Actor, project: &str, name: &str) -> AppResult<Task> {
    let workspace = workspace_of(app, actor).await?;
    let mut tx = begin_locked(app, &workspace).await?;
    let me = active_member(&mut tx, &workspace, actor).await?;
    let (project, membership) = visible_project(&mut tx, &workspace, &me, project).await?;
    let settings = store::workspaces::load_settings(&mut tx, workspace.id).await?;
    rules::create_task(standing(&me, membership), &settings)?;
    if project.archived {
        return Err(AppError::invalid(format!(
            "{} is archived; unarchive it before adding tasks.",
            project.name
        )));
    }
    let name = Name::parse(Kind::Task, name)?;
    let task = store::projects::insert_task(
        &mut tx,
        workspace.id,
        project.id,
        name.as_str(),
        &name.key(),
        me.id,
        app.clock.now(),
    )
    .await
    .map_err(|e| {
        taken(e, || {
            format!("{} already has a task named {name}.", project.name)
        })
    })?;
    record(
        app,
        &mut tx,
        workspace.id,
        actor,
        Change {
            action: "task.create",
            target: task_target(&task, &project),
            before: None,
            after: Some(json!({ "name": task.name })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(task)
}

/// The tasks of a project the actor may see: open, then done; archived only when asked.
pub async fn list_tasks(
    app: &App,
    actor: &Actor,
    project: &str,
    include_archived: bool,
) -> AppResult<Vec<Task>> {
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    let (project, _) = visible_project(&mut conn, &workspace, &me, project).await?;
    Ok(store::projects::list_tasks(&mut conn, project.id, include_archived).await?)
}

/// A project the actor may see, as they see it, with its tasks (open, then done; archived
/// only when asked): what a task list shows under the project's name.
pub async fn project_tasks(
    app: &App,
    actor: &Actor,
    project: &str,
    include_archived: bool,
) -> AppResult<(ProjectView, Vec<Task>)> {
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    let (project, membership) = visible_project(&mut conn, &workspace, &me, project).await?;
    let settings = store::workspaces::load_settings(&mut conn, workspace.id).await?;
    let tasks = store::projects::list_tasks(&mut conn, project.id, include_archived).await?;
    Ok((view(&project, &me, membership, &settings), tasks))
}

pub async fn rename_task(
    app: &App,
    actor: &Actor,
    project: &str,
    task: &str,
    new_name: &str,
) -> AppResult<Task> {
    let workspace = workspace_of(app, actor).await?;
    let mut tx = begin_locked(app, &workspace).await?;
    let me = active_member(&mut tx, &workspace, actor).await?;
    let (project, membership) = visible_project(&mut tx, &workspace, &me, project).await?;
    let task = find_task(&mut tx, &project, task).await?;
    let settings = store::workspaces::load_settings(&mut tx, workspace.id).await?;
    rules::tidy_task(
        standing(&me, membership),
        &settings,
        task.created_by == me.id,
    )?;
    let name = Name::parse(Kind::Task, new_name)?;
    if name.as_str() == task.name {
        return Ok(task);
    }
    store::projects::rename_task(&mut tx, task.id, name.as_str(), &name.key())
        .await
        .map_err(|e| {
            taken(e, || {
                format!("{} already has a task named {name}.", project.name)
            })
        })?;
    record(
        app,
        &mut tx,
        workspace.id,
        actor,
        Change {
            action: "task.rename",
            target: task_target(&task, &project),
            before: Some(json!({ "name": task.name })),
            after: Some(json!({ "name": name.as_str() })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Task {
        name: name.into_string(),
        ..task
    })
}

/// Marks a task done, or reopens it: whoever may track time to its project.
pub async fn set_task_done(
    app: &App,
    actor: &Actor,
    project: &str,
    task: &str,
    done: bool,
) -> AppResult<Task> {
    let workspace = workspace_of(app, actor).await?;
    let mut tx = begin_locked(app, &workspace).await?;
    let me = active_member(&mut tx, &workspace, actor).await?;
    let (project, membership) = visible_project(&mut tx, &workspace, &me, project).await?;
    rules::mark_task(standing(&me, membership), project.privacy, &project.name)?;
    let task = find_task(&mut tx, &project, task).await?;
    if task.done == done {
        return Err(AppError::invalid(format!(
            "{} is already {}.",
            task.name,
            if done { "done" } else { "open" }
        )));
    }
    let done_at = done.then(|| app.clock.now());
    store::projects::set_task_done(&mut tx, task.id, done_at).await?;
    record(
        app,
        &mut tx,
        workspace.id,
        actor,
        Change {
            action: if done { "task.done" } else { "task.reopen" },
            target: task_target(&task, &project),
            before: Some(json!({ "done": task.done })),
            after: Some(json!({ "done": done })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Task {
        done,
        done_at,
        ..task
    })
}

pub async fn set_task_archived(
    app: &App,
    actor: &Actor,
    project: &str,
    task: &str,
    archived: bool,
) -> AppResult<Task> {
    let workspace = workspace_of(app, actor).await?;
    let mut tx = begin_locked(app, &workspace).await?;
    let me = active_member(&mut tx, &workspace, actor).await?;
    let (project, membership) = visible_project(&mut tx, &workspace, &me, project).await?;
    let task = find_task(&mut tx, &project, task).await?;
    let settings = store::workspaces::load_settings(&mut tx, workspace.id).await?;
    rules::tidy_task(
        standing(&me, membership),
        &settings,
        task.created_by == me.id,
    )?;
    if task.archived == archived {
        return Err(AppError::invalid(format!(
            "{} is already {}.",
            task.name,
            if archived { "archived" } else { "in use" }
        )));
    }
    store::projects::set_task_archived(&mut tx, task.id, archived)
        .await
        .map_err(|e| {
            taken(e, || {
                format!(
                    "{} already has a task named {}; rename one of them first.",
                    project.name, task.name
                )
            })
        })?;
    record(
        app,
        &mut tx,
        workspace.id,
        actor,
        Change {
            action: if archived {
                "task.archive"
            } else {
                "task.unarchive"
            },
            target: task_target(&task, &project),
            before: Some(json!({ "archived": task.archived })),
            after: Some(json!({ "archived": archived })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Task { archived, ..task })
}

/// Autocomplete for the tasks of a project: live tasks whose name contains `partial`, open
/// before done. Nothing when the project is unknown or one the actor may not see.
pub async fn suggest_tasks(
    app: &App,
    actor: &Actor,
    project: &str,
    partial: &str,
    limit: u32,
) -> AppResult<Vec<Suggestion>> {
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    let project = match visible_project(&mut conn, &workspace, &me, project).await {
        Ok((project, _)) => project,
        Err(AppError::Internal(internal)) => return Err(AppError::Internal(internal)),
        Err(_) => return Ok(Vec::new()),
    };
    let tasks = store::projects::suggest_tasks(
        &mut conn,
        project.id,
        &rules::name_key(partial),
        limit_of(limit),
    )
    .await?;
    Ok(tasks
        .into_iter()
        .map(|task| Suggestion {
            label: if task.done {
                clip(&format!("{} (done)", task.name), 99)
            } else {
                clip(&task.name, 99)
            },
            value: format!("#{}", task.id),
        })
        .collect())
}
