//! Parquet written by another tool (pyarrow 26, see tests/data/make_fixtures.py): int16,
//! int64, float32, decimal128, bool, large_string and dictionary columns, with nulls.

use crate::support::{RecordingSink, run, telco_schema};
use concord_model::Value;
use concord_source_files::{LoadError, LoadOptions, Mapping};
use std::path::{Path, PathBuf};

const MAPPING: &str = "\
id: msisdn
attributes:
  segment: { column: plan, map: { pre: prepaid, post: postpaid } }
  tenure_months: { column: tenure }
  arpu: { column: arpu, required: false }
  value_score: { column: score }
  consent_sms: { column: sms_ok, default: false }
  region: { column: region }
holdings: { column: products }
";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn load(name: &str) -> Result<(Vec<String>, Vec<String>), LoadError> {
    let mapping = Mapping::parse("m.yaml", MAPPING, &telco_schema()).expect("valid mapping");
    let sink = RecordingSink::default();
    let report = run(
        &fixture(name),
        None,
        &mapping,
        &sink,
        &LoadOptions::default(),
    )?;
    let rows = sink
        .rows()
        .iter()
        .map(|row| {
            let attributes: Vec<String> = row
                .attributes
                .iter()
                .map(|(k, v)| match v {
                    Value::Str(s) => format!("{k}={s:?}"),
                    other => format!("{k}={other}"),
                })
                .collect();
            format!(
                "{} {} {:?}",
                row.customer_id,
                attributes.join(" "),
                row.holdings
            )
        })
        .collect();
    let rejections = report.rejections.iter().map(ToString::to_string).collect();
    Ok((rows, rejections))
}

const EXPECTED_ROWS: [&str; 2] = [
    "27820000001 arpu=29.85 consent_sms=true region=\"KS\" segment=\"prepaid\" tenure_months=3 value_score=0.25 [\"data_1gb\", \"music_pack\"]",
    "27820000002 arpu=105.65 consent_sms=false region=\"OH\" segment=\"postpaid\" tenure_months=40 value_score=1.5 []",
];

const EXPECTED_REJECTIONS: [&str; 2] = [
    "row 3, column `plan`: `segment` is required and the cell is empty (set `default:` or `required: false`) (missing_value)",
    "row 4, column `msisdn`: the customer id is empty (empty_id)",
];

#[test]
fn a_pyarrow_file_loads_with_typed_values() {
    let (rows, rejections) = load("pyarrow_types.parquet").expect("loads");
    assert_eq!(rows, EXPECTED_ROWS);
    assert_eq!(rejections, EXPECTED_REJECTIONS);
}

/// zstd is an opt-in feature: without it the file is refused when opened, naming the
/// feature; with it the file loads like the Snappy one.
#[test]
fn zstd_files_need_the_zstd_feature() {
    let loaded = load("pyarrow_zstd.parquet");
    if cfg!(feature = "zstd") {
        let (rows, rejections) = loaded.expect("loads");
        assert_eq!(
            (rows, rejections),
            (
                EXPECTED_ROWS.map(String::from).to_vec(),
                EXPECTED_REJECTIONS.map(String::from).to_vec()
            )
        );
    } else {
        let message = loaded.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            message.ends_with(
                "which this build cannot read; build concord-source-files with its `zstd` feature"
            ),
            "{message}"
        );
    }
}
