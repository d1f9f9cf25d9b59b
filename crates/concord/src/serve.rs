//! `concord serve`, and the server loop the demo shares: open the hub, bind, serve until Ctrl-C.

use crate::cli::ServeArgs;
use anyhow::Context;
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
    runtime.block_on(async move {
        let state = open(&args.data, strategy, keys)?;
        let listener = bind(args.listen).await?;
        let addr = listener.local_addr()?;
        #[cfg(feature = "kafka")]
        let consumer = crate::kafka::Consumer::start(kafka, &state);
        tracing::info!(%addr, "concord is serving");
        let served = serve(listener, state, policy).await;
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
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    policy: SnapshotPolicy,
) -> anyhow::Result<()> {
    let hub = state.hub.clone();
    let snapshotter = Snapshotter::start(&hub, policy).context("starting the snapshot thread")?;
    let housekeeping = concord_server::spawn_housekeeping(&state);
    let served = axum::serve(listener, app(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("shutting down");
        })
        .await
        .context("serving HTTP");
    housekeeping.abort();
    tokio::task::spawn_blocking(move || {
        snapshotter.stop();
        hub.snapshot()
    })
    .await
    .context("the shutdown snapshot stopped")?
    .context("taking the shutdown snapshot")?;
    served
}
