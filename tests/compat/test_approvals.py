"""user_approvals (leave, out, trip, overtime) and approval_infos/process through lark-oapi: write,
query, revoke, the effect on results, and supplement precedence (docs/RULES.md §8) at the API.

Expected values are the documented ones (feishu-attendance-spec.md §2.12, §7, §4.2) or daka's
documented choices (docs/RULES.md "Remedies and approvals", docs/COMPATIBILITY.md)."""

import re

import pytest

from daka_harness import as_dict, create_user, uid
from test_remedies_common import (MON, TUE, WED, at, create_remedy, grouped_users, leave, out, overtime, process,
                                  punch, query_approvals, sides, start_fixed, trip, write_approval)

ID = re.compile(r"^\d{19}$")


@pytest.fixture(scope="module")
def daka(tmp_path_factory):
    d = start_fixed(tmp_path_factory.mktemp("approvals"))
    yield d
    d.stop()
    d.db.close()


@pytest.fixture(scope="module")
def client(daka):
    return daka.client()


def test_leave_lifecycle_write_query_revoke(client, daka):
    [u] = grouped_users(client)
    assert sides(client, u, MON) == (("Lack", "None"), ("Lack", "None"))
    resp = write_approval(client, u, MON, leaves=[leave("2024-01-15 09:00:00", "2024-01-15 18:00:00")])
    assert resp.code == 0, (resp.code, resp.msg)
    ua = resp.data.user_approval
    assert (ua.user_id, ua.date, ua.time_zone) == (u, "20240115", "Asia/Shanghai")
    [lv] = ua.leaves
    assert ID.match(lv.approval_id)
    assert (lv.start_time, lv.end_time, lv.unit, lv.interval, lv.reason) == \
        ("2024-01-15 09:00:00", "2024-01-15 18:00:00", 1, 28800, "家里有事")
    assert as_dict(lv.i18n_names) == {"ch": "事假", "en": "Personal leave", "ja": "私用休暇"}
    assert lv.approve_pass_time == lv.approve_apply_time == "2024-01-17 12:00:00"
    # Approved at once: both sides Normal with supplement Leave.
    assert sides(client, u, MON) == (("Normal", "Leave"), ("Normal", "Leave"))

    resp = query_approvals(client, [u], MON, TUE)
    assert resp.code == 0, (resp.code, resp.msg)
    [q] = resp.data.user_approvals
    assert (q.user_id, q.date, q.time_zone) == (u, "20240115", "Asia/Shanghai")
    assert [x.approval_id for x in q.leaves] == [lv.approval_id]
    assert q.outs == [] and q.trips == [] and q.overtime_works == []
    assert not query_approvals(client, [u], TUE, WED).data.user_approvals

    # Only revoking (2 → 4) is allowed for a leave.
    for status in (1, 2):
        resp = process(client, lv.approval_id, "leave", status)
        assert resp.code == 1220001 and "from 2 (approved)" in resp.msg, (resp.code, resp.msg)
    resp = process(client, lv.approval_id, "leave", 4)
    assert resp.code == 0, (resp.code, resp.msg)
    info = resp.data.approval_info
    assert (info.approval_id, info.approval_type, info.status) == (lv.approval_id, "leave", 4)
    assert sides(client, u, MON) == (("Lack", "None"), ("Lack", "None"))
    resp = process(client, lv.approval_id, "leave", 4)
    assert resp.code == 1220001 and "from 4 (withdrawn) to 4" in resp.msg
    # Revoked leaves are not queryable (leaves: only statuses 2 and 3 are, as documented).
    assert not query_approvals(client, [u], MON, MON).data.user_approvals
    assert not query_approvals(client, [u], MON, MON, status=4).data.user_approvals
    # The wrong type names no approval.
    assert process(client, lv.approval_id, "out", 4).code == 1220600


def test_half_day_leave_covers_only_its_side(client):
    [u] = grouped_users(client)
    punch(client, u, at(MON, 13, 25), at(MON, 17, 40))
    write_approval(client, u, MON, leaves=[leave("2024-01-15 09:00:00", "2024-01-15 13:30:00", unit=3)])
    # RULES.md §8: the on side is covered; the off side (17:40, 20 min early) is not.
    assert sides(client, u, MON) == (("Normal", "Leave"), ("Early", "None"))


