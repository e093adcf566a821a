//! Timers (`/timer start|stop|switch|status|discard`), channels' default projects and idle
//! reminders, on SQLite and PostgreSQL: one running timer per member (also under two starts at
//! once), switching, double clicks, the "track time" cell of permissions.md for timers, the
//! 24-hour cap, stopping at a named time, and reminders claimed exactly once by concurrent
//! workers.

mod support;
mod time_support;

use chrono::Duration;
use crewclock::app::projects;
use crewclock::app::timers::{self, ProjectSource, StartTimer};
use crewclock::app::{reminders, workspace};
use crewclock::domain::ids::ChannelId;
use crewclock::domain::Role;
use crewclock::{Actor, AppError};
use support::{assert_denied, Harness};
use time_support::{running_count, time_snapshot, utc, zone, World, CLOSED, PRIVATE, PUBLIC};

fn on(project: &str) -> StartTimer {
    StartTimer {
        project: Some(project.into()),
        ..StartTimer::default()
    }
}

fn doing(project: &str, description: &str) -> StartTimer {
    StartTimer {
        project: Some(project.into()),
        description: Some(description.into()),
        ..StartTimer::default()
    }
}

async fn basics(h: &Harness) {
    let w = World::new(h).await;
    let app = w.app();
    let mia = &w.cast.member;
    projects::create_task(app, &w.cast.owner, PUBLIC, "Design")
        .await
        .unwrap();
    let started = timers::start(
        app,
        mia,
        StartTimer {
            project: Some("website".into()),
            task: Some("design".into()),
            description: Some("  mock-ups\nfor the home page ".into()),
            ..StartTimer::default()
        },
    )
    .await
    .unwrap();
    assert!(!started.double_click && started.stopped.is_none());
    assert_eq!(started.project_source, ProjectSource::Named);
    assert_eq!(started.timer.project, PUBLIC);
    assert_eq!(started.timer.task.as_deref(), Some("Design"));
    assert_eq!(started.timer.description, "mock-ups for the home page");
    assert!(started.timer.running);
    assert_eq!(started.timer.duration, Duration::zero());
    // Billable follows the project's default (Website is billable); Members see the flag.
    assert_eq!(started.timer.billable, Some(true));
    h.clock.advance(Duration::minutes(90));
    let status = timers::status(app, mia).await.unwrap();
    let running = status.running.expect("running");
    assert_eq!(running.id, started.timer.id);
    assert_eq!(running.duration, Duration::minutes(90));
    assert_eq!(status.today, Duration::minutes(90));
    let stopped = timers::stop(app, mia).await.unwrap();
    assert!(!stopped.capped);
    assert_eq!(stopped.entry.id, started.timer.id);
    assert_eq!(stopped.entry.duration, Duration::minutes(90));
    assert!(!stopped.entry.running);
    assert_eq!(stopped.entry.when_text(), "Mon 2026-11-23 9:00–10:30");
    let status = timers::status(app, mia).await.unwrap();
    assert!(status.running.is_none());
    assert_eq!(status.today, Duration::minutes(90));
    match timers::stop(app, mia).await {
        Err(AppError::NotFound(m)) => assert!(m.contains("no running timer"), "{m}"),
        other => panic!("{other:?}"),
    }
    // Discard throws the running timer away.
    let again = timers::start(app, mia, on(PUBLIC)).await.unwrap();
    h.clock.advance(Duration::minutes(5));
    let discarded = timers::discard(app, mia).await.unwrap();
    assert_eq!(discarded.id, again.timer.id);
    assert_eq!(running_count(app, w.ws.guild, mia).await, 0);
    assert!(matches!(
        timers::discard(app, mia).await,
        Err(AppError::NotFound(_))
    ));
    let status = timers::status(app, mia).await.unwrap();
    assert_eq!(
        status.today,
        Duration::minutes(90),
        "the discarded timer left nothing"
    );
    // Bad input is refused with what to type, and nothing is written.
    let before = time_snapshot(app, w.ws.guild).await;
    for (input, needle) in [
        (on("Nope"), "No project named 'Nope'"),
        (
            StartTimer {
                task: Some("Nothing".into()),
                ..on(PUBLIC)
            },
            "No task named 'Nothing' in Website",
        ),
        (
            StartTimer {
                tags: vec!["ghost".into()],
                ..on(PUBLIC)
            },
            "No tag named 'ghost'",
        ),
        (
            StartTimer {
                description: Some("x".repeat(501)),
                ..on(PUBLIC)
            },
            "at most 500",
        ),
    ] {
        match timers::start(app, mia, input).await {
            Err(AppError::NotFound(m) | AppError::Invalid(m)) => {
                assert!(m.contains(needle), "{m}")
            }
            other => panic!("expected a refusal mentioning {needle}: {other:?}"),
        }
    }
    assert_eq!(time_snapshot(app, w.ws.guild).await, before);
}
db_test!(start_status_stop_discard, basics);

