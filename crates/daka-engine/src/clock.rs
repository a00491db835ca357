//! Clock strings, local instants and minute truncation.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use std::fmt;

/// Largest clock time accepted by [`parse_clock`]: "48:00".
pub const MAX_CLOCK_MINUTE: i32 = 48 * 60;

/// Why a clock string was rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClockError {
    /// The string is empty (after trimming).
    Empty,
    /// No `:` or `：` separator.
    MissingColon(String),
    /// The hour part is not 1–2 digits.
    BadHour(String),
    /// The minute part is not exactly 2 digits.
    BadMinute(String),
    /// Minutes ≥ 60.
    MinuteOutOfRange(String),
    /// Later than 48:00.
    TooLate(String),
}

impl fmt::Display for ClockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClockError::Empty => write!(f, "clock time is empty"),
            ClockError::MissingColon(s) => {
                write!(f, "clock time {s:?} has no ':' between hours and minutes")
            }
            ClockError::BadHour(s) => write!(f, "clock time {s:?}: hour must be 1 or 2 digits"),
            ClockError::BadMinute(s) => {
                write!(f, "clock time {s:?}: minutes must be exactly 2 digits")
            }
            ClockError::MinuteOutOfRange(s) => {
                write!(f, "clock time {s:?}: minutes must be 00 to 59")
            }
            ClockError::TooLate(s) => write!(f, "clock time {s:?} is later than 48:00"),
        }
    }
}

impl std::error::Error for ClockError {}

/// Parses a Feishu clock string into minutes after local midnight: `"9:00"`, `"09:00"`,
/// `"26:00"` (next day 02:00) and the full-width colon `"9：00"` are accepted; surrounding
/// whitespace is ignored. The range is 0:00 ..= 48:00.
pub fn parse_clock(s: &str) -> Result<i32, ClockError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(ClockError::Empty);
    }
    let (h, m) =
        t.split_once(':').or_else(|| t.split_once('：')).ok_or_else(|| ClockError::MissingColon(t.to_string()))?;
    let digits = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
    if !digits(h) || h.len() > 2 {
        return Err(ClockError::BadHour(t.to_string()));
    }
    if !digits(m) || m.len() != 2 {
        return Err(ClockError::BadMinute(t.to_string()));
    }
    let hours: i32 = h.parse().map_err(|_| ClockError::BadHour(t.to_string()))?;
    let minutes: i32 = m.parse().map_err(|_| ClockError::BadMinute(t.to_string()))?;
    if minutes >= 60 {
        return Err(ClockError::MinuteOutOfRange(t.to_string()));
    }
    let total = hours * 60 + minutes;
    if total > MAX_CLOCK_MINUTE {
        return Err(ClockError::TooLate(t.to_string()));
    }
    Ok(total)
}

/// Formats minutes after local midnight the way Feishu does: no zero padding on the hour
/// (`540` → `"9:00"`, `1560` → `"26:00"`). Negative values get a leading `-`.
pub fn format_clock(minute: i32) -> String {
    let m = i64::from(minute);
    let sign = if m < 0 { "-" } else { "" };
    let a = m.abs();
    format!("{sign}{}:{:02}", a / 60, a % 60)
}

/// Days from 1970-01-01 to a civil date (proleptic Gregorian), used as a panic-free fallback.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The instant (unix seconds) of clock `minute` on local `day` in `tz`.
///
/// Minutes ≥ 1440 roll over into the following days ("26:00" = next day 02:00), negative
/// minutes into the previous days. The local wall-clock time is resolved DST-correctly with
/// jiff's "compatible" strategy: a local time that does not exist (spring-forward gap, e.g.
/// 02:30 on 2024-03-10 in America/New_York) resolves **forward** by the length of the gap
/// (03:30 EDT); a local time that exists twice (fall-back fold, 01:30 on 2024-11-03) resolves
/// to the **earlier** instant (01:30 EDT). Never panics: outside jiff's supported range the
/// result is computed as if the zone were UTC.
pub fn local_instant(day: Date, minute: i32, tz: &TimeZone) -> i64 {
    let days = i64::from(minute).div_euclid(1440);
    let rem = i64::from(minute).rem_euclid(1440);
    let fallback = || {
        (days_from_civil(i64::from(day.year()), i64::from(day.month()), i64::from(day.day())) + days) * 86_400
            + rem * 60
    };
    let date = if days == 0 {
        day
    } else {
        match day.checked_add(jiff::Span::new().days(days)) {
            Ok(d) => d,
            Err(_) => return fallback(),
        }
    };
    // rem < 1440 so both casts are in range.
    let dt = date.at((rem / 60) as i8, (rem % 60) as i8, 0, 0);
    match tz.to_ambiguous_timestamp(dt).compatible() {
        Ok(ts) => ts.as_second(),
        Err(_) => fallback(),
    }
}

/// The UTC offset in seconds of `tz` throughout `[at - span, at + span]`, if no transition
/// falls within it: every local time of that span is then its clock reading minus the offset,
/// as [`local_instant`] would resolve it.
pub(crate) fn steady_offset(at: i64, tz: &TimeZone, span: i64) -> Option<i64> {
    if let Ok(fixed) = tz.to_fixed_offset() {
        return Some(i64::from(fixed.seconds()));
    }
    let from = Timestamp::from_second(at.checked_sub(span)?).ok()?;
    let to = Timestamp::from_second(at.checked_add(span)?).ok()?;
    if tz.following(from).next().is_some_and(|t| t.timestamp() <= to) {
        return None;
    }
    Some(i64::from(tz.to_offset(from).seconds()))
}

