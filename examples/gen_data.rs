//! Generates a realistic data set for benchmarks and manual testing:
//!
//! ```text
//! cargo run --release -p crewclock --example gen_data -- --db sqlite:///tmp/cc.db?mode=rwc \
//!     --members 100 --projects 200 --entries 1000000 --years 5
//! ```
//!
//! Options: `--db <url>` (required; `sqlite:…?mode=rwc` or `postgres://…`), `--members`,
//! `--projects`, `--entries`, `--years`, `--end YYYY-MM-DD` (the day after the last entry),
//! `--seed`. Running it again with the same options reuses the data set.

use std::process::ExitCode;

use chrono::NaiveDate;
use crewclock::store::gen_data::{generate, GenOptions};
use crewclock::store::{Store, StoreOptions};

fn usage() -> ExitCode {
    eprintln!(
        "usage: gen_data --db <url> [--members 100] [--projects 200] [--entries 1000000] \
         [--years 5] [--end 2026-11-01] [--seed 42]"
    );
    ExitCode::from(2)
}

fn number<T: std::str::FromStr>(flag: &str, value: Option<String>) -> Result<T, String> {
    let value = value.ok_or_else(|| format!("{flag} needs a value"))?;
    value
        .parse()
        .map_err(|_| format!("{flag}: '{value}' is not a number"))
}

fn parse(args: Vec<String>) -> Result<(String, GenOptions), String> {
    let mut db = None;
    let mut opts = GenOptions::default();
    let mut args = args.into_iter();
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--db" => db = args.next(),
            "--members" => opts.members = number(&flag, args.next())?,
            "--projects" => opts.projects = number(&flag, args.next())?,
            "--entries" => opts.entries = number(&flag, args.next())?,
            "--years" => opts.years = number(&flag, args.next())?,
            "--seed" => opts.seed = number(&flag, args.next())?,
            "--end" => {
                let value = args.next().ok_or("--end needs a date")?;
                opts.end = NaiveDate::parse_from_str(&value, "%Y-%m-%d")
                    .map_err(|_| format!("--end: '{value}' is not a date like 2026-11-01"))?;
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    if opts.members == 0 || opts.projects == 0 || opts.years == 0 {
        return Err("--members, --projects and --years must be at least 1".into());
    }
    Ok((db.ok_or("--db is required")?, opts))
}

#[tokio::main]
async fn main() -> ExitCode {
    let (url, opts) = match parse(std::env::args().skip(1).collect()) {
        Ok(parsed) => parsed,
        Err(message) => {
            eprintln!("{message}");
            return usage();
        }
    };
    let store = match Store::open(&url, &StoreOptions::default()).await {
        Ok(store) => store,
        Err(e) => {
            eprintln!("can't open {url}: {e}");
            return ExitCode::FAILURE;
        }
    };
    match generate(&store, &opts).await {
        Ok(summary) => {
            println!(
                "{} {} entries ({} to {}) in {:.1}s; workspace {} on guild {}, Owner user {}",
                if summary.reused { "found" } else { "generated" },
                summary.entries,
                summary.first_day,
                summary.last_day,
                summary.seconds,
                summary.workspace_id,
                summary.guild.0,
                summary.owner.0
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("generating failed: {e}");
            ExitCode::FAILURE
        }
    }
}
