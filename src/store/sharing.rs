//! Shares, their guests, the bridged chat and the claimed weekly summaries.
//!
//! Idempotency lives in the schema: a chat message is unique per (kind, channel, Discord
//! message id) and an edit per (message, edit time), so inserts use `ON CONFLICT DO NOTHING`
//! and a replayed or concurrent gateway event changes nothing.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{decode_error, from_millis, millis, Conn, StoreError};
use crate::domain::sharing::{CardTask, FieldSet};
use crate::domain::{ChannelId, UserId};

// ---------------------------------------------------------------------------------------
// Shares
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Share {
    pub id: i64,
    pub workspace_id: i64,
    pub project_id: i64,
    pub guest_channel: ChannelId,
    pub team_channel: Option<ChannelId>,
    pub fields: FieldSet,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

const SHARE_COLUMNS: &str = "id, workspace_id, project_id, guest_channel_id, team_channel_id, \
     fields, created_by, created_at, revoked_at";

fn share_from_row(row: &AnyRow) -> Result<Share, StoreError> {
    let fields: String = row.try_get("fields")?;
    Ok(Share {
        id: row.try_get("id")?,
        workspace_id: row.try_get("workspace_id")?,
        project_id: row.try_get("project_id")?,
        guest_channel: ChannelId::from_db(row.try_get("guest_channel_id")?),
        team_channel: row
            .try_get::<Option<i64>, _>("team_channel_id")?
            .map(ChannelId::from_db),
        fields: FieldSet::parse(&fields)
            .map_err(|_| decode_error(format!("bad share fields in database: {fields}")))?,
        created_by: row.try_get("created_by")?,
        created_at: from_millis(row.try_get("created_at")?)?,
        revoked_at: row
            .try_get::<Option<i64>, _>("revoked_at")?
            .map(from_millis)
            .transpose()?,
    })
}

/// Inserts a live share. Fails with a unique violation when the project already has a live
/// share or the channel already carries one.
pub async fn insert_share(
    conn: &mut Conn,
    workspace_id: i64,
    project_id: i64,
    guest_channel: ChannelId,
    fields: &FieldSet,
    created_by: i64,
    now: DateTime<Utc>,
) -> Result<Share, StoreError> {
    let row = sqlx::query(&format!(
        "INSERT INTO shares (workspace_id, project_id, guest_channel_id, fields, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING {SHARE_COLUMNS}"
    ))
    .bind(workspace_id)
    .bind(project_id)
    .bind(guest_channel.to_db())
    .bind(fields.to_db())
    .bind(created_by)
    .bind(millis(now))
    .fetch_one(&mut *conn)
    .await?;
    share_from_row(&row)
}

pub async fn find_share(conn: &mut Conn, share_id: i64) -> Result<Option<Share>, StoreError> {
    let row = sqlx::query(&format!("SELECT {SHARE_COLUMNS} FROM shares WHERE id = $1"))
        .bind(share_id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(share_from_row).transpose()
}

pub async fn live_share_of_project(
    conn: &mut Conn,
    project_id: i64,
) -> Result<Option<Share>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {SHARE_COLUMNS} FROM shares WHERE project_id = $1 AND revoked_at IS NULL"
    ))
    .bind(project_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(share_from_row).transpose()
}

/// The live share whose guest or team channel is `channel`. One indexed lookup: this runs for
/// every message the bot sees, and almost all of them are in unrelated channels.
pub async fn live_share_by_channel(
    conn: &mut Conn,
    channel: ChannelId,
) -> Result<Option<Share>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {SHARE_COLUMNS} FROM shares
         WHERE revoked_at IS NULL AND (guest_channel_id = $1 OR team_channel_id = $1)"
    ))
    .bind(channel.to_db())
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(share_from_row).transpose()
}

/// Live shares of a workspace, oldest first.
pub async fn live_shares(conn: &mut Conn, workspace_id: i64) -> Result<Vec<Share>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {SHARE_COLUMNS} FROM shares WHERE workspace_id = $1 AND revoked_at IS NULL
         ORDER BY id"
    ))
    .bind(workspace_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(share_from_row).collect()
}

