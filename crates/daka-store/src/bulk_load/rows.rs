//! Rows written many to a statement on the bulk connection.
//!
//! SQLite pays a statement's fixed work — opening a cursor on the table and each index,
//! seeking from the root, halting and resetting — once per execution; with many rows to an
//! execution it is paid once for them all, and a cursor that stays open turns an append into
//! an append rather than a seek. A column that holds one value in every row (an import's
//! tenant, kind, empty remark, creation time…) is bound once, as one parameter that every row
//! names.

use rusqlite::types::{ToSqlOutput, Value};
use rusqlite::Connection;

use crate::{Error, Result};

/// Rows per execution (with few columns varying, well under SQLite's 32,766 parameters).
const ROWS: usize = 256;

/// How rows of one kind are written.
pub(super) struct Insert<R> {
    /// `INSERT OR ROLLBACK INTO table (column, …)`: the row columns, then the shared ones.
    /// (A failing row ends the batch's transaction anyway; `OR ROLLBACK` says so, and SQLite
    /// then keeps no statement journal of the pages each execution changes.)
    pub head: &'static str,
    /// The number of row columns `head` names first.
    pub columns: usize,
    /// What follows the rows (an upsert's `ON CONFLICT …`), or nothing.
    pub tail: &'static str,
    /// The value of column `c` (0-based) of a row.
    pub value: for<'r> fn(&'r R, usize) -> rusqlite::Result<ToSqlOutput<'r>>,
    /// The columns (bit `c` for column `c`) in which two rows differ.
    pub differs: fn(&R, &R) -> u64,
}

/// An [`Insert`] of rows of type `R`: `insert!(R, head, tail, |row| [value, …])`, one value
/// (a place that is [`ToSql`](rusqlite::types::ToSql) and `PartialEq`) for each row column of
/// `head`, in its order (at most 64).
macro_rules! insert {
    ($row:ty, $head:expr, $tail:expr, |$r:ident| [$($value:expr),+ $(,)?]) => {
        $crate::bulk_load::rows::Insert::<$row> {
            head: $head,
            columns: [$(stringify!($value)),+].len(),
            tail: $tail,
            value: |$r: &$row, c: usize| {
                let mut i = 0;
                $(
                    if c == i {
                        return rusqlite::types::ToSql::to_sql(&$value);
                    }
                    i += 1;
                )+
                Err(rusqlite::Error::InvalidColumnIndex(i))
            },
            differs: |a: &$row, b: &$row| {
                let (mut mask, mut bit) = (0u64, 1u64);
                $(
                    {
                        let $r = a;
                        let x = &$value;
                        let $r = b;
                        if *x != $value {
                            mask |= bit;
                        }
                    }
                    bit <<= 1;
                )+
                let _ = bit;
                mask
            },
        }
    };
}
pub(super) use insert;

impl<R> Insert<R> {
    /// `rows` to write with `shared` in the columns after theirs, their common values found
    /// now (on the importing task, not the writer).
    pub fn rows(&'static self, rows: Vec<R>, shared: Vec<Value>) -> Result<Rows<R>> {
        let mut constant = Vec::with_capacity(self.columns + shared.len());
        if let Some(first) = rows.first() {
            let all = u64::MAX >> (64 - self.columns.clamp(1, 64));
            let mut varies = 0;
            for row in &rows[1..] {
                varies |= (self.differs)(first, row);
                if varies == all {
                    break;
                }
            }
            for c in 0..self.columns {
                let same = varies & (1 << c) == 0;
                constant.push(same.then(|| (self.value)(first, c).map_err(Error::from).and_then(owned)).transpose()?);
            }
        }
        constant.extend(shared.into_iter().map(Some));
        Ok(Rows { insert: self, rows, constant })
    }

    /// The statement writing `rows` rows: constants are `?1…`, then each row's varying columns.
    fn sql(&self, constant: &[Option<Value>], rows: usize) -> String {
        let fixed = constant.iter().flatten().count();
        let varying = constant.len() - fixed;
        let mut sql = String::with_capacity(self.head.len() + self.tail.len() + 16 + rows * constant.len() * 7);
        sql.push_str(self.head);
        sql.push_str(" VALUES ");
        for r in 0..rows {
            sql.push_str(if r == 0 { "(" } else { ",(" });
            let (mut k, mut v) = (0, 0);
            for (c, value) in constant.iter().enumerate() {
                if c > 0 {
                    sql.push(',');
                }
                let n = match value {
                    Some(_) => {
                        k += 1;
                        k
                    }
                    None => {
                        v += 1;
                        fixed + r * varying + v
                    }
                };
                sql.push('?');
                sql.push_str(&n.to_string());
            }
            sql.push(')');
        }
        if !self.tail.is_empty() {
            sql.push(' ');
            sql.push_str(self.tail);
        }
        sql
    }
}

/// Rows for [`Insert`], with each column's one value throughout them (row columns, then the
/// shared ones), or none where it varies.
pub(super) struct Rows<R: 'static> {
    insert: &'static Insert<R>,
    rows: Vec<R>,
    constant: Vec<Option<Value>>,
}

