//! The slash commands, one module per command group, and the reply helpers they share.

mod client;
mod help;
mod invite;
mod join;
mod me;
mod member;
mod pickers;
mod project;
pub mod report;
mod share;
mod stage;
mod tag;
mod task;
pub(crate) mod time;
mod timer;
pub(crate) mod timesheet;
mod workspace;

use std::time::Duration;

use futures::StreamExt;

use crewclock::domain::Role;
use poise::serenity_prelude as serenity;

use crate::context::{Context, Data, Error};
use crate::render::{self, no_pings};

pub fn all() -> Vec<poise::Command<Data, Error>> {
    vec![
        workspace::workspace(),
        member::member(),
        invite::invite(),
        join::join(),
        project::project(),
        client::client(),
        task::task(),
        tag::tag(),
        stage::stage(),
        time::time(),
        timesheet::timesheet(),
        timer::timer(),
        me::me(),
        report::report(),
        share::share(),
        help::help(),
    ]
}

/// Workspace roles offered in commands. The Owner is not among them: ownership moves only by
/// `/workspace transfer-owner`.
#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum RoleChoice {
    Admin,
    Manager,
    Member,
    Viewer,
    Guest,
}

impl From<RoleChoice> for Role {
    fn from(choice: RoleChoice) -> Role {
        match choice {
            RoleChoice::Admin => Role::Admin,
            RoleChoice::Manager => Role::Manager,
            RoleChoice::Member => Role::Member,
            RoleChoice::Viewer => Role::Viewer,
            RoleChoice::Guest => Role::Guest,
        }
    }
}

/// A reply only the caller sees.
pub async fn private(ctx: Context<'_>, text: impl Into<String>) -> Result<(), Error> {
    ctx.send(
        poise::CreateReply::default()
            .content(text)
            .ephemeral(true)
            .allowed_mentions(no_pings()),
    )
    .await?;
    Ok(())
}

/// A reply everyone in the channel sees (still pinging nobody).
pub async fn public(ctx: Context<'_>, text: impl Into<String>) -> Result<(), Error> {
    ctx.send(
        poise::CreateReply::default()
            .content(text)
            .allowed_mentions(no_pings()),
    )
    .await?;
    Ok(())
}

pub fn embed(title: &str, description: &str) -> serenity::CreateEmbed {
    serenity::CreateEmbed::new()
        .title(title.chars().take(256).collect::<String>())
        .description(
            description
                .chars()
                .take(render::MAX_EMBED_DESCRIPTION)
                .collect::<String>(),
        )
        .colour(0x3b82f6)
}

const CONFIRM_TIMEOUT: Duration = Duration::from_secs(60);

/// Asks the caller to confirm a destructive action with buttons (ephemeral). Returns the
/// button press when confirmed, so the caller can answer it; `None` after Cancel or timeout
/// (the message then says that nothing was changed).
pub async fn confirm(
    ctx: Context<'_>,
    question: &str,
    confirm_label: &str,
) -> Result<Option<serenity::ComponentInteraction>, Error> {
    let id = ctx.id();
    let yes = format!("cc:confirm:{id}:yes");
    let no = format!("cc:confirm:{id}:no");
    let buttons = vec![serenity::CreateActionRow::Buttons(vec![
        serenity::CreateButton::new(&yes)
            .label(confirm_label)
            .style(serenity::ButtonStyle::Danger),
        serenity::CreateButton::new(&no)
            .label("Cancel")
            .style(serenity::ButtonStyle::Secondary),
    ])];
    // Listen before sending, so a fast click can't arrive before the collector exists.
    let prefix = format!("cc:confirm:{id}:");
    let mut presses = serenity::ComponentInteractionCollector::new(ctx.serenity_context())
        .author_id(ctx.author().id)
        .timeout(CONFIRM_TIMEOUT)
        .filter(move |press| press.data.custom_id.starts_with(&prefix))
        .stream();
    let handle = ctx
        .send(
            poise::CreateReply::default()
                .content(question)
                .components(buttons)
                .ephemeral(true)
                .allowed_mentions(no_pings()),
        )
        .await?;
    let press = presses.next().await;
    match press {
        Some(press) if press.data.custom_id == yes => Ok(Some(press)),
        Some(press) => {
            update(ctx, &press, "Cancelled; nothing was changed.").await?;
            Ok(None)
        }
        None => {
            handle
                .edit(
                    ctx,
                    poise::CreateReply::default()
                        .content("No answer within a minute; nothing was changed.")
                        .components(vec![])
                        .allowed_mentions(no_pings()),
                )
                .await?;
            Ok(None)
        }
    }
}

