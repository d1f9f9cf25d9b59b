//! The HTTP edge of Concord: routes, auth, wire shapes, OpenAPI and metrics around a [`Hub`].
//!
//! Only this crate knows HTTP and the JSON wire shapes; every error leaves through one table
//! ([`ApiError`]) as `{"error":{"code","message","field"}}`.

mod auth;
mod error;
mod housekeeping;
mod json;
mod metrics;
mod openapi;
mod routes;
mod state;
mod wire;
mod wire_lift;
mod wire_models;
mod wire_provisions;
mod wire_reports;
mod wire_runs;

pub use auth::{ApiKeys, AuthError, Role};
pub use error::ApiError;
pub use housekeeping::{SWEEP_EVERY, spawn_housekeeping};
pub use openapi::openapi_document;
pub use routes::app;
pub use state::AppState;
pub use wire::ReplayBody;
pub use wire_lift::LiftValue;
pub use wire_models::ModelReportBody;
pub use wire_reports::{GroupBody, MeasureBody, ReportBody};
pub use wire_runs::RunBody;

pub use concord_hub::Hub;

/// The largest request body accepted (an event batch); larger bodies get 413.
pub const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
