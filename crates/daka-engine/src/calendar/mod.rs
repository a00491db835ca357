//! Statutory holiday calendars.
//!
//! Only China mainland (Feishu `calendar_id` 1) is built in, for 2022–2026, from the State
//! Council General Office notices (国务院办公厅关于<year>年部分节假日安排的通知); the data is the
//! table in `cn.csv`, compiled into the crate.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// How a statutory calendar classifies a date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CalendarDay {
    /// 放假: a rest day even if it falls on a weekday.
    Holiday,
    /// 调休上班: a working day even if it falls on a weekend.
    AdjustedWorkday,
    /// Not mentioned by the calendar: the group's weekly pattern decides.
    Normal,
}

/// One row of a holiday table: `[from, to]` inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct CalendarEntry {
    /// First date.
    pub from: Date,
    /// Last date (inclusive).
    pub to: Date,
    /// Holiday or adjusted working day.
    pub kind: CalendarDay,
    /// The festival's Chinese name, e.g. "春节" or "春节调休".
    pub name: &'static str,
}

const CN_CSV: &str = include_str!("cn.csv");

fn parse_date(s: &str) -> Option<Date> {
    s.trim().parse::<Date>().ok()
}

/// The China mainland table (2022–2026), parsed once.
pub fn cn_calendar_entries() -> &'static [CalendarEntry] {
    static TABLE: OnceLock<Vec<CalendarEntry>> = OnceLock::new();
    TABLE.get_or_init(|| {
        CN_CSV
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .filter_map(|l| {
                let mut it = l.split(',');
                let from = parse_date(it.next()?)?;
                let to = parse_date(it.next()?)?;
                let kind = match it.next()?.trim() {
                    "holiday" => CalendarDay::Holiday,
                    "workday" => CalendarDay::AdjustedWorkday,
                    _ => return None,
                };
                let name = it.next()?.trim();
                Some(CalendarEntry { from, to, kind, name })
            })
            .collect()
    })
}

/// China mainland statutory holiday calendar (calendar_id 1), 2022–2026: whether `day` is a
/// holiday (rest), an adjusted working day (调休上班) or normal. Dates outside 2022–2026 are
/// `Normal` (no data).
pub fn cn_calendar(day: Date) -> CalendarDay {
    cn_calendar_entries().iter().find(|e| e.from <= day && day <= e.to).map_or(CalendarDay::Normal, |e| e.kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn table_parses_completely() {
        let rows = CN_CSV.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')).count();
        assert_eq!(cn_calendar_entries().len(), rows);
        for e in cn_calendar_entries() {
            assert!(e.from <= e.to, "{e:?}");
            // adjusted working days are weekends, by definition
            if e.kind == CalendarDay::AdjustedWorkday {
                let mut d = e.from;
                while d <= e.to {
                    assert!(d.weekday().to_monday_one_offset() >= 6, "{d} is not a weekend");
                    d = d.tomorrow().unwrap();
                }
            }
        }
        // no date is both
        for a in cn_calendar_entries() {
            for b in cn_calendar_entries() {
                if a.kind != b.kind {
                    assert!(a.to < b.from || b.to < a.from, "{a:?} overlaps {b:?}");
                }
            }
        }
    }

    #[test]
    fn known_dates() {
        assert_eq!(cn_calendar(date(2024, 2, 10)), CalendarDay::Holiday);
        assert_eq!(cn_calendar(date(2024, 2, 17)), CalendarDay::Holiday);
        assert_eq!(cn_calendar(date(2024, 2, 4)), CalendarDay::AdjustedWorkday);
        assert_eq!(cn_calendar(date(2024, 2, 19)), CalendarDay::Normal);
        assert_eq!(cn_calendar(date(2022, 12, 31)), CalendarDay::Holiday);
        assert_eq!(cn_calendar(date(2023, 6, 25)), CalendarDay::AdjustedWorkday);
        assert_eq!(cn_calendar(date(2025, 10, 8)), CalendarDay::Holiday);
        assert_eq!(cn_calendar(date(2025, 9, 28)), CalendarDay::AdjustedWorkday);
        assert_eq!(cn_calendar(date(2026, 2, 23)), CalendarDay::Holiday);
        assert_eq!(cn_calendar(date(2026, 2, 28)), CalendarDay::AdjustedWorkday);
        assert_eq!(cn_calendar(date(2026, 1, 4)), CalendarDay::AdjustedWorkday);
        assert_eq!(cn_calendar(date(2021, 10, 1)), CalendarDay::Normal);
        assert_eq!(cn_calendar(date(2027, 1, 1)), CalendarDay::Normal);
    }

    #[test]
    fn holiday_day_counts_per_year() {
        // Days off announced per year (including weekends inside the ranges).
        let count = |y: i16| {
            let mut n = 0;
            let mut d = date(y, 1, 1);
            while d.year() == y {
                if cn_calendar(d) == CalendarDay::Holiday {
                    n += 1;
                }
                d = d.tomorrow().unwrap();
            }
            n
        };
        // 2022: 3+7+3+5+3+3+7 (+ 2022-12-31 from the 2023 notice)
        assert_eq!(count(2022), 32);
        // 2023: 2+7+1+5+3+8
        assert_eq!(count(2023), 26);
        // 2024: 1+8+3+5+1+3+7
        assert_eq!(count(2024), 28);
        // 2025: 1+8+3+5+3+8
        assert_eq!(count(2025), 28);
        // 2026: 3+9+3+5+3+3+7
        assert_eq!(count(2026), 33);
    }
}
