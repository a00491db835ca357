"""Event delivery (issue 5; feishu-platform.md §4–5, feishu-attendance-spec.md §9) through the
official SDK, unchanged: its EventDispatcherHandler as a real webhook receiver (plain, and
encrypted + signed), its long-connection `lark_oapi.ws.Client`, retries, failed deliveries and
redelivery, and a `kill -9` right after a committed import losing nothing."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, List

import lark_oapi as lark
import pytest
from lark_oapi.core.model import RawRequest
from lark_oapi.event.custom import CustomizedEvent

from daka_harness import T0, Daka, flow, import_flows, new_user

# Fixed server clock: noon of the punches' day, so punches are accepted and results change.
NOW = str(T0 + 12 * 3600)
FAST = ["--event-retry-schedule", "1s,1s,1s", "--now", NOW]
EVENT_ID = re.compile(r"^[0-9a-f]{32}$")

import lark_oapi as lark
from lark_oapi.core.model import RawRequest
from lark_oapi.event.custom import CustomizedEvent

FLOW_CREATED = "attendance.user_flow.created_v1"
TASK_UPDATED = "attendance.user_task.updated_v1"


def dispatcher(encrypt_key: str, verification_token: str, on_event: Callable[[CustomizedEvent], None]):
    return (lark.EventDispatcherHandler.builder(encrypt_key, verification_token, lark.LogLevel.ERROR)
            .register_p2_customized_event(FLOW_CREATED, on_event)
            .register_p2_customized_event(TASK_UPDATED, on_event)
            .build())


class Receiver:
    """An HTTP event receiver on 127.0.0.1 (port chosen by the OS)."""

    def __init__(self, encrypt_key: str = "", verification_token: str = "vt", fail_first: int = 0):
        self.encrypt_key = encrypt_key
        self.verification_token = verification_token
        self.fail_first = fail_first
        self.events: List[dict] = []
        self.requests: List[dict] = []
        self.lock = threading.Lock()
        self.handler = dispatcher(encrypt_key, verification_token, self._on_event)
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items()}
                with receiver.lock:
                    receiver.requests.append({"headers": headers, "body": body})
                    fail = receiver.fail_first > 0
                    if fail:
                        receiver.fail_first -= 1
                if fail:
                    status, content = 503, b'{"msg":"try later"}'
                else:
                    req = RawRequest()
                    req.uri = self.path
                    req.headers = headers
                    req.body = body
                    resp = receiver.handler.do(req)
                    status, content = resp.status_code, resp.content or b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _on_event(self, data: CustomizedEvent) -> None:
        h = data.header
        with self.lock:
            self.events.append({
                "event_id": h.event_id, "event_type": h.event_type, "create_time": h.create_time,
                "token": h.token, "app_id": h.app_id, "tenant_key": h.tenant_key, "schema": data.schema,
                "event": data.event,
            })

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/webhook/event"

    def of_type(self, event_type: str) -> List[dict]:
        with self.lock:
            return [e for e in self.events if e["event_type"] == event_type]

    def event_ids(self) -> set:
        with self.lock:
            return {e["event_id"] for e in self.events}

    def wait_for(self, pred: Callable[["Receiver"], bool], timeout: float = 20.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if pred(self):
                return True
            time.sleep(0.05)
        return pred(self)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made: List[Receiver] = []

    def make(**kw) -> Receiver:
        r = Receiver(**kw)
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()


def punch_twice(d: Daka) -> tuple:
    """A new person with an on and an off punch; returns (user_id, record_ids)."""
    client = d.client()
    user = new_user(client)
    resp = import_flows(client, [flow(user, T0), flow(user, T0 + 9 * 3600)])
    assert resp.code == 0, resp.msg
    return user, [r.record_id for r in resp.data.flow_records]


def check_envelopes(r: Receiver, d: Daka, app_id: str, token: str, user: str, record_ids: List[str]) -> None:
    assert r.wait_for(lambda r: {e["event"]["record_id"] for e in r.of_type(FLOW_CREATED)} >= set(record_ids)), \
        r.events
    assert r.wait_for(lambda r: any(e["event"]["employee_id"] == user for e in r.of_type(TASK_UPDATED))), r.events
    tenant_keys = {line.split("\t")[1] for line in d.cli("apps", "tenants").splitlines()}
    for e in r.events:
        assert e["schema"] == "2.0"
        assert EVENT_ID.match(e["event_id"]), e
        assert e["token"] == token and e["app_id"] == app_id and e["tenant_key"] in tenant_keys
        assert re.match(r"^\d{13}$", e["create_time"]), e
    flows = [e for e in r.of_type(FLOW_CREATED) if e["event"]["employee_id"] == user]
    by_record = {e["event"]["record_id"]: e["event"] for e in flows}
    first = by_record[record_ids[0]]
    assert first["check_time"] == str(T0) and first["location_name"] == "西溪八方城"
    assert first["comment"] == "上班打卡" and first["type"] == 0
    for key in ("employee_no", "ssid", "bssid", "is_field", "is_wifi", "photo_urls", "risk_result"):
        assert key in first, key
    task = next(e["event"] for e in r.of_type(TASK_UPDATED) if e["event"]["employee_id"] == user)
    assert isinstance(task["date"], int) and task["status_changes"], task
    for change in task["status_changes"]:
        assert {"before_status", "current_status", "before_supplement", "current_supplement", "work_type",
                "index"} <= set(change)
    assert len(r.event_ids()) == len(r.events), "each event is delivered once when the receiver says 200"


def wait_state(d: Daka, state: str, count: int, timeout: float = 20.0) -> List[List[str]]:
    deadline = time.monotonic() + timeout
    while True:
        rows = [l.split("\t") for l in d.cli("events", "list", "--limit", "1000").splitlines()[1:]]
        if sum(1 for r in rows if r[4] == state) >= count or time.monotonic() > deadline:
            return rows
        time.sleep(0.2)


# ----------------------------------------------------------------------------------------------
# Webhooks
# ----------------------------------------------------------------------------------------------


def test_env_url_plain_json_both_event_types(fresh_daka, receiver, monkeypatch):
    r = receiver(verification_token="vt-plain")
    monkeypatch.setenv("DAKA_EVENT_URL", r.url)
    monkeypatch.setenv("DAKA_EVENT_VERIFICATION_TOKEN", "vt-plain")
    monkeypatch.delenv("DAKA_EVENT_ENCRYPT_KEY", raising=False)
    d = fresh_daka(extra_args=FAST)
    # The start-up url_verification challenge reached the SDK handler (plain JSON, token checked).
    first = json.loads(r.requests[0]["body"])
    assert first["type"] == "url_verification" and first["token"] == "vt-plain"
    user, record_ids = punch_twice(d)
    check_envelopes(r, d, d.app_id, "vt-plain", user, record_ids)
    pushed = r.requests[-1]
    assert "encrypt" not in json.loads(pushed["body"])
    assert b" " not in pushed["body"].split(b'"event":')[0], "compact JSON"
    assert pushed["headers"]["Content-Type"].startswith("application/json")


def test_cli_set_encrypted_and_signed(fresh_daka, receiver):
    d = fresh_daka(extra_args=FAST)
    r = receiver(encrypt_key="ek-123", verification_token="vt-enc")
    out = d.cli("apps", "events", "set", d.app_id, "--url", r.url, "--verification-token", "vt-enc",
                "--encrypt-key", "ek-123")
    assert "url_verification passed" in out
    challenge = json.loads(r.requests[0]["body"])
    assert list(challenge) == ["encrypt"], "the challenge is encrypted too"
    shown = d.cli("apps", "events", "show", d.app_id)
    assert r.url in shown and "ek-123" not in shown
    user, record_ids = punch_twice(d)
    check_envelopes(r, d, d.app_id, "vt-enc", user, record_ids)
    for req in r.requests:
        assert list(json.loads(req["body"])) == ["encrypt"]
        assert re.match(r"^\d{10}$", req["headers"]["X-Lark-Request-Timestamp"])
        assert req["headers"]["X-Lark-Request-Nonce"]
        assert re.match(r"^[0-9a-f]{64}$", req["headers"]["X-Lark-Signature"])


def test_set_refuses_a_url_that_fails_the_challenge(fresh_daka, receiver):
    d = fresh_daka(extra_args=FAST)
    wrong_token = receiver(verification_token="other")
    with pytest.raises(RuntimeError, match="url_verification"):
        d.cli("apps", "events", "set", d.app_id, "--url", wrong_token.url, "--verification-token", "vt")
    with pytest.raises(RuntimeError, match="url_verification"):
        d.cli("apps", "events", "set", d.app_id, "--url", "http://127.0.0.1:9/none", "--verification-token", "vt")
    assert "no event subscription" in d.cli("apps", "events", "show", d.app_id)
    ok = receiver(verification_token="vt")
    d.cli("apps", "events", "set", d.app_id, "--url", ok.url, "--verification-token", "vt",
          "--types", "attendance.user_flow.created_v1")
    user, record_ids = punch_twice(d)
    assert ok.wait_for(lambda r: len(r.of_type(FLOW_CREATED)) >= 2)
    time.sleep(1)
    assert not ok.of_type(TASK_UPDATED), "only the subscribed type"
    d.cli("apps", "events", "clear", d.app_id)
    assert "no event subscription" in d.cli("apps", "events", "show", d.app_id)


def test_start_refuses_an_env_url_that_fails(fresh_daka, monkeypatch):
    monkeypatch.setenv("DAKA_EVENT_URL", "http://127.0.0.1:9/none")
    monkeypatch.setenv("DAKA_EVENT_VERIFICATION_TOKEN", "vt")
    with pytest.raises(RuntimeError, match="DAKA_EVENT_URL"):
        fresh_daka(extra_args=FAST)


def test_retries_then_failed_then_redelivered(fresh_daka, receiver):
    d = fresh_daka(extra_args=["--event-retry-schedule", "1s,1s", "--now", NOW])
    r = receiver(verification_token="vt")
    d.cli("apps", "events", "set", d.app_id, "--url", r.url, "--verification-token", "vt",
          "--types", "attendance.user_flow.created_v1")
    r.fail_first = 1000  # answer 503 from now on
    punch_twice(d)
    rows = wait_state(d, "failed", 2)
    failed = [row for row in rows if row[4] == "failed"]
    assert len(failed) == 2, rows
    assert all(row[5] == "3" and "HTTP 503" in row[8] for row in failed), failed
    assert len(d.cli("events", "failed").splitlines()) == 3
    assert not r.events
    # Redeliver one by id, then the rest.
    r.fail_first = 0
    d.cli("events", "redeliver", failed[0][0])
    assert r.wait_for(lambda r: len(r.events) == 1)
    d.cli("events", "redeliver", "--all-failed")
    assert r.wait_for(lambda r: len(r.events) == 2)
    # A receiver that fails twice still gets the event, on the third attempt.
    r.fail_first = 2
    user, record_ids = punch_twice(d)
    assert r.wait_for(lambda r: {e["event"]["record_id"] for e in r.events} >= set(record_ids))
    assert len(r.event_ids()) == 4


def test_kill_9_right_after_commit_loses_nothing(fresh_daka, receiver, tmp_path):
    r = receiver(verification_token="vt")
    d = fresh_daka(extra_args=["--event-url", r.url, "--event-verification-token", "vt", *FAST])
    client = d.client()
    users = [new_user(client) for _ in range(5)]
    record_ids: List[str] = []
    for i, user in enumerate(users):
        resp = import_flows(client, [flow(user, T0 + 60 * i), flow(user, T0 + 9 * 3600 + 60 * i)])
        assert resp.code == 0, resp.msg
        record_ids += [x.record_id for x in resp.data.flow_records]
    os.kill(d.proc.pid, signal.SIGKILL)  # right after the HTTP 200 of the last import
    d.proc.wait()
    d.proc = None
    d.start()
    assert r.wait_for(lambda r: {e["event"]["record_id"] for e in r.of_type(FLOW_CREATED)} >= set(record_ids),
                      timeout=30), (len(r.events), d.output[-20:])
    if d.db.is_sqlite:
        import sqlite3
        with sqlite3.connect(str(d.db.sqlite_path)) as db:
            committed = {row[0] for row in db.execute("SELECT event_id FROM event_records")}
        assert r.wait_for(lambda r: r.event_ids() >= committed, timeout=30), committed - r.event_ids()


# ----------------------------------------------------------------------------------------------
# Long connection
# ----------------------------------------------------------------------------------------------

WS_CLIENT = textwrap.dedent('''
    import json, sys
    import lark_oapi as lark

    app_id, secret, domain, fail_first = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
    seen = set()

    def on_event(data):
        h = data.header
        first = h.event_id not in seen
        seen.add(h.event_id)
        print("EVENT " + json.dumps({"event_id": h.event_id, "event_type": h.event_type, "app_id": h.app_id,
                                     "tenant_key": h.tenant_key, "event": data.event, "first": first}), flush=True)
        if fail_first and first:
            raise RuntimeError("not this time")

    handler = (lark.EventDispatcherHandler.builder("", "")
               .register_p2_customized_event("attendance.user_flow.created_v1", on_event)
               .register_p2_customized_event("attendance.user_task.updated_v1", on_event)
               .build())
    lark.ws.Client(app_id, secret, event_handler=handler, domain=domain, log_level=lark.LogLevel.INFO).start()
''')


class WsClient:
    def __init__(self, tmp_path, d: Daka, fail_first: bool = False):
        script = tmp_path / "ws_client.py"
        script.write_text(WS_CLIENT)
        self.lines: List[str] = []
        self.proc = subprocess.Popen([sys.executable, str(script), d.app_id, d.app_secret, d.base_url,
                                      "1" if fail_first else "0"],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def events(self) -> List[dict]:
        return [json.loads(l[6:]) for l in list(self.lines) if l.startswith("EVENT ")]

    def wait(self, pred, timeout=20.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if pred(self):
                return True
            time.sleep(0.05)
        return pred(self)

    def connected(self) -> bool:
        return self.wait(lambda c: any("connected to" in l for l in c.lines))

    def stop(self):
        self.proc.kill()
        self.proc.wait()


def test_ws_endpoint_discovery_shape(daka):
    import requests
    resp = requests.post(daka.url("/callback/ws/endpoint"), json={"AppID": daka.app_id, "AppSecret": daka.app_secret},
                         headers={"locale": "zh"}, timeout=10)
    body = resp.json()
    assert resp.status_code == 200 and body["code"] == 0, body
    url = body["data"]["URL"]
    assert url.startswith("ws://127.0.0.1:") and "/ws/v2?" in url
    query = url.split("?", 1)[1]
    assert not query.startswith("device_id") and not query.startswith("service_id")
    assert re.search(r"[?&]device_id=\d+", url) and re.search(r"[?&]service_id=\d+", url)
    config = body["data"]["ClientConfig"]
    for key in ("ReconnectCount", "ReconnectInterval", "ReconnectNonce", "PingInterval"):
        assert isinstance(config[key], int) and config[key] > 0, config
    bad = requests.post(daka.url("/callback/ws/endpoint"), json={"AppID": daka.app_id, "AppSecret": "wrong-secret"},
                        timeout=10).json()
    assert bad["code"] not in (0, 1, 1000040343), bad  # a client error: the SDK stops


def test_ws_client_receives_both_types_instead_of_the_webhook(fresh_daka, receiver, tmp_path):
    r = receiver(verification_token="vt")
    d = fresh_daka(extra_args=["--event-url", r.url, "--event-verification-token", "vt", *FAST])
    ws = WsClient(tmp_path, d)
    try:
        assert ws.connected(), ws.lines
        user, record_ids = punch_twice(d)
        assert ws.wait(lambda c: {e["event"]["record_id"] for e in c.events() if e["event_type"] == FLOW_CREATED}
                       >= set(record_ids)), ws.lines[-20:]
        assert ws.wait(lambda c: any(e["event_type"] == TASK_UPDATED and e["event"]["employee_id"] == user
                                     for e in c.events()))
        for e in ws.events():
            assert e["app_id"] == d.app_id and EVENT_ID.match(e["event_id"])
        assert not r.events, "while a long-connection client is live, events go to it, not the webhook"
        rows = wait_state(d, "delivered", len(ws.events()))
        assert {row[6] for row in rows if row[4] == "delivered"} == {"ws"}
    finally:
        ws.stop()
    # Client gone: the webhook gets the events again.
    user2, record_ids2 = punch_twice(d)
    assert r.wait_for(lambda r: {e["event"]["record_id"] for e in r.of_type(FLOW_CREATED)} >= set(record_ids2))


def test_ws_unacknowledged_events_are_redelivered(fresh_daka, tmp_path):
    d = fresh_daka(extra_args=FAST)
    ws = WsClient(tmp_path, d, fail_first=True)
    try:
        assert ws.connected(), ws.lines
        user, record_ids = punch_twice(d)
        # The handler raises on each event's first delivery (ACK code 500); daka pushes it again.
        assert ws.wait(lambda c: {e["event"]["record_id"] for e in c.events()
                                  if e["event_type"] == FLOW_CREATED and not e["first"]} >= set(record_ids)), \
            ws.lines[-20:]
    finally:
        ws.stop()
