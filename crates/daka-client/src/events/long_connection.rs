//! Receiving events over the long connection (长连接, "receive events through persistent
//! connection"): the WebSocket protocol of the official SDKs' `ws.Client`, `feishu-platform.md`
//! §5.
//!
//! 1. `POST {base}/callback/ws/endpoint` with `{"AppID","AppSecret"}` answers the WebSocket URL
//!    and the `ClientConfig` (ping interval, reconnect count, interval and nonce, in seconds).
//! 2. The client dials the URL and sends a `pbbp2` ping control frame at once and then every
//!    `PingInterval`; a pong may carry a new `ClientConfig`, which is applied.
//! 3. Each data frame of type `event` carries (a fragment of) a plaintext schema 2.0 envelope;
//!    fragments with one `message_id` are joined in `seq` order once all `sum` are in (partial
//!    messages are dropped after 5 s). The client answers the frame that completed the message
//!    with the same frame, an added `biz_rt` header and the payload `{"code":200}` (`{"code":500}`
//!    when the event cannot be taken). `card` frames and unknown types get no answer.
//! 4. When the socket is lost the client waits a random time below `ReconnectNonce`, then redoes
//!    discovery and the dial, `ReconnectCount` times (forever if negative) `ReconnectInterval`
//!    apart. Discovery codes 1 and 1000040343, other HTTP failures and refused handshakes are
//!    retried; other discovery codes and handshakes refused with `Handshake-Status` 403 (or 514
//!    with `Handshake-Autherrcode` 1000040350, too many connections) end the connection.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use daka_types::pbbp2::{
    header, Frame, HEADER_BIZ_RT, HEADER_MESSAGE_ID, HEADER_SEQ, HEADER_SUM, HEADER_TYPE, METHOD_CONTROL, METHOD_DATA,
};
use futures_core::Stream;
use futures_util::future::BoxFuture;
use futures_util::stream::FuturesUnordered;
use futures_util::{FutureExt, SinkExt, StreamExt};
use serde::Deserialize;
use tokio::net::TcpStream;
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream};

use super::{Event, Seen};
use crate::client::{jitter_fraction, snippet};
use crate::error::{ApiError, DecodeError};
use crate::{Client, Error, Result};

/// Path of endpoint discovery, under the open-platform base URL.
pub const ENDPOINT_PATH: &str = "/callback/ws/endpoint";
/// Operation name of endpoint discovery in errors.
const DISCOVERY: &str = "callback.ws.endpoint";
/// Operation name of the WebSocket handshake in errors.
const HANDSHAKE: &str = "ws.connect";
/// Discovery codes after which the SDKs retry (system busy, internal error); any other non-zero
/// code ends the connection.
const RETRYABLE_DISCOVERY_CODES: [i64; 2] = [1, 1_000_040_343];
/// `Handshake-Autherrcode` of "exceed connection limit".
const TOO_MANY_CONNECTIONS: i64 = 1_000_040_350;
/// How long fragments of an incomplete message are kept.
const FRAGMENT_TTL: Duration = Duration::from_secs(5);
/// Most fragments one message may announce (`sum`); larger messages are dropped.
const MAX_FRAGMENTS: usize = 1024;
/// Most incomplete messages kept at once; fragments of further ones are dropped.
const MAX_PARTIAL_MESSAGES: usize = 1024;
/// Longest TCP + TLS + WebSocket handshake.
const DIAL_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest delay taken from the server's `ClientConfig` (a day).
const MAX_CONFIG_SECONDS: i64 = 86_400;

/// The live `ClientConfig`. Before discovery: the SDKs' defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Config {
    /// Reconnect attempts before giving up; negative for no limit.
    reconnect_count: i64,
    reconnect_interval: Duration,
    reconnect_nonce: Duration,
    ping_interval: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            reconnect_count: -1,
            reconnect_interval: Duration::from_secs(120),
            reconnect_nonce: Duration::from_secs(30),
            ping_interval: Duration::from_secs(120),
        }
    }
}

