//! The command line: every subcommand and flag, with the help text users see.

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "concord",
    version,
    about = "Real-time next-best-action decision hub for telecom operators"
)]
pub struct Cli {
    /// Log filter, e.g. "info" or "concord_hub=debug" (default: $RUST_LOG or info). Logs go to stderr.
    #[arg(long, global = true)]
    pub log: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the hub on the embedded store with the example strategy and a simulated operator.
    Demo(DemoArgs),
    /// Run the hub in production: a strategy folder, a data folder, API keys from config or env.
    Serve(ServeArgs),
    /// Bulk-load a customer base from CSV or Parquet files into a data folder (server stopped).
    Load(LoadArgs),
    /// Measure the hub on simulated data (figures for BENCHMARKS.md).
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Validate a strategy folder; errors name file:line:col and the field.
    Check(CheckArgs),
    /// A batch outbound run now (server stopped; a running server takes POST /v1/runs): the
    /// base or a segment decided in an outbound channel, each contact journaled as a decision,
    /// written to the channel's sink in the connections file. Prints the run report (JSON).
    Run(RunArgs),
    /// Make a logged decision again from its logged inputs and compare it bit for bit (server
    /// stopped; a running server answers GET /v1/decisions/{id}/replay).
    Replay(ReplayArgs),
    /// Print the JSON Schema of the strategy folder's files.
    Schema,
    /// Write what the hub holds for other tools (server stopped).
    #[command(subcommand)]
    Export(ExportCommand),
    /// Run a candidate strategy over a sample of the base before it goes live (server
    /// stopped): reach, impressions, expected accepts and value per channel and action, as a
    /// dry run (nothing journaled, no contact or KPI recorded). Prints a table, or writes CSV,
    /// Parquet or JSON by OUT's extension.
    Simulate(SimulateArgs),
    /// Estimate a candidate strategy's value from the live strategy's logged decisions before
    /// it goes live (server stopped): off-policy, with IPS, SNIPS and doubly-robust estimators
    /// and bootstrap intervals, per decision on the accept rate and the accepted value of the
    /// first action. Prints a table, or writes CSV, Parquet or JSON by OUT's extension.
    Evaluate(EvaluateArgs),
}

#[derive(Debug, Args)]
pub struct EvaluateArgs {
    /// --strategy: the live strategy that made the logged decisions; --data: its data folder.
    #[command(flatten)]
    pub folders: Folders,
    /// The candidate strategy folder (the same profile.yaml and model predictors as the live
    /// one: the log holds what the live decisions read).
    #[arg(long)]
    pub candidate: PathBuf,
    /// The newest this many logged decisions (0: every decision the log keeps).
    #[arg(long, default_value_t = 100_000)]
    pub decisions: usize,
    /// The two-sided confidence of the intervals, strictly between 0 and 1.
    #[arg(long, default_value_t = 0.95)]
    pub confidence: f64,
    /// Bootstrap resamples (at least 100).
    #[arg(long, default_value_t = 1_000)]
    pub resamples: usize,
    /// Monte Carlo draws per decision for the live policy's chance of its first action.
    #[arg(long, default_value_t = 256)]
    pub draws: usize,
    /// Seeds the Monte Carlo draws and the bootstrap: the same seed, the same figures.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Write the estimates here (`.csv`, `.parquet` or `.json`) instead of printing them.
    pub out: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// The adaptive models: `--format pdstools` writes the ADM datamart's ModelSnapshot and
    /// PredictorBinningSnapshot tables for pdstools' `ADMDatamart.from_ds_export(base_path=OUT)`;
    /// `--format json` the API's model reports.
    Models(ExportModelsArgs),
    /// A cohort report of reports.yaml over the base (in-flow quality by dealer, exit reasons,
    /// churners against stayers...): one row per group, then its measures with intervals and
    /// whether it is flagged; written as CSV, Parquet or JSON by OUT's extension.
    Report(ExportReportArgs),
    /// The KPIs added up by dimensions (issue, group, action, channel, direction, arm,
    /// experiment, variant, day): one row per combination, volume and value; CSV, Parquet or
    /// JSON by OUT's extension.
    Kpis(ExportKpisArgs),
    /// The full strategy against each control arm, and each experiment challenger against its
    /// champion, per impression and on the business outcomes (per customer): one row per
    /// comparison (subject, baseline, metric); CSV, Parquet or JSON by OUT's extension.
    Lift(ExportLiftArgs),
}

