//! Typed views of the string enums of attendance results, keeping unknown values rather than
//! rejecting them.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
            /// A value this version does not know, kept as sent.
            Unknown(String),
        }

        impl $name {
            /// Parses the wire spelling; unknown spellings become `Unknown`.
            pub fn parse(s: &str) -> Self {
                match s {
                    $($wire => $name::$variant,)*
                    other => $name::Unknown(other.to_owned()),
                }
            }

            /// The wire spelling.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)*
                    $name::Unknown(s) => s,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name::parse(s)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                Ok($name::parse(&String::deserialize(d)?))
            }
        }
    };
}

string_enum! {
    /// A punch result (`check_in_result`, `check_out_result`, event `current_status`, flow
    /// `check_result`).
    CheckResult {
        /// 无需打卡.
        NoNeedCheck = "NoNeedCheck",
        /// 系统打卡 (deprecated).
        SystemCheck = "SystemCheck",
        /// 正常.
        Normal = "Normal",
        /// 早退.
        Early = "Early",
        /// 迟到.
        Late = "Late",
        /// 严重迟到 (flows only).
        SeriousLate = "SeriousLate",
        /// 缺卡.
        Lack = "Lack",
        /// 无效.
        Invalid = "Invalid",
        /// 无状态.
        None = "None",
        /// 未打卡 (the window is still open).
        Todo = "Todo",
        /// 待生效 (flows).
        PendingApproval = "PendingApproval",
        /// Empty (e.g. `before_status` of a first result).
        Empty = "",
    }
}

string_enum! {
    /// Why a result is what it is (`check_in_result_supplement`, event `current_supplement`).
    Supplement {
        /// 无.
        None = "None",
        /// 管理员修改.
        ManagerModification = "ManagerModification",
        /// 补卡通过.
        CardReplacement = "CardReplacement",
        /// 换班.
        ShiftChange = "ShiftChange",
        /// 出差.
        Travel = "Travel",
        /// 请假.
        Leave = "Leave",
        /// 外出.
        GoOut = "GoOut",
        /// 补卡申请中.
        CardReplacementApplication = "CardReplacementApplication",
        /// 外勤打卡.
        FieldPunch = "FieldPunch",
        /// Empty.
        Empty = "",
    }
}

/// Typed accessors on a result record ([`TaskResult`](daka_types::attendance::user_tasks::TaskResult)).
pub trait TaskResultExt {
    /// `check_in_result`, typed.
    fn check_in(&self) -> CheckResult;
    /// `check_out_result`, typed.
    fn check_out(&self) -> CheckResult;
    /// `check_in_result_supplement`, typed.
    fn check_in_supplement(&self) -> Supplement;
    /// `check_out_result_supplement`, typed.
    fn check_out_supplement(&self) -> Supplement;
    /// `check_in_shift_time`, typed (None when empty or malformed).
    fn check_in_shift_time(&self) -> Option<daka_types::day::Instant>;
    /// `check_out_shift_time`, typed.
    fn check_out_shift_time(&self) -> Option<daka_types::day::Instant>;
}

impl TaskResultExt for daka_types::attendance::user_tasks::TaskResult {
    fn check_in(&self) -> CheckResult {
        CheckResult::parse(&self.check_in_result)
    }
    fn check_out(&self) -> CheckResult {
        CheckResult::parse(&self.check_out_result)
    }
    fn check_in_supplement(&self) -> Supplement {
        Supplement::parse(&self.check_in_result_supplement)
    }
    fn check_out_supplement(&self) -> Supplement {
        Supplement::parse(&self.check_out_result_supplement)
    }
    fn check_in_shift_time(&self) -> Option<daka_types::day::Instant> {
        daka_types::day::Instant::parse_wire(&self.check_in_shift_time)
    }
    fn check_out_shift_time(&self) -> Option<daka_types::day::Instant> {
        daka_types::day::Instant::parse_wire(&self.check_out_shift_time)
    }
}

/// Typed accessors on a day result ([`UserTask`](daka_types::attendance::user_tasks::UserTask)).
pub trait UserTaskExt {
    /// `day`, typed (None if malformed).
    fn day(&self) -> Option<daka_types::day::Day>;
    /// True when the person is in no attendance group (`group_id` `"1"`).
    fn in_no_group(&self) -> bool;
}

impl UserTaskExt for daka_types::attendance::user_tasks::UserTask {
    fn day(&self) -> Option<daka_types::day::Day> {
        daka_types::day::Day::from_yyyymmdd(self.day)
    }
    fn in_no_group(&self) -> bool {
        self.group_id == "1"
    }
}

/// Typed accessors on a punch record ([`UserFlow`](daka_types::attendance::user_flows::UserFlow)).
pub trait UserFlowExt {
    /// `check_time`, typed.
    fn check_instant(&self) -> Option<daka_types::day::Instant>;
    /// `check_result`, typed.
    fn result(&self) -> Option<CheckResult>;
}

impl UserFlowExt for daka_types::attendance::user_flows::UserFlow {
    fn check_instant(&self) -> Option<daka_types::day::Instant> {
        self.check_time.as_deref().and_then(daka_types::day::Instant::parse_wire)
    }
    fn result(&self) -> Option<CheckResult> {
        self.check_result.as_deref().map(CheckResult::parse)
    }
}
