//! POST /v1/decisions: the next best actions for one customer in one channel (and, asked, the
//! trace).

use super::Caller;
use crate::auth::Role;
use crate::error::ApiError;
use crate::json::{body_bytes, parse};
use crate::metrics::ChannelLabel;
use crate::state::AppState;
use crate::wire::{DecisionBody, DecisionRequestBody, ErrorEnvelope, ReplayBody};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use concord_decide::DecisionRequest;
use concord_model::{Attributes, ChannelId, CustomerId, DecisionId, Value};
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

/// Decide. The decision (with its strategy hash) is durable before the answer leaves. A
/// customer the profile does not know yet is decided for on an empty profile
/// (`new_customer: true`); context fields must have the type profile.yaml declares.
#[utoipa::path(post, path = "/v1/decisions", tag = "decisions",
    params(DecisionQuery),
    request_body = DecisionRequestBody,
    responses(
        (status = 200, description = "Ranked actions, do-not-mention, and (explain) the funnel trace", body = DecisionBody),
        (status = 400, description = "Malformed body or a bad field", body = ErrorEnvelope),
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
    let context = context_values(request.context, state.hub.strategy().profile_schema())?;
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

/// Replay a logged decision: the funnel runs again on the inputs the log recorded (the
/// customer values its rules read, the propensities, the contact history and open offers)
/// under the strategy that decided, and the answer says whether it came out bit for bit the
/// same, with every action's fate stage by stage.
#[utoipa::path(get, path = "/v1/decisions/{id}/replay", tag = "decisions",
    params(("id" = String, Path, description = "The decision id")),
    responses(
        (status = 200, description = "The logged and the replayed decision, compared", body = ReplayBody),
        (status = 404, description = "Unknown decision (or older than the log keeps)", body = ErrorEnvelope),
        (status = 409, description = "The hub runs another strategy than the one that decided", body = ErrorEnvelope),
        (status = 422, description = "Logged before decisions recorded their inputs", body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn get_replay(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ReplayBody>, ApiError> {
    caller.require(&[Role::Agent, Role::Marketer, Role::Admin])?;
    let hub = state.hub.clone();
    let replay = tokio::task::spawn_blocking(move || hub.replay(&DecisionId::new(id)))
        .await
        .map_err(|_| {
            ApiError::new(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "the replay stopped unexpectedly",
            )
        })??;
    Ok(Json(replay.into()))
}

/// Context values are scalars or lists of scalars (objects mean nothing to rules), and a field
/// profile.yaml declares must have its declared type (or be null). Undeclared fields are kept
/// with the decision but no rule can read them.
pub(crate) fn context_values(
    raw: std::collections::BTreeMap<String, serde_json::Value>,
    schema: &concord_strategy::ProfileSchema,
) -> Result<Attributes, ApiError> {
    raw.into_iter()
        .map(|(name, json)| {
            let bad = |message: String| {
                ApiError::bad_request("invalid_field", message).field(format!("context.{name}"))
            };
            let value = to_value(&json).ok_or_else(|| {
                bad(format!(
                    "context.{name} must be a string, number, boolean, null or a list of those"
                ))
            })?;
            if let Some(declared) = schema.context_field(&name)
                && !fits(&value, declared)
            {
                return Err(bad(format!(
                    "context.{name} must be a {} (profile.yaml declares it so), found a {}",
                    declared.as_str(),
                    value.type_name()
                )));
            }
            Ok((name, value))
        })
        .collect()
}

fn fits(value: &Value, declared: concord_strategy::ValueType) -> bool {
    use concord_strategy::ValueType;
    matches!(
        (value, declared),
        (Value::Null, _)
            | (Value::Str(_), ValueType::String)
            | (Value::Num(_), ValueType::Number)
            | (Value::Bool(_), ValueType::Bool)
            | (Value::List(_), ValueType::List)
    )
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
