//! What the bot does on Discord for shared projects once the core has decided: guests given
//! (or losing) view of a guest channel through member permission overwrites, guests told by
//! DM, project cards posted in the guest channel, and the weekly summary loop.
//!
//! Every step reports what Discord refused as a sentence for the person who asked (the bot
//! needs Manage Roles, can't see the channel, DMs are closed); anything unexpected is logged
//! with a reference and answered with that reference only. The database state stays as the
//! core left it: re-running `/share project` repairs missing overwrites, `/share update`
//! posts a card again.
//!
//! The weekly summaries are claimed in the database (`sharing::due_share_summaries`), so
//! several bot processes may run [`run_loop`] and each summary is posted once.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crewclock::app::error::new_reference;
use crewclock::app::sharing::{self, ChannelAccess};
use crewclock::domain::sharing::ProjectCard;
use crewclock::domain::{ChannelId, UserId};
use crewclock::App;
use poise::serenity_prelude as serenity;
use tokio::sync::watch;

use crate::effects::{send_dm, DmOutcome};
use crate::errors::discord_code;
use crate::render::{self, no_pings};

/// What a guest may do in the guest channel: see it, talk, read what was said before.
pub fn guest_allow() -> serenity::Permissions {
    serenity::Permissions::VIEW_CHANNEL
        | serenity::Permissions::SEND_MESSAGES
        | serenity::Permissions::READ_MESSAGE_HISTORY
}

/// The shortest pause between two summary rounds, whatever the configuration says.
const MIN_PAUSE: Duration = Duration::from_millis(10);

/// Discord's refusal codes we explain to people.
const UNKNOWN_CHANNEL: isize = 10003;
const MISSING_ACCESS: isize = 50001;
const MISSING_PERMISSIONS: isize = 50013;

/// Why Discord refused a step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The bot lacks a permission (Manage Roles for overwrites, Send Messages for posts).
    MissingPermissions,
    /// The bot can't see the channel.
    MissingAccess,
    /// The channel was deleted.
    UnknownChannel,
    /// Anything else; logged under this reference.
    Other(String),
}

impl Refusal {
    fn of(error: &serenity::Error, step: &str) -> Refusal {
        match discord_code(error) {
            Some(MISSING_PERMISSIONS) => Refusal::MissingPermissions,
            Some(MISSING_ACCESS) => Refusal::MissingAccess,
            Some(UNKNOWN_CHANNEL) => Refusal::UnknownChannel,
            _ => {
                let reference = new_reference();
                tracing::warn!(%reference, error = %error, step, "Discord refused a sharing step");
                Refusal::Other(reference)
            }
        }
    }

    /// Whether trying again later can't help until someone changes the server.
    fn lasting(&self) -> bool {
        !matches!(self, Refusal::Other(_))
    }
}

/// The overwrites that Discord refused, each with why.
#[derive(Debug, Default)]
pub struct AccessOutcome {
    pub done: Vec<ChannelAccess>,
    pub failed: Vec<(ChannelAccess, Refusal)>,
}

/// Lets each guest see and talk in the guest channel (a member overwrite; setting it again
/// is harmless, which is what makes re-running `/share project` a repair).
pub async fn grant_view(http: &serenity::Http, accesses: &[ChannelAccess]) -> AccessOutcome {
    let mut outcome = AccessOutcome::default();
    for access in accesses {
        let overwrite = serenity::PermissionOverwrite {
            allow: guest_allow(),
            deny: serenity::Permissions::empty(),
            kind: serenity::PermissionOverwriteType::Member(serenity::UserId::new(access.user.0)),
        };
        match serenity::ChannelId::new(access.channel.0)
            .create_permission(http, overwrite)
            .await
        {
            Ok(()) => outcome.done.push(*access),
            Err(e) => outcome
                .failed
                .push((*access, Refusal::of(&e, "grant channel view"))),
        }
    }
    outcome
}

