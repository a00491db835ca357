//! Rendered `user_tasks/query` results kept between requests.
//!
//! A person's stored results are rendered to their wire JSON once and kept here with the
//! person's results revision (`people.results_rev`), which the store moves in the transaction of
//! every write to those results. A request reads the revisions with the people it names (one
//! query it makes anyway) and uses a rendering only when its revision is the current one, it
//! covers the requested days, and none of its days changes with time by now. So an answer never
//! differs from what the database holds, whichever process sharing the database wrote it.

use std::sync::Arc;

use daka_store::people::IdKind;
use quick_cache::sync::Cache;
use quick_cache::Weighter;
use serde_json::value::RawValue;

/// What a rendering depends on besides the person's results: the id kind the request names
/// people by (records carry ids of that kind) and whether overtime records are included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TasksKey {
    /// The person (internal id).
    pub person_id: i64,
    /// `employee_type` of the request.
    pub kind: IdKind,
    /// `need_overtime_result` of the request.
    pub overtime: bool,
}

/// One rendered day.
#[derive(Debug)]
pub struct RenderedDay {
    /// `yyyyMMdd`.
    pub day: i32,
    /// When time alone changes the stored result, if ever.
    pub changes_at: Option<i64>,
    /// The day's `user_task_results` entry.
    pub task: Box<RawValue>,
}

/// A person's rendered stored results for a range of days.
#[derive(Debug)]
pub struct RenderedTasks {
    rev: i64,
    first: i32,
    last: i32,
    days: Vec<RenderedDay>,
    bytes: u64,
}

impl RenderedTasks {
    /// Every stored result of days `first..=last` (`days` in day order), rendered at revision `rev`.
    pub fn new(rev: i64, first: i32, last: i32, days: Vec<RenderedDay>) -> Self {
        let bytes = 64 + days.iter().map(|d| 48 + d.task.get().len() as u64).sum::<u64>();
        RenderedTasks { rev, first, last, days, bytes }
    }

    /// The rendered days within `from..=to`.
    pub fn between(&self, from: i32, to: i32) -> &[RenderedDay] {
        let start = self.days.partition_point(|d| d.day < from);
        let end = self.days.partition_point(|d| d.day <= to);
        &self.days[start..end.max(start)]
    }

    /// Whether this rendering answers days `from..=to` for a person at revision `rev` at `now`.
    fn answers(&self, rev: i64, from: i32, to: i32, now: i64) -> bool {
        self.rev == rev
            && self.first <= from
            && to <= self.last
            && self.between(from, to).iter().all(|d| d.changes_at.is_none_or(|c| c > now))
    }
}

#[derive(Debug, Clone)]
struct ByBytes;

impl Weighter<TasksKey, Arc<RenderedTasks>> for ByBytes {
    fn weight(&self, _key: &TasksKey, val: &Arc<RenderedTasks>) -> u64 {
        val.bytes
    }
}

/// Rendered results by person, bounded in bytes (least recently used first out).
pub struct ResultsCache {
    cache: Option<Cache<TasksKey, Arc<RenderedTasks>, ByBytes>>,
}

impl ResultsCache {
    /// A cache holding up to `max_bytes` of rendered results; 0 keeps nothing.
    pub fn new(max_bytes: u64) -> Self {
        let cache = (max_bytes > 0).then(|| {
            let estimated_people = usize::try_from(max_bytes / 20_000).unwrap_or(usize::MAX).max(16);
            Cache::with_weighter(estimated_people, max_bytes, ByBytes)
        });
        ResultsCache { cache }
    }

    /// The rendering of `key` if it answers days `from..=to` at revision `rev` at `now`.
    pub fn get(&self, key: &TasksKey, rev: i64, from: i32, to: i32, now: i64) -> Option<Arc<RenderedTasks>> {
        self.cache.as_ref()?.get(key).filter(|r| r.answers(rev, from, to, now))
    }

    /// Keeps `tasks` for `key`, replacing what was kept; returns it for use.
    pub fn insert(&self, key: TasksKey, tasks: RenderedTasks) -> Arc<RenderedTasks> {
        let tasks = Arc::new(tasks);
        if let Some(cache) = &self.cache {
            cache.insert(key, tasks.clone());
        }
        tasks
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(day: i32, changes_at: Option<i64>) -> RenderedDay {
        let task = RawValue::from_string(format!("{{\"day\":{day}}}")).expect("json");
        RenderedDay { day, changes_at, task }
    }

    fn key(person_id: i64) -> TasksKey {
        TasksKey { person_id, kind: IdKind::UserId, overtime: false }
    }

    #[test]
    fn a_rendering_answers_only_its_revision_its_days_and_before_its_changes() {
        let cache = ResultsCache::new(1 << 20);
        let days = vec![day(20260101, None), day(20260102, Some(1_000)), day(20260103, None)];
        cache.insert(key(1), RenderedTasks::new(7, 20260101, 20260103, days));
        let hit = cache.get(&key(1), 7, 20260101, 20260103, 999).expect("hit");
        assert_eq!(hit.between(20260102, 20260103).iter().map(|d| d.day).collect::<Vec<_>>(), [20260102, 20260103]);
        assert!(cache.get(&key(1), 8, 20260101, 20260103, 999).is_none(), "another revision");
        assert!(cache.get(&key(1), 7, 20251231, 20260103, 999).is_none(), "a day before the range");
        assert!(cache.get(&key(1), 7, 20260101, 20260104, 999).is_none(), "a day after the range");
        assert!(cache.get(&key(1), 7, 20260101, 20260103, 1_000).is_none(), "a day changed by time");
        assert!(cache.get(&key(1), 7, 20260103, 20260103, 5_000).is_some(), "other days still answer");
        assert!(cache.get(&key(2), 7, 20260101, 20260103, 999).is_none(), "another person");
        let other_kind = TasksKey { kind: IdKind::OpenId, ..key(1) };
        assert!(cache.get(&other_kind, 7, 20260101, 20260103, 999).is_none(), "another id kind");
    }

    #[test]
    fn a_zero_sized_cache_keeps_nothing() {
        let cache = ResultsCache::new(0);
        let kept = cache.insert(key(1), RenderedTasks::new(1, 20260101, 20260101, vec![day(20260101, None)]));
        assert_eq!(kept.between(20260101, 20260101).len(), 1);
        assert!(cache.get(&key(1), 1, 20260101, 20260101, 0).is_none());
    }
}
