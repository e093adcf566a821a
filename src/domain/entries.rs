//! Time entries: who may add, edit and see them, when they are locked, what they cost
//! (`permissions.md`, "Time entries"). Pure functions over the facts they need.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::settings::{AdminsOrAnyone, Settings};
use super::{Denied, Invalid, Role};

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
    DateLocked {
        days: u32,
    },
    /// It lies in an approved timesheet (the week starting on `week`).
    Approved {
        week: NaiveDate,
    },
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
        Some(days) if now - started_at > Duration::days(i64::from(days)) => {
            Lock::DateLocked { days }
        }
        _ => Lock::Open,
    }
}

fn deny<T>(message: impl Into<String>) -> Result<T, Denied> {
    Err(Denied::new(message))
}

/// Adding, editing or deleting an entry (or starting a timer) for its owner.
pub fn change_entry(who: Relation, settings: &Settings, lock: &Lock) -> Result<(), Denied> {
    if !who.actor.can_track_time() {
        return deny(format!(
            "{}s can't track or change time.",
            who.actor.label()
        ));
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
            "This entry is in the approved timesheet for the week of {week}; it is locked for everyone until the approval is withdrawn (/timesheet reopen, by whoever may approve it)."
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
        self.project_member
            .or(self.project)
            .or(self.member)
            .or(self.workspace)
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
        return deny(format!(
            "{}s don't track time, so they have no timesheet.",
            role.label()
        ));
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

/// Which level of [`Rates`] supplied the rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateLevel {
    /// This member on this project (in the project's currency).
    ProjectMember,
    /// The project (in the project's currency).
    Project,
    /// The member, on every project (in the workspace currency).
    Member,
    /// The workspace default (in the workspace currency).
    Workspace,
}

impl RateLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            RateLevel::ProjectMember => "project member",
            RateLevel::Project => "project",
            RateLevel::Member => "member",
            RateLevel::Workspace => "workspace",
        }
    }

    /// Project-level rates are in the project's currency, the others in the workspace's.
    pub fn in_project_currency(self) -> bool {
        matches!(self, RateLevel::ProjectMember | RateLevel::Project)
    }
}

impl Rates {
    /// The most specific rate that is set, with the level it comes from.
    pub fn effective_level(&self) -> Option<(i64, RateLevel)> {
        self.project_member
            .map(|r| (r, RateLevel::ProjectMember))
            .or(self.project.map(|r| (r, RateLevel::Project)))
            .or(self.member.map(|r| (r, RateLevel::Member)))
            .or(self.workspace.map(|r| (r, RateLevel::Workspace)))
    }
}

/// The largest hourly rate accepted, in minor units (a typo guard: 10,000,000.00 per hour).
pub const MAX_HOURLY_RATE: i64 = 1_000_000_000;

// ---------------------------------------------------------------------------------------------
// Timers
// ---------------------------------------------------------------------------------------------

/// A second start this soon after the running timer's start, for the same work, is a double
/// click: the running timer is returned unchanged.
pub const DOUBLE_CLICK_WINDOW: Duration = Duration::seconds(5);

/// The longest a timer counts: an entry is at most 24 hours (as typed durations are).
pub const MAX_TIMER: Duration = Duration::hours(24);

/// What a timer is for, as far as double clicks go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimerWork<'a> {
    pub project_id: i64,
    pub task_id: Option<i64>,
    pub description: &'a str,
}

/// Whether a start for `wanted` at `now` repeats the start of the `running` timer that began
/// at `started_at` (same project, task and description, within [`DOUBLE_CLICK_WINDOW`]).
pub fn is_double_click(
    running: &TimerWork<'_>,
    started_at: DateTime<Utc>,
    wanted: &TimerWork<'_>,
    now: DateTime<Utc>,
) -> bool {
    running == wanted && now >= started_at && now - started_at <= DOUBLE_CLICK_WINDOW
}

