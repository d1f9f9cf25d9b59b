//! GET /v1/provisions: fulfilment — accepted offers queued for their provisioning endpoint,
//! how many were provisioned or failed, and the latest results.

use super::Caller;
use crate::auth::Role;
use crate::error::ApiError;
use crate::state::AppState;
use crate::wire::ErrorEnvelope;
use crate::wire_provisions::ProvisionsBody;
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use serde::Deserialize;

const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 10_000;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ProvisionsQuery {
    /// How many finished jobs to return (default 100, at most 10000).
    limit: Option<usize>,
}

/// Provisioning jobs: open ones (all), counts, and the newest finished ones.
#[utoipa::path(get, path = "/v1/provisions", tag = "fulfilment",
    params(ProvisionsQuery),
    responses(
        (status = 200, body = ProvisionsBody),
        (status = 400, description = "Bad query", body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn get_provisions(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<ProvisionsQuery>, QueryRejection>,
) -> Result<Json<ProvisionsBody>, ApiError> {
    caller.require(&[Role::Marketer, Role::Admin])?;
    let Query(query) =
        query.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()).field("limit"))?;
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if limit > MAX_LIMIT {
        return Err(ApiError::bad_request(
            "invalid_query",
            format!("limit is at most {MAX_LIMIT}"),
        )
        .field("limit"));
    }
    Ok(Json(state.hub.provisions(limit).into()))
}
