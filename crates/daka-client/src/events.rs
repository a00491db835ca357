//! Receiving attendance events over HTTP (the platform's "send events to developer server"
//! mode), for any web framework.
//!
//! [`Webhook::handle`] takes the request headers and the raw body bytes and:
//! 1. decrypts `{"encrypt": …}` bodies (AES-256-CBC, key = SHA-256(encrypt key), IV = the first
//!    16 bytes of the base64-decoded value);
//! 2. answers `url_verification` with `{"challenge": …}` (after checking the verification
//!    token);
//! 3. checks `X-Lark-Signature` = hex(SHA-256(timestamp + nonce + encrypt key + body)) when an
//!    encrypt key is configured;
//! 4. checks the verification token (`header.token` / `token`);
//! 5. drops repeats by `event_id` (the platform re-pushes until it gets a 200);
//! 6. decodes the two attendance events into [`AttendanceEvent`].
//!
//! Write [`WebhookOutcome::response_body`] back with HTTP 200; answer errors with a non-200 so
//! the platform retries. With the `axum` feature, [`axum::handler`] does all of that.
//!
//! [`LongConnection`] receives the same events over the platform's long connection (WebSocket)
//! instead: no public URL, no encryption, no signature; see its module documentation for the
//! protocol.

use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;

use aes::cipher::{BlockDecryptMut, KeyIvInit};
use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::model::{CheckResult, Supplement};
use crate::{Day, Error, Instant, Result};

pub mod long_connection;

pub use long_connection::{LongConnection, LongConnectionBuilder};

/// Event type of a new punch record.
pub const USER_FLOW_CREATED: &str = "attendance.user_flow.created_v1";
/// Event type of a changed attendance result.
pub const USER_TASK_UPDATED: &str = "attendance.user_task.updated_v1";

/// The `header` of a schema 2.0 event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventHeader {
    /// Unique id; repeats of one event carry the same id.
    #[serde(default)]
    pub event_id: String,
    /// E.g. `attendance.user_flow.created_v1`.
    #[serde(default)]
    pub event_type: String,
    /// Creation time, a string of Unix milliseconds.
    #[serde(default)]
    pub create_time: String,
    /// The verification token.
    #[serde(default)]
    pub token: String,
    /// The receiving app.
    #[serde(default)]
    pub app_id: String,
    /// The tenant.
    #[serde(default)]
    pub tenant_key: String,
}

/// `attendance.user_flow.created_v1`: a punch was recorded (打卡流水).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserFlowCreated {
    /// The person's user id (employee_id).
    #[serde(default)]
    pub employee_id: String,
    /// The person's staff number (may be empty).
    #[serde(default)]
    pub employee_no: String,
    /// Where.
    #[serde(default)]
    pub location_name: String,
    /// When.
    #[serde(default)]
    pub check_time: Option<Instant>,
    /// Remark.
    #[serde(default)]
    pub comment: String,
    /// The record's id.
    #[serde(default)]
    pub record_id: String,
    /// Longitude (the platform documents it as not yet returned).
    #[serde(default)]
    pub longitude: Option<f64>,
    /// Latitude.
    #[serde(default)]
    pub latitude: Option<f64>,
    /// Wi-Fi SSID.
    #[serde(default)]
    pub ssid: String,
    /// Wi-Fi MAC.
    #[serde(default)]
    pub bssid: String,
    /// Field (外勤) punch.
    #[serde(default)]
    pub is_field: bool,
    /// Wi-Fi punch.
    #[serde(default)]
    pub is_wifi: bool,
    /// How the record came to be (0 user … 7 open-platform import).
    #[serde(default, rename = "type")]
    pub r#type: i32,
    /// Photo URLs.
    #[serde(default)]
    pub photo_urls: Vec<String>,
    /// Suspected cheating: 0 none, 1 cheating software, 2 someone else's device, 3 shared device.
    #[serde(default)]
    pub risk_result: i32,
}

