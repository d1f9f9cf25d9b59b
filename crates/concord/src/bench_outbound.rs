//! `concord bench outbound`: a batch outbound run over a simulated base, timed end to end
//! through the real path (`Runs::execute`: segment, funnel on every core, journal, Parquet
//! call list), with the breakdown and the subscribers per second.

use crate::cli::BenchOutboundArgs;
use anyhow::Context;
use concord_channel::connections::{Connections, SinkSpec};
use concord_channel::{RunState, Runs};
use concord_hub::{Hub, RunProgress, RunSpec};
use concord_model::{DecisionRecord, ManualClock, Outcome, Timestamp};
use concord_sim::{Operator, Partition, SimConfig};
use concord_sink::{ContactSink, FileFormat};
use std::collections::BTreeMap;
use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

/// Base rows per `load_customers` call.
const LOAD_BATCH: usize = 50_000;

#[allow(clippy::print_stdout)]
pub fn run(args: BenchOutboundArgs) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let strategy = Arc::new(crate::bench_decide::generated_strategy(args.actions)?);
    let data = crate::bench_scale::bench_dir(args.data.clone(), "outbound")?;
    writeln!(
        out,
        "concord bench outbound: {} simulated subscribers, {} generated actions, channel sms, Parquet call list, data in {}",
        args.subscribers,
        args.actions,
        data.display()
    )?;
    let runtime = crate::serve::runtime()?;
    let hub = Arc::new(Hub::open(&data, strategy.clone()).context("opening the data folder")?);
    let (_, start) = crate::bench::simulated_operator(args.seed, 1)?;
    let noon = Timestamp::from_second(start.as_second() + 10 * 3_600)?;

    // The base, a partition at a time (each partition alone in memory), loaded durably.
    let started = Instant::now();
    let config = SimConfig {
        seed: args.seed,
        subscribers: args.subscribers,
        start,
        ..SimConfig::default()
    };
    let partitions = args.subscribers.div_ceil(args.partition.max(1)).max(1);
    for partition in Partition::all(partitions) {
        let operator = Operator::new_partition(config.clone(), &[], partition)
            .with_context(|| format!("building partition {}", partition.index))?;
        let rows: Vec<_> = operator
            .subscribers()
            .iter()
            .map(|s| {
                (
                    s.id.clone(),
                    s.attributes.clone(),
                    s.initial_holdings.clone(),
                )
            })
            .collect();
        drop(operator);
        for chunk in rows.chunks(LOAD_BATCH) {
            runtime.block_on(hub.load_customers(chunk.to_vec()))?;
        }
    }
    let loaded = started.elapsed().as_secs_f64();
    writeln!(
        out,
        "base: {} customers generated and loaded in {loaded:.1} s (context, not timed below)",
        hub.customer_count()
    )?;

    // Models: a first SMS run to `--teach` customers, a tenth of them accepting, the rest
    // declining, so the adaptive models have evidence (bins) as they would in production.
    let started = Instant::now();
    let taught = teach(&hub, &runtime, args.teach, noon, args.seed)?;
    writeln!(
        out,
        "models: a first run of {taught} SMS contacts answered (10% accepted) in {:.1} s (context)",
        started.elapsed().as_secs_f64()
    )?;

    // The measured run: the whole base through the real run path to a Parquet call list.
    let calls = data.join("outbound");
    let connections = Connections {
        file: "bench".to_owned(),
        endpoints: BTreeMap::new(),
        sinks: BTreeMap::from([(
            "call_list".to_owned(),
            SinkSpec::File {
                dir: calls.clone(),
                format: FileFormat::Parquet,
            },
        )]),
        channels: BTreeMap::from([("sms".to_owned(), "call_list".to_owned())]),
    };
    let sinks: BTreeMap<String, Arc<dyn ContactSink>> = BTreeMap::from([(
        "call_list".to_owned(),
        Arc::new(concord_channel::CallListDir::create(
            "call_list",
            calls.clone(),
            FileFormat::Parquet,
        )?) as Arc<dyn ContactSink>,
    )]);
    // The run's clock stands at noon in Johannesburg on the simulated day, outside every
    // quiet hour.
    let runs = Runs::new(
        hub.clone(),
        Some(&connections),
        sinks,
        Arc::new(ManualClock::new(noon)),
    );
    let run = runs.plan(
        RunSpec {
            name: Some("bench".to_owned()),
            channel: "sms".to_owned(),
            ..RunSpec::default()
        },
        None,
    )?;
    let started = Instant::now();
    let report = runs.execute(&run, runtime.handle());
    let seconds = started.elapsed().as_secs_f64();
    anyhow::ensure!(
        report.state == RunState::Done,
        "the run ended {}: {:?}",
        report.state.as_str(),
        report.error
    );
    let t = &report.tally;
    let file_bytes = report
        .file
        .as_ref()
        .and_then(|f| std::fs::metadata(f).ok())
        .map_or(0, |m| m.len());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    writeln!(out, "| figure | value |")?;
    writeln!(out, "|---|---|")?;
    writeln!(out, "| subscribers decided | {} |", t.decided)?;
    writeln!(
        out,
        "| wall time, run start to the call list in place | {seconds:.1} s |"
    )?;
    writeln!(
        out,
        "| subscribers/s | {:.0} ({:.0} per core, {cores} cores) |",
        t.decided as f64 / seconds,
        t.decided as f64 / seconds / cores as f64
    )?;
    writeln!(
        out,
        "| contacts written | {} ({} bytes of Parquet) |",
        report.delivered, file_bytes
    )?;
    writeln!(
        out,
        "| funnel (segment, contact history, rules, models, arbitration), summed over workers | {:.1} s ({:.1} us a subscriber) |",
        t.decide_ms as f64 / 1e3,
        t.decide_ms as f64 * 1e3 / t.decided.max(1) as f64
    )?;
    writeln!(
        out,
        "| journal and decision log, summed over workers | {:.1} s |",
        t.journal_ms as f64 / 1e3
    )?;
    writeln!(
        out,
        "| Parquet writing (on the run's thread, beside the workers) | {:.1} s |",
        t.deliver_ms as f64 / 1e3
    )?;
    let held: Vec<String> = t.held.iter().map(|(k, v)| format!("{k} {v}")).collect();
    writeln!(out, "| held back, by stage | {} |", held.join(", "))?;
    writeln!(out, "| distinct actions sent | {} |", t.actions.len())?;
    drop(runs);
    drop(hub);
    if !args.keep {
        std::fs::remove_dir_all(&data).with_context(|| format!("removing {}", data.display()))?;
    }
    Ok(())
}

