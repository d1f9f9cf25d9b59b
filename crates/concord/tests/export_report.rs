//! `concord export report`: a cohort report of the example's reports.yaml over a data folder,
//! written as CSV (read back: one row per group, the groups and counts the hub reports),
//! Parquet and JSON; an unknown report and an unknown file type are refused by name.

mod common;

use common::{concord, repo};
use concord_hub::Hub;
use concord_model::Timestamp;
use concord_strategy::Strategy;
use std::path::Path;
use std::sync::Arc;

#[test]
fn a_report_exports_as_csv_parquet_and_json() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let strategy_dir = repo().join("examples/telco");
    let start = Timestamp::from_second(1_795_428_000).expect("time");
    let end = Timestamp::from_second(start.as_second() + 14 * 86_400).expect("time");
    let expected = {
        let strategy = Arc::new(Strategy::load(&strategy_dir).expect("loads"));
        let mut operator = concord_sim::Operator::new(
            concord_sim::SimConfig {
                seed: 5,
                subscribers: 1_500,
                start,
                activity_scale: 0.05,
                churn_scale: 10.0,
                ..concord_sim::SimConfig::default()
            },
            &[],
        )
        .expect("sim builds");
        let rows = operator
            .subscribers()
            .iter()
            .map(concord_sim::Subscriber::base_row)
            .collect();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let hub = Hub::open(&data, strategy).expect("opens");
        rt.block_on(hub.load_customers(rows)).expect("loads");
        let events = operator.events_until(end);
        rt.block_on(hub.ingest(events)).expect("ingests");
        let ids: Vec<_> = operator
            .subscribers()
            .iter()
            .map(|s| s.id.clone())
            .collect();
        for (k, id) in ids.iter().enumerate() {
            let request = concord_decide::DecisionRequest {
                channel: concord_model::ChannelId::new("ussd"),
                context: Default::default(),
                limit: None,
                placement: None,
                explain: false,
            };
            let time = Timestamp::from_second(end.as_second() + k as i64).expect("time");
            let decision = rt.block_on(hub.decide(id, request, time)).expect("decides");
            if let Some(top) = decision.record.actions.first() {
                let outcome = if k % 3 == 0 {
                    concord_model::Outcome::Accepted
                } else {
                    concord_model::Outcome::Declined
                };
                rt.block_on(hub.respond(
                    &decision.record.decision_id,
                    &top.action_id,
                    outcome,
                    time,
                ))
                .expect("responds");
            }
        }
        let impressions = hub.kpis().total.impressions;
        (
            hub.report("inflow_quality", end, 0.95).expect("report"),
            impressions,
        )
    };
    let (expected, impressions) = expected;
    assert!(impressions > 1_000, "{impressions}");
    assert!(expected.groups.len() > 3, "{:?}", expected.groups.len());
    let at = end.to_string();
    // `concord export WHAT --strategy <example> --data <data> ARGS...`
    let export = |what: &str, args: &[&std::ffi::OsStr]| {
        let mut all: Vec<&std::ffi::OsStr> = vec![
            "export".as_ref(),
            what.as_ref(),
            "--strategy".as_ref(),
            strategy_dir.as_os_str(),
            "--data".as_ref(),
            data.as_os_str(),
        ];
        all.extend_from_slice(args);
        concord(&all)
    };
    let run = |out: &Path| {
        export(
            "report",
            &[
                "inflow_quality".as_ref(),
                "--at".as_ref(),
                at.as_ref(),
                out.as_os_str(),
            ],
        )
    };
    let csv_path = dir.path().join("inflow.csv");
    let out = run(&csv_path);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut reader = csv::Reader::from_path(&csv_path).expect("csv");
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    for column in [
        "acquisition_channel",
        "dealer",
        "customers",
        "churned",
        "churned_low",
        "revenue_30d",
        "flagged",
    ] {
        assert!(header.iter().any(|h| h == column), "{column} in {header:?}");
    }
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), expected.groups.len());
    let customers = header
        .iter()
        .position(|h| h == "customers")
        .expect("column");
    for (row, group) in rows.iter().zip(&expected.groups) {
        assert_eq!(&row[0], group.key[0].as_str());
        assert_eq!(&row[1], group.key[1].as_str());
        assert_eq!(row[customers].parse::<u64>().ok(), Some(group.customers));
    }

    let parquet = dir.path().join("inflow.parquet");
    let out = run(&parquet);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&parquet).expect("parquet written");
    assert!(bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1"));

    let json = dir.path().join("inflow.json");
    let out = run(&json);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let body: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).expect("json")).expect("parses");
    assert_eq!(body["customers"], expected.customers);
    assert_eq!(
        body["dimensions"],
        serde_json::json!(["acquisition_channel", "dealer"])
    );

    // Refusals name what was wrong; nothing is written.
    let unknown = export(
        "report",
        &["inflow".as_ref(), dir.path().join("x.csv").as_os_str()],
    );
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert!(!unknown.status.success());
    assert!(
        stderr.contains("unknown report `inflow`") && stderr.contains("inflow_quality"),
        "{stderr}"
    );
    let xlsx = dir.path().join("x.xlsx");
    let bad = run(&xlsx);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains(".csv, .parquet or .json"));
    assert!(!xlsx.exists());

    // The KPIs by dimensions and the lift, as the data team gets them.
    let kpis = dir.path().join("kpis.csv");
    let out = export(
        "kpis",
        &["--by".as_ref(), "issue,arm,day".as_ref(), kpis.as_os_str()],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut reader = csv::Reader::from_path(&kpis).expect("csv");
    let header = reader.headers().expect("header").clone();
    let first: Vec<&str> = header.iter().take(4).collect();
    assert_eq!(first, ["issue", "arm", "day", "impressions"]);
    let total: u64 = reader
        .records()
        .map(|r| r.expect("row")[3].parse::<u64>().expect("count"))
        .sum();
    assert_eq!(total, impressions);
    let bad = export(
        "kpis",
        &["--by".as_ref(), "segment".as_ref(), kpis.as_os_str()],
    );
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown dimension `segment`"));

    let lift = dir.path().join("lift.json");
    let out = export("lift", &["--at".as_ref(), at.as_ref(), lift.as_os_str()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<serde_json::Value> =
        serde_json::from_slice(&std::fs::read(&lift).expect("json")).expect("parses");
    let has = |metric: &str, arm: &str| {
        rows.iter()
            .any(|r| r["metric"] == metric && r["subject"] == "test" && r["baseline"] == arm)
    };
    assert!(has("accept_rate", "random_action"), "{rows:?}");
    assert!(has("churned", "holdout"), "{rows:?}");
    assert!(
        !has("accept_rate", "holdout"),
        "the hold-out is compared per customer only"
    );
}