/// One changed side of a result in [`UserTaskUpdated`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusChange {
    /// Which on/off pair of the day (as sent; documented as a string, sent as a number).
    #[serde(default, deserialize_with = "int_or_string")]
    pub index: i64,
    /// `"on"` or `"off"`.
    #[serde(default)]
    pub work_type: String,
    /// Result before (empty for a first result).
    #[serde(default = "empty_result")]
    pub before_status: CheckResult,
    /// Result now.
    #[serde(default = "empty_result")]
    pub current_status: CheckResult,
    /// Supplement before.
    #[serde(default = "empty_supplement")]
    pub before_supplement: Supplement,
    /// Supplement now.
    #[serde(default = "empty_supplement")]
    pub current_supplement: Supplement,
}

fn empty_result() -> CheckResult {
    CheckResult::Empty
}

fn empty_supplement() -> Supplement {
    Supplement::Empty
}

fn int_or_string<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<i64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        I(i64),
        S(String),
    }
    match Raw::deserialize(d)? {
        Raw::I(i) => Ok(i),
        Raw::S(s) => s.trim().parse().map_err(serde::de::Error::custom),
    }
}

/// `attendance.user_task.updated_v1`: a person-day's result changed (用户任务状态变更).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserTaskUpdated {
    /// The person's user id (employee_id).
    #[serde(default)]
    pub employee_id: String,
    /// The person's staff number (may be empty).
    #[serde(default)]
    pub employee_no: String,
    /// The attendance group.
    #[serde(default)]
    pub group_id: String,
    /// The shift.
    #[serde(default)]
    pub shift_id: String,
    /// The attendance day.
    #[serde(default)]
    pub date: Option<Day>,
    /// The group's time zone (in the documented example, not the field table).
    #[serde(default)]
    pub time_zone: String,
    /// The result's id (in the documented example, not the field table).
    #[serde(default)]
    pub task_id: String,
    /// What changed.
    #[serde(default)]
    pub status_changes: Vec<StatusChange>,
}

/// A decoded attendance event.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum AttendanceEvent {
    /// `attendance.user_flow.created_v1`.
    UserFlowCreated(UserFlowCreated),
    /// `attendance.user_task.updated_v1`.
    UserTaskUpdated(UserTaskUpdated),
    /// Any other event type, undecoded.
    Other {
        /// The event type.
        event_type: String,
        /// The `event` object.
        event: serde_json::Value,
    },
}

/// An event: its header and its decoded body.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// The envelope header.
    pub header: EventHeader,
    /// The body.
    pub event: AttendanceEvent,
}

impl Event {
    /// Decodes a schema 2.0 envelope (plaintext JSON).
    pub fn from_json(json: &[u8]) -> Result<Event> {
        #[derive(Deserialize)]
        struct Envelope {
            #[serde(default)]
            header: EventHeader,
            #[serde(default)]
            event: serde_json::Value,
        }
        let env: Envelope = serde_json::from_slice(json).map_err(|e| Error::Webhook(format!("event envelope: {e}")))?;
        Event::from_parts(env.header, env.event)
    }

    /// Decodes an event body of the type the header names.
    pub fn from_parts(header: EventHeader, event: serde_json::Value) -> Result<Event> {
        let decode_err = |e: serde_json::Error| Error::Webhook(format!("{} body: {e}", header.event_type));
        let event = match header.event_type.as_str() {
            USER_FLOW_CREATED => AttendanceEvent::UserFlowCreated(serde_json::from_value(event).map_err(decode_err)?),
            USER_TASK_UPDATED => AttendanceEvent::UserTaskUpdated(serde_json::from_value(event).map_err(decode_err)?),
            other => AttendanceEvent::Other { event_type: other.to_owned(), event },
        };
        Ok(Event { header, event })
    }
}

/// What [`Webhook::handle`] made of a request.
#[derive(Debug, Clone, PartialEq)]
pub enum WebhookOutcome {
    /// A `url_verification`: answer with [`WebhookOutcome::response_body`].
    Challenge(String),
    /// A new event.
    Event(Box<Event>),
    /// An event already seen (a re-push); acknowledge it and do nothing.
    Duplicate(String),
}

