//! `/help`: exactly the commands the caller's role may use.

use crewclock::app::members;
use crewclock::domain::help;

use super::paginate_by;
use crate::context::{actor, Context, Error};

/// Lines on one page of /help.
const HELP_LINES: usize = 25;

/// Show the commands you can use here
#[poise::command(slash_command)]
pub async fn help(ctx: Context<'_>) -> Result<(), Error> {
    let (role, settings) = members::my_standing(&ctx.data().app, &actor(ctx)).await?;
    let lines: Vec<String> = help::available(role, &settings)
        .into_iter()
        .map(|c| format!("`/{}` — {}", c.path, c.summary))
        .collect();
    let title = match role {
        Some(role) => format!("crewclock commands for you ({role})"),
        None => "crewclock commands".to_string(),
    };
    paginate_by(ctx, &title, lines, true, HELP_LINES).await
}
