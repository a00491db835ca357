"""attendance/v1 user_flows through lark-oapi's typed API: batch_create, get, query, batch_del.

Expected values are the documented ones (feishu-attendance-spec.md §2.1–2.4, §8; the official
example of 查询打卡流水 in seeds/000) or, where the docs are silent, daka's documented choice
(docs/COMPATIBILITY.md)."""

import json
import re

import pytest
import requests

from daka_harness import (T0, att, delete_flows, flow, get_flow, import_flows, new_user, query_flows,
                          record_ids_of, uid)

# The official example record of 查询打卡流水 (GET /user_flows/:id), check_time moved past the
# 2022-01-01 import floor (the example's 1611476284 is in 2021).
EXAMPLE = {
    "location_name": "西溪八方城",
    "check_time": "1705280400",
    "comment": "上班打卡",
    "record_id": "6709359313699356941",
    "ssid": "b0:b8:67:5c:1d:72",
    "bssid": "b0:b8:67:5c:1d:72",
    "is_field": True,
    "is_wifi": True,
    "type": 7,
    "photo_urls": ["https://time.clockin.biz/manage/download/6840389754748502021"],
    "device_id": "99e0609ee053448596502691a81428654d7ded64c7bd85acd982d26b3636c37d",
    "check_result": "Invalid",
    "external_id": "record_123",
    "idempotent_id": "****_***",
}
ECHOED = ["location_name", "check_time", "comment", "ssid", "bssid", "is_field", "is_wifi", "type",
          "external_id"]
RECORD_ID = re.compile(r"^\d{19}$")
FLOWS = "/open-apis/attendance/v1/user_flows"


def example_flow(user_id, **over):
    d = dict(EXAMPLE, user_id=user_id, creator_id=user_id, idempotent_id=uid("idem-"),
             longitude=120.0253, latitude=30.2799)
    d.update(over)
    return att.UserFlow(d)


def check_example(f, user_id, sent):
    assert f.user_id == user_id
    assert f.creator_id == user_id
    for k in ECHOED:
        assert getattr(f, k) == sent[k], k
    assert f.idempotent_id == sent["idempotent_id"]
    assert RECORD_ID.match(f.record_id) and f.record_id != EXAMPLE["record_id"]  # record_id is ignored on import
    assert f.check_result != "Invalid"  # check_result is ignored on input
    assert f.longitude == pytest.approx(120.0253)
    assert f.latitude == pytest.approx(30.2799)
    # photo_urls ("not supported yet") and device_id ("ignored on import"): daka keeps what it is given.
    assert f.photo_urls in (EXAMPLE["photo_urls"], [], None)
    assert f.device_id in (EXAMPLE["device_id"], "", None)


def raw_create(daka, body, employee_type="employee_id"):
    q = f"?employee_type={employee_type}" if employee_type is not None else ""
    return daka.call("POST", FLOWS + "/batch_create" + q, json=body)


def raw_flow(user_id, check_time=T0, **over):
    d = {"user_id": user_id, "creator_id": user_id, "location_name": "门口", "check_time": str(check_time),
         "comment": "c"}
    d.update(over)
    return d


# ----------------------------------------------------------------------------------------------
# batch_create, get, query: the happy path and every field
# ----------------------------------------------------------------------------------------------


def test_every_field_round_trips(client):
    user_id = new_user(client)
    sent = example_flow(user_id)
    resp = import_flows(client, [sent])
    assert resp.code == 0, resp.msg
    assert resp.msg == "success"
    assert resp.raw.status_code == 200
    (created,) = resp.data.flow_records
    check_example(created, user_id, vars(sent))

    got = get_flow(client, created.record_id)
    assert got.code == 0, got.msg
    check_example(got.data, user_id, vars(sent))
    assert got.data.record_id == created.record_id

    q = query_flows(client, [user_id], int(EXAMPLE["check_time"]), int(EXAMPLE["check_time"]))
    assert q.code == 0, q.msg
    (found,) = q.data.user_flow_results
    check_example(found, user_id, vars(sent))
    assert found.record_id == created.record_id


