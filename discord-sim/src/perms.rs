//! Discord permission bits (the subset tests care about) and the default sets the simulator uses.
//!
//! Permissions are plain `u64` bit sets, as on the wire.

/// Create instant invite.
pub const CREATE_INSTANT_INVITE: u64 = 1 << 0;
/// Kick members.
pub const KICK_MEMBERS: u64 = 1 << 1;
/// Ban members.
pub const BAN_MEMBERS: u64 = 1 << 2;
/// Administrator: implies every permission and bypasses channel overwrites.
pub const ADMINISTRATOR: u64 = 1 << 3;
/// Manage channels.
pub const MANAGE_CHANNELS: u64 = 1 << 4;
/// Manage guild ("Manage Server" in the client).
pub const MANAGE_GUILD: u64 = 1 << 5;
/// Add reactions.
pub const ADD_REACTIONS: u64 = 1 << 6;
/// View audit log.
pub const VIEW_AUDIT_LOG: u64 = 1 << 7;
/// View channel (read messages).
pub const VIEW_CHANNEL: u64 = 1 << 10;
/// Send messages.
pub const SEND_MESSAGES: u64 = 1 << 11;
/// Manage messages.
pub const MANAGE_MESSAGES: u64 = 1 << 13;
/// Embed links.
pub const EMBED_LINKS: u64 = 1 << 14;
/// Attach files.
pub const ATTACH_FILES: u64 = 1 << 15;
/// Read message history.
pub const READ_MESSAGE_HISTORY: u64 = 1 << 16;
/// Mention @everyone, @here and all roles.
pub const MENTION_EVERYONE: u64 = 1 << 17;
/// Change own nickname.
pub const CHANGE_NICKNAME: u64 = 1 << 26;
/// Manage roles ("Manage Permissions" on a channel).
pub const MANAGE_ROLES: u64 = 1 << 28;
/// Manage webhooks.
pub const MANAGE_WEBHOOKS: u64 = 1 << 29;
/// Use application (slash) commands.
pub const USE_APPLICATION_COMMANDS: u64 = 1 << 31;
/// Manage threads.
pub const MANAGE_THREADS: u64 = 1 << 34;
/// Send messages in threads.
pub const SEND_MESSAGES_IN_THREADS: u64 = 1 << 38;

/// Every permission bit Discord currently defines (what a guild owner or administrator gets).
pub const ALL: u64 = (1 << 51) - 1;

/// What `@everyone` may do in a fresh simulated guild (close to Discord's defaults).
pub const DEFAULT_EVERYONE: u64 = CREATE_INSTANT_INVITE
    | ADD_REACTIONS
    | VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | CHANGE_NICKNAME
    | USE_APPLICATION_COMMANDS
    | SEND_MESSAGES_IN_THREADS;

/// What the bot's own managed role gets in a fresh simulated guild.
pub const DEFAULT_BOT: u64 = VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | MANAGE_ROLES
    | MANAGE_CHANNELS
    | USE_APPLICATION_COMMANDS
    | SEND_MESSAGES_IN_THREADS;

/// What Discord reports as `app_permissions` for interactions in a DM with the bot.
pub const DM_APP_PERMISSIONS: u64 = VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | ADD_REACTIONS
    | USE_APPLICATION_COMMANDS;
