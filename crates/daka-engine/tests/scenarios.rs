//! Runs the plain-text scenarios in `tests/scenarios/*.txt` (format: `tests/scenarios/README.md`).

use daka_engine::*;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use std::collections::HashMap;
use std::path::Path;

#[derive(Debug, Default, Clone)]
struct PunchSpec {
    text: String,
    at: i64,
    source: u8,
    field: bool,
}

#[derive(Debug, Clone)]
struct Scenario {
    file: String,
    line: usize,
    title: String,
    lines: Vec<(usize, String, String)>, // (line no, key, value)
}

fn split_segments(line: &str) -> Vec<String> {
    // Segments of one line are separated by two or more spaces (or tabs).
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut spaces = 0;
    for ch in line.chars() {
        if ch == ' ' || ch == '\t' {
            spaces += if ch == '\t' { 2 } else { 1 };
            continue;
        }
        if spaces >= 2 && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        } else if spaces == 1 && !cur.is_empty() {
            cur.push(' ');
        }
        spaces = 0;
        cur.push(ch);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn load(path: &Path) -> Vec<Scenario> {
    let text = std::fs::read_to_string(path).expect("read scenario file");
    let file = path.file_name().unwrap().to_string_lossy().to_string();
    let mut out: Vec<Scenario> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let l = raw.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        for seg in split_segments(l) {
            let Some((k, v)) = seg.split_once(':') else {
                panic!("{file}:{}: expected `key: value`, got {seg:?}", i + 1);
            };
            let (k, v) = (k.trim().to_string(), v.trim().to_string());
            if k == "scenario" {
                out.push(Scenario { file: file.clone(), line: i + 1, title: v, lines: Vec::new() });
            } else {
                let s = out.last_mut().unwrap_or_else(|| panic!("{file}:{}: `{k}` before `scenario:`", i + 1));
                s.lines.push((i + 1, k, v));
            }
        }
    }
    out
}

fn clock(s: &str) -> i32 {
    parse_clock(s).unwrap_or_else(|e| panic!("bad clock {s:?}: {e}"))
}

fn local(tz: &TimeZone, dt: DateTime) -> i64 {
    tz.to_ambiguous_timestamp(dt).compatible().unwrap().as_second()
}

/// "09:12:30", "18:03", "+1 05:58", "-1 23:00", "2024-01-16 05:58[:SS]" → instant.
fn instant(s: &str, day: Date, tz: &TimeZone) -> i64 {
    let s = s.trim();
    let (date, time) = match s.split_once(' ') {
        Some((d, t)) if d.starts_with('+') || d.starts_with('-') && d.len() <= 3 => {
            let k: i64 = d.parse().unwrap_or_else(|_| panic!("bad day offset {d:?}"));
            (day.checked_add(jiff::Span::new().days(k)).unwrap(), t)
        }
        Some((d, t)) => (d.parse::<Date>().unwrap_or_else(|_| panic!("bad date {d:?}")), t),
        None => (day, s),
    };
    let parts: Vec<&str> = time.split(':').collect();
    let h: i8 = parts[0].parse().unwrap_or_else(|_| panic!("bad time {s:?}"));
    let m: i8 = parts.get(1).and_then(|x| x.parse().ok()).unwrap_or_else(|| panic!("bad time {s:?}"));
    let sec: i8 = parts.get(2).map_or(0, |x| x.parse().unwrap());
    local(tz, date.at(h, m, sec, 0))
}

/// "09:00-13:30" or "2024-01-15 09:00 - 2024-01-16 00:00" → (start, end).
fn range(s: &str, day: Date, tz: &TimeZone) -> (i64, i64) {
    let (a, b) = if s.contains(" - ") { s.split_once(" - ").unwrap() } else { s.split_once('-').unwrap() };
    (instant(a, day, tz), instant(b, day, tz))
}

struct Built {
    plan: DayPlan,
    punches: Vec<Punch>,
    specs: Vec<PunchSpec>,
    absences: Vec<Absence>,
    remedies: Vec<PendingRemedy>,
    now: i64,
    neighbours_same: bool,
    prev: (Option<i64>, Option<i64>),
    next: (Option<i64>, Option<i64>),
    include_overtime: bool,
    expects: Vec<(usize, String)>,
}

