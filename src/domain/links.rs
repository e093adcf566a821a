//! Signed links to read-only web pages.
//!
//! A token carries a link id, its kind and its expiry, authenticated with HMAC-SHA256 under a
//! server secret; the database row (revocation, owner, query) is looked up only after the
//! signature checks out, so a guessed or edited token costs no database work and learns
//! nothing. Layout before URL-safe base64 (no padding):
//!
//! ```text
//! version (1) | kind (1) | link id (8, big-endian) | expiry, unix seconds (8, BE) | tag (16)
//! ```
//!
//! The tag is the HMAC truncated to 128 bits (RFC 2104 allows truncation to half the output),
//! which keeps links short enough to paste while leaving forgery out of reach.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, TimeZone, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::{Denied, Role};

type HmacSha256 = Hmac<Sha256>;

const VERSION: u8 = 1;
const PAYLOAD_LEN: usize = 18;
const TAG_LEN: usize = 16;
const TOKEN_LEN: usize = PAYLOAD_LEN + TAG_LEN;
/// The shortest secret accepted: 256 bits, the HMAC-SHA256 block's natural key strength.
pub const MIN_SECRET_BYTES: usize = 32;

/// What a link opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkKind {
    /// A report page (`/r/<token>`).
    Report,
    /// A shared project's status page (`/p/<token>`).
    Project,
}

impl LinkKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::Report => "r",
            LinkKind::Project => "p",
        }
    }

    pub fn from_str_opt(s: &str) -> Option<LinkKind> {
        match s {
            "r" => Some(LinkKind::Report),
            "p" => Some(LinkKind::Project),
            _ => None,
        }
    }

    fn byte(self) -> u8 {
        self.as_str().as_bytes()[0]
    }

    fn from_byte(b: u8) -> Option<LinkKind> {
        match b {
            b'r' => Some(LinkKind::Report),
            b'p' => Some(LinkKind::Project),
            _ => None,
        }
    }
}

/// What a token says once its signature has been checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkClaims {
    pub kind: LinkKind,
    pub id: i64,
    pub expires_at: DateTime<Utc>,
}

/// Signs and verifies tokens with the server secret. The secret never leaves this type.
#[derive(Clone)]
pub struct LinkSigner {
    key: Vec<u8>,
}

impl std::fmt::Debug for LinkSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkSigner(***)")
    }
}

impl LinkSigner {
    /// `None` when the secret is too short to be safe.
    pub fn new(secret: &[u8]) -> Option<LinkSigner> {
        (secret.len() >= MIN_SECRET_BYTES).then(|| LinkSigner {
            key: secret.to_vec(),
        })
    }

    fn mac(&self) -> HmacSha256 {
        // HMAC accepts keys of any length; `new_from_slice` cannot fail for it.
        <HmacSha256 as Mac>::new_from_slice(&self.key).unwrap_or_else(|_| unreachable!())
    }

