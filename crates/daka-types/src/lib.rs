//! Wire models of the Feishu/Lark open API subset daka serves, shared by the server and `daka-client`.
//!
//! Field names are exactly those on the wire. Every field is optional in the struct so one model
//! serves requests and responses and unknown or missing fields never break decoding; the server
//! validates which fields a request requires.

pub mod attendance;
pub mod auth;
pub mod contact;
pub mod day;
pub mod envelope;
pub mod lenient;
pub mod pbbp2;

pub use envelope::Envelope;
