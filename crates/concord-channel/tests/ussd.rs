//! The USSD menu through its public API, on the example strategy and a simulated base: a
//! session opens on the menu, pages, confirms with the price, accepts once (a retried or
//! repeated acceptance changes nothing), answers every odd input, expires, shows the fallback
//! items when no offer qualifies, and never shows a priced offer above the customer's balance.

use concord_channel::{Step, UssdError, UssdReply, UssdRequest, UssdSessions};
use concord_hub::Hub;
use concord_model::{CustomerId, Timestamp, Value};
use concord_strategy::Strategy;
use std::path::Path;
use std::sync::Arc;

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_second(1_798_761_600 + seconds).expect("valid time")
}

struct Fixture {
    rt: tokio::runtime::Runtime,
    hub: Arc<Hub>,
    ussd: UssdSessions,
    /// (customer, balance) of the simulated base.
    base: Vec<(CustomerId, Option<f64>)>,
    _data: tempfile::TempDir,
}

fn fixture() -> Fixture {
    let data = tempfile::tempdir().expect("temp dir");
    let strategy = Arc::new(
        Strategy::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/telco"))
            .expect("example loads"),
    );
    // Two weeks of usage before the sessions, so bundles run low and private offers qualify.
    let mut operator = concord_sim::Operator::new(
        concord_sim::SimConfig {
            seed: 3,
            subscribers: 400,
            start: at(-14 * 86_400),
            ..concord_sim::SimConfig::default()
        },
        &[],
    )
    .expect("sim builds");
    let rows: Vec<_> = operator.base_rows();
    let base = rows
        .iter()
        .map(|(id, attributes, _)| {
            let balance = match attributes.get("balance") {
                Some(Value::Num(b)) => Some(*b),
                _ => None,
            };
            (id.clone(), balance)
        })
        .collect();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let hub = Arc::new(Hub::open(data.path(), strategy).expect("opens"));
    rt.block_on(hub.load_customers(rows)).expect("loads");
    rt.block_on(hub.ingest(operator.events_until(at(0))))
        .expect("ingests");
    let ussd = UssdSessions::new(hub.clone()).expect("the example has a menu channel");
    Fixture {
        rt,
        hub,
        ussd,
        base,
        _data: data,
    }
}

impl Fixture {
    fn send(
        &self,
        session: &str,
        who: &CustomerId,
        input: &str,
        id: Option<&str>,
        t: i64,
    ) -> Result<UssdReply, UssdError> {
        self.rt.block_on(self.ussd.handle(UssdRequest {
            session_id: session.to_owned(),
            msisdn: who.clone(),
            input: input.to_owned(),
            request_id: id.map(str::to_owned),
            time: at(t),
        }))
    }

    fn ok(&self, session: &str, who: &CustomerId, input: &str, t: i64) -> UssdReply {
        self.send(session, who, input, None, t).expect("answers")
    }
}

/// The first customer whose menu has more than one page.
fn paged(f: &Fixture) -> CustomerId {
    for (k, (id, _)) in f.base.iter().enumerate() {
        let reply = f.ok(&format!("probe-{k}"), id, "", 0);
        if reply.text.contains("\n0. More") {
            return id.clone();
        }
    }
    panic!("no customer with two pages of offers");
}

