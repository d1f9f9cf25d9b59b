//! `concord demo`: the hub on a fresh data folder, the example strategy, and a simulated operator
//! feeding it events and channel traffic, so every route has something true to show.

use crate::cli::DemoArgs;
use crate::serve;
use anyhow::Context;
use concord_decide::DecisionRequest;
use concord_hub::Hub;
use concord_model::{Attributes, ChannelId, Direction, Timestamp};
use concord_server::Role;
use concord_sim::{ActionKind, ActionSpec, Operator, SimConfig, Subscriber};
use concord_strategy::Strategy;
use parking_lot::Mutex;
use rand::{Rng, SeedableRng};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

const BASE_CHUNK: usize = 10_000;
const EVENT_CHUNK: usize = 50_000;

/// The example strategy shipped in the source tree.
pub fn default_strategy_dir() -> PathBuf {
    let in_cwd = PathBuf::from("examples/telco");
    if in_cwd.join("strategy.yaml").exists() {
        return in_cwd;
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/telco")
}

fn fresh_data_dir(requested: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    let dir = requested.unwrap_or_else(|| {
        std::env::temp_dir().join(format!(
            "concord-demo-{}-{}",
            Timestamp::now().as_second(),
            std::process::id()
        ))
    });
    if dir.exists() && std::fs::read_dir(&dir)?.next().is_some() {
        anyhow::bail!(
            "the demo needs a new or empty data folder, and {} holds files; use `concord serve` to reopen it",
            dir.display()
        );
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}

/// What the simulator needs to know of each action to answer from its hidden truth.
fn catalog(strategy: &Strategy) -> Vec<ActionSpec> {
    strategy
        .actions()
        .iter()
        .map(|a| ActionSpec {
            id: a.id.clone(),
            issue: a.issue.clone(),
            group: a.group.clone(),
            kind: match a.kind {
                concord_strategy::ActionKind::Sales => ActionKind::Sales,
                concord_strategy::ActionKind::Service => ActionKind::Service,
            },
            value: a.value,
        })
        .collect()
}

pub fn run(args: DemoArgs) -> anyhow::Result<()> {
    let strategy_dir = args.strategy.clone().unwrap_or_else(default_strategy_dir);
    let strategy = serve::load_strategy(&strategy_dir)?;
    let data = fresh_data_dir(args.data.clone())?;
    let (keys, pairs) = crate::keys::generate();
    let runtime = serve::runtime()?;
    runtime.block_on(async move {
        let state = serve::open(&data, strategy.clone(), keys)?;
        let listener = serve::bind(args.listen).await?;
        let addr = listener.local_addr()?;
        let now = Timestamp::now();
        let history = jiff::SignedDuration::from_hours(i64::from(args.history_hours));
        let config = SimConfig {
            seed: args.seed,
            subscribers: args.subscribers,
            start: now
                .checked_sub(history)
                .context("history reaches before 1970")?,
            ..SimConfig::default()
        };
        let operator = Operator::new(config, &catalog(&strategy))
            .context("building the simulated operator")?;
        state.set_ready(false);
        load_base(&state.hub, &operator).await?;
        let example_customer = operator
            .subscribers()
            .first()
            .map(|s| s.id.0.clone())
            .context("the simulated base is empty; use --subscribers 1 or more")?;
        // A closed stdout (e.g. `concord demo | head`) must not stop the hub.
        let banner = print_banner(
            addr,
            &data,
            &strategy,
            &pairs,
            &example_customer,
            args.subscribers,
        );
        if let Err(e) = banner {
            tracing::warn!(error = %e, "could not print the banner");
        }

        let operator = Arc::new(Mutex::new(operator));
        let driver_state = state.clone();
        tokio::spawn(async move {
            if let Err(e) = drive(
                driver_state.hub.clone(),
                operator,
                args.traffic,
                args.seed,
                || driver_state.set_ready(true),
            )
            .await
            {
                tracing::error!(error = %e, "the demo's simulated operator stopped");
            }
        });
        // The example's `charging` endpoint and the outbound channels' sinks are simulated
        // systems served beside the API (and call-list files in the data folder).
        let connections = crate::demo_systems::connections(addr, &data)?;
        serve::serve(
            listener,
            state,
            concord_hub::SnapshotPolicy::default(),
            Some(connections),
            Some(crate::demo_systems::router()),
        )
        .await
    })
}

pub async fn load_base(hub: &Hub, operator: &Operator) -> anyhow::Result<()> {
    for chunk in operator.subscribers().chunks(BASE_CHUNK) {
        let rows = chunk.iter().map(Subscriber::base_row).collect();
        hub.load_customers(rows).await?;
    }
    tracing::info!(customers = hub.customer_count(), "simulated base loaded");
    Ok(())
}

#[allow(clippy::print_stdout)]
fn print_banner(
    addr: std::net::SocketAddr,
    data: &Path,
    strategy: &Strategy,
    keys: &[(Role, String)],
    customer: &str,
    subscribers: usize,
) -> anyhow::Result<()> {
    let url = format!("http://{addr}");
    let key = |role: Role| {
        keys.iter()
            .find(|(r, _)| *r == role)
            .map(|(_, k)| k.clone())
            .unwrap_or_default()
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "Concord demo is up at {url}")?;
    writeln!(
        out,
        "  strategy  {} v{} ({} actions, hash {})",
        strategy.name(),
        strategy.version(),
        strategy.actions().len(),
        &strategy.hash()[..12]
    )?;
    writeln!(
        out,
        "  base      {subscribers} simulated subscribers; events and channel traffic stream in the background"
    )?;
    writeln!(out, "  data      {}", data.display())?;
    writeln!(out, "API keys (send as Authorization: Bearer <key>):")?;
    for (role, k) in keys {
        writeln!(out, "  {:<9} {k}", role.as_str())?;
    }
    writeln!(out, "For the README's curl tour, paste:")?;
    writeln!(
        out,
        "  export CONCORD={url} CHANNEL_KEY={} AGENT_KEY={} MARKETER_KEY={} ADMIN_KEY={} CUSTOMER={customer}",
        key(Role::Channel),
        key(Role::Agent),
        key(Role::Marketer),
        key(Role::Admin)
    )?;
    writeln!(out, "Try:")?;
    writeln!(
        out,
        "  curl -s {url}/v1/decisions -H 'Authorization: Bearer {}' -H 'Content-Type: application/json' -d '{{\"customer_id\":\"{customer}\",\"channel\":\"ussd\"}}'",
        key(Role::Channel)
    )?;
    writeln!(
        out,
        "  curl -s {url}/v1/customers/{customer} -H 'Authorization: Bearer {}'",
        key(Role::Agent)
    )?;
    writeln!(
        out,
        "  curl -s {url}/v1/kpis -H 'Authorization: Bearer {}'",
        key(Role::Marketer)
    )?;
    writeln!(out, "Stop with Ctrl-C.")?;
    out.flush()?;
    Ok(())
}

/// Replays the simulated history up to now, then streams live events and channel traffic.
async fn drive(
    hub: Arc<Hub>,
    operator: Arc<Mutex<Operator>>,
    traffic: u32,
    seed: u64,
    on_caught_up: impl FnOnce(),
) -> anyhow::Result<()> {
    let hour = jiff::SignedDuration::from_hours(1);
    let mut cursor = operator.lock().now();
    let now = Timestamp::now();
    while cursor < now {
        cursor = cursor.checked_add(hour)?.min(now);
        let events = operator.lock().events_until(cursor);
        ingest(&hub, events).await?;
    }
    tracing::info!(
        customers = hub.customer_count(),
        "simulated history replayed; streaming live"
    );
    on_caught_up();

    let inbound: Vec<ChannelId> = hub
        .strategy()
        .channels()
        .iter()
        .filter(|c| c.direction == Direction::Inbound)
        .map(|c| c.id.clone())
        .collect();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        let now = Timestamp::now();
        let events = operator.lock().events_until(now);
        ingest(&hub, events).await?;
        if inbound.is_empty() {
            continue;
        }
        for _ in 0..traffic {
            let (customer, channel) = {
                let op = operator.lock();
                let n = op.subscribers().len();
                if n == 0 {
                    break;
                }
                let idx = rng.random_range(0..n);
                (
                    op.subscribers()[idx].id.clone(),
                    inbound[rng.random_range(0..inbound.len())].clone(),
                )
            };
            let request = DecisionRequest {
                channel: channel.clone(),
                context: Attributes::new(),
                limit: None,
                placement: None,
                explain: false,
            };
            let decision = hub.decide(&customer, request, now).await?;
            if let Some(top) = decision.record.actions.first() {
                let outcome = operator.lock().respond(
                    &customer,
                    &top.action_id,
                    channel.as_str(),
                    &Attributes::new(),
                    now,
                );
                hub.respond(&decision.record.decision_id, &top.action_id, outcome, now)
                    .await?;
            }
        }
    }
}

async fn ingest(hub: &Hub, events: Vec<concord_model::Event>) -> anyhow::Result<()> {
    let mut events = events;
    while !events.is_empty() {
        let rest = events.split_off(events.len().min(EVENT_CHUNK));
        hub.ingest(events).await?;
        events = rest;
    }
    Ok(())
}
