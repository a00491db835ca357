//! The operator commands through the built binary on a temporary data directory: `daka import`
//! (CSV and ZKTeco, rejects, re-import), `daka seed demo` and `daka report` against the store's
//! results.

use std::path::Path;
use std::process::Command;

use daka_engine::{CheckResult, Supplement};
use daka_store::people::{IdKind, NewPerson};
use daka_store::punches::Repeats;
use daka_store::Store;

const NOW: &str = "2026-11-21T07:00:00Z";

fn daka(dir: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_daka"))
        .arg("--data-dir")
        .arg(dir.join("data"))
        .args(args)
        .env_remove("DAKA_DATABASE_URL")
        .env_remove("DAKA_NOW")
        .output()
        .expect("run daka");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "daka {args:?} failed: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    stdout
}

async fn open(dir: &Path) -> Store {
    let url = format!("sqlite://{}?mode=rwc", dir.join("data").join("daka.db").display());
    Store::open(&url).await.expect("open store")
}

fn at(s: &str) -> i64 {
    s.parse::<jiff::Timestamp>().expect("timestamp").as_second()
}

#[tokio::test]
async fn import_csv_and_zkteco_with_rejects_and_reimport() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    daka(dir, &["apps", "create-tenant", "Acme"]);
    // E1 since January; E3 held by u3 in January only, then by a new hire u4 from March.
    let store = open(dir).await;
    let tenant = store.tenants().await.expect("tenants")[0].id;
    let new = |user: &str, no: &str, join: &str| NewPerson {
        user_id: Some(user.into()),
        name: user.to_uppercase(),
        employee_no: Some(no.into()),
        join_time: Some(at(join)),
        attrs: Default::default(),
    };
    store.create_person(tenant, new("u1", "E1", "2026-01-01T00:00:00+08:00"), 0).await.expect("u1");
    let u3 = store.create_person(tenant, new("u3", "E3", "2026-01-01T00:00:00+08:00"), 0).await.expect("u3");
    store.terminate_person(tenant, IdKind::EmployeeNo, "E3", at("2026-02-01T00:00:00+08:00")).await.expect("leave");
    let u4 = store.create_person(tenant, new("u4", "E3", "2026-03-01T00:00:00+08:00"), 0).await.expect("u4");
    store.close().await;

    let csv = dir.join("punches.csv");
    std::fs::write(
        &csv,
        "employee_no,check_time,device\n\
         E1,2026-03-02 09:05:00,front\n\
         E3,2026-01-15 09:00:00,front\n\
         E3,2026-02-16 09:00:00,front\n\
         E3,2026-03-02T09:01:00+08:00,front\n\
         E9,2026-03-02 09:00:00,front\n\
         E1,yesterday,front\n",
    )
    .expect("write csv");
    let file = csv.to_str().expect("utf-8 path");
    let args = ["import", file, "--time-zone", "Asia/Shanghai", "--device-column", "device", "--now", NOW, "--quiet"];
    let out = daka(dir, &args);
    assert!(out.contains("6 punches read, 3 added, 0 already present, 3 rejected"), "{out}");
    let rejects = std::fs::read_to_string(dir.join("punches.csv.rejects.csv")).expect("rejects file");
    let lines: Vec<&str> = rejects.lines().collect();
    assert_eq!(lines[0], "line,person,time,device,reason");
    assert_eq!(lines.len(), 4, "{rejects}");
    assert!(lines[1].starts_with("4,E3,") && lines[1].contains("names nobody employed then"), "{rejects}");
    assert!(lines[1].contains("U3 left at 2026-02-01") && lines[1].contains("U4 joined at 2026-03-01"), "{rejects}");
    assert!(lines[2].starts_with("6,E9,") && lines[2].contains("unknown employee_no E9"), "{rejects}");
    assert!(lines[3].starts_with("7,E1,yesterday") && lines[3].contains("neither RFC 3339"), "{rejects}");

    // Re-importing adds nothing.
    let out = daka(dir, &args);
    assert!(out.contains("6 punches read, 0 added, 3 already present, 3 rejected"), "{out}");

    // ZKTeco: user 1 is E1 on device A and E3 on device B.
    std::fs::write(dir.join("map.csv"), "device,device_user_id,employee_no\nA,1,E1\nB,1,E3\n").expect("map");
    std::fs::write(
        dir.join("attlog.dat"),
        "     1\t2026-03-03 08:59:00\t1\t0\t0\t0\n     1\t2026-03-03 18:10:00\t1\t1\t0\t0\n   7  2026-03-03 08:00:00  15  0\n",
    )
    .expect("log");
    let log = dir.join("attlog.dat");
    let map = dir.join("map.csv");
    let zk = |device: &str| {
        let args = [
            "import",
            log.to_str().expect("path"),
            "--format",
            "zkteco",
            "--time-zone",
            "Asia/Shanghai",
            "--device",
            device,
            "--device-map",
            map.to_str().expect("path"),
            "--now",
            NOW,
            "--quiet",
        ];
        daka(dir, &args)
    };
    let out = zk("A");
    assert!(out.contains("3 punches read, 2 added, 0 already present, 1 rejected"), "{out}");
    let rejects = std::fs::read_to_string(dir.join("attlog.dat.rejects.csv")).expect("rejects");
    assert!(rejects.contains("device user id 7 is not in the device map for device A"), "{rejects}");
    let out = zk("B");
    assert!(out.contains("2 added"), "{out}");
    let out = zk("A");
    assert!(out.contains("0 added, 2 already present"), "{out}");

    // The January punch went to the leaver, the March ones to the new hire.
    let store = open(dir).await;
    let all = store.punches_of(&[u3.id, u4.id], 0, i64::MAX).await.expect("punches");
    let of = |id: i64| all.iter().filter(|p| p.person_id == id).map(|p| p.check_time).collect::<Vec<_>>();
    assert_eq!(of(u3.id), vec![at("2026-01-15T09:00:00+08:00")]);
    assert_eq!(
        of(u4.id),
        vec![at("2026-03-02T09:01:00+08:00"), at("2026-03-03T08:59:00+08:00"), at("2026-03-03T18:10:00+08:00")]
    );
    // Repeats are recognised by person, instant and device: time-clock punches carry no key.
    assert!(all.iter().all(|p| p.idempotent_id.is_none()));
    store.close().await;
}

