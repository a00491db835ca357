//! A month (31 days) for 10,000 people, four punches a day (two-pair shift 9-12 / 13-18),
//! through the records-only fast path `evaluate_into` and through the full `evaluate`.
//! Throughput is reported in elements = person-days.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use daka_engine::*;
use jiff::tz::TimeZone;
use std::hint::black_box;

const PEOPLE: usize = 10_000;
const DAYS: usize = 31;

struct Month {
    plans: Vec<DayPlan>,
    punches: Vec<Vec<Punch>>, // per person-day, index person * DAYS + day
    now: i64,
}

fn month() -> Month {
    let tz = TimeZone::get("Asia/Shanghai").expect("tzdb");
    let mut p1 = PunchPair::new(540, 720);
    p1.late_minutes_as_late = 5;
    p1.late_minutes_as_lack = 60;
    p1.early_minutes_as_early = 5;
    p1.early_minutes_as_lack = 60;
    p1.on_advance_minutes = 60;
    p1.off_delay_minutes = 30;
    let mut p2 = p1.clone();
    p2.on_minute = 780;
    p2.off_minute = 1080;
    p2.on_advance_minutes = 30;
    p2.off_delay_minutes = 240;
    let shift = Shift::new("1", "bench", vec![p1, p2]);
    let first = jiff::civil::date(2024, 1, 1);
    let plans: Vec<DayPlan> = (0..DAYS)
        .map(|d| DayPlan {
            day: first.checked_add(jiff::Span::new().days(d as i64)).unwrap(),
            time_zone: tz.clone(),
            kind: DayKind::Work(shift.clone()),
            need_punch: true,
        })
        .collect();
    // deterministic pseudo-random jitter
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut rnd = |m: i64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x % m as u64) as i64
    };
    let mut punches = Vec::with_capacity(PEOPLE * DAYS);
    let mut id = 0i64;
    for _ in 0..PEOPLE {
        for plan in &plans {
            let base = local_instant(plan.day, 0, &plan.time_zone);
            let mut v = Vec::with_capacity(4);
            for (clock, spread) in [(525, 40), (715, 30), (770, 30), (1075, 40)] {
                id += 1;
                v.push(Punch {
                    record_id: id,
                    at: base + (clock + rnd(spread)) * 60 + rnd(60),
                    source: PunchSource::USER,
                    is_field: false,
                });
            }
            punches.push(v);
        }
    }
    Month { plans, punches, now: local_instant(first, 60 * 24 * 40, &tz) }
}

fn bench(c: &mut Criterion) {
    let m = month();
    let mut g = c.benchmark_group("month_10k_people");
    g.throughput(Throughput::Elements((PEOPLE * DAYS) as u64));
    g.sample_size(10);
    g.bench_function("evaluate_into (records only)", |b| {
        let mut out = Vec::with_capacity(4);
        b.iter(|| {
            let mut n = 0usize;
            for (i, ps) in m.punches.iter().enumerate() {
                let plan = &m.plans[i % DAYS];
                evaluate_into(black_box(&DayInput::new(plan, ps, m.now)), &mut out);
                n += out.len();
            }
            n
        })
    });
    g.bench_function("evaluate (with explanation)", |b| {
        b.iter(|| {
            let mut n = 0usize;
            for (i, ps) in m.punches.iter().enumerate() {
                let plan = &m.plans[i % DAYS];
                n += evaluate(black_box(&DayInput::new(plan, ps, m.now))).records.len();
            }
            n
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
