//! Treatment texts: placeholders, languages and fallbacks; every defect at its file:line:col
//! and field, and what a valid treatment loads into.

use super::*;

const PROFILE: &str = "attributes:
  first_name: string
  language: string
  balance: number
  consent_sms: bool
context:
  call_reason: string
";
const LANGUAGE: &str = "name: t\nversion: \"1\"\nlanguage: {attribute: language, default: en}\n";
/// Action fields with a price rule and a validity, or two neutral ones: either way the
/// treatment's lines start at line 16.
const PRICED: &str = "    price: {min: 10, max: 30}\n    validity: 3d\n";
const UNPRICED: &str = "    lever: 1\n    mandatory: false\n";

/// actions/main.yaml with one action whose ussd treatment is `treatment` (its lines, indented
/// 8 spaces, from line 16).
fn actions(extra: &str, treatment: &str) -> String {
    format!(
        "issues:
  - id: growth
    name: Growth
    groups: [{{ id: data, name: Data }}]
actions:
  - id: a1
    name: A1
    issue: growth
    group: data
    kind: sales
    value: 1
{extra}    treatments:
      ussd:
{treatment}"
    )
}

/// The strategy with `language` set, the test profile and the action.
fn check_with(strategy: &str, extra: &str, treatment: &str, expected: &[&str]) {
    let actions = actions(extra, treatment);
    super::check(
        &[
            ("strategy.yaml", Some(strategy)),
            ("profile.yaml", Some(PROFILE)),
            ("actions/main.yaml", Some(&actions)),
        ],
        expected,
    );
}

fn check(extra: &str, treatment: &str, expected: &[&str]) {
    check_with(LANGUAGE, extra, treatment, expected);
}

