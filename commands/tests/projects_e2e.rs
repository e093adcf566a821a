//! Conversations with the real bot through the Discord simulator: projects, clients, tasks,
//! tags and stages; refusals with their messages; what autocomplete offers (and hides);
//! confirmations; pagination; hostile names. Each runs on SQLite and PostgreSQL, and the
//! simulator checks every request against Discord's limits when the test ends.

mod support;

use std::time::Duration;

use discord_sim::{Choice, SentMessage, SimUser};
use support::{choices, names, no_options, opt, World};

/// A privacy option as Discord sends it: the index of the registered choice.
fn privacy(value: &str) -> serde_json::Value {
    let index = ["Private", "Public"]
        .iter()
        .position(|p| *p == value)
        .unwrap_or_else(|| panic!("no privacy choice {value}"));
    opt::integer("privacy", index as i64)
}

fn value(choices: &[Choice], name: &str) -> String {
    choices
        .iter()
        .find(|c| c.name == name)
        .and_then(|c| c.value.as_str().map(str::to_string))
        .unwrap_or_else(|| panic!("no choice {name} in {:?}", names(choices)))
}

/// Runs a command and asserts its answer is private and contains `needle`.
async fn private_reply(
    w: &World,
    user: &SimUser,
    command: &str,
    options: Vec<serde_json::Value>,
    needle: &str,
) -> SentMessage {
    let reply = w.run(user, command, options).await;
    assert!(
        reply.ephemeral(),
        "/{command} should answer privately: {reply:?}"
    );
    assert!(
        reply.text().contains(needle),
        "/{command}: '{}' should contain '{needle}'",
        reply.text()
    );
    reply
}

/// Runs a command and asserts its answer is public and contains `needle`.
async fn public_reply(
    w: &World,
    user: &SimUser,
    command: &str,
    options: Vec<serde_json::Value>,
    needle: &str,
) -> SentMessage {
    let reply = w.run(user, command, options).await;
    assert!(
        !reply.ephemeral(),
        "/{command} should answer publicly: {reply:?}"
    );
    assert!(
        reply.text().contains(needle),
        "/{command}: '{}' should contain '{needle}'",
        reply.text()
    );
    reply
}

/// No message the bot sent anywhere pings anyone.
fn assert_no_pings(w: &World) {
    for message in w.sim.messages_in(w.general) {
        assert!(
            message.pings().is_empty(),
            "message {} pings: {:?}\n{}",
            message.id,
            message.pings(),
            message.content
        );
    }
}

