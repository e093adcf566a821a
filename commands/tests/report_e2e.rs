//! `/report` through the real bot and the Discord simulator, on SQLite and PostgreSQL: the
//! summary embed, its chart and CSV attachments, the link button opened through the real web
//! router, revoking (410), and a bad range answered with what to type; a Guest's reports
//! (shared projects only, no money or people) and their `/help`.

mod support;

use axum::http::StatusCode;
use crewclock::app::entries::{self, AddEntry};
use crewclock::app::projects::{self, CreateProject};
use crewclock::domain::{GuildId, UserId};
use crewclock::Actor;
use support::{opt, World, PUBLIC_URL};

/// The shared link opener of the support module, for this file's calls.
async fn open(w: &World, url: &str) -> (StatusCode, String) {
    support::open_link(&w.app, url).await
}

async fn summary_with_files_link_and_revoke(w: &World) {
    w.create_workspace().await;
    let reply = w
        .run(
            &w.alice,
            "project create",
            [opt::string("name", "Apollo"), opt::integer("privacy", 1)],
        )
        .await;
    assert!(reply.text().contains("Apollo"), "{}", reply.text());
    let alice = Actor::in_guild(GuildId(w.guild.0), UserId(w.alice.id.0), "alice");
    entries::add(
        &w.app,
        &alice,
        AddEntry {
            project: "Apollo".into(),
            task: None,
            when: "2h30m".into(),
            date: None,
            description: Some("launch".into()),
            tags: Vec::new(),
            billable: None,
            member: None,
        },
    )
    .await
    .unwrap();

    let reply = w
        .run(
            &w.alice,
            "report summary",
            [opt::string("range", "this-week")],
        )
        .await;
    assert!(reply.ephemeral(), "reports are private");
    let text = reply.text();
    assert!(text.contains("2:30"), "{text}");
    assert!(text.contains("Apollo"), "{text}");
    let csv = reply
        .attachment("report.csv")
        .expect("a CSV attachment")
        .text();
    assert!(csv.contains("Apollo"), "{csv}");
    let png = reply.attachment("chart.png").expect("a chart");
    assert!(png.bytes.starts_with(b"\x89PNG\r\n\x1a\n"));
    let url = reply
        .buttons()
        .into_iter()
        .find_map(|b| b.url)
        .expect("a link button");
    let (status, page) = open(w, &url).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("2:30") && page.contains("Apollo"), "{page}");

    let links = w.run(&w.alice, "report links", Vec::new()).await;
    assert!(links.text().contains("active"), "{}", links.text());
    let id = links
        .text()
        .split("`#")
        .nth(1)
        .and_then(|rest| rest.split('`').next())
        .expect("a link id")
        .to_string();
    let revoked = w
        .run(
            &w.alice,
            "report revoke",
            [opt::string("link", format!("#{id}"))],
        )
        .await;
    assert!(revoked.text().contains("revoked"), "{}", revoked.text());
    assert_eq!(open(w, &url).await.0, StatusCode::GONE);

    let bad = w
        .run(
            &w.alice,
            "report summary",
            [opt::string("range", "next tuesday")],
        )
        .await;
    assert!(
        bad.text().contains("2026-11-01..2026-11-30"),
        "{}",
        bad.text()
    );
}
e2e_test!(
    summary_files_link_revoke,
    summary_with_files_link_and_revoke
);

/// `name` as a hostile project name of exactly 100 characters: markdown, a mention, an RTL mark.
fn hostile(i: usize) -> String {
    let head = format!("<script>**@everyone** \u{202e}`|{i}|` ");
    let pad = 100 - head.chars().count();
    format!("{head}{}", "x".repeat(pad))
}

const DAY: &str = "2026-11-02";