def test_optional_fields_default(client):
    user_id = new_user(client)
    resp = import_flows(client, [flow(user_id, T0)])
    assert resp.code == 0
    f = get_flow(client, resp.data.flow_records[0].record_id).data
    assert f.is_field is False
    assert f.is_wifi is False
    assert f.type == 0


def test_record_ids_are_19_digits_and_increasing(client):
    user_id = new_user(client)
    first = import_flows(client, [flow(user_id, T0 + i * 60) for i in range(5)])
    second = import_flows(client, [flow(user_id, T0 - 3600 + i) for i in range(3)])
    assert first.code == 0 and second.code == 0
    ids = [f.record_id for f in first.data.flow_records + second.data.flow_records]
    assert all(RECORD_ID.match(i) for i in ids), ids
    as_int = [int(i) for i in ids]
    assert as_int == sorted(as_int) and len(set(as_int)) == len(as_int)


def test_response_keeps_request_order(client):
    user_id = new_user(client)
    times = [T0 + 500, T0, T0 + 100]
    resp = import_flows(client, [flow(user_id, t) for t in times])
    assert [int(f.check_time) for f in resp.data.flow_records] == times


def test_employee_no(client):
    no = "E" + uid()
    user_id = new_user(client, employee_no=no)
    resp = import_flows(client, [flow(no, T0)], employee_type="employee_no")
    assert resp.code == 0, resp.msg
    (f,) = resp.data.flow_records
    assert f.user_id == no and f.creator_id == no
    # The same record, seen by employee_id.
    assert get_flow(client, f.record_id, "employee_id").data.user_id == user_id
    assert get_flow(client, f.record_id, "employee_no").data.user_id == no
    assert [x.record_id for x in query_flows(client, [no], employee_type="employee_no").data.user_flow_results] \
        == [f.record_id]


def test_creator_differs_from_user(client):
    user_id, admin = new_user(client), new_user(client, "admin")
    resp = import_flows(client, [flow(user_id, T0, creator_id=admin)])
    assert resp.code == 0
    assert resp.data.flow_records[0].creator_id == admin
    assert query_flows(client, [user_id]).data.user_flow_results[0].creator_id == admin


def test_check_time_as_number_is_accepted(daka, client):
    user_id = new_user(client)
    r = raw_create(daka, {"flow_records": [dict(raw_flow(user_id), check_time=T0)]})
    assert r.json()["code"] == 0, r.text
    assert r.json()["data"]["flow_records"][0]["check_time"] == str(T0)


# ----------------------------------------------------------------------------------------------
# idempotent_id
# ----------------------------------------------------------------------------------------------


def test_idempotent_replay_returns_original(client):
    user_id = new_user(client)
    key = uid("key-")
    first = import_flows(client, [flow(user_id, T0, idempotent_id=key)])
    assert first.code == 0
    original = first.data.flow_records[0].record_id
    again = import_flows(client, [flow(user_id, T0, idempotent_id=key, comment="retried")])
    assert again.code == 0, again.msg
    assert again.data.flow_records[0].record_id == original
    assert record_ids_of(user_id, client) == [original]


def test_idempotent_key_twice_in_one_batch(client):
    user_id = new_user(client)
    key = uid("key-")
    resp = import_flows(client, [flow(user_id, T0, idempotent_id=key), flow(user_id, T0, idempotent_id=key)])
    assert resp.code == 0
    a, b = resp.data.flow_records
    assert a.record_id == b.record_id
    assert record_ids_of(user_id, client) == [a.record_id]


def test_without_idempotent_id_every_import_is_new(client):
    user_id = new_user(client)
    a = import_flows(client, [flow(user_id, T0)]).data.flow_records[0].record_id
    b = import_flows(client, [flow(user_id, T0)]).data.flow_records[0].record_id
    assert a != b
    assert sorted(record_ids_of(user_id, client)) == sorted([a, b])


