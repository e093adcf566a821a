//! Which commands a person may use, for `/help`. The rules here restate `policy` per
//! command; `commands/` checks that every registered command appears in this catalogue.

use super::settings::{AdminsOrAnyone, CreateAccess, InviteAccess, Settings};
use super::Role;

pub struct CommandHelp {
    /// The command as typed, without the slash: "member role".
    pub path: &'static str,
    pub summary: &'static str,
    who: Who,
}

#[derive(Clone, Copy)]
enum Who {
    Everyone,
    /// People not in the workspace (yet).
    Outsiders,
    /// Anyone in the workspace, Guests included (they see only what is shared with them).
    InWorkspace,
    /// Anyone in the workspace but Guests.
    NonGuests,
    /// Everyone in the workspace except the Owner.
    AllButOwner,
    Managers,
    Admins,
    Owner,
    /// Manager and up, plus Members when who_can_invite is anyone.
    Inviters,
    /// Roles that track time (Owner, Admin, Manager, Member): any of them may be a project
    /// manager, and project managers act on their own projects whatever the settings.
    Trackers,
    /// Those who may create projects and clients: Owner and Admin, plus Managers and Members
    /// as who_can_create_projects says.
    ProjectCreators,
    /// Those who may create tags: Owner and Admin, plus Managers and Members as
    /// who_can_create_tags says.
    TagCreators,
    /// Those who may set project rates: Owner and Admin, plus project managers (any role that
    /// tracks time) when who_can_see_rates is anyone.
    RateEditors,
    /// Those who may share projects with guests while the workspace allows sharing: the Owner
    /// and Admins (any project), project managers (their own; any role that tracks time).
    Sharers,
    /// Those who may approve timesheets: Owner and Admin (all), Managers (as team managers of
    /// their members; Admins may be team managers too).
    Approvers,
}

/// Whether a who_can_create_* setting lets `role` create.
fn creates(role: Role, access: CreateAccess) -> bool {
    match access {
        _ if role.is_admin() => true,
        _ if !role.can_track_time() => false,
        CreateAccess::Anyone => true,
        CreateAccess::Managers => role.is_manager_or_above(),
        CreateAccess::Admins => false,
    }
}

impl CommandHelp {
    pub fn allowed(&self, role: Option<Role>, settings: &Settings) -> bool {
        match (self.who, role) {
            (Who::Everyone, _) => true,
            (Who::Outsiders, role) => role.is_none(),
            (_, None) => false,
            (Who::InWorkspace, Some(_)) => true,
            (Who::NonGuests, Some(role)) => role != Role::Guest,
            (Who::AllButOwner, Some(role)) => role != Role::Owner,
            (Who::Managers, Some(role)) => role.is_manager_or_above(),
            (Who::Admins, Some(role)) => role.is_admin(),
            (Who::Owner, Some(role)) => role == Role::Owner,
            (Who::Inviters, Some(role)) => {
                role.is_manager_or_above()
                    || (role == Role::Member && settings.who_can_invite == InviteAccess::Anyone)
            }
            (Who::Trackers, Some(role)) => role.can_track_time(),
            (Who::ProjectCreators, Some(role)) => creates(role, settings.who_can_create_projects),
            (Who::TagCreators, Some(role)) => creates(role, settings.who_can_create_tags),
            (Who::Approvers, Some(role)) => role.is_manager_or_above(),
            (Who::Sharers, Some(role)) => role.can_track_time() && settings.sharing_enabled,
            (Who::RateEditors, Some(role)) => {
                role.is_admin()
                    || (role.can_track_time()
                        && settings.who_can_see_rates == AdminsOrAnyone::Anyone)
            }
        }
    }
}

const fn cmd(path: &'static str, summary: &'static str, who: Who) -> CommandHelp {
    CommandHelp { path, summary, who }
}

