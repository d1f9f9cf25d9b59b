//! A customer's group key on a dimension, whether a report includes them, and dimension labels.

use super::*;
use crate::profile::{ProfileSchema, ValueType};
use crate::rule::Var;

fn schema() -> ProfileSchema {
    let mut schema = ProfileSchema::default();
    for (name, value_type) in [
        ("dealer", ValueType::String),
        ("tenure_months", ValueType::Number),
        ("arpu", ValueType::Number),
        ("consent_sms", ValueType::Bool),
    ] {
        schema.attributes.insert(name.to_owned(), value_type);
    }
    schema
}

fn dimension(text: &str) -> Dimension {
    let (rule, _) = Rule::compile_expression(text, &schema()).unwrap_or_else(|e| {
        panic!("{text}: {e}");
    });
    Dimension {
        name: text.to_owned(),
        label: Dimension::label_of(text),
        rule,
    }
}

/// A customer with the given attributes; every other one missing.
fn customer(values: &[(&str, Value)]) -> impl Fn(&Var) -> Value {
    let values: Vec<(String, Value)> = values
        .iter()
        .map(|(name, value)| (format!("customer.{name}"), value.clone()))
        .collect();
    move |var: &Var| {
        let name = var.to_string();
        values
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(Value::Null, |(_, v)| v.clone())
    }
}

fn check_key(text: &str, values: &[(&str, Value)], expected: &str) {
    assert_eq!(dimension(text).key(&customer(values)), expected, "{text}");
}

#[test]
fn a_key_is_the_value_as_written_or_missing() {
    check_key(
        "customer.dealer",
        &[("dealer", "dealer_7".into())],
        "dealer_7",
    );
    check_key("customer.dealer", &[("dealer", "".into())], "");
    check_key(
        "customer.consent_sms",
        &[("consent_sms", true.into())],
        "true",
    );
    check_key(
        "customer.tenure_months < 6",
        &[("tenure_months", 3.0.into())],
        "true",
    );
    check_key(
        "customer.tenure_months < 6",
        &[("tenure_months", 18.0.into())],
        "false",
    );
    check_key(
        "customer.tenure_months",
        &[("tenure_months", 18.0.into())],
        "18",
    );
    check_key("customer.arpu", &[("arpu", 2.5.into())], "2.5");
    check_key("customer.arpu / 4", &[("arpu", 130.0.into())], "32.5");
    check_key("customer.dealer", &[], MISSING_KEY);
    check_key("customer.tenure_months < 6", &[], MISSING_KEY);
    check_key("customer.dealer", &[("dealer", Value::Null)], MISSING_KEY);
    check_key("customer.dealer", &[("dealer", 7.0.into())], "7");
}

fn report(filter: Option<&str>) -> Report {
    Report {
        name: "r".to_owned(),
        description: String::new(),
        filter: filter.map(|text| {
            Rule::compile_expression(text, &schema())
                .unwrap_or_else(|e| panic!("{text}: {e}"))
                .0
        }),
        by: vec![dimension("customer.dealer")],
        measures: Vec::new(),
        flag: None,
        min_customers: DEFAULT_MIN_CUSTOMERS,
    }
}

#[test]
fn a_report_includes_the_customers_its_where_holds_for() {
    let check = |filter: Option<&str>, values: &[(&str, Value)], expected: bool| {
        assert_eq!(
            report(filter).includes(&customer(values)),
            expected,
            "{filter:?} {values:?}"
        );
    };
    let new = [("tenure_months", 3.0.into())];
    let settled = [("tenure_months", 18.0.into())];
    check(None, &[], true);
    check(Some("customer.tenure_months < 6"), &new, true);
    check(Some("customer.tenure_months < 6"), &settled, false);
    check(Some("customer.tenure_months < 6"), &[], false);
    check(
        Some("customer.tenure_months == null || customer.tenure_months < 6"),
        &[],
        true,
    );
}

#[test]
fn a_label_drops_the_customer_prefix() {
    let check = |text: &str, expected: &str| assert_eq!(Dimension::label_of(text), expected);
    check("customer.dealer", "dealer");
    check("customer.port_outs > 0", "port_outs > 0");
    check(
        "customer.arpu / customer.tenure_months",
        "arpu / tenure_months",
    );
    check("customer.tenure_months / 12.5", "tenure_months / 12.5");
    check("size(holdings)", "size(holdings)");
    check("my_customer.x", "my_customer.x");
}
