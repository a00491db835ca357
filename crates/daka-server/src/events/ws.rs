//! Long-connection mode (`feishu-platform.md` §5): endpoint discovery, the WebSocket speaking
//! pbbp2 frames, and the hub that hands each event to one live connection of its app and waits
//! for the ACK.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{close_code, CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use daka_store::subscriptions::SubscriptionSpec;
use daka_types::pbbp2::{header as hdr, Frame, METHOD_CONTROL, METHOD_DATA};
use futures_util::{SinkExt, StreamExt};
use prost::Message as _;
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot};

use super::{now_ms, random_hex, Events};

/// The client must ACK an event within this.
pub const ACK_TIMEOUT: Duration = Duration::from_secs(3);
/// A discovery ticket is valid this long.
const TICKET_LIFETIME: Duration = Duration::from_secs(300);
/// The `service_id` daka hands out (any int32 works).
const SERVICE_ID: i32 = 1;

/// `ClientConfig` of discovery and pong frames, in seconds. Every field is present and positive
/// (the SDKs misbehave on missing or zero values).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ClientConfig {
    /// `ReconnectCount`: reconnect attempts before giving up.
    #[serde(rename = "ReconnectCount")]
    pub reconnect_count: i64,
    /// `ReconnectInterval`, seconds between attempts.
    #[serde(rename = "ReconnectInterval")]
    pub reconnect_interval: i64,
    /// `ReconnectNonce`, maximum random delay before the first attempt, seconds.
    #[serde(rename = "ReconnectNonce")]
    pub reconnect_nonce: i64,
    /// `PingInterval`, seconds.
    #[serde(rename = "PingInterval")]
    pub ping_interval: i64,
}

impl Default for ClientConfig {
    fn default() -> Self {
        // A local server comes back quickly: reconnect within seconds, for about a day.
        ClientConfig { reconnect_count: 10_000, reconnect_interval: 10, reconnect_nonce: 3, ping_interval: 30 }
    }
}

struct Ticket {
    app_id: String,
    expires: Instant,
}

#[derive(Clone)]
struct Conn {
    id: u64,
    device_id: String,
    tx: mpsc::UnboundedSender<Vec<u8>>,
    acks: Arc<Mutex<HashMap<String, oneshot::Sender<i64>>>>,
    seq: Arc<AtomicU64>,
}

/// Live long connections by app, and discovery tickets.
#[derive(Default)]
pub struct Hub {
    tickets: Mutex<HashMap<String, Ticket>>,
    conns: Mutex<HashMap<String, Vec<Conn>>>,
    next: AtomicU64,
}

impl Hub {
    fn issue_ticket(&self, app_id: &str) -> String {
        let ticket = random_hex(16);
        let mut tickets = self.tickets.lock().expect("hub lock");
        let now = Instant::now();
        tickets.retain(|_, t| t.expires > now);
        tickets.insert(ticket.clone(), Ticket { app_id: app_id.to_owned(), expires: now + TICKET_LIFETIME });
        ticket
    }

    fn take_ticket(&self, ticket: &str) -> Option<String> {
        let t = self.tickets.lock().expect("hub lock").remove(ticket)?;
        (t.expires > Instant::now()).then_some(t.app_id)
    }

    /// Whether `app_id` has a live long-connection client here.
    pub fn connected(&self, app_id: &str) -> bool {
        self.conns.lock().expect("hub lock").get(app_id).is_some_and(|c| !c.is_empty())
    }

    /// Number of live connections.
    pub fn connections(&self) -> usize {
        self.conns.lock().expect("hub lock").values().map(Vec::len).sum()
    }

    fn pick(&self, app_id: &str) -> Option<Conn> {
        let conns = self.conns.lock().expect("hub lock");
        let list = conns.get(app_id).filter(|c| !c.is_empty())?;
        let n = self.next.fetch_add(1, Ordering::Relaxed) as usize;
        Some(list[n % list.len()].clone())
    }

