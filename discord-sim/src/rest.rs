//! The REST side: routing, recording, checks, and the answers Discord would give.

use axum::body::Body;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use crate::ids::parse_snowflake;
use crate::limits::{self, Found};
use crate::message::{SentMessage, EPHEMERAL};
use crate::record::{RecordedRequest, SentFile, Violation, ViolationKind};
use crate::state::{State as SimState, StoredMessage};
use crate::world::{ChannelKind, Overwrite, OverwriteKind};
use crate::{perms, spec, DiscordSim};

/// Routes the simulator knows, parsed from the path below `/api/v10`.
#[derive(Clone, Debug)]
enum Route {
    Gateway,
    GatewayBot,
    AppInfo,
    Commands { guild: Option<u64> },
    Command { guild: Option<u64>, id: u64 },
    Callback { id: u64, token: String },
    Webhook { token: String },
    WebhookMessage { token: String, msg: Option<u64> },
    UserMe,
    UserMeChannels,
    User { id: u64 },
    Channel { id: u64 },
    ChannelMessages { ch: u64 },
    ChannelMessage { ch: u64, msg: u64 },
    ChannelPermission { ch: u64, target: u64 },
    Typing,
    Guild { g: u64 },
    GuildRoles { g: u64 },
    GuildChannels { g: u64 },
    GuildMembers { g: u64 },
    GuildMember { g: u64, u: u64 },
    GuildMemberRole { g: u64, u: u64, r: u64 },
}

impl Route {
    fn parse(method: &str, path: &str, app_id: u64) -> Option<Route> {
        let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
        let id = |s: &str| s.parse::<u64>().ok();
        let app = |s: &str| id(s) == Some(app_id);
        let r = match (method, segs.as_slice()) {
            ("GET", ["gateway"]) => Route::Gateway,
            ("GET", ["gateway", "bot"]) => Route::GatewayBot,
            ("GET", ["oauth2", "applications", "@me"]) => Route::AppInfo,
            ("GET" | "PUT" | "POST", ["applications", a, "commands"]) if app(a) => {
                Route::Commands { guild: None }
            }
            ("GET" | "PATCH" | "DELETE", ["applications", a, "commands", c]) if app(a) => {
                Route::Command {
                    guild: None,
                    id: id(c)?,
                }
            }
            ("GET" | "PUT" | "POST", ["applications", a, "guilds", g, "commands"]) if app(a) => {
                Route::Commands {
                    guild: Some(id(g)?),
                }
            }
            ("GET" | "PATCH" | "DELETE", ["applications", a, "guilds", g, "commands", c])
                if app(a) =>
            {
                Route::Command {
                    guild: Some(id(g)?),
                    id: id(c)?,
                }
            }
            ("POST", ["interactions", i, t, "callback"]) => Route::Callback {
                id: id(i)?,
                token: (*t).to_owned(),
            },
            ("POST", ["webhooks", a, t]) if app(a) => Route::Webhook {
                token: (*t).to_owned(),
            },
            ("GET" | "PATCH" | "DELETE", ["webhooks", a, t, "messages", m]) if app(a) => {
                Route::WebhookMessage {
                    token: (*t).to_owned(),
                    msg: if *m == "@original" {
                        None
                    } else {
                        Some(id(m)?)
                    },
                }
            }
            ("GET", ["users", "@me"]) => Route::UserMe,
            ("POST", ["users", "@me", "channels"]) => Route::UserMeChannels,
            ("GET", ["users", u]) => Route::User { id: id(u)? },
            ("GET", ["channels", c]) => Route::Channel { id: id(c)? },
            ("GET" | "POST", ["channels", c, "messages"]) => Route::ChannelMessages { ch: id(c)? },
            ("GET" | "PATCH" | "DELETE", ["channels", c, "messages", m]) => Route::ChannelMessage {
                ch: id(c)?,
                msg: id(m)?,
            },
            ("PUT" | "DELETE", ["channels", c, "permissions", o]) => Route::ChannelPermission {
                ch: id(c)?,
                target: id(o)?,
            },
            ("POST", ["channels", _, "typing"]) => Route::Typing,
            ("GET", ["guilds", g]) => Route::Guild { g: id(g)? },
            ("GET", ["guilds", g, "roles"]) => Route::GuildRoles { g: id(g)? },
            ("GET", ["guilds", g, "channels"]) => Route::GuildChannels { g: id(g)? },
            ("GET", ["guilds", g, "members"]) => Route::GuildMembers { g: id(g)? },
            ("GET", ["guilds", g, "members", u]) => Route::GuildMember {
                g: id(g)?,
                u: id(u)?,
            },
            ("PUT" | "DELETE", ["guilds", g, "members", u, "roles", r]) => Route::GuildMemberRole {
                g: id(g)?,
                u: id(u)?,
                r: id(r)?,
            },
            _ => return None,
        };
        Some(r)
    }

