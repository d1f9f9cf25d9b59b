//! Generation rates, for the report: run with
//! `cargo test -p concord-sim --release -- --ignored --nocapture throughput`.

use crate::{days_after, operator};
use std::time::Instant;

#[test]
#[ignore = "timing report, meaningful only in release builds"]
fn throughput() {
    let t0 = Instant::now();
    let mut op = operator(42, 100_000);
    let built = t0.elapsed();
    let t1 = Instant::now();
    let until = days_after(op.now(), 7);
    let n = op.for_each_event_until(until, |e| {
        std::hint::black_box(e);
    });
    let streamed = t1.elapsed();
    eprintln!(
        "100k subscribers built in {:.3}s; 7 days = {n} events in {:.3}s = {:.2}M events/s ({:.2} events/subscriber/day)",
        built.as_secs_f64(),
        streamed.as_secs_f64(),
        n as f64 / streamed.as_secs_f64() / 1e6,
        n as f64 / 100_000.0 / 7.0,
    );
    let t2 = Instant::now();
    let kept = op.events_until(days_after(op.now(), 1));
    eprintln!(
        "events_until into a Vec: {} events in {:.3}s = {:.2}M events/s",
        kept.len(),
        t2.elapsed().as_secs_f64(),
        kept.len() as f64 / t2.elapsed().as_secs_f64() / 1e6
    );
    let context = concord_model::Attributes::new();
    let actions: Vec<_> = op.catalog().iter().map(|a| a.id.clone()).collect();
    let customers: Vec<_> = op.subscribers().iter().map(|s| s.id.clone()).collect();
    let now = op.now();
    let t3 = Instant::now();
    let n_responses = 1_000_000;
    let mut accepted = 0;
    for k in 0..n_responses {
        let customer = &customers[(k * 7919) % customers.len()];
        let action = &actions[k % actions.len()];
        let channel = if k % 2 == 0 { "ussd" } else { "sms" };
        accepted += usize::from(
            op.respond(customer, action, channel, &context, now)
                .is_positive(),
        );
    }
    eprintln!(
        "respond: {n_responses} calls in {:.3}s = {:.2}M/s ({accepted} accepted)",
        t3.elapsed().as_secs_f64(),
        n_responses as f64 / t3.elapsed().as_secs_f64() / 1e6
    );
}
