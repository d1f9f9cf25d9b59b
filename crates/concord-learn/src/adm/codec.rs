//! The binary form of a model's counts (snapshots): totals, each predictor's kind and counts,
//! the classifier's score steps, the correlation sums, the joint weights. Decoding never
//! panics on any bytes.

use super::correlation::PairSums;
use super::joint::{JointWeights, Moments, PredictorWeights, Weight};
use super::model::AdmModel;
use super::predictor::{Counts, PredictorCounts, PredictorKind};
use concord_model::codec::{BinaryCodec, DecodeError, Reader, put_varint, unzigzag, zigzag};
use std::collections::BTreeMap;

impl BinaryCodec for Counts {
    fn encode(&self, out: &mut Vec<u8>) {
        self.positives.encode(out);
        self.negatives.encode(out);
    }

    fn decode(input: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Counts {
            positives: input.read()?,
            negatives: input.read()?,
        })
    }
}

fn put_keyed(out: &mut Vec<u8>, map: &BTreeMap<i64, Counts>) {
    (map.len() as u64).encode(out);
    for (k, c) in map {
        put_varint(out, zigzag(i128::from(*k)));
        c.encode(out);
    }
}

fn keyed(input: &mut Reader<'_>) -> Result<BTreeMap<i64, Counts>, DecodeError> {
    let mut map = BTreeMap::new();
    for _ in 0..input.count()? {
        let at = input.position();
        let key = i64::try_from(unzigzag(input.varint(128)?)).map_err(|_| DecodeError {
            offset: at,
            reason: "bin key out of range".into(),
        })?;
        map.insert(key, input.read()?);
    }
    Ok(map)
}

impl BinaryCodec for AdmModel {
    fn encode(&self, out: &mut Vec<u8>) {
        self.counts.encode(out);
        (self.predictors.len() as u64).encode(out);
        for p in &self.predictors {
            out.push(match p.kind {
                PredictorKind::Numeric => 0,
                PredictorKind::Symbolic => 1,
            });
            put_keyed(out, &p.numeric);
            (p.symbols.len() as u64).encode(out);
            for (s, c) in &p.symbols {
                s.encode(out);
                c.encode(out);
            }
            p.missing.encode(out);
        }
        put_keyed(out, &self.classifier);
        self.pairs.n.encode(out);
        (self.pairs.sums.len() as u64).encode(out);
        for x in self.pairs.sums.iter().chain(&self.pairs.products) {
            put_varint(out, zigzag(*x));
        }
        self.joint.encode(out);
    }

    fn decode(input: &mut Reader<'_>) -> Result<Self, DecodeError> {
        AdmModel::decode_joint(input, true)
    }
}

impl AdmModel {
    /// The third layout (snapshot sections of version 5): joint weights without slopes; the
    /// slopes start afresh.
    pub fn decode_v3(input: &mut Reader<'_>) -> Result<Self, DecodeError> {
        AdmModel::decode_joint(input, false)
    }

    fn decode_joint(input: &mut Reader<'_>, slopes: bool) -> Result<Self, DecodeError> {
        let mut model = AdmModel::decode_v2(input)?;
        let joint = JointWeights::decode_layout(input, slopes)?;
        if !joint.predictors.is_empty() && joint.predictors.len() != model.predictors.len() {
            return Err(input.error(format!(
                "joint weights for {} predictors, the model has {}",
                joint.predictors.len(),
                model.predictors.len()
            )));
        }
        model.joint = joint;
        Ok(model)
    }
}

impl BinaryCodec for Weight {
    fn encode(&self, out: &mut Vec<u8>) {
        self.value.encode(out);
        self.squares.encode(out);
    }

    fn decode(input: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Weight {
            value: input.read()?,
            squares: input.read()?,
        })
    }
}

impl BinaryCodec for JointWeights {
    fn encode(&self, out: &mut Vec<u8>) {
        self.encode_layout(out, true);
    }

    fn decode(input: &mut Reader<'_>) -> Result<Self, DecodeError> {
        JointWeights::decode_layout(input, true)
    }
}

impl BinaryCodec for Moments {
    fn encode(&self, out: &mut Vec<u8>) {
        self.n.encode(out);
        self.mean.encode(out);
        self.m2.encode(out);
    }

