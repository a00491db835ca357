//! `daka seed`: a demo company with two months of history, and punch files for benchmarks.
//! Everything is deterministic (seeded RNG): the same seed and `--now` give the same data.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Subcommand;
use daka_store::approvals::{ApprovalKind, NewApproval};
use daka_store::people::{IdKind, NewPerson};
use daka_store::punches::{PunchImport, Repeats};
use daka_store::remedies::NewRemedy;
use daka_store::schedules::ScheduleInput;
use daka_store::shifts::{add_days, day_start, day_to_date, today_in, zone};
use daka_store::Store;
use daka_types::attendance::groups::{FreePunchCfg, Group, PunchDay};
use daka_types::attendance::shifts::{PunchTimeRule, Shift};

use crate::import::IMPORT_KIND;
use crate::{now, parse_instant};

/// Time zone of the demo company.
pub const DEMO_TZ: &str = "Asia/Shanghai";
/// Name of the demo's fixed group (its presence marks a seeded tenant).
pub const DEMO_FIXED_GROUP: &str = "Office (demo)";

/// Subcommands of `daka seed`.
#[derive(Subcommand)]
pub enum SeedCommand {
    /// Create a demo company: a fixed group, a scheduling group with a night shift, a free group,
    /// 50 people, two months of punches with anomalies, remedies and leaves.
    Demo {
        /// Tenant id or tenant_key (default: the first tenant, created when there is none).
        #[arg(long)]
        tenant: Option<String>,
        /// RNG seed.
        #[arg(long, default_value_t = 8)]
        seed: u64,
        /// Build history up to the day before this instant (RFC 3339 or Unix seconds; default: now).
        #[arg(long, env = "DAKA_NOW")]
        now: Option<String>,
    },
    /// Write a file of generated punches (2 a day per person, with jitter, lateness and gaps)
    /// and register its people in a fixed 9:00–18:00 group, for `daka import` benchmarks.
    Punches {
        /// Number of people.
        #[arg(long, default_value_t = 1000)]
        people: usize,
        /// Number of days.
        #[arg(long, default_value_t = 30)]
        days: usize,
        /// First day, YYYYMMDD.
        #[arg(long, default_value_t = 20260101)]
        from: i32,
        /// Output file.
        #[arg(long)]
        out: PathBuf,
        /// `csv` (employee_no,check_time,device with local times) or `zkteco`.
        #[arg(long, default_value = "csv")]
        format: String,
        /// Only write the file; do not register people or the group.
        #[arg(long)]
        no_register: bool,
        /// People per attendance group (the people are split into groups of this size).
        #[arg(long, default_value_t = 200)]
        group_size: usize,
        /// Tenant id or tenant_key (default: the first tenant, created when there is none).
        #[arg(long)]
        tenant: Option<String>,
        /// RNG seed.
        #[arg(long, default_value_t = 8)]
        seed: u64,
    },
}

/// Runs a `daka seed` subcommand.
pub async fn run(store: &Store, command: SeedCommand) -> Result<()> {
    match command {
        SeedCommand::Demo { tenant, seed, now: at } => {
            let at = at.as_deref().map_or_else(|| Ok(now()), parse_instant)?;
            let tenant_id = tenant_or_create(store, tenant.as_deref(), at).await?;
            let s = demo(store, tenant_id, seed, at).await?;
            println!("{s}");
            Ok(())
        }
        SeedCommand::Punches { people, days, from, out, format, no_register, group_size, tenant, seed } => {
            let register = (!no_register).then_some(group_size.max(1));
            punches(store, people, days, from, &out, &format, register, tenant.as_deref(), seed).await
        }
    }
}

async fn tenant_or_create(store: &Store, tenant: Option<&str>, at: i64) -> Result<i64> {
    Ok(match tenant {
        Some(t) => store.tenant(t).await?.id,
        None => match store.tenants().await?.into_iter().next() {
            Some(t) => t.id,
            None => store.create_tenant("Demo Co", at).await?.id,
        },
    })
}

