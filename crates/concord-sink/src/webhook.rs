//! A webhook sink: each contact POSTed as JSON to one URL, keyed by its contact id, a bounded
//! number in flight.

use crate::{ContactSink, OutboundContact, Retry, SinkError, deliver, http_client};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tokio::task::JoinSet;

/// A configured webhook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// The sink's name, for run reports, metrics and errors.
    pub name: String,
    /// Where each contact is POSTed (`http` or `https`).
    pub url: String,
    #[serde(default)]
    pub retry: Retry,
    /// How many deliveries may be in flight at once (at least 1).
    #[serde(default = "default_concurrency")]
    pub concurrency: usize,
    #[serde(default)]
    pub body: WebhookBody,
}

fn default_concurrency() -> usize {
    8
}

/// What a webhook request carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookBody {
    /// The contact itself, in its serde (JSON) form.
    #[default]
    Contact,
}

impl WebhookBody {
    fn render(self, contact: &OutboundContact) -> Result<serde_json::Value, serde_json::Error> {
        match self {
            WebhookBody::Contact => serde_json::to_value(contact),
        }
    }
}

/// POSTs each contact to the webhook with `Idempotency-Key: <contact_id>`, retrying per the
/// config's `retry`, so a receiver that honours the key applies each contact once however many
/// times it arrives.
#[derive(Debug)]
pub struct WebhookSink {
    config: WebhookConfig,
    // Shared with the delivery tasks, which must own what they use.
    url: Arc<str>,
    client: reqwest::Client,
}

impl WebhookSink {
    /// A webhook on the shared HTTP client; refuses a URL that is not http(s) and a
    /// concurrency of 0.
    pub fn new(config: WebhookConfig) -> Result<Self, SinkError> {
        Self::with_client(config, http_client())
    }

    /// A webhook on a given client (its pool, proxy and TLS settings).
    pub fn with_client(config: WebhookConfig, client: reqwest::Client) -> Result<Self, SinkError> {
        let invalid = |reason: String| SinkError::Other {
            sink: config.name.clone(),
            reason,
        };
        let url = reqwest::Url::parse(&config.url)
            .map_err(|e| invalid(format!("url {:?} is not a URL: {e}", config.url)))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(invalid(format!(
                "url {:?} is not http or https",
                config.url
            )));
        }
        if config.concurrency == 0 {
            return Err(invalid("concurrency must be at least 1".to_owned()));
        }
        Ok(Self {
            url: Arc::from(config.url.as_str()),
            config,
            client,
        })
    }

    pub fn config(&self) -> &WebhookConfig {
        &self.config
    }

    async fn send_all(&self, contacts: &[OutboundContact]) -> Vec<Result<(), SinkError>> {
        let mut results: Vec<Option<Result<(), SinkError>>> =
            contacts.iter().map(|_| None).collect();
        let mut in_flight = JoinSet::new();
        let mut pending = contacts.iter().enumerate();
        loop {
            while in_flight.len() < self.config.concurrency {
                let Some((index, contact)) = pending.next() else {
                    break;
                };
                let body = match self.config.body.render(contact) {
                    Ok(body) => body,
                    Err(e) => {
                        set(&mut results, index, Err(self.other(format!("{e}"))));
                        continue;
                    }
                };
                let client = self.client.clone();
                let url = Arc::clone(&self.url);
                let key = contact.contact_id.clone();
                let retry = self.config.retry;
                in_flight.spawn(async move {
                    let delivered = deliver(&client, &url, &key, &body, &retry).await;
                    (index, key, delivered)
                });
            }
            // Dropping the JoinSet (the caller giving up on `send`) aborts what is in flight.
            let Some(joined) = in_flight.join_next().await else {
                break;
            };
            // A task that panicked leaves its slot empty: reported below.
            if let Ok((index, key, delivered)) = joined {
                let result = delivered.map(|_| ()).map_err(|e| {
                    tracing::warn!(sink = %self.config.name, contact_id = %key, error = %e, "webhook delivery failed");
                    SinkError::from(e)
                });
                set(&mut results, index, result);
            }
        }
        results
            .into_iter()
            .map(|result| {
                result.unwrap_or_else(|| Err(self.other("the delivery task failed".to_owned())))
            })
            .collect()
    }

    fn other(&self, reason: String) -> SinkError {
        SinkError::Other {
            sink: self.config.name.clone(),
            reason,
        }
    }
}

fn set<T>(results: &mut [Option<T>], index: usize, result: T) {
    if let Some(slot) = results.get_mut(index) {
        *slot = Some(result);
    }
}

impl ContactSink for WebhookSink {
    fn name(&self) -> &str {
        &self.config.name
    }

    fn send<'a>(
        &'a self,
        contacts: &'a [OutboundContact],
    ) -> crate::BoxFuture<'a, Vec<Result<(), SinkError>>> {
        Box::pin(self.send_all(contacts))
    }

    /// Nothing is buffered: each `send` returns once its contacts are delivered or failed.
    fn finish(&self) -> crate::BoxFuture<'_, Result<(), SinkError>> {
        Box::pin(async { Ok(()) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(yaml_like_json: &str, expected: Result<(), &str>) {
        let config: WebhookConfig = match serde_json::from_str(yaml_like_json) {
            Ok(config) => config,
            Err(e) => {
                let Err(fragment) = expected else {
                    panic!("{yaml_like_json}: {e}");
                };
                assert!(e.to_string().contains(fragment), "{e}");
                return;
            }
        };
        match (WebhookSink::new(config), expected) {
            (Ok(_), Ok(())) => {}
            (Err(e), Err(fragment)) => assert!(e.to_string().contains(fragment), "{e}"),
            (got, expected) => panic!("{yaml_like_json}: got {got:?}, expected {expected:?}"),
        }
    }

    #[test]
    fn config_is_checked_once() {
        check(r#"{"name":"crm","url":"http://127.0.0.1:9/hook"}"#, Ok(()));
        check(
            r#"{"name":"crm","url":"https://crm.example/hook","concurrency":2,"body":"contact"}"#,
            Ok(()),
        );
        check(r#"{"name":"crm","url":"not a url"}"#, Err("is not a URL"));
        check(
            r#"{"name":"crm","url":"ftp://crm.example/hook"}"#,
            Err("not http or https"),
        );
        check(
            r#"{"name":"crm","url":"http://crm.example","concurrency":0}"#,
            Err("at least 1"),
        );
        check(
            r#"{"name":"crm","url":"http://crm.example","urll":"x"}"#,
            Err("unknown field"),
        );
        check(
            r#"{"name":"crm","url":"http://crm.example","body":"xml"}"#,
            Err("unknown variant"),
        );
    }
}