pub const CATALOGUE: &[CommandHelp] = &[
    cmd("help", "Show the commands you can use", Who::Everyone),
    cmd(
        "join",
        "Accept your invitation to this server's workspace, or redeem an invite code",
        Who::Outsiders,
    ),
    cmd(
        "workspace create",
        "Create this server's workspace (needs Manage Server)",
        Who::Outsiders,
    ),
    cmd(
        "workspace info",
        "Workspace name, owner, seats and guests",
        Who::NonGuests,
    ),
    cmd(
        "workspace settings",
        "Show the workspace settings",
        Who::NonGuests,
    ),
    cmd("workspace set", "Change a workspace setting", Who::Admins),
    cmd(
        "workspace transfer-owner",
        "Hand the workspace to another member",
        Who::Owner,
    ),
    cmd(
        "workspace delete",
        "Delete the workspace and everything in it",
        Who::Owner,
    ),
    cmd(
        "workspace link-role",
        "Link a workspace role to a Discord role",
        Who::Admins,
    ),
    cmd(
        "workspace unlink-role",
        "Remove a workspace role's Discord role link",
        Who::Admins,
    ),
    cmd("workspace audit", "Read the audit log", Who::Admins),
    cmd(
        "workspace rate",
        "Set the workspace's default hourly rate",
        Who::Admins,
    ),
    cmd(
        "member list",
        "List the workspace's members",
        Who::NonGuests,
    ),
    cmd(
        "member info",
        "Show a member's role and team managers",
        Who::NonGuests,
    ),
    cmd("member role", "Change a member's role", Who::Managers),
    cmd(
        "member remove",
        "Remove a member (their history is kept)",
        Who::Managers,
    ),
    cmd(
        "member team-manager",
        "Assign or unassign a team manager",
        Who::Admins,
    ),
    cmd("member leave", "Leave the workspace", Who::AllButOwner),
    cmd("member rate", "Set a member's hourly rate", Who::Admins),
    cmd(
        "invite user",
        "Invite someone by Discord user",
        Who::Inviters,
    ),
    cmd("invite code", "Create an invite code", Who::Inviters),
    cmd("invite list", "List open invitations", Who::Inviters),
    cmd("invite revoke", "Revoke an open invitation", Who::Inviters),
    cmd(
        "invite resend",
        "Send an invitation again with a fresh expiry",
        Who::Inviters,
    ),
    cmd(
        "project create",
        "Create a project (private unless made public); you become its project manager",
        Who::ProjectCreators,
    ),
    cmd(
        "project edit",
        "Change a project's name, client, color or billable default (its managers)",
        Who::Trackers,
    ),
    cmd(
        "project info",
        "A project's client, stage, due date, budget, people and tasks",
        Who::NonGuests,
    ),
    cmd(
        "project list",
        "List the projects you can see",
        Who::NonGuests,
    ),
    cmd(
        "project archive",
        "Archive a project: hidden from pickers, no new time (its managers)",
        Who::Trackers,
    ),
    cmd(
        "project unarchive",
        "Bring an archived project back (its managers)",
        Who::Trackers,
    ),
    cmd(
        "project delete",
        "Delete a project without tracked time (its managers)",
        Who::Trackers,
    ),
    cmd(
        "project members add",
        "Put someone on a project (its managers)",
        Who::Trackers,
    ),
    cmd(
        "project members remove",
        "Take someone off a project (its managers)",
        Who::Trackers,
    ),
    cmd(
        "project members rate",
        "Set someone's hourly rate on one project",
        Who::RateEditors,
    ),
    cmd(
        "project managers add",
        "Make someone a project manager (its managers)",
        Who::Trackers,
    ),
    cmd(
        "project managers remove",
        "Take the project-manager role away (its managers)",
        Who::Trackers,
    ),
    cmd(
        "project privacy",
        "Make a project public or private (its managers)",
        Who::Trackers,
    ),
    cmd(
        "project budget",
        "Set a project's budget in hours or money (its managers)",
        Who::Trackers,
    ),
    cmd(
        "project rate",
        "Set a project's hourly rate",
        Who::RateEditors,
    ),
    cmd(
        "project stage",
        "Put a project in one of the workspace's stages (its managers)",
        Who::Trackers,
    ),
    cmd(
        "project due",
        "Set or clear a project's due date (its managers)",
        Who::Trackers,
    ),
    cmd(
        "project link-channel",
        "Make a project the default of /timer start in a channel (its managers)",
        Who::Trackers,
    ),
    cmd(
        "project unlink-channel",
        "Remove a channel's default project (its managers)",
        Who::Trackers,
    ),
    cmd("client create", "Create a client", Who::ProjectCreators),
    cmd(
        "client list",
        "List the workspace's clients",
        Who::NonGuests,
    ),
    cmd("client rename", "Rename a client", Who::ProjectCreators),
    cmd(
        "client archive",
        "Archive a client (its projects keep it)",
        Who::ProjectCreators,
    ),
    cmd(
        "client unarchive",
        "Bring an archived client back",
        Who::ProjectCreators,
    ),
    cmd("task create", "Add a task to a project", Who::Trackers),
    cmd("task list", "List a project's tasks", Who::NonGuests),
    cmd("task rename", "Rename a task", Who::Trackers),
    cmd("task done", "Mark a task done", Who::Trackers),
    cmd("task reopen", "Reopen a task marked done", Who::Trackers),
    cmd("task archive", "Archive a task", Who::Trackers),
    cmd(
        "task unarchive",
        "Bring an archived task back",
        Who::Trackers,
    ),
    cmd("tag create", "Create a tag", Who::TagCreators),
    cmd("tag list", "List the workspace's tags", Who::NonGuests),
    cmd("tag rename", "Rename a tag", Who::TagCreators),
    cmd("tag archive", "Archive a tag", Who::TagCreators),
    cmd(
        "tag unarchive",
        "Bring an archived tag back",
        Who::TagCreators,
    ),
    cmd("stage create", "Add a project stage", Who::Admins),
    cmd(
        "stage list",
        "List the workspace's project stages",
        Who::NonGuests,
    ),
    cmd("stage rename", "Rename a project stage", Who::Admins),
    cmd(
        "stage recolor",
        "Change a project stage's color",
        Who::Admins,
    ),
    cmd(
        "stage delete",
        "Delete a project stage (its projects keep no stage)",
        Who::Admins,
    ),
    cmd(
        "time add",
        "Add time you worked (or, when allowed, someone else's)",
        Who::Trackers,
    ),
    cmd("time edit", "Change a time entry", Who::Trackers),
    cmd("time delete", "Delete a time entry", Who::Trackers),
    cmd(
        "time list",
        "A week's entries with day totals: yours, or someone's you may see",
        Who::NonGuests,
    ),
    cmd(
        "timesheet submit",
        "Submit your week for approval",
        Who::Trackers,
    ),
    cmd(
        "timesheet withdraw",
        "Take back a submitted week that isn't approved",
        Who::Trackers,
    ),
    cmd(
        "timesheet status",
        "Where a week stands: yours, or a member's you may see",
        Who::NonGuests,
    ),
    cmd(
        "timesheet pending",
        "Submitted weeks waiting for your decision",
        Who::Approvers,
    ),
    cmd(
        "timesheet approve",
        "Approve a member's week (its entries lock)",
        Who::Approvers,
    ),
    cmd(
        "timesheet reject",
        "Reject a member's week with a reason",
        Who::Approvers,
    ),
    cmd(
        "timesheet reopen",
        "Withdraw an approval (the week's entries unlock)",
        Who::Approvers,
    ),
    cmd(
        "timer start",
        "Start a timer (the channel's project or your last one by default)",
        Who::Trackers,
    ),
    cmd("timer stop", "Stop your running timer", Who::Trackers),
    cmd(
        "timer switch",
        "Stop your running timer and start another",
        Who::Trackers,
    ),
    cmd(
        "timer status",
        "Your running timer and your time today",
        Who::Trackers,
    ),
    cmd(
        "timer discard",
        "Throw your running timer away (no time kept)",
        Who::Trackers,
    ),
    cmd(
        "me status",
        "Your time zone and first day of the week",
        Who::InWorkspace,
    ),
    cmd("me timezone", "Set your time zone", Who::InWorkspace),
    cmd(
        "me link",
        "A web link to your own time this month",
        Who::Trackers,
    ),
    cmd(
        "me week-start",
        "Set the first day of your week",
        Who::InWorkspace,
    ),
    cmd(
        "me project-link",
        "A web link to a shared project's page: its shared status and the guest chat",
        Who::InWorkspace,
    ),
    cmd(
        "report summary",
        "Totals of the time you may see, grouped, with a chart, a CSV and a web link",
        Who::InWorkspace,
    ),
    cmd(
        "report detailed",
        "Every entry you may see, a page at a time",
        // Entries name people and notes: Guests get totals only.
        Who::NonGuests,
    ),
    // A week is one person's time; Guests track none and see no one's.
    cmd("report week", "This week's time by day", Who::NonGuests),
    cmd(
        "report project",
        "One project's time by task and person",
        Who::InWorkspace,
    ),
    cmd(
        "report links",
        "Your shared report links and when they expire",
        Who::InWorkspace,
    ),
    cmd(
        "report revoke",
        "Revoke a report link (yours; Admins and the Owner: any)",
        Who::InWorkspace,
    ),
    cmd(
        "share project",
        "Share a project with guests in a channel: access, a DM, a project card",
        Who::Sharers,
    ),
    cmd(
        "share team-channel",
        "Link a members-only channel as a shared project's team chat",
        Who::Sharers,
    ),
    cmd(
        "share list",
        "The shared projects you may see, with channel, fields and guests",
        Who::InWorkspace,
    ),
    cmd(
        "share update",
        "Post a shared project's card in its guest channel now",
        Who::Sharers,
    ),
    cmd(
        "share revoke",
        "Stop sharing a project, or take one guest off it",
        Who::Trackers,
    ),
];

