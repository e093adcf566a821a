//! Who may do what with the workspace and its people (`permissions.md`, "Workspace and
//! people", "Invitations" and the six role rules). Pure functions: each takes the facts it
//! needs and answers `Ok(())` or a [`Denied`] naming the rule that refused.

use super::settings::{InviteAccess, SettingKey, Settings};
use super::{Denied, Role};

/// The facts about one person that the rules look at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Person {
    pub member_id: i64,
    pub role: Role,
}

/// Shortens user-provided text for use inside a message.
pub fn clip(text: &str, max_chars: usize) -> String {
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(max_chars).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}

fn deny<T>(message: impl Into<String>) -> Result<T, Denied> {
    Err(Denied::new(message))
}

pub fn view_settings(actor: Role) -> Result<(), Denied> {
    if actor == Role::Guest {
        return deny("Guests can't see the workspace settings.");
    }
    Ok(())
}

pub fn change_setting(actor: Role, key: SettingKey) -> Result<(), Denied> {
    if key.is_billing() {
        if actor != Role::Owner {
            return deny(format!(
                "Only the Owner can change {} (billing).",
                key.name()
            ));
        }
    } else if !actor.is_admin() {
        return deny("Only the Owner or an Admin can change workspace settings.");
    }
    Ok(())
}

pub fn delete_workspace(actor: Role) -> Result<(), Denied> {
    if actor != Role::Owner {
        return deny("Only the Owner can delete the workspace.");
    }
    Ok(())
}

pub fn transfer_ownership(actor: Person, target: Person) -> Result<(), Denied> {
    if actor.role != Role::Owner {
        return deny("Only the Owner can transfer ownership.");
    }
    if actor.member_id == target.member_id {
        return deny("You already own this workspace.");
    }
    if target.role == Role::Guest {
        return deny("Ownership can't go to a Guest. Make them a Member first.");
    }
    Ok(())
}

pub fn see_member_list(actor: Role) -> Result<(), Denied> {
    if actor == Role::Guest {
        return deny("Guests can't see the member list.");
    }
    Ok(())
}

pub fn see_audit_log(actor: Role) -> Result<(), Denied> {
    if !actor.is_admin() {
        return deny("Only the Owner or an Admin can read the audit log.");
    }
    Ok(())
}

pub fn invite(actor: Role, invited_as: Role, settings: &Settings) -> Result<(), Denied> {
    match invited_as {
        Role::Owner => {
            deny("Nobody can be invited as Owner; ownership is passed on with /workspace transfer-owner.")
        }
        Role::Admin | Role::Manager if !actor.is_admin() => deny(format!(
            "Only the Owner or an Admin can invite someone as {}.",
            invited_as.with_article()
        )),
        Role::Admin | Role::Manager => Ok(()),
        Role::Member | Role::Viewer | Role::Guest => match actor {
            Role::Owner | Role::Admin | Role::Manager => Ok(()),
            Role::Member if settings.who_can_invite == InviteAccess::Managers => deny(
                "Members can't invite people in this workspace (setting who_can_invite is managers).",
            ),
            Role::Member if invited_as == Role::Guest => {
                deny("Members may invite only Members and Viewers; ask a Manager to invite a Guest.")
            }
            Role::Member => Ok(()),
            Role::Viewer | Role::Guest => deny(format!(
                "{}s can't invite people.",
                actor.label()
            )),
        },
    }
}

/// Revoking or resending a pending invitation.
pub fn manage_invitation(actor: Person, invited_by: i64, invited_as: Role) -> Result<(), Denied> {
    let own = actor.member_id == invited_by;
    match actor.role {
        Role::Owner | Role::Admin => Ok(()),
        Role::Manager if own || invited_as < Role::Manager => Ok(()),
        Role::Manager => deny(format!(
            "Managers can manage only their own invitations and those for Members, Viewers and Guests; this one is for {}.",
            invited_as.with_article()
        )),
        Role::Member if own => Ok(()),
        Role::Member => deny("Members can manage only the invitations they sent."),
        Role::Viewer | Role::Guest => deny(format!(
            "{}s can't manage invitations.",
            actor.role.label()
        )),
    }
}

