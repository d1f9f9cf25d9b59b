//! `concord export kpis` and `concord export lift`: the KPIs by dimensions and the lift
//! against the control arms, as tables for the data team (CSV, Parquet) or as JSON.

use crate::cli::{ExportKpisArgs, ExportLiftArgs};
use crate::export_report::table_extension;
use anyhow::Context as _;
use concord_measure::{KpiDimension, LiftOrWhy};
use concord_source_files::{ColumnValues, Table, TableColumn};
use std::path::Path;

pub fn kpis(args: ExportKpisArgs) -> anyhow::Result<()> {
    let by = KpiDimension::parse_list(&args.by).context("--by")?;
    let extension = table_extension(&args.out)?;
    let hub = args.folders.open()?;
    let groups = hub.kpis_by(&by);
    let mut columns: Vec<TableColumn> = by
        .iter()
        .enumerate()
        .map(|(i, d)| {
            TableColumn::new(
                d.as_str(),
                ColumnValues::Text(groups.iter().map(|(k, _)| k.get(i).cloned()).collect()),
            )
        })
        .collect();
    let count = |f: fn(&concord_measure::Tally) -> u64| {
        ColumnValues::Count(groups.iter().map(|(_, t)| f(t)).collect())
    };
    let number = |f: fn(&concord_measure::Tally) -> f64| {
        ColumnValues::Number(groups.iter().map(|(_, t)| Some(f(t))).collect())
    };
    columns.extend([
        TableColumn::new("impressions", count(|t| t.impressions)),
        TableColumn::new("accepts", count(|t| t.accepts)),
        TableColumn::new("declines", count(|t| t.declines)),
        TableColumn::new("clicks", count(|t| t.clicks)),
        TableColumn::new("ignores", count(|t| t.ignores)),
        TableColumn::new("accept_rate", number(|t| t.accept_rate())),
        TableColumn::new("accepted_value", number(|t| t.accepted_value)),
        TableColumn::new(
            "value_per_impression",
            number(|t| t.value_sample().mean().unwrap_or(0.0)),
        ),
    ]);
    write(&Table { columns }, &extension, &args.out)?;
    report(&args.out, groups.len());
    Ok(())
}

/// One comparison of a subject with its baseline (the full strategy with a control arm, or a
/// challenger with its champion) on one metric.
struct Row {
    metric: String,
    unit: &'static str,
    subject: String,
    baseline: String,
    subject_units: u64,
    baseline_units: u64,
    lift: LiftOrWhy,
}