/// A project's whole life: client, creation, info, edits, stage, due date, budget, rate,
/// people, archive and unarchive; public projects are announced, money is private.
async fn project_lifecycle(w: &World) {
    w.create_workspace().await;
    let bob = w.person("bob");
    w.join(&bob, "Member").await;
    public_reply(
        w,
        &w.alice,
        "client create",
        vec![opt::string("name", "Acme")],
        "Client **Acme** created",
    )
    .await;
    let created = public_reply(
        w,
        &w.alice,
        "project create",
        vec![
            opt::string("name", "Website"),
            opt::string("client", "acme"),
            privacy("Public"),
            opt::string("color", "green"),
        ],
        "Project **Website** for **Acme** created (public)",
    )
    .await;
    assert!(created.text().contains(&format!("<@{}>", w.alice.id.0)));
    // A private project is confirmed only to its creator.
    private_reply(
        w,
        &w.alice,
        "project create",
        vec![opt::string("name", "Secret")],
        "Project **Secret** created (private)",
    )
    .await;
    let info = private_reply(
        w,
        &w.alice,
        "project info",
        vec![opt::string("project", "website")],
        "**Client:** **Acme**",
    )
    .await;
    let text = info.text();
    for needle in [
        "**Privacy:** public",
        "**Stage:** none",
        "**Budget:** none",
        "**Hourly rate:** none",
        "**Color:** `#22c55e`",
        "**Tasks:** 0 open, 0 done",
        &format!("**Project managers:** <@{}>", w.alice.id.0),
        "**You:** a project manager; you can edit it and can track time to it",
    ] {
        assert!(text.contains(needle), "'{needle}' in {text}");
    }
    // Edit several things at once; the team sees it.
    public_reply(
        w,
        &w.alice,
        "project edit",
        vec![
            opt::string("project", "Website"),
            opt::string("name", "Web site"),
            opt::string("due", "2026-12-31"),
            opt::boolean("billable", true),
        ],
        "Project **Web site** updated: name **Web site**, billable by default: yes, due 2026-12-31.",
    )
    .await;
    private_reply(
        w,
        &w.alice,
        "project edit",
        vec![opt::string("project", "Web site")],
        "Say what to change",
    )
    .await;
    // "none" takes the client away; a name puts it back.
    public_reply(
        w,
        &w.alice,
        "project edit",
        vec![
            opt::string("project", "Web site"),
            opt::string("client", "none"),
        ],
        "Project **Web site** updated: client none.",
    )
    .await;
    public_reply(
        w,
        &w.alice,
        "project edit",
        vec![
            opt::string("project", "Web site"),
            opt::string("client", "ACME"),
            opt::string("color", "#ABC"),
        ],
        "Project **Web site** updated: client **Acme**, color `#aabbcc`.",
    )
    .await;
    // Stages.
    public_reply(
        w,
        &w.alice,
        "stage create",
        vec![opt::string("name", "Doing"), opt::string("color", "orange")],
        "Stage **Doing** (`#f97316`) added",
    )
    .await;
    public_reply(
        w,
        &w.alice,
        "project stage",
        vec![
            opt::string("project", "web site"),
            opt::string("stage", "doing"),
        ],
        "Project **Web site** is now in stage **Doing**",
    )
    .await;
    public_reply(
        w,
        &w.alice,
        "project due",
        vec![
            opt::string("project", "web site"),
            opt::string("date", "2027-01-15"),
        ],
        "is due 2027-01-15",
    )
    .await;
    private_reply(
        w,
        &w.alice,
        "project due",
        vec![
            opt::string("project", "web site"),
            opt::string("date", "soon"),
        ],
        "is not a date",
    )
    .await;
    // Money is answered privately, as the core shows it.
    private_reply(
        w,
        &w.alice,
        "project budget",
        vec![
            opt::string("project", "web site"),
            opt::string("budget", "5000 EUR"),
        ],
        "Budget of **Web site**: EUR 5,000.00.",
    )
    .await;
    private_reply(
        w,
        &w.alice,
        "project rate",
        vec![
            opt::string("project", "web site"),
            opt::string("rate", "85.50"),
        ],
        "Hourly rate of **Web site**: EUR 85.50 per hour.",
    )
    .await;
    // Bob (a Member) sees the public project, but not its money.
    let seen = private_reply(
        w,
        &bob,
        "project info",
        vec![opt::string("project", "web site")],
        "**Budget:** hidden",
    )
    .await;
    assert!(!seen.text().contains("Hourly rate"), "{}", seen.text());
    assert!(!seen.text().contains("5,000"), "{}", seen.text());
    assert!(
        seen.text().contains("**Stage:** **Doing**") && seen.text().contains("**Due:** 2027-01-15"),
        "{}",
        seen.text()
    );
    // People.
    public_reply(
        w,
        &w.alice,
        "project members add",
        vec![
            opt::string("project", "web site"),
            opt::user("member", bob.id),
        ],
        &format!("<@{}> is now a member of **Web site**.", bob.id.0),
    )
    .await;
    private_reply(
        w,
        &w.alice,
        "project members add",
        vec![
            opt::string("project", "web site"),
            opt::user("member", bob.id),
        ],
        "is already a member of **Web site**; nothing changed.",
    )
    .await;
    public_reply(
        w,
        &w.alice,
        "project managers add",
        vec![
            opt::string("project", "web site"),
            opt::user("member", bob.id),
        ],
        "is now a project manager of **Web site**.",
    )
    .await;
    // Bob now manages it and may edit it.
    private_reply(
        w,
        &bob,
        "project privacy",
        vec![opt::string("project", "web site"), privacy("Private")],
        "Project **Web site** is private",
    )
    .await;
    // Changes to a private project are told only to their author.
    private_reply(
        w,
        &w.alice,
        "project managers remove",
        vec![
            opt::string("project", "web site"),
            opt::user("member", bob.id),
        ],
        "is no longer a project manager of **Web site** (still a member).",
    )
    .await;
    private_reply(
        w,
        &w.alice,
        "project members remove",
        vec![
            opt::string("project", "web site"),
            opt::user("member", bob.id),
        ],
        "is no longer on **Web site**.",
    )
    .await;
    // Archive and unarchive.
    private_reply(
        w,
        &w.alice,
        "project archive",
        vec![opt::string("project", "web site")],
        "Project **Web site** archived",
    )
    .await;
    let list = private_reply(w, &w.alice, "project list", vec![], "Projects (1)").await;
    assert!(
        list.text().contains("**Secret**") && !list.text().contains("Web site"),
        "{}",
        list.text()
    );
    let archived = choices(
        w,
        &w.alice,
        "project unarchive",
        vec![opt::focused("project", "")],
    )
    .await;
    assert_eq!(names(&archived), ["Web site"]);
    private_reply(
        w,
        &w.alice,
        "project unarchive",
        vec![opt::string("project", value(&archived, "Web site"))],
        "Project **Web site** is active again.",
    )
    .await;
    let list = private_reply(
        w,
        &w.alice,
        "project list",
        vec![opt::string("client", "Acme")],
        "Projects (1)",
    )
    .await;
    assert!(
        list.text()
            .contains("**Web site** · Acme — private, Doing, due 2027-01-15, you manage it"),
        "{}",
        list.text()
    );
    assert_no_pings(w);
}
e2e_test!(a_project_from_creation_to_archive, project_lifecycle);