/// Takes the guests' overwrites away (a missing overwrite counts as removed).
pub async fn remove_view(http: &serenity::Http, accesses: &[ChannelAccess]) -> AccessOutcome {
    let mut outcome = AccessOutcome::default();
    for access in accesses {
        let kind = serenity::PermissionOverwriteType::Member(serenity::UserId::new(access.user.0));
        match serenity::ChannelId::new(access.channel.0)
            .delete_permission(http, kind)
            .await
        {
            Ok(()) => outcome.done.push(*access),
            // A deleted channel has no overwrites left to remove.
            Err(e) if discord_code(&e) == Some(UNKNOWN_CHANNEL) => outcome.done.push(*access),
            Err(e) => outcome
                .failed
                .push((*access, Refusal::of(&e, "remove channel view"))),
        }
    }
    outcome
}

fn mentions(users: &[UserId]) -> String {
    users
        .iter()
        .map(|u| render::mention(*u))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One sentence per channel and reason for overwrites Discord refused; `granting` says
/// whether access was being given or taken away.
pub fn access_problems(outcome: &AccessOutcome, granting: bool) -> Vec<String> {
    let mut groups: Vec<(ChannelId, &Refusal, Vec<UserId>)> = Vec::new();
    for (access, why) in &outcome.failed {
        match groups
            .iter_mut()
            .find(|(c, w, _)| *c == access.channel && *w == why)
        {
            Some((_, _, users)) => users.push(access.user),
            None => groups.push((access.channel, why, vec![access.user])),
        }
    }
    groups
        .into_iter()
        .map(|(channel, why, users)| {
            let who = mentions(&users);
            let (what, fix) = if granting {
                (
                    format!("I couldn't let {who} see <#{channel}>"),
                    "then run `/share project` again: it sets the missing permissions",
                )
            } else {
                (
                    format!("I couldn't take away the access of {who} to <#{channel}>"),
                    "or remove their permission in the channel's settings by hand",
                )
            };
            match why {
                Refusal::MissingPermissions => format!(
                    "{what}: I need the **Manage Roles** permission (Manage Permissions on that channel); give it to me {fix}."
                ),
                Refusal::MissingAccess => format!(
                    "{what}: I can't see that channel. Give me **View Channel** and **Manage Permissions** there, {fix}."
                ),
                Refusal::UnknownChannel => format!("{what}: that channel no longer exists."),
                Refusal::Other(reference) => format!(
                    "{what}: Discord didn't accept the change (reference {reference}); try again later, {fix}."
                ),
            }
        })
        .collect()
}

/// Why a project card was posted, shown in its footer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardReason {
    Shared,
    Update,
    StageChanged,
    TaskDone,
    Weekly,
}

impl CardReason {
    fn footer(self) -> &'static str {
        match self {
            CardReason::Shared => {
                "This project was shared with this channel; updates are posted here"
            }
            CardReason::Update => "Project update",
            CardReason::StageChanged => "Project update: the stage changed",
            CardReason::TaskDone => "Project update: a task was completed",
            CardReason::Weekly => "Weekly summary",
        }
    }
}

fn percent(part: usize, whole: usize) -> Option<usize> {
    (whole > 0).then(|| (part * 100 + whole / 2) / whole)
}

/// The card as an embed: one line per shared field and nothing else (the core left every
/// other field empty, and the card never holds rates, money or anyone's own time).
pub fn card_embed(card: &ProjectCard, reason: CardReason) -> serenity::CreateEmbed {
    let mut lines = Vec::new();
    if let Some(stage) = &card.stage {
        let stage = stage
            .as_deref()
            .map(|s| render::safe(s, 100))
            .unwrap_or_else(|| "not set".into());
        lines.push(format!("**Stage:** {stage}"));
    }
    if let Some(due) = &card.due_date {
        lines.push(match due {
            Some(date) => format!("**Due:** {}", date.format("%Y-%m-%d")),
            None => "**Due:** no due date".into(),
        });
    }
    if let Some(hours) = &card.hours_of_budget {
        lines.push(match hours {
            Some(p) => format!("**Hours of budget used:** {p}%"),
            None => "**Hours of budget used:** no hours budget".into(),
        });
    }
    if let Some((done, total)) = card.tasks_done {
        lines.push(match percent(done, total) {
            Some(p) => format!("**Tasks done:** {done} of {total} ({p}%)"),
            None => "**Tasks done:** no tasks yet".into(),
        });
    }
    if let Some((tasks, more)) = &card.tasks {
        if tasks.is_empty() {
            lines.push("**Tasks:** none yet".into());
        } else {
            lines.push("**Tasks:**".into());
            for task in tasks {
                let mark = if task.done { "✅" } else { "⬜" };
                lines.push(format!("{mark} {}", render::safe(&task.name, 100)));
            }
            if *more > 0 {
                lines.push(format!("…and {more} more"));
            }
        }
    }
    crate::commands::embed(&render::safe(&card.project, 200), &lines.join("\n"))
        .footer(serenity::CreateEmbedFooter::new(reason.footer()))
}

