//! Learning through the hub: responses queue for the learner, custom outcomes count as what
//! models.yaml says, and an outbound action nobody answers is answered by its channel's
//! timeout, once, across restarts (journal replay and snapshot).

mod common;

use concord_decide::DecisionRequest;
use concord_hub::{Answer, Hub, HubError, TimelineItem};
use concord_model::{ActionId, Attributes, ChannelId, CustomerId, Outcome, Timestamp};

use common::{current_thread_runtime as runtime, hours_after_ten as at};

async fn decide(
    hub: &Hub,
    customer: &str,
    channel: &str,
    time: Timestamp,
) -> (String, Vec<String>) {
    let outcome = hub
        .decide(
            &CustomerId::new(customer),
            DecisionRequest {
                channel: ChannelId::new(channel),
                context: Attributes::new(),
                limit: None,
                placement: None,
                explain: false,
            },
            time,
        )
        .await
        .expect("decides");
    let actions = outcome
        .record
        .actions
        .iter()
        .map(|a| a.action_id.0.clone())
        .collect();
    (outcome.record.decision_id.0, actions)
}

/// Responses of `customer`'s timeline as (action, outcome, custom outcome, hours after `at(0)`).
async fn responses(hub: &Hub, customer: &str) -> Vec<(String, Outcome, Option<String>, i64)> {
    let mut out: Vec<_> = hub
        .timeline(&CustomerId::new(customer))
        .await
        .expect("known")
        .into_iter()
        .filter_map(|item| match item {
            TimelineItem::Response(r) => Some((
                r.action_id.0,
                r.outcome,
                r.custom_outcome,
                (r.time.as_second() - at(0).as_second()) / 3_600,
            )),
            _ => None,
        })
        .collect();
    out.sort();
    out
}

/// The negatives and positives a model has learnt.
fn learnt(hub: &Hub, action: &str, channel: &str) -> (u64, u64) {
    hub.flush_learning();
    hub.models()
        .model(&ActionId::new(action), &ChannelId::new(channel))
        .map_or((0, 0), |m| (m.adm.counts.negatives, m.adm.counts.positives))
}

/// The example's SMS window is 3 days and its outbound call window an hour: an action left
/// unanswered is answered `no_response` (counting as ignored) at its deadline, once; an
/// action answered in time keeps its answer; a decision made before a restart still times
/// out after it, whether the restart replays the journal or restores a snapshot.
#[test]
fn unanswered_actions_time_out_once_across_restarts() {
    let data = tempfile::tempdir().expect("temp dir");
    let strategy = common::strategy_from(&common::uncapped_example_files());
    let rt = runtime();
    let customers = [("c1", "h1"), ("c2", "h2"), ("c3", "h3"), ("c4", "h4")];
    let (sms_c1, sms_c2, call_c3, sms_c4) = {
        let hub = Hub::open(data.path(), strategy.clone()).expect("opens");
        rt.block_on(async {
            common::load_postpaid(&hub, &customers).await;
            let sms_c1 = decide(&hub, "c1", "sms", at(0)).await;
            let sms_c2 = decide(&hub, "c2", "sms", at(0)).await;
            let call_c3 = decide(&hub, "c3", "outbound_call", at(0)).await;
            let sms_c4 = decide(&hub, "c4", "sms", at(1)).await;
            for (_, actions) in [&sms_c1, &sms_c2, &call_c3, &sms_c4] {
                assert_eq!(
                    actions.len(),
                    1,
                    "the example offers one action per contact"
                );
            }
            // c2 answers in time.
            hub.respond(
                &concord_model::DecisionId::new(sms_c2.0.as_str()),
                &ActionId::new(sms_c2.1[0].as_str()),
                Outcome::Declined,
                at(2),
            )
            .await
            .expect("responds");
            assert_eq!(hub.expire_responses(at(0)).await.expect("sweeps"), 0);
            // The call's hour is up; the SMS windows are not.
            assert_eq!(hub.expire_responses(at(2)).await.expect("sweeps"), 1);
            assert_eq!(
                hub.expire_responses(at(2)).await.expect("sweeps"),
                0,
                "once"
            );
            let (negatives, _) = learnt(&hub, &call_c3.1[0], "outbound_call");
            assert_eq!(negatives, 1, "no_response is a negative in the example");
            (sms_c1, sms_c2, call_c3, sms_c4)
        })
    };
    let timed_out = |actions: &[String], hours: i64| {
        vec![(
            actions[0].clone(),
            Outcome::Ignored,
            Some("no_response".to_owned()),
            hours,
        )]
    };
    // Reopened from the journal: the SMS windows close at 72h (c1) and 73h (c4).
    {
        let hub = Hub::open(data.path(), strategy.clone()).expect("reopens");
        rt.block_on(async {
            assert_eq!(hub.timeouts_scheduled(), 2, "c1's and c4's SMS");
            assert_eq!(hub.expire_responses(at(71)).await.expect("sweeps"), 0);
            assert_eq!(responses(&hub, "c3").await, timed_out(&call_c3.1, 1));
            assert_eq!(hub.expire_responses(at(72)).await.expect("sweeps"), 1);
            assert_eq!(responses(&hub, "c1").await, timed_out(&sms_c1.1, 72));
        });
        hub.snapshot().expect("snapshot");
    }
    // Restored from the snapshot: only c4's window is still open.
    let hub = Hub::open(data.path(), strategy).expect("reopens");
    rt.block_on(async {
        assert_eq!(hub.timeouts_scheduled(), 1);
        assert_eq!(hub.expire_responses(at(100)).await.expect("sweeps"), 1);
        assert_eq!(responses(&hub, "c4").await, timed_out(&sms_c4.1, 73));
        assert_eq!(
            responses(&hub, "c2").await,
            vec![(sms_c2.1[0].clone(), Outcome::Declined, None, 2)]
        );
        assert_eq!(hub.expire_responses(at(200)).await.expect("sweeps"), 0);
    });
}