/// Refusals come back privately with the rule that refused, and private projects stay
/// hidden from people who may not see them.
async fn refusals(w: &World) {
    w.create_workspace().await;
    let bob = w.person("bob");
    let vic = w.person("vic");
    let max = w.person("max");
    w.join(&bob, "Member").await;
    w.join(&vic, "Viewer").await;
    w.join(&max, "Manager").await;
    private_reply(
        w,
        &w.alice,
        "project create",
        vec![opt::string("name", "Secret")],
        "created (private)",
    )
    .await;
    public_reply(
        w,
        &w.alice,
        "project create",
        vec![opt::string("name", "Website"), privacy("Public")],
        "created (public)",
    )
    .await;
    private_reply(
        w,
        &vic,
        "project create",
        vec![opt::string("name", "Mine")],
        "Viewers can't create projects.",
    )
    .await;
    private_reply(
        w,
        &bob,
        "project edit",
        vec![
            opt::string("project", "Website"),
            opt::string("name", "Hijacked"),
        ],
        "Only the Owner, Admins and this project's managers can edit a project.",
    )
    .await;
    private_reply(
        w,
        &max,
        "project archive",
        vec![opt::string("project", "Secret")],
        "Only the Owner, Admins and this project's managers can archive a project.",
    )
    .await;
    private_reply(
        w,
        &bob,
        "project members add",
        vec![
            opt::string("project", "Website"),
            opt::user("member", bob.id),
        ],
        "can add or remove its members and managers",
    )
    .await;
    private_reply(
        w,
        &max,
        "project rate",
        vec![
            opt::string("project", "Website"),
            opt::string("rate", "100"),
        ],
        "can set its rates and money amounts",
    )
    .await;
    // Bob doesn't see the private project: not in autocomplete, not by name, not by id.
    let offered = choices(w, &bob, "project info", vec![opt::focused("project", "")]).await;
    assert_eq!(names(&offered), ["Website"]);
    let all = choices(
        w,
        &w.alice,
        "project info",
        vec![opt::focused("project", "")],
    )
    .await;
    assert_eq!(names(&all), ["Secret", "Website"]);
    let secret_id = value(&all, "Secret");
    private_reply(
        w,
        &bob,
        "project info",
        vec![opt::string("project", "Secret")],
        "No project named 'Secret'.",
    )
    .await;
    private_reply(
        w,
        &bob,
        "project info",
        vec![opt::string("project", secret_id.clone())],
        &format!("No project with id {secret_id} that you can see."),
    )
    .await;
    let list = private_reply(w, &bob, "project list", vec![], "Projects (1)").await;
    assert!(!list.text().contains("Secret"), "{}", list.text());
    // Viewers see every project, read-only.
    private_reply(
        w,
        &vic,
        "project info",
        vec![opt::string("project", secret_id)],
        "**You:** not on it; you can't edit it and can't track time to it",
    )
    .await;
    // The setting decides who creates projects.
    w.run(
        &w.alice,
        "workspace set",
        vec![
            opt::string("setting", "who_can_create_projects"),
            opt::string("value", "admins"),
        ],
    )
    .await;
    private_reply(
        w,
        &bob,
        "project create",
        vec![opt::string("name", "Mine")],
        "In this workspace only the Owner and Admins can create projects (setting who_can_create_projects is admins).",
    )
    .await;
    private_reply(
        w,
        &max,
        "client create",
        vec![opt::string("name", "Globex")],
        "only the Owner and Admins can create clients",
    )
    .await;
    // Stages are for the Owner and Admins.
    private_reply(
        w,
        &max,
        "stage create",
        vec![opt::string("name", "Review")],
        "Only the Owner or an Admin can change the workspace's project stages.",
    )
    .await;
    // A stranger is told how to get in.
    let stranger = w.person("stranger");
    private_reply(
        w,
        &stranger,
        "project list",
        vec![],
        "not a member of this workspace",
    )
    .await;
    assert!(choices(
        w,
        &stranger,
        "project info",
        vec![opt::focused("project", "")]
    )
    .await
    .is_empty());
    // /help follows the same rules.
    let help = w.run(&bob, "help", no_options()).await.text();
    assert!(
        !help.contains("/project create") && help.contains("/project list"),
        "{help}"
    );
    let help = w.run(&vic, "help", no_options()).await.text();
    assert!(
        !help.contains("/project edit") && help.contains("/project info"),
        "{help}"
    );
}
e2e_test!(refusals_name_the_rule_and_hide_private_projects, refusals);

