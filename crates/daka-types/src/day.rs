//! Typed forms of the two time encodings of the attendance API, so a wrong encoding cannot be
//! written: [`Day`] (an attendance day, the integer `yyyyMMdd` on the wire) and [`Instant`] (a
//! point in time, a *string* of Unix seconds on the wire).
//!
//! Both deserialize leniently (a `Day` from `20240115` or `"20240115"`, an `Instant` from
//! `"1705280400"` or `1705280400`) and always serialize in the documented form.

use std::fmt;
use std::str::FromStr;

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

/// Days from 1970-01-01 to the civil date `y-m-d` (proleptic Gregorian).
fn days_from_civil(y: i32, m: u32, d: u32) -> i64 {
    let y = i64::from(y) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of `z` days after 1970-01-01.
fn civil_from_days(z: i64) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    ((y + i64::from(m <= 2)) as i32, m, d)
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// An attendance day, `yyyyMMdd` on the wire (`day`, `check_date_from`, `check_date_to`,
/// `remedy_date`, `date`, …). Always a valid calendar date between years 1000 and 9999.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day {
    year: i32,
    month: u32,
    day: u32,
}

impl Day {
    /// The day `year-month-day`, if that is a valid date in years 1000–9999.
    pub fn new(year: i32, month: u32, day: u32) -> Option<Day> {
        ((1000..=9999).contains(&year) && (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month))
            .then_some(Day { year, month, day })
    }

    /// The day a wire integer `yyyyMMdd` names, if valid.
    pub fn from_yyyymmdd(v: i64) -> Option<Day> {
        if !(10_000_101..=99_991_231).contains(&v) {
            return None;
        }
        Day::new((v / 10_000) as i32, ((v / 100) % 100) as u32, (v % 100) as u32)
    }

    /// The wire integer, e.g. `20240115`.
    pub fn yyyymmdd(self) -> i32 {
        self.year * 10_000 + self.month as i32 * 100 + self.day as i32
    }

    /// The month as the `yyyyMM` integer schedules use (`user_daily_shift.month`).
    pub fn yyyymm(self) -> i32 {
        self.year * 100 + self.month as i32
    }

    /// Year.
    pub fn year(self) -> i32 {
        self.year
    }

    /// Month, 1–12.
    pub fn month(self) -> u32 {
        self.month
    }

    /// Day of the month, 1–31 (`user_daily_shift.day_no`).
    pub fn day(self) -> u32 {
        self.day
    }

    /// Days since 1970-01-01.
    pub fn days_since_epoch(self) -> i64 {
        days_from_civil(self.year, self.month, self.day)
    }

    /// The day `n` days later (earlier when negative), if still in years 1000–9999.
    pub fn add_days(self, n: i64) -> Option<Day> {
        let (y, m, d) = civil_from_days(self.days_since_epoch().checked_add(n)?);
        Day::new(y, m, d)
    }

    /// Number of days from `self` to `other` (negative when `other` is earlier).
    pub fn days_until(self, other: Day) -> i64 {
        other.days_since_epoch() - self.days_since_epoch()
    }

    /// The first day of this day's month.
    pub fn first_of_month(self) -> Day {
        Day { day: 1, ..self }
    }

    /// The last day of this day's month.
    pub fn last_of_month(self) -> Day {
        Day { day: days_in_month(self.year, self.month), ..self }
    }

    /// Midnight UTC of this day, as an [`Instant`].
    pub fn midnight_utc(self) -> Instant {
        Instant(self.days_since_epoch() * 86_400)
    }

    /// Midnight of this day at a fixed UTC offset (e.g. `8 * 3600` for Asia/Shanghai).
    pub fn midnight_at_offset(self, offset_seconds: i64) -> Instant {
        Instant(self.days_since_epoch() * 86_400 - offset_seconds)
    }

    /// Splits `from..=to` into consecutive inclusive ranges of at most `max_days` days each.
    /// Empty when `to < from`; `max_days` 0 is treated as 1.
    pub fn chunks(from: Day, to: Day, max_days: u32) -> Vec<(Day, Day)> {
        let step = i64::from(max_days.max(1));
        let mut out = Vec::new();
        let mut start = from;
        while start <= to {
            let end = start.add_days(step - 1).map_or(to, |e| e.min(to));
            out.push((start, end));
            match end.add_days(1) {
                Some(next) => start = next,
                None => break,
            }
        }
        out
    }
}

impl fmt::Display for Day {
    /// Formats as the wire form `yyyyMMdd`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}{:02}{:02}", self.year, self.month, self.day)
    }
}

/// Error of parsing a [`Day`] or an [`Instant`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(String);

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ParseError {}

impl FromStr for Day {
    type Err = ParseError;

