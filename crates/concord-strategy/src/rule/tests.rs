//! Data-driven tests of the rule language: compile errors with their columns, and evaluation.

use super::*;
use crate::profile::{AggFn, AggregateSpec, ProfileSchema, ValueType};
use concord_model::EventType;

fn schema() -> ProfileSchema {
    let mut schema = ProfileSchema::default();
    for (name, value_type) in [
        ("segment", ValueType::String),
        ("balance", ValueType::Number),
        ("tenure_months", ValueType::Number),
        ("device_type", ValueType::String),
        ("network", ValueType::String),
        ("consent_sms", ValueType::Bool),
        ("tags", ValueType::List),
        ("promotion", ValueType::String),
        ("arpu", ValueType::Number),
        ("age", ValueType::Number),
        ("zero", ValueType::Number),
    ] {
        schema.attributes.insert(name.to_owned(), value_type);
    }
    schema
        .context
        .insert("call_reason".to_owned(), ValueType::String);
    for (name, event) in [
        ("dropped_calls_24h", EventType::DroppedCall),
        ("disputes_opened", EventType::DisputeOpened),
        ("disputes_closed", EventType::DisputeClosed),
        ("port_outs", EventType::PortOut),
        ("sms_30d", EventType::Sms),
    ] {
        schema.aggregates.push(AggregateSpec {
            name: name.to_owned(),
            event,
            function: AggFn::Count,
            field: None,
            window: None,
            filter: None,
            value_type: ValueType::Number,
        });
    }
    schema
}

/// One customer: `promotion` and `arpu` are declared but missing, `age` holds the wrong type.
fn env(var: &Var) -> Value {
    let strs = |items: &[&str]| Value::List(items.iter().map(|s| Value::from(*s)).collect());
    match var {
        Var::Attribute { name, .. } => match name.as_str() {
            "segment" => "prepaid".into(),
            "balance" => 7.5.into(),
            "tenure_months" => 2.0.into(),
            "device_type" => "smartphone".into(),
            "network" => "4g".into(),
            "consent_sms" => true.into(),
            "tags" => strs(&["Gold", "student"]),
            "age" => "old".into(),
            "zero" => 0.0.into(),
            _ => Value::Null,
        },
        Var::Context { name, .. } if name == "call_reason" => "cancel".into(),
        Var::Aggregate { name, .. } => match name.as_str() {
            "dropped_calls_24h" => 3.0.into(),
            "disputes_opened" => 2.0.into(),
            "disputes_closed" => 1.0.into(),
            _ => 0.0.into(),
        },
        Var::Holdings => strs(&["data_1gb", "voice_basic"]),
        Var::Channel => "ussd".into(),
        _ => Value::Null,
    }
}

/// Compiles and evaluates `src`; renders the value, or the error with its rule column.
fn run(src: &str) -> String {
    let rule = match Rule::compile(src, &schema()) {
        Ok(rule) => rule,
        Err(err) => return format!("compile error: {err}"),
    };
    // Read through a decision's frame (twice, so the second read borrows what the first
    // cached), every case must give what the environment itself gives.
    let schema = schema();
    let frame = Frame::new(&schema, &env);
    let direct = rule.eval(&env);
    assert_eq!(rule.eval(&frame), direct, "{src}: frame, first read");
    assert_eq!(rule.eval(&frame), direct, "{src}: frame, cached");
    match direct {
        Ok(value) => {
            // eval_bool must agree with eval on every rule that compiles.
            assert_eq!(rule.eval_bool(&env).ok(), value.as_bool(), "{src}");
            assert_eq!(rule.eval_bool(&frame).ok(), value.as_bool(), "{src}");
            // The rule's closures over the frame agree too, errors included.
            if let Some(b) = value.as_bool() {
                assert_eq!(rule.eval_frame(&frame), Ok(b), "{src}: closures");
            }
            value.to_string()
        }
        Err(err) => {
            if rule.fast.is_some() {
                assert_eq!(rule.eval_frame(&frame), Err(err.clone()), "{src}: closures");
            }
            format!("eval error: {err}")
        }
    }
}

fn check(src: &str, expected: &str) {
    let actual = run(src);
    assert!(
        actual.contains(expected),
        "rule: {src}\nexpected to contain: {expected}\nactual: {actual}"
    );
}

