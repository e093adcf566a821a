//! Messages as the bot sent them (and as users posted them), with helpers for asserting.

use serde_json::Value;

use crate::ids::{
    parse_snowflake, ChannelId, InteractionId, MessageId, RoleId, Snowflakes, UserId,
};
use crate::record::SentFile;

/// Message flag: only the invoking user sees the message.
pub const EPHEMERAL: u64 = 1 << 6;

/// A file attached to a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentAttachment {
    /// The attachment's id.
    pub id: u64,
    /// Its file name.
    pub filename: String,
    /// Its content type, if known.
    pub content_type: Option<String>,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

impl SentAttachment {
    /// The bytes as UTF-8 text (lossy), handy for CSV attachments.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

/// A button found in a message's components.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Button {
    /// The custom id (None for link buttons).
    pub custom_id: Option<String>,
    /// The label.
    pub label: Option<String>,
    /// The style (1 primary, 2 secondary, 3 success, 4 danger, 5 link).
    pub style: u8,
    /// Whether it is disabled.
    pub disabled: bool,
    /// The URL of a link button.
    pub url: Option<String>,
}

/// Who a message would notify, following `allowed_mentions` like Discord does.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pings {
    /// Users that get a notification.
    pub users: Vec<UserId>,
    /// Roles whose members get a notification.
    pub roles: Vec<RoleId>,
    /// Whether `@everyone`/`@here` would notify.
    pub everyone: bool,
}

impl Pings {
    /// Whether nobody gets notified.
    pub fn is_empty(&self) -> bool {
        self.users.is_empty() && self.roles.is_empty() && !self.everyone
    }
}

/// A message (one version of it) as stored by the simulator.
#[derive(Clone, Debug)]
pub struct SentMessage {
    /// The message id.
    pub id: MessageId,
    /// The channel it is in.
    pub channel_id: ChannelId,
    /// Who wrote it (the bot for everything the bot sent).
    pub author_id: UserId,
    /// The text content.
    pub content: String,
    /// The embeds, as JSON.
    pub embeds: Vec<Value>,
    /// The action rows, as JSON.
    pub components: Vec<Value>,
    /// Message flags ([`EPHEMERAL`] is 64).
    pub flags: u64,
    /// Attached files.
    pub attachments: Vec<SentAttachment>,
    /// `allowed_mentions` of the last request that created or edited this message.
    pub allowed_mentions: Option<Value>,
    /// The interaction this message answers, if any.
    pub interaction: Option<InteractionId>,
    /// How many times it was edited.
    pub edits: usize,
    /// Whether it was deleted.
    pub deleted: bool,
}

impl SentMessage {
    pub(crate) fn new(id: u64, channel_id: u64, author_id: u64) -> Self {
        Self {
            id: MessageId(id),
            channel_id: ChannelId(channel_id),
            author_id: UserId(author_id),
            content: String::new(),
            embeds: Vec::new(),
            components: Vec::new(),
            flags: 0,
            attachments: Vec::new(),
            allowed_mentions: None,
            interaction: None,
            edits: 0,
            deleted: false,
        }
    }

    /// Whether only the invoking user sees it.
    pub fn ephemeral(&self) -> bool {
        self.flags & EPHEMERAL != 0
    }

    /// All buttons, row by row.
    pub fn buttons(&self) -> Vec<Button> {
        self.components
            .iter()
            .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
            .filter(|c| c["type"] == 2)
            .map(|c| Button {
                custom_id: c["custom_id"].as_str().map(str::to_owned),
                label: c["label"].as_str().map(str::to_owned),
                style: c["style"].as_u64().unwrap_or(0) as u8,
                disabled: c["disabled"].as_bool().unwrap_or(false),
                url: c["url"].as_str().map(str::to_owned),
            })
            .collect()
    }

    /// The button with this label, if any.
    pub fn button(&self, label: &str) -> Option<Button> {
        self.buttons()
            .into_iter()
            .find(|b| b.label.as_deref() == Some(label))
    }

    /// All select menus (as JSON), row by row.
    pub fn select_menus(&self) -> Vec<Value> {
        self.components
            .iter()
            .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
            .filter(|c| matches!(c["type"].as_u64(), Some(3 | 5..=8)))
            .collect()
    }

    /// Content, embed titles, descriptions, field names and values, footers and author names,
    /// joined with newlines: one string to `contains()` on.
    pub fn text(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        if !self.content.is_empty() {
            parts.push(self.content.clone());
        }
        for e in &self.embeds {
            for key in ["title", "description"] {
                if let Some(s) = e[key].as_str() {
                    parts.push(s.to_owned());
                }
            }
            if let Some(s) = e["author"]["name"].as_str() {
                parts.push(s.to_owned());
            }
            for f in e["fields"].as_array().into_iter().flatten() {
                parts.push(format!(
                    "{}: {}",
                    f["name"].as_str().unwrap_or(""),
                    f["value"].as_str().unwrap_or("")
                ));
            }
            if let Some(s) = e["footer"]["text"].as_str() {
                parts.push(s.to_owned());
            }
        }
        parts.join("\n")
    }

    /// The attachment with this file name, if any.
    pub fn attachment(&self, filename: &str) -> Option<&SentAttachment> {
        self.attachments.iter().find(|a| a.filename == filename)
    }

    /// Who this message would notify.
    pub fn pings(&self) -> Pings {
        pings(&self.content, self.allowed_mentions.as_ref())
    }