/// Seconds from 1970-01-01 00:00 to clock `minute` of `day`, both on one local clock.
pub(crate) fn clock_seconds(day: Date, minute: i32) -> i64 {
    days_from_civil(i64::from(day.year()), i64::from(day.month()), i64::from(day.day())) * 86_400
        + i64::from(minute) * 60
}

/// UTC offset in seconds of `tz` at instant `at` (0 outside jiff's range).
pub(crate) fn offset_at(at: i64, tz: &TimeZone) -> i64 {
    match Timestamp::from_second(at) {
        Ok(ts) => i64::from(tz.to_offset(ts).seconds()),
        Err(_) => 0,
    }
}

/// The instant of the start of the local minute containing `at` ("09:00:59" → "09:00:00").
pub(crate) fn minute_floor(at: i64, tz: &TimeZone) -> i64 {
    let off = offset_at(at, tz);
    let local = at.saturating_add(off);
    local - local.rem_euclid(60) - off
}

/// Local civil date-time of an instant, for display.
pub(crate) fn civil(at: i64, tz: &TimeZone) -> Option<jiff::civil::DateTime> {
    Timestamp::from_second(at).ok().map(|ts| tz.to_offset(ts).to_datetime(ts))
}

/// "2024-01-15 09:07" in `tz` (or the raw number when out of range).
pub(crate) fn fmt_minute(at: i64, tz: &TimeZone) -> String {
    match civil(at, tz) {
        Some(dt) => format!("{:04}-{:02}-{:02} {:02}:{:02}", dt.year(), dt.month(), dt.day(), dt.hour(), dt.minute()),
        None => format!("@{at}"),
    }
}

/// "2024-01-15 09:07:30" in `tz`.
pub(crate) fn fmt_second(at: i64, tz: &TimeZone) -> String {
    match civil(at, tz) {
        Some(dt) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            dt.year(),
            dt.month(),
            dt.day(),
            dt.hour(),
            dt.minute(),
            dt.second()
        ),
        None => format!("@{at}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_feishu_forms() {
        assert_eq!(parse_clock("9:00"), Ok(540));
        assert_eq!(parse_clock("09:00"), Ok(540));
        assert_eq!(parse_clock("26:00"), Ok(1560));
        assert_eq!(parse_clock("9：00"), Ok(540));
        assert_eq!(parse_clock(" 18:30 "), Ok(1110));
        assert_eq!(parse_clock("0:00"), Ok(0));
        assert_eq!(parse_clock("48:00"), Ok(2880));
    }

    #[test]
    fn parse_rejects_with_named_problem() {
        assert_eq!(parse_clock(""), Err(ClockError::Empty));
        assert!(matches!(parse_clock("900"), Err(ClockError::MissingColon(_))));
        assert!(matches!(parse_clock("123:00"), Err(ClockError::BadHour(_))));
        assert!(matches!(parse_clock("a:00"), Err(ClockError::BadHour(_))));
        assert!(matches!(parse_clock("9:0"), Err(ClockError::BadMinute(_))));
        assert!(matches!(parse_clock("9:60"), Err(ClockError::MinuteOutOfRange(_))));
        assert!(matches!(parse_clock("48:01"), Err(ClockError::TooLate(_))));
        assert!(parse_clock("9:00").and_then(|_| parse_clock("x")).unwrap_err().to_string().contains("no ':'"));
    }

    #[test]
    fn format_round_trips() {
        assert_eq!(format_clock(540), "9:00");
        assert_eq!(format_clock(1560), "26:00");
        assert_eq!(format_clock(5), "0:05");
        assert_eq!(format_clock(-30), "-0:30");
        assert_eq!(format_clock(i32::MIN), "-35791394:08");
        for m in 0..=2880 {
            assert_eq!(parse_clock(&format_clock(m)), Ok(m));
        }
    }

    #[test]
    fn local_instant_is_dst_correct() {
        let ny = TimeZone::get("America/New_York").unwrap();
        let d = jiff::civil::date(2024, 3, 10);
        // 09:00 EDT = 13:00 UTC
        assert_eq!(local_instant(d, 540, &ny), 1_710_075_600);
        // 02:30 does not exist → 03:30 EDT = 07:30 UTC
        assert_eq!(local_instant(d, 150, &ny), 1_710_055_800);
        // midnight to midnight is 23 hours
        assert_eq!(local_instant(d, 1440, &ny) - local_instant(d, 0, &ny), 23 * 3600);
        let d = jiff::civil::date(2024, 11, 3);
        assert_eq!(local_instant(d, 1440, &ny) - local_instant(d, 0, &ny), 25 * 3600);
        // 01:30 exists twice → earlier (EDT, 05:30 UTC)
        assert_eq!(local_instant(d, 90, &ny), 1_730_611_800);
    }

    #[test]
    fn local_instant_never_panics() {
        let tz = TimeZone::UTC;
        let d = jiff::civil::date(9999, 12, 31);
        let _ = local_instant(d, i32::MAX, &tz);
        let _ = local_instant(d, i32::MIN, &tz);
        let d = jiff::civil::date(-9999, 1, 1);
        let _ = local_instant(d, i32::MIN, &tz);
        assert_eq!(local_instant(jiff::civil::date(1970, 1, 2), 0, &tz), 86_400);
        assert_eq!(days_from_civil(1970, 1, 2), 1);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    #[test]
    fn minute_floor_truncates_local() {
        let tz = TimeZone::get("Asia/Shanghai").unwrap();
        assert_eq!(minute_floor(1_705_280_459, &tz), 1_705_280_400);
        assert_eq!(minute_floor(1_705_280_400, &tz), 1_705_280_400);
        assert_eq!(minute_floor(-1, &TimeZone::UTC), -60);
    }
}
