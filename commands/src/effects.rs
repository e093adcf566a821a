//! What the bot does on Discord after the core decided: linked Discord roles added or
//! removed, direct messages (invitations, timesheet approvals) sent. Failures are turned into
//! a sentence for the person.

use crewclock::app::members::DiscordRoleSync;
use crewclock::domain::{GuildId, UserId};
use crewclock::store::invitations::Invitation;
use poise::serenity_prelude as serenity;

use crate::errors::discord_code;
use crate::render::{self, no_pings};

/// Discord's "Missing Permissions" and "Cannot send messages to this user" codes.
const MISSING_PERMISSIONS: isize = 50013;
const CANNOT_DM: isize = 50007;

/// Adds and removes linked Discord roles (adding first, so a person never has none in
/// between). Returns a warning for the person when Discord refused.
pub async fn apply_role_sync(
    http: &serenity::Http,
    guild: GuildId,
    user: UserId,
    sync: &DiscordRoleSync,
) -> Option<String> {
    let guild = serenity::GuildId::new(guild.0);
    let user = serenity::UserId::new(user.0);
    let mut failed = None;
    let adds = sync.add.iter().map(|r| (true, r));
    let removes = sync.remove.iter().map(|r| (false, r));
    for (add, role) in adds.chain(removes) {
        let role = serenity::RoleId::new(role.0);
        let outcome = if add {
            http.add_member_role(guild, user, role, Some("crewclock role change"))
                .await
        } else {
            http.remove_member_role(guild, user, role, Some("crewclock role change"))
                .await
        };
        if let Err(e) = outcome {
            tracing::warn!(error = %e, %role, "Discord role update failed");
            failed = Some(discord_code(&e));
        }
    }
    failed.map(|code| match code {
        Some(MISSING_PERMISSIONS) => "The crewclock role changed, but I couldn't update the linked Discord role: I need the Manage Roles permission, and my own role must be above the linked role in Server Settings → Roles.".to_string(),
        _ => "The crewclock role changed, but Discord didn't accept the linked Discord role update. Try again later.".to_string(),
    })
}

pub fn invitation_buttons(invitation_id: i64) -> Vec<serenity::CreateActionRow> {
    vec![serenity::CreateActionRow::Buttons(vec![
        serenity::CreateButton::new(format!("cc:inv:accept:{invitation_id}"))
            .label("Accept")
            .style(serenity::ButtonStyle::Success),
        serenity::CreateButton::new(format!("cc:inv:decline:{invitation_id}"))
            .label("Decline")
            .style(serenity::ButtonStyle::Secondary),
    ])]
}

pub enum DmOutcome {
    Sent,
    Closed,
    Failed,
}

/// Sends the invitation with Accept / Decline buttons by direct message.
pub async fn send_invitation_dm(
    http: &serenity::Http,
    invitation: &Invitation,
    workspace_name: &str,
    server_name: Option<&str>,
    inviter: &str,
) -> DmOutcome {
    let Some(invitee) = invitation.invitee else {
        return DmOutcome::Failed;
    };
    let server = server_name
        .map(|s| format!(" on the Discord server **{}**", render::safe(s, 60)))
        .unwrap_or_default();
    let content = format!(
        "**{inviter}** invited you to the crewclock workspace **{ws}**{server} as {article}. The invitation expires {expiry}.",
        inviter = render::name(inviter),
        ws = render::safe(workspace_name, 60),
        article = invitation.role.with_article(),
        expiry = render::relative(invitation.expires_at),
    );
    let message = serenity::CreateMessage::new()
        .content(content)
        .components(invitation_buttons(invitation.id))
        .allowed_mentions(no_pings());
    send_dm(http, invitee, message).await
}

/// Sends a direct message to `user`; says whether it arrived, or whether their DMs are closed.
pub async fn send_dm(
    http: &serenity::Http,
    user: UserId,
    message: serenity::CreateMessage,
) -> DmOutcome {
    let user = serenity::UserId::new(user.0);
    let channel = match user.create_dm_channel(http).await {
        Ok(channel) => channel,
        Err(e) => {
            tracing::warn!(error = %e, "could not open a DM channel");
            return if discord_code(&e) == Some(CANNOT_DM) {
                DmOutcome::Closed
            } else {
                DmOutcome::Failed
            };
        }
    };
    match channel.id.send_message(http, message).await {
        Ok(_) => DmOutcome::Sent,
        Err(e) if discord_code(&e) == Some(CANNOT_DM) => DmOutcome::Closed,
        Err(e) => {
            tracing::warn!(error = %e, "could not send a DM");
            DmOutcome::Failed
        }
    }
}