/// The strategy folder the hub runs and the data folder it keeps (snapshot and journal), for
/// the commands that read a stopped hub's data.
#[derive(Debug, Args)]
pub struct Folders {
    /// The strategy folder the hub runs.
    #[arg(long)]
    pub strategy: PathBuf,
    /// The data folder (snapshot and journal).
    #[arg(long)]
    pub data: PathBuf,
}

/// How a measurement reads: the intervals' confidence and when the profiles are read.
#[derive(Debug, Args)]
pub struct Reading {
    /// The two-sided confidence of the intervals, strictly between 0 and 1.
    #[arg(long, default_value_t = 0.95)]
    pub confidence: f64,
    /// The time the profiles are read at (windowed aggregates), RFC 3339; default: now.
    #[arg(long)]
    pub at: Option<jiff::Timestamp>,
}

#[derive(Debug, Args)]
pub struct ExportKpisArgs {
    #[command(flatten)]
    pub folders: Folders,
    /// Dimensions, comma-separated: issue, group, action, channel, direction, arm, experiment, variant, day.
    #[arg(long, default_value = "action,channel")]
    pub by: String,
    /// The file to write: `.csv`, `.parquet` or `.json`.
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct ExportLiftArgs {
    #[command(flatten)]
    pub folders: Folders,
    #[command(flatten)]
    pub reading: Reading,
    /// The file to write: `.csv`, `.parquet` or `.json`.
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct ExportReportArgs {
    /// The report's name in reports.yaml.
    pub name: String,
    #[command(flatten)]
    pub folders: Folders,
    #[command(flatten)]
    pub reading: Reading,
    /// The file to write: `.csv`, `.parquet` or `.json`.
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    // --strategy: the candidate strategy; --data: the base it runs over.
    #[command(flatten)]
    pub folders: Folders,
    /// Customers to decide for, a deterministic sample of the base; 0: every customer.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 10_000,
        allow_negative_numbers = true,
        value_parser = sample_size
    )]
    pub sample: usize,
    /// Another seed draws another sample of the same size.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Channels to decide in, comma-separated (default: every channel of the strategy).
    #[arg(long, value_name = "C1,C2", value_delimiter = ',')]
    pub channel: Vec<String>,
    /// When the decisions are made (profiles read, contact policy judged), RFC 3339; default: now.
    #[arg(long)]
    pub at: Option<jiff::Timestamp>,
    /// Write the table here (`.csv`, `.parquet` or `.json`) instead of printing it.
    pub out: Option<PathBuf>,
}

/// `--sample`: a whole number, 0 or more.
fn sample_size(text: &str) -> Result<usize, String> {
    match text.trim().parse::<i128>() {
        Ok(n) if n < 0 => Err(format!(
            "a sample can't be negative (0 decides for the whole base), got {n}"
        )),
        Ok(n) => {
            usize::try_from(n).map_err(|_| format!("{n} is more customers than fit in memory"))
        }
        Err(_) => Err(format!(
            "expected a number of customers (0 for the whole base), got `{text}`"
        )),
    }
}

