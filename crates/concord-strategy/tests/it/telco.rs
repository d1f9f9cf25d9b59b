//! The example operator strategy in examples/telco: it loads, it is rich enough to demo, its
//! rules mean what their names say, and its content hash is stable.

use concord_model::{Attributes, Value};
use concord_strategy::{RuleEnv, Strategy, Var};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn telco_dir() -> PathBuf {
    super::crate_path("../../examples/telco")
}

fn telco() -> Strategy {
    Strategy::load(&telco_dir()).unwrap_or_else(|errors| panic!("examples/telco:\n{errors}"))
}

#[test]
fn loads_with_enough_actions_and_channels() {
    let strategy = telco();
    assert!(
        strategy.actions().len() >= 30,
        "{}",
        strategy.actions().len()
    );
    assert!(strategy.channels().len() >= 8);
    for id in [
        "ussd",
        "call_centre",
        "app",
        "web",
        "store",
        "sms",
        "email",
        "outbound_call",
    ] {
        assert!(strategy.channel(id).is_some(), "channel {id}");
    }
    let issues: Vec<&str> = strategy.issues().iter().map(|i| i.id.as_str()).collect();
    assert_eq!(
        issues,
        [
            "growth",
            "onboarding",
            "retention",
            "self_service",
            "service",
            "winback"
        ]
    );
    // The USSD menu: the balance as what an airtime offer may cost, self-service items when
    // nothing qualifies, a session of 182-character pages.
    let ussd = strategy.channel("ussd").expect("ussd");
    assert_eq!(
        ussd.afford.as_ref().map(|r| r.source()),
        Some("customer.balance")
    );
    let fallback: Vec<&str> = ussd
        .fallback
        .iter()
        .map(|&i| strategy.actions()[i].id.as_str())
        .collect();
    assert_eq!(fallback, ["self_balance", "self_bundle_shop"]);
    let menu = ussd.menu.as_ref().expect("a menu");
    assert_eq!(
        (menu.title.as_str(), menu.page_chars, menu.timeout_ms),
        ("Just For You", 182, 180_000)
    );
    assert_eq!(strategy.default_limit(), 3);
    assert_eq!(strategy.name(), "telco-nba");
    assert!(strategy.actions().iter().all(|a| !a.treatments.is_empty()));
}

/// Every language's text too. Placeholders count as written: `{price}` and `{valid_until}`
/// are longer than what they show.
#[test]
fn ussd_texts_fit_a_ussd_menu() {
    for action in telco().actions() {
        if let Some(treatment) = action.treatment("ussd") {
            let texts = std::iter::once(treatment.text.as_str())
                .chain(treatment.texts.values().map(|t| t.source()));
            for text in texts {
                assert!(text.chars().count() <= 60, "{}: {text:?}", action.id);
            }
        }
    }
}

#[test]
fn some_treatments_are_personal_and_translated() {
    let strategy = telco();
    let language = strategy.language().expect("strategy.yaml language");
    assert_eq!(
        (language.attribute.to_string(), language.default.as_str()),
        ("customer.language".to_owned(), "en")
    );
    let bundle = strategy
        .action("grow_bigger_bundle_private")
        .and_then(|a| a.treatment("sms"))
        .expect("the private-price bundle has an SMS");
    assert!(bundle.text.contains("R{price}") && bundle.text.contains("{valid_until}"));
    let translated: Vec<&str> = strategy
        .actions()
        .iter()
        .filter(|a| {
            ["ussd", "sms"].iter().any(|c| {
                a.treatment(c)
                    .is_some_and(|t| t.texts.contains_key("zu") && t.texts.contains_key("af"))
            })
        })
        .map(|a| a.id.as_str())
        .collect();
    assert!(translated.len() >= 2, "{translated:?}");
}

#[test]
fn profile_declares_what_the_simulator_produces() {
    let strategy = telco();
    let schema = strategy.profile_schema();
    let attributes: Vec<&str> = schema.attributes.keys().map(String::as_str).collect();
    let mut expected = vec![
        "segment",
        "tariff",
        "tenure_months",
        "arpu",
        "balance",
        "avg_recharge",
        "recharge_habit",
        "device_type",
        "network",
        "region",
        "city",
        "home_store",
        "home_cell",
        "acquisition_channel",
        "dealer",
        "promotion",
        "household_id",
        "household_size",
        "social_degree",
        "age",
        "language",
        "data_bundle_mb",
        "consent_sms",
        "consent_email",
        "consent_outbound_call",
        "consent_push",
        "value_score",
    ];
    expected.sort_unstable();
    assert_eq!(attributes, expected);
    let context: Vec<&str> = schema.context.keys().map(String::as_str).collect();
    assert_eq!(
        context,
        [
            "agent_id",
            "call_reason",
            "session_id",
            "store_id",
            "trigger"
        ]
    );
}

