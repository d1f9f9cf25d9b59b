//! The OpenAPI 3.1 document, generated from the handlers and wire types so it cannot drift.

use crate::routes::{
    __path_cancel_run, __path_get_customer, __path_get_kpis, __path_get_lift, __path_get_model,
    __path_get_models, __path_get_outbound, __path_get_plan, __path_get_provisions,
    __path_get_replay, __path_get_report, __path_get_reports, __path_get_run, __path_get_runs,
    __path_get_timeline, __path_get_triggers, __path_get_value_finder, __path_healthz,
    __path_metrics, __path_post_decision, __path_post_events, __path_post_response,
    __path_post_run, __path_post_ussd, __path_readyz, UssdBody, UssdRequestBody,
};
use crate::wire::*;
use crate::wire_models::*;
use crate::wire_provisions::*;
use crate::wire_runs::*;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Concord",
        description = "Real-time next-best-action decision hub for telecom operators. Every /v1 route \
            needs `Authorization: Bearer <key>`; keys carry roles (channel, agent, marketer, admin). \
            Errors are `{\"error\":{\"code\",\"message\",\"field\"}}`."
    ),
    paths(healthz, readyz, metrics, post_events, post_decision, get_replay, post_response, get_customer, get_timeline, get_kpis, get_lift, get_plan, get_reports, get_report, get_value_finder, get_models, get_model, get_triggers, get_provisions, get_outbound, post_run, get_runs, get_run, cancel_run, post_ussd),
    components(schemas(
        EventsReport, RejectedLine, DecisionRequestBody, DecisionBody, ActionBody, TraceBody, DoNotMentionBody,
        ResponseRequestBody, ResponseBody, ReplayBody, CustomerBody, ContactBody, KpiBody, KpiRowBody, KpiTotals,
        StatusBody, ErrorEnvelope, ErrorBody, TriggersBody, TriggerFireBody, TriggerHistoryBody, TimelineBody, TimelineItemBody,
        ModelsBody, ModelSummaryBody, ModelReportBody, PredictorBody, BinBody, UssdRequestBody, UssdBody,
        ProvisionsBody, ProvisionJobBody, ProvisionDoneBody, OutboundBody, OutboundDecisionBody, OutboundDeliveryBody,
        RunRequestBody, RunBody, RunsBody
    )),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        if let Some(components) = openapi.components.as_mut() {
            components.add_security_scheme(
                "bearer",
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

/// The document served at `GET /openapi.json`.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
