//! `daka report`: one row per person, one column per day, a summary per person — as CSV, JSON or
//! XLSX (with a second sheet of every punch). Results come from [`Store::results_for_many`], the
//! function behind `user_tasks/query`, so the numbers are the API's.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use daka_engine::{CheckResult, SideOutcome, Supplement};
use daka_store::people::Person;
use daka_store::punches::Punch;
use daka_store::results::{day_date, DayResult};
use daka_store::shifts::{add_days, day_start, zone};
use daka_store::Store;
use serde::Serialize;
use sqlx::Row;

use crate::{now, parse_instant};

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// CSV (default output: stdout).
    Csv,
    /// Excel workbook: statuses sheet (colored, frozen header) and punches sheet.
    Xlsx,
    /// JSON (default output: stdout).
    Json,
}

/// Arguments of `daka report`.
#[derive(Args)]
pub struct ReportArgs {
    /// First day, YYYYMMDD.
    #[arg(long)]
    pub from: i32,
    /// Last day, YYYYMMDD.
    #[arg(long)]
    pub to: i32,
    /// Only members of this attendance group (on any day of the range): its id, or its name.
    #[arg(long, value_name = "ID|NAME")]
    pub group: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "csv")]
    pub format: ReportFormat,
    /// Output file (default: stdout for csv/json, report-FROM-TO.xlsx for xlsx).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Tenant id or tenant_key (default: the first tenant).
    #[arg(long)]
    pub tenant: Option<String>,
    /// Evaluate as of this instant (RFC 3339 or Unix seconds; default: now).
    #[arg(long, env = "DAKA_NOW")]
    pub now: Option<String>,
}

/// A person's totals over the range.
#[derive(Debug, Default, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Days with at least one side decided by a punch (or an approved remedy).
    pub days_worked: u32,
    /// Late check-ins.
    pub late_count: u32,
    /// Their minutes.
    pub late_minutes: i64,
    /// Early check-outs.
    pub early_count: u32,
    /// Their minutes.
    pub early_minutes: i64,
    /// Missing punches (sides with result Lack).
    pub lack_count: u32,
    /// Days with a side covered by an approved leave.
    pub leave_days: u32,
    /// Sides decided by an approved remedy (CardReplacement).
    pub remedies: u32,
}

/// One person's row.
#[derive(Debug, Clone, Serialize)]
pub struct PersonRow {
    /// Attendance employee_id.
    pub employee_id: String,
    /// Staff number.
    pub employee_no: String,
    /// Name.
    pub name: String,
    /// Day (`yyyyMMdd`) → status in words ("" when not employed that day).
    pub days: Vec<(i32, String)>,
    /// Totals.
    pub summary: Summary,
}

fn side_word(s: &SideOutcome, on: bool) -> Option<String> {
    match s.supplement {
        Supplement::Leave => return Some("Leave".into()),
        Supplement::Travel => return Some("Trip".into()),
        Supplement::GoOut => return Some("Out".into()),
        _ => {}
    }
    let remedy = if s.supplement == Supplement::CardReplacement { " (remedy)" } else { "" };
    match s.result {
        CheckResult::Late => {
            Some(format!("{} {} min{remedy}", if s.serious_late { "Seriously late" } else { "Late" }, s.minutes_off))
        }
        CheckResult::Early => Some(format!("Early {} min{remedy}", s.minutes_off)),
        CheckResult::Lack => Some(if on { "Lack in".into() } else { "Lack out".into() }),
        CheckResult::Todo => Some("Todo".into()),
        CheckResult::Normal if !remedy.is_empty() => Some("Remedy".into()),
        _ => None,
    }
}

