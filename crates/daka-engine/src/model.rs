//! Input and output types of the engine.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A result of one side (on or off) of a punch pair, exactly the Feishu wire strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CheckResult {
    /// `NoNeedCheck` 无需打卡.
    NoNeedCheck,
    /// `SystemCheck` 系统打卡 (deprecated by Feishu; the engine never produces it).
    SystemCheck,
    /// `Normal` 正常.
    Normal,
    /// `Early` 早退.
    Early,
    /// `Late` 迟到 (serious lateness is flagged in [`SideOutcome::serious_late`]).
    Late,
    /// `Lack` 缺卡.
    Lack,
    /// `Todo` 未打卡 (window still open or in the future).
    Todo,
}

impl CheckResult {
    /// All values, in declaration order.
    pub const ALL: [CheckResult; 7] =
        [Self::NoNeedCheck, Self::SystemCheck, Self::Normal, Self::Early, Self::Late, Self::Lack, Self::Todo];

    /// The Feishu wire string, e.g. `"Normal"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoNeedCheck => "NoNeedCheck",
            Self::SystemCheck => "SystemCheck",
            Self::Normal => "Normal",
            Self::Early => "Early",
            Self::Late => "Late",
            Self::Lack => "Lack",
            Self::Todo => "Todo",
        }
    }
}

impl fmt::Display for CheckResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CheckResult {
    type Err = String;
    /// Parses the exact wire string.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| format!("unknown check result {s:?}"))
    }
}

/// Feishu supplement values (`check_in_result_supplement` / `check_out_result_supplement`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Supplement {
    /// `None` 无.
    #[default]
    None,
    /// `ManagerModification` 管理员修改: the deciding punch has source 1.
    ManagerModification,
    /// `CardReplacement` 补卡通过: the deciding punch has source 2 (approved remedy).
    CardReplacement,
    /// `ShiftChange` 换班 (never produced by the engine; the caller resolves shift swaps).
    ShiftChange,
    /// `Travel` 出差: an approved trip covers the side.
    Travel,
    /// `Leave` 请假: an approved leave covers the side.
    Leave,
    /// `GoOut` 外出: an approved out covers the side.
    GoOut,
    /// `CardReplacementApplication` 补卡申请中: a remedy for this side is pending.
    CardReplacementApplication,
    /// `FieldPunch` 外勤打卡: the deciding punch is a field punch.
    FieldPunch,
}

impl Supplement {
    /// All values, in declaration order.
    pub const ALL: [Supplement; 9] = [
        Self::None,
        Self::ManagerModification,
        Self::CardReplacement,
        Self::ShiftChange,
        Self::Travel,
        Self::Leave,
        Self::GoOut,
        Self::CardReplacementApplication,
        Self::FieldPunch,
    ];

    /// The Feishu wire string, e.g. `"CardReplacement"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "None",
            Self::ManagerModification => "ManagerModification",
            Self::CardReplacement => "CardReplacement",
            Self::ShiftChange => "ShiftChange",
            Self::Travel => "Travel",
            Self::Leave => "Leave",
            Self::GoOut => "GoOut",
            Self::CardReplacementApplication => "CardReplacementApplication",
            Self::FieldPunch => "FieldPunch",
        }
    }
}

impl fmt::Display for Supplement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Supplement {
    type Err = String;
    /// Parses the exact wire string.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| format!("unknown supplement {s:?}"))
    }
}

/// One side of a punch pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Side {
    /// 上班 (check-in).
    On,
    /// 下班 (check-out).
    Off,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::On => "on",
            Side::Off => "off",
        })
    }
}

/// One on/off pair of a shift (Feishu `punch_time_rule`). Clock times are minutes after the
/// local midnight of the attendance day and may exceed 1440 ("26:00" = 1560).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PunchPair {
    /// `on_time` in minutes.
    pub on_minute: i32,
    /// `off_time` in minutes.
    pub off_minute: i32,
    /// Late by more than this many minutes → `Late`.
    pub late_minutes_as_late: i32,
    /// Late by more than this many minutes → `Lack` (checked before `Late`).
    pub late_minutes_as_lack: i32,
    /// Late by more than this many minutes → serious late (pair level; the shift level wins).
    pub late_minutes_as_serious_late: Option<i32>,
    /// The on window opens this many minutes before `on_time` (0..=720).
    pub on_advance_minutes: i32,
    /// Early by more than this many minutes → `Early`.
    pub early_minutes_as_early: i32,
    /// Early by more than this many minutes → `Lack` (checked before `Early`).
    pub early_minutes_as_lack: i32,
    /// The off window closes this many minutes after `off_time` (0..=960).
    pub off_delay_minutes: i32,
    /// The on side needs no punch.
    pub no_need_on: bool,
    /// The off side needs no punch (overrides `Shift::no_need_off` when true).
    pub no_need_off: bool,
}

