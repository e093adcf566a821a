//! Writing audit entries from use cases.

use serde_json::Value;

use super::{Actor, App, AppResult};
use crate::store::{self, audit::NewAuditEntry, members::Member};

/// One change, as the audit log records it.
pub(crate) struct Change<'a> {
    pub action: &'a str,
    pub target: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// How a member is named in the audit log: the name at the time plus the stable user id.
pub(crate) fn member_target(member: &Member) -> String {
    format!("member {} ({})", member.display_name, member.user_id)
}

pub(crate) async fn record(
    app: &App,
    conn: &mut store::Conn,
    workspace_id: i64,
    actor: &Actor,
    change: Change<'_>,
) -> AppResult<()> {
    record_as(
        app,
        conn,
        workspace_id,
        Some(actor.user),
        &super::clean_name(&actor.name),
        change,
    )
    .await
}

/// Records a change made by someone other than a person, e.g. the Discord role sync.
pub(crate) async fn record_as(
    app: &App,
    conn: &mut store::Conn,
    workspace_id: i64,
    actor_user: Option<crate::domain::UserId>,
    actor_name: &str,
    change: Change<'_>,
) -> AppResult<()> {
    store::audit::insert(
        conn,
        NewAuditEntry {
            workspace_id,
            actor_user,
            actor_name,
            action: change.action,
            target: &change.target,
            before: change.before.map(|v| v.to_string()),
            after: change.after.map(|v| v.to_string()),
            at: app.clock.now(),
        },
    )
    .await?;
    Ok(())
}
