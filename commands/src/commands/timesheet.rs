//! `/timesheet …`: a member's week, submitted for approval, and the approvers' side of it.
//!
//! Submitting sends each approver (the core says who) a direct message with **Approve** and
//! **Reject** buttons; Reject asks for the reason in a form. The buttons name the server, the
//! member and the week in their custom id (`cc:ts:<verb>:<guild>:<user>:<week>`), because a
//! press in a DM carries no server; the core then decides whether the presser may decide, so
//! a stale or forwarded button can do nothing the presser couldn't do with the command. The
//! member is told the decision by DM. A closed DM loses nothing: the week's state is in the
//! database, and `/timesheet pending` and `/timesheet status` show it.

use crewclock::app::timesheets::{self, Decision, TimesheetDecided, TimesheetView};
use crewclock::domain::timeparse::format_duration;
use crewclock::domain::{GuildId, UserId};
use crewclock::Actor;
use poise::serenity_prelude as serenity;

use super::{embed, paginate, private};
use crate::context::{actor, display_name, Context, Data, Error};
use crate::effects::{send_dm, DmOutcome};
use crate::events::respond_ephemeral;
use crate::render::{self, no_pings};

/// Custom ids of the approval buttons and the rejection form start with this.
const PREFIX: &str = "cc:ts:";
/// The rejection form's text input.
const REASON_INPUT: &str = "reason";

