//! `concord serve`, and the server loop the demo shares: open the hub, bind, serve until Ctrl-C.

use crate::cli::ServeArgs;
use anyhow::Context;
use concord_channel::Fulfiller;
use concord_channel::connections::Connections;
use concord_hub::{Hub, SnapshotPolicy, Snapshotter};
use concord_model::SystemClock;
use concord_server::{ApiKeys, AppState, app};
use concord_strategy::Strategy;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

pub fn run(args: ServeArgs) -> anyhow::Result<()> {
    let strategy = load_strategy(&args.strategy)?;
    let keys = crate::keys::load(args.api_keys.as_deref())?;
    let runtime = runtime()?;
    let policy = args.snapshot_policy();
    #[cfg(feature = "kafka")]
    let kafka = crate::kafka::source(&args.kafka)?;
    let connections = load_connections(args.connections.as_deref(), &strategy)?;
    runtime.block_on(async move {
        let state = open(&args.data, strategy, keys)?;
        let listener = bind(args.listen).await?;
        let addr = listener.local_addr()?;
        #[cfg(feature = "kafka")]
        let consumer = crate::kafka::Consumer::start(kafka, &state);
        tracing::info!(%addr, "concord is serving");
        let served = serve(listener, state, policy, connections, None).await;
        #[cfg(feature = "kafka")]
        consumer.stop().await;
        served
    })
}

pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// Loads and validates a strategy; an invalid one stops the start with every error listed.
pub fn load_strategy(dir: &Path) -> anyhow::Result<Arc<Strategy>> {
    match Strategy::load(dir) {
        Ok(strategy) => Ok(Arc::new(strategy)),
        Err(errors) => anyhow::bail!(
            "the strategy in {} is invalid, refusing to start:\n{errors}",
            dir.display()
        ),
    }
}

#[cfg(feature = "kafka")]
pub(crate) fn kafka_sink(
    name: &str,
    spec: &concord_channel::connections::SinkSpec,
) -> Result<Arc<dyn concord_sink::ContactSink>, String> {
    crate::kafka::contact_sink(name, spec)
}

#[cfg(not(feature = "kafka"))]
pub(crate) fn kafka_sink(
    name: &str,
    _: &concord_channel::connections::SinkSpec,
) -> Result<Arc<dyn concord_sink::ContactSink>, String> {
    Err(format!(
        "sink {name} is a Kafka sink, and this build has no Kafka: build with --features kafka"
    ))
}

/// Reads the connections file (the systems Concord calls out to) and checks that it defines
/// every endpoint the strategy's actions are fulfilled through. Without a file, an action that
/// needs one is reported once: its acceptances queue (`GET /v1/provisions`) until the hub is
/// started with a file that defines the endpoint.
pub fn load_connections(
    path: Option<&Path>,
    strategy: &Strategy,
) -> anyhow::Result<Option<Connections>> {
    let Some(path) = path else {
        let waiting: Vec<String> = strategy
            .actions()
            .iter()
            .filter_map(|a| Some(format!("{} (endpoint {})", a.id, a.fulfilment.as_ref()?)))
            .collect();
        if !waiting.is_empty() {
            tracing::warn!(
                actions = waiting.join(", "),
                "no --connections file: acceptances of these actions queue for provisioning until one defines their endpoints"
            );
        }
        return Ok(None);
    };
    let connections = Connections::load(path)
        .map_err(|e| anyhow::anyhow!("the connections file is invalid, refusing to start:\n{e}"))?;
    connections.check(strategy).map_err(|e| {
        anyhow::anyhow!("the connections file does not fit the strategy, refusing to start:\n{e}")
    })?;
    Ok(Some(connections))
}

/// Opens an existing data folder for a command that only reads it (replay, export): a path
/// that holds no Concord data is refused rather than created empty.
pub fn open_existing(data: &Path, strategy: Arc<Strategy>) -> anyhow::Result<Hub> {
    if !data.join("journal").is_dir() {
        anyhow::bail!(
            "{} is not a Concord data folder (it has no journal): give the --data folder `concord serve` or `concord load` wrote",
            data.display()
        );
    }
    Hub::open(data, strategy).with_context(|| format!("opening the data folder {}", data.display()))
}

pub fn open(data: &Path, strategy: Arc<Strategy>, keys: ApiKeys) -> anyhow::Result<AppState> {
    let hub = Hub::open(data, strategy)
        .with_context(|| format!("opening the data folder {}", data.display()))?;
    Ok(AppState::new(Arc::new(hub), keys, Arc::new(SystemClock)))
}

pub async fn bind(addr: SocketAddr) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("listening on {addr}"))
}

/// Serves until Ctrl-C, taking snapshots in the background and one last one on the way out (so
/// the next start replays nothing).
/// With `connections`, the fulfilment worker provisions accepted offers through its
/// endpoints; `extra` routes are served beside the API (the demo's simulated systems).
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    policy: SnapshotPolicy,
    connections: Option<Connections>,
    extra: Option<axum::Router>,
) -> anyhow::Result<()> {
    let mut state = state;
    let hub = state.hub.clone();
    let snapshotter = Snapshotter::start(&hub, policy).context("starting the snapshot thread")?;
    let housekeeping = concord_server::spawn_housekeeping(&state);
    let mut workers = Vec::new();
    if let Some(connections) = connections {
        let fulfiller = Fulfiller::new(hub.clone(), &connections, state.clock.clone())
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        workers.push(tokio::spawn(fulfiller.run()));
        if !connections.channels.is_empty() {
            let sinks = concord_channel::build_sinks(&connections, kafka_sink)
                .map_err(|e| anyhow::anyhow!("the connections file's sinks: {e}"))?;
            let outbound = concord_channel::Outbound::new(
                hub.clone(),
                &connections,
                sinks.clone(),
                state.clock.clone(),
            );
            workers.push(tokio::spawn(outbound.run()));
            state.runs = concord_channel::Runs::new(
                hub.clone(),
                Some(&connections),
                sinks,
                state.clock.clone(),
            );
        } else {
            // Runs are refused naming the missing `channels` route, not the flag.
            state.runs = concord_channel::Runs::new(
                hub.clone(),
                Some(&connections),
                std::collections::BTreeMap::new(),
                state.clock.clone(),
            );
        }
    }
    let mut router = app(state);
    if let Some(extra) = extra {
        router = router.merge(extra);
    }
    let served = axum::serve(listener, router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("shutting down");
        })
        .await
        .context("serving HTTP");
    housekeeping.abort();
    for worker in workers {
        // Jobs and deliveries in flight stay open in the journal and are sent again (same
        // keys) on restart.
        worker.abort();
    }
    tokio::task::spawn_blocking(move || {
        snapshotter.stop();
        hub.snapshot()
    })
    .await
    .context("the shutdown snapshot stopped")?
    .context("taking the shutdown snapshot")?;
    served
}
