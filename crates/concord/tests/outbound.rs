//! Outbound and fulfilment end to end with the real binary (`concord serve --connections`),
//! against real HTTP servers in the test for the SMS gateway and the charging system:
//! three dropped calls put a customer on the call list once (the trigger's cool-down holds);
//! a bundle 85% used sends one SMS through a gateway that fails twice first; the USSD menu
//! then shows the same offer at the same price; accepting it provisions it exactly once, even
//! when the acceptance is replayed; a customer who opted out appears in no sink.

mod common;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};

use parking_lot::Mutex;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::Arc;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_concord");
const ADMIN: &str = "outbound-admin-key-000001";
const CHANNEL: &str = "outbound-channel-key-0001";
const BUNDLE: &str = "grow_bigger_bundle_private";

/// Every request a fake system got: (idempotency key, status answered, body).
#[derive(Default)]
struct Seen {
    requests: Mutex<Vec<(String, u16, Value)>>,
    /// Failures to answer each new key with before succeeding.
    fail_first: usize,
}

impl Seen {
    fn succeeded(&self) -> Vec<(String, Value)> {
        self.requests
            .lock()
            .iter()
            .filter(|(_, status, _)| *status < 300)
            .map(|(k, _, b)| (k.clone(), b.clone()))
            .collect()
    }

    fn tries(&self, key: &str) -> usize {
        self.requests
            .lock()
            .iter()
            .filter(|(k, _, _)| k == key)
            .count()
    }
}

async fn receive(
    State(seen): State<Arc<Seen>>,
    headers: HeaderMap,
    axum::Json(body): axum::Json<Value>,
) -> StatusCode {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let mut requests = seen.requests.lock();
    let before = requests.iter().filter(|(k, _, _)| *k == key).count();
    let status = if before < seen.fail_first { 503 } else { 200 };
    requests.push((key, status, body));
    StatusCode::from_u16(status).unwrap_or(StatusCode::OK)
}

/// Serves `seen` at `http://127.0.0.1:<port>/in` on `rt`; returns the URL.
fn fake_system(rt: &tokio::runtime::Runtime, seen: Arc<Seen>) -> String {
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("binds");
    let url = format!("http://{}/in", listener.local_addr().expect("addr"));
    let app = axum::Router::new()
        .route("/in", axum::routing::post(receive))
        .with_state(seen);
    rt.spawn(async move { axum::serve(listener, app).await });
    url
}

