//! The embedded database's bulk write path against the generic one: the same punches, results
//! and event records from the same records, nothing added by a repeat, rejects reported.

mod common;

use std::collections::HashMap;

use daka_store::approvals::{ApprovalKind, NewApproval};
use daka_store::bulk_load::{BulkLoader, Loaded};
use daka_store::events::USER_FLOW_CREATED;
use daka_store::people::{IdKind, NewPerson, Person};
use daka_store::punches::{PunchImport, Repeats};
use daka_store::Store;
use daka_types::attendance::groups::Group;
use serde_json::Value;

/// 2024-01-15 (Monday) 00:00 in Asia/Shanghai.
const MON: i64 = 1_705_248_000;
const HOUR: i64 = 3600;
const MIN: i64 = 60;
const DAY: i64 = 24 * HOUR;

/// A tenant with "u1" and "u2" (who leaves on Wednesday of the second week) in a Mon–Fri
/// 9:00–18:00 group, and an app subscribed to every event type: (tenant, people, group id,
/// shift id).
async fn office(store: &Store) -> (i64, Vec<Person>, String, String) {
    let office = unsubscribed_office(store).await;
    common::subscribe(store, office.0, &[]).await;
    office
}

/// [`office`] without any event subscription.
async fn unsubscribed_office(store: &Store) -> (i64, Vec<Person>, String, String) {
    let setup = MON - 30 * DAY;
    let tenant = store.create_tenant("t", setup).await.expect("tenant");
    let mut people = Vec::new();
    for user in ["u1", "u2"] {
        let new = NewPerson { user_id: Some(user.into()), name: user.into(), ..Default::default() };
        people.push(store.create_person(tenant.id, new, setup).await.expect("person"));
    }
    let sid = store.save_shift(tenant.id, common::nine_to_six(), setup).await.expect("shift").shift_id.expect("id");
    let group = Group {
        group_name: Some("office".into()),
        time_zone: Some("Asia/Shanghai".into()),
        group_type: Some(0),
        calendar_id: Some(0),
        bind_user_ids: Some(vec!["u1".into(), "u2".into()]),
        group_leader_ids: Some(vec!["u1".into()]),
        punch_day_shift_ids: Some(vec![
            sid.clone(),
            sid.clone(),
            sid.clone(),
            sid.clone(),
            sid.clone(),
            "0".into(),
            "0".into(),
        ]),
        ..Group::default()
    };
    let view = store.save_group(tenant.id, IdKind::UserId, group, setup).await.expect("group");
    let gid = view.wire.group_id.expect("group id");
    store.terminate_person(tenant.id, IdKind::UserId, "u2", MON + 9 * DAY).await.expect("leave");
    (tenant.id, people, gid, sid)
}

fn punch(user: &str, at: i64) -> PunchImport {
    PunchImport {
        user_id: user.into(),
        creator_id: user.into(),
        check_time: at,
        kind: 7,
        location_name: "gate".into(),
        device_id: Some("gate-1".into()),
        ..PunchImport::default()
    }
}

/// Two batches over two weeks: check-ins first (late, on time, missing), then check-outs of the
/// same days (so stored results change), a punch twice, an unknown id and punches of u2 after
/// u2 left.
fn batches() -> Vec<Vec<PunchImport>> {
    let mut ins = Vec::new();
    let mut outs = Vec::new();
    for d in 0..12 {
        let day = MON + d * DAY;
        for (user, late) in [("u1", d * 3), ("u2", 1)] {
            if d % 5 != 3 {
                ins.push(punch(user, day + 9 * HOUR + late * MIN));
            }
            outs.push(punch(user, day + 18 * HOUR - (d % 4) * 7 * MIN));
        }
    }
    ins.push(punch("u1", MON + 9 * HOUR)); // the same punch twice in one batch
    let mut elsewhere = punch("u1", MON + 9 * HOUR);
    elsewhere.device_id = Some("gate-2".into()); // the same instant on another device: a punch
    ins.push(elsewhere);
    ins.push(punch("nobody", MON + 9 * HOUR));
    vec![ins, outs]
}

