//! `/member …`: the people in the workspace.

use crewclock::app::{members, rates};
use crewclock::domain::{GuildId, Role, UserId};
use poise::serenity_prelude as serenity;

use super::{confirm, embed, paginate, private, public, update, RoleChoice};
use crate::context::{actor, Context, Error};
use crate::effects::apply_role_sync;
use crate::render::{self, no_pings};
use crate::sharing_posts as posts;

/// The people in the workspace: roles, removal, team managers
#[poise::command(
    slash_command,
    guild_only,
    subcommands("list", "info", "role", "remove", "team_manager", "leave", "rate"),
    subcommand_required
)]
pub async fn member(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// List the workspace's members
#[poise::command(slash_command, guild_only)]
async fn list(
    ctx: Context<'_>,
    #[description = "Also show removed members"]
    #[rename = "include-removed"]
    include_removed: Option<bool>,
) -> Result<(), Error> {
    let people = members::list(
        &ctx.data().app,
        &actor(ctx),
        include_removed.unwrap_or(false),
    )
    .await?;
    let lines: Vec<String> = people
        .iter()
        .map(|m| {
            let state = if m.active {
                String::new()
            } else {
                " (removed)".to_string()
            };
            format!("{} — {}{}", render::mention(m.user_id), m.role, state)
        })
        .collect();
    let title = format!("Members ({})", people.iter().filter(|m| m.active).count());
    drop(people);
    paginate(ctx, &title, lines, true).await
}

/// Show a member's role and team managers
#[poise::command(slash_command, guild_only)]
async fn info(
    ctx: Context<'_>,
    #[description = "The member (yourself if left out)"] member: Option<serenity::User>,
) -> Result<(), Error> {
    let user = member.map(|u| u.id).unwrap_or(ctx.author().id);
    let info = members::info(&ctx.data().app, &actor(ctx), UserId(user.get())).await?;
    let m = &info.member;
    let mut text = format!(
        "**Role:** {}\n**Status:** {}\n**Joined:** {}",
        m.role,
        if m.active {
            "active"
        } else {
            "removed (history kept)"
        },
        render::date(m.joined_at)
    );
    if !info.team_managers.is_empty() {
        let names: Vec<String> = info
            .team_managers
            .iter()
            .map(|t| render::mention(t.user_id))
            .collect();
        text.push_str(&format!("\n**Team managers:** {}", names.join(", ")));
    }
    if !info.manages.is_empty() {
        let names: Vec<String> = info
            .manages
            .iter()
            .take(30)
            .map(|t| render::mention(t.user_id))
            .collect();
        text.push_str(&format!("\n**Team manager of:** {}", names.join(", ")));
    }
    ctx.send(
        poise::CreateReply::default()
            .embed(embed(&m.display_name, &text))
            .ephemeral(true)
            .allowed_mentions(no_pings()),
    )
    .await?;
    Ok(())
}

/// Change a member's role
#[poise::command(slash_command, guild_only)]
async fn role(
    ctx: Context<'_>,
    #[description = "The member"] member: serenity::User,
    #[description = "Their new role"] role: RoleChoice,
) -> Result<(), Error> {
    // The core answers first (fast), so a refusal stays private; only then do we take our
    // time with Discord's role endpoints behind a public deferral.
    let changed = members::change_role(
        &ctx.data().app,
        &actor(ctx),
        UserId(member.id.get()),
        Role::from(role),
    )
    .await?;
    ctx.defer().await?;
    let mut text = format!(
        "{} is now {} (was {}).",
        render::mention(changed.member.user_id),
        changed.to.with_article(),
        changed.from.with_article()
    );
    if let Some(guild) = ctx.guild_id() {
        if let Some(warning) = apply_role_sync(
            ctx.http(),
            GuildId(guild.get()),
            changed.member.user_id,
            &changed.discord,
        )
        .await
        {
            text.push_str("\n⚠️ ");
            text.push_str(&warning);
        }
    }
    public(ctx, text).await
}

/// Remove a member from the workspace (everything they tracked is kept)
#[poise::command(slash_command, guild_only)]
async fn remove(
    ctx: Context<'_>,
    #[description = "The member to remove"] member: serenity::User,
) -> Result<(), Error> {
    members::check_remove(&ctx.data().app, &actor(ctx), UserId(member.id.get())).await?;
    let question = format!(
        "Remove {} from the workspace? Their time and records stay; they can be invited back.",
        render::mention(UserId(member.id.get()))
    );
    let Some(press) = confirm(ctx, &question, "Remove").await? else {
        return Ok(());
    };
    match members::remove(&ctx.data().app, &actor(ctx), UserId(member.id.get())).await {
        Ok(removed) => {
            let mut text = format!(
                "{} was removed from the workspace. Their history is kept.",
                render::mention(removed.member.user_id)
            );
            if let Some(guild) = ctx.guild_id() {
                if let Some(warning) = apply_role_sync(
                    ctx.http(),
                    GuildId(guild.get()),
                    removed.member.user_id,
                    &removed.discord,
                )
                .await
                {
                    text.push_str("\n⚠️ ");
                    text.push_str(&warning);
                }
            }
            // Their shares ended with the membership: the guest channels close to them.
            for warning in posts::unshare(ctx.http(), &removed.unshared).await {
                text.push_str("\n⚠️ ");
                text.push_str(&warning);
            }
            update(ctx, &press, &text).await
        }
        Err(e) => update(ctx, &press, &e.user_message()).await,
    }
}

#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
enum Assignment {
    Assign,
    Unassign,
}

/// Make a Manager or Admin the team manager of a member (or undo it)
#[poise::command(slash_command, guild_only, rename = "team-manager")]
async fn team_manager(
    ctx: Context<'_>,
    #[description = "The Manager or Admin"] manager: serenity::User,
    #[description = "The member they look after"] member: serenity::User,
    #[description = "Assign (default) or unassign"] action: Option<Assignment>,
) -> Result<(), Error> {
    let assign = !matches!(action, Some(Assignment::Unassign));
    let done = members::set_team_manager(
        &ctx.data().app,
        &actor(ctx),
        UserId(manager.id.get()),
        UserId(member.id.get()),
        assign,
    )
    .await?;
    let (who, whom) = (
        render::mention(done.manager.user_id),
        render::mention(done.member.user_id),
    );
    let text = match (assign, done.changed) {
        (true, true) => format!("{who} is now a team manager of {whom}."),
        (true, false) => format!("{who} already was a team manager of {whom}; nothing changed."),
        (false, true) => format!("{who} is no longer a team manager of {whom}."),
        (false, false) => format!("{who} was not a team manager of {whom}; nothing changed."),
    };
    private(ctx, text).await
}

/// Leave the workspace (your history is kept)
#[poise::command(slash_command, guild_only)]
async fn leave(ctx: Context<'_>) -> Result<(), Error> {
    members::check_leave(&ctx.data().app, &actor(ctx)).await?;
    let Some(press) = confirm(
        ctx,
        "Leave this workspace? Your tracked time stays; you can be invited back.",
        "Leave",
    )
    .await?
    else {
        return Ok(());
    };
    match members::leave(&ctx.data().app, &actor(ctx)).await {
        Ok(left) => {
            if let Some(guild) = ctx.guild_id() {
                apply_role_sync(
                    ctx.http(),
                    GuildId(guild.get()),
                    left.member.user_id,
                    &left.discord,
                )
                .await;
            }
            for warning in posts::unshare(ctx.http(), &left.unshared).await {
                tracing::warn!(%warning, "guest channel access after leaving");
            }
            update(ctx, &press, "You left the workspace.").await
        }
        Err(e) => update(ctx, &press, &e.user_message()).await,
    }
}

/// Set a member's own hourly rate, in the workspace currency, or none
#[poise::command(slash_command, guild_only)]
async fn rate(
    ctx: Context<'_>,
    #[description = "The member"] member: serenity::User,
    #[description = "An amount per hour like 85 or 85.50, or none"]
    #[max_length = 40]
    rate: String,
) -> Result<(), Error> {
    let user = UserId(member.id.get());
    let set = rates::set_member_rate(&ctx.data().app, &actor(ctx), user, &rate).await?;
    // Privately: rates are for those who may see money amounts.
    let who = render::mention(user);
    let text = match set {
        Some(rate) => format!(
            "{who}'s hourly rate is now {rate} per hour, on projects without a rate of their own for them."
        ),
        None => format!("{who} has no hourly rate of their own now; the workspace rate applies."),
    };
    private(ctx, text).await
}
