"""Shared set-up of the remedy and approval suites (no tests here): a fixed clock, a 9:00–18:00
shift and groups made through lark-oapi's shift and group APIs, and SDK shorthands for
user_task_remedys, user_approvals, approval_infos and user_tasks.

The clock is fixed with `daka serve --now` at Wednesday 2024-01-17 12:00 in Asia/Shanghai, so
Monday 15th and Tuesday 16th are closed past days and every result is reproducible."""

from __future__ import annotations

import json
import sqlite3
from typing import List, Optional

import lark_oapi as lark

from daka_harness import Daka, att, import_flows, flow, new_user, start_daka, uid

NOW = 1705464000  # 2024-01-17T12:00:00+08:00
MON, TUE, WED = 20240115, 20240116, 20240117
DAY_START = {MON: 1705248000, TUE: 1705334400, WED: 1705420800}  # local 00:00, Asia/Shanghai


def at(day: int, hh: int, mm: int = 0, ss: int = 0) -> int:
    """Unix seconds of a local Asia/Shanghai wall-clock time on one of the test days."""
    return DAY_START[day] + hh * 3600 + mm * 60 + ss


def start_fixed(tmp) -> Daka:
    return start_daka(tmp, extra_args=["--now", str(NOW), "--sweep-interval", "3600"])


# ----------------------------------------------------------------------------------------------
# Rules through the SDK's shift and group APIs
# ----------------------------------------------------------------------------------------------

RULE = {
    "on_time": "9:00", "off_time": "18:00",
    "late_minutes_as_late": 5, "late_minutes_as_lack": 60, "on_advance_minutes": 120,
    "early_minutes_as_early": 5, "early_minutes_as_lack": 60, "off_delay_minutes": 240,
}


def create_shift(client: lark.Client, name: Optional[str] = None, rules: Optional[List[dict]] = None) -> str:
    shift = att.Shift({"shift_name": name or uid("shift-"), "punch_times": 1,
                       "punch_time_rule": rules or [RULE]})
    resp = client.attendance.v1.shift.create(
        att.CreateShiftRequest.builder().employee_type("employee_id").request_body(shift).build())
    assert resp.code == 0, (resp.code, resp.msg)
    return resp.data.shift.shift_id


def create_group(client: lark.Client, members: List[str], shift_id: str, **policy) -> str:
    """A fixed group (every day of the week uses `shift_id`, no holiday calendar) with the given
    remedy policy fields."""
    g = {
        "group_name": uid("group-"),
        "time_zone": "Asia/Shanghai",
        "bind_user_ids": members,
        "group_leader_ids": members[:1],
        "group_type": 0,
        "punch_day_shift_ids": [shift_id] * 7,
        "calendar_id": 0,
        "effect_now": True,
    }
    g.update(policy)
    body = att.CreateGroupRequestBody.builder().group(att.Group(g)).build()
    req = (att.CreateGroupRequest.builder().employee_type("employee_id").dept_type("open_id")
           .request_body(body).build())
    resp = client.attendance.v1.group.create(req)
    assert resp.code == 0, (resp.code, resp.msg)
    return resp.data.group.group_id


def grouped_users(client: lark.Client, n: int = 1, shift_id: Optional[str] = None, **policy) -> List[str]:
    """`n` new people in a new group of the 9:00–18:00 shift."""
    users = [new_user(client, "r") for _ in range(n)]
    create_group(client, users, shift_id or create_shift(client), **policy)
    return users


def punch(client: lark.Client, user_id: str, *instants: int, **fields) -> List[str]:
    resp = import_flows(client, [flow(user_id, t, **fields) for t in instants])
    assert resp.code == 0, (resp.code, resp.msg)
    return [f.record_id for f in resp.data.flow_records]


# ----------------------------------------------------------------------------------------------
# Remedies, approvals, results
# ----------------------------------------------------------------------------------------------


def create_remedy(client: lark.Client, user_id: str, day: int, remedy_time: str, punch_no: int = 0,
                  work_type: int = 1, reason: str = "忘记打卡", employee_type: str = "employee_id"):
    body = att.UserTaskRemedy.builder().user_id(user_id).remedy_date(day).punch_no(punch_no) \
        .work_type(work_type).remedy_time(remedy_time).reason(reason).build()
    req = att.CreateUserTaskRemedyRequest.builder().employee_type(employee_type).request_body(body).build()
    return client.attendance.v1.user_task_remedy.create(req)


