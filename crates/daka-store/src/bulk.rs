//! Set-at-a-time SQL: multi-row `VALUES` lists and per-person range filters, so that an
//! operation on many rows costs a handful of statements instead of one per row. Every statement
//! stays under both backends' limits (SQLite: 32,766 bind parameters and an expression depth of
//! 1,000; PostgreSQL: 65,535 parameters).

use std::fmt::Write as _;

/// Most bind parameters one statement carries.
const MAX_PARAMS: usize = 16_000;

/// Most per-person range terms one `WHERE … OR …` filter carries.
pub(crate) const MAX_RANGES: usize = 200;

/// Rows per multi-row statement for a table of `columns` columns.
pub(crate) fn rows_per_statement(columns: usize) -> usize {
    (MAX_PARAMS / columns.max(1)).max(1)
}

/// `($1, $2, …), ($k+1, …)`: placeholders for `rows` rows of `columns` values.
pub(crate) fn values(rows: usize, columns: usize) -> String {
    let mut out = String::with_capacity(rows * columns * 5);
    for r in 0..rows {
        out.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..columns {
            let sep = if c == 0 { "" } else { ", " };
            let _ = write!(out, "{sep}${}", r * columns + c + 1);
        }
        out.push(')');
    }
    out
}

/// `1,2,3`: an id list for `IN (…)` (ids are integers daka made, never caller text).
pub(crate) fn id_list(ids: &[i64]) -> String {
    let mut out = String::with_capacity(ids.len() * 20);
    for (i, id) in ids.iter().enumerate() {
        let sep = if i == 0 { "" } else { "," };
        let _ = write!(out, "{sep}{id}");
    }
    out
}

/// `(person_id = p AND col >= lo AND col <= hi) OR …` for at most [`MAX_RANGES`] ranges, nested
/// as a balanced tree so long lists stay within SQLite's expression depth.
pub(crate) fn ranges_filter(person_column: &str, column: &str, ranges: &[(i64, i64, i64)]) -> String {
    match ranges {
        [] => "1 = 0".to_owned(),
        [(p, lo, hi)] => format!("({person_column} = {p} AND {column} >= {lo} AND {column} <= {hi})"),
        _ => {
            let (a, b) = ranges.split_at(ranges.len() / 2);
            format!("({} OR {})", ranges_filter(person_column, column, a), ranges_filter(person_column, column, b))
        }
    }
}

/// Per-person ranges `(person, lo, hi)` with overlapping or touching ranges of one person merged.
pub(crate) fn merge_ranges(mut ranges: Vec<(i64, i64, i64)>) -> Vec<(i64, i64, i64)> {
    ranges.sort_unstable();
    let mut out: Vec<(i64, i64, i64)> = Vec::with_capacity(ranges.len());
    for (p, lo, hi) in ranges {
        match out.last_mut() {
            Some(last) if last.0 == p && lo <= last.2.saturating_add(1) => last.2 = last.2.max(hi),
            _ => out.push((p, lo, hi)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_number_placeholders_row_by_row() {
        assert_eq!(values(2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(values(1, 1), "($1)");
    }

    #[test]
    fn ranges_filter_is_balanced() {
        let ranges: Vec<(i64, i64, i64)> = (0..4).map(|p| (p, 10, 20)).collect();
        let sql = ranges_filter("person_id", "day", &ranges);
        assert_eq!(
            sql,
            "(((person_id = 0 AND day >= 10 AND day <= 20) OR (person_id = 1 AND day >= 10 AND day <= 20)) OR \
             ((person_id = 2 AND day >= 10 AND day <= 20) OR (person_id = 3 AND day >= 10 AND day <= 20)))"
        );
        assert_eq!(ranges_filter("p", "d", &[]), "1 = 0");
    }

    #[test]
    fn merge_ranges_joins_touching_ranges_of_one_person() {
        let merged = merge_ranges(vec![(2, 5, 6), (1, 1, 3), (1, 4, 8), (1, 10, 11), (2, 1, 2)]);
        assert_eq!(merged, vec![(1, 1, 8), (1, 10, 11), (2, 1, 2), (2, 5, 6)]);
    }
}
