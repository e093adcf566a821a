//! Hand-written checks of Discord's limits and of our own message rules.
//!
//! These run on every message-bearing request, whether or not Discord's OpenAPI description is
//! available. Limits Discord enforces are [`ViolationKind::Limit`]; our rule that every message
//! body sets `allowed_mentions` (and never parses `everyone`) is
//! [`ViolationKind::AllowedMentions`].

use std::collections::HashSet;

use serde_json::Value;

use crate::record::ViolationKind;

/// One problem found in a request body.
#[derive(Clone, Debug)]
pub(crate) struct Found {
    pub kind: ViolationKind,
    pub message: String,
}

fn limit(message: String) -> Found {
    Found {
        kind: ViolationKind::Limit,
        message,
    }
}

fn chars(v: &Value) -> usize {
    v.as_str().map_or(0, |s| s.chars().count())
}

fn max_len(out: &mut Vec<Found>, what: &str, v: &Value, max: usize) {
    let n = chars(v);
    if n > max {
        out.push(limit(format!("{what} is {n} characters (max {max})")));
    }
}

/// Most files one message may carry.
pub(crate) const MAX_FILES: usize = 10;
/// Largest upload Discord accepts for a bot in an unboosted server (the interaction's
/// `attachment_size_limit`, 25 MiB, caps every file and the request's total).
pub(crate) const MAX_UPLOAD_BYTES: usize = 26_214_400;

/// Checks the files uploaded with a request: how many, how big, and that each has a name.
pub(crate) fn check_files(files: &[crate::record::SentFile]) -> Vec<Found> {
    let mut out = Vec::new();
    if files.len() > MAX_FILES {
        out.push(limit(format!(
            "{} files attached (max {MAX_FILES})",
            files.len()
        )));
    }
    let total: usize = files.iter().map(|f| f.bytes.len()).sum();
    if total > MAX_UPLOAD_BYTES {
        out.push(limit(format!(
            "attachments total {total} bytes (max {MAX_UPLOAD_BYTES})"
        )));
    }
    for f in files {
        if f.filename.trim().is_empty() || f.filename.chars().count() > 1024 {
            out.push(limit(format!(
                "attachment file name '{}' is not valid",
                f.filename
            )));
        }
    }
    out
}

/// Checks a message create or edit body (`content`, `embeds`, `components`,
/// `allowed_mentions`). `files` is the number of uploaded files; `create` enables the
/// "empty message" check.
pub(crate) fn check_message(body: &Value, files: usize, create: bool) -> Vec<Found> {
    let mut out = Vec::new();
    if !body.is_object() {
        out.push(limit("message body is not a JSON object".into()));
        return out;
    }
    max_len(&mut out, "content", &body["content"], 2000);

    let embeds = body["embeds"].as_array().cloned().unwrap_or_default();
    if embeds.len() > 10 {
        out.push(limit(format!("{} embeds (max 10)", embeds.len())));
    }
    let mut total = 0;
    for (i, e) in embeds.iter().enumerate() {
        let p = format!("embeds[{i}]");
        max_len(&mut out, &format!("{p}.title"), &e["title"], 256);
        max_len(
            &mut out,
            &format!("{p}.description"),
            &e["description"],
            4096,
        );
        max_len(
            &mut out,
            &format!("{p}.footer.text"),
            &e["footer"]["text"],
            2048,
        );
        max_len(
            &mut out,
            &format!("{p}.author.name"),
            &e["author"]["name"],
            256,
        );
        total += chars(&e["title"])
            + chars(&e["description"])
            + chars(&e["footer"]["text"])
            + chars(&e["author"]["name"]);
        let fields = e["fields"].as_array().cloned().unwrap_or_default();
        if fields.len() > 25 {
            out.push(limit(format!("{p} has {} fields (max 25)", fields.len())));
        }
        for (j, f) in fields.iter().enumerate() {
            max_len(&mut out, &format!("{p}.fields[{j}].name"), &f["name"], 256);
            max_len(
                &mut out,
                &format!("{p}.fields[{j}].value"),
                &f["value"],
                1024,
            );
            if chars(&f["name"]) == 0 || chars(&f["value"]) == 0 {
                out.push(limit(format!("{p}.fields[{j}] has an empty name or value")));
            }
            total += chars(&f["name"]) + chars(&f["value"]);
        }
    }
    if total > 6000 {
        out.push(limit(format!(
            "embeds have {total} characters in total (max 6000)"
        )));
    }

    check_components(&mut out, &body["components"]);

    if create {
        let empty_content = chars(&body["content"]) == 0;
        let has_components = body["components"].as_array().is_some_and(|c| !c.is_empty());
        let has_other = !body["sticker_ids"].is_null() || !body["poll"].is_null();
        if empty_content && embeds.is_empty() && !has_components && files == 0 && !has_other {
            out.push(limit(
                "cannot send an empty message (no content, embeds, components or files)".into(),
            ));
        }
    }

    match body.get("allowed_mentions") {
        None | Some(Value::Null) => out.push(Found {
            kind: ViolationKind::AllowedMentions,
            message: "allowed_mentions is missing: every message body must set it explicitly"
                .into(),
        }),
        Some(am) => {
            let parses_everyone = am["parse"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|p| p == "everyone");
            if parses_everyone {
                out.push(Found {
                    kind: ViolationKind::AllowedMentions,
                    message:
                        "allowed_mentions.parse contains \"everyone\": @everyone/@here could ping"
                            .into(),
                });
            }
        }
    }
    out
}

