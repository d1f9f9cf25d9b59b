//! Batch outbound runs, scheduled or at once: each checked against the strategy and the
//! connections file, run on a thread of its own over the hub ([`Hub::run_batch`]), its
//! contacts written to the channel's sink as they are decided, its progress and report kept.
//!
//! A file sink gets one call list per run, `<dir>/<run id>.<csv|parquet>` (written under a
//! temporary name and moved into place when the run ends); a webhook or Kafka sink gets the
//! contacts chunk by chunk, as the trigger path sends them (same contact ids, same keys).

use crate::connections::{Connections, SinkSpec};
use crate::outbound::contacts_of;
use concord_hub::{Hub, HubError, RunPlan, RunProgress, RunSpec, RunTally};
use concord_model::{Clock, DecisionRecord, Timestamp};
use concord_sink::{CallListWriter, ContactSink, FileFormat};
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

/// Runs kept for reading back (the oldest finished ones go first).
const RUNS_KEPT: usize = 1_000;

/// Why a run can't start.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Hub(#[from] HubError),
    #[error(
        "run: channel: no sink for channel `{channel}` in the connections file{}",
        if *.configured { "" } else { " (none was given: serve --connections FILE)" }
    )]
    NoSink { channel: String, configured: bool },
    #[error("run: at: {0}")]
    BadTime(String),
}

/// Where a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    /// Waiting for its start time.
    Scheduled,
    Running,
    Done,
    /// Stopped by an error (the report says which); what it sent stays sent.
    Failed,
    Cancelled,
    /// The hub stopped while it was scheduled or running (found so at the next start): the
    /// decisions it journaled stand, its call list is left `.partial`.
    Interrupted,
}

impl RunState {
    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Scheduled => "scheduled",
            RunState::Running => "running",
            RunState::Done => "done",
            RunState::Failed => "failed",
            RunState::Cancelled => "cancelled",
            RunState::Interrupted => "interrupted",
        }
    }
}

/// A run's report: its request, state, times, figures and output (kept as JSON in the data
/// folder's `runs/`, so the list survives restarts).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunReport {
    pub id: String,
    pub spec: RunSpec,
    pub state: RunState,
    pub created: Timestamp,
    /// When it was asked to start (absent: at once).
    pub at: Option<Timestamp>,
    pub started: Option<Timestamp>,
    pub finished: Option<Timestamp>,
    /// The sink's name in the connections file.
    pub sink: String,
    /// The call list written (file sinks), once the run ended.
    pub file: Option<String>,
    pub tally: RunTally,
    /// Contacts the sink took and failed (a file sink takes all or fails the run).
    pub delivered: u64,
    pub failed: u64,
    pub error: Option<String>,
}

/// One run (`plan` is `None` for a run of an earlier process, read back from its report).
#[derive(Debug)]
pub struct Run {
    id: String,
    plan: Option<RunPlan>,
    progress: RunProgress,
    report: Mutex<RunReport>,
}

impl Run {
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The report, with the live figures of a run still going.
    pub fn report(&self) -> RunReport {
        let mut report = self.report.lock().clone();
        if report.state == RunState::Running {
            report.tally = self.progress.tally();
        }
        report
    }
}

/// The runs of one hub, and the sinks they write to.
pub struct Runs {
    hub: Arc<Hub>,
    sinks: BTreeMap<String, Arc<dyn ContactSink>>,
    specs: BTreeMap<String, SinkSpec>,
    /// Channel -> sink name.
    routes: BTreeMap<String, String>,
    configured: bool,
    clock: Arc<dyn Clock>,
    runs: Mutex<Vec<Arc<Run>>>,
    /// Where the reports are kept (`<data>/runs`).
    dir: PathBuf,
}

impl std::fmt::Debug for Runs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runs")
            .field("routes", &self.routes)
            .finish_non_exhaustive()
    }
}

impl Runs {
    /// `connections`: `None` when the hub runs without a connections file (every run is then
    /// refused, naming the flag).
    pub fn new(
        hub: Arc<Hub>,
        connections: Option<&Connections>,
        sinks: BTreeMap<String, Arc<dyn ContactSink>>,
        clock: Arc<dyn Clock>,
    ) -> Arc<Self> {
        let dir = hub.data_dir().join("runs");
        let runs = Self {
            hub,
            sinks,
            specs: connections.map(|c| c.sinks.clone()).unwrap_or_default(),
            routes: connections.map(|c| c.channels.clone()).unwrap_or_default(),
            configured: connections.is_some(),
            clock,
            runs: Mutex::new(Vec::new()),
            dir,
        };
        let earlier = runs.read_back();
        *runs.runs.lock() = earlier;
        Arc::new(runs)
    }