/// A customer as rules see one; every attribute present, no context unless set.
struct Customer {
    attributes: Attributes,
    context: Attributes,
    /// Aggregates by name; an undeclared count reads 0, as the profile store answers.
    events: BTreeMap<&'static str, f64>,
    holdings: Vec<&'static str>,
    channel: &'static str,
}

impl RuleEnv for Customer {
    fn lookup(&self, var: &Var) -> Value {
        match var {
            Var::Attribute { name, .. } => self.attributes.get(name).cloned().unwrap_or_default(),
            Var::Context { name, .. } => self.context.get(name).cloned().unwrap_or_default(),
            Var::Aggregate { name, .. } => {
                Value::Num(self.events.get(name.as_str()).copied().unwrap_or(0.0))
            }
            Var::Derived { name, .. } if name == "open_disputes" => {
                let count = |n: &str| self.events.get(n).copied().unwrap_or(0.0);
                Value::Num(count("disputes_opened") - count("disputes_closed"))
            }
            Var::Derived { .. } | Var::EventField(_) => Value::Null,
            Var::Holdings => Value::List(self.holdings.iter().map(|h| Value::from(*h)).collect()),
            Var::Channel => Value::from(self.channel),
        }
    }
}

/// A settled 4G prepaid smartphone customer holding 1GB of data.
fn customer() -> Customer {
    let mut attributes = Attributes::new();
    for (name, value) in [
        ("segment", Value::from("prepaid")),
        ("tariff", "pre_smart".into()),
        ("tenure_months", 18.0.into()),
        ("arpu", 130.0.into()),
        ("balance", 42.0.into()),
        ("avg_recharge", 30.0.into()),
        ("recharge_habit", "weekly".into()),
        ("device_type", "smartphone".into()),
        ("network", "4g".into()),
        ("region", "gauteng".into()),
        ("city", "johannesburg".into()),
        ("home_store", "store_12".into()),
        ("home_cell", "cell_4411".into()),
        ("acquisition_channel", "store".into()),
        ("dealer", "dealer_7".into()),
        ("promotion", "none".into()),
        ("household_id", "hh_81".into()),
        ("household_size", 2.0.into()),
        ("social_degree", 12.0.into()),
        ("age", 31.0.into()),
        ("language", "en".into()),
        ("data_bundle_mb", 1024.0.into()),
        ("consent_sms", true.into()),
        ("consent_email", true.into()),
        ("consent_outbound_call", false.into()),
        ("consent_push", true.into()),
        ("value_score", 24.0.into()),
    ] {
        attributes.insert(name.to_owned(), value);
    }
    Customer {
        attributes,
        context: Attributes::new(),
        events: BTreeMap::new(),
        holdings: vec!["voice_basic", "data_1gb"],
        channel: "ussd",
    }
}

#[test]
fn every_rule_evaluates_for_a_complete_profile_without_context() {
    let strategy = telco();
    let mut customer = customer();
    for channel in strategy.channels() {
        customer.channel = match channel.id.as_str() {
            "ussd" => "ussd",
            "sms" => "sms",
            "email" => "email",
            "outbound_call" => "outbound_call",
            _ => "app",
        };
        for action in strategy.actions() {
            if let Some(rule) = &action.policies.eligibility
                && let Err(err) = rule.eval_bool(&customer)
            {
                panic!("{} in {}: {err}", action.id, channel.id);
            }
        }
    }
}

/// Whether `action` is eligible for the customer after `tweak`.
fn check(action: &str, tweak: impl FnOnce(&mut Customer), expected: bool) {
    let strategy = telco();
    let action = strategy
        .action(action)
        .unwrap_or_else(|| panic!("no action {action}"));
    let mut customer = customer();
    tweak(&mut customer);
    let eligible = match &action.policies.eligibility {
        Some(rule) => rule
            .eval_bool(&customer)
            .unwrap_or_else(|err| panic!("{}: {err}", action.id)),
        None => true,
    };
    assert_eq!(
        eligible, expected,
        "{}: {:?}",
        action.id, action.policies.eligibility
    );
}

fn set(customer: &mut Customer, name: &str, value: impl Into<Value>) {
    customer.attributes.insert(name.to_owned(), value.into());
}

