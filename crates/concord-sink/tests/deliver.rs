//! `deliver` against a real HTTP receiver (axum on a loopback port): what is retried, what is
//! not, and that every attempt carries the same idempotency key.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use concord_sink::{Delivered, DeliveryError, Retry, deliver, http_client};
use parking_lot::Mutex;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One scripted answer of the receiver.
#[derive(Debug, Clone, Copy)]
struct Answer {
    status: u16,
    body: &'static str,
    retry_after: Option<&'static str>,
    delay: Duration,
}

const fn answer(status: u16) -> Answer {
    Answer {
        status,
        body: "",
        retry_after: None,
        delay: Duration::ZERO,
    }
}

/// What the receiver saw: per request, its idempotency key, body and the status it answered.
#[derive(Debug, Clone)]
struct Seen {
    key: String,
    body: serde_json::Value,
    status: u16,
}

#[derive(Default)]
struct Receiver {
    script: Vec<Answer>,
    seen: Mutex<Vec<Seen>>,
}

/// Answers the script in order, then its last answer again.
async fn receive(
    State(receiver): State<Arc<Receiver>>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let answer = {
        let mut seen = receiver.seen.lock();
        let index = seen.len().min(receiver.script.len() - 1);
        let answer = receiver.script[index];
        seen.push(Seen {
            key: headers
                .get("idempotency-key")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned(),
            body: serde_json::from_slice(&body).unwrap_or_default(),
            status: answer.status,
        });
        answer
    };
    tokio::time::sleep(answer.delay).await;
    let status = StatusCode::from_u16(answer.status).expect("a status");
    match answer.retry_after {
        Some(seconds) => (status, [("retry-after", seconds)], answer.body).into_response(),
        None => (status, answer.body).into_response(),
    }
}

/// Starts a receiver on a free loopback port; returns its URL.
async fn serve(receiver: Arc<Receiver>) -> String {
    let app = Router::new()
        .route("/hook", post(receive))
        .with_state(receiver);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}/hook")
}

/// A URL nothing listens on: a port the OS just handed out, closed again.
fn refused_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    format!("http://{addr}/hook")
}

fn retry(attempts: u32, timeout_ms: u64) -> Retry {
    Retry {
        attempts,
        timeout: Duration::from_millis(timeout_ms),
        backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
    }
}

