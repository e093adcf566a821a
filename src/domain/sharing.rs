//! Sharing a project with guests: which fields a share exposes, who may share, and the
//! project card guests see.
//!
//! The card is built from [`ProjectFacts`], which on purpose holds no rates, no money and no
//! per-person time: whatever a share exposes, nothing else can leak into a guest's view.

use std::collections::BTreeSet;
use std::fmt;

use chrono::NaiveDate;

use super::policy::clip;
use super::projects::{self as rules, Standing};
use super::settings::Settings;
use super::{Denied, Invalid};

/// One thing a share may show its guests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SharedField {
    /// The project's tasks (names, open or done).
    Tasks,
    DueDate,
    Stage,
    /// Tracked hours as a percentage of an hours budget.
    HoursOfBudget,
    /// Done tasks as a percentage of all tasks.
    TasksDone,
}

impl SharedField {
    pub const ALL: [SharedField; 5] = [
        SharedField::Tasks,
        SharedField::DueDate,
        SharedField::Stage,
        SharedField::HoursOfBudget,
        SharedField::TasksDone,
    ];

    /// The name people type and the database stores.
    pub fn as_str(self) -> &'static str {
        match self {
            SharedField::Tasks => "tasks",
            SharedField::DueDate => "due",
            SharedField::Stage => "stage",
            SharedField::HoursOfBudget => "hours%",
            SharedField::TasksDone => "tasks%",
        }
    }

    /// A label for cards and lists.
    pub fn label(self) -> &'static str {
        match self {
            SharedField::Tasks => "tasks",
            SharedField::DueDate => "due date",
            SharedField::Stage => "stage",
            SharedField::HoursOfBudget => "% hours of budget",
            SharedField::TasksDone => "% tasks done",
        }
    }

    fn parse_one(word: &str) -> Option<SharedField> {
        let key: String = word
            .trim()
            .to_lowercase()
            .chars()
            .filter(|c| !matches!(c, ' ' | '_' | '-'))
            .collect();
        Some(match key.as_str() {
            "tasks" | "task" | "tasklist" => SharedField::Tasks,
            "due" | "duedate" | "deadline" => SharedField::DueDate,
            "stage" | "status" => SharedField::Stage,
            "hours%" | "hours" | "%hours" | "hoursofbudget" | "budget" | "budget%" => {
                SharedField::HoursOfBudget
            }
            "tasks%" | "%tasks" | "tasksdone" | "done" | "done%" | "progress" => {
                SharedField::TasksDone
            }
            _ => return None,
        })
    }
}

impl fmt::Display for SharedField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The fields a share exposes: never empty, in a fixed order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FieldSet(BTreeSet<SharedField>);

/// What to type, for every field error.
const FIELD_HELP: &str = "Fields: tasks, due, stage, hours%, tasks% (comma-separated), or all";

impl FieldSet {
    pub fn all() -> FieldSet {
        FieldSet(SharedField::ALL.into_iter().collect())
    }

    /// `tasks,due,stage,hours%,tasks%` (commas or spaces between), or `all`.
    pub fn parse(raw: &str) -> Result<FieldSet, Invalid> {
        let text = raw.trim();
        if text.eq_ignore_ascii_case("all") {
            return Ok(FieldSet::all());
        }
        let mut fields = BTreeSet::new();
        for word in text
            .split([',', ';', ' '])
            .map(str::trim)
            .filter(|w| !w.is_empty())
        {
            match SharedField::parse_one(word) {
                Some(field) => {
                    fields.insert(field);
                }
                None => {
                    return Err(Invalid::new(format!(
                        "'{}' is not a field you can share. {FIELD_HELP}.",
                        clip(word, 30)
                    )))
                }
            }
        }
        if fields.is_empty() {
            return Err(Invalid::new(format!(
                "Choose at least one field to show the guests. {FIELD_HELP}."
            )));
        }
        Ok(FieldSet(fields))
    }

    pub fn contains(&self, field: SharedField) -> bool {
        self.0.contains(&field)
    }