#[derive(Debug, Args)]
pub struct ExportModelsArgs {
    #[command(flatten)]
    pub folders: Folders,
    #[arg(long, value_enum, default_value_t = ExportFormat::Pdstools)]
    pub format: ExportFormat,
    /// The folder to write into (created when missing).
    pub out: PathBuf,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// Pega's ADM datamart tables, as NDJSON.
    Pdstools,
    /// The API's model reports (GET /v1/models/{id}), as one JSON array.
    Json,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Simulated subscribers in the base.
    #[arg(long, default_value_t = 100_000)]
    pub subscribers: usize,
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// Simulator seed: the same seed gives the same base and the same events.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Strategy folder (default: the example operator strategy in examples/telco).
    #[arg(long)]
    pub strategy: Option<PathBuf>,
    /// Data folder; it must be new or empty (default: a fresh folder under the system temp dir).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Hours of event history to simulate before serving live events.
    #[arg(long, default_value_t = 24)]
    pub history_hours: u32,
    /// Simulated decisions per second the demo's channels ask for (0: none), answered from the simulator's truth.
    #[arg(long, default_value_t = 20)]
    pub traffic: u32,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Strategy folder (YAML), validated before the hub starts.
    #[arg(long)]
    pub strategy: PathBuf,
    /// Data folder for the journal; created if missing.
    #[arg(long)]
    pub data: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// File with API keys, one ROLE=KEY per line (roles: channel, agent, marketer, admin).
    /// Without it, keys come from $CONCORD_API_KEYS (ROLE=KEY entries separated by commas).
    #[arg(long)]
    pub api_keys: Option<PathBuf>,
    /// Seconds between background snapshots (taken only if the journal grew since the last).
    #[arg(long, default_value_t = 600)]
    pub snapshot_every_secs: u64,
    /// Take a snapshot as soon as this many MiB were journaled since the last one: bounds the
    /// journal replayed on restart.
    #[arg(long, default_value_t = 512)]
    pub snapshot_after_mib: u64,
    /// Connections file (YAML): the provisioning endpoints actions are fulfilled through
    /// (`endpoints: {charging: {url, timeout, attempts, backoff, max_backoff}}`).
    #[arg(long, env = "CONCORD_CONNECTIONS")]
    pub connections: Option<PathBuf>,
    #[cfg(feature = "kafka")]
    #[command(flatten)]
    pub kafka: KafkaArgs,
}

impl ServeArgs {
    pub fn snapshot_policy(&self) -> concord_hub::SnapshotPolicy {
        concord_hub::SnapshotPolicy {
            every: std::time::Duration::from_secs(self.snapshot_every_secs),
            max_bytes: self.snapshot_after_mib << 20,
            ..concord_hub::SnapshotPolicy::default()
        }
    }
}

/// Consume events from a Kafka topic too (all three of brokers, topic and group, or none).
#[cfg(feature = "kafka")]
#[derive(Debug, Args)]
pub struct KafkaArgs {
    /// Bootstrap servers, e.g. broker1:9092,broker2:9092.
    #[arg(long, requires_all = ["kafka_topic", "kafka_group"])]
    pub kafka_brokers: Option<String>,
    /// The topic of events (key = customer id; value = one event, a JSON array or NDJSON).
    #[arg(long, requires_all = ["kafka_brokers", "kafka_group"])]
    pub kafka_topic: Option<String>,
    /// Consumer group id; offsets are committed only once events are durable.
    #[arg(long, requires_all = ["kafka_brokers", "kafka_topic"])]
    pub kafka_group: Option<String>,
    /// Extra librdkafka setting, KEY=VALUE, repeatable (e.g. security.protocol=SASL_PLAINTEXT).
    #[arg(long = "kafka-option", value_name = "KEY=VALUE")]
    pub kafka_options: Vec<String>,
}

