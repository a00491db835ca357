//! The bulk write path of the embedded database, for `daka import`: time-clock punches, their
//! results and event records as [`Store::import_punches`] stores them with
//! [`Repeats::ByInstant`](crate::punches::Repeats::ByInstant), written through SQLite's own
//! prepared statements on a dedicated connection instead of sqlx's `Any` layer. Repeats are
//! recognised by person, instant and device; the punches carry no idempotency key (so they cost
//! no key index entry).
//!
//! A batch is one SQLite write transaction (`BEGIN IMMEDIATE` … `COMMIT` with the connection's
//! `synchronous = FULL`: a committed batch is durable). While it is open no other connection can
//! commit, so everything the batch reads through the pool once it has begun — subscriptions,
//! stored results and punches — is exactly what the transaction sees, except the batch's own
//! new punches, which the importing task holds in memory. The batch's people and the rules of
//! the days it touches (memberships, groups, shifts, schedules, calendars, approvals, pending
//! remedies: nothing an import writes) are read just before it begins, while the writer still
//! stores the previous batch. A change to a person that another process commits in that moment
//! is not seen by the batch; a change to anything else is (the connection's `data_version`
//! tells), and the rules are then read again.
//!
//! The connection lives on a writer thread that runs the batch's statements in order. The
//! importing task queues the batch's `BEGIN` and, right behind it, the insert of its punches:
//! the writer itself leaves out the repeats (reading the stored punches of the batch's people)
//! and says which they were. Meanwhile the task evaluates the batch's days as if every punch
//! were new (again, only the new ones, when some were not), then queues the results, event
//! records and the commit, so the writer stores one batch while the task prepares the next.
//! Rows go many to a statement (`rows`). After each commit the writer checkpoints, so the next
//! batch starts the log over instead of growing it. [`BulkLoader::finish`] waits for the last
//! commit. Only SQLite has this path; PostgreSQL uses [`Store::import_punches`].
//!
//! `daka import` hands the loader a file's punches person by person, so a batch appends its
//! people's punches and results to the tables and indexes rather than touching pages all over
//! them; any order is stored correctly.

mod rows;

use std::collections::HashMap;
use std::sync::mpsc;
use std::thread::JoinHandle;

use daka_engine::{Absence, PendingRemedy, Punch as EnginePunch};
use rusqlite::types::{ToSql, ToSqlOutput, Value};
use rusqlite::{params, Connection};

use self::rows::{insert, Insert, Rows};

use crate::evaluation::{approved_absences, engine_punch, pending_remedies, punches_in, resolve_runs, Inputs, Runs};
use crate::events::{event_id, subscribed, USER_FLOW_CREATED, USER_TASK_UPDATED};
use crate::people::{employed_holder, IdKind, Person};
use crate::plan::Resolver;
use crate::punches::{FlowCreated, Punch, PunchImport};
use crate::results::{
    changes, clip_ranges, day_number, days_touched_with, jobs_for, records_text, stored_in, tz_name, Cause, StoredDays,
};
use crate::{bulk, Backend, Error, Result, Store};

/// Page cache of the bulk connection, KiB: batches of whole people append, so the pages a batch
/// writes are mostly new, and a small cache saves the memory (and its first touch) of a large.
const CACHE_KIB: i64 = 64 * 1024;

/// Log size, in pages, at which the bulk connection's commits checkpoint by themselves (1 GiB of
/// 4 KiB pages). The writer checkpoints after every commit anyway (passively: readers of other
/// processes are not waited for); this bounds the log when such readers keep a checkpoint from
/// completing. [`BulkLoader::finish`] checkpoints and truncates the log.
const CHECKPOINT_PAGES: i64 = 262_144;

/// What a bulk import did with one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Loaded {
    /// Stored now.
    Added,
    /// A punch of the same person, instant and device was already stored (or came earlier in
    /// the batch).
    Present,
    /// Its ids name nobody employed at its check time.
    Failed,
}

