//! `/tag …`: the workspace's tags. Every member but Guests sees them, so changes are
//! confirmed publicly; lists are private.

use crewclock::app::projects;

use super::{paginate, pickers, private, public};
use crate::context::{actor, Context, Error};
use crate::render;

/// The workspace's tags for time entries
#[poise::command(
    slash_command,
    guild_only,
    subcommands("create", "list", "rename", "archive", "unarchive"),
    subcommand_required
)]
pub async fn tag(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

fn shown(name: &str) -> String {
    format!("**{}**", render::safe(name, 100))
}

/// Create a tag
#[poise::command(slash_command, guild_only)]
async fn create(
    ctx: Context<'_>,
    #[description = "The tag's name"]
    #[max_length = 100]
    name: String,
) -> Result<(), Error> {
    let tag = projects::create_tag(&ctx.data().app, &actor(ctx), &name).await?;
    public(
        ctx,
        format!(
            "Tag {} created; time entries can carry it.",
            shown(&tag.name)
        ),
    )
    .await
}

/// List the workspace's tags
#[poise::command(slash_command, guild_only)]
async fn list(
    ctx: Context<'_>,
    #[description = "Also show archived tags"]
    #[rename = "include-archived"]
    include_archived: Option<bool>,
) -> Result<(), Error> {
    let tags = projects::list_tags(
        &ctx.data().app,
        &actor(ctx),
        include_archived.unwrap_or(false),
    )
    .await?;
    if tags.is_empty() {
        return private(ctx, "No tags to show (archived ones show with include-archived). Create one with `/tag create`.").await;
    }
    let lines: Vec<String> = tags
        .iter()
        .map(|c| {
            let state = if c.archived { " (archived)" } else { "" };
            format!("`#{}` {}{state}", c.id, shown(&c.name))
        })
        .collect();
    paginate(ctx, &format!("Tags ({})", tags.len()), lines, true).await
}

/// Rename a tag
#[poise::command(slash_command, guild_only)]
async fn rename(
    ctx: Context<'_>,
    #[description = "The tag"]
    #[autocomplete = "pickers::tag"]
    #[max_length = 100]
    tag: String,
    #[description = "Its new name"]
    #[rename = "new-name"]
    #[max_length = 100]
    new_name: String,
) -> Result<(), Error> {
    let tag = projects::rename_tag(&ctx.data().app, &actor(ctx), &tag, &new_name).await?;
    public(ctx, format!("Tag renamed to {}.", shown(&tag.name))).await
}

/// Archive a tag: hidden from pickers; entries keep it
#[poise::command(slash_command, guild_only)]
async fn archive(
    ctx: Context<'_>,
    #[description = "The tag"]
    #[autocomplete = "pickers::tag"]
    #[max_length = 100]
    tag: String,
) -> Result<(), Error> {
    let tag = projects::set_tag_archived(&ctx.data().app, &actor(ctx), &tag, true).await?;
    public(
        ctx,
        format!(
            "Tag {} archived; entries that carry it keep it. `/tag unarchive` brings it back.",
            shown(&tag.name)
        ),
    )
    .await
}

/// Bring an archived tag back
#[poise::command(slash_command, guild_only)]
async fn unarchive(
    ctx: Context<'_>,
    #[description = "The archived tag"]
    #[autocomplete = "pickers::archived_tag"]
    #[max_length = 100]
    tag: String,
) -> Result<(), Error> {
    let tag = projects::set_tag_archived(&ctx.data().app, &actor(ctx), &tag, false).await?;
    public(ctx, format!("Tag {} is in use again.", shown(&tag.name))).await
}