/// What autocomplete offers for every kind of option: only what the caller may see, what
/// matches, at most 25, and `#id` values the commands accept.
async fn autocomplete(w: &World) {
    w.create_workspace().await;
    let bob = w.person("bob");
    let gus = w.person("gus");
    w.join(&bob, "Member").await;
    w.join(&gus, "Guest").await;
    for name in ["Acme", "Globex", "Old client"] {
        w.run(&w.alice, "client create", vec![opt::string("name", name)])
            .await;
    }
    w.run(
        &w.alice,
        "client archive",
        vec![opt::string("client", "Old client")],
    )
    .await;
    for i in 0..27 {
        w.run(
            &w.alice,
            "project create",
            vec![
                opt::string("name", format!("Project {i:02}")),
                privacy("Public"),
            ],
        )
        .await;
    }
    w.run(
        &w.alice,
        "project create",
        vec![
            opt::string("name", "Secret web"),
            opt::string("client", "Globex"),
        ],
    )
    .await;
    w.run(
        &w.alice,
        "project create",
        vec![
            opt::string("name", "Website"),
            opt::string("client", "Acme"),
            privacy("Public"),
        ],
    )
    .await;
    // At most 25, prefix matches first; the client shows beside the project.
    let many = choices(
        w,
        &w.alice,
        "project info",
        vec![opt::focused("project", "")],
    )
    .await;
    assert_eq!(many.len(), 25);
    let web = choices(
        w,
        &w.alice,
        "project info",
        vec![opt::focused("project", "WEB")],
    )
    .await;
    assert_eq!(names(&web), ["Website · Acme", "Secret web · Globex"]);
    let web_bob = choices(
        w,
        &bob,
        "project info",
        vec![opt::focused("project", "web")],
    )
    .await;
    assert_eq!(names(&web_bob), ["Website · Acme"]);
    assert!(
        choices(w, &gus, "project info", vec![opt::focused("project", "")])
            .await
            .is_empty()
    );
    // The value autocomplete sends names exactly that project.
    private_reply(
        w,
        &w.alice,
        "project info",
        vec![opt::string("project", value(&web, "Secret web · Globex"))],
        "**Client:** **Globex**",
    )
    .await;
    // Clients: live ones for pickers, "none" where a client can be taken away, archived ones
    // for unarchive.
    let clients = choices(
        w,
        &w.alice,
        "project create",
        vec![opt::string("name", "x"), opt::focused("client", "")],
    )
    .await;
    assert_eq!(names(&clients), ["Acme", "Globex"]);
    let clearable = choices(
        w,
        &w.alice,
        "project edit",
        vec![
            opt::string("project", "Website"),
            opt::focused("client", ""),
        ],
    )
    .await;
    assert_eq!(names(&clearable), ["Acme", "Globex", "none (no client)"]);
    let archived = choices(
        w,
        &w.alice,
        "client unarchive",
        vec![opt::focused("client", "")],
    )
    .await;
    assert_eq!(names(&archived), ["Old client"]);
    assert!(
        choices(w, &gus, "client rename", vec![opt::focused("client", "")])
            .await
            .is_empty()
    );
    // Tags.
    for name in ["urgent", "review", "bug"] {
        w.run(&bob, "tag create", vec![opt::string("name", name)])
            .await;
    }
    let tags = choices(w, &bob, "tag rename", vec![opt::focused("tag", "r")]).await;
    assert_eq!(names(&tags), ["review", "urgent"]);
    public_reply(
        w,
        &w.alice,
        "tag archive",
        vec![opt::string("tag", value(&tags, "urgent"))],
        "Tag **urgent** archived",
    )
    .await;
    let archived = choices(w, &bob, "tag unarchive", vec![opt::focused("tag", "")]).await;
    assert_eq!(names(&archived), ["urgent"]);
    // Stages, in the workspace's order, and "none" where a project's stage is set.
    for name in ["Proposal", "In progress", "Done"] {
        w.run(&w.alice, "stage create", vec![opt::string("name", name)])
            .await;
    }
    let stages = choices(w, &bob, "stage rename", vec![opt::focused("stage", "")]).await;
    assert_eq!(names(&stages), ["Proposal", "In progress", "Done"]);
    let stages = choices(
        w,
        &w.alice,
        "project stage",
        vec![
            opt::string("project", "Website"),
            opt::focused("stage", "n"),
        ],
    )
    .await;
    assert_eq!(names(&stages), ["In progress", "Done", "none (no stage)"]);
    // Colors.
    let colors = choices(
        w,
        &w.alice,
        "stage recolor",
        vec![opt::string("stage", "Done"), opt::focused("color", "gr")],
    )
    .await;
    assert_eq!(names(&colors), ["green (#22c55e)", "gray (#6b7280)"]);
    // Tasks follow the project chosen in the same command.
    for name in ["Design", "Build", "Deploy"] {
        w.run(
            &w.alice,
            "task create",
            vec![opt::string("project", "Website"), opt::string("name", name)],
        )
        .await;
    }
    w.run(
        &w.alice,
        "task create",
        vec![
            opt::string("project", "Secret web"),
            opt::string("name", "Hidden task"),
        ],
    )
    .await;
    let none_yet = choices(w, &bob, "task done", vec![opt::focused("task", "")]).await;
    assert!(none_yet.is_empty(), "no project chosen yet");
    let website = value(&web, "Website · Acme");
    let tasks = choices(
        w,
        &bob,
        "task done",
        vec![
            opt::string("project", website.clone()),
            opt::focused("task", "d"),
        ],
    )
    .await;
    // Those starting with what was typed first, then those containing it.
    assert_eq!(names(&tasks), ["Deploy", "Design", "Build"]);
    private_reply(
        w,
        &bob,
        "task done",
        vec![
            opt::string("project", website.clone()),
            opt::string("task", value(&tasks, "Design")),
        ],
        "Task **Design** is done.",
    )
    .await;
    let open = choices(
        w,
        &bob,
        "task done",
        vec![
            opt::string("project", website.clone()),
            opt::focused("task", ""),
        ],
    )
    .await;
    assert_eq!(names(&open), ["Build", "Deploy"]);
    let done = choices(
        w,
        &bob,
        "task reopen",
        vec![opt::string("project", website), opt::focused("task", "")],
    )
    .await;
    assert_eq!(names(&done), ["Design"]);
    // Bob can't see the private project's tasks, by name or by id.
    let secret = value(&web, "Secret web · Globex");
    for project in ["Secret web".to_string(), secret] {
        assert!(choices(
            w,
            &bob,
            "task rename",
            vec![opt::string("project", project), opt::focused("task", "")],
        )
        .await
        .is_empty());
    }
}
e2e_test!(autocomplete_offers_only_what_you_may_see, autocomplete);

