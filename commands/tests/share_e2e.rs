//! `/share` through the real bot and the Discord simulator, on SQLite and PostgreSQL: guests
//! given the guest channel (permission overwrites with the right bits), told by DM, the
//! project card with only the shared fields; refusals and bad fields writing nothing; cards
//! after `/share update`, a stage change and a task done; revoking one guest or all, removing
//! a member and turning sharing off taking the overwrites away; a bot without Manage Roles or
//! guests with closed DMs answered with what to fix; the weekly summary posted once by two
//! workers; the guest's own `/p` link in the DM opening until revoked (then 410); a guest who
//! leaves the server or loses the linked Discord role losing the channel and the link.

mod support;

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{Duration, TimeZone, Utc};
use crewclock::app::projects::{self, CreateProject, ProjectEdit};
use crewclock::app::{sharing, ManualClock};
use crewclock::domain::projects::Privacy;
use crewclock::domain::{GuildId, UserId};
use crewclock::Actor;
use crewclock_bot::sharing_posts;
use discord_sim::{perms, ChannelId, ChannelSpec, Overwrite, OverwriteKind, SentMessage, SimUser};
use poise::serenity_prelude as serenity;
use support::{choices, names, opt, private_reply, Setup, World};

const GUEST_BITS: u64 = perms::VIEW_CHANNEL | perms::SEND_MESSAGES | perms::READ_MESSAGE_HISTORY;
const WAIT: StdDuration = StdDuration::from_secs(5);

/// Runs `$body(world, clock)` on both databases with a manual clock and share summaries
/// looked for every 50 ms.
macro_rules! share_test {
    ($name:ident, $body:ident) => {
        mod $name {
            use super::*;

            fn setup() -> (Setup, Arc<ManualClock>) {
                let clock = Arc::new(ManualClock::new(
                    Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap(),
                ));
                let setup = Setup {
                    clock: clock.clone(),
                    share_summary_check_ms: 50,
                    ..Setup::default()
                };
                (setup, clock)
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let (setup, clock) = setup();
                support::run_with(support::Db::Sqlite, setup, move |w| {
                    Box::pin(super::$body(w, clock))
                })
                .await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let (setup, clock) = setup();
                support::run_with(support::Db::Postgres, setup, move |w| {
                    Box::pin(super::$body(w, clock))
                })
                .await;
            }
        }
    };
}

fn alice(w: &World) -> Actor {
    Actor::in_guild(GuildId(w.guild.0), UserId(w.alice.id.0), "alice")
}

fn as_actor(w: &World, user: &SimUser) -> Actor {
    Actor::in_guild(GuildId(w.guild.0), UserId(user.id.0), user.username.clone())
}

/// Alice's workspace with the project Website (stage Design, due 2026-12-24, an hours budget,
/// a rate, two tasks), Bob a Member who manages nothing, and the guest channel #client.
async fn setting(w: &World) -> (SimUser, ChannelId) {
    w.create_workspace().await;
    let bob = w.person("bob");
    w.join(&bob, "Member").await;
    let app = &w.app;
    let owner = alice(w);
    projects::create_project(
        app,
        &owner,
        CreateProject {
            name: "Website".into(),
            privacy: Some(Privacy::Public),
            ..CreateProject::default()
        },
    )
    .await
    .unwrap();
    for stage in ["Design", "Build"] {
        projects::create_stage(app, &owner, stage, None)
            .await
            .unwrap();
    }
    projects::edit_project(
        app,
        &owner,
        "Website",
        ProjectEdit {
            stage: Some(Some("Design".into())),
            due_date: Some(Some("2026-12-24".into())),
            ..ProjectEdit::default()
        },
    )
    .await
    .unwrap();
    projects::set_rate(app, &owner, "Website", "85")
        .await
        .unwrap();
    for task in ["Mockups", "Brief"] {
        projects::create_task(app, &owner, "Website", task)
            .await
            .unwrap();
    }
    let client = w.sim.add_channel(w.guild, ChannelSpec::text("client"));
    (bob, client)
}

