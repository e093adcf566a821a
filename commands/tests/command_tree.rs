//! The command tree users see (names, options, descriptions, choices) is snapshotted as JSON
//! from poise's registration data: any change to it shows up as a reviewable diff. Run with
//! `UPDATE_SNAPSHOTS=1` to accept a change. The `/help` catalogue and the README's command
//! reference must name exactly the registered commands.

use std::path::PathBuf;

fn leaf_paths() -> Vec<String> {
    fn walk(
        prefix: &str,
        command: &poise::Command<crewclock_bot::Data, crewclock_bot::Error>,
        out: &mut Vec<String>,
    ) {
        let path = if prefix.is_empty() {
            command.name.to_string()
        } else {
            format!("{prefix} {}", command.name)
        };
        if command.subcommands.is_empty() {
            out.push(path);
        } else {
            for sub in &command.subcommands {
                walk(&path, sub, out);
            }
        }
    }
    let mut out = Vec::new();
    for command in crewclock_bot::commands::all() {
        walk("", &command, &mut out);
    }
    out
}

#[test]
fn command_tree_matches_snapshot() {
    let commands = crewclock_bot::commands::all();
    let registration = poise::builtins::create_application_commands(&commands);
    let json = serde_json::to_string_pretty(&registration).unwrap() + "\n";
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/commands.json");
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() || !path.exists() {
        std::fs::write(&path, &json).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        json, expected,
        "the command tree changed: review it, then run with UPDATE_SNAPSHOTS=1"
    );
}

#[test]
fn every_description_fits_discord_limits() {
    let commands = crewclock_bot::commands::all();
    let registration =
        serde_json::to_value(poise::builtins::create_application_commands(&commands)).unwrap();
    fn check(value: &serde_json::Value, depth: usize) {
        let name = value["name"].as_str().unwrap_or_default();
        assert!((1..=32).contains(&name.len()), "name '{name}'");
        assert!(
            name.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_'),
            "name '{name}'"
        );
        let description = value["description"].as_str().unwrap_or_default();
        assert!(
            (1..=100).contains(&description.chars().count()),
            "description of '{name}': '{description}'"
        );
        let options = value["options"].as_array().cloned().unwrap_or_default();
        assert!(
            options.len() <= 25,
            "'{name}' has {} options",
            options.len()
        );
        for option in &options {
            assert!(depth < 3, "nesting too deep at '{name}'");
            check(option, depth + 1);
        }
    }
    for command in registration.as_array().unwrap() {
        check(command, 0);
    }
}

#[test]
fn help_catalogue_names_exactly_the_registered_commands() {
    let mut registered = leaf_paths();
    let mut catalogue: Vec<String> = crewclock::domain::help::CATALOGUE
        .iter()
        .map(|c| c.path.to_string())
        .collect();
    registered.sort();
    catalogue.sort();
    assert_eq!(registered, catalogue);
}

#[test]
fn readme_documents_every_command() {
    let readme =
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../README.md"))
            .unwrap();
    for path in leaf_paths() {
        assert!(
            readme.contains(&format!("`/{path}")),
            "README's command reference lacks /{path}"
        );
    }
}
