//! The router: which path goes to which handler, and who may call it.

mod customers;
mod decisions;
mod events;
mod kpis;
mod lift;
mod models;
mod ops;
mod provisions;
mod reports;
mod responses;
mod runs;
mod triggers;
mod ussd;

use crate::MAX_BODY_BYTES;
use crate::auth::Role;
use crate::error::ApiError;
use crate::state::AppState;
use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRequestParts};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::routing::{get, post};

pub(crate) use customers::{__path_get_customer, __path_get_timeline};
pub(crate) use decisions::{__path_get_replay, __path_post_decision};
pub(crate) use events::__path_post_events;
pub(crate) use kpis::__path_get_kpis;
pub(crate) use lift::{__path_get_lift, __path_get_plan};
pub(crate) use models::{__path_get_model, __path_get_models};
pub(crate) use ops::{__path_healthz, __path_metrics, __path_readyz};
pub(crate) use provisions::{__path_get_outbound, __path_get_provisions};
pub(crate) use reports::{__path_get_report, __path_get_reports, __path_get_value_finder};
pub(crate) use responses::__path_post_response;
pub(crate) use runs::{__path_cancel_run, __path_get_run, __path_get_runs, __path_post_run};
pub(crate) use triggers::__path_get_triggers;
pub(crate) use ussd::{__path_post_ussd, UssdBody, UssdRequestBody};

/// The whole HTTP API around one hub.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route("/openapi.json", get(ops::openapi))
        .route("/v1/events", post(events::post_events))
        .route("/v1/decisions", post(decisions::post_decision))
        .route("/v1/decisions/{id}/replay", get(decisions::get_replay))
        .route("/v1/responses", post(responses::post_response))
        .route("/v1/customers/{id}", get(customers::get_customer))
        .route("/v1/customers/{id}/timeline", get(customers::get_timeline))
        .route("/v1/kpis", get(kpis::get_kpis))
        .route("/v1/lift", get(lift::get_lift))
        .route("/v1/lift/plan", get(lift::get_plan))
        .route("/v1/reports", get(reports::get_reports))
        .route("/v1/reports/{name}", get(reports::get_report))
        .route("/v1/value-finder", get(reports::get_value_finder))
        .route("/v1/models", get(models::get_models))
        .route("/v1/models/{id}", get(models::get_model))
        .route("/v1/triggers", get(triggers::get_triggers))
        .route("/v1/provisions", get(provisions::get_provisions))
        .route("/v1/outbound", get(provisions::get_outbound))
        .route("/v1/runs", post(runs::post_run).get(runs::get_runs))
        .route("/v1/runs/{id}", get(runs::get_run))
        .route("/v1/runs/{id}/cancel", post(runs::cancel_run))
        .route("/v1/ussd", post(ussd::post_ussd))
        .fallback(|| async {
            ApiError::not_found(
                "no_such_route",
                "no such route; GET /openapi.json lists them",
            )
        })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// A list's `?limit=`: 100 by default, at most 10,000 (400 naming `limit` otherwise).
pub(crate) fn list_limit<T>(
    query: Result<axum::extract::Query<T>, axum::extract::rejection::QueryRejection>,
    limit: impl FnOnce(&T) -> Option<usize>,
) -> Result<usize, ApiError> {
    const DEFAULT_LIMIT: usize = 100;
    const MAX_LIMIT: usize = 10_000;
    let axum::extract::Query(query) =
        query.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()).field("limit"))?;
    let limit = limit(&query).unwrap_or(DEFAULT_LIMIT);
    if limit > MAX_LIMIT {
        return Err(ApiError::bad_request(
            "invalid_query",
            format!("limit is at most {MAX_LIMIT}"),
        )
        .field("limit"));
    }
    Ok(limit)
}

/// The authenticated caller of a `/v1` route. Extracting it answers 401 without a valid key.
pub(crate) struct Caller {
    role: Role,
}

impl Caller {
    /// 403 unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.role) {
            return Ok(());
        }
        let allowed: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!(
                "role {} may not call this route; it serves: {}",
                self.role,
                allowed.join(", ")
            ),
        ))
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .ok_or_else(|| ApiError::unauthorized("missing Authorization: Bearer <key> header"))?;
        let key = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(|| {
                ApiError::unauthorized("the Authorization header must be Bearer <key>")
            })?;
        let role = state
            .keys
            .role_of(key)
            .ok_or_else(|| ApiError::unauthorized("unknown API key"))?;
        Ok(Caller { role })
    }
}
