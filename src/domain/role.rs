//! Workspace roles, highest first.

use std::fmt;
use std::str::FromStr;

use super::Invalid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Guest,
    Viewer,
    Member,
    Manager,
    Admin,
    Owner,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Owner,
        Role::Admin,
        Role::Manager,
        Role::Member,
        Role::Viewer,
        Role::Guest,
    ];

    /// Owner, Admin, Manager and Member hold a paid seat; Viewer and Guest do not.
    pub fn takes_seat(self) -> bool {
        self >= Role::Member
    }

    pub fn can_track_time(self) -> bool {
        self >= Role::Member
    }

    /// Owner and Admin: the "admins" of the settings table.
    pub fn is_admin(self) -> bool {
        self >= Role::Admin
    }

    /// Manager and up.
    pub fn is_manager_or_above(self) -> bool {
        self >= Role::Manager
    }

    /// The stable name used in the database, commands and the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Member => "member",
            Role::Viewer => "viewer",
            Role::Guest => "guest",
        }
    }

    /// The name shown to people.
    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Admin => "Admin",
            Role::Manager => "Manager",
            Role::Member => "Member",
            Role::Viewer => "Viewer",
            Role::Guest => "Guest",
        }
    }

    /// "an Admin", "a Manager": for sentences.
    pub fn with_article(self) -> String {
        let article = match self {
            Role::Owner | Role::Admin => "an",
            _ => "a",
        };
        format!("{article} {}", self.label())
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl FromStr for Role {
    type Err = Invalid;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        Role::ALL
            .into_iter()
            .find(|role| role.as_str() == wanted)
            .ok_or_else(|| {
                Invalid::new(format!(
                    "'{}' is not a role. Use one of: owner, admin, manager, member, viewer, guest.",
                    crate::domain::policy::clip(s, 40)
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seats_and_tracking_follow_the_roles_table() {
        let table = [
            (Role::Owner, true, true),
            (Role::Admin, true, true),
            (Role::Manager, true, true),
            (Role::Member, true, true),
            (Role::Viewer, false, false),
            (Role::Guest, false, false),
        ];
        for (role, seat, track) in table {
            assert_eq!(role.takes_seat(), seat, "{role} seat");
            assert_eq!(role.can_track_time(), track, "{role} tracking");
        }
    }

    #[test]
    fn parses_names_case_insensitively_and_rejects_others() {
        assert_eq!("Admin".parse::<Role>(), Ok(Role::Admin));
        assert_eq!(" guest ".parse::<Role>(), Ok(Role::Guest));
        let err = "boss".parse::<Role>().unwrap_err();
        assert!(err.0.contains("'boss' is not a role"), "{}", err.0);
    }
}
