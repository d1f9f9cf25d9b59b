//! `concord bench scale`: issue 3's figures at a size no single process can simulate (10M
//! subscribers). The base is generated partition by partition into one Parquet file, then the
//! real binary does the rest as child processes, as an operator would run it: `concord load`
//! (bulk load, rows/s), `concord serve` fed a day of events over HTTP (events/s, then its
//! resident memory per subscriber), and `concord serve` again after kill -9 (recovery time).
//! Figures only: nothing here asserts a speed.

mod generate;
mod post;
mod server;

use crate::cli::BenchScaleArgs;
use crate::{demo, serve};
use anyhow::Context;
use concord_model::Timestamp;
use generate::{Generated, Plan};
use rand::Rng;
use server::Server;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const GIB: f64 = (1u64 << 30) as f64;

#[allow(clippy::print_stdout)]
pub fn run(args: BenchScaleArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.subscribers > 0, "--subscribers must be at least 1");
    anyhow::ensure!(args.partition > 0, "--partition must be at least 1");
    let strategy_dir = args
        .strategy
        .clone()
        .unwrap_or_else(demo::default_strategy_dir);
    let strategy = serve::load_strategy(&strategy_dir)?;
    let dir = bench_dir(args.data.clone(), "scale")?;
    let plan = Plan {
        seed: args.seed,
        subscribers: args.subscribers,
        partition: args.partition,
        days: args.days,
        // The same simulated day as `bench ingest`: 2027-01-01.
        start: Timestamp::from_second(1_798_761_600).context("valid start")?,
    };
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "concord bench scale: {} subscribers in {} partition(s) of at most {}, {} day(s) of events, \
         POST batches of {} lines over {} connection(s), folder {}",
        plan.subscribers,
        plan.partitions(),
        plan.partition,
        plan.days,
        args.batch,
        args.connections,
        dir.display()
    )?;
    writeln!(out)?;
    writeln!(out, "| step | size | seconds | figure |")?;
    writeln!(out, "|---|---|---|---|")?;
    out.flush()?;
    drop(out);

    let ran = steps(&args, &strategy_dir, strategy.profile_schema(), &plan, &dir);
    match ran {
        Ok(()) if args.keep => {
            println!("\nkept {}", dir.display());
            Ok(())
        }
        Ok(()) => std::fs::remove_dir_all(&dir)
            .with_context(|| format!("removing the bench folder {}", dir.display())),
        Err(error) => Err(error.context(format!(
            "bench scale failed; its folder {} is left for inspection (serve-*.log, data/)",
            dir.display()
        ))),
    }
}

/// One table row, printed as soon as it is measured (a 10M run takes a while).
#[allow(clippy::print_stdout)]
fn row(step: &str, size: &str, seconds: Option<f64>, figure: &str) {
    let seconds = seconds.map_or_else(|| "-".to_owned(), |s| format!("{s:.2}"));
    println!("| {step} | {size} | {seconds} | {figure} |");
    let _ = std::io::stdout().flush();
}

