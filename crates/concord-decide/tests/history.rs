//! Contact history rules (contact.yaml): caps per channel and period across actions, per
//! action, group and household; inbound exemption; pauses after outcomes; volume budgets.
//! Each case: rules, a history, a request time, and what is offered or why not.

use concord_decide::{Contact, DecisionRequest, History, Scorer, VolumeUse, decide};
use concord_model::{
    ActionId, Attributes, ChannelId, ContactKind, Feature, Timestamp, TraceStage, Value,
};
use concord_strategy::{RuleEnv, Strategy, Var};

const STRATEGY: &str = "name: t
version: \"1\"
default_limit: 3
time_zone: {default: Africa/Johannesburg}
";
const CHANNELS: &str = "channels:
  - {id: ussd, name: USSD, direction: inbound, max_actions: 3}
  - {id: sms, name: SMS, direction: outbound, max_actions: 3, cost: 0.5}
";
const PROFILE: &str = "attributes:
  household_id: string
";
// Priorities: r1 (40) > a1 (30) > a2 (20) > b1 (10).
const ACTIONS: &str = "issues:
  - id: growth
    name: Growth
    groups: [{id: data, name: Data}, {id: voice, name: Voice}]
  - id: retention
    name: Retention
    groups: [{id: save, name: Save}]
actions:
  - {id: a1, name: A1, issue: growth, group: data, kind: sales, value: 30, treatments: {ussd: {text: a}, sms: {text: a}}}
  - {id: a2, name: A2, issue: growth, group: data, kind: sales, value: 20, treatments: {ussd: {text: a}, sms: {text: a}}}
  - {id: b1, name: B1, issue: growth, group: voice, kind: sales, value: 10, treatments: {ussd: {text: b}, sms: {text: b}}}
  - {id: r1, name: R1, issue: retention, group: save, kind: sales, value: 40, treatments: {ussd: {text: r}, sms: {text: r}}}
";

fn strategy(contact: &str) -> Strategy {
    Strategy::from_files([
        ("strategy.yaml", STRATEGY),
        ("channels.yaml", CHANNELS),
        ("profile.yaml", PROFILE),
        ("actions/all.yaml", ACTIONS),
        ("contact.yaml", contact),
    ])
    .unwrap_or_else(|e| panic!("test strategy is valid:\n{e}"))
}

struct Nobody;

impl RuleEnv for Nobody {
    fn lookup(&self, _: &Var) -> Value {
        Value::Null
    }
}

struct Even;

impl Scorer for Even {
    fn propensity(&self, _: &ActionId, _: &ChannelId, _: &[Feature]) -> f64 {
        1.0
    }
}

fn at(time: &str) -> Timestamp {
    time.parse().expect("valid time")
}

/// (action, channel, kind, UTC time) -> a contact, positions resolved in `strategy`.
fn contacts(strategy: &Strategy, entries: &[(&str, &str, ContactKind, &str)]) -> Vec<Contact> {
    entries
        .iter()
        .map(|(action, channel, kind, time)| Contact {
            time_ms: at(time).as_millisecond(),
            action: strategy.action_index(action).expect("declared action") as u32,
            channel: strategy
                .channels()
                .iter()
                .position(|c| c.id.as_str() == *channel)
                .expect("declared channel") as u16,
            kind: *kind,
        })
        .collect()
}

use ContactKind::{Declined, Impression};

struct Case<'a> {
    name: &'a str,
    contact: &'a str,
    own: &'a [(&'a str, &'a str, ContactKind, &'a str)],
    household: &'a [(&'a str, &'a str, ContactKind, &'a str)],
    volume: &'a [VolumeUse],
    channel: &'a str,
    now: &'a str,
    offered: &'a [&'a str],
    /// (action, stage, reason substring) for actions held back.
    dropped: &'a [(&'a str, TraceStage, &'a str)],
}

