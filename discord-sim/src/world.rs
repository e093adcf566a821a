//! The simulated world: guilds, roles, channels, users and members.
//!
//! The public `*Spec` types describe what a test wants to exist; the crate-private `*Rec` types
//! are what the simulator stores. Setup methods live on [`crate::DiscordSim`].

use std::collections::{BTreeMap, BTreeSet};

use crate::ids::{ChannelId, GuildId, RoleId, UserId};
use crate::perms;

/// A guild to create with [`crate::DiscordSim::add_guild`].
#[derive(Clone, Debug)]
pub struct GuildSpec {
    /// The guild's name.
    pub name: String,
    /// Username of the owner (created as a member if new).
    pub owner: String,
    /// Permissions of the `@everyone` role.
    pub everyone_permissions: u64,
    /// Permissions of the bot's managed role.
    pub bot_permissions: u64,
    /// Position of the bot's managed role (roles at or above it cannot be granted by the bot).
    pub bot_role_position: u16,
    /// Names of text channels to create (defaults to `["general"]`).
    pub text_channels: Vec<String>,
}

impl GuildSpec {
    /// A guild named `name`, owned by a user called "owner", with a `#general` channel and
    /// Discord-like default permissions.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            owner: "owner".into(),
            everyone_permissions: perms::DEFAULT_EVERYONE,
            bot_permissions: perms::DEFAULT_BOT,
            bot_role_position: 50,
            text_channels: vec!["general".into()],
        }
    }

    /// Sets the owner's username.
    pub fn owner(mut self, username: impl Into<String>) -> Self {
        self.owner = username.into();
        self
    }

    /// Sets `@everyone`'s permissions.
    pub fn everyone_permissions(mut self, bits: u64) -> Self {
        self.everyone_permissions = bits;
        self
    }

    /// Sets the bot role's permissions.
    pub fn bot_permissions(mut self, bits: u64) -> Self {
        self.bot_permissions = bits;
        self
    }

    /// Sets the bot role's position.
    pub fn bot_role_position(mut self, position: u16) -> Self {
        self.bot_role_position = position;
        self
    }

    /// Adds a text channel to create with the guild.
    pub fn text_channel(mut self, name: impl Into<String>) -> Self {
        self.text_channels.push(name.into());
        self
    }

    /// Creates the guild without any channel (not even `#general`).
    pub fn without_channels(mut self) -> Self {
        self.text_channels.clear();
        self
    }
}

/// A role to create with [`crate::DiscordSim::add_role`].
#[derive(Clone, Debug)]
pub struct RoleSpec {
    /// The role's name.
    pub name: String,
    /// Its guild-level permissions.
    pub permissions: u64,
    /// Its position; `None` puts it just above the highest non-bot role below the bot's role.
    pub position: Option<u16>,
    /// Its colour (`0xRRGGBB`).
    pub color: u32,
    /// Shown separately in the member list.
    pub hoist: bool,
    /// Can be mentioned by everyone.
    pub mentionable: bool,
}

impl RoleSpec {
    /// A role named `name` without permissions.
    pub fn new(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            permissions: 0,
            position: None,
            color: 0,
            hoist: false,
            mentionable: false,
        }
    }

    /// Sets the permissions.
    pub fn permissions(mut self, bits: u64) -> Self {
        self.permissions = bits;
        self
    }

    /// Sets the position.
    pub fn position(mut self, position: u16) -> Self {
        self.position = Some(position);
        self
    }

    /// Sets the colour.
    pub fn color(mut self, color: u32) -> Self {
        self.color = color;
        self
    }

    /// Makes the role mentionable.
    pub fn mentionable(mut self) -> Self {
        self.mentionable = true;
        self
    }
}

/// The kinds of channel the simulator can create.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChannelKind {
    /// A guild text channel (type 0).
    Text,
    /// A DM with the bot (type 1).
    Dm,
    /// A voice channel (type 2).
    Voice,
    /// A category (type 4).
    Category,
    /// An announcement channel (type 5).
    Announcement,
}

