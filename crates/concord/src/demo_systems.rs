//! The demo's simulated operator systems, served beside the API under `/sim`: the SMS gateway
//! the `sms` channel's contacts go to (`/sim/sms`, counting messages per idempotency key), and
//! the charging system the example's `charging` endpoint points at (`/sim/charging`). It provisions each
//! idempotency key once (a repeat answers the first result), answers a few first attempts
//! `503` (a busy system, so retries show) and refuses a few accounts for good (`422`, so the
//! `provisioning_failed` apology shows), both fixed by a hash of the key.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use parking_lot::Mutex;
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

/// Per 1,000 keys: first attempts answered 503, and keys refused for good.
const BUSY_PER_MILLE: u64 = 50;
const REFUSED_PER_MILLE: u64 = 10;

#[derive(Debug, Default)]
pub struct Charging {
    /// Keys provisioned, with what was provisioned.
    provisioned: Mutex<BTreeMap<String, Provisioned>>,
    /// Keys whose first attempt was answered 503 already.
    busy_once: Mutex<HashSet<String>>,
    requests: std::sync::atomic::AtomicU64,
}

#[derive(Debug, Clone, Serialize)]
struct Provisioned {
    customer_id: String,
    product: Option<String>,
    price: Option<f64>,
    /// Requests that carried the key (retries and repeats included).
    requests: u32,
}

#[derive(Debug, Serialize)]
struct Listing {
    requests: u64,
    provisioned: usize,
    recent: BTreeMap<String, Provisioned>,
}

/// The routes: `POST /sim/charging/provision`, `GET /sim/charging/provisions`,
/// `POST /sim/sms/send`, `GET /sim/sms/sent`.
pub fn router() -> axum::Router {
    let charging = axum::Router::new()
        .route("/sim/charging/provision", post(provision))
        .route("/sim/charging/provisions", get(listing))
        .with_state(Arc::new(Charging::default()));
    let sms = axum::Router::new()
        .route("/sim/sms/send", post(sms_send))
        .route("/sim/sms/sent", get(sms_sent))
        .with_state(Arc::new(Gateway::default()));
    charging.merge(sms)
}

/// The simulated SMS gateway: messages by idempotency key (a repeat is not sent twice).
#[derive(Debug, Default)]
pub struct Gateway {
    sent: Mutex<BTreeMap<String, serde_json::Value>>,
    requests: std::sync::atomic::AtomicU64,
}

async fn sms_send(
    State(gateway): State<Arc<Gateway>>,
    headers: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> StatusCode {
    gateway
        .requests
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let Some(key) = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
    else {
        return StatusCode::BAD_REQUEST;
    };
    gateway.sent.lock().entry(key).or_insert(body);
    StatusCode::ACCEPTED
}

async fn sms_sent(State(gateway): State<Arc<Gateway>>) -> Json<serde_json::Value> {
    let sent = gateway.sent.lock();
    let recent: Vec<&serde_json::Value> = sent.values().rev().take(100).collect();
    Json(serde_json::json!({
        "requests": gateway.requests.load(std::sync::atomic::Ordering::Relaxed),
        "messages": sent.len(),
        "recent": recent,
    }))
}

fn hash(key: &str) -> u64 {
    key.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

async fn provision(
    State(charging): State<Arc<Charging>>,
    headers: HeaderMap,
    Json(body): Json<serde_json::Value>,
) -> (StatusCode, Json<serde_json::Value>) {
    charging
        .requests
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let Some(key) = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
    else {
        return (
            StatusCode::BAD_REQUEST,
            Json(serde_json::json!({"error": "Idempotency-Key header missing"})),
        );
    };
    if let Some(done) = charging.provisioned.lock().get_mut(&key) {
        done.requests += 1;
        return (
            StatusCode::OK,
            Json(serde_json::json!({"provisioned": key, "repeat": true})),
        );
    }
    let roll = hash(&key) % 1_000;
    if roll < REFUSED_PER_MILLE {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            Json(serde_json::json!({"error": "account barred from data purchases"})),
        );
    }
    if roll < REFUSED_PER_MILLE + BUSY_PER_MILLE && charging.busy_once.lock().insert(key.clone()) {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({"error": "busy, try again"})),
        );
    }
    let text = |field: &str| body.get(field).and_then(|v| v.as_str()).map(str::to_owned);
    charging.provisioned.lock().insert(
        key.clone(),
        Provisioned {
            customer_id: text("customer_id").unwrap_or_default(),
            product: text("product"),
            price: body.get("price").and_then(serde_json::Value::as_f64),
            requests: 1,
        },
    );
    (
        StatusCode::OK,
        Json(serde_json::json!({"provisioned": key, "repeat": false})),
    )
}

async fn listing(State(charging): State<Arc<Charging>>) -> Json<Listing> {
    let provisioned = charging.provisioned.lock();
    Json(Listing {
        requests: charging.requests.load(std::sync::atomic::Ordering::Relaxed),
        provisioned: provisioned.len(),
        recent: provisioned
            .iter()
            .rev()
            .take(100)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    })
}

/// The demo's connections file: `charging` is the simulated charging system at `addr`, SMS
/// go to the simulated gateway, outbound calls to call-list files in `<data>/outbound`.
pub fn connections(
    addr: std::net::SocketAddr,
    data: &std::path::Path,
) -> anyhow::Result<concord_channel::connections::Connections> {
    let yaml = format!(
        "endpoints:\n  charging:\n    url: http://{addr}/sim/charging/provision\n    timeout: 2s\n    attempts: 4\n    backoff: 200ms\n    max_backoff: 2s\nsinks:\n  call_list:\n    file: {{dir: \"{}\", format: csv}}\n  sms_gateway:\n    webhook: {{url: \"http://{addr}/sim/sms/send\", attempts: 4, backoff: 200ms}}\nchannels:\n  outbound_call: call_list\n  sms: sms_gateway\n",
        data.join("outbound").display()
    );
    concord_channel::connections::Connections::parse("(demo connections)", &yaml)
        .map_err(|e| anyhow::anyhow!("the demo's connections: {e}"))
}
