//! Report tables exported as CSV and Parquet, read back with the csv crate and parquet's own
//! reader: exact cells and values, column types, nulls, quoting, and the errors.

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, UInt64Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use concord_source_files::{ColumnValues, Table, TableColumn, TableError, write_table};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::basic::Compression;
use std::fs::File;
use std::path::Path;

fn text(values: &[Option<&str>]) -> ColumnValues {
    ColumnValues::Text(values.iter().map(|v| v.map(str::to_owned)).collect())
}

/// Every column kind, with nulls and a text the CSV writer must quote.
fn report() -> Table {
    Table {
        columns: vec![
            TableColumn::new(
                "segment",
                text(&[Some("prepaid"), None, Some("a, \"quoted\"\nline"), Some("")]),
            ),
            TableColumn::new(
                "lift",
                ColumnValues::Number(vec![Some(0.1), None, Some(-2.5), Some(3.0)]),
            ),
            TableColumn::new("contacts", ColumnValues::Count(vec![0, 7, u64::MAX, 42])),
            TableColumn::new(
                "in_control",
                ColumnValues::Flag(vec![true, false, false, true]),
            ),
        ],
    }
}

fn csv_cells(table: &Table) -> Vec<Vec<String>> {
    let mut bytes = Vec::new();
    table.write_csv(&mut bytes).expect("write csv");
    read_csv(&bytes)
}

fn read_csv(bytes: &[u8]) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes)
        .records()
        .map(|record| {
            let record = record.expect("csv record");
            record.iter().map(str::to_owned).collect()
        })
        .collect()
}

fn rows(expected: &[&[&str]]) -> Vec<Vec<String>> {
    let cells = |row: &&[&str]| row.iter().map(|cell| (*cell).to_owned()).collect();
    expected.iter().map(cells).collect()
}

#[test]
fn csv_round_trip_has_exact_cells() {
    let table = report();
    assert_eq!(table.rows(), 4);
    assert_eq!(
        csv_cells(&table),
        rows(&[
            &["segment", "lift", "contacts", "in_control"],
            &["prepaid", "0.1", "0", "true"],
            &["", "", "7", "false"],
            &[
                "a, \"quoted\"\nline",
                "-2.5",
                "18446744073709551615",
                "false"
            ],
            &["", "3", "42", "true"],
        ])
    );
}

#[test]
fn csv_text_is_quoted_only_where_needed() {
    let mut bytes = Vec::new();
    report().write_csv(&mut bytes).expect("write csv");
    let written = String::from_utf8(bytes).expect("utf-8");
    let expected = "segment,lift,contacts,in_control\nprepaid,0.1,0,true\n,,7,false\n\
                    \"a, \"\"quoted\"\"\nline\",-2.5,18446744073709551615,false\n,3,42,true\n";
    assert_eq!(written, expected);
}

#[test]
fn csv_numbers() {
    fn check(value: Option<f64>, expected: &str) {
        let table = Table {
            columns: vec![
                TableColumn::new("x", ColumnValues::Number(vec![value])),
                TableColumn::new("n", ColumnValues::Count(vec![1])),
            ],
        };
        assert_eq!(csv_cells(&table)[1][0], expected, "{value:?}");
    }
    check(Some(0.1 + 0.2), "0.30000000000000004");
    check(Some(1.0), "1");
    check(Some(-0.0), "-0");
    check(Some(1e21), "1000000000000000000000");
    check(Some(1.5e-7), "0.00000015");
    check(Some(f64::NAN), "");
    check(Some(f64::INFINITY), "");
    check(Some(f64::NEG_INFINITY), "");
    check(None, "");
}

#[test]
fn csv_of_an_empty_table_is_its_header() {
    let table = Table {
        columns: vec![
            TableColumn::new("a", text(&[])),
            TableColumn::new("b, c", ColumnValues::Flag(vec![])),
        ],
    };
    assert_eq!(table.rows(), 0);
    assert_eq!(csv_cells(&table), rows(&[&["a", "b, c"]]));
}

fn read_parquet(path: &Path) -> RecordBatch {
    let file = File::open(path).expect("open parquet");
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).expect("parquet reader");
    let metadata = builder.metadata().clone();
    for column in metadata.row_group(0).columns() {
        assert_eq!(
            column.compression(),
            Compression::SNAPPY,
            "{}",
            column.column_path()
        );
    }
    let batches: Vec<RecordBatch> = builder
        .build()
        .expect("batches")
        .collect::<Result<_, _>>()
        .expect("read batches");
    assert_eq!(batches.len(), 1);
    batches.into_iter().next().expect("one batch")
}

