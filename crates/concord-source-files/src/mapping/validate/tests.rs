//! Mapping files against a small schema: each case is YAML and the errors it must produce,
//! written `line:col field kind`.

use crate::mapping::Mapping;
use concord_model::Value;
use concord_strategy::{ProfileSchema, ValueType};

fn schema() -> ProfileSchema {
    let mut schema = ProfileSchema::default();
    for (name, value_type) in [
        ("segment", ValueType::String),
        ("tenure_months", ValueType::Number),
        ("arpu", ValueType::Number),
        ("consent_sms", ValueType::Bool),
        ("tags", ValueType::List),
    ] {
        schema.attributes.insert(name.to_owned(), value_type);
    }
    schema
}

fn check(yaml: &str, expected: &[&str]) {
    let got: Vec<String> = match Mapping::parse("map.yaml", yaml, &schema()) {
        Ok(_) => Vec::new(),
        Err(errors) => errors
            .errors
            .iter()
            .map(|e| format!("{}:{} {} {}", e.line, e.column, e.field, e.kind.as_str()))
            .collect(),
    };
    assert_eq!(got, expected, "\n{yaml}");
}

fn parsed(yaml: &str) -> Mapping {
    match Mapping::parse("map.yaml", yaml, &schema()) {
        Ok(mapping) => mapping,
        Err(errors) => panic!("{errors}\n{yaml}"),
    }
}

#[test]
fn good_mappings_pass() {
    check("id: customerID\n", &[]);
    check(
        "id: rownames\nid_prefix: wa-\nattributes:\n  tenure_months: { column: tenure, type: number, scale: 1 }\n  segment:\n    column: contract\n    map: { Month-to-month: prepaid, One year: postpaid }\n    default: postpaid\n  consent_sms: { column: sms, required: false }\n  tags: { column: tags, separator: '|' }\nholdings: { column: products }\nholdings_from:\n  voice_basic: { column: phone_service, equals: 1 }\n",
        &[],
    );
}

#[test]
fn syntax_errors_point_at_the_field() {
    check("attributes: {}\n", &["1:1  syntax"]);
    check(
        "id: x\nattributes:\n  arpu: { colum: m }\n",
        &["3:11 attributes.arpu.colum syntax"],
    );
    check("id: x\nbogus: 1\n", &["2:1 bogus syntax"]);
    check(
        "id: x\nattributes:\n  arpu: { column: m, type: text }\n",
        &["3:28 attributes.arpu.type syntax"],
    );
}

#[test]
fn unknown_attributes_and_type_mismatches() {
    check(
        "id: x\nattributes:\n  arpuu: { column: m }\n",
        &["3:3 attributes.arpuu unknown_attribute"],
    );
    check(
        "id: x\nattributes:\n  segment: { column: c, type: number }\n",
        &["3:31 attributes.segment.type type_mismatch"],
    );
    check(
        "id: x\nattributes:\n  segment: { column: c, scale: 2 }\n",
        &["3:32 attributes.segment.scale type_mismatch"],
    );
    check(
        "id: x\nattributes:\n  arpu: { column: c, separator: ',' }\n",
        &["3:33 attributes.arpu.separator type_mismatch"],
    );
    check(
        "id: x\nattributes:\n  arpu:\n    column: c\n    map: { high: 100, low: cheap }\n    default: none\n",
        &[
            "5:28 attributes.arpu.map.low type_mismatch",
            "6:14 attributes.arpu.default type_mismatch",
        ],
    );
    check(
        "id: x\nattributes:\n  consent_sms: { column: c, default: perhaps }\n",
        &["3:38 attributes.consent_sms.default type_mismatch"],
    );
}

#[test]
fn empty_names_and_duplicates() {
    check("id: ''\n", &["1:5 id invalid_value"]);
    check(
        "id: x\nattributes:\n  arpu: { column: a }\n  arpu: { column: b }\n",
        &["4:3 attributes.arpu syntax"],
    );
    check(
        "id: x\nholdings: { column: p, separator: '' }\nholdings_from:\n  tv: { column: t, equals: ' ' }\n",
        &[
            "2:35 holdings.separator invalid_value",
            "4:28 holdings_from.tv.equals invalid_value",
        ],
    );
}