/// Deleting a project or a stage asks first; Cancel changes nothing; someone who may not
/// delete is refused before being asked.
async fn deletions(w: &World) {
    w.create_workspace().await;
    let bob = w.person("bob");
    w.join(&bob, "Member").await;
    w.run(
        &w.alice,
        "project create",
        vec![opt::string("name", "Website"), privacy("Public")],
    )
    .await;
    // Bob may not delete it: refused at once, no buttons.
    let refused = private_reply(
        w,
        &bob,
        "project delete",
        vec![opt::string("project", "Website")],
        "Only the Owner, Admins and this project's managers can delete a project.",
    )
    .await;
    assert!(refused.buttons().is_empty());
    let ask = private_reply(
        w,
        &w.alice,
        "project delete",
        vec![opt::string("project", "website")],
        "Delete the project **Website**",
    )
    .await;
    let labels: Vec<_> = ask.buttons().into_iter().filter_map(|b| b.label).collect();
    assert_eq!(labels, ["Delete project", "Cancel"]);
    w.sim
        .click_label(&w.alice, &ask, "Cancel")
        .await
        .response()
        .await;
    let cancelled = w.sim.message(ask.id).unwrap();
    assert!(
        cancelled.text().contains("nothing was changed") && cancelled.buttons().is_empty(),
        "{}",
        cancelled.text()
    );
    private_reply(
        w,
        &w.alice,
        "project info",
        vec![opt::string("project", "Website")],
        "**Privacy:** public",
    )
    .await;
    let ask = w
        .run(
            &w.alice,
            "project delete",
            vec![opt::string("project", "Website")],
        )
        .await;
    let press = w.sim.click_label(&w.alice, &ask, "Delete project").await;
    assert_eq!(press.response().await.kind, 7);
    assert!(w
        .sim
        .message(ask.id)
        .unwrap()
        .text()
        .contains("Project **Website** deleted."));
    let announcement = w
        .sim
        .wait_for_bot_message(w.general, Duration::from_secs(5), |m| {
            m.content.contains("was deleted by")
        })
        .await;
    assert!(!announcement.ephemeral());
    private_reply(
        w,
        &w.alice,
        "project info",
        vec![opt::string("project", "Website")],
        "No project named 'Website'",
    )
    .await;
    // Stages: the Owner confirms; projects in the stage are left without one.
    w.run(&w.alice, "stage create", vec![opt::string("name", "Doing")])
        .await;
    w.run(
        &w.alice,
        "project create",
        vec![opt::string("name", "App"), privacy("Public")],
    )
    .await;
    w.run(
        &w.alice,
        "project stage",
        vec![opt::string("project", "App"), opt::string("stage", "Doing")],
    )
    .await;
    private_reply(
        w,
        &bob,
        "stage delete",
        vec![opt::string("stage", "Doing")],
        "Only the Owner or an Admin",
    )
    .await;
    let ask = private_reply(
        w,
        &w.alice,
        "stage delete",
        vec![opt::string("stage", "doing")],
        "Delete the stage **Doing**?",
    )
    .await;
    w.sim
        .click_label(&w.alice, &ask, "Delete stage")
        .await
        .response()
        .await;
    let done = w.sim.message(ask.id).unwrap();
    assert!(
        done.text()
            .contains("Stage **Doing** deleted. 1 project has no stage now."),
        "{}",
        done.text()
    );
    private_reply(
        w,
        &w.alice,
        "project info",
        vec![opt::string("project", "App")],
        "**Stage:** none",
    )
    .await;
}
e2e_test!(deleting_asks_for_confirmation, deletions);

