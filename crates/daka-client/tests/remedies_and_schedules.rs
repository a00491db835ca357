//! Remedies (补卡), approvals and schedules (排班) through the client against a real daka server
//! started in-process (no mocks). Expected values come from the Feishu documentation of each
//! endpoint (`shared/spec/feishu-attendance-spec.md` §2.6–2.12, §6–7): statuses, error codes and
//! what each call does to the results, not from daka's own answers.

mod common;

use common::{create_group, day_shift, fixed_group, office, people, Daka};
use daka_client::attendance::{daily_shift, punch, ApprovalType, UserTaskQuery};
use daka_client::model::{CheckResult, Supplement, TaskResultExt};
use daka_client::types::attendance::user_approvals::{I18nNames, UserApproval, UserLeave};
use daka_client::types::attendance::user_daily_shifts::{PunchTimeSimpleRule, UserTmpDailyShift};
use daka_client::types::attendance::user_task_remedys::UserTaskRemedy;
use daka_client::types::attendance::user_tasks::UserTask;
use daka_client::{Client, Day, EmployeeType, Instant};

const EMP: EmployeeType = EmployeeType::EmployeeId;

/// Unix seconds of `day` at `hh:mm` in Asia/Shanghai.
fn at(day: Day, hh: i64, mm: i64) -> Instant {
    day.midnight_at_offset(8 * 3600).add_seconds(hh * 3600 + mm * 60)
}

fn day(d: u32) -> Day {
    Day::new(2024, 1, d).expect("a January 2024 day")
}

async fn punches(client: &Client, user: &str, instants: &[Instant]) {
    let records = instants.iter().map(|i| punch(user, *i, "HQ"));
    let created = client.attendance().user_flows().batch_create(EMP, records).await.expect("import");
    assert!(created.failures.is_empty(), "{:?}", created.failures);
}

async fn task(client: &Client, user: &str, d: Day) -> UserTask {
    let mut tasks = client
        .attendance()
        .user_tasks()
        .query(EMP, UserTaskQuery::new([user], d, d))
        .await
        .expect("user_tasks")
        .user_task_results;
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    tasks.remove(0)
}

/// (check_in, check_out, check_in supplement, check_out supplement) of the day's one pair.
async fn sides(client: &Client, user: &str, d: Day) -> (CheckResult, CheckResult, Supplement, Supplement) {
    let t = task(client, user, d).await;
    assert_eq!(t.records.len(), 1, "{t:?}");
    let r = &t.records[0];
    (r.check_in(), r.check_out(), r.check_in_supplement(), r.check_out_supplement())
}

fn remedy(user: &str, d: Day, work_type: i32, remedy_time: &str) -> UserTaskRemedy {
    UserTaskRemedy {
        user_id: Some(user.into()),
        remedy_date: Some(i64::from(d.yyyymmdd())),
        punch_no: Some(0),
        work_type: Some(work_type),
        remedy_time: Some(remedy_time.into()),
        reason: Some("forgot to punch".into()),
        ..UserTaskRemedy::default()
    }
}