impl WebhookOutcome {
    /// The JSON to answer with (HTTP 200): `{"challenge": …}` or `{"msg":"success"}`.
    pub fn response_body(&self) -> Vec<u8> {
        match self {
            WebhookOutcome::Challenge(c) => serde_json::json!({ "challenge": c }).to_string().into_bytes(),
            _ => br#"{"msg":"success"}"#.to_vec(),
        }
    }
}

/// Recently seen event ids, bounded (the oldest is forgotten first).
#[derive(Debug)]
struct Seen {
    capacity: usize,
    order: VecDeque<String>,
    set: HashSet<String>,
}

impl Seen {
    fn new(capacity: usize) -> Self {
        Seen { capacity: capacity.max(1), order: VecDeque::new(), set: HashSet::new() }
    }

    fn insert(&mut self, id: &str) -> bool {
        if self.set.contains(id) {
            return false;
        }
        if self.order.len() >= self.capacity {
            if let Some(old) = self.order.pop_front() {
                self.set.remove(&old);
            }
        }
        self.order.push_back(id.to_owned());
        self.set.insert(id.to_owned());
        true
    }

    fn remove(&mut self, id: &str) {
        if self.set.remove(id) {
            self.order.retain(|x| x != id);
        }
    }
}

/// A webhook receiver for one app.
#[derive(Debug)]
pub struct Webhook {
    verification_token: Option<String>,
    encrypt_key: Option<String>,
    seen: Mutex<Seen>,
}

impl Webhook {
    /// A receiver. `verification_token` and `encrypt_key` are the app's "Verification Token"
    /// and "Encrypt Key"; pass `None` for what is not configured (then no token check, resp. no
    /// decryption and no signature check). Remembers the last 10,000 event ids.
    pub fn new(verification_token: Option<String>, encrypt_key: Option<String>) -> Self {
        Webhook::with_dedupe_capacity(verification_token, encrypt_key, 10_000)
    }

    /// As [`Webhook::new`], remembering the last `capacity` event ids (at least 1).
    pub fn with_dedupe_capacity(
        verification_token: Option<String>,
        encrypt_key: Option<String>,
        capacity: usize,
    ) -> Self {
        Webhook {
            verification_token: verification_token.filter(|s| !s.is_empty()),
            encrypt_key: encrypt_key.filter(|s| !s.is_empty()),
            seen: Mutex::new(Seen::new(capacity)),
        }
    }