/// Every stored fact of the tenant, with the store's own ids (record, result, group, shift)
/// replaced by what they stand for, so two stores can be compared.
async fn facts(store: &Store, tenant: i64, people: &[Person], gid: &str, sid: &str, now: i64) -> Vec<String> {
    let ids: Vec<i64> = people.iter().map(|p| p.id).collect();
    let punches = store.punches_of(&ids, 0, i64::MAX).await.expect("punches");
    let times: HashMap<i64, i64> = punches.iter().map(|p| (p.record_id, p.check_time)).collect();
    let name: HashMap<i64, &str> = people.iter().map(|p| (p.id, p.user_id.as_str())).collect();
    let mut out = Vec::new();
    for p in &punches {
        let mut v = serde_json::json!([
            name[&p.person_id],
            name[&p.creator_id],
            p.check_time,
            p.kind,
            p.location_name,
            p.comment,
            p.ssid,
            p.bssid,
            p.is_field,
            p.is_wifi,
            p.photo_urls,
            p.device_id,
            p.external_id,
            p.idempotent_id,
            p.longitude,
            p.latitude,
            p.imported
        ]);
        normalize(&mut v, &times, gid, sid);
        out.push(format!("punch {v}"));
    }
    let mut task_ids = HashMap::new();
    for person in people {
        for r in store.results_for(person, 20240108, 20240131, now).await.expect("results") {
            let mut v = serde_json::json!([person.user_id, r.day, r.group_id, r.shift_id, r.time_zone, r.records]);
            normalize(&mut v, &times, gid, sid);
            if let Some(id) = r.result_id {
                task_ids.insert(id.to_string(), format!("{}-{}", person.user_id, r.day));
            }
            out.push(format!("result {v}"));
        }
    }
    for e in store.events_after(tenant, 0, 100_000).await.expect("events") {
        assert_eq!(e.event_id.len(), 32, "event_id of 32 hex digits");
        assert!(e.event_id.chars().all(|c| c.is_ascii_hexdigit()));
        let mut v = e.payload.clone();
        if let Some(Value::String(id)) = v.get_mut("task_id") {
            // Days before the range were computed when the group was saved, before any punch.
            *id = task_ids.get(id.as_str()).cloned().unwrap_or_else(|| "a day outside the range".into());
        }
        if let Some(Value::String(id)) = v.get_mut("record_id") {
            let t = id.parse::<i64>().ok().and_then(|id| times.get(&id));
            *id = t.map_or_else(|| format!("unknown punch {id}"), |t| format!("punch at {t}"));
        }
        normalize(&mut v, &times, gid, sid);
        out.push(format!("event {} {v}", e.event_type));
    }
    out.sort();
    out
}

