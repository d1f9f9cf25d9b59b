//! `concord bench ussd`: the USSD menu's round trip in process, through the hub as the HTTP
//! route calls it: the opening request (a decision in the menu placement, journaled durably,
//! then paginated) and the next two steps (a choice and its confirmation page; the acceptance,
//! a journaled response). Simulated subscribers with a week of events, the example strategy;
//! each step timed alone, one session at a time.

use crate::cli::BenchUssdArgs;
use concord_channel::{UssdRequest, UssdSessions};
use concord_hub::Hub;
use concord_model::Timestamp;
use std::fmt::Write as _;
use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

pub fn run(args: BenchUssdArgs) -> anyhow::Result<()> {
    let strategy_dir = args
        .strategy
        .clone()
        .unwrap_or_else(crate::demo::default_strategy_dir);
    let strategy = crate::serve::load_strategy(&strategy_dir)?;
    // A scratch data folder, removed at the end.
    let data = std::env::temp_dir().join(format!("concord-bench-ussd-{}", std::process::id()));
    let result = measure(&args, strategy, &data);
    let _ = std::fs::remove_dir_all(&data);
    result
}

fn measure(
    args: &BenchUssdArgs,
    strategy: Arc<concord_strategy::Strategy>,
    data: &std::path::Path,
) -> anyhow::Result<()> {
    let start = Timestamp::from_second(1_798_761_600)?;
    let mut operator = concord_sim::Operator::new(
        concord_sim::SimConfig {
            seed: args.seed,
            subscribers: args.subscribers,
            start,
            ..concord_sim::SimConfig::default()
        },
        &[],
    )?;
    let rows: Vec<_> = operator.base_rows();
    let ids: Vec<_> = rows.iter().map(|(id, _, _)| id.clone()).collect();
    let rt = crate::serve::runtime()?;
    let hub = Arc::new(Hub::open(data, strategy)?);
    let now = Timestamp::from_second(start.as_second() + 7 * 86_400)?;
    rt.block_on(async {
        hub.load_customers(rows).await?;
        hub.ingest(operator.events_until(now)).await?;
        anyhow::Ok(())
    })?;
    let ussd = UssdSessions::new(hub.clone())?;
    let (mut open, mut choose, mut accept) = (Vec::new(), Vec::new(), Vec::new());
    let mut chars = 0usize;
    for n in 0..args.sessions + 200 {
        let id = &ids[n % ids.len()];
        let time = Timestamp::from_second(now.as_second() + n as i64)?;
        let request = |input: &str| UssdRequest {
            session_id: format!("bench-{n}"),
            msisdn: id.clone(),
            input: input.to_owned(),
            request_id: None,
            time,
        };
        let steps: [(&str, &mut Vec<f64>); 3] =
            [("", &mut open), ("1", &mut choose), ("1", &mut accept)];
        for (input, into) in steps {
            let t = Instant::now();
            let reply = rt.block_on(ussd.handle(request(input)))?;
            let us = t.elapsed().as_secs_f64() * 1e6;
            if n >= 200 {
                into.push(us);
                if input.is_empty() {
                    chars += reply.text.chars().count();
                }
            }
            if reply.end {
                break;
            }
        }
    }
    let mut out = String::new();
    writeln!(
        out,
        "{} sessions over {} subscribers (a week of events), {} actions; pages average {:.0} characters",
        open.len(),
        ids.len(),
        hub.strategy().actions().len(),
        chars as f64 / open.len().max(1) as f64
    )?;
    writeln!(out, "| step | n | p50 | p90 | p99 | p99.9 | max |")?;
    writeln!(out, "|---|---|---|---|---|---|---|")?;
    for (name, mut times) in [
        ("open: decide + page (round trip)", open),
        ("choose: confirmation page", choose),
        ("accept: journaled response", accept),
    ] {
        times.sort_by(f64::total_cmp);
        let at = |q: f64| {
            times
                .get(((times.len().max(1) as f64 - 1.0) * q).round() as usize)
                .copied()
                .unwrap_or(0.0)
        };
        writeln!(
            out,
            "| {name} | {} | {:.0} us | {:.0} us | {:.0} us | {:.0} us | {:.0} us |",
            times.len(),
            at(0.5),
            at(0.9),
            at(0.99),
            at(0.999),
            times.last().copied().unwrap_or(0.0)
        )?;
    }
    std::io::stdout().write_all(out.as_bytes())?;
    Ok(())
}