fn share_options(channel: ChannelId, fields: &str, guests: &[&SimUser]) -> Vec<serde_json::Value> {
    let mut options = vec![
        opt::string("project", "Website"),
        opt::channel("channel", channel),
        opt::string("fields", fields),
    ];
    for (i, guest) in guests.iter().enumerate() {
        options.push(opt::user(&format!("guest{}", i + 1), guest.id));
    }
    options
}

fn overwrite_puts(w: &World, channel: ChannelId) -> Vec<discord_sim::RecordedRequest> {
    w.sim
        .requests_matching("PUT", &format!("/channels/{channel}/permissions/"))
}

fn overwrite_deletes(w: &World, channel: ChannelId) -> Vec<discord_sim::RecordedRequest> {
    w.sim
        .requests_matching("DELETE", &format!("/channels/{channel}/permissions/"))
}

fn bits(value: &serde_json::Value) -> u64 {
    match value {
        serde_json::Value::String(s) => s.parse().unwrap(),
        other => other.as_u64().unwrap(),
    }
}

/// The guests with a member overwrite on the channel, checked to allow exactly the guest bits.
fn guests_with_access(w: &World, channel: ChannelId) -> Vec<u64> {
    let mut users: Vec<u64> = w
        .sim
        .channel_overwrites(channel)
        .into_iter()
        .filter(|o| o.kind == OverwriteKind::Member)
        .map(|o| {
            assert_eq!(o.allow, GUEST_BITS, "{o:?}");
            assert_eq!(o.deny, 0, "{o:?}");
            o.id
        })
        .collect();
    users.sort();
    users
}

fn cards(w: &World, channel: ChannelId) -> Vec<SentMessage> {
    w.sim
        .messages_in(channel)
        .into_iter()
        .filter(|m| !m.embeds.is_empty())
        .collect()
}

/// Waits for the `n`th card in the channel and returns it.
async fn nth_card(w: &World, channel: ChannelId, n: usize) -> SentMessage {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let all = cards(w, channel);
        if all.len() >= n {
            assert_eq!(all.len(), n, "more cards than expected: {all:?}");
            return all.into_iter().last().unwrap();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "card {n} never came to {channel}: {}",
            w.sim.diagnostics()
        );
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    }
}

