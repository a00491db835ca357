//! Deserializers that accept the spellings real clients send for one logical value.

use serde::{de, Deserialize, Deserializer};

/// Accepts a JSON string or integer and yields it as a string (Feishu instants are strings of
/// Unix seconds, but hand-written clients often send numbers).
pub fn opt_string_or_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum StrOrInt {
        S(String),
        I(i64),
        U(u64),
    }
    Ok(match Option::<StrOrInt>::deserialize(d)? {
        None => None,
        Some(StrOrInt::S(s)) => Some(s),
        Some(StrOrInt::I(i)) => Some(i.to_string()),
        Some(StrOrInt::U(u)) => Some(u.to_string()),
    })
}

/// Parses a query-string boolean as the official SDKs send it: `true`/`false` (Node, Go) and
/// `True`/`False` (Python's `str(bool)`), plus `1`/`0`.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "true" | "True" | "TRUE" | "1" => Some(true),
        "false" | "False" | "FALSE" | "0" => Some(false),
        _ => None,
    }
}

/// Deserializes a boolean that may arrive as a JSON bool or as one of the strings [`parse_bool`]
/// accepts.
pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum BoolOrStr {
        B(bool),
        S(String),
    }
    match Option::<BoolOrStr>::deserialize(d)? {
        None => Ok(None),
        Some(BoolOrStr::B(b)) => Ok(Some(b)),
        Some(BoolOrStr::S(s)) => {
            parse_bool(&s).map(Some).ok_or_else(|| de::Error::custom(format!("invalid boolean {s:?}")))
        }
    }
}
