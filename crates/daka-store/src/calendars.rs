//! Custom holiday calendars (group `new_calendar_id`), managed with `daka calendars`.
//!
//! A calendar lists days that are holidays (rest) or working days (调休上班). A group with a
//! `new_calendar_id` uses it instead of `calendar_id`; days it does not list follow the weekly
//! pattern. Changing a calendar recomputes the members of every live group using it, from the
//! earliest changed day (at least 2022-01-01) to tomorrow.

use sqlx::{Any, Executor, Row};

use crate::shifts::{add_days, day_to_date, today_in, zone, EARLIEST_DAY};
use crate::{Error, Result, Store};

/// A calendar with the number of days it lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    /// Id (the group's `new_calendar_id`).
    pub id: i64,
    /// Tenant.
    pub tenant_id: i64,
    /// Name.
    pub name: String,
    /// Holidays listed.
    pub holidays: Vec<i32>,
    /// Working days listed.
    pub workdays: Vec<i32>,
}

impl Store {
    /// Custom calendar day kind: `Some(true)` holiday (rest), `Some(false)` working day, `None`
    /// not listed.
    pub async fn custom_calendar_day<'e, E: Executor<'e, Database = Any>>(
        exec: E,
        calendar_id: i64,
        day: i32,
    ) -> Result<Option<bool>> {
        let row = sqlx::query("SELECT holiday FROM calendar_days WHERE calendar_id = $1 AND day = $2")
            .bind(calendar_id)
            .bind(day)
            .fetch_optional(exec)
            .await?;
        row.map(|r| Ok(r.try_get::<i64, _>(0)? != 0)).transpose()
    }

    /// Creates an empty calendar.
    pub async fn create_calendar(&self, tenant_id: i64, name: &str, now: i64) -> Result<Calendar> {
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::Invalid("calendar name must not be empty".into()));
        }
        let id = self.next_id();
        let mut w = self.write().await?;
        sqlx::query("INSERT INTO calendars (id, tenant_id, name, created_at) VALUES ($1, $2, $3, $4)")
            .bind(id)
            .bind(tenant_id)
            .bind(name)
            .bind(now)
            .execute(&mut *w.tx)
            .await?;
        w.commit().await?;
        Ok(Calendar { id, tenant_id, name: name.to_owned(), holidays: Vec::new(), workdays: Vec::new() })
    }

    /// Every calendar of a tenant (all tenants when `None`), with their days.
    pub async fn calendars(&self, tenant_id: Option<i64>) -> Result<Vec<Calendar>> {
        let rows = sqlx::query("SELECT id, tenant_id, name FROM calendars ORDER BY id").fetch_all(self.pool()).await?;
        let mut out = Vec::new();
        for r in rows {
            let t: i64 = r.try_get(1)?;
            if tenant_id.is_some_and(|x| x != t) {
                continue;
            }
            let id: i64 = r.try_get(0)?;
            let days = sqlx::query("SELECT day, holiday FROM calendar_days WHERE calendar_id = $1 ORDER BY day")
                .bind(id)
                .fetch_all(self.pool())
                .await?;
            let mut cal =
                Calendar { id, tenant_id: t, name: r.try_get(2)?, holidays: Vec::new(), workdays: Vec::new() };
            for d in days {
                let day: i32 = d.try_get(0)?;
                if d.try_get::<i64, _>(1)? != 0 {
                    cal.holidays.push(day);
                } else {
                    cal.workdays.push(day);
                }
            }
            out.push(cal);
        }
        Ok(out)
    }

    /// Marks days of a calendar as holidays or working days, and removes `clear` days from it.
    /// A day listed twice takes the last kind given (`clear` last of all).
    pub async fn set_calendar_days(
        &self,
        calendar_id: i64,
        holidays: &[i32],
        workdays: &[i32],
        clear: &[i32],
        now: i64,
    ) -> Result<()> {
        for d in holidays.iter().chain(workdays).chain(clear) {
            if day_to_date(*d).is_none() {
                return Err(Error::Invalid(format!("{d} is not a date yyyyMMdd")));
            }
        }
        let mut w = self.write().await?;
        let tenant_id: i64 = sqlx::query("SELECT tenant_id FROM calendars WHERE id = $1")
            .bind(calendar_id)
            .fetch_optional(&mut *w.tx)
            .await?
            .ok_or_else(|| Error::NotFound(format!("calendar {calendar_id}")))?
            .try_get(0)?;
        for (days, holiday) in [(holidays, 1i64), (workdays, 0i64)] {
            for d in days {
                sqlx::query("DELETE FROM calendar_days WHERE calendar_id = $1 AND day = $2")
                    .bind(calendar_id)
                    .bind(*d)
                    .execute(&mut *w.tx)
                    .await?;
                sqlx::query("INSERT INTO calendar_days (calendar_id, day, holiday) VALUES ($1, $2, $3)")
                    .bind(calendar_id)
                    .bind(*d)
                    .bind(holiday)
                    .execute(&mut *w.tx)
                    .await?;
            }
        }
        for d in clear {
            sqlx::query("DELETE FROM calendar_days WHERE calendar_id = $1 AND day = $2")
                .bind(calendar_id)
                .bind(*d)
                .execute(&mut *w.tx)
                .await?;
        }
        let Some(first) = holidays.iter().chain(workdays).chain(clear).min().copied() else {
            w.commit().await?;
            return Ok(());
        };
        let first = first.max(EARLIEST_DAY);
        let mut affected = Vec::new();
        for (gid, tz) in Store::live_groups(&mut *w.tx, tenant_id).await? {
            let uses = Store::group_uses_calendar(&mut *w.tx, gid, calendar_id).await?;
            if !uses {
                continue;
            }
            let tomorrow = add_days(today_in(&zone(&tz), now), 1);
            if first > tomorrow {
                continue;
            }
            for p in Store::group_members_between(&mut *w.tx, gid, first, tomorrow).await? {
                affected.push((p, first, tomorrow));
            }
        }
        self.recompute(&mut w.tx, tenant_id, &affected, now).await?;
        w.commit().await?;
        Ok(())
    }

    async fn group_uses_calendar<'e, E: Executor<'e, Database = Any>>(
        exec: E,
        group_id: i64,
        calendar_id: i64,
    ) -> Result<bool> {
        let rows =
            sqlx::query("SELECT wire FROM group_versions WHERE group_id = $1").bind(group_id).fetch_all(exec).await?;
        let id = calendar_id.to_string();
        for r in rows {
            let wire: String = r.try_get(0)?;
            let g: daka_types::attendance::groups::Group =
                serde_json::from_str(&wire).map_err(|e| Error::Corrupt(format!("group_versions.wire: {e}")))?;
            if g.new_calendar_id.as_deref().map(str::trim) == Some(id.as_str()) {
                return Ok(true);
            }
        }
        Ok(false)
    }
}
