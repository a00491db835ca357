//! Resolving what a person must do on an attendance day — group, calendar, special days,
//! schedule, shift version — into the engine's [`DayPlan`].

use std::collections::HashMap;

use daka_engine::{DayKind, DayPlan};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use sqlx::AnyConnection;

use crate::Result;

/// Group id reported for people in no attendance group.
pub const NO_GROUP: &str = "1";
/// Shift id reported for rest days.
pub const REST_SHIFT: &str = "0";
/// The default shift's id.
pub const DEFAULT_SHIFT: &str = "9";
/// Time zone of days outside any group.
pub const DEFAULT_TIME_ZONE: &str = "Asia/Shanghai";

/// The rules of one person-day, resolved.
#[derive(Debug, Clone)]
pub struct ResolvedDay {
    /// What the engine evaluates.
    pub plan: DayPlan,
    /// Group id as reported ("1": none).
    pub group_id: String,
    /// Shift id as reported ("0": rest).
    pub shift_id: String,
}

/// Resolves person-days, remembering what it looked up within one operation.
pub(crate) struct Resolver {
    #[allow(dead_code)]
    tenant_id: i64,
    days: HashMap<(i64, Date), ResolvedDay>,
}

impl Resolver {
    /// A resolver for one tenant.
    pub fn new(tenant_id: i64) -> Self {
        Resolver { tenant_id, days: HashMap::new() }
    }

    /// The rules of `person_id` on `day`.
    pub async fn resolve(&mut self, conn: &mut AnyConnection, person_id: i64, day: Date) -> Result<ResolvedDay> {
        if let Some(r) = self.days.get(&(person_id, day)) {
            return Ok(r.clone());
        }
        let _ = conn;
        let resolved = no_group(day);
        self.days.insert((person_id, day), resolved.clone());
        Ok(resolved)
    }
}

fn no_group(day: Date) -> ResolvedDay {
    ResolvedDay {
        plan: DayPlan {
            day,
            time_zone: TimeZone::get(DEFAULT_TIME_ZONE).unwrap_or(TimeZone::UTC),
            kind: DayKind::NoGroup,
            need_punch: false,
        },
        group_id: NO_GROUP.into(),
        shift_id: DEFAULT_SHIFT.into(),
    }
}
