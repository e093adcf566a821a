//! `/report …`: totals of the time the caller may see, as an embed with the top groups, a
//! chart (PNG), a CSV file and a button to the read-only web page; the detailed list page by
//! page; and the caller's shared links. Replies are ephemeral: reports are personal data.

use std::time::Duration;

use crewclock::app::members;
use crewclock::app::report_filters::{self, ReportFilters};
use crewclock::app::report_links::{self, IssuedLink, LinkOptions, LinkStatus, NewLink};
use crewclock::app::reports::{self, DetailedPage, Report, ReportGroup};
use crewclock::app::sharing;
use crewclock::chart::{self, Bar};
use crewclock::domain::links::LinkKind;
use crewclock::domain::policy::clip;
use crewclock::domain::report::{GroupBy, ReportQuery};
use crewclock::domain::sharing::SharedField;
use crewclock::domain::{Role, UserId};
use futures::StreamExt;
use poise::serenity_prelude as serenity;

use super::{embed, pickers, private};
use crate::context::{actor, Context, Error};
use crate::render::{self, no_pings};

/// Discord's embed limits: fields, a field's value, all text in one embed.
const MAX_FIELDS: usize = 25;
const MAX_FIELD_VALUE: usize = 1024;
const MAX_EMBED_TOTAL: usize = 6000;
/// Room kept for the title, description and footer when filling fields.
const FIELD_BUDGET: usize = MAX_EMBED_TOTAL - 1500;
/// Subgroups shown under each top group.
const CHILDREN_SHOWN: usize = 5;
/// Entries on one page of `/report detailed`; each row is at most ~300 characters, so a page
/// always fits the 4096-character description without cutting a row.
const DETAILED_PER_PAGE: u32 = 10;
const PAGE_TIMEOUT: Duration = Duration::from_secs(300);

/// Reports of tracked time
#[poise::command(
    slash_command,
    guild_only,
    subcommands("summary", "detailed", "week", "project", "links", "revoke"),
    subcommand_required
)]
pub async fn report(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// What to group by.
#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum GroupChoice {
    Project,
    Client,
    Member,
    Task,
    Tag,
    Billable,
    Day,
    Week,
    Month,
}

impl From<GroupChoice> for GroupBy {
    fn from(choice: GroupChoice) -> GroupBy {
        match choice {
            GroupChoice::Project => GroupBy::Project,
            GroupChoice::Client => GroupBy::Client,
            GroupChoice::Member => GroupBy::Member,
            GroupChoice::Task => GroupBy::Task,
            GroupChoice::Tag => GroupBy::Tag,
            GroupChoice::Billable => GroupBy::Billable,
            GroupChoice::Day => GroupBy::Day,
            GroupChoice::Week => GroupBy::Week,
            GroupChoice::Month => GroupBy::Month,
        }
    }
}

/// The rolling ranges offered; a link with one of them moves with time.
const ROLLING: [&str; 6] = [
    "this-week",
    "last-week",
    "this-month",
    "last-month",
    "last-30-days",
    "this-year",
];

