//! Webhook delivery: schema 2.0 envelopes POSTed to the app's request URL, encrypted and signed
//! as `feishu-platform.md` §4 describes, and the url_verification challenge.

use std::time::Duration;

use daka_store::deliveries::DueDelivery;
use daka_store::subscriptions::Subscription;
use reqwest::Client;

use super::crypto;
use crate::events::random_hex;

/// The receiver must answer within this (Feishu: 3 s).
pub const TIMEOUT: Duration = Duration::from_secs(3);

/// An HTTP client for webhooks: title-cased header names (`X-Lark-Signature`, as the Python SDK
/// looks them up case-sensitively), rustls, a 3 s timeout.
pub fn client() -> Client {
    Client::builder()
        .http1_title_case_headers()
        .timeout(TIMEOUT)
        .connect_timeout(TIMEOUT)
        .pool_max_idle_per_host(256)
        .user_agent(concat!("daka/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("the webhook HTTP client builds")
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).expect("strings serialize")
}

/// The schema 2.0 envelope of a delivery for a subscription, as compact JSON.
pub fn envelope(d: &DueDelivery, sub: &Subscription) -> String {
    format!(
        r#"{{"schema":"2.0","header":{{"event_id":{},"event_type":{},"create_time":"{}","token":{},"app_id":{},"tenant_key":{}}},"event":{}}}"#,
        json_str(d.event_id.as_deref().unwrap_or_default()),
        json_str(&d.event_type),
        d.created_ms,
        json_str(&sub.verification_token),
        json_str(&d.app_id),
        json_str(&d.tenant_key),
        if d.payload.is_empty() { "{}" } else { &d.payload },
    )
}

/// POSTs `plaintext` (a JSON document) to `url` as Feishu does: `{"encrypt":…}` when an encrypt
/// key is set, with timestamp, nonce and signature headers. Returns the response status and body.
pub async fn post(client: &Client, url: &str, encrypt_key: &str, plaintext: &str) -> Result<(u16, String), String> {
    let body = if encrypt_key.is_empty() {
        plaintext.to_owned()
    } else {
        format!(r#"{{"encrypt":"{}"}}"#, crypto::encrypt(encrypt_key, plaintext.as_bytes()))
    };
    let timestamp = jiff::Timestamp::now().as_second().to_string();
    let nonce = random_hex(8);
    let signature = crypto::sign(&timestamp, &nonce, encrypt_key, body.as_bytes());
    let resp = client
        .post(url)
        .header("Content-Type", "application/json; charset=utf-8")
        .header("X-Lark-Request-Timestamp", &timestamp)
        .header("X-Lark-Request-Nonce", &nonce)
        .header("X-Lark-Signature", signature)
        .header("X-Request-Id", random_hex(16))
        .body(body)
        .send()
        .await
        .map_err(|e| describe(&e))?;
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap_or_default();
    Ok((status, text))
}

fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "connection failed"
    } else {
        "request failed"
    };
    let mut msg = format!("{kind}: {e}");
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(&format!(": {s}"));
        source = s.source();
    }
    msg
}

/// Delivers one event; `Ok` on any 2xx answer.
pub async fn deliver(client: &Client, sub: &Subscription, d: &DueDelivery) -> Result<(), String> {
    let Some(url) = sub.url.as_deref() else { return Err("no request URL and no long-connection client".into()) };
    let (status, body) = post(client, url, &sub.encrypt_key, &envelope(d, sub)).await?;
    if (200..300).contains(&status) {
        Ok(())
    } else {
        let mut body = body;
        body.truncate(200);
        Err(format!("HTTP {status}: {body}"))
    }
}

/// The url_verification challenge: the URL must answer HTTP 200 with
/// `{"challenge":"<the same value>"}` within 3 s.
pub async fn verify_url(client: &Client, url: &str, verification_token: &str, encrypt_key: &str) -> Result<(), String> {
    let challenge = random_hex(16);
    let plaintext = serde_json::json!({
        "challenge": challenge,
        "token": verification_token,
        "type": "url_verification",
    })
    .to_string();
    let (status, body) = post(client, url, encrypt_key, &plaintext)
        .await
        .map_err(|e| format!("url_verification of {url} failed: {e}"))?;
    if status != 200 {
        let mut body = body;
        body.truncate(200);
        return Err(format!("url_verification of {url} failed: HTTP {status}: {body}"));
    }
    let answer: serde_json::Value = serde_json::from_str(&body)
        .map_err(|_| format!("url_verification of {url} failed: the answer is not JSON: {body:.200}"))?;
    if answer.get("challenge").and_then(|c| c.as_str()) != Some(challenge.as_str()) {
        return Err(format!(
            "url_verification of {url} failed: expected {{\"challenge\":\"{challenge}\"}}, got {body:.200}"
        ));
    }
    Ok(())
}
