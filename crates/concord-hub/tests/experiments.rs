//! Champion/challenger experiments through the hub (the example's `retention_push`, which
//! takes every prepaid customer from 2027-01-11): every decision records its experiment and
//! variant (none in a control arm), a customer keeps one variant, each challenger does what it
//! says, decisions replay, and the KPIs and lift per variant add up to what the decisions and
//! responses were, before and after a restart.

mod common;

use concord_decide::DecisionRequest;
use concord_hub::Hub;
use concord_measure::KpiDimension;
use concord_model::{Arm, ChannelId, CustomerId, DecisionRecord, Outcome, Timestamp, Variant};
use std::collections::BTreeMap;

/// 2027-01-15T08:00:00Z: the example experiment's third stage (everyone) is in force.
fn at(seconds: i64) -> Timestamp {
    Timestamp::from_second(1_800_000_000 + seconds).expect("valid time")
}

/// Decides for every customer in two channels; accepts the top action of every third
/// decision and declines that of the next. Returns each decision and whether its top action
/// was accepted.
async fn decide_for_all(hub: &Hub, ids: &[CustomerId]) -> Vec<(DecisionRecord, Option<Outcome>)> {
    let mut out = Vec::new();
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
            let answer = match (k + c) % 3 {
                0 => Some(Outcome::Accepted),
                1 => Some(Outcome::Declined),
                _ => None,
            };
            let mut answered = None;
            if let (Some(top), Some(answer)) = (outcome.record.actions.first(), answer) {
                hub.respond(&outcome.record.decision_id, &top.action_id, answer, time)
                    .await
                    .expect("responds");
                answered = Some(answer);
            }
            out.push((outcome.record, answered));
        }
    }
    out
}

