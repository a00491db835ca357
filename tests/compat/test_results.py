"""Attendance results through lark-oapi, end to end (issue 3): shifts, groups and schedules made
through the SDK's shift, group and user_daily_shift APIs, punches imported, results read with
user_task.query — for fixed, scheduling and free groups, a cross-midnight shift, a shift with two
pairs, DST days and China's holiday calendar. Expected values follow docs/RULES.md, worked out by
hand from the pinned rules; the clock is fixed with `daka serve --now`."""

from datetime import datetime
from typing import List, Optional
from zoneinfo import ZoneInfo

import lark_oapi as lark
import pytest

from daka_harness import att, create_user, delete_flows, flow, import_flows, new_user, start_daka, uid

NOW = 1732104000  # 2024-11-20T12:00:00Z: every test day is in the past
SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")


def t(y, mo, d, h, mi=0, s=0, tz=SH) -> int:
    return int(datetime(y, mo, d, h, mi, s, tzinfo=tz).timestamp())


def rule(on: str, off: str, **kw) -> dict:
    r = {"on_time": on, "off_time": off, "late_minutes_as_late": 5, "late_minutes_as_lack": 60,
         "on_advance_minutes": 120, "early_minutes_as_early": 5, "early_minutes_as_lack": 60,
         "off_delay_minutes": 240}
    r.update(kw)
    return r


@pytest.fixture(scope="module")
def daka(tmp_path_factory):
    d = start_daka(tmp_path_factory.mktemp("results"), extra_args=["--now", str(NOW), "--sweep-interval", "3600"])
    yield d
    d.stop()
    d.db.close()


@pytest.fixture(scope="module")
def client(daka) -> lark.Client:
    return daka.client()


def create_shift(client, rules: List[dict], name: Optional[str] = None) -> str:
    shift = att.Shift({"shift_name": name or uid("shift-"), "punch_times": len(rules), "punch_time_rule": rules})
    resp = client.attendance.v1.shift.create(
        att.CreateShiftRequest.builder().employee_type("employee_id").request_body(shift).build())
    assert resp.code == 0, (resp.code, resp.msg)
    return resp.data.shift.shift_id


def create_group(client, members: List[str], **fields) -> str:
    g = {"group_name": uid("group-"), "time_zone": "Asia/Shanghai", "bind_user_ids": members,
         "group_leader_ids": members[:1], "group_type": 0, "calendar_id": 0}
    g.update(fields)
    body = att.CreateGroupRequestBody.builder().group(att.Group(g)).build()
    resp = client.attendance.v1.group.create(
        att.CreateGroupRequest.builder().employee_type("employee_id").dept_type("open_id").request_body(body).build())
    assert resp.code == 0, (resp.code, resp.msg)
    return resp.data.group.group_id


def punch(client, user_id: str, *instants: int) -> List[str]:
    resp = import_flows(client, [flow(user_id, i) for i in instants])
    assert resp.code == 0, (resp.code, resp.msg)
    return [r.record_id for r in resp.data.flow_records]


def tasks(client, user_ids: List[str], frm: int, to: int, **query):
    builder = att.QueryUserTaskRequestBody.builder().user_ids(user_ids).check_date_from(frm).check_date_to(to)
    req = att.QueryUserTaskRequest.builder().employee_type("employee_id")
    for k, v in query.items():
        req = getattr(req, k)(v)
    resp = client.attendance.v1.user_task.query(req.request_body(builder.build()).build())
    assert resp.code == 0, (resp.code, resp.msg)
    return resp.data


def day_of(client, user_id: str, day: int):
    data = tasks(client, [user_id], day, day)
    [task] = data.user_task_results
    assert task.day == day and task.user_id == user_id
    return task


def results(task) -> list:
    return [(r.check_in_result, r.check_out_result) for r in task.records]


# ----------------------------------------------------------------------------------------------
# Fixed group with China's holiday calendar
# ----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def office(client):
    shift = create_shift(client, [rule("9:00", "18:00")])
    user = uid("fx")
    assert create_user(client, user, name="张三").code == 0
    group = create_group(client, [user], calendar_id=1, punch_day_shift_ids=[shift] * 5 + ["0", "0"])
    return user, shift, group