async fn huge_reports_stay_within_limits_and_page(w: &World) {
    w.create_workspace().await;
    let alice = Actor::in_guild(GuildId(w.guild.0), UserId(w.alice.id.0), "alice");
    for i in 0..120 {
        let project = projects::create_project(
            &w.app,
            &alice,
            CreateProject {
                name: hostile(i),
                client: None,
                privacy: None,
                color: None,
                billable_default: None,
            },
        )
        .await
        .unwrap();
        entries::add(
            &w.app,
            &alice,
            AddEntry {
                project: format!("#{}", project.id),
                task: None,
                // Ten minutes each, one after another on one past day.
                when: format!(
                    "{:02}:{:02}-{:02}:{:02}",
                    i * 10 / 60,
                    i * 10 % 60,
                    (i + 1) * 10 / 60,
                    (i + 1) * 10 % 60
                ),
                date: Some(DAY.into()),
                description: Some("d".repeat(500)),
                tags: Vec::new(),
                billable: None,
                member: None,
            },
        )
        .await
        .unwrap();
    }
    let reply = w
        .run(&w.alice, "report summary", [opt::string("range", DAY)])
        .await;
    let embed = &reply.embeds[0];
    let fields = embed["fields"].as_array().expect("fields");
    assert!(fields.len() <= 25, "{} fields", fields.len());
    assert!(reply.text().contains("more"), "{}", reply.text());
    assert!(reply.text().contains("20:00"), "{}", reply.text());
    assert!(!reply.pings().users.iter().any(|_| true));

    // 120 entries, 10 a page: page 1 of 12, then page 2 after Next.
    let page = w
        .run(&w.alice, "report detailed", [opt::string("range", DAY)])
        .await;
    assert!(page.text().contains("Page 1 of 12"), "{}", page.text());
    let press = w.sim.click_label(&w.alice, &page, "Next").await;
    assert_eq!(press.response().await.kind, 7);
    let now = w.sim.message(page.id).unwrap();
    assert!(now.text().contains("Page 2 of 12"), "{}", now.text());
}
e2e_test!(huge_reports, huge_reports_stay_within_limits_and_page);

async fn private_time_hidden_from_members_and_guests(w: &World) {
    w.create_workspace().await;
    let alice = Actor::in_guild(GuildId(w.guild.0), UserId(w.alice.id.0), "alice");
    projects::create_project(
        &w.app,
        &alice,
        CreateProject {
            name: "Secret".into(),
            client: None,
            privacy: None,
            color: None,
            billable_default: None,
        },
    )
    .await
    .unwrap();
    entries::add(
        &w.app,
        &alice,
        AddEntry {
            project: "Secret".into(),
            task: None,
            when: "09:00-10:00".into(),
            date: Some(DAY.into()),
            description: None,
            tags: Vec::new(),
            billable: None,
            member: None,
        },
    )
    .await
    .unwrap();
    let bob = w.person("bob");
    w.join(&bob, "Member").await;
    let gus = w.person("gus");
    w.join(&gus, "Guest").await;
    for who in [&bob, &gus] {
        let reply = w
            .run(who, "report summary", [opt::string("range", DAY)])
            .await;
        assert!(reply.ephemeral());
        let text = reply.text();
        assert!(!text.contains("Secret"), "{text}");
        assert!(text.contains("No time you may see"), "{text}");
        assert!(!reply
            .attachment("report.csv")
            .expect("a CSV")
            .text()
            .contains("Secret"));
    }
    // Naming the private project is answered like a missing one.
    let reply = w
        .run(
            &bob,
            "report summary",
            [opt::string("range", DAY), opt::string("project", "Secret")],
        )
        .await;
    assert!(!reply.text().contains("1:00"), "{}", reply.text());
}
e2e_test!(private_time, private_time_hidden_from_members_and_guests);

/// `/me link`: a private reply with a signed link to one's own time this month, which opens
/// through the web router with that time.
async fn me_link_opens_own_time(w: &World) {
    w.create_workspace().await;
    w.run(
        &w.alice,
        "project create",
        [opt::string("name", "Apollo"), opt::integer("privacy", 1)],
    )
    .await;
    let alice = Actor::in_guild(GuildId(w.guild.0), UserId(w.alice.id.0), "alice");
    entries::add(
        &w.app,
        &alice,
        AddEntry {
            project: "Apollo".into(),
            task: None,
            when: "1h15m".into(),
            date: None,
            description: None,
            tags: Vec::new(),
            billable: None,
            member: None,
        },
    )
    .await
    .unwrap();
    let reply = w.run(&w.alice, "me link", Vec::new()).await;
    assert!(reply.ephemeral(), "a personal link is private");
    let text = reply.text();
    let url = text
        .split('<')
        .nth(1)
        .and_then(|rest| rest.split('>').next())
        .unwrap_or_else(|| panic!("a link in {text}"));
    assert!(url.starts_with(PUBLIC_URL), "{url}");
    let (status, page) = open(w, url).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("1:15") && page.contains("Apollo"), "{page}");
}
e2e_test!(me_link, me_link_opens_own_time);

/// `who` adds `when` of billable time on `project` today.
async fn billable_time(w: &World, who: &Actor, project: &str, when: &str) {
    entries::add(
        &w.app,
        who,
        AddEntry {
            project: project.into(),
            task: None,
            when: when.into(),
            date: None,
            description: None,
            tags: Vec::new(),
            billable: Some(true),
            member: None,
        },
    )
    .await
    .unwrap();
}

