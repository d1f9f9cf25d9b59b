//! `concord load`: a bulk base load from CSV or Parquet, durably into a data folder, with a
//! progress bar and a summary of every rejected row.

use crate::cli::LoadArgs;
use crate::serve;
use anyhow::Context;
use concord_hub::Hub;
use concord_source_files::{Format, LoadOptions, Mapping, load_file};
use indicatif::{ProgressBar, ProgressDrawTarget};
use std::io::Write;

#[allow(clippy::print_stdout)]
pub fn run(args: LoadArgs) -> anyhow::Result<()> {
    let strategy = serve::load_strategy(&args.strategy)?;
    let mapping = Mapping::load(&args.mapping, strategy.profile_schema()).map_err(|errors| {
        anyhow::anyhow!("the mapping is invalid, nothing was loaded:\n{errors}")
    })?;
    let format = args.format.as_deref().map(|f| {
        if f == "parquet" {
            Format::Parquet
        } else {
            Format::Csv
        }
    });
    let runtime = serve::runtime()?;
    let hub = Hub::open(&args.data, strategy)
        .with_context(|| format!("opening the data folder {}", args.data.display()))?;
    runtime.block_on(async {
        let mut out = std::io::stdout().lock();
        for file in &args.files {
            // The bar draws on stderr only when it is a terminal; logs and CI stay clean.
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            let options = LoadOptions::default()
                .with_batch_rows(args.batch_rows)
                .with_progress_bar(bar.clone());
            let loaded = load_file(file, format, &mapping, &hub, &options).await;
            bar.finish_and_clear();
            let report = match loaded {
                Ok(report) => report,
                Err(e) => {
                    anyhow::bail!(
                        "{}: {e}; {} rows were loaded durably before it stopped",
                        file.display(),
                        e.rows_loaded()
                    )
                }
            };
            writeln!(out, "{report}")?;
            for rejection in report.rejections.iter().take(args.show_rejected) {
                writeln!(out, "  rejected {rejection}")?;
            }
            if report.rows_rejected as usize > args.show_rejected {
                writeln!(out, "  ... {} rejected rows in all", report.rows_rejected)?;
            }
        }
        writeln!(
            out,
            "{} customers in {}",
            hub.customer_count(),
            args.data.display()
        )?;
        Ok::<_, anyhow::Error>(())
    })?;
    // A snapshot after a bulk load: the server starts from it instead of replaying every row.
    let snapshot = hub.snapshot().context("taking a snapshot after the load")?;
    if let Some(info) = snapshot {
        println!(
            "snapshot {} ({:.1} MiB, {:.1} s)",
            info.path.display(),
            info.bytes as f64 / f64::from(1u32 << 20),
            info.seconds
        );
    }
    Ok(())
}