#[test]
fn parquet_round_trip_keeps_types_values_and_nulls() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("report.parquet");
    report().write_parquet(&path).expect("write parquet");
    let batch = read_parquet(&path);
    assert_eq!(batch.num_rows(), 4);

    let schema = batch.schema();
    let fields: Vec<(&str, &DataType, bool)> = schema
        .fields()
        .iter()
        .map(|f| (f.name().as_str(), f.data_type(), f.is_nullable()))
        .collect();
    assert_eq!(
        fields,
        [
            ("segment", &DataType::Utf8, true),
            ("lift", &DataType::Float64, true),
            ("contacts", &DataType::UInt64, false),
            ("in_control", &DataType::Boolean, false),
        ]
    );

    let segment: Vec<Option<&str>> = batch.column(0).as_string::<i32>().iter().collect();
    assert_eq!(
        segment,
        [Some("prepaid"), None, Some("a, \"quoted\"\nline"), Some("")]
    );
    let lift: Vec<Option<f64>> = batch
        .column(1)
        .as_primitive::<Float64Type>()
        .iter()
        .collect();
    assert_eq!(lift, [Some(0.1), None, Some(-2.5), Some(3.0)]);
    let contacts = batch.column(2).as_primitive::<UInt64Type>();
    assert_eq!(contacts.null_count(), 0);
    assert_eq!(contacts.values().to_vec(), [0, 7, u64::MAX, 42]);
    let in_control: Vec<Option<bool>> = batch.column(3).as_boolean().iter().collect();
    assert_eq!(
        in_control,
        [Some(true), Some(false), Some(false), Some(true)]
    );
}

#[test]
fn parquet_keeps_non_finite_numbers() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("odd.parquet");
    let values = vec![Some(f64::NAN), Some(f64::INFINITY), Some(f64::NEG_INFINITY)];
    let table = Table {
        columns: vec![TableColumn::new("x", ColumnValues::Number(values))],
    };
    table.write_parquet(&path).expect("write parquet");
    let batch = read_parquet(&path);
    let x = batch.column(0).as_primitive::<Float64Type>();
    assert_eq!(x.null_count(), 0);
    assert!(x.value(0).is_nan());
    assert_eq!(&x.values()[1..], [f64::INFINITY, f64::NEG_INFINITY]);
}

#[test]
fn write_table_chooses_the_format_by_extension() {
    let dir = tempfile::tempdir().expect("temp dir");
    let table = report();
    for name in ["report.csv", "REPORT.CSV"] {
        let path = dir.path().join(name);
        write_table(&table, &path).expect("write csv");
        assert_eq!(
            read_csv(&std::fs::read(&path).expect("read")),
            csv_cells(&table)
        );
    }
    for name in ["report.parquet", "Report.Parquet"] {
        let path = dir.path().join(name);
        write_table(&table, &path).expect("write parquet");
        assert_eq!(read_parquet(&path).num_rows(), 4);
    }
}

/// Each bad table (or path) fails every way of writing it, with `expected` as the message
/// (`{path}` stands for the path), and leaves no file behind.
fn check_error(table: &Table, file_name: &str, expected: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(file_name);
    let expected = expected.replace("{path}", &path.display().to_string());
    let err = write_table(table, &path).expect_err("write_table should fail");
    assert_eq!(err.to_string(), expected, "write_table {file_name}");
    assert!(!path.exists(), "{file_name} was created");
    if !expected.contains(&path.display().to_string()) {
        let err = table
            .write_csv(Vec::new())
            .expect_err("write_csv should fail");
        assert_eq!(err.to_string(), expected, "write_csv");
        let err = table
            .write_parquet(&path)
            .expect_err("write_parquet should fail");
        assert_eq!(err.to_string(), expected, "write_parquet");
        assert!(!path.exists(), "{file_name} was created by write_parquet");
    }
}

#[test]
fn bad_tables_and_paths_are_errors() {
    let column = |name: &str, values: ColumnValues| TableColumn::new(name, values);
    let ragged = Table {
        columns: vec![
            column("a", ColumnValues::Count(vec![1, 2])),
            column("b", ColumnValues::Flag(vec![true, false])),
            column("lift", ColumnValues::Number(vec![Some(1.0)])),
        ],
    };
    let msg = "column `lift` has 1 rows, the first column has 2";
    check_error(&ragged, "r.csv", msg);
    check_error(&ragged, "r.parquet", msg);

    let duplicate = Table {
        columns: vec![
            column("segment", text(&[Some("x")])),
            column("n", ColumnValues::Count(vec![1])),
            column("segment", ColumnValues::Count(vec![1])),
        ],
    };
    check_error(&duplicate, "d.csv", "column `segment` appears twice");
    check_error(
        &Table::default(),
        "e.parquet",
        "a table needs at least one column",
    );

    let accepted = "(expected .csv or .parquet)";
    let unknown = |ext: &str| format!("{{path}}: cannot export to {ext} {accepted}");
    check_error(&report(), "report.xlsx", &unknown("`.xlsx`"));
    check_error(&report(), "report.pq", &unknown("`.pq`"));
    check_error(&report(), "report", &unknown("a file without an extension"));
    let err = write_table(&report(), Path::new("out/report.json")).expect_err("unknown");
    let typed =
        matches!(&err, TableError::UnknownExtension { extension: Some(ext), .. } if ext == "json");
    assert!(typed, "{err:?}");
}

#[test]
fn a_missing_directory_is_an_io_error_naming_the_path() {
    let dir = tempfile::tempdir().expect("temp dir");
    for name in ["report.csv", "report.parquet"] {
        let path = dir.path().join("missing").join(name);
        let err = write_table(&report(), &path).expect_err("no directory");
        assert!(matches!(&err, TableError::Io { .. }), "{err:?}");
        assert!(
            err.to_string().starts_with(&path.display().to_string()),
            "{err}"
        );
    }
}