fn rule(on: &str, off: &str) -> PunchTimeRule {
    PunchTimeRule {
        on_time: Some(on.into()),
        off_time: Some(off.into()),
        late_minutes_as_late: Some(5),
        late_minutes_as_lack: Some(120),
        late_minutes_as_serious_late: Some(30),
        on_advance_minutes: Some(120),
        early_minutes_as_early: Some(5),
        early_minutes_as_lack: Some(120),
        off_delay_minutes: Some(240),
        ..PunchTimeRule::default()
    }
}

fn shift(name: &str, on: &str, off: &str) -> Shift {
    Shift {
        shift_name: Some(name.into()),
        punch_times: Some(1),
        punch_time_rule: Some(vec![rule(on, off)]),
        ..Shift::default()
    }
}

const FIRST: [&str; 25] = [
    "Wei", "Li", "Fang", "Min", "Jing", "Lei", "Yan", "Tao", "Hui", "Jun", "Ling", "Qiang", "Xiu", "Bo", "Na", "Hao",
    "Mei", "Gang", "Ying", "Peng", "Lan", "Chen", "Rui", "Dan", "Kai",
];
const LAST: [&str; 10] = ["Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou"];

/// A generated punch for the demo.
fn p(no: &str, at: i64, device: &str) -> PunchImport {
    PunchImport {
        user_id: no.into(),
        creator_id: no.into(),
        check_time: at,
        kind: IMPORT_KIND,
        location_name: device.into(),
        device_id: Some(device.into()),
        ..Default::default()
    }
}

/// What a day of punches looked like, for the demo's anomalies.
#[derive(Clone, Copy, PartialEq)]
enum Shape {
    Normal,
    Late,
    Early,
    NoIn,
    NoOut,
    Absent,
}

fn shape(rng: &mut fastrand::Rng) -> Shape {
    match rng.u32(0..100) {
        0..=79 => Shape::Normal,
        80..=87 => Shape::Late,
        88..=92 => Shape::Early,
        93..=95 => Shape::NoIn,
        96..=98 => Shape::NoOut,
        _ => Shape::Absent,
    }
}

/// Punches for a shift `on..off` (minutes from the day's local midnight) of one shape.
fn shift_punches(rng: &mut fastrand::Rng, start: i64, on: i64, off: i64, s: Shape) -> Vec<i64> {
    let in_at = match s {
        Shape::Late => start + on * 60 + rng.i64(6..=45) * 60 + rng.i64(0..60),
        _ => start + on * 60 - rng.i64(1..=25) * 60 + rng.i64(0..60),
    };
    let out_at = match s {
        Shape::Early => start + off * 60 - rng.i64(6..=40) * 60 - rng.i64(0..60),
        _ => start + off * 60 + rng.i64(0..=40) * 60 + rng.i64(0..60),
    };
    match s {
        Shape::NoIn => vec![out_at],
        Shape::NoOut => vec![in_at],
        Shape::Absent => vec![],
        _ => vec![in_at, out_at],
    }
}

