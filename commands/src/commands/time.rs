//! `/time …`: time entries typed after the fact — add, edit, delete, and a week's list.
//!
//! Everything here is personal (whose time, how much, what it earns), so every answer is
//! private. What people type (durations, ranges, dates, weeks) goes to the core as typed: it
//! reads it in the entry owner's time zone and says what to type instead when it can't.
//! Amounts appear only where the core returns them.

use crewclock::app::entries::{self, AddEntry, EditEntry, EntryView, WeekList};
use crewclock::domain::entries::Lock;
use crewclock::domain::timeparse::format_duration;
use crewclock::domain::UserId;
use crewclock::AppError;
use poise::serenity_prelude as serenity;

use super::{confirm, pickers, private, update};
use crate::context::{actor, Context, Error};
use crate::render;

/// Time entries: add, edit, delete, and list your week
#[poise::command(
    slash_command,
    guild_only,
    subcommands("add", "edit", "delete", "list"),
    subcommand_required
)]
pub async fn time(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// The number of an entry as picked (`#12`) or typed (`12`).
fn entry_id(raw: &str) -> Result<i64, AppError> {
    raw.trim()
        .trim_start_matches('#')
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| {
            AppError::invalid(format!(
                "'{}' isn't an entry. Pick one from the list, or type its number from /time list (like #12).",
                render::safe(raw, 40)
            ))
        })
}

/// `none` (or empty) clears an optional field.
fn is_none(raw: &str) -> bool {
    matches!(raw.trim().to_lowercase().as_str(), "" | "none" | "-")
}

/// Project and task, as shown: **Website** › Design.
fn work(e: &EntryView) -> String {
    let project = format!("**{}**", render::safe(&e.project, 60));
    match &e.task {
        Some(task) => format!("{project} › {}", render::safe(task, 60)),
        None => project,
    }
}

/// Description, tags, billable flag and amount, each only when there is something to show.
fn details(e: &EntryView) -> Vec<String> {
    let mut parts = Vec::new();
    if !e.description.is_empty() {
        parts.push(format!("“{}”", render::safe(&e.description, 120)));
    }
    if !e.tags.is_empty() {
        let tags: Vec<String> = e.tags.iter().map(|t| render::safe(t, 30)).collect();
        parts.push(format!("tags: {}", tags.join(", ")));
    }
    match e.billable {
        Some(true) => parts.push("billable".into()),
        Some(false) => parts.push("not billable".into()),
        None => {}
    }
    if let Some(amount) = &e.amount {
        parts.push(amount.display());
    }
    parts
}

fn lock_note(e: &EntryView) -> Option<&'static str> {
    if e.you_can_edit {
        return None;
    }
    Some(match e.lock {
        Lock::Approved { .. } => "🔒 approved",
        Lock::DateLocked { .. } => "🔒 locked",
        Lock::Open => "🔒",
    })
}

/// One entry, fully: `#12 · Mon 2026-11-23 9:00–10:30 (1h 30m) · **Website** › Design · …`.
pub fn summary(e: &EntryView) -> String {
    let mut parts = vec![
        format!("#{}", e.id),
        format!(
            "{} ({}{})",
            e.when_text(),
            format_duration(e.duration),
            if e.running { ", running" } else { "" }
        ),
        work(e),
    ];
    parts.extend(details(e));
    if let Some(note) = lock_note(e) {
        parts.push(note.into());
    }
    parts.join(" · ")
}

/// Whose time it is, when it isn't the caller's.
fn whose(e: &EntryView, caller: serenity::UserId) -> String {
    if e.member.user.0 == caller.get() {
        String::new()
    } else {
        format!(" (time of {})", render::mention(e.member.user))
    }
}

/// When overlaps are flagged rather than refused, names what the entry overlaps.
async fn overlap_note(ctx: Context<'_>, e: &EntryView) -> String {
    if !e.overlapping {
        return String::new();
    }
    match entries::overlaps_of(&ctx.data().app, &actor(ctx), e.id).await {
        Ok(others) if !others.is_empty() => {
            let named: Vec<String> = others
                .iter()
                .take(3)
                .map(|o| {
                    format!(
                        "#{} ({}, {})",
                        o.id,
                        render::safe(&o.project, 40),
                        o.when_text()
                    )
                })
                .collect();
            let more = match others.len().saturating_sub(3) {
                0 => String::new(),
                n => format!(" and {n} more"),
            };
            format!(
                "\n⚠️ It overlaps {}{more}; both are flagged until the times are fixed with /time edit.",
                named.join(", ")
            )
        }
        Ok(_) => String::new(),
        Err(e) => {
            tracing::debug!(error = %e, "overlaps not named");
            "\n⚠️ It overlaps another entry and is flagged.".into()
        }
    }
}

