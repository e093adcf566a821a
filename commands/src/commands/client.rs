//! `/client …`: the workspace's clients. Every member but Guests sees them, so changes are
//! confirmed publicly; lists are private.

use crewclock::app::projects;

use super::{paginate, pickers, private, public};
use crate::context::{actor, Context, Error};
use crate::render;

/// The workspace's clients
#[poise::command(
    slash_command,
    guild_only,
    subcommands("create", "list", "rename", "archive", "unarchive"),
    subcommand_required
)]
pub async fn client(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

fn shown(name: &str) -> String {
    format!("**{}**", render::safe(name, 100))
}

/// Create a client
#[poise::command(slash_command, guild_only)]
async fn create(
    ctx: Context<'_>,
    #[description = "The client's name"]
    #[max_length = 100]
    name: String,
) -> Result<(), Error> {
    let client = projects::create_client(&ctx.data().app, &actor(ctx), &name).await?;
    public(
        ctx,
        format!(
            "Client {} created. Put projects under it with `/project create client:` or `/project edit`.",
            shown(&client.name)
        ),
    )
    .await
}

/// List the workspace's clients
#[poise::command(slash_command, guild_only)]
async fn list(
    ctx: Context<'_>,
    #[description = "Also show archived clients"]
    #[rename = "include-archived"]
    include_archived: Option<bool>,
) -> Result<(), Error> {
    let clients = projects::list_clients(
        &ctx.data().app,
        &actor(ctx),
        include_archived.unwrap_or(false),
    )
    .await?;
    if clients.is_empty() {
        return private(ctx, "No clients to show (archived ones show with include-archived). Create one with `/client create`.").await;
    }
    let lines: Vec<String> = clients
        .iter()
        .map(|c| {
            let state = if c.archived { " (archived)" } else { "" };
            format!("`#{}` {}{state}", c.id, shown(&c.name))
        })
        .collect();
    paginate(ctx, &format!("Clients ({})", clients.len()), lines, true).await
}

/// Rename a client
#[poise::command(slash_command, guild_only)]
async fn rename(
    ctx: Context<'_>,
    #[description = "The client"]
    #[autocomplete = "pickers::client"]
    #[max_length = 100]
    client: String,
    #[description = "Its new name"]
    #[rename = "new-name"]
    #[max_length = 100]
    new_name: String,
) -> Result<(), Error> {
    let client = projects::rename_client(&ctx.data().app, &actor(ctx), &client, &new_name).await?;
    public(ctx, format!("Client renamed to {}.", shown(&client.name))).await
}

/// Archive a client: hidden from pickers; its projects keep it
#[poise::command(slash_command, guild_only)]
async fn archive(
    ctx: Context<'_>,
    #[description = "The client"]
    #[autocomplete = "pickers::client"]
    #[max_length = 100]
    client: String,
) -> Result<(), Error> {
    let client = projects::set_client_archived(&ctx.data().app, &actor(ctx), &client, true).await?;
    public(
        ctx,
        format!(
            "Client {} archived; its projects keep it. `/client unarchive` brings it back.",
            shown(&client.name)
        ),
    )
    .await
}

/// Bring an archived client back
#[poise::command(slash_command, guild_only)]
async fn unarchive(
    ctx: Context<'_>,
    #[description = "The archived client"]
    #[autocomplete = "pickers::archived_client"]
    #[max_length = 100]
    client: String,
) -> Result<(), Error> {
    let client =
        projects::set_client_archived(&ctx.data().app, &actor(ctx), &client, false).await?;
    public(
        ctx,
        format!("Client {} is in use again.", shown(&client.name)),
    )
    .await
}