/// Where a timer stopped at `now` ends: at `now`, or [`MAX_TIMER`] after its start if it ran
/// longer (then the flag is true and the person is told to fix the entry).
pub fn timer_end(started_at: DateTime<Utc>, now: DateTime<Utc>) -> (DateTime<Utc>, bool) {
    let latest = started_at + MAX_TIMER;
    if now > latest {
        (latest, true)
    } else {
        (now.max(started_at), false)
    }
}

/// The running timer is not yet an entry: its owner may always stop it, also when its start
/// is past the date lock (otherwise a forgotten timer could never be stopped). The approval
/// lock still holds.
pub fn stop_own_timer(lock: &Lock) -> Lock {
    match lock {
        Lock::DateLocked { .. } => Lock::Open,
        other => other.clone(),
    }
}

// ---------------------------------------------------------------------------------------------
// Entries
// ---------------------------------------------------------------------------------------------

/// Longest entry description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 500;
/// Most tags on one entry.
pub const MAX_TAGS_PER_ENTRY: usize = 10;

/// A description as typed: control characters and line breaks become spaces, runs of white
/// space one space, trimmed; at most [`MAX_DESCRIPTION_CHARS`]. Empty is allowed.
pub fn parse_description(raw: &str) -> Result<String, Invalid> {
    let spaced: String = raw
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let text = spaced.split_whitespace().collect::<Vec<_>>().join(" ");
    let count = text.chars().count();
    if count > MAX_DESCRIPTION_CHARS {
        return Err(Invalid::new(format!(
            "A description can have at most {MAX_DESCRIPTION_CHARS} characters; this one has {count}."
        )));
    }
    Ok(text)
}

/// Splits a typed list of tags (`design, urgent`) into names; empty parts are dropped.
pub fn split_tags(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(|part| part.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|part| !part.is_empty())
        .collect()
}

/// Where an entry typed as a duration only (`1h30m` on a date) starts: after the member's last
/// entry ending that day, else at 09:00 local (`nine`); an entry that would end after `now`
/// ends at `now` instead. `day` is the local day's UTC bounds.
pub fn place_duration(
    day: (DateTime<Utc>, DateTime<Utc>),
    nine: DateTime<Utc>,
    last_end_that_day: Option<DateTime<Utc>>,
    duration: Duration,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    let mut start = match last_end_that_day {
        Some(end) if end > nine => end,
        _ => nine,
    };
    start = start.clamp(day.0, day.1);
    if start + duration > now {
        start = now - duration;
    }
    start
}

