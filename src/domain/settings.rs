//! Workspace settings: their defaults, names, parsing and who may change them.

use std::fmt;

use super::{policy::clip, Invalid};

/// Who may create projects, tasks or tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateAccess {
    /// Member and up.
    Anyone,
    /// Manager and up, plus project managers on their own project.
    Managers,
    /// Owner and Admin.
    Admins,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteAccess {
    Anyone,
    Managers,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminsOrAnyone {
    Admins,
    Anyone,
}

/// What happens when a member's time entries overlap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverlapPolicy {
    /// The new or changed entry is refused, naming the entry it overlaps.
    Refuse,
    /// It is stored, and both entries are flagged as overlapping.
    Flag,
}

impl OverlapPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            OverlapPolicy::Refuse => "refuse",
            OverlapPolicy::Flag => "flag",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub who_can_create_projects: CreateAccess,
    pub who_can_create_tasks: CreateAccess,
    pub who_can_create_tags: CreateAccess,
    pub who_can_invite: InviteAccess,
    pub members_see_others_time: bool,
    pub who_can_see_rates: AdminsOrAnyone,
    pub who_can_change_billable: AdminsOrAnyone,
    pub team_managers_edit_time: bool,
    pub lock_entries_older_than_days: Option<u32>,
    pub seat_limit: u32,
    pub guest_limit: u32,
    pub invite_ttl_days: u32,
    pub overlap_policy: OverlapPolicy,
    /// A timer running longer than this gets one reminder.
    pub idle_reminder_hours: u32,
    /// Whether projects may be shared with guests; turning it off revokes every share.
    pub sharing_enabled: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            who_can_create_projects: CreateAccess::Anyone,
            who_can_create_tasks: CreateAccess::Anyone,
            who_can_create_tags: CreateAccess::Anyone,
            who_can_invite: InviteAccess::Managers,
            members_see_others_time: true,
            who_can_see_rates: AdminsOrAnyone::Admins,
            who_can_change_billable: AdminsOrAnyone::Anyone,
            team_managers_edit_time: false,
            lock_entries_older_than_days: None,
            seat_limit: 5,
            guest_limit: 50,
            invite_ttl_days: 14,
            overlap_policy: OverlapPolicy::Refuse,
            idle_reminder_hours: 10,
            sharing_enabled: true,
        }
    }
}

/// The name of one setting, as typed in `/workspace set`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SettingKey {
    WhoCanCreateProjects,
    WhoCanCreateTasks,
    WhoCanCreateTags,
    WhoCanInvite,
    MembersSeeOthersTime,
    WhoCanSeeRates,
    WhoCanChangeBillable,
    TeamManagersEditTime,
    LockEntriesOlderThanDays,
    SeatLimit,
    GuestLimit,
    InviteTtlDays,
    OverlapPolicy,
    IdleReminderHours,
    SharingEnabled,
}

/// Limits that keep numbers sane; a typo like 50000 days is refused, not stored.
pub const MAX_SEAT_LIMIT: u32 = 100_000;
pub const MAX_GUEST_LIMIT: u32 = 100_000;
pub const MAX_INVITE_TTL_DAYS: u32 = 90;
pub const MAX_LOCK_DAYS: u32 = 3_650;
pub const MAX_IDLE_REMINDER_HOURS: u32 = 72;

impl SettingKey {
    pub const ALL: [SettingKey; 15] = [
        SettingKey::WhoCanCreateProjects,
        SettingKey::WhoCanCreateTasks,
        SettingKey::WhoCanCreateTags,
        SettingKey::WhoCanInvite,
        SettingKey::MembersSeeOthersTime,
        SettingKey::WhoCanSeeRates,
        SettingKey::WhoCanChangeBillable,
        SettingKey::TeamManagersEditTime,
        SettingKey::LockEntriesOlderThanDays,
        SettingKey::SeatLimit,
        SettingKey::GuestLimit,
        SettingKey::InviteTtlDays,
        SettingKey::OverlapPolicy,
        SettingKey::IdleReminderHours,
        SettingKey::SharingEnabled,
    ];

