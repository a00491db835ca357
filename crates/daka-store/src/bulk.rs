//! Set-at-a-time SQL: multi-row `VALUES` lists and per-person range filters, so that an
//! operation on many rows costs a handful of statements instead of one per row. Every statement
//! stays under both backends' limits (SQLite: 32,766 bind parameters and an expression depth of
//! 1,000; PostgreSQL: 65,535 parameters).

use std::fmt::Write as _;

use serde::de::DeserializeOwned;
use sqlx::{AnyConnection, Row};

use crate::{Backend, Error, Result};

/// Most bind parameters one statement carries.
const MAX_PARAMS: usize = 16_000;

/// Most per-person ranges one [`from_ranges`] carries.
pub(crate) const MAX_RANGES: usize = 1000;

/// Rows per multi-row statement for a table of `columns` columns.
pub(crate) fn rows_per_statement(columns: usize) -> usize {
    (MAX_PARAMS / columns.max(1)).max(1)
}

/// Placeholders for `count` values bound from position `first` (1-based) on, comma-separated:
/// `$first, …` on PostgreSQL, anonymous `?, …` on SQLite. sqlx finds a named SQLite parameter's
/// position by name, which costs time linear in the statement's parameter count for each one, so
/// statements with many parameters use anonymous ones there — and then only anonymous ones, in
/// binding order.
pub(crate) fn params(backend: Backend, first: usize, count: usize) -> String {
    let mut out = String::with_capacity(count * 6);
    for i in 0..count {
        let sep = if i == 0 { "" } else { ", " };
        match backend {
            Backend::Sqlite => {
                let _ = write!(out, "{sep}?");
            }
            Backend::Postgres => {
                let _ = write!(out, "{sep}${}", first + i);
            }
        }
    }
    out
}

/// `(…), (…)`: [`params`] for `rows` rows of `columns` values, bound row by row.
pub(crate) fn values(backend: Backend, rows: usize, columns: usize) -> String {
    let mut out = String::with_capacity(rows * (columns * 6 + 4));
    for r in 0..rows {
        out.push_str(if r == 0 { "(" } else { ", (" });
        out.push_str(&params(backend, r * columns + 1, columns));
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

/// `FROM (VALUES (p, lo, hi), …) AS wanted JOIN <table> ON …`: the rows of `table` whose
/// `person_column` is p and `column` lies in `lo..=hi`, for at most [`MAX_RANGES`] ranges. The
/// planner walks the list once, an index look-up per range (a long `OR` of ranges costs SQLite
/// time quadratic in its length to plan).
pub(crate) fn from_ranges(table: &str, person_column: &str, column: &str, ranges: &[(i64, i64, i64)]) -> String {
    if ranges.is_empty() {
        return format!("FROM {table} WHERE 1 = 0");
    }
    let mut list = String::with_capacity(ranges.len() * 40);
    for (i, (p, lo, hi)) in ranges.iter().enumerate() {
        let sep = if i == 0 { "" } else { ", " };
        let _ = write!(list, "{sep}({p}, {lo}, {hi})");
    }
    format!(
        "FROM (VALUES {list}) AS wanted JOIN {table} ON {table}.{person_column} = wanted.column1 \
         AND {table}.{column} >= wanted.column2 AND {table}.{column} <= wanted.column3"
    )
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

/// A column of a [`json_rows`] read.
#[derive(Clone, Copy)]
pub(crate) enum Col<'a> {
    /// A scalar column (number, text or NULL).
    Value(&'a str),
    /// A text column holding JSON, embedded as JSON rather than as a string.
    Json(&'a str),
}

/// A value bound to a [`json_rows`] placeholder.
#[derive(Clone, Copy)]
pub(crate) enum Bind<'a> {
    /// An integer.
    Int(i64),
    /// A text.
    Text(&'a str),
}

impl Col<'_> {
    /// The column's name.
    pub(crate) fn name(&self) -> &str {
        match self {
            Col::Value(name) | Col::Json(name) => name,
        }
    }
}

/// The backend a connection talks to.
pub(crate) fn backend_of(conn: &AnyConnection) -> Backend {
    if conn.backend_name().eq_ignore_ascii_case("postgresql") {
        Backend::Postgres
    } else {
        Backend::Sqlite
    }
}

/// Reads many rows as one value: `SELECT <columns> <rest>` with every row aggregated by the
/// database into a JSON array of arrays (in `order`, an `ORDER BY` list, unless it is empty),
/// decoded into `T` (a tuple or tuple struct in column order). One value crosses the driver
/// instead of one per column and row — on SQLite each row is otherwise a hand-off between sqlx's
/// worker thread and the caller's, and a conversion of the row's column list — which is what
/// makes reads of many rows cheap. `rest` is the `FROM … WHERE …` part; `$1…` bind `binds`.
pub(crate) async fn json_rows<T: DeserializeOwned>(
    conn: &mut AnyConnection,
    columns: &[Col<'_>],
    rest: &str,
    order: &str,
    binds: &[Bind<'_>],
) -> Result<Vec<T>> {
    let backend = backend_of(conn);
    let list = columns
        .iter()
        .map(|c| match (c, backend) {
            (Col::Value(name), _) => (*name).to_owned(),
            (Col::Json(name), Backend::Sqlite) => format!("json({name})"),
            (Col::Json(name), Backend::Postgres) => format!("{name}::json"),
        })
        .collect::<Vec<_>>()
        .join(", ");
    let order = if order.is_empty() { String::new() } else { format!(" ORDER BY {order}") };
    let select = match backend {
        Backend::Sqlite => format!("SELECT json_group_array(json_array({list}){order}) {rest}"),
        Backend::Postgres => {
            format!("SELECT COALESCE(json_agg(json_build_array({list}){order}), '[]'::json)::text {rest}")
        }
    };
    let mut q = sqlx::query(sqlx::AssertSqlSafe(select)).persistent(false);
    for b in binds {
        q = match *b {
            Bind::Int(v) => q.bind(v),
            Bind::Text(v) => q.bind(v),
        };
    }
    let text: String = q.fetch_one(&mut *conn).await?.try_get(0)?;
    serde_json::from_str(&text).map_err(|e| Error::Corrupt(format!("reading rows as JSON: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_number_placeholders_row_by_row() {
        assert_eq!(values(Backend::Postgres, 2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(values(Backend::Postgres, 1, 1), "($1)");
        assert_eq!(values(Backend::Sqlite, 2, 2), "(?, ?), (?, ?)");
        assert_eq!(params(Backend::Postgres, 3, 2), "$3, $4");
    }

    #[test]
    fn from_ranges_joins_a_values_list() {
        let sql = from_ranges("results", "person_id", "day", &[(1, 10, 20), (2, 5, 6)]);
        assert_eq!(
            sql,
            "FROM (VALUES (1, 10, 20), (2, 5, 6)) AS wanted JOIN results ON results.person_id = wanted.column1 \
             AND results.day >= wanted.column2 AND results.day <= wanted.column3"
        );
        assert_eq!(from_ranges("results", "person_id", "day", &[]), "FROM results WHERE 1 = 0");
    }

    #[test]
    fn merge_ranges_joins_touching_ranges_of_one_person() {
        let merged = merge_ranges(vec![(2, 5, 6), (1, 1, 3), (1, 4, 8), (1, 10, 11), (2, 1, 2)]);
        assert_eq!(merged, vec![(1, 1, 8), (1, 10, 11), (2, 1, 2), (2, 5, 6)]);
    }
}
