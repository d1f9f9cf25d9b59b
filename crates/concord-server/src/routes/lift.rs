//! GET /v1/lift: what the strategy is worth against its always-on control arms.

use super::Caller;
use crate::auth::Role;
use crate::error::ApiError;
use crate::state::AppState;
use crate::wire::ErrorEnvelope;
use crate::wire_lift::LiftBody;
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LiftQuery {
    /// The two-sided confidence level of the intervals, strictly between 0 and 1 (default
    /// 0.95).
    confidence: Option<f64>,
}

/// The full strategy (`test`) against each control arm of experiments.yaml that has
/// impressions: lift of the accept rate and of the accepted value per impression, with
/// delta-method confidence intervals. The universal hold-out shows no sales actions, so its
/// per-impression rates are not comparable and it is not listed there (its KPIs are in
/// /v1/kpis); `outcomes` compares every arm, the hold-out included, per customer on the
/// business outcomes experiments.yaml declares (churned, revenue...), read from the live
/// profiles (one pass over the base).
#[utoipa::path(get, path = "/v1/lift", tag = "kpis",
    params(LiftQuery),
    responses(
        (status = 200, body = LiftBody),
        (status = 400, description = "Bad query", body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn get_lift(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<LiftQuery>, QueryRejection>,
) -> Result<Json<LiftBody>, ApiError> {
    caller.require(&[Role::Marketer, Role::Admin])?;
    let Query(query) = query
        .map_err(|e| ApiError::bad_request("invalid_query", e.body_text()).field("confidence"))?;
    let confidence = confidence(query.confidence)?;
    Ok(Json(LiftBody {
        confidence,
        unit: "impression".to_owned(),
        arms: state
            .hub
            .lift(confidence)
            .into_iter()
            .map(Into::into)
            .collect(),
        outcomes: state
            .hub
            .outcomes(state.clock.now(), confidence)
            .into_iter()
            .map(Into::into)
            .collect(),
    }))
}

/// A query's `confidence` (default 0.95), strictly between 0 and 1.
pub(super) fn confidence(asked: Option<f64>) -> Result<f64, ApiError> {
    let confidence = asked.unwrap_or(0.95);
    if confidence > 0.0 && confidence < 1.0 {
        Ok(confidence)
    } else {
        Err(ApiError::bad_request(
            "invalid_query",
            format!("confidence must lie strictly between 0 and 1, got {confidence}"),
        )
        .field("confidence"))
    }
}
