//! `user_daily_shifts`: schedules (排班) and temporary shifts.

use daka_types::attendance::user_daily_shifts::{
    BatchCreateTempData, BatchCreateTempRequest, BatchCreateUserDailyShiftRequest, QueryUserDailyShiftRequest,
    UserDailyShift, UserDailyShiftData, UserTmpDailyShift,
};
use daka_types::attendance::EmployeeType;
use daka_types::day::Day;
use reqwest::Method;

use super::user_flows::failure_msg;
use super::{people_by_days, run_chunks, split, MAX_DAILY_SHIFTS, MAX_SCHEDULE_SPAN_DAYS, PREFIX};
use crate::client::Call;
use crate::{Client, Result};

/// Schedules: `POST /user_daily_shifts/batch_create`, `POST /user_daily_shifts/query`,
/// `POST /user_daily_shifts/batch_create_temp`.
#[derive(Debug, Clone, Copy)]
pub struct UserDailyShifts<'a> {
    pub(crate) client: &'a Client,
}

/// What a schedule write stored, merged over every request it was split into.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BatchCreateDailyShiftsOutcome<T> {
    /// The stored entries.
    pub entries: Vec<T>,
    /// Partial-failure messages (`code` 0 with `msg` `{person: [day, …]}` naming entries that did
    /// not take effect).
    pub failures: Vec<String>,
}

/// A schedule entry: `user_id` works `shift_id` (`"0"` = rest) in `group_id` on `day`.
pub fn daily_shift(
    group_id: impl Into<String>,
    user_id: impl Into<String>,
    day: Day,
    shift_id: impl Into<String>,
) -> UserDailyShift {
    UserDailyShift {
        group_id: Some(group_id.into()),
        shift_id: Some(shift_id.into()),
        month: Some(day.yyyymm()),
        user_id: Some(user_id.into()),
        day_no: Some(day.day() as i32),
        is_clear_schedule: None,
    }
}

impl UserDailyShifts<'_> {
    /// Creates or modifies schedule entries (创建或修改排班表); any number (sent 50 per request).
    pub async fn batch_create(
        &self,
        employee_type: EmployeeType,
        entries: impl IntoIterator<Item = UserDailyShift>,
        operator_id: Option<String>,
    ) -> Result<BatchCreateDailyShiftsOutcome<UserDailyShift>> {
        let op = &operator_id;
        let answers =
            run_chunks(self.client, split(entries.into_iter().collect(), MAX_DAILY_SHIFTS), |chunk| async move {
                let call = Call::new(
                    Method::POST,
                    format!("{PREFIX}/user_daily_shifts/batch_create"),
                    "user_daily_shifts.batch_create",
                )
                .query("employee_type", employee_type.as_str())
                .body(&BatchCreateUserDailyShiftRequest { user_daily_shifts: Some(chunk), operator_id: op.clone() })?;
                self.client.call::<UserDailyShiftData>(&call).await
            })
            .await?;
        let mut out = BatchCreateDailyShiftsOutcome::default();
        for a in answers {
            out.entries.extend(a.data.user_daily_shifts);
            out.failures.extend(failure_msg(&a.msg));
        }
        Ok(out)
    }

    /// Schedules of people over days (查询排班表). Any number of people and any span: split
    /// into requests of ≤ 50 people × ≤ 30 days and merged.
    pub async fn query(
        &self,
        employee_type: EmployeeType,
        user_ids: impl IntoIterator<Item = impl Into<String>>,
        from: Day,
        to: Day,
    ) -> Result<Vec<UserDailyShift>> {
        let ids = user_ids.into_iter().map(Into::into).collect();
        let requests = people_by_days(ids, from, to, MAX_SCHEDULE_SPAN_DAYS)?;
        let answers = run_chunks(self.client, requests, |(ids, f, t)| async move {
            let call = Call::new(Method::POST, format!("{PREFIX}/user_daily_shifts/query"), "user_daily_shifts.query")
                .query("employee_type", employee_type.as_str())
                .body(&QueryUserDailyShiftRequest {
                    user_ids: Some(ids),
                    check_date_from: Some(f.yyyymmdd()),
                    check_date_to: Some(t.yyyymmdd()),
                })?;
            self.client.call::<UserDailyShiftData>(&call).await
        })
        .await?;
        Ok(answers.into_iter().flat_map(|a| a.data.user_daily_shifts).collect())
    }

    /// Creates or modifies temporary shifts (创建或修改临时排班); any number (sent 50 per
    /// request).
    pub async fn batch_create_temp(
        &self,
        employee_type: EmployeeType,
        entries: impl IntoIterator<Item = UserTmpDailyShift>,
        operator_id: Option<String>,
    ) -> Result<BatchCreateDailyShiftsOutcome<UserTmpDailyShift>> {
        let op = &operator_id;
        let answers =
            run_chunks(self.client, split(entries.into_iter().collect(), MAX_DAILY_SHIFTS), |chunk| async move {
                let call = Call::new(
                    Method::POST,
                    format!("{PREFIX}/user_daily_shifts/batch_create_temp"),
                    "user_daily_shifts.batch_create_temp",
                )
                .query("employee_type", employee_type.as_str())
                .body(&BatchCreateTempRequest { user_tmp_daily_shifts: Some(chunk), operator_id: op.clone() })?;
                self.client.call::<BatchCreateTempData>(&call).await
            })
            .await?;
        let mut out = BatchCreateDailyShiftsOutcome::default();
        for a in answers {
            out.entries.extend(a.data.user_tmp_daily_shifts);
            out.failures.extend(failure_msg(&a.msg));
        }
        Ok(out)
    }
}
