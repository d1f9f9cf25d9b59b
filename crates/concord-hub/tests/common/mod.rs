//! What the hub's integration tests compare across restarts: everything a client can observe.

use concord_hub::Hub;
use concord_model::{CustomerId, Timestamp};

/// The customer views of `customers` at `now`, trigger fires, KPIs, models and the decision log
/// size, as comparable JSON.
pub async fn observe(hub: &Hub, customers: &[CustomerId], now: Timestamp) -> serde_json::Value {
    let mut profiles = Vec::new();
    for c in customers {
        profiles.push(hub.customer(c, now).await.map(|s| {
            serde_json::json!({
                "profile": serde_json::to_value(&s.profile).expect("serialises"),
                "recent_events": serde_json::to_value(&s.recent_events).expect("serialises"),
                "triggers": serde_json::to_value(&s.triggers).expect("serialises"),
                "computed": serde_json::to_value(&s.computed).expect("serialises"),
                "decisions": serde_json::to_value(&s.decisions).expect("serialises"),
            })
        }));
    }
    let mut models: Vec<_> = hub
        .models()
        .models
        .iter()
        .map(|(k, c)| {
            (
                k.action.0.clone(),
                k.channel.0.clone(),
                c.positives,
                c.negatives,
            )
        })
        .collect();
    models.sort();
    let triggers = hub.triggers(100_000);
    serde_json::json!({
        "customers": hub.customer_count(),
        "profiles": profiles,
        "trigger_counts": serde_json::to_value(&triggers.counts).expect("serialises"),
        "trigger_recent": serde_json::to_value(&triggers.recent).expect("serialises"),
        "kpis": serde_json::to_value(hub.kpis()).expect("serialises"),
        "models": models,
        "decisions_kept": hub.decisions_kept(),
        "contacts_kept": hub.contacts_kept(),
    })
}
