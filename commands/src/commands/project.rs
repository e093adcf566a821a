//! `/project …`: projects, their people, privacy, budget, rate, stage and due date.
//!
//! Changes to a public project are confirmed publicly, so the team sees them; changes to a
//! private project are confirmed only to the person who made them, so its name is not shown
//! to people in the channel who may not see it. Money (budgets in money, rates) is only ever
//! shown privately, and only as the core returns it.

use crewclock::app::projects::{
    self, CreateProject, ProjectEdit, ProjectMemberChanged, ProjectView,
};
use crewclock::app::rates::{self, BudgetUse};
use crewclock::app::timers;
use crewclock::domain::ids::ChannelId;
use crewclock::domain::projects::Budget;
use crewclock::domain::projects::{Membership, Privacy};
use crewclock::domain::timeparse::format_duration;
use crewclock::domain::UserId;
use poise::serenity_prelude as serenity;

use super::{confirm, embed, paginate, pickers, private, public, update};
use crate::context::{actor, Context, Error};
use crate::render::{self, no_pings};
use crate::sharing_posts::{self as posts, CardReason};

/// Projects: create, edit, people, privacy, budget, rate, stage and due date
#[poise::command(
    slash_command,
    guild_only,
    subcommands(
        "create",
        "edit",
        "info",
        "list",
        "archive",
        "unarchive",
        "delete",
        "members",
        "managers",
        "privacy",
        "budget",
        "rate",
        "stage",
        "due",
        "link_channel",
        "unlink_channel"
    ),
    subcommand_required
)]
pub async fn project(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Public or private, as offered in commands.
#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum PrivacyChoice {
    Private,
    Public,
}

impl From<PrivacyChoice> for Privacy {
    fn from(choice: PrivacyChoice) -> Privacy {
        match choice {
            PrivacyChoice::Private => Privacy::Private,
            PrivacyChoice::Public => Privacy::Public,
        }
    }
}

/// A project's name for messages: bold, inert.
pub fn shown(name: &str) -> String {
    format!("**{}**", render::safe(name, 100))
}

/// Confirms a change: publicly for a public project, privately for a private one.
async fn announce(ctx: Context<'_>, view: &ProjectView, text: String) -> Result<(), Error> {
    if view.privacy.is_public() {
        public(ctx, text).await
    } else {
        private(ctx, text).await
    }
}

fn yes_no(value: bool) -> &'static str {
    if value {
        "yes"
    } else {
        "no"
    }
}

fn stage_text(view: &ProjectView) -> String {
    match &view.stage {
        Some(stage) => format!("{} (`{}`)", shown(&stage.name), stage.color),
        None => "none".into(),
    }
}

fn due_text(view: &ProjectView) -> String {
    view.due_date
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_else(|| "none".into())
}

fn client_text(view: &ProjectView) -> String {
    view.client
        .as_deref()
        .map(shown)
        .unwrap_or_else(|| "none".into())
}

/// The rate as the core returns it: only for those who may see money amounts.
fn rate_text(view: &ProjectView) -> Option<String> {
    view.money_visible.then(|| {
        view.hourly_rate
            .as_ref()
            .map(|m| format!("{m} per hour"))
            .unwrap_or_else(|| "none".into())
    })
}

fn privacy_text(privacy: Privacy) -> &'static str {
    match privacy {
        Privacy::Public => "public",
        Privacy::Private => "private",
    }
}

