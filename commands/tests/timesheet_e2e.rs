//! Conversations with the real bot through the Discord simulator about timesheets: submit →
//! the approver's DM with Approve / Reject → the member's DM → entries locked → reopen;
//! rejecting through the reason form; presses by someone who may not decide; a double press;
//! closed DMs that lose nothing. Each runs on SQLite and PostgreSQL; the simulator checks
//! every request against Discord's limits when the test ends.
//!
//! The bot runs on the real clock: the weeks used are last week and this week.

mod support;

use std::time::Duration;

use chrono::{Datelike, Days, NaiveDate, Utc};
use discord_sim::{SentMessage, SimUser};
use support::{no_options, opt, private_reply, World};

fn this_monday() -> NaiveDate {
    let today = Utc::now().date_naive();
    today - Days::new(u64::from(today.weekday().num_days_from_monday()))
}

/// A day of last week (0 = Monday): `2026-11-16`.
fn last_week(day: u64) -> String {
    (this_monday() - Days::new(7) + Days::new(day))
        .format("%Y-%m-%d")
        .to_string()
}

/// `2026-11-16 – 2026-11-22`.
fn last_week_span() -> String {
    format!("{} – {}", last_week(0), last_week(6))
}

/// The newest DM to `user` that has a button labelled `label`.
async fn dm_with(w: &World, user: &SimUser, label: &str) -> SentMessage {
    let channel = w.sim.dm_channel(user);
    w.sim
        .wait_for_bot_message(channel, Duration::from_secs(5), |m| {
            m.button(label).is_some()
        })
        .await;
    w.sim
        .dms_to(user)
        .into_iter()
        .rev()
        .find(|m| m.button(label).is_some())
        .expect("a DM with the button")
}

/// The newest DM to `user` containing `needle`.
async fn dm_saying(w: &World, user: &SimUser, needle: &str) -> SentMessage {
    let channel = w.sim.dm_channel(user);
    let needle = needle.to_string();
    w.sim
        .wait_for_bot_message(channel, Duration::from_secs(5), move |m| {
            m.text().contains(&needle)
        })
        .await
}

fn week(value: &str) -> serde_json::Value {
    opt::string("week", value)
}

/// Alice (Owner), Tess (Manager, team manager of Bob), Bob and Carol (Members), a public
/// project, and Bob's last week: Monday 9:00–12:00 and Tuesday 9:00–10:30.
async fn team(w: &World) -> (SimUser, SimUser, SimUser) {
    w.create_workspace().await;
    let tess = w.person("tess");
    let bob = w.person("bob");
    let carol = w.person("carol");
    w.join(&tess, "Manager").await;
    w.join(&bob, "Member").await;
    w.join(&carol, "Member").await;
    private_reply(
        w,
        &w.alice,
        "member team-manager",
        vec![opt::user("manager", tess.id), opt::user("member", bob.id)],
        &["is now a team manager of"],
    )
    .await;
    w.run(
        &w.alice,
        "project create",
        vec![opt::string("name", "Website"), opt::integer("privacy", 1)],
    )
    .await;
    for (time, day) in [("9:00-12:00", 0), ("9:00-10:30", 1)] {
        private_reply(
            w,
            &bob,
            "time add",
            vec![
                opt::string("project", "Website"),
                opt::string("time", time),
                opt::string("date", last_week(day)),
            ],
            &["Added"],
        )
        .await;
    }
    (tess, bob, carol)
}

