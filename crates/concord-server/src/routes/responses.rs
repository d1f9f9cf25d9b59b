//! POST /v1/responses: what the customer did with a presented action.

use super::Caller;
use crate::auth::Role;
use crate::error::ApiError;
use crate::json::{body_bytes, parse};
use crate::metrics::OutcomeLabel;
use crate::state::AppState;
use crate::wire::{ErrorEnvelope, ResponseBody, ResponseRequestBody};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use concord_model::{ActionId, DecisionId};

/// Record a response. A second response for the same action of the same decision changes nothing.
#[utoipa::path(post, path = "/v1/responses", tag = "responses",
    request_body = ResponseRequestBody,
    responses(
        (status = 200, description = "Recorded (or a duplicate, which changed nothing)", body = ResponseBody),
        (status = 400, description = "Malformed body or a bad field (e.g. an unknown outcome)", body = ErrorEnvelope),
        (status = 404, description = "Unknown decision", body = ErrorEnvelope),
        (status = 422, description = "The action was not offered in that decision", body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn post_response(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<ResponseBody>, ApiError> {
    caller.require(&[Role::Channel, Role::Agent, Role::Admin])?;
    let request: ResponseRequestBody = parse(&body_bytes(body)?)?;
    let time = request.time.unwrap_or_else(|| state.clock.now());
    let answer = state.hub.answer(&request.outcome)?;
    let base = answer.outcome;
    let outcome = state
        .hub
        .respond(
            &DecisionId::new(request.decision_id),
            &ActionId::new(request.action_id),
            answer,
            time,
        )
        .await?;
    if !outcome.duplicate {
        state
            .metrics
            .responses
            .get_or_create(&OutcomeLabel {
                outcome: base.as_str(),
            })
            .inc();
    }
    Ok(Json(outcome.into()))
}