/// Rolling ranges matching what was typed, and the typed text itself once it looks like
/// dates (`2026-11-01..2026-11-30`), so free ranges can be sent as typed.
async fn range_choices(_ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let typed = partial.trim().to_lowercase();
    let mut choices: Vec<serenity::AutocompleteChoice> = ROLLING
        .iter()
        .filter(|r| r.contains(&typed))
        .map(|r| serenity::AutocompleteChoice::new(*r, *r))
        .collect();
    if typed.starts_with(|c: char| c.is_ascii_digit()) {
        let text = pickers::label(partial.trim());
        choices.insert(0, serenity::AutocompleteChoice::new(text.clone(), text));
    }
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

/// `H:MM`, as durations read everywhere in crewclock.
fn hm(seconds: i64) -> String {
    let minutes = seconds.max(0) / 60;
    format!("{}:{:02}", minutes / 60, minutes % 60)
}

fn money_text(amounts: &Option<Vec<crewclock::domain::projects::Money>>) -> Option<String> {
    amounts.as_ref().filter(|a| !a.is_empty()).map(|a| {
        a.iter()
            .map(|m| m.display())
            .collect::<Vec<_>>()
            .join(" + ")
    })
}

/// One group's figures: `12:30 · billable 10:00 · 1,250.00 EUR`.
fn figures(
    seconds: i64,
    billable: Option<i64>,
    amounts: &Option<Vec<crewclock::domain::projects::Money>>,
) -> String {
    let mut out = hm(seconds);
    if let Some(b) = billable {
        out.push_str(&format!(" · billable {}", hm(b)));
    }
    if let Some(m) = money_text(amounts) {
        out.push_str(&format!(" · {m}"));
    }
    out
}

fn group_value(group: &ReportGroup) -> String {
    let mut value = figures(group.seconds, group.billable_seconds, &group.amounts);
    let mut shown = 0;
    for child in &group.children {
        let line = format!(
            "\n{}: {}",
            render::safe(&child.label, 60),
            figures(child.seconds, child.billable_seconds, &child.amounts)
        );
        // Whole lines only, within a field's 1024 characters (room kept for "and N more").
        if shown == CHILDREN_SHOWN
            || value.chars().count() + line.chars().count() > MAX_FIELD_VALUE - 40
        {
            break;
        }
        value.push_str(&line);
        shown += 1;
    }
    if shown < group.children.len() {
        value.push_str(&format!("\n…and {} more", group.children.len() - shown));
    }
    value
}

/// The summary embed: totals, then the top groups as fields, whole groups only, within
/// Discord's limits however many groups there are.
pub fn summary_embed(title: &str, report: &Report, note: Option<&str>) -> serenity::CreateEmbed {
    let mut description = format!(
        "**{}** to **{}** ({})\nTotal **{}** in {} entries",
        report.from,
        report.to,
        render::safe(&report.time_zone, 40),
        hm(report.total_seconds),
        report.entries
    );
    if let Some(b) = report.billable_seconds {
        description.push_str(&format!(" · billable **{}**", hm(b)));
    }
    if let Some(m) = money_text(&report.amounts) {
        description.push_str(&format!("\nAmount **{m}**"));
    }
    if report.groups.is_empty() {
        description.push_str("\nNo time you may see in this range.");
    }
    if let Some(note) = note {
        description.push_str(&format!("\n{note}"));
    }
    let mut out = embed(title, &description);
    let mut used = 0;
    let mut shown = 0;
    for group in &report.groups {
        let name = render::safe(&group.label, 200);
        let value = group_value(group);
        let size = name.chars().count() + value.chars().count();
        // One field is kept for "and N more".
        if shown == MAX_FIELDS - 1 || used + size > FIELD_BUDGET {
            break;
        }
        used += size;
        shown += 1;
        out = out.field(name, value, false);
    }
    if shown < report.groups.len() {
        out = out.field(
            format!("…and {} more", report.groups.len() - shown),
            "All of them are in the CSV file and on the web page.",
            false,
        );
    }
    out.footer(serenity::CreateEmbedFooter::new(format!(
        "Grouped by {}",
        report
            .group_by
            .iter()
            .map(|g| g.as_str())
            .collect::<Vec<_>>()
            .join(" → ")
    )))
}

/// A link to the web page for `query`, or why there is none (as a note for the reply).
async fn share(ctx: Context<'_>, query: &ReportQuery) -> Result<Result<IssuedLink, String>, Error> {
    let links = &ctx.data().links;
    if links.public_url.is_none() {
        return Ok(Err(
            "No web page link: this bot has no web address configured ([web] public_url).".into(),
        ));
    }
    let link = report_links::create(
        &ctx.data().app,
        &actor(ctx),
        &links.settings,
        NewLink {
            kind: LinkKind::Report,
            query_json: serde_json::to_string(query)?,
            options: LinkOptions::default(),
        },
    )
    .await?;
    Ok(Ok(link))
}

/// Runs a summary and replies with the embed, the chart, the CSV and the link button.
async fn reply_summary(ctx: Context<'_>, title: &str, filters: ReportFilters) -> Result<(), Error> {
    // Big reports may take more than Discord's 3 seconds; the answer stays private.
    ctx.defer_ephemeral().await?;
    let app = &ctx.data().app;
    let me = actor(ctx);
    let query = report_filters::query(app, &me, &filters).await?;
    let report = reports::summary(app, &me, &query).await?;
    let link = share(ctx, &query).await?;
    let note = link.as_ref().err().map(String::as_str);
    let mut reply = poise::CreateReply::default()
        .embed(summary_embed(title, &report, note))
        .ephemeral(true)
        .allowed_mentions(no_pings())
        .attachment(serenity::CreateAttachment::bytes(
            report.to_csv().into_bytes(),
            "report.csv",
        ));
    let bars: Vec<Bar> = report
        .groups
        .iter()
        .map(|g| Bar {
            label: g.label.clone(),
            seconds: g.seconds,
        })
        .collect();
    if !bars.is_empty() {
        match chart::bar_chart_png(&clip(title, 60), &bars) {
            Ok(png) => {
                reply = reply.attachment(serenity::CreateAttachment::bytes(png, "chart.png"));
            }
            // The figures are all in the embed and CSV; a chart failure shouldn't cost them.
            Err(e) => tracing::warn!(error = %e.0, "report chart failed"),
        }
    }
    if let (Ok(link), Some(base)) = (&link, &ctx.data().links.public_url) {
        reply = reply.components(vec![serenity::CreateActionRow::Buttons(vec![
            serenity::CreateButton::new_link(link.url(base)).label("Open on the web"),
        ])]);
    }
    ctx.send(reply).await?;
    Ok(())
}

/// Totals grouped up to three levels, with a chart, a CSV and a web link
#[allow(clippy::too_many_arguments)]
#[poise::command(slash_command, guild_only)]
async fn summary(
    ctx: Context<'_>,
    #[description = "this-week, last-month, last-30-days… or 2026-11-01..2026-11-30"]
    #[autocomplete = "range_choices"]
    #[max_length = 64]
    range: Option<String>,
    #[description = "Group by (default: project)"]
    #[rename = "group-by"]
    group_by: Option<GroupChoice>,
    #[description = "Then group each group by"]
    #[rename = "then-by"]
    then_by: Option<GroupChoice>,
    #[description = "And group those by (a third level)"]
    #[rename = "and-then-by"]
    and_then_by: Option<GroupChoice>,
    #[description = "Only these projects (separate several with commas)"]
    #[autocomplete = "pickers::project_list"]
    #[max_length = 300]
    project: Option<String>,
    #[description = "Only this person's time"] user: Option<serenity::User>,
    #[description = "Only this client's projects"]
    #[autocomplete = "pickers::client"]
    #[max_length = 100]
    client: Option<String>,
    #[description = "Only entries with this tag"]
    #[autocomplete = "pickers::tag"]
    #[max_length = 100]
    tag: Option<String>,
    #[description = "Only billable (true) or non-billable (false) time"] billable: Option<bool>,
) -> Result<(), Error> {
    let group_by = [group_by, then_by, and_then_by]
        .into_iter()
        .flatten()
        .map(GroupBy::from)
        .collect();
    let filters = ReportFilters {
        range,
        group_by,
        project,
        client,
        tag,
        member: user.map(|u| UserId(u.id.get())),
        billable,
        ..ReportFilters::default()
    };
    reply_summary(ctx, "Report", filters).await
}

/// This week's time by day: yours, or another person's
#[poise::command(slash_command, guild_only)]
async fn week(
    ctx: Context<'_>,
    #[description = "Whose week (default: yours)"] user: Option<serenity::User>,
) -> Result<(), Error> {
    let user = user.map_or(ctx.author().id, |u| u.id);
    let filters = ReportFilters {
        range: Some("this-week".into()),
        group_by: vec![GroupBy::Day],
        member: Some(UserId(user.get())),
        ..ReportFilters::default()
    };
    reply_summary(ctx, "Week", filters).await
}

/// One project's time by task and person
#[poise::command(slash_command, guild_only, rename = "project")]
async fn project(
    ctx: Context<'_>,
    #[description = "The project"]
    #[autocomplete = "pickers::report_project"]
    #[max_length = 100]
    project: String,
    #[description = "this-week, last-month, last-30-days… or 2026-11-01..2026-11-30"]
    #[autocomplete = "range_choices"]
    #[max_length = 64]
    range: Option<String>,
) -> Result<(), Error> {
    let group_by = match guest_grouping(ctx, &project).await? {
        Some(group_by) => group_by,
        None => vec![GroupBy::Task, GroupBy::Member],
    };
    let filters = ReportFilters {
        range,
        group_by,
        project: Some(project),
        ..ReportFilters::default()
    };
    reply_summary(ctx, "Project report", filters).await
}

/// For a Guest, how `/report project` groups: never by person (guests see no people), by task
/// when the share shows tasks, else the project's total. `None` for everyone else.
async fn guest_grouping(ctx: Context<'_>, project: &str) -> Result<Option<Vec<GroupBy>>, Error> {
    let app = &ctx.data().app;
    let me = actor(ctx);
    if !matches!(
        members::my_standing(app, &me).await?,
        (Some(Role::Guest), _)
    ) {
        return Ok(None);
    }
    let shared = sharing::card_for_guest(app, &me, project).await?;
    Ok(Some(if shared.card.fields.contains(SharedField::Tasks) {
        vec![GroupBy::Task]
    } else {
        vec![GroupBy::Project]
    }))
}

/// One entry as a line: never longer than ~300 characters, so a page never cuts a row.
fn detailed_line(page: &DetailedPage, row: &reports::DetailedRow) -> String {
    let mut line = format!("`{} {}` **{}**", row.date, row.start, hm(row.seconds));
    if row.running {
        line.push_str(" (running)");
    }
    if page.members_visible {
        line.push_str(&format!(" · {}", render::name(&row.member)));
    }
    line.push_str(&format!(" · {}", render::safe(&row.project, 60)));
    if let Some(task) = &row.task {
        line.push_str(&format!(" / {}", render::safe(task, 40)));
    }
    if row.billable == Some(true) {
        line.push_str(" · billable");
    }
    if let Some(amount) = &row.amount {
        line.push_str(&format!(" · {}", amount.display()));
    }
    if !row.description.trim().is_empty() {
        line.push_str(&format!(" — {}", render::safe(&row.description, 80)));
    }
    line
}

fn detailed_embed(page: &DetailedPage) -> serenity::CreateEmbed {
    let mut text = format!(
        "**{}** to **{}** · {} entries\n",
        page.from, page.to, page.total_entries
    );
    if page.rows.is_empty() {
        text.push_str("No time you may see in this range.");
    }
    for row in &page.rows {
        text.push_str(&detailed_line(page, row));
        text.push('\n');
    }
    embed("Detailed report", &text).footer(serenity::CreateEmbedFooter::new(format!(
        "Page {} of {}",
        page.page,
        page.pages.max(1)
    )))
}

/// Every entry, oldest first, a page at a time
#[allow(clippy::too_many_arguments)]
#[poise::command(slash_command, guild_only)]
async fn detailed(
    ctx: Context<'_>,
    #[description = "this-week, last-month, last-30-days… or 2026-11-01..2026-11-30"]
    #[autocomplete = "range_choices"]
    #[max_length = 64]
    range: Option<String>,
    #[description = "Only this project"]
    #[autocomplete = "pickers::project"]
    #[max_length = 100]
    project: Option<String>,
    #[description = "Only this task (of the project above)"]
    #[autocomplete = "pickers::task"]
    #[max_length = 100]
    task: Option<String>,
    #[description = "Only this person's time"] user: Option<serenity::User>,
    #[description = "Only this client's projects"]
    #[autocomplete = "pickers::client"]
    #[max_length = 100]
    client: Option<String>,
    #[description = "Only entries with this tag"]
    #[autocomplete = "pickers::tag"]
    #[max_length = 100]
    tag: Option<String>,
    #[description = "Only billable (true) or non-billable (false) time"] billable: Option<bool>,
) -> Result<(), Error> {
    ctx.defer_ephemeral().await?;
    let app = &ctx.data().app;
    let me = actor(ctx);
    let filters = ReportFilters {
        range,
        project,
        task,
        client,
        tag,
        member: user.map(|u| UserId(u.id.get())),
        billable,
        ..ReportFilters::default()
    };
    let query = report_filters::query(app, &me, &filters).await?;
    let first = reports::detailed(app, &me, &query, 1, DETAILED_PER_PAGE).await?;
    let id = ctx.id();
    let prev = format!("cc:rpage:{id}:prev");
    let next = format!("cc:rpage:{id}:next");
    let buttons = |page: &DetailedPage| {
        vec![serenity::CreateActionRow::Buttons(vec![
            serenity::CreateButton::new(&prev)
                .label("Previous")
                .disabled(page.page <= 1),
            serenity::CreateButton::new(&next)
                .label("Next")
                .disabled(page.page >= page.pages),
        ])]
    };
    let mut reply = poise::CreateReply::default()
        .embed(detailed_embed(&first))
        .ephemeral(true)
        .allowed_mentions(no_pings());
    if first.pages <= 1 {
        ctx.send(reply).await?;
        return Ok(());
    }
    reply = reply.components(buttons(&first));
    let prefix = format!("cc:rpage:{id}:");
    let mut presses = serenity::ComponentInteractionCollector::new(ctx.serenity_context())
        .author_id(ctx.author().id)
        .timeout(PAGE_TIMEOUT)
        .filter(move |press| press.data.custom_id.starts_with(&prefix))
        .stream();
    let handle = ctx.send(reply).await?;
    let mut current = first;
    while let Some(press) = presses.next().await {
        let wanted = if press.data.custom_id == next {
            (current.page + 1).min(current.pages)
        } else {
            current.page.saturating_sub(1).max(1)
        };
        // Each page is asked of the core again, so it shows what the person may see now.
        let body = match reports::detailed(app, &me, &query, wanted, DETAILED_PER_PAGE).await {
            Ok(page) => {
                current = page;
                serenity::CreateInteractionResponseMessage::new()
                    .embed(detailed_embed(&current))
                    .components(buttons(&current))
            }
            Err(e) => serenity::CreateInteractionResponseMessage::new()
                .content(e.to_string())
                .components(vec![]),
        };
        press
            .create_response(
                ctx.http(),
                serenity::CreateInteractionResponse::UpdateMessage(
                    body.allowed_mentions(no_pings()),
                ),
            )
            .await?;
    }
    handle
        .edit(
            ctx,
            poise::CreateReply::default()
                .embed(detailed_embed(&current))
                .components(vec![])
                .allowed_mentions(no_pings()),
        )
        .await?;
    Ok(())
}

fn status_text(status: LinkStatus) -> &'static str {
    match status {
        LinkStatus::Active => "active",
        LinkStatus::Expired => "expired",
        LinkStatus::Revoked => "revoked",
    }
}

