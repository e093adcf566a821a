//! A local fake Discord — REST over HTTP and the gateway websocket on 127.0.0.1 — that the
//! real serenity/poise stack connects to, so end-to-end tests drive the bot offline.
//!
//! ```no_run
//! # async fn demo() {
//! use discord_sim::{opt, DiscordSim, GuildSpec};
//!
//! let sim = DiscordSim::start().await;
//! let guild = sim.add_guild(GuildSpec::new("Acme"));
//! let general = sim.channel_by_name(guild, "general");
//! let alice = sim.user(guild, "alice");
//! let bob = sim.user(guild, "bob");
//!
//! // Point serenity at the simulator (never disable the rate limiter in production):
//! // let http = HttpBuilder::new(discord_sim::TOKEN).proxy(sim.base_url())
//! //     .ratelimiter_disabled(true).build();
//! // ClientBuilder::new_with_http(http, intents).framework(framework).await?.start()
//! sim.wait_ready(std::time::Duration::from_secs(5)).await;
//!
//! let reply = sim
//!     .command(&alice, general, "member info", [opt::user("who", bob.id)])
//!     .await
//!     .reply()
//!     .await;
//! assert!(reply.text().contains("bob"));
//! sim.assert_clean();
//! # }
//! ```
//!
//! Modules: [`world`] (guilds, roles, channels, members), [`interaction`] (what a test sends
//! as a user and the [`Interaction`] handle), [`message`] ([`SentMessage`] and its helpers),
//! [`record`] (recorded requests and violations), [`perms`] (permission bits). Gateway and
//! REST handling, the limit checks and the OpenAPI validation are crate-private.

mod gateway;
pub mod ids;
pub mod interaction;
mod limits;
pub mod message;
pub mod perms;
pub mod record;
mod rest;
mod spec;
mod state;
pub mod world;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use tokio::sync::Notify;

pub use ids::{ChannelId, GuildId, InteractionId, MessageId, RoleId, UserId};
pub use interaction::{opt, CallbackResponse, Choice, Interaction, Modal, ModalInput, Options};
pub use message::{Button, Pings, SentAttachment, SentMessage};
pub use record::{DispatchedEvent, RecordedRequest, SentFile, Violation, ViolationKind};
pub use spec::{precompile_spec, spec_available};
pub use world::{
    ChannelKind, ChannelSpec, GuildSpec, Overwrite, OverwriteKind, RoleSpec, SimUser, UserSpec,
};

use state::State;
use world::{ChannelRec, GuildRec, MemberRec, RoleRec, UserRec};

/// Any token works; this one reads well in logs.
pub const TOKEN: &str = "discord-sim-token";

/// The simulator. Cheap to clone (an `Arc`); safe to use from many tasks.
#[derive(Clone)]
pub struct DiscordSim {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for DiscordSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DiscordSim({})", self.inner.base_url)
    }
}

struct Inner {
    state: Mutex<State>,
    changed: Notify,
    base_url: String,
    app_id: u64,
    bot_id: u64,
}

/// Gateway counters, for asserting on reconnections.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GatewayStats {
    /// Whether a connection currently receives events.
    pub connected: bool,
    /// IDENTIFYs received.
    pub identifies: u64,
    /// Successful RESUMEs.
    pub resumes: u64,
    /// Forced disconnects.
    pub disconnects: u64,
    /// Heartbeats received.
    pub heartbeats: u64,
    /// Events sent again on RESUME because they were dispatched while disconnected.
    pub replayed: u64,
    /// Last sequence number sent.
    pub seq: u64,
    /// Intents of the last IDENTIFY.
    pub intents: u64,
}

/// A message a user posts (MESSAGE_CREATE), with optional attachments.
#[derive(Clone, Debug, Default)]
pub struct UserMessage {
    /// The text.
    pub content: String,
    /// `(filename, bytes)` attachments.
    pub attachments: Vec<(String, Vec<u8>)>,
}

impl UserMessage {
    /// A message with this text.
    pub fn new(content: impl Into<String>) -> Self {
        Self {
            content: content.into(),
            attachments: Vec::new(),
        }
    }

    /// Adds an attachment.
    pub fn attachment(mut self, filename: impl Into<String>, bytes: impl Into<Vec<u8>>) -> Self {
        self.attachments.push((filename.into(), bytes.into()));
        self
    }
}