#[test]
fn decisions_carry_their_variant_and_kpis_and_lift_split_by_it() {
    let data = tempfile::tempdir().expect("temp dir");
    let strategy = common::strategy_from(&common::example_files());
    let experiment = &strategy.experiments().list[0];
    assert_eq!(experiment.name, "retention_push");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (operator, rows) = common::simulated_base(5, 900, at(0));
    let ids: Vec<CustomerId> = operator
        .subscribers()
        .iter()
        .map(|s| s.id.clone())
        .collect();
    let hub = Hub::open(data.path(), strategy.clone()).expect("opens");
    rt.block_on(hub.load_customers(rows)).expect("loads");
    let decisions = rt.block_on(decide_for_all(&hub, &ids));

    // Per variant: impressions, accepts; per customer: one variant.
    let mut per_variant: BTreeMap<Variant, (u64, u64)> = BTreeMap::new();
    let mut customers: BTreeMap<&CustomerId, Option<&Variant>> = BTreeMap::new();
    for (record, answer) in &decisions {
        if record.arm != Arm::Test {
            assert_eq!(record.variant, None, "a control arm is in no experiment");
        }
        let first = customers
            .entry(&record.customer_id)
            .or_insert(record.variant.as_ref());
        assert_eq!(
            *first,
            record.variant.as_ref(),
            "{} keeps one variant",
            record.customer_id
        );
        let Some(variant) = &record.variant else {
            continue;
        };
        assert_eq!(variant.experiment, "retention_push");
        let entry = per_variant.entry(variant.clone()).or_default();
        entry.0 += record.actions.len() as u64;
        entry.1 += u64::from(*answer == Some(Outcome::Accepted));
        if variant.variant == "one_per_group" {
            let mut groups = BTreeMap::<&str, usize>::new();
            for a in &record.actions {
                *groups.entry(a.group.as_str()).or_default() += 1;
            }
            assert!(groups.values().all(|n| *n <= 1), "{groups:?}");
        }
        let replay = hub.replay(&record.decision_id).expect("replays");
        assert!(replay.differences.is_empty(), "{:?}", replay.differences);
    }
    let in_variant = |name: &str| {
        customers
            .values()
            .filter(|v| v.is_some_and(|v| v.variant == name))
            .count()
    };
    let (champion, boost, one) = (
        in_variant("champion"),
        in_variant("retention_x1_5"),
        in_variant("one_per_group"),
    );
    assert!(
        champion > 100 && boost > 50 && one > 50,
        "{champion} {boost} {one}"
    );
    // Half the experiment to the champion, a quarter to each challenger (3 standard errors).
    let total = (champion + boost + one) as f64;
    let se = (0.25 * 0.75 / total).sqrt();
    assert!(
        (boost as f64 / total - 0.25).abs() < 3.0 * se,
        "{boost} of {total}"
    );
    assert!(
        customers.values().any(|v| v.is_none()),
        "postpaid customers are outside"
    );

    // KPIs by experiment and variant are the decisions' impressions and accepts.
    let by = hub.kpis_by(&[KpiDimension::Experiment, KpiDimension::Variant]);
    for (key, tally) in &by {
        let expected = match key[0].as_str() {
            "(none)" => continue,
            experiment => per_variant[&Variant::new(experiment, key[1].as_str())],
        };
        assert_eq!((tally.impressions, tally.accepts), expected, "{key:?}");
    }
    assert_eq!(by.iter().filter(|(k, _)| k[0] != "(none)").count(), 3);

    // Each challenger against the champion: the hand-computed accept-rate lift.
    let lifts = hub.variant_lift(0.95);
    assert_eq!(lifts.len(), 2, "{lifts:?}");
    let (ci, ca) = per_variant[&Variant::new("retention_push", "champion")];
    for l in &lifts {
        let (i, a) = per_variant[&Variant::new("retention_push", l.challenger.as_str())];
        assert_eq!((l.impressions, l.champion_impressions), (i, ci));
        let lift = l.accept_rate.lift().expect("a lift");
        let want = (a as f64 / i as f64) / (ca as f64 / ci as f64) - 1.0;
        assert!((lift.lift - want).abs() < 1e-12, "{} vs {want}", lift.lift);
        assert!(lift.low < lift.lift && lift.lift < lift.high);
    }

    // Outcomes per variant: every challenger against the champion, per customer.
    let outcomes = hub.outcomes(at(7_200), 0.95);
    let challengers: Vec<(&str, &str)> = outcomes
        .variants
        .iter()
        .map(|v| (v.outcome.as_str(), v.challenger.as_str()))
        .collect();
    assert_eq!(
        challengers,
        [
            ("churned", "one_per_group"),
            ("churned", "retention_x1_5"),
            ("revenue_30d", "one_per_group"),
            ("revenue_30d", "retention_x1_5"),
        ]
    );
    assert!(
        outcomes
            .variants
            .iter()
            .all(|v| v.customers > 0 && v.champion_customers > 0)
    );

    // A restart (snapshot, then decisions only the journal holds) keeps every figure.
    hub.snapshot().expect("snapshot");
    rt.block_on(decide_for_all(&hub, &ids[..150]));
    let before = (
        hub.kpis_by(&[
            KpiDimension::Experiment,
            KpiDimension::Variant,
            KpiDimension::Day,
        ]),
        serde_json::to_value(hub.variant_lift(0.9)).expect("serialises"),
    );
    drop(hub);
    let hub = Hub::open(data.path(), strategy).expect("reopens");
    let after = (
        hub.kpis_by(&[
            KpiDimension::Experiment,
            KpiDimension::Variant,
            KpiDimension::Day,
        ]),
        serde_json::to_value(hub.variant_lift(0.9)).expect("serialises"),
    );
    assert_eq!(before, after);
}

/// The example's store catalogue (experiments.yaml `places`) is the simulator's network: every
/// store a simulated customer can have as home store, in its region, and no other.
#[test]
fn the_example_places_are_the_simulated_network() {
    let strategy = common::strategy_from(&common::example_files());
    let places = strategy.experiments().places.as_ref().expect("places");
    let simulated: BTreeMap<String, String> = concord_sim::store_regions()
        .into_iter()
        .map(|(store, region)| (store, region.to_owned()))
        .collect();
    assert_eq!(simulated.len(), 136);
    assert_eq!(places.regions, simulated);
}
