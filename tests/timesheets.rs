//! Timesheets (`/timesheet`) on SQLite and PostgreSQL: "submit own timesheet" and
//! "approve / reject a timesheet" of permissions.md, allowed and refused (a refused call
//! changes nothing); the lifecycle (withdraw, reject with a reason, resubmit, approve,
//! withdraw the approval); approved weeks locking their entries for everyone, with refusals
//! that say why and what unlocks them; weeks in the member's time zone.
//!
//! The clock starts on Monday 2026-11-23 09:00 UTC; "last week" is the week of 2026-11-16.

mod support;
mod time_support;

use chrono::Duration;
use crewclock::app::entries::{self, AddEntry, EditEntry};
use crewclock::app::timers::{self, StartTimer};
use crewclock::app::timesheets::{self, Decision};
use crewclock::domain::entries::{Lock, TimesheetStatus};
use crewclock::{Actor, App, AppError, AppResult};
use support::{assert_denied, Harness};
use time_support::{day, time_snapshot, utc, zone, World, PUBLIC};

const LAST: Option<&str> = Some("last week");
const APPROVED_LOCK: &str = "in the approved timesheet for the week of 2026-11-16; it is locked for everyone until the approval is withdrawn";

async fn add(app: &App, who: &Actor, when: &str, date: &str) -> AppResult<entries::EntryView> {
    entries::add(
        app,
        who,
        AddEntry {
            project: PUBLIC.into(),
            when: when.into(),
            date: Some(date.into()),
            ..AddEntry::default()
        },
    )
    .await
}

fn describe(text: &str) -> EditEntry {
    EditEntry {
        description: Some(text.into()),
        ..EditEntry::default()
    }
}

#[track_caller]
fn conflict<T: std::fmt::Debug>(outcome: AppResult<T>, needle: &str) {
    match outcome {
        Err(AppError::Conflict(m)) => {
            assert!(m.contains(needle), "'{m}' should mention '{needle}'")
        }
        other => panic!("expected a conflict mentioning '{needle}', got {other:?}"),
    }
}