/// Your shared report links, with their expiry
#[poise::command(slash_command, guild_only)]
async fn links(ctx: Context<'_>) -> Result<(), Error> {
    let data = ctx.data();
    let found = report_links::list_own(&data.app, &actor(ctx), &data.links.settings).await?;
    if found.is_empty() {
        return private(
            ctx,
            "You have no report links. Every `/report summary` makes one (the web button).",
        )
        .await;
    }
    let lines: Vec<String> = found
        .iter()
        .map(|l| {
            let mut line = format!(
                "`#{}` {}{} · expires {} · made {}",
                l.link.id,
                match l.link.kind {
                    LinkKind::Report => "",
                    LinkKind::Project => "project page · ",
                },
                status_text(l.status),
                render::relative(l.link.expires_at),
                render::date(l.link.created_at)
            );
            if let (LinkStatus::Active, Some(base)) = (l.status, &data.links.public_url) {
                line.push_str(&format!(" · <{}>", l.url(base)));
            }
            line
        })
        .collect();
    super::paginate_by(ctx, "Your report links", lines, true, 8).await
}

/// Your active links, for `/report revoke`.
async fn own_links(ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let data = ctx.data();
    let found = report_links::list_own(&data.app, &actor(ctx), &data.links.settings)
        .await
        .unwrap_or_default();
    let typed = partial.trim().trim_start_matches('#');
    let choices = found
        .iter()
        .filter(|l| l.status == LinkStatus::Active)
        .filter(|l| l.link.id.to_string().starts_with(typed))
        .take(25)
        .map(|l| {
            serenity::AutocompleteChoice::new(
                format!(
                    "#{} (expires {})",
                    l.link.id,
                    l.link.expires_at.format("%Y-%m-%d %H:%M UTC")
                ),
                format!("#{}", l.link.id),
            )
        })
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

/// Revoke a report link: it stops working at once
#[poise::command(slash_command, guild_only)]
async fn revoke(
    ctx: Context<'_>,
    #[description = "The link's number, like #12 (see /report links)"]
    #[autocomplete = "own_links"]
    #[max_length = 24]
    link: String,
) -> Result<(), Error> {
    let Ok(id) = link.trim().trim_start_matches('#').parse::<i64>() else {
        return private(
            ctx,
            format!(
                "'{}' is not a link number. Type it like #12; `/report links` lists yours.",
                render::safe(&link, 24)
            ),
        )
        .await;
    };
    let revoked = report_links::revoke(&ctx.data().app, &actor(ctx), id).await?;
    private(
        ctx,
        format!(
            "Link #{} is revoked; anyone opening it now sees that it is gone.",
            revoked.id
        ),
    )
    .await
}

/// The caller's personal report link (their own time this month, by project), for `/me link`:
/// `Ok(None)` when no web address is configured.
pub async fn personal_link(ctx: Context<'_>) -> Result<Option<String>, Error> {
    let Some(base) = ctx.data().links.public_url.clone() else {
        return Ok(None);
    };
    let filters = ReportFilters {
        range: Some("this-month".into()),
        group_by: vec![GroupBy::Project],
        member: Some(UserId(ctx.author().id.get())),
        ..ReportFilters::default()
    };
    let query = report_filters::query(&ctx.data().app, &actor(ctx), &filters).await?;
    Ok(share(ctx, &query).await?.ok().map(|link| link.url(&base)))
}
