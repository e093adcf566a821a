//! `/timer …`: start, stop, switch, status, discard. Every reply is private: a timer is
//! personal, and it may name a private project others in the channel can't see.

use crewclock::app::entries::EntryView;
use crewclock::app::timers::{self, ProjectSource, StartTimer, TimerStarted, TimerStopped};
use crewclock::domain::ids::ChannelId;
use crewclock::domain::timeparse::format_duration;

use super::{confirm, pickers, private, update};
use crate::context::{actor, Context, Error};
use crate::render;

/// Your timer: start, stop, switch, status, discard
#[poise::command(
    slash_command,
    guild_only,
    subcommands("start", "stop", "switch", "status", "discard"),
    subcommand_required
)]
pub async fn timer(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// What the timer is on: **Website** › **Design** — "text" [tag, tag].
fn work(entry: &EntryView) -> String {
    let mut text = format!("**{}**", render::safe(&entry.project, 100));
    if let Some(task) = &entry.task {
        text.push_str(&format!(" › **{}**", render::safe(task, 100)));
    }
    if !entry.description.is_empty() {
        text.push_str(&format!(" — {}", render::safe(&entry.description, 200)));
    }
    if !entry.tags.is_empty() {
        let tags: Vec<String> = entry.tags.iter().map(|t| render::safe(t, 40)).collect();
        text.push_str(&format!(" [{}]", tags.join(", ")));
    }
    if entry.billable == Some(true) {
        text.push_str(" (billable)");
    }
    text
}

/// Since when a running timer runs, in its owner's time zone, and for how long.
fn since(entry: &EntryView) -> String {
    format!(
        "since {} {} ({} so far)",
        entry.local_start.format("%H:%M"),
        entry.time_zone.name(),
        format_duration(entry.duration)
    )
}

fn stopped_line(stopped: &TimerStopped) -> String {
    let entry = &stopped.entry;
    let mut line = format!(
        "Stopped your timer on {}: {} ({}).",
        work(entry),
        format_duration(entry.duration),
        entry.when_text()
    );
    if stopped.capped {
        line.push_str(" It ran more than 24 hours, so it ends 24 hours after its start; fix the end with `/time edit` if needed.");
    }
    line
}

fn source_text(source: ProjectSource) -> &'static str {
    match source {
        ProjectSource::Named => "",
        ProjectSource::Channel => " (this channel's project)",
        ProjectSource::LastUsed => " (your last project; name another with `project:`)",
    }
}

fn started_text(started: &TimerStarted, verb: &str) -> String {
    let timer = &started.timer;
    if started.double_click {
        return format!(
            "Your timer on {} is already running, {}; no second timer was started.",
            work(timer),
            since(timer)
        );
    }
    let mut text = String::new();
    if let Some(stopped) = &started.stopped {
        text.push_str(&stopped_line(stopped));
        text.push('\n');
    }
    text.push_str(&format!(
        "{verb} on {}{}, {}. Stop it with `/timer stop`.",
        work(timer),
        source_text(started.project_source),
        since(timer)
    ));
    text
}

fn input(
    ctx: Context<'_>,
    project: Option<String>,
    task: Option<String>,
    description: Option<String>,
    tags: Option<String>,
    billable: Option<bool>,
) -> StartTimer {
    StartTimer {
        project,
        task,
        description,
        // The core splits the comma-separated list.
        tags: tags.into_iter().collect(),
        billable,
        channel: Some(ChannelId(ctx.channel_id().get())),
    }
}

/// Start a timer (a running one is stopped first)
#[poise::command(slash_command, guild_only)]
async fn start(
    ctx: Context<'_>,
    #[description = "The project (default: this channel's project, else your last one)"]
    #[autocomplete = "pickers::track_project"]
    #[max_length = 100]
    project: Option<String>,
    #[description = "One of the project's tasks"]
    #[autocomplete = "pickers::timer_task"]
    #[max_length = 100]
    task: Option<String>,
    #[description = "What you are working on"]
    #[max_length = 500]
    description: Option<String>,
    #[description = "Tags, separated by commas"]
    #[autocomplete = "pickers::tags"]
    #[max_length = 300]
    tags: Option<String>,
    #[description = "Billable (default: the project's setting)"] billable: Option<bool>,
) -> Result<(), Error> {
    let wanted = input(ctx, project, task, description, tags, billable);
    let started = timers::start(&ctx.data().app, &actor(ctx), wanted).await?;
    private(ctx, started_text(&started, "Timer started")).await
}

/// Stop the running timer and start another
#[poise::command(slash_command, guild_only)]
async fn switch(
    ctx: Context<'_>,
    #[description = "The project (default: this channel's project, else your last one)"]
    #[autocomplete = "pickers::track_project"]
    #[max_length = 100]
    project: Option<String>,
    #[description = "One of the project's tasks"]
    #[autocomplete = "pickers::timer_task"]
    #[max_length = 100]
    task: Option<String>,
    #[description = "What you are working on"]
    #[max_length = 500]
    description: Option<String>,
    #[description = "Tags, separated by commas"]
    #[autocomplete = "pickers::tags"]
    #[max_length = 300]
    tags: Option<String>,
    #[description = "Billable (default: the project's setting)"] billable: Option<bool>,
) -> Result<(), Error> {
    let wanted = input(ctx, project, task, description, tags, billable);
    let started = timers::switch(&ctx.data().app, &actor(ctx), wanted).await?;
    private(ctx, started_text(&started, "Switched: timer running")).await
}

/// Stop your running timer
#[poise::command(slash_command, guild_only)]
async fn stop(ctx: Context<'_>) -> Result<(), Error> {
    let stopped = timers::stop(&ctx.data().app, &actor(ctx)).await?;
    let text = format!(
        "{} Time entry `#{}`; change it with `/time edit`.",
        stopped_line(&stopped),
        stopped.entry.id
    );
    private(ctx, text).await
}

/// Your running timer and your time today
#[poise::command(slash_command, guild_only)]
async fn status(ctx: Context<'_>) -> Result<(), Error> {
    let status = timers::status(&ctx.data().app, &actor(ctx)).await?;
    let today = format!(
        "Today ({}): {}.",
        status.time_zone.name(),
        format_duration(status.today)
    );
    let text = match &status.running {
        Some(timer) => format!(
            "Your timer runs on {}, {}.\n{today}",
            work(timer),
            since(timer)
        ),
        None => format!("No timer is running; start one with `/timer start`.\n{today}"),
    };
    private(ctx, text).await
}

/// Throw your running timer away; no time is kept
#[poise::command(slash_command, guild_only)]
async fn discard(ctx: Context<'_>) -> Result<(), Error> {
    let app = &ctx.data().app;
    // Say what would be thrown away, and ask nothing when there is nothing.
    let status = timers::status(app, &actor(ctx)).await?;
    let Some(running) = status.running else {
        return private(
            ctx,
            "You have no running timer, so there is nothing to discard. Start one with `/timer start`.",
        )
        .await;
    };
    let question = format!(
        "Discard your timer on {}, {}? Its time is not kept. (`/timer stop` keeps it.)",
        work(&running),
        since(&running)
    );
    let Some(press) = confirm(ctx, &question, "Discard timer").await? else {
        return Ok(());
    };
    match timers::discard_entry(app, &actor(ctx), running.id).await {
        Ok(gone) => {
            let text = format!(
                "Discarded your timer on {} ({}); no time was kept.",
                work(&gone),
                format_duration(gone.duration)
            );
            update(ctx, &press, &text).await
        }
        Err(e) => update(ctx, &press, &e.user_message()).await,
    }
}
