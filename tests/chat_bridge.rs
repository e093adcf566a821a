//! The chat bridge, on SQLite and PostgreSQL: messages in a share's guest channel become the
//! project's guest chat and those in its team channel the members chat; replayed (also
//! concurrent) events store nothing twice; edits keep history; deletes are marked, not lost;
//! Guests read only the guest chat of their own shares.

mod support;

use chrono::{DateTime, Duration, Utc};
use crewclock::app::projects::{self, CreateProject};
use crewclock::app::sharing::{self, Bridged, IncomingEdit, IncomingMessage};
use crewclock::app::Clock;
use crewclock::domain::{ChannelId, Role, UserId};
use crewclock::store::sharing::{Attachment, ChatKind};
use crewclock::store::{self, sharing::ChatMessage};
use crewclock::{Actor, App, AppError};
use support::{Cast, Harness, Ws};

struct World {
    ws: Ws,
    cast: Cast,
    guest: Actor,
    guest_channel: ChannelId,
    team_channel: ChannelId,
}

async fn world(h: &Harness) -> World {
    let ws = h.workspace().await;
    let cast = ws.cast().await;
    for name in ["Website", "Secret"] {
        projects::create_project(
            &ws.app,
            &cast.owner,
            CreateProject {
                name: name.into(),
                client: None,
                privacy: None,
                color: None,
                billable_default: None,
            },
        )
        .await
        .unwrap();
    }
    let guest = Actor::in_guild(ws.guild, UserId(h.id()), "Cara Customer");
    let guest_channel = ChannelId(h.id());
    let team_channel = ChannelId(h.id());
    sharing::share_project(
        &ws.app,
        &cast.owner,
        "Website",
        guest_channel,
        &[(guest.user, guest.name.clone())],
        "stage",
    )
    .await
    .unwrap();
    sharing::link_team_channel(&ws.app, &cast.owner, "Website", Some(team_channel))
        .await
        .unwrap();
    World {
        ws,
        cast,
        guest,
        guest_channel,
        team_channel,
    }
}

fn message(
    channel: ChannelId,
    id: u64,
    from: &Actor,
    text: &str,
    at: DateTime<Utc>,
) -> IncomingMessage {
    IncomingMessage {
        channel,
        message_id: id,
        author: from.user,
        author_name: from.name.clone(),
        content: text.into(),
        attachments: Vec::new(),
        at,
    }
}

async fn stored(app: &App, kind: ChatKind, channel: ChannelId, id: u64) -> Option<ChatMessage> {
    let mut conn = app.store.conn().await.unwrap();
    store::sharing::find_message(&mut conn, kind, channel, id)
        .await
        .unwrap()
}

async fn count_rows(app: &App, table: &str) -> i64 {
    use sqlx::Row;
    let mut conn = app.store.conn().await.unwrap();
    sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table}"))
        .fetch_one(&mut *conn)
        .await
        .unwrap()
        .try_get("n")
        .unwrap()
}

// ---------------------------------------------------------------------------------------

async fn messages_are_bridged_once(h: &Harness) {
    let w = world(h).await;
    let app = &w.ws.app;
    let now = h.clock.now();
    let mut hello = message(w.guest_channel, 1, &w.guest, "Hello team", now);
    hello.attachments = vec![Attachment {
        name: "brief.pdf".into(),
        url: "https://cdn.discordapp.com/attachments/1/2/brief.pdf".into(),
    }];
    assert_eq!(
        sharing::record_message(app, &hello).await.unwrap(),
        Bridged::Stored
    );
    assert_eq!(
        sharing::record_message(app, &hello).await.unwrap(),
        Bridged::Duplicate
    );
    let internal = message(w.team_channel, 2, &w.cast.member, "They want it blue", now);
    assert_eq!(
        sharing::record_message(app, &internal).await.unwrap(),
        Bridged::Stored
    );
    let elsewhere = message(ChannelId(h.id()), 3, &w.cast.member, "lunch?", now);
    assert_eq!(
        sharing::record_message(app, &elsewhere).await.unwrap(),
        Bridged::Ignored
    );
    let kept = stored(app, ChatKind::Guest, w.guest_channel, 1)
        .await
        .unwrap();
    assert_eq!(kept.author, w.guest.user);
    assert_eq!(kept.author_name, "Cara Customer");
    assert_eq!(kept.attachments, hello.attachments);
    assert_eq!(kept.created_at, now);
    assert_eq!(count_rows(app, "chat_messages").await, 2);

    // Eight concurrent replays of one new message: one row.
    let late = message(w.guest_channel, 4, &w.guest, "Any news?", now);
    let outcomes =
        futures::future::join_all((0..8).map(|_| sharing::record_message(app, &late))).await;
    let stored_count = outcomes
        .iter()
        .filter(|o| matches!(o, Ok(Bridged::Stored)))
        .count();
    assert_eq!(stored_count, 1, "{outcomes:?}");
    assert!(outcomes.iter().all(|o| o.is_ok()), "{outcomes:?}");
    assert_eq!(count_rows(app, "chat_messages").await, 3);
}
db_test!(messages_are_bridged_exactly_once, messages_are_bridged_once);

