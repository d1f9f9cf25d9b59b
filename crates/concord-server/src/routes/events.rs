//! POST /v1/events: a batch of OSS/BSS events (JSON array or NDJSON), judged line by line.

use super::Caller;
use crate::auth::Role;
use crate::error::ApiError;
use crate::json::body_bytes;
use crate::metrics::ResultLabel;
use crate::state::AppState;
use crate::wire::{ErrorEnvelope, EventsReport};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use concord_ingest::{BatchError, LineError, parse_batch};

/// Ingest events. Good lines are made durable and applied even when other lines are rejected
/// (then the answer is 422 with the per-line report); resending is safe, duplicates change nothing.
#[utoipa::path(post, path = "/v1/events", tag = "events",
    request_body(content = String, description = "A JSON array of events, or NDJSON (one event per line). \
        Each event: event_id, customer_id, time (RFC 3339), type, and the type's fields.",
        content_type = "application/x-ndjson"),
    responses(
        (status = 200, description = "Every line accepted", body = EventsReport),
        (status = 422, description = "Some lines rejected; the others are durable", body = ErrorEnvelope),
        (status = 400, description = "The batch could not be read at all", body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope),
        (status = 413, description = "Body over 16 MiB", body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn post_events(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<EventsReport>, ApiError> {
    caller.require(&[Role::Admin, Role::Channel])?;
    let body = body_bytes(body)?;
    let parsed = parse_batch(&body).map_err(|e| {
        let error = ApiError::bad_request("unreadable_batch", e.to_string());
        match e {
            BatchError::MalformedArray { line, .. } => error.field(format!("line {line}")),
            BatchError::TooManyEvents { .. } => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "batch_too_large",
                e.to_string(),
            ),
            _ => error,
        }
    })?;
    let mut rejected = parsed.rejected;
    let (lines, events): (Vec<usize>, Vec<_>) = parsed.events.into_iter().unzip();
    let summary = state.hub.ingest(events).await?;
    // Events the hub refused (too late, unstorable) are rejected lines too.
    rejected.extend(summary.refused.iter().map(|r| LineError {
        line: lines.get(r.index).copied().unwrap_or_default(),
        field: r.field.map(str::to_owned),
        message: r.reason.clone(),
    }));
    rejected.sort_by_key(|r| r.line);
    let metrics = &state.metrics.events;
    metrics
        .get_or_create(&ResultLabel { result: "accepted" })
        .inc_by(summary.accepted as u64);
    metrics
        .get_or_create(&ResultLabel {
            result: "duplicate",
        })
        .inc_by(summary.duplicates as u64);
    metrics
        .get_or_create(&ResultLabel { result: "rejected" })
        .inc_by(rejected.len() as u64);
    let report = EventsReport::new(summary, rejected);
    if report.rejected.is_empty() {
        return Ok(Json(report));
    }
    let first = &report.rejected[0];
    let field = match &first.field {
        Some(field) => format!("line {}: {field}", first.line),
        None => format!("line {}", first.line),
    };
    let message = format!(
        "{} of {} lines rejected (first: line {}: {}); the {} accepted are durable",
        report.rejected.len(),
        report.rejected.len() + report.accepted + report.duplicates,
        first.line,
        first.message,
        report.accepted
    );
    let detail = serde_json::to_value(&report).unwrap_or_default();
    Err(
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "rejected_lines", message)
            .field(field)
            .detail(detail),
    )
}
