//! `concord bench decide`: in-process decision latency. A strategy of `--actions` generated
//! actions (the example's profile, channels, suppressions and context weights; varied rules,
//! policies at every level, holdings; caps and pauses that apply to the inbound channels
//! decided in) decides for simulated customers whose profiles hold a day of events and whose
//! contact histories hold `--contacts` entries, one decision at a time, each timed.

use crate::cli::BenchDecideArgs;
use crate::demo;
use anyhow::Context;
use concord_decide::{DecisionRequest, History, decide};
use concord_model::{ActionId, Attributes, ChannelId, Value};
use concord_profile::{CompiledSchema, ProfileStore};
use concord_strategy::Strategy;
use rand::{Rng, SeedableRng};
use std::fmt::Write as _;
use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

const ISSUES: [&str; 5] = ["growth", "retention", "service", "onboarding", "winback"];
const GROUPS_PER_ISSUE: usize = 10;
const CHANNELS: [&str; 3] = ["ussd", "app", "call_centre"];

/// Eligibility templates over the example profile; `{a}`, `{b}` vary per action.
fn eligibility(i: usize) -> Option<String> {
    let a = 10 + (i * 37) % 400;
    let b = 1 + (i * 13) % 30;
    Some(match i % 6 {
        0 => format!(
            "customer.segment == 'prepaid' && customer.balance >= {b} && customer.tenure_months > {}",
            b % 12
        ),
        1 => format!("customer.arpu >= {a} && !('data_5gb' in holdings)"),
        2 => format!(
            "customer.dropped_calls_24h >= {} || context.call_reason == 'network'",
            1 + b % 3
        ),
        3 => format!(
            "customer.device_type == 'smartphone' && customer.data_sessions_30d >= {}",
            b % 8
        ),
        4 => format!(
            "customer.segment == 'postpaid' && customer.tenure_months >= {} && customer.arpu < {a}",
            b % 24
        ),
        _ => return None,
    })
}

/// actions/*.yaml files for `n` generated actions across 5 issues x 10 groups: the issues
/// first, then 1,000 actions a file (one file of 10,000 would pass the YAML reader's node budget).
fn actions_files(n: usize) -> Vec<(String, String)> {
    let mut files = vec![("actions/issues.yaml".to_owned(), issues_yaml())];
    for (k, chunk) in (0..n).collect::<Vec<_>>().chunks(1_000).enumerate() {
        let mut out = String::from("actions:\n");
        for &i in chunk {
            action_yaml(i, &mut out);
        }
        files.push((format!("actions/generated_{k:03}.yaml"), out));
    }
    files
}

fn issues_yaml() -> String {
    let mut out = String::from("issues:\n");
    for (k, issue) in ISSUES.iter().enumerate() {
        let _ = writeln!(out, "  - id: {issue}\n    name: {issue}\n    groups:");
        for g in 0..GROUPS_PER_ISSUE {
            let policy = match (k + g) % 4 {
                0 => ", applicability: \"context.call_reason != 'billing'\"",
                1 => ", suitability: \"customer.tenure_months >= 1\"",
                _ => "",
            };
            let _ = writeln!(out, "      - {{id: {issue}_g{g}, name: group {g}{policy}}}");
        }
    }
    out
}

fn action_yaml(i: usize, out: &mut String) {
    {
        let issue = ISSUES[i % ISSUES.len()];
        let group = (i / ISSUES.len()) % GROUPS_PER_ISSUE;
        let kind = if issue == "service" {
            "service"
        } else {
            "sales"
        };
        let _ = writeln!(
            out,
            "  - id: a{i:05}\n    name: action {i}\n    issue: {issue}\n    group: {issue}_g{group}\n    kind: {kind}\n    value: {}",
            5 + (i * 37) % 200
        );
        if let Some(rule) = eligibility(i) {
            let _ = writeln!(out, "    eligibility: \"{rule}\"");
        }
        if i.is_multiple_of(7) {
            let _ = writeln!(out, "    suitability: \"customer.balance >= {}\"", i % 20);
        }
        if i.is_multiple_of(13) {
            let _ = writeln!(out, "    product: prod_{i}");
        }
        if i.is_multiple_of(17) {
            let _ = writeln!(out, "    requires: [voice_basic]");
        }
        if i.is_multiple_of(11) {
            let _ = writeln!(out, "    lever: 1.5");
        }
        let _ = writeln!(
            out,
            "    treatments:\n      ussd: {{text: \"Offer {i}\"}}\n      app: {{text: \"Offer {i} in the app\"}}\n      call_centre: {{text: \"Offer {i}: tell the customer\"}}\n      sms: {{text: \"Offer {i}: dial *123# to take it\"}}"
        );
    }
}

