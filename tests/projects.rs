//! Every cell of permissions.md's "Projects, clients, tasks, tags" table, tried allowed and
//! refused for each value of the setting that decides it, plus the Privacy paragraph (who
//! sees and who may track to a project), on SQLite and PostgreSQL. A refused attempt must
//! change nothing, and a private project someone may not see is answered like a missing one.

mod support;

use crewclock::app::projects::{self, CreateProject, ProjectEdit};
use crewclock::app::{members, workspace};
use crewclock::domain::projects::{Budget, Membership, Privacy};
use crewclock::domain::{Role, UserId};
use crewclock::store::projects::NamedTable;
use crewclock::{Actor, App, AppError};
use support::{assert_denied, Cast, Harness, Ws};

// ---------------------------------------------------------------------------------------
// The people of a project test
// ---------------------------------------------------------------------------------------

/// The rows of the table, plus the people that tell "own project" apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Owner,
    Admin,
    /// A Member who is a project manager of the target project.
    Pm,
    /// A Manager who is also a project manager of the target project.
    ManagerPm,
    /// A Manager who is not on the target project.
    Manager,
    /// A Member who is not on the target project.
    Member,
    /// A Member on the target project, not a manager.
    ProjectMember,
    /// A Member who manages another project, not the target one.
    OtherPm,
    Viewer,
    Guest,
}

use Who::*;

const EVERYONE: [Who; 10] = [
    Owner,
    Admin,
    Pm,
    ManagerPm,
    Manager,
    Member,
    ProjectMember,
    OtherPm,
    Viewer,
    Guest,
];

/// A workspace with one person per row of the table.
struct World {
    ws: Ws,
    cast: Cast,
    pm: Actor,
    manager_pm: Actor,
    project_member: Actor,
    other_pm: Actor,
    /// A Member who is put on and taken off projects.
    tina: Actor,
    counter: std::sync::atomic::AtomicU64,
}

impl World {
    async fn new(h: &Harness) -> World {
        let ws = h.workspace().await;
        let cast = ws.cast().await;
        let pm = ws.add(Role::Member, "Pat Pm").await;
        let manager_pm = ws.add(Role::Manager, "Mo ManagerPm").await;
        let project_member = ws.add(Role::Member, "Pia ProjectMember").await;
        let other_pm = ws.add(Role::Member, "Otto OtherPm").await;
        let tina = ws.add(Role::Member, "Tina Target").await;
        let world = World {
            ws,
            cast,
            pm,
            manager_pm,
            project_member,
            other_pm,
            tina,
            counter: std::sync::atomic::AtomicU64::new(0),
        };
        let app = &world.ws.app;
        let owner = &world.cast.owner;
        projects::create_client(app, owner, "Acme").await.unwrap();
        projects::create_stage(app, owner, "Review", Some("purple"))
            .await
            .unwrap();
        projects::create_project(app, owner, project("Other", Privacy::Private))
            .await
            .unwrap();
        projects::add_project_manager(app, owner, "Other", world.other_pm.user)
            .await
            .unwrap();
        world
    }

    fn app(&self) -> &App {
        &self.ws.app
    }

    fn actor(&self, who: Who) -> &Actor {
        match who {
            Owner => &self.cast.owner,
            Admin => &self.cast.admin,
            Pm => &self.pm,
            ManagerPm => &self.manager_pm,
            Manager => &self.cast.manager,
            Member => &self.cast.member,
            ProjectMember => &self.project_member,
            OtherPm => &self.other_pm,
            Viewer => &self.cast.viewer,
            Guest => &self.cast.guest,
        }
    }

    fn next(&self) -> u64 {
        self.counter
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }

    /// A project created by the Owner with its people: Pat and Mo manage it, Pia is on it.
    async fn target_project(&self, privacy: Privacy) -> String {
        let name = format!("Target {}", self.next());
        let app = self.app();
        let owner = &self.cast.owner;
        projects::create_project(app, owner, project(&name, privacy))
            .await
            .unwrap();
        projects::add_project_manager(app, owner, &name, self.pm.user)
            .await
            .unwrap();
        projects::add_project_manager(app, owner, &name, self.manager_pm.user)
            .await
            .unwrap();
        projects::add_project_member(app, owner, &name, self.project_member.user)
            .await
            .unwrap();
        name
    }
}

fn project(name: &str, privacy: Privacy) -> CreateProject {
    CreateProject {
        name: name.into(),
        privacy: Some(privacy),
        ..CreateProject::default()
    }
}

/// Everything about a workspace's projects and people that an operation could change,
/// as comparable text (people, settings and the audit count come from `support::snapshot`).
async fn project_snapshot(ws: &Ws) -> String {
    use crewclock::store;
    let people = support::snapshot(&ws.app, ws.guild).await;
    let mut conn = ws.app.store.conn().await.unwrap();
    let Some(w) = store::workspaces::find_by_guild(&mut conn, ws.guild)
        .await
        .unwrap()
    else {
        return people;
    };
    let clients = store::projects::list_named(&mut conn, NamedTable::Clients, w.id, true)
        .await
        .unwrap();
    let tags = store::projects::list_named(&mut conn, NamedTable::Tags, w.id, true)
        .await
        .unwrap();
    let stages = store::projects::list_stages(&mut conn, w.id).await.unwrap();
    let all = store::projects::list_projects(&mut conn, w.id, 0, true, true)
        .await
        .unwrap();
    let memberships = store::projects::all_memberships(&mut conn, w.id)
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for (p, _) in &all {
        tasks.push(
            store::projects::list_tasks(&mut conn, p.id, true)
                .await
                .unwrap(),
        );
    }
    format!("{people}\n{clients:?}\n{tags:?}\n{stages:?}\n{all:?}\n{memberships:?}\n{tasks:?}")
}

// ---------------------------------------------------------------------------------------
// The table's cells
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Name,
    Client,
    Privacy,
    Billable,
    Budget,
    Stage,
    Color,
    DueDate,
}

