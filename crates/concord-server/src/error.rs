//! The one table from errors to HTTP: status, stable code, message, and the field at fault.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use concord_hub::HubError;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
    /// Extra machine-readable detail (e.g. a per-line report), merged into the error object.
    pub detail: Option<serde_json::Value>,
}

#[derive(Serialize)]
struct Envelope<'a> {
    error: Body<'a>,
}

#[derive(Serialize)]
struct Body<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'a serde_json::Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            field: None,
            detail: None,
        }
    }

    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn detail(mut self, detail: serde_json::Value) -> Self {
        self.detail = Some(detail);
        self
    }

    pub fn unauthorized(message: &str) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }
}

impl From<HubError> for ApiError {
    fn from(error: HubError) -> Self {
        let message = error.to_string();
        match error {
            HubError::UnknownCustomer(_) => {
                ApiError::not_found("unknown_customer", message).field("customer_id")
            }
            HubError::Decide(concord_decide::DecideError::UnknownChannel { .. }) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "unknown_channel", message)
                    .field("channel")
            }
            HubError::Decide(concord_decide::DecideError::UnknownPlacement { .. }) => {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "unknown_placement",
                    message,
                )
                .field("placement")
            }
            HubError::UnknownDecision(_) => {
                ApiError::not_found("unknown_decision", message).field("decision_id")
            }
            HubError::ActionNotInDecision { .. } => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "action_not_offered",
                message,
            )
            .field("action_id"),
            HubError::BadDimension { .. } => {
                ApiError::bad_request("invalid_query", message).field("by")
            }
            HubError::UnknownReport { .. } => {
                ApiError::not_found("unknown_report", message).field("name")
            }
            HubError::UnknownOutcome { .. } => {
                ApiError::new(StatusCode::BAD_REQUEST, "unknown_outcome", message).field("outcome")
            }
            HubError::ReplayStrategy { .. } => {
                ApiError::new(StatusCode::CONFLICT, "strategy_changed", message)
                    .field("decision_id")
            }
            HubError::Candidate(_) => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_candidate",
                message,
            )
            .field("candidate"),
            HubError::NotReplayable(_) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "not_replayable", message)
                    .field("decision_id")
            }
            HubError::BadRow { source, .. } => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_row",
                message.clone(),
            )
            .field(source.attribute.clone()),
            HubError::BadRun { field, .. } => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_run", message).field(field)
            }
            HubError::RunDelivery(_) => {
                ApiError::new(StatusCode::BAD_GATEWAY, "sink_failed", message)
            }
            HubError::DataDirInUse(_) | HubError::Journal(_) | HubError::Snapshot { .. } => {
                // The cause is logged once here; the client learns only that storage failed.
                tracing::error!(error = %message, "storage failed");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "storage_unavailable",
                    "the hub could not make the request durable; nothing was applied, retry later",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Envelope {
            error: Body {
                code: self.code,
                message: &self.message,
                field: self.field.as_deref(),
                detail: self.detail.as_ref(),
            },
        };
        (self.status, axum::Json(body)).into_response()
    }
}