    /// Discord's OpenAPI path template for this route.
    fn template(&self) -> &'static str {
        match self {
            Route::Gateway => "/gateway",
            Route::GatewayBot => "/gateway/bot",
            Route::AppInfo => "/oauth2/applications/@me",
            Route::Commands { guild: None } => "/applications/{application_id}/commands",
            Route::Commands { guild: Some(_) } => {
                "/applications/{application_id}/guilds/{guild_id}/commands"
            }
            Route::Command { guild: None, .. } => {
                "/applications/{application_id}/commands/{command_id}"
            }
            Route::Command { guild: Some(_), .. } => {
                "/applications/{application_id}/guilds/{guild_id}/commands/{command_id}"
            }
            Route::Callback { .. } => "/interactions/{interaction_id}/{interaction_token}/callback",
            Route::Webhook { .. } => "/webhooks/{webhook_id}/{webhook_token}",
            Route::WebhookMessage { msg: None, .. } => {
                "/webhooks/{webhook_id}/{webhook_token}/messages/@original"
            }
            Route::WebhookMessage { msg: Some(_), .. } => {
                "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"
            }
            Route::UserMe => "/users/@me",
            Route::UserMeChannels => "/users/@me/channels",
            Route::User { .. } => "/users/{user_id}",
            Route::Channel { .. } => "/channels/{channel_id}",
            Route::ChannelMessages { .. } => "/channels/{channel_id}/messages",
            Route::ChannelMessage { .. } => "/channels/{channel_id}/messages/{message_id}",
            Route::ChannelPermission { .. } => "/channels/{channel_id}/permissions/{overwrite_id}",
            Route::Typing => "/channels/{channel_id}/typing",
            Route::Guild { .. } => "/guilds/{guild_id}",
            Route::GuildRoles { .. } => "/guilds/{guild_id}/roles",
            Route::GuildChannels { .. } => "/guilds/{guild_id}/channels",
            Route::GuildMembers { .. } => "/guilds/{guild_id}/members",
            Route::GuildMember { .. } => "/guilds/{guild_id}/members/{user_id}",
            Route::GuildMemberRole { .. } => "/guilds/{guild_id}/members/{user_id}/roles/{role_id}",
        }
    }
}

/// What kind of message check a request needs.
fn message_checks(method: &str, route: &Route, body: &Value, files: usize) -> Vec<Found> {
    match (method, route) {
        ("POST", Route::Callback { .. }) => match body["type"].as_u64() {
            Some(4) => limits::check_message(&body["data"], files, true),
            Some(7) => limits::check_message(&body["data"], files, false),
            Some(8) => limits::check_autocomplete(&body["data"]),
            Some(9) => limits::check_modal(&body["data"]),
            _ => Vec::new(),
        },
        ("POST", Route::Webhook { .. }) | ("POST", Route::ChannelMessages { .. }) => {
            limits::check_message(body, files, true)
        }
        ("PATCH", Route::WebhookMessage { .. }) | ("PATCH", Route::ChannelMessage { .. }) => {
            limits::check_message(body, files, false)
        }
        _ => Vec::new(),
    }
}

type Answer = (u16, Option<Value>);

fn err(status: u16, code: u32, message: &str) -> Answer {
    (status, Some(json!({"message": message, "code": code})))
}

fn ok(v: Value) -> Answer {
    (200, Some(v))
}

const NO_CONTENT: Answer = (204, None);

