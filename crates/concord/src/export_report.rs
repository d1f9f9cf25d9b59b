//! `concord export report`: a cohort report of reports.yaml over the base in a data folder,
//! written for the data team as CSV or Parquet (one row per group) or as the API's JSON.

use crate::cli::ExportReportArgs;
use anyhow::Context as _;
use concord_server::{GroupBody, LiftValue, ReportBody};
use concord_source_files::{ColumnValues, Table, TableColumn};

pub fn run(args: ExportReportArgs) -> anyhow::Result<()> {
    check_confidence(args.reading.confidence)?;
    let extension = table_extension(&args.out)?;
    let hub = args.folders.open()?;
    let at = args.reading.at.unwrap_or_else(jiff::Timestamp::now);
    let cohort = hub.report(&args.name, at, args.reading.confidence)?;
    let report = hub
        .strategy()
        .report(&args.name)
        .context("the report vanished from the strategy")?;
    let body = ReportBody::new(report, cohort);
    if extension == "json" {
        std::fs::write(&args.out, serde_json::to_vec_pretty(&body)?)
            .with_context(|| format!("writing {}", args.out.display()))?;
    } else {
        concord_source_files::write_table(&table(&body), &args.out)?;
    }
    #[allow(clippy::print_stdout)]
    {
        println!(
            "{}: {} customers in {} groups, {} flagged",
            args.out.display(),
            body.customers,
            body.groups.len(),
            body.groups.iter().filter(|g| g.flagged).count()
        );
    }
    Ok(())
}

/// One row per group: the dimensions, customers, each measure's mean, interval, n and missing,
/// then (when the report flags) the flagged rate against the rest and the verdict.
pub fn table(body: &ReportBody) -> Table {
    let groups = &body.groups;
    let mut columns: Vec<TableColumn> = body
        .dimensions
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let values = groups.iter().map(|g| g.key.get(i).cloned()).collect();
            TableColumn::new(name.clone(), ColumnValues::Text(values))
        })
        .collect();
    columns.push(TableColumn::new(
        "customers",
        ColumnValues::Count(groups.iter().map(|g| g.customers).collect()),
    ));
    let measures = groups.first().map_or(0, |g| g.measures.len());
    for m in 0..measures {
        let name = groups[0].measures[m].name.clone();
        let number = |f: &dyn Fn(&GroupBody) -> Option<f64>| {
            ColumnValues::Number(groups.iter().map(f).collect())
        };
        columns.push(TableColumn::new(
            name.clone(),
            number(&|g| g.measures[m].mean),
        ));
        columns.push(TableColumn::new(
            format!("{name}_low"),
            number(&|g| g.measures[m].low),
        ));
        columns.push(TableColumn::new(
            format!("{name}_high"),
            number(&|g| g.measures[m].high),
        ));
        columns.push(TableColumn::new(
            format!("{name}_n"),
            ColumnValues::Count(groups.iter().map(|g| g.measures[m].n).collect()),
        ));
        columns.push(TableColumn::new(
            format!("{name}_missing"),
            ColumnValues::Count(groups.iter().map(|g| g.measures[m].missing).collect()),
        ));
    }
    if let Some(flag) = &body.flag {
        let lift = |f: &dyn Fn(&LiftValue) -> Option<f64>| {
            ColumnValues::Number(
                groups
                    .iter()
                    .map(|g| g.versus_rest.as_ref().and_then(f))
                    .collect(),
            )
        };
        let measure = &flag.measure;
        columns.push(TableColumn::new(
            format!("{measure}_versus_rest"),
            lift(&|l| l.lift),
        ));
        columns.push(TableColumn::new(
            format!("{measure}_versus_rest_low"),
            lift(&|l| l.low),
        ));
        columns.push(TableColumn::new(
            format!("{measure}_versus_rest_high"),
            lift(&|l| l.high),
        ));
        columns.push(TableColumn::new(
            "flagged",
            ColumnValues::Flag(groups.iter().map(|g| g.flagged).collect()),
        ));
    }
    Table { columns }
}

/// `csv`, `parquet` or `json`: what OUT's extension asks for, checked before any work.
pub fn table_extension(out: &std::path::Path) -> anyhow::Result<String> {
    let extension = out
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some(e @ ("csv" | "parquet" | "json")) => Ok(e.to_owned()),
        _ => anyhow::bail!("{}: write to a .csv, .parquet or .json file", out.display()),
    }
}

/// `--confidence` strictly between 0 and 1.
pub fn check_confidence(confidence: f64) -> anyhow::Result<()> {
    if confidence > 0.0 && confidence < 1.0 {
        Ok(())
    } else {
        anyhow::bail!("--confidence must lie strictly between 0 and 1, got {confidence}")
    }
}

impl crate::cli::Folders {
    /// The stopped hub's data under its strategy; a folder without Concord data is refused.
    pub fn open(&self) -> anyhow::Result<concord_hub::Hub> {
        let strategy = crate::serve::load_strategy(&self.strategy)?;
        crate::serve::open_existing(&self.data, strategy)
    }
}
