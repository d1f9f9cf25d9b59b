//! `concord bench learn`: learning quality (issue 5). On a simulated stream with hidden truth,
//! Concord's adaptive models with Thompson sampling against the oracle, a random policy and,
//! with `--peers`, Vowpal Wabbit and MABWiser's LinUCB on exactly the same decisions and luck
//! (scripts/bench/learn_peers.py); throughput in the same run; and churn AUC on the shared
//! tables against scikit-learn's logistic regression. Figures only: nothing here asserts them.

mod bandit;
mod report;
mod stream;
mod tables;
mod text;

use crate::cli::BenchLearnArgs;
use anyhow::Context;
use concord_learn::adm::Technique;
use concord_model::{
    ActionId, ChannelId, CustomerId, DecisionId, Outcome, ResponseRecord, Timestamp,
};
use serde_json::Value as Json;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The repository root this binary was built from.
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `--data`, or shared/data next to the repository: looked for from the working directory
/// upwards, then next to the tree this binary was built from.
fn data_dir(requested: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(dir) = requested {
        anyhow::ensure!(dir.is_dir(), "--data {}: not a directory", dir.display());
        return Ok(dir.to_owned());
    }
    let mut tried = Vec::new();
    let cwd = std::env::current_dir().context("the working directory")?;
    for base in cwd.ancestors().chain([repo_root().as_path()]) {
        for candidate in [base.join("shared/data"), base.join("../shared/data")] {
            if candidate.is_dir() {
                return Ok(candidate);
            }
            tried.push(candidate);
        }
    }
    anyhow::bail!(
        "the shared tables were not found (pass --data DIR); looked in {}",
        tried
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    )
}

fn peers_script() -> PathBuf {
    let in_cwd = PathBuf::from("scripts/bench/learn_peers.py");
    if in_cwd.is_file() {
        return in_cwd;
    }
    repo_root().join("scripts/bench/learn_peers.py")
}

/// Runs the peer script on the written stream; its stdout is one JSON object.
fn run_peers(
    python: &Path,
    stream_file: &Path,
    data: &Path,
    args: &BenchLearnArgs,
    points: &[usize],
) -> anyhow::Result<Json> {
    let script = peers_script();
    tracing::info!(python = %python.display(), script = %script.display(), "running the peers");
    let output = std::process::Command::new(python)
        .arg(&script)
        .arg("--stream")
        .arg(stream_file)
        .arg("--data")
        .arg(data)
        .args(["--batch", &args.batch.to_string()])
        .args(["--seed", &args.seed.to_string()])
        .arg("--checkpoints")
        .arg(
            points
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join(","),
        )
        .stderr(std::process::Stdio::inherit())
        .output()
        .with_context(|| format!("running {} {}", python.display(), script.display()))?;
    anyhow::ensure!(
        output.status.success(),
        "the peer script failed ({})",
        output.status
    );
    serde_json::from_slice(&output.stdout).context("the peer script's output is not JSON")
}

#[allow(clippy::print_stdout)]
pub fn run(args: BenchLearnArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.actions >= 2, "--actions: at least 2");
    anyhow::ensure!(args.decisions >= 10, "--decisions: at least 10");
    anyhow::ensure!(args.batch >= 1, "--batch: at least 1");
    let data = data_dir(args.data.as_deref())?;
    let table_files = tables::churn_tables(&data)?;

    let started = Instant::now();
    let stream = stream::Stream::generate(args.seed, args.decisions, args.actions);
    tracing::info!(
        elapsed_s = started.elapsed().as_secs_f64(),
        "stream generated"
    );
    let points = bandit::checkpoints(stream.len());
    let temp_stream;
    let stream_file = match (&args.stream_out, &args.peers) {
        (Some(path), _) => Some(path.clone()),
        (None, Some(_)) => {
            temp_stream = TempFile(
                std::env::temp_dir()
                    .join(format!("concord-bench-learn-{}.bin", std::process::id())),
            );
            Some(temp_stream.0.clone())
        }
        (None, None) => None,
    };
    if let Some(path) = &stream_file {
        stream.write(path)?;
        tracing::info!(path = %path.display(), "stream written");
    }

    let oracle = bandit::oracle(&stream, &points);
    let random = bandit::random(&stream, &points, args.seed);
    let started = Instant::now();
    let technique = match args.technique {
        crate::cli::TechniqueArg::Bayes => Technique::Bayes,
        crate::cli::TechniqueArg::Joint => Technique::Joint,
    };
    let (concord, throughput) = bandit::concord(&stream, &points, args.seed, args.batch, technique);
    tracing::info!(
        elapsed_s = started.elapsed().as_secs_f64(),
        "Concord ran the stream"
    );
    let mut table_aucs = Vec::new();
    for path in &table_files {
        table_aucs.push(tables::measure(path, technique)?);
    }
    let peers = match (&args.peers, &stream_file) {
        (Some(python), Some(file)) => Some(run_peers(python, file, &data, &args, &points)?),
        _ => None,
    };

    let report = report::json(&report::Measured {
        args: &args,
        stream: &stream,
        points: &points,
        oracle: &oracle,
        random: &random,
        concord: &concord,
        throughput: &throughput,
        tables: &table_aucs,
        peers: peers.as_ref(),
    });
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    } else {
        text::write_text(&mut out, &report)?;
    }
    Ok(())
}

/// A response as the learner receives it; only the action, channel and outcome matter here.
fn response(action: &ActionId, channel: &ChannelId, accepted: bool) -> ResponseRecord {
    ResponseRecord {
        decision_id: DecisionId::new("bench"),
        action_id: action.clone(),
        customer_id: CustomerId::new("bench"),
        channel: channel.clone(),
        outcome: if accepted {
            Outcome::Accepted
        } else {
            Outcome::Declined
        },
        time: Timestamp::UNIX_EPOCH,
        custom_outcome: None,
    }
}

/// Removed when dropped: the stream written only for the peers.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