    pub fn name(self) -> &'static str {
        match self {
            SettingKey::WhoCanCreateProjects => "who_can_create_projects",
            SettingKey::WhoCanCreateTasks => "who_can_create_tasks",
            SettingKey::WhoCanCreateTags => "who_can_create_tags",
            SettingKey::WhoCanInvite => "who_can_invite",
            SettingKey::MembersSeeOthersTime => "members_see_others_time",
            SettingKey::WhoCanSeeRates => "who_can_see_rates",
            SettingKey::WhoCanChangeBillable => "who_can_change_billable",
            SettingKey::TeamManagersEditTime => "team_managers_edit_time",
            SettingKey::LockEntriesOlderThanDays => "lock_entries_older_than_days",
            SettingKey::SeatLimit => "seat_limit",
            SettingKey::GuestLimit => "guest_limit",
            SettingKey::InviteTtlDays => "invite_ttl_days",
            SettingKey::OverlapPolicy => "overlap_policy",
            SettingKey::IdleReminderHours => "idle_reminder_hours",
            SettingKey::SharingEnabled => "sharing_enabled",
        }
    }

    /// What the value may be, for help texts and error messages.
    pub fn accepted_values(self) -> &'static str {
        match self {
            SettingKey::WhoCanCreateProjects
            | SettingKey::WhoCanCreateTasks
            | SettingKey::WhoCanCreateTags => "anyone, managers or admins",
            SettingKey::WhoCanInvite => "anyone or managers",
            SettingKey::WhoCanSeeRates | SettingKey::WhoCanChangeBillable => "admins or anyone",
            SettingKey::MembersSeeOthersTime
            | SettingKey::TeamManagersEditTime
            | SettingKey::SharingEnabled => "true or false",
            SettingKey::LockEntriesOlderThanDays => "none, or a number of days from 1 to 3650",
            SettingKey::SeatLimit => "a number from 1 to 100000",
            SettingKey::GuestLimit => "a number from 0 to 100000",
            SettingKey::InviteTtlDays => "a number of days from 1 to 90",
            SettingKey::OverlapPolicy => "refuse or flag",
            SettingKey::IdleReminderHours => "a number of hours from 1 to 72",
        }
    }

    /// seat_limit and guest_limit are billing: the Owner's alone.
    pub fn is_billing(self) -> bool {
        matches!(self, SettingKey::SeatLimit | SettingKey::GuestLimit)
    }

    pub fn parse(name: &str) -> Result<SettingKey, Invalid> {
        let wanted = name.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        SettingKey::ALL
            .into_iter()
            .find(|key| key.name() == wanted)
            .ok_or_else(|| {
                Invalid::new(format!(
                    "'{}' is not a setting. Settings: {}.",
                    clip(name, 40),
                    SettingKey::ALL.map(|k| k.name()).join(", ")
                ))
            })
    }
}

