//! Every cell of permissions.md's "Workspace and people" table and every role rule, tried
//! allowed and refused, on SQLite and PostgreSQL. A refused attempt must change nothing.

mod support;

use crewclock::app::{invitations, members, role_links, workspace};
use crewclock::domain::{DiscordRoleId, Role};
use crewclock::{Actor, AppError};
use support::{assert_denied, snapshot, Cast, Harness, Ws};
use Role::*;

/// The actions of the table, each performed by one actor against the cast.
#[derive(Debug, Clone, Copy)]
enum Act {
    ViewSettings,
    ChangeSetting,
    ChangeBilling,
    DeleteWorkspace,
    TransferOwnership,
    SeeMemberList,
    Invite(Role),
    AssignTeamManager,
    LinkDiscordRole,
    ReadAuditLog,
}

async fn perform(ws: &Ws, cast: &Cast, me: &Actor, act: Act) -> Result<(), AppError> {
    let app = &ws.app;
    match act {
        Act::ViewSettings => workspace::settings(app, me).await.map(drop),
        Act::ChangeSetting => workspace::set_setting(app, me, "who_can_invite", "anyone")
            .await
            .map(drop),
        Act::ChangeBilling => workspace::set_setting(app, me, "guest_limit", "10")
            .await
            .map(drop),
        Act::DeleteWorkspace => workspace::delete(app, me).await.map(drop),
        Act::TransferOwnership => {
            let to = if me.user == cast.member.user {
                &cast.manager
            } else {
                &cast.member
            };
            workspace::transfer_ownership(app, me, to.user)
                .await
                .map(drop)
        }
        Act::SeeMemberList => members::list(app, me, false).await.map(drop),
        Act::Invite(role) => {
            let newcomer = ws.stranger("Nina Newcomer");
            invitations::invite_user(app, me, newcomer.user, "Nina Newcomer", role)
                .await
                .map(drop)
        }
        Act::AssignTeamManager => {
            members::set_team_manager(app, me, cast.manager.user, cast.member.user, true)
                .await
                .map(drop)
        }
        Act::LinkDiscordRole => role_links::link(app, me, Member, DiscordRoleId(777))
            .await
            .map(drop),
        Act::ReadAuditLog => workspace::audit_log(app, me, None).await.map(drop),
    }
}

/// Runs `act` by each role in a fresh workspace and checks the expected outcome.
async fn check_cell(h: &Harness, act: Act, allowed: &[Role]) {
    for role in Role::ALL {
        let ws = h.workspace().await;
        let cast = ws.cast().await;
        let me = cast.by_role(role);
        let before = snapshot(&ws.app, ws.guild).await;
        let outcome = perform(&ws, &cast, me, act).await;
        let expected = allowed.contains(&role);
        match (&outcome, expected) {
            (Ok(()), true) => {}
            (Err(AppError::Denied(_)), false) => {
                assert_eq!(
                    snapshot(&ws.app, ws.guild).await,
                    before,
                    "{act:?} by {role} was refused but changed state"
                );
            }
            _ => panic!(
                "{act:?} by {role}: expected {}, got {outcome:?}",
                if expected { "allowed" } else { "denied" }
            ),
        }
    }
}

const ALL: &[Role] = &[Owner, Admin, Manager, Member, Viewer, Guest];

async fn table_cells(h: &Harness) {
    check_cell(
        h,
        Act::ViewSettings,
        &[Owner, Admin, Manager, Member, Viewer],
    )
    .await;
    check_cell(h, Act::ChangeSetting, &[Owner, Admin]).await;
    check_cell(h, Act::ChangeBilling, &[Owner]).await;
    check_cell(h, Act::DeleteWorkspace, &[Owner]).await;
    check_cell(h, Act::TransferOwnership, &[Owner]).await;
    check_cell(
        h,
        Act::SeeMemberList,
        &[Owner, Admin, Manager, Member, Viewer],
    )
    .await;
    check_cell(h, Act::Invite(Admin), &[Owner, Admin]).await;
    check_cell(h, Act::Invite(Manager), &[Owner, Admin]).await;
    // who_can_invite defaults to managers: Members may not invite.
    for role in [Member, Viewer, Guest] {
        check_cell(h, Act::Invite(role), &[Owner, Admin, Manager]).await;
    }
    check_cell(h, Act::Invite(Owner), &[]).await;
    check_cell(h, Act::AssignTeamManager, &[Owner, Admin]).await;
    check_cell(h, Act::LinkDiscordRole, &[Owner, Admin]).await;
    check_cell(h, Act::ReadAuditLog, &[Owner, Admin]).await;
    assert_eq!(ALL.len(), Role::ALL.len());
}
db_test!(workspace_and_people_table, table_cells);

