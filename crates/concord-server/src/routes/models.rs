//! GET /v1/models and /v1/models/{id}: the adaptive models, as a data scientist reads them.

use super::Caller;
use crate::auth::Role;
use crate::error::ApiError;
use crate::state::AppState;
use crate::wire::ErrorEnvelope;
use crate::wire_models::{ModelReportBody, ModelsBody};
use axum::Json;
use axum::extract::{Path, State};

/// Every model in a line: responses, success rate, AUC, maturity, active predictors.
#[utoipa::path(get, path = "/v1/models", tag = "models",
    responses(
        (status = 200, body = ModelsBody),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn get_models(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<ModelsBody>, ApiError> {
    caller.require(&[Role::Marketer, Role::Admin])?;
    let models = state.hub.model_summaries();
    Ok(Json(ModelsBody {
        pending: state.hub.learning_pending(),
        models: models.into_iter().map(Into::into).collect(),
    }))
}

/// One model whole: each predictor's bins with counts, propensity, lift, z-ratio and
/// log-odds, and the calibration.
#[utoipa::path(get, path = "/v1/models/{id}", tag = "models",
    params(("id" = String, Path, description = "`action@channel`, as GET /v1/models lists it")),
    responses(
        (status = 200, body = ModelReportBody),
        (status = 404, description = "No such model (no response has taught it yet)", body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn get_model(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<ModelReportBody>, ApiError> {
    caller.require(&[Role::Marketer, Role::Admin])?;
    let report = state.hub.model_report(&id).ok_or_else(|| {
        ApiError::not_found(
            "unknown_model",
            format!(
                "no model `{id}`: a model is `action@channel` and exists once a response to that action in that channel was learnt"
            ),
        )
        .field("id")
    })?;
    Ok(Json(report.into()))
}