    /// The reports of earlier runs in the data folder, oldest first (the newest
    /// [`RUNS_KEPT`]); one left scheduled or running by a stopped process is interrupted.
    fn read_back(&self) -> Vec<Arc<Run>> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut reports: Vec<RunReport> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .filter_map(|path| {
                let read = std::fs::read(&path).map_err(|e| e.to_string());
                match read.and_then(|b| serde_json::from_slice(&b).map_err(|e| e.to_string())) {
                    Ok(report) => Some(report),
                    Err(e) => {
                        tracing::warn!(path = %path.display(), error = %e, "an unreadable run report is skipped");
                        None
                    }
                }
            })
            .collect();
        reports.sort_by_key(|r| r.created);
        let skip = reports.len().saturating_sub(RUNS_KEPT);
        reports
            .into_iter()
            .skip(skip)
            .map(|mut report| {
                if matches!(report.state, RunState::Scheduled | RunState::Running) {
                    report.state = RunState::Interrupted;
                    report.finished = Some(self.clock.now());
                    self.save(&report);
                }
                Arc::new(Run {
                    id: report.id.clone(),
                    plan: None,
                    progress: RunProgress::default(),
                    report: Mutex::new(report),
                })
            })
            .collect()
    }

    /// Writes `report` to `<data>/runs/<id>.json` (a temporary file moved into place); a
    /// failure is logged, the run goes on.
    fn save(&self, report: &RunReport) {
        let write = || -> std::io::Result<()> {
            std::fs::create_dir_all(&self.dir)?;
            let path = self.dir.join(format!("{}.json", report.id));
            let tmp = path.with_extension("json.tmp");
            let bytes = serde_json::to_vec_pretty(report).map_err(std::io::Error::other)?;
            std::fs::write(&tmp, bytes)?;
            std::fs::rename(&tmp, &path)
        };
        if let Err(e) = write() {
            tracing::warn!(run = %report.id, error = %e, "the run report could not be kept");
        }
    }

    /// Checks `spec` and registers the run (scheduled for `at`, or to start at once); the
    /// caller starts it with [`Runs::execute`] (the server on a blocking thread, after
    /// waiting for `at`; the CLI in line).
    pub fn plan(&self, spec: RunSpec, at: Option<Timestamp>) -> Result<Arc<Run>, RunError> {
        let now = self.clock.now();
        let sink = self
            .routes
            .get(&spec.channel)
            .filter(|s| self.sinks.contains_key(*s))
            .cloned();
        if let Some(at) = at
            && at.as_millisecond() < now.as_millisecond() - 60_000
        {
            return Err(RunError::BadTime(format!(
                "{at} is in the past (now {now}); leave it out to run at once"
            )));
        }
        let plan = self.hub.plan_run(spec, now)?;
        let Some(sink) = sink else {
            return Err(RunError::NoSink {
                channel: plan.spec.channel.clone(),
                configured: self.configured,
            });
        };
        let run = Arc::new(Run {
            id: plan.id.clone(),
            report: Mutex::new(RunReport {
                id: plan.id.clone(),
                spec: plan.spec.clone(),
                state: if at.is_some() {
                    RunState::Scheduled
                } else {
                    RunState::Running
                },
                created: now,
                at,
                started: at.is_none().then_some(now),
                finished: None,
                sink,
                file: None,
                tally: RunTally::default(),
                delivered: 0,
                failed: 0,
                error: None,
            }),
            plan: Some(plan),
            progress: RunProgress::default(),
        });
        self.save(&run.report.lock());
        let mut runs = self.runs.lock();
        if runs.len() >= RUNS_KEPT
            && let Some(i) = runs.iter().position(|r| {
                !matches!(
                    r.report.lock().state,
                    RunState::Scheduled | RunState::Running
                )
            })
        {
            runs.remove(i);
        }
        runs.push(run.clone());
        Ok(run)
    }

    /// Runs scheduled or running, and the customers every run kept contacted (for /metrics).
    pub fn totals(&self) -> (u64, u64) {
        let reports = self.list();
        let active = reports
            .iter()
            .filter(|r| matches!(r.state, RunState::Scheduled | RunState::Running))
            .count() as u64;
        (active, reports.iter().map(|r| r.tally.contacted).sum())
    }

    /// Every run kept, newest first.
    pub fn list(&self) -> Vec<RunReport> {
        self.runs.lock().iter().rev().map(|r| r.report()).collect()
    }

    pub fn get(&self, id: &str) -> Option<Arc<Run>> {
        self.runs.lock().iter().find(|r| r.id() == id).cloned()
    }

    /// Cancels a scheduled or running run; false when it had ended.
    pub fn cancel(&self, id: &str) -> Option<bool> {
        let run = self.get(id)?;
        let mut report = run.report.lock();
        Some(match report.state {
            RunState::Scheduled => {
                report.state = RunState::Cancelled;
                report.finished = Some(self.clock.now());
                self.save(&report);
                true
            }
            RunState::Running => {
                run.progress.cancel();
                true
            }
            _ => false,
        })
    }

    /// Runs `run` to its end on this thread (blocking; `runtime` drives webhook and Kafka
    /// sends). A cancelled scheduled run does nothing. Returns the final report.
    pub fn execute(&self, run: &Run, runtime: &tokio::runtime::Handle) -> RunReport {
        let Some(plan) = &run.plan else {
            return run.report();
        };
        {
            let mut report = run.report.lock();
            if report.state != RunState::Scheduled && report.state != RunState::Running {
                return report.clone();
            }
            report.state = RunState::Running;
            report.started = Some(self.clock.now());
            self.save(&report);
        }
        let sink_name = run.report.lock().sink.clone();
        let outcome = self.deliver_run(run, plan, &sink_name, runtime);
        let mut report = run.report.lock();
        report.tally = run.progress.tally();
        report.finished = Some(self.clock.now());
        match outcome {
            Ok(out) => {
                report.tally.limit_reached = out.limit_reached;
                report.delivered = out.delivered;
                report.failed = out.failed;
                report.file = out.file;
                report.state = if run.progress.cancelled() {
                    RunState::Cancelled
                } else {
                    RunState::Done
                };
            }
            Err((e, delivered, failed)) => {
                report.delivered = delivered;
                report.failed = failed;
                report.error = Some(e);
                report.state = RunState::Failed;
            }
        }
        tracing::info!(
            run = %report.id,
            state = report.state.as_str(),
            scanned = report.tally.scanned,
            contacted = report.tally.contacted,
            "run ended"
        );
        self.save(&report);
        report.clone()
    }

    fn deliver_run(
        &self,
        run: &Run,
        plan: &RunPlan,
        sink_name: &str,
        runtime: &tokio::runtime::Handle,
    ) -> Result<Delivered, (String, u64, u64)> {
        let clock = || self.clock.now();
        match self.specs.get(sink_name) {
            Some(SinkSpec::File { dir, format }) => {
                let path = run_file(dir, &plan.id, *format);
                let mut writer =
                    CallListWriter::create(&path, *format).map_err(|e| (e.to_string(), 0, 0))?;
                let mut written = 0u64;
                let tally = self
                    .hub
                    .run_batch(plan, &clock, &run.progress, &mut |records| {
                        for contact in records.iter().flat_map(contacts_of) {
                            writer.push(&contact).map_err(|e| e.to_string())?;
                            written += 1;
                        }
                        Ok(())
                    })
                    .map_err(|e| (e.to_string(), 0, 0))?;
                writer.finish().map_err(|e| (e.to_string(), 0, 0))?;
                Ok(Delivered {
                    delivered: written,
                    failed: 0,
                    file: Some(path.display().to_string()),
                    limit_reached: tally.limit_reached,
                })
            }
            _ => {
                let Some(sink) = self.sinks.get(sink_name) else {
                    return Err((format!("no sink named {sink_name}"), 0, 0));
                };
                let (mut delivered, mut failed) = (0u64, 0u64);
                let mut send = |records: Vec<DecisionRecord>| {
                    let contacts: Vec<_> = records.iter().flat_map(contacts_of).collect();
                    for result in runtime.block_on(sink.send(&contacts)) {
                        match result {
                            Ok(()) => delivered += 1,
                            Err(e) => {
                                failed += 1;
                                tracing::warn!(sink = sink_name, error = %e, "run contact failed");
                            }
                        }
                    }
                    Ok(())
                };
                let tally = self
                    .hub
                    .run_batch(plan, &clock, &run.progress, &mut send)
                    .map_err(|e| (e.to_string(), delivered, failed))?;
                runtime
                    .block_on(sink.finish())
                    .map_err(|e| (e.to_string(), delivered, failed))?;
                Ok(Delivered {
                    delivered,
                    failed,
                    file: None,
                    limit_reached: tally.limit_reached,
                })
            }
        }
    }
}

struct Delivered {
    delivered: u64,
    failed: u64,
    file: Option<String>,
    limit_reached: bool,
}

/// A run's call list: `<dir>/<run id>.<csv|parquet>`.
pub fn run_file(dir: &std::path::Path, id: &str, format: FileFormat) -> PathBuf {
    let ext = match format {
        FileFormat::Csv => "csv",
        FileFormat::Parquet => "parquet",
    };
    dir.join(format!("{id}.{ext}"))
}