struct Serve(Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

fn post(url: &str, key: &str, body: Value) -> Value {
    let response = client()
        .post(url)
        .bearer_auth(key)
        .json(&body)
        .send()
        .expect("answered");
    let status = response.status();
    let body: Value = response.json().unwrap_or(Value::Null);
    assert!(status.is_success(), "{url}: {status} {body}");
    body
}

fn get(url: &str, key: &str) -> Value {
    client()
        .get(url)
        .bearer_auth(key)
        .send()
        .expect("answered")
        .json()
        .expect("json")
}

/// Polls `check` for up to 30 s.
fn eventually<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A test's folder, runtime and fake SMS gateway, with the example strategy and a data folder
/// in it.
struct Fixture {
    dir: tempfile::TempDir,
    rt: tokio::runtime::Runtime,
    sms: Arc<Seen>,
    sms_url: String,
    strategy: PathBuf,
    data: PathBuf,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let sms = Arc::new(Seen::default());
    let sms_url = fake_system(&rt, sms.clone());
    let strategy = strategy(dir.path());
    let data = dir.path().join("data");
    Fixture {
        dir,
        rt,
        sms,
        sms_url,
        strategy,
        data,
    }
}

/// The example strategy without quiet hours (the test runs at any hour), without outbound
/// maturity capping (young models reach everyone), and with the private bundle's lever raised
/// so the one SMS of the bundle trigger carries it whatever the exploration draws, in `dir`.
fn strategy(dir: &Path) -> PathBuf {
    let to = dir.join("strategy");
    common::copy_dir(&common::repo().join("examples/telco"), &to);
    let channels = std::fs::read_to_string(to.join("channels.yaml")).expect("channels");
    let channels: String = channels
        .lines()
        .filter(|l| !l.trim_start().starts_with("quiet_hours:"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(to.join("channels.yaml"), channels).expect("written");
    let models = std::fs::read_to_string(to.join("models.yaml")).expect("models");
    assert!(models.contains("outbound_start_share: 0.02"));
    std::fs::write(
        to.join("models.yaml"),
        models.replace("outbound_start_share: 0.02", "outbound_start_share: 1"),
    )
    .expect("written");
    let growth = std::fs::read_to_string(to.join("actions/growth.yaml")).expect("growth");
    assert!(growth.contains("    fulfilment: charging\n"));
    assert!(growth.contains("    lever: 5\n"));
    std::fs::write(
        to.join("actions/growth.yaml"),
        growth.replace("    lever: 5\n", "    lever: 1000\n"),
    )
    .expect("written");
    to
}

const BASE_HEADER: &str = "customer_id,segment,tenure_months,balance,avg_recharge,device_type,network,data_bundle_mb,consent_sms,consent_outbound_call\n";

/// Three customers: `bundle` (SMS consent), `caller` (call consent), `opted_out` (neither).
fn load_base(dir: &Path, strategy: &Path, data: &Path) {
    load_rows(
        dir,
        strategy,
        data,
        "27830000001,prepaid,20,80,20,smartphone,4g,1024,true,false\n\
         27830000002,prepaid,20,80,20,smartphone,4g,1024,false,true\n\
         27830000003,prepaid,20,80,20,smartphone,4g,1024,false,false\n",
    );
}

/// `concord load` of `rows` (CSV lines under [`BASE_HEADER`]).
fn load_rows(dir: &Path, strategy: &Path, data: &Path, rows: &str) {
    let csv = dir.join("base.csv");
    std::fs::write(&csv, format!("{BASE_HEADER}{rows}")).expect("csv");
    let mapping = dir.join("mapping.yaml");
    let mut yaml = String::from("id: customer_id\nattributes:\n");
    for column in [
        "segment",
        "tenure_months",
        "balance",
        "avg_recharge",
        "device_type",
        "network",
        "data_bundle_mb",
        "consent_sms",
        "consent_outbound_call",
    ] {
        yaml.push_str(&format!("  {column}: {{column: {column}}}\n"));
    }
    std::fs::write(&mapping, yaml).expect("mapping");
    let output = Command::new(BIN)
        .arg("load")
        .arg("--strategy")
        .arg(strategy)
        .arg("--data")
        .arg(data)
        .arg("--mapping")
        .arg(&mapping)
        .arg(&csv)
        .env("RUST_LOG", "warn")
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn event(id: &str, customer: &str, minutes_ago: i64, kind: Value) -> Value {
    let time = jiff::Timestamp::now()
        .checked_sub(jiff::SignedDuration::from_mins(minutes_ago))
        .expect("time");
    let mut event = json!({"event_id": id, "customer_id": customer, "time": time.to_string()});
    if let (Some(event), Some(kind)) = (event.as_object_mut(), kind.as_object()) {
        event.extend(kind.clone());
    }
    event
}

fn dropped(id: &str, customer: &str, minutes_ago: i64) -> Value {
    event(
        id,
        customer,
        minutes_ago,
        json!({"type": "dropped_call", "cell": "C-1"}),
    )
}

fn bundle(id: &str, customer: &str) -> Value {
    event(
        id,
        customer,
        1,
        json!({"type": "bundle_usage", "bundle": "data_1gb", "used_mb": 870.0, "total_mb": 1024.0}),
    )
}

/// `concord serve` on a free port with the connections file, once ready; its base URL.
fn serve(strategy: &Path, data: &Path, connections: &Path) -> (Serve, String) {
    let port = common::free_port();
    let url = format!("http://127.0.0.1:{port}");
    let serve = Serve(
        Command::new(BIN)
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .arg("--strategy")
            .arg(strategy)
            .arg("--data")
            .arg(data)
            .arg("--connections")
            .arg(connections)
            .env(
                "CONCORD_API_KEYS",
                format!("admin={ADMIN},channel={CHANNEL}"),
            )
            .env("RUST_LOG", "warn")
            .spawn()
            .expect("serve starts"),
    );
    eventually("ready", || {
        client()
            .get(format!("{url}/readyz"))
            .send()
            .ok()
            .filter(|r| r.status().is_success())
    });
    (serve, url)
}

/// Every row of every call-list file in `dir`, as (customer, action).
fn call_list(dir: &Path) -> Vec<(String, String)> {
    let mut rows = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "csv") {
            let mut reader = csv::Reader::from_path(&path).expect("csv");
            let headers = reader.headers().expect("headers").clone();
            let at = |name: &str| headers.iter().position(|h| h == name).expect(name);
            let (customer, action) = (at("customer_id"), at("action_id"));
            for record in reader.records() {
                let record = record.expect("row");
                rows.push((record[customer].to_owned(), record[action].to_owned()));
            }
        }
    }
    rows
}

#[test]
fn triggers_reach_the_sinks_once_and_an_acceptance_is_provisioned_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let sms = Arc::new(Seen {
        fail_first: 2,
        ..Seen::default()
    });
    let charging = Arc::new(Seen::default());
    let sms_url = fake_system(&rt, sms.clone());
    let charging_url = fake_system(&rt, charging.clone());
    let strategy = strategy(dir.path());
    let data = dir.path().join("data");
    load_base(dir.path(), &strategy, &data);
    let calls = dir.path().join("calls");
    let connections = dir.path().join("connections.yaml");
    std::fs::write(
        &connections,
        format!(
            "endpoints:\n  charging: {{url: \"{charging_url}\", attempts: 3, backoff: 20ms}}\n\
             sinks:\n  call_list: {{file: {{dir: calls, format: csv}}}}\n  sms_gateway: {{webhook: {{url: \"{sms_url}\", attempts: 4, backoff: 20ms, max_backoff: 100ms}}}}\n\
             channels:\n  outbound_call: call_list\n  sms: sms_gateway\n"
        ),
    )
    .expect("connections");
    let (_serve, url) = serve(&strategy, &data, &connections);

    // Three dropped calls for the caller and the opted-out customer; a bundle 85% used for
    // the SMS customer and the opted-out one.
    let mut events = Vec::new();
    for customer in ["27830000002", "27830000003"] {
        for k in 0..3 {
            events.push(dropped(&format!("{customer}-drop-{k}"), customer, 10 - k));
        }
    }
    for customer in ["27830000001", "27830000003"] {
        events.push(bundle(&format!("{customer}-bundle"), customer));
    }
    post(&format!("{url}/v1/events"), ADMIN, Value::Array(events));

    let calls_rows = eventually("the call list", || {
        let rows = call_list(&calls);
        (!rows.is_empty()).then_some(rows)
    });
    let (sms_key, sms_body) = eventually("the SMS", || sms.succeeded().into_iter().next());
    // More dropped calls inside the trigger's cool-down: no second call.
    let more: Vec<Value> = (3..6)
        .map(|k| dropped(&format!("27830000002-drop-{k}"), "27830000002", 6 - k))
        .collect();
    post(&format!("{url}/v1/events"), ADMIN, Value::Array(more));
    std::thread::sleep(Duration::from_millis(2_500));
    let calls_rows_after = call_list(&calls);
    assert_eq!(calls_rows, calls_rows_after, "the cool-down holds");
    assert_eq!(
        calls_rows,
        vec![(
            "27830000002".to_owned(),
            "svc_dropped_call_health_check".to_owned()
        )],
        "the caller, once; never the opted-out customer"
    );
    // The SMS: delivered once through two failures, to the SMS customer only.
    let delivered = sms.succeeded();
    assert_eq!(delivered.len(), 1, "{delivered:?}");
    assert_eq!(sms.tries(&sms_key), 3, "two failures, then the delivery");
    assert_eq!(sms_body["customer_id"], "27830000001");
    assert_eq!(sms_body["action_id"], BUNDLE);
    let sms_text = sms_body["text"].as_str().expect("a text").to_owned();
    let price = sms_text
        .split("price of R")
        .nth(1)
        .and_then(|rest| rest.split(',').next())
        .expect("the SMS names the price")
        .to_owned();
    assert!(
        sms.requests
            .lock()
            .iter()
            .all(|(_, _, b)| b["customer_id"] != "27830000003"),
        "the opted-out customer is in no sink"
    );

    // The outbox: nothing waiting, the call and the SMS delivered.
    let outbox = eventually("the outbox to empty", || {
        let o = get(&format!("{url}/v1/outbound"), ADMIN);
        (o["pending"].as_array().is_some_and(Vec::is_empty) && o["contacts_delivered"] == 2)
            .then_some(o)
    });
    assert_eq!(outbox["contacts_failed"], 0, "{outbox}");
    let metrics = client()
        .get(format!("{url}/metrics"))
        .send()
        .and_then(reqwest::blocking::Response::text)
        .expect("metrics");
    assert!(
        metrics.contains("concord_outbound_contacts_delivered 2"),
        "{metrics}"
    );

    // The USSD menu shows the same offer at the same price; accept it.
    let ussd = |input: &str, id: &str| {
        post(
            &format!("{url}/v1/ussd"),
            CHANNEL,
            json!({"session_id": "s-1", "msisdn": "27830000001", "input": input, "request_id": id}),
        )
    };
    let menu = ussd("*123#", "r1");
    let text = menu["text"].as_str().expect("menu text").to_owned();
    let line = text
        .lines()
        .find(|l| l.contains("2GB at your price"))
        .unwrap_or_else(|| panic!("the offer is on the menu:\n{text}"));
    assert!(
        line.contains(&format!("R{price}")),
        "{line} vs SMS {sms_text}"
    );
    let option = line.split('.').next().expect("numbered").to_owned();
    let confirm = ussd(&option, "r2");
    assert!(
        confirm["text"]
            .as_str()
            .unwrap_or_default()
            .contains(&price),
        "{confirm}"
    );
    let done = ussd("1", "r3");
    assert_eq!(done["end"], true, "{done}");

    // Provisioned once; the acceptance replayed through the API changes nothing.
    let provisions = eventually("the provisioning", || {
        let p = get(&format!("{url}/v1/provisions"), ADMIN);
        (p["provisioned"] == 1).then_some(p)
    });
    let decision = provisions["recent"][0]["decision_id"]
        .as_str()
        .expect("decision")
        .to_owned();
    let replayed = post(
        &format!("{url}/v1/responses"),
        CHANNEL,
        json!({"decision_id": decision, "action_id": BUNDLE, "outcome": "accepted"}),
    );
    assert_eq!(replayed["duplicate"], true, "{replayed}");
    std::thread::sleep(Duration::from_millis(1_500));
    let provisioned = charging.succeeded();
    assert_eq!(provisioned.len(), 1, "exactly one provisioning call");
    assert_eq!(charging.requests.lock().len(), 1);
    let (key, body) = &provisioned[0];
    assert_eq!(key, &format!("{decision}:{BUNDLE}"));
    assert_eq!(body["customer_id"], "27830000001");
    assert_eq!(
        body["price"].as_f64(),
        price.parse::<f64>().ok(),
        "the price shown everywhere"
    );
}

fn post_status(url: &str, key: &str, body: &str) -> (u16, Value) {
    let response = client()
        .post(url)
        .bearer_auth(key)
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .expect("answered");
    let status = response.status().as_u16();
    (status, response.json().unwrap_or(Value::Null))
}

/// Customer `i` of the run test's base: tenure `i % 40` months; SMS consent unless `i % 3 ==
/// 0`; call consent when `i` is even; postpaid when `i % 4 == 0` (the example's contract
/// renewal call is for postpaid customers of 22 months or more).
fn run_customer(i: usize) -> (String, u64, bool, bool) {
    (
        format!("2784{i:07}"),
        (i % 40) as u64,
        !i.is_multiple_of(3),
        i.is_multiple_of(2),
    )
}

fn plan_of(i: usize) -> &'static str {
    if i.is_multiple_of(4) {
        "postpaid"
    } else {
        "prepaid"
    }
}

