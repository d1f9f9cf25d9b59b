//! Loading from in-memory files: each case starts from a small valid folder, replaces or
//! drops files, and checks every rendered error line (or "ok").

use crate::Strategy;

const STRATEGY: &str = "name: t\nversion: \"1\"\n";
const CHANNELS: &str =
    "channels:\n  - { id: ussd, name: USSD, direction: inbound, max_actions: 5 }\n";
const PROFILE: &str = "attributes:\n  balance: number\ncontext:\n  call_reason: string\n";
const ACTIONS: &str = "issues:
  - id: growth
    name: Growth
    groups: [{ id: data, name: Data }]
actions:
  - id: a1
    name: A1
    issue: growth
    group: data
    kind: sales
    value: 1
    treatments: { ussd: { text: hi } }
";

/// `overrides`: (path, Some(text)) replaces or adds a file, (path, None) drops it.
/// `expected`: one substring per output line; the output is "ok: N actions" or the errors.
fn check(overrides: &[(&str, Option<&str>)], expected: &[&str]) {
    let mut files: Vec<(&str, &str)> = vec![
        ("strategy.yaml", STRATEGY),
        ("channels.yaml", CHANNELS),
        ("profile.yaml", PROFILE),
        ("actions/main.yaml", ACTIONS),
    ];
    for (path, text) in overrides {
        files.retain(|(p, _)| p != path);
        if let Some(text) = text {
            files.push((path, text));
        }
    }
    let actual = match Strategy::from_files(files) {
        Ok(strategy) => format!("ok: {} actions", strategy.actions().len()),
        Err(errors) => errors.to_string(),
    };
    let lines: Vec<&str> = actual.lines().collect();
    assert_eq!(
        lines.len(),
        expected.len(),
        "expected {expected:?}\nactual:\n{actual}"
    );
    for (line, want) in lines.iter().zip(expected) {
        assert!(line.contains(want), "expected: {want}\nactual:   {line}");
    }
}

#[test]
fn small_folder_loads() {
    check(&[], &["ok: 1 actions"]);
    check(
        &[("actions/more.yml", Some("actions: []\n"))],
        &["ok: 1 actions"],
    );
    let limit = "name: t\nversion: \"1\"\ndefault_limit: 7\n";
    check(&[("strategy.yaml", Some(limit))], &["ok: 1 actions"]);
}

#[test]
fn file_level_defects() {
    check(
        &[("profile.yaml", None)],
        &["profile.yaml:1:1: missing required file profile.yaml"],
    );
    check(
        &[("actions/main.yaml", None)],
        &["actions/:1:1: missing required files: no actions/*.yaml"],
    );
    check(
        &[("notes.txt", Some("hi"))],
        &["notes.txt:1:1: not part of a strategy folder"],
    );
    check(
        &[("actions/main.yaml", Some("issues: []\nactions: []\n"))],
        &["actions/main.yaml:1:1: the strategy declares no actions"],
    );
    check(
        &[("strategy.yaml", Some("name: t\n"))],
        &["strategy.yaml:1:1: missing field `version`"],
    );
    check(&[("strategy.yaml", Some(""))], &["strategy.yaml:1:1: "]);
}

#[test]
fn value_defects() {
    let limit = "name: t\nversion: \"1\"\ndefault_limit: 0\n";
    check(
        &[("strategy.yaml", Some(limit))],
        &["strategy.yaml:3:16: default_limit: default_limit must be at least 1"],
    );
    check(
        &[("strategy.yaml", Some("name: \"\"\nversion: \"1\"\n"))],
        &["strategy.yaml:1:7: name: name must not be empty"],
    );
    let upper = "channels:\n  - { id: USSD, name: U, direction: inbound, max_actions: 1 }\n";
    check(
        &[("channels.yaml", Some(upper))],
        &[
            "actions/main.yaml:12:19: actions[0].treatments.ussd: unknown channel `ussd`",
            "channels.yaml:2:11: channels[0].id: channel id `USSD` must be non-empty lowercase",
        ],
    );
    check(
        &[("channels.yaml", Some("channels: []\n"))],
        &[
            "actions/main.yaml:12:19: actions[0].treatments.ussd: unknown channel `ussd`",
            "channels.yaml:1:1: channels: declare at least one channel",
        ],
    );
    check(
        &[("profile.yaml", Some("attributes:\n  2fast: number\n"))],
        &["profile.yaml:2:3: attributes.2fast: `2fast` can't be used in rules"],
    );
    let untreated = ACTIONS.replace("    treatments: { ussd: { text: hi } }\n", "");
    check(
        &[("actions/main.yaml", Some(&untreated))],
        &["actions/main.yaml:6:9: actions[0].treatments: an action needs a treatment"],
    );
    let blank = ACTIONS.replace("text: hi", "text: \"  \"");
    check(
        &[("actions/main.yaml", Some(&blank))],
        &[
            "actions/main.yaml:12:33: actions[0].treatments.ussd.text: treatment text must not be empty",
        ],
    );
}