/// who_can_invite = anyone lets Members invite Members and Viewers, never Guests.
async fn members_invite_by_setting(h: &Harness) {
    let ws = h.workspace().await;
    let cast = ws.cast().await;
    let newcomer = ws.stranger("Nina");
    assert_denied(
        invitations::invite_user(&ws.app, &cast.member, newcomer.user, "Nina", Member).await,
        "who_can_invite",
    );
    ws.set("who_can_invite", "anyone").await;
    for role in [Member, Viewer] {
        let newcomer = ws.stranger("Nina");
        invitations::invite_user(&ws.app, &cast.member, newcomer.user, "Nina", role)
            .await
            .unwrap_or_else(|e| panic!("member invites {role}: {e}"));
    }
    assert_denied(
        invitations::invite_user(&ws.app, &cast.member, newcomer.user, "Nina", Guest).await,
        "only Members and Viewers",
    );
    for role in [Viewer, Guest] {
        let me = cast.by_role(role);
        assert_denied(
            invitations::invite_user(&ws.app, me, newcomer.user, "Nina", Member).await,
            "can't invite",
        );
    }
}
db_test!(
    member_invites_follow_who_can_invite,
    members_invite_by_setting
);

/// Revoke/resend: Owner and Admin any; Manager their own and those for lower roles;
/// Member their own; Viewer and Guest none.
async fn revoke_and_resend_cells(h: &Harness) {
    // (actor, who sent it, invited role, allowed)
    let cases = [
        (Owner, Admin, Manager, true),
        (Admin, Owner, Admin, true),
        (Manager, Manager, Member, true),
        (Manager, Owner, Guest, true),
        (Manager, Owner, Manager, false),
        (Manager, Admin, Admin, false),
        (Member, Member, Viewer, true),
        (Member, Owner, Member, false),
        (Viewer, Owner, Member, false),
        (Guest, Owner, Guest, false),
    ];
    for resend in [false, true] {
        for (actor, sender, invited_as, allowed) in cases {
            let ws = h.workspace().await;
            let cast = ws.cast().await;
            ws.set("who_can_invite", "anyone").await;
            let newcomer = ws.stranger("Nina");
            let inv = invitations::invite_user(
                &ws.app,
                cast.by_role(sender),
                newcomer.user,
                "Nina",
                invited_as,
            )
            .await
            .unwrap();
            let me = cast.by_role(actor);
            let before = snapshot(&ws.app, ws.guild).await;
            let outcome = if resend {
                h.clock.advance(chrono::Duration::days(3));
                invitations::resend(&ws.app, me, inv.id).await
            } else {
                invitations::revoke(&ws.app, me, inv.id).await
            };
            let what = if resend { "resend" } else { "revoke" };
            match (outcome, allowed) {
                (Ok(_), true) => {}
                (Err(AppError::Denied(_)), false) => {
                    assert_eq!(
                        snapshot(&ws.app, ws.guild).await,
                        before,
                        "refused {what} changed state"
                    )
                }
                (other, _) => {
                    panic!("{actor} {what}s {sender}'s {invited_as} invitation: got {other:?}")
                }
            }
        }
    }
}
db_test!(revoke_and_resend_invitations, revoke_and_resend_cells);