fn actor_of(w: &World, user: &discord_sim::SimUser, name: &str) -> Actor {
    Actor::in_guild(GuildId(w.guild.0), UserId(user.id.0), name)
}

/// With who_can_see_rates=admins (the default) a Member's /report shows hours but no money,
/// in the embed and the CSV; an Admin's shows the amounts; with `anyone` the Member sees them.
async fn amounts_follow_who_can_see_rates(w: &World) {
    w.create_workspace().await;
    w.run(
        &w.alice,
        "project create",
        [opt::string("name", "Apollo"), opt::integer("privacy", 1)],
    )
    .await;
    let alice = actor_of(w, &w.alice, "alice");
    crewclock::app::rates::set_workspace_rate(&w.app, &alice, "100")
        .await
        .unwrap();
    let bob = w.person("bob");
    w.join(&bob, "Member").await;
    let carol = w.person("carol");
    w.join(&carol, "Admin").await;
    billable_time(w, &actor_of(w, &bob, "bob"), "Apollo", "2h").await;

    let member = w
        .run(&bob, "report summary", [opt::string("range", "this-week")])
        .await;
    let (text, csv) = (
        member.text(),
        member.attachment("report.csv").expect("a CSV").text(),
    );
    assert!(text.contains("2:00"), "{text}");
    assert!(!text.contains("200.00") && !text.contains("EUR"), "{text}");
    assert!(!csv.contains("200") && !csv.contains("EUR"), "{csv}");

    let admin = w
        .run(
            &carol,
            "report summary",
            [opt::string("range", "this-week")],
        )
        .await;
    assert!(admin.text().contains("EUR 200.00"), "{}", admin.text());
    assert!(
        admin
            .attachment("report.csv")
            .expect("a CSV")
            .text()
            .contains("200"),
        "the Admin's CSV has the amount"
    );

    crewclock::app::workspace::set_setting(&w.app, &alice, "who_can_see_rates", "anyone")
        .await
        .unwrap();
    let member = w
        .run(&bob, "report summary", [opt::string("range", "this-week")])
        .await;
    assert!(member.text().contains("EUR 200.00"), "{}", member.text());
}
e2e_test!(amounts_and_rates, amounts_follow_who_can_see_rates);

/// An Admin revokes a Member's link with /report revoke (it answers 410 at once); another
/// Member can't, and learns nothing but that it isn't theirs.
async fn admin_revokes_a_members_link(w: &World) {
    w.create_workspace().await;
    w.run(
        &w.alice,
        "project create",
        [opt::string("name", "Apollo"), opt::integer("privacy", 1)],
    )
    .await;
    let bob = w.person("bob");
    w.join(&bob, "Member").await;
    let carol = w.person("carol");
    w.join(&carol, "Admin").await;
    let dave = w.person("dave");
    w.join(&dave, "Member").await;
    billable_time(w, &actor_of(w, &bob, "bob"), "Apollo", "45m").await;
    let reply = w
        .run(&bob, "report summary", [opt::string("range", "this-week")])
        .await;
    let url = reply
        .buttons()
        .into_iter()
        .find_map(|b| b.url)
        .expect("a link button");
    assert_eq!(open(w, &url).await.0, StatusCode::OK);
    let links = w.run(&bob, "report links", Vec::new()).await;
    let id = links
        .text()
        .split("`#")
        .nth(1)
        .and_then(|rest| rest.split('`').next())
        .expect("a link id")
        .to_string();

    let refused = w
        .run(
            &dave,
            "report revoke",
            [opt::string("link", format!("#{id}"))],
        )
        .await;
    assert!(refused.ephemeral());
    assert!(!refused.text().contains("is revoked"), "{}", refused.text());
    assert_eq!(open(w, &url).await.0, StatusCode::OK, "still open");

    let revoked = w
        .run(
            &carol,
            "report revoke",
            [opt::string("link", format!("#{id}"))],
        )
        .await;
    assert!(revoked.ephemeral());
    assert!(
        revoked.text().contains(&format!("Link #{id} is revoked")),
        "{}",
        revoked.text()
    );
    assert_eq!(open(w, &url).await.0, StatusCode::GONE);
    let listed = w.run(&bob, "report links", Vec::new()).await;
    assert!(listed.text().contains("revoked"), "{}", listed.text());
    let again = w
        .run(
            &carol,
            "report revoke",
            [opt::string("link", format!("#{id}"))],
        )
        .await;
    assert!(again.text().contains("already revoked"), "{}", again.text());
}
e2e_test!(admin_revokes, admin_revokes_a_members_link);