    pub fn iter(&self) -> impl Iterator<Item = SharedField> + '_ {
        self.0.iter().copied()
    }

    /// The canonical text, as stored: `tasks,due,stage`.
    pub fn to_db(&self) -> String {
        self.iter()
            .map(SharedField::as_str)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Human labels, for cards and lists.
    pub fn labels(&self) -> String {
        self.iter()
            .map(SharedField::label)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The message shown when a workspace turned sharing off.
pub fn sharing_disabled() -> Denied {
    Denied::new(
        "Sharing is turned off in this workspace. The Owner or an Admin can turn it on with /workspace set sharing_enabled true.",
    )
}

/// Share a project, change a share or revoke it: Owner/Admin on any project, project
/// managers on their own, and only while the workspace allows sharing.
pub fn can_share(who: Standing, settings: &Settings) -> Result<(), Denied> {
    rules::share_project(who)?;
    if !settings.sharing_enabled {
        return Err(sharing_disabled());
    }
    Ok(())
}

/// Revoking stays possible with sharing off (there is nothing left to revoke then, but a
/// race must not block an unshare).
pub fn can_unshare(who: Standing) -> Result<(), Denied> {
    rules::share_project(who)
}

/// One task as a guest sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardTask {
    pub name: String,
    pub done: bool,
}

/// Everything a card may be built from. Deliberately no rates, money, or per-person time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectFacts {
    pub name: String,
    pub stage: Option<String>,
    pub due_date: Option<NaiveDate>,
    /// The hours budget in minutes; `None` without one (money budgets are never shown).
    pub hours_budget_minutes: Option<i64>,
    /// All time tracked to the project, in minutes, summed over everyone.
    pub tracked_minutes: i64,
    /// Live (not archived) tasks, open first.
    pub tasks: Vec<CardTask>,
}

/// At most this many tasks are listed on a card (Discord messages are short).
pub const MAX_CARD_TASKS: usize = 25;

/// A project as its guests see it: each field is `None` unless the share exposes it; the
/// inner `Option` is `None` when the project has no value for it (no due date, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectCard {
    pub project: String,
    pub fields: FieldSet,
    pub stage: Option<Option<String>>,
    pub due_date: Option<Option<NaiveDate>>,
    /// Whole percent of the hours budget used; may exceed 100.
    pub hours_of_budget: Option<Option<u32>>,
    /// (done, total) live tasks.
    pub tasks_done: Option<(usize, usize)>,
    /// The first [`MAX_CARD_TASKS`] tasks and how many more there are.
    pub tasks: Option<(Vec<CardTask>, usize)>,
}

fn percent(part: i64, whole: i64) -> Option<u32> {
    if whole <= 0 {
        return None;
    }
    u32::try_from((part.max(0) * 100 + whole / 2) / whole).ok()
}

impl ProjectCard {
    /// The card for `fields`: anything not shared is left out.
    pub fn build(facts: &ProjectFacts, fields: &FieldSet) -> ProjectCard {
        let done = facts.tasks.iter().filter(|t| t.done).count();
        ProjectCard {
            project: facts.name.clone(),
            fields: fields.clone(),
            stage: fields
                .contains(SharedField::Stage)
                .then(|| facts.stage.clone()),
            due_date: fields
                .contains(SharedField::DueDate)
                .then_some(facts.due_date),
            hours_of_budget: fields.contains(SharedField::HoursOfBudget).then(|| {
                facts
                    .hours_budget_minutes
                    .and_then(|budget| percent(facts.tracked_minutes, budget))
            }),
            tasks_done: fields
                .contains(SharedField::TasksDone)
                .then_some((done, facts.tasks.len())),
            tasks: fields.contains(SharedField::Tasks).then(|| {
                let shown: Vec<CardTask> =
                    facts.tasks.iter().take(MAX_CARD_TASKS).cloned().collect();
                let more = facts.tasks.len() - shown.len();
                (shown, more)
            }),
        }
    }

