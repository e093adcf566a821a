//! Turning core results into Discord messages that are safe and within Discord's limits.

use chrono::{DateTime, Utc};
use poise::serenity_prelude as serenity;

/// Discord's limits that our messages must respect.
pub const MAX_EMBED_DESCRIPTION: usize = 4096;
pub const PAGE_LINES: usize = 15;

/// Allowed mentions for everything the bot sends: nobody is ever pinged by our text.
pub fn no_pings() -> serenity::CreateAllowedMentions {
    serenity::CreateAllowedMentions::new()
        .everyone(false)
        .all_users(false)
        .all_roles(false)
        .replied_user(false)
}

/// User-provided text (names) made inert: markdown escaped, mentions broken, length bounded.
pub fn safe(text: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(text.len());
    for (count, c) in text.chars().enumerate() {
        if count >= max_chars {
            out.push('…');
            break;
        }
        match c {
            '\\' | '*' | '_' | '~' | '`' | '|' | '>' | '#' | '[' | ']' | '(' | ')' | '-' | '<'
            | ':' => {
                out.push('\\');
                out.push(c);
            }
            // A zero-width space after @ keeps "@everyone" from ever reading as a mention.
            '@' => out.push_str("@\u{200B}"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A person's name for messages (bounded to 40 characters).
pub fn name(text: &str) -> String {
    safe(text, 40)
}

/// A user mention: shown as the name in Discord, never pings (allowed mentions are empty).
pub fn mention(user: crewclock::domain::UserId) -> String {
    format!("<@{}>", user.0)
}

/// "in 14 days" style relative time, rendered by each viewer's Discord client.
pub fn relative(at: DateTime<Utc>) -> String {
    format!("<t:{}:R>", at.timestamp())
}

pub fn date(at: DateTime<Utc>) -> String {
    format!("<t:{}:d>", at.timestamp())
}

/// Splits lines into pages of at most `per_page` lines (`PAGE_LINES` for most lists) and
/// `MAX_EMBED_DESCRIPTION` characters, never cutting a line.
pub fn pages_of(lines: &[String], per_page: usize) -> Vec<String> {
    let per_page = per_page.max(1);
    let mut pages = Vec::new();
    let mut current = String::new();
    let mut count = 0;
    for line in lines {
        let line: String = line.chars().take(1000).collect();
        if count == per_page || current.len() + line.len() + 1 > MAX_EMBED_DESCRIPTION {
            pages.push(std::mem::take(&mut current));
            count = 0;
        }
        current.push_str(&line);
        current.push('\n');
        count += 1;
    }
    if !current.is_empty() || pages.is_empty() {
        pages.push(current);
    }
    pages
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_names_are_inert() {
        assert_eq!(safe("@everyone", 40), "@\u{200B}everyone");
        assert_eq!(
            safe("**bold** <@123>", 40),
            "\\*\\*bold\\*\\* \\<@\u{200B}123\\>"
        );
        assert_eq!(safe(&"x".repeat(100), 10).chars().count(), 11);
    }

    #[test]
    fn pages_never_cut_lines() {
        let lines: Vec<String> = (0..40).map(|i| format!("line {i}")).collect();
        let pages = pages_of(&lines, PAGE_LINES);
        assert_eq!(pages.len(), 3);
        assert!(pages.iter().all(|p| p.lines().count() <= PAGE_LINES));
        assert_eq!(pages.concat().lines().count(), 40);
    }
}
