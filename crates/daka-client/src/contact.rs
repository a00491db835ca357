//! `contact/v3/users`: the subset needed to manage the people attendance is about.

use daka_types::contact::{User, UserData};
use daka_types::envelope::Empty;
use reqwest::Method;

use crate::client::Call;
use crate::{Client, Error, Result};

/// Which id a contact call reads and writes (`user_id_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UserIdType {
    /// App-scoped `ou_…` (the platform default).
    #[default]
    OpenId,
    /// Developer-scoped `on_…`.
    UnionId,
    /// Tenant-scoped user id (= attendance `employee_id`).
    UserId,
}

impl UserIdType {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            UserIdType::OpenId => "open_id",
            UserIdType::UnionId => "union_id",
            UserIdType::UserId => "user_id",
        }
    }
}

/// The contact API.
#[derive(Debug, Clone, Copy)]
pub struct Contact<'a> {
    pub(crate) client: &'a Client,
}

impl<'a> Contact<'a> {
    /// Users: create, get, delete.
    pub fn users(&self) -> Users<'a> {
        Users { client: self.client }
    }
}

/// `POST /contact/v3/users`, `GET /contact/v3/users/:id`, `DELETE /contact/v3/users/:id`.
#[derive(Debug, Clone, Copy)]
pub struct Users<'a> {
    pub(crate) client: &'a Client,
}

fn check_id(id: &str) -> Result<()> {
    if id.is_empty() || id.contains('/') {
        return Err(Error::Invalid(format!("user id {id:?}")));
    }
    Ok(())
}

impl Users<'_> {
    /// Creates a user; ids in the answer are as `id_type` says.
    pub async fn create(&self, user: &User, id_type: UserIdType) -> Result<User> {
        let call = Call::new(Method::POST, "/open-apis/contact/v3/users", "contact.users.create")
            .query("user_id_type", id_type.as_str())
            .body(user)?;
        Ok(self.client.call::<UserData>(&call).await?.data.user)
    }

    /// One user by id.
    pub async fn get(&self, user_id: &str, id_type: UserIdType) -> Result<User> {
        check_id(user_id)?;
        let call = Call::new(Method::GET, format!("/open-apis/contact/v3/users/{user_id}"), "contact.users.get")
            .query("user_id_type", id_type.as_str());
        Ok(self.client.call::<UserData>(&call).await?.data.user)
    }

    /// Deletes a user (for attendance: the person leaves now; their records are kept).
    pub async fn delete(&self, user_id: &str, id_type: UserIdType) -> Result<()> {
        check_id(user_id)?;
        let call = Call::new(Method::DELETE, format!("/open-apis/contact/v3/users/{user_id}"), "contact.users.delete")
            .query("user_id_type", id_type.as_str());
        self.client.call::<Empty>(&call).await?;
        Ok(())
    }
}

/// A user to create: `name` and the tenant-scoped `user_id` (which attendance calls it
/// `employee_id`).
pub fn new_user(user_id: impl Into<String>, name: impl Into<String>) -> User {
    User { user_id: Some(user_id.into()), name: Some(name.into()), ..User::default() }
}