const NOW: &str = "2026-11-23T10:00:00Z"; // Monday, 12:00 in Johannesburg
const SMS_DAY: &str = "caps: [{id: sms_day, channels: [sms], max: 1, per: day}]";
const ALL_WEEK: &str = "caps: [{id: two_a_week, max: 2, per: week}]";
const ALL_WEEK_INBOUND_TOO: &str =
    "caps: [{id: two_a_week, max: 2, per: week, inbound_exempt: false}]";
const EACH_ACTION: &str =
    "inbound_exempt: false\ncaps: [{id: once_a_month, each: action, max: 1, per: month}]";
const EACH_GROUP: &str = "caps: [{id: group_week, channels: [ussd], each: group, max: 1, per: 7d}]";
const HOUSEHOLD: &str = "household_attribute: household_id\ncaps: [{id: home_sms, channels: [sms], household: true, max: 1, per: week}]";
const PAUSE: &str = "pauses: [{id: declined_twice, outcome: declined, count: 2, within: 30d, pause: 60d, each: group}]";
const VOLUME: &str = "volume: [{id: sms_day, channels: [sms], per: day, max: 10}]";
const VOLUME_COST: &str = "volume: [{id: sms_cost, channels: [sms], per: month, max_cost: 1.0}]";
const VOLUME_RETENTION: &str =
    "volume: [{id: saves, channels: [sms], target: {issue: retention}, per: day, max: 5}]";