#[test]
fn references_across_files() {
    let again = "issues:\n  - id: growth\n    name: Again\nactions: []\n";
    check(
        &[("actions/other.yaml", Some(again))],
        &[
            "actions/other.yaml:2:9: issues[0].id: duplicate issue id `growth` (first declared at actions/main.yaml:2)",
        ],
    );
    // An action may use an issue declared in another file.
    let main = ACTIONS
        .replace("issue: growth", "issue: service")
        .replace("  - id: growth", "  - id: unused");
    let other =
        "issues:\n  - id: service\n    name: Service\n    groups: [{ id: data, name: Data }]\n";
    check(
        &[
            ("actions/main.yaml", Some(&main)),
            ("actions/other.yaml", Some(other)),
        ],
        &["ok: 1 actions"],
    );
}

#[test]
fn a_broken_file_does_not_cascade() {
    let with_rule = ACTIONS.replace(
        "    value: 1\n",
        "    value: 1\n    eligibility: \"customer.balance < 10\"\n",
    );
    // profile.yaml is broken: rules are only syntax-checked, so no "unknown attribute".
    check(
        &[
            ("profile.yaml", Some("attributes: 3\n")),
            ("actions/main.yaml", Some(&with_rule)),
        ],
        &["profile.yaml:1:13: attributes: expected mapping start"],
    );
    let broken_rule = with_rule.replace("< 10", "<");
    check(
        &[
            ("profile.yaml", Some("attributes: 3\n")),
            ("actions/main.yaml", Some(&broken_rule)),
        ],
        &[
            "actions/main.yaml:12:37: actions[0].eligibility: expected a value, found end of rule",
            "profile.yaml:1:13: attributes: expected mapping start",
        ],
    );
    // channels.yaml is broken: treatments are not checked against it.
    check(
        &[("channels.yaml", Some("channels: 3\n"))],
        &["channels.yaml:1:11: channels: "],
    );
    // One actions file is broken: the issues it declares are unknown, so no reference errors.
    let other_issue = ACTIONS.replace("issue: growth", "issue: service");
    check(
        &[
            ("actions/a.yaml", Some("issues: [\n")),
            ("actions/main.yaml", Some(&other_issue)),
        ],
        &["actions/a.yaml:"],
    );
}

#[test]
fn policies_levers_holdings_and_placements_are_checked() {
    let action = |extra: &str| ACTIONS.replace("    value: 1\n", &format!("    value: 1\n{extra}"));
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "actions/main.yaml",
            "    applicability: \"context.call_reason == 'data'\"\n    suitability: \"customer.balance >= 5\"\n    lever: 1.5\n    mandatory: true\n    product: X\n    requires: [Y]\n    excludes: [Z]\n    value_formula: \"customer.balance * 2\"\n",
            &["ok: 1 actions"],
        ),
        (
            "actions/main.yaml",
            "    suitability: \"customer.balanse >= 5\"\n",
            &[
                "actions/main.yaml:12:28: actions[0].suitability: unknown attribute `customer.balanse`",
            ],
        ),
        (
            "actions/main.yaml",
            "    lever: -1\n",
            &["actions/main.yaml:12:12: actions[0].lever: lever must be a number >= 0, found -1"],
        ),
        (
            "actions/main.yaml",
            "    value_formula: \"context.call_reason == 'x'\"\n",
            &["actions[0].value_formula: a value formula must be a number, but this is a bool"],
        ),
        (
            "actions/main.yaml",
            "    requires: [\"\"]\n",
            &["actions[0].requires[0]: a product name must not be empty"],
        ),
    ];
    for (path, extra, expected) in cases {
        check(&[(path, Some(&action(extra)))], expected);
    }
    // Issue- and group-level policies and levers.
    let issue_policies = ACTIONS.replace(
        "    groups: [{ id: data, name: Data }]\n",
        "    eligibility: \"customer.balance > 0\"\n    lever: 0.5\n    groups: [{ id: data, name: Data, applicability: \"context.nope == 1\" }]\n",
    );
    check(
        &[("actions/main.yaml", Some(&issue_policies))],
        &["issues[0].groups[0].applicability: unknown context field `context.nope`"],
    );
    // Placements: sizes between 1 and max_actions.
    check(
        &[(
            "channels.yaml",
            Some(
                "channels:\n  - { id: ussd, name: USSD, direction: inbound, max_actions: 5, placements: { menu: 5, banner: 9 } }\n",
            ),
        )],
        &["channels[0].placements.banner: a placement shows 1 to max_actions (5) actions, found 9"],
    );
    // Context weights and suppressions: rules compiled, targets resolved.
    let strategy = |extra: &str| format!("{STRATEGY}{extra}");
    check(
        &[(
            "strategy.yaml",
            Some(&strategy(
                "context_weights:\n  - { when: \"context.call_reason == 'cancel'\", target: { issue: retention }, weight: 2 }\n",
            )),
        )],
        &["context_weights[0].target.issue: unknown issue `retention` (declared: growth)"],
    );
    check(
        &[(
            "strategy.yaml",
            Some(&strategy(
                "suppressions:\n  - { id: s1, when: \"customer.balance < 0\", suppress: {}, reason: r }\n",
            )),
        )],
        &["suppressions[0].suppress: name at least one of kind, issue, group or action"],
    );
    check(
        &[(
            "strategy.yaml",
            Some(&strategy(
                "arbitration: { max_per_group: 1, use_levers: false }\nsuppressions:\n  - { id: s1, when: \"customer.balance < 0\", suppress: { kind: sales, group: data }, reason: \"no sales\" }\ncontext_weights:\n  - { when: \"channel == 'ussd'\", target: { action: a1 }, weight: 1.5 }\n",
            )),
        )],
        &["ok: 1 actions"],
    );
}

