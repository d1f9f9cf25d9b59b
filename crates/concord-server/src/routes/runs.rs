//! /v1/runs: batch outbound runs over the base or a segment, scheduled or at once, with their
//! progress and report.

use super::Caller;
use crate::auth::Role;
use crate::error::ApiError;
use crate::json::{body_bytes, parse};
use crate::state::AppState;
use crate::wire::ErrorEnvelope;
use crate::wire_runs::{RunBody, RunRequestBody, RunsBody};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use concord_channel::RunError;
use concord_hub::RunSpec;
use std::time::Duration;

impl From<RunError> for ApiError {
    fn from(error: RunError) -> Self {
        let message = error.to_string();
        match error {
            RunError::Hub(e) => e.into(),
            RunError::NoSink { .. } => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "no_sink", message).field("channel")
            }
            RunError::BadTime(_) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_run", message).field("at")
            }
        }
    }
}

/// Start a batch run: every customer of the base (or of `segment`) decided in an outbound
/// channel, as a request there would be (consent, quiet hours, caps, pauses, volume budgets,
/// control arms and experiments hold; each contact is journaled as a decision, an impression
/// in the contact history), the contacts written to the channel's sink in the connections
/// file (a file sink gets one call list per run). Answers at once; read the progress at
/// `/v1/runs/{id}`.
#[utoipa::path(post, path = "/v1/runs", tag = "outbound",
    request_body = RunRequestBody,
    responses(
        (status = 202, description = "Started or scheduled", body = RunBody),
        (status = 400, description = "Malformed body or a bad context field", body = ErrorEnvelope),
        (status = 422, description = "Not an outbound channel, no sink for it, a segment that does not compile, a limit of 0, a start time in the past", body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn post_run(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<RunBody>), ApiError> {
    caller.require(&[Role::Marketer, Role::Admin])?;
    let request: RunRequestBody = parse(&body_bytes(body)?)?;
    let context =
        super::decisions::context_values(request.context, state.hub.strategy().profile_schema())?;
    let spec = RunSpec {
        name: request.name,
        channel: request.channel,
        segment: request.segment,
        limit: request.limit,
        context,
    };
    let at = request.at;
    let run = state.runs.plan(spec, at)?;
    let body = run.report().into();
    let (runs, clock) = (state.runs.clone(), state.clock.clone());
    let handle = tokio::runtime::Handle::current();
    tokio::spawn(async move {
        if let Some(at) = at {
            let wait = at.as_millisecond() - clock.now().as_millisecond();
            if wait > 0 {
                tokio::time::sleep(Duration::from_millis(wait.unsigned_abs())).await;
            }
        }
        let done = tokio::task::spawn_blocking(move || runs.execute(&run, &handle)).await;
        if let Err(e) = done {
            tracing::error!(error = %e, "a batch run stopped");
        }
    });
    Ok((StatusCode::ACCEPTED, Json(body)))
}

/// Runs since the server started, newest first.
#[utoipa::path(get, path = "/v1/runs", tag = "outbound",
    responses(
        (status = 200, body = RunsBody),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn get_runs(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<RunsBody>, ApiError> {
    caller.require(&[Role::Marketer, Role::Admin])?;
    Ok(Json(RunsBody {
        runs: state.runs.list().into_iter().map(Into::into).collect(),
    }))
}

/// One run: progress while it goes (`scanned` of `customers`), its report once it ended.
#[utoipa::path(get, path = "/v1/runs/{id}", tag = "outbound",
    params(("id" = String, Path, description = "The run id")),
    responses(
        (status = 200, body = RunBody),
        (status = 404, description = "No such run", body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn get_run(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<RunBody>, ApiError> {
    caller.require(&[Role::Marketer, Role::Admin])?;
    let run = state.runs.get(&id).ok_or_else(|| unknown(&id))?;
    Ok(Json(run.report().into()))
}

/// Cancel a scheduled or running run (a running one stops after the chunks in hand; what it
/// sent stays sent).
#[utoipa::path(post, path = "/v1/runs/{id}/cancel", tag = "outbound",
    params(("id" = String, Path, description = "The run id")),
    responses(
        (status = 200, body = RunBody),
        (status = 404, description = "No such run", body = ErrorEnvelope),
        (status = 409, description = "The run had ended", body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn cancel_run(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<RunBody>, ApiError> {
    caller.require(&[Role::Marketer, Role::Admin])?;
    match state.runs.cancel(&id) {
        None => Err(unknown(&id)),
        Some(false) => Err(ApiError::new(
            StatusCode::CONFLICT,
            "run_ended",
            format!("run {id} had ended"),
        )),
        Some(true) => {
            let run = state.runs.get(&id).ok_or_else(|| unknown(&id))?;
            Ok(Json(run.report().into()))
        }
    }
}

fn unknown(id: &str) -> ApiError {
    ApiError::not_found(
        "unknown_run",
        format!("no run {id} (runs are kept while the server runs)"),
    )
    .field("id")
}
