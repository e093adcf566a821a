//! Links between workspace roles and Discord roles (the syncing is the adapter's job).

use serde_json::json;

use super::audit::{record, Change};
use super::{active_member, begin_locked, workspace_of, Actor, App, AppError, AppResult};
use crate::domain::{policy, DiscordRoleId, Role};
use crate::store;

pub async fn link(
    app: &App,
    actor: &Actor,
    role: Role,
    discord_role: DiscordRoleId,
) -> AppResult<Option<DiscordRoleId>> {
    let workspace = workspace_of(app, actor).await?;
    let mut tx = begin_locked(app, &workspace).await?;
    let me = active_member(&mut tx, &workspace, actor).await?;
    policy::link_discord_role(me.role, role)?;
    let links = store::role_links::list(&mut tx, workspace.id).await?;
    if let Some((other, _)) = links.iter().find(|(r, d)| *d == discord_role && *r != role) {
        return Err(AppError::conflict(format!(
            "That Discord role is already linked to the {} role. Unlink it first with /workspace unlink-role.",
            other.label()
        )));
    }
    let previous = links.iter().find(|(r, _)| *r == role).map(|(_, d)| *d);
    if previous == Some(discord_role) {
        return Ok(previous);
    }
    store::role_links::upsert(&mut tx, workspace.id, role, discord_role, app.clock.now()).await?;
    record(
        app,
        &mut tx,
        workspace.id,
        actor,
        Change {
            action: "role_link.set",
            target: format!("role {}", role.as_str()),
            before: previous.map(|d| json!(d.to_string())),
            after: Some(json!(discord_role.to_string())),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(previous)
}

pub async fn unlink(app: &App, actor: &Actor, role: Role) -> AppResult<DiscordRoleId> {
    let workspace = workspace_of(app, actor).await?;
    let mut tx = begin_locked(app, &workspace).await?;
    let me = active_member(&mut tx, &workspace, actor).await?;
    policy::link_discord_role(me.role, role)?;
    let removed = store::role_links::remove(&mut tx, workspace.id, role)
        .await?
        .ok_or_else(|| {
            AppError::not_found(format!(
                "The {} role is not linked to a Discord role.",
                role.label()
            ))
        })?;
    record(
        app,
        &mut tx,
        workspace.id,
        actor,
        Change {
            action: "role_link.remove",
            target: format!("role {}", role.as_str()),
            before: Some(json!(removed.to_string())),
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(removed)
}

pub async fn list(app: &App, actor: &Actor) -> AppResult<Vec<(Role, DiscordRoleId)>> {
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    policy::view_settings(me.role)?;
    Ok(store::role_links::list(&mut conn, workspace.id).await?)
}
