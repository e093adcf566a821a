//! Pure rules: no I/O, no database, no Discord. Everything here is unit-tested in place.

pub mod csv;
pub mod entries;
pub mod help;
pub mod ids;
pub mod invitation;
pub mod links;
pub mod policy;
pub mod projects;
pub mod report;
pub mod role;
pub mod role_sync;
pub mod settings;
pub mod sharing;
pub mod timeparse;

pub use ids::{ChannelId, DiscordRoleId, GuildId, UserId};
pub use role::Role;

/// A refusal by the rulebook, worded for the person who asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Denied(pub String);

impl Denied {
    pub fn new(message: impl Into<String>) -> Self {
        Denied(message.into())
    }
}

/// Input that cannot be understood, worded so the person knows what to type instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub String);

impl Invalid {
    pub fn new(message: impl Into<String>) -> Self {
        Invalid(message.into())
    }
}
