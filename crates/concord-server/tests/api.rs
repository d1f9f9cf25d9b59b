//! The HTTP API through `app(state).oneshot(request)`: auth, bad input, and the happy path.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use concord_hub::Hub;
use concord_model::{Attributes, CustomerId, ManualClock, Timestamp, Value};
use concord_server::{ApiKeys, AppState, app};
use concord_strategy::Strategy;
use http_body_util::BodyExt;
use serde_json::{Value as Json, json};
use std::path::Path;
use std::sync::Arc;
use tower::ServiceExt;

const CHANNEL: &str = "channel-key-0000000001";
const AGENT: &str = "agent-key-00000000001";
const MARKETER: &str = "marketer-key-00000001";
const ADMIN: &str = "admin-key-000000000001";

struct Harness {
    state: AppState,
    _dir: tempfile::TempDir,
}

async fn harness() -> Harness {
    harness_with_clock().await.0
}

/// The harness, and its clock to move.
async fn harness_with_clock() -> (Harness, Arc<ManualClock>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let strategy_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/telco");
    let strategy = Arc::new(Strategy::load(&strategy_dir).expect("example strategy loads"));
    let hub = Hub::open(dir.path(), strategy).expect("hub opens");
    let mut attributes = Attributes::new();
    for (name, value) in [
        ("segment", Value::from("prepaid")),
        ("tariff", Value::from("PRE_SMART")),
        ("tenure_months", Value::from(2.0)),
        ("balance", Value::from(4.0)),
        ("device_type", Value::from("smartphone")),
        ("network", Value::from("4g")),
    ] {
        attributes.insert(name.into(), value);
    }
    hub.load_customers(vec![(
        CustomerId::new("27820000001"),
        attributes,
        vec!["voice_basic".into()],
    )])
    .await
    .expect("base loads");
    let keys = ApiKeys::parse(&format!(
        "channel={CHANNEL},agent={AGENT},marketer={MARKETER},admin={ADMIN}"
    ))
    .expect("keys parse");
    let clock = Arc::new(ManualClock::new(
        Timestamp::from_second(1_795_000_000).expect("valid time"),
    ));
    let harness = Harness {
        state: AppState::new(Arc::new(hub), keys, clock.clone()),
        _dir: dir,
    };
    (harness, clock)
}

/// Customer 27820000002: prepaid, consenting to SMS.
async fn load_sms_customer(h: &Harness) {
    let mut attributes = Attributes::new();
    for (name, value) in [
        ("segment", Value::from("prepaid")),
        ("tenure_months", Value::from(2.0)),
        ("balance", Value::from(4.0)),
        ("device_type", Value::from("smartphone")),
        ("consent_sms", Value::Bool(true)),
    ] {
        attributes.insert(name.into(), value);
    }
    h.state
        .hub
        .load_customers(vec![(
            CustomerId::new("27820000002"),
            attributes,
            Vec::new(),
        )])
        .await
        .expect("loads");
}

async fn call(
    h: &Harness,
    method: &str,
    uri: &str,
    key: Option<&str>,
    body: &str,
) -> (StatusCode, Json) {
    let mut request = Request::builder().method(method).uri(uri);
    if let Some(key) = key {
        request = request.header("authorization", format!("Bearer {key}"));
    }
    let request = request
        .header("content-type", "application/json")
        .body(Body::from(body.to_owned()))
        .expect("request builds");
    let response = app(h.state.clone())
        .oneshot(request)
        .await
        .expect("infallible");
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    let json = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Json::String(String::from_utf8_lossy(&bytes).into()));
    (status, json)
}

fn event(id: &str, kind: &str, extra: Json) -> Json {
    let mut e = json!({"event_id": id, "customer_id": "27820000001", "time": "2026-11-18T10:00:00Z", "type": kind});
    if let (Some(map), Some(extra)) = (e.as_object_mut(), extra.as_object()) {
        map.extend(extra.clone());
    }
    e
}

#[tokio::test]
async fn every_v1_route_needs_a_key_and_the_right_role() {
    let h = harness().await;
    // (method, uri, roles allowed)
    let routes: &[(&str, &str, &[&str])] = &[
        ("POST", "/v1/events", &[CHANNEL, ADMIN]),
        ("POST", "/v1/decisions", &[CHANNEL, AGENT, ADMIN]),
        ("POST", "/v1/responses", &[CHANNEL, AGENT, ADMIN]),
        ("GET", "/v1/customers/27820000001", &[AGENT, ADMIN]),
        ("GET", "/v1/customers/27820000001/timeline", &[AGENT, ADMIN]),
        ("GET", "/v1/kpis", &[MARKETER, ADMIN]),
        ("GET", "/v1/lift", &[MARKETER, ADMIN]),
        (
            "GET",
            "/v1/lift/plan?baseline=0.05&mde=0.1",
            &[MARKETER, ADMIN],
        ),
        ("GET", "/v1/reports", &[MARKETER, ADMIN]),
        ("GET", "/v1/reports/exit_reasons", &[MARKETER, ADMIN]),
        ("GET", "/v1/value-finder", &[MARKETER, ADMIN]),
        ("GET", "/v1/triggers", &[MARKETER, ADMIN]),
        ("GET", "/v1/models", &[MARKETER, ADMIN]),
        ("GET", "/v1/models/x@ussd", &[MARKETER, ADMIN]),
        ("POST", "/v1/ussd", &[CHANNEL, ADMIN]),
        ("GET", "/v1/provisions", &[MARKETER, ADMIN]),
        ("GET", "/v1/outbound", &[MARKETER, ADMIN]),
        ("POST", "/v1/runs", &[MARKETER, ADMIN]),
        ("GET", "/v1/runs", &[MARKETER, ADMIN]),
        ("GET", "/v1/runs/run-x", &[MARKETER, ADMIN]),
        ("POST", "/v1/runs/run-x/cancel", &[MARKETER, ADMIN]),
    ];
    for (method, uri, allowed) in routes {
        let (status, body) = call(&h, method, uri, None, "").await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{method} {uri} without key"
        );
        assert_eq!(body["error"]["code"], "unauthorized");
        let (status, _) = call(&h, method, uri, Some("not-a-real-key-at-all"), "").await;
        assert_eq!(
            status,
            StatusCode::UNAUTHORIZED,
            "{method} {uri} with unknown key"
        );
        for key in [CHANNEL, AGENT, MARKETER, ADMIN] {
            let (status, body) = call(&h, method, uri, Some(key), "").await;
            if allowed.contains(&key) {
                assert_ne!(status, StatusCode::FORBIDDEN, "{method} {uri} with {key}");
                assert_ne!(
                    status,
                    StatusCode::UNAUTHORIZED,
                    "{method} {uri} with {key}"
                );
            } else {
                assert_eq!(status, StatusCode::FORBIDDEN, "{method} {uri} with {key}");
                assert_eq!(body["error"]["code"], "forbidden");
            }
        }
    }
}