/// A long project list is paginated with buttons, never cutting a line.
async fn pagination(w: &World) {
    w.create_workspace().await;
    for i in 0..22 {
        w.run(
            &w.alice,
            "project create",
            vec![opt::string("name", format!("Project {i:02}"))],
        )
        .await;
    }
    let first = private_reply(w, &w.alice, "project list", vec![], "Projects (22)").await;
    assert!(first.text().contains("Page 1 of 2"), "{}", first.text());
    assert!(first.text().contains("**Project 00**") && !first.text().contains("Project 15"));
    let next = w.sim.click_label(&w.alice, &first, "Next").await;
    assert_eq!(next.response().await.kind, 7);
    let second = w.sim.message(first.id).unwrap();
    assert!(second.text().contains("Page 2 of 2"), "{}", second.text());
    assert!(
        second.text().contains("**Project 21**"),
        "{}",
        second.text()
    );
    let lines = first.text().matches("`#").count() + second.text().matches("`#").count();
    assert_eq!(lines, 22);
    let back = w.sim.click_label(&w.alice, &second, "Previous").await;
    assert_eq!(back.response().await.kind, 7);
    assert!(w
        .sim
        .message(first.id)
        .unwrap()
        .text()
        .contains("Page 1 of 2"));
    // /help for the Owner is long too, and paginated the same way.
    let help = w.run(&w.alice, "help", no_options()).await;
    assert!(
        help.ephemeral() && help.text().contains("Page 1 of"),
        "{}",
        help.text()
    );
}
e2e_test!(long_project_lists_are_paginated, pagination);

/// Tasks: create, list, rename, done, reopen, archive, unarchive; who may and who may not.
async fn tasks(w: &World) {
    w.create_workspace().await;
    let bob = w.person("bob");
    let vic = w.person("vic");
    w.join(&bob, "Member").await;
    w.join(&vic, "Viewer").await;
    w.run(
        &w.alice,
        "project create",
        vec![opt::string("name", "Website"), privacy("Public")],
    )
    .await;
    w.run(
        &w.alice,
        "project create",
        vec![opt::string("name", "Secret")],
    )
    .await;
    for name in ["Design", "Build"] {
        private_reply(
            w,
            &bob,
            "task create",
            vec![opt::string("project", "Website"), opt::string("name", name)],
            &format!("Task **{name}** added"),
        )
        .await;
    }
    private_reply(
        w,
        &bob,
        "task create",
        vec![
            opt::string("project", "Website"),
            opt::string("name", "design"),
        ],
        "Website already has a task named design.",
    )
    .await;
    private_reply(
        w,
        &bob,
        "task create",
        vec![opt::string("project", "Secret"), opt::string("name", "Spy")],
        "No project named 'Secret'",
    )
    .await;
    private_reply(
        w,
        &vic,
        "task done",
        vec![
            opt::string("project", "Website"),
            opt::string("task", "Design"),
        ],
        "Only people who can track time to Website can mark its tasks done or reopen them.",
    )
    .await;
    private_reply(
        w,
        &bob,
        "task done",
        vec![
            opt::string("project", "Website"),
            opt::string("task", "design"),
        ],
        "Task **Design** is done.",
    )
    .await;
    private_reply(
        w,
        &bob,
        "task done",
        vec![
            opt::string("project", "Website"),
            opt::string("task", "design"),
        ],
        "Design is already done.",
    )
    .await;
    let list = private_reply(
        w,
        &vic,
        "task list",
        vec![opt::string("project", "Website")],
        "Tasks of Website (1 open)",
    )
    .await;
    let text = list.text();
    assert!(
        text.contains("☐ **Build**") && text.contains("☑ **Design** — done <t:"),
        "{text}"
    );
    private_reply(
        w,
        &bob,
        "task reopen",
        vec![
            opt::string("project", "Website"),
            opt::string("task", "Design"),
        ],
        "Task **Design** is open again.",
    )
    .await;
    private_reply(
        w,
        &bob,
        "task rename",
        vec![
            opt::string("project", "Website"),
            opt::string("task", "Build"),
            opt::string("new-name", "Build v2"),
        ],
        "Task renamed to **Build v2**.",
    )
    .await;
    // A task Alice made is not Bob's to rename.
    w.run(
        &w.alice,
        "task create",
        vec![
            opt::string("project", "Website"),
            opt::string("name", "Launch"),
        ],
    )
    .await;
    private_reply(
        w,
        &bob,
        "task archive",
        vec![
            opt::string("project", "Website"),
            opt::string("task", "Launch"),
        ],
        "Members can rename or archive only the tasks they created",
    )
    .await;
    private_reply(
        w,
        &w.alice,
        "task archive",
        vec![
            opt::string("project", "Website"),
            opt::string("task", "Launch"),
        ],
        "Task **Launch** archived.",
    )
    .await;
    let list = private_reply(
        w,
        &w.alice,
        "task list",
        vec![
            opt::string("project", "Website"),
            opt::boolean("include-archived", true),
        ],
        "**Launch** (archived)",
    )
    .await;
    assert!(list.text().contains("(2 open)"), "{}", list.text());
    private_reply(
        w,
        &w.alice,
        "task unarchive",
        vec![
            opt::string("project", "Website"),
            opt::string("task", "Launch"),
        ],
        "Task **Launch** is in use again.",
    )
    .await;
    private_reply(
        w,
        &w.alice,
        "task list",
        vec![opt::string("project", "Secret")],
        "**Secret** has no tasks yet.",
    )
    .await;
}
e2e_test!(tasks_of_a_project, tasks);