#[test]
fn breakers_are_checked() {
    let channels = |breaker: &str| {
        format!(
            "channels:\n  - {{ id: ussd, name: USSD, direction: inbound, max_actions: 5, breaker: {breaker} }}\n"
        )
    };
    let cases: &[(&str, &[&str])] = &[
        ("{ budget_ms: 50, defaults: [a1] }", &["ok: 1 actions"]),
        (
            "{ budget_ms: 0, overruns: 0, cooldown: soon, defaults: [a1] }",
            &[
                "channels[0].breaker.budget_ms: budget_ms must be a number > 0, found 0",
                "channels[0].breaker.overruns: overruns must be at least 1",
                "channels[0].breaker.cooldown: `soon` is not a duration",
            ],
        ),
        (
            "{ budget_ms: 5, defaults: [nope] }",
            &["channels[0].breaker.defaults[0]: unknown action `nope`"],
        ),
        (
            "{ budget_ms: 5, defaults: [] }",
            &["channels[0].breaker.defaults: a breaker needs at least one default action"],
        ),
    ];
    for (breaker, expected) in cases {
        check(&[("channels.yaml", Some(&channels(breaker)))], expected);
    }
    // A default without a treatment in the breaker's channel.
    let two = "channels:\n  - { id: ussd, name: USSD, direction: inbound, max_actions: 5 }\n  - { id: sms, name: SMS, direction: outbound, max_actions: 1, breaker: { budget_ms: 5, defaults: [a1] } }\n";
    check(
        &[("channels.yaml", Some(two))],
        &["channels[1].breaker.defaults[0]: action `a1` has no treatment in channel sms"],
    );
}

#[test]
fn consent_quiet_hours_and_time_zone_are_checked() {
    let profile = "attributes:\n  balance: number\n  consent_sms: bool\n  tz: string\ncontext:\n  call_reason: string\n";
    let channels = |extra: &str| {
        format!(
            "channels:\n  - {{ id: ussd, name: USSD, direction: inbound, max_actions: 5{extra} }}\n"
        )
    };
    let cases: &[(&str, &[&str])] = &[
        (
            ", consent: consent_sms, quiet_hours: { from: \"21:00\", to: \"08:00\" }",
            &["ok: 1 actions"],
        ),
        (
            ", consent: balance",
            &["channels[0].consent: consent attribute `balance` is a number, it must be a bool"],
        ),
        (
            ", consent: nope",
            &["channels[0].consent: unknown attribute `nope`"],
        ),
        (
            ", quiet_hours: { from: \"25:00\", to: \"8:00\" }",
            &[
                "channels[0].quiet_hours.from: `25:00` is not a time of day",
                "channels[0].quiet_hours.to: `8:00` is not a time of day",
            ],
        ),
    ];
    for (extra, expected) in cases {
        check(
            &[
                ("profile.yaml", Some(profile)),
                ("channels.yaml", Some(&channels(extra))),
            ],
            expected,
        );
    }
    let strategy = |zone: &str| format!("{STRATEGY}time_zone: {zone}\n");
    for (zone, expected) in [
        (
            "{ default: Africa/Johannesburg, attribute: tz }",
            "ok: 1 actions",
        ),
        (
            "{ default: Mars/Olympus }",
            "time_zone.default: `Mars/Olympus` is not a known time zone",
        ),
        (
            "{ default: UTC, attribute: balance }",
            "time_zone.attribute: `balance` must be a string attribute",
        ),
    ] {
        check(
            &[
                ("profile.yaml", Some(profile)),
                ("strategy.yaml", Some(&strategy(zone))),
            ],
            &[expected],
        );
    }
}

