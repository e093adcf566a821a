//! Reports (`app::reports`) on SQLite and PostgreSQL: who sees which rows (every cell of the
//! rulebook's "see entries" and "see rates" that reports touch, allowed and refused), totals,
//! billable totals, amounts, grouping up to three levels, filters, rolling ranges resolved at
//! "now", local days across a daylight-saving change, pagination, and CSV with hostile text.
//!
//! The clock starts on Monday 2026-11-23 09:00 UTC; the fixture's entries lie in the week
//! before (2026-11-16 … 2026-11-22), in UTC.

mod support;
mod time_support;

use chrono::Duration;
use crewclock::app::entries::{self, AddEntry};
use crewclock::app::projects::{self, ProjectEdit};
use crewclock::app::reports::{self, GroupKey, Report, ReportGroup};
use crewclock::app::{members, rates, sharing};
use crewclock::domain::report::{GroupBy, RangeSpec, ReportOptions, ReportQuery};
use crewclock::domain::{ChannelId, Role};
use crewclock::{Actor, App, AppError};
use support::{assert_denied, Harness};
use time_support::{day, utc, zone, World, CLOSED, PRIVATE, PUBLIC};

/// Adds an entry for `who` and returns (entry id, project id, member id).
async fn add(
    app: &App,
    who: &Actor,
    project: &str,
    when: &str,
    date: &str,
    tags: &[&str],
    description: &str,
) -> (i64, i64, i64) {
    let view = entries::add(
        app,
        who,
        AddEntry {
            project: project.into(),
            when: when.into(),
            date: Some(date.into()),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            description: Some(description.into()),
            ..AddEntry::default()
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{} adds {when} on {project}: {e}", who.name));
    (view.id, view.project_id, view.member.member_id)
}

struct Fixture {
    w: World,
    public_id: i64,
    private_id: i64,
    closed_id: i64,
    mia_id: i64,
    other_id: i64,
    design: i64,
    urgent: i64,
    acme: i64,
}

/// Six entries last week:
/// - Mia: Website 2h (billable, tags design+urgent), Secret 1h
/// - Otto (other): Website 1h (billable, tag design)
/// - Pat (pm): Vault 3h
/// - Olivia (owner): Vault 1h
/// - Max (manager): Secret 30m
///
/// Website belongs to client Acme and costs 100 EUR an hour.
async fn fixture(h: &Harness) -> Fixture {
    let w = World::new(h).await;
    let app = w.app().clone();
    let owner = w.cast.owner.clone();
    let design = projects::create_tag(&app, &owner, "design")
        .await
        .unwrap()
        .id;
    let urgent = projects::create_tag(&app, &owner, "urgent")
        .await
        .unwrap()
        .id;
    let acme = projects::create_client(&app, &owner, "Acme")
        .await
        .unwrap()
        .id;
    projects::edit_project(
        &app,
        &owner,
        PUBLIC,
        ProjectEdit {
            client: Some(Some("Acme".into())),
            ..ProjectEdit::default()
        },
    )
    .await
    .unwrap();
    projects::set_rate(&app, &owner, PUBLIC, "100")
        .await
        .unwrap();
    let mia = w.cast.member.clone();
    let (_, public_id, mia_id) = add(
        &app,
        &mia,
        PUBLIC,
        "9:00-11:00",
        "2026-11-16",
        &["design", "urgent"],
        "homepage",
    )
    .await;
    let (_, private_id, _) = add(&app, &mia, PRIVATE, "1h", "2026-11-17", &[], "").await;
    let (_, _, other_id) = add(
        &app,
        &w.other,
        PUBLIC,
        "9:00-10:00",
        "2026-11-18",
        &["design"],
        "",
    )
    .await;
    let (_, closed_id, _) = add(&app, &w.pm, CLOSED, "9:00-12:00", "2026-11-19", &[], "").await;
    add(&app, &owner, CLOSED, "13:00-14:00", "2026-11-20", &[], "").await;
    add(&app, &w.cast.manager, PRIVATE, "30m", "2026-11-21", &[], "").await;
    Fixture {
        w,
        public_id,
        private_id,
        closed_id,
        mia_id,
        other_id,
        design,
        urgent,
        acme,
    }
}

fn last_week(group_by: Vec<GroupBy>) -> ReportQuery {
    ReportQuery::new(RangeSpec::LastWeek, group_by)
}

const H: i64 = 3600;

async fn total_of(app: &App, who: &Actor) -> i64 {
    reports::summary(app, who, &last_week(vec![GroupBy::Project]))
        .await
        .unwrap_or_else(|e| panic!("{} report: {e}", who.name))
        .total_seconds
}

fn find<'a>(groups: &'a [ReportGroup], label: &str) -> &'a ReportGroup {
    groups
        .iter()
        .find(|g| g.label == label)
        .unwrap_or_else(|| panic!("no group {label} in {:?}", labels(groups)))
}

fn labels(groups: &[ReportGroup]) -> Vec<String> {
    groups.iter().map(|g| g.label.clone()).collect()
}

// ---------------------------------------------------------------------------------------
// Who sees which rows
// ---------------------------------------------------------------------------------------

