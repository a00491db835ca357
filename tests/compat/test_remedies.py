"""Remedies (补卡) through lark-oapi: create, query, allowed remedies, approve, reject, withdraw,
the group remedy policy (1226501–1226504) and the refused transitions.

Expected values are the documented ones (feishu-attendance-spec.md §2.6–2.8, §6, seeds/002) or
daka's documented choices (docs/RULES.md "Remedies and approvals", docs/COMPATIBILITY.md)."""

import re

import pytest

from daka_harness import new_user
from test_remedies_common import (MON, RULE, TUE, WED, allowed_remedies, at, create_group, create_remedy, create_shift,
                                  events, grouped_users, process, punch, query_remedies, sides, start_fixed, task)


@pytest.fixture(scope="module")
def daka(tmp_path_factory):
    d = start_fixed(tmp_path_factory.mktemp("remedies"))
    # Event records are only written for types some app receives (docs/COMPATIBILITY.md).
    d.cli("apps", "events", "set", d.app_id)
    yield d
    d.stop()
    d.db.close()


@pytest.fixture(scope="module")
def client(daka):
    return daka.client()


def test_lifecycle_create_query_approve_withdraw(client, daka):
    [u] = grouped_users(client, allow_remedy=True)
    punch(client, u, at(MON, 18, 5))
    assert sides(client, u, MON) == (("Lack", "None"), ("Normal", "None"))

    # The allowed remedy: exactly the minutes that would not give Lack, clipped to the on window.
    resp = allowed_remedies(client, u, MON)
    assert resp.code == 0, (resp.code, resp.msg)
    [a] = resp.data.user_allowed_remedys
    assert (a.user_id, a.remedy_date, a.punch_no, a.work_type, a.punch_status) == (u, MON, 0, 1, "Lack")
    assert a.is_free_punch is False
    assert (a.normal_punch_time, a.remedy_start_time, a.remedy_end_time) == \
        ("2024-01-15 09:00", "2024-01-15 07:00", "2024-01-15 10:00")

    # Create: pending, the side shows CardReplacementApplication, the result is unchanged.
    resp = create_remedy(client, u, MON, "2024-01-15 09:00")
    assert resp.code == 0, (resp.code, resp.msg)
    r = resp.data.user_remedy
    assert re.fullmatch(r"\d{19}", r.approval_id)
    assert (r.user_id, r.remedy_date, r.punch_no, r.work_type, r.status) == (u, MON, 0, 1, 0)
    assert (r.remedy_time, r.reason, r.time_zone) == ("2024-01-15 09:00", "忘记打卡", "Asia/Shanghai")
    approval_id = r.approval_id
    assert sides(client, u, MON) == (("Lack", "CardReplacementApplication"), ("Normal", "None"))
    # A side with a pending remedy is no longer offered, and the day has nothing else to remedy.
    assert allowed_remedies(client, u, MON).code == 1226501

    # Query: status defaults to 2 (approved); status 0 finds it with every field.
    resp = query_remedies(client, [u])
    assert resp.code == 0 and not resp.data.user_remedys
    resp = query_remedies(client, [u], status=0)
    [q] = resp.data.user_remedys
    assert (q.user_id, q.remedy_date, q.punch_no, q.work_type, q.approval_id, q.remedy_time, q.status, q.reason) == \
        (u, MON, 0, 1, approval_id, "2024-01-15 09:00", 0, "忘记打卡")
    assert (q.time, q.time_zone) == (str(at(MON, 9)), "Asia/Shanghai")
    assert q.create_time == q.update_time == "1705464000"
    # PeriodTime is by remedy time: a range ending before 09:00 misses it.
    assert not query_remedies(client, [u], to=at(MON, 8, 59), status=0).data.user_remedys

    # Approve: a type-2 punch at remedy_time decides the side: Normal, CardReplacement.
    resp = process(client, approval_id, "remedy", 2)
    assert resp.code == 0, (resp.code, resp.msg)
    info = resp.data.approval_info
    assert (info.approval_id, info.approval_type, info.status) == (approval_id, "remedy", 2)
    assert sides(client, u, MON) == (("Normal", "CardReplacement"), ("Normal", "None"))
    rec = task(client, u, MON)
    assert rec.check_in_record.type == 2 and rec.check_in_record.check_time == str(at(MON, 9))
    [q] = query_remedies(client, [u]).data.user_remedys
    assert (q.status, q.approval_id) == (2, approval_id)

    # Withdraw: the punch is removed and the result is restored.
    resp = process(client, approval_id, "remedy", 4)
    assert resp.code == 0 and resp.data.approval_info.status == 4
    assert sides(client, u, MON) == (("Lack", "None"), ("Normal", "None"))
    [q] = query_remedies(client, [u], status=4).data.user_remedys
    assert q.approval_id == approval_id
    assert not query_remedies(client, [u]).data.user_remedys
    # The side may be remedied again.
    assert allowed_remedies(client, u, MON).code == 0

    # Refused transitions of a withdrawn remedy.
    for status in (1, 2, 4):
        resp = process(client, approval_id, "remedy", status)
        assert resp.code == 1220001, (resp.code, resp.msg)
        assert "status cannot change from 4 (withdrawn)" in resp.msg

    if daka.db.is_sqlite:
        flows = [e for e in events(daka, "attendance.user_flow.created_v1") if e["employee_id"] == u]
        assert [f["type"] for f in flows][-1] == 2 and flows[-1]["check_time"] == str(at(MON, 9))
        changes = [c for e in events(daka, "attendance.user_task.updated_v1") if e["employee_id"] == u
                   and e["date"] == MON for c in e["status_changes"] if c["work_type"] == "on"]
        sups = [(c["current_status"], c["current_supplement"]) for c in changes]
        assert ("Lack", "CardReplacementApplication") in sups
        assert ("Normal", "CardReplacement") in sups
        assert sups[-1] == ("Lack", "None")