impl<R> Rows<R> {
    /// Writes the rows, [`ROWS`] to an execution (the last few one by one).
    pub fn write(&self, conn: &Connection) -> Result<()> {
        let (insert, rows, constant) = (self.insert, &self.rows, &self.constant);
        if rows.is_empty() {
            return Ok(());
        }
        let varying: Vec<usize> = (0..insert.columns).filter(|&c| constant[c].is_none()).collect();
        let fixed = constant.iter().flatten().count();
        let whole = rows.len() - rows.len() % ROWS;
        for (size, part) in [(ROWS, &rows[..whole]), (1, &rows[whole..])] {
            if part.is_empty() {
                continue;
            }
            let mut stmt = conn.prepare_cached(&insert.sql(constant, size))?;
            for (i, value) in constant.iter().flatten().enumerate() {
                stmt.raw_bind_parameter(i + 1, value)?;
            }
            for chunk in part.chunks(size) {
                let mut index = fixed;
                for row in chunk {
                    for &c in &varying {
                        index += 1;
                        stmt.raw_bind_parameter(index, (insert.value)(row, c)?)?;
                    }
                }
                stmt.raw_execute()?;
            }
        }
        Ok(())
    }

    /// Keeps the rows `keep` returns of them, and what else it returns (a column with one
    /// value throughout the rows has it throughout any part of them).
    pub fn split<T>(self, keep: impl FnOnce(Vec<R>) -> (Vec<R>, T)) -> (Rows<R>, T) {
        let (rows, rest) = keep(self.rows);
        (Rows { rows, ..self }, rest)
    }

    /// The rows back.
    pub fn into_rows(self) -> Vec<R> {
        self.rows
    }
}

/// An owned copy of a value to bind.
fn owned(value: ToSqlOutput<'_>) -> Result<Value> {
    match value {
        ToSqlOutput::Borrowed(v) => Value::try_from(v).map_err(|e| Error::Corrupt(e.to_string())),
        ToSqlOutput::Owned(v) => Ok(v),
        _ => Err(Error::Corrupt("a bulk row value that is neither borrowed nor owned".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Row {
        id: i64,
        group: &'static str,
        note: Option<String>,
    }

    static ROWS_OF: Insert<Row> = insert!(Row, "INSERT INTO t (id, grp, note, at)", "", |r| [r.id, r.group, r.note]);

    fn row(id: i64, group: &'static str, note: Option<&str>) -> Row {
        Row { id, group, note: note.map(str::to_owned) }
    }

    #[test]
    fn constant_columns_are_one_parameter_and_the_rest_one_per_row() {
        let rows =
            ROWS_OF.rows(vec![row(1, "a", None), row(2, "a", Some("x"))], vec![Value::from(7i64)]).expect("rows");
        assert_eq!((ROWS_OF.differs)(&row(1, "a", None), &row(2, "a", Some("x"))), 0b101);
        assert_eq!((ROWS_OF.differs)(&row(1, "a", None), &row(1, "b", None)), 0b010);
        let fixed: Vec<bool> = rows.constant.iter().map(Option::is_some).collect();
        assert_eq!(fixed, [false, true, false, true]);
        assert_eq!(
            ROWS_OF.sql(&rows.constant, 2),
            "INSERT INTO t (id, grp, note, at) VALUES (?3,?1,?4,?2),(?5,?1,?6,?2)"
        );
    }

    #[test]
    fn every_row_is_written_whatever_varies() {
        let conn = Connection::open_in_memory().expect("db");
        conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, grp TEXT NOT NULL, note TEXT, at INTEGER)")
            .expect("table");
        let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).expect(sql) };
        // 600 rows: two whole executions and 88 rows one by one; the group is the same in
        // all, the note in all but the last.
        let rows: Vec<Row> = (0..600).map(|i| row(i, "g", (i != 599).then_some("n"))).collect();
        ROWS_OF.rows(rows, vec![Value::from(7i64)]).expect("rows").write(&conn).expect("insert");
        assert_eq!(count("SELECT COUNT(*) FROM t WHERE grp = 'g' AND at = 7"), 600);
        assert_eq!(count("SELECT COUNT(note) FROM t"), 599);
        assert_eq!(count("SELECT COUNT(*) FROM t WHERE id = 599 AND note IS NULL"), 1);
        assert_eq!(count("SELECT SUM(id) FROM t"), (0..600).sum::<i64>());
        // One row alone, and none.
        ROWS_OF.rows(vec![row(1000, "h", None)], vec![Value::Null]).expect("rows").write(&conn).expect("one");
        let none = ROWS_OF.rows(Vec::new(), vec![Value::Null]).expect("rows");
        none.write(&conn).expect("none");
        assert!(none.into_rows().is_empty());
        assert_eq!(count("SELECT COUNT(*) FROM t"), 601);
        assert_eq!(count("SELECT COUNT(*) FROM t WHERE id = 1000 AND grp = 'h' AND at IS NULL"), 1);
    }
}
