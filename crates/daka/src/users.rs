//! `daka users`: bulk registration of people from CSV.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Subcommand;
use daka_store::people::NewPerson;
use daka_store::Store;

use crate::{ensure, now, parse_instant};

/// Subcommands of `daka users`.
#[derive(Subcommand)]
pub enum UsersCommand {
    /// Register people from a CSV file with the header `user_id,name,employee_no,join_time`
    /// (join_time: Unix seconds, RFC 3339 or YYYY-MM-DD, may be empty). All rows or none.
    Import {
        /// The CSV file.
        file: PathBuf,
        /// Tenant id or tenant_key (default: the first tenant).
        #[arg(long)]
        tenant: Option<String>,
        /// Time zone of YYYY-MM-DD join dates.
        #[arg(long, default_value = "Asia/Shanghai")]
        time_zone: String,
    },
}

#[derive(serde::Deserialize)]
struct Row {
    #[serde(default)]
    user_id: String,
    name: String,
    #[serde(default)]
    employee_no: String,
    #[serde(default)]
    join_time: String,
}

fn join_time(s: &str, tz: &jiff::tz::TimeZone) -> Result<Option<i64>> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    if let Ok(date) = s.parse::<jiff::civil::Date>() {
        return Ok(Some(date.to_zoned(tz.clone())?.timestamp().as_second()));
    }
    parse_instant(s).map(Some)
}

/// Runs a `daka users` subcommand.
pub async fn run(store: &Store, command: UsersCommand) -> Result<()> {
    let UsersCommand::Import { file, tenant, time_zone } = command;
    let tz = jiff::tz::TimeZone::get(&time_zone).with_context(|| format!("unknown time zone {time_zone}"))?;
    let tenant = match tenant {
        Some(t) => store.tenant(&t).await?,
        None => {
            let first = store.tenants().await?.into_iter().next();
            ensure(first.is_some(), "no tenant yet: start `daka serve` once or run `daka apps create-tenant`")?;
            first.expect("checked above")
        }
    };
    let mut reader = csv::Reader::from_path(&file).with_context(|| format!("reading {}", file.display()))?;
    let mut people = Vec::new();
    for (i, row) in reader.deserialize::<Row>().enumerate() {
        let line = i + 2;
        let row = row.with_context(|| format!("{}:{line}", file.display()))?;
        people.push(NewPerson {
            user_id: Some(row.user_id).filter(|s| !s.is_empty()),
            name: row.name,
            employee_no: Some(row.employee_no).filter(|s| !s.is_empty()),
            join_time: join_time(&row.join_time, &tz)
                .with_context(|| format!("{}:{line}: join_time", file.display()))?,
            attrs: Default::default(),
        });
    }
    let mut w = store.write().await?;
    let now = now();
    let count = people.len();
    for (i, p) in people.into_iter().enumerate() {
        store
            .create_person_in(&mut w.tx, tenant.id, p, now)
            .await
            .with_context(|| format!("{}:{}", file.display(), i + 2))?;
    }
    w.commit().await?;
    println!("{count} people registered");
    Ok(())
}