pub fn change_role(actor: Person, target: Person, new_role: Role) -> Result<(), Denied> {
    // Rule 3: nobody changes their own role.
    if actor.member_id == target.member_id {
        return deny("You can't change your own role.");
    }
    if !actor.role.is_manager_or_above() {
        return deny("Only the Owner, Admins and Managers can change roles.");
    }
    // Rule 1: the Owner role moves only by transfer, and the Owner is never demoted.
    if new_role == Role::Owner {
        return deny("The Owner role is only passed on with /workspace transfer-owner.");
    }
    if target.role == Role::Owner {
        return deny(
            "The Owner's role can't be changed; the Owner can transfer ownership instead.",
        );
    }
    match actor.role {
        Role::Owner => Ok(()),
        Role::Admin => {
            // Rule 2: only the Owner takes the Admin role away.
            if target.role == Role::Admin {
                deny("Only the Owner can take the Admin role away from someone.")
            } else {
                Ok(())
            }
        }
        Role::Manager => {
            let plain = |role: Role| role <= Role::Member;
            if !plain(target.role) {
                deny(format!(
                    "Managers can change the roles of Members, Viewers and Guests only; this person is {}.",
                    target.role.with_article()
                ))
            } else if !plain(new_role) {
                deny(format!(
                    "Managers can give only the Member, Viewer or Guest role, not {}.",
                    new_role.label()
                ))
            } else {
                Ok(())
            }
        }
        Role::Member | Role::Viewer | Role::Guest => unreachable_role(),
    }
}

pub fn remove_member(actor: Person, target: Person) -> Result<(), Denied> {
    if actor.member_id == target.member_id {
        return deny("You can't remove yourself. To leave the workspace use /member leave.");
    }
    if target.role == Role::Owner {
        return deny("The Owner can't be removed; the Owner can transfer ownership first.");
    }
    match actor.role {
        Role::Owner => Ok(()),
        Role::Admin if target.role == Role::Admin => deny("Only the Owner can remove an Admin."),
        Role::Admin => Ok(()),
        Role::Manager if target.role <= Role::Member => Ok(()),
        Role::Manager => deny(format!(
            "Managers can remove Members, Viewers and Guests only; this person is {}.",
            target.role.with_article()
        )),
        Role::Member | Role::Viewer | Role::Guest => {
            deny("Only the Owner, Admins and Managers can remove members.")
        }
    }
}

/// Leaving is its own action; the Owner must transfer ownership first (rule 3).
pub fn leave(actor: Role) -> Result<(), Denied> {
    if actor == Role::Owner {
        return deny("The Owner can't leave the workspace. Transfer ownership first with /workspace transfer-owner.");
    }
    Ok(())
}

/// Assigning or unassigning team managers at all.
pub fn manage_team_managers(actor: Role) -> Result<(), Denied> {
    if !actor.is_admin() {
        return deny("Only the Owner or an Admin can assign team managers.");
    }
    Ok(())
}

pub fn assign_team_manager(actor: Role, manager: Person, member: Person) -> Result<(), Denied> {
    manage_team_managers(actor)?;
    if !matches!(manager.role, Role::Manager | Role::Admin) {
        return deny(format!(
            "A team manager must be a Manager or an Admin; this person is {}.",
            manager.role.with_article()
        ));
    }
    if manager.member_id == member.member_id {
        return deny("Nobody can be their own team manager.");
    }
    if !member.role.can_track_time() {
        return deny(format!(
            "{}s don't track time, so they have no team manager.",
            member.role.label()
        ));
    }
    Ok(())
}

pub fn link_discord_role(actor: Role, role: Role) -> Result<(), Denied> {
    if !actor.is_admin() {
        return deny("Only the Owner or an Admin can link Discord roles.");
    }
    if role == Role::Owner {
        return deny(
            "The Owner role can't be linked to a Discord role; there is always exactly one Owner.",
        );
    }
    Ok(())
}

