//! `Hub::simulate`: a dry run of the strategy over a sample of the base. What it places adds
//! up (per channel, per action, over all channels); every propensity is the current model's
//! calibrated mean (recomputed here from the models and the decision's predictors, so a
//! Thompson draw would fail it); the sample is exact, seeded, nested and deterministic; and
//! nothing a client can observe changes.

mod common;

use concord_decide::{DecisionRequest, Scorer};
use concord_hub::{Hub, HubError, SimulateOptions, SimulatedDecision, SimulationReport};
use concord_model::{ActionId, ChannelId, CustomerId, Feature, Outcome, Timestamp, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

fn start() -> Timestamp {
    Timestamp::from_second(1_798_761_600).expect("valid time")
}

fn at(seconds: i64) -> Timestamp {
    start()
        .checked_add(jiff::SignedDuration::from_secs(seconds))
        .expect("valid time")
}

/// A hub over `n` simulated subscribers with a day of events, live decisions in three
/// channels from 10:00 local time (their impressions in the contact history) and responses
/// the models learnt from; the ids, who got an SMS, and a time an hour after it all.
struct World {
    _data: tempfile::TempDir,
    hub: Hub,
    ids: Vec<CustomerId>,
    texted: BTreeSet<CustomerId>,
    now: Timestamp,
}

fn world(n: usize) -> World {
    world_of(n, &common::example_files())
}

fn world_of(n: usize, files: &[(String, String)]) -> World {
    let data = tempfile::tempdir().expect("temp dir");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (mut operator, rows) = common::simulated_base(11, n, start());
    let ids: Vec<CustomerId> = operator
        .subscribers()
        .iter()
        .map(|s| s.id.clone())
        .collect();
    let hub = Hub::open(data.path(), common::strategy_from(files)).expect("opens");
    rt.block_on(hub.load_customers(rows)).expect("loads");
    // 08:00 UTC: 10:00 in Johannesburg (strategy.yaml time_zone), out of quiet hours.
    let mut t = 86_400 + 8 * 3_600;
    rt.block_on(hub.ingest(operator.events_until(at(t))))
        .expect("ingests");
    let mut texted = BTreeSet::new();
    for (k, id) in ids.iter().enumerate() {
        for channel in ["ussd", "app", "sms"] {
            t += 1;
            let request = DecisionRequest {
                channel: ChannelId::new(channel),
                context: Default::default(),
                limit: None,
                placement: None,
                explain: false,
            };
            let decision = rt
                .block_on(hub.decide(id, request, at(t)))
                .expect("decides");
            if channel == "sms" && !decision.record.actions.is_empty() {
                texted.insert(id.clone());
            }
            if let Some(top) = decision.record.actions.first() {
                let answer = if k % 3 == 0 {
                    Outcome::Accepted
                } else {
                    Outcome::Declined
                };
                rt.block_on(hub.respond(
                    &decision.record.decision_id,
                    &top.action_id,
                    answer,
                    at(t),
                ))
                .expect("responds");
            }
        }
    }
    hub.flush_learning();
    World {
        _data: data,
        hub,
        ids,
        texted,
        now: at(t + 3_600),
    }
}

/// One dry-run decision as the test keeps it: (action, propensity, value) placed, the
/// predictors, and how many actions were not to be mentioned.
type Kept = (
    CustomerId,
    ChannelId,
    Vec<(ActionId, f64, f64)>,
    Vec<Value>,
    usize,
);

fn simulate_keeping(hub: &Hub, options: &SimulateOptions) -> (SimulationReport, Vec<Kept>) {
    let kept = Mutex::new(Vec::new());
    let report = hub
        .simulate_each(options, |d: SimulatedDecision<'_>| {
            let placed = d
                .decision
                .actions
                .iter()
                .map(|a| (a.action_id.clone(), a.propensity, a.value))
                .collect();
            kept.lock().expect("lock").push((
                d.customer.clone(),
                d.channel.clone(),
                placed,
                d.decision.predictors.clone(),
                d.decision.do_not_mention.len(),
            ));
        })
        .expect("simulates");
    (report, kept.into_inner().expect("lock"))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

#[test]
fn what_is_placed_adds_up_and_scores_with_the_models_means() {
    let w = world(300);
    let options = SimulateOptions {
        sample: 0,
        ..SimulateOptions::new(w.now)
    };
    let (report, kept) = simulate_keeping(&w.hub, &options);
    let strategy = w.hub.strategy();
    assert_eq!(report.base, w.ids.len() as u64);
    assert_eq!(report.sample, report.base, "0 samples everyone");
    assert_eq!(report.channels.len(), strategy.channels().len());
    assert_eq!(
        kept.len() as u64,
        report.sample * report.channels.len() as u64
    );

    // Every placed propensity is the model's mean for the decision's predictors.
    let models = w.hub.models();
    let predictors = &strategy.models().predictors;
    let mut learnt = 0;
    // (channel, action) -> (placed, sum of propensities, sum of propensity x value)
    let mut sums: BTreeMap<(String, String), (u64, f64, f64)> = BTreeMap::new();
    let mut reached: BTreeMap<String, BTreeSet<CustomerId>> = BTreeMap::new();
    for (customer, channel, placed, values, _) in &kept {
        let features: Vec<Feature> = values
            .iter()
            .zip(predictors)
            .map(|(v, p)| Feature::of(v, p.numeric))
            .collect();
        for (action, propensity, value) in placed {
            let mean = models.propensity(action, channel, &features);
            assert_eq!(
                propensity.to_bits(),
                mean.to_bits(),
                "{action} in {channel}"
            );
            learnt += usize::from(models.model(action, channel).is_some());
            let s = sums
                .entry((channel.0.clone(), action.0.clone()))
                .or_default();
            s.0 += 1;
            s.1 += propensity;
            s.2 += propensity * value;
            reached
                .entry(action.0.clone())
                .or_default()
                .insert(customer.clone());
        }
    }
    assert!(
        learnt > 100,
        "placements scored by a learnt model: {learnt}"
    );

    for c in &report.channels {
        let mine: Vec<&Kept> = kept.iter().filter(|k| k.1 == c.channel).collect();
        assert_eq!(c.decided, report.sample, "{}", c.channel);
        assert_eq!(c.decided, mine.len() as u64);
        let empty = mine.iter().filter(|k| k.2.is_empty()).count() as u64;
        assert_eq!(c.no_action, empty, "{}", c.channel);
        let told = mine.iter().filter(|k| k.4 > 0).count() as u64;
        assert_eq!(c.do_not_mention, told, "{}", c.channel);
        let placed: u64 = mine.iter().map(|k| k.2.len() as u64).sum();
        assert_eq!(c.placed, placed, "{}", c.channel);
        assert_eq!(
            c.actions.iter().map(|a| a.impressions).sum::<u64>(),
            c.placed,
            "{}: the actions' impressions are the placements",
            c.channel
        );
        assert!(c.placed <= c.decided * c.slots as u64, "{}", c.channel);
        for a in &c.actions {
            let (n, accepts, value) = sums
                .get(&(c.channel.0.clone(), a.action.0.clone()))
                .copied()
                .unwrap_or_default();
            assert_eq!(
                (a.reach, a.impressions),
                (n, n),
                "{} {}",
                c.channel,
                a.action
            );
            assert!(
                close(a.expected_accepts, accepts),
                "{} {}",
                c.channel,
                a.action
            );
            assert!(close(a.expected_value, value), "{} {}", c.channel, a.action);
        }
    }
    let channels_placed: u64 = report.channels.iter().map(|c| c.placed).sum();
    assert!(channels_placed > 1_000, "{channels_placed}");
    for a in &report.actions {
        let per_channel = report
            .channels
            .iter()
            .flat_map(|c| &c.actions)
            .filter(|x| x.action == a.action);
        let impressions: u64 = per_channel.clone().map(|x| x.impressions).sum();
        assert_eq!(a.impressions, impressions, "{}", a.action);
        let accepts: f64 = per_channel.map(|x| x.expected_accepts).sum();
        assert!(close(a.expected_accepts, accepts), "{}", a.action);
        let distinct = reached.get(a.action.as_str()).map_or(0, BTreeSet::len);
        assert_eq!(a.reach, distinct as u64, "{}: customers, once", a.action);
    }
}

#[test]
fn the_sample_is_exact_seeded_nested_and_deterministic() {
    let w = world(120);
    let base = w.ids.len();
    // The customers decided for in one channel with (sample, seed).
    let sampled = |sample: usize, seed: u64| -> BTreeSet<CustomerId> {
        let options = SimulateOptions {
            sample,
            seed,
            channels: vec![ChannelId::new("ussd")],
            now: w.now,
        };
        let (report, kept) = simulate_keeping(&w.hub, &options);
        assert_eq!(report.sample, kept.len() as u64);
        kept.into_iter().map(|k| k.0).collect()
    };
    let check = |sample: usize, seed: u64, expected: usize| {
        let customers = sampled(sample, seed);
        assert_eq!(customers.len(), expected, "sample {sample} seed {seed}");
        assert!(customers.iter().all(|c| w.ids.contains(c)));
        customers
    };
    check(0, 0, base);
    check(base, 0, base);
    check(base + 10, 3, base);
    check(1, 0, 1);
    let small = check(10, 0, 10);
    let large = check(60, 0, 60);
    assert!(
        small.is_subset(&large),
        "a smaller sample is part of a larger"
    );
    assert_eq!(check(60, 0, 60), large, "the same seed, the same sample");
    assert_ne!(check(60, 1, 60), large, "another seed, another sample");

    let options = SimulateOptions {
        sample: 50,
        ..SimulateOptions::new(w.now)
    };
    assert_eq!(
        w.hub.simulate(&options).expect("simulates"),
        w.hub.simulate(&options).expect("simulates"),
        "the same data and options give the same report"
    );
}

#[test]
fn a_dry_run_changes_nothing_a_client_can_see() {
    let w = world(150);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let before = rt.block_on(common::observe(&w.hub, &w.ids, w.now));
    let journal_end = w.hub.stats().journal_end;
    let report = w
        .hub
        .simulate(&SimulateOptions {
            sample: 0,
            ..SimulateOptions::new(w.now)
        })
        .expect("simulates");
    assert!(report.channels.iter().any(|c| c.placed > 0));
    let after = rt.block_on(common::observe(&w.hub, &w.ids, w.now));
    assert_eq!(before, after);
    assert_eq!(w.hub.stats().journal_end, journal_end, "nothing journaled");
}

#[test]
fn decisions_are_judged_on_the_contact_history() {
    // Outbound capping off, so the live SMS reach many: contact.yaml allows one outbound
    // contact a day, and the dry run, an hour later, is the same day.
    let w = world_of(200, &common::uncapped_example_files());
    assert!(w.texted.len() > 20, "{} texted", w.texted.len());
    let options = SimulateOptions {
        sample: 0,
        channels: ["sms", "email", "push"].map(ChannelId::new).to_vec(),
        ..SimulateOptions::new(w.now)
    };
    let (report, kept) = simulate_keeping(&w.hub, &options);
    let contacted: BTreeSet<&CustomerId> = kept
        .iter()
        .filter(|k| !k.2.is_empty())
        .map(|k| &k.0)
        .collect();
    assert!(
        contacted.len() > 10,
        "others are contacted: {}",
        contacted.len()
    );
    let again: Vec<_> = contacted
        .iter()
        .filter(|c| w.texted.contains(**c))
        .collect();
    assert!(
        again.is_empty(),
        "{} texted today and contacted again, e.g. {:?}",
        again.len(),
        again.first()
    );
    assert!(report.channels.iter().all(|c| c.decided == report.sample));
}

#[test]
fn channels_are_simulated_as_asked_and_an_unknown_one_is_refused() {
    let w = world(40);
    let options = |channels: &[&str]| SimulateOptions {
        channels: channels.iter().map(|c| ChannelId::new(*c)).collect(),
        ..SimulateOptions::new(w.now)
    };
    let report = w
        .hub
        .simulate(&options(&["sms", "ussd", "sms"]))
        .expect("simulates");
    let names: Vec<&str> = report.channels.iter().map(|c| c.channel.as_str()).collect();
    assert_eq!(names, ["sms", "ussd"], "in the order asked, once");
    assert_eq!(
        report.channels.iter().map(|c| c.slots).collect::<Vec<_>>(),
        [1, 3],
        "sms places one action; ussd the strategy's default limit"
    );

    let refused = w.hub.simulate(&options(&["ussd", "fax"]));
    let Err(error @ HubError::Decide(_)) = refused else {
        panic!("an unknown channel is refused: {refused:?}");
    };
    let message = error.to_string();
    assert!(
        message.contains("\"fax\"") && message.contains("ussd, call_centre, app"),
        "{message}"
    );
}
