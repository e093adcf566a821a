//! `/share …`: sharing a project with guests in a guest channel. The core decides who may
//! share, records the share and answers which channel permissions to set, whom to DM and the
//! card to post; this module does those Discord steps (`crate::sharing_posts`) and says which
//! of them Discord refused, without undoing what the core saved. Replies are private: they
//! name guests and channels.

use crewclock::app::members;
use crewclock::app::project_links;
use crewclock::app::projects;
use crewclock::app::sharing::{self, ShareInfo};
use crewclock::domain::projects::{name_key, Standing};
use crewclock::domain::sharing::{self as rules, SharedField};
use crewclock::domain::{ChannelId, Role, UserId};
use crewclock::store::members::Member;
use crewclock::Actor;
use poise::serenity_prelude as serenity;

use super::{confirm, paginate_by, pickers, private, update as answer_press};
use crate::context::{actor, display_name, Context, Error};
use crate::effects::DmOutcome;
use crate::render;
use crate::sharing_posts::{self as posts, CardReason, WebPage};

/// Share projects with guests in a guest channel
#[poise::command(
    slash_command,
    guild_only,
    subcommands("project", "team_channel", "list", "update", "revoke"),
    subcommand_required
)]
pub async fn share(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

fn shown(name: &str) -> String {
    format!("**{}**", render::safe(name, 100))
}

fn people(members: &[Member]) -> String {
    members
        .iter()
        .map(|m| render::mention(m.user_id))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Projects the caller may share: all for the Owner and Admins, their own for project
/// managers, none while sharing is off (the core's rule, asked per project).
async fn shareable_project(
    ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    let app = &ctx.data().app;
    let me = actor(ctx);
    let found = async {
        let (Some(role), settings) = members::my_standing(app, &me).await? else {
            return Ok(Vec::new());
        };
        let all = projects::list_projects(app, &me, false, None).await?;
        let mine: Vec<(i64, &str)> = all
            .iter()
            .filter(|p| rules::can_share(Standing::new(role, p.membership), &settings).is_ok())
            .map(|p| (p.id, p.name.as_str()))
            .collect();
        Ok(pickers::matching(mine, partial))
    }
    .await;
    pickers::answer(found)
}

/// Shared projects the caller may manage (`/share list` without the Guests' own shares).
async fn shared_project(ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let app = &ctx.data().app;
    let me = actor(ctx);
    let found = async {
        if let (None | Some(Role::Guest), _) = members::my_standing(app, &me).await? {
            return Ok(Vec::new());
        }
        let shares = sharing::list(app, &me).await?;
        Ok(pickers::matching(
            shares
                .iter()
                .map(|s| (s.share.project_id, s.project.as_str())),
            partial,
        ))
    }
    .await;
    pickers::answer(found)
}

/// The share whose project was named as typed or picked (`#id` or a name).
fn named_share<'a>(shares: &'a [ShareInfo], raw: &str) -> Option<&'a ShareInfo> {
    let raw = raw.trim();
    if let Some(id) = raw.strip_prefix('#').and_then(|id| id.parse::<i64>().ok()) {
        return shares.iter().find(|s| s.share.project_id == id);
    }
    let key = name_key(raw);
    shares.iter().find(|s| name_key(&s.project) == key)
}

