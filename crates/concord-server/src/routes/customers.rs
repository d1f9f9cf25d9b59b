//! GET /v1/customers/{id}: the customer view an agent or an integrator reads.

use super::Caller;
use crate::auth::Role;
use crate::error::ApiError;
use crate::state::AppState;
use crate::wire::{CustomerBody, ErrorEnvelope, TimelineBody};
use axum::Json;
use axum::extract::{Path, State};
use concord_model::CustomerId;

/// The profile: attributes, holdings, aggregates and derived fields (as of now), recent events
/// and recent decisions.
#[utoipa::path(get, path = "/v1/customers/{id}", tag = "customers",
    params(("id" = String, Path, description = "Customer id")),
    responses(
        (status = 200, body = CustomerBody),
        (status = 404, description = "Unknown customer", body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn get_customer(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<CustomerBody>, ApiError> {
    caller.require(&[Role::Agent, Role::Admin])?;
    let id = CustomerId::new(id);
    let snapshot = state
        .hub
        .customer(&id, state.clock.now())
        .await
        .ok_or_else(|| {
            ApiError::not_found("unknown_customer", format!("unknown customer {id}")).field("id")
        })?;
    Ok(Json(snapshot.into()))
}

/// The customer's recent history, interleaved and newest first: events, trigger fires,
/// decisions and responses.
#[utoipa::path(get, path = "/v1/customers/{id}/timeline", tag = "customers",
    params(("id" = String, Path, description = "Customer id")),
    responses(
        (status = 200, body = TimelineBody),
        (status = 404, description = "Unknown customer", body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn get_timeline(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<TimelineBody>, ApiError> {
    caller.require(&[Role::Agent, Role::Admin])?;
    let id = CustomerId::new(id);
    let items = state.hub.timeline(&id).await.ok_or_else(|| {
        ApiError::not_found("unknown_customer", format!("unknown customer {id}")).field("id")
    })?;
    Ok(Json(TimelineBody {
        customer_id: id.0,
        items: items.into_iter().map(Into::into).collect(),
    }))
}
