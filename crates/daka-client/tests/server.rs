//! The client against a real daka server started in-process (no mocks).

mod common;

use std::time::Duration;

use common::{people, Daka, APP_ID, APP_SECRET};
use daka_client::attendance::{punch, UserFlowQuery, UserTaskQuery};
use daka_client::contact::{new_user, UserIdType};
use daka_client::model::{CheckResult, TaskResultExt, UserFlowExt};
use daka_client::{Client, Day, EmployeeType, Instant, RetryPolicy};
use futures_util::TryStreamExt;

const EMP: EmployeeType = EmployeeType::EmployeeId;

/// 2024-01-15 09:00 +08:00.
const JAN15_0900: i64 = 1_705_280_400;

#[tokio::test]
async fn the_five_punch_operations_round_trip() {
    let daka = Daka::start(Some(50)).await;
    let client = daka.client();
    let ids = people(&client, 2).await;

    // batch_create
    let mut on = punch(&ids[0], Instant::from_unix(JAN15_0900 - 120), "HQ");
    on.idempotent_id = Some("imp-1".into());
    let off = punch(&ids[0], Instant::from_unix(JAN15_0900 + 9 * 3600 + 60), "HQ");
    let other = punch(&ids[1], Instant::from_unix(JAN15_0900 + 30 * 60), "Branch");
    let flows = client.attendance().user_flows();
    let created = flows.batch_create(EMP, [on.clone(), off, other]).await.unwrap();
    assert_eq!(created.flow_records.len(), 3);
    assert!(created.failures.is_empty(), "{:?}", created.failures);
    let record_ids: Vec<String> = created.flow_records.iter().map(|f| f.record_id.clone().unwrap()).collect();
    assert!(record_ids.iter().all(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())));

    // idempotency: the same key returns the original
    let again = flows.batch_create(EMP, [on]).await.unwrap();
    assert_eq!(again.flow_records[0].record_id.as_deref(), Some(record_ids[0].as_str()));

    // get
    let got = flows.get(&record_ids[0], EMP).await.unwrap();
    assert_eq!(got.user_id.as_deref(), Some(ids[0].as_str()));
    assert_eq!(got.location_name.as_deref(), Some("HQ"));
    assert_eq!(got.check_instant(), Some(Instant::from_unix(JAN15_0900 - 120)));

    // query
    let q = UserFlowQuery::new(
        ids.clone(),
        Instant::from_unix(JAN15_0900 - 86_400),
        Instant::from_unix(JAN15_0900 + 86_400),
    );
    let found = flows.query(EMP, q.clone()).await.unwrap();
    assert_eq!(found.len(), 3);

    // user_tasks/query: results of the day
    let day = Day::new(2024, 1, 15).unwrap();
    let tasks = client.attendance().user_tasks().query(EMP, UserTaskQuery::new(ids.clone(), day, day)).await.unwrap();
    assert_eq!(tasks.user_task_results.len(), 2, "{tasks:?}");
    let first = &tasks.user_task_results[0];
    assert_eq!(first.user_id, ids[0]);
    assert_eq!(first.day, 20240115);
    assert!(!first.records.is_empty());
    assert_ne!(first.records[0].check_in(), CheckResult::Unknown("?".into()));

    // batch_delete
    let deleted = flows.batch_delete(record_ids.clone()).await.unwrap();
    assert_eq!(deleted.success_record_ids.len(), 3, "{deleted:?}");
    assert!(flows.query(EMP, q).await.unwrap().is_empty());
}

#[tokio::test]
async fn api_errors_keep_code_msg_log_id_and_status() {
    let daka = Daka::start(None).await;
    let client = daka.client();
    let err = client.attendance().user_flows().get("123", EMP).await.unwrap_err();
    assert!(err.is_api(), "{err:?}");
    assert!(err.code().unwrap() > 0);
    assert!(!err.msg().unwrap().is_empty());
    assert!(err.log_id().is_some_and(|l| l.len() > 14), "{err:?}");
    assert!(err.status().is_some());
    assert!(!err.is_transport() && !err.is_decode());

    // unknown people
    let err = client
        .attendance()
        .user_flows()
        .batch_create(EMP, [punch("nobody", Instant::from_unix(JAN15_0900), "HQ")])
        .await
        .unwrap_err();
    assert!(err.is_api(), "{err:?}");

    // wrong secret: the token endpoint's error
    let bad =
        Client::builder().base_url(daka.base_url()).app_id("cli_ffffffffffffffff").app_secret("x").build().unwrap();
    let err = bad.attendance().user_flows().get("1", EMP).await.unwrap_err();
    assert!(err.is_api(), "{err:?}");
    assert_eq!(err.as_api().unwrap().endpoint, "auth.tenant_access_token");
}