    /// Parses `yyyyMMdd` or `yyyy-MM-dd`.
    fn from_str(s: &str) -> Result<Day, ParseError> {
        let s = s.trim();
        let digits: String = if s.len() == 10 && s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-' {
            format!("{}{}{}", &s[..4], &s[5..7], &s[8..])
        } else {
            s.to_owned()
        };
        if digits.len() != 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ParseError(format!("{s:?} is not a day (yyyyMMdd or yyyy-MM-dd)")));
        }
        digits
            .parse::<i64>()
            .ok()
            .and_then(Day::from_yyyymmdd)
            .ok_or_else(|| ParseError(format!("{s:?} is not a valid calendar day")))
    }
}

impl Serialize for Day {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i32(self.yyyymmdd())
    }
}

impl<'de> Deserialize<'de> for Day {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Day, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            I(i64),
            S(String),
        }
        match Raw::deserialize(d)? {
            Raw::I(i) => Day::from_yyyymmdd(i).ok_or_else(|| de::Error::custom(format!("{i} is not a yyyyMMdd day"))),
            Raw::S(s) => s.parse().map_err(de::Error::custom),
        }
    }
}

/// A point in time with one-second precision: a *string* of Unix seconds on the wire
/// (`check_time`, `check_time_from`, `check_in_shift_time`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Instant(i64);

impl Instant {
    /// The instant `secs` seconds after the Unix epoch.
    pub const fn from_unix(secs: i64) -> Instant {
        Instant(secs)
    }

    /// Seconds since the Unix epoch.
    pub const fn unix(self) -> i64 {
        self.0
    }

    /// The current system time.
    pub fn now() -> Instant {
        Instant::from(std::time::SystemTime::now())
    }

    /// `secs` seconds later (earlier when negative).
    pub const fn add_seconds(self, secs: i64) -> Instant {
        Instant(self.0 + secs)
    }

    /// The wire form, e.g. `"1705280400"`.
    pub fn to_wire(self) -> String {
        self.0.to_string()
    }

    /// Parses the wire form (a decimal string of Unix seconds).
    pub fn parse_wire(s: &str) -> Option<Instant> {
        s.trim().parse::<i64>().ok().map(Instant)
    }
}

impl From<std::time::SystemTime> for Instant {
    fn from(t: std::time::SystemTime) -> Instant {
        match t.duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => Instant(d.as_secs() as i64),
            Err(e) => Instant(-(e.duration().as_secs() as i64)),
        }
    }
}

impl From<Instant> for String {
    fn from(i: Instant) -> String {
        i.to_wire()
    }
}

impl fmt::Display for Instant {
    /// Formats as the wire form (Unix seconds).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for Instant {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Instant, ParseError> {
        Instant::parse_wire(s).ok_or_else(|| ParseError(format!("{s:?} is not a string of Unix seconds")))
    }
}

impl Serialize for Instant {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Instant {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Instant, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            I(i64),
            S(String),
        }
        match Raw::deserialize(d)? {
            Raw::I(i) => Ok(Instant(i)),
            Raw::S(s) => s.parse().map_err(de::Error::custom),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_round_trips_and_validates() {
        let d = Day::from_yyyymmdd(20240229).unwrap();
        assert_eq!(d.yyyymmdd(), 20240229);
        assert_eq!(serde_json::to_string(&d).unwrap(), "20240229");
        assert_eq!(serde_json::from_str::<Day>("\"2024-02-29\"").unwrap(), d);
        assert!(Day::from_yyyymmdd(20230229).is_none());
        assert!(Day::from_yyyymmdd(20241301).is_none());
        assert!(serde_json::from_str::<Day>("1705280400").is_err());
        assert_eq!(d.add_days(1).unwrap().yyyymmdd(), 20240301);
        assert_eq!(d.add_days(-60).unwrap().yyyymmdd(), 20231231);
        assert_eq!(Day::new(1970, 1, 1).unwrap().days_since_epoch(), 0);
        assert_eq!(Day::new(2024, 1, 15).unwrap().midnight_utc().unix(), 1_705_276_800);
        assert_eq!(d.last_of_month().day(), 29);
    }

    #[test]
    fn day_chunks_cover_the_range() {
        let from = Day::new(2024, 1, 1).unwrap();
        let to = Day::new(2024, 3, 31).unwrap();
        let chunks = Day::chunks(from, to, 31);
        assert_eq!(chunks.len(), 3);
        assert_eq!(chunks[0], (from, Day::new(2024, 1, 31).unwrap()));
        assert_eq!(chunks[2].1, to);
        for w in chunks.windows(2) {
            assert_eq!(w[0].1.add_days(1).unwrap(), w[1].0);
        }
        assert!(Day::chunks(to, from, 31).is_empty());
    }

    #[test]
    fn instant_is_a_string_on_the_wire() {
        let t = Instant::from_unix(1_705_280_400);
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"1705280400\"");
        assert_eq!(serde_json::from_str::<Instant>("\"1705280400\"").unwrap(), t);
        assert_eq!(serde_json::from_str::<Instant>("1705280400").unwrap(), t);
        assert!(serde_json::from_str::<Instant>("\"2024-01-15\"").is_err());
    }
}
