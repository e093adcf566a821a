//! The pre-summed `entry_totals` (migration 0009) on SQLite and PostgreSQL: after every kind of
//! write — entries added, edited, moved, deleted, timers started and stopped, each level of
//! rate set, changed and cleared — every row equals a fresh sum over the entries at today's
//! rates, and reports read from the totals give exactly the sums of a plain scan, for several
//! viewers, filters and groupings.

mod support;

use chrono::{Duration, TimeZone, Utc};
use crewclock::store::gen_data::{generate, GenOptions};
use crewclock::store::rates::{set_member_rate, set_project_member_rate, set_workspace_rate};
use crewclock::store::reports::{
    self as db, rate_book, reads_totals, AggRow, Dim, Filter, IdSet, Slice, Visible,
};
use crewclock::store::Conn;
use sqlx::Row;
use support::Harness;

/// Every row of `entry_totals` of the workspace, and the same sums computed afresh from the
/// entries (the view the rate triggers rebuild from), sorted.
async fn totals_and_fresh(conn: &mut Conn, wid: i64) -> (Vec<[i64; 8]>, Vec<[i64; 8]>) {
    let mut out = Vec::new();
    for table in ["entry_totals", "entry_totals_source"] {
        let rows = sqlx::query(&format!(
            "SELECT member_id, project_id, billable, bucket, CAST(total_ms AS BIGINT) AS total_ms,
                    CAST(amount AS BIGINT) AS amount, CAST(entries AS BIGINT) AS entries
             FROM {table} WHERE workspace_id = $1
             ORDER BY bucket, member_id, project_id, billable"
        ))
        .bind(wid)
        .fetch_all(&mut *conn)
        .await
        .unwrap();
        out.push(
            rows.iter()
                .map(|r| {
                    [
                        wid,
                        r.get("member_id"),
                        r.get("project_id"),
                        r.get("billable"),
                        r.get("bucket"),
                        r.get("total_ms"),
                        r.get("amount"),
                        r.get("entries"),
                    ]
                })
                .collect::<Vec<_>>(),
        );
    }
    let fresh = out.pop().unwrap_or_default();
    (out.pop().unwrap_or_default(), fresh)
}

async fn assert_totals_fresh(conn: &mut Conn, wid: i64, after: &str) {
    let (totals, fresh) = totals_and_fresh(conn, wid).await;
    assert!(!fresh.is_empty(), "the data set has stopped entries");
    assert_eq!(totals, fresh, "entry_totals after {after}");
}

/// The ids of a workspace's rows in `table`, in order.
async fn ids(conn: &mut Conn, table: &str, wid: i64) -> Vec<i64> {
    sqlx::query(&format!(
        "SELECT id FROM {table} WHERE workspace_id = $1 ORDER BY id"
    ))
    .bind(wid)
    .fetch_all(&mut *conn)
    .await
    .unwrap()
    .iter()
    .map(|r| r.get::<i64, _>(0))
    .collect()
}

/// Sums (ms, billable ms, amount, entries) by group keys and currency.
type Keyed = std::collections::BTreeMap<(Vec<Option<i64>>, Option<String>), [i64; 4]>;

/// Rows keyed by their keys and currency, for comparing two aggregates.
fn keyed(rows: &[AggRow]) -> Keyed {
    let mut out = std::collections::BTreeMap::new();
    for r in rows {
        let sums: &mut [i64; 4] = out
            .entry((r.keys.clone(), r.currency.clone()))
            .or_insert([0; 4]);
        sums[0] += r.millis;
        sums[1] += r.billable_millis;
        sums[2] += r.amount;
        sums[3] += r.entries;
    }
    out
}

