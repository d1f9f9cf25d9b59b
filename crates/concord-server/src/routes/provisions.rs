//! GET /v1/provisions: fulfilment — accepted offers queued for their provisioning endpoint,
//! how many were provisioned or failed, and the latest results. GET /v1/outbound: the outbox —
//! outbound decisions waiting for their sink, fires waiting, and the latest deliveries.

use super::Caller;
use crate::auth::Role;
use crate::error::ApiError;
use crate::state::AppState;
use crate::wire::ErrorEnvelope;
use crate::wire_provisions::{OutboundBody, ProvisionsBody};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ProvisionsQuery {
    /// How many entries of each list to return (default 100, at most 10000).
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
    let limit = super::list_limit(query, |q| q.limit)?;
    Ok(Json(state.hub.provisions(limit).into()))
}

/// The outbox: outbound decisions (up to `limit`) waiting for their channel's sink, trigger
/// fires waiting for their decision, counts, and the newest `limit` deliveries.
#[utoipa::path(get, path = "/v1/outbound", tag = "outbound",
    params(ProvisionsQuery),
    responses(
        (status = 200, body = OutboundBody),
        (status = 400, description = "Bad query", body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn get_outbound(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<ProvisionsQuery>, QueryRejection>,
) -> Result<Json<OutboundBody>, ApiError> {
    caller.require(&[Role::Marketer, Role::Admin])?;
    let limit = super::list_limit(query, |q| q.limit)?;
    Ok(Json(state.hub.outbox(limit).into()))
}
