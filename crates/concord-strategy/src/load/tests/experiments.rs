//! experiments.yaml `places` and `experiments`: every defect an experiment can have, each
//! located at its file:line:col and field, and what a valid one compiles into.

use super::*;

const PROFILE: &str = "attributes:
  segment: string
  home_store: string
  balance: number
context:
  store_id: string
";
const ACTIONS: &str = "issues:
  - id: growth
    name: Growth
    lever: 2
    groups: [{id: data, name: Data, lever: 3}]
  - id: retention
    name: Retention
    groups: [{id: save, name: Save}]
actions:
  - {id: a1, name: A1, issue: growth, group: data, kind: sales, value: 1, lever: 5,
     treatments: {ussd: {text: hi}}}
  - {id: a2, name: A2, issue: retention, group: save, kind: sales, value: 1,
     treatments: {ussd: {text: hi}}}
";
const PLACES: &str = "places:
  store_from: [context.store_id, customer.home_store]
  regions:
    north: [N1, N2]
    south: [S1]
";

fn load(experiments: &str) -> Result<Strategy, String> {
    Strategy::from_files([
        ("strategy.yaml", STRATEGY),
        ("channels.yaml", CHANNELS),
        ("profile.yaml", PROFILE),
        ("actions/main.yaml", ACTIONS),
        ("experiments.yaml", experiments),
    ])
    .map_err(|e| e.to_string())
}

/// One experiment after `experiments:` with the places above, to vary.
fn with(experiment: &str) -> String {
    format!("{PLACES}experiments:\n{experiment}")
}