async fn rows_follow_see_entries(h: &Harness) {
    let f = fixture(h).await;
    let app = f.w.app();
    let c = &f.w.cast;
    let all = 2 * H + H + H + 3 * H + H + H / 2;
    // Owner, Admin, Manager, Viewer and the team manager (a Manager): every entry.
    for who in [&c.owner, &c.admin, &c.manager, &c.viewer, &f.w.tm] {
        assert_eq!(total_of(app, who).await, all, "{}", who.name);
    }
    // Mia: her own (also on the private project) and others' on the public project.
    assert_eq!(total_of(app, &c.member).await, 2 * H + H + H);
    // Otto: his own and Mia's public entry; not Mia's private one.
    assert_eq!(total_of(app, &f.w.other).await, H + 2 * H);
    // Pat manages Vault: his own, the Owner's there, and the public ones.
    assert_eq!(total_of(app, &f.w.pm).await, 3 * H + H + 2 * H + H);

    // members_see_others_time off: Members keep their own and what they manage.
    f.w.ws.set("members_see_others_time", "false").await;
    assert_eq!(total_of(app, &c.member).await, 3 * H);
    assert_eq!(total_of(app, &f.w.other).await, H);
    assert_eq!(total_of(app, &f.w.pm).await, 3 * H + H);
    assert_eq!(total_of(app, &c.viewer).await, all);

    // Rows per member: Mia never sees the Manager's private-project time.
    let by_member = reports::summary(app, &c.member, &last_week(vec![GroupBy::Member]))
        .await
        .unwrap();
    assert_eq!(labels(&by_member.groups), vec!["Mia Member"]);
}

async fn private_rows_stay_hidden_in_every_grouping(h: &Harness) {
    let f = fixture(h).await;
    let app = f.w.app();
    for levels in [
        vec![GroupBy::Project],
        vec![GroupBy::Member, GroupBy::Project],
        vec![GroupBy::Tag],
        vec![GroupBy::Day, GroupBy::Task],
        vec![GroupBy::Client, GroupBy::Billable],
    ] {
        let report = reports::summary(app, &f.w.other, &last_week(levels.clone()))
            .await
            .unwrap();
        let text = format!("{report:?}");
        assert!(
            !text.contains(CLOSED) && !text.contains(PRIVATE),
            "{levels:?}: {text}"
        );
        assert_eq!(report.total_seconds, 3 * H, "{levels:?}");
        // Detailed rows: the same entries.
        let page = reports::detailed(app, &f.w.other, &last_week(levels), 1, 50)
            .await
            .unwrap();
        assert_eq!(page.total_entries, 2);
        assert!(page.rows.iter().all(|r| r.project_id == f.public_id));
    }
    // Filtering on a project one can't see gives nothing rather than its rows.
    let mut query = last_week(vec![GroupBy::Member]);
    query.projects = vec![f.closed_id, f.private_id];
    let report = reports::summary(app, &f.w.other, &query).await.unwrap();
    assert_eq!((report.total_seconds, report.groups.len()), (0, 0));
}

async fn guests_see_totals_of_their_shared_projects_only(h: &Harness) {
    let f = fixture(h).await;
    let app = f.w.app();
    let guest = &f.w.cast.guest;
    let by_project = last_week(vec![GroupBy::Project]);
    // Nothing shared yet: nothing to see.
    let report = reports::summary(app, guest, &by_project).await.unwrap();
    assert_eq!(report.total_seconds, 0);
    assert!(report.groups.is_empty() && report.budgets.is_empty());
    assert_eq!(report.amounts, None);
    assert_eq!(report.billable_seconds, None);

    // The public project shared with the guest (stage only), the closed one with its tasks.
    let owner = &f.w.cast.owner;
    let me = [(guest.user, guest.name.clone())];
    sharing::share_project(app, owner, PUBLIC, ChannelId(h.id()), &me, "stage")
        .await
        .unwrap();
    sharing::share_project(app, owner, CLOSED, ChannelId(h.id()), &me, "tasks")
        .await
        .unwrap();
    // Even when everyone may see rates, a guest sees none.
    f.w.ws.set("who_can_see_rates", "anyone").await;
    let report = reports::summary(app, guest, &by_project).await.unwrap();
    assert_eq!(
        report.total_seconds,
        7 * H,
        "3 h on the public, 4 h on the closed project"
    );
    assert_eq!(report.groups.len(), 2);
    assert_eq!(report.amounts, None);
    assert_eq!(report.billable_seconds, None);
    assert!(!format!("{report:?}").contains(PRIVATE));
    // By task: only the share exposing tasks counts.
    let report = reports::summary(app, guest, &last_week(vec![GroupBy::Task]))
        .await
        .unwrap();
    assert_eq!(report.total_seconds, 4 * H);

    // Never people, tags, billable or the entry list.
    assert_denied(
        reports::summary(app, guest, &last_week(vec![GroupBy::Member])).await,
        "per person",
    );
    let mut by_person = by_project.clone();
    by_person.members = vec![f.mia_id];
    assert_denied(reports::summary(app, guest, &by_person).await, "per person");
    assert_denied(
        reports::summary(app, guest, &last_week(vec![GroupBy::Tag])).await,
        "Tags",
    );
    let mut billable = by_project.clone();
    billable.billable = Some(true);
    assert_denied(reports::summary(app, guest, &billable).await, "billable");
    assert_denied(
        reports::detailed(app, guest, &by_project, 1, 10).await,
        "not the list of entries",
    );

    // Revoked: gone at once.
    sharing::revoke(app, owner, PUBLIC, None).await.unwrap();
    let report = reports::summary(app, guest, &by_project).await.unwrap();
    assert_eq!(report.total_seconds, 4 * H);
}