#[test]
fn history_rules_hold_actions_back() {
    let cases = [
        Case {
            name: "yesterday in local time does not count today",
            contact: SMS_DAY,
            own: &[("a1", "sms", Impression, "2026-11-22T21:30:00Z")], // 23:30 Sunday local
            household: &[],
            volume: &[],
            channel: "sms",
            now: NOW,
            offered: &["r1"],
            dropped: &[(
                "a1",
                TraceStage::ContactPolicy,
                "cap sms_day: 1 impressions today",
            )],
        },
        Case {
            name: "after local midnight it does: the day cap closes the channel",
            contact: SMS_DAY,
            own: &[("a1", "sms", Impression, "2026-11-22T22:30:00Z")], // 00:30 Monday local
            household: &[],
            volume: &[],
            channel: "sms",
            now: NOW,
            offered: &[],
            dropped: &[(
                "r1",
                TraceStage::ContactPolicy,
                "cap sms_day: 1 impressions today, max 1",
            )],
        },
        Case {
            name: "an sms cap does not hold back an inbound session",
            contact: SMS_DAY,
            own: &[("a1", "sms", Impression, "2026-11-23T08:00:00Z")],
            household: &[],
            volume: &[],
            channel: "ussd",
            now: NOW,
            offered: &["r1", "a1", "a2"],
            dropped: &[],
        },
        Case {
            name: "inbound impressions count toward an all-channel cap on outbound",
            contact: ALL_WEEK,
            own: &[
                ("a1", "ussd", Impression, "2026-11-22T23:00:00Z"), // Monday 01:00 local
                ("b1", "ussd", Impression, "2026-11-23T09:00:00Z"),
            ],
            household: &[],
            volume: &[],
            channel: "sms",
            now: NOW,
            offered: &[],
            dropped: &[(
                "a1",
                TraceStage::ContactPolicy,
                "2 impressions this week, max 2",
            )],
        },
        Case {
            name: "last week's impressions are outside this week",
            contact: ALL_WEEK,
            own: &[
                ("a1", "ussd", Impression, "2026-11-22T21:00:00Z"), // Sunday 23:00 local
                ("b1", "ussd", Impression, "2026-11-23T09:00:00Z"),
            ],
            household: &[],
            volume: &[],
            channel: "sms",
            now: NOW,
            offered: &["r1"],
            dropped: &[(
                "a1",
                TraceStage::ContactPolicy,
                "2 impressions this week, max 2",
            )],
        },
        Case {
            name: "an inbound channel is exempt by default",
            contact: ALL_WEEK,
            own: &[
                ("a1", "ussd", Impression, "2026-11-23T08:00:00Z"),
                ("b1", "ussd", Impression, "2026-11-23T09:00:00Z"),
            ],
            household: &[],
            volume: &[],
            channel: "ussd",
            now: NOW,
            offered: &["r1", "a1", "a2"],
            dropped: &[],
        },
        Case {
            name: "unless the cap says otherwise",
            contact: ALL_WEEK_INBOUND_TOO,
            own: &[
                ("a1", "ussd", Impression, "2026-11-23T08:00:00Z"),
                ("b1", "ussd", Impression, "2026-11-23T09:00:00Z"),
            ],
            household: &[],
            volume: &[],
            channel: "ussd",
            now: NOW,
            offered: &[],
            dropped: &[("b1", TraceStage::ContactPolicy, "cap two_a_week")],
        },
        Case {
            name: "a per-action cap holds back only the action shown",
            contact: EACH_ACTION,
            own: &[("a1", "sms", Impression, "2026-11-01T08:00:00Z")],
            household: &[],
            volume: &[],
            channel: "ussd",
            now: NOW,
            offered: &["r1", "a2", "b1"],
            dropped: &[(
                "a1",
                TraceStage::ContactPolicy,
                "cap once_a_month: 1 impressions for this action this month, max 1",
            )],
        },
        Case {
            name: "last month's impression is outside this month (local time)",
            contact: EACH_ACTION,
            own: &[("a1", "sms", Impression, "2026-10-31T21:59:00Z")], // Oct 31 23:59 local
            household: &[],
            volume: &[],
            channel: "ussd",
            now: NOW,
            offered: &["r1", "a1", "a2"],
            dropped: &[],
        },
        Case {
            name: "a per-group cap holds back the whole group, rolling window",
            contact: EACH_GROUP,
            own: &[("a2", "ussd", Impression, "2026-11-17T10:00:01Z")],
            household: &[],
            volume: &[],
            channel: "ussd",
            now: NOW,
            offered: &["r1", "b1"],
            dropped: &[
                (
                    "a1",
                    TraceStage::ContactPolicy,
                    "for this group in the last 7d",
                ),
                ("a2", TraceStage::ContactPolicy, "cap group_week"),
            ],
        },
        Case {
            name: "a household cap counts the other members' contacts",
            contact: HOUSEHOLD,
            own: &[],
            household: &[("b1", "sms", Impression, "2026-11-23T07:00:00Z")],
            volume: &[],
            channel: "sms",
            now: NOW,
            offered: &[],
            dropped: &[("r1", TraceStage::ContactPolicy, "1 household impressions")],
        },
        Case {
            name: "own contacts alone do not make a household cap",
            contact: HOUSEHOLD,
            own: &[("b1", "sms", Impression, "2026-11-23T07:00:00Z")],
            household: &[],
            volume: &[],
            channel: "sms",
            now: NOW,
            offered: &["r1"],
            dropped: &[("a1", TraceStage::ContactPolicy, "1 household impressions")],
        },
        Case {
            name: "two declines within 30 days pause the group for 60 days",
            contact: PAUSE,
            own: &[
                ("a1", "sms", Declined, "2026-10-01T10:00:00Z"),
                ("a2", "ussd", Declined, "2026-10-20T10:00:00Z"),
            ],
            household: &[],
            volume: &[],
            channel: "ussd",
            now: NOW,
            offered: &["r1", "b1"],
            dropped: &[
                (
                    "a1",
                    TraceStage::ContactPolicy,
                    "paused by declined_twice: 2 declined within 30d, group data paused until 2026-12-19T10:00:00Z",
                ),
                ("a2", TraceStage::ContactPolicy, "paused by declined_twice"),
            ],
        },
        Case {
            name: "declines further apart than the window do not pause",
            contact: PAUSE,
            own: &[
                ("a1", "sms", Declined, "2026-09-01T10:00:00Z"),
                ("a2", "ussd", Declined, "2026-10-20T10:00:00Z"),
            ],
            household: &[],
            volume: &[],
            channel: "ussd",
            now: NOW,
            offered: &["r1", "a1", "a2"],
            dropped: &[],
        },
        Case {
            name: "a pause ends",
            contact: PAUSE,
            own: &[
                ("a1", "sms", Declined, "2026-09-01T10:00:00Z"),
                ("a2", "ussd", Declined, "2026-09-20T10:00:00Z"),
            ],
            household: &[],
            volume: &[],
            channel: "ussd",
            now: NOW,
            offered: &["r1", "a1", "a2"],
            dropped: &[],
        },
        Case {
            name: "a spent volume budget holds the channel back",
            contact: VOLUME,
            own: &[],
            household: &[],
            volume: &[VolumeUse {
                contacts: 10,
                cost: 0.0,
            }],
            channel: "sms",
            now: NOW,
            offered: &[],
            dropped: &[(
                "r1",
                TraceStage::Volume,
                "volume sms_day: 10 of 10 contacts used today",
            )],
        },
        Case {
            name: "the budget left is shared by the actions of one decision",
            contact: VOLUME,
            own: &[],
            household: &[],
            volume: &[VolumeUse {
                contacts: 8,
                cost: 0.0,
            }],
            channel: "sms",
            now: NOW,
            offered: &["r1", "a1"],
            dropped: &[("a2", TraceStage::Volume, "10 of 10 contacts")],
        },
        Case {
            name: "a cost budget counts the channel's cost per contact",
            contact: VOLUME_COST,
            own: &[],
            household: &[],
            volume: &[VolumeUse {
                contacts: 1,
                cost: 0.5,
            }],
            channel: "sms",
            now: NOW,
            offered: &["r1"],
            dropped: &[("a1", TraceStage::Volume, "to 1.50, over 1")],
        },
        Case {
            name: "a targeted budget lets the next action take the place",
            contact: VOLUME_RETENTION,
            own: &[],
            household: &[],
            volume: &[VolumeUse {
                contacts: 5,
                cost: 0.0,
            }],
            channel: "sms",
            now: NOW,
            offered: &["a1", "a2", "b1"],
            dropped: &[("r1", TraceStage::Volume, "volume saves")],
        },
        Case {
            name: "a budget in another channel does not apply",
            contact: VOLUME,
            own: &[],
            household: &[],
            volume: &[VolumeUse {
                contacts: 10,
                cost: 0.0,
            }],
            channel: "ussd",
            now: NOW,
            offered: &["r1", "a1", "a2"],
            dropped: &[],
        },
    ];
    for case in cases {
        let strategy = strategy(case.contact);
        let own = contacts(&strategy, case.own);
        let household = contacts(&strategy, case.household);
        let history = History {
            own: &own,
            household: &household,
            volume: case.volume,
            offers: &[],
        };
        for explain in [true, false] {
            let request = DecisionRequest {
                channel: ChannelId::new(case.channel),
                context: Attributes::new(),
                limit: None,
                placement: None,
                explain,
            };
            let decision = decide(&strategy, &Nobody, &request, &Even, &history, at(case.now))
                .expect("decides");
            let offered: Vec<&str> = decision
                .actions
                .iter()
                .map(|a| a.action_id.as_str())
                .collect();
            assert_eq!(offered, case.offered, "{} (explain {explain})", case.name);
            for (action, stage, reason) in case.dropped.iter().filter(|_| explain) {
                let entry = decision
                    .trace
                    .iter()
                    .find(|e| e.action_id.as_str() == *action)
                    .unwrap_or_else(|| panic!("{}: no trace for {action}", case.name));
                assert_eq!(entry.stage, *stage, "{}: {action}", case.name);
                assert!(!entry.passed, "{}: {action}", case.name);
                assert!(
                    entry.reason.contains(reason),
                    "{}: {action}: {}",
                    case.name,
                    entry.reason
                );
            }
        }
    }
}

