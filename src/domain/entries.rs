//! Time entries: who may add, edit and see them, when they are locked, what they cost
//! (`permissions.md`, "Time entries"). Pure functions over the facts they need.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::settings::{AdminsOrAnyone, Settings};
use super::{Denied, Role};

/// How the actor relates to the entry's owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Relation {
    pub actor: Role,
    /// The entry is the actor's own (or would be, when adding).
    pub own: bool,
    /// The actor is a team manager of the entry's owner.
    pub team_manager: bool,
}

/// Why an entry can't change right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lock {
    Open,
    /// Its start is older than `lock_entries_older_than_days`.
    DateLocked { days: u32 },
    /// It lies in an approved timesheet (the week starting on `week`).
    Approved { week: NaiveDate },
}

pub fn lock_of(
    started_at: DateTime<Utc>,
    now: DateTime<Utc>,
    settings: &Settings,
    approved_week: Option<NaiveDate>,
) -> Lock {
    if let Some(week) = approved_week {
        return Lock::Approved { week };
    }
    match settings.lock_entries_older_than_days {
        Some(days) if now - started_at > Duration::days(i64::from(days)) => Lock::DateLocked { days },
        _ => Lock::Open,
    }
}

fn deny<T>(message: impl Into<String>) -> Result<T, Denied> {
    Err(Denied::new(message))
}

/// Adding, editing or deleting an entry (or starting a timer) for its owner.
pub fn change_entry(who: Relation, settings: &Settings, lock: &Lock) -> Result<(), Denied> {
    if !who.actor.can_track_time() {
        return deny(format!("{}s can't track or change time.", who.actor.label()));
    }
    let admin = who.actor.is_admin();
    if !who.own && !admin {
        if !who.team_manager {
            return deny("Only the Owner, Admins and (when allowed) their team managers can change someone else's time.");
        }
        if !settings.team_managers_edit_time {
            return deny("Team managers can't change their members' time in this workspace (setting team_managers_edit_time is false).");
        }
    }
    match lock {
        Lock::Open => Ok(()),
        Lock::Approved { week } => deny(format!(
            "This entry is in the approved timesheet for the week of {week}; it is locked for everyone until the approval is withdrawn (/timesheet withdraw by whoever approved it)."
        )),
        Lock::DateLocked { .. } if admin => Ok(()),
        Lock::DateLocked { days } => deny(format!(
            "Entries older than {days} days are locked (setting lock_entries_older_than_days). Ask the Owner or an Admin to change it."
        )),
    }
}

/// Facts about an entry's project, for visibility.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProjectFacts {
    pub is_public: bool,
    /// The viewer manages this project.
    pub viewer_manages: bool,
}

/// Whether `viewer` sees an individual entry (reports use the same rule).
pub fn can_see_entry(viewer: Relation, project: ProjectFacts, settings: &Settings) -> bool {
    match viewer.actor {
        Role::Owner | Role::Admin | Role::Manager | Role::Viewer => true,
        Role::Guest => false,
        Role::Member => {
            viewer.own
                || viewer.team_manager
                || project.viewer_manages
                || (project.is_public && settings.members_see_others_time)
        }
    }
}

/// Rates and money amounts: never Guests; Owner/Admin always; others by setting.
pub fn can_see_rates(role: Role, settings: &Settings) -> bool {
    match role {
        Role::Guest => false,
        Role::Owner | Role::Admin => true,
        _ => settings.who_can_see_rates == AdminsOrAnyone::Anyone,
    }
}

pub fn can_see_billable(role: Role, settings: &Settings) -> bool {
    match role {
        Role::Guest => false,
        Role::Owner | Role::Admin | Role::Viewer => true,
        _ => settings.who_can_change_billable == AdminsOrAnyone::Anyone,
    }
}

pub fn can_change_billable(role: Role, settings: &Settings) -> Result<(), Denied> {
    match role {
        Role::Owner | Role::Admin => Ok(()),
        Role::Viewer | Role::Guest => deny("You can't change whether time is billable."),
        _ if settings.who_can_change_billable == AdminsOrAnyone::Anyone => Ok(()),
        _ => deny("Only the Owner or an Admin can change the billable flag (setting who_can_change_billable is admins)."),
    }
}

/// Rates in minor currency units per hour, most specific first.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rates {
    pub project_member: Option<i64>,
    pub project: Option<i64>,
    pub member: Option<i64>,
    pub workspace: Option<i64>,
}

impl Rates {
    /// The most specific rate that is set.
    pub fn effective(&self) -> Option<i64> {
        self.project_member.or(self.project).or(self.member).or(self.workspace)
    }
}

/// The amount for `duration` at `rate` (minor units per hour), rounded half up, in integer
/// arithmetic: no floating-point money.
pub fn amount(rate_per_hour: i64, duration: Duration) -> i64 {
    let millis = i128::from(duration.num_milliseconds().max(0));
    let product = i128::from(rate_per_hour) * millis;
    let rounded = (product + 1_800_000) / 3_600_000;
    i64::try_from(rounded).unwrap_or(i64::MAX)
}