/// What each actor may do to whom: (targets whose role they may change, roles they may give).
fn role_change_rights(actor: Role) -> (&'static [Role], &'static [Role]) {
    match actor {
        Owner => (
            &[Admin, Manager, Member, Viewer, Guest],
            &[Admin, Manager, Member, Viewer, Guest],
        ),
        Admin => (
            &[Manager, Member, Viewer, Guest],
            &[Admin, Manager, Member, Viewer, Guest],
        ),
        Manager => (&[Member, Viewer, Guest], &[Member, Viewer, Guest]),
        Member | Viewer | Guest => (&[], &[]),
    }
}

async fn role_change_matrix(h: &Harness) {
    for actor_role in Role::ALL {
        for target_role in Role::ALL {
            for to in Role::ALL {
                let ws = h.workspace().await;
                ws.seats(50).await;
                let actor = if actor_role == Owner {
                    ws.owner.clone()
                } else {
                    ws.add(actor_role, "Actor").await
                };
                let target = if target_role == Owner {
                    ws.owner.clone()
                } else {
                    ws.add(target_role, "Target").await
                };
                let same_person = actor.user == target.user;
                let before = snapshot(&ws.app, ws.guild).await;
                let outcome = members::change_role(&ws.app, &actor, target.user, to).await;
                let (targets, gives) = role_change_rights(actor_role);
                let allowed = !same_person && targets.contains(&target_role) && gives.contains(&to);
                let case = format!("{actor_role} sets {target_role} to {to}");
                match outcome {
                    Ok(changed) => {
                        assert!(
                            allowed && target_role != to,
                            "{case}: allowed but should not be"
                        );
                        assert_eq!(ws.role_of(&target).await, Some(to), "{case}");
                        assert_eq!(changed.from, target_role);
                    }
                    Err(AppError::Invalid(msg)) if allowed && target_role == to => {
                        assert!(msg.contains("already"), "{case}: {msg}")
                    }
                    Err(AppError::Denied(_)) if !allowed => {
                        assert_eq!(
                            snapshot(&ws.app, ws.guild).await,
                            before,
                            "{case}: refused but changed"
                        )
                    }
                    Err(e) => panic!(
                        "{case}: expected {}, got {e:?}",
                        if allowed { "allowed" } else { "denied" }
                    ),
                }
            }
        }
    }
}
db_test!(role_change_every_combination, role_change_matrix);

async fn removal_matrix(h: &Harness) {
    // (actor, target roles they may remove)
    let rights: [(Role, &[Role]); 6] = [
        (Owner, &[Admin, Manager, Member, Viewer, Guest]),
        (Admin, &[Manager, Member, Viewer, Guest]),
        (Manager, &[Member, Viewer, Guest]),
        (Member, &[]),
        (Viewer, &[]),
        (Guest, &[]),
    ];
    for (actor_role, may_remove) in rights {
        for target_role in Role::ALL {
            let ws = h.workspace().await;
            ws.seats(50).await;
            let actor = if actor_role == Owner {
                ws.owner.clone()
            } else {
                ws.add(actor_role, "Actor").await
            };
            let target = if target_role == Owner {
                ws.owner.clone()
            } else {
                ws.add(target_role, "Target").await
            };
            let before = snapshot(&ws.app, ws.guild).await;
            let outcome = members::remove(&ws.app, &actor, target.user).await;
            let case = format!("{actor_role} removes {target_role}");
            let allowed = may_remove.contains(&target_role) && actor.user != target.user;
            match outcome {
                Ok(removed) => {
                    assert!(allowed, "{case}: should be refused");
                    assert!(!removed.member.active);
                    assert_eq!(ws.role_of(&target).await, None, "{case}: still active");
                }
                Err(AppError::Denied(_)) if !allowed => {
                    assert_eq!(
                        snapshot(&ws.app, ws.guild).await,
                        before,
                        "{case}: refused but changed"
                    )
                }
                Err(e) => panic!("{case}: got {e:?}"),
            }
        }
    }
}
db_test!(removal_every_combination, removal_matrix);