/// Waits for the run to end and returns its report.
fn finished_run(url: &str, id: &str) -> Value {
    eventually("the run to end", || {
        let run = get(&format!("{url}/v1/runs/{id}"), ADMIN);
        (run["state"] != "running" && run["state"] != "scheduled").then_some(run)
    })
}

/// A batch run over a segment writes one call list of the segment's consenting customers
/// once; every contact is an impression, so a second run the same day is held back by the
/// contact policy; a limit caps an SMS run at the gateway; bad requests are refused naming
/// the field.
#[test]
fn a_batch_run_reaches_its_segment_once_within_the_contact_policy() {
    const CUSTOMERS: usize = 300;
    let Fixture {
        dir,
        // Kept: the fake gateway runs on it.
        rt: _rt,
        sms,
        sms_url,
        strategy,
        data,
    } = fixture();
    let rows: String = (0..CUSTOMERS)
        .map(|i| {
            let (id, tenure, sms, call) = run_customer(i);
            let plan = plan_of(i);
            format!("{id},{plan},{tenure},80,20,smartphone,4g,1024,{sms},{call}\n")
        })
        .collect();
    load_rows(dir.path(), &strategy, &data, &rows);
    let connections = dir.path().join("connections.yaml");
    std::fs::write(
        &connections,
        format!(
            "endpoints:\n  charging: {{url: \"{sms_url}\"}}\n\
             sinks:\n  call_list: {{file: {{dir: calls, format: csv}}}}\n  sms_gateway: {{webhook: {{url: \"{sms_url}\", attempts: 2, backoff: 20ms}}}}\n\
             channels:\n  outbound_call: call_list\n  sms: sms_gateway\n"
        ),
    )
    .expect("connections");
    let (server, url) = serve(&strategy, &data, &connections);
    let runs = format!("{url}/v1/runs");

    // Refused, naming the field; nothing started.
    for (body, status, field) in [
        (r#"{"channel": "ussd"}"#, 422, "channel"),
        (r#"{"channel": "fax"}"#, 422, "channel"),
        (r#"{"channel": "email"}"#, 422, "channel"),
        (
            r#"{"channel": "outbound_call", "segment": "customer.shoe_size > 3"}"#,
            422,
            "segment",
        ),
        (r#"{"channel": "outbound_call", "limit": 0}"#, 422, "limit"),
        (
            r#"{"channel": "outbound_call", "at": "2001-01-01T00:00:00Z"}"#,
            422,
            "at",
        ),
    ] {
        let (got, answer) = post_status(&runs, ADMIN, body);
        assert_eq!(got, status, "{body}: {answer}");
        assert_eq!(answer["error"]["field"], field, "{body}: {answer}");
    }
    let (got, answer) = post_status(&runs, ADMIN, r#"{"channel": "sms", "colour": "red"}"#);
    assert_eq!(got, 400, "{answer}");
    let (got, _) = post_status(&runs, CHANNEL, r#"{"channel": "sms"}"#);
    assert_eq!(got, 403, "a channel key can't start runs");
    assert_eq!(get(&runs, ADMIN)["runs"], json!([]));

    // The segment: tenure of a year or more.
    let started = post(
        &runs,
        ADMIN,
        json!({"channel": "outbound_call", "segment": "customer.tenure_months >= 12", "name": "loyal calls"}),
    );
    let id = started["id"].as_str().expect("run id").to_owned();
    let run = finished_run(&url, &id);
    assert_eq!(run["state"], "done", "{run}");
    let in_segment = (0..CUSTOMERS).filter(|i| run_customer(*i).1 >= 12).count() as u64;
    assert_eq!(run["customers"], CUSTOMERS as u64, "{run}");
    assert_eq!(run["scanned"], CUSTOMERS as u64, "{run}");
    assert_eq!(run["excluded"], CUSTOMERS as u64 - in_segment, "{run}");
    assert_eq!(run["decided"], in_segment, "{run}");
    let contacted = run["contacted"].as_u64().expect("contacted");
    let held: u64 = run["held_back"]
        .as_object()
        .expect("held back")
        .values()
        .filter_map(Value::as_u64)
        .sum();
    assert_eq!(contacted + held, in_segment, "{run}");
    let rows = call_list(&dir.path().join("calls"));
    assert_eq!(rows.len() as u64, contacted, "{run}");
    assert_eq!(run["delivered"], contacted, "{run}");
    assert!(
        run["file"]
            .as_str()
            .is_some_and(|f| f.ends_with(&format!("{id}.csv"))),
        "{run}"
    );
    let consenting = (0..CUSTOMERS)
        .map(run_customer)
        .filter(|(_, tenure, _, call)| *tenure >= 12 && *call)
        .count() as u64;
    assert!(
        contacted > 0 && contacted <= consenting,
        "{contacted} of {consenting} consenting: {run}"
    );
    assert!(
        held >= in_segment - consenting,
        "no consent is held back: {run}"
    );
    let mut seen = std::collections::HashSet::new();
    for (customer, _) in &rows {
        let (_, tenure, _, call) = (0..CUSTOMERS)
            .map(run_customer)
            .find(|c| c.0 == *customer)
            .expect("a customer of the base");
        assert!(
            tenure >= 12 && call,
            "{customer} is outside the segment or opted out"
        );
        assert!(seen.insert(customer.clone()), "{customer} twice");
    }
    let actions: u64 = run["actions"]
        .as_object()
        .expect("per action")
        .values()
        .filter_map(Value::as_u64)
        .sum();
    assert_eq!(actions, contacted, "{run}");
    // Each contact is an impression in the customer's contact history.
    let customer = get(&format!("{url}/v1/customers/{}", rows[0].0), ADMIN);
    assert!(
        customer["contact_history"]
            .as_array()
            .is_some_and(|c| c.iter().any(|c| c["channel"] == "outbound_call")),
        "{customer}"
    );

    // The same run again today: the outbound cap (one a day) holds everyone it reached.
    let again = post(
        &runs,
        ADMIN,
        json!({"channel": "outbound_call", "segment": "customer.tenure_months >= 12"}),
    );
    let again = finished_run(&url, again["id"].as_str().expect("id"));
    assert_eq!(again["contacted"], 0, "{again}");
    assert!(
        again["held_back"]["contact_policy"].as_u64() >= Some(contacted),
        "{again}"
    );

    // An SMS run capped at 5 contacts: the gateway gets 5, keyed by contact id.
    let capped = post(&runs, ADMIN, json!({"channel": "sms", "limit": 5}));
    let capped = finished_run(&url, capped["id"].as_str().expect("id"));
    assert_eq!(capped["state"], "done", "{capped}");
    assert_eq!(capped["contacted"], 5, "{capped}");
    assert_eq!(capped["limit_reached"], true, "{capped}");
    assert_eq!(capped["delivered"], 5, "{capped}");
    let sent = sms.succeeded();
    assert_eq!(sent.len(), 5);
    for (key, body) in &sent {
        assert_eq!(
            key,
            &format!(
                "{}:{}",
                body["decision_id"].as_str().unwrap_or(""),
                body["action_id"].as_str().unwrap_or("")
            ),
        );
        assert_eq!(body["run"], capped["id"], "{body}");
        let customer = body["customer_id"].as_str().expect("customer");
        let (_, _, consents, _) = (0..CUSTOMERS)
            .map(run_customer)
            .find(|c| c.0 == customer)
            .expect("a customer of the base");
        assert!(consents, "{customer} opted out of SMS");
    }
    let listed = get(&runs, ADMIN);
    assert_eq!(listed["runs"].as_array().map(Vec::len), Some(3), "{listed}");
    assert_eq!(listed["runs"][0]["id"], capped["id"], "newest first");
    let (got, _) = post_status(&format!("{runs}/{id}/cancel"), ADMIN, "");
    assert_eq!(got, 409, "an ended run can't be cancelled");
    let missing = client()
        .get(format!("{runs}/run-nope"))
        .bearer_auth(ADMIN)
        .send()
        .expect("answered");
    assert_eq!(missing.status().as_u16(), 404);

    let metrics = client()
        .get(format!("{url}/metrics"))
        .send()
        .and_then(reqwest::blocking::Response::text)
        .expect("metrics");
    let total = contacted + 5;
    assert!(
        metrics.contains(&format!("concord_runs_contacted {total}"))
            && metrics.contains("concord_runs_active 0"),
        "{metrics}"
    );

    // The reports outlive the server.
    drop(server);
    let (_server, url) = serve(&strategy, &data, &connections);
    let after = get(&format!("{url}/v1/runs"), ADMIN);
    assert_eq!(
        after["runs"], listed["runs"],
        "the same reports after a restart"
    );

    // A run scheduled two seconds ahead waits, then runs.
    let at = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_secs(2))
        .expect("time");
    let scheduled = post(
        &format!("{url}/v1/runs"),
        ADMIN,
        json!({"channel": "sms", "limit": 1, "at": at.to_string()}),
    );
    assert_eq!(scheduled["state"], "scheduled", "{scheduled}");
    assert_eq!(scheduled["started"], Value::Null, "{scheduled}");
    let done = finished_run(&url, scheduled["id"].as_str().expect("id"));
    assert_eq!(done["state"], "done", "{done}");
    let started: jiff::Timestamp = done["started"]
        .as_str()
        .and_then(|t| t.parse().ok())
        .expect("a start time");
    assert!(started >= at, "started {started}, asked for {at}");
}

/// `concord run` with the server stopped: the run report on stdout, the call list in the
/// sink's folder, the contact policy holding a second run; a bad channel fails naming it.
#[test]
fn the_run_command_writes_a_call_list_with_the_server_stopped() {
    let dir = tempfile::tempdir().expect("temp dir");
    let strategy = strategy(dir.path());
    let data = dir.path().join("data");
    load_base(dir.path(), &strategy, &data);
    let connections = dir.path().join("connections.yaml");
    std::fs::write(
        &connections,
        "endpoints:\n  charging: {url: \"http://127.0.0.1:9/in\"}\n\
         sinks:\n  texts: {file: {dir: texts, format: csv}}\n\
         channels:\n  sms: texts\n",
    )
    .expect("connections");
    let run = |channel: &str| {
        Command::new(BIN)
            .arg("run")
            .arg("--strategy")
            .arg(&strategy)
            .arg("--data")
            .arg(&data)
            .arg("--connections")
            .arg(&connections)
            .args(["--channel", channel])
            .env("RUST_LOG", "warn")
            .output()
            .expect("runs")
    };
    let first = run("sms");
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let report: Value = serde_json::from_slice(&first.stdout).expect("a JSON report");
    assert_eq!(report["state"], "done", "{report}");
    assert_eq!(report["scanned"], 3, "{report}");
    assert_eq!(
        report["contacted"], 1,
        "only the SMS customer consents: {report}"
    );
    let rows = call_list(&dir.path().join("texts"));
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].0, "27830000001");
    let second = run("sms");
    let report: Value = serde_json::from_slice(&second.stdout).expect("a JSON report");
    assert_eq!(
        report["contacted"], 0,
        "one outbound contact a day: {report}"
    );
    let bad = run("ussd");
    assert!(!bad.status.success());
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("channel") && stderr.contains("inbound"),
        "{stderr}"
    );
}

/// An agent records the customer's acceptance: one SMS follows through the outbound path with
/// the channel's follow-up text, once however often the response is replayed; a customer who
/// opted out of SMS gets none.
#[test]
fn an_agents_acceptance_is_followed_by_one_sms() {
    let Fixture {
        dir,
        // Kept: the fake gateway runs on it.
        rt: _rt,
        sms,
        sms_url,
        strategy,
        data,
    } = fixture();
    load_base(dir.path(), &strategy, &data);
    let connections = dir.path().join("connections.yaml");
    std::fs::write(
        &connections,
        format!(
            "endpoints:\n  charging: {{url: \"{sms_url}\"}}\n\
             sinks:\n  sms_gateway: {{webhook: {{url: \"{sms_url}\", attempts: 2, backoff: 20ms}}}}\n\
             channels:\n  sms: sms_gateway\n"
        ),
    )
    .expect("connections");
    let (_serve, url) = serve(&strategy, &data, &connections);
    let accept = |customer: &str| {
        let decision = post(
            &format!("{url}/v1/decisions"),
            ADMIN,
            json!({"customer_id": customer, "channel": "call_centre"}),
        );
        let id = decision["decision_id"]
            .as_str()
            .expect("decision")
            .to_owned();
        let action = decision["actions"][0]["action_id"]
            .as_str()
            .expect("an action for the agent")
            .to_owned();
        let response = json!({"decision_id": id, "action_id": action, "outcome": "accepted"});
        let first = post(&format!("{url}/v1/responses"), ADMIN, response.clone());
        assert_eq!(first["duplicate"], false, "{first}");
        let again = post(&format!("{url}/v1/responses"), ADMIN, response);
        assert_eq!(again["duplicate"], true, "{again}");
        action
    };
    let action = accept("27830000001");
    let (key, body) = eventually("the follow-up SMS", || {
        sms.succeeded()
            .into_iter()
            .find(|(_, b)| b["channel"] == "sms")
    });
    assert_eq!(body["customer_id"], "27830000001", "{body}");
    assert_eq!(body["action_id"], action.as_str(), "{body}");
    let text = body["text"].as_str().unwrap_or_default();
    assert!(text.starts_with("Thank you for choosing "), "{text}");
    assert!(key.ends_with(&format!(":{action}")), "{key}");
    accept("27830000003");
    std::thread::sleep(Duration::from_millis(2_500));
    let texts: Vec<_> = sms
        .succeeded()
        .into_iter()
        .filter(|(_, b)| b["channel"] == "sms")
        .collect();
    assert_eq!(
        texts.len(),
        1,
        "one follow-up, none for the opted-out: {texts:?}"
    );
}