#[tokio::test]
async fn event_batches_are_judged_line_by_line_and_good_lines_are_kept() {
    let h = harness().await;
    let good = event("e1", "dropped_call", json!({"cell": "C1"}));
    let (status, body) = call(
        &h,
        "POST",
        "/v1/events",
        Some(ADMIN),
        &json!([good]).to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["accepted"], 1);

    let ndjson = [
        event("e2", "dropped_call", json!({"cell": "C1"})).to_string(),
        event("e3", "teleport", json!({})).to_string(),
        event("e1", "dropped_call", json!({"cell": "C1"})).to_string(),
        event(
            "e4",
            "recharge",
            json!({"amount": "lots", "channel": "ussd"}),
        )
        .to_string(),
    ]
    .join("\n");
    let (status, body) = call(&h, "POST", "/v1/events", Some(ADMIN), &ndjson).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "rejected_lines");
    assert_eq!(body["error"]["field"], "line 2: type");
    let report = &body["error"]["detail"];
    assert_eq!(report["accepted"], 1);
    assert_eq!(report["duplicates"], 1);
    assert_eq!(report["rejected"][1]["line"], 4);
    assert_eq!(report["rejected"][1]["field"], "amount");

    let (status, customer) = call(&h, "GET", "/v1/customers/27820000001", Some(AGENT), "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        customer["aggregates"]["dropped_calls_24h"], 2.0,
        "{customer}"
    );

    let cases: &[(&str, StatusCode, &str)] = &[
        (
            "[{\"event_id\":",
            StatusCode::BAD_REQUEST,
            "unreadable_batch",
        ),
        ("", StatusCode::BAD_REQUEST, "unreadable_batch"),
    ];
    for (body, status, code) in cases {
        let (got, json) = call(&h, "POST", "/v1/events", Some(ADMIN), body).await;
        assert_eq!(
            (got, json["error"]["code"].as_str()),
            (*status, Some(*code)),
            "{body:?}: {json}"
        );
    }
    let huge = "x".repeat(concord_server::MAX_BODY_BYTES + 1);
    let (status, json) = call(&h, "POST", "/v1/events", Some(ADMIN), &huge).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{json}");
    assert_eq!(json["error"]["code"], "body_too_large");
}