async fn sharing_sends_access_dms_and_card(w: &World, _clock: Arc<ManualClock>) {
    let (bob, client) = setting(w).await;
    let cara = w.person("cara");
    let carl = w.person("carl");

    // A Member who doesn't manage Website is refused; nothing reaches Discord.
    let refused = private_reply(
        w,
        &bob,
        "share project",
        share_options(client, "stage", &[&cara]),
        &["project's managers"],
    )
    .await;
    assert!(!refused.text().contains("shared in"), "{}", refused.text());
    // A field that doesn't exist: what to type, nothing written.
    private_reply(
        w,
        &w.alice,
        "share project",
        share_options(client, "stage, rates", &[&cara]),
        &[
            "'rates' is not a field",
            "tasks, due, stage, hours%, tasks%",
        ],
    )
    .await;
    assert!(overwrite_puts(w, client).is_empty());
    assert!(w.sim.messages_in(client).is_empty());
    assert!(w.sim.dms_to(&cara).is_empty());
    assert!(sharing::list(&w.app, &alice(w)).await.unwrap().is_empty());

    // The field picker completes the part after the last comma.
    let offered = choices(
        w,
        &w.alice,
        "share project",
        vec![opt::focused("fields", "stage, ta")],
    )
    .await;
    assert_eq!(names(&offered), ["stage, tasks", "stage, tasks%"]);
    // The project picker offers what the caller may share: nothing for Bob.
    let offered = choices(w, &bob, "share project", vec![opt::focused("project", "")]).await;
    assert!(offered.is_empty(), "{offered:?}");
    let offered = choices(
        w,
        &w.alice,
        "share project",
        vec![opt::focused("project", "web")],
    )
    .await;
    assert_eq!(names(&offered), ["Website"]);

    let reply = private_reply(
        w,
        &w.alice,
        "share project",
        share_options(client, "stage, tasks%", &[&cara, &carl]),
        &[
            "now shared in",
            "Joined the workspace as Guests",
            "Told by direct message",
            "project card is posted",
        ],
    )
    .await;
    assert!(!reply.text().contains("⚠️"), "{}", reply.text());
    assert!(reply.pings().users.is_empty());

    // One overwrite per guest, as a member overwrite with exactly the guest bits.
    let puts = overwrite_puts(w, client);
    assert_eq!(puts.len(), 2, "{puts:?}");
    for put in &puts {
        assert_eq!(put.status, 204, "{put}");
        assert_eq!(put.json()["type"], 1, "{put}");
        assert_eq!(bits(&put.json()["allow"]), GUEST_BITS, "{put}");
    }
    let mut expected = vec![cara.id.0, carl.id.0];
    expected.sort();
    assert_eq!(guests_with_access(w, client), expected);

    // Each guest is told by DM where the project is.
    for guest in [&cara, &carl] {
        let dms = w.sim.dms_to(guest);
        assert_eq!(dms.len(), 1, "{dms:?}");
        let text = dms[0].text();
        assert!(text.contains("shared the project **Website**"), "{text}");
        assert!(text.contains(&format!("<#{client}>")), "{text}");
        assert!(dms[0].pings().users.is_empty());
    }

    // The card shows the stage and the tasks done, nothing else: no due date, no task names,
    // no rate.
    let card = nth_card(w, client, 1).await;
    let text = card.text();
    assert!(text.contains("Website"), "{text}");
    assert!(text.contains("Stage:** Design"), "{text}");
    assert!(text.contains("Tasks done:** 0 of 2 (0%)"), "{text}");
    for hidden in ["Due", "2026-12-24", "Mockups", "85", "EUR", "Hours"] {
        assert!(!text.contains(hidden), "'{hidden}' leaked: {text}");
    }

    // /share list names the channel, the fields and the guests.
    let list = private_reply(
        w,
        &w.alice,
        "share list",
        Vec::new(),
        &["Website", "stage, % tasks done"],
    )
    .await;
    let text = list.text();
    assert!(text.contains(&format!("<#{client}>")), "{text}");
    assert!(text.contains(&format!("<@{}>", cara.id)), "{text}");
    // A guest sees their share, without the other people.
    let theirs = private_reply(w, &cara, "share list", Vec::new(), &["Website"]).await;
    assert!(
        !theirs.text().contains(&format!("<@{}>", carl.id)),
        "{}",
        theirs.text()
    );

    // A members-only team channel can be linked; one everyone can see gets a warning; the
    // guest channel can't be the team channel.
    let team = w.sim.add_channel(
        w.guild,
        ChannelSpec::text("website-team").overwrite(Overwrite {
            id: w.guild.0,
            kind: OverwriteKind::Role,
            allow: 0,
            deny: perms::VIEW_CHANNEL,
        }),
    );
    let linked = private_reply(
        w,
        &w.alice,
        "share team-channel",
        vec![
            opt::string("project", "Website"),
            opt::channel("channel", team),
        ],
        &["is the team channel"],
    )
    .await;
    assert!(!linked.text().contains("⚠️"), "{}", linked.text());
    private_reply(
        w,
        &w.alice,
        "share team-channel",
        vec![
            opt::string("project", "Website"),
            opt::channel("channel", w.general),
        ],
        &["is the team channel", "Everyone on this server can see"],
    )
    .await;
    private_reply(
        w,
        &w.alice,
        "share team-channel",
        vec![
            opt::string("project", "Website"),
            opt::channel("channel", client),
        ],
        &["That is the guest channel"],
    )
    .await;
    private_reply(
        w,
        &w.alice,
        "share team-channel",
        vec![
            opt::string("project", "Website"),
            opt::channel("channel", team),
        ],
        &["is the team channel"],
    )
    .await;
    let list = private_reply(w, &w.alice, "share list", Vec::new(), &["team channel"]).await;
    assert!(
        list.text().contains(&format!("<#{team}>")),
        "{}",
        list.text()
    );

    // /share update posts the card again.
    private_reply(
        w,
        &w.alice,
        "share update",
        vec![opt::string("project", "Website")],
        &["Posted the card"],
    )
    .await;
    assert!(nth_card(w, client, 2)
        .await
        .text()
        .contains("Project update"));

    // A stage change and a task done post the new card.
    w.run(
        &w.alice,
        "project stage",
        vec![
            opt::string("project", "Website"),
            opt::string("stage", "Build"),
        ],
    )
    .await;
    let card = nth_card(w, client, 3).await;
    assert!(card.text().contains("Stage:** Build"), "{}", card.text());
    assert!(card.text().contains("the stage changed"), "{}", card.text());
    let done = w
        .run(
            &w.alice,
            "task done",
            vec![
                opt::string("project", "Website"),
                opt::string("task", "Brief"),
            ],
        )
        .await;
    assert!(!done.text().contains("⚠️"), "{}", done.text());
    let card = nth_card(w, client, 4).await;
    assert!(
        card.text().contains("Tasks done:** 1 of 2 (50%)"),
        "{}",
        card.text()
    );
    assert!(!card.text().contains("Brief"), "{}", card.text());

    // Sharing again in the same channel with a new field: no new overwrites for guests who
    // have theirs (they are set again), nobody told twice.
    private_reply(
        w,
        &w.alice,
        "share project",
        share_options(client, "stage, tasks%, tasks", &[&cara]),
        &["stays shared", "Already guests"],
    )
    .await;
    assert_eq!(w.sim.dms_to(&cara).len(), 1);
    let card = nth_card(w, client, 5).await;
    assert!(card.text().contains("✅ Brief"), "{}", card.text());
}
share_test!(
    share_access_dm_card_and_updates,
    sharing_sends_access_dms_and_card
);

