//! `concord run`: a batch outbound run with the server stopped, written to the channel's sink
//! of the connections file; prints the run report as JSON (the shape of GET /v1/runs/{id}).

use crate::cli::RunArgs;
use anyhow::Context;
use concord_channel::{RunState, Runs};
use concord_hub::RunSpec;
use concord_model::SystemClock;
use concord_server::RunBody;
use std::sync::Arc;

#[allow(clippy::print_stdout)]
pub fn run(args: &RunArgs) -> anyhow::Result<()> {
    let strategy = crate::serve::load_strategy(&args.folders.strategy)?;
    let connections = crate::serve::load_connections(Some(&args.connections), &strategy)?
        .context("a connections file is needed")?;
    let hub = Arc::new(crate::serve::open_existing(&args.folders.data, strategy)?);
    let runtime = crate::serve::runtime()?;
    let sinks = {
        let _guard = runtime.enter();
        concord_channel::build_sinks(&connections, crate::serve::kafka_sink)
            .map_err(|e| anyhow::anyhow!("the connections file's sinks: {e}"))?
    };
    let runs = Runs::new(
        hub.clone(),
        Some(&connections),
        sinks,
        Arc::new(SystemClock),
    );
    let spec = RunSpec {
        name: args.name.clone(),
        channel: args.channel.clone(),
        segment: args.segment.clone(),
        limit: args.limit,
        context: Default::default(),
    };
    let run = runs.plan(spec, None)?;
    let report = runs.execute(&run, runtime.handle());
    let state = report.state;
    println!("{}", serde_json::to_string_pretty(&RunBody::from(report))?);
    if state != RunState::Done {
        anyhow::bail!("the run did not finish: {}", state.as_str());
    }
    Ok(())
}
