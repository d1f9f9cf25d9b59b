//! Follow-ups: after a response in an inbound channel whose channels.yaml names a `follow_up`,
//! a message in that outbound channel consistent with what happened: the text for the
//! outcome, with the action's name, price and validity as the customer was offered them (the
//! agent's "thanks for renewing" SMS).
//!
//! A follow-up is queued once its response is durable; the outbound worker makes it a decision
//! in the outbound channel ([`Hub::follow_up`]): journaled with `context.follow_up` =
//! `<decision>:<action>` (so once per response), an impression in the contact history, waiting
//! in the outbox for the channel's sink like a trigger's decision (consent is checked again at
//! send). A customer without consent in the channel gets none; one in the channel's quiet
//! hours waits for them to end. After a restart, responses of the last hour whose follow-up no
//! logged decision names are queued again.

use crate::HubError;
use crate::hub::Hub;
use concord_model::{
    Arm, Attributes, ChannelId, CustomerId, DecisionRecord, Outcome, RankedAction, Timestamp, Value,
};
use concord_strategy::{Frame, Offered, RuleEnv, Strategy};
use std::sync::atomic::Ordering;

/// The context key a follow-up decision names its response in.
pub const FOLLOW_UP_KEY: &str = "follow_up";
/// After a restart, responses this recent whose follow-up is not logged are queued again.
pub(crate) const FOLLOW_UP_REQUEUE_MS: i64 = 3_600_000;

/// A follow-up waiting for its decision.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowUpJob {
    /// `<decision>:<action>` of the response.
    pub key: String,
    pub customer_id: CustomerId,
    /// Where the response was given (the call centre).
    pub from: ChannelId,
    /// Where the follow-up goes (SMS).
    pub channel: ChannelId,
    /// The action as the response's decision offered it.
    pub action: RankedAction,
    pub outcome: Outcome,
    pub arm: Arm,
    pub household: Option<String>,
    /// The response's time.
    pub time: Timestamp,
}

/// The follow-up a response calls for, if its channel has one for the outcome.
pub(crate) fn job_for(
    strategy: &Strategy,
    decision: &DecisionRecord,
    action: &concord_model::ActionId,
    outcome: Outcome,
    time: Timestamp,
) -> Option<FollowUpJob> {
    let follow = strategy
        .channel(decision.channel.as_str())?
        .follow_up
        .as_ref()?;
    follow.text(outcome)?;
    let ranked = decision.actions.iter().find(|a| &a.action_id == action)?;
    Some(FollowUpJob {
        key: format!("{}:{}", decision.decision_id, action),
        customer_id: decision.customer_id.clone(),
        from: decision.channel.clone(),
        channel: follow.channel.clone(),
        action: ranked.clone(),
        outcome,
        arm: decision.arm,
        household: decision.household.clone(),
        time,
    })
}

/// The follow-ups of responses since `since_ms` that no logged decision names: those a
/// crash caught between the response and its follow-up's decision.
pub(crate) fn missing(
    strategy: &Strategy,
    log: &crate::decision_log::DecisionLog,
    outbox: &crate::outbox::Outbox,
    since_ms: i64,
) -> Vec<FollowUpJob> {
    let mut jobs: Vec<FollowUpJob> = log
        .entries()
        .flat_map(|entry| {
            entry
                .responses
                .iter()
                .filter(|r| r.time.as_millisecond() >= since_ms)
                .filter_map(|r| job_for(strategy, &entry.record, &r.action_id, r.outcome, r.time))
        })
        .filter(|job| !outbox.fire_decided(&job.key))
        .collect();
    jobs.sort_by_key(|j| j.time);
    jobs
}

/// What became of a follow-up.
#[derive(Debug, Clone, PartialEq)]
pub enum FollowedUp {
    /// Decided: the decision waits in the outbox for the channel's sink.
    Decided(Box<DecisionRecord>),
    /// Logged already (a retry, or decided before a restart).
    Done,
    /// Not sent: no consent in the channel, or the text needs a value this offer lacks.
    Skipped(String),
    /// The customer's local time is in the channel's quiet hours: try again later.
    Later,
}

