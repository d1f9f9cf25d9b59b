//! `concord bench learn` end to end on a small stream, without the Python peers: the report's
//! shape, the stream file the peers read, and claims that could fail: under common random
//! numbers the oracle accepts whenever any policy does, Concord learns (clearly above random),
//! and the churn models rank customers on the real shared tables.

use serde_json::Value;
use std::process::Command;

const DECISIONS: u64 = 20_000;
const ACTIONS: u64 = 6;

fn accepts(report: &Value, policy: &str) -> Vec<u64> {
    report["policies"][policy]["accepts"]
        .as_array()
        .unwrap_or_else(|| panic!("no {policy} curve: {report}"))
        .iter()
        .map(|a| a.as_u64().expect("a count"))
        .collect()
}

#[test]
fn bench_learn_learns_and_reports_its_curves() {
    let dir = tempfile::tempdir().expect("temp dir");
    let stream = dir.path().join("stream.bin");
    let output = Command::new(env!("CARGO_BIN_EXE_concord"))
        .args([
            "bench",
            "learn",
            "--decisions",
            &DECISIONS.to_string(),
            "--actions",
            &ACTIONS.to_string(),
            "--batch",
            "500",
            "--json",
            "--stream-out",
        ])
        .arg(&stream)
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let report: Value = serde_json::from_str(&stdout).expect("JSON");

    assert_eq!(report["decisions"], DECISIONS);
    assert_eq!(report["actions"], ACTIONS);
    let checkpoints: Vec<u64> = report["checkpoints"]
        .as_array()
        .expect("checkpoints")
        .iter()
        .filter_map(Value::as_u64)
        .collect();
    assert_eq!(checkpoints.len(), 10, "{checkpoints:?}");
    assert_eq!(checkpoints.last(), Some(&DECISIONS));
    let (oracle, concord, random) = (
        accepts(&report, "oracle"),
        accepts(&report, "concord"),
        accepts(&report, "random"),
    );
    for curve in [&oracle, &concord, &random] {
        assert_eq!(curve.len(), checkpoints.len());
        assert!(curve.windows(2).all(|w| w[0] <= w[1]), "{curve:?}");
    }
    // The oracle's action has the highest probability, so its draw accepts whenever any
    // other action's would: at every checkpoint, not only on average.
    for i in 0..checkpoints.len() {
        assert!(oracle[i] >= concord[i] && oracle[i] >= random[i], "{i}");
    }
    let rate = |curve: &[u64]| curve[curve.len() - 1] as f64 / DECISIONS as f64;
    assert!(
        rate(&concord) > 1.5 * rate(&random) && rate(&concord) > rate(&random) + 0.03,
        "Concord {} vs random {}",
        rate(&concord),
        rate(&random)
    );
    assert!(report["throughput"]["updates_per_s"].as_f64() > Some(0.0));
    assert!(report["throughput"]["scored_actions_per_s"].as_f64() > Some(0.0));

    let tables = report["tables"].as_array().expect("tables");
    assert!(!tables.is_empty(), "no shared tables measured");
    for table in tables {
        let auc = table["auc"].as_f64().expect("an AUC");
        assert!(auc > 0.6, "{table}");
        assert!(table["holdout_rows"].as_u64() > Some(100), "{table}");
    }

    // The stream file: a JSON header line naming the arrays, then exactly their bytes.
    let bytes = std::fs::read(&stream).expect("the stream file");
    let newline = bytes
        .iter()
        .position(|b| *b == b'\n')
        .expect("a header line");
    let header: Value = serde_json::from_slice(&bytes[..newline]).expect("a JSON header");
    assert_eq!(header["decisions"], DECISIONS);
    assert_eq!(
        header["actions"].as_array().map(Vec::len),
        Some(ACTIONS as usize)
    );
    let body: u64 = header["arrays"]
        .as_array()
        .expect("arrays")
        .iter()
        .map(|a| {
            let item = if a["dtype"] == "|u1" { 1 } else { 4 };
            item * a["shape"]
                .as_array()
                .expect("a shape")
                .iter()
                .filter_map(Value::as_u64)
                .product::<u64>()
        })
        .sum();
    assert_eq!(bytes.len() as u64, newline as u64 + 1 + body);
}
