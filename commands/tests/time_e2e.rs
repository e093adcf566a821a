//! Conversations with the real bot through the Discord simulator about time entries: `/time
//! add` with every input form, bad input refused with what to type and nothing written, who
//! may add (and for whom), overlaps refused or flagged, edit, delete with its confirmation,
//! the entry picker, week lists with totals and pages, and rates shown only where allowed.
//! Each runs on SQLite and PostgreSQL; the simulator checks every request against Discord's
//! limits when the test ends.
//!
//! The bot runs on the real clock, so dates are computed from today: most entries go into
//! last week, which is always in the past.

mod support;

use chrono::{Datelike, Days, NaiveDate, Timelike, Utc};
use discord_sim::{SentMessage, SimUser};
use support::{opt, private_reply, World};

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// A day of last week (0 = Monday), as typed: `2026-11-16`.
fn last_week(day: u64) -> String {
    let today = today();
    let monday = today - Days::new(u64::from(today.weekday().num_days_from_monday()));
    (monday - Days::new(7) + Days::new(day))
        .format("%Y-%m-%d")
        .to_string()
}

/// `Mon 2026-11-16`, as replies show a day.
fn shown_day(date: &str) -> String {
    let date = NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
    date.format("%a %Y-%m-%d").to_string()
}

async fn entry_count(w: &World) -> i64 {
    let mut conn = w.app.store.conn().await.unwrap();
    sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM time_entries")
        .fetch_one(&mut *conn)
        .await
        .unwrap()
}

/// Runs a command that must be refused: privately, with `needle`, writing no entry.
async fn refused(
    w: &World,
    user: &SimUser,
    command: &str,
    options: Vec<serde_json::Value>,
    needle: &str,
) {
    let before = entry_count(w).await;
    private_reply(w, user, command, options, &[needle]).await;
    assert_eq!(entry_count(w).await, before, "/{command} wrote an entry");
}

fn add(project: &str, time: &str, date: &str) -> Vec<serde_json::Value> {
    vec![
        opt::string("project", project),
        opt::string("time", time),
        opt::string("date", date),
    ]
}