#[derive(Debug, Args)]
pub struct LoadArgs {
    /// Strategy folder: its profile.yaml is what the mapping is checked against.
    #[arg(long)]
    pub strategy: PathBuf,
    /// Data folder to load into; created if missing. No server may have it open.
    #[arg(long)]
    pub data: PathBuf,
    /// Column mapping (YAML): which column is the customer id, which columns feed which attributes.
    #[arg(long)]
    pub mapping: PathBuf,
    /// File format when the extension doesn't say (csv or parquet).
    #[arg(long, value_parser = ["csv", "parquet"])]
    pub format: Option<String>,
    /// Rows per durable batch.
    #[arg(long, default_value_t = 50_000)]
    pub batch_rows: usize,
    /// How many rejected rows to print (all are counted).
    #[arg(long, default_value_t = 20)]
    pub show_rejected: usize,
    /// The files to load, in order.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Base load and event ingest: in memory only, and durable through the journal.
    Ingest(BenchIngestArgs),
    /// A big base through the real binary: Parquet bulk load, a day of events over HTTP, memory
    /// per subscriber, and recovery after kill -9 (generated in partitions, one in memory at a time).
    Scale(BenchScaleArgs),
    /// In-process decision latency (p50/p99) with a generated strategy of N actions over
    /// simulated customers.
    Decide(BenchDecideArgs),
    /// The HTTP ceiling for the decision benchmark: a trivial axum server whose one route,
    /// POST /echo, answers the JSON body it was sent.
    Echo(BenchEchoArgs),
    /// Learning quality: accept rates and regret on a simulated stream against the oracle (and,
    /// with --peers, Vowpal Wabbit and MABWiser LinUCB), throughput, and churn AUC on the shared
    /// tables (against scikit-learn's logistic regression with --peers).
    Learn(BenchLearnArgs),
    /// The USSD menu's round trip in process (open: decide and page; choose; accept), each
    /// step timed, on simulated subscribers and the example strategy.
    Ussd(BenchUssdArgs),
    /// A batch outbound run: a simulated base decided in SMS over the generated strategy
    /// (`bench decide`'s), written to a Parquet call list through the real run path; wall
    /// time, subscribers/s and where the time went.
    Outbound(BenchOutboundArgs),
}

#[derive(Debug, Args)]
pub struct BenchOutboundArgs {
    /// Simulated subscribers in the base.
    #[arg(long, default_value_t = 100_000)]
    pub subscribers: usize,
    /// Actions in the generated strategy.
    #[arg(long, default_value_t = 200)]
    pub actions: usize,
    /// Subscribers generated at a time (memory holds one partition, about 5 KB each).
    #[arg(long, default_value_t = 500_000)]
    pub partition: usize,
    /// Contacts of the first (teaching) run whose responses train the models.
    #[arg(long, default_value_t = 20_000)]
    pub teach: u64,
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// The data folder, new or empty (default: one in the temporary folder); removed after
    /// unless --keep.
    #[arg(long)]
    pub data: Option<PathBuf>,
    #[arg(long)]
    pub keep: bool,
}

