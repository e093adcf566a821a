//! crewclock on Discord: poise slash commands, the event handler (role sync, invitation
//! buttons, the chat bridge), the posts to shared projects' guest channels, and the bot
//! start-up used by the binary and by the end-to-end tests.
//!
//! A command body builds the Actor, calls one `crewclock::app` function and renders the
//! result. No SQL and no permission rules live here.

pub mod bot;
mod chat_bridge;
pub mod commands;
mod context;
mod effects;
mod errors;
mod events;
pub mod reminders;
mod render;
pub mod sharing_posts;

pub use bot::{run_bot, BotOptions, LinkOptions};
pub use context::{Context, Data, Error};