#[test]
fn a_session_pages_confirms_and_accepts_once() {
    let f = fixture();
    let who = paged(&f);
    let first = f.send("s1", &who, "*123#", Some("r1"), 10).expect("opens");
    assert!(!first.end);
    assert!(
        first.text.starts_with("Just For You\n1. "),
        "{}",
        first.text
    );
    assert!(first.text.chars().count() <= 182);
    // A retried request (the same id) gets the same reply; nothing moves.
    let retried = f.send("s1", &who, "*123#", Some("r1"), 11).expect("retry");
    assert_eq!((&retried.text, retried.end), (&first.text, first.end));
    assert_eq!((first.step, retried.step), (Step::Opened, Step::Retried));
    // Paging and back.
    let second = f.ok("s1", &who, "0", 12);
    assert!(second.text.contains("\n00. Back"), "{}", second.text);
    assert_ne!(second.text, first.text);
    assert_eq!(f.ok("s1", &who, "00", 13).text, first.text);
    // Not an option: the page again, said so.
    let odd = f.ok("s1", &who, "7x", 14);
    assert!(
        odd.text.starts_with("Not an option") || odd.text == first.text,
        "{}",
        odd.text
    );
    assert!(!odd.end);
    // Choose 1: the confirmation; back; choose 1 again; accept.
    let confirm = f.ok("s1", &who, "1", 15);
    assert!(
        confirm.text.ends_with("\n1. Accept\n0. Back"),
        "{}",
        confirm.text
    );
    assert_eq!(f.ok("s1", &who, "0", 16).text, first.text);
    f.ok("s1", &who, "1", 17);
    let accepts_before = f.hub.kpis().total.accepts;
    let done = f.send("s1", &who, "1", Some("r9"), 18).expect("accepts");
    assert!(done.end && done.text.starts_with("Done!"), "{}", done.text);
    assert_eq!(f.hub.kpis().total.accepts, accepts_before + 1);
    // The gateway retries, the subscriber presses again: the same end, no second acceptance.
    let same = |r: &UssdReply| (r.text.clone(), r.end);
    let retried = f.send("s1", &who, "1", Some("r9"), 19).expect("retry");
    let again = f.ok("s1", &who, "1", 20);
    assert_eq!((same(&retried), same(&again)), (same(&done), same(&done)));
    assert_eq!(
        (done.step, retried.step, again.step),
        (Step::Accepted, Step::Retried, Step::Ended)
    );
    assert_eq!(f.hub.kpis().total.accepts, accepts_before + 1);
    // Another subscriber can't use the session.
    let other = &f.base.iter().find(|(id, _)| *id != who).expect("another").0;
    assert!(matches!(
        f.send("s1", other, "1", None, 21),
        Err(UssdError::OtherSubscriber { .. })
    ));
    // After the timeout (180 s of request time) the session is gone.
    let late = f.ok("s1", &who, "1", 20 + 181);
    assert!(late.end && late.text.contains("ended"), "{}", late.text);
    // An input for a session that never opened: the same answer, never a crash.
    let unknown = f.ok("never-opened", &who, "3", 30);
    assert!(unknown.end);
}

/// Every option shown across the base costs at most the customer's balance (channels.yaml
/// `afford: customer.balance`), and every page fits 182 characters.
#[test]
fn no_offer_above_the_balance_and_every_page_fits() {
    let f = fixture();
    let mut priced = 0;
    for (k, (id, balance)) in f.base.iter().enumerate() {
        let session = format!("b-{k}");
        let reply = f.ok(&session, id, "", 0);
        assert!(reply.text.chars().count() <= 182, "{}", reply.text);
        let n = reply
            .text
            .lines()
            .filter(|l| l.starts_with(char::is_numeric) && !l.starts_with("0"))
            .count();
        for option in 1..=n {
            let confirm = f.ok(&session, id, &option.to_string(), 1);
            assert!(confirm.text.chars().count() <= 182);
            if let Some(line) = confirm.text.lines().find(|l| l.starts_with("Price: R")) {
                let price: f64 = line["Price: R".len()..].parse().expect("a price");
                let balance = balance.expect("a priced offer needs a known balance");
                assert!(price <= balance + 1e-9, "{id}: {price} > {balance}");
                priced += 1;
            }
            f.ok(&session, id, "0", 2);
        }
    }
    assert!(priced > 0, "some offers are priced");
    // And the rule did keep some out: the funnel's trace says so.
    let mut held_back = 0;
    for (id, _) in &f.base {
        let request = concord_decide::DecisionRequest {
            channel: concord_model::ChannelId::new("ussd"),
            context: Default::default(),
            limit: None,
            placement: Some("menu".into()),
            explain: true,
        };
        let decision =
            f.rt.block_on(f.hub.decide(id, request, at(5)))
                .expect("decides");
        held_back += decision
            .trace
            .iter()
            .filter(|t| t.reason.contains("more than the customer can pay"))
            .count();
    }
    assert!(held_back > 0, "some priced offers were above the balance");
}

/// A subscriber the profile does not know yet qualifies for no offer: the menu shows the
/// channel's fallback self-service items instead of nothing.
#[test]
fn the_fallback_keeps_the_menu_from_being_empty() {
    let f = fixture();
    let reply = f.ok("new-1", &CustomerId::new("27999000111"), "", 0);
    assert!(!reply.end, "{}", reply.text);
    assert!(
        reply.text.contains("1. My balance and bundles"),
        "{}",
        reply.text
    );
    assert!(
        reply.text.contains("2. Buy a data or voice bundle"),
        "{}",
        reply.text
    );
}