    /// Handles a request given as an [`http::HeaderMap`] and the raw body.
    pub fn handle(&self, headers: &http::HeaderMap, body: &[u8]) -> Result<WebhookOutcome> {
        self.handle_with(|name| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned), body)
    }

    /// Handles a request whose headers are looked up by `header(name)` (case-insensitive names
    /// are the caller's concern: the names asked for are `X-Lark-Request-Timestamp`,
    /// `X-Lark-Request-Nonce` and `X-Lark-Signature`).
    pub fn handle_with(&self, header: impl Fn(&str) -> Option<String>, body: &[u8]) -> Result<WebhookOutcome> {
        let outer: serde_json::Value =
            serde_json::from_slice(body).map_err(|e| Error::Webhook(format!("body is not JSON: {e}")))?;
        let encrypted = outer.get("encrypt").and_then(|v| v.as_str());
        let plain: serde_json::Value = match (encrypted, &self.encrypt_key) {
            (Some(ct), Some(key)) => {
                let bytes = decrypt(key, ct)?;
                serde_json::from_slice(&bytes)
                    .map_err(|e| Error::Webhook(format!("decrypted body is not JSON: {e}")))?
            }
            (Some(_), None) => return Err(Error::Webhook("encrypted body but no encrypt key configured".into())),
            (None, _) => outer,
        };
        if plain.get("type").and_then(|v| v.as_str()) == Some("url_verification") {
            self.check_token(plain.get("token").and_then(|v| v.as_str()))?;
            let challenge = plain.get("challenge").and_then(|v| v.as_str()).unwrap_or_default();
            return Ok(WebhookOutcome::Challenge(challenge.to_owned()));
        }
        if let Some(key) = &self.encrypt_key {
            let ts = header("X-Lark-Request-Timestamp").unwrap_or_default();
            let nonce = header("X-Lark-Request-Nonce").unwrap_or_default();
            let sig = header("X-Lark-Signature").ok_or_else(|| Error::Webhook("X-Lark-Signature is missing".into()))?;
            if !constant_time_eq(signature(&ts, &nonce, key, body).as_bytes(), sig.trim().to_lowercase().as_bytes()) {
                return Err(Error::Webhook("signature mismatch".into()));
            }
        }
        let (header_v, event, id) = if plain.get("schema").is_some() || plain.get("header").is_some() {
            let header_v: EventHeader = serde_json::from_value(plain.get("header").cloned().unwrap_or_default())
                .map_err(|e| Error::Webhook(format!("event header: {e}")))?;
            let id = header_v.event_id.clone();
            (header_v, plain.get("event").cloned().unwrap_or_default(), id)
        } else {
            // v1 envelope: {uuid, token, ts, type: "event_callback", event: {type, …}}
            let event = plain.get("event").cloned().unwrap_or_default();
            let header_v = EventHeader {
                event_id: plain.get("uuid").and_then(|v| v.as_str()).unwrap_or_default().to_owned(),
                event_type: event.get("type").and_then(|v| v.as_str()).unwrap_or_default().to_owned(),
                token: plain.get("token").and_then(|v| v.as_str()).unwrap_or_default().to_owned(),
                ..EventHeader::default()
            };
            let id = header_v.event_id.clone();
            (header_v, event, id)
        };
        self.check_token(Some(&header_v.token))?;
        let decoded = Event::from_parts(header_v, event)?;
        if !id.is_empty() {
            let fresh = self.seen.lock().unwrap_or_else(|p| p.into_inner()).insert(&id);
            if !fresh {
                return Ok(WebhookOutcome::Duplicate(id));
            }
        }
        Ok(WebhookOutcome::Event(Box::new(decoded)))
    }

    /// Forgets an event id, so a re-push of it is delivered again: call it when processing an
    /// event failed and you answer non-200.
    pub fn forget(&self, event_id: &str) {
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).remove(event_id);
    }

    fn check_token(&self, got: Option<&str>) -> Result<()> {
        match &self.verification_token {
            None => Ok(()),
            Some(want) if constant_time_eq(want.as_bytes(), got.unwrap_or_default().as_bytes()) => Ok(()),
            Some(_) => Err(Error::Webhook("verification token mismatch".into())),
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `X-Lark-Signature` of a request: hex(SHA-256(timestamp + nonce + encrypt_key + body)).
pub fn signature(timestamp: &str, nonce: &str, encrypt_key: &str, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(timestamp.as_bytes());
    h.update(nonce.as_bytes());
    h.update(encrypt_key.as_bytes());
    h.update(body);
    hex::encode(h.finalize())
}

/// Decrypts an `encrypt` value: base64(IV ‖ AES-256-CBC(SHA-256(key), IV, PKCS#7(plaintext))).
pub fn decrypt(encrypt_key: &str, encrypted: &str) -> Result<Vec<u8>> {
    let raw = base64::engine::general_purpose::STANDARD
        .decode(encrypted.trim())
        .map_err(|e| Error::Webhook(format!("encrypt is not base64: {e}")))?;
    if raw.len() < 32 || raw.len() % 16 != 0 {
        return Err(Error::Webhook(format!("ciphertext of {} bytes is not IV + whole blocks", raw.len())));
    }
    let key: [u8; 32] = Sha256::digest(encrypt_key.as_bytes()).into();
    let (iv, ct) = raw.split_at(16);
    let mut buf = ct.to_vec();
    let dec = cbc::Decryptor::<aes::Aes256>::new_from_slices(&key, iv)
        .map_err(|e| Error::Webhook(format!("cipher setup: {e}")))?;
    let plain = dec
        .decrypt_padded_mut::<aes::cipher::block_padding::Pkcs7>(&mut buf)
        .map_err(|_| Error::Webhook("bad padding: wrong encrypt key?".into()))?;
    Ok(plain.to_vec())
}

/// Encrypts `plaintext` the way the platform does, with the given 16-byte IV (for tests and for
/// servers that push events).
pub fn encrypt(encrypt_key: &str, iv: [u8; 16], plaintext: &[u8]) -> String {
    use aes::cipher::BlockEncryptMut;
    let key: [u8; 32] = Sha256::digest(encrypt_key.as_bytes()).into();
    let enc = cbc::Encryptor::<aes::Aes256>::new(&key.into(), &iv.into());
    let mut buf = plaintext.to_vec();
    buf.resize(plaintext.len() + 16, 0);
    let ct = enc
        .encrypt_padded_mut::<aes::cipher::block_padding::Pkcs7>(&mut buf, plaintext.len())
        .map(<[u8]>::to_vec)
        .unwrap_or_default();
    let mut out = iv.to_vec();
    out.extend_from_slice(&ct);
    base64::engine::general_purpose::STANDARD.encode(out)
}

/// The webhook as an axum handler (feature `axum`).
#[cfg(feature = "axum")]
pub mod axum {
    use std::future::Future;
    use std::sync::Arc;

    use axum::body::Bytes;
    use axum::http::{header, HeaderMap, StatusCode};
    use axum::response::{IntoResponse, Response};
    use axum::routing::{post, MethodRouter};

    use super::{Event, Webhook, WebhookOutcome};

    /// A `POST` route that runs `on_event` for every new event. Challenges and repeats are
    /// answered 200 without calling it; when `on_event` fails the answer is 500 and the event id
    /// is forgotten, so the platform's re-push is delivered again.
    ///
    /// ```no_run
    /// # use std::sync::Arc;
    /// use daka_client::events::{axum::handler, Webhook};
    /// let webhook = Arc::new(Webhook::new(Some("verification token".into()), Some("encrypt key".into())));
    /// let app: axum::Router = axum::Router::new().route(
    ///     "/feishu/events",
    ///     handler(webhook, |event| async move {
    ///         println!("{:?}", event.event);
    ///         Ok::<(), std::convert::Infallible>(())
    ///     }),
    /// );
    /// ```
    pub fn handler<F, Fut, E, S>(webhook: Arc<Webhook>, on_event: F) -> MethodRouter<S>
    where
        F: Fn(Event) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
        E: std::fmt::Display + Send + 'static,
        S: Clone + Send + Sync + 'static,
    {
        post(move |headers: HeaderMap, body: Bytes| {
            let webhook = webhook.clone();
            let on_event = on_event.clone();
            async move {
                let json = |status: StatusCode, body: Vec<u8>| -> Response {
                    (status, [(header::CONTENT_TYPE, "application/json; charset=utf-8")], body).into_response()
                };
                match webhook.handle(&headers, &body) {
                    Ok(WebhookOutcome::Event(event)) => {
                        let id = event.header.event_id.clone();
                        match on_event(*event).await {
                            Ok(()) => json(StatusCode::OK, br#"{"msg":"success"}"#.to_vec()),
                            Err(e) => {
                                webhook.forget(&id);
                                json(
                                    StatusCode::INTERNAL_SERVER_ERROR,
                                    serde_json::json!({"msg": e.to_string()}).to_string().into_bytes(),
                                )
                            }
                        }
                    }
                    Ok(other) => json(StatusCode::OK, other.response_body()),
                    Err(e) => json(
                        StatusCode::BAD_REQUEST,
                        serde_json::json!({"msg": e.to_string()}).to_string().into_bytes(),
                    ),
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn official_decryption_vector() {
        // feishu-platform.md §4.4, verified against the official SDK.
        let plain = decrypt("test key", "P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=").unwrap();
        assert_eq!(plain, b"hello world");
        assert!(decrypt("other key", "P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=").is_err());
    }

    #[test]
    fn encrypt_round_trips() {
        let ct = encrypt("k", [7; 16], b"{\"a\":1}");
        assert_eq!(decrypt("k", &ct).unwrap(), b"{\"a\":1}");
    }

    #[test]
    fn dedupe_is_bounded() {
        let mut s = Seen::new(2);
        assert!(s.insert("a"));
        assert!(!s.insert("a"));
        assert!(s.insert("b"));
        assert!(s.insert("c"));
        assert!(s.insert("a"), "a was evicted");
        s.remove("a");
        assert!(s.insert("a"));
    }
}
