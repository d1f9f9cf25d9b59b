//! Crash test: the real server is killed with SIGKILL at random moments while a client streams
//! events; after each restart every acknowledged event must be in the profile, exactly once.

mod common;

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_concord");
const ADMIN: &str = "crash-admin-key-0000000001";
const CUSTOMERS: usize = 20;
/// Concurrent clients streaming events.
const STREAMS: usize = 3;

/// Rounds of (serve, stream, SIGKILL, restart, verify); override with CONCORD_CRASH_ROUNDS.
fn rounds() -> usize {
    std::env::var("CONCORD_CRASH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(20)
}

/// The example strategy plus a lifetime count of the events this test sends.
fn strategy(dir: &Path) -> PathBuf {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/telco");
    let target = dir.join("strategy");
    copy_dir(&source, &target);
    let profile = target.join("profile.yaml");
    let text = std::fs::read_to_string(&profile).expect("profile.yaml");
    let text = text.replacen(
        "aggregates:\n",
        "aggregates:\n  crash_sms: {event: sms, function: count}\n",
        1,
    );
    std::fs::write(&profile, text).expect("write profile.yaml");
    target
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("readable").flatten() {
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(entry.file_name()));
        } else {
            std::fs::copy(&path, to.join(entry.file_name())).expect("copy");
        }
    }
}

/// A server process, killed (SIGKILL) when dropped, so a failed assertion leaves none behind.
struct Server(Child);

impl Server {
    fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

fn serve(strategy: &Path, data: &Path) -> (Server, String) {
    let port = common::free_port();
    let child = Command::new(BIN)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        // A snapshot every second something changed: kills land before, during and after them.
        .args(["--snapshot-every-secs", "1", "--snapshot-after-mib", "0"])
        .arg("--strategy")
        .arg(strategy)
        .arg("--data")
        .arg(data)
        .env("CONCORD_API_KEYS", format!("admin={ADMIN}"))
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .spawn()
        .map(Server)
        .expect("serve starts");
    let url = format!("http://127.0.0.1:{port}");
    let client = client();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if client
            .get(format!("{url}/readyz"))
            .send()
            .is_ok_and(|r| r.status().is_success())
        {
            return (child, url);
        }
        assert!(Instant::now() < deadline, "{url} never became ready");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client")
}

fn batch(round: usize, stream: usize, first: usize, n: usize) -> (String, Vec<(usize, String)>) {
    let time = jiff::Timestamp::now().to_string();
    let mut lines = Vec::with_capacity(n);
    let mut ids = Vec::with_capacity(n);
    for i in first..first + n {
        let customer = i % CUSTOMERS;
        let id = format!("r{round}-s{stream}-e{i}");
        lines.push(json!({"event_id": id, "customer_id": format!("crash-{customer}"), "time": time, "type": "sms"}).to_string());
        ids.push((customer, id));
    }
    (lines.join("\n"), ids)
}

fn stored_counts(url: &str) -> Vec<f64> {
    let client = client();
    (0..CUSTOMERS)
        .map(|c| {
            let response = client
                .get(format!("{url}/v1/customers/crash-{c}"))
                .bearer_auth(ADMIN)
                .send()
                .expect("answered");
            if response.status() == 404 {
                return 0.0;
            }
            let body: Value = response.json().expect("json");
            body["aggregates"]["crash_sms"].as_f64().unwrap_or(0.0)
        })
        .collect()
}

/// Waits until a snapshot newer than `since` is in the data folder.
fn wait_for_snapshot(data: &Path, since: std::time::SystemTime) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let written = std::fs::read_dir(data.join("snapshots"))
            .into_iter()
            .flatten()
            .flatten()
            .any(|e| {
                e.path().extension().is_some_and(|x| x == "snap")
                    && e.metadata()
                        .and_then(|m| m.modified())
                        .is_ok_and(|t| t >= since)
            });
        if written {
            return;
        }
        assert!(Instant::now() < deadline, "no snapshot was written in 30 s");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn sigkill_never_loses_an_acknowledged_event() {
    let dir = tempfile::tempdir().expect("temp dir");
    let strategy = strategy(dir.path());
    let data = dir.path().join("data");
    // Per customer: acknowledged events (lower bound) and sent events (upper bound), all rounds.
    let mut acked = [0usize; CUSTOMERS];
    let mut sent = [0usize; CUSTOMERS];
    let mut rng_state: u64 = 0x5eed_c0de;
    let mut next_delay = || {
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        Duration::from_millis(30 + rng_state % 400)
    };
    for round in 0..rounds() {
        let round_started = std::time::SystemTime::now();
        let (mut child, url) = serve(&strategy, &data);
        let stop = Arc::new(AtomicBool::new(false));
        let round_acked = Arc::new(Mutex::new(Vec::<usize>::new()));
        let round_sent = Arc::new(Mutex::new(Vec::<usize>::new()));
        // Several clients at once, so batches are in flight together when a snapshot cuts.
        let streamers: Vec<_> = (0..STREAMS)
            .map(|stream| {
                let (stop, round_acked, round_sent, url) = (
                    stop.clone(),
                    round_acked.clone(),
                    round_sent.clone(),
                    url.clone(),
                );
                std::thread::spawn(move || {
                    let client = client();
                    let mut first = 0;
                    while !stop.load(Ordering::SeqCst) {
                        let (body, ids) = batch(round, stream, first, 50);
                        first += 50;
                        round_sent
                            .lock()
                            .expect("lock")
                            .extend(ids.iter().map(|(c, _)| *c));
                        let answer = client
                            .post(format!("{url}/v1/events"))
                            .bearer_auth(ADMIN)
                            .body(body)
                            .send();
                        match answer {
                            Ok(r) if r.status().is_success() => {
                                round_acked
                                    .lock()
                                    .expect("lock")
                                    .extend(ids.iter().map(|(c, _)| *c));
                            }
                            // The server died mid-request: this batch is unacknowledged.
                            _ => break,
                        }
                    }
                })
            })
            .collect();
        if round % 2 == 1 {
            // Every other round runs until a snapshot was written under load, so the restart
            // restores it and replays the journal after it.
            wait_for_snapshot(&data, round_started);
        }
        std::thread::sleep(next_delay());
        child.kill(); // std's kill is SIGKILL on Unix: no graceful shutdown
        stop.store(true, Ordering::SeqCst);
        for streamer in streamers {
            streamer.join().expect("streamer");
        }
        for c in round_acked.lock().expect("lock").iter() {
            acked[*c] += 1;
        }
        for c in round_sent.lock().expect("lock").iter() {
            sent[*c] += 1;
        }

        let (_restarted, url) = serve(&strategy, &data);
        let stored = stored_counts(&url);
        for c in 0..CUSTOMERS {
            assert!(
                stored[c] >= acked[c] as f64 && stored[c] <= sent[c] as f64,
                "round {round}, customer {c}: stored {} outside acknowledged {} ..= sent {}",
                stored[c],
                acked[c],
                sent[c]
            );
        }
    }
    assert!(
        acked.iter().sum::<usize>() > 0,
        "no batch was ever acknowledged: the test proved nothing"
    );
}
