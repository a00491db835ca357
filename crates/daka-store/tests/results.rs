//! Results end to end through the store: rules + punches → results and their events.

mod common;

use daka_store::events::{USER_FLOW_CREATED, USER_TASK_UPDATED};
use daka_store::people::{IdKind, NewPerson, Person};
use daka_store::punches::{PunchImport, Repeats};
use daka_store::Store;
use daka_types::attendance::groups::Group;

/// 2024-01-15 (Monday) 00:00 in Asia/Shanghai.
const MON: i64 = 1_705_248_000;
const HOUR: i64 = 3600;
const MIN: i64 = 60;

async fn store() -> (tempfile::TempDir, Store) {
    common::fresh_store().await
}

/// A tenant (created at `at`) with "u1" named `name` in the Mon–Fri 9:00–18:00 office group,
/// the group saved at `group_at`, and an app subscribed to every event type: (tenant id, the
/// person, the shift id).
async fn office(store: &Store, name: &str, at: i64, group_at: i64) -> (i64, Person, String) {
    let office = unsubscribed_office(store, name, at, group_at).await;
    common::subscribe(store, office.0, &[]).await;
    office
}

/// [`office`] without any event subscription.
async fn unsubscribed_office(store: &Store, name: &str, at: i64, group_at: i64) -> (i64, Person, String) {
    let tenant = store.create_tenant("t", at).await.expect("tenant");
    let person = store
        .create_person(tenant.id, NewPerson { user_id: Some("u1".into()), name: name.into(), ..Default::default() }, at)
        .await
        .expect("person");
    let sid = store.save_shift(tenant.id, common::nine_to_six(), at).await.expect("shift").shift_id.expect("id");
    let group =
        office_group(vec![sid.clone(), sid.clone(), sid.clone(), sid.clone(), sid.clone(), "0".into(), "0".into()]);
    store.save_group(tenant.id, IdKind::UserId, group, group_at).await.expect("group");
    (tenant.id, person, sid)
}

/// A fixed group in Asia/Shanghai, no holiday calendar, with "u1" as its only member.
fn office_group(punch_day_shift_ids: Vec<String>) -> Group {
    Group {
        group_name: Some("office".into()),
        time_zone: Some("Asia/Shanghai".into()),
        group_type: Some(0),
        calendar_id: Some(0),
        bind_user_ids: Some(vec!["u1".into()]),
        group_leader_ids: Some(vec!["u1".into()]),
        punch_day_shift_ids: Some(punch_day_shift_ids),
        ..Group::default()
    }
}

fn punch(user: &str, at: i64) -> PunchImport {
    PunchImport {
        user_id: user.into(),
        creator_id: user.into(),
        check_time: at,
        location_name: "HQ".into(),
        comment: String::new(),
        ..PunchImport::default()
    }
}

#[tokio::test]
async fn fixed_group_results_follow_punches_and_time() {
    let (_dir, store) = store().await;
    let setup = MON - 30 * 24 * HOUR;
    let (tenant, person, sid) = office(&store, "张三", setup, setup).await;

    // Monday: in at 09:12:30 (late 12 > 5), out at 18:03. Evaluated on Saturday.
    let now = MON + 5 * 24 * HOUR;
    store
        .import_punches(
            tenant,
            IdKind::UserId,
            vec![punch("u1", MON + 9 * HOUR + 12 * MIN + 30), punch("u1", MON + 18 * HOUR + 3 * MIN)],
            Repeats::ByKey,
            now,
        )
        .await
        .expect("import");
    let results = store.results_for(&person, 20240115, 20240120, now).await.expect("results");
    let day = |d: i32| results.iter().find(|r| r.day == d).expect("day present");
    let mon = day(20240115);
    assert_eq!(mon.shift_id, sid);
    assert_eq!(mon.records.len(), 1);
    assert_eq!(mon.records[0].check_in.result.as_str(), "Late");
    assert_eq!(mon.records[0].check_in.minutes_off, 12);
    assert_eq!(mon.records[0].check_out.result.as_str(), "Normal");
    assert_eq!(mon.records[0].shift_on, MON + 9 * HOUR);
    assert_eq!(mon.records[0].shift_off, MON + 18 * HOUR);
    let tue = day(20240116);
    assert_eq!((tue.records[0].check_in.result.as_str(), tue.records[0].check_out.result.as_str()), ("Lack", "Lack"));
    let sat = day(20240120);
    assert_eq!(sat.shift_id, "0");
    assert_eq!(sat.records[0].check_in.result.as_str(), "NoNeedCheck");

    // The import recorded an updated event for Monday.
    let events = store.events_after(tenant, 0, 1000).await.expect("events");
    let updated: Vec<_> =
        events.iter().filter(|e| e.event_type == USER_TASK_UPDATED && e.payload["date"] == 20240115).collect();
    assert!(!updated.is_empty(), "user_task.updated_v1 for 20240115");
    assert!(updated.iter().any(|e| e.payload["status_changes"]
        .as_array()
        .is_some_and(|c| c.iter().any(|c| c["current_status"] == "Late"))));

    // Deleting the check-in makes Monday's on side Lack and records the change.
    let results_before = store.events_after(tenant, 0, 1000).await.expect("events").len();
    let punches = store.punches_of(&[person.id], MON, MON + 24 * HOUR).await.expect("punches");
    let (deleted, failed) =
        store.delete_punches(tenant, &[punches[0].record_id.to_string()], now).await.expect("delete");
    assert_eq!((deleted.len(), failed.len()), (1, 0));
    let mon = store.results_for(&person, 20240115, 20240115, now).await.expect("results");
    assert_eq!(mon[0].records[0].check_in.result.as_str(), "Lack");
    assert!(store.events_after(tenant, 0, 1000).await.expect("events").len() > results_before);
}

