//! `user_task_remedys` (补卡), `user_approvals` (leave/out/trip/overtime) and
//! `approval_infos/process`.

use daka_types::attendance::approval_infos::{ApprovalInfo, ProcessApprovalInfoData, ProcessApprovalInfoRequest};
use daka_types::attendance::user_approvals::{
    CreateUserApprovalData, CreateUserApprovalRequest, QueryUserApprovalData, QueryUserApprovalRequest, UserApproval,
};
use daka_types::attendance::user_task_remedys::{
    CreateUserTaskRemedyData, QueryUserAllowedRemedysData, QueryUserAllowedRemedysRequest, QueryUserTaskRemedyData,
    QueryUserTaskRemedyRequest, UserAllowedRemedy, UserTaskRemedy,
};
use daka_types::attendance::EmployeeType;
use daka_types::day::{Day, Instant};
use reqwest::Method;

use super::{people_by_days, run_chunks, split, MAX_USER_IDS, PREFIX};
use crate::client::Call;
use crate::{Client, Error, Result};

/// Longest span (days, inclusive) of one `user_approvals/query` (`to − from ≤ 30`).
pub const MAX_APPROVAL_SPAN_DAYS: u32 = 31;

/// Remedies: `POST /user_task_remedys`, `POST /user_task_remedys/query`,
/// `POST /user_task_remedys/query_user_allowed_remedys`.
#[derive(Debug, Clone, Copy)]
pub struct Remedies<'a> {
    pub(crate) client: &'a Client,
}

impl Remedies<'_> {
    /// Notifies that a remedy application was started in a third-party approval system
    /// (通知补卡审批发起). Required: `user_id`, `remedy_date`, `punch_no`, `work_type`,
    /// `remedy_time` (`yyyy-MM-dd HH:mm`), `reason`. The answer carries the `approval_id` to
    /// pass to [`Approvals::process`].
    pub async fn create(&self, employee_type: EmployeeType, remedy: &UserTaskRemedy) -> Result<UserTaskRemedy> {
        let call = Call::new(Method::POST, format!("{PREFIX}/user_task_remedys"), "user_task_remedys.create")
            .query("employee_type", employee_type.as_str())
            .body(remedy)?;
        Ok(self.client.call::<CreateUserTaskRemedyData>(&call).await?.data.user_remedy)
    }

    /// Remedy records of people whose effect time lies in `from..=to` (获取补卡记录); `status`
    /// defaults to 2 (approved) on the platform. Any number of people (split by 50).
    pub async fn query(
        &self,
        employee_type: EmployeeType,
        user_ids: impl IntoIterator<Item = impl Into<String>>,
        from: Instant,
        to: Instant,
        status: Option<i32>,
    ) -> Result<Vec<UserTaskRemedy>> {
        if from > to {
            return Err(Error::Invalid("check_time_from is after check_time_to".into()));
        }
        let ids: Vec<String> = user_ids.into_iter().map(Into::into).collect();
        let answers = run_chunks(self.client, split(ids, MAX_USER_IDS), |chunk| async move {
            let call = Call::new(Method::POST, format!("{PREFIX}/user_task_remedys/query"), "user_task_remedys.query")
                .query("employee_type", employee_type.as_str())
                .body(&QueryUserTaskRemedyRequest {
                    user_ids: Some(chunk),
                    check_time_from: Some(from.to_wire()),
                    check_time_to: Some(to.to_wire()),
                    check_date_type: None,
                    status,
                })?;
            self.client.call::<QueryUserTaskRemedyData>(&call).await
        })
        .await?;
        Ok(answers.into_iter().flat_map(|a| a.data.user_remedys).collect())
    }

    /// Which punches of a day a person may still remedy, with the allowed time windows
    /// (获取可补卡时间).
    pub async fn query_user_allowed_remedys(
        &self,
        employee_type: EmployeeType,
        user_id: &str,
        day: Day,
    ) -> Result<Vec<UserAllowedRemedy>> {
        let call = Call::new(
            Method::POST,
            format!("{PREFIX}/user_task_remedys/query_user_allowed_remedys"),
            "user_task_remedys.query_user_allowed_remedys",
        )
        .query("employee_type", employee_type.as_str())
        .body(&QueryUserAllowedRemedysRequest {
            user_id: Some(user_id.to_owned()),
            remedy_date: Some(i64::from(day.yyyymmdd())),
        })?;
        Ok(self.client.call::<QueryUserAllowedRemedysData>(&call).await?.data.user_allowed_remedys)
    }
}

