//! Streams NDJSON event files to `POST /v1/events` in fixed-size batches over one or more
//! connections. A rejected line, a non-2xx answer or a count that does not add up stops the bench.

use anyhow::Context;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, mpsc};
use std::time::{Duration, Instant};

/// What the server acknowledged.
#[derive(Debug, Default, Clone, Copy)]
pub struct Posted {
    pub lines: u64,
    pub accepted: u64,
    pub triggers_fired: u64,
    pub seconds: f64,
}

/// One body of up to `batch` lines.
struct Body {
    text: String,
    lines: u64,
}

/// Posts every line of `files`, in order, `batch` lines a request, over `connections`
/// connections (each sends one request at a time).
pub fn post_events(
    url: &str,
    admin_key: &str,
    files: &[PathBuf],
    batch: usize,
    connections: usize,
) -> anyhow::Result<Posted> {
    let connections = connections.max(1);
    let (bodies_tx, bodies_rx) = mpsc::sync_channel::<Body>(connections * 2);
    let bodies_rx = Mutex::new(bodies_rx);
    let failed = AtomicBool::new(false);
    let endpoint = format!("{url}/v1/events");
    let started = Instant::now();
    let (read, posted) = std::thread::scope(|scope| {
        let posters: Vec<_> = (0..connections)
            .map(|_| {
                scope.spawn(|| {
                    let posted = poster(&endpoint, admin_key, &bodies_rx);
                    if posted.is_err() {
                        // Stop the reader, and drain what it already queued so it never blocks.
                        failed.store(true, Ordering::Relaxed);
                        while let Ok(receiver) = bodies_rx.lock() {
                            if receiver.recv().is_err() {
                                break;
                            }
                        }
                    }
                    posted
                })
            })
            .collect();
        let read = read_bodies(files, batch.max(1), &bodies_tx, &failed);
        drop(bodies_tx);
        let posted: Vec<anyhow::Result<Posted>> = posters
            .into_iter()
            .map(|p| {
                p.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("a poster thread panicked")))
            })
            .collect();
        (read, posted)
    });
    let mut total = Posted::default();
    for part in posted {
        let part = part?;
        total.lines += part.lines;
        total.accepted += part.accepted;
        total.triggers_fired += part.triggers_fired;
    }
    let read = read?;
    total.seconds = started.elapsed().as_secs_f64();
    anyhow::ensure!(
        total.lines == read,
        "read {read} event lines but posted {}",
        total.lines
    );
    anyhow::ensure!(
        total.accepted == read,
        "the server accepted {} of {read} events (the rest were duplicates)",
        total.accepted
    );
    Ok(total)
}

/// Cuts the files into bodies of `batch` lines; returns the lines read.
fn read_bodies(
    files: &[PathBuf],
    batch: usize,
    bodies: &mpsc::SyncSender<Body>,
    failed: &AtomicBool,
) -> anyhow::Result<u64> {
    let mut read = 0;
    let mut body = Body {
        text: String::new(),
        lines: 0,
    };
    for path in files {
        let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
        let mut reader = BufReader::with_capacity(1 << 20, file);
        loop {
            let before = body.text.len();
            let n = reader
                .read_line(&mut body.text)
                .with_context(|| format!("reading {}", path.display()))?;
            if n == 0 {
                break;
            }
            if body.text[before..].trim().is_empty() {
                body.text.truncate(before);
                continue;
            }
            body.lines += 1;
            read += 1;
            if body.lines as usize >= batch {
                let capacity = body.text.capacity();
                let full = std::mem::replace(
                    &mut body,
                    Body {
                        text: String::with_capacity(capacity),
                        lines: 0,
                    },
                );
                if failed.load(Ordering::Relaxed) || bodies.send(full).is_err() {
                    return Ok(read);
                }
            }
        }
    }
    if body.lines > 0 {
        let _ = bodies.send(body);
    }
    Ok(read)
}

/// Posts bodies until the channel closes; stops at the first failure.
fn poster(
    endpoint: &str,
    admin_key: &str,
    bodies: &Mutex<mpsc::Receiver<Body>>,
) -> anyhow::Result<Posted> {
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(600))
        .build()?;
    let mut posted = Posted::default();
    loop {
        let next = match bodies.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => anyhow::bail!("another poster panicked"),
        };
        let Ok(body) = next else {
            return Ok(posted);
        };
        let response = client
            .post(endpoint)
            .bearer_auth(admin_key)
            .header("content-type", "application/x-ndjson")
            .body(body.text)
            .send()
            .with_context(|| format!("POST {endpoint}"))?;
        let status = response.status();
        let text = response.text().context("reading the answer")?;
        anyhow::ensure!(
            status.is_success(),
            "POST {endpoint} answered {status}: {}",
            text.chars().take(2_000).collect::<String>()
        );
        let report: serde_json::Value =
            serde_json::from_str(&text).context("the answer is not JSON")?;
        let count = |field: &str| report[field].as_u64().unwrap_or(0);
        let rejected = report["rejected"].as_array().map_or(0, Vec::len);
        anyhow::ensure!(rejected == 0, "POST {endpoint} rejected lines: {text}");
        posted.lines += body.lines;
        posted.accepted += count("accepted");
        posted.triggers_fired += count("triggers_fired");
    }
}
