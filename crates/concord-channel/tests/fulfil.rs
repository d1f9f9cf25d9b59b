//! Fulfilment through its public API, against a real HTTP charging system on loopback: an
//! accepted offer is provisioned once with its idempotency key, through transient failures,
//! however often the acceptance is replayed; a refused one becomes a `provisioning_failed`
//! event and the apology service treatment; an open job survives a restart (journal replay and
//! snapshot) and is provisioned after it with the same key.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use concord_channel::Fulfiller;
use concord_channel::connections::Connections;
use concord_decide::DecisionRequest;
use concord_hub::{Hub, ProvisionResult};
use concord_model::{
    ActionId, Attributes, ChannelId, Clock, CustomerId, DecisionId, Event, EventId, EventKind,
    ManualClock, Outcome, Timestamp, Value,
};
use concord_strategy::Strategy;
use parking_lot::Mutex;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

const BUNDLE: &str = "grow_bigger_bundle_private";

/// 10:00 UTC on 2026-11-23 plus `minutes`.
fn at(minutes: i64) -> Timestamp {
    Timestamp::from_second(1_795_428_000 + minutes * 60).expect("time")
}

/// The charging system: answers each request with the next scripted status (200 once the
/// script runs out) and remembers every request's key, status and body.
#[derive(Default)]
struct Charging {
    script: Mutex<Vec<u16>>,
    seen: Mutex<Vec<(String, u16, serde_json::Value)>>,
}

impl Charging {
    fn requests(&self) -> Vec<(String, u16, serde_json::Value)> {
        self.seen.lock().clone()
    }

    /// Successful calls per idempotency key.
    fn provisioned(&self, key: &str) -> usize {
        self.seen
            .lock()
            .iter()
            .filter(|(k, status, _)| k == key && *status == 200)
            .count()
    }
}