#[tokio::test]
async fn a_punch_already_stored_at_the_same_instant_and_device_is_a_repeat() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    daka(dir, &["apps", "create-tenant", "Acme"]);
    let store = open(dir).await;
    let tenant = store.tenants().await.expect("tenants")[0].id;
    let person = NewPerson {
        user_id: Some("u1".into()),
        name: "U1".into(),
        employee_no: Some("E1".into()),
        ..Default::default()
    };
    store.create_person(tenant, person, 0).await.expect("u1");
    // A punch stored earlier with a key of its own (as an earlier version's import stored them,
    // or an API caller), at the instant of the file's first line, from no device.
    let earlier = daka_store::punches::PunchImport {
        user_id: "E1".into(),
        creator_id: "E1".into(),
        check_time: at("2026-03-03T09:00:00+08:00"),
        kind: 7,
        idempotent_id: Some(format!("imp-{}", "0".repeat(32))),
        ..Default::default()
    };
    store.import_punches(tenant, IdKind::EmployeeNo, vec![earlier], Repeats::ByKey, at(NOW)).await.expect("earlier");
    store.close().await;

    let csv = dir.join("punches.csv");
    std::fs::write(&csv, "employee_no,check_time\nE1,2026-03-03 09:00:00\nE1,2026-03-03 18:00:00\n").expect("csv");
    let args = ["import", csv.to_str().expect("path"), "--time-zone", "Asia/Shanghai", "--now", NOW, "--quiet"];
    let out = daka(dir, &args);
    assert!(out.contains("2 punches read, 1 added, 1 already present"), "{out}");
    assert!(daka(dir, &args).contains("0 added, 2 already present"));
    // The same instant from a device is another punch; twice in one file, it is stored once.
    let gate = dir.join("gate.csv");
    let line = "E1,2026-03-03 09:00:00,gate-1\n";
    std::fs::write(&gate, format!("employee_no,check_time,device\n{line}{line}")).expect("csv");
    let gate_path = gate.to_str().expect("path");
    let args =
        ["import", gate_path, "--device-column", "device", "--time-zone", "Asia/Shanghai", "--now", NOW, "--quiet"];
    let out = daka(dir, &args);
    assert!(out.contains("2 punches read, 1 added, 1 already present"), "{out}");
    let store = open(dir).await;
    let person = store.person_current(tenant, IdKind::EmployeeNo, "E1").await.expect("read").expect("E1");
    let all = store.punches_of(&[person.id], 0, i64::MAX).await.expect("punches");
    assert_eq!(all.len(), 3);
    let keys: Vec<Option<&str>> = all.iter().map(|p| p.idempotent_id.as_deref()).collect();
    assert_eq!(keys.iter().filter(|k| k.is_some_and(|k| k.starts_with("imp-"))).count(), 1, "{keys:?}");
    assert_eq!(keys.iter().filter(|k| k.is_none()).count(), 2, "{keys:?}");
    store.close().await;
}

