//! `/me …`: your own preferences, the time zone your days are counted in and the first day
//! of your week, a web link to your own time, and a web link to a shared project's page (a
//! guest's way to the project's status and chat). Replies are private.

use chrono::{Utc, Weekday};
use crewclock::app::me::{self, Prefs};
use crewclock::app::project_links;
use crewclock::app::projects::MAX_SUGGESTIONS;
use poise::serenity_prelude as serenity;

use super::private;
use crate::context::{actor, Context, Error};
use crate::render;

/// Discord's most autocomplete choices.
const MAX_CHOICES: usize = 25;

/// Your preferences: time zone and first day of the week
#[poise::command(
    slash_command,
    guild_only,
    subcommands("status", "timezone", "week_start", "link", "project_link"),
    subcommand_required
)]
pub async fn me(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// A day of the week, as offered in `/me week-start`.
#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum DayChoice {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl DayChoice {
    fn code(self) -> &'static str {
        match self {
            DayChoice::Monday => "monday",
            DayChoice::Tuesday => "tuesday",
            DayChoice::Wednesday => "wednesday",
            DayChoice::Thursday => "thursday",
            DayChoice::Friday => "friday",
            DayChoice::Saturday => "saturday",
            DayChoice::Sunday => "sunday",
        }
    }
}

fn day_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

fn prefs_text(prefs: &Prefs) -> String {
    let local = Utc::now().with_timezone(&prefs.time_zone);
    format!(
        "Your time zone: **{}** (it is {} there now). Your week starts on **{}**.",
        prefs.time_zone.name(),
        local.format("%a %H:%M"),
        day_name(prefs.week_start)
    )
}

/// Your time zone and first day of the week
#[poise::command(slash_command, guild_only)]
async fn status(ctx: Context<'_>) -> Result<(), Error> {
    let prefs = me::prefs(&ctx.data().app, &actor(ctx)).await?;
    private(
        ctx,
        format!(
            "{} Change them with `/me timezone` and `/me week-start`.",
            prefs_text(&prefs)
        ),
    )
    .await
}

/// A web link to your own time this month, by project
#[poise::command(slash_command, guild_only)]
async fn link(ctx: Context<'_>) -> Result<(), Error> {
    ctx.defer_ephemeral().await?;
    match super::report::personal_link(ctx).await? {
        Some(url) => {
            private(
                ctx,
                format!(
                    "Your time this month, by project (the page always shows the current month; the link expires, and `/report revoke` ends it sooner): <{url}>"
                ),
            )
            .await
        }
        None => {
            private(
                ctx,
                "This bot has no web address configured ([web] public_url), so there is no web page to link to. Use `/report summary` for your time here.",
            )
            .await
        }
    }
}

/// Shared projects the caller may open: a Guest's own, or those a member may see.
async fn shared_project_choices(
    ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    let found = project_links::suggest_shared_projects(
        &ctx.data().app,
        &actor(ctx),
        partial,
        MAX_SUGGESTIONS,
    )
    .await
    .unwrap_or_else(|e| {
        tracing::debug!(error = %e, "no shared project choices");
        Vec::new()
    });
    let choices = found
        .into_iter()
        .take(MAX_CHOICES)
        .map(|s| serenity::AutocompleteChoice::new(super::pickers::label(&s.label), s.value))
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

/// A web link to a shared project's page: its shared status and the guest chat
#[poise::command(slash_command, guild_only, rename = "project-link")]
async fn project_link(
    ctx: Context<'_>,
    #[description = "A project shared with you (members: a shared project you can see)"]
    #[autocomplete = "shared_project_choices"]
    #[max_length = 100]
    project: String,
) -> Result<(), Error> {
    let data = ctx.data();
    let Some(base) = data.links.public_url.clone() else {
        return private(
            ctx,
            "This bot has no web address configured ([web] public_url), so there is no web page to link to. The project's card in its guest channel shows the same status.",
        )
        .await;
    };
    ctx.defer_ephemeral().await?;
    let made =
        project_links::create(&data.app, &actor(ctx), &data.links.settings, &project).await?;
    private(
        ctx,
        format!(
            "The page of **{project}** as shared with its guests ({fields} and the guest chat): <{url}>\n\
             Anyone with this link can open it until {until}, as long as the project stays shared, so keep it to yourself. `/report revoke #{id}` ends it sooner; `/report links` lists your links.",
            project = render::safe(&made.project, 80),
            fields = made.fields,
            url = made.link.url(&base),
            until = render::date(made.link.link.expires_at),
            id = made.link.link.id,
        ),
    )
    .await
}

/// Zone names containing what was typed (spaces read as underscores), those starting with
/// it (or whose city starts with it) first; never the fixed-offset zones the core refuses.
pub fn zones_matching(partial: &str) -> Vec<&'static str> {
    let wanted = partial.trim().to_ascii_lowercase().replace(' ', "_");
    let mut found: Vec<(u8, &'static str)> = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|tz| tz.name())
        .filter(|name| !is_fixed_offset(name))
        .filter_map(|name| {
            let key = name.to_ascii_lowercase();
            let city = key.rsplit('/').next().unwrap_or(&key);
            let rank = if key.starts_with(&wanted) {
                0
            } else if city.starts_with(&wanted) {
                1
            } else if key.contains(&wanted) {
                2
            } else {
                return None;
            };
            Some((rank, name))
        })
        .collect();
    found.sort();
    found
        .into_iter()
        .map(|(_, name)| name)
        .take(MAX_CHOICES)
        .collect()
}

/// Zones that are a fixed offset, which don't follow daylight saving (the core refuses them).
fn is_fixed_offset(name: &str) -> bool {
    matches!(name, "EST" | "MST" | "HST")
        || name
            .strip_prefix("Etc/GMT")
            .is_some_and(|rest| rest.starts_with(['+', '-']))
}

async fn zone_choices(_ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let choices = zones_matching(partial)
        .into_iter()
        .map(|name| serenity::AutocompleteChoice::new(name, name))
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

/// Set your time zone: your days and weeks are counted in it
#[poise::command(slash_command, guild_only)]
async fn timezone(
    ctx: Context<'_>,
    #[description = "A zone name like Europe/Berlin or America/New_York"]
    #[autocomplete = "zone_choices"]
    #[max_length = 64]
    zone: String,
) -> Result<(), Error> {
    let prefs = me::set_time_zone(&ctx.data().app, &actor(ctx), &zone).await?;
    private(ctx, format!("Saved. {}", prefs_text(&prefs))).await
}

/// Set the first day of your week
#[poise::command(slash_command, guild_only, rename = "week-start")]
async fn week_start(
    ctx: Context<'_>,
    #[description = "The day your week starts on"] day: DayChoice,
) -> Result<(), Error> {
    let prefs = me::set_week_start(&ctx.data().app, &actor(ctx), day.code()).await?;
    private(ctx, format!("Saved. {}", prefs_text(&prefs))).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_are_filtered_and_bounded() {
        assert!(zones_matching("").len() <= MAX_CHOICES);
        assert_eq!(zones_matching("europe/berl"), ["Europe/Berlin"]);
        assert_eq!(zones_matching("new york")[0], "America/New_York");
        assert_eq!(zones_matching("berlin")[0], "Europe/Berlin");
        assert!(zones_matching("etc/gmt+").is_empty());
        assert!(zones_matching("no such place").is_empty());
        assert!(zones_matching("a").iter().all(|z| z.len() <= 100));
    }
}