impl Config {
    /// Applies a `ClientConfig` object (discovery or pong). Missing fields, non-numbers and
    /// values that would make the client spin (a zero interval) leave the current value.
    fn apply(&mut self, wire: &serde_json::Value) {
        let int = |key: &str| {
            let v = wire.get(key)?;
            v.as_i64().or_else(|| v.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
        };
        let secs = |s: i64| Duration::from_secs(s.clamp(0, MAX_CONFIG_SECONDS) as u64);
        if let Some(n) = int("ReconnectCount") {
            self.reconnect_count = n;
        }
        if let Some(s) = int("ReconnectInterval").filter(|s| *s > 0) {
            self.reconnect_interval = secs(s);
        }
        if let Some(s) = int("ReconnectNonce").filter(|s| *s >= 0) {
            self.reconnect_nonce = secs(s);
        }
        if let Some(s) = int("PingInterval").filter(|s| *s > 0) {
            self.ping_interval = secs(s);
        }
    }
}

/// Why an attempt to connect failed, and whether another attempt may succeed.
#[derive(Debug)]
enum Failure {
    /// A server-side condition: try again later.
    Retry(Error),
    /// A client-side condition (credentials, app, connection limit): give up.
    Fatal(Error),
}

impl Failure {
    fn into_error(self) -> Error {
        match self {
            Failure::Retry(e) | Failure::Fatal(e) => e,
        }
    }
}

#[derive(Deserialize)]
struct EndpointAnswer {
    #[serde(default)]
    code: Option<i64>,
    #[serde(default)]
    msg: Option<String>,
    #[serde(default)]
    data: Option<EndpointData>,
}

#[derive(Deserialize)]
struct EndpointData {
    #[serde(rename = "URL", default)]
    url: String,
    #[serde(rename = "ClientConfig", default)]
    client_config: serde_json::Value,
}

/// `POST /callback/ws/endpoint`: the WebSocket URL and the `ClientConfig`.
async fn discover(client: &Client) -> std::result::Result<EndpointData, Failure> {
    let body = serde_json::json!({"AppID": client.app_id(), "AppSecret": client.app_secret()});
    let resp = client
        .http()
        .post(format!("{}{ENDPOINT_PATH}", client.base_url()))
        .header("locale", "zh")
        .json(&body)
        .send()
        .await
        .map_err(|e| Failure::Retry(Error::Transport { endpoint: DISCOVERY, source: e }))?;
    let status = resp.status();
    let log_id = resp.headers().get("x-tt-logid").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let bytes = resp.bytes().await.map_err(|e| Failure::Retry(Error::Transport { endpoint: DISCOVERY, source: e }))?;
    let decode_error = |message: String| {
        Error::Decode(Box::new(DecodeError {
            endpoint: DISCOVERY,
            status: status.as_u16(),
            log_id: log_id.clone(),
            message,
            body: snippet(&bytes),
        }))
    };
    let answer: EndpointAnswer = serde_json::from_slice(&bytes)
        .map_err(|e| Failure::Retry(decode_error(format!("not a discovery answer: {e}"))))?;
    let code = answer.code.unwrap_or(0);
    if code != 0 || !status.is_success() {
        let error = Error::Api(Box::new(ApiError {
            code,
            msg: answer.msg.unwrap_or_default(),
            log_id: log_id.clone(),
            status: status.as_u16(),
            error: None,
            endpoint: DISCOVERY,
        }));
        let retry = !status.is_success() || RETRYABLE_DISCOVERY_CODES.contains(&code);
        return Err(if retry { Failure::Retry(error) } else { Failure::Fatal(error) });
    }
    answer
        .data
        .filter(|d| !d.url.is_empty())
        .ok_or_else(|| Failure::Retry(decode_error("no data.URL in a successful answer".into())))
}

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// An open WebSocket and what its URL said.
struct Session {
    socket: Socket,
    /// `service_id` of the URL: `Frame.service` of pings.
    service: i32,
    /// `device_id` of the URL: the connection's id in logs.
    device_id: String,
}

/// The URL without its query (which holds the access key and ticket), for messages.
fn redact(url: &url::Url) -> String {
    format!("{}://{}{}", url.scheme(), url.host_str().unwrap_or_default(), url.path())
}

/// Discovery, then the WebSocket handshake. Applies the discovered `ClientConfig` to `config`.
async fn dial(
    client: &Client,
    config: &mut Config,
    tls: &Arc<rustls::ClientConfig>,
) -> std::result::Result<Session, Failure> {
    let data = discover(client).await?;
    config.apply(&data.client_config);
    let url = url::Url::parse(&data.url).map_err(|e| {
        Failure::Fatal(Error::LongConnection(format!("discovery answered a URL that does not parse: {e}")))
    })?;
    if !matches!(url.scheme(), "ws" | "wss") {
        return Err(Failure::Fatal(Error::LongConnection(format!(
            "discovery answered {}, not a ws:// or wss:// URL",
            redact(&url)
        ))));
    }
    let query: HashMap<String, String> = url.query_pairs().into_owned().collect();
    let service = query.get("service_id").and_then(|s| s.trim().parse::<i32>().ok()).ok_or_else(|| {
        Failure::Fatal(Error::LongConnection(format!(
            "discovery answered {} without an int32 service_id in the query",
            redact(&url)
        )))
    })?;
    let device_id = query.get("device_id").cloned().unwrap_or_default();
    let connector = Connector::Rustls(tls.clone());
    let connect = tokio_tungstenite::connect_async_tls_with_config(url.as_str(), None, true, Some(connector));
    match tokio::time::timeout(DIAL_TIMEOUT, connect).await {
        Ok(Ok((socket, _))) => Ok(Session { socket, service, device_id }),
        Ok(Err(tungstenite::Error::Http(resp))) => Err(refused(&resp)),
        Ok(Err(e)) => Err(Failure::Retry(Error::LongConnection(format!("connecting to {}: {e}", redact(&url))))),
        Err(_) => Err(Failure::Retry(Error::LongConnection(format!(
            "connecting to {} took more than {DIAL_TIMEOUT:?}",
            redact(&url)
        )))),
    }
}

/// A refused WebSocket upgrade, judged by `Handshake-Status` and `Handshake-Autherrcode` as the
/// SDKs do.
fn refused<B>(resp: &http::Response<B>) -> Failure {
    let get = |name: &str| resp.headers().get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    let handshake_status = get("Handshake-Status").and_then(|v| v.parse::<i64>().ok());
    let auth_code = get("Handshake-Autherrcode").and_then(|v| v.parse::<i64>().ok()).filter(|c| *c != 0);
    let status = resp.status().as_u16();
    let msg = get("Handshake-Msg")
        .filter(|m| !m.is_empty())
        .map_or_else(|| format!("WebSocket handshake refused with HTTP {status}"), str::to_owned);
    let error = Error::Api(Box::new(ApiError {
        code: auth_code.or(handshake_status).unwrap_or(i64::from(status)),
        msg,
        log_id: get("X-Tt-Logid").map(str::to_owned),
        status,
        error: None,
        endpoint: HANDSHAKE,
    }));
    match (handshake_status, auth_code) {
        (Some(514), Some(TOO_MANY_CONNECTIONS)) | (Some(403), _) => Failure::Fatal(error),
        _ => Failure::Retry(error),
    }
}

/// TLS for `wss://` with the Mozilla roots and the ring provider (whatever provider the rest of
/// the program installs).
fn tls_config() -> Result<Arc<rustls::ClientConfig>> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Invalid(format!("TLS setup: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Fragments of messages split over several frames.
#[derive(Debug, Default)]
struct Reassembly {
    partial: HashMap<String, Partial>,
}

#[derive(Debug)]
struct Partial {
    sum: usize,
    parts: BTreeMap<usize, Vec<u8>>,
    first_seen: Instant,
}

impl Reassembly {
    /// Takes the payload of a data frame; returns the whole message once its last fragment is
    /// in (at once for an unsplit frame). Fragments older than [`FRAGMENT_TTL`] are forgotten.
    fn add(&mut self, frame: &mut Frame, now: Instant) -> Option<Vec<u8>> {
        self.partial.retain(|_, p| now.saturating_duration_since(p.first_seen) < FRAGMENT_TTL);
        let payload = frame.payload.take().unwrap_or_default();
        let sum = frame.header(HEADER_SUM).and_then(|s| s.trim().parse::<usize>().ok()).unwrap_or(1);
        if sum <= 1 {
            return Some(payload);
        }
        let seq = frame.header(HEADER_SEQ).and_then(|s| s.trim().parse::<usize>().ok())?;
        if sum > MAX_FRAGMENTS || seq >= sum {
            tracing::warn!(sum, seq, "long-connection fragment out of range dropped");
            return None;
        }
        let id = frame.header(HEADER_MESSAGE_ID).unwrap_or_default().to_owned();
        if self.partial.len() >= MAX_PARTIAL_MESSAGES && !self.partial.contains_key(&id) {
            tracing::warn!(message_id = %id, "too many incomplete long-connection messages, fragment dropped");
            return None;
        }
        let entry =
            self.partial.entry(id.clone()).or_insert_with(|| Partial { sum, parts: BTreeMap::new(), first_seen: now });
        if entry.sum != sum {
            *entry = Partial { sum, parts: BTreeMap::new(), first_seen: now };
        }
        entry.parts.insert(seq, payload);
        if entry.parts.len() < entry.sum {
            return None;
        }
        let whole = self.partial.remove(&id)?;
        Some(whole.parts.into_values().flatten().collect())
    }
}

/// The answer to a data frame: the same frame with `biz_rt` and `{"code":…}` as its payload.
fn response(mut frame: Frame, code: u16, started: Instant) -> Frame {
    frame.headers.push(header(HEADER_BIZ_RT, started.elapsed().as_millis().to_string()));
    frame.payload = Some(format!("{{\"code\":{code}}}").into_bytes());
    frame
}

fn ping(service: i32) -> Frame {
    Frame { service, method: METHOD_CONTROL, headers: vec![header(HEADER_TYPE, "ping")], ..Frame::default() }
}

/// Ids of events handed to the consumer and not taken yet.
type Waiting = Arc<Mutex<HashSet<String>>>;

/// An event handed to the consumer.
struct Delivery {
    item: Result<Event>,
    ack: Option<Ack>,
}

/// Fires when the consumer takes the event: the frame is then answered `{"code":200}`.
struct Ack {
    taken: oneshot::Sender<()>,
    event_id: String,
    waiting: Waiting,
}

impl Delivery {
    fn take(self) -> Result<Event> {
        if let Some(ack) = self.ack {
            ack.waiting.lock().unwrap_or_else(|p| p.into_inner()).remove(&ack.event_id);
            let _ = ack.taken.send(());
        }
        self.item
    }
}

/// How [`Worker::serve`] ended.
enum End {
    /// The socket is gone: reconnect.
    Lost(String),
    /// The [`LongConnection`] was dropped: stop.
    Closed,
}

/// The task that owns the socket.
struct Worker {
    client: Client,
    tls: Arc<rustls::ClientConfig>,
    config: Config,
    seen: Seen,
    waiting: Waiting,
    tx: mpsc::Sender<Delivery>,
}

impl Worker {
    async fn run(mut self, mut session: Session) {
        loop {
            let device_id = session.device_id.clone();
            match self.serve(session).await {
                End::Closed => return,
                End::Lost(why) => tracing::info!(%device_id, %why, "long connection lost, reconnecting"),
            }
            let tx = self.tx.clone();
            let reconnected = tokio::select! {
                r = self.reconnect() => r,
                _ = tx.closed() => return,
            };
            match reconnected {
                Ok(s) => {
                    tracing::info!(device_id = %s.device_id, "long connection re-established");
                    session = s;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "long connection given up");
                    let _ = self.tx.send(Delivery { item: Err(e), ack: None }).await;
                    return;
                }
            }
        }
    }

    /// The SDKs' reconnect loop: a random wait below the nonce, then up to `ReconnectCount`
    /// attempts (no limit if negative) `ReconnectInterval` apart.
    async fn reconnect(&mut self) -> Result<Session> {
        tokio::time::sleep(self.config.reconnect_nonce.mul_f64(jitter_fraction())).await;
        let mut attempts: i64 = 0;
        loop {
            let failure = match dial(&self.client, &mut self.config, &self.tls).await {
                Ok(session) => return Ok(session),
                Err(Failure::Fatal(e)) => return Err(e),
                Err(Failure::Retry(e)) => e,
            };
            attempts += 1;
            tracing::info!(attempts, error = %failure, "long-connection reconnect attempt failed");
            if self.config.reconnect_count >= 0 && attempts >= self.config.reconnect_count {
                return Err(Error::LongConnection(format!("gave up after {attempts} reconnect attempts: {failure}")));
            }
            tokio::time::sleep(self.config.reconnect_interval).await;
        }
    }

    /// Runs one connection until it is lost or the consumer goes away.
    async fn serve(&mut self, session: Session) -> End {
        let Session { socket, service, device_id } = session;
        tracing::debug!(%device_id, "long connection open");
        let (mut sink, mut stream) = socket.split();
        let mut ping_every = self.config.ping_interval;
        // The first tick is immediate: the SDKs ping right after connecting.
        let mut pings = tokio::time::interval(ping_every);
        let mut last_inbound = Instant::now();
        let mut parts = Reassembly::default();
        let mut pending: FuturesUnordered<BoxFuture<'static, Option<Frame>>> = FuturesUnordered::new();
        let tx = self.tx.clone();
        loop {
            let out = tokio::select! {
                _ = pings.tick() => {
                    // A half-open socket never fails a write: give up on silence instead.
                    if last_inbound.elapsed() > ping_every.saturating_mul(3) {
                        return End::Lost("nothing received for three ping intervals".into());
                    }
                    Some(ping(service))
                }
                msg = stream.next() => {
                    last_inbound = Instant::now();
                    match msg {
                        Some(Ok(Message::Binary(bytes))) => match self.on_frame(&bytes, &mut parts, &mut pending) {
                            Ok(out) => out,
                            Err(end) => return end,
                        },
                        Some(Ok(Message::Close(frame))) => {
                            let why = frame.map_or_else(String::new, |f| format!(" ({} {})", f.code, f.reason));
                            return End::Lost(format!("closed by the server{why}"));
                        }
                        Some(Ok(_)) => None,
                        Some(Err(e)) => return End::Lost(e.to_string()),
                        None => return End::Lost("connection ended".into()),
                    }
                }
                Some(answer) = pending.next(), if !pending.is_empty() => answer,
                _ = tx.closed() => {
                    let _ = sink.send(Message::Close(None)).await;
                    return End::Closed;
                }
            };
            if let Some(frame) = out {
                if let Err(e) = sink.send(Message::Binary(frame.to_bytes().into())).await {
                    return End::Lost(e.to_string());
                }
            }
            if self.config.ping_interval != ping_every {
                ping_every = self.config.ping_interval;
                pings = tokio::time::interval_at(tokio::time::Instant::now() + ping_every, ping_every);
            }
        }
    }

    /// Handles one binary message; returns the frame to answer with, if any.
    fn on_frame(
        &mut self,
        bytes: &[u8],
        parts: &mut Reassembly,
        pending: &mut FuturesUnordered<BoxFuture<'static, Option<Frame>>>,
    ) -> std::result::Result<Option<Frame>, End> {
        let Ok(frame) = Frame::from_bytes(bytes) else {
            tracing::debug!(len = bytes.len(), "undecodable long-connection frame ignored");
            return Ok(None);
        };
        match frame.method {
            METHOD_CONTROL => {
                if frame.header(HEADER_TYPE) == Some("pong") {
                    if let Some(config) = frame.payload.as_deref().filter(|p| !p.is_empty()) {
                        match serde_json::from_slice::<serde_json::Value>(config) {
                            Ok(config) => self.config.apply(&config),
                            Err(e) => tracing::debug!(error = %e, "pong payload is not a ClientConfig"),
                        }
                    }
                }
                Ok(None)
            }
            METHOD_DATA => self.on_data(frame, parts, pending),
            _ => Ok(None),
        }
    }

    fn on_data(
        &mut self,
        mut frame: Frame,
        parts: &mut Reassembly,
        pending: &mut FuturesUnordered<BoxFuture<'static, Option<Frame>>>,
    ) -> std::result::Result<Option<Frame>, End> {
        if frame.header(HEADER_TYPE) != Some("event") {
            return Ok(None);
        }
        let started = Instant::now();
        let Some(payload) = parts.add(&mut frame, started) else { return Ok(None) };
        let event = match Event::from_json(&payload) {
            Ok(event) => event,
            Err(e) => {
                let message = match e {
                    Error::Webhook(m) => m,
                    other => other.to_string(),
                };
                tracing::warn!(error = %message, "long-connection event did not decode");
                let _ = self.tx.try_send(Delivery { item: Err(Error::LongConnection(message)), ack: None });
                return Ok(Some(response(frame, 500, started)));
            }
        };
        let id = event.header.event_id.clone();
        if !id.is_empty() && !self.seen.insert(&id) {
            if self.waiting.lock().unwrap_or_else(|p| p.into_inner()).contains(&id) {
                // The first push still waits for the consumer: no answer, so that the event
                // is not lost if the program stops before taking it.
                tracing::debug!(event_id = %id, "repeat of an event not taken yet left unanswered");
                return Ok(None);
            }
            tracing::debug!(event_id = %id, "repeated event acknowledged and dropped");
            return Ok(Some(response(frame, 200, started)));
        }
        let (taken_tx, taken) = oneshot::channel();
        let ack = Ack { taken: taken_tx, event_id: id.clone(), waiting: self.waiting.clone() };
        if !id.is_empty() {
            self.waiting.lock().unwrap_or_else(|p| p.into_inner()).insert(id.clone());
        }
        match self.tx.try_send(Delivery { item: Ok(event), ack: Some(ack) }) {
            Ok(()) => {
                pending.push(taken.map(move |r| r.ok().map(|()| response(frame, 200, started))).boxed());
                Ok(None)
            }
            Err(TrySendError::Full(_)) => {
                // Refused: the platform pushes it again later.
                self.waiting.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
                self.seen.remove(&id);
                tracing::warn!(event_id = %id, "event buffer full, event refused");
                Ok(Some(response(frame, 500, started)))
            }
            Err(TrySendError::Closed(_)) => Err(End::Closed),
        }
    }
}

/// Builds a [`LongConnection`].
#[derive(Debug, Clone)]
pub struct LongConnectionBuilder {
    client: Client,
    dedupe_capacity: usize,
    buffer: usize,
}

impl LongConnectionBuilder {
    /// How many event ids are remembered to drop re-pushes (default 10,000; at least 1).
    pub fn dedupe_capacity(mut self, capacity: usize) -> Self {
        self.dedupe_capacity = capacity.max(1);
        self
    }

    /// How many received events may wait for the consumer (default 1,024; at least 1). Beyond
    /// that, events are answered `{"code":500}` and the platform pushes them again later.
    pub fn buffer(mut self, events: usize) -> Self {
        self.buffer = events.max(1);
        self
    }

    /// Discovers the endpoint and opens the WebSocket. Fails when this first attempt fails
    /// (bad credentials, the server unreachable); afterwards the connection is kept up by
    /// reconnecting as the `ClientConfig` says. Needs a Tokio runtime: the connection runs on a
    /// task of its own until the [`LongConnection`] is dropped.
    pub async fn connect(self) -> Result<LongConnection> {
        let tls = tls_config()?;
        let mut config = Config::default();
        let session = dial(&self.client, &mut config, &tls).await.map_err(Failure::into_error)?;
        tracing::info!(device_id = %session.device_id, app_id = %self.client.app_id(), "long connection established");
        let (tx, rx) = mpsc::channel(self.buffer);
        let worker = Worker {
            client: self.client,
            tls,
            config,
            seen: Seen::new(self.dedupe_capacity),
            waiting: Waiting::default(),
            tx,
        };
        tokio::spawn(worker.run(session));
        Ok(LongConnection { rx })
    }
}

/// A live long connection: a [`Stream`] of the app's events, each once (repeats of an
/// `event_id` are dropped).
///
/// An event is acknowledged to the platform (`{"code":200}`) when the stream yields it, so an
/// event the program never took is pushed again, to this or another connection of the app
/// (re-pushes of an event still waiting to be taken are left unanswered; once it has been taken
/// they are answered `{"code":200}` and dropped).
/// Events whose body does not decode are yielded as [`Error::LongConnection`] and answered
/// `{"code":500}`; the stream goes on. It ends after yielding the error that ended the
/// connection: a refused reconnect (bad credentials, too many connections) or the
/// `ReconnectCount` used up. Dropping it closes the WebSocket.
///
/// ```no_run
/// use daka_client::events::{AttendanceEvent, LongConnection};
/// # async fn demo(client: daka_client::Client) -> daka_client::Result<()> {
/// let mut events = LongConnection::connect(&client).await?;
/// while let Some(event) = events.recv().await {
///     match event?.event {
///         AttendanceEvent::UserFlowCreated(flow) => println!("punch {} by {}", flow.record_id, flow.employee_id),
///         AttendanceEvent::UserTaskUpdated(task) => println!("{} changed on {:?}", task.employee_id, task.date),
///         _ => {}
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct LongConnection {
    rx: mpsc::Receiver<Delivery>,
}

impl LongConnection {
    /// A builder for `client`'s app (base URL and credentials), to set options.
    pub fn builder(client: &Client) -> LongConnectionBuilder {
        LongConnectionBuilder { client: client.clone(), dedupe_capacity: 10_000, buffer: 1024 }
    }

    /// Connects with the default options; see [`LongConnectionBuilder::connect`].
    pub async fn connect(client: &Client) -> Result<LongConnection> {
        LongConnection::builder(client).connect().await
    }

    /// The next event; `None` once the connection has ended.
    pub async fn recv(&mut self) -> Option<Result<Event>> {
        self.rx.recv().await.map(Delivery::take)
    }
}

impl Stream for LongConnection {
    type Item = Result<Event>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.rx.poll_recv(cx).map(|d| d.map(Delivery::take))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(message_id: &str, sum: usize, seq: usize, payload: &[u8]) -> Frame {
        Frame {
            seq_id: 7,
            log_id: 9,
            service: 33,
            method: METHOD_DATA,
            headers: vec![
                header(HEADER_TYPE, "event"),
                header(HEADER_MESSAGE_ID, message_id),
                header(HEADER_SUM, sum.to_string()),
                header(HEADER_SEQ, seq.to_string()),
            ],
            payload: Some(payload.to_vec()),
            ..Frame::default()
        }
    }

    #[test]
    fn fragments_join_in_seq_order_whatever_the_arrival_order() {
        let mut r = Reassembly::default();
        let now = Instant::now();
        assert_eq!(r.add(&mut data("m", 3, 2, b"c}"), now), None);
        assert_eq!(r.add(&mut data("other", 2, 0, b"x"), now), None);
        assert_eq!(r.add(&mut data("m", 3, 0, b"{\"a"), now), None);
        assert_eq!(r.add(&mut data("m", 3, 1, b"\":"), now).as_deref(), Some(&b"{\"a\":c}"[..]));
        assert_eq!(r.partial.len(), 1, "only the other message is pending");
        assert_eq!(r.add(&mut data("one", 1, 0, b"whole"), now).as_deref(), Some(&b"whole"[..]));
    }

    #[test]
    fn stale_and_out_of_range_fragments_are_dropped() {
        let mut r = Reassembly::default();
        let then = Instant::now();
        assert_eq!(r.add(&mut data("m", 2, 0, b"a"), then), None);
        let later = then + FRAGMENT_TTL + Duration::from_millis(1);
        assert_eq!(r.add(&mut data("m", 2, 1, b"b"), later), None, "the first half expired");
        assert_eq!(r.add(&mut data("x", 2, 5, b"b"), later), None);
        assert_eq!(r.add(&mut data("y", usize::MAX, 0, b"b"), later), None);
        let mut no_seq = data("z", 2, 0, b"b");
        no_seq.headers.retain(|h| h.key != HEADER_SEQ);
        assert_eq!(r.add(&mut no_seq, later), None);
        assert!(!r.partial.contains_key("x") && !r.partial.contains_key("y") && !r.partial.contains_key("z"));
    }

    #[test]
    fn incomplete_messages_are_bounded() {
        let mut r = Reassembly::default();
        let now = Instant::now();
        for i in 0..MAX_PARTIAL_MESSAGES + 10 {
            assert_eq!(r.add(&mut data(&i.to_string(), 2, 0, b"a"), now), None);
        }
        assert_eq!(r.partial.len(), MAX_PARTIAL_MESSAGES);
        assert_eq!(r.add(&mut data("0", 2, 1, b"b"), now).as_deref(), Some(&b"ab"[..]), "kept ones still complete");
    }

    #[test]
    fn the_answer_is_the_same_frame_with_biz_rt_and_code() {
        let mut frame = data("m", 1, 0, b"{}");
        frame.payload = None;
        let answer = response(frame.clone(), 200, Instant::now());
        assert_eq!((answer.seq_id, answer.log_id, answer.service, answer.method), (7, 9, 33, METHOD_DATA));
        assert_eq!(&answer.headers[..4], &frame.headers[..]);
        assert!(answer.header(HEADER_BIZ_RT).is_some_and(|v| v.parse::<u64>().is_ok()));
        assert_eq!(answer.payload.as_deref(), Some(&br#"{"code":200}"#[..]));
        let decoded: serde_json::Value = serde_json::from_slice(answer.payload.as_deref().unwrap()).unwrap();
        assert_eq!(decoded["code"], 200);
    }

    #[test]
    fn client_config_applies_sane_values_only() {
        let mut c = Config::default();
        c.apply(&serde_json::json!({"ReconnectCount":3,"ReconnectInterval":10,"ReconnectNonce":0,"PingInterval":5}));
        assert_eq!(c.reconnect_count, 3);
        assert_eq!(c.reconnect_interval, Duration::from_secs(10));
        assert_eq!(c.reconnect_nonce, Duration::ZERO);
        assert_eq!(c.ping_interval, Duration::from_secs(5));
        c.apply(&serde_json::json!({"PingInterval":0,"ReconnectInterval":-1,"ReconnectNonce":"x"}));
        assert_eq!(c.ping_interval, Duration::from_secs(5), "zero would spin");
        assert_eq!(c.reconnect_interval, Duration::from_secs(10));
        assert_eq!(c.reconnect_nonce, Duration::ZERO);
        c.apply(&serde_json::json!({"PingInterval": 1e12}));
        assert_eq!(c.ping_interval, Duration::from_secs(MAX_CONFIG_SECONDS as u64));
        c.apply(&serde_json::json!(null));
        assert_eq!(c.reconnect_count, 3);
    }

    #[test]
    fn refused_handshakes_follow_the_sdks() {
        let resp = |status: u16, headers: &[(&str, &str)]| {
            let mut b = http::Response::builder().status(status);
            for (k, v) in headers {
                b = b.header(*k, *v);
            }
            b.body(()).unwrap()
        };
        let limit = refused(&resp(
            403,
            &[("Handshake-Status", "514"), ("Handshake-Autherrcode", "1000040350"), ("Handshake-Msg", "limit")],
        ));
        match limit {
            Failure::Fatal(e) => {
                assert_eq!(e.code(), Some(TOO_MANY_CONNECTIONS));
                assert_eq!(e.msg(), Some("limit"));
            }
            Failure::Retry(e) => panic!("connection limit must be fatal: {e}"),
        }
        assert!(matches!(refused(&resp(403, &[("Handshake-Status", "403")])), Failure::Fatal(_)));
        assert!(matches!(
            refused(&resp(403, &[("Handshake-Status", "514"), ("Handshake-Autherrcode", "1000040343")])),
            Failure::Retry(_)
        ));
        assert!(matches!(refused(&resp(502, &[])), Failure::Retry(_)));
        match refused(&resp(404, &[])) {
            Failure::Retry(e) => assert_eq!(e.status(), Some(404)),
            Failure::Fatal(e) => panic!("{e}"),
        }
    }

    #[test]
    fn tls_config_builds_with_roots() {
        assert!(tls_config().is_ok());
    }
}