/// Create a project; you become its project manager
#[poise::command(slash_command, guild_only)]
async fn create(
    ctx: Context<'_>,
    #[description = "The project's name"]
    #[max_length = 100]
    name: String,
    #[description = "Its client"]
    #[autocomplete = "pickers::client"]
    #[max_length = 100]
    client: Option<String>,
    #[description = "Private (default): only its members, Managers and up, Viewers see it"]
    privacy: Option<PrivacyChoice>,
    #[description = "A color: a name or a hex color like #3b82f6"]
    #[autocomplete = "pickers::color"]
    #[max_length = 20]
    color: Option<String>,
    #[description = "Whether time on it is billable unless said otherwise (default: no)"]
    billable: Option<bool>,
) -> Result<(), Error> {
    let view = projects::create_project(
        &ctx.data().app,
        &actor(ctx),
        CreateProject {
            name,
            client,
            privacy: privacy.map(Privacy::from),
            color,
            billable_default: billable,
        },
    )
    .await?;
    let client = view
        .client
        .as_deref()
        .map(|c| format!(" for {}", shown(c)))
        .unwrap_or_default();
    let text = format!(
        "Project {}{client} created ({}) by {}, its project manager. Add people with `/project members add`.",
        shown(&view.name),
        privacy_text(view.privacy),
        render::mention(UserId(ctx.author().id.get())),
    );
    announce(ctx, &view, text).await
}

/// Change a project's name, client, color, billable default, privacy, stage or due date
#[poise::command(slash_command, guild_only)]
#[allow(clippy::too_many_arguments)]
async fn edit(
    ctx: Context<'_>,
    #[description = "The project"]
    #[autocomplete = "pickers::project"]
    #[max_length = 100]
    project: String,
    #[description = "Its new name"]
    #[max_length = 100]
    name: Option<String>,
    #[description = "Its client (none to take it away)"]
    #[autocomplete = "pickers::client_or_none"]
    #[max_length = 100]
    client: Option<String>,
    #[description = "A color: a name or a hex color like #3b82f6"]
    #[autocomplete = "pickers::color"]
    #[max_length = 20]
    color: Option<String>,
    #[description = "Whether time on it is billable unless said otherwise"] billable: Option<bool>,
    #[description = "Public or private"] privacy: Option<PrivacyChoice>,
    #[description = "One of the workspace's stages (none to clear)"]
    #[autocomplete = "pickers::stage_or_none"]
    #[max_length = 100]
    stage: Option<String>,
    #[description = "Due date as year-month-day, like 2026-12-31 (none to clear)"]
    #[max_length = 20]
    due: Option<String>,
) -> Result<(), Error> {
    let clear = |raw: String| {
        if raw.trim().eq_ignore_ascii_case("none") {
            None
        } else {
            Some(raw)
        }
    };
    let edit = ProjectEdit {
        name: name.clone(),
        client: client.clone().map(clear),
        privacy: privacy.map(Privacy::from),
        billable_default: billable,
        budget: None,
        stage: stage.clone().map(clear),
        color: color.clone(),
        due_date: due.clone().map(clear),
    };
    if edit.is_empty() {
        return private(
            ctx,
            "Say what to change: name, client, color, billable, privacy, stage or due. Budgets and rates have their own commands: `/project budget`, `/project rate`.",
        )
        .await;
    }
    let view = projects::edit_project(&ctx.data().app, &actor(ctx), &project, edit).await?;
    let mut changes = Vec::new();
    if name.is_some() {
        changes.push(format!("name {}", shown(&view.name)));
    }
    if client.is_some() {
        changes.push(format!("client {}", client_text(&view)));
    }
    if color.is_some() {
        changes.push(format!("color `{}`", view.color));
    }
    if billable.is_some() {
        changes.push(format!(
            "billable by default: {}",
            yes_no(view.billable_default)
        ));
    }
    if privacy.is_some() {
        changes.push(privacy_text(view.privacy).to_string());
    }
    if stage.is_some() {
        changes.push(format!("stage {}", stage_text(&view)));
    }
    if due.is_some() {
        changes.push(format!("due {}", due_text(&view)));
    }
    let mut text = format!(
        "Project {} updated: {}.",
        shown(&view.name),
        changes.join(", ")
    );
    if stage.is_some() {
        text = with_card_warning(ctx, &view, text).await;
    }
    announce(ctx, &view, text).await
}