/// Work for the writer thread; the error slot holds the first failure of queued work.
type Job = Box<dyn FnOnce(&mut Connection, &mut Option<Error>) + Send>;

/// A connection for bulk imports into the embedded database (see the module documentation).
pub struct BulkLoader {
    store: Store,
    jobs: Option<mpsc::Sender<Job>>,
    writer: Option<JoinHandle<()>>,
    /// The connection's `PRAGMA data_version` when its last batch began (or when it opened).
    /// It changes only when another connection commits, and none can while a batch is open:
    /// the same value at the next `BEGIN` means the rules a batch read through the pool before
    /// it began are still the database's.
    version: i64,
    /// Whether the last batch's punches were all new (the common case of a fresh file): the
    /// next batch's rules are then read before it begins, for all its punches. After a batch
    /// with repeats (a file imported again, an interrupted import run again) they are read once
    /// the new punches are known, rather than for days that turn out to need nothing.
    expect_new: bool,
}

impl Store {
    /// A bulk loader on this store's SQLite file, or `None` on PostgreSQL.
    pub async fn bulk_loader(&self) -> Result<Option<BulkLoader>> {
        if self.backend() != Backend::Sqlite {
            return Ok(None);
        }
        let row: (String,) =
            sqlx::query_as("SELECT file FROM pragma_database_list WHERE name = 'main'").fetch_one(self.pool()).await?;
        if row.0.is_empty() {
            return Err(Error::Invalid("the bulk path needs a database file, not an in-memory database".into()));
        }
        let mut conn = Connection::open(&row.0)?;
        // No foreign-key checks (three lookups per punch): every person and tenant id this
        // connection writes was just read from the database, and people and tenants are never
        // deleted.
        conn.execute_batch(&format!(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 10000; \
             PRAGMA foreign_keys = OFF; PRAGMA cache_size = -{CACHE_KIB}; PRAGMA wal_autocheckpoint = {CHECKPOINT_PAGES};"
        ))?;
        conn.set_prepared_statement_cache_capacity(32);
        let version = conn.query_row("PRAGMA data_version", [], |r| r.get(0))?;
        let (jobs, queue) = mpsc::channel::<Job>();
        let writer = std::thread::Builder::new()
            .name("daka-bulk-writer".into())
            .spawn(move || {
                let mut failed = None;
                for job in queue {
                    job(&mut conn, &mut failed);
                }
            })
            .map_err(|e| Error::Invalid(format!("starting the bulk writer: {e}")))?;
        Ok(Some(BulkLoader { store: self.clone(), jobs: Some(jobs), writer: Some(writer), version, expect_new: true }))
    }
}

/// A new punch of the batch.
struct Fresh {
    /// Index of its record in the batch.
    index: usize,
    punch: Punch,
    photo_urls: Photos,
}

/// Photo URLs as stored: JSON, `[]` for none (shared, not built for every punch).
#[derive(PartialEq)]
struct Photos(Option<String>);

impl ToSql for Photos {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.0.as_deref().unwrap_or("[]")))
    }
}

/// A result row to upsert, in the column order of `results`.
struct ResultRow {
    person_id: i64,
    day: i32,
    result_id: i64,
    group_id: String,
    shift_id: String,
    time_zone: String,
    records: String,
    changes_at: Option<i64>,
}