#[tokio::test]
async fn event_records_are_written_for_the_types_some_app_receives() {
    let (_dir, store) = store().await;
    let setup = MON - 30 * 24 * HOUR;
    let (tenant, person, _) = unsubscribed_office(&store, "张三", setup, setup).await;
    let now = MON + 5 * 24 * HOUR;
    let day = |d: i64| {
        vec![punch("u1", MON + d * 24 * HOUR + 9 * HOUR + 12 * MIN), punch("u1", MON + d * 24 * HOUR + 18 * HOUR)]
    };
    let types = |events: &[daka_store::events::EventRecord]| {
        let mut t: Vec<String> = events.iter().map(|e| e.event_type.clone()).collect();
        t.dedup();
        t
    };

    // Nobody subscribes: results are computed, no event record is written.
    store.import_punches(tenant, IdKind::UserId, day(0), Repeats::ByKey, now).await.expect("import");
    assert!(store.events_after(tenant, 0, 1000).await.expect("events").is_empty());
    let monday = store.results_for(&person, 20240115, 20240115, now).await.expect("results");
    assert_eq!(monday[0].records[0].check_in.result.as_str(), "Late");

    // An app receives punches only: their records, not the results'.
    common::subscribe(&store, tenant, &[USER_FLOW_CREATED]).await;
    store.import_punches(tenant, IdKind::UserId, day(1), Repeats::ByKey, now).await.expect("import");
    let events = store.events_after(tenant, 0, 1000).await.expect("events");
    assert_eq!(events.len(), 2);
    assert_eq!(types(&events), [USER_FLOW_CREATED]);

    // Another app of the tenant receives results too.
    common::subscribe(&store, tenant, &[USER_TASK_UPDATED]).await;
    store.import_punches(tenant, IdKind::UserId, day(2), Repeats::ByKey, now).await.expect("import");
    let events = store.events_after(tenant, events[1].seq, 1000).await.expect("events");
    assert_eq!(events.iter().filter(|e| e.event_type == USER_FLOW_CREATED).count(), 2);
    assert!(events.iter().any(|e| e.event_type == USER_TASK_UPDATED && e.payload["date"] == 20240117));
}

#[tokio::test]
async fn todo_becomes_lack_when_the_window_closes() {
    let (_dir, store) = store().await;
    let tenant = store.create_tenant("t", MON - 86_400).await.expect("tenant");
    common::subscribe(&store, tenant.id, &[]).await;
    let person = store
        .create_person(
            tenant.id,
            NewPerson { user_id: Some("u1".into()), name: "李四".into(), ..Default::default() },
            MON - 86_400,
        )
        .await
        .expect("person");
    let shift = store.save_shift(tenant.id, common::nine_to_six(), MON - 86_400).await.expect("shift");
    let sid = shift.shift_id.expect("id");
    let group = office_group(vec![sid.clone(); 7]);
    store.save_group(tenant.id, IdKind::UserId, group, MON - 86_400).await.expect("group");
    // 10:00 Monday: the check-in window is still open (until the 13:30 midpoint).
    let morning = MON + 10 * HOUR;
    let r = store.results_for(&person, 20240115, 20240115, morning).await.expect("results");
    assert_eq!(r[0].records[0].check_in.result.as_str(), "Todo");
    let before = store.events_after(tenant.id, 0, 1000).await.expect("events").len();
    // After 13:30 a sweep turns the on side into Lack and records the change.
    let afternoon = MON + 14 * HOUR;
    assert!(store.sweep(afternoon).await.expect("sweep") >= 1);
    let r = store.results_for(&person, 20240115, 20240115, afternoon).await.expect("results");
    assert_eq!(r[0].records[0].check_in.result.as_str(), "Lack");
    assert_eq!(r[0].records[0].check_out.result.as_str(), "Todo");
    let events = store.events_after(tenant.id, 0, 1000).await.expect("events");
    assert!(events.len() > before);
    let last = events.last().expect("event");
    assert_eq!(last.payload["status_changes"][0]["before_status"], "Todo");
    assert_eq!(last.payload["status_changes"][0]["current_status"], "Lack");
}

