//! GET /v1/kpis: impressions, outcomes, accept rate and value per action and channel, per
//! experiment arm, and by any dimensions asked for (`?by=issue,channel,day`).

use super::Caller;
use crate::auth::Role;
use crate::error::ApiError;
use crate::state::AppState;
use crate::wire::{ErrorEnvelope, KpiBody, KpiGroupBody};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use concord_measure::KpiDimension;
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct KpiQuery {
    /// Dimensions to add the KPIs up by, comma-separated: issue, group, action, channel,
    /// direction, arm, experiment, variant, day (UTC day of the decisions).
    by: Option<String>,
}

/// KPIs from the hub's own decision and response logs, in volume (impressions, accepts) and
/// value (accepted value, value per impression); `?by=` adds them up by any dimensions.
#[utoipa::path(get, path = "/v1/kpis", tag = "kpis",
    params(KpiQuery),
    responses(
        (status = 200, body = KpiBody),
        (status = 400, description = "Bad query: an unknown dimension, named with the valid ones", body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn get_kpis(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<KpiQuery>, QueryRejection>,
) -> Result<Json<KpiBody>, ApiError> {
    caller.require(&[Role::Marketer, Role::Admin])?;
    let Query(query) =
        query.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()).field("by"))?;
    let by = query
        .by
        .as_deref()
        .map(KpiDimension::parse_list)
        .transpose()
        .map_err(|e| ApiError::bad_request("invalid_query", e.to_string()).field("by"))?;
    let mut body: KpiBody = state.hub.kpis().into();
    if let Some(by) = by {
        body.groups = Some(
            state
                .hub
                .kpis_by(&by)
                .iter()
                .map(|(key, tally)| KpiGroupBody::new(key.clone(), tally))
                .collect(),
        );
        body.by = Some(by.iter().map(|d| d.as_str().to_owned()).collect());
    }
    Ok(Json(body))
}