def query_remedies(client: lark.Client, user_ids, frm: int = at(MON, 0), to: int = at(WED, 23),
                   status: Optional[int] = None, check_date_type: Optional[str] = None):
    b = att.QueryUserTaskRemedyRequestBody.builder().user_ids(list(user_ids)) \
        .check_time_from(str(frm)).check_time_to(str(to))
    if status is not None:
        b = b.status(status)
    if check_date_type is not None:
        b = b.check_date_type(check_date_type)
    req = att.QueryUserTaskRemedyRequest.builder().employee_type("employee_id").request_body(b.build()).build()
    return client.attendance.v1.user_task_remedy.query(req)


def allowed_remedies(client: lark.Client, user_id: str, day: int):
    body = att.QueryUserAllowedRemedysUserTaskRemedyRequestBody.builder().user_id(user_id).remedy_date(day).build()
    req = att.QueryUserAllowedRemedysUserTaskRemedyRequest.builder().employee_type("employee_id") \
        .request_body(body).build()
    return client.attendance.v1.user_task_remedy.query_user_allowed_remedys(req)


def process(client: lark.Client, approval_id: str, approval_type: str, status: int):
    body = att.ProcessApprovalInfoRequestBody.builder().approval_id(approval_id) \
        .approval_type(approval_type).status(status).build()
    return client.attendance.v1.approval_info.process(
        att.ProcessApprovalInfoRequest.builder().request_body(body).build())


def task(client: lark.Client, user_id: str, day: int):
    """The day's first record of `user_id`."""
    body = att.QueryUserTaskRequestBody.builder().user_ids([user_id]).check_date_from(day) \
        .check_date_to(day).build()
    resp = client.attendance.v1.user_task.query(
        att.QueryUserTaskRequest.builder().employee_type("employee_id").request_body(body).build())
    assert resp.code == 0, (resp.code, resp.msg)
    [t] = resp.data.user_task_results
    return t.records[0]


def sides(client: lark.Client, user_id: str, day: int):
    """((check_in_result, supplement), (check_out_result, supplement)) of the day's first record."""
    r = task(client, user_id, day)
    return ((r.check_in_result, r.check_in_result_supplement),
            (r.check_out_result, r.check_out_result_supplement))


NAMES = {"ch": "事假", "en": "Personal leave", "ja": "私用休暇"}


def leave(start: str, end: str, **kw) -> "att.UserLeave":
    d = {"uniq_id": "6852582717813440527", "unit": 1, "interval": 28800, "start_time": start, "end_time": end,
         "i18n_names": NAMES, "default_locale": "ch", "reason": "家里有事"}
    d.update(kw)
    return att.UserLeave(d)


def out(start: str, end: str, **kw) -> "att.UserOut":
    d = {"uniq_id": "9496E43696967658A512969523E89870", "unit": 2, "interval": 14400, "start_time": start,
         "end_time": end, "i18n_names": {"ch": "外出", "en": "Out"}, "default_locale": "ch", "reason": "拜访客户"}
    d.update(kw)
    return att.UserOut(d)


def trip(start: str, end: str, **kw) -> "att.UserTrip":
    d = {"start_time": start, "end_time": end, "reason": "培训", "approve_pass_time": start,
         "approve_apply_time": start}
    d.update(kw)
    return att.UserTrip(d)


def overtime(start: str, end: str, **kw) -> "att.UserOvertimeWork":
    d = {"duration": 2.0, "unit": 2, "category": 1, "type": 1, "start_time": start, "end_time": end,
         "reason": "上线"}
    d.update(kw)
    return att.UserOvertimeWork(d)


def write_approval(client: lark.Client, user_id: str, date: int, employee_type: str = "employee_id", **lists):
    ua = att.UserApproval({"user_id": user_id, "date": str(date)})
    for k, v in lists.items():
        setattr(ua, k, v)
    body = att.CreateUserApprovalRequestBody.builder().user_approval(ua).build()
    req = att.CreateUserApprovalRequest.builder().employee_type(employee_type).request_body(body).build()
    return client.attendance.v1.user_approval.create(req)


def query_approvals(client: lark.Client, user_ids, frm: int, to: int, status: Optional[int] = None,
                    employee_type: str = "employee_id", check_date_type: Optional[str] = None):
    b = att.QueryUserApprovalRequestBody.builder().user_ids(list(user_ids)).check_date_from(frm).check_date_to(to)
    if status is not None:
        b = b.status(status)
    if check_date_type is not None:
        b = b.check_date_type(check_date_type)
    req = att.QueryUserApprovalRequest.builder().employee_type(employee_type).request_body(b.build()).build()
    return client.attendance.v1.user_approval.query(req)


def events(daka: Daka, event_type: str) -> List[dict]:
    """Event records of one type (SQLite only; callers skip on PostgreSQL)."""
    with sqlite3.connect(daka.db.sqlite_path) as db:
        rows = db.execute("SELECT payload FROM event_records WHERE event_type = ? ORDER BY seq",
                          (event_type,)).fetchall()
    return [json.loads(r[0]) for r in rows]
