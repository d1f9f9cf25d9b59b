//! `concord simulate`: a candidate strategy run over a sample of a stopped hub's base as a dry
//! run, printed as a table or written as CSV, Parquet or JSON for the data team.

use crate::cli::SimulateArgs;
use crate::export_report::table_extension;
use anyhow::Context as _;
use concord_hub::{ActionSimulation, HubError, SimulateOptions, SimulationReport};
use concord_model::ChannelId;
use concord_source_files::{ColumnValues, Table, TableColumn};
use std::fmt::Write as _;

pub fn run(args: SimulateArgs) -> anyhow::Result<()> {
    let extension = args.out.as_deref().map(table_extension).transpose()?;
    let strategy = crate::serve::load_strategy(&args.folders.strategy).context("--strategy")?;
    let hub = crate::serve::open_existing(&args.folders.data, strategy).context("--data")?;
    let options = SimulateOptions {
        sample: args.sample,
        seed: args.seed,
        channels: args
            .channel
            .iter()
            .map(|c| ChannelId::new(c.trim()))
            .collect(),
        // To the second: the time printed is one `--at` can repeat.
        now: args.at.unwrap_or_else(|| {
            let now = jiff::Timestamp::now();
            jiff::Timestamp::from_second(now.as_second()).unwrap_or(now)
        }),
    };
    let report = hub.simulate(&options).map_err(|e| match e {
        HubError::Decide(concord_decide::DecideError::UnknownChannel { .. }) => {
            anyhow::Error::new(e).context("--channel")
        }
        e => e.into(),
    })?;
    let text = match args.out.as_deref().zip(extension) {
        Some((out, extension)) => {
            let table = table(&report);
            crate::export_kpis::write(&table, &extension, out)?;
            format!(
                "{}: {} rows; {}\n",
                out.display(),
                table.rows(),
                summary(&report)
            )
        }
        None => render(&report),
    };
    #[allow(clippy::print_stdout)]
    {
        print!("{text}");
    }
    Ok(())
}

fn summary(report: &SimulationReport) -> String {
    format!(
        "{} of {} customers decided for in {} channel(s) at {}, strategy {}; nothing recorded",
        report.sample,
        report.base,
        report.channels.len(),
        report.now,
        short(&report.strategy_hash)
    )
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

/// A row of the table: a channel's action, a channel's total (no action) or an action over
/// every channel simulated (no channel).
struct Row<'r> {
    channel: Option<&'r str>,
    action: Option<&'r ActionSimulation>,
    customers: u64,
    /// The most actions one customer can get in the row's channel(s).
    slots: u64,
    reach: u64,
    impressions: u64,
    accepts: f64,
    value: f64,
    do_not_mention: u64,
}

impl<'r> Row<'r> {
    fn action(
        channel: Option<&'r str>,
        customers: u64,
        slots: u64,
        a: &'r ActionSimulation,
    ) -> Self {
        Row {
            channel,
            action: Some(a),
            customers,
            slots,
            reach: a.reach,
            impressions: a.impressions,
            accepts: a.expected_accepts,
            value: a.expected_value,
            do_not_mention: a.do_not_mention,
        }
    }
}

fn rows(report: &SimulationReport) -> Vec<Row<'_>> {
    let mut rows = Vec::new();
    for c in &report.channels {
        let (channel, slots) = (Some(c.channel.as_str()), c.slots as u64);
        rows.extend(
            c.actions
                .iter()
                .map(|a| Row::action(channel, c.decided, slots, a)),
        );
        rows.push(Row {
            channel,
            action: None,
            customers: c.decided,
            slots,
            reach: c.decided - c.no_action,
            impressions: c.placed,
            accepts: c.expected_accepts,
            value: c.expected_value,
            do_not_mention: c.do_not_mention,
        });
    }
    let slots = report.channels.iter().map(|c| c.slots as u64).sum();
    rows.extend(
        report
            .actions
            .iter()
            .map(|a| Row::action(None, report.sample, slots, a)),
    );
    rows
}

