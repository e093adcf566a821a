//! Idle-timer reminders on Discord: a loop that DMs people whose timer has run longer than
//! the workspace's idle_reminder_hours, and the DM's two buttons, **Stop now** and **Stop
//! at…** (a modal asking for the time the work ended).
//!
//! The core hands each due reminder to exactly one worker (a claim in the database), so
//! several bot processes may run this loop. A DM that could not be sent for a passing reason
//! is released, so the next round (of any process) tries again; one that can never be sent
//! (the person closed their DMs) is marked sent, so nobody retries it forever.
//!
//! Button and modal ids carry the server, the timer's owner and the entry:
//! `cc:tmr:<stop|at|atm>:<guild>:<user>:<entry>`. A DM is read in no server, so the server is
//! what tells the core which workspace the timer is in; only the owner may press them.

use std::sync::Arc;
use std::time::Duration;

use crewclock::app::reminders::{self, IdleTimer};
use crewclock::app::timers::{self, TimerStopped};
use crewclock::domain::timeparse::format_duration;
use crewclock::domain::{GuildId, UserId};
use crewclock::{Actor, App, AppError};
use poise::serenity_prelude as serenity;
use tokio::sync::watch;

use crate::context::{display_name, Data, Error};
use crate::errors::discord_code;
use crate::render::{self, no_pings};

/// Discord's "Cannot send messages to this user".
const CANNOT_DM: isize = 50007;
/// The shortest pause between two rounds, whatever the configuration says.
const MIN_PAUSE: Duration = Duration::from_millis(10);
/// Longest time accepted in the modal ("6:30 pm" and the like fit easily).
const MAX_TIME_CHARS: u16 = 20;
const TIME_INPUT: &str = "time";

/// This process's name in reminder claims: host and process id, unique among the bot
/// processes sharing a database.
pub fn worker_id() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "crewclock".into());
    let mut id: String = host.chars().take(60).collect();
    id.push_str(&format!(":{}", std::process::id()));
    id
}

/// Looks for due reminders every `every` until `stop` turns true (or its sender is gone).
pub async fn run_loop(
    http: Arc<serenity::Http>,
    app: App,
    every: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let worker = worker_id();
    let every = every.max(MIN_PAUSE);
    tracing::info!(%worker, every_ms = every.as_millis() as u64, "idle reminders started");
    loop {
        tokio::select! {
            changed = stop.changed() => {
                if changed.is_err() || *stop.borrow() {
                    break;
                }
            }
            _ = tokio::time::sleep(every) => round(&http, &app, &worker).await,
        }
    }
    tracing::info!("idle reminders stopped");
}

/// One round: claim what is due, send it, record what happened.
pub async fn round(http: &serenity::Http, app: &App, worker: &str) {
    let due = match reminders::due_idle_timers(app, worker).await {
        Ok(due) => due,
        Err(e) => {
            // The database may be away for a moment; the next round tries again.
            tracing::warn!(error = %e, "could not look for idle timers");
            return;
        }
    };
    for timer in due {
        let outcome = send(http, &timer).await;
        let recorded = match outcome {
            Sent::Yes => reminders::mark_sent(app, timer.reminder_id, worker).await,
            Sent::Never => {
                tracing::info!(user = %timer.user, "idle reminder not deliverable (DMs closed)");
                reminders::mark_sent(app, timer.reminder_id, worker).await
            }
            Sent::Later => reminders::release(app, timer.reminder_id, worker).await,
        };
        if let Err(e) = recorded {
            // The claim runs out by itself; at worst the reminder is sent once more.
            tracing::warn!(error = %e, reminder = timer.reminder_id, "could not record a reminder");
        }
    }
}

enum Sent {
    Yes,
    /// It can never be delivered (DMs closed).
    Never,
    /// A passing failure; try again.
    Later,
}

fn ids(verb: &str, guild: GuildId, user: UserId, entry: i64) -> String {
    format!("cc:tmr:{verb}:{}:{}:{entry}", guild.0, user.0)
}

