//! A real daka server in-process (`daka_server::app` + `daka_server::serve` on port 0 over a fresh
//! SQLite file) and a minimal HTTP/1.1 client that shows header names exactly as sent.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use daka_server::ratelimit::RateLimiter;
use daka_server::{AppState, Bootstrap, Clock};
use daka_store::Store;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub const APP_ID: &str = "cli_0123456789abcdef";
pub const APP_SECRET: &str = "integration-test-secret";

/// A temporary directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "daka-it-{tag}-{}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed),
            jiff::Timestamp::now().as_nanosecond()
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn db_url(&self) -> String {
        format!("sqlite://{}?mode=rwc", self.0.join("daka.db").display())
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running server.
pub struct Server {
    pub addr: SocketAddr,
    pub store: Store,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Server {
    /// Opens (or reopens) the database at `url`, bootstraps the test app and serves on port 0.
    pub async fn start(url: &str, rate_limit: Option<u32>) -> Server {
        let store = Store::open(url).await.expect("open store");
        let creds = Bootstrap { app_id: Some(APP_ID.into()), app_secret: Some(APP_SECRET.into()) };
        daka_server::bootstrap(&store, &creds, jiff::Timestamp::now().as_second()).await.expect("bootstrap");
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let state = AppState::new(store.clone(), Clock::System, RateLimiter::new(rate_limit));
        let (stop, stopped) = oneshot::channel::<()>();
        let app = daka_server::app(state);
        let task = tokio::spawn(async move {
            daka_server::serve(listener, app, async {
                let _ = stopped.await;
            })
            .await;
        });
        Server { addr, store, stop: Some(stop), task: Some(task) }
    }

    /// Signals shutdown without waiting.
    pub fn signal_shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// Signals shutdown, waits for `serve` to return and closes the store.
    pub async fn shutdown(mut self) {
        self.signal_shutdown();
        if let Some(task) = self.task.take() {
            task.await.expect("serve task");
        }
        self.store.close().await;
    }

    /// A tenant token of the bootstrap app.
    pub async fn token(&self) -> String {
        let body = serde_json::json!({"app_id": APP_ID, "app_secret": APP_SECRET}).to_string();
        let r = request(self.addr, "POST", "/open-apis/auth/v3/tenant_access_token/internal", &[], Some(&body)).await;
        assert_eq!(r.json()["code"], 0, "{}", r.body);
        r.json()["tenant_access_token"].as_str().expect("token").to_owned()
    }

    /// An authenticated JSON request.
    pub async fn call(&self, token: &str, method: &str, path: &str, body: Option<&Value>) -> Response {
        let auth = format!("Bearer {token}");
        let body = body.map(Value::to_string);
        request(self.addr, method, path, &[("Authorization", &auth)], body.as_deref()).await
    }
}

/// A response with header names as they were on the wire.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// A header by its exact name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// Writes a request (without body) head.
pub fn head(method: &str, path: &str, headers: &[(&str, &str)], content_length: Option<usize>) -> String {
    let mut s = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    for (k, v) in headers {
        s.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(n) = content_length {
        s.push_str(&format!("Content-Length: {n}\r\n"));
    }
    s.push_str("\r\n");
    s
}

/// Reads a whole `Connection: close` response.
pub async fn read_response(stream: &mut TcpStream) -> Response {
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read response");
    parse(&raw)
}

pub fn parse(raw: &[u8]) -> Response {
    let text = String::from_utf8_lossy(raw).into_owned();
    let (head, rest) = text.split_once("\r\n\r\n").unwrap_or_else(|| panic!("no response head: {text:?}"));
    let mut lines = head.split("\r\n");
    let status_line = lines.next().expect("status line");
    let status = status_line.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("status");
    let headers: Vec<(String, String)> =
        lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned())).collect();
    let chunked = headers.iter().any(|(k, v)| k.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked"));
    let body = if chunked { dechunk(rest) } else { rest.to_owned() };
    Response { status, headers, body }
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        s = &rest[n + 2..];
    }
    out
}

/// One request on a fresh connection.
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Response {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let body = body.unwrap_or("");
    let len = if body.is_empty() && method == "GET" { None } else { Some(body.len()) };
    stream.write_all(head(method, path, headers, len).as_bytes()).await.expect("write head");
    stream.write_all(body.as_bytes()).await.expect("write body");
    read_response(&mut stream).await
}