/// Presses the confirmation's `label` and returns the updated message's text.
async fn confirm(w: &World, user: &SimUser, ask: &SentMessage, label: &str) -> String {
    assert!(ask.ephemeral(), "{ask:?}");
    w.sim.click_label(user, ask, label).await.response().await;
    w.sim.message(ask.id).expect("the question").text()
}

async fn revoking_takes_access_away(w: &World, _clock: Arc<ManualClock>) {
    let (bob, client) = setting(w).await;
    let cara = w.person("cara");
    let carl = w.person("carl");
    private_reply(
        w,
        &w.alice,
        "share project",
        share_options(client, "stage", &[&cara, &carl]),
        &["now shared"],
    )
    .await;
    assert_eq!(guests_with_access(w, client).len(), 2);

    // The guest picker offers the share's guests; Bob can't revoke.
    let offered = choices(
        w,
        &w.alice,
        "share revoke",
        vec![
            opt::string("project", "Website"),
            opt::focused("guest", "ca"),
        ],
    )
    .await;
    assert_eq!(names(&offered), ["cara", "carl"]);
    private_reply(
        w,
        &bob,
        "share revoke",
        vec![opt::string("project", "Website")],
        &["project's managers"],
    )
    .await;

    // Cancel changes nothing.
    let ask = w
        .run(
            &w.alice,
            "share revoke",
            vec![
                opt::string("project", "Website"),
                opt::string("guest", cara.id.0.to_string()),
            ],
        )
        .await;
    assert!(ask.text().contains("Take"), "{}", ask.text());
    assert!(confirm(w, &w.alice, &ask, "Cancel")
        .await
        .contains("nothing was changed"));
    assert!(overwrite_deletes(w, client).is_empty());

    let ask = w
        .run(
            &w.alice,
            "share revoke",
            vec![
                opt::string("project", "Website"),
                opt::string("guest", cara.id.0.to_string()),
            ],
        )
        .await;
    let done = confirm(w, &w.alice, &ask, "Revoke").await;
    assert!(done.contains("is no longer a guest"), "{done}");
    let deletes = overwrite_deletes(w, client);
    assert_eq!(deletes.len(), 1, "{deletes:?}");
    assert!(deletes[0].path.ends_with(&cara.id.0.to_string()));
    assert_eq!(guests_with_access(w, client), vec![carl.id.0]);
    // Cara's view of the project (her /p page) is gone; Carl's stays.
    assert!(
        sharing::card_for_guest(&w.app, &as_actor(w, &cara), "Website")
            .await
            .is_err()
    );
    assert!(
        sharing::card_for_guest(&w.app, &as_actor(w, &carl), "Website")
            .await
            .is_ok()
    );

    // Everyone: the share ends.
    let ask = w
        .run(
            &w.alice,
            "share revoke",
            vec![opt::string("project", "Website")],
        )
        .await;
    assert!(ask.text().contains("Stop sharing"), "{}", ask.text());
    let done = confirm(w, &w.alice, &ask, "Revoke").await;
    assert!(done.contains("no longer shared"), "{done}");
    assert!(guests_with_access(w, client).is_empty());
    assert!(sharing::list(&w.app, &alice(w)).await.unwrap().is_empty());

    // Removing a member takes their access away.
    let dana = w.person("dana");
    private_reply(
        w,
        &w.alice,
        "share project",
        share_options(client, "stage", &[&dana]),
        &["now shared"],
    )
    .await;
    assert_eq!(guests_with_access(w, client), vec![dana.id.0]);
    let ask = w
        .run(
            &w.alice,
            "member remove",
            vec![opt::user("member", dana.id)],
        )
        .await;
    let done = confirm(w, &w.alice, &ask, "Remove").await;
    assert!(done.contains("was removed"), "{done}");
    assert!(!done.contains("⚠️"), "{done}");
    assert!(guests_with_access(w, client).is_empty());

    // Turning sharing off ends every share and takes every guest's access away.
    let erin = w.person("erin");
    let other = w.sim.add_channel(w.guild, ChannelSpec::text("client-two"));
    private_reply(
        w,
        &w.alice,
        "share project",
        share_options(client, "stage", &[&erin, &cara]),
        // Dana's removal took her off the share, which stays.
        &["stays shared", "Guests added"],
    )
    .await;
    projects::create_project(
        &w.app,
        &alice(w),
        CreateProject {
            name: "Mobile".into(),
            ..CreateProject::default()
        },
    )
    .await
    .unwrap();
    let mut options = share_options(other, "due", &[&erin]);
    options[0] = opt::string("project", "Mobile");
    private_reply(w, &w.alice, "share project", options, &["now shared"]).await;
    assert_eq!(guests_with_access(w, client).len(), 2);
    assert_eq!(guests_with_access(w, other), vec![erin.id.0]);
    private_reply(
        w,
        &w.alice,
        "workspace set",
        vec![
            opt::string("setting", "sharing_enabled"),
            opt::string("value", "false"),
        ],
        &["Every share ended", "2 guest(s)"],
    )
    .await;
    assert!(guests_with_access(w, client).is_empty());
    assert!(guests_with_access(w, other).is_empty());
    assert!(sharing::list(&w.app, &alice(w)).await.unwrap().is_empty());
}
share_test!(revoke_remove_and_sharing_off, revoking_takes_access_away);