pub fn lift(args: ExportLiftArgs) -> anyhow::Result<()> {
    let confidence = args.reading.confidence;
    crate::export_report::check_confidence(confidence)?;
    let extension = table_extension(&args.out)?;
    let hub = args.folders.open()?;
    let at = args.reading.at.unwrap_or_else(jiff::Timestamp::now);
    let mut rows: Vec<Row> = Vec::new();
    let test = || "test".to_owned();
    for l in hub.lift(confidence) {
        for (metric, lift) in [
            ("accept_rate", l.accept_rate),
            ("value_per_impression", l.value_per_impression),
        ] {
            rows.push(Row {
                metric: metric.into(),
                unit: "impression",
                subject: test(),
                baseline: l.arm.as_str().to_owned(),
                subject_units: l.test_impressions,
                baseline_units: l.impressions,
                lift,
            });
        }
    }
    for l in hub.variant_lift(confidence) {
        for (metric, lift) in [
            ("accept_rate", l.accept_rate),
            ("value_per_impression", l.value_per_impression),
        ] {
            rows.push(Row {
                metric: metric.into(),
                unit: "impression",
                subject: format!("{}/{}", l.experiment, l.challenger),
                baseline: format!("{}/{}", l.experiment, concord_model::CHAMPION),
                subject_units: l.impressions,
                baseline_units: l.champion_impressions,
                lift,
            });
        }
    }
    let outcomes = hub.outcomes(at, confidence);
    for outcome in outcomes.arms {
        let test_customers = outcome
            .arms
            .iter()
            .find(|a| a.arm == concord_model::Arm::Test)
            .map_or(0, |a| a.customers);
        for a in outcome.arms {
            if let Some(lift) = a.lift {
                rows.push(Row {
                    metric: outcome.outcome.clone(),
                    unit: "customer",
                    subject: test(),
                    baseline: a.arm.as_str().to_owned(),
                    subject_units: test_customers,
                    baseline_units: a.customers,
                    lift,
                });
            }
        }
    }
    for v in outcomes.variants {
        rows.push(Row {
            metric: v.outcome,
            unit: "customer",
            subject: format!("{}/{}", v.experiment, v.challenger),
            baseline: format!("{}/{}", v.experiment, concord_model::CHAMPION),
            subject_units: v.customers,
            baseline_units: v.champion_customers,
            lift: v.lift,
        });
    }
    let text =
        |f: &dyn Fn(&Row) -> String| ColumnValues::Text(rows.iter().map(|r| Some(f(r))).collect());
    let lift_of = |f: fn(&concord_measure::Lift) -> f64| {
        ColumnValues::Number(rows.iter().map(|r| r.lift.lift().map(f)).collect())
    };
    let table = Table {
        columns: vec![
            TableColumn::new("metric", text(&|r| r.metric.clone())),
            TableColumn::new("unit", text(&|r| r.unit.to_owned())),
            TableColumn::new("subject", text(&|r| r.subject.clone())),
            TableColumn::new("baseline", text(&|r| r.baseline.clone())),
            TableColumn::new(
                "subject_units",
                ColumnValues::Count(rows.iter().map(|r| r.subject_units).collect()),
            ),
            TableColumn::new(
                "baseline_units",
                ColumnValues::Count(rows.iter().map(|r| r.baseline_units).collect()),
            ),
            TableColumn::new("subject_mean", lift_of(|l| l.test_mean)),
            TableColumn::new("baseline_mean", lift_of(|l| l.control_mean)),
            TableColumn::new("lift", lift_of(|l| l.lift)),
            TableColumn::new("low", lift_of(|l| l.low)),
            TableColumn::new("high", lift_of(|l| l.high)),
            TableColumn::new(
                "significant",
                ColumnValues::Flag(
                    rows.iter()
                        .map(|r| r.lift.lift().is_some_and(|l| l.significant))
                        .collect(),
                ),
            ),
            TableColumn::new(
                "unavailable",
                ColumnValues::Text(
                    rows.iter()
                        .map(|r| match &r.lift {
                            LiftOrWhy::Why { unavailable } => Some(unavailable.clone()),
                            LiftOrWhy::Lift(_) => None,
                        })
                        .collect(),
                ),
            ),
        ],
    };
    write(&table, &extension, &args.out)?;
    report(&args.out, rows.len());
    Ok(())
}

/// CSV or Parquet through the table writer; JSON as an array of row objects.
pub fn write(table: &Table, extension: &str, out: &Path) -> anyhow::Result<()> {
    if extension != "json" {
        concord_source_files::write_table(table, out)?;
        return Ok(());
    }
    let rows: Vec<serde_json::Map<String, serde_json::Value>> = (0..table.rows())
        .map(|i| {
            table
                .columns
                .iter()
                .map(|c| {
                    let value = match &c.values {
                        ColumnValues::Text(v) => serde_json::json!(v[i]),
                        ColumnValues::Number(v) => serde_json::json!(v[i]),
                        ColumnValues::Count(v) => serde_json::json!(v[i]),
                        ColumnValues::Flag(v) => serde_json::json!(v[i]),
                    };
                    (c.name.clone(), value)
                })
                .collect()
        })
        .collect();
    std::fs::write(out, serde_json::to_vec_pretty(&rows)?)
        .with_context(|| format!("writing {}", out.display()))
}

fn report(out: &Path, rows: usize) {
    #[allow(clippy::print_stdout)]
    {
        println!("{}: {rows} rows", out.display());
    }
}