/// Replaces record ids (numbers) by their punch's check time and the group and shift ids by
/// names, anywhere in `v`.
fn normalize(v: &mut Value, times: &HashMap<i64, i64>, gid: &str, sid: &str) {
    match v {
        Value::Object(m) => {
            for (k, x) in m.iter_mut() {
                if k == "record_id" {
                    if let Some(t) = x.as_i64().and_then(|id| times.get(&id)) {
                        *x = Value::String(format!("punch at {t}"));
                    }
                }
                normalize(x, times, gid, sid);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| normalize(x, times, gid, sid)),
        Value::String(s) if s == gid => *s = "the group".into(),
        Value::String(s) if s == sid => *s = "the shift".into(),
        _ => {}
    }
}

/// Fails with the first facts only the generic store (`a`) or only the bulk one (`b`) holds.
fn assert_same_facts(a: &[String], b: &[String]) {
    let only_a: Vec<&String> = a.iter().filter(|f| !b.contains(f)).take(5).collect();
    let only_b: Vec<&String> = b.iter().filter(|f| !a.contains(f)).take(5).collect();
    assert!(only_a.is_empty() && only_b.is_empty(), "generic only: {only_a:#?}\nbulk only: {only_b:#?}");
}

async fn bulk_loader(store: &Store) -> Option<BulkLoader> {
    store.bulk_loader().await.expect("bulk loader")
}

#[tokio::test]
async fn bulk_import_stores_what_the_generic_import_stores() {
    let (_a, generic) = common::fresh_store().await;
    let (dir, bulk) = common::fresh_store().await;
    let Some(mut loader) = bulk_loader(&bulk).await else {
        // PostgreSQL has no bulk path; the generic one is tested everywhere else.
        return;
    };
    let now = MON + 20 * DAY;
    let (t1, people1, g1, s1) = office(&generic).await;
    let (t2, people2, g2, s2) = office(&bulk).await;
    let mut loaded = Vec::new();
    for batch in batches() {
        generic
            .import_punches(t1, IdKind::UserId, batch.clone(), Repeats::ByInstant, now)
            .await
            .expect("generic import");
        loaded.push(loader.import(t2, IdKind::UserId, batch, now).await.expect("bulk import"));
    }
    loader.finish().await.expect("last batch committed");
    // Finishing copied the log into the database and truncated it (no other process reads it).
    let log = std::fs::metadata(dir.path().join("t.db-wal")).expect("the log file");
    assert_eq!(log.len(), 0);
    let count = |l: &[Loaded], what: Loaded| l.iter().filter(|x| **x == what).count();
    // Check-ins: u1 on 10 days, u2 on Mon–Tue of the second week too but not after leaving.
    let first = &loaded[0];
    assert_eq!(first.len(), 10 + 10 + 3);
    assert_eq!(count(first, Loaded::Present), 1, "the repeated punch");
    assert_eq!(first[first.len() - 1], Loaded::Failed, "nobody");
    let after_leaving = batches()[0].iter().filter(|p| p.user_id == "u2" && p.check_time >= MON + 9 * DAY).count();
    assert!(after_leaving > 0);
    assert_eq!(count(first, Loaded::Failed), 1 + after_leaving);
    assert_eq!(count(first, Loaded::Added), first.len() - 1 - 1 - after_leaving);

    let a = facts(&generic, t1, &people1, &g1, &s1, now).await;
    let b = facts(&bulk, t2, &people2, &g2, &s2, now).await;
    assert!(a.iter().any(|f| f.starts_with("event attendance.user_flow.created_v1")));
    assert!(a.iter().any(|f| f.contains("\"before_status\":\"Todo\"") || f.contains("\"before_status\":\"Lack\"")));
    assert!(a.iter().filter(|f| f.starts_with("result")).count() >= 20);
    assert_same_facts(&a, &b);
    assert_eq!(a, b);

    // The same batches again add nothing: no punch, no result change, no event.
    let mut loader = bulk_loader(&bulk).await.expect("SQLite");
    for batch in batches() {
        let again = loader.import(t2, IdKind::UserId, batch, now).await.expect("re-import");
        assert_eq!(count(&again, Loaded::Added), 0);
        assert!(count(&again, Loaded::Present) > 10);
    }
    loader.finish().await.expect("committed");
    assert_eq!(facts(&bulk, t2, &people2, &g2, &s2, now).await, b);

    // Records with an idempotency key are refused (the loader stores none).
    let mut keyed = batches()[0].clone();
    keyed[0].idempotent_id = Some("k".into());
    let mut loader = bulk_loader(&bulk).await.expect("SQLite");
    assert!(loader.import(t2, IdKind::UserId, keyed, now).await.is_err());
    loader.finish().await.expect("nothing pending");
    assert_eq!(facts(&bulk, t2, &people2, &g2, &s2, now).await, b);
}

/// An approved leave for u1 on Tuesday 2024-01-16, written through the store's pool.
async fn tuesday_leave(store: &Store, tenant: i64) {
    let item = NewApproval {
        kind: ApprovalKind::Leave,
        field: "user_approval.leaves[0]".into(),
        start_time: "2024-01-16 09:00:00".into(),
        end_time: "2024-01-16 18:00:00".into(),
        idempotent_id: None,
        body: serde_json::json!({}),
    };
    store.create_approvals(tenant, IdKind::UserId, "u1", 20240116, vec![item], MON).await.expect("leave");
}

#[tokio::test]
async fn a_batch_after_another_connection_committed_reads_the_rules_again() {
    let (_a, generic) = common::fresh_store().await;
    let (_b, bulk) = common::fresh_store().await;
    let Some(mut loader) = bulk_loader(&bulk).await else { return };
    let now = MON + 20 * DAY;
    let (t1, people1, g1, s1) = office(&generic).await;
    let (t2, people2, g2, s2) = office(&bulk).await;
    let [ins, outs] = <[Vec<PunchImport>; 2]>::try_from(batches()).expect("two batches");
    generic.import_punches(t1, IdKind::UserId, ins.clone(), Repeats::ByInstant, now).await.expect("generic");
    loader.import(t2, IdKind::UserId, ins, now).await.expect("bulk import");
    loader.finish().await.expect("committed");
    // Another connection commits between two batches (the loader's connection sees a new
    // data_version at the next BEGIN): the leave counts for the second batch's days.
    let mut loader = bulk_loader(&bulk).await.expect("SQLite");
    generic.import_punches(t1, IdKind::UserId, outs[..4].to_vec(), Repeats::ByInstant, now).await.expect("generic");
    loader.import(t2, IdKind::UserId, outs[..4].to_vec(), now).await.expect("bulk import");
    tuesday_leave(&generic, t1).await;
    tuesday_leave(&bulk, t2).await;
    generic.import_punches(t1, IdKind::UserId, outs.clone(), Repeats::ByInstant, now).await.expect("generic");
    loader.import(t2, IdKind::UserId, outs, now).await.expect("bulk import");
    loader.finish().await.expect("committed");
    let a = facts(&generic, t1, &people1, &g1, &s1, now).await;
    let b = facts(&bulk, t2, &people2, &g2, &s2, now).await;
    assert!(a.iter().any(|f| f.starts_with("result") && f.contains("20240116") && f.contains("Leave")), "{a:#?}");
    assert_same_facts(&a, &b);
}

#[tokio::test]
async fn the_generic_import_recognises_time_clock_repeats_by_instant_and_device() {
    // On every backend: PostgreSQL imports time-clock files through this path.
    let (_dir, store) = common::fresh_store().await;
    let now = MON + 20 * DAY;
    let (tenant, people, _, _) = unsubscribed_office(&store).await;
    let nine = MON + 9 * HOUR;
    let mut keyed = punch("u1", nine);
    keyed.idempotent_id = Some("api-1".into());
    let first = store.import_punches(tenant, IdKind::UserId, vec![keyed], Repeats::ByKey, now).await.expect("api");
    let original = first.stored[0].punch.record_id;

    let mut elsewhere = punch("u1", nine);
    elsewhere.device_id = Some("gate-2".into());
    let records = vec![punch("u1", nine), elsewhere.clone(), elsewhere, punch("u1", nine + 9 * HOUR)];
    let out = store.import_punches(tenant, IdKind::UserId, records, Repeats::ByInstant, now).await.expect("import");
    let ids: Vec<i64> = out.stored.iter().map(|v| v.punch.record_id).collect();
    assert_eq!(ids.len(), 4);
    assert_eq!(ids[0], original, "the stored punch at the same instant and device answers for the first");
    assert_ne!(ids[1], original, "another device: a punch of its own");
    assert_eq!(ids[1], ids[2], "the same punch twice in one import is stored once");
    assert!(out.stored[1..].iter().all(|v| v.punch.idempotent_id.is_none()));
    let stored = store.punches_of(&[people[0].id], 0, i64::MAX).await.expect("punches");
    assert_eq!(stored.len(), 3);

    // Under `ByKey` the same records are all new (no key, no idempotency).
    let again = vec![punch("u1", nine)];
    store.import_punches(tenant, IdKind::UserId, again, Repeats::ByKey, now).await.expect("api again");
    assert_eq!(store.punches_of(&[people[0].id], 0, i64::MAX).await.expect("punches").len(), 4);
}

#[tokio::test]
async fn bulk_import_records_events_only_for_subscribed_types() {
    let (_dir, store) = common::fresh_store().await;
    let Some(mut loader) = bulk_loader(&store).await else { return };
    let now = MON + 20 * DAY;
    let (tenant, people, _, _) = unsubscribed_office(&store).await;
    let [ins, outs] = <[Vec<PunchImport>; 2]>::try_from(batches()).expect("two batches");

    // Nobody subscribes: punches and results are stored, no event record.
    loader.import(tenant, IdKind::UserId, ins, now).await.expect("bulk import");
    loader.finish().await.expect("committed");
    assert!(store.events_after(tenant, 0, 1000).await.expect("events").is_empty());
    let monday = store.results_for(&people[0], 20240115, 20240115, now).await.expect("results");
    assert_eq!(monday[0].records[0].check_in.result.as_str(), "Normal");
    assert_eq!(monday[0].records[0].check_out.result.as_str(), "Lack");

    // An app receives punches only: one record per new punch, none for the results.
    common::subscribe(&store, tenant, &[USER_FLOW_CREATED]).await;
    let mut loader = bulk_loader(&store).await.expect("SQLite");
    let loaded = loader.import(tenant, IdKind::UserId, outs, now).await.expect("bulk import");
    loader.finish().await.expect("committed");
    let added = loaded.iter().filter(|l| **l == Loaded::Added).count();
    let events = store.events_after(tenant, 0, 1000).await.expect("events");
    assert!(added > 10);
    assert_eq!(events.len(), added);
    assert!(events.iter().all(|e| e.event_type == USER_FLOW_CREATED));
    let monday = store.results_for(&people[0], 20240115, 20240115, now).await.expect("results");
    assert_eq!(monday[0].records[0].check_out.result.as_str(), "Normal");
}

/// `n` people ("c000"…) in a Mon–Fri 9:00–18:00 group, an app subscribed to every event type:
/// (tenant, people, group id, shift id).
async fn crowd(store: &Store, n: usize) -> (i64, Vec<Person>, String, String) {
    let setup = MON - 30 * DAY;
    let tenant = store.create_tenant("t", setup).await.expect("tenant");
    common::subscribe(store, tenant.id, &[]).await;
    let users: Vec<String> = (0..n).map(|i| format!("c{i:03}")).collect();
    let mut people = Vec::new();
    for user in &users {
        let new = NewPerson { user_id: Some(user.clone()), name: user.clone(), ..Default::default() };
        people.push(store.create_person(tenant.id, new, setup).await.expect("person"));
    }
    let sid = store.save_shift(tenant.id, common::nine_to_six(), setup).await.expect("shift").shift_id.expect("id");
    let mut days = vec![sid.clone(); 5];
    days.extend(["0".to_string(), "0".to_string()]);
    let group = Group {
        group_name: Some("crowd".into()),
        time_zone: Some("Asia/Shanghai".into()),
        group_type: Some(0),
        calendar_id: Some(0),
        bind_user_ids: Some(users),
        group_leader_ids: Some(vec!["c000".into()]),
        punch_day_shift_ids: Some(days),
        ..Group::default()
    };
    let view = store.save_group(tenant.id, IdKind::UserId, group, setup).await.expect("group");
    (tenant.id, people, view.wire.group_id.expect("group id"), sid)
}

#[tokio::test]
async fn batches_that_revise_each_others_results_store_what_the_generic_import_stores() {
    let (_a, generic) = common::fresh_store().await;
    let (_b, bulk) = common::fresh_store().await;
    let Some(mut loader) = bulk_loader(&bulk).await else { return };
    let now = MON + 20 * DAY;
    let (t1, people1, g1, s1) = crowd(&generic, 150).await;
    let (t2, people2, g2, s2) = crowd(&bulk, 150).await;
    // Batch d: everyone's check-out of day d and check-in of day d + 1, so each batch changes
    // the results the previous one wrote (Lack → Normal / Early).
    let mut batches = Vec::new();
    for d in 0..5 {
        let mut batch = Vec::new();
        for (i, p) in people1.iter().enumerate() {
            let i = i as i64;
            batch.push(punch(&p.user_id, MON + d * DAY + 18 * HOUR - (i % 3) * 10 * MIN));
            batch.push(punch(&p.user_id, MON + (d + 1) * DAY + 9 * HOUR + (i % 4) * 4 * MIN));
        }
        batches.push(batch);
    }
    for batch in batches {
        generic
            .import_punches(t1, IdKind::UserId, batch.clone(), Repeats::ByInstant, now)
            .await
            .expect("generic import");
        loader.import(t2, IdKind::UserId, batch, now).await.expect("bulk import");
    }
    loader.finish().await.expect("committed");
    let a = facts(&generic, t1, &people1, &g1, &s1, now).await;
    let b = facts(&bulk, t2, &people2, &g2, &s2, now).await;
    assert!(a.iter().any(|f| f.contains("\"before_status\":\"Lack\"") && f.contains("\"current_status\":\"Early\"")));
    assert_same_facts(&a, &b);
}
