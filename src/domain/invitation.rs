//! Invitations: their states, expiry and codes.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;

use super::Invalid;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvitationStatus {
    Pending,
    Accepted,
    Declined,
    Revoked,
    /// Replaced by a newer invitation to the same person.
    Replaced,
    Expired,
}

impl InvitationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            InvitationStatus::Pending => "pending",
            InvitationStatus::Accepted => "accepted",
            InvitationStatus::Declined => "declined",
            InvitationStatus::Revoked => "revoked",
            InvitationStatus::Replaced => "replaced",
            InvitationStatus::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            InvitationStatus::Pending,
            InvitationStatus::Accepted,
            InvitationStatus::Declined,
            InvitationStatus::Revoked,
            InvitationStatus::Replaced,
            InvitationStatus::Expired,
        ]
        .into_iter()
        .find(|status| status.as_str() == s)
    }

    /// Why an invitation in this state can't be answered any more.
    pub fn closed_reason(self) -> &'static str {
        match self {
            InvitationStatus::Pending => "This invitation is still open.",
            InvitationStatus::Accepted => "This invitation was already accepted.",
            InvitationStatus::Declined => "This invitation was declined.",
            InvitationStatus::Revoked => "This invitation was revoked by the workspace.",
            InvitationStatus::Replaced => {
                "This invitation was replaced by a newer one; use the latest invitation."
            }
            InvitationStatus::Expired => "This invitation has expired. Ask for a new one.",
        }
    }
}

/// The status as of `now`: a pending invitation past its expiry counts as expired.
pub fn effective_status(
    stored: InvitationStatus,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> InvitationStatus {
    if stored == InvitationStatus::Pending && now >= expires_at {
        InvitationStatus::Expired
    } else {
        stored
    }
}

pub fn expiry(now: DateTime<Utc>, ttl_days: u32) -> DateTime<Utc> {
    now + Duration::days(i64::from(ttl_days))
}

/// Code alphabet without look-alikes (no 0/O, 1/I/L).
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
pub const CODE_LEN: usize = 10;
pub const MAX_CODE_USES: u32 = 1_000;

pub fn new_code() -> String {
    let mut rng = rand::rng();
    (0..CODE_LEN)
        .map(|_| CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char)
        .collect()
}

/// Normalises a typed code (case, spaces, dashes) or says what a code looks like.
pub fn parse_code(typed: &str) -> Result<String, Invalid> {
    let code: String = typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_ascii_uppercase();
    if code.len() != CODE_LEN || !code.bytes().all(|b| CODE_ALPHABET.contains(&b)) {
        return Err(Invalid::new(format!(
            "That is not an invite code. Codes are {CODE_LEN} letters and digits, like ABCD-EF2345."
        )));
    }
    Ok(code)
}

pub fn check_uses(uses: i64) -> Result<u32, Invalid> {
    match u32::try_from(uses) {
        Ok(n) if (1..=MAX_CODE_USES).contains(&n) => Ok(n),
        _ => Err(Invalid::new(format!(
            "uses must be a number from 1 to {MAX_CODE_USES}."
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_past_expiry_is_expired() {
        let now = Utc::now();
        let exp = expiry(now, 14);
        assert_eq!(
            effective_status(InvitationStatus::Pending, exp, now),
            InvitationStatus::Pending
        );
        assert_eq!(
            effective_status(InvitationStatus::Pending, exp, now + Duration::days(14)),
            InvitationStatus::Expired
        );
        assert_eq!(
            effective_status(InvitationStatus::Accepted, exp, now + Duration::days(30)),
            InvitationStatus::Accepted
        );
    }

    #[test]
    fn codes_parse_back_whatever_the_typing() {
        let code = new_code();
        assert_eq!(parse_code(&code.to_lowercase()), Ok(code.clone()));
        let dashed = format!("{}-{}", &code[..4], &code[4..]);
        assert_eq!(parse_code(&format!(" {dashed} ")), Ok(code));
        assert!(parse_code("short").is_err());
        assert!(parse_code("O0O0O0O0O0").is_err());
        assert!(parse_code("'; DROP TABLE--").is_err());
    }

    #[test]
    fn uses_are_bounded() {
        assert_eq!(check_uses(1), Ok(1));
        assert!(check_uses(0).is_err());
        assert!(check_uses(-5).is_err());
        assert!(check_uses(1_001).is_err());
    }
}