/// A custom outcome counts as its base outcome (KPIs) and teaches what its list says; an
/// unknown one is refused by name and changes nothing.
#[test]
fn custom_outcomes_count_as_declared() {
    let data = tempfile::tempdir().expect("temp dir");
    let strategy = common::strategy_from(&common::example_files());
    let rt = runtime();
    let hub = Hub::open(data.path(), strategy).expect("opens");
    rt.block_on(async {
        common::load_postpaid(&hub, &[("c1", "h1"), ("c2", "h2")]).await;
        let (id, actions) = decide(&hub, "c1", "app", at(0)).await;
        let id = concord_model::DecisionId::new(id);
        // A sales action: the example's service actions learn from other lists.
        let sale = actions
            .iter()
            .find(|a| {
                hub.strategy()
                    .actions()
                    .iter()
                    .any(|s| s.id.as_str() == a.as_str() && s.issue != "service")
            })
            .expect("a sales action is offered");
        let action = ActionId::new(sale.as_str());
        let unknown = hub.answer("bought").expect_err("not declared");
        assert!(
            unknown
                .to_string()
                .contains("unknown outcome `bought` (known: accepted, declined, clicked, ignored, converted, no_response)"),
            "{unknown}"
        );
        // A custom outcome must be the one models.yaml declares, with its base outcome.
        let forged = Answer {
            outcome: Outcome::Declined,
            custom_outcome: Some("converted".into()),
        };
        assert!(matches!(
            hub.respond(&id, &action, forged, at(1)).await,
            Err(HubError::UnknownOutcome { .. })
        ));
        let converted = hub.answer("converted").expect("declared");
        assert_eq!(converted.outcome, Outcome::Accepted);
        let recorded = hub
            .respond(&id, &action, converted, at(1))
            .await
            .expect("responds");
        assert!(!recorded.duplicate);
        assert_eq!(recorded.record.custom_outcome.as_deref(), Some("converted"));
        assert_eq!(learnt(&hub, sale, "app"), (0, 1));
        let kpis = serde_json::to_value(hub.kpis()).expect("serialises");
        assert!(kpis.to_string().contains("\"accepts\":1"), "{kpis}");
    });
}

