//! Interactions a test sends as a user (slash commands, autocomplete, button clicks, select
//! menus, modal submits), and the [`Interaction`] handle to read what the bot answered.

use std::time::Duration;

use serde_json::{json, Map, Value};

use crate::ids::{parse_snowflake, ChannelId, InteractionId};
use crate::message::{SentAttachment, SentMessage};
use crate::record::SentFile;
use crate::state::{InteractionRec, State};
use crate::world::{ChannelKind, SimUser};
use crate::{perms, DiscordSim};

/// Builders for slash command options, in Discord's wire format.
///
/// ```
/// use discord_sim::opt;
/// # use discord_sim::{UserId, RoleId};
/// # let (bob, member) = (UserId(1), RoleId(2));
/// let options = [opt::user("who", bob), opt::role("role", member), opt::integer("days", 14)];
/// ```
pub mod opt {
    use serde_json::{json, Value};

    use super::Options;
    use crate::ids::{ChannelId, RoleId, UserId};

    /// A string option (type 3).
    pub fn string(name: &str, value: impl Into<String>) -> Value {
        json!({"name": name, "type": 3, "value": value.into()})
    }
    /// An integer option (type 4).
    pub fn integer(name: &str, value: i64) -> Value {
        json!({"name": name, "type": 4, "value": value})
    }
    /// A boolean option (type 5).
    pub fn boolean(name: &str, value: bool) -> Value {
        json!({"name": name, "type": 5, "value": value})
    }
    /// A user option (type 6); `data.resolved.users` (and `members` in a guild) are filled in.
    pub fn user(name: &str, user: UserId) -> Value {
        json!({"name": name, "type": 6, "value": user.0.to_string()})
    }
    /// A channel option (type 7); `data.resolved.channels` is filled in.
    pub fn channel(name: &str, channel: ChannelId) -> Value {
        json!({"name": name, "type": 7, "value": channel.0.to_string()})
    }
    /// A role option (type 8); `data.resolved.roles` is filled in.
    pub fn role(name: &str, role: RoleId) -> Value {
        json!({"name": name, "type": 8, "value": role.0.to_string()})
    }
    /// A mentionable option (type 9) naming a user.
    pub fn mentionable_user(name: &str, user: UserId) -> Value {
        json!({"name": name, "type": 9, "value": user.0.to_string()})
    }
    /// A mentionable option (type 9) naming a role.
    pub fn mentionable_role(name: &str, role: RoleId) -> Value {
        json!({"name": name, "type": 9, "value": role.0.to_string()})
    }
    /// A number option (type 10).
    pub fn number(name: &str, value: f64) -> Value {
        json!({"name": name, "type": 10, "value": value})
    }
    /// An attachment option (type 11): the file is served by the simulator at the URL in
    /// `data.resolved.attachments`.
    pub fn attachment(name: &str, filename: &str, bytes: impl Into<Vec<u8>>) -> Value {
        json!({"name": name, "type": 11, "value": "0",
            "__sim_file": {"filename": filename, "bytes": bytes.into()}})
    }
    /// A subcommand (type 1) with its options.
    pub fn sub(name: &str, options: impl Into<Options>) -> Value {
        json!({"name": name, "type": 1, "options": options.into().0})
    }
    /// A subcommand group (type 2) with its subcommands.
    pub fn group(name: &str, subcommands: impl Into<Options>) -> Value {
        json!({"name": name, "type": 2, "options": subcommands.into().0})
    }
    /// The option being typed in an autocomplete interaction (its type is taken from the
    /// registered command when known, string otherwise).
    pub fn focused(name: &str, partial: &str) -> Value {
        json!({"name": name, "type": 3, "value": partial, "focused": true})
    }
}

/// A list of options: `()`, a `json!([...])` array, a `Vec<Value>` or an array of values.
#[derive(Clone, Debug, Default)]
pub struct Options(pub Vec<Value>);

impl From<()> for Options {
    fn from(_: ()) -> Self {
        Options(Vec::new())
    }
}

impl From<Value> for Options {
    fn from(v: Value) -> Self {
        match v {
            Value::Array(a) => Options(a),
            Value::Null => Options(Vec::new()),
            other => Options(vec![other]),
        }
    }
}