async fn removed_members_are_refused(h: &Harness) {
    let f = fixture(h).await;
    let app = f.w.app();
    members::remove(app, &f.w.cast.owner, f.w.other.user)
        .await
        .unwrap();
    assert_denied(
        reports::summary(app, &f.w.other, &last_week(vec![GroupBy::Project])).await,
        "no longer a member",
    );
    assert_denied(
        reports::detailed(app, &f.w.other, &last_week(vec![GroupBy::Project]), 1, 10).await,
        "no longer a member",
    );
    let stranger = f.w.ws.stranger("Stan Stranger");
    assert_denied(
        reports::summary(app, &stranger, &last_week(vec![GroupBy::Project])).await,
        "not a member",
    );
    // Their time stays in others' reports.
    assert_eq!(
        total_of(app, &f.w.cast.owner).await,
        2 * H + H + H + 3 * H + H + H / 2
    );
}

// ---------------------------------------------------------------------------------------
// Money and billable
// ---------------------------------------------------------------------------------------

fn eur(report: &Report) -> Option<i64> {
    report.amounts.as_ref().map(|list| {
        list.iter()
            .filter(|m| m.currency.as_str() == "EUR")
            .map(|m| m.minor)
            .sum()
    })
}

async fn amounts_follow_who_can_see_rates(h: &Harness) {
    let f = fixture(h).await;
    let app = f.w.app();
    let c = &f.w.cast;
    let q = last_week(vec![GroupBy::Project, GroupBy::Member]);
    // Billable: Mia's 2h and Otto's 1h on Website at 100 EUR.
    let owner = reports::summary(app, &c.owner, &q).await.unwrap();
    assert_eq!(eur(&owner), Some(30_000));
    assert_eq!(owner.billable_seconds, Some(3 * H));
    let website = find(&owner.groups, PUBLIC);
    assert_eq!(website.amounts.as_ref().map(|a| a[0].minor), Some(30_000));
    assert_eq!(
        find(&website.children, "Mia Member")
            .amounts
            .as_ref()
            .map(|a| a[0].minor),
        Some(20_000)
    );
    assert_eq!(
        eur(&reports::summary(app, &c.admin, &q).await.unwrap()),
        Some(30_000)
    );
    for who in [&c.manager, &c.member, &c.viewer] {
        let report = reports::summary(app, who, &q).await.unwrap();
        assert_eq!(report.amounts, None, "{}", who.name);
        assert!(report.groups.iter().all(|g| g.amounts.is_none()));
        let page = reports::detailed(app, who, &q, 1, 50).await.unwrap();
        assert!(page.rows.iter().all(|r| r.amount.is_none()));
        assert!(!page.amounts_visible);
    }
    f.w.ws.set("who_can_see_rates", "anyone").await;
    for who in [&c.manager, &c.viewer] {
        assert_eq!(
            eur(&reports::summary(app, who, &q).await.unwrap()),
            Some(30_000)
        );
    }
    assert_eq!(
        eur(&reports::summary(app, &c.member, &q).await.unwrap()),
        Some(30_000)
    );
    // A per-member rate on the project wins and is rounded per entry, as entry views show.
    rates::set_project_member_rate(app, &c.owner, PUBLIC, c.member.user, "33.33")
        .await
        .unwrap();
    let owner = reports::summary(app, &c.owner, &q).await.unwrap();
    let page = reports::detailed(app, &c.owner, &q, 1, 50).await.unwrap();
    let from_rows: i64 = page
        .rows
        .iter()
        .filter_map(|r| r.amount.as_ref().map(|m| m.minor))
        .sum();
    assert_eq!(eur(&owner), Some(6_666 + 10_000));
    assert_eq!(from_rows, 6_666 + 10_000);
    for row in page.rows.iter().filter(|r| r.amount.is_some()) {
        let view = entries::get(app, &c.owner, row.entry_id).await.unwrap();
        assert_eq!(view.amount, row.amount);
    }
    // Budgets: hours for whoever sees the project, money only with rates.
    projects::edit_project(
        app,
        &c.owner,
        PUBLIC,
        ProjectEdit {
            budget: Some("10h".into()),
            ..ProjectEdit::default()
        },
    )
    .await
    .unwrap();
    assert!(reports::summary(app, &f.w.other, &q)
        .await
        .unwrap()
        .budgets
        .is_empty());
    let mut q = q;
    q.budgets = true;
    let report = reports::summary(app, &f.w.other, &q).await.unwrap();
    assert_eq!(report.budgets.len(), 1);
    assert_eq!(report.budgets[0].tracked_seconds, 3 * H);
    assert_eq!(report.budgets[0].percent, Some(30));
}

async fn billable_needs_its_setting(h: &Harness) {
    let f = fixture(h).await;
    let app = f.w.app();
    let mia = &f.w.cast.member;
    let mut q = last_week(vec![GroupBy::Billable]);
    let report = reports::summary(app, mia, &q).await.unwrap();
    assert_eq!(report.billable_seconds, Some(3 * H));
    assert_eq!(
        report
            .groups
            .iter()
            .map(|g| (g.key.clone(), g.seconds))
            .collect::<Vec<_>>(),
        vec![(GroupKey::Flag(true), 3 * H), (GroupKey::Flag(false), H)]
    );
    f.w.ws.set("who_can_change_billable", "admins").await;
    assert_denied(
        reports::summary(app, mia, &q).await,
        "who_can_change_billable",
    );
    q.group_by = vec![GroupBy::Project];
    let report = reports::summary(app, mia, &q).await.unwrap();
    assert_eq!(report.billable_seconds, None);
    assert!(report.groups.iter().all(|g| g.billable_seconds.is_none()));
    q.billable = Some(false);
    assert_denied(reports::summary(app, mia, &q).await, "billable");
    // Viewers see the flag.
    let report = reports::summary(app, &f.w.cast.viewer, &q).await.unwrap();
    assert_eq!(report.total_seconds, H + 3 * H + H + H / 2);
}