#[tokio::test]
async fn transport_errors_are_retried_then_reported() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = Client::builder()
        .base_url(format!("http://{addr}"))
        .app_id(APP_ID)
        .app_secret(APP_SECRET)
        .retry(RetryPolicy {
            max_retries: 2,
            initial_backoff: Duration::from_millis(50),
            max_backoff: Duration::from_millis(100),
            ..RetryPolicy::default()
        })
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = client.attendance().user_flows().get("1", EMP).await.unwrap_err();
    assert!(err.is_transport(), "{err:?}");
    assert!(started.elapsed() >= Duration::from_millis(70), "two backoffs happened");
}

#[tokio::test]
async fn a_server_restart_is_survived_token_refreshed_and_call_retried() {
    let daka = Daka::start(None).await;
    let client = daka.client();
    people(&client, 1).await;
    let token_before = client.tenant_access_token().await.unwrap();
    // Restart on the same port with a fresh database: the cached token is unknown there.
    let addr = daka.addr;
    drop(daka.stop().await);
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    let daka = Daka::start_on(listener, tempfile::tempdir().unwrap(), None).await;
    // The first call is refused with 99991663; the client refetches and retries once.
    let user = client.contact().users().create(&new_user("u9", "Nine"), UserIdType::UserId).await.unwrap();
    assert_eq!(user.user_id.as_deref(), Some("u9"));
    let token_after = client.tenant_access_token().await.unwrap();
    assert_ne!(token_before, token_after);
    assert_eq!(daka.requests_to("/open-apis/auth/v3/tenant_access_token/internal").await, 1);
}

#[tokio::test]
async fn tokens_are_fetched_once_under_concurrency() {
    let daka = Daka::start(None).await;
    let client = daka.client();
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let c = client.clone();
            tokio::spawn(async move { c.contact().users().get(&format!("nobody{i}"), UserIdType::UserId).await })
        })
        .collect();
    for t in tasks {
        let err = t.await.unwrap().unwrap_err();
        assert!(err.is_api());
    }
    // A second client of the same base URL and app shares the cache.
    let other = daka.client();
    other.tenant_access_token().await.unwrap();
    assert_eq!(daka.requests_to("/open-apis/auth/v3/tenant_access_token/internal").await, 1);
}

#[tokio::test]
async fn rate_limits_are_waited_out_with_the_reset_header() {
    // The server allows 5 requests/s per endpoint; the client does not pace itself.
    let daka = Daka::start(Some(5)).await;
    let client = Client::builder()
        .base_url(daka.base_url())
        .app_id(APP_ID)
        .app_secret(APP_SECRET)
        .rate_limit(None)
        .retry(RetryPolicy { max_retries: 10, ..RetryPolicy::default() })
        .build()
        .unwrap();
    let ids = people(&client, 1).await;
    let calls: Vec<_> = (0..15)
        .map(|_| {
            let c = client.clone();
            let id = ids[0].clone();
            tokio::spawn(async move { c.contact().users().get(&id, UserIdType::UserId).await })
        })
        .collect();
    for c in calls {
        c.await.unwrap().unwrap();
    }
    // Without retries the 429 surfaces as a rate-limit API error.
    let impatient = Client::builder()
        .base_url(daka.base_url())
        .app_id(APP_ID)
        .app_secret(APP_SECRET)
        .rate_limit(None)
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let mut limited = None;
    for _ in 0..20 {
        if let Err(e) = impatient.contact().users().get(&ids[0], UserIdType::UserId).await {
            limited = Some(e);
            break;
        }
    }
    let e = limited.expect("a 429 within 20 quick calls");
    assert!(e.is_rate_limited(), "{e:?}");
    assert_eq!(e.code(), Some(99_991_400));
    assert_eq!(e.status(), Some(429));
}

