//! channels.yaml `afford`, `fallback` and `menu`: each defect at its file:line:col and field,
//! and what a valid channel compiles into.

use super::*;

const CHANNELS: &str = "channels:
  - id: ussd
    name: USSD
    direction: inbound
    max_actions: 5
    placements: {menu: 5}
    afford: customer.balance
    fallback: [a1]
    menu: {title: Just For You, placement: menu, timeout: 90s, currency: R}
  - {id: sms, name: SMS, direction: outbound, max_actions: 1}
";
const ACTIONS: &str = "issues:
  - id: growth
    name: Growth
    groups: [{ id: data, name: Data }]
actions:
  - {id: a1, name: A1, issue: growth, group: data, kind: sales, value: 1,
     treatments: {ussd: {text: hi}, sms: {text: hi}}}
  - {id: a2, name: A2, issue: growth, group: data, kind: sales, value: 1,
     price: {min: 5, max: 9, step: 1, target: customer.balance},
     treatments: {ussd: {text: \"R{price}\"}}}
";

fn load(channels: &str) -> String {
    match Strategy::from_files([
        ("strategy.yaml", STRATEGY),
        ("channels.yaml", channels),
        ("profile.yaml", PROFILE),
        ("actions/main.yaml", ACTIONS),
    ]) {
        Ok(strategy) => {
            let ussd = strategy.channel("ussd").expect("ussd");
            format!(
                "ok: afford {:?}, fallback {:?}, menu {:?}",
                ussd.afford.as_ref().map(|r| r.source().to_owned()),
                ussd.fallback,
                ussd.menu
                    .as_ref()
                    .map(|m| (m.page_chars, m.timeout_ms, m.currency.clone())),
            )
        }
        Err(e) => e.to_string(),
    }
}

#[test]
fn afford_fallback_and_menu_are_checked() {
    assert_eq!(
        load(CHANNELS),
        "ok: afford Some(\"customer.balance\"), fallback [0], menu Some((182, 90000, \"R\"))"
    );
    let cases: &[(&str, &str, &str)] = &[
        (
            "afford: customer.balance",
            "afford: \"customer.balance > 1\"",
            "channels.yaml:7:13: channels[0].afford: `customer.balance > 1` is a Bool expression; afford is an amount of money (a number)",
        ),
        (
            "afford: customer.balance",
            "afford: customer.wallet",
            "channels.yaml:7:22: channels[0].afford: unknown attribute `customer.wallet`",
        ),
        (
            "fallback: [a1]",
            "fallback: [a9]",
            "channels.yaml:8:16: channels[0].fallback[0]: unknown action `a9`",
        ),
        (
            "fallback: [a1]",
            "fallback: [a2]",
            "channels.yaml:8:16: channels[0].fallback[0]: action `a2` is priced per customer; a fallback needs a fixed price (min = max) or none",
        ),
        (
            "timeout: 90s",
            "timeout: soon",
            "channels.yaml:9:59: channels[0].menu.timeout: `soon` is not a duration",
        ),
        (
            "placement: menu",
            "placement: home",
            "channels.yaml:9:44: channels[0].menu.placement: unknown placement `home` (channel ussd has: menu)",
        ),
        (
            "menu: {title: Just For You,",
            "menu: {title: Just For You, page_chars: 200,",
            "channels.yaml:9:45: channels[0].menu.page_chars: page_chars must be 40 to 182 (USSD shows at most 182 characters a page), found 200",
        ),
        (
            "max_actions: 1}",
            "max_actions: 1, fallback: [a1]}",
            "channels.yaml:10:74: channels[1].fallback: fallback fills inbound placements only; sms is outbound",
        ),
    ];
    let mut wrong = Vec::new();
    for (from, to, expected) in cases {
        assert!(CHANNELS.contains(from), "{from}");
        let actual = load(&CHANNELS.replacen(from, to, 1));
        if !(actual.lines().count() == 1 && actual.contains(expected)) {
            wrong.push(format!("{to}\nexpected: {expected}\nactual:   {actual}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // A breaker default is shown with no decision to fill a placeholder: refused.
    let breaker = CHANNELS.replace(
        "placements: {menu: 5}",
        "placements: {menu: 5}\n    breaker: {budget_ms: 50, overruns: 5, cooldown: 30s, defaults: [a2]}",
    );
    let actual = load(&breaker);
    assert!(
        actual.contains("channels[0].breaker.defaults[0]"),
        "{actual}"
    );
}
