//! Signed links to read-only web pages: create, list, revoke, and resolve a token when a
//! page is opened. A link is evaluated with its owner's rights at the moment it is opened,
//! so this module answers "whose eyes, and which query" and the report engine does the rest.

use chrono::{DateTime, Duration, SubsecRound, Utc};
use rand::RngCore;
use serde_json::json;

use super::audit::{record, Change};
use super::{active_member, begin_locked, workspace_of, Actor, App, AppError, AppResult};
use crate::config::Secret;
use crate::domain::links::{self, LinkClaims, LinkKind, LinkSigner};
use crate::store;
use crate::store::report_links::{NewReportLink, ReportLink};

/// Longest query a link may carry; the engine's queries are a few hundred bytes.
pub const MAX_QUERY_BYTES: usize = 16 * 1024;
/// How many links `/report links` lists.
pub const LIST_LIMIT: u32 = 25;
const GENERATED_SECRET_NAME: &str = "link_secret";

/// How links are signed and how long they live (from the `[web]` configuration).
#[derive(Debug, Clone)]
pub struct LinkSettings {
    pub signer: LinkSigner,
    pub ttl: Duration,
}

/// The signer for this deployment: the configured secret, or else the one generated on first
/// use and kept in the database (shared by every instance using that database).
pub async fn signer(app: &App, configured: Option<&Secret>) -> AppResult<LinkSigner> {
    let secret = match configured {
        Some(secret) => secret.expose().to_string(),
        None => {
            let mut conn = app.store.conn().await?;
            store::report_links::secret_get_or_create(
                &mut conn,
                GENERATED_SECRET_NAME,
                random_secret,
                app.clock.now(),
            )
            .await?
        }
    };
    LinkSigner::new(secret.as_bytes())
        .ok_or_else(|| AppError::internal("the link secret is shorter than 32 bytes"))
}

fn random_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What a link shows besides its query.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkOptions {
    pub hide_amounts: bool,
    pub hide_members: bool,
}

#[derive(Debug, Clone)]
pub struct NewLink {
    pub kind: LinkKind,
    /// The report engine's query, serialized (opaque here, checked to be JSON).
    pub query_json: String,
    pub options: LinkOptions,
}

/// A link with its token (recomputed, never stored) and where it stands now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedLink {
    pub link: ReportLink,
    pub token: String,
    pub status: LinkStatus,
}

impl IssuedLink {
    pub fn path(&self) -> String {
        links::link_path(self.link.kind, &self.token)
    }