/// The day's status in words: "Normal", "Late 12 min", "Early 5 min, Lack out", "Leave", "Rest", …
pub fn day_status(r: &DayResult) -> String {
    let sides: Vec<(&SideOutcome, bool)> =
        r.records.iter().flat_map(|p| [(&p.check_in, true), (&p.check_out, false)]).collect();
    if r.shift_id == "0" || sides.is_empty() || sides.iter().all(|(s, _)| s.result == CheckResult::NoNeedCheck) {
        let punched = sides.iter().any(|(s, _)| s.record_id.is_some());
        return if punched { "Rest (punched)".into() } else { "Rest".into() };
    }
    let mut words: Vec<String> = Vec::new();
    for (s, on) in sides {
        if let Some(w) = side_word(s, on) {
            if !words.contains(&w) {
                words.push(w);
            }
        }
    }
    if words.is_empty() {
        "Normal".into()
    } else {
        words.join(", ")
    }
}

/// Adds a day's result to a summary.
pub fn add_day(sum: &mut Summary, r: &DayResult) {
    let mut worked = false;
    let mut leave = false;
    for (s, _) in r.records.iter().flat_map(|p| [(&p.check_in, true), (&p.check_out, false)]) {
        if matches!(s.result, CheckResult::Normal | CheckResult::Late | CheckResult::Early)
            && (s.record_id.is_some() || s.supplement == Supplement::CardReplacement)
        {
            worked = true;
        }
        match s.result {
            CheckResult::Late => {
                sum.late_count += 1;
                sum.late_minutes += i64::from(s.minutes_off);
            }
            CheckResult::Early => {
                sum.early_count += 1;
                sum.early_minutes += i64::from(s.minutes_off);
            }
            CheckResult::Lack => sum.lack_count += 1,
            _ => {}
        }
        if s.supplement == Supplement::Leave {
            leave = true;
        }
        if s.supplement == Supplement::CardReplacement {
            sum.remedies += 1;
        }
    }
    sum.days_worked += u32::from(worked);
    sum.leave_days += u32::from(leave);
}

/// The days `from..=to`.
fn days(from: i32, to: i32) -> Vec<i32> {
    let mut out = Vec::new();
    let mut d = from;
    while d <= to {
        out.push(d);
        d = add_days(d, 1);
    }
    out
}

/// The group `--group` names: the live group with that name, else the group (live or deleted:
/// its past members are reported) with that id.
async fn group_named(store: &Store, tenant_id: i64, given: &str) -> Result<i64> {
    let named = store.search_groups(tenant_id, given, true).await?;
    match named.as_slice() {
        [one] => return Ok(one.group_id.parse()?),
        [] => {}
        several => bail!(
            "{} attendance groups are named {given:?} (ids {}): give the id",
            several.len(),
            several.iter().map(|g| g.group_id.as_str()).collect::<Vec<_>>().join(", ")
        ),
    }
    given.parse::<i64>().map_err(|_| anyhow::anyhow!("no attendance group is named {given:?}"))
}

/// The people of the report: a group's members over the range, or everybody in the tenant.
async fn people(store: &Store, tenant_id: i64, group: Option<i64>, from: i32, to: i32) -> Result<Vec<Person>> {
    let ids: Vec<i64> = match group {
        Some(g) => Store::group_members_between(store.pool(), g, from, to).await?,
        None => sqlx::query("SELECT id FROM people WHERE tenant_id = $1 ORDER BY id")
            .bind(tenant_id)
            .fetch_all(store.pool())
            .await?
            .iter()
            .map(|r| r.try_get::<i64, _>(0))
            .collect::<Result<_, _>>()?,
    };
    let mut people = Vec::new();
    for chunk in ids.chunks(500) {
        people.extend(store.people_with_ids(chunk).await?);
    }
    people.retain(|p| p.tenant_id == tenant_id);
    people.sort_by(|a, b| {
        (a.employee_no.as_deref().unwrap_or(""), &a.user_id, a.id).cmp(&(
            b.employee_no.as_deref().unwrap_or(""),
            &b.user_id,
            b.id,
        ))
    });
    Ok(people)
}