/// /report week: the week by day, one's own or another person's; /report project: one
/// project by task, then person.
async fn week_and_project_replies(w: &World) {
    w.create_workspace().await;
    w.run(
        &w.alice,
        "project create",
        [opt::string("name", "Apollo"), opt::integer("privacy", 1)],
    )
    .await;
    w.run(
        &w.alice,
        "project create",
        [opt::string("name", "Zephyr"), opt::integer("privacy", 1)],
    )
    .await;
    let alice = actor_of(w, &w.alice, "alice");
    crewclock::app::projects::create_task(&w.app, &alice, "Apollo", "Design")
        .await
        .unwrap();
    let bob = w.person("bob");
    w.join(&bob, "Member").await;
    billable_time(w, &alice, "Apollo", "1h").await;
    billable_time(w, &actor_of(w, &bob, "bob"), "Zephyr", "3h").await;
    entries::add(
        &w.app,
        &actor_of(w, &bob, "bob"),
        AddEntry {
            project: "Apollo".into(),
            task: Some("Design".into()),
            when: "30m".into(),
            date: None,
            description: None,
            tags: Vec::new(),
            billable: None,
            member: None,
        },
    )
    .await
    .unwrap();

    let week = w.run(&w.alice, "report week", Vec::new()).await;
    assert!(week.ephemeral());
    let text = week.text();
    assert!(text.contains("Week"), "{text}");
    assert!(text.contains("1:00") && !text.contains("3:00"), "{text}");
    assert!(week.attachment("report.csv").is_some());
    let theirs = w
        .run(&w.alice, "report week", [opt::user("user", bob.id)])
        .await;
    assert!(theirs.text().contains("3:30"), "{}", theirs.text());

    let project = w
        .run(
            &w.alice,
            "report project",
            [opt::string("project", "Apollo")],
        )
        .await;
    assert!(project.ephemeral());
    let text = project.text();
    assert!(text.contains("Project report"), "{text}");
    assert!(text.contains("1:30"), "Apollo's total: {text}");
    assert!(text.contains("Design") && text.contains("bob"), "{text}");
    assert!(!text.contains("Zephyr") && !text.contains("3:00"), "{text}");
    let unknown = w
        .run(&w.alice, "report project", [opt::string("project", "Nope")])
        .await;
    assert!(unknown.ephemeral());
    assert!(unknown.text().contains("Nope"), "{}", unknown.text());

    // Several projects and three levels in /report summary.
    let both = w
        .run(
            &w.alice,
            "report summary",
            [
                opt::string("project", "Apollo, Zephyr"),
                opt::integer("group-by", 2),
                opt::integer("then-by", 0),
                opt::integer("and-then-by", 3),
            ],
        )
        .await;
    let text = both.text();
    assert!(text.contains("4:30"), "both projects' total: {text}");
    assert!(text.contains("Apollo") && text.contains("Zephyr"), "{text}");
    let csv = both.attachment("report.csv").expect("a CSV").text();
    assert!(
        csv.contains("Design"),
        "the third level (task) is in the CSV: {csv}"
    );
    let one_missing = w
        .run(
            &w.alice,
            "report summary",
            [opt::string("project", "Apollo, Nope")],
        )
        .await;
    assert!(
        one_missing.text().contains("Nope"),
        "{}",
        one_missing.text()
    );
    assert!(
        !one_missing.text().contains("4:30"),
        "{}",
        one_missing.text()
    );
    // Autocomplete completes the last item and keeps the ones before it.
    let offered = support::choices(
        w,
        &w.alice,
        "report summary",
        vec![opt::focused("project", "Apollo, Zep")],
    )
    .await;
    assert!(
        offered
            .iter()
            .any(|c| c.value.as_str().is_some_and(|v| v.starts_with("Apollo, #"))),
        "{offered:?}"
    );
}
e2e_test!(week_and_project, week_and_project_replies);