/// Creates the demo company in `tenant_id`; returns a summary.
pub async fn demo(store: &Store, tenant_id: i64, seed: u64, at: i64) -> Result<String> {
    if !store.search_groups(tenant_id, DEMO_FIXED_GROUP, true).await?.is_empty() {
        bail!("the demo company is already there (group {DEMO_FIXED_GROUP:?})");
    }
    let tz = zone(DEMO_TZ);
    let mut rng = fastrand::Rng::with_seed(seed);
    let today = today_in(&tz, at);
    let first = add_days(today, -61);
    let last = add_days(today, -1);
    let setup = day_start(&tz, add_days(first, -30));

    // People: 25 office, 15 warehouse (day/night rota), 10 sales (free).
    let mut nos = Vec::new();
    let mut w = store.write().await?;
    for i in 0..50 {
        let no = format!("E{:03}", i + 1);
        let name = format!("{} {}", FIRST[i % FIRST.len()], LAST[(i * 7 + i / 10) % LAST.len()]);
        store
            .create_person_in(
                &mut w.tx,
                tenant_id,
                NewPerson {
                    user_id: Some(format!("demo{:03}", i + 1)),
                    name,
                    employee_no: Some(no.clone()),
                    join_time: Some(setup),
                    attrs: Default::default(),
                },
                at,
            )
            .await
            .with_context(|| format!("registering {no}"))?;
        nos.push(no);
    }
    w.commit().await?;
    let (office, rest) = nos.split_at(25);
    let (warehouse, sales) = rest.split_at(15);

    let day_shift = store.save_shift(tenant_id, shift("Office 9-18 (demo)", "9:00", "18:00"), setup).await?;
    let wh_day = store.save_shift(tenant_id, shift("Warehouse day 8-17 (demo)", "8:00", "17:00"), setup).await?;
    let wh_night = store.save_shift(tenant_id, shift("Warehouse night 22-06 (demo)", "22:00", "30:00"), setup).await?;
    let sid = |s: &Shift| s.shift_id.clone().unwrap_or_default();
    let (day_id, wh_day_id, wh_night_id) = (sid(&day_shift), sid(&wh_day), sid(&wh_night));

    let base = |name: &str, gtype: i32, members: &[String]| Group {
        group_name: Some(name.into()),
        time_zone: Some(DEMO_TZ.into()),
        group_type: Some(gtype),
        calendar_id: Some(0),
        bind_user_ids: Some(members.to_vec()),
        group_leader_ids: Some(vec![members[0].clone()]),
        allow_remedy: Some(true),
        ..Group::default()
    };
    let mut fixed = base(DEMO_FIXED_GROUP, 0, office);
    fixed.punch_day_shift_ids = Some(vec![
        day_id.clone(),
        day_id.clone(),
        day_id.clone(),
        day_id.clone(),
        day_id.clone(),
        "0".into(),
        "0".into(),
    ]);
    let fixed = store.save_group(tenant_id, IdKind::EmployeeNo, fixed, setup).await?;
    let mut sched = base("Warehouse rota (demo)", 2, warehouse);
    sched.punch_day_shift_ids = Some(Vec::new());
    let sched = store.save_group(tenant_id, IdKind::EmployeeNo, sched, setup).await?;
    let mut free = base("Sales, free hours (demo)", 3, sales);
    free.free_punch_cfg = Some(FreePunchCfg {
        free_start_time: Some("7:00".into()),
        free_end_time: Some("22:00".into()),
        punch_day: Some(PunchDay("1111100".into())),
        work_day_no_punch_as_lack: Some(true),
        work_hours_demand: Some(true),
        work_hours: Some(8 * 60),
        ..FreePunchCfg::default()
    });
    free.punch_day_shift_ids = Some(Vec::new());
    store.save_group(tenant_id, IdKind::EmployeeNo, free, setup).await?;
    let sched_id: i64 = sched.wire.group_id.as_deref().unwrap_or("0").parse().context("scheduling group id")?;
    let _ = fixed;

    // Warehouse rota: weeks alternate day and night; two rest days a week, staggered.
    let (wh_day_n, wh_night_n): (i64, i64) = (wh_day_id.parse()?, wh_night_id.parse()?);
    let mut rota = Vec::new();
    let mut d = first;
    let mut idx = 0i64;
    while d <= add_days(today, 7) {
        for (k, no) in warehouse.iter().enumerate() {
            let k = k as i64;
            let shift_id = if (idx + k) % 7 < 2 {
                0
            } else if ((idx + 7 * k) / 7) % 2 == 0 {
                wh_day_n
            } else {
                wh_night_n
            };
            rota.push(ScheduleInput { user_id: no.clone(), group_id: sched_id, day: d, shift_id, clear: false });
        }
        d = add_days(d, 1);
        idx += 1;
    }
    let rota_of =
        |no: &str, day: i32| rota.iter().find(|e| e.user_id == no && e.day == day).map(|e| e.shift_id).unwrap_or(0);
    store.schedule(tenant_id, IdKind::EmployeeNo, &rota, setup).await?;

    // Leaves: a dozen whole days, decided before the punches.
    let mut leaves: Vec<(String, i32)> = Vec::new();
    while leaves.len() < 12 {
        let no = office[rng.usize(0..office.len())].clone();
        let day = add_days(first, rng.i64(0..61));
        let wd = day_to_date(day).map(|d| d.weekday().to_monday_zero_offset()).unwrap_or(0);
        if wd < 5 && !leaves.contains(&(no.clone(), day)) {
            leaves.push((no, day));
        }
    }

    // Punches.
    let mut punches = Vec::new();
    let mut lacks: Vec<(String, i32, i32, i64)> = Vec::new(); // (no, day, work_type, scheduled minute)
    let mut d = first;
    while d <= last {
        let start = day_start(&tz, d);
        let wd = day_to_date(d).map(|x| x.weekday().to_monday_zero_offset()).unwrap_or(0);
        for no in office {
            if wd >= 5 || leaves.contains(&(no.clone(), d)) {
                continue;
            }
            let s = shape(&mut rng);
            match s {
                Shape::NoIn => lacks.push((no.clone(), d, 1, 9 * 60)),
                Shape::NoOut => lacks.push((no.clone(), d, 2, 18 * 60)),
                _ => {}
            }
            for t in shift_punches(&mut rng, start, 9 * 60, 18 * 60, s) {
                punches.push(p(no, t, "front-door"));
            }
        }
        for no in warehouse {
            let (on, off) = match rota_of(no, d) {
                0 => continue,
                x if x == wh_night_n => (22 * 60, 30 * 60),
                _ => (8 * 60, 17 * 60),
            };
            let s = shape(&mut rng);
            for t in shift_punches(&mut rng, start, on, off, s) {
                punches.push(p(no, t, "warehouse-gate"));
            }
        }
        for no in sales {
            if wd >= 5 {
                continue;
            }
            let arrive = start + (8 * 60 + rng.i64(0..150)) * 60 + rng.i64(0..60);
            let hours = match rng.u32(0..100) {
                0..=84 => rng.i64(480..570),
                85..=94 => rng.i64(300..470),
                _ => -1,
            };
            if rng.u32(0..100) < 4 {
                continue;
            }
            punches.push(p(no, arrive, "mobile"));
            if hours > 0 {
                punches.push(p(no, arrive + hours * 60, "mobile"));
            }
        }
        d = add_days(d, 1);
    }
    let n_punches = punches.len();
    for chunk in punches.chunks(5000) {
        store.import_punches(tenant_id, IdKind::EmployeeNo, chunk.to_vec(), Repeats::ByInstant, at).await?;
    }

    for (no, day) in &leaves {
        let date = day_to_date(*day).context("leave day")?;
        let start = format!("{date} 09:00:00");
        let end = format!("{date} 18:00:00");
        let item = NewApproval {
            kind: ApprovalKind::Leave,
            field: "user_approval.leaves[0]".into(),
            start_time: start.clone(),
            end_time: end.clone(),
            idempotent_id: None,
            body: serde_json::json!({"start_time": start, "end_time": end, "unit": 1, "interval": 28800,
                "i18n_names": {"en": "Annual leave"}, "default_locale": "en"}),
        };
        store.create_approvals(tenant_id, IdKind::EmployeeNo, no, *day, vec![item], at).await?;
    }

    // Remedies for some missing punches: most approved, a few still pending.
    let mut remedies = (0usize, 0usize);
    for (i, (no, day, work_type, minute)) in lacks.iter().enumerate().filter(|(i, _)| i % 2 == 0).take(14) {
        let date = day_to_date(*day).context("remedy day")?;
        let new = NewRemedy {
            user_id: no.clone(),
            remedy_date: *day,
            punch_no: 0,
            work_type: *work_type,
            remedy_time: format!("{date} {:02}:{:02}", minute / 60, minute % 60),
            reason: "forgot to punch".into(),
        };
        match store.create_remedy(tenant_id, IdKind::EmployeeNo, new, at).await {
            Ok((r, _)) => {
                if i % 5 != 4 {
                    store.process_approval(tenant_id, r.approval_id, "remedy", 2, at).await?;
                    remedies.0 += 1;
                } else {
                    remedies.1 += 1;
                }
            }
            Err(e) => tracing::debug!("demo remedy for {no} on {day} refused: {e}"),
        }
    }
    Ok(format!(
        "demo company: 50 people (E001–E050) in 3 groups, {n_punches} punches from {first} to {last}, {} leaves, \
         {} approved and {} pending remedies\ntry: daka report --from {first} --to {last} --format xlsx --out demo.xlsx",
        leaves.len(),
        remedies.0,
        remedies.1
    ))
}