/// Approvals: `POST /user_approvals`, `POST /user_approvals/query`,
/// `POST /approval_infos/process`.
#[derive(Debug, Clone, Copy)]
pub struct Approvals<'a> {
    pub(crate) client: &'a Client,
}

/// `approval_type` of [`Approvals::process`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApprovalType {
    /// 请假.
    Leave,
    /// 外出.
    Out,
    /// 加班.
    Overtime,
    /// 出差.
    Trip,
    /// 补卡.
    Remedy,
}

impl ApprovalType {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalType::Leave => "leave",
            ApprovalType::Out => "out",
            ApprovalType::Overtime => "overtime",
            ApprovalType::Trip => "trip",
            ApprovalType::Remedy => "remedy",
        }
    }
}

impl Approvals<'_> {
    /// Writes a third-party approval result (写入审批结果): leaves, outs, trips, overtime of one
    /// person. Each item gets an `approval_id`.
    pub async fn create(&self, employee_type: EmployeeType, approval: UserApproval) -> Result<UserApproval> {
        let call = Call::new(Method::POST, format!("{PREFIX}/user_approvals"), "user_approvals.create")
            .query("employee_type", employee_type.as_str())
            .body(&CreateUserApprovalRequest { user_approval: Some(approval) })?;
        Ok(self.client.call::<CreateUserApprovalData>(&call).await?.data.user_approval)
    }

    /// Approvals of people over days (获取审批数据); `status` defaults to 2 (approved) on the
    /// platform. Any number of people and any span (split into ≤ 50 people × ≤ 31 days).
    pub async fn query(
        &self,
        employee_type: EmployeeType,
        user_ids: impl IntoIterator<Item = impl Into<String>>,
        from: Day,
        to: Day,
        status: Option<i32>,
    ) -> Result<Vec<UserApproval>> {
        let ids = user_ids.into_iter().map(Into::into).collect();
        let requests = people_by_days(ids, from, to, MAX_APPROVAL_SPAN_DAYS)?;
        let answers = run_chunks(self.client, requests, |(ids, f, t)| async move {
            let call = Call::new(Method::POST, format!("{PREFIX}/user_approvals/query"), "user_approvals.query")
                .query("employee_type", employee_type.as_str())
                .body(&QueryUserApprovalRequest {
                    user_ids: Some(ids),
                    check_date_from: Some(i64::from(f.yyyymmdd())),
                    check_date_to: Some(i64::from(t.yyyymmdd())),
                    status,
                    ..QueryUserApprovalRequest::default()
                })?;
            self.client.call::<QueryUserApprovalData>(&call).await
        })
        .await?;
        Ok(answers.into_iter().flat_map(|a| a.data.user_approvals).collect())
    }

    /// Updates an approval's status (通知审批状态更新): remedies 1 reject / 2 approve / 4 revoke;
    /// leave, out, overtime and trip only 4 (revoke).
    pub async fn process(&self, approval_id: &str, approval_type: ApprovalType, status: i32) -> Result<ApprovalInfo> {
        let call = Call::new(Method::POST, format!("{PREFIX}/approval_infos/process"), "approval_infos.process").body(
            &ProcessApprovalInfoRequest {
                approval_id: Some(approval_id.to_owned()),
                approval_type: Some(approval_type.as_str().to_owned()),
                status: Some(status),
            },
        )?;
        Ok(self.client.call::<ProcessApprovalInfoData>(&call).await?.data.approval_info)
    }
}