/// On random histories: what a decision shows never takes any cap over its maximum (counting
/// the decision's own impressions), never includes a paused action, and never spends more
/// than a volume budget has left. Counted here naively, straight from the rules.
mod properties {
    use super::{
        Attributes, Contact, ContactKind, DecisionRequest, Even, History, NOW, Nobody, Timestamp,
        VolumeUse, at, decide,
    };
    use concord_strategy::{Each, Period, Strategy};
    use proptest::prelude::{ProptestConfig, Strategy as Gen, prop_assert, proptest};

    const RULES: &str = "household_attribute: household_id
caps:
  - {id: sms_day, channels: [sms], max: 2, per: day}
  - {id: week_all, max: 4, per: week, inbound_exempt: false}
  - {id: action_month, each: action, max: 2, per: month, inbound_exempt: false}
  - {id: group_roll, channels: [ussd], each: group, max: 2, per: 72h}
  - {id: home, channels: [sms], household: true, max: 3, per: week}
pauses:
  - {id: declined, outcome: declined, count: 2, within: 10d, pause: 20d, each: group}
  - {id: ignored, outcome: ignored, count: 1, within: 1d, pause: 3d}
volume:
  - {id: sms_volume, channels: [sms], per: day, max: 50}
";

    fn same(strategy: &Strategy, each: Each, a: usize, b: usize) -> bool {
        let (x, y) = (&strategy.actions()[a], &strategy.actions()[b]);
        match each {
            Each::All => true,
            Each::Action => a == b,
            Each::Group => x.issue == y.issue && x.group == y.group,
            Each::Issue => x.issue == y.issue,
        }
    }