impl From<Vec<Value>> for Options {
    fn from(v: Vec<Value>) -> Self {
        Options(v)
    }
}

impl<const N: usize> From<[Value; N]> for Options {
    fn from(v: [Value; N]) -> Self {
        Options(v.into())
    }
}

/// The initial response the bot gave to an interaction
/// (`POST /interactions/{id}/{token}/callback`).
#[derive(Clone, Debug)]
pub struct CallbackResponse {
    /// Callback type: 4 message, 5 deferred message, 6 deferred update, 7 update message,
    /// 8 autocomplete result, 9 modal.
    pub kind: u8,
    /// The callback's `data`.
    pub data: Value,
    /// Files uploaded with it.
    pub files: Vec<SentFile>,
}

impl CallbackResponse {
    /// Whether it is a deferral (type 5 or 6).
    pub fn is_deferred(&self) -> bool {
        matches!(self.kind, 5 | 6)
    }

    /// Whether the message flags say ephemeral.
    pub fn ephemeral(&self) -> bool {
        self.data["flags"].as_u64().unwrap_or(0) & crate::message::EPHEMERAL != 0
    }
}

/// One autocomplete choice the bot offered.
#[derive(Clone, Debug, PartialEq)]
pub struct Choice {
    /// What the user sees.
    pub name: String,
    /// What is sent when picked.
    pub value: Value,
}

/// A text input of a modal.
#[derive(Clone, Debug)]
pub struct ModalInput {
    /// Its custom id.
    pub custom_id: String,
    /// Its label.
    pub label: String,
    /// Whether it must be filled.
    pub required: bool,
    /// Its pre-filled value.
    pub value: Option<String>,
}

/// A modal the bot opened (callback type 9).
#[derive(Clone, Debug)]
pub struct Modal {
    /// The modal's custom id.
    pub custom_id: String,
    /// Its title.
    pub title: String,
    /// Its text inputs.
    pub inputs: Vec<ModalInput>,
    /// The interaction that opened it.
    pub origin: InteractionId,
}

/// A handle on one interaction the test sent; ask it what the bot answered.
///
/// Every wait uses the simulator's default timeout (5 s unless changed with
/// [`DiscordSim::set_default_timeout`]) and panics, saying what went unanswered, when it
/// expires.
#[derive(Clone)]
pub struct Interaction {
    sim: DiscordSim,
    /// The interaction id.
    pub id: InteractionId,
    /// Its token.
    pub token: String,
    /// A description for messages, e.g. `/ping by alice`.
    pub label: String,
}

impl std::fmt::Debug for Interaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Interaction({} {})", self.id, self.label)
    }
}

impl Interaction {
    fn with_rec<T>(&self, f: impl FnOnce(&InteractionRec, &State) -> T) -> T {
        let st = self.sim.lock();
        f(&st.interactions[&self.id.0], &st)
    }

    /// Waits for the initial callback.
    pub async fn response(&self) -> CallbackResponse {
        self.response_within(self.sim.default_timeout()).await
    }

    /// Waits for the initial callback, at most `timeout`.
    pub async fn response_within(&self, timeout: Duration) -> CallbackResponse {
        let id = self.id.0;
        self.sim
            .wait_for(timeout, &format!("a response to {}", self.label), |st| {
                st.interactions[&id]
                    .callback
                    .as_ref()
                    .map(|c| CallbackResponse {
                        kind: c.kind,
                        data: c.data.clone(),
                        files: c.files.clone(),
                    })
            })
            .await
    }

    /// How long the bot took to answer: from the moment the simulator created the interaction
    /// (just before dispatching it on the gateway) to the moment the bot's callback request
    /// arrived (before the simulator checked it). Includes the gateway transit, the bot's
    /// decoding and handling and the HTTP request; `None` until answered.
    pub fn answered_after(&self) -> Option<Duration> {
        self.with_rec(|rec, _| {
            rec.callback
                .as_ref()
                .map(|c| c.arrived.saturating_duration_since(rec.created))
        })
    }

