//! Churn on the real tables of shared/data: one adaptive model fed the training rows one at a
//! time (churn is the positive outcome, every other column a predictor), judged by the AUC of
//! its calibrated propensity on the held-out rows. The peer script fits scikit-learn's logistic
//! regression on the same rows, split and columns.
//!
//! Columns: the label is `churn` (yes/true/1 is positive, any case); R's row number
//! (`rownames`) and id columns are skipped; a column is numeric when every non-empty cell
//! parses as a number, symbolic otherwise; an empty cell is missing. Split: data row i
//! (0-based) is held out when i % 5 == 4.

use anyhow::Context;
use concord_decide::Scorer;
use concord_learn::adm::{AdmConfig, PredictorKind, Technique, auc};
use concord_learn::{LearnConfig, Learned, Learner};
use concord_model::{ActionId, ChannelId, Feature, Value};
use std::path::{Path, PathBuf};

pub const LABEL: &str = "churn";
pub const HOLDOUT_EVERY: usize = 5;

/// What one table measured.
#[derive(Debug, Clone)]
pub struct TableAuc {
    pub name: String,
    pub train_rows: usize,
    pub holdout_rows: usize,
    pub numeric: usize,
    pub symbolic: usize,
    /// Predictors the final model scores with (univariate AUC above the threshold).
    pub active: usize,
    /// AUC of the calibrated propensity on the holdout (the headline figure).
    pub auc: f64,
    /// AUC of the model's raw score (before calibration pools it into blocks) on the holdout.
    pub score_auc: f64,
}

/// The tables to measure: every CSV in `dir` with a `churn` column, by name.
pub fn churn_tables(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut tables = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "csv")
            && header(&path)?.iter().any(|c| is_label(c))
        {
            tables.push(path);
        }
    }
    tables.sort();
    anyhow::ensure!(
        !tables.is_empty(),
        "no CSV with a `{LABEL}` column in {}",
        dir.display()
    );
    Ok(tables)
}

fn is_label(column: &str) -> bool {
    column.eq_ignore_ascii_case(LABEL)
}

/// Columns that identify a row rather than describe a customer.
fn is_id(column: &str) -> bool {
    let c = column.to_ascii_lowercase();
    c == "rownames" || c == "id" || c.ends_with("_id") || c == "customerid"
}

fn header(path: &Path) -> anyhow::Result<Vec<String>> {
    let mut reader =
        csv::Reader::from_path(path).with_context(|| format!("opening {}", path.display()))?;
    Ok(reader
        .headers()
        .with_context(|| format!("reading the header of {}", path.display()))?
        .iter()
        .map(str::to_owned)
        .collect())
}

fn positive(label: &str) -> bool {
    matches!(
        label.trim().to_ascii_lowercase().as_str(),
        "yes" | "true" | "1"
    )
}

