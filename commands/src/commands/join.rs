//! `/join [code]`: accept your invitation to this server's workspace, or redeem a code.

use crewclock::app::invitations;
use crewclock::domain::GuildId;

use super::private;
use crate::context::{actor, Context, Error};
use crate::effects::apply_role_sync;
use crate::render;

/// Join this server's workspace: accept your invitation, or redeem an invite code
#[poise::command(slash_command)]
pub async fn join(
    ctx: Context<'_>,
    #[description = "An invite code (leave out to accept your invitation)"]
    #[max_length = 40]
    code: Option<String>,
) -> Result<(), Error> {
    let me = actor(ctx);
    let joined = match code {
        Some(code) => invitations::redeem_code(&ctx.data().app, &me, &code).await?,
        None if ctx.guild_id().is_some() => invitations::accept_pending(&ctx.data().app, &me).await?,
        None => {
            return private(ctx, "In a direct message, /join needs an invite code. To accept an invitation, press Accept on it, or run /join in the server.").await
        }
    };
    let mut text = format!(
        "Welcome to **{}**! You joined as {}.{} See /help for what you can do.",
        render::safe(&joined.workspace.name, 60),
        joined.member.role.with_article(),
        if joined.returned {
            " Your earlier history is all there."
        } else {
            ""
        }
    );
    if let Some(warning) = apply_role_sync(
        ctx.http(),
        GuildId(joined.workspace.guild_id.0),
        me.user,
        &joined.discord,
    )
    .await
    {
        text.push_str("\n⚠️ ");
        text.push_str(&warning);
    }
    private(ctx, text).await
}
