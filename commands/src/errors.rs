//! One place that turns every failure into an answer: core errors become their message,
//! everything else a generic reply with a reference, logged in full. The interaction is
//! always answered, so nobody sees "The application did not respond".

use crewclock::AppError;
use poise::serenity_prelude as serenity;

use crate::context::{Data, Error};
use crate::render::no_pings;

pub async fn on_error(error: poise::FrameworkError<'_, Data, Error>) {
    use poise::FrameworkError as F;
    let (ctx, message) = match error {
        F::Command { error, ctx, .. } => (ctx, message_for(error, &ctx.command().qualified_name)),
        F::CommandPanic { payload, ctx, .. } => {
            let reference = reference();
            tracing::error!(%reference, command = %ctx.command().qualified_name, panic = ?payload, "command panicked");
            (ctx, generic(&reference))
        }
        F::ArgumentParse {
            error, input, ctx, ..
        } => {
            let what = input
                .map(|i| format!(" '{}'", crate::render::safe(&i, 50)))
                .unwrap_or_default();
            tracing::debug!(%error, "argument parse");
            (
                ctx,
                format!(
                    "I couldn't read the value{what}. Check the command's options and try again."
                ),
            )
        }
        F::GuildOnly { ctx, .. } => (
            ctx,
            "This command works only in a server, not in direct messages.".to_string(),
        ),
        F::MissingUserPermissions {
            missing_permissions,
            ctx,
            ..
        } => {
            let what = missing_permissions
                .map(|p| p.to_string())
                .unwrap_or_else(|| "a Discord permission".into());
            (ctx, format!("You need {what} in this server for that."))
        }
        F::MissingBotPermissions {
            missing_permissions,
            ctx,
            ..
        } => (
            ctx,
            format!("I need the {missing_permissions} permission in this channel for that."),
        ),
        F::CommandCheckFailed { ctx, error, .. } => {
            if let Some(error) = error {
                tracing::warn!(%error, "command check failed");
            }
            (ctx, "You can't use this command here.".to_string())
        }
        F::SubcommandRequired { ctx } => {
            (ctx, "Pick one of this command's subcommands.".to_string())
        }
        F::CooldownHit {
            remaining_cooldown,
            ctx,
            ..
        } => (
            ctx,
            format!(
                "Slow down a little: try again in {} s.",
                remaining_cooldown.as_secs().max(1)
            ),
        ),
        F::Setup { error, .. } => {
            tracing::error!(%error, "bot setup failed");
            return;
        }
        F::EventHandler { error, event, .. } => {
            tracing::error!(%error, event = event.snake_case_name(), "event handler failed");
            return;
        }
        other => {
            tracing::warn!(error = %other, "unhandled framework error");
            return;
        }
    };
    let reply = poise::CreateReply::default()
        .content(message)
        .ephemeral(true)
        .allowed_mentions(no_pings());
    if let Err(e) = ctx.send(reply).await {
        tracing::warn!(error = %e, "could not send the error reply");
    }
}

/// The text a person sees for a command's error.
pub fn message_for(error: Error, command: &str) -> String {
    match error.downcast::<AppError>() {
        // Internal errors were logged with their reference when they were made.
        Ok(app_error) => app_error.user_message(),
        Err(other) => AppError::internal(format!("/{command}: {other}")).user_message(),
    }
}

fn generic(reference: &str) -> String {
    AppError::Internal(crewclock::app::error::Internal {
        reference: reference.to_string(),
        cause: String::new(),
        unavailable: false,
    })
    .user_message()
}

fn reference() -> String {
    crewclock::app::error::new_reference()
}

/// Discord's JSON error code, when the error is an API refusal.
pub fn discord_code(error: &serenity::Error) -> Option<isize> {
    match error {
        serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(response)) => {
            Some(response.error.code)
        }
        _ => None,
    }
}
