//! POST /v1/ussd: one input of a USSD menu session, as a gateway sends it.

use super::Caller;
use crate::auth::Role;
use crate::error::ApiError;
use crate::json::{body_bytes, parse};
use crate::metrics::{ChannelLabel, OutcomeLabel, StepLabel};
use crate::state::AppState;
use crate::wire::ErrorEnvelope;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use concord_channel::{Step, UssdError, UssdRequest};
use concord_model::CustomerId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One input of a session.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UssdRequestBody {
    /// The gateway's session id: the same for every input of one dialled session.
    pub session_id: String,
    /// The subscriber's number (the customer id).
    pub msisdn: String,
    /// What the subscriber typed last; empty (or the dialled code, `*123#`) opens the menu.
    #[serde(default)]
    pub input: String,
    /// The gateway's id of this request: a retry with the same id gets the same reply.
    #[serde(default)]
    pub request_id: Option<String>,
    /// When (RFC 3339); defaults to now.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub time: Option<jiff::Timestamp>,
}

/// What the gateway shows.
#[derive(Debug, Serialize, ToSchema)]
pub struct UssdBody {
    /// The page, at most the menu's `page_chars` (182) characters.
    pub text: String,
    /// True when the session ends with this page.
    pub end: bool,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UssdQuery {
    /// `json` (default) or `text`: `CON <page>` while the session goes on, `END <page>` when it
    /// ends, as USSD gateways take it.
    format: Option<String>,
}

/// Answer one input of the USSD menu (channels.yaml: the channel with `menu`): the first input
/// decides and shows the offers as numbered options on pages (`0` more, `00` back); a number
/// asks to confirm that offer with its price (`1` accept, `0` back); accepting records the
/// response. A retried request (same `request_id`) gets the same reply; any other input is
/// answered, never refused; a session lasts the menu's timeout of request time.
#[utoipa::path(post, path = "/v1/ussd", tag = "channels",
    params(UssdQuery),
    request_body = UssdRequestBody,
    responses(
        (status = 200, body = UssdBody),
        (status = 400, description = "Malformed body, an empty session id or msisdn, or a bad format", body = ErrorEnvelope),
        (status = 404, description = "The strategy has no menu channel", body = ErrorEnvelope),
        (status = 409, description = "The session belongs to another subscriber", body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn post_ussd(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<UssdQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    caller.require(&[Role::Channel, Role::Admin])?;
    let Query(query) =
        query.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()).field("format"))?;
    let text = match query.format.as_deref() {
        None | Some("json") => false,
        Some("text") => true,
        Some(other) => {
            return Err(ApiError::bad_request(
                "invalid_query",
                format!("unknown format `{other}` (valid: json, text)"),
            )
            .field("format"));
        }
    };
    let request: UssdRequestBody = parse(&body_bytes(body)?)?;
    for (value, field) in [
        (&request.session_id, "session_id"),
        (&request.msisdn, "msisdn"),
    ] {
        if value.trim().is_empty() {
            return Err(ApiError::bad_request(
                "invalid_field",
                format!("{field} must not be empty"),
            )
            .field(field));
        }
    }
    let Some(ussd) = state.ussd.as_ref() else {
        return Err(ApiError::not_found(
            "no_menu_channel",
            "the strategy has no menu channel (channels.yaml: a channel with `menu`)",
        ));
    };
    let reply = ussd
        .handle(UssdRequest {
            session_id: request.session_id,
            msisdn: CustomerId::new(request.msisdn),
            input: request.input,
            request_id: request.request_id,
            time: request.time.unwrap_or_else(|| state.clock.now()),
        })
        .await
        .map_err(|e| match e {
            UssdError::Hub(e) => e.into(),
            e @ UssdError::OtherSubscriber { .. } => {
                ApiError::new(StatusCode::CONFLICT, "session_conflict", e.to_string())
                    .field("session_id")
            }
            e @ UssdError::NoMenuChannel => ApiError::not_found("no_menu_channel", e.to_string()),
        })?;
    // Counted with the rest: an opening decides, an acceptance is a response.
    let metrics = &state.metrics;
    metrics
        .ussd
        .get_or_create(&StepLabel {
            step: reply.step.as_str(),
        })
        .inc();
    match reply.step {
        Step::Opened | Step::Empty => {
            metrics
                .decisions
                .get_or_create(&ChannelLabel {
                    channel: ussd.channel().to_string(),
                })
                .inc();
        }
        Step::Accepted => {
            metrics
                .responses
                .get_or_create(&OutcomeLabel {
                    outcome: concord_model::Outcome::Accepted.as_str(),
                })
                .inc();
        }
        _ => {}
    }
    Ok(if text {
        let prefix = if reply.end { "END" } else { "CON" };
        (
            [(CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("{prefix} {}", reply.text),
        )
            .into_response()
    } else {
        axum::Json(UssdBody {
            text: reply.text,
            end: reply.end,
        })
        .into_response()
    })
}
