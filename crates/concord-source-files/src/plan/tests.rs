//! Row conversion and header resolution: each case is a row of cells and the base row (or
//! the rejection) it must become.

use super::*;
use concord_strategy::{ProfileSchema, ValueType};

const MAPPING: &str = "\
id: id
id_prefix: t-
attributes:
  segment: { column: contract, map: { Month-to-month: prepaid, One year: postpaid }, default: postpaid }
  tariff: { column: contract, map: { Month-to-month: flex, One year: fixed } }
  tenure_months: { column: tenure, scale: 0.5 }
  arpu: { column: charges, required: false }
  consent_sms: { column: sms, default: 'no' }
holdings: { column: products, separator: '|' }
holdings_from:
  voice_basic: { column: phone, equals: 'Yes' }
";

const HEADER: [&str; 7] = [
    "id", "contract", "tenure", "charges", "sms", "products", "phone",
];

fn schema() -> ProfileSchema {
    let mut schema = ProfileSchema::default();
    for (name, value_type) in [
        ("segment", ValueType::String),
        ("tariff", ValueType::String),
        ("tenure_months", ValueType::Number),
        ("arpu", ValueType::Number),
        ("consent_sms", ValueType::Bool),
    ] {
        schema.attributes.insert(name.to_owned(), value_type);
    }
    schema
}

fn header(names: &[&str]) -> Vec<FileColumn> {
    names
        .iter()
        .map(|name| FileColumn {
            name: (*name).to_owned(),
            unsupported: None,
        })
        .collect()
}

struct TestRow<'a> {
    cells: Vec<Cell<'a>>,
    indices: &'a [usize],
}

impl Row for TestRow<'_> {
    fn cell(&self, slot: usize) -> Result<Cell<'_>, Defect> {
        let idx = self.indices.get(slot).copied().unwrap_or(usize::MAX);
        Ok(self.cells.get(idx).copied().unwrap_or(Cell::Null))
    }
}

/// Converts `rows` (cells in HEADER order) in sequence; each result is the base row as
/// `id {attributes} [holdings]` or the rejection as `kind column`.
fn check(rows: &[[Cell<'_>; 7]], expected: &[&str]) {
    let mapping = Mapping::parse("m.yaml", MAPPING, &schema()).expect("test mapping is valid");
    let (plan, indices) =
        Plan::resolve(&mapping, &header(&HEADER), Path::new("f.csv")).expect("header fits");
    let mut seen = SeenIds::new();
    let got: Vec<String> = rows
        .iter()
        .map(|cells| {
            let row = TestRow {
                cells: cells.to_vec(),
                indices: &indices,
            };
            match plan.check_duplicate(plan.convert(&row), &mut seen) {
                Ok(base) => {
                    let attributes: Vec<String> = base
                        .attributes
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect();
                    format!(
                        "{} {{{}}} {:?}",
                        base.customer_id,
                        attributes.join(" "),
                        base.holdings
                    )
                }
                Err(defect) => format!(
                    "{} {}",
                    defect.kind,
                    defect
                        .slot
                        .and_then(|slot| plan.column_name(slot))
                        .unwrap_or("-")
                ),
            }
        })
        .collect();
    assert_eq!(got, expected);
}

use Cell::{Int, Null, Text};

#[test]
fn rows_become_base_rows() {
    check(
        &[
            [
                Text("1"),
                Text("Month-to-month"),
                Text("10"),
                Text("29.85"),
                Text("yes"),
                Text("data_1gb|music_pack"),
                Text("Yes"),
            ],
            [
                Int(2),
                Text(" One year "),
                Int(3),
                Null,
                Text(""),
                Text(""),
                Text("No"),
            ],
        ],
        &[
            "t-1 {arpu=29.85 consent_sms=true segment=prepaid tariff=flex tenure_months=5} [\"data_1gb\", \"music_pack\", \"voice_basic\"]",
            "t-2 {consent_sms=false segment=postpaid tariff=fixed tenure_months=1.5} []",
        ],
    );
}

#[test]
fn map_default_and_required() {
    check(
        &[
            // Unmapped, with a default (segment) and without (tariff).
            [
                Text("1"),
                Text("Two year"),
                Text("1"),
                Text("1"),
                Text("no"),
                Null,
                Null,
            ],
            // Empty: segment's default applies; tariff is required -> rejected.
            [
                Text("2"),
                Text(""),
                Text("1"),
                Text("1"),
                Text("no"),
                Null,
                Null,
            ],
        ],
        &["unmapped_value contract", "missing_value contract"],
    );
}

#[test]
fn bad_values_and_ids() {
    check(
        &[
            [
                Text("1"),
                Text("Month-to-month"),
                Text("ten"),
                Null,
                Null,
                Null,
                Null,
            ],
            [
                Text("2"),
                Text("Month-to-month"),
                Text("1"),
                Null,
                Text("perhaps"),
                Null,
                Null,
            ],
            [
                Text("  "),
                Text("Month-to-month"),
                Text("1"),
                Null,
                Null,
                Null,
                Null,
            ],
            [
                Text("1"),
                Text("Month-to-month"),
                Text("1"),
                Null,
                Null,
                Null,
                Null,
            ],
            [
                Int(3),
                Text("Month-to-month"),
                Text("1e400"),
                Null,
                Null,
                Null,
                Null,
            ],
            [
                Text("3"),
                Text("Month-to-month"),
                Text("1"),
                Null,
                Null,
                Null,
                Null,
            ],
        ],
        &[
            "bad_number tenure",
            "bad_bool sms",
            "empty_id id",
            // Row 1 was rejected, but its id was seen: a second row for it is a duplicate.
            "duplicate_id id",
            "bad_number tenure",
            "duplicate_id id",
        ],
    );
}

#[test]
fn scale_overflow_is_a_bad_number() {
    let mapping = Mapping::parse(
        "m.yaml",
        "id: id\nattributes:\n  arpu: { column: a, scale: 10 }\n",
        &schema(),
    )
    .expect("valid");
    let (plan, indices) =
        Plan::resolve(&mapping, &header(&["id", "a"]), Path::new("f.csv")).expect("fits");
    let row = TestRow {
        cells: vec![Text("1"), Text("1e308")],
        indices: &indices,
    };
    let defect = plan
        .check_duplicate(plan.convert(&row), &mut SeenIds::new())
        .err()
        .map(|d| d.kind);
    assert_eq!(defect, Some(RejectKind::BadNumber));
}

fn check_resolve(header_names: &[&str], expected: &[&str]) {
    let mapping = Mapping::parse("m.yaml", MAPPING, &schema()).expect("test mapping is valid");
    let got: Vec<String> = match Plan::resolve(&mapping, &header(header_names), Path::new("f.csv"))
    {
        Ok(_) => Vec::new(),
        Err(errors) => errors.errors.iter().map(ToString::to_string).collect(),
    };
    assert_eq!(got, expected);
}

#[test]
fn columns_are_checked_against_the_header() {
    check_resolve(&HEADER, &[]);
    check_resolve(
        &["id", "Contract", "tenure", "charges", "sms", "products"],
        &[
            "m.yaml:4:22: attributes.segment.column: column `contract` is not in the header of f.csv; did you mean `Contract`?",
            "m.yaml:11:26: holdings_from.voice_basic.column: column `phone` is not in the header of f.csv",
        ],
    );
    check_resolve(
        &[
            "id", "contract", "tenure", "charges", "sms", "products", "phone", "tenure",
        ],
        &[
            "m.yaml:6:28: attributes.tenure_months.column: column `tenure` appears more than once in the header of f.csv (fields 3 and 8)",
        ],
    );
}