def test_reject_and_refused_transitions(client):
    [u] = grouped_users(client)
    punch(client, u, at(TUE, 9, 30), at(TUE, 18))
    assert sides(client, u, TUE) == (("Late", "None"), ("Normal", "None"))
    [a] = allowed_remedies(client, u, TUE).data.user_allowed_remedys
    assert (a.punch_status, a.remedy_start_time, a.remedy_end_time) == \
        ("Late", "2024-01-16 07:00", "2024-01-16 10:00")
    approval_id = create_remedy(client, u, TUE, "2024-01-16 08:58").data.user_remedy.approval_id
    assert sides(client, u, TUE)[0] == ("Late", "CardReplacementApplication")

    # Pending cannot be withdrawn (only approved ones can).
    resp = process(client, approval_id, "remedy", 4)
    assert resp.code == 1220001 and "from 0 (pending) to 4 (withdrawn)" in resp.msg
    # A remedy id under another approval type does not exist.
    assert process(client, approval_id, "leave", 4).code == 1220600

    resp = process(client, approval_id, "remedy", 1)
    assert resp.code == 0 and resp.data.approval_info.status == 1
    assert sides(client, u, TUE) == (("Late", "None"), ("Normal", "None"))
    [q] = query_remedies(client, [u], status=1).data.user_remedys
    assert q.approval_id == approval_id and q.status == 1
    for status in (1, 2, 4):
        resp = process(client, approval_id, "remedy", status)
        assert resp.code == 1220001 and "from 1 (rejected)" in resp.msg, (resp.code, resp.msg)

    # Approving again from pending works once; approving twice is refused.
    second = create_remedy(client, u, TUE, "2024-01-16 09:00").data.user_remedy.approval_id
    assert process(client, second, "remedy", 2).code == 0
    assert sides(client, u, TUE) == (("Normal", "CardReplacement"), ("Normal", "None"))
    resp = process(client, second, "remedy", 2)
    assert resp.code == 1220001 and "from 2 (approved) to 2 (approved)" in resp.msg
    assert process(client, second, "remedy", 1).code == 1220001

    # Bad requests.
    assert process(client, second, "remedy", 3).code == 1220001
    assert process(client, second, "holiday", 4).code == 1220001
    assert process(client, "123", "remedy", 2).code == 1220600


