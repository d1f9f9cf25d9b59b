//! The report of `concord bench learn`, built once as JSON (`--json` prints it; the text
//! tables are written from it, so the two never disagree).

use super::bandit::{Curve, Throughput};
use super::stream::{NUMERIC, SYMBOLIC, Stream};
use super::tables::TableAuc;
use crate::cli::BenchLearnArgs;
use serde_json::{Value as Json, json};

/// Goals of issue 5, as ratios.
const ORACLE_SHARE: f64 = 0.95;
const THROUGHPUT_RATIO: f64 = 10.0;
const AUC_MARGIN: f64 = 0.02;

/// Everything one run measured.
#[derive(Debug)]
pub struct Measured<'a> {
    pub args: &'a BenchLearnArgs,
    pub stream: &'a Stream,
    pub points: &'a [usize],
    pub oracle: &'a Curve,
    pub random: &'a Curve,
    pub concord: &'a Curve,
    pub throughput: &'a Throughput,
    pub tables: &'a [TableAuc],
    pub peers: Option<&'a Json>,
}

fn policy(accepts: &[u64], oracle: &[u64], points: &[usize]) -> Json {
    let n = points.len();
    let last_tenth = match n {
        0 => 0.0,
        1 => accepts[0] as f64 / points[0] as f64,
        _ => (accepts[n - 1] - accepts[n - 2]) as f64 / (points[n - 1] - points[n - 2]) as f64,
    };
    json!({
        "accepts": accepts,
        "rates": accepts.iter().zip(points).map(|(a, p)| *a as f64 / *p as f64).collect::<Vec<_>>(),
        "regret": oracle.iter().zip(accepts).map(|(o, a)| *o as i64 - *a as i64).collect::<Vec<_>>(),
        "last_tenth_rate": last_tenth,
    })
}

fn stream_stats(stream: &Stream) -> Json {
    let n = stream.len().max(1) as f64;
    let (mut mean, mut best) = (0.0, 0.0);
    let mut ever_best = vec![false; stream.n_actions()];
    for t in 0..stream.len() {
        let p = stream.probabilities(t);
        mean += p.iter().map(|x| f64::from(*x)).sum::<f64>() / p.len() as f64;
        let winner = (0..p.len())
            .max_by(|&i, &j| p[i].total_cmp(&p[j]).then(j.cmp(&i)))
            .unwrap_or(0);
        best += f64::from(p[winner]);
        ever_best[winner] = true;
    }
    json!({
        "random_true_rate": mean / n,
        "oracle_true_rate": best / n,
        "actions_ever_best": ever_best.iter().filter(|b| **b).count(),
    })
}