/// An event record to append: (event type, body).
type EventRow = (&'static str, String);

impl BulkLoader {
    /// Queues work on the writer thread; its failure is reported by the next [`Self::call`].
    fn queue(&self, work: impl FnOnce(&mut Connection) -> Result<()> + Send + 'static) -> Result<()> {
        let job: Job = Box::new(move |conn, failed| {
            if failed.is_some() {
                return;
            }
            if let Err(e) = work(conn) {
                // Nothing of the batch may stay: its transaction ends here, and later work is
                // skipped until the failure is reported.
                let _ = conn.execute_batch("ROLLBACK");
                *failed = Some(e);
            }
        });
        self.send(job)
    }

    /// Queues work on the writer thread after everything queued before it; the returned future
    /// gives its answer, or the failure of earlier queued work.
    fn request<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    ) -> Result<impl std::future::Future<Output = Result<T>>> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |conn, failed| {
            let answer = match failed.take() {
                Some(e) => Err(e),
                None => work(conn),
            };
            let _ = tx.send(answer);
        });
        self.send(job)?;
        Ok(async move { rx.await.map_err(|_| Error::Invalid("the bulk writer stopped".into()))? })
    }

    /// [`Self::request`], waiting for the answer.
    async fn call<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        self.request(work)?.await
    }

    fn send(&self, job: Job) -> Result<()> {
        let jobs = self.jobs.as_ref().ok_or_else(|| Error::Invalid("the bulk loader is finished".into()))?;
        jobs.send(job).map_err(|_| Error::Invalid("the bulk writer stopped".into()))
    }

    /// Waits until every queued batch is committed (or reports why one was not), then copies
    /// the log into the database and truncates it, unless readers of other processes are still
    /// using it after a second (their own commits checkpoint it then).
    pub async fn finish(mut self) -> Result<()> {
        let done = self
            .call(|c| {
                c.execute_batch("PRAGMA busy_timeout = 1000")?;
                c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
                Ok(())
            })
            .await;
        self.stop();
        done
    }

    fn stop(&mut self) {
        self.jobs = None;
        if let Some(writer) = self.writer.take() {
            // The writer ends when its queue closes; a panic there has nothing left to report.
            let _ = writer.join();
        }
    }

    /// Imports punch records like [`Store::import_punches`] (ids resolved at each check time,
    /// repeated idempotency keys skipped, `user_flow.created` event records, every touched
    /// person-day recomputed with its `user_task.updated` events), in one transaction. Returns
    /// what happened to each record, in order; the batch is committed when the next call or
    /// [`Self::finish`] returns. Within a batch, punches are written in person and time order.
    pub async fn import(
        &mut self,
        tenant_id: i64,
        kind: IdKind,
        records: Vec<PunchImport>,
        now: i64,
    ) -> Result<Vec<Loaded>> {
        let outcome = self.import_batch(tenant_id, kind, records, now).await;
        if outcome.is_err() {
            // Failures on this side leave the transaction open; the writer's own have ended it.
            let _ = self.queue(|conn| {
                let _ = conn.execute_batch("ROLLBACK");
                Ok(())
            });
        }
        outcome
    }

    async fn import_batch(
        &mut self,
        tenant_id: i64,
        kind: IdKind,
        records: Vec<PunchImport>,
        now: i64,
    ) -> Result<Vec<Loaded>> {
        if records.iter().any(|r| r.idempotent_id.is_some()) {
            return Err(Error::Invalid("the bulk loader recognises repeats by instant: records carry no key".into()));
        }
        let store = self.store.clone();
        let mut conn = store.pool().acquire().await?;
        let mut ids: Vec<&str> = records.iter().flat_map(|r| [r.user_id.as_str(), r.creator_id.as_str()]).collect();
        ids.sort_unstable();
        ids.dedup();
        let ids: Vec<String> = ids.into_iter().map(str::to_owned).collect();
        let holders = Store::holders_of_many(&mut conn, tenant_id, kind, &ids).await?;
        let mut loaded = vec![Loaded::Failed; records.len()];
        let mut fresh: Vec<Fresh> = Vec::with_capacity(records.len());
        for (index, rec) in records.into_iter().enumerate() {
            let at = |id: &str| employed_holder(&holders, id, rec.check_time);
            let (Some(person), Some(creator)) = (at(&rec.user_id), at(&rec.creator_id)) else { continue };
            // Its record id is given once the batch is in order (below).
            let punch = rec.into_punch(0, tenant_id, person.id, creator.id);
            let photo_urls = (!punch.photo_urls.is_empty())
                .then(|| serde_json::to_string(&punch.photo_urls))
                .transpose()
                .map_err(|e| Error::Corrupt(e.to_string()))?;
            fresh.push(Fresh { index, punch, photo_urls: Photos(photo_urls) });
        }
        // Person and time order (stable: equal punches keep their order in the batch): the
        // punches' (person_id, check_time) index is then written page after page.
        fresh.sort_by_key(|f| (f.punch.person_id, f.punch.check_time));
        // Record ids (the table's key) in the same order, so the table is appended to.
        let ids = store.next_ids(fresh.len());
        for (f, id) in fresh.iter_mut().zip(ids) {
            f.punch.record_id = id;
        }
        let candidates: Vec<(i64, i64)> = fresh.iter().map(|f| (f.punch.person_id, f.punch.check_time)).collect();
        // The people, read once for the batch (before it began).
        let people: HashMap<i64, &Person> = holders.values().flatten().map(|p| (p.id, p)).collect();
        let mut punched: Vec<Person> = Vec::new();
        for (person, _) in &candidates {
            if punched.last().is_none_or(|p: &Person| p.id != *person) {
                let p = people.get(person).ok_or_else(|| Error::Corrupt(format!("person {person}")))?;
                punched.push((*p).clone());
            }
        }
        // The rules of the days the punches touch, read while the writer still stores the
        // previous batch (see `version`), unless that batch held repeats (see `expect_new`).
        let mut resolver = Resolver::new(tenant_id);
        let early = match self.expect_new {
            true => Some(Plan::read(&mut conn, &mut resolver, &punched, &candidates, now).await?),
            false => None,
        };

        // The batch begins, and the writer goes straight on to storing the punches that are not
        // repeats (which it tells), while this task evaluates the days as if all were new.
        let spans = spans_of(&fresh);
        let everyone: Vec<(i64, EnginePunch)> = fresh.iter().map(|f| for_engine(&f.punch)).collect();
        let rows = PUNCH_ROWS.rows(fresh, vec![Value::from(now)])?;
        let begun = self.request(|c| {
            c.execute_batch("BEGIN IMMEDIATE")?;
            Ok(c.query_row("PRAGMA data_version", [], |r| r.get::<_, i64>(0))?)
        })?;
        let inserted = self.request(move |c| {
            let stored = stored_devices(c, &spans)?;
            let (rows, present) = rows.split(|fresh| repeats(fresh, &stored));
            rows.write(c)?;
            Ok((rows.into_rows(), present))
        })?;
        // From here until the commit no other connection can write: what the pool reads is
        // what the transaction sees, except the batch's own punches, held in memory.
        let version = begun.await?;
        let rules_held = version == self.version;
        self.version = version;
        let audience = subscribed(&mut conn, tenant_id).await?;
        let announce = audience.includes(USER_TASK_UPDATED);
        let guess = match early {
            Some(plan) if rules_held => {
                Some(self.revise(&mut conn, plan, &punched, everyone, tenant_id, announce, now).await?)
            }
            _ => None,
        };
        let (new, present) = inserted.await?;
        self.expect_new = present.is_empty();
        for &index in &present {
            loaded[index] = Loaded::Present;
        }
        for f in &new {
            loaded[f.index] = Loaded::Added;
        }
        let revision = match guess {
            Some(revision) if self.expect_new => revision,
            _ => {
                // Only the days of the new punches are recomputed, with the rules read early if
                // no other connection has committed since.
                if !rules_held {
                    resolver = Resolver::new(tenant_id);
                }
                let own: Vec<(i64, EnginePunch)> = new.iter().map(|f| for_engine(&f.punch)).collect();
                let touched: Vec<(i64, i64)> = own.iter().map(|(person, p)| (*person, p.at)).collect();
                let plan = Plan::read(&mut conn, &mut resolver, &punched, &touched, now).await?;
                self.revise(&mut conn, plan, &punched, own, tenant_id, announce, now).await?
            }
        };
        if audience.includes(USER_FLOW_CREATED) {
            let mut events = Vec::with_capacity(new.len());
            for Fresh { punch, .. } in &new {
                let person = people
                    .get(&punch.person_id)
                    .ok_or_else(|| Error::Corrupt(format!("person {}", punch.person_id)))?;
                events.push((USER_FLOW_CREATED, FlowCreated::of(punch, person).to_text()?));
            }
            let seqs = self.store.next_ids(events.len());
            let records = event_rows(tenant_id, events.into_iter().zip(seqs), now)?;
            self.queue(move |c| records.write(c))?;
        }
        // The results' events come after the punches' (as on the generic path).
        let Revision { rows, moved, revised, events } = revision;
        let seqs = self.store.next_ids(events.len());
        let records = event_rows(tenant_id, events.into_iter().zip(seqs), now)?;
        let rows = RESULT_ROWS.rows(rows, vec![Value::from(tenant_id), Value::from(now)])?;
        self.queue(move |c| {
            rows.write(c)?;
            write_changes(c, &moved, &revised)?;
            records.write(c)?;
            c.execute_batch("COMMIT")?;
            c.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
            Ok(())
        })?;
        Ok(loaded)
    }

    /// Evaluates what `plan` resolved, with the stored results and punches read through the
    /// pool and the batch's new punches (`own`), like the generic recompute (cause: a change);
    /// returns what to write: the changed results, and their events when `announce`.
    #[allow(clippy::too_many_arguments)]
    async fn revise(
        &self,
        conn: &mut sqlx::AnyConnection,
        plan: Plan<'_>,
        people: &[Person],
        own: Vec<(i64, EnginePunch)>,
        tenant_id: i64,
        announce: bool,
        now: i64,
    ) -> Result<Revision> {
        let Some(runs) = plan.runs else {
            return Ok(Revision::default());
        };
        let stored = stored_in(conn, &bulk::merge_ranges(plan.affected)).await?;
        let punches = punches_in(conn, &runs.spans(), own).await?;
        let inputs = Inputs { punches, absences: plan.absences, remedies: plan.remedies };
        let evaluated = runs.evaluate(&inputs, now);
        // Ids for the results that change (at most one each), the clock read once.
        let mut ids = self.store.next_ids(evaluated.len()).into_iter();
        let changes = changes(&evaluated, &stored, people, tenant_id, Cause::Change, announce, || {
            ids.next().unwrap_or_else(|| self.store.next_id())
        })?;
        let mut rows = Vec::with_capacity(changes.rows.len());
        for (e, day, result_id) in &changes.rows {
            rows.push(ResultRow {
                person_id: e.person_id,
                day: *day,
                result_id: *result_id,
                group_id: e.resolved.group_id.clone(),
                shift_id: e.resolved.shift_id.clone(),
                time_zone: tz_name(&e.resolved.plan),
                records: records_text(&e.records),
                changes_at: e.changes_at,
            });
        }
        let events = changes.events.into_iter().map(|e| (e.event_type, e.payload)).collect();
        Ok(Revision { rows, moved: changes.moved, revised: changes.revised, events })
    }
}

