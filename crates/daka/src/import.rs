//! `daka import`: punches from time clocks (CSV exports and ZKTeco attendance logs).
//!
//! A punch the tenant already holds — the same person at the same instant from the same device
//! (or, without a device column, from no device) — is a repeat and is skipped, so importing the
//! same file twice, or re-running an interrupted import, adds nothing twice: each batch is one
//! transaction, and the punches of batches already committed are recognised as they are.
//! Punches that name nobody, or somebody not employed at the punch's instant, are written to a
//! reject file with the reason.
//!
//! Time clocks export in time order: every day names everybody. The importer reads a window of
//! the file (`--window` punches), orders it by person and time, and stores it in batches of whole
//! people, so each batch writes its people's punches and results once, next to each other,
//! instead of every batch rewriting every person's pages, and every person-day is evaluated once.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use daka_store::bulk_load::{BulkLoader, Loaded};
use daka_store::people::{IdKind, Person};
use daka_store::punches::{PunchImport, Repeats};
use daka_store::Store;

use crate::{now, parse_instant};

/// Feishu flow `type` given to imported punches (7: imported through the open platform).
pub const IMPORT_KIND: i32 = 7;

/// Punches per transaction on the embedded database's bulk path: larger batches evaluate each
/// person-day fewer times (a day touched by two batches is evaluated, stored and announced twice)
/// and rewrite each person's index pages fewer times (a chronological file touches every person
/// in every batch). A 2M-punch import peaks at about 1.6 GB of memory at this size.
const BULK_BATCH: usize = 200_000;
/// Punches per transaction through the generic store path (PostgreSQL).
const GENERIC_BATCH: usize = 5_000;
/// Punches read and ordered by person before they are stored (≈ 56 bytes each).
const WINDOW: usize = 4_000_000;
/// The largest `--window` (its strings are numbered in 32 bits, at most seven a punch).
const MAX_WINDOW: usize = 100_000_000;

/// Input formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// CSV with a header row; columns chosen with the `--*-column` flags.
    Csv,
    /// ZKTeco attendance log (`attlog.dat` / iclock ATTLOG): `user_id  YYYY-MM-DD HH:MM:SS  verify  punch …`,
    /// tab or space separated, naive device-local time (needs `--time-zone`).
    Zkteco,
}

/// Which id names the person.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PersonId {
    /// Staff number.
    EmployeeNo,
    /// Attendance `employee_id` (contact user_id).
    EmployeeId,
}

impl PersonId {
    fn kind(self) -> IdKind {
        match self {
            PersonId::EmployeeNo => IdKind::EmployeeNo,
            PersonId::EmployeeId => IdKind::UserId,
        }
    }
    fn name(self) -> &'static str {
        match self {
            PersonId::EmployeeNo => "employee_no",
            PersonId::EmployeeId => "employee_id",
        }
    }
}

