//! Issue 4's rule benchmark: one eligibility rule over varied profiles, evaluated by Concord's
//! compiled rules, by `zen-expression` (compiled once, input pre-built) and by a hand-written
//! closure, in the same run. Every engine's answer is checked against the closure's first.

use concord_model::{Attributes, CustomerId, Timestamp, Value};
use concord_profile::{CompiledSchema, ProfileStore};
use concord_strategy::{Frame, ProfileSchema, Rule, RuleEnv, ValueType, Var};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use std::sync::Arc;
use zen_expression::Variable;
use zen_expression::vm::VM;

const CONCORD_RULE: &str = "customer.plan == 'prepaid' && customer.data_used_pct >= 0.8 \
     && customer.tenure_days > 90 && !('BUNDLE_10GB' in holdings)";
const ZEN_RULE: &str = "plan == \"prepaid\" and data_used_pct >= 0.8 and tenure_days > 90 \
     and not (\"BUNDLE_10GB\" in active_products)";
const PROFILES: usize = 1024;
const PRODUCTS: [&str; 5] = [
    "BUNDLE_1GB",
    "BUNDLE_5GB",
    "BUNDLE_10GB",
    "VOICE_100",
    "ROAMING",
];

/// One customer as a plain struct: what the closure reads, and what the other inputs are built from.
#[derive(Debug, Clone)]
struct Profile {
    id: CustomerId,
    plan: String,
    data_used_pct: f64,
    tenure_days: f64,
    active_products: Vec<String>,
}

impl RuleEnv for Profile {
    fn lookup(&self, var: &Var) -> Value {
        match var {
            Var::Attribute { name, .. } => match name.as_str() {
                "plan" => Value::from(self.plan.as_str()),
                "data_used_pct" => Value::Num(self.data_used_pct),
                "tenure_days" => Value::Num(self.tenure_days),
                _ => Value::Null,
            },
            Var::Holdings => Value::List(
                self.active_products
                    .iter()
                    .map(|p| Value::from(p.as_str()))
                    .collect(),
            ),
            _ => Value::Null,
        }
    }
}

/// Varied profiles from a fixed seed: about a third prepaid, usage and tenure spread so each
/// clause of the rule decides for some of them.
fn profiles() -> Vec<Profile> {
    let mut state: u64 = 0x5eed;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as f64 / (1u64 << 31) as f64
    };
    (0..PROFILES)
        .map(|i| Profile {
            id: CustomerId::new(format!("2782{i:07}")),
            plan: ["prepaid", "postpaid", "hybrid"][(next() * 3.0) as usize % 3].to_owned(),
            data_used_pct: next(),
            tenure_days: (next() * 1000.0).floor(),
            active_products: PRODUCTS
                .iter()
                .filter(|_| next() < 0.3)
                .map(|p| (*p).to_owned())
                .collect(),
        })
        .collect()
}

fn schema() -> ProfileSchema {
    let mut schema = ProfileSchema::default();
    schema.attributes.insert("plan".into(), ValueType::String);
    schema
        .attributes
        .insert("data_used_pct".into(), ValueType::Number);
    schema
        .attributes
        .insert("tenure_days".into(), ValueType::Number);
    schema
}

fn closure(p: &Profile) -> bool {
    p.plan == "prepaid"
        && p.data_used_pct >= 0.8
        && p.tenure_days > 90.0
        && !p.active_products.iter().any(|x| x == "BUNDLE_10GB")
}

fn zen_input(p: &Profile) -> Variable {
    Variable::from(serde_json::json!({
        "plan": p.plan,
        "data_used_pct": p.data_used_pct,
        "tenure_days": p.tenure_days,
        "active_products": p.active_products,
    }))
}

fn bench(c: &mut Criterion) {
    let profiles = profiles();
    let schema = schema();
    let rule = Rule::compile(CONCORD_RULE, &schema).expect("the rule compiles");
    let zen = zen_expression::compile_expression(ZEN_RULE).expect("zen compiles");
    let zen_inputs: Vec<Variable> = profiles.iter().map(zen_input).collect();
    let store = ProfileStore::new(CompiledSchema::new(
        Arc::new(schema.clone()),
        Arc::from(Vec::new()),
    ));
    for p in &profiles {
        let mut attributes = Attributes::new();
        attributes.insert("plan".into(), Value::from(p.plan.as_str()));
        attributes.insert("data_used_pct".into(), Value::Num(p.data_used_pct));
        attributes.insert("tenure_days".into(), Value::Num(p.tenure_days));
        store.upsert(&p.id, &attributes, &p.active_products);
    }
    let now = Timestamp::UNIX_EPOCH;
    // Pre-built input for Concord, as for zen: one frame per profile, read once before timing.
    let frames: Vec<Frame<'_>> = profiles.iter().map(|p| Frame::new(&schema, p)).collect();
    let mut vm = VM::new();

    // Every engine must agree with the closure on every profile before anything is timed.
    let mut matches = 0;
    for (i, p) in profiles.iter().enumerate() {
        let want = closure(p);
        matches += usize::from(want);
        assert_eq!(rule.eval_frame(&frames[i]), Ok(want), "frame, profile {i}");
        let from_store = store.read(&p.id, |row| rule.eval_bool(&row.env(now)));
        assert_eq!(from_store, Some(Ok(want)), "store, profile {i}");
        let zen_out = zen
            .evaluate_with(zen_inputs[i].clone(), &mut vm)
            .expect("zen evaluates");
        assert_eq!(zen_out, Variable::Bool(want), "zen, profile {i}");
    }
    assert!(
        matches > 10 && matches < PROFILES / 2,
        "{matches} profiles match: too few to decide"
    );

    let mut group = c.benchmark_group("rule");
    group.throughput(Throughput::Elements(PROFILES as u64));
    group.bench_function("closure", |b| {
        b.iter(|| profiles.iter().filter(|p| closure(black_box(p))).count())
    });
    group.bench_function("concord_frame_prebuilt", |b| {
        b.iter(|| {
            frames
                .iter()
                .filter(|f| rule.eval_frame(black_box(*f)) == Ok(true))
                .count()
        })
    });
    group.bench_function("concord_store_row", |b| {
        b.iter(|| {
            profiles
                .iter()
                .filter(|p| {
                    store.read(&p.id, |row| rule.eval_bool(&row.env(now))) == Some(Ok(true))
                })
                .count()
        })
    });
    group.bench_function("concord_store_row_new_frame", |b| {
        b.iter(|| {
            profiles
                .iter()
                .filter(|p| {
                    store.read(&p.id, |row| {
                        let env = row.env(now);
                        rule.eval_frame(&Frame::new(&schema, &env))
                    }) == Some(Ok(true))
                })
                .count()
        })
    });
    group.bench_function("zen_expression_prebuilt", |b| {
        b.iter(|| {
            zen_inputs
                .iter()
                .filter(|input| {
                    matches!(
                        zen.evaluate_with((*input).clone(), &mut vm),
                        Ok(Variable::Bool(true))
                    )
                })
                .count()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
