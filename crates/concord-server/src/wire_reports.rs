//! The wire form of cohort reports (reports.yaml): GET /v1/reports and /v1/reports/{name}.

use concord_measure::{CohortGroup, CohortReport, MeasureValue, OutcomeScale};
use serde::Serialize;
use utoipa::ToSchema;

/// The reports reports.yaml declares.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportsBody {
    pub reports: Vec<ReportInfoBody>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReportInfoBody {
    pub name: String,
    pub description: String,
    /// The rules customers are grouped by, as written.
    pub dimensions: Vec<String>,
    pub measures: Vec<MeasureInfoBody>,
    /// The rate groups are flagged on, when the report flags.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flag: Option<String>,
    pub min_customers: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeasureInfoBody {
    pub name: String,
    /// `rate` or `value`.
    pub scale: String,
}

impl From<&concord_strategy::Report> for ReportInfoBody {
    fn from(r: &concord_strategy::Report) -> Self {
        Self {
            name: r.name.clone(),
            description: r.description.clone(),
            dimensions: r.by.iter().map(|d| d.name.clone()).collect(),
            measures: r
                .measures
                .iter()
                .map(|m| MeasureInfoBody {
                    name: m.name.clone(),
                    scale: match m.kind {
                        concord_strategy::OutcomeKind::Rate => "rate",
                        concord_strategy::OutcomeKind::Value => "value",
                    }
                    .to_owned(),
                })
                .collect(),
            flag: r
                .flag
                .and_then(|i| r.measures.get(i))
                .map(|m| m.name.clone()),
            min_customers: r.min_customers,
        }
    }
}

/// One report over the customer base, as of the server's clock.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportBody {
    pub name: String,
    /// The dimension labels, in the order of each group's key.
    pub dimensions: Vec<String>,
    /// Customers the report's `where` included.
    pub customers: u64,
    pub overall: Vec<MeasureBody>,
    /// Largest first.
    pub groups: Vec<GroupBody>,
    /// The two-sided confidence of every interval.
    pub confidence: f64,
    /// How groups were flagged (absent when the report flags nothing).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flag: Option<FlagBody>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FlagBody {
    /// The rate compared.
    pub measure: String,
    /// Smaller groups are reported, never flagged.
    pub min_customers: u64,
    /// Each group against the rest of the cohort at this confidence: the report's, adjusted
    /// for the number of groups compared (Bonferroni).
    pub group_confidence: f64,
    pub groups_compared: usize,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct GroupBody {
    /// One value per dimension; `(missing)` where the profile had none.
    pub key: Vec<String>,
    pub customers: u64,
    pub measures: Vec<MeasureBody>,
    /// The flagged rate of this group against the rest: group / rest - 1, with its interval.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub versus_rest: Option<crate::wire_lift::LiftValue>,
    pub flagged: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeasureBody {
    pub name: String,
    /// `rate` or `value`.
    pub scale: String,
    /// The rate, or the mean value per customer.
    pub mean: Option<f64>,
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// Customers whose value was read, and those whose value could not be.
    pub n: u64,
    pub missing: u64,
}

impl From<MeasureValue> for MeasureBody {
    fn from(m: MeasureValue) -> Self {
        Self {
            name: m.name,
            scale: match m.scale {
                OutcomeScale::Rate => "rate",
                OutcomeScale::Value => "value",
            }
            .to_owned(),
            mean: m.mean,
            low: m.low,
            high: m.high,
            n: m.n,
            missing: m.missing,
        }
    }
}

impl From<CohortGroup> for GroupBody {
    fn from(g: CohortGroup) -> Self {
        Self {
            key: g.key,
            customers: g.customers,
            measures: g.measures.into_iter().map(Into::into).collect(),
            versus_rest: g.versus_rest.map(Into::into),
            flagged: g.flagged,
        }
    }
}

impl ReportBody {
    pub fn new(report: &concord_strategy::Report, cohort: CohortReport) -> Self {
        Self::named(
            report.name.clone(),
            report.by.iter().map(|d| d.label.clone()).collect(),
            cohort,
        )
    }

    /// A report under `name` grouped by `dimensions` (their labels).
    pub fn named(name: String, dimensions: Vec<String>, cohort: CohortReport) -> Self {
        Self {
            name,
            dimensions,
            customers: cohort.customers,
            overall: cohort.overall.into_iter().map(Into::into).collect(),
            groups: cohort.groups.into_iter().map(Into::into).collect(),
            confidence: cohort.confidence,
            flag: cohort.flag.map(|f| FlagBody {
                measure: f.measure,
                min_customers: f.min_customers,
                group_confidence: f.group_confidence,
                groups_compared: f.groups_compared,
            }),
        }
    }
}