/// Live shares on which `member_id` is a live guest.
pub async fn live_shares_of_guest(
    conn: &mut Conn,
    member_id: i64,
) -> Result<Vec<Share>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {SHARE_COLUMNS} FROM shares
         WHERE revoked_at IS NULL AND id IN
             (SELECT share_id FROM share_guests WHERE member_id = $1 AND removed_at IS NULL)
         ORDER BY id"
    ))
    .bind(member_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(share_from_row).collect()
}

pub async fn set_fields(
    conn: &mut Conn,
    share_id: i64,
    fields: &FieldSet,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE shares SET fields = $2 WHERE id = $1")
        .bind(share_id)
        .bind(fields.to_db())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Fails with a unique violation when another live share uses the channel as team channel.
pub async fn set_team_channel(
    conn: &mut Conn,
    share_id: i64,
    channel: Option<ChannelId>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE shares SET team_channel_id = $2 WHERE id = $1")
        .bind(share_id)
        .bind(channel.map(ChannelId::to_db))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Ends a share and drops its unposted summaries; false when it was already revoked.
pub async fn revoke_share(
    conn: &mut Conn,
    share_id: i64,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done =
        sqlx::query("UPDATE shares SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
            .bind(share_id)
            .bind(millis(now))
            .execute(&mut *conn)
            .await?;
    sqlx::query("DELETE FROM share_summaries WHERE share_id = $1 AND posted_at IS NULL")
        .bind(share_id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

// ---------------------------------------------------------------------------------------
// Guests of a share
// ---------------------------------------------------------------------------------------

/// Adds a live guest; false when they already are one.
pub async fn add_guest(
    conn: &mut Conn,
    share_id: i64,
    member_id: i64,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO share_guests (share_id, member_id, added_at) VALUES ($1, $2, $3)
         ON CONFLICT (share_id, member_id) WHERE removed_at IS NULL DO NOTHING",
    )
    .bind(share_id)
    .bind(member_id)
    .bind(millis(now))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Member ids of the live guests, in the order they were added.
pub async fn live_guests(conn: &mut Conn, share_id: i64) -> Result<Vec<i64>, StoreError> {
    let rows = sqlx::query(
        "SELECT member_id FROM share_guests WHERE share_id = $1 AND removed_at IS NULL ORDER BY id",
    )
    .bind(share_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(|row| row.try_get("member_id")).collect()
}

pub async fn is_live_guest(
    conn: &mut Conn,
    share_id: i64,
    member_id: i64,
) -> Result<bool, StoreError> {
    let row = sqlx::query(
        "SELECT 1 AS one FROM share_guests
         WHERE share_id = $1 AND member_id = $2 AND removed_at IS NULL",
    )
    .bind(share_id)
    .bind(member_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.is_some())
}

/// Ends one guest's access; false when they were not a live guest.
pub async fn remove_guest(
    conn: &mut Conn,
    share_id: i64,
    member_id: i64,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE share_guests SET removed_at = $3
         WHERE share_id = $1 AND member_id = $2 AND removed_at IS NULL",
    )
    .bind(share_id)
    .bind(member_id)
    .bind(millis(now))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Ends a member's access to every share (they were removed from the workspace). Returns
/// the ids and guest channels of the live shares they lost.
pub async fn remove_guest_everywhere(
    conn: &mut Conn,
    member_id: i64,
    now: DateTime<Utc>,
) -> Result<Vec<(i64, ChannelId)>, StoreError> {
    let rows = sqlx::query(
        "SELECT s.id, s.guest_channel_id FROM share_guests g JOIN shares s ON s.id = g.share_id
         WHERE g.member_id = $1 AND g.removed_at IS NULL AND s.revoked_at IS NULL
         ORDER BY s.id",
    )
    .bind(member_id)
    .fetch_all(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE share_guests SET removed_at = $2 WHERE member_id = $1 AND removed_at IS NULL",
    )
    .bind(member_id)
    .bind(millis(now))
    .execute(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.try_get("id")?,
                ChannelId::from_db(row.try_get("guest_channel_id")?),
            ))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// What a card is built from
// ---------------------------------------------------------------------------------------

/// Live tasks, open first then done, by name.
pub async fn card_tasks(conn: &mut Conn, project_id: i64) -> Result<Vec<CardTask>, StoreError> {
    let rows = sqlx::query(
        "SELECT name, done FROM tasks WHERE project_id = $1 AND archived = 0
         ORDER BY done, name_key, id",
    )
    .bind(project_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(CardTask {
                name: row.try_get("name")?,
                done: row.try_get::<i64, _>("done")? != 0,
            })
        })
        .collect()
}

/// All time tracked to the project in minutes, a running timer counting up to `now`. One
/// sum: the card never sees who tracked it.
pub async fn tracked_minutes(
    conn: &mut Conn,
    project_id: i64,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        // SUM of BIGINT is NUMERIC on PostgreSQL, which the Any driver can't decode.
        "SELECT CAST(COALESCE(SUM(COALESCE(ended_at, $2) - started_at), 0) AS BIGINT) AS total
         FROM time_entries WHERE project_id = $1",
    )
    .bind(project_id)
    .bind(millis(now))
    .fetch_one(&mut *conn)
    .await?;
    let total: i64 = row.try_get("total")?;
    Ok(total / 60_000)
}

// ---------------------------------------------------------------------------------------
// Chat
// ---------------------------------------------------------------------------------------

/// Which chat a message belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChatKind {
    /// The share's guest channel: guests and members see it.
    Guest,
    /// The project's team channel: members only.
    Members,
}

impl ChatKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChatKind::Guest => "guest",
            ChatKind::Members => "members",
        }
    }

    fn from_db(text: &str) -> Result<ChatKind, StoreError> {
        match text {
            "guest" => Ok(ChatKind::Guest),
            "members" => Ok(ChatKind::Members),
            other => Err(decode_error(format!("unknown chat kind {other}"))),
        }
    }
}