fn parse_pair(v: &str) -> PunchPair {
    let mut toks = v.split_whitespace();
    let times = toks.next().expect("pair times");
    let (a, b) = times.split_once('-').expect("pair like 9:00-18:00");
    let mut p = PunchPair::new(clock(a), clock(b));
    p.late_minutes_as_lack = 1440;
    p.early_minutes_as_lack = 1440;
    let mut last: &str = "";
    let toks: Vec<&str> = toks.collect();
    let mut i = 0;
    while i < toks.len() {
        let t = toks[i];
        let num = |x: &str| -> i32 { x.parse().unwrap_or_else(|_| panic!("bad number in {t:?}")) };
        if let Some(n) = t.strip_prefix("late>") {
            p.late_minutes_as_late = num(n);
            last = "late";
        } else if let Some(n) = t.strip_prefix("early>") {
            p.early_minutes_as_early = num(n);
            last = "early";
        } else if let Some(n) = t.strip_prefix("lack>") {
            match last {
                "late" => p.late_minutes_as_lack = num(n),
                "early" => p.early_minutes_as_lack = num(n),
                _ => panic!("`lack>` must follow `late>` or `early>` in {v:?}"),
            }
        } else if let Some(n) = t.strip_prefix("serious>") {
            p.late_minutes_as_serious_late = Some(num(n));
        } else if t == "advance" {
            i += 1;
            p.on_advance_minutes = num(toks[i]);
        } else if t == "delay" {
            i += 1;
            p.off_delay_minutes = num(toks[i]);
        } else if t == "no-need-on" {
            p.no_need_on = true;
        } else if t == "no-need-off" {
            p.no_need_off = true;
        } else {
            panic!("unknown pair token {t:?} in {v:?}");
        }
        i += 1;
    }
    p
}

fn build(s: &Scenario) -> Built {
    let get = |k: &str| s.lines.iter().filter(|(_, key, _)| key == k).map(|(_, _, v)| v.as_str()).collect::<Vec<_>>();
    let zone = get("zone").first().copied().unwrap_or("Asia/Shanghai");
    let tz = TimeZone::get(zone).unwrap_or_else(|e| panic!("zone {zone}: {e}"));
    let day: Date = get("day").first().copied().unwrap_or("2024-01-15").parse().expect("day");
    let mut shift = Shift::new("s1", "scenario shift", Vec::new());
    for v in get("shift").into_iter().chain(get("pair")) {
        shift.pairs.push(parse_pair(v));
    }
    for v in get("shift-rule") {
        let t: Vec<&str> = v.split_whitespace().collect();
        match t.as_slice() {
            ["flexible", "late", l, "early", e] => {
                shift.flexible = Some(Flexible { late_minutes: l.parse().unwrap(), early_minutes: e.parse().unwrap() })
            }
            [x] if x.starts_with("serious>") => shift.late_minutes_as_serious_late = Some(x[8..].parse().unwrap()),
            ["no-need-off"] => shift.no_need_off = true,
            ["overtime", r] => {
                let (a, b) = r.split_once('-').unwrap();
                shift.overtime.push((clock(a), clock(b)));
            }
            _ => panic!("unknown shift-rule {v:?}"),
        }
    }
    let mut kind = DayKind::Work(shift);
    if let Some(p) = get("plan").first() {
        let t: Vec<&str> = p.split_whitespace().collect();
        kind = match t.as_slice() {
            ["rest"] => DayKind::Rest,
            ["no-group"] => DayKind::NoGroup,
            ["free", r, rest @ ..] => {
                let (a, b) = r.split_once('-').unwrap();
                let mut fr = FreeRule {
                    start_minute: clock(a),
                    end_minute: clock(b),
                    work_hours_minutes: None,
                    no_punch_as_lack: false,
                };
                let mut i = 0;
                while i < rest.len() {
                    match rest[i] {
                        "hours" => {
                            i += 1;
                            fr.work_hours_minutes = Some(clock(rest[i]));
                        }
                        "no-punch-lack" => fr.no_punch_as_lack = true,
                        x => panic!("unknown free token {x:?}"),
                    }
                    i += 1;
                }
                DayKind::Free(fr)
            }
            _ => panic!("unknown plan {p:?}"),
        };
    }
    let need_punch = get("need-punch").first().is_none_or(|v| *v != "no");
    let plan = DayPlan { day, time_zone: tz.clone(), kind, need_punch };
    let mut specs = Vec::new();
    for v in get("punches") {
        for item in v.split(',').map(str::trim).filter(|x| !x.is_empty()) {
            let mut words: Vec<&str> = item.split_whitespace().collect();
            let mut spec = PunchSpec::default();
            while let Some(w) = words.last() {
                match *w {
                    "remedy" => spec.source = 2,
                    "manager" => spec.source = 1,
                    "field" => spec.field = true,
                    "machine" => spec.source = 5,
                    _ => break,
                }
                words.pop();
            }
            spec.text = words.join(" ");
            spec.at = instant(&spec.text, day, &tz);
            specs.push(spec);
        }
    }
    let punches = specs
        .iter()
        .enumerate()
        .map(|(i, s)| Punch { record_id: i as i64 + 1, at: s.at, source: PunchSource(s.source), is_field: s.field })
        .collect();
    let mut absences = Vec::new();
    for (k, kind) in [("leave", AbsenceKind::Leave), ("trip", AbsenceKind::Trip), ("out", AbsenceKind::Out)] {
        for v in get(k) {
            let (start, end) = range(v, day, &tz);
            absences.push(Absence { kind, start, end });
        }
    }
    let mut remedies = Vec::new();
    for v in get("pending-remedy") {
        let t: Vec<&str> = v.split_whitespace().collect();
        match t.as_slice() {
            ["pair", n, side] => remedies.push(PendingRemedy {
                pair_index: n.parse::<usize>().unwrap() - 1,
                side: if *side == "on" { Side::On } else { Side::Off },
            }),
            _ => panic!("bad pending-remedy {v:?}"),
        }
    }
    let now = get("now").first().map_or_else(
        || local(&tz, day.checked_add(jiff::Span::new().days(3)).unwrap().at(0, 0, 0, 0)),
        |v| instant(v, day, &tz),
    );
    let edge = |k: &str, w: &str| -> (Option<i64>, Option<i64>) {
        match get(k).first() {
            None => (None, None),
            Some(v) => match v.split_once(w) {
                Some((a, b)) => (Some(instant(a, day, &tz)), Some(instant(b, day, &tz))),
                None => (Some(instant(v, day, &tz)), None),
            },
        }
    };
    Built {
        plan,
        punches,
        specs,
        absences,
        remedies,
        now,
        neighbours_same: get("neighbours").first().is_some_and(|v| *v == "same"),
        prev: edge("prev-off", " window-end "),
        next: edge("next-on", " window-start "),
        include_overtime: get("overtime").first().is_some_and(|v| *v == "yes"),
        expects: s.lines.iter().filter(|(_, k, _)| k == "expect").map(|(l, _, v)| (*l, v.clone())).collect(),
    }
}

