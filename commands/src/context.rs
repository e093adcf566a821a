//! The framework's shared data and how a Discord user becomes a core `Actor`.

use crewclock::app::report_links::LinkSettings;
use crewclock::domain::{GuildId, UserId};
use crewclock::{Actor, App};
use poise::serenity_prelude as serenity;

pub struct Data {
    pub app: App,
    pub links: Links,
}

/// How report links are made and where they point.
pub struct Links {
    pub settings: LinkSettings,
    /// The web sidecar's public address, if one serves these links.
    pub public_url: Option<String>,
}

pub type Error = Box<dyn std::error::Error + Send + Sync>;
pub type Context<'a> = poise::Context<'a, Data, Error>;

/// The name people see for a Discord user in a server: nickname, global name, username.
pub fn display_name(user: &serenity::User, member: Option<&serenity::Member>) -> String {
    member
        .and_then(|m| m.nick.clone())
        .or_else(|| user.global_name.clone())
        .unwrap_or_else(|| user.name.clone())
}

/// The actor for the invoking user, with their Manage Server permission from the interaction.
pub fn actor(ctx: Context<'_>) -> Actor {
    let (member, permissions) = match ctx {
        poise::Context::Application(actx) => {
            let member = actx.interaction.member.as_deref();
            (member, member.and_then(|m| m.permissions))
        }
        poise::Context::Prefix(_) => (None, None),
    };
    Actor {
        user: UserId(ctx.author().id.get()),
        name: display_name(ctx.author(), member),
        guild: ctx.guild_id().map(|g| GuildId(g.get())),
        manages_guild: permissions.is_some_and(|p| p.manage_guild()),
    }
}

/// The actor behind a button press or any other component interaction.
pub fn component_actor(interaction: &serenity::ComponentInteraction) -> Actor {
    let member = interaction.member.as_ref();
    Actor {
        user: UserId(interaction.user.id.get()),
        name: display_name(&interaction.user, member),
        guild: interaction.guild_id.map(|g| GuildId(g.get())),
        manages_guild: member
            .and_then(|m| m.permissions)
            .is_some_and(|p| p.manage_guild()),
    }
}