    /// Plain-text lines, one per shared field, for a Discord post or the web page.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if let Some(stage) = &self.stage {
            lines.push(format!("Stage: {}", stage.as_deref().unwrap_or("not set")));
        }
        if let Some(due) = &self.due_date {
            lines.push(match due {
                Some(date) => format!("Due: {}", date.format("%Y-%m-%d")),
                None => "Due: no due date".to_string(),
            });
        }
        if let Some(hours) = &self.hours_of_budget {
            lines.push(match hours {
                Some(p) => format!("Hours of budget used: {p}%"),
                None => "Hours of budget used: no hours budget".to_string(),
            });
        }
        if let Some((done, total)) = self.tasks_done {
            lines.push(match percent(done as i64, total as i64) {
                Some(p) => format!("Tasks done: {done} of {total} ({p}%)"),
                None => "Tasks done: no tasks yet".to_string(),
            });
        }
        if let Some((tasks, more)) = &self.tasks {
            if tasks.is_empty() {
                lines.push("Tasks: none yet".to_string());
            } else {
                lines.push("Tasks:".to_string());
                for task in tasks {
                    let mark = if task.done { "[x]" } else { "[ ]" };
                    lines.push(format!("{mark} {}", clip(&task.name, 100)));
                }
                if *more > 0 {
                    lines.push(format!("… and {more} more"));
                }
            }
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::projects::Membership;
    use crate::domain::Role;

    fn facts() -> ProjectFacts {
        ProjectFacts {
            name: "Website".into(),
            stage: Some("Design".into()),
            due_date: NaiveDate::from_ymd_opt(2026, 12, 24),
            hours_budget_minutes: Some(600),
            tracked_minutes: 150,
            tasks: vec![
                CardTask {
                    name: "Mockups".into(),
                    done: false,
                },
                CardTask {
                    name: "Brief".into(),
                    done: true,
                },
            ],
        }
    }

    #[test]
    fn parses_the_documented_list_and_aliases() {
        let all = FieldSet::parse("tasks,due,stage,hours%,tasks%").unwrap();
        assert_eq!(all, FieldSet::all());
        assert_eq!(all.to_db(), "tasks,due,stage,hours%,tasks%");
        assert_eq!(FieldSet::parse("ALL").unwrap(), FieldSet::all());
        let some = FieldSet::parse(" Stage  due-date, Stage ").unwrap();
        assert_eq!(some.to_db(), "due,stage");
        assert_eq!(FieldSet::parse(&some.to_db()).unwrap(), some);
    }

    #[test]
    fn bad_fields_say_what_to_type() {
        let err = FieldSet::parse("stage, rates").unwrap_err();
        assert!(err.0.contains("'rates'"), "{}", err.0);
        assert!(
            err.0.contains("tasks, due, stage, hours%, tasks%"),
            "{}",
            err.0
        );
        let err = FieldSet::parse(" , ").unwrap_err();
        assert!(err.0.contains("at least one field"), "{}", err.0);
    }

    #[test]
    fn card_shows_only_shared_fields() {
        let card = ProjectCard::build(&facts(), &FieldSet::parse("stage").unwrap());
        assert_eq!(card.lines(), vec!["Stage: Design".to_string()]);
        assert_eq!(card.due_date, None);
        assert_eq!(card.tasks, None);
        let card = ProjectCard::build(&facts(), &FieldSet::all());
        assert_eq!(card.hours_of_budget, Some(Some(25)));
        assert_eq!(card.tasks_done, Some((1, 2)));
        let text = card.lines().join("\n");
        assert!(text.contains("Due: 2026-12-24"), "{text}");
        assert!(text.contains("Tasks done: 1 of 2 (50%)"), "{text}");
        assert!(text.contains("[x] Brief"), "{text}");
    }

    #[test]
    fn card_without_values_says_so() {
        let bare = ProjectFacts {
            stage: None,
            due_date: None,
            hours_budget_minutes: None,
            tasks: Vec::new(),
            ..facts()
        };
        let text = ProjectCard::build(&bare, &FieldSet::all())
            .lines()
            .join("\n");
        assert!(text.contains("no hours budget"), "{text}");
        assert!(text.contains("no tasks yet"), "{text}");
        assert!(text.contains("Stage: not set"), "{text}");
    }

    #[test]
    fn only_admins_and_project_managers_share_while_enabled() {
        let on = Settings::default();
        let off = Settings {
            sharing_enabled: false,
            ..Settings::default()
        };
        let pm = Standing::new(Role::Member, Membership::Manager);
        assert!(can_share(pm, &on).is_ok());
        assert!(can_share(Standing::new(Role::Admin, Membership::None), &on).is_ok());
        let refused = can_share(Standing::new(Role::Manager, Membership::None), &on);
        assert!(refused.unwrap_err().0.contains("this project's managers"));
        assert!(can_share(pm, &off)
            .unwrap_err()
            .0
            .contains("sharing_enabled true"));
        assert!(can_share(Standing::new(Role::Guest, Membership::Manager), &on).is_err());
    }
}
