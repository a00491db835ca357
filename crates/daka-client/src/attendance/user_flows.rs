//! `user_flows`: punch records (打卡流水).

use std::collections::BTreeMap;

use daka_types::attendance::user_flows::{
    BatchCreateUserFlowData, BatchCreateUserFlowRequest, BatchDelUserFlowData, BatchDelUserFlowRequest,
    QueryUserFlowData, QueryUserFlowRequest, UserFlow,
};
use daka_types::attendance::EmployeeType;
use daka_types::day::Instant;
use reqwest::Method;

use super::{run_chunks, split, MAX_FLOW_RECORDS, MAX_RECORD_IDS, MAX_USER_IDS, PREFIX};
use crate::client::Call;
use crate::{Client, Error, Result};

/// Punch records: `POST /user_flows/batch_create`, `GET /user_flows/:id`,
/// `POST /user_flows/query`, `POST /user_flows/batch_del`.
#[derive(Debug, Clone, Copy)]
pub struct UserFlows<'a> {
    pub(crate) client: &'a Client,
}

/// What an import stored, merged over every request it was split into.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchCreateOutcome {
    /// The stored records in input order, each with its `record_id` (records with a repeated
    /// `idempotent_id` come back as the original).
    pub flow_records: Vec<UserFlow>,
    /// Partial-failure messages: the platform answers `code` 0 with
    /// `msg` = `[user_id-creator_id, …]` naming the records it did not import.
    pub failures: Vec<String>,
}

/// What a delete did, merged over every request it was split into.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchDeleteOutcome {
    /// Deleted ids.
    pub success_record_ids: Vec<String>,
    /// Ids not deleted.
    pub fail_record_ids: Vec<String>,
    /// Why each failed id was refused, from the answer's `msg` (`{"<id>": "<reason>"}`).
    pub reasons: BTreeMap<String, String>,
}

/// Arguments of [`UserFlows::query`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserFlowQuery {
    /// The people, as the `employee_type` says; any number (split by 50).
    pub user_ids: Vec<String>,
    /// First instant (inclusive).
    pub check_time_from: Instant,
    /// Last instant (inclusive).
    pub check_time_to: Instant,
    /// Also return records of people who have left under a reused id.
    pub include_terminated_user: Option<bool>,
}

impl UserFlowQuery {
    /// Records of `user_ids` with `from <= check_time <= to`.
    pub fn new(user_ids: impl IntoIterator<Item = impl Into<String>>, from: Instant, to: Instant) -> Self {
        UserFlowQuery {
            user_ids: user_ids.into_iter().map(Into::into).collect(),
            check_time_from: from,
            check_time_to: to,
            include_terminated_user: None,
        }
    }

    /// Sets `include_terminated_user`.
    pub fn include_terminated_user(mut self, yes: bool) -> Self {
        self.include_terminated_user = Some(yes);
        self
    }
}

/// A `msg` that reports something other than plain success.
pub(crate) fn failure_msg(msg: &str) -> Option<String> {
    let m = msg.trim();
    (!m.is_empty() && !m.eq_ignore_ascii_case("success") && !m.eq_ignore_ascii_case("ok")).then(|| m.to_owned())
}

