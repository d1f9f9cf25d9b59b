//! Control arms (experiments.yaml): every decision carries the arm its customer hashes to;
//! each arm switches off its part of the strategy (the hold-out gets no sales actions, the
//! random-propensity arm asks no model); decisions in every arm replay bit for bit; KPIs and
//! lift split by arm, and both survive a restart from the journal and from a snapshot.

mod common;

use concord_decide::DecisionRequest;
use concord_hub::Hub;
use concord_model::{Arm, ChannelId, CustomerId, Outcome, Timestamp};
use concord_strategy::{ActionKind, Strategy};
use std::collections::BTreeMap;
use std::sync::Arc;

fn start() -> Timestamp {
    Timestamp::from_second(1_798_761_600).expect("valid time")
}

fn at(seconds: i64) -> Timestamp {
    start()
        .checked_add(jiff::SignedDuration::from_secs(seconds))
        .expect("valid time")
}

/// The example with every control arm at its most (a tenth each): 60% of customers in arms.
fn strategy() -> Arc<Strategy> {
    let mut files = common::example_files();
    let experiments = common::file(&mut files, "experiments.yaml");
    let widened = experiments.replace(": 0.02", ": 0.1");
    assert_eq!(widened.matches(": 0.1").count(), 6, "{experiments}");
    *experiments = widened;
    common::strategy_from(&files)
}

/// A runtime, and a simulated base of `n` subscribers (rows to load, and their ids).
fn base(seed: u64, n: usize) -> (tokio::runtime::Runtime, Vec<common::Row>, Vec<CustomerId>) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (operator, rows) = common::simulated_base(seed, n, start());
    let ids = operator
        .subscribers()
        .iter()
        .map(|s| s.id.clone())
        .collect();
    (rt, rows, ids)
}

/// Decides for every customer in two channels, and accepts the top action of every third
/// decision and declines that of the next.
async fn decide_for_all(hub: &Hub, ids: &[CustomerId]) -> Vec<concord_model::DecisionRecord> {
    let mut records = Vec::new();
    for (k, id) in ids.iter().enumerate() {
        for (c, channel) in ["ussd", "call_centre"].into_iter().enumerate() {
            let time = at((2 * k + c) as i64);
            let request = DecisionRequest {
                channel: ChannelId::new(channel),
                context: Default::default(),
                limit: None,
                placement: None,
                explain: false,
            };
            let outcome = hub.decide(id, request, time).await.expect("decides");
            if let Some(top) = outcome.record.actions.first() {
                let answer = match k % 3 {
                    0 => Some(Outcome::Accepted),
                    1 => Some(Outcome::Declined),
                    _ => None,
                };
                if let Some(answer) = answer {
                    hub.respond(&outcome.record.decision_id, &top.action_id, answer, time)
                        .await
                        .expect("responds");
                }
            }
            records.push(outcome.record);
        }
    }
    records
}