    /// Waits for the first visible message: the type 4 response, the message updated by a
    /// type 7 response, or — after a deferral — the first follow-up or `@original` edit.
    ///
    /// For a modal submit, messages the bot sends as follow-ups of the interaction that opened
    /// the modal count too (poise acknowledges the submit with type 6 and answers through the
    /// original command's token).
    pub async fn reply(&self) -> SentMessage {
        self.reply_within(self.sim.default_timeout()).await
    }

    /// [`Interaction::reply`] with an explicit timeout.
    pub async fn reply_within(&self, timeout: Duration) -> SentMessage {
        let id = self.id.0;
        let label = self.label.clone();
        self.sim
            .wait_for(timeout, &format!("a reply message to {label}"), |st| {
                let rec = &st.interactions[&id];
                if let Some(cb) = rec.callback.as_ref().filter(|cb| cb.kind == 8) {
                    panic!(
                        "discord-sim: {label} was answered with an autocomplete result, \
                         not a message: {}",
                        cb.data
                    );
                }
                rec.outputs.first().cloned()
            })
            .await
    }

    /// Every visible message change so far (creations and edits), oldest first.
    pub fn outputs(&self) -> Vec<SentMessage> {
        self.with_rec(|rec, _| rec.outputs.clone())
    }

    /// The distinct messages produced so far, each in its latest version.
    pub fn messages(&self) -> Vec<SentMessage> {
        self.with_rec(distinct_latest)
    }

    /// The messages created with `POST /webhooks/{app}/{token}` (latest versions).
    pub fn followups(&self) -> Vec<SentMessage> {
        self.with_rec(|rec, st| {
            rec.followups
                .iter()
                .filter_map(|m| st.messages.get(m).map(|s| s.msg.clone()))
                .collect()
        })
    }

    /// Waits until the interaction produced at least `n` distinct messages; returns them all
    /// (latest versions, in order of creation).
    pub async fn wait_for_messages(&self, n: usize) -> Vec<SentMessage> {
        let id = self.id.0;
        self.sim
            .wait_for(
                self.sim.default_timeout(),
                &format!("{n} message(s) from {}", self.label),
                |st| {
                    let list = distinct_latest(&st.interactions[&id], st);
                    (list.len() >= n).then_some(list)
                },
            )
            .await
    }

    /// Waits for an autocomplete result (callback type 8) and returns its choices.
    pub async fn choices(&self) -> Vec<Choice> {
        let r = self.response().await;
        assert_eq!(
            r.kind, 8,
            "discord-sim: {} expected an autocomplete result, got callback type {}: {}",
            self.label, r.kind, r.data
        );
        r.data["choices"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| Choice {
                name: c["name"].as_str().unwrap_or("").to_owned(),
                value: c["value"].clone(),
            })
            .collect()
    }