/// Posts the card in the guest channel.
pub async fn post_card(
    http: &serenity::Http,
    channel: ChannelId,
    card: &ProjectCard,
    reason: CardReason,
) -> Result<(), Refusal> {
    let message = serenity::CreateMessage::new()
        .embed(card_embed(card, reason))
        .allowed_mentions(no_pings());
    serenity::ChannelId::new(channel.0)
        .send_message(http, message)
        .await
        .map(|_| ())
        .map_err(|e| Refusal::of(&e, "post project card"))
}

/// A sentence for a card that could not be posted in `channel`.
pub fn post_problem(channel: ChannelId, why: &Refusal) -> String {
    let what = format!("I couldn't post the project card in <#{channel}>");
    match why {
        Refusal::MissingPermissions | Refusal::MissingAccess => format!(
            "{what}: I need **View Channel**, **Send Messages** and **Embed Links** there. Post it later with `/share update`."
        ),
        Refusal::UnknownChannel => format!(
            "{what}: that channel no longer exists. End the share with `/share revoke` and share the project in another channel."
        ),
        Refusal::Other(reference) => format!(
            "{what}: Discord didn't accept it (reference {reference}). Post it later with `/share update`."
        ),
    }
}

/// After a shared project changed (stage, a task done): posts its card in the guest channel.
/// Returns a warning for the person when the card could not be posted; nothing when the
/// project isn't shared.
pub async fn post_live_card(
    http: &serenity::Http,
    app: &App,
    project_id: i64,
    reason: CardReason,
) -> Option<String> {
    let share = match sharing::live_card(app, project_id).await {
        Ok(Some(share)) => share,
        Ok(None) => return None,
        Err(e) => {
            // The change itself is saved; only the guests' card is missing.
            tracing::warn!(error = %e, project_id, "could not build a shared project's card");
            return Some(format!(
                "The guests' project card could not be updated ({}); post it with `/share update`.",
                e.user_message()
            ));
        }
    };
    post_card(http, share.guest_channel, &share.card, reason)
        .await
        .err()
        .map(|why| post_problem(share.guest_channel, &why))
}

/// Removes overwrites the core says are over (a member removed, sharing turned off) and
/// returns the warnings for the person.
pub async fn unshare(http: &serenity::Http, accesses: &[ChannelAccess]) -> Vec<String> {
    if accesses.is_empty() {
        return Vec::new();
    }
    let outcome = remove_view(http, accesses).await;
    access_problems(&outcome, false)
}

/// How a guest can follow a shared project on the web, for the DM telling them about it.
pub enum WebPage {
    /// The bot has no web address: nothing to link to.
    None,
    /// Their own link to the project's page (`/p/<token>`), valid until `until`.
    Link { url: String, until: DateTime<Utc> },
    /// A web address exists but their link couldn't be made now: point to `/me project-link`.
    Later,
}