#[derive(Debug)]
enum Expected {
    Delivered { attempts: u32 },
    Refused { status: u16, body: &'static str },
    Exhausted { attempts: u32, last: &'static str },
}

struct Case {
    name: &'static str,
    /// `None`: nothing listens.
    script: Option<Vec<Answer>>,
    retry: Retry,
    expected: Expected,
    /// Requests the receiver saw.
    requests: usize,
    /// Requests the receiver answered 2xx to (or would have: a request the client gave up on
    /// may still be applied, which is why every attempt carries the key).
    succeeded: usize,
}

async fn check(case: Case) {
    let receiver = Arc::new(Receiver {
        script: case.script.clone().unwrap_or_default(),
        ..Receiver::default()
    });
    let url = match case.script {
        Some(_) => serve(Arc::clone(&receiver)).await,
        None => refused_url(),
    };
    let key = "d-1:bundle-5gb";
    let body = serde_json::json!({"customer_id": "c-1", "action_id": "bundle-5gb"});
    let started = Instant::now();
    let got = deliver(&http_client(), &url, key, &body, &case.retry).await;
    let name = case.name;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{name}: took {:?}",
        started.elapsed()
    );
    match (&got, &case.expected) {
        (Ok(Delivered { status, attempts }), Expected::Delivered { attempts: expected }) => {
            assert_eq!(*status, 200, "{name}");
            assert_eq!(attempts, expected, "{name}");
        }
        (
            Err(e @ DeliveryError::Refused { status, body, .. }),
            Expected::Refused {
                status: expected,
                body: fragment,
            },
        ) => {
            assert_eq!(status, expected, "{name}");
            assert!(body.contains(fragment), "{name}: {body}");
            assert!(e.to_string().contains(fragment), "{name}: {e}");
            assert_eq!(e.status(), Some(*expected), "{name}");
            assert_eq!(e.attempts(), 1, "{name}");
        }
        (
            Err(e @ DeliveryError::Exhausted { attempts, last, .. }),
            Expected::Exhausted {
                attempts: expected,
                last: fragment,
            },
        ) => {
            assert_eq!(attempts, expected, "{name}");
            assert!(last.contains(fragment), "{name}: {last}");
            assert_eq!(e.status(), None, "{name}");
        }
        _ => panic!("{name}: got {got:?}, expected {:?}", case.expected),
    }

    let seen = receiver.seen.lock().clone();
    assert_eq!(seen.len(), case.requests, "{name}: requests {seen:?}");
    for request in &seen {
        assert_eq!(request.key, key, "{name}: the same key on every attempt");
        assert_eq!(request.body, body, "{name}: the same body on every attempt");
    }
    let succeeded = seen
        .iter()
        .filter(|r| (200..300).contains(&r.status))
        .count();
    assert_eq!(succeeded, case.succeeded, "{name}: successes");
}

#[tokio::test]
async fn deliver_retries_what_may_pass_and_stops_at_what_cannot() {
    let slow = Answer {
        delay: Duration::from_millis(500),
        ..answer(200)
    };
    let cases = vec![
        Case {
            name: "first try",
            script: Some(vec![answer(200)]),
            retry: retry(3, 1000),
            expected: Expected::Delivered { attempts: 1 },
            requests: 1,
            succeeded: 1,
        },
        Case {
            name: "503 twice, then 200",
            script: Some(vec![answer(503), answer(503), answer(200)]),
            retry: retry(5, 1000),
            expected: Expected::Delivered { attempts: 3 },
            requests: 3,
            succeeded: 1,
        },
        Case {
            name: "400 is refused at once, body kept",
            script: Some(vec![Answer {
                body: "unknown offer bundle-5gb",
                ..answer(400)
            }]),
            retry: retry(5, 1000),
            expected: Expected::Refused {
                status: 400,
                body: "unknown offer bundle-5gb",
            },
            requests: 1,
            succeeded: 0,
        },
        Case {
            name: "422 is refused at once",
            script: Some(vec![Answer {
                body: "customer c-1 is closed",
                ..answer(422)
            }]),
            retry: retry(5, 1000),
            expected: Expected::Refused {
                status: 422,
                body: "c-1 is closed",
            },
            requests: 1,
            succeeded: 0,
        },
        Case {
            name: "503 every time",
            script: Some(vec![Answer {
                body: "down for maintenance",
                ..answer(503)
            }]),
            retry: retry(4, 1000),
            expected: Expected::Exhausted {
                attempts: 4,
                last: "HTTP 503 down for maintenance",
            },
            requests: 4,
            succeeded: 0,
        },
        Case {
            name: "408 and 409 are retried",
            script: Some(vec![answer(408), answer(409), answer(200)]),
            retry: retry(3, 1000),
            expected: Expected::Delivered { attempts: 3 },
            requests: 3,
            succeeded: 1,
        },
        Case {
            name: "429 with Retry-After: 0 is retried",
            script: Some(vec![
                Answer {
                    retry_after: Some("0"),
                    ..answer(429)
                },
                answer(200),
            ]),
            retry: retry(3, 1000),
            expected: Expected::Delivered { attempts: 2 },
            requests: 2,
            succeeded: 1,
        },
        Case {
            // A Retry-After of an hour would fail the 5 s bound in `check`.
            name: "Retry-After is capped at max_backoff",
            script: Some(vec![
                Answer {
                    retry_after: Some("3600"),
                    ..answer(429)
                },
                answer(200),
            ]),
            retry: retry(3, 1000),
            expected: Expected::Delivered { attempts: 2 },
            requests: 2,
            succeeded: 1,
        },
        Case {
            name: "connection refused",
            script: None,
            retry: retry(3, 1000),
            expected: Expected::Exhausted {
                attempts: 3,
                last: "error sending request",
            },
            requests: 0,
            succeeded: 0,
        },
        Case {
            name: "slower than the timeout",
            script: Some(vec![slow]),
            retry: retry(2, 50),
            expected: Expected::Exhausted {
                attempts: 2,
                last: "no answer within 50ms",
            },
            requests: 2,
            succeeded: 2,
        },
        Case {
            name: "slow once, then in time",
            script: Some(vec![slow, answer(200)]),
            retry: retry(3, 100),
            expected: Expected::Delivered { attempts: 2 },
            requests: 2,
            succeeded: 2,
        },
        Case {
            name: "one attempt means no retry",
            script: Some(vec![answer(503), answer(200)]),
            retry: retry(1, 1000),
            expected: Expected::Exhausted {
                attempts: 1,
                last: "HTTP 503",
            },
            requests: 1,
            succeeded: 0,
        },
    ];
    for case in cases {
        check(case).await;
    }
}

#[tokio::test]
async fn a_url_that_cannot_be_requested_is_invalid_without_a_request() {
    let got = deliver(
        &http_client(),
        "not a url",
        "d-1:a",
        &serde_json::json!({}),
        &retry(3, 100),
    )
    .await;
    assert!(
        matches!(&got, Err(DeliveryError::Invalid { url, .. }) if url == "not a url"),
        "{got:?}"
    );
}
