//! POST /v1/decisions: the next best actions for one customer in one channel (and, asked, the
//! trace).

use super::Caller;
use crate::auth::Role;
use crate::error::ApiError;
use crate::json::{body_bytes, parse};
use crate::metrics::ChannelLabel;
use crate::state::AppState;
use crate::wire::{DecisionBody, DecisionRequestBody, ErrorEnvelope};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use concord_decide::DecisionRequest;
use concord_model::{Attributes, ChannelId, CustomerId, Value};
use std::time::Instant;

/// `?explain=true` adds the trace: every action's fate, stage by stage, with the factors.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct DecisionQuery {
    /// Return the funnel trace (every action of the strategy: the stage it left at and why,
    /// or its rank and priority factors). Off by default: it costs time on the hot path.
    #[serde(default)]
    pub explain: bool,
}

/// Decide. The decision (with its strategy hash) is durable before the answer leaves.
#[utoipa::path(post, path = "/v1/decisions", tag = "decisions",
    params(DecisionQuery),
    request_body = DecisionRequestBody,
    responses(
        (status = 200, description = "Ranked actions, do-not-mention, and (explain) the funnel trace", body = DecisionBody),
        (status = 400, description = "Malformed body or a bad field", body = ErrorEnvelope),
        (status = 404, description = "Unknown customer", body = ErrorEnvelope),
        (status = 422, description = "Unknown channel or placement", body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn post_decision(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<DecisionQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<DecisionBody>, ApiError> {
    caller.require(&[Role::Channel, Role::Agent, Role::Admin])?;
    let started = Instant::now();
    let Query(query) = query
        .map_err(|e| ApiError::bad_request("invalid_query", e.body_text()).field("explain"))?;
    let request: DecisionRequestBody = parse(&body_bytes(body)?)?;
    if request.customer_id.trim().is_empty() {
        return Err(
            ApiError::bad_request("invalid_field", "customer_id is empty").field("customer_id"),
        );
    }
    let context = context_values(request.context)?;
    let time = request.time.unwrap_or_else(|| state.clock.now());
    let channel = ChannelId::new(request.channel);
    let outcome = state
        .hub
        .decide(
            &CustomerId::new(request.customer_id),
            DecisionRequest {
                channel: channel.clone(),
                context,
                limit: request.limit.map(|l| l as usize),
                placement: request.placement,
                explain: query.explain,
            },
            time,
        )
        .await?;
    state
        .metrics
        .decisions
        .get_or_create(&ChannelLabel { channel: channel.0 })
        .inc();
    state
        .metrics
        .decision_latency
        .observe(started.elapsed().as_secs_f64());
    Ok(Json(outcome.into()))
}

/// Context values are scalars or lists of scalars; objects have no meaning to rules.
fn context_values(
    raw: std::collections::BTreeMap<String, serde_json::Value>,
) -> Result<Attributes, ApiError> {
    raw.into_iter()
        .map(|(name, json)| {
            let value = to_value(&json).ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_field",
                    format!(
                        "context.{name} must be a string, number, boolean, null or a list of those"
                    ),
                )
                .field(format!("context.{name}"))
            })?;
            Ok((name, value))
        })
        .collect()
}

fn to_value(json: &serde_json::Value) -> Option<Value> {
    Some(match json {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => Value::Num(n.as_f64()?),
        serde_json::Value::String(s) => Value::Str(s.clone()),
        serde_json::Value::Array(items) => {
            Value::List(items.iter().map(to_value).collect::<Option<Vec<_>>>()?)
        }
        serde_json::Value::Object(_) => return None,
    })
}