/// Add time you worked (a duration or a start–end range)
#[allow(clippy::too_many_arguments)]
#[poise::command(slash_command, guild_only)]
async fn add(
    ctx: Context<'_>,
    #[description = "The project"]
    #[autocomplete = "pickers::project"]
    #[max_length = 100]
    project: String,
    #[description = "How long (1h30m, 90m, 1.5h, 1:30) or when (9:00-10:30)"]
    #[max_length = 40]
    time: String,
    #[description = "Which day: today (default), yesterday, mon, 2026-11-20"]
    #[max_length = 40]
    date: Option<String>,
    #[description = "A task of the project"]
    #[autocomplete = "pickers::task"]
    #[max_length = 100]
    task: Option<String>,
    #[description = "What you did"]
    #[max_length = 500]
    description: Option<String>,
    #[description = "Tags, separated by commas"]
    #[autocomplete = "pickers::tag_list"]
    #[max_length = 300]
    tags: Option<String>,
    #[description = "Billable (the project's default if left out)"] billable: Option<bool>,
    #[description = "Someone else's time (Owner, Admin, or their team manager when allowed)"]
    user: Option<serenity::User>,
) -> Result<(), Error> {
    let input = AddEntry {
        project,
        task,
        when: time,
        date,
        description,
        tags: tags.into_iter().collect(),
        billable,
        member: user.map(|u| UserId(u.id.get())),
    };
    let added = entries::add(&ctx.data().app, &actor(ctx), input).await?;
    let text = format!(
        "Added{}: {}{}",
        whose(&added, ctx.author().id),
        summary(&added),
        overlap_note(ctx, &added).await
    );
    private(ctx, text).await
}

/// Change one of your entries (only what you give changes)
#[allow(clippy::too_many_arguments)]
#[poise::command(slash_command, guild_only)]
async fn edit(
    ctx: Context<'_>,
    #[description = "The entry (your recent ones are offered; or its number from /time list)"]
    #[autocomplete = "pickers::entry"]
    #[max_length = 20]
    entry: String,
    #[description = "Move it to another project"]
    #[autocomplete = "pickers::project"]
    #[max_length = 100]
    project: Option<String>,
    #[description = "A task of its project (none to remove)"]
    #[autocomplete = "pickers::entry_task"]
    #[max_length = 100]
    task: Option<String>,
    #[description = "A new length (1h30m, keeps the start) or range (9:00-10:30)"]
    #[max_length = 40]
    time: Option<String>,
    #[description = "Move it to another day (yesterday, mon, 2026-11-20)"]
    #[max_length = 40]
    date: Option<String>,
    #[description = "A new description (none to clear)"]
    #[max_length = 500]
    description: Option<String>,
    #[description = "New tags, separated by commas (none to remove them)"]
    #[autocomplete = "pickers::tag_list"]
    #[max_length = 300]
    tags: Option<String>,
    #[description = "Billable or not"] billable: Option<bool>,
) -> Result<(), Error> {
    let id = entry_id(&entry)?;
    let changes = EditEntry {
        project,
        task: task.map(|t| (!is_none(&t)).then_some(t)),
        when: time,
        date,
        description: description.map(|d| if is_none(&d) { String::new() } else { d }),
        tags: tags.map(|t| if is_none(&t) { Vec::new() } else { vec![t] }),
        billable,
    };
    let edited = entries::edit(&ctx.data().app, &actor(ctx), id, changes).await?;
    let text = format!(
        "Changed{}: {}{}",
        whose(&edited, ctx.author().id),
        summary(&edited),
        overlap_note(ctx, &edited).await
    );
    private(ctx, text).await
}