/// Clients, tags and stages: create, list, rename, archive, unarchive, recolor.
async fn structure(w: &World) {
    w.create_workspace().await;
    let bob = w.person("bob");
    let vic = w.person("vic");
    w.join(&bob, "Member").await;
    w.join(&vic, "Viewer").await;
    // Clients.
    public_reply(
        w,
        &w.alice,
        "client create",
        vec![opt::string("name", "Acme")],
        "Client **Acme** created",
    )
    .await;
    public_reply(
        w,
        &bob,
        "client create",
        vec![opt::string("name", "Globex")],
        "Client **Globex** created",
    )
    .await;
    private_reply(
        w,
        &bob,
        "client create",
        vec![opt::string("name", "acme")],
        "There is already a client named acme.",
    )
    .await;
    private_reply(
        w,
        &bob,
        "client rename",
        vec![
            opt::string("client", "Acme"),
            opt::string("new-name", "Acme Inc"),
        ],
        "Members can rename or archive only the clients they created",
    )
    .await;
    public_reply(
        w,
        &bob,
        "client rename",
        vec![
            opt::string("client", "Globex"),
            opt::string("new-name", "Globex Corp"),
        ],
        "Client renamed to **Globex Corp**.",
    )
    .await;
    public_reply(
        w,
        &w.alice,
        "client archive",
        vec![opt::string("client", "Globex Corp")],
        "Client **Globex Corp** archived",
    )
    .await;
    let list = private_reply(w, &vic, "client list", vec![], "Clients (1)").await;
    assert!(!list.text().contains("Globex"), "{}", list.text());
    let list = private_reply(
        w,
        &vic,
        "client list",
        vec![opt::boolean("include-archived", true)],
        "**Globex Corp** (archived)",
    )
    .await;
    assert!(list.text().contains("Clients (2)"), "{}", list.text());
    public_reply(
        w,
        &w.alice,
        "client unarchive",
        vec![opt::string("client", "Globex Corp")],
        "Client **Globex Corp** is in use again.",
    )
    .await;
    // Tags.
    private_reply(
        w,
        &vic,
        "tag create",
        vec![opt::string("name", "urgent")],
        "Viewers can't create tags.",
    )
    .await;
    public_reply(
        w,
        &bob,
        "tag create",
        vec![opt::string("name", "urgent")],
        "Tag **urgent** created",
    )
    .await;
    public_reply(
        w,
        &bob,
        "tag rename",
        vec![
            opt::string("tag", "urgent"),
            opt::string("new-name", "asap"),
        ],
        "Tag renamed to **asap**.",
    )
    .await;
    public_reply(
        w,
        &bob,
        "tag archive",
        vec![opt::string("tag", "asap")],
        "Tag **asap** archived",
    )
    .await;
    private_reply(w, &vic, "tag list", vec![], "No tags to show").await;
    public_reply(
        w,
        &bob,
        "tag unarchive",
        vec![opt::string("tag", "asap")],
        "Tag **asap** is in use again.",
    )
    .await;
    private_reply(w, &vic, "tag list", vec![], "**asap**").await;
    // Stages.
    private_reply(w, &bob, "stage list", vec![], "No project stages yet").await;
    for (name, color) in [("Proposal", "blue"), ("Doing", "#abc")] {
        public_reply(
            w,
            &w.alice,
            "stage create",
            vec![opt::string("name", name), opt::string("color", color)],
            &format!("Stage **{name}**"),
        )
        .await;
    }
    private_reply(
        w,
        &w.alice,
        "stage create",
        vec![opt::string("name", "Bad"), opt::string("color", "plaid")],
        "'plaid' is not a color",
    )
    .await;
    public_reply(
        w,
        &w.alice,
        "stage rename",
        vec![
            opt::string("stage", "doing"),
            opt::string("new-name", "In progress"),
        ],
        "Stage renamed to **In progress**.",
    )
    .await;
    public_reply(
        w,
        &w.alice,
        "stage recolor",
        vec![
            opt::string("stage", "In progress"),
            opt::string("color", "green"),
        ],
        "Stage **In progress** is now `#22c55e`.",
    )
    .await;
    let list = private_reply(w, &bob, "stage list", vec![], "1. **Proposal** `#3b82f6`").await;
    assert!(
        list.text().contains("2. **In progress** `#22c55e`"),
        "{}",
        list.text()
    );
    private_reply(
        w,
        &bob,
        "stage recolor",
        vec![
            opt::string("stage", "Proposal"),
            opt::string("color", "red"),
        ],
        "Only the Owner or an Admin",
    )
    .await;
}
e2e_test!(clients_tags_and_stages, structure);

