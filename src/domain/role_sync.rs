//! Keeping workspace roles in step with linked Discord roles.
//!
//! Only Member, Viewer and Guest follow Discord: Owner, Admin and Manager are never granted
//! or taken away from Discord (a linked Admin or Manager Discord role is only set by the bot).
//! Gaining a linked role makes someone that role (joining the workspace if they were not in
//! it); losing the linked role of their current role moves them to the highest linked role
//! they still have, or removes them from the workspace (history kept) when none is left.

use super::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncDecision {
    Keep,
    /// Join (or come back) with this role.
    Join(Role),
    SetRole(Role),
    Deactivate,
}

/// Roles that Discord may grant or take away.
pub fn follows_discord(role: Role) -> bool {
    matches!(role, Role::Member | Role::Viewer | Role::Guest)
}

/// `current`: the person's active role, if any. `has`: workspace roles whose linked Discord
/// role they have now. `gained`/`lost`: linked roles that changed in this update (when the
/// previous state is unknown, pass `has` as gained and nothing as lost).
pub fn decide(current: Option<Role>, has: &[Role], gained: &[Role], lost: &[Role]) -> SyncDecision {
    if current.is_some_and(|role| !follows_discord(role)) {
        return SyncDecision::Keep;
    }
    let highest = has.iter().copied().filter(|r| follows_discord(*r)).max();
    let gained_any = gained.iter().any(|r| follows_discord(*r));
    match (current, highest) {
        (None, Some(role)) if gained_any => SyncDecision::Join(role),
        (None, _) => SyncDecision::Keep,
        (Some(now), Some(role)) if gained_any && role != now => SyncDecision::SetRole(role),
        (Some(now), _) if lost.contains(&now) => match highest {
            Some(role) if role != now => SyncDecision::SetRole(role),
            Some(_) => SyncDecision::Keep,
            None => SyncDecision::Deactivate,
        },
        _ => SyncDecision::Keep,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Role::*;
    use SyncDecision::*;

    /// (current, has, gained, lost, expected)
    type Case = (
        Option<Role>,
        &'static [Role],
        &'static [Role],
        &'static [Role],
        SyncDecision,
    );

    #[test]
    fn decisions() {
        let cases: &[Case] = &[
            (None, &[Member], &[Member], &[], Join(Member)),
            (None, &[Viewer, Member], &[Viewer], &[], Join(Member)),
            (None, &[Admin], &[Admin], &[], Keep),
            (None, &[], &[], &[Member], Keep),
            (
                Some(Viewer),
                &[Viewer, Member],
                &[Member],
                &[],
                SetRole(Member),
            ),
            (Some(Member), &[Member, Viewer], &[Viewer], &[], Keep),
            (Some(Member), &[Viewer], &[], &[Member], SetRole(Viewer)),
            (Some(Member), &[], &[], &[Member], Deactivate),
            (Some(Member), &[Member], &[], &[Viewer], Keep),
            (Some(Viewer), &[], &[], &[Member], Keep),
            (Some(Admin), &[], &[], &[Admin], Keep),
            (Some(Manager), &[Member], &[Member], &[], Keep),
            (Some(Owner), &[Guest], &[Guest], &[], Keep),
            (Some(Guest), &[Admin], &[Admin], &[], Keep),
        ];
        for (current, has, gained, lost, expected) in cases {
            assert_eq!(
                decide(*current, has, gained, lost),
                *expected,
                "{current:?} has {has:?} +{gained:?} -{lost:?}"
            );
        }
    }
}