// ---------------------------------------------------------------------------------------
// Grouping and filters
// ---------------------------------------------------------------------------------------

fn check_sums(groups: &[ReportGroup]) {
    for g in groups {
        if !g.children.is_empty() && g.children[0].level != GroupBy::Tag {
            let sum: i64 = g.children.iter().map(|c| c.seconds).sum();
            assert_eq!(sum, g.seconds, "children of {} add up", g.label);
        }
        check_sums(&g.children);
    }
}

async fn three_levels(h: &Harness) {
    let f = fixture(h).await;
    let app = f.w.app();
    let owner = &f.w.cast.owner;
    let q = last_week(vec![GroupBy::Client, GroupBy::Project, GroupBy::Member]);
    let report = reports::summary(app, owner, &q).await.unwrap();
    check_sums(&report.groups);
    assert_eq!(labels(&report.groups), vec!["(no client)", "Acme"]);
    let acme = find(&report.groups, "Acme");
    assert_eq!(
        (acme.key.clone(), acme.seconds),
        (GroupKey::Id(Some(f.acme)), 3 * H)
    );
    let website = find(&acme.children, PUBLIC);
    assert_eq!(labels(&website.children), vec!["Mia Member", "Otto Other"]);
    let none = find(&report.groups, "(no client)");
    assert_eq!(labels(&none.children), vec![CLOSED, PRIVATE]);
    assert_eq!(find(&none.children, CLOSED).seconds, 4 * H);
    assert_eq!(report.group_by.len(), 3);

    // Tags: an entry counts under each tag; the total counts it once.
    let q = last_week(vec![GroupBy::Tag, GroupBy::Member]);
    let report = reports::summary(app, owner, &q).await.unwrap();
    assert_eq!(report.total_seconds, 2 * H + H + H + 3 * H + H + H / 2);
    assert_eq!(find(&report.groups, "design").seconds, 3 * H);
    assert_eq!(find(&report.groups, "urgent").seconds, 2 * H);
    assert_eq!(
        find(&report.groups, "(no tag)").seconds,
        H + 3 * H + H + H / 2
    );
    assert_eq!(find(&report.groups, "design").children.len(), 2);
    // Project above tag: the project's total is not doubled by Mia's two tags.
    let report = reports::summary(app, owner, &last_week(vec![GroupBy::Project, GroupBy::Tag]))
        .await
        .unwrap();
    let website = find(&report.groups, PUBLIC);
    assert_eq!(website.seconds, 3 * H);
    assert_eq!(find(&website.children, "design").seconds, 3 * H);
    assert_eq!(find(&website.children, "urgent").seconds, 2 * H);

    // Days, in order, and weeks and months.
    let report = reports::summary(app, owner, &last_week(vec![GroupBy::Day]))
        .await
        .unwrap();
    assert_eq!(
        report
            .groups
            .iter()
            .map(|g| g.key.clone())
            .collect::<Vec<_>>(),
        [
            "2026-11-16",
            "2026-11-17",
            "2026-11-18",
            "2026-11-19",
            "2026-11-20",
            "2026-11-21"
        ]
        .iter()
        .map(|d| GroupKey::Date(day(d)))
        .collect::<Vec<_>>()
    );
    let report = reports::summary(
        app,
        owner,
        &last_week(vec![GroupBy::Week, GroupBy::Project]),
    )
    .await
    .unwrap();
    assert_eq!(report.groups.len(), 1);
    assert_eq!(report.groups[0].key, GroupKey::Date(day("2026-11-16")));
    check_sums(&report.groups);
}

async fn filters(h: &Harness) {
    let f = fixture(h).await;
    let app = f.w.app();
    let owner = &f.w.cast.owner;
    let run = |q: ReportQuery| async move { reports::summary(app, owner, &q).await.unwrap() };
    let base = || last_week(vec![GroupBy::Member]);
    let mut q = base();
    q.projects = vec![f.public_id];
    assert_eq!(run(q).await.total_seconds, 3 * H);
    let mut q = base();
    q.members = vec![f.mia_id];
    assert_eq!(run(q).await.total_seconds, 3 * H);
    let mut q = base();
    q.members = vec![f.mia_id, f.other_id];
    q.projects = vec![f.public_id];
    assert_eq!(run(q).await.total_seconds, 3 * H);
    let mut q = base();
    q.billable = Some(true);
    assert_eq!(run(q).await.total_seconds, 3 * H);
    let mut q = base();
    q.billable = Some(false);
    assert_eq!(run(q).await.total_seconds, H + 3 * H + H + H / 2);
    let mut q = base();
    q.tags = vec![f.urgent];
    assert_eq!(run(q).await.total_seconds, 2 * H);
    let mut q = base();
    q.tags = vec![f.design, f.urgent];
    assert_eq!(run(q).await.total_seconds, 3 * H);
    let mut q = last_week(vec![GroupBy::Tag]);
    q.tags = vec![f.urgent];
    let report = run(q).await;
    assert_eq!(labels(&report.groups), vec!["urgent"]);
    let mut q = base();
    q.clients = vec![f.acme];
    assert_eq!(run(q).await.total_seconds, 3 * H);
    // Tasks: none of the fixture's entries has a task.
    let task = projects::create_task(app, owner, PUBLIC, "Copy")
        .await
        .unwrap();
    let mut q = base();
    q.tasks = vec![task.id];
    assert_eq!(run(q).await.total_seconds, 0);
    // Bad queries say what to do.
    let mut q = base();
    q.group_by = vec![];
    assert!(
        matches!(reports::summary(app, owner, &q).await, Err(AppError::Invalid(m)) if m.contains("at least one"))
    );
    let mut q = base();
    q.projects = vec![1; 501];
    assert!(
        matches!(reports::summary(app, owner, &q).await, Err(AppError::Invalid(m)) if m.contains("at most 500"))
    );
}

