//! Configuration: a TOML file (every key optional, see `config.example.toml`) with
//! environment overrides. The Discord token is read only from the environment or a secrets
//! file, never from the TOML file, so it cannot end up committed.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://crewclock.db?mode=rwc";
pub const DEFAULT_CONFIG_PATH: &str = "crewclock.toml";

/// A secret that never shows up in logs or debug output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// `sqlite://…` (default, embedded) or `postgres://…`.
    pub url: String,
    pub max_connections: u32,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            url: DEFAULT_DATABASE_URL.into(),
            max_connections: 8,
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum CommandScope {
    /// Registered in every server at once (production; Discord may take a while to show them).
    #[default]
    Global,
    /// Registered in the listed servers only (development: shows up instantly).
    Guild,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct DiscordConfig {
    /// A file holding the bot token (e.g. a container secret). `DISCORD_TOKEN` wins over it.
    pub token_file: Option<PathBuf>,
    pub command_scope: CommandScope,
    /// Servers to register commands in when `command_scope = "guild"`.
    pub guild_ids: Vec<u64>,
    /// Base URL of Discord's API. Only for tests against a local Discord simulator: with it
    /// set, serenity's rate limiter is turned off.
    pub api_base_url: Option<String>,
    /// How often, in milliseconds, the bot looks for timers due an idle reminder. Each look
    /// is one indexed query; tests set it short to see reminders at once.
    pub reminder_check_ms: u64,
    /// How often, in milliseconds, the bot looks for shared projects due their weekly
    /// summary in the guest channel. Each look is one indexed query.
    pub share_summary_check_ms: u64,
}

impl Default for DiscordConfig {
    fn default() -> Self {
        DiscordConfig {
            token_file: None,
            command_scope: CommandScope::Global,
            guild_ids: Vec::new(),
            api_base_url: None,
            reminder_check_ms: 60_000,
            share_summary_check_ms: 300_000,
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// A `RUST_LOG`-style filter; `RUST_LOG` overrides it.
    pub filter: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            filter: "info".into(),
        }
    }
}

/// The read-only web sidecar (report pages behind signed links).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct WebConfig {
    /// Address to serve pages on, e.g. `0.0.0.0:8080`; unset = no web sidecar.
    pub bind: Option<String>,
    /// The address people reach the sidecar at; links in Discord start with it.
    pub public_url: String,
    /// A file holding the link-signing secret. `CREWCLOCK_LINK_SECRET` wins over it; with
    /// neither, a random secret is generated once and kept in the database.
    pub link_secret_file: Option<PathBuf>,
    /// How long a new link stays valid.
    pub link_ttl_days: u32,
    /// Where `/metrics` is served (its own address, never the public one); unset = off.
    pub metrics_bind: Option<String>,
    /// Requests one link may make per minute (a burst of this size, refilled evenly).
    pub link_requests_per_minute: u32,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            bind: None,
            public_url: "http://localhost:8080".into(),
            link_secret_file: None,
            link_ttl_days: 7,
            metrics_bind: None,
            link_requests_per_minute: 120,
        }
    }
}

/// Shortest link secret accepted from the environment or a file.
pub const MIN_LINK_SECRET_CHARS: usize = 32;
/// Longest link lifetime accepted: a year.
pub const MAX_LINK_TTL_DAYS: u32 = 366;

#[derive(Debug, Clone, Deserialize, PartialEq, Eq, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub database: DatabaseConfig,
    pub discord: DiscordConfig,
    pub log: LogConfig,
    pub web: WebConfig,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

fn err<T>(message: impl Into<String>) -> Result<T, ConfigError> {
    Err(ConfigError(message.into()))
}