#[tokio::test]
async fn a_remedy_goes_pending_approved_revoked_and_moves_the_result_each_time() {
    let daka = Daka::start(None).await;
    let client = daka.client();
    let ids = people(&client, 2).await;
    let (user, strict) = (&ids[0], &ids[1]);
    let (_, shift_id) = office(&client, &ids[..1]).await;
    let mut no_remedies = fixed_group("No remedies", &ids[1..], &shift_id);
    no_remedies.allow_remedy = Some(false);
    create_group(&client, no_remedies).await;
    let remedies = client.attendance().remedies();
    let approvals = client.attendance().approvals();
    let (mon, tue) = (day(15), day(16));

    // Monday: only the off punch, so the on side is 缺卡.
    punches(&client, user, &[at(mon, 18, 5)]).await;
    assert_eq!(sides(&client, user, mon).await.0, CheckResult::Lack);

    // 获取可补卡时间: the on side (punch_no 0, work_type 1) of the 09:00 shift, status Lack.
    let allowed = remedies.query_user_allowed_remedys(EMP, user, mon).await.expect("allowed");
    assert_eq!(allowed.len(), 1, "only the on side is abnormal: {allowed:?}");
    let a = &allowed[0];
    assert_eq!((a.user_id.as_str(), a.remedy_date, a.punch_no, a.work_type), (user.as_str(), 20240115, 0, 1));
    assert_eq!(a.punch_status, "Lack");
    assert_eq!(a.normal_punch_time, "2024-01-15 09:00");
    assert!(a.remedy_start_time.as_str() <= "2024-01-15 09:00" && "2024-01-15 09:00" <= a.remedy_end_time.as_str());

    // 通知补卡审批发起: always created 审批中 (0) with an approval_id.
    let created = remedies.create(EMP, &remedy(user, mon, 1, "2024-01-15 09:00")).await.expect("create");
    let approval_id = created.approval_id.clone().expect("approval_id");
    assert!(!approval_id.is_empty());
    assert_eq!(created.status, Some(0));
    // While pending the result stays 缺卡, supplemented 补卡申请中.
    let (on, _, on_supplement, _) = sides(&client, user, mon).await;
    assert_eq!((on, on_supplement), (CheckResult::Lack, Supplement::CardReplacementApplication));

    // 获取补卡记录 defaults to approved (2): nothing yet; status 0 finds it.
    let (from, to) = (mon.midnight_at_offset(8 * 3600), tue.midnight_at_offset(8 * 3600));
    assert!(remedies.query(EMP, [user], from, to, None).await.expect("query").is_empty());
    let pending = remedies.query(EMP, [user], from, to, Some(0)).await.expect("query");
    assert_eq!(pending.len(), 1, "{pending:?}");
    assert_eq!(pending[0].approval_id.as_deref(), Some(approval_id.as_str()));

    // Approved (2): the on side becomes Normal, supplemented 补卡通过.
    let info = approvals.process(&approval_id, ApprovalType::Remedy, 2).await.expect("approve");
    assert_eq!(
        (info.approval_id.as_str(), info.approval_type.as_str(), info.status),
        (approval_id.as_str(), "remedy", 2)
    );
    let (on, off, on_supplement, _) = sides(&client, user, mon).await;
    assert_eq!((on, off, on_supplement), (CheckResult::Normal, CheckResult::Normal, Supplement::CardReplacement));
    let approved = remedies.query(EMP, [user], from, to, None).await.expect("query");
    assert_eq!(approved.len(), 1, "{approved:?}");
    let r = &approved[0];
    assert_eq!((r.status, r.remedy_date, r.punch_no, r.work_type), (Some(2), Some(20240115), Some(0), Some(1)));
    assert_eq!(r.user_id.as_deref(), Some(user.as_str()));
    // Nothing is left to remedy that day: 1226501 no need remedy.
    let err = remedies.query_user_allowed_remedys(EMP, user, mon).await.expect_err("no need");
    assert_eq!(err.code(), Some(1_226_501), "{err}");

    // Only a pending remedy can be approved or rejected; an approved one can be revoked (4).
    let err = approvals.process(&approval_id, ApprovalType::Remedy, 1).await.expect_err("approved cannot be rejected");
    assert!(err.is_api(), "{err}");
    let info = approvals.process(&approval_id, ApprovalType::Remedy, 4).await.expect("revoke");
    assert_eq!(info.status, 4);
    assert_eq!(sides(&client, user, mon).await.0, CheckResult::Lack, "revoking removes the remedy's punch");
    assert!(approvals.process(&approval_id, ApprovalType::Remedy, 2).await.is_err(), "a revoked remedy stays revoked");

    // A day with nothing abnormal needs no remedy (1226501); a group that does not allow
    // remedies refuses them (1226502).
    punches(&client, user, &[at(tue, 8, 55), at(tue, 18, 5)]).await;
    let err = remedies.create(EMP, &remedy(user, tue, 1, "2024-01-16 09:00")).await.expect_err("normal day");
    assert_eq!(err.code(), Some(1_226_501), "{err}");
    punches(&client, strict, &[at(mon, 18, 5)]).await;
    let err = remedies.create(EMP, &remedy(strict, mon, 1, "2024-01-15 09:00")).await.expect_err("not allowed");
    assert_eq!(err.code(), Some(1_226_502), "{err}");
}