fn check_components(out: &mut Vec<Found>, components: &Value) {
    let rows = components.as_array().cloned().unwrap_or_default();
    if rows.len() > 5 {
        out.push(limit(format!("{} action rows (max 5)", rows.len())));
    }
    let mut ids = HashSet::new();
    for (i, row) in rows.iter().enumerate() {
        if row["type"] != 1 {
            out.push(limit(format!(
                "components[{i}] is type {} (top-level components must be action rows, type 1)",
                row["type"]
            )));
            continue;
        }
        let items = row["components"].as_array().cloned().unwrap_or_default();
        if items.is_empty() {
            out.push(limit(format!("components[{i}] is an empty action row")));
        }
        let buttons = items.iter().filter(|c| c["type"] == 2).count();
        let selects = items.len() - buttons;
        if buttons > 5 {
            out.push(limit(format!(
                "components[{i}] has {buttons} buttons (max 5)"
            )));
        }
        if selects > 0 && items.len() > 1 {
            out.push(limit(format!(
                "components[{i}]: a select menu must be alone in its action row"
            )));
        }
        for (j, c) in items.iter().enumerate() {
            let p = format!("components[{i}].components[{j}]");
            if let Some(id) = c["custom_id"].as_str() {
                max_len(out, &format!("{p}.custom_id"), &c["custom_id"], 100);
                if !ids.insert(id.to_owned()) {
                    out.push(limit(format!("{p}: duplicate custom_id {id:?}")));
                }
            }
            match c["type"].as_u64() {
                Some(2) => {
                    max_len(out, &format!("{p}.label"), &c["label"], 80);
                    let is_link = c["style"] == 5;
                    if is_link && c["url"].is_null() {
                        out.push(limit(format!("{p}: link button without url")));
                    }
                    if !is_link && c["style"] != 6 && c["custom_id"].is_null() {
                        out.push(limit(format!("{p}: button without custom_id")));
                    }
                }
                Some(3 | 5..=8) => {
                    max_len(out, &format!("{p}.placeholder"), &c["placeholder"], 150);
                    let options = c["options"].as_array().cloned().unwrap_or_default();
                    if options.len() > 25 {
                        out.push(limit(format!(
                            "{p}: select menu has {} options (max 25)",
                            options.len()
                        )));
                    }
                    if c["type"] == 3 && options.is_empty() {
                        out.push(limit(format!("{p}: string select without options")));
                    }
                    for (k, o) in options.iter().enumerate() {
                        max_len(out, &format!("{p}.options[{k}].label"), &o["label"], 100);
                        max_len(out, &format!("{p}.options[{k}].value"), &o["value"], 100);
                        max_len(
                            out,
                            &format!("{p}.options[{k}].description"),
                            &o["description"],
                            100,
                        );
                    }
                }
                other => out.push(limit(format!(
                    "{p}: component type {other:?} is not allowed in a message action row"
                ))),
            }
        }
    }
}

/// Checks an autocomplete result (callback type 8 data).
pub(crate) fn check_autocomplete(data: &Value) -> Vec<Found> {
    let mut out = Vec::new();
    let choices = data["choices"].as_array().cloned().unwrap_or_default();
    if data["choices"].is_null() {
        out.push(limit("autocomplete result without choices".into()));
    }
    if choices.len() > 25 {
        out.push(limit(format!(
            "autocomplete returned {} choices (max 25)",
            choices.len()
        )));
    }
    for (i, c) in choices.iter().enumerate() {
        let n = chars(&c["name"]);
        if n == 0 || n > 100 {
            out.push(limit(format!(
                "choices[{i}].name is {n} characters (must be 1 to 100)"
            )));
        }
        max_len(&mut out, &format!("choices[{i}].value"), &c["value"], 100);
    }
    out
}