/// The axum fallback handler: every request that is not `/ws` or `/attachments/...`.
pub(crate) async fn handler(State(sim): State<DiscordSim>, req: Request) -> Response {
    let method = req.method().as_str().to_ascii_uppercase();
    let path = req.uri().path().to_owned();
    let query = req.uri().query().unwrap_or("").to_owned();
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let mut files = Vec::new();
    let mut body = None;
    let mut bad_body = None;
    if content_type
        .as_deref()
        .is_some_and(|c| c.starts_with("multipart/form-data"))
    {
        match Multipart::from_request(req, &()).await {
            Ok(mut mp) => loop {
                match mp.next_field().await {
                    Ok(Some(field)) => {
                        let name = field.name().unwrap_or("").to_owned();
                        let filename = field.file_name().map(str::to_owned);
                        let ct = field.content_type().map(str::to_owned);
                        let bytes = field.bytes().await.unwrap_or_default().to_vec();
                        if name == "payload_json" {
                            match serde_json::from_slice(&bytes) {
                                Ok(v) => body = Some(v),
                                Err(e) => bad_body = Some(format!("payload_json: {e}")),
                            }
                        } else {
                            files.push(SentFile {
                                filename: filename.unwrap_or_else(|| name.clone()),
                                field: name,
                                content_type: ct,
                                bytes,
                            });
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        bad_body = Some(format!("multipart: {e}"));
                        break;
                    }
                }
            },
            Err(e) => bad_body = Some(format!("multipart: {e}")),
        }
    } else {
        match axum::body::to_bytes(req.into_body(), 64 * 1024 * 1024).await {
            Ok(bytes) if !bytes.is_empty() => match serde_json::from_slice(&bytes) {
                Ok(v) => body = Some(v),
                Err(e) => bad_body = Some(format!("invalid JSON body: {e}")),
            },
            Ok(_) => {}
            Err(e) => bad_body = Some(format!("body: {e}")),
        }
    }
    let rel = path
        .strip_prefix("/api/v10")
        .or_else(|| path.strip_prefix("/api"))
        .unwrap_or(&path)
        .to_owned();
    let (status, answer) = sim.handle_rest(Incoming {
        method,
        path: rel,
        query,
        content_type,
        body,
        files,
        bad_body,
    });
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    match answer {
        Some(v) => (
            status,
            [(header::CONTENT_TYPE, "application/json")],
            v.to_string(),
        )
            .into_response(),
        None => status.into_response(),
    }
}

/// Serves attachment bytes at the URLs the simulator puts in attachment objects.
pub(crate) async fn attachment(
    State(sim): State<DiscordSim>,
    Path((id, _name)): Path<(u64, String)>,
) -> Response {
    let st = sim.lock();
    let found = st.files.get(&id).cloned().or_else(|| {
        st.messages
            .values()
            .flat_map(|m| m.msg.attachments.iter())
            .find(|a| a.id == id)
            .cloned()
    });
    match found {
        Some(a) => (
            StatusCode::OK,
            [(
                header::CONTENT_TYPE,
                a.content_type
                    .unwrap_or_else(|| "application/octet-stream".into()),
            )],
            Body::from(a.bytes),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A parsed request, before routing.
pub(crate) struct Incoming {
    pub method: String,
    pub path: String,
    pub query: String,
    pub content_type: Option<String>,
    pub body: Option<Value>,
    pub files: Vec<SentFile>,
    pub bad_body: Option<String>,
}

impl DiscordSim {
    pub(crate) fn handle_rest(&self, inc: Incoming) -> Answer {
        let arrived = std::time::Instant::now();
        let route = Route::parse(&inc.method, &inc.path, self.inner.app_id);
        // Checks that need no state run before taking the lock (the first spec validation of
        // an operation compiles its schema).
        let mut found: Vec<Found> = Vec::new();
        if let (Some(route), Some(body)) = (&route, &inc.body) {
            found = message_checks(&inc.method, route, body, inc.files.len());
            found.extend(limits::check_files(&inc.files));
            for e in spec::validate(&inc.method, route.template(), body) {
                found.push(Found {
                    kind: ViolationKind::Spec,
                    message: format!("OpenAPI {} {}: {e}", inc.method, route.template()),
                });
            }
        }
        let mut st = self.lock();
        let index = st.requests.len();
        let request_label = format!("{} {}", inc.method, inc.path);
        let answer = match &route {
            None => {
                eprintln!(
                    "discord-sim: unknown route {} {} (answered 404)",
                    inc.method, inc.path
                );
                err(404, 0, "404: Not Found")
            }
            Some(route) => {
                let rule = st
                    .fail_rules
                    .iter()
                    .find(|r| r.method == inc.method && inc.path.starts_with(&r.path_prefix))
                    .map(|r| (r.status, Some(r.body.clone())));
                if let Some(bad) = &inc.bad_body {
                    err(
                        400,
                        50109,
                        &format!("The request body contains invalid JSON. ({bad})"),
                    )
                } else if let Some(answer) = rule {
                    answer
                } else if st.reject_invalid && found.iter().any(|f| f.kind == ViolationKind::Limit)
                {
                    let msgs: Vec<&str> = found
                        .iter()
                        .filter(|f| f.kind == ViolationKind::Limit)
                        .map(|f| f.message.as_str())
                        .collect();
                    err(
                        400,
                        50035,
                        &format!("Invalid Form Body: {}", msgs.join("; ")),
                    )
                } else {
                    let mut ctx = Ctx {
                        st: &mut st,
                        arrived,
                        extra: Vec::new(),
                    };
                    let answer = ctx.route(route, &inc);
                    let extra = std::mem::take(&mut ctx.extra);
                    found.extend(extra);
                    answer
                }
            }
        };
        let mut violation_msgs = Vec::new();
        for f in &found {
            violation_msgs.push(format!("[{:?}] {}", f.kind, f.message));
            st.violations.push(Violation {
                request_index: index,
                request: request_label.clone(),
                kind: f.kind,
                message: f.message.clone(),
            });
        }
        if !found.is_empty() {
            eprintln!(
                "discord-sim: {request_label}: {} violation(s): {}",
                found.len(),
                violation_msgs.join(" | ")
            );
        }
        let at = st.elapsed();
        st.requests.push(RecordedRequest {
            index,
            method: inc.method.clone(),
            path: inc.path.clone(),
            query: inc.query.clone(),
            body: inc.body.clone(),
            files: inc.files.clone(),
            content_type: inc.content_type.clone(),
            status: answer.0,
            response: answer.1.clone(),
            at,
            route: route.as_ref().map(|r| r.template().to_owned()),
            violations: violation_msgs,
        });
        drop(st);
        self.notify();
        answer
    }
}

/// Handles one known route with the state locked.
struct Ctx<'a> {
    st: &'a mut SimState,
    /// When the request arrived (before any validation).
    arrived: std::time::Instant,
    /// Violations found while handling (protocol errors).
    extra: Vec<Found>,
}

impl Ctx<'_> {
    fn protocol(&mut self, message: String) {
        self.extra.push(Found {
            kind: ViolationKind::Protocol,
            message,
        });
    }

    fn route(&mut self, route: &Route, inc: &Incoming) -> Answer {
        let body = inc.body.clone().unwrap_or(Value::Null);
        let m = inc.method.as_str();
        match route {
            Route::Gateway => ok(json!({"url": self.st.gateway_url()})),
            Route::GatewayBot => ok(json!({
                "url": self.st.gateway_url(),
                "shards": 1,
                "session_start_limit": {"total": 1000, "remaining": 999,
                    "reset_after": 14_400_000, "max_concurrency": 1},
            })),
            Route::AppInfo => ok(self.st.app_info_json()),
            Route::UserMe => ok(self.st.user_json(self.st.bot_id)),
            Route::User { id } => match self.st.users.contains_key(id) {
                true => ok(self.st.user_json(*id)),
                false => err(404, 10013, "Unknown User"),
            },
            Route::Commands { guild } => self.commands(m, *guild, &body),
            Route::Command { guild, id } => self.command(m, *guild, *id, &body),
            Route::Callback { id, token } => self.callback(*id, token, &body, &inc.files),
            Route::Webhook { token } => self.followup(token, &body, &inc.files),
            Route::WebhookMessage { token, msg } => {
                self.webhook_message(m, token, *msg, &body, &inc.files)
            }
            Route::UserMeChannels => {
                let Some(user) = parse_snowflake(&body["recipient_id"]) else {
                    return err(400, 50035, "Invalid Form Body: recipient_id");
                };
                if !self.st.users.contains_key(&user) {
                    return err(400, 50033, "Invalid Recipient(s)");
                }
                let ch = self.st.dm_channel(user);
                ok(self.st.channel_json(&self.st.channels[&ch]))
            }
            Route::Channel { id } => match self.st.channels.get(id) {
                Some(c) => ok(self.st.channel_json(c)),
                None => err(404, 10003, "Unknown Channel"),
            },
            Route::ChannelMessages { ch } if m == "GET" => {
                if !self.st.channels.contains_key(ch) {
                    return err(404, 10003, "Unknown Channel");
                }
                let limit = query_param(&inc.query, "limit")
                    .and_then(|l| l.parse().ok())
                    .unwrap_or(50usize);
                let list: Vec<Value> = self
                    .st
                    .messages
                    .values()
                    .rev()
                    .filter(|s| s.msg.channel_id.0 == *ch && !s.msg.deleted && !s.msg.ephemeral())
                    .take(limit)
                    .map(|s| self.st.message_json(s))
                    .collect();
                ok(Value::Array(list))
            }
            Route::ChannelMessages { ch } => self.channel_post(*ch, &body, &inc.files),
            Route::ChannelMessage { ch, msg } => {
                self.channel_message(m, *ch, *msg, &body, &inc.files)
            }
            Route::ChannelPermission { ch, target } => self.overwrite(m, *ch, *target, &body),
            Route::Typing => NO_CONTENT,
            Route::Guild { g } => match self.st.guilds.get(g) {
                Some(guild) => ok(self.st.guild_json(guild, false)),
                None => err(404, 10004, "Unknown Guild"),
            },
            Route::GuildRoles { g } => match self.st.guilds.get(g) {
                Some(guild) => ok(Value::Array(
                    guild.roles.values().map(|r| self.st.role_json(r)).collect(),
                )),
                None => err(404, 10004, "Unknown Guild"),
            },
            Route::GuildChannels { g } => match self.st.guilds.get(g) {
                Some(guild) => ok(Value::Array(
                    guild
                        .channels
                        .iter()
                        .filter_map(|c| self.st.channels.get(c))
                        .map(|c| self.st.channel_json(c))
                        .collect(),
                )),
                None => err(404, 10004, "Unknown Guild"),
            },
            Route::GuildMembers { g } => match self.st.guilds.get(g) {
                Some(guild) => {
                    let limit = query_param(&inc.query, "limit")
                        .and_then(|l| l.parse().ok())
                        .unwrap_or(1usize);
                    let after = query_param(&inc.query, "after")
                        .and_then(|l| l.parse().ok())
                        .unwrap_or(0u64);
                    ok(Value::Array(
                        guild
                            .members
                            .range(after + 1..)
                            .take(limit)
                            .map(|(_, mem)| self.st.member_json(guild, mem, true))
                            .collect(),
                    ))
                }
                None => err(404, 10004, "Unknown Guild"),
            },
            Route::GuildMember { g, u } => match self.st.guilds.get(g) {
                Some(guild) => match guild.members.get(u) {
                    Some(mem) => ok(self.st.member_json(guild, mem, true)),
                    None => err(404, 10007, "Unknown Member"),
                },
                None => err(404, 10004, "Unknown Guild"),
            },
            Route::GuildMemberRole { g, u, r } => self.member_role(m, *g, *u, *r),
        }
    }

    fn commands(&mut self, method: &str, guild: Option<u64>, body: &Value) -> Answer {
        if let Some(g) = guild {
            if !self.st.guilds.contains_key(&g) {
                return err(404, 10004, "Unknown Guild");
            }
        }
        match method {
            "GET" => ok(Value::Array(self.st.commands(guild).clone())),
            "PUT" => {
                let Some(list) = body.as_array() else {
                    return err(
                        400,
                        50035,
                        "Invalid Form Body: expected an array of commands",
                    );
                };
                let mut out = Vec::new();
                for cmd in list {
                    out.push(self.st.echo_command(cmd, guild));
                }
                *self.st.commands_mut(guild) = out.clone();
                ok(Value::Array(out))
            }
            _ => {
                let echoed = self.st.echo_command(body, guild);
                let list = self.st.commands_mut(guild);
                list.retain(|c| c["name"] != echoed["name"]);
                list.push(echoed.clone());
                ok(echoed)
            }
        }
    }

    fn command(&mut self, method: &str, guild: Option<u64>, id: u64, body: &Value) -> Answer {
        let idstr = id.to_string();
        let list = self.st.commands_mut(guild);
        let Some(pos) = list.iter().position(|c| c["id"] == idstr) else {
            return err(404, 10063, "Unknown application command");
        };
        match method {
            "GET" => ok(list[pos].clone()),
            "DELETE" => {
                list.remove(pos);
                NO_CONTENT
            }
            _ => {
                if let Some(obj) = body.as_object() {
                    for (k, v) in obj {
                        list[pos][k] = v.clone();
                    }
                }
                ok(list[pos].clone())
            }
        }
    }

    fn callback(&mut self, id: u64, token: &str, body: &Value, files: &[SentFile]) -> Answer {
        let deadline = self.st.callback_deadline;
        let Some(rec) = self.st.interactions.get(&id).filter(|r| r.token == token) else {
            return err(404, 10062, "Unknown interaction");
        };
        let elapsed = self.arrived.saturating_duration_since(rec.created);
        let (ikind, label) = (rec.kind, rec.label.clone());
        if rec.callback.is_some() {
            self.protocol(format!("{label}: acknowledged twice"));
            return err(400, 40060, "Interaction has already been acknowledged.");
        }
        if elapsed > deadline {
            self.protocol(format!(
                "{label}: acknowledged after {} ms (Discord invalidates an interaction not \
                 acknowledged within {} ms)",
                elapsed.as_millis(),
                deadline.as_millis()
            ));
        }
        let Some(kind) = body["type"].as_u64() else {
            return err(400, 50035, "Invalid Form Body: type");
        };
        let allowed: &[u64] = match ikind {
            2 => &[4, 5, 9],
            3 => &[4, 5, 6, 7, 9],
            4 => &[8],
            5 => &[4, 5, 6, 7],
            _ => &[],
        };
        if !allowed.contains(&kind) {
            self.protocol(format!(
                "{label}: callback type {kind} is not valid for interaction type {ikind} \
                 (allowed: {allowed:?})"
            ));
            return err(
                400,
                50035,
                "Invalid Form Body: invalid interaction callback type",
            );
        }
        let data = body["data"].clone();
        let (channel, source) = {
            let rec = &self.st.interactions[&id];
            (rec.channel_id, rec.source_message)
        };
        match kind {
            4 => {
                let mid =
                    self.st
                        .create_message(channel, self.st.bot_id, &data, files, Some(id), true);
                self.st.set_original(id, mid);
                self.st.push_output(id, mid);
                self.st.announce(mid, true);
            }
            5 => {
                let flags = data["flags"].as_u64().unwrap_or(0) & EPHEMERAL;
                let placeholder = json!({"content": "", "flags": flags});
                let mid = self.st.create_message(
                    channel,
                    self.st.bot_id,
                    &placeholder,
                    &[],
                    Some(id),
                    true,
                );
                if let Some(s) = self.st.messages.get_mut(&mid) {
                    s.placeholder = true;
                }
                self.st.set_original(id, mid);
            }
            6 => {
                if let Some(src) = source {
                    self.st.set_original(id, src);
                }
            }
            7 => {
                if let Some(src) = source {
                    self.st.set_original(id, src);
                    let filled = self.st.edit_message(src, &data, files);
                    self.st.push_output(id, src);
                    self.st.announce(src, filled);
                } else {
                    self.protocol(format!("{label}: UPDATE_MESSAGE but no message to update"));
                }
            }
            _ => {}
        }
        if let Some(rec) = self.st.interactions.get_mut(&id) {
            rec.callback = Some(crate::state::CallbackRec {
                at: std::time::Instant::now(),
                arrived: self.arrived,
                kind: kind as u8,
                data,
                files: files.to_vec(),
            });
        }
        NO_CONTENT
    }

    fn interaction_by_token(&self, token: &str) -> Option<u64> {
        self.st.tokens.get(token).copied()
    }

    fn followup(&mut self, token: &str, body: &Value, files: &[SentFile]) -> Answer {
        let Some(id) = self.interaction_by_token(token) else {
            return err(404, 10015, "Unknown Webhook");
        };
        let (label, acked, original, channel) = {
            let rec = &self.st.interactions[&id];
            (
                rec.label.clone(),
                rec.callback.as_ref().map(|c| c.kind),
                rec.original,
                rec.channel_id,
            )
        };
        match acked {
            None => {
                self.protocol(format!(
                    "{label}: follow-up sent before the interaction was acknowledged"
                ));
                return err(404, 10015, "Unknown Webhook");
            }
            Some(8) => {
                self.protocol(format!("{label}: follow-up after an autocomplete response"));
                return err(400, 50027, "Invalid Webhook Token");
            }
            _ => {}
        }
        // Discord: the first follow-up after a deferred message response edits the loading
        // message instead of creating a new one (keeping its ephemeral state).
        let placeholder =
            original.filter(|o| self.st.messages.get(o).is_some_and(|s| s.placeholder));
        let mid = match placeholder {
            Some(o) => {
                self.st.edit_message(o, body, files);
                o
            }
            None => self
                .st
                .create_message(channel, self.st.bot_id, body, files, Some(id), true),
        };
        self.st.announce(mid, true);
        if let Some(rec) = self.st.interactions.get_mut(&id) {
            rec.followups.push(mid);
        }
        self.st.push_output(id, mid);
        ok(self.st.message_json(&self.st.messages[&mid]))
    }

    fn webhook_message(
        &mut self,
        method: &str,
        token: &str,
        msg: Option<u64>,
        body: &Value,
        files: &[SentFile],
    ) -> Answer {
        let Some(id) = self.interaction_by_token(token) else {
            return err(404, 10015, "Unknown Webhook");
        };
        let rec = &self.st.interactions[&id];
        let label = rec.label.clone();
        let target = match msg {
            None => rec.original,
            Some(m) if rec.followups.contains(&m) || rec.original == Some(m) => Some(m),
            Some(_) => None,
        };
        let Some(target) = target else {
            if msg.is_none() && rec.callback.is_none() {
                self.protocol(format!(
                    "{label}: {method} @original before the interaction was acknowledged"
                ));
            }
            return err(404, 10008, "Unknown Message");
        };
        if self.st.messages.get(&target).is_none_or(|s| s.msg.deleted) {
            return err(404, 10008, "Unknown Message");
        }
        match method {
            "GET" => ok(self.st.message_json(&self.st.messages[&target])),
            "DELETE" => {
                let visible = !self.st.messages[&target].msg.ephemeral();
                self.st.delete_message(target, visible);
                NO_CONTENT
            }
            _ => {
                let filled = self.st.edit_message(target, body, files);
                self.st.push_output(id, target);
                self.st.announce(target, filled);
                ok(self.st.message_json(&self.st.messages[&target]))
            }
        }
    }

    fn bot_channel_permissions(&self, ch: u64) -> u64 {
        let Some(c) = self.st.channels.get(&ch) else {
            return 0;
        };
        match c.guild_id.and_then(|g| self.st.guilds.get(&g)) {
            Some(g) => g.channel_permissions(self.st.bot_id, Some(c)),
            None => perms::DM_APP_PERMISSIONS,
        }
    }

    fn channel_post(&mut self, ch: u64, body: &Value, files: &[SentFile]) -> Answer {
        let Some(c) = self.st.channels.get(&ch) else {
            return err(404, 10003, "Unknown Channel");
        };
        if c.kind == ChannelKind::Dm {
            let closed = c
                .recipient
                .and_then(|u| self.st.users.get(&u))
                .is_some_and(|u| u.dms_closed);
            if closed {
                return err(403, 50007, "Cannot send messages to this user");
            }
        } else {
            let p = self.bot_channel_permissions(ch);
            if p & perms::VIEW_CHANNEL == 0 {
                return err(403, 50001, "Missing Access");
            }
            if p & perms::SEND_MESSAGES == 0 || (!files.is_empty() && p & perms::ATTACH_FILES == 0)
            {
                return err(403, 50013, "Missing Permissions");
            }
        }
        let mid = self
            .st
            .create_message(ch, self.st.bot_id, body, files, None, false);
        let json = self.st.message_json(&self.st.messages[&mid]);
        self.st.dispatch("MESSAGE_CREATE", json.clone());
        ok(json)
    }

    fn channel_message(
        &mut self,
        method: &str,
        ch: u64,
        msg: u64,
        body: &Value,
        files: &[SentFile],
    ) -> Answer {
        if !self.st.channels.contains_key(&ch) {
            return err(404, 10003, "Unknown Channel");
        }
        let Some(stored) = self
            .st
            .messages
            .get(&msg)
            .filter(|s| s.msg.channel_id.0 == ch && !s.msg.deleted && !s.msg.ephemeral())
        else {
            return err(404, 10008, "Unknown Message");
        };
        let own = stored.msg.author_id.0 == self.st.bot_id;
        match method {
            "GET" => ok(self.st.message_json(stored)),
            "DELETE" => {
                if !own && self.bot_channel_permissions(ch) & perms::MANAGE_MESSAGES == 0 {
                    return err(403, 50013, "Missing Permissions");
                }
                self.st.delete_message(msg, true);
                NO_CONTENT
            }
            _ => {
                if !own {
                    return err(403, 50005, "Cannot edit a message authored by another user");
                }
                self.st.edit_message(msg, body, files);
                let json = self.st.message_json(&self.st.messages[&msg]);
                self.st.dispatch("MESSAGE_UPDATE", json.clone());
                ok(json)
            }
        }
    }

    fn overwrite(&mut self, method: &str, ch: u64, target: u64, body: &Value) -> Answer {
        let Some(c) = self.st.channels.get(&ch) else {
            return err(404, 10003, "Unknown Channel");
        };
        let Some(g) = c.guild_id else {
            return err(400, 50024, "Cannot execute action on this channel type");
        };
        let guild = &self.st.guilds[&g];
        if guild.deny_manage_roles
            || guild.channel_permissions(self.st.bot_id, Some(c)) & perms::MANAGE_ROLES == 0
        {
            return err(403, 50013, "Missing Permissions");
        }
        let bits = |v: &Value| match v {
            Value::String(s) => s.parse().unwrap_or(0),
            Value::Number(n) => n.as_u64().unwrap_or(0),
            _ => 0,
        };
        let c = self.st.channels.get_mut(&ch).expect("checked");
        if method == "PUT" {
            let kind = if body["type"] == 1 || body["type"] == "1" {
                OverwriteKind::Member
            } else {
                OverwriteKind::Role
            };
            c.overwrites.insert(
                target,
                Overwrite {
                    id: target,
                    kind,
                    allow: bits(&body["allow"]),
                    deny: bits(&body["deny"]),
                },
            );
        } else {
            c.overwrites.remove(&target);
        }
        let json = self.st.channel_json(&self.st.channels[&ch]);
        self.st.dispatch("CHANNEL_UPDATE", json);
        NO_CONTENT
    }

    fn member_role(&mut self, method: &str, g: u64, u: u64, r: u64) -> Answer {
        let bot = self.st.bot_id;
        let Some(guild) = self.st.guilds.get(&g) else {
            return err(404, 10004, "Unknown Guild");
        };
        if !guild.members.contains_key(&u) {
            return err(404, 10007, "Unknown Member");
        }
        let Some(role) = guild.roles.get(&r) else {
            return err(404, 10011, "Unknown Role");
        };
        let bot_perms = guild.base_permissions(bot);
        if guild.deny_manage_roles
            || bot_perms & perms::MANAGE_ROLES == 0
            || role.managed_bot.is_some()
            || r == g
            || (guild.owner_id != bot && role.position >= guild.highest_position(bot))
        {
            return err(403, 50013, "Missing Permissions");
        }
        let guild = self.st.guilds.get_mut(&g).expect("checked");
        let member = guild.members.get_mut(&u).expect("checked");
        let changed = if method == "PUT" {
            if member.roles.contains(&r) {
                false
            } else {
                member.roles.push(r);
                true
            }
        } else {
            let before = member.roles.len();
            member.roles.retain(|x| *x != r);
            before != member.roles.len()
        };
        if changed {
            let ev = self.st.member_update_json(g, u);
            self.st.dispatch("GUILD_MEMBER_UPDATE", ev);
        }
        NO_CONTENT
    }
}

fn query_param<'a>(query: &'a str, key: &str) -> Option<&'a str> {
    query
        .split('&')
        .filter(|kv| !kv.is_empty())
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v)
}