/// Arguments of `daka import`.
#[derive(Args, Clone)]
pub struct ImportArgs {
    /// The file to import.
    pub file: PathBuf,
    /// Input format.
    #[arg(long, value_enum, default_value = "csv")]
    pub format: Format,
    /// What the person column (or the device map) holds.
    #[arg(long, value_enum, default_value = "employee-no")]
    pub id: PersonId,
    /// CSV: column naming the person (default: `employee_no` or `employee_id`, as `--id` says).
    #[arg(long)]
    pub person_column: Option<String>,
    /// CSV: column with the punch time: RFC 3339 with offset, Unix seconds, or local
    /// `YYYY-MM-DD HH:MM[:SS]` with `--time-zone`.
    #[arg(long, default_value = "check_time")]
    pub time_column: String,
    /// Time zone of local (naive) times; required for ZKTeco logs, which carry no offset.
    #[arg(long)]
    pub time_zone: Option<String>,
    /// CSV: column with the device name.
    #[arg(long)]
    pub device_column: Option<String>,
    /// CSV: column with the location name.
    #[arg(long)]
    pub location_column: Option<String>,
    /// CSV: column with the Wi-Fi SSID.
    #[arg(long)]
    pub ssid_column: Option<String>,
    /// CSV: column with the Wi-Fi BSSID (MAC).
    #[arg(long)]
    pub bssid_column: Option<String>,
    /// Device name of every punch in the file (ZKTeco: the device the log came from).
    #[arg(long)]
    pub device: Option<String>,
    /// CSV `device,device_user_id,person` (`device` optional): maps device user ids to people
    /// (ids as `--id` says). With a map, unmapped device user ids are rejected.
    #[arg(long)]
    pub device_map: Option<PathBuf>,
    /// Where rejected punches go (default: FILE.rejects.csv).
    #[arg(long)]
    pub rejects: Option<PathBuf>,
    /// Punches per transaction (default: 200,000 into the embedded database, whose bulk path
    /// holds the write lock for a few seconds per batch; 5,000 on PostgreSQL).
    #[arg(long)]
    pub batch: Option<usize>,
    /// Punches read, then ordered by person and time, before any is stored (default:
    /// 4,000,000, about 220 MB): a file up to this size is stored person after person.
    #[arg(long)]
    pub window: Option<usize>,
    /// Tenant id or tenant_key (default: the first tenant).
    #[arg(long)]
    pub tenant: Option<String>,
    /// Evaluate results as of this instant (RFC 3339 or Unix seconds; default: now).
    #[arg(long, env = "DAKA_NOW")]
    pub now: Option<String>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// One punch read from the file, not yet resolved.
#[derive(Debug, Clone)]
struct Row {
    line: u64,
    /// Id as in the file (device user id for mapped logs).
    raw_id: String,
    device: Option<String>,
    check_time: i64,
    location: String,
    ssid: Option<String>,
    bssid: Option<String>,
    comment: String,
}

/// A punch accepted for import, waiting in the window, its strings in the window's [`Strings`].
#[derive(Debug, Clone, Copy)]
struct Held {
    /// The person employed at `check_time` under `person`.
    person_id: i64,
    check_time: i64,
    line: u64,
    /// Person id (after the device map), as `--id` says.
    person: u32,
    /// Id as in the file.
    raw_id: u32,
    device: u32,
    location: u32,
    ssid: u32,
    bssid: u32,
    comment: u32,
}

/// The window's strings, each stored once (a file names few people, devices, places and
/// remarks, many times); 0 stands for none.
struct Strings {
    index: HashMap<Box<str>, u32>,
    list: Vec<Box<str>>,
}

impl Strings {
    fn new() -> Strings {
        Strings { index: HashMap::new(), list: vec!["".into()] }
    }

    /// The number of `s` (0 for none).
    fn put(&mut self, s: Option<&str>) -> u32 {
        let Some(s) = s else { return 0 };
        if let Some(&n) = self.index.get(s) {
            return n;
        }
        let n = u32::try_from(self.list.len()).unwrap_or(u32::MAX);
        self.list.push(s.into());
        self.index.insert(s.into(), n);
        n
    }

    /// The string numbered `n` (none for 0).
    fn get(&self, n: u32) -> Option<&str> {
        (n != 0).then(|| self.list.get(n as usize).map_or("", |s| s))
    }

    fn text(&self, n: u32) -> String {
        self.get(n).unwrap_or_default().to_owned()
    }
}

/// A line that could not become a punch.
struct Reject {
    line: u64,
    person: String,
    time: String,
    device: String,
    reason: String,
}

/// Totals of an import.
#[derive(Debug, Default, Clone, Copy)]
pub struct Totals {
    /// Punches read.
    pub read: u64,
    /// New punches stored.
    pub added: u64,
    /// Punches already present (same person, device and instant).
    pub repeated: u64,
    /// Punches written to the reject file.
    pub rejected: u64,
}

/// Parses a punch time: offset timestamps and Unix seconds stand alone; local times need `tz`.
pub fn parse_time(s: &str, tz: Option<&jiff::tz::TimeZone>) -> Result<i64, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("empty time".into());
    }
    if let Ok(n) = s.parse::<i64>() {
        return Ok(n);
    }
    if let Ok(ts) = s.parse::<jiff::Timestamp>() {
        return Ok(ts.as_second());
    }
    let normalized = s.replace('/', "-");
    let dt = normalized
        .parse::<jiff::civil::DateTime>()
        .map_err(|_| format!("time {s:?} is neither RFC 3339, Unix seconds nor YYYY-MM-DD HH:MM:SS"))?;
    let Some(tz) = tz else { return Err(format!("local time {s:?} needs --time-zone")) };
    dt.to_zoned(tz.clone()).map(|z| z.timestamp().as_second()).map_err(|e| format!("time {s:?}: {e}"))
}

