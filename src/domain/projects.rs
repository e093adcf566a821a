//! Projects, clients, tasks, tags and stages: who may create, see, edit and track to them
//! (`permissions.md`, "Projects, clients, tasks, tags" and its Privacy paragraph), and the
//! validated values people type for them (names, colors, budgets, money, due dates).
//!
//! Pure functions: each takes the facts it needs and answers `Ok(())` or a [`Denied`] naming
//! the rule that refused.

use std::fmt;

use chrono::NaiveDate;

use super::policy::clip;
use super::settings::{AdminsOrAnyone, CreateAccess, Settings};
use super::{Denied, Invalid, Role};

fn deny<T>(message: impl Into<String>) -> Result<T, Denied> {
    Err(Denied::new(message))
}

// ---------------------------------------------------------------------------------------
// Facts about one person and one project
// ---------------------------------------------------------------------------------------

/// How a person belongs to one project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Membership {
    /// Not on the project.
    None,
    /// A project member: may track to it when it is private.
    Member,
    /// A project manager: a member who may also edit and manage the project.
    Manager,
}

impl Membership {
    pub fn as_str(self) -> &'static str {
        match self {
            Membership::None => "none",
            Membership::Member => "member",
            Membership::Manager => "manager",
        }
    }
}

/// A project is private (the default) or public.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Privacy {
    Private,
    Public,
}

impl Privacy {
    pub fn as_str(self) -> &'static str {
        match self {
            Privacy::Private => "private",
            Privacy::Public => "public",
        }
    }

    pub fn is_public(self) -> bool {
        self == Privacy::Public
    }

    pub fn from_public(is_public: bool) -> Privacy {
        if is_public {
            Privacy::Public
        } else {
            Privacy::Private
        }
    }

    pub fn parse(raw: &str) -> Result<Privacy, Invalid> {
        match raw.trim().to_lowercase().as_str() {
            "private" => Ok(Privacy::Private),
            "public" => Ok(Privacy::Public),
            _ => Err(Invalid::new(format!(
                "'{}' is not a privacy. Use public or private.",
                clip(raw, 40)
            ))),
        }
    }
}

impl fmt::Display for Privacy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The facts the rules look at: the person's workspace role and how they belong to the
/// project in question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub role: Role,
    pub membership: Membership,
}

impl Standing {
    pub fn new(role: Role, membership: Membership) -> Standing {
        Standing { role, membership }
    }

    /// A project manager of this project. Only roles that track time may be one; a project
    /// manager who was later made a Viewer or Guest keeps no project-manager powers.
    pub fn is_project_manager(self) -> bool {
        self.membership == Membership::Manager && self.role.can_track_time()
    }

    /// On the project (member or manager), with a role that tracks time.
    pub fn belongs(self) -> bool {
        self.membership != Membership::None && self.role.can_track_time()
    }
}

/// Which projects a role sees in lists, before looking at single projects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectScope {
    /// Every project: Owner, Admin, Manager and Viewer.
    All,
    /// Public projects and the private ones the person belongs to: Member.
    PublicOrOwn,
    /// No project: Guests see only projects shared with them, elsewhere.
    Nothing,
}

pub fn project_scope(role: Role) -> ProjectScope {
    match role {
        Role::Owner | Role::Admin | Role::Manager | Role::Viewer => ProjectScope::All,
        Role::Member => ProjectScope::PublicOrOwn,
        Role::Guest => ProjectScope::Nothing,
    }
}

/// Privacy: a private project is visible only to its members, its project managers, Manager
/// and up, and Viewers; a public project to every non-guest member. Guests see no project
/// here (sharing gives them their own view).
pub fn can_see_project(who: Standing, privacy: Privacy) -> bool {
    match project_scope(who.role) {
        ProjectScope::All => true,
        ProjectScope::PublicOrOwn => privacy.is_public() || who.belongs(),
        ProjectScope::Nothing => false,
    }
}

/// The refusal for Guests, who see only projects shared with them.
pub fn guests_see_no_projects() -> Denied {
    Denied::new(
        "Guests see only the projects shared with them, in their guest channel and report link.",
    )
}

/// Tracking time: Owner/Admin to any project; Manager and Member to public projects and the
/// private ones they belong to; Viewer and Guest never.
pub fn can_track_to_project(who: Standing, privacy: Privacy, project: &str) -> Result<(), Denied> {
    match who.role {
        Role::Owner | Role::Admin => Ok(()),
        Role::Manager | Role::Member if privacy.is_public() || who.belongs() => Ok(()),
        Role::Manager | Role::Member => deny(format!(
            "{} is private and you are not one of its members; ask one of its project managers to add you.",
            clip(project, 60)
        )),
        Role::Viewer => deny("Viewers don't track time; they see timesheets and reports."),
        Role::Guest => deny("Guests don't track time."),
    }
}

// ---------------------------------------------------------------------------------------
// The cells of the table
// ---------------------------------------------------------------------------------------

fn setting_word(access: CreateAccess) -> &'static str {
    match access {
        CreateAccess::Anyone => "anyone",
        CreateAccess::Managers => "managers",
        CreateAccess::Admins => "admins",
    }
}

