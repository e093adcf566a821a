//! The small use cases the Discord adapter needs around projects: client and stage
//! autocomplete, the checks before a confirmation (which change nothing), and a project's
//! tasks under its name. On SQLite and PostgreSQL.

mod support;

use crewclock::app::projects::{self, CreateProject};
use crewclock::domain::projects::Privacy;
use crewclock::domain::Role;
use crewclock::AppError;
use support::{assert_denied, Harness};

fn private(name: &str) -> CreateProject {
    CreateProject {
        name: name.into(),
        privacy: Some(Privacy::Private),
        ..CreateProject::default()
    }
}

/// Clients and stages are offered to everyone but Guests, matching what was typed, those
/// starting with it first, within the limit; archived clients are not offered.
async fn client_and_stage_suggestions(h: &Harness) {
    let ws = h.workspace().await;
    let cast = ws.cast().await;
    let app = &ws.app;
    let owner = &cast.owner;
    for name in ["Beta Corp", "Acme", "Acme Labs", "Old Acme"] {
        projects::create_client(app, owner, name).await.unwrap();
    }
    projects::set_client_archived(app, owner, "Old Acme", true)
        .await
        .unwrap();
    for name in ["Proposal", "In progress", "Done", "Progress review"] {
        projects::create_stage(app, owner, name, None)
            .await
            .unwrap();
    }
    for role in [Role::Owner, Role::Manager, Role::Member, Role::Viewer] {
        let me = cast.by_role(role);
        let clients = projects::suggest_clients(app, me, "acme", 25)
            .await
            .unwrap();
        let labels: Vec<&str> = clients.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, ["Acme", "Acme Labs"], "{role}");
        assert!(clients.iter().all(|s| s.value.starts_with('#')));
        let stages = projects::suggest_stages(app, me, "PROGRESS", 25)
            .await
            .unwrap();
        let labels: Vec<&str> = stages.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(labels, ["Progress review", "In progress"], "{role}");
    }
    assert_eq!(
        projects::suggest_clients(app, owner, "", 2)
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        projects::suggest_stages(app, owner, "", 3)
            .await
            .unwrap()
            .len(),
        3
    );
    assert!(projects::suggest_clients(app, &cast.guest, "", 25)
        .await
        .unwrap()
        .is_empty());
    assert!(projects::suggest_stages(app, &cast.guest, "", 25)
        .await
        .unwrap()
        .is_empty());
    let stranger = ws.stranger("Stan Stranger");
    assert!(projects::suggest_clients(app, &stranger, "", 25)
        .await
        .is_err());
    // A stage chosen from the suggestions is found by its `#id`.
    let first = &projects::suggest_stages(app, owner, "done", 25)
        .await
        .unwrap()[0];
    let (stage, _) = projects::delete_stage(app, owner, &first.value)
        .await
        .unwrap();
    assert_eq!(stage.name, "Done");
}
db_test!(
    clients_and_stages_are_suggested,
    client_and_stage_suggestions
);

/// The checks before "Delete?" answer like the deletion would and change nothing.
async fn checks_before_confirming(h: &Harness) {
    let ws = h.workspace().await;
    let cast = ws.cast().await;
    let app = &ws.app;
    let owner = &cast.owner;
    projects::create_project(app, owner, private("Secret"))
        .await
        .unwrap();
    projects::create_stage(app, owner, "Review", None)
        .await
        .unwrap();
    let view = projects::check_delete_project(app, owner, "secret")
        .await
        .unwrap();
    assert_eq!(view.name, "Secret");
    // A Member who may not see the private project is told it doesn't exist.
    match projects::check_delete_project(app, &cast.member, "Secret").await {
        Err(AppError::NotFound(m)) => assert!(m.contains("No project named"), "{m}"),
        other => panic!("{other:?}"),
    }
    // A Manager sees it but may not delete it.
    assert_denied(
        projects::check_delete_project(app, &cast.manager, "Secret").await,
        "this project's managers",
    );
    assert_eq!(
        projects::check_delete_stage(app, owner, "review")
            .await
            .unwrap()
            .name,
        "Review"
    );
    assert_denied(
        projects::check_delete_stage(app, &cast.manager, "Review").await,
        "Only the Owner or an Admin",
    );
    // Nothing changed.
    assert_eq!(
        projects::list_projects(app, owner, true, None)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(projects::list_stages(app, owner).await.unwrap().len(), 1);
}
db_test!(
    checks_before_confirming_change_nothing,
    checks_before_confirming
);

/// A project's tasks come with the project as the caller sees it.
async fn tasks_with_their_project(h: &Harness) {
    let ws = h.workspace().await;
    let cast = ws.cast().await;
    let app = &ws.app;
    let owner = &cast.owner;
    projects::create_project(app, owner, private("Website"))
        .await
        .unwrap();
    for name in ["Design", "Build", "Launch"] {
        projects::create_task(app, owner, "Website", name)
            .await
            .unwrap();
    }
    projects::set_task_done(app, owner, "Website", "Design", true)
        .await
        .unwrap();
    projects::set_task_archived(app, owner, "Website", "Launch", true)
        .await
        .unwrap();
    let (view, tasks) = projects::project_tasks(app, &cast.viewer, "website", false)
        .await
        .unwrap();
    assert_eq!(view.name, "Website");
    let names: Vec<&str> = tasks.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["Build", "Design"]);
    let (_, all) = projects::project_tasks(app, owner, "Website", true)
        .await
        .unwrap();
    assert_eq!(all.len(), 3);
    assert!(matches!(
        projects::project_tasks(app, &cast.member, "Website", false).await,
        Err(AppError::NotFound(_))
    ));
}
db_test!(tasks_come_with_their_project, tasks_with_their_project);
