//! Simulated subscribers written to a Parquet base file and loaded back: the benchmark path.

use crate::support::{RecordingSink, run, telco_schema};
use concord_ingest::BaseRow;
use concord_sim::{Operator, SimConfig};
use concord_source_files::{
    LoadOptions, LoadProgress, Mapping, ParquetBaseWriter, ProgressUnit, write_parquet_base,
};
use std::sync::{Arc, Mutex};

#[test]
fn simulated_subscribers_round_trip_through_parquet() {
    let schema = telco_schema();
    let operator = Operator::new(SimConfig::with_seed(11, 3_000), &[]).expect("operator");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("base.parquet");
    let mut writer = ParquetBaseWriter::create(&path, &schema).expect("writer");
    for subscriber in operator.subscribers() {
        writer
            .write(
                &subscriber.id,
                &subscriber.attributes,
                &subscriber.initial_holdings,
            )
            .expect("write");
    }
    assert_eq!(writer.finish().expect("finish"), 3_000);

    let progress: Arc<Mutex<Vec<LoadProgress>>> = Arc::default();
    let seen = progress.clone();
    let options = LoadOptions::default()
        .with_batch_rows(1_024)
        .with_progress(move |p| seen.lock().expect("lock").push(*p));
    let mapping = Mapping::for_base_file(&schema).expect("base mapping");
    let sink = RecordingSink::default();
    let report = run(&path, None, &mapping, &sink, &options).expect("loads");
    assert_eq!((report.rows_loaded, report.rows_rejected), (3_000, 0));

    let expected: Vec<BaseRow> = operator
        .subscribers()
        .iter()
        .map(|s| BaseRow {
            customer_id: s.id.clone(),
            attributes: s.attributes.clone(),
            holdings: s.initial_holdings.clone(),
        })
        .collect();
    assert!(
        sink.rows() == expected,
        "loaded rows differ from the subscribers"
    );

    let progress = progress.lock().expect("lock");
    let positions: Vec<u64> = progress.iter().map(|p| p.position).collect();
    assert_eq!(positions, [1_024, 2_048, 3_000]);
    assert!(
        progress
            .iter()
            .all(|p| p.unit == ProgressUnit::Rows && p.total == 3_000)
    );
}

#[test]
fn rows_that_do_not_fit_the_schema_are_refused() {
    let schema = telco_schema();
    let dir = tempfile::tempdir().expect("temp dir");
    let row = BaseRow {
        customer_id: "c1".into(),
        attributes: [("arpu".to_owned(), "high".into())].into_iter().collect(),
        holdings: Vec::new(),
    };
    let err = write_parquet_base(&dir.path().join("bad.parquet"), &schema, [&row]);
    assert_eq!(
        err.map_err(|e| e.to_string()),
        Err("customer c1: attribute `arpu` is a string, the schema says number".to_owned())
    );
}