async fn discord_refusals_are_explained(w: &World, _clock: Arc<ManualClock>) {
    let (_, client) = setting(w).await;
    let cara = w.person("cara");
    let carl = w.person("carl");
    w.sim.deny_manage_roles(w.guild);
    w.sim.set_dms_closed(&carl, true);
    let reply = private_reply(
        w,
        &w.alice,
        "share project",
        share_options(client, "stage", &[&cara, &carl]),
        &[
            "now shared",
            "Manage Roles",
            "DMs are closed",
            "The share itself is saved",
        ],
    )
    .await;
    assert!(
        reply.text().contains(&format!("<@{}>", carl.id)),
        "{}",
        reply.text()
    );
    assert!(guests_with_access(w, client).is_empty());
    // The share is saved and the card was posted anyway.
    assert_eq!(sharing::list(&w.app, &alice(w)).await.unwrap().len(), 1);
    nth_card(w, client, 1).await;

    // Once the bot has the permission, sharing again repairs the overwrites.
    w.sim.allow_manage_roles(w.guild);
    let reply = private_reply(
        w,
        &w.alice,
        "share project",
        share_options(client, "stage", &[]),
        &["stays shared"],
    )
    .await;
    assert!(!reply.text().contains("⚠️"), "{}", reply.text());
    assert_eq!(guests_with_access(w, client).len(), 2);

    // A card the bot can't post (Discord refuses it) is explained, on /share update and after
    // a stage change.
    w.sim.fail_requests(
        "POST",
        &format!("/channels/{client}/messages"),
        403,
        50013,
        "Missing Permissions",
    );
    private_reply(
        w,
        &w.alice,
        "share update",
        vec![opt::string("project", "Website")],
        &["couldn't post the project card", "Send Messages"],
    )
    .await;
    let changed = w
        .run(
            &w.alice,
            "project stage",
            vec![
                opt::string("project", "Website"),
                opt::string("stage", "Build"),
            ],
        )
        .await;
    assert!(
        changed.text().contains("now in stage"),
        "{}",
        changed.text()
    );
    assert!(
        changed.text().contains("couldn't post the project card"),
        "{}",
        changed.text()
    );
    w.sim.clear_failures();

    // Revoking without Manage Roles says so; the guest is off the share in any case.
    w.sim.deny_manage_roles(w.guild);
    let ask = w
        .run(
            &w.alice,
            "share revoke",
            vec![
                opt::string("project", "Website"),
                opt::string("guest", "cara"),
            ],
        )
        .await;
    let done = confirm(w, &w.alice, &ask, "Revoke").await;
    assert!(done.contains("is no longer a guest"), "{done}");
    assert!(done.contains("Manage Roles"), "{done}");
    assert!(
        sharing::card_for_guest(&w.app, &as_actor(w, &cara), "Website")
            .await
            .is_err()
    );
}
share_test!(
    manage_roles_and_closed_dms_explained,
    discord_refusals_are_explained
);

