"""The official Node SDK (@larksuiteoapi/node-sdk), unchanged, against a real daka.

`tests/compat/node/attendance.mjs` drives one attendance day through the Node SDK's typed API
(user, shift, fixed group, two punches, results, punches, a refused request) and prints what the
SDK returned; this test checks it against the pinned rules. `scripts/test` installs the SDK
(`npm ci` in tests/compat/node) before the suite runs.
"""

import json
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

from daka_harness import Daka, uid

NODE_DIR = Path(__file__).parent / "node"
SHANGHAI = timezone(timedelta(hours=8))


def instant(day: int, hh: int, mm: int) -> str:
    return str(int(datetime(2026, 1, day, hh, mm, tzinfo=SHANGHAI).timestamp()))


def run_node(daka: Daka, user_id: str) -> dict:
    node = shutil.which("node")
    assert node, "node is not installed (scripts/test installs Debian's nodejs when missing)"
    assert (NODE_DIR / "node_modules" / "@larksuiteoapi" / "node-sdk").is_dir(), \
        "the Node SDK is not installed: run `npm ci` in tests/compat/node (scripts/test does)"
    env = {"PATH": str(Path(node).parent), "DAKA_URL": daka.base_url, "APP_ID": daka.app_id,
           "APP_SECRET": daka.app_secret, "USER_ID": user_id}
    out = subprocess.run([node, "attendance.mjs"], cwd=NODE_DIR, env=env, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    last = [line for line in out.stdout.splitlines() if line.startswith("{")][-1]
    return json.loads(last)


def test_node_sdk_sets_up_a_day_imports_punches_and_reads_results(daka: Daka):
    user = uid("node")
    got = run_node(daka, user)
    assert got["shift_id"].isdigit() and got["group_id"].isdigit()
    assert len(got["record_ids"]) == 2

    # Monday: in at 09:12 (12 min late: over late_minutes_as_late 5, under the 60 of Lack),
    # out at 18:03 (not early); Tuesday, long past, without punches: Lack on both sides.
    tasks = {t["day"]: t for t in got["tasks"]}
    assert sorted(tasks) == [20260105, 20260106]
    for t in tasks.values():
        assert (t["user_id"], t["employee_name"]) == (user, "Node 用户")
        assert (t["group_id"], t["shift_id"]) == (got["group_id"], got["shift_id"])
        assert len(t["records"]) == 1
    mon = tasks[20260105]["records"][0]
    assert (mon["check_in_result"], mon["check_out_result"]) == ("Late", "Normal")
    assert (mon["check_in_record_id"], mon["check_out_record_id"]) == tuple(got["record_ids"])
    assert mon["check_in_record"]["check_time"] == instant(5, 9, 12)
    assert mon["check_in_record"]["check_result"] == "Late"
    assert (mon["check_in_shift_time"], mon["check_out_shift_time"]) == (instant(5, 9, 0), instant(5, 18, 0))
    tue = tasks[20260106]["records"][0]
    assert (tue["check_in_result"], tue["check_out_result"]) == ("Lack", "Lack")
    assert tue["check_in_record_id"] == "" and "check_in_record" not in tue

    assert sorted(f["check_time"] for f in got["flows"]) == [instant(5, 9, 12), instant(5, 18, 3)]
    assert sorted(f["record_id"] for f in got["flows"]) == sorted(got["record_ids"])
    # More than 50 records in one batch (sent before the punches were read): the documented
    # refusal, and none of them stored.
    assert got["too_many"]["code"] == 1220600