/// Device map: (device or "", device user id) → person id.
struct DeviceMap(HashMap<(String, String), String>);

impl DeviceMap {
    fn load(path: &Path) -> Result<DeviceMap> {
        let mut r = csv::ReaderBuilder::new()
            .flexible(true)
            .trim(csv::Trim::All)
            .from_path(path)
            .with_context(|| format!("reading device map {}", path.display()))?;
        let headers = r.headers()?.clone();
        let col = |names: &[&str]| headers.iter().position(|h| names.contains(&h));
        let device = col(&["device", "device_name", "sn"]);
        let user = col(&["device_user_id", "user_id", "pin"])
            .with_context(|| format!("{}: needs a device_user_id column", path.display()))?;
        let person = col(&["person", "employee_no", "employee_id"])
            .with_context(|| format!("{}: needs a person (or employee_no/employee_id) column", path.display()))?;
        let mut map = HashMap::new();
        for (i, rec) in r.records().enumerate() {
            let rec = rec.with_context(|| format!("{}:{}", path.display(), i + 2))?;
            let d = device.and_then(|c| rec.get(c)).unwrap_or("").to_owned();
            let (Some(u), Some(p)) = (rec.get(user), rec.get(person)) else {
                bail!("{}:{}: missing fields", path.display(), i + 2)
            };
            map.insert((d, u.to_owned()), p.to_owned());
        }
        Ok(DeviceMap(map))
    }

    fn get(&self, device: Option<&str>, user: &str) -> Option<&String> {
        if let Some(d) = device {
            if let Some(p) = self.0.get(&(d.to_owned(), user.to_owned())) {
                return Some(p);
            }
        }
        self.0.get(&(String::new(), user.to_owned()))
    }
}

/// Reads the file into rows and rejects (parse errors), streaming to `sink` in order.
fn read_rows(
    args: &ImportArgs,
    tz: Option<&jiff::tz::TimeZone>,
    mut sink: impl FnMut(Result<Row, Reject>) -> Result<()>,
) -> Result<()> {
    let file = std::fs::File::open(&args.file).with_context(|| format!("opening {}", args.file.display()))?;
    match args.format {
        Format::Zkteco => {
            let reader = BufReader::with_capacity(1 << 20, file);
            for (i, line) in reader.lines().enumerate() {
                let line_no = i as u64 + 1;
                let line = line.with_context(|| format!("{}:{line_no}", args.file.display()))?;
                let text = line.trim();
                if text.is_empty() || text.starts_with('#') {
                    continue;
                }
                let f: Vec<&str> = text.split_whitespace().collect();
                let device = args.device.clone();
                if f.len() < 3 {
                    sink(Err(Reject {
                        line: line_no,
                        person: f.first().unwrap_or(&"").to_string(),
                        time: String::new(),
                        device: device.unwrap_or_default(),
                        reason: "not a ZKTeco log line (user_id date time verify punch …)".into(),
                    }))?;
                    continue;
                }
                let stamp = format!("{} {}", f[1], f[2]);
                match parse_time(&stamp, tz) {
                    Ok(t) => {
                        let verify = f.get(3).copied().unwrap_or("");
                        let punch = f.get(4).copied().unwrap_or("");
                        sink(Ok(Row {
                            line: line_no,
                            raw_id: f[0].to_owned(),
                            device,
                            check_time: t,
                            location: String::new(),
                            ssid: None,
                            bssid: None,
                            comment: format!("zkteco verify={verify} punch={punch}"),
                        }))?
                    }
                    Err(reason) => sink(Err(Reject {
                        line: line_no,
                        person: f[0].to_owned(),
                        time: stamp,
                        device: device.unwrap_or_default(),
                        reason,
                    }))?,
                }
            }
        }
        Format::Csv => {
            let mut r = csv::ReaderBuilder::new()
                .flexible(true)
                .trim(csv::Trim::All)
                .from_reader(BufReader::with_capacity(1 << 20, file));
            let headers = r.headers().with_context(|| format!("{}: header row", args.file.display()))?.clone();
            let col = |name: &str| -> Result<usize> {
                headers.iter().position(|h| h == name).with_context(|| {
                    format!(
                        "{}: no column {name:?} (columns: {})",
                        args.file.display(),
                        headers.iter().collect::<Vec<_>>().join(", ")
                    )
                })
            };
            let person_col = col(args.person_column.as_deref().unwrap_or(args.id.name()))?;
            let time_col = col(&args.time_column)?;
            let opt = |c: &Option<String>| c.as_deref().map(col).transpose();
            let (device_col, location_col, ssid_col, bssid_col) = (
                opt(&args.device_column)?,
                opt(&args.location_column)?,
                opt(&args.ssid_column)?,
                opt(&args.bssid_column)?,
            );
            let mut rec = csv::StringRecord::new();
            let mut line_no = 1u64;
            loop {
                match r.read_record(&mut rec) {
                    Ok(false) => break,
                    Ok(true) => {}
                    Err(e) => bail!("{}: {e}", args.file.display()),
                }
                line_no = rec.position().map_or(line_no + 1, |p| p.line());
                let get = |c: Option<usize>| c.and_then(|c| rec.get(c)).filter(|s| !s.is_empty()).map(str::to_owned);
                let person = rec.get(person_col).unwrap_or("").to_owned();
                let device = get(device_col).or_else(|| args.device.clone());
                let time = rec.get(time_col).unwrap_or("");
                if person.is_empty() {
                    sink(Err(Reject {
                        line: line_no,
                        person,
                        time: time.to_owned(),
                        device: device.unwrap_or_default(),
                        reason: "no person id".into(),
                    }))?;
                    continue;
                }
                match parse_time(time, tz) {
                    Ok(t) => sink(Ok(Row {
                        line: line_no,
                        raw_id: person,
                        device,
                        check_time: t,
                        location: get(location_col).unwrap_or_default(),
                        ssid: get(ssid_col),
                        bssid: get(bssid_col),
                        comment: String::new(),
                    }))?,
                    Err(reason) => sink(Err(Reject {
                        line: line_no,
                        person,
                        time: time.to_owned(),
                        device: device.unwrap_or_default(),
                        reason,
                    }))?,
                }
            }
        }
    }
    Ok(())
}