#[test]
fn decisions_carry_their_arm_and_kpis_split_by_it() {
    let data = tempfile::tempdir().expect("temp dir");
    let strategy = strategy();
    let (rt, rows, ids) = base(3, 700);
    let (kpis, lift) = {
        let hub = Hub::open(data.path(), strategy.clone()).expect("opens");
        rt.block_on(hub.load_customers(rows)).expect("loads");
        let records = rt.block_on(decide_for_all(&hub, &ids));
        let mut per_arm: BTreeMap<Arm, (usize, usize)> = BTreeMap::new();
        for record in &records {
            let arm = strategy.control_arms().assign(record.customer_id.as_str());
            assert_eq!(record.arm, arm, "{}", record.decision_id);
            let sales = record
                .actions
                .iter()
                .filter(|a| {
                    strategy
                        .action(a.action_id.as_str())
                        .is_some_and(|a| a.kind == ActionKind::Sales)
                })
                .count();
            let entry = per_arm.entry(arm).or_default();
            entry.0 += 1;
            entry.1 += sales;
            let asked = record.inputs.as_ref().map_or(0, |i| i.propensities.len());
            // The channel's fallback items fill a placement nothing qualified for: no model
            // ranked them.
            let fallback = strategy
                .channel(record.channel.as_str())
                .map(|c| c.fallback.clone())
                .unwrap_or_default();
            let competed = record.actions.iter().any(|a| {
                strategy
                    .action_index(a.action_id.as_str())
                    .is_some_and(|i| !fallback.contains(&i))
            });
            if arm == Arm::RandomPropensity {
                assert_eq!(asked, 0, "no model is asked in random_propensity");
            } else if competed {
                assert!(asked > 0, "{arm}: the models are asked");
            }
            let replay = hub.replay(&record.decision_id).expect("replays");
            assert!(
                replay.differences.is_empty(),
                "{arm}: {:?}",
                replay.differences
            );
            assert_eq!(replay.actions, replay.logged.actions, "{arm}");
        }
        assert_eq!(
            per_arm.len(),
            Arm::ALL.len(),
            "every arm has customers: {per_arm:?}"
        );
        let (holdout_decisions, holdout_sales) = per_arm[&Arm::Holdout];
        assert!(holdout_decisions > 50, "{per_arm:?}");
        assert_eq!(holdout_sales, 0, "the hold-out gets no sales actions");
        assert!(
            per_arm[&Arm::Test].1 > 0,
            "the test arm does get sales actions"
        );
        let kpis = hub.kpis();
        let arms: Vec<Arm> = kpis.arms.iter().map(|a| a.arm).collect();
        assert_eq!(arms, Arm::ALL, "{arms:?}");
        let impressions: u64 = kpis.arms.iter().map(|a| a.tally.impressions).sum();
        assert_eq!(impressions, kpis.total.impressions);
        let accepts: u64 = kpis.arms.iter().map(|a| a.tally.accepts).sum();
        assert_eq!(accepts, kpis.total.accepts);
        assert!(accepts > 0);
        let lift = hub.lift(0.95);
        let compared: Vec<Arm> = lift.iter().map(|l| l.arm).collect();
        assert_eq!(
            compared,
            [
                Arm::RandomAction,
                Arm::PropensityOnly,
                Arm::NoLevers,
                Arm::EligibilityOnly,
                Arm::RandomPropensity
            ]
        );
        hub.snapshot().expect("snapshot");
        // After the snapshot: more decisions, replayed from the journal on reopening.
        rt.block_on(decide_for_all(&hub, &ids[..100]));
        (
            serde_json::to_value(hub.kpis()).expect("serialises"),
            serde_json::to_value(hub.lift(0.9)).expect("serialises"),
        )
    };
    let hub = Hub::open(data.path(), strategy).expect("reopens");
    assert_eq!(serde_json::to_value(hub.kpis()).expect("serialises"), kpis);
    assert_eq!(
        serde_json::to_value(hub.lift(0.9)).expect("serialises"),
        lift
    );
}

/// The business outcomes (experiments.yaml `outcomes`: churned = a port-out, revenue_30d =
/// recharges in 30 days) per arm, read from the profiles: with churn and revenue planted by
/// arm (hold-out customers port out 3 in 10, everyone else 1 in 10; test customers recharge
/// about 20, everyone else about 10), the report gives each arm's exact rate and mean and the
/// full strategy's lift over the hold-out: churn 0.1 / 0.3 - 1, revenue about 20 / 10 - 1.
#[test]
fn outcomes_compare_every_arm_with_the_full_strategy_per_customer() {
    use concord_model::{Event, EventId, EventKind};
    let data = tempfile::tempdir().expect("temp dir");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let strategy = strategy();
    let names: Vec<&str> = strategy
        .arm_outcomes()
        .iter()
        .map(|o| o.name.as_str())
        .collect();
    assert_eq!(names, ["churned", "revenue_30d"]);
    let (operator, rows) = common::simulated_base(4, 2_000, start());
    let hub = Hub::open(data.path(), strategy.clone()).expect("opens");
    rt.block_on(hub.load_customers(rows)).expect("loads");
    let mut events = Vec::new();
    let mut planted: BTreeMap<Arm, (u64, u64)> = BTreeMap::new();
    let mut revenue_of: BTreeMap<Arm, f64> = BTreeMap::new();
    for (k, s) in operator.subscribers().iter().enumerate() {
        let arm = strategy.control_arms().assign(s.id.as_str());
        let churns = if arm == Arm::Holdout {
            k % 10 < 3
        } else {
            k % 10 < 1
        };
        let entry = planted.entry(arm).or_default();
        entry.0 += 1;
        entry.1 += u64::from(churns);
        let event = |n: &str, kind: EventKind| Event {
            event_id: EventId::new(format!("{}-{n}", s.id)),
            customer_id: s.id.clone(),
            time: at(60),
            kind,
        };
        // 20 a test customer and 10 anyone else, give or take 1 (values must vary for an
        // interval).
        let amount = if arm == Arm::Test { 20.0 } else { 10.0 } + (k % 3) as f64 - 1.0;
        *revenue_of.entry(arm).or_default() += amount;
        events.push(event(
            "r",
            EventKind::Recharge {
                amount,
                channel: "ussd".into(),
            },
        ));
        if churns {
            events.push(event(
                "p",
                EventKind::PortOut {
                    reason: Some("price".into()),
                    destination: Some("rival".into()),
                },
            ));
        }
    }
    rt.block_on(hub.ingest(events)).expect("ingests");
    let report = hub.outcomes(at(3_600), 0.95).arms;
    assert_eq!(report.len(), 2);
    let churn = &report[0];
    let arms: Vec<Arm> = churn.arms.iter().map(|a| a.arm).collect();
    assert_eq!(arms, Arm::ALL, "every arm, the hold-out included");
    for a in &churn.arms {
        let (n, churned) = planted[&a.arm];
        assert_eq!(a.customers, n, "{}", a.arm);
        assert_eq!(a.mean, Some(churned as f64 / n as f64), "{}", a.arm);
    }
    let rate = |arm: Arm| planted[&arm].1 as f64 / planted[&arm].0 as f64;
    let holdout = churn
        .arms
        .iter()
        .find(|a| a.arm == Arm::Holdout)
        .and_then(|a| a.lift.as_ref()?.lift())
        .expect("a churn lift over the hold-out");
    assert!(
        (holdout.lift - (rate(Arm::Test) / rate(Arm::Holdout) - 1.0)).abs() < 1e-12,
        "{holdout:?}"
    );
    assert!(
        holdout.high < 0.0,
        "test churns significantly less: {holdout:?}"
    );
    let revenue = &report[1];
    let holdout = revenue
        .arms
        .iter()
        .find(|a| a.arm == Arm::Holdout)
        .expect("hold-out");
    let mean = |arm: Arm| revenue_of[&arm] / planted[&arm].0 as f64;
    assert!((holdout.mean.expect("a mean") - mean(Arm::Holdout)).abs() < 1e-9);
    let lift = holdout.lift.as_ref().and_then(|l| l.lift()).expect("lift");
    let want = mean(Arm::Test) / mean(Arm::Holdout) - 1.0;
    assert!((lift.lift - want).abs() < 1e-9, "{lift:?} vs {want}");
    assert!((lift.lift - 1.0).abs() < 0.1, "about twice: {lift:?}");
}

