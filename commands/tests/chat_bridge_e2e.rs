//! The chat bridge through the real bot (poise + serenity) and the Discord simulator's
//! gateway, on SQLite and PostgreSQL: messages in a share's guest channel become the guest
//! chat (author, text, attachments, time), those in its team channel the members chat, those
//! elsewhere nothing; edits keep history; deletes (one or in bulk) are marked; a dispatch sent
//! twice, and events missed during a disconnect and replayed on RESUME, are stored once; the
//! bot's own posts, other bots' and webhooks' are not chat. Then the guest asks for her page
//! with `/me project-link` and opens it through the real web router: the guest chat as
//! bridged, never the members chat; `/report links` lists it and `/report revoke` closes it.
//!
//! The share is made through the core (`app::sharing::share_project`), so this suite doesn't
//! depend on the `/share` commands.

mod support;

use std::future::Future;
use std::time::Duration;

use axum::http::StatusCode;
use crewclock::app::projects::{self, CreateProject};
use crewclock::app::sharing;
use crewclock::domain::projects::Privacy;
use crewclock::domain::{ChannelId, GuildId, UserId};
use crewclock::store::sharing::{ChatKind, ChatMessage};
use crewclock::store::{self};
use crewclock::{Actor, App};
use discord_sim::{ChannelSpec, MessageId, SimUser, UserMessage, UserSpec};
use serde_json::{json, Value};
use support::{opt, private_reply, World, PUBLIC_URL};

const WAIT: Duration = Duration::from_secs(10);