#[tokio::test]
async fn a_month_read_has_every_day_even_without_punches() {
    let (_dir, store) = store().await;
    // The group is created after the month: its rules still apply to the month (since always).
    let now = MON + 60 * 24 * HOUR;
    let (_, person, sid) = office(&store, "王五", MON, now).await;
    let month = store.results_for(&person, 20240101, 20240131, now).await.expect("results");
    assert_eq!(month.iter().map(|r| r.day).collect::<Vec<_>>(), (20240101..=20240131).collect::<Vec<_>>());
    // 2024-01-01 was a Monday: a workday without punches is Lack; Saturday 6th is a rest day.
    assert_eq!(month[0].shift_id, sid);
    assert_eq!(month[0].records[0].check_in.result.as_str(), "Lack");
    assert_eq!(month[5].shift_id, "0");
    // Stored: a second read gives the same result ids.
    let again = store.results_for(&person, 20240101, 20240131, now).await.expect("results");
    assert_eq!(
        month.iter().map(|r| r.result_id).collect::<Vec<_>>(),
        again.iter().map(|r| r.result_id).collect::<Vec<_>>()
    );
    assert!(again.iter().all(|r| r.result_id.is_some()));
}

#[tokio::test]
async fn one_batch_spanning_weeks_evaluates_every_punched_day_with_its_event() {
    let (_dir, store) = store().await;
    let setup = MON - 30 * 24 * HOUR;
    let (tenant, _, _) = office(&store, "张三", setup, setup).await;

    // Two weeks of working days in one import, each day 09:20 in (late 20) and 18:00 out,
    // evaluated a month later: a long span of punches is not a "rule change reaching back".
    let days: Vec<i64> = (0..14).filter(|d| d % 7 < 5).collect();
    let punches: Vec<PunchImport> = days
        .iter()
        .flat_map(|d| {
            let day = MON + d * 24 * HOUR;
            [punch("u1", day + 9 * HOUR + 20 * MIN), punch("u1", day + 18 * HOUR)]
        })
        .collect();
    let now = MON + 40 * 24 * HOUR;
    store.import_punches(tenant, IdKind::UserId, punches, Repeats::ByKey, now).await.expect("import");
    let events = store.events_after(tenant, 0, 10_000).await.expect("events");
    for d in &days {
        let date = jiff::Timestamp::from_second(MON + d * 24 * HOUR + 12 * HOUR)
            .expect("instant")
            .to_zoned(jiff::tz::TimeZone::get("Asia/Shanghai").expect("zone"))
            .date();
        let n = i64::from(date.year()) * 10_000 + i64::from(date.month()) * 100 + i64::from(date.day());
        let late = events.iter().any(|e| {
            e.event_type == USER_TASK_UPDATED
                && e.payload["date"] == n
                && e.payload["status_changes"]
                    .as_array()
                    .is_some_and(|c| c.iter().any(|c| c["work_type"] == "on" && c["current_status"] == "Late"))
        });
        assert!(late, "the import recorded Late for {n}");
    }
}

