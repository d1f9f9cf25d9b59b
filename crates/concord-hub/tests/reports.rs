//! Cohort reports (reports.yaml) against the simulator's hidden truth: a month of a simulated
//! operator goes through the hub; grouping its connections by dealer flags exactly the dealers
//! the simulator planted as bad (their connections churn several times as often), and the exit
//! reasons the report counts are those of the simulator's churn log.

mod common;

use concord_hub::Hub;
use concord_model::Timestamp;
use concord_sim::{Operator, SimConfig};
use std::collections::{BTreeMap, BTreeSet};

fn start() -> Timestamp {
    Timestamp::from_second(1_798_761_600).expect("valid time")
}

#[test]
fn reports_find_the_planted_bad_dealers_and_the_true_exit_reasons() {
    let mut files = common::example_files();
    // Every dealer-sold connection, whatever its tenure: the example's inflow_quality reads
    // the new ones only.
    common::file(&mut files, "reports.yaml").push_str(
        "  - name: by_dealer\n    description: every dealer-sold connection\n    where: \"customer.dealer != 'none'\"\n    by: [customer.dealer]\n    measures:\n      - {name: churned, rule: \"customer.port_outs > 0\"}\n    flag: churned\n    min_customers: 50\n",
    );
    let strategy = common::strategy_from(&files);
    let config = SimConfig {
        seed: 21,
        subscribers: 12_000,
        start: start(),
        activity_scale: 0.05,
        churn_scale: 12.0,
        dealers: 20,
        bad_dealer_share: 0.2,
        ..SimConfig::default()
    };
    let mut operator = Operator::new(config, &[]).expect("sim builds");
    let rows = operator
        .subscribers()
        .iter()
        .map(concord_sim::Subscriber::base_row)
        .collect();
    let data = tempfile::tempdir().expect("temp dir");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let hub = Hub::open(data.path(), strategy).expect("opens");
    rt.block_on(hub.load_customers(rows)).expect("loads");
    let end = start()
        .checked_add(jiff::SignedDuration::from_hours(30 * 24))
        .expect("valid time");
    let mut day = start();
    while day < end {
        day = day
            .checked_add(jiff::SignedDuration::from_hours(24))
            .expect("valid time");
        let events = operator.events_until(day);
        rt.block_on(hub.ingest(events)).expect("ingests");
    }
    let truth = operator.truth();
    let churned = truth.churn_log().len();
    assert!(churned > 500, "enough churn to judge: {churned}");

    let report = hub.report("by_dealer", end, 0.95).expect("a report");
    let flagged: BTreeSet<&str> = report
        .groups
        .iter()
        .filter(|g| g.flagged)
        .map(|g| g.key[0].as_str())
        .collect();
    let bad: BTreeSet<&str> = truth.bad_dealers().into_iter().collect();
    assert!(!bad.is_empty());
    let rates: Vec<(String, u64, Option<f64>, bool)> = report
        .groups
        .iter()
        .map(|g| (g.key[0].clone(), g.customers, g.measures[0].mean, g.flagged))
        .collect();
    assert_eq!(flagged, bad, "flagged vs planted; groups: {rates:?}");

    // Exit reasons: the report's churners by reason equal the simulator's churn log.
    let exits = hub.report("exit_reasons", end, 0.95).expect("a report");
    let mut counted: BTreeMap<String, u64> = BTreeMap::new();
    for g in &exits.groups {
        *counted.entry(g.key[0].clone()).or_default() += g.customers;
    }
    let mut logged: BTreeMap<String, u64> = BTreeMap::new();
    for c in truth.churn_log() {
        *logged.entry(c.reason.as_str().to_owned()).or_default() += 1;
    }
    assert_eq!(counted, logged);
    let mut by_destination: BTreeMap<(String, String), u64> = BTreeMap::new();
    for c in truth.churn_log() {
        *by_destination
            .entry((c.reason.as_str().to_owned(), c.destination.to_owned()))
            .or_default() += 1;
    }
    let mut reported: BTreeMap<(String, String), u64> = BTreeMap::new();
    for g in &exits.groups {
        *reported
            .entry((g.key[0].clone(), g.key[1].clone()))
            .or_default() += g.customers;
    }
    assert_eq!(reported, by_destination);
    // Segments and first-year churners: every churner in one group of each.
    let segments: BTreeSet<&str> = exits.groups.iter().map(|g| g.key[2].as_str()).collect();
    assert!(segments.contains("prepaid"), "{segments:?}");
    assert!(
        exits
            .groups
            .iter()
            .all(|g| matches!(g.key[3].as_str(), "true" | "false"))
    );
}