const FIELDS: [Field; 8] = [
    Field::Name,
    Field::Client,
    Field::Privacy,
    Field::Billable,
    Field::Budget,
    Field::Stage,
    Field::Color,
    Field::DueDate,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    CreateProject,
    CreateClient,
    CreateTag,
    CreateTask,
    Edit(Field),
    MoneyBudget,
    Rate,
    Archive,
    Unarchive,
    Delete,
    AddMember,
    RemoveMember,
    AddManager,
    RemoveManager,
    CreateStage,
    RenameStage,
    RecolorStage,
    DeleteStage,
}

impl Act {
    /// Acts on one project (as opposed to the workspace).
    fn on_project(self) -> bool {
        !matches!(
            self,
            Act::CreateProject
                | Act::CreateClient
                | Act::CreateTag
                | Act::CreateStage
                | Act::RenameStage
                | Act::RecolorStage
                | Act::DeleteStage
        )
    }
}

/// What an attempt is made on.
struct Target {
    project: String,
    stage: String,
}

async fn prepare(w: &World, act: Act, privacy: Privacy) -> Target {
    let app = w.app();
    let owner = &w.cast.owner;
    let project = if act.on_project() {
        w.target_project(privacy).await
    } else {
        String::new()
    };
    let stage = if matches!(act, Act::RenameStage | Act::RecolorStage | Act::DeleteStage) {
        let name = format!("Stage {}", w.next());
        projects::create_stage(app, owner, &name, None)
            .await
            .unwrap();
        name
    } else {
        String::new()
    };
    match act {
        Act::Unarchive => {
            projects::set_project_archived(app, owner, &project, true)
                .await
                .unwrap();
        }
        Act::RemoveMember => {
            projects::add_project_member(app, owner, &project, w.tina.user)
                .await
                .unwrap();
        }
        Act::RemoveManager => {
            projects::add_project_manager(app, owner, &project, w.tina.user)
                .await
                .unwrap();
        }
        _ => {}
    }
    Target { project, stage }
}

