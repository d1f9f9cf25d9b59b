//! End to end with the real binary: demo and serve on a free port, driven over HTTP.

mod common;

use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_concord");

fn example_strategy() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/telco")
}

/// A running `concord` process, killed when dropped.
struct Running {
    child: Child,
    url: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `concord demo` and reads the banner's export line: URL, keys, example customer.
fn start_demo(data: &Path, traffic: u32) -> (Running, HashMap<String, String>) {
    let mut child = Command::new(BIN)
        .args([
            "demo",
            "--subscribers",
            "300",
            "--listen",
            "127.0.0.1:0",
            "--history-hours",
            "2",
            "--traffic",
            &traffic.to_string(),
        ])
        .arg("--data")
        .arg(data)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("concord demo starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut vars = HashMap::new();
    let mut lines = BufReader::new(stdout).lines();
    for line in lines.by_ref() {
        let line = line.expect("stdout is text");
        if let Some(exports) = line.trim().strip_prefix("export ") {
            for pair in exports.split_whitespace() {
                if let Some((name, value)) = pair.split_once('=') {
                    vars.insert(name.to_owned(), value.to_owned());
                }
            }
            break;
        }
    }
    // Keep draining stdout so the demo never writes into a closed pipe.
    std::thread::spawn(move || lines.for_each(drop));
    let url = vars
        .get("CONCORD")
        .cloned()
        .expect("the banner prints the URL");
    (Running { child, url }, vars)
}

const ADMIN: &str = "e2e-admin-key-0000000001";

/// Starts `concord serve` on a free port with the example strategy, `data`, an admin key and
/// `extra` flags; waits until it is ready.
fn start_serve(data: &Path, extra: &[&str]) -> Running {
    let port = common::free_port();
    let child = Command::new(BIN)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .arg("--strategy")
        .arg(example_strategy())
        .arg("--data")
        .arg(data)
        .args(extra)
        .env("CONCORD_API_KEYS", format!("admin={ADMIN}"))
        .env("RUST_LOG", "warn")
        .spawn()
        .expect("concord serve starts");
    let running = Running {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    wait_ready(&running.url);
    running
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client builds")
}

fn send(method: &str, url: &str, key: &str, body: Option<String>) -> (u16, Value) {
    let client = client();
    let request = match method {
        "GET" => client.get(url),
        _ => client.post(url).header("content-type", "application/json"),
    };
    let request = request.bearer_auth(key);
    let request = match body {
        Some(body) => request.body(body),
        None => request,
    };
    let response = request.send().expect("request is answered");
    let status = response.status().as_u16();
    let text = response.text().expect("body is text");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn wait_ready(url: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(r) = client().get(format!("{url}/readyz")).send()
            && r.status().is_success()
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("{url} never became ready");
}

#[test]
fn demo_serves_the_whole_path_events_decision_response_kpis_profile() {
    let data = tempfile::tempdir().expect("temp dir");
    let (demo, vars) = start_demo(&data.path().join("demo"), 0);
    let url = &demo.url;
    let (admin, channel, marketer, agent) = (
        &vars["ADMIN_KEY"],
        &vars["CHANNEL_KEY"],
        &vars["MARKETER_KEY"],
        &vars["AGENT_KEY"],
    );
    let customer = &vars["CUSTOMER"];
    wait_ready(url);

    let minutes_ago = |m: i64| {
        jiff::Timestamp::now()
            .checked_sub(jiff::SignedDuration::from_mins(m))
            .expect("a recent time")
            .to_string()
    };
    let events = [
        json!({"event_id": "e2e-1", "customer_id": customer, "time": minutes_ago(30), "type": "dropped_call", "cell": "CPT-001"}),
        json!({"event_id": "e2e-2", "customer_id": customer, "time": minutes_ago(20), "type": "dropped_call", "cell": "CPT-001"}),
        json!({"event_id": "e2e-3", "customer_id": customer, "time": minutes_ago(10), "type": "dropped_call", "cell": "CPT-001"}),
    ];
    let ndjson = events
        .iter()
        .map(Value::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    let (status, report) = send("POST", &format!("{url}/v1/events"), admin, Some(ndjson));
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["accepted"], 3);

    let (status, decision) = send(
        "POST",
        &format!("{url}/v1/decisions"),
        channel,
        Some(json!({"customer_id": customer, "channel": "ussd"}).to_string()),
    );
    assert_eq!(status, 200, "{decision}");
    let top = decision["actions"][0]["action_id"]
        .as_str()
        .expect("at least one action")
        .to_owned();
    let decision_id = decision["decision_id"]
        .as_str()
        .expect("decision id")
        .to_owned();

    let (status, body) = send(
        "POST",
        &format!("{url}/v1/responses"),
        channel,
        Some(
            json!({"decision_id": decision_id, "action_id": top, "outcome": "accepted"})
                .to_string(),
        ),
    );
    assert_eq!(status, 200, "{body}");

    let (status, kpis) = send("GET", &format!("{url}/v1/kpis"), marketer, None);
    assert_eq!(status, 200);
    assert!(kpis["total"]["accepts"].as_u64() >= Some(1), "{kpis}");

    let (status, profile) = send(
        "GET",
        &format!("{url}/v1/customers/{customer}"),
        agent,
        None,
    );
    assert_eq!(status, 200);
    assert!(
        profile["aggregates"]["dropped_calls_24h"].as_f64() >= Some(3.0),
        "{profile}"
    );
    // The decision is among the newest (a follow-up SMS of the acceptance may follow it).
    let recent = profile["recent_decisions"]
        .as_array()
        .expect("recent decisions");
    assert!(
        recent
            .iter()
            .take(2)
            .any(|d| d["decision_id"] == decision_id.as_str()),
        "{profile}"
    );

    // Three dropped calls in 24 hours make the health check eligible in the call centre.
    let (status, decision) = send(
        "POST",
        &format!("{url}/v1/decisions"),
        agent,
        Some(json!({"customer_id": customer, "channel": "call_centre", "context": {"call_reason": "network"}}).to_string()),
    );
    assert_eq!(status, 200, "{decision}");
    let offered: Vec<&str> = decision["actions"]
        .as_array()
        .map(|a| a.iter().filter_map(|x| x["action_id"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        offered.contains(&"svc_dropped_call_health_check"),
        "{decision}"
    );

    let (status, _) = send("GET", &format!("{url}/v1/kpis"), channel, None);
    assert_eq!(status, 403, "a channel key may not read KPIs");

    // The *123# menu as a gateway drives it: open, choose 1, accept; the acceptance counts.
    let accepts = kpis["total"]["accepts"].as_u64().unwrap_or(0);
    let ussd = |input: &str| {
        send(
            "POST",
            &format!("{url}/v1/ussd"),
            channel,
            Some(json!({"session_id": "e2e-s", "msisdn": customer, "input": input}).to_string()),
        )
    };
    let (status, menu) = ussd("*123#");
    assert_eq!(status, 200, "{menu}");
    let page = menu["text"].as_str().expect("a page");
    assert!(
        page.starts_with("Just For You\n1. ") && page.chars().count() <= 182,
        "{page}"
    );
    let (status, confirm) = ussd("1");
    assert_eq!(status, 200);
    assert!(
        confirm["text"]
            .as_str()
            .is_some_and(|t| t.ends_with("1. Accept\n0. Back")),
        "{confirm}"
    );
    let (status, done) = ussd("1");
    assert_eq!((status, &done["end"]), (200, &json!(true)), "{done}");
    let (_, kpis) = send("GET", &format!("{url}/v1/kpis"), marketer, None);
    assert!(kpis["total"]["accepts"].as_u64() > Some(accepts), "{kpis}");
}

#[test]
fn serve_recovers_acknowledged_state_after_a_kill() {
    let data = tempfile::tempdir().expect("temp dir");
    let admin = ADMIN;
    let first = start_serve(data.path(), &[]);
    let event = json!({"event_id": "r1", "customer_id": "27829990000", "time": "2026-11-20T08:00:00Z", "type": "product_added", "product": "roaming_pack"});
    let (status, report) = send(
        "POST",
        &format!("{}/v1/events", first.url),
        admin,
        Some(event.to_string()),
    );
    assert_eq!(status, 200, "{report}");
    drop(first); // SIGKILL: no graceful shutdown

    let second = start_serve(data.path(), &[]);
    let (status, profile) = send(
        "GET",
        &format!("{}/v1/customers/27829990000", second.url),
        admin,
        None,
    );
    assert_eq!(status, 200, "{profile}");
    assert_eq!(profile["holdings"], json!(["roaming_pack"]));
    let (status, report) = send(
        "POST",
        &format!("{}/v1/events", second.url),
        admin,
        Some(event.to_string()),
    );
    assert_eq!(
        (status, report["duplicates"].as_u64()),
        (200, Some(1)),
        "{report}"
    );
}

#[test]
fn serve_refuses_an_invalid_strategy_and_missing_keys() {
    let data = tempfile::tempdir().expect("temp dir");
    let broken = data.path().join("broken");
    std::fs::create_dir_all(&broken).expect("mkdir");
    let output = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .arg("--strategy")
        .arg(&broken)
        .arg("--data")
        .arg(data.path().join("d"))
        .env("CONCORD_API_KEYS", "admin=e2e-admin-key-0000000001")
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("strategy.yaml"), "{stderr}");

    let output = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .arg("--strategy")
        .arg(example_strategy())
        .arg("--data")
        .arg(data.path().join("d"))
        .env_remove("CONCORD_API_KEYS")
        .output()
        .expect("runs");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("CONCORD_API_KEYS"));
}

#[test]
fn check_passes_the_example_and_fails_a_broken_folder_with_its_location() {
    let output = Command::new(BIN)
        .arg("check")
        .arg(example_strategy())
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains(": ok:"));

    let dir = tempfile::tempdir().expect("temp dir");
    for entry in walk(&example_strategy()) {
        let relative = entry.strip_prefix(example_strategy()).expect("inside");
        let target = dir.path().join(relative);
        std::fs::create_dir_all(target.parent().expect("has parent")).expect("mkdir");
        std::fs::copy(&entry, &target).expect("copy");
    }
    let channels = dir.path().join("channels.yaml");
    let text = std::fs::read_to_string(&channels).expect("channels.yaml exists");
    std::fs::write(&channels, format!("{text}\ncolour: blue\n")).expect("write");
    let output = Command::new(BIN)
        .arg("check")
        .arg(dir.path())
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = text.lines().count() + 2;
    assert!(
        stderr.contains(&format!("channels.yaml:{line}:1")),
        "{stderr}"
    );
    assert!(stderr.contains("colour"), "{stderr}");

    // With a connections file: the example's passes; one that misses the charging endpoint
    // and routes an inbound channel fails, naming both.
    let output = Command::new(BIN)
        .arg("check")
        .arg(example_strategy())
        .arg("--connections")
        .arg(example_strategy().join("../connections.yaml"))
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let bad = dir.path().join("connections.yaml");
    std::fs::write(
        &bad,
        "sinks:\n  calls: {file: {dir: out}}\nchannels:\n  ussd: calls\n",
    )
    .expect("write");
    let output = Command::new(BIN)
        .arg("check")
        .arg(example_strategy())
        .arg("--connections")
        .arg(&bad)
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("channels.ussd: `ussd` is not an outbound channel"),
        "{stderr}"
    );
    assert!(
        stderr.contains("is fulfilled through endpoint `charging`, which is not defined here"),
        "{stderr}"
    );

    let output = Command::new(BIN).arg("schema").output().expect("runs");
    assert!(output.status.success());
    let schema: Value = serde_json::from_slice(&output.stdout).expect("schema is JSON");
    assert!(schema.is_object());
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("readable").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn demo_traffic_is_answered_from_the_simulator_and_shows_in_kpis() {
    let data = tempfile::tempdir().expect("temp dir");
    let (demo, vars) = start_demo(&data.path().join("demo"), 200);
    wait_ready(&demo.url);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, kpis) = send(
            "GET",
            &format!("{}/v1/kpis", demo.url),
            &vars["MARKETER_KEY"],
            None,
        );
        assert_eq!(status, 200, "{kpis}");
        let total = &kpis["total"];
        let responded = kpis["rows"]
            .as_array()
            .map(|rows| {
                rows.iter()
                    .map(|r| {
                        ["accepts", "declines", "clicks", "ignores"]
                            .iter()
                            .filter_map(|k| r[*k].as_u64())
                            .sum::<u64>()
                    })
                    .sum::<u64>()
            })
            .unwrap_or(0);
        if total["impressions"].as_u64() > Some(0) && responded > 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no simulated traffic reached the KPIs: {kpis}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[cfg(feature = "kafka")]
#[test]
fn serve_consumes_events_from_kafka_and_fires_triggers() {
    use rdkafka::ClientConfig;
    use rdkafka::mocking::MockCluster;
    use rdkafka::producer::{BaseProducer, BaseRecord, Producer};

    // librdkafka's mock cluster speaks the real protocol on loopback; the server is a separate process.
    let cluster = MockCluster::new(1).expect("mock cluster");
    cluster.create_topic("events", 2, 1).expect("topic");
    let bootstrap = cluster.bootstrap_servers();
    let data = tempfile::tempdir().expect("temp dir");
    let admin = ADMIN;
    let group = format!(
        "e2e-{}-{}",
        std::process::id(),
        jiff::Timestamp::now().as_nanosecond()
    );
    let server = start_serve(
        data.path(),
        &[
            "--kafka-brokers",
            &bootstrap,
            "--kafka-topic",
            "events",
            "--kafka-group",
            &group,
            "--kafka-option",
            "session.timeout.ms=6000",
            "--kafka-option",
            "heartbeat.interval.ms=500",
        ],
    );

    let producer: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", &bootstrap)
        .create()
        .expect("producer");
    let customer = "27831112222";
    let now = jiff::Timestamp::now();
    for i in 0..3 {
        let event = json!({"event_id": format!("k{i}"), "customer_id": customer, "time": now.to_string(), "type": "dropped_call", "cell": "K1"});
        let value = event.to_string();
        producer
            .send(BaseRecord::to("events").key(customer).payload(&value))
            .map_err(|(e, _)| e)
            .expect("queued");
    }
    producer.flush(Duration::from_secs(30)).expect("delivered");

    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let (status, profile) = send(
            "GET",
            &format!("{}/v1/customers/{customer}", server.url),
            admin,
            None,
        );
        if status == 200 && profile["aggregates"]["dropped_calls_24h"].as_f64() == Some(3.0) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the events never arrived from Kafka: {status} {profile}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let (status, triggers) = send("GET", &format!("{}/v1/triggers", server.url), admin, None);
    assert_eq!(status, 200);
    assert_eq!(
        triggers["counts"]["dropped_calls_health_check"], 1,
        "{triggers}"
    );
}

/// Runs `concord load` with the example strategy.
fn load(data: &Path, mapping: &Path, file: &Path) -> std::process::Output {
    Command::new(BIN)
        .arg("load")
        .arg("--strategy")
        .arg(example_strategy())
        .arg("--data")
        .arg(data)
        .arg("--mapping")
        .arg(mapping)
        .arg(file)
        .env("RUST_LOG", "warn")
        .output()
        .expect("runs")
}

fn shared_data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(name)
}

#[test]
fn load_puts_a_real_base_into_the_data_folder_that_serve_then_answers_from() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let mapping = example_strategy().join("loads/wa_churn.yaml");
    let output = load(&data, &mapping, &shared_data("wa_churn.csv"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("7043 rows read, 7043 loaded, 0 rejected"),
        "{stdout}"
    );

    // A CSV with a bad row: the good rows load, the bad one is reported with its line and column.
    let bad_csv = dir.path().join("bad.csv");
    let text = std::fs::read_to_string(shared_data("wa_churn.csv")).expect("read");
    let mut lines: Vec<String> = text.lines().take(4).map(str::to_owned).collect();
    let header: Vec<&str> = lines[0].split(',').collect();
    let tenure = header
        .iter()
        .position(|h| *h == "tenure")
        .expect("tenure column");
    for (i, line) in lines.iter_mut().enumerate().skip(1) {
        let mut cells: Vec<String> = line.split(',').map(str::to_owned).collect();
        // Fresh ids (rownames is the first column), so the rows are new to the data folder.
        cells[0] = format!("9{i}000");
        if i == 3 {
            cells[tenure] = "abc".into();
        }
        *line = cells.join(",");
    }
    std::fs::write(&bad_csv, lines.join("\n") + "\n").expect("write");
    let output = load(&data, &mapping, &bad_csv);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("3 rows read, 2 loaded, 1 rejected"),
        "{stdout}"
    );
    assert!(stdout.contains("(line 4), column `tenure`"), "{stdout}");

    let admin = ADMIN;
    let server = start_serve(&data, &[]);
    let (status, profile) = send(
        "GET",
        &format!("{}/v1/customers/wa-1", server.url),
        admin,
        None,
    );
    assert_eq!(status, 200, "{profile}");
    assert_eq!(profile["attributes"]["tenure_months"], 1.0, "{profile}");
    assert_eq!(profile["attributes"]["segment"], "postpaid");
    let (status, health) = send("GET", &format!("{}/healthz", server.url), admin, None);
    assert_eq!((status, health["customers"].as_u64()), (200, Some(7045)));
}

#[test]
fn load_refuses_a_bad_mapping_and_a_folder_in_use() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mapping = dir.path().join("bad.yaml");
    std::fs::write(
        &mapping,
        "id: rownames\nattributes:\n  colour: {column: tenure}\n",
    )
    .expect("write");
    let output = load(
        &dir.path().join("data"),
        &mapping,
        &shared_data("wa_churn.csv"),
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("bad.yaml:3:3: attributes.colour"),
        "{stderr}"
    );
}

