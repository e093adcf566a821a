//! The simulator's self-test: a tiny poise bot (tests/bot) on the real serenity client,
//! driven through every piece of the simulator.

mod bot;

use std::time::Duration;

use discord_sim::{
    opt, perms, ChannelId, DiscordSim, GuildId, GuildSpec, OverwriteKind, RoleSpec, UserMessage,
    UserSpec, ViolationKind,
};
use poise::serenity_prelude as serenity;
use serde_json::{json, Value};

const T: Duration = Duration::from_secs(5);

struct World {
    sim: DiscordSim,
    guild: GuildId,
    general: ChannelId,
    log: ChannelId,
    _bot: tokio::task::JoinHandle<()>,
}

async fn world() -> World {
    let sim = DiscordSim::start().await;
    let guild = sim.add_guild(GuildSpec::new("Acme").owner("olivia").text_channel("log"));
    let general = sim.channel_by_name(guild, "general");
    let log = sim.channel_by_name(guild, "log");
    let bot = bot::start(&sim).await;
    sim.wait_ready(T).await;
    sim.wait_commands_registered(T).await;
    World {
        sim,
        guild,
        general,
        log,
        _bot: bot,
    }
}

/// A serenity HTTP client pointed at the simulator, for requests the bot would not make.
fn raw_http(sim: &DiscordSim) -> serenity::Http {
    let http = serenity::HttpBuilder::new(discord_sim::TOKEN)
        .proxy(sim.base_url())
        .ratelimiter_disabled(true)
        .build();
    http.set_application_id(serenity::ApplicationId::new(sim.application_id()));
    http
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ping_replies_pong_with_explicit_allowed_mentions() {
    let w = world().await;
    let alice = w.sim.user(w.guild, "alice");

    let reply = w
        .sim
        .command(&alice, w.general, "ping", ())
        .await
        .reply()
        .await;

    assert_eq!(reply.content, "pong");
    assert!(!reply.ephemeral());
    assert_eq!(
        reply.allowed_mentions,
        Some(json!({"parse": [], "users": [], "roles": []}))
    );
    assert!(reply.pings().is_empty());
    let names: Vec<Value> = w
        .sim
        .registered_commands(None)
        .iter()
        .map(|c| c["name"].clone())
        .collect();
    assert!(names.contains(&json!("ping")) && names.contains(&json!("team")));
    w.sim.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_work_in_dms_too() {
    let w = world().await;
    let dora = w.sim.add_user(UserSpec::new("dora"));

    let reply = w.sim.command_in_dm(&dora, "ping", ()).await.reply().await;

    assert_eq!(reply.content, "pong");
    assert_eq!(reply.channel_id, w.sim.dm_channel(&dora));
    w.sim.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subcommand_group_with_a_user_option_answers_ephemerally() {
    let w = world().await;
    let alice = w
        .sim
        .add_member(w.guild, UserSpec::new("alice").nick("Ali"));
    let bob = w.sim.user(w.guild, "bob");

    let reply = w
        .sim
        .command(
            &alice,
            w.general,
            "team member info",
            [opt::user("who", bob.id)],
        )
        .await
        .reply()
        .await;

    assert!(reply.ephemeral());
    assert_eq!(reply.content, format!("{} is bob (asked by Ali)", bob.id));
    w.sim.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_option_type_reaches_the_bot() {
    let w = world().await;
    let alice = w.sim.user(w.guild, "alice");
    let bob = w
        .sim
        .add_member(w.guild, UserSpec::new("bob").global_name("Bobby"));
    let role = w.sim.add_role(w.guild, RoleSpec::new("member"));

    let reply = w
        .sim
        .command(
            &alice,
            w.general,
            "team echo",
            [
                opt::string("s", "hi"),
                opt::integer("i", -3),
                opt::number("n", 1.5),
                opt::boolean("b", true),
                opt::user("u", bob.id),
                opt::role("r", role),
                opt::channel("c", w.log),
                opt::user("m", bob.id),
                opt::attachment("a", "notes.txt", "file body"),
            ],
        )
        .await
        .reply()
        .await;

    assert_eq!(
        reply.content,
        "s=hi i=-3 n=1.5 b=true u=bob r=member c=log m=Bobby a=notes.txt=file body"
    );
    w.sim.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn autocomplete_offers_choices() {
    let w = world().await;
    let alice = w.sim.user(w.guild, "alice");

    let choices = w
        .sim
        .autocomplete(&alice, w.general, "fruit", [opt::focused("name", "ap")])
        .await
        .choices()
        .await;
    let names: Vec<&str> = choices.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["apple", "apricot"]);

    let reply = w
        .sim
        .command(&alice, w.general, "fruit", [opt::string("name", "apple")])
        .await
        .reply()
        .await;
    assert_eq!(reply.content, "you picked apple");
    w.sim.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_button_click_is_collected_and_the_message_edited() {
    let w = world().await;
    let alice = w.sim.user(w.guild, "alice");
    let bob = w.sim.user(w.guild, "bob");

    let reply = w
        .sim
        .command(&alice, w.general, "confirm", ())
        .await
        .reply()
        .await;
    let buttons = reply.buttons();
    assert_eq!(buttons.len(), 1);
    assert_eq!(buttons[0].label.as_deref(), Some("Yes"));
    assert_eq!((buttons[0].style, buttons[0].disabled), (3, false));

    let click = w.sim.click_label(&bob, &reply, "Yes").await;
    assert_eq!(click.response().await.kind, 6);
    let edited = w.sim.wait_for_update(&reply).await;

    assert_eq!(edited.content, "Confirmed by bob");
    assert!(edited.buttons()[0].disabled);
    assert_eq!(w.sim.message_history(reply.id).len(), 2);
    w.sim.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buttons_and_select_menus_update_the_message_in_place() {
    let w = world().await;
    let alice = w.sim.user(w.guild, "alice");

    let counter = w
        .sim
        .command(&alice, w.general, "counter", ())
        .await
        .reply()
        .await;
    assert_eq!(counter.content, "count: 0");

    let click = w.sim.click_label(&alice, &counter, "+1").await;
    assert_eq!(click.response().await.kind, 7);
    let one = click.reply().await;
    assert_eq!((one.id, one.content.as_str()), (counter.id, "count: 1"));

    let picked = w
        .sim
        .select(&alice, &one, "count:set", &["10"])
        .await
        .reply()
        .await;
    assert_eq!(picked.content, "count: 10");
    assert_eq!(
        w.sim.message(counter.id).expect("stored").content,
        "count: 10"
    );
    assert_eq!(w.sim.message_history(counter.id).len(), 3);
    w.sim.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dms_are_sent_and_closed_dms_are_reported() {
    let w = world().await;
    let alice = w.sim.user(w.guild, "alice");
    let bob = w.sim.user(w.guild, "bob");
    let carol = w.sim.user(w.guild, "carol");
    w.sim.set_dms_closed(&carol, true);

    let ok = w
        .sim
        .command(&alice, w.general, "dm", [opt::user("who", bob.id)])
        .await
        .reply()
        .await;
    assert_eq!(ok.content, "sent a DM to bob");
    let dms = w.sim.dms_to(&bob);
    assert_eq!(dms.len(), 1);
    assert_eq!(dms[0].content, "hello from alice");

    let closed = w
        .sim
        .command(&alice, w.general, "dm", [opt::user("who", carol.id)])
        .await
        .reply()
        .await;
    assert_eq!(closed.content, "could not DM carol: their DMs are closed");
    let refused = w.sim.requests_matching("POST", "/channels/");
    assert_eq!(refused.last().map(|r| r.status), Some(403));
    assert_eq!(
        w.sim.requests_matching("POST", "/users/@me/channels").len(),
        2
    );
    w.sim.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_are_granted_through_rest_and_the_update_is_dispatched() {
    let w = world().await;
    let role = w.sim.add_role(w.guild, RoleSpec::new("member"));
    let manager = w.sim.add_role(
        w.guild,
        RoleSpec::new("manager").permissions(perms::MANAGE_ROLES),
    );
    let alice = w
        .sim
        .add_member(w.guild, UserSpec::new("alice").role(manager));
    let bob = w.sim.user(w.guild, "bob");

    let reply = w
        .sim
        .command(
            &alice,
            w.general,
            "grant",
            [opt::user("who", bob.id), opt::role("role", role)],
        )
        .await
        .reply()
        .await;

    assert_eq!(reply.content, "gave member to bob");
    assert_eq!(w.sim.member_roles(w.guild, &bob), vec![role]);
    let log = w
        .sim
        .wait_for_bot_message(w.log, T, |m| m.content.starts_with("roles of bob"))
        .await;
    assert_eq!(log.content, format!("roles of bob: [{role}]"));

    // With Manage Roles denied, Discord answers 403 Missing Permissions.
    w.sim.deny_manage_roles(w.guild);
    let carol = w.sim.user(w.guild, "carol");
    let denied = w
        .sim
        .command(
            &alice.with_permissions(perms::MANAGE_ROLES),
            w.general,
            "grant",
            [opt::user("who", carol.id), opt::role("role", role)],
        )
        .await
        .reply()
        .await;
    assert_eq!(denied.content, "failed: Missing Permissions (50013)");
    assert!(w.sim.member_roles(w.guild, &carol).is_empty());
    w.sim.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn channel_overwrites_are_recorded() {
    let w = world().await;
    let alice = w.sim.owner(w.guild);
    let guests = w.sim.add_role(w.guild, RoleSpec::new("guests"));

    let reply = w
        .sim
        .command(
            &alice,
            w.general,
            "hide",
            [opt::channel("channel", w.log), opt::role("role", guests)],
        )
        .await
        .reply()
        .await;

    assert_eq!(reply.content, "hidden");
    let overwrites = w.sim.channel_overwrites(w.log);
    assert_eq!(overwrites.len(), 1);
    assert_eq!(overwrites[0].id, guests.get());
    assert_eq!(overwrites[0].kind, OverwriteKind::Role);
    assert_eq!(overwrites[0].deny, perms::VIEW_CHANNEL);
    w.sim.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deferred_replies_come_as_follow_ups_with_attachments() {
    let w = world().await;
    let alice = w.sim.user(w.guild, "alice");

    let slow = w.sim.command(&alice, w.general, "slow", ()).await;
    let response = slow.response().await;
    assert_eq!(response.kind, 5);
    assert!(response.ephemeral());

    let first = slow.reply().await;
    assert_eq!(first.content, "first");
    assert!(
        first.ephemeral(),
        "the deferral decides the ephemeral state"
    );
    let all = slow.wait_for_messages(2).await;
    assert_eq!(all[1].content, "second");
    let csv = all[1].attachment("report.csv").expect("report.csv");
    assert_eq!(csv.text(), "a,b\n1,2\n");
    assert_eq!(slow.followups().len(), 2);
    let multipart = w.sim.requests_matching("POST", "/webhooks/");
    assert_eq!(multipart[1].files[0].filename, "report.csv");
    w.sim.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn message_events_reach_the_event_handler_and_can_be_replayed() {
    let w = world().await;
    let alice = w.sim.user(w.guild, "alice");

    let posted = w
        .sim
        .post_message(
            &alice,
            w.general,
            UserMessage::new("hello").attachment("notes.txt", "n"),
        )
        .await;
    let echo = w
        .sim
        .wait_for_bot_message(w.general, T, |m| m.content.starts_with("echo:"))
        .await;
    assert_eq!(echo.content, "echo: hello [\"notes.txt\"]");

    w.sim.edit_user_message(posted.id, "hello again").await;
    w.sim
        .wait_for_bot_message(w.general, T, |m| m.content == "edited: hello again")
        .await;

    w.sim.delete_message(posted.id).await;
    w.sim
        .wait_for_bot_message(w.general, T, |m| {
            m.content == format!("deleted: {}", posted.id)
        })
        .await;

    // Discord may deliver an event twice: replay the MESSAGE_CREATE.
    let seq = w
        .sim
        .dispatched()
        .iter()
        .find(|e| e.name == "MESSAGE_CREATE" && e.data["content"] == "hello")
        .map(|e| e.seq)
        .expect("MESSAGE_CREATE was dispatched");
    let first_echo = echo_request_index(&w.sim);
    w.sim.replay(seq).expect("replayed");
    w.sim
        .wait_for_request(
            |r| {
                r.method == "POST"
                    && r.path.ends_with("/messages")
                    && r.json()["content"] == "echo: hello [\"notes.txt\"]"
                    && r.index > first_echo
            },
            T,
        )
        .await;
    w.sim.assert_clean();
}

fn echo_request_index(sim: &DiscordSim) -> usize {
    sim.requests()
        .iter()
        .find(|r| r.json()["content"] == "echo: hello [\"notes.txt\"]")
        .map(|r| r.index)
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn member_updates_and_departures_reach_the_bot() {
    let w = world().await;
    let bob = w.sim.user(w.guild, "bob");
    let role = w.sim.add_role(w.guild, RoleSpec::new("viewer"));

    w.sim.add_member_role(w.guild, &bob, role).await;
    w.sim
        .wait_for_bot_message(w.log, T, |m| m.content == format!("roles of bob: [{role}]"))
        .await;

    w.sim.remove_member(w.guild, &bob).await;
    w.sim
        .wait_for_bot_message(w.log, T, |m| m.content == "bob left")
        .await;
    assert!(!w.sim.is_member(w.guild, &bob));
    w.sim.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bot_resumes_after_a_forced_gateway_reconnect() {
    let w = world().await;
    let alice = w.sim.user(w.guild, "alice");

    w.sim.disconnect_gateway();
    // Sent while disconnected: replayed when the bot resumes.
    let ping = w.sim.command(&alice, w.general, "ping", ()).await;
    w.sim.wait_connected(T).await;
    assert_eq!(ping.reply().await.content, "pong");

    let again = w
        .sim
        .command(&alice, w.general, "ping", ())
        .await
        .reply()
        .await;
    assert_eq!(again.content, "pong");
    let stats = w.sim.gateway_stats();
    assert_eq!(
        (stats.identifies, stats.resumes, stats.disconnects),
        (1, 1, 1)
    );
    assert!(stats.replayed >= 1, "{stats:?}");
    assert!(stats.connected);
    w.sim.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_2001_character_reply_is_a_limit_violation() {
    let w = world().await;
    let alice = w.sim.user(w.guild, "alice");

    let long = w.sim.command(&alice, w.general, "long", ()).await;
    // Discord answers 400; the bot falls back to a short reply.
    assert_eq!(long.reply().await.content, "too long");

    let violations = w.sim.violations();
    let limit: Vec<_> = violations
        .iter()
        .filter(|v| v.kind == ViolationKind::Limit)
        .collect();
    assert_eq!(limit.len(), 1, "{violations:#?}");
    assert_eq!(limit[0].message, "content is 2001 characters (max 2000)");
    assert_eq!(w.sim.requests()[limit[0].request_index].status, 400);
    if discord_sim::spec_available() {
        assert!(
            violations
                .iter()
                .any(|v| v.kind == ViolationKind::Spec && v.message.contains("/data/content")),
            "{violations:#?}"
        );
    }
    let clean = std::panic::catch_unwind(|| w.sim.assert_clean());
    assert!(clean.is_err(), "assert_clean must fail on a violation");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_serenity_does_not_check_are_caught_too() {
    let w = world().await;
    let alice = w.sim.user(w.guild, "alice");

    let wide = w.sim.command(&alice, w.general, "wide", ()).await;
    assert_eq!(wide.reply().await.content, "too wide");

    let limit: Vec<_> = w
        .sim
        .violations()
        .into_iter()
        .filter(|v| v.kind == ViolationKind::Limit)
        .collect();
    assert_eq!(limit.len(), 1, "{limit:#?}");
    assert_eq!(limit[0].message, "6 action rows (max 5)");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_only_the_openapi_schema_rejects_is_a_spec_violation() {
    if !discord_sim::spec_available() {
        eprintln!("SKIPPED: Discord's OpenAPI description is not available");
        return;
    }
    let w = world().await;
    let alice = w.sim.user(w.guild, "alice");

    let reply = w
        .sim
        .command(&alice, w.general, "badstyle", ())
        .await
        .reply()
        .await;
    assert_eq!(reply.content, "odd button");

    let violations = w.sim.wait_for_violation(T).await;
    assert!(
        violations.iter().all(|v| v.kind == ViolationKind::Spec),
        "{violations:#?}"
    );
    assert!(
        violations[0]
            .message
            .contains("/data/components/0/components/0"),
        "{violations:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_allowed_mentions_and_pings_are_detected() {
    let w = world().await;
    let alice = w.sim.user(w.guild, "alice");

    // poise's default allowed mentions parse users: the reply pings the author.
    let loud = w
        .sim
        .command(&alice, w.general, "loud", ())
        .await
        .reply()
        .await;
    assert_eq!(loud.pings().users, vec![alice.id]);
    w.sim.assert_clean();

    // A message without allowed_mentions breaks our rule, and would ping @everyone.
    let http = raw_http(&w.sim);
    serenity::ChannelId::new(w.general.get())
        .send_message(
            &http,
            serenity::CreateMessage::new().content("@everyone look"),
        )
        .await
        .expect("sent");
    let violations = w.sim.violations();
    assert_eq!(violations.len(), 1);
    assert_eq!(violations[0].kind, ViolationKind::AllowedMentions);
    let sent = w
        .sim
        .messages_in(w.general)
        .last()
        .cloned()
        .expect("message");
    assert!(sent.pings().everyone);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn modals_open_and_submit() {
    let w = world().await;
    let alice = w.sim.user(w.guild, "alice");

    let modal = w
        .sim
        .command(&alice, w.general, "feedback", ())
        .await
        .modal()
        .await;
    assert_eq!(modal.title, "Feedback");
    let submitted = w
        .sim
        .submit_modal(&alice, &modal, &[("text", "great")])
        .await;

    assert_eq!(submitted.response().await.kind, 6);
    assert_eq!(submitted.reply().await.content, "thanks for: great");
    w.sim.assert_clean();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replayed_interactions_and_unknown_routes_are_reported() {
    let w = world().await;
    let alice = w.sim.user(w.guild, "alice");
    let ping = w.sim.command(&alice, w.general, "ping", ()).await;
    ping.reply().await;

    // A replayed INTERACTION_CREATE makes the bot acknowledge twice: Discord answers 400.
    let seq = w
        .sim
        .dispatched()
        .iter()
        .find(|e| e.name == "INTERACTION_CREATE")
        .map(|e| e.seq)
        .expect("dispatched");
    w.sim.replay(seq);
    let violations = w.sim.wait_for_violation(T).await;
    assert_eq!(violations[0].kind, ViolationKind::Protocol);
    assert!(violations[0].message.contains("acknowledged twice"));
    w.sim.clear_violations();

    let http = raw_http(&w.sim);
    let err = http
        .get_guild_webhooks(serenity::GuildId::new(w.guild.get()))
        .await;
    assert!(err.is_err());
    assert_eq!(w.sim.unknown_routes().len(), 1);
    assert!(std::panic::catch_unwind(|| w.sim.assert_clean()).is_err());
}

/// Every payload the simulator produced must parse into serenity's models: a missing field
/// would make serenity drop the event silently.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_payload_parses_in_serenity() {
    let w = world().await;
    let alice = w.sim.user(w.guild, "alice");
    let bob = w.sim.user(w.guild, "bob");
    let role = w
        .sim
        .add_role(w.guild, RoleSpec::new("member").mentionable());
    w.sim.add_channel(
        w.guild,
        discord_sim::ChannelSpec::text("later").overwrite(discord_sim::Overwrite {
            id: role.get(),
            kind: OverwriteKind::Role,
            allow: perms::VIEW_CHANNEL,
            deny: 0,
        }),
    );
    w.sim.add_guild(GuildSpec::new("Second"));

    w.sim
        .command(
            &alice,
            w.general,
            "team member info",
            [opt::user("who", bob.id)],
        )
        .await
        .reply()
        .await;
    w.sim
        .autocomplete(&alice, w.general, "fruit", [opt::focused("name", "b")])
        .await
        .choices()
        .await;
    let confirm = w
        .sim
        .command(&alice, w.general, "confirm", ())
        .await
        .reply()
        .await;
    w.sim
        .click_label(&alice, &confirm, "Yes")
        .await
        .response()
        .await;
    let modal = w
        .sim
        .command(&alice, w.general, "feedback", ())
        .await
        .modal()
        .await;
    w.sim
        .submit_modal(&alice, &modal, &[("text", "ok")])
        .await
        .reply()
        .await;
    let posted = w
        .sim
        .post_message(
            &alice,
            w.general,
            UserMessage::new("hi").attachment("a.txt", "a"),
        )
        .await;
    w.sim.edit_user_message(posted.id, "hi!").await;
    w.sim.delete_message(posted.id).await;
    w.sim.add_member_role(w.guild, &bob, role).await;
    w.sim.remove_member(w.guild, &bob).await;
    w.sim.command_in_dm(&alice, "ping", ()).await.reply().await;
    w.sim
        .wait_for_bot_message(w.log, T, |m| m.content == "bob left")
        .await;

    let mut names = std::collections::BTreeSet::new();
    for ev in w.sim.dispatched() {
        let frame = json!({"op": 0, "s": ev.seq, "t": ev.name, "d": ev.data});
        let parsed: serenity::GatewayEvent = serde_json::from_value(frame)
            .unwrap_or_else(|e| panic!("{} does not parse: {e}\n{}", ev.name, ev.data));
        match parsed {
            serenity::GatewayEvent::Dispatch(_, serenity::Event::Unknown(u)) => {
                panic!("serenity sees {} as Unknown: {:?}", ev.name, u)
            }
            serenity::GatewayEvent::Dispatch(..) => {}
            other => panic!("{} parsed as {other:?}", ev.name),
        }
        names.insert(ev.name);
    }
    for name in [
        "READY",
        "GUILD_CREATE",
        "GUILD_ROLE_CREATE",
        "CHANNEL_CREATE",
        "GUILD_MEMBER_ADD",
        "INTERACTION_CREATE",
        "MESSAGE_CREATE",
        "MESSAGE_UPDATE",
        "MESSAGE_DELETE",
        "GUILD_MEMBER_UPDATE",
        "GUILD_MEMBER_REMOVE",
    ] {
        assert!(names.contains(name), "{name} was not dispatched: {names:?}");
    }

    // REST answers parse into the types serenity expects.
    let http = raw_http(&w.sim);
    let g = serenity::GuildId::new(w.guild.get());
    http.get_guild(g).await.expect("PartialGuild");
    http.get_guild_roles(g).await.expect("Vec<Role>");
    http.get_member(g, serenity::UserId::new(alice.id.get()))
        .await
        .expect("Member");
    http.get_channel(serenity::ChannelId::new(w.general.get()))
        .await
        .expect("Channel");
    http.get_message(
        serenity::ChannelId::new(w.general.get()),
        serenity::MessageId::new(confirm.id.get()),
    )
    .await
    .expect("Message");
    http.get_current_user().await.expect("CurrentUser");
    http.get_current_application_info()
        .await
        .expect("CurrentApplicationInfo");
    http.create_private_channel(&json!({"recipient_id": alice.id.to_string()}))
        .await
        .expect("PrivateChannel");
    http.get_global_commands().await.expect("Vec<Command>");
    http.get_gateway().await.expect("Gateway");
    w.sim.assert_clean();
}