/// The generated strategy's files: the example's strategy, channels and profile (and the
/// self-service items its USSD menu falls back to), and the generated actions.
fn generated_files(n: usize) -> anyhow::Result<Vec<(String, String)>> {
    let dir = demo::default_strategy_dir();
    let mut files = Vec::new();
    for name in [
        "strategy.yaml",
        "channels.yaml",
        "profile.yaml",
        "models.yaml",
    ] {
        let text =
            std::fs::read_to_string(dir.join(name)).with_context(|| format!("reading {name}"))?;
        // No circuit breakers: their defaults name the example's actions, and a breaker that
        // opened under load would answer defaults instead of deciding, flattering the figures.
        let text: String = text
            .lines()
            .filter(|line| !line.trim_start().starts_with("breaker:"))
            .map(|line| format!("{line}\n"))
            .collect();
        files.push((name.to_owned(), text));
    }
    files.push(("contact.yaml".to_owned(), CONTACT_YAML.to_owned()));
    // The USSD menu's fallback items, which channels.yaml names.
    let self_service = "actions/self_service.yaml";
    files.push((
        self_service.to_owned(),
        std::fs::read_to_string(dir.join(self_service))
            .with_context(|| format!("reading {self_service}"))?,
    ));
    files.extend(actions_files(n));
    Ok(files)
}

/// Caps and pauses the benchmark's channels (all inbound) are judged by.
const CONTACT_YAML: &str = "inbound_exempt: false
caps:
  - {id: same_offer_per_week, each: action, max: 3, per: week}
  - {id: group_per_day, each: group, max: 6, per: day}
  - {id: all_per_day, max: 60, per: day}
pauses:
  - {id: declined_twice, outcome: declined, count: 2, within: 30d, pause: 60d}
  - {id: group_ignored, outcome: ignored, count: 3, within: 14d, pause: 30d, each: group}
";

/// Responses each benchmark model learns before decisions are timed.
const MODEL_RESPONSES: usize = 30;

fn trained_models(
    strategy: &Strategy,
    store: &ProfileStore,
    ids: &[concord_model::CustomerId],
    now: jiff::Timestamp,
    rng: &mut impl Rng,
) -> anyhow::Result<Arc<concord_learn::ModelSnapshot>> {
    use concord_model::{DecisionId, Outcome, ResponseRecord};
    use concord_strategy::Frame;
    let config = concord_hub::learn_config(strategy);
    let learner = concord_learn::Learner::new(config);
    let mut responses = Vec::new();
    for action in strategy.actions() {
        for channel in CHANNELS {
            for _ in 0..MODEL_RESPONSES {
                let id = &ids[rng.random_range(0..ids.len())];
                let predictors: Vec<Value> = store
                    .read(id, |p| {
                        let env = p.env(now);
                        let frame = Frame::new(strategy.profile_schema(), &env);
                        strategy
                            .models()
                            .predictors
                            .iter()
                            .map(|pr| pr.formula.eval(&frame).unwrap_or(Value::Null))
                            .collect()
                    })
                    .context("a simulated customer")?;
                let outcome = if rng.random_bool(0.1) {
                    Outcome::Accepted
                } else {
                    Outcome::Declined
                };
                responses.push((
                    ResponseRecord {
                        decision_id: DecisionId::new("bench"),
                        action_id: ActionId::new(action.id.as_str()),
                        customer_id: id.clone(),
                        channel: ChannelId::new(channel),
                        outcome,
                        time: now,
                        custom_outcome: None,
                    },
                    predictors,
                ));
            }
        }
    }
    let batch: Vec<concord_learn::Learned<'_>> = responses
        .iter()
        .map(|(response, predictors)| concord_learn::Learned {
            response,
            predictors,
        })
        .collect();
    learner.learn(&batch);
    Ok(learner.snapshot())
}

/// `n` contacts over the 30 days before `now_ms`: mostly impressions, some declines and
/// ignores, of random actions in the benchmark's channels.
fn history(
    rng: &mut impl Rng,
    strategy: &Strategy,
    n: usize,
    now_ms: i64,
) -> Vec<concord_decide::Contact> {
    use concord_model::ContactKind;
    let channels: Vec<u16> = CHANNELS
        .iter()
        .filter_map(|c| strategy.channel_at(c).map(|(i, _)| i as u16))
        .collect();
    let mut list: Vec<_> = (0..n)
        .map(|_| concord_decide::Contact {
            time_ms: now_ms - rng.random_range(0..30 * 86_400_000i64),
            action: rng.random_range(0..strategy.actions().len() as u32),
            channel: channels[rng.random_range(0..channels.len())],
            kind: match rng.random_range(0..10) {
                0 => ContactKind::Declined,
                1 => ContactKind::Ignored,
                _ => ContactKind::Impression,
            },
        })
        .collect();
    list.sort_by_key(|c| c.time_ms);
    list
}

pub(crate) fn generated_strategy(n: usize) -> anyhow::Result<Strategy> {
    let files = generated_files(n)?;
    Strategy::from_files(
        files
            .iter()
            .map(|(path, text)| (path.as_str(), text.as_str())),
    )
    .map_err(|e| anyhow::anyhow!("the generated strategy is invalid:\n{e}"))
}

