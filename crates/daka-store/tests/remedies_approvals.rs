//! Remedies and approvals through the store: policy checks, lifecycle, effect on results,
//! supplement precedence, and their events.

mod common;

use daka_store::approvals::{ApprovalKind, NewApproval};
use daka_store::events::{USER_FLOW_CREATED, USER_TASK_UPDATED};
use daka_store::people::{IdKind, NewPerson, Person};
use daka_store::punches::{PunchImport, Repeats};
use daka_store::remedies::{NewRemedy, RemedyError};
use daka_store::{Error, Store};
use daka_types::attendance::groups::Group;
use serde_json::json;

/// 2024-01-15 (Monday) 00:00 in Asia/Shanghai.
const MON: i64 = 1_705_248_000;
const HOUR: i64 = 3600;
const MIN: i64 = 60;
/// Wednesday 2024-01-17 12:00 Asia/Shanghai.
const NOW: i64 = MON + 2 * 24 * HOUR + 12 * HOUR;

struct World {
    _dir: tempfile::TempDir,
    store: Store,
    tenant: i64,
    shift_id: String,
}

async fn world() -> World {
    let (dir, store) = common::fresh_store().await;
    let setup = MON - 30 * 24 * HOUR;
    let tenant = store.create_tenant("t", setup).await.expect("tenant").id;
    common::subscribe(&store, tenant, &[]).await;
    let shift_id = store.save_shift(tenant, common::nine_to_six(), setup).await.expect("shift").shift_id.expect("id");
    World { _dir: dir, store, tenant, shift_id }
}

impl World {
    async fn person(&self, user: &str, policy: impl FnOnce(&mut Group)) -> Person {
        let setup = MON - 30 * 24 * HOUR;
        let p = self
            .store
            .create_person(
                self.tenant,
                NewPerson { user_id: Some(user.into()), name: user.into(), ..Default::default() },
                setup,
            )
            .await
            .expect("person");
        let mut g = Group {
            group_name: Some(format!("g-{user}")),
            time_zone: Some("Asia/Shanghai".into()),
            group_type: Some(0),
            calendar_id: Some(0),
            bind_user_ids: Some(vec![user.into()]),
            group_leader_ids: Some(vec![user.into()]),
            punch_day_shift_ids: Some(vec![self.shift_id.clone(); 7]),
            ..Group::default()
        };
        policy(&mut g);
        self.store.save_group(self.tenant, IdKind::UserId, g, setup).await.expect("group");
        p
    }

    async fn punch(&self, user: &str, at: i64, kind: i32, is_field: bool) {
        let p = PunchImport {
            user_id: user.into(),
            creator_id: user.into(),
            check_time: at,
            kind,
            is_field,
            location_name: "HQ".into(),
            ..PunchImport::default()
        };
        self.store.import_punches(self.tenant, IdKind::UserId, vec![p], Repeats::ByKey, NOW).await.expect("import");
    }

    async fn sides(&self, p: &Person, day: i32) -> [(String, String); 2] {
        let r = self.store.results_for(p, day, day, NOW).await.expect("results");
        let rec = &r[0].records[0];
        [
            (rec.check_in.result.as_str().into(), rec.check_in.supplement.as_str().into()),
            (rec.check_out.result.as_str().into(), rec.check_out.supplement.as_str().into()),
        ]
    }

    async fn remedy(&self, user: &str, day: i32, time: &str, work_type: i32) -> Result<i64, RemedyError> {
        let new = NewRemedy {
            user_id: user.into(),
            remedy_date: day,
            punch_no: 0,
            work_type,
            remedy_time: time.into(),
            reason: "forgot".into(),
        };
        self.store.create_remedy(self.tenant, IdKind::UserId, new, NOW).await.map(|(r, _)| r.approval_id)
    }

    async fn approve(&self, user: &str, day: i32, kind: ApprovalKind, start: &str, end: &str) -> i64 {
        let item = NewApproval {
            kind,
            field: "user_approval.x[0]".into(),
            start_time: start.into(),
            end_time: end.into(),
            idempotent_id: None,
            body: json!({"start_time": start, "end_time": end}),
        };
        let (_, _, stored) = self
            .store
            .create_approvals(self.tenant, IdKind::UserId, user, day, vec![item], NOW)
            .await
            .expect("approval");
        stored[0].approval_id
    }
}

fn s(a: &str, b: &str) -> (String, String) {
    (a.into(), b.into())
}