#[test]
fn literals_and_arithmetic() {
    check("true", "true");
    check("false", "false");
    check("1 + 2 * 3 == 7", "true");
    check("(1 + 2) * 3 == 9", "true");
    check("10 - 4 - 3 == 3", "true");
    check("2 * 3 % 4 == 2", "true");
    check("7 / 2 == 3.5", "true");
    check("-3 + 5 == 2", "true");
    check("--3 == 3", "true");
    check("1.5e2 == 150", "true");
    check("2E-1 == 0.2", "true");
    check("'a' + \"b\" == 'ab'", "true");
    check("'it\\'s' == \"it's\"", "true");
    check("null == null", "true");
    check("null != null", "false");
    check("[1, 2] == [1, 2]", "true");
    check("[] != ['x']", "true");
    check("'abc' < 'abd'", "true");
}

#[test]
fn precedence() {
    check("true || false && false", "true");
    check("(true || false) && false", "false");
    check("!false && true", "true");
    check("!(1 < 2)", "false");
    check("1 < 2 == true", "true");
    check("1 + 1 in [2, 3]", "true");
    check(
        "customer.balance * 2 > 10 && customer.segment == 'prepaid'",
        "true",
    );
    check("false || 1 + 2 * 3 - 4 / 2 == 5", "true");
}

#[test]
fn variables() {
    check(
        "customer.segment == 'prepaid' && customer.balance < 10",
        "true",
    );
    check("customer.tenure_months < 3", "true");
    check(
        "customer.device_type == 'smartphone' && customer.network != '5g'",
        "true",
    );
    check("customer.consent_sms", "true");
    check("!customer.consent_sms", "false");
    check("context.call_reason == 'cancel'", "true");
    check("customer.dropped_calls_24h >= 3", "true");
    check(
        "customer.disputes_opened > customer.disputes_closed",
        "true",
    );
    check("customer.port_outs == 0", "true");
    check("channel == 'ussd'", "true");
    check("customer.promotion == null", "true");
    check("customer.segment != null", "true");
    check("null == customer.promotion", "true");
}

#[test]
fn membership_and_functions() {
    check("'data_1gb' in holdings", "true");
    check("!('roaming_pack' in holdings)", "true");
    check("customer.segment in ['prepaid', 'hybrid']", "true");
    check("customer.network in ['5g']", "false");
    check("customer.segment in [customer.network, 'prepaid']", "true");
    check("'Gold' in customer.tags", "true");
    check("size(holdings) == 2", "true");
    check("size('héllo') == 5", "true");
    check("holdings.size() == 2", "true");
    check("contains(customer.device_type, 'phone')", "true");
    check("customer.device_type.contains('phone')", "true");
    check("starts_with(customer.network, '4')", "true");
    check("customer.network.startsWith('5')", "false");
    check("ends_with(customer.device_type, 'phone')", "true");
    check("lower('ABC') == 'abc'", "true");
    check("customer.segment.lower() == 'prepaid'", "true");
    check("min(3, 2 + 2) == 3", "true");
    check("max(-1, 1 - 3) == -1", "true");
    check("min(size(holdings), 10) * 2 == 4", "true");
    check("duration('90m') == 5400", "true");
    check("duration('1h30m') == duration('90m')", "true");
    check("duration('7d') / duration('1d') == 7", "true");
}

#[test]
fn short_circuit_skips_failing_operands() {
    check("false && customer.arpu > 10", "false");
    check("true || customer.arpu > 10", "true");
    check(
        "customer.promotion != null && customer.promotion == 'x'",
        "false",
    );
    check(
        "customer.promotion == null || customer.promotion == 'x'",
        "true",
    );
    check(
        "true && customer.arpu > 10",
        "eval error: customer.arpu is missing",
    );
    check(
        "false || customer.arpu > 10",
        "eval error: customer.arpu is missing",
    );
}

#[test]
fn runtime_errors_name_the_variable() {
    check("customer.arpu > 10", "eval error: customer.arpu is missing");
    check(
        "customer.promotion == 'x'",
        "eval error: customer.promotion is missing",
    );
    check(
        "customer.age > 18",
        "eval error: customer.age is string, expected number",
    );
    check(
        "customer.balance / customer.zero > 1",
        "division by zero: `customer.zero` is 0",
    );
    check(
        "customer.balance % (2 - 2) == 0",
        "division by zero: `(2 - 2)` is 0",
    );
    check(
        "customer.arpu in [1, 2]",
        "eval error: customer.arpu is missing",
    );
}

