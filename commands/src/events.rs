//! Gateway events: invitation and timesheet-approval buttons pressed in DMs, idle-reminder
//! buttons and their modal, linked Discord roles changing, people leaving the server, and
//! messages, edits and deletes for the chat bridge (`crate::chat_bridge`).

use crewclock::app::sharing::ChannelAccess;
use crewclock::app::{discord_sync, invitations};
use crewclock::domain::{DiscordRoleId, GuildId, UserId};
use poise::serenity_prelude as serenity;

use crate::context::{component_actor, display_name, Data, Error};
use crate::effects::apply_role_sync;
use crate::render::{self, no_pings};

pub async fn handle(
    ctx: &serenity::Context,
    event: &serenity::FullEvent,
    data: &Data,
) -> Result<(), Error> {
    match event {
        serenity::FullEvent::InteractionCreate {
            interaction: serenity::Interaction::Component(press),
        } if press.data.custom_id.starts_with("cc:inv:") => {
            invitation_button(ctx, press, data).await
        }
        serenity::FullEvent::InteractionCreate { interaction }
            if crate::commands::time::handles_week_press(interaction) =>
        {
            crate::commands::time::on_week_press(ctx, interaction, data).await
        }
        serenity::FullEvent::InteractionCreate { interaction }
            if crate::commands::timesheet::handles(interaction) =>
        {
            crate::commands::timesheet::on_interaction(ctx, interaction, data).await
        }
        serenity::FullEvent::InteractionCreate {
            interaction: serenity::Interaction::Component(press),
        } if press.data.custom_id.starts_with("cc:tmr:") => {
            crate::reminders::button(ctx, press, data).await
        }
        serenity::FullEvent::InteractionCreate {
            interaction: serenity::Interaction::Modal(submit),
        } if submit.data.custom_id.starts_with("cc:tmr:") => {
            crate::reminders::modal(ctx, submit, data).await
        }
        serenity::FullEvent::GuildMemberUpdate {
            old_if_available,
            event,
            ..
        } => {
            let observed_at = data.app.clock.now();
            let before: Option<Vec<DiscordRoleId>> = old_if_available
                .as_ref()
                .map(|old| old.roles.iter().map(|r| DiscordRoleId(r.get())).collect());
            // Handlers run concurrently and may run late: judge by the member's latest roles
            // (the cache is updated in event order), not by this event's possibly stale copy.
            let latest = ctx
                .cache
                .guild(event.guild_id)
                .and_then(|guild| guild.members.get(&event.user.id).map(|m| m.roles.clone()))
                .unwrap_or_else(|| event.roles.clone());
            let after: Vec<DiscordRoleId> = latest.iter().map(|r| DiscordRoleId(r.get())).collect();
            let name = event
                .nick
                .clone()
                .unwrap_or_else(|| display_name(&event.user, None));
            let outcome = discord_sync::sync_member_roles_observed(
                &data.app,
                GuildId(event.guild_id.get()),
                UserId(event.user.id.get()),
                &name,
                before.as_deref(),
                &after,
                observed_at,
            )
            .await?;
            if let Some(outcome) = outcome {
                tracing::info!(user = %event.user.id, from = ?outcome.from, to = ?outcome.to, "workspace role synced from Discord");
                remove_share_access(&ctx.http, &outcome.unshared).await;
            }
            Ok(())
        }
        serenity::FullEvent::Message { new_message } => {
            crate::chat_bridge::on_message(data, new_message).await;
            Ok(())
        }
        serenity::FullEvent::MessageUpdate { event, .. } => {
            crate::chat_bridge::on_update(data, event).await;
            Ok(())
        }
        serenity::FullEvent::MessageDelete {
            channel_id,
            deleted_message_id,
            guild_id,
        } => {
            crate::chat_bridge::on_delete(data, *guild_id, *channel_id, &[*deleted_message_id])
                .await;
            Ok(())
        }
        serenity::FullEvent::MessageDeleteBulk {
            channel_id,
            multiple_deleted_messages_ids,
            guild_id,
        } => {
            crate::chat_bridge::on_delete(
                data,
                *guild_id,
                *channel_id,
                multiple_deleted_messages_ids,
            )
            .await;
            Ok(())
        }
        serenity::FullEvent::GuildMemberRemoval { guild_id, user, .. } => {
            let left = discord_sync::member_left_server(
                &data.app,
                GuildId(guild_id.get()),
                UserId(user.id.get()),
            )
            .await?;
            if let Some(left) = left {
                tracing::info!(user = %user.id, shares = left.unshared.len(), "member left the server; deactivated");
                remove_share_access(&ctx.http, &left.unshared).await;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Takes away guest-channel access the core ended on a Discord event. Nobody ran a command to
/// read a warning, so what Discord refuses goes to the log (an Admin fixes it by hand or with
/// `/share revoke`).
async fn remove_share_access(http: &serenity::Http, unshared: &[ChannelAccess]) {
    for warning in crate::sharing_posts::unshare(http, unshared).await {
        tracing::warn!(%warning, "share access not removed after a Discord event");
    }
}

/// Accept / Decline on an invitation DM: `cc:inv:<accept|decline>:<id>`.
async fn invitation_button(
    ctx: &serenity::Context,
    press: &serenity::ComponentInteraction,
    data: &Data,
) -> Result<(), Error> {
    let mut parts = press.data.custom_id.split(':').skip(2);
    let (Some(verb), Some(id)) = (
        parts.next(),
        parts.next().and_then(|id| id.parse::<i64>().ok()),
    ) else {
        return respond_ephemeral(ctx, press, "That button is not valid any more.").await;
    };
    let actor = component_actor(press);
    let answer = match verb {
        "accept" => invitations::accept(&data.app, &actor, id).await.map(Some),
        "decline" => invitations::decline(&data.app, &actor, id)
            .await
            .map(|_| None),
        _ => return respond_ephemeral(ctx, press, "That button is not valid any more.").await,
    };
    match answer {
        Ok(Some(joined)) => {
            let mut text = format!(
                "✅ You joined **{}** as {}.{}",
                render::safe(&joined.workspace.name, 60),
                joined.member.role.with_article(),
                if joined.returned {
                    " Welcome back: your history is all there."
                } else {
                    ""
                }
            );
            text.push_str(" Use /help in the server to see what you can do.");
            if let Some(warning) = apply_role_sync(
                &ctx.http,
                joined.workspace.guild_id,
                actor.user,
                &joined.discord,
            )
            .await
            {
                tracing::warn!(%warning, "role sync after joining");
            }
            update_message(ctx, press, &text).await
        }
        Ok(None) => {
            update_message(
                ctx,
                press,
                "You declined the invitation. Nothing else will happen.",
            )
            .await
        }
        Err(e) => respond_ephemeral(ctx, press, &e.user_message()).await,
    }
}

async fn update_message(
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

pub async fn respond_ephemeral(
    ctx: &serenity::Context,
    press: &serenity::ComponentInteraction,
    text: &str,
) -> Result<(), Error> {
    let message = serenity::CreateInteractionResponseMessage::new()
        .content(text)
        .ephemeral(true)
        .allowed_mentions(no_pings());
    press
        .create_response(
            &ctx.http,
            serenity::CreateInteractionResponse::Message(message),
        )
        .await?;
    Ok(())
}
