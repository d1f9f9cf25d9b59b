//! HTTP delivery with retries: a JSON POST carrying an `Idempotency-Key`, tried again with
//! exponential backoff while the failure may be transient, so the receiver can apply it once.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How hard to try: `attempts` in all, each cut off after `timeout`, waiting `backoff` before
/// the second, doubling up to `max_backoff` (each wait scaled by a jitter in [0.5, 1], fixed by
/// the key and the attempt, so many deliveries failing together don't retry in step).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Retry {
    pub attempts: u32,
    pub timeout: Duration,
    pub backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Self {
            attempts: 5,
            timeout: Duration::from_secs(5),
            backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
        }
    }
}

impl Retry {
    /// The wait before attempt `attempt + 1` (attempt counts from 1), for `key`.
    pub fn wait_after(&self, attempt: u32, key: &str) -> Duration {
        let doubled = self
            .backoff
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
        let capped = doubled.min(self.max_backoff);
        // FNV-1a over the key and the attempt: a jitter that is the same on every run.
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in key.bytes().chain(attempt.to_le_bytes()) {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        let jitter = 0.5 + 0.5 * ((hash >> 11) as f64 / (1u64 << 53) as f64);
        capped.mul_f64(jitter)
    }
}

/// A delivery the receiver took (a 2xx answer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    pub status: u16,
    /// How many requests it took (1 when the first succeeded).
    pub attempts: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    /// The receiver refused it for good (a 4xx other than 408, 409 and 429): retrying the same
    /// request cannot help.
    #[error("{url} refused it with HTTP {status}: {body}")]
    Refused {
        url: String,
        status: u16,
        body: String,
        attempts: u32,
    },
    /// Every attempt failed transiently; `last` says how the last one failed.
    #[error("{url} failed {attempts} times; last: {last}")]
    Exhausted {
        url: String,
        attempts: u32,
        last: String,
    },
    /// The URL or the client can't make a request at all.
    #[error("can't send to {url}: {reason}")]
    Invalid { url: String, reason: String },
}

impl DeliveryError {
    /// How many requests were sent.
    pub fn attempts(&self) -> u32 {
        match self {
            DeliveryError::Refused { attempts, .. } | DeliveryError::Exhausted { attempts, .. } => {
                *attempts
            }
            DeliveryError::Invalid { .. } => 0,
        }
    }

    /// The last HTTP status the receiver answered, if it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            DeliveryError::Refused { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// The shared HTTP client (HTTP/1.1 over plain TCP; connection pooling per host).
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_idle_timeout(Duration::from_secs(30))
        .build()
        .unwrap_or_default()
}

/// POSTs `body` (JSON) to `url` with `Idempotency-Key: key`, retrying per `retry`. The same
/// key on every attempt: the receiver sees one logical request however many times it arrives.
pub async fn deliver(
    client: &reqwest::Client,
    url: &str,
    key: &str,
    body: &serde_json::Value,
    retry: &Retry,
) -> Result<Delivered, DeliveryError> {
    let attempts = retry.attempts.max(1);
    let mut last = String::new();
    for attempt in 1..=attempts {
        let sent = client
            .post(url)
            .header("Idempotency-Key", key)
            .timeout(retry.timeout)
            .json(body)
            .send()
            .await;
        let mut wait = None;
        match sent {
            Ok(response) => {
                let status = response.status();
                if status.is_success() {
                    return Ok(Delivered {
                        status: status.as_u16(),
                        attempts: attempt,
                    });
                }
                wait = retry_after(&response);
                let code = status.as_u16();
                let text = response.text().await.unwrap_or_default();
                let text = clip(&text);
                if !transient(code) {
                    return Err(DeliveryError::Refused {
                        url: url.to_owned(),
                        status: code,
                        body: text,
                        attempts: attempt,
                    });
                }
                last = format!("HTTP {code} {text}").trim_end().to_owned();
            }
            Err(e) if e.is_builder() => {
                return Err(DeliveryError::Invalid {
                    url: url.to_owned(),
                    reason: e.to_string(),
                });
            }
            Err(e) if e.is_timeout() => {
                last = format!("no answer within {:?}", retry.timeout);
            }
            Err(e) => last = error_chain(&e),
        }
        if attempt < attempts {
            let backoff = retry.wait_after(attempt, key);
            let wait = wait.map_or(backoff, |w| w.min(retry.max_backoff).max(backoff));
            tracing::debug!(url, key, attempt, ?wait, %last, "delivery failed, retrying");
            tokio::time::sleep(wait).await;
        }
    }
    Err(DeliveryError::Exhausted {
        url: url.to_owned(),
        attempts,
        last,
    })
}

/// Statuses that may succeed if the same request is sent again.
fn transient(status: u16) -> bool {
    matches!(status, 408 | 409 | 425 | 429) || status >= 500
}

/// A `Retry-After` given in seconds.
fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    let value = response.headers().get(reqwest::header::RETRY_AFTER)?;
    let seconds: u64 = value.to_str().ok()?.trim().parse().ok()?;
    Some(Duration::from_secs(seconds))
}

/// The error and its causes on one line ("error sending request: ... : Connection refused").
fn error_chain(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// A receiver's body, cut to 200 characters for an error message.
fn clip(text: &str) -> String {
    let mut out: String = text.chars().take(200).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_with_jitter_in_half_to_one() {
        let retry = Retry {
            attempts: 10,
            timeout: Duration::from_secs(1),
            backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(500),
        };
        for (attempt, full_ms) in [(1, 100), (2, 200), (3, 400), (4, 500), (9, 500), (40, 500)] {
            let wait = retry.wait_after(attempt, "d-1:bundle");
            let full = Duration::from_millis(full_ms);
            assert!(
                wait >= full / 2 && wait <= full,
                "attempt {attempt}: {wait:?}"
            );
            assert_eq!(
                wait,
                retry.wait_after(attempt, "d-1:bundle"),
                "same key, same wait"
            );
        }
        assert_ne!(retry.wait_after(1, "a"), retry.wait_after(1, "b"));
    }

    #[test]
    fn which_statuses_are_retried() {
        for (status, retried) in [
            (400, false),
            (401, false),
            (404, false),
            (422, false),
            (408, true),
            (409, true),
            (429, true),
            (500, true),
            (503, true),
        ] {
            assert_eq!(transient(status), retried, "{status}");
        }
    }
}