#[test]
fn contact_policy_is_checked() {
    let profile =
        "attributes:\n  balance: number\n  household_id: string\ncontext:\n  call_reason: string\n";
    let channels = "channels:\n  - { id: ussd, name: USSD, direction: inbound, max_actions: 5 }\n  - { id: sms, name: SMS, direction: outbound, max_actions: 1, cost: 0.02 }\n";
    let cases: &[(&str, &[&str])] = &[
        (
            "household_attribute: household_id
caps:
  - { id: sms_week, channels: [sms], max: 2, per: week }
  - { id: each_action, each: action, max: 3, per: month }
  - { id: rolling, direction: outbound, max: 1, per: 72h, household: true }
  - { id: growth, target: { issue: growth }, max: 5, per: day, inbound_exempt: false }
pauses:
  - { id: declined, outcome: declined, count: 2, within: 30d, pause: 60d, each: group }
volume:
  - { id: sms_budget, channels: [sms], per: month, max_cost: 1000 }
  - { id: calls, direction: outbound, per: day, max: 500 }
",
            &["ok: 1 actions"],
        ),
        (
            "caps:\n  - { id: a, channels: [fax], max: 1, per: day }\n",
            &[
                "contact.yaml:2:25: caps[0].channels[0]: unknown channel `fax`; channels.yaml declares: ussd, sms",
            ],
        ),
        (
            "caps:\n  - { id: a, channels: [sms], direction: outbound, max: 0, per: fortnight }\n",
            &[
                "caps[0].channels: give `channels` or `direction`, not both",
                "caps[0].max: max must be at least 1",
                "caps[0].per: `fortnight` is not a period",
            ],
        ),
        (
            "caps:\n  - { id: a, max: 1, per: day, household: true }\n  - { id: a, max: 1, per: day, target: { group: nope } }\n",
            &[
                "caps[0].household: a household cap needs `household_attribute`",
                "caps[1].id: duplicate cap id `a`",
                "caps[1].target.group: unknown group `nope`",
            ],
        ),
        (
            "household_attribute: balance\npauses:\n  - { id: p, outcome: shrugged, count: 1, within: 1d, pause: 1d }\n",
            &["pauses[0].outcome: unknown variant `shrugged`"],
        ),
        (
            "household_attribute: balance\npauses:\n  - { id: p, outcome: ignored, count: 0, within: soon, pause: 1d }\n",
            &[
                "household_attribute: `balance` must be a string attribute",
                "pauses[0].count: count must be at least 1",
                "pauses[0].within: `soon` is not a duration",
            ],
        ),
        (
            "volume:\n  - { id: v, per: 7d, max: 1, max_cost: 2 }\n  - { id: w, per: day, max_cost: -1 }\n",
            &[
                "volume[0]: give exactly one of `max` (contacts) or `max_cost`",
                "volume[0].per: `7d` is not a period: volume budgets are per day, week or month",
                "volume[1].max_cost: max_cost must be a number > 0, found -1",
            ],
        ),
    ];
    for (contact, expected) in cases {
        check(
            &[
                ("profile.yaml", Some(profile)),
                ("channels.yaml", Some(channels)),
                ("contact.yaml", Some(contact)),
            ],
            expected,
        );
    }
    let bad_cost =
        "channels:\n  - { id: sms, name: SMS, direction: outbound, max_actions: 1, cost: -2 }\n";
    check(
        &[("channels.yaml", Some(bad_cost))],
        &[
            "actions/main.yaml:12:19: actions[0].treatments.ussd: unknown channel `ussd`",
            "channels.yaml:2:70: channels[0].cost: cost must be a number >= 0, found -2",
        ],
    );
}

#[test]
fn price_rules_and_validity_are_checked() {
    let action = |extra: &str| ACTIONS.replace("    value: 1\n", &format!("    value: 1\n{extra}"));
    let cases: &[(&str, &[&str])] = &[
        (
            "    price: { min: 5, max: 20, step: 1, target: \"min(customer.balance, 30) * 1.5\" }\n    validity: 3d\n",
            &["ok: 1 actions"],
        ),
        ("    price: { min: 10, max: 10 }\n", &["ok: 1 actions"]),
        (
            "    price: { min: 20, max: 5, step: 0 }\n",
            &[
                "actions[0].price.max: max (5) is below min (20)",
                "actions[0].price.step: step must be a number > 0, found 0",
            ],
        ),
        (
            "    price: { min: -1, max: 5, target: \"context.call_reason\" }\n",
            &[
                "actions[0].price.min: min must be a number >= 0, found -1",
                "actions[0].price.target: a price target must be a number, but this is a string",
            ],
        ),
        (
            "    validity: soon\n",
            &["actions[0].validity: `soon` is not a duration"],
        ),
    ];
    for (extra, expected) in cases {
        check(&[("actions/main.yaml", Some(&action(extra)))], expected);
    }
    // A circuit breaker's defaults are answered without a funnel: no per-customer price.
    let channels = "channels:\n  - { id: ussd, name: USSD, direction: inbound, max_actions: 5, breaker: { budget_ms: 50, defaults: [a1] } }\n";
    check(
        &[
            ("channels.yaml", Some(channels)),
            (
                "actions/main.yaml",
                Some(&action("    price: { min: 5, max: 20 }\n")),
            ),
        ],
        &[
            "channels[0].breaker.defaults[0]: action `a1` is priced per customer (price min 5 < max 20); a breaker default needs a fixed price",
        ],
    );
}