    fn contact() -> impl Gen<Value = (usize, usize, usize, i64)> {
        (0usize..4, 0usize..2, 0usize..5, 0i64..40 * 24 * 60)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        #[test]
        fn shown_actions_keep_every_rule(
            own in proptest::collection::vec(contact(), 0..24),
            household in proptest::collection::vec(contact(), 0..8),
            used in 45u64..52,
            channel in 0usize..2,
            minute in 0i64..7 * 24 * 60,
        ) {
            let strategy = super::strategy(RULES);
            let now = Timestamp::from_second(at(NOW).as_second() + minute * 60).expect("time");
            let now_ms = now.as_millisecond();
            let to_contacts = |list: &[(usize, usize, usize, i64)]| -> Vec<Contact> {
                list.iter()
                    .map(|&(a, c, k, back)| Contact {
                        time_ms: now_ms - back * 60_000,
                        action: a as u32,
                        channel: c as u16,
                        kind: ContactKind::ALL[k],
                    })
                    .collect()
            };
            let own = to_contacts(&own);
            let mut household_all = to_contacts(&household);
            household_all.extend_from_slice(&own);
            let volume = [VolumeUse { contacts: used, cost: 0.0 }];
            let history = History { own: &own, household: &household_all, volume: &volume, offers: &[] };
            let channel_id = strategy.channels()[channel].id.clone();
            let request = DecisionRequest {
                channel: channel_id,
                context: Attributes::new(),
                limit: None,
                placement: None,
                explain: false,
            };
            let decision = decide(&strategy, &Nobody, &request, &Even, &history, now).expect("decides");
            let shown: Vec<usize> = decision
                .actions
                .iter()
                .map(|a| strategy.action_index(a.action_id.as_str()).expect("declared"))
                .collect();
            let zone = jiff::tz::TimeZone::get("Africa/Johannesburg").expect("zone");
            let policy = strategy.contact();
            let ch = &strategy.channels()[channel];
            for cap in policy.caps.iter().filter(|c| c.applies_in(channel, ch)) {
                let since = cap.per.start_ms(now, &zone);
                let base = if cap.household { &household_all } else { &own };
                for &a in &shown {
                    let counted = |c: &&Contact| {
                        c.kind == ContactKind::Impression
                            && c.time_ms >= since
                            && c.time_ms <= now_ms
                            && cap.scope.covers_channel(
                                usize::from(c.channel),
                                &strategy.channels()[usize::from(c.channel)],
                            )
                            && same(&strategy, cap.each, c.action as usize, a)
                    };
                    let before = base.iter().filter(counted).count();
                    let added = shown.iter().filter(|&&b| same(&strategy, cap.each, a, b)).count();
                    prop_assert!(
                        before + added <= cap.max as usize,
                        "cap {}: {before} before + {added} shown > {}", cap.id, cap.max
                    );
                }
            }
            for pause in &policy.pauses {
                for &a in &shown {
                    let mut times: Vec<i64> = own
                        .iter()
                        .filter(|c| c.kind == pause.outcome && same(&strategy, pause.each, c.action as usize, a))
                        .map(|c| c.time_ms)
                        .collect();
                    times.sort_unstable();
                    let n = pause.count as usize;
                    for (i, &last) in times.iter().enumerate().skip(n - 1) {
                        let first = times[i + 1 - n];
                        let paused = last - first <= pause.within_ms && now_ms < last + pause.pause_ms;
                        prop_assert!(!paused, "pause {} holds {}", pause.id, strategy.actions()[a].id);
                    }
                }
            }
            if ch.id.as_str() == "sms" {
                prop_assert!(used + shown.len() as u64 <= 50u64.max(used), "volume: {used} + {}", shown.len());
            }
            prop_assert!(matches!(policy.volumes[0].per, Period::Day));
        }
    }
}