impl fmt::Display for SettingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Settings {
    /// The current value of one setting, as text.
    pub fn value_of(&self, key: SettingKey) -> String {
        fn create(access: CreateAccess) -> &'static str {
            match access {
                CreateAccess::Anyone => "anyone",
                CreateAccess::Managers => "managers",
                CreateAccess::Admins => "admins",
            }
        }
        fn admins_or_anyone(value: AdminsOrAnyone) -> &'static str {
            match value {
                AdminsOrAnyone::Admins => "admins",
                AdminsOrAnyone::Anyone => "anyone",
            }
        }
        match key {
            SettingKey::WhoCanCreateProjects => create(self.who_can_create_projects).into(),
            SettingKey::WhoCanCreateTasks => create(self.who_can_create_tasks).into(),
            SettingKey::WhoCanCreateTags => create(self.who_can_create_tags).into(),
            SettingKey::WhoCanInvite => match self.who_can_invite {
                InviteAccess::Anyone => "anyone".into(),
                InviteAccess::Managers => "managers".into(),
            },
            SettingKey::MembersSeeOthersTime => self.members_see_others_time.to_string(),
            SettingKey::WhoCanSeeRates => admins_or_anyone(self.who_can_see_rates).into(),
            SettingKey::WhoCanChangeBillable => {
                admins_or_anyone(self.who_can_change_billable).into()
            }
            SettingKey::TeamManagersEditTime => self.team_managers_edit_time.to_string(),
            SettingKey::LockEntriesOlderThanDays => match self.lock_entries_older_than_days {
                None => "none".into(),
                Some(days) => days.to_string(),
            },
            SettingKey::SeatLimit => self.seat_limit.to_string(),
            SettingKey::GuestLimit => self.guest_limit.to_string(),
            SettingKey::InviteTtlDays => self.invite_ttl_days.to_string(),
            SettingKey::OverlapPolicy => self.overlap_policy.as_str().into(),
            SettingKey::IdleReminderHours => self.idle_reminder_hours.to_string(),
            SettingKey::SharingEnabled => self.sharing_enabled.to_string(),
        }
    }

    /// Every setting with its value, in the documented order.
    pub fn entries(&self) -> Vec<(SettingKey, String)> {
        SettingKey::ALL
            .into_iter()
            .map(|key| (key, self.value_of(key)))
            .collect()
    }

    /// Returns the settings with `key` set to `raw`, or says what to type instead.
    pub fn with(&self, key: SettingKey, raw: &str) -> Result<Settings, Invalid> {
        let value = raw.trim().to_ascii_lowercase();
        let wrong = || {
            Invalid::new(format!(
                "'{}' is not a valid value for {}. Use {}.",
                clip(raw, 40),
                key.name(),
                key.accepted_values()
            ))
        };
        let create = || match value.as_str() {
            "anyone" => Ok(CreateAccess::Anyone),
            "managers" => Ok(CreateAccess::Managers),
            "admins" => Ok(CreateAccess::Admins),
            _ => Err(wrong()),
        };
        let admins_or_anyone = || match value.as_str() {
            "admins" => Ok(AdminsOrAnyone::Admins),
            "anyone" => Ok(AdminsOrAnyone::Anyone),
            _ => Err(wrong()),
        };
        let boolean = || match value.as_str() {
            "true" | "yes" | "on" => Ok(true),
            "false" | "no" | "off" => Ok(false),
            _ => Err(wrong()),
        };
        let number = |min: u32, max: u32| match value.parse::<u32>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(wrong()),
        };
        let mut next = self.clone();
        match key {
            SettingKey::WhoCanCreateProjects => next.who_can_create_projects = create()?,
            SettingKey::WhoCanCreateTasks => next.who_can_create_tasks = create()?,
            SettingKey::WhoCanCreateTags => next.who_can_create_tags = create()?,
            SettingKey::WhoCanInvite => {
                next.who_can_invite = match value.as_str() {
                    "anyone" => InviteAccess::Anyone,
                    "managers" => InviteAccess::Managers,
                    _ => return Err(wrong()),
                }
            }
            SettingKey::MembersSeeOthersTime => next.members_see_others_time = boolean()?,
            SettingKey::WhoCanSeeRates => next.who_can_see_rates = admins_or_anyone()?,
            SettingKey::WhoCanChangeBillable => next.who_can_change_billable = admins_or_anyone()?,
            SettingKey::TeamManagersEditTime => next.team_managers_edit_time = boolean()?,
            SettingKey::LockEntriesOlderThanDays => {
                next.lock_entries_older_than_days = match value.as_str() {
                    "none" | "off" | "never" => None,
                    _ => Some(number(1, MAX_LOCK_DAYS)?),
                }
            }
            SettingKey::SeatLimit => next.seat_limit = number(1, MAX_SEAT_LIMIT)?,
            SettingKey::GuestLimit => next.guest_limit = number(0, MAX_GUEST_LIMIT)?,
            SettingKey::InviteTtlDays => next.invite_ttl_days = number(1, MAX_INVITE_TTL_DAYS)?,
            SettingKey::OverlapPolicy => {
                next.overlap_policy = match value.as_str() {
                    "refuse" => OverlapPolicy::Refuse,
                    "flag" => OverlapPolicy::Flag,
                    _ => return Err(wrong()),
                }
            }
            SettingKey::IdleReminderHours => {
                next.idle_reminder_hours = number(1, MAX_IDLE_REMINDER_HOURS)?
            }
            SettingKey::SharingEnabled => next.sharing_enabled = boolean()?,
        }
        Ok(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_rulebook() {
        let s = Settings::default();
        let shown: Vec<(&str, String)> = s
            .entries()
            .into_iter()
            .map(|(k, v)| (k.name(), v))
            .collect();
        assert_eq!(
            shown,
            vec![
                ("who_can_create_projects", "anyone".to_string()),
                ("who_can_create_tasks", "anyone".into()),
                ("who_can_create_tags", "anyone".into()),
                ("who_can_invite", "managers".into()),
                ("members_see_others_time", "true".into()),
                ("who_can_see_rates", "admins".into()),
                ("who_can_change_billable", "anyone".into()),
                ("team_managers_edit_time", "false".into()),
                ("lock_entries_older_than_days", "none".into()),
                ("seat_limit", "5".into()),
                ("guest_limit", "50".into()),
                ("invite_ttl_days", "14".into()),
                ("overlap_policy", "refuse".into()),
                ("idle_reminder_hours", "10".into()),
                ("sharing_enabled", "true".into()),
            ]
        );
    }

    #[test]
    fn every_setting_round_trips_through_text() {
        let samples = [
            (SettingKey::WhoCanCreateProjects, "admins"),
            (SettingKey::WhoCanCreateTasks, "managers"),
            (SettingKey::WhoCanCreateTags, "admins"),
            (SettingKey::WhoCanInvite, "anyone"),
            (SettingKey::MembersSeeOthersTime, "false"),
            (SettingKey::WhoCanSeeRates, "anyone"),
            (SettingKey::WhoCanChangeBillable, "admins"),
            (SettingKey::TeamManagersEditTime, "true"),
            (SettingKey::LockEntriesOlderThanDays, "30"),
            (SettingKey::SeatLimit, "12"),
            (SettingKey::GuestLimit, "0"),
            (SettingKey::InviteTtlDays, "7"),
            (SettingKey::OverlapPolicy, "flag"),
            (SettingKey::IdleReminderHours, "72"),
            (SettingKey::SharingEnabled, "false"),
        ];
        for (key, value) in samples {
            let next = Settings::default().with(key, value).unwrap();
            assert_eq!(next.value_of(key), value, "{key}");
        }
    }

    #[test]
    fn bad_values_say_what_to_type() {
        let cases = [
            (SettingKey::SeatLimit, "0"),
            (SettingKey::SeatLimit, "-3"),
            (SettingKey::SeatLimit, "lots"),
            (SettingKey::InviteTtlDays, "91"),
            (SettingKey::WhoCanInvite, "admins"),
            (SettingKey::MembersSeeOthersTime, "maybe"),
            (SettingKey::LockEntriesOlderThanDays, "0"),
            (SettingKey::OverlapPolicy, "warn"),
            (SettingKey::IdleReminderHours, "0"),
            (SettingKey::IdleReminderHours, "73"),
        ];
        for (key, value) in cases {
            let err = Settings::default().with(key, value).unwrap_err();
            assert!(
                err.0.contains(key.accepted_values()),
                "{key}={value}: {}",
                err.0
            );
        }
    }

    #[test]
    fn setting_names_accept_dashes_and_case() {
        assert_eq!(SettingKey::parse("Seat-Limit"), Ok(SettingKey::SeatLimit));
        assert!(SettingKey::parse("colour")
            .unwrap_err()
            .0
            .contains("seat_limit"));
    }
}