/// Rule 1: exactly one Owner; never granted by a role change; never demoted or removed.
async fn rule_one_owner(h: &Harness) {
    let ws = h.workspace().await;
    let cast = ws.cast().await;
    assert_denied(
        members::change_role(&ws.app, &cast.owner, cast.admin.user, Owner).await,
        "transfer-owner",
    );
    assert_denied(
        members::change_role(&ws.app, &cast.admin, cast.owner.user, Member).await,
        "Owner's role",
    );
    assert_denied(
        members::remove(&ws.app, &cast.admin, cast.owner.user).await,
        "Owner can't be removed",
    );
    assert_denied(
        members::leave(&ws.app, &cast.owner).await,
        "Transfer ownership first",
    );
    // Transfer: the old Owner becomes an Admin, the new one is the only Owner.
    workspace::transfer_ownership(&ws.app, &cast.owner, cast.member.user)
        .await
        .unwrap();
    assert_eq!(ws.role_of(&cast.member).await, Some(Owner));
    assert_eq!(ws.role_of(&cast.owner).await, Some(Admin));
    let owners = members::list(&ws.app, &cast.member, true)
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.role == Owner)
        .count();
    assert_eq!(owners, 1);
    // The old owner can no longer act as Owner.
    assert_denied(
        workspace::delete(&ws.app, &cast.owner).await,
        "Only the Owner",
    );
    // Ownership can't go to a Guest.
    assert_denied(
        workspace::transfer_ownership(&ws.app, &cast.member, cast.guest.user).await,
        "Guest",
    );
}
db_test!(rule_1_exactly_one_owner, rule_one_owner);

/// Rule 2: only the Owner takes the Admin role away or removes an Admin.
async fn rule_two_admins(h: &Harness) {
    let ws = h.workspace().await;
    let cast = ws.cast().await;
    let other_admin = ws.add(Admin, "Second Admin").await;
    assert_denied(
        members::change_role(&ws.app, &cast.admin, other_admin.user, Member).await,
        "Only the Owner can take the Admin role away",
    );
    assert_denied(
        members::remove(&ws.app, &cast.admin, other_admin.user).await,
        "Only the Owner can remove an Admin.",
    );
    members::change_role(&ws.app, &cast.owner, other_admin.user, Member)
        .await
        .unwrap();
    members::remove(&ws.app, &cast.owner, cast.admin.user)
        .await
        .unwrap();
}
db_test!(rule_2_only_owner_unmakes_admins, rule_two_admins);

/// Rule 3: nobody changes their own role; leaving is its own action.
async fn rule_three_self(h: &Harness) {
    let ws = h.workspace().await;
    let cast = ws.cast().await;
    for role in Role::ALL {
        let me = cast.by_role(role);
        assert_denied(
            members::change_role(&ws.app, me, me.user, Viewer).await,
            "own role",
        );
        assert_denied(members::remove(&ws.app, me, me.user).await, "/member leave");
    }
    let left = members::leave(&ws.app, &cast.member).await.unwrap();
    assert!(!left.member.active);
    assert_denied(
        members::list(&ws.app, &cast.member, false).await,
        "no longer a member",
    );
}
db_test!(rule_3_nobody_changes_own_role, rule_three_self);