/// Polls `probe` until it yields, failing loudly with `what` after [`WAIT`].
async fn eventually<T, F, Fut>(what: &str, probe: F) -> T
where
    F: Fn() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let started = std::time::Instant::now();
    loop {
        if let Some(found) = probe().await {
            return found;
        }
        assert!(
            started.elapsed() < WAIT,
            "timed out after {WAIT:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn find(app: &App, kind: ChatKind, channel: u64, id: MessageId) -> Option<ChatMessage> {
    let mut conn = app.store.conn().await.unwrap();
    store::sharing::find_message(&mut conn, kind, ChannelId(channel), id.0)
        .await
        .unwrap()
}

/// Rows stored for a Discord message id, in any chat.
async fn rows_for(app: &App, id: MessageId) -> i64 {
    use sqlx::Row;
    let mut conn = app.store.conn().await.unwrap();
    sqlx::query("SELECT COUNT(*) AS n FROM chat_messages WHERE message_id = $1")
        .bind(id.0 as i64)
        .fetch_one(&mut *conn)
        .await
        .unwrap()
        .try_get("n")
        .unwrap()
}

async fn all_rows(app: &App) -> i64 {
    use sqlx::Row;
    let mut conn = app.store.conn().await.unwrap();
    sqlx::query("SELECT COUNT(*) AS n FROM chat_messages")
        .fetch_one(&mut *conn)
        .await
        .unwrap()
        .try_get("n")
        .unwrap()
}

struct Share {
    guest: u64,
    team: u64,
    cara: SimUser,
    bob: SimUser,
}

impl Share {
    /// Cara posts a marker in the guest channel and the test waits until it is stored: events
    /// sent before it have been handled by then (or were dropped), so "not stored" can be
    /// checked without sleeping blindly.
    async fn barrier(&self, w: &World, label: &str) -> MessageId {
        let marker = w
            .sim
            .post(&self.cara, discord_sim::ChannelId(self.guest), label)
            .await;
        let app = &w.app;
        eventually(&format!("the marker '{label}' to be bridged"), || async {
            find(app, ChatKind::Guest, self.guest, marker.id).await
        })
        .await;
        // Handlers run concurrently; give any earlier one a moment to finish its write.
        tokio::time::sleep(Duration::from_millis(150)).await;
        marker.id
    }
}

async fn set_up(w: &World) -> Share {
    w.create_workspace().await;
    let alice = Actor::in_guild(GuildId(w.guild.0), UserId(w.alice.id.0), "alice");
    projects::create_project(
        &w.app,
        &alice,
        CreateProject {
            name: "Website".into(),
            client: None,
            privacy: Some(Privacy::Public),
            color: None,
            billable_default: None,
        },
    )
    .await
    .unwrap();
    let guest = w
        .sim
        .add_channel(w.guild, ChannelSpec::text("website-guests"));
    let team = w
        .sim
        .add_channel(w.guild, ChannelSpec::text("website-team"));
    let cara = w.person("cara");
    let bob = w.person("bob");
    w.join(&bob, "Member").await;
    sharing::share_project(
        &w.app,
        &alice,
        "Website",
        ChannelId(guest.0),
        &[(UserId(cara.id.0), "Cara".into())],
        "stage,tasks",
    )
    .await
    .unwrap();
    sharing::link_team_channel(&w.app, &alice, "Website", Some(ChannelId(team.0)))
        .await
        .unwrap();
    Share {
        guest: guest.0,
        team: team.0,
        cara,
        bob,
    }
}

/// The gateway event that carried message `id` (the latest of that kind).
fn dispatched_seq(w: &World, name: &str, id: MessageId) -> u64 {
    w.sim
        .dispatched()
        .into_iter()
        .rev()
        .find(|e| e.name == name && e.data["id"].as_str() == Some(id.0.to_string().as_str()))
        .unwrap_or_else(|| panic!("no {name} for message {id:?} was dispatched"))
        .seq
}

async fn open(w: &World, url: &str) -> (StatusCode, String) {
    support::open_link(&w.app, url).await
}

async fn messages_edits_deletes_and_replays_are_bridged_once(w: &World) {
    let s = set_up(w).await;
    let app = &w.app;
    let guest = discord_sim::ChannelId(s.guest);
    let team = discord_sim::ChannelId(s.team);

    // A guest's message with an attachment: stored with author, text, file and time.
    let hello = w
        .sim
        .post_message(
            &s.cara,
            guest,
            UserMessage::new("Hello <b>team</b> @everyone").attachment("brief.pdf", b"%PDF-1.4"),
        )
        .await;
    let stored = eventually("the guest's message to be bridged", || async {
        find(app, ChatKind::Guest, s.guest, hello.id).await
    })
    .await;
    assert_eq!(stored.author, UserId(s.cara.id.0));
    assert_eq!(stored.content, "Hello <b>team</b> @everyone");
    assert_eq!(stored.attachments.len(), 1);
    assert_eq!(stored.attachments[0].name, "brief.pdf");
    assert!(
        stored.attachments[0].url.starts_with(&w.sim.base_url())
            && stored.attachments[0].url.ends_with("/brief.pdf"),
        "{:?}",
        stored.attachments[0]
    );
    let age = crewclock::app::Clock::now(&crewclock::app::SystemClock) - stored.created_at;
    assert!(
        age >= chrono::Duration::zero() && age < chrono::Duration::seconds(60),
        "stored with Discord's time: {}",
        stored.created_at
    );

    // The team channel is the members chat.
    let internal = w.sim.post(&s.bob, team, "internal: margin is thin").await;
    let kept = eventually("the team message to be bridged", || async {
        find(app, ChatKind::Members, s.team, internal.id).await
    })
    .await;
    assert_eq!(kept.author, UserId(s.bob.id.0));
    assert!(find(app, ChatKind::Guest, s.team, internal.id)
        .await
        .is_none());

    // Anywhere else: nothing.
    let lunch = w.sim.post(&s.bob, w.general, "lunch?").await;
    s.barrier(w, "after lunch").await;
    assert_eq!(rows_for(app, lunch.id).await, 0, "#general is not bridged");

    // An edit replaces the text and keeps the old one as history.
    w.sim
        .edit_user_message(hello.id, "Hello team, updated")
        .await;
    let edited = eventually("the edit to be bridged", || async {
        find(app, ChatKind::Guest, s.guest, hello.id)
            .await
            .filter(|m| m.content == "Hello team, updated")
    })
    .await;
    assert!(edited.edited_at.is_some());
    let history = {
        let mut conn = app.store.conn().await.unwrap();
        store::sharing::edits_of(&mut conn, edited.id)
            .await
            .unwrap()
    };
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].content, "Hello <b>team</b> @everyone");

    // An update that is no edit (Discord adding a link preview: no new edit time) changes
    // nothing.
    let update = w
        .sim
        .dispatched()
        .into_iter()
        .rev()
        .find(|e| e.name == "MESSAGE_UPDATE" && e.data["id"] == json!(hello.id.0.to_string()))
        .expect("the edit's event")
        .data;
    let mut unfurl = update.clone();
    unfurl["edited_timestamp"] = Value::Null;
    unfurl["content"] = json!("preview noise");
    w.sim.dispatch("MESSAGE_UPDATE", unfurl);

    // The same dispatches again (Discord does send duplicates): nothing changes.
    let before = all_rows(app).await;
    w.sim
        .replay(dispatched_seq(w, "MESSAGE_CREATE", hello.id))
        .expect("replayed");
    w.sim
        .replay(dispatched_seq(w, "MESSAGE_UPDATE", hello.id))
        .expect("replayed");
    w.sim
        .replay(dispatched_seq(w, "MESSAGE_CREATE", internal.id))
        .expect("replayed");
    s.barrier(w, "after replays").await;
    assert_eq!(all_rows(app).await, before + 1, "only the marker is new");
    let again = find(app, ChatKind::Guest, s.guest, hello.id).await.unwrap();
    assert_eq!(again.content, "Hello team, updated", "not rolled back");
    {
        let mut conn = app.store.conn().await.unwrap();
        let edits = store::sharing::edits_of(&mut conn, again.id).await.unwrap();
        assert_eq!(edits.len(), 1, "the replayed edit added no history");
    }

    // A delete is marked; the text stays in the database.
    let oops = w.sim.post(&s.cara, guest, "oops, wrong channel").await;
    eventually("the message to delete to be bridged", || async {
        find(app, ChatKind::Guest, s.guest, oops.id).await
    })
    .await;
    w.sim.delete_message(oops.id).await;
    let deleted = eventually("the delete to be bridged", || async {
        find(app, ChatKind::Guest, s.guest, oops.id)
            .await
            .filter(|m| m.deleted_at.is_some())
    })
    .await;
    assert_eq!(deleted.content, "oops, wrong channel");

    // A bulk delete (a moderator purging messages) marks each one.
    let one = w.sim.post(&s.cara, guest, "first of two").await;
    let two = w.sim.post(&s.bob, guest, "second of two").await;
    for id in [one.id, two.id] {
        eventually("the messages to purge to be bridged", || async {
            find(app, ChatKind::Guest, s.guest, id).await
        })
        .await;
    }
    w.sim.bulk_delete_messages(guest, &[one.id, two.id]).await;
    for id in [one.id, two.id] {
        eventually("the bulk delete to be bridged", || async {
            find(app, ChatKind::Guest, s.guest, id)
                .await
                .filter(|m| m.deleted_at.is_some())
        })
        .await;
    }

    // Not chat: another bot's post, a webhook's, and the bot's own (a card it posted, a
    // public command answer in the guest channel).
    let other_bot = w.sim.add_member(w.guild, UserSpec::new("deploybot").bot());
    let from_bot = w.sim.post(&other_bot, guest, "build #42 passed").await;
    let template = w
        .sim
        .dispatched()
        .into_iter()
        .rev()
        .find(|e| e.name == "MESSAGE_CREATE" && e.data["id"] == json!(two.id.0.to_string()))
        .expect("a message to copy")
        .data;
    let own_card = as_posted_by(&template, "990000000000000001", own_author(w));
    w.sim.dispatch("MESSAGE_CREATE", own_card);
    let mut hook = as_posted_by(
        &template,
        "990000000000000002",
        json!({"id": "880", "username": "Zapier", "discriminator": "0000", "bot": true}),
    );
    hook["webhook_id"] = json!("880");
    w.sim.dispatch("MESSAGE_CREATE", hook);
    let answer = w
        .sim
        .command(
            &w.alice,
            guest,
            "project create",
            [
                opt::string("name", "Landing page"),
                opt::integer("privacy", 1),
            ],
        )
        .await
        .reply()
        .await;
    assert!(
        !answer.ephemeral(),
        "a public project is confirmed in the channel"
    );
    s.barrier(w, "after the bots").await;
    for id in [
        from_bot.id,
        MessageId(990000000000000001),
        MessageId(990000000000000002),
        answer.id,
    ] {
        assert_eq!(rows_for(app, id).await, 0, "{id:?} is not chat");
    }

    // A disconnect: what is said meanwhile arrives on RESUME, once.
    let resumes = w.sim.gateway_stats().resumes;
    w.sim.disconnect_gateway();
    let away = w
        .sim
        .post(&s.cara, guest, "said while the bot was away")
        .await;
    w.sim.wait_connected(WAIT).await;
    eventually("the message missed during the disconnect", || async {
        find(app, ChatKind::Guest, s.guest, away.id).await
    })
    .await;
    assert!(w.sim.gateway_stats().resumes > resumes, "the bot resumed");
    w.sim
        .replay(dispatched_seq(w, "MESSAGE_CREATE", away.id))
        .expect("replayed");
    s.barrier(w, "after the resume").await;
    assert_eq!(rows_for(app, away.id).await, 1);

    // Cara, now a Guest, gets her page and sees the guest chat as bridged.
    let offered = support::choices(
        w,
        &s.cara,
        "me project-link",
        vec![opt::focused("project", "web")],
    )
    .await;
    assert_eq!(support::names(&offered), ["Website"]);
    let reply = private_reply(
        w,
        &s.cara,
        "me project-link",
        vec![opt::string(
            "project",
            offered[0].value.as_str().expect("a text choice"),
        )],
        &[
            "Website",
            "/p/",
            "tasks, stage",
            "keep it to yourself",
            "/report revoke",
        ],
    )
    .await;
    let url = reply
        .text()
        .split('<')
        .find_map(|part| part.strip_prefix(PUBLIC_URL).map(|_| part))
        .and_then(|part| part.split('>').next())
        .expect("a link in the reply")
        .to_string();
    let (status, page) = open(w, &url).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Hello team, updated") && page.contains("(edited)"));
    assert!(page.contains("message deleted") && !page.contains("oops, wrong channel"));
    assert!(page.contains("said while the bot was away"));
    assert!(page.contains("brief.pdf"));
    assert!(!page.contains("margin is thin"), "never the members chat");
    assert!(!page.contains("lunch?") && !page.contains("build #42"));

    // Her links list names it a project page; revoking it closes the page.
    let links = private_reply(w, &s.cara, "report links", Vec::new(), &["project page"]).await;
    let id = links
        .text()
        .split("`#")
        .nth(1)
        .and_then(|rest| rest.split('`').next())
        .expect("a link id")
        .to_string();
    private_reply(
        w,
        &s.cara,
        "report revoke",
        vec![opt::string("link", format!("#{id}"))],
        &["revoked"],
    )
    .await;
    assert_eq!(open(w, &url).await.0, StatusCode::GONE);

    // Someone not in the workspace gets a clear answer, no link.
    let stranger = w.person("sam");
    let refused = w
        .run(
            &stranger,
            "me project-link",
            [opt::string("project", "Website")],
        )
        .await;
    assert!(refused.ephemeral());
    assert!(!refused.text().contains("/p/"), "{}", refused.text());
}

/// The bot's own user, as Discord puts it in the author of the bot's posts.
fn own_author(w: &World) -> Value {
    json!({
        "id": w.sim.bot_user_id().0.to_string(),
        "username": "crewclock",
        "discriminator": "0000",
        "bot": true,
    })
}

/// A copy of a user's message event as if `author` had posted it (new id, no member).
fn as_posted_by(template: &Value, id: &str, author: Value) -> Value {
    let mut event = template.clone();
    event["id"] = json!(id);
    event["author"] = author;
    event["content"] = json!("**Website** update: stage Design");
    event["attachments"] = json!([]);
    if let Some(map) = event.as_object_mut() {
        map.remove("member");
    }
    event
}

e2e_test!(
    chat_bridge,
    messages_edits_deletes_and_replays_are_bridged_once
);
