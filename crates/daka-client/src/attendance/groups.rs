//! `groups`: attendance groups (考勤组).

use daka_types::attendance::groups::{
    CreateGroupData, CreateGroupRequest, Group, GroupListData, GroupMeta, ListGroupUserData, SearchGroupRequest,
    UserBase,
};
use daka_types::attendance::EmployeeType;
use daka_types::envelope::Empty;
use futures_core::Stream;
use reqwest::Method;

use super::{paginate, PAGE_SIZE, PREFIX};
use crate::client::Call;
use crate::{Client, Error, Result};

/// Attendance groups: `POST /groups`, `DELETE /groups/:id`, `GET /groups/:id`,
/// `POST /groups/search`, `GET /groups`, `GET /groups/:id/list_user`.
#[derive(Debug, Clone, Copy)]
pub struct Groups<'a> {
    pub(crate) client: &'a Client,
}

/// Which members `list_user` returns (`member_clock_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MemberClockType {
    /// Everyone (0).
    #[default]
    All,
    /// Members who must punch (1).
    NeedPunch,
    /// Members who need not punch (2).
    NoNeedPunch,
}

impl MemberClockType {
    fn wire(self) -> i32 {
        match self {
            MemberClockType::All => 0,
            MemberClockType::NeedPunch => 1,
            MemberClockType::NoNeedPunch => 2,
        }
    }
}

const DEPT_TYPE: &str = "open_id";

fn check_id(id: &str) -> Result<()> {
    if id.is_empty() || id.contains('/') {
        return Err(Error::Invalid(format!("id {id:?}")));
    }
    Ok(())
}

impl Groups<'_> {
    /// Creates a group (创建或修改考勤组), or overwrites the group whose id is in
    /// `group.group_id` (a full overwrite: send every field; `locations` only appends).
    pub async fn create(
        &self,
        employee_type: EmployeeType,
        group: Group,
        operator_id: Option<String>,
    ) -> Result<Group> {
        let call = Call::new(Method::POST, format!("{PREFIX}/groups"), "groups.create")
            .query("employee_type", employee_type.as_str())
            .query("dept_type", DEPT_TYPE)
            .body(&CreateGroupRequest { group: Some(group), operator_id })?;
        Ok(self.client.call::<CreateGroupData>(&call).await?.data.group)
    }

    /// Deletes a group.
    pub async fn delete(&self, group_id: &str) -> Result<()> {
        check_id(group_id)?;
        let call = Call::new(Method::DELETE, format!("{PREFIX}/groups/{group_id}"), "groups.delete");
        self.client.call::<Empty>(&call).await?;
        Ok(())
    }

    /// One group by id.
    pub async fn get(&self, group_id: &str, employee_type: EmployeeType) -> Result<Group> {
        check_id(group_id)?;
        let call = Call::new(Method::GET, format!("{PREFIX}/groups/{group_id}"), "groups.get")
            .query("employee_type", employee_type.as_str())
            .query("dept_type", DEPT_TYPE);
        Ok(self.client.call::<Group>(&call).await?.data)
    }

    /// Groups whose name matches (at most 10, most recently modified first).
    pub async fn search(&self, group_name: &str, exactly_matched: Option<bool>) -> Result<Vec<GroupMeta>> {
        let call = Call::new(Method::POST, format!("{PREFIX}/groups/search"), "groups.search")
            .body(&SearchGroupRequest { group_name: Some(group_name.to_owned()), exactly_matched })?;
        Ok(self.client.call::<GroupListData>(&call).await?.data.group_list)
    }

    /// One page of groups.
    pub async fn list_page(&self, page_size: u32, page_token: Option<&str>) -> Result<GroupListData> {
        let call = Call::new(Method::GET, format!("{PREFIX}/groups"), "groups.list")
            .query("page_size", page_size.clamp(1, 50))
            .query_opt("page_token", page_token);
        Ok(self.client.call::<GroupListData>(&call).await?.data)
    }

    /// Every group of the tenant (id and name), as a stream.
    pub fn list(&self) -> impl Stream<Item = Result<GroupMeta>> + Send + 'static {
        let client = self.client.clone();
        paginate(move |token| {
            let client = client.clone();
            async move {
                let page = client.attendance().groups().list_page(PAGE_SIZE, token.as_deref()).await?;
                Ok((page.group_list, page.has_more.unwrap_or(false), page.page_token))
            }
        })
    }

    /// One page of a group's members.
    pub async fn list_user_page(
        &self,
        group_id: &str,
        employee_type: EmployeeType,
        member_clock_type: MemberClockType,
        page_size: u32,
        page_token: Option<&str>,
    ) -> Result<ListGroupUserData> {
        check_id(group_id)?;
        let call = Call::new(Method::GET, format!("{PREFIX}/groups/{group_id}/list_user"), "groups.list_user")
            .query("employee_type", employee_type.as_str())
            .query("dept_type", DEPT_TYPE)
            .query("member_clock_type", member_clock_type.wire())
            .query("page_size", page_size.clamp(1, 50))
            .query_opt("page_token", page_token);
        Ok(self.client.call::<ListGroupUserData>(&call).await?.data)
    }

    /// Every member of a group with their department chain, as a stream.
    pub fn list_user(
        &self,
        group_id: &str,
        employee_type: EmployeeType,
        member_clock_type: MemberClockType,
    ) -> impl Stream<Item = Result<UserBase>> + Send + 'static {
        let client = self.client.clone();
        let group_id = group_id.to_owned();
        paginate(move |token| {
            let client = client.clone();
            let group_id = group_id.clone();
            async move {
                let page = client
                    .attendance()
                    .groups()
                    .list_user_page(&group_id, employee_type, member_clock_type, PAGE_SIZE, token.as_deref())
                    .await?;
                Ok((page.users, page.has_more, page.page_token))
            }
        })
    }
}