    /// Waits for a modal (callback type 9).
    pub async fn modal(&self) -> Modal {
        let r = self.response().await;
        assert_eq!(
            r.kind, 9,
            "discord-sim: {} expected a modal, got callback type {}: {}",
            self.label, r.kind, r.data
        );
        let inputs = r.data["components"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
            .map(|c| ModalInput {
                custom_id: c["custom_id"].as_str().unwrap_or("").to_owned(),
                label: c["label"].as_str().unwrap_or("").to_owned(),
                required: c["required"].as_bool().unwrap_or(true),
                value: c["value"].as_str().map(str::to_owned),
            })
            .collect();
        Modal {
            custom_id: r.data["custom_id"].as_str().unwrap_or("").to_owned(),
            title: r.data["title"].as_str().unwrap_or("").to_owned(),
            inputs,
            origin: self.id,
        }
    }
}

fn distinct_latest(rec: &InteractionRec, st: &State) -> Vec<SentMessage> {
    let mut ids: Vec<u64> = Vec::new();
    for o in &rec.outputs {
        if !ids.contains(&o.id.0) {
            ids.push(o.id.0);
        }
    }
    ids.iter()
        .filter_map(|m| st.messages.get(m).map(|s| s.msg.clone()))
        .collect()
}

fn names(opts: &[Value]) -> Vec<String> {
    opts.iter()
        .filter_map(|o| o["name"].as_str().map(str::to_owned))
        .collect()
}

/// Checks given options against the registered declaration (names, types, required ones).
fn check_options(
    decl: &[Value],
    given: &mut [Value],
    ctx: &str,
    autocomplete: bool,
) -> Result<(), String> {
    for g in given.iter_mut() {
        let name = g["name"].as_str().unwrap_or("").to_owned();
        let Some(d) = decl.iter().find(|d| d["name"] == name) else {
            return Err(format!(
                "{ctx} has no option {name:?} (declared: {:?})",
                names(decl)
            ));
        };
        if g["focused"] == true {
            g["type"] = d["type"].clone();
            continue;
        }
        if g["type"] != d["type"] {
            return Err(format!(
                "{ctx}: option {name:?} is declared with type {} but the test sent type {}",
                d["type"], g["type"]
            ));
        }
        if matches!(g["type"].as_u64(), Some(1 | 2)) {
            let sub_decl = d["options"].as_array().cloned().unwrap_or_default();
            let sub_given = g["options"].as_array_mut();
            let mut empty = Vec::new();
            let sub_given = sub_given.unwrap_or(&mut empty);
            check_options(&sub_decl, sub_given, &format!("{ctx} {name}"), autocomplete)?;
        }
    }
    let is_leaf = !decl
        .iter()
        .any(|d| matches!(d["type"].as_u64(), Some(1 | 2)));
    if !autocomplete && is_leaf {
        for d in decl.iter().filter(|d| d["required"] == true) {
            if !given.iter().any(|g| g["name"] == d["name"]) {
                return Err(format!("{ctx}: required option {} is missing", d["name"]));
            }
        }
    }
    Ok(())
}

impl State {
    pub(crate) fn dm_channel(&mut self, user: u64) -> u64 {
        if let Some(ch) = self.users.get(&user).and_then(|u| u.dm_channel) {
            return ch;
        }
        let id = self.ids.next();
        self.channels.insert(
            id,
            crate::world::ChannelRec {
                id,
                kind: ChannelKind::Dm,
                guild_id: None,
                name: String::new(),
                topic: None,
                parent_id: None,
                position: 0,
                overwrites: Default::default(),
                recipient: Some(user),
            },
        );
        if let Some(u) = self.users.get_mut(&user) {
            u.dm_channel = Some(id);
        }
        id
    }

    /// The common part of every interaction payload, and its record.
    fn new_interaction(
        &mut self,
        kind: u8,
        user: &SimUser,
        channel: u64,
        label: String,
        source_message: Option<u64>,
    ) -> Result<(u64, Value), String> {
        let Some(ch) = self.channels.get(&channel) else {
            return Err(format!("{label}: unknown channel {channel}"));
        };
        if !self.users.contains_key(&user.id.0) {
            return Err(format!("{label}: unknown user {}", user.id));
        }
        let id = self.ids.next();
        let token = format!("sim-token-{id}");
        let mut v = json!({
            "id": id.to_string(),
            "application_id": self.app_id.to_string(),
            "type": kind,
            "token": token,
            "version": 1,
            "channel_id": channel.to_string(),
            "locale": "en-US",
            "entitlements": [],
            "attachment_size_limit": 26_214_400,
        });
        match ch.guild_id {
            Some(g) => {
                let guild = &self.guilds[&g];
                let Some(member) = guild.members.get(&user.id.0) else {
                    return Err(format!(
                        "{label}: {} is not a member of guild {:?} ({g})",
                        user.username, guild.name
                    ));
                };
                let perms_bits = user
                    .permissions_override
                    .unwrap_or_else(|| guild.channel_permissions(user.id.0, Some(ch)));
                let mut m = self.member_json(guild, member, true);
                m["permissions"] = json!(perms_bits.to_string());
                v["guild_id"] = json!(g.to_string());
                v["guild_locale"] = json!("en-US");
                v["member"] = m;
                v["app_permissions"] =
                    json!(guild.channel_permissions(self.bot_id, Some(ch)).to_string());
                v["context"] = json!(0);
                v["channel"] = json!({
                    "id": channel.to_string(), "type": ch.kind.number(), "name": ch.name,
                    "guild_id": g.to_string(), "permissions": perms_bits.to_string(),
                });
            }
            None => {
                v["user"] = self.user_json(user.id.0);
                v["app_permissions"] = json!(perms::DM_APP_PERMISSIONS.to_string());
                v["context"] = json!(1);
                v["channel"] = json!({"id": channel.to_string(), "type": 1});
            }
        }
        self.tokens.insert(token.clone(), id);
        self.interactions.insert(
            id,
            InteractionRec {
                token,
                kind,
                label,
                user_id: user.id.0,
                channel_id: channel,
                created: std::time::Instant::now(),
                source_message,
                origin: None,
                callback: None,
                original: None,
                outputs: Vec::new(),
                followups: Vec::new(),
            },
        );
        Ok((id, v))
    }

