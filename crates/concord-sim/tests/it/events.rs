//! The event stream: ordered, unique, complete, and shaped by the planted problems.

use crate::run::{DAYS, SUBSCRIBERS, run};
use concord_model::EventType;

/// `(what, got, low, high)`: a rate that must fall in a range.
fn check_range(what: &str, got: f64, low: f64, high: f64) {
    assert!(
        (low..=high).contains(&got),
        "{what} = {got}, expected {low}..={high}"
    );
}

#[test]
fn stream_is_ordered_unique_and_in_window() {
    let s = &run().stats;
    assert_eq!(s.out_of_order, 0);
    assert_eq!(s.bad_ids, 0);
    assert_eq!(s.outside_window, 0);
    assert_eq!(
        s.events_after_port_out, 0,
        "churned subscribers must fall silent"
    );
}

#[test]
fn a_few_events_per_subscriber_per_day() {
    let s = &run().stats;
    let per_day = s.n_events as f64 / SUBSCRIBERS as f64 / DAYS as f64;
    check_range("events per subscriber-day", per_day, 2.0, 8.0);
}

#[test]
fn every_expected_event_type_appears() {
    let s = &run().stats;
    let expected = [
        EventType::VoiceCall,
        EventType::Sms,
        EventType::DataUsage,
        EventType::BundleUsage,
        EventType::DroppedCall,
        EventType::Recharge,
        EventType::BillIssued,
        EventType::Payment,
        EventType::DisputeOpened,
        EventType::DisputeClosed,
        EventType::CareContact,
        EventType::StoreVisit,
        EventType::AppSession,
        EventType::WebSession,
        EventType::ProductAdded,
        EventType::ProductRemoved,
        EventType::PortOut,
        EventType::SurveyAnswer,
    ];
    for t in expected {
        assert!(
            s.counts.get(&t).copied().unwrap_or(0) > 0,
            "no {} events: {:?}",
            t.as_str(),
            s.counts
        );
    }
    for reason in ["billing", "network", "data", "device", "cancel", "other"] {
        assert!(
            s.care_reasons.get(reason).copied().unwrap_or(0) > 0,
            "no care reason {reason}: {:?}",
            s.care_reasons
        );
    }
}

#[test]
fn segments_get_their_own_money_events() {
    let s = &run().stats;
    assert_eq!(s.recharges_by_postpaid, 0);
    assert_eq!(s.bills_by_prepaid, 0);
    assert_eq!(s.app_sessions_by_feature_phones, 0);
    // Postpaid bills monthly: about a third of the base, three bill runs.
    let bills = s.counts[&EventType::BillIssued] as f64;
    check_range("bills per subscriber", bills / SUBSCRIBERS as f64, 0.6, 1.2);
}

#[test]
fn bundles_fill_up_and_reset_at_renewal() {
    let s = &run().stats;
    assert!(s.bundle_resets > 1_000, "{}", s.bundle_resets);
    assert!(
        s.bundle_reports_at_80_to_90 > 100,
        "{}",
        s.bundle_reports_at_80_to_90
    );
    // Upgrades through organic product changes are the only other way down.
    assert!(
        s.bundle_fill_went_down_without_reset < 100,
        "{}",
        s.bundle_fill_went_down_without_reset
    );
}

#[test]
fn dropped_calls_concentrate_on_bad_cells() {
    let r = run();
    let s = &r.stats;
    let truth = r.operator.truth();
    let n_cells_bad = truth.bad_cells().len() as f64;
    assert!(n_cells_bad > 0.0);
    let drops_on_bad = s.dropped_on_bad_cells as f64 / s.dropped_total as f64;
    // ~4% of cells carry the majority of drops.
    check_range("share of drops on bad cells", drops_on_bad, 0.5, 1.0);
    let bad_home_rate = s.drops_on_bad_home as f64 / s.calls_on_bad_home as f64;
    let good_home_rate = s.drops_on_good_home as f64 / s.calls_on_good_home as f64;
    check_range(
        "drop rate ratio, bad vs good home cell",
        bad_home_rate / good_home_rate,
        5.0,
        50.0,
    );
}

#[test]
#[ignore = "prints the shared run's summary, for calibration"]
fn print_run_summary() {
    let r = run();
    eprintln!("{:#?}", r.stats.counts);
    eprintln!("care reasons {:?}", r.stats.care_reasons);
    eprintln!(
        "port-outs {}, saves {}",
        r.stats.port_outs.len(),
        r.operator.truth().saves()
    );
    let mut reasons = std::collections::BTreeMap::new();
    for (_, reason, destination) in &r.stats.port_outs {
        *reasons
            .entry((reason.as_str(), destination.as_str()))
            .or_insert(0) += 1;
    }
    eprintln!("reasons {reasons:?}");
    let s = &r.stats;
    let op = &r.operator;
    let context = concord_model::Attributes::new();
    for channel in ["ussd", "sms", "call_centre", "outbound_call"] {
        let mut ps: Vec<f64> = (0..op.subscribers().len())
            .step_by(7)
            .flat_map(|i| op.catalog().iter().map(move |a| (i, a)))
            .map(|(i, a)| op.truth().true_propensity(i, &a.id, channel, &context))
            .filter(|p| *p > 0.0)
            .collect();
        ps.sort_by(f64::total_cmp);
        let q = |f: f64| ps[((ps.len() - 1) as f64 * f) as usize];
        let mean = ps.iter().sum::<f64>() / ps.len() as f64;
        eprintln!(
            "{channel}: mean {mean:.3}, p10 {:.3}, p50 {:.3}, p90 {:.3}, p99 {:.3}",
            q(0.1),
            q(0.5),
            q(0.9),
            q(0.99)
        );
    }
    eprintln!(
        "events {}, drops on bad cells {}/{}, bundle resets {}, reports at 80-90% {}",
        s.n_events,
        s.dropped_on_bad_cells,
        s.dropped_total,
        s.bundle_resets,
        s.bundle_reports_at_80_to_90
    );
}

#[test]
fn tiny_operators_run_without_trouble() {
    for subscribers in [1, 2, 7] {
        let mut op = crate::operator(3, subscribers);
        let until = crate::days_after(op.now(), 40);
        let events = op.events_until(until);
        assert!(
            !events.is_empty(),
            "{subscribers} subscribers produced nothing"
        );
        assert_eq!(op.now(), until);
        // Asking for the past again returns nothing and leaves the clock alone.
        assert!(op.events_until(crate::days_after(until, -5)).is_empty());
        assert_eq!(op.now(), until);
    }
}