/// Writes the generated strategy folder.
fn write_strategy(n: usize, dir: &std::path::Path) -> anyhow::Result<()> {
    generated_strategy(n)?;
    for (path, text) in generated_files(n)? {
        let target = dir.join(&path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        std::fs::write(&target, text).with_context(|| format!("writing {}", target.display()))?;
    }
    Ok(())
}

/// `concord bench echo`: POST /echo answers the JSON it was sent, nothing else.
#[allow(clippy::print_stdout)]
pub fn echo(args: crate::cli::BenchEchoArgs) -> anyhow::Result<()> {
    use axum::routing::post;
    let app = axum::Router::new().route(
        "/echo",
        post(|axum::Json(body): axum::Json<serde_json::Value>| async move { axum::Json(body) }),
    );
    crate::serve::runtime()?.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&args.listen)
            .await
            .with_context(|| format!("listening on {}", args.listen))?;
        println!("echo listening on http://{}", listener.local_addr()?);
        axum::serve(listener, app).await?;
        anyhow::Ok(())
    })
}

#[allow(clippy::print_stdout)]
pub fn run(args: BenchDecideArgs) -> anyhow::Result<()> {
    if let Some(dir) = &args.write_strategy {
        write_strategy(args.actions, dir)?;
        println!(
            "wrote a strategy of {} actions to {}",
            args.actions,
            dir.display()
        );
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    let strategy = generated_strategy(args.actions)?;
    writeln!(
        out,
        "concord bench decide: {} generated actions (and 2 self-service items), {} customers ({} contacts each), {} decisions",
        args.actions, args.subscribers, args.contacts, args.decisions
    )?;
    let (mut operator, start) = crate::bench::simulated_operator(args.seed, args.subscribers)?;
    let now = start.checked_add(jiff::SignedDuration::from_hours(24))?;
    let events = operator.events_until(now);
    let store = ProfileStore::new(CompiledSchema::new(
        Arc::new(strategy.profile_schema().clone()),
        Arc::from(strategy.triggers().to_vec()),
    ));
    for s in operator.subscribers() {
        store.upsert(&s.id, &s.attributes, &s.initial_holdings);
    }
    for batch in events.chunks(10_000) {
        store.apply_events(batch, now.as_millisecond());
    }
    let ids: Vec<_> = operator
        .subscribers()
        .iter()
        .map(|s| s.id.clone())
        .collect();

    // Adaptive models for every action in every channel, each taught `MODEL_RESPONSES`
    // responses of random customers (their predictor values, a 10% accept rate), published by
    // the learner as decisions read them.
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(args.seed);
    let models = trained_models(&strategy, &store, &ids, now, &mut rng)?;
    let histories: Vec<_> = ids
        .iter()
        .map(|_| history(&mut rng, &strategy, args.contacts, now.as_millisecond()))
        .collect();
    let reasons = [None, Some("cancel"), Some("billing"), Some("network")];
    let mut latencies = Vec::with_capacity(args.decisions);
    let mut ranked = 0usize;
    for n in 0..args.decisions + 1_000 {
        let who = rng.random_range(0..ids.len());
        let id = &ids[who];
        let history = History {
            own: &histories[who],
            ..History::default()
        };
        let mut context = Attributes::new();
        if let Some(reason) = reasons[n % reasons.len()] {
            context.insert("call_reason".into(), Value::from(reason));
        }
        let request = DecisionRequest {
            channel: ChannelId::new(CHANNELS[n % CHANNELS.len()]),
            context,
            limit: None,
            placement: None,
            explain: false,
        };
        // As the hub scores: Thompson sampling from the decision's seed when models.yaml
        // explores (the example does).
        let explore = concord_learn::Thompson::new(&models, n as u64);
        let scorer: &dyn concord_decide::Scorer = if strategy.models().thompson {
            &explore
        } else {
            &*models
        };
        let t = Instant::now();
        let decision = store
            .read(id, |p| {
                decide(&strategy, &p.env(now), &request, scorer, &history, now)
            })
            .context("a simulated customer")??;
        let elapsed = t.elapsed();
        if n >= 1_000 {
            latencies.push(elapsed.as_secs_f64() * 1e6);
            ranked += decision.actions.len();
        }
    }
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q).round() as usize];
    let mean = latencies.iter().sum::<f64>() / latencies.len().max(1) as f64;
    let count = latencies.len().max(1) as f64;
    writeln!(
        out,
        "| actions | p50 | p90 | p99 | p99.9 | max | mean | decisions/s (one thread) | actions returned |"
    )?;
    writeln!(out, "|---|---|---|---|---|---|---|---|---|")?;
    writeln!(
        out,
        "| {} | {:.0} us | {:.0} us | {:.0} us | {:.0} us | {:.0} us | {:.0} us | {:.0} | {:.2} |",
        args.actions,
        at(0.5),
        at(0.9),
        at(0.99),
        at(0.999),
        latencies.last().copied().unwrap_or(0.0),
        mean,
        1e6 / mean,
        ranked as f64 / count
    )?;
    Ok(())
}