/// Computes the rows of a report (and each person's time zone, for the punches sheet).
pub async fn rows(
    store: &Store,
    people: &[Person],
    from: i32,
    to: i32,
    now: i64,
) -> Result<(Vec<PersonRow>, HashMap<i64, String>)> {
    let all_days = days(from, to);
    let mut out = Vec::new();
    let mut zones = HashMap::new();
    for chunk in people.chunks(200) {
        let mut results = store.results_for_many(chunk, from, to, now).await?;
        for p in chunk {
            let mine = results.remove(&p.id).unwrap_or_default();
            let by_day: HashMap<i32, &DayResult> = mine.iter().map(|r| (r.day, r)).collect();
            let mut summary = Summary::default();
            let mut cells = Vec::new();
            for d in &all_days {
                match by_day.get(d) {
                    Some(r) => {
                        add_day(&mut summary, r);
                        cells.push((*d, day_status(r)));
                    }
                    None => cells.push((*d, String::new())),
                }
            }
            if let Some(r) = mine.first() {
                zones.insert(p.id, r.time_zone.clone());
            }
            out.push(PersonRow {
                employee_id: p.user_id.clone(),
                employee_no: p.employee_no.clone().unwrap_or_default(),
                name: p.name.clone(),
                days: cells,
                summary,
            });
        }
    }
    Ok((out, zones))
}

const SUMMARY_HEADERS: [&str; 8] = [
    "days_worked",
    "late_count",
    "late_minutes",
    "early_count",
    "early_minutes",
    "lack_count",
    "leave_days",
    "remedies",
];

fn summary_values(s: &Summary) -> [i64; 8] {
    [
        i64::from(s.days_worked),
        i64::from(s.late_count),
        s.late_minutes,
        i64::from(s.early_count),
        s.early_minutes,
        i64::from(s.lack_count),
        i64::from(s.leave_days),
        i64::from(s.remedies),
    ]
}

fn header(from: i32, to: i32) -> Vec<String> {
    let mut h: Vec<String> = ["employee_no", "employee_id", "name"].iter().map(|s| s.to_string()).collect();
    h.extend(days(from, to).iter().map(i32::to_string));
    h.extend(SUMMARY_HEADERS.iter().map(|s| s.to_string()));
    h
}

fn write_csv(w: impl Write, rows: &[PersonRow], from: i32, to: i32) -> Result<()> {
    let mut w = csv::Writer::from_writer(w);
    w.write_record(header(from, to))?;
    for r in rows {
        let mut rec = vec![r.employee_no.clone(), r.employee_id.clone(), r.name.clone()];
        rec.extend(r.days.iter().map(|(_, s)| s.clone()));
        rec.extend(summary_values(&r.summary).iter().map(i64::to_string));
        w.write_record(rec)?;
    }
    w.flush()?;
    Ok(())
}

fn write_json(mut w: impl Write, rows: &[PersonRow], from: i32, to: i32) -> Result<()> {
    let people: Vec<serde_json::Value> = rows
        .iter()
        .map(|r| {
            let days: serde_json::Map<String, serde_json::Value> =
                r.days.iter().map(|(d, s)| (d.to_string(), serde_json::Value::from(s.clone()))).collect();
            serde_json::json!({
                "employee_id": r.employee_id,
                "employee_no": r.employee_no,
                "name": r.name,
                "days": days,
                "summary": r.summary,
            })
        })
        .collect();
    serde_json::to_writer_pretty(&mut w, &serde_json::json!({"from": from, "to": to, "people": people}))?;
    writeln!(w)?;
    Ok(())
}

fn status_color(s: &str) -> Option<u32> {
    if s.is_empty() {
        None
    } else if s.starts_with("Rest") {
        Some(0xE7E6E6)
    } else if s == "Normal" {
        Some(0xC6EFCE)
    } else if s.contains("Lack") {
        Some(0xFFC7CE)
    } else if s.contains("Late") || s.contains("late") || s.contains("Early") {
        Some(0xFFEB9C)
    } else if s.contains("Leave") || s.contains("Trip") || s.contains("Out") {
        Some(0xBDD7EE)
    } else {
        Some(0xFFFFFF)
    }
}

