//! Conversations with the real bot through the Discord simulator about timers: start, stop,
//! switch, status and discard; double clicks; the project a bare `/timer start` picks (the
//! channel's, else the last one); who may track; what the project picker offers; `/me`; the
//! idle reminder DM and its buttons. Each runs on SQLite and PostgreSQL with a clock the test
//! moves, and the simulator checks every request against Discord's rules when the test ends.

mod support;

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{Duration, TimeZone, Utc};
use crewclock::app::ManualClock;
use discord_sim::{SentMessage, SimUser};
use support::{choices, names, no_options, opt, private_reply, Setup, World};

/// Runs `$body(world, clock)` on both databases with a manual clock and reminders checked
/// every 50 ms.
macro_rules! timer_test {
    ($name:ident, $body:ident) => {
        mod $name {
            use super::*;

            fn setup() -> (Setup, Arc<ManualClock>) {
                let clock = Arc::new(ManualClock::new(
                    Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap(),
                ));
                let setup = Setup {
                    clock: clock.clone(),
                    reminder_check_ms: 50,
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

/// A privacy option as Discord sends it: the index of the registered choice.
fn public() -> serde_json::Value {
    opt::integer("privacy", 1)
}

/// Alice's workspace with two public projects, Website and Mobile, and a private one,
/// Secret; Bob is a Member.
async fn team(w: &World) -> SimUser {
    w.create_workspace().await;
    let bob = w.person("bob");
    w.join(&bob, "Member").await;
    for name in ["Website", "Mobile"] {
        let reply = w
            .run(
                &w.alice,
                "project create",
                vec![opt::string("name", name), public()],
            )
            .await;
        assert!(reply.text().contains("created"), "{}", reply.text());
    }
    let reply = w
        .run(
            &w.alice,
            "project create",
            vec![opt::string("name", "Secret")],
        )
        .await;
    assert!(
        reply.text().contains("created (private)"),
        "{}",
        reply.text()
    );
    bob
}

/// Start, double click, status, switch, stop, start again on the last project, discard with
/// Cancel and with Discard.
async fn timer_conversation(w: &World, clock: Arc<ManualClock>) {
    let bob = team(w).await;
    private_reply(
        w,
        &bob,
        "timer start",
        no_options(),
        &["Name a project", "/timer start project:Website"],
    )
    .await;
    private_reply(
        w,
        &bob,
        "timer start",
        vec![
            opt::string("project", "website"),
            opt::string("description", "landing page"),
        ],
        &[
            "Timer started on **Website** — landing page",
            "since 08:00 UTC",
        ],
    )
    .await;
    // The same start again within seconds: a double click, not a second timer.
    clock.advance(Duration::seconds(2));
    private_reply(
        w,
        &bob,
        "timer start",
        vec![
            opt::string("project", "website"),
            opt::string("description", "landing page"),
        ],
        &["already running", "no second timer was started"],
    )
    .await;
    clock.advance(Duration::minutes(70));
    private_reply(
        w,
        &bob,
        "timer status",
        no_options(),
        &[
            "Your timer runs on **Website**",
            "1h 10m so far",
            "Today (UTC): 1h 10m",
        ],
    )
    .await;
    private_reply(
        w,
        &bob,
        "timer switch",
        vec![opt::string("project", "Mobile")],
        &[
            "Stopped your timer on **Website** — landing page: 1h 10m",
            "Switched: timer running on **Mobile**",
        ],
    )
    .await;
    clock.advance(Duration::minutes(30));
    private_reply(
        w,
        &bob,
        "timer stop",
        no_options(),
        &["Stopped your timer on **Mobile**: 30m", "Time entry `#"],
    )
    .await;
    private_reply(
        w,
        &bob,
        "timer stop",
        no_options(),
        &["You have no running timer. Start one with /timer start."],
    )
    .await;
    private_reply(
        w,
        &bob,
        "timer switch",
        vec![opt::string("project", "Website")],
        &["No timer is running, so there is nothing to switch from"],
    )
    .await;
    private_reply(
        w,
        &bob,
        "timer discard",
        no_options(),
        &["nothing to discard"],
    )
    .await;
    // No project: the last one.
    private_reply(
        w,
        &bob,
        "timer start",
        no_options(),
        &["Timer started on **Mobile** (your last project"],
    )
    .await;
    clock.advance(Duration::minutes(5));
    let question = private_reply(
        w,
        &bob,
        "timer discard",
        no_options(),
        &["Discard your timer on **Mobile**", "5m so far"],
    )
    .await;
    w.sim.click_label(&bob, &question, "Cancel").await;
    let cancelled = w.sim.wait_for_update(&question).await;
    assert!(
        cancelled.text().contains("nothing was changed"),
        "{}",
        cancelled.text()
    );
    private_reply(
        w,
        &bob,
        "timer status",
        no_options(),
        &["runs on **Mobile**"],
    )
    .await;
    let question = private_reply(w, &bob, "timer discard", no_options(), &["Discard"]).await;
    w.sim.click_label(&bob, &question, "Discard timer").await;
    let done = w.sim.wait_for_update(&question).await;
    assert!(
        done.text()
            .contains("Discarded your timer on **Mobile** (5m); no time was kept"),
        "{}",
        done.text()
    );
    assert!(done.buttons().is_empty());
    private_reply(
        w,
        &bob,
        "timer status",
        no_options(),
        &["No timer is running", "Today (UTC): 1h 40m"],
    )
    .await;
}
timer_test!(timer_start_stop_switch_status_discard, timer_conversation);

/// A channel's default project: who may set it, what a bare start then does, and private
/// defaults for people not on them.
async fn channel_defaults(w: &World, clock: Arc<ManualClock>) {
    let bob = team(w).await;
    private_reply(
        w,
        &bob,
        "project link-channel",
        vec![opt::string("project", "Website")],
        &["Only the Owner, Admins and this project's managers can edit a project."],
    )
    .await;
    private_reply(
        w,
        &w.alice,
        "project unlink-channel",
        no_options(),
        &["This channel has no default project."],
    )
    .await;
    private_reply(
        w,
        &w.alice,
        "project link-channel",
        vec![opt::string("project", "Website")],
        &[
            &format!("In <#{}>", w.general.0),
            "now tracks to **Website**",
        ],
    )
    .await;
    // Bob tracked to Mobile last, but in this channel a bare start is for Website.
    w.run(&bob, "timer start", vec![opt::string("project", "Mobile")])
        .await;
    clock.advance(Duration::minutes(10));
    private_reply(
        w,
        &bob,
        "timer start",
        no_options(),
        &[
            "Stopped your timer on **Mobile**: 10m",
            "Timer started on **Website** (this channel's project)",
        ],
    )
    .await;
    private_reply(
        w,
        &bob,
        "project unlink-channel",
        no_options(),
        &["Only the Owner, Admins and this project's managers"],
    )
    .await;
    // A private default: Bob isn't on Secret, so he is told to name a project.
    private_reply(
        w,
        &w.alice,
        "project link-channel",
        vec![opt::string("project", "Secret")],
        &["now tracks to **Secret**", "(It was **Website**.)"],
    )
    .await;
    private_reply(
        w,
        &bob,
        "timer start",
        no_options(),
        &["This channel's default project is private and you are not one of its members"],
    )
    .await;
    private_reply(
        w,
        &w.alice,
        "project unlink-channel",
        no_options(),
        &["no longer defaults to **Secret**"],
    )
    .await;
    w.run(
        &w.alice,
        "project archive",
        vec![opt::string("project", "Mobile")],
    )
    .await;
    private_reply(
        w,
        &w.alice,
        "project link-channel",
        vec![opt::string("project", "Mobile")],
        &["Mobile is archived; a channel can't default to it."],
    )
    .await;
}
timer_test!(channel_default_projects, channel_defaults);

/// Viewers and Guests don't track time; the project picker offers only projects the person
/// may track to, never a private project they are not on.
async fn who_may_track(w: &World, _clock: Arc<ManualClock>) {
    let bob = team(w).await;
    let vera = w.person("vera");
    w.join(&vera, "Viewer").await;
    let gus = w.person("gus");
    w.join(&gus, "Guest").await;
    let carol = w.person("carol");
    w.join(&carol, "Manager").await;
    private_reply(
        w,
        &vera,
        "timer start",
        vec![opt::string("project", "Website")],
        &["Viewers can't track or change time."],
    )
    .await;
    private_reply(
        w,
        &gus,
        "timer start",
        vec![opt::string("project", "Website")],
        &["Guests"],
    )
    .await;
    private_reply(w, &vera, "timer stop", no_options(), &["no running timer"]).await;
    // A Manager sees Secret but may not track to it: not offered, and refused when typed.
    private_reply(
        w,
        &carol,
        "timer start",
        vec![opt::string("project", "Secret")],
        &["Secret is private and you are not one of its members"],
    )
    .await;
    let focused = || vec![opt::focused("project", "")];
    let alice_sees = choices(w, &w.alice, "timer start", focused()).await;
    assert_eq!(names(&alice_sees), ["Mobile", "Secret", "Website"]);
    for user in [&bob, &carol] {
        let offered = choices(w, user, "timer start", focused()).await;
        assert_eq!(names(&offered), ["Mobile", "Website"], "{}", user.username);
    }
    for user in [&vera, &gus] {
        assert!(choices(w, user, "timer switch", focused()).await.is_empty());
    }
    let typed = choices(w, &bob, "timer start", vec![opt::focused("project", "web")]).await;
    assert_eq!(names(&typed), ["Website"]);
    // Putting Bob on Secret offers it to him.
    w.run(
        &w.alice,
        "project members add",
        vec![
            opt::string("project", "Secret"),
            opt::user("member", bob.id),
        ],
    )
    .await;
    let offered = choices(w, &bob, "timer start", focused()).await;
    assert_eq!(names(&offered), ["Mobile", "Secret", "Website"]);
    // Tags: the part after the last comma is completed.
    w.run(&w.alice, "tag create", vec![opt::string("name", "Urgent")])
        .await;
    w.run(&w.alice, "tag create", vec![opt::string("name", "Design")])
        .await;
    let tags = choices(
        w,
        &bob,
        "timer start",
        vec![opt::focused("tags", "Design, ur")],
    )
    .await;
    assert_eq!(names(&tags), ["Design, Urgent"]);
    let value = tags[0].value.as_str().unwrap_or_default().to_string();
    private_reply(
        w,
        &bob,
        "timer start",
        vec![
            opt::string("project", "Website"),
            opt::string("tags", &value),
        ],
        &["Timer started on **Website** [Design, Urgent]"],
    )
    .await;
}
timer_test!(
    viewers_and_guests_refused_and_picker_hides_private,
    who_may_track
);

/// `/me`: time zone (autocomplete, valid, invalid with what to type), week start, status.
async fn preferences(w: &World, _clock: Arc<ManualClock>) {
    let bob = team(w).await;
    private_reply(
        w,
        &bob,
        "me status",
        no_options(),
        &["Your time zone: **UTC**", "Your week starts on **Monday**"],
    )
    .await;
    let zones = choices(w, &bob, "me timezone", vec![opt::focused("zone", "berl")]).await;
    assert_eq!(names(&zones)[0], "Europe/Berlin");
    assert_eq!(
        choices(w, &bob, "me timezone", vec![opt::focused("zone", "")])
            .await
            .len(),
        25
    );
    private_reply(
        w,
        &bob,
        "me timezone",
        vec![opt::string("zone", "Mars/Olympus")],
        &["isn't a time zone I know", "Europe/Berlin"],
    )
    .await;
    private_reply(
        w,
        &bob,
        "me timezone",
        vec![opt::string("zone", "EST")],
        &["is an abbreviation", "Type your region's zone instead"],
    )
    .await;
    private_reply(
        w,
        &bob,
        "me timezone",
        vec![opt::string("zone", "europe/berlin")],
        &["Saved. Your time zone: **Europe/Berlin**"],
    )
    .await;
    // Sunday is the seventh registered choice.
    private_reply(
        w,
        &bob,
        "me week-start",
        vec![opt::integer("day", 6)],
        &["Your week starts on **Sunday**"],
    )
    .await;
    // Timers now speak Berlin time (08:00 UTC is 09:00 there).
    private_reply(
        w,
        &bob,
        "timer start",
        vec![opt::string("project", "Website")],
        &["since 09:00 Europe/Berlin"],
    )
    .await;
    // Outsiders get told to join.
    let stranger = w.person("stranger");
    let reply = w.run(&stranger, "me status", no_options()).await;
    assert!(reply.ephemeral());
}
timer_test!(me_preferences, preferences);

async fn reminder_dm(w: &World, user: &SimUser, count: usize) -> SentMessage {
    let channel = w.sim.dm_channel(user);
    w.sim
        .wait_for_bot_message(channel, StdDuration::from_secs(5), |m| {
            m.content.contains("has run for")
        })
        .await;
    let reminders: Vec<SentMessage> = w
        .sim
        .dms_to(user)
        .into_iter()
        .filter(|m| m.text().contains("has run for"))
        .collect();
    assert_eq!(reminders.len(), count, "{reminders:?}");
    reminders.into_iter().last().expect("a reminder")
}

/// The idle reminder: one DM after idle_reminder_hours, buttons only for the owner, Stop
/// at… with a modal (bad and future times refused, then accepted), Stop now.
async fn idle_reminder(w: &World, clock: Arc<ManualClock>) {
    let bob = team(w).await;
    w.run(
        &bob,
        "timer start",
        vec![
            opt::string("project", "Website"),
            opt::string("description", "deploy"),
        ],
    )
    .await;
    clock.advance(Duration::hours(10) + Duration::minutes(1));
    let dm = reminder_dm(w, &bob, 1).await;
    assert!(
        dm.text()
            .contains("Your timer on **Website** (deploy) has run for 10h 1m, since 08:00 (UTC)"),
        "{}",
        dm.text()
    );
    assert!(dm.pings().is_empty());
    // Several more rounds: still one reminder.
    tokio::time::sleep(StdDuration::from_millis(300)).await;
    assert_eq!(
        w.sim
            .dms_to(&bob)
            .iter()
            .filter(|m| m.text().contains("has run for"))
            .count(),
        1
    );
    // Someone else pressing the buttons is refused.
    for label in ["Stop now", "Stop at…"] {
        let answer = w.sim.click_label(&w.alice, &dm, label).await.reply().await;
        assert!(answer.ephemeral());
        assert!(
            answer.text().contains("someone else's timer"),
            "{}",
            answer.text()
        );
    }
    // Stop at…: a modal; nonsense and a time still to come are refused.
    let modal = w.sim.click_label(&bob, &dm, "Stop at…").await.modal().await;
    assert_eq!(modal.inputs.len(), 1);
    let input = modal.inputs[0].custom_id.clone();
    let answer = w
        .sim
        .submit_modal(&bob, &modal, &[(&input, "half past")])
        .await
        .reply()
        .await;
    assert!(
        answer.text().contains("Press **Stop at…** again"),
        "{}",
        answer.text()
    );
    let modal = w.sim.click_label(&bob, &dm, "Stop at…").await.modal().await;
    let answer = w
        .sim
        .submit_modal(&bob, &modal, &[(&input, "19:30")])
        .await
        .reply()
        .await;
    assert!(
        answer.text().contains("is still to come"),
        "{}",
        answer.text()
    );
    let modal = w.sim.click_label(&bob, &dm, "Stop at…").await.modal().await;
    w.sim.submit_modal(&bob, &modal, &[(&input, "17:30")]).await;
    let stopped = w.sim.wait_for_update(&dm).await;
    assert!(
        stopped
            .text()
            .contains("Stopped your timer on **Website**: 9h 30m"),
        "{}",
        stopped.text()
    );
    assert!(stopped.buttons().is_empty());
    private_reply(
        w,
        &bob,
        "timer status",
        no_options(),
        &["No timer is running"],
    )
    .await;

    // A second timer: Stop now.
    w.run(&bob, "timer start", vec![opt::string("project", "Mobile")])
        .await;
    clock.advance(Duration::hours(11));
    // The first reminder now says what was stopped; this is the only one asking.
    let dm = reminder_dm(w, &bob, 1).await;
    assert!(
        dm.text().contains("**Mobile** has run for 11h"),
        "{}",
        dm.text()
    );
    w.sim.click_label(&bob, &dm, "Stop now").await;
    let stopped = w.sim.wait_for_update(&dm).await;
    assert!(
        stopped
            .text()
            .contains("Stopped your timer on **Mobile**: 11h"),
        "{}",
        stopped.text()
    );
    // Answered reminders lose their buttons, so an old one can't stop a newer timer.
    let first = w
        .sim
        .dms_to(&bob)
        .into_iter()
        .find(|m| m.text().contains("9h 30m"))
        .expect("the first reminder");
    assert!(first.buttons().is_empty());
}
timer_test!(idle_reminder_dm_and_buttons, idle_reminder);

/// A reminder that can't be delivered (DMs closed) is not retried forever; one that failed
/// for a passing reason is sent on a later round.
async fn undeliverable_reminders(w: &World, clock: Arc<ManualClock>) {
    let bob = team(w).await;
    w.sim.set_dms_closed(&bob, true);
    w.run(&bob, "timer start", vec![opt::string("project", "Website")])
        .await;
    clock.advance(Duration::hours(10));
    // Wait for the round that tried, then some more rounds.
    w.sim
        .wait_for_request(
            |r| r.matches("POST", "/channels/") && r.status == 403,
            StdDuration::from_secs(5),
        )
        .await;
    tokio::time::sleep(StdDuration::from_millis(300)).await;
    w.sim.set_dms_closed(&bob, false);
    tokio::time::sleep(StdDuration::from_millis(300)).await;
    assert!(
        !w.sim
            .dms_to(&bob)
            .iter()
            .any(|m| m.text().contains("has run for")),
        "a closed DM is not retried"
    );
    w.run(&bob, "timer stop", no_options()).await;
    // A passing failure (Discord answering 500) is retried.
    w.sim
        .fail_requests("POST", "/channels/", 500, 0, "Internal Server Error");
    w.run(&bob, "timer start", vec![opt::string("project", "Mobile")])
        .await;
    clock.advance(Duration::hours(10));
    tokio::time::sleep(StdDuration::from_millis(300)).await;
    w.sim.clear_failures();
    let dm = reminder_dm(w, &bob, 1).await;
    assert!(dm.text().contains("**Mobile**"), "{}", dm.text());
}
timer_test!(
    undeliverable_reminders_closed_and_retried,
    undeliverable_reminders
);

/// `/project info` shows how much of the budget is used (money only to those who may see
/// it); `/project members rate` sets one person's rate on one project; link-channel names
/// another channel.
async fn budgets_and_member_rates(w: &World, clock: Arc<ManualClock>) {
    let bob = team(w).await;
    w.run(
        &w.alice,
        "project budget",
        vec![
            opt::string("project", "Website"),
            opt::string("budget", "10h"),
        ],
    )
    .await;
    w.run(&bob, "timer start", vec![opt::string("project", "Website")])
        .await;
    clock.advance(Duration::hours(2) + Duration::minutes(30));
    w.run(&bob, "timer stop", no_options()).await;
    let info = w
        .run(
            &bob,
            "project info",
            vec![opt::string("project", "Website")],
        )
        .await;
    assert!(info.ephemeral());
    let text = info.embeds[0]["description"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        text.contains("**Tracked:** 2h 30m — **25%** of the budget (10h)"),
        "{text}"
    );
    assert!(!text.contains("billable"), "no money for Bob: {text}");
    private_reply(
        w,
        &bob,
        "project members rate",
        vec![
            opt::string("project", "Website"),
            opt::user("member", bob.id),
            opt::string("rate", "90"),
        ],
        &["Only the Owner"],
    )
    .await;
    private_reply(
        w,
        &w.alice,
        "project members rate",
        vec![
            opt::string("project", "Website"),
            opt::user("member", bob.id),
            opt::string("rate", "90 EUR"),
        ],
        &[&format!(
            "Rate of <@{}> on this project: EUR 90.00 per hour.",
            bob.id.0
        )],
    )
    .await;
    private_reply(
        w,
        &w.alice,
        "project members rate",
        vec![
            opt::string("project", "Website"),
            opt::user("member", bob.id),
            opt::string("rate", "lots"),
        ],
        &["85"],
    )
    .await;
    let info = w
        .run(
            &w.alice,
            "project info",
            vec![opt::string("project", "Website")],
        )
        .await;
    let text = info.embeds[0]["description"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        text.contains("**Tracked:** 2h 30m, billable EUR 0.00"),
        "{text}"
    );
    // Another channel, named.
    let dev = w
        .sim
        .add_channel(w.guild, discord_sim::ChannelSpec::text("dev"));
    private_reply(
        w,
        &w.alice,
        "project link-channel",
        vec![
            opt::string("project", "Mobile"),
            opt::channel("channel", dev),
        ],
        &[&format!("In <#{}>", dev.0), "**Mobile**"],
    )
    .await;
    let started = w
        .sim
        .command(&bob, dev, "timer start", no_options())
        .await
        .reply()
        .await;
    assert!(
        started
            .text()
            .contains("Timer started on **Mobile** (this channel's project)"),
        "{}",
        started.text()
    );
    private_reply(
        w,
        &w.alice,
        "project unlink-channel",
        vec![opt::channel("channel", dev)],
        &["no longer defaults to **Mobile**"],
    )
    .await;
}
timer_test!(
    project_budget_use_member_rates_other_channel,
    budgets_and_member_rates
);
