//! `reports.yaml` as written: named cohort reports over the customer base.

use crate::reports::{DEFAULT_MIN_CUSTOMERS, MAX_DIMENSIONS, MAX_REPORT_MEASURES, MAX_REPORTS};
use schemars::JsonSchema;
use serde::Deserialize;
use serde_saphyr::Spanned;

/// `reports.yaml` (optional): named cohort reports for the marketing and CVM team, each
/// grouping the customers by one to four dimensions and summing up every group by measures
/// read from their live profiles (in-flow quality by dealer, exit reasons of churners,
/// churners against stayers).
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "reports.yaml")]
pub(crate) struct ReportsFile {
    /// At most 50; absent or empty (every entry commented out): none.
    #[serde(default)]
    #[schemars(with = "Option<Vec<ReportEntry>>", length(max = MAX_REPORTS))]
    pub(crate) reports: Option<Vec<Spanned<ReportEntry>>>,
}

/// One report, e.g. new connections by acquisition channel and dealer, with their churn rate.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReportEntry {
    /// Lowercase snake_case, unique in the file, e.g. `inflow_quality`.
    #[schemars(with = "String", regex(pattern = r"^[a-z][a-z0-9_]*$"))]
    pub(crate) name: Spanned<String>,
    /// What the report is for, shown with it.
    #[serde(default)]
    pub(crate) description: String,
    /// Which customers the report reads: a bool over the customer's profile, e.g.
    /// `customer.tenure_months < 6`. Absent: every customer. A customer whose profile lacks a
    /// value it reads is left out.
    #[serde(default, rename = "where")]
    #[schemars(with = "Option<String>")]
    pub(crate) filter: Option<Spanned<String>>,
    /// What the customers are grouped by: 1 to 4 expressions over the profile, each a string,
    /// bool or number (numbers are grouped as written, so prefer a band to a raw amount),
    /// e.g. `customer.dealer`, `customer.port_outs > 0`. A customer whose value is missing
    /// falls in the group `(missing)`.
    #[schemars(with = "Vec<String>", length(min = 1, max = MAX_DIMENSIONS))]
    pub(crate) by: Spanned<Vec<Spanned<String>>>,
    /// What each group is summed up by: 1 to 20, each a rule over the profile, as experiments.yaml
    /// outcomes are written.
    #[schemars(with = "Vec<MeasureEntry>", length(min = 1, max = MAX_REPORT_MEASURES))]
    pub(crate) measures: Spanned<Vec<Spanned<MeasureEntry>>>,
    /// A rate among the measures: groups whose rate is significantly above the rest of the
    /// report's customers are flagged (e.g. dealers whose connections churn).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub(crate) flag: Option<Spanned<String>>,
    /// Groups with fewer customers are reported but never flagged (default 30).
    #[serde(default)]
    #[schemars(with = "Option<u64>", range(min = 1), extend("default" = DEFAULT_MIN_CUSTOMERS))]
    pub(crate) min_customers: Option<Spanned<u64>>,
}

/// One measure, e.g. `{ name: churned, rule: "customer.port_outs > 0" }`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct MeasureEntry {
    /// Lowercase snake_case, unique in the report, e.g. `churned`, `revenue_30d`.
    #[schemars(with = "String", regex(pattern = r"^[a-z][a-z0-9_]*$"))]
    pub(crate) name: Spanned<String>,
    /// An expression over the customer's profile (`customer.<name>`, `holdings`): a bool is a
    /// rate (the share of the group's customers for whom it holds), a number a value per
    /// customer (its mean over the group).
    #[schemars(with = "String")]
    pub(crate) rule: Spanned<String>,
}
