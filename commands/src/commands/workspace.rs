//! `/workspace …`: the workspace itself, its settings, ownership, Discord role links, audit.

use crewclock::app::{rates, role_links, workspace as ws};
use crewclock::domain::settings::{SettingKey, Settings};
use crewclock::domain::{DiscordRoleId, Role, UserId};
use poise::serenity_prelude as serenity;

use super::{confirm, embed, paginate, private, public, update, RoleChoice};
use crate::context::{actor, Context, Error};
use crate::render::{self, no_pings};
use crate::sharing_posts as posts;

/// The workspace: settings, ownership, Discord role links, audit log
#[poise::command(
    slash_command,
    guild_only,
    subcommands(
        "create",
        "info",
        "settings",
        "set",
        "transfer_owner",
        "delete",
        "link_role",
        "unlink_role",
        "audit",
        "rate"
    ),
    subcommand_required
)]
pub async fn workspace(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Create this server's crewclock workspace; you become its Owner
#[poise::command(slash_command, guild_only)]
async fn create(
    ctx: Context<'_>,
    #[description = "Name of the workspace (defaults to the server's name)"]
    #[max_length = 100]
    name: Option<String>,
) -> Result<(), Error> {
    let name = name
        .or_else(|| ctx.guild().map(|g| g.name.clone()))
        .unwrap_or_else(|| "Workspace".into());
    let created = ws::create(&ctx.data().app, &actor(ctx), &name).await?;
    public(
        ctx,
        format!(
            "Workspace **{}** created; {} is its Owner. Invite your team with /invite user, or see /help.",
            render::safe(&created.name, 60),
            render::mention(UserId(ctx.author().id.get()))
        ),
    )
    .await
}

/// Workspace name, owner, seats and guests
#[poise::command(slash_command, guild_only)]
async fn info(ctx: Context<'_>) -> Result<(), Error> {
    let info = ws::info(&ctx.data().app, &actor(ctx)).await?;
    let text = format!(
        "**Owner:** {}\n**Seats:** {} of {} used\n**Guests:** {} of {}\n**Open invitations:** {}\n**Your role:** {}\n**Created:** {}",
        render::mention(info.owner.user_id),
        info.seats_used,
        info.seat_limit,
        info.guests,
        info.guest_limit,
        info.pending_invitations,
        info.your_role,
        render::date(info.workspace.created_at),
    );
    ctx.send(
        poise::CreateReply::default()
            .embed(embed(&info.workspace.name, &text))
            .ephemeral(true)
            .allowed_mentions(no_pings()),
    )
    .await?;
    Ok(())
}

fn settings_text(settings: &Settings) -> String {
    settings
        .entries()
        .into_iter()
        .map(|(key, value)| format!("`{}` = **{}**", key.name(), value))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Show the workspace settings
#[poise::command(slash_command, guild_only)]
async fn settings(ctx: Context<'_>) -> Result<(), Error> {
    let settings = ws::settings(&ctx.data().app, &actor(ctx)).await?;
    ctx.send(
        poise::CreateReply::default()
            .embed(embed("Workspace settings", &settings_text(&settings)))
            .ephemeral(true)
            .allowed_mentions(no_pings()),
    )
    .await?;
    Ok(())
}

async fn autocomplete_setting(
    _ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    let partial = partial.to_ascii_lowercase();
    let choices = SettingKey::ALL
        .into_iter()
        .filter(|key| key.name().contains(&partial))
        .take(25)
        .map(|key| serenity::AutocompleteChoice::new(key.name(), key.name()))
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

async fn autocomplete_value(
    ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    // Offer the values of the setting already chosen in this command, when it has fixed ones.
    let key = match ctx {
        poise::Context::Application(actx) => actx
            .interaction
            .data
            .options
            .iter()
            .flat_map(|sub| match &sub.value {
                serenity::CommandDataOptionValue::SubCommand(options) => options.clone(),
                _ => Vec::new(),
            })
            .find(|o| o.name == "setting")
            .and_then(|o| o.value.as_str().map(str::to_string)),
        poise::Context::Prefix(_) => None,
    };
    let values: Vec<&str> = match key.as_deref().map(SettingKey::parse) {
        Some(Ok(key)) => match key.accepted_values() {
            v if v.starts_with("anyone, managers") => vec!["anyone", "managers", "admins"],
            "anyone or managers" => vec!["anyone", "managers"],
            "admins or anyone" => vec!["admins", "anyone"],
            "true or false" => vec!["true", "false"],
            v if v.starts_with("none") => vec!["none", "7", "14", "30"],
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    let choices = values
        .into_iter()
        .filter(|v| v.starts_with(partial))
        .map(|v| serenity::AutocompleteChoice::new(v, v))
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

/// Change a workspace setting
#[poise::command(slash_command, guild_only)]
async fn set(
    ctx: Context<'_>,
    #[description = "The setting to change"]
    #[autocomplete = "autocomplete_setting"]
    #[max_length = 60]
    setting: String,
    #[description = "The new value"]
    #[autocomplete = "autocomplete_value"]
    #[max_length = 60]
    value: String,
) -> Result<(), Error> {
    let changed = ws::set_setting(&ctx.data().app, &actor(ctx), &setting, &value).await?;
    let mut text = if changed.before == changed.after {
        format!(
            "`{}` is already **{}**; nothing changed.",
            changed.key.name(),
            changed.after
        )
    } else {
        format!(
            "`{}` changed from **{}** to **{}**.",
            changed.key.name(),
            changed.before,
            changed.after
        )
    };
    // Sharing turned off ended every share: guests lose the guest channels.
    if !changed.unshared.is_empty() {
        let mut guests: Vec<_> = changed.unshared.iter().map(|a| a.user).collect();
        guests.sort_by_key(|u| u.0);
        guests.dedup();
        text.push_str(&format!(
            " Every share ended; {} guest(s) lost access to the guest channels.",
            guests.len()
        ));
    }
    for warning in posts::unshare(ctx.http(), &changed.unshared).await {
        text.push_str("\n⚠️ ");
        text.push_str(&warning);
    }
    private(ctx, text).await
}

/// Hand the workspace to another member; you become an Admin
#[poise::command(slash_command, guild_only, rename = "transfer-owner")]
async fn transfer_owner(
    ctx: Context<'_>,
    #[description = "The member who will own the workspace"] member: serenity::User,
) -> Result<(), Error> {
    ws::check_transfer_ownership(&ctx.data().app, &actor(ctx), UserId(member.id.get())).await?;
    let question = format!(
        "Make {} the Owner of this workspace? You will become an Admin, and only the new Owner can undo this.",
        render::mention(UserId(member.id.get()))
    );
    let Some(press) = confirm(ctx, &question, "Transfer ownership").await? else {
        return Ok(());
    };
    match ws::transfer_ownership(&ctx.data().app, &actor(ctx), UserId(member.id.get())).await {
        Ok(done) => {
            let mut note = String::from("Ownership transferred.");
            if let Some(guild) = ctx.guild_id() {
                let guild = crewclock::domain::GuildId(guild.get());
                for (user, sync) in [
                    (done.old_owner.user_id, &done.old_owner_discord),
                    (done.new_owner.user_id, &done.new_owner_discord),
                ] {
                    if let Some(warning) =
                        crate::effects::apply_role_sync(ctx.http(), guild, user, sync).await
                    {
                        note.push_str("\n⚠️ ");
                        note.push_str(&warning);
                    }
                }
            }
            update(ctx, &press, &note).await?;
            public(
                ctx,
                format!(
                    "{} is now the Owner of this workspace; {} is an Admin.",
                    render::mention(done.new_owner.user_id),
                    render::mention(done.old_owner.user_id)
                ),
            )
            .await
        }
        Err(e) => update(ctx, &press, &e.user_message()).await,
    }
}

/// Delete this workspace and everything in it
#[poise::command(slash_command, guild_only)]
async fn delete(ctx: Context<'_>) -> Result<(), Error> {
    // Check the right first, so nobody is asked to confirm what they may not do.
    let workspace = ws::check_delete(&ctx.data().app, &actor(ctx)).await?;
    let question = format!(
        "Delete the workspace **{}**? Every member, invitation, setting and record in it is deleted for good.",
        render::safe(&workspace.name, 60)
    );
    let Some(press) = confirm(ctx, &question, "Delete everything").await? else {
        return Ok(());
    };
    match ws::delete(&ctx.data().app, &actor(ctx)).await {
        Ok(deleted) => {
            update(
                ctx,
                &press,
                &format!(
                    "Workspace **{}** deleted. /workspace create starts a new one.",
                    render::safe(&deleted.name, 60)
                ),
            )
            .await
        }
        Err(e) => update(ctx, &press, &e.user_message()).await,
    }
}

/// Link a workspace role to a Discord role (kept in sync both ways)
#[poise::command(slash_command, guild_only, rename = "link-role")]
async fn link_role(
    ctx: Context<'_>,
    #[description = "Workspace role"] role: RoleChoice,
    #[description = "Discord role to link"]
    #[rename = "discord-role"]
    discord_role: serenity::Role,
) -> Result<(), Error> {
    let role: Role = role.into();
    let previous = role_links::link(
        &ctx.data().app,
        &actor(ctx),
        role,
        DiscordRoleId(discord_role.id.get()),
    )
    .await?;
    let replaced = previous
        .filter(|p| p.0 != discord_role.id.get())
        .map(|p| format!(" (it was linked to <@&{}>)", p.0))
        .unwrap_or_default();
    let follows = if crewclock::domain::role_sync::follows_discord(role) {
        "Giving or taking that Discord role now changes the crewclock role too."
    } else {
        "The bot adds or removes that Discord role when someone's crewclock role changes; Discord never grants this role."
    };
    private(
        ctx,
        format!(
            "The {role} role is now linked to <@&{}>{replaced}. {follows}",
            discord_role.id.get()
        ),
    )
    .await
}

/// Remove the Discord role link of a workspace role
#[poise::command(slash_command, guild_only, rename = "unlink-role")]
async fn unlink_role(
    ctx: Context<'_>,
    #[description = "Workspace role"] role: RoleChoice,
) -> Result<(), Error> {
    let role: Role = role.into();
    let removed = role_links::unlink(&ctx.data().app, &actor(ctx), role).await?;
    private(
        ctx,
        format!("The {role} role is no longer linked to <@&{}>.", removed.0),
    )
    .await
}

/// Read the audit log: who changed what, and when
#[poise::command(slash_command, guild_only)]
async fn audit(ctx: Context<'_>) -> Result<(), Error> {
    let app = &ctx.data().app;
    let me = actor(ctx);
    let mut lines = Vec::new();
    let mut before = None;
    // Up to 8 pages of 25 newest entries.
    for _ in 0..8 {
        let page = ws::audit_log(app, &me, before).await?;
        let Some(last) = page.last() else { break };
        before = Some(last.id);
        for entry in &page {
            let change = match (&entry.before, &entry.after) {
                (Some(b), Some(a)) => {
                    format!(": {} → {}", render::safe(b, 80), render::safe(a, 80))
                }
                (None, Some(a)) => format!(": {}", render::safe(a, 80)),
                _ => String::new(),
            };
            lines.push(format!(
                "{} **{}** {} — {}{}",
                render::relative(entry.at),
                render::name(&entry.actor_name),
                entry.action,
                render::safe(&entry.target, 80),
                change
            ));
        }
    }
    paginate(ctx, "Audit log", lines, true).await
}

/// Set the workspace's default hourly rate (85, 85.50 EUR, €85), or none
#[poise::command(slash_command, guild_only)]
async fn rate(
    ctx: Context<'_>,
    #[description = "An amount per hour like 85, 85.50 EUR or €85, or none"]
    #[max_length = 40]
    rate: String,
) -> Result<(), Error> {
    let set = rates::set_workspace_rate(&ctx.data().app, &actor(ctx), &rate).await?;
    // Privately: only the Owner and Admins set it, and rates are for those who may see money.
    let text = match set {
        Some(rate) => format!(
            "The workspace's default hourly rate is now {rate} per hour. It applies where no project or member rate is set."
        ),
        None => "The workspace has no default hourly rate now.".to_string(),
    };
    private(ctx, text).await
}
