//! Batch-run contacts are kept compact (a journal position each), yet every one of them is
//! answerable like any decision: a response reads it back, teaches the model and counts once,
//! across a journal replay and a snapshot, and its channel's timeout answers the rest.

mod common;

use concord_hub::{Hub, HubError, RunProgress, RunSpec};
use concord_model::{ActionId, ChannelId, DecisionId, DecisionRecord, Outcome};

use common::{current_thread_runtime as runtime, hours_after_ten as at};

/// The negatives and positives the SMS model of `action` has learnt.
fn learnt(hub: &Hub, action: &ActionId) -> (u64, u64) {
    hub.flush_learning();
    hub.models()
        .model(action, &ChannelId::new("sms"))
        .map_or((0, 0), |m| (m.adm.counts.negatives, m.adm.counts.positives))
}

fn answer(
    rt: &tokio::runtime::Runtime,
    hub: &Hub,
    record: &DecisionRecord,
    outcome: Outcome,
    hours: i64,
) -> Result<bool, HubError> {
    rt.block_on(hub.respond(
        &record.decision_id,
        &record.actions[0].action_id,
        outcome,
        at(hours),
    ))
    .map(|o| o.duplicate)
}

#[test]
fn run_contacts_are_answerable_across_restarts_and_time_out() {
    let data = tempfile::tempdir().expect("temp dir");
    let strategy = common::strategy_from(&common::uncapped_example_files());
    let rt = runtime();
    let ids: Vec<String> = (0..40).map(|i| format!("c{i:02}")).collect();
    let customers: Vec<(&str, &str)> = ids.iter().map(|id| (id.as_str(), "h")).collect();
    let records = {
        let hub = Hub::open(data.path(), strategy.clone()).expect("opens");
        rt.block_on(common::load_postpaid(&hub, &customers));
        let plan = hub
            .plan_run(
                RunSpec {
                    channel: "sms".to_owned(),
                    ..RunSpec::default()
                },
                at(0),
            )
            .expect("plans");
        let mut records = Vec::new();
        let tally = hub
            .run_batch(&plan, &|| at(0), &RunProgress::default(), &mut |batch| {
                records.extend(batch);
                Ok(())
            })
            .expect("runs");
        assert_eq!(tally.contacted, 40, "every customer gets the SMS");
        assert_eq!(records.len(), 40);
        assert_eq!(hub.decisions_kept(), 0, "no full record in memory");
        assert_eq!(hub.run_contacts_kept(), 40);
        assert_eq!(hub.timeouts_scheduled(), 40);

        // The first contact accepts: read back, learnt, counted once.
        let action = &records[0].actions[0].action_id;
        assert_eq!(learnt(&hub, action).1, 0);
        assert!(!answer(&rt, &hub, &records[0], Outcome::Accepted, 1).expect("responds"));
        assert_eq!(learnt(&hub, action).1, 1, "the model learnt the acceptance");
        assert!(
            answer(&rt, &hub, &records[0], Outcome::Accepted, 1).expect("responds"),
            "a replayed response is a duplicate"
        );
        assert_eq!(hub.kpis().total.accepts, 1);
        // Ids that only look like a run contact's are unknown.
        let seq = records[0]
            .decision_id
            .as_str()
            .rsplit_once('-')
            .expect("id")
            .1;
        for forged in [
            format!("d-1-{seq}"),
            "d-0-999999".to_owned(),
            "x".to_owned(),
        ] {
            let err = rt
                .block_on(hub.respond(
                    &DecisionId::new(forged.as_str()),
                    action,
                    Outcome::Accepted,
                    at(1),
                ))
                .expect_err("unknown");
            assert!(
                matches!(err, HubError::UnknownDecision(_)),
                "{forged}: {err}"
            );
        }
        records
    };

    // Replayed from the journal: the contacts are still answerable, the answer still counts once.
    {
        let hub = Hub::open(data.path(), strategy.clone()).expect("reopens");
        assert_eq!(hub.run_contacts_kept(), 40);
        assert!(answer(&rt, &hub, &records[0], Outcome::Accepted, 2).expect("responds"));
        assert!(!answer(&rt, &hub, &records[1], Outcome::Declined, 2).expect("responds"));
        assert_eq!(hub.kpis().total.accepts, 1);
        assert_eq!(hub.kpis().total.declines, 1);
        hub.snapshot().expect("snapshot");
    }

    // Restored from a snapshot: the 38 unanswered contacts time out at 3 days, once.
    let hub = Hub::open(data.path(), strategy).expect("reopens");
    assert_eq!(hub.run_contacts_kept(), 40);
    assert!(!answer(&rt, &hub, &records[2], Outcome::Accepted, 3).expect("responds"));
    assert_eq!(
        rt.block_on(hub.expire_responses(at(71))).expect("sweeps"),
        0
    );
    assert_eq!(
        rt.block_on(hub.expire_responses(at(72))).expect("sweeps"),
        37
    );
    assert_eq!(
        rt.block_on(hub.expire_responses(at(80))).expect("sweeps"),
        0,
        "once"
    );
    assert_eq!(hub.kpis().total.accepts, 2);
    assert!(
        answer(&rt, &hub, &records[39], Outcome::Accepted, 90).expect("responds"),
        "a contact that timed out keeps its answer"
    );
    assert_eq!(hub.kpis().total.accepts, 2);
}
