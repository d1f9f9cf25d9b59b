//! GET /v1/reports and /v1/reports/{name}: the cohort reports of reports.yaml (in-flow quality
//! by dealer, exit reasons, churners against stayers...) over the live customer base.

use super::Caller;
use crate::auth::Role;
use crate::error::ApiError;
use crate::state::AppState;
use crate::wire::ErrorEnvelope;
use crate::wire_reports::{ReportBody, ReportsBody};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use serde::Deserialize;

/// The reports the strategy declares.
#[utoipa::path(get, path = "/v1/reports", tag = "kpis",
    responses(
        (status = 200, body = ReportsBody),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn get_reports(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<ReportsBody>, ApiError> {
    caller.require(&[Role::Marketer, Role::Admin])?;
    Ok(Json(ReportsBody {
        reports: state
            .hub
            .strategy()
            .reports()
            .iter()
            .map(Into::into)
            .collect(),
    }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// The two-sided confidence level of the intervals, strictly between 0 and 1 (default
    /// 0.95).
    confidence: Option<f64>,
}

/// One report over the customer base as of now: its customers grouped by the report's
/// dimensions, each group's measures with intervals, and the groups whose flagged rate is
/// significantly above the rest of the cohort (one pass over the base).
#[utoipa::path(get, path = "/v1/reports/{name}", tag = "kpis",
    params(("name" = String, Path, description = "A report of reports.yaml"), ReportQuery),
    responses(
        (status = 200, body = ReportBody),
        (status = 400, description = "Bad query", body = ErrorEnvelope),
        (status = 404, description = "No such report", body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn get_report(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    query: Result<Query<ReportQuery>, QueryRejection>,
) -> Result<Json<ReportBody>, ApiError> {
    caller.require(&[Role::Marketer, Role::Admin])?;
    let Query(query) = query
        .map_err(|e| ApiError::bad_request("invalid_query", e.body_text()).field("confidence"))?;
    let confidence = super::lift::confidence(query.confidence)?;
    let hub = state.hub.clone();
    let now = state.clock.now();
    let (report, cohort) = tokio::task::spawn_blocking(move || {
        let cohort = hub.report(&name, now, confidence)?;
        let report = hub.strategy().report(&name).cloned().ok_or_else(|| {
            concord_hub::HubError::UnknownReport {
                name: name.clone(),
                known: Vec::new(),
            }
        })?;
        Ok::<_, concord_hub::HubError>((report, cohort))
    })
    .await
    .map_err(|_| {
        ApiError::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the report stopped unexpectedly",
        )
    })??;
    Ok(Json(ReportBody::new(&report, cohort)))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ValueFinderQuery {
    /// A customer is underserved when every action that reached arbitration for them is below
    /// this propensity (strictly between 0 and 1; default 0.02).
    threshold: Option<f64>,
    /// A profile field to group by (`segment`, read as `customer.segment`); default: one
    /// group.
    by: Option<String>,
    /// The two-sided confidence level of the intervals (default 0.95).
    confidence: Option<f64>,
}

/// Value Finder: the customers of the decision log (their latest full-strategy decision) the
/// strategy serves, underserves (every action that reached arbitration below `threshold` under
/// the current models) or has nothing for, grouped by a profile field; groups significantly
/// more underserved than the rest are flagged.
#[utoipa::path(get, path = "/v1/value-finder", tag = "kpis",
    params(ValueFinderQuery),
    responses(
        (status = 200, body = ReportBody),
        (status = 400, description = "Bad query, naming the field", body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn get_value_finder(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<ValueFinderQuery>, QueryRejection>,
) -> Result<Json<ReportBody>, ApiError> {
    caller.require(&[Role::Marketer, Role::Admin])?;
    let Query(query) = query.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    let confidence = super::lift::confidence(query.confidence)?;
    let threshold = super::lift::open_unit("threshold", query.threshold.unwrap_or(0.02))?;
    let hub = state.hub.clone();
    let now = state.clock.now();
    let by = query.by.clone();
    let cohort = tokio::task::spawn_blocking(move || {
        hub.value_finder(threshold, by.as_deref(), now, confidence)
    })
    .await
    .map_err(|_| {
        ApiError::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the value finder stopped unexpectedly",
        )
    })??;
    Ok(Json(ReportBody::named(
        "value_finder".to_owned(),
        vec![query.by.unwrap_or_else(|| "all".to_owned())],
        cohort,
    )))
}