/// Refuses an entry that ends after `now`: time is entered for work done.
pub fn check_ends_by(
    end: DateTime<Utc>,
    now: DateTime<Utc>,
    end_text: &str,
) -> Result<(), Invalid> {
    if end > now {
        return Err(Invalid::new(format!(
            "That entry would end at {end_text}, which is still to come. Time can only be entered for work already done; start a timer for work in progress."
        )));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Timesheets
// ---------------------------------------------------------------------------------------------

/// Where a member's week stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimesheetStatus {
    /// Not submitted (or withdrawn).
    Open,
    Submitted,
    Approved,
    Rejected,
}

impl TimesheetStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TimesheetStatus::Open => "open",
            TimesheetStatus::Submitted => "submitted",
            TimesheetStatus::Approved => "approved",
            TimesheetStatus::Rejected => "rejected",
        }
    }

    pub fn parse(text: &str) -> Option<TimesheetStatus> {
        Some(match text {
            "open" => TimesheetStatus::Open,
            "submitted" => TimesheetStatus::Submitted,
            "approved" => TimesheetStatus::Approved,
            "rejected" => TimesheetStatus::Rejected,
            _ => return None,
        })
    }

    /// Submitting: an open or rejected week becomes submitted.
    pub fn submit(self, week: NaiveDate) -> Result<TimesheetStatus, String> {
        match self {
            TimesheetStatus::Open | TimesheetStatus::Rejected => Ok(TimesheetStatus::Submitted),
            TimesheetStatus::Submitted => Err(format!(
                "The week of {week} is already submitted and waits for approval. To change it, withdraw it first."
            )),
            TimesheetStatus::Approved => Err(format!(
                "The week of {week} is already approved. Only whoever may approve it can withdraw the approval."
            )),
        }
    }

    /// The member takes back a submission that is not yet approved.
    pub fn withdraw(self, week: NaiveDate) -> Result<TimesheetStatus, String> {
        match self {
            TimesheetStatus::Submitted => Ok(TimesheetStatus::Open),
            TimesheetStatus::Approved => Err(format!(
                "The week of {week} is approved, so it can't be withdrawn; ask whoever approved it to withdraw the approval."
            )),
            TimesheetStatus::Open | TimesheetStatus::Rejected => Err(format!(
                "The week of {week} isn't submitted, so there is nothing to withdraw."
            )),
        }
    }

    /// Approving or rejecting needs a submitted week.
    pub fn decide(
        self,
        week: NaiveDate,
        approve: bool,
        who: &str,
    ) -> Result<TimesheetStatus, String> {
        match self {
            TimesheetStatus::Submitted if approve => Ok(TimesheetStatus::Approved),
            TimesheetStatus::Submitted => Ok(TimesheetStatus::Rejected),
            TimesheetStatus::Open => Err(format!(
                "{who} hasn't submitted the week of {week}; only submitted weeks can be approved or rejected."
            )),
            TimesheetStatus::Rejected => Err(format!(
                "{who}'s week of {week} is already rejected; it can be decided again once it is resubmitted."
            )),
            TimesheetStatus::Approved => Err(format!(
                "{who}'s week of {week} is already approved.{}",
                if approve { "" } else { " Withdraw the approval first to reject it." }
            )),
        }
    }

    /// Withdrawing an approval puts the week back to submitted, waiting for a decision.
    pub fn withdraw_approval(self, week: NaiveDate, who: &str) -> Result<TimesheetStatus, String> {
        match self {
            TimesheetStatus::Approved => Ok(TimesheetStatus::Submitted),
            _ => Err(format!(
                "{who}'s week of {week} isn't approved, so there is no approval to withdraw."
            )),
        }
    }
}

/// Withdrawing a submission: only one's own.
pub fn withdraw_timesheet(who: Relation) -> Result<(), Denied> {
    if !who.own {
        return deny("Only the member who submitted a timesheet can withdraw it; approvers can reject it instead.");
    }
    submit_timesheet(who.actor)
}

/// Seeing someone's timesheet (its status and totals): whoever sees all their entries.
pub fn can_see_timesheet(viewer: Relation) -> bool {
    match viewer.actor {
        Role::Owner | Role::Admin | Role::Manager | Role::Viewer => true,
        Role::Member => viewer.own || viewer.team_manager,
        Role::Guest => false,
    }
}

/// Longest reason for a rejection, in characters.
pub const MAX_REASON_CHARS: usize = 500;