fn count_lines(path: &Path) -> Result<u64> {
    let mut r = BufReader::with_capacity(1 << 20, std::fs::File::open(path)?);
    let mut n = 0u64;
    loop {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            break;
        }
        n += buf.iter().filter(|&&b| b == b'\n').count() as u64;
        let len = buf.len();
        r.consume(len);
    }
    Ok(n)
}

fn fmt_time(t: i64, tz: Option<&jiff::tz::TimeZone>) -> String {
    let Ok(ts) = jiff::Timestamp::from_second(t) else { return t.to_string() };
    match tz {
        Some(tz) => ts.to_zoned(tz.clone()).strftime("%Y-%m-%d %H:%M:%S %:z").to_string(),
        None => ts.to_string(),
    }
}

struct Importer<'a> {
    store: &'a Store,
    tenant_id: i64,
    id: PersonId,
    now: i64,
    tz: Option<jiff::tz::TimeZone>,
    map: Option<DeviceMap>,
    holders: HashMap<String, Vec<Person>>,
    /// The embedded database's bulk write path (`None` on PostgreSQL).
    bulk: Option<BulkLoader>,
    batch_size: usize,
    /// Accepted punches not stored yet, in file order until [`Self::drain`] orders them.
    window: Vec<Held>,
    strings: Strings,
    rejects: csv::Writer<Box<dyn Write>>,
    totals: Totals,
    first_id: i64,
    bar: indicatif::ProgressBar,
}

