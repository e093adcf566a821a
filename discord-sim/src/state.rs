//! The simulator's state behind one mutex, the JSON shapes of Discord objects built from it,
//! and gateway dispatch (sequence numbers, intents, queueing while disconnected).

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::sync::mpsc::UnboundedSender;

use crate::ids::Snowflakes;
use crate::message::{SentAttachment, SentMessage};
use crate::record::{DispatchedEvent, RecordedRequest, SentFile, Violation};
use crate::world::{ChannelKind, ChannelRec, GuildRec, MemberRec, OverwriteKind, RoleRec, UserRec};

/// Gateway intent bits the simulator honours.
pub(crate) mod intents {
    pub const GUILDS: u64 = 1 << 0;
    pub const GUILD_MEMBERS: u64 = 1 << 1;
    pub const GUILD_MESSAGES: u64 = 1 << 9;
    pub const DIRECT_MESSAGES: u64 = 1 << 12;
    pub const MESSAGE_CONTENT: u64 = 1 << 15;
}

pub(crate) enum Outgoing {
    Text(String),
    Close(u16, String),
}

pub(crate) struct Conn {
    pub id: u64,
    pub tx: UnboundedSender<Outgoing>,
}

#[derive(Default)]
pub(crate) struct GatewayState {
    pub next_conn: u64,
    /// The connection events go to (set by IDENTIFY or RESUME).
    pub current: Option<Conn>,
    pub session: Option<String>,
    pub sessions: u64,
    pub seq: u64,
    /// Every dispatch of the current session, with its frame (for RESUME replays).
    pub log: Vec<(DispatchedEvent, String)>,
    /// Dispatches made before the first IDENTIFY.
    pub pending: Vec<(String, Value)>,
    pub intents: u64,
    pub identifies: u64,
    pub resumes: u64,
    pub disconnects: u64,
    pub heartbeats: u64,
    pub replayed: u64,
    pub ready: bool,
    pub dropped: Vec<String>,
}

pub(crate) struct StoredMessage {
    pub msg: SentMessage,
    pub guild_id: Option<u64>,
    pub created: String,
    pub edited: Option<String>,
    /// Discord message type (0 default, 20 slash command reply, 19 reply).
    pub kind: u8,
    pub webhook_id: Option<u64>,
    /// When the current version appeared.
    pub updated: Instant,
    /// Every version, oldest first (the current one included).
    pub history: Vec<SentMessage>,
    /// A deferred interaction's "thinking" message that has no content yet.
    pub placeholder: bool,
}

pub(crate) struct CallbackRec {
    pub at: Instant,
    /// When the callback request reached the simulator (before it was checked).
    pub arrived: Instant,
    pub kind: u8,
    pub data: Value,
    pub files: Vec<SentFile>,
}

pub(crate) struct InteractionRec {
    pub token: String,
    pub kind: u8,
    pub label: String,
    pub user_id: u64,
    pub channel_id: u64,
    pub created: Instant,
    /// For component (and modal-from-component) interactions: the message clicked.
    pub source_message: Option<u64>,
    /// For modal submits: the interaction that opened the modal.
    pub origin: Option<u64>,
    pub callback: Option<CallbackRec>,
    /// The message `@original` refers to.
    pub original: Option<u64>,
    /// Snapshots of every visible message change, in order.
    pub outputs: Vec<SentMessage>,
    pub followups: Vec<u64>,
}

/// A configured failure: requests matching method and path prefix get this answer.
pub(crate) struct FailRule {
    pub method: String,
    pub path_prefix: String,
    pub status: u16,
    pub body: Value,
}