# ----------------------------------------------------------------------------------------------
# Partial and total failure
# ----------------------------------------------------------------------------------------------


def test_partial_failure_lists_userid_creatorid_in_msg(client):
    user_id = new_user(client)
    ghost1, ghost2 = "ghost-" + uid(), "ghost-" + uid()
    resp = import_flows(client, [flow(ghost1, T0, creator_id=user_id), flow(user_id, T0),
                                 flow(user_id, T0 + 1, creator_id=ghost2)])
    assert resp.code == 0
    assert resp.raw.status_code == 200
    assert resp.msg == f"[{ghost1}-{user_id}, {user_id}-{ghost2}]"
    assert [f.user_id for f in resp.data.flow_records] == [user_id]
    assert record_ids_of(user_id, client) == [resp.data.flow_records[0].record_id]


def test_all_unknown_is_1220004_and_writes_nothing(client):
    user_id = new_user(client)
    resp = import_flows(client, [flow("ghost-" + uid(), T0), flow(user_id, T0, creator_id="ghost-" + uid())])
    assert resp.code == 1220004
    assert resp.raw.status_code == 400
    assert "user_id is not exist or does not have permission" in resp.msg
    assert record_ids_of(user_id, client) == []


def test_more_than_50_records(client):
    user_id = new_user(client)
    resp = import_flows(client, [flow(user_id, T0 + i) for i in range(51)])
    assert resp.code == 1220600
    assert resp.raw.status_code == 400
    assert "operate too much flow" in resp.msg
    assert record_ids_of(user_id, client) == []
    ok = import_flows(client, [flow(user_id, T0 + i) for i in range(50)])
    assert ok.code == 0 and len(ok.data.flow_records) == 50


# ----------------------------------------------------------------------------------------------
# Structural errors: HTTP 400, the code, a message naming the field, nothing written
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("missing", ["user_id", "creator_id", "location_name", "check_time", "comment"])
def test_missing_required_field(daka, client, missing):
    user_id = new_user(client)
    bad = raw_flow(user_id, T0 + 1)
    del bad[missing]
    r = raw_create(daka, {"flow_records": [raw_flow(user_id), bad]})
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == 1220001
    assert missing in body["msg"]
    assert record_ids_of(user_id, client) == []


def test_missing_field_through_sdk(client):
    user_id = new_user(client)
    f = flow(user_id, T0)
    f.comment = None  # the SDK leaves None fields out of the JSON
    resp = import_flows(client, [flow(user_id, T0), f])
    assert resp.code == 1220001
    assert "comment" in resp.msg
    assert record_ids_of(user_id, client) == []


@pytest.mark.parametrize("field,value", [
    ("is_field", {"yes": 1}),
    ("location_name", ["a"]),
    ("check_time", "tomorrow"),
    ("type", "seven"),
    ("photo_urls", "not-a-list"),
])
def test_wrong_type(daka, client, field, value):
    user_id = new_user(client)
    r = raw_create(daka, {"flow_records": [raw_flow(user_id), dict(raw_flow(user_id, T0 + 1), **{field: value})]})
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["code"] == 1220001
    assert field in body["msg"]
    assert record_ids_of(user_id, client) == []


def test_flow_records_missing_or_not_a_list(daka):
    for body in [{}, {"flow_records": "x"}, {"flow_records": []}]:
        r = raw_create(daka, body)
        assert r.status_code == 400
        assert r.json()["code"] == 1220001
        assert "flow_records" in r.json()["msg"]


def test_body_not_json(daka):
    r = daka.call("POST", FLOWS + "/batch_create?employee_type=employee_id", data=b"{oops")
    assert r.status_code == 400
    assert r.json()["code"] == 1220001