/// Timesheets: submit your week; approve or reject your team's
#[poise::command(
    slash_command,
    guild_only,
    subcommands(
        "submit", "withdraw", "status", "pending", "approve", "reject", "reopen"
    ),
    subcommand_required
)]
pub async fn timesheet(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// `2026-11-16 – 2026-11-22`.
fn week_text(sheet: &TimesheetView) -> String {
    format!(
        "{} – {}",
        sheet.week_start.format("%Y-%m-%d"),
        sheet.week_end.format("%Y-%m-%d")
    )
}

/// `Mon 3h · Tue 4h 30m`, the days with time.
fn days_text(sheet: &TimesheetView) -> String {
    let days: Vec<String> = sheet
        .days
        .iter()
        .filter(|(_, d)| *d > chrono::Duration::zero())
        .map(|(day, d)| format!("{} {}", day.format("%a"), format_duration(*d)))
        .collect();
    if days.is_empty() {
        "no time entered".into()
    } else {
        days.join(" · ")
    }
}

fn entries_text(n: usize) -> String {
    match n {
        1 => "1 entry".into(),
        n => format!("{n} entries"),
    }
}

// ---------------------------------------------------------------------------------------
// The member's side
// ---------------------------------------------------------------------------------------

/// Submit your week for approval; your approvers get a direct message
#[poise::command(slash_command, guild_only)]
async fn submit(
    ctx: Context<'_>,
    #[description = "this week (default), last week, 2026-W47 or a date in the week"]
    #[max_length = 40]
    week: Option<String>,
) -> Result<(), Error> {
    let me = actor(ctx);
    let sheet = timesheets::submit(&ctx.data().app, &me, week.as_deref()).await?;
    // The week is submitted; asking the approvers may take Discord a moment.
    ctx.defer_ephemeral().await?;
    let mut text = format!(
        "Submitted your week of {}: **{}** in {} ({}).",
        week_text(&sheet),
        format_duration(sheet.total),
        entries_text(sheet.entries),
        days_text(&sheet)
    );
    text.push('\n');
    text.push_str(&ask_approvers(ctx, &me, &sheet).await);
    private(ctx, text).await
}

/// DMs every approver the request with its buttons; says who was asked and who couldn't be.
async fn ask_approvers(ctx: Context<'_>, me: &Actor, sheet: &TimesheetView) -> String {
    let approvers = match timesheets::approvers(&ctx.data().app, me).await {
        Ok(approvers) => approvers,
        Err(e) => {
            return format!(
                "I couldn't work out whom to ask ({}); approvers see it in /timesheet pending.",
                e.user_message()
            )
        }
    };
    if approvers.is_empty() {
        return "Nobody else approves your timesheets here; approve it yourself with /timesheet approve.".into();
    }
    let Some(guild) = me.guild else {
        return String::new();
    };
    let workspace = crewclock::app::workspace::info(&ctx.data().app, me)
        .await
        .map(|info| info.workspace.name)
        .unwrap_or_else(|_| "your workspace".into());
    let (mut asked, mut closed, mut failed) = (Vec::new(), Vec::new(), Vec::new());
    for approver in &approvers {
        let message = approval_request(guild, sheet, &workspace);
        let who = render::mention(approver.user);
        match send_dm(ctx.http(), approver.user, message).await {
            DmOutcome::Sent => asked.push(who),
            DmOutcome::Closed => closed.push(who),
            DmOutcome::Failed => failed.push(who),
        }
    }
    let mut lines = Vec::new();
    if !asked.is_empty() {
        lines.push(format!("Asked for approval by DM: {}.", listed(&asked)));
    }
    if !closed.is_empty() {
        lines.push(format!(
            "⚠️ {} {} direct messages from me closed, so I couldn't ask there; it waits in their /timesheet pending.",
            listed(&closed),
            if closed.len() == 1 { "has" } else { "have" }
        ));
    }
    if !failed.is_empty() {
        lines.push(format!(
            "⚠️ Discord didn't deliver my message to {}; it waits in their /timesheet pending.",
            listed(&failed)
        ));
    }
    lines.join("\n")
}

/// People, at most [`MAX_LISTED`] of them, so a workspace with many Admins stays within
/// Discord's 2000 characters.
fn listed(people: &[String]) -> String {
    let shown = people[..people.len().min(MAX_LISTED)].join(", ");
    match people.len().saturating_sub(MAX_LISTED) {
        0 => shown,
        more => format!("{shown} and {more} more"),
    }
}

const MAX_LISTED: usize = 15;

/// The approver's DM: what was submitted, with Approve / Reject buttons.
fn approval_request(
    guild: GuildId,
    sheet: &TimesheetView,
    workspace: &str,
) -> serenity::CreateMessage {
    let key = format!(
        "{}:{}:{}",
        guild.0,
        sheet.member.user.0,
        sheet.week_start.format("%Y-%m-%d")
    );
    let content = format!(
        "🗓️ {who} (**{name}**) submitted the week of {week} in **{ws}** for approval: **{total}** in {entries}.\n{days}\nTheir entries: /time list week:{start} user:{who} in the server.",
        who = render::mention(sheet.member.user),
        name = render::name(&sheet.member.name),
        week = week_text(sheet),
        ws = render::safe(workspace, 60),
        total = format_duration(sheet.total),
        entries = entries_text(sheet.entries),
        days = days_text(sheet),
        start = sheet.week_start.format("%Y-%m-%d"),
    );
    serenity::CreateMessage::new()
        .content(content)
        .components(vec![serenity::CreateActionRow::Buttons(vec![
            serenity::CreateButton::new(format!("{PREFIX}approve:{key}"))
                .label("Approve")
                .style(serenity::ButtonStyle::Success),
            serenity::CreateButton::new(format!("{PREFIX}reject:{key}"))
                .label("Reject")
                .style(serenity::ButtonStyle::Danger),
        ])])
        .allowed_mentions(no_pings())
}

/// Take back a submitted week that isn't approved yet
#[poise::command(slash_command, guild_only)]
async fn withdraw(
    ctx: Context<'_>,
    #[description = "this week (default), last week, 2026-W47 or a date in the week"]
    #[max_length = 40]
    week: Option<String>,
) -> Result<(), Error> {
    let sheet = timesheets::withdraw(&ctx.data().app, &actor(ctx), week.as_deref()).await?;
    private(
        ctx,
        format!(
            "Withdrew your week of {}; it is open again. Submit it again with /timesheet submit when it is ready.",
            week_text(&sheet)
        ),
    )
    .await
}

/// Where a week stands: yours, or a member's you may see
#[poise::command(slash_command, guild_only)]
async fn status(
    ctx: Context<'_>,
    #[description = "this week (default), last week, 2026-W47 or a date in the week"]
    #[max_length = 40]
    week: Option<String>,
    #[description = "A member whose timesheet you may see (yourself if left out)"] user: Option<
        serenity::User,
    >,
) -> Result<(), Error> {
    let sheet = timesheets::status(
        &ctx.data().app,
        &actor(ctx),
        user.map(|u| UserId(u.id.get())),
        week.as_deref(),
    )
    .await?;
    let mut text = format!(
        "**Member:** {}\n**Status:** {}\n**Total:** {} in {}\n**Days:** {}",
        render::mention(sheet.member.user),
        sheet.status.as_str(),
        format_duration(sheet.total),
        entries_text(sheet.entries),
        days_text(&sheet)
    );
    if let Some(at) = sheet.submitted_at {
        text.push_str(&format!("\n**Submitted:** {}", render::relative(at)));
    }
    if let (Some(by), Some(at)) = (&sheet.decided_by, sheet.decided_at) {
        text.push_str(&format!(
            "\n**Decided by:** {} {}",
            render::name(by),
            render::relative(at)
        ));
    }
    if let Some(reason) = &sheet.reason {
        text.push_str(&format!("\n**Reason:** {}", render::safe(reason, 500)));
    }
    let title = format!("Week of {} ({})", week_text(&sheet), sheet.time_zone.name());
    ctx.send(
        poise::CreateReply::default()
            .embed(embed(&title, &text))
            .ephemeral(true)
            .allowed_mentions(no_pings()),
    )
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The approver's side
// ---------------------------------------------------------------------------------------

/// Submitted weeks waiting for your decision
#[poise::command(slash_command, guild_only)]
async fn pending(ctx: Context<'_>) -> Result<(), Error> {
    let waiting = timesheets::pending(&ctx.data().app, &actor(ctx)).await?;
    if waiting.is_empty() {
        return private(ctx, "Nothing waits for your approval.").await;
    }
    let lines: Vec<String> = waiting
        .iter()
        .map(|sheet| {
            let submitted = sheet
                .submitted_at
                .map(|at| format!(", submitted {}", render::relative(at)))
                .unwrap_or_default();
            format!(
                "{} — week of {}: **{}** in {}{submitted}",
                render::mention(sheet.member.user),
                week_text(sheet),
                format_duration(sheet.total),
                entries_text(sheet.entries)
            )
        })
        .collect();
    let title = format!("Waiting for your decision ({})", waiting.len());
    drop(waiting);
    paginate(ctx, &title, lines, true).await
}

/// Approve a member's submitted week (its entries lock)
#[poise::command(slash_command, guild_only)]
async fn approve(
    ctx: Context<'_>,
    #[description = "The member"] user: serenity::User,
    #[description = "this week (default), last week, 2026-W47 or a date in the week"]
    #[max_length = 40]
    week: Option<String>,
) -> Result<(), Error> {
    let decided = timesheets::approve(
        &ctx.data().app,
        &actor(ctx),
        UserId(user.id.get()),
        week.as_deref(),
    )
    .await?;
    ctx.defer_ephemeral().await?;
    let text = decided_text(
        &decided,
        tell_member(ctx.http(), &decided, ctx.author().id).await,
    );
    private(ctx, text).await
}

/// Reject a member's submitted week, saying what to fix
#[poise::command(slash_command, guild_only)]
async fn reject(
    ctx: Context<'_>,
    #[description = "The member"] user: serenity::User,
    #[description = "What to fix (the member is told)"]
    #[max_length = 500]
    reason: String,
    #[description = "this week (default), last week, 2026-W47 or a date in the week"]
    #[max_length = 40]
    week: Option<String>,
) -> Result<(), Error> {
    let decided = timesheets::reject(
        &ctx.data().app,
        &actor(ctx),
        UserId(user.id.get()),
        week.as_deref(),
        &reason,
    )
    .await?;
    ctx.defer_ephemeral().await?;
    let text = decided_text(
        &decided,
        tell_member(ctx.http(), &decided, ctx.author().id).await,
    );
    private(ctx, text).await
}

/// Withdraw an approval: the week waits for a decision again and its entries unlock
#[poise::command(slash_command, guild_only)]
async fn reopen(
    ctx: Context<'_>,
    #[description = "The member"] user: serenity::User,
    #[description = "this week (default), last week, 2026-W47 or a date in the week"]
    #[max_length = 40]
    week: Option<String>,
) -> Result<(), Error> {
    let decided = timesheets::withdraw_approval(
        &ctx.data().app,
        &actor(ctx),
        UserId(user.id.get()),
        week.as_deref(),
    )
    .await?;
    ctx.defer_ephemeral().await?;
    let text = decided_text(
        &decided,
        tell_member(ctx.http(), &decided, ctx.author().id).await,
    );
    private(ctx, text).await
}

/// Whether the member heard of a decision.
enum Told {
    Yes,
    /// They decided their own week (an Owner or Admin): nobody to tell.
    Themselves,
    Closed,
    Failed,
}

/// DMs the member the decision (with the reason of a rejection).
async fn tell_member(
    http: &serenity::Http,
    decided: &TimesheetDecided,
    decider: serenity::UserId,
) -> Told {
    if decided.member.user.0 == decider.get() {
        return Told::Themselves;
    }
    let week = format!(
        "{} – {}",
        decided.week_start.format("%Y-%m-%d"),
        decided.week_end.format("%Y-%m-%d")
    );
    let workspace = render::safe(&decided.workspace, 60);
    let by = render::name(&decided.decided_by);
    let content = match decided.decision {
        Decision::Approved => format!(
            "✅ Your week of {week} in **{workspace}** was approved by **{by}** ({}). Its entries are now locked.",
            format_duration(decided.total)
        ),
        Decision::Rejected => format!(
            "❌ Your week of {week} in **{workspace}** was rejected by **{by}**: {}\nFix your entries, then submit it again with `/timesheet submit week:{}`.",
            render::safe(decided.reason.as_deref().unwrap_or(""), 500),
            decided.week_start.format("%Y-%m-%d")
        ),
        Decision::ApprovalWithdrawn => format!(
            "↩️ **{by}** withdrew the approval of your week of {week} in **{workspace}**. It waits for a decision again, and its entries can be changed."
        ),
    };
    let message = serenity::CreateMessage::new()
        .content(content)
        .allowed_mentions(no_pings());
    match send_dm(http, decided.member.user, message).await {
        DmOutcome::Sent => Told::Yes,
        DmOutcome::Closed => Told::Closed,
        DmOutcome::Failed => Told::Failed,
    }
}

/// What the approver is told: the decision, and whether the member heard of it.
fn decided_text(decided: &TimesheetDecided, told: Told) -> String {
    let who = render::mention(decided.member.user);
    let week = format!(
        "{} – {}",
        decided.week_start.format("%Y-%m-%d"),
        decided.week_end.format("%Y-%m-%d")
    );
    let total = format_duration(decided.total);
    let mut text = match decided.decision {
        Decision::Approved => {
            format!("✅ Approved {who}'s week of {week} ({total}); its entries are locked.")
        }
        Decision::Rejected => format!(
            "❌ Rejected {who}'s week of {week} ({total}): {}",
            render::safe(decided.reason.as_deref().unwrap_or(""), 500)
        ),
        Decision::ApprovalWithdrawn => format!(
            "↩️ Withdrew the approval of {who}'s week of {week}; it waits for a decision again and its entries can be changed."
        ),
    };
    text.push('\n');
    text.push_str(match told {
        Told::Yes => "They were told by DM.",
        Told::Themselves => "It is your own week.",
        Told::Closed => "⚠️ Their direct messages from me are closed, so they weren't told; they'll see it in /timesheet status.",
        Told::Failed => "⚠️ Discord didn't deliver my message to them; they'll see it in /timesheet status.",
    });
    text
}

// ---------------------------------------------------------------------------------------
// The approval buttons and the rejection form
// ---------------------------------------------------------------------------------------

/// Whether an interaction is one of ours (an approval button or the rejection form).
pub fn handles(interaction: &serenity::Interaction) -> bool {
    match interaction {
        serenity::Interaction::Component(press) => press.data.custom_id.starts_with(PREFIX),
        serenity::Interaction::Modal(form) => form.data.custom_id.starts_with(PREFIX),
        _ => false,
    }
}

/// What a custom id names: `cc:ts:<verb>:<guild>:<user>:<week>`.
struct Target {
    verb: String,
    guild: u64,
    member: UserId,
    week: String,
}

impl Target {
    fn parse(custom_id: &str) -> Option<Target> {
        let mut parts = custom_id.strip_prefix(PREFIX)?.split(':');
        let verb = parts.next()?.to_string();
        let guild = parts.next()?.parse::<u64>().ok().filter(|g| *g > 0)?;
        let member = UserId(parts.next()?.parse::<u64>().ok()?);
        let week = parts.next()?.to_string();
        if parts.next().is_some() || week.len() != 10 {
            return None;
        }
        Some(Target {
            verb,
            guild,
            member,
            week,
        })
    }

    fn key(&self) -> String {
        format!("{}:{}:{}", self.guild, self.member.0, self.week)
    }
}

/// The person pressing, acting in the server the button belongs to. A press in a DM carries
/// no server nickname, so the cached one is used when there is one: the core refreshes the
/// member's display name from the actor's.
fn presser(ctx: &serenity::Context, user: &serenity::User, guild: u64) -> Actor {
    let guild_id = serenity::GuildId::new(guild);
    let member = ctx
        .cache
        .guild(guild_id)
        .and_then(|g| g.members.get(&user.id).cloned());
    Actor {
        user: UserId(user.id.get()),
        name: display_name(user, member.as_ref()),
        guild: Some(GuildId(guild)),
        manages_guild: false,
    }
}

const STALE: &str = "That button is not valid any more; use /timesheet pending in the server.";

pub async fn on_interaction(
    ctx: &serenity::Context,
    interaction: &serenity::Interaction,
    data: &Data,
) -> Result<(), Error> {
    match interaction {
        serenity::Interaction::Component(press) => on_button(ctx, press, data).await,
        serenity::Interaction::Modal(form) => on_reason(ctx, form, data).await,
        _ => Ok(()),
    }
}

async fn on_button(
    ctx: &serenity::Context,
    press: &serenity::ComponentInteraction,
    data: &Data,
) -> Result<(), Error> {
    let Some(target) = Target::parse(&press.data.custom_id) else {
        return respond_ephemeral(ctx, press, STALE).await;
    };
    let who = presser(ctx, &press.user, target.guild);
    let app = &data.app;
    match target.verb.as_str() {
        "approve" => {
            match timesheets::approve(app, &who, target.member, Some(&target.week)).await {
                Ok(decided) => {
                    press
                        .create_response(
                            &ctx.http,
                            serenity::CreateInteractionResponse::Acknowledge,
                        )
                        .await?;
                    let told = tell_member(&ctx.http, &decided, press.user.id).await;
                    let text = decided_text(&decided, told);
                    press
                        .edit_response(
                            &ctx.http,
                            serenity::EditInteractionResponse::new()
                                .content(text)
                                .components(vec![])
                                .allowed_mentions(no_pings()),
                        )
                        .await?;
                    Ok(())
                }
                Err(e) => respond_ephemeral(ctx, press, &e.user_message()).await,
            }
        }
        "reject" => {
            // Refuse at once rather than after the reason is typed.
            if let Err(e) =
                timesheets::check_decide(app, &who, target.member, Some(&target.week)).await
            {
                return respond_ephemeral(ctx, press, &e.user_message()).await;
            }
            let input = serenity::CreateInputText::new(
                serenity::InputTextStyle::Paragraph,
                "What should they fix?",
                REASON_INPUT,
            )
            .placeholder("Friday is missing; the client call was 2h, not 4h.")
            .min_length(1)
            .max_length(500)
            .required(true);
            let form = serenity::CreateModal::new(
                format!("{PREFIX}reason:{}", target.key()),
                "Reject the timesheet",
            )
            .components(vec![serenity::CreateActionRow::InputText(input)]);
            press
                .create_response(&ctx.http, serenity::CreateInteractionResponse::Modal(form))
                .await?;
            Ok(())
        }
        _ => respond_ephemeral(ctx, press, STALE).await,
    }
}

/// The typed reason, from the rejection form.
fn reason_of(form: &serenity::ModalInteraction) -> String {
    form.data
        .components
        .iter()
        .flat_map(|row| row.components.iter())
        .find_map(|c| match c {
            serenity::ActionRowComponent::InputText(input) if input.custom_id == REASON_INPUT => {
                input.value.clone()
            }
            _ => None,
        })
        .unwrap_or_default()
}

async fn on_reason(
    ctx: &serenity::Context,
    form: &serenity::ModalInteraction,
    data: &Data,
) -> Result<(), Error> {
    let answer_privately = |text: String| async move {
        form.create_response(
            &ctx.http,
            serenity::CreateInteractionResponse::Message(
                serenity::CreateInteractionResponseMessage::new()
                    .content(text)
                    .ephemeral(true)
                    .allowed_mentions(no_pings()),
            ),
        )
        .await
    };
    let target = Target::parse(&form.data.custom_id).filter(|t| t.verb == "reason");
    let Some(target) = target else {
        answer_privately(STALE.into()).await?;
        return Ok(());
    };
    let who = presser(ctx, &form.user, target.guild);
    let reason = reason_of(form);
    let decided =
        timesheets::reject(&data.app, &who, target.member, Some(&target.week), &reason).await;
    let decided = match decided {
        Ok(decided) => decided,
        Err(e) => {
            answer_privately(e.user_message()).await?;
            return Ok(());
        }
    };
    form.create_response(&ctx.http, serenity::CreateInteractionResponse::Acknowledge)
        .await?;
    let told = tell_member(&ctx.http, &decided, form.user.id).await;
    form.edit_response(
        &ctx.http,
        serenity::EditInteractionResponse::new()
            .content(decided_text(&decided, told))
            .components(vec![])
            .allowed_mentions(no_pings()),
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn button_ids_name_server_member_and_week() {
        let target = Target::parse("cc:ts:approve:111:222:2026-11-16").unwrap();
        assert_eq!(
            (
                target.verb.as_str(),
                target.guild,
                target.member,
                target.week.as_str()
            ),
            ("approve", 111, UserId(222), "2026-11-16")
        );
        assert_eq!(target.key(), "111:222:2026-11-16");
        for bad in [
            "cc:ts:approve:111:222",
            "cc:ts:approve:x:222:2026-11-16",
            "cc:ts:approve:0:222:2026-11-16",
            "cc:ts:approve:111:222:2026-11-16:extra",
            "cc:inv:accept:1",
        ] {
            assert!(Target::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn long_lists_of_people_are_cut() {
        let few: Vec<String> = (0..3).map(|i| format!("p{i}")).collect();
        assert_eq!(listed(&few), "p0, p1, p2");
        let many: Vec<String> = (0..40).map(|i| format!("<@{i:020}>")).collect();
        let text = listed(&many);
        assert!(text.ends_with(" and 25 more"), "{text}");
        assert!(text.chars().count() < 600);
    }
}
