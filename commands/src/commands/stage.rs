//! `/stage …`: the workspace's project stages (a name and a color each), which
//! `/project stage` puts projects in. The Owner and Admins change them; changes are
//! confirmed publicly, the list privately.

use crewclock::app::projects;

use super::{confirm, paginate, pickers, private, public, update};
use crate::context::{actor, Context, Error};
use crate::render;

/// The workspace's project stages
#[poise::command(
    slash_command,
    guild_only,
    subcommands("create", "list", "rename", "recolor", "delete"),
    subcommand_required
)]
pub async fn stage(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

fn shown(name: &str) -> String {
    format!("**{}**", render::safe(name, 100))
}

/// Add a project stage at the end of the workspace's list
#[poise::command(slash_command, guild_only)]
async fn create(
    ctx: Context<'_>,
    #[description = "The stage's name, like Proposal or In progress"]
    #[max_length = 100]
    name: String,
    #[description = "A color: a name or a hex color like #3b82f6 (the next palette color if left out)"]
    #[autocomplete = "pickers::color"]
    #[max_length = 20]
    color: Option<String>,
) -> Result<(), Error> {
    let stage =
        projects::create_stage(&ctx.data().app, &actor(ctx), &name, color.as_deref()).await?;
    public(
        ctx,
        format!(
            "Stage {} (`{}`) added. Put projects in it with `/project stage`.",
            shown(&stage.name),
            stage.color
        ),
    )
    .await
}

/// List the workspace's project stages
#[poise::command(slash_command, guild_only)]
async fn list(ctx: Context<'_>) -> Result<(), Error> {
    let stages = projects::list_stages(&ctx.data().app, &actor(ctx)).await?;
    if stages.is_empty() {
        return private(
            ctx,
            "No project stages yet. The Owner or an Admin adds them with `/stage create`.",
        )
        .await;
    }
    let lines: Vec<String> = stages
        .iter()
        .enumerate()
        .map(|(i, s)| format!("{}. {} `{}`", i + 1, shown(&s.name), s.color))
        .collect();
    paginate(ctx, "Project stages", lines, true).await
}

/// Rename a project stage
#[poise::command(slash_command, guild_only)]
async fn rename(
    ctx: Context<'_>,
    #[description = "The stage"]
    #[autocomplete = "pickers::stage"]
    #[max_length = 100]
    stage: String,
    #[description = "Its new name"]
    #[rename = "new-name"]
    #[max_length = 100]
    new_name: String,
) -> Result<(), Error> {
    let stage = projects::rename_stage(&ctx.data().app, &actor(ctx), &stage, &new_name).await?;
    public(ctx, format!("Stage renamed to {}.", shown(&stage.name))).await
}

/// Change a project stage's color
#[poise::command(slash_command, guild_only)]
async fn recolor(
    ctx: Context<'_>,
    #[description = "The stage"]
    #[autocomplete = "pickers::stage"]
    #[max_length = 100]
    stage: String,
    #[description = "A color: a name or a hex color like #3b82f6"]
    #[autocomplete = "pickers::color"]
    #[max_length = 20]
    color: String,
) -> Result<(), Error> {
    let stage = projects::recolor_stage(&ctx.data().app, &actor(ctx), &stage, &color).await?;
    public(
        ctx,
        format!("Stage {} is now `{}`.", shown(&stage.name), stage.color),
    )
    .await
}

/// Delete a project stage; projects in it are left without a stage
#[poise::command(slash_command, guild_only)]
async fn delete(
    ctx: Context<'_>,
    #[description = "The stage"]
    #[autocomplete = "pickers::stage"]
    #[max_length = 100]
    stage: String,
) -> Result<(), Error> {
    // Check the right first, so nobody is asked to confirm what they may not do.
    let found = projects::check_delete_stage(&ctx.data().app, &actor(ctx), &stage).await?;
    let question = format!(
        "Delete the stage {}? Projects in it are left without a stage.",
        shown(&found.name)
    );
    let Some(press) = confirm(ctx, &question, "Delete stage").await? else {
        return Ok(());
    };
    match projects::delete_stage(&ctx.data().app, &actor(ctx), &format!("#{}", found.id)).await {
        Ok((deleted, projects)) => {
            let left = match projects {
                0 => String::new(),
                1 => " 1 project has no stage now.".to_string(),
                n => format!(" {n} projects have no stage now."),
            };
            update(
                ctx,
                &press,
                &format!("Stage {} deleted.{left}", shown(&deleted.name)),
            )
            .await
        }
        Err(e) => update(ctx, &press, &e.user_message()).await,
    }
}