#[test]
fn model_predictors_are_checked() {
    let cases: &[(&str, &[&str])] = &[
        (
            "predictors:\n  - customer.balance\n  - context.call_reason\n  - \"customer.balance / max(customer.balance, 1)\"\nmax_bins: 6\nactive_auc: 0.55\nmaturity_positives: 50\n",
            &["ok: 1 actions"],
        ),
        (
            "predictors:\n  - customer.balanse\n  - customer.balance\n  - customer.balance\n",
            &[
                "models.yaml:2:14: predictors[0]: unknown attribute `customer.balanse`",
                "models.yaml:4:5: predictors[2]: predictor `customer.balance` is declared twice",
            ],
        ),
        (
            "predictors: [\"customer.balance > 3\"]\nmax_bins: 1\nactive_auc: 0.4\nmaturity_positives: 0\ncorrelation_threshold: 0.3\n",
            &[
                "max_bins: max_bins must be at least 2, found 1",
                "active_auc: active_auc must be between 0.5 and 1, found 0.4",
                "maturity_positives: maturity_positives must be at least 1",
                "correlation_threshold: correlation_threshold must be between 0.5 and 1, found 0.3",
            ],
        ),
        ("predictors: 3\n", &["models.yaml:1:13: predictors: "]),
        ("exploration: none\n", &["ok: 1 actions"]),
        (
            "context_key: direction\noutbound_start_share: 0.05\n",
            &["ok: 1 actions"],
        ),
        (
            "context_key: treatment\noutbound_start_share: 2\n",
            &["models.yaml:1:14: context_key: unknown variant `treatment`"],
        ),
        (
            "outbound_start_share: 2\n",
            &[
                "models.yaml:1:23: outbound_start_share: outbound_start_share is a share between 0 and 1, found 2",
            ],
        ),
        (
            "exploration: greedy\n",
            &["models.yaml:1:14: exploration: unknown variant `greedy`"],
        ),
        ("technique: joint\n", &["ok: 1 actions"]),
        (
            "technique: newton\n",
            &["models.yaml:1:12: technique: unknown variant `newton`"],
        ),
    ];
    for (models, expected) in cases {
        check(&[("models.yaml", Some(models))], expected);
    }
    let load = |text: &str| {
        let files = [
            ("strategy.yaml", STRATEGY),
            ("channels.yaml", CHANNELS),
            ("profile.yaml", PROFILE),
            ("actions/main.yaml", ACTIONS),
            ("models.yaml", text),
        ];
        Strategy::from_files(files).map(|s| s.models().thompson)
    };
    assert_eq!(load("exploration: none\n").ok(), Some(false));
    let technique = |text: &str| {
        let files = [
            ("strategy.yaml", STRATEGY),
            ("channels.yaml", CHANNELS),
            ("profile.yaml", PROFILE),
            ("actions/main.yaml", ACTIONS),
            ("models.yaml", text),
        ];
        Strategy::from_files(files).map(|s| s.models().technique)
    };
    assert_eq!(
        technique("technique: joint\n").ok(),
        Some(crate::Technique::Joint)
    );
    assert_eq!(
        technique("predictors: []\n").ok(),
        Some(crate::Technique::Joint),
        "the joint fit by default"
    );
    assert_eq!(
        load("predictors: []\n").ok(),
        Some(true),
        "Thompson sampling by default"
    );
}