/// Rule 4: promotions need a free seat; the refusal says used of total; demotion frees one.
async fn rule_four_seats(h: &Harness) {
    let ws = h.workspace().await;
    // Owner + 4 seat holders = 5 of 5.
    let admin = ws.add(Admin, "A").await;
    for name in ["B", "C", "D"] {
        ws.add(Member, name).await;
    }
    let viewer = ws.add(Viewer, "V").await;
    let guest = ws.add(Guest, "G").await;
    let before = snapshot(&ws.app, ws.guild).await;
    let refused = members::change_role(&ws.app, &admin, viewer.user, Member).await;
    assert_denied(refused, "5 of 5 seats are in use");
    assert_denied(
        members::change_role(&ws.app, &admin, guest.user, Manager).await,
        "5 of 5 seats",
    );
    assert_eq!(snapshot(&ws.app, ws.guild).await, before);
    // Seats are checked on accept too, not only when the invitation is sent.
    let newcomer = ws.stranger("N");
    let inv = invitations::invite_user(&ws.app, &admin, newcomer.user, "N", Member)
        .await
        .unwrap();
    assert_denied(
        invitations::accept(&ws.app, &newcomer, inv.id).await,
        "5 of 5 seats",
    );
    // Making someone a Viewer frees a seat; then the promotion and the accept fit in turn.
    let info = workspace::info(&ws.app, &admin).await.unwrap();
    assert_eq!((info.seats_used, info.seat_limit), (5, 5));
    let members_now = members::list(&ws.app, &admin, false).await.unwrap();
    let b = members_now.iter().find(|m| m.display_name == "B").unwrap();
    members::change_role(&ws.app, &admin, b.user_id, Viewer)
        .await
        .unwrap();
    members::change_role(&ws.app, &admin, viewer.user, Member)
        .await
        .unwrap();
    assert_denied(
        invitations::accept(&ws.app, &newcomer, inv.id).await,
        "5 of 5 seats",
    );
    // Only the Owner raises the limit; it can't go below the seats in use.
    assert_denied(
        workspace::set_setting(&ws.app, &admin, "seat_limit", "6").await,
        "Only the Owner",
    );
    match workspace::set_setting(&ws.app, &ws.owner, "seat_limit", "4").await {
        Err(AppError::Conflict(msg)) => assert!(msg.contains("5 seats are in use"), "{msg}"),
        other => panic!("lowering below use: {other:?}"),
    }
    ws.seats(6).await;
    invitations::accept(&ws.app, &newcomer, inv.id)
        .await
        .unwrap();
}
db_test!(rule_4_seats_on_promotion_and_accept, rule_four_seats);

/// Guests take no seat but are bounded by guest_limit, also on accept.
async fn guest_limit(h: &Harness) {
    let ws = h.workspace().await;
    ws.set("guest_limit", "1").await;
    ws.add(Guest, "G1").await;
    let second = ws.stranger("G2");
    let inv = invitations::invite_user(&ws.app, &ws.owner, second.user, "G2", Guest)
        .await
        .unwrap();
    assert_denied(
        invitations::accept(&ws.app, &second, inv.id).await,
        "1 of 1 guests",
    );
    let member = ws.add(Member, "M").await;
    assert_denied(
        members::change_role(&ws.app, &ws.owner, member.user, Guest).await,
        "guest limit",
    );
}
db_test!(guest_limit_is_enforced, guest_limit);

/// Rule 5: removal keeps the record; a removed member can come back and is the same member.
async fn rule_five_history(h: &Harness) {
    let ws = h.workspace().await;
    let mia = ws.add(Member, "Mia").await;
    let listed = members::list(&ws.app, &ws.owner, false).await.unwrap();
    let original = listed
        .iter()
        .find(|m| m.user_id == mia.user)
        .unwrap()
        .clone();
    members::remove(&ws.app, &ws.owner, mia.user).await.unwrap();
    let all = members::list(&ws.app, &ws.owner, true).await.unwrap();
    let kept = all
        .iter()
        .find(|m| m.user_id == mia.user)
        .expect("kept as inactive");
    assert!(!kept.active && kept.left_at.is_some());
    assert!(!members::list(&ws.app, &ws.owner, false)
        .await
        .unwrap()
        .iter()
        .any(|m| m.user_id == mia.user));
    let inv = invitations::invite_user(&ws.app, &ws.owner, mia.user, "Mia", Viewer)
        .await
        .unwrap();
    let joined = invitations::accept(&ws.app, &mia, inv.id).await.unwrap();
    assert!(joined.returned);
    assert_eq!(
        joined.member.id, original.id,
        "same member row, so the same history"
    );
    assert_eq!(joined.member.role, Viewer);
}
db_test!(rule_5_removal_keeps_history, rule_five_history);