async fn switching(h: &Harness) {
    let w = World::new(h).await;
    let app = w.app();
    let mia = &w.cast.member;
    let guild = w.ws.guild;
    let first = timers::start(app, mia, doing(PUBLIC, "a")).await.unwrap();
    // A double click: same project, task and description within five seconds.
    h.clock.advance(Duration::seconds(3));
    let again = timers::start(app, mia, doing(PUBLIC, "a")).await.unwrap();
    assert!(again.double_click);
    assert_eq!(again.timer.id, first.timer.id);
    assert_eq!(again.timer.started_at, first.timer.started_at);
    assert!(again.stopped.is_none());
    h.clock.advance(Duration::seconds(2));
    assert!(
        timers::start(app, mia, doing(PUBLIC, "a"))
            .await
            .unwrap()
            .double_click
    );
    // After five seconds it is a new timer; the first one stops at that instant.
    h.clock.advance(Duration::seconds(1));
    let second = timers::start(app, mia, doing(PUBLIC, "a")).await.unwrap();
    assert!(!second.double_click);
    assert_ne!(second.timer.id, first.timer.id);
    let stopped = second.stopped.expect("first stopped");
    assert_eq!(stopped.entry.id, first.timer.id);
    assert_eq!(stopped.entry.duration, Duration::seconds(6));
    assert_eq!(stopped.entry.ended_at, Some(second.timer.started_at));
    assert_eq!(running_count(app, guild, mia).await, 1);
    // Within five seconds but other work: a switch, not a double click.
    h.clock.advance(Duration::seconds(1));
    let third = timers::start(app, mia, doing(PUBLIC, "b")).await.unwrap();
    assert!(!third.double_click);
    assert_eq!(third.stopped.unwrap().entry.id, second.timer.id);
    h.clock.advance(Duration::seconds(1));
    let fourth = timers::switch(app, mia, doing(PRIVATE, "b")).await.unwrap();
    assert_eq!(fourth.stopped.unwrap().entry.id, third.timer.id);
    assert_eq!(fourth.timer.project, PRIVATE);
    assert_eq!(running_count(app, guild, mia).await, 1);
    // Switching needs a running timer.
    timers::stop(app, mia).await.unwrap();
    match timers::switch(app, mia, on(PUBLIC)).await {
        Err(AppError::NotFound(m)) => assert!(m.contains("nothing to switch from"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(running_count(app, guild, mia).await, 0);
}
db_test!(switching_and_double_clicks, switching);

/// Two starts at once (a double click, or two different projects) leave exactly one running
/// timer, and both callers get a clear answer.
async fn concurrent_starts(h: &Harness) {
    let w = World::new(h).await;
    let app = w.app();
    let guild = w.ws.guild;
    let people = [&w.cast.member, &w.cast.manager, &w.tm];
    for round in 0..4 {
        for who in people {
            let (a, b) = tokio::join!(
                timers::start(app, who, doing(PUBLIC, "same")),
                timers::start(app, who, doing(PUBLIC, "same")),
            );
            let (a, b) = (a.unwrap(), b.unwrap());
            assert_eq!(running_count(app, guild, who).await, 1, "round {round}");
            // One of them started the timer; the other saw it (a double click), or, when it
            // came first in a later round, switched from the previous round's timer.
            assert!(
                a.double_click || b.double_click,
                "round {round}: {a:?} {b:?}"
            );
            assert_eq!(a.timer.id, b.timer.id);
            let (c, d) = tokio::join!(
                timers::start(app, who, doing(PUBLIC, "one")),
                timers::start(app, who, doing(PRIVATE, "two")),
            );
            let (c, d) = (c.unwrap(), d.unwrap());
            assert_eq!(running_count(app, guild, who).await, 1, "round {round}");
            assert_ne!(c.timer.id, d.timer.id);
            // The later one stopped the earlier one.
            assert!(
                c.stopped.as_ref().map(|s| s.entry.id) == Some(d.timer.id)
                    || d.stopped.as_ref().map(|s| s.entry.id) == Some(c.timer.id)
            );
            h.clock.advance(Duration::seconds(10));
        }
    }
    // Everyone at once, twice each.
    let starts = people.iter().flat_map(|who| {
        [
            timers::start(app, who, on(PUBLIC)),
            timers::start(app, who, on(PRIVATE)),
        ]
    });
    for outcome in futures::future::join_all(starts).await {
        outcome.unwrap();
    }
    for who in people {
        assert_eq!(running_count(app, guild, who).await, 1);
    }
}
db_test!(two_starts_at_once_leave_one_timer, concurrent_starts);

/// The database itself refuses a second running timer for a member.
async fn one_running_timer_in_the_database(h: &Harness) {
    let w = World::new(h).await;
    let app = w.app();
    timers::start(app, &w.cast.member, on(PUBLIC))
        .await
        .unwrap();
    let mut conn = app.store.conn().await.unwrap();
    let sql =
        "INSERT INTO time_entries (workspace_id, member_id, project_id, description, billable,
                   started_at, ended_at, overlapping, created_by, created_at, updated_at)
               SELECT workspace_id, member_id, project_id, '', 0, started_at + 1, NULL, 0,
                      created_by, created_at, updated_at
               FROM time_entries WHERE ended_at IS NULL";
    let err = sqlx::query(sql).execute(&mut *conn).await.unwrap_err();
    assert!(crewclock::store::is_unique_violation(&err), "{err}");
    // Stopped entries are not limited in number, but each is at most 24 hours long.
    let sql_stopped = sql.replace("NULL, 0", "started_at + 86400002, 0");
    sqlx::query(&sql_stopped)
        .execute(&mut *conn)
        .await
        .unwrap_err();
    let sql_stopped = sql.replace("NULL, 0", "started_at + 86400001, 0");
    sqlx::query(&sql_stopped).execute(&mut *conn).await.unwrap();
    sqlx::query(&sql.replace("NULL, 0", "started_at + 1, 0"))
        .execute(&mut *conn)
        .await
        .unwrap();
}
db_test!(
    database_allows_one_running_timer,
    one_running_timer_in_the_database
);

async fn default_projects(h: &Harness) {
    let w = World::new(h).await;
    let app = w.app();
    let mia = &w.cast.member;
    let room = ChannelId(4242);
    let elsewhere = ChannelId(4343);
    match timers::start(app, mia, StartTimer::default()).await {
        Err(AppError::Invalid(m)) => assert!(m.contains("Name a project"), "{m}"),
        other => panic!("{other:?}"),
    }
    timers::start(app, mia, on(PUBLIC)).await.unwrap();
    h.clock.advance(Duration::minutes(30));
    let again = timers::start(app, mia, StartTimer::default())
        .await
        .unwrap();
    assert_eq!(again.project_source, ProjectSource::LastUsed);
    assert_eq!(again.timer.project, PUBLIC);
    assert!(again.stopped.is_some());
    // Linking a channel: whoever may edit the project (its managers, Owner, Admin).
    let before = time_snapshot(app, w.ws.guild).await;
    for who in [mia, &w.cast.manager, &w.cast.viewer] {
        assert_denied(timers::link_channel(app, who, room, PRIVATE).await, "");
    }
    // The Vault's project manager doesn't even see the private Secret.
    assert!(matches!(
        timers::link_channel(app, &w.pm, room, PRIVATE).await,
        Err(AppError::NotFound(_))
    ));
    assert_denied(
        timers::link_channel(app, &w.cast.guest, room, PRIVATE).await,
        "Guests",
    );
    assert_eq!(time_snapshot(app, w.ws.guild).await, before);
    let linked = timers::link_channel(app, &w.cast.admin, room, PRIVATE)
        .await
        .unwrap();
    assert_eq!(linked.project, PRIVATE);
    assert_eq!(linked.replaced, None);
    // The Vault's project manager may link a channel to it.
    let vault = timers::link_channel(app, &w.pm, elsewhere, CLOSED)
        .await
        .unwrap();
    assert_eq!(vault.project, CLOSED);
    let relinked = timers::link_channel(app, &w.cast.owner, elsewhere, PUBLIC)
        .await
        .unwrap();
    assert_eq!(relinked.replaced.as_deref(), Some(CLOSED));
    h.clock.advance(Duration::minutes(30));
    let in_room = timers::start(
        app,
        mia,
        StartTimer {
            channel: Some(room),
            ..StartTimer::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(in_room.project_source, ProjectSource::Channel);
    assert_eq!(in_room.timer.project, PRIVATE);
    // A named project wins over the channel's.
    h.clock.advance(Duration::minutes(30));
    let named = timers::start(
        app,
        mia,
        StartTimer {
            channel: Some(room),
            ..on(PUBLIC)
        },
    )
    .await
    .unwrap();
    assert_eq!(named.project_source, ProjectSource::Named);
    assert_eq!(named.timer.project, PUBLIC);
    // A channel without a link falls back to the last project.
    h.clock.advance(Duration::minutes(30));
    let unlinked = timers::start(
        app,
        mia,
        StartTimer {
            channel: Some(ChannelId(99)),
            ..StartTimer::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(unlinked.project_source, ProjectSource::LastUsed);
    assert_eq!(unlinked.timer.project, PUBLIC);
    // Someone not on the channel's private project is refused, naming it.
    assert_denied(
        timers::start(
            app,
            &w.other,
            StartTimer {
                channel: Some(room),
                ..StartTimer::default()
            },
        )
        .await,
        "This channel's default project is private",
    );
    assert_eq!(
        timers::channel_project(app, mia, room)
            .await
            .unwrap()
            .map(|p| p.1),
        Some(PRIVATE.to_string())
    );
    assert_eq!(
        timers::channel_project(app, &w.other, room).await.unwrap(),
        None
    );
    assert_denied(timers::unlink_channel(app, mia, room).await, "");
    assert_eq!(
        timers::unlink_channel(app, &w.cast.owner, room)
            .await
            .unwrap(),
        PRIVATE
    );
    assert!(matches!(
        timers::unlink_channel(app, &w.cast.owner, room).await,
        Err(AppError::NotFound(_))
    ));
}
db_test!(channel_and_last_project_defaults, default_projects);

/// permissions.md, "track time (timer or manual)", for timers: Owner/Admin any project;
/// Manager and Member public projects and private ones they belong to; Viewer, Guest never.
async fn track_cell(h: &Harness) {
    let w = World::new(h).await;
    let app = w.app();
    // (role, public, private they belong to (if any), closed private)
    let table = [
        (Role::Owner, true, true, true),
        (Role::Admin, true, true, true),
        (Role::Manager, true, true, false),
        (Role::Member, true, true, false),
        (Role::Viewer, false, false, false),
        (Role::Guest, false, false, false),
    ];
    for (role, public, private, closed) in table {
        let who: &Actor = w.cast.by_role(role);
        for (project, allowed) in [(PUBLIC, public), (PRIVATE, private), (CLOSED, closed)] {
            h.clock.advance(Duration::minutes(1));
            let before = time_snapshot(app, w.ws.guild).await;
            let outcome = timers::start(app, who, on(project)).await;
            match (&outcome, allowed) {
                (Ok(started), true) => assert_eq!(started.timer.project, project),
                (Err(AppError::Denied(_)), false) => {
                    assert_eq!(
                        time_snapshot(app, w.ws.guild).await,
                        before,
                        "{role} on {project}: refused but changed state"
                    );
                }
                // A private project a Member may not see is answered like a missing one.
                (Err(AppError::NotFound(_)), false) if role == Role::Member => {
                    assert_eq!(time_snapshot(app, w.ws.guild).await, before);
                }
                _ => panic!("{role} starts a timer on {project}: expected allowed={allowed}, got {outcome:?}"),
            }
        }
    }
    assert_denied(
        timers::start(app, &w.cast.viewer, on(PUBLIC)).await,
        "Viewers",
    );
    assert_denied(
        timers::start(app, &w.cast.guest, on(PUBLIC)).await,
        "Guests",
    );
    // A stranger is no member at all.
    let stranger = w.ws.stranger("Sam Stranger");
    assert_denied(
        timers::start(app, &stranger, on(PUBLIC)).await,
        "not a member",
    );
}
db_test!(track_time_cell_for_timers, track_cell);

async fn long_timers(h: &Harness) {
    let w = World::new(h).await;
    let app = w.app();
    let mia = &w.cast.member;
    w.ws.set("lock_entries_older_than_days", "1").await;
    let started = timers::start(app, mia, on(PUBLIC)).await.unwrap();
    h.clock.advance(Duration::hours(30));
    // Past the date lock and past 24 hours: the owner may still stop it; it ends at 24h.
    let stopped = timers::stop(app, mia).await.unwrap();
    assert!(stopped.capped);
    assert_eq!(stopped.entry.id, started.timer.id);
    assert_eq!(stopped.entry.duration, Duration::hours(24));
    // Once stopped, it is an entry like any other: date-locked for its Member.
    assert_denied(
        crewclock::app::entries::delete(app, mia, stopped.entry.id).await,
        "older than 1 days are locked",
    );
    // A switch caps the same way.
    timers::start(app, mia, on(PUBLIC)).await.unwrap();
    h.clock.advance(Duration::hours(25));
    let switched = timers::start(app, mia, on(PRIVATE)).await.unwrap();
    let previous = switched.stopped.unwrap();
    assert!(previous.capped);
    assert_eq!(previous.entry.duration, Duration::hours(24));
}
db_test!(timers_over_24_hours_are_capped, long_timers);

async fn stopping_at_a_named_time(h: &Harness) {
    let w = World::new(h).await;
    let app = w.app();
    let mia = &w.cast.member;
    zone(app, mia, "Europe/Berlin").await;
    // 09:00 UTC is 10:00 in Berlin.
    let started = timers::start(app, mia, on(PUBLIC)).await.unwrap();
    h.clock.set(utc("2026-11-23 20:00"));
    let before = time_snapshot(app, w.ws.guild).await;
    match timers::stop_at(app, mia, started.timer.id, "22:00").await {
        Err(AppError::Invalid(m)) => assert!(m.contains("still to come"), "{m}"),
        other => panic!("{other:?}"),
    }
    match timers::stop_at(app, mia, started.timer.id, "25:00").await {
        Err(AppError::Invalid(m)) => assert!(m.contains("hours go from 0 to 23"), "{m}"),
        other => panic!("{other:?}"),
    }
    // Someone else may see it (a public project) but not stop it.
    assert_denied(
        timers::stop_at(app, &w.other, started.timer.id, "18:30").await,
        "someone else's time",
    );
    assert_eq!(time_snapshot(app, w.ws.guild).await, before);
    let stopped = timers::stop_at(app, mia, started.timer.id, "6:30pm")
        .await
        .unwrap();
    assert_eq!(stopped.entry.ended_at, Some(utc("2026-11-23 17:30")));
    assert_eq!(stopped.entry.duration, Duration::minutes(8 * 60 + 30));
    assert_eq!(stopped.entry.when_text(), "Mon 2026-11-23 10:00–18:30");
    match timers::stop_at(app, mia, started.timer.id, "19:00").await {
        Err(AppError::Conflict(m)) => assert!(m.contains("isn't running any more"), "{m}"),
        other => panic!("{other:?}"),
    }
    // A night timer: started 23:00 local, stopped at 1:30 the next day.
    h.clock.set(utc("2026-11-23 22:00"));
    let night = timers::start(app, mia, on(PUBLIC)).await.unwrap();
    h.clock.set(utc("2026-11-24 08:00"));
    let stopped = timers::stop_at(app, mia, night.timer.id, "1:30")
        .await
        .unwrap();
    assert_eq!(stopped.entry.ended_at, Some(utc("2026-11-24 00:30")));
    assert_eq!(
        stopped.entry.when_text(),
        "Mon 2026-11-23 23:00 – Tue 2026-11-24 1:30"
    );
    // The Owner may stop someone's forgotten timer at a time they name.
    let forgotten = timers::start(app, mia, on(PUBLIC)).await.unwrap();
    h.clock.advance(Duration::hours(5));
    let by_owner = timers::stop_at(app, &w.cast.owner, forgotten.timer.id, "10:00")
        .await
        .unwrap();
    assert_eq!(by_owner.entry.ended_at, Some(utc("2026-11-24 09:00")));
}
db_test!(stop_at_a_named_time, stopping_at_a_named_time);

async fn idle_reminders(h: &Harness) {
    let w = World::new(h).await;
    let app = w.app();
    let mia = &w.cast.member;
    let max = &w.cast.manager;
    let started = timers::start(app, mia, doing(PUBLIC, "long one"))
        .await
        .unwrap();
    timers::start(app, max, on(PUBLIC)).await.unwrap();
    h.clock.advance(Duration::hours(9));
    // Max stops in time: no reminder for him.
    timers::stop(app, max).await.unwrap();
    assert!(reminders::due_idle_timers(app, "w1")
        .await
        .unwrap()
        .is_empty());
    h.clock.advance(Duration::hours(1) + Duration::seconds(1));
    // Two workers at once: exactly one gets it.
    let (a, b) = tokio::join!(
        reminders::due_idle_timers(app, "w1"),
        reminders::due_idle_timers(app, "w2"),
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.len() + b.len(), 1, "{a:?} {b:?}");
    let (winner, reminder) = if a.is_empty() {
        ("w2", b[0].clone())
    } else {
        ("w1", a[0].clone())
    };
    let loser = if winner == "w1" { "w2" } else { "w1" };
    assert_eq!(reminder.entry_id, started.timer.id);
    assert_eq!(reminder.user, mia.user);
    assert_eq!(reminder.guild, w.ws.guild);
    assert_eq!(reminder.project, PUBLIC);
    assert_eq!(reminder.description, "long one");
    assert_eq!(reminder.idle_hours, 10);
    assert!(reminder.elapsed > Duration::hours(10));
    // Nobody else gets it while the claim holds; only the claimer marks it sent.
    assert!(reminders::due_idle_timers(app, loser)
        .await
        .unwrap()
        .is_empty());
    assert!(!reminders::mark_sent(app, reminder.reminder_id, loser)
        .await
        .unwrap());
    assert!(reminders::mark_sent(app, reminder.reminder_id, winner)
        .await
        .unwrap());
    assert!(!reminders::mark_sent(app, reminder.reminder_id, winner)
        .await
        .unwrap());
    // Sent once: never again, also after the lease.
    h.clock.advance(Duration::hours(3));
    assert!(reminders::due_idle_timers(app, loser)
        .await
        .unwrap()
        .is_empty());
    assert!(reminders::due_idle_timers(app, winner)
        .await
        .unwrap()
        .is_empty());
    // A claim that is neither sent nor released expires; a released one is free at once.
    timers::start(app, max, on(PUBLIC)).await.unwrap();
    h.clock.advance(Duration::hours(11));
    let claimed = reminders::due_idle_timers(app, "w1").await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert!(reminders::due_idle_timers(app, "w2")
        .await
        .unwrap()
        .is_empty());
    h.clock
        .advance(reminders::CLAIM_LEASE + Duration::seconds(1));
    let retaken = reminders::due_idle_timers(app, "w2").await.unwrap();
    assert_eq!(retaken.len(), 1);
    assert!(reminders::release(app, retaken[0].reminder_id, "w2")
        .await
        .unwrap());
    let third = reminders::due_idle_timers(app, "w3").await.unwrap();
    assert_eq!(third.len(), 1);
    // Stopping the timer drops its reminder.
    timers::stop(app, max).await.unwrap();
    assert!(!reminders::mark_sent(app, third[0].reminder_id, "w3")
        .await
        .unwrap());
    h.clock.advance(reminders::CLAIM_LEASE * 2);
    assert!(reminders::due_idle_timers(app, "w4")
        .await
        .unwrap()
        .is_empty());
    // The setting applies to running timers at once.
    timers::stop(app, mia).await.unwrap();
    timers::start(app, mia, on(PUBLIC)).await.unwrap();
    h.clock.advance(Duration::hours(2));
    assert!(reminders::due_idle_timers(app, "w1")
        .await
        .unwrap()
        .is_empty());
    w.ws.set("idle_reminder_hours", "1").await;
    assert_eq!(
        reminders::due_idle_timers(app, "w1").await.unwrap().len(),
        1
    );
    for bad in ["0", "73", "ten"] {
        assert!(matches!(
            workspace::set_setting(app, &w.cast.owner, "idle_reminder_hours", bad).await,
            Err(AppError::Invalid(_))
        ));
    }
    assert!(matches!(
        reminders::due_idle_timers(app, "").await,
        Err(AppError::Invalid(_))
    ));
}
db_test!(idle_reminder_sent_once, idle_reminders);

/// Many due reminders and two workers polling at the same time: each reminder is handed to
/// exactly one of them.
async fn many_workers(h: &Harness) {
    let w = World::new(h).await;
    let app = w.app();
    w.ws.seats(60).await;
    let mut people = Vec::new();
    for i in 0..12 {
        let who = w.ws.add(Role::Member, &format!("Worker {i}")).await;
        timers::start(app, &who, on(PUBLIC)).await.unwrap();
        people.push(who);
    }
    h.clock.advance(Duration::hours(11));
    let mut seen = std::collections::HashMap::new();
    for _ in 0..3 {
        let (a, b) = tokio::join!(
            reminders::due_idle_timers(app, "alpha"),
            reminders::due_idle_timers(app, "beta"),
        );
        for (worker, list) in [("alpha", a.unwrap()), ("beta", b.unwrap())] {
            for reminder in list {
                assert!(
                    seen.insert(reminder.reminder_id, worker).is_none(),
                    "reminder {} handed out twice",
                    reminder.reminder_id
                );
                assert!(reminders::mark_sent(app, reminder.reminder_id, worker)
                    .await
                    .unwrap());
            }
        }
    }
    assert_eq!(seen.len(), people.len());
}
db_test!(reminders_claimed_once_by_concurrent_workers, many_workers);

/// A reminder's "Stop now" and a confirmed discard act on the timer they named: a newer
/// timer started in between is left alone.
async fn named_timers(h: &Harness) {
    let w = World::new(h).await;
    let app = w.app();
    let mia = &w.cast.member;
    let first = timers::start(app, mia, on(PUBLIC)).await.unwrap();
    h.clock.advance(Duration::minutes(30));
    let second = timers::start(app, mia, on(PRIVATE)).await.unwrap();
    let before = time_snapshot(app, w.ws.guild).await;
    match timers::stop_entry(app, mia, first.timer.id).await {
        Err(AppError::Conflict(m)) => assert!(m.contains("isn't running any more"), "{m}"),
        other => panic!("{other:?}"),
    }
    match timers::discard_entry(app, mia, first.timer.id).await {
        Err(AppError::Conflict(m)) => assert!(m.contains("nothing was discarded"), "{m}"),
        other => panic!("{other:?}"),
    }
    // Someone else's timer id is not theirs to stop.
    assert!(timers::stop_entry(app, &w.cast.manager, second.timer.id)
        .await
        .is_err());
    assert_eq!(
        time_snapshot(app, w.ws.guild).await,
        before,
        "refusals change nothing"
    );
    h.clock.advance(Duration::minutes(10));
    let stopped = timers::stop_entry(app, mia, second.timer.id).await.unwrap();
    assert_eq!(stopped.entry.duration, Duration::minutes(10));
    let third = timers::start(app, mia, on(PUBLIC)).await.unwrap();
    let gone = timers::discard_entry(app, mia, third.timer.id)
        .await
        .unwrap();
    assert_eq!(gone.id, third.timer.id);
    assert_eq!(running_count(app, w.ws.guild, mia).await, 0);
}
db_test!(stop_and_discard_a_named_timer, named_timers);

/// The timer's project picker offers only projects the person may track to.
async fn tracking_suggestions(h: &Harness) {
    let w = World::new(h).await;
    let app = w.app();
    let names = |found: Vec<projects::Suggestion>| -> Vec<String> {
        found.into_iter().map(|s| s.label).collect()
    };
    let owner = timers::suggest_projects_to_track(app, &w.cast.owner, "", 25).await;
    assert_eq!(names(owner.unwrap()), [PRIVATE, CLOSED, PUBLIC]);
    // The Manager sees Vault but isn't on it; Otto is on no private project.
    let manager = timers::suggest_projects_to_track(app, &w.cast.manager, "", 25).await;
    assert_eq!(names(manager.unwrap()), [PRIVATE, PUBLIC]);
    let other = timers::suggest_projects_to_track(app, &w.other, "", 25).await;
    assert_eq!(names(other.unwrap()), [PUBLIC]);
    let typed = timers::suggest_projects_to_track(app, &w.cast.member, "web", 25).await;
    assert_eq!(names(typed.unwrap()), [PUBLIC]);
    for role in [Role::Viewer, Role::Guest] {
        let found = timers::suggest_projects_to_track(app, w.cast.by_role(role), "", 25).await;
        assert!(found.unwrap().is_empty(), "{role}");
    }
}
db_test!(project_suggestions_for_timers, tracking_suggestions);

/// The timer commands answer without reading everything back; what they show must equal what
/// a later read shows: tags (in stored order), time zone, lock and amounts.
async fn answers_match_a_fresh_read(h: &Harness) {
    let w = World::new(h).await;
    let app = w.app();
    let owner = &w.cast.owner;
    for tag in ["zeta", "Alpha", "mid"] {
        projects::create_tag(app, owner, tag).await.unwrap();
    }
    crewclock::app::me::set_time_zone(app, owner, "Europe/Berlin")
        .await
        .unwrap();
    let started = timers::start(
        app,
        owner,
        StartTimer {
            project: Some(PUBLIC.into()),
            tags: vec!["zeta, alpha,MID".into()],
            ..StartTimer::default()
        },
    )
    .await
    .unwrap();
    h.clock.advance(Duration::minutes(75));
    let status = timers::status(app, owner).await.unwrap();
    let running = status.running.expect("running");
    assert_eq!(started.timer.tags, running.tags);
    assert_eq!(started.timer.tags, ["Alpha", "mid", "zeta"]);
    assert_eq!(started.timer.time_zone, running.time_zone);
    assert_eq!(started.timer.lock, running.lock);
    assert_eq!(started.timer.you_can_edit, running.you_can_edit);
    let stopped = timers::stop(app, owner).await.unwrap();
    let listed = crewclock::app::entries::list_week(app, owner, None, None)
        .await
        .unwrap();
    let again = listed
        .entries
        .iter()
        .find(|e| e.id == stopped.entry.id)
        .expect("listed");
    assert_eq!(&stopped.entry, again);
}
db_test!(timer_answers_match_a_fresh_read, answers_match_a_fresh_read);
