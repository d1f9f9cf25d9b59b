//! `concord replay`: a logged decision made again from its logged inputs, compared bit for bit,
//! with every action's fate. Exit status 0 when identical, 1 when it differs or fails.

use crate::cli::ReplayArgs;
use concord_model::DecisionId;
use concord_server::ReplayBody;
use std::fmt::Write as _;
use std::process::ExitCode;

#[allow(clippy::print_stdout)]
pub fn run(args: &ReplayArgs) -> ExitCode {
    match replay(args) {
        Ok((text, identical)) => {
            print!("{text}");
            if identical {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn replay(args: &ReplayArgs) -> anyhow::Result<(String, bool)> {
    let strategy = crate::serve::load_strategy(&args.strategy)?;
    let hub = crate::serve::open_existing(&args.data, strategy)?;
    let body = ReplayBody::from(hub.replay(&DecisionId::new(args.decision_id.clone()))?);
    let identical = body.identical;
    if args.json {
        return Ok((
            format!("{}\n", serde_json::to_string_pretty(&body)?),
            identical,
        ));
    }
    Ok((text(&body), identical))
}

/// The replay for a person: the verdict, what was read, the actions, every action's fate.
fn text(body: &ReplayBody) -> String {
    let d = &body.logged;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "decision {}: customer {}, channel {}, {}, strategy {}",
        d.decision_id, d.customer_id, d.channel, d.time, d.strategy_hash
    );
    if body.identical {
        let _ = writeln!(out, "replayed: identical, bit for bit");
    } else {
        let _ = writeln!(out, "replayed: DIFFERENT");
        for difference in &body.differences {
            let _ = writeln!(out, "  {difference}");
        }
    }
    let _ = writeln!(out, "seed {}", body.seed);
    let _ = writeln!(out, "read:");
    for (name, value) in &body.reads {
        let _ = writeln!(out, "  {name} = {value}");
    }
    let _ = writeln!(out, "actions:");
    for a in &body.replayed {
        let price = a.price.map_or_else(String::new, |p| format!(" price {p}"));
        let until = a
            .valid_until
            .map_or_else(String::new, |t| format!(" until {t}"));
        let _ = writeln!(
            out,
            "  {} {} (propensity {}, value {}, priority {}){price}{until}",
            a.rank, a.action_id, a.propensity, a.value, a.priority
        );
    }
    let _ = writeln!(out, "trace:");
    for t in &body.trace {
        let verdict = if t.passed { "kept" } else { "dropped" };
        let _ = writeln!(
            out,
            "  {} at {}: {verdict}: {}",
            t.action_id, t.stage, t.reason
        );
    }
    out
}