#[test]
fn syntax_errors_point_at_the_column() {
    check(
        "",
        "compile error: column 1: expected a value, found end of rule",
    );
    check(
        "customer.balance <",
        "column 19: expected a value, found end of rule",
    );
    check(
        "customer.balance = 3",
        "column 18: `=` is not an operator; use `==`",
    );
    check("a & b", "column 3: `&` is not an operator");
    check("(1 < 2", "column 7: expected `)` to close `(`");
    check(
        "1 < 2)",
        "column 6: unexpected `)` after a complete expression",
    );
    check("'open", "column 1: unterminated string");
    check("1 < 2 #", "column 7: unexpected character '#'");
    check("[1, 2", "column 6: expected `]` to close the list");
    check(
        "size(holdings",
        "column 14: expected `)` to close the arguments",
    );
    check("3foo", "column 2: a number must not run into a name");
    check("3.foo == 1", "column 3: `.foo` can only follow a name");
    check("1 < 2 true", "column 7: unexpected `true`");
    check("1e+ > 2", "column 1: malformed number exponent");
    check("'a\\q'", "column 3: unknown escape \\q");
    check("customer.", "column 10: expected a name after `.`");
    check("(1).x", "column 5: `.x` can only follow a name");
}

#[test]
fn type_errors_point_at_the_column() {
    check(
        "customer.balance",
        "column 1: a rule must be true or false, but this is a number",
    );
    check(
        "customer.bogus == 1",
        "column 10: unknown attribute `customer.bogus`",
    );
    check(
        "context.nope == 'x'",
        "column 9: unknown context field `context.nope`",
    );
    check(
        "events.dropped_call > 0",
        "column 1: `events.<type>` counts are declared aggregates now",
    );
    check(
        "event.reason == 'billing'",
        "column 1: `event.` can only be read in an aggregate's `where` filter",
    );
    check(
        "balance < 10",
        "column 1: unknown identifier `balance`; did you mean `customer.balance`?",
    );
    check("foo", "column 1: unknown identifier `foo`");
    check(
        "customer == 1",
        "column 1: `customer` needs a name after it",
    );
    check(
        "customer.balance.x == 1",
        "column 18: `customer.balance` has no field `x`",
    );
    check("holdings.x == 1", "column 10: `holdings` has no field `x`");
    check(
        "customer.balance < 'x'",
        "column 18: `<` compares two numbers or two strings, found number and string",
    );
    check(
        "customer.segment == 3",
        "column 18: `==` compares values of the same type, found string and number",
    );
    check(
        "customer.segment && true",
        "column 18: `&&` needs two bools, found string and bool",
    );
    check(
        "!customer.balance",
        "column 2: `!` needs a bool, found a number",
    );
    check(
        "-customer.segment == 1",
        "column 2: `-` needs a number, found a string",
    );
    check("'x' - 'y' == ''", "column 5: `-` needs two numbers");
    check(
        "1 in holdings",
        "column 3: `in` needs a value of the list's element type",
    );
    check(
        "'x' in 'xyz'",
        "column 5: `in` tests list membership; for a substring use contains",
    );
    check(
        "[1, 'a'] == []",
        "column 5: list elements must share one type",
    );
    check(
        "size(1) == 1",
        "column 6: `size` needs a string or a list here, found a number",
    );
    check(
        "contains(holdings, 'x')",
        "column 10: `contains` needs a string (for a list use `x in list`)",
    );
    check(
        "size(1, 2) == 1",
        "column 1: `size` takes 1 argument, found 2",
    );
    check("upper('x') == 'X'", "column 1: unknown function `upper`");
    check(
        "min('a', 1) == 1",
        "column 5: `min` needs a number here, found a string",
    );
    check("max(1) == 1", "column 1: `max` takes 2 arguments, found 1");
    check(
        "duration('7 days') > 0",
        "column 10: `7 days` is not a duration",
    );
    check(
        "duration(customer.segment) > 0",
        "column 10: `duration` needs a quoted literal",
    );
    check(
        "customer.balance > 1 && lower(channel)",
        "column 22: `&&` needs two bools, found bool and string",
    );
}

#[test]
fn nesting_and_length_are_bounded() {
    let deep = format!("{}true{}", "(".repeat(200), ")".repeat(200));
    check(&deep, "rule is nested too deeply");
    let long = vec!["1"; 2000].join(" + ");
    check(&format!("{long} > 0"), "rule is too long");
    let fine = format!("{}true{}", "(".repeat(30), ")".repeat(30));
    check(&fine, "true");
}

#[test]
fn vars_lists_what_the_rule_reads() {
    let rule = Rule::compile(
        "customer.balance < 10 && 'x' in holdings && customer.balance > customer.sms_30d",
        &schema(),
    )
    .expect("compiles");
    assert_eq!(
        rule.vars(),
        &[
            // Attributes are indexed in name order: age, arpu, balance, ...
            Var::Attribute {
                index: 2,
                name: "balance".into()
            },
            Var::Holdings,
            Var::Aggregate {
                index: 4,
                name: "sms_30d".into()
            }
        ]
    );
    assert_eq!(
        rule.source(),
        "customer.balance < 10 && 'x' in holdings && customer.balance > customer.sms_30d"
    );
}

