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

mod read;

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use daka_store::bulk_load::{BulkLoader, Loaded};
use daka_store::people::{IdKind, Person};
use daka_store::punches::{PunchImport, Repeats};
use daka_store::Store;
use rustc_hash::FxHashMap;

use self::read::{Chunk, Parsed, Reject, Strings};
use crate::{now, parse_instant};

/// Feishu flow `type` given to imported punches (7: imported through the open platform).
pub const IMPORT_KIND: i32 = 7;

/// Punches per transaction on the embedded database's bulk path (whole people: a batch ends at
/// the first person boundary after this many). Batches hold a window's people in turn, so a
/// smaller batch costs little more and lets the writer start sooner and hold the write lock
/// less long; a 2M-punch import peaks at about 400 MB of memory at this size.
const BULK_BATCH: usize = 100_000;
/// Punches per transaction through the generic store path (PostgreSQL).
const GENERIC_BATCH: usize = 5_000;
/// Punches read and ordered by person before they are stored (32 bytes each).
const WINDOW: usize = 4_000_000;
/// The largest `--window` (32 bytes a punch: 3.2 GB).
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
    /// Punches per transaction, rounded up to whole people (default: 100,000 into the embedded
    /// database, whose bulk path holds the write lock for about half a second per batch; 5,000
    /// on PostgreSQL).
    #[arg(long)]
    pub batch: Option<usize>,
    /// Punches read, then ordered by person and time, before any is stored (default:
    /// 4,000,000, about 130 MB): a file up to this size is stored person after person.
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

/// A punch accepted for import, waiting in the window.
#[derive(Debug, Clone, Copy)]
struct Held {
    /// The person employed at `check_time` under `name`.
    person_id: i64,
    check_time: i64,
    line: u64,
    /// The person id (after the device map), in [`Importer::names`].
    name: u32,
    /// The rest of what the file says of it, in [`Importer::looks`].
    look: u32,
}

/// What a file says of a punch besides its person and time, strings numbered as in
/// [`Strings`]: few of these recur many times over (a person at a device).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Look {
    raw_id: u32,
    device: u32,
    location: u32,
    ssid: u32,
    bssid: u32,
    comment: u32,
}

impl Look {
    fn of(p: &Parsed) -> Look {
        Look {
            raw_id: p.raw_id,
            device: p.device,
            location: p.location,
            ssid: p.ssid,
            bssid: p.bssid,
            comment: p.comment,
        }
    }
}

/// A person id the file names (after the device map), and who holds it (once looked up).
struct Named {
    id: String,
    holders: Option<Vec<Person>>,
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
    /// The strings of the file, as the reader numbered them.
    strings: Strings,
    /// The person ids the file names.
    names: Vec<Named>,
    /// Person id → its number in `names`.
    numbers: FxHashMap<String, u32>,
    /// Without a device map: the file's id (string number) → its number in `names` plus one
    /// (0: not seen yet).
    by_raw: Vec<u32>,
    /// With a device map: (device, device user id) → the number in `names`, none if unmapped.
    by_device: FxHashMap<(u32, u32), Option<u32>>,
    /// The looks of held punches, and their numbers.
    looks: Vec<Look>,
    look_numbers: FxHashMap<Look, u32>,
    /// The embedded database's bulk write path (`None` on PostgreSQL).
    bulk: Option<BulkLoader>,
    batch_size: usize,
    /// Accepted punches not stored yet, in file order until [`Self::drain`] orders them.
    window: Vec<Held>,
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

    /// The number in `names` of person id `id`.
    fn number(&mut self, id: &str) -> u32 {
        if let Some(&n) = self.numbers.get(id) {
            return n;
        }
        let n = self.names.len() as u32;
        self.names.push(Named { id: id.to_owned(), holders: None });
        self.numbers.insert(id.to_owned(), n);
        n
    }

    /// The person id a punch names (through the device map, if any), as its number in `names`.
    fn name_of(&mut self, p: &Parsed) -> Option<u32> {
        if self.map.is_none() {
            let raw = p.raw_id as usize;
            if raw >= self.by_raw.len() {
                self.by_raw.resize(raw + 1, 0);
            }
            if self.by_raw[raw] == 0 {
                let id = self.strings.text(p.raw_id);
                self.by_raw[raw] = self.number(&id) + 1;
            }
            return Some(self.by_raw[raw] - 1);
        }
        if let Some(&n) = self.by_device.get(&(p.device, p.raw_id)) {
            return n;
        }
        let mapped = self
            .map
            .as_ref()
            .and_then(|m| m.get(self.strings.get(p.device), self.strings.get(p.raw_id).unwrap_or_default()).cloned());
        let n = mapped.map(|id| self.number(&id));
        self.by_device.insert((p.device, p.raw_id), n);
        n
    }

    /// Adds a chunk's strings and looks up, in one query, the holders of every person id it
    /// names for the first time.
    async fn prefetch(&mut self, chunk: &mut Chunk) -> Result<()> {
        self.strings.extend(std::mem::take(&mut chunk.strings));
        let mut missing: Vec<u32> = Vec::new();
        for p in chunk.items.iter().filter_map(|r| r.as_ref().ok()) {
            if let Some(n) = self.name_of(p) {
                if self.names[n as usize].holders.is_none() {
                    missing.push(n);
                }
            }
        }
        missing.sort_unstable();
        missing.dedup();
        if missing.is_empty() {
            return Ok(());
        }
        let ids: Vec<String> = missing.iter().map(|&n| self.names[n as usize].id.clone()).collect();
        let mut conn = self.store.pool().acquire().await?;
        let mut found = Store::holders_of_many(&mut conn, self.tenant_id, self.id.kind(), &ids).await?;
        for n in missing {
            let named = &mut self.names[n as usize];
            named.holders = Some(found.remove(&named.id).unwrap_or_default());
        }
        Ok(())
    }