/// An attachment as bridged: its file name and Discord CDN URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub name: String,
    pub url: String,
}

fn attachments_to_db(attachments: &[Attachment]) -> String {
    serde_json::to_string(attachments).unwrap_or_else(|_| "[]".to_string())
}

fn attachments_from_db(text: &str) -> Result<Vec<Attachment>, StoreError> {
    serde_json::from_str(text).map_err(|e| decode_error(format!("bad attachments JSON: {e}")))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatMessage {
    pub id: i64,
    pub project_id: i64,
    pub share_id: i64,
    pub kind: ChatKind,
    pub channel: ChannelId,
    pub message_id: u64,
    pub author: UserId,
    pub author_name: String,
    pub content: String,
    pub attachments: Vec<Attachment>,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
}

const CHAT_COLUMNS: &str = "id, project_id, share_id, kind, channel_id, message_id, \
     author_user_id, author_name, content, attachments, created_at, edited_at, deleted_at";

fn chat_from_row(row: &AnyRow) -> Result<ChatMessage, StoreError> {
    let optional_time = |col: &str| -> Result<Option<DateTime<Utc>>, StoreError> {
        row.try_get::<Option<i64>, _>(col)?
            .map(from_millis)
            .transpose()
    };
    Ok(ChatMessage {
        id: row.try_get("id")?,
        project_id: row.try_get("project_id")?,
        share_id: row.try_get("share_id")?,
        kind: ChatKind::from_db(&row.try_get::<String, _>("kind")?)?,
        channel: ChannelId::from_db(row.try_get("channel_id")?),
        message_id: row.try_get::<i64, _>("message_id")? as u64,
        author: UserId::from_db(row.try_get("author_user_id")?),
        author_name: row.try_get("author_name")?,
        content: row.try_get("content")?,
        attachments: attachments_from_db(&row.try_get::<String, _>("attachments")?)?,
        created_at: from_millis(row.try_get("created_at")?)?,
        edited_at: optional_time("edited_at")?,
        deleted_at: optional_time("deleted_at")?,
    })
}

/// A message to store.
#[derive(Debug, Clone)]
pub struct NewChatMessage<'a> {
    pub workspace_id: i64,
    pub project_id: i64,
    pub share_id: i64,
    pub kind: ChatKind,
    pub channel: ChannelId,
    pub message_id: u64,
    pub author: UserId,
    pub author_name: &'a str,
    pub content: &'a str,
    pub attachments: &'a [Attachment],
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
}