/// Show a project: client, stage, due date, budget, people and tasks
#[poise::command(slash_command, guild_only)]
async fn info(
    ctx: Context<'_>,
    #[description = "The project"]
    #[autocomplete = "pickers::project"]
    #[max_length = 100]
    project: String,
) -> Result<(), Error> {
    let info = projects::info(&ctx.data().app, &actor(ctx), &project).await?;
    let view = &info.project;
    let mut text = format!(
        "**Client:** {}\n**Privacy:** {}\n**Stage:** {}\n**Due:** {}\n**Budget:** {}",
        client_text(view),
        privacy_text(view.privacy),
        stage_text(view),
        due_text(view),
        view.budget_text(),
    );
    // How much of it is used, as far as the viewer may see (money only to those who may).
    match rates::budget_use(&ctx.data().app, &actor(ctx), &format!("#{}", view.id)).await {
        Ok(used) => text.push_str(&budget_use_text(&used)),
        Err(e) => tracing::debug!(error = %e, "no budget use for /project info"),
    }
    if let Some(rate) = rate_text(view) {
        text.push_str(&format!("\n**Hourly rate:** {rate}"));
    }
    text.push_str(&format!(
        "\n**Billable by default:** {}\n**Color:** `{}`\n**Tasks:** {} open, {} done",
        yes_no(view.billable_default),
        view.color,
        info.open_tasks,
        info.done_tasks
    ));
    let people = |list: &[crewclock::store::members::Member]| {
        if list.is_empty() {
            return "none".to_string();
        }
        let mut names: Vec<String> = list
            .iter()
            .take(30)
            .map(|m| render::mention(m.user_id))
            .collect();
        if list.len() > 30 {
            names.push(format!("and {} more", list.len() - 30));
        }
        names.join(", ")
    };
    text.push_str(&format!(
        "\n**Project managers:** {}\n**Members:** {}",
        people(&info.managers),
        people(&info.members)
    ));
    let you = match view.membership {
        Membership::Manager => "a project manager",
        Membership::Member => "a member",
        Membership::None => "not on it",
    };
    text.push_str(&format!(
        "\n**You:** {you}; you {} edit it and {} track time to it",
        if view.you_can_edit { "can" } else { "can't" },
        if view.you_can_track { "can" } else { "can't" },
    ));
    if view.archived {
        text.push_str("\n**Archived:** no new time; `/project unarchive` brings it back");
    }
    let title = format!("Project {} (#{})", render::safe(&view.name, 100), view.id);
    ctx.send(
        poise::CreateReply::default()
            .embed(embed(&title, &text))
            .ephemeral(true)
            .allowed_mentions(no_pings()),
    )
    .await?;
    Ok(())
}

/// The tracked time and, with a budget, how much of it is used.
fn budget_use_text(used: &BudgetUse) -> String {
    let mut text = format!("\n**Tracked:** {}", format_duration(used.tracked));
    if let Some(amount) = &used.amount {
        text.push_str(&format!(", billable {}", amount.display()));
    }
    match (&used.budget, used.percent) {
        (Some(Budget::None) | None, _) => {}
        (Some(budget), Some(percent)) => {
            text.push_str(&format!(
                " — **{percent}%** of the budget ({})",
                budget.display(&used.currency)
            ));
            if percent > 100 {
                text.push_str(", over budget");
            }
        }
        (Some(_), None) => {}
    }
    text
}

/// One line of a project list.
fn list_line(view: &ProjectView) -> String {
    let mut line = format!("`#{}` {}", view.id, shown(&view.name));
    if let Some(client) = &view.client {
        line.push_str(&format!(" · {}", render::safe(client, 60)));
    }
    line.push_str(&format!(" — {}", privacy_text(view.privacy)));
    if let Some(stage) = &view.stage {
        line.push_str(&format!(", {}", render::safe(&stage.name, 40)));
    }
    if let Some(due) = view.due_date {
        line.push_str(&format!(", due {}", due.format("%Y-%m-%d")));
    }
    if view.membership == Membership::Manager {
        line.push_str(", you manage it");
    }
    if view.archived {
        line.push_str(" (archived)");
    }
    line
}

