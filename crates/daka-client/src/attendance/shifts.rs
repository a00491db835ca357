//! `shifts`: shift definitions (班次).

use daka_types::attendance::shifts::{CreateShiftData, ListShiftData, Shift};
use daka_types::attendance::EmployeeType;
use daka_types::envelope::Empty;
use futures_core::Stream;
use reqwest::Method;

use super::{paginate, PAGE_SIZE, PREFIX};
use crate::client::Call;
use crate::{Client, Error, Result};

/// Shifts: `POST /shifts`, `DELETE /shifts/:id`, `GET /shifts/:id`, `POST /shifts/query`,
/// `GET /shifts`.
#[derive(Debug, Clone, Copy)]
pub struct Shifts<'a> {
    pub(crate) client: &'a Client,
}

fn check_id(id: &str) -> Result<()> {
    if id.is_empty() || id.contains('/') {
        return Err(Error::Invalid(format!("id {id:?}")));
    }
    Ok(())
}

impl Shifts<'_> {
    /// Creates a shift (创建班次), or edits the shift whose id is in `shift.id`. `shift_name`,
    /// `punch_times` and `punch_time_rule` are required. `employee_type` reads
    /// `sub_shift_leader_ids`.
    pub async fn create(&self, shift: &Shift, employee_type: Option<EmployeeType>) -> Result<Shift> {
        let call = Call::new(Method::POST, format!("{PREFIX}/shifts"), "shifts.create")
            .query_opt("employee_type", employee_type.map(EmployeeType::as_str))
            .body(shift)?;
        Ok(self.client.call::<CreateShiftData>(&call).await?.data.shift)
    }

    /// Deletes a shift (fails while a group uses it).
    pub async fn delete(&self, shift_id: &str) -> Result<()> {
        check_id(shift_id)?;
        let call = Call::new(Method::DELETE, format!("{PREFIX}/shifts/{shift_id}"), "shifts.delete");
        self.client.call::<Empty>(&call).await?;
        Ok(())
    }

    /// One shift by id.
    pub async fn get(&self, shift_id: &str) -> Result<Shift> {
        check_id(shift_id)?;
        let call = Call::new(Method::GET, format!("{PREFIX}/shifts/{shift_id}"), "shifts.get");
        Ok(self.client.call::<Shift>(&call).await?.data)
    }

    /// One shift by its exact name (`POST /shifts/query?shift_name=`).
    pub async fn query_by_name(&self, shift_name: &str) -> Result<Shift> {
        let call = Call::new(Method::POST, format!("{PREFIX}/shifts/query"), "shifts.query")
            .query("shift_name", shift_name)
            .body(&serde_json::json!({}))?;
        Ok(self.client.call::<Shift>(&call).await?.data)
    }

    /// One page of shifts (`page_size` 1–50; `page_token` from the previous page).
    pub async fn list_page(&self, page_size: u32, page_token: Option<&str>) -> Result<ListShiftData> {
        let call = Call::new(Method::GET, format!("{PREFIX}/shifts"), "shifts.list")
            .query("page_size", page_size.clamp(1, 50))
            .query_opt("page_token", page_token);
        Ok(self.client.call::<ListShiftData>(&call).await?.data)
    }

    /// Every shift of the tenant, page after page, as a stream.
    pub fn list(&self) -> impl Stream<Item = Result<Shift>> + Send + 'static {
        let client = self.client.clone();
        paginate(move |token| {
            let client = client.clone();
            async move {
                let page = client.attendance().shifts().list_page(PAGE_SIZE, token.as_deref()).await?;
                Ok((page.shift_list, page.has_more, page.page_token))
            }
        })
    }
}
