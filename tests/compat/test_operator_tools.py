"""The operator tools against the API, judged by the official SDK: a demo company, a time-clock
import (ZKTeco log and CSV, with rejects), and a month's report whose figures are the ones
`user_tasks/query` returns."""

import json
from datetime import datetime
from typing import Dict, List, NamedTuple, Optional, Tuple
from zoneinfo import ZoneInfo

import lark_oapi.api.attendance.v1 as att

NOW = "2026-11-21T07:00:00Z"
OCTOBER = (20261001, 20261031)
SHANGHAI = ZoneInfo("Asia/Shanghai")


def month_tasks(client, user_ids: List[str]) -> list:
    """Every task of October for `user_ids`, 50 people per request (the documented limit)."""
    out = []
    for i in range(0, len(user_ids), 50):
        body = (att.QueryUserTaskRequestBody.builder().user_ids(user_ids[i:i + 50])
                .check_date_from(OCTOBER[0]).check_date_to(OCTOBER[1]).build())
        resp = client.attendance.v1.user_task.query(
            att.QueryUserTaskRequest.builder().employee_type("employee_id").request_body(body).build())
        assert resp.code == 0, (resp.code, resp.msg)
        out.extend(resp.data.user_task_results or [])
    return out


def report(daka) -> dict:
    text = daka.cli("report", "--from", str(OCTOBER[0]), "--to", str(OCTOBER[1]), "--format", "json",
                    "--now", NOW)
    return json.loads(text)


