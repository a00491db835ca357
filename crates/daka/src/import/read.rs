//! Reading a time-clock file (CSV export or ZKTeco log) into punches and rejects, in file
//! order, on a thread of its own: each string (person, device, place, remark) is numbered the
//! first time it appears, so a punch is a few numbers and the importer never hashes a string
//! twice.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;

use anyhow::{bail, Context, Result};
use jiff::civil::{Date, DateTime};
use jiff::tz::{Offset, TimeZone};
use rustc_hash::FxHashMap;

use super::{Format, ImportArgs};

/// A punch read from the file, its strings numbered as in [`Strings`] (0: none).
#[derive(Debug, Clone, Copy)]
pub(super) struct Parsed {
    pub line: u64,
    pub check_time: i64,
    /// Id as in the file (the device user id of a mapped log).
    pub raw_id: u32,
    pub device: u32,
    pub location: u32,
    pub ssid: u32,
    pub bssid: u32,
    pub comment: u32,
}

/// A line that could not become a punch.
pub(super) struct Reject {
    pub line: u64,
    pub person: String,
    pub time: String,
    pub device: String,
    pub reason: String,
}

/// What the reader sends: punches and rejects in file order, and the strings first numbered
/// since the previous chunk (numbers follow on from it).
pub(super) struct Chunk {
    pub items: Vec<Result<Parsed, Box<Reject>>>,
    pub strings: Vec<Box<str>>,
}

/// The reader's numbering of strings.
struct Numbering {
    index: FxHashMap<Box<str>, u32>,
    fresh: Vec<Box<str>>,
}

impl Numbering {
    /// The number of `s` (0 for none).
    fn put(&mut self, s: Option<&str>) -> Result<u32> {
        let Some(s) = s else { return Ok(0) };
        if let Some(&n) = self.index.get(s) {
            return Ok(n);
        }
        let n = u32::try_from(self.index.len() + 1).context("more than 4 billion distinct strings")?;
        self.index.insert(s.into(), n);
        self.fresh.push(s.into());
        Ok(n)
    }
}

/// The string a column held last and its number: a file repeats its devices and places row
/// after row, and comparing with the last is cheaper than looking up.
#[derive(Default)]
struct Last {
    text: String,
    number: u32,
}

impl Last {
    fn put(&mut self, names: &mut Numbering, s: Option<&str>) -> Result<u32> {
        match s {
            None => Ok(0),
            Some(s) if self.number != 0 && self.text == s => Ok(self.number),
            Some(s) => {
                self.number = names.put(Some(s))?;
                self.text.clear();
                self.text.push_str(s);
                Ok(self.number)
            }
        }
    }
}

/// The last string of each column of a punch.
#[derive(Default)]
struct Columns {
    raw_id: Last,
    device: Last,
    location: Last,
    ssid: Last,
    bssid: Last,
    comment: Last,
}

/// The strings of an import as the reader numbered them.
pub(super) struct Strings(Vec<Box<str>>);

impl Strings {
    pub fn new() -> Strings {
        Strings(vec!["".into()])
    }

    /// Adds a chunk's new strings.
    pub fn extend(&mut self, fresh: Vec<Box<str>>) {
        self.0.extend(fresh);
    }

    /// The string numbered `n` (none for 0).
    pub fn get(&self, n: u32) -> Option<&str> {
        (n != 0).then(|| self.0.get(n as usize).map_or("", |s| s))
    }

    /// The string numbered `n`, empty for none.
    pub fn text(&self, n: u32) -> String {
        self.get(n).unwrap_or_default().to_owned()
    }
}

/// Parses a punch time: offset timestamps and Unix seconds stand alone; local times need `tz`.
pub fn parse_time(s: &str, tz: Option<&TimeZone>) -> Result<i64, String> {
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
        .parse::<DateTime>()
        .map_err(|_| format!("time {s:?} is neither RFC 3339, Unix seconds nor YYYY-MM-DD HH:MM:SS"))?;
    let Some(tz) = tz else { return Err(format!("local time {s:?} needs --time-zone")) };
    dt.to_zoned(tz.clone()).map(|z| z.timestamp().as_second()).map_err(|e| format!("time {s:?}: {e}"))
}

/// [`parse_time`] for a whole file: `YYYY-MM-DD HH:MM[:SS]` (or with `/`) is read directly, and
/// the zone's offset is found once per local day that has no transition (nearly every day).
pub(super) struct Clock {
    tz: Option<TimeZone>,
    /// Local day → its offset, or none when a transition falls within it.
    days: HashMap<Date, Option<Offset>>,
}

impl Clock {
    pub fn new(tz: Option<TimeZone>) -> Clock {
        Clock { tz, days: HashMap::new() }
    }

    /// The instant a punch time names.
    pub fn parse(&mut self, s: &str) -> Result<i64, String> {
        let s = s.trim();
        let (Some(tz), Some(dt)) = (&self.tz, plain_local(s)) else { return parse_time(s, self.tz.as_ref()) };
        let offset = *self.days.entry(dt.date()).or_insert_with(|| steady_offset(tz, dt.date()));
        match offset.and_then(|o| o.to_timestamp(dt).ok()) {
            Some(ts) => Ok(ts.as_second()),
            None => parse_time(s, self.tz.as_ref()),
        }
    }
}