def test_bad_employee_type(client):
    user_id = new_user(client)
    resp = import_flows(client, [flow(user_id, T0)], employee_type="open_id")
    assert resp.code == 1220003
    assert resp.raw.status_code == 400
    assert resp.msg == "user_id type is not employee_id or employee_no"
    assert record_ids_of(user_id, client) == []
    assert query_flows(client, [user_id], employee_type="union_id").code == 1220003
    assert get_flow(client, "1", employee_type="user_id").code == 1220003


def test_missing_employee_type(daka, client):
    user_id = new_user(client)
    r = raw_create(daka, {"flow_records": [raw_flow(user_id)]}, employee_type=None)
    assert r.status_code == 400
    assert r.json()["code"] in (1220001, 1220003)
    assert "employee_type" in r.json()["msg"] or r.json()["code"] == 1220003
    assert record_ids_of(user_id, client) == []


def test_check_time_before_2022(client):
    user_id = new_user(client)
    resp = import_flows(client, [flow(user_id, T0), flow(user_id, 1640995199)])  # 2021-12-31T23:59:59Z
    assert resp.code == 1220001
    assert resp.raw.status_code == 400
    assert "check_time" in resp.msg
    assert record_ids_of(user_id, client) == []
    # The first second of 2022 is accepted.
    ok = import_flows(client, [flow(user_id, 1640995200)])
    assert ok.code == 0, ok.msg


def test_official_example_check_time_2021_is_refused(client):
    user_id = new_user(client)
    resp = import_flows(client, [example_flow(user_id, check_time="1611476284")])
    assert resp.code == 1220001
    assert "check_time" in resp.msg


# ----------------------------------------------------------------------------------------------
# get and query details
# ----------------------------------------------------------------------------------------------


def test_get_unknown_record(client):
    resp = get_flow(client, "6708236686834352397")
    assert resp.code != 0
    assert resp.raw.status_code == 400


def test_query_range_inclusive_and_ordered(client):
    user_id = new_user(client)
    times = [T0 + 30, T0 + 10, T0 + 20, T0 + 40, T0]
    resp = import_flows(client, [flow(user_id, t) for t in times])
    assert resp.code == 0
    q = query_flows(client, [user_id], T0 + 10, T0 + 30)
    assert [int(f.check_time) for f in q.data.user_flow_results] == [T0 + 10, T0 + 20, T0 + 30]


def test_query_many_users(client):
    a, b = new_user(client), new_user(client)
    import_flows(client, [flow(a, T0 + 1), flow(b, T0)])
    q = query_flows(client, [a, b], T0, T0 + 1)
    assert [(f.user_id, int(f.check_time)) for f in q.data.user_flow_results] == [(b, T0), (a, T0 + 1)]


def test_query_unknown_user_is_1220004(client):
    user_id = new_user(client)
    q = query_flows(client, [user_id, "ghost-" + uid()])
    assert q.code == 1220004
    assert q.raw.status_code == 400


def test_query_limits(daka, client):
    user_id = new_user(client)
    q = query_flows(client, [user_id] * 51)
    assert q.code == 1220001
    assert "user_ids" in q.msg
    r = daka.call("POST", FLOWS + "/query?employee_type=employee_id", json={"user_ids": [user_id]})
    assert r.status_code == 400
    assert r.json()["code"] == 1220001
    assert "check_time_from" in r.json()["msg"]


@pytest.mark.parametrize("value", ["true", "True", "false", "False"])
def test_query_boolean_spellings(daka, client, value):
    user_id = new_user(client)
    import_flows(client, [flow(user_id, T0)])
    r = daka.call("POST", FLOWS + f"/query?employee_type=employee_id&include_terminated_user={value}",
                  json={"user_ids": [user_id], "check_time_from": str(T0), "check_time_to": str(T0)})
    assert r.status_code == 200, r.text
    assert len(r.json()["data"]["user_flow_results"]) == 1


def test_sdk_sends_python_bool(client):
    """The SDK puts str(True) == "True" in the query string."""
    user_id = new_user(client)
    import_flows(client, [flow(user_id, T0)])
    assert len(query_flows(client, [user_id], include_terminated=True).data.user_flow_results) == 1
    assert len(query_flows(client, [user_id], include_terminated=False).data.user_flow_results) == 1