/// The number of the entry a reply talks about (`… #12 · …`).
fn number(reply: &SentMessage) -> i64 {
    let text = reply.text();
    let start = text.find('#').expect("an entry number") + 1;
    text[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .expect("an entry number")
}

async fn website(w: &World, billable: bool) {
    let reply = w
        .run(
            &w.alice,
            "project create",
            vec![
                opt::string("name", "Website"),
                opt::integer("privacy", 1),
                opt::boolean("billable", billable),
            ],
        )
        .await;
    assert!(reply.text().contains("created"), "{}", reply.text());
}

/// Every form people type: durations (`1h30m`, `90m`, `1.5h`, `1:30`), ranges, and dates
/// (`2026-11-20`, `yesterday`, `today`, `mon`); duration-only entries follow each other.
async fn input_forms(w: &World) {
    w.create_workspace().await;
    let bob = w.person("bob");
    w.join(&bob, "Member").await;
    website(w, false).await;
    let (mon, tue, wed, thu) = (last_week(0), last_week(1), last_week(2), last_week(3));
    let range = private_reply(
        w,
        &bob,
        "time add",
        add("Website", "9:00-10:30", &mon),
        &[
            "Added: #",
            &format!("{} 9:00–10:30 (1h 30m) · **Website**", shown_day(&mon)),
        ],
    )
    .await;
    assert!(!range.text().contains("time of"), "{}", range.text());
    for (time, date, shown) in [
        ("1h30m", &tue, "9:00–10:30 (1h 30m)"),
        // After the last entry of that day.
        ("90m", &tue, "10:30–12:00 (1h 30m)"),
        ("1.5h", &wed, "9:00–10:30 (1h 30m)"),
        ("1:30", &thu, "9:00–10:30 (1h 30m)"),
    ] {
        private_reply(
            w,
            &bob,
            "time add",
            add("Website", time, date),
            &[&format!("{} {shown}", shown_day(date))],
        )
        .await;
    }
    let yesterday = (today() - Days::new(1)).format("%Y-%m-%d").to_string();
    private_reply(
        w,
        &bob,
        "time add",
        add("Website", "13:00-14:00", "yesterday"),
        &[&format!("{} 13:00–14:00 (1h)", shown_day(&yesterday))],
    )
    .await;
    // `today` and `mon` need a little of today behind us (skipped in the first minutes).
    if Utc::now().time().hour() > 0 || Utc::now().time().minute() >= 15 {
        private_reply(
            w,
            &bob,
            "time add",
            add("Website", "5m", "today"),
            &[
                &format!("{} ", shown_day(&today().format("%Y-%m-%d").to_string())),
                "(5m)",
            ],
        )
        .await;
        let monday = today() - Days::new(u64::from(today().weekday().num_days_from_monday()));
        private_reply(
            w,
            &bob,
            "time add",
            add("Website", "0:00-0:05", "mon"),
            &[&format!(
                "{} 0:00–0:05 (5m)",
                shown_day(&monday.format("%Y-%m-%d").to_string())
            )],
        )
        .await;
    }
    // The options people leave out take defaults; the ones they give are shown back.
    w.run(&w.alice, "tag create", vec![opt::string("name", "design")])
        .await;
    w.run(&w.alice, "tag create", vec![opt::string("name", "urgent")])
        .await;
    // The tags option completes the last tag of a list.
    let choices = w
        .sim
        .autocomplete(
            &bob,
            w.general,
            "time add",
            vec![
                opt::string("project", "Website"),
                opt::string("time", "1h"),
                opt::focused("tags", "design, ur"),
            ],
        )
        .await
        .choices()
        .await;
    assert_eq!(choices.len(), 1, "{choices:?}");
    assert_eq!(choices[0].name, "design, urgent");
    assert!(
        choices[0]
            .value
            .as_str()
            .unwrap_or("")
            .starts_with("design, #"),
        "{choices:?}"
    );
    let mut options = add("Website", "16:00-17:00", &mon);
    options.push(opt::string("description", "Homepage **draft**"));
    options.push(opt::string("tags", "design, urgent"));
    private_reply(
        w,
        &bob,
        "time add",
        options,
        &[
            "16:00–17:00 (1h)",
            "“Homepage \\*\\*draft\\*\\*”",
            "tags: design, urgent",
        ],
    )
    .await;
}
e2e_test!(every_input_form, input_forms);

/// Bad input is refused with what to type instead, and nothing is written.
async fn bad_input(w: &World) {
    w.create_workspace().await;
    let bob = w.person("bob");
    w.join(&bob, "Member").await;
    website(w, false).await;
    let mon = last_week(0);
    for (time, date, needle) in [
        ("abc", mon.as_str(), "isn't a duration I understand. Type hours and minutes, like 1h 30m, 90m, 1.5h or 1:30."),
        ("25h", mon.as_str(), "is more than 24 hours"),
        ("1:75", mon.as_str(), "use 00 to 59"),
        ("9:00-9:00", mon.as_str(), "starts and ends at the same time. Type a range like 9:00-10:30."),
        ("1h", "tomorrow", "is in the future. Time can only be entered for today or earlier."),
        ("1h", "2026-02-30", "February 2026 has 28 days, so day 30 doesn't exist."),
        ("1h", "someday", "isn't a date I understand. Type today, yesterday, a weekday like mon"),
        ("1h", "11/20/2026", "Dates with slashes read differently around the world"),
    ] {
        refused(w, &bob, "time add", add("Website", time, date), needle).await;
    }
    refused(w, &bob, "time add", add("Nope", "1h", &mon), "Nope").await;
    let mut too_many = add("Website", "1h", &mon);
    too_many.push(opt::string("tags", "missing-tag"));
    refused(w, &bob, "time add", too_many, "missing-tag").await;
    // Edits name the entry; a bad one is refused the same way.
    let added = private_reply(
        w,
        &bob,
        "time add",
        add("Website", "9:00-10:00", &mon),
        &["Added"],
    )
    .await;
    let id = number(&added);
    refused(
        w,
        &bob,
        "time edit",
        vec![opt::string("entry", "abc"), opt::string("description", "x")],
        "'abc' isn't an entry. Pick one from the list, or type its number from /time list (like #12).",
    )
    .await;
    refused(
        w,
        &bob,
        "time edit",
        vec![opt::string("entry", format!("#{id}"))],
        "Say what to change",
    )
    .await;
    refused(
        w,
        &bob,
        "time edit",
        vec![
            opt::string("entry", format!("#{id}")),
            opt::string("time", "0m"),
        ],
        "is zero",
    )
    .await;
    refused(
        w,
        &bob,
        "time delete",
        vec![opt::string("entry", "#999999")],
        "No time entry #999999 that you can see. /time list shows your entries with their numbers.",
    )
    .await;
}
e2e_test!(bad_input_is_refused_with_what_to_type, bad_input);

/// Viewers and Guests can't track time; the Owner adds time for a Member; a Member can't add
/// time for someone else; overlaps are refused naming the other entry, or flagged.
async fn who_may_add(w: &World) {
    w.create_workspace().await;
    let bob = w.person("bob");
    let erin = w.person("erin");
    let carol = w.person("carol");
    let dave = w.person("dave");
    w.join(&bob, "Member").await;
    w.join(&erin, "Member").await;
    w.join(&carol, "Viewer").await;
    w.join(&dave, "Guest").await;
    website(w, false).await;
    let mon = last_week(0);
    refused(
        w,
        &carol,
        "time add",
        add("Website", "1h", &mon),
        "Viewers can't track or change time.",
    )
    .await;
    refused(
        w,
        &dave,
        "time add",
        add("Website", "1h", &mon),
        "Guests can't track or change time.",
    )
    .await;
    let mut for_erin = add("Website", "9:00-10:00", &mon);
    for_erin.push(opt::user("user", erin.id));
    refused(
        w,
        &bob,
        "time add",
        for_erin.clone(),
        "Only the Owner, Admins and (when allowed) their team managers can change someone else's time.",
    )
    .await;
    let added = private_reply(
        w,
        &w.alice,
        "time add",
        for_erin,
        &[
            &format!("Added (time of <@{}>): #", erin.id.0),
            "9:00–10:00 (1h)",
        ],
    )
    .await;
    assert!(added.pings().is_empty());
    let mut for_carol = add("Website", "1h", &mon);
    for_carol.push(opt::user("user", carol.id));
    refused(
        w,
        &w.alice,
        "time add",
        for_carol,
        "is a Viewer and doesn't track time.",
    )
    .await;
    // Overlaps: refused, naming the entry in the way.
    let first = private_reply(
        w,
        &bob,
        "time add",
        add("Website", "9:00-10:30", &mon),
        &["Added"],
    )
    .await;
    let first_id = number(&first);
    refused(
        w,
        &bob,
        "time add",
        add("Website", "10:00-11:00", &mon),
        &format!(
            "This overlaps your entry #{first_id} on Website, {} 9:00–10:30 (UTC).",
            shown_day(&mon)
        ),
    )
    .await;
    // With overlap_policy = flag the entry is kept, and the reply names what it overlaps.
    w.run(
        &w.alice,
        "workspace set",
        vec![
            opt::string("setting", "overlap_policy"),
            opt::string("value", "flag"),
        ],
    )
    .await;
    private_reply(
        w,
        &bob,
        "time add",
        add("Website", "10:00-11:00", &mon),
        &[&format!(
            "⚠️ It overlaps #{first_id} (Website, {} 9:00–10:30); both are flagged",
            shown_day(&mon)
        )],
    )
    .await;
}
e2e_test!(who_may_add_and_overlaps, who_may_add);

/// The entry picker offers the caller's own recent entries; edit changes only what is given;
/// delete asks first, and Cancel changes nothing.
async fn edit_and_delete(w: &World) {
    w.create_workspace().await;
    let bob = w.person("bob");
    let erin = w.person("erin");
    w.join(&bob, "Member").await;
    w.join(&erin, "Member").await;
    website(w, false).await;
    let mon = last_week(0);
    let added = private_reply(
        w,
        &bob,
        "time add",
        add("Website", "9:00-10:30", &mon),
        &["Added"],
    )
    .await;
    let id = number(&added);
    private_reply(
        w,
        &erin,
        "time add",
        add("Website", "9:00-10:30", &mon),
        &["Added"],
    )
    .await;
    let choices = w
        .sim
        .autocomplete(
            &bob,
            w.general,
            "time edit",
            vec![opt::focused("entry", "")],
        )
        .await
        .choices()
        .await;
    assert_eq!(choices.len(), 1, "only bob's own entry: {choices:?}");
    assert_eq!(
        choices[0].name,
        format!("#{id} {} 9:00–10:30 · Website · 1h 30m", shown_day(&mon))
    );
    assert_eq!(choices[0].value, serde_json::json!(format!("#{id}")));
    let entry = opt::string("entry", format!("#{id}"));
    // The task picker of an edit offers the tasks of the entry's project.
    w.run(
        &w.alice,
        "task create",
        vec![
            opt::string("project", "Website"),
            opt::string("name", "Design"),
        ],
    )
    .await;
    let tasks = w
        .sim
        .autocomplete(
            &bob,
            w.general,
            "time edit",
            vec![entry.clone(), opt::focused("task", "")],
        )
        .await
        .choices()
        .await;
    let names: Vec<&str> = tasks.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Design"]);
    private_reply(
        w,
        &bob,
        "time edit",
        vec![entry.clone(), opt::string("task", "Design")],
        &["**Website** › Design"],
    )
    .await;
    private_reply(
        w,
        &bob,
        "time edit",
        vec![entry.clone(), opt::string("task", "none")],
        &[&format!(
            "{} 9:00–10:30 (1h 30m) · **Website** · ",
            shown_day(&mon)
        )],
    )
    .await;
    private_reply(
        w,
        &bob,
        "time edit",
        vec![
            entry.clone(),
            opt::string("time", "2h"),
            opt::string("description", "Client call"),
        ],
        &[&format!(
            "Changed: #{id} · {} 9:00–11:00 (2h) · **Website** · “Client call”",
            shown_day(&mon)
        )],
    )
    .await;
    private_reply(
        w,
        &bob,
        "time edit",
        vec![entry.clone(), opt::string("description", "none")],
        &[&format!(
            "{} 9:00–11:00 (2h) · **Website**",
            shown_day(&mon)
        )],
    )
    .await;
    // Someone else's entry: a Member may see it (public project) but not change it.
    let erin_entry = format!("#{}", id + 1);
    refused(
        w,
        &bob,
        "time delete",
        vec![opt::string("entry", erin_entry)],
        "Only the Owner, Admins and (when allowed) their team managers can change someone else's time.",
    )
    .await;
    // Delete asks, showing the entry; Cancel keeps it.
    let before = entry_count(w).await;
    let ask = w.run(&bob, "time delete", vec![entry.clone()]).await;
    assert!(ask.ephemeral());
    assert!(
        ask.text().contains("Delete this entry?")
            && ask
                .text()
                .contains(&format!("#{id} · {} 9:00–11:00 (2h)", shown_day(&mon))),
        "{}",
        ask.text()
    );
    w.sim
        .click_label(&bob, &ask, "Cancel")
        .await
        .response()
        .await;
    let cancelled = w.sim.message(ask.id).unwrap();
    assert!(cancelled.text().contains("nothing was changed") && cancelled.buttons().is_empty());
    assert_eq!(entry_count(w).await, before);
    let ask = w.run(&bob, "time delete", vec![entry.clone()]).await;
    w.sim
        .click_label(&bob, &ask, "Delete")
        .await
        .response()
        .await;
    let deleted = w.sim.message(ask.id).unwrap();
    assert!(
        deleted.text().starts_with(&format!("Deleted: #{id} · ")),
        "{}",
        deleted.text()
    );
    assert_eq!(entry_count(w).await, before - 1);
    refused(
        w,
        &bob,
        "time delete",
        vec![entry],
        &format!("No time entry #{id} that you can see."),
    )
    .await;
}
e2e_test!(edit_and_delete_with_confirmation, edit_and_delete);

/// A week list: entries by day with day totals and the week total; long weeks are paged;
/// someone else's week only when the rulebook lets the caller see it.
async fn week_list(w: &World) {
    w.create_workspace().await;
    let bob = w.person("bob");
    let dave = w.person("dave");
    w.join(&bob, "Member").await;
    w.join(&dave, "Guest").await;
    website(w, false).await;
    for day in 0..5 {
        for time in ["8:00-9:00", "9:00-10:30", "11:00-11:15"] {
            private_reply(
                w,
                &bob,
                "time add",
                add("Website", time, &last_week(day)),
                &["Added"],
            )
            .await;
        }
    }
    let list = w
        .run(&bob, "time list", vec![opt::string("week", "last week")])
        .await;
    assert!(list.ephemeral());
    let title = list.embeds[0]["title"].as_str().unwrap().to_string();
    assert_eq!(
        title,
        format!(
            "bob — {} to {} (UTC): 13h 45m",
            shown_day(&last_week(0)),
            shown_day(&last_week(6))
        )
    );
    let first_page = list.text();
    assert!(
        first_page.contains(&format!("**{}** — 2h 45m", shown_day(&last_week(0)))),
        "{first_page}"
    );
    assert!(
        first_page.contains("9:00–10:30 **1h 30m** **Website**"),
        "{first_page}"
    );
    assert!(first_page.contains("Page 1 of 2"), "{first_page}");
    let next = w.sim.click_label(&bob, &list, "Next").await;
    assert_eq!(next.response().await.kind, 7);
    let second_page = w.sim.message(list.id).unwrap().text();
    assert!(
        second_page.contains("**Week total: 13h 45m** · billable 0m · timesheet open"),
        "{second_page}"
    );
    assert!(second_page.contains("Page 2 of 2"), "{second_page}");
    // The buttons hold no state in the bot: a press reads the week again, so Previous leads
    // back to the first page as the week is now.
    let shown = w.sim.message(list.id).unwrap();
    let back = w.sim.click_label(&bob, &shown, "Previous").await;
    assert_eq!(back.response().await.kind, 7);
    let again = w.sim.message(list.id).unwrap().text();
    assert!(again.contains("Page 1 of 2"), "{again}");
    assert!(
        again.contains("9:00–10:30 **1h 30m** **Website**"),
        "{again}"
    );
    // The Owner sees bob's week; a Guest sees no one's.
    private_reply(
        w,
        &w.alice,
        "time list",
        vec![opt::string("week", last_week(2)), opt::user("user", bob.id)],
        &["bob — ", "13h 45m"],
    )
    .await;
    private_reply(
        w,
        &dave,
        "time list",
        vec![opt::user("user", bob.id)],
        &["Guests don't see individual time entries"],
    )
    .await;
    private_reply(
        w,
        &bob,
        "time list",
        vec![opt::string("week", "next month")],
        &["isn't a week I understand. Type this week, last week"],
    )
    .await;
}
e2e_test!(week_list_with_totals_and_pages, week_list);

/// Rates: only the Owner and Admins set them; amounts are shown only to those who may see
/// money (who_can_see_rates), never to Guests.
async fn rates(w: &World) {
    w.create_workspace().await;
    let bob = w.person("bob");
    w.join(&bob, "Member").await;
    website(w, true).await;
    private_reply(
        w,
        &w.alice,
        "workspace rate",
        vec![opt::string("rate", "80 EUR")],
        &["The workspace's default hourly rate is now EUR 80.00 per hour."],
    )
    .await;
    private_reply(
        w,
        &bob,
        "workspace rate",
        vec![opt::string("rate", "10")],
        &["Only the Owner or an Admin can set the workspace rate."],
    )
    .await;
    private_reply(
        w,
        &w.alice,
        "member rate",
        vec![opt::user("member", bob.id), opt::string("rate", "100")],
        &[&format!(
            "<@{}>'s hourly rate is now EUR 100.00 per hour",
            bob.id.0
        )],
    )
    .await;
    private_reply(
        w,
        &w.alice,
        "member rate",
        vec![opt::user("member", bob.id), opt::string("rate", "lots")],
        &["'lots' is not an amount of money. Write it like 5000 EUR, €5000 or 85.50."],
    )
    .await;
    private_reply(
        w,
        &bob,
        "member rate",
        vec![opt::user("member", bob.id), opt::string("rate", "500")],
        &["Only the Owner or an Admin can set member rates."],
    )
    .await;
    let mon = last_week(0);
    let added = private_reply(
        w,
        &bob,
        "time add",
        add("Website", "9:00-10:30", &mon),
        &["Added"],
    )
    .await;
    assert!(!added.text().contains("EUR"), "{}", added.text());
    private_reply(
        w,
        &w.alice,
        "time list",
        vec![opt::string("week", "last week"), opt::user("user", bob.id)],
        &["EUR 150.00", "billable 1h 30m"],
    )
    .await;
    let hidden = private_reply(
        w,
        &bob,
        "time list",
        vec![opt::string("week", "last week")],
        &["1h 30m"],
    )
    .await;
    assert!(!hidden.text().contains("EUR"), "{}", hidden.text());
    w.run(
        &w.alice,
        "workspace set",
        vec![
            opt::string("setting", "who_can_see_rates"),
            opt::string("value", "anyone"),
        ],
    )
    .await;
    private_reply(
        w,
        &bob,
        "time list",
        vec![opt::string("week", "last week")],
        &["EUR 150.00"],
    )
    .await;
    private_reply(
        w,
        &w.alice,
        "workspace rate",
        vec![opt::string("rate", "none")],
        &["no default hourly rate now"],
    )
    .await;
}
e2e_test!(rates_only_where_allowed, rates);
