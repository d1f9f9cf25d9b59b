//! The circuit breaker: decisions that overrun the channel's latency budget `overruns` times in
//! a row make the channel answer its default actions until the cool-down (request time) ends.

mod common;

use concord_decide::DecisionRequest;
use concord_hub::Hub;
use concord_model::{Attributes, ChannelId, CustomerId, Timestamp, Value};
use concord_strategy::Strategy;
use std::sync::Arc;

/// The example strategy with a USSD budget no decision can meet (a nanosecond), two overruns
/// to trip, and a 30 s cool-down.
fn strategy() -> Arc<Strategy> {
    let mut files = common::example_files();
    let channels = common::file(&mut files, "channels.yaml");
    let changed = channels.replace(
        "budget_ms: 50, overruns: 5",
        "budget_ms: 0.000001, overruns: 2",
    );
    assert_ne!(*channels, changed, "the example declares a USSD breaker");
    *channels = changed;
    common::strategy_from(&files)
}

#[test]
fn overruns_open_the_breaker_and_the_cooldown_closes_it() {
    let data = tempfile::tempdir().expect("temp dir");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let hub = Hub::open(data.path(), strategy()).expect("opens");
        let mut attributes = Attributes::new();
        attributes.insert("segment".into(), Value::from("prepaid"));
        hub.load_customers(vec![(CustomerId::new("c1"), attributes, Vec::new())])
            .await
            .expect("loads");
        let decide = |seconds: i64, channel: &str| {
            let hub = &hub;
            let request = DecisionRequest {
                channel: ChannelId::new(channel),
                context: Attributes::new(),
                limit: None,
                placement: None,
                explain: true,
            };
            async move {
                let time = Timestamp::from_second(1_795_000_000 + seconds).expect("time");
                hub.decide(&CustomerId::new("c1"), request, time)
                    .await
                    .expect("decides")
            }
        };
        // Two overruns: both answered by the funnel; the second trips the breaker.
        assert!(!decide(0, "ussd").await.fallback);
        assert!(!decide(1, "ussd").await.fallback);
        // Open: the defaults, in the breaker's order, with their USSD treatments.
        let open = decide(2, "ussd").await;
        assert!(open.fallback);
        let ids: Vec<&str> = open
            .record
            .actions
            .iter()
            .map(|a| a.action_id.as_str())
            .collect();
        assert_eq!(ids, ["grow_data_1gb", "grow_voice_bundle_prepaid"]);
        assert!(open.record.actions.iter().all(|a| a.treatment.is_some()));
        assert!(
            open.trace
                .iter()
                .all(|t| t.reason.contains("circuit breaker open"))
        );
        // Other channels are not affected.
        assert!(!decide(3, "app").await.fallback);
        assert!(
            decide(30, "ussd").await.fallback,
            "still inside the 30 s cool-down (tripped at 1 s)"
        );
        // After the cool-down the funnel answers again.
        assert!(!decide(32, "ussd").await.fallback);
        let stats = hub.stats().breakers;
        assert_eq!(stats.len(), 1, "{stats:?}");
        assert_eq!(
            (
                stats[0].channel.as_str(),
                stats[0].trips,
                stats[0].fallbacks
            ),
            ("ussd", 1, 2)
        );
    });
}