/// Whether two time ranges share any moment (touching ends don't overlap).
pub fn overlaps(a: (DateTime<Utc>, DateTime<Utc>), b: (DateTime<Utc>, DateTime<Utc>)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

/// Submitting one's own week.
pub fn submit_timesheet(role: Role) -> Result<(), Denied> {
    if !role.can_track_time() {
        return deny(format!("{}s don't track time, so they have no timesheet.", role.label()));
    }
    Ok(())
}

/// Approving, rejecting, or withdrawing an approval.
pub fn decide_timesheet(who: Relation) -> Result<(), Denied> {
    if who.own && !who.actor.is_admin() {
        return deny("You can't approve or reject your own timesheet.");
    }
    if who.actor.is_admin() || who.team_manager {
        return Ok(());
    }
    deny("Only the Owner, an Admin or the member's team manager can approve or reject a timesheet.")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use Role::*;

    fn rel(actor: Role, own: bool, team_manager: bool) -> Relation {
        Relation { actor, own, team_manager }
    }

    #[test]
    fn change_entry_matrix() {
        let mut s = Settings::default();
        let open = Lock::Open;
        let dated = Lock::DateLocked { days: 7 };
        let approved = Lock::Approved { week: NaiveDate::from_ymd_opt(2026, 11, 16).unwrap() };
        // (who, lock, team_managers_edit_time, allowed)
        let cases = [
            (rel(Owner, false, false), &dated, false, true),
            (rel(Admin, true, false), &dated, false, true),
            (rel(Admin, false, false), &approved, false, false),
            (rel(Owner, true, false), &approved, false, false),
            (rel(Member, true, false), &open, false, true),
            (rel(Member, true, false), &dated, false, false),
            (rel(Manager, true, false), &open, false, true),
            (rel(Manager, false, false), &open, false, false),
            (rel(Manager, false, true), &open, false, false),
            (rel(Manager, false, true), &open, true, true),
            (rel(Manager, false, true), &dated, true, false),
            (rel(Viewer, true, false), &open, false, false),
            (rel(Guest, true, false), &open, false, false),
        ];
        for (who, lock, tm_edit, allowed) in cases {
            s.team_managers_edit_time = tm_edit;
            let got = change_entry(who, &s, lock);
            assert_eq!(got.is_ok(), allowed, "{who:?} {lock:?} tm_edit={tm_edit}: {got:?}");
        }
        let msg = change_entry(rel(Owner, true, false), &s, &approved).unwrap_err().0;
        assert!(msg.contains("approved timesheet for the week of 2026-11-16"), "{msg}");
    }

    #[test]
    fn lock_follows_setting_and_approval() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
        let mut s = Settings::default();
        assert_eq!(lock_of(now - Duration::days(400), now, &s, None), Lock::Open);
        s.lock_entries_older_than_days = Some(7);
        assert_eq!(lock_of(now - Duration::days(8), now, &s, None), Lock::DateLocked { days: 7 });
        assert_eq!(lock_of(now - Duration::days(6), now, &s, None), Lock::Open);
    }

    #[test]
    fn visibility() {
        let s = Settings::default();
        let private = ProjectFacts { is_public: false, viewer_manages: false };
        let public = ProjectFacts { is_public: true, viewer_manages: false };
        assert!(can_see_entry(rel(Member, true, false), private, &s));
        assert!(!can_see_entry(rel(Member, false, false), private, &s));
        assert!(can_see_entry(rel(Member, false, false), public, &s));
        assert!(can_see_entry(rel(Member, false, true), private, &s));
        assert!(can_see_entry(rel(Viewer, false, false), private, &s));
        assert!(!can_see_entry(rel(Guest, false, false), public, &s));
        let mut hidden = s.clone();
        hidden.members_see_others_time = false;
        assert!(!can_see_entry(rel(Member, false, false), public, &hidden));
        assert!(can_see_entry(rel(Member, false, false), ProjectFacts { is_public: false, viewer_manages: true }, &hidden));
    }

    #[test]
    fn money_is_integer_and_rounds_half_up() {
        assert_eq!(amount(6000, Duration::minutes(90)), 9000);
        assert_eq!(amount(100, Duration::seconds(18)), 1); // 0.5 → 1
        assert_eq!(amount(100, Duration::seconds(17)), 0);
        assert_eq!(amount(12_345, Duration::hours(24)), 296_280);
        let rates = Rates { project_member: None, project: Some(9000), member: Some(5000), workspace: Some(1) };
        assert_eq!(rates.effective(), Some(9000));
        assert!(!can_see_rates(Guest, &Settings { who_can_see_rates: AdminsOrAnyone::Anyone, ..Settings::default() }));
    }

    #[test]
    fn overlap_excludes_touching_ends() {
        let t = |h| Utc.with_ymd_and_hms(2026, 11, 23, h, 0, 0).unwrap();
        assert!(overlaps((t(9), t(11)), (t(10), t(12))));
        assert!(!overlaps((t(9), t(10)), (t(10), t(11))));
    }

    #[test]
    fn timesheet_decisions() {
        assert!(decide_timesheet(rel(Admin, false, false)).is_ok());
        assert!(decide_timesheet(rel(Manager, false, true)).is_ok());
        assert!(decide_timesheet(rel(Manager, false, false)).is_err());
        assert!(decide_timesheet(rel(Manager, true, true)).is_err());
        assert!(decide_timesheet(rel(Member, false, false)).is_err());
        assert!(submit_timesheet(Viewer).is_err());
    }
}