impl PunchPair {
    /// A pair with the given clock minutes and all thresholds 0, advance 120, delay 240
    /// (convenience for tests and callers that fill fields afterwards).
    pub fn new(on_minute: i32, off_minute: i32) -> Self {
        PunchPair {
            on_minute,
            off_minute,
            late_minutes_as_late: 0,
            late_minutes_as_lack: 0,
            late_minutes_as_serious_late: None,
            on_advance_minutes: 120,
            early_minutes_as_early: 0,
            early_minutes_as_lack: 0,
            off_delay_minutes: 240,
            no_need_on: false,
            no_need_off: false,
        }
    }
}

/// Flexible (弹性) allowance: `flexible_rule` or `flexible_minutes` for both.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Flexible {
    /// 上班最多可晚到 (minutes): arriving up to this late is not late; check-out moves later.
    pub late_minutes: i32,
    /// 下班最多可早走 (minutes): arriving up to this early moves the check-out earlier.
    pub early_minutes: i32,
}

/// A shift (Feishu shift object, the parts that affect results).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shift {
    /// `shift_id`.
    pub id: String,
    /// `shift_name`.
    pub name: String,
    /// `punch_time_rule`, 1..=3 pairs (the engine tolerates any count, see `validate_shift`).
    pub pairs: Vec<PunchPair>,
    /// Flexible allowance, applied to the first pair.
    pub flexible: Option<Flexible>,
    /// Shift-level serious-late threshold; wins over the pair's.
    pub late_minutes_as_serious_late: Option<i32>,
    /// Shift-level `no_need_off`: applies to the LAST pair's off side.
    pub no_need_off: bool,
    /// `rest_time_rule` (begin, end) minutes. Does not affect results.
    pub rest_breaks: Vec<(i32, i32)>,
    /// `overtime_rule` (on, off) minutes; reported as `task_shift_type` 1 records on request.
    pub overtime: Vec<(i32, i32)>,
}

impl Shift {
    /// A shift with the given pairs and everything else empty.
    pub fn new(id: impl Into<String>, name: impl Into<String>, pairs: Vec<PunchPair>) -> Self {
        Shift {
            id: id.into(),
            name: name.into(),
            pairs,
            flexible: None,
            late_minutes_as_serious_late: None,
            no_need_off: false,
            rest_breaks: Vec::new(),
            overtime: Vec::new(),
        }
    }
}

/// Free-shift (自由班制) rule for one working day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FreeRule {
    /// `free_start_time` in minutes.
    pub start_minute: i32,
    /// `free_end_time` in minutes (may exceed 1440).
    pub end_minute: i32,
    /// `work_hours` in minutes when `work_hours_demand` is on.
    pub work_hours_minutes: Option<i32>,
    /// `work_day_no_punch_as_lack`.
    pub no_punch_as_lack: bool,
}

/// What a person must do on one attendance day, already resolved by the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DayKind {
    /// A working day with this shift.
    Work(Shift),
    /// A rest day (weekly rest, holiday, shift_id "0").
    Rest,
    /// The person is in no attendance group (group_id "1").
    NoGroup,
    /// A working day of a free group.
    Free(FreeRule),
}

/// One person's resolved plan for one attendance day.
#[derive(Clone, Debug, PartialEq)]
pub struct DayPlan {
    /// The attendance day (local date in `time_zone`).
    pub day: jiff::civil::Date,
    /// The group's time zone.
    pub time_zone: jiff::tz::TimeZone,
    /// What the day asks for.
    pub kind: DayKind,
    /// False for `bind_default_user_ids` members: every side becomes `NoNeedCheck`.
    pub need_punch: bool,
}

/// How a punch was created: Feishu `user_flow.type` 0..7, kept as the raw `u8`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(transparent)]
pub struct PunchSource(pub u8);

impl PunchSource {
    /// 0 用户打卡.
    pub const USER: PunchSource = PunchSource(0);
    /// 1 管理员修改.
    pub const MANAGER_MODIFICATION: PunchSource = PunchSource(1);
    /// 2 用户补卡 (approved remedy).
    pub const REMEDY: PunchSource = PunchSource(2);
    /// 3 系统自动生成.
    pub const SYSTEM: PunchSource = PunchSource(3);
    /// 4 下班免打卡.
    pub const NO_NEED_OFF: PunchSource = PunchSource(4);
    /// 5 考勤机.
    pub const MACHINE: PunchSource = PunchSource(5);
    /// 6 极速打卡.
    pub const QUICK: PunchSource = PunchSource(6);
    /// 7 考勤开放平台导入.
    pub const IMPORT: PunchSource = PunchSource(7);
}

/// A punch (Feishu `user_flow`) as the engine sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Punch {
    /// `record_id`.
    pub record_id: i64,
    /// `check_time`, unix seconds.
    pub at: i64,
    /// `type`.
    pub source: PunchSource,
    /// `is_field`.
    pub is_field: bool,
}

