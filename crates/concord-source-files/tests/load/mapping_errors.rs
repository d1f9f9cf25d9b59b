//! Mappings that do not fit: against the schema (unknown attribute, type mismatch) when the
//! mapping file loads, against the data file (missing or unreadable column) before any row
//! is loaded. Every error names the mapping file, line, column and field.

use crate::support::{RecordingSink, data, run, telco_schema};
use arrow_array::{ArrayRef, Date32Array, Int64Array, RecordBatch};
use concord_source_files::{Format, LoadError, LoadOptions, Mapping, MappingErrorKind};
use parquet::arrow::ArrowWriter;
use std::path::Path;
use std::sync::Arc;

/// Writes `yaml` to a mapping file and loads it; returns its errors as displayed, with the
/// temp directory replaced by `DIR`.
fn mapping_errors(yaml: &str) -> Vec<String> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("wa.yaml");
    std::fs::write(&path, yaml).expect("write mapping");
    match Mapping::load(&path, &telco_schema()) {
        Ok(_) => Vec::new(),
        Err(errors) => errors
            .errors
            .iter()
            .map(|e| {
                e.to_string()
                    .replace(&dir.path().display().to_string(), "DIR")
            })
            .collect(),
    }
}

#[test]
fn schema_errors_point_into_the_mapping_file() {
    assert_eq!(
        mapping_errors(
            "id: rownames\nattributes:\n  tenure: { column: tenure }\n  arpu: { column: monthly_charges, type: string }\n  segment: { column: contract, scale: 12 }\n"
        ),
        [
            "DIR/wa.yaml:3:3: attributes.tenure: `tenure` is not an attribute of the profile schema; did you mean `tenure_months`?",
            "DIR/wa.yaml:4:42: attributes.arpu.type: `type: string` but the profile schema declares `arpu` as number",
            "DIR/wa.yaml:5:39: attributes.segment.scale: `scale` applies to number attributes; `segment` is string",
        ]
    );
    assert_eq!(
        mapping_errors(
            "id: rownames\nattributes:\n  arpu: { column: monthly_charges, map: { low: cheap } }\n"
        ),
        [
            "DIR/wa.yaml:3:48: attributes.arpu.map.low: map value for number attribute `arpu`: expected a number, found `cheap`"
        ]
    );
    assert_eq!(
        mapping_errors("id: rownames\nattributes:\n  arpu: { colunm: monthly_charges }\n"),
        [
            "DIR/wa.yaml:3:11: attributes.arpu.colunm: unknown field `colunm`, expected one of column, type, map, scale, default, required, separator"
        ]
    );
}

fn load_err(data_file: &Path, format: Option<Format>, yaml: &str) -> (LoadError, usize) {
    let mapping = Mapping::parse("loads/wa.yaml", yaml, &telco_schema()).expect("valid mapping");
    let sink = RecordingSink::default();
    match run(data_file, format, &mapping, &sink, &LoadOptions::default()) {
        Ok(report) => panic!("expected an error, got {report}"),
        Err(err) => (err, sink.rows().len()),
    }
}

#[test]
fn columns_missing_from_the_header_stop_the_load_before_any_row() {
    let (err, loaded) = load_err(
        &data("wa_churn.csv"),
        None,
        "id: customerID\nattributes:\n  tenure_months: { column: Tenure }\n  arpu: { column: monthly_charges }\nholdings_from:\n  tv: { column: StreamingTV, equals: 'Yes' }\n",
    );
    let shared = data("wa_churn.csv").display().to_string();
    let message = err.to_string().replace(&shared, "wa_churn.csv");
    assert_eq!(
        message.lines().collect::<Vec<_>>(),
        [
            "loads/wa.yaml:1:5: id: column `customerID` is not in the header of wa_churn.csv",
            "loads/wa.yaml:3:28: attributes.tenure_months.column: column `Tenure` is not in the header of wa_churn.csv; did you mean `tenure`?",
            "loads/wa.yaml:6:17: holdings_from.tv.column: column `StreamingTV` is not in the header of wa_churn.csv; did you mean `streaming_tv`?",
        ]
    );
    assert!(matches!(err, LoadError::Mapping(_)));
    assert_eq!((loaded, err.rows_loaded()), (0, 0));
}

#[test]
fn parquet_columns_of_unreadable_types_are_mapping_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("dated.parquet");
    let ids: ArrayRef = Arc::new(Int64Array::from(vec![1, 2]));
    let dates: ArrayRef = Arc::new(Date32Array::from(vec![19_000, 19_001]));
    let batch = RecordBatch::try_from_iter([("id", ids), ("activated", dates)]).expect("batch");
    let file = std::fs::File::create(&path).expect("file");
    let mut writer = ArrowWriter::try_new(file, batch.schema(), None).expect("writer");
    writer.write(&batch).expect("write");
    writer.close().expect("close");

    let (err, _) = load_err(
        &path,
        None,
        "id: id\nattributes:\n  tariff: { column: activated }\n",
    );
    let kinds: Vec<MappingErrorKind> = match &err {
        LoadError::Mapping(errors) => errors.errors.iter().map(|e| e.kind).collect(),
        other => panic!("{other}"),
    };
    assert_eq!(kinds, [MappingErrorKind::UnsupportedColumn]);
    assert!(
        err.to_string()
            .contains("its type Date32 is not one a base load reads"),
        "{err}"
    );
}

#[test]
fn formats_and_unreadable_files() {
    let yaml = "id: rownames\n";
    let (err, _) = load_err(Path::new("base.xlsx"), None, yaml);
    assert!(matches!(err, LoadError::UnknownFormat { .. }), "{err}");
    let (err, _) = load_err(Path::new("/nonexistent/base.csv"), None, yaml);
    assert!(matches!(err, LoadError::Open { .. }), "{err}");
    // A CSV file read as Parquet: explicit format wins over the extension.
    let (err, _) = load_err(&data("mlc_churn.csv"), Some(Format::Parquet), yaml);
    assert!(
        err.to_string().contains("not a readable Parquet file"),
        "{err}"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let empty = dir.path().join("empty.csv");
    std::fs::write(&empty, "").expect("write");
    let (err, _) = load_err(&empty, None, yaml);
    assert!(
        err.to_string()
            .ends_with("the file is empty: no header line"),
        "{err}"
    );
}
