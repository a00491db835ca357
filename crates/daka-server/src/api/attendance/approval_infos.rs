//! `approval_infos/process`: status changes of remedies and approvals.

use axum::body::Bytes;
use axum::extract::State;
use axum::{Extension, Json};
use daka_store::apps::Caller;
use daka_types::attendance::approval_infos::*;
use daka_types::Envelope;

use crate::error::{ApiError, ApiResult};
use crate::extract::attendance_body;
use crate::state::AppState;

/// `POST /approval_infos/process`: remedy 0→1, 0→2, 2→4; leave, out, trip and overtime 2→4.
/// Every other transition is refused with 1220001 naming it.
pub async fn process(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> ApiResult<Json<Envelope<ProcessApprovalInfoData>>> {
    let req: ProcessApprovalInfoRequest = attendance_body(&body)?;
    let raw_id =
        req.approval_id.filter(|s| !s.is_empty()).ok_or_else(|| ApiError::Invalid("approval_id is required".into()))?;
    let approval_id = raw_id
        .trim()
        .parse::<i64>()
        .map_err(|_| ApiError::Invalid(format!("approval_id {raw_id:?} is not an approval id")))?;
    let approval_type = req
        .approval_type
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::Invalid("approval_type is required".into()))?;
    if !matches!(approval_type.as_str(), "leave" | "out" | "overtime" | "trip" | "remedy") {
        return Err(ApiError::Invalid(format!(
            "approval_type must be leave, out, overtime, trip or remedy, got {approval_type:?}"
        )));
    }
    let status = req.status.ok_or_else(|| ApiError::Invalid("status is required".into()))?;
    if !matches!(status, 1 | 2 | 4) {
        return Err(ApiError::Invalid(format!(
            "status must be 1 (rejected), 2 (approved) or 4 (withdrawn), got {status}"
        )));
    }
    let status = state
        .store
        .process_approval(caller.tenant_id, approval_id, &approval_type, i64::from(status), state.now())
        .await?;
    Ok(Json(Envelope::success(ProcessApprovalInfoData {
        approval_info: ApprovalInfo { approval_id: approval_id.to_string(), approval_type, status },
    })))
}
