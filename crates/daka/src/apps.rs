//! `daka apps`: tenants, apps and scopes.

use anyhow::Result;
use clap::Subcommand;
use daka_store::apps::DEFAULT_SCOPES;
use daka_store::Store;

use crate::{ensure, now};

/// Subcommands of `daka apps`.
#[derive(Subcommand)]
pub enum AppsCommand {
    /// List tenants.
    Tenants,
    /// Create a tenant.
    CreateTenant {
        /// Display name.
        name: String,
    },
    /// List apps with their scopes.
    List,
    /// Create a self-built app; prints its secret once.
    Create {
        /// Tenant id or tenant_key (default: the first tenant).
        #[arg(long)]
        tenant: Option<String>,
        /// Display name.
        #[arg(long, default_value = "app")]
        name: String,
        /// Comma-separated scopes (default: every attendance scope and the contact scopes).
        #[arg(long, value_delimiter = ',')]
        scopes: Vec<String>,
        /// Fixed app id (`cli_` + 16 hex digits).
        #[arg(long)]
        app_id: Option<String>,
        /// Fixed secret.
        #[arg(long)]
        app_secret: Option<String>,
    },
    /// An app's event subscription: webhook URL, tokens, event types.
    Events {
        #[command(subcommand)]
        command: crate::events::AppEventsCommand,
    },
    /// Replace an app's scopes.
    SetScopes {
        /// The app id.
        app_id: String,
        /// Comma-separated scopes (empty for none).
        #[arg(value_delimiter = ',')]
        scopes: Vec<String>,
    },
}

/// Runs a `daka apps` subcommand.
pub async fn run(store: &Store, command: AppsCommand) -> Result<()> {
    match command {
        AppsCommand::Tenants => {
            for t in store.tenants().await? {
                println!("{}\t{}\t{}", t.id, t.tenant_key, t.name);
            }
        }
        AppsCommand::CreateTenant { name } => {
            let t = store.create_tenant(&name, now()).await?;
            println!("tenant {} (tenant_key {}) created", t.id, t.tenant_key);
        }
        AppsCommand::List => {
            for a in store.apps().await? {
                println!("{}\ttenant {}\t{}\t{}", a.app_id, a.tenant_id, a.name, a.scopes.join(","));
            }
        }
        AppsCommand::Create { tenant, name, scopes, app_id, app_secret } => {
            let tenant = match tenant {
                Some(t) => store.tenant(&t).await?,
                None => {
                    let first = store.tenants().await?.into_iter().next();
                    ensure(first.is_some(), "no tenant yet: run `daka apps create-tenant NAME` first")?;
                    first.expect("checked above")
                }
            };
            let scopes =
                if scopes.is_empty() { DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect() } else { scopes };
            let created =
                store.create_app(tenant.id, &name, &scopes, app_id.as_deref(), app_secret.as_deref(), now()).await?;
            println!(
                "app_id:     {}\napp_secret: {}\nscopes:     {}",
                created.app.app_id,
                created.secret,
                scopes.join(",")
            );
        }
        AppsCommand::Events { command } => crate::events::run_app_events(store, command).await?,
        AppsCommand::SetScopes { app_id, scopes } => {
            let scopes: Vec<String> = scopes.into_iter().filter(|s| !s.is_empty()).collect();
            store.set_app_scopes(&app_id, &scopes).await?;
            println!("{app_id}: {}", scopes.join(","));
        }
    }
    Ok(())
}