async fn edits_keep_history_and_deletes_are_marked(h: &Harness) {
    let w = world(h).await;
    let app = &w.ws.app;
    let t0 = h.clock.now();
    sharing::record_message(app, &message(w.guest_channel, 10, &w.guest, "Draft", t0))
        .await
        .unwrap();
    let edit = |text: &str, at: DateTime<Utc>| IncomingEdit {
        channel: w.guest_channel,
        message_id: 10,
        author: Some((w.guest.user, w.guest.name.clone())),
        content: text.into(),
        attachments: Vec::new(),
        edited_at: at,
    };
    let t1 = t0 + Duration::minutes(1);
    assert_eq!(
        sharing::record_edit(app, &edit("Second", t1))
            .await
            .unwrap(),
        Bridged::Stored
    );
    assert_eq!(
        sharing::record_edit(app, &edit("Second", t1))
            .await
            .unwrap(),
        Bridged::Duplicate
    );
    // Concurrent replays of a new edit: one history row.
    let t2 = t0 + Duration::minutes(2);
    let third = edit("Third", t2);
    let outcomes =
        futures::future::join_all((0..6).map(|_| sharing::record_edit(app, &third))).await;
    assert!(outcomes.iter().all(|o| o.is_ok()), "{outcomes:?}");
    assert_eq!(
        outcomes
            .iter()
            .filter(|o| matches!(o, Ok(Bridged::Stored)))
            .count(),
        1,
        "{outcomes:?}"
    );
    // An older edit arriving late changes nothing.
    assert_eq!(
        sharing::record_edit(app, &edit("Stale", t0 + Duration::seconds(30)))
            .await
            .unwrap(),
        Bridged::Duplicate
    );
    let now = stored(app, ChatKind::Guest, w.guest_channel, 10)
        .await
        .unwrap();
    assert_eq!(now.content, "Third");
    assert_eq!(now.edited_at, Some(t2));
    let mut conn = app.store.conn().await.unwrap();
    let history = store::sharing::edits_of(&mut conn, now.id).await.unwrap();
    drop(conn);
    let previous: Vec<&str> = history.iter().map(|e| e.content.as_str()).collect();
    assert_eq!(previous, vec!["Draft", "Second"]);

    // An edit of a message the bridge never saw stores it as it is now.
    let unseen = IncomingEdit {
        message_id: 11,
        ..edit("Edited before we saw it", t1)
    };
    assert_eq!(
        sharing::record_edit(app, &unseen).await.unwrap(),
        Bridged::Stored
    );

    // Deletes are marked, the content stays in the database, readers see it as deleted.
    let t3 = t0 + Duration::minutes(3);
    assert_eq!(
        sharing::record_delete(app, w.guest_channel, 10, t3)
            .await
            .unwrap(),
        Bridged::Stored
    );
    assert_eq!(
        sharing::record_delete(app, w.guest_channel, 10, t3)
            .await
            .unwrap(),
        Bridged::Duplicate
    );
    assert_eq!(
        sharing::record_delete(app, w.guest_channel, 999, t3)
            .await
            .unwrap(),
        Bridged::Ignored
    );
    let kept = stored(app, ChatKind::Guest, w.guest_channel, 10)
        .await
        .unwrap();
    assert_eq!(kept.deleted_at, Some(t3));
    assert_eq!(kept.content, "Third");
    let lines = sharing::chat(app, &w.guest, "Website", ChatKind::Guest)
        .await
        .unwrap();
    let deleted = lines.iter().find(|l| l.message_id == 10).unwrap();
    assert!(deleted.deleted && deleted.content.is_empty() && deleted.edited);
    assert_eq!(count_rows(app, "chat_message_edits").await, 2);
}
db_test!(
    edits_keep_history_and_deletes_are_marked,
    edits_keep_history_and_deletes_are_marked
);