/// The reminder's text: the timer, how long it has run, and what the buttons do.
pub fn reminder_text(timer: &IdleTimer) -> String {
    let mut what = format!("**{}**", render::safe(&timer.project, 100));
    if let Some(task) = &timer.task {
        what.push_str(&format!(" › **{}**", render::safe(task, 100)));
    }
    if !timer.description.is_empty() {
        what.push_str(&format!(" ({})", render::safe(&timer.description, 200)));
    }
    format!(
        "Your timer on {what} has run for {}, since {} ({}). Still working? If not, **Stop now**, or **Stop at…** the time you stopped, like 18:30.",
        format_duration(timer.elapsed),
        timer.local_start.format("%H:%M"),
        timer.time_zone.name(),
    )
}

async fn send(http: &serenity::Http, timer: &IdleTimer) -> Sent {
    let buttons = vec![serenity::CreateActionRow::Buttons(vec![
        serenity::CreateButton::new(ids("stop", timer.guild, timer.user, timer.entry_id))
            .label("Stop now")
            .style(serenity::ButtonStyle::Danger),
        serenity::CreateButton::new(ids("at", timer.guild, timer.user, timer.entry_id))
            .label("Stop at…")
            .style(serenity::ButtonStyle::Secondary),
    ])];
    let message = serenity::CreateMessage::new()
        .content(reminder_text(timer))
        .components(buttons)
        .allowed_mentions(no_pings());
    let user = serenity::UserId::new(timer.user.0);
    let sent = match user.create_dm_channel(http).await {
        Ok(channel) => channel.id.send_message(http, message).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match sent {
        Ok(()) => Sent::Yes,
        Err(e) if discord_code(&e) == Some(CANNOT_DM) => Sent::Never,
        Err(e) => {
            tracing::warn!(error = %e, user = %timer.user, "could not send an idle reminder");
            Sent::Later
        }
    }
}

/// What a reminder button or modal id names.
#[derive(Debug, PartialEq, Eq)]
struct Target {
    verb: String,
    guild: GuildId,
    owner: UserId,
    entry: i64,
}

fn parse(custom_id: &str) -> Option<Target> {
    let mut parts = custom_id.strip_prefix("cc:tmr:")?.split(':');
    let verb = parts.next()?.to_string();
    let guild = parts.next()?.parse().ok()?;
    let owner = parts.next()?.parse().ok()?;
    let entry = parts.next()?.parse().ok()?;
    if parts.next().is_some() {
        return None;
    }
    Some(Target {
        verb,
        guild: GuildId(guild),
        owner: UserId(owner),
        entry,
    })
}

fn stopped_text(stopped: &TimerStopped) -> String {
    let entry = &stopped.entry;
    format!(
        "Stopped your timer on **{}**: {} ({}), time entry `#{}`. Change it with `/time edit` if needed.",
        render::safe(&entry.project, 100),
        format_duration(entry.duration),
        entry.when_text(),
        entry.id,
    )
}

fn not_yours() -> &'static str {
    "This reminder is about someone else's timer; only they can stop it from here."
}

/// The actor for a press in a DM: the reminder's server, the person who pressed.
fn actor_for(user: &serenity::User, guild: GuildId) -> Actor {
    Actor::in_guild(guild, UserId(user.id.get()), display_name(user, None))
}

/// A press on **Stop now** or **Stop at…**.
pub async fn button(
    ctx: &serenity::Context,
    press: &serenity::ComponentInteraction,
    data: &Data,
) -> Result<(), Error> {
    let Some(target) = parse(&press.data.custom_id) else {
        return answer(
            ctx,
            &press.id,
            &press.token,
            "That button is not valid any more.",
        )
        .await;
    };
    if press.user.id.get() != target.owner.0 {
        return answer(ctx, &press.id, &press.token, not_yours()).await;
    }
    match target.verb.as_str() {
        "stop" => {
            let actor = actor_for(&press.user, target.guild);
            match timers::stop_entry(&data.app, &actor, target.entry).await {
                Ok(stopped) => update(ctx, press, &stopped_text(&stopped)).await,
                Err(e) => answer(ctx, &press.id, &press.token, &e.user_message()).await,
            }
        }
        "at" => {
            let input = serenity::CreateInputText::new(
                serenity::InputTextStyle::Short,
                "When did you stop? (your time, like 18:30)",
                TIME_INPUT,
            )
            .placeholder("18:30")
            .min_length(1)
            .max_length(MAX_TIME_CHARS)
            .required(true);
            let modal = serenity::CreateModal::new(
                ids("atm", target.guild, target.owner, target.entry),
                "Stop the timer at…",
            )
            .components(vec![serenity::CreateActionRow::InputText(input)]);
            press
                .create_response(&ctx.http, serenity::CreateInteractionResponse::Modal(modal))
                .await?;
            Ok(())
        }
        _ => {
            answer(
                ctx,
                &press.id,
                &press.token,
                "That button is not valid any more.",
            )
            .await
        }
    }
}

