//! `concord export models`: the adaptive models as Pega's ADM datamart has them (ModelSnapshot
//! and PredictorBinningSnapshot tables, NDJSON files named as a Pega dataset export names them),
//! so pdstools' `ADMDatamart.from_ds_export` reads them; or the API's JSON reports.

use crate::cli::{ExportFormat, ExportModelsArgs};
use anyhow::Context as _;
use concord_learn::report::{BinReport, ModelReport};
use serde_json::{Value, json};
use std::io::Write as _;
use std::path::{Path, PathBuf};

pub fn models(args: ExportModelsArgs) -> anyhow::Result<()> {
    let hub = args.folders.open()?;
    let reports = hub.model_reports();
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let now = jiff::Timestamp::now();
    let written = match args.format {
        ExportFormat::Pdstools => write_pdstools(&args.out, &reports, now)?,
        ExportFormat::Json => {
            let path = args.out.join("models.json");
            let body: Vec<concord_server::ModelReportBody> =
                reports.iter().cloned().map(Into::into).collect();
            std::fs::write(&path, serde_json::to_vec_pretty(&body)?)
                .with_context(|| format!("writing {}", path.display()))?;
            vec![path]
        }
    };
    #[allow(clippy::print_stdout)]
    for path in written {
        println!("{}", path.display());
    }
    Ok(())
}

/// The two tables, one NDJSON file each, stamped with the snapshot time in their names.
fn write_pdstools(
    out: &Path,
    reports: &[ModelReport],
    now: jiff::Timestamp,
) -> anyhow::Result<Vec<PathBuf>> {
    let stamp = now.strftime("%Y%m%dT%H%M%S").to_string();
    let snapshot_time = format!("{}.{:03} GMT", stamp, now.subsec_millisecond());
    let models: Vec<Value> = reports
        .iter()
        .map(|r| model_row(r, &snapshot_time))
        .collect();
    let predictors: Vec<Value> = reports
        .iter()
        .flat_map(|r| predictor_rows(r, &snapshot_time))
        .collect();
    let model_path = out.join(format!(
        "Data-Decision-ADM-ModelSnapshot_pyModelSnapshots_{stamp}_GMT.json"
    ));
    let predictor_path = out.join(format!(
        "Data-Decision-ADM-PredictorBinningSnapshot_pyADMPredictorSnapshots_{stamp}_GMT.json"
    ));
    write_ndjson(&model_path, &models)?;
    write_ndjson(&predictor_path, &predictors)?;
    Ok(vec![model_path, predictor_path])
}

fn write_ndjson(path: &Path, rows: &[Value]) -> anyhow::Result<()> {
    let file =
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut out = std::io::BufWriter::new(file);
    for row in rows {
        serde_json::to_writer(&mut out, row)?;
        out.write_all(b"\n")?;
    }
    out.flush()
        .with_context(|| format!("writing {}", path.display()))
}

/// Performance as the datamart writes it: AUC x 100 (50 for a model that can't rank yet).
fn performance(auc: Option<f64>) -> f64 {
    auc.unwrap_or(0.5) * 100.0
}

fn model_row(r: &ModelReport, snapshot_time: &str) -> Value {
    let s = &r.summary;
    json!({
        "pyModelID": s.model_id,
        "pyConfigurationName": "Concord",
        "pyAppliesToClass": "Concord-Actions",
        "pyIssue": s.context.issue,
        "pyGroup": s.context.group,
        "pyName": s.action,
        "pyChannel": s.channel,
        "pyDirection": s.context.direction,
        "pyModelTechnique": "NaiveBayes",
        "pyPositives": s.positives,
        "pyNegatives": s.negatives,
        "pyResponseCount": s.responses,
        "pySuccessRate": s.success_rate,
        "pyPerformance": performance(s.auc),
        "pyActivePredictors": s.active_predictors,
        "pyTotalPredictors": s.total_predictors,
        "pySnapshotTime": snapshot_time,
    })
}

fn predictor_rows(r: &ModelReport, snapshot_time: &str) -> Vec<Value> {
    let s = &r.summary;
    let mut rows = Vec::new();
    let mut push = |name: &str, entry: &str, kind: &str, auc: Option<f64>, bins: &[BinReport]| {
        for b in bins {
            rows.push(json!({
                "pyModelID": s.model_id,
                "pyPredictorName": name,
                "pyEntryType": entry,
                "pyType": kind,
                "pyPerformance": performance(auc),
                "pyPositives": s.positives,
                "pyNegatives": s.negatives,
                "pyResponseCount": s.responses,
                "pyTotalBins": bins.len(),
                "pyBinIndex": b.index,
                "pyBinSymbol": b.label,
                "pyBinType": b.bin_type.to_uppercase(),
                "pyBinLowerBound": b.lower,
                "pyBinUpperBound": b.upper,
                "pyBinPositives": b.positives,
                "pyBinNegatives": b.negatives,
                "pyBinResponseCount": b.positives + b.negatives,
                "pyLift": b.lift,
                "pyZRatio": b.z_ratio,
                "pySnapshotTime": snapshot_time,
            }));
        }
    };
    for p in &r.predictors {
        let entry = if p.active { "Active" } else { "Inactive" };
        push(&p.name, entry, p.kind, p.auc, &p.bins);
    }
    push("Classifier", "Classifier", "numeric", s.auc, &r.classifier);
    rows
}
