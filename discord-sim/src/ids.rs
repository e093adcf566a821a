//! Typed snowflake ids, so a role id is never passed where a user id is expected.
//!
//! Every id the simulator hands out is a realistic snowflake (about 1.19e18, so larger than
//! 2^53 and close to what Discord sends): conversions to `i64` or `f64` that would go wrong
//! with real ids go wrong in tests too.

use std::fmt;

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u64);

        impl $name {
            /// The raw snowflake.
            pub fn get(self) -> u64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl From<$name> for u64 {
            fn from(id: $name) -> u64 {
                id.0
            }
        }
    };
}

id_type!(
    /// A guild (server) id.
    GuildId
);
id_type!(
    /// A channel id (guild text channel or DM channel).
    ChannelId
);
id_type!(
    /// A role id. A guild's `@everyone` role has the guild's id.
    RoleId
);
id_type!(
    /// A user id.
    UserId
);
id_type!(
    /// A message id.
    MessageId
);
id_type!(
    /// An interaction id.
    InteractionId
);

/// Discord's epoch (2015-01-01) in Unix milliseconds.
const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;
/// 2024-01-01 in Unix milliseconds: the fixed "creation time" of every simulated snowflake.
const BASE_MS: u64 = 1_704_067_200_000;

/// Hands out unique snowflakes: a fixed timestamp part plus a counter in the low 22 bits
/// (spilling into the timestamp part, which keeps them unique and increasing).
#[derive(Debug)]
pub(crate) struct Snowflakes {
    next: u64,
}

impl Snowflakes {
    pub(crate) fn new() -> Self {
        Self {
            next: (BASE_MS - DISCORD_EPOCH_MS) << 22,
        }
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.next += 1;
        self.next
    }
}

/// Parses a snowflake from a path segment or a JSON value (string or number).
pub(crate) fn parse_snowflake(v: &serde_json::Value) -> Option<u64> {
    match v {
        serde_json::Value::String(s) => s.parse().ok(),
        serde_json::Value::Number(n) => n.as_u64(),
        _ => None,
    }
}
