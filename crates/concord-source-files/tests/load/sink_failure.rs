//! A sink that fails midway: the load stops there and says how many rows were durably loaded.

use crate::support::{RecordingSink, data, example_mapping, mapping, run, telco_schema};
use concord_source_files::{LoadError, LoadOptions};

#[test]
fn a_failing_sink_stops_the_load_and_reports_what_was_durable() {
    let mapping = mapping(&example_mapping("wa_churn.yaml"), &telco_schema());
    // The third batch of 1,000 rows fails.
    let sink = RecordingSink::failing_on(2);
    let options = LoadOptions::default().with_batch_rows(1_000);
    let err = match run(&data("wa_churn.csv"), None, &mapping, &sink, &options) {
        Ok(report) => panic!("expected the sink to fail: {report}"),
        Err(err) => err,
    };
    assert!(matches!(err, LoadError::Sink { .. }), "{err}");
    assert_eq!(err.rows_loaded(), 2_000);
    assert_eq!(sink.rows().len(), 2_000);
    let report = err.report().expect("a report");
    assert_eq!((report.rows_read, report.rows_rejected), (3_000, 0));
    assert_eq!(
        err.to_string(),
        "the sink failed after 2000 rows were durably loaded: journal write failed: no space left on device"
    );
}

/// The binary spawns loads on a multi-threaded runtime: the future must be `Send`.
#[test]
fn the_load_future_is_send() {
    fn assert_send<T: Send>(_: &T) {}
    let mapping = mapping(&example_mapping("wa_churn.yaml"), &telco_schema());
    let sink = RecordingSink::default();
    let options = LoadOptions::default();
    let path = data("wa_churn.csv");
    let future = concord_source_files::load_file(&path, None, &mapping, &sink, &options);
    assert_send(&future);
}