async fn perform(w: &World, me: &Actor, act: Act, t: &Target) -> Result<(), AppError> {
    let app = w.app();
    let n = w.next();
    let p = t.project.as_str();
    let edit = |e: ProjectEdit| async move { projects::edit_project(app, me, p, e).await };
    match act {
        Act::CreateProject => {
            projects::create_project(app, me, project(&format!("New {n}"), Privacy::Private))
                .await
                .map(drop)
        }
        Act::CreateClient => projects::create_client(app, me, &format!("Client {n}"))
            .await
            .map(drop),
        Act::CreateTag => projects::create_tag(app, me, &format!("tag-{n}"))
            .await
            .map(drop),
        Act::CreateTask => projects::create_task(app, me, p, &format!("Task {n}"))
            .await
            .map(drop),
        Act::Edit(field) => {
            let e = match field {
                Field::Name => ProjectEdit {
                    name: Some(format!("Renamed {n}")),
                    ..Default::default()
                },
                Field::Client => ProjectEdit {
                    client: Some(Some("acme".into())),
                    ..Default::default()
                },
                Field::Privacy => {
                    let now = projects::info(app, &w.cast.owner, p)
                        .await
                        .unwrap()
                        .project
                        .privacy;
                    ProjectEdit {
                        privacy: Some(if now == Privacy::Public {
                            Privacy::Private
                        } else {
                            Privacy::Public
                        }),
                        ..Default::default()
                    }
                }
                Field::Billable => ProjectEdit {
                    billable_default: Some(true),
                    ..Default::default()
                },
                Field::Budget => ProjectEdit {
                    budget: Some("40h".into()),
                    ..Default::default()
                },
                Field::Stage => ProjectEdit {
                    stage: Some(Some("Review".into())),
                    ..Default::default()
                },
                Field::Color => ProjectEdit {
                    color: Some("#123456".into()),
                    ..Default::default()
                },
                Field::DueDate => ProjectEdit {
                    due_date: Some(Some("2026-12-31".into())),
                    ..Default::default()
                },
            };
            edit(e).await.map(drop)
        }
        Act::MoneyBudget => edit(ProjectEdit {
            budget: Some("5000 EUR".into()),
            ..Default::default()
        })
        .await
        .map(drop),
        Act::Rate => projects::set_rate(app, me, p, "85 EUR").await.map(drop),
        Act::Archive => projects::set_project_archived(app, me, p, true)
            .await
            .map(drop),
        Act::Unarchive => projects::set_project_archived(app, me, p, false)
            .await
            .map(drop),
        Act::Delete => projects::delete_project(app, me, p).await.map(drop),
        Act::AddMember => projects::add_project_member(app, me, p, w.tina.user)
            .await
            .map(drop),
        Act::RemoveMember => projects::remove_project_member(app, me, p, w.tina.user)
            .await
            .map(drop),
        Act::AddManager => projects::add_project_manager(app, me, p, w.tina.user)
            .await
            .map(drop),
        Act::RemoveManager => projects::remove_project_manager(app, me, p, w.tina.user)
            .await
            .map(drop),
        Act::CreateStage => projects::create_stage(app, me, &format!("Phase {n}"), Some("red"))
            .await
            .map(drop),
        Act::RenameStage => projects::rename_stage(app, me, &t.stage, &format!("Phase {n}"))
            .await
            .map(drop),
        Act::RecolorStage => projects::recolor_stage(app, me, &t.stage, "#abcdef")
            .await
            .map(drop),
        Act::DeleteStage => projects::delete_stage(app, me, &t.stage).await.map(drop),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Allowed.
    Yes,
    /// Refused by the rulebook (`Denied`).
    No,
    /// The project is private and not visible to them: answered as not found.
    Hidden,
}

/// `yes` are allowed; of the rest, those who can't see a private target get `Hidden`.
fn expectation(act: Act, who: Who, privacy: Privacy, yes: &[Who]) -> Expect {
    if yes.contains(&who) {
        Expect::Yes
    } else if act.on_project() && privacy == Privacy::Private && matches!(who, Member | OtherPm) {
        Expect::Hidden
    } else {
        Expect::No
    }
}

/// Tries `act` by every row in one workspace (with `settings` applied) and checks each
/// outcome. A refused attempt must leave everything as it was; the target is reused after a
/// refusal and made afresh after a success.
async fn check_cell(
    h: &Harness,
    act: Act,
    privacy: Privacy,
    settings: &[(&str, &str)],
    yes: &[Who],
) {
    let w = World::new(h).await;
    for (key, value) in settings {
        w.ws.set(key, value).await;
    }
    let mut target: Option<Target> = None;
    for who in EVERYONE {
        let t = match target.take() {
            Some(t) => t,
            None => prepare(&w, act, privacy).await,
        };
        let expect = expectation(act, who, privacy, yes);
        let before = project_snapshot(&w.ws).await;
        let outcome = perform(&w, w.actor(who), act, &t).await;
        let case = format!("{act:?} on a {privacy} project by {who:?} with {settings:?}");
        match (&outcome, expect) {
            (Ok(()), Expect::Yes) => {}
            (Err(AppError::Denied(_)), Expect::No)
            | (Err(AppError::NotFound(_)), Expect::Hidden) => {
                assert_eq!(
                    project_snapshot(&w.ws).await,
                    before,
                    "{case}: refused but changed state"
                );
                target = Some(t);
            }
            _ => panic!("{case}: expected {expect:?}, got {outcome:?}"),
        }
    }
}

/// Owner/Admin on every project; project managers on their own.
const PROJECT_MANAGERS: &[Who] = &[Owner, Admin, Pm, ManagerPm];
const PRIVACIES: [Privacy; 2] = [Privacy::Private, Privacy::Public];

/// "create project / client": yes | — | setting | setting | no | no.
async fn create_project_and_client_cells(h: &Harness) {
    let table: [(&str, &[Who]); 3] = [
        (
            "anyone",
            &[
                Owner,
                Admin,
                Pm,
                ManagerPm,
                Manager,
                Member,
                ProjectMember,
                OtherPm,
            ],
        ),
        ("managers", &[Owner, Admin, ManagerPm, Manager]),
        ("admins", &[Owner, Admin]),
    ];
    for (value, yes) in table {
        for act in [Act::CreateProject, Act::CreateClient] {
            let settings = [("who_can_create_projects", value)];
            check_cell(h, act, Privacy::Private, &settings, yes).await;
        }
    }
}
db_test!(create_project_and_client, create_project_and_client_cells);

/// "create tags": yes | — | setting | setting | no | no.
async fn create_tag_cells(h: &Harness) {
    let table: [(&str, &[Who]); 3] = [
        (
            "anyone",
            &[
                Owner,
                Admin,
                Pm,
                ManagerPm,
                Manager,
                Member,
                ProjectMember,
                OtherPm,
            ],
        ),
        ("managers", &[Owner, Admin, ManagerPm, Manager]),
        ("admins", &[Owner, Admin]),
    ];
    for (value, yes) in table {
        let settings = [("who_can_create_tags", value)];
        check_cell(h, Act::CreateTag, Privacy::Private, &settings, yes).await;
    }
    // The project setting does not govern tags, nor the tag setting projects.
    check_cell(
        h,
        Act::CreateTag,
        Privacy::Private,
        &[("who_can_create_projects", "admins")],
        &[
            Owner,
            Admin,
            Pm,
            ManagerPm,
            Manager,
            Member,
            ProjectMember,
            OtherPm,
        ],
    )
    .await;
}
db_test!(create_tags, create_tag_cells);

/// "create tasks": all | always on own project | setting | setting | no | no. On a private
/// project, Members not on it don't see it at all.
async fn create_task_cells(h: &Harness) {
    for privacy in PRIVACIES {
        let public = privacy == Privacy::Public;
        let mut anyone = vec![Owner, Admin, Pm, ManagerPm, Manager, ProjectMember];
        if public {
            anyone.extend([Member, OtherPm]);
        }
        let table: [(&str, &[Who]); 3] = [
            ("anyone", &anyone),
            ("managers", &[Owner, Admin, Pm, ManagerPm, Manager]),
            ("admins", &[Owner, Admin, Pm, ManagerPm]),
        ];
        for (value, yes) in table {
            let settings = [("who_can_create_tasks", value)];
            check_cell(h, Act::CreateTask, privacy, &settings, yes).await;
        }
    }
}
db_test!(create_tasks, create_task_cells);

/// "edit a project (name, client, privacy, billable default, budget, stage, color)" and its
/// due date: all projects | yes | no (unless PM) | no | no | no.
async fn edit_cells(h: &Harness) {
    for privacy in PRIVACIES {
        for field in FIELDS {
            check_cell(h, Act::Edit(field), privacy, &[], PROJECT_MANAGERS).await;
        }
    }
}
db_test!(edit_a_project, edit_cells);

/// "archive / delete a project": all | yes | no | no | no | no.
async fn archive_delete_cells(h: &Harness) {
    for privacy in PRIVACIES {
        for act in [Act::Archive, Act::Unarchive, Act::Delete] {
            check_cell(h, act, privacy, &[], PROJECT_MANAGERS).await;
        }
    }
}
db_test!(archive_or_delete_a_project, archive_delete_cells);

/// "add/remove project members and project managers": all | yes | no | no | no | no.
async fn people_cells(h: &Harness) {
    for privacy in PRIVACIES {
        for act in [
            Act::AddMember,
            Act::RemoveMember,
            Act::AddManager,
            Act::RemoveManager,
        ] {
            check_cell(h, act, privacy, &[], PROJECT_MANAGERS).await;
        }
    }
}
db_test!(project_members_and_managers, people_cells);

/// "edit project rates": all | when who_can_see_rates is anyone | no | no | no | no. Money
/// budgets are money amounts and follow the same cell.
async fn rate_cells(h: &Harness) {
    for privacy in PRIVACIES {
        for act in [Act::Rate, Act::MoneyBudget] {
            check_cell(h, act, privacy, &[], &[Owner, Admin]).await;
            check_cell(
                h,
                act,
                privacy,
                &[("who_can_see_rates", "anyone")],
                PROJECT_MANAGERS,
            )
            .await;
        }
    }
}
db_test!(edit_project_rates, rate_cells);

/// Stages are the workspace's: only the Owner and Admins shape them.
async fn stage_cells(h: &Harness) {
    for act in [
        Act::CreateStage,
        Act::RenameStage,
        Act::RecolorStage,
        Act::DeleteStage,
    ] {
        check_cell(h, act, Privacy::Private, &[], &[Owner, Admin]).await;
    }
}
db_test!(manage_stages, stage_cells);

// ---------------------------------------------------------------------------------------
// Privacy: who sees a project and who may track to it
// ---------------------------------------------------------------------------------------

async fn visibility(h: &Harness) {
    let w = World::new(h).await;
    let app = w.app();
    let owner = &w.cast.owner;
    // Private by default.
    let made = projects::create_project(
        app,
        owner,
        CreateProject {
            name: "Secret".into(),
            ..CreateProject::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(made.privacy, Privacy::Private);
    assert_eq!(
        made.membership,
        Membership::Manager,
        "the creator manages it"
    );
    projects::add_project_manager(app, owner, "Secret", w.pm.user)
        .await
        .unwrap();
    projects::add_project_manager(app, owner, "Secret", w.manager_pm.user)
        .await
        .unwrap();
    projects::add_project_member(app, owner, "Secret", w.project_member.user)
        .await
        .unwrap();
    projects::create_project(app, owner, project("Open house", Privacy::Public))
        .await
        .unwrap();
    projects::create_task(app, owner, "Secret", "Hidden task")
        .await
        .unwrap();

    // (who, sees the private one, may track to the private one, may track to the public one)
    let table = [
        (Owner, true, true, true),
        (Admin, true, true, true),
        (Pm, true, true, true),
        (ManagerPm, true, true, true),
        (Manager, true, false, true),
        (Member, false, false, true),
        (ProjectMember, true, true, true),
        (OtherPm, false, false, true),
        (Viewer, true, false, false),
        (Guest, false, false, false),
    ];
    for (who, sees_private, tracks_private, tracks_public) in table {
        let me = w.actor(who);
        let case = format!("{who:?}");
        if who == Guest {
            // Guests see no project here: lists, info and tracking are refused, and
            // autocomplete offers nothing.
            assert_denied(projects::list_projects(app, me, true, None).await, "Guests");
            assert_denied(projects::info(app, me, "Open house").await, "Guests");
            assert_denied(
                projects::list_tasks(app, me, "Secret", true).await,
                "Guests",
            );
            assert_denied(
                projects::project_for_tracking(app, me, "Open house").await,
                "Guests don't track",
            );
            assert!(projects::suggest_projects(app, me, "", 25)
                .await
                .unwrap()
                .is_empty());
            assert!(projects::suggest_tasks(app, me, "Secret", "", 25)
                .await
                .unwrap()
                .is_empty());
            continue;
        }
        let listed: Vec<String> = projects::list_projects(app, me, false, None)
            .await
            .unwrap()
            .into_iter()
            .map(|p| p.name)
            .collect();
        assert_eq!(
            listed.contains(&"Secret".to_string()),
            sees_private,
            "{case}: list {listed:?}"
        );
        assert!(
            listed.contains(&"Open house".to_string()),
            "{case}: public project listed"
        );
        let suggested: Vec<String> = projects::suggest_projects(app, me, "e", 25)
            .await
            .unwrap()
            .into_iter()
            .map(|s| s.label)
            .collect();
        assert_eq!(
            suggested.contains(&"Secret".to_string()),
            sees_private,
            "{case}: {suggested:?}"
        );
        assert!(
            suggested.contains(&"Open house".to_string()),
            "{case}: {suggested:?}"
        );
        let info = projects::info(app, me, "secret").await;
        let tasks = projects::suggest_tasks(app, me, "Secret", "", 25)
            .await
            .unwrap();
        if sees_private {
            assert_eq!(info.unwrap().open_tasks, 1, "{case}");
            assert_eq!(tasks.len(), 1, "{case}");
        } else {
            // Answered like a missing project, without naming it among the suggestions.
            match info {
                Err(AppError::NotFound(message)) => {
                    assert!(!message.contains("Secret"), "{case}: leaks: {message}");
                    assert!(message.contains("Open house"), "{case}: {message}");
                }
                other => panic!("{case}: expected not found, got {other:?}"),
            }
            assert!(
                tasks.is_empty(),
                "{case}: tasks of a hidden project suggested"
            );
            match projects::list_tasks(app, me, "Secret", true).await {
                Err(AppError::NotFound(_)) => {}
                other => panic!("{case}: {other:?}"),
            }
        }
        match (
            projects::project_for_tracking(app, me, "Secret").await,
            tracks_private,
            sees_private,
        ) {
            (Ok(p), true, _) => assert!(p.you_can_track, "{case}"),
            (Err(AppError::Denied(_)), false, true) => {}
            (Err(AppError::NotFound(_)), false, false) => {}
            (other, ..) => panic!("{case}: tracking to the private project: {other:?}"),
        }
        match (
            projects::project_for_tracking(app, me, "Open house").await,
            tracks_public,
        ) {
            (Ok(_), true) | (Err(AppError::Denied(_)), false) => {}
            (other, _) => panic!("{case}: tracking to the public project: {other:?}"),
        }
    }

    // Making it public shows it to every non-guest; tracking follows.
    projects::edit_project(
        app,
        owner,
        "Secret",
        ProjectEdit {
            privacy: Some(Privacy::Public),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    for who in [Member, OtherPm, Manager] {
        let me = w.actor(who);
        projects::info(app, me, "Secret").await.unwrap();
        projects::project_for_tracking(app, me, "Secret")
            .await
            .unwrap();
    }
    assert_denied(projects::info(app, &w.cast.guest, "Secret").await, "Guests");
    assert_denied(
        projects::project_for_tracking(app, &w.cast.viewer, "Secret").await,
        "Viewers don't track",
    );

    // Archived projects are hidden unless asked, and can't take time.
    projects::set_project_archived(app, owner, "Open house", true)
        .await
        .unwrap();
    let live = projects::list_projects(app, owner, false, None)
        .await
        .unwrap();
    assert!(live.iter().all(|p| p.name != "Open house"));
    let all = projects::list_projects(app, owner, true, None)
        .await
        .unwrap();
    assert!(all.iter().any(|p| p.name == "Open house" && p.archived));
    match projects::project_for_tracking(app, &w.cast.member, "Open house").await {
        Err(AppError::Invalid(message)) => assert!(message.contains("archived"), "{message}"),
        other => panic!("{other:?}"),
    }
    assert!(projects::suggest_projects(app, owner, "open", 25)
        .await
        .unwrap()
        .is_empty());
}
db_test!(privacy_who_sees_and_tracks, visibility);

/// Access granted on a project applies to all its tasks: marking tasks done follows
/// tracking rights.
async fn task_done_follows_tracking(h: &Harness) {
    let w = World::new(h).await;
    let app = w.app();
    let owner = &w.cast.owner;
    for privacy in PRIVACIES {
        let p = w.target_project(privacy).await;
        // (who, may tick tasks off)
        let table = [
            (Owner, true),
            (Admin, true),
            (Pm, true),
            (ManagerPm, true),
            (Manager, privacy == Privacy::Public),
            (Member, privacy == Privacy::Public),
            (ProjectMember, true),
            (OtherPm, privacy == Privacy::Public),
            (Viewer, false),
            (Guest, false),
        ];
        for (who, allowed) in table {
            let task = format!("Task {}", w.next());
            projects::create_task(app, owner, &p, &task).await.unwrap();
            let before = project_snapshot(&w.ws).await;
            let outcome = projects::set_task_done(app, w.actor(who), &p, &task, true).await;
            let case = format!("{who:?} ticks a task on a {privacy} project");
            match outcome {
                Ok(t) => {
                    assert!(allowed, "{case}: should be refused");
                    assert!(t.done);
                    projects::set_task_done(app, w.actor(who), &p, &task, false)
                        .await
                        .unwrap_or_else(|e| panic!("{case}: reopen: {e:?}"));
                }
                Err(AppError::Denied(_) | AppError::NotFound(_)) if !allowed => {
                    assert_eq!(project_snapshot(&w.ws).await, before, "{case}");
                }
                Err(e) => panic!("{case}: {e:?}"),
            }
        }
    }
}
db_test!(task_done_and_reopen, task_done_follows_tracking);

// ---------------------------------------------------------------------------------------
// Where the rulebook is silent: renaming and archiving clients, tags and tasks
// ---------------------------------------------------------------------------------------

/// Clients and tags: whoever may create them may rename and archive them, but a Member only
/// the ones they made.
async fn tidy_clients_and_tags(h: &Harness) {
    for (table, setting) in [
        (NamedTable::Clients, "who_can_create_projects"),
        (NamedTable::Tags, "who_can_create_tags"),
    ] {
        // (setting, who, made by self, allowed)
        let cases = [
            ("anyone", Owner, false, true),
            ("anyone", Admin, false, true),
            ("anyone", Manager, false, true),
            ("anyone", Member, true, true),
            ("anyone", Member, false, false),
            ("anyone", Viewer, false, false),
            ("anyone", Guest, false, false),
            ("managers", Manager, false, true),
            ("managers", Member, true, false),
            ("admins", Manager, true, false),
            ("admins", Admin, false, true),
        ];
        let w = World::new(h).await;
        let app = w.app();
        for (value, who, own, allowed) in cases {
            w.ws.set(setting, "anyone").await;
            let maker = if own { w.actor(who) } else { &w.cast.owner };
            let name = format!("Item {}", w.next());
            match table {
                NamedTable::Clients => projects::create_client(app, maker, &name).await.map(drop),
                NamedTable::Tags => projects::create_tag(app, maker, &name).await.map(drop),
            }
            .unwrap();
            w.ws.set(setting, value).await;
            let me = w.actor(who);
            for archive in [false, true] {
                let before = project_snapshot(&w.ws).await;
                let outcome = match (table, archive) {
                    (NamedTable::Clients, false) => {
                        projects::rename_client(app, me, &name, &format!("{name}!")).await
                    }
                    (NamedTable::Clients, true) => {
                        projects::set_client_archived(app, me, &name, true).await
                    }
                    (NamedTable::Tags, false) => {
                        projects::rename_tag(app, me, &name, &format!("{name}!")).await
                    }
                    (NamedTable::Tags, true) => {
                        projects::set_tag_archived(app, me, &name, true).await
                    }
                };
                let case =
                    format!("{table:?} {who:?} own={own} {setting}={value} archive={archive}");
                match outcome {
                    Ok(item) => {
                        assert!(allowed, "{case}: should be refused");
                        if archive {
                            assert!(item.archived);
                        } else {
                            // Put the name back for the archive attempt.
                            match table {
                                NamedTable::Clients => {
                                    projects::rename_client(app, &w.cast.owner, &item.name, &name)
                                        .await
                                }
                                NamedTable::Tags => {
                                    projects::rename_tag(app, &w.cast.owner, &item.name, &name)
                                        .await
                                }
                            }
                            .unwrap();
                        }
                    }
                    Err(AppError::Denied(_)) if !allowed => {
                        assert_eq!(project_snapshot(&w.ws).await, before, "{case}")
                    }
                    Err(e) => panic!("{case}: {e:?}"),
                }
            }
        }
    }
}
db_test!(rename_and_archive_clients_and_tags, tidy_clients_and_tags);

/// Tasks: whoever may create tasks on the project may rename and archive them, but a Member
/// who doesn't manage the project only the tasks they made.
async fn tidy_tasks(h: &Harness) {
    let w = World::new(h).await;
    let app = w.app();
    let owner = &w.cast.owner;
    let p = w.target_project(Privacy::Public).await;
    // (setting, who, made by self, allowed)
    let cases = [
        ("anyone", Owner, false, true),
        ("anyone", Pm, false, true),
        ("anyone", Manager, false, true),
        ("anyone", Member, true, true),
        ("anyone", Member, false, false),
        ("anyone", ProjectMember, false, false),
        ("anyone", Viewer, false, false),
        ("anyone", Guest, false, false),
        ("managers", Member, true, false),
        ("managers", Manager, false, true),
        ("admins", Manager, false, false),
        ("admins", Pm, false, true),
        ("admins", ManagerPm, false, true),
        ("admins", Admin, false, true),
    ];
    for (value, who, own, allowed) in cases {
        w.ws.set("who_can_create_tasks", "anyone").await;
        let maker = if own { w.actor(who) } else { owner };
        let task = format!("Job {}", w.next());
        projects::create_task(app, maker, &p, &task).await.unwrap();
        w.ws.set("who_can_create_tasks", value).await;
        let me = w.actor(who);
        for archive in [false, true] {
            let before = project_snapshot(&w.ws).await;
            let outcome = if archive {
                projects::set_task_archived(app, me, &p, &task, true).await
            } else {
                projects::rename_task(app, me, &p, &task, &format!("{task}!")).await
            };
            let case = format!("{who:?} own={own} who_can_create_tasks={value} archive={archive}");
            match outcome {
                Ok(t) => {
                    assert!(allowed, "{case}: should be refused");
                    if !archive {
                        projects::rename_task(app, owner, &p, &t.name, &task)
                            .await
                            .unwrap();
                    } else {
                        assert!(t.archived);
                    }
                }
                Err(AppError::Denied(_)) if !allowed => {
                    assert_eq!(project_snapshot(&w.ws).await, before, "{case}")
                }
                Err(e) => panic!("{case}: {e:?}"),
            }
        }
    }
}
db_test!(rename_and_archive_tasks, tidy_tasks);

/// Lists of clients, tags and stages: every member but Guests.
async fn structure_lists(h: &Harness) {
    let w = World::new(h).await;
    let app = w.app();
    projects::create_tag(app, &w.cast.owner, "urgent")
        .await
        .unwrap();
    for who in EVERYONE {
        let me = w.actor(who);
        let outcomes = [
            projects::list_clients(app, me, false)
                .await
                .map(|v| v.len()),
            projects::list_tags(app, me, false).await.map(|v| v.len()),
            projects::list_stages(app, me).await.map(|v| v.len()),
        ];
        for outcome in outcomes {
            match (outcome, who) {
                (Err(AppError::Denied(m)), Guest) => assert!(m.contains("Guests"), "{m}"),
                (Ok(n), _) if who != Guest => assert_eq!(n, 1, "{who:?}"),
                (other, _) => panic!("{who:?}: {other:?}"),
            }
        }
    }
    assert!(projects::suggest_tags(app, &w.cast.guest, "", 25)
        .await
        .unwrap()
        .is_empty());
    let tags = projects::suggest_tags(app, &w.cast.viewer, "URG", 25)
        .await
        .unwrap();
    assert_eq!(tags.len(), 1);
}
db_test!(clients_tags_stages_lists, structure_lists);

// ---------------------------------------------------------------------------------------
// Behaviour around the cells
// ---------------------------------------------------------------------------------------

/// Names are found case-insensitively or by `#id`; a miss says what exists; names are
/// unique among live things and free again once archived.
async fn names_and_lookups(h: &Harness) {
    let w = World::new(h).await;
    let app = w.app();
    let owner = &w.cast.owner;
    let site = projects::create_project(
        app,
        owner,
        CreateProject {
            name: "  Website  ".into(),
            client: Some("ACME".into()),
            ..CreateProject::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(site.name, "Website");
    assert_eq!(site.client.as_deref(), Some("Acme"));
    assert!(!site.billable_default, "not billable unless said");
    projects::info(app, owner, "WEBSITE").await.unwrap();
    projects::info(app, owner, &format!("#{}", site.id))
        .await
        .unwrap();
    match projects::info(app, owner, "Webiste").await {
        Err(AppError::NotFound(m)) => {
            assert_eq!(m, "No project named 'Webiste'. Did you mean 'Website'?")
        }
        other => panic!("{other:?}"),
    }
    match projects::info(app, owner, "Payroll").await {
        Err(AppError::NotFound(m)) => {
            assert!(m.contains("'Website'") && m.contains("'Other'"), "{m}")
        }
        other => panic!("{other:?}"),
    }
    match projects::create_task(app, owner, "Website", "Design").await {
        Ok(_) => {}
        other => panic!("{other:?}"),
    }
    match projects::rename_task(app, owner, "Website", "Desing", "x").await {
        Err(AppError::NotFound(m)) => {
            assert_eq!(
                m,
                "No task named 'Desing' in Website. Did you mean 'Design'?"
            )
        }
        other => panic!("{other:?}"),
    }
    match projects::create_project(
        app,
        owner,
        CreateProject {
            name: "Website".into(),
            client: Some("Acne Corp".into()),
            ..CreateProject::default()
        },
    )
    .await
    {
        Err(AppError::NotFound(m)) => assert!(m.contains("No client named 'Acne Corp'"), "{m}"),
        other => panic!("{other:?}"),
    }
    // Unique, case-insensitively.
    for outcome in [
        projects::create_project(app, owner, project("website", Privacy::Public))
            .await
            .map(drop),
        projects::create_client(app, owner, "acme").await.map(drop),
        projects::create_stage(app, owner, "REVIEW", None)
            .await
            .map(drop),
        projects::create_task(app, owner, "Website", "design")
            .await
            .map(drop),
    ] {
        match outcome {
            Err(AppError::Conflict(m)) => assert!(m.contains("already"), "{m}"),
            other => panic!("{other:?}"),
        }
    }
    projects::create_tag(app, owner, "Urgent").await.unwrap();
    assert!(matches!(
        projects::create_tag(app, owner, "URGENT").await,
        Err(AppError::Conflict(_))
    ));
    // Archiving frees the name; unarchiving the old one then clashes.
    projects::set_project_archived(app, owner, "Website", true)
        .await
        .unwrap();
    let second = projects::create_project(app, owner, project("Website", Privacy::Private))
        .await
        .unwrap();
    assert_ne!(second.id, site.id);
    match projects::set_project_archived(app, owner, &format!("#{}", site.id), false).await {
        Err(AppError::Conflict(m)) => assert!(m.contains("rename one of them"), "{m}"),
        other => panic!("{other:?}"),
    }
    // Invalid input says what to type.
    for (outcome, needle) in [
        (
            projects::create_project(app, owner, project("", Privacy::Public))
                .await
                .map(drop),
            "1 to 100",
        ),
        (
            projects::create_project(app, owner, project(&"x".repeat(101), Privacy::Public))
                .await
                .map(drop),
            "1 to 100",
        ),
        (
            projects::create_project(app, owner, project("two\nlines", Privacy::Public))
                .await
                .map(drop),
            "control characters",
        ),
        (
            projects::create_tag(app, owner, "#12").await.map(drop),
            "looks like an id",
        ),
        (
            projects::edit_project(
                app,
                owner,
                "Website",
                ProjectEdit {
                    color: Some("blurple".into()),
                    ..Default::default()
                },
            )
            .await
            .map(drop),
            "not a color",
        ),
        (
            projects::edit_project(
                app,
                owner,
                "Website",
                ProjectEdit {
                    budget: Some("5000".into()),
                    ..Default::default()
                },
            )
            .await
            .map(drop),
            "40h",
        ),
        (
            projects::edit_project(
                app,
                owner,
                "Website",
                ProjectEdit {
                    due_date: Some(Some("31/12/2026".into())),
                    ..Default::default()
                },
            )
            .await
            .map(drop),
            "2026-12-31",
        ),
        (
            projects::edit_project(app, owner, "Website", ProjectEdit::default())
                .await
                .map(drop),
            "Say what to change",
        ),
    ] {
        match outcome {
            Err(AppError::Invalid(m)) => assert!(m.contains(needle), "{m}"),
            other => panic!("expected invalid ({needle}), got {other:?}"),
        }
    }
}
db_test!(names_lookups_and_validation, names_and_lookups);

/// Editing sets every field; money shows only to those who may see rates; stages can be
/// deleted from under projects; every change is audited.
async fn editing_and_money(h: &Harness) {
    let w = World::new(h).await;
    let app = w.app();
    let owner = &w.cast.owner;
    let p = w.target_project(Privacy::Private).await;
    let edited = projects::edit_project(
        app,
        &w.pm,
        &p,
        ProjectEdit {
            name: Some("Launch".into()),
            client: Some(Some("Acme".into())),
            privacy: Some(Privacy::Public),
            billable_default: Some(true),
            budget: Some("12h 30m".into()),
            stage: Some(Some("review".into())),
            color: Some("teal".into()),
            due_date: Some(Some("2026-12-31".into())),
        },
    )
    .await
    .unwrap();
    assert_eq!(edited.name, "Launch");
    assert_eq!(edited.client.as_deref(), Some("Acme"));
    assert_eq!(edited.privacy, Privacy::Public);
    assert!(edited.billable_default);
    assert_eq!(edited.budget, Some(Budget::Hours { minutes: 750 }));
    assert_eq!(edited.budget_text(), "12h 30m");
    assert_eq!(edited.stage.as_ref().unwrap().name, "Review");
    assert_eq!(edited.color.as_str(), "#14b8a6");
    assert_eq!(edited.due_date.unwrap().to_string(), "2026-12-31");
    // Clearing.
    let cleared = projects::edit_project(
        app,
        &w.pm,
        "Launch",
        ProjectEdit {
            client: Some(None),
            stage: Some(None),
            due_date: Some(None),
            budget: Some("none".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(
        (
            cleared.client,
            cleared.stage,
            cleared.due_date,
            cleared.budget
        ),
        (None, None, None, Some(Budget::None))
    );
    // Money: set by the Owner, hidden from those who may not see rates.
    projects::edit_project(
        app,
        owner,
        "Launch",
        ProjectEdit {
            budget: Some("€5,000".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let rated = projects::set_rate(app, owner, "Launch", "85.50")
        .await
        .unwrap();
    assert_eq!(rated.hourly_rate.as_ref().unwrap().display(), "EUR 85.50");
    assert_eq!(rated.budget_text(), "EUR 5,000.00");
    for who in [Member, Pm, Manager, Viewer] {
        let seen = projects::info(app, w.actor(who), "Launch")
            .await
            .unwrap()
            .project;
        assert!(!seen.money_visible, "{who:?}");
        assert_eq!((seen.budget, seen.hourly_rate), (None, None), "{who:?}");
    }
    // A project manager may not touch a money budget while rates are the admins'.
    assert_denied(
        projects::edit_project(
            app,
            &w.pm,
            "Launch",
            ProjectEdit {
                budget: Some("40h".into()),
                ..Default::default()
            },
        )
        .await,
        "who_can_see_rates",
    );
    w.ws.set("who_can_see_rates", "anyone").await;
    for who in [Member, Pm, Manager, Viewer] {
        let seen = projects::info(app, w.actor(who), "Launch")
            .await
            .unwrap()
            .project;
        assert_eq!(
            seen.budget,
            Some(Budget::Money { minor: 500_000 }),
            "{who:?}"
        );
        assert_eq!(seen.hourly_rate.unwrap().minor, 8_550, "{who:?}");
    }
    // One currency per project.
    match projects::set_rate(app, owner, "Launch", "90 USD").await {
        Err(AppError::Invalid(m)) => assert!(m.contains("counts money in EUR"), "{m}"),
        other => panic!("{other:?}"),
    }
    let cleared = projects::set_rate(app, owner, "Launch", "none")
        .await
        .unwrap();
    assert_eq!(cleared.hourly_rate, None);
    // Deleting a stage leaves its projects without one.
    projects::set_project_stage(app, owner, "Launch", Some("Review"))
        .await
        .unwrap();
    let (stage, left) = projects::delete_stage(app, owner, "review").await.unwrap();
    assert_eq!((stage.name.as_str(), left), ("Review", 1));
    assert_eq!(
        projects::info(app, owner, "Launch")
            .await
            .unwrap()
            .project
            .stage,
        None
    );
    // Every change is in the audit log.
    let mut actions = Vec::new();
    let mut before = None;
    loop {
        let page = workspace::audit_log(app, owner, before).await.unwrap();
        if page.is_empty() {
            break;
        }
        before = page.last().map(|e| e.id);
        actions.extend(page.into_iter().map(|e| e.action));
    }
    for action in [
        "client.create",
        "stage.create",
        "project.create",
        "project.manager_add",
        "project.member_add",
        "project.edit",
        "project.rate",
        "stage.delete",
    ] {
        assert!(
            actions.iter().any(|a| a == action),
            "{action} not audited: {actions:?}"
        );
    }
    // A change of case is a rename; applying the same values again records nothing.
    let count = audit_count(&w.ws).await;
    let rename = ProjectEdit {
        name: Some("launch ".into()),
        ..Default::default()
    };
    projects::edit_project(app, owner, "Launch", rename.clone())
        .await
        .unwrap();
    assert_eq!(audit_count(&w.ws).await, count + 1);
    let same = projects::edit_project(app, owner, "launch", rename)
        .await
        .unwrap();
    assert_eq!(same.name, "launch");
    assert_eq!(audit_count(&w.ws).await, count + 1);
}

async fn audit_count(ws: &Ws) -> i64 {
    use crewclock::store;
    let mut conn = ws.app.store.conn().await.unwrap();
    let w = store::workspaces::find_by_guild(&mut conn, ws.guild)
        .await
        .unwrap()
        .unwrap();
    store::audit::count(&mut conn, w.id).await.unwrap()
}
db_test!(editing_money_stages_audit, editing_and_money);

/// Project people: the creator manages; several managers; the last manager may go (the
/// Owner and Admins still manage); only people who track time join; a demoted project
/// manager keeps no powers.
async fn project_people_rules(h: &Harness) {
    let w = World::new(h).await;
    let app = w.app();
    let owner = &w.cast.owner;
    let mine = projects::create_project(app, &w.cast.member, project("Mine", Privacy::Private))
        .await
        .unwrap();
    assert_eq!(mine.membership, Membership::Manager);
    assert!(mine.you_can_edit);
    let info = projects::info(app, owner, "Mine").await.unwrap();
    assert_eq!(info.managers.len(), 1);
    assert_eq!(info.managers[0].user_id, w.cast.member.user);
    // Several project managers.
    let added = projects::add_project_manager(app, &w.cast.member, "Mine", w.tina.user)
        .await
        .unwrap();
    assert_eq!(
        (added.from, added.to, added.changed),
        (Membership::None, Membership::Manager, true)
    );
    let again = projects::add_project_member(app, &w.cast.member, "Mine", w.tina.user)
        .await
        .unwrap();
    assert!(
        !again.changed,
        "adding a manager as member keeps them a manager"
    );
    assert_eq!(
        projects::info(app, owner, "Mine")
            .await
            .unwrap()
            .managers
            .len(),
        2
    );
    // Viewers and Guests don't join projects.
    for who in [Viewer, Guest] {
        match projects::add_project_member(app, owner, "Mine", w.actor(who).user).await {
            Err(AppError::Invalid(_)) => {}
            other => panic!("{who:?}: {other:?}"),
        }
    }
    // The last manager may go; the Owner still manages.
    projects::remove_project_member(app, &w.cast.member, "Mine", w.tina.user)
        .await
        .unwrap();
    let gone = projects::remove_project_manager(app, &w.cast.member, "Mine", w.cast.member.user)
        .await
        .unwrap();
    assert_eq!(gone.to, Membership::Member);
    assert!(!gone.project.you_can_edit);
    assert_denied(
        projects::edit_project(
            app,
            &w.cast.member,
            "Mine",
            ProjectEdit {
                color: Some("red".into()),
                ..Default::default()
            },
        )
        .await,
        "project's managers",
    );
    assert!(projects::info(app, owner, "Mine")
        .await
        .unwrap()
        .managers
        .is_empty());
    projects::add_project_manager(app, owner, "Mine", w.cast.member.user)
        .await
        .unwrap();
    // A project manager made a Viewer keeps no powers on the project.
    members::change_role(app, owner, w.cast.member.user, Role::Viewer)
        .await
        .unwrap();
    assert_denied(
        projects::edit_project(
            app,
            &w.cast.member,
            "Mine",
            ProjectEdit {
                color: Some("red".into()),
                ..Default::default()
            },
        )
        .await,
        "project's managers",
    );
    assert_denied(
        projects::create_task(app, &w.cast.member, "Mine", "x").await,
        "Viewers can't create tasks",
    );
    // A removed member can't be put on a project; unknown people are not found.
    members::remove(app, owner, w.tina.user).await.unwrap();
    assert!(matches!(
        projects::add_project_member(app, owner, "Mine", w.tina.user).await,
        Err(AppError::Invalid(_))
    ));
    assert!(matches!(
        projects::add_project_member(app, owner, "Mine", UserId(1)).await,
        Err(AppError::NotFound(_))
    ));
}
db_test!(project_people, project_people_rules);

/// Projects, clients, tasks, tags and stages go with the workspace.
async fn workspace_delete_cascades(h: &Harness) {
    let w = World::new(h).await;
    let app = w.app();
    let owner = &w.cast.owner;
    let p = w.target_project(Privacy::Public).await;
    projects::create_task(app, owner, &p, "Something")
        .await
        .unwrap();
    projects::create_tag(app, &w.cast.member, "later")
        .await
        .unwrap();
    projects::edit_project(
        app,
        owner,
        &p,
        ProjectEdit {
            client: Some(Some("Acme".into())),
            stage: Some(Some("Review".into())),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    projects::delete_project(app, owner, "Other").await.unwrap();
    assert!(matches!(
        projects::info(app, owner, "Other").await,
        Err(AppError::NotFound(_))
    ));
    workspace::delete(app, owner).await.unwrap();
    let n = sqlx::query("SELECT COUNT(*) AS n FROM projects")
        .fetch_one(app.store.pool())
        .await
        .unwrap();
    assert_eq!(sqlx::Row::get::<i64, _>(&n, "n"), 0);
}
db_test!(workspace_delete_takes_projects, workspace_delete_cascades);