/// `YYYY-MM-DD HH:MM[:SS]` (date separated by `-` or `/`, time by a space or `T`), if `s` is
/// exactly that and a valid date and time.
fn plain_local(s: &str) -> Option<DateTime> {
    let b = s.as_bytes();
    if !(b.len() == 16 || b.len() == 19) {
        return None;
    }
    let num = |i: usize, n: usize| -> Option<i32> {
        b[i..i + n].iter().try_fold(0i32, |acc, &c| c.is_ascii_digit().then(|| acc * 10 + i32::from(c - b'0')))
    };
    let date_sep = b[4];
    if !(date_sep == b'-' || date_sep == b'/') || b[7] != date_sep || !(b[10] == b' ' || b[10] == b'T') {
        return None;
    }
    if b[13] != b':' || (b.len() == 19 && b[16] != b':') {
        return None;
    }
    let second = if b.len() == 19 { num(17, 2)? } else { 0 };
    let (year, month, day, hour, minute) = (num(0, 4)?, num(5, 2)?, num(8, 2)?, num(11, 2)?, num(14, 2)?);
    let date = Date::new(i16::try_from(year).ok()?, i8::try_from(month).ok()?, i8::try_from(day).ok()?).ok()?;
    let time =
        jiff::civil::Time::new(i8::try_from(hour).ok()?, i8::try_from(minute).ok()?, i8::try_from(second).ok()?, 0)
            .ok()?;
    Some(date.to_datetime(time))
}

/// The offset of `tz` throughout local day `date`, unless a transition falls within it (or the
/// day is not wholly representable).
fn steady_offset(tz: &TimeZone, date: Date) -> Option<Offset> {
    let start = tz.to_ambiguous_timestamp(date.to_datetime(jiff::civil::Time::midnight())).unambiguous().ok()?;
    let offset = tz.to_offset(start);
    // A local day lasts at most 27 hours; the next transition must come after it.
    let end = start.checked_add(jiff::SignedDuration::from_hours(27)).ok()?;
    if tz.following(start).next().is_some_and(|t| t.timestamp() <= end) {
        return None;
    }
    Some(offset)
}