impl Importer<'_> {
    fn reject(&mut self, r: Reject) -> Result<()> {
        self.totals.rejected += 1;
        self.bar.inc(1);
        self.rejects.write_record([r.line.to_string(), r.person, r.time, r.device, r.reason])?;
        Ok(())
    }

    /// The person id a row names (through the device map, if any).
    fn person_of(&self, row: &Row) -> Option<String> {
        match &self.map {
            Some(map) => map.get(row.device.as_deref(), &row.raw_id).cloned(),
            None => Some(row.raw_id.clone()),
        }
    }

    /// Looks up, in one query, the holders of every person id of `rows` not seen before.
    async fn prefetch(&mut self, rows: &[Result<Row, Reject>]) -> Result<()> {
        let mut missing: Vec<String> = rows
            .iter()
            .filter_map(|r| r.as_ref().ok())
            .filter_map(|row| self.person_of(row))
            .filter(|id| !self.holders.contains_key(id))
            .collect();
        missing.sort_unstable();
        missing.dedup();
        if missing.is_empty() {
            return Ok(());
        }
        let mut conn = self.store.pool().acquire().await?;
        let mut found = Store::holders_of_many(&mut conn, self.tenant_id, self.id.kind(), &missing).await?;
        for id in missing {
            let holders = found.remove(&id).unwrap_or_default();
            self.holders.insert(id, holders);
        }
        Ok(())
    }

    /// Resolves a row to a punch in the window, or says why not.
    async fn accept(&mut self, row: Row) -> Result<()> {
        let Some(person) = self.person_of(&row) else {
            let reason = format!(
                "device user id {} is not in the device map{}",
                row.raw_id,
                row.device.as_deref().map(|d| format!(" for device {d}")).unwrap_or_default()
            );
            return self.reject_row(&row, reason);
        };
        if !self.holders.contains_key(&person) {
            let found =
                Store::holders_of(&mut *self.store.pool().acquire().await?, self.tenant_id, self.id.kind(), &person)
                    .await?;
            self.holders.insert(person.clone(), found);
        }
        let holders = &self.holders[&person];
        if holders.is_empty() {
            let reason = format!("unknown {} {person}", self.id.name());
            return self.reject_row(&row, reason);
        }
        let Some(holder) = holders.iter().find(|p| p.employed_at(row.check_time)) else {
            let tz = self.tz.as_ref();
            let why: Vec<String> = holders
                .iter()
                .map(|p| match (p.employed_from, p.left_at) {
                    (_, Some(l)) if l <= row.check_time => format!("{} left at {}", p.name, fmt_time(l, tz)),
                    (Some(f), _) if row.check_time < f => format!("{} joined at {}", p.name, fmt_time(f, tz)),
                    _ => p.name.clone(),
                })
                .collect();
            let reason = format!("{} {person} names nobody employed then ({})", self.id.name(), why.join("; "));
            return self.reject_row(&row, reason);
        };
        let held = Held {
            person_id: holder.id,
            check_time: row.check_time,
            line: row.line,
            person: self.strings.put(Some(&person)),
            raw_id: self.strings.put(Some(&row.raw_id)),
            device: self.strings.put(row.device.as_deref()),
            location: self.strings.put(Some(&row.location)),
            ssid: self.strings.put(row.ssid.as_deref()),
            bssid: self.strings.put(row.bssid.as_deref()),
            comment: self.strings.put(Some(&row.comment)),
        };
        self.window.push(held);
        Ok(())
    }

    fn reject_row(&mut self, row: &Row, reason: String) -> Result<()> {
        let r = Reject {
            line: row.line,
            person: row.raw_id.clone(),
            time: fmt_time(row.check_time, self.tz.as_ref()),
            device: row.device.clone().unwrap_or_default(),
            reason,
        };
        self.reject(r)
    }

    /// Rejects a held punch that pre-resolution accepted but that named nobody employed then
    /// when it was stored (someone changed the person meanwhile).
    fn reject_held(&mut self, h: &Held) -> Result<()> {
        let person = self.strings.text(h.person);
        let r = Reject {
            line: h.line,
            person: self.strings.text(h.raw_id),
            time: fmt_time(h.check_time, self.tz.as_ref()),
            device: self.strings.text(h.device),
            reason: format!("{} {person} names nobody employed then", self.id.name()),
        };
        self.reject(r)
    }

    /// The punch record of a held punch.
    fn record(&self, h: &Held) -> PunchImport {
        let s = &self.strings;
        let (ssid, bssid) = (s.get(h.ssid).map(str::to_owned), s.get(h.bssid).map(str::to_owned));
        PunchImport {
            user_id: s.text(h.person),
            creator_id: s.text(h.person),
            check_time: h.check_time,
            kind: IMPORT_KIND,
            location_name: s.text(h.location),
            comment: s.text(h.comment),
            is_wifi: ssid.is_some() || bssid.is_some(),
            ssid,
            bssid,
            device_id: s.get(h.device).map(str::to_owned),
            ..Default::default()
        }
    }

    /// Stores the window: ordered by person and time (equal punches in file order), in batches
    /// of whole people of at least `batch_size` punches, one transaction each.
    async fn drain(&mut self) -> Result<()> {
        self.bar.set_message("storing");
        let mut window = std::mem::take(&mut self.window);
        window.sort_unstable_by_key(|h| (h.person_id, h.check_time, h.line));
        let mut rest = window.as_slice();
        while !rest.is_empty() {
            let mut end = self.batch_size.min(rest.len());
            while end < rest.len() && rest[end].person_id == rest[end - 1].person_id {
                end += 1;
            }
            let (batch, after) = rest.split_at(end);
            self.flush(batch).await?;
            rest = after;
        }
        self.strings = Strings::new();
        window.clear();
        self.window = window;
        self.bar.set_message("reading");
        Ok(())
    }

    /// Stores one batch in one transaction.
    async fn flush(&mut self, batch: &[Held]) -> Result<()> {
        let records: Vec<PunchImport> = batch.iter().map(|h| self.record(h)).collect();
        let (first, last) = batch.iter().fold((u64::MAX, 0), |(lo, hi), h| (lo.min(h.line), hi.max(h.line)));
        let lines = || format!("importing {} punches of lines {first}..{last}", batch.len());
        if let Some(bulk) = self.bulk.as_mut() {
            let loaded = bulk.import(self.tenant_id, self.id.kind(), records, self.now).await.with_context(lines)?;
            for (held, loaded) in batch.iter().zip(loaded) {
                match loaded {
                    Loaded::Added => self.totals.added += 1,
                    Loaded::Present => self.totals.repeated += 1,
                    Loaded::Failed => {
                        self.reject_held(held)?;
                        continue;
                    }
                }
                self.bar.inc(1);
            }
            self.rejects.flush()?;
            return Ok(());
        }
        let users: Vec<String> = records.iter().map(|r| r.user_id.clone()).collect();
        let outcome = self
            .store
            .import_punches(self.tenant_id, self.id.kind(), records, Repeats::ByInstant, self.now)
            .await
            .with_context(lines)?;
        // Pre-resolution makes failures unexpected here; report them rather than drop them.
        let mut failed: HashMap<&str, usize> = HashMap::new();
        for (u, _) in &outcome.failed {
            *failed.entry(u.as_str()).or_default() += 1;
        }
        let mut stored = outcome.stored.iter();
        for (held, user_id) in batch.iter().zip(&users) {
            if let Some(n) = failed.get_mut(user_id.as_str()).filter(|n| **n > 0) {
                *n -= 1;
                self.reject_held(held)?;
                continue;
            }
            let Some(view) = stored.next() else { break };
            if view.punch.tenant_id == self.tenant_id && self.is_new(view.punch.record_id) {
                self.totals.added += 1;
            } else {
                self.totals.repeated += 1;
            }
            self.bar.inc(1);
        }
        self.rejects.flush()?;
        Ok(())
    }

    /// Record ids increase strictly within a process: records created by this run are the ones
    /// at or after its first id.
    fn is_new(&self, record_id: i64) -> bool {
        record_id >= self.first_id
    }
}

