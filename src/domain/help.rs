//! Which commands a person may use, for `/help`. The rules here restate `policy` per
//! command; `commands/` checks that every registered command appears in this catalogue.

use super::settings::{InviteAccess, Settings};
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
    /// Anyone in the workspace but Guests.
    NonGuests,
    /// Everyone in the workspace except the Owner.
    AllButOwner,
    Managers,
    Admins,
    Owner,
    /// Manager and up, plus Members when who_can_invite is anyone.
    Inviters,
}

impl CommandHelp {
    pub fn allowed(&self, role: Option<Role>, settings: &Settings) -> bool {
        match (self.who, role) {
            (Who::Everyone, _) => true,
            (Who::Outsiders, role) => role.is_none(),
            (_, None) => false,
            (Who::NonGuests, Some(role)) => role != Role::Guest,
            (Who::AllButOwner, Some(role)) => role != Role::Owner,
            (Who::Managers, Some(role)) => role.is_manager_or_above(),
            (Who::Admins, Some(role)) => role.is_admin(),
            (Who::Owner, Some(role)) => role == Role::Owner,
            (Who::Inviters, Some(role)) => {
                role.is_manager_or_above()
                    || (role == Role::Member && settings.who_can_invite == InviteAccess::Anyone)
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
        assert_eq!(paths(Some(Role::Guest), &s), vec!["help", "member leave"]);
        assert_eq!(paths(None, &s), vec!["help", "join", "workspace create"]);
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
