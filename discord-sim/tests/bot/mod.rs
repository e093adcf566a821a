//! A tiny poise 0.7.1 bot, started with the real serenity client against the simulator.
//! Every command exists to prove one piece of the simulator end to end.

use std::time::Duration;

use discord_sim::DiscordSim;
use poise::serenity_prelude as serenity;
use poise::CreateReply;

pub type Error = Box<dyn std::error::Error + Send + Sync>;
pub type Context<'a> = poise::Context<'a, Data, Error>;

pub struct Data;

/// Allowed mentions that ping nobody: our rule is to always set them explicitly.
fn quiet() -> serenity::CreateAllowedMentions {
    serenity::CreateAllowedMentions::new()
}

/// Replies "pong".
#[poise::command(slash_command)]
async fn ping(ctx: Context<'_>) -> Result<(), Error> {
    ctx.send(
        CreateReply::default()
            .content("pong")
            .allowed_mentions(quiet()),
    )
    .await?;
    Ok(())
}

/// Team commands (a group with a subcommand group).
#[poise::command(slash_command, subcommands("member", "echo"), subcommand_required)]
async fn team(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Member commands.
#[poise::command(slash_command, subcommands("info"), subcommand_required)]
async fn member(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Shows a user's name, ephemerally.
#[poise::command(slash_command, ephemeral)]
async fn info(ctx: Context<'_>, #[description = "Who"] who: serenity::User) -> Result<(), Error> {
    let nick = match ctx.guild_id() {
        Some(_) => ctx
            .author_member()
            .await
            .map(|m| m.display_name().to_owned()),
        None => None,
    };
    ctx.send(
        CreateReply::default()
            .content(format!(
                "{} is {} (asked by {})",
                who.id,
                who.name,
                nick.unwrap_or_default()
            ))
            .allowed_mentions(quiet()),
    )
    .await?;
    Ok(())
}

/// Echoes every option type back.
#[poise::command(slash_command)]
#[allow(clippy::too_many_arguments)]
async fn echo(
    ctx: Context<'_>,
    #[description = "s"] s: String,
    #[description = "i"] i: i64,
    #[description = "n"] n: f64,
    #[description = "b"] b: bool,
    #[description = "u"] u: serenity::User,
    #[description = "r"] r: serenity::Role,
    #[description = "c"] c: serenity::GuildChannel,
    #[description = "m"] m: serenity::Member,
    #[description = "a"] a: Option<serenity::Attachment>,
) -> Result<(), Error> {
    let file = match a {
        Some(a) => format!(
            "{}={}",
            a.filename,
            String::from_utf8_lossy(&a.download().await?)
        ),
        None => "none".into(),
    };
    ctx.send(
        CreateReply::default()
            .content(format!(
                "s={s} i={i} n={n} b={b} u={} r={} c={} m={} a={file}",
                u.name,
                r.name,
                c.name,
                m.display_name()
            ))
            .allowed_mentions(quiet()),
    )
    .await?;
    Ok(())
}

async fn fruit_names(_ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let choices = ["apple", "apricot", "banana", "cherry"]
        .into_iter()
        .filter(|f| f.starts_with(partial))
        .map(serenity::AutocompleteChoice::from)
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

/// Picks a fruit (autocomplete).
#[poise::command(slash_command)]
async fn fruit(
    ctx: Context<'_>,
    #[description = "Fruit"]
    #[autocomplete = "fruit_names"]
    name: String,
) -> Result<(), Error> {
    ctx.send(
        CreateReply::default()
            .content(format!("you picked {name}"))
            .allowed_mentions(quiet()),
    )
    .await?;
    Ok(())
}

/// Asks for a confirmation with a button, awaits the click, then edits the message.
#[poise::command(slash_command)]
async fn confirm(ctx: Context<'_>) -> Result<(), Error> {
    use serenity::futures::StreamExt as _;
    let id = format!("confirm-{}", ctx.id());
    let button = |disabled: bool| {
        vec![serenity::CreateActionRow::Buttons(vec![
            serenity::CreateButton::new(id.clone())
                .label("Yes")
                .style(serenity::ButtonStyle::Success)
                .disabled(disabled),
        ])]
    };
    // The collector is registered when `stream()` is called: before sending, so that a
    // click arriving right after the message cannot be missed.
    let mut clicks = serenity::ComponentInteractionCollector::new(ctx)
        .custom_ids(vec![id.clone()])
        .timeout(Duration::from_secs(5))
        .stream();
    let handle = ctx
        .send(
            CreateReply::default()
                .content("Are you sure?")
                .components(button(false))
                .allowed_mentions(quiet()),
        )
        .await?;
    let Some(click) = clicks.next().await else {
        return Ok(());
    };
    click
        .create_response(ctx, serenity::CreateInteractionResponse::Acknowledge)
        .await?;
    handle
        .edit(
            ctx,
            CreateReply::default()
                .content(format!("Confirmed by {}", click.user.name))
                .components(button(true))
                .allowed_mentions(quiet()),
        )
        .await?;
    Ok(())
}

/// The counter message: a "+1" button and a select menu, handled by the event handler with
/// UPDATE_MESSAGE responses (no collector: custom ids carry the state).
fn counter_message(n: u32) -> serenity::CreateInteractionResponseMessage {
    serenity::CreateInteractionResponseMessage::new()
        .content(format!("count: {n}"))
        .components(vec![
            serenity::CreateActionRow::Buttons(vec![serenity::CreateButton::new(format!(
                "count:{n}"
            ))
            .label("+1")]),
            serenity::CreateActionRow::SelectMenu(serenity::CreateSelectMenu::new(
                "count:set",
                serenity::CreateSelectMenuKind::String {
                    options: ["0", "5", "10"]
                        .into_iter()
                        .map(|v| serenity::CreateSelectMenuOption::new(v, v))
                        .collect(),
                },
            )),
        ])
        .allowed_mentions(quiet())
}

/// Shows a counter.
#[poise::command(slash_command)]
async fn counter(ctx: Context<'_>) -> Result<(), Error> {
    let poise::Context::Application(actx) = ctx else {
        return Ok(());
    };
    actx.interaction
        .create_response(
            ctx,
            serenity::CreateInteractionResponse::Message(counter_message(0)),
        )
        .await?;
    actx.has_sent_initial_response
        .store(true, std::sync::atomic::Ordering::SeqCst);
    Ok(())
}

/// DMs a user; says so when their DMs are closed.
#[poise::command(slash_command, ephemeral)]
async fn dm(ctx: Context<'_>, #[description = "Who"] who: serenity::User) -> Result<(), Error> {
    let sent = who
        .direct_message(
            ctx,
            serenity::CreateMessage::new()
                .content(format!("hello from {}", ctx.author().name))
                .allowed_mentions(quiet()),
        )
        .await;
    let text = match sent {
        Ok(_) => format!("sent a DM to {}", who.name),
        Err(serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(e)))
            if e.error.code == 50007 =>
        {
            format!("could not DM {}: their DMs are closed", who.name)
        }
        Err(e) => return Err(e.into()),
    };
    ctx.send(
        CreateReply::default()
            .content(text)
            .allowed_mentions(quiet()),
    )
    .await?;
    Ok(())
}

/// Gives a member a role through REST.
#[poise::command(slash_command, required_permissions = "MANAGE_ROLES")]
async fn grant(
    ctx: Context<'_>,
    #[description = "Who"] who: serenity::Member,
    #[description = "Role"] role: serenity::Role,
) -> Result<(), Error> {
    let result = ctx
        .http()
        .add_member_role(who.guild_id, who.user.id, role.id, Some("granted by test"))
        .await;
    let text = match result {
        Ok(()) => format!("gave {} to {}", role.name, who.user.name),
        Err(serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(e))) => {
            format!("failed: {} ({})", e.error.message, e.error.code)
        }
        Err(e) => return Err(e.into()),
    };
    ctx.send(
        CreateReply::default()
            .content(text)
            .allowed_mentions(quiet()),
    )
    .await?;
    Ok(())
}

/// Hides a channel from a role with a permission overwrite.
#[poise::command(slash_command)]
async fn hide(
    ctx: Context<'_>,
    #[description = "Channel"] channel: serenity::ChannelId,
    #[description = "Role"] role: serenity::RoleId,
) -> Result<(), Error> {
    channel
        .create_permission(
            ctx,
            serenity::PermissionOverwrite {
                allow: serenity::Permissions::empty(),
                deny: serenity::Permissions::VIEW_CHANNEL,
                kind: serenity::PermissionOverwriteType::Role(role),
            },
        )
        .await?;
    ctx.send(
        CreateReply::default()
            .content("hidden")
            .allowed_mentions(quiet()),
    )
    .await?;
    Ok(())
}

/// Defers, then answers with two follow-ups and a CSV attachment.
#[poise::command(slash_command)]
async fn slow(ctx: Context<'_>) -> Result<(), Error> {
    ctx.defer_ephemeral().await?;
    ctx.send(
        CreateReply::default()
            .content("first")
            .allowed_mentions(quiet()),
    )
    .await?;
    ctx.send(
        CreateReply::default()
            .content("second")
            .attachment(serenity::CreateAttachment::bytes(
                b"a,b\n1,2\n".to_vec(),
                "report.csv",
            ))
            .allowed_mentions(quiet()),
    )
    .await?;
    Ok(())
}

// serenity's builders refuse content over 2,000 characters before sending
// (ModelError::MessageTooLong), so this sends raw JSON.
/// Breaks Discord's 2,000-character limit.
#[poise::command(slash_command)]
async fn long(ctx: Context<'_>) -> Result<(), Error> {
    let poise::Context::Application(actx) = ctx else {
        return Ok(());
    };
    let body = serde_json::json!({
        "type": 4,
        "data": {"content": "x".repeat(2001), "allowed_mentions": {"parse": []}},
    });
    let raw = ctx
        .http()
        .create_interaction_response(actx.interaction.id, &actx.interaction.token, &body, vec![])
        .await;
    if raw.is_err() {
        ctx.send(
            CreateReply::default()
                .content("too long")
                .allowed_mentions(quiet()),
        )
        .await?;
    }
    Ok(())
}

/// Sends six action rows (Discord allows five); serenity does not check this.
#[poise::command(slash_command)]
async fn wide(ctx: Context<'_>) -> Result<(), Error> {
    let rows = (0..6)
        .map(|i| {
            serenity::CreateActionRow::Buttons(vec![
                serenity::CreateButton::new(format!("b{i}")).label(format!("B{i}"))
            ])
        })
        .collect();
    let sent = ctx
        .send(
            CreateReply::default()
                .content("many rows")
                .components(rows)
                .allowed_mentions(quiet()),
        )
        .await;
    if sent.is_err() {
        ctx.send(
            CreateReply::default()
                .content("too wide")
                .allowed_mentions(quiet()),
        )
        .await?;
    }
    Ok(())
}

/// Sends a button with a style Discord does not define (only the OpenAPI schema catches it).
#[poise::command(slash_command)]
async fn badstyle(ctx: Context<'_>) -> Result<(), Error> {
    ctx.send(
        CreateReply::default()
            .content("odd button")
            .components(vec![serenity::CreateActionRow::Buttons(vec![
                serenity::CreateButton::new("odd")
                    .label("Odd")
                    .style(serenity::ButtonStyle::Unknown(9)),
            ])])
            .allowed_mentions(quiet()),
    )
    .await?;
    Ok(())
}

/// Replies without setting allowed mentions (poise's default then applies: parse users).
#[poise::command(slash_command)]
async fn loud(ctx: Context<'_>) -> Result<(), Error> {
    ctx.say(format!("hi {}", ctx.author())).await?;
    Ok(())
}

#[derive(Debug, poise::Modal)]
#[name = "Feedback"]
struct Feedback {
    #[name = "Your feedback"]
    text: String,
}

/// Opens a modal and echoes what was submitted.
#[poise::command(slash_command)]
async fn feedback(ctx: poise::ApplicationContext<'_, Data, Error>) -> Result<(), Error> {
    use poise::Modal as _;
    if let Some(data) = Feedback::execute(ctx).await? {
        ctx.send(
            CreateReply::default()
                .content(format!("thanks for: {}", data.text))
                .allowed_mentions(quiet()),
        )
        .await?;
    }
    Ok(())
}

async fn on_event(
    framework: poise::FrameworkContext<'_, Data, Error>,
    event: &serenity::FullEvent,
) -> Result<(), Error> {
    let ctx = framework.serenity_context;
    let say = |channel: serenity::ChannelId, text: String| async move {
        channel
            .send_message(
                ctx,
                serenity::CreateMessage::new()
                    .content(text)
                    .allowed_mentions(quiet()),
            )
            .await
    };
    match event {
        serenity::FullEvent::Message { new_message } if !new_message.author.bot => {
            let files: Vec<&str> = new_message
                .attachments
                .iter()
                .map(|a| a.filename.as_str())
                .collect();
            say(
                new_message.channel_id,
                format!("echo: {} {:?}", new_message.content, files),
            )
            .await?;
        }
        serenity::FullEvent::MessageUpdate { event, .. }
            if event.author.as_ref().is_some_and(|a| !a.bot) =>
        {
            say(
                event.channel_id,
                format!("edited: {}", event.content.clone().unwrap_or_default()),
            )
            .await?;
        }
        serenity::FullEvent::InteractionCreate {
            interaction: serenity::Interaction::Component(click),
        } if click.data.custom_id.starts_with("count:") => {
            let n = match &click.data.kind {
                serenity::ComponentInteractionDataKind::StringSelect { values } => {
                    values[0].parse::<u32>()?
                }
                _ => click.data.custom_id["count:".len()..].parse::<u32>()? + 1,
            };
            click
                .create_response(
                    ctx,
                    serenity::CreateInteractionResponse::UpdateMessage(counter_message(n)),
                )
                .await?;
        }
        serenity::FullEvent::MessageDelete {
            channel_id,
            deleted_message_id,
            ..
        } => {
            say(*channel_id, format!("deleted: {deleted_message_id}")).await?;
        }
        serenity::FullEvent::GuildMemberUpdate { event, .. } => {
            let log = log_channel(ctx, event.guild_id);
            if let Some(log) = log {
                let roles: Vec<String> = event.roles.iter().map(|r| r.to_string()).collect();
                say(
                    log,
                    format!("roles of {}: [{}]", event.user.name, roles.join(",")),
                )
                .await?;
            }
        }
        serenity::FullEvent::GuildMemberRemoval { guild_id, user, .. } => {
            if let Some(log) = log_channel(ctx, *guild_id) {
                say(log, format!("{} left", user.name)).await?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// The guild's `#log` channel, from serenity's cache (filled by GUILD_CREATE).
fn log_channel(ctx: &serenity::Context, guild: serenity::GuildId) -> Option<serenity::ChannelId> {
    let g = ctx.cache.guild(guild)?;
    g.channels.values().find(|c| c.name == "log").map(|c| c.id)
}

/// Starts the bot against the simulator and returns its task.
pub async fn start(sim: &DiscordSim) -> tokio::task::JoinHandle<()> {
    let http = serenity::HttpBuilder::new(discord_sim::TOKEN)
        .proxy(sim.base_url())
        .ratelimiter_disabled(true)
        .build();
    let framework = poise::Framework::builder()
        .options(poise::FrameworkOptions {
            commands: vec![
                ping(),
                team(),
                fruit(),
                confirm(),
                counter(),
                dm(),
                grant(),
                hide(),
                slow(),
                long(),
                wide(),
                badstyle(),
                loud(),
                feedback(),
            ],
            event_handler: |framework, event| Box::pin(on_event(framework, event)),
            on_error: |error| {
                Box::pin(async move {
                    eprintln!("test bot error: {error}");
                })
            },
            ..Default::default()
        })
        .setup(|ctx, _ready, framework| {
            Box::pin(async move {
                poise::builtins::register_globally(ctx, &framework.options().commands).await?;
                Ok(Data)
            })
        })
        .build();
    let intents = serenity::GatewayIntents::non_privileged()
        | serenity::GatewayIntents::GUILD_MEMBERS
        | serenity::GatewayIntents::MESSAGE_CONTENT;
    let mut client = serenity::ClientBuilder::new_with_http(http, intents)
        .framework(framework)
        .await
        .expect("client");
    tokio::spawn(async move {
        let _ = client.start().await;
    })
}