/// A rejection needs a reason the member can act on.
pub fn parse_reason(raw: &str) -> Result<String, Invalid> {
    let text = parse_description(raw).map_err(|_| {
        Invalid::new(format!(
            "A reason can have at most {MAX_REASON_CHARS} characters; shorten it."
        ))
    })?;
    if text.is_empty() {
        return Err(Invalid::new(
            "Give a reason for the rejection, so the member knows what to fix.",
        ));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use Role::*;

    fn rel(actor: Role, own: bool, team_manager: bool) -> Relation {
        Relation {
            actor,
            own,
            team_manager,
        }
    }

    #[test]
    fn change_entry_matrix() {
        let mut s = Settings::default();
        let open = Lock::Open;
        let dated = Lock::DateLocked { days: 7 };
        let approved = Lock::Approved {
            week: NaiveDate::from_ymd_opt(2026, 11, 16).unwrap(),
        };
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
            assert_eq!(
                got.is_ok(),
                allowed,
                "{who:?} {lock:?} tm_edit={tm_edit}: {got:?}"
            );
        }
        let msg = change_entry(rel(Owner, true, false), &s, &approved)
            .unwrap_err()
            .0;
        assert!(
            msg.contains("approved timesheet for the week of 2026-11-16"),
            "{msg}"
        );
    }

    #[test]
    fn lock_follows_setting_and_approval() {
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap();
        let mut s = Settings::default();
        assert_eq!(
            lock_of(now - Duration::days(400), now, &s, None),
            Lock::Open
        );
        s.lock_entries_older_than_days = Some(7);
        assert_eq!(
            lock_of(now - Duration::days(8), now, &s, None),
            Lock::DateLocked { days: 7 }
        );
        assert_eq!(lock_of(now - Duration::days(6), now, &s, None), Lock::Open);
    }

    #[test]
    fn visibility() {
        let s = Settings::default();
        let private = ProjectFacts {
            is_public: false,
            viewer_manages: false,
        };
        let public = ProjectFacts {
            is_public: true,
            viewer_manages: false,
        };
        assert!(can_see_entry(rel(Member, true, false), private, &s));
        assert!(!can_see_entry(rel(Member, false, false), private, &s));
        assert!(can_see_entry(rel(Member, false, false), public, &s));
        assert!(can_see_entry(rel(Member, false, true), private, &s));
        assert!(can_see_entry(rel(Viewer, false, false), private, &s));
        assert!(!can_see_entry(rel(Guest, false, false), public, &s));
        let mut hidden = s.clone();
        hidden.members_see_others_time = false;
        assert!(!can_see_entry(rel(Member, false, false), public, &hidden));
        assert!(can_see_entry(
            rel(Member, false, false),
            ProjectFacts {
                is_public: false,
                viewer_manages: true
            },
            &hidden
        ));
    }

    #[test]
    fn money_is_integer_and_rounds_half_up() {
        assert_eq!(amount(6000, Duration::minutes(90)), 9000);
        assert_eq!(amount(100, Duration::seconds(18)), 1); // 0.5 → 1
        assert_eq!(amount(100, Duration::seconds(17)), 0);
        assert_eq!(amount(12_345, Duration::hours(24)), 296_280);
        let rates = Rates {
            project_member: None,
            project: Some(9000),
            member: Some(5000),
            workspace: Some(1),
        };
        assert_eq!(rates.effective(), Some(9000));
        assert!(!can_see_rates(
            Guest,
            &Settings {
                who_can_see_rates: AdminsOrAnyone::Anyone,
                ..Settings::default()
            }
        ));
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

    #[test]
    fn rate_levels_most_specific_first() {
        let rates = Rates {
            project_member: None,
            project: None,
            member: Some(5000),
            workspace: Some(1),
        };
        assert_eq!(rates.effective_level(), Some((5000, RateLevel::Member)));
        assert!(!RateLevel::Member.in_project_currency());
        let rates = Rates {
            project_member: Some(7),
            ..rates
        };
        assert_eq!(rates.effective_level(), Some((7, RateLevel::ProjectMember)));
        assert_eq!(Rates::default().effective_level(), None);
    }

    #[test]
    fn double_clicks_and_timer_caps() {
        let t0 = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
        let work = TimerWork {
            project_id: 1,
            task_id: None,
            description: "x",
        };
        assert!(is_double_click(&work, t0, &work, t0 + Duration::seconds(5)));
        assert!(!is_double_click(
            &work,
            t0,
            &work,
            t0 + Duration::seconds(6)
        ));
        let other = TimerWork {
            description: "y",
            ..work.clone()
        };
        assert!(!is_double_click(&work, t0, &other, t0));
        let task = TimerWork {
            task_id: Some(3),
            ..work.clone()
        };
        assert!(!is_double_click(&work, t0, &task, t0));
        assert_eq!(
            timer_end(t0, t0 + Duration::hours(3)),
            (t0 + Duration::hours(3), false)
        );
        assert_eq!(
            timer_end(t0, t0 + Duration::hours(30)),
            (t0 + Duration::hours(24), true)
        );
        assert_eq!(stop_own_timer(&Lock::DateLocked { days: 1 }), Lock::Open);
        let approved = Lock::Approved {
            week: NaiveDate::from_ymd_opt(2026, 11, 16).unwrap(),
        };
        assert_eq!(stop_own_timer(&approved), approved);
    }

    #[test]
    fn descriptions_and_tags() {
        assert_eq!(
            parse_description("  fix\n the   bug "),
            Ok("fix the bug".into())
        );
        assert_eq!(parse_description(""), Ok(String::new()));
        assert!(parse_description(&"x".repeat(501))
            .unwrap_err()
            .0
            .contains("at most 500"));
        assert_eq!(
            split_tags("design, urgent ,, a  b"),
            vec!["design", "urgent", "a b"]
        );
        assert!(parse_reason("  ").is_err());
        assert_eq!(parse_reason(" too much "), Ok("too much".into()));
    }

    #[test]
    fn durations_are_placed_after_the_days_last_entry() {
        let t = |h, m| Utc.with_ymd_and_hms(2026, 11, 20, h, m, 0).unwrap();
        let day = (t(0, 0), t(23, 59) + Duration::minutes(1));
        let now = t(23, 0);
        let hour = Duration::hours(1);
        assert_eq!(place_duration(day, t(9, 0), None, hour, now), t(9, 0));
        assert_eq!(
            place_duration(day, t(9, 0), Some(t(8, 0)), hour, now),
            t(9, 0)
        );
        assert_eq!(
            place_duration(day, t(9, 0), Some(t(12, 30)), hour, now),
            t(12, 30)
        );
        // Today, early: it ends now.
        assert_eq!(place_duration(day, t(9, 0), None, hour, t(8, 0)), t(7, 0));
        assert!(check_ends_by(t(10, 0), t(9, 0), "10:00")
            .unwrap_err()
            .0
            .contains("10:00"));
    }

    #[test]
    fn timesheet_lifecycle() {
        use TimesheetStatus::*;
        let week = NaiveDate::from_ymd_opt(2026, 11, 16).unwrap();
        assert_eq!(Open.submit(week), Ok(Submitted));
        assert_eq!(Rejected.submit(week), Ok(Submitted));
        assert!(Submitted.submit(week).is_err());
        assert!(Approved
            .submit(week)
            .unwrap_err()
            .contains("already approved"));
        assert_eq!(Submitted.withdraw(week), Ok(Open));
        assert!(Approved
            .withdraw(week)
            .unwrap_err()
            .contains("withdraw the approval"));
        assert_eq!(Submitted.decide(week, true, "Mia"), Ok(Approved));
        assert_eq!(Submitted.decide(week, false, "Mia"), Ok(Rejected));
        assert!(Open
            .decide(week, true, "Mia")
            .unwrap_err()
            .contains("hasn't submitted"));
        assert_eq!(Approved.withdraw_approval(week, "Mia"), Ok(Submitted));
        assert!(Submitted.withdraw_approval(week, "Mia").is_err());
        for s in [Open, Submitted, Approved, Rejected] {
            assert_eq!(TimesheetStatus::parse(s.as_str()), Some(s));
        }
        assert!(withdraw_timesheet(rel(Admin, false, false)).is_err());
        assert!(withdraw_timesheet(rel(Member, true, false)).is_ok());
        assert!(can_see_timesheet(rel(Viewer, false, false)));
        assert!(!can_see_timesheet(rel(Member, false, false)));
        assert!(can_see_timesheet(rel(Member, true, false)));
        assert!(!can_see_timesheet(rel(Guest, true, false)));
    }
}