/// Kind of an approved absence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AbsenceKind {
    /// 请假 → supplement `Leave`.
    Leave,
    /// 外出 → supplement `GoOut`.
    Out,
    /// 出差 → supplement `Travel`.
    Trip,
}

/// An approved leave / out / trip covering `[start, end)` (unix seconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Absence {
    /// Which kind.
    pub kind: AbsenceKind,
    /// Start, unix seconds.
    pub start: i64,
    /// End, unix seconds.
    pub end: i64,
}

/// A pending remedy (补卡申请中) for one side of one pair (`punch_no` = pair index, 0-based).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingRemedy {
    /// 0-based index of the normal pair (`punch_no`).
    pub pair_index: usize,
    /// Which side.
    pub side: Side,
}

/// Everything `evaluate` needs for one person-day.
#[derive(Clone, Copy, Debug)]
pub struct DayInput<'a> {
    /// The resolved plan.
    pub plan: &'a DayPlan,
    /// Punches in any order; may include punches outside the windows.
    pub punches: &'a [Punch],
    /// Approved absences (status 2 only).
    pub absences: &'a [Absence],
    /// Pending remedies (status 0 only).
    pub pending_remedies: &'a [PendingRemedy],
    /// The evaluation instant (unix seconds): decides `Todo` vs `Lack`.
    pub now: i64,
    /// The previous day's last scheduled off instant (see [`crate::day_edges`]).
    pub prev_day_last_off: Option<i64>,
    /// The next day's first scheduled on instant (see [`crate::day_edges`]).
    pub next_day_first_on: Option<i64>,
    /// The previous day's last window end (inclusive). When given together with
    /// `prev_day_last_off` the day boundary is computed exactly like the boundary between two
    /// pairs of one day; when absent the boundary is always the midpoint.
    pub prev_day_last_window_end: Option<i64>,
    /// The next day's first window start. Same role as `prev_day_last_window_end`.
    pub next_day_first_window_start: Option<i64>,
    /// Also produce overtime records (`task_shift_type` 1), Feishu `need_overtime_result`.
    pub include_overtime: bool,
}

impl<'a> DayInput<'a> {
    /// An input with no absences, no remedies, no neighbours and no overtime.
    pub fn new(plan: &'a DayPlan, punches: &'a [Punch], now: i64) -> Self {
        DayInput {
            plan,
            punches,
            absences: &[],
            pending_remedies: &[],
            now,
            prev_day_last_off: None,
            next_day_first_on: None,
            prev_day_last_window_end: None,
            next_day_first_window_start: None,
            include_overtime: false,
        }
    }

    /// Fills the four neighbour fields from the previous and next day's plans
    /// (via [`crate::day_edges`]), so that one punch never serves two days.
    pub fn with_neighbours(mut self, prev: Option<&DayPlan>, next: Option<&DayPlan>) -> Self {
        let p = prev.and_then(crate::day_edges);
        let n = next.and_then(crate::day_edges);
        self.prev_day_last_off = p.map(|e| e.last_off);
        self.prev_day_last_window_end = p.map(|e| e.last_window_end);
        self.next_day_first_on = n.map(|e| e.first_on);
        self.next_day_first_window_start = n.map(|e| e.first_window_start);
        self
    }
}

/// The scheduled and window edges of a day, used to split punches between neighbouring days.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayEdges {
    /// Earliest scheduled on instant (pairs and overtime segments).
    pub first_on: i64,
    /// Earliest window start (inclusive).
    pub first_window_start: i64,
    /// Latest scheduled off instant.
    pub last_off: i64,
    /// Latest window end (inclusive).
    pub last_window_end: i64,
}

/// The outcome of one side.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SideOutcome {
    /// `check_in_result` / `check_out_result`.
    pub result: CheckResult,
    /// `check_*_result_supplement`.
    pub supplement: Supplement,
    /// `check_*_record_id`: the deciding punch.
    pub record_id: Option<i64>,
    /// `check_in_record.check_result == "SeriousLate"` (only ever set with result `Late`).
    pub serious_late: bool,
    /// Late (on side) or early (off side) minutes of the deciding punch, 0 when none.
    pub minutes_off: i32,
}

impl SideOutcome {
    pub(crate) const fn plain(result: CheckResult) -> Self {
        SideOutcome { result, supplement: Supplement::None, record_id: None, serious_late: false, minutes_off: 0 }
    }
}

/// One `task_result` record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairOutcome {
    /// Scheduled on instant (`check_in_shift_time`), unix seconds.
    pub shift_on: i64,
    /// Scheduled off instant (`check_out_shift_time`), unix seconds.
    pub shift_off: i64,
    /// 0 normal, 1 overtime.
    pub task_shift_type: u8,
    /// The on side.
    pub check_in: SideOutcome,
    /// The off side.
    pub check_out: SideOutcome,
}

/// The full result of `evaluate`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DayOutcome {
    /// Records in pair order, then overtime records.
    pub records: Vec<PairOutcome>,
    /// Why.
    pub explanation: crate::Explanation,
}