#[tokio::test]
async fn decision_response_and_kpis_round_trip() {
    let h = harness().await;
    let request = json!({"customer_id": "27820000001", "channel": "ussd", "limit": 3});
    let (status, decision) = call(
        &h,
        "POST",
        "/v1/decisions?explain=true",
        Some(CHANNEL),
        &request.to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{decision}");
    let actions = decision["actions"].as_array().expect("actions");
    assert!(!actions.is_empty() && actions.len() <= 3, "{decision}");
    assert_eq!(decision["strategy_hash"], h.state.hub.strategy().hash());
    assert!(
        decision["trace"]
            .as_array()
            .is_some_and(|t| t.len() >= h.state.hub.strategy().actions().len())
    );
    let decision_id = decision["decision_id"].as_str().expect("id");
    let action_id = actions[0]["action_id"].as_str().expect("action");

    // A custom outcome (models.yaml): recorded as the outcome it counts as, and named.
    let response =
        json!({"decision_id": decision_id, "action_id": action_id, "outcome": "converted"});
    let (status, body) = call(
        &h,
        "POST",
        "/v1/responses",
        Some(CHANNEL),
        &response.to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["duplicate"], false);
    assert_eq!(
        (body["outcome"].as_str(), body["custom_outcome"].as_str()),
        (Some("accepted"), Some("converted"))
    );
    let (status, body) = call(
        &h,
        "POST",
        "/v1/responses",
        Some(CHANNEL),
        &response.to_string(),
    )
    .await;
    assert_eq!(
        (status, body["duplicate"].as_bool()),
        (StatusCode::OK, Some(true))
    );

    let (status, kpis) = call(&h, "GET", "/v1/kpis", Some(MARKETER), "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(kpis["total"]["accepts"], 1, "{kpis}");
    assert_eq!(kpis["total"]["impressions"], actions.len() as u64);
    let row = kpis["rows"]
        .as_array()
        .and_then(|rows| {
            rows.iter()
                .find(|r| r["action_id"] == action_id && r["channel"] == "ussd")
        })
        .expect("kpi row for the accepted action");
    assert_eq!(row["accept_rate"], 1.0);

    let (_, customer) = call(&h, "GET", "/v1/customers/27820000001", Some(AGENT), "").await;
    assert_eq!(customer["recent_decisions"][0]["decision_id"], decision_id);

    // The timeline interleaves the decision and its response, newest first.
    let (status, timeline) = call(
        &h,
        "GET",
        "/v1/customers/27820000001/timeline",
        Some(AGENT),
        "",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{timeline}");
    let kinds: Vec<&str> = timeline["items"]
        .as_array()
        .map(|i| i.iter().filter_map(|x| x["kind"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(kinds, ["response", "decision"], "{timeline}");
    assert_eq!(timeline["items"][0]["detail"]["outcome"], "accepted");
    assert_eq!(
        timeline["items"][0]["detail"]["custom_outcome"],
        "converted"
    );
    let (status, json) = call(&h, "GET", "/v1/customers/nobody/timeline", Some(AGENT), "").await;
    assert_eq!(
        (status, json["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("unknown_customer"))
    );
}

/// 1,500 customers decide in USSD and half accept their top action: the example's control
/// arms (2% each, experiments.yaml) get their share, /v1/kpis splits the totals by arm, and
/// /v1/lift compares the full strategy with each control arm that has impressions; a bad
/// confidence is refused naming the field.
#[tokio::test]
async fn lift_compares_the_strategy_with_its_control_arms() {
    let h = harness().await;
    let rows = (0..1_500)
        .map(|i| {
            let mut a = Attributes::new();
            for (name, value) in [
                (
                    "segment",
                    Value::from(if i % 2 == 0 { "prepaid" } else { "postpaid" }),
                ),
                ("tenure_months", Value::from(f64::from(i % 40))),
                ("balance", Value::from(f64::from(i % 90))),
                ("device_type", Value::from("smartphone")),
                ("network", Value::from("4g")),
            ] {
                a.insert(name.into(), value);
            }
            (CustomerId::new(format!("c{i}")), a, Vec::new())
        })
        .collect();
    h.state.hub.load_customers(rows).await.expect("base loads");
    for i in 0..1_500 {
        let request = json!({"customer_id": format!("c{i}"), "channel": "ussd"});
        let (status, decision) = call(
            &h,
            "POST",
            "/v1/decisions",
            Some(CHANNEL),
            &request.to_string(),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{decision}");
        if let Some(top) = decision["actions"][0]["action_id"].as_str() {
            let outcome = if i % 2 == 0 { "accepted" } else { "declined" };
            let response = json!({"decision_id": decision["decision_id"], "action_id": top, "outcome": outcome});
            let (status, body) = call(
                &h,
                "POST",
                "/v1/responses",
                Some(CHANNEL),
                &response.to_string(),
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
    }
    let (status, kpis) = call(&h, "GET", "/v1/kpis", Some(MARKETER), "").await;
    assert_eq!(status, StatusCode::OK);
    let arms = kpis["arms"].as_array().expect("arms");
    let names: Vec<&str> = arms.iter().filter_map(|a| a["arm"].as_str()).collect();
    assert_eq!(names.first(), Some(&"test"), "{kpis}");
    assert!(names.len() >= 5, "most arms have customers: {names:?}");
    let sum = |field: &str| arms.iter().filter_map(|a| a[field].as_u64()).sum::<u64>();
    assert_eq!(
        sum("impressions"),
        kpis["total"]["impressions"].as_u64().expect("n")
    );
    assert_eq!(
        sum("accepts"),
        kpis["total"]["accepts"].as_u64().expect("n")
    );

    // The same KPIs by any dimensions: every group adds up to the totals.
    let (status, by) = call(
        &h,
        "GET",
        "/v1/kpis?by=issue,direction,arm,day",
        Some(MARKETER),
        "",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{by}");
    assert_eq!(by["by"], json!(["issue", "direction", "arm", "day"]));
    let groups = by["groups"].as_array().expect("groups");
    assert!(groups.len() > 1, "{by}");
    let total: u64 = groups
        .iter()
        .filter_map(|g| g["impressions"].as_u64())
        .sum();
    assert_eq!(total, kpis["total"]["impressions"].as_u64().expect("n"));
    let days: std::collections::BTreeSet<&str> =
        groups.iter().filter_map(|g| g["key"][3].as_str()).collect();
    assert_eq!(days.len(), 1, "every decision on the clock's day: {days:?}");
    assert!(groups.iter().all(|g| g["key"][1] == "inbound"), "{by}");
    for (query, needle) in [
        (
            "by=segment",
            "unknown dimension `segment` (valid: issue, group, action",
        ),
        ("by=arm,arm", "listed twice"),
        ("group=issue", "group"),
    ] {
        let (status, body) =
            call(&h, "GET", &format!("/v1/kpis?{query}"), Some(MARKETER), "").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(body["error"]["field"], "by", "{query}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains(needle)),
            "{query}: {body}"
        );
    }

    let (status, lift) = call(&h, "GET", "/v1/lift?confidence=0.9", Some(MARKETER), "").await;
    assert_eq!(status, StatusCode::OK, "{lift}");
    assert_eq!(lift["confidence"], 0.9);
    assert_eq!(lift["unit"], "impression");
    let compared: Vec<&str> = lift["arms"]
        .as_array()
        .expect("arms")
        .iter()
        .filter_map(|a| a["arm"].as_str())
        .collect();
    let expected: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| !matches!(*n, "test" | "holdout"))
        .collect();
    assert_eq!(compared, expected, "{lift}");
    for arm in lift["arms"].as_array().expect("arms") {
        let rate = &arm["accept_rate"];
        match rate["lift"].as_f64() {
            Some(l) => {
                let (low, high) = (rate["low"].as_f64(), rate["high"].as_f64());
                assert!(
                    low.is_some_and(|lo| lo <= l) && high.is_some_and(|hi| hi >= l),
                    "{arm}"
                );
            }
            None => assert!(rate["unavailable"].is_string(), "{arm}"),
        }
    }
    // The business outcomes (experiments.yaml), per customer, every arm with customers.
    let outcomes: Vec<(&str, &str)> = lift["outcomes"]
        .as_array()
        .expect("outcomes")
        .iter()
        .filter_map(|o| Some((o["outcome"].as_str()?, o["scale"].as_str()?)))
        .collect();
    assert_eq!(
        outcomes,
        [("churned", "rate"), ("revenue_30d", "value")],
        "{lift}"
    );
    let churn_arms = lift["outcomes"][0]["arms"].as_array().expect("arms");
    assert_eq!(churn_arms[0]["arm"], "test", "{lift}");
    assert!(
        churn_arms[0].get("lift").is_none(),
        "test has no lift over itself"
    );
    let customers: u64 = churn_arms
        .iter()
        .filter_map(|a| a["customers"].as_u64())
        .sum();
    assert_eq!(customers, 1_501, "every customer once: {lift}");
    for (query, needle) in [
        ("confidence=1.5", "strictly between 0 and 1"),
        ("confidence=abc", "confidence"),
        ("level=0.9", "level"),
    ] {
        let (status, body) =
            call(&h, "GET", &format!("/v1/lift?{query}"), Some(MARKETER), "").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(body["error"]["code"], "invalid_query", "{query}: {body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains(needle)),
            "{query}: {body}"
        );
    }
}

/// Planning a measurement: the units a 10% lift of a 5% rate needs (the formula's 34,363 per
/// arm at 50/50), the smallest lift those units detect (about 10% again), and bad queries named.
#[tokio::test]
async fn a_measurement_is_planned_both_ways() {
    let h = harness().await;
    let (status, plan) = call(
        &h,
        "GET",
        "/v1/lift/plan?baseline=0.05&mde=0.1",
        Some(MARKETER),
        "",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{plan}");
    assert_eq!(
        (plan["control"].as_u64(), plan["test"].as_u64()),
        (Some(34_363), Some(34_363))
    );
    let (status, back) = call(
        &h,
        "GET",
        "/v1/lift/plan?baseline=0.05&control=34363&test=34363",
        Some(MARKETER),
        "",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{back}");
    assert!(
        back["mde"].as_f64().is_some_and(|m| (m - 0.1).abs() < 1e-3),
        "{back}"
    );
    for (query, field) in [
        ("baseline=1.5&mde=0.1", "baseline"),
        ("baseline=0.05&mde=0.1&power=1", "power"),
        ("baseline=0.05&mde=0.1&control_share=0", "control_share"),
        ("baseline=0.05", "mde"),
        ("baseline=0.5&mde=1.5", "mde"),
    ] {
        let (status, body) = call(
            &h,
            "GET",
            &format!("/v1/lift/plan?{query}"),
            Some(MARKETER),
            "",
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(body["error"]["field"], field, "{query}: {body}");
    }
}

/// The cohort reports of the example's reports.yaml: listed with their dimensions and
/// measures; one run over the base (every customer the `where` takes, in groups); an unknown
/// report is a 404 naming the known ones, a bad confidence a 400.
#[tokio::test]
async fn reports_are_listed_and_run_over_the_base() {
    let h = harness().await;
    let (status, list) = call(&h, "GET", "/v1/reports", Some(MARKETER), "").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let names: Vec<&str> = list["reports"]
        .as_array()
        .expect("reports")
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    assert_eq!(
        names,
        ["inflow_quality", "exit_reasons", "churners_vs_stayers"]
    );
    assert_eq!(list["reports"][0]["flag"], "churned");
    assert_eq!(
        list["reports"][0]["dimensions"],
        json!(["customer.acquisition_channel", "customer.dealer"])
    );

    let (status, report) = call(
        &h,
        "GET",
        "/v1/reports/churners_vs_stayers?confidence=0.9",
        Some(MARKETER),
        "",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{report}");
    assert_eq!(
        report["customers"], 1,
        "the harness's one customer: {report}"
    );
    assert_eq!(report["confidence"], 0.9);
    assert_eq!(report["groups"][0]["customers"], 1);

    // Value Finder over the decision log: the harness's one customer, decided once.
    let request = json!({"customer_id": "27820000001", "channel": "ussd"});
    let (status, _) = call(
        &h,
        "POST",
        "/v1/decisions",
        Some(CHANNEL),
        &request.to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, finder) = call(
        &h,
        "GET",
        "/v1/value-finder?threshold=0.9&by=segment",
        Some(MARKETER),
        "",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{finder}");
    assert_eq!(finder["name"], "value_finder");
    assert_eq!(finder["dimensions"], json!(["segment"]));
    assert_eq!(finder["groups"][0]["key"], json!(["prepaid"]), "{finder}");
    for (query, field) in [("threshold=0", "threshold"), ("by=shoe_size", "by")] {
        let (status, body) = call(
            &h,
            "GET",
            &format!("/v1/value-finder?{query}"),
            Some(MARKETER),
            "",
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(body["error"]["field"], field, "{query}: {body}");
    }

    let (status, body) = call(&h, "GET", "/v1/reports/nope", Some(MARKETER), "").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert_eq!(body["error"]["code"], "unknown_report");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("inflow_quality")),
        "{body}"
    );
    let (status, body) = call(
        &h,
        "GET",
        "/v1/reports/exit_reasons?confidence=2",
        Some(MARKETER),
        "",
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["field"], "confidence");
}

#[tokio::test]
async fn bad_decision_and_response_requests_name_the_field() {
    let h = harness().await;
    // (route, body, status, code, field)
    let cases: &[(&str, &str, StatusCode, &str, Option<&str>)] = &[
        (
            "/v1/decisions",
            "{",
            StatusCode::BAD_REQUEST,
            "malformed_json",
            None,
        ),
        (
            "/v1/decisions",
            r#"{"channel":"ussd"}"#,
            StatusCode::BAD_REQUEST,
            "invalid_field",
            Some("customer_id"),
        ),
        (
            "/v1/decisions",
            r#"{"customer_id":"27820000001","channel":"ussd","limit":"3"}"#,
            StatusCode::BAD_REQUEST,
            "invalid_field",
            Some("limit"),
        ),
        (
            "/v1/decisions",
            r#"{"customer_id":"27820000001","channel":"ussd","colour":1}"#,
            StatusCode::BAD_REQUEST,
            "invalid_field",
            Some("colour"),
        ),
        (
            "/v1/decisions",
            r#"{"customer_id":"27820000001","channel":"ussd","context":{"x":{"y":1}}}"#,
            StatusCode::BAD_REQUEST,
            "invalid_field",
            Some("context.x"),
        ),
        (
            "/v1/decisions",
            r#"{"customer_id":"27820000001","channel":"ussd","context":{"call_reason":3}}"#,
            StatusCode::BAD_REQUEST,
            "invalid_field",
            Some("context.call_reason"),
        ),
        (
            "/v1/decisions",
            r#"{"customer_id":"27820000001","channel":"ussd","placement":"carousel"}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_placement",
            Some("placement"),
        ),
        (
            "/v1/decisions",
            r#"{"customer_id":"27820000001","channel":"pigeon"}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_channel",
            Some("channel"),
        ),
        (
            "/v1/responses",
            r#"{"decision_id":"d-0-1","action_id":"x","outcome":"accepted"}"#,
            StatusCode::NOT_FOUND,
            "unknown_decision",
            Some("decision_id"),
        ),
        (
            "/v1/responses",
            r#"{"decision_id":"d-0-1","action_id":"x","outcome":"delighted"}"#,
            StatusCode::BAD_REQUEST,
            "unknown_outcome",
            Some("outcome"),
        ),
    ];
    for (route, body, status, code, field) in cases {
        let (got, json) = call(&h, "POST", route, Some(ADMIN), body).await;
        assert_eq!(got, *status, "{route} {body}: {json}");
        assert_eq!(json["error"]["code"], *code, "{route} {body}: {json}");
        assert_eq!(
            json["error"]["field"].as_str(),
            *field,
            "{route} {body}: {json}"
        );
    }
    let (_, decision) = call(
        &h,
        "POST",
        "/v1/decisions",
        Some(ADMIN),
        r#"{"customer_id":"27820000001","channel":"ussd"}"#,
    )
    .await;
    let wrong_action = json!({"decision_id": decision["decision_id"], "action_id": "not_offered", "outcome": "accepted"});
    let (status, json) = call(
        &h,
        "POST",
        "/v1/responses",
        Some(ADMIN),
        &wrong_action.to_string(),
    )
    .await;
    assert_eq!(
        (status, json["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("action_not_offered"))
    );
    let (status, json) = call(&h, "GET", "/v1/customers/nobody", Some(ADMIN), "").await;
    assert_eq!(
        (status, json["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("unknown_customer"))
    );
    // A customer the profile does not know yet is decided for on an empty profile, marked so;
    // a known one is not marked.
    let (status, json) = call(
        &h,
        "POST",
        "/v1/decisions?explain=true",
        Some(ADMIN),
        r#"{"customer_id":"nobody","channel":"ussd","context":{"call_reason":null}}"#,
    )
    .await;
    assert_eq!(
        (status, json["new_customer"].as_bool()),
        (StatusCode::OK, Some(true)),
        "{json}"
    );
    assert!(
        json["trace"]
            .as_array()
            .is_some_and(|t| t.iter().any(|e| e["reason"]
                .as_str()
                .is_some_and(|r| r.contains("is missing")))),
        "rules that need a value say so: {json}"
    );
    assert_eq!(decision["new_customer"], false, "{decision}");
}

#[tokio::test]
async fn a_run_without_a_connections_file_is_refused_naming_the_flag() {
    let h = harness().await;
    let (status, body) = call(
        &h,
        "POST",
        "/v1/runs",
        Some(MARKETER),
        r#"{"channel": "sms", "segment": "customer.tenure_months >= 12"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "no_sink", "{body}");
    assert_eq!(body["error"]["field"], "channel", "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("--connections")),
        "{body}"
    );
    // The request itself is checked first: a bad segment names the segment.
    let (status, body) = call(
        &h,
        "POST",
        "/v1/runs",
        Some(MARKETER),
        r#"{"channel": "sms", "segment": "customer.tenure_months >="}"#,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["field"], "segment", "{body}");
    let (status, body) = call(&h, "GET", "/v1/runs", Some(MARKETER), "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["runs"], serde_json::json!([]), "nothing started");
}

#[tokio::test]
async fn operations_routes_answer_without_a_key() {
    let h = harness().await;
    let (status, doc) = call(&h, "GET", "/openapi.json", None, "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")),
        "{}",
        doc["openapi"]
    );
    for path in [
        "/healthz",
        "/readyz",
        "/metrics",
        "/v1/events",
        "/v1/decisions",
        "/v1/responses",
        "/v1/customers/{id}",
        "/v1/kpis",
    ] {
        assert!(doc["paths"].get(path).is_some(), "openapi lacks {path}");
    }
    let (status, health) = call(&h, "GET", "/healthz", None, "").await;
    assert_eq!(
        (status, health["status"].as_str()),
        (StatusCode::OK, Some("ok"))
    );
    h.state.set_ready(false);
    let (status, _) = call(&h, "GET", "/readyz", None, "").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    call(
        &h,
        "POST",
        "/v1/events",
        Some(ADMIN),
        &event("m1", "sms", json!({})).to_string(),
    )
    .await;
    let (status, metrics) = call(&h, "GET", "/metrics", None, "").await;
    assert_eq!(status, StatusCode::OK);
    let text = metrics.as_str().unwrap_or_default();
    // Storage figures beyond HTTP: one sms event is one dedup fingerprint, journaled and applied.
    for expected in [
        "concord_ingest_events_total{result=\"accepted\"} 1",
        "concord_profile_dedup_entries 1",
        "concord_journal_apply_lag_bytes 0",
        "concord_snapshot_taken 0",
        "concord_recovery_replayed_records 0",
        // The example's USSD circuit breaker, closed and never tripped.
        "concord_breaker_open{channel=\"ussd\"} 0",
        "concord_breaker_trips{channel=\"ussd\"} 0",
    ] {
        assert!(text.contains(expected), "{expected} missing from\n{text}");
    }
    let journal_end = text
        .lines()
        .find_map(|l| l.strip_prefix("concord_journal_end_bytes "))
        .and_then(|v| v.parse::<u64>().ok());
    assert!(journal_end.is_some_and(|b| b > 0), "{text}");
    let (status, json) = call(&h, "GET", "/v2/nothing", None, "").await;
    assert_eq!(
        (status, json["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("no_such_route"))
    );
}

#[tokio::test]
async fn decision_body_snapshot() {
    let h = harness().await;
    let request =
        json!({"customer_id": "27820000001", "channel": "ussd", "context": {"session_id": "s1"}});
    let (status, decision) = call(
        &h,
        "POST",
        "/v1/decisions?explain=true",
        Some(CHANNEL),
        &request.to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    insta::assert_json_snapshot!(decision, {
        ".decision_id" => "[decision_id]",
        ".strategy_hash" => "[hash]",
    });
}

#[test]
fn openapi_document_snapshot() {
    // Any change to the API's shape shows up here for review.
    let doc = serde_json::to_value(concord_server::openapi_document()).expect("serialises");
    insta::assert_json_snapshot!(doc);
}

#[tokio::test]
async fn three_dropped_calls_fire_the_health_check_trigger_once() {
    let h = harness().await;
    let drops: Vec<Json> = (0..4)
        .map(|i| {
            let mut e = event(&format!("d{i}"), "dropped_call", json!({"cell": "C9"}));
            e["time"] = json!(format!("2026-11-18T10:0{i}:00Z"));
            e
        })
        .collect();
    let (status, report) = call(
        &h,
        "POST",
        "/v1/events",
        Some(ADMIN),
        &json!(drops[..2]).to_string(),
    )
    .await;
    assert_eq!(
        (status, report["triggers_fired"].as_u64()),
        (StatusCode::OK, Some(0)),
        "{report}"
    );
    let (status, report) = call(
        &h,
        "POST",
        "/v1/events",
        Some(ADMIN),
        &json!(drops[2..]).to_string(),
    )
    .await;
    assert_eq!(
        (status, report["triggers_fired"].as_u64()),
        (StatusCode::OK, Some(1)),
        "one fire, the fourth drop is in the cool-down: {report}"
    );

    let (status, triggers) = call(&h, "GET", "/v1/triggers?limit=5", Some(MARKETER), "").await;
    assert_eq!(status, StatusCode::OK, "{triggers}");
    assert_eq!(
        triggers["counts"]["dropped_calls_health_check"], 1,
        "{triggers}"
    );
    let fire = &triggers["recent"][0];
    assert_eq!(fire["customer_id"], "27820000001");
    assert_eq!(fire["channel"], "outbound_call");
    assert_eq!(fire["event_id"], "d2");
    assert_eq!(fire["context"]["trigger"], "dropped_calls");

    let (_, customer) = call(&h, "GET", "/v1/customers/27820000001", Some(AGENT), "").await;
    assert_eq!(
        customer["triggers"][0]["trigger"], "dropped_calls_health_check",
        "{customer}"
    );

    for query in ["limit=abc", "limit=100000", "colour=blue"] {
        let (status, json) =
            call(&h, "GET", &format!("/v1/triggers?{query}"), Some(ADMIN), "").await;
        assert_eq!(
            (status, json["error"]["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("limit")),
            "{query}: {json}"
        );
    }
}

#[tokio::test]
async fn placements_bound_the_answer_and_an_open_dispute_silences_sales() {
    let h = harness().await;
    let decide = |body: Json| {
        let h = &h;
        async move { call(h, "POST", "/v1/decisions", Some(AGENT), &body.to_string()).await }
    };
    // The USSD banner shows one action; the menu up to five; an unknown placement is refused.
    let (status, banner) =
        decide(json!({"customer_id": "27820000001", "channel": "ussd", "placement": "banner"}))
            .await;
    assert_eq!(status, StatusCode::OK, "{banner}");
    assert_eq!(
        banner["actions"].as_array().map(Vec::len),
        Some(1),
        "{banner}"
    );
    let (status, json) =
        decide(json!({"customer_id": "27820000001", "channel": "ussd", "placement": "carousel"}))
            .await;
    assert_eq!(
        (
            status,
            json["error"]["code"].as_str(),
            json["error"]["field"].as_str()
        ),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("unknown_placement"),
            Some("placement")
        ),
        "{json}"
    );

    // Before the dispute the call centre may sell; with it open, no sales and a do-not-mention list.
    let (_, before) = decide(json!({"customer_id": "27820000001", "channel": "call_centre"})).await;
    assert_eq!(before["do_not_mention"], json!([]), "{before}");
    let dispute = event(
        "disp1",
        "dispute_opened",
        json!({"dispute_id": "D1", "amount": 120.0}),
    );
    let (status, report) = call(
        &h,
        "POST",
        "/v1/events",
        Some(ADMIN),
        &json!([dispute]).to_string(),
    )
    .await;
    assert_eq!(
        (status, report["accepted"].as_u64()),
        (StatusCode::OK, Some(1)),
        "{report}"
    );
    let (status, after) = decide(json!({"customer_id": "27820000001", "channel": "call_centre", "time": "2026-11-18T11:00:00Z"})).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    let ranked: Vec<&str> = after["actions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["action_id"].as_str())
        .collect();
    assert_eq!(
        ranked.first(),
        Some(&"svc_billing_dispute_resolution"),
        "{after}"
    );
    assert!(
        ranked.iter().all(|id| id.starts_with("svc_")),
        "only service actions: {ranked:?}"
    );
    let quiet = after["do_not_mention"].as_array().expect("a list");
    assert!(!quiet.is_empty(), "{after}");
    assert!(quiet.iter().all(|d| {
        d["reason"]
            .as_str()
            .is_some_and(|r| r.contains("billing dispute"))
    }));
    assert!(
        after.get("trace").is_none(),
        "no trace unless asked: {after}"
    );
    let (_, explained) = call(
        &h,
        "POST",
        "/v1/decisions?explain=true",
        Some(AGENT),
        &json!({"customer_id": "27820000001", "channel": "call_centre", "time": "2026-11-18T11:00:00Z"}).to_string(),
    )
    .await;
    let suppressed = explained["trace"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| t["stage"] == "suppression")
        .count();
    assert_eq!(
        suppressed,
        quiet.len(),
        "each suppressed action is traced and listed once"
    );
}

/// The example's contact.yaml through the API: one outbound contact a day per customer; the
/// second SMS of the day is refused with the cap in the trace, the customer view lists the
/// impression, the next day is free again, and /metrics counts the history kept.
#[tokio::test]
async fn the_contact_policy_caps_outbound_contact_per_day() {
    let h = harness().await;
    load_sms_customer(&h).await;
    let sms = |time: &str| {
        let h = &h;
        let body = json!({"customer_id": "27820000002", "channel": "sms", "time": time});
        async move {
            call(
                h,
                "POST",
                "/v1/decisions?explain=true",
                Some(CHANNEL),
                &body.to_string(),
            )
            .await
        }
    };
    let (status, first) = sms("2026-11-23T10:00:00Z").await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let sent = first["actions"][0]["action_id"]
        .as_str()
        .expect("an SMS goes out")
        .to_owned();
    let (status, second) = sms("2026-11-23T12:00:00Z").await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_eq!(second["actions"], json!([]), "{second}");
    let reason = second["trace"][0]["reason"].as_str().unwrap_or_default();
    assert_eq!(second["trace"][0]["stage"], "contact_policy", "{second}");
    assert!(
        reason.contains("cap outbound_per_day: 1 impressions today, max 1"),
        "{reason}"
    );
    let (status, view) = call(&h, "GET", "/v1/customers/27820000002", Some(AGENT), "").await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(
        view["contact_history"],
        json!([{"time": "2026-11-23T10:00:00Z", "action_id": sent, "channel": "sms", "kind": "impression"}]),
        "{view}"
    );
    let (_, next_day) = sms("2026-11-24T10:00:00Z").await;
    assert_eq!(
        next_day["actions"].as_array().map(Vec::len),
        Some(1),
        "{next_day}"
    );
    let (_, metrics) = call(&h, "GET", "/metrics", None, "").await;
    let text = metrics.as_str().unwrap_or_default().to_owned();
    assert!(text.contains("concord_contact_history_entries 2"), "{text}");
}

/// Responses teach one model per action x channel; the list and a model's report read back
/// its counts, predictors with bins, and calibration; an unknown model is a 404 naming the id.
#[tokio::test]
async fn model_reports_list_and_open_models() {
    let h = harness().await;
    let (status, decision) = call(
        &h,
        "POST",
        "/v1/decisions",
        Some(CHANNEL),
        r#"{"customer_id":"27820000001","channel":"ussd"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{decision}");
    let actions: Vec<String> = decision["actions"]
        .as_array()
        .expect("actions")
        .iter()
        .filter_map(|a| a["action_id"].as_str().map(str::to_owned))
        .collect();
    for action in &actions {
        // Declined is a failure for every model in the example.
        let body = json!({"decision_id": decision["decision_id"], "action_id": action, "outcome": "declined"});
        let (status, json) = call(
            &h,
            "POST",
            "/v1/responses",
            Some(CHANNEL),
            &body.to_string(),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{json}");
    }
    let (status, list) = call(&h, "GET", "/v1/models", Some(MARKETER), "").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["pending"], 0);
    let models = list["models"].as_array().expect("models");
    let mut ids: Vec<&str> = models
        .iter()
        .filter_map(|m| m["model_id"].as_str())
        .collect();
    ids.sort_unstable();
    let mut want: Vec<String> = actions.iter().map(|a| format!("{a}@ussd")).collect();
    want.sort();
    assert_eq!(ids, want, "{list}");
    let first = &models[0];
    assert_eq!(
        (
            &first["negatives"],
            &first["positives"],
            &first["direction"]
        ),
        (&json!(1), &json!(0), &json!("inbound"))
    );
    assert_eq!(first["auc"], serde_json::Value::Null, "no positive yet");
    let id = first["model_id"].as_str().expect("id");
    let (status, model) = call(&h, "GET", &format!("/v1/models/{id}"), Some(ADMIN), "").await;
    assert_eq!(status, StatusCode::OK, "{model}");
    let predictors = model["predictors"].as_array().expect("predictors");
    let names: Vec<&str> = predictors
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(
        names.len(),
        h.state.hub.strategy().models().predictors.len()
    );
    assert!(names.contains(&"customer.segment"), "{names:?}");
    for p in predictors {
        let total: u64 = p["bins"]
            .as_array()
            .expect("bins")
            .iter()
            .map(|b| b["negatives"].as_u64().unwrap_or(0))
            .sum();
        assert_eq!(total, 1, "every predictor counts the response once: {p}");
    }
    let (_, metrics) = call(&h, "GET", "/metrics", None, "").await;
    let text = metrics.as_str().unwrap_or_default().to_owned();
    assert!(
        text.contains(&format!("concord_learn_models {}", want.len())),
        "{text}"
    );
    assert!(text.contains("concord_learn_pending_responses 0"), "{text}");
    let (status, json) = call(&h, "GET", "/v1/models/nope@ussd", Some(ADMIN), "").await;
    assert_eq!(
        (
            status,
            json["error"]["code"].as_str(),
            json["error"]["field"].as_str()
        ),
        (StatusCode::NOT_FOUND, Some("unknown_model"), Some("id"))
    );
}

/// The server's housekeeping answers an SMS nobody answered once the example's 3-day window
/// closes by the server's clock: the timeline shows `no_response` (counted as ignored) at the
/// deadline, and the models learn it.
#[tokio::test]
async fn housekeeping_answers_unanswered_outbound_actions() {
    let (h, clock) = harness_with_clock().await;
    load_sms_customer(&h).await;
    let body =
        json!({"customer_id": "27820000002", "channel": "sms", "time": "2026-11-23T10:00:00Z"});
    let (status, decision) = call(
        &h,
        "POST",
        "/v1/decisions",
        Some(CHANNEL),
        &body.to_string(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{decision}");
    let sent = decision["actions"][0]["action_id"]
        .as_str()
        .expect("an SMS goes out")
        .to_owned();
    let housekeeping = concord_server::spawn_housekeeping(&h.state);
    let responses = || async {
        let (_, timeline) = call(
            &h,
            "GET",
            "/v1/customers/27820000002/timeline",
            Some(AGENT),
            "",
        )
        .await;
        timeline["items"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter(|i| i["kind"] == "response")
                    .map(|i| i["detail"].clone())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    // Two days on: the window is open.
    clock.set(Timestamp::from_second(1_795_600_800).expect("2026-11-25T10:00:00Z"));
    tokio::time::sleep(concord_server::SWEEP_EVERY * 2).await;
    assert!(responses().await.is_empty());
    // Past three days: answered at the deadline, once.
    clock.set(Timestamp::from_second(1_795_700_000).expect("2026-11-26T13:33:20Z"));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut seen = Vec::new();
    while seen.is_empty() && std::time::Instant::now() < deadline {
        tokio::time::sleep(concord_server::SWEEP_EVERY / 2).await;
        seen = responses().await;
    }
    housekeeping.abort();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(
        (
            seen[0]["action_id"].as_str(),
            seen[0]["outcome"].as_str(),
            seen[0]["custom_outcome"].as_str(),
            seen[0]["time"].as_str()
        ),
        (
            Some(sent.as_str()),
            Some("ignored"),
            Some("no_response"),
            Some("2026-11-26T10:00:00Z")
        )
    );
    let (_, models) = call(&h, "GET", "/v1/models", Some(MARKETER), "").await;
    assert_eq!(models["models"][0]["negatives"], 1, "{models}");
}

/// The USSD menu over HTTP: a session opens on the menu (JSON, or `CON ...` text for a
/// gateway), a choice asks to confirm, and bad requests name the field.
#[tokio::test]
async fn a_ussd_session_over_http() {
    let h = harness().await;
    let open = r#"{"session_id": "gw-1", "msisdn": "27820000001", "input": "*123#"}"#;
    let (status, body) = call(&h, "POST", "/v1/ussd", Some(CHANNEL), open).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let text = body["text"].as_str().expect("text");
    assert!(text.starts_with("Just For You\n1. "), "{text}");
    assert!(text.chars().count() <= 182);
    assert_eq!(body["end"], false);
    let (status, body) = call(
        &h,
        "POST",
        "/v1/ussd?format=text",
        Some(CHANNEL),
        r#"{"session_id": "gw-1", "msisdn": "27820000001", "input": "1"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let page = body.as_str().expect("plain text");
    assert!(
        page.starts_with("CON ") && page.ends_with("1. Accept\n0. Back"),
        "{page}"
    );
    // Another subscriber on the same session: a conflict, not a crash.
    let (status, body) = call(
        &h,
        "POST",
        "/v1/ussd",
        Some(CHANNEL),
        r#"{"session_id": "gw-1", "msisdn": "27820000009", "input": "1"}"#,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["field"], "session_id");
    // What the inputs did, in /metrics; the opening counts as a USSD decision.
    let (status, metrics) = call(&h, "GET", "/metrics", None, "").await;
    assert_eq!(status, StatusCode::OK);
    let text = metrics.as_str().expect("text");
    for line in [
        "concord_ussd_inputs_total{step=\"opened\"} 1",
        "concord_ussd_inputs_total{step=\"confirm\"} 1",
        "concord_decide_decisions_total{channel=\"ussd\"} 1",
    ] {
        assert!(text.contains(line), "{line} in\n{text}");
    }
    for (uri, payload, field) in [
        (
            "/v1/ussd",
            r#"{"session_id": "", "msisdn": "27820000001"}"#,
            "session_id",
        ),
        (
            "/v1/ussd",
            r#"{"session_id": "x", "msisdn": " "}"#,
            "msisdn",
        ),
        (
            "/v1/ussd?format=xml",
            r#"{"session_id": "x", "msisdn": "1"}"#,
            "format",
        ),
        (
            "/v1/ussd",
            r#"{"session_id": "x", "msisdn": "1", "inputs": "1"}"#,
            "inputs",
        ),
    ] {
        let (status, body) = call(&h, "POST", uri, Some(CHANNEL), payload).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{payload}: {body}");
        assert_eq!(body["error"]["field"], field, "{payload}: {body}");
    }
}