    /// Sends `envelope` to one live connection of `app_id` and waits for its ACK. `None` when the
    /// app has no live connection.
    pub async fn deliver(&self, app_id: &str, envelope: &str) -> Option<Result<(), String>> {
        let conn = self.pick(app_id)?;
        let message_id = random_hex(16);
        let (ack_tx, ack_rx) = oneshot::channel();
        conn.acks.lock().expect("acks lock").insert(message_id.clone(), ack_tx);
        let seq = conn.seq.fetch_add(1, Ordering::Relaxed) + 1;
        let frame = Frame {
            seq_id: seq,
            log_id: seq,
            service: SERVICE_ID,
            method: METHOD_DATA,
            headers: vec![
                hdr("type", "event"),
                hdr("message_id", message_id.clone()),
                hdr("sum", "1"),
                hdr("seq", "0"),
                hdr("trace_id", random_hex(8)),
                hdr("timestamp", now_ms().to_string()),
            ],
            payload: Some(envelope.as_bytes().to_vec()),
            ..Default::default()
        };
        if conn.tx.send(frame.encode_to_vec()).is_err() {
            conn.acks.lock().expect("acks lock").remove(&message_id);
            return Some(Err(format!("long connection {} closed", conn.device_id)));
        }
        let result = match tokio::time::timeout(ACK_TIMEOUT, ack_rx).await {
            Ok(Ok(200)) => Ok(()),
            Ok(Ok(code)) => Err(format!("long-connection client answered code {code}")),
            Ok(Err(_)) => Err(format!("long connection {} closed before the ACK", conn.device_id)),
            Err(_) => Err(format!("no ACK from long connection {} within 3 s", conn.device_id)),
        };
        conn.acks.lock().expect("acks lock").remove(&message_id);
        Some(result)
    }
}

#[derive(Deserialize)]
struct EndpointRequest {
    #[serde(rename = "AppID", default)]
    app_id: String,
    #[serde(rename = "AppSecret", default)]
    app_secret: String,
}

fn discovery_error(code: i64, msg: &str) -> Response {
    axum::Json(serde_json::json!({"code": code, "msg": msg, "data": null})).into_response()
}

