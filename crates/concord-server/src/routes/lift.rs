//! GET /v1/lift: what the strategy is worth against its always-on control arms.

use super::Caller;
use crate::auth::Role;
use crate::error::ApiError;
use crate::state::AppState;
use crate::wire::ErrorEnvelope;
use crate::wire_lift::LiftBody;
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LiftQuery {
    /// The two-sided confidence level of the intervals, strictly between 0 and 1 (default
    /// 0.95).
    confidence: Option<f64>,
}

/// The full strategy (`test`) against each control arm of experiments.yaml that has
/// impressions: lift of the accept rate and of the accepted value per impression, with
/// delta-method confidence intervals. The universal hold-out shows no sales actions, so its
/// per-impression rates are not comparable and it is not listed there (its KPIs are in
/// /v1/kpis); `outcomes` compares every arm, the hold-out included, per customer on the
/// business outcomes experiments.yaml declares (churned, revenue...), read from the live
/// profiles (one pass over the base). `experiments` and `experiment_outcomes` compare each
/// experiment's challengers with its champion the same two ways.
#[utoipa::path(get, path = "/v1/lift", tag = "kpis",
    params(LiftQuery),
    responses(
        (status = 200, body = LiftBody),
        (status = 400, description = "Bad query", body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn get_lift(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<LiftQuery>, QueryRejection>,
) -> Result<Json<LiftBody>, ApiError> {
    caller.require(&[Role::Marketer, Role::Admin])?;
    let Query(query) = query
        .map_err(|e| ApiError::bad_request("invalid_query", e.body_text()).field("confidence"))?;
    let confidence = confidence(query.confidence)?;
    // The outcomes read every customer's profile: off the async workers.
    let hub = state.hub.clone();
    let now = state.clock.now();
    let outcomes = tokio::task::spawn_blocking(move || hub.outcomes(now, confidence))
        .await
        .map_err(|_| {
            ApiError::new(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "the outcomes stopped unexpectedly",
            )
        })?;
    Ok(Json(LiftBody {
        confidence,
        unit: "impression".to_owned(),
        arms: state
            .hub
            .lift(confidence)
            .into_iter()
            .map(Into::into)
            .collect(),
        outcomes: outcomes.arms.into_iter().map(Into::into).collect(),
        experiments: state
            .hub
            .variant_lift(confidence)
            .into_iter()
            .map(Into::into)
            .collect(),
        experiment_outcomes: outcomes.variants.into_iter().map(Into::into).collect(),
    }))
}

/// A query's `confidence` (default 0.95), strictly between 0 and 1.
pub(super) fn confidence(asked: Option<f64>) -> Result<f64, ApiError> {
    open_unit("confidence", asked.unwrap_or(0.95))
}

/// `x` when it lies strictly between 0 and 1, else a bad query naming `field`.
pub(super) fn open_unit(field: &'static str, x: f64) -> Result<f64, ApiError> {
    if x > 0.0 && x < 1.0 {
        Ok(x)
    } else {
        Err(ApiError::bad_request(
            "invalid_query",
            format!("{field} must lie strictly between 0 and 1, got {x}"),
        )
        .field(field))
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PlanQuery {
    /// The control arm's rate (e.g. an accept rate of 0.05), strictly between 0 and 1.
    baseline: f64,
    /// The relative lift to detect (0.1: the strategy does 10% better); with it, the answer
    /// is the units each arm needs.
    mde: Option<f64>,
    /// The control arm's share of units, strictly between 0 and 1 (default 0.5).
    control_share: Option<f64>,
    /// Units in the control arm; with `test`, the answer is the smallest detectable lift.
    control: Option<u64>,
    /// Units in the test arm.
    test: Option<u64>,
    /// The test's two-sided level (default 0.05).
    alpha: Option<f64>,
    /// The chance of detecting the lift when it is there (default 0.8).
    power: Option<f64>,
}

/// Planning a measurement of a rate before running it: with `mde`, the units each arm needs
/// for the lift's interval to exclude 0 with the given power; with `control` and `test`, the
/// smallest relative lift those units detect. Sized for the delta-method interval GET /v1/lift
/// reports (unpooled; a first-order formula, which errs toward more units for upward lifts).
#[utoipa::path(get, path = "/v1/lift/plan", tag = "kpis",
    params(PlanQuery),
    responses(
        (status = 200, body = PlanBody),
        (status = 400, description = "Bad query, naming the field", body = ErrorEnvelope),
        (status = 401, body = ErrorEnvelope), (status = 403, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn get_plan(
    caller: Caller,
    query: Result<Query<PlanQuery>, QueryRejection>,
) -> Result<Json<PlanBody>, ApiError> {
    caller.require(&[Role::Marketer, Role::Admin])?;
    let Query(q) = query.map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))?;
    let unit = open_unit;
    let baseline = unit("baseline", q.baseline)?;
    let alpha = unit("alpha", q.alpha.unwrap_or(0.05))?;
    let power = unit("power", q.power.unwrap_or(0.8))?;
    match (q.mde, q.control, q.test) {
        (Some(mde), None, None) => {
            let control_share = unit("control_share", q.control_share.unwrap_or(0.5))?;
            let size = concord_measure::sample_size(baseline, mde, control_share, alpha, power)
                .ok_or_else(|| {
                    ApiError::bad_request(
                        "invalid_query",
                        format!(
                            "no sample size for a lift of {mde} over {baseline}: the test rate {} must lie strictly between 0 and 1 and the lift must not be 0",
                            baseline * (1.0 + mde)
                        ),
                    )
                    .field("mde")
                })?;
            Ok(Json(PlanBody {
                baseline,
                alpha,
                power,
                mde,
                control: size.control,
                test: size.test,
            }))
        }
        (None, Some(control), Some(test)) => {
            let mde = concord_measure::minimum_detectable_effect(
                baseline, control, test, alpha, power,
            )
            .ok_or_else(|| {
                ApiError::bad_request(
                    "invalid_query",
                    format!("{control} control and {test} test units detect no lift of a {baseline} rate that keeps it below 1"),
                )
                .field("control")
            })?;
            Ok(Json(PlanBody {
                baseline,
                alpha,
                power,
                mde,
                control,
                test,
            }))
        }
        _ => Err(ApiError::bad_request(
            "invalid_query",
            "give either mde (and optionally control_share) for the units needed, or control and test for the smallest detectable lift",
        )
        .field("mde")),
    }
}

/// A measurement plan: the units per arm and the relative lift they detect.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct PlanBody {
    pub baseline: f64,
    pub alpha: f64,
    pub power: f64,
    /// The relative lift (asked for, or the smallest the units detect).
    pub mde: f64,
    /// Units in the control arm.
    pub control: u64,
    /// Units in the test arm.
    pub test: u64,
}