#[tokio::test]
async fn client_pacing_keeps_a_burst_under_the_server_limit() {
    let daka = Daka::start(Some(20)).await;
    let client = Client::builder()
        .base_url(daka.base_url())
        .app_id(APP_ID)
        .app_secret(APP_SECRET)
        .rate_limit(Some(15))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let ids = people(&client, 1).await;
    let calls: Vec<_> = (0..30)
        .map(|_| {
            let c = client.clone();
            let id = ids[0].clone();
            tokio::spawn(async move { c.contact().users().get(&id, UserIdType::UserId).await })
        })
        .collect();
    for c in calls {
        c.await.unwrap().expect("paced calls are never limited");
    }
}

#[tokio::test]
async fn large_inputs_are_split_and_merged() {
    let daka = Daka::start(Some(50)).await;
    let client = daka.client();
    let ids = people(&client, 120).await;
    // 120 people × 3 days × 2 punches = 720 records → 15 requests of ≤ 50.
    let mut records = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        for d in 0..3 {
            let base = JAN15_0900 + d * 86_400;
            let mut r = punch(id, Instant::from_unix(base - 300 + i as i64), "HQ");
            r.idempotent_id = Some(format!("{id}-{d}-on"));
            records.push(r);
            let mut r = punch(id, Instant::from_unix(base + 9 * 3600 + 60), "HQ");
            r.idempotent_id = Some(format!("{id}-{d}-off"));
            records.push(r);
        }
    }
    let created = client.attendance().user_flows().batch_create(EMP, records.clone()).await.unwrap();
    assert_eq!(created.flow_records.len(), 720);
    for (sent, got) in records.iter().zip(&created.flow_records) {
        assert_eq!(sent.user_id, got.user_id, "input order kept");
        assert_eq!(sent.check_time, got.check_time);
    }
    assert!(daka.requests_to("/open-apis/attendance/v1/user_flows/batch_create").await >= 15);

    // 120 ids > 50 and a 70-day span > 31: 3 × 3 requests, merged and ordered.
    let from = Day::new(2024, 1, 1).unwrap();
    let to = Day::new(2024, 3, 10).unwrap();
    let tasks = client.attendance().user_tasks().query(EMP, UserTaskQuery::new(ids.clone(), from, to)).await.unwrap();
    // Whatever days the server reports for days without punches, every punched person-day is
    // there, each once, in range, ordered by person (as asked) then day.
    for id in &ids {
        for day in [20240115, 20240116, 20240117] {
            assert!(tasks.user_task_results.iter().any(|t| &t.user_id == id && t.day == day), "{id} {day}");
        }
    }
    let mut seen = std::collections::HashSet::new();
    assert!(tasks.user_task_results.iter().all(|t| seen.insert((t.user_id.clone(), t.day))));
    assert!(tasks.user_task_results.iter().all(|t| (20240101..=20240310).contains(&t.day)));
    assert_eq!(tasks.user_task_results[0].user_id, ids[0]);
    assert_eq!(tasks.user_task_results.last().unwrap().user_id, ids[119]);
    assert!(tasks.user_task_results.windows(2).all(|w| w[0].user_id != w[1].user_id || w[0].day < w[1].day));
    let jan15 = tasks.user_task_results.iter().find(|t| t.user_id == ids[7] && t.day == 20240115).unwrap();
    assert!(!jan15.records.is_empty(), "{jan15:?}");

    // 120 ids in user_flows/query.
    let flows = client
        .attendance()
        .user_flows()
        .query(
            EMP,
            UserFlowQuery::new(
                ids.clone(),
                Instant::from_unix(JAN15_0900 - 3600),
                Instant::from_unix(JAN15_0900 + 3 * 86_400),
            ),
        )
        .await
        .unwrap();
    assert_eq!(flows.len(), 720);

    // 35 ids > 10 per delete.
    let victims: Vec<String> = created.flow_records.iter().take(35).map(|f| f.record_id.clone().unwrap()).collect();
    let deleted = client.attendance().user_flows().batch_delete(victims).await.unwrap();
    assert_eq!(deleted.success_record_ids.len(), 35);
    assert!(deleted.fail_record_ids.is_empty());
    assert_eq!(daka.requests_to("/open-apis/attendance/v1/user_flows/batch_del").await, 4);
}

