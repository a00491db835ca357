// One attendance day through the official Node SDK, unchanged, against the daka at DAKA_URL:
// a user, a 9:00–18:00 shift, a fixed group, two punches, then the day's results and punches
// read back, and a request the API refuses. Prints what the SDK returned as one JSON object;
// tests/compat/test_node_sdk.py checks it against the rules.
import * as lark from '@larksuiteoapi/node-sdk';

const { DAKA_URL, APP_ID, APP_SECRET, USER_ID } = process.env;
const client = new lark.Client({
  appId: APP_ID,
  appSecret: APP_SECRET,
  domain: DAKA_URL,
  loggerLevel: lark.LoggerLevel.fatal,
});

function ok(name, resp) {
  if (!resp || resp.code !== 0) {
    throw new Error(`${name}: ${JSON.stringify(resp)}`);
  }
  return resp.data;
}

// Refusals come back as HTTP 4xx, which the SDK raises; the body is the API's answer.
async function refused(call) {
  try {
    return await call();
  } catch (e) {
    if (e.response && e.response.data) return e.response.data;
    throw e;
  }
}

// 2026-01-05 (a Monday) in Asia/Shanghai, Unix seconds.
const at = (hh, mm) => String(Date.UTC(2026, 0, 5, hh - 8, mm) / 1000);
const employee = { employee_type: 'employee_id' };

ok('contact.v3.user.create', await client.contact.v3.user.create({
  params: { user_id_type: 'user_id' },
  data: { user_id: USER_ID, name: 'Node 用户', department_ids: ['0'], employee_type: 1, mobile: '+8613800000001' },
}));
const shift = ok('attendance.v1.shift.create', await client.attendance.v1.shift.create({
  params: employee,
  data: {
    shift_name: `node-${USER_ID}`,
    punch_times: 1,
    punch_time_rule: [{
      on_time: '9:00', off_time: '18:00', late_minutes_as_late: 5, late_minutes_as_lack: 60,
      on_advance_minutes: 120, early_minutes_as_early: 5, early_minutes_as_lack: 60, off_delay_minutes: 240,
    }],
  },
})).shift;
const sid = shift.shift_id;
const group = ok('attendance.v1.group.create', await client.attendance.v1.group.create({
  params: { employee_type: 'employee_id', dept_type: 'open_id' },
  data: {
    group: {
      group_name: `node-${USER_ID}`, time_zone: 'Asia/Shanghai', group_type: 0, calendar_id: 0,
      bind_user_ids: [USER_ID], group_leader_ids: [USER_ID], effect_now: true,
      punch_day_shift_ids: [sid, sid, sid, sid, sid, '0', '0'],
    },
  },
})).group;
const flow = (t, comment) => ({ user_id: USER_ID, creator_id: USER_ID, location_name: '西溪八方城', check_time: t, comment });
const created = ok('attendance.v1.userFlow.batchCreate', await client.attendance.v1.userFlow.batchCreate({
  params: employee,
  data: { flow_records: [flow(at(9, 12), '上班打卡'), flow(at(18, 3), '下班打卡')] },
})).flow_records;
const tasks = ok('attendance.v1.userTask.query', await client.attendance.v1.userTask.query({
  params: employee,
  data: { user_ids: [USER_ID], check_date_from: 20260105, check_date_to: 20260106 },
})).user_task_results;
const tooMany = await refused(() => client.attendance.v1.userFlow.batchCreate({
  params: employee,
  data: { flow_records: Array.from({ length: 51 }, () => flow(at(9, 0), 'x')) },
}));

const flows = ok('attendance.v1.userFlow.query', await client.attendance.v1.userFlow.query({
  params: employee,
  data: { user_ids: [USER_ID], check_time_from: at(0, 0), check_time_to: at(23, 59) },
})).user_flow_results;
console.log(JSON.stringify({
  shift_id: sid,
  group_id: group.group_id,
  record_ids: created.map((r) => r.record_id),
  tasks,
  flows,
  too_many: { code: tooMany.code, msg: tooMany.msg },
}));
