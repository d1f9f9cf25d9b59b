//! `concord export models --format pdstools` read back by pdstools itself (PyPI `pdstools` 5.x,
//! in the venv scripts/test.sh makes): every model is there, pdstools' AUC equals Concord's, the
//! AUC pdstools computes from the exported classifier bins equals it too, and pdstools' lift
//! of every predictor bin equals the lift Concord wrote.

use concord_decide::DecisionRequest;
use concord_hub::Hub;
use concord_model::{Attributes, ChannelId, Outcome, Timestamp, Value};
use concord_strategy::Strategy;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The Python with pdstools: $CONCORD_PYTHON, else the repository's .venv. None outside CI
/// when neither is there (CI always has it: scripts/test.sh makes the venv).
fn python() -> Option<PathBuf> {
    let candidate = std::env::var_os("CONCORD_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join(".venv/bin/python"));
    let has_pdstools = Command::new(&candidate)
        .args(["-c", "import pdstools"])
        .output()
        .is_ok_and(|o| o.status.success());
    if has_pdstools {
        return Some(candidate);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI runs this test: {} has no pdstools (scripts/test.sh makes .venv with it)",
        candidate.display()
    );
    eprintln!(
        "skipped: no Python with pdstools at {} (run scripts/test.sh, or set CONCORD_PYTHON)",
        candidate.display()
    );
    None
}

/// A base whose prepaid customers accept the top action (all but every fifth) and whose others
/// decline it (all but every seventh): models that rank on `customer.segment`.
fn build(data: &Path, strategy: Arc<Strategy>) -> BTreeMap<String, (u64, Option<f64>)> {
    let start = Timestamp::from_second(1_795_428_000).expect("time");
    let operator = concord_sim::Operator::new(
        concord_sim::SimConfig {
            seed: 11,
            subscribers: 400,
            start,
            ..concord_sim::SimConfig::default()
        },
        &[],
    )
    .expect("sim builds");
    let rows: Vec<_> = operator
        .subscribers()
        .iter()
        .map(concord_sim::Subscriber::base_row)
        .collect();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let hub = Hub::open(data, strategy).expect("opens");
    rt.block_on(async {
        let segments: BTreeMap<_, _> = rows
            .iter()
            .map(|(id, a, _)| (id.clone(), a.get("segment").cloned()))
            .collect();
        hub.load_customers(rows).await.expect("loads");
        for (i, (customer, segment)) in segments.iter().enumerate() {
            for (k, channel) in ["ussd", "app"].into_iter().enumerate() {
                let time =
                    Timestamp::from_second(start.as_second() + (i * 2 + k) as i64).expect("time");
                let request = DecisionRequest {
                    channel: ChannelId::new(channel),
                    context: Attributes::new(),
                    limit: None,
                    placement: None,
                    explain: false,
                };
                let decision = hub.decide(customer, request, time).await.expect("decides");
                let Some(top) = decision.record.actions.first() else {
                    continue;
                };
                let prepaid = segment == &Some(Value::from("prepaid"));
                let accept = if prepaid { i % 5 != 0 } else { i % 7 == 0 };
                let outcome = if accept {
                    Outcome::Accepted
                } else {
                    Outcome::Declined
                };
                hub.respond(&decision.record.decision_id, &top.action_id, outcome, time)
                    .await
                    .expect("responds");
            }
        }
    });
    hub.model_summaries()
        .into_iter()
        .map(|m| (m.model_id, (m.responses, m.auc)))
        .collect()
}

/// A --data path that holds no Concord data is refused by name, and nothing is created there.
#[test]
fn an_export_from_a_folder_without_data_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let missing = dir.path().join("no-such-data");
    let out = Command::new(env!("CARGO_BIN_EXE_concord"))
        .args(["export", "models", "--strategy"])
        .arg(repo().join("examples/telco"))
        .arg("--data")
        .arg(&missing)
        .arg(dir.path().join("out"))
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("is not a Concord data folder (it has no journal)"),
        "{stderr}"
    );
    assert!(!missing.exists(), "nothing created");
}

#[test]
fn pdstools_reads_the_export_and_agrees_on_every_auc() {
    let Some(python) = python() else {
        return;
    };
    let examples = repo().join("examples/telco");
    let strategy = Arc::new(Strategy::load(&examples).expect("example loads"));
    let data = tempfile::tempdir().expect("temp dir");
    let concord = build(data.path(), strategy);
    assert!(concord.len() >= 4, "models: {concord:?}");
    assert!(
        concord
            .values()
            .any(|(_, auc)| auc.is_some_and(|a| a > 0.6)),
        "some model ranks: {concord:?}"
    );
    let out = tempfile::tempdir().expect("temp dir");
    let export = Command::new(env!("CARGO_BIN_EXE_concord"))
        .args(["export", "models", "--format", "pdstools", "--strategy"])
        .arg(&examples)
        .arg("--data")
        .arg(data.path())
        .arg(out.path())
        .output()
        .expect("runs");
    assert!(
        export.status.success(),
        "{}",
        String::from_utf8_lossy(&export.stderr)
    );
    let check = Command::new(&python)
        .arg(repo().join("scripts/pdstools_check.py"))
        .arg(out.path())
        .output()
        .expect("python runs");
    assert!(
        check.status.success(),
        "pdstools failed:\n{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let seen: BTreeMap<String, serde_json::Value> =
        serde_json::from_slice(&check.stdout).expect("the checker prints JSON");
    assert_eq!(
        seen.keys().collect::<Vec<_>>(),
        concord.keys().collect::<Vec<_>>(),
        "pdstools sees every model"
    );
    let predictors = concord_strategy::Strategy::load(&examples)
        .expect("loads")
        .models()
        .predictors
        .len();
    for (id, (responses, auc)) in &concord {
        let m = &seen[id];
        let want = auc.unwrap_or(0.5);
        let performance = m["performance"].as_f64().expect("performance");
        let from_bins = m["classifier_auc"].as_f64().expect("classifier auc");
        assert!((performance - want).abs() < 1e-9, "{id}: {m} vs {auc:?}");
        // pdstools folds an AUC below 0.5 up (0.5 + |AUC - 0.5|): a young model's calibrated
        // propensities can rank its few responses worse than chance.
        let folded = 0.5 + (want - 0.5).abs();
        assert!((from_bins - folded).abs() < 1e-9, "{id}: {m} vs {auc:?}");
        assert_eq!(m["responses"].as_f64(), Some(*responses as f64), "{id}");
        // pdstools holds bin counts in single precision.
        assert!(
            m["lift_gap"].as_f64().is_some_and(|g| g < 1e-5),
            "{id}: {m}"
        );
        assert_eq!(m["predictors"].as_u64(), Some(predictors as u64), "{id}");
    }
}