#[test]
fn a_valid_experiment_compiles() {
    let text = with(
        "  - name: push
    description: Retention harder.
    where: \"customer.segment == 'prepaid'\"
    rollout:
      - {from: 2026-11-01, stores: [N1]}
      - {from: \"2026-11-10T08:00:00+02:00\", regions: [north]}
      - {from: 2026-12-01}
    until: 2027-01-01
    challengers:
      - name: boost
        share: 0.25
        levers: [{target: {issue: retention}, multiply: 1.5}, {target: {action: a1}, multiply: 0.5}]
        arbitration: {use_levers: true, max_per_group: 1, use_value: false}
      - {name: quiet, share: 0.5, off: [{group: data}]}
",
    );
    let strategy = load(&text).unwrap_or_else(|e| panic!("{e}"));
    let experiments = strategy.experiments();
    let places = experiments.places.as_ref().expect("places");
    assert_eq!(places.regions.get("N2").map(String::as_str), Some("north"));
    assert_eq!(places.store_from.len(), 2);
    let push = &experiments.list[0];
    assert_eq!((push.name.as_str(), push.salt.as_str()), ("push", "push"));
    assert_eq!(push.description, "Retention harder.");
    assert_eq!(push.stages.len(), 3);
    assert_eq!(push.stages[1].from.as_second(), 1_794_290_400);
    assert!(push.stages[1].regions.contains("north"));
    assert!(push.stages[2].reaches_everyone());
    let boost = &push.challengers[0];
    // a1: issue 2 x group 3 x action 5 x 0.5 = 15; a2: 1 x 1.5.
    assert_eq!(boost.levers, [15.0, 1.5]);
    assert_eq!(boost.arbitration.max_per_group, Some(1));
    assert!(!boost.arbitration.use_value && boost.arbitration.use_propensity);
    let quiet = &push.challengers[1];
    assert_eq!(quiet.off, [true, false]);
    assert_eq!(quiet.off_actions, [concord_model::ActionId::new("a1")]);
    assert_eq!(
        quiet.levers,
        [30.0, 1.0],
        "no multipliers: the strategy's levers"
    );
    assert_eq!(push.variant_name(0), "champion");
    assert_eq!(push.variant_name(2), "quiet");
    // Without experiments.yaml, or without `experiments`, there are none.
    assert!(load("").expect("loads").experiments().is_empty());
}

#[test]
fn experiment_defects_are_located() {
    let one = |challengers: &str| with(&format!("  - name: push\n    challengers:\n{challengers}"));
    let share_why = "share must be a number strictly between 0 and 1, the fraction of the experiment's customers who get this challenger";
    let cases: Vec<(String, Vec<String>)> = vec![
        (
            one("      - {name: a, share: 0}\n      - {name: b, share: 1}\n      - {name: c, share: 50%}\n"),
            vec![
                format!("experiments.yaml:9:26: experiments[0].challengers[0].share: {share_why}; found 0"),
                format!("experiments.yaml:10:26: experiments[0].challengers[1].share: {share_why}; found 1"),
                format!("experiments.yaml:11:26: experiments[0].challengers[2].share: {share_why}; found `50%` (write 50% as 0.5)"),
            ],
        ),
        (
            one("      - {name: a, share: 0.6}\n      - {name: b, share: 0.4}\n"),
            vec!["experiments.yaml:10:26: experiments[0].challengers[1].share: the challengers' shares add up to 1 by here: they must stay under 1, the rest being the champion's customers".into()],
        ),
        (
            one("      - {name: champion, share: 0.1}\n      - {name: b, share: 0.1}\n      - {name: b, share: 0.1}\n"),
            vec![
                "experiments.yaml:9:16: experiments[0].challengers[0].name: challenger name `champion` must be lowercase snake_case and not `champion`".into(),
                "experiments.yaml:11:16: experiments[0].challengers[2].name: duplicate challenger name `b`".into(),
            ],
        ),
        (
            one("      - {name: a, share: 0.1, levers: [{target: {action: a9}, multiply: -1}], off: [{group: nope}]}\n"),
            vec![
                "experiments.yaml:9:58: experiments[0].challengers[0].levers[0].target.action: unknown action `a9`".into(),
                "experiments.yaml:9:73: experiments[0].challengers[0].levers[0].multiply: multiply must be a number >= 0, found -1".into(),
                "experiments.yaml:9:93: experiments[0].challengers[0].off[0].group: unknown group `nope` (declared: data, save)".into(),
            ],
        ),
        (
            one("      - {name: a, share: 0.1, arbitration: {max_per_group: 0}}\n"),
            vec!["experiments.yaml:9:60: experiments[0].challengers[0].arbitration.max_per_group: max_per_group must be at least 1".into()],
        ),
        (
            with("  - name: push\n    challengers: []\n"),
            vec!["experiments.yaml:7:11: experiments[0].challengers: an experiment needs at least one challenger".into()],
        ),
        (
            with("  - name: Push-1\n    salt: \"\"\n    where: \"customer.nowhere == 1\"\n    challengers: [{name: a, share: 0.1}]\n"),
            vec![
                "experiments.yaml:7:11: experiments[0].name: experiment name `Push-1` must be lowercase snake_case".into(),
                "experiments.yaml:8:11: experiments[0].salt: salt must be a non-empty string".into(),
                "experiments.yaml:9:22: experiments[0].where: unknown attribute `customer.nowhere`".into(),
            ],
        ),
        (
            with("  - name: push\n    rollout:\n      - {from: 2026-12-01, stores: [N1, N9]}\n      - {from: 2026-11-01, regions: [west]}\n      - {from: soon}\n    until: 2026-10-01\n    challengers: [{name: a, share: 0.1}]\n"),
            vec![
                "experiments.yaml:9:41: experiments[0].rollout[0].stores: unknown store `N9`: not in places.regions (known: N1, N2, S1)".into(),
                "experiments.yaml:10:16: experiments[0].rollout[1].from: stages must start in time order".into(),
                "experiments.yaml:10:38: experiments[0].rollout[1].regions: unknown region `west`: not in places.regions (known: north, south)".into(),
                "experiments.yaml:11:16: experiments[0].rollout[2].from: `soon` is not a time: write RFC 3339".into(),
                "experiments.yaml:12:12: experiments[0].until: until (2026-10-01T00:00:00Z) must come after the first roll-out stage starts".into(),
            ],
        ),
        (
            "experiments:\n  - name: push\n    rollout: [{from: 2026-12-01, stores: [N1]}]\n    challengers: [{name: a, share: 0.1}]\n".into(),
            vec!["experiments.yaml:3:43: experiments[0].rollout[0].stores: the stage names stores, but experiments.yaml has no `places` catalogue to find `N1` in".into()],
        ),
        (
            with("  - {name: push, challengers: [{name: a, share: 0.1}]}\n  - {name: push, where: \"customer.balance > 0\", challengers: [{name: a, share: 0.1}]}\n"),
            vec![
                "experiments.yaml:8:12: experiments[1].name: duplicate experiment name `push`".into(),
                "experiments.yaml:8:12: experiments[1].name: experiment `push` would never run: `push`, earlier in the file, takes every decision for all of its run".into(),
            ],
        ),
        (
            "places:\n  store_from: [customer.balance]\n  regions:\n    north: [N1]\n    south: [N1]\n".into(),
            vec![
                "experiments.yaml:2:16: places.store_from[0]: `customer.balance` is a Number expression; a store is a string (a store id)".into(),
                "experiments.yaml:5:13: places.regions.south: store `N1` is listed in region `north` already: a store is in one region".into(),
            ],
        ),
    ];
    let mut wrong = Vec::new();
    for (text, expected) in &cases {
        let actual = match load(text) {
            Ok(_) => "ok".to_owned(),
            Err(e) => e,
        };
        let lines: Vec<&str> = actual.lines().collect();
        let fits = lines.len() == expected.len()
            && lines
                .iter()
                .zip(expected)
                .all(|(l, w)| l.contains(w.as_str()));
        if !fits {
            wrong.push(format!("{text}\nexpected {expected:#?}\nactual:\n{actual}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n---\n"));
}

/// An earlier experiment that takes everyone for part of a later one's run leaves it the rest:
/// no error; for all of it: an error.
#[test]
fn only_an_experiment_that_can_never_run_is_refused() {
    let two = |first: &str, second: &str| {
        with(&format!(
            "  - {{name: first, {first}challengers: [{{name: a, share: 0.1}}]}}\n  - {{name: second, {second}challengers: [{{name: a, share: 0.1}}]}}\n"
        ))
    };
    let ok = [
        ("until: 2026-12-01, ", ""),
        (
            "rollout: [{from: 2026-12-01}], ",
            "rollout: [{from: 2026-11-01}], ",
        ),
        ("rollout: [{from: 2026-11-01, regions: [south]}], ", ""),
        ("where: \"customer.balance > 5\", ", ""),
    ];
    for (first, second) in ok {
        assert!(load(&two(first, second)).is_ok(), "{first} / {second}");
    }
    let never = [
        ("", ""),
        ("", "rollout: [{from: 2026-11-01}], until: 2026-12-01, "),
        (
            "rollout: [{from: 2026-10-01}], ",
            "rollout: [{from: 2026-11-01}], ",
        ),
    ];
    for (first, second) in never {
        let err = load(&two(first, second)).expect_err("never runs");
        assert!(err.contains("`second` would never run"), "{err}");
    }
}