fn check_side(what: &str, spec: &str, got: &SideOutcome, b: &Built, errs: &mut Vec<String>) {
    let mut toks: Vec<String> = Vec::new();
    // keep "(punch ...)" groups as one token
    let mut rest = spec.trim();
    while !rest.is_empty() {
        if rest.starts_with('(') {
            let end = rest.find(')').unwrap_or_else(|| panic!("unclosed ( in {spec:?}"));
            toks.push(rest[..=end].to_string());
            rest = rest[end + 1..].trim_start();
        } else {
            let end = rest.find([' ', '(']).unwrap_or(rest.len());
            toks.push(rest[..end].to_string());
            rest = rest[end..].trim_start();
        }
    }
    let mut it = toks.iter().peekable();
    let result: CheckResult = it
        .next()
        .unwrap_or_else(|| panic!("missing result in {spec:?}"))
        .parse()
        .unwrap_or_else(|e| panic!("{e} in {spec:?}"));
    let mut want_minutes: Option<i32> = None;
    let mut want_serious = false;
    let mut want_sup = Supplement::None;
    let mut want_punch: Option<Option<i64>> = None;
    while let Some(t) = it.next() {
        if let Ok(n) = t.parse::<i32>() {
            assert_eq!(it.next().map(String::as_str), Some("min"), "{spec:?}");
            want_minutes = Some(n);
        } else if t == "serious" {
            want_serious = true;
        } else if t == "with" {
            want_sup = it
                .next()
                .unwrap_or_else(|| panic!("`with` needs a supplement in {spec:?}"))
                .parse()
                .unwrap_or_else(|e| panic!("{e} in {spec:?}"));
        } else if t == "(no punch)" {
            want_punch = Some(None);
        } else if let Some(p) = t.strip_prefix("(punch ").and_then(|x| x.strip_suffix(')')) {
            let id = if let Some(n) = p.strip_prefix('#') {
                n.parse::<i64>().unwrap()
            } else {
                let ids: Vec<usize> = b.specs.iter().enumerate().filter(|(_, s)| s.text == p).map(|(i, _)| i).collect();
                assert_eq!(ids.len(), 1, "punch {p:?} must name exactly one punch; use #N");
                ids[0] as i64 + 1
            };
            want_punch = Some(Some(id));
        } else {
            panic!("unknown token {t:?} in {spec:?}");
        }
    }
    let mut bad = |m: String| errs.push(format!("{what}: {m}"));
    if got.result != result {
        bad(format!("result {} (wanted {result})", got.result));
    }
    if got.supplement != want_sup {
        bad(format!("supplement {} (wanted {want_sup})", got.supplement));
    }
    if got.serious_late != want_serious {
        bad(format!("serious_late {} (wanted {want_serious})", got.serious_late));
    }
    if let Some(m) = want_minutes {
        if got.minutes_off != m {
            bad(format!("minutes {} (wanted {m})", got.minutes_off));
        }
    }
    if let Some(p) = want_punch {
        if got.record_id != p {
            bad(format!("punch #{:?} (wanted #{p:?})", got.record_id));
        }
    }
}