def test_late_and_normal_with_records_and_scheduled_times(client, office):
    user, shift, group = office
    ids = punch(client, user, t(2024, 10, 8, 9, 12, 30), t(2024, 10, 8, 18, 3))
    task = day_of(client, user, 20241008)
    assert (task.group_id, task.shift_id) == (group, shift)
    assert task.result_id and len(task.result_id) == 19
    assert task.employee_name == "张三"
    [r] = task.records
    assert (r.check_in_result, r.check_out_result) == ("Late", "Normal")
    assert (r.check_in_result_supplement, r.check_out_result_supplement) == ("None", "None")
    assert (r.check_in_record_id, r.check_out_record_id) == (ids[0], ids[1])
    assert r.check_in_record.check_time == str(t(2024, 10, 8, 9, 12, 30))
    assert r.check_in_record.user_id == user
    assert r.check_in_shift_time == str(t(2024, 10, 8, 9)) and r.check_out_shift_time == str(t(2024, 10, 8, 18))
    assert r.task_shift_type == 0


def test_minute_truncation_and_strict_thresholds(client, office):
    user, _, _ = office
    # 09:05:59 is minute 09:05: late 5 is not more than 5 → Normal; 17:54 is early 6 > 5 → Early.
    punch(client, user, t(2024, 10, 9, 9, 5, 59), t(2024, 10, 9, 17, 54))
    assert results(day_of(client, user, 20241009)) == [("Normal", "Early")]
    # 09:06:00 is late 6 → Late; 10:01 is late 61 > 60 → Lack; leaving at 18:00 → Normal.
    punch(client, user, t(2024, 10, 10, 9, 6), t(2024, 10, 10, 18))
    assert results(day_of(client, user, 20241010)) == [("Late", "Normal")]
    punch(client, user, t(2024, 10, 11, 10, 1), t(2024, 10, 11, 18))
    assert results(day_of(client, user, 20241011)) == [("Lack", "Normal")]


def test_holidays_and_adjusted_working_days(client, office):
    user, shift, _ = office
    national_day = day_of(client, user, 20241001)  # Tuesday, statutory holiday
    assert national_day.shift_id == "0"
    assert results(national_day) == [("NoNeedCheck", "NoNeedCheck")]
    adjusted = day_of(client, user, 20241012)  # Saturday, adjusted working day (调休上班)
    assert adjusted.shift_id == shift
    assert results(adjusted) == [("Lack", "Lack")]
    sunday = day_of(client, user, 20241013)
    assert sunday.shift_id == "0"


def test_deleting_a_punch_recomputes_the_day(client, office):
    user, _, _ = office
    ids = punch(client, user, t(2024, 10, 14, 8, 50), t(2024, 10, 14, 18, 30))
    assert results(day_of(client, user, 20241014)) == [("Normal", "Normal")]
    resp = delete_flows(client, [ids[0]])
    assert resp.code == 0 and resp.data.success_record_ids == [ids[0]]
    assert results(day_of(client, user, 20241014)) == [("Lack", "Normal")]


def test_a_month_has_one_result_per_day(client, office):
    user, _, _ = office
    data = tasks(client, [user], 20241001, 20241031)
    assert [x.day for x in data.user_task_results] == list(range(20241001, 20241032))


def test_invalid_users(client, office):
    user, _, _ = office
    data = tasks(client, [user, "nobody-here"], 20241008, 20241008, ignore_invalid_users=True)
    assert data.invalid_user_ids == ["nobody-here"]
    assert [x.user_id for x in data.user_task_results] == [user]
    body = att.QueryUserTaskRequestBody.builder().user_ids([user, "nobody-here"]).check_date_from(20241008) \
        .check_date_to(20241008).build()
    resp = client.attendance.v1.user_task.query(att.QueryUserTaskRequest.builder().employee_type("employee_id")
                                                .ignore_invalid_users(False).request_body(body).build())
    assert resp.code == 1220004 and "nobody-here" in resp.msg


def test_people_in_no_group(client):
    loner = new_user(client, "ng")
    task = day_of(client, loner, 20241008)
    assert (task.group_id, task.shift_id) == ("1", "9")
    assert results(task) == [("NoNeedCheck", "NoNeedCheck")]


# ----------------------------------------------------------------------------------------------
# Two pairs
# ----------------------------------------------------------------------------------------------