/// Answers a button press by replacing the message's text and removing its buttons.
pub async fn update(
    ctx: Context<'_>,
    press: &serenity::ComponentInteraction,
    text: &str,
) -> Result<(), Error> {
    press
        .create_response(
            ctx.http(),
            serenity::CreateInteractionResponse::UpdateMessage(
                serenity::CreateInteractionResponseMessage::new()
                    .content(text)
                    .components(vec![])
                    .allowed_mentions(no_pings()),
            ),
        )
        .await?;
    Ok(())
}

const PAGE_TIMEOUT: Duration = Duration::from_secs(300);

/// Page `index` of `pages` under `title`, with "Page i of n" when there are several.
pub fn page_embed(title: &str, pages: &[String], index: usize) -> serenity::CreateEmbed {
    let mut shown = embed(title, pages.get(index).map(String::as_str).unwrap_or(""));
    if pages.len() > 1 {
        shown = shown.footer(serenity::CreateEmbedFooter::new(format!(
            "Page {} of {}",
            index + 1,
            pages.len()
        )));
    }
    shown
}

/// Previous / Next buttons (custom ids `prev`, `next`) for page `index` of `count`.
pub fn page_buttons(
    prev: &str,
    next: &str,
    index: usize,
    count: usize,
) -> Vec<serenity::CreateActionRow> {
    vec![serenity::CreateActionRow::Buttons(vec![
        serenity::CreateButton::new(prev)
            .label("Previous")
            .disabled(index == 0),
        serenity::CreateButton::new(next)
            .label("Next")
            .disabled(index + 1 >= count),
    ])]
}

/// Shows `lines` as an embed, a page at a time, with Previous / Next buttons when needed.
///
/// With buttons, this waits up to [`PAGE_TIMEOUT`] for presses and keeps the pages' text
/// meanwhile: callers pass the lines by value and let go of what they were made from first
/// (a soak showed a week's full entry views, kept for every open list, as steady growth).
pub async fn paginate(
    ctx: Context<'_>,
    title: &str,
    lines: Vec<String>,
    ephemeral: bool,
) -> Result<(), Error> {
    paginate_by(ctx, title, lines, ephemeral, render::PAGE_LINES).await
}

/// Like [`paginate`], with at most `per_page` lines on a page.
pub async fn paginate_by(
    ctx: Context<'_>,
    title: &str,
    lines: Vec<String>,
    ephemeral: bool,
    per_page: usize,
) -> Result<(), Error> {
    let pages = render::pages_of(&lines, per_page);
    drop(lines);
    let id = ctx.id();
    let prev = format!("cc:page:{id}:prev");
    let next = format!("cc:page:{id}:next");
    let page_embed = |index: usize| page_embed(title, &pages, index);
    let buttons = |index: usize| page_buttons(&prev, &next, index, pages.len());
    let mut reply = poise::CreateReply::default()
        .embed(page_embed(0))
        .ephemeral(ephemeral)
        .allowed_mentions(no_pings());
    if pages.len() > 1 {
        reply = reply.components(buttons(0));
    }
    if pages.len() == 1 {
        ctx.send(reply).await?;
        return Ok(());
    }
    let prefix = format!("cc:page:{id}:");
    let mut presses = serenity::ComponentInteractionCollector::new(ctx.serenity_context())
        .author_id(ctx.author().id)
        .timeout(PAGE_TIMEOUT)
        .filter(move |press| press.data.custom_id.starts_with(&prefix))
        .stream();
    let handle = ctx.send(reply).await?;
    let mut index = 0;
    while let Some(press) = presses.next().await {
        if press.data.custom_id == next {
            index = (index + 1).min(pages.len() - 1);
        } else {
            index = index.saturating_sub(1);
        }
        press
            .create_response(
                ctx.http(),
                serenity::CreateInteractionResponse::UpdateMessage(
                    serenity::CreateInteractionResponseMessage::new()
                        .embed(page_embed(index))
                        .components(buttons(index))
                        .allowed_mentions(no_pings()),
                ),
            )
            .await?;
    }
    handle
        .edit(
            ctx,
            poise::CreateReply::default()
                .embed(page_embed(index))
                .components(vec![])
                .allowed_mentions(no_pings()),
        )
        .await?;
    Ok(())
}
