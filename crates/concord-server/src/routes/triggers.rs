//! GET /v1/triggers: how often each real-time trigger fired, and the latest fires.

use super::Caller;
use crate::auth::Role;
use crate::error::ApiError;
use crate::state::AppState;
use crate::wire::{ErrorEnvelope, TriggersBody};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TriggersQuery {
    /// How many recent fires to return (default 100, at most 10000).
    limit: Option<usize>,
}

/// Trigger fires, newest first. Each fire is a decision request for its channel and context.
#[utoipa::path(get, path = "/v1/triggers", tag = "triggers",
    params(TriggersQuery),
    responses(
        (status = 200, body = TriggersBody),
        (status = 400, description = "Bad query", body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn get_triggers(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<TriggersQuery>, QueryRejection>,
) -> Result<Json<TriggersBody>, ApiError> {
    caller.require(&[Role::Marketer, Role::Admin])?;
    let limit = super::list_limit(query, |q| q.limit)?;
    Ok(Json(state.hub.triggers(limit).into()))
}
