//! Properties of the rule language: no input makes the compiler or evaluator panic.

use concord_model::Value;
use concord_strategy::{ProfileSchema, Rule, ValueType, Var};
use proptest::prelude::*;

fn schema() -> ProfileSchema {
    let mut schema = ProfileSchema::default();
    schema
        .attributes
        .insert("balance".into(), ValueType::Number);
    schema
        .attributes
        .insert("segment".into(), ValueType::String);
    schema.attributes.insert("tags".into(), ValueType::List);
    schema
        .context
        .insert("call_reason".into(), ValueType::String);
    schema
}

/// Values of every type, including the wrong ones, so evaluation meets mismatches too.
fn env(var: &Var) -> Value {
    match var {
        Var::Attribute { name, .. } if name == "balance" => Value::Num(0.0),
        Var::Attribute { name, .. } if name == "segment" => Value::Num(1.0),
        Var::Holdings => Value::Str("not a list".into()),
        _ => Value::Null,
    }
}

/// Fragments of the language, so random rules get past the lexer often.
fn rule_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("customer.balance"),
        Just("customer.segment"),
        Just("customer.tags"),
        Just("context.call_reason"),
        Just("events.dropped_call"),
        Just("holdings"),
        Just("channel"),
        Just("'x'"),
        Just("0"),
        Just("1.5"),
        Just("null"),
        Just("true"),
        Just("&&"),
        Just("||"),
        Just("!"),
        Just("=="),
        Just("<"),
        Just("in"),
        Just("+"),
        Just("/"),
        Just("%"),
        Just("-"),
        Just("("),
        Just(")"),
        Just("["),
        Just("]"),
        Just(","),
        Just("size("),
        Just("lower("),
        Just("contains("),
        Just("."),
    ];
    proptest::collection::vec(piece, 0..24).prop_map(|pieces| pieces.join(" "))
}

proptest! {
    #[test]
    fn compiling_arbitrary_text_never_panics(src in "\\PC{0,200}") {
        let _ = Rule::compile(&src, &schema());
    }

    #[test]
    fn compiling_and_evaluating_rule_like_text_never_panics(src in rule_like()) {
        if let Ok(rule) = Rule::compile(&src, &schema()) {
            let _ = rule.eval(&env);
            let _ = rule.eval_bool(&env);
        }
    }

    #[test]
    fn rule_errors_point_inside_the_rule(src in rule_like()) {
        if let Err(err) = Rule::compile(&src, &schema()) {
            prop_assert!(err.pos <= src.chars().count(), "{err} for {src:?}");
        }
    }
}