def local(instant: int) -> str:
    return datetime.fromtimestamp(instant, SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


def minutes(later: str, earlier: str) -> int:
    """Whole minutes between two instants, each counted by its minute (RULES §1; shift times are
    whole minutes)."""
    return int(later) // 60 - int(earlier) // 60


class Side(NamedTuple):
    """One side of a task record, as `user_tasks/query` returns it."""
    result: str
    supplement: str
    record: object
    record_id: str
    shift_time: str
    on: bool


def sides_of(task) -> List[Side]:
    """The day's check-ins of every pair, then its check-outs: the order the report reads them."""
    records = task.records or []
    return ([Side(r.check_in_result, r.check_in_result_supplement, r.check_in_record, r.check_in_record_id,
                  r.check_in_shift_time, True) for r in records]
            + [Side(r.check_out_result, r.check_out_result_supplement, r.check_out_record, r.check_out_record_id,
                    r.check_out_shift_time, False) for r in records])


def side_minutes(task, side: Side, work_minutes: Dict[str, int]) -> int:
    """A Late or Early side's minutes (RULES §4); on a free day (`shift_id` ""), Early is the
    shortfall of the group's `work_hours` (RULES §12)."""
    if side.result == "Late":
        return minutes(side.record.check_time, side.shift_time)
    if side.result != "Early":
        return 0
    if task.shift_id == "":
        [r] = task.records
        return work_minutes[task.group_id] - minutes(r.check_out_record.check_time, r.check_in_record.check_time)
    return minutes(side.shift_time, side.record.check_time)


def side_word(side: Side, mins: int) -> Optional[str]:
    """The words for one side, as docs/RULES.md §21 lists them."""
    absent = {"Leave": "Leave", "Travel": "Trip", "GoOut": "Out"}
    if side.supplement in absent:
        return absent[side.supplement]
    remedy = " (remedy)" if side.supplement == "CardReplacement" else ""
    if side.result == "Late":
        serious = side.record.check_result == "SeriousLate"
        return f"{'Seriously late' if serious else 'Late'} {mins} min{remedy}"
    if side.result == "Early":
        return f"Early {mins} min{remedy}"
    if side.result == "Lack":
        return "Lack in" if side.on else "Lack out"
    if side.result == "Todo":
        return "Todo"
    if side.result == "Normal" and remedy:
        return "Remedy"
    return None


def expected_row(tasks: list, work_minutes: Dict[str, int]) -> Tuple[Dict[str, str], dict]:
    """A person's days in words and their summary, from `user_tasks/query` and the groups'
    `work_hours` (`groups/get`) alone."""
    days: Dict[str, str] = {}
    s = dict(days_worked=0, late_count=0, late_minutes=0, early_count=0, early_minutes=0, lack_count=0,
             leave_days=0, remedies=0)
    for t in tasks:
        sides = sides_of(t)
        if t.shift_id == "0" or not sides or all(x.result == "NoNeedCheck" for x in sides):
            days[str(t.day)] = "Rest (punched)" if any(x.record_id for x in sides) else "Rest"
            continue
        words: List[str] = []
        worked = leave = False
        for x in sides:
            mins = side_minutes(t, x, work_minutes)
            word = side_word(x, mins)
            if word and word not in words:
                words.append(word)
            if x.result in ("Normal", "Late", "Early") and (x.record_id or x.supplement == "CardReplacement"):
                worked = True
            if x.result == "Late":
                s["late_count"] += 1
                s["late_minutes"] += mins
            elif x.result == "Early":
                s["early_count"] += 1
                s["early_minutes"] += mins
            elif x.result == "Lack":
                s["lack_count"] += 1
            leave |= x.supplement == "Leave"
            s["remedies"] += x.supplement == "CardReplacement"
        days[str(t.day)] = ", ".join(words) or "Normal"
        s["days_worked"] += worked
        s["leave_days"] += leave
    return days, s


def first_lack(tasks: list, on: bool, hour: int) -> Tuple[object, object]:
    """A task and record of October with a plain Lack on the given side at a shift time of `hour`."""
    for t in tasks:
        for r in t.records or []:
            result, supplement, shift = ((r.check_in_result, r.check_in_result_supplement, r.check_in_shift_time)
                                         if on else
                                         (r.check_out_result, r.check_out_result_supplement, r.check_out_shift_time))
            if result == "Lack" and supplement == "None" and datetime.fromtimestamp(int(shift), SHANGHAI).hour == hour:
                return t, r
    raise AssertionError("the demo has no Lack on that side")


def test_demo_import_and_report_agree_with_user_tasks(fresh_daka, tmp_path):
    daka = fresh_daka(extra_args=["--demo", "--now", NOW])
    client = daka.client()
    before = report(daka)
    people = before["people"]
    assert len(people) == 50
    numbers = {p["employee_id"]: p["employee_no"] for p in people}
    tasks = month_tasks(client, sorted(numbers))

    # A ZKTeco log fills a missing check-in, a CSV export a missing check-out (office shift 9:00-18:00).
    in_task, in_rec = first_lack(tasks, on=True, hour=9)
    out_task, out_rec = first_lack(tasks, on=False, hour=18)
    check_in = int(in_rec.check_in_shift_time) + 20 * 60 + 30
    check_out = int(out_rec.check_out_shift_time) + 5 * 60

    (tmp_path / "devices.csv").write_text(f"device,device_user_id,employee_no\nfront,1,{numbers[in_task.user_id]}\n")
    attlog = tmp_path / "attlog.dat"
    attlog.write_text(f"    1\t{local(check_in)}\t1\t0\t1\t0\n   77\t{local(check_in)}\t1\t0\t1\t0\n")
    zk = ["import", str(attlog), "--format", "zkteco", "--time-zone", "Asia/Shanghai", "--device", "front",
          "--device-map", str(tmp_path / "devices.csv"), "--now", NOW, "--quiet"]
    out = daka.cli(*zk)
    assert "2 punches read, 1 added, 0 already present, 1 rejected" in out, out
    rejects = (tmp_path / "attlog.dat.rejects.csv").read_text().splitlines()
    assert rejects[0] == "line,person,time,device,reason"
    assert rejects[1].startswith("2,77,") and "device user id 77 is not in the device map for device front" in rejects[1]

    csv = tmp_path / "export.csv"
    csv.write_text(f"employee_no,check_time,device\n{numbers[out_task.user_id]},{local(check_out)},gate\n"
                   f"E999,{local(check_out)},gate\n")
    flat = ["import", str(csv), "--time-zone", "Asia/Shanghai", "--device-column", "device", "--now", NOW, "--quiet"]
    out = daka.cli(*flat)
    assert "2 punches read, 1 added, 0 already present, 1 rejected" in out, out
    rejects = (tmp_path / "export.csv.rejects.csv").read_text().splitlines()
    assert rejects[1].startswith("3,E999,") and rejects[1].endswith("unknown employee_no E999"), rejects

    # Importing both files again adds nothing.
    assert "0 added, 1 already present, 1 rejected" in daka.cli(*zk)
    assert "0 added, 1 already present, 1 rejected" in daka.cli(*flat)

    # The running server sees the imported punches decide those sides.
    tasks = month_tasks(client, sorted(numbers))
    [in_now] = [t for t in tasks if (t.user_id, t.day) == (in_task.user_id, in_task.day)]
    rec = next(r for r in in_now.records if r.check_in_shift_time == in_rec.check_in_shift_time)
    assert rec.check_in_result != "Lack" and rec.check_in_record.check_time == str(check_in)
    [out_now] = [t for t in tasks if (t.user_id, t.day) == (out_task.user_id, out_task.day)]
    rec = next(r for r in out_now.records if r.check_out_shift_time == out_rec.check_out_shift_time)
    assert rec.check_out_result == "Normal" and rec.check_out_record.check_time == str(check_out)

    # Every person's October, day by day and in sum, is what user_tasks/query says.
    after = report(daka)
    by_person: Dict[str, list] = {}
    for t in tasks:
        by_person.setdefault(t.user_id, []).append(t)
    work_minutes = {}
    for group_id in {t.group_id for t in tasks if t.shift_id == ""}:
        resp = client.attendance.v1.group.get(att.GetGroupRequest.builder().group_id(group_id)
                                              .employee_type("employee_id").dept_type("open_id").build())
        assert resp.code == 0, (resp.code, resp.msg)
        work_minutes[group_id] = resp.data.free_punch_cfg.work_hours
    kinds = set()
    for row in after["people"]:
        days, summary = expected_row(by_person.get(row["employee_id"], []), work_minutes)
        for day, words in row["days"].items():
            assert words == days.get(day, "Rest"), (row["employee_no"], day, words, days.get(day))
            kinds.add(words.split(" ")[0].rstrip(","))
        assert row["summary"] == summary, (row["employee_no"], row["summary"], summary)
    # The month is a meaningful test: it holds every kind of day the demo promises.
    assert {"Normal", "Late", "Early", "Lack", "Leave", "Rest"} <= kinds, kinds
    assert sum(r["summary"]["remedies"] for r in after["people"]) > 0