/// Stores a message; false when it was stored before (a replayed event).
pub async fn insert_message(conn: &mut Conn, new: NewChatMessage<'_>) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO chat_messages (workspace_id, project_id, share_id, kind, channel_id,
                                    message_id, author_user_id, author_name, content, attachments,
                                    created_at, edited_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (kind, channel_id, message_id) DO NOTHING",
    )
    .bind(new.workspace_id)
    .bind(new.project_id)
    .bind(new.share_id)
    .bind(new.kind.as_str())
    .bind(new.channel.to_db())
    .bind(new.message_id as i64)
    .bind(new.author.to_db())
    .bind(new.author_name)
    .bind(new.content)
    .bind(attachments_to_db(new.attachments))
    .bind(millis(new.created_at))
    .bind(new.edited_at.map(millis))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn find_message(
    conn: &mut Conn,
    kind: ChatKind,
    channel: ChannelId,
    message_id: u64,
) -> Result<Option<ChatMessage>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {CHAT_COLUMNS} FROM chat_messages
         WHERE kind = $1 AND channel_id = $2 AND message_id = $3"
    ))
    .bind(kind.as_str())
    .bind(channel.to_db())
    .bind(message_id as i64)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(chat_from_row).transpose()
}

/// Keeps the stored content of a message as history before an edit made at `replaced_at`
/// replaces it. False when this edit was recorded before, or a newer edit is already there.
pub async fn keep_previous(
    conn: &mut Conn,
    chat_id: i64,
    replaced_at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "INSERT INTO chat_message_edits (chat_id, content, attachments, replaced_at)
         SELECT id, content, attachments, $2 FROM chat_messages
         WHERE id = $1 AND (edited_at IS NULL OR edited_at < $2)
         ON CONFLICT (chat_id, replaced_at) DO NOTHING",
    )
    .bind(chat_id)
    .bind(millis(replaced_at))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Puts the edited content in place, unless a newer edit is already there.
pub async fn apply_edit(
    conn: &mut Conn,
    chat_id: i64,
    content: &str,
    attachments: &[Attachment],
    edited_at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE chat_messages SET content = $2, attachments = $3, edited_at = $4
         WHERE id = $1 AND (edited_at IS NULL OR edited_at < $4)",
    )
    .bind(chat_id)
    .bind(content)
    .bind(attachments_to_db(attachments))
    .bind(millis(edited_at))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks a message deleted (its content stays); false when unknown or already deleted.
pub async fn mark_deleted(
    conn: &mut Conn,
    kind: ChatKind,
    channel: ChannelId,
    message_id: u64,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE chat_messages SET deleted_at = $4
         WHERE kind = $1 AND channel_id = $2 AND message_id = $3 AND deleted_at IS NULL",
    )
    .bind(kind.as_str())
    .bind(channel.to_db())
    .bind(message_id as i64)
    .bind(millis(at))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The newest `limit` messages of a project's chat, returned oldest first.
pub async fn list_chat(
    conn: &mut Conn,
    project_id: i64,
    kind: ChatKind,
    limit: u32,
) -> Result<Vec<ChatMessage>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {CHAT_COLUMNS} FROM chat_messages WHERE project_id = $1 AND kind = $2
         ORDER BY created_at DESC, message_id DESC LIMIT $3"
    ))
    .bind(project_id)
    .bind(kind.as_str())
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await?;
    let mut messages = rows
        .iter()
        .map(chat_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    messages.reverse();
    Ok(messages)
}

/// A content an edit replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatEdit {
    pub content: String,
    pub attachments: Vec<Attachment>,
    pub replaced_at: DateTime<Utc>,
}