/// Reads the file, numbering strings, and hands `send` chunks of about `size` punches.
pub(super) fn read(
    args: &ImportArgs,
    tz: Option<TimeZone>,
    size: usize,
    mut send: impl FnMut(Chunk) -> Result<()>,
) -> Result<()> {
    let file = std::fs::File::open(&args.file).with_context(|| format!("opening {}", args.file.display()))?;
    let mut names = Numbering { index: FxHashMap::default(), fresh: Vec::new() };
    let mut clock = Clock::new(tz);
    let mut last = Columns::default();
    let mut items = Vec::with_capacity(size);
    let mut push = |item: Result<Parsed, Reject>, names: &mut Numbering| -> Result<()> {
        items.push(item.map_err(Box::new));
        if items.len() >= size {
            let full = std::mem::replace(&mut items, Vec::with_capacity(size));
            send(Chunk { items: full, strings: std::mem::take(&mut names.fresh) })?;
        }
        Ok(())
    };
    match args.format {
        Format::Zkteco => {
            let device = names.put(args.device.as_deref())?;
            let reader = BufReader::with_capacity(1 << 20, file);
            for (i, line) in reader.lines().enumerate() {
                let line_no = i as u64 + 1;
                let line = line.with_context(|| format!("{}:{line_no}", args.file.display()))?;
                let text = line.trim();
                if text.is_empty() || text.starts_with('#') {
                    continue;
                }
                let f: Vec<&str> = text.split_whitespace().collect();
                if f.len() < 3 {
                    let reject = Reject {
                        line: line_no,
                        person: f.first().unwrap_or(&"").to_string(),
                        time: String::new(),
                        device: args.device.clone().unwrap_or_default(),
                        reason: "not a ZKTeco log line (user_id date time verify punch …)".into(),
                    };
                    push(Err(reject), &mut names)?;
                    continue;
                }
                let stamp = format!("{} {}", f[1], f[2]);
                let item = match clock.parse(&stamp) {
                    Ok(t) => {
                        let verify = f.get(3).copied().unwrap_or("");
                        let punch = f.get(4).copied().unwrap_or("");
                        Ok(Parsed {
                            line: line_no,
                            check_time: t,
                            raw_id: last.raw_id.put(&mut names, Some(f[0]))?,
                            device,
                            location: last.location.put(&mut names, Some(""))?,
                            ssid: 0,
                            bssid: 0,
                            comment: last
                                .comment
                                .put(&mut names, Some(&format!("zkteco verify={verify} punch={punch}")))?,
                        })
                    }
                    Err(reason) => Err(Reject {
                        line: line_no,
                        person: f[0].to_owned(),
                        time: stamp,
                        device: args.device.clone().unwrap_or_default(),
                        reason,
                    }),
                };
                push(item, &mut names)?;
            }
        }
        Format::Csv => {
            // Fields are trimmed as they are read (the reader's own trimming copies every record).
            let mut r = csv::ReaderBuilder::new().flexible(true).from_reader(BufReader::with_capacity(1 << 20, file));
            let headers: Vec<String> = r
                .headers()
                .with_context(|| format!("{}: header row", args.file.display()))?
                .iter()
                .map(|h| h.trim().to_owned())
                .collect();
            let col = |name: &str| -> Result<usize> {
                headers.iter().position(|h| h == name).with_context(|| {
                    format!("{}: no column {name:?} (columns: {})", args.file.display(), headers.join(", "))
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
                let get = |c: Option<usize>| c.and_then(|c| rec.get(c)).map(str::trim).filter(|s| !s.is_empty());
                let person = rec.get(person_col).unwrap_or("").trim();
                let device = get(device_col).or(args.device.as_deref());
                let time = rec.get(time_col).unwrap_or("").trim();
                let reject = |reason: String| Reject {
                    line: line_no,
                    person: person.to_owned(),
                    time: time.to_owned(),
                    device: device.unwrap_or_default().to_owned(),
                    reason,
                };
                let parsed = match person.is_empty() {
                    true => Err("no person id".to_owned()),
                    false => clock.parse(time),
                };
                let item = match parsed {
                    Ok(t) => Ok(Parsed {
                        line: line_no,
                        check_time: t,
                        raw_id: last.raw_id.put(&mut names, Some(person))?,
                        device: last.device.put(&mut names, device)?,
                        location: last.location.put(&mut names, Some(get(location_col).unwrap_or_default()))?,
                        ssid: last.ssid.put(&mut names, get(ssid_col))?,
                        bssid: last.bssid.put(&mut names, get(bssid_col))?,
                        comment: last.comment.put(&mut names, Some(""))?,
                    }),
                    Err(reason) => Err(reject(reason)),
                };
                push(item, &mut names)?;
            }
        }
    }
    if !items.is_empty() || !names.fresh.is_empty() {
        send(Chunk { items, strings: names.fresh })?;
    }
    Ok(())
}

/// Lines in the file at `path` (for the progress bar).
pub(super) fn count_lines(path: &Path) -> Result<u64> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_with_offset_unix_or_local_zone() {
        let sh = TimeZone::get("Asia/Shanghai").expect("zone");
        assert_eq!(parse_time("2026-03-02T09:00:00+08:00", None), Ok(1_772_413_200));
        assert_eq!(parse_time("1772413200", None), Ok(1_772_413_200));
        assert_eq!(parse_time("2026-03-02 09:00:00", Some(&sh)), Ok(1_772_413_200));
        assert_eq!(parse_time("2026/03/02 09:00", Some(&sh)), Ok(1_772_413_200));
        assert!(parse_time("2026-03-02 09:00:00", None).unwrap_err().contains("--time-zone"));
        assert!(parse_time("", Some(&sh)).is_err());
    }

    /// The clock's direct reading agrees with jiff's, across a year of every zone rule kind:
    /// no transitions, spring forward (a missing hour), fall back (a repeated hour), and a
    /// half-hour shift.
    #[test]
    fn the_clock_reads_local_times_as_jiff_does() {
        for zone in ["Asia/Shanghai", "America/New_York", "Europe/London", "Australia/Lord_Howe", "UTC"] {
            let tz = TimeZone::get(zone).expect("zone");
            let mut clock = Clock::new(Some(tz.clone()));
            let mut day = Date::constant(2026, 1, 1);
            while day.year() == 2026 {
                for minutes in (0..24 * 60).step_by(17) {
                    let (h, m) = (minutes / 60, minutes % 60);
                    let text = format!("{day} {h:02}:{m:02}:{:02}", minutes % 60);
                    assert_eq!(clock.parse(&text), parse_time(&text, Some(&tz)), "{zone} {text}");
                }
                day = day.tomorrow().expect("day");
            }
            // No transitions cached for New York's spring-forward day: its local times go
            // through jiff (02:30 does not exist and is read as jiff reads it).
            if zone == "America/New_York" {
                assert_eq!(clock.days.get(&Date::constant(2026, 3, 8)), Some(&None));
                assert_eq!(clock.days.get(&Date::constant(2026, 3, 9)), Some(&Some(Offset::constant(-4))));
            }
        }
    }

    #[test]
    fn only_exact_plain_local_times_are_read_directly() {
        assert_eq!(plain_local("2026-03-02 09:05"), Some(DateTime::constant(2026, 3, 2, 9, 5, 0, 0)));
        assert_eq!(plain_local("2026/03/02T09:05:07"), Some(DateTime::constant(2026, 3, 2, 9, 5, 7, 0)));
        for odd in ["2026-02-30 09:00", "2026-03-02 24:00", "2026-03-02 9:00:00", "2026-03/02 09:00", "1772413200"] {
            assert_eq!(plain_local(odd), None, "{odd}");
        }
        let mut clock = Clock::new(None);
        assert!(clock.parse("2026-03-02 09:00").unwrap_err().contains("--time-zone"));
        assert_eq!(clock.parse("2026-03-02T09:00:00+08:00"), Ok(1_772_413_200));
    }
}