#[tokio::test]
async fn demo_report_matches_store_results() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path();
    let out = daka(dir, &["seed", "demo", "--now", NOW]);
    assert!(out.contains("50 people"), "{out}");
    let (from, to) = ("20261001", "20261031");
    let json = daka(dir, &["report", "--from", from, "--to", to, "--format", "json", "--now", NOW]);
    let report: serde_json::Value = serde_json::from_str(&json).expect("report json");
    let rows = report["people"].as_array().expect("people");
    assert_eq!(rows.len(), 50);

    let store = open(dir).await;
    let tenant = store.tenants().await.expect("tenants")[0].id;
    let mut people = Vec::new();
    for i in 1..=50 {
        let no = format!("E{i:03}");
        people.push(store.person_current(tenant, IdKind::EmployeeNo, &no).await.expect("db").expect("person"));
    }
    let results = store.results_for_many(&people, 20261001, 20261031, at(NOW)).await.expect("results");
    let (mut late_total, mut lack_total, mut leave_total) = (0, 0, 0);
    for p in &people {
        let row = rows.iter().find(|r| r["employee_no"] == p.employee_no.clone().unwrap_or_default()).expect("row");
        let days = &results[&p.id];
        let sides = || days.iter().flat_map(|d| &d.records).flat_map(|r| [&r.check_in, &r.check_out]);
        let late: Vec<_> = sides().filter(|s| s.result == CheckResult::Late).collect();
        let lack = sides().filter(|s| s.result == CheckResult::Lack).count();
        let early = sides().filter(|s| s.result == CheckResult::Early).count();
        let leave_days = days
            .iter()
            .filter(|d| {
                d.records.iter().any(|r| [r.check_in.supplement, r.check_out.supplement].contains(&Supplement::Leave))
            })
            .count();
        let s = &row["summary"];
        assert_eq!(s["late_count"], late.len(), "{}", p.name);
        assert_eq!(s["late_minutes"], late.iter().map(|s| i64::from(s.minutes_off)).sum::<i64>(), "{}", p.name);
        assert_eq!(s["lack_count"], lack, "{}", p.name);
        assert_eq!(s["early_count"], early, "{}", p.name);
        assert_eq!(s["leave_days"], leave_days, "{}", p.name);
        // Each day's words name the day's late minutes.
        for d in days {
            let cell = row["days"][d.day.to_string()].as_str().expect("cell");
            for r in &d.records {
                if r.check_in.result == CheckResult::Late {
                    assert!(
                        cell.contains(&format!("late {} min", r.check_in.minutes_off))
                            || cell.contains(&format!("Late {} min", r.check_in.minutes_off)),
                        "{cell}"
                    );
                }
            }
        }
        late_total += late.len();
        lack_total += lack;
        leave_total += leave_days;
    }
    // The demo has anomalies to show.
    assert!(late_total > 10 && lack_total > 10, "late {late_total}, lack {lack_total}");
    assert!(leave_total > 0, "leaves");
    store.close().await;

    // CSV and XLSX render the same report.
    let csv = daka(dir, &["report", "--from", from, "--to", to, "--now", NOW]);
    assert_eq!(csv.lines().count(), 51);
    assert!(csv.lines().next().expect("header").starts_with("employee_no,employee_id,name,20261001,"));
    let xlsx = dir.join("october.xlsx");
    let xlsx_s = xlsx.to_str().expect("path");
    daka(dir, &["report", "--from", from, "--to", to, "--format", "xlsx", "--out", xlsx_s, "--now", NOW]);
    let bytes = std::fs::read(&xlsx).expect("xlsx written");
    assert!(bytes.starts_with(b"PK"), "an XLSX is a zip");

    // --group takes the group's name: the demo's office has 25 of the 50.
    let office = daka(
        dir,
        &["report", "--from", from, "--to", to, "--format", "json", "--now", NOW, "--group", "Office (demo)"],
    );
    let office: serde_json::Value = serde_json::from_str(&office).expect("report json");
    let office = office["people"].as_array().expect("people");
    assert_eq!(office.len(), 25);
    let group_id = store_group_id(dir, "Office (demo)").await;
    let by_id =
        daka(dir, &["report", "--from", from, "--to", to, "--format", "json", "--now", NOW, "--group", &group_id]);
    let by_id: serde_json::Value = serde_json::from_str(&by_id).expect("report json");
    assert_eq!(by_id["people"].as_array().expect("people"), office, "by name and by id: the same report");
    let unknown = Command::new(env!("CARGO_BIN_EXE_daka"))
        .arg("--data-dir")
        .arg(dir.join("data"))
        .args(["report", "--from", from, "--to", to, "--group", "Nowhere"])
        .env_remove("DAKA_DATABASE_URL")
        .output()
        .expect("run");
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no attendance group is named \"Nowhere\""));

    // The demo refuses to be seeded twice.
    let again = Command::new(env!("CARGO_BIN_EXE_daka"))
        .arg("--data-dir")
        .arg(dir.join("data"))
        .args(["seed", "demo", "--now", NOW])
        .output()
        .expect("run");
    assert!(!again.status.success());
}