#[tokio::test]
async fn the_results_revision_moves_with_every_write_to_a_persons_results_and_only_then() {
    let (_dir, store) = store().await;
    let setup = MON - 30 * 24 * HOUR;
    let (tenant, person, _) = office(&store, "赵六", setup, setup).await;
    let now = MON + 5 * 24 * HOUR;
    let rev = |p: Option<Person>| p.expect("person").results_rev;
    let current = || store.person_current(tenant, IdKind::UserId, "u1");
    let at_start = rev(current().await.expect("read"));

    // A first read computes and stores the week: a write.
    store.results_for(&person, 20240115, 20240121, now).await.expect("results");
    let computed = rev(current().await.expect("read"));
    assert!(computed > at_start, "storing first results moves the revision");
    // Reading stored results writes nothing.
    store.results_for(&person, 20240115, 20240121, now).await.expect("results");
    assert_eq!(rev(current().await.expect("read")), computed);

    // A punch that changes Monday's check-in moves it; the same punch again changes nothing.
    let late = punch("u1", MON + 9 * HOUR + 20 * MIN);
    let keyed = PunchImport { idempotent_id: Some("k1".into()), ..late };
    store.import_punches(tenant, IdKind::UserId, vec![keyed.clone()], Repeats::ByKey, now).await.expect("import");
    let punched = rev(current().await.expect("read"));
    assert!(punched > computed);
    store.import_punches(tenant, IdKind::UserId, vec![keyed], Repeats::ByKey, now).await.expect("import");
    assert_eq!(rev(current().await.expect("read")), punched, "a repeated punch writes no result");

    // Leaving moves it (which days are employed changes).
    let left = store.terminate_person(tenant, IdKind::UserId, "u1", now).await.expect("terminate");
    assert!(left.results_rev > punched);
    assert_eq!(rev(current().await.expect("read")), left.results_rev);
}

#[tokio::test]
async fn concurrent_imports_of_the_same_keys_in_any_order_both_succeed_and_store_each_once() {
    let (_dir, store) = store().await;
    let setup = MON - 30 * 24 * HOUR;
    let (tenant, _, _) = office(&store, "孙七", setup, setup).await;
    let now = MON + 40 * 24 * HOUR;
    for round in 0..5 {
        // The same keyed punches, one request in order and one reversed: on PostgreSQL each
        // waits for the other's uncommitted keys, so unordered inserts could deadlock.
        let forward: Vec<PunchImport> = (0..200)
            .map(|i| PunchImport {
                idempotent_id: Some(format!("r{round}-k{i:03}")),
                ..punch("u1", MON + round * 24 * HOUR + 8 * HOUR + i * MIN)
            })
            .collect();
        let backward: Vec<PunchImport> = forward.iter().rev().cloned().collect();
        let (a, b) = tokio::join!(
            store.import_punches(tenant, IdKind::UserId, forward, Repeats::ByKey, now),
            store.import_punches(tenant, IdKind::UserId, backward, Repeats::ByKey, now)
        );
        let (a, b) = (a.expect("forward import"), b.expect("backward import"));
        let ids = |o: &daka_store::punches::ImportOutcome| {
            let mut ids: Vec<i64> = o.stored.iter().map(|v| v.punch.record_id).collect();
            ids.sort_unstable();
            ids
        };
        assert_eq!(ids(&a), ids(&b), "round {round}: both answer with the same stored punches");
        let mut distinct = ids(&a);
        distinct.dedup();
        assert_eq!(distinct.len(), 200, "round {round}: each key stored once");
    }
}

#[tokio::test]
async fn commits_leave_the_write_ahead_log_to_checkpoint_which_copies_all_of_it() {
    let (_dir, store) = store().await;
    let (tenant, _, _) = office(&store, "Ann", MON - 86_400, MON - 86_400).await;
    let import = |day: i64| {
        let punches = vec![punch("u1", MON + day * 86_400 + 9 * HOUR), punch("u1", MON + day * 86_400 + 18 * HOUR)];
        store.import_punches(tenant, IdKind::UserId, punches, Repeats::ByKey, MON + 30 * 86_400)
    };
    let Some(first) = store.checkpoint().await.expect("checkpoint") else {
        // PostgreSQL has no write-ahead log of daka's to checkpoint.
        assert_eq!(store.backend(), daka_store::Backend::Postgres);
        return;
    };
    assert_eq!(first.checkpointed, first.frames, "no reader or writer holds frames back");
    for day in 0..5 {
        import(day).await.expect("import");
    }
    // Commits did not copy the log into the database themselves: it holds every frame since.
    let grown = store.checkpoint().await.expect("checkpoint").expect("SQLite");
    assert!(grown.frames > 0, "{grown:?}");
    assert_eq!(grown.checkpointed, grown.frames, "a passive checkpoint with nobody reading copies everything");
    // Once everything is copied, the next commit writes the log from its start again.
    import(5).await.expect("import");
    let restarted = store.checkpoint().await.expect("checkpoint").expect("SQLite");
    assert!(0 < restarted.frames && restarted.frames < grown.frames, "{restarted:?} after {grown:?}");
    assert_eq!(restarted.checkpointed, restarted.frames);
}