/// What a batch's recompute writes: new and changed results, moved `changes_at`s
/// `(person, day, changes_at)`, the revised people, and the results' event records.
#[derive(Default)]
struct Revision {
    rows: Vec<ResultRow>,
    moved: Vec<(i64, i32, Option<i64>)>,
    revised: Vec<i64>,
    events: Vec<EventRow>,
}

/// The rules side of recomputing the days touched by some punches: the days (clipped to `now`),
/// their rules, approved absences and pending remedies — nothing the batches of an import
/// write, so it can be read before the batch begins.
struct Plan<'p> {
    affected: Vec<(i64, i64, i64)>,
    runs: Option<Runs<'p>>,
    absences: HashMap<i64, Vec<Absence>>,
    remedies: HashMap<i64, Vec<(i32, PendingRemedy)>>,
}

impl<'p> Plan<'p> {
    /// Reads the plan for the days `touched` `(person, instant)` among `people` through `conn`.
    async fn read(
        conn: &mut sqlx::AnyConnection,
        resolver: &mut Resolver,
        people: &'p [Person],
        touched: &[(i64, i64)],
        now: i64,
    ) -> Result<Plan<'p>> {
        let affected = clip_ranges(&days_touched_with(conn, resolver, touched).await?, now);
        // Which days a range evaluates depends on stored results only for ranges of a week or
        // more (a rule change reaching back); a punch touches at most four days.
        let jobs = jobs_for(people, &affected, &StoredDays::new(), now, Cause::Change)?;
        let Some(runs) = resolve_runs(conn, resolver, &jobs).await? else {
            return Ok(Plan { affected, runs: None, absences: HashMap::new(), remedies: HashMap::new() });
        };
        let absences = approved_absences(conn, &runs.spans()).await?;
        let remedies = pending_remedies(conn, &runs.ids, day_number(runs.lo), day_number(runs.hi)).await?;
        Ok(Plan { affected, runs: Some(runs), absences, remedies })
    }
}