impl SimState {
    pub(crate) fn gateway_url(&self) -> String {
        format!("{}/ws", self.base_url.replacen("http://", "ws://", 1))
    }

    pub(crate) fn app_info_json(&self) -> Value {
        json!({
            "id": self.app_id.to_string(),
            "name": "discord-sim app",
            "icon": null,
            "description": "",
            "bot_public": true,
            "bot_require_code_grant": false,
            "verify_key": "0".repeat(64),
            "owner": self.user_json(self.app_owner),
            "team": null,
            "flags": 0,
            "bot": self.user_json(self.bot_id),
        })
    }

    pub(crate) fn commands(&mut self, guild: Option<u64>) -> &Vec<Value> {
        self.commands_mut(guild)
    }

    pub(crate) fn commands_mut(&mut self, guild: Option<u64>) -> &mut Vec<Value> {
        match guild {
            None => &mut self.global_commands,
            Some(g) => self.guild_commands.entry(g).or_default(),
        }
    }

    /// A registered command as Discord echoes it: with `id`, `application_id`, `version`.
    fn echo_command(&mut self, cmd: &Value, guild: Option<u64>) -> Value {
        let existing = self
            .commands_mut(guild)
            .iter()
            .find(|c| c["name"] == cmd["name"])
            .and_then(|c| c["id"].as_str().map(str::to_owned));
        let mut out = cmd.clone();
        let id = existing.unwrap_or_else(|| self.ids.next().to_string());
        out["id"] = json!(id);
        out["application_id"] = json!(self.app_id.to_string());
        out["version"] = json!(self.ids.next().to_string());
        if out.get("type").is_none_or(Value::is_null) {
            out["type"] = json!(1);
        }
        if out.get("description").is_none_or(Value::is_null) {
            out["description"] = json!("");
        }
        if let Some(g) = guild {
            out["guild_id"] = json!(g.to_string());
        }
        out
    }