    pub fn sign(&self, claims: &LinkClaims) -> String {
        let mut bytes = Vec::with_capacity(TOKEN_LEN);
        bytes.push(VERSION);
        bytes.push(claims.kind.byte());
        bytes.extend_from_slice(&claims.id.to_be_bytes());
        bytes.extend_from_slice(&claims.expires_at.timestamp().to_be_bytes());
        let mut mac = self.mac();
        mac.update(&bytes);
        let tag = mac.finalize().into_bytes();
        bytes.extend_from_slice(&tag[..TAG_LEN]);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// The claims of a token signed with this secret; `None` for anything else (malformed,
    /// edited, signed with another secret, unknown version or kind). The tag comparison is
    /// constant-time.
    pub fn verify(&self, token: &str) -> Option<LinkClaims> {
        // Cheap length gate before decoding: a valid token is exactly 46 characters.
        if token.len() != (TOKEN_LEN * 4).div_ceil(3) {
            return None;
        }
        let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
        if bytes.len() != TOKEN_LEN {
            return None;
        }
        let (payload, tag) = bytes.split_at(PAYLOAD_LEN);
        let mut mac = self.mac();
        mac.update(payload);
        mac.verify_truncated_left(tag).ok()?;
        if payload[0] != VERSION {
            return None;
        }
        let kind = LinkKind::from_byte(payload[1])?;
        let id = i64::from_be_bytes(payload[2..10].try_into().ok()?);
        let expiry = i64::from_be_bytes(payload[10..18].try_into().ok()?);
        let expires_at = Utc.timestamp_opt(expiry, 0).single()?;
        Some(LinkClaims {
            kind,
            id,
            expires_at,
        })
    }
}

/// The path of a link on the web sidecar: `/r/<token>` or `/p/<token>`.
pub fn link_path(kind: LinkKind, token: &str) -> String {
    format!("/{}/{token}", kind.as_str())
}

/// The full address people are given: the configured public URL plus the path.
pub fn link_url(public_url: &str, kind: LinkKind, token: &str) -> String {
    format!(
        "{}{}",
        public_url.trim_end_matches('/'),
        link_path(kind, token)
    )
}

/// Whether a link has run out at `now` (the expiry instant itself counts as expired).
pub fn is_expired(expires_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now >= expires_at
}

/// Who may revoke a link: its owner, and Admins and the Owner for any link in their
/// workspace (a leaked link must be stoppable without its owner).
pub fn may_revoke(
    actor_member_id: i64,
    actor_role: Role,
    owner_member_id: i64,
) -> Result<(), Denied> {
    if actor_member_id == owner_member_id || actor_role.is_admin() {
        Ok(())
    } else {
        Err(Denied::new(
            "You can revoke only your own links; an Admin or the Owner can revoke anyone's. See yours with /report links.",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn signer() -> LinkSigner {
        LinkSigner::new(&[7u8; 32]).unwrap()
    }

    fn claims() -> LinkClaims {
        LinkClaims {
            kind: LinkKind::Report,
            id: 42,
            expires_at: Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap(),
        }
    }

    #[test]
    fn round_trips_and_is_url_safe() {
        let token = signer().sign(&claims());
        assert_eq!(token.len(), 46);
        assert!(token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert_eq!(signer().verify(&token), Some(claims()));
        let project = LinkClaims {
            kind: LinkKind::Project,
            ..claims()
        };
        assert_eq!(signer().verify(&signer().sign(&project)), Some(project));
    }

    #[test]
    fn short_secrets_are_refused() {
        assert!(LinkSigner::new(&[1u8; 31]).is_none());
        assert_eq!(format!("{:?}", signer()), "LinkSigner(***)");
    }

    #[test]
    fn another_secret_does_not_verify() {
        let token = signer().sign(&claims());
        let other = LinkSigner::new(&[8u8; 32]).unwrap();
        assert_eq!(other.verify(&token), None);
    }

    #[test]
    fn every_single_character_edit_is_rejected() {
        let token = signer().sign(&claims());
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        for i in 0..token.len() {
            for &c in alphabet {
                let mut edited = token.clone().into_bytes();
                if edited[i] == c {
                    continue;
                }
                edited[i] = c;
                let edited = String::from_utf8(edited).unwrap();
                // The last character carries 2 unused bits; base64 decoders may accept the
                // variants, but they decode to the same bytes, so the claims are unchanged.
                if let Some(found) = signer().verify(&edited) {
                    assert_eq!(found, claims(), "edit at {i} changed the claims");
                    assert_eq!(i, token.len() - 1);
                }
            }
        }
    }

    #[test]
    fn junk_is_rejected() {
        for junk in [
            "",
            "x",
            "../../etc/passwd",
            &"A".repeat(46),
            &"A".repeat(5000),
        ] {
            assert_eq!(signer().verify(junk), None, "{junk}");
        }
    }

    #[test]
    fn urls_join_cleanly() {
        assert_eq!(
            link_url("https://t.example/", LinkKind::Report, "abc"),
            "https://t.example/r/abc"
        );
        assert_eq!(link_path(LinkKind::Project, "x"), "/p/x");
    }

    #[test]
    fn owners_and_admins_revoke() {
        for role in Role::ALL {
            assert!(may_revoke(1, role, 1).is_ok(), "own link, {role:?}");
            assert_eq!(may_revoke(1, role, 2).is_ok(), role.is_admin(), "{role:?}");
        }
    }

    #[test]
    fn expiry_is_inclusive() {
        let at = claims().expires_at;
        assert!(is_expired(at, at));
        assert!(!is_expired(at, at - chrono::Duration::seconds(1)));
    }

    proptest! {
        #[test]
        fn any_claims_round_trip(id in any::<i64>(), secs in 0i64..4_000_000_000) {
            let c = LinkClaims {
                kind: LinkKind::Report,
                id,
                expires_at: Utc.timestamp_opt(secs, 0).unwrap(),
            };
            prop_assert_eq!(signer().verify(&signer().sign(&c)), Some(c));
        }

        #[test]
        fn arbitrary_strings_never_verify(s in ".{0,80}") {
            prop_assert_eq!(signer().verify(&s), None);
        }
    }
}