/// Tells a guest by DM that a project was shared with them, where its updates go, and how
/// to follow it on the web.
pub async fn tell_guest(
    http: &serenity::Http,
    guest: UserId,
    project: &str,
    channel: ChannelId,
    by: &str,
    server: Option<&str>,
    page: &WebPage,
) -> DmOutcome {
    let server = server
        .map(|s| format!(" on the Discord server **{}**", render::safe(s, 60)))
        .unwrap_or_default();
    let mut content = format!(
        "**{by}** shared the project **{project}** with you{server}. Its updates are posted in <#{channel}>, where you can also talk with the team.",
        by = render::name(by),
        project = render::safe(project, 100),
    );
    match page {
        WebPage::None => {}
        WebPage::Link { url, until } => content.push_str(&format!(
            "\nFollow it on the web, with the guest chat: <{url}>\nThis link is yours, so keep it to yourself; it works until {until} while the project is shared with you. For a fresh one, run `/me project-link` on the server.",
            until = render::date(*until),
        )),
        WebPage::Later => content.push_str(
            "\nTo follow it on the web, run `/me project-link` on the server: it gives you a link to the project's page.",
        ),
    }
    let message = serenity::CreateMessage::new()
        .content(content)
        .allowed_mentions(no_pings());
    send_dm(http, guest, message).await
}

/// Looks for due weekly summaries every `every` until `stop` turns true (or its sender is
/// gone).
pub async fn run_loop(
    http: Arc<serenity::Http>,
    app: App,
    every: Duration,
    mut stop: watch::Receiver<bool>,
) {
    let worker = crate::reminders::worker_id();
    let every = every.max(MIN_PAUSE);
    tracing::info!(%worker, every_ms = every.as_millis() as u64, "share summaries started");
    loop {
        tokio::select! {
            changed = stop.changed() => {
                if changed.is_err() || *stop.borrow() {
                    break;
                }
            }
            _ = tokio::time::sleep(every) => {
                summary_round(&http, &app, &worker).await;
            }
        }
    }
    tracing::info!("share summaries stopped");
}

/// One round: claim the due summaries, post each card, record what happened. Returns how
/// many were posted.
pub async fn summary_round(http: &serenity::Http, app: &App, worker: &str) -> usize {
    let due = match sharing::due_share_summaries(app, worker).await {
        Ok(due) => due,
        Err(e) => {
            // The database may be away for a moment; the next round tries again.
            tracing::warn!(error = %e, "could not look for share summaries");
            return 0;
        }
    };
    let mut posted = 0;
    for summary in due {
        let outcome = post_card(
            http,
            summary.guest_channel,
            &summary.card,
            CardReason::Weekly,
        )
        .await;
        let recorded = match outcome {
            Ok(()) => {
                posted += 1;
                sharing::mark_summary_posted(app, summary.summary_id, worker).await
            }
            // Until someone fixes the channel, retrying every round would only fail again:
            // this week's summary is skipped, next week's tries again.
            Err(why) if why.lasting() => {
                tracing::warn!(share = summary.share_id, channel = %summary.guest_channel, ?why, "weekly share summary not postable; skipped this week");
                sharing::mark_summary_posted(app, summary.summary_id, worker).await
            }
            Err(_) => sharing::release_summary(app, summary.summary_id, worker).await,
        };
        if let Err(e) = recorded {
            // The claim runs out by itself; at worst the summary is posted once more.
            tracing::warn!(error = %e, summary = summary.summary_id, "could not record a share summary");
        }
    }
    posted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_group_by_channel_and_reason() {
        let access = |c, u| ChannelAccess {
            channel: ChannelId(c),
            user: UserId(u),
        };
        let outcome = AccessOutcome {
            done: vec![access(1, 9)],
            failed: vec![
                (access(1, 2), Refusal::MissingPermissions),
                (access(1, 3), Refusal::MissingPermissions),
                (access(4, 2), Refusal::Other("E00000001".into())),
            ],
        };
        let lines = access_problems(&outcome, true);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[0].contains("<@2>, <@3>") && lines[0].contains("Manage Roles"));
        assert!(lines[1].contains("E00000001"), "{}", lines[1]);
        let lines = access_problems(&outcome, false);
        assert!(lines[0].contains("take away"), "{}", lines[0]);
    }

    #[test]
    fn percentages_round() {
        assert_eq!(percent(1, 3), Some(33));
        assert_eq!(percent(2, 3), Some(67));
        assert_eq!(percent(0, 0), None);
    }
}