#[tokio::test]
async fn a_written_leave_covers_the_day_until_it_is_revoked() {
    let daka = Daka::start(None).await;
    let client = daka.client();
    let ids = people(&client, 1).await;
    let user = &ids[0];
    office(&client, &ids).await;
    let approvals = client.attendance().approvals();
    let wed = day(17);

    // A working day without punches is 缺卡 on both sides.
    assert_eq!(
        sides(&client, user, wed).await,
        (CheckResult::Lack, CheckResult::Lack, Supplement::None, Supplement::None)
    );

    // 写入审批结果: a whole-day leave; each item gets an approval_id.
    let leave = UserLeave {
        uniq_id: Some("personal".into()),
        unit: Some(1),
        interval: Some(8 * 3600),
        start_time: Some("2024-01-17 09:00:00".into()),
        end_time: Some("2024-01-17 18:00:00".into()),
        i18n_names: Some(I18nNames { ch: Some("事假".into()), en: Some("Personal leave".into()), ja: None }),
        default_locale: Some("ch".into()),
        reason: Some("family".into()),
        ..UserLeave::default()
    };
    let approval = UserApproval {
        user_id: Some(user.clone()),
        date: Some("20240117".into()),
        leaves: Some(vec![leave]),
        ..UserApproval::default()
    };
    let written = approvals.create(EMP, approval).await.expect("create");
    let leaves = written.leaves.expect("leaves");
    let approval_id = leaves[0].approval_id.clone().expect("approval_id");
    assert!(!approval_id.is_empty());

    // The leave keeps the day from being 缺卡: both sides supplemented 请假.
    let (on, off, on_s, off_s) = sides(&client, user, wed).await;
    assert!(on != CheckResult::Lack && off != CheckResult::Lack, "{on:?} {off:?}");
    assert_eq!((on_s, off_s), (Supplement::Leave, Supplement::Leave));

    // 获取审批数据 over 45 days (two requests of ≤ 31 days): the leave, once.
    let found = approvals.query(EMP, [user], day(1), Day::new(2024, 2, 14).expect("day"), None).await.expect("query");
    let found_leaves: Vec<_> = found.iter().flat_map(|a| a.leaves.clone().unwrap_or_default()).collect();
    assert_eq!(found_leaves.len(), 1, "{found:?}");
    assert_eq!(found_leaves[0].approval_id.as_deref(), Some(approval_id.as_str()));
    assert_eq!(found_leaves[0].start_time.as_deref(), Some("2024-01-17 09:00:00"));
    assert_eq!(found_leaves[0].end_time.as_deref(), Some("2024-01-17 18:00:00"));
    assert_eq!(found[0].user_id.as_deref(), Some(user.as_str()));
    assert!(daka.requests_to("/open-apis/attendance/v1/user_approvals/query").await >= 2);

    // A leave can only be revoked (4), never approved or rejected.
    assert!(approvals.process(&approval_id, ApprovalType::Leave, 2).await.expect_err("leave: only 4").is_api());
    let info = approvals.process(&approval_id, ApprovalType::Leave, 4).await.expect("revoke");
    assert_eq!((info.approval_type.as_str(), info.status), ("leave", 4));
    assert_eq!(sides(&client, user, wed).await.0, CheckResult::Lack, "the revoked leave no longer covers the day");
    let after = approvals.query(EMP, [user], wed, wed, None).await.expect("query");
    assert!(after.iter().all(|a| a.leaves.as_ref().is_none_or(Vec::is_empty)), "{after:?}");
}