    /// Resolves a punch (after [`Self::prefetch`]) into the window, or says why not.
    fn accept(&mut self, p: Parsed) -> Result<()> {
        let Some(name) = self.name_of(&p) else {
            let device = self.strings.get(p.device).map(|d| format!(" for device {d}")).unwrap_or_default();
            let raw = self.strings.get(p.raw_id).unwrap_or_default();
            let reason = format!("device user id {raw} is not in the device map{device}");
            return self.reject_parsed(&p, reason);
        };
        let named = &self.names[name as usize];
        let holders = named.holders.as_deref().unwrap_or_default();
        if holders.is_empty() {
            let reason = format!("unknown {} {}", self.id.name(), named.id);
            return self.reject_parsed(&p, reason);
        }
        let Some(holder) = holders.iter().find(|h| h.employed_at(p.check_time)) else {
            let tz = self.tz.as_ref();
            let why: Vec<String> = holders
                .iter()
                .map(|h| match (h.employed_from, h.left_at) {
                    (_, Some(l)) if l <= p.check_time => format!("{} left at {}", h.name, fmt_time(l, tz)),
                    (Some(f), _) if p.check_time < f => format!("{} joined at {}", h.name, fmt_time(f, tz)),
                    _ => h.name.clone(),
                })
                .collect();
            let reason = format!("{} {} names nobody employed then ({})", self.id.name(), named.id, why.join("; "));
            return self.reject_parsed(&p, reason);
        };
        let person_id = holder.id;
        let look = Look::of(&p);
        let look = match self.looks.last() {
            Some(last) if *last == look => self.looks.len() as u32 - 1,
            _ => *self.look_numbers.entry(look).or_insert_with(|| {
                self.looks.push(look);
                self.looks.len() as u32 - 1
            }),
        };
        self.window.push(Held { person_id, check_time: p.check_time, line: p.line, name, look });
        Ok(())
    }

    fn reject_parsed(&mut self, p: &Parsed, reason: String) -> Result<()> {
        let r = Reject {
            line: p.line,
            person: self.strings.text(p.raw_id),
            time: fmt_time(p.check_time, self.tz.as_ref()),
            device: self.strings.text(p.device),
            reason,
        };
        self.reject(r)
    }

    /// Rejects a held punch that pre-resolution accepted but that named nobody employed then
    /// when it was stored (someone changed the person meanwhile).
    fn reject_held(&mut self, h: &Held) -> Result<()> {
        let person = &self.names[h.name as usize].id;
        let look = self.looks[h.look as usize];
        let r = Reject {
            line: h.line,
            person: self.strings.text(look.raw_id),
            time: fmt_time(h.check_time, self.tz.as_ref()),
            device: self.strings.text(look.device),
            reason: format!("{} {person} names nobody employed then", self.id.name()),
        };
        self.reject(r)
    }

    /// The punch record of a held punch.
    fn record(&self, h: &Held) -> PunchImport {
        let (s, look) = (&self.strings, &self.looks[h.look as usize]);
        let (ssid, bssid) = (s.get(look.ssid).map(str::to_owned), s.get(look.bssid).map(str::to_owned));
        let person = &self.names[h.name as usize].id;
        PunchImport {
            user_id: person.clone(),
            creator_id: person.clone(),
            check_time: h.check_time,
            kind: IMPORT_KIND,
            location_name: s.text(look.location),
            comment: s.text(look.comment),
            is_wifi: ssid.is_some() || bssid.is_some(),
            ssid,
            bssid,
            device_id: s.get(look.device).map(str::to_owned),
            ..Default::default()
        }
    }

    /// Stores the window: ordered by person and time (equal punches in file order), in batches
    /// of whole people of at least `batch_size` punches, one transaction each — the first a
    /// quarter of that, so that storing begins soon after reading ends.
    async fn drain(&mut self) -> Result<()> {
        self.bar.set_message("storing");
        let mut window = std::mem::take(&mut self.window);
        window.sort_unstable_by_key(|h| (h.person_id, h.check_time, h.line));
        let mut rest = window.as_slice();
        let mut size = self.batch_size.div_ceil(4);
        while !rest.is_empty() {
            let mut end = std::mem::replace(&mut size, self.batch_size).min(rest.len());
            while end < rest.len() && rest[end].person_id == rest[end - 1].person_id {
                end += 1;
            }
            let (batch, after) = rest.split_at(end);
            self.flush(batch).await?;
            rest = after;
        }
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
    let started = Instant::now();
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

    let total_lines = read::count_lines(&args.file)?;
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
        strings: Strings::new(),
        names: Vec::new(),
        numbers: FxHashMap::default(),
        by_raw: Vec::new(),
        by_device: FxHashMap::default(),
        looks: Vec::new(),
        look_numbers: FxHashMap::default(),
        bulk,
        batch_size,
        window: Vec::with_capacity(usize::try_from(total_lines).unwrap_or(usize::MAX).min(window_size)),
        rejects,
        totals: Totals::default(),
        first_id: store.next_id(),
        bar,
    };
    imp.bar.set_message("reading");
    const CHUNK: usize = 50_000;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Chunk>(4);
    let reader_args = args.clone();
    let reader = tokio::task::spawn_blocking(move || {
        read::read(&reader_args, tz, CHUNK, |chunk| {
            tx.blocking_send(chunk).map_err(|_| anyhow::anyhow!("import stopped"))
        })
    });
    while let Some(mut chunk) = rx.recv().await {
        imp.prefetch(&mut chunk).await?;
        for item in chunk.items {
            imp.totals.read += 1;
            match item {
                Ok(p) => imp.accept(p)?,
                Err(r) => imp.reject(*r)?,
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