async fn weekly_summary_posted_once(w: &World, clock: Arc<ManualClock>) {
    let (_, client) = setting(w).await;
    let cara = w.person("cara");
    private_reply(
        w,
        &w.alice,
        "share project",
        share_options(client, "stage", &[&cara]),
        &["now shared"],
    )
    .await;
    nth_card(w, client, 1).await;
    let weekly = |w: &World| {
        cards(w, client)
            .into_iter()
            .filter(|m| m.text().contains("Weekly summary"))
            .count()
    };
    // Not due before a week.
    tokio::time::sleep(StdDuration::from_millis(200)).await;
    assert_eq!(weekly(w), 0);

    // A week later: the bot's loop and two more workers at once post it exactly once.
    clock.advance(Duration::days(7) + Duration::minutes(1));
    let http = serenity::HttpBuilder::new(discord_sim::TOKEN)
        .proxy(w.sim.base_url())
        .ratelimiter_disabled(true)
        .build();
    let (a, b) = tokio::join!(
        sharing_posts::summary_round(&http, &w.app, "e2e-worker-a"),
        sharing_posts::summary_round(&http, &w.app, "e2e-worker-b"),
    );
    assert!(a + b <= 1, "{a} + {b}");
    let card = nth_card(w, client, 2).await;
    assert!(card.text().contains("Weekly summary"), "{}", card.text());
    assert!(card.text().contains("Stage:** Design"), "{}", card.text());
    tokio::time::sleep(StdDuration::from_millis(300)).await;
    assert_eq!(weekly(w), 1);
    assert_eq!(
        sharing_posts::summary_round(&http, &w.app, "e2e-worker-a").await,
        0
    );

    // The next week brings the next one.
    clock.advance(Duration::days(7));
    nth_card(w, client, 3).await;
    tokio::time::sleep(StdDuration::from_millis(300)).await;
    assert_eq!(weekly(w), 2);
}
share_test!(weekly_summary_once, weekly_summary_posted_once);