#[tokio::test]
async fn contact_users_create_get_delete() {
    let daka = Daka::start(None).await;
    let client = daka.client();
    let users = client.contact().users();
    let mut u = new_user("zhang3", "张三");
    u.employee_no = Some("E001".into());
    let created = users.create(&u, UserIdType::UserId).await.unwrap();
    assert_eq!(created.user_id.as_deref(), Some("zhang3"));
    assert!(created.open_id.as_deref().is_some_and(|o| o.starts_with("ou_")));
    let got = users.get(created.open_id.as_deref().unwrap(), UserIdType::OpenId).await.unwrap();
    assert_eq!(got.name.as_deref(), Some("张三"));
    users.delete("zhang3", UserIdType::UserId).await.unwrap();
    let after = users.get("zhang3", UserIdType::UserId).await;
    match after {
        Ok(u) => assert!(u.status.unwrap().is_resigned),
        Err(e) => assert!(e.is_api()),
    }
}

#[tokio::test]
async fn list_streams_end_cleanly_or_report_the_api_error() {
    // Lists are streams; against a server that serves them they page through, else the first
    // item is the API error (daka may not serve shifts/groups yet).
    let daka = Daka::start(None).await;
    let client = daka.client();
    match client.attendance().shifts().list().try_collect::<Vec<_>>().await {
        Ok(shifts) => assert!(shifts.iter().all(|s| s.shift_id.is_some())),
        Err(e) => assert!(e.is_api(), "{e:?}"),
    }
    match client.attendance().groups().list().try_collect::<Vec<_>>().await {
        Ok(groups) => assert!(groups.iter().all(|g| !g.group_id.is_empty())),
        Err(e) => assert!(e.is_api(), "{e:?}"),
    }
}

#[tokio::test]
async fn shifts_and_groups_round_trip_and_lists_stream() {
    use daka_client::attendance::MemberClockType;
    use daka_client::types::attendance::groups::Group;
    use daka_client::types::attendance::shifts::{PunchTimeRule, Shift};

    let daka = Daka::start(None).await;
    let client = daka.client();
    let ids = people(&client, 3).await;
    let shifts = client.attendance().shifts();
    let rule = PunchTimeRule {
        on_time: Some("9:00".into()),
        off_time: Some("18:00".into()),
        late_minutes_as_late: Some(1),
        late_minutes_as_lack: Some(120),
        on_advance_minutes: Some(120),
        early_minutes_as_early: Some(1),
        early_minutes_as_lack: Some(120),
        off_delay_minutes: Some(240),
        ..PunchTimeRule::default()
    };
    let shift = Shift {
        shift_name: Some("Day shift".into()),
        punch_times: Some(1),
        punch_time_rule: Some(vec![rule]),
        ..Shift::default()
    };
    let created = shifts.create(&shift, None).await.unwrap();
    let shift_id = created.shift_id.clone().unwrap();
    assert_eq!(shifts.get(&shift_id).await.unwrap().shift_name.as_deref(), Some("Day shift"));
    assert_eq!(shifts.query_by_name("Day shift").await.unwrap().shift_id.as_deref(), Some(shift_id.as_str()));
    let listed: Vec<_> = shifts.list().try_collect().await.unwrap();
    assert!(listed.iter().any(|s| s.shift_id.as_deref() == Some(shift_id.as_str())));

    let group = Group {
        group_name: Some("Office".into()),
        time_zone: Some("Asia/Shanghai".into()),
        group_type: Some(0),
        bind_user_ids: Some(ids.clone()),
        group_leader_ids: Some(vec![ids[0].clone()]),
        punch_day_shift_ids: Some(vec![
            shift_id.clone(),
            shift_id.clone(),
            shift_id.clone(),
            shift_id.clone(),
            shift_id.clone(),
            "0".into(),
            "0".into(),
        ]),
        calendar_id: Some(0),
        ..Group::default()
    };
    let groups = client.attendance().groups();
    let g = groups.create(EMP, group, None).await.unwrap();
    let group_id = g.group_id.clone().unwrap();
    assert_eq!(groups.get(&group_id, EMP).await.unwrap().group_name.as_deref(), Some("Office"));
    assert!(groups.search("Office", None).await.unwrap().iter().any(|m| m.group_id == group_id));
    let all: Vec<_> = groups.list().try_collect().await.unwrap();
    assert!(all.iter().any(|m| m.group_id == group_id));
    let members: Vec<_> = groups.list_user(&group_id, EMP, MemberClockType::All).try_collect().await.unwrap();
    assert_eq!(members.len(), 3, "{members:?}");

    // The shift is in use: deleting it is refused with an API error.
    assert!(shifts.delete(&shift_id).await.unwrap_err().is_api());
    groups.delete(&group_id).await.unwrap();
}
