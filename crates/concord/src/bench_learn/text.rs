//! The text form of `concord bench learn`'s report: markdown tables written from the JSON
//! report, ready for BENCHMARKS.md.

use super::stream::{NUMERIC, SYMBOLIC};
use serde_json::Value as Json;
use std::io::Write;

/// Policies in report order: JSON key and display name.
const POLICIES: [(&str, &str); 5] = [
    ("oracle", "oracle"),
    ("concord", "Concord"),
    ("vw", "VW"),
    ("linucb", "LinUCB"),
    ("random", "random"),
];

/// 1234567 -> "1,234,567".
fn thousands(x: f64) -> String {
    let digits = format!("{:.0}", x.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if x < 0.0 && digits != "0" {
        out.insert(0, '-');
    }
    out
}

fn pct(x: &Json) -> String {
    x.as_f64()
        .map_or_else(|| "-".to_owned(), |v| format!("{:.2}%", 100.0 * v))
}

pub fn write_text(out: &mut impl Write, r: &Json) -> std::io::Result<()> {
    let f = |x: &Json| x.as_f64().unwrap_or(f64::NAN);
    writeln!(
        out,
        "concord bench learn: {} decisions, {} actions, seed {}",
        thousands(f(&r["decisions"])),
        r["actions"],
        r["seed"]
    )?;
    let s = &r["stream"];
    writeln!(
        out,
        "Stream: true accept rate of a random action {}, of the best action {}; {} of {} actions are the best for some decision.",
        pct(&s["random_true_rate"]),
        pct(&s["oracle_true_rate"]),
        s["actions_ever_best"],
        r["actions"]
    )?;
    writeln!(
        out,
        "Concord: an adaptive model per action ({} symbolic + {} numeric predictors), Thompson sampling; responses learned in batches of {}, one snapshot published per batch (as a production learner publishing every ~50 ms would). The peers learn in the same batches.",
        SYMBOLIC.len(),
        NUMERIC.len(),
        thousands(f(&r["batch"]))
    )?;
    let policies = &r["policies"];
    let shown: Vec<(&str, &str)> = POLICIES
        .iter()
        .copied()
        .filter(|(key, _)| policies.get(key).is_some())
        .collect();
    writeln!(
        out,
        "\nCumulative accept rate; regret = oracle accepts - policy accepts (every policy faces the same draws):\n"
    )?;
    let mut head = String::from("| decisions |");
    let mut rule = String::from("|---|");
    for (_, name) in &shown {
        head.push_str(&format!(" {name} |"));
        rule.push_str("---|");
    }
    for (key, name) in &shown {
        if *key != "oracle" {
            head.push_str(&format!(" {name} regret |"));
            rule.push_str("---|");
        }
    }
    writeln!(out, "{head}\n{rule}")?;
    let points = r["checkpoints"].as_array().cloned().unwrap_or_default();
    for (i, point) in points.iter().enumerate() {
        let mut row = format!("| {} |", thousands(f(point)));
        for (key, _) in &shown {
            row.push_str(&format!(" {} |", pct(&policies[key]["rates"][i])));
        }
        for (key, _) in &shown {
            if *key != "oracle" {
                row.push_str(&format!(" {} |", thousands(f(&policies[key]["regret"][i]))));
            }
        }
        writeln!(out, "{row}")?;
    }
    let last: Vec<String> = shown
        .iter()
        .map(|(key, name)| format!("{name} {}", pct(&policies[key]["last_tenth_rate"])))
        .collect();
    writeln!(
        out,
        "\nAccept rate over the last tenth of the stream: {}.",
        last.join(", ")
    )?;

    let t = &r["throughput"];
    writeln!(
        out,
        "\nThroughput (one thread, this run): model updates {}/s ({} responses in {} published batches, {:.2} s in Learner::learn); scored actions {}/s (Thompson-sampled propensities, {:.2} s).",
        thousands(f(&t["updates_per_s"])),
        thousands(f(&t["responses_learned"])),
        thousands(f(&t["publishes"])),
        f(&t["learn_s"]),
        thousands(f(&t["scored_actions_per_s"])),
        f(&t["score_s"]),
    )?;
    if let Some(vw) = t["vw_examples_per_s"].as_f64() {
        writeln!(
            out,
            "Vowpal Wabbit: {}/s examples (an example is a decision with all its actions, predicted and learnt; the faster of {}/s read from a file by VW's own parser and {}/s in the Python bandit loop). Concord / VW: updates {:.1}x, scored actions {:.1}x.",
            thousands(vw),
            thousands(f(&t["vw_examples_per_s_native"])),
            thousands(f(&t["vw_examples_per_s_in_loop"])),
            f(&t["updates_over_vw"]),
            f(&t["scored_over_vw"]),
        )?;
    }
    if let Some(linucb) = t["linucb_decisions_per_s"].as_f64() {
        writeln!(
            out,
            "MABWiser LinUCB: {}/s decisions (batched numpy: predict a batch, then partial_fit it).",
            thousands(linucb)
        )?;
    }

    writeln!(
        out,
        "\nChurn AUC on the shared tables (every 5th row held out; one adaptive model fed the other rows one at a time):\n"
    )?;
    writeln!(
        out,
        "| table | rows train / holdout | predictors (numeric + symbolic; active at the end) | Concord AUC (calibrated propensity) | Concord raw score AUC | scikit-learn LR AUC | Concord - LR |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|---|")?;
    for table in r["tables"].as_array().cloned().unwrap_or_default() {
        let num = |k: &str| {
            table[k]
                .as_f64()
                .map_or("-".to_owned(), |v| format!("{v:.4}"))
        };
        writeln!(
            out,
            "| {} | {} / {} | {} + {}; {} | {} | {} | {} | {} |",
            table["name"].as_str().unwrap_or(""),
            thousands(f(&table["train_rows"])),
            thousands(f(&table["holdout_rows"])),
            table["numeric"],
            table["symbolic"],
            table["active"],
            num("auc"),
            num("score_auc"),
            num("sklearn_auc"),
            table["auc_minus_sklearn"]
                .as_f64()
                .map_or("-".to_owned(), |v| format!("{v:+.4}")),
        )?;
    }

    writeln!(out, "\n| goal (issue 5) | figure | met |\n|---|---|---|")?;
    for g in r["goals"].as_array().cloned().unwrap_or_default() {
        let value = g["value"].as_f64();
        let threshold = f(&g["threshold"]);
        let figure = match value {
            None => "-".to_owned(),
            Some(v) if threshold < 0.0 => format!("{v:+.4}"),
            Some(v) if threshold < 1.0 => format!("{:.1}%", 100.0 * v),
            Some(v) => format!("{v:.2}x"),
        };
        writeln!(
            out,
            "| {} | {} | {} |",
            g["goal"].as_str().unwrap_or(""),
            figure,
            if g["met"].as_bool() == Some(true) {
                "yes"
            } else {
                "no"
            }
        )?;
    }
    if r["policies"].get("vw").is_none() {
        writeln!(
            out,
            "\n(Peers not run: pass --peers PYTHON, e.g. scripts/bench/learn.sh, for Vowpal Wabbit, LinUCB and scikit-learn.)"
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_are_grouped() {
        for (x, s) in [
            (0.0, "0"),
            (999.0, "999"),
            (1000.0, "1,000"),
            (1234567.4, "1,234,567"),
            (-4200.0, "-4,200"),
        ] {
            assert_eq!(thousands(x), s, "{x}");
        }
    }
}