#[test]
fn valid_treatments_load() {
    check(
        PRICED,
        "        text: \"Hi {customer.first_name}: R{price} until {valid_until} ({value}, {action.name}, {context.call_reason})\"
        texts: {zu: \"Sawubona {customer.first_name}: R{price}\", af: \"Hallo: R{price}\"}
        fallback: \"R{price} until {valid_until}\"
        fallbacks: {zu: \"R{price}\"}
",
        &["ok: 1 actions"],
    );
    // Braces doubled are text; a plain block scalar holds placeholders too.
    check(
        UNPRICED,
        "        text: \"{{not a placeholder}}\"\n",
        &["ok: 1 actions"],
    );
    check(
        UNPRICED,
        "        text: Hi {customer.first_name}\n",
        &["ok: 1 actions"],
    );
    // Without `language`, a treatment is its text alone.
    check_with(
        STRATEGY,
        UNPRICED,
        "        text: R{value}\n",
        &["ok: 1 actions"],
    );
}

#[test]
fn a_valid_treatment_compiles_into_its_languages() {
    let actions = actions(
        PRICED,
        "        text: \"R{price}\"\n        texts: {zu: \"Ngo-R{price}\"}\n        fallback: \"Offer\"\n",
    );
    let strategy = Strategy::from_files([
        ("strategy.yaml", LANGUAGE),
        ("channels.yaml", CHANNELS),
        ("profile.yaml", PROFILE),
        ("actions/main.yaml", actions.as_str()),
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    let language = strategy.language().expect("language");
    assert_eq!(
        (language.attribute.to_string(), language.default.as_str()),
        ("customer.language".to_owned(), "en")
    );
    let treatment = strategy.actions()[0].treatment("ussd").expect("ussd");
    assert_eq!(treatment.text, "R{price}");
    assert_eq!(treatment.text_for(Some("zu")).source(), "Ngo-R{price}");
    assert_eq!(treatment.text_for(Some("ZU-za")).source(), "Ngo-R{price}");
    assert_eq!(treatment.text_for(Some("af")).source(), "R{price}");
    assert_eq!(treatment.text_for(None).source(), "R{price}");
    assert_eq!(
        treatment.fallback_for(Some("zu")).map(|f| f.source()),
        Some("Offer")
    );
    assert!(treatment.has_languages());
}

#[test]
fn placeholder_defects_point_into_the_text() {
    let at = "actions/main.yaml:16";
    let field = "actions[0].treatments.ussd.text";
    check(
        PRICED,
        "        text: \"R{price\"\n",
        &[&format!(
            "{at}:17: {field}: `{{` is never closed: end the placeholder with `}}`, or write `{{{{` for a literal brace"
        )],
    );
    check(
        PRICED,
        "        text: \"R{price}}\"\n",
        &[&format!(
            "{at}:24: {field}: `}}` closes no placeholder: write `}}}}` for a literal brace"
        )],
    );
    check(
        PRICED,
        "        text: \"{} R{price}\"\n",
        &[&format!(
            "{at}:16: {field}: `{{}}` names no placeholder: write `{{{{}}}}` for literal braces"
        )],
    );
    check(
        PRICED,
        "        text: \"Hi {name}, R{ prize }\"\n",
        &[
            &format!(
                "{at}:20: {field}: unknown placeholder `{{name}}`: use {{price}}, {{valid_until}}, {{value}}, {{action.name}}, {{customer.<field>}} or {{context.<field>}}"
            ),
            &format!(
                "{at}:30: {field}: unknown placeholder `{{prize}}`: use {{price}}, {{valid_until}}, {{value}}, {{action.name}}, {{customer.<field>}} or {{context.<field>}}"
            ),
        ],
    );
    check(
        PRICED,
        "        text: Hi {customer.frist_name}\n",
        &[&format!(
            "{at}:28: {field}: unknown attribute `customer.frist_name` (not declared in profile.yaml attributes, aggregates or derived)"
        )],
    );
    check(
        PRICED,
        "        text: \"{context.reason}, {customer.consent_sms}\"\n",
        &[
            &format!(
                "{at}:25: {field}: unknown context field `context.reason` (not declared in profile.yaml context)"
            ),
            &format!(
                "{at}:35: {field}: `{{customer.consent_sms}}` is a bool: a placeholder shows a number or a string"
            ),
        ],
    );
    check(
        UNPRICED,
        "        text: \"R{price} until {valid_until}\"\n",
        &[
            &format!(
                "{at}:18: {field}: `{{price}}` needs a price rule on the action (`price:`): without one there is no personal price to show"
            ),
            &format!(
                "{at}:32: {field}: `{{valid_until}}` needs `validity` on the action: without it the offer has no last day"
            ),
        ],
    );
}

#[test]
fn language_texts_and_fallbacks_are_checked_like_the_text() {
    check(
        PRICED,
        "        text: \"R{price}\"
        texts:
          ZU: \"R{price}\"
          en: \"R{price}\"
          af: \"R{prys}\"
        fallback: \"  \"
        fallbacks: {zu: \"{customer.name}\"}
",
        &[
            "actions/main.yaml:18:11: actions[0].treatments.ussd.texts.ZU: `ZU` is not a language code: write 2 or 3 lowercase letters, e.g. zu or af",
            "actions/main.yaml:19:11: actions[0].treatments.ussd.texts.en: `en` is the default language (strategy.yaml `language.default`): write its text as `text`",
            "actions/main.yaml:20:18: actions[0].treatments.ussd.texts.af: unknown placeholder `{prys}`: use {price}, {valid_until}, {value}, {action.name}, {customer.<field>} or {context.<field>}",
            "actions/main.yaml:21:19: actions[0].treatments.ussd.fallback: treatment text must not be empty",
            "actions/main.yaml:22:36: actions[0].treatments.ussd.fallbacks.zu: unknown attribute `customer.name` (not declared in profile.yaml attributes, aggregates or derived)",
        ],
    );
    // A fallback no text needs.
    check(
        UNPRICED,
        "        text: Take it\n        texts: {zu: Yithathe}\n        fallback: Take this\n",
        &[
            "actions/main.yaml:18:19: actions[0].treatments.ussd.fallback: a fallback replaces a text whose placeholder has no value, and no text of this treatment has a placeholder: drop the fallback",
        ],
    );
    // Texts per language need to know which language a customer reads.
    check_with(
        STRATEGY,
        UNPRICED,
        "        text: Take it\n        texts: {zu: Yithathe}\n",
        &[
            "actions/main.yaml:17:17: actions[0].treatments.ussd.texts: `texts` needs `language` in strategy.yaml: which string attribute holds each customer's language, e.g. language: {attribute: language, default: en}",
        ],
    );
}

#[test]
fn the_language_setting_is_checked() {
    let ok = "        text: Take it\n";
    let language = |setting: &str| format!("name: t\nversion: \"1\"\nlanguage: {setting}\n");
    check_with(
        &language("{attribute: lang, default: EN}"),
        UNPRICED,
        ok,
        &[
            "strategy.yaml:3:23: language.attribute: `lang` is not declared: the language comes from a string attribute in profile.yaml `attributes` holding each customer's language code",
            "strategy.yaml:3:38: language.default: `EN` is not a language code: write 2 or 3 lowercase letters, e.g. zu or af",
        ],
    );
    check_with(
        &language("{attribute: balance, default: en}"),
        UNPRICED,
        ok,
        &[
            "strategy.yaml:3:23: language.attribute: `balance` is a number: the language comes from a string attribute in profile.yaml `attributes` holding each customer's language code",
        ],
    );
    check_with(
        &language("{attribute: language}"),
        UNPRICED,
        ok,
        &["strategy.yaml:3:12: language.attribute: missing field `default`"],
    );
}