/// A Guest's reports in Discord: only the projects shared with them, never money or people;
/// `/report project` on a shared project works (by task when the share shows tasks), the
/// entry list is refused with a reason, and `/help` lists only what a Guest may use.
async fn guest_reports_show_shared_projects_only(w: &World) {
    w.create_workspace().await;
    let alice = Actor::in_guild(GuildId(w.guild.0), UserId(w.alice.id.0), "alice");
    for name in ["Website", "Secret"] {
        projects::create_project(
            &w.app,
            &alice,
            CreateProject {
                name: name.into(),
                privacy: Some(crewclock::domain::projects::Privacy::Public),
                ..CreateProject::default()
            },
        )
        .await
        .unwrap();
        projects::set_rate(&w.app, &alice, name, "85")
            .await
            .unwrap();
    }
    projects::create_task(&w.app, &alice, "Website", "Mockups")
        .await
        .unwrap();
    let bob = w.person("bob");
    w.join(&bob, "Member").await;
    for (project, task, when) in [
        ("Website", Some("Mockups"), "09:00-11:00"),
        ("Secret", None, "13:00-14:00"),
    ] {
        entries::add(
            &w.app,
            &alice,
            AddEntry {
                project: project.into(),
                task: task.map(String::from),
                when: when.into(),
                date: Some(DAY.into()),
                description: Some("bob's secret notes".into()),
                tags: Vec::new(),
                billable: Some(true),
                member: Some(UserId(bob.id.0)),
            },
        )
        .await
        .unwrap();
    }
    // Even when everyone may see rates, a Guest sees no money.
    crewclock::app::workspace::set_setting(&w.app, &alice, "who_can_see_rates", "anyone")
        .await
        .unwrap();
    let gus = w.person("gus");
    crewclock::app::sharing::share_project(
        &w.app,
        &alice,
        "Website",
        crewclock::domain::ChannelId(w.general.0),
        &[(UserId(gus.id.0), "gus".into())],
        "tasks, stage",
    )
    .await
    .unwrap();
    let hidden = [
        "Secret", "bob", "85", "170", "EUR", "Amount", "billable", "notes",
    ];
    let check = |what: &str, text: &str| {
        for word in hidden {
            assert!(!text.contains(word), "{what}: '{word}' leaked: {text}");
        }
    };

    let reply = w
        .run(&gus, "report summary", [opt::string("range", DAY)])
        .await;
    assert!(reply.ephemeral());
    let text = reply.text();
    assert!(text.contains("Website") && text.contains("2:00"), "{text}");
    check("/report summary", &text);
    let csv = reply.attachment("report.csv").expect("a CSV").text();
    assert!(csv.contains("Website"), "{csv}");
    check("the summary CSV", &csv);
    assert!(reply.pings().users.is_empty());

    // The project picker offers Gus his shared project only, as `#id`; Bob sees both.
    let offered =
        support::choices(w, &gus, "report project", vec![opt::focused("project", "")]).await;
    assert_eq!(support::names(&offered), ["Website"]);
    let picked = offered[0]
        .value
        .as_str()
        .expect("a text choice")
        .to_string();
    let offered =
        support::choices(w, &bob, "report summary", vec![opt::focused("project", "")]).await;
    assert_eq!(support::names(&offered), ["Secret", "Website"]);
    let reply = w
        .run(
            &gus,
            "report project",
            [opt::string("project", &picked), opt::string("range", DAY)],
        )
        .await;
    let text = reply.text();
    assert!(
        text.contains("Mockups: 2:00") && text.contains("Grouped by task"),
        "{text}"
    );
    check("/report project", &text);
    if let Some(csv) = reply.attachment("report.csv") {
        check("the project CSV", &csv.text());
    }
    // A project not shared with Gus is answered like a missing one.
    let reply = w
        .run(
            &gus,
            "report project",
            [opt::string("project", "Secret"), opt::string("range", DAY)],
        )
        .await;
    assert!(
        reply
            .text()
            .contains("No project named 'Secret' is shared with you. Shared with you: Website."),
        "{}",
        reply.text()
    );
    // The entry list names people and notes: refused, with the reason.
    let reply = w
        .run(&gus, "report detailed", [opt::string("range", DAY)])
        .await;
    assert!(
        reply.text().contains("not the list of entries"),
        "{}",
        reply.text()
    );
    check("/report detailed", &reply.text());

    let help = w.run(&gus, "help", support::no_options()).await.text();
    for allowed in [
        "/report summary",
        "/report project",
        "/me project-link",
        "/share list",
        "/member leave",
    ] {
        assert!(help.contains(allowed), "{allowed} missing: {help}");
    }
    for refused in [
        "/report detailed",
        "/report week",
        "/timer",
        "/member list",
        "/share project",
        "/project list",
        "/invite",
    ] {
        assert!(!help.contains(refused), "{refused} listed: {help}");
    }
}
e2e_test!(
    guest_reports_and_help,
    guest_reports_show_shared_projects_only
);