/// `daka seed punches`.
#[allow(clippy::too_many_arguments)]
async fn punches(
    store: &Store,
    people: usize,
    days: usize,
    from: i32,
    out: &std::path::Path,
    format: &str,
    register: Option<usize>,
    tenant: Option<&str>,
    seed: u64,
) -> Result<()> {
    if day_to_date(from).is_none() {
        bail!("--from must be a day YYYYMMDD");
    }
    let zk = match format {
        "csv" => false,
        "zkteco" => true,
        other => bail!("--format must be csv or zkteco, got {other:?}"),
    };
    let tz = zone(DEMO_TZ);
    let nos: Vec<String> = (0..people).map(|i| format!("P{:06}", i + 1)).collect();
    if let Some(group_size) = register {
        let at = day_start(&tz, add_days(from, -1));
        let tenant_id = tenant_or_create(store, tenant, at).await?;
        let mut w = store.write().await?;
        for no in &nos {
            store
                .create_person_in(
                    &mut w.tx,
                    tenant_id,
                    NewPerson {
                        user_id: Some(format!("bench-{no}")),
                        name: format!("Bench {no}"),
                        employee_no: Some(no.clone()),
                        join_time: Some(at),
                        attrs: Default::default(),
                    },
                    at,
                )
                .await
                .with_context(|| format!("registering {no}"))?;
        }
        w.commit().await?;
        let s = store.save_shift(tenant_id, shift(&format!("Bench 9-18 {from}"), "9:00", "18:00"), at).await?;
        let id = s.shift_id.unwrap_or_default();
        for (i, members) in nos.chunks(group_size).enumerate() {
            let g = Group {
                group_name: Some(format!("Bench {from} #{}", i + 1)),
                time_zone: Some(DEMO_TZ.into()),
                group_type: Some(0),
                calendar_id: Some(0),
                bind_user_ids: Some(members.to_vec()),
                group_leader_ids: Some(vec![members[0].clone()]),
                punch_day_shift_ids: Some(vec![
                    id.clone(),
                    id.clone(),
                    id.clone(),
                    id.clone(),
                    id.clone(),
                    "0".into(),
                    "0".into(),
                ]),
                ..Group::default()
            };
            store.save_group(tenant_id, IdKind::EmployeeNo, g, at).await?;
        }
        eprintln!(
            "registered {people} people (P000001…) in groups of {group_size} \"Bench {from} #n\" \
             (Mon–Fri 9:00–18:00, {DEMO_TZ})"
        );
    }
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(out)?);
    if !zk {
        writeln!(w, "employee_no,check_time,device")?;
    }
    let mut n = 0u64;
    let mut d = from;
    for _ in 0..days {
        let start = day_start(&tz, d);
        let date = day_to_date(d).context("day")?;
        for no in &nos {
            let s = shape(&mut rng);
            for t in shift_punches(&mut rng, start, 9 * 60, 18 * 60, s) {
                let local = jiff::Timestamp::from_second(t)?.to_zoned(tz.clone());
                let stamp = local.strftime("%Y-%m-%d %H:%M:%S");
                if zk {
                    let punch = if t - start < 13 * 3600 { 0 } else { 1 };
                    writeln!(w, "{no}\t{stamp}\t1\t{punch}\t0\t0")?;
                } else {
                    writeln!(w, "{no},{stamp},gate-1")?;
                }
                n += 1;
            }
        }
        let _ = date;
        d = add_days(d, 1);
    }
    w.flush()?;
    eprintln!("{n} punches for {people} people over {days} days from {from}: {}", out.display());
    Ok(())
}

/// `daka serve --demo`: seeds the first tenant when it has no people yet.
pub async fn demo_if_empty(store: &Store, at: i64) -> Result<()> {
    let Some(tenant) = store.tenants().await?.into_iter().next() else { return Ok(()) };
    let people: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM people WHERE tenant_id = $1")
        .bind(tenant.id)
        .fetch_one(store.pool())
        .await?;
    if people > 0 {
        tracing::info!("--demo: the database already has people; not seeding");
        return Ok(());
    }
    let summary = demo(store, tenant.id, 8, at).await?;
    println!("{summary}");
    Ok(())
}
