//! Signed links to a shared project's guest page (`/p/<token>`): creating one for a guest (or
//! a member previewing what the guests see), and reading the page when the link is opened.
//!
//! A project link is a row of `report_links` with kind [`LinkKind::Project`], owned by the
//! person it was made for. It names the project and the share it was made under, so it works
//! only while that very share lives and its owner is still one of its guests (or, for a
//! member, may still see the project): a share revoked and later shared again needs new links.
//! The page is computed with the owner's rights each time it is opened, through
//! [`sharing::card_for_guest`] and [`sharing::chat`], so it shows exactly the shared fields and
//! the guest chat, never the members chat, rates or people beyond the chat's authors.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::me;
use super::projects::{visible_project, Suggestion};
use super::report_links::{self, IssuedLink, LinkOptions, LinkSettings, NewLink, ValidLink};
use super::sharing::{self, ChatLine};
use super::{active_member, workspace_of, Actor, App, AppError, AppResult};
use crate::domain::links::LinkKind;
use crate::domain::projects::name_key;
use crate::domain::sharing::ProjectCard;
use crate::domain::Role;
use crate::store;
use crate::store::sharing::ChatKind;

/// What a project link's row carries: the project and the share it was made under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct ProjectLinkQuery {
    project: i64,
    share: i64,
}

/// A new project link and the project it opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectLink {
    pub project: String,
    /// The shared fields, as people read them ("stage, due date").
    pub fields: String,
    pub link: IssuedLink,
}

/// Creates a link to the guest page of `project` for the actor: a Guest, for a project shared
/// with them; anyone else in the workspace, for a shared project they may see (to check what
/// the guests see). Refused when the project isn't shared (now).
pub async fn create(
    app: &App,
    actor: &Actor,
    settings: &LinkSettings,
    project: &str,
) -> AppResult<ProjectLink> {
    let shared = sharing::card_for_guest(app, actor, project).await?;
    issue_for(app, actor, actor, settings, shared).await
}

/// Creates a guest's own link to the page of `project` as `/share project` shares it with
/// them: owned by the guest (it shows what they may see and ends with their access), made by
/// the sharer, who is named in the audit log. Refused when the project isn't shared with the
/// guest.
pub async fn create_for_guest(
    app: &App,
    sharer: &Actor,
    guest: &Actor,
    settings: &LinkSettings,
    project: &str,
) -> AppResult<ProjectLink> {
    let shared = sharing::card_for_guest(app, guest, project).await?;
    issue_for(app, sharer, guest, settings, shared).await
}

async fn issue_for(
    app: &App,
    made_by: &Actor,
    owner: &Actor,
    settings: &LinkSettings,
    shared: sharing::GuestProject,
) -> AppResult<ProjectLink> {
    let query = ProjectLinkQuery {
        project: shared.project_id,
        share: shared.share_id,
    };
    let query_json = serde_json::to_string(&query).map_err(AppError::internal)?;
    let link = report_links::create_for(
        app,
        made_by,
        owner,
        settings,
        NewLink {
            kind: LinkKind::Project,
            query_json,
            options: LinkOptions::default(),
        },
    )
    .await?;
    Ok(ProjectLink {
        fields: shared.card.fields.labels(),
        project: shared.card.project,
        link,
    })
}

/// The guest page of a project link, as its owner may see it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestPage {
    /// Only the fields the share exposes.
    pub card: ProjectCard,
    /// The guest chat, newest [`sharing::CHAT_PAGE`] messages, oldest first.
    pub chat: Vec<ChatLine>,
    /// The owner's time zone, for the times shown.
    pub time_zone: Tz,
    pub generated_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Reads the page of a valid project link. `NotFound` or `Denied` when the link's share has
/// ended, its owner is no longer its guest or can no longer see the project (the web answers
/// 410 Gone for both).
pub async fn page(app: &App, valid: &ValidLink) -> AppResult<GuestPage> {
    let query: ProjectLinkQuery = serde_json::from_str(&valid.query_json).map_err(|e| {
        AppError::internal(format!("project link {}: stored query: {e}", valid.link_id))
    })?;
    let project = format!("#{}", query.project);
    let shared = sharing::card_for_guest(app, &valid.owner, &project).await?;
    if shared.share_id != query.share || shared.project_id != query.project {
        return Err(AppError::not_found("That share has ended."));
    }
    let chat = sharing::chat(app, &valid.owner, &project, ChatKind::Guest).await?;
    let time_zone = me::prefs(app, &valid.owner).await?.time_zone;
    Ok(GuestPage {
        card: shared.card,
        chat,
        time_zone,
        generated_at: app.clock.now(),
        expires_at: valid.expires_at,
    })
}

/// Shared projects the actor may make a link for, whose name contains `partial` (those
/// starting with it first), as `#id` suggestions: a Guest's own shares, or the live shares of
/// projects a member may see.
pub async fn suggest_shared_projects(
    app: &App,
    actor: &Actor,
    partial: &str,
    limit: u32,
) -> AppResult<Vec<Suggestion>> {
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    let shares = if me.role == Role::Guest {
        store::sharing::live_shares_of_guest(&mut conn, me.id).await?
    } else {
        store::sharing::live_shares(&mut conn, workspace.id).await?
    };
    let key = name_key(partial);
    let mut found: Vec<(bool, String, Suggestion)> = Vec::new();
    for share in shares {
        let reference = format!("#{}", share.project_id);
        let name = if me.role == Role::Guest {
            match store::projects::find_project(&mut conn, workspace.id, share.project_id, 0)
                .await?
            {
                Some((project, _)) => project.name,
                None => continue,
            }
        } else {
            match visible_project(&mut conn, &workspace, &me, &reference).await {
                Ok((project, _)) => project.name,
                Err(AppError::NotFound(_) | AppError::Denied(_)) => continue,
                Err(other) => return Err(other),
            }
        };
        let name_key = name_key(&name);
        if !name_key.contains(&key) {
            continue;
        }
        found.push((
            !name_key.starts_with(&key),
            name_key,
            Suggestion {
                label: name,
                value: reference,
            },
        ));
    }
    found.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    Ok(found
        .into_iter()
        .map(|(_, _, s)| s)
        .take(limit as usize)
        .collect())
}