#[tokio::test]
async fn remedy_lifecycle_changes_results_and_records_events() {
    let w = world().await;
    let p = w.person("u1", |_| {}).await;
    w.punch("u1", MON + 18 * HOUR + 5 * MIN, 0, false).await;
    assert_eq!(w.sides(&p, 20240115).await, [s("Lack", "None"), s("Normal", "None")]);

    let allowed = w.store.allowed_remedies(&p, 20240115, NOW).await.expect("allowed");
    assert_eq!(allowed.len(), 1);
    let a = &allowed[0];
    assert_eq!((a.punch_no, a.work_type, a.punch_status.as_str()), (0, 1, "Lack"));
    assert_eq!(
        (a.format(a.normal_at), a.format(a.start_at), a.format(a.end_at)),
        ("2024-01-15 09:00".into(), "2024-01-15 07:00".into(), "2024-01-15 10:00".into())
    );

    let id = w.remedy("u1", 20240115, "2024-01-15 09:00", 1).await.expect("create");
    assert_eq!(w.sides(&p, 20240115).await[0], s("Lack", "CardReplacementApplication"));
    assert!(matches!(w.store.allowed_remedies(&p, 20240115, NOW).await, Err(RemedyError::NoNeedRemedy(_))));

    let before = w.store.events_after(w.tenant, 0, 10_000).await.expect("events").len();
    assert_eq!(w.store.process_approval(w.tenant, id, "remedy", 2, NOW).await.expect("approve"), 2);
    assert_eq!(w.sides(&p, 20240115).await[0], s("Normal", "CardReplacement"));
    let events = w.store.events_after(w.tenant, 0, 10_000).await.expect("events");
    let new: Vec<_> = events[before..].iter().collect();
    assert!(new.iter().any(|e| e.event_type == USER_FLOW_CREATED && e.payload["type"] == 2));
    assert!(new.iter().any(|e| e.event_type == USER_TASK_UPDATED
        && e.payload["status_changes"][0]["current_supplement"] == "CardReplacement"));

    // Withdraw restores; a second withdrawal is refused naming the transition.
    assert_eq!(w.store.process_approval(w.tenant, id, "remedy", 4, NOW).await.expect("withdraw"), 4);
    assert_eq!(w.sides(&p, 20240115).await[0], s("Lack", "None"));
    match w.store.process_approval(w.tenant, id, "remedy", 4, NOW).await {
        Err(Error::Invalid(m)) => assert!(m.contains("from 4 (withdrawn) to 4 (withdrawn)"), "{m}"),
        other => panic!("expected a refused transition, got {other:?}"),
    }
    assert!(w.store.punches_of(&[p.id], MON, MON + 24 * HOUR).await.expect("punches").iter().all(|x| x.kind != 2));
}

#[tokio::test]
async fn policy_codes() {
    let w = world().await;
    // 1226502
    let p = w.person("no", |g| g.allow_remedy = Some(false)).await;
    w.punch("no", MON + 18 * HOUR, 0, false).await;
    assert!(matches!(w.store.allowed_remedies(&p, 20240115, NOW).await, Err(RemedyError::NotAllowed(_))));
    // 1226503
    let p = w
        .person("old", |g| {
            g.remedy_date_limit = Some(true);
            g.remedy_date_num = Some(1);
        })
        .await;
    w.punch("old", MON + 18 * HOUR, 0, false).await;
    assert!(matches!(w.store.allowed_remedies(&p, 20240115, NOW).await, Err(RemedyError::BeyondRange(_))));
    // 1226504
    w.person("few", |g| {
        g.remedy_limit = Some(true);
        g.remedy_limit_count = Some(1);
    })
    .await;
    w.punch("few", MON + 18 * HOUR, 0, false).await;
    w.punch("few", MON + 42 * HOUR, 0, false).await;
    w.remedy("few", 20240115, "2024-01-15 09:00", 1).await.expect("first");
    assert!(matches!(w.remedy("few", 20240116, "2024-01-16 09:00", 1).await, Err(RemedyError::NoTimeLeft(_))));
    // 1226501
    let p = w.person("fine", |_| {}).await;
    w.punch("fine", MON + 9 * HOUR, 0, false).await;
    w.punch("fine", MON + 18 * HOUR, 0, false).await;
    assert!(matches!(w.store.allowed_remedies(&p, 20240115, NOW).await, Err(RemedyError::NoNeedRemedy(_))));
    // remedy_time outside the window
    w.person("win", |_| {}).await;
    w.punch("win", MON + 18 * HOUR, 0, false).await;
    match w.remedy("win", 20240115, "2024-01-15 10:01", 1).await {
        Err(RemedyError::Store(Error::Invalid(m))) => assert!(m.contains("remedy_time"), "{m}"),
        other => panic!("expected 1220001, got {other:?}"),
    }
}

