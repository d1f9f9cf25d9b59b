//! Operational routes: liveness, readiness, metrics and the OpenAPI document. No key needed.

use crate::error::ApiError;
use crate::state::AppState;
use crate::wire::StatusBody;
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;

fn status(state: &AppState, status: &'static str) -> StatusBody {
    StatusBody {
        status,
        customers: state.hub.customer_count(),
        strategy: state.hub.strategy().name().to_owned(),
        strategy_hash: state.hub.strategy().hash().to_owned(),
    }
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "The process is alive", body = StatusBody)))]
pub async fn healthz(State(state): State<AppState>) -> Json<StatusBody> {
    Json(status(&state, "ok"))
}

/// Readiness: the journal is replayed and the base is loaded; send traffic.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "Ready for traffic", body = StatusBody),
        (status = 503, description = "Still loading", body = StatusBody)))]
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<StatusBody>) {
    if state.is_ready() {
        (StatusCode::OK, Json(status(&state, "ready")))
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(status(&state, "loading")),
        )
    }
}

/// Prometheus metrics in the text exposition format.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text format", content_type = "text/plain")))]
pub async fn metrics(State(state): State<AppState>) -> Result<impl IntoResponse, ApiError> {
    // The storage walk reads every shard: off the async workers.
    let hub = state.hub.clone();
    let stats = tokio::task::spawn_blocking(move || hub.stats())
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "metrics_unavailable",
                "could not read storage figures",
            )
        })?;
    state.metrics.observe(&stats);
    let (active, contacted) = state.runs.totals();
    state.metrics.observe_runs(active, contacted);
    let text = state.metrics.encode().map_err(|_| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "metrics_unavailable",
            "could not encode metrics",
        )
    })?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    ))
}

/// The OpenAPI 3.1 document of this API.
pub async fn openapi() -> impl IntoResponse {
    Json(crate::openapi::openapi_document())
}
