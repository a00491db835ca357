//! `daka calendars`: custom holiday calendars, used by groups through `new_calendar_id`.

use anyhow::{Context, Result};
use clap::Subcommand;
use daka_store::Store;

use crate::{ensure, now};

/// Subcommands of `daka calendars`.
#[derive(Subcommand)]
pub enum CalendarsCommand {
    /// Create an empty calendar and print its id (the group's `new_calendar_id`).
    Create {
        /// The calendar's name.
        name: String,
        /// Tenant id or tenant_key (default: the first tenant).
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Mark days as holidays (rest) or working days (调休上班), or remove them; results of the
    /// groups using the calendar are recomputed.
    Set {
        /// The calendar id.
        id: i64,
        /// Holidays, YYYYMMDD.
        #[arg(long, num_args = 1..)]
        holiday: Vec<i32>,
        /// Working days, YYYYMMDD.
        #[arg(long, num_args = 1..)]
        workday: Vec<i32>,
        /// Days to remove from the calendar, YYYYMMDD.
        #[arg(long, num_args = 1..)]
        clear: Vec<i32>,
    },
    /// List calendars and their days.
    List {
        /// Tenant id or tenant_key (default: every tenant).
        #[arg(long)]
        tenant: Option<String>,
    },
}

/// Runs a `daka calendars` subcommand.
pub async fn run(store: &Store, command: CalendarsCommand) -> Result<()> {
    match command {
        CalendarsCommand::Create { name, tenant } => {
            let tenant = match tenant {
                Some(t) => store.tenant(&t).await?,
                None => {
                    let first = store.tenants().await?.into_iter().next();
                    ensure(first.is_some(), "no tenant yet: start `daka serve` once or run `daka apps create-tenant`")?;
                    first.expect("checked above")
                }
            };
            let cal = store.create_calendar(tenant.id, &name, now()).await?;
            println!("{}", cal.id);
        }
        CalendarsCommand::Set { id, holiday, workday, clear } => {
            ensure(
                !(holiday.is_empty() && workday.is_empty() && clear.is_empty()),
                "give at least one of --holiday, --workday, --clear",
            )?;
            store
                .set_calendar_days(id, &holiday, &workday, &clear, now())
                .await
                .with_context(|| format!("updating calendar {id}"))?;
            println!(
                "calendar {id}: {} holidays, {} working days set, {} days removed",
                holiday.len(),
                workday.len(),
                clear.len()
            );
        }
        CalendarsCommand::List { tenant } => {
            let tenant_id = match tenant {
                Some(t) => Some(store.tenant(&t).await?.id),
                None => None,
            };
            for c in store.calendars(tenant_id).await? {
                let list = |d: &[i32]| d.iter().map(i32::to_string).collect::<Vec<_>>().join(" ");
                println!("{}\t{}\ttenant {}", c.id, c.name, c.tenant_id);
                println!("  holidays: {}", list(&c.holidays));
                println!("  workdays: {}", list(&c.workdays));
            }
        }
    }
    Ok(())
}
