//! `contact/v3`: the users subset.

pub mod users;
