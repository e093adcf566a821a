//! Time entries (`/time add|edit|delete|list`) on SQLite and PostgreSQL: every cell of
//! permissions.md's "Time entries" table that is about entries, tried allowed and refused (a
//! refused call changes nothing), what people type (durations, ranges, dates) resolved in their
//! time zone across midnight and daylight-saving changes, overlaps, tags, billable flags,
//! rates and money, week lists and budgets.
//!
//! The clock starts on Monday 2026-11-23 09:00 UTC; people are in UTC unless a test says
//! otherwise.

mod support;
mod time_support;

use chrono::Duration;
use crewclock::app::entries::{self, AddEntry, EditEntry, EntryView};
use crewclock::app::projects::{self, ProjectEdit};
use crewclock::app::{rates, timers, workspace};
use crewclock::domain::entries::{Lock, RateLevel, TimesheetStatus};
use crewclock::domain::projects::Budget;
use crewclock::domain::Role;
use crewclock::{Actor, App, AppError, AppResult};
use support::{assert_denied, Harness};
use time_support::{day, time_snapshot, utc, zone, World, CLOSED, PRIVATE, PUBLIC};

fn entry(project: &str, when: &str, date: &str) -> AddEntry {
    AddEntry {
        project: project.into(),
        when: when.into(),
        date: Some(date.into()),
        ..AddEntry::default()
    }
}

async fn add(
    app: &App,
    who: &Actor,
    project: &str,
    when: &str,
    date: &str,
) -> AppResult<EntryView> {
    entries::add(app, who, entry(project, when, date)).await
}

fn describe(text: &str) -> EditEntry {
    EditEntry {
        description: Some(text.into()),
        ..EditEntry::default()
    }
}

#[track_caller]
fn refused_with<T: std::fmt::Debug>(outcome: AppResult<T>, needles: &[&str]) -> String {
    let message = match outcome {
        Err(AppError::Invalid(m) | AppError::Conflict(m) | AppError::Denied(m)) => m,
        other => panic!("expected a refusal mentioning {needles:?}, got {other:?}"),
    };
    for needle in needles {
        assert!(
            message.contains(needle),
            "'{message}' should mention '{needle}'"
        );
    }
    message
}

// ---------------------------------------------------------------------------------------
// What people type
// ---------------------------------------------------------------------------------------