#[test]
fn every_error_is_reported_at_once() {
    let yaml = "id: x\nattributes:\n  nope: { column: a }\n  arpu: { column: b, type: string }\n  segment: { column: '' }\n";
    check(
        yaml,
        &[
            "3:3 attributes.nope unknown_attribute",
            "4:28 attributes.arpu.type type_mismatch",
            "5:22 attributes.segment.column invalid_value",
        ],
    );
    let errors = Mapping::parse("loads/x.yaml", yaml, &schema())
        .err()
        .map(|e| e.to_string());
    let first = errors
        .as_deref()
        .and_then(|e| e.lines().next())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        first,
        "loads/x.yaml:3:3: attributes.nope: `nope` is not an attribute of the profile schema"
    );
}

#[test]
fn suggestions_for_near_misses() {
    let errors = Mapping::parse(
        "m.yaml",
        "id: x\nattributes:\n  tenure: { column: t }\n",
        &schema(),
    )
    .err();
    let message = errors.map(|e| e.to_string()).unwrap_or_default();
    assert!(
        message.contains("did you mean `tenure_months`?") || message.ends_with("schema"),
        "{message}"
    );
    let errors = Mapping::parse(
        "m.yaml",
        "id: x\nattributes:\n  Segmnt: { column: t }\n",
        &schema(),
    )
    .err();
    let message = errors.map(|e| e.to_string()).unwrap_or_default();
    assert!(message.ends_with("did you mean `segment`?"), "{message}");
}

#[test]
fn values_are_read_as_the_schema_type() {
    let mapping = parsed(
        "id: x\nattributes:\n  segment: { column: c, map: { 1: prepaid, 2: 2 }, default: 'no' }\n  arpu: { column: a, default: 0, scale: 0.5 }\n  consent_sms: { column: s, map: { Y: yes, N: false } }\n  tags: { column: t, default: 'a;b' }\n",
    );
    let rule = |name: &str| mapping.attributes.iter().find(|r| r.name == name).cloned();
    let segment = rule("segment").expect("segment");
    assert_eq!(segment.map.get("1"), Some(&Value::from("prepaid")));
    assert_eq!(segment.map.get("2"), Some(&Value::from("2")));
    assert_eq!(segment.default, Some(Value::from("no")));
    let arpu = rule("arpu").expect("arpu");
    assert_eq!(
        (arpu.default, arpu.scale, arpu.required),
        (Some(Value::Num(0.0)), Some(0.5), true)
    );
    let consent = rule("consent_sms").expect("consent_sms");
    assert_eq!(consent.map.get("Y"), Some(&Value::Bool(true)));
    assert_eq!(consent.map.get("N"), Some(&Value::Bool(false)));
    let tags = rule("tags").expect("tags");
    assert_eq!(
        tags.default,
        Some(Value::List(vec!["a".into(), "b".into()]))
    );
    let names: Vec<&str> = mapping.attribute_names().collect();
    assert_eq!(names, ["arpu", "consent_sms", "segment", "tags"]);
    assert_eq!(mapping.columns(), ["x", "a", "s", "c", "t"]);
}

#[test]
fn base_file_mapping_covers_the_schema() {
    let mapping = Mapping::for_base_file(&schema()).expect("base mapping is valid");
    assert_eq!(mapping.attributes.len(), 5);
    assert!(
        mapping
            .attributes
            .iter()
            .all(|rule| !rule.required && rule.column.name == rule.name)
    );
    assert_eq!(mapping.id.name, "customer_id");
    let empty = Mapping::for_base_file(&ProfileSchema::default()).expect("empty schema");
    assert!(empty.attributes.is_empty());
}

#[test]
fn a_missing_file_is_an_error() {
    let errors = Mapping::load(std::path::Path::new("/nonexistent/map.yaml"), &schema()).err();
    let kinds: Vec<&str> = errors
        .iter()
        .flat_map(|e| &e.errors)
        .map(|e| e.kind.as_str())
        .collect();
    assert_eq!(kinds, ["file"]);
}
