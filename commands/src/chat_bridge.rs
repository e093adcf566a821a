//! The chat bridge: messages, edits and deletes seen on the gateway go to the core
//! (`app::sharing::record_*`), which keeps those in a share's guest channel as the project's
//! guest chat and those in its team channel as the members chat, and ignores the rest with one
//! indexed lookup. Posts by bots (the bot's own cards and summaries, other bots) and webhooks
//! are not chat and cost nothing. Replayed events store nothing twice (the core is idempotent
//! on the Discord message id). A failure is logged and never stops the event handler.

use chrono::{DateTime, Utc};
use crewclock::app::sharing::{self, Bridged, IncomingEdit, IncomingMessage};
use crewclock::domain::{ChannelId, UserId};
use crewclock::store::sharing::Attachment;
use poise::serenity_prelude as serenity;

use crate::context::{display_name, Data};

/// Whether a message is something a person wrote: not a bot's post, not a webhook's, not a
/// system message (pins, joins, thread starts …).
fn written_by_a_person(
    author: &serenity::User,
    webhook: bool,
    kind: serenity::MessageType,
) -> bool {
    !author.bot
        && !author.system
        && !webhook
        && matches!(
            kind,
            serenity::MessageType::Regular | serenity::MessageType::InlineReply
        )
}

fn author_name(author: &serenity::User, member: Option<&serenity::PartialMember>) -> String {
    member
        .and_then(|m| m.nick.clone())
        .unwrap_or_else(|| display_name(author, None))
}

fn attachments(list: &[serenity::Attachment]) -> Vec<Attachment> {
    list.iter()
        .map(|a| Attachment {
            name: a.filename.clone(),
            url: a.url.clone(),
        })
        .collect()
}

fn utc(at: &serenity::Timestamp) -> DateTime<Utc> {
    **at
}

fn log(
    what: &str,
    channel: serenity::ChannelId,
    message: u64,
    outcome: crewclock::AppResult<Bridged>,
) {
    match outcome {
        Ok(Bridged::Stored) => {
            tracing::debug!(%channel, message, what, "chat bridged");
        }
        Ok(Bridged::Duplicate) => {
            tracing::debug!(%channel, message, what, "chat event seen before; nothing changed");
        }
        Ok(Bridged::Ignored) => {}
        Err(e) => {
            tracing::warn!(%channel, message, what, error = %e, "chat bridge failed");
        }
    }
}

/// MESSAGE_CREATE.
pub async fn on_message(data: &Data, message: &serenity::Message) {
    if message.guild_id.is_none()
        || !written_by_a_person(&message.author, message.webhook_id.is_some(), message.kind)
    {
        return;
    }
    let incoming = IncomingMessage {
        channel: ChannelId(message.channel_id.get()),
        message_id: message.id.get(),
        author: UserId(message.author.id.get()),
        author_name: author_name(&message.author, message.member.as_deref()),
        content: message.content.clone(),
        attachments: attachments(&message.attachments),
        at: utc(&message.timestamp),
    };
    let outcome = sharing::record_message(&data.app, &incoming).await;
    log("message", message.channel_id, message.id.get(), outcome);
}

/// MESSAGE_UPDATE. Only real edits count: Discord also sends updates when it adds link
/// previews or a message is pinned, without a new edit time or without content.
pub async fn on_update(data: &Data, event: &serenity::MessageUpdateEvent) {
    if event.guild_id.is_none() {
        return;
    }
    let webhook = matches!(event.webhook_id, Some(Some(_)));
    if let Some(author) = &event.author {
        let kind = event.kind.unwrap_or(serenity::MessageType::Regular);
        if !written_by_a_person(author, webhook, kind) {
            return;
        }
    } else if webhook {
        return;
    }
    let (Some(content), Some(edited_at)) = (&event.content, &event.edited_timestamp) else {
        return;
    };
    let member = match &event.member {
        Some(Some(member)) => Some(member.as_ref()),
        _ => None,
    };
    let edit = IncomingEdit {
        channel: ChannelId(event.channel_id.get()),
        message_id: event.id.get(),
        author: event
            .author
            .as_ref()
            .map(|a| (UserId(a.id.get()), author_name(a, member))),
        content: content.clone(),
        attachments: event
            .attachments
            .as_deref()
            .map(attachments)
            .unwrap_or_default(),
        edited_at: utc(edited_at),
    };
    let outcome = sharing::record_edit(&data.app, &edit).await;
    log("edit", event.channel_id, event.id.get(), outcome);
}

/// MESSAGE_DELETE and MESSAGE_DELETE_BULK (at most 100 ids): each message is marked
/// deleted, not lost.
pub async fn on_delete(
    data: &Data,
    guild: Option<serenity::GuildId>,
    channel: serenity::ChannelId,
    messages: &[serenity::MessageId],
) {
    if guild.is_none() {
        return;
    }
    let at = data.app.clock.now();
    for message in messages {
        let outcome =
            sharing::record_delete(&data.app, ChannelId(channel.get()), message.get(), at).await;
        log("delete", channel, message.get(), outcome);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Kind = poise::serenity_prelude::MessageType;

    #[test]
    fn only_what_people_write_is_chat() {
        let person = serenity::User::default();
        let mut bot = serenity::User::default();
        bot.bot = true;
        let mut system = serenity::User::default();
        system.system = true;
        assert!(written_by_a_person(&person, false, Kind::Regular));
        assert!(written_by_a_person(&person, false, Kind::InlineReply));
        assert!(!written_by_a_person(&bot, false, Kind::Regular));
        assert!(!written_by_a_person(&system, false, Kind::Regular));
        assert!(!written_by_a_person(&person, true, Kind::Regular));
        for kind in [
            Kind::PinsAdd,
            Kind::MemberJoin,
            Kind::ThreadCreated,
            Kind::ChatInputCommand,
        ] {
            assert!(!written_by_a_person(&person, false, kind), "{kind:?}");
        }
    }
}