// ---------------------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------------------

async fn rolling_ranges_move_with_now(h: &Harness) {
    let f = fixture(h).await;
    let app = f.w.app();
    let owner = &f.w.cast.owner;
    let q = last_week(vec![GroupBy::Project]);
    let report = reports::summary(app, owner, &q).await.unwrap();
    assert_eq!(
        (report.from, report.to),
        (day("2026-11-16"), day("2026-11-22"))
    );
    assert!(report.total_seconds > 0);
    let this_week = reports::summary(
        app,
        owner,
        &ReportQuery::new(RangeSpec::ThisWeek, vec![GroupBy::Project]),
    )
    .await
    .unwrap();
    assert_eq!(this_week.total_seconds, 0);
    // A running timer counts up to now.
    crewclock::app::timers::start(
        app,
        owner,
        crewclock::app::timers::StartTimer {
            project: Some(PUBLIC.into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    h.clock.advance(Duration::minutes(30));
    let running = reports::summary(
        app,
        owner,
        &ReportQuery::new(RangeSpec::Today, vec![GroupBy::Member]),
    )
    .await
    .unwrap();
    assert_eq!((running.total_seconds, running.entries), (30 * 60, 1));
    assert_eq!(utc("2026-11-23 09:30"), running.generated_at);
    crewclock::app::timers::stop(app, owner).await.unwrap();
    let last_30 = reports::summary(
        app,
        owner,
        &ReportQuery::new(RangeSpec::LastDays(30), vec![GroupBy::Project]),
    )
    .await
    .unwrap();
    assert_eq!(
        (last_30.from, last_30.total_seconds),
        (day("2026-10-25"), report.total_seconds + 30 * 60)
    );
    // A week later the same query covers the next week: nothing froze.
    h.clock.advance(Duration::days(7));
    let later = reports::summary(app, owner, &q).await.unwrap();
    assert_eq!(
        (later.from, later.total_seconds),
        (day("2026-11-23"), 30 * 60)
    );
    // A fixed range stays.
    let fixed = ReportQuery::new(
        RangeSpec::parse("2026-11-16..2026-11-22").unwrap(),
        vec![GroupBy::Project],
    );
    assert_eq!(
        reports::summary(app, owner, &fixed)
            .await
            .unwrap()
            .total_seconds,
        report.total_seconds
    );
    // The viewer's week start decides "last week".
    crewclock::app::me::set_week_start(app, owner, "sunday")
        .await
        .unwrap();
    let sunday = reports::summary(app, owner, &q).await.unwrap();
    assert_eq!(
        (sunday.from, sunday.to),
        (day("2026-11-22"), day("2026-11-28"))
    );
}

async fn days_are_the_viewers_across_daylight_saving(h: &Harness) {
    let w = World::new(h).await;
    let app = w.app();
    let mia = &w.cast.member;
    // Berlin leaves summer time at 2026-10-25 01:00 UTC (03:00 CEST → 02:00 CET).
    // 2026-10-24 22:30 UTC = 25th 00:30 CEST; 2026-10-25 22:30 UTC = 25th 23:30 CET;
    // 2026-10-25 23:30 UTC = 26th 00:30 CET.
    add(app, mia, PUBLIC, "22:30-23:00", "2026-10-24", &[], "a").await;
    add(app, mia, PUBLIC, "22:30-23:00", "2026-10-25", &[], "b").await;
    add(app, mia, PUBLIC, "23:30-23:45", "2026-10-25", &[], "c").await;
    let owner = &w.cast.owner;
    let q = ReportQuery::new(
        RangeSpec::parse("2026-10-24..2026-10-26").unwrap(),
        vec![GroupBy::Day],
    );
    let days = |r: &Report| {
        r.groups
            .iter()
            .map(|g| (g.key.clone(), g.seconds / 60))
            .collect::<Vec<_>>()
    };
    let utc_view = reports::summary(app, owner, &q).await.unwrap();
    assert_eq!(
        days(&utc_view),
        vec![
            (GroupKey::Date(day("2026-10-24")), 30),
            (GroupKey::Date(day("2026-10-25")), 45)
        ]
    );
    zone(app, owner, "Europe/Berlin").await;
    let berlin = reports::summary(app, owner, &q).await.unwrap();
    assert_eq!(berlin.time_zone, "Europe/Berlin");
    assert_eq!(
        days(&berlin),
        vec![
            (GroupKey::Date(day("2026-10-25")), 60),
            (GroupKey::Date(day("2026-10-26")), 15)
        ]
    );
    // The range is the viewer's days too: the 25th alone, in Berlin, is 25 hours long.
    let one = ReportQuery::new(
        RangeSpec::parse("2026-10-25").unwrap(),
        vec![GroupBy::Month],
    );
    let report = reports::summary(app, owner, &one).await.unwrap();
    assert_eq!(report.total_seconds, 60 * 60);
    assert_eq!(report.groups[0].key, GroupKey::Date(day("2026-10-01")));
    let page = reports::detailed(app, owner, &one, 1, 10).await.unwrap();
    assert_eq!(
        page.rows
            .iter()
            .map(|r| (r.date, r.start.clone()))
            .collect::<Vec<_>>(),
        vec![
            (day("2026-10-25"), "00:30".to_string()),
            (day("2026-10-25"), "23:30".to_string())
        ]
    );
}

// ---------------------------------------------------------------------------------------
// Detailed pages and CSV
// ---------------------------------------------------------------------------------------

async fn detailed_pages(h: &Harness) {
    let f = fixture(h).await;
    let app = f.w.app();
    let owner = &f.w.cast.owner;
    let q = last_week(vec![GroupBy::Project]);
    let first = reports::detailed(app, owner, &q, 1, 4).await.unwrap();
    let second = reports::detailed(app, owner, &q, 2, 4).await.unwrap();
    assert_eq!((first.total_entries, first.pages), (6, 2));
    assert_eq!((first.rows.len(), second.rows.len()), (4, 2));
    let dates: Vec<_> = first
        .rows
        .iter()
        .chain(&second.rows)
        .map(|r| r.date)
        .collect();
    let mut sorted = dates.clone();
    sorted.sort();
    assert_eq!(dates, sorted);
    let mia_row = &first.rows[0];
    assert_eq!(mia_row.tags, vec!["design", "urgent"]);
    assert_eq!(mia_row.client.as_deref(), Some("Acme"));
    assert_eq!((mia_row.seconds, mia_row.billable), (2 * H, Some(true)));
    assert!(
        matches!(reports::detailed(app, owner, &q, 3, 4).await, Err(AppError::Invalid(m)) if m.contains("2 pages"))
    );
    assert!(
        matches!(reports::detailed(app, owner, &q, 1, 0).await, Err(AppError::Invalid(m)) if m.contains("1 to 500"))
    );
    assert!(matches!(
        reports::detailed(app, owner, &q, 1, 501).await,
        Err(AppError::Invalid(_))
    ));
    assert!(matches!(
        reports::detailed(app, owner, &q, 0, 5).await,
        Err(AppError::Invalid(_))
    ));
    // Hiding people and amounts for a shared link.
    let mut page = reports::detailed(app, owner, &q, 1, 50).await.unwrap();
    page.redact(&ReportOptions {
        hide_amounts: true,
        hide_members: true,
    });
    assert!(page
        .rows
        .iter()
        .all(|r| r.amount.is_none() && r.member.is_empty() && r.member_id == 0));
    let csv = page.to_csv();
    assert!(!csv.contains("Mia") && !csv.contains("amount"), "{csv}");
    let mut report = reports::summary(
        app,
        owner,
        &last_week(vec![GroupBy::Project, GroupBy::Member]),
    )
    .await
    .unwrap();
    report.redact(&ReportOptions {
        hide_amounts: true,
        hide_members: true,
    });
    let text = format!("{report:?}");
    assert!(
        !text.contains("Mia") && !text.contains("Otto") && report.amounts.is_none(),
        "{text}"
    );
    assert!(text.contains("Person 1"));
}

async fn csv_survives_hostile_text(h: &Harness) {
    let w = World::new(h).await;
    let app = w.app();
    let owner = &w.cast.owner;
    let hostile = "=HYPERLINK(\"http://evil\",\"x\"), <script>alert(1)</script> \u{202e}gnp.exe";
    time_support::project(
        &w.ws,
        owner,
        hostile,
        crewclock::domain::projects::Privacy::Public,
        true,
    )
    .await;
    projects::create_tag(app, owner, "+cmd").await.unwrap();
    add(
        app,
        owner,
        hostile,
        "9:00-10:00",
        "2026-11-16",
        &["+cmd"],
        "-2+3, \"quoted\" @SUM(A1)",
    )
    .await;
    let q = last_week(vec![GroupBy::Project, GroupBy::Tag]);
    let csv = reports::summary(app, owner, &q).await.unwrap().to_csv();
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert_eq!(lines[0], "project,tag,hours,duration,billable hours");
    assert!(
        lines[1].starts_with("\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\"), <script>"),
        "{csv}"
    );
    assert!(lines[2].contains(",'+cmd,1.00,1:00,1.00"), "{csv}");
    assert!(
        lines.iter().any(|l| l.starts_with("Total,,1.00,1:00,1.00")),
        "{csv}"
    );
    let page = reports::detailed(app, owner, &q, 1, 10).await.unwrap();
    let csv = page.to_csv();
    assert!(
        csv.contains(",'+cmd,\"'-2+3, \"\"quoted\"\" @SUM(A1)\",1:00,1.00,yes,"),
        "{csv}"
    );
    // Every line has the header's number of cells once quoted cells are read back.
    for line in csv.split("\r\n").filter(|l| !l.is_empty()) {
        assert_eq!(
            count_cells(line),
            count_cells(csv.split("\r\n").next().unwrap()),
            "{line}"
        );
    }
    let _ = Role::Owner;
}

/// Cells in one CSV line, honouring quotes.
fn count_cells(line: &str) -> usize {
    let mut cells = 1;
    let mut quoted = false;
    for ch in line.chars() {
        match ch {
            '"' => quoted = !quoted,
            ',' if !quoted => cells += 1,
            _ => {}
        }
    }
    cells
}

db_test!(rows_follow_see_entries_test, rows_follow_see_entries);
db_test!(
    private_rows_hidden_test,
    private_rows_stay_hidden_in_every_grouping
);
db_test!(guests_test, guests_see_totals_of_their_shared_projects_only);
db_test!(removed_members_test, removed_members_are_refused);
db_test!(amounts_test, amounts_follow_who_can_see_rates);
db_test!(billable_test, billable_needs_its_setting);
db_test!(three_levels_test, three_levels);
db_test!(filters_test, filters);
db_test!(rolling_ranges_test, rolling_ranges_move_with_now);
db_test!(dst_days_test, days_are_the_viewers_across_daylight_saving);
db_test!(detailed_pages_test, detailed_pages);
db_test!(csv_test, csv_survives_hostile_text);

// ---------------------------------------------------------------------------------------
// The generated data set
// ---------------------------------------------------------------------------------------

async fn generated_data_adds_up(h: &Harness) {
    use crewclock::store::gen_data::{generate, GenOptions};
    use sqlx::Row;
    let opts = GenOptions {
        members: 6,
        projects: 10,
        entries: 3_000,
        years: 1,
        ..GenOptions::default()
    };
    let summary = generate(&h.app.store, &opts).await.unwrap();
    assert_eq!((summary.entries, summary.reused), (3_000, false));
    let again = generate(&h.app.store, &opts).await.unwrap();
    assert!(again.reused);
    let owner = Actor::in_guild(summary.guild, summary.owner, "Owner");
    let range = RangeSpec::fixed(summary.first_day, summary.last_day).unwrap();
    let by_member = reports::summary(
        app_of(h),
        &owner,
        &ReportQuery::new(range, vec![GroupBy::Member]),
    )
    .await
    .unwrap();
    let mut conn = h.app.store.conn().await.unwrap();
    let row = sqlx::query(
        "SELECT CAST(SUM(ended_at - started_at) AS BIGINT) AS ms, COUNT(*) AS n FROM time_entries WHERE workspace_id = $1",
    )
    .bind(summary.workspace_id)
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert_eq!(by_member.entries, row.get::<i64, _>("n"));
    assert_eq!(by_member.total_seconds, row.get::<i64, _>("ms") / 1000);
    assert_eq!(by_member.groups.len(), 6);
    // Every grouping adds up to the same total; amounts agree between groupings.
    for levels in [
        vec![GroupBy::Month, GroupBy::Project],
        vec![GroupBy::Client, GroupBy::Billable, GroupBy::Week],
        vec![GroupBy::Task, GroupBy::Day],
    ] {
        let report = reports::summary(app_of(h), &owner, &ReportQuery::new(range, levels.clone()))
            .await
            .unwrap();
        assert_eq!(report.total_seconds, by_member.total_seconds, "{levels:?}");
        assert_eq!(report.amounts, by_member.amounts, "{levels:?}");
        let top: i64 = report.groups.iter().map(|g| g.seconds).sum();
        assert!(
            (top - report.total_seconds).abs() <= report.groups.len() as i64,
            "{levels:?}"
        );
    }
    // A Member sees a part of it.
    let member = Actor::in_guild(
        summary.guild,
        crewclock::domain::UserId(summary.owner.0 + 1),
        "Member 001",
    );
    let theirs = reports::summary(
        app_of(h),
        &member,
        &ReportQuery::new(range, vec![GroupBy::Member]),
    )
    .await
    .unwrap();
    assert!(theirs.total_seconds > 0 && theirs.total_seconds <= by_member.total_seconds);
}

fn app_of(h: &Harness) -> &App {
    &h.app
}

db_test!(generated_data_test, generated_data_adds_up);

// ---------------------------------------------------------------------------------------
// Money over mixed rates
// ---------------------------------------------------------------------------------------

/// The expected amounts, computed entry by entry the way entry views do
/// (`Rates::effective_level`, `entries::amount`), from the raw tables: by member id, then by
/// currency code.
async fn amounts_entry_by_entry(
    h: &Harness,
    workspace_id: i64,
) -> std::collections::BTreeMap<i64, std::collections::BTreeMap<String, i64>> {
    use crewclock::domain::entries::{amount, Rates};
    use sqlx::Row;
    use std::collections::{BTreeMap, HashMap};
    let mut conn = h.app.store.conn().await.unwrap();
    let ws =
        sqlx::query("SELECT hourly_rate, currency FROM workspace_settings WHERE workspace_id = $1")
            .bind(workspace_id)
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    let (ws_rate, ws_currency): (Option<i64>, String) = (ws.get("hourly_rate"), ws.get("currency"));
    let member_rates: HashMap<i64, Option<i64>> =
        sqlx::query("SELECT id, hourly_rate FROM members WHERE workspace_id = $1")
            .bind(workspace_id)
            .fetch_all(&mut *conn)
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get("id"), r.get("hourly_rate")))
            .collect();
    let projects: HashMap<i64, (Option<i64>, String)> =
        sqlx::query("SELECT id, hourly_rate, currency FROM projects WHERE workspace_id = $1")
            .bind(workspace_id)
            .fetch_all(&mut *conn)
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get("id"), (r.get("hourly_rate"), r.get("currency"))))
            .collect();
    let pairs: HashMap<(i64, i64), i64> =
        sqlx::query("SELECT project_id, member_id, hourly_rate FROM project_member_rates")
            .fetch_all(&mut *conn)
            .await
            .unwrap()
            .iter()
            .map(|r| {
                (
                    (r.get("project_id"), r.get("member_id")),
                    r.get("hourly_rate"),
                )
            })
            .collect();
    let entries = sqlx::query(
        "SELECT member_id, project_id, billable, started_at, ended_at FROM time_entries
         WHERE workspace_id = $1",
    )
    .bind(workspace_id)
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    let mut out: BTreeMap<i64, BTreeMap<String, i64>> = BTreeMap::new();
    for e in &entries {
        let (member, project): (i64, i64) = (e.get("member_id"), e.get("project_id"));
        if e.get::<i64, _>("billable") == 0 {
            continue;
        }
        let (project_rate, currency) = &projects[&project];
        let rates = Rates {
            project_member: pairs.get(&(project, member)).copied(),
            project: *project_rate,
            member: member_rates[&member],
            workspace: ws_rate,
        };
        let Some((rate, level)) = rates.effective_level() else {
            continue;
        };
        let millis = e.get::<i64, _>("ended_at") - e.get::<i64, _>("started_at");
        let code = if level.in_project_currency() {
            currency.clone()
        } else {
            ws_currency.clone()
        };
        *out.entry(member).or_default().entry(code).or_default() +=
            amount(rate, Duration::milliseconds(millis));
    }
    out
}