/// Checks a modal (callback type 9 data).
pub(crate) fn check_modal(data: &Value) -> Vec<Found> {
    let mut out = Vec::new();
    max_len(&mut out, "modal custom_id", &data["custom_id"], 100);
    let title = chars(&data["title"]);
    if title == 0 || title > 45 {
        out.push(limit(format!(
            "modal title is {title} characters (must be 1 to 45)"
        )));
    }
    let rows = data["components"].as_array().cloned().unwrap_or_default();
    if rows.is_empty() || rows.len() > 5 {
        out.push(limit(format!(
            "modal has {} rows (must be 1 to 5)",
            rows.len()
        )));
    }
    for (i, row) in rows.iter().enumerate() {
        for (j, c) in row["components"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            let p = format!("modal components[{i}].components[{j}]");
            max_len(&mut out, &format!("{p}.label"), &c["label"], 45);
            max_len(&mut out, &format!("{p}.custom_id"), &c["custom_id"], 100);
            max_len(
                &mut out,
                &format!("{p}.placeholder"),
                &c["placeholder"],
                100,
            );
            max_len(&mut out, &format!("{p}.value"), &c["value"], 4000);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn kinds(found: &[Found]) -> Vec<(ViolationKind, String)> {
        found.iter().map(|f| (f.kind, f.message.clone())).collect()
    }

    #[test]
    fn file_count_and_size_limits() {
        let file = |name: &str, size: usize| crate::record::SentFile {
            field: "files[0]".into(),
            filename: name.into(),
            content_type: None,
            bytes: vec![0; size],
        };
        assert!(check_files(&[file("a.png", 10), file("b.csv", 10)]).is_empty());
        let many: Vec<_> = (0..11).map(|i| file(&format!("{i}.txt"), 1)).collect();
        assert!(check_files(&many)[0].message.contains("11 files"));
        let big = check_files(&[file("big.bin", MAX_UPLOAD_BYTES + 1)]);
        assert!(big[0].message.contains("max 26214400"), "{:?}", kinds(&big));
        assert_eq!(check_files(&[file(" ", 1)]).len(), 1);
    }

    #[test]
    fn a_quiet_short_message_is_clean() {
        let body = json!({"content": "hi", "allowed_mentions": {"parse": []}});
        assert!(check_message(&body, 0, true).is_empty());
    }

    #[test]
    fn content_embed_and_component_limits() {
        let field = json!({"name": "n", "value": "v".repeat(1025)});
        let body = json!({
            "content": "x".repeat(2001),
            "embeds": [{"title": "t".repeat(257), "fields": vec![field; 26]}],
            "components": [{"type": 1, "components": (0..6).map(|i| json!({
                "type": 2, "style": 1, "custom_id": format!("c{i}"), "label": "l".repeat(81)
            })).collect::<Vec<_>>()}],
            "allowed_mentions": {"parse": ["users", "everyone"]},
        });
        let found = kinds(&check_message(&body, 0, true));
        let has = |s: &str| found.iter().any(|(_, m)| m.contains(s));
        assert!(has("content is 2001 characters (max 2000)"), "{found:#?}");
        assert!(has("embeds[0].title is 257 characters (max 256)"));
        assert!(has("embeds[0] has 26 fields (max 25)"));
        assert!(has(
            "embeds[0].fields[0].value is 1025 characters (max 1024)"
        ));
        assert!(has("embeds have 26933 characters in total (max 6000)"));
        assert!(has("components[0] has 6 buttons (max 5)"));
        assert!(has(
            "components[0].components[0].label is 81 characters (max 80)"
        ));
        assert!(found
            .iter()
            .any(|(k, m)| *k == ViolationKind::AllowedMentions && m.contains("everyone")));
    }

    #[test]
    fn missing_allowed_mentions_and_empty_messages() {
        let found = kinds(&check_message(&json!({"content": ""}), 0, true));
        assert_eq!(found.len(), 2, "{found:#?}");
        assert_eq!(found[0].0, ViolationKind::Limit);
        assert_eq!(found[1].0, ViolationKind::AllowedMentions);
        // An edit may leave the content alone, and a file alone is a message.
        let edit = json!({"components": [], "allowed_mentions": {"parse": []}});
        assert!(check_message(&edit, 0, false).is_empty());
        assert!(check_message(&json!({"allowed_mentions": {}}), 1, true).is_empty());
    }

    #[test]
    fn autocomplete_and_modal_limits() {
        let choices: Vec<_> = (0..26)
            .map(|i| json!({"name": format!("c{i}"), "value": "v"}))
            .collect();
        let found = kinds(&check_autocomplete(&json!({"choices": choices})));
        assert_eq!(found[0].1, "autocomplete returned 26 choices (max 25)");
        let long = json!({"choices": [{"name": "n".repeat(101), "value": "v".repeat(101)}]});
        assert_eq!(check_autocomplete(&long).len(), 2);
        let modal = json!({"custom_id": "m", "title": "t".repeat(46), "components": []});
        assert_eq!(check_modal(&modal).len(), 2);
    }
}