/// Creating workspace-wide things under a who_can_create_* setting, where no project is
/// involved ("project manager: —").
fn create_by_setting(
    role: Role,
    access: CreateAccess,
    what: &str,
    setting: &str,
) -> Result<(), Denied> {
    match role {
        Role::Owner | Role::Admin => Ok(()),
        Role::Viewer | Role::Guest => deny(format!("{}s can't create {what}.", role.label())),
        Role::Manager | Role::Member => {
            let allowed = match access {
                CreateAccess::Anyone => true,
                CreateAccess::Managers => role.is_manager_or_above(),
                CreateAccess::Admins => false,
            };
            if allowed {
                Ok(())
            } else {
                let who = match access {
                    CreateAccess::Admins => "only the Owner and Admins",
                    _ => "only Managers and up",
                };
                deny(format!(
                    "In this workspace {who} can create {what} (setting {setting} is {}).",
                    setting_word(access)
                ))
            }
        }
    }
}

/// Create a project: Owner/Admin yes; Manager and Member by who_can_create_projects.
pub fn create_project(role: Role, settings: &Settings) -> Result<(), Denied> {
    create_by_setting(
        role,
        settings.who_can_create_projects,
        "projects",
        "who_can_create_projects",
    )
}

/// Create a client: the same setting as projects ("creating projects and clients").
pub fn create_client(role: Role, settings: &Settings) -> Result<(), Denied> {
    create_by_setting(
        role,
        settings.who_can_create_projects,
        "clients",
        "who_can_create_projects",
    )
}

/// Create a tag: Owner/Admin yes; Manager and Member by who_can_create_tags.
pub fn create_tag(role: Role, settings: &Settings) -> Result<(), Denied> {
    create_by_setting(
        role,
        settings.who_can_create_tags,
        "tags",
        "who_can_create_tags",
    )
}

/// Create a task on a project: Owner/Admin all; project managers always on their own
/// project; Manager and Member by who_can_create_tasks ("managers" = Manager and up plus
/// project managers of this project).
pub fn create_task(who: Standing, settings: &Settings) -> Result<(), Denied> {
    if who.role.is_admin() || who.is_project_manager() {
        return Ok(());
    }
    let refused = create_by_setting(
        who.role,
        settings.who_can_create_tasks,
        "tasks",
        "who_can_create_tasks",
    );
    match (refused, who.role, settings.who_can_create_tasks) {
        (Ok(()), _, _) => Ok(()),
        (Err(_), Role::Manager | Role::Member, CreateAccess::Managers) => deny(
            "In this workspace only Managers and up, and the project's own project managers, can create tasks (setting who_can_create_tasks is managers).",
        ),
        (Err(_), Role::Manager | Role::Member, CreateAccess::Admins) => deny(
            "In this workspace only the Owner, Admins and the project's own project managers can create tasks (setting who_can_create_tasks is admins).",
        ),
        (Err(denied), _, _) => Err(denied),
    }
}

/// Owner/Admin on every project, project managers on their own.
fn project_managers_only(who: Standing, doing: &str) -> Result<(), Denied> {
    if who.role.is_admin() || who.is_project_manager() {
        Ok(())
    } else {
        deny(format!(
            "Only the Owner, Admins and this project's managers can {doing}."
        ))
    }
}

/// Edit a project (name, client, privacy, billable default, budget, stage, color, due date).
pub fn edit_project(who: Standing) -> Result<(), Denied> {
    project_managers_only(who, "edit a project")
}

pub fn archive_project(who: Standing) -> Result<(), Denied> {
    project_managers_only(who, "archive a project")
}

pub fn delete_project(who: Standing) -> Result<(), Denied> {
    project_managers_only(who, "delete a project")
}

/// Add or remove project members and project managers.
pub fn manage_project_members(who: Standing) -> Result<(), Denied> {
    project_managers_only(who, "add or remove its members and managers")
}

/// Share a project with guests, or unshare it.
pub fn share_project(who: Standing) -> Result<(), Denied> {
    project_managers_only(who, "share it with guests")
}

/// Edit project rates (and money budgets): Owner/Admin all; project managers of their own
/// project when who_can_see_rates is anyone.
pub fn edit_project_rates(who: Standing, settings: &Settings) -> Result<(), Denied> {
    if who.role.is_admin() {
        return Ok(());
    }
    if who.is_project_manager() {
        return match settings.who_can_see_rates {
            AdminsOrAnyone::Anyone => Ok(()),
            AdminsOrAnyone::Admins => deny(
                "Only the Owner and Admins can set rates and money amounts here (setting who_can_see_rates is admins).",
            ),
        };
    }
    deny("Only the Owner, Admins and this project's managers can set its rates and money amounts.")
}

/// Lists of clients, tags and stages: every member but Guests.
pub fn see_structure(role: Role, what: &str) -> Result<(), Denied> {
    if role == Role::Guest {
        return deny(format!("Guests can't see the workspace's {what}."));
    }
    Ok(())
}

/// Renaming or archiving a client or tag (the rulebook names only creation): Owner/Admin
/// always; a Manager when the creating setting lets Managers create; a Member when the
/// setting lets them create and they made it themselves.
fn tidy_by_setting(
    role: Role,
    access: CreateAccess,
    made_it: bool,
    what: &str,
    setting: &str,
) -> Result<(), Denied> {
    if matches!(role, Role::Viewer | Role::Guest) {
        return deny(format!(
            "{}s can't rename or archive {what}s.",
            role.label()
        ));
    }
    create_by_setting(role, access, &format!("{what}s"), setting).map_err(|_| {
        Denied::new(format!(
            "You can't rename or archive {what}s here (setting {setting} is {}).",
            setting_word(access)
        ))
    })?;
    if role == Role::Member && !made_it {
        return deny(format!(
            "Members can rename or archive only the {what}s they created; ask a Manager."
        ));
    }
    Ok(())
}

