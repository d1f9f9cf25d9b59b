//! reports.yaml: every defect a report can have, each located at its file:line:col and field,
//! and the shapes a valid file loads into.

use super::*;
use crate::OutcomeKind::{Rate, Value};

const PROFILE: &str = "attributes:
  balance: number
  plan: string
  dealer: string
  tenure_months: number
context:
  call_reason: string
aggregates:
  port_outs: {event: port_out, function: count}
  recharge_sum_30d: {event: recharge, function: sum, field: amount, window: 30d}
  exit_reason: {event: port_out, function: last, field: reason}
";

/// A valid report after `reports:`, to vary one field of.
const INFLOW: &str = "  - name: inflow_quality
    description: New connections by dealer.
    where: \"customer.tenure_months < 6\"
    by: [customer.plan, customer.dealer]
    measures:
      - {name: churned, rule: \"customer.port_outs > 0\"}
      - {name: revenue_30d, rule: customer.recharge_sum_30d}
    flag: churned
    min_customers: 10
";

/// `reports`: the file's text after `reports:\n`.
fn check(reports: &str, expected: &[&str]) {
    let text = format!("reports:\n{reports}");
    super::check(
        &[
            ("profile.yaml", Some(PROFILE)),
            ("reports.yaml", Some(&text)),
        ],
        expected,
    );
}

/// `INFLOW` with `from` replaced by `to` (which must be there).
fn inflow(from: &str, to: &str) -> String {
    assert!(INFLOW.contains(from), "{from}");
    INFLOW.replacen(from, to, 1)
}

#[test]
fn a_valid_file_or_none_loads() {
    check(INFLOW, &["ok: 1 actions"]);
    // Every entry commented out, or no file: no reports, not an error.
    check("", &["ok: 1 actions"]);
    super::check(
        &[("reports.yaml", Some("reports: []\n"))],
        &["ok: 1 actions"],
    );
    super::check(&[("reports.yaml", Some(""))], &["ok: 1 actions"]);
    // Only name, by and measures are required; a bool rule and a last string group.
    check(
        "  - name: churners\n    by: [\"customer.port_outs > 0\", customer.exit_reason]\n    measures: [{name: balance, rule: customer.balance}]\n",
        &["ok: 1 actions"],
    );
}

#[test]
fn report_names_are_unique_snake_case() {
    check(
        &format!("{INFLOW}{INFLOW}"),
        &["reports.yaml:11:11: reports[1].name: report `inflow_quality` is declared twice"],
    );
    check(
        &inflow("name: inflow_quality", "name: Inflow-Quality"),
        &[
            "reports.yaml:2:11: reports[0].name: report name `Inflow-Quality` must be non-empty lowercase snake_case: a letter a-z, then a-z, 0-9 or `_` (e.g. `revenue_30d`)",
        ],
    );
    let many: String = (0..=crate::MAX_REPORTS)
        .map(|i| inflow("name: inflow_quality", &format!("name: r{i}")))
        .collect();
    check(
        &many,
        &[
            "reports.yaml:452:5: reports[50]: at most 50 reports, found 51: each reads every customer's profile when it is run",
        ],
    );
}

#[test]
fn where_is_a_bool_over_the_profile() {
    let cases: &[(&str, &[&str])] = &[
        (
            "where: customer.tenure_months",
            &[
                "reports.yaml:4:12: reports[0].where: `where` picks the customers the report reads, so it must be true or false; `customer.tenure_months` is a number",
            ],
        ),
        (
            "where: \"customer.tenure_month < 6\"",
            &["reports.yaml:4:22: reports[0].where: unknown attribute `customer.tenure_month`"],
        ),
        (
            "where: \"customer.tenure_months < 6 && context.call_reason == 'cancel'\"",
            &[
                "reports.yaml:4:43: reports[0].where: a report reads only the customer's profile: `context.call_reason` belongs to a request, and there is none when the report is run",
            ],
        ),
        (
            "where: \"customer.tenure_months <\"",
            &["reports.yaml:4:37: reports[0].where: expected a value, found end of rule"],
        ),
    ];
    for (filter, expected) in cases {
        check(
            &inflow("where: \"customer.tenure_months < 6\"", filter),
            expected,
        );
    }
}

#[test]
fn by_has_one_to_four_distinct_scalar_dimensions() {
    let by = "by: [customer.plan, customer.dealer]";
    let cases: &[(&str, &[&str])] = &[
        (
            "by: []",
            &["reports.yaml:5:9: reports[0].by: a report needs 1 to 4 dimensions, found none"],
        ),
        (
            "by: [customer.plan, customer.dealer, customer.exit_reason, \"customer.balance > 0\", \"customer.port_outs > 0\"]",
            &[
                "reports.yaml:5:88: reports[0].by[4]: a report has at most 4 dimensions, found 5: each one multiplies the number of groups",
            ],
        ),
        (
            "by: [customer.dealer, customer.plan, customer.dealer]",
            &["reports.yaml:5:42: reports[0].by[2]: dimension `customer.dealer` is listed twice"],
        ),
        (
            "by: [customer.plan, holdings]",
            &[
                "reports.yaml:5:25: reports[0].by[1]: this must be a number, string or bool, but it is a list",
            ],
        ),
        (
            "by: [customer.plan, context.call_reason]",
            &[
                "reports.yaml:5:25: reports[0].by[1]: a report reads only the customer's profile: `context.call_reason` belongs to a request",
            ],
        ),
        (
            "by: [channel]",
            &[
                "reports.yaml:5:10: reports[0].by[0]: a report reads only the customer's profile: `channel` belongs to a request",
            ],
        ),
        (
            "by: [customer.delear]",
            &[
                "reports.yaml:5:19: reports[0].by[0]: unknown attribute `customer.delear` (not declared in profile.yaml attributes, aggregates or derived)",
            ],
        ),
        (
            "by: customer.dealer",
            &["reports.yaml:5:9: reports[0].by: expected a list: `[a, b]`, or one `- item` a line"],
        ),
        ("by:", &["reports.yaml:5:7: reports[0].by: expected a list"]),
    ];
    for (dimensions, expected) in cases {
        check(&inflow(by, dimensions), expected);
    }
}

#[test]
fn measures_are_checked_as_outcomes_are() {
    let measures = "measures:
      - {name: churned, rule: \"customer.port_outs > 0\"}
      - {name: revenue_30d, rule: customer.recharge_sum_30d}
";
    let cases: &[(&str, &[&str])] = &[
        (
            "measures: []\n",
            &[
                "reports.yaml:6:15: reports[0].measures: a report needs 1 to 20 measures, found none",
                // What the flag names is gone too.
                "reports.yaml:7:11: reports[0].flag: flag `churned` is not a measure of this report; this report has no rate (a measure whose rule is true or false)",
            ],
        ),
        (
            "measures:\n      - {name: churned, rule: \"customer.port_outs > 0\"}\n      - {name: churned, rule: \"customer.balance < 1\"}\n",
            &[
                "reports.yaml:8:16: reports[0].measures[1].name: measure `churned` is declared twice",
            ],
        ),
        (
            "measures:\n      - {name: churned, rule: \"customer.port_outs > 0\"}\n      - {name: Plan, rule: customer.plan}\n",
            &[
                "reports.yaml:8:16: reports[0].measures[1].name: measure name `Plan` must be non-empty lowercase snake_case",
                "reports.yaml:8:28: reports[0].measures[1].rule: a measure is a bool (a rate) or a number (a value per customer); `customer.plan` is a string",
            ],
        ),
        (
            "measures:\n      - {name: churned, rule: \"customer.port_outs > 0 || context.call_reason == 'cancel'\"}\n",
            &[
                "reports.yaml:7:58: reports[0].measures[0].rule: a report reads only the customer's profile: `context.call_reason` belongs to a request, and there is none when the report is run",
            ],
        ),
        (
            "measures:\n      - {name: churned, formula: \"customer.port_outs > 0\"}\n",
            &[
                "reports.yaml:7:25: reports[0].measures[0].formula: unknown field `formula`, expected one of name, rule",
            ],
        ),
    ];
    for (entries, expected) in cases {
        check(&inflow(measures, entries), expected);
    }
    let too_many: String = std::iter::once("measures:\n".to_owned())
        .chain(
            (0..=crate::MAX_REPORT_MEASURES)
                .map(|i| format!("      - {{ name: m{i}, rule: \"customer.balance > {i}\" }}\n")),
        )
        .collect();
    check(
        &inflow(measures, &too_many).replace("flag: churned", "flag: m0"),
        &[
            "reports.yaml:27:9: reports[0].measures[20]: a report has at most 20 measures, found 21: each is read for every customer of the report",
        ],
    );
    // Names are unique within a report, not across reports.
    check(
        &format!(
            "{INFLOW}{}",
            inflow("name: inflow_quality", "name: inflow_by_plan")
        ),
        &["ok: 1 actions"],
    );
}

#[test]
fn flag_names_a_rate_of_the_report_and_min_customers_is_positive() {
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "flag: churned",
            "flag: churn",
            &[
                "reports.yaml:9:11: reports[0].flag: flag `churn` is not a measure of this report; its rates: churned",
            ],
        ),
        (
            "flag: churned",
            "flag: revenue_30d",
            &[
                "reports.yaml:9:11: reports[0].flag: flag `revenue_30d` is a value, not a rate: only a rate's groups can be flagged; its rates: churned",
            ],
        ),
        (
            "min_customers: 10",
            "min_customers: 0",
            &[
                "reports.yaml:10:20: reports[0].min_customers: min_customers must be at least 1: groups with fewer customers are reported but never flagged",
            ],
        ),
        (
            "min_customers: 10",
            "min_customers: -5",
            &["reports.yaml:10:20: reports[0].min_customers: expected a whole number >= 0"],
        ),
        (
            "min_customers: 10",
            "min_customers: 10\n    colour: red",
            &[
                "reports.yaml:11:5: reports[0].colour: unknown field `colour`, expected one of name, description, where, by, measures, flag, min_customers",
            ],
        ),
    ];
    for (from, to, expected) in cases {
        check(&inflow(from, to), expected);
    }
    // The flagged measure's own rule is broken: reported there, not again at the flag.
    check(
        &inflow("\"customer.port_outs > 0\"", "\"customer.port_out > 0\""),
        &["reports.yaml:7:41: reports[0].measures[0].rule: unknown attribute `customer.port_out`"],
    );
    check(
        "  - name: a\n    by: [customer.plan]\n    measures: [{name: m, rule: customer.balance}]\n",
        &["ok: 1 actions"],
    );
    check(
        "  - name: a\n    by: [customer.plan]\n",
        &["reports.yaml:3:5: reports[0].by: missing field `measures`"],
    );
    super::check(
        &[("reports.yaml", Some("report:\n  - name: a\n"))],
        &["reports.yaml:1:1: unknown field `report`, expected one of reports"],
    );
}