/// The id of the live group named `name` in the data directory's first tenant.
async fn store_group_id(dir: &Path, name: &str) -> String {
    let store = open(dir).await;
    let tenant = store.tenants().await.expect("tenants")[0].id;
    let found = store.search_groups(tenant, name, true).await.expect("search");
    store.close().await;
    found.into_iter().next().expect("group").group_id
}

/// A time-ordered file (every day names everybody, as time clocks export) is stored person by
/// person: read in small windows and small batches it stores what one window and the default
/// batches store — the same punches and, day by day, the same results — and importing it again
/// adds nothing.
#[tokio::test]
async fn a_time_ordered_file_stores_the_same_whatever_its_windows_and_batches() {
    let (one, many) = (tempfile::tempdir().expect("tempdir"), tempfile::tempdir().expect("tempdir"));
    let file = one.path().join("punches.csv");
    let path = file.to_str().expect("utf-8 path");
    for dir in [one.path(), many.path()] {
        // The same people and the same generated file (fixed seed) in both data directories.
        let out = dir.join("punches.csv");
        let args = ["seed", "punches", "--people", "30", "--days", "12", "--from", "20260105", "--group-size", "10"];
        daka(dir, &[&args[..], &["--out", out.to_str().expect("path")]].concat());
    }
    let import = |dir: &Path, extra: &[&str]| {
        let args =
            ["import", path, "--time-zone", "Asia/Shanghai", "--device-column", "device", "--now", NOW, "--quiet"];
        daka(dir, &[&args[..], extra].concat())
    };
    let whole = import(one.path(), &[]);
    let pieces = import(many.path(), &["--window", "50", "--batch", "7"]);
    let added = |out: &str| out.split(" added").next().and_then(|s| s.rsplit(' ').next()).map(str::to_owned);
    assert_eq!(added(&whole), added(&pieces), "{whole}\n{pieces}");
    assert!(added(&whole).is_some_and(|n| n.parse::<usize>().is_ok_and(|n| n > 600)), "{whole}");
    let report = |dir: &Path| daka(dir, &["report", "--from", "20260105", "--to", "20260116", "--format", "csv"]);
    let (a, b) = (report(one.path()), report(many.path()));
    assert_eq!(a, b);
    assert_eq!(a.lines().count(), 31, "{a}");
    assert!(a.contains("Late") && a.contains("Normal") && a.contains("Rest"), "{a}");
    let again = import(many.path(), &["--window", "50", "--batch", "7"]);
    assert!(again.contains(" 0 added,"), "{again}");
    assert_eq!(report(many.path()), a);
}
