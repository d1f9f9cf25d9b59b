//! `WebhookSink` against a real receiver (axum on a loopback port): each contact arrives with
//! its contact id as the idempotency key, is applied once however often it is retried, and
//! results come back in batch order.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use concord_model::Timestamp;
use concord_sink::{
    ContactSink, DeliveryError, OutboundContact, Retry, SinkError, WebhookBody, WebhookConfig,
    WebhookSink,
};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// How the receiver treats a contact, chosen by its customer id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Behaviour {
    /// 200 at once.
    Takes,
    /// 503 twice, then 200.
    Flaky,
    /// 422 every time.
    Refuses,
}

impl Behaviour {
    fn of(customer_id: &str) -> Behaviour {
        if customer_id.starts_with("flaky") {
            Behaviour::Flaky
        } else if customer_id.starts_with("refused") {
            Behaviour::Refuses
        } else {
            Behaviour::Takes
        }
    }
}

/// A receiver that applies each idempotency key once.
#[derive(Default)]
struct Receiver {
    state: Mutex<Seen>,
}

#[derive(Default)]
struct Seen {
    requests: HashMap<String, usize>,
    /// Contacts applied, by key (a repeated key is acknowledged, not applied again).
    applied: HashMap<String, Vec<OutboundContact>>,
    in_flight: usize,
    max_in_flight: usize,
}

