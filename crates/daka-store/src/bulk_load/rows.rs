//! Rows written many to a statement on the bulk connection.
//!
//! SQLite pays a statement's fixed work — opening a cursor on the table and each index,
//! seeking from the root, halting and resetting — once per execution; with many rows to an
//! execution it is paid once for them all, and a cursor that stays open turns an append into
//! an append rather than a seek. A column that holds one value in every row (an import's
//! tenant, kind, empty remark, creation time…) is bound once, as one parameter that every row
//! names.

use rusqlite::types::ToSqlOutput;
use rusqlite::Connection;

use crate::Result;

/// Rows per execution (with few columns varying, well under SQLite's 32,766 parameters).
const ROWS: usize = 256;

/// How rows of one kind are written.
pub(super) struct Insert<R> {
    /// `INSERT INTO table (column, …)`: the row's columns, then those [`Self::run`] is given
    /// one value of for every row.
    pub head: &'static str,
    /// The number of row columns `head` names first.
    pub columns: usize,
    /// What follows the rows (an upsert's `ON CONFLICT …`), or nothing.
    pub tail: &'static str,
    /// The value of column `c` (0-based) of a row.
    pub value: for<'r> fn(&'r R, usize) -> rusqlite::Result<ToSqlOutput<'r>>,
}

impl<R> Insert<R> {
    /// Writes `rows` with `shared` in the columns after theirs, [`ROWS`] to an execution (the
    /// last few one by one).
    pub fn run(&self, conn: &Connection, rows: &[R], shared: &[ToSqlOutput<'_>]) -> Result<()> {
        let Some(first) = rows.first() else { return Ok(()) };
        let mut constant = Vec::with_capacity(self.columns + shared.len());
        for c in 0..self.columns {
            let value = (self.value)(first, c)?;
            let mut same = true;
            for row in &rows[1..] {
                if (self.value)(row, c)? != value {
                    same = false;
                    break;
                }
            }
            constant.push(same.then_some(value));
        }
        constant.extend(shared.iter().cloned().map(Some));
        let varying: Vec<usize> = (0..self.columns).filter(|&c| constant[c].is_none()).collect();
        let fixed = constant.iter().flatten().count();
        let whole = rows.len() - rows.len() % ROWS;
        for (size, part) in [(ROWS, &rows[..whole]), (1, &rows[whole..])] {
            if part.is_empty() {
                continue;
            }
            let mut stmt = conn.prepare_cached(&self.sql(&constant, size))?;
            for (i, value) in constant.iter().flatten().enumerate() {
                stmt.raw_bind_parameter(i + 1, value)?;
            }
            for chunk in part.chunks(size) {
                let mut index = fixed;
                for row in chunk {
                    for &c in &varying {
                        index += 1;
                        stmt.raw_bind_parameter(index, (self.value)(row, c)?)?;
                    }
                }
                stmt.raw_execute()?;
            }
        }
        Ok(())
    }

    /// The statement writing `rows` rows: constants are `?1…`, then each row's varying columns.
    fn sql(&self, constant: &[Option<ToSqlOutput<'_>>], rows: usize) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::types::ToSql;

    struct Row {
        id: i64,
        group: &'static str,
        note: Option<String>,
    }

    const ROWS_OF: Insert<Row> = Insert {
        head: "INSERT INTO t (id, grp, note)",
        columns: 3,
        tail: "",
        value: |r, c| match c {
            0 => r.id.to_sql(),
            1 => r.group.to_sql(),
            _ => r.note.to_sql(),
        },
    };

    #[test]
    fn constant_columns_are_one_parameter_and_the_rest_one_per_row() {
        let fixed = [Some(ToSqlOutput::from("a")), None, None];
        assert_eq!(
            Insert { head: "INSERT INTO t (grp, id, note)", ..ROWS_OF }.sql(&fixed, 2),
            "INSERT INTO t (grp, id, note) VALUES (?1,?2,?3),(?1,?4,?5)"
        );
    }

    #[test]
    fn every_row_is_written_whatever_varies() {
        let conn = Connection::open_in_memory().expect("db");
        conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, grp TEXT NOT NULL, note TEXT)").expect("table");
        // 600 rows: two whole executions and 88 rows one by one; the group is the same in
        // all, the note in all but one.
        let rows: Vec<Row> =
            (0..600).map(|i| Row { id: i, group: "g", note: (i != 599).then(|| "n".to_owned()) }).collect();
        ROWS_OF.run(&conn, &rows, &[]).expect("insert");
        let (n, notes, last): (i64, i64, Option<String>) = conn
            .query_row("SELECT COUNT(*), COUNT(note), (SELECT note FROM t WHERE id = 599) FROM t", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .expect("count");
        assert_eq!((n, notes, last), (600, 599, None));
        let groups: i64 = conn.query_row("SELECT COUNT(*) FROM t WHERE grp = 'g'", [], |r| r.get(0)).expect("g");
        assert_eq!(groups, 600);
        // One row alone, and none.
        ROWS_OF.run(&conn, &[Row { id: 1000, group: "h", note: None }], &[]).expect("one");
        ROWS_OF.run(&conn, &[], &[]).expect("none");
        let total: i64 = conn.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0)).expect("count");
        assert_eq!(total, 601);
        // A shared column, bound once for both rows.
        conn.execute_batch("ALTER TABLE t ADD COLUMN at INTEGER").expect("column");
        let shared = Insert { head: "INSERT INTO t (id, grp, note, at)", ..ROWS_OF };
        let two = [Row { id: 2000, group: "s", note: None }, Row { id: 2001, group: "s", note: None }];
        shared.run(&conn, &two, &[ToSqlOutput::from(7i64)]).expect("shared");
        let at: i64 = conn.query_row("SELECT SUM(at) FROM t WHERE grp = 's'", [], |r| r.get(0)).expect("sum");
        assert_eq!(at, 14);
    }
}