/// The link to the guest page in the latest DM `guest` got from the bot.
fn link_in_dm(w: &World, guest: &SimUser) -> String {
    let dms = w.sim.dms_to(guest);
    let dm = dms.last().expect("a DM");
    assert!(dm.pings().users.is_empty(), "{dm:?}");
    support::link_in(&dm.text()).unwrap_or_else(|| panic!("no link in the DM: {}", dm.text()))
}

/// Waits for the bot to remove `user`'s overwrite on `channel` and returns that request.
async fn overwrite_removed(
    w: &World,
    channel: ChannelId,
    user: &SimUser,
) -> discord_sim::RecordedRequest {
    let path = format!("/channels/{channel}/permissions/{}", user.id.0);
    w.sim
        .wait_for_request(|r| r.method == "DELETE" && r.path.ends_with(&path), WAIT)
        .await
}

/// `/share project` DMs each guest their own link to the project's page, which opens; after
/// `/share revoke` for that guest the link answers 410 and their overwrite is deleted.
async fn dm_link_works_until_revoked(w: &World, _clock: Arc<ManualClock>) {
    let (_, client) = setting(w).await;
    let cara = w.person("cara");
    private_reply(
        w,
        &w.alice,
        "share project",
        share_options(client, "stage", &[&cara]),
        &["now shared", "Told by direct message"],
    )
    .await;
    let dm = w.sim.dms_to(&cara).last().expect("a DM").text();
    for said in [
        "shared the project **Website**",
        &format!("<#{client}>"),
        "Follow it on the web",
        "keep it to yourself",
        "/me project-link",
    ] {
        assert!(dm.contains(said), "'{said}' missing: {dm}");
    }
    let url = link_in_dm(w, &cara);
    assert!(url.contains("/p/"), "{url}");
    let (status, page) = support::open_link(&w.app, &url).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("Website") && page.contains("Design"),
        "{page}"
    );
    for hidden in ["2026-12-24", "Mockups", "EUR", "Rate", "alice"] {
        assert!(!page.contains(hidden), "'{hidden}' leaked: {page}");
    }
    // The link is Cara's (her /report links lists it); the audit log says Alice made it.
    private_reply(
        w,
        &cara,
        "report links",
        vec![],
        &["project page · active", url.as_str()],
    )
    .await;
    let log = crewclock::app::workspace::audit_log(&w.app, &alice(w), None)
        .await
        .unwrap();
    let made = log
        .iter()
        .find(|e| e.action == "link.create")
        .expect("the link is audited");
    assert_eq!(made.actor_user, Some(UserId(w.alice.id.0)));
    assert!(
        made.after
            .as_deref()
            .is_some_and(|a| a.contains(&cara.id.0.to_string())),
        "{made:?}"
    );

    let ask = w
        .run(
            &w.alice,
            "share revoke",
            vec![
                opt::string("project", "Website"),
                opt::string("guest", cara.id.0.to_string()),
            ],
        )
        .await;
    let done = confirm(w, &w.alice, &ask, "Revoke").await;
    assert!(done.contains("is no longer a guest"), "{done}");
    let delete = overwrite_removed(w, client, &cara).await;
    assert_eq!(delete.status, 204, "{delete}");
    assert!(guests_with_access(w, client).is_empty());
    let (status, page) = support::open_link(&w.app, &url).await;
    assert_eq!(status, 410, "{page}");
    assert!(!page.contains("Design"), "{page}");
}
share_test!(
    dm_link_works_until_the_guest_is_revoked,
    dm_link_works_until_revoked
);