fn steps(
    args: &BenchScaleArgs,
    strategy_dir: &Path,
    schema: &concord_strategy::ProfileSchema,
    plan: &Plan,
    dir: &Path,
) -> anyhow::Result<()> {
    let exe = std::env::current_exe().context("locating the concord binary")?;
    let subscribers = plan.subscribers as f64;

    // a. Generation, one partition in memory at a time (context, not a figure).
    let t = Instant::now();
    let generated = generate::generate(dir, schema, plan)?;
    let peak = server::proc_status_kb(std::process::id(), "VmHWM:").unwrap_or(0) * 1024;
    row(
        "generate (context)",
        &format!(
            "{} subscribers in {} partitions, {} events",
            generated.rows,
            plan.partitions(),
            generated.events
        ),
        Some(t.elapsed().as_secs_f64()),
        &format!("bench process peak RSS {:.2} GiB", peak as f64 / GIB),
    );

    // b. Bulk load through the real binary.
    let data = dir.join("data");
    let loaded = bulk_load(&exe, strategy_dir, &data, &generated)?;
    let (seconds, own_rate) = (loaded.seconds, loaded.own_rate);
    row(
        "bulk load (`concord load`, Parquet, durable)",
        &format!(
            "{} rows, {:.0} MB file",
            generated.rows,
            file_len(&generated.base) as f64 / 1e6
        ),
        Some(seconds),
        &format!(
            "{:.0} rows/s (whole process; the loader alone {own_rate:.0} rows/s)",
            subscribers / seconds
        ),
    );
    if let Some((mib, seconds)) = loaded.snapshot {
        row(
            "snapshot at the end of the load (within the load's time)",
            &format!("{:.0} MB", mib * f64::from(1u32 << 20) / 1e6),
            Some(seconds),
            &format!(
                "{:.0} bytes/subscriber",
                mib * f64::from(1u32 << 20) / subscribers
            ),
        );
    }
    row(
        "data folder after load",
        &format!("{} customers", generated.rows),
        None,
        &format!(
            "{:.0} bytes/subscriber on disk",
            dir_len(&data) as f64 / subscribers
        ),
    );

    // c. Events over HTTP, then the server's memory.
    let key = admin_key();
    let (mut server, ready) = Server::start(
        &exe,
        strategy_dir,
        &data,
        &key,
        &dir.join("serve-1.log"),
        args.snapshot_after_mib,
    )?;
    expect_customers(ready.customers, generated.rows)?;
    row(
        "serve start after load",
        &format!("{} customers", ready.customers),
        Some(ready.seconds),
        &format!(
            "{:.0} bytes/subscriber (RSS)",
            server.rss_bytes()? as f64 / subscribers
        ),
    );
    let posted = post::post_events(
        &server.url,
        &key,
        &generated.event_files,
        args.batch,
        args.connections,
    )?;
    server.ensure_running()?;
    row(
        "events over HTTP (`POST /v1/events`, NDJSON, durable)",
        &format!(
            "{} events, {} trigger fires",
            posted.accepted, posted.triggers_fired
        ),
        Some(posted.seconds),
        &format!("{:.0} events/s", posted.accepted as f64 / posted.seconds),
    );
    let rss = server.rss_bytes()?;
    row(
        "serve memory after events",
        &format!("{:.2} GiB RSS", rss as f64 / GIB),
        None,
        &format!("{:.0} bytes/subscriber (RSS)", rss as f64 / subscribers),
    );

    row(
        "snapshots while serving",
        &format!(
            "{:.0} taken (one per {} MiB of journal)",
            server.metric("concord_snapshot_taken")?,
            args.snapshot_after_mib
        ),
        Some(server.metric("concord_snapshot_last_seconds")?),
        &format!(
            "last {:.0} MB; {:.0} MB journaled since",
            server.metric("concord_snapshot_last_bytes")? / 1e6,
            server.metric("concord_journal_unsnapshotted_bytes")? / 1e6
        ),
    );

    // d. kill -9, then recovery on the same folder.
    server.kill()?;
    row(
        "data folder after events",
        &format!("{} customers, {} events", generated.rows, posted.accepted),
        None,
        &format!(
            "{:.0} bytes/subscriber on disk",
            dir_len(&data) as f64 / subscribers
        ),
    );
    let (server, ready) = Server::start(
        &exe,
        strategy_dir,
        &data,
        &key,
        &dir.join("serve-2.log"),
        args.snapshot_after_mib,
    )?;
    expect_customers(ready.customers, generated.rows)?;
    row(
        "recovery after kill -9 (spawn to `/readyz` 200)",
        &format!("{} customers", ready.customers),
        Some(ready.seconds),
        &format!(
            "snapshot restore {:.2} s + replay of {:.0} records {:.2} s",
            server.metric("concord_recovery_snapshot_seconds")?,
            server.metric("concord_recovery_replayed_records")?,
            server.metric("concord_recovery_replay_seconds")?
        ),
    );
    let rss = server.rss_bytes()?;
    row(
        "serve memory after recovery",
        &format!("{:.2} GiB RSS", rss as f64 / GIB),
        None,
        &format!("{:.0} bytes/subscriber (RSS)", rss as f64 / subscribers),
    );
    server.kill()
}

/// What `concord load` did.
struct Loaded {
    /// Wall seconds of the whole process.
    seconds: f64,
    /// The rows/s it reported itself.
    own_rate: f64,
    /// The snapshot it wrote: MiB, seconds.
    snapshot: Option<(f64, f64)>,
}