/// The guests of the share of the project chosen in the same command.
async fn share_guest(ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let Some(project) = pickers::other_option(ctx, "project") else {
        return serenity::CreateAutocompleteResponse::new();
    };
    let shares = sharing::list(&ctx.data().app, &actor(ctx))
        .await
        .unwrap_or_default();
    let key = name_key(partial);
    let choices = named_share(&shares, &project)
        .map(|share| {
            share
                .guests
                .iter()
                .filter(|g| name_key(&g.display_name).contains(&key))
                .take(25)
                .map(|g| {
                    serenity::AutocompleteChoice::new(
                        pickers::label(&g.display_name),
                        g.user_id.0.to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

/// Completes the field being typed after the last comma; the ones before are kept.
async fn field_choices(_ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let (done, last) = match partial.rsplit_once(',') {
        Some((done, last)) => (format!("{}, ", done.trim()), last.trim().to_lowercase()),
        None => (String::new(), partial.trim().to_lowercase()),
    };
    let mut names: Vec<&str> = SharedField::ALL.iter().map(|f| f.as_str()).collect();
    if done.is_empty() {
        names.insert(0, "all");
    }
    let choices = names
        .into_iter()
        .filter(|name| name.starts_with(&last) && !done.contains(*name))
        .map(|name| {
            let value = format!("{done}{name}");
            serenity::AutocompleteChoice::new(pickers::label(&value), value)
        })
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

/// Share a project with guests: they see the channel, get a DM, and a card is posted there
#[allow(clippy::too_many_arguments)]
#[poise::command(slash_command, guild_only, rename = "project")]
async fn project(
    ctx: Context<'_>,
    #[description = "The project"]
    #[autocomplete = "shareable_project"]
    #[max_length = 100]
    project: String,
    #[description = "The guest channel: guests may see it, project updates are posted there"]
    #[channel_types("Text")]
    channel: serenity::ChannelId,
    #[description = "What guests see: tasks, due, stage, hours%, tasks% (comma-separated), or all"]
    #[autocomplete = "field_choices"]
    #[max_length = 80]
    fields: String,
    #[description = "A person to share it with (joins as a Guest)"] guest1: Option<serenity::User>,
    #[description = "Another guest"] guest2: Option<serenity::User>,
    #[description = "Another guest"] guest3: Option<serenity::User>,
    #[description = "Another guest"] guest4: Option<serenity::User>,
    #[description = "Another guest"] guest5: Option<serenity::User>,
) -> Result<(), Error> {
    let named: Vec<serenity::User> = [guest1, guest2, guest3, guest4, guest5]
        .into_iter()
        .flatten()
        .collect();
    if let Some(bot) = named.iter().find(|u| u.bot) {
        return private(
            ctx,
            format!(
                "{} is a bot; only people can be guests. Nothing was shared.",
                render::mention(UserId(bot.id.get()))
            ),
        )
        .await;
    }
    let guests: Vec<(UserId, String)> = named
        .iter()
        .map(|u| (UserId(u.id.get()), display_name(u, None)))
        .collect();
    // Setting permissions, DMs and the card may take longer than Discord's 3 seconds.
    ctx.defer_ephemeral().await?;
    let app = &ctx.data().app;
    let me = actor(ctx);
    let channel = ChannelId(channel.get());
    let shared = sharing::share_project(app, &me, &project, channel, &guests, &fields).await?;
    let http = ctx.http();

    // New guests get access, and every other guest of the share gets theirs set again (it
    // changes nothing when present), so running the command again repairs permissions
    // Discord refused before.
    let mut access = shared.grant_view.clone();
    let others = match sharing::list(app, &me).await {
        Ok(shares) => shares
            .into_iter()
            .find(|s| s.share.id == shared.share.id)
            .map(|s| s.guests)
            .unwrap_or_default(),
        Err(e) => {
            tracing::warn!(error = %e, "could not list the share's guests");
            shared.already.clone()
        }
    };
    for guest in others {
        let each = sharing::ChannelAccess {
            channel: shared.share.guest_channel,
            user: guest.user_id,
        };
        if !access.contains(&each) {
            access.push(each);
        }
    }
    let granted = posts::grant_view(http, &access).await;
    let server = ctx.guild().map(|g| g.name.clone());
    let mut told = Vec::new();
    let mut closed = Vec::new();
    let mut dm_failed = Vec::new();
    for guest in shared.to_notify() {
        let page = guest_page(ctx, &me, guest, shared.share.project_id).await;
        match posts::tell_guest(
            http,
            guest.user_id,
            &shared.project,
            channel,
            &me.name,
            server.as_deref(),
            &page,
        )
        .await
        {
            DmOutcome::Sent => told.push(guest.clone()),
            DmOutcome::Closed => closed.push(guest.clone()),
            DmOutcome::Failed => dm_failed.push(guest.clone()),
        }
    }
    let card = posts::post_card(http, channel, &shared.card, CardReason::Shared).await;

    let mut lines = vec![if shared.created {
        format!(
            "{} is now shared in <#{}>, showing guests: {}.",
            shown(&shared.project),
            channel,
            shared.share.fields.labels()
        )
    } else {
        format!(
            "{} stays shared in <#{}>, showing guests: {}.",
            shown(&shared.project),
            channel,
            shared.share.fields.labels()
        )
    }];
    if !shared.invited.is_empty() {
        lines.push(format!(
            "Joined the workspace as Guests: {}.",
            people(&shared.invited)
        ));
    }
    if !shared.added.is_empty() {
        lines.push(format!("Guests added: {}.", people(&shared.added)));
    }
    if !shared.already.is_empty() {
        lines.push(format!("Already guests: {}.", people(&shared.already)));
    }
    if !shared.not_guests.is_empty() {
        lines.push(format!(
            "Not made guests, they are team members and see the project through their role: {}.",
            people(&shared.not_guests)
        ));
    }
    if !told.is_empty() {
        lines.push(format!("Told by direct message: {}.", people(&told)));
    }
    if card.is_ok() {
        lines.push(format!("The project card is posted in <#{channel}>."));
    }
    let mut problems = posts::access_problems(&granted, true);
    if !closed.is_empty() {
        problems.push(format!(
            "{} can't get direct messages from me (their DMs are closed); tell them yourself.",
            people(&closed)
        ));
    }
    if !dm_failed.is_empty() {
        problems.push(format!(
            "Discord didn't deliver my direct message to {}; tell them yourself.",
            people(&dm_failed)
        ));
    }
    if let Err(why) = &card {
        problems.push(posts::post_problem(channel, why));
    }
    for problem in &problems {
        lines.push(format!("⚠️ {problem}"));
    }
    if !problems.is_empty() {
        lines.push("The share itself is saved; only the steps above are missing.".into());
    }
    private(ctx, lines.join("\n")).await
}

/// The guest's own link to the project's page for their DM, when the bot has a web address.
/// A link that can't be made doesn't stop the share: the DM points to `/me project-link`.
async fn guest_page(ctx: Context<'_>, sharer: &Actor, guest: &Member, project_id: i64) -> WebPage {
    let data = ctx.data();
    let Some(base) = &data.links.public_url else {
        return WebPage::None;
    };
    let Some(guild) = sharer.guild else {
        return WebPage::Later;
    };
    let owner = Actor::in_guild(guild, guest.user_id, guest.display_name.clone());
    match project_links::create_for_guest(
        &data.app,
        sharer,
        &owner,
        &data.links.settings,
        &format!("#{project_id}"),
    )
    .await
    {
        Ok(made) => WebPage::Link {
            url: made.link.url(base),
            until: made.link.link.expires_at,
        },
        Err(e) => {
            tracing::warn!(error = %e, guest = %guest.user_id, "could not make a guest's project link");
            WebPage::Later
        }
    }
}

/// Link a members-only channel as the project's team chat (leave the channel out to unlink)
#[poise::command(slash_command, guild_only, rename = "team-channel")]
async fn team_channel(
    ctx: Context<'_>,
    #[description = "The shared project"]
    #[autocomplete = "shared_project"]
    #[max_length = 100]
    project: String,
    #[description = "A channel guests can't see (leave out to unlink the current one)"]
    #[channel_types("Text")]
    channel: Option<serenity::ChannelId>,
) -> Result<(), Error> {
    let channel = channel.map(|c| ChannelId(c.get()));
    let share = sharing::link_team_channel(&ctx.data().app, &actor(ctx), &project, channel).await?;
    let text = match share.team_channel {
        Some(team) if everyone_sees(ctx, team) == Some(true) => format!(
            "<#{team}> is the team channel of the share in <#{}>: what members say there is kept as the project's team chat.\n⚠️ Everyone on this server can see <#{team}>, guests included. Make it members-only: deny **View Channel** to the everyone role in its permissions.",
            share.guest_channel
        ),
        Some(team) => format!(
            "<#{team}> is the team channel of the share in <#{}>: what members say there is kept as the project's team chat. Keep guests out of it.",
            share.guest_channel
        ),
        None => format!(
            "The share in <#{}> has no team channel now.",
            share.guest_channel
        ),
    };
    private(ctx, text).await
}

/// Whether everyone on the server may view `channel`, from the cached server (`None` when it
/// isn't cached): the server's @everyone permissions, then the channel's overwrite for it.
fn everyone_sees(ctx: Context<'_>, channel: ChannelId) -> Option<bool> {
    let guild = ctx.guild()?;
    let everyone = serenity::RoleId::new(guild.id.get());
    let mut allowed = guild.roles.get(&everyone)?.permissions;
    if allowed.administrator() {
        return Some(true);
    }
    let channel = guild.channels.get(&serenity::ChannelId::new(channel.0))?;
    for overwrite in &channel.permission_overwrites {
        if overwrite.kind == serenity::PermissionOverwriteType::Role(everyone) {
            allowed = (allowed & !overwrite.deny) | overwrite.allow;
        }
    }
    Some(allowed.view_channel())
}

/// The shared projects you may see, with channel, fields and guests
#[poise::command(slash_command, guild_only)]
async fn list(ctx: Context<'_>) -> Result<(), Error> {
    let shares = sharing::list(&ctx.data().app, &actor(ctx)).await?;
    if shares.is_empty() {
        return private(
            ctx,
            "No shared projects you may see. Share one with `/share project`.",
        )
        .await;
    }
    let guest_view = matches!(
        members::my_standing(&ctx.data().app, &actor(ctx)).await?,
        (Some(Role::Guest), _)
    );
    let lines: Vec<String> = shares
        .iter()
        .map(|s| {
            let mut line = format!(
                "{} in <#{}> · shows {} · since {}",
                shown(&s.project),
                s.share.guest_channel,
                s.share.fields.labels(),
                render::date(s.share.created_at)
            );
            if !guest_view {
                if s.guests.is_empty() {
                    line.push_str(" · no guests yet");
                } else {
                    line.push_str(&format!(" · guests: {}", people(&s.guests)));
                }
                if let Some(team) = s.share.team_channel {
                    line.push_str(&format!(" · team channel <#{team}>"));
                }
            }
            line
        })
        .collect();
    paginate_by(ctx, "Shared projects", lines, true, 8).await
}

/// Post the project card in its guest channel now
#[poise::command(slash_command, guild_only)]
async fn update(
    ctx: Context<'_>,
    #[description = "The shared project"]
    #[autocomplete = "shared_project"]
    #[max_length = 100]
    project: String,
) -> Result<(), Error> {
    let card = sharing::update(&ctx.data().app, &actor(ctx), &project).await?;
    let text = match posts::post_card(
        ctx.http(),
        card.guest_channel,
        &card.card,
        CardReason::Update,
    )
    .await
    {
        Ok(()) => format!(
            "Posted the card of {} in <#{}>.",
            shown(&card.card.project),
            card.guest_channel
        ),
        Err(why) => format!("⚠️ {}", posts::post_problem(card.guest_channel, &why)),
    };
    private(ctx, text).await
}

/// A guest as typed or picked: their id (what the picker sends), a mention, or a name.
fn typed_guest(raw: &str, shares: &[ShareInfo], project: &str) -> Option<UserId> {
    let raw = raw.trim();
    let digits = raw
        .trim_start_matches("<@")
        .trim_start_matches('!')
        .trim_end_matches('>');
    if let Ok(id) = digits.parse::<u64>() {
        return Some(UserId(id));
    }
    let key = name_key(raw);
    named_share(shares, project)?
        .guests
        .iter()
        .find(|g| name_key(&g.display_name) == key)
        .map(|g| g.user_id)
}

/// Stop sharing a project, or take one guest off it; they lose access to the channel
#[poise::command(slash_command, guild_only)]
async fn revoke(
    ctx: Context<'_>,
    #[description = "The shared project"]
    #[autocomplete = "shared_project"]
    #[max_length = 100]
    project: String,
    #[description = "Only this guest (leave out to end the share for everyone)"]
    #[autocomplete = "share_guest"]
    #[max_length = 100]
    guest: Option<String>,
) -> Result<(), Error> {
    let app = &ctx.data().app;
    let guest = match guest {
        Some(raw) => {
            let shares = sharing::list(app, &actor(ctx)).await?;
            match typed_guest(&raw, &shares, &project) {
                Some(user) => Some(user),
                None => {
                    return private(
                        ctx,
                        format!(
                            "'{}' is not a guest of that project. Pick one from the list, or see them in `/share list`.",
                            render::safe(&raw, 60)
                        ),
                    )
                    .await
                }
            }
        }
        None => None,
    };
    // Check the right first, so nobody is asked to confirm what they may not do.
    let (name, losing) = sharing::check_revoke(app, &actor(ctx), &project, guest).await?;
    let question = match guest {
        Some(user) => format!(
            "Take {} off {}? They lose access to its guest channel; the chat history stays.",
            render::mention(user),
            shown(&name)
        ),
        None if losing.is_empty() => format!(
            "Stop sharing {}? It has no guests; no more cards will be posted.",
            shown(&name)
        ),
        None => format!(
            "Stop sharing {}? {} lose access to its guest channel; the chat history stays.",
            shown(&name),
            people(&losing)
        ),
    };
    let Some(press) = confirm(ctx, &question, "Revoke").await? else {
        return Ok(());
    };
    let revoked = match sharing::revoke(app, &actor(ctx), &project, guest).await {
        Ok(revoked) => revoked,
        Err(e) => return answer_press(ctx, &press, &e.user_message()).await,
    };
    let removed = posts::remove_view(ctx.http(), &revoked.remove_view).await;
    let mut text = if revoked.share_ended {
        format!(
            "{} is no longer shared in <#{}>.",
            shown(&revoked.project),
            revoked.share.guest_channel
        )
    } else {
        format!(
            "{} is no longer a guest of {}.",
            people(&revoked.removed),
            shown(&revoked.project)
        )
    };
    if revoked.share_ended && !revoked.removed.is_empty() {
        text.push_str(&format!(
            " {} lost access to the channel.",
            people(&revoked.removed)
        ));
    }
    for problem in posts::access_problems(&removed, false) {
        text.push_str(&format!("\n⚠️ {problem}"));
    }
    answer_press(ctx, &press, &text).await
}