/// A guest leaving the server, or losing the Discord role linked to Guest, loses the guest
/// channel (the bot deletes the overwrite) and their link answers 410; other guests keep both.
async fn leaving_or_losing_the_role_ends_access(w: &World, _clock: Arc<ManualClock>) {
    let (_, client) = setting(w).await;
    let cara = w.person("cara");
    let dan = w.person("dan");
    // Dan comes in through the Discord role linked to Guest.
    let guests_role = w
        .sim
        .add_role(w.guild, discord_sim::RoleSpec::new("Clients"));
    crewclock::app::role_links::link(
        &w.app,
        &alice(w),
        crewclock::domain::Role::Guest,
        crewclock::domain::DiscordRoleId(guests_role.0),
    )
    .await
    .unwrap();
    w.sim.add_member_role(w.guild, &dan, guests_role).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while !crewclock::app::members::list(&w.app, &alice(w), false)
        .await
        .unwrap()
        .iter()
        .any(|m| m.user_id == UserId(dan.id.0) && m.role == crewclock::domain::Role::Guest)
    {
        assert!(tokio::time::Instant::now() < deadline, "Dan never joined");
        tokio::time::sleep(StdDuration::from_millis(20)).await;
    }
    private_reply(
        w,
        &w.alice,
        "share project",
        share_options(client, "stage", &[&cara, &dan]),
        &[
            "now shared",
            "Joined the workspace as Guests",
            "Guests added",
        ],
    )
    .await;
    let mut both = vec![cara.id.0, dan.id.0];
    both.sort();
    assert_eq!(guests_with_access(w, client), both);
    let cara_url = link_in_dm(w, &cara);
    let dan_url = link_in_dm(w, &dan);
    for url in [&cara_url, &dan_url] {
        assert_eq!(support::open_link(&w.app, url).await.0, 200);
    }

    // Cara leaves the server (GUILD_MEMBER_REMOVE).
    w.sim.remove_member(w.guild, &cara).await;
    let delete = overwrite_removed(w, client, &cara).await;
    assert_eq!(delete.status, 204, "{delete}");
    assert_eq!(guests_with_access(w, client), vec![dan.id.0]);
    assert_eq!(support::open_link(&w.app, &cara_url).await.0, 410);
    assert_eq!(support::open_link(&w.app, &dan_url).await.0, 200);

    // Dan loses the linked role (GUILD_MEMBER_UPDATE): deactivated, access gone.
    w.sim.remove_member_role(w.guild, &dan, guests_role).await;
    let delete = overwrite_removed(w, client, &dan).await;
    assert_eq!(delete.status, 204, "{delete}");
    assert!(guests_with_access(w, client).is_empty());
    assert_eq!(support::open_link(&w.app, &dan_url).await.0, 410);
    assert_eq!(overwrite_deletes(w, client).len(), 2);

    // Both are audited as Discord's doing.
    let log = crewclock::app::workspace::audit_log(&w.app, &alice(w), None)
        .await
        .unwrap();
    let removals: Vec<_> = log
        .iter()
        .filter(|e| e.action == "share.guest_remove")
        .map(|e| (e.actor_user, e.actor_name.as_str()))
        .collect();
    assert_eq!(removals.len(), 2, "{removals:?}");
    assert!(removals.contains(&(None, "Discord")), "{removals:?}");
    assert!(
        removals.contains(&(None, "Discord role sync")),
        "{removals:?}"
    );
}
share_test!(
    leaving_the_server_or_the_role_ends_access,
    leaving_or_losing_the_role_ends_access
);
