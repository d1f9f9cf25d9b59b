//! Responses follow the true propensity, replay by seed, and change the world when accepted.

use crate::{catalog, days_after, operator};
use concord_model::{ActionId, Attributes, CustomerId, Outcome, Value};
use concord_sim::{ActionKind, ActionSpec, Operator, SimConfig, SimError};

#[test]
fn accept_rate_matches_true_propensity_within_binomial_tolerance() {
    let mut op = operator(41, 3_000);
    let context = Attributes::new();
    let actions: Vec<ActionId> = op.catalog().iter().map(|a| a.id.clone()).collect();
    let channels = ["ussd", "sms", "app", "email", "call_centre"];
    let (mut expected, mut variance, mut accepted, mut n) = (0.0, 0.0, 0u64, 0u64);
    for round in 0..20 {
        for i in 0..op.subscribers().len() {
            let action = &actions[(i + round) % actions.len()];
            let channel = channels[(i / 7 + round) % channels.len()];
            let customer = op.subscribers()[i].id.clone();
            // Each draw is a Bernoulli with the propensity at that moment (fatigue moves it).
            let p = op.truth().true_propensity(i, action, channel, &context);
            let outcome = op.respond(&customer, action, channel, &context, op.now());
            expected += p;
            variance += p * (1.0 - p);
            accepted += u64::from(outcome == Outcome::Accepted);
            n += 1;
        }
    }
    let z = (accepted as f64 - expected) / variance.sqrt();
    assert!(
        z.abs() < 4.0,
        "accepted {accepted} of {n}, expected {expected:.1} (z = {z:.2})"
    );
    assert!(accepted > 1_000, "{accepted}");
}

#[test]
fn same_seed_and_calls_give_the_same_outcomes() {
    let answers = |seed: u64| -> Vec<Outcome> {
        let mut op = operator(seed, 500);
        let context = Attributes::new();
        let action = ActionId::new("data_5gb_private_price");
        (0..500)
            .map(|i| {
                let customer = op.subscribers()[i].id.clone();
                op.respond(&customer, &action, "ussd", &context, op.now())
            })
            .collect()
    };
    assert_eq!(answers(42), answers(42));
    assert_ne!(answers(42), answers(43));
}

#[test]
fn non_acceptances_depend_on_the_channel() {
    let mut op = operator(44, 2_000);
    let context = Attributes::new();
    let action = ActionId::new("video_pack");
    let mut seen = std::collections::BTreeMap::new();
    for (i, channel) in (0..2_000).zip(["ussd", "sms", "email"].into_iter().cycle()) {
        let customer = op.subscribers()[i].id.clone();
        let outcome = op.respond(&customer, &action, channel, &context, op.now());
        *seen.entry((channel, outcome)).or_insert(0) += 1;
    }
    assert!(
        seen.get(&("ussd", Outcome::Declined)) > seen.get(&("ussd", Outcome::Ignored)),
        "{seen:?}"
    );
    assert!(
        seen.get(&("sms", Outcome::Ignored)) > seen.get(&("sms", Outcome::Declined)),
        "{seen:?}"
    );
    assert!(seen.contains_key(&("email", Outcome::Clicked)), "{seen:?}");
}

#[test]
fn accepted_offers_provision_the_product_into_the_stream() {
    let mut op = operator(45, 2_000);
    let context = Attributes::new();
    let action = ActionId::new("music_pack");
    let mut accepted = Vec::new();
    for i in 0..2_000 {
        let customer = op.subscribers()[i].id.clone();
        if op.respond(&customer, &action, "store", &context, op.now()) == Outcome::Accepted {
            accepted.push(customer);
        }
    }
    assert!(!accepted.is_empty());
    let until = days_after(op.now(), 1);
    let added: Vec<CustomerId> = op
        .events_until(until)
        .into_iter()
        .filter(|e| matches!(&e.kind, concord_model::EventKind::ProductAdded { product } if product == "music_pack"))
        .map(|e| e.customer_id)
        .collect();
    for customer in &accepted {
        assert!(
            added.contains(customer),
            "{customer} accepted but was never provisioned"
        );
        let idx = op.subscriber_idx(customer).expect("known");
        let holds = op
            .truth()
            .holdings(idx)
            .is_some_and(|h| h.iter().any(|p| p.as_str() == "music_pack"));
        assert!(holds);
        assert!(op.truth().true_propensity(idx, &action, "store", &context) <= 0.001);
    }
}

