//! Load rates, for the record (no timing asserts). Run in release:
//! `cargo test --release -p concord-source-files --test load -- --ignored --nocapture`
//! (`CONCORD_BENCH_ROWS` sets the simulated base size, default 1,000,000).

use crate::support::{data, example_mapping, mapping, telco_schema};
use concord_ingest::{BaseRow, BaseSink, SinkError};
use concord_sim::{Operator, SimConfig};
use concord_source_files::{LoadOptions, LoadReport, Mapping, ParquetBaseWriter, load_file};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Counts rows and drops them: the loader's own speed, without a journal behind it.
#[derive(Debug, Default)]
struct CountingSink(AtomicU64);

impl BaseSink for CountingSink {
    async fn load(&self, rows: Vec<BaseRow>) -> Result<(), SinkError> {
        self.0.fetch_add(rows.len() as u64, Ordering::Relaxed);
        Ok(())
    }
}

/// CPU seconds this process has used (user + system), from /proc; 0 where unavailable.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let after = stat.rsplit(')').next().unwrap_or_default();
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |idx: usize| {
        fields
            .get(idx)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// The best of `runs` loads, and the CPU seconds (both threads) the best one took.
fn best_load(path: &Path, mapping: &Mapping, runs: usize) -> (LoadReport, f64) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let mut best: Option<(LoadReport, f64)> = None;
    for _ in 0..runs {
        let sink = CountingSink::default();
        let cpu_before = cpu_seconds();
        let options = LoadOptions::default();
        let report = runtime
            .block_on(load_file(path, None, mapping, &sink, &options))
            .expect("loads");
        let cpu = cpu_seconds() - cpu_before;
        assert_eq!(sink.0.load(Ordering::Relaxed), report.rows_loaded);
        if best
            .as_ref()
            .is_none_or(|(b, _)| report.elapsed < b.elapsed)
        {
            best = Some((report, cpu));
        }
    }
    best.expect("at least one run")
}

fn print(name: &str, (report, cpu): &(LoadReport, f64)) {
    eprintln!(
        "{name}: {} rows in {:.3}s = {:.0} rows/s wall; {cpu:.2} CPU-s = {:.0} rows per CPU-s",
        report.rows_loaded,
        report.elapsed.as_secs_f64(),
        report.rows_per_second,
        report.rows_loaded as f64 / cpu.max(0.01)
    );
}

#[test]
#[ignore = "a benchmark; run it in release with --ignored --nocapture"]
fn load_rates() {
    let schema = telco_schema();
    for table in ["wa_churn", "mlc_churn"] {
        let mapping = mapping(&example_mapping(&format!("{table}.yaml")), &schema);
        print(
            &format!("{table}.csv"),
            &best_load(&data(&format!("{table}.csv")), &mapping, 5),
        );
    }

    let n: usize = std::env::var("CONCORD_BENCH_ROWS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let started = Instant::now();
    let operator = Operator::new(SimConfig::with_seed(7, n), &[]).expect("operator");
    eprintln!(
        "simulated {n} subscribers in {:.1}s",
        started.elapsed().as_secs_f64()
    );

    let dir = tempfile::tempdir().expect("temp dir");
    let parquet = dir.path().join("base.parquet");
    let started = Instant::now();
    let mut writer = ParquetBaseWriter::create(&parquet, &schema).expect("writer");
    for s in operator.subscribers() {
        writer
            .write(&s.id, &s.attributes, &s.initial_holdings)
            .expect("write");
    }
    writer.finish().expect("finish");
    let parquet_bytes = std::fs::metadata(&parquet).map_or(0, |m| m.len());
    eprintln!(
        "wrote {n} rows to Parquet in {:.1}s ({} MB)",
        started.elapsed().as_secs_f64(),
        parquet_bytes / 1_000_000
    );

    // The same base as CSV, for a CSV rate on more than a few thousand rows.
    let csv = dir.path().join("base.csv");
    let mut csv_writer = csv::Writer::from_path(&csv).expect("csv");
    let names: Vec<&String> = schema.attributes.keys().collect();
    let mut header = vec!["customer_id"];
    header.extend(names.iter().map(|n| n.as_str()));
    header.push("holdings");
    csv_writer.write_record(&header).expect("header");
    for s in operator.subscribers() {
        let mut record = vec![s.id.to_string()];
        record.extend(names.iter().map(|name| {
            s.attributes
                .get(name.as_str())
                .map_or(String::new(), ToString::to_string)
        }));
        record.push(s.initial_holdings.join(";"));
        csv_writer.write_record(&record).expect("record");
    }
    csv_writer.flush().expect("flush");
    drop(operator);
    let csv_bytes = std::fs::metadata(&csv).map_or(0, |m| m.len());

    let mapping = Mapping::for_base_file(&schema).expect("mapping");
    print("base.parquet", &best_load(&parquet, &mapping, 3));
    print(
        &format!("base.csv ({} MB)", csv_bytes / 1_000_000),
        &best_load(&csv, &mapping, 3),
    );
}

#[test]
#[ignore = "a profiling aid: loads CONCORD_BENCH_FILE with the base-file mapping"]
fn load_one_file() {
    let Ok(path) = std::env::var("CONCORD_BENCH_FILE") else {
        return;
    };
    let mapping = Mapping::for_base_file(&telco_schema()).expect("mapping");
    print(&path, &best_load(Path::new(&path), &mapping, 3));
}

#[test]
#[ignore = "writes a simulated base to CONCORD_BENCH_FILE (.parquet)"]
fn write_base_file() {
    let Ok(path) = std::env::var("CONCORD_BENCH_FILE") else {
        return;
    };
    let n: usize = std::env::var("CONCORD_BENCH_ROWS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let operator = Operator::new(SimConfig::with_seed(7, n), &[]).expect("operator");
    let mut writer = ParquetBaseWriter::create(Path::new(&path), &telco_schema()).expect("writer");
    for s in operator.subscribers() {
        writer
            .write(&s.id, &s.attributes, &s.initial_holdings)
            .expect("write");
    }
    writer.finish().expect("finish");
}
