//! Every subscriber carries exactly the schema's keys, with the right types and coherent values.

use crate::operator;
use concord_model::{Attributes, Value};
use concord_sim::{ATTRIBUTE_KEYS, Operator, Product};
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

fn base() -> &'static Operator {
    static BASE: OnceLock<Operator> = OnceLock::new();
    BASE.get_or_init(|| operator(21, 20_000))
}

fn str_of<'a>(a: &'a Attributes, key: &str) -> &'a str {
    a.get(key)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{key} is a string"))
}

fn num_of(a: &Attributes, key: &str) -> f64 {
    a.get(key)
        .and_then(Value::as_f64)
        .unwrap_or_else(|| panic!("{key} is a number"))
}

fn share(op: &Operator, pred: impl Fn(&Attributes) -> bool) -> f64 {
    let n = op
        .subscribers()
        .iter()
        .filter(|s| pred(&s.attributes))
        .count();
    n as f64 / op.subscribers().len() as f64
}

/// `(what, got, low, high)`: a share or mean that must fall in a range.
fn check_range(what: &str, got: f64, low: f64, high: f64) {
    assert!(
        (low..=high).contains(&got),
        "{what} = {got}, expected {low}..={high}"
    );
}

#[test]
fn every_subscriber_has_exactly_the_schema() {
    let want: HashSet<&str> = ATTRIBUTE_KEYS.iter().map(|(k, _)| *k).collect();
    for s in base().subscribers() {
        let keys: HashSet<&str> = s.attributes.keys().map(String::as_str).collect();
        assert_eq!(keys, want, "{}", s.id);
        for (key, ty) in ATTRIBUTE_KEYS {
            assert!(
                ty.matches(&s.attributes[key]),
                "{}: {key} = {:?}",
                s.id,
                s.attributes[key]
            );
        }
    }
}

#[test]
fn ids_are_unique_msisdns_that_map_back() {
    let op = base();
    let ids: HashSet<&str> = op.subscribers().iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids.len(), op.subscribers().len());
    assert_eq!(op.subscribers()[0].id.as_str(), "27820000001");
    for (i, s) in op.subscribers().iter().enumerate().step_by(997) {
        assert_eq!(s.id.as_str().len(), 11);
        assert_eq!(op.subscriber_idx(&s.id), Some(i));
    }
    assert_eq!(op.subscriber_idx(&"27829999999".into()), None);
}

#[test]
fn value_domains() {
    let op = base();
    let domains: [(&str, &[&str]); 7] = [
        ("segment", &["prepaid", "postpaid"]),
        (
            "tariff",
            &["PRE_BASIC", "PRE_SMART", "POST_S", "POST_M", "POST_L"],
        ),
        ("recharge_habit", &["daily", "weekly", "monthly"]),
        ("device_type", &["smartphone", "feature_phone"]),
        ("network", &["3g", "4g", "5g"]),
        (
            "acquisition_channel",
            &["store", "dealer", "online", "telesales"],
        ),
        ("language", &["en", "zu", "af", "xh", "st", "tn"]),
    ];
    for s in op.subscribers() {
        let a = &s.attributes;
        for (key, allowed) in domains {
            assert!(
                allowed.contains(&str_of(a, key)),
                "{}: {key} = {}",
                s.id,
                str_of(a, key)
            );
        }
        let prepaid = str_of(a, "segment") == "prepaid";
        assert_eq!(str_of(a, "tariff").starts_with("PRE_"), prepaid);
        if !prepaid {
            assert_eq!(num_of(a, "balance"), 0.0);
        }
        if str_of(a, "device_type") == "feature_phone" {
            assert_eq!(str_of(a, "network"), "3g");
            assert_eq!(a["consent_push"], Value::Bool(false));
        }
        assert_eq!(
            str_of(a, "dealer") == "none",
            str_of(a, "acquisition_channel") != "dealer"
        );
        check_range("value_score", num_of(a, "value_score"), 0.0, 100.0);
        check_range("age", num_of(a, "age"), 16.0, 85.0);
        check_range("household_size", num_of(a, "household_size"), 1.0, 5.0);
        assert!(num_of(a, "arpu") > 0.0);
        assert!(num_of(a, "tenure_months") >= 0.0);
        assert!(num_of(a, "social_degree") >= num_of(a, "household_size") - 1.0);
    }
    check_range(
        "prepaid share",
        share(op, |a| str_of(a, "segment") == "prepaid"),
        0.62,
        0.78,
    );
    check_range(
        "smartphone share",
        share(op, |a| str_of(a, "device_type") == "smartphone"),
        0.6,
        0.95,
    );
    check_range(
        "5g share",
        share(op, |a| str_of(a, "network") == "5g"),
        0.03,
        0.3,
    );
    check_range(
        "dealer share",
        share(op, |a| str_of(a, "acquisition_channel") == "dealer"),
        0.2,
        0.5,
    );
    let regions: HashSet<&str> = op
        .subscribers()
        .iter()
        .map(|s| str_of(&s.attributes, "region"))
        .collect();
    assert_eq!(regions.len(), 9);
    let cities: HashSet<&str> = op
        .subscribers()
        .iter()
        .map(|s| str_of(&s.attributes, "city"))
        .collect();
    assert!(cities.len() >= 27, "{}", cities.len());
}

#[test]
fn holdings_agree_with_attributes() {
    for s in base().subscribers() {
        let a = &s.attributes;
        let held: Vec<Product> = s
            .initial_holdings
            .iter()
            .map(|h| Product::parse(h).unwrap_or_else(|| panic!("unknown holding {h}")))
            .collect();
        if held.contains(&Product::FiveGPlan) {
            assert_eq!(str_of(a, "network"), "5g", "{}", s.id);
        }
        if held.contains(&Product::MusicPack) || held.contains(&Product::VideoPack) {
            assert_eq!(str_of(a, "device_type"), "smartphone", "{}", s.id);
        }
        if held.contains(&Product::FamilyPlan) {
            assert!(num_of(a, "household_size") >= 3.0, "{}", s.id);
        }
        let bundles: Vec<f64> = held.iter().filter_map(|p| p.bundle_mb()).collect();
        assert!(bundles.len() <= 1, "{}", s.id);
        assert_eq!(
            num_of(a, "data_bundle_mb"),
            bundles.first().copied().unwrap_or(0.0),
            "{}",
            s.id
        );
    }
}

#[test]
fn households_share_an_id_and_a_size() {
    let mut members: HashMap<&str, (usize, f64, &str)> = HashMap::new();
    for s in base().subscribers() {
        let a = &s.attributes;
        let entry = members.entry(str_of(a, "household_id")).or_insert((
            0,
            num_of(a, "household_size"),
            str_of(a, "city"),
        ));
        entry.0 += 1;
        assert_eq!(entry.1, num_of(a, "household_size"));
        assert_eq!(entry.2, str_of(a, "city"));
    }
    for (id, (count, size, _)) in members {
        assert_eq!(count as f64, size, "{id}");
    }
}

#[test]
fn social_ties_point_at_other_subscribers() {
    let op = base();
    for i in (0..op.subscribers().len()).step_by(101) {
        let ties = op.social_ties(i);
        let degree = num_of(&op.subscribers()[i].attributes, "social_degree");
        assert_eq!(ties.len() as f64, degree);
        assert!(
            ties.iter()
                .all(|&t| (t as usize) < op.subscribers().len() && t as usize != i)
        );
    }
    assert!(op.social_ties(usize::MAX).is_empty());
}