# ----------------------------------------------------------------------------------------------
# batch_del
# ----------------------------------------------------------------------------------------------


def test_batch_del(client):
    user_id = new_user(client)
    ids = [f.record_id for f in import_flows(client, [flow(user_id, T0 + i) for i in range(3)]).data.flow_records]
    resp = delete_flows(client, ids[:2])
    assert resp.code == 0, resp.msg
    assert resp.msg == "success"
    assert sorted(resp.data.success_record_ids) == sorted(ids[:2])
    assert not resp.data.fail_record_ids
    assert record_ids_of(user_id, client) == [ids[2]]
    assert get_flow(client, ids[0]).code != 0


@pytest.mark.parametrize("count", [0, 11])
def test_batch_del_needs_1_to_10_ids(client, count):
    user_id = new_user(client)
    ids = [f.record_id for f in import_flows(client, [flow(user_id, T0 + i) for i in range(11)]).data.flow_records]
    resp = delete_flows(client, ids[:count])
    assert resp.code == 1220001
    assert resp.raw.status_code == 400
    assert "record_ids" in resp.msg
    assert len(record_ids_of(user_id, client)) == 11


def test_batch_del_unknown_ids_fail_with_reasons(client):
    user_id = new_user(client)
    (keep,) = [f.record_id for f in import_flows(client, [flow(user_id, T0)]).data.flow_records]
    unknown, garbage = "6708236686834352397", "not-an-id"
    resp = delete_flows(client, [keep, unknown, garbage])
    assert resp.code == 0
    assert resp.data.success_record_ids == [keep]
    assert sorted(resp.data.fail_record_ids) == sorted([unknown, garbage])
    reasons = json.loads(resp.msg)
    assert set(reasons) == {unknown, garbage}
    assert all(isinstance(v, str) and v for v in reasons.values())
    # Deleting again: now it is unknown too.
    again = delete_flows(client, [keep])
    assert again.code == 0
    assert again.data.fail_record_ids == [keep]
    assert keep in json.loads(again.msg)


def test_batch_del_refuses_records_not_imported(daka, client):
    """Only records imported through the open platform can be deleted. daka's API imports every
    record it stores, so the test makes a non-imported copy of one directly in the database."""
    user_id = new_user(client)
    (imported,) = [f.record_id for f in import_flows(client, [flow(user_id, T0)]).data.flow_records]
    other = str(int(imported) + 1)
    daka.db.execute(
        f"CREATE TEMP TABLE t AS SELECT * FROM punches WHERE record_id = {int(imported)}",
        f"UPDATE t SET record_id = {int(other)}, imported = 0, idempotent_id = NULL",
        "INSERT INTO punches SELECT * FROM t",
    )
    resp = delete_flows(client, [other])
    assert resp.code == 0
    assert resp.data.fail_record_ids == [other]
    assert not resp.data.success_record_ids
    assert other in json.loads(resp.msg)
    assert get_flow(client, other).code == 0


def test_batch_del_body_errors(daka):
    r = daka.call("POST", FLOWS + "/batch_del", json={})
    assert r.status_code == 400
    assert r.json()["code"] == 1220001
    assert "record_ids" in r.json()["msg"]


def test_raw_true_false_literal_rejected_cleanly(daka):
    r = daka.call("POST", FLOWS + "/query?employee_type=employee_id&include_terminated_user=maybe",
                  json={"user_ids": ["x"], "check_time_from": "1", "check_time_to": "2"})
    assert r.status_code == 400
    assert r.json()["code"] == 1220001
    assert "include_terminated_user" in r.json()["msg"]


def test_requests_module_sees_json_everywhere(daka):
    r = requests.post(daka.url(FLOWS + "/query"), timeout=10)
    assert r.headers["Content-Type"] == "application/json; charset=utf-8"
