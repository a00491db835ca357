"""Scale-out (issue 7): two `daka serve` processes on one PostgreSQL database, hammered at once
through lark-oapi. Concurrent batch_create calls for the same people go to both processes, every
request is retried (same idempotent_id) on the other process while the first is in flight, and
both processes run delivery workers to one webhook receiver. Then: every punch stored exactly
once, results the same from both processes and unchanged by a full recompute, and every event
delivered exactly once.

Runs only against PostgreSQL (DAKA_TEST_DATABASE_URL; scripts/test sets it for its second run)."""

from __future__ import annotations

import json
import random
import subprocess
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List

import pytest

from daka_harness import Daka, Database, fresh_database, import_flows, flow, postgres_admin_url, query_flows
from test_events import FLOW_CREATED, TASK_UPDATED, Receiver
from test_remedies_common import MON, NOW, TUE, at, create_group, create_shift, new_user
from daka_harness import att

pytestmark = pytest.mark.skipif(postgres_admin_url() is None,
                                reason="needs PostgreSQL (DAKA_TEST_DATABASE_URL)")

PEOPLE = 8
# Per person and day: arrival and leaving punches plus noise in between (all idempotent).
TIMES = [(8, 50), (9, 2), (9, 30), (12, 0), (13, 0), (17, 59), (18, 5), (19, 30)]
ARGS = ["--now", str(NOW), "--event-retry-schedule", "1s,1s,1s,1s,1s"]


def psql(url: str, sql: str) -> List[List[str]]:
    out = subprocess.run(["psql", url, "-tA", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql],
                         check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def tasks(d: Daka, users: List[str]) -> Dict[tuple, list]:
    """(user, day) → the day's records without ids, as one process answers user_tasks/query."""
    body = att.QueryUserTaskRequestBody.builder().user_ids(users).check_date_from(MON).check_date_to(TUE).build()
    resp = d.client().attendance.v1.user_task.query(
        att.QueryUserTaskRequest.builder().employee_type("employee_id").request_body(body).build())
    assert resp.code == 0, (resp.code, resp.msg)
    out = {}
    for t in resp.data.user_task_results:
        out[(t.user_id, t.day)] = [
            (r.check_in_result, r.check_in_result_supplement, r.check_out_result, r.check_out_result_supplement,
             r.check_in_record.check_time if r.check_in_record else None,
             r.check_out_record.check_time if r.check_out_record else None)
            for r in (t.records or [])
        ]
    return out


def test_two_processes_one_database(tmp_path, monkeypatch):
    receiver = Receiver(verification_token="vt-scale")
    monkeypatch.setenv("DAKA_EVENT_URL", receiver.url)
    monkeypatch.setenv("DAKA_EVENT_VERIFICATION_TOKEN", "vt-scale")
    monkeypatch.delenv("DAKA_EVENT_ENCRYPT_KEY", raising=False)
    db = fresh_database(tmp_path / "a")
    a = Daka(db=db, extra_args=ARGS).start()
    b = Daka(db=Database(tmp_path / "b", url=db.url), app_id=a.app_id, app_secret=a.app_secret,
             extra_args=ARGS).start()
    try:
        ca = a.client()
        users = [new_user(ca, "s") for _ in range(PEOPLE)]
        create_group(ca, users, create_shift(ca))

        # A token issued by one process is accepted by the other.
        token = a.token()
        answer = b.call("POST", "/open-apis/attendance/v1/user_flows/query?employee_type=employee_id",
                        token=token, json={"user_ids": users[:1], "check_time_from": "1705248000",
                                           "check_time_to": "1705334400"}).json()
        assert answer["code"] == 0, answer

        # Every punch, with its idempotency key; batches mix people and days so writers of the
        # same person meet on both processes.
        punches = [(u, at(day, hh, mm), f"k-{u}-{day}-{hh}-{mm}")
                   for u in users for day in (MON, TUE) for hh, mm in TIMES]
        random.Random(7).shuffle(punches)
        batches = [punches[i:i + 3] for i in range(0, len(punches), 3)]

        def send(d: Daka, batch) -> List[tuple]:
            resp = import_flows(d.client(), [flow(u, t, idempotent_id=k) for u, t, k in batch])
            assert resp.code == 0, (resp.code, resp.msg)
            return [(r.user_id, r.check_time, r.idempotent_id, r.record_id) for r in resp.data.flow_records]

        # Each batch goes to both processes at the same time (a client retrying on another
        # node), and once more afterwards.
        jobs = [(d, batch) for batch in batches for d in (a, b)]
        with ThreadPoolExecutor(max_workers=16) as pool:
            answers = list(pool.map(lambda job: send(*job), jobs))
            answers += list(pool.map(lambda job: send(*job), jobs[::3]))

        # The same key always answers the same record, whichever process stored it.
        by_key: Dict[str, str] = {}
        for answer in answers:
            for user, check_time, key, record_id in answer:
                assert by_key.setdefault(key, record_id) == record_id, key
        assert len(by_key) == len(punches)
        assert len(set(by_key.values())) == len(punches)

        # Every punch exactly once, seen the same from both processes.
        for d in (a, b):
            resp = query_flows(d.client(), users)
            assert resp.code == 0, resp.msg
            stored = sorted((f.user_id, int(f.check_time), f.idempotent_id, f.record_id)
                            for f in resp.data.user_flow_results)
            assert stored == sorted((u, t, k, by_key[k]) for u, t, k in punches)

        # Results: the same from both processes, and what a full recompute gives.
        ra, rb = tasks(a, users), tasks(b, users)
        assert ra == rb
        assert len(ra) == PEOPLE * 2
        for (user, day), records in ra.items():
            assert records[0][:4] == ("Normal", "None", "Normal", "None"), (user, day, records)
            assert records[0][4] == str(at(day, 8, 50)) and records[0][5] == str(at(day, 19, 30)), records
        a.cli("recompute", "--from", str(MON), "--to", str(TUE), "--now", str(NOW))
        assert tasks(b, users) == ra

        # Events: one user_flow.created per punch, each event delivered exactly once, by
        # whichever process claimed it.
        flows = int(psql(db.url, f"SELECT count(*) FROM event_records WHERE event_type = '{FLOW_CREATED}'")[0][0])
        assert flows == len(punches), "no event for a repeated idempotent_id"
        total = int(psql(db.url, "SELECT count(*) FROM event_records")[0][0])
        assert receiver.wait_for(lambda r: len(r.events) >= total, timeout=60), (len(receiver.events), total)
        receiver.wait_for(lambda r: False, timeout=1.5)  # anything extra would arrive now
        assert len(receiver.events) == total
        assert len(receiver.event_ids()) == total, "an event delivered twice"
        recorded = {row[0] for row in psql(db.url, "SELECT event_id FROM event_records")}
        assert receiver.event_ids() == recorded
        created = [e["event"]["record_id"] for e in receiver.of_type(FLOW_CREATED)]
        assert sorted(created) == sorted(by_key.values())
        assert receiver.of_type(TASK_UPDATED)
        states = dict((s, int(n)) for s, n in psql(db.url, "SELECT state, count(*) FROM event_deliveries GROUP BY state"))
        assert states == {"delivered": total}, states
        # Both processes took part in delivering (each claims with its own worker id).
        workers = psql(db.url, "SELECT count(*) FROM nodes")
        assert int(workers[0][0]) >= 2
    finally:
        b.stop()
        a.stop()
        receiver.close()
        db.close()
