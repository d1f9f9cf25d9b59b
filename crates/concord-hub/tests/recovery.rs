//! The hub's promises across restarts: replay rebuilds exactly what was acknowledged.

mod common;

use concord_decide::DecisionRequest;
use concord_hub::{Hub, HubError};
use concord_model::{
    ActionId, Attributes, ChannelId, CustomerId, DecisionId, Event, EventId, EventKind, Outcome,
    Timestamp,
};
use concord_strategy::Strategy;
use proptest::prelude::{ProptestConfig, prop_assert_eq, proptest};
use proptest::strategy::Strategy as _;
use std::path::Path;
use std::sync::Arc;

fn strategy() -> Arc<Strategy> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/telco");
    Arc::new(Strategy::load(&dir).expect("example strategy loads"))
}

fn at(second: i64) -> Timestamp {
    Timestamp::from_second(1_795_000_000 + second).expect("valid time")
}

fn event(id: &str, customer: &str, second: i64, kind: EventKind) -> Event {
    Event {
        event_id: EventId::new(id),
        customer_id: CustomerId::new(customer),
        time: at(second),
        kind,
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// Everything a client can observe of the hub, as comparable JSON.
async fn observe(hub: &Hub, customers: &[&str]) -> serde_json::Value {
    let ids: Vec<CustomerId> = customers.iter().map(|c| CustomerId::new(*c)).collect();
    common::observe(hub, &ids, at(500)).await
}

#[test]
fn reopening_replays_profiles_decisions_responses_kpis_and_models() {
    let dir = tempfile::tempdir().expect("temp dir");
    let rt = runtime();
    let customers = ["c1", "c2"];
    let (before, last_decision, journaled) = rt.block_on(async {
        let hub = Hub::open(dir.path(), strategy()).expect("opens");
        // Realistic attributes, so the example strategy's rules have what they read.
        let sim = concord_sim::Operator::new(concord_sim::SimConfig::with_seed(7, 2), &[])
            .expect("sim builds");
        let rows = ["c1", "c2"]
            .iter()
            .zip(sim.subscribers())
            .map(|(id, s)| {
                (
                    CustomerId::new(*id),
                    s.attributes.clone(),
                    s.initial_holdings.clone(),
                )
            })
            .collect();
        hub.load_customers(rows).await.expect("base loads");
        let events = vec![
            event("e1", "c1", 0, EventKind::DroppedCall { cell: "X".into() }),
            event(
                "e2",
                "c1",
                5,
                EventKind::ProductAdded {
                    product: "roaming_pack".into(),
                },
            ),
            event(
                "e3",
                "c2",
                9,
                EventKind::Recharge {
                    amount: 20.0,
                    channel: "ussd".into(),
                },
            ),
        ];
        hub.ingest(events).await.expect("ingests");
        let (mut last, mut responses) = (None, 0);
        for (i, channel) in ["ussd", "app", "web", "store", "call_centre"]
            .into_iter()
            .enumerate()
        {
            let request = DecisionRequest {
                channel: ChannelId::new(channel),
                context: Attributes::new(),
                limit: None,
                placement: None,
                explain: false,
            };
            let outcome = hub
                .decide(&CustomerId::new("c1"), request, at(100 + i as i64))
                .await
                .expect("decides");
            // A channel may legitimately have nothing for this customer; respond where there is something.
            if let Some(top) = outcome.record.actions.first() {
                let verdict = if responses == 0 {
                    Outcome::Accepted
                } else {
                    Outcome::Declined
                };
                hub.respond(
                    &outcome.record.decision_id,
                    &top.action_id,
                    verdict,
                    at(200),
                )
                .await
                .expect("responds");
                responses += 1;
                last = Some(outcome.record.decision_id);
            }
        }
        assert!(
            responses >= 2,
            "the example strategy should offer c1 something in two channels"
        );
        let journaled = 2 + 3 + 5 + responses;
        (
            observe(&hub, &customers).await,
            last.expect("decided"),
            journaled,
        )
    });
    let hub = Hub::open(dir.path(), strategy()).expect("reopens");
    assert_eq!(hub.replayed().records, journaled as u64);
    assert_eq!(rt.block_on(observe(&hub, &customers)), before);
    // The replayed decision log still matches responses, and duplicates still change nothing.
    let again = rt.block_on(hub.respond(
        &last_decision,
        &ActionId::new("none"),
        Outcome::Accepted,
        at(300),
    ));
    assert!(
        matches!(again, Err(HubError::ActionNotInDecision { .. })),
        "{again:?}"
    );
    // New decision ids never collide with replayed ones.
    let request = DecisionRequest {
        channel: ChannelId::new("ussd"),
        context: Attributes::new(),
        limit: None,
        placement: None,
        explain: false,
    };
    let fresh = rt
        .block_on(hub.decide(&CustomerId::new("c1"), request, at(400)))
        .expect("decides");
    assert_ne!(fresh.record.decision_id, last_decision);
    let unknown = rt.block_on(hub.respond(
        &DecisionId::new("d-nope"),
        &ActionId::new("x"),
        Outcome::Accepted,
        at(1),
    ));
    assert!(matches!(unknown, Err(HubError::UnknownDecision(_))));
}

fn arbitrary_event() -> impl proptest::strategy::Strategy<Value = Event> {
    (0u8..6, 0u8..3, 0i64..10_000, 0u8..4).prop_map(|(id, customer, second, kind)| {
        let kind = match kind {
            0 => EventKind::DroppedCall { cell: "C".into() },
            1 => EventKind::ProductAdded {
                product: "roaming_pack".into(),
            },
            2 => EventKind::ProductRemoved {
                product: "roaming_pack".into(),
            },
            _ => EventKind::Sms { count: None },
        };
        event(&format!("e{id}"), &format!("c{customer}"), second, kind)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Applying events twice, in any batching, ends in the same state as applying them once,
    /// and a reopened hub sees exactly what was acknowledged.
    #[test]
    fn events_twice_change_nothing_and_survive_reopen(
        events in proptest::collection::vec(arbitrary_event(), 1..20),
        split in 0usize..20,
    ) {
        let rt = runtime();
        let customers = ["c0", "c1", "c2"];
        let once = tempfile::tempdir().expect("temp dir");
        let twice = tempfile::tempdir().expect("temp dir");
        let (state_once, state_twice) = rt.block_on(async {
            let a = Hub::open(once.path(), strategy()).expect("opens");
            a.ingest(events.clone()).await.expect("ingests");
            let b = Hub::open(twice.path(), strategy()).expect("opens");
            let split = split.min(events.len());
            b.ingest(events[..split].to_vec()).await.expect("ingests");
            b.ingest(events.clone()).await.expect("ingests");
            b.ingest(events[split..].to_vec()).await.expect("ingests");
            (observe(&a, &customers).await, observe(&b, &customers).await)
        });
        prop_assert_eq!(&state_once, &state_twice);
        let reopened = Hub::open(twice.path(), strategy()).expect("reopens");
        prop_assert_eq!(rt.block_on(observe(&reopened, &customers)), state_twice);
    }
}

#[test]
fn a_data_folder_has_one_writer_at_a_time() {
    let dir = tempfile::tempdir().expect("temp dir");
    let first = Hub::open(dir.path(), strategy()).expect("opens");
    let second = Hub::open(dir.path(), strategy());
    assert!(
        matches!(second, Err(HubError::DataDirInUse(_))),
        "{second:?}"
    );
    drop(first);
    Hub::open(dir.path(), strategy()).expect("opens once the first hub is gone");
}

/// Each customer's recent events follow their journal chain, newest first, whether the earlier
/// event came in the same batch or an earlier one, and across a reopen.
#[test]
fn recent_events_chain_within_and_across_batches() {
    let dir = tempfile::tempdir().expect("temp dir");
    let rt = runtime();
    let sms = || EventKind::Sms { count: Some(1) };
    let batches = [
        vec![("a1", "a", 1), ("b1", "b", 2)],
        // a2..a4 chain inside the batch and onto a1; the repeat of a1 changes nothing.
        vec![
            ("a2", "a", 3),
            ("b2", "b", 4),
            ("a3", "a", 5),
            ("a1", "a", 1),
            ("c1", "c", 6),
            ("a4", "a", 7),
        ],
        vec![("c2", "c", 8)],
    ];
    let expected = [
        ("a", vec!["a4", "a3", "a2", "a1"]),
        ("b", vec!["b2", "b1"]),
        ("c", vec!["c2", "c1"]),
    ];
    let want: Vec<(String, Vec<String>)> = expected
        .iter()
        .map(|(c, ids)| {
            (
                (*c).to_owned(),
                ids.iter().map(|s| (*s).to_owned()).collect(),
            )
        })
        .collect();
    let customers: Vec<&str> = expected.iter().map(|(c, _)| *c).collect();
    rt.block_on(async {
        let hub = Hub::open(dir.path(), strategy()).expect("opens");
        for batch in &batches {
            let events = batch
                .iter()
                .map(|&(id, customer, second)| event(id, customer, second, sms()))
                .collect();
            hub.ingest(events).await.expect("ingests");
        }
        assert_eq!(recent(&hub, &customers).await, want);
    });
    rt.block_on(async {
        let hub = Hub::open(dir.path(), strategy()).expect("reopens");
        assert_eq!(recent(&hub, &customers).await, want, "after reopen");
    });
}

/// Each customer's recent event ids, newest first.
async fn recent(hub: &Hub, customers: &[&str]) -> Vec<(String, Vec<String>)> {
    let mut seen = Vec::new();
    for customer in customers {
        let snapshot = hub
            .customer(&CustomerId::new(*customer), at(500))
            .await
            .expect("customer exists");
        let ids = snapshot
            .recent_events
            .iter()
            .map(|e| e.event_id.0.clone())
            .collect();
        seen.push(((*customer).to_owned(), ids));
    }
    seen
}