/// Value Finder over the decision log: each full-strategy customer's latest decision, grouped
/// by segment. Untaught models answer 0.5 for every action, so at a 0.02 threshold nobody with
/// an action is underserved and at 0.9 everybody is; customers in control arms are left out;
/// an unknown profile field is refused by name.
#[test]
fn value_finder_sorts_customers_by_how_well_they_are_served() {
    let data = tempfile::tempdir().expect("temp dir");
    let strategy = strategy();
    let (rt, rows, ids) = base(8, 400);
    let hub = Hub::open(data.path(), strategy.clone()).expect("opens");
    rt.block_on(hub.load_customers(rows)).expect("loads");
    let mut with_action = std::collections::HashSet::new();
    let mut decided = std::collections::HashSet::new();
    for (k, id) in ids.iter().enumerate() {
        let request = DecisionRequest {
            channel: ChannelId::new("ussd"),
            context: Default::default(),
            limit: None,
            placement: None,
            explain: false,
        };
        let outcome = rt
            .block_on(hub.decide(id, request, at(k as i64)))
            .expect("decides");
        if outcome.record.arm == Arm::Test {
            decided.insert(id.clone());
            let reached = outcome
                .record
                .inputs
                .as_ref()
                .is_some_and(|i| !i.propensities.is_empty());
            if reached {
                with_action.insert(id.clone());
            }
        }
    }
    assert!(
        decided.len() > 100 && decided.len() < ids.len(),
        "{}",
        decided.len()
    );
    let low = hub
        .value_finder(0.02, Some("segment"), at(1_000), 0.95)
        .expect("runs");
    assert_eq!(low.customers, decided.len() as u64);
    let share = |r: &concord_measure::CohortReport, m: usize| r.overall[m].mean.expect("mean");
    assert_eq!(share(&low, 0), 0.0, "nobody underserved at 0.02");
    let without = 1.0 - with_action.len() as f64 / decided.len() as f64;
    assert!((share(&low, 1) - without).abs() < 1e-12);
    let high = hub
        .value_finder(0.9, Some("segment"), at(1_000), 0.95)
        .expect("runs");
    assert!(
        (share(&high, 0) - (1.0 - without)).abs() < 1e-12,
        "everyone with an action"
    );
    let segments: Vec<&str> = high.groups.iter().map(|g| g.key[0].as_str()).collect();
    assert!(segments.contains(&"prepaid"), "{segments:?}");
    let err = hub
        .value_finder(0.02, Some("shoe_size"), at(1_000), 0.95)
        .expect_err("unknown field");
    assert!(err.to_string().contains("shoe_size"), "{err}");
}
