//! Replay: every decision of a simulated day (events arriving hour by hour, decisions in every
//! channel with contexts and triggers, responses teaching the learner, contact caps, pauses and
//! offer memory at work) comes out bit for bit the same when made again from its logged
//! inputs, before and after a restart; a different strategy refuses to replay it.

mod common;

use concord_decide::DecisionRequest;
use concord_hub::{Hub, HubError, HubOptions};
use concord_model::{Attributes, ChannelId, CustomerId, DecisionId, Outcome, Timestamp, Value};
use concord_strategy::Strategy;
use std::path::Path;
use std::sync::Arc;

fn strategy() -> Arc<Strategy> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/telco");
    Arc::new(Strategy::load(&dir).expect("example strategy loads"))
}

fn start() -> Timestamp {
    Timestamp::from_second(1_798_761_600).expect("valid time")
}

fn at(minutes: i64) -> Timestamp {
    start()
        .checked_add(jiff::SignedDuration::from_mins(minutes))
        .expect("valid time")
}

const CHANNELS: [&str; 9] = [
    "ussd",
    "call_centre",
    "app",
    "web",
    "store",
    "sms",
    "email",
    "outbound_call",
    "push",
];

/// A simulated day: 400 subscribers, their events hour by hour, and after each hour 40
/// decisions across the channels, a third of them answered.
async fn simulated_day(hub: &Hub) -> Vec<DecisionId> {
    let (mut operator, rows) = common::simulated_base(5, 400, start());
    hub.load_customers(rows).await.expect("loads");
    let ids: Vec<CustomerId> = operator
        .subscribers()
        .iter()
        .map(|s| s.id.clone())
        .collect();
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let mut decided = Vec::new();
    for hour in 1..=24 {
        let events = operator.events_until(at(hour * 60));
        hub.ingest(events).await.expect("ingests");
        for k in 0..40 {
            // A few customers come back often, so caps, pauses and open offers matter.
            let customer = &ids[if k % 3 == 0 {
                next(12)
            } else {
                next(ids.len())
            }];
            let channel = CHANNELS[next(CHANNELS.len())];
            let mut context = Attributes::new();
            match next(4) {
                0 => {
                    context.insert("call_reason".into(), Value::from("cancel"));
                }
                1 => {
                    context.insert("trigger".into(), Value::from("bundle_80"));
                }
                _ => {}
            }
            let request = DecisionRequest {
                channel: ChannelId::new(channel),
                context,
                limit: None,
                placement: None,
                explain: false,
            };
            let time = at(hour * 60 + k);
            let outcome = hub.decide(customer, request, time).await.expect("decides");
            if let Some(top) = outcome.record.actions.first()
                && k % 3 != 2
            {
                let answer = [Outcome::Accepted, Outcome::Declined, Outcome::Ignored][next(3)];
                hub.respond(&outcome.record.decision_id, &top.action_id, answer, time)
                    .await
                    .expect("responds");
            }
            decided.push(outcome.record.decision_id);
        }
    }
    decided
}

fn replays_all(hub: &Hub, decided: &[DecisionId]) -> usize {
    let mut with_actions = 0;
    for id in decided {
        let replay = hub.replay(id).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert!(
            replay.differences.is_empty(),
            "{id}: {:?}",
            replay.differences
        );
        assert_eq!(replay.actions, replay.logged.actions, "{id}");
        // The replay traces every action, whatever the request asked.
        assert_eq!(replay.trace.len(), hub.strategy().actions().len(), "{id}");
        with_actions += usize::from(!replay.actions.is_empty());
    }
    with_actions
}

#[test]
fn every_decision_of_a_simulated_day_replays_bit_for_bit() {
    let data = tempfile::tempdir().expect("temp dir");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let decided = {
        let hub = Hub::open(data.path(), strategy()).expect("opens");
        let decided = rt.block_on(simulated_day(&hub));
        assert_eq!(decided.len(), 24 * 40);
        let with_actions = replays_all(&hub, &decided);
        assert!(
            with_actions > decided.len() / 2,
            "most decisions offer something: {with_actions}"
        );
        decided
    };
    // From the journal: the inputs survive the binary codec bit for bit. Keeping the inputs
    // of only the newest 100 decisions in memory, the rest are read back from the journal.
    let options = HubOptions {
        decision_inputs_kept: 100,
        ..HubOptions::default()
    };
    let hub = Hub::open_with(data.path(), strategy(), options).expect("reopens");
    replays_all(&hub, &decided);
    drop(hub);
    // Another strategy refuses to replay what it did not decide.
    let mut files = common::example_files();
    common::file(&mut files, "strategy.yaml").push_str("# a comment changes the hash\n");
    let changed = common::strategy_from(&files);
    let hub = Hub::open(data.path(), changed).expect("reopens");
    let err = hub.replay(&decided[0]).expect_err("other strategy");
    assert!(matches!(err, HubError::ReplayStrategy { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("replay needs the strategy folder that decided")
    );
}
