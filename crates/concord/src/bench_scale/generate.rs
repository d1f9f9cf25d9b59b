//! Step one of `bench scale`: the simulated base, one partition at a time, into one Parquet base
//! file and one NDJSON events file per partition, so memory holds one partition whatever the
//! size of the base.

use anyhow::Context;
use concord_model::Timestamp;
use concord_sim::{Operator, Partition, SimConfig};
use concord_source_files::{Mapping, ParquetBaseWriter, base_mapping_yaml};
use concord_strategy::ProfileSchema;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// What to generate.
#[derive(Debug, Clone)]
pub struct Plan {
    pub seed: u64,
    pub subscribers: usize,
    /// The most subscribers one partition holds.
    pub partition: usize,
    pub days: u32,
    pub start: Timestamp,
}

impl Plan {
    pub fn partitions(&self) -> usize {
        self.subscribers.div_ceil(self.partition.max(1)).max(1)
    }
}

/// The files step one wrote.
#[derive(Debug)]
pub struct Generated {
    pub base: PathBuf,
    pub mapping: PathBuf,
    pub event_files: Vec<PathBuf>,
    pub rows: u64,
    pub events: u64,
}

/// Writes `dir/base.parquet` (with its column mapping `dir/base-mapping.yaml`) and
/// `dir/events-<k>.ndjson`, partition `k`'s first `plan.days` of events.
pub fn generate(dir: &Path, schema: &ProfileSchema, plan: &Plan) -> anyhow::Result<Generated> {
    let mapping = dir.join("base-mapping.yaml");
    let yaml = base_mapping_yaml(schema);
    // The loader's own validation, here, so a drift shows before minutes of generation.
    Mapping::parse(&mapping.display().to_string(), &yaml, schema)
        .map_err(|errors| anyhow::anyhow!("the base file mapping is invalid:\n{errors}"))?;
    std::fs::write(&mapping, yaml).with_context(|| format!("writing {}", mapping.display()))?;

    let base = dir.join("base.parquet");
    let mut writer = ParquetBaseWriter::create(&base, schema)?;
    let config = SimConfig {
        seed: plan.seed,
        subscribers: plan.subscribers,
        start: plan.start,
        ..SimConfig::default()
    };
    let until = plan
        .start
        .checked_add(jiff::SignedDuration::from_hours(24 * i64::from(plan.days)))?;
    let mut event_files = Vec::new();
    let mut events = 0;
    for partition in Partition::all(plan.partitions()) {
        let operator = Operator::new_partition(config.clone(), &[], partition)
            .with_context(|| format!("building partition {}", partition.index))?;
        for s in operator.subscribers() {
            writer.write(&s.id, &s.attributes, &s.initial_holdings)?;
        }
        let file = dir.join(format!("events-{}.ndjson", partition.index));
        let written = write_events(operator, until, &file)?;
        tracing::info!(
            partition = partition.index,
            of = partition.count,
            events = written,
            "partition generated"
        );
        events += written;
        event_files.push(file);
    }
    let rows = writer.finish()?;
    anyhow::ensure!(
        rows == plan.subscribers as u64,
        "wrote {rows} base rows, expected {}",
        plan.subscribers
    );
    Ok(Generated {
        base,
        mapping,
        event_files,
        rows,
        events,
    })
}

/// Streams the partition's events until `until` to `path`, one JSON object a line (the
/// `POST /v1/events` NDJSON shape); the operator is dropped when it returns.
fn write_events(mut operator: Operator, until: Timestamp, path: &Path) -> anyhow::Result<u64> {
    let file = File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let mut failed = None;
    let n = operator.for_each_event_until(until, |event| {
        if failed.is_some() {
            return;
        }
        let line = serde_json::to_writer(&mut out, &event)
            .map_err(anyhow::Error::from)
            .and_then(|()| out.write_all(b"\n").map_err(anyhow::Error::from));
        failed = line.err();
    });
    if let Some(error) = failed {
        return Err(error.context(format!("writing {}", path.display())));
    }
    out.flush()
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(n)
}
