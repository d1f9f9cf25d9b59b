//! The policies `concord bench learn` runs on one stream: Concord (an adaptive model per action,
//! Thompson sampling over them, learning in published batches), the oracle (the action with the
//! highest true probability) and a uniformly random action. Each faces the same draw per
//! decision, so their accept counts differ only by what they chose.

use super::stream::{NUMERIC, SYMBOLIC, Stream};
use concord_decide::Scorer;
use concord_learn::adm::{AdmConfig, PredictorKind, Technique};
use concord_learn::{LearnConfig, Learned, Learner, Thompson};
use concord_model::{ActionId, ChannelId, Feature, ResponseRecord, Value};
use std::time::{Duration, Instant};

/// Cumulative accepts of one policy at each checkpoint.
#[derive(Debug, Clone, Default)]
pub struct Curve {
    pub accepts: Vec<u64>,
}

/// What the Concord policy measured besides its curve.
#[derive(Debug, Clone, Default)]
pub struct Throughput {
    pub responses_learned: u64,
    pub learn_time: Duration,
    pub publishes: u64,
    pub actions_scored: u64,
    pub score_time: Duration,
}

impl Throughput {
    pub fn updates_per_s(&self) -> f64 {
        self.responses_learned as f64 / self.learn_time.as_secs_f64().max(1e-9)
    }

    pub fn scored_per_s(&self) -> f64 {
        self.actions_scored as f64 / self.score_time.as_secs_f64().max(1e-9)
    }
}

/// Decision counts after which the curves are read: every tenth of the stream.
pub fn checkpoints(n: usize) -> Vec<usize> {
    let mut points: Vec<usize> = (1..=10).map(|k| (n * k).div_ceil(10)).collect();
    points.dedup();
    points.retain(|&p| p > 0);
    points
}

fn curve(stream: &Stream, points: &[usize], mut choose: impl FnMut(usize) -> usize) -> Curve {
    let mut accepts = 0u64;
    let mut curve = Curve::default();
    let mut next = points.iter().peekable();
    for t in 0..stream.len() {
        accepts += u64::from(stream.accepts(t, choose(t)));
        if next.peek().is_some_and(|&&p| p == t + 1) {
            curve.accepts.push(accepts);
            next.next();
        }
    }
    curve
}

fn argmax(xs: impl Iterator<Item = f64>) -> usize {
    let mut best = (0, f64::NEG_INFINITY);
    for (i, x) in xs.enumerate() {
        if x > best.1 {
            best = (i, x);
        }
    }
    best.0
}

pub fn oracle(stream: &Stream, points: &[usize]) -> Curve {
    curve(stream, points, |t| {
        argmax(stream.probabilities(t).iter().map(|p| f64::from(*p)))
    })
}

/// SplitMix64 of `x`: the random policy's choice, and each decision's Thompson seed.
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

pub fn random(stream: &Stream, points: &[usize], seed: u64) -> Curve {
    let n = stream.n_actions() as u64;
    curve(stream, points, |t| {
        (mix(seed ^ 0x7a4d_0a11 ^ (t as u64).rotate_left(32)) % n) as usize
    })
}

/// The customer's predictor values, symbols first then numbers, as a decision records them.
fn predictors(stream: &Stream, t: usize) -> Vec<Value> {
    let c = &stream.contexts[t];
    let mut values = Vec::with_capacity(SYMBOLIC.len() + NUMERIC.len());
    for (k, (_, levels)) in SYMBOLIC.iter().enumerate() {
        values.push(Value::from(levels[c.symbols[k] as usize]));
    }
    values.extend(c.numbers.iter().map(|x| Value::Num(f64::from(*x))));
    values
}

pub fn predictor_kinds() -> Vec<PredictorKind> {
    let mut kinds = vec![PredictorKind::Symbolic; SYMBOLIC.len()];
    kinds.extend([PredictorKind::Numeric; NUMERIC.len()]);
    kinds
}

/// Concord as the hub runs it: per decision, the published snapshot's models scored with
/// Thompson sampling (seeded per decision), the best draw presented; responses queue and are
/// learned `batch` at a time, each batch publishing one snapshot.
pub fn concord(
    stream: &Stream,
    points: &[usize],
    seed: u64,
    batch: usize,
    technique: Technique,
) -> (Curve, Throughput) {
    let learner = Learner::new(LearnConfig {
        kinds: predictor_kinds(),
        thompson: true,
        adm: AdmConfig {
            technique,
            ..Default::default()
        },
        ..Default::default()
    });
    let numeric: Vec<bool> = predictor_kinds()
        .iter()
        .map(|k| *k == PredictorKind::Numeric)
        .collect();
    let action_ids: Vec<ActionId> = stream
        .actions
        .iter()
        .map(|a| ActionId::new(a.id.as_str()))
        .collect();
    let channel = ChannelId::new("ussd");
    let mut throughput = Throughput::default();
    let mut pending: Vec<(ResponseRecord, Vec<Value>)> = Vec::with_capacity(batch);
    let learn = |pending: &mut Vec<(ResponseRecord, Vec<Value>)>, tp: &mut Throughput| {
        let batch: Vec<Learned<'_>> = pending
            .iter()
            .map(|(response, predictors)| Learned {
                response,
                predictors,
            })
            .collect();
        let started = Instant::now();
        learner.learn(&batch);
        tp.learn_time += started.elapsed();
        tp.responses_learned += batch.len() as u64;
        tp.publishes += 1;
        drop(batch);
        pending.clear();
    };
    let mut chosen_by_t = Vec::with_capacity(stream.len());
    for t in 0..stream.len() {
        let values = predictors(stream, t);
        let snapshot = learner.snapshot();
        let started = Instant::now();
        let features: Vec<Feature> = values
            .iter()
            .zip(&numeric)
            .map(|(v, n)| Feature::of(v, *n))
            .collect();
        let explore = Thompson::new(&snapshot, mix(seed ^ t as u64));
        let chosen = argmax(
            action_ids
                .iter()
                .map(|a| explore.propensity(a, &channel, &features)),
        );
        throughput.score_time += started.elapsed();
        throughput.actions_scored += action_ids.len() as u64;
        chosen_by_t.push(chosen);
        pending.push((
            super::response(&action_ids[chosen], &channel, stream.accepts(t, chosen)),
            values,
        ));
        if pending.len() >= batch {
            learn(&mut pending, &mut throughput);
        }
    }
    if !pending.is_empty() {
        learn(&mut pending, &mut throughput);
    }
    (curve(stream, points, |t| chosen_by_t[t]), throughput)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkpoints_split_the_stream_in_tenths() {
        for (n, expected) in [
            (100, vec![10, 20, 30, 40, 50, 60, 70, 80, 90, 100]),
            (5, vec![1, 2, 3, 4, 5]),
            (0, vec![]),
        ] {
            assert_eq!(checkpoints(n), expected, "{n}");
        }
    }
}