/// The previous contents of a message, oldest first.
pub async fn edits_of(conn: &mut Conn, chat_id: i64) -> Result<Vec<ChatEdit>, StoreError> {
    let rows = sqlx::query(
        "SELECT content, attachments, replaced_at FROM chat_message_edits WHERE chat_id = $1
         ORDER BY replaced_at",
    )
    .bind(chat_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(ChatEdit {
                content: row.try_get("content")?,
                attachments: attachments_from_db(&row.try_get::<String, _>("attachments")?)?,
                replaced_at: from_millis(row.try_get("replaced_at")?)?,
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Weekly summaries (claimed like store::jobs reminders)
// ---------------------------------------------------------------------------------------

/// Schedules a summary; scheduling the same one twice is a no-op.
pub async fn schedule_summary(
    conn: &mut Conn,
    share_id: i64,
    due_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO share_summaries (share_id, due_at) VALUES ($1, $2)
         ON CONFLICT (share_id, due_at) DO NOTHING",
    )
    .bind(share_id)
    .bind(millis(due_at))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A due summary: (summary id, share id, due at).
pub async fn due_summaries(
    conn: &mut Conn,
    now: DateTime<Utc>,
    limit: u32,
) -> Result<Vec<(i64, i64, DateTime<Utc>)>, StoreError> {
    let rows = sqlx::query(
        "SELECT ss.id, ss.share_id, ss.due_at FROM share_summaries ss
         JOIN shares s ON s.id = ss.share_id
         WHERE ss.posted_at IS NULL AND ss.due_at <= $1 AND s.revoked_at IS NULL
           AND (ss.claimed_by IS NULL OR ss.claimed_until < $1)
         ORDER BY ss.due_at, ss.id LIMIT $2",
    )
    .bind(millis(now))
    .bind(i64::from(limit))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|row| {
            Ok((
                row.try_get("id")?,
                row.try_get("share_id")?,
                from_millis(row.try_get("due_at")?)?,
            ))
        })
        .collect()
}

/// True for exactly one of any number of concurrent callers while the claim holds.
pub async fn claim_summary(
    conn: &mut Conn,
    summary_id: i64,
    worker: &str,
    until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE share_summaries SET claimed_by = $1, claimed_until = $2
         WHERE id = $3 AND posted_at IS NULL AND (claimed_by IS NULL OR claimed_until < $4)",
    )
    .bind(worker)
    .bind(millis(until))
    .bind(summary_id)
    .bind(millis(now))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks a claimed summary posted; false unless `worker` holds the claim.
pub async fn mark_summary_posted(
    conn: &mut Conn,
    summary_id: i64,
    worker: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE share_summaries SET posted_at = $3
         WHERE id = $1 AND claimed_by = $2 AND posted_at IS NULL",
    )
    .bind(summary_id)
    .bind(worker)
    .bind(millis(now))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Gives a claim back so the summary can be claimed again at once.
pub async fn release_summary(
    conn: &mut Conn,
    summary_id: i64,
    worker: &str,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE share_summaries SET claimed_by = NULL, claimed_until = NULL
         WHERE id = $1 AND claimed_by = $2 AND posted_at IS NULL",
    )
    .bind(summary_id)
    .bind(worker)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A summary's share and due time.
pub async fn find_summary(
    conn: &mut Conn,
    summary_id: i64,
) -> Result<Option<(i64, DateTime<Utc>)>, StoreError> {
    let row = sqlx::query("SELECT share_id, due_at FROM share_summaries WHERE id = $1")
        .bind(summary_id)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|row| {
        Ok((
            row.try_get("share_id")?,
            from_millis(row.try_get("due_at")?)?,
        ))
    })
    .transpose()
}

/// How many summaries of a share were posted (for tests and the share list).
pub async fn posted_summaries(conn: &mut Conn, share_id: i64) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n FROM share_summaries WHERE share_id = $1 AND posted_at IS NOT NULL",
    )
    .bind(share_id)
    .fetch_one(&mut *conn)
    .await?;
    row.try_get("n")
}
