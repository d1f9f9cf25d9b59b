//! The outbound worker through its public API, on the example strategy: trigger fires are
//! decided once, the outbox survives a restart (journal and snapshot) and is sent after it, a
//! fire a crash caught before its decision is decided after the restart, and a customer who
//! withdrew consent after the decision is not sent.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use concord_channel::Outbound;
use concord_channel::connections::Connections;
use concord_hub::Hub;
use concord_model::{Attributes, Clock, CustomerId, Event, EventId, EventKind, ManualClock, Value};
use concord_strategy::Strategy;
use parking_lot::Mutex;
use std::path::Path;
use std::sync::Arc;

/// The example strategy with outbound maturity capping off (young models reach everyone).
fn strategy() -> Arc<Strategy> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/telco");
    let mut files: Vec<(String, String)> = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("example").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".yaml") {
            files.push((name, std::fs::read_to_string(entry.path()).expect("text")));
        }
    }
    for entry in std::fs::read_dir(dir.join("actions"))
        .expect("actions")
        .flatten()
    {
        let name = format!("actions/{}", entry.file_name().to_string_lossy());
        files.push((name, std::fs::read_to_string(entry.path()).expect("text")));
    }
    for (name, text) in &mut files {
        if name == "models.yaml" {
            *text = text.replace("outbound_start_share: 0.02", "outbound_start_share: 1");
        }
        if name == "channels.yaml" {
            // Any hour of the day.
            *text = text
                .lines()
                .filter(|l| !l.trim_start().starts_with("quiet_hours:"))
                .collect::<Vec<_>>()
                .join("\n");
        }
    }
    Arc::new(
        Strategy::from_files(files.iter().map(|(p, t)| (p.as_str(), t.as_str()))).expect("loads"),
    )
}

/// Requests by idempotency key.
#[derive(Default)]
struct Gateway(Mutex<Vec<(String, serde_json::Value)>>);

async fn receive(
    State(gateway): State<Arc<Gateway>>,
    headers: HeaderMap,
    axum::Json(body): axum::Json<serde_json::Value>,
) -> StatusCode {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    gateway.0.lock().push((key, body));
    StatusCode::ACCEPTED
}