#[derive(Debug, Args)]
pub struct BenchUssdArgs {
    /// Sessions measured (after 200 of warm-up).
    #[arg(long, default_value_t = 10_000)]
    pub sessions: usize,
    /// Simulated subscribers (with a week of events).
    #[arg(long, default_value_t = 20_000)]
    pub subscribers: usize,
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// The strategy folder (default: the example).
    #[arg(long)]
    pub strategy: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct BenchLearnArgs {
    /// Decisions in the simulated stream.
    #[arg(long, default_value_t = 500_000)]
    pub decisions: usize,
    /// Actions in the simulated catalog.
    #[arg(long, default_value_t = 24)]
    pub actions: usize,
    /// The same seed gives the same stream, catalog and exploration.
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Responses learned per published model snapshot (the peers learn in the same batches).
    #[arg(long, default_value_t = 1_000)]
    pub batch: usize,
    /// Write the stream here (a JSON header line, then little-endian arrays) for the peers.
    #[arg(long)]
    pub stream_out: Option<PathBuf>,
    /// Folder of the shared churn tables (default: shared/data next to the repository).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Run scripts/bench/learn_peers.py with this Python (vowpalwabbit, mabwiser, scikit-learn,
    /// numpy and pandas installed) and report its figures side by side.
    #[arg(long, value_name = "PYTHON")]
    pub peers: Option<PathBuf>,
    /// How Concord's models turn predictors into propensities (models.yaml `technique`).
    #[arg(long, value_enum, default_value_t = TechniqueArg::Joint)]
    pub technique: TechniqueArg,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// models.yaml `technique`, on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TechniqueArg {
    /// Naive Bayes over the active predictors' bins, calibrated by PAV.
    Bayes,
    /// A logistic regression fitted jointly over every predictor's bins and a slope per
    /// numeric predictor (the default).
    Joint,
}

#[derive(Debug, Args)]
pub struct BenchDecideArgs {
    /// Actions in the generated strategy (the example's profile, channels and policies).
    #[arg(long, default_value_t = 1_000)]
    pub actions: usize,
    /// Simulated customers decided for (with a day of events in their profiles).
    #[arg(long, default_value_t = 20_000)]
    pub subscribers: usize,
    /// Decisions measured (after 1,000 of warm-up).
    #[arg(long, default_value_t = 20_000)]
    pub decisions: usize,
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Contact history entries per customer (impressions and outcomes over the last 30 days),
    /// judged by the generated contact.yaml's caps and pauses.
    #[arg(long, default_value_t = 30)]
    pub contacts: usize,
    /// Write the generated strategy folder here and stop (for `concord demo --strategy`, e.g.
    /// the HTTP benchmark in scripts/bench-http.sh).
    #[arg(long)]
    pub write_strategy: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct BenchEchoArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8090")]
    pub listen: String,
}

#[derive(Debug, Args)]
pub struct BenchIngestArgs {
    /// Simulated subscribers in the base.
    #[arg(long, default_value_t = 100_000)]
    pub subscribers: usize,
    /// Days of simulated events to ingest.
    #[arg(long, default_value_t = 1)]
    pub days: u32,
    /// Events per durable batch (one journal append + fsync each).
    #[arg(long, default_value_t = 10_000)]
    pub batch: usize,
    /// Durable batches ingested concurrently (like concurrent clients or Kafka partitions).
    #[arg(long, default_value_t = 4)]
    pub in_flight: usize,
    /// Strategy folder whose profile schema the profiles follow (default: examples/telco).
    #[arg(long)]
    pub strategy: Option<PathBuf>,
    /// Data folder for the durable run (default: a fresh temp folder, removed afterwards).
    #[arg(long)]
    pub data: Option<PathBuf>,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

#[derive(Debug, Args)]
pub struct BenchScaleArgs {
    /// Simulated subscribers in the base.
    #[arg(long, default_value_t = 10_000_000)]
    pub subscribers: usize,
    /// The most subscribers generated at once (memory: about 5 KB each while generating).
    #[arg(long, default_value_t = 1_000_000)]
    pub partition: usize,
    /// Days of simulated events to post.
    #[arg(long, default_value_t = 1)]
    pub days: u32,
    /// Event lines per POST /v1/events.
    #[arg(long, default_value_t = 10_000)]
    pub batch: usize,
    /// Concurrent POST connections.
    #[arg(long, default_value_t = 1)]
    pub connections: usize,
    /// Folder for the base file, event files and data folder; new or empty (default: a fresh
    /// temp folder). Removed afterwards unless --keep, or the bench fails.
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Keep the folder afterwards.
    #[arg(long)]
    pub keep: bool,
    /// Strategy folder (default: examples/telco).
    #[arg(long)]
    pub strategy: Option<PathBuf>,
    /// Passed to `concord serve`: a snapshot once this many MiB were journaled since the last
    /// (bounds what recovery after kill -9 replays).
    #[arg(long, default_value_t = 512)]
    pub snapshot_after_mib: u64,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The strategy folder that made the decision (its hash must match the logged one).
    #[arg(long)]
    pub strategy: PathBuf,
    /// The data folder holding the decision log.
    #[arg(long)]
    pub data: PathBuf,
    /// Print the replay as JSON (the API's ReplayBody) instead of text.
    #[arg(long)]
    pub json: bool,
    /// The decision id, as answered by POST /v1/decisions.
    pub decision_id: String,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub folders: Folders,
    /// The connections file: the channel's sink.
    #[arg(long, env = "CONCORD_CONNECTIONS")]
    pub connections: PathBuf,
    /// The outbound channel (channels.yaml).
    #[arg(long)]
    pub channel: String,
    /// A rule over the profile, e.g. "customer.tenure_months >= 12"; default: the whole base.
    #[arg(long)]
    pub segment: Option<String>,
    /// Contacts at most.
    #[arg(long)]
    pub limit: Option<u64>,
    /// A label for the run.
    #[arg(long)]
    pub name: Option<String>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The strategy folder to validate.
    pub dir: PathBuf,
    /// A connections file to validate with it (endpoints every `fulfilment` names, sinks,
    /// routes for outbound channels only).
    #[arg(long)]
    pub connections: Option<PathBuf>,
}