impl UserFlows<'_> {
    /// Imports punch records (导入打卡流水). `user_id` and `creator_id` are read as
    /// `employee_type` says; `location_name`, `check_time` and `comment` are required by the
    /// platform. Any number of records: they are sent 50 per request.
    ///
    /// Set `idempotent_id` on each record to make re-running a failed import safe.
    pub async fn batch_create(
        &self,
        employee_type: EmployeeType,
        records: impl IntoIterator<Item = UserFlow>,
    ) -> Result<BatchCreateOutcome> {
        let chunks = split(records.into_iter().collect(), MAX_FLOW_RECORDS);
        let answers = run_chunks(self.client, chunks, |chunk| async move {
            let call = Call::new(Method::POST, format!("{PREFIX}/user_flows/batch_create"), "user_flows.batch_create")
                .query("employee_type", employee_type.as_str())
                .body(&BatchCreateUserFlowRequest { flow_records: Some(chunk) })?;
            self.client.call::<BatchCreateUserFlowData>(&call).await
        })
        .await?;
        let mut out = BatchCreateOutcome::default();
        for a in answers {
            out.flow_records.extend(a.data.flow_records);
            out.failures.extend(failure_msg(&a.msg));
        }
        Ok(out)
    }

    /// One punch record by id (查询打卡流水).
    pub async fn get(&self, record_id: &str, employee_type: EmployeeType) -> Result<UserFlow> {
        if record_id.is_empty() || record_id.contains('/') {
            return Err(Error::Invalid(format!("record id {record_id:?}")));
        }
        let call = Call::new(Method::GET, format!("{PREFIX}/user_flows/{record_id}"), "user_flows.get")
            .query("employee_type", employee_type.as_str());
        Ok(self.client.call::<UserFlow>(&call).await?.data)
    }

    /// Punch records of people in a time range (批量查询打卡流水); any number of people (split
    /// by 50). Only valid records are returned.
    pub async fn query(&self, employee_type: EmployeeType, query: UserFlowQuery) -> Result<Vec<UserFlow>> {
        if query.check_time_from > query.check_time_to {
            return Err(Error::Invalid("check_time_from is after check_time_to".into()));
        }
        let q = &query;
        let answers = run_chunks(self.client, split(q.user_ids.clone(), MAX_USER_IDS), |ids| async move {
            let call = Call::new(Method::POST, format!("{PREFIX}/user_flows/query"), "user_flows.query")
                .query("employee_type", employee_type.as_str())
                .query_opt("include_terminated_user", q.include_terminated_user)
                .body(&QueryUserFlowRequest {
                    user_ids: Some(ids),
                    check_time_from: Some(q.check_time_from.to_wire()),
                    check_time_to: Some(q.check_time_to.to_wire()),
                })?;
            self.client.call::<QueryUserFlowData>(&call).await
        })
        .await?;
        Ok(answers.into_iter().flat_map(|a| a.data.user_flow_results).collect())
    }

    /// Deletes imported punch records (删除打卡流水); any number of ids (sent 10 per request,
    /// paced at 10 requests/s by default). Results are recomputed by the platform.
    pub async fn batch_delete(
        &self,
        record_ids: impl IntoIterator<Item = impl Into<String>>,
    ) -> Result<BatchDeleteOutcome> {
        let ids: Vec<String> = record_ids.into_iter().map(Into::into).collect();
        let answers = run_chunks(self.client, split(ids, MAX_RECORD_IDS), |chunk| async move {
            let call = Call::new(Method::POST, format!("{PREFIX}/user_flows/batch_del"), "user_flows.batch_del")
                .body(&BatchDelUserFlowRequest { record_ids: Some(chunk) })?;
            self.client.call::<BatchDelUserFlowData>(&call).await
        })
        .await?;
        let mut out = BatchDeleteOutcome::default();
        for a in answers {
            out.success_record_ids.extend(a.data.success_record_ids);
            out.fail_record_ids.extend(a.data.fail_record_ids);
            if let Some(msg) = failure_msg(&a.msg) {
                match serde_json::from_str::<BTreeMap<String, serde_json::Value>>(&msg) {
                    Ok(map) => out.reasons.extend(map.into_iter().map(|(k, v)| {
                        let why = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
                        (k, why)
                    })),
                    Err(_) => {
                        out.reasons.insert(String::new(), msg);
                    }
                }
            }
        }
        Ok(out)
    }
}

/// A punch record ready to import: `user_id` punched at `at` in `location_name`, created by
/// the same person, empty comment. Adjust the other fields as needed.
pub fn punch(user_id: impl Into<String>, at: Instant, location_name: impl Into<String>) -> UserFlow {
    let user_id = user_id.into();
    UserFlow {
        creator_id: Some(user_id.clone()),
        user_id: Some(user_id),
        location_name: Some(location_name.into()),
        check_time: Some(at.to_wire()),
        comment: Some(String::new()),
        ..UserFlow::default()
    }
}