def test_two_pairs_give_two_records_in_order(client):
    shift = create_shift(client, [rule("9:00", "12:00"), rule("13:00", "18:00")])
    user = new_user(client, "tp")
    create_group(client, [user], punch_day_shift_ids=[shift] * 7)
    # 12:01 falls in pair 1's off window (it ends at 12:30, the midpoint of 12:00 and 13:00);
    # 13:10 is pair 2's check-in, late 10.
    punch(client, user, t(2024, 10, 15, 8, 55), t(2024, 10, 15, 12, 1), t(2024, 10, 15, 13, 10),
          t(2024, 10, 15, 18))
    task = day_of(client, user, 20241015)
    assert results(task) == [("Normal", "Normal"), ("Late", "Normal")]
    assert [r.check_in_shift_time for r in task.records] == [str(t(2024, 10, 15, 9)), str(t(2024, 10, 15, 13))]


# ----------------------------------------------------------------------------------------------
# Scheduling group, cross-midnight shift
# ----------------------------------------------------------------------------------------------

def test_scheduled_night_shift_crosses_midnight(client):
    night = create_shift(client, [rule("22:00", "30:00")])
    user = new_user(client, "ns")
    group = create_group(client, [user], group_type=2, punch_day_shift_ids=[])
    shifts = [att.UserDailyShift({"group_id": group, "shift_id": night, "month": 202410, "user_id": user, "day_no": 15}),
              att.UserDailyShift({"group_id": group, "shift_id": "0", "month": 202410, "user_id": user, "day_no": 16})]
    body = att.BatchCreateUserDailyShiftRequestBody.builder().user_daily_shifts(shifts).build()
    resp = client.attendance.v1.user_daily_shift.batch_create(
        att.BatchCreateUserDailyShiftRequest.builder().employee_type("employee_id").request_body(body).build())
    assert resp.code == 0, (resp.code, resp.msg)
    punch(client, user, t(2024, 10, 15, 21, 55), t(2024, 10, 16, 6, 10))
    night_day = day_of(client, user, 20241015)
    assert night_day.shift_id == night
    assert results(night_day) == [("Normal", "Normal")]
    [r] = night_day.records
    assert r.check_out_shift_time == str(t(2024, 10, 16, 6))
    assert r.check_out_record.check_time == str(t(2024, 10, 16, 6, 10))
    assert day_of(client, user, 20241016).shift_id == "0"  # scheduled rest
    assert day_of(client, user, 20241017).shift_id == "0"  # unscheduled: rest


# ----------------------------------------------------------------------------------------------
# Free group
# ----------------------------------------------------------------------------------------------

def test_free_group(client):
    user = new_user(client, "fr")
    create_group(client, [user], group_type=3, punch_day_shift_ids=[],
                 free_punch_cfg={"free_start_time": "7:00", "free_end_time": "22:00", "punch_day": 1111100,
                                 "work_day_no_punch_as_lack": True})
    punch(client, user, t(2024, 10, 14, 10), t(2024, 10, 14, 19))
    monday = day_of(client, user, 20241014)
    assert results(monday) == [("Normal", "Normal")]
    assert results(day_of(client, user, 20241015)) == [("Lack", "Lack")]  # working day, no punch
    assert day_of(client, user, 20241019).shift_id == "0"  # Saturday


# ----------------------------------------------------------------------------------------------
# DST: 9:00 stays 9:00 local on 23- and 25-hour days
# ----------------------------------------------------------------------------------------------

def test_dst_days_keep_local_shift_times(client):
    shift = create_shift(client, [rule("9:00", "18:00")])
    user = new_user(client, "dst")
    create_group(client, [user], time_zone="America/New_York", punch_day_shift_ids=[shift] * 7)
    for (y, mo, d) in [(2024, 3, 10), (2024, 11, 3)]:
        punch(client, user, t(y, mo, d, 9, 0, tz=NY), t(y, mo, d, 17, 50, tz=NY))
        task = day_of(client, user, y * 10000 + mo * 100 + d)
        [r] = task.records
        assert r.check_in_shift_time == str(t(y, mo, d, 9, tz=NY))
        assert r.check_out_shift_time == str(t(y, mo, d, 18, tz=NY))
        assert (r.check_in_result, r.check_out_result) == ("Normal", "Early")