/// Without a trace only the head of the candidates is ordered; when the placement holds back
/// the whole rest of the head (here diversity: one action per group, and the 12 best are all
/// in one group), the rest is ordered then, so the answer is the same as with a trace.
#[test]
fn a_head_held_back_leaves_the_same_answer_as_a_full_ordering() {
    let mut actions = String::from(
        "issues:\n  - {id: growth, name: Growth, groups: [{id: data, name: Data}, {id: voice, name: Voice}, {id: roam, name: Roam}]}\nactions:\n",
    );
    // 30 data actions worth 20..49, 10 voice worth 10..19, 5 roaming worth 1..5, in a
    // scrambled file order so that no ordering comes for free.
    let mut specs: Vec<(String, &str, usize)> = Vec::new();
    for i in 0..30 {
        specs.push((format!("d{i:02}"), "data", 20 + (i * 7) % 30));
    }
    for i in 0..10 {
        specs.push((format!("v{i:02}"), "voice", 10 + (i * 3) % 10));
    }
    for i in 0..5 {
        specs.push((format!("r{i:02}"), "roam", 1 + (i * 2) % 5));
    }
    let n = specs.len();
    specs.rotate_left(n / 3);
    for (id, group, value) in &specs {
        actions.push_str(&format!(
            "  - {{id: {id}, name: A, issue: growth, group: {group}, kind: sales, value: {value}, treatments: {{ussd: {{text: a}}}}}}\n"
        ));
    }
    let best = |group: &str| {
        specs
            .iter()
            .filter(|(_, g, _)| *g == group)
            .max_by_key(|(_, _, v)| *v)
            .map(|(id, _, _)| id.clone())
            .expect("declared")
    };
    let strategy = Strategy::from_files([
        (
            "strategy.yaml",
            "name: t\nversion: \"1\"\ndefault_limit: 3\narbitration: {max_per_group: 1}\n",
        ),
        ("channels.yaml", CHANNELS),
        ("profile.yaml", PROFILE),
        ("actions/all.yaml", actions.as_str()),
    ])
    .unwrap_or_else(|e| panic!("valid: {e}"));
    let answer = |explain: bool| {
        let request = DecisionRequest {
            channel: ChannelId::new("ussd"),
            context: Attributes::new(),
            limit: None,
            placement: None,
            explain,
        };
        decide(
            &strategy,
            &Nobody,
            &request,
            &Even,
            &History::default(),
            at(NOW),
        )
        .expect("decides")
        .actions
        .into_iter()
        .map(|a| a.action_id.0)
        .collect::<Vec<_>>()
    };
    assert_eq!(
        answer(false),
        vec![best("data"), best("voice"), best("roam")]
    );
    assert_eq!(answer(false), answer(true));
}