    fn resolve_options(
        &mut self,
        guild: Option<u64>,
        actor: u64,
        channel: u64,
        opts: &mut [Value],
        resolved: &mut Map<String, Value>,
    ) -> Result<(), String> {
        for o in opts.iter_mut() {
            let kind = o["type"].as_u64().unwrap_or(0);
            if o["focused"] == true {
                continue;
            }
            match kind {
                1 | 2 => {
                    if !o["options"].is_array() {
                        o["options"] = json!([]);
                    }
                    let sub = o["options"].as_array_mut().expect("set above");
                    self.resolve_options(guild, actor, channel, sub, resolved)?;
                }
                6 | 9 => {
                    let id = parse_snowflake(&o["value"]).unwrap_or(0);
                    let found = if self.users.contains_key(&id) {
                        self.resolve_user(guild, id, channel, resolved);
                        true
                    } else {
                        // A mentionable may also be a role.
                        kind == 9 && self.resolve_role(guild, id, resolved)
                    };
                    if !found {
                        return Err(format!("option {}: unknown user {id}", o["name"]));
                    }
                }
                7 => {
                    let id = parse_snowflake(&o["value"]).unwrap_or(0);
                    let Some(c) = self.channels.get(&id) else {
                        return Err(format!("option {}: unknown channel {id}", o["name"]));
                    };
                    let bits = c
                        .guild_id
                        .and_then(|g| self.guilds.get(&g))
                        .map_or(0, |g| g.channel_permissions(actor, Some(c)));
                    let entry = resolved.entry("channels").or_insert_with(|| json!({}));
                    entry[id.to_string()] = json!({
                        "id": id.to_string(), "name": c.name, "type": c.kind.number(),
                        "permissions": bits.to_string(),
                        "parent_id": c.parent_id.map(|p| p.to_string()),
                    });
                }
                8 => {
                    let id = parse_snowflake(&o["value"]).unwrap_or(0);
                    if !self.resolve_role(guild, id, resolved) {
                        return Err(format!("option {}: unknown role {id}", o["name"]));
                    }
                }
                11 => {
                    let file = o
                        .as_object_mut()
                        .and_then(|m| m.remove("__sim_file"))
                        .unwrap_or(Value::Null);
                    let id = self.ids.next();
                    let filename = file["filename"].as_str().unwrap_or("file").to_owned();
                    let bytes: Vec<u8> = file["bytes"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|b| b.as_u64().map(|b| b as u8))
                        .collect();
                    let url = format!("{}/attachments/{id}/{filename}", self.base_url);
                    let entry = resolved.entry("attachments").or_insert_with(|| json!({}));
                    entry[id.to_string()] = json!({
                        "id": id.to_string(), "filename": filename, "size": bytes.len(),
                        "url": url, "proxy_url": url, "content_type": null,
                    });
                    self.files.insert(
                        id,
                        SentAttachment {
                            id,
                            filename,
                            content_type: None,
                            bytes,
                        },
                    );
                    o["value"] = json!(id.to_string());
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn resolve_user(
        &self,
        guild: Option<u64>,
        id: u64,
        channel: u64,
        resolved: &mut Map<String, Value>,
    ) {
        let user = self.user_json(id);
        resolved.entry("users").or_insert_with(|| json!({}))[id.to_string()] = user;
        if let Some(g) = guild.and_then(|g| self.guilds.get(&g)) {
            if let Some(m) = g.members.get(&id) {
                let mut mj = self.member_json(g, m, false);
                let bits = g.channel_permissions(id, self.channels.get(&channel));
                mj["permissions"] = json!(bits.to_string());
                resolved.entry("members").or_insert_with(|| json!({}))[id.to_string()] = mj;
            }
        }
    }

    fn resolve_role(&self, guild: Option<u64>, id: u64, resolved: &mut Map<String, Value>) -> bool {
        let Some(role) = guild
            .and_then(|g| self.guilds.get(&g))
            .and_then(|g| g.roles.get(&id))
        else {
            return false;
        };
        let rj = self.role_json(role);
        resolved.entry("roles").or_insert_with(|| json!({}))[id.to_string()] = rj;
        true
    }

    /// Finds a registered command by name (guild commands first). A reference: the /timer
    /// declaration alone is a large JSON tree, and cloning it for every command cost the
    /// simulator more than the rest of building the interaction.
    fn registered_command(&self, guild: Option<u64>, name: &str) -> Option<&Value> {
        guild
            .and_then(|g| self.guild_commands.get(&g))
            .into_iter()
            .chain(std::iter::once(&self.global_commands))
            .flatten()
            .find(|c| c["name"] == name)
    }

    fn command_data(
        &mut self,
        guild: Option<u64>,
        actor: u64,
        channel: u64,
        path: &str,
        options: Vec<Value>,
        autocomplete: bool,
    ) -> Result<Value, String> {
        let words: Vec<&str> = path.split_whitespace().collect();
        let Some((name, rest)) = words.split_first() else {
            return Err("empty command name".into());
        };
        let mut opts = options;
        match rest {
            [] => {}
            [sub] => opts = vec![opt::sub(sub, opts)],
            [group, sub] => opts = vec![opt::group(group, vec![opt::sub(sub, opts)])],
            _ => return Err(format!("/{path}: at most a group and a subcommand")),
        }
        // The registration's id and guild, after checking the options against it.
        let (registered_id, registered_guild) = match self.registered_command(guild, name) {
            Some(decl) => {
                let decl_opts = decl["options"].as_array().map(Vec::as_slice).unwrap_or(&[]);
                check_options(decl_opts, &mut opts, &format!("/{name}"), autocomplete)?;
                (
                    decl["id"].as_str().map(str::to_owned),
                    decl.get("guild_id").cloned(),
                )
            }
            None => {
                let any_registered = !self.global_commands.is_empty()
                    || guild.is_some_and(|g| {
                        self.guild_commands.get(&g).is_some_and(|l| !l.is_empty())
                    });
                if any_registered {
                    let mut known: Vec<String> = names(&self.global_commands);
                    if let Some(l) = guild.and_then(|g| self.guild_commands.get(&g)) {
                        known.extend(names(l));
                    }
                    return Err(format!(
                        "the bot did not register /{name} (registered: {known:?})"
                    ));
                }
                (None, None)
            }
        };
        let mut resolved = Map::new();
        self.resolve_options(guild, actor, channel, &mut opts, &mut resolved)?;
        let id = registered_id.unwrap_or_else(|| self.ids.next().to_string());
        let mut data = json!({"id": id, "name": name, "type": 1, "options": opts});
        if !resolved.is_empty() {
            data["resolved"] = Value::Object(resolved);
        }
        if let Some(g) = registered_guild {
            data["guild_id"] = g;
        }
        Ok(data)
    }
}

impl DiscordSim {
    fn finish(&self, id: u64, payload: Value, label: String) -> Interaction {
        let token = {
            let mut st = self.lock();
            st.dispatch("INTERACTION_CREATE", payload);
            st.interactions[&id].token.clone()
        };
        self.notify();
        Interaction {
            sim: self.clone(),
            id: InteractionId(id),
            token,
            label,
        }
    }

    async fn slash(
        &self,
        kind: u8,
        user: &SimUser,
        channel: ChannelId,
        name: &str,
        options: Options,
    ) -> Interaction {
        self.wait_identified().await;
        let label = format!(
            "{}/{name} by {}",
            if kind == 4 { "autocomplete of " } else { "" },
            user.username
        );
        let built = {
            let mut st = self.lock();
            let guild = st.channels.get(&channel.0).and_then(|c| c.guild_id);
            st.command_data(guild, user.id.0, channel.0, name, options.0, kind == 4)
                .and_then(|data| {
                    let (id, mut v) =
                        st.new_interaction(kind, user, channel.0, label.clone(), None)?;
                    v["data"] = data;
                    Ok((id, v))
                })
        };
        match built {
            Ok((id, v)) => self.finish(id, v, label),
            Err(e) => panic!("discord-sim: cannot send {label}: {e}"),
        }
    }

    /// Sends a slash command as `user` in `channel` (a guild channel: as a member, with
    /// `member.permissions` computed from their roles unless overridden with
    /// [`SimUser::with_permissions`]; a DM channel: as a user).
    ///
    /// `name` may include a subcommand group and subcommand: `"member role"` wraps `options` in
    /// the subcommand `role` of `/member`. When the bot registered its commands, the options
    /// are checked against the registration (unknown names, wrong types and missing required
    /// options panic).
    pub async fn command(
        &self,
        user: &SimUser,
        channel: ChannelId,
        name: &str,
        options: impl Into<Options>,
    ) -> Interaction {
        self.slash(2, user, channel, name, options.into()).await
    }

    /// Sends a slash command in the user's DM with the bot (no guild, no member).
    pub async fn command_in_dm(
        &self,
        user: &SimUser,
        name: &str,
        options: impl Into<Options>,
    ) -> Interaction {
        let ch = self.dm_channel(user);
        self.slash(2, user, ch, name, options.into()).await
    }

    /// Sends an autocomplete interaction (type 4); mark the option being typed with
    /// [`opt::focused`]. Read the result with [`Interaction::choices`].
    pub async fn autocomplete(
        &self,
        user: &SimUser,
        channel: ChannelId,
        name: &str,
        options: impl Into<Options>,
    ) -> Interaction {
        self.slash(4, user, channel, name, options.into()).await
    }

    async fn component(
        &self,
        user: &SimUser,
        message: &SentMessage,
        custom_id: &str,
        values: Option<Vec<String>>,
    ) -> Interaction {
        self.wait_identified().await;
        let shown = self.lock().messages.get(&message.id.0).map(|s| s.updated);
        self.human_pause(shown).await;
        let label = format!(
            "{} {custom_id:?} by {}",
            if values.is_some() {
                "select"
            } else {
                "click on"
            },
            user.username
        );
        let built = (|| {
            let mut st = self.lock();
            let Some(stored) = st.messages.get(&message.id.0) else {
                return Err(format!("unknown message {}", message.id));
            };
            if stored.msg.deleted {
                return Err("the message was deleted".into());
            }
            let comp = stored
                .msg
                .components
                .iter()
                .flat_map(|r| r["components"].as_array().cloned().unwrap_or_default())
                .find(|c| c["custom_id"] == custom_id);
            let Some(comp) = comp else {
                return Err(format!(
                    "the message has no component {custom_id:?} (buttons: {:?})",
                    stored.msg.buttons()
                ));
            };
            if comp["disabled"] == true {
                return Err(format!("component {custom_id:?} is disabled"));
            }
            let component_type = comp["type"].as_u64().unwrap_or(2);
            if let Some(vals) = &values {
                if component_type == 3 {
                    let options: Vec<&str> = comp["options"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|o| o["value"].as_str())
                        .collect();
                    if let Some(bad) = vals.iter().find(|v| !options.contains(&v.as_str())) {
                        return Err(format!(
                            "select {custom_id:?} has no option {bad:?} ({options:?})"
                        ));
                    }
                }
            } else if component_type != 2 {
                return Err(format!("component {custom_id:?} is not a button"));
            }
            if stored.msg.ephemeral() {
                let owner = stored
                    .msg
                    .interaction
                    .and_then(|i| st.interactions.get(&i.0))
                    .map(|r| r.user_id);
                if owner.is_some_and(|o| o != user.id.0) {
                    return Err(
                        "only the invoking user can see (and click) an ephemeral message".into(),
                    );
                }
            }
            let channel = stored.msg.channel_id.0;
            let msg_json = st.message_json(stored);
            let (id, mut v) =
                st.new_interaction(3, user, channel, label.clone(), Some(message.id.0))?;
            let mut data = json!({"custom_id": custom_id, "component_type": component_type});
            if let Some(vals) = values {
                data["values"] = json!(vals);
            }
            v["data"] = data;
            v["message"] = msg_json;
            Ok((id, v))
        })();
        match built {
            Ok((id, v)) => self.finish(id, v, label),
            Err(e) => panic!("discord-sim: cannot send {label}: {e}"),
        }
    }

    /// Clicks the button `custom_id` on `message` (its latest version) as `user`.
    pub async fn click(
        &self,
        user: &SimUser,
        message: &SentMessage,
        custom_id: &str,
    ) -> Interaction {
        self.component(user, message, custom_id, None).await
    }

    /// Clicks the button labelled `label` on `message` as `user`.
    pub async fn click_label(
        &self,
        user: &SimUser,
        message: &SentMessage,
        label: &str,
    ) -> Interaction {
        let latest = self.message(message.id).unwrap_or_else(|| message.clone());
        let Some(id) = latest.button(label).and_then(|b| b.custom_id) else {
            panic!(
                "discord-sim: message {} has no button labelled {label:?} (buttons: {:?})",
                message.id,
                latest.buttons()
            )
        };
        self.component(user, message, &id, None).await
    }

    /// Picks `values` in the select menu `custom_id` on `message` as `user`.
    pub async fn select(
        &self,
        user: &SimUser,
        message: &SentMessage,
        custom_id: &str,
        values: &[&str],
    ) -> Interaction {
        let values = values.iter().map(|v| (*v).to_owned()).collect();
        self.component(user, message, custom_id, Some(values)).await
    }

    /// Submits `modal` as `user` with the given `(custom_id, value)` inputs.
    pub async fn submit_modal(
        &self,
        user: &SimUser,
        modal: &Modal,
        fields: &[(&str, &str)],
    ) -> Interaction {
        self.wait_identified().await;
        let shown = self
            .lock()
            .interactions
            .get(&modal.origin.0)
            .and_then(|r| r.callback.as_ref().map(|c| c.at));
        self.human_pause(shown).await;
        let label = format!("modal {:?} submitted by {}", modal.custom_id, user.username);
        for (k, _) in fields {
            if !modal.inputs.iter().any(|i| i.custom_id == *k) {
                panic!(
                    "discord-sim: modal {:?} has no input {k:?} (inputs: {:?})",
                    modal.custom_id,
                    modal
                        .inputs
                        .iter()
                        .map(|i| &i.custom_id)
                        .collect::<Vec<_>>()
                );
            }
        }
        let rows: Vec<Value> = modal
            .inputs
            .iter()
            .map(|i| {
                let value = fields
                    .iter()
                    .find(|(k, _)| *k == i.custom_id)
                    .map(|(_, v)| (*v).to_owned())
                    .or_else(|| i.value.clone())
                    .unwrap_or_default();
                if i.required && value.is_empty() {
                    panic!(
                        "discord-sim: modal input {:?} is required (Discord would not submit)",
                        i.custom_id
                    );
                }
                json!({"type": 1, "components": [{"type": 4, "custom_id": i.custom_id, "value": value}]})
            })
            .collect();
        let built = (|| {
            let mut st = self.lock();
            let origin = st
                .interactions
                .get(&modal.origin.0)
                .ok_or("unknown origin interaction")?;
            let (channel, source) = (origin.channel_id, origin.source_message);
            let msg_json = source
                .and_then(|m| st.messages.get(&m))
                .map(|s| st.message_json(s));
            let (id, mut v) = st.new_interaction(5, user, channel, label.clone(), source)?;
            if let Some(rec) = st.interactions.get_mut(&id) {
                rec.origin = Some(modal.origin.0);
            }
            st.modal_submits.entry(modal.origin.0).or_default().push(id);
            v["data"] = json!({"custom_id": modal.custom_id, "components": rows});
            if let Some(m) = msg_json {
                v["message"] = m;
            }
            Ok::<_, String>((id, v))
        })();
        match built {
            Ok((id, v)) => self.finish(id, v, label),
            Err(e) => panic!("discord-sim: cannot send {label}: {e}"),
        }
    }

    /// The DM channel between the bot and `user` (created on first use, as
    /// `POST /users/@me/channels` would).
    pub fn dm_channel(&self, user: &SimUser) -> ChannelId {
        ChannelId(self.lock().dm_channel(user.id.0))
    }
}