pub fn json(m: &Measured<'_>) -> Json {
    let oracle = &m.oracle.accepts;
    let mut policies = serde_json::Map::new();
    policies.insert("oracle".into(), policy(oracle, oracle, m.points));
    policies.insert(
        "concord".into(),
        policy(&m.concord.accepts, oracle, m.points),
    );
    policies.insert("random".into(), policy(&m.random.accepts, oracle, m.points));
    for name in ["vw", "linucb"] {
        let accepts: Option<Vec<u64>> = m.peers.and_then(|p| {
            p[name]["accepts"]
                .as_array()?
                .iter()
                .map(Json::as_u64)
                .collect()
        });
        if let Some(accepts) = accepts.filter(|a| a.len() == m.points.len()) {
            let mut entry = policy(&accepts, oracle, m.points);
            entry["setup"] = m.peers.map_or(Json::Null, |p| p[name]["setup"].clone());
            policies.insert(name.into(), entry);
        }
    }
    let final_of = |name: &str| {
        policies
            .get(name)
            .and_then(|p| p["accepts"].as_array()?.last()?.as_u64())
    };
    let concord_final = final_of("concord").unwrap_or(0) as f64;
    let ratio_to = |name: &str| {
        final_of(name)
            .filter(|a| *a > 0)
            .map(|a| concord_final / a as f64)
    };

    let t = m.throughput;
    let vw_rate = m.peers.and_then(|p| p["vw"]["examples_per_s"].as_f64());
    let throughput = json!({
        "batch": m.args.batch,
        "publishes": t.publishes,
        "responses_learned": t.responses_learned,
        "learn_s": t.learn_time.as_secs_f64(),
        "updates_per_s": t.updates_per_s(),
        "actions_scored": t.actions_scored,
        "score_s": t.score_time.as_secs_f64(),
        "scored_actions_per_s": t.scored_per_s(),
        "vw_examples_per_s": vw_rate,
        "vw_examples_per_s_in_loop": m.peers.and_then(|p| p["vw"]["examples_per_s_in_loop"].as_f64()),
        "vw_examples_per_s_native": m.peers.and_then(|p| p["vw"]["examples_per_s_native"].as_f64()),
        "linucb_decisions_per_s": m.peers.and_then(|p| p["linucb"]["decisions_per_s"].as_f64()),
        "updates_over_vw": vw_rate.map(|v| t.updates_per_s() / v),
        "scored_over_vw": vw_rate.map(|v| t.scored_per_s() / v),
    });

    let tables: Vec<Json> = m
        .tables
        .iter()
        .map(|table| {
            let sklearn = m.peers.and_then(|p| {
                p["tables"]
                    .as_array()?
                    .iter()
                    .find(|x| x["name"] == table.name.as_str())?["auc"]
                    .as_f64()
            });
            json!({
                "name": table.name,
                "train_rows": table.train_rows,
                "holdout_rows": table.holdout_rows,
                "numeric": table.numeric,
                "symbolic": table.symbolic,
                "active": table.active,
                "auc": table.auc,
                "score_auc": table.score_auc,
                "sklearn_auc": sklearn,
                "auc_minus_sklearn": sklearn.map(|s| table.auc - s),
            })
        })
        .collect();

    let mut goals = vec![goal(
        "Concord's cumulative accept rate >= 95% of the oracle's",
        ratio_to("oracle"),
        ORACLE_SHARE,
    )];
    if policies.contains_key("vw") {
        goals.push(goal(
            "Concord's cumulative accept rate >= Vowpal Wabbit's",
            ratio_to("vw"),
            1.0,
        ));
    }
    if policies.contains_key("linucb") {
        goals.push(goal(
            "Concord's cumulative accept rate >= MABWiser LinUCB's",
            ratio_to("linucb"),
            1.0,
        ));
    }
    if vw_rate.is_some() {
        goals.push(goal(
            "model updates/s >= 10x Vowpal Wabbit's examples/s",
            throughput["updates_over_vw"].as_f64(),
            THROUGHPUT_RATIO,
        ));
        goals.push(goal(
            "scored actions/s >= 10x Vowpal Wabbit's examples/s",
            throughput["scored_over_vw"].as_f64(),
            THROUGHPUT_RATIO,
        ));
    }
    for table in &tables {
        if let Some(diff) = table["auc_minus_sklearn"].as_f64() {
            goals.push(json!({
                "goal": format!("{}: AUC within 0.02 of scikit-learn's logistic regression", table["name"].as_str().unwrap_or("")),
                "value": diff,
                "threshold": -AUC_MARGIN,
                "met": diff >= -AUC_MARGIN,
            }));
        }
    }

    json!({
        "decisions": m.stream.len(),
        "actions": m.stream.n_actions(),
        "action_ids": m.stream.actions.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(),
        "seed": m.args.seed,
        "batch": m.args.batch,
        "predictors": {
            "symbolic": SYMBOLIC.iter().map(|(name, _)| *name).collect::<Vec<_>>(),
            "numeric": NUMERIC,
        },
        "stream": stream_stats(m.stream),
        "checkpoints": m.points,
        "policies": policies,
        "concord_over": {
            "oracle": ratio_to("oracle"),
            "vw": ratio_to("vw"),
            "linucb": ratio_to("linucb"),
            "random": ratio_to("random"),
        },
        "throughput": throughput,
        "tables": tables,
        "goals": goals,
        "peers": m.peers.map(|p| p["versions"].clone()),
    })
}

fn goal(text: &str, value: Option<f64>, threshold: f64) -> Json {
    json!({
        "goal": text,
        "value": value,
        "threshold": threshold,
        "met": value.is_some_and(|v| v >= threshold),
    })
}