/// Delete one of your entries (asks first)
#[poise::command(slash_command, guild_only)]
async fn delete(
    ctx: Context<'_>,
    #[description = "The entry (your recent ones are offered; or its number from /time list)"]
    #[autocomplete = "pickers::entry"]
    #[max_length = 20]
    entry: String,
) -> Result<(), Error> {
    let id = entry_id(&entry)?;
    // Refusals (not yours, locked) come before the question, so nobody confirms in vain.
    let shown = entries::check_change(&ctx.data().app, &actor(ctx), id).await?;
    let question = format!(
        "Delete this entry{}?\n{}",
        whose(&shown, ctx.author().id),
        summary(&shown)
    );
    let Some(press) = confirm(ctx, &question, "Delete").await? else {
        return Ok(());
    };
    match entries::delete(&ctx.data().app, &actor(ctx), id).await {
        Ok(deleted) => update(ctx, &press, &format!("Deleted: {}", summary(&deleted))).await,
        Err(e) => update(ctx, &press, &e.user_message()).await,
    }
}

/// A week's entries with day totals: yours, or someone's you may see
#[poise::command(slash_command, guild_only)]
async fn list(
    ctx: Context<'_>,
    #[description = "this week (default), last week, 2026-W47 or a date in the week"]
    #[max_length = 40]
    week: Option<String>,
    #[description = "Someone else's week (if you may see their time)"] user: Option<serenity::User>,
) -> Result<(), Error> {
    let whose = user.map(|u| UserId(u.id.get()));
    let listed = entries::list_week(&ctx.data().app, &actor(ctx), week.as_deref(), whose).await?;
    let (embed, buttons) = week_page(&listed, whose, 0);
    let mut reply = poise::CreateReply::default()
        .embed(embed)
        .ephemeral(true)
        .allowed_mentions(render::no_pings());
    if let Some(buttons) = buttons {
        reply = reply.components(buttons);
    }
    ctx.send(reply).await?;
    Ok(())
}

/// Custom ids of a week list's buttons: `cc:wk:<page>:<week start>:<user or 0>:<p|n>` (the
/// last part only tells Previous from Next, which may lead to the same page). A press
/// reads the week again with the presser's rights ([`on_week_press`]): nothing waits for
/// presses in memory, the page shows the week as it is now, and the buttons keep working.
const WEEK_PAGE_PREFIX: &str = "cc:wk:";

/// Page `index` of a week list, and its Previous / Next buttons when it has several pages.
fn week_page(
    listed: &WeekList,
    whose: Option<UserId>,
    index: usize,
) -> (
    serenity::CreateEmbed,
    Option<Vec<serenity::CreateActionRow>>,
) {
    let (title, lines) = week_lines(listed);
    let pages = render::pages_of(&lines, render::PAGE_LINES);
    let index = index.min(pages.len().saturating_sub(1));
    let embed = super::page_embed(&title, &pages, index);
    if pages.len() < 2 {
        return (embed, None);
    }
    let id = |page: usize| {
        format!(
            "{WEEK_PAGE_PREFIX}{page}:{}:{}",
            listed.week_start.format("%Y-%m-%d"),
            whose.map_or(0, |u| u.0)
        )
    };
    // The two buttons need different ids: Previous of page 1 and Next of page 3 both lead to
    // page 2, so each id also says which button it is.
    let prev = format!("{}:p", id(index.saturating_sub(1)));
    let next = format!("{}:n", id(index + 1));
    let buttons = super::page_buttons(&prev, &next, index, pages.len());
    (embed, Some(buttons))
}

/// Whether `interaction` is a press on a week list's buttons.
pub fn handles_week_press(interaction: &serenity::Interaction) -> bool {
    matches!(interaction, serenity::Interaction::Component(press)
        if press.data.custom_id.starts_with(WEEK_PAGE_PREFIX))
}

