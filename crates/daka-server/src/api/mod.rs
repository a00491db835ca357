//! The API, laid out like the upstream one: `auth/v3`, `contact/v3`, `attendance/v1`.

pub mod attendance;
pub mod auth;
pub mod contact;

use axum::http::Method;
use axum::routing::{get, post};
use axum::Router;

use crate::state::AppState;

/// An authenticated endpoint: what it is called, which scopes admit it, its own rate cap.
#[derive(Debug)]
pub struct Endpoint {
    /// HTTP method.
    pub method: Method,
    /// Route path as registered.
    pub path: &'static str,
    /// Short name (rate-limit key, logs).
    pub name: &'static str,
    /// Any one of these scopes admits the call.
    pub scopes: &'static [&'static str],
    /// A per-second limit below the default, if the endpoint has one.
    pub rate_cap: Option<u32>,
}

const TASK: &str = "attendance:task";
const TASK_RO: &str = "attendance:task:readonly";
const RULE: &str = "attendance:rule";
const RULE_RO: &str = "attendance:rule:readonly";
const CONTACT: &str = "contact:contact";
const CONTACT_RO: &str = "contact:user.base:readonly";

const USERS: &str = "/open-apis/contact/v3/users";
const USER: &str = "/open-apis/contact/v3/users/{user_id}";
const FLOWS_CREATE: &str = "/open-apis/attendance/v1/user_flows/batch_create";
const FLOW: &str = "/open-apis/attendance/v1/user_flows/{user_flow_id}";
const FLOWS_QUERY: &str = "/open-apis/attendance/v1/user_flows/query";
const FLOWS_DEL: &str = "/open-apis/attendance/v1/user_flows/batch_del";
const SHIFTS: &str = "/open-apis/attendance/v1/shifts";
const SHIFT: &str = "/open-apis/attendance/v1/shifts/{shift_id}";
const SHIFTS_QUERY: &str = "/open-apis/attendance/v1/shifts/query";
const GROUPS: &str = "/open-apis/attendance/v1/groups";
const GROUP: &str = "/open-apis/attendance/v1/groups/{group_id}";
const GROUPS_SEARCH: &str = "/open-apis/attendance/v1/groups/search";
const GROUP_USERS: &str = "/open-apis/attendance/v1/groups/{group_id}/list_user";
const SCHEDULES_CREATE: &str = "/open-apis/attendance/v1/user_daily_shifts/batch_create";
const SCHEDULES_QUERY: &str = "/open-apis/attendance/v1/user_daily_shifts/query";
const SCHEDULES_TEMP: &str = "/open-apis/attendance/v1/user_daily_shifts/batch_create_temp";
const TASKS_QUERY: &str = "/open-apis/attendance/v1/user_tasks/query";
const REMEDYS: &str = "/open-apis/attendance/v1/user_task_remedys";
const REMEDYS_QUERY: &str = "/open-apis/attendance/v1/user_task_remedys/query";
const REMEDYS_ALLOWED: &str = "/open-apis/attendance/v1/user_task_remedys/query_user_allowed_remedys";
const APPROVALS: &str = "/open-apis/attendance/v1/user_approvals";
const APPROVALS_QUERY: &str = "/open-apis/attendance/v1/user_approvals/query";
const APPROVAL_PROCESS: &str = "/open-apis/attendance/v1/approval_infos/process";

