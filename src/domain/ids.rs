//! Discord snowflakes. Discord ids are `u64`; the databases store `i64`.
//! This module is the only place where one becomes the other.

use std::fmt;

macro_rules! snowflake {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u64);

        impl $name {
            /// The value as stored in the database (bit-for-bit reinterpretation).
            pub fn to_db(self) -> i64 {
                self.0 as i64
            }

            /// The inverse of [`Self::to_db`].
            pub fn from_db(value: i64) -> Self {
                $name(value as u64)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

snowflake!(
    /// A Discord user.
    UserId
);
snowflake!(
    /// A Discord server (guild); it hosts one workspace.
    GuildId
);
snowflake!(
    /// A Discord role that may be linked to a workspace role.
    DiscordRoleId
);
snowflake!(
    /// A Discord channel (a project's default channel for timers).
    ChannelId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_bit_pattern() {
        for raw in [
            0u64,
            1,
            1_000_000_000_000_000_000,
            u64::MAX,
            i64::MAX as u64 + 1,
        ] {
            assert_eq!(UserId::from_db(UserId(raw).to_db()), UserId(raw));
        }
    }
}