impl DiscordSim {
    /// Starts the simulator on `127.0.0.1:<free port>`: REST under `/api/v10/...`, the gateway
    /// at `/ws`, attachment downloads under `/attachments/...`.
    pub async fn start() -> DiscordSim {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("discord-sim: cannot bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("discord-sim: local_addr");
        let base_url = format!("http://{addr}");
        let mut st = State::new(0, 0, base_url.clone());
        st.app_id = st.ids.next();
        st.bot_id = st.ids.next();
        let (app_id, bot_id) = (st.app_id, st.bot_id);
        st.users.insert(
            bot_id,
            UserRec {
                id: bot_id,
                username: "crewclock-sim".into(),
                global_name: None,
                bot: true,
                dms_closed: false,
                dm_channel: None,
            },
        );
        let owner = st.ids.next();
        st.users.insert(
            owner,
            UserRec {
                id: owner,
                username: "app-owner".into(),
                global_name: None,
                bot: false,
                dms_closed: false,
                dm_channel: None,
            },
        );
        st.app_owner = owner;
        let sim = DiscordSim {
            inner: Arc::new(Inner {
                state: Mutex::new(st),
                changed: Notify::new(),
                base_url,
                app_id,
                bot_id,
            }),
        };
        let app = Router::new()
            .route("/ws", get(gateway::ws_handler))
            .route("/attachments/{id}/{name}", get(rest::attachment))
            .fallback(rest::handler)
            .with_state(sim.clone());
        // No Nagle delay: like Discord's edge, answers and gateway events go out at once
        // (otherwise a second small write waits for the peer's delayed ACK, about 40 ms).
        let listener = axum::serve::ListenerExt::tap_io(listener, |stream| {
            let _ = stream.set_nodelay(true);
        });
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        // Load Discord's OpenAPI description and compile its validators in the background (or
        // warn that it is missing).
        tokio::task::spawn_blocking(spec::precompile_spec);
        sim
    }

    /// `http://127.0.0.1:PORT`: give it to serenity's `HttpBuilder::proxy`.
    pub fn base_url(&self) -> String {
        self.inner.base_url.clone()
    }

    /// The application id (READY's `application.id`).
    pub fn application_id(&self) -> u64 {
        self.inner.app_id
    }

    /// The bot's user id.
    pub fn bot_user_id(&self) -> UserId {
        UserId(self.inner.bot_id)
    }

    /// The application's owner (`GET /oauth2/applications/@me`), a user named "app-owner".
    pub fn app_owner(&self) -> SimUser {
        let st = self.lock();
        let id = st.app_owner;
        SimUser {
            id: UserId(id),
            username: st.users[&id].username.clone(),
            guild: None,
            permissions_override: None,
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn notify(&self) {
        self.inner.changed.notify_waiters();
    }

    // ----- configuration -----------------------------------------------------------------

    /// The timeout of waits that take none (default 5 s).
    pub fn default_timeout(&self) -> Duration {
        self.lock().default_timeout
    }

    /// Sets the timeout of waits that take none.
    pub fn set_default_timeout(&self, timeout: Duration) {
        self.lock().default_timeout = timeout;
    }

    /// How long the bot may take to acknowledge an interaction before a
    /// [`ViolationKind::Protocol`] violation is recorded (default 3 s, as Discord).
    pub fn set_callback_deadline(&self, deadline: Duration) {
        self.lock().callback_deadline = deadline;
    }

    /// The least time between a message (or modal) appearing and a simulated user clicking a
    /// button or submitting the modal (default 200 ms). People cannot click faster, and bots
    /// that register a collector only after sending would otherwise miss the click — a race
    /// real users never trigger. Set it to zero to prove a bot is free of that race.
    pub fn set_human_delay(&self, delay: Duration) {
        self.lock().human_delay = delay;
    }

    /// Waits until at least the human delay has passed since `since`.
    pub(crate) async fn human_pause(&self, since: Option<std::time::Instant>) {
        let delay = self.lock().human_delay;
        if let Some(since) = since {
            let ready = since + delay;
            let now = std::time::Instant::now();
            if ready > now {
                tokio::time::sleep(ready - now).await;
            }
        }
    }

    /// Whether requests breaking Discord limits are answered 400 like Discord does (default
    /// true). Either way the violation is recorded.
    pub fn set_reject_invalid(&self, reject: bool) {
        self.lock().reject_invalid = reject;
    }

    /// From now on, answer requests whose method is `method` and whose path (below `/api/v10`)
    /// starts with `path_prefix` with `status` and Discord's error JSON
    /// `{"message": message, "code": code}`.
    pub fn fail_requests(
        &self,
        method: &str,
        path_prefix: &str,
        status: u16,
        code: u32,
        message: &str,
    ) {
        self.lock().fail_rules.push(state::FailRule {
            method: method.to_ascii_uppercase(),
            path_prefix: path_prefix.to_owned(),
            status,
            body: json!({"message": message, "code": code}),
        });
    }

    /// Removes every rule added with [`DiscordSim::fail_requests`].
    pub fn clear_failures(&self) {
        self.lock().fail_rules.clear();
    }

    // ----- world setup -------------------------------------------------------------------

    /// Creates a guild with its `@everyone` role, the bot (as a member with a managed role),
    /// the owner and its text channels. GUILD_CREATE is sent after READY, or right away when
    /// the bot is already connected.
    pub fn add_guild(&self, spec: GuildSpec) -> GuildId {
        let mut st = self.lock();
        let owner = ensure_user(&mut st, &UserSpec::new(spec.owner.clone()));
        let gid = st.ids.next();
        let bot_role = st.ids.next();
        let joined = state::now_ts();
        let mut guild = GuildRec {
            id: gid,
            name: spec.name.clone(),
            owner_id: owner,
            roles: Default::default(),
            channels: Default::default(),
            members: Default::default(),
            joined_at: joined.clone(),
            deny_manage_roles: false,
            bot_role,
        };
        guild.roles.insert(
            gid,
            RoleRec {
                id: gid,
                name: "@everyone".into(),
                permissions: spec.everyone_permissions,
                position: 0,
                color: 0,
                hoist: false,
                mentionable: false,
                managed_bot: None,
            },
        );
        guild.roles.insert(
            bot_role,
            RoleRec {
                id: bot_role,
                name: "crewclock-sim".into(),
                permissions: spec.bot_permissions,
                position: spec.bot_role_position,
                color: 0,
                hoist: false,
                mentionable: false,
                managed_bot: Some(st.bot_id),
            },
        );
        let bot = st.bot_id;
        for (user, roles) in [(owner, vec![]), (bot, vec![bot_role])] {
            guild.members.insert(
                user,
                MemberRec {
                    user_id: user,
                    nick: None,
                    roles,
                    joined_at: joined.clone(),
                },
            );
        }
        for (i, name) in spec.text_channels.iter().enumerate() {
            let cid = st.ids.next();
            guild.channels.insert(cid);
            st.channels.insert(
                cid,
                ChannelRec {
                    id: cid,
                    kind: ChannelKind::Text,
                    guild_id: Some(gid),
                    name: name.clone(),
                    topic: None,
                    parent_id: None,
                    position: i as u16,
                    overwrites: Default::default(),
                    recipient: None,
                },
            );
        }
        st.guilds.insert(gid, guild);
        if st.gw.session.is_some() {
            let g = st.guild_json(&st.guilds[&gid], true);
            st.send_event("GUILD_CREATE", g);
        }
        drop(st);
        self.notify();
        GuildId(gid)
    }

    /// Creates a role (GUILD_ROLE_CREATE when connected).
    pub fn add_role(&self, guild: GuildId, spec: RoleSpec) -> RoleId {
        let mut st = self.lock();
        let id = st.ids.next();
        let g = guild_mut(&mut st, guild);
        let position = spec
            .position
            .unwrap_or_else(|| g.roles.values().filter(|r| r.managed_bot.is_none()).count() as u16);
        let role = RoleRec {
            id,
            name: spec.name,
            permissions: spec.permissions,
            position,
            color: spec.color,
            hoist: spec.hoist,
            mentionable: spec.mentionable,
            managed_bot: None,
        };
        g.roles.insert(id, role.clone());
        let ev = json!({"guild_id": guild.0.to_string(), "role": st.role_json(&role)});
        if st.gw.session.is_some() {
            st.send_event("GUILD_ROLE_CREATE", ev);
        }
        drop(st);
        self.notify();
        RoleId(id)
    }

    /// Creates a guild channel (CHANNEL_CREATE when connected).
    pub fn add_channel(&self, guild: GuildId, spec: ChannelSpec) -> ChannelId {
        let mut st = self.lock();
        let id = st.ids.next();
        let g = guild_mut(&mut st, guild);
        let position = g.channels.len() as u16;
        g.channels.insert(id);
        let ch = ChannelRec {
            id,
            kind: spec.kind,
            guild_id: Some(guild.0),
            name: spec.name,
            topic: spec.topic,
            parent_id: spec.parent.map(|p| p.0),
            position,
            overwrites: spec.overwrites.into_iter().map(|o| (o.id, o)).collect(),
            recipient: None,
        };
        let json = st.channel_json(&ch);
        st.channels.insert(id, ch);
        if st.gw.session.is_some() {
            st.send_event("CHANNEL_CREATE", json);
        }
        drop(st);
        self.notify();
        ChannelId(id)
    }

    /// Adds a member to a guild (creating the user if the username is new; the same username
    /// is the same person everywhere). GUILD_MEMBER_ADD when connected.
    pub fn add_member(&self, guild: GuildId, spec: UserSpec) -> SimUser {
        let mut st = self.lock();
        let uid = ensure_user(&mut st, &spec);
        let g = guild_mut(&mut st, guild);
        for r in &spec.roles {
            assert!(
                g.roles.contains_key(&r.0),
                "discord-sim: role {r} is not a role of guild {guild}"
            );
        }
        let member = MemberRec {
            user_id: uid,
            nick: spec.nick.clone(),
            roles: spec.roles.iter().map(|r| r.0).collect(),
            joined_at: state::now_ts(),
        };
        g.members.insert(uid, member);
        if st.gw.session.is_some() {
            let ev = st.member_update_json(guild.0, uid);
            st.send_event("GUILD_MEMBER_ADD", ev);
        }
        drop(st);
        self.notify();
        SimUser {
            id: UserId(uid),
            username: spec.username,
            guild: Some(guild),
            permissions_override: None,
        }
    }

    /// A user known only outside guilds (for DM scenarios).
    pub fn add_user(&self, spec: UserSpec) -> SimUser {
        let id = ensure_user(&mut self.lock(), &spec);
        SimUser {
            id: UserId(id),
            username: spec.username,
            guild: None,
            permissions_override: None,
        }
    }

    /// The member called `username` in `guild`, added without roles if not there yet.
    pub fn user(&self, guild: GuildId, username: &str) -> SimUser {
        let existing = {
            let st = self.lock();
            st.users
                .values()
                .find(|u| u.username == username)
                .map(|u| u.id)
                .filter(|id| {
                    st.guilds
                        .get(&guild.0)
                        .is_some_and(|g| g.members.contains_key(id))
                })
        };
        match existing {
            Some(id) => SimUser {
                id: UserId(id),
                username: username.to_owned(),
                guild: Some(guild),
                permissions_override: None,
            },
            None => self.add_member(guild, UserSpec::new(username)),
        }
    }

    /// The guild's owner.
    pub fn owner(&self, guild: GuildId) -> SimUser {
        let st = self.lock();
        let id = st
            .guilds
            .get(&guild.0)
            .expect("discord-sim: unknown guild")
            .owner_id;
        SimUser {
            id: UserId(id),
            username: st.users[&id].username.clone(),
            guild: Some(guild),
            permissions_override: None,
        }
    }

    /// The channel called `name` in `guild` (panics if there is none).
    pub fn channel_by_name(&self, guild: GuildId, name: &str) -> ChannelId {
        let st = self.lock();
        let g = st.guilds.get(&guild.0).expect("discord-sim: unknown guild");
        g.channels
            .iter()
            .find(|c| st.channels[c].name == name)
            .map(|c| ChannelId(*c))
            .unwrap_or_else(|| panic!("discord-sim: guild {guild} has no channel #{name}"))
    }

    /// The role called `name` in `guild` (panics if there is none).
    pub fn role_by_name(&self, guild: GuildId, name: &str) -> RoleId {
        let st = self.lock();
        let g = st.guilds.get(&guild.0).expect("discord-sim: unknown guild");
        g.roles
            .values()
            .find(|r| r.name == name)
            .map(|r| RoleId(r.id))
            .unwrap_or_else(|| panic!("discord-sim: guild {guild} has no role {name:?}"))
    }

    /// The bot's managed role in `guild`.
    pub fn bot_role(&self, guild: GuildId) -> RoleId {
        RoleId(self.lock().guilds[&guild.0].bot_role)
    }

    /// Makes sending DMs to `user` fail with 403 `{"code": 50007}` (or allows them again).
    pub fn set_dms_closed(&self, user: &SimUser, closed: bool) {
        if let Some(u) = self.lock().users.get_mut(&user.id.0) {
            u.dms_closed = closed;
        }
    }

    /// Makes role changes and channel permission overwrites in `guild` fail with 403
    /// `{"message": "Missing Permissions", "code": 50013}`.
    pub fn deny_manage_roles(&self, guild: GuildId) {
        guild_mut(&mut self.lock(), guild).deny_manage_roles = true;
    }

    /// Undoes [`DiscordSim::deny_manage_roles`].
    pub fn allow_manage_roles(&self, guild: GuildId) {
        guild_mut(&mut self.lock(), guild).deny_manage_roles = false;
    }

    /// Sets the permissions of the bot's role in `guild`.
    pub fn set_bot_permissions(&self, guild: GuildId, bits: u64) {
        let mut st = self.lock();
        let g = guild_mut(&mut st, guild);
        let role = g.bot_role;
        if let Some(r) = g.roles.get_mut(&role) {
            r.permissions = bits;
        }
    }

    /// The member's current roles.
    pub fn member_roles(&self, guild: GuildId, user: &SimUser) -> Vec<RoleId> {
        let st = self.lock();
        st.guilds
            .get(&guild.0)
            .and_then(|g| g.members.get(&user.id.0))
            .map(|m| m.roles.iter().map(|r| RoleId(*r)).collect())
            .unwrap_or_default()
    }

    /// Whether the user is (still) a member of the guild.
    pub fn is_member(&self, guild: GuildId, user: &SimUser) -> bool {
        self.lock()
            .guilds
            .get(&guild.0)
            .is_some_and(|g| g.members.contains_key(&user.id.0))
    }

    /// The channel's permission overwrites.
    pub fn channel_overwrites(&self, channel: ChannelId) -> Vec<Overwrite> {
        self.lock()
            .channels
            .get(&channel.0)
            .map(|c| c.overwrites.values().cloned().collect())
            .unwrap_or_default()
    }

    /// The commands the bot registered: globally (`None`) or in a guild.
    pub fn registered_commands(&self, guild: Option<GuildId>) -> Vec<Value> {
        let st = self.lock();
        match guild {
            None => st.global_commands.clone(),
            Some(g) => st.guild_commands.get(&g.0).cloned().unwrap_or_default(),
        }
    }

    // ----- gateway -----------------------------------------------------------------------

    /// Waits until the bot identified and received READY and every GUILD_CREATE.
    pub async fn wait_ready(&self, timeout: Duration) {
        self.wait_for(
            timeout,
            "the bot to connect to the gateway and IDENTIFY",
            |st| (st.gw.ready && st.gw.current.is_some()).then_some(()),
        )
        .await
    }

    /// Waits until the bot identified once (events dispatched while it is reconnecting are
    /// replayed on RESUME, so helpers need not wait for the connection).
    pub(crate) async fn wait_identified(&self) {
        self.wait_for(
            self.default_timeout(),
            "the bot to connect to the gateway and IDENTIFY",
            |st| st.gw.ready.then_some(()),
        )
        .await
    }

    /// Waits until a gateway connection receives events again (after
    /// [`DiscordSim::disconnect_gateway`]).
    pub async fn wait_connected(&self, timeout: Duration) {
        self.wait_for(timeout, "the bot to reconnect to the gateway", |st| {
            st.gw.current.is_some().then_some(())
        })
        .await
    }

    /// Waits until the bot registered at least one command (globally or in any guild).
    pub async fn wait_commands_registered(&self, timeout: Duration) {
        self.wait_for(timeout, "the bot to register its commands", |st| {
            (!st.global_commands.is_empty() || st.guild_commands.values().any(|l| !l.is_empty()))
                .then_some(())
        })
        .await
    }

    /// Gateway counters.
    pub fn gateway_stats(&self) -> GatewayStats {
        let st = self.lock();
        GatewayStats {
            connected: st.gw.current.is_some(),
            identifies: st.gw.identifies,
            resumes: st.gw.resumes,
            disconnects: st.gw.disconnects,
            heartbeats: st.gw.heartbeats,
            replayed: st.gw.replayed,
            seq: st.gw.seq,
            intents: st.gw.intents,
        }
    }

    /// Dispatches a raw event (queued until READY; dropped when the bot lacks the intent).
    /// Returns its sequence number when sent.
    pub fn dispatch(&self, name: &str, data: Value) -> Option<u64> {
        let seq = self.lock().dispatch(name, data);
        self.notify();
        seq
    }

    /// Sends an earlier event again, unchanged but with a new sequence number (Discord does
    /// deliver duplicates). Returns the new sequence number.
    pub fn replay(&self, seq: u64) -> Option<u64> {
        let mut st = self.lock();
        let ev = st
            .gw
            .log
            .iter()
            .find(|(e, _)| e.seq == seq)
            .map(|(e, _)| e.clone())?;
        let out = st.send_event(&ev.name, ev.data);
        drop(st);
        self.notify();
        out
    }

    /// Every event dispatched in the current gateway session.
    pub fn dispatched(&self) -> Vec<DispatchedEvent> {
        self.lock().gw.log.iter().map(|(e, _)| e.clone()).collect()
    }

    /// Notes about events not sent (or blanked) because of missing intents.
    pub fn dropped_events(&self) -> Vec<String> {
        self.lock().gw.dropped.clone()
    }

    // ----- what users do -------------------------------------------------------------------

    /// `user` posts `content` in `channel` (MESSAGE_CREATE). Returns the stored message.
    pub async fn post(&self, user: &SimUser, channel: ChannelId, content: &str) -> SentMessage {
        self.post_message(user, channel, UserMessage::new(content))
            .await
    }

    /// `user` posts a message with attachments in `channel` (MESSAGE_CREATE).
    pub async fn post_message(
        &self,
        user: &SimUser,
        channel: ChannelId,
        message: UserMessage,
    ) -> SentMessage {
        self.wait_identified().await;
        let mut st = self.lock();
        let Some(ch) = st.channels.get(&channel.0) else {
            panic!("discord-sim: unknown channel {channel}");
        };
        let guild = ch.guild_id;
        if let Some(g) = guild {
            assert!(
                st.guilds[&g].members.contains_key(&user.id.0),
                "discord-sim: {} is not a member of the guild of channel {channel}",
                user.username
            );
        }
        let files: Vec<SentFile> = message
            .attachments
            .iter()
            .enumerate()
            .map(|(i, (name, bytes))| SentFile {
                field: format!("files[{i}]"),
                filename: name.clone(),
                content_type: None,
                bytes: bytes.clone(),
            })
            .collect();
        let body = json!({"content": message.content});
        let mid = st.create_message(channel.0, user.id.0, &body, &files, None, false);
        let json = user_message_json(&st, mid);
        st.dispatch("MESSAGE_CREATE", json);
        let msg = st.messages[&mid].msg.clone();
        drop(st);
        self.notify();
        msg
    }

    /// The author edits their message (MESSAGE_UPDATE with the full message).
    pub async fn edit_user_message(&self, message: MessageId, content: &str) -> SentMessage {
        self.wait_identified().await;
        let mut st = self.lock();
        assert!(
            st.messages.contains_key(&message.0),
            "discord-sim: unknown message {message}"
        );
        st.edit_message(message.0, &json!({"content": content}), &[]);
        let json = user_message_json(&st, message.0);
        st.dispatch("MESSAGE_UPDATE", json);
        let msg = st.messages[&message.0].msg.clone();
        drop(st);
        self.notify();
        msg
    }

    /// The message is deleted (MESSAGE_DELETE).
    pub async fn delete_message(&self, message: MessageId) {
        self.wait_identified().await;
        self.lock().delete_message(message.0, true);
        self.notify();
    }

    /// A moderator purges messages of one channel at once (MESSAGE_DELETE_BULK, as Discord
    /// sends for bulk deletes: one event with every id, no MESSAGE_DELETE per message).
    pub async fn bulk_delete_messages(&self, channel: ChannelId, messages: &[MessageId]) {
        self.wait_identified().await;
        let mut st = self.lock();
        let guild = st
            .channels
            .get(&channel.0)
            .unwrap_or_else(|| panic!("discord-sim: unknown channel {channel}"))
            .guild_id;
        for id in messages {
            assert!(
                st.messages
                    .get(&id.0)
                    .is_some_and(|m| m.msg.channel_id == channel),
                "discord-sim: message {id} is not in channel {channel}"
            );
            st.delete_message(id.0, false);
        }
        let ids: Vec<String> = messages.iter().map(|id| id.0.to_string()).collect();
        let mut event = json!({"ids": ids, "channel_id": channel.0.to_string()});
        if let Some(g) = guild {
            event["guild_id"] = json!(g.to_string());
        }
        st.dispatch("MESSAGE_DELETE_BULK", event);
        drop(st);
        self.notify();
    }

    /// A moderator sets the member's roles in the Discord client (GUILD_MEMBER_UPDATE).
    pub async fn set_member_roles(&self, guild: GuildId, user: &SimUser, roles: &[RoleId]) {
        self.wait_identified().await;
        let mut st = self.lock();
        let g = guild_mut(&mut st, guild);
        let m = g
            .members
            .get_mut(&user.id.0)
            .unwrap_or_else(|| panic!("discord-sim: {} is not a member", user.username));
        m.roles = roles.iter().map(|r| r.0).collect();
        let ev = st.member_update_json(guild.0, user.id.0);
        st.dispatch("GUILD_MEMBER_UPDATE", ev);
        drop(st);
        self.notify();
    }

    /// A moderator gives the member a role (GUILD_MEMBER_UPDATE).
    pub async fn add_member_role(&self, guild: GuildId, user: &SimUser, role: RoleId) {
        let mut roles = self.member_roles(guild, user);
        if !roles.contains(&role) {
            roles.push(role);
        }
        self.set_member_roles(guild, user, &roles).await;
    }

    /// A moderator takes a role from the member (GUILD_MEMBER_UPDATE).
    pub async fn remove_member_role(&self, guild: GuildId, user: &SimUser, role: RoleId) {
        let mut roles = self.member_roles(guild, user);
        roles.retain(|r| *r != role);
        self.set_member_roles(guild, user, &roles).await;
    }

    /// The member leaves (or is kicked from) the guild (GUILD_MEMBER_REMOVE).
    pub async fn remove_member(&self, guild: GuildId, user: &SimUser) {
        self.wait_identified().await;
        let mut st = self.lock();
        guild_mut(&mut st, guild).members.remove(&user.id.0);
        let ev = json!({"guild_id": guild.0.to_string(), "user": st.user_json(user.id.0)});
        st.dispatch("GUILD_MEMBER_REMOVE", ev);
        drop(st);
        self.notify();
    }

    // ----- what the bot sent -------------------------------------------------------------

    /// The latest version of a message.
    pub fn message(&self, id: MessageId) -> Option<SentMessage> {
        self.lock().messages.get(&id.0).map(|s| s.msg.clone())
    }

    /// Every version of a message, oldest first.
    pub fn message_history(&self, id: MessageId) -> Vec<SentMessage> {
        self.lock()
            .messages
            .get(&id.0)
            .map(|s| s.history.clone())
            .unwrap_or_default()
    }

    /// Messages in a channel (bot and users, ephemeral ones included), oldest first.
    pub fn messages_in(&self, channel: ChannelId) -> Vec<SentMessage> {
        self.lock()
            .messages
            .values()
            .filter(|s| s.msg.channel_id == channel)
            .map(|s| s.msg.clone())
            .collect()
    }

    /// Messages the bot sent to `user` in their DM channel, oldest first.
    pub fn dms_to(&self, user: &SimUser) -> Vec<SentMessage> {
        let ch = self.lock().users.get(&user.id.0).and_then(|u| u.dm_channel);
        ch.map(|c| self.messages_in(ChannelId(c)))
            .unwrap_or_default()
    }

    /// Waits until the bot has posted in `channel` a message matching `pred` (checked against
    /// latest versions) and returns it.
    ///
    /// `pred` runs with the simulator's state locked: it must not call the simulator.
    pub async fn wait_for_bot_message(
        &self,
        channel: ChannelId,
        timeout: Duration,
        pred: impl Fn(&SentMessage) -> bool,
    ) -> SentMessage {
        let bot = self.inner.bot_id;
        self.wait_for(
            timeout,
            &format!("a bot message in channel {channel}"),
            |st| {
                st.messages
                    .values()
                    .map(|s| &s.msg)
                    .find(|m| {
                        m.channel_id == channel && m.author_id.0 == bot && !m.deleted && pred(m)
                    })
                    .cloned()
            },
        )
        .await
    }

    /// Waits until `message` has a newer version than the one given (edited or deleted) and
    /// returns the latest version.
    pub async fn wait_for_update(&self, message: &SentMessage) -> SentMessage {
        let (id, edits, deleted) = (message.id.0, message.edits, message.deleted);
        self.wait_for(
            self.default_timeout(),
            &format!("message {id} to be edited"),
            |st| {
                st.messages
                    .get(&id)
                    .map(|s| &s.msg)
                    .filter(|m| m.edits > edits || m.deleted != deleted)
                    .cloned()
            },
        )
        .await
    }

    // ----- records -----------------------------------------------------------------------

    /// Every REST request so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.clone()
    }

    /// Requests with this method whose path (below `/api/v10`) starts with `path_prefix`.
    pub fn requests_matching(&self, method: &str, path_prefix: &str) -> Vec<RecordedRequest> {
        self.lock()
            .requests
            .iter()
            .filter(|r| r.matches(method, path_prefix))
            .cloned()
            .collect()
    }

    /// Waits for a request matching `pred` (earlier ones count too) and returns it.
    ///
    /// `pred` runs with the simulator's state locked: it must not call the simulator.
    pub async fn wait_for_request(
        &self,
        pred: impl Fn(&RecordedRequest) -> bool,
        timeout: Duration,
    ) -> RecordedRequest {
        self.wait_for(timeout, "a matching REST request", |st| {
            st.requests.iter().find(|r| pred(r)).cloned()
        })
        .await
    }

    /// Every rule broken so far.
    pub fn violations(&self) -> Vec<Violation> {
        self.lock().violations.clone()
    }

    /// Waits until at least one violation was recorded, and returns them all.
    pub async fn wait_for_violation(&self, timeout: Duration) -> Vec<Violation> {
        self.wait_for(timeout, "a violation to be recorded", |st| {
            (!st.violations.is_empty()).then(|| st.violations.clone())
        })
        .await
    }

    /// Requests to routes the simulator does not know (answered 404).
    pub fn unknown_routes(&self) -> Vec<RecordedRequest> {
        self.lock()
            .requests
            .iter()
            .filter(|r| r.route.is_none())
            .cloned()
            .collect()
    }

    /// Forgets recorded violations (e.g. after a test provoked one on purpose).
    pub fn clear_violations(&self) {
        self.lock().violations.clear();
    }

    /// Panics, listing them, if any violation or unknown route was recorded.
    pub fn assert_clean(&self) {
        let violations = self.violations();
        let unknown = self.unknown_routes();
        if violations.is_empty() && unknown.is_empty() {
            return;
        }
        let mut msg = String::from("discord-sim: the bot broke the rules:\n");
        for v in &violations {
            msg.push_str(&format!("  violation: {v}\n"));
        }
        for r in &unknown {
            msg.push_str(&format!("  unknown route: {r}\n"));
        }
        panic!("{msg}");
    }

    /// Waits until `f` returns `Some`, re-checking on every state change; panics after
    /// `timeout` with a description of what was awaited and of the simulator's state.
    pub(crate) async fn wait_for<T>(
        &self,
        timeout: Duration,
        what: &str,
        mut f: impl FnMut(&State) -> Option<T>,
    ) -> T {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.inner.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(v) = f(&self.lock()) {
                return v;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                if let Some(v) = f(&self.lock()) {
                    return v;
                }
                panic!(
                    "discord-sim: timed out after {timeout:?} waiting for {what}\n{}",
                    self.diagnostics()
                );
            }
        }
    }

    /// A summary of the simulator's state, for failure messages.
    pub fn diagnostics(&self) -> String {
        let st = self.lock();
        let mut out = format!(
            "gateway: connected={} identifies={} resumes={} disconnects={} seq={} intents={}\n",
            st.gw.current.is_some(),
            st.gw.identifies,
            st.gw.resumes,
            st.gw.disconnects,
            st.gw.seq,
            st.gw.intents
        );
        if st.gw.identifies == 0 {
            out.push_str(
                "  (the bot never sent IDENTIFY: is it started with HttpBuilder::proxy(sim.base_url()) \
                 and ratelimiter_disabled(true)?)\n",
            );
        }
        for d in st.gw.dropped.iter().rev().take(5) {
            out.push_str(&format!("  {d}\n"));
        }
        let n = st.requests.len();
        out.push_str(&format!("last requests ({n} in all):\n"));
        for r in st.requests.iter().skip(n.saturating_sub(12)) {
            out.push_str(&format!("  {r}\n"));
        }
        if !st.violations.is_empty() {
            out.push_str("violations:\n");
            for v in &st.violations {
                out.push_str(&format!("  {v}\n"));
            }
        }
        out
    }
}

fn ensure_user(st: &mut State, spec: &UserSpec) -> u64 {
    if let Some(u) = st.users.values_mut().find(|u| u.username == spec.username) {
        if spec.global_name.is_some() {
            u.global_name = spec.global_name.clone();
        }
        return u.id;
    }
    let id = st.ids.next();
    st.users.insert(
        id,
        UserRec {
            id,
            username: spec.username.clone(),
            global_name: spec.global_name.clone(),
            bot: spec.bot,
            dms_closed: false,
            dm_channel: None,
        },
    );
    id
}

fn guild_mut(st: &mut State, guild: GuildId) -> &mut GuildRec {
    st.guilds
        .get_mut(&guild.0)
        .unwrap_or_else(|| panic!("discord-sim: unknown guild {guild}"))
}

/// MESSAGE_CREATE/UPDATE payload of a user's message: the message plus `member` in guilds.
fn user_message_json(st: &State, mid: u64) -> Value {
    let stored = &st.messages[&mid];
    let mut v = st.message_json(stored);
    if let Some(g) = stored.guild_id.and_then(|g| st.guilds.get(&g)) {
        if let Some(m) = g.members.get(&stored.msg.author_id.0) {
            v["member"] = st.member_json(g, m, false);
        }
    }
    v
}
