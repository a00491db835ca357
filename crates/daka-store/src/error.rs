//! Domain failures of store operations.

/// What went wrong in a store operation, in domain terms; the server maps each to its Feishu code.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A request field is invalid; the message names the field.
    #[error("{0}")]
    Invalid(String),
    /// Ids that resolve to no person (at the relevant instant).
    #[error("user_id is not exist or does not have permission: {}", .0.join(", "))]
    UnknownUsers(Vec<String>),
    /// A unique attribute is already held by an employed person.
    #[error("{field} {value} is already used by an employed person")]
    Conflict {
        /// The field, e.g. `user_id`.
        field: &'static str,
        /// The value.
        value: String,
    },
    /// The addressed object does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// App credentials are wrong.
    #[error("app_id or app_secret is invalid")]
    BadCredentials,
    /// The database failed.
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    /// The embedded database failed on the bulk write path.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Migrations failed.
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Stored data could not be decoded.
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
}

/// Result of store operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;
