//! The contact history through the hub: decisions record impressions and responses outcomes;
//! caps, household caps, pauses and volume budgets hold across decisions, and across a restart
//! by journal replay and by snapshot.

mod common;

use concord_decide::DecisionRequest;
use concord_hub::Hub;
use concord_model::{Attributes, ChannelId, CustomerId, Outcome, Timestamp, TraceStage, Value};
use concord_strategy::Strategy;
use std::sync::Arc;

/// The example strategy with its contact.yaml replaced by `contact`.
fn strategy(contact: &str) -> Arc<Strategy> {
    let mut files = common::uncapped_example_files();
    *common::file(&mut files, "contact.yaml") = contact.to_owned();
    common::strategy_from(&files)
}

/// 10:00 UTC (12:00 in Johannesburg) on 2026-11-23 (a Monday) plus `days` and `minutes`.
fn at(days: i64, minutes: i64) -> Timestamp {
    Timestamp::from_second(1_795_428_000 + days * 86_400 + minutes * 60).expect("time")
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn request(channel: &str) -> DecisionRequest {
    DecisionRequest {
        channel: ChannelId::new(channel),
        context: Attributes::new(),
        limit: None,
        placement: None,
        explain: true,
    }
}

/// The actions offered, and the contact-policy or volume reason of the first action held back.
async fn offered(hub: &Hub, customer: &str, channel: &str, time: Timestamp) -> (usize, String) {
    let outcome = hub
        .decide(&CustomerId::new(customer), request(channel), time)
        .await
        .expect("decides");
    let reason = outcome
        .trace
        .iter()
        .find(|e| matches!(e.stage, TraceStage::ContactPolicy | TraceStage::Volume))
        .map(|e| e.reason.clone())
        .unwrap_or_default();
    (outcome.record.actions.len(), reason)
}

const CAPS: &str = "household_attribute: household_id
caps:
  - {id: sms_per_day, channels: [sms], max: 1, per: day}
  - {id: calls_per_household, channels: [outbound_call], household: true, max: 1, per: week}
volume:
  - {id: calls_per_day, channels: [outbound_call], per: day, max: 2}
";

#[test]
fn caps_and_budgets_hold_across_decisions_and_restarts() {
    let data = tempfile::tempdir().expect("temp dir");
    let rt = runtime();
    let strategy = strategy(CAPS);
    {
        let hub = Hub::open(data.path(), strategy.clone()).expect("opens");
        rt.block_on(async {
            let customers = [("c1", "h1"), ("c2", "h1"), ("c3", "h2"), ("c4", "h3")];
            common::load_postpaid(&hub, &customers).await;
            common::load_postpaid(&hub, &[("c5", "h4"), ("c6", "h5")]).await;
            let (n, _) = offered(&hub, "c1", "sms", at(0, 0)).await;
            assert_eq!(n, 1, "the first SMS of the day goes out");
            let (n, reason) = offered(&hub, "c1", "sms", at(0, 5)).await;
            assert_eq!(n, 0);
            assert!(
                reason.contains("cap sms_per_day: 1 impressions today"),
                "{reason}"
            );
            // A call to c1 closes calls to c2 (same household) for the week, not to c3.
            assert_eq!(offered(&hub, "c1", "outbound_call", at(0, 0)).await.0, 1);
            let (n, reason) = offered(&hub, "c2", "outbound_call", at(0, 10)).await;
            assert_eq!(n, 0);
            assert!(reason.contains("household impressions"), "{reason}");
            assert_eq!(offered(&hub, "c3", "outbound_call", at(0, 10)).await.0, 1);
            // Two calls today: the day's budget is spent for everyone.
            let (n, reason) = offered(&hub, "c4", "outbound_call", at(0, 20)).await;
            assert_eq!(n, 0);
            assert!(reason.contains("volume calls_per_day: 2 of 2"), "{reason}");
        });
        assert_eq!(hub.contacts_kept(), 3);
    }
    // Journal replay rebuilds the history: still capped today, free again tomorrow.
    {
        let hub = Hub::open(data.path(), strategy.clone()).expect("reopens");
        assert_eq!(hub.contacts_kept(), 3);
        rt.block_on(async {
            assert_eq!(offered(&hub, "c1", "sms", at(0, 30)).await.0, 0);
            assert_eq!(offered(&hub, "c4", "outbound_call", at(0, 30)).await.0, 0);
            assert_eq!(offered(&hub, "c2", "outbound_call", at(1, 0)).await.0, 0);
            assert_eq!(offered(&hub, "c1", "sms", at(1, 0)).await.0, 1);
            assert_eq!(offered(&hub, "c4", "outbound_call", at(1, 0)).await.0, 1);
        });
        assert_eq!(hub.contacts_kept(), 5);
        hub.snapshot().expect("snapshot").expect("written");
    }
    // From the snapshot (nothing after it to replay).
    let hub = Hub::open(data.path(), strategy).expect("reopens from the snapshot");
    assert!(hub.recovery().snapshot.is_some());
    assert_eq!(hub.contacts_kept(), 5);
    rt.block_on(async {
        assert_eq!(offered(&hub, "c1", "sms", at(1, 10)).await.0, 0);
        let (n, reason) = offered(&hub, "c3", "outbound_call", at(1, 10)).await;
        assert_eq!(n, 0, "c3's household was called this week");
        assert!(reason.contains("cap calls_per_household"), "{reason}");
        assert_eq!(offered(&hub, "c5", "outbound_call", at(1, 10)).await.0, 1);
        let (n, reason) = offered(&hub, "c6", "outbound_call", at(1, 20)).await;
        assert_eq!(n, 0, "{reason}");
        assert!(reason.contains("volume calls_per_day"), "{reason}");
    });
}

const PAUSE: &str = "pauses:
  - {id: declined_twice, outcome: declined, count: 2, within: 30d, pause: 60d}
";

#[test]
fn two_declines_pause_the_action_in_every_channel() {
    let data = tempfile::tempdir().expect("temp dir");
    let rt = runtime();
    let hub = Hub::open(data.path(), strategy(PAUSE)).expect("opens");
    rt.block_on(async {
        common::load_postpaid(&hub, &[("c1", "h1")]).await;
        let first = hub
            .decide(&CustomerId::new("c1"), request("ussd"), at(0, 0))
            .await
            .expect("decides");
        let top = first.record.actions[0].action_id.clone();
        for day in 0..2 {
            // The whole menu: a decline teaches the model, so the action may rank lower.
            let mut menu = request("ussd");
            menu.limit = Some(5);
            let d = hub
                .decide(&CustomerId::new("c1"), menu, at(day, 0))
                .await
                .expect("decides");
            assert!(
                d.record.actions.iter().any(|a| a.action_id == top),
                "day {day}: {top} is on the menu"
            );
            hub.respond(&d.record.decision_id, &top, Outcome::Declined, at(day, 1))
                .await
                .expect("responds");
        }
        // Paused wherever it would be offered (a channel without a treatment for it says so first).
        for channel in ["ussd", "app", "call_centre"] {
            let d = hub
                .decide(&CustomerId::new("c1"), request(channel), at(2, 0))
                .await
                .expect("decides");
            assert!(
                d.record.actions.iter().all(|a| a.action_id != top),
                "{channel}: {top} is paused"
            );
            let entry = d.trace.iter().find(|e| e.action_id == top).expect("traced");
            if entry.stage == TraceStage::Channel {
                continue;
            }
            assert_eq!(entry.stage, TraceStage::ContactPolicy, "{channel}");
            assert!(
                entry
                    .reason
                    .contains("paused by declined_twice: 2 declined within 30d"),
                "{}",
                entry.reason
            );
        }
        // Sixty days after the second decline it is back in arbitration (the declines taught
        // the model, so it may rank lower than before).
        let d = hub
            .decide(&CustomerId::new("c1"), request("ussd"), at(62, 0))
            .await
            .expect("decides");
        let entry = d.trace.iter().find(|e| e.action_id == top).expect("traced");
        assert!(
            entry.factors.is_some(),
            "{top} reached arbitration: {entry:?}"
        );
    });
}

/// The example's private-priced bundle (valid 3 days): shown on USSD, the app shows the same
/// offer at the same price first even after the customer's figures changed; accepted in the
/// app, a second acceptance through the USSD decision is a duplicate, and no channel shows it
/// again until it lapses, across a restart and a snapshot.
#[test]
fn an_offer_keeps_its_price_across_channels_and_closes_everywhere_once_accepted() {
    let data = tempfile::tempdir().expect("temp dir");
    let rt = runtime();
    let strategy = strategy("caps: []\n");
    let offer = concord_model::ActionId::new("grow_bigger_bundle_private");
    let with_recharge = |recharge: f64| {
        let mut a = Attributes::new();
        a.insert("data_bundle_mb".into(), Value::Num(1024.0));
        a.insert("avg_recharge".into(), Value::Num(recharge));
        a.insert("device_type".into(), Value::from("smartphone"));
        // Enough airtime for the USSD menu's `afford: customer.balance`.
        a.insert("balance".into(), Value::Num(100.0));
        vec![(CustomerId::new("c1"), a, Vec::new())]
    };
    let bundle_80 = |channel: &str| {
        let mut r = request(channel);
        r.context.insert("trigger".into(), Value::from("bundle_80"));
        r
    };
    let shown = |d: &concord_hub::DecisionOutcome| {
        d.record
            .actions
            .iter()
            .find(|a| a.action_id == offer)
            .cloned()
    };
    {
        let hub = Hub::open(data.path(), strategy.clone()).expect("opens");
        rt.block_on(async {
            hub.load_customers(with_recharge(20.0))
                .await
                .expect("loads");
            let ussd = hub
                .decide(&CustomerId::new("c1"), bundle_80("ussd"), at(0, 0))
                .await
                .expect("decides");
            let first = shown(&ussd).expect("the bundle offer is on the USSD menu");
            assert_eq!(first.price, Some(30.0), "20 x 1.5");
            assert_eq!(first.valid_until, Some(at(3, 0)));
            // The customer's recharges grow: a fresh price would be 49, the open offer keeps 30.
            hub.load_customers(with_recharge(40.0))
                .await
                .expect("loads");
            let app = hub
                .decide(&CustomerId::new("c1"), bundle_80("app"), at(0, 60))
                .await
                .expect("decides");
            let again = shown(&app).expect("the app shows the open offer");
            assert_eq!(
                (again.rank, again.price, again.valid_until),
                (1, Some(30.0), first.valid_until)
            );
            let accepted = hub
                .respond(
                    &app.record.decision_id,
                    &offer,
                    Outcome::Accepted,
                    at(0, 61),
                )
                .await
                .expect("responds");
            assert!(!accepted.duplicate);
            let twice = hub
                .respond(
                    &ussd.record.decision_id,
                    &offer,
                    Outcome::Accepted,
                    at(0, 62),
                )
                .await
                .expect("responds");
            assert!(twice.duplicate, "the same offer is accepted once");
        });
    }
    let closed = |hub: &Hub, minutes: i64| {
        let store = rt
            .block_on(hub.decide(&CustomerId::new("c1"), bundle_80("store"), at(0, minutes)))
            .expect("decides");
        assert!(shown(&store).is_none(), "closed everywhere");
        let entry = store
            .trace
            .iter()
            .find(|e| e.action_id == offer)
            .expect("traced");
        assert_eq!(entry.stage, TraceStage::OfferMemory);
        assert!(
            entry.reason.contains("closed in every channel"),
            "{}",
            entry.reason
        );
    };
    {
        let hub = Hub::open(data.path(), strategy.clone()).expect("reopens");
        closed(&hub, 120);
        hub.snapshot().expect("snapshot").expect("written");
    }
    let hub = Hub::open(data.path(), strategy).expect("reopens from the snapshot");
    closed(&hub, 180);
    // Once it lapses, it is priced afresh: 40 x 1.5 = 60, capped at 49.
    let later = rt
        .block_on(hub.decide(&CustomerId::new("c1"), bundle_80("store"), at(4, 0)))
        .expect("decides");
    assert_eq!(shown(&later).and_then(|a| a.price), Some(49.0));
}