/// Rule 4: turning someone into a seat-holding role needs a free seat.
pub fn seat_available(
    from: Option<Role>,
    to: Role,
    seats_used: u32,
    seat_limit: u32,
) -> Result<(), Denied> {
    let needs_seat = to.takes_seat() && !from.is_some_and(Role::takes_seat);
    if needs_seat && seats_used >= seat_limit {
        return deny(format!(
            "No free seat: {seats_used} of {seat_limit} seats are in use. The Owner can raise seat_limit, or a seat is freed by making someone a Viewer or Guest."
        ));
    }
    Ok(())
}

/// Guests take no seat but are limited by guest_limit.
pub fn guest_slot_available(
    from: Option<Role>,
    to: Role,
    guests: u32,
    guest_limit: u32,
) -> Result<(), Denied> {
    if to == Role::Guest && from != Some(Role::Guest) && guests >= guest_limit {
        return deny(format!(
            "The guest limit is reached: {guests} of {guest_limit} guests. The Owner can raise guest_limit."
        ));
    }
    Ok(())
}

fn unreachable_role() -> Result<(), Denied> {
    // Callers below Manager are refused before the match; keep a clear answer anyway.
    deny("Only the Owner, Admins and Managers can change roles.")
}

#[cfg(test)]
mod tests {
    use super::*;
    use Role::*;

    fn p(id: i64, role: Role) -> Person {
        Person {
            member_id: id,
            role,
        }
    }

    #[test]
    fn role_change_matrix() {
        // (actor, target, new role, allowed)
        let cases = [
            (Owner, Admin, Member, true),
            (Owner, Member, Admin, true),
            (Owner, Guest, Manager, true),
            (Owner, Member, Owner, false),
            (Admin, Manager, Admin, true),
            (Admin, Member, Manager, true),
            (Admin, Viewer, Guest, true),
            (Admin, Admin, Member, false),
            (Admin, Owner, Admin, false),
            (Admin, Member, Owner, false),
            (Manager, Member, Viewer, true),
            (Manager, Guest, Member, true),
            (Manager, Viewer, Guest, true),
            (Manager, Member, Manager, false),
            (Manager, Manager, Member, false),
            (Manager, Admin, Member, false),
            (Member, Viewer, Member, false),
            (Viewer, Guest, Viewer, false),
            (Guest, Viewer, Guest, false),
        ];
        for (actor, target, to, allowed) in cases {
            let got = change_role(p(1, actor), p(2, target), to);
            assert_eq!(
                got.is_ok(),
                allowed,
                "{actor} sets {target} to {to}: {got:?}"
            );
        }
        for role in Role::ALL {
            assert!(
                change_role(p(1, role), p(1, role), Member).is_err(),
                "{role} on self"
            );
        }
    }

    #[test]
    fn removal_matrix() {
        let cases = [
            (Owner, Admin, true),
            (Owner, Guest, true),
            (Admin, Admin, false),
            (Admin, Manager, true),
            (Admin, Owner, false),
            (Manager, Member, true),
            (Manager, Viewer, true),
            (Manager, Manager, false),
            (Member, Viewer, false),
            (Viewer, Guest, false),
            (Guest, Guest, false),
        ];
        for (actor, target, allowed) in cases {
            let got = remove_member(p(1, actor), p(2, target));
            assert_eq!(got.is_ok(), allowed, "{actor} removes {target}: {got:?}");
        }
        assert_eq!(
            remove_member(p(1, Admin), p(2, Admin)).unwrap_err().0,
            "Only the Owner can remove an Admin."
        );
    }

    #[test]
    fn seat_refusal_says_used_of_total() {
        let err = seat_available(Some(Viewer), Member, 5, 5).unwrap_err();
        assert!(err.0.contains("5 of 5 seats"), "{}", err.0);
        assert!(seat_available(Some(Member), Admin, 5, 5).is_ok());
        assert!(seat_available(Some(Member), Viewer, 9, 5).is_ok());
        assert!(seat_available(None, Guest, 5, 5).is_ok());
        assert!(seat_available(None, Member, 4, 5).is_ok());
    }

    #[test]
    fn clip_marks_cut_text() {
        assert_eq!(clip("abcdef", 3), "abc…");
        assert_eq!(clip("abc", 3), "abc");
    }
}