/// Runs `daka import`; returns the totals.
pub async fn run(store: &Store, args: ImportArgs) -> Result<Totals> {
    let tz = args
        .time_zone
        .as_deref()
        .map(|z| jiff::tz::TimeZone::get(z).with_context(|| format!("unknown time zone {z}")))
        .transpose()?;
    if args.format == Format::Zkteco && tz.is_none() {
        bail!("ZKTeco logs carry device-local times without an offset: give --time-zone (e.g. Asia/Shanghai)");
    }
    let tenant = match &args.tenant {
        Some(t) => store.tenant(t).await?,
        None => store
            .tenants()
            .await?
            .into_iter()
            .next()
            .context("no tenant yet: start `daka serve` once or run `daka apps create-tenant`")?,
    };
    let map = args.device_map.as_deref().map(DeviceMap::load).transpose()?;
    let reject_path = args.rejects.clone().unwrap_or_else(|| {
        let mut p = args.file.clone().into_os_string();
        p.push(".rejects.csv");
        PathBuf::from(p)
    });
    let out: Box<dyn Write> = Box::new(std::io::BufWriter::new(
        std::fs::File::create(&reject_path).with_context(|| format!("creating {}", reject_path.display()))?,
    ));
    let mut rejects = csv::Writer::from_writer(out);
    rejects.write_record(["line", "person", "time", "device", "reason"])?;
    let now_at = args.now.as_deref().map_or_else(|| Ok(now()), parse_instant)?;

    let total_lines = count_lines(&args.file)?;
    let bar = if args.quiet {
        indicatif::ProgressBar::hidden()
    } else {
        let b = indicatif::ProgressBar::new(total_lines);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {msg:8} {wide_bar} {human_pos}/{human_len} punches  {rate}  ETA {eta}",
            )
            .expect("valid template")
            .with_key("rate", |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.0}/s", s.per_sec());
            }),
        );
        b
    };

    // Rows are parsed on a thread of their own, resolved into the window, and stored a window
    // at a time.
    let bulk = store.bulk_loader().await?;
    let batch_size = args.batch.unwrap_or(if bulk.is_some() { BULK_BATCH } else { GENERIC_BATCH }).max(1);
    let window_size = args.window.unwrap_or(WINDOW).clamp(1, MAX_WINDOW);
    let mut imp = Importer {
        store,
        tenant_id: tenant.id,
        id: args.id,
        now: now_at,
        tz: tz.clone(),
        map,
        holders: HashMap::new(),
        bulk,
        batch_size,
        window: Vec::new(),
        strings: Strings::new(),
        rejects,
        totals: Totals::default(),
        first_id: store.next_id(),
        bar,
    };
    imp.bar.set_message("reading");
    let started = Instant::now();
    const CHUNK: usize = 50_000;
    let mut pending: Vec<Result<Row, Reject>> = Vec::with_capacity(CHUNK);
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Vec<Result<Row, Reject>>>(4);
    let reader_args = args.clone();
    let reader_tz = tz.clone();
    let reader = tokio::task::spawn_blocking(move || {
        read_rows(&reader_args, reader_tz.as_ref(), |item| {
            pending.push(item);
            if pending.len() >= CHUNK {
                let full = std::mem::replace(&mut pending, Vec::with_capacity(CHUNK));
                tx.blocking_send(full).map_err(|_| anyhow::anyhow!("import stopped"))?;
            }
            Ok(())
        })?;
        if !pending.is_empty() {
            let _ = tx.blocking_send(pending);
        }
        Ok::<_, anyhow::Error>(())
    });
    while let Some(chunk) = rx.recv().await {
        imp.prefetch(&chunk).await?;
        for item in chunk {
            imp.totals.read += 1;
            match item {
                Ok(row) => imp.accept(row).await?,
                Err(r) => imp.reject(r)?,
            }
            if imp.window.len() >= window_size {
                imp.drain().await?;
            }
        }
    }
    reader.await.context("reader task")??;
    imp.drain().await?;
    if let Some(bulk) = imp.bulk.take() {
        bulk.finish().await.context("committing the last batch")?;
    }
    imp.rejects.flush()?;
    imp.bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    let t = imp.totals;
    println!(
        "{}: {} punches read, {} added, {} already present, {} rejected in {:.1}s ({:.0} punches/s)",
        args.file.display(),
        t.read,
        t.added,
        t.repeated,
        t.rejected,
        secs,
        t.read as f64 / secs.max(1e-9)
    );
    if t.rejected > 0 {
        println!("rejected punches and why: {}", reject_path.display());
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_with_offset_unix_or_local_zone() {
        let sh = jiff::tz::TimeZone::get("Asia/Shanghai").expect("zone");
        assert_eq!(parse_time("2026-03-02T09:00:00+08:00", None), Ok(1_772_413_200));
        assert_eq!(parse_time("1772413200", None), Ok(1_772_413_200));
        assert_eq!(parse_time("2026-03-02 09:00:00", Some(&sh)), Ok(1_772_413_200));
        assert_eq!(parse_time("2026/03/02 09:00", Some(&sh)), Ok(1_772_413_200));
        assert!(parse_time("2026-03-02 09:00:00", None).unwrap_err().contains("--time-zone"));
        assert!(parse_time("", Some(&sh)).is_err());
    }
}
