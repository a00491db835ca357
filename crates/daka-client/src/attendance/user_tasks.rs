//! `user_tasks`: attendance results (打卡结果).

use daka_types::attendance::user_tasks::{QueryUserTaskData, QueryUserTaskRequest};
use daka_types::attendance::EmployeeType;
use daka_types::day::Day;
use reqwest::Method;

use super::{people_by_days, run_chunks, PREFIX, USER_TASK_SPAN_DAYS};
use crate::client::Call;
use crate::{Client, Result};

/// Attendance results: `POST /user_tasks/query`.
#[derive(Debug, Clone, Copy)]
pub struct UserTasks<'a> {
    pub(crate) client: &'a Client,
}

/// Arguments of [`UserTasks::query`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserTaskQuery {
    /// The people, as the `employee_type` says; any number (split by 50).
    pub user_ids: Vec<String>,
    /// First attendance day.
    pub check_date_from: Day,
    /// Last attendance day (inclusive); any span (split into 31-day requests).
    pub check_date_to: Day,
    /// Also return overtime segments (`task_shift_type` 1).
    pub need_overtime_result: Option<bool>,
    /// `true`: answer for the valid people and list the others in `invalid_user_ids` /
    /// `unauthorized_user_ids`; `false`: fail when any id is invalid.
    pub ignore_invalid_users: Option<bool>,
    /// Also return people who have left under a reused id.
    pub include_terminated_user: Option<bool>,
}

impl UserTaskQuery {
    /// Results of `user_ids` for the days `from..=to`.
    pub fn new(user_ids: impl IntoIterator<Item = impl Into<String>>, from: Day, to: Day) -> Self {
        UserTaskQuery {
            user_ids: user_ids.into_iter().map(Into::into).collect(),
            check_date_from: from,
            check_date_to: to,
            need_overtime_result: None,
            ignore_invalid_users: None,
            include_terminated_user: None,
        }
    }

    /// Sets `need_overtime_result`.
    pub fn need_overtime_result(mut self, yes: bool) -> Self {
        self.need_overtime_result = Some(yes);
        self
    }

    /// Sets `ignore_invalid_users`.
    pub fn ignore_invalid_users(mut self, yes: bool) -> Self {
        self.ignore_invalid_users = Some(yes);
        self
    }

    /// Sets `include_terminated_user`.
    pub fn include_terminated_user(mut self, yes: bool) -> Self {
        self.include_terminated_user = Some(yes);
        self
    }
}

impl UserTasks<'_> {
    /// Attendance results of people over days (查询打卡结果). Any number of people and any
    /// span: the query is split into requests of ≤ 50 people × ≤ 31 days and the answers are
    /// merged: `user_task_results` ordered by person (in the order asked) then day;
    /// `invalid_user_ids` and `unauthorized_user_ids` without repeats.
    pub async fn query(&self, employee_type: EmployeeType, query: UserTaskQuery) -> Result<QueryUserTaskData> {
        let requests =
            people_by_days(query.user_ids.clone(), query.check_date_from, query.check_date_to, USER_TASK_SPAN_DAYS)?;
        let q = &query;
        let answers = run_chunks(self.client, requests, |(ids, from, to)| async move {
            let call = Call::new(Method::POST, format!("{PREFIX}/user_tasks/query"), "user_tasks.query")
                .query("employee_type", employee_type.as_str())
                .query_opt("ignore_invalid_users", q.ignore_invalid_users)
                .query_opt("include_terminated_user", q.include_terminated_user)
                .body(&QueryUserTaskRequest {
                    user_ids: Some(ids),
                    check_date_from: Some(i64::from(from.yyyymmdd())),
                    check_date_to: Some(i64::from(to.yyyymmdd())),
                    need_overtime_result: q.need_overtime_result,
                })?;
            self.client.call::<QueryUserTaskData>(&call).await
        })
        .await?;
        let mut out = QueryUserTaskData::default();
        for a in answers {
            out.user_task_results.extend(a.data.user_task_results);
            for id in a.data.invalid_user_ids {
                if !out.invalid_user_ids.contains(&id) {
                    out.invalid_user_ids.push(id);
                }
            }
            for id in a.data.unauthorized_user_ids {
                if !out.unauthorized_user_ids.contains(&id) {
                    out.unauthorized_user_ids.push(id);
                }
            }
        }
        let position = |id: &str| query.user_ids.iter().position(|u| u == id).unwrap_or(usize::MAX);
        out.user_task_results.sort_by_cached_key(|t| (position(&t.user_id), t.day));
        Ok(out)
    }
}