#[test]
fn retention_and_service_lower_the_hazard_and_save_leavers() {
    let config = SimConfig {
        churn_scale: 20.0,
        ..SimConfig::with_seed(46, 3_000)
    };
    let mut op = Operator::new(config, &catalog()).expect("valid config");
    let until = days_after(op.now(), 2);
    op.events_until(until);
    let leavers: Vec<usize> = (0..3_000)
        .filter(|&i| op.truth().intends_to_leave(i))
        .collect();
    assert!(leavers.len() > 50, "{}", leavers.len());
    let cancel: Attributes = [("call_reason".to_owned(), Value::from("cancel"))]
        .into_iter()
        .collect();
    let action = ActionId::new("retention_discount");
    let mut lowered = 0;
    let mut accepted = 0;
    for &i in &leavers {
        let customer = op.subscribers()[i].id.clone();
        let before = op.truth().churn_hazard(i);
        assert!(op.truth().pending_port_out(i).is_some());
        // Keep offering until they take it (or we give up): inbound, with the cancel reason.
        for _ in 0..10 {
            if op.respond(&customer, &action, "call_centre", &cancel, op.now()) == Outcome::Accepted
            {
                accepted += 1;
                lowered += usize::from(op.truth().churn_hazard(i) < before);
                break;
            }
        }
    }
    assert!(accepted > 10, "{accepted}");
    assert_eq!(lowered, accepted);
    assert!(op.truth().saves() > 0);
}

#[test]
fn unknown_customers_and_actions() {
    let mut op = operator(47, 100);
    let context = Attributes::new();
    let known = op.subscribers()[0].id.clone();
    let action = ActionId::new("music_pack");
    let stranger = CustomerId::new("27999999999");
    let now = op.now();
    assert_eq!(
        op.respond(&stranger, &action, "ussd", &context, now),
        Outcome::Ignored
    );
    assert!(matches!(
        op.try_respond(&stranger, &action, "ussd", &context, now),
        Err(SimError::UnknownCustomer(_))
    ));
    assert!(matches!(
        op.try_respond(&known, &ActionId::new("nope"), "ussd", &context, now),
        Err(SimError::UnknownAction(_))
    ));
    op.add_actions(&[ActionSpec::new(
        "nope",
        "Grow",
        "Data",
        ActionKind::Sales,
        10.0,
    )])
    .expect("new action");
    assert!(
        op.try_respond(&known, &ActionId::new("nope"), "ussd", &context, now)
            .is_ok()
    );
    assert!(matches!(
        op.add_actions(&[ActionSpec::new(
            "nope",
            "Grow",
            "Data",
            ActionKind::Sales,
            10.0
        )]),
        Err(SimError::DuplicateAction(_))
    ));
}

#[test]
fn bad_catalogs_are_rejected() {
    let check = |catalog: &[ActionSpec], want: &str| {
        let err = Operator::new(SimConfig::with_seed(1, 10), catalog).expect_err("rejected");
        assert!(err.to_string().contains(want), "{err}");
    };
    let ok = ActionSpec::new("a", "Grow", "Data", ActionKind::Sales, 1.0);
    check(&[ok.clone(), ok.clone()], "twice");
    check(
        &[ActionSpec::new(" ", "Grow", "Data", ActionKind::Sales, 1.0)],
        "empty id",
    );
    check(
        &[ActionSpec::new(
            "b",
            "Grow",
            "Data",
            ActionKind::Sales,
            f64::NAN,
        )],
        "finite",
    );
    check(
        &[ActionSpec::new(
            "b",
            "Grow",
            "Data",
            ActionKind::Sales,
            -1.0,
        )],
        "finite",
    );
    assert!(Operator::new(SimConfig::with_seed(1, 0), &[ok]).is_err());
}