/// The number of Bob's first entry of last week, from his list.
async fn first_entry(w: &World, bob: &SimUser) -> String {
    let list = w.run(bob, "time list", vec![week("last week")]).await;
    let text = list.text();
    let start = text.find("`#").expect("an entry") + 2;
    let id: String = text[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    format!("#{id}")
}

/// Submit → the team manager's DM → a non-approver's press refused → Approve (pressed twice at
/// once: one decides, the other is told it was decided) → the member's DM → entries locked for
/// everyone → reopen unlocks them.
async fn approve_by_dm(w: &World) {
    let (tess, bob, carol) = team(w).await;
    let submitted = private_reply(
        w,
        &bob,
        "timesheet submit",
        vec![week("last week")],
        &[
            &format!(
                "Submitted your week of {}: **4h 30m** in 2 entries",
                last_week_span()
            ),
            &format!("Asked for approval by DM: <@{}>.", tess.id.0),
        ],
    )
    .await;
    assert!(submitted.pings().is_empty());
    let request = dm_with(w, &tess, "Approve").await;
    assert!(
        request.text().contains(&format!(
            "submitted the week of {} in **Acme Time** for approval: **4h 30m** in 2 entries",
            last_week_span()
        )),
        "{}",
        request.text()
    );
    assert!(request.button("Reject").is_some());
    assert!(request.pings().is_empty());
    // Nobody else was asked: the Owner isn't, since Bob has a team manager.
    assert!(w
        .sim
        .dms_to(&w.alice)
        .iter()
        .all(|m| m.button("Approve").is_none()));

    // Carol may not decide Bob's week, whoever's button she presses.
    let refused = w
        .sim
        .click_label(&carol, &request, "Approve")
        .await
        .reply()
        .await;
    assert!(refused.ephemeral());
    assert!(
        refused.text().contains("Only the Owner, an Admin or the member's team manager can approve or reject a timesheet."),
        "{}",
        refused.text()
    );
    let refused = w
        .sim
        .click_label(&carol, &request, "Reject")
        .await
        .reply()
        .await;
    assert!(
        refused.text().contains("Only the Owner, an Admin"),
        "{}",
        refused.text()
    );
    private_reply(
        w,
        &bob,
        "timesheet status",
        vec![week("last week")],
        &["**Status:** submitted"],
    )
    .await;

    // Two presses at once: one approves, the other is told it is already decided.
    let (a, b) = tokio::join!(
        w.sim.click_label(&tess, &request, "Approve"),
        w.sim.click_label(&tess, &request, "Approve")
    );
    let (ra, rb) = (a.response().await, b.response().await);
    let mut kinds = [ra.kind, rb.kind];
    kinds.sort();
    assert_eq!(
        kinds,
        [4, 6],
        "one acknowledged, one answered: {:?} {:?}",
        ra.data,
        rb.data
    );
    let second = if ra.kind == 4 { ra } else { rb };
    assert!(
        second.data["content"]
            .as_str()
            .unwrap_or("")
            .contains("is already approved"),
        "{}",
        second.data
    );
    let decided = w.sim.wait_for_update(&request).await;
    let decided = if decided.buttons().is_empty() {
        decided
    } else {
        w.sim.wait_for_update(&decided).await
    };
    assert!(
        decided.text().contains(&format!(
            "✅ Approved <@{}>'s week of {}",
            bob.id.0,
            last_week_span()
        )) && decided.text().contains("They were told by DM."),
        "{}",
        decided.text()
    );
    assert!(decided.buttons().is_empty());
    dm_saying(
        w,
        &bob,
        &format!("✅ Your week of {} in **Acme Time** was approved by **tess** (4h 30m). Its entries are now locked.", last_week_span()),
    )
    .await;

    // Locked for everyone, the Owner included, with what unlocks it.
    let entry = first_entry(w, &bob).await;
    let lock = format!(
        "This entry is in the approved timesheet for the week of {}; it is locked for everyone until the approval is withdrawn (/timesheet reopen, by whoever may approve it).",
        last_week(0)
    );
    private_reply(
        w,
        &bob,
        "time edit",
        vec![
            opt::string("entry", &entry),
            opt::string("description", "x"),
        ],
        &[&lock],
    )
    .await;
    private_reply(
        w,
        &w.alice,
        "time delete",
        vec![opt::string("entry", &entry)],
        &[&lock],
    )
    .await;
    // Locked entries are not offered by the entry picker.
    let offered = w
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
    assert!(offered.is_empty(), "{offered:?}");
    private_reply(
        w,
        &bob,
        "time add",
        vec![
            opt::string("project", "Website"),
            opt::string("time", "14:00-15:00"),
            opt::string("date", last_week(2)),
        ],
        &["locked for everyone"],
    )
    .await;
    private_reply(
        w,
        &bob,
        "timesheet status",
        vec![week("last week")],
        &[
            "**Status:** approved",
            "**Decided by:** tess",
            "**Days:** Mon 3h · Tue 1h 30m",
        ],
    )
    .await;
    private_reply(
        w,
        &tess,
        "timesheet pending",
        no_options(),
        &["Nothing waits for your approval."],
    )
    .await;

    // Reopen: the week waits again, the entries unlock, and Bob is told.
    private_reply(
        w,
        &carol,
        "timesheet reopen",
        vec![opt::user("user", bob.id), week("last week")],
        &["Only the Owner, an Admin or the member's team manager"],
    )
    .await;
    private_reply(
        w,
        &tess,
        "timesheet reopen",
        vec![opt::user("user", bob.id), week("last week")],
        &[
            &format!(
                "↩️ Withdrew the approval of <@{}>'s week of {}",
                bob.id.0,
                last_week_span()
            ),
            "They were told by DM.",
        ],
    )
    .await;
    dm_saying(w, &bob, "↩️ **tess** withdrew the approval of your week").await;
    private_reply(
        w,
        &bob,
        "time edit",
        vec![
            opt::string("entry", &entry),
            opt::string("description", "Fixed"),
        ],
        &["Changed", "“Fixed”"],
    )
    .await;
    private_reply(
        w,
        &tess,
        "timesheet pending",
        no_options(),
        &[&format!(
            "<@{}> — week of {}: **4h 30m** in 2 entries",
            bob.id.0,
            last_week_span()
        )],
    )
    .await;
    // The approver approves by command this time.
    private_reply(
        w,
        &tess,
        "timesheet approve",
        vec![opt::user("user", bob.id), week(&last_week(3))],
        &["✅ Approved", "They were told by DM."],
    )
    .await;
}
e2e_test!(approve_through_the_dm_buttons, approve_by_dm);

/// Reject opens a form for the reason; the member is told it; a non-approver is refused before
/// the form opens; the member withdraws and resubmits.
async fn reject_by_form(w: &World) {
    let (tess, bob, carol) = team(w).await;
    private_reply(
        w,
        &bob,
        "timesheet submit",
        vec![week("last week")],
        &["Asked for approval"],
    )
    .await;
    // Withdrawn and submitted again: a fresh request.
    private_reply(
        w,
        &bob,
        "timesheet withdraw",
        vec![week("last week")],
        &[&format!(
            "Withdrew your week of {}; it is open again.",
            last_week_span()
        )],
    )
    .await;
    private_reply(
        w,
        &bob,
        "timesheet withdraw",
        vec![week("last week")],
        &["isn't submitted, so there is nothing to withdraw"],
    )
    .await;
    private_reply(
        w,
        &bob,
        "timesheet submit",
        vec![week("last week")],
        &["Asked for approval"],
    )
    .await;
    let request = dm_with(w, &tess, "Reject").await;
    let refused = w.sim.click_label(&carol, &request, "Reject").await;
    let answer = refused.response().await;
    assert_eq!(answer.kind, 4, "refused before any form: {}", answer.data);
    let form = w
        .sim
        .click_label(&tess, &request, "Reject")
        .await
        .modal()
        .await;
    assert!(
        form.custom_id.starts_with("cc:ts:reason:"),
        "{}",
        form.custom_id
    );
    assert_eq!(form.inputs.len(), 1);
    assert!(form.inputs[0].required);
    // A reason of only spaces is no reason; the week stays submitted.
    let blank = w.sim.submit_modal(&tess, &form, &[("reason", "   ")]).await;
    let blank = blank.response().await;
    assert_eq!(blank.kind, 4);
    assert!(
        blank.data["content"]
            .as_str()
            .unwrap_or("")
            .contains("reason"),
        "{}",
        blank.data
    );
    let form = w
        .sim
        .click_label(&tess, &request, "Reject")
        .await
        .modal()
        .await;
    let submitted = w
        .sim
        .submit_modal(
            &tess,
            &form,
            &[("reason", "Friday is missing; the **call** was 2h.")],
        )
        .await;
    assert_eq!(submitted.response().await.kind, 6);
    let decided = submitted.reply().await;
    assert!(
        decided.text().contains(&format!("❌ Rejected <@{}>'s week of {} (4h 30m): Friday is missing; the \\*\\*call\\*\\* was 2h.", bob.id.0, last_week_span())),
        "{}",
        decided.text()
    );
    assert!(w.sim.message(request.id).unwrap().buttons().is_empty());
    let told = dm_saying(w, &bob, "was rejected by **tess**").await;
    assert!(
        told.text().contains("Friday is missing")
            && told
                .text()
                .contains(&format!("/timesheet submit week:{}", last_week(0))),
        "{}",
        told.text()
    );
    private_reply(
        w,
        &bob,
        "timesheet status",
        vec![week("last week")],
        &["**Status:** rejected", "**Reason:** Friday is missing"],
    )
    .await;
    // Pressing on the old request after the decision: already decided.
    let other = w
        .run(
            &w.alice,
            "timesheet reject",
            vec![
                opt::user("user", bob.id),
                opt::string("reason", "again"),
                week("last week"),
            ],
        )
        .await;
    assert!(
        other.text().contains("is already rejected"),
        "{}",
        other.text()
    );
    // Fixed and submitted again: a new request arrives.
    private_reply(
        w,
        &bob,
        "timesheet submit",
        vec![week("last week")],
        &["Asked for approval"],
    )
    .await;
    let again = dm_with(w, &tess, "Approve").await;
    assert_ne!(again.id, request.id);
}
e2e_test!(reject_through_the_reason_form, reject_by_form);

/// Closed DMs lose nothing: the submit reply says who couldn't be asked, the week waits in
/// their pending list, and a decision the member couldn't be told about says so.
async fn closed_dms(w: &World) {
    let (tess, bob, carol) = team(w).await;
    w.sim.set_dms_closed(&tess, true);
    private_reply(
        w,
        &bob,
        "timesheet submit",
        vec![week("last week")],
        &[&format!(
            "⚠️ <@{}> has direct messages from me closed",
            tess.id.0
        )],
    )
    .await;
    private_reply(
        w,
        &tess,
        "timesheet pending",
        no_options(),
        &[&format!("<@{}>", bob.id.0)],
    )
    .await;
    w.sim.set_dms_closed(&bob, true);
    private_reply(
        w,
        &tess,
        "timesheet approve",
        vec![opt::user("user", bob.id), week("last week")],
        &[
            "✅ Approved",
            "Their direct messages from me are closed, so they weren't told",
        ],
    )
    .await;
    // Carol has no team manager: the Owner is asked. Viewers have no timesheet.
    private_reply(
        w,
        &carol,
        "timesheet submit",
        no_options(),
        &[&format!("Asked for approval by DM: <@{}>.", w.alice.id.0)],
    )
    .await;
    dm_with(w, &w.alice, "Approve").await;
    let vic = w.person("vic");
    w.join(&vic, "Viewer").await;
    private_reply(
        w,
        &vic,
        "timesheet submit",
        no_options(),
        &["Viewers don't track time, so they have no timesheet."],
    )
    .await;
    // The Owner has nobody else to ask.
    private_reply(
        w,
        &w.alice,
        "timesheet submit",
        no_options(),
        &["Nobody else approves your timesheets here; approve it yourself with /timesheet approve."],
    )
    .await;
}
e2e_test!(closed_dms_lose_nothing, closed_dms);