/// "submit own timesheet (a week)": Owner, Admin, Manager, Member yes; Viewer, Guest no.
async fn submit_cell(h: &Harness) {
    let w = World::new(h).await;
    let app = w.app();
    for (who, allowed) in [
        (&w.cast.owner, true),
        (&w.cast.admin, true),
        (&w.cast.manager, true),
        (&w.cast.member, true),
        (&w.cast.viewer, false),
        (&w.cast.guest, false),
    ] {
        let before = time_snapshot(app, w.ws.guild).await;
        let outcome = timesheets::submit(app, who, LAST).await;
        match (&outcome, allowed) {
            (Ok(sheet), true) => {
                assert_eq!(sheet.status, TimesheetStatus::Submitted);
                assert_eq!(sheet.week_start, day("2026-11-16"));
                assert_eq!(sheet.week_end, day("2026-11-22"));
                assert_eq!(sheet.member.user, who.user);
            }
            (Err(AppError::Denied(m)), false) => {
                assert!(
                    m.contains("don't track time, so they have no timesheet"),
                    "{m}"
                );
                assert_eq!(time_snapshot(app, w.ws.guild).await, before);
            }
            _ => panic!("{} submits: {outcome:?}", who.name),
        }
    }
    // Only one's own, and never a week that hasn't started.
    let before = time_snapshot(app, w.ws.guild).await;
    match timesheets::submit(app, &w.other, Some("2026-12-01")).await {
        Err(AppError::Invalid(m)) => assert!(m.contains("hasn't started yet"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(time_snapshot(app, w.ws.guild).await, before);
}
db_test!(submit_timesheet_cell, submit_cell);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    Approve,
    Reject,
    WithdrawApproval,
}

async fn perform(app: &App, who: &Actor, member: &Actor, act: Act) -> AppResult<Decision> {
    let user = member.user;
    let decided = match act {
        Act::Approve => timesheets::approve(app, who, user, LAST).await?,
        Act::Reject => timesheets::reject(app, who, user, LAST, "Friday is missing").await?,
        Act::WithdrawApproval => timesheets::withdraw_approval(app, who, user, LAST).await?,
    };
    Ok(decided.decision)
}

/// "approve / reject a timesheet": Owner/Admin all; team manager their members'; Manager,
/// Member, Viewer, Guest no; nobody but the Owner and Admins decides their own.
async fn decide_cell(h: &Harness) {
    let w = World::new(h).await;
    let app = w.app();
    let mia = &w.cast.member;
    let owner = &w.cast.owner;
    add(app, mia, "9:00-17:00", "2026-11-18").await.unwrap();
    let actors: [(&str, &Actor, bool); 8] = [
        ("Owner", owner, true),
        ("Admin", &w.cast.admin, true),
        ("her team manager", &w.tm, true),
        ("Manager", &w.cast.manager, false),
        ("another Member", &w.other, false),
        ("Mia herself", mia, false),
        ("Viewer", &w.cast.viewer, false),
        ("Guest", &w.cast.guest, false),
    ];
    timesheets::submit(app, mia, LAST).await.unwrap();
    for act in [Act::Approve, Act::Reject, Act::WithdrawApproval] {
        for (name, who, allowed) in actors {
            // Put the week where the act applies.
            if act == Act::WithdrawApproval {
                timesheets::approve(app, owner, mia.user, LAST)
                    .await
                    .unwrap();
            }
            let before = time_snapshot(app, w.ws.guild).await;
            let outcome = perform(app, who, mia, act).await;
            match (&outcome, allowed) {
                (Ok(decision), true) => {
                    let expected = match act {
                        Act::Approve => Decision::Approved,
                        Act::Reject => Decision::Rejected,
                        Act::WithdrawApproval => Decision::ApprovalWithdrawn,
                    };
                    assert_eq!(*decision, expected);
                }
                (Err(AppError::Denied(_)), false) => {
                    assert_eq!(
                        time_snapshot(app, w.ws.guild).await,
                        before,
                        "{act:?} by {name}"
                    )
                }
                _ => panic!("{act:?} by {name}: expected allowed={allowed}, got {outcome:?}"),
            }
            // Back to submitted for the next actor.
            let status = timesheets::status(app, mia, None, LAST)
                .await
                .unwrap()
                .status;
            match status {
                TimesheetStatus::Approved => {
                    timesheets::withdraw_approval(app, owner, mia.user, LAST)
                        .await
                        .unwrap();
                }
                TimesheetStatus::Rejected => {
                    timesheets::submit(app, mia, LAST).await.unwrap();
                }
                TimesheetStatus::Submitted => {}
                TimesheetStatus::Open => panic!("week went back to open"),
            }
        }
    }
    assert_denied(
        timesheets::approve(app, mia, mia.user, LAST).await,
        "can't approve or reject your own timesheet",
    );
    assert_denied(
        timesheets::approve(app, &w.cast.manager, mia.user, LAST).await,
        "Only the Owner, an Admin or the member's team manager",
    );
    // A team manager decides only for their own members.
    timesheets::submit(app, &w.other, LAST).await.unwrap();
    assert_denied(
        timesheets::approve(app, &w.tm, w.other.user, LAST).await,
        "team manager",
    );
    // The Owner and Admins may decide their own week.
    timesheets::submit(app, owner, LAST).await.unwrap();
    timesheets::approve(app, owner, owner.user, LAST)
        .await
        .unwrap();
    timesheets::submit(app, &w.cast.admin, LAST).await.unwrap();
    timesheets::reject(app, &w.cast.admin, w.cast.admin.user, LAST, "redo")
        .await
        .unwrap();
    // Waiting lists: each approver sees what they may decide.
    let pending = |who: &Actor| {
        let app = app.clone();
        let who = who.clone();
        async move {
            let mut names: Vec<String> = timesheets::pending(&app, &who)
                .await
                .unwrap()
                .into_iter()
                .map(|t| t.member.name)
                .collect();
            names.sort();
            names
        }
    };
    assert_eq!(pending(owner).await, ["Mia Member", "Otto Other"]);
    assert_eq!(pending(&w.tm).await, ["Mia Member"]);
    assert!(pending(&w.cast.manager).await.is_empty());
    assert!(pending(&w.cast.viewer).await.is_empty());
}
db_test!(approve_and_reject_timesheet_cell, decide_cell);

async fn lifecycle(h: &Harness) {
    let w = World::new(h).await;
    let app = w.app();
    let mia = &w.cast.member;
    let owner = &w.cast.owner;
    let monday = add(app, mia, "9:00-12:00", "2026-11-16").await.unwrap();
    let friday = add(app, mia, "13:00-17:30", "2026-11-20").await.unwrap();
    let later = add(app, mia, "7:00-8:00", "2026-11-23").await.unwrap();
    let sheet = timesheets::submit(app, mia, LAST).await.unwrap();
    assert_eq!(sheet.total, Duration::minutes(450));
    assert_eq!(sheet.entries, 2);
    assert_eq!(sheet.days[0], (day("2026-11-16"), Duration::hours(3)));
    assert_eq!(sheet.days[4], (day("2026-11-20"), Duration::minutes(270)));
    conflict(
        timesheets::submit(app, mia, LAST).await,
        "already submitted",
    );
    // Withdrawn while waiting.
    let open = timesheets::withdraw(app, mia, LAST).await.unwrap();
    assert_eq!(open.status, TimesheetStatus::Open);
    conflict(
        timesheets::withdraw(app, mia, LAST).await,
        "isn't submitted",
    );
    conflict(
        timesheets::approve(app, owner, mia.user, LAST).await,
        "hasn't submitted the week of 2026-11-16",
    );
    // Rejected with a reason, which the member is told.
    timesheets::submit(app, mia, LAST).await.unwrap();
    let before = time_snapshot(app, w.ws.guild).await;
    match timesheets::reject(app, &w.tm, mia.user, LAST, "   ").await {
        Err(AppError::Invalid(m)) => assert!(m.contains("Give a reason"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(time_snapshot(app, w.ws.guild).await, before);
    let rejected = timesheets::reject(app, &w.tm, mia.user, LAST, "Friday afternoon is missing")
        .await
        .unwrap();
    assert_eq!(rejected.decision, Decision::Rejected);
    assert_eq!(rejected.member.user, mia.user);
    assert_eq!(rejected.guild, w.ws.guild);
    assert_eq!(rejected.workspace, "Test team");
    assert_eq!(
        (rejected.week_start, rejected.week_end),
        (day("2026-11-16"), day("2026-11-22"))
    );
    assert_eq!(
        rejected.reason.as_deref(),
        Some("Friday afternoon is missing")
    );
    assert_eq!(rejected.decided_by, "Tess TeamManager");
    assert_eq!(rejected.total, Duration::minutes(450));
    let status = timesheets::status(app, mia, None, LAST).await.unwrap();
    assert_eq!(status.status, TimesheetStatus::Rejected);
    assert_eq!(
        status.reason.as_deref(),
        Some("Friday afternoon is missing")
    );
    assert_eq!(status.decided_by.as_deref(), Some("Tess TeamManager"));
    // Rejected weeks stay editable; fixed and submitted again.
    entries::edit(app, mia, friday.id, describe("client call"))
        .await
        .unwrap();
    let again = timesheets::submit(app, mia, LAST).await.unwrap();
    assert_eq!(
        (again.status, again.reason),
        (TimesheetStatus::Submitted, None)
    );
    // Approved: locked for everyone, the Owner included, with the reason and the way out.
    let approved = timesheets::approve(app, owner, mia.user, LAST)
        .await
        .unwrap();
    assert_eq!(approved.decision, Decision::Approved);
    assert_eq!(approved.reason, None);
    conflict(
        timesheets::withdraw(app, mia, LAST).await,
        "ask whoever approved it",
    );
    conflict(
        timesheets::reject(app, owner, mia.user, LAST, "no").await,
        "Withdraw the approval first",
    );
    let before = time_snapshot(app, w.ws.guild).await;
    for who in [mia, owner, &w.cast.admin] {
        assert_denied(
            entries::edit(app, who, friday.id, describe("x")).await,
            APPROVED_LOCK,
        );
        assert_denied(
            entries::delete(app, who, monday.id).await,
            "(/timesheet reopen,",
        );
    }
    // No time may be added to it, nor moved into it.
    assert_denied(
        add(app, mia, "18:00-19:00", "2026-11-20").await,
        APPROVED_LOCK,
    );
    assert_denied(
        entries::add(
            app,
            owner,
            AddEntry {
                member: Some(mia.user),
                project: PUBLIC.into(),
                when: "1h".into(),
                date: Some("2026-11-17".into()),
                ..AddEntry::default()
            },
        )
        .await,
        APPROVED_LOCK,
    );
    assert_denied(
        entries::edit(
            app,
            mia,
            later.id,
            EditEntry {
                date: Some("2026-11-19".into()),
                ..EditEntry::default()
            },
        )
        .await,
        APPROVED_LOCK,
    );
    assert_eq!(time_snapshot(app, w.ws.guild).await, before);
    let view = entries::get(app, owner, friday.id).await.unwrap();
    assert_eq!(
        view.lock,
        Lock::Approved {
            week: day("2026-11-16")
        }
    );
    assert!(!view.you_can_edit);
    let week = entries::list_week(app, mia, LAST, None).await.unwrap();
    assert_eq!(week.timesheet, Some(TimesheetStatus::Approved));
    // Other weeks are untouched.
    entries::edit(app, mia, later.id, describe("this week"))
        .await
        .unwrap();
    // The approval withdrawn (by whoever may approve): editable again, waiting for a decision.
    assert_denied(
        timesheets::withdraw_approval(app, mia, mia.user, LAST).await,
        "",
    );
    let withdrawn = timesheets::withdraw_approval(app, &w.tm, mia.user, LAST)
        .await
        .unwrap();
    assert_eq!(withdrawn.decision, Decision::ApprovalWithdrawn);
    assert_eq!(withdrawn.timesheet.status, TimesheetStatus::Submitted);
    entries::edit(app, mia, friday.id, describe("unlocked"))
        .await
        .unwrap();
    conflict(
        timesheets::withdraw_approval(app, owner, mia.user, LAST).await,
        "no approval to withdraw",
    );
}
db_test!(timesheet_lifecycle_and_locks, lifecycle);

/// An approved week locks timers too; a week with a timer still running in it can be neither
/// submitted nor approved.
async fn running_timers(h: &Harness) {
    let w = World::new(h).await;
    let app = w.app();
    let mia = &w.cast.member;
    let owner = &w.cast.owner;
    let on = || StartTimer {
        project: Some(PUBLIC.into()),
        ..StartTimer::default()
    };
    timers::start(app, mia, on()).await.unwrap();
    h.clock.advance(Duration::hours(1));
    conflict(
        timesheets::submit(app, mia, None).await,
        "Your timer is still running",
    );
    timers::stop(app, mia).await.unwrap();
    timesheets::submit(app, mia, None).await.unwrap();
    timers::start(app, mia, on()).await.unwrap();
    h.clock.advance(Duration::hours(1));
    conflict(
        timesheets::approve(app, owner, mia.user, None).await,
        "Mia Member's timer is still running",
    );
    timers::stop(app, mia).await.unwrap();
    timesheets::approve(app, owner, mia.user, None)
        .await
        .unwrap();
    let before = time_snapshot(app, w.ws.guild).await;
    assert_denied(
        timers::start(app, mia, on()).await,
        "approved timesheet for the week of 2026-11-23",
    );
    assert_eq!(time_snapshot(app, w.ws.guild).await, before);
    let status = timesheets::status(app, mia, None, None).await.unwrap();
    assert_eq!(status.total, Duration::hours(2));
}
db_test!(running_timers_and_approved_weeks, running_timers);

/// Weeks are the member's: their zone decides which week an entry near midnight is in, and a
/// submitted week keeps its span when preferences change.
async fn zones_and_week_starts(h: &Harness) {
    let w = World::new(h).await;
    let app = w.app();
    let mia = &w.cast.member;
    zone(app, mia, "Europe/Berlin").await;
    // Sunday 23:30 Berlin (22:30 UTC) is last week; Monday 00:30 Berlin (23:30 UTC Sunday)
    // is this week.
    let sunday = add(app, mia, "23:00-23:30", "2026-11-22").await.unwrap();
    let monday = add(app, mia, "0:30-1:00", "2026-11-23").await.unwrap();
    assert_eq!(monday.started_at, utc("2026-11-22 23:30"));
    let sheet = timesheets::submit(app, mia, LAST).await.unwrap();
    assert_eq!(sheet.total, Duration::minutes(30));
    assert_eq!(sheet.time_zone, chrono_tz::Europe::Berlin);
    timesheets::approve(app, &w.cast.owner, mia.user, LAST)
        .await
        .unwrap();
    assert_denied(
        entries::edit(app, mia, sunday.id, describe("x")).await,
        APPROVED_LOCK,
    );
    entries::edit(app, mia, monday.id, describe("this week"))
        .await
        .unwrap();
    // A new week start can't make a week that overlaps a submitted one.
    crewclock::app::me::set_week_start(app, mia, "sunday")
        .await
        .unwrap();
    conflict(
        timesheets::submit(app, mia, Some("2026-11-18")).await,
        "overlaps your approved week of 2026-11-16",
    );
    // The approved week keeps its span.
    let status = timesheets::status(app, &w.cast.owner, Some(mia.user), Some("2026-11-16"))
        .await
        .unwrap();
    assert_eq!(status.status, TimesheetStatus::Approved);
    assert_eq!(status.total, Duration::minutes(30));
    // Who sees someone's timesheet: whoever sees all their time.
    timesheets::status(app, &w.cast.viewer, Some(mia.user), LAST)
        .await
        .unwrap();
    timesheets::status(app, &w.tm, Some(mia.user), LAST)
        .await
        .unwrap();
    assert_denied(
        timesheets::status(app, &w.other, Some(mia.user), LAST).await,
        "only your own",
    );
    assert_denied(
        timesheets::status(app, &w.cast.guest, Some(mia.user), LAST).await,
        "Guests",
    );
}
db_test!(weeks_in_the_members_zone, zones_and_week_starts);

fn users(people: Vec<crewclock::app::entries::PersonRef>) -> Vec<u64> {
    let mut ids: Vec<u64> = people.into_iter().map(|p| p.user.0).collect();
    ids.sort();
    ids
}

/// Who is asked to approve a week: the member's team managers, else the Owner and the Admins,
/// never the member; `check_decide` refuses exactly as deciding would, and changes nothing.
async fn approvers_and_checks(h: &Harness) {
    let w = World::new(h).await;
    let app = w.app();
    let mia = &w.cast.member;
    let (owner, admin) = (&w.cast.owner, &w.cast.admin);
    assert_eq!(
        users(timesheets::approvers(app, mia).await.unwrap()),
        vec![w.tm.user.0]
    );
    let mut admins = vec![owner.user.0, admin.user.0];
    admins.sort();
    assert_eq!(
        users(timesheets::approvers(app, &w.other).await.unwrap()),
        admins
    );
    assert_eq!(
        users(timesheets::approvers(app, admin).await.unwrap()),
        vec![owner.user.0]
    );
    assert_denied(
        timesheets::approvers(app, &w.cast.viewer).await,
        "don't track time",
    );

    add(app, mia, "9:00-17:00", "2026-11-18").await.unwrap();
    conflict(
        timesheets::check_decide(app, &w.tm, mia.user, LAST).await,
        "hasn't submitted the week of 2026-11-16",
    );
    timesheets::submit(app, mia, LAST).await.unwrap();
    let before = time_snapshot(app, w.ws.guild).await;
    let sheet = timesheets::check_decide(app, &w.tm, mia.user, LAST)
        .await
        .unwrap();
    assert_eq!(sheet.status, TimesheetStatus::Submitted);
    assert_eq!(sheet.week_start, day("2026-11-16"));
    assert_eq!(sheet.total, Duration::hours(8));
    // Any date of the week names it, as the approval buttons do.
    timesheets::check_decide(app, owner, mia.user, Some("2026-11-16"))
        .await
        .unwrap();
    assert_denied(
        timesheets::check_decide(app, &w.cast.manager, mia.user, LAST).await,
        "Only the Owner, an Admin or the member's team manager",
    );
    assert_denied(
        timesheets::check_decide(app, mia, mia.user, LAST).await,
        "your own timesheet",
    );
    assert_eq!(time_snapshot(app, w.ws.guild).await, before);
    timesheets::approve(app, owner, mia.user, LAST)
        .await
        .unwrap();
    conflict(
        timesheets::check_decide(app, &w.tm, mia.user, LAST).await,
        "already approved",
    );
}
db_test!(approvers_and_decision_checks, approvers_and_checks);
