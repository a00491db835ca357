//! `user_daily_shifts`: schedules of scheduling groups and temporary shifts.
//!
//! Entries whose person is unknown or not in the entry's group that day do not take effect;
//! the response then has `code` 0 and `msg` `{"user_id":["yyyyMMdd", …]}` (spec §2.11).

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::State;
use axum::{Extension, Json};
use daka_store::apps::Caller;
use daka_store::schedules::{ScheduleInput, TempInput};
use daka_store::shifts::{day_to_date, REST_SHIFT_ID};
use daka_types::attendance::user_daily_shifts::*;
use daka_types::Envelope;

use super::{id_kind, user_ids};
use crate::error::{ApiError, ApiResult};
use crate::extract::{attendance_body, Params};
use crate::state::AppState;

/// Most entries one `batch_create` / `batch_create_temp` takes.
pub const MAX_ENTRIES: usize = 50;
/// Most pairs of a temporary shift.
pub const MAX_TEMP_RULES: usize = 6;
/// Longest `query` span in days (`check_date_to − check_date_from`).
pub const MAX_QUERY_SPAN: i64 = 30;

fn failed_msg(failed: &BTreeMap<String, Vec<String>>) -> String {
    serde_json::to_string(failed).unwrap_or_default()
}

fn id_field(field: &str, v: Option<&str>) -> ApiResult<i64> {
    let v =
        v.map(str::trim).filter(|s| !s.is_empty()).ok_or_else(|| ApiError::Invalid(format!("{field} is required")))?;
    v.parse::<i64>().map_err(|_| ApiError::Invalid(format!("{field} {v:?} is not an id")))
}

/// An entry's person (`user_id`, as sent) and group (`group_id`), both required.
fn person_and_group(
    field: &dyn Fn(&str) -> String,
    user_id: Option<&str>,
    group_id: Option<&str>,
) -> ApiResult<(String, i64)> {
    let user_id = user_id
        .filter(|u| !u.is_empty())
        .ok_or_else(|| ApiError::Invalid(format!("{} is required", field("user_id"))))?;
    Ok((user_id.to_owned(), id_field(&field("group_id"), group_id)?))
}

fn day_field(field: &str, v: Option<i32>) -> ApiResult<i32> {
    let d = v.ok_or_else(|| ApiError::Invalid(format!("{field} is required")))?;
    day_to_date(d).map(|_| d).ok_or_else(|| ApiError::Invalid(format!("{field} {d} is not a date yyyyMMdd")))
}

/// `POST /user_daily_shifts/batch_create?employee_type`: creates, changes (`shift_id`, `"0"` =
/// rest) or clears (`is_clear_schedule`) person-days of scheduling groups.
pub async fn batch_create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    params: Params,
    body: Bytes,
) -> ApiResult<Json<Envelope<UserDailyShiftData>>> {
    let kind = id_kind(params.employee_type()?);
    let req: BatchCreateUserDailyShiftRequest = attendance_body(&body)?;
    let list = req.user_daily_shifts.ok_or_else(|| ApiError::Invalid("user_daily_shifts is required".into()))?;
    if list.is_empty() || list.len() > MAX_ENTRIES {
        return Err(ApiError::Invalid(format!(
            "user_daily_shifts must have 1 to {MAX_ENTRIES} entries, got {}",
            list.len()
        )));
    }
    let mut inputs = Vec::with_capacity(list.len());
    for (i, e) in list.iter().enumerate() {
        let f = |n: &str| format!("user_daily_shifts[{i}].{n}");
        let (user_id, group_id) = person_and_group(&f, e.user_id.as_deref(), e.group_id.as_deref())?;
        let clear = e.is_clear_schedule.unwrap_or(false);
        let shift_id = match (clear, e.shift_id.as_deref()) {
            (true, None) => REST_SHIFT_ID,
            _ => id_field(&f("shift_id"), e.shift_id.as_deref())?,
        };
        let month = e.month.ok_or_else(|| ApiError::Invalid(format!("{} is required", f("month"))))?;
        let day_no = e.day_no.ok_or_else(|| ApiError::Invalid(format!("{} is required", f("day_no"))))?;
        if !(1..=31).contains(&day_no) {
            return Err(ApiError::Invalid(format!("{} must be 1 to 31, got {day_no}", f("day_no"))));
        }
        let day = month * 100 + day_no;
        if day_to_date(day).is_none() {
            return Err(ApiError::Invalid(format!("{} {month} and day_no {day_no} are not a date", f("month"))));
        }
        inputs.push(ScheduleInput { user_id, group_id, day, shift_id, clear });
    }
    let out = state.store.schedule(caller.tenant_id, kind, &inputs, state.now()).await?;
    let data = UserDailyShiftData {
        user_daily_shifts: out
            .stored
            .iter()
            .map(|(i, p)| {
                let input = &inputs[*i];
                UserDailyShift {
                    group_id: Some(input.group_id.to_string()),
                    shift_id: Some(input.shift_id.to_string()),
                    month: Some(input.day / 100),
                    user_id: Some(p.id_of(kind).to_owned()),
                    day_no: Some(input.day % 100),
                    is_clear_schedule: list[*i].is_clear_schedule,
                }
            })
            .collect(),
    };
    let mut env = Envelope::success(data);
    if !out.failed.is_empty() {
        env.msg = failed_msg(&out.failed);
    }
    Ok(Json(env))
}