def test_out_and_trip_and_revoking_out(client):
    [u, v] = grouped_users(client, n=2)
    resp = write_approval(client, u, TUE, outs=[out("2024-01-16 13:30:00", "2024-01-16 18:00:00")])
    assert resp.code == 0, (resp.code, resp.msg)
    [o] = resp.data.user_approval.outs
    assert sides(client, u, TUE) == (("Lack", "None"), ("Normal", "GoOut"))
    # A one-hour trip counts as the whole day.
    resp = write_approval(client, v, TUE, trips=[trip("2024-01-16 10:00:00", "2024-01-16 11:00:00")])
    assert resp.code == 0, (resp.code, resp.msg)
    [t] = resp.data.user_approval.trips
    assert (t.start_time, t.end_time) == ("2024-01-16 10:00:00", "2024-01-16 11:00:00")
    assert sides(client, v, TUE) == (("Normal", "Travel"), ("Normal", "Travel"))
    assert sides(client, v, MON) == (("Lack", "None"), ("Lack", "None"))

    assert process(client, o.approval_id, "out", 4).code == 0
    assert sides(client, u, TUE) == (("Lack", "None"), ("Lack", "None"))
    # Outs and trips are queryable in every status.
    [q] = query_approvals(client, [u], TUE, TUE, status=4).data.user_approvals
    assert [x.approval_id for x in q.outs] == [o.approval_id]
    assert process(client, t.approval_id, "trip", 4).code == 0
    assert sides(client, v, TUE) == (("Lack", "None"), ("Lack", "None"))


def test_overtime_written_queried_revoked_without_effect(client):
    [u] = grouped_users(client)
    punch(client, u, at(MON, 9), at(MON, 18))
    resp = write_approval(client, u, MON, overtime_works=[overtime("2024-01-15 18:00:00", "2024-01-15 20:00:00")])
    assert resp.code == 0, (resp.code, resp.msg)
    [w] = resp.data.user_approval.overtime_works
    assert (w.duration, w.unit, w.category, w.type) == (2.0, 2, 1, 1)
    assert sides(client, u, MON) == (("Normal", "None"), ("Normal", "None"))
    [q] = query_approvals(client, [u], MON, MON).data.user_approvals
    assert [x.approval_id for x in q.overtime_works] == [w.approval_id]
    assert process(client, w.approval_id, "overtime", 2).code == 1220001
    assert process(client, w.approval_id, "overtime", 4).code == 0


def test_idempotent_id_and_append_only(client):
    [u] = grouped_users(client)
    key = uid("idem-")
    first = write_approval(client, u, MON, outs=[out("2024-01-15 14:00:00", "2024-01-15 16:00:00", idempotent_id=key)])
    again = write_approval(client, u, MON, outs=[out("2024-01-15 14:00:00", "2024-01-15 16:00:00", idempotent_id=key)])
    assert first.code == again.code == 0
    assert first.data.user_approval.outs[0].approval_id == again.data.user_approval.outs[0].approval_id
    # Without a key every write appends.
    write_approval(client, u, MON, outs=[out("2024-01-15 14:00:00", "2024-01-15 16:00:00")])
    [q] = query_approvals(client, [u], MON, MON).data.user_approvals
    assert len(q.outs) == 2


def test_employee_types_and_validation(client):
    user_id = uid("r")
    created = create_user(client, user_id, employee_no=uid("no"))
    assert created.code == 0
    open_id = created.data.user.open_id
    resp = write_approval(client, open_id, MON, employee_type="open_id",
                          leaves=[leave("2024-01-15 09:00:00", "2024-01-15 10:00:00", unit=2)])
    assert resp.code == 0, (resp.code, resp.msg)
    assert resp.data.user_approval.user_id == open_id
    # No group: the times are read in Asia/Shanghai.
    assert resp.data.user_approval.time_zone == "Asia/Shanghai"
    [q] = query_approvals(client, [open_id], MON, MON, employee_type="open_id").data.user_approvals
    assert q.user_id == open_id and len(q.leaves) == 1

    bad = [
        dict(leaves=[leave("2024-01-15 09:00", "2024-01-15 nine")]),
        dict(leaves=[leave("2024-01-15 10:00:00", "2024-01-15 09:00:00")]),
        dict(leaves=[leave("2024-01-15 09:00:00", "2024-01-15 10:00:00", reason=None)]),
        dict(outs=[out("2024-01-15 09:00:00", "2024-01-15 10:00:00", uniq_id=None)]),
        dict(overtime_works=[overtime("2024-01-15 09:00:00", "2024-01-15 10:00:00", category=7)]),
        dict(),
    ]
    for lists in bad:
        resp = write_approval(client, user_id, MON, **lists)
        assert resp.code == 1220001, (lists, resp.code, resp.msg)
    assert write_approval(client, "nobody-here", MON, leaves=[leave("2024-01-15 09:00:00", "2024-01-15 10:00:00")]) \
        .code == 1220004
    # Query limits: at most 30 days, check_date_from at most tomorrow (the 18th), PeriodTime only.
    assert query_approvals(client, [user_id], 20240101, 20240131).code == 0
    assert query_approvals(client, [user_id], 20240101, 20240201).code == 1220001
    assert query_approvals(client, [user_id], 20240118, 20240118).code == 0
    assert query_approvals(client, [user_id], 20240119, 20240119).code == 1220001
    assert query_approvals(client, [user_id], MON, MON, check_date_type="UpdateTime").code == 1220001
    assert query_approvals(client, [user_id], TUE, MON).code == 1220001