/// Outbound maturity capping (the example's 2% start): each new SMS action reaches about 2%
/// of the customers it is eligible for, the rest are held back at the maturity stage; an
/// inbound channel is not capped; a capped decision replays bit for bit.
#[test]
fn new_outbound_actions_reach_a_small_share_of_the_audience() {
    let data = tempfile::tempdir().expect("temp dir");
    let strategy = common::strategy_from(&common::example_files());
    let rt = runtime();
    let hub = Hub::open(data.path(), strategy).expect("opens");
    rt.block_on(async {
        let ids: Vec<String> = (0..600).map(|i| format!("c{i}")).collect();
        let customers: Vec<(&str, &str)> = ids.iter().map(|id| (id.as_str(), "h")).collect();
        common::load_postpaid(&hub, &customers).await;
        // action -> (held back by capping, reached)
        let mut fate: std::collections::BTreeMap<String, (u32, u32)> = Default::default();
        let mut capped_decision = None;
        for id in &ids {
            let outcome = hub
                .decide(
                    &CustomerId::new(id.as_str()),
                    DecisionRequest {
                        channel: ChannelId::new("sms"),
                        context: Attributes::new(),
                        limit: None,
                        placement: None,
                        explain: true,
                    },
                    at(0),
                )
                .await
                .expect("decides");
            use concord_model::TraceStage as S;
            for entry in &outcome.trace {
                let counts = fate.entry(entry.action_id.0.clone()).or_default();
                match entry.stage {
                    S::Maturity => {
                        counts.0 += 1;
                        capped_decision.get_or_insert(outcome.record.decision_id.clone());
                    }
                    // Past capping: scored and ranked.
                    S::Arbitration | S::Diversity | S::Volume | S::Placement => counts.1 += 1,
                    _ => {}
                }
            }
        }
        let judged: Vec<_> = fate.iter().filter(|(_, (c, r))| c + r >= 300).collect();
        assert!(!judged.is_empty(), "{fate:?}");
        for (action, (capped, reached)) in judged {
            let share = f64::from(*reached) / f64::from(capped + reached);
            assert!(share < 0.06, "{action}: {share} reached of {fate:?}");
        }
        assert!(
            fate.values().any(|(_, r)| *r > 0),
            "somebody is reached: {fate:?}"
        );
        let replay = hub
            .replay(&capped_decision.expect("some action was capped"))
            .expect("replays");
        assert!(replay.differences.is_empty(), "{:?}", replay.differences);
        // Inbound: no capping at all.
        let (_, actions) = decide(&hub, "c0", "app", at(0)).await;
        assert!(!actions.is_empty());
    });
}

/// models.yaml `context_key: direction`: SMS and outbound calls share one model per action
/// (`action@outbound`), which either channel's responses teach and both channels read.
#[test]
fn channels_of_a_direction_can_share_their_models() {
    let data = tempfile::tempdir().expect("temp dir");
    let mut files = common::uncapped_example_files();
    common::file(&mut files, "models.yaml").push_str("context_key: direction\n");
    let strategy = common::strategy_from(&files);
    let rt = runtime();
    let hub = Hub::open(data.path(), strategy).expect("opens");
    rt.block_on(async {
        let ids: Vec<String> = (0..40).map(|i| format!("c{i}")).collect();
        let customers: Vec<(&str, &str)> = ids.iter().map(|id| (id.as_str(), "h")).collect();
        common::load_postpaid(&hub, &customers).await;
        let mut answered: std::collections::BTreeMap<String, u64> = Default::default();
        for (i, id) in ids.iter().enumerate() {
            let channel = if i % 2 == 0 { "sms" } else { "outbound_call" };
            let (decision, actions) = decide(&hub, id, channel, at(0)).await;
            for action in actions {
                hub.respond(
                    &concord_model::DecisionId::new(decision.as_str()),
                    &ActionId::new(action.as_str()),
                    Outcome::Declined,
                    at(1),
                )
                .await
                .expect("responds");
                *answered.entry(action).or_default() += 1;
            }
        }
        let summaries = hub.model_summaries();
        assert!(!summaries.is_empty());
        for m in &summaries {
            assert!(m.model_id.ends_with("@outbound"), "{}", m.model_id);
            assert_eq!(m.context.direction, "outbound");
            assert_eq!(
                Some(&m.responses),
                answered.get(&m.action),
                "{}",
                m.model_id
            );
        }
        let models = hub.models();
        let action = ActionId::new(summaries[0].action.as_str());
        let (sms, call) = (
            models
                .model(&action, &ChannelId::new("sms"))
                .expect("shared"),
            models
                .model(&action, &ChannelId::new("outbound_call"))
                .expect("shared"),
        );
        assert!(
            std::sync::Arc::ptr_eq(sms, call),
            "one model for both channels"
        );
        let by_channel = hub
            .model_report(&format!("{}@sms", action))
            .expect("a channel names its context");
        assert_eq!(by_channel.summary.model_id, summaries[0].model_id);
        assert!(
            models.model(&action, &ChannelId::new("app")).is_none(),
            "inbound apart"
        );
    });
}
