//! Autocomplete for project, task, client, tag, stage and color options.
//!
//! Live things come from the core's `suggest_*` functions, which offer only what the caller
//! may see; archived things (for the `unarchive` commands) from the core's lists, which are
//! filtered the same way. A choice sends back `#id`, which the core reads as "this one"; a
//! person may also type a name. Anyone the core refuses (not in the workspace, a Guest) gets
//! no choices.

use crewclock::app::projects::{self, Suggestion, MAX_SUGGESTIONS};
use crewclock::app::timers;
use crewclock::app::{members, project_links};
use crewclock::domain::ids::ChannelId;
use crewclock::domain::projects::{name_key, PALETTE};
use crewclock::domain::Role;
use poise::serenity_prelude as serenity;

use crate::context::{actor, Context};

/// Discord's limits on an autocomplete choice.
const MAX_CHOICES: usize = 25;
const MAX_CHOICE_CHARS: usize = 100;

/// A choice name within Discord's 100 characters.
pub fn label(text: &str) -> String {
    if text.chars().count() <= MAX_CHOICE_CHARS {
        return text.to_string();
    }
    let mut head: String = text.chars().take(MAX_CHOICE_CHARS - 1).collect();
    head.push('…');
    head
}

fn respond(suggestions: Vec<Suggestion>) -> serenity::CreateAutocompleteResponse {
    let choices = suggestions
        .into_iter()
        .take(MAX_CHOICES)
        .map(|s| serenity::AutocompleteChoice::new(label(&s.label), s.value))
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

pub(super) fn answer(
    found: crewclock::AppResult<Vec<Suggestion>>,
) -> serenity::CreateAutocompleteResponse {
    match found {
        Ok(suggestions) => respond(suggestions),
        Err(e) => {
            tracing::debug!(error = %e, "no autocomplete choices");
            respond(Vec::new())
        }
    }
}

/// The items whose name contains `partial`, those starting with it first (list order kept
/// otherwise), as `#id` suggestions.
pub(super) fn matching<'a>(
    items: impl IntoIterator<Item = (i64, &'a str)>,
    partial: &str,
) -> Vec<Suggestion> {
    let key = name_key(partial);
    let mut found: Vec<(bool, Suggestion)> = items
        .into_iter()
        .filter(|(_, name)| name_key(name).contains(&key))
        .map(|(id, name)| {
            (
                !name_key(name).starts_with(&key),
                Suggestion {
                    label: label(name),
                    value: format!("#{id}"),
                },
            )
        })
        .collect();
    found.sort_by_key(|(later, _)| *later);
    found
        .into_iter()
        .map(|(_, s)| s)
        .take(MAX_CHOICES)
        .collect()
}

/// The value typed so far in another option of the same command (`project` for a task).
pub fn other_option(ctx: Context<'_>, name: &str) -> Option<String> {
    let poise::Context::Application(actx) = ctx else {
        return None;
    };
    actx.args
        .iter()
        .find(|o| o.name == name)
        .and_then(|o| match &o.value {
            serenity::ResolvedValue::String(s) => Some((*s).to_string()),
            serenity::ResolvedValue::Autocomplete { value, .. } => Some((*value).to_string()),
            _ => None,
        })
        .filter(|s| !s.trim().is_empty())
}

/// Live projects the caller may see.
pub async fn project(ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    answer(projects::suggest_projects(&ctx.data().app, &actor(ctx), partial, MAX_SUGGESTIONS).await)
}

/// Several projects separated by commas: choices for the last item, each keeping the items
/// before it (`#3, #7` then `Apo` → `#3, #7, #12`).
pub async fn project_list(ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let (head, last) = match partial.rsplit_once(',') {
        Some((head, last)) => (Some(head.trim()), last.trim()),
        None => (None, partial.trim()),
    };
    let found = report_projects_matching(ctx, last).await;
    let Some(head) = head.filter(|h| !h.is_empty()) else {
        return answer(found);
    };
    let found = found.map(|list| {
        list.into_iter()
            .map(|s| Suggestion {
                label: format!("… + {}", s.label),
                value: format!("{head}, {}", s.value),
            })
            // A longer value would be refused by Discord: the list is then typed on.
            .filter(|s| s.value.chars().count() <= MAX_CHOICE_CHARS)
            .collect()
    });
    answer(found)
}

/// Projects a report may name: those the caller may see; for a Guest, those shared with them.
pub async fn report_project(
    ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    answer(report_projects_matching(ctx, partial).await)
}

async fn report_projects_matching(
    ctx: Context<'_>,
    partial: &str,
) -> crewclock::AppResult<Vec<Suggestion>> {
    let app = &ctx.data().app;
    let me = actor(ctx);
    match members::my_standing(app, &me).await? {
        (Some(Role::Guest), _) => {
            project_links::suggest_shared_projects(app, &me, partial, MAX_SUGGESTIONS).await
        }
        _ => projects::suggest_projects(app, &me, partial, MAX_SUGGESTIONS).await,
    }
}

/// Live projects the caller may track time to (for timers and entries).
pub async fn track_project(
    ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    answer(
        timers::suggest_projects_to_track(&ctx.data().app, &actor(ctx), partial, MAX_SUGGESTIONS)
            .await,
    )
}

/// Live tasks of the timer's project: the one typed, else the channel's default project.
pub async fn timer_task(ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let project = match other_option(ctx, "project") {
        Some(project) => project,
        None => match timers::channel_project(
            &ctx.data().app,
            &actor(ctx),
            ChannelId(ctx.channel_id().get()),
        )
        .await
        {
            Ok(Some((id, _))) => format!("#{id}"),
            _ => return respond(Vec::new()),
        },
    };
    answer(
        projects::suggest_tasks(
            &ctx.data().app,
            &actor(ctx),
            &project,
            partial,
            MAX_SUGGESTIONS,
        )
        .await,
    )
}

/// Tags for an option holding several, comma-separated: the part after the last comma is
/// completed, the tags before it are kept as typed.
pub async fn tags(ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let (before, current) = match partial.rfind(',') {
        Some(at) => (partial[..at].trim(), partial[at + 1..].trim()),
        None => ("", partial.trim()),
    };
    let found = projects::suggest_tags(&ctx.data().app, &actor(ctx), current, MAX_SUGGESTIONS)
        .await
        .map(|found| {
            found
                .into_iter()
                .filter_map(|s| {
                    let (label, value) = if before.is_empty() {
                        (s.label, s.value)
                    } else {
                        (
                            format!("{before}, {}", s.label),
                            format!("{before}, {}", s.value),
                        )
                    };
                    // A value too long for Discord can't be offered; typing still works.
                    (value.chars().count() <= MAX_CHOICE_CHARS).then(|| Suggestion {
                        label: label_tail(&label),
                        value,
                    })
                })
                .collect()
        });
    answer(found)
}

/// A choice name within 100 characters keeping its end (the part being completed).
fn label_tail(text: &str) -> String {
    let count = text.chars().count();
    if count <= MAX_CHOICE_CHARS {
        return text.to_string();
    }
    let mut tail = String::from("…");
    tail.extend(text.chars().skip(count - (MAX_CHOICE_CHARS - 1)));
    tail
}

/// Archived projects the caller may see.
pub async fn archived_project(
    ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    let found = projects::list_projects(&ctx.data().app, &actor(ctx), true, None)
        .await
        .map(|all| {
            matching(
                all.iter()
                    .filter(|p| p.archived)
                    .map(|p| (p.id, p.name.as_str())),
                partial,
            )
        });
    answer(found)
}

/// Live clients.
pub async fn client(ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    answer(projects::suggest_clients(&ctx.data().app, &actor(ctx), partial, MAX_SUGGESTIONS).await)
}

/// Live clients, and "none" to take a project's client away.
pub async fn client_or_none(
    ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    let found =
        projects::suggest_clients(&ctx.data().app, &actor(ctx), partial, MAX_SUGGESTIONS - 1)
            .await
            .map(|mut found| {
                if "none".starts_with(&name_key(partial)) {
                    found.push(Suggestion {
                        label: "none (no client)".into(),
                        value: "none".into(),
                    });
                }
                found
            });
    answer(found)
}

/// Archived clients.
pub async fn archived_client(
    ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    let found = projects::list_clients(&ctx.data().app, &actor(ctx), true)
        .await
        .map(|all| {
            matching(
                all.iter()
                    .filter(|c| c.archived)
                    .map(|c| (c.id, c.name.as_str())),
                partial,
            )
        });
    answer(found)
}

/// Live tags.
pub async fn tag(ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    answer(projects::suggest_tags(&ctx.data().app, &actor(ctx), partial, MAX_SUGGESTIONS).await)
}

/// Archived tags.
pub async fn archived_tag(ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let found = projects::list_tags(&ctx.data().app, &actor(ctx), true)
        .await
        .map(|all| {
            matching(
                all.iter()
                    .filter(|t| t.archived)
                    .map(|t| (t.id, t.name.as_str())),
                partial,
            )
        });
    answer(found)
}

/// The workspace's stages.
pub async fn stage(ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    answer(projects::suggest_stages(&ctx.data().app, &actor(ctx), partial, MAX_SUGGESTIONS).await)
}

/// The workspace's stages, and "none" to take a project out of its stage.
pub async fn stage_or_none(
    ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    let found =
        projects::suggest_stages(&ctx.data().app, &actor(ctx), partial, MAX_SUGGESTIONS - 1)
            .await
            .map(|mut found| {
                if "none".starts_with(&name_key(partial)) {
                    found.push(Suggestion {
                        label: "none (no stage)".into(),
                        value: "none".into(),
                    });
                }
                found
            });
    answer(found)
}

/// Live tasks of the project chosen in the same command.
pub async fn task(ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let Some(project) = other_option(ctx, "project") else {
        return respond(Vec::new());
    };
    answer(
        projects::suggest_tasks(
            &ctx.data().app,
            &actor(ctx),
            &project,
            partial,
            MAX_SUGGESTIONS,
        )
        .await,
    )
}

/// Open (not done) live tasks of the chosen project, for `/task done`.
pub async fn open_task(ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    tasks_where(ctx, partial, |t| !t.archived && !t.done).await
}

/// Done live tasks of the chosen project, for `/task reopen`.
pub async fn done_task(ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    tasks_where(ctx, partial, |t| !t.archived && t.done).await
}

/// Archived tasks of the chosen project, for `/task unarchive`.
pub async fn archived_task(
    ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    tasks_where(ctx, partial, |t| t.archived).await
}

async fn tasks_where(
    ctx: Context<'_>,
    partial: &str,
    keep: impl Fn(&crewclock::store::projects::Task) -> bool,
) -> serenity::CreateAutocompleteResponse {
    let Some(project) = other_option(ctx, "project") else {
        return respond(Vec::new());
    };
    let found = projects::list_tasks(&ctx.data().app, &actor(ctx), &project, true)
        .await
        .map(|all| {
            matching(
                all.iter()
                    .filter(|t| keep(t))
                    .map(|t| (t.id, t.name.as_str())),
                partial,
            )
        });
    answer(found)
}

/// A comma-separated list of tags: the earlier ones are kept as typed and the last one is
/// completed (`design, #4` reads as two tags to the core).
pub async fn tag_list(ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let (done, last) = match partial.rsplit_once(',') {
        Some((done, last)) => (format!("{}, ", done.trim()), last.trim()),
        None => (String::new(), partial.trim()),
    };
    let found = projects::suggest_tags(&ctx.data().app, &actor(ctx), last, MAX_SUGGESTIONS)
        .await
        .map(|tags| {
            tags.into_iter()
                .map(|t| Suggestion {
                    label: label(&format!("{done}{}", t.label)),
                    value: format!("{done}{}", t.value),
                })
                // A value Discord can't take (over 100 characters) is left out, not cut.
                .filter(|s| s.value.chars().count() <= MAX_CHOICE_CHARS)
                .collect()
        });
    answer(found)
}

/// The caller's recent entries they may still change, newest first.
pub async fn entry(ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    answer(
        crewclock::app::entries::suggest_entries(
            &ctx.data().app,
            &actor(ctx),
            partial,
            MAX_SUGGESTIONS,
        )
        .await,
    )
}

/// Tasks for `/time edit`: of the project chosen in the same command, else of the entry's
/// own project.
pub async fn entry_task(ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    if other_option(ctx, "project").is_some() {
        return task(ctx, partial).await;
    }
    let Some(entry) = other_option(ctx, "entry") else {
        return respond(Vec::new());
    };
    let Ok(id) = entry.trim().trim_start_matches('#').parse::<i64>() else {
        return respond(Vec::new());
    };
    let app = &ctx.data().app;
    let who = actor(ctx);
    let found = match crewclock::app::entries::get(app, &who, id).await {
        Ok(view) => {
            let project = format!("#{}", view.project_id);
            projects::suggest_tasks(app, &who, &project, partial, MAX_SUGGESTIONS).await
        }
        Err(e) => Err(e),
    };
    answer(found)
}

/// The palette's color names (a hex color may be typed instead).
pub async fn color(_ctx: Context<'_>, partial: &str) -> serenity::CreateAutocompleteResponse {
    let partial = partial.trim().to_lowercase();
    let choices = PALETTE
        .iter()
        .filter(|(name, hex)| name.starts_with(&partial) || hex.starts_with(&partial))
        .map(|(name, hex)| serenity::AutocompleteChoice::new(format!("{name} ({hex})"), *name))
        .collect();
    serenity::CreateAutocompleteResponse::new().set_choices(choices)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_fit_discord() {
        assert_eq!(label("short"), "short");
        let long = "x".repeat(150);
        assert_eq!(label(&long).chars().count(), 100);
        let exact = "y".repeat(100);
        assert_eq!(label(&exact), exact);
    }

    #[test]
    fn tail_labels_keep_the_end() {
        let long = format!("{}end", "x".repeat(150));
        let shown = label_tail(&long);
        assert_eq!(shown.chars().count(), 100);
        assert!(shown.starts_with('…') && shown.ends_with("end"));
        assert_eq!(label_tail("a, b"), "a, b");
    }

    #[test]
    fn matching_puts_prefixes_first() {
        let items = [(1, "Old website"), (2, "Website"), (3, "Mobile app")];
        let found = matching(items, "web");
        let values: Vec<&str> = found.iter().map(|s| s.value.as_str()).collect();
        assert_eq!(values, ["#2", "#1"]);
        assert_eq!(matching(items, "").len(), 3);
    }
}