/// The commands `role` may use (`None`: not in the workspace), in catalogue order.
pub fn available(role: Option<Role>, settings: &Settings) -> Vec<&'static CommandHelp> {
    CATALOGUE
        .iter()
        .filter(|c| c.allowed(role, settings))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(role: Option<Role>, settings: &Settings) -> Vec<&'static str> {
        available(role, settings)
            .into_iter()
            .map(|c| c.path)
            .collect()
    }

    #[test]
    fn guests_and_outsiders_see_little() {
        let s = Settings::default();
        // Guests may run reports: they show only projects shared with them, without money.
        assert_eq!(
            paths(Some(Role::Guest), &s),
            vec![
                "help",
                "member leave",
                "me status",
                "me timezone",
                "me week-start",
                "me project-link",
                "report summary",
                "report project",
                "report links",
                "report revoke",
                "share list"
            ]
        );
        assert_eq!(paths(None, &s), vec!["help", "join", "workspace create"]);
    }

    #[test]
    fn sharing_commands_follow_the_setting() {
        let mut s = Settings::default();
        assert!(paths(Some(Role::Member), &s).contains(&"share project"));
        assert!(!paths(Some(Role::Viewer), &s).contains(&"share project"));
        s.sharing_enabled = false;
        for role in Role::ALL {
            let p = paths(Some(role), &s);
            assert!(!p.contains(&"share project"), "{role}");
            assert!(p.contains(&"share list"), "{role}");
        }
    }

    #[test]
    fn members_see_invites_only_when_allowed() {
        let mut s = Settings::default();
        assert!(!paths(Some(Role::Member), &s).contains(&"invite user"));
        s.who_can_invite = InviteAccess::Anyone;
        assert!(paths(Some(Role::Member), &s).contains(&"invite user"));
        assert!(!paths(Some(Role::Viewer), &s).contains(&"invite user"));
    }

    #[test]
    fn creating_projects_and_clients_follows_the_setting() {
        let mut s = Settings::default();
        for (access, allowed) in [
            (CreateAccess::Anyone, [true, true, true, true, false, false]),
            (
                CreateAccess::Managers,
                [true, true, true, false, false, false],
            ),
            (
                CreateAccess::Admins,
                [true, true, false, false, false, false],
            ),
        ] {
            s.who_can_create_projects = access;
            for (role, allowed) in Role::ALL.into_iter().zip(allowed) {
                let p = paths(Some(role), &s);
                for path in ["project create", "client create", "client archive"] {
                    assert_eq!(p.contains(&path), allowed, "{path} {role} {access:?}");
                }
                // Tags follow their own setting, left at anyone.
                assert_eq!(
                    p.contains(&"tag create"),
                    role.can_track_time(),
                    "{role} {access:?}"
                );
            }
        }
    }

    #[test]
    fn creating_tags_follows_its_setting() {
        let mut s = Settings {
            who_can_create_tags: CreateAccess::Managers,
            ..Settings::default()
        };
        assert!(paths(Some(Role::Manager), &s).contains(&"tag create"));
        assert!(!paths(Some(Role::Member), &s).contains(&"tag rename"));
        s.who_can_create_tags = CreateAccess::Admins;
        assert!(!paths(Some(Role::Manager), &s).contains(&"tag create"));
        assert!(paths(Some(Role::Admin), &s).contains(&"tag create"));
        assert!(paths(Some(Role::Member), &s).contains(&"project create"));
    }

    #[test]
    fn rates_follow_who_can_see_rates() {
        let mut s = Settings::default();
        let rate = |role, s: &Settings| paths(Some(role), s).contains(&"project rate");
        assert!(rate(Role::Owner, &s) && rate(Role::Admin, &s));
        assert!(!rate(Role::Manager, &s) && !rate(Role::Member, &s));
        s.who_can_see_rates = AdminsOrAnyone::Anyone;
        assert!(rate(Role::Manager, &s) && rate(Role::Member, &s));
        assert!(!rate(Role::Viewer, &s) && !rate(Role::Guest, &s));
    }

    #[test]
    fn project_manager_commands_for_roles_that_track_time() {
        let s = Settings::default();
        for role in Role::ALL {
            let p = paths(Some(role), &s);
            for path in ["project edit", "project delete", "task done", "task create"] {
                assert_eq!(p.contains(&path), role.can_track_time(), "{path} {role}");
            }
            assert_eq!(p.contains(&"project list"), role != Role::Guest, "{role}");
            assert_eq!(p.contains(&"stage create"), role.is_admin(), "{role}");
            assert_eq!(p.contains(&"stage list"), role != Role::Guest, "{role}");
        }
        assert!(!paths(None, &s).contains(&"project list"));
    }

    #[test]
    fn time_and_timesheets_by_role() {
        let s = Settings::default();
        for role in Role::ALL {
            let p = paths(Some(role), &s);
            for path in ["time add", "time edit", "time delete", "timesheet submit"] {
                assert_eq!(p.contains(&path), role.can_track_time(), "{path} {role}");
            }
            for path in ["time list", "timesheet status"] {
                assert_eq!(p.contains(&path), role != Role::Guest, "{path} {role}");
            }
            for path in ["timesheet approve", "timesheet reject", "timesheet reopen"] {
                assert_eq!(
                    p.contains(&path),
                    role.is_manager_or_above(),
                    "{path} {role}"
                );
            }
            for path in ["workspace rate", "member rate"] {
                assert_eq!(p.contains(&path), role.is_admin(), "{path} {role}");
            }
        }
        assert!(!paths(None, &s).contains(&"time list"));
    }

    #[test]
    fn timers_for_roles_that_track_time_preferences_for_everyone_in() {
        let s = Settings::default();
        for role in Role::ALL {
            let p = paths(Some(role), &s);
            for path in [
                "timer start",
                "timer stop",
                "timer switch",
                "timer status",
                "timer discard",
                "project link-channel",
                "project unlink-channel",
            ] {
                assert_eq!(p.contains(&path), role.can_track_time(), "{path} {role}");
            }
            for path in ["me status", "me timezone", "me week-start"] {
                assert!(p.contains(&path), "{path} {role}");
            }
        }
        let outsider = paths(None, &s);
        assert!(!outsider.contains(&"timer start") && !outsider.contains(&"me timezone"));
    }

    #[test]
    fn member_rates_follow_who_can_see_rates() {
        let mut s = Settings::default();
        let rate = |role, s: &Settings| paths(Some(role), s).contains(&"project members rate");
        assert!(rate(Role::Owner, &s) && rate(Role::Admin, &s));
        assert!(!rate(Role::Manager, &s) && !rate(Role::Member, &s));
        s.who_can_see_rates = AdminsOrAnyone::Anyone;
        assert!(rate(Role::Manager, &s) && rate(Role::Member, &s));
        assert!(!rate(Role::Viewer, &s) && !rate(Role::Guest, &s));
    }

    #[test]
    fn reports_for_everyone_in_the_workspace_only() {
        let s = Settings::default();
        for role in Role::ALL {
            let p = paths(Some(role), &s);
            for path in [
                "report summary",
                "report project",
                "report links",
                "report revoke",
            ] {
                assert!(p.contains(&path), "{path} {role}");
            }
            // Entries and one person's week name people: not for Guests.
            for path in ["report detailed", "report week"] {
                assert_eq!(p.contains(&path), role != Role::Guest, "{path} {role}");
            }
        }
        assert!(!paths(None, &s).contains(&"report summary"));
    }

    #[test]
    fn only_the_owner_sees_owner_commands() {
        let s = Settings::default();
        for role in Role::ALL {
            let p = paths(Some(role), &s);
            assert_eq!(
                p.contains(&"workspace delete"),
                role == Role::Owner,
                "{role}"
            );
            assert_eq!(p.contains(&"member leave"), role != Role::Owner, "{role}");
        }
    }
}