#[test]
fn model_outcomes_and_timeouts_are_checked() {
    let cases: &[(&str, &[&str])] = &[
        (
            "outcomes:\n  positive: [accepted, converted]\n  negative: [declined, no_reply]\n  custom:\n    - { name: converted, counts_as: accepted }\n    - { name: no_reply, counts_as: ignored }\n  overrides:\n    - { target: { issue: growth }, positive: [clicked], negative: [ignored] }\ntimeouts:\n  - { channel: ussd, after: 5m }\n  - { channel: ussd, after: 3d, outcome: no_reply }\n",
            &["ok: 1 actions"],
        ),
        (
            "outcomes:\n  custom:\n    - { name: accepted, counts_as: accepted }\n    - { name: \"a b\", counts_as: declined }\n    - { name: won, counts_as: bought }\n    - { name: won, counts_as: clicked }\n",
            &[
                "models.yaml:3:15: outcomes.custom[0].name: outcome `accepted` already exists",
                "models.yaml:4:15: outcomes.custom[1].name: `a b` is not an outcome name",
                "models.yaml:5:31: outcomes.custom[2].counts_as: a custom outcome counts as accepted, declined, clicked or ignored, not `bought`",
            ],
        ),
        (
            "outcomes:\n  positive: [accepted, bought]\n  negative: [accepted]\n  overrides:\n    - { target: { issue: retention }, positive: [clicked] }\n",
            &[
                "models.yaml:2:24: outcomes.positive[1]: unknown outcome `bought` (known: accepted, declined, clicked, ignored)",
                "models.yaml:3:14: outcomes.negative: outcome `accepted` is both positive and negative",
                "models.yaml:5:26: outcomes.overrides[0].target.issue: unknown issue `retention` (declared: growth)",
            ],
        ),
        (
            "timeouts:\n  - { channel: sms, after: 3d }\n  - { channel: ussd, after: soon }\n  - { channel: ussd, after: 0s }\n  - { channel: ussd, after: 1h, outcome: lost }\n",
            &[
                "models.yaml:2:16: timeouts[0].channel: unknown channel `sms` (declared: ussd)",
                "models.yaml:3:29: timeouts[1].after: `soon` is not a duration",
                "models.yaml:4:29: timeouts[2].after: `0s` is not a duration: write a positive whole number",
                "models.yaml:5:42: timeouts[3].outcome: unknown outcome `lost` (known: accepted, declined, clicked, ignored)",
            ],
        ),
    ];
    for (models, expected) in cases {
        check(&[("models.yaml", Some(models))], expected);
    }
    let files = [
        ("strategy.yaml", STRATEGY),
        ("channels.yaml", CHANNELS),
        ("profile.yaml", PROFILE),
        ("actions/main.yaml", ACTIONS),
        ("models.yaml", cases[0].0),
    ];
    let strategy = Strategy::from_files(files).unwrap_or_else(|e| panic!("{e}"));
    let outcomes = &strategy.models().outcomes;
    let action = &strategy.actions()[0];
    use concord_model::Outcome;
    // The override (issue growth) replaces the file's lists for a1's models.
    let polarity = outcomes.polarity(action);
    assert_eq!(
        ["clicked", "ignored", "accepted", "converted"].map(|o| polarity.of(o)),
        [Some(true), Some(false), None, None]
    );
    assert_eq!(outcomes.polarity.of("converted"), Some(true));
    assert_eq!(outcomes.polarity.of("no_reply"), Some(false));
    assert_eq!(
        outcomes.polarity.of("ignored"),
        None,
        "a list given replaces the default"
    );
    assert_eq!(
        outcomes.resolve("converted"),
        Some((Outcome::Accepted, Some("converted".into())))
    );
    assert_eq!(
        outcomes.resolve("declined"),
        Some((Outcome::Declined, None))
    );
    assert_eq!(outcomes.resolve("bought"), None);
    let timeouts = &strategy.models().timeouts;
    assert_eq!(
        timeouts
            .iter()
            .map(|t| (t.after_ms, t.outcome, t.custom_outcome.as_deref()))
            .collect::<Vec<_>>(),
        [
            (300_000, Outcome::Ignored, None),
            (259_200_000, Outcome::Ignored, Some("no_reply")),
        ]
    );
}

#[test]
fn control_arms_are_checked() {
    let share_why =
        "share must be a number from 0 (off) to 0.1, the fraction of customers in the arm";
    let cases: &[(&str, &[&str])] = &[
        (
            "control_arms:\n  salt: impact-2026\n  holdout: 0.02\n  random_action: 0.02\n  propensity_only: 0.02\n  no_levers: 0.02\n  eligibility_only: 0.02\n  random_propensity: 0.02\n",
            &["ok: 1 actions"],
        ),
        // Every key optional; an arm left empty or commented out is off.
        (
            "control_arms:\n  holdout: 0.1\n  no_levers:\n",
            &["ok: 1 actions"],
        ),
        ("control_arms:\n", &["ok: 1 actions"]),
        ("", &["ok: 1 actions"]),
        (
            "control_arms:\n  holdout: 0.2\n",
            &[
                "experiments.yaml:2:12: control_arms.holdout: holdout share must be at most 0.1: each arm owns a tenth of the customer hash space, so resizing one never moves another's customers; found 0.2",
            ],
        ),
        (
            "control_arms:\n  holdout: 0.02\n  random_propensity: -0.02\n",
            &[&format!(
                "experiments.yaml:3:22: control_arms.random_propensity: random_propensity {share_why}; found -0.02"
            )],
        ),
        (
            "control_arms:\n  no_levers: .nan\n",
            &[
                "experiments.yaml:2:14: control_arms.no_levers: expected a finite number, found `.nan`",
            ],
        ),
        (
            "control_arms:\n  random_action: two\n  propensity_only: \"0.02\"\n  eligibility_only: [0.01]\n  holdout: 2%\n",
            &[
                &format!(
                    "experiments.yaml:2:18: control_arms.random_action: random_action {share_why}; found `two`"
                ),
                &format!(
                    "experiments.yaml:3:20: control_arms.propensity_only: propensity_only {share_why}; found the text \"0.02\" (write the number without quotes)"
                ),
                &format!(
                    "experiments.yaml:4:21: control_arms.eligibility_only: eligibility_only {share_why}; found a list"
                ),
                &format!(
                    "experiments.yaml:5:12: control_arms.holdout: holdout {share_why}; found `2%` (write 2% as 0.02)"
                ),
            ],
        ),
        (
            "control_arms:\n  random_actions: 0.02\n",
            &[
                "experiments.yaml:2:3: control_arms: unknown field `random_actions`, expected one of salt, holdout, random_action, propensity_only, no_levers, eligibility_only, random_propensity",
            ],
        ),
        (
            "control_arm:\n  holdout: 0.02\n",
            &["experiments.yaml:1:1: unknown field `control_arm`, expected one of control_arms"],
        ),
        (
            "control_arms:\n  salt: \"\"\n",
            &[
                "experiments.yaml:2:9: control_arms.salt: salt must be a non-empty string: it is mixed into every customer's hash",
            ],
        ),
        (
            "control_arms:\n  salt: [a]\n",
            &["experiments.yaml:2:9: control_arms.salt: expected string scalar"],
        ),
    ];
    for (experiments, expected) in cases {
        check(&[("experiments.yaml", Some(experiments))], expected);
    }
    let arms = |experiments: Option<&str>| {
        let mut files = vec![
            ("strategy.yaml", STRATEGY),
            ("channels.yaml", CHANNELS),
            ("profile.yaml", PROFILE),
            ("actions/main.yaml", ACTIONS),
        ];
        files.extend(experiments.map(|text| ("experiments.yaml", text)));
        Strategy::from_files(files)
            .map(|s| s.control_arms().clone())
            .unwrap_or_else(|e| panic!("{e}"))
    };
    let absent = arms(None);
    assert!(absent.is_off(), "no experiments.yaml: every arm off");
    assert_eq!(absent, crate::ControlArms::default());
    assert_eq!(absent.salt, "concord");
    let given = arms(Some(cases[0].0));
    assert_eq!(given.salt, "impact-2026");
    for arm in crate::ControlArms::ORDER {
        assert_eq!(given.share(arm), 0.02, "{arm}");
    }
    let one = arms(Some("control_arms:\n  no_levers: 0.05\n"));
    assert_eq!(
        (
            one.share(concord_model::Arm::NoLevers),
            one.share(concord_model::Arm::Holdout)
        ),
        (0.05, 0.0)
    );
}