/// One row per channel x offered action, then the channel's total row (no action: `reach`
/// counts customers given any action, `impressions` every action placed), then one row per
/// action over every channel simulated (no channel: `reach` counts a customer once).
/// `no_action` is `customers - reach`; `slots` bounds `impressions / customers`.
pub fn table(report: &SimulationReport) -> Table {
    let rows = rows(report);
    let text =
        |f: &dyn Fn(&Row<'_>) -> Option<String>| ColumnValues::Text(rows.iter().map(f).collect());
    let count = |f: &dyn Fn(&Row<'_>) -> u64| ColumnValues::Count(rows.iter().map(f).collect());
    let number = |f: &dyn Fn(&Row<'_>) -> f64| {
        ColumnValues::Number(rows.iter().map(|r| Some(f(r))).collect())
    };
    Table {
        columns: vec![
            TableColumn::new("channel", text(&|r| r.channel.map(str::to_owned))),
            TableColumn::new("action", text(&|r| r.action.map(|a| a.action.0.clone()))),
            TableColumn::new("issue", text(&|r| r.action.map(|a| a.issue.clone()))),
            TableColumn::new("group", text(&|r| r.action.map(|a| a.group.clone()))),
            TableColumn::new("customers", count(&|r| r.customers)),
            TableColumn::new("slots", count(&|r| r.slots)),
            TableColumn::new("reach", count(&|r| r.reach)),
            TableColumn::new("no_action", count(&|r| r.customers - r.reach)),
            TableColumn::new("impressions", count(&|r| r.impressions)),
            TableColumn::new("expected_accepts", number(&|r| r.accepts)),
            TableColumn::new("expected_value", number(&|r| r.value)),
            TableColumn::new("do_not_mention", count(&|r| r.do_not_mention)),
        ],
    }
}

/// The readable form: per channel its totals and the actions it placed, then every action
/// over all the channels; actions placed nowhere are named, not tabled.
fn render(report: &SimulationReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", summary(report));
    let width = report
        .actions
        .iter()
        .map(|a| a.action.as_str().len())
        .max()
        .unwrap_or(0)
        .max("action".len());
    let header = format!(
        "  {:<width$}  {:>9}  {:>11}  {:>16}  {:>14}  {:>14}",
        "action", "reach", "impressions", "expected accepts", "expected value", "do not mention"
    );
    let table = |out: &mut String, actions: &[ActionSimulation]| {
        let (placed, not): (Vec<_>, Vec<_>) = actions.iter().partition(|a| a.impressions > 0);
        if !placed.is_empty() {
            let _ = writeln!(out, "{header}");
        }
        for a in placed {
            let _ = writeln!(
                out,
                "  {:<width$}  {:>9}  {:>11}  {:>16.1}  {:>14.1}  {:>14}",
                a.action.as_str(),
                a.reach,
                a.impressions,
                a.expected_accepts,
                a.expected_value,
                a.do_not_mention
            );
        }
        if !not.is_empty() {
            let names: Vec<&str> = not.iter().map(|a| a.action.as_str()).collect();
            let _ = writeln!(out, "  placed for nobody: {}", names.join(", "));
        }
    };
    for c in &report.channels {
        let _ = writeln!(
            out,
            "\n{}: {} decided (up to {} action(s) each), {} with no action, {} told not to mention something; {} placed, {:.1} expected accepts worth {:.1}",
            c.channel,
            c.decided,
            c.slots,
            c.no_action,
            c.do_not_mention,
            c.placed,
            c.expected_accepts,
            c.expected_value
        );
        table(&mut out, &c.actions);
    }
    if report.channels.len() > 1 {
        let _ = writeln!(
            out,
            "\nall {} channels (reach counts a customer once):",
            report.channels.len()
        );
        table(&mut out, &report.actions);
    }
    out
}