fn write_xlsx(
    path: &std::path::Path,
    rows: &[PersonRow],
    people: &[Person],
    punches: &[Punch],
    zones: &HashMap<i64, String>,
    from: i32,
    to: i32,
) -> Result<()> {
    use rust_xlsxwriter::{Color, Format, FormatBorder, Workbook};
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold().set_background_color(Color::RGB(0xD9D9D9)).set_border(FormatBorder::Thin);
    let sheet = wb.add_worksheet();
    sheet.set_name("Attendance")?;
    for (c, h) in header(from, to).iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, h, &bold)?;
    }
    let mut formats: HashMap<u32, Format> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_string(row, 0, &r.employee_no)?;
        sheet.write_string(row, 1, &r.employee_id)?;
        sheet.write_string(row, 2, &r.name)?;
        for (j, (_, s)) in r.days.iter().enumerate() {
            let col = 3 + j as u16;
            match status_color(s) {
                Some(c) => {
                    let f = formats.entry(c).or_insert_with(|| {
                        Format::new().set_background_color(Color::RGB(c)).set_border(FormatBorder::Thin)
                    });
                    sheet.write_string_with_format(row, col, s, f)?;
                }
                None => {
                    sheet.write_string(row, col, s)?;
                }
            }
        }
        let base = 3 + r.days.len() as u16;
        for (k, v) in summary_values(&r.summary).iter().enumerate() {
            sheet.write_number(row, base + k as u16, *v as f64)?;
        }
    }
    sheet.set_freeze_panes(1, 3)?;
    sheet.set_column_width(2, 16)?;
    let ndays = days(from, to).len() as u16;
    sheet.set_column_range_width(3, 2 + ndays, 14)?;

    let by_id: HashMap<i64, &Person> = people.iter().map(|p| (p.id, p)).collect();
    let ps = wb.add_worksheet();
    ps.set_name("Punches")?;
    for (c, h) in ["employee_no", "employee_id", "name", "time", "time_zone", "device", "location", "type", "record_id"]
        .iter()
        .enumerate()
    {
        ps.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (i, p) in punches.iter().enumerate() {
        let row = i as u32 + 1;
        let Some(person) = by_id.get(&p.person_id) else { continue };
        let tz_name = zones.get(&p.person_id).cloned().unwrap_or_else(|| "UTC".into());
        let local = jiff::Timestamp::from_second(p.check_time)
            .map(|t| t.to_zoned(zone(&tz_name)).strftime("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_default();
        ps.write_string(row, 0, person.employee_no.as_deref().unwrap_or(""))?;
        ps.write_string(row, 1, &person.user_id)?;
        ps.write_string(row, 2, &person.name)?;
        ps.write_string(row, 3, &local)?;
        ps.write_string(row, 4, &tz_name)?;
        ps.write_string(row, 5, p.device_id.as_deref().unwrap_or(""))?;
        ps.write_string(row, 6, &p.location_name)?;
        ps.write_number(row, 7, f64::from(p.kind))?;
        ps.write_string(row, 8, p.record_id.to_string())?;
    }
    ps.set_freeze_panes(1, 3)?;
    ps.set_column_width(3, 20)?;
    ps.set_column_width(8, 22)?;
    wb.save(path).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Punches of the people whose local date (in their result time zone) is in the range.
async fn punches(
    store: &Store,
    people: &[Person],
    zones: &HashMap<i64, String>,
    from: i32,
    to: i32,
) -> Result<Vec<Punch>> {
    let utc = jiff::tz::TimeZone::UTC;
    let lo = day_start(&utc, add_days(from, -1));
    let hi = day_start(&utc, add_days(to, 2));
    let mut out = Vec::new();
    for chunk in people.chunks(500) {
        let ids: Vec<i64> = chunk.iter().map(|p| p.id).collect();
        for p in store.punches_of(&ids, lo, hi).await? {
            let tz = zone(zones.get(&p.person_id).map_or("UTC", String::as_str));
            let start = day_start(&tz, from);
            let end = day_start(&tz, add_days(to, 1));
            if p.check_time >= start && p.check_time < end {
                out.push(p);
            }
        }
    }
    let order: HashMap<i64, usize> = people.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
    out.sort_by_key(|p| (order.get(&p.person_id).copied().unwrap_or(usize::MAX), p.check_time, p.record_id));
    Ok(out)
}

/// Runs `daka report`.
pub async fn run(store: &Store, args: ReportArgs) -> Result<()> {
    if day_date(i64::from(args.from)).is_none() || day_date(i64::from(args.to)).is_none() || args.from > args.to {
        bail!("--from and --to must be days as YYYYMMDD with --from <= --to");
    }
    let now_at = args.now.as_deref().map_or_else(|| Ok(now()), parse_instant)?;
    let tenant = match &args.tenant {
        Some(t) => store.tenant(t).await?,
        None => store.tenants().await?.into_iter().next().context("no tenant yet")?,
    };
    let group = match &args.group {
        Some(g) => Some(group_named(store, tenant.id, g).await?),
        None => None,
    };
    let people = people(store, tenant.id, group, args.from, args.to).await?;
    let (rows, zones) = rows(store, &people, args.from, args.to, now_at).await?;
    match args.format {
        ReportFormat::Xlsx => {
            let path =
                args.out.clone().unwrap_or_else(|| PathBuf::from(format!("report-{}-{}.xlsx", args.from, args.to)));
            let punches = punches(store, &people, &zones, args.from, args.to).await?;
            write_xlsx(&path, &rows, &people, &punches, &zones, args.from, args.to)?;
            eprintln!("{} people, {} punches: {}", rows.len(), punches.len(), path.display());
        }
        fmt => {
            let out: Box<dyn Write> = match &args.out {
                Some(p) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(p).with_context(|| format!("creating {}", p.display()))?,
                )),
                None => Box::new(std::io::stdout().lock()),
            };
            if fmt == ReportFormat::Csv {
                write_csv(out, &rows, args.from, args.to)?;
            } else {
                write_json(out, &rows, args.from, args.to)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use daka_engine::PairOutcome;

    fn day(shift: &str, on: SideOutcome, off: SideOutcome) -> DayResult {
        DayResult {
            person_id: 1,
            day: 20260302,
            result_id: None,
            group_id: "1".into(),
            shift_id: shift.into(),
            time_zone: "Asia/Shanghai".into(),
            records: vec![PairOutcome { shift_on: 0, shift_off: 0, task_shift_type: 0, check_in: on, check_out: off }],
            changes_at: None,
        }
    }

    fn side(result: CheckResult, minutes: i32, supplement: Supplement, punch: bool) -> SideOutcome {
        SideOutcome { result, supplement, record_id: punch.then_some(1), serious_late: false, minutes_off: minutes }
    }

    #[test]
    fn day_words_and_summary() {
        let none = Supplement::None;
        let rest =
            day("0", side(CheckResult::NoNeedCheck, 0, none, false), side(CheckResult::NoNeedCheck, 0, none, false));
        let late_lack = day("7", side(CheckResult::Late, 12, none, true), side(CheckResult::Lack, 0, none, false));
        let early = day("7", side(CheckResult::Normal, 0, none, true), side(CheckResult::Early, 5, none, true));
        let leave = day(
            "7",
            side(CheckResult::Normal, 0, Supplement::Leave, false),
            side(CheckResult::Normal, 0, Supplement::Leave, false),
        );
        let remedy = day(
            "7",
            side(CheckResult::Normal, 0, Supplement::CardReplacement, true),
            side(CheckResult::Normal, 0, none, true),
        );
        assert_eq!(day_status(&rest), "Rest");
        assert_eq!(day_status(&late_lack), "Late 12 min, Lack out");
        assert_eq!(day_status(&early), "Early 5 min");
        assert_eq!(day_status(&leave), "Leave");
        assert_eq!(day_status(&remedy), "Remedy");
        let mut sum = Summary::default();
        for d in [&rest, &late_lack, &early, &leave, &remedy] {
            add_day(&mut sum, d);
        }
        let want = Summary {
            days_worked: 3,
            late_count: 1,
            late_minutes: 12,
            early_count: 1,
            early_minutes: 5,
            lack_count: 1,
            leave_days: 1,
            remedies: 1,
        };
        assert_eq!(sum, want);
    }
}