async fn provision(
    State(charging): State<Arc<Charging>>,
    headers: HeaderMap,
    body: axum::Json<serde_json::Value>,
) -> StatusCode {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let status = {
        let mut script = charging.script.lock();
        if script.is_empty() {
            200
        } else {
            script.remove(0)
        }
    };
    charging.seen.lock().push((key, status, body.0));
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// Starts the charging system on 127.0.0.1; returns its state and URL.
async fn charging_system(rt: &tokio::runtime::Runtime) -> (Arc<Charging>, String) {
    let charging = Arc::new(Charging::default());
    let app = axum::Router::new()
        .route("/provision", post(provision))
        .with_state(charging.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let url = format!("http://{}/provision", listener.local_addr().expect("addr"));
    rt.spawn(async move { axum::serve(listener, app).await });
    (charging, url)
}

fn connections(url: &str) -> Connections {
    Connections::parse(
        "connections.yaml",
        &format!(
            "endpoints:\n  charging:\n    url: {url}\n    attempts: 4\n    timeout: 2s\n    backoff: 10ms\n    max_backoff: 50ms\n"
        ),
    )
    .expect("connections parse")
}

fn strategy() -> Arc<Strategy> {
    Arc::new(
        Strategy::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/telco"))
            .expect("example loads"),
    )
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// A prepaid smartphone customer with money on the account and a 1 GB bundle 85% used.
async fn bundle_customer(hub: &Hub, id: &str) {
    let mut a = Attributes::new();
    for (k, v) in [
        ("segment", Value::from("prepaid")),
        ("tenure_months", Value::Num(20.0)),
        ("arpu", Value::Num(15.0)),
        ("balance", Value::Num(80.0)),
        ("avg_recharge", Value::Num(20.0)),
        ("device_type", Value::from("smartphone")),
        ("network", Value::from("4g")),
        ("data_bundle_mb", Value::Num(1024.0)),
        ("consent_sms", Value::Bool(true)),
    ] {
        a.insert(k.to_owned(), v);
    }
    hub.load_customers(vec![(CustomerId::new(id), a, Vec::new())])
        .await
        .expect("loads");
    hub.ingest(vec![Event {
        event_id: EventId::new(format!("{id}-bundle")),
        customer_id: CustomerId::new(id),
        time: at(0),
        kind: EventKind::BundleUsage {
            bundle: "data_1gb".into(),
            used_mb: 870.0,
            total_mb: 1024.0,
            expires: None,
        },
    }])
    .await
    .expect("ingests");
}

/// Decides in the app for `id` and returns the decision and the bundle's price.
async fn offered_bundle(hub: &Hub, id: &str, minute: i64) -> (DecisionId, f64) {
    let outcome = hub
        .decide(
            &CustomerId::new(id),
            DecisionRequest {
                channel: ChannelId::new("app"),
                context: Attributes::new(),
                limit: Some(10),
                placement: None,
                explain: false,
            },
            at(minute),
        )
        .await
        .expect("decides");
    let bundle = outcome
        .record
        .actions
        .iter()
        .find(|a| a.action_id.as_str() == BUNDLE)
        .unwrap_or_else(|| panic!("{BUNDLE} is offered: {:?}", outcome.record.actions));
    (
        outcome.record.decision_id.clone(),
        bundle.price.expect("a private price"),
    )
}

async fn accept(hub: &Hub, decision: &DecisionId, minute: i64) -> bool {
    !hub.respond(
        decision,
        &ActionId::new(BUNDLE),
        Outcome::Accepted,
        at(minute),
    )
    .await
    .expect("responds")
    .duplicate
}

/// Waits (up to 10 s) until the hub has closed `n` jobs.
async fn closed(hub: &Hub, n: u64) {
    for _ in 0..1_000 {
        let report = hub.provisions(100);
        if report.provisioned + report.failed >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("jobs not closed: {:?}", hub.provisions(100));
}

#[test]
fn an_acceptance_is_provisioned_once_through_transient_failures_and_replays() {
    let data = tempfile::tempdir().expect("temp dir");
    let rt = runtime();
    rt.block_on(async {
        let (charging, url) = charging_system(&rt).await;
        let hub = Arc::new(Hub::open(data.path(), strategy()).expect("opens"));
        bundle_customer(&hub, "27820000001").await;
        let (decision, price) = offered_bundle(&hub, "27820000001", 1).await;
        // Unavailable twice, then it takes it.
        *charging.script.lock() = vec![503, 503];
        assert!(accept(&hub, &decision, 2).await);
        assert_eq!(
            hub.provisions_pending().len(),
            1,
            "queued with the acceptance"
        );
        let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(at(3)));
        let fulfiller = Fulfiller::new(hub.clone(), &connections(&url), clock).expect("valid");
        let worker = tokio::spawn(fulfiller.clone().run());
        closed(&hub, 1).await;
        // The acceptance replayed: a duplicate, nothing new to provision.
        assert!(
            !accept(&hub, &decision, 4).await,
            "a repeated acceptance is a duplicate"
        );
        assert!(hub.provisions_pending().is_empty());
        tokio::time::sleep(Duration::from_millis(1_200)).await; // one sweep of the worker
        worker.abort();

        let key = format!("{decision}:{BUNDLE}");
        let requests = charging.requests();
        assert_eq!(
            requests.len(),
            3,
            "two failures and the success: {requests:?}"
        );
        assert!(
            requests.iter().all(|(k, _, _)| *k == key),
            "one key throughout"
        );
        assert_eq!(charging.provisioned(&key), 1);
        let body = &requests[2].2;
        assert_eq!(body["idempotency_key"], key.as_str());
        assert_eq!(body["customer_id"], "27820000001");
        assert_eq!(body["product"], "data_2gb_private");
        assert_eq!(body["price"], price, "the price the customer accepted");
        assert_eq!(body["channel"], "app");
        let report = hub.provisions(10);
        assert_eq!((report.provisioned, report.failed), (1, 0));
        assert!(matches!(
            report.recent[0].result,
            ProvisionResult::Provisioned {
                attempts: 3,
                status: 200
            }
        ));
        assert_eq!(
            fulfiller
                .stats()
                .attempts
                .load(std::sync::atomic::Ordering::Relaxed),
            3
        );
    });
}

#[test]
fn a_refused_provisioning_becomes_an_event_and_the_apology() {
    let data = tempfile::tempdir().expect("temp dir");
    let rt = runtime();
    rt.block_on(async {
        let (charging, url) = charging_system(&rt).await;
        let hub = Arc::new(Hub::open(data.path(), strategy()).expect("opens"));
        bundle_customer(&hub, "27820000002").await;
        let (decision, _) = offered_bundle(&hub, "27820000002", 1).await;
        *charging.script.lock() = vec![400];
        assert!(accept(&hub, &decision, 2).await);
        let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(at(3)));
        let fulfiller = Fulfiller::new(hub.clone(), &connections(&url), clock).expect("valid");
        let worker = tokio::spawn(fulfiller.run());
        closed(&hub, 1).await;
        worker.abort();
        assert_eq!(charging.requests().len(), 1, "a 4xx is not retried");
        let report = hub.provisions(10);
        assert_eq!((report.provisioned, report.failed), (0, 1));
        let view = hub
            .customer(&CustomerId::new("27820000002"), at(4))
            .await
            .expect("known");
        let computed = serde_json::to_value(&view.computed).expect("json");
        assert_eq!(computed["provisioning_failures_7d"], 1.0, "{computed}");
        assert_eq!(computed["provisioning_failed_action"], BUNDLE);
        // The next conversation leads with the apology.
        let outcome = hub
            .decide(
                &CustomerId::new("27820000002"),
                DecisionRequest {
                    channel: ChannelId::new("app"),
                    context: Attributes::new(),
                    limit: None,
                    placement: None,
                    explain: false,
                },
                at(5),
            )
            .await
            .expect("decides");
        assert_eq!(
            outcome.record.actions[0].action_id.as_str(),
            "svc_provisioning_apology"
        );
        // The apology SMS trigger fired on the event.
        assert_eq!(hub.triggers(10).counts.get("provisioning_failed"), Some(&1));
    });
}

#[test]
fn an_open_job_survives_a_restart_and_keeps_its_key() {
    let data = tempfile::tempdir().expect("temp dir");
    let rt = runtime();
    let decision = rt.block_on(async {
        let hub = Hub::open(data.path(), strategy()).expect("opens");
        bundle_customer(&hub, "27820000003").await;
        let (decision, _) = offered_bundle(&hub, "27820000003", 1).await;
        assert!(accept(&hub, &decision, 2).await);
        decision
    });
    // Reopened from the journal, then from a snapshot: the job is still open.
    for snapshot in [false, true] {
        let hub = Hub::open(data.path(), strategy()).expect("reopens");
        let pending = hub.provisions_pending();
        assert_eq!(pending.len(), 1, "snapshot: {snapshot}");
        assert_eq!(
            hub.recovery().snapshot.is_some(),
            snapshot,
            "restored from it"
        );
        assert_eq!(pending[0].decision_id, decision);
        if !snapshot {
            hub.snapshot().expect("snapshot");
        }
    }
    rt.block_on(async {
        let (charging, url) = charging_system(&rt).await;
        let hub = Arc::new(Hub::open(data.path(), strategy()).expect("reopens"));
        let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(at(60)));
        let fulfiller = Fulfiller::new(hub.clone(), &connections(&url), clock).expect("valid");
        let worker = tokio::spawn(fulfiller.run());
        closed(&hub, 1).await;
        worker.abort();
        assert_eq!(charging.provisioned(&format!("{decision}:{BUNDLE}")), 1);
        assert!(hub.provisions_pending().is_empty());
    });
    // Closed for good: a restart has nothing to provision.
    let hub = Hub::open(data.path(), strategy()).expect("reopens");
    assert!(hub.provisions_pending().is_empty());
    assert_eq!(hub.provisions(10).provisioned, 1);
}

#[test]
fn an_action_fulfilled_through_an_undefined_endpoint_is_refused_at_start() {
    let data = tempfile::tempdir().expect("temp dir");
    let hub = Arc::new(Hub::open(data.path(), strategy()).expect("opens"));
    let none = Connections::parse("connections.yaml", "endpoints: {}").expect("parses");
    let clock: Arc<dyn Clock> = Arc::new(ManualClock::new(at(0)));
    let err = Fulfiller::new(hub, &none, clock).expect_err("charging is missing");
    assert_eq!(
        err.to_string(),
        "connections.yaml:1:1: endpoints: action `grow_bigger_bundle_private` is fulfilled through endpoint `charging`, which is not defined here (defined: none)"
    );
}