#[test]
fn bench_ingest_reports_every_figure() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = Command::new(BIN)
        .args([
            "bench",
            "ingest",
            "--subscribers",
            "300",
            "--days",
            "1",
            "--batch",
            "500",
        ])
        .arg("--data")
        .arg(dir.path().join("bench"))
        .env("RUST_LOG", "warn")
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for row in [
        "in-memory event apply",
        "durable event ingest",
        "durable base load",
        "recovery (journal replay) | ",
    ] {
        assert!(stdout.contains(row), "no {row} in:\n{stdout}");
    }
    assert!(stdout.contains("for 300 customers"), "{stdout}");
}

/// `?explain=true` returns what the log keeps (reads, seed) and the trace; the running server
/// replays a decision (GET /v1/decisions/{id}/replay), and so does `concord replay` on the
/// data folder once the server is gone: identical, bit for bit, exit 0. An unknown id fails
/// with a clear message.
#[test]
fn decisions_replay_over_http_and_from_the_cli() {
    let data = tempfile::tempdir().expect("temp dir");
    let server = start_serve(data.path(), &[]);
    let event = json!({"event_id": "x1", "customer_id": "27829990001", "time": "2026-11-20T08:00:00Z", "type": "recharge", "amount": 25.0, "channel": "ussd"});
    let (status, report) = send(
        "POST",
        &format!("{}/v1/events", server.url),
        ADMIN,
        Some(event.to_string()),
    );
    assert_eq!(status, 200, "{report}");
    let (status, decision) = send(
        "POST",
        &format!("{}/v1/decisions?explain=true", server.url),
        ADMIN,
        Some(json!({"customer_id": "27829990001", "channel": "ussd", "context": {"call_reason": "cancel"}, "time": "2026-11-20T09:00:00Z"}).to_string()),
    );
    assert_eq!(status, 200, "{decision}");
    assert!(decision["seed"].is_u64(), "{decision}");
    // The rules read the customer's open disputes (a count of their events: none) and asked
    // for a device type the profile does not hold.
    assert_eq!(
        (
            &decision["reads"]["customer.open_disputes"],
            &decision["reads"]["customer.device_type"]
        ),
        (&json!(0.0), &Value::Null),
        "{decision}"
    );
    let id = decision["decision_id"].as_str().expect("an id").to_owned();
    let (status, replay) = send(
        "GET",
        &format!("{}/v1/decisions/{id}/replay", server.url),
        ADMIN,
        None,
    );
    assert_eq!(status, 200, "{replay}");
    assert_eq!(replay["identical"], json!(true), "{replay}");
    assert_eq!(replay["replayed"], decision["actions"], "{replay}");
    assert_eq!(replay["trace"], decision["trace"], "{replay}");
    drop(server);

    let replay = |id: &str| {
        Command::new(BIN)
            .arg("replay")
            .arg("--strategy")
            .arg(example_strategy())
            .arg("--data")
            .arg(data.path())
            .arg(id)
            .env("RUST_LOG", "warn")
            .output()
            .expect("runs")
    };
    let output = replay(&id);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(text.contains("replayed: identical, bit for bit"), "{text}");
    assert!(text.contains("customer.open_disputes = 0"), "{text}");
    let output = replay("d-nope");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("unknown decision d-nope"), "{stderr}");
}