    pub fn url(&self, public_url: &str) -> String {
        links::link_url(public_url, self.link.kind, &self.token)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkStatus {
    Active,
    Expired,
    Revoked,
}

fn status(link: &ReportLink, now: DateTime<Utc>) -> LinkStatus {
    if link.revoked_at.is_some() {
        LinkStatus::Revoked
    } else if links::is_expired(link.expires_at, now) {
        LinkStatus::Expired
    } else {
        LinkStatus::Active
    }
}

fn issue(settings: &LinkSettings, link: ReportLink, now: DateTime<Utc>) -> IssuedLink {
    let token = settings.signer.sign(&LinkClaims {
        kind: link.kind,
        id: link.id,
        expires_at: link.expires_at,
    });
    let status = status(&link, now);
    IssuedLink {
        link,
        token,
        status,
    }
}

/// Creates a link owned by the actor. Anyone who may run reports may share one: any active
/// member; what it shows is still limited to what they may see, each time it is opened.
pub async fn create(
    app: &App,
    actor: &Actor,
    settings: &LinkSettings,
    input: NewLink,
) -> AppResult<IssuedLink> {
    create_for(app, actor, actor, settings, input).await
}

/// [`create`] for a link owned by `owner` but made by `made_by` (the sharer making a guest's
/// project link): the owner's rights decide what it shows, the audit log names who made it
/// and for whom.
pub(crate) async fn create_for(
    app: &App,
    made_by: &Actor,
    owner: &Actor,
    settings: &LinkSettings,
    input: NewLink,
) -> AppResult<IssuedLink> {
    if input.query_json.len() > MAX_QUERY_BYTES {
        return Err(AppError::invalid(
            "That report has too many filters to share as a link; narrow it down and try again.",
        ));
    }
    if serde_json::from_str::<serde_json::Value>(&input.query_json).is_err() {
        return Err(AppError::internal("a report link query is not JSON"));
    }
    let workspace = workspace_of(app, owner).await?;
    // The write lock first: on SQLite a transaction that reads and then writes could fail
    // with "database is locked" if another write lands in between.
    let mut tx = begin_locked(app, &workspace).await?;
    let me = active_member(&mut tx, &workspace, owner).await?;
    // Whole seconds: the token carries seconds and must match the stored expiry exactly.
    let now = app.clock.now().trunc_subsecs(0);
    let link = store::report_links::insert(
        &mut tx,
        NewReportLink {
            workspace_id: workspace.id,
            owner_member_id: me.id,
            kind: input.kind,
            query_json: &input.query_json,
            hide_amounts: input.options.hide_amounts,
            hide_members: input.options.hide_members,
            created_at: now,
            expires_at: now + settings.ttl,
        },
    )
    .await?;
    let mut after = json!({
        "kind": link.kind.as_str(),
        "expires_at": link.expires_at.to_rfc3339(),
        "hide_amounts": link.hide_amounts,
        "hide_members": link.hide_members,
    });
    if made_by.user != owner.user {
        after["owner"] = json!(super::audit::member_target(&me));
    }
    record(
        app,
        &mut tx,
        workspace.id,
        made_by,
        Change {
            action: "link.create",
            target: format!("link {}", link.id),
            before: None,
            after: Some(after),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(issue(settings, link, app.clock.now()))
}

/// The actor's own links, newest first (revoked and expired ones included, marked).
pub async fn list_own(
    app: &App,
    actor: &Actor,
    settings: &LinkSettings,
) -> AppResult<Vec<IssuedLink>> {
    let workspace = workspace_of(app, actor).await?;
    let mut conn = app.store.conn().await?;
    let me = active_member(&mut conn, &workspace, actor).await?;
    let now = app.clock.now();
    Ok(
        store::report_links::list_by_owner(&mut conn, me.id, LIST_LIMIT)
            .await?
            .into_iter()
            .map(|link| issue(settings, link, now))
            .collect(),
    )
}

/// Revokes a link by its id: one's own, or any in the workspace for Admins and the Owner.
/// From then on it answers 410 Gone.
pub async fn revoke(app: &App, actor: &Actor, link_id: i64) -> AppResult<ReportLink> {
    let workspace = workspace_of(app, actor).await?;
    // The write lock first: on SQLite a transaction that reads and then writes could fail
    // with "database is locked" if another write lands in between.
    let mut tx = begin_locked(app, &workspace).await?;
    let me = active_member(&mut tx, &workspace, actor).await?;
    let unknown = || {
        AppError::not_found(format!(
            "There is no link #{link_id} in this workspace. See your links with /report links."
        ))
    };
    let link = store::report_links::find(&mut tx, link_id)
        .await?
        .filter(|link| link.workspace_id == workspace.id)
        .ok_or_else(unknown)?;
    // People who may not revoke it learn no more than that it isn't theirs.
    links::may_revoke(me.id, me.role, link.owner_member_id)?;
    let now = app.clock.now();
    if !store::report_links::revoke(&mut tx, link.id, now).await? {
        return Err(AppError::conflict(format!(
            "Link #{link_id} was already revoked."
        )));
    }
    record(
        app,
        &mut tx,
        workspace.id,
        actor,
        Change {
            action: "link.revoke",
            target: format!("link {}", link.id),
            before: Some(json!({ "revoked": false })),
            after: Some(json!({ "revoked": true })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(ReportLink {
        revoked_at: Some(now),
        ..link
    })
}

/// What opening a token finds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// Show the page as `owner` may see it now.
    Valid(ValidLink),
    /// It was real but is over: revoked, expired, or its owner left the workspace.
    Gone,
    /// Not a link of ours: unknown, edited, signed with another secret, or the wrong kind.
    NotFound,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidLink {
    pub link_id: i64,
    pub workspace_id: i64,
    /// The link's owner as an actor, so the page is computed with exactly their rights.
    pub owner: Actor,
    pub query_json: String,
    pub options: LinkOptions,
    pub expires_at: DateTime<Utc>,
}

/// Checks a token as the web sidecar receives it. The signature is checked before any
/// database work, so forged tokens are cheap to refuse. Database trouble is an error, not a
/// "not found", so a wobbling database never tells people their link is gone.
pub async fn resolve(
    app: &App,
    signer: &LinkSigner,
    kind: LinkKind,
    token: &str,
) -> AppResult<Resolved> {
    let Some(claims) = signer.verify(token) else {
        return Ok(Resolved::NotFound);
    };
    if claims.kind != kind {
        return Ok(Resolved::NotFound);
    }
    let mut conn = app.store.conn().await?;
    let Some(found) = store::report_links::find_with_owner(&mut conn, claims.id).await? else {
        // Deleted with its workspace, or never existed (a secret reused across databases).
        return Ok(Resolved::NotFound);
    };
    let link = &found.link;
    if link.kind != claims.kind || link.expires_at != claims.expires_at {
        return Ok(Resolved::NotFound);
    }
    if status(link, app.clock.now()) != LinkStatus::Active || !found.owner_active {
        return Ok(Resolved::Gone);
    }
    Ok(Resolved::Valid(ValidLink {
        link_id: link.id,
        workspace_id: link.workspace_id,
        owner: Actor::in_guild(found.guild_id, found.owner_user, found.owner_name),
        query_json: found.link.query_json.clone(),
        options: LinkOptions {
            hide_amounts: link.hide_amounts,
            hide_members: link.hide_members,
        },
        expires_at: link.expires_at,
    }))
}
