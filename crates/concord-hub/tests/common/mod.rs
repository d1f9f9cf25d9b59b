//! What the hub's integration tests share: the example strategy's files to vary, a simulated
//! base, and everything a client can observe, to compare across restarts. (Each test file uses
//! some of these.)
#![allow(dead_code)]

use concord_hub::Hub;
use concord_model::{Attributes, CustomerId, Timestamp, Value};
use concord_sim::{Operator, SimConfig};
use concord_strategy::Strategy;
use std::path::Path;
use std::sync::Arc;

/// The example strategy folder's files as (path, text), to change before loading.
pub fn example_files() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/telco");
    let read = |path: &Path| std::fs::read_to_string(path).expect("readable");
    let mut files: Vec<(String, String)> = [
        "strategy.yaml",
        "channels.yaml",
        "profile.yaml",
        "triggers.yaml",
        "contact.yaml",
        "models.yaml",
        "experiments.yaml",
        "reports.yaml",
    ]
    .iter()
    .map(|name| ((*name).to_owned(), read(&dir.join(name))))
    .collect();
    for entry in std::fs::read_dir(dir.join("actions"))
        .expect("actions")
        .flatten()
    {
        let name = format!("actions/{}", entry.file_name().to_string_lossy());
        files.push((name, read(&entry.path())));
    }
    files
}

/// The example's files with outbound maturity capping off (models.yaml), for tests about
/// what happens once an outbound action is offered.
pub fn uncapped_example_files() -> Vec<(String, String)> {
    let mut files = example_files();
    let models = file(&mut files, "models.yaml");
    *models = models.replace("outbound_start_share: 0.02", "outbound_start_share: 1");
    assert!(
        models.contains("outbound_start_share: 1"),
        "the example caps"
    );
    files
}

/// A strategy from (path, text) files; a fixture that does not load fails the test.
pub fn strategy_from(files: &[(String, String)]) -> Arc<Strategy> {
    let strategy = Strategy::from_files(files.iter().map(|(p, t)| (p.as_str(), t.as_str())))
        .unwrap_or_else(|e| panic!("strategy loads:\n{e}"));
    Arc::new(strategy)
}

/// The text of `path` among `files`, to edit in place.
pub fn file<'a>(files: &'a mut [(String, String)], path: &str) -> &'a mut String {
    &mut files
        .iter_mut()
        .find(|(p, _)| p == path)
        .unwrap_or_else(|| panic!("no {path}"))
        .1
}

/// A base row as `Hub::load_customers` takes it.
pub type Row = (CustomerId, Attributes, Vec<String>);

/// A simulated operator of `subscribers` from `start`, and its base as rows.
pub fn simulated_base(seed: u64, subscribers: usize, start: Timestamp) -> (Operator, Vec<Row>) {
    let operator = Operator::new(
        SimConfig {
            seed,
            subscribers,
            start,
            ..SimConfig::default()
        },
        &[],
    )
    .expect("sim builds");
    let rows = operator.base_rows();
    (operator, rows)
}

/// New postpaid customers (a welcome call is due) with every consent given, in `household`.
pub async fn load_postpaid(hub: &Hub, customers: &[(&str, &str)]) {
    let rows = customers
        .iter()
        .map(|(id, household)| {
            let mut a = Attributes::new();
            for (k, v) in [
                ("segment", Value::from("postpaid")),
                ("tenure_months", Value::Num(0.5)),
                ("arpu", Value::Num(15.0)),
                ("balance", Value::Num(50.0)),
                ("avg_recharge", Value::Num(10.0)),
                ("device_type", Value::from("smartphone")),
                ("network", Value::from("4g")),
                ("household_id", Value::from(*household)),
                ("consent_sms", Value::Bool(true)),
                ("consent_outbound_call", Value::Bool(true)),
            ] {
                a.insert(k.to_owned(), v);
            }
            (CustomerId::new(*id), a, Vec::new())
        })
        .collect();
    hub.load_customers(rows).await.expect("loads");
}

/// The customer views of `customers` at `now`, trigger fires, KPIs, models and the decision log
/// size, as comparable JSON.
pub async fn observe(hub: &Hub, customers: &[CustomerId], now: Timestamp) -> serde_json::Value {
    let mut profiles = Vec::new();
    for c in customers {
        profiles.push(hub.customer(c, now).await.map(|s| {
            serde_json::json!({
                "profile": serde_json::to_value(&s.profile).expect("serialises"),
                "recent_events": serde_json::to_value(&s.recent_events).expect("serialises"),
                "triggers": serde_json::to_value(&s.triggers).expect("serialises"),
                "computed": serde_json::to_value(&s.computed).expect("serialises"),
                "decisions": serde_json::to_value(&s.decisions).expect("serialises"),
            })
        }));
    }
    hub.flush_learning();
    let snapshot = hub.models();
    let mut models: Vec<_> = snapshot
        .iter()
        // Counts per predictor bin do not depend on the order responses were learnt in (the
        // classifier's score bins do, and concurrent responses learn in any order).
        .map(|(k, m)| {
            (
                k.action.0.clone(),
                k.channel.0.clone(),
                m.adm.counts.positives,
                m.adm.counts.negatives,
                format!("{:?}", m.adm.predictors),
            )
        })
        .collect();
    models.sort();
    let triggers = hub.triggers(100_000);
    serde_json::json!({
        "customers": hub.customer_count(),
        "profiles": profiles,
        "trigger_counts": serde_json::to_value(&triggers.counts).expect("serialises"),
        "trigger_recent": serde_json::to_value(&triggers.recent).expect("serialises"),
        "kpis": serde_json::to_value(hub.kpis()).expect("serialises"),
        "models": models,
        "decisions_kept": hub.decisions_kept(),
        "contacts_kept": hub.contacts_kept(),
    })
}

/// 10:00 UTC on 2026-11-23 plus `hours`.
pub fn hours_after_ten(hours: i64) -> Timestamp {
    Timestamp::from_second(1_795_428_000 + hours * 3_600).expect("time")
}

/// A one-thread runtime for a test's async calls.
pub fn current_thread_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}
