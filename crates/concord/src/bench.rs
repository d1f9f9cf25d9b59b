//! `concord bench`: measurements on simulated data, printed as a table for BENCHMARKS.md.
//! Figures only: nothing here asserts a speed.

use crate::cli::BenchIngestArgs;
use crate::{demo, serve};
use anyhow::Context;
use concord_hub::Hub;
use concord_model::Timestamp;
use concord_profile::{CompiledSchema, ProfileStore};
use concord_sim::{Operator, SimConfig};
use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

/// Resident memory of this process, from /proc (Linux); 0 where unavailable.
fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

/// The benchmarks' simulated operator: `subscribers` from `seed`, its clock at 2027-01-01.
pub fn simulated_operator(seed: u64, subscribers: usize) -> anyhow::Result<(Operator, Timestamp)> {
    let start = Timestamp::from_second(1_798_761_600).context("valid start")?;
    let operator = Operator::new(
        SimConfig {
            seed,
            subscribers,
            start,
            ..SimConfig::default()
        },
        &[],
    )
    .context("building the simulated base")?;
    Ok((operator, start))
}

#[allow(clippy::print_stdout)]
pub fn ingest(args: BenchIngestArgs) -> anyhow::Result<()> {
    let strategy_dir = args
        .strategy
        .clone()
        .unwrap_or_else(demo::default_strategy_dir);
    let strategy = serve::load_strategy(&strategy_dir)?;
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "concord bench ingest: {} subscribers, {} day(s) of events, batches of {}",
        args.subscribers, args.days, args.batch
    )?;

    let started = Instant::now();
    let (mut operator, start) = simulated_operator(args.seed, args.subscribers)?;
    let until = start.checked_add(jiff::SignedDuration::from_hours(24 * i64::from(args.days)))?;
    let events = operator.events_until(until);
    writeln!(
        out,
        "| simulate | {} subscribers, {} events | {:.2} s |",
        args.subscribers,
        events.len(),
        started.elapsed().as_secs_f64()
    )?;

    // In memory only: the profile store alone, no journal.
    let schema = CompiledSchema::new(
        Arc::new(strategy.profile_schema().clone()),
        Arc::from(strategy.triggers().to_vec()),
    );
    let rss_before = rss_bytes();
    let store = ProfileStore::new(schema.clone());
    let t = Instant::now();
    for s in operator.subscribers() {
        store.upsert(&s.id, &s.attributes, &s.initial_holdings);
    }
    let base_s = t.elapsed().as_secs_f64();
    let rss_base = rss_bytes();
    let t = Instant::now();
    let mut fires = 0usize;
    for event in &events {
        fires += store.apply(event).1.len();
    }
    let apply_s = t.elapsed().as_secs_f64();
    let rss_after = rss_bytes();
    let stats = store.stats();
    writeln!(
        out,
        "| store contents | {} customers, {} interned strings, {} aggregate cells, {} dedup fingerprints |",
        stats.customers, stats.symbols, stats.aggregate_cells, stats.dedup_entries
    )?;
    let n = args.subscribers.max(1) as f64;
    writeln!(
        out,
        "| in-memory base upsert | {:.0} rows/s | {:.0} bytes/subscriber (RSS) |",
        n / base_s,
        rss_base.saturating_sub(rss_before) as f64 / n
    )?;
    writeln!(
        out,
        "| in-memory event apply, one event at a time | {:.0} events/s | {} trigger fires | {:.0} bytes/subscriber after events (RSS) |",
        events.len() as f64 / apply_s,
        fires,
        rss_after.saturating_sub(rss_before) as f64 / n
    )?;
    drop(store);

    // In memory, batched: what the durable path does minus the journal (hash ahead, admit the
    // batch under one lock, apply shard by shard on both cores).
    let store = ProfileStore::new(schema);
    for s in operator.subscribers() {
        store.upsert(&s.id, &s.attributes, &s.initial_holdings);
    }
    let wall_ms = Timestamp::now().as_millisecond();
    let t = Instant::now();
    let (mut admitted, mut fires) = (0usize, 0usize);
    for batch in events.chunks(args.batch.max(1)) {
        let (fresh, outcome) = store.apply_events(batch, wall_ms);
        admitted += fresh;
        fires += outcome.fires.len();
    }
    let batched_s = t.elapsed().as_secs_f64();
    writeln!(
        out,
        "| in-memory event apply, {}-event batches | {:.0} events/s | {} admitted, {} trigger fires |",
        args.batch,
        events.len() as f64 / batched_s,
        admitted,
        fires
    )?;
    drop(store);

    // Durable: through the hub, journal first (group commit + fsync per batch).
    let temp;
    let data = match &args.data {
        Some(dir) => dir.clone(),
        None => {
            temp = std::env::temp_dir().join(format!("concord-bench-{}", std::process::id()));
            temp
        }
    };
    let runtime = serve::runtime()?;
    let (load_s, ingest_s, journal_bytes) = runtime.block_on(async {
        let hub = Arc::new(Hub::open(&data, strategy.clone())?);
        let t = Instant::now();
        demo::load_base(&hub, &operator).await?;
        let load_s = t.elapsed().as_secs_f64();
        // Batches are cut before the clock starts; `in_flight` of them are ingested at once, as
        // concurrent HTTP clients or Kafka partitions would, so one batch's fsync overlaps the
        // next one's apply.
        let mut batches: Vec<Vec<concord_model::Event>> = events
            .chunks(args.batch.max(1))
            .map(<[_]>::to_vec)
            .collect();
        batches.reverse();
        let t = Instant::now();
        let mut running = tokio::task::JoinSet::new();
        loop {
            while running.len() < args.in_flight.max(1) {
                let Some(batch) = batches.pop() else { break };
                let hub = hub.clone();
                running.spawn(async move { hub.ingest(batch).await });
            }
            match running.join_next().await {
                Some(done) => {
                    done??;
                }
                None => break,
            }
        }
        let ingest_s = t.elapsed().as_secs_f64();
        let journal_bytes: u64 = std::fs::read_dir(data.join("journal"))
            .into_iter()
            .flatten()
            .filter_map(|entry| Some(entry.ok()?.metadata().ok()?.len()))
            .sum();
        anyhow::Ok((load_s, ingest_s, journal_bytes))
    })?;
    writeln!(out, "| durable base load | {:.0} rows/s |", n / load_s)?;
    writeln!(
        out,
        "| durable event ingest ({} batches in flight) | {:.0} events/s | journal {:.0} bytes/event |",
        args.in_flight,
        events.len() as f64 / ingest_s,
        journal_bytes as f64 / (events.len() + args.subscribers).max(1) as f64
    )?;
    // The HTTP path: NDJSON bodies through the whole axum app (routing, auth, parsing, ingest),
    // in process (no sockets), into a fresh data folder.
    let http_data = data.join("http");
    let events_per_s = runtime.block_on(http_ndjson(
        &http_data,
        strategy.clone(),
        &operator,
        &events,
        args.batch,
    ))?;
    writeln!(
        out,
        "| HTTP NDJSON ingest (in-process app, durable) | {events_per_s:.0} events/s |"
    )?;

    let t = Instant::now();
    let reopened = Hub::open(&data, strategy)?;
    writeln!(
        out,
        "| recovery (journal replay) | {:.2} s for {} customers |",
        t.elapsed().as_secs_f64(),
        reopened.customer_count()
    )?;
    drop(reopened);
    if args.data.is_none() {
        let _ = std::fs::remove_dir_all(&data);
    }
    Ok(())
}