/// List the projects you can see
#[poise::command(slash_command, guild_only)]
async fn list(
    ctx: Context<'_>,
    #[description = "Also show archived projects"]
    #[rename = "include-archived"]
    include_archived: Option<bool>,
    #[description = "Only the projects of this client"]
    #[autocomplete = "pickers::client"]
    #[max_length = 100]
    client: Option<String>,
) -> Result<(), Error> {
    let found = projects::list_projects(
        &ctx.data().app,
        &actor(ctx),
        include_archived.unwrap_or(false),
        client.as_deref(),
    )
    .await?;
    if found.is_empty() {
        return private(
            ctx,
            "No projects to show. Create one with `/project create`, or ask a project manager to add you to theirs.",
        )
        .await;
    }
    let lines: Vec<String> = found.iter().map(list_line).collect();
    let title = format!("Projects ({})", found.len());
    drop(found);
    paginate(ctx, &title, lines, true).await
}

/// Archive a project: hidden from pickers, no new time; reports keep it
#[poise::command(slash_command, guild_only)]
async fn archive(
    ctx: Context<'_>,
    #[description = "The project"]
    #[autocomplete = "pickers::project"]
    #[max_length = 100]
    project: String,
) -> Result<(), Error> {
    let view = projects::set_project_archived(&ctx.data().app, &actor(ctx), &project, true).await?;
    let text = format!(
        "Project {} archived: no new time can be tracked to it; its time stays in reports. `/project unarchive` brings it back.",
        shown(&view.name)
    );
    announce(ctx, &view, text).await
}

/// Bring an archived project back
#[poise::command(slash_command, guild_only)]
async fn unarchive(
    ctx: Context<'_>,
    #[description = "The archived project"]
    #[autocomplete = "pickers::archived_project"]
    #[max_length = 100]
    project: String,
) -> Result<(), Error> {
    let view =
        projects::set_project_archived(&ctx.data().app, &actor(ctx), &project, false).await?;
    let text = format!("Project {} is active again.", shown(&view.name));
    announce(ctx, &view, text).await
}

/// Delete a project that has no tracked time, with its tasks
#[poise::command(slash_command, guild_only)]
async fn delete(
    ctx: Context<'_>,
    #[description = "The project"]
    #[autocomplete = "pickers::project"]
    #[max_length = 100]
    project: String,
) -> Result<(), Error> {
    // Check the right first, so nobody is asked to confirm what they may not do.
    let view = projects::check_delete_project(&ctx.data().app, &actor(ctx), &project).await?;
    let question = format!(
        "Delete the project {} with its tasks and people? This can't be undone. (A project with tracked time can only be archived.)",
        shown(&view.name)
    );
    let Some(press) = confirm(ctx, &question, "Delete project").await? else {
        return Ok(());
    };
    // The confirmed project, by id: a rename in between doesn't change what is deleted.
    match projects::delete_project(&ctx.data().app, &actor(ctx), &format!("#{}", view.id)).await {
        Ok(deleted) => {
            let text = format!("Project {} deleted.", shown(&deleted.name));
            update(ctx, &press, &text).await?;
            if deleted.privacy.is_public() {
                public(
                    ctx,
                    format!(
                        "Project {} was deleted by {}.",
                        shown(&deleted.name),
                        render::mention(UserId(ctx.author().id.get()))
                    ),
                )
                .await?;
            }
            Ok(())
        }
        Err(e) => update(ctx, &press, &e.user_message()).await,
    }
}