/// Amounts in a report equal the sum of each entry's own amount (rounded per entry), with
/// every level of rate in play: project-member rates on rated and unrated projects, project
/// rates in two currencies, member rates and the workspace rate, and durations that don't
/// fall on whole minutes.
async fn amounts_equal_entry_by_entry_on_mixed_rates(h: &Harness) {
    use crewclock::store::gen_data::{generate, GenOptions};
    use crewclock::store::rates::set_project_member_rate;
    use sqlx::Row;
    let opts = GenOptions {
        members: 8,
        projects: 12,
        entries: 4_000,
        years: 1,
        ..GenOptions::default()
    };
    let summary = generate(&h.app.store, &opts).await.unwrap();
    let wid = summary.workspace_id;
    let mut conn = h.app.store.conn().await.unwrap();
    // Odd durations (a few ms to a few seconds off whole minutes), so rounding per entry
    // differs from rounding the sum.
    support::odd_durations(&mut conn, wid).await;
    let projects: Vec<(i64, Option<i64>)> =
        sqlx::query("SELECT id, hourly_rate FROM projects WHERE workspace_id = $1 ORDER BY id")
            .bind(wid)
            .fetch_all(&mut *conn)
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get("id"), r.get("hourly_rate")))
            .collect();
    let members: Vec<i64> =
        sqlx::query("SELECT id FROM members WHERE workspace_id = $1 ORDER BY id")
            .bind(wid)
            .fetch_all(&mut *conn)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get("id"))
            .collect();
    // Every rate kind on both sides of the lookups: a rated and an unrated project in USD,
    // project-member rates (odd amounts) on every third pair, one member without a rate and
    // one with.
    let rated = projects.iter().find(|p| p.1.is_some()).unwrap().0;
    let unrated = projects.iter().find(|p| p.1.is_none()).unwrap().0;
    for (id, rate) in [(rated, Some(12_345)), (unrated, None)] {
        sqlx::query("UPDATE projects SET currency = 'USD', hourly_rate = $2 WHERE id = $1")
            .bind(id)
            .bind(rate)
            .execute(&mut *conn)
            .await
            .unwrap();
    }
    let now = chrono::Utc::now();
    let mut n = 0;
    for (pi, (project, _)) in projects.iter().enumerate() {
        for (mi, member) in members.iter().enumerate() {
            if (pi + mi) % 3 == 0 {
                n += 1;
                set_project_member_rate(&mut conn, *project, *member, Some(3_333 + n * 17), now)
                    .await
                    .unwrap();
            }
        }
    }
    sqlx::query("UPDATE members SET hourly_rate = NULL WHERE id = $1")
        .bind(members[1])
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query("UPDATE members SET hourly_rate = 7777 WHERE id = $1")
        .bind(members[2])
        .execute(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    let expected = amounts_entry_by_entry(h, wid).await;
    assert!(
        expected.values().any(|by| by.contains_key("USD")) && expected.len() > 4,
        "the data set prices time in both currencies: {expected:?}"
    );
    let owner = Actor::in_guild(summary.guild, summary.owner, "Owner");
    let range = RangeSpec::fixed(summary.first_day, summary.last_day).unwrap();
    let money = |list: &Option<Vec<crewclock::domain::projects::Money>>| {
        list.as_ref()
            .unwrap()
            .iter()
            .map(|m| (m.currency.as_str().to_string(), m.minor))
            .collect::<std::collections::BTreeMap<String, i64>>()
    };
    let mut all: std::collections::BTreeMap<String, i64> = Default::default();
    for by in expected.values() {
        for (code, minor) in by {
            *all.entry(code.clone()).or_default() += minor;
        }
    }
    for levels in [
        vec![GroupBy::Member],
        vec![GroupBy::Project, GroupBy::Member],
        vec![GroupBy::Month, GroupBy::Tag],
    ] {
        let report = reports::summary(app_of(h), &owner, &ReportQuery::new(range, levels.clone()))
            .await
            .unwrap();
        assert_eq!(money(&report.amounts), all, "{levels:?}");
        if levels == [GroupBy::Member] {
            let mut priced = 0;
            for group in &report.groups {
                let GroupKey::Id(Some(member)) = group.key else {
                    panic!("member key: {:?}", group.key);
                };
                let want = expected.get(&member).cloned().unwrap_or_default();
                priced += usize::from(!want.is_empty());
                assert_eq!(money(&group.amounts), want, "{}", group.label);
            }
            assert_eq!(priced, expected.len());
        }
    }
}

db_test!(
    mixed_rates_test,
    amounts_equal_entry_by_entry_on_mixed_rates
);