    fn decode(input: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Moments {
            n: input.read()?,
            mean: input.read()?,
            m2: input.read()?,
        })
    }
}

impl JointWeights {
    /// `slopes`: the layout with each predictor's slope and moments (snapshot sections of
    /// version 6 on); without, the first joint layout (version 5).
    fn encode_layout(&self, out: &mut Vec<u8>, slopes: bool) {
        self.responses.encode(out);
        self.bias.encode(out);
        (self.predictors.len() as u64).encode(out);
        for p in &self.predictors {
            (p.numeric.len() as u64).encode(out);
            for (k, w) in &p.numeric {
                put_varint(out, zigzag(i128::from(*k)));
                w.encode(out);
            }
            (p.symbols.len() as u64).encode(out);
            for (s, w) in &p.symbols {
                s.encode(out);
                w.encode(out);
            }
            p.missing.encode(out);
            if slopes {
                p.slope.encode(out);
                p.moments.encode(out);
            }
        }
    }

    fn decode_layout(input: &mut Reader<'_>, slopes: bool) -> Result<Self, DecodeError> {
        let mut joint = JointWeights {
            responses: input.read()?,
            bias: input.read()?,
            predictors: Vec::new(),
        };
        for _ in 0..input.count()? {
            let mut p = PredictorWeights::default();
            for _ in 0..input.count()? {
                let at = input.position();
                let key = i64::try_from(unzigzag(input.varint(128)?)).map_err(|_| DecodeError {
                    offset: at,
                    reason: "bin key out of range".into(),
                })?;
                p.numeric.insert(key, input.read()?);
            }
            for _ in 0..input.count()? {
                let symbol: String = input.read()?;
                p.symbols.insert(symbol, input.read()?);
            }
            p.missing = input.read()?;
            if slopes {
                p.slope = input.read()?;
                p.moments = input.read()?;
            }
            joint.predictors.push(p);
        }
        Ok(joint)
    }
}

impl AdmModel {
    /// The second layout (snapshot sections of version 4): counts and correlation sums, no
    /// joint weights; they start afresh.
    pub fn decode_v2(input: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let mut model = AdmModel::decode_v1(input)?;
        let n = input.read()?;
        let k = input.count()?;
        if k != model.predictors.len() {
            return Err(input.error(format!(
                "correlation sums for {k} predictors, the model has {}",
                model.predictors.len()
            )));
        }
        let mut pairs = PairSums::new(k);
        pairs.n = n;
        for x in pairs.sums.iter_mut().chain(pairs.products.iter_mut()) {
            *x = unzigzag(input.varint(128)?);
        }
        model.pairs = pairs;
        Ok(model)
    }
}