/// The same sums from a plain scan: grouped additionally by task (which the totals don't
/// keep, so `aggregate` reads every entry), then the task key dropped.
async fn plain_scan(
    conn: &mut Conn,
    f: &Filter,
    dims: &[Dim],
    book: Option<&db::RateBook>,
    now: chrono::DateTime<Utc>,
) -> Vec<AggRow> {
    let mut with_task = dims.to_vec();
    with_task.push(Dim::Task);
    assert!(!reads_totals(f, &with_task));
    let rows = db::aggregate(conn, f, &with_task, &[], book, now)
        .await
        .unwrap();
    rows.into_iter()
        .map(|mut r| {
            r.keys.pop();
            r
        })
        .collect()
}

async fn writes_keep_totals_exact(h: &Harness) {
    let opts = GenOptions {
        members: 7,
        projects: 9,
        entries: 6_000,
        years: 2,
        ..GenOptions::default()
    };
    let summary = generate(&h.app.store, &opts).await.unwrap();
    let wid = summary.workspace_id;
    let mut conn = h.app.store.conn().await.unwrap();
    assert_totals_fresh(&mut conn, wid, "generating the data set").await;

    let members = ids(&mut conn, "members", wid).await;
    let projects = ids(&mut conn, "projects", wid).await;
    let entries = ids(&mut conn, "time_entries", wid).await;
    let now = Utc::now();

    // Odd durations, so per-entry rounding matters.
    support::odd_durations(&mut conn, wid).await;
    assert_totals_fresh(&mut conn, wid, "editing every entry's end").await;

    // Each level of rate: set, changed, cleared.
    let (_, currency) = crewclock::store::rates::workspace_rate(&mut conn, wid)
        .await
        .unwrap();
    for rate in [Some(4_321), Some(9_999), None, Some(1_001)] {
        set_workspace_rate(&mut conn, wid, rate, &currency)
            .await
            .unwrap();
        assert_totals_fresh(&mut conn, wid, &format!("workspace rate {rate:?}")).await;
    }
    for rate in [Some(7_777), Some(5), None] {
        set_member_rate(&mut conn, members[2], rate).await.unwrap();
        assert_totals_fresh(&mut conn, wid, &format!("member rate {rate:?}")).await;
    }
    for rate in [Some(12_345), None, Some(333)] {
        sqlx::query("UPDATE projects SET hourly_rate = $2 WHERE id = $1")
            .bind(projects[1])
            .bind(rate)
            .execute(&mut *conn)
            .await
            .unwrap();
        assert_totals_fresh(&mut conn, wid, &format!("project rate {rate:?}")).await;
    }
    for (pi, project) in projects.iter().enumerate() {
        for (mi, member) in members.iter().enumerate() {
            if (pi + mi) % 4 == 0 {
                set_project_member_rate(
                    &mut conn,
                    *project,
                    *member,
                    Some(2_000 + (pi * mi) as i64),
                    now,
                )
                .await
                .unwrap();
            }
        }
    }
    assert_totals_fresh(&mut conn, wid, "project-member rates").await;
    set_project_member_rate(&mut conn, projects[0], members[0], Some(1), now)
        .await
        .unwrap();
    set_project_member_rate(&mut conn, projects[4], members[4], None, now)
        .await
        .unwrap();
    assert_totals_fresh(
        &mut conn,
        wid,
        "a project-member rate changed and one cleared",
    )
    .await;

    // Entries moved between members, projects, buckets and billable; deleted; added.
    for (i, id) in entries.iter().step_by(97).enumerate() {
        let sql = match i % 5 {
            0 => "UPDATE time_entries SET project_id = $2 WHERE id = $1",
            1 => "UPDATE time_entries SET member_id = $2 WHERE id = $1",
            2 => "UPDATE time_entries SET billable = 1 - billable WHERE id = $1 AND $2 > 0",
            3 => {
                // 40 days earlier (a literal: 40 * 86400000 overflows PostgreSQL's int).
                "UPDATE time_entries SET started_at = started_at - 3456000000,
                 ended_at = ended_at - 3456000000 WHERE id = $1 AND $2 > 0"
            }
            _ => "DELETE FROM time_entries WHERE id = $1 AND $2 > 0",
        };
        let other = if i % 5 == 0 {
            projects[i % projects.len()]
        } else {
            members[1 + i % (members.len() - 1)]
        };
        sqlx::query(sql)
            .bind(id)
            .bind(other)
            .execute(&mut *conn)
            .await
            .unwrap();
    }
    assert_totals_fresh(&mut conn, wid, "moving and deleting entries").await;
    let base = Utc
        .with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
        .unwrap()
        .timestamp_millis();
    for (i, member) in members.iter().enumerate().skip(1) {
        let started = base + i as i64 * 3_600_000;
        // A running timer: not in the totals until it stops.
        sqlx::query(
            "INSERT INTO time_entries (workspace_id, member_id, project_id, billable, started_at,
                 ended_at, created_by, created_at, updated_at)
             VALUES ($1, $2, $3, 1, $4, NULL, $2, $4, $4)",
        )
        .bind(wid)
        .bind(member)
        .bind(projects[i % projects.len()])
        .bind(started)
        .execute(&mut *conn)
        .await
        .unwrap();
        assert_totals_fresh(&mut conn, wid, "starting a timer").await;
        sqlx::query(
            "UPDATE time_entries SET ended_at = started_at + 1234567 WHERE member_id = $1 AND ended_at IS NULL",
        )
        .bind(member)
        .execute(&mut *conn)
        .await
        .unwrap();
        assert_totals_fresh(&mut conn, wid, "stopping a timer").await;
    }
    // Description edits don't touch the totals, and an entry cut back to running leaves them.
    sqlx::query("UPDATE time_entries SET description = 'x' WHERE workspace_id = $1")
        .bind(wid)
        .execute(&mut *conn)
        .await
        .unwrap();
    sqlx::query("UPDATE time_entries SET ended_at = NULL WHERE id = $1")
        .bind(entries[1])
        .execute(&mut *conn)
        .await
        .unwrap();
    assert_totals_fresh(&mut conn, wid, "restarting an entry").await;
}