/// Hostile project, client and stage names render inert everywhere and ping nobody.
async fn hostile_names(w: &World) {
    w.create_workspace().await;
    let long = format!("@here {}", "y".repeat(94));
    assert_eq!(long.chars().count(), 100);
    let client_long = format!("<@&1> {}", "c".repeat(94));
    w.run(
        &w.alice,
        "client create",
        vec![opt::string("name", client_long.clone())],
    )
    .await;
    let hostile = [
        "@everyone",
        "<script>alert(1)</script>",
        "**bold** __under__ `code` ||spoiler|| [link](https://evil.example)",
        "<@123> <@&456> <#789>",
        "> quote\u{2028}# heading",
        long.as_str(),
    ];
    for name in hostile {
        let reply = w
            .run(
                &w.alice,
                "project create",
                vec![
                    opt::string("name", name),
                    opt::string("client", client_long.clone()),
                    privacy("Public"),
                ],
            )
            .await;
        let content = &reply.content;
        assert!(!reply.ephemeral(), "{content}");
        assert!(reply.pings().is_empty(), "{content}");
        for raw in [
            "@everyone",
            "@here",
            "<script>",
            "**bold**",
            "<@123>",
            "<@&",
            "`code`",
        ] {
            assert!(!content.contains(raw), "'{raw}' raw in {content}");
        }
    }
    let list = w.run(&w.alice, "project list", vec![]).await;
    let text = list.text();
    assert!(
        text.contains("@\u{200B}everyone") && text.contains("\\<script\\>"),
        "{text}"
    );
    assert!(
        !text.contains("<script>") && !text.contains("@everyone") && !text.contains("<@123>"),
        "{text}"
    );
    // Autocomplete labels stay within Discord's 100 characters, even with a long client.
    let offered = choices(
        w,
        &w.alice,
        "project info",
        vec![opt::focused("project", "")],
    )
    .await;
    assert_eq!(offered.len(), hostile.len());
    let long_choice = offered
        .iter()
        .find(|c| c.name.starts_with("@here"))
        .expect("the long project");
    assert_eq!(long_choice.name.chars().count(), 100);
    let info = w
        .run(
            &w.alice,
            "project info",
            vec![opt::string(
                "project",
                long_choice.value.as_str().unwrap().to_string(),
            )],
        )
        .await;
    assert!(info.pings().is_empty());
    assert!(
        info.embeds[0]["title"].as_str().unwrap().chars().count() <= 256,
        "{:?}",
        info.embeds[0]["title"]
    );
    // Tasks and stages with hostile names too.
    w.run(
        &w.alice,
        "stage create",
        vec![opt::string("name", "@everyone stage")],
    )
    .await;
    let staged = w
        .run(
            &w.alice,
            "project stage",
            vec![
                opt::string("project", "@everyone"),
                opt::string("stage", "@everyone stage"),
            ],
        )
        .await;
    assert!(
        staged.content.contains("@\u{200B}everyone stage") && staged.pings().is_empty(),
        "{}",
        staged.content
    );
    // An error naming a hostile project pings nobody either.
    let clash = w
        .run(
            &w.alice,
            "project create",
            vec![opt::string("name", "@everyone")],
        )
        .await;
    assert!(
        clash.ephemeral() && clash.pings().is_empty(),
        "{}",
        clash.content
    );
    assert_no_pings(w);
}
e2e_test!(hostile_names_render_inert, hostile_names);
