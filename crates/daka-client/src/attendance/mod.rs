//! `attendance/v1`: one handle per upstream resource, reached from [`Client::attendance`].
//!
//! Every operation that takes an [`EmployeeType`] sends it as the `employee_type` query
//! parameter (the platform requires it on every attendance call). Inputs over the per-call
//! limits are split, sent with bounded concurrency ([`ClientBuilder::concurrency`]) and merged in
//! input order.
//!
//! [`Client::attendance`]: crate::Client::attendance
//! [`ClientBuilder::concurrency`]: crate::ClientBuilder::concurrency
//! [`EmployeeType`]: crate::EmployeeType

mod groups;
mod remedies;
mod shifts;
mod user_daily_shifts;
mod user_flows;
mod user_tasks;

use std::future::Future;

use futures_core::Stream;
use futures_util::{stream, StreamExt, TryStreamExt};

pub use groups::{Groups, MemberClockType};
pub use remedies::{ApprovalType, Approvals, Remedies, MAX_APPROVAL_SPAN_DAYS};
pub use shifts::Shifts;
pub use user_daily_shifts::{daily_shift, BatchCreateDailyShiftsOutcome, UserDailyShifts};
pub use user_flows::{punch, BatchCreateOutcome, BatchDeleteOutcome, UserFlowQuery, UserFlows};
pub use user_tasks::{UserTaskQuery, UserTasks};

use crate::{Client, Day, Error, Result};

/// Path prefix of every attendance endpoint.
pub(crate) const PREFIX: &str = "/open-apis/attendance/v1";

/// Most `user_ids` one query takes.
pub const MAX_USER_IDS: usize = 50;
/// Most `flow_records` one import takes.
pub const MAX_FLOW_RECORDS: usize = 50;
/// Most `record_ids` one delete takes.
pub const MAX_RECORD_IDS: usize = 10;
/// Most schedule entries one `user_daily_shifts/batch_create(_temp)` takes.
pub const MAX_DAILY_SHIFTS: usize = 50;
/// Longest span (days, inclusive) of one `user_daily_shifts/query`.
pub const MAX_SCHEDULE_SPAN_DAYS: u32 = 30;
/// Span (days, inclusive) one `user_tasks/query` is split into (Feishu documents no limit; one
/// month per call is what the platform is known to answer).
pub const USER_TASK_SPAN_DAYS: u32 = 31;
/// Page size the streams ask for (the documented maximum).
pub const PAGE_SIZE: u32 = 50;

/// The attendance API.
#[derive(Debug, Clone, Copy)]
pub struct Attendance<'a> {
    pub(crate) client: &'a Client,
}

impl<'a> Attendance<'a> {
    /// Punch records (`user_flows`): import, get, query, delete.
    pub fn user_flows(&self) -> UserFlows<'a> {
        UserFlows { client: self.client }
    }

    /// Attendance results (`user_tasks`).
    pub fn user_tasks(&self) -> UserTasks<'a> {
        UserTasks { client: self.client }
    }

    /// Shifts (`shifts`).
    pub fn shifts(&self) -> Shifts<'a> {
        Shifts { client: self.client }
    }

    /// Attendance groups (`groups`).
    pub fn groups(&self) -> Groups<'a> {
        Groups { client: self.client }
    }

    /// Remedies (`user_task_remedys`, 补卡).
    pub fn remedies(&self) -> Remedies<'a> {
        Remedies { client: self.client }
    }

    /// Approvals (`user_approvals`, `approval_infos`).
    pub fn approvals(&self) -> Approvals<'a> {
        Approvals { client: self.client }
    }

    /// Schedules (`user_daily_shifts`).
    pub fn user_daily_shifts(&self) -> UserDailyShifts<'a> {
        UserDailyShifts { client: self.client }
    }
}

/// Runs `f` over `chunks` with the client's concurrency, keeping input order.
pub(crate) async fn run_chunks<C, T, F, Fut>(client: &Client, chunks: Vec<C>, f: F) -> Result<Vec<T>>
where
    F: Fn(C) -> Fut,
    Fut: Future<Output = Result<T>>,
{
    stream::iter(chunks.into_iter().map(f)).buffered(client.concurrency()).try_collect().await
}

/// Splits `items` into vectors of at most `n`.
pub(crate) fn split<T>(items: Vec<T>, n: usize) -> Vec<Vec<T>> {
    let mut out = Vec::with_capacity(items.len().div_ceil(n.max(1)));
    let mut it = items.into_iter().peekable();
    while it.peek().is_some() {
        out.push(it.by_ref().take(n.max(1)).collect());
    }
    out
}

/// The requests a query of many people over a long span becomes: every group of ≤ 50 people
/// (in order) × every span of ≤ `span_days` days of `from..=to`.
pub(crate) fn people_by_days(
    user_ids: Vec<String>,
    from: Day,
    to: Day,
    span_days: u32,
) -> Result<Vec<(Vec<String>, Day, Day)>> {
    if from > to {
        return Err(Error::Invalid("check_date_from is after check_date_to".into()));
    }
    let spans = Day::chunks(from, to, span_days);
    let mut requests = Vec::new();
    for ids in split(user_ids, MAX_USER_IDS) {
        for &(f, t) in &spans {
            requests.push((ids.clone(), f, t));
        }
    }
    Ok(requests)
}

/// A page of a paginated list: items, `has_more`, `page_token`.
pub(crate) type Page<T> = (Vec<T>, bool, Option<String>);

/// Turns a page fetcher into a stream of items that follows `page_token` while `has_more`.
pub(crate) fn paginate<T, F, Fut>(fetch: F) -> impl Stream<Item = Result<T>> + Send + 'static
where
    T: Send + 'static,
    F: FnMut(Option<String>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Page<T>>> + Send + 'static,
{
    stream::try_unfold((fetch, Some(None::<String>)), |(mut fetch, next)| async move {
        let Some(token) = next else { return Ok(None) };
        let (items, has_more, page_token) = fetch(token).await?;
        let next = match page_token.filter(|t| !t.is_empty()) {
            Some(t) if has_more => Some(Some(t)),
            _ => None,
        };
        Ok(Some((stream::iter(items.into_iter().map(Ok)), (fetch, next))))
    })
    .try_flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_keeps_order_and_bounds() {
        let parts = split((0..123).collect::<Vec<_>>(), 50);
        assert_eq!(parts.iter().map(Vec::len).collect::<Vec<_>>(), [50, 50, 23]);
        assert_eq!(parts.concat(), (0..123).collect::<Vec<_>>());
        assert!(split(Vec::<u8>::new(), 10).is_empty());
    }

    #[tokio::test]
    async fn paginate_follows_tokens() {
        let pages = paginate(|token: Option<String>| async move {
            Ok(match token.as_deref() {
                None => (vec![1, 2], true, Some("p2".to_owned())),
                Some("p2") => (vec![3], true, Some("p3".to_owned())),
                _ => (vec![4], false, None),
            })
        });
        let all: Vec<i32> = pages.try_collect().await.unwrap();
        assert_eq!(all, [1, 2, 3, 4]);
    }
}