#[test]
fn without_a_profile_rules_are_checked_for_syntax_only() {
    let reports = "reports:\n  - name: a\n    where: customer.nothing\n    by: [\"customer.x +\"]\n    measures: [{name: m, rule: customer.y}]\n";
    super::check(
        &[
            ("profile.yaml", Some("attributes: [\n")),
            ("reports.yaml", Some(reports)),
        ],
        &[
            "profile.yaml:",
            "reports.yaml:4:23: reports[0].by[0]: expected a value, found end of rule",
        ],
    );
}

#[test]
fn a_valid_file_loads_into_reports() {
    let files = [
        ("strategy.yaml", STRATEGY),
        ("channels.yaml", CHANNELS),
        ("profile.yaml", PROFILE),
        ("actions/main.yaml", ACTIONS),
        (
            "reports.yaml",
            &*format!(
                "reports:\n{INFLOW}  - name: churners\n    by: [\"customer.port_outs > 0\"]\n    measures: [{{name: balance, rule: customer.balance}}]\n"
            ),
        ),
    ];
    let strategy = Strategy::from_files(files).unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<&str> = strategy.reports().iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["inflow_quality", "churners"]);

    let inflow = strategy.report("inflow_quality").expect("inflow_quality");
    assert_eq!(inflow.description, "New connections by dealer.");
    assert_eq!(
        inflow.filter.as_ref().map(|rule| rule.source()),
        Some("customer.tenure_months < 6")
    );
    let by: Vec<(&str, &str)> = inflow
        .by
        .iter()
        .map(|d| (d.name.as_str(), d.label.as_str()))
        .collect();
    assert_eq!(
        by,
        [("customer.plan", "plan"), ("customer.dealer", "dealer")]
    );
    let measures: Vec<(&str, crate::OutcomeKind)> = inflow
        .measures
        .iter()
        .map(|m| (m.name.as_str(), m.kind))
        .collect();
    assert_eq!(measures, [("churned", Rate), ("revenue_30d", Value)]);
    assert_eq!(inflow.flag, Some(0));
    assert_eq!(
        inflow.flag_measure().map(|m| m.name.as_str()),
        Some("churned")
    );
    assert_eq!(inflow.min_customers, 10);

    let churners = strategy.report("churners").expect("churners");
    assert_eq!(churners.filter, None);
    assert_eq!(churners.description, "");
    assert_eq!(churners.by[0].label, "port_outs > 0");
    assert_eq!(
        (churners.flag, churners.min_customers),
        (None, crate::DEFAULT_MIN_CUSTOMERS)
    );
    assert!(strategy.report("nothing").is_none());

    let without = Strategy::from_files([
        ("strategy.yaml", STRATEGY),
        ("channels.yaml", CHANNELS),
        ("profile.yaml", PROFILE),
        ("actions/main.yaml", ACTIONS),
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(without.reports().is_empty());
}
