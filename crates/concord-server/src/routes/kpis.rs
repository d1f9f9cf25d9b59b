//! GET /v1/kpis: impressions, outcomes, accept rate and value per action and channel.

use super::Caller;
use crate::auth::Role;
use crate::error::ApiError;
use crate::state::AppState;
use crate::wire::{ErrorEnvelope, KpiBody};
use axum::Json;
use axum::extract::State;

/// KPIs from the hub's own decision and response logs.
#[utoipa::path(get, path = "/v1/kpis", tag = "kpis",
    responses(
        (status = 200, body = KpiBody),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn get_kpis(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<KpiBody>, ApiError> {
    caller.require(&[Role::Marketer, Role::Admin])?;
    Ok(Json(state.hub.kpis().into()))
}