async fn who_reads_which_chat(h: &Harness) {
    let w = world(h).await;
    let app = &w.ws.app;
    let now = h.clock.now();
    sharing::record_message(app, &message(w.guest_channel, 1, &w.guest, "Hi", now))
        .await
        .unwrap();
    sharing::record_message(
        app,
        &message(w.team_channel, 2, &w.cast.admin, "internal note", now),
    )
    .await
    .unwrap();

    // The guest: their guest chat only.
    let theirs = sharing::chat(app, &w.guest, "Website", ChatKind::Guest)
        .await
        .unwrap();
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0].content, "Hi");
    let members = sharing::chat(app, &w.guest, "Website", ChatKind::Members).await;
    assert!(
        matches!(&members, Err(AppError::Denied(m)) if m.contains("only the guest chat")),
        "{members:?}"
    );
    let other = sharing::chat(app, &w.guest, "Secret", ChatKind::Guest).await;
    assert!(matches!(other, Err(AppError::NotFound(_))), "{other:?}");
    // A Guest the project isn't shared with reads nothing.
    let outsider = sharing::chat(app, &w.cast.guest, "Website", ChatKind::Guest).await;
    assert!(
        matches!(outsider, Err(AppError::NotFound(_))),
        "{outsider:?}"
    );

    // Members who may see the project read both chats; a Member it is private to, neither.
    for who in [
        &w.cast.owner,
        &w.cast.admin,
        &w.cast.manager,
        &w.cast.viewer,
    ] {
        for (kind, text) in [
            (ChatKind::Guest, "Hi"),
            (ChatKind::Members, "internal note"),
        ] {
            let lines = sharing::chat(app, who, "Website", kind).await.unwrap();
            assert_eq!(lines.len(), 1, "{}", who.name);
            assert_eq!(lines[0].content, text);
        }
    }
    let private = sharing::chat(app, &w.cast.member, "Website", ChatKind::Guest).await;
    assert!(matches!(private, Err(AppError::NotFound(_))), "{private:?}");
    projects::add_project_member(app, &w.cast.owner, "Website", w.cast.member.user)
        .await
        .unwrap();
    assert_eq!(
        sharing::chat(app, &w.cast.member, "Website", ChatKind::Members)
            .await
            .unwrap()
            .len(),
        1
    );
}
db_test!(guests_read_only_their_guest_chat, who_reads_which_chat);

async fn revoked_share_keeps_history(h: &Harness) {
    let w = world(h).await;
    let app = &w.ws.app;
    let now = h.clock.now();
    sharing::record_message(app, &message(w.guest_channel, 1, &w.guest, "Thanks!", now))
        .await
        .unwrap();
    sharing::revoke(app, &w.cast.owner, "Website", None)
        .await
        .unwrap();
    // The bridge stops; what was said stays for the members.
    assert_eq!(
        sharing::record_message(app, &message(w.guest_channel, 2, &w.guest, "Hello?", now))
            .await
            .unwrap(),
        Bridged::Ignored
    );
    assert_eq!(
        sharing::record_delete(app, w.guest_channel, 1, now)
            .await
            .unwrap(),
        Bridged::Ignored
    );
    let lines = sharing::chat(app, &w.cast.owner, "Website", ChatKind::Guest)
        .await
        .unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].content, "Thanks!");
    assert!(sharing::chat(app, &w.guest, "Website", ChatKind::Guest)
        .await
        .is_err());
    assert_eq!(w.ws.role_of(&w.guest).await, Some(Role::Guest));
}
db_test!(
    revoking_stops_the_bridge_and_keeps_history,
    revoked_share_keeps_history
);
