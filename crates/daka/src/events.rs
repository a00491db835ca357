//! `daka events` (deliveries) and `daka apps events` (subscriptions).

use anyhow::{anyhow, Result};
use clap::{Args, Subcommand};
use daka_server::events::{now_ms, subscribe};
use daka_store::deliveries::Delivery;
use daka_store::subscriptions::SubscriptionSpec;
use daka_store::Store;

use crate::{ensure, now};

/// Subcommands of `daka apps events`.
#[derive(Subcommand)]
pub enum AppEventsCommand {
    /// Subscribe an app to events. With --url, daka first performs the url_verification
    /// challenge and refuses a URL that fails it; without, events go only to the app's
    /// long-connection clients.
    Set {
        /// The app id.
        app_id: String,
        /// Request URL of the webhook.
        #[arg(long)]
        url: Option<String>,
        /// Verification Token (sent as `header.token`).
        #[arg(long, default_value = "")]
        verification_token: String,
        /// Encrypt Key: events are AES-256-CBC encrypted and signed when set.
        #[arg(long, default_value = "")]
        encrypt_key: String,
        /// Comma-separated event types (default: every type daka emits).
        #[arg(long, value_delimiter = ',')]
        types: Vec<String>,
    },
    /// Show an app's subscription.
    Show {
        /// The app id.
        app_id: String,
    },
    /// Remove an app's subscription (its pending deliveries are marked failed).
    Clear {
        /// The app id.
        app_id: String,
    },
}

/// Runs a `daka apps events` subcommand.
pub async fn run_app_events(store: &Store, command: AppEventsCommand) -> Result<()> {
    match command {
        AppEventsCommand::Set { app_id, url, verification_token, encrypt_key, types } => {
            let spec = SubscriptionSpec { url, verification_token, encrypt_key, event_types: types };
            let sub = subscribe(store, &app_id, &spec, now()).await.map_err(|e| anyhow!(e))?;
            match &sub.url {
                Some(url) => println!("{app_id}: url_verification passed; events go to {url}"),
                None => println!("{app_id}: events go to its long-connection clients"),
            }
            println!("types: {}", sub.event_types.join(","));
        }
        AppEventsCommand::Show { app_id } => {
            let Some(sub) = store.subscription(&app_id).await? else {
                println!("{app_id}: no event subscription");
                return Ok(());
            };
            println!("app_id:             {}", sub.app_id);
            println!("url:                {}", sub.url.as_deref().unwrap_or("(long connection only)"));
            println!("verification_token: {}", sub.verification_token);
            println!("encrypt_key:        {}", if sub.encrypt_key.is_empty() { "(none: plain JSON)" } else { "(set)" });
            println!("types:              {}", sub.event_types.join(","));
        }
        AppEventsCommand::Clear { app_id } => {
            let had = store.clear_subscription(&app_id, now_ms()).await?;
            ensure(had, format!("{app_id} has no event subscription"))?;
            println!("{app_id}: event subscription removed");
        }
    }
    Ok(())
}

/// Subcommands of `daka events`.
#[derive(Subcommand)]
pub enum EventsCommand {
    /// List deliveries, newest first.
    List(ListArgs),
    /// List failed deliveries (same as `list --failed`).
    Failed {
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Queue deliveries again, with a fresh retry schedule.
    Redeliver {
        /// Delivery id (see `daka events list`).
        #[arg(required_unless_present = "all_failed", conflicts_with = "all_failed")]
        delivery_id: Option<i64>,
        /// Every failed delivery.
        #[arg(long)]
        all_failed: bool,
    },
}

/// `daka events list`.
#[derive(Args)]
pub struct ListArgs {
    /// Only failed deliveries.
    #[arg(long)]
    failed: bool,
    /// At most this many.
    #[arg(long, default_value_t = 50)]
    limit: i64,
}

fn ms_str(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms).map(|t| t.to_string()).unwrap_or_else(|_| ms.to_string())
}

fn print(list: &[Delivery]) {
    println!("id\tapp_id\tevent_id\tevent_type\tstate\tattempts\tchannel\tnext_attempt/delivered\tlast_error");
    for d in list {
        let when = match (d.state.as_str(), d.delivered_ms) {
            ("delivered", Some(ms)) => ms_str(ms),
            ("pending", _) => ms_str(d.next_attempt_ms),
            _ => "-".into(),
        };
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            d.id,
            d.app_id,
            d.event_id.as_deref().unwrap_or("(deleted)"),
            d.event_type.as_deref().unwrap_or("-"),
            d.state,
            d.attempts,
            d.channel.as_deref().unwrap_or("-"),
            when,
            d.last_error.as_deref().unwrap_or("")
        );
    }
}

/// Runs a `daka events` subcommand.
pub async fn run(store: &Store, command: EventsCommand) -> Result<()> {
    match command {
        EventsCommand::List(args) => print(&store.deliveries(args.failed, args.limit).await?),
        EventsCommand::Failed { limit } => print(&store.deliveries(true, limit).await?),
        EventsCommand::Redeliver { delivery_id, all_failed } => {
            if all_failed {
                let n = store.redeliver_failed(now_ms()).await?;
                println!("{n} failed deliveries queued again");
            } else if let Some(id) = delivery_id {
                ensure(store.redeliver(id, now_ms()).await?, format!("no delivery {id}"))?;
                println!("delivery {id} queued again");
            }
        }
    }
    Ok(())
}