/// A press on a week list's Previous / Next: the week is read again and the message shows the
/// requested page (the last one if the week has fewer pages now).
pub async fn on_week_press(
    ctx: &serenity::Context,
    interaction: &serenity::Interaction,
    data: &crate::context::Data,
) -> Result<(), Error> {
    let serenity::Interaction::Component(press) = interaction else {
        return Ok(());
    };
    let parsed = press
        .data
        .custom_id
        .strip_prefix(WEEK_PAGE_PREFIX)
        .and_then(|rest| {
            let mut parts = rest.split(':');
            let page: usize = parts.next()?.parse().ok()?;
            let week = parts.next()?.to_string();
            let user: u64 = parts.next()?.parse().ok()?;
            Some((page, week, (user != 0).then_some(UserId(user))))
        });
    let answer = match parsed {
        None => Err("That button is not valid any more. Run /time list again.".to_string()),
        Some((page, week, whose)) => {
            let actor = crate::context::component_actor(press);
            match entries::list_week(&data.app, &actor, Some(&week), whose).await {
                Ok(listed) => Ok(week_page(&listed, whose, page)),
                Err(e) => Err(e.user_message()),
            }
        }
    };
    let response = match answer {
        Ok((embed, buttons)) => serenity::CreateInteractionResponse::UpdateMessage(
            serenity::CreateInteractionResponseMessage::new()
                .embed(embed)
                .components(buttons.unwrap_or_default())
                .allowed_mentions(render::no_pings()),
        ),
        Err(text) => serenity::CreateInteractionResponse::Message(
            serenity::CreateInteractionResponseMessage::new()
                .content(text)
                .ephemeral(true)
                .allowed_mentions(render::no_pings()),
        ),
    };
    press.create_response(&ctx.http, response).await?;
    Ok(())
}

/// The title (with the week's total, so every page shows it) and the lines of a week list:
/// each day with time, its total, then its entries; a closing line with the totals.
pub fn week_lines(week: &WeekList) -> (String, Vec<String>) {
    let last_day = week
        .week_start
        .checked_add_days(chrono::Days::new(6))
        .unwrap_or(week.week_start);
    let title = format!(
        "{} — {} to {} ({}): {}",
        week.member.name,
        week.week_start.format("%a %Y-%m-%d"),
        last_day.format("%a %Y-%m-%d"),
        week.time_zone.name(),
        format_duration(week.total)
    );
    let mut lines = Vec::new();
    for day in week
        .days
        .iter()
        .filter(|d| week.entries.iter().any(|e| e.local_date == d.date))
    {
        lines.push(format!(
            "**{}** — {}",
            day.date.format("%a %Y-%m-%d"),
            format_duration(day.total)
        ));
        for e in week.entries.iter().filter(|e| e.local_date == day.date) {
            lines.push(entry_line(e));
        }
    }
    if week.entries.is_empty() {
        lines.push("No time entered in this week.".into());
    }
    let mut totals = vec![format!("**Week total: {}**", format_duration(week.total))];
    if let Some(billable) = week.billable_total {
        totals.push(format!("billable {}", format_duration(billable)));
    }
    if let Some(amounts) = &week.amounts {
        totals.extend(amounts.iter().map(|m| m.display()));
    }
    if let Some(status) = week.timesheet {
        totals.push(format!("timesheet {}", status.as_str()));
    }
    lines.push(totals.join(" · "));
    (title, lines)
}

/// An entry in a week list: its number, times, length, work and details.
fn entry_line(e: &EntryView) -> String {
    let end = match e.local_end {
        Some((date, time)) if date != e.local_date => {
            format!("{} {}", date.format("%a"), time.format("%-H:%M"))
        }
        Some((_, time)) => time.format("%-H:%M").to_string(),
        None => "now".into(),
    };
    let mut parts = vec![format!(
        "`#{}` {}–{} **{}** {}",
        e.id,
        e.local_start.format("%-H:%M"),
        end,
        format_duration(e.duration),
        work(e)
    )];
    parts.extend(details(e));
    if e.overlapping {
        parts.push("⚠️ overlaps".into());
    }
    if let Some(note) = lock_note(e) {
        parts.push(note.into());
    }
    parts.join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_named_by_number() {
        assert_eq!(entry_id("#12").unwrap(), 12);
        assert_eq!(entry_id(" 7 ").unwrap(), 7);
        for bad in ["", "#", "abc", "#0", "-3", "Mon 2026-11-23"] {
            let message = entry_id(bad).unwrap_err().user_message();
            assert!(
                message.contains("type its number from /time list"),
                "{message}"
            );
        }
    }

    #[test]
    fn none_clears() {
        assert!(is_none("none") && is_none(" None ") && is_none("-"));
        assert!(!is_none("design"));
    }
}