#[tokio::test]
async fn schedules_are_written_split_queried_cleared_and_decide_the_results() {
    let daka = Daka::start(None).await;
    let client = daka.client();
    let ids = people(&client, 3).await;
    let (a, b, fixed) = (&ids[0], &ids[1], &ids[2]);
    let (office_id, _) = office(&client, &ids[2..]).await;
    let shift_id = day_shift(&client, "Scheduled day").await;
    let mut rota = fixed_group("Rota", &ids[..2], &shift_id);
    rota.group_type = Some(2); // 排班制
    rota.punch_day_shift_ids = Some(Vec::new());
    let rota_id = create_group(&client, rota).await;
    let schedules = client.attendance().user_daily_shifts();

    // a and b work January 1–30, except a rests ("0") on the 16th: 60 entries, plus one for a
    // person not in the group, which does not take effect (code 0, msg naming the person).
    let mut entries = Vec::new();
    for d in 1..=30 {
        entries.push(daily_shift(&rota_id, a, day(d), if d == 16 { "0" } else { shift_id.as_str() }));
        entries.push(daily_shift(&rota_id, b, day(d), shift_id.as_str()));
    }
    entries.push(daily_shift(&rota_id, fixed, day(15), shift_id.as_str()));
    let written = schedules.batch_create(EMP, entries, None).await.expect("batch_create");
    assert_eq!(daka.requests_to("/open-apis/attendance/v1/user_daily_shifts/batch_create").await, 2, "50 + 11");
    assert_eq!(written.failures.len(), 1, "{:?}", written.failures);
    assert!(written.failures[0].contains(fixed.as_str()), "{:?}", written.failures);
    assert!(written.entries.iter().all(|e| e.user_id.as_deref() != Some(fixed.as_str())), "{:?}", written.entries);

    // 查询排班表 over 45 days: split into ≤ 30-day requests, the 60 entries back.
    let got = schedules.query(EMP, [a, b], day(1), Day::new(2024, 2, 14).expect("day")).await.expect("query");
    assert!(daka.requests_to("/open-apis/attendance/v1/user_daily_shifts/query").await >= 2);
    let entry = |user: &str, d: i32| {
        got.iter().find(|e| e.user_id.as_deref() == Some(user) && e.month == Some(202401) && e.day_no == Some(d))
    };
    for d in 1..=30 {
        let want = if d == 16 { "0" } else { shift_id.as_str() };
        assert_eq!(entry(a, d).and_then(|e| e.shift_id.as_deref()), Some(want), "a on {d}: {got:?}");
        assert_eq!(entry(b, d).and_then(|e| e.group_id.as_deref()), Some(rota_id.as_str()), "b on {d}");
    }
    assert!(got.iter().all(|e| e.month != Some(202402)), "nothing scheduled in February: {got:?}");

    // Only 排班制 groups can be scheduled: "the rule cannot arrange!".
    let err = schedules
        .batch_create(EMP, [daily_shift(&office_id, fixed, day(15), shift_id.as_str())], None)
        .await
        .expect_err("fixed group");
    assert!(err.msg().is_some_and(|m| m.contains("the rule cannot arrange")), "{err}");

    // is_clear_schedule clears the day.
    let mut clear = daily_shift(&rota_id, b, day(30), shift_id.as_str());
    clear.is_clear_schedule = Some(true);
    schedules.batch_create(EMP, [clear], None).await.expect("clear");
    let after = schedules.query(EMP, [b], day(30), day(30)).await.expect("query");
    assert!(after.iter().all(|e| e.shift_id.as_deref() != Some(shift_id.as_str())), "{after:?}");

    // The schedule decides the day: punches at 08:55/18:05 on a scheduled 9–18 day are Normal.
    punches(&client, a, &[at(day(15), 8, 55), at(day(15), 18, 5)]).await;
    let t = task(&client, a, day(15)).await;
    assert_eq!(t.shift_id, shift_id);
    assert_eq!((t.records[0].check_in(), t.records[0].check_out()), (CheckResult::Normal, CheckResult::Normal));
    assert_eq!(task(&client, a, day(16)).await.shift_id, "0", "a scheduled rest day (休息, shift 0)");

    // 创建或修改临时排班: 10:00–19:00 for the fixed-group person on Thursday the 18th replaces
    // the 9–18 shift, so 09:58 and 19:02 are on time (they would be late and normal otherwise).
    let temp = UserTmpDailyShift {
        group_id: Some(office_id.clone()),
        user_id: Some(fixed.clone()),
        date: Some(day(18).yyyymmdd()),
        shift_name: Some("Late start".into()),
        punch_time_simple_rules: Some(vec![PunchTimeSimpleRule {
            on_time: Some("10:00".into()),
            off_time: Some("19:00".into()),
        }]),
    };
    let written = schedules.batch_create_temp(EMP, [temp], None).await.expect("batch_create_temp");
    assert!(written.failures.is_empty(), "{:?}", written.failures);
    assert_eq!(written.entries.len(), 1);
    punches(&client, fixed, &[at(day(18), 9, 58), at(day(18), 19, 2)]).await;
    let t = task(&client, fixed, day(18)).await;
    let r = &t.records[0];
    assert_eq!((r.check_in(), r.check_out()), (CheckResult::Normal, CheckResult::Normal), "{t:?}");
    assert_eq!(r.check_in_shift_time(), Some(at(day(18), 10, 0)));
    assert_eq!(r.check_out_shift_time(), Some(at(day(18), 19, 0)));
}