/// The people on a project
#[poise::command(
    slash_command,
    guild_only,
    subcommands("members_add", "members_remove", "members_rate"),
    subcommand_required
)]
async fn members(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// The project managers of a project
#[poise::command(
    slash_command,
    guild_only,
    subcommands("managers_add", "managers_remove"),
    subcommand_required
)]
async fn managers(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Says what a people change did; a change that did nothing is told only to its author.
/// `did` and `already` get the person and the project, both ready to show.
async fn people_changed(
    ctx: Context<'_>,
    done: ProjectMemberChanged,
    did: impl Fn(&str, &str) -> String,
    already: impl Fn(&str, &str) -> String,
) -> Result<(), Error> {
    let who = render::mention(done.member.user_id);
    let project = shown(&done.project.name);
    if done.changed {
        announce(ctx, &done.project, did(&who, &project)).await
    } else {
        private(
            ctx,
            format!("{}; nothing changed.", already(&who, &project)),
        )
        .await
    }
}

/// Put someone on a project
#[poise::command(slash_command, guild_only, rename = "add")]
async fn members_add(
    ctx: Context<'_>,
    #[description = "The project"]
    #[autocomplete = "pickers::project"]
    #[max_length = 100]
    project: String,
    #[description = "The person to put on it"] member: serenity::User,
) -> Result<(), Error> {
    let done = projects::add_project_member(
        &ctx.data().app,
        &actor(ctx),
        &project,
        UserId(member.id.get()),
    )
    .await?;
    let already = if done.to == Membership::Manager {
        "a project manager"
    } else {
        "a member"
    };
    people_changed(
        ctx,
        done,
        |who, project| format!("{who} is now a member of {project}."),
        |who, project| format!("{who} is already {already} of {project}"),
    )
    .await
}

/// Take someone off a project (as member and as project manager)
#[poise::command(slash_command, guild_only, rename = "remove")]
async fn members_remove(
    ctx: Context<'_>,
    #[description = "The project"]
    #[autocomplete = "pickers::project"]
    #[max_length = 100]
    project: String,
    #[description = "The person to take off it"] member: serenity::User,
) -> Result<(), Error> {
    let done = projects::remove_project_member(
        &ctx.data().app,
        &actor(ctx),
        &project,
        UserId(member.id.get()),
    )
    .await?;
    people_changed(
        ctx,
        done,
        |who, project| format!("{who} is no longer on {project}."),
        |who, project| format!("{who} was not on {project}"),
    )
    .await
}

/// Set someone's hourly rate on this project only (85, 85.50 EUR), or none
#[poise::command(slash_command, guild_only, rename = "rate")]
async fn members_rate(
    ctx: Context<'_>,
    #[description = "The project"]
    #[autocomplete = "pickers::project"]
    #[max_length = 100]
    project: String,
    #[description = "The person"] member: serenity::User,
    #[description = "An amount per hour like 85 or 85.50 EUR, in the project's currency, or none"]
    #[max_length = 40]
    rate: String,
) -> Result<(), Error> {
    let who = UserId(member.id.get());
    let set =
        rates::set_project_member_rate(&ctx.data().app, &actor(ctx), &project, who, &rate).await?;
    let shown = match set {
        Some(rate) => format!("{} per hour", rate.display()),
        None => "none (the project's, their own or the workspace's rate applies)".into(),
    };
    // Privately: rates are for those who may see money amounts.
    private(
        ctx,
        format!("Rate of {} on this project: {shown}.", render::mention(who)),
    )
    .await
}

/// Make someone a project manager (putting them on the project if needed)
#[poise::command(slash_command, guild_only, rename = "add")]
async fn managers_add(
    ctx: Context<'_>,
    #[description = "The project"]
    #[autocomplete = "pickers::project"]
    #[max_length = 100]
    project: String,
    #[description = "The new project manager"] member: serenity::User,
) -> Result<(), Error> {
    let done = projects::add_project_manager(
        &ctx.data().app,
        &actor(ctx),
        &project,
        UserId(member.id.get()),
    )
    .await?;
    people_changed(
        ctx,
        done,
        |who, project| format!("{who} is now a project manager of {project}."),
        |who, project| format!("{who} is already a project manager of {project}"),
    )
    .await
}

/// Take the project-manager role away; they stay a project member
#[poise::command(slash_command, guild_only, rename = "remove")]
async fn managers_remove(
    ctx: Context<'_>,
    #[description = "The project"]
    #[autocomplete = "pickers::project"]
    #[max_length = 100]
    project: String,
    #[description = "The project manager"] member: serenity::User,
) -> Result<(), Error> {
    let done = projects::remove_project_manager(
        &ctx.data().app,
        &actor(ctx),
        &project,
        UserId(member.id.get()),
    )
    .await?;
    people_changed(
        ctx,
        done,
        |who, project| {
            format!("{who} is no longer a project manager of {project} (still a member).")
        },
        |who, project| format!("{who} is not a project manager of {project}"),
    )
    .await
}

/// Make a project public or private
#[poise::command(slash_command, guild_only)]
async fn privacy(
    ctx: Context<'_>,
    #[description = "The project"]
    #[autocomplete = "pickers::project"]
    #[max_length = 100]
    project: String,
    #[description = "Public: every member but Guests sees it; private: only its people"]
    privacy: PrivacyChoice,
) -> Result<(), Error> {
    let edit = ProjectEdit {
        privacy: Some(privacy.into()),
        ..ProjectEdit::default()
    };
    let view = projects::edit_project(&ctx.data().app, &actor(ctx), &project, edit).await?;
    let text = match view.privacy {
        Privacy::Public => format!(
            "Project {} is public: everyone in the workspace but Guests sees it and can track time to it.",
            shown(&view.name)
        ),
        Privacy::Private => format!(
            "Project {} is private: only its members and project managers, Managers and up, and Viewers see it.",
            shown(&view.name)
        ),
    };
    announce(ctx, &view, text).await
}

/// Set a project's budget in hours (40h) or money (5000 EUR), or none
#[poise::command(slash_command, guild_only)]
async fn budget(
    ctx: Context<'_>,
    #[description = "The project"]
    #[autocomplete = "pickers::project"]
    #[max_length = 100]
    project: String,
    #[description = "Hours like 40h or 12h30m, money like 5000 EUR or €5000, or none"]
    #[max_length = 40]
    budget: String,
) -> Result<(), Error> {
    let edit = ProjectEdit {
        budget: Some(budget),
        ..ProjectEdit::default()
    };
    let view = projects::edit_project(&ctx.data().app, &actor(ctx), &project, edit).await?;
    // Privately: a money budget is for those who may see money amounts.
    private(
        ctx,
        format!(
            "Budget of {}: {}.",
            shown(&view.name),
            render::safe(&view.budget_text(), 60)
        ),
    )
    .await
}

/// Set a project's hourly rate (85, 85.50 EUR, €85), or none
#[poise::command(slash_command, guild_only)]
async fn rate(
    ctx: Context<'_>,
    #[description = "The project"]
    #[autocomplete = "pickers::project"]
    #[max_length = 100]
    project: String,
    #[description = "An amount per hour like 85, 85.50 EUR or €85, or none"]
    #[max_length = 40]
    rate: String,
) -> Result<(), Error> {
    let view = projects::set_rate(&ctx.data().app, &actor(ctx), &project, &rate).await?;
    // Privately: rates are for those who may see money amounts.
    let rate = rate_text(&view).unwrap_or_else(|| "set".into());
    private(
        ctx,
        format!(
            "Hourly rate of {}: {}.",
            shown(&view.name),
            render::safe(&rate, 60)
        ),
    )
    .await
}

/// Put a project in one of the workspace's stages, or in none
#[poise::command(slash_command, guild_only)]
async fn stage(
    ctx: Context<'_>,
    #[description = "The project"]
    #[autocomplete = "pickers::project"]
    #[max_length = 100]
    project: String,
    #[description = "The stage (none to clear); stages are made with /stage create"]
    #[autocomplete = "pickers::stage_or_none"]
    #[max_length = 100]
    stage: String,
) -> Result<(), Error> {
    let view =
        projects::set_project_stage(&ctx.data().app, &actor(ctx), &project, Some(&stage)).await?;
    let text = match &view.stage {
        Some(_) => format!(
            "Project {} is now in stage {}.",
            shown(&view.name),
            stage_text(&view)
        ),
        None => format!("Project {} has no stage now.", shown(&view.name)),
    };
    let text = with_card_warning(ctx, &view, text).await;
    announce(ctx, &view, text).await
}

/// After a stage change, the shared project's card goes to its guest channel; a card that
/// Discord refused is mentioned after `text`.
async fn with_card_warning(ctx: Context<'_>, view: &ProjectView, text: String) -> String {
    match posts::post_live_card(
        ctx.http(),
        &ctx.data().app,
        view.id,
        CardReason::StageChanged,
    )
    .await
    {
        Some(warning) => format!("{text}\n⚠️ {warning}"),
        None => text,
    }
}

/// Set or clear a project's due date
#[poise::command(slash_command, guild_only)]
async fn due(
    ctx: Context<'_>,
    #[description = "The project"]
    #[autocomplete = "pickers::project"]
    #[max_length = 100]
    project: String,
    #[description = "Year-month-day, like 2026-12-31, or none"]
    #[max_length = 20]
    date: String,
) -> Result<(), Error> {
    let edit = ProjectEdit {
        due_date: Some(Some(date)),
        ..ProjectEdit::default()
    };
    let view = projects::edit_project(&ctx.data().app, &actor(ctx), &project, edit).await?;
    let text = match view.due_date {
        Some(_) => format!("Project {} is due {}.", shown(&view.name), due_text(&view)),
        None => format!("Project {} has no due date now.", shown(&view.name)),
    };
    announce(ctx, &view, text).await
}

/// The channel a command names, else the one it was typed in.
fn channel_or_here(ctx: Context<'_>, channel: Option<serenity::ChannelId>) -> ChannelId {
    ChannelId(channel.unwrap_or_else(|| ctx.channel_id()).get())
}

/// Make a project the default of `/timer start` in a channel
#[poise::command(slash_command, guild_only, rename = "link-channel")]
async fn link_channel(
    ctx: Context<'_>,
    #[description = "The project"]
    #[autocomplete = "pickers::project"]
    #[max_length = 100]
    project: String,
    #[description = "The channel (default: this one)"]
    #[channel_types("Text")]
    channel: Option<serenity::ChannelId>,
) -> Result<(), Error> {
    let channel = channel_or_here(ctx, channel);
    let linked = timers::link_channel(&ctx.data().app, &actor(ctx), channel, &project).await?;
    let mut text = format!(
        "In <#{}>, `/timer start` without a project now tracks to {}.",
        linked.channel,
        shown(&linked.project)
    );
    if let Some(before) = &linked.replaced {
        text.push_str(&format!(" (It was {}.)", shown(before)));
    }
    text.push_str(" `/project unlink-channel` undoes it.");
    // Privately: the project may be private, and the channel public.
    private(ctx, text).await
}

/// Remove a channel's default project
#[poise::command(slash_command, guild_only, rename = "unlink-channel")]
async fn unlink_channel(
    ctx: Context<'_>,
    #[description = "The channel (default: this one)"]
    #[channel_types("Text")]
    channel: Option<serenity::ChannelId>,
) -> Result<(), Error> {
    let channel = channel_or_here(ctx, channel);
    let name = timers::unlink_channel(&ctx.data().app, &actor(ctx), channel).await?;
    private(
        ctx,
        format!(
            "<#{}> no longer defaults to {}; `/timer start` there continues your last project.",
            channel,
            shown(&name)
        ),
    )
    .await
}
