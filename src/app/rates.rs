//! Hourly rates and money: the workspace rate (Owner/Admin), each member's rate
//! (Owner/Admin), each member's rate on one project (`edit_project_rates`: Owner/Admin, and the
//! project's managers when who_can_see_rates is anyone), what applies (the most specific), and
//! how much of a project's budget is used.
//!
//! The project's own rate is set with `app::projects::set_rate`. Project-level rates (project,
//! project member) are in the project's currency; member and workspace rates in the workspace
//! currency, which is set together with the workspace rate. Money is integer minor units;
//! amounts are for billable time and rounded per entry. Rates and amounts are shown only to
//! those who may see them (`can_see_rates`; never Guests).

use chrono::Duration;
use serde_json::json;

use super::audit::{member_target, record, Change};
use super::entries::PersonRef;
use super::projects::visible_project;
use super::{
    active_member, begin_locked, member_by_user, workspace_of, Actor, App, AppError, AppResult,
};
use crate::domain::entries::{self as rules, RateLevel, Rates, MAX_HOURLY_RATE};
use crate::domain::projects::{self as project_rules, Budget, Currency, Money, Standing};
use crate::domain::settings::Settings;
use crate::domain::{Role, UserId};
use crate::store::{self, members::Member};

/// Every rate that could apply to one member on one project, and the one that does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateCard {
    pub project_id: i64,
    pub project: String,
    pub member: PersonRef,
    pub project_member: Option<Money>,
    pub project_rate: Option<Money>,
    pub member_rate: Option<Money>,
    pub workspace_rate: Option<Money>,
    /// The most specific rate that is set.
    pub effective: Option<(Money, RateLevel)>,
}

/// How much of a project's budget is used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetUse {
    pub project_id: i64,
    pub project: String,
    /// `None` when the budget is in money and the actor may not see money.
    pub budget: Option<Budget>,
    pub currency: Currency,
    /// All time tracked to the project (running timers up to now).
    pub tracked: Duration,
    pub billable: Duration,
    /// Billable amount in the project's currency, when the actor may see money.
    pub amount: Option<Money>,
    /// Billable time without a rate in the project's currency (no rate at all, or a member or
    /// workspace rate in another currency), when the actor may see money.
    pub unpriced: Option<Duration>,
    /// Percent of the budget used (of its hours, or of its money when the actor may see
    /// money); may exceed 100.
    pub percent: Option<i64>,
}

fn money(minor: Option<i64>, currency: &Currency) -> Option<Money> {
    minor.map(|minor| Money {
        minor,
        currency: currency.clone(),
    })
}

/// A rate as typed: `85`, `85.50`, `85 EUR`, `€85`, or `none` to clear it. Returns the rate
/// and the currency when one was typed.
fn parse_rate(raw: &str, currency: &Currency) -> AppResult<(Option<i64>, Option<Currency>)> {
    let text = raw.trim().to_lowercase();
    if matches!(text.as_str(), "none" | "no" | "clear" | "remove" | "off") {
        return Ok((None, None));
    }
    if text.is_empty() {
        return Err(AppError::invalid(
            "Type an hourly rate like 85 or 85.50 EUR, or none to remove it.",
        ));
    }
    let (parsed, typed) = Money::parse(raw, currency)?;
    if parsed.minor > MAX_HOURLY_RATE {
        return Err(AppError::invalid(format!(
            "{} per hour is more than this tracker accepts; check the amount.",
            parsed.display()
        )));
    }
    Ok((Some(parsed.minor), typed.then_some(parsed.currency)))
}

fn admins_only(role: Role, what: &str) -> AppResult<()> {
    if !role.is_admin() {
        return Err(AppError::denied(format!(
            "Only the Owner or an Admin can set {what}."
        )));
    }
    Ok(())
}

fn rates_hidden(settings: &Settings, role: Role) -> AppResult<()> {
    if rules::can_see_rates(role, settings) {
        return Ok(());
    }
    Err(AppError::denied(if role == Role::Guest {
        "Guests never see rates or money amounts."
    } else {
        "Only the Owner and Admins see rates and money amounts here (setting who_can_see_rates is admins)."
    }))
}