    /// Applies a create or edit body (Discord semantics: absent keys are kept, `null` clears).
    pub(crate) fn apply_body(
        &mut self,
        body: &Value,
        files: &[SentFile],
        ids: &mut Snowflakes,
        create: bool,
    ) {
        if let Some(v) = body.get("content") {
            self.content = v.as_str().unwrap_or("").to_owned();
        }
        if let Some(v) = body.get("embeds") {
            self.embeds = v.as_array().cloned().unwrap_or_default();
        }
        if let Some(v) = body.get("components") {
            self.components = v.as_array().cloned().unwrap_or_default();
        }
        if let Some(v) = body.get("flags").and_then(Value::as_u64) {
            if create {
                self.flags = v;
            } else {
                // The ephemeral flag cannot be changed by an edit.
                self.flags = (v & !EPHEMERAL) | (self.flags & EPHEMERAL);
            }
        }
        if let Some(v) = body.get("allowed_mentions") {
            self.allowed_mentions = Some(v.clone());
        } else if create {
            self.allowed_mentions = None;
        }
        let file_for = |id: &Value| -> Option<&SentFile> {
            let key = match id {
                Value::Number(n) => n.to_string(),
                Value::String(s) => s.clone(),
                _ => return None,
            };
            files.iter().find(|f| f.field == format!("files[{key}]"))
        };
        let mut used: Vec<&str> = Vec::new();
        if let Some(list) = body.get("attachments") {
            let mut next = Vec::new();
            for a in list.as_array().into_iter().flatten() {
                if let Some(file) = file_for(&a["id"]) {
                    used.push(&file.field);
                    next.push(SentAttachment {
                        id: ids.next(),
                        filename: a["filename"]
                            .as_str()
                            .map_or_else(|| file.filename.clone(), str::to_owned),
                        content_type: file.content_type.clone(),
                        bytes: file.bytes.clone(),
                    });
                } else if let Some(old) = parse_snowflake(&a["id"])
                    .and_then(|id| self.attachments.iter().find(|x| x.id == id))
                {
                    next.push(old.clone());
                }
            }
            self.attachments = next;
        }
        for file in files {
            if !used.contains(&file.field.as_str()) && file.field.starts_with("file") {
                self.attachments.push(SentAttachment {
                    id: ids.next(),
                    filename: file.filename.clone(),
                    content_type: file.content_type.clone(),
                    bytes: file.bytes.clone(),
                });
            }
        }
    }
}

/// Computes who `content` notifies under `allowed_mentions` (absent: Discord's default, which
/// parses users, roles and everyone).
pub(crate) fn pings(content: &str, allowed: Option<&Value>) -> Pings {
    let (parse, users_allowed, roles_allowed): (Vec<String>, Vec<u64>, Vec<u64>) = match allowed {
        None => (
            vec!["users".into(), "roles".into(), "everyone".into()],
            vec![],
            vec![],
        ),
        Some(a) => (
            a["parse"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            a["users"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(parse_snowflake)
                .collect(),
            a["roles"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(parse_snowflake)
                .collect(),
        ),
    };
    let mut out = Pings::default();
    let mut rest = content;
    while let Some(start) = rest.find("<@") {
        let after = &rest[start + 2..];
        let (is_role, after) = match after.strip_prefix('&') {
            Some(a) => (true, a),
            None => (false, after.strip_prefix('!').unwrap_or(after)),
        };
        let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
        if let (Ok(id), true) = (
            digits.parse::<u64>(),
            after[digits.len()..].starts_with('>'),
        ) {
            if is_role {
                if (parse.iter().any(|p| p == "roles") || roles_allowed.contains(&id))
                    && !out.roles.contains(&RoleId(id))
                {
                    out.roles.push(RoleId(id));
                }
            } else if (parse.iter().any(|p| p == "users") || users_allowed.contains(&id))
                && !out.users.contains(&UserId(id))
            {
                out.users.push(UserId(id));
            }
        }
        rest = &rest[start + 2..];
    }
    out.everyone = parse.iter().any(|p| p == "everyone")
        && (content.contains("@everyone") || content.contains("@here"));
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn pings_follow_allowed_mentions() {
        let text = "hi <@1> and <@!2>, <@&3> @everyone";
        let all = pings(text, None);
        assert_eq!(all.users, vec![UserId(1), UserId(2)]);
        assert_eq!(all.roles, vec![RoleId(3)]);
        assert!(all.everyone);
        assert!(pings(text, Some(&json!({"parse": []}))).is_empty());
        let some = pings(text, Some(&json!({"parse": [], "users": ["2"]})));
        assert_eq!(some.users, vec![UserId(2)]);
        assert!(some.roles.is_empty() && !some.everyone);
    }

    #[test]
    fn edits_keep_what_they_do_not_mention() {
        let mut ids = Snowflakes::new();
        let mut m = SentMessage::new(1, 2, 3);
        let file = SentFile {
            field: "files[0]".into(),
            filename: "a.csv".into(),
            content_type: None,
            bytes: b"x".to_vec(),
        };
        let body =
            json!({"content": "a", "flags": 64, "attachments": [{"id": 0, "filename": "a.csv"}]});
        m.apply_body(&body, &[file], &mut ids, true);
        assert!(m.ephemeral());
        assert_eq!(m.attachments[0].filename, "a.csv");
        let keep = m.attachments[0].id;
        m.apply_body(
            &json!({"embeds": [{"title": "T"}], "flags": 0, "attachments": [{"id": keep.to_string()}]}),
            &[],
            &mut ids,
            false,
        );
        assert_eq!(m.content, "a");
        assert!(m.ephemeral(), "an edit cannot change the ephemeral flag");
        assert_eq!(m.attachments.len(), 1);
        assert_eq!(m.text(), "a\nT");
        m.apply_body(
            &json!({"content": null, "attachments": []}),
            &[],
            &mut ids,
            false,
        );
        assert_eq!(m.content, "");
        assert!(m.attachments.is_empty());
    }
}
