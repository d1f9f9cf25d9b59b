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

/// One comparison: (metric, unit, arm, arm's units, test's units, lift or why).
type Row = (String, &'static str, String, u64, u64, LiftOrWhy);

pub fn lift(args: ExportLiftArgs) -> anyhow::Result<()> {
    let confidence = args.reading.confidence;
    crate::export_report::check_confidence(confidence)?;
    let extension = table_extension(&args.out)?;
    let hub = args.folders.open()?;
    let at = args.reading.at.unwrap_or_else(jiff::Timestamp::now);
    let mut rows: Vec<Row> = Vec::new();
    for l in hub.lift(confidence) {
        let arm = l.arm.as_str().to_owned();
        rows.push((
            "accept_rate".into(),
            "impression",
            arm.clone(),
            l.impressions,
            l.test_impressions,
            l.accept_rate,
        ));
        rows.push((
            "value_per_impression".into(),
            "impression",
            arm,
            l.impressions,
            l.test_impressions,
            l.value_per_impression,
        ));
    }
    for outcome in hub.outcomes(at, confidence) {
        let test = outcome
            .arms
            .iter()
            .find(|a| a.arm == concord_model::Arm::Test)
            .map_or(0, |a| a.customers);
        for a in outcome.arms {
            if let Some(lift) = a.lift {
                rows.push((
                    outcome.outcome.clone(),
                    "customer",
                    a.arm.as_str().to_owned(),
                    a.customers,
                    test,
                    lift,
                ));
            }
        }
    }
    let text =
        |f: &dyn Fn(&Row) -> String| ColumnValues::Text(rows.iter().map(|r| Some(f(r))).collect());
    let lift_of = |f: fn(&concord_measure::Lift) -> f64| {
        ColumnValues::Number(rows.iter().map(|r| r.5.lift().map(f)).collect())
    };
    let table = Table {
        columns: vec![
            TableColumn::new("metric", text(&|r| r.0.clone())),
            TableColumn::new("unit", text(&|r| r.1.to_owned())),
            TableColumn::new("arm", text(&|r| r.2.clone())),
            TableColumn::new(
                "arm_units",
                ColumnValues::Count(rows.iter().map(|r| r.3).collect()),
            ),
            TableColumn::new(
                "test_units",
                ColumnValues::Count(rows.iter().map(|r| r.4).collect()),
            ),
            TableColumn::new("test_mean", lift_of(|l| l.test_mean)),
            TableColumn::new("arm_mean", lift_of(|l| l.control_mean)),
            TableColumn::new("lift", lift_of(|l| l.lift)),
            TableColumn::new("low", lift_of(|l| l.low)),
            TableColumn::new("high", lift_of(|l| l.high)),
            TableColumn::new(
                "significant",
                ColumnValues::Flag(
                    rows.iter()
                        .map(|r| r.5.lift().is_some_and(|l| l.significant))
                        .collect(),
                ),
            ),
            TableColumn::new(
                "unavailable",
                ColumnValues::Text(
                    rows.iter()
                        .map(|r| match &r.5 {
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
fn write(table: &Table, extension: &str, out: &Path) -> anyhow::Result<()> {
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
