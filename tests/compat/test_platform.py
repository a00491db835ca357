"""Open-platform mechanics (feishu-platform.md §0–3): tokens, auth errors, scopes, headers,
unknown paths, rate limits. Expected values are the documented ones."""

import http.client
import json
import re
import time

import lark_oapi as lark
from lark_oapi.core.exception import ObtainAccessTokenException
import pytest
import requests

from daka_harness import (APP_TOKEN_PATH, Daka, TOKEN_PATH, T0, att, contact, create_user, flow, get_flow,
                          import_flows, new_user, query_flows, uid)

LOG_ID = re.compile(r"^\d{14}[0-9A-F]{8,}$")
FLOW_GET = "/open-apis/attendance/v1/user_flows/6708236686834352397?employee_type=employee_id"


def raw(daka, method, path, body=None, headers=None):
    """One request over http.client: header names exactly as they came over the wire."""
    host, port = daka.host_port
    conn = http.client.HTTPConnection(host, port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, resp.getheaders(), data
    finally:
        conn.close()


def assert_platform_headers(headers):
    names = [k for k, _ in headers]
    values = dict(headers)
    assert "Content-Type" in names, names
    assert values["Content-Type"] == "application/json; charset=utf-8"
    assert "X-Tt-Logid" in names, names
    assert LOG_ID.match(values["X-Tt-Logid"]), values["X-Tt-Logid"]


# ----------------------------------------------------------------------------------------------
# Tokens
# ----------------------------------------------------------------------------------------------


def test_sdk_fetches_token_transparently(daka, client):
    user_id = new_user(client)
    resp = import_flows(client, [flow(user_id, T0)])
    assert resp.code == 0, resp.msg
    assert resp.raw.status_code == 200


def test_tenant_token_without_content_type(daka):
    app_id, secret = daka.create_app()
    body = json.dumps({"app_id": app_id, "app_secret": secret}).encode()  # bytes: requests adds no Content-Type
    prepared = requests.Request("POST", daka.url(TOKEN_PATH), data=body).prepare()
    assert "Content-Type" not in prepared.headers
    first = requests.Session().send(prepared, timeout=10)
    assert first.status_code == 200
    b1 = first.json()
    assert b1["code"] == 0
    assert b1["tenant_access_token"].startswith("t-")
    assert b1["expire"] == 7200
    assert "data" not in b1
    # Less than 30 minutes of the 2 h have passed: the same token, with its remaining life.
    b2 = requests.post(daka.url(TOKEN_PATH), data=body, timeout=10).json()
    assert b2["code"] == 0
    assert b2["tenant_access_token"] == b1["tenant_access_token"]
    assert 7200 - 5 <= b2["expire"] <= 7200


def test_app_access_token_fields_at_top_level(daka):
    app_id, secret = daka.create_app()
    b = requests.post(daka.url(APP_TOKEN_PATH), json={"app_id": app_id, "app_secret": secret}, timeout=10).json()
    assert b["code"] == 0
    assert b["app_access_token"].startswith(("a-", "t-"))
    assert b["expire"] == 7200
    assert "data" not in b
    # The official page also lists tenant_access_token in this response.
    assert b["tenant_access_token"].startswith("t-")


def test_tenant_token_works_through_sdk_option(daka, client):
    token = daka.token()
    opt = lark.RequestOption.builder().tenant_access_token(token).build()
    user_id = new_user(client)
    assert import_flows(daka.client(set_token=True), [flow(user_id, T0)], option=opt).code == 0


def test_wrong_secret_is_refused(daka):
    b = requests.post(daka.url(TOKEN_PATH), json={"app_id": daka.app_id, "app_secret": "nope-nope-nope"},
                      timeout=10).json()
    assert b["code"] == 10014  # daka's choice, as the common fakes answer (spec §1.5)
    assert "tenant_access_token" not in b
    b = requests.post(daka.url(TOKEN_PATH), json={"app_id": "cli_0000000000000000", "app_secret": "x" * 16},
                      timeout=10).json()
    assert b["code"] == 10014


def test_malformed_token_request(daka):
    b = requests.post(daka.url(TOKEN_PATH), json={"app_secret": "x"}, timeout=10).json()
    assert b["code"] == 10003
    assert "app_id" in b["msg"]
    b = requests.post(daka.url(TOKEN_PATH), data=b"{not json", timeout=10).json()
    assert b["code"] == 10003


def test_sdk_with_wrong_secret_raises(daka):
    # A fresh app_id: the SDK caches tokens per app_id, so the bootstrap app's token would be reused.
    app_id, _ = daka.create_app()
    bad = daka.client(app_id, "wrong-secret-123")
    with pytest.raises(ObtainAccessTokenException) as e:
        query_flows(bad, ["x"])
    assert e.value.code == 10014


# ----------------------------------------------------------------------------------------------
# Auth errors on APIs
# ----------------------------------------------------------------------------------------------


def test_missing_token_99991661(daka):
    r = requests.get(daka.url(FLOW_GET), timeout=10)
    assert r.status_code == 400
    assert r.json()["code"] == 99991661
    r = requests.get(daka.url(FLOW_GET), headers={"Authorization": "Bearer "}, timeout=10)
    assert r.json()["code"] == 99991661


def test_invalid_token_99991663(daka, client):
    r = requests.get(daka.url(FLOW_GET), headers={"Authorization": "Bearer t-not-a-real-token"}, timeout=10)
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == 99991663
    assert body["msg"].startswith("Invalid access token for authorization")
    # Through the SDK with an explicit bogus token: the error comes back as a response.
    opt = lark.RequestOption.builder().tenant_access_token("t-bogus").build()
    resp = daka.client(set_token=True).attendance.v1.user_flow.get(
        att.GetUserFlowRequest.builder().user_flow_id("1").employee_type("employee_id").build(), opt)
    assert resp.code == 99991663
    assert resp.raw.status_code == 400


def test_app_token_is_not_a_tenant_token(daka):
    b = requests.post(daka.url(APP_TOKEN_PATH), json={"app_id": daka.app_id, "app_secret": daka.app_secret},
                      timeout=10).json()
    if b["app_access_token"] == b["tenant_access_token"]:
        pytest.skip("app and tenant tokens are the same string")
    r = daka.call("GET", FLOW_GET, token=b["app_access_token"])
    assert r.json()["code"] == 99991663


def test_missing_scope_99991672(daka, client):
    app_id, secret = daka.create_app(scopes=["attendance:task:readonly"])
    limited = daka.client(app_id, secret)
    user_id = new_user(client)
    # Writing needs attendance:task.
    resp = import_flows(limited, [flow(user_id, T0)])
    assert resp.code == 99991672
    assert resp.raw.status_code == 400
    assert resp.msg.startswith("Access denied. One of the following scopes is required: [")
    assert "attendance:task" in resp.msg
    body = json.loads(resp.raw.content)
    subjects = [v["subject"] for v in body["error"]["permission_violations"]]
    assert subjects == ["attendance:task"]
    assert all(v["type"] == "action_scope_required" for v in body["error"]["permission_violations"])
    assert not query_flows(client, [user_id]).data.user_flow_results  # nothing was written
    # Reading is allowed with the readonly scope.
    assert query_flows(limited, [user_id]).code == 0
    # Contact writes need contact:contact.
    resp = create_user(limited, uid())
    assert resp.code == 99991672
    # batch_del needs attendance:task too.
    body = att.BatchDelUserFlowRequestBody.builder().record_ids(["1"]).build()
    resp = limited.attendance.v1.user_flow.batch_del(att.BatchDelUserFlowRequest.builder().request_body(body).build())
    assert resp.code == 99991672


def test_scopes_changed_with_cli_apply(daka, client):
    app_id, secret = daka.create_app(scopes=[])
    c = daka.client(app_id, secret)
    assert query_flows(c, ["x"]).code == 99991672
    daka.cli("apps", "set-scopes", app_id, "attendance:task:readonly")
    # daka caches a verified token for a few seconds; the new scopes apply after that.
    deadline = time.monotonic() + 20
    while query_flows(c, ["nobody-" + uid()]).code == 99991672:
        assert time.monotonic() < deadline, "new scopes never applied"
        time.sleep(0.5)
    assert query_flows(c, ["nobody-" + uid()]).code == 1220004


# ----------------------------------------------------------------------------------------------
# Headers, envelope, unknown paths
# ----------------------------------------------------------------------------------------------


def test_headers_exact_case_on_success_and_errors(daka):
    token = daka.token()
    body = json.dumps({"app_id": daka.app_id, "app_secret": daka.app_secret})
    for method, path, payload, headers, status in [
        ("POST", TOKEN_PATH, body, {}, 200),
        ("GET", FLOW_GET, None, {"Authorization": "Bearer " + token}, 400),  # unknown record
        ("GET", FLOW_GET, None, {}, 400),  # no token
        ("GET", "/open-apis/attendance/v1/no_such_thing", None, {}, 404),
        ("POST", "/open-apis/attendance/v1/user_flows/query?employee_type=employee_id", "{}",
         {"Authorization": "Bearer " + token}, 400),
    ]:
        got, hdrs, data = raw(daka, method, path, payload, headers)
        assert got == status, (path, got, data)
        assert_platform_headers(hdrs)
        assert isinstance(json.loads(data)["code"], int)


def test_sdk_sees_log_id(daka, client):
    user_id = new_user(client)
    resp = query_flows(client, [user_id])
    assert resp.code == 0
    assert LOG_ID.match(resp.get_log_id() or ""), resp.raw.headers
    assert resp.raw.headers["Content-Type"] == "application/json; charset=utf-8"


def test_log_ids_differ(daka):
    ids = {dict(raw(daka, "GET", "/open-apis/nope")[1])["X-Tt-Logid"] for _ in range(5)}
    assert len(ids) == 5


def test_unknown_path_is_json_404(daka):
    for path in ["/open-apis/attendance/v1/nope", "/", "/open-apis/contact/v3/users/a/b/c"]:
        r = requests.get(daka.url(path), timeout=10)
        assert r.status_code == 404
        assert r.headers["Content-Type"] == "application/json; charset=utf-8"
        body = r.json()
        assert body["code"] == 404
        assert isinstance(body["msg"], str) and body["msg"]


def test_wrong_method_is_json(daka):
    r = requests.get(daka.url("/open-apis/attendance/v1/user_flows/batch_create"), timeout=10)
    assert r.status_code == 405
    assert r.headers["Content-Type"] == "application/json; charset=utf-8"
    assert r.json()["code"] == 405


def test_generic_request_through_sdk(daka, client):
    """lark.BaseRequest via client.request(): parsed only when Content-Type matches exactly."""
    req = (lark.BaseRequest.builder().http_method(lark.HttpMethod.POST)
           .uri("/open-apis/attendance/v1/user_flows/query?employee_type=employee_id")
           .token_types({lark.AccessTokenType.TENANT})
           .body({"user_ids": ["nobody-" + uid()], "check_time_from": "1700000000", "check_time_to": "1700000001"})
           .build())
    resp = client.request(req)
    assert resp.code == 1220004
    assert resp.raw.status_code == 400


def test_healthz_and_metrics(daka, client):
    r = requests.get(daka.url("/healthz"), timeout=10)
    assert r.status_code == 200
    assert r.json()["status"] == "ok"
    query_flows(client, ["nobody"])
    r = requests.get(daka.url("/metrics"), timeout=10)
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/plain")
    assert "user_flows" in r.text


# ----------------------------------------------------------------------------------------------
# Rate limits
# ----------------------------------------------------------------------------------------------


def test_rate_limit_429(fresh_daka):
    d = fresh_daka(rate_limit="5")
    c = d.client()
    results = []
    for _ in range(20):
        results.append(get_flow(c, "6708236686834352397"))
    limited = [r for r in results if r.raw.status_code == 429]
    assert limited, [r.code for r in results]
    assert len(limited) >= 10  # 20 quick calls at 5/s: at most 10 pass, even across a second boundary
    r = limited[0]
    assert r.code == 99991400
    assert r.msg == "request trigger frequency limit"
    headers = {k.lower(): v for k, v in r.raw.headers.items()}
    assert headers["x-ogw-ratelimit-limit"] == "5"
    assert int(headers["x-ogw-ratelimit-reset"]) >= 0
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert "x-tt-logid" in headers
    # Per endpoint: another endpoint still answers.
    assert query_flows(c, ["nobody"]).raw.status_code != 429
    # And it recovers after the window.
    time.sleep(float(headers["x-ogw-ratelimit-reset"]) + 1.1)
    assert get_flow(c, "6708236686834352397").raw.status_code != 429


def test_rate_limit_headers_exact_case(fresh_daka):
    # Feishu sends x-ogw-* in lower case and lark-oapi keeps header names as sent in a plain dict.
    d = fresh_daka(rate_limit="1")
    c = d.client()
    results = [get_flow(c, "1") for _ in range(4)]
    r = next(r for r in results if r.raw.status_code == 429)
    assert "x-ogw-ratelimit-limit" in r.raw.headers
    assert "x-ogw-ratelimit-reset" in r.raw.headers


def test_batch_del_has_its_own_10_per_second_cap(fresh_daka):
    d = fresh_daka(rate_limit="50")
    c = d.client()
    statuses = []
    for _ in range(20):
        body = att.BatchDelUserFlowRequestBody.builder().record_ids(["1"]).build()
        r = c.attendance.v1.user_flow.batch_del(att.BatchDelUserFlowRequest.builder().request_body(body).build())
        statuses.append((r.raw.status_code, r.code))
    refused = [s for s in statuses if s[0] == 429]
    assert refused, statuses
    assert all(code == 99991400 for _, code in refused)
    assert len(refused) >= 20 - 2 * 10


def test_rate_limit_off(daka, client):
    codes = [get_flow(client, "1").raw.status_code for _ in range(60)]
    assert 429 not in codes


def test_contact_endpoints_via_sdk_exist(daka, client):
    resp = client.contact.v3.user.get(contact.GetUserRequest.builder().user_id("ou_nobody").build())
    assert resp.code != 0
    assert resp.raw.status_code in (400, 404)


def test_restart_keeps_data_and_tokens(fresh_daka):
    d = fresh_daka()
    c = d.client()
    user_id = new_user(c)
    rec = import_flows(c, [flow(user_id, T0)]).data.flow_records[0].record_id
    token = d.token()
    assert d.stop() == 0  # SIGTERM: graceful, exit code 0
    again = Daka(db=d.db, app_id=d.app_id, app_secret=d.app_secret).start()
    try:
        # The SDK still holds the first server's token; it stays valid across the restart.
        assert get_flow(again.client(), rec).code == 0
        assert again.token() == token
        assert not any("app_secret" in line for line in again.output)  # bootstrap ran only once
    finally:
        again.stop()
