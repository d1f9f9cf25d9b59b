//! Each folder under tests/broken/ is a small complete strategy with one defect (or, for
//! `several_defects`, several in different files). Loading must fail with exactly the
//! expected `file:line:col: field: message` lines, sorted by file and position.

use super::crate_path;
use concord_strategy::{Strategy, StrategyErrorKind};

/// Loads `tests/broken/<case>` and checks its error lines: one expected substring per error.
fn check(case: &str, expected: &[&str]) {
    let errors = match Strategy::load(&crate_path(&format!("tests/broken/{case}"))) {
        Ok(_) => panic!("{case}: loaded, but it has a defect"),
        Err(errors) => errors,
    };
    let rendered = errors.to_string();
    let lines: Vec<&str> = rendered.lines().collect();
    assert_eq!(
        lines.len(),
        expected.len(),
        "{case}: expected {} errors, got:\n{rendered}",
        expected.len()
    );
    for (line, want) in lines.iter().zip(expected) {
        assert!(
            line.contains(want),
            "{case}:\n  expected: {want}\n  actual:   {line}"
        );
    }
}

#[test]
fn aggregate_and_derived_defects() {
    check(
        "bad_aggregates",
        &[
            "profile.yaml:8:22: aggregates.teleports.event: unknown event type `teleport`",
            "profile.yaml:9:57: aggregates.cell_sum.field: `sum` needs a numeric field, and `cell` is not one",
            "profile.yaml:10:21: aggregates.no_field.field: `sum` needs the event field it folds",
            "profile.yaml:11:58: aggregates.bad_window.window: `3 weeks` is not a duration",
            "profile.yaml:12:72: aggregates.odd_buckets.bucket: the window must hold a whole number of buckets",
            "profile.yaml:13:68: aggregates.bad_filter.where: a care_contact event has no field `amount`",
            "profile.yaml:14:3: aggregates.balance: `customer.balance` is already declared",
            "profile.yaml:17:19: derived.loop: a derived field can't read another derived field (`customer.twice`)",
            "profile.yaml:18:22: derived.nothing: unknown attribute `customer.nowhere`",
            "profile.yaml:19:19: allowed_lateness: `a while` is not a duration",
        ],
    );
}

#[test]
fn trigger_defects() {
    check(
        "bad_triggers",
        &[
            "triggers.yaml:3:10: triggers[1].id: duplicate trigger id `ok` (first declared at line 2)",
            "triggers.yaml:4:60: triggers[2].channel: unknown channel `pigeon`; channels.yaml declares: ussd, sms",
            "triggers.yaml:5:30: triggers[3].when: a trigger is checked as events arrive, with no request",
            "triggers.yaml:6:81: triggers[4].cooldown: `soon` is not a duration",
            "triggers.yaml:7:48: triggers[5].when: expected a value, found end of rule",
            "triggers.yaml:8:94: triggers[6].context.mood: `mood` must be a string field declared in profile.yaml context",
        ],
    );
}

#[test]
fn syntax_defects_point_at_the_node() {
    check(
        "unknown_field",
        &[
            "actions/main.yaml:24:5: actions[1].prize: unknown field `prize`, expected one of id, name",
        ],
    );
    check(
        "wrong_type",
        &["channels.yaml:9:18: channels[1].max_actions: expected a whole number >= 0"],
    );
    check(
        "bad_enum",
        &[
            "channels.yaml:8:16: channels[1].direction: unknown variant `sideways`, expected one of inbound, outbound",
        ],
    );
    check(
        "unknown_value_type",
        &["profile.yaml:3:12: attributes.balance: expected a single name"],
    );
    check(
        "invalid_yaml",
        &["profile.yaml:3:18: attributes.balance: mapping values are not allowed in this context"],
    );
    check(
        "unclosed_quote",
        &[
            "actions/main.yaml:24:19: actions[0].treatments.ussd.text: invalid trailing content after double-quoted scalar",
        ],
    );
    check(
        "missing_strategy_yaml",
        &["strategy.yaml:1:1: missing required file strategy.yaml"],
    );
}

#[test]
fn semantic_defects_point_at_the_value() {
    check(
        "duplicate_action_id",
        &[
            "actions/main.yaml:18:9: actions[1].id: duplicate action id `data_1gb` (first declared at line 9)",
        ],
    );
    check(
        "unknown_issue",
        &[
            "actions/main.yaml:20:12: actions[1].issue: unknown issue `care` (declared issues: growth)",
        ],
    );
    check(
        "unknown_group",
        &[
            "actions/main.yaml:21:12: actions[1].group: group `billing` is not declared under issue `growth`",
        ],
    );
    check(
        "unknown_channel",
        &[
            "actions/main.yaml:27:7: actions[1].treatments.whatsapp: unknown channel `whatsapp` (channels.yaml declares: ussd, sms)",
        ],
    );
    check(
        "negative_value",
        &["actions/main.yaml:23:12: actions[1].value: value must be a number >= 0, found -3"],
    );
    // The second channel is now a duplicate, so the treatment naming it has no channel.
    check(
        "duplicate_channel",
        &[
            "actions/main.yaml:27:7: actions[1].treatments.sms: unknown channel `sms`",
            "channels.yaml:6:9: channels[1].id: duplicate channel id `ussd` (first declared at line 2)",
        ],
    );
}

#[test]
fn rule_defects_point_inside_the_rule() {
    // The rule starts at column 19 of line 24, after `    eligibility: "`.
    check(
        "rule_parse_error",
        &["actions/main.yaml:24:70: actions[1].eligibility: expected a value, found end of rule"],
    );
    check(
        "rule_unknown_identifier",
        &["actions/main.yaml:24:61: actions[1].eligibility: unknown attribute `customer.balanse`"],
    );
    check(
        "rule_type_error",
        &[
            "actions/main.yaml:24:69: actions[1].eligibility: `<` compares two numbers or two strings, found number and string",
        ],
    );
    // A folded block scalar: the error is on the rule's second line.
    check(
        "rule_error_in_block_scalar",
        &["actions/main.yaml:26:19: actions[1].eligibility: unknown attribute `customer.balanse`"],
    );
}

#[test]
fn every_defect_is_reported_not_just_the_first() {
    check(
        "several_defects",
        &[
            "actions/main.yaml:23:12: actions[1].value: value must be a number >= 0",
            "actions/main.yaml:24:69: actions[1].eligibility: `<` compares two numbers",
            "actions/main.yaml:27:7: actions[1].treatments.fax: unknown channel `fax`",
            "channels.yaml:9:18: channels[1].max_actions: max_actions must be at least 1",
        ],
    );
}

#[test]
fn errors_carry_kind_and_structured_position() {
    let errors = Strategy::load(&crate_path("tests/broken/rule_type_error"))
        .expect_err("rule_type_error fails");
    let error = errors.errors.first().expect("one error");
    assert_eq!(error.kind, StrategyErrorKind::Rule);
    assert_eq!(
        (
            error.file.as_str(),
            error.line,
            error.column,
            error.field.as_str()
        ),
        ("actions/main.yaml", 24, 69, "actions[1].eligibility")
    );
}

#[test]
fn every_broken_folder_has_a_case() {
    let mut folders: Vec<String> = std::fs::read_dir(crate_path("tests/broken"))
        .expect("tests/broken exists")
        .filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().into_string().ok())
        .collect();
    folders.sort();
    let source = include_str!("broken.rs");
    for folder in folders {
        assert!(
            source.contains(&format!("\"{folder}\"")),
            "tests/broken/{folder} has no case in broken.rs"
        );
    }
}