impl AdmModel {
    /// The first layout (snapshot sections before version 4): no correlation sums; they start
    /// afresh.
    pub fn decode_v1(input: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let counts = input.read()?;
        let mut predictors = Vec::new();
        for _ in 0..input.count()? {
            let kind = match input.byte()? {
                0 => PredictorKind::Numeric,
                1 => PredictorKind::Symbolic,
                tag => return Err(input.error(format!("unknown predictor kind {tag}"))),
            };
            let mut p = PredictorCounts::new(kind);
            p.numeric = keyed(input)?;
            for _ in 0..input.count()? {
                let symbol: String = input.read()?;
                p.symbols.insert(symbol, input.read()?);
            }
            p.missing = input.read()?;
            predictors.push(p);
        }
        Ok(AdmModel {
            counts,
            classifier: keyed(input)?,
            pairs: PairSums::new(predictors.len()),
            predictors,
            joint: JointWeights::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::adm::{AdmConfig, Technique};
    use concord_model::Value;
    use concord_model::codec::{from_bytes, to_bytes};

    #[test]
    fn a_trained_model_round_trips_and_bad_bytes_are_errors() {
        for technique in [Technique::Bayes, Technique::Joint] {
            round_trip(technique);
        }
    }

    fn round_trip(technique: Technique) {
        let config = AdmConfig {
            technique,
            ..AdmConfig::default()
        };
        let mut model = AdmModel::new(&[PredictorKind::Numeric, PredictorKind::Symbolic]);
        for i in 0..50 {
            let values = [
                Value::Num(f64::from(i) * 1.7 - 20.0),
                Value::from(format!("s{}", i % 3)),
            ];
            let scoring = model.compile(&config);
            model.learn(&values, i % 4 == 0, &scoring);
        }
        model.learn(&[Value::Null, Value::Null], true, &model.compile(&config));
        assert_eq!(model.joint.responses > 0, technique == Technique::Joint);
        let bytes = to_bytes(&model);
        assert_eq!(from_bytes::<AdmModel>(&bytes).expect("decodes"), model);
        for len in 0..bytes.len() {
            assert!(
                from_bytes::<AdmModel>(&bytes[..len]).is_err(),
                "prefix {len}"
            );
        }
    }

    /// A snapshot written before correlation sums (the first layout) still decodes: the
    /// same counts, the sums afresh.
    #[test]
    fn the_first_layout_still_decodes() {
        let config = AdmConfig::default();
        let mut model = AdmModel::new(&[PredictorKind::Numeric, PredictorKind::Symbolic]);
        for i in 0..30 {
            let values = [Value::Num(f64::from(i)), Value::from(format!("s{}", i % 2))];
            let scoring = model.compile(&config);
            model.learn(&values, i % 3 == 0, &scoring);
        }
        assert!(model.pairs.n == 30);
        let all = to_bytes(&model);
        let bytes = &all[..all.len() - to_bytes(&model.joint).len()];
        let mut suffix = Vec::new();
        model.pairs.n.encode(&mut suffix);
        (model.pairs.sums.len() as u64).encode(&mut suffix);
        for x in model.pairs.sums.iter().chain(&model.pairs.products) {
            put_varint(&mut suffix, zigzag(*x));
        }
        let first = &bytes[..bytes.len() - suffix.len()];
        let mut input = Reader::new(first);
        let old = AdmModel::decode_v1(&mut input).expect("decodes");
        input.finish().expect("all read");
        assert_eq!(old.pairs, PairSums::new(2));
        assert_eq!(
            (old.counts, &old.predictors, &old.classifier),
            (model.counts, &model.predictors, &model.classifier)
        );
    }

    /// A snapshot written before joint weights (the second layout) still decodes: the same
    /// counts and correlation sums, the weights afresh.
    #[test]
    fn the_second_layout_still_decodes() {
        let config = AdmConfig {
            technique: Technique::Joint,
            ..AdmConfig::default()
        };
        let mut model = AdmModel::new(&[PredictorKind::Numeric, PredictorKind::Symbolic]);
        for i in 0..30 {
            let values = [Value::Num(f64::from(i)), Value::from(format!("s{}", i % 2))];
            let scoring = model.compile(&config);
            model.learn(&values, i % 3 == 0, &scoring);
        }
        let bytes = to_bytes(&model);
        let second = &bytes[..bytes.len() - to_bytes(&model.joint).len()];
        let mut input = Reader::new(second);
        let old = AdmModel::decode_v2(&mut input).expect("decodes");
        input.finish().expect("all read");
        assert_eq!(old.joint, JointWeights::default());
        assert_eq!(
            AdmModel {
                joint: JointWeights::default(),
                ..model
            },
            old
        );
    }

    /// A snapshot written before slopes (the third layout: joint weights per micro-bin and
    /// symbol only) still decodes: the same counts and weights, the slopes and their moments
    /// afresh.
    #[test]
    fn the_third_layout_still_decodes() {
        let config = AdmConfig {
            technique: Technique::Joint,
            ..AdmConfig::default()
        };
        let mut model = AdmModel::new(&[PredictorKind::Numeric, PredictorKind::Symbolic]);
        for i in 0..30 {
            let values = [Value::Num(f64::from(i)), Value::from(format!("s{}", i % 2))];
            let scoring = model.compile(&config);
            model.learn(&values, i % 3 == 0, &scoring);
        }
        assert!(model.joint.predictors[0].slope.value != 0.0);
        assert_eq!(model.joint.predictors[0].moments.n, 30.0);
        let bytes = to_bytes(&model);
        let mut third = bytes[..bytes.len() - to_bytes(&model.joint).len()].to_vec();
        model.joint.encode_layout(&mut third, false);
        let mut input = Reader::new(&third);
        let old = AdmModel::decode_v3(&mut input).expect("decodes");
        input.finish().expect("all read");
        for p in &mut model.joint.predictors {
            p.slope = Weight::default();
            p.moments = Moments::default();
        }
        assert_eq!(model, old);
    }
}