    /// Stores a new message from `author` in `channel` and returns its id.
    pub(crate) fn create_message(
        &mut self,
        channel: u64,
        author: u64,
        body: &Value,
        files: &[SentFile],
        interaction: Option<u64>,
        webhook: bool,
    ) -> u64 {
        let id = self.ids.next();
        let mut msg = SentMessage::new(id, channel, author);
        msg.apply_body(body, files, &mut self.ids, true);
        msg.interaction = interaction.map(crate::ids::InteractionId);
        let guild_id = self.channels.get(&channel).and_then(|c| c.guild_id);
        let kind = match interaction.and_then(|i| self.interactions.get(&i)) {
            Some(rec) if rec.kind == 2 && rec.original.is_none() => 20,
            _ => 0,
        };
        self.messages.insert(
            id,
            StoredMessage {
                history: vec![msg.clone()],
                msg,
                guild_id,
                created: crate::state::now_ts(),
                edited: None,
                kind,
                webhook_id: webhook.then_some(self.app_id),
                updated: std::time::Instant::now(),
                placeholder: false,
            },
        );
        id
    }

    /// Applies an edit body to a stored message (filling a deferred placeholder is not counted
    /// as an edit). Returns whether it filled a placeholder.
    pub(crate) fn edit_message(&mut self, id: u64, body: &Value, files: &[SentFile]) -> bool {
        let Some(stored) = self.messages.get_mut(&id) else {
            return false;
        };
        let filled = stored.placeholder;
        stored.msg.apply_body(body, files, &mut self.ids, false);
        stored.updated = std::time::Instant::now();
        if stored.placeholder {
            stored.placeholder = false;
        } else {
            stored.msg.edits += 1;
            stored.edited = Some(crate::state::now_ts());
        }
        stored.history.push(stored.msg.clone());
        filled
    }