impl ChannelKind {
    /// Discord's channel type number.
    pub fn number(self) -> u8 {
        match self {
            ChannelKind::Text => 0,
            ChannelKind::Dm => 1,
            ChannelKind::Voice => 2,
            ChannelKind::Category => 4,
            ChannelKind::Announcement => 5,
        }
    }
}

/// Whether a permission overwrite targets a role or a member.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OverwriteKind {
    /// Type 0.
    Role,
    /// Type 1.
    Member,
}

/// A channel permission overwrite.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Overwrite {
    /// The role or user id.
    pub id: u64,
    /// Role or member.
    pub kind: OverwriteKind,
    /// Allowed bits.
    pub allow: u64,
    /// Denied bits.
    pub deny: u64,
}

/// A guild channel to create with [`crate::DiscordSim::add_channel`].
#[derive(Clone, Debug)]
pub struct ChannelSpec {
    /// The channel's name (without `#`).
    pub name: String,
    /// Its kind (not [`ChannelKind::Dm`]: DMs are created with
    /// [`crate::DiscordSim::dm_channel`]).
    pub kind: ChannelKind,
    /// Its topic.
    pub topic: Option<String>,
    /// Its category.
    pub parent: Option<ChannelId>,
    /// Its permission overwrites.
    pub overwrites: Vec<Overwrite>,
}

impl ChannelSpec {
    /// A text channel named `name`.
    pub fn text(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            kind: ChannelKind::Text,
            topic: None,
            parent: None,
            overwrites: Vec::new(),
        }
    }

    /// Sets the kind.
    pub fn kind(mut self, kind: ChannelKind) -> Self {
        self.kind = kind;
        self
    }

    /// Sets the topic.
    pub fn topic(mut self, topic: impl Into<String>) -> Self {
        self.topic = Some(topic.into());
        self
    }

    /// Sets the category.
    pub fn parent(mut self, parent: ChannelId) -> Self {
        self.parent = Some(parent);
        self
    }

    /// Adds a permission overwrite.
    pub fn overwrite(mut self, overwrite: Overwrite) -> Self {
        self.overwrites.push(overwrite);
        self
    }
}

/// A user (and their membership) to create with [`crate::DiscordSim::add_member`].
#[derive(Clone, Debug)]
pub struct UserSpec {
    /// Unique username; a user with the same username is the same person in every guild.
    pub username: String,
    /// Display name ("global name").
    pub global_name: Option<String>,
    /// Guild nickname.
    pub nick: Option<String>,
    /// Roles in the guild.
    pub roles: Vec<RoleId>,
    /// Whether the user is a bot.
    pub bot: bool,
}

impl UserSpec {
    /// A plain user called `username`.
    pub fn new(username: impl Into<String>) -> Self {
        Self {
            username: username.into(),
            global_name: None,
            nick: None,
            roles: Vec::new(),
            bot: false,
        }
    }

    /// Sets the display name.
    pub fn global_name(mut self, name: impl Into<String>) -> Self {
        self.global_name = Some(name.into());
        self
    }

    /// Sets the guild nickname.
    pub fn nick(mut self, nick: impl Into<String>) -> Self {
        self.nick = Some(nick.into());
        self
    }

    /// Adds a role.
    pub fn role(mut self, role: RoleId) -> Self {
        self.roles.push(role);
        self
    }

    /// Sets all roles.
    pub fn roles(mut self, roles: impl IntoIterator<Item = RoleId>) -> Self {
        self.roles = roles.into_iter().collect();
        self
    }

    /// Marks the user as a bot.
    pub fn bot(mut self) -> Self {
        self.bot = true;
        self
    }
}

/// A person in the simulated world, as seen in one guild (or in DMs when `guild` is `None`).
///
/// This is what tests act as: `sim.command(&alice, channel, "ping", ())`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimUser {
    /// The user's id.
    pub id: UserId,
    /// The user's username.
    pub username: String,
    /// The guild this handle acts in (None for a user that is only known in DMs).
    pub guild: Option<GuildId>,
    /// When set, `member.permissions` in interactions is this value instead of the computed one.
    pub permissions_override: Option<u64>,
}