pub(crate) struct State {
    pub ids: Snowflakes,
    pub started: Instant,
    pub app_id: u64,
    pub bot_id: u64,
    pub base_url: String,
    pub users: BTreeMap<u64, UserRec>,
    pub guilds: BTreeMap<u64, GuildRec>,
    pub channels: BTreeMap<u64, ChannelRec>,
    pub messages: BTreeMap<u64, StoredMessage>,
    pub interactions: BTreeMap<u64, InteractionRec>,
    /// Modal submissions by the interaction that opened the modal (their `origin`), so an
    /// output of that interaction reaches them without scanning every interaction.
    pub modal_submits: HashMap<u64, Vec<u64>>,
    pub tokens: HashMap<String, u64>,
    pub global_commands: Vec<Value>,
    pub guild_commands: BTreeMap<u64, Vec<Value>>,
    pub requests: Vec<RecordedRequest>,
    /// Files served at `/attachments/{id}/{name}` (attachment options, user uploads).
    pub files: BTreeMap<u64, SentAttachment>,
    /// Owner of the application (`GET /oauth2/applications/@me`).
    pub app_owner: u64,
    pub violations: Vec<Violation>,
    pub fail_rules: Vec<FailRule>,
    pub callback_deadline: Duration,
    pub human_delay: Duration,
    pub reject_invalid: bool,
    pub default_timeout: Duration,
    pub gw: GatewayState,
}

/// The current time as an RFC 3339 timestamp, as Discord sends them.
pub(crate) fn now_ts() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

impl State {
    pub(crate) fn new(app_id: u64, bot_id: u64, base_url: String) -> Self {
        Self {
            ids: Snowflakes::new(),
            started: Instant::now(),
            app_id,
            bot_id,
            base_url,
            users: BTreeMap::new(),
            guilds: BTreeMap::new(),
            channels: BTreeMap::new(),
            messages: BTreeMap::new(),
            interactions: BTreeMap::new(),
            modal_submits: HashMap::new(),
            tokens: HashMap::new(),
            global_commands: Vec::new(),
            guild_commands: BTreeMap::new(),
            requests: Vec::new(),
            files: BTreeMap::new(),
            app_owner: 0,
            violations: Vec::new(),
            fail_rules: Vec::new(),
            callback_deadline: Duration::from_secs(3),
            human_delay: Duration::from_millis(200),
            reject_invalid: true,
            default_timeout: Duration::from_secs(5),
            gw: GatewayState::default(),
        }
    }

    // ----- JSON shapes -------------------------------------------------------------------

    pub(crate) fn user_json(&self, id: u64) -> Value {
        match self.users.get(&id) {
            Some(u) => json!({
                "id": u.id.to_string(),
                "username": u.username,
                "discriminator": "0",
                "global_name": u.global_name,
                "avatar": null,
                "bot": u.bot,
                "public_flags": 0,
            }),
            None => json!({"id": id.to_string(), "username": format!("unknown-{id}"),
                "discriminator": "0", "global_name": null, "avatar": null}),
        }
    }

    pub(crate) fn member_json(&self, guild: &GuildRec, m: &MemberRec, with_user: bool) -> Value {
        let mut v = json!({
            "nick": m.nick,
            "avatar": null,
            "banner": null,
            "roles": m.roles.iter().map(u64::to_string).collect::<Vec<_>>(),
            "joined_at": m.joined_at,
            "premium_since": null,
            "deaf": false,
            "mute": false,
            "flags": 0,
            "pending": false,
            "communication_disabled_until": null,
        });
        if with_user {
            v["user"] = self.user_json(m.user_id);
        }
        let _ = guild;
        v
    }

    pub(crate) fn role_json(&self, r: &RoleRec) -> Value {
        let mut v = json!({
            "id": r.id.to_string(),
            "name": r.name,
            "color": r.color,
            "colors": {"primary_color": r.color, "secondary_color": null, "tertiary_color": null},
            "hoist": r.hoist,
            "icon": null,
            "unicode_emoji": null,
            "position": r.position,
            "permissions": r.permissions.to_string(),
            "managed": r.managed_bot.is_some(),
            "mentionable": r.mentionable,
            "flags": 0,
        });
        if let Some(bot) = r.managed_bot {
            v["tags"] = json!({"bot_id": bot.to_string()});
        }
        v
    }

