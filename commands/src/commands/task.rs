//! `/task …`: the tasks of a project. Replies are private: a task names its project, which
//! may be private, and the team sees tasks in `/task list` and `/project info`.

use crewclock::app::projects;

use super::{paginate, pickers, private};
use crate::context::{actor, Context, Error};
use crate::render;
use crate::sharing_posts::{self as posts, CardReason};

/// The tasks of a project
#[poise::command(
    slash_command,
    guild_only,
    subcommands("create", "list", "rename", "done", "reopen", "archive", "unarchive"),
    subcommand_required
)]
pub async fn task(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

fn shown(name: &str) -> String {
    format!("**{}**", render::safe(name, 100))
}

/// Add a task to a project
#[poise::command(slash_command, guild_only)]
async fn create(
    ctx: Context<'_>,
    #[description = "The project"]
    #[autocomplete = "pickers::project"]
    #[max_length = 100]
    project: String,
    #[description = "The task's name"]
    #[max_length = 100]
    name: String,
) -> Result<(), Error> {
    let task = projects::create_task(&ctx.data().app, &actor(ctx), &project, &name).await?;
    private(
        ctx,
        format!(
            "Task {} added (`#{}`). Mark it done with `/task done`.",
            shown(&task.name),
            task.id
        ),
    )
    .await
}

/// List a project's tasks
#[poise::command(slash_command, guild_only)]
async fn list(
    ctx: Context<'_>,
    #[description = "The project"]
    #[autocomplete = "pickers::project"]
    #[max_length = 100]
    project: String,
    #[description = "Also show archived tasks"]
    #[rename = "include-archived"]
    include_archived: Option<bool>,
) -> Result<(), Error> {
    let (view, tasks) = projects::project_tasks(
        &ctx.data().app,
        &actor(ctx),
        &project,
        include_archived.unwrap_or(false),
    )
    .await?;
    if tasks.is_empty() {
        return private(
            ctx,
            format!(
                "{} has no tasks yet. Add one with `/task create`.",
                shown(&view.name)
            ),
        )
        .await;
    }
    let lines: Vec<String> = tasks
        .iter()
        .map(|t| {
            let mark = if t.done { "☑" } else { "☐" };
            let mut line = format!("{mark} {}", shown(&t.name));
            if let Some(at) = t.done_at {
                line.push_str(&format!(" — done {}", render::date(at)));
            }
            if t.archived {
                line.push_str(" (archived)");
            }
            line
        })
        .collect();
    let open = tasks.iter().filter(|t| !t.done && !t.archived).count();
    let title = format!("Tasks of {} ({open} open)", render::safe(&view.name, 60));
    paginate(ctx, &title, lines, true).await
}

/// Rename a task
#[poise::command(slash_command, guild_only)]
async fn rename(
    ctx: Context<'_>,
    #[description = "The project"]
    #[autocomplete = "pickers::project"]
    #[max_length = 100]
    project: String,
    #[description = "The task"]
    #[autocomplete = "pickers::task"]
    #[max_length = 100]
    task: String,
    #[description = "Its new name"]
    #[rename = "new-name"]
    #[max_length = 100]
    new_name: String,
) -> Result<(), Error> {
    let task =
        projects::rename_task(&ctx.data().app, &actor(ctx), &project, &task, &new_name).await?;
    private(ctx, format!("Task renamed to {}.", shown(&task.name))).await
}

/// Mark a task done
#[poise::command(slash_command, guild_only)]
async fn done(
    ctx: Context<'_>,
    #[description = "The project"]
    #[autocomplete = "pickers::project"]
    #[max_length = 100]
    project: String,
    #[description = "The task"]
    #[autocomplete = "pickers::open_task"]
    #[max_length = 100]
    task: String,
) -> Result<(), Error> {
    let task = projects::set_task_done(&ctx.data().app, &actor(ctx), &project, &task, true).await?;
    let mut text = format!("Task {} is done.", shown(&task.name));
    // A shared project's guests see the new progress in their channel.
    if let Some(warning) = posts::post_live_card(
        ctx.http(),
        &ctx.data().app,
        task.project_id,
        CardReason::TaskDone,
    )
    .await
    {
        text.push_str(&format!("\n⚠️ {warning}"));
    }
    private(ctx, text).await
}

/// Reopen a task marked done
#[poise::command(slash_command, guild_only)]
async fn reopen(
    ctx: Context<'_>,
    #[description = "The project"]
    #[autocomplete = "pickers::project"]
    #[max_length = 100]
    project: String,
    #[description = "The task"]
    #[autocomplete = "pickers::done_task"]
    #[max_length = 100]
    task: String,
) -> Result<(), Error> {
    let task =
        projects::set_task_done(&ctx.data().app, &actor(ctx), &project, &task, false).await?;
    private(ctx, format!("Task {} is open again.", shown(&task.name))).await
}

/// Archive a task: hidden from pickers; its time stays
#[poise::command(slash_command, guild_only)]
async fn archive(
    ctx: Context<'_>,
    #[description = "The project"]
    #[autocomplete = "pickers::project"]
    #[max_length = 100]
    project: String,
    #[description = "The task"]
    #[autocomplete = "pickers::task"]
    #[max_length = 100]
    task: String,
) -> Result<(), Error> {
    let task =
        projects::set_task_archived(&ctx.data().app, &actor(ctx), &project, &task, true).await?;
    private(
        ctx,
        format!(
            "Task {} archived. `/task unarchive` brings it back.",
            shown(&task.name)
        ),
    )
    .await
}

/// Bring an archived task back
#[poise::command(slash_command, guild_only)]
async fn unarchive(
    ctx: Context<'_>,
    #[description = "The project"]
    #[autocomplete = "pickers::project"]
    #[max_length = 100]
    project: String,
    #[description = "The archived task"]
    #[autocomplete = "pickers::archived_task"]
    #[max_length = 100]
    task: String,
) -> Result<(), Error> {
    let task =
        projects::set_task_archived(&ctx.data().app, &actor(ctx), &project, &task, false).await?;
    private(ctx, format!("Task {} is in use again.", shown(&task.name))).await
}
