//! People (contact users) and their employment periods.
//!
//! A person is an internal id. `user_id` (= attendance `employee_id`) and `employee_no` are
//! attributes that a later hire may reuse once the earlier holder has left, so an id resolves to
//! a person *at an instant*: the one whose employment period `[employed_from, left_at)` contains
//! it.

use std::collections::HashMap;

use sqlx::{Any, AnyConnection};

use crate::bulk::{self, Bind, Col};
use crate::ids::random_hex;
use crate::{Error, Result, Store};

/// Which attribute an external id names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdKind {
    /// `user_id` / attendance `employee_id`.
    UserId,
    /// Staff number (`employee_no`).
    EmployeeNo,
    /// Contact `open_id`.
    OpenId,
    /// Contact `union_id`.
    UnionId,
}

impl IdKind {
    fn column(self) -> &'static str {
        match self {
            IdKind::UserId => "user_id",
            IdKind::EmployeeNo => "employee_no",
            IdKind::OpenId => "open_id",
            IdKind::UnionId => "union_id",
        }
    }
}

/// A person as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    /// Internal id.
    pub id: i64,
    /// Tenant.
    pub tenant_id: i64,
    /// Contact `user_id` (= attendance `employee_id`).
    pub user_id: String,
    /// `ou_…`.
    pub open_id: String,
    /// `on_…`.
    pub union_id: String,
    /// Display name.
    pub name: String,
    /// Staff number.
    pub employee_no: Option<String>,
    /// `join_time` as given, Unix seconds.
    pub join_time: Option<i64>,
    /// Start of the employment period; `None` = since always.
    pub employed_from: Option<i64>,
    /// End of the employment period (exclusive); `None` = still employed.
    pub left_at: Option<i64>,
    /// Other contact fields, as JSON, echoed back on reads.
    pub attrs: serde_json::Map<String, serde_json::Value>,
    /// Revision of the person's stored results: changes in the transaction of every write to
    /// them, so a copy rendered at one revision is current while the revision is unchanged.
    pub results_rev: i64,
}

impl Person {
    /// The id of this person of the given kind ("" when the person has no staff number).
    pub fn id_of(&self, kind: IdKind) -> &str {
        match kind {
            IdKind::UserId => &self.user_id,
            IdKind::EmployeeNo => self.employee_no.as_deref().unwrap_or(""),
            IdKind::OpenId => &self.open_id,
            IdKind::UnionId => &self.union_id,
        }
    }

    /// Whether the person was employed at `t`.
    pub fn employed_at(&self, t: i64) -> bool {
        self.employed_from.is_none_or(|f| f <= t) && self.left_at.is_none_or(|l| t < l)
    }
}

/// What is needed to register a person.
#[derive(Debug, Clone, Default)]
pub struct NewPerson {
    /// Contact `user_id`; generated when absent.
    pub user_id: Option<String>,
    /// Display name.
    pub name: String,
    /// Staff number.
    pub employee_no: Option<String>,
    /// Start of employment, Unix seconds.
    pub join_time: Option<i64>,
    /// Other contact fields, kept as sent.
    pub attrs: serde_json::Map<String, serde_json::Value>,
}

/// A `people` row in [`PERSON`] order, as [`bulk::json_rows`] returns it.
#[derive(serde::Deserialize)]
struct PersonRow(
    i64,
    i64,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    serde_json::Map<String, serde_json::Value>,
    i64,
);

/// The columns of [`PersonRow`].
const PERSON: [Col<'static>; 12] = [
    Col::Value("id"),
    Col::Value("tenant_id"),
    Col::Value("user_id"),
    Col::Value("open_id"),
    Col::Value("union_id"),
    Col::Value("name"),
    Col::Value("employee_no"),
    Col::Value("join_time"),
    Col::Value("employed_from"),
    Col::Value("left_at"),
    Col::Json("attrs"),
    Col::Value("results_rev"),
];

impl From<PersonRow> for Person {
    fn from(r: PersonRow) -> Self {
        Person {
            id: r.0,
            tenant_id: r.1,
            user_id: r.2,
            open_id: r.3,
            union_id: r.4,
            name: r.5,
            employee_no: r.6,
            join_time: r.7,
            employed_from: r.8,
            left_at: r.9,
            attrs: r.10,
            results_rev: r.11,
        }
    }
}

