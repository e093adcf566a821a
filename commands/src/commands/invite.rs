//! `/invite …`: invitations by Discord user (a DM with buttons) or by code.

use crewclock::app::{invitations, workspace as ws};
use crewclock::domain::{Role, UserId};
use crewclock::store::invitations::Invitation;
use poise::serenity_prelude as serenity;

use super::{paginate, private, RoleChoice};
use crate::context::{actor, display_name, Context, Error};
use crate::effects::{send_invitation_dm, DmOutcome};
use crate::render;

/// Invitations by Discord user or by code
#[poise::command(
    slash_command,
    guild_only,
    subcommands("user", "code", "list", "revoke", "resend"),
    subcommand_required
)]
pub async fn invite(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Sends the DM and says how it went.
async fn deliver(ctx: Context<'_>, inv: &Invitation, invitee_name: &str) -> Result<String, Error> {
    let workspace = ws::info(&ctx.data().app, &actor(ctx)).await?.workspace;
    let server = ctx.guild().map(|g| g.name.clone());
    let inviter = display_name(ctx.author(), None);
    let who = render::name(invitee_name);
    Ok(match send_invitation_dm(ctx.http(), inv, &workspace.name, server.as_deref(), &inviter).await {
        DmOutcome::Sent => format!(
            "Invitation #{} sent to **{who}** by DM, as {}. It expires {}.",
            inv.id,
            inv.role.with_article(),
            render::relative(inv.expires_at)
        ),
        DmOutcome::Closed => format!(
            "Invitation #{} for **{who}** is ready, but their direct messages are closed so I couldn't send it. Ask them to run /join in this server to accept it. It expires {}.",
            inv.id,
            render::relative(inv.expires_at)
        ),
        DmOutcome::Failed => format!(
            "Invitation #{} for **{who}** is ready, but Discord didn't deliver the DM. They can accept it with /join in this server.",
            inv.id
        ),
    })
}

/// Invite someone to the workspace; they get a DM with Accept / Decline buttons
#[poise::command(slash_command, guild_only)]
async fn user(
    ctx: Context<'_>,
    #[description = "Who to invite"] user: serenity::User,
    #[description = "The role they will get"] role: RoleChoice,
) -> Result<(), Error> {
    if user.bot {
        return private(ctx, "Bots can't join a workspace.").await;
    }
    ctx.defer_ephemeral().await?;
    let name = display_name(&user, None);
    let inv = invitations::invite_user(
        &ctx.data().app,
        &actor(ctx),
        UserId(user.id.get()),
        &name,
        Role::from(role),
    )
    .await?;
    let text = deliver(ctx, &inv, &name).await?;
    private(ctx, text).await
}

/// Create an invite code that people redeem with /join
#[poise::command(slash_command, guild_only)]
async fn code(
    ctx: Context<'_>,
    #[description = "The role people get"] role: RoleChoice,
    #[description = "How many people may use it (1 to 1000, default 1)"]
    #[min = 1]
    #[max = 1000]
    uses: Option<i64>,
) -> Result<(), Error> {
    let inv = invitations::create_code(
        &ctx.data().app,
        &actor(ctx),
        Role::from(role),
        uses.unwrap_or(1),
    )
    .await?;
    let code = inv.code.clone().unwrap_or_default();
    private(
        ctx,
        format!(
            "Invite code: `{}-{}` — {} use{} as {}, expires {}. Share it; people redeem it with `/join code:{}`.",
            &code[..4.min(code.len())],
            &code[4.min(code.len())..],
            inv.max_uses,
            if inv.max_uses == 1 { "" } else { "s" },
            inv.role.with_article(),
            render::relative(inv.expires_at),
            code
        ),
    )
    .await
}

fn describe(inv: &Invitation) -> String {
    let who = match (&inv.invitee, &inv.code) {
        (Some(user), _) => render::mention(*user),
        (None, Some(code)) => format!("code `{code}` ({} of {} used)", inv.uses, inv.max_uses),
        _ => "?".into(),
    };
    format!(
        "#{} {} as {}, expires {}",
        inv.id,
        who,
        inv.role,
        render::relative(inv.expires_at)
    )
}

/// List open invitations
#[poise::command(slash_command, guild_only)]
async fn list(ctx: Context<'_>) -> Result<(), Error> {
    let open = invitations::list(&ctx.data().app, &actor(ctx)).await?;
    if open.is_empty() {
        return private(ctx, "There are no open invitations.").await;
    }
    let lines: Vec<String> = open.iter().map(describe).collect();
    paginate(ctx, "Open invitations", lines, true).await
}

/// Offers the open invitations the caller can see, newest first.
async fn autocomplete_invitation(
    ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    let open = invitations::list(&ctx.data().app, &actor(ctx))
        .await
        .unwrap_or_default();
    let choices = open
        .iter()
        .filter(|inv| {
            partial.is_empty()
                || inv
                    .id
                    .to_string()
                    .starts_with(partial.trim_start_matches('#'))
                || inv
                    .invitee_name
                    .as_deref()
                    .is_some_and(|n| n.to_lowercase().contains(&partial.to_lowercase()))
        })
        .take(25)
        .map(|inv| {
            let who = inv
                .invitee_name
                .clone()
                .or_else(|| inv.code.as_ref().map(|c| format!("code {c}")))
                .unwrap_or_default();
            let label: String = format!("#{} {} as {}", inv.id, who, inv.role)
                .chars()
                .take(100)
                .collect();
            serenity::AutocompleteChoice::new(label, inv.id)
        })
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

/// Revoke an open invitation
#[poise::command(slash_command, guild_only)]
async fn revoke(
    ctx: Context<'_>,
    #[description = "The invitation"]
    #[autocomplete = "autocomplete_invitation"]
    invitation: i64,
) -> Result<(), Error> {
    let inv = invitations::revoke(&ctx.data().app, &actor(ctx), invitation).await?;
    private(
        ctx,
        format!(
            "Invitation #{} revoked; it can't be accepted any more.",
            inv.id
        ),
    )
    .await
}

/// Send an invitation again, with a fresh expiry
#[poise::command(slash_command, guild_only)]
async fn resend(
    ctx: Context<'_>,
    #[description = "The invitation"]
    #[autocomplete = "autocomplete_invitation"]
    invitation: i64,
) -> Result<(), Error> {
    ctx.defer_ephemeral().await?;
    let inv = invitations::resend(&ctx.data().app, &actor(ctx), invitation).await?;
    let text = match inv.invitee_name.clone() {
        Some(name) if inv.invitee.is_some() => deliver(ctx, &inv, &name).await?,
        _ => format!(
            "Code invitation #{} now expires {}.",
            inv.id,
            render::relative(inv.expires_at)
        ),
    };
    private(ctx, text).await
}
