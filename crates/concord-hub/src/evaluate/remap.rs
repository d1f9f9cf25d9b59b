//! What a logged decision recorded by the live strategy's positions (actions, channels,
//! volume budgets), renumbered for a candidate strategy; and whether the candidate reads
//! customers the way the log recorded them.

use crate::error::HubError;
use concord_model::{Contact, Offer, VolumeUse};
use concord_strategy::Strategy;

/// The candidate must share the live profile schema (the log holds values by its slots) and
/// the models' predictors (the models learnt on them).
pub(super) fn check_compatible(live: &Strategy, candidate: &Strategy) -> Result<(), HubError> {
    let slots = |s: &Strategy| -> Vec<String> {
        (0u32..)
            .map_while(|slot| s.profile_schema().slot_name(slot))
            .collect()
    };
    if slots(live) != slots(candidate) {
        return Err(HubError::Candidate(
            "its profile.yaml declares other attributes, aggregates, derived or context fields than the live strategy's: the log holds the values the live decisions read by the live schema".to_owned(),
        ));
    }
    let predictors = |s: &Strategy| -> Vec<(String, bool)> {
        s.models()
            .predictors
            .iter()
            .map(|p| (p.name.clone(), p.numeric))
            .collect()
    };
    if predictors(live) != predictors(candidate) {
        return Err(HubError::Candidate(
            "its models.yaml predictors differ from the live strategy's: today's models learnt on the live ones".to_owned(),
        ));
    }
    Ok(())
}

/// Live positions -> candidate positions, by id.
pub(super) struct Remap {
    actions: Vec<Option<u32>>,
    channels: Vec<Option<u16>>,
    same_volumes: bool,
}

impl Remap {
    pub(super) fn new(live: &Strategy, candidate: &Strategy) -> Self {
        Self {
            actions: live
                .actions()
                .iter()
                .map(|a| {
                    candidate
                        .action_index(a.id.as_str())
                        .and_then(|i| u32::try_from(i).ok())
                })
                .collect(),
            channels: live
                .channels()
                .iter()
                .map(|c| {
                    candidate
                        .channel_at(c.id.as_str())
                        .and_then(|(i, _)| u16::try_from(i).ok())
                })
                .collect(),
            same_volumes: live.contact().volumes == candidate.contact().volumes,
        }
    }

    fn action(&self, live: u32) -> Option<u32> {
        self.actions.get(live as usize).copied().flatten()
    }

    fn channel(&self, live: u16) -> Option<u16> {
        self.channels.get(usize::from(live)).copied().flatten()
    }

    /// Contacts of actions and channels the candidate has, renumbered.
    pub(super) fn contacts(&self, contacts: &[Contact]) -> Vec<Contact> {
        contacts
            .iter()
            .filter_map(|c| {
                Some(Contact {
                    action: self.action(c.action)?,
                    channel: self.channel(c.channel)?,
                    ..*c
                })
            })
            .collect()
    }

    pub(super) fn offers(&self, offers: &[Offer]) -> Vec<Offer> {
        offers
            .iter()
            .filter_map(|o| {
                Some(Offer {
                    action: self.action(o.action)?,
                    channel: self.channel(o.channel)?,
                    ..*o
                })
            })
            .collect()
    }

    /// The volume budgets' use, when the candidate has the same budgets; none otherwise.
    pub(super) fn volume(&self, volume: &[VolumeUse]) -> Vec<VolumeUse> {
        if self.same_volumes {
            volume.to_vec()
        } else {
            Vec::new()
        }
    }
}