impl SimUser {
    /// The same user, but interactions claim they have exactly `bits` as permissions
    /// (e.g. `perms::MANAGE_GUILD`), whatever their roles say.
    pub fn with_permissions(&self, bits: u64) -> SimUser {
        SimUser {
            permissions_override: Some(bits),
            ..self.clone()
        }
    }

    /// The mention syntax `<@id>`.
    pub fn mention(&self) -> String {
        format!("<@{}>", self.id)
    }
}

#[derive(Clone, Debug)]
pub(crate) struct UserRec {
    pub id: u64,
    pub username: String,
    pub global_name: Option<String>,
    pub bot: bool,
    pub dms_closed: bool,
    pub dm_channel: Option<u64>,
}

#[derive(Clone, Debug)]
pub(crate) struct RoleRec {
    pub id: u64,
    pub name: String,
    pub permissions: u64,
    pub position: u16,
    pub color: u32,
    pub hoist: bool,
    pub mentionable: bool,
    pub managed_bot: Option<u64>,
}

#[derive(Clone, Debug)]
pub(crate) struct MemberRec {
    pub user_id: u64,
    pub nick: Option<String>,
    pub roles: Vec<u64>,
    pub joined_at: String,
}

#[derive(Clone, Debug)]
pub(crate) struct ChannelRec {
    pub id: u64,
    pub kind: ChannelKind,
    pub guild_id: Option<u64>,
    pub name: String,
    pub topic: Option<String>,
    pub parent_id: Option<u64>,
    pub position: u16,
    pub overwrites: BTreeMap<u64, Overwrite>,
    /// For DM channels: the other person.
    pub recipient: Option<u64>,
}

#[derive(Clone, Debug)]
pub(crate) struct GuildRec {
    pub id: u64,
    pub name: String,
    pub owner_id: u64,
    pub roles: BTreeMap<u64, RoleRec>,
    pub channels: BTreeSet<u64>,
    pub members: BTreeMap<u64, MemberRec>,
    pub joined_at: String,
    pub deny_manage_roles: bool,
    pub bot_role: u64,
}

impl GuildRec {
    /// Guild-level permissions of a member (owner and administrators get everything).
    pub fn base_permissions(&self, user_id: u64) -> u64 {
        if user_id == self.owner_id {
            return perms::ALL;
        }
        let mut bits = self.roles.get(&self.id).map_or(0, |r| r.permissions);
        if let Some(member) = self.members.get(&user_id) {
            for role in &member.roles {
                if let Some(r) = self.roles.get(role) {
                    bits |= r.permissions;
                }
            }
        }
        if bits & perms::ADMINISTRATOR != 0 {
            perms::ALL
        } else {
            bits
        }
    }

    /// Channel-level permissions, applying overwrites like Discord does.
    pub fn channel_permissions(&self, user_id: u64, channel: Option<&ChannelRec>) -> u64 {
        let base = self.base_permissions(user_id);
        let Some(channel) = channel else { return base };
        if base & perms::ADMINISTRATOR != 0 || user_id == self.owner_id {
            return perms::ALL;
        }
        let mut bits = base;
        if let Some(ow) = channel.overwrites.get(&self.id) {
            bits = (bits & !ow.deny) | ow.allow;
        }
        let roles = self
            .members
            .get(&user_id)
            .map(|m| m.roles.clone())
            .unwrap_or_default();
        let (mut allow, mut deny) = (0, 0);
        for role in roles {
            if let Some(ow) = channel.overwrites.get(&role) {
                if ow.kind == OverwriteKind::Role {
                    allow |= ow.allow;
                    deny |= ow.deny;
                }
            }
        }
        bits = (bits & !deny) | allow;
        if let Some(ow) = channel.overwrites.get(&user_id) {
            if ow.kind == OverwriteKind::Member {
                bits = (bits & !ow.deny) | ow.allow;
            }
        }
        bits
    }

    /// Position of the member's highest role (0 for `@everyone` only).
    pub fn highest_position(&self, user_id: u64) -> u16 {
        self.members
            .get(&user_id)
            .map(|m| {
                m.roles
                    .iter()
                    .filter_map(|r| self.roles.get(r))
                    .map(|r| r.position)
                    .max()
                    .unwrap_or(0)
            })
            .unwrap_or(0)
    }
}