def test_off_side_window_and_remedy_time_validation(client):
    [u] = grouped_users(client)
    punch(client, u, at(MON, 8, 55), at(MON, 16, 30))
    assert sides(client, u, MON) == (("Normal", "None"), ("Lack", "None"))
    [a] = allowed_remedies(client, u, MON).data.user_allowed_remedys
    assert (a.punch_no, a.work_type, a.punch_status) == (0, 2, "Lack")
    assert (a.normal_punch_time, a.remedy_start_time, a.remedy_end_time) == \
        ("2024-01-15 18:00", "2024-01-15 17:00", "2024-01-15 22:00")
    # Outside the window (it would still be Lack) → 1220001 naming remedy_time.
    for t in ("2024-01-15 16:59", "2024-01-15 22:01", "2024-01-15 09:00"):
        resp = create_remedy(client, u, MON, t, work_type=2)
        assert resp.code == 1220001 and "remedy_time" in resp.msg, (t, resp.code, resp.msg)
    resp = create_remedy(client, u, MON, "2024/01/15 18:00", work_type=2)
    assert resp.code == 1220001 and "remedy_time" in resp.msg
    # Edges are inside.
    ok = create_remedy(client, u, MON, "2024-01-15 17:00", work_type=2)
    assert ok.code == 0, (ok.code, ok.msg)
    # One pending remedy per side.
    resp = create_remedy(client, u, MON, "2024-01-15 22:00", work_type=2)
    assert resp.code == 1220600 and resp.msg == "the object already exists"
    assert process(client, ok.data.user_remedy.approval_id, "remedy", 2).code == 0
    # 17:00 is 60 minutes early: not Lack, Early — the remedy still decides the side.
    assert sides(client, u, MON)[1] == ("Early", "CardReplacement")


def test_multi_pair_shift_punch_no(client):
    rules = [dict(RULE, on_time="8:00", off_time="12:00"), dict(RULE, on_time="13:00", off_time="17:00")]
    shift = create_shift(client, rules=rules)
    [u] = grouped_users(client, shift_id=shift)
    punch(client, u, at(MON, 8), at(MON, 12), at(MON, 17))
    resp = allowed_remedies(client, u, MON)
    assert resp.code == 0, (resp.code, resp.msg)
    [a] = resp.data.user_allowed_remedys
    assert (a.punch_no, a.work_type, a.punch_status, a.normal_punch_time) == (1, 1, "Lack", "2024-01-15 13:00")
    # The second pair's on window starts at the boundary between the pairs (12:30, 12:00 belongs to pair 1).
    assert (a.remedy_start_time, a.remedy_end_time) == ("2024-01-15 12:31", "2024-01-15 14:00")
    assert create_remedy(client, u, MON, "2024-01-15 13:00", punch_no=3).code == 1220001
    r = create_remedy(client, u, MON, "2024-01-15 13:00", punch_no=1)
    assert r.code == 0, (r.code, r.msg)
    assert process(client, r.data.user_remedy.approval_id, "remedy", 2).code == 0
    rec = task(client, u, MON)
    assert rec.check_in_result == "Normal"  # pair 1 untouched


def test_1226501_no_need_remedy(client):
    [u] = grouped_users(client)
    punch(client, u, at(MON, 9), at(MON, 18))
    resp = allowed_remedies(client, u, MON)
    assert resp.code == 1226501, (resp.code, resp.msg)
    assert resp.msg.startswith("no need remedy")
    assert create_remedy(client, u, MON, "2024-01-15 09:00").code == 1226501
    # Today's off side is still Todo: nothing to remedy yet.
    assert create_remedy(client, u, WED, "2024-01-17 18:00", work_type=2).code == 1226501
    # A person in no group has nothing to remedy.
    loner = new_user(client, "r")
    assert allowed_remedies(client, loner, MON).code == 1226501
    # Normal sides are remediable only when the group allows it.
    [v] = grouped_users(client, allow_remedy_type_normal=True)
    punch(client, v, at(MON, 9), at(MON, 18))
    got = allowed_remedies(client, v, MON)
    assert got.code == 0 and [x.punch_status for x in got.data.user_allowed_remedys] == ["Normal", "Normal"]


def test_1226502_not_allowed_remedy(client):
    [u] = grouped_users(client, allow_remedy=False)
    punch(client, u, at(MON, 18))
    resp = allowed_remedies(client, u, MON)
    assert resp.code == 1226502 and resp.msg.startswith("not allowed remedy"), (resp.code, resp.msg)
    assert create_remedy(client, u, MON, "2024-01-15 09:00").code == 1226502
    # Per result type: Late not allowed, Lack allowed.
    [v] = grouped_users(client, allow_remedy=True, allow_remedy_type_late=False)
    punch(client, v, at(MON, 9, 30), at(MON, 18), at(TUE, 18))
    assert allowed_remedies(client, v, MON).code == 1226502
    assert create_remedy(client, v, MON, "2024-01-15 09:00").code == 1226502
    assert allowed_remedies(client, v, TUE).code == 0  # Tuesday's on side is Lack