pub fn tidy_client(role: Role, settings: &Settings, made_it: bool) -> Result<(), Denied> {
    tidy_by_setting(
        role,
        settings.who_can_create_projects,
        made_it,
        "client",
        "who_can_create_projects",
    )
}

pub fn tidy_tag(role: Role, settings: &Settings, made_it: bool) -> Result<(), Denied> {
    tidy_by_setting(
        role,
        settings.who_can_create_tags,
        made_it,
        "tag",
        "who_can_create_tags",
    )
}

/// Renaming or archiving a task: whoever may create tasks on its project, except that a
/// Member who is not one of its project managers may touch only the tasks they created.
pub fn tidy_task(who: Standing, settings: &Settings, made_it: bool) -> Result<(), Denied> {
    if matches!(who.role, Role::Viewer | Role::Guest) {
        return deny(format!(
            "{}s can't rename or archive tasks.",
            who.role.label()
        ));
    }
    create_task(who, settings).map_err(|_| {
        Denied::new(format!(
            "You can't rename or archive tasks on this project (setting who_can_create_tasks is {}).",
            setting_word(settings.who_can_create_tasks)
        ))
    })?;
    if who.role == Role::Member && !who.is_project_manager() && !made_it {
        return deny(
            "Members can rename or archive only the tasks they created; ask one of the project's managers.",
        );
    }
    Ok(())
}

/// Ticking a task done or reopening it: whoever may track time to its project.
pub fn mark_task(who: Standing, privacy: Privacy, project: &str) -> Result<(), Denied> {
    can_track_to_project(who, privacy, project).map_err(|_| {
        Denied::new(format!(
            "Only people who can track time to {} can mark its tasks done or reopen them.",
            clip(project, 60)
        ))
    })
}

/// Creating, renaming, recoloring and deleting the workspace's stages.
pub fn manage_stages(role: Role) -> Result<(), Denied> {
    if !role.is_admin() {
        return deny("Only the Owner or an Admin can change the workspace's project stages.");
    }
    Ok(())
}

/// Who may be put on a project: people who track time (the roles table). Viewers already see
/// every project; Guests get projects shared with them instead.
pub fn may_join_project(role: Role, name: &str) -> Result<(), Invalid> {
    match role {
        Role::Viewer => Err(Invalid::new(format!(
            "{} is a Viewer; Viewers already see every project and don't track time, so they aren't put on projects.",
            clip(name, 60)
        ))),
        Role::Guest => Err(Invalid::new(format!(
            "{} is a Guest; share the project with them with /share instead.",
            clip(name, 60)
        ))),
        _ => Ok(()),
    }
}

// ---------------------------------------------------------------------------------------
// Validated values
// ---------------------------------------------------------------------------------------

pub const MAX_NAME_CHARS: usize = 100;

/// What a name is for, so messages can say "project name" or "tag name".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Client,
    Project,
    Task,
    Tag,
    Stage,
}

impl Kind {
    pub fn word(self) -> &'static str {
        match self {
            Kind::Client => "client",
            Kind::Project => "project",
            Kind::Task => "task",
            Kind::Tag => "tag",
            Kind::Stage => "stage",
        }
    }

    pub fn plural(self) -> &'static str {
        match self {
            Kind::Client => "clients",
            Kind::Project => "projects",
            Kind::Task => "tasks",
            Kind::Tag => "tags",
            Kind::Stage => "stages",
        }
    }

    fn capitalised(self) -> &'static str {
        match self {
            Kind::Client => "Client",
            Kind::Project => "Project",
            Kind::Task => "Task",
            Kind::Tag => "Tag",
            Kind::Stage => "Stage",
        }
    }
}

/// A name for a client, project, task, tag or stage: trimmed, inner runs of whitespace made
/// one space, 1 to 100 characters, no control characters, and not an id like `#12`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Name(String);

