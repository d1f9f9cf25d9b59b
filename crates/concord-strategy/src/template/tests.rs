//! Data-driven tests of treatment texts: what a text renders to for one customer and offer,
//! and every defect with the character it points at.

use super::*;
use crate::profile::{AggFn, AggregateSpec};
use concord_model::EventType;

fn schema() -> ProfileSchema {
    let mut schema = ProfileSchema::default();
    for (name, value_type) in [
        ("first_name", ValueType::String),
        ("data_bundle_mb", ValueType::Number),
        ("balance", ValueType::Number),
        ("consent_sms", ValueType::Bool),
        ("tags", ValueType::List),
        ("nickname", ValueType::String),
    ] {
        schema.attributes.insert(name.to_owned(), value_type);
    }
    schema
        .context
        .insert("agent_name".to_owned(), ValueType::String);
    schema.aggregates.push(AggregateSpec {
        name: "recharges_30d".to_owned(),
        event: EventType::Recharge,
        function: AggFn::Count,
        field: None,
        window: None,
        filter: None,
        value_type: ValueType::Number,
    });
    schema
}

/// `nickname` and `context.agent_name` are declared but have no value.
fn env(var: &crate::rule::Var) -> Value {
    use crate::rule::Var;
    match var {
        Var::Attribute { name, .. } => match name.as_str() {
            "first_name" => "Thandi".into(),
            "data_bundle_mb" => 1024.0.into(),
            "balance" => 23.456.into(),
            _ => Value::Null,
        },
        Var::Aggregate { .. } => 3.0.into(),
        _ => Value::Null,
    }
}

fn checks(schema: &ProfileSchema) -> Checks<'_> {
    Checks {
        profile: Some(schema),
        priced: true,
        valid: true,
    }
}

/// `expected`: the rendered text, or `Err(placeholder)` for the one without a value.
fn check(text: &str, expected: Result<&str, &str>) {
    let schema = schema();
    let zone = jiff::tz::TimeZone::get("Africa/Johannesburg").expect("zone");
    let offered = Offered {
        price: Some(29.0),
        // 22:30 UTC on 2 December is past midnight in Johannesburg (UTC+2): 3 Dec there.
        valid_until: Some("2026-12-02T22:30:00Z".parse().expect("time")),
        value: 23.5,
        action_name: "Bigger bundle",
        zone: &zone,
    };
    let template = Template::compile(text, &checks(&schema))
        .unwrap_or_else(|e| panic!("{text}: compiles, but {e:?}"));
    let rendered = template.render(&env, &offered);
    let expected = expected
        .map(str::to_owned)
        .map_err(|placeholder| MissingValue {
            placeholder: placeholder.to_owned(),
        });
    assert_eq!(rendered, expected, "{text}");
}

#[test]
fn texts_render_with_their_values() {
    check("2GB for R29", Ok("2GB for R29"));
    check("2GB for R{price}", Ok("2GB for R29"));
    check(
        "R{price}, valid until {valid_until}",
        Ok("R29, valid until 3 Dec"),
    );
    check("{ price }", Ok("29"));
    check("worth {value}", Ok("worth 23.5"));
    check("{action.name}!", Ok("Bigger bundle!"));
    check(
        "Hi {customer.first_name}, {customer.data_bundle_mb} MB left",
        Ok("Hi Thandi, 1024 MB left"),
    );
    check("R{customer.balance}", Ok("R23.46"));
    check("{customer.recharges_30d} recharges", Ok("3 recharges"));
    check("{{price}} is {price}", Ok("{price} is 29"));
    check("{{{price}}}", Ok("{29}"));
    check("a }} b {{", Ok("a } b {"));
    check("Hi {customer.nickname}", Err("customer.nickname"));
    check("{context.agent_name} here", Err("context.agent_name"));
}