    /// Dispatches MESSAGE_CREATE (or MESSAGE_UPDATE) for a visible bot message, as Discord
    /// does for interaction responses and follow-ups that are not ephemeral.
    pub(crate) fn announce(&mut self, mid: u64, created: bool) {
        let Some(s) = self.messages.get(&mid) else {
            return;
        };
        if s.msg.ephemeral() || s.placeholder {
            return;
        }
        let json = self.message_json(s);
        let name = if created {
            "MESSAGE_CREATE"
        } else {
            "MESSAGE_UPDATE"
        };
        self.dispatch(name, json);
    }

    pub(crate) fn delete_message(&mut self, id: u64, dispatch: bool) {
        let Some(stored) = self.messages.get_mut(&id) else {
            return;
        };
        stored.msg.deleted = true;
        stored.history.push(stored.msg.clone());
        let ev = json!({
            "id": id.to_string(),
            "channel_id": stored.msg.channel_id.0.to_string(),
            "guild_id": stored.guild_id.map(|g| g.to_string()),
        });
        if dispatch {
            self.dispatch("MESSAGE_DELETE", ev);
        }
    }

    pub(crate) fn set_original(&mut self, interaction: u64, message: u64) {
        if let Some(rec) = self.interactions.get_mut(&interaction) {
            rec.original = Some(message);
        }
    }

    pub(crate) fn push_output(&mut self, interaction: u64, message: u64) {
        let Some(snapshot) = self.messages.get(&message).map(|s| s.msg.clone()) else {
            return;
        };
        let submits = self
            .modal_submits
            .get(&interaction)
            .cloned()
            .unwrap_or_default();
        for id in submits {
            if let Some(rec) = self.interactions.get_mut(&id) {
                rec.outputs.push(snapshot.clone());
            }
        }
        if let Some(rec) = self.interactions.get_mut(&interaction) {
            rec.outputs.push(snapshot);
        }
    }

    pub(crate) fn member_update_json(&self, g: u64, u: u64) -> Value {
        let guild = &self.guilds[&g];
        let mut v = match guild.members.get(&u) {
            Some(m) => self.member_json(guild, m, true),
            None => json!({"user": self.user_json(u), "roles": []}),
        };
        v["guild_id"] = json!(g.to_string());
        v
    }
}