async fn typed_forms(h: &Harness) {
    let w = World::new(h).await;
    let app = w.app();
    let mia = &w.cast.member;
    // Durations are placed after the day's last entry, from 09:00.
    let a = add(app, mia, PUBLIC, "1h30m", "yesterday").await.unwrap();
    assert_eq!(
        (a.started_at, a.ended_at),
        (utc("2026-11-22 09:00"), Some(utc("2026-11-22 10:30")))
    );
    let b = add(app, mia, PUBLIC, "90m", "yesterday").await.unwrap();
    assert_eq!(b.started_at, utc("2026-11-22 10:30"));
    assert_eq!(b.duration, Duration::minutes(90));
    let c = add(app, mia, PUBLIC, "1.5h", "2026-11-20").await.unwrap();
    assert_eq!(c.when_text(), "Fri 2026-11-20 9:00–10:30");
    // Today, before 09:00 is over: it ends now.
    let d = add(app, mia, PUBLIC, "1:30", "mon").await.unwrap();
    assert_eq!(d.when_text(), "Mon 2026-11-23 7:30–9:00");
    let e = add(app, mia, PUBLIC, "13:00-14:30", "fri").await.unwrap();
    assert_eq!(e.when_text(), "Fri 2026-11-20 13:00–14:30");
    let f = add(app, mia, PUBLIC, "9am-5pm", "20.11.2026").await;
    refused_with(f, &["overlaps your entry", "Fri 2026-11-20 9:00–10:30"]);
    let g = add(app, mia, PUBLIC, "2 hours", "2026-11-19")
        .await
        .unwrap();
    assert_eq!(g.duration, Duration::hours(2));
    assert_eq!(g.local_date, day("2026-11-19"));
    // No date means today.
    let today = entries::add(
        app,
        mia,
        AddEntry {
            project: PUBLIC.into(),
            when: "5:00-6:00".into(),
            ..AddEntry::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(today.local_date, day("2026-11-23"));
    // Refusals say what to type, and write nothing.
    let before = time_snapshot(app, w.ws.guild).await;
    let cases: [(&str, &str, &[&str]); 12] = [
        ("1h", "tomorrow", &["in the future"]),
        (
            "8:00-10:00",
            "today",
            &["still to come", "10:00 on 2026-11-23"],
        ),
        ("0m", "yesterday", &["is zero"]),
        ("-1h", "yesterday", &["negative"]),
        ("25h", "yesterday", &["more than 24 hours"]),
        ("2d", "yesterday", &["at most 24 hours"]),
        (
            "9:00-9:00",
            "yesterday",
            &["starts and ends at the same time"],
        ),
        ("90", "yesterday", &["no unit"]),
        ("1h", "2026-02-31", &["February 2026 has 28 days"]),
        ("1h", "11/20/2026", &["slashes"]),
        ("9-5", "yesterday", &["could mean"]),
        ("lots", "yesterday", &["isn't a duration"]),
    ];
    for (when, date, needles) in cases {
        refused_with(add(app, mia, PUBLIC, when, date).await, needles);
    }
    // At 00:30 there is no room for 2 hours today.
    h.clock.set(utc("2026-11-24 00:30"));
    refused_with(
        add(app, mia, PUBLIC, "2h", "today").await,
        &["shorter than 2h"],
    );
    assert_eq!(time_snapshot(app, w.ws.guild).await, before);
}
db_test!(durations_ranges_and_dates, typed_forms);

async fn midnight_and_dst(h: &Harness) {
    let w = World::new(h).await;
    let app = w.app();
    let mia = &w.cast.member;
    zone(app, mia, "Europe/Berlin").await;
    // Across midnight: Friday 22:00 to Saturday 01:30 local, counted on Friday.
    let night = add(app, mia, PUBLIC, "22:00-01:30", "2026-11-20")
        .await
        .unwrap();
    assert_eq!(night.started_at, utc("2026-11-20 21:00"));
    assert_eq!(night.ended_at, Some(utc("2026-11-21 00:30")));
    assert_eq!(night.duration, Duration::minutes(210));
    assert_eq!(
        night.when_text(),
        "Fri 2026-11-20 22:00 – Sat 2026-11-21 1:30"
    );
    let week = entries::list_week(app, mia, Some("last week"), None)
        .await
        .unwrap();
    assert_eq!(week.week_start, day("2026-11-16"));
    let friday = week
        .days
        .iter()
        .find(|d| d.date == day("2026-11-20"))
        .unwrap();
    assert_eq!(friday.total, Duration::minutes(210));
    assert_eq!(week.total, Duration::minutes(210));
    // Spring forward: 01:00-04:00 is two real hours; 02:30 doesn't exist.
    let spring = add(app, mia, PUBLIC, "1:00-4:00", "2026-03-29")
        .await
        .unwrap();
    assert_eq!(spring.duration, Duration::hours(2));
    assert_eq!(spring.started_at, utc("2026-03-29 00:00"));
    let before = time_snapshot(app, w.ws.guild).await;
    refused_with(
        add(app, mia, PUBLIC, "2:30-4:00", "2026-03-29").await,
        &[
            "doesn't exist on 2026-03-29 in Europe/Berlin",
            "clocks jump from 02:00 to 03:00",
        ],
    );
    // Fall back: 01:00-04:00 is four real hours; 00:30 to 00:15 the next day is 24h 45m.
    refused_with(
        add(app, mia, PUBLIC, "0:30-0:15", "2026-10-25").await,
        &["24h 45m", "at most 24 hours"],
    );
    assert_eq!(time_snapshot(app, w.ws.guild).await, before);
    let fall = add(app, mia, PUBLIC, "1:00-4:00", "2026-10-25")
        .await
        .unwrap();
    assert_eq!(fall.duration, Duration::hours(4));
    assert_eq!(fall.started_at, utc("2026-10-24 23:00"));
    // A duration on the 23-hour day starts at 09:00 local (07:00 UTC in summer time).
    let summer = add(app, mia, PUBLIC, "8h", "2026-03-29").await.unwrap();
    assert_eq!(summer.started_at, utc("2026-03-29 07:00"));
    // Another zone: New York's "yesterday" at 09:00 UTC (04:00 local) is Sunday 22nd.
    let max = &w.cast.manager;
    zone(app, max, "america/new york").await;
    let ny = add(app, max, PUBLIC, "10:00-11:00", "yesterday")
        .await
        .unwrap();
    assert_eq!(ny.started_at, utc("2026-11-22 15:00"));
    assert_eq!(ny.time_zone, chrono_tz::America::New_York);
    // The week list is in the member's zone and week: a Sunday start.
    crewclock::app::me::set_week_start(app, max, "sunday")
        .await
        .unwrap();
    let week = entries::list_week(app, max, None, None).await.unwrap();
    assert_eq!(week.week_start, day("2026-11-22"));
    assert_eq!(week.entries.len(), 1);
    assert_eq!(week.total, Duration::hours(1));
    refused_with(
        crewclock::app::me::set_time_zone(app, max, "PST").await,
        &["America/Los_Angeles"],
    );
    refused_with(
        crewclock::app::me::set_week_start(app, max, "funday").await,
        &["isn't a day of the week"],
    );
    // Preferences default to UTC and Monday.
    let defaults = crewclock::app::me::prefs(app, &w.other).await.unwrap();
    assert_eq!(defaults.time_zone, chrono_tz::Tz::UTC);
    assert_eq!(defaults.week_start, chrono::Weekday::Mon);
    let set = crewclock::app::me::prefs(app, max).await.unwrap();
    assert_eq!(set.week_start, chrono::Weekday::Sun);
}
db_test!(midnight_and_daylight_saving, midnight_and_dst);

async fn edit_semantics(h: &Harness) {
    let w = World::new(h).await;
    let app = w.app();
    let mia = &w.cast.member;
    projects::create_task(app, &w.cast.owner, PUBLIC, "Design")
        .await
        .unwrap();
    let e = entries::add(
        app,
        mia,
        AddEntry {
            task: Some("Design".into()),
            ..entry(PUBLIC, "10:00-11:00", "2026-11-20")
        },
    )
    .await
    .unwrap();
    assert_eq!(e.billable, Some(true));
    // A new length keeps the start.
    let longer = entries::edit(
        app,
        mia,
        e.id,
        EditEntry {
            when: Some("2h".into()),
            ..EditEntry::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(longer.when_text(), "Fri 2026-11-20 10:00–12:00");
    // Another day keeps the local times.
    let moved = entries::edit(
        app,
        mia,
        e.id,
        EditEntry {
            date: Some("2026-11-18".into()),
            ..EditEntry::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(moved.when_text(), "Wed 2026-11-18 10:00–12:00");
    // A new range on a new day.
    let ranged = entries::edit(
        app,
        mia,
        e.id,
        EditEntry {
            when: Some("22:00-1:00".into()),
            date: Some("2026-11-19".into()),
            ..EditEntry::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(ranged.duration, Duration::hours(3));
    // Another project: the task goes, billable follows the new project's default.
    let other = entries::edit(
        app,
        mia,
        e.id,
        EditEntry {
            project: Some(PRIVATE.into()),
            description: Some("moved".into()),
            ..EditEntry::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        (other.project.as_str(), other.task.as_deref()),
        (PRIVATE, None)
    );
    assert_eq!(other.billable, Some(false));
    assert_eq!(other.description, "moved");
    let before = time_snapshot(app, w.ws.guild).await;
    refused_with(
        entries::edit(app, mia, e.id, EditEntry::default()).await,
        &["Say what to change"],
    );
    refused_with(
        entries::edit(
            app,
            mia,
            e.id,
            EditEntry {
                date: Some("tomorrow".into()),
                ..EditEntry::default()
            },
        )
        .await,
        &["in the future"],
    );
    // The Member may not move it to a project she doesn't see.
    assert!(matches!(
        entries::edit(
            app,
            mia,
            e.id,
            EditEntry {
                project: Some(CLOSED.into()),
                ..EditEntry::default()
            }
        )
        .await,
        Err(AppError::NotFound(_))
    ));
    assert_eq!(time_snapshot(app, w.ws.guild).await, before);
    // A running timer has no times to edit yet, but its description may change.
    let timer = timers::start(app, mia, time_support_on(PUBLIC))
        .await
        .unwrap();
    refused_with(
        entries::edit(
            app,
            mia,
            timer.timer.id,
            EditEntry {
                when: Some("1h".into()),
                ..EditEntry::default()
            },
        )
        .await,
        &["still running"],
    );
    let renamed = entries::edit(app, mia, timer.timer.id, describe("call"))
        .await
        .unwrap();
    assert!(renamed.running);
    assert_eq!(renamed.description, "call");
    // Unknown entries, and entries of others one may not see, look the same.
    assert!(matches!(
        entries::get(app, mia, 999_999).await,
        Err(AppError::NotFound(_))
    ));
    let deleted = entries::delete(app, mia, e.id).await.unwrap();
    assert_eq!(deleted.id, e.id);
    assert!(matches!(
        entries::get(app, mia, e.id).await,
        Err(AppError::NotFound(_))
    ));
}
db_test!(editing_entries, edit_semantics);

fn time_support_on(project: &str) -> timers::StartTimer {
    timers::StartTimer {
        project: Some(project.into()),
        ..timers::StartTimer::default()
    }
}

// ---------------------------------------------------------------------------------------
// The "Time entries" table
// ---------------------------------------------------------------------------------------

/// "track time (timer or manual)": Owner/Admin any project; Manager and Member public
/// projects and private ones they belong to; Viewer and Guest never.
async fn track_cell(h: &Harness) {
    let w = World::new(h).await;
    let app = w.app();
    let table = [
        (Role::Owner, [true, true, true]),
        (Role::Admin, [true, true, true]),
        (Role::Manager, [true, true, false]),
        (Role::Member, [true, true, false]),
        (Role::Viewer, [false, false, false]),
        (Role::Guest, [false, false, false]),
    ];
    for (role, allowed) in table {
        let who = w.cast.by_role(role);
        for (i, project) in [PUBLIC, PRIVATE, CLOSED].into_iter().enumerate() {
            let before = time_snapshot(app, w.ws.guild).await;
            let hour = format!("{}:00-{}:30", 8 + i, 8 + i);
            let outcome = add(app, who, project, &hour, "2026-11-20").await;
            match (&outcome, allowed[i]) {
                (Ok(e), true) => {
                    assert_eq!(e.project, project);
                    assert_eq!(e.member.user, who.user);
                }
                (Err(AppError::Denied(_)), false) => {
                    assert_eq!(
                        time_snapshot(app, w.ws.guild).await,
                        before,
                        "{role} {project}"
                    )
                }
                (Err(AppError::NotFound(_)), false) if role == Role::Member => {
                    assert_eq!(time_snapshot(app, w.ws.guild).await, before)
                }
                _ => panic!(
                    "{role} adds time to {project}: expected allowed={}, got {outcome:?}",
                    allowed[i]
                ),
            }
        }
    }
    assert_denied(
        add(app, &w.cast.viewer, PUBLIC, "1h", "yesterday").await,
        "Viewers can't track",
    );
    assert_denied(
        add(app, &w.cast.guest, PUBLIC, "1h", "yesterday").await,
        "Guests can't track",
    );
    // Archived projects take no new time.
    projects::set_project_archived(app, &w.cast.owner, PRIVATE, true)
        .await
        .unwrap();
    refused_with(
        add(app, &w.cast.member, PRIVATE, "1h", "yesterday").await,
        &["archived"],
    );
}
db_test!(track_time_cell_for_entries, track_cell);

/// "edit / delete own entries": Owner/Admin yes, even date-locked; Manager and Member unless
/// locked; Viewer and Guest have none (and can't change anyone's).
async fn own_cell(h: &Harness) {
    let w = World::new(h).await;
    let app = w.app();
    let trackers = [Role::Owner, Role::Admin, Role::Manager, Role::Member];
    // Each tracker has an entry from 10 days ago and one from yesterday.
    let mut old = Vec::new();
    let mut recent = Vec::new();
    for role in trackers {
        let who = w.cast.by_role(role);
        old.push(
            add(app, who, PUBLIC, "9:00-10:00", "2026-11-13")
                .await
                .unwrap()
                .id,
        );
        recent.push(
            add(app, who, PUBLIC, "9:00-10:00", "2026-11-22")
                .await
                .unwrap()
                .id,
        );
    }
    w.ws.set("lock_entries_older_than_days", "7").await;
    for (i, role) in trackers.into_iter().enumerate() {
        let who = w.cast.by_role(role);
        // Open entries: everyone may edit and delete their own.
        entries::edit(app, who, recent[i], describe("fixed"))
            .await
            .unwrap();
        // Date-locked ones: only the Owner and Admins.
        let exempt = role.is_admin();
        let before = time_snapshot(app, w.ws.guild).await;
        let edited = entries::edit(app, who, old[i], describe("late fix")).await;
        let view = entries::get(app, who, old[i]).await.unwrap();
        assert_eq!(view.lock, Lock::DateLocked { days: 7 });
        assert_eq!(view.you_can_edit, exempt, "{role}");
        if exempt {
            edited.unwrap();
            // Moving it stays allowed for them too.
            entries::edit(
                app,
                who,
                old[i],
                EditEntry {
                    date: Some("2026-11-12".into()),
                    ..EditEntry::default()
                },
            )
            .await
            .unwrap();
            entries::delete(app, who, old[i]).await.unwrap();
        } else {
            assert_denied(
                edited,
                "older than 7 days are locked (setting lock_entries_older_than_days)",
            );
            assert_denied(
                entries::delete(app, who, old[i]).await,
                "Ask the Owner or an Admin",
            );
            // Nor may they move an open entry into the locked past, or add time there.
            assert_denied(
                entries::edit(
                    app,
                    who,
                    recent[i],
                    EditEntry {
                        date: Some("2026-11-10".into()),
                        ..EditEntry::default()
                    },
                )
                .await,
                "older than 7 days",
            );
            assert_denied(
                add(app, who, PUBLIC, "1h", "2026-11-10").await,
                "older than 7 days",
            );
            assert_eq!(time_snapshot(app, w.ws.guild).await, before, "{role}");
        }
        entries::delete(app, who, recent[i]).await.unwrap();
    }
    // Viewers and Guests have no time of their own and change nobody's.
    let someones = add(app, &w.cast.member, PUBLIC, "1h", "yesterday")
        .await
        .unwrap();
    let before = time_snapshot(app, w.ws.guild).await;
    assert_denied(
        entries::edit(app, &w.cast.viewer, someones.id, describe("x")).await,
        "Viewers",
    );
    assert_denied(
        entries::delete(app, &w.cast.viewer, someones.id).await,
        "Viewers",
    );
    assert_denied(
        entries::edit(app, &w.cast.guest, someones.id, describe("x")).await,
        "Guests",
    );
    assert_denied(
        entries::delete(app, &w.cast.guest, someones.id).await,
        "Guests",
    );
    assert_eq!(time_snapshot(app, w.ws.guild).await, before);
}
db_test!(edit_and_delete_own_entries_cell, own_cell);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Other {
    Add,
    Edit,
    Delete,
}

/// "add / edit others' entries": Owner/Admin yes, even date-locked; the member's team manager
/// when team_managers_edit_time, unless locked; Manager, Member, Viewer, Guest no.
async fn others_cell(h: &Harness) {
    for tm_may_edit in [false, true] {
        for locked in [false, true] {
            let w = World::new(h).await;
            let app = w.app();
            let mia = &w.cast.member;
            if tm_may_edit {
                w.ws.set("team_managers_edit_time", "true").await;
            }
            let date = if locked { "2026-11-10" } else { "2026-11-22" };
            let actors: [(&str, &Actor, bool); 7] = [
                ("Owner", &w.cast.owner, true),
                ("Admin", &w.cast.admin, true),
                ("team manager", &w.tm, tm_may_edit && !locked),
                ("Manager", &w.cast.manager, false),
                ("Member", &w.other, false),
                ("Viewer", &w.cast.viewer, false),
                ("Guest", &w.cast.guest, false),
            ];
            for act in [Other::Add, Other::Edit, Other::Delete] {
                for (name, who, allowed) in actors {
                    let target = add(app, mia, PUBLIC, "9:00-10:00", date).await.unwrap();
                    if locked {
                        w.ws.set("lock_entries_older_than_days", "7").await;
                    }
                    let before = time_snapshot(app, w.ws.guild).await;
                    let outcome = match act {
                        Other::Add => entries::add(
                            app,
                            who,
                            AddEntry {
                                member: Some(mia.user),
                                ..entry(PUBLIC, "11:00-12:00", date)
                            },
                        )
                        .await
                        .map(|e| {
                            assert_eq!(e.member.user, mia.user);
                            e.id
                        }),
                        Other::Edit => entries::edit(app, who, target.id, describe("by someone"))
                            .await
                            .map(|e| e.id),
                        Other::Delete => entries::delete(app, who, target.id).await.map(|e| e.id),
                    };
                    let label =
                        format!("{act:?} by {name} (tm_edit={tm_may_edit}, locked={locked})");
                    match (&outcome, allowed) {
                        (Ok(_), true) => {}
                        (Err(AppError::Denied(_)), false) => {
                            assert_eq!(time_snapshot(app, w.ws.guild).await, before, "{label}")
                        }
                        _ => panic!("{label}: expected allowed={allowed}, got {outcome:?}"),
                    }
                    // Clean up for the next actor.
                    w.ws.set("lock_entries_older_than_days", "none").await;
                    if let Ok(id) = outcome {
                        if act == Other::Add {
                            entries::delete(app, &w.cast.owner, id).await.unwrap();
                        }
                    }
                    let _ = entries::delete(app, &w.cast.owner, target.id).await;
                }
            }
            // The refusals name the rule.
            let target = add(app, mia, PUBLIC, "9:00-10:00", "2026-11-22")
                .await
                .unwrap();
            assert_denied(
                entries::edit(app, &w.cast.manager, target.id, describe("x")).await,
                "their team managers",
            );
            if !tm_may_edit {
                assert_denied(
                    entries::edit(app, &w.tm, target.id, describe("x")).await,
                    "team_managers_edit_time is false",
                );
            }
        }
    }
}
db_test!(add_and_edit_others_entries_cell, others_cell);

/// Changes to someone else's time are in the audit log; one's own are not.
async fn audited(h: &Harness) {
    let w = World::new(h).await;
    let app = w.app();
    let count = |app: &App| {
        let app = app.clone();
        let guild = w.ws.guild;
        async move {
            let mut conn = app.store.conn().await.unwrap();
            let ws = crewclock::store::workspaces::find_by_guild(&mut conn, guild)
                .await
                .unwrap()
                .unwrap();
            crewclock::store::audit::count(&mut conn, ws.id)
                .await
                .unwrap()
        }
    };
    let start = count(app).await;
    let own = add(app, &w.cast.member, PUBLIC, "1h", "yesterday")
        .await
        .unwrap();
    entries::edit(app, &w.cast.member, own.id, describe("mine"))
        .await
        .unwrap();
    assert_eq!(count(app).await, start);
    entries::edit(app, &w.cast.admin, own.id, describe("fixed by admin"))
        .await
        .unwrap();
    entries::add(
        app,
        &w.cast.owner,
        AddEntry {
            member: Some(w.cast.member.user),
            ..entry(PUBLIC, "1h", "yesterday")
        },
    )
    .await
    .unwrap();
    entries::delete(app, &w.cast.owner, own.id).await.unwrap();
    assert_eq!(count(app).await, start + 3);
    let log = workspace::audit_log(app, &w.cast.owner, None)
        .await
        .unwrap();
    let text = format!("{log:?}");
    for action in ["entry.add", "entry.edit", "entry.delete"] {
        assert!(text.contains(action), "{action}");
    }
    // Time is added only for people who track time, to projects they may track to.
    refused_with(
        entries::add(
            app,
            &w.cast.owner,
            AddEntry {
                member: Some(w.cast.viewer.user),
                ..entry(PUBLIC, "1h", "yesterday")
            },
        )
        .await,
        &["Viewer and doesn't track time"],
    );
    assert_denied(
        entries::add(
            app,
            &w.cast.owner,
            AddEntry {
                member: Some(w.other.user),
                ..entry(CLOSED, "1h", "yesterday")
            },
        )
        .await,
        "Otto Other can't track time to Vault",
    );
}
db_test!(others_time_is_audited, audited);

/// "see entries": Owner/Admin all; team manager their members'; Manager all; Member own,
/// others' on public projects (setting members_see_others_time) and all on projects they
/// manage; Viewer all, read-only; Guest none individually.
async fn see_cell(h: &Harness) {
    let w = World::new(h).await;
    let app = w.app();
    let mia = &w.cast.member;
    let public = add(app, mia, PUBLIC, "9:00-10:00", "2026-11-20")
        .await
        .unwrap();
    let private = add(app, mia, PRIVATE, "10:00-11:00", "2026-11-20")
        .await
        .unwrap();
    let owners_vault = add(app, &w.cast.owner, CLOSED, "9:00-10:00", "2026-11-20")
        .await
        .unwrap();
    for members_see in [true, false] {
        w.ws.set("members_see_others_time", &members_see.to_string())
            .await;
        // (viewer, sees Mia's public entry, sees Mia's private entry, sees the Owner's Vault entry)
        let table: [(&str, &Actor, bool, bool, bool); 9] = [
            ("Owner", &w.cast.owner, true, true, true),
            ("Admin", &w.cast.admin, true, true, true),
            ("team manager", &w.tm, true, true, true),
            ("Manager", &w.cast.manager, true, true, true),
            ("Mia herself", mia, true, true, false),
            ("another Member", &w.other, members_see, false, false),
            (
                "the Vault's project manager",
                &w.pm,
                members_see,
                false,
                true,
            ),
            ("Viewer", &w.cast.viewer, true, true, true),
            ("Guest", &w.cast.guest, false, false, false),
        ];
        for (name, who, sees_public, sees_private, sees_vault) in table {
            for (entry, expected) in [
                (&public, sees_public),
                (&private, sees_private),
                (&owners_vault, sees_vault),
            ] {
                let got = entries::get(app, who, entry.id).await;
                match (&got, expected) {
                    (Ok(view), true) => assert_eq!(view.id, entry.id),
                    (Err(AppError::NotFound(_)), false) => {}
                    (Err(AppError::Denied(_)), false) if name == "Guest" => {}
                    _ => panic!("{name} gets entry on {} (members_see={members_see}): expected {expected}, got {got:?}", entry.project),
                }
            }
            // Week lists show exactly the same.
            if name == "Guest" {
                assert_denied(
                    entries::list_week(app, who, Some("last week"), Some(mia.user)).await,
                    "Guests don't see individual time entries",
                );
                continue;
            }
            let week = entries::list_week(app, who, Some("last week"), Some(mia.user))
                .await
                .unwrap();
            let ids: Vec<i64> = week.entries.iter().map(|e| e.id).collect();
            assert_eq!(ids.contains(&public.id), sees_public, "{name}: {ids:?}");
            assert_eq!(ids.contains(&private.id), sees_private, "{name}: {ids:?}");
            let shown: Duration = week.entries.iter().map(|e| e.duration).sum();
            assert_eq!(week.total, shown, "totals count only what is shown");
        }
    }
    // Viewers see everything read-only.
    let seen = entries::get(app, &w.cast.viewer, private.id).await.unwrap();
    assert!(!seen.you_can_edit);
    assert!(
        entries::get(app, mia, private.id)
            .await
            .unwrap()
            .you_can_edit
    );
    // Timesheet status is shown to whoever sees all of the member's time.
    let own_week = entries::list_week(app, mia, Some("last week"), None)
        .await
        .unwrap();
    assert_eq!(own_week.timesheet, Some(TimesheetStatus::Open));
    let others = entries::list_week(app, &w.other, Some("last week"), Some(mia.user))
        .await
        .unwrap();
    assert_eq!(others.timesheet, None);
}
db_test!(see_entries_cell, see_cell);

// ---------------------------------------------------------------------------------------
// Billable, rates and money
// ---------------------------------------------------------------------------------------

/// "see / change billable flag": Owner/Admin yes; team manager, Manager and Member by
/// who_can_change_billable; Viewer see only; Guest never.
async fn billable_cell(h: &Harness) {
    let w = World::new(h).await;
    let app = w.app();
    let mia = &w.cast.member;
    let e = add(app, mia, PRIVATE, "9:00-10:00", "2026-11-20")
        .await
        .unwrap();
    assert_eq!(e.billable, Some(false), "Secret isn't billable by default");
    for setting in ["anyone", "admins"] {
        w.ws.set("who_can_change_billable", setting).await;
        let anyone = setting == "anyone";
        // (who, sees the flag, may change it)
        let table: [(&str, &Actor, bool, bool); 6] = [
            ("Owner", &w.cast.owner, true, true),
            ("Admin", &w.cast.admin, true, true),
            ("team manager", &w.tm, anyone, anyone),
            ("Manager", &w.cast.manager, anyone, anyone),
            ("Member", mia, anyone, anyone),
            ("Viewer", &w.cast.viewer, true, false),
        ];
        for (name, who, sees, changes) in table {
            let view = entries::get(app, who, e.id).await.unwrap();
            assert_eq!(view.billable.is_some(), sees, "{name} sees ({setting})");
            // Changing the flag on one's own new entry.
            if name == "Viewer" {
                continue;
            }
            let before = time_snapshot(app, w.ws.guild).await;
            let outcome = entries::add(
                app,
                who,
                AddEntry {
                    billable: Some(true),
                    ..entry(PRIVATE, "14:00-15:00", "2026-11-19")
                },
            )
            .await;
            match (&outcome, changes) {
                (Ok(view), true) => {
                    assert!(view.billable.unwrap_or(true));
                    entries::delete(app, who, view.id).await.unwrap();
                }
                (Err(AppError::Denied(m)), false) => {
                    assert!(m.contains("who_can_change_billable is admins"), "{m}");
                    assert_eq!(time_snapshot(app, w.ws.guild).await, before);
                }
                _ => panic!("{name} sets billable ({setting}): {outcome:?}"),
            }
            // The project's default needs no right.
            let plain = add(app, who, PRIVATE, "16:00-17:00", "2026-11-19")
                .await
                .unwrap();
            entries::delete(app, who, plain.id).await.unwrap();
        }
        assert_denied(entries::get(app, &w.cast.guest, e.id).await, "Guests");
    }
    // Editing the flag follows the same rule.
    w.ws.set("who_can_change_billable", "admins").await;
    assert_denied(
        entries::edit(
            app,
            mia,
            e.id,
            EditEntry {
                billable: Some(true),
                ..EditEntry::default()
            },
        )
        .await,
        "who_can_change_billable",
    );
    let by_admin = entries::edit(
        app,
        &w.cast.admin,
        e.id,
        EditEntry {
            billable: Some(true),
            ..EditEntry::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(by_admin.billable, Some(true));
}
db_test!(billable_flag_cell, billable_cell);

/// "see rates and amounts": Owner/Admin yes; everyone else by who_can_see_rates; Guests never.
/// Setting rates: workspace and member rates by Owner/Admin; project-member rates by
/// edit_project_rates. The most specific rate wins.
async fn rates_cell(h: &Harness) {
    let w = World::new(h).await;
    let app = w.app();
    let mia = &w.cast.member;
    let owner = &w.cast.owner;
    // Who may set which rate.
    let setters: [(&str, &Actor, bool); 7] = [
        ("Owner", owner, true),
        ("Admin", &w.cast.admin, true),
        ("Manager", &w.cast.manager, false),
        ("Member", mia, false),
        ("project manager", &w.pm, false),
        ("Viewer", &w.cast.viewer, false),
        ("Guest", &w.cast.guest, false),
    ];
    for (name, who, allowed) in setters {
        let before = time_snapshot(app, w.ws.guild).await;
        let ws_rate = rates::set_workspace_rate(app, who, "50").await;
        let member_rate = rates::set_member_rate(app, who, mia.user, "60").await;
        for outcome in [ws_rate, member_rate] {
            match (&outcome, allowed) {
                (Ok(_), true) => {}
                (Err(AppError::Denied(_)), false) => {
                    assert_eq!(time_snapshot(app, w.ws.guild).await, before, "{name}")
                }
                _ => panic!("{name} sets a rate: {outcome:?}"),
            }
        }
    }
    // Project-member rates: Owner/Admin; the project's managers when who_can_see_rates is anyone.
    for setting in ["admins", "anyone"] {
        w.ws.set("who_can_see_rates", setting).await;
        let table: [(&str, &Actor, bool); 5] = [
            ("Owner", owner, true),
            ("Admin", &w.cast.admin, true),
            ("Vault's project manager", &w.pm, setting == "anyone"),
            ("Manager", &w.cast.manager, false),
            ("Viewer", &w.cast.viewer, false),
        ];
        for (name, who, allowed) in table {
            let before = time_snapshot(app, w.ws.guild).await;
            let outcome = rates::set_project_member_rate(app, who, CLOSED, w.pm.user, "90").await;
            match (&outcome, allowed) {
                (Ok(_), true) => {}
                (Err(AppError::Denied(_)), false) => {
                    assert_eq!(time_snapshot(app, w.ws.guild).await, before, "{name}")
                }
                _ => panic!("{name} sets a project-member rate ({setting}): {outcome:?}"),
            }
        }
    }
    w.ws.set("who_can_see_rates", "admins").await;
    // Precedence: project member > project > member > workspace.
    let e = add(app, mia, PUBLIC, "9:00-10:30", "2026-11-20")
        .await
        .unwrap();
    let money = |v: &EntryView| {
        v.amount
            .as_ref()
            .map(|m| (m.minor, m.currency.as_str().to_string()))
    };
    let eur = |minor: i64| Some((minor, "EUR".to_string()));
    // Member rate 60.00/h for 1.5h.
    assert_eq!(
        money(&entries::get(app, owner, e.id).await.unwrap()),
        eur(9000)
    );
    rates::set_member_rate(app, owner, mia.user, "none")
        .await
        .unwrap();
    assert_eq!(
        money(&entries::get(app, owner, e.id).await.unwrap()),
        eur(7500),
        "workspace 50/h"
    );
    projects::set_rate(app, owner, PUBLIC, "80").await.unwrap();
    assert_eq!(
        money(&entries::get(app, owner, e.id).await.unwrap()),
        eur(12000),
        "project 80/h"
    );
    rates::set_project_member_rate(app, owner, PUBLIC, mia.user, "100.50")
        .await
        .unwrap();
    assert_eq!(
        money(&entries::get(app, owner, e.id).await.unwrap()),
        eur(15075)
    );
    let card = rates::rate_card(app, owner, PUBLIC, Some(mia.user))
        .await
        .unwrap();
    assert_eq!(
        card.effective.as_ref().map(|(m, l)| (m.minor, *l)),
        Some((10050, RateLevel::ProjectMember))
    );
    assert_eq!(card.workspace_rate.map(|m| m.minor), Some(5000));
    // Seeing money: by role and setting; never Guests.
    for setting in ["admins", "anyone"] {
        w.ws.set("who_can_see_rates", setting).await;
        let anyone = setting == "anyone";
        let table: [(&str, &Actor, bool); 6] = [
            ("Owner", owner, true),
            ("Admin", &w.cast.admin, true),
            ("team manager", &w.tm, anyone),
            ("Manager", &w.cast.manager, anyone),
            ("Member", mia, anyone),
            ("Viewer", &w.cast.viewer, anyone),
        ];
        for (name, who, sees) in table {
            let view = entries::get(app, who, e.id).await.unwrap();
            assert_eq!(view.amount.is_some(), sees, "{name} ({setting})");
            let week = entries::list_week(app, who, Some("last week"), Some(mia.user))
                .await
                .unwrap();
            assert_eq!(week.amounts.is_some(), sees, "{name} week ({setting})");
            let card = rates::rate_card(app, who, PUBLIC, Some(mia.user)).await;
            assert_eq!(card.is_ok(), sees, "{name} rate card ({setting})");
            let budget = rates::budget_use(app, who, PUBLIC).await.unwrap();
            assert_eq!(budget.amount.is_some(), sees, "{name} budget ({setting})");
        }
        assert_denied(
            rates::rate_card(app, &w.cast.guest, PUBLIC, None).await,
            "Guests never",
        );
        assert_denied(entries::get(app, &w.cast.guest, e.id).await, "Guests");
        assert_denied(
            rates::budget_use(app, &w.cast.guest, PUBLIC).await,
            "Guests",
        );
    }
    // Currencies: member rates are in the workspace currency.
    refused_with(
        rates::set_member_rate(app, owner, mia.user, "60 USD").await,
        &["in EUR"],
    );
    rates::set_member_rate(app, owner, w.other.user, "40")
        .await
        .unwrap();
    refused_with(
        rates::set_workspace_rate(app, owner, "55 USD").await,
        &["Member rates are in EUR"],
    );
    refused_with(
        rates::set_workspace_rate(app, owner, "lots").await,
        &["is not an amount"],
    );
    refused_with(
        rates::set_workspace_rate(app, owner, "99999999999").await,
        &["more than this tracker accepts"],
    );
    refused_with(
        rates::set_member_rate(app, owner, w.cast.viewer.user, "40").await,
        &["doesn't track time"],
    );
    // Non-billable time has no amount.
    let unbilled = add(app, mia, PRIVATE, "9:00-10:00", "2026-11-19")
        .await
        .unwrap();
    assert_eq!(
        entries::get(app, owner, unbilled.id).await.unwrap().amount,
        None
    );
}
db_test!(rates_and_amounts_cell, rates_cell);

async fn budgets(h: &Harness) {
    let w = World::new(h).await;
    let app = w.app();
    let owner = &w.cast.owner;
    let mia = &w.cast.member;
    projects::edit_project(
        app,
        owner,
        PUBLIC,
        ProjectEdit {
            budget: Some("10h".into()),
            ..ProjectEdit::default()
        },
    )
    .await
    .unwrap();
    add(app, mia, PUBLIC, "9:00-11:30", "2026-11-20")
        .await
        .unwrap();
    let used = rates::budget_use(app, mia, PUBLIC).await.unwrap();
    assert_eq!(used.tracked, Duration::minutes(150));
    assert_eq!(used.percent, Some(25));
    assert_eq!(used.budget, Some(Budget::Hours { minutes: 600 }));
    assert_eq!(used.amount, None, "Members don't see money by default");
    // A running timer counts up to now.
    timers::start(app, mia, time_support_on(PUBLIC))
        .await
        .unwrap();
    h.clock.advance(Duration::hours(1));
    assert_eq!(
        rates::budget_use(app, mia, PUBLIC).await.unwrap().percent,
        Some(35)
    );
    timers::stop(app, mia).await.unwrap();
    // A money budget: billable amounts in the project's currency.
    projects::set_rate(app, owner, PUBLIC, "100").await.unwrap();
    projects::edit_project(
        app,
        owner,
        PUBLIC,
        ProjectEdit {
            budget: Some("1000 EUR".into()),
            ..ProjectEdit::default()
        },
    )
    .await
    .unwrap();
    let money = rates::budget_use(app, owner, PUBLIC).await.unwrap();
    assert_eq!(money.amount.as_ref().map(|m| m.minor), Some(35_000));
    assert_eq!(money.percent, Some(35));
    assert_eq!(money.unpriced, Some(Duration::zero()));
    let hidden = rates::budget_use(app, mia, PUBLIC).await.unwrap();
    assert_eq!(
        (hidden.budget, hidden.percent, hidden.amount),
        (None, None, None)
    );
    // Time priced in another currency isn't counted in money, and says so.
    projects::set_rate(app, owner, PUBLIC, "none")
        .await
        .unwrap();
    rates::set_workspace_rate(app, owner, "20 GBP")
        .await
        .unwrap();
    let other = rates::budget_use(app, owner, PUBLIC).await.unwrap();
    assert_eq!(other.amount.as_ref().map(|m| m.minor), Some(0));
    assert_eq!(other.unpriced, Some(Duration::minutes(210)));
    // A private project someone may not see has no budget for them.
    assert!(matches!(
        rates::budget_use(app, &w.other, CLOSED).await,
        Err(AppError::NotFound(_))
    ));
}
db_test!(budget_use, budgets);

// ---------------------------------------------------------------------------------------
// Overlaps, tags, weeks
// ---------------------------------------------------------------------------------------

async fn overlaps(h: &Harness) {
    let w = World::new(h).await;
    let app = w.app();
    let mia = &w.cast.member;
    let first = add(app, mia, PUBLIC, "9:00-10:00", "2026-11-20")
        .await
        .unwrap();
    let before = time_snapshot(app, w.ws.guild).await;
    let message = refused_with(
        add(app, mia, PRIVATE, "9:30-10:30", "2026-11-20").await,
        &[],
    );
    assert_eq!(
        message,
        format!("This overlaps your entry #{} on Website, Fri 2026-11-20 9:00–10:00 (UTC). Change the times, or edit or delete that entry first.", first.id)
    );
    assert_eq!(time_snapshot(app, w.ws.guild).await, before);
    // Touching ends don't overlap.
    let second = add(app, mia, PUBLIC, "10:00-11:00", "2026-11-20")
        .await
        .unwrap();
    // Moving an entry onto another is refused too; the Owner is told whose entry it is.
    refused_with(
        entries::edit(
            app,
            &w.cast.owner,
            second.id,
            EditEntry {
                when: Some("9:45-10:30".into()),
                ..EditEntry::default()
            },
        )
        .await,
        &["overlaps Mia Member's entry", &format!("#{}", first.id)],
    );
    // A running timer is in the way of time up to now.
    timers::start(app, mia, time_support_on(PUBLIC))
        .await
        .unwrap();
    h.clock.advance(Duration::hours(2));
    refused_with(
        add(app, mia, PUBLIC, "10:00-10:30", "today").await,
        &["still running", "Mon 2026-11-23 9:00–now"],
    );
    timers::stop(app, mia).await.unwrap();
    // Entries of others don't clash with mine.
    add(app, &w.other, PUBLIC, "9:30-10:30", "2026-11-20")
        .await
        .unwrap();
    // With overlap_policy = flag, overlapping entries are stored and both flagged.
    w.ws.set("overlap_policy", "flag").await;
    let third = add(app, mia, PRIVATE, "9:30-10:30", "2026-11-20")
        .await
        .unwrap();
    assert!(third.overlapping);
    let get = |id| entries::get(app, mia, id);
    assert!(get(first.id).await.unwrap().overlapping);
    assert!(get(second.id).await.unwrap().overlapping);
    // The flagged entry can name what it overlaps (only entries of the same member).
    let named: Vec<i64> = entries::overlaps_of(app, mia, third.id)
        .await
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    assert_eq!(named, [first.id, second.id]);
    // Moving it away clears every flag.
    entries::edit(
        app,
        mia,
        third.id,
        EditEntry {
            when: Some("13:00-14:00".into()),
            ..EditEntry::default()
        },
    )
    .await
    .unwrap();
    for id in [first.id, second.id, third.id] {
        assert!(!get(id).await.unwrap().overlapping, "#{id}");
    }
    // Deleting the other one of a pair clears the flag.
    let fourth = add(app, mia, PRIVATE, "13:30-14:30", "2026-11-20")
        .await
        .unwrap();
    assert!(get(third.id).await.unwrap().overlapping && fourth.overlapping);
    entries::delete(app, mia, fourth.id).await.unwrap();
    assert!(!get(third.id).await.unwrap().overlapping);
    refused_with(
        workspace::set_setting(app, &w.cast.owner, "overlap_policy", "warn").await,
        &["refuse or flag"],
    );
}
db_test!(overlapping_entries, overlaps);

async fn tags(h: &Harness) {
    let w = World::new(h).await;
    let app = w.app();
    let mia = &w.cast.member;
    for tag in ["design", "urgent", "old"] {
        projects::create_tag(app, &w.cast.owner, tag).await.unwrap();
    }
    projects::set_tag_archived(app, &w.cast.owner, "old", true)
        .await
        .unwrap();
    let e = entries::add(
        app,
        mia,
        AddEntry {
            tags: vec!["Urgent, design".into(), "design".into()],
            ..entry(PUBLIC, "1h", "yesterday")
        },
    )
    .await
    .unwrap();
    assert_eq!(e.tags, ["design", "urgent"]);
    let before = time_snapshot(app, w.ws.guild).await;
    refused_with(
        entries::add(
            app,
            mia,
            AddEntry {
                tags: vec!["old".into()],
                ..entry(PUBLIC, "1h", "2026-11-20")
            },
        )
        .await,
        &["The tag old is archived"],
    );
    match entries::add(
        app,
        mia,
        AddEntry {
            tags: vec!["desgin".into()],
            ..entry(PUBLIC, "1h", "2026-11-20")
        },
    )
    .await
    {
        Err(AppError::NotFound(m)) => assert!(m.contains("Did you mean 'design'?"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(time_snapshot(app, w.ws.guild).await, before);
    let retagged = entries::edit(
        app,
        mia,
        e.id,
        EditEntry {
            tags: Some(vec!["urgent".into()]),
            ..EditEntry::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(retagged.tags, ["urgent"]);
    let cleared = entries::edit(
        app,
        mia,
        e.id,
        EditEntry {
            tags: Some(Vec::new()),
            ..EditEntry::default()
        },
    )
    .await
    .unwrap();
    assert!(cleared.tags.is_empty());
}
db_test!(tags_on_entries, tags);

async fn weeks(h: &Harness) {
    let w = World::new(h).await;
    let app = w.app();
    let mia = &w.cast.member;
    add(app, mia, PUBLIC, "9:00-11:00", "2026-11-16")
        .await
        .unwrap();
    add(app, mia, PRIVATE, "13:00-14:30", "2026-11-16")
        .await
        .unwrap();
    add(app, mia, PUBLIC, "1h", "2026-11-22").await.unwrap();
    add(app, mia, PUBLIC, "1h", "2026-11-15").await.unwrap();
    let week = entries::list_week(app, mia, Some("2026-W47"), None)
        .await
        .unwrap();
    assert_eq!(week.week_start, day("2026-11-16"));
    assert_eq!(week.days.len(), 7);
    assert_eq!(week.days[0].total, Duration::minutes(210));
    assert_eq!(week.days[6].total, Duration::hours(1));
    assert_eq!(week.total, Duration::minutes(270));
    assert_eq!(week.billable_total, Some(Duration::hours(3)));
    assert_eq!(week.amounts, None, "Members don't see money by default");
    assert_eq!(week.entries.len(), 3);
    // In order.
    assert!(week
        .entries
        .windows(2)
        .all(|p| p[0].started_at <= p[1].started_at));
    // A Sunday week holds Sunday the 15th and the 16th, not the 22nd.
    crewclock::app::me::set_week_start(app, mia, "sun")
        .await
        .unwrap();
    let sunday = entries::list_week(app, mia, Some("2026-11-18"), None)
        .await
        .unwrap();
    assert_eq!(sunday.week_start, day("2026-11-15"));
    assert_eq!(sunday.total, Duration::minutes(270));
    let empty = entries::list_week(app, mia, Some("this week"), None)
        .await
        .unwrap();
    assert_eq!(empty.week_start, day("2026-11-22"));
    assert_eq!(empty.total, Duration::hours(1));
    refused_with(
        entries::list_week(app, mia, Some("someday"), None).await,
        &["isn't a week"],
    );
    // The Owner sees money, summed per currency.
    rates::set_workspace_rate(app, &w.cast.owner, "10")
        .await
        .unwrap();
    let with_money = entries::list_week(app, &w.cast.owner, Some("2026-11-18"), Some(mia.user))
        .await
        .unwrap();
    let amounts = with_money.amounts.unwrap();
    assert_eq!(amounts.len(), 1);
    assert_eq!(
        (amounts[0].minor, amounts[0].currency.as_str()),
        (3000, "EUR")
    );
}
db_test!(week_lists, weeks);

/// Tracked time keeps a project from being deleted, and the workspace goes with all of it.
async fn deletion(h: &Harness) {
    let w = World::new(h).await;
    let app = w.app();
    add(app, &w.cast.member, PUBLIC, "1h", "yesterday")
        .await
        .unwrap();
    timers::start(app, &w.cast.member, time_support_on(PRIVATE))
        .await
        .unwrap();
    refused_with(
        projects::delete_project(app, &w.cast.owner, PUBLIC).await,
        &["has tracked time"],
    );
    workspace::delete(app, &w.cast.owner).await.unwrap();
    let mut conn = app.store.conn().await.unwrap();
    for table in [
        "time_entries",
        "reminders",
        "timesheets",
        "entry_tags",
        "channel_projects",
    ] {
        let row = sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table}"))
            .fetch_one(&mut *conn)
            .await
            .unwrap();
        let n: i64 = sqlx::Row::try_get(&row, "n").unwrap();
        assert_eq!(n, 0, "{table}");
    }
}
db_test!(deleting_projects_and_workspaces, deletion);

/// The entry picker offers the caller's own recent entries they may still change, newest
/// first, with labels within Discord's 100 characters, matching what was typed.
async fn entry_suggestions(h: &Harness) {
    let w = World::new(h).await;
    let app = w.app();
    let mia = &w.cast.member;
    let older = add(app, mia, PUBLIC, "2h", "2026-11-19").await.unwrap();
    let newer = add(app, mia, PUBLIC, "9:00-10:30", "2026-11-20")
        .await
        .unwrap();
    add(app, mia, PUBLIC, "9:00-10:00", "2026-10-01")
        .await
        .unwrap();
    add(app, &w.other, PUBLIC, "9:00-10:00", "2026-11-20")
        .await
        .unwrap();
    let found = entries::suggest_entries(app, mia, "", 25).await.unwrap();
    let labels: Vec<&str> = found.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            format!("#{} Fri 2026-11-20 9:00–10:30 · Website · 1h 30m", newer.id),
            format!("#{} Thu 2026-11-19 9:00–11:00 · Website · 2h", older.id),
        ]
    );
    assert_eq!(found[0].value, format!("#{}", newer.id));
    let by_day = entries::suggest_entries(app, mia, "THU", 25).await.unwrap();
    assert_eq!(by_day.len(), 1);
    assert_eq!(by_day[0].value, format!("#{}", older.id));
    let by_number = entries::suggest_entries(app, mia, &format!("#{}", older.id), 25)
        .await
        .unwrap();
    assert!(by_number
        .iter()
        .any(|s| s.value == format!("#{}", older.id)));
    // Asking before a delete: allowed, or refused as the delete would be; nothing changes.
    let before = time_snapshot(app, w.ws.guild).await;
    assert_eq!(
        entries::check_change(app, mia, older.id).await.unwrap().id,
        older.id
    );
    assert_denied(
        entries::check_change(app, &w.other, older.id).await,
        "Only the Owner, Admins and (when allowed) their team managers",
    );
    assert_eq!(
        entries::check_change(app, &w.cast.owner, older.id)
            .await
            .unwrap()
            .id,
        older.id
    );
    assert_eq!(time_snapshot(app, w.ws.guild).await, before);
    // Locked entries are not offered; people who don't track time get nothing.
    w.ws.set("lock_entries_older_than_days", "3").await;
    assert_denied(
        entries::check_change(app, mia, older.id).await,
        "older than 3 days are locked",
    );
    let found = entries::suggest_entries(app, mia, "", 25).await.unwrap();
    assert_eq!(found.len(), 1);
    assert!(entries::suggest_entries(app, &w.cast.viewer, "", 25)
        .await
        .unwrap()
        .is_empty());
    // Long project names are clipped so the label fits.
    let long = "L".repeat(100);
    time_support::project(
        &w.ws,
        &w.cast.owner,
        &long,
        crewclock::domain::projects::Privacy::Public,
        false,
    )
    .await;
    add(app, mia, &long, "15m", "2026-11-23").await.unwrap();
    let found = entries::suggest_entries(app, mia, "", 25).await.unwrap();
    assert!(
        found.iter().all(|s| s.label.chars().count() <= 100),
        "{found:?}"
    );
    assert!(found[0].label.ends_with("· 15m"), "{found:?}");
}
db_test!(entry_picker_suggestions, entry_suggestions);