impl Drop for BulkLoader {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A punch as the engine sees it, with its person.
fn for_engine(p: &Punch) -> (i64, EnginePunch) {
    (p.person_id, engine_punch(p.record_id, p.check_time, i64::from(p.kind), p.is_field))
}

/// The batch's new punches as `punches` rows (none carries a key), then `created_at`.
static PUNCH_ROWS: Insert<Fresh> = insert!(
    Fresh,
    "INSERT OR ROLLBACK INTO punches (record_id, tenant_id, person_id, creator_id, check_time, kind, location_name, \
     comment, ssid, bssid, is_field, is_wifi, photo_urls, device_id, external_id, longitude, latitude, imported, \
     created_at)",
    "",
    |f| [
        f.punch.record_id,
        f.punch.tenant_id,
        f.punch.person_id,
        f.punch.creator_id,
        f.punch.check_time,
        f.punch.kind,
        f.punch.location_name,
        f.punch.comment,
        f.punch.ssid,
        f.punch.bssid,
        f.punch.is_field,
        f.punch.is_wifi,
        f.photo_urls,
        f.punch.device_id,
        f.punch.external_id,
        f.punch.longitude,
        f.punch.latitude,
        f.punch.imported,
    ]
);

/// Each person's span `(person, first, last check time)` of the batch's punches (in person order).
fn spans_of(fresh: &[Fresh]) -> Vec<(i64, i64, i64)> {
    let mut spans: Vec<(i64, i64, i64)> = Vec::new();
    for f in fresh {
        let (person, at) = (f.punch.person_id, f.punch.check_time);
        match spans.last_mut() {
            Some(s) if s.0 == person => {
                s.1 = s.1.min(at);
                s.2 = s.2.max(at);
            }
            _ => spans.push((person, at, at)),
        }
    }
    spans
}

/// Splits the batch's punches (in person and time order) into the new ones and the batch
/// indexes of repeats: punches of the same person, instant and device as a stored one or an
/// earlier one of the batch.
fn repeats(fresh: Vec<Fresh>, stored: &StoredDevices) -> (Vec<Fresh>, Vec<usize>) {
    let mut new: Vec<Fresh> = Vec::with_capacity(fresh.len());
    let mut present = Vec::new();
    // Where the new punches of the current person and instant begin in `new` (an earlier punch
    // of the batch that this one repeats is among them).
    let mut run = 0;
    for f in fresh {
        let (person, at, device) = (f.punch.person_id, f.punch.check_time, &f.punch.device_id);
        if new.get(run).is_none_or(|g| (g.punch.person_id, g.punch.check_time) != (person, at)) {
            run = new.len();
        }
        let repeat = new[run..].iter().any(|g| g.punch.device_id == *device)
            || stored.get(&(person, at)).is_some_and(|devices| devices.contains(device));
        if repeat {
            present.push(f.index);
        } else {
            new.push(f);
        }
    }
    (new, present)
}

/// Devices of stored punches by person and instant.
type StoredDevices = HashMap<(i64, i64), Vec<Option<String>>>;

/// The devices of every stored punch within `spans`, by person and instant.
fn stored_devices(conn: &mut Connection, spans: &[(i64, i64, i64)]) -> Result<StoredDevices> {
    let mut query = conn.prepare_cached(
        "SELECT check_time, device_id FROM punches WHERE person_id = ?1 AND check_time >= ?2 AND check_time <= ?3",
    )?;
    let mut out = StoredDevices::new();
    for &(person, from, to) in spans {
        let mut rows = query.query(params![person, from, to])?;
        while let Some(row) = rows.next()? {
            out.entry((person, row.get(0)?)).or_default().push(row.get(1)?);
        }
    }
    Ok(out)
}

/// An event record to append: seq, event id, type and body.
struct EventRecord {
    seq: i64,
    event_id: String,
    event_type: &'static str,
    payload: String,
}

/// Event records as `event_records` rows, then `tenant_id` and `created_ms`.
static EVENT_ROWS: Insert<EventRecord> = insert!(
    EventRecord,
    "INSERT OR ROLLBACK INTO event_records (seq, event_id, event_type, payload, tenant_id, created_ms)",
    "",
    |e| [e.seq, e.event_id, e.event_type, e.payload]
);

/// Event records `((type, body), seq)` to append, like [`Store::record_events`].
fn event_rows(tenant_id: i64, events: impl Iterator<Item = (EventRow, i64)>, now: i64) -> Result<Rows<EventRecord>> {
    let records: Vec<EventRecord> = events
        .map(|((event_type, payload), seq)| EventRecord { seq, event_id: event_id(seq), event_type, payload })
        .collect();
    EVENT_ROWS.rows(records, vec![Value::from(tenant_id), Value::from(now.saturating_mul(1000))])
}

/// New and changed results as `results` rows, then `tenant_id` and `updated_at`.
static RESULT_ROWS: Insert<ResultRow> = insert!(
    ResultRow,
    "INSERT OR ROLLBACK INTO results (person_id, day, result_id, group_id, shift_id, time_zone, records, \
     changes_at, tenant_id, updated_at)",
    "ON CONFLICT (person_id, day) DO UPDATE SET group_id = excluded.group_id, shift_id = excluded.shift_id, \
     time_zone = excluded.time_zone, records = excluded.records, changes_at = excluded.changes_at, \
     updated_at = excluded.updated_at",
    |r| [r.person_id, r.day, r.result_id, r.group_id, r.shift_id, r.time_zone, r.records, r.changes_at]
);

/// Writes what a recompute changes besides its results (as the generic recompute does): moved
/// `changes_at`s and the revised people's `results_rev`.
fn write_changes(conn: &mut Connection, moved: &[(i64, i32, Option<i64>)], revised: &[i64]) -> Result<()> {
    let mut update = conn.prepare_cached("UPDATE results SET changes_at = ?1 WHERE person_id = ?2 AND day = ?3")?;
    for (person, day, changes_at) in moved {
        update.execute(params![changes_at, person, day])?;
    }
    drop(update);
    let mut bump = conn.prepare_cached("UPDATE people SET results_rev = results_rev + 1 WHERE id = ?1")?;
    for person in revised {
        bump.execute(params![person])?;
    }
    Ok(())
}