/// Rule 6: every change is in the audit log with who did it and when.
async fn rule_six_audit(h: &Harness) {
    let ws = h.workspace().await;
    let cast = ws.cast().await;
    members::change_role(&ws.app, &cast.admin, cast.member.user, Viewer)
        .await
        .unwrap();
    members::remove(&ws.app, &cast.owner, cast.guest.user)
        .await
        .unwrap();
    role_links::link(&ws.app, &cast.admin, Member, DiscordRoleId(99))
        .await
        .unwrap();
    members::set_team_manager(
        &ws.app,
        &cast.owner,
        cast.manager.user,
        cast.admin.user,
        true,
    )
    .await
    .unwrap();
    workspace::transfer_ownership(&ws.app, &cast.owner, cast.admin.user)
        .await
        .unwrap();
    let log = workspace::audit_log(&ws.app, &cast.admin, None)
        .await
        .unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    for expected in [
        "workspace.transfer_ownership",
        "team_manager.assign",
        "role_link.set",
        "member.remove",
        "member.role_change",
        "settings.change",
        "invitation.accept",
        "invitation.create",
        "workspace.create",
    ] {
        assert!(
            actions.contains(&expected),
            "{expected} missing from {actions:?}"
        );
    }
    let role_change = log
        .iter()
        .find(|e| e.action == "member.role_change")
        .unwrap();
    assert_eq!(role_change.actor_user, Some(cast.admin.user));
    assert_eq!(role_change.actor_name, "Ada Admin");
    assert_eq!(role_change.before.as_deref(), Some(r#"{"role":"member"}"#));
    assert_eq!(role_change.after.as_deref(), Some(r#"{"role":"viewer"}"#));
    assert_eq!(role_change.at, crewclock::app::Clock::now(h.clock.as_ref()));
    // Pages go backwards without repeats.
    let older = workspace::audit_log(&ws.app, &cast.admin, log.last().map(|e| e.id))
        .await
        .unwrap();
    assert!(older.iter().all(|e| e.id < log.last().unwrap().id));
}
db_test!(rule_6_audit_log, rule_six_audit);

/// Guests see no people and no settings.
async fn guests_see_nobody(h: &Harness) {
    let ws = h.workspace().await;
    let cast = ws.cast().await;
    assert_denied(
        members::list(&ws.app, &cast.guest, true).await,
        "Guests can't see the member list",
    );
    assert_denied(
        members::info(&ws.app, &cast.guest, cast.member.user).await,
        "Guests",
    );
    // Their own entry is theirs to see.
    members::info(&ws.app, &cast.guest, cast.guest.user)
        .await
        .unwrap();
    // Everyone else sees the guests in the list.
    let listed = members::list(&ws.app, &cast.viewer, false).await.unwrap();
    assert!(listed.iter().any(|m| m.role == Guest));
}
db_test!(guests_see_no_people, guests_see_nobody);

/// Team managers: only Managers and Admins, not of themselves, not of Viewers/Guests.
async fn team_managers(h: &Harness) {
    let ws = h.workspace().await;
    let cast = ws.cast().await;
    let app = &ws.app;
    assert_denied(
        members::set_team_manager(app, &cast.admin, cast.member.user, cast.viewer.user, true).await,
        "must be a Manager or an Admin",
    );
    assert_denied(
        members::set_team_manager(app, &cast.admin, cast.manager.user, cast.manager.user, true)
            .await,
        "own team manager",
    );
    assert_denied(
        members::set_team_manager(app, &cast.admin, cast.manager.user, cast.guest.user, true).await,
        "don't track time",
    );
    let done =
        members::set_team_manager(app, &cast.admin, cast.manager.user, cast.member.user, true)
            .await
            .unwrap();
    assert!(done.changed);
    let again =
        members::set_team_manager(app, &cast.admin, cast.manager.user, cast.member.user, true)
            .await
            .unwrap();
    assert!(!again.changed, "assigning twice changes nothing");
    let info = members::info(app, &cast.member, cast.member.user)
        .await
        .unwrap();
    assert_eq!(info.team_managers.len(), 1);
    assert_eq!(info.team_managers[0].display_name, "Max Manager");
    // Demoting the manager ends their team-manager duties.
    members::change_role(app, &cast.admin, cast.manager.user, Member)
        .await
        .unwrap();
    let info = members::info(app, &cast.member, cast.member.user)
        .await
        .unwrap();
    assert!(info.team_managers.is_empty());
    assert_denied(
        members::set_team_manager(app, &cast.manager, cast.admin.user, cast.member.user, false)
            .await,
        "Only the Owner or an Admin",
    );
}
db_test!(team_manager_assignment, team_managers);

/// Discord role links: Owner/Admin only, never the Owner role, one workspace role per Discord role.
async fn discord_role_links(h: &Harness) {
    let ws = h.workspace().await;
    let cast = ws.cast().await;
    let app = &ws.app;
    assert_denied(
        role_links::link(app, &cast.admin, Owner, DiscordRoleId(1)).await,
        "Owner role can't be linked",
    );
    role_links::link(app, &cast.admin, Member, DiscordRoleId(10))
        .await
        .unwrap();
    match role_links::link(app, &cast.admin, Viewer, DiscordRoleId(10)).await {
        Err(AppError::Conflict(msg)) => assert!(msg.contains("Member"), "{msg}"),
        other => panic!("{other:?}"),
    }
    // A role change reports the Discord roles to move.
    role_links::link(app, &cast.admin, Viewer, DiscordRoleId(20))
        .await
        .unwrap();
    let changed = members::change_role(app, &cast.admin, cast.member.user, Viewer)
        .await
        .unwrap();
    assert_eq!(changed.discord.add, vec![DiscordRoleId(20)]);
    assert_eq!(changed.discord.remove, vec![DiscordRoleId(10)]);
    let links = role_links::list(app, &cast.viewer).await.unwrap();
    assert_eq!(
        links,
        vec![(Member, DiscordRoleId(10)), (Viewer, DiscordRoleId(20))]
    );
    // A transfer reports the Discord roles to move for both people.
    role_links::link(app, &cast.owner, Admin, DiscordRoleId(30))
        .await
        .unwrap();
    let moved = workspace::transfer_ownership(app, &cast.owner, cast.member.user)
        .await
        .unwrap();
    assert_eq!(moved.old_owner_discord.add, vec![DiscordRoleId(30)]);
    assert_eq!(
        moved.new_owner_discord.remove,
        vec![DiscordRoleId(20)],
        "the new Owner was a Viewer"
    );
    let owner = cast.member.clone();
    role_links::unlink(app, &owner, Member).await.unwrap();
    match role_links::unlink(app, &cast.owner, Member).await {
        Err(AppError::NotFound(msg)) => assert!(msg.contains("not linked"), "{msg}"),
        other => panic!("{other:?}"),
    }
}
db_test!(discord_role_links_rules, discord_role_links);

/// Workspace creation needs Manage Server, one per server; settings changes are validated.
async fn workspace_lifecycle(h: &Harness) {
    let ws = h.workspace().await;
    let mut again = ws.stranger("Sam");
    assert_denied(
        workspace::create(&ws.app, &again, "Other").await,
        "Manage Server",
    );
    again.manages_guild = true;
    match workspace::create(&ws.app, &again, "Other").await {
        Err(AppError::Conflict(msg)) => assert!(msg.contains("already has"), "{msg}"),
        other => panic!("{other:?}"),
    }
    match workspace::set_setting(&ws.app, &ws.owner, "seat_limit", "-1").await {
        Err(AppError::Invalid(msg)) => assert!(msg.contains("a number from 1 to 100000"), "{msg}"),
        other => panic!("{other:?}"),
    }
    match workspace::set_setting(&ws.app, &ws.owner, "colour", "blue").await {
        Err(AppError::Invalid(msg)) => assert!(msg.contains("not a setting"), "{msg}"),
        other => panic!("{other:?}"),
    }
    let stranger = ws.stranger("Stan");
    assert_denied(workspace::info(&ws.app, &stranger).await, "not a member");
    let deleted = workspace::delete(&ws.app, &ws.owner).await.unwrap();
    assert_eq!(deleted.guild_id, ws.guild);
    match workspace::info(&ws.app, &ws.owner).await {
        Err(AppError::NotFound(msg)) => assert!(msg.contains("/workspace create"), "{msg}"),
        other => panic!("{other:?}"),
    }
    // The server can start over.
    let mut owner = ws.owner.clone();
    owner.manages_guild = true;
    workspace::create(&ws.app, &owner, "Fresh start")
        .await
        .unwrap();
}
db_test!(workspace_create_settings_delete, workspace_lifecycle);