#[test]
fn rules_mean_what_their_actions_say() {
    let events = |name: &'static str, n: f64| {
        move |c: &mut Customer| {
            c.events.insert(name, n);
        }
    };
    check(
        "svc_dropped_call_health_check",
        events("dropped_calls_24h", 3.0),
        true,
    );
    check(
        "svc_dropped_call_health_check",
        events("dropped_calls_24h", 2.0),
        false,
    );
    check(
        "svc_billing_dispute_resolution",
        events("disputes_opened", 1.0),
        true,
    );
    check(
        "svc_billing_dispute_resolution",
        |c| {
            c.events.insert("disputes_opened", 1.0);
            c.events.insert("disputes_closed", 1.0);
        },
        false,
    );
    check("grow_5g_device_upgrade", |_| {}, true);
    check("grow_5g_device_upgrade", |c| set(c, "network", "5g"), false);
    check(
        "grow_5g_device_upgrade",
        |c| set(c, "device_type", "feature_phone"),
        false,
    );
    check("svc_low_balance_credit", |c| set(c, "balance", 4.0), true);
    check("svc_low_balance_credit", |_| {}, false);
    check(
        "svc_low_balance_credit",
        |c| set(c, "segment", "postpaid"),
        false,
    );
    check(
        "grow_roaming_day_pass",
        events("location_updates_7d", 6.0),
        true,
    );
    check(
        "grow_roaming_day_pass",
        |c| {
            c.events.insert("location_updates_7d", 6.0);
            c.holdings.push("roaming_pack");
        },
        false,
    );
    check("onb_welcome_bonus", |c| set(c, "tenure_months", 1.0), true);
    check("onb_welcome_bonus", |_| {}, false);
    check("ret_cancel_save_offer", |_| {}, false);
    check(
        "ret_cancel_save_offer",
        |c| {
            c.context.insert("call_reason".into(), "cancel".into());
        },
        true,
    );
    check(
        "grow_bundle_topup_private",
        |c| {
            c.context.insert("trigger".into(), "bundle_80".into());
        },
        true,
    );
    check("grow_bundle_topup_private", |_| {}, false);
    check("grow_data_5gb_upsell", |_| {}, true);
    check(
        "grow_data_5gb_upsell",
        |c| c.holdings = vec!["data_5gb"],
        false,
    );
    check("wb_port_back_offer", events("port_outs", 1.0), true);
    // Outbound calls need consent: the rule reads the channel it is evaluated for.
    check(
        "wb_port_back_offer",
        |c| {
            c.events.insert("port_outs", 1.0);
            c.channel = "outbound_call";
        },
        false,
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy file");
        }
    }
}

#[test]
fn hash_is_stable_and_changes_with_any_file() {
    let original = telco();
    assert_eq!(original.hash().len(), 64);
    assert_eq!(telco().hash(), original.hash(), "same folder, same hash");

    let copy = tempfile::tempdir().expect("tempdir");
    copy_dir(&telco_dir(), copy.path());
    let copied = Strategy::load(copy.path()).expect("copy loads");
    assert_eq!(
        copied.hash(),
        original.hash(),
        "the hash depends on content, not location"
    );

    let growth = copy.path().join("actions/growth.yaml");
    let mut text = std::fs::read_to_string(&growth).expect("read growth.yaml");
    text.push_str("# a comment changes the bytes\n");
    std::fs::write(&growth, text).expect("write growth.yaml");
    let changed = Strategy::load(copy.path()).expect("still loads");
    assert_ne!(changed.hash(), original.hash());

    // experiments.yaml is part of the strategy: a new salt reassigns customers.
    let experiments = copy.path().join("experiments.yaml");
    let text = std::fs::read_to_string(&experiments).expect("read experiments.yaml");
    std::fs::write(
        &experiments,
        text.replace("salt: impact-2026", "salt: impact-2027"),
    )
    .expect("write experiments.yaml");
    let resalted = Strategy::load(copy.path()).expect("still loads");
    assert_ne!(resalted.hash(), changed.hash());
    assert_eq!(resalted.control_arms().salt, "impact-2027");
    std::fs::write(&experiments, text).expect("restore experiments.yaml");

    // So is reports.yaml: another threshold is another strategy version.
    let reports = copy.path().join("reports.yaml");
    let text = std::fs::read_to_string(&reports).expect("read reports.yaml");
    std::fs::write(
        &reports,
        text.replace("min_customers: 30", "min_customers: 50"),
    )
    .expect("write reports.yaml");
    let rethresholded = Strategy::load(copy.path()).expect("still loads");
    assert_ne!(rethresholded.hash(), changed.hash());
    let inflow = rethresholded
        .report("inflow_quality")
        .expect("inflow_quality");
    assert_eq!(inflow.min_customers, 50);
    std::fs::write(&reports, text).expect("restore reports.yaml");

    // A non-YAML file in the folder is not part of the strategy.
    std::fs::write(copy.path().join("actions/README.md"), "notes").expect("write notes");
    assert_eq!(
        Strategy::load(copy.path()).expect("loads").hash(),
        changed.hash()
    );
}

