//! `concord evaluate`: a candidate strategy's value estimated off-policy from the live
//! strategy's logged decisions (IPS, SNIPS, doubly robust, with bootstrap intervals), printed
//! or written as CSV, Parquet or JSON.

use crate::cli::EvaluateArgs;
use crate::export_report::table_extension;
use anyhow::Context as _;
use concord_hub::{EvaluateOptions, Evaluation};
use concord_source_files::{ColumnValues, Table, TableColumn};
use std::fmt::Write as _;

pub fn run(args: EvaluateArgs) -> anyhow::Result<()> {
    crate::export_report::check_confidence(args.confidence)?;
    let extension = args.out.as_deref().map(table_extension).transpose()?;
    if args.resamples < 100 {
        anyhow::bail!(
            "--resamples: at least 100 bootstrap resamples, got {}",
            args.resamples
        );
    }
    if args.draws == 0 {
        anyhow::bail!("--draws: at least 1 Monte Carlo draw per decision");
    }
    let candidate = crate::serve::load_strategy(&args.candidate).context("--candidate")?;
    let hub = args.folders.open()?;
    let evaluation = hub
        .evaluate(&EvaluateOptions {
            candidate,
            decisions: args.decisions,
            confidence: args.confidence,
            resamples: args.resamples,
            draws: args.draws,
            seed: args.seed,
        })
        .context("--candidate")?;
    let text = match args.out.as_deref().zip(extension) {
        Some((out, extension)) => {
            let table = table(&evaluation);
            crate::export_kpis::write(&table, &extension, out)?;
            format!(
                "{}: {} rows; {}\n",
                out.display(),
                table.rows(),
                summary(&evaluation)
            )
        }
        None => render(&evaluation),
    };
    #[allow(clippy::print_stdout)]
    {
        print!("{text}");
    }
    Ok(())
}

fn summary(e: &Evaluation) -> String {
    format!(
        "{} of {} logged decisions evaluated; the candidate puts first what the live strategy did in {}",
        e.evaluated, e.logged, e.matched
    )
}

fn table(e: &Evaluation) -> Table {
    let rows = &e.estimates;
    let text = |f: &dyn Fn(&concord_hub::EstimateRow) -> String| {
        ColumnValues::Text(rows.iter().map(|r| Some(f(r))).collect())
    };
    let number = |f: fn(&concord_measure::Estimate) -> f64| {
        ColumnValues::Number(rows.iter().map(|r| r.estimate.as_ref().map(f)).collect())
    };
    let live = |r: &concord_hub::EstimateRow| match r.reward {
        concord_hub::Reward::Accept => e.live_accept_rate,
        concord_hub::Reward::Value => e.live_value_per_decision,
    };
    Table {
        columns: vec![
            TableColumn::new("reward", text(&|r| reward_name(r.reward).to_owned())),
            TableColumn::new("estimator", text(&|r| r.estimator.to_string())),
            TableColumn::new("estimate", number(|x| x.value)),
            TableColumn::new("low", number(|x| x.low)),
            TableColumn::new("high", number(|x| x.high)),
            TableColumn::new("confidence", number(|x| x.confidence)),
            TableColumn::new(
                "live",
                ColumnValues::Number(rows.iter().map(|r| Some(live(r))).collect()),
            ),
            TableColumn::new(
                "decisions",
                ColumnValues::Count(rows.iter().map(|_| e.evaluated as u64).collect()),
            ),
            TableColumn::new(
                "matched",
                ColumnValues::Count(rows.iter().map(|_| e.matched as u64).collect()),
            ),
            TableColumn::new("effective_n", number(|x| x.effective_n)),
            TableColumn::new("max_weight", number(|x| x.max_weight)),
            TableColumn::new(
                "unavailable",
                ColumnValues::Text(rows.iter().map(|r| r.unavailable.clone()).collect()),
            ),
        ],
    }
}

fn reward_name(reward: concord_hub::Reward) -> &'static str {
    match reward {
        concord_hub::Reward::Accept => "accept_rate",
        concord_hub::Reward::Value => "value_per_decision",
    }
}

fn render(e: &Evaluation) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", summary(e));
    let _ = writeln!(
        out,
        "live (observed on these decisions): accept rate {:.4}, value per decision {:.3}",
        e.live_accept_rate, e.live_value_per_decision
    );
    for (why, n) in &e.skipped {
        let _ = writeln!(out, "  left out {n}: {why}");
    }
    let _ = writeln!(
        out,
        "\n  {:<20} {:<14} {:>10} {:>21} {:>12} {:>10}",
        "candidate", "estimator", "estimate", "interval", "effective n", "max weight"
    );
    for r in &e.estimates {
        match &r.estimate {
            Some(x) => {
                let _ = writeln!(
                    out,
                    "  {:<20} {:<14} {:>10.4} {:>21} {:>12.1} {:>10.1}",
                    reward_name(r.reward),
                    r.estimator.to_string(),
                    x.value,
                    format!("[{:.4}, {:.4}]", x.low, x.high),
                    x.effective_n,
                    x.max_weight
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "  {:<20} {:<14} unavailable: {}",
                    reward_name(r.reward),
                    r.estimator.to_string(),
                    r.unavailable.as_deref().unwrap_or("")
                );
            }
        }
    }
    out
}