#[test]
fn event_filters_read_the_event_and_the_customer() {
    let filter = |src: &str| Rule::compile_event_filter(src, &schema(), EventType::CareContact);
    let rule =
        filter("event.reason == 'billing' && customer.segment == 'prepaid'").expect("compiles");
    let env = |var: &Var| match var {
        Var::EventField(name) if name == "reason" => Value::from("billing"),
        Var::Attribute { name, .. } if name == "segment" => Value::from("prepaid"),
        _ => Value::Null,
    };
    assert_eq!(rule.eval_bool(&env).ok(), Some(true));
    let err = filter("event.amount > 3").expect_err("care contacts have no amount");
    assert!(
        err.message.contains("has no field `amount`"),
        "{}",
        err.message
    );
    let err = filter("event.reason").expect_err("a filter is a bool");
    assert!(err.message.contains("true or false"), "{}", err.message);
}

#[test]
fn formulas_have_a_scalar_type() {
    let (rule, value_type) = Rule::compile_formula(
        "customer.balance * 2 + customer.dropped_calls_24h",
        &schema(),
    )
    .expect("compiles");
    assert_eq!(value_type, ValueType::Number);
    assert_eq!(rule.eval(&env).ok(), Some(Value::Num(18.0)));
    let (_, value_type) =
        Rule::compile_formula("customer.segment == 'prepaid'", &schema()).expect("compiles");
    assert_eq!(value_type, ValueType::Bool);
    assert!(Rule::compile_formula("holdings", &schema()).is_err());
}

#[test]
fn a_frame_reads_each_variable_once_whatever_number_of_rules_read_it() {
    let schema = schema();
    let reads = std::cell::RefCell::new(Vec::new());
    let counting = |var: &Var| {
        reads.borrow_mut().push(var.to_string());
        env(var)
    };
    let frame = Frame::new(&schema, &counting);
    for src in [
        "customer.segment == 'prepaid' && customer.balance < 10",
        "customer.balance > 5 && 'data_1gb' in holdings",
        "!('voice_basic' in holdings) || customer.segment != 'postpaid'",
        "context.call_reason == 'cancel' && customer.dropped_calls_24h >= 3",
    ] {
        let rule = Rule::compile(src, &schema).expect("compiles");
        assert!(rule.eval_bool(&frame).is_ok(), "{src}");
    }
    let mut seen = reads.borrow().clone();
    seen.sort();
    assert_eq!(
        seen,
        [
            "context.call_reason",
            "customer.balance",
            "customer.dropped_calls_24h",
            "customer.segment",
            "holdings",
        ]
    );
}

/// The shapes the closures specialise, each with its success, missing and wrong-type cases:
/// `run` checks the closures against the tree on every one.
#[test]
fn specialised_shapes_agree_with_the_tree() {
    for (src, expected) in [
        ("customer.balance >= 7.5", "true"),
        ("customer.balance != 7.5", "false"),
        ("customer.balance < 7.5", "false"),
        ("customer.arpu >= 1", "customer.arpu is missing"),
        (
            "customer.age > 3",
            "customer.age is string, expected number",
        ),
        ("customer.segment == 'prepaid'", "true"),
        ("customer.segment != 'prepaid'", "false"),
        ("customer.segment < 'q'", "true"),
        ("customer.promotion == 'x'", "customer.promotion is missing"),
        ("'data_1gb' in holdings", "true"),
        ("!('data_1gb' in holdings)", "false"),
        ("!('gold' in holdings)", "true"),
        ("'Gold' in customer.tags && !('x' in customer.tags)", "true"),
        (
            "customer.consent_sms && customer.balance > 1 && customer.segment == 'prepaid'",
            "true",
        ),
        ("customer.balance > 100 && customer.arpu > 1", "false"),
        (
            "customer.balance > 1 && customer.arpu > 1",
            "customer.arpu is missing",
        ),
        (
            "customer.balance > 100 || customer.segment == 'prepaid' || customer.arpu > 1",
            "true",
        ),
        (
            "customer.balance > 100 || customer.arpu > 1",
            "customer.arpu is missing",
        ),
        (
            "customer.promotion == null && customer.segment != null",
            "true",
        ),
        ("customer.balance * 2 > customer.tenure_months", "true"),
    ] {
        check(src, expected);
    }
}