/// The modal of **Stop at…** submitted.
pub async fn modal(
    ctx: &serenity::Context,
    submit: &serenity::ModalInteraction,
    data: &Data,
) -> Result<(), Error> {
    let Some(target) = parse(&submit.data.custom_id).filter(|t| t.verb == "atm") else {
        return answer(
            ctx,
            &submit.id,
            &submit.token,
            "That form is not valid any more.",
        )
        .await;
    };
    if submit.user.id.get() != target.owner.0 {
        return answer(ctx, &submit.id, &submit.token, not_yours()).await;
    }
    let typed = submit
        .data
        .components
        .iter()
        .flat_map(|row| row.components.iter())
        .find_map(|component| match component {
            serenity::ActionRowComponent::InputText(input) if input.custom_id == TIME_INPUT => {
                input.value.clone()
            }
            _ => None,
        })
        .unwrap_or_default();
    let actor = actor_for(&submit.user, target.guild);
    match timers::stop_at(&data.app, &actor, target.entry, &typed).await {
        Ok(stopped) => {
            let message = serenity::CreateInteractionResponseMessage::new()
                .content(stopped_text(&stopped))
                .components(vec![])
                .allowed_mentions(no_pings());
            // Opened from the reminder's button: replace the reminder, buttons gone.
            let response = if submit.message.is_some() {
                serenity::CreateInteractionResponse::UpdateMessage(message)
            } else {
                serenity::CreateInteractionResponse::Message(message)
            };
            submit.create_response(&ctx.http, response).await?;
            Ok(())
        }
        Err(e) => answer(ctx, &submit.id, &submit.token, &retry_text(&e)).await,
    }
}

/// An error from the modal, with how to try again: the buttons stay on the reminder.
fn retry_text(error: &AppError) -> String {
    match error {
        AppError::Invalid(_) => format!(
            "{} Press **Stop at…** again to type another time.",
            error.user_message()
        ),
        _ => error.user_message(),
    }
}

/// Answers an interaction with a message only the presser sees.
async fn answer(
    ctx: &serenity::Context,
    id: &serenity::InteractionId,
    token: &str,
    text: &str,
) -> Result<(), Error> {
    let message = serenity::CreateInteractionResponseMessage::new()
        .content(text)
        .ephemeral(true)
        .allowed_mentions(no_pings());
    let response = serenity::CreateInteractionResponse::Message(message);
    ctx.http
        .create_interaction_response(*id, token, &response, Vec::new())
        .await?;
    Ok(())
}

/// Replaces the reminder's text and removes its buttons.
async fn update(
    ctx: &serenity::Context,
    press: &serenity::ComponentInteraction,
    text: &str,
) -> Result<(), Error> {
    let message = serenity::CreateInteractionResponseMessage::new()
        .content(text)
        .components(vec![])
        .allowed_mentions(no_pings());
    press
        .create_response(
            &ctx.http,
            serenity::CreateInteractionResponse::UpdateMessage(message),
        )
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_fit_discord() {
        let id = ids("atm", GuildId(u64::MAX), UserId(u64::MAX), i64::MAX);
        assert!(id.len() <= 100, "{}", id.len());
        assert_eq!(
            parse(&id),
            Some(Target {
                verb: "atm".into(),
                guild: GuildId(u64::MAX),
                owner: UserId(u64::MAX),
                entry: i64::MAX,
            })
        );
        assert_eq!(parse("cc:tmr:stop:1:2"), None);
        assert_eq!(parse("cc:tmr:stop:1:2:3:4"), None);
        assert_eq!(parse("cc:tmr:stop:x:2:3"), None);
        assert_eq!(parse("cc:inv:accept:1"), None);
    }

    #[test]
    fn worker_ids_fit_the_core() {
        assert!(worker_id().len() <= reminders::MAX_WORKER_ID);
    }
}