    pub(crate) fn channel_json(&self, c: &ChannelRec) -> Value {
        if c.kind == ChannelKind::Dm {
            let recipient = c.recipient.unwrap_or(0);
            return json!({
                "id": c.id.to_string(),
                "type": 1,
                "last_message_id": null,
                "recipients": [self.user_json(recipient)],
                "flags": 0,
            });
        }
        let overwrites: Vec<Value> = c
            .overwrites
            .values()
            .map(|o| {
                json!({
                    "id": o.id.to_string(),
                    "type": if o.kind == OverwriteKind::Role { 0 } else { 1 },
                    "allow": o.allow.to_string(),
                    "deny": o.deny.to_string(),
                })
            })
            .collect();
        json!({
            "id": c.id.to_string(),
            "type": c.kind.number(),
            "guild_id": c.guild_id.map(|g| g.to_string()),
            "name": c.name,
            "position": c.position,
            "permission_overwrites": overwrites,
            "topic": c.topic,
            "nsfw": false,
            "parent_id": c.parent_id.map(|p| p.to_string()),
            "last_message_id": null,
            "rate_limit_per_user": 0,
            "flags": 0,
        })
    }

    /// A guild object; with `create` the GUILD_CREATE extras (members, channels, …) too.
    pub(crate) fn guild_json(&self, g: &GuildRec, create: bool) -> Value {
        let roles: Vec<Value> = g.roles.values().map(|r| self.role_json(r)).collect();
        let mut v = json!({
            "id": g.id.to_string(),
            "name": g.name,
            "icon": null,
            "icon_hash": null,
            "splash": null,
            "discovery_splash": null,
            "owner_id": g.owner_id.to_string(),
            "widget_enabled": false,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": roles,
            "emojis": [],
            "features": [],
            "mfa_level": 0,
            "application_id": null,
            "system_channel_id": null,
            "system_channel_flags": 0,
            "rules_channel_id": null,
            "max_members": 500000,
            "vanity_url_code": null,
            "description": null,
            "banner": null,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "public_updates_channel_id": null,
            "nsfw_level": 0,
            "stickers": [],
            "premium_progress_bar_enabled": false,
            "safety_alerts_channel_id": null,
        });
        if create {
            let with_members = self.gw.intents & intents::GUILD_MEMBERS != 0;
            let members: Vec<Value> = g
                .members
                .values()
                .filter(|m| with_members || m.user_id == self.bot_id)
                .map(|m| self.member_json(g, m, true))
                .collect();
            let channels: Vec<Value> = g
                .channels
                .iter()
                .filter_map(|c| self.channels.get(c))
                .map(|c| self.channel_json(c))
                .collect();
            let extra = json!({
                "joined_at": g.joined_at,
                "large": false,
                "unavailable": false,
                "member_count": g.members.len(),
                "voice_states": [],
                "members": members,
                "channels": channels,
                "threads": [],
                "presences": [],
                "stage_instances": [],
                "guild_scheduled_events": [],
            });
            for (k, val) in extra.as_object().into_iter().flatten() {
                v[k] = val.clone();
            }
        }
        v
    }

    pub(crate) fn message_json(&self, m: &StoredMessage) -> Value {
        let msg = &m.msg;
        let attachments: Vec<Value> = msg
            .attachments
            .iter()
            .map(|a| {
                let url = format!("{}/attachments/{}/{}", self.base_url, a.id, a.filename);
                json!({
                    "id": a.id.to_string(),
                    "filename": a.filename,
                    "size": a.bytes.len(),
                    "url": url,
                    "proxy_url": url,
                    "content_type": a.content_type,
                })
            })
            .collect();
        let pings = msg.pings();
        let mentions: Vec<Value> = pings.users.iter().map(|u| self.user_json(u.0)).collect();
        let mention_roles: Vec<String> = pings.roles.iter().map(|r| r.0.to_string()).collect();
        let mut v = json!({
            "id": msg.id.0.to_string(),
            "channel_id": msg.channel_id.0.to_string(),
            "author": self.user_json(msg.author_id.0),
            "content": msg.content,
            "timestamp": m.created,
            "edited_timestamp": m.edited,
            "tts": false,
            "mention_everyone": pings.everyone,
            "mentions": mentions,
            "mention_roles": mention_roles,
            "attachments": attachments,
            "embeds": msg.embeds,
            "components": msg.components,
            "pinned": false,
            "type": m.kind,
            "flags": msg.flags,
        });
        if let Some(g) = m.guild_id {
            v["guild_id"] = json!(g.to_string());
        }
        if let Some(w) = m.webhook_id {
            v["webhook_id"] = json!(w.to_string());
            v["application_id"] = json!(self.app_id.to_string());
        }
        v
    }

