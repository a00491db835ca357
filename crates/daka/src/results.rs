//! `daka recompute` and `daka explain`.

use anyhow::{bail, Context, Result};
use clap::Args;
use daka_store::people::IdKind;
use daka_store::results::day_date;
use daka_store::Store;

use crate::{now, parse_instant};

/// Arguments of `daka recompute`.
#[derive(Args)]
pub struct RecomputeArgs {
    /// First day, YYYYMMDD.
    #[arg(long)]
    from: i32,
    /// Last day, YYYYMMDD.
    #[arg(long)]
    to: i32,
    /// Evaluate as of this instant (RFC 3339 or Unix seconds; default: now).
    #[arg(long, env = "DAKA_NOW")]
    now: Option<String>,
}

/// Arguments of `daka explain`.
#[derive(Args)]
pub struct ExplainArgs {
    /// The person's id (employee_id unless --employee-no).
    #[arg(long)]
    user: String,
    /// The id is a staff number.
    #[arg(long)]
    employee_no: bool,
    /// The attendance day, YYYYMMDD.
    #[arg(long)]
    day: i32,
    /// Tenant id or tenant_key (default: the first tenant).
    #[arg(long)]
    tenant: Option<String>,
    /// Evaluate as of this instant (RFC 3339 or Unix seconds; default: now).
    #[arg(long, env = "DAKA_NOW")]
    now: Option<String>,
}

fn instant(now_arg: &Option<String>) -> Result<i64> {
    now_arg.as_deref().map_or_else(|| Ok(now()), parse_instant)
}

/// Runs `daka recompute`.
pub async fn recompute(store: &Store, args: RecomputeArgs) -> Result<()> {
    if day_date(i64::from(args.from)).is_none() || day_date(i64::from(args.to)).is_none() || args.from > args.to {
        bail!("--from and --to must be days as YYYYMMDD with --from <= --to");
    }
    let people = store.recompute_range(args.from, args.to, instant(&args.now)?).await?;
    println!("recomputed {}..{} for {people} people", args.from, args.to);
    Ok(())
}

/// Runs `daka explain`.
pub async fn explain(store: &Store, args: ExplainArgs) -> Result<()> {
    let tenant = match &args.tenant {
        Some(t) => store.tenant(t).await?,
        None => store.tenants().await?.into_iter().next().context("no tenant yet")?,
    };
    let kind = if args.employee_no { IdKind::EmployeeNo } else { IdKind::UserId };
    let person =
        store.person_current(tenant.id, kind, &args.user).await?.with_context(|| format!("no person {}", args.user))?;
    let (resolved, outcome) = store.explain_day(&person, args.day, instant(&args.now)?).await?;
    println!(
        "{} ({}), day {}: group {}, shift {}",
        person.name, person.user_id, args.day, resolved.group_id, resolved.shift_id
    );
    println!("{}", outcome.explanation);
    for (i, r) in outcome.records.iter().enumerate() {
        println!(
            "record {}: check-in {} ({}), check-out {} ({})",
            i + 1,
            r.check_in.result.as_str(),
            r.check_in.supplement.as_str(),
            r.check_out.result.as_str(),
            r.check_out.supplement.as_str()
        );
    }
    print_remedies_and_approvals(store, &person, args.day).await
}

/// The day's remedies (by remedy date) and approvals (overlapping the day), every status.
async fn print_remedies_and_approvals(store: &Store, person: &daka_store::people::Person, day: i32) -> Result<()> {
    use daka_store::approvals::status_name;
    let remedies = store.remedies_on_day(person.id, day).await?;
    let approvals = store.approvals_on_day(person.id, day).await?;
    println!("remedies:{}", if remedies.is_empty() { " none" } else { "" });
    for r in &remedies {
        let side = if r.work_type == 2 { "off" } else { "on" };
        let punch = r.punch_record_id.map(|id| format!(", punch #{id}")).unwrap_or_default();
        println!(
            "  {} pair {} {side} at {} ({}): {} {}{punch}; reason {:?}",
            r.approval_id,
            r.punch_no + 1,
            r.remedy_time(),
            r.time_zone,
            r.status,
            status_name(i64::from(r.status)),
            r.reason
        );
    }
    println!("approvals:{}", if approvals.is_empty() { " none" } else { "" });
    for a in &approvals {
        let tz = daka_store::shifts::zone(&a.time_zone);
        let fmt = |t: i64| {
            jiff::Timestamp::from_second(t)
                .map(|t| t.to_zoned(tz.clone()).strftime("%Y-%m-%d %H:%M:%S").to_string())
                .unwrap_or_default()
        };
        println!(
            "  {} {} {} – {} ({}): {} {}",
            a.approval_id,
            a.kind.as_str(),
            fmt(a.start_at),
            fmt(a.end_at),
            a.time_zone,
            a.status,
            status_name(i64::from(a.status))
        );
    }
    Ok(())
}