async fn receive(
    State(receiver): State<Arc<Receiver>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> (StatusCode, String) {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let contact: OutboundContact = match serde_json::from_slice(&body) {
        Ok(contact) => contact,
        Err(e) => return (StatusCode::BAD_REQUEST, e.to_string()),
    };
    let attempt = {
        let mut seen = receiver.state.lock();
        seen.in_flight += 1;
        seen.max_in_flight = seen.max_in_flight.max(seen.in_flight);
        let attempt = seen.requests.entry(key.clone()).or_default();
        *attempt += 1;
        *attempt
    };
    // Later contacts of a batch answer sooner, so completions come back out of order.
    let rank_delay = 30u64.saturating_sub(u64::from(contact.rank) * 3);
    tokio::time::sleep(Duration::from_millis(rank_delay)).await;
    let mut seen = receiver.state.lock();
    seen.in_flight -= 1;
    match Behaviour::of(&contact.customer_id) {
        Behaviour::Refuses => (
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("customer {} has opted out", contact.customer_id),
        ),
        Behaviour::Flaky if attempt <= 2 => (StatusCode::SERVICE_UNAVAILABLE, "busy".into()),
        Behaviour::Takes | Behaviour::Flaky => {
            let applied = seen.applied.entry(key).or_default();
            if applied.is_empty() {
                applied.push(contact);
            }
            (StatusCode::OK, String::new())
        }
    }
}

async fn serve(receiver: Arc<Receiver>) -> String {
    let app = Router::new()
        .route("/contacts", post(receive))
        .with_state(receiver);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/contacts")
}

fn contact(rank: u32, customer_id: &str) -> OutboundContact {
    let decision_id = format!("d-{customer_id}");
    let action_id = format!("offer-{rank}");
    OutboundContact {
        contact_id: OutboundContact::id_of(&decision_id, &action_id),
        decision_id,
        customer_id: customer_id.to_owned(),
        channel: "sms".into(),
        action_id,
        rank,
        issue: "retention".into(),
        group: "bundles".into(),
        text: rank
            .is_multiple_of(2)
            .then(|| "Ciao! 5 GB for 3 €".to_owned()),
        price: rank.is_multiple_of(3).then_some(3.0),
        valid_until: None,
        propensity: 0.125,
        value: 2.5,
        time: Timestamp::from_second(1_740_000_000).expect("a time"),
        trigger: Some("topup".into()),
        run: None,
        arm: "test".into(),
        variant: None,
    }
}

fn sink(url: String, concurrency: usize) -> WebhookSink {
    WebhookSink::new(WebhookConfig {
        name: "crm".into(),
        url,
        retry: Retry {
            attempts: 4,
            timeout: Duration::from_secs(2),
            backoff: Duration::from_millis(2),
            max_backoff: Duration::from_millis(10),
        },
        concurrency,
        body: WebhookBody::Contact,
    })
    .expect("a valid webhook")
}

/// Sends one contact per customer id (the id picks the receiver's behaviour) and checks each
/// result, in batch order, and what the receiver applied. Returns the most requests that were
/// in flight at once.
async fn check(customers: &[&str], concurrency: usize) -> usize {
    let receiver = Arc::new(Receiver::default());
    let sink = sink(serve(Arc::clone(&receiver)).await, concurrency);
    let contacts: Vec<OutboundContact> = customers
        .iter()
        .zip(1..)
        .map(|(customer, rank)| contact(rank, customer))
        .collect();

    let results = sink.send(&contacts).await;
    assert!(sink.finish().await.is_ok());

    assert_eq!(results.len(), contacts.len());
    let seen = receiver.state.lock();
    for (contact, result) in contacts.iter().zip(&results) {
        let key = &contact.contact_id;
        let requests = seen.requests.get(key).copied().unwrap_or_default();
        match Behaviour::of(&contact.customer_id) {
            Behaviour::Takes | Behaviour::Flaky => {
                assert!(result.is_ok(), "{key}: {result:?}");
                let expected_requests = if Behaviour::of(&contact.customer_id) == Behaviour::Flaky {
                    3
                } else {
                    1
                };
                assert_eq!(requests, expected_requests, "{key}: requests");
                assert_eq!(
                    seen.applied.get(key).map(Vec::as_slice),
                    Some(std::slice::from_ref(contact)),
                    "{key}: applied once, as sent"
                );
            }
            Behaviour::Refuses => {
                match result {
                    Err(SinkError::Delivery(DeliveryError::Refused { status, body, .. })) => {
                        assert_eq!(*status, 422, "{key}");
                        assert!(body.contains(&contact.customer_id), "{key}: {body}");
                    }
                    other => panic!("{key}: expected a refusal, got {other:?}"),
                }
                assert_eq!(requests, 1, "{key}: a refusal is not retried");
                assert!(!seen.applied.contains_key(key), "{key}");
            }
        }
    }
    assert_eq!(seen.in_flight, 0);
    assert!(
        seen.max_in_flight <= concurrency,
        "{} in flight with concurrency {concurrency}",
        seen.max_in_flight
    );
    seen.max_in_flight
}

#[tokio::test]
async fn a_webhook_failing_twice_per_contact_applies_each_once() {
    for concurrency in [1, 2, 16] {
        check(
            &["flaky-1", "flaky-2", "flaky-3", "flaky-4", "flaky-5"],
            concurrency,
        )
        .await;
    }
}

#[tokio::test]
async fn a_refusing_webhook_fails_each_contact_with_its_status() {
    check(&["refused-1", "refused-2", "refused-3"], 4).await;
    check(&["refused-1", "refused-2", "refused-3"], 1).await;
}

#[tokio::test]
async fn results_come_back_in_batch_order() {
    let customers = [
        "refused-1",
        "ok-2",
        "flaky-3",
        "ok-4",
        "refused-5",
        "flaky-6",
        "ok-7",
        "ok-8",
        "refused-9",
        "flaky-10",
    ];
    for concurrency in [1, 3, 10] {
        check(&customers, concurrency).await;
    }
}

#[tokio::test]
async fn concurrency_bounds_requests_in_flight() {
    let customers: Vec<String> = (1..=12).map(|i| format!("ok-{i}")).collect();
    let customers: Vec<&str> = customers.iter().map(String::as_str).collect();
    let max_in_flight = check(&customers, 3).await;
    assert!(max_in_flight > 1, "requests went one at a time");
}

#[tokio::test]
async fn an_empty_batch_sends_nothing() {
    assert_eq!(check(&[], 4).await, 0);
}

#[tokio::test]
async fn an_unreachable_webhook_fails_each_contact() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/contacts", listener.local_addr().expect("addr"));
    drop(listener);
    let sink = sink(url, 2);
    let contacts = [contact(1, "ok-1"), contact(2, "ok-2")];
    let results = sink.send(&contacts).await;
    assert_eq!(results.len(), 2);
    for result in results {
        assert!(
            matches!(
                result,
                Err(SinkError::Delivery(DeliveryError::Exhausted {
                    attempts: 4,
                    ..
                }))
            ),
            "{result:?}"
        );
    }
}