/// `POST /user_daily_shifts/query?employee_type`: schedule entries (temporary shifts included)
/// of at most 50 people over at most 30 days.
pub async fn query(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    params: Params,
    body: Bytes,
) -> ApiResult<Json<Envelope<UserDailyShiftData>>> {
    let kind = id_kind(params.employee_type()?);
    let req: QueryUserDailyShiftRequest = attendance_body(&body)?;
    let ids = user_ids(req.user_ids, 50)?;
    let from = day_field("check_date_from", req.check_date_from)?;
    let to = day_field("check_date_to", req.check_date_to)?;
    let (df, dt) = (day_to_date(from).unwrap_or_default(), day_to_date(to).unwrap_or_default());
    if to < from {
        return Err(ApiError::Invalid("check_date_to must not be before check_date_from".into()));
    }
    let span = df.until(dt).map(|s| i64::from(s.get_days())).unwrap_or(i64::MAX);
    if span > MAX_QUERY_SPAN {
        return Err(ApiError::Invalid(format!(
            "check_date_to: the span from check_date_from must not exceed {MAX_QUERY_SPAN} days, got {span}"
        )));
    }
    let people = super::known_people(&state, caller.tenant_id, kind, &ids, false).await?;
    let person_ids: Vec<i64> = people.iter().map(|p| p.id).collect();
    let rows = state.store.schedules_of(&person_ids, from, to).await?;
    let user_daily_shifts = rows
        .iter()
        .filter_map(|r| {
            let p = people.iter().find(|p| p.id == r.person_id)?;
            Some(UserDailyShift {
                group_id: Some(r.entry.group_id.to_string()),
                shift_id: Some(r.entry.shift_id.to_string()),
                month: Some(r.day / 100),
                user_id: Some(p.id_of(kind).to_owned()),
                day_no: Some(r.day % 100),
                is_clear_schedule: None,
            })
        })
        .collect();
    Ok(Json(Envelope::success(UserDailyShiftData { user_daily_shifts })))
}

/// `POST /user_daily_shifts/batch_create_temp?employee_type`: per person-day temporary shifts
/// with 0–6 pairs (default thresholds; no pairs = rest day).
pub async fn batch_create_temp(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    params: Params,
    body: Bytes,
) -> ApiResult<Json<Envelope<BatchCreateTempData>>> {
    let kind = id_kind(params.employee_type()?);
    let req: BatchCreateTempRequest = attendance_body(&body)?;
    let list =
        req.user_tmp_daily_shifts.ok_or_else(|| ApiError::Invalid("user_tmp_daily_shifts is required".into()))?;
    if list.len() > MAX_ENTRIES {
        return Err(ApiError::Invalid(format!(
            "user_tmp_daily_shifts has {} entries, at most {MAX_ENTRIES} are allowed",
            list.len()
        )));
    }
    let mut inputs = Vec::with_capacity(list.len());
    for (i, e) in list.iter().enumerate() {
        let f = |n: &str| format!("user_tmp_daily_shifts[{i}].{n}");
        let (user_id, group_id) = person_and_group(&f, e.user_id.as_deref(), e.group_id.as_deref())?;
        let day = day_field(&f("date"), e.date)?;
        let name = e
            .shift_name
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| ApiError::Invalid(format!("{} is required", f("shift_name"))))?
            .to_owned();
        let rules = e
            .punch_time_simple_rules
            .as_ref()
            .ok_or_else(|| ApiError::Invalid(format!("{} is required", f("punch_time_simple_rules"))))?;
        if rules.len() > MAX_TEMP_RULES {
            return Err(ApiError::Invalid(format!(
                "{} has {} entries, at most {MAX_TEMP_RULES} are allowed",
                f("punch_time_simple_rules"),
                rules.len()
            )));
        }
        let mut pairs: Vec<(i32, i32)> = Vec::with_capacity(rules.len());
        for (j, r) in rules.iter().enumerate() {
            let g = |n: &str| format!("{}[{j}].{n}", f("punch_time_simple_rules"));
            let on = daka_store::shifts::clock(&g("on_time"), r.on_time.as_deref())?;
            let off = daka_store::shifts::clock(&g("off_time"), r.off_time.as_deref())?;
            if off <= on {
                return Err(ApiError::Invalid(format!("{} must be after on_time", g("off_time"))));
            }
            if let Some(&(_, prev_off)) = pairs.last() {
                if on < prev_off {
                    return Err(ApiError::Invalid(format!(
                        "{} must not be before the previous rule's off_time",
                        g("on_time")
                    )));
                }
            }
            pairs.push((on, off));
        }
        inputs.push(TempInput { user_id, group_id, day, name, pairs });
    }
    let out = state.store.schedule_temp(caller.tenant_id, kind, &inputs, state.now()).await?;
    let data = BatchCreateTempData {
        user_tmp_daily_shifts: out
            .stored
            .iter()
            .map(|(i, p)| {
                let input = &inputs[*i];
                UserTmpDailyShift {
                    group_id: Some(input.group_id.to_string()),
                    user_id: Some(p.id_of(kind).to_owned()),
                    date: Some(input.day),
                    shift_name: Some(input.name.clone()),
                    punch_time_simple_rules: Some(
                        input
                            .pairs
                            .iter()
                            .map(|&(on, off)| PunchTimeSimpleRule {
                                on_time: Some(daka_engine::format_clock(on)),
                                off_time: Some(daka_engine::format_clock(off)),
                            })
                            .collect(),
                    ),
                }
            })
            .collect(),
    };
    let mut env = Envelope::success(data);
    if !out.failed.is_empty() {
        env.msg = failed_msg(&out.failed);
    }
    Ok(Json(env))
}