fn tracker(member: &Member) -> AppResult<()> {
    if !member.role.can_track_time() {
        return Err(AppError::invalid(format!(
            "{} is {} and doesn't track time, so has no rate.",
            member.display_name,
            member.role.with_article()
        )));
    }
    Ok(())
}

/// Sets (or clears with `none`) the workspace's default rate; a rate typed in another currency
/// changes the workspace currency, which member rates are in.
pub async fn set_workspace_rate(app: &App, actor: &Actor, rate: &str) -> AppResult<Option<Money>> {
    let workspace = workspace_of(app, actor).await?;
    let mut tx = begin_locked(app, &workspace).await?;
    let me = active_member(&mut tx, &workspace, actor).await?;
    admins_only(me.role, "the workspace rate")?;
    let (before, currency) = store::rates::workspace_rate(&mut tx, workspace.id).await?;
    let (after, typed) = parse_rate(rate, &currency)?;
    let next_currency = typed.unwrap_or_else(|| currency.clone());
    if next_currency != currency
        && store::rates::count_member_rates(&mut tx, workspace.id).await? > 0
    {
        return Err(AppError::conflict(format!(
            "Member rates are in {currency}, the workspace currency. Give the workspace rate in {currency}, or clear the member rates first."
        )));
    }
    if (before, &currency) != (after, &next_currency) {
        store::rates::set_workspace_rate(&mut tx, workspace.id, after, &next_currency).await?;
        record(
            app,
            &mut tx,
            workspace.id,
            actor,
            Change {
                action: "rate.workspace",
                target: "workspace rate".into(),
                before: Some(json!({ "rate": before, "currency": currency.as_str() })),
                after: Some(json!({ "rate": after, "currency": next_currency.as_str() })),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(money(after, &next_currency))
}

/// Sets (or clears) a member's own rate, in the workspace currency (Owner/Admin).
pub async fn set_member_rate(
    app: &App,
    actor: &Actor,
    user: UserId,
    rate: &str,
) -> AppResult<Option<Money>> {
    let workspace = workspace_of(app, actor).await?;
    let mut tx = begin_locked(app, &workspace).await?;
    let me = active_member(&mut tx, &workspace, actor).await?;
    admins_only(me.role, "member rates")?;
    let member = member_by_user(&mut tx, &workspace, user).await?;
    tracker(&member)?;
    let (_, currency) = store::rates::workspace_rate(&mut tx, workspace.id).await?;
    let (after, typed) = parse_rate(rate, &currency)?;
    if typed.is_some_and(|c| c != currency) {
        return Err(AppError::invalid(format!(
            "Member rates are in {currency}, the workspace currency; type the rate in {currency}."
        )));
    }
    let before = store::rates::member_rate(&mut tx, member.id).await?;
    if before != after {
        store::rates::set_member_rate(&mut tx, member.id, after).await?;
        record(
            app,
            &mut tx,
            workspace.id,
            actor,
            Change {
                action: "rate.member",
                target: member_target(&member),
                before: Some(json!({ "rate": before, "currency": currency.as_str() })),
                after: Some(json!({ "rate": after, "currency": currency.as_str() })),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(money(after, &currency))
}

/// Sets (or clears) a member's rate on one project, in the project's currency.
pub async fn set_project_member_rate(
    app: &App,
    actor: &Actor,
    project: &str,
    user: UserId,
    rate: &str,
) -> AppResult<Option<Money>> {
    let workspace = workspace_of(app, actor).await?;
    let mut tx = begin_locked(app, &workspace).await?;
    let me = active_member(&mut tx, &workspace, actor).await?;
    let (project, membership) = visible_project(&mut tx, &workspace, &me, project).await?;
    let settings = store::workspaces::load_settings(&mut tx, workspace.id).await?;
    project_rules::edit_project_rates(Standing::new(me.role, membership), &settings)?;
    let member = member_by_user(&mut tx, &workspace, user).await?;
    tracker(&member)?;
    let (after, typed) = parse_rate(rate, &project.currency)?;
    if typed.is_some_and(|c| c != project.currency) {
        return Err(AppError::invalid(format!(
            "{} counts money in {}; type the rate in {}.",
            project.name, project.currency, project.currency
        )));
    }
    let before = store::rates::project_member_rate(&mut tx, project.id, member.id).await?;
    if before != after {
        store::rates::set_project_member_rate(
            &mut tx,
            project.id,
            member.id,
            after,
            app.clock.now(),
        )
        .await?;
        record(
            app,
            &mut tx,
            workspace.id,
            actor,
            Change {
                action: "rate.project_member",
                target: format!("project {} (#{})", project.name, project.id),
                before: Some(json!({ "member": member_target(&member), "rate": before })),
                after: Some(json!({ "member": member_target(&member), "rate": after, "currency": project.currency.as_str() })),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(money(after, &project.currency))
}

/// The rates that could apply to a member (the actor by default) on a project, for those who
/// may see rates.
pub async fn rate_card(
    app: &App,
    actor: &Actor,
    project: &str,
    user: Option<UserId>,
) -> AppResult<RateCard> {
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    let settings = store::workspaces::load_settings(&mut conn, workspace.id).await?;
    rates_hidden(&settings, me.role)?;
    let (project, _) = visible_project(&mut conn, &workspace, &me, project).await?;
    let member = match user {
        Some(user) if user != me.user_id => member_by_user(&mut conn, &workspace, user).await?,
        _ => me.clone(),
    };
    let (workspace_rate, currency) = store::rates::workspace_rate(&mut conn, workspace.id).await?;
    let rates = Rates {
        project_member: store::rates::project_member_rate(&mut conn, project.id, member.id).await?,
        project: project.hourly_rate,
        member: store::rates::member_rate(&mut conn, member.id).await?,
        workspace: workspace_rate,
    };
    let effective = rates.effective_level().map(|(minor, level)| {
        let currency = if level.in_project_currency() {
            project.currency.clone()
        } else {
            currency.clone()
        };
        (Money { minor, currency }, level)
    });
    Ok(RateCard {
        project_id: project.id,
        project: project.name.clone(),
        member: PersonRef::of(&member),
        project_member: money(rates.project_member, &project.currency),
        project_rate: money(rates.project, &project.currency),
        member_rate: money(rates.member, &currency),
        workspace_rate: money(rates.workspace, &currency),
        effective,
    })
}

/// How much of a project's budget is used: hours for everyone who may see the project, money
/// only for those who may see it.
pub async fn budget_use(app: &App, actor: &Actor, project: &str) -> AppResult<BudgetUse> {
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    let (project, _) = visible_project(&mut conn, &workspace, &me, project).await?;
    let settings = store::workspaces::load_settings(&mut conn, workspace.id).await?;
    let money_visible = rules::can_see_rates(me.role, &settings);
    let (workspace_rate, workspace_currency) =
        store::rates::workspace_rate(&mut conn, workspace.id).await?;
    let totals = store::reports::budget_totals(
        &mut conn,
        &[project.id],
        workspace_rate,
        workspace_currency.as_str(),
        app.clock.now(),
    )
    .await?;
    Ok(budget_of(
        &project,
        totals.get(&project.id).copied().unwrap_or_default(),
        money_visible,
    ))
}

/// A project's budget use from its totals (all time tracked to it; a member or workspace rate
/// prices time only when the workspace currency is the project's). Shared with reports.
pub(crate) fn budget_of(
    project: &store::projects::Project,
    totals: store::reports::BudgetTotals,
    money_visible: bool,
) -> BudgetUse {
    let tracked = Duration::milliseconds(totals.millis.max(0));
    let amount = totals.amount;
    let percent = match &project.budget {
        Budget::None => None,
        Budget::Hours { minutes } if *minutes > 0 => Some(tracked.num_minutes() * 100 / minutes),
        Budget::Money { minor } if *minor > 0 && money_visible => {
            Some(i64::try_from(i128::from(amount) * 100 / i128::from(*minor)).unwrap_or(i64::MAX))
        }
        _ => None,
    };
    BudgetUse {
        project_id: project.id,
        project: project.name.clone(),
        budget: if project.budget.is_money() && !money_visible {
            None
        } else {
            Some(project.budget.clone())
        },
        currency: project.currency.clone(),
        tracked,
        billable: Duration::milliseconds(totals.billable_millis.max(0)),
        amount: money_visible.then(|| Money {
            minor: amount,
            currency: project.currency.clone(),
        }),
        unpriced: money_visible.then(|| Duration::milliseconds(totals.unpriced_millis.max(0))),
        percent,
    }
}