def test_1226503_beyond_the_time_range(client):
    [u] = grouped_users(client, remedy_date_limit=True, remedy_date_num=1)
    punch(client, u, at(MON, 18), at(TUE, 18))
    # Today is the 17th: only the 16th and later.
    resp = allowed_remedies(client, u, MON)
    assert resp.code == 1226503 and resp.msg.startswith("approval time beyond the time range")
    assert create_remedy(client, u, MON, "2024-01-15 09:00").code == 1226503
    assert allowed_remedies(client, u, TUE).code == 0
    assert create_remedy(client, u, TUE, "2024-01-16 09:00").code == 0


def test_1226504_no_remedy_time_left(client):
    [u] = grouped_users(client, remedy_limit=True, remedy_limit_count=1, remedy_period_type=1)
    punch(client, u, at(MON, 18), at(TUE, 18))
    first = create_remedy(client, u, MON, "2024-01-15 09:00")
    assert first.code == 0
    resp = create_remedy(client, u, TUE, "2024-01-16 09:00")
    assert resp.code == 1226504 and resp.msg.startswith("no remedy time left"), (resp.code, resp.msg)
    assert allowed_remedies(client, u, TUE).code == 1226504
    # Rejected remedies do not count.
    assert process(client, first.data.user_remedy.approval_id, "remedy", 1).code == 0
    second = create_remedy(client, u, TUE, "2024-01-16 09:00")
    assert second.code == 0
    # Approved ones do.
    assert process(client, second.data.user_remedy.approval_id, "remedy", 2).code == 0
    assert create_remedy(client, u, MON, "2024-01-15 09:00").code == 1226504
    # A custom period starting on the 16th puts the 15th in the previous period.
    [v] = grouped_users(client, remedy_limit=True, remedy_limit_count=1, remedy_period_type=2,
                        remedy_period_custom_date=16)
    punch(client, v, at(MON, 18), at(TUE, 18))
    assert create_remedy(client, v, TUE, "2024-01-16 09:00").code == 0
    assert create_remedy(client, v, MON, "2024-01-15 09:00").code == 0


def test_query_validation(client):
    [u] = grouped_users(client)
    resp = query_remedies(client, [u], check_date_type="CreateTime")
    assert resp.code == 1220001 and "check_date_type" in resp.msg
    assert query_remedies(client, [u], check_date_type="PeriodTime").code == 0
    assert query_remedies(client, [f"x{i}" for i in range(51)]).code == 1220001
    assert query_remedies(client, ["nobody-here"]).code == 1220004
    assert create_remedy(client, "nobody-here", MON, "2024-01-15 09:00").code == 1220004
    assert create_remedy(client, u, 20240199, "2024-01-15 09:00").code == 1220001


def test_free_group(client):
    u = new_user(client, "r")
    create_group(client, [u], "0", group_type=3, punch_day_shift_ids=[],
                 free_punch_cfg={"free_start_time": "7:00", "free_end_time": "22:00", "punch_day": 1111111,
                                 "work_day_no_punch_as_lack": True})
    punch(client, u, at(MON, 9))
    assert sides(client, u, MON) == (("Normal", "None"), ("Lack", "None"))
    resp = allowed_remedies(client, u, MON)
    assert resp.code == 0, (resp.code, resp.msg)
    [a] = resp.data.user_allowed_remedys
    assert (a.is_free_punch, a.punch_no, a.work_type, a.punch_status) == (True, 0, 2, "Lack")
    assert (a.normal_punch_time, a.remedy_start_time, a.remedy_end_time) == \
        ("2024-01-15 22:00", "2024-01-15 07:00", "2024-01-15 22:00")
    # work_type 0 (free groups) picks the side that needs it.
    r = create_remedy(client, u, MON, "2024-01-15 18:00", work_type=0)
    assert r.code == 0, (r.code, r.msg)
    assert (r.data.user_remedy.punch_no, r.data.user_remedy.work_type) == (0, 2)
    assert process(client, r.data.user_remedy.approval_id, "remedy", 2).code == 0
    assert sides(client, u, MON) == (("Normal", "None"), ("Normal", "CardReplacement"))