/// Every authenticated endpoint daka serves.
pub fn endpoints() -> Vec<Endpoint> {
    let e = |method: Method, path, name, scopes, rate_cap| Endpoint { method, path, name, scopes, rate_cap };
    vec![
        e(Method::POST, USERS, "contact.users.create", &[CONTACT] as &[_], None),
        e(Method::GET, USER, "contact.users.get", &[CONTACT, CONTACT_RO], None),
        e(Method::DELETE, USER, "contact.users.delete", &[CONTACT], None),
        e(Method::POST, FLOWS_CREATE, "user_flows.batch_create", &[TASK], None),
        e(Method::GET, FLOW, "user_flows.get", &[TASK, TASK_RO], None),
        e(Method::POST, FLOWS_QUERY, "user_flows.query", &[TASK_RO], None),
        e(Method::POST, FLOWS_DEL, "user_flows.batch_del", &[TASK], Some(10)),
        e(Method::POST, SHIFTS, "shifts.create", &[RULE], None),
        e(Method::DELETE, SHIFT, "shifts.delete", &[RULE], None),
        e(Method::GET, SHIFT, "shifts.get", &[RULE, RULE_RO], None),
        e(Method::POST, SHIFTS_QUERY, "shifts.query", &[TASK_RO], None),
        e(Method::GET, SHIFTS, "shifts.list", &[RULE, RULE_RO], None),
        e(Method::POST, GROUPS, "groups.create", &[RULE], None),
        e(Method::DELETE, GROUP, "groups.delete", &[RULE], None),
        e(Method::GET, GROUP, "groups.get", &[RULE, RULE_RO], None),
        e(Method::POST, GROUPS_SEARCH, "groups.search", &[RULE, RULE_RO], None),
        e(Method::GET, GROUPS, "groups.list", &[RULE, RULE_RO], None),
        e(Method::GET, GROUP_USERS, "groups.list_user", &[RULE, RULE_RO], None),
        e(Method::POST, SCHEDULES_CREATE, "user_daily_shifts.batch_create", &[RULE], None),
        e(Method::POST, SCHEDULES_QUERY, "user_daily_shifts.query", &[TASK_RO], None),
        e(Method::POST, SCHEDULES_TEMP, "user_daily_shifts.batch_create_temp", &[RULE], None),
        e(Method::POST, TASKS_QUERY, "user_tasks.query", &[TASK_RO], None),
        e(Method::POST, REMEDYS, "user_task_remedys.create", &[TASK], None),
        e(Method::POST, REMEDYS_QUERY, "user_task_remedys.query", &[TASK_RO], None),
        e(Method::POST, REMEDYS_ALLOWED, "user_task_remedys.query_user_allowed_remedys", &[TASK_RO], None),
        e(Method::POST, APPROVALS, "user_approvals.create", &[TASK], None),
        e(Method::POST, APPROVALS_QUERY, "user_approvals.query", &[TASK_RO], None),
        e(Method::POST, APPROVAL_PROCESS, "approval_infos.process", &[TASK], None),
    ]
}

/// The endpoint registered for `method` and route `path`, if it requires auth.
pub fn endpoint(method: &Method, path: &str) -> Option<&'static Endpoint> {
    static TABLE: std::sync::OnceLock<Vec<Endpoint>> = std::sync::OnceLock::new();
    TABLE.get_or_init(endpoints).iter().find(|e| e.method == *method && e.path == path)
}

/// Routes of every endpoint.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/open-apis/auth/v3/tenant_access_token/internal", post(auth::tenant_access_token))
        .route("/open-apis/auth/v3/app_access_token/internal", post(auth::app_access_token))
        .route(USERS, post(contact::users::create))
        .route(USER, get(contact::users::get).delete(contact::users::delete))
        .route(FLOWS_CREATE, post(attendance::user_flows::batch_create))
        .route(FLOW, get(attendance::user_flows::get))
        .route(FLOWS_QUERY, post(attendance::user_flows::query))
        .route(FLOWS_DEL, post(attendance::user_flows::batch_del))
        .route(SHIFTS, post(attendance::shifts::create).get(attendance::shifts::list))
        .route(SHIFT, get(attendance::shifts::get).delete(attendance::shifts::delete))
        .route(SHIFTS_QUERY, post(attendance::shifts::query))
        .route(GROUPS, post(attendance::groups::create).get(attendance::groups::list))
        .route(GROUP, get(attendance::groups::get).delete(attendance::groups::delete))
        .route(GROUPS_SEARCH, post(attendance::groups::search))
        .route(GROUP_USERS, get(attendance::groups::list_user))
        .route(SCHEDULES_CREATE, post(attendance::user_daily_shifts::batch_create))
        .route(SCHEDULES_QUERY, post(attendance::user_daily_shifts::query))
        .route(SCHEDULES_TEMP, post(attendance::user_daily_shifts::batch_create_temp))
        .route(TASKS_QUERY, post(attendance::user_tasks::query))
        .route(REMEDYS, post(attendance::user_task_remedys::create))
        .route(REMEDYS_QUERY, post(attendance::user_task_remedys::query))
        .route(REMEDYS_ALLOWED, post(attendance::user_task_remedys::query_user_allowed_remedys))
        .route(APPROVALS, post(attendance::user_approvals::create))
        .route(APPROVALS_QUERY, post(attendance::user_approvals::query))
        .route(APPROVAL_PROCESS, post(attendance::approval_infos::process))
}