/// Posts `events` as NDJSON batches to `POST /v1/events` of an in-process app; events/s.
async fn http_ndjson(
    data: &std::path::Path,
    strategy: Arc<concord_strategy::Strategy>,
    operator: &Operator,
    events: &[concord_model::Event],
    batch: usize,
) -> anyhow::Result<f64> {
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    const KEY: &str = "bench-admin-key-000000000001";
    let hub = Hub::open(data, strategy)?;
    demo::load_base(&hub, operator).await?;
    let keys = concord_server::ApiKeys::parse(&format!("admin={KEY}"))?;
    let state =
        concord_server::AppState::new(Arc::new(hub), keys, Arc::new(concord_model::SystemClock));
    let app = concord_server::app(state);
    let bodies: Vec<String> = events
        .chunks(batch.max(1))
        .map(|chunk| {
            chunk
                .iter()
                .map(|e| serde_json::to_string(e).unwrap_or_default())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .collect();
    let t = Instant::now();
    for body in bodies {
        let request = Request::post("/v1/events")
            .header("authorization", format!("Bearer {KEY}"))
            .header("content-type", "application/x-ndjson")
            .body(Body::from(body))?;
        let response = app.clone().oneshot(request).await?;
        anyhow::ensure!(
            response.status().is_success(),
            "POST /v1/events answered {}",
            response.status()
        );
    }
    Ok(events.len() as f64 / t.elapsed().as_secs_f64())
}
