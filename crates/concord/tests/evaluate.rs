//! `concord evaluate` through the real binary: a data folder of the example's decisions and
//! responses, and candidates copied from the example with one change. The estimates come out
//! as a table (JSON read back, CSV and Parquet written), the same seed gives the same figures,
//! and a candidate that can't be evaluated on the log, or bad flags, are refused naming why.

mod common;

use common::{concord, copy_dir, repo};
use concord_hub::Hub;
use concord_model::{ChannelId, Outcome, Timestamp};
use concord_strategy::Strategy;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A data folder where the example decided for 600 simulated customers in USSD three times,
/// with a third of the first actions accepted.
fn data_folder(data: &Path) {
    let start = Timestamp::from_second(1_798_761_600).expect("time");
    let strategy = Arc::new(Strategy::load(&repo().join("examples/telco")).expect("loads"));
    let operator = concord_sim::Operator::new(concord_sim::SimConfig::with_seed(4, 600), &[])
        .expect("sim builds");
    let rows = operator.base_rows();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let hub = Hub::open(data, strategy).expect("opens");
    rt.block_on(hub.load_customers(rows)).expect("loads");
    for round in 0..3 {
        for (k, s) in operator.subscribers().iter().enumerate() {
            let request = concord_decide::DecisionRequest {
                channel: ChannelId::new("ussd"),
                context: Default::default(),
                limit: Some(1),
                placement: None,
                explain: false,
            };
            let time = Timestamp::from_second(start.as_second() + round * 600).expect("time");
            let decision = rt
                .block_on(hub.decide(&s.id, request, time))
                .expect("decides");
            if let Some(first) = decision.record.actions.first() {
                let outcome = if k % 3 == 0 {
                    Outcome::Accepted
                } else {
                    Outcome::Declined
                };
                rt.block_on(hub.respond(
                    &decision.record.decision_id,
                    &first.action_id,
                    outcome,
                    time,
                ))
                .expect("responds");
            }
        }
        hub.flush_learning();
    }
}

/// A copy of the example in `dir/name` with `from` replaced by `to` in `file`.
fn candidate(dir: &Path, name: &str, file: &str, from: &str, to: &str) -> PathBuf {
    let folder = dir.join(name);
    copy_dir(&repo().join("examples/telco"), &folder);
    let path = folder.join(file);
    let text = std::fs::read_to_string(&path).expect("readable");
    assert!(text.contains(from), "{file} has {from}");
    std::fs::write(&path, text.replacen(from, to, 1)).expect("written");
    folder
}

#[test]
fn a_candidate_is_estimated_from_the_log_and_bad_input_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    data_folder(&data);
    let no_value = candidate(
        dir.path(),
        "no_value",
        "strategy.yaml",
        "  use_value: true",
        "  use_value: false",
    );
    let example = repo().join("examples/telco");
    let run = |candidate: &Path, extra: &[&str], out: Option<&Path>| {
        let mut args: Vec<&OsStr> = vec![
            "evaluate".as_ref(),
            "--strategy".as_ref(),
            example.as_os_str(),
            "--data".as_ref(),
            data.as_os_str(),
            "--candidate".as_ref(),
            candidate.as_os_str(),
            "--resamples".as_ref(),
            "200".as_ref(),
        ];
        args.extend(extra.iter().map(OsStr::new));
        args.extend(out.map(Path::as_os_str));
        concord(&args)
    };

    let json = dir.path().join("estimates.json");
    let out = run(&no_value, &[], Some(&json));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(&json).expect("json")).expect("parses");
    let cells: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| {
            (
                r["reward"].as_str().unwrap_or(""),
                r["estimator"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        cells,
        [
            ("accept_rate", "ips"),
            ("accept_rate", "snips"),
            ("accept_rate", "doubly_robust"),
            ("value_per_decision", "ips"),
            ("value_per_decision", "snips"),
            ("value_per_decision", "doubly_robust"),
        ]
    );
    for row in &rows {
        let (low, estimate, high) = (
            row["low"].as_f64().expect("low"),
            row["estimate"].as_f64().expect("estimate"),
            row["high"].as_f64().expect("high"),
        );
        assert!(low <= estimate && estimate <= high, "{row}");
        assert!(
            row["decisions"].as_u64().expect("decisions") > 1_000,
            "{row}"
        );
        assert!(row["matched"].as_u64() < row["decisions"].as_u64(), "{row}");
    }
    // The live strategy as its own candidate: greedy, it matches most first actions, and its
    // accept-rate estimates sit near what the live strategy observed.
    let live = dir.path().join("live.json");
    let out = run(&example, &[], Some(&live));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(&live).expect("json")).expect("parses");
    let dr = &rows[2];
    let observed = dr["live"].as_f64().expect("live");
    assert!(
        (dr["estimate"].as_f64().expect("estimate") - observed).abs() < 0.1,
        "{dr}"
    );
    // The printed table, and the same seed gives the same figures; CSV and Parquet too.
    let printed = run(&no_value, &["--seed", "5"], None);
    assert!(printed.status.success());
    let text = String::from_utf8_lossy(&printed.stdout);
    assert!(
        text.contains("doubly_robust") && text.contains("logged decisions evaluated"),
        "{text}"
    );
    assert_eq!(
        text,
        String::from_utf8_lossy(&run(&no_value, &["--seed", "5"], None).stdout)
    );
    for name in ["estimates.csv", "estimates.parquet"] {
        let path = dir.path().join(name);
        assert!(run(&no_value, &[], Some(&path)).status.success());
        assert!(std::fs::metadata(&path).expect("written").len() > 0);
    }

    // Refused, naming why.
    let other_profile = candidate(
        dir.path(),
        "other_profile",
        "profile.yaml",
        "  age: number\n",
        "",
    );
    let refused = |candidate: &Path, extra: &[&str], expected: &str| {
        let out = run(candidate, extra, None);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{expected}");
        assert!(stderr.contains(expected), "expected {expected}:\n{stderr}");
    };
    refused(&other_profile, &[], "--candidate");
    refused(&other_profile, &[], "profile.yaml");
    refused(&dir.path().join("nowhere"), &[], "--candidate");
    refused(&no_value, &["--confidence", "1.5"], "confidence");
    refused(&no_value, &["--resamples", "10"], "--resamples");
    refused(&no_value, &["--draws", "0"], "--draws");
}