# ----------------------------------------------------------------------------------------------
# Supplement precedence at the API (docs/RULES.md §8): CardReplacement, ManagerModification,
# Leave, Travel, GoOut, FieldPunch, CardReplacementApplication, None.
# ----------------------------------------------------------------------------------------------


def test_card_replacement_beats_leave(client):
    [u] = grouped_users(client)
    punch(client, u, at(MON, 18))
    # Applied for while the side was Lack, then a full-day leave is written, then approved.
    r = create_remedy(client, u, MON, "2024-01-15 09:20")
    assert r.code == 0, (r.code, r.msg)
    write_approval(client, u, MON, leaves=[leave("2024-01-15 09:00:00", "2024-01-15 18:00:00")])
    # Leave outranks a pending remedy.
    assert sides(client, u, MON)[0] == ("Normal", "Leave")
    assert process(client, r.data.user_remedy.approval_id, "remedy", 2).code == 0
    # The remedy punch decides: 20 minutes late, CardReplacement, the leave does not apply.
    assert sides(client, u, MON)[0] == ("Late", "CardReplacement")


def test_manager_modification_beats_leave_and_leave_beats_field_punch(client):
    [u, v] = grouped_users(client, n=2)
    punch(client, u, at(MON, 9, 20), type=1)
    punch(client, v, at(MON, 9, 20), is_field=True)
    for who in (u, v):
        write_approval(client, who, MON, leaves=[leave("2024-01-15 09:00:00", "2024-01-15 12:00:00", unit=3)])
    assert sides(client, u, MON)[0] == ("Late", "ManagerModification")
    assert sides(client, v, MON)[0] == ("Normal", "Leave")


def test_leave_travel_goout_order(client):
    [u] = grouped_users(client)
    write_approval(client, u, MON, outs=[out("2024-01-15 08:00:00", "2024-01-15 19:00:00")])
    assert sides(client, u, MON) == (("Normal", "GoOut"), ("Normal", "GoOut"))
    write_approval(client, u, MON, trips=[trip("2024-01-15 08:00:00", "2024-01-15 19:00:00")])
    assert sides(client, u, MON) == (("Normal", "Travel"), ("Normal", "Travel"))
    resp = write_approval(client, u, MON, leaves=[leave("2024-01-15 08:00:00", "2024-01-15 19:00:00")])
    assert sides(client, u, MON) == (("Normal", "Leave"), ("Normal", "Leave"))
    # Revoking the leave falls back to Travel.
    assert process(client, resp.data.user_approval.leaves[0].approval_id, "leave", 4).code == 0
    assert sides(client, u, MON) == (("Normal", "Travel"), ("Normal", "Travel"))


def test_field_punch_beats_pending_remedy_and_normal_punch_needs_no_supplement(client):
    [u, v] = grouped_users(client, n=2)
    punch(client, u, at(MON, 9, 20), at(MON, 18), is_field=True)
    assert create_remedy(client, u, MON, "2024-01-15 09:00").code == 0
    assert sides(client, u, MON)[0] == ("Late", "FieldPunch")
    # A punch that is Normal on its own keeps supplement None under a leave.
    punch(client, v, at(MON, 9), at(MON, 18))
    write_approval(client, v, MON, leaves=[leave("2024-01-15 09:00:00", "2024-01-15 18:00:00")])
    assert sides(client, v, MON) == (("Normal", "None"), ("Normal", "None"))


def test_explain_shows_remedies_and_approvals(client, daka):
    [u] = grouped_users(client)
    punch(client, u, at(TUE, 18))
    r = create_remedy(client, u, TUE, "2024-01-16 09:00")
    write_approval(client, u, TUE, outs=[out("2024-01-16 14:00:00", "2024-01-16 15:00:00")])
    text = daka.cli("explain", "--user", u, "--day", str(TUE), "--now", "1705464000")
    assert "remedies:" in text and r.data.user_remedy.approval_id in text
    assert "pair 1 on at 2024-01-16 09:00 (Asia/Shanghai): 0 pending" in text
    assert "approvals:" in text and "out 2024-01-16 14:00:00 – 2024-01-16 15:00:00 (Asia/Shanghai): 2 approved" in text