    // ----- gateway dispatch --------------------------------------------------------------

    /// Dispatches an event: queued before the first IDENTIFY, sent (and logged for RESUME)
    /// afterwards. Returns the sequence number, or None if queued or dropped for intents.
    pub(crate) fn dispatch(&mut self, name: &str, data: Value) -> Option<u64> {
        if self.gw.session.is_none() {
            self.gw.pending.push((name.to_owned(), data));
            return None;
        }
        self.send_event(name, data)
    }

    pub(crate) fn send_event(&mut self, name: &str, mut data: Value) -> Option<u64> {
        let is_guild = data.get("guild_id").is_some_and(|g| !g.is_null());
        let need = match name {
            "GUILD_CREATE" | "GUILD_UPDATE" | "GUILD_DELETE" | "GUILD_ROLE_CREATE"
            | "GUILD_ROLE_UPDATE" | "GUILD_ROLE_DELETE" | "CHANNEL_CREATE" | "CHANNEL_UPDATE"
            | "CHANNEL_DELETE" => intents::GUILDS,
            "GUILD_MEMBER_ADD" | "GUILD_MEMBER_UPDATE" | "GUILD_MEMBER_REMOVE" => {
                intents::GUILD_MEMBERS
            }
            "MESSAGE_CREATE" | "MESSAGE_UPDATE" | "MESSAGE_DELETE" if is_guild => {
                intents::GUILD_MESSAGES
            }
            "MESSAGE_CREATE" | "MESSAGE_UPDATE" | "MESSAGE_DELETE" => intents::DIRECT_MESSAGES,
            "MESSAGE_DELETE_BULK" => intents::GUILD_MESSAGES,
            _ => 0,
        };
        if self.gw.intents & need != need {
            let note = format!(
                "{name} not sent: the bot did not ask for intent bit {need} (identified with intents {})",
                self.gw.intents
            );
            eprintln!("discord-sim: {note}");
            self.gw.dropped.push(note);
            return None;
        }
        if matches!(name, "MESSAGE_CREATE" | "MESSAGE_UPDATE")
            && is_guild
            && self.gw.intents & intents::MESSAGE_CONTENT == 0
        {
            let author = data["author"]["id"].as_str().unwrap_or("").to_owned();
            let author_bot = self.bot_id.to_string();
            let mentions_bot = data["mentions"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|u| u["id"].as_str() == Some(author_bot.as_str()));
            if author != author_bot && !mentions_bot {
                data["content"] = json!("");
                data["embeds"] = json!([]);
                data["attachments"] = json!([]);
                data["components"] = json!([]);
                self.gw.dropped.push(format!(
                    "{name}: content blanked (no MESSAGE_CONTENT intent)"
                ));
            }
        }
        self.gw.seq += 1;
        let seq = self.gw.seq;
        let frame = json!({"op": 0, "s": seq, "t": name, "d": data}).to_string();
        if let Some(conn) = &self.gw.current {
            let _ = conn.tx.send(Outgoing::Text(frame.clone()));
        }
        self.gw.log.push((
            DispatchedEvent {
                seq,
                name: name.to_owned(),
                data,
            },
            frame,
        ));
        Some(seq)
    }

    pub(crate) fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }
}