async fn gateway() -> (Arc<Gateway>, String) {
    let gateway = Arc::new(Gateway::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let url = format!("http://{}/sms", listener.local_addr().expect("addr"));
    let app = axum::Router::new()
        .route("/sms", axum::routing::post(receive))
        .with_state(gateway.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (gateway, url)
}

fn connections(url: Option<&str>) -> Connections {
    let yaml = match url {
        Some(url) => format!(
            "sinks:\n  sms_gateway: {{webhook: {{url: \"{url}\", attempts: 2, backoff: 10ms}}}}\nchannels:\n  sms: sms_gateway\n"
        ),
        None => String::new(),
    };
    Connections::parse("connections.yaml", &yaml).expect("parses")
}

fn worker(hub: &Arc<Hub>, connections: &Connections, clock: &Arc<dyn Clock>) -> Arc<Outbound> {
    let sinks = concord_channel::build_sinks(connections, |name, _| Err(format!("no {name}")))
        .expect("sinks build");
    Outbound::new(hub.clone(), connections, sinks, clock.clone())
}

async fn customers(hub: &Hub, ids: &[&str]) {
    let rows = ids
        .iter()
        .map(|id| {
            let mut a = Attributes::new();
            for (k, v) in [
                ("segment", Value::from("prepaid")),
                ("tenure_months", Value::Num(20.0)),
                ("balance", Value::Num(80.0)),
                ("avg_recharge", Value::Num(20.0)),
                ("device_type", Value::from("smartphone")),
                ("data_bundle_mb", Value::Num(1024.0)),
                ("consent_sms", Value::Bool(true)),
            ] {
                a.insert(k.to_owned(), v);
            }
            (CustomerId::new(*id), a, Vec::new())
        })
        .collect();
    hub.load_customers(rows).await.expect("loads");
}

fn event(id: &str, customer: &str, time: concord_model::Timestamp, kind: EventKind) -> Event {
    Event {
        event_id: EventId::new(id),
        customer_id: CustomerId::new(customer),
        time,
        kind,
    }
}

fn bundle_85(customer: &str, time: concord_model::Timestamp) -> Event {
    event(
        &format!("{customer}-bundle"),
        customer,
        time,
        EventKind::BundleUsage {
            bundle: "data_1gb".into(),
            used_mb: 870.0,
            total_mb: 1024.0,
            expires: None,
        },
    )
}

#[test]
fn the_outbox_survives_restarts_and_honours_a_late_opt_out() {
    let data = tempfile::tempdir().expect("temp dir");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let now = concord_model::Timestamp::now();
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(now));
    let strategy = strategy();
    rt.block_on(async {
        let hub = Arc::new(Hub::open(data.path(), strategy.clone()).expect("opens"));
        customers(&hub, &["c1", "c2", "c3"]).await;
        hub.ingest(vec![bundle_85("c1", now), bundle_85("c2", now)])
            .await
            .expect("ingests");
        // No sink for SMS yet: the fires are decided, the decisions wait in the outbox.
        let none = connections(None);
        worker(&hub, &none, &clock).sweep().await.expect("sweeps");
        assert_eq!(hub.outbox_pending().len(), 2);
        // c3's fire comes in; the hub stops before any worker decides it.
        hub.ingest(vec![bundle_85("c3", now)])
            .await
            .expect("ingests");
        // c2 opts out of SMS after the decision.
        hub.ingest(vec![event(
            "c2-optout",
            "c2",
            now,
            EventKind::ConsentChange {
                channel: "sms".into(),
                granted: false,
            },
        )])
        .await
        .expect("ingests");
    });
    for snapshot in [false, true] {
        let hub = Hub::open(data.path(), strategy.clone()).expect("reopens");
        assert_eq!(hub.outbox_pending().len(), 2, "snapshot: {snapshot}");
        assert_eq!(
            hub.recovery().snapshot.is_some(),
            snapshot,
            "restored from it"
        );
        if !snapshot {
            hub.snapshot().expect("snapshot");
        }
    }
    rt.block_on(async {
        let (gateway, url) = gateway().await;
        let hub = Arc::new(Hub::open(data.path(), strategy.clone()).expect("reopens"));
        let outbound = worker(&hub, &connections(Some(&url)), &clock);
        let sent = outbound.sweep().await.expect("sweeps");
        assert_eq!(
            sent, 2,
            "c1's SMS and c3's (its fire decided after the restart)"
        );
        let customers: Vec<String> = gateway
            .0
            .lock()
            .iter()
            .map(|(_, body)| body["customer_id"].as_str().unwrap_or_default().to_owned())
            .collect();
        assert_eq!(customers.len(), 2);
        assert!(customers.contains(&"c1".to_owned()) && customers.contains(&"c3".to_owned()));
        assert!(!customers.contains(&"c2".to_owned()), "c2 opted out");
        let report = hub.outbox(10);
        assert!(report.pending.is_empty());
        assert_eq!((report.contacts_delivered, report.contacts_failed), (2, 1));
        assert_eq!(
            outbound
                .stats()
                .contacts_withheld
                .load(std::sync::atomic::Ordering::Relaxed),
            1
        );
    });
    // Nothing left to send or decide after another restart.
    rt.block_on(async {
        let (gateway, url) = gateway().await;
        let hub = Arc::new(Hub::open(data.path(), strategy.clone()).expect("reopens"));
        assert!(hub.outbox_pending().is_empty());
        let sent = worker(&hub, &connections(Some(&url)), &clock)
            .sweep()
            .await
            .expect("sweeps");
        assert_eq!(sent, 0);
        assert!(gateway.0.lock().is_empty());
    });
}