pub fn measure(path: &Path, technique: Technique) -> anyhow::Result<TableAuc> {
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into(),
    );
    let mut reader =
        csv::Reader::from_path(path).with_context(|| format!("opening {}", path.display()))?;
    let columns: Vec<String> = reader.headers()?.iter().map(str::to_owned).collect();
    let label = columns
        .iter()
        .position(|c| is_label(c))
        .with_context(|| format!("{name}: no `{LABEL}` column"))?;
    let used: Vec<usize> = (0..columns.len())
        .filter(|&i| i != label && !is_id(&columns[i]))
        .collect();
    let mut rows: Vec<(Vec<String>, bool)> = Vec::new();
    for (i, record) in reader.records().enumerate() {
        // Line i + 2: the header is line 1.
        let record = record.with_context(|| format!("{name}: line {}", i + 2))?;
        let cells = used.iter().map(|&c| record[c].trim().to_owned()).collect();
        rows.push((cells, positive(&record[label])));
    }
    let kinds: Vec<PredictorKind> = (0..used.len())
        .map(|k| {
            let numeric = rows
                .iter()
                .all(|(cells, _)| cells[k].is_empty() || cells[k].parse::<f64>().is_ok());
            if numeric {
                PredictorKind::Numeric
            } else {
                PredictorKind::Symbolic
            }
        })
        .collect();
    let value = |cell: &str, kind: PredictorKind| match (cell, kind) {
        ("", _) => Value::Null,
        (cell, PredictorKind::Numeric) => cell.parse::<f64>().map_or(Value::Null, Value::Num),
        (cell, PredictorKind::Symbolic) => Value::from(cell),
    };
    let examples: Vec<(Vec<Value>, bool)> = rows
        .iter()
        .map(|(cells, churned)| {
            let values = cells
                .iter()
                .zip(&kinds)
                .map(|(c, k)| value(c, *k))
                .collect();
            (values, *churned)
        })
        .collect();

    let learner = Learner::new(LearnConfig {
        kinds: kinds.clone(),
        adm: AdmConfig {
            technique,
            ..Default::default()
        },
        ..Default::default()
    });
    let (action, channel) = (ActionId::new("churn"), ChannelId::new("table"));
    let holdout = |i: usize| i % HOLDOUT_EVERY == HOLDOUT_EVERY - 1;
    let mut train_rows = 0;
    for (i, (values, churned)) in examples.iter().enumerate() {
        if holdout(i) {
            continue;
        }
        let response = super::response(&action, &channel, *churned);
        learner.learn(&[Learned {
            response: &response,
            predictors: values,
        }]);
        train_rows += 1;
    }

    let snapshot = learner.snapshot();
    let model = snapshot
        .model(&action, &channel)
        .with_context(|| format!("{name}: no training rows"))?;
    let mut propensities = Vec::new();
    let mut scores = Vec::new();
    for (i, (values, churned)) in examples.iter().enumerate() {
        if !holdout(i) {
            continue;
        }
        let features: Vec<Feature> = values
            .iter()
            .zip(&kinds)
            .map(|(v, k)| Feature::of(v, *k == PredictorKind::Numeric))
            .collect();
        propensities.push((snapshot.propensity(&action, &channel, &features), *churned));
        scores.push((model.scoring.score_features(&features), *churned));
    }
    let holdout_rows = propensities.len();
    let auc = ranked_auc(propensities).with_context(|| format!("{name}: one class only"))?;
    let score_auc = ranked_auc(scores).with_context(|| format!("{name}: one class only"))?;
    Ok(TableAuc {
        name,
        train_rows,
        holdout_rows,
        numeric: kinds
            .iter()
            .filter(|k| **k == PredictorKind::Numeric)
            .count(),
        symbolic: kinds
            .iter()
            .filter(|k| **k == PredictorKind::Symbolic)
            .count(),
        active: model.scoring.active,
        auc,
        score_auc,
    })
}

/// AUC of (prediction, positive) pairs: tied predictions share a bin, so ties count half.
fn ranked_auc(mut pairs: Vec<(f64, bool)>) -> Option<f64> {
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut bins: Vec<(f64, u64, u64)> = Vec::new();
    for (x, positive) in pairs {
        match bins.last_mut() {
            Some(last) if last.0 == x => {}
            _ => bins.push((x, 0, 0)),
        }
        if let Some(last) = bins.last_mut() {
            if positive {
                last.1 += 1;
            } else {
                last.2 += 1;
            }
        }
    }
    auc(&bins.iter().map(|(_, p, n)| (*p, *n)).collect::<Vec<_>>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_count_half_and_order_counts_whole() {
        type Case = (Vec<(f64, bool)>, Option<f64>);
        let cases: Vec<Case> = vec![
            (vec![(0.1, false), (0.9, true)], Some(1.0)),
            (vec![(0.9, false), (0.1, true)], Some(0.0)),
            (vec![(0.5, false), (0.5, true)], Some(0.5)),
            // pos 0.5 ties one neg and beats one: (1 + 0.5) / 2.
            (vec![(0.2, false), (0.5, false), (0.5, true)], Some(0.75)),
            (vec![(0.2, true)], None),
        ];
        for (pairs, expected) in cases {
            assert_eq!(ranked_auc(pairs.clone()), expected, "{pairs:?}");
        }
    }

    #[test]
    fn labels_and_ids_are_recognised() {
        for (label, expected) in [("Yes", true), ("no", false), ("1", true), (" TRUE", true)] {
            assert_eq!(positive(label), expected, "{label}");
        }
        for (column, expected) in [
            ("rownames", true),
            ("customer_id", true),
            ("tenure", false),
            ("area_code", false),
        ] {
            assert_eq!(is_id(column), expected, "{column}");
        }
    }
}