#[test]
fn arm_outcomes_are_checked() {
    const PROFILE: &str = "attributes:\n  balance: number\n  plan: string\ncontext:\n  call_reason: string\naggregates:\n  port_outs: {event: port_out, function: count}\n  recharge_sum_30d: {event: recharge, function: sum, field: amount, window: 30d}\n";
    let check = |outcomes: &str, expected: &[&str]| {
        let experiments = format!("control_arms:\n  holdout: 0.02\n{outcomes}");
        check(
            &[
                ("profile.yaml", Some(PROFILE)),
                ("experiments.yaml", Some(&experiments)),
            ],
            expected,
        );
    };
    let valid = "outcomes:\n  - name: churned\n    rule: \"customer.port_outs > 0\"\n  - name: revenue_30d\n    rule: customer.recharge_sum_30d\n  - { name: low_balance, rule: \"customer.balance < 5 && !('gold' in holdings)\" }\n";
    let cases: &[(&str, &[&str])] = &[
        (valid, &["ok: 1 actions"]),
        // Every entry commented out: no outcomes, not an error.
        ("outcomes:\n", &["ok: 1 actions"]),
        ("outcomes: []\n", &["ok: 1 actions"]),
        (
            "outcomes:\n  - { name: churned, rule: \"customer.port_outs > 0\" }\n  - { name: churned, rule: \"customer.balance < 1\" }\n",
            &["experiments.yaml:5:13: outcomes[1].name: outcome `churned` is declared twice"],
        ),
        (
            "outcomes:\n  - { name: Churned, rule: \"customer.port_outs > 0\" }\n  - { name: 30d_revenue, rule: customer.recharge_sum_30d }\n  - { name: \"\", rule: customer.balance }\n  - { name: churn-rate, rule: customer.balance }\n",
            &[
                "experiments.yaml:4:13: outcomes[0].name: outcome name `Churned` must be non-empty lowercase snake_case: a letter a-z, then a-z, 0-9 or `_` (e.g. `revenue_30d`)",
                "experiments.yaml:5:13: outcomes[1].name: outcome name `30d_revenue` must be non-empty lowercase snake_case",
                "experiments.yaml:6:13: outcomes[2].name: outcome name `` must be non-empty lowercase snake_case",
                "experiments.yaml:7:13: outcomes[3].name: outcome name `churn-rate` must be non-empty lowercase snake_case",
            ],
        ),
        (
            "outcomes:\n  - { name: plan, rule: customer.plan }\n",
            &[
                "experiments.yaml:4:25: outcomes[0].rule: an outcome is a bool (a rate) or a number (a value per customer); `customer.plan` is a string",
            ],
        ),
        (
            "outcomes:\n  - name: churned\n    rule: \"customer.port_out > 0\"\n",
            &[
                "experiments.yaml:5:21: outcomes[0].rule: unknown attribute `customer.port_out` (not declared in profile.yaml attributes, aggregates or derived)",
            ],
        ),
        (
            "outcomes:\n  - name: churned\n    rule: \"customer.port_outs >\"\n",
            &["experiments.yaml:5:32: outcomes[0].rule: expected a value, found end of rule"],
        ),
        (
            "outcomes:\n  - name: angry\n    rule: \"customer.balance < 1 || context.call_reason == 'cancel'\"\n",
            &[
                "experiments.yaml:5:36: outcomes[0].rule: an outcome reads only the customer's profile: `context.call_reason` belongs to a request, and there is none when the lift is measured",
            ],
        ),
        (
            "outcomes:\n  - { name: in_ussd, rule: \"channel == 'ussd'\" }\n",
            &[
                "experiments.yaml:4:29: outcomes[0].rule: an outcome reads only the customer's profile: `channel` belongs to a request",
            ],
        ),
        (
            "outcomes:\n  - name: churned\n    formula: \"customer.port_outs > 0\"\n",
            &[
                "experiments.yaml:5:5: outcomes[0].formula: unknown field `formula`, expected one of name, rule",
            ],
        ),
        (
            "outcomes:\n  - name: churned\n",
            &["experiments.yaml:4:5: outcomes[0]: missing field `rule`"],
        ),
    ];
    for (outcomes, expected) in cases {
        check(outcomes, expected);
    }
    let too_many: String = std::iter::once("outcomes:\n".to_owned())
        .chain(
            (0..=crate::MAX_ARM_OUTCOMES)
                .map(|i| format!("  - {{ name: o{i}, rule: \"customer.balance > {i}\" }}\n")),
        )
        .collect();
    check(
        &too_many,
        &[
            "experiments.yaml:24:5: outcomes[20]: at most 20 outcomes, found 21: each is measured for every customer of every arm whenever a lift is asked for",
        ],
    );

    // A broken profile.yaml: rules are checked for syntax only (no unknown-attribute noise).
    let experiments =
        "outcomes:\n  - { name: a, rule: customer.nothing }\n  - { name: b, rule: \"1 +\" }\n";
    self::check(
        &[
            ("profile.yaml", Some("attributes: [\n")),
            ("experiments.yaml", Some(experiments)),
        ],
        &[
            "experiments.yaml:3:26: outcomes[1].rule: expected a value, found end of rule",
            "profile.yaml:",
        ],
    );

    let outcomes = |experiments: &str| {
        let files = [
            ("strategy.yaml", STRATEGY),
            ("channels.yaml", CHANNELS),
            ("profile.yaml", PROFILE),
            ("actions/main.yaml", ACTIONS),
            ("experiments.yaml", experiments),
        ];
        Strategy::from_files(files)
            .map(|s| {
                s.arm_outcomes()
                    .iter()
                    .map(|o| (o.name.clone(), o.rule.source().to_owned(), o.kind))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_else(|e| panic!("{e}"))
    };
    use crate::OutcomeKind::{Rate, Value};
    assert_eq!(
        outcomes(valid),
        [
            ("churned".into(), "customer.port_outs > 0".into(), Rate),
            (
                "revenue_30d".into(),
                "customer.recharge_sum_30d".into(),
                Value
            ),
            (
                "low_balance".into(),
                "customer.balance < 5 && !('gold' in holdings)".into(),
                Rate
            ),
        ]
    );
    assert_eq!(outcomes("control_arms:\n  holdout: 0.02\n"), []);
}

mod experiments;
mod menus;
mod reports;
mod treatments;

#[test]
fn follow_ups_are_checked() {
    let profile = "attributes:\n  balance: number\n  first_name: string\n";
    let channels = |follow: &str| {
        format!(
            "channels:\n  - {{ id: ussd, name: USSD, direction: inbound, max_actions: 5, follow_up: {follow} }}\n  - {{ id: sms, name: SMS, direction: outbound, max_actions: 1 }}\n"
        )
    };
    let cases: &[(&str, &[&str])] = &[
        (
            "{ channel: sms, texts: { accepted: \"Thanks {customer.first_name}: {action.name} is yours\" } }",
            &["ok: 1 actions"],
        ),
        (
            "{ channel: fax, texts: { accepted: \"Thanks\" } }",
            &["channels[0].follow_up.channel: unknown channel `fax` (channels: ussd, sms)"],
        ),
        (
            "{ channel: ussd, texts: { accepted: \"Thanks\" } }",
            &[
                "channels[0].follow_up.channel: `ussd` is inbound; a follow-up goes out through an outbound channel",
            ],
        ),
        (
            "{ channel: sms, texts: { converted: \"Thanks\" } }",
            &[
                "channels[0].follow_up.texts.converted: unknown outcome `converted` (outcomes: accepted, declined, clicked, ignored)",
            ],
        ),
        (
            "{ channel: sms, texts: { accepted: \"Thanks {customer.shoe}\" } }",
            &["channels[0].follow_up.texts.accepted: unknown attribute `customer.shoe`"],
        ),
        (
            "{ channel: sms, texts: {} }",
            &["channels[0].follow_up.texts: a follow-up needs the text of at least one outcome"],
        ),
    ];
    for (follow, expected) in cases {
        check(
            &[
                ("profile.yaml", Some(profile)),
                ("channels.yaml", Some(&channels(follow))),
            ],
            expected,
        );
    }
}