#[tokio::test]
async fn approvals_cover_sides_and_revoking_restores() {
    let w = world().await;
    let p = w.person("lv", |_| {}).await;
    assert_eq!(w.sides(&p, 20240115).await, [s("Lack", "None"), s("Lack", "None")]);
    let id = w.approve("lv", 20240115, ApprovalKind::Leave, "2024-01-15 09:00:00", "2024-01-15 18:00:00").await;
    assert_eq!(w.sides(&p, 20240115).await, [s("Normal", "Leave"), s("Normal", "Leave")]);
    assert!(matches!(w.store.process_approval(w.tenant, id, "leave", 1, NOW).await, Err(Error::Invalid(_))));
    w.store.process_approval(w.tenant, id, "leave", 4, NOW).await.expect("revoke");
    assert_eq!(w.sides(&p, 20240115).await, [s("Lack", "None"), s("Lack", "None")]);

    // Half-day out covers the off side only; a trip of one hour covers the whole day.
    w.approve("lv", 20240116, ApprovalKind::Out, "2024-01-16 13:30:00", "2024-01-16 18:00:00").await;
    assert_eq!(w.sides(&p, 20240116).await, [s("Lack", "None"), s("Normal", "GoOut")]);
    let p2 = w.person("tr", |_| {}).await;
    w.approve("tr", 20240116, ApprovalKind::Trip, "2024-01-16 10:00:00", "2024-01-16 11:00:00").await;
    assert_eq!(w.sides(&p2, 20240116).await, [s("Normal", "Travel"), s("Normal", "Travel")]);
    assert_eq!(w.sides(&p2, 20240115).await, [s("Lack", "None"), s("Lack", "None")]);
}

#[tokio::test]
async fn supplement_precedence_through_the_store() {
    let w = world().await;
    // CardReplacement over Leave: the remedy was applied for before the leave was written.
    let p = w.person("cr", |_| {}).await;
    w.punch("cr", MON + 18 * HOUR, 0, false).await;
    let id = w.remedy("cr", 20240115, "2024-01-15 09:20", 1).await.expect("remedy");
    w.approve("cr", 20240115, ApprovalKind::Leave, "2024-01-15 09:00:00", "2024-01-15 18:00:00").await;
    assert_eq!(w.sides(&p, 20240115).await[0], s("Normal", "Leave"), "pending remedy ranks below Leave");
    w.store.process_approval(w.tenant, id, "remedy", 2, NOW).await.expect("approve");
    assert_eq!(w.sides(&p, 20240115).await[0], s("Late", "CardReplacement"));
    // ManagerModification over Leave; Leave over FieldPunch.
    let p = w.person("mm", |_| {}).await;
    w.punch("mm", MON + 9 * HOUR + 20 * MIN, 1, false).await;
    w.approve("mm", 20240115, ApprovalKind::Leave, "2024-01-15 09:00:00", "2024-01-15 12:00:00").await;
    assert_eq!(w.sides(&p, 20240115).await[0], s("Late", "ManagerModification"));
    let p = w.person("fp", |_| {}).await;
    w.punch("fp", MON + 9 * HOUR + 20 * MIN, 0, true).await;
    w.approve("fp", 20240115, ApprovalKind::Leave, "2024-01-15 09:00:00", "2024-01-15 12:00:00").await;
    assert_eq!(w.sides(&p, 20240115).await[0], s("Normal", "Leave"));
    // Leave over Travel over GoOut.
    let p = w.person("lt", |_| {}).await;
    w.approve("lt", 20240115, ApprovalKind::Out, "2024-01-15 08:00:00", "2024-01-15 19:00:00").await;
    assert_eq!(w.sides(&p, 20240115).await[0], s("Normal", "GoOut"));
    w.approve("lt", 20240115, ApprovalKind::Trip, "2024-01-15 08:00:00", "2024-01-15 19:00:00").await;
    assert_eq!(w.sides(&p, 20240115).await[0], s("Normal", "Travel"));
    w.approve("lt", 20240115, ApprovalKind::Leave, "2024-01-15 08:00:00", "2024-01-15 19:00:00").await;
    assert_eq!(w.sides(&p, 20240115).await[0], s("Normal", "Leave"));
}

#[tokio::test]
async fn idempotent_approvals_and_query() {
    let w = world().await;
    w.person("id", |_| {}).await;
    let item = |key: &str| NewApproval {
        kind: ApprovalKind::Out,
        field: "user_approval.outs[0]".into(),
        start_time: "2024-01-15 14:00:00".into(),
        end_time: "2024-01-15 16:00:00".into(),
        idempotent_id: Some(key.into()),
        body: json!({"idempotent_id": key}),
    };
    let (person, tz, a) = w
        .store
        .create_approvals(w.tenant, IdKind::UserId, "id", 20240115, vec![item("k1"), item("k1")], NOW)
        .await
        .expect("a");
    assert_eq!(tz, "Asia/Shanghai");
    assert_eq!(a[0].approval_id, a[1].approval_id);
    let (_, _, b) =
        w.store.create_approvals(w.tenant, IdKind::UserId, "id", 20240115, vec![item("k1")], NOW).await.expect("b");
    assert_eq!(b[0].approval_id, a[0].approval_id);
    let found = w.store.approvals_of(&[person.id], 20240115, 20240115, 2).await.expect("query");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].body["approval_id"], a[0].approval_id.to_string());
    assert!(found[0].body["approve_pass_time"].as_str().is_some_and(|t| t == "2024-01-17 12:00:00"));
    assert!(w.store.approvals_of(&[person.id], 20240116, 20240116, 2).await.expect("q").is_empty());
}