/// People `WHERE <filter>` (`$1…` bound to `binds`), oldest first.
async fn people_where(conn: &mut AnyConnection, filter: &str, binds: &[Bind<'_>]) -> Result<Vec<Person>> {
    let rows: Vec<PersonRow> =
        bulk::json_rows(conn, &PERSON, &format!("FROM people WHERE {filter}"), "created_at, id", binds).await?;
    Ok(rows.into_iter().map(Person::from).collect())
}

/// Picks from `holders` (oldest first) the active person, else the one who left last.
fn current(holders: Vec<Person>) -> Option<Person> {
    let active = holders.iter().position(|p| p.left_at.is_none());
    match active {
        Some(i) => holders.into_iter().nth(i),
        None => holders.into_iter().max_by_key(|p| p.left_at),
    }
}

impl Store {
    /// Registers a person. Fails when an employed person holds the same `user_id` or
    /// `employee_no`, or when `join_time` falls inside a previous holder's employment.
    pub async fn create_person(&self, tenant_id: i64, new: NewPerson, now: i64) -> Result<Person> {
        let mut w = self.write().await?;
        let person = self.create_person_in(&mut w.tx, tenant_id, new, now).await?;
        w.commit().await?;
        Ok(person)
    }

    /// [`Store::create_person`] inside an open transaction (bulk imports).
    pub async fn create_person_in(
        &self,
        tx: &mut sqlx::Transaction<'static, Any>,
        tenant_id: i64,
        new: NewPerson,
        now: i64,
    ) -> Result<Person> {
        let user_id = new.user_id.filter(|u| !u.is_empty()).unwrap_or_else(|| random_hex(4));
        if user_id.len() > 64 || user_id.chars().any(char::is_whitespace) {
            return Err(Error::Invalid("user.user_id must be at most 64 characters without spaces".into()));
        }
        if new.name.trim().is_empty() {
            return Err(Error::Invalid("user.name is required".into()));
        }
        let employee_no = new.employee_no.filter(|e| !e.is_empty());
        let mut previous_left: Option<i64> = None;
        let mut checks = vec![(IdKind::UserId, "user_id", user_id.clone())];
        if let Some(no) = &employee_no {
            checks.push((IdKind::EmployeeNo, "employee_no", no.clone()));
        }
        for (kind, field, value) in checks {
            for p in Store::holders_of(tx, tenant_id, kind, &value).await? {
                match p.left_at {
                    None => return Err(Error::Conflict { field, value }),
                    Some(left) => previous_left = previous_left.max(Some(left)),
                }
            }
        }
        if let (Some(join), Some(left)) = (new.join_time, previous_left) {
            if join < left {
                return Err(Error::Invalid(format!(
                    "user.join_time {join} is before the previous holder of this user_id/employee_no left ({left})"
                )));
            }
        }
        let person = Person {
            id: self.next_id(),
            tenant_id,
            user_id,
            open_id: format!("ou_{}", random_hex(16)),
            union_id: format!("on_{}", random_hex(16)),
            name: new.name,
            employee_no,
            join_time: new.join_time,
            employed_from: new.join_time.or(previous_left),
            left_at: None,
            attrs: new.attrs,
            results_rev: 0,
        };
        sqlx::query(
            "INSERT INTO people (id, tenant_id, user_id, open_id, union_id, name, employee_no, join_time, \
             employed_from, left_at, attrs, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, $10, $11)",
        )
        .bind(person.id)
        .bind(tenant_id)
        .bind(&person.user_id)
        .bind(&person.open_id)
        .bind(&person.union_id)
        .bind(&person.name)
        .bind(person.employee_no.as_deref())
        .bind(person.join_time)
        .bind(person.employed_from)
        .bind(serde_json::Value::Object(person.attrs.clone()).to_string())
        .bind(now)
        .execute(&mut **tx)
        .await?;
        Ok(person)
    }

    /// The person an id names now: the employed holder, else the one who left last.
    pub async fn person_current(&self, tenant_id: i64, kind: IdKind, id: &str) -> Result<Option<Person>> {
        let mut conn = self.pool().acquire().await?;
        Ok(current(Store::holders_of(&mut conn, tenant_id, kind, id).await?))
    }

    /// For each id, every person it has named, oldest first (`include_terminated_user=true`), or
    /// only the current one (`false`); ids naming nobody are absent. One query for all ids.
    pub async fn people_for_ids(
        &self,
        tenant_id: i64,
        kind: IdKind,
        ids: &[String],
        include_terminated: bool,
    ) -> Result<HashMap<String, Vec<Person>>> {
        let mut conn = self.pool().acquire().await?;
        let all = Store::holders_of_many(&mut conn, tenant_id, kind, ids).await?;
        Ok(all
            .into_iter()
            .map(|(id, holders)| {
                (id, if include_terminated { holders } else { current(holders).into_iter().collect() })
            })
            .collect())
    }

    /// Every holder of an id, oldest first.
    pub async fn holders_of(conn: &mut AnyConnection, tenant_id: i64, kind: IdKind, id: &str) -> Result<Vec<Person>> {
        let filter = format!("tenant_id = $1 AND {} = $2", kind.column());
        people_where(conn, &filter, &[Bind::Int(tenant_id), Bind::Text(id)]).await
    }

    /// Every holder of each of `ids`, oldest first: id → holders (ids nobody holds are absent).
    pub async fn holders_of_many(
        conn: &mut AnyConnection,
        tenant_id: i64,
        kind: IdKind,
        ids: &[String],
    ) -> Result<HashMap<String, Vec<Person>>> {
        let backend = bulk::backend_of(conn);
        let mut out: HashMap<String, Vec<Person>> = HashMap::new();
        for chunk in ids.chunks(bulk::rows_per_statement(1) - 1) {
            let filter = format!(
                "tenant_id = {} AND {} IN ({})",
                bulk::params(backend, 1, 1),
                kind.column(),
                bulk::params(backend, 2, chunk.len())
            );
            let binds: Vec<Bind<'_>> =
                std::iter::once(Bind::Int(tenant_id)).chain(chunk.iter().map(|id| Bind::Text(id))).collect();
            for person in people_where(conn, &filter, &binds).await? {
                out.entry(person.id_of(kind).to_owned()).or_default().push(person);
            }
        }
        Ok(out)
    }

    /// People by internal id, oldest first, as committed.
    pub async fn people_with_ids(&self, ids: &[i64]) -> Result<Vec<Person>> {
        Store::people_by_ids(&mut *self.pool().acquire().await?, ids).await
    }

    /// People by internal id, oldest first.
    pub async fn people_by_ids(conn: &mut AnyConnection, ids: &[i64]) -> Result<Vec<Person>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        people_where(conn, &format!("id IN ({})", bulk::id_list(ids)), &[]).await
    }

    /// Records that the person an id names now has left at `now`; their data is kept.
    pub async fn terminate_person(&self, tenant_id: i64, kind: IdKind, id: &str, now: i64) -> Result<Person> {
        let mut w = self.write().await?;
        let person = Store::holders_of(&mut w.tx, tenant_id, kind, id)
            .await?
            .into_iter()
            .find(|p| p.left_at.is_none())
            .ok_or_else(|| Error::NotFound(format!("employed user {id}")))?;
        let left_at = now.max(person.employed_from.unwrap_or(now));
        sqlx::query("UPDATE people SET left_at = $1, results_rev = results_rev + 1 WHERE id = $2")
            .bind(left_at)
            .bind(person.id)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await?;
        Ok(Person { left_at: Some(left_at), results_rev: person.results_rev + 1, ..person })
    }
}

/// Moves the results revision of each of `ids` on (see [`Person::results_rev`]); called in the
/// transaction that writes their results.
pub(crate) async fn bump_results_rev(tx: &mut sqlx::Transaction<'static, Any>, ids: &[i64]) -> Result<()> {
    for chunk in ids.chunks(crate::bulk::MAX_RANGES) {
        let list = chunk.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE people SET results_rev = results_rev + 1 WHERE id IN ({list})"
        )))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// The holder of `id` (in [`Store::holders_of_many`]'s answer) employed at instant `at`.
pub(crate) fn employed_holder<'h>(holders: &'h HashMap<String, Vec<Person>>, id: &str, at: i64) -> Option<&'h Person> {
    holders.get(id)?.iter().find(|p| p.employed_at(at))
}
