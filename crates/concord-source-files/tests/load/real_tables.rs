//! The two real telecom tables in shared/data, through the example mappings: every row
//! loads, known rows carry the right typed values, and Parquet gives the same rows as CSV.

use crate::support::{
    csv_to_parquet, data, example_mapping, load_ok, load_with, mapping, telco_schema,
};
use concord_ingest::BaseRow;
use concord_model::Value;
use concord_source_files::{Format, LoadOptions, Mapping, RejectKind};
use concord_strategy::ValueType;

/// `expected` lists `name=value` attributes (all of them) and the holdings.
fn check_row(rows: &[BaseRow], id: &str, attributes: &[(&str, Value)], holdings: &[&str]) {
    let Some(row) = rows.iter().find(|row| row.customer_id.as_str() == id) else {
        panic!("no row {id}");
    };
    let got: Vec<(&str, &Value)> = row
        .attributes
        .iter()
        .map(|(k, v)| (k.as_str(), v))
        .collect();
    let expected: Vec<(&str, &Value)> = attributes.iter().map(|(k, v)| (*k, v)).collect();
    assert_eq!(got, expected, "{id}");
    assert_eq!(row.holdings, holdings, "{id}");
}

fn num(x: f64) -> Value {
    Value::Num(x)
}

#[test]
fn wa_churn_csv_loads_every_customer() {
    let schema = telco_schema();
    let mapping = mapping(&example_mapping("wa_churn.yaml"), &schema);
    let (report, rows) = load_ok(&data("wa_churn.csv"), &mapping, 1_000);
    assert_eq!(
        (report.rows_read, report.rows_loaded, report.rows_rejected),
        (7_043, 7_043, 0),
        "{report}"
    );
    assert_eq!(report.format, Format::Csv);
    assert_eq!(rows.len(), 7_043);
    check_row(
        &rows,
        "wa-1",
        &[
            ("arpu", num(29.85)),
            ("segment", "postpaid".into()),
            ("tariff", "month_to_month".into()),
            ("tenure_months", num(1.0)),
        ],
        &["fixed_dsl", "online_backup"],
    );
    check_row(
        &rows,
        "wa-2",
        &[
            ("arpu", num(56.95)),
            ("segment", "postpaid".into()),
            ("tariff", "one_year".into()),
            ("tenure_months", num(34.0)),
        ],
        &[
            "voice_basic",
            "fixed_dsl",
            "online_security",
            "device_insurance",
        ],
    );
    check_row(
        &rows,
        "wa-7043",
        &[
            ("arpu", num(105.65)),
            ("segment", "postpaid".into()),
            ("tariff", "two_year".into()),
            ("tenure_months", num(66.0)),
        ],
        &[
            "voice_basic",
            "fixed_fiber",
            "online_security",
            "device_insurance",
            "tech_support",
            "video_pack",
            "movie_pack",
        ],
    );
}

#[test]
fn mlc_churn_csv_loads_every_customer() {
    let schema = telco_schema();
    let mapping = mapping(&example_mapping("mlc_churn.yaml"), &schema);
    let (report, rows) = load_ok(&data("mlc_churn.csv"), &mapping, 1_000);
    assert_eq!(
        (report.rows_read, report.rows_loaded, report.rows_rejected),
        (5_000, 5_000, 0),
        "{report}"
    );
    check_row(
        &rows,
        "mlc-1",
        &[("region", "KS".into()), ("tenure_months", num(128.0))],
        &["voicemail"],
    );
    check_row(
        &rows,
        "mlc-5000",
        &[("region", "VT".into()), ("tenure_months", num(86.0))],
        &["voicemail"],
    );
    let international = rows
        .iter()
        .filter(|row| row.holdings.iter().any(|h| h == "international_calling"))
        .count();
    assert!(international > 0 && international < 5_000);
}

/// wa_churn's total_charges is blank for the 11 customers with tenure 0. Mapped as required
/// (the default), each is rejected with its row and line; with `default: 0` all load.
#[test]
fn blank_total_charges_are_rejected_or_defaulted_explicitly() {
    let mut schema = telco_schema();
    schema
        .attributes
        .insert("total_charges".to_owned(), ValueType::Number);
    let blank_rows = [
        489, 754, 937, 1083, 1341, 3332, 3827, 4381, 5219, 6671, 6755,
    ];

    let required = Mapping::parse(
        "t.yaml",
        "id: rownames\nid_prefix: wa-\nattributes:\n  total_charges: { column: total_charges }\n",
        &schema,
    )
    .expect("valid");
    let (report, _) = load_ok(&data("wa_churn.csv"), &required, 50_000);
    assert_eq!((report.rows_loaded, report.rows_rejected), (7_032, 11));
    assert_eq!(report.by_reason.get(&RejectKind::MissingValue), Some(&11));
    let where_: Vec<(u64, Option<u64>, Option<&str>)> = report
        .rejections
        .iter()
        .map(|r| (r.row, r.line, r.column.as_deref()))
        .collect();
    let expected: Vec<(u64, Option<u64>, Option<&str>)> = blank_rows
        .iter()
        .map(|&row| (row, Some(row + 1), Some("total_charges")))
        .collect();
    assert_eq!(where_, expected);

    let defaulted = Mapping::parse(
        "t.yaml",
        "id: rownames\nid_prefix: wa-\nattributes:\n  total_charges: { column: total_charges, default: 0 }\n  tenure_months: { column: tenure }\n",
        &schema,
    )
    .expect("valid");
    let (report, rows) = load_ok(&data("wa_churn.csv"), &defaulted, 50_000);
    assert_eq!((report.rows_loaded, report.rows_rejected), (7_043, 0));
    for row in blank_rows {
        check_row(
            &rows,
            &format!("wa-{row}"),
            &[("tenure_months", num(0.0)), ("total_charges", num(0.0))],
            &[],
        );
    }
}

/// The same tables written as typed Parquet (Int64, Float64 with nulls, dictionary strings)
/// load into exactly the same base rows as the CSV, whatever the batch size and threads.
#[test]
fn parquet_gives_the_same_rows_as_csv() {
    let dir = tempfile::tempdir().expect("temp dir");
    let schema = telco_schema();
    for (table, mapping_file) in [
        ("wa_churn", "wa_churn.yaml"),
        ("mlc_churn", "mlc_churn.yaml"),
    ] {
        let csv = data(&format!("{table}.csv"));
        let parquet = dir.path().join(format!("{table}.parquet"));
        csv_to_parquet(&csv, &parquet);
        let mapping = mapping(&example_mapping(mapping_file), &schema);
        // One thread and small batches for CSV; several threads converting each batch of
        // Parquet rows.
        let sequential = LoadOptions::default()
            .with_batch_rows(1_000)
            .with_threads(1);
        let (csv_report, csv_rows) = load_with(&csv, &mapping, &sequential);
        let parallel = LoadOptions::default()
            .with_batch_rows(50_000)
            .with_threads(4);
        let (parquet_report, parquet_rows) = load_with(&parquet, &mapping, &parallel);
        assert_eq!(parquet_report.format, Format::Parquet);
        assert_eq!(
            (parquet_report.rows_read, parquet_report.rows_rejected),
            (csv_report.rows_read, 0),
            "{table}"
        );
        assert!(
            parquet_rows == csv_rows,
            "{table}: Parquet rows differ from CSV rows"
        );
    }
}
