//! What the simulator records: every REST request the bot made, every rule it broke, every
//! gateway event it was sent.

use std::fmt;
use std::time::Duration;

use serde_json::Value;

/// A file uploaded in a multipart request (`files[n]` parts).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentFile {
    /// The multipart field name, e.g. `files[0]`.
    pub field: String,
    /// The file name the bot gave.
    pub filename: String,
    /// The part's content type, if any.
    pub content_type: Option<String>,
    /// The file's bytes.
    pub bytes: Vec<u8>,
}

/// One REST request the bot made.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    /// Position in [`crate::DiscordSim::requests`].
    pub index: usize,
    /// HTTP method, upper case (`POST`).
    pub method: String,
    /// Path below `/api/v10`, e.g. `/channels/123/messages`.
    pub path: String,
    /// The raw query string (without `?`; serenity sends a stray leading `&`).
    pub query: String,
    /// The JSON body (for multipart requests: the parsed `payload_json` part).
    pub body: Option<Value>,
    /// Uploaded files (multipart requests).
    pub files: Vec<SentFile>,
    /// The request's content type.
    pub content_type: Option<String>,
    /// The status the simulator answered.
    pub status: u16,
    /// The JSON the simulator answered, if any.
    pub response: Option<Value>,
    /// When, since the simulator started.
    pub at: Duration,
    /// Which route matched (Discord's OpenAPI path template), None for unknown routes.
    pub route: Option<String>,
    /// Violations found in this request (also in [`crate::DiscordSim::violations`]).
    pub violations: Vec<String>,
}

impl RecordedRequest {
    /// The JSON body, or `Value::Null`.
    pub fn json(&self) -> &Value {
        self.body.as_ref().unwrap_or(&Value::Null)
    }

    /// Whether the method and path (below `/api/v10`) start as given.
    pub fn matches(&self, method: &str, path_prefix: &str) -> bool {
        self.method.eq_ignore_ascii_case(method) && self.path.starts_with(path_prefix)
    }
}

impl fmt::Display for RecordedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{} {} {}", self.index, self.method, self.path)?;
        if !self.query.is_empty() {
            write!(f, "?{}", self.query)?;
        }
        write!(f, " -> {}", self.status)?;
        if let Some(body) = &self.body {
            let mut s = body.to_string();
            if s.len() > 300 {
                let mut cut = 300;
                while !s.is_char_boundary(cut) {
                    cut -= 1;
                }
                s.truncate(cut);
                s.push('…');
            }
            write!(f, " body={s}")?;
        }
        if !self.files.is_empty() {
            let names: Vec<&str> = self.files.iter().map(|f| f.filename.as_str()).collect();
            write!(f, " files={names:?}")?;
        }
        Ok(())
    }
}

/// What kind of rule a request broke.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ViolationKind {
    /// A Discord limit (lengths, counts). Discord would answer 400; so does the simulator.
    Limit,
    /// Our rule: every message body sets `allowed_mentions`, never parsing `everyone`.
    AllowedMentions,
    /// The body does not match Discord's OpenAPI description.
    Spec,
    /// An interaction protocol error (acknowledged twice, too late, wrong callback type, …).
    Protocol,
}

/// A rule broken by a request.
#[derive(Clone, Debug)]
pub struct Violation {
    /// Index of the offending request in [`crate::DiscordSim::requests`].
    pub request_index: usize,
    /// `METHOD /path` of the offending request.
    pub request: String,
    /// What kind of rule.
    pub kind: ViolationKind,
    /// What was wrong.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "[{:?}] {} (request #{}: {})",
            self.kind, self.message, self.request_index, self.request
        )
    }
}

/// A gateway dispatch the simulator sent (or queued for) the bot.
#[derive(Clone, Debug)]
pub struct DispatchedEvent {
    /// The sequence number.
    pub seq: u64,
    /// The event name (`INTERACTION_CREATE`).
    pub name: String,
    /// The event's `d` payload.
    pub data: Value,
}