async fn reports_from_totals_equal_a_plain_scan(h: &Harness) {
    let opts = GenOptions {
        members: 8,
        projects: 12,
        entries: 5_000,
        years: 2,
        ..GenOptions::default()
    };
    let summary = generate(&h.app.store, &opts).await.unwrap();
    let wid = summary.workspace_id;
    let mut conn = h.app.store.conn().await.unwrap();
    support::odd_durations(&mut conn, wid).await;
    let members = ids(&mut conn, "members", wid).await;
    let projects = ids(&mut conn, "projects", wid).await;
    let clients = ids(&mut conn, "clients", wid).await;
    // Rates at every level, one project in another currency.
    sqlx::query("UPDATE projects SET currency = 'USD', hourly_rate = 12345 WHERE id = $1")
        .bind(projects[3])
        .execute(&mut *conn)
        .await
        .unwrap();
    let now = Utc::now();
    set_project_member_rate(&mut conn, projects[5], members[3], Some(4_444), now)
        .await
        .unwrap();
    set_member_rate(&mut conn, members[2], Some(7_777))
        .await
        .unwrap();
    // A running timer inside the range: summed up to `now`, from the entries.
    let running_start = Utc.with_ymd_and_hms(2026, 6, 10, 8, 0, 0).unwrap();
    sqlx::query(
        "INSERT INTO time_entries (workspace_id, member_id, project_id, billable, started_at,
             ended_at, created_by, created_at, updated_at)
         VALUES ($1, $2, $3, 1, $4, NULL, $2, $4, $4)",
    )
    .bind(wid)
    .bind(members[4])
    .bind(projects[3])
    .bind(running_start.timestamp_millis())
    .execute(&mut *conn)
    .await
    .unwrap();
    let clock = running_start + Duration::hours(3);
    let book = rate_book(&mut conn, wid).await.unwrap();

    let first = Utc.from_utc_datetime(&summary.first_day.and_hms_opt(0, 0, 0).unwrap());
    let last = Utc.from_utc_datetime(&summary.last_day.and_hms_opt(0, 0, 0).unwrap());
    // Ranges with ragged ends (a local midnight, mid-bucket) and one on bucket bounds.
    let b = db::TOTALS_BUCKET_MS;
    let on_bounds = (
        Utc.timestamp_millis_opt((first.timestamp_millis() / b + 1) * b)
            .unwrap(),
        Utc.timestamp_millis_opt((last.timestamp_millis() / b) * b)
            .unwrap(),
    );
    let ranges = [
        (first, last + Duration::days(1)),
        (
            first + Duration::hours(13),
            last - Duration::days(17) - Duration::hours(5),
        ),
        on_bounds,
        (
            running_start - Duration::days(75),
            running_start + Duration::days(2),
        ),
    ];
    let visibilities = [
        Visible::All,
        Visible::Slices(vec![]),
        Visible::Slices(vec![
            Slice {
                members: IdSet::In(vec![members[1], members[2]]),
                projects: IdSet::Any,
            },
            Slice {
                members: IdSet::Any,
                projects: IdSet::NotIn(vec![projects[0], projects[1]]),
            },
        ]),
        Visible::Slices(vec![Slice {
            members: IdSet::NotIn(vec![members[4]]),
            projects: IdSet::In(vec![projects[3], projects[5], projects[7]]),
        }]),
    ];
    let mut read_totals = 0;
    for (from, to) in ranges {
        for visible in &visibilities {
            for (filter_kind, dims) in [
                (0, vec![Dim::Member]),
                (0, vec![Dim::Project]),
                (1, vec![Dim::Client, Dim::Project, Dim::Member]),
                (2, vec![Dim::Billable]),
                (3, vec![]),
                (4, vec![Dim::Member, Dim::Billable]),
            ] {
                let f = Filter {
                    workspace_id: wid,
                    from,
                    to,
                    visible: visible.clone(),
                    projects: if filter_kind == 1 {
                        vec![projects[3], projects[5], projects[6]]
                    } else {
                        vec![]
                    },
                    clients: if filter_kind == 2 {
                        clients[..1].to_vec()
                    } else {
                        vec![]
                    },
                    members: if filter_kind == 3 {
                        vec![members[4], members[5]]
                    } else {
                        vec![]
                    },
                    tags: vec![],
                    tasks: vec![],
                    billable: (filter_kind == 4).then_some(true),
                };
                read_totals += usize::from(reads_totals(&f, &dims));
                for pricing in [None, Some(&book)] {
                    let fast = db::aggregate(&mut conn, &f, &dims, &[], pricing, clock)
                        .await
                        .unwrap();
                    let plain = plain_scan(&mut conn, &f, &dims, pricing, clock).await;
                    assert_eq!(
                        keyed(&fast),
                        keyed(&plain),
                        "{from}..{to} {visible:?} {dims:?} filter {filter_kind} priced {}",
                        pricing.is_some()
                    );
                }
            }
        }
    }
    assert!(read_totals >= 60, "the totals answered {read_totals} cases");
    // The running timer is counted (from the entries, up to the clock) in the range around it:
    // two hours later, the sums have grown by exactly two hours.
    let around = Filter {
        workspace_id: wid,
        from: ranges[3].0,
        to: ranges[3].1,
        visible: Visible::All,
        projects: vec![projects[3]],
        clients: vec![],
        members: vec![members[4]],
        tags: vec![],
        tasks: vec![],
        billable: None,
    };
    assert!(reads_totals(&around, &[Dim::Member]));
    let sum = |rows: Vec<AggRow>| rows.iter().map(|r| r.millis).sum::<i64>();
    let at_clock = db::aggregate(&mut conn, &around, &[Dim::Member], &[], None, clock)
        .await
        .unwrap();
    let later = db::aggregate(
        &mut conn,
        &around,
        &[Dim::Member],
        &[],
        None,
        clock + Duration::hours(2),
    )
    .await
    .unwrap();
    assert_eq!(sum(later) - sum(at_clock), 2 * 3_600_000);
}

db_test!(writes_test, writes_keep_totals_exact);
db_test!(reports_test, reports_from_totals_equal_a_plain_scan);