#[test]
fn in_memory_files_load_like_the_folder() {
    let dir = telco_dir();
    let mut files: Vec<(String, String)> = [
        "strategy.yaml",
        "channels.yaml",
        "profile.yaml",
        "triggers.yaml",
        "contact.yaml",
        "models.yaml",
        "experiments.yaml",
        "reports.yaml",
    ]
    .iter()
    .map(|name| {
        let text = std::fs::read_to_string(dir.join(name)).expect("read");
        (name.to_string(), text)
    })
    .collect();
    for entry in std::fs::read_dir(dir.join("actions")).expect("actions") {
        let entry = entry.expect("entry");
        let name = format!("actions/{}", entry.file_name().to_string_lossy());
        files.push((name, std::fs::read_to_string(entry.path()).expect("read")));
    }
    let strategy = Strategy::from_files(files.iter().map(|(p, t)| (p.as_str(), t.as_str())))
        .expect("loads from memory");
    assert_eq!(strategy.hash(), telco().hash());
    assert_eq!(strategy.actions().len(), telco().actions().len());
    assert_eq!(strategy.contact(), telco().contact());
    assert_eq!(strategy.models(), telco().models());
    assert_eq!(strategy.control_arms(), telco().control_arms());
    assert_eq!(strategy.arm_outcomes(), telco().arm_outcomes());
    assert_eq!(strategy.reports(), telco().reports());
    assert_eq!(
        strategy.models().predictors.len(),
        9,
        "the example's models.yaml"
    );
    assert_eq!(
        strategy.contact().caps.len(),
        4,
        "the example's contact.yaml"
    );
}

#[test]
fn the_example_declares_the_real_time_triggers_the_brief_names() {
    let strategy = telco();
    let trigger = |id: &str| {
        strategy
            .triggers()
            .iter()
            .find(|t| t.id == id)
            .unwrap_or_else(|| panic!("no trigger {id}"))
    };
    let health = trigger("dropped_calls_health_check");
    assert_eq!(
        (health.channel.as_str(), health.cooldown_ms),
        ("outbound_call", 7 * 86_400_000)
    );
    assert_eq!(trigger("bundle_80").channel.as_str(), "sms");
    assert!(
        strategy
            .profile_schema()
            .aggregate("dropped_calls_24h")
            .is_some()
    );
}

#[test]
fn the_example_runs_every_control_arm_at_two_percent() {
    let strategy = telco();
    let arms = strategy.control_arms();
    assert_eq!(arms.salt, "impact-2026");
    for arm in concord_strategy::ControlArms::ORDER {
        assert_eq!(arms.share(arm), 0.02, "{arm}");
    }
    assert!((arms.share(concord_model::Arm::Test) - 0.88).abs() < 1e-12);
}

#[test]
fn the_example_measures_the_arms_on_churn_and_revenue() {
    use concord_strategy::OutcomeKind;
    let strategy = telco();
    let outcomes: Vec<(&str, OutcomeKind)> = strategy
        .arm_outcomes()
        .iter()
        .map(|o| (o.name.as_str(), o.kind))
        .collect();
    assert_eq!(
        outcomes,
        [
            ("churned", OutcomeKind::Rate),
            ("revenue_30d", OutcomeKind::Value)
        ]
    );
    let measure = |customer: &Customer| -> Vec<f64> {
        strategy
            .arm_outcomes()
            .iter()
            .map(|o| {
                o.measure(customer)
                    .unwrap_or_else(|e| panic!("{}: {e}", o.name))
            })
            .collect()
    };
    // Both read aggregates only: a customer with no events yet counts (0 port-outs, 0 spent).
    assert_eq!(measure(&customer()), [0.0, 0.0]);
    let mut gone = customer();
    gone.events.insert("port_outs", 1.0);
    gone.events.insert("recharge_sum_30d", 120.0);
    assert_eq!(measure(&gone), [1.0, 120.0]);
}