/// A first run in SMS capped at `limit` contacts, answered: every tenth accepted, the rest
/// declined, so the models learn. Returns the contacts answered.
fn teach(
    hub: &Arc<Hub>,
    runtime: &tokio::runtime::Runtime,
    limit: u64,
    time: Timestamp,
    seed: u64,
) -> anyhow::Result<usize> {
    if limit == 0 {
        return Ok(0);
    }
    let plan = hub.plan_run(
        RunSpec {
            channel: "sms".to_owned(),
            limit: Some(limit),
            ..RunSpec::default()
        },
        time,
    )?;
    let mut decided: Vec<DecisionRecord> = Vec::new();
    hub.run_batch(&plan, &|| time, &RunProgress::default(), &mut |records| {
        decided.extend(records);
        Ok(())
    })?;
    let answered = Timestamp::from_second(time.as_second() + 60)?;
    runtime.block_on(async {
        for (k, record) in decided.iter().enumerate() {
            let outcome = if (k as u64 ^ seed).is_multiple_of(10) {
                Outcome::Accepted
            } else {
                Outcome::Declined
            };
            for action in &record.actions {
                hub.respond(&record.decision_id, &action.action_id, outcome, answered)
                    .await?;
            }
        }
        hub.flush_learning();
        anyhow::Ok(())
    })?;
    Ok(decided.len())
}