#[test]
fn numbers_show_at_most_two_decimals_without_trailing_zeros() {
    for (x, expected) in [
        (29.0, "29"),
        (23.5, "23.5"),
        (4.99, "4.99"),
        (0.1 + 0.2, "0.3"),
        (1.005, "1"),
        (2.999, "3"),
        (-0.001, "0"),
        (-12.25, "-12.25"),
        (1e9, "1000000000"),
    ] {
        let mut out = String::new();
        assert_eq!(write_number(&mut out, x), Some(()), "{x}");
        assert_eq!(out, expected, "{x}");
    }
    assert_eq!(write_number(&mut String::new(), f64::NAN), None);
    assert_eq!(write_number(&mut String::new(), f64::INFINITY), None);
}

/// `expected`: each defect as `at: message` (`at` the 0-based character it points at).
fn check_defects(text: &str, checks: &Checks<'_>, expected: &[&str]) {
    let errors = Template::compile(text, checks).expect_err(text);
    let actual: Vec<String> = errors.iter().map(|e| format!("{}: {e}", e.at())).collect();
    assert_eq!(actual, expected, "{text}");
}

#[test]
fn defects_point_at_their_character() {
    let schema = schema();
    let all = checks(&schema);
    check_defects(
        "R{price",
        &all,
        &[
            "1: `{` is never closed: end the placeholder with `}`, or write `{{` for a literal brace",
        ],
    );
    check_defects(
        "R} {price}",
        &all,
        &["1: `}` closes no placeholder: write `}}` for a literal brace"],
    );
    check_defects(
        "a { } b",
        &all,
        &["2: `{}` names no placeholder: write `{{}}` for literal braces"],
    );
    let hint = "use {price}, {valid_until}, {value}, {action.name}, {customer.<field>} or \
                {context.<field>}";
    check_defects(
        "Hi {name}, {customer.first name}",
        &all,
        &[
            &format!("4: unknown placeholder `{{name}}`: {hint}"),
            &format!("12: unknown placeholder `{{customer.first name}}`: {hint}"),
        ],
    );
    check_defects(
        "Hi {customer.frist_name}",
        &all,
        &[
            "13: unknown attribute `customer.frist_name` (not declared in profile.yaml attributes, aggregates or derived)",
        ],
    );
    check_defects(
        "{ context.channel_name }",
        &all,
        &[
            "10: unknown context field `context.channel_name` (not declared in profile.yaml context)",
        ],
    );
    check_defects(
        "{customer.consent_sms} {customer.tags}",
        &all,
        &[
            "1: `{customer.consent_sms}` is a bool: a placeholder shows a number or a string",
            "24: `{customer.tags}` is a list: a placeholder shows a number or a string",
        ],
    );
    let bare = Checks {
        profile: Some(&schema),
        priced: false,
        valid: false,
    };
    check_defects(
        "R{price} until {valid_until}",
        &bare,
        &[
            "2: `{price}` needs a price rule on the action (`price:`): without one there is no personal price to show",
            "16: `{valid_until}` needs `validity` on the action: without it the offer has no last day",
        ],
    );
}

#[test]
fn without_a_profile_fields_are_checked_for_shape_only() {
    let unknown = Checks {
        profile: None,
        priced: true,
        valid: true,
    };
    let template = Template::compile("Hi {customer.anything}", &unknown).expect("compiles");
    assert_eq!(template.source(), "Hi {customer.anything}");
    check_defects(
        "Hi {anything}",
        &unknown,
        &[
            "4: unknown placeholder `{anything}`: use {price}, {valid_until}, {value}, {action.name}, {customer.<field>} or {context.<field>}",
        ],
    );
}

#[test]
fn plain_texts_are_told_apart() {
    let schema = schema();
    let plain = |text: &str| {
        Template::compile(text, &checks(&schema))
            .expect("compiles")
            .is_plain()
    };
    assert!(plain("2GB for R29"));
    assert!(plain("literal {{braces}}"));
    assert!(!plain("2GB for R{price}"));
}