/// Runs `concord load`. Any rejected row fails the bench.
fn bulk_load(
    exe: &Path,
    strategy_dir: &Path,
    data: &Path,
    generated: &Generated,
) -> anyhow::Result<Loaded> {
    let t = Instant::now();
    let output = Command::new(exe)
        .arg("load")
        .arg("--strategy")
        .arg(strategy_dir)
        .arg("--data")
        .arg(data)
        .arg("--mapping")
        .arg(&generated.mapping)
        .arg(&generated.base)
        .env("RUST_LOG", "warn")
        .output()
        .context("running concord load")?;
    let seconds = t.elapsed().as_secs_f64();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    anyhow::ensure!(
        output.status.success(),
        "concord load failed ({}):\n{stdout}{stderr}",
        output.status
    );
    let (read, loaded, rejected, rate) = parse_load_report(&stdout)
        .with_context(|| format!("concord load printed no report:\n{stdout}{stderr}"))?;
    anyhow::ensure!(
        rejected == 0 && loaded == generated.rows && read == generated.rows,
        "concord load read {read}, loaded {loaded} and rejected {rejected} of {} rows:\n{stdout}",
        generated.rows
    );
    Ok(Loaded {
        seconds,
        own_rate: rate,
        snapshot: parse_snapshot_line(&stdout),
    })
}

/// `snapshot <path> (M MiB, S s)` -> (M, S).
fn parse_snapshot_line(stdout: &str) -> Option<(f64, f64)> {
    let line = stdout.lines().find(|l| l.starts_with("snapshot "))?;
    let inside = line.rsplit_once('(')?.1.strip_suffix(')')?;
    let (mib, seconds) = inside.split_once(", ")?;
    Some((
        mib.strip_suffix(" MiB")?.parse().ok()?,
        seconds.strip_suffix(" s")?.parse().ok()?,
    ))
}

/// `<file>: R rows read, L loaded, J rejected in S s (X rows/s)` -> (R, L, J, X).
fn parse_load_report(stdout: &str) -> Option<(u64, u64, u64, f64)> {
    let line = stdout.lines().find(|l| l.contains(" rows read, "))?;
    let (_, counts) = line.rsplit_once(": ")?;
    let number_before = |marker: &str| -> Option<u64> {
        let (head, _) = counts.split_once(marker)?;
        head.rsplit(|c: char| !c.is_ascii_digit())
            .next()?
            .parse()
            .ok()
    };
    let rate = counts
        .rsplit_once('(')?
        .1
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some((
        number_before(" rows read")?,
        number_before(" loaded")?,
        number_before(" rejected")?,
        rate,
    ))
}

fn expect_customers(reported: u64, expected: u64) -> anyhow::Result<()> {
    anyhow::ensure!(
        reported == expected,
        "the server holds {reported} customers, expected {expected}"
    );
    Ok(())
}

/// The bench's folder: new or empty, since it is removed at the end.
/// A new or empty folder for a benchmark's files: `requested`, or one named after `bench` in
/// the temporary folder.
pub(crate) fn bench_dir(requested: Option<PathBuf>, bench: &str) -> anyhow::Result<PathBuf> {
    let dir = requested.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("concord-bench-{bench}-{}", std::process::id()))
    });
    if dir.exists() && std::fs::read_dir(&dir)?.next().is_some() {
        anyhow::bail!(
            "the bench needs a new or empty folder (it removes it afterwards), and {} holds files",
            dir.display()
        );
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

fn admin_key() -> String {
    let bytes: [u8; 16] = rand::rng().random();
    format!("bench-admin-{}", hex::encode(bytes))
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

/// Bytes under a folder, recursively.
fn dir_len(path: &Path) -> u64 {
    std::fs::read_dir(path).map_or(0, |entries| {
        entries
            .flatten()
            .map(|entry| match entry.file_type() {
                Ok(kind) if kind.is_dir() => dir_len(&entry.path()),
                _ => entry.metadata().map_or(0, |m| m.len()),
            })
            .sum()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(stdout: &str, expected: Option<(u64, u64, u64, f64)>) {
        assert_eq!(parse_load_report(stdout), expected, "{stdout}");
    }

    #[test]
    fn load_reports_parse() {
        check(
            "/tmp/b/base.parquet: 4000 rows read, 4000 loaded, 0 rejected in 0.12s (33333 rows/s)\n4000 customers in /tmp/b/data\n",
            Some((4000, 4000, 0, 33333.0)),
        );
        check(
            "x: 3 rows read, 2 loaded, 1 rejected in 0.01s (300 rows/s)\n  bad_number: 1\n",
            Some((3, 2, 1, 300.0)),
        );
        check("4000 customers in /tmp/b/data\n", None);
    }

    #[test]
    fn snapshot_lines_parse() {
        for (stdout, expected) in [
            (
                "4000 customers in /d\nsnapshot /d/snapshots/snapshot-00000000000000000042.snap (1.5 MiB, 0.2 s)\n",
                Some((1.5, 0.2)),
            ),
            ("4000 customers in /d\n", None),
            ("snapshot /d/x.snap (garbled)\n", None),
        ] {
            assert_eq!(parse_snapshot_line(stdout), expected, "{stdout}");
        }
    }
}