/// `POST /callback/ws/endpoint`: checks the app credentials and answers the WebSocket URL and
/// `ClientConfig`. An app without an event subscription is subscribed, long connection only, to
/// every event type (as choosing long-connection mode in the Feishu console does).
pub async fn endpoint(State(events): State<Events>, headers: HeaderMap, body: Bytes) -> Response {
    let Ok(req) = serde_json::from_slice::<EndpointRequest>(&body) else {
        return discovery_error(1000040344, "request body must be {\"AppID\",\"AppSecret\"}");
    };
    if req.app_id.is_empty() || req.app_secret.is_empty() {
        return discovery_error(1000040344, "no credential: AppID and AppSecret are required");
    }
    let store = &events.inner.store;
    match store.check_app_secret(&req.app_id, &req.app_secret).await {
        Ok(_) => {}
        Err(daka_store::Error::BadCredentials) => {
            return discovery_error(514, "auth failed: app_id or app_secret is invalid")
        }
        Err(e) => {
            tracing::warn!(error = %e, "long-connection discovery failed");
            return discovery_error(1000040343, "internal error");
        }
    }
    match store.subscription(&req.app_id).await {
        Ok(Some(_)) => {}
        Ok(None) => {
            let spec = SubscriptionSpec::default();
            if let Err(e) = store.set_subscription(&req.app_id, &spec, now_ms() / 1000).await {
                tracing::warn!(error = %e, "subscribing a long-connection app failed");
                return discovery_error(1000040343, "internal error");
            }
            tracing::info!(app_id = %req.app_id, "app subscribed to every event type over its long connection");
        }
        Err(e) => {
            tracing::warn!(error = %e, "long-connection discovery failed");
            return discovery_error(1000040343, "internal error");
        }
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1:8080");
    let ticket = events.inner.hub.issue_ticket(&req.app_id);
    let device_id = rand::random::<u64>() >> 1;
    let url = format!(
        "ws://{host}/ws/v2?fpid=1&aid=1&device_id={device_id}&access_key={ticket}&service_id={SERVICE_ID}&ticket={ticket}"
    );
    axum::Json(serde_json::json!({
        "code": 0,
        "msg": "ok",
        "data": {"URL": url, "ClientConfig": events.inner.config.client_config},
    }))
    .into_response()
}

/// Query of the WebSocket URL.
#[derive(Deserialize)]
pub struct WsQuery {
    #[serde(default)]
    device_id: String,
    #[serde(default)]
    ticket: String,
}

fn handshake_refused(status: u16, auth_code: i64, msg: &str) -> Response {
    let mut resp = (StatusCode::FORBIDDEN, msg.to_owned()).into_response();
    let h = resp.headers_mut();
    h.insert("Handshake-Status", HeaderValue::from(status));
    h.insert("Handshake-Autherrcode", HeaderValue::from(auth_code));
    if let Ok(v) = HeaderValue::from_str(msg) {
        h.insert("Handshake-Msg", v);
    }
    resp
}

/// `GET /ws/v2`: the long connection.
pub async fn socket(
    State(events): State<Events>,
    Query(q): Query<WsQuery>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let Ok(upgrade) = upgrade else {
        return handshake_refused(400, 0, "expected a WebSocket upgrade");
    };
    // A stale or unknown ticket is a server-side condition for the SDKs (514 with an auth code
    // other than "exceed connection limit"): they redo discovery and reconnect.
    let Some(app_id) = events.inner.hub.take_ticket(&q.ticket) else {
        return handshake_refused(514, 1000040343, "ticket invalid or expired: discover the endpoint again");
    };
    let device_id = q.device_id.clone();
    upgrade.on_upgrade(move |ws| run(events, ws, app_id, device_id))
}

async fn run(events: Events, ws: WebSocket, app_id: String, device_id: String) {
    // Subscribed before anything is awaited, so a shutdown that comes while the connection is
    // being set up is not missed.
    let mut shutdown = events.inner.shutdown.subscribe();
    let hub = &events.inner.hub;
    let (tx, mut rx) = mpsc::unbounded_channel::<Vec<u8>>();
    let conn = Conn {
        id: hub.next.fetch_add(1, Ordering::Relaxed),
        device_id: device_id.clone(),
        tx,
        acks: Arc::default(),
        seq: Arc::default(),
    };
    hub.conns.lock().expect("hub lock").entry(app_id.clone()).or_default().push(conn.clone());
    tracing::info!(%app_id, %device_id, "long-connection client connected");
    // Unacknowledged events of the app go out now rather than at their next retry.
    if let Err(e) = events.inner.store.expedite_deliveries(&app_id, now_ms()).await {
        tracing::warn!(error = %e, "could not expedite pending deliveries");
    }
    events.inner.wake.notify_one();
    let pong_payload = serde_json::to_vec(&events.inner.config.client_config).unwrap_or_default();
    let (mut sink, mut stream) = ws.split();
    loop {
        tokio::select! {
            out = rx.recv() => {
                let Some(bytes) = out else { break };
                if sink.send(Message::Binary(bytes.into())).await.is_err() {
                    break;
                }
            }
            msg = stream.next() => {
                let bytes = match msg {
                    Some(Ok(Message::Binary(b))) => b,
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => continue,
                };
                let Ok(frame) = Frame::decode(&bytes[..]) else {
                    tracing::debug!(%device_id, "undecodable frame ignored");
                    continue;
                };
                match (frame.method, frame.header("type")) {
                    (METHOD_CONTROL, Some("ping")) => {
                        let pong = Frame {
                            service: frame.service,
                            method: METHOD_CONTROL,
                            headers: vec![hdr("type", "pong")],
                            payload: Some(pong_payload.clone()),
                            ..Default::default()
                        };
                        if sink.send(Message::Binary(pong.encode_to_vec().into())).await.is_err() {
                            break;
                        }
                    }
                    (METHOD_DATA, _) => {
                        let code = frame
                            .payload
                            .as_deref()
                            .and_then(|p| serde_json::from_slice::<serde_json::Value>(p).ok())
                            .and_then(|v| v.get("code").and_then(|c| c.as_i64()))
                            .unwrap_or(500);
                        if let Some(id) = frame.header("message_id") {
                            if let Some(waiter) = conn.acks.lock().expect("acks lock").remove(id) {
                                let _ = waiter.send(code);
                            }
                        }
                    }
                    _ => {}
                }
            }
            _ = async { shutdown.wait_for(|stopping| *stopping).await.map(|_| ()) } => {
                let bye = CloseFrame { code: close_code::AWAY, reason: "daka is shutting down".into() };
                let _ = sink.send(Message::Close(Some(bye))).await;
                break;
            }
        }
    }
    if let Some(list) = hub.conns.lock().expect("hub lock").get_mut(&app_id) {
        list.retain(|c| c.id != conn.id);
    }
    tracing::info!(%app_id, %device_id, "long-connection client disconnected");
}