fn run_one(s: &Scenario) -> Result<(), String> {
    let b = build(s);
    let prev_plan;
    let next_plan;
    let mut input = DayInput::new(&b.plan, &b.punches, b.now);
    input.absences = &b.absences;
    input.pending_remedies = &b.remedies;
    input.include_overtime = b.include_overtime;
    if b.neighbours_same {
        prev_plan = DayPlan { day: b.plan.day.yesterday().unwrap(), ..b.plan.clone() };
        next_plan = DayPlan { day: b.plan.day.tomorrow().unwrap(), ..b.plan.clone() };
        input = input.with_neighbours(Some(&prev_plan), Some(&next_plan));
    }
    if b.prev.0.is_some() {
        (input.prev_day_last_off, input.prev_day_last_window_end) = b.prev;
    }
    if b.next.0.is_some() {
        (input.next_day_first_on, input.next_day_first_window_start) = b.next;
    }
    let outcome = evaluate(&input);
    let text = outcome.explanation.to_string();
    let mut errs = Vec::new();

    // Invariants every scenario gets for free.
    if evaluate_records(&input) != outcome.records {
        errs.push("evaluate_records differs from evaluate".to_string());
    }
    let mut rev = b.punches.clone();
    rev.reverse();
    let mut input_rev = input;
    input_rev.punches = &rev;
    if evaluate_records(&input_rev) != outcome.records {
        errs.push("result depends on punch order".to_string());
    }

    let tz = &b.plan.time_zone;
    for (line, e) in &b.expects {
        let e = e.trim();
        if let Some(n) = e.strip_prefix("records ") {
            let n: usize = n.trim().parse().unwrap();
            if outcome.records.len() != n {
                errs.push(format!("line {line}: {} records (wanted {n})", outcome.records.len()));
            }
            continue;
        }
        // "pair 1 ..." / "overtime 1 ..."
        let mut words = e.splitn(3, ' ');
        let which = words.next().unwrap();
        let idx: usize = words
            .next()
            .and_then(|x| x.parse().ok())
            .unwrap_or_else(|| panic!("line {line}: expected `pair N` or `overtime N`"));
        let rest = words.next().unwrap_or("").trim();
        let tst = match which {
            "pair" => 0,
            "overtime" => 1,
            _ => panic!("line {line}: unknown expectation {e:?}"),
        };
        let Some(rec) = outcome.records.iter().filter(|r| r.task_shift_type == tst).nth(idx - 1) else {
            errs.push(format!("line {line}: no {which} {idx}"));
            continue;
        };
        if let Some(r) = rest.strip_prefix("scheduled ") {
            let (a, bb) = range(r, b.plan.day, tz);
            if (rec.shift_on, rec.shift_off) != (a, bb) {
                errs.push(format!("line {line}: scheduled {}..{} (wanted {a}..{bb})", rec.shift_on, rec.shift_off));
            }
            continue;
        }
        // "on X ..., off Y ..." (either part optional)
        let mut parts: HashMap<&str, &str> = HashMap::new();
        for part in rest.split(", ") {
            let part = part.trim();
            if let Some(v) = part.strip_prefix("on ") {
                parts.insert("on", v);
            } else if let Some(v) = part.strip_prefix("off ") {
                parts.insert("off", v);
            } else {
                panic!("line {line}: expected `on ...` or `off ...`, got {part:?}");
            }
        }
        if let Some(v) = parts.get("on") {
            check_side(&format!("line {line} {which} {idx} on"), v, &rec.check_in, &b, &mut errs);
        }
        if let Some(v) = parts.get("off") {
            check_side(&format!("line {line} {which} {idx} off"), v, &rec.check_out, &b, &mut errs);
        }
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}:{} scenario {:?}\n  {}\n  records: {:#?}\n{}",
            s.file,
            s.line,
            s.title,
            errs.join("\n  "),
            outcome.records,
            text
        ))
    }
}

#[test]
fn scenarios() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    let mut total = 0;
    let mut failures = Vec::new();
    for f in &files {
        for s in load(f) {
            total += 1;
            assert!(
                s.lines.iter().any(|(_, k, _)| k == "expect"),
                "{}:{} scenario {:?} has no expect line",
                s.file,
                s.line,
                s.title
            );
            if let Err(e) = run_one(&s) {
                failures.push(e);
            }
        }
    }
    assert!(total >= 40, "only {total} scenarios");
    if !failures.is_empty() {
        panic!("{} of {total} scenarios failed:\n\n{}", failures.len(), failures.join("\n\n"));
    }
    eprintln!("{total} scenarios passed");
}