#[test]
fn the_example_reports_inflow_quality_exit_reasons_and_churners() {
    use concord_strategy::OutcomeKind::{Rate, Value as Mean};
    let strategy = telco();
    let shape = |name: &str| {
        let report = strategy
            .report(name)
            .unwrap_or_else(|| panic!("no report {name}"));
        let by: Vec<(&str, &str)> = report
            .by
            .iter()
            .map(|d| (d.name.as_str(), d.label.as_str()))
            .collect();
        let measures: Vec<(&str, concord_strategy::OutcomeKind)> = report
            .measures
            .iter()
            .map(|m| (m.name.as_str(), m.kind))
            .collect();
        let flag = report.flag_measure().map(|m| m.name.as_str());
        (
            report.filter.as_ref().map(|rule| rule.source()),
            by,
            measures,
            flag,
            report.min_customers,
        )
    };
    let names: Vec<&str> = strategy.reports().iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        ["inflow_quality", "exit_reasons", "churners_vs_stayers"]
    );
    assert_eq!(
        shape("inflow_quality"),
        (
            Some("customer.tenure_months < 6"),
            vec![
                ("customer.acquisition_channel", "acquisition_channel"),
                ("customer.dealer", "dealer")
            ],
            vec![
                ("churned", Rate),
                ("never_recharged", Rate),
                ("revenue_30d", Mean)
            ],
            Some("churned"),
            30
        )
    );
    assert_eq!(
        shape("exit_reasons"),
        (
            Some("customer.port_outs > 0"),
            vec![
                ("customer.exit_reason", "exit_reason"),
                ("customer.exit_destination", "exit_destination"),
                ("customer.segment", "segment"),
                ("customer.tenure_months < 12", "tenure_months < 12")
            ],
            vec![("dropped_calls_7d", Mean), ("billing_contacts_30d", Mean)],
            None,
            30
        )
    );
    assert_eq!(
        shape("churners_vs_stayers"),
        (
            None,
            vec![("customer.port_outs > 0", "port_outs > 0")],
            vec![
                ("dropped_calls_7d", Mean),
                ("care_contacts_30d", Mean),
                ("billing_contacts_30d", Mean),
                ("open_disputes", Mean)
            ],
            None,
            30
        )
    );
    // exit_reason and exit_destination are `last` over the port-out's strings.
    let schema = strategy.profile_schema();
    for name in ["exit_reason", "exit_destination"] {
        let (_, spec) = schema.aggregate(name).expect("declared");
        assert_eq!(
            spec.value_type,
            concord_strategy::ValueType::String,
            "{name}"
        );
    }

    // A new customer who came through dealer_7 and ported out to a rival over coverage.
    let mut gone = customer();
    set(&mut gone, "tenure_months", 3.0);
    gone.events.insert("port_outs", 1.0);
    let exits = |customer: &Customer| {
        let customer = |var: &Var| match var {
            Var::Aggregate { name, .. } if name == "exit_reason" => Value::from("coverage"),
            Var::Aggregate { name, .. } if name == "exit_destination" => Value::from("rival_a"),
            _ => customer.lookup(var),
        };
        strategy
            .reports()
            .iter()
            .map(|report| {
                let keys: Vec<String> = report.by.iter().map(|d| d.key(&customer)).collect();
                (report.includes(&customer), keys)
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        exits(&gone),
        [
            (true, vec!["store".to_owned(), "dealer_7".to_owned()]),
            (
                true,
                ["coverage", "rival_a", "prepaid", "true"]
                    .map(str::to_owned)
                    .to_vec()
            ),
            (true, vec!["true".to_owned()]),
        ]
    );
    // A settled customer who stays: only churners_vs_stayers reads them; a stayer has no
    // exit reason.
    let stayer = customer();
    let keys = |report: &str, customer: &Customer| -> (bool, Vec<String>) {
        let report = strategy.report(report).expect("report");
        let keys = report.by.iter().map(|d| d.key(customer)).collect();
        (report.includes(customer), keys)
    };
    assert_eq!(
        keys("inflow_quality", &stayer),
        (false, vec!["store".to_owned(), "dealer_7".to_owned()])
    );
    assert!(!keys("exit_reasons", &stayer).0);
    assert_eq!(
        keys("churners_vs_stayers", &stayer),
        (true, vec!["false".to_owned()])
    );
    let measures: Vec<f64> = strategy
        .report("inflow_quality")
        .expect("inflow_quality")
        .measures
        .iter()
        .map(|m| {
            m.measure(&gone)
                .unwrap_or_else(|e| panic!("{}: {e}", m.name))
        })
        .collect();
    assert_eq!(measures, [1.0, 1.0, 0.0]);
}