/// The customer's values a text reads (an empty profile for one the store does not know).
struct Empty;

impl RuleEnv for Empty {
    fn lookup(&self, _: &concord_strategy::Var) -> Value {
        Value::Null
    }
}

impl Hub {
    /// Follow-ups waiting for their decision (taken from the queue).
    pub fn take_follow_ups(&self) -> Vec<FollowUpJob> {
        self.outbox.lock().take_follow_ups()
    }

    /// Puts back follow-ups to try again later (quiet hours).
    pub fn defer_follow_ups(&self, jobs: Vec<FollowUpJob>) {
        self.outbox.lock().queue_follow_ups(jobs);
    }

    /// Makes `job` a decision in its outbound channel at `now` (see the module doc).
    pub async fn follow_up(
        &self,
        job: &FollowUpJob,
        now: Timestamp,
    ) -> Result<FollowedUp, HubError> {
        let _gate = self.decision_gate.read().await;
        if self.outbox.lock().fire_decided(&job.key) {
            return Ok(FollowedUp::Done);
        }
        let Some(channel) = self.strategy.channel(job.channel.as_str()) else {
            return Ok(FollowedUp::Skipped(format!(
                "channel {} is gone from the strategy",
                job.channel
            )));
        };
        if !self.consents(&job.customer_id, &job.channel, now) {
            return Ok(FollowedUp::Skipped(format!(
                "no consent in {}",
                job.channel
            )));
        }
        let Some(template) = self
            .strategy
            .channel(job.from.as_str())
            .and_then(|c| c.follow_up.as_ref())
            .and_then(|f| f.text(job.outcome))
        else {
            return Ok(FollowedUp::Skipped(
                "the channel no longer follows this outcome up".to_owned(),
            ));
        };
        let action_name = self
            .strategy
            .action(job.action.action_id.as_str())
            .map_or_else(|| job.action.action_id.0.clone(), |a| a.name.clone());
        let rendered = {
            let render = |env: &dyn RuleEnv| {
                let frame = Frame::new(self.strategy.profile_schema(), env);
                let zone = concord_decide::customer_zone(&self.strategy, &frame);
                if concord_decide::quiet_local_time(channel, &zone, now).is_some() {
                    return None;
                }
                let offered = Offered {
                    price: job.action.price,
                    valid_until: job.action.valid_until,
                    value: job.action.value,
                    action_name: &action_name,
                    zone: &zone,
                };
                Some(template.render(&frame, &offered))
            };
            match self
                .profiles()
                .read(&job.customer_id, |p| render(&p.env(now)))
            {
                Some(text) => text,
                None => render(&Empty),
            }
        };
        let text = match rendered {
            None => return Ok(FollowedUp::Later),
            Some(Err(missing)) => {
                return Ok(FollowedUp::Skipped(format!(
                    "the follow-up text's {missing} for this offer"
                )));
            }
            Some(Ok(text)) => text,
        };
        let mut context = Attributes::new();
        context.insert(FOLLOW_UP_KEY.to_owned(), Value::Str(job.key.clone()));
        context.insert(
            "outcome".to_owned(),
            Value::Str(job.outcome.as_str().to_owned()),
        );
        context.insert("from".to_owned(), Value::Str(job.from.0.clone()));
        let seq = self.next_decision.fetch_add(1, Ordering::Relaxed) + 1;
        let record = DecisionRecord {
            decision_id: crate::decision_log::decision_id(now.as_millisecond(), seq),
            customer_id: job.customer_id.clone(),
            channel: job.channel.clone(),
            time: now,
            strategy_hash: self.strategy.hash().to_owned(),
            context,
            actions: vec![RankedAction {
                rank: 1,
                treatment: Some(text),
                ..job.action.clone()
            }],
            household: job.household.clone(),
            predictors: Vec::new(),
            inputs: None,
            arm: job.arm,
            variant: None,
        };
        let held = self.contacts.hold(
            &job.customer_id,
            job.household.as_deref(),
            job.channel.as_str(),
            now,
        );
        held.record(job.channel.as_str(), &record.actions, now);
        let record = self.log_decision(record).await?;
        Ok(FollowedUp::Decided(Box::new(record)))
    }
}
