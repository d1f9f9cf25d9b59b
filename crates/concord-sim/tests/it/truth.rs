//! The hidden truth: churn that follows the planted problems, and propensities that look real.

use crate::operator;
use crate::run::run;
use concord_model::{ActionId, Attributes, Value};
use concord_sim::{ChurnReason, DESTINATIONS};
use std::collections::{BTreeMap, HashMap};

#[test]
fn churn_reasons_and_destinations_appear_and_match_the_log() {
    let r = run();
    let port_outs = &r.stats.port_outs;
    assert!(port_outs.len() > 300, "{}", port_outs.len());
    let mut by_reason: BTreeMap<&str, HashMap<&str, usize>> = BTreeMap::new();
    for (_, reason, destination) in port_outs {
        assert!(
            DESTINATIONS.contains(&destination.as_str()),
            "{destination}"
        );
        *by_reason
            .entry(reason)
            .or_default()
            .entry(destination)
            .or_default() += 1;
    }
    for reason in ChurnReason::ALL {
        assert!(
            by_reason.contains_key(reason.as_str()),
            "no {reason:?} churn: {by_reason:?}"
        );
    }
    // Network leavers go where the network is good, price leavers where it is cheap.
    let top = |reason: &str| {
        by_reason[reason]
            .iter()
            .max_by_key(|(_, n)| **n)
            .map(|(d, _)| *d)
            .unwrap_or_default()
    };
    assert_eq!(top("network"), "BlueMobile", "{by_reason:?}");
    assert_eq!(top("price"), "ValueCell", "{by_reason:?}");

    let log = r.operator.truth().churn_log();
    assert_eq!(log.len(), port_outs.len());
    for (record, (idx, reason, destination)) in log.iter().zip(port_outs) {
        assert_eq!(record.subscriber_idx, *idx);
        assert_eq!(record.reason.as_str(), reason);
        assert_eq!(record.destination, destination);
        assert!(!r.operator.truth().is_active(*idx));
        assert_eq!(r.operator.truth().churn_hazard(*idx), 0.0);
    }
}

#[test]
fn bad_dealers_connections_churn_more() {
    let r = run();
    let op = &r.operator;
    let bad_dealers = op.truth().bad_dealers();
    assert!(!bad_dealers.is_empty());
    let is_bad = |i: usize| {
        op.subscribers()[i]
            .attributes
            .get("dealer")
            .and_then(Value::as_str)
            .is_some_and(|d| bad_dealers.contains(&d))
    };
    let n_bad = (0..op.subscribers().len()).filter(|&i| is_bad(i)).count();
    let churned_bad = r
        .stats
        .port_outs
        .iter()
        .filter(|(i, _, _)| is_bad(*i))
        .count();
    let n_other = op.subscribers().len() - n_bad;
    let churned_other = r.stats.port_outs.len() - churned_bad;
    let rate_bad = churned_bad as f64 / n_bad as f64;
    let rate_other = churned_other as f64 / n_other as f64;
    assert!(n_bad > 100, "{n_bad}");
    assert!(
        rate_bad > 2.5 * rate_other,
        "bad dealers {rate_bad:.3} vs others {rate_other:.3}"
    );
    assert!(op.truth().churn_log().iter().any(|c| c.bad_dealer));
}

#[test]
fn bad_home_cells_push_churners_to_network_reasons() {
    let log = run().operator.truth().churn_log();
    let network_share = |bad: bool| {
        let group: Vec<_> = log.iter().filter(|c| c.bad_home_cell == bad).collect();
        let network = group
            .iter()
            .filter(|c| c.reason == ChurnReason::Network)
            .count();
        network as f64 / group.len().max(1) as f64
    };
    assert!(
        network_share(true) > 1.5 * network_share(false),
        "{} vs {}",
        network_share(true),
        network_share(false)
    );
}

#[test]
fn reason_weights_are_a_distribution() {
    let truth = run().operator.truth();
    let weights = truth.churn_reason_weights(0);
    let total: f64 = weights.iter().map(|(_, w)| w).sum();
    assert!((total - 1.0).abs() < 1e-9 || total == 0.0, "{total}");
    assert_eq!(
        truth.churn_reason_weights(usize::MAX).map(|(_, w)| w),
        [0.0; 5]
    );
}

#[test]
fn propensities_look_like_real_campaigns() {
    let op = operator(31, 2_000);
    let truth = op.truth();
    let context = Attributes::new();
    let mut inbound = Vec::new();
    let mut outbound = Vec::new();
    for i in 0..op.subscribers().len() {
        for action in op.catalog() {
            inbound.push(truth.true_propensity(i, &action.id, "ussd", &context));
            outbound.push(truth.true_propensity(i, &action.id, "sms", &context));
        }
    }
    let all: Vec<f64> = inbound.iter().chain(&outbound).copied().collect();
    assert!(all.iter().all(|p| (0.0..=1.0).contains(p)));
    let realistic =
        all.iter().filter(|p| (0.005..=0.4).contains(*p)).count() as f64 / all.len() as f64;
    assert!(
        realistic > 0.7,
        "only {realistic:.2} of propensities in 0.5%-40%"
    );
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let ratio = mean(&inbound) / mean(&outbound);
    assert!(
        (3.0..=6.0).contains(&ratio),
        "inbound/outbound = {ratio:.2}"
    );
    assert_eq!(
        truth.true_propensity(0, &ActionId::new("no_such_action"), "ussd", &context),
        0.0
    );
    assert_eq!(
        truth.true_propensity(usize::MAX, &op.catalog()[0].id, "ussd", &context),
        0.0
    );
}

#[test]
fn a_cancel_call_raises_retention_and_lowers_sales() {
    let op = operator(32, 500);
    let truth = op.truth();
    let plain = Attributes::new();
    let cancel: Attributes = [("call_reason".to_owned(), Value::from("cancel"))]
        .into_iter()
        .collect();
    let retention = ActionId::new("retention_discount");
    let sale = ActionId::new("music_pack");
    for i in 0..op.subscribers().len() {
        let held = truth
            .holdings(i)
            .is_some_and(|h| h.iter().any(|p| p.as_str() == "music_pack"));
        assert!(
            truth.true_propensity(i, &retention, "call_centre", &cancel)
                > truth.true_propensity(i, &retention, "call_centre", &plain)
        );
        if !held {
            assert!(
                truth.true_propensity(i, &sale, "call_centre", &cancel)
                    < truth.true_propensity(i, &sale, "call_centre", &plain)
            );
        }
    }
}

#[test]
fn offering_what_is_held_almost_never_converts() {
    let op = operator(33, 2_000);
    let truth = op.truth();
    let context = Attributes::new();
    for (i, s) in op.subscribers().iter().enumerate() {
        for action in op.catalog() {
            if s.initial_holdings.iter().any(|h| h == action.id.as_str()) {
                assert!(truth.true_propensity(i, &action.id, "ussd", &context) <= 0.001);
            }
        }
    }
}