impl Config {
    /// Reads the file named by `CREWCLOCK_CONFIG` (or `crewclock.toml` if present), then
    /// applies environment overrides. `env` is `std::env::var` in production.
    pub fn load(env: &dyn Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let explicit = env("CREWCLOCK_CONFIG").map(PathBuf::from);
        let mut config = match &explicit {
            Some(path) => Config::from_file(path)?,
            None if Path::new(DEFAULT_CONFIG_PATH).exists() => {
                Config::from_file(Path::new(DEFAULT_CONFIG_PATH))?
            }
            None => Config::default(),
        };
        config.apply_env(env)?;
        config.validate()?;
        Ok(config)
    }

    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path)
            .or_else(|e| err(format!("cannot read config file {}: {e}", path.display())))?;
        Config::from_toml(&text)
            .map_err(|e| ConfigError(format!("config file {}: {}", path.display(), e.0)))
    }

    pub fn from_toml(text: &str) -> Result<Config, ConfigError> {
        let value: toml::Value =
            toml::from_str(text).or_else(|e| err(format!("not valid TOML: {}", e.message())))?;
        if value.get("discord").and_then(|d| d.get("token")).is_some() {
            return err("discord.token must not be in the config file; set DISCORD_TOKEN or discord.token_file");
        }
        if value
            .get("web")
            .and_then(|d| d.get("link_secret"))
            .is_some()
        {
            return err("web.link_secret must not be in the config file; set CREWCLOCK_LINK_SECRET or web.link_secret_file");
        }
        toml::from_str(text).or_else(|e| err(e.message().to_string()))
    }

    fn apply_env(&mut self, env: &dyn Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        if let Some(url) = env("CREWCLOCK_DATABASE_URL") {
            self.database.url = url;
        }
        if let Some(n) = env("CREWCLOCK_DATABASE_MAX_CONNECTIONS") {
            self.database.max_connections = n.parse().or_else(|_| {
                err(format!(
                    "CREWCLOCK_DATABASE_MAX_CONNECTIONS must be a number, not '{n}'"
                ))
            })?;
        }
        if let Some(path) = env("CREWCLOCK_DISCORD_TOKEN_FILE") {
            self.discord.token_file = Some(PathBuf::from(path));
        }
        if let Some(scope) = env("CREWCLOCK_DISCORD_COMMAND_SCOPE") {
            self.discord.command_scope = match scope.as_str() {
                "global" => CommandScope::Global,
                "guild" => CommandScope::Guild,
                other => {
                    return err(format!(
                        "CREWCLOCK_DISCORD_COMMAND_SCOPE must be global or guild, not '{other}'"
                    ))
                }
            };
        }
        if let Some(ids) = env("CREWCLOCK_DISCORD_GUILD_IDS") {
            self.discord.guild_ids = ids
                .split(',')
                .filter(|s| !s.trim().is_empty())
                .map(|s| s.trim().parse::<u64>())
                .collect::<Result<_, _>>()
                .or_else(|_| {
                    err("CREWCLOCK_DISCORD_GUILD_IDS must be comma-separated server ids")
                })?;
        }
        if let Some(url) = env("CREWCLOCK_DISCORD_API_BASE_URL") {
            self.discord.api_base_url = Some(url);
        }
        if let Some(bind) = env("CREWCLOCK_WEB_BIND") {
            self.web.bind = Some(bind).filter(|b| !b.trim().is_empty());
        }
        if let Some(url) = env("CREWCLOCK_WEB_PUBLIC_URL") {
            self.web.public_url = url;
        }
        if let Some(path) = env("CREWCLOCK_LINK_SECRET_FILE") {
            self.web.link_secret_file = Some(PathBuf::from(path));
        }
        if let Some(days) = env("CREWCLOCK_WEB_LINK_TTL_DAYS") {
            self.web.link_ttl_days = days.parse().or_else(|_| {
                err(format!(
                    "CREWCLOCK_WEB_LINK_TTL_DAYS must be a number of days, not '{days}'"
                ))
            })?;
        }
        if let Some(bind) = env("CREWCLOCK_WEB_METRICS_BIND") {
            self.web.metrics_bind = Some(bind).filter(|b| !b.trim().is_empty());
        }
        if let Some(filter) = env("RUST_LOG") {
            self.log.filter = filter;
        }
        Ok(())
    }

    fn validate(&self) -> Result<(), ConfigError> {
        if crate::store::DbKind::from_url(&self.database.url).is_none() {
            return err(format!(
                "database.url must start with sqlite: or postgres://, not '{}'",
                redact_url(&self.database.url)
            ));
        }
        if self.database.max_connections == 0 {
            return err("database.max_connections must be at least 1");
        }
        if self.discord.command_scope == CommandScope::Guild && self.discord.guild_ids.is_empty() {
            return err("discord.command_scope = \"guild\" needs discord.guild_ids");
        }
        self.validate_web()
    }

    fn validate_web(&self) -> Result<(), ConfigError> {
        let web = &self.web;
        for (key, value) in [
            ("web.bind", &web.bind),
            ("web.metrics_bind", &web.metrics_bind),
        ] {
            if let Some(addr) = value {
                if addr.parse::<std::net::SocketAddr>().is_err() {
                    return err(format!(
                        "{key} must be an address and port such as 0.0.0.0:8080, not '{addr}'"
                    ));
                }
            }
        }
        if web.bind.is_some() && web.bind == web.metrics_bind {
            return err("web.metrics_bind must differ from web.bind: metrics are never served on the public address");
        }
        let url = web.public_url.trim();
        let host = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"));
        if !matches!(host, Some(h) if !h.is_empty() && !h.contains(char::is_whitespace)) {
            return err(format!(
                "web.public_url must start with https:// or http://, such as https://crewclock.example.com, not '{url}'"
            ));
        }
        if web.link_ttl_days == 0 || web.link_ttl_days > MAX_LINK_TTL_DAYS {
            return err(format!(
                "web.link_ttl_days must be between 1 and {MAX_LINK_TTL_DAYS}"
            ));
        }
        if web.link_requests_per_minute == 0 {
            return err("web.link_requests_per_minute must be at least 1");
        }
        Ok(())
    }

    /// The configured link-signing secret from `CREWCLOCK_LINK_SECRET` or the secret file;
    /// `None` when neither is set (the caller then uses the one generated in the database).
    pub fn link_secret(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Option<Secret>, ConfigError> {
        let secret = match (env("CREWCLOCK_LINK_SECRET"), &self.web.link_secret_file) {
            (Some(secret), _) => secret,
            (None, Some(path)) => std::fs::read_to_string(path).or_else(|e| {
                err(format!(
                    "cannot read the link secret file {}: {e}",
                    path.display()
                ))
            })?,
            (None, None) => return Ok(None),
        };
        let secret = secret.trim().to_string();
        if secret.chars().count() < MIN_LINK_SECRET_CHARS {
            return err(format!(
                "the link secret must be at least {MIN_LINK_SECRET_CHARS} characters; generate one with: openssl rand -hex 32"
            ));
        }
        Ok(Some(Secret(secret)))
    }

    /// The bot token from `DISCORD_TOKEN` or the token file, checked for shape.
    pub fn discord_token(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Secret, ConfigError> {
        let token = match (env("DISCORD_TOKEN"), &self.discord.token_file) {
            (Some(token), _) => token,
            (None, Some(path)) => std::fs::read_to_string(path).or_else(|e| {
                err(format!(
                    "cannot read the Discord token file {}: {e}",
                    path.display()
                ))
            })?,
            (None, None) => {
                return err("no Discord token: set DISCORD_TOKEN or discord.token_file")
            }
        };
        let token = token.trim().to_string();
        // A bot token is three dot-separated base64url parts, without spaces.
        let parts: Vec<&str> = token.split('.').collect();
        let well_formed = parts.len() == 3
            && parts.iter().all(|p| {
                !p.is_empty()
                    && p.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            });
        if !well_formed {
            return err("the Discord token is malformed: copy the bot token from the Developer Portal's Bot page");
        }
        Ok(Secret(token))
    }
}

/// A database URL with any password replaced, for messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &credentials[..colon],
                    &url[at..]
                ),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |key| map.get(key).cloned()
    }

    #[test]
    fn defaults_use_embedded_sqlite() {
        let config = Config::from_toml("").unwrap();
        assert_eq!(config.database.url, DEFAULT_DATABASE_URL);
        assert_eq!(config.discord.command_scope, CommandScope::Global);
    }

    #[test]
    fn example_config_parses() {
        let text = include_str!("../config.example.toml");
        Config::from_toml(text).unwrap();
    }

    #[test]
    fn environment_overrides_the_file() {
        let mut config = Config::from_toml("[database]\nurl = \"sqlite://a.db\"\n").unwrap();
        config
            .apply_env(&env_of(&[("CREWCLOCK_DATABASE_URL", "postgres://u@h/db")]))
            .unwrap();
        assert_eq!(config.database.url, "postgres://u@h/db");
    }

    #[test]
    fn web_settings_parse_override_and_validate() {
        let mut config = Config::from_toml(
            "[web]\nbind = \"127.0.0.1:8080\"\npublic_url = \"https://t.example\"\nlink_ttl_days = 3\n",
        )
        .unwrap();
        assert_eq!(config.web.bind.as_deref(), Some("127.0.0.1:8080"));
        assert_eq!(config.web.metrics_bind, None, "metrics are off by default");
        config
            .apply_env(&env_of(&[
                ("CREWCLOCK_WEB_METRICS_BIND", "127.0.0.1:9090"),
                ("CREWCLOCK_WEB_LINK_TTL_DAYS", "14"),
            ]))
            .unwrap();
        assert_eq!(config.web.link_ttl_days, 14);
        config.validate().unwrap();

        let mut bad = config.clone();
        bad.web.bind = Some("localhost".into());
        assert!(bad.validate().unwrap_err().0.contains("0.0.0.0:8080"));
        let mut bad = config.clone();
        bad.web.metrics_bind = bad.web.bind.clone();
        assert!(bad.validate().unwrap_err().0.contains("metrics_bind"));
        let mut bad = config.clone();
        bad.web.public_url = "crewclock.example".into();
        assert!(bad.validate().unwrap_err().0.contains("https://"));
        let mut bad = config;
        bad.web.link_ttl_days = 0;
        assert!(bad.validate().unwrap_err().0.contains("link_ttl_days"));
    }

    #[test]
    fn link_secret_comes_from_env_or_file_and_never_from_toml() {
        assert!(Config::from_toml("[web]\nlink_secret = \"x\"\n")
            .unwrap_err()
            .0
            .contains("CREWCLOCK_LINK_SECRET"));
        let config = Config::default();
        assert_eq!(config.link_secret(&env_of(&[])).unwrap(), None);
        let long = "k".repeat(40);
        let secret = config
            .link_secret(&env_of(&[("CREWCLOCK_LINK_SECRET", &long)]))
            .unwrap()
            .unwrap();
        assert_eq!(secret.expose(), long);
        assert!(config
            .link_secret(&env_of(&[("CREWCLOCK_LINK_SECRET", "short")]))
            .unwrap_err()
            .0
            .contains("openssl rand -hex 32"));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret");
        std::fs::write(&path, format!("{long}\n")).unwrap();
        let mut config = Config::default();
        config.web.link_secret_file = Some(path);
        let secret = config.link_secret(&env_of(&[])).unwrap().unwrap();
        assert_eq!(secret.expose(), long);
    }

    #[test]
    fn token_in_file_is_refused() {
        let e = Config::from_toml("[discord]\ntoken = \"abc\"\n").unwrap_err();
        assert!(e.0.contains("DISCORD_TOKEN"), "{e}");
    }

    #[test]
    fn unknown_keys_and_bad_urls_give_one_clear_line() {
        assert!(Config::from_toml("[database]\nurll = \"x\"\n")
            .unwrap_err()
            .0
            .contains("urll"));
        let mut config = Config::default();
        config.database.url = "mysql://root:hunter2@h/db".into();
        let e = config.validate().unwrap_err();
        assert!(e.0.contains("sqlite:") && !e.0.contains("hunter2"), "{e}");
    }

    #[test]
    fn token_comes_from_env_and_is_checked() {
        let config = Config::default();
        let ok = config
            .discord_token(&env_of(&[("DISCORD_TOKEN", " MTA.Gx_y.abc-d \n")]))
            .unwrap();
        assert_eq!(ok.expose(), "MTA.Gx_y.abc-d");
        assert_eq!(format!("{ok:?}"), "Secret(***)");
        assert!(config
            .discord_token(&env_of(&[]))
            .unwrap_err()
            .0
            .contains("no Discord token"));
        assert!(config
            .discord_token(&env_of(&[("DISCORD_TOKEN", "not a token")]))
            .unwrap_err()
            .0
            .contains("malformed"));
    }
}