impl Name {
    pub fn parse(kind: Kind, raw: &str) -> Result<Name, Invalid> {
        if raw
            .chars()
            .any(|c| c.is_control() && !matches!(c, ' ' | '\t'))
        {
            return Err(Invalid::new(format!(
                "{} names can't contain control characters such as line breaks.",
                kind.capitalised()
            )));
        }
        let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        let count = name.chars().count();
        if count == 0 || count > MAX_NAME_CHARS {
            return Err(Invalid::new(format!(
                "A {} name needs 1 to {MAX_NAME_CHARS} characters{}.",
                kind.word(),
                if count == 0 {
                    String::new()
                } else {
                    format!("; this one has {count}")
                }
            )));
        }
        if id_in(&name).is_some() {
            return Err(Invalid::new(format!(
                "'{name}' looks like an id; give the {} a name with letters.",
                kind.word()
            )));
        }
        Ok(Name(name))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key names are compared and kept unique by.
    pub fn key(&self) -> String {
        name_key(&self.0)
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The case-insensitive comparison key of any typed name.
pub fn name_key(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// `#12` names the thing with id 12 (what autocomplete sends); anything else is a name.
pub fn id_in(text: &str) -> Option<i64> {
    let digits = text.trim().strip_prefix('#')?;
    if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// How something is named by a person: an id from autocomplete or a name they typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    Id(i64),
    Key(String),
}

impl Lookup {
    pub fn parse(kind: Kind, raw: &str) -> Result<Lookup, Invalid> {
        if let Some(id) = id_in(raw) {
            return Ok(Lookup::Id(id));
        }
        let key = name_key(raw);
        if key.is_empty() {
            return Err(Invalid::new(format!("Name a {}.", kind.word())));
        }
        Ok(Lookup::Key(key))
    }
}

/// A color, kept as `#rrggbb`. Accepts `#rrggbb`, `rrggbb`, `#rgb` and a few names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Color(String);

/// Named colors people may type, and the palette new projects and stages take turns with.
pub const PALETTE: [(&str, &str); 10] = [
    ("blue", "#3b82f6"),
    ("green", "#22c55e"),
    ("orange", "#f97316"),
    ("purple", "#a855f7"),
    ("red", "#ef4444"),
    ("teal", "#14b8a6"),
    ("pink", "#ec4899"),
    ("yellow", "#eab308"),
    ("gray", "#6b7280"),
    ("brown", "#92400e"),
];

impl Color {
    pub fn parse(raw: &str) -> Result<Color, Invalid> {
        let text = raw.trim().to_ascii_lowercase();
        let wanted = if text == "grey" {
            "gray"
        } else {
            text.as_str()
        };
        if let Some((_, hex)) = PALETTE.iter().find(|(name, _)| *name == wanted) {
            return Ok(Color((*hex).to_string()));
        }
        let hex = text.strip_prefix('#').unwrap_or(&text);
        if hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            match hex.len() {
                6 => return Ok(Color(format!("#{hex}"))),
                3 => {
                    let long: String = hex.chars().flat_map(|c| [c, c]).collect();
                    return Ok(Color(format!("#{long}")));
                }
                _ => {}
            }
        }
        Err(Invalid::new(format!(
            "'{}' is not a color. Use a hex color like #3b82f6 or one of: {}.",
            clip(raw, 40),
            PALETTE.map(|(name, _)| name).join(", ")
        )))
    }

    /// The palette color for the n-th thing made, so neighbours differ.
    pub fn nth(n: usize) -> Color {
        Color(PALETTE[n % PALETTE.len()].1.to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Color {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An ISO 4217-style currency code: three letters, upper case. Serialized as the code (for
/// report pages and links); never deserialized unchecked, use [`Currency::parse`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Currency(String);

impl Currency {
    pub fn parse(raw: &str) -> Result<Currency, Invalid> {
        let code = raw.trim().to_ascii_uppercase();
        if code.len() == 3 && code.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(Currency(code))
        } else {
            Err(Invalid::new(format!(
                "'{}' is not a currency code. Use three letters such as EUR, USD or GBP.",
                clip(raw, 20)
            )))
        }
    }

    pub fn euro() -> Currency {
        Currency("EUR".into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Digits after the decimal point: 0 for currencies without minor units, else 2.
    pub fn minor_digits(&self) -> u32 {
        const WHOLE: [&str; 16] = [
            "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND",
            "VUV", "XAF", "XOF", "XPF",
        ];
        if WHOLE.contains(&self.0.as_str()) {
            0
        } else {
            2
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Largest amount accepted, in minor units (a typo guard, far above any real budget).
pub const MAX_MINOR_UNITS: i64 = 1_000_000_000_000_000;
/// Largest hours budget accepted.
pub const MAX_BUDGET_HOURS: i64 = 1_000_000;

/// An amount of money in integer minor units.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    /// Parses `5000`, `5,000.50`, `5000 EUR`, `EUR 5000`, `€5000`, `$12.50`. Without a
    /// currency the amount is in `default`; the returned flag says whether one was typed.
    pub fn parse(raw: &str, default: &Currency) -> Result<(Money, bool), Invalid> {
        let wrong = || {
            Invalid::new(format!(
                "'{}' is not an amount of money. Write it like 5000 EUR, €5000 or 85.50.",
                clip(raw, 40)
            ))
        };
        let text = raw.trim();
        let symbols = [('€', "EUR"), ('$', "USD"), ('£', "GBP"), ('¥', "JPY")];
        let mut currency: Option<Currency> = None;
        let mut number = text.to_string();
        for (symbol, code) in symbols {
            if number.contains(symbol) {
                if currency.is_some() {
                    return Err(wrong());
                }
                currency = Some(Currency(code.into()));
                number = number.replace(symbol, "");
            }
        }
        let letters: String = number.chars().filter(|c| c.is_alphabetic()).collect();
        if !letters.is_empty() {
            if currency.is_some() {
                return Err(wrong());
            }
            let code = Currency::parse(&letters).map_err(|_| wrong())?;
            // Letters must be one block at the start or end ("EUR 5000", "5000eur").
            let trimmed = number.trim();
            let rest = if trimmed.len() >= 3
                && trimmed.is_char_boundary(3)
                && trimmed[..3].eq_ignore_ascii_case(code.as_str())
            {
                &trimmed[3..]
            } else if trimmed.len() >= 3
                && trimmed.is_char_boundary(trimmed.len() - 3)
                && trimmed[trimmed.len() - 3..].eq_ignore_ascii_case(code.as_str())
            {
                &trimmed[..trimmed.len() - 3]
            } else {
                return Err(wrong());
            };
            number = rest.to_string();
            currency = Some(code);
        }
        let typed = currency.is_some();
        let currency = currency.unwrap_or_else(|| default.clone());
        let minor = parse_decimal(number.trim(), currency.minor_digits()).ok_or_else(wrong)?;
        if minor > MAX_MINOR_UNITS {
            return Err(Invalid::new(format!(
                "{} is more than this tracker accepts; check the amount.",
                clip(raw, 40)
            )));
        }
        Ok((Money { minor, currency }, typed))
    }

    /// `EUR 5,000.50`.
    pub fn display(&self) -> String {
        let digits = self.currency.minor_digits();
        let scale = 10_i64.pow(digits);
        let whole = group_thousands(self.minor / scale);
        if digits == 0 {
            format!("{} {whole}", self.currency)
        } else {
            format!(
                "{} {whole}.{:0width$}",
                self.currency,
                self.minor % scale,
                width = digits as usize
            )
        }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display())
    }
}

fn group_thousands(n: i64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A non-negative decimal number into integer units with `digits` decimals. A comma is a
/// thousands separator when groups of three follow it, otherwise a decimal comma.
fn parse_decimal(text: &str, digits: u32) -> Option<i64> {
    let text = text.replace([' ', '_', '\''], "");
    let normal = if text.contains('.') {
        text.replace(',', "")
    } else if let Some((head, tail)) = text.rsplit_once(',') {
        if tail.len() == 3 && !head.is_empty() {
            text.replace(',', "")
        } else if !head.contains(',') {
            format!("{head}.{tail}")
        } else {
            return None;
        }
    } else {
        text
    };
    let (whole, frac) = normal.split_once('.').unwrap_or((&normal, ""));
    if whole.is_empty() && frac.is_empty() {
        return None;
    }
    if !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if frac.len() > digits as usize || whole.len() > 18 {
        return None;
    }
    let scale = 10_i64.checked_pow(digits)?;
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let mut frac_value: i64 = if frac.is_empty() {
        0
    } else {
        frac.parse().ok()?
    };
    for _ in frac.len()..digits as usize {
        frac_value *= 10;
    }
    whole.checked_mul(scale)?.checked_add(frac_value)
}

/// A project's budget: none, a number of hours (kept in minutes) or an amount of money (in
/// minor units of the project's currency).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Budget {
    None,
    Hours { minutes: i64 },
    Money { minor: i64 },
}

/// A budget as typed, with the currency a money budget was given in, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetInput {
    pub budget: Budget,
    pub currency: Option<Currency>,
}

impl Budget {
    /// `none`, `40h`, `40h 30m`, `1.5h`, `90m`, `40 hours`, or money: `5000 EUR`, `€5000`.
    /// A bare number is refused: it could be either.
    pub fn parse(raw: &str) -> Result<BudgetInput, Invalid> {
        let text = raw.trim().to_lowercase();
        if matches!(text.as_str(), "none" | "no" | "off" | "clear" | "remove") {
            return Ok(BudgetInput {
                budget: Budget::None,
                currency: None,
            });
        }
        if let Some(minutes) = parse_hours(&text) {
            if minutes <= 0 {
                return Err(Invalid::new(
                    "A budget must be more than zero; use none to remove it.",
                ));
            }
            if minutes > MAX_BUDGET_HOURS * 60 {
                return Err(Invalid::new(format!(
                    "A budget of more than {MAX_BUDGET_HOURS} hours is not accepted; check the number."
                )));
            }
            return Ok(BudgetInput {
                budget: Budget::Hours { minutes },
                currency: None,
            });
        }
        let bare = parse_decimal(&text, 2).is_some();
        match Money::parse(raw, &Currency::euro()) {
            Ok((money, true)) if !bare => {
                if money.minor == 0 {
                    return Err(Invalid::new(
                        "A budget must be more than zero; use none to remove it.",
                    ));
                }
                Ok(BudgetInput {
                    budget: Budget::Money { minor: money.minor },
                    currency: Some(money.currency),
                })
            }
            _ => Err(Invalid::new(format!(
                "'{}' is not a budget. Use hours like 40h or 12h30m, money like 5000 EUR or €5000, or none.",
                clip(raw, 40)
            ))),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Budget::None => "none",
            Budget::Hours { .. } => "hours",
            Budget::Money { .. } => "money",
        }
    }

    pub fn value(&self) -> Option<i64> {
        match self {
            Budget::None => None,
            Budget::Hours { minutes } => Some(*minutes),
            Budget::Money { minor } => Some(*minor),
        }
    }

    pub fn is_money(&self) -> bool {
        matches!(self, Budget::Money { .. })
    }

    /// The inverse of `kind()` and `value()`, for the store.
    pub fn from_parts(kind: &str, value: Option<i64>) -> Option<Budget> {
        match (kind, value) {
            ("none", None) => Some(Budget::None),
            ("hours", Some(minutes)) => Some(Budget::Hours { minutes }),
            ("money", Some(minor)) => Some(Budget::Money { minor }),
            _ => None,
        }
    }

    /// `40h`, `12h 30m`, `EUR 5,000.00`, `none`.
    pub fn display(&self, currency: &Currency) -> String {
        match self {
            Budget::None => "none".into(),
            Budget::Hours { minutes } => match (minutes / 60, minutes % 60) {
                (h, 0) => format!("{h}h"),
                (0, m) => format!("{m}m"),
                (h, m) => format!("{h}h {m}m"),
            },
            Budget::Money { minor } => Money {
                minor: *minor,
                currency: currency.clone(),
            }
            .display(),
        }
    }
}

/// Hours and minutes like `40h`, `1.5h`, `12h 30m`, `90m`, `40 hours`; `None` if it isn't.
fn parse_hours(text: &str) -> Option<i64> {
    let mut rest = text.trim();
    let mut total: Option<i64> = None;
    while !rest.is_empty() {
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, after) = rest.split_at(end);
        if number.is_empty() {
            return None;
        }
        let after = after.trim_start();
        let unit_end = after
            .find(|c: char| !c.is_alphabetic())
            .unwrap_or(after.len());
        let (unit, tail) = after.split_at(unit_end);
        let per_unit = match unit {
            "h" | "hr" | "hrs" | "hour" | "hours" => 60.0,
            "m" | "min" | "mins" | "minute" | "minutes" => 1.0,
            _ => return None,
        };
        let value: f64 = number.parse().ok()?;
        if !value.is_finite() || value > (MAX_BUDGET_HOURS * 60 * 10) as f64 {
            return None;
        }
        total = Some(total.unwrap_or(0) + (value * per_unit).round() as i64);
        rest = tail.trim_start();
    }
    total
}

/// A due date, typed as an ISO date (`2026-12-31`).
pub fn parse_due_date(raw: &str) -> Result<NaiveDate, Invalid> {
    NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").map_err(|_| {
        Invalid::new(format!(
            "'{}' is not a date. Write it as year-month-day, like 2026-12-31.",
            clip(raw, 40)
        ))
    })
}

// ---------------------------------------------------------------------------------------
// "Did you mean …?"
// ---------------------------------------------------------------------------------------

/// Edit distance between two strings, by characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitute.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// The candidate closest to what was typed, if one is close enough to be a likely typo (or
/// starts with or contains what was typed).
pub fn closest<'a>(typed: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let typed = name_key(typed);
    if typed.is_empty() {
        return None;
    }
    let allowed = (typed.chars().count() / 3).clamp(1, 4);
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        let key = name_key(candidate);
        let score = if key.starts_with(&typed) || (typed.starts_with(&key) && key.len() >= 3) {
            0
        } else if key.contains(&typed) && typed.chars().count() >= 3 {
            1
        } else {
            let distance = edit_distance(&typed, &key);
            if distance > allowed {
                continue;
            }
            distance + 1
        };
        if best.is_none_or(|(s, _)| score < s) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, candidate)| candidate)
}

/// How many names a "not found" message lists.
pub const LISTED_NAMES: usize = 8;

/// The message for a name that matched nothing the person may see: a likely match, or
/// what exists.
pub fn not_found_message(kind: Kind, typed: &str, candidates: &[&str], place: &str) -> String {
    let head = format!(
        "No {} named '{}'{place}.",
        kind.word(),
        clip(typed.trim(), 60)
    );
    if let Some(id) = id_in(typed) {
        return format!("No {} with id #{id}{place} that you can see.", kind.word());
    }
    if let Some(best) = closest(typed, candidates) {
        return format!("{head} Did you mean '{best}'?");
    }
    if candidates.is_empty() {
        return format!("{head} There are no {} yet.", kind.plural());
    }
    let mut sorted: Vec<&str> = candidates.to_vec();
    sorted.sort_by_key(|name| name.to_lowercase());
    let shown: Vec<String> = sorted
        .iter()
        .take(LISTED_NAMES)
        .map(|name| format!("'{}'", clip(name, 40)))
        .collect();
    let more = sorted.len().saturating_sub(LISTED_NAMES);
    let tail = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    format!(
        "{head} {}: {}{tail}.",
        match kind {
            Kind::Project => "Projects you can see".to_string(),
            _ => format!("{}s", kind.capitalised()),
        },
        shown.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use Membership as M;
    use Role::*;

    fn st(role: Role, m: Membership) -> Standing {
        Standing::new(role, m)
    }

    fn with_create(access: CreateAccess) -> Settings {
        Settings {
            who_can_create_projects: access,
            who_can_create_tasks: access,
            who_can_create_tags: access,
            ..Settings::default()
        }
    }

    #[test]
    fn create_cells_follow_the_settings() {
        use CreateAccess::*;
        // (setting, roles allowed)
        let table: [(CreateAccess, &[Role]); 3] = [
            (Anyone, &[Owner, Admin, Manager, Member]),
            (Managers, &[Owner, Admin, Manager]),
            (Admins, &[Owner, Admin]),
        ];
        for (access, allowed) in table {
            let s = with_create(access);
            for role in Role::ALL {
                let expect = allowed.contains(&role);
                assert_eq!(
                    create_project(role, &s).is_ok(),
                    expect,
                    "{role} {access:?}"
                );
                assert_eq!(create_client(role, &s).is_ok(), expect, "{role} {access:?}");
                assert_eq!(create_tag(role, &s).is_ok(), expect, "{role} {access:?}");
            }
        }
        let err = create_project(Member, &with_create(Managers)).unwrap_err();
        assert!(
            err.0.contains("who_can_create_projects is managers"),
            "{}",
            err.0
        );
    }

    #[test]
    fn project_managers_always_create_tasks_on_their_own_project() {
        use CreateAccess::*;
        for access in [Anyone, Managers, Admins] {
            let s = with_create(access);
            assert!(
                create_task(st(Member, M::Manager), &s).is_ok(),
                "{access:?}"
            );
            assert!(create_task(st(Owner, M::None), &s).is_ok());
            assert!(create_task(st(Viewer, M::Manager), &s).is_err());
            assert!(create_task(st(Guest, M::Manager), &s).is_err());
        }
        assert!(create_task(st(Member, M::Member), &with_create(Anyone)).is_ok());
        assert!(create_task(st(Member, M::Member), &with_create(Managers)).is_err());
        assert!(create_task(st(Manager, M::None), &with_create(Managers)).is_ok());
        assert!(create_task(st(Manager, M::None), &with_create(Admins)).is_err());
    }

    #[test]
    fn edit_cells() {
        let cases = [
            (st(Owner, M::None), true),
            (st(Admin, M::None), true),
            (st(Manager, M::None), false),
            (st(Manager, M::Manager), true),
            (st(Member, M::Manager), true),
            (st(Member, M::Member), false),
            (st(Member, M::None), false),
            (st(Viewer, M::Manager), false),
            (st(Viewer, M::None), false),
            (st(Guest, M::None), false),
        ];
        for (who, allowed) in cases {
            for f in [
                edit_project,
                archive_project,
                delete_project,
                manage_project_members,
                share_project,
            ] {
                assert_eq!(f(who).is_ok(), allowed, "{who:?}");
            }
        }
    }

    #[test]
    fn rates_need_the_setting_for_project_managers() {
        let admins = Settings::default();
        let anyone = Settings {
            who_can_see_rates: AdminsOrAnyone::Anyone,
            ..Settings::default()
        };
        assert!(edit_project_rates(st(Admin, M::None), &admins).is_ok());
        assert!(edit_project_rates(st(Member, M::Manager), &admins).is_err());
        assert!(edit_project_rates(st(Member, M::Manager), &anyone).is_ok());
        assert!(edit_project_rates(st(Manager, M::None), &anyone).is_err());
    }

    #[test]
    fn visibility_and_tracking() {
        use Privacy::*;
        // (standing, sees private, sees public, tracks private, tracks public)
        let table = [
            (st(Owner, M::None), true, true, true, true),
            (st(Admin, M::None), true, true, true, true),
            (st(Manager, M::None), true, true, false, true),
            (st(Manager, M::Member), true, true, true, true),
            (st(Member, M::None), false, true, false, true),
            (st(Member, M::Member), true, true, true, true),
            (st(Member, M::Manager), true, true, true, true),
            (st(Viewer, M::None), true, true, false, false),
            (st(Guest, M::None), false, false, false, false),
            (st(Guest, M::Member), false, false, false, false),
        ];
        for (who, sp, sq, tp, tq) in table {
            assert_eq!(can_see_project(who, Private), sp, "{who:?} sees private");
            assert_eq!(can_see_project(who, Public), sq, "{who:?} sees public");
            assert_eq!(
                can_track_to_project(who, Private, "P").is_ok(),
                tp,
                "{who:?}"
            );
            assert_eq!(
                can_track_to_project(who, Public, "P").is_ok(),
                tq,
                "{who:?}"
            );
        }
    }

    #[test]
    fn renaming_and_archiving_follow_creation_rights() {
        use CreateAccess::*;
        let anyone = with_create(Anyone);
        assert!(tidy_client(Member, &anyone, true).is_ok());
        assert!(tidy_client(Member, &anyone, false).is_err());
        assert!(tidy_client(Manager, &anyone, false).is_ok());
        assert!(tidy_client(Viewer, &anyone, true).is_err());
        assert!(tidy_tag(Member, &with_create(Managers), true).is_err());
        assert!(tidy_tag(Manager, &with_create(Admins), true).is_err());
        assert!(tidy_tag(Admin, &with_create(Admins), false).is_ok());
        assert!(tidy_task(st(Member, M::Manager), &with_create(Admins), false).is_ok());
        assert!(tidy_task(st(Member, M::Member), &anyone, false).is_err());
        assert!(tidy_task(st(Member, M::Member), &anyone, true).is_ok());
        assert!(tidy_task(st(Viewer, M::Manager), &anyone, true).is_err());
        assert!(mark_task(st(Manager, M::None), Privacy::Private, "P").is_err());
        assert!(mark_task(st(Member, M::Member), Privacy::Private, "P").is_ok());
        assert!(manage_stages(Admin).is_ok());
        assert!(manage_stages(Manager).is_err());
        assert!(may_join_project(Member, "x").is_ok());
        assert!(may_join_project(Viewer, "x").is_err());
        assert!(may_join_project(Guest, "x").is_err());
    }

    #[test]
    fn names_are_trimmed_bounded_and_clean() {
        let n = Name::parse(Kind::Project, "  Web   site ").unwrap();
        assert_eq!(n.as_str(), "Web site");
        assert_eq!(n.key(), "web site");
        assert!(Name::parse(Kind::Project, "   ").is_err());
        assert!(Name::parse(Kind::Tag, "a\nb").is_err());
        assert!(Name::parse(Kind::Tag, "a\u{7}b").is_err());
        assert!(Name::parse(Kind::Tag, &"x".repeat(100)).is_ok());
        let long = Name::parse(Kind::Tag, &"x".repeat(101)).unwrap_err();
        assert!(long.0.contains("1 to 100"), "{}", long.0);
        assert!(Name::parse(Kind::Project, "#12").is_err());
        assert!(Name::parse(Kind::Project, "#1 priority").is_ok());
        assert_eq!(Name::parse(Kind::Task, "ÉTÉ").unwrap().key(), "été");
    }

    #[test]
    fn colors() {
        assert_eq!(Color::parse("#AABBCC").unwrap().as_str(), "#aabbcc");
        assert_eq!(Color::parse("aabbcc").unwrap().as_str(), "#aabbcc");
        assert_eq!(Color::parse("#abc").unwrap().as_str(), "#aabbcc");
        assert_eq!(Color::parse("Red").unwrap().as_str(), "#ef4444");
        assert_eq!(Color::parse("grey").unwrap().as_str(), "#6b7280");
        for bad in ["#12345", "#ggg000", "", "blurple", "#1234567"] {
            assert!(Color::parse(bad).is_err(), "{bad}");
        }
        assert_ne!(Color::nth(0), Color::nth(1));
    }

    #[test]
    fn budgets() {
        let hours = |raw: &str| Budget::parse(raw).unwrap().budget;
        assert_eq!(hours("40h"), Budget::Hours { minutes: 2400 });
        assert_eq!(hours("1.5h"), Budget::Hours { minutes: 90 });
        assert_eq!(hours("12h 30m"), Budget::Hours { minutes: 750 });
        assert_eq!(hours("12h30m"), Budget::Hours { minutes: 750 });
        assert_eq!(hours("90m"), Budget::Hours { minutes: 90 });
        assert_eq!(hours("40 hours"), Budget::Hours { minutes: 2400 });
        assert_eq!(hours("none"), Budget::None);
        let money = Budget::parse("5000 EUR").unwrap();
        assert_eq!(money.budget, Budget::Money { minor: 500_000 });
        assert_eq!(money.currency, Some(Currency::euro()));
        let dollars = Budget::parse("$1,250.50").unwrap();
        assert_eq!(dollars.budget, Budget::Money { minor: 125_050 });
        assert_eq!(dollars.currency.unwrap().as_str(), "USD");
        let yen = Budget::parse("¥5000").unwrap();
        assert_eq!(yen.budget, Budget::Money { minor: 5000 });
        for bad in ["5000", "0h", "lots", "-5h", "5 EUR USD", "€", "12x"] {
            assert!(Budget::parse(bad).is_err(), "{bad}");
        }
        assert!(Budget::parse("2000000h").is_err());
        assert_eq!(
            Budget::Hours { minutes: 750 }.display(&Currency::euro()),
            "12h 30m"
        );
        assert_eq!(
            Budget::Money { minor: 500_050 }.display(&Currency::euro()),
            "EUR 5,000.50"
        );
    }

    #[test]
    fn money() {
        let eur = Currency::euro();
        let (m, typed) = Money::parse("85.5", &eur).unwrap();
        assert_eq!((m.minor, typed), (8550, false));
        let (m, typed) = Money::parse("EUR 85", &eur).unwrap();
        assert_eq!((m.minor, typed), (8500, true));
        let (m, _) = Money::parse("85,50", &eur).unwrap();
        assert_eq!(m.minor, 8550);
        let (m, _) = Money::parse("1,000", &eur).unwrap();
        assert_eq!(m.minor, 100_000);
        let (m, _) = Money::parse("120gbp", &eur).unwrap();
        assert_eq!((m.minor, m.currency.as_str()), (12_000, "GBP"));
        for bad in ["85.555", "abc", "8 5 EURO", "1e5", "-3"] {
            assert!(Money::parse(bad, &eur).is_err(), "{bad}");
        }
        assert_eq!(
            Money::parse("1000 JPY", &eur).unwrap().0.display(),
            "JPY 1,000"
        );
    }

    #[test]
    fn due_dates() {
        assert_eq!(
            parse_due_date("2026-12-31").unwrap(),
            NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()
        );
        assert!(parse_due_date("2026-02-30").is_err());
        assert!(parse_due_date("tomorrow").is_err());
    }

    #[test]
    fn did_you_mean() {
        let names = ["Website", "Mobile app", "Internal"];
        assert_eq!(
            not_found_message(Kind::Project, "Webiste", &names, ""),
            "No project named 'Webiste'. Did you mean 'Website'?"
        );
        assert_eq!(closest("mob", &names), Some("Mobile app"));
        assert_eq!(closest("zzz", &names), None);
        let listed = not_found_message(Kind::Project, "Accounting", &names, "");
        assert!(
            listed.ends_with("Projects you can see: 'Internal', 'Mobile app', 'Website'."),
            "{listed}"
        );
        let none = not_found_message(Kind::Tag, "urgent", &[], "");
        assert!(none.contains("no tags yet"), "{none}");
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert!(not_found_message(Kind::Project, "#9", &names, "").contains("#9"));
    }

    #[test]
    fn lookups_tell_ids_from_names() {
        assert_eq!(Lookup::parse(Kind::Project, "#42"), Ok(Lookup::Id(42)));
        assert_eq!(
            Lookup::parse(Kind::Project, " Web  Site "),
            Ok(Lookup::Key("web site".into()))
        );
        assert!(Lookup::parse(Kind::Project, " ").is_err());
    }
}
