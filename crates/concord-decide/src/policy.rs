//! The engagement policies of one decision: each issue's and group's policies judged once,
//! then each action's own, in Pega's order (eligibility, applicability, suitability; issue,
//! group, action within each). Verdicts are compact; their text is written only when a trace
//! is asked for.

use concord_model::TraceStage;
use concord_strategy::{Action, EvalError, Frame, Policies, Rule, Strategy};
use std::borrow::Cow;

const STAGES: [TraceStage; 3] = [
    TraceStage::Eligibility,
    TraceStage::Applicability,
    TraceStage::Suitability,
];

/// Which level of the taxonomy a failing rule belongs to.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Level {
    Issue,
    Group,
    Action,
}

/// Why an action left at a policy.
#[derive(Debug, Clone)]
pub(crate) struct Failed<'s> {
    pub(crate) stage: TraceStage,
    level: Level,
    rule: &'s Rule,
    /// `None`: the rule was false; `Some`: it could not be judged.
    error: Option<EvalError>,
    /// The issue's or group's id, for the message.
    owner: &'s str,
}

impl Failed<'_> {
    /// The trace's reason text.
    pub(crate) fn reason(&self) -> String {
        let level = match self.level {
            Level::Issue => format!("issue {}", self.owner),
            Level::Group => format!("group {}", self.owner),
            Level::Action => "action".to_owned(),
        };
        let name = match self.stage {
            TraceStage::Applicability => "applicability",
            TraceStage::Suitability => "suitability",
            _ => "eligibility",
        };
        match &self.error {
            None => format!("{level} {name} is false: {}", self.rule.source()),
            Some(e) => format!("{level} {name} rule failed, action dropped: {e}"),
        }
    }
}

type Verdicts<'s> = [Result<(), Failed<'s>>; 3];

fn rules(policies: &Policies) -> [Option<&Rule>; 3] {
    [
        policies.eligibility.as_ref(),
        policies.applicability.as_ref(),
        policies.suitability.as_ref(),
    ]
}

/// Judges the `k`th policy rule (absent: passes).
fn judge_one<'s>(
    rule: Option<&'s Rule>,
    k: usize,
    frame: &Frame<'_>,
    level: Level,
    owner: &'s str,
) -> Result<(), Failed<'s>> {
    let Some(rule) = rule else {
        return Ok(());
    };
    let failed = |error| Failed {
        stage: STAGES[k],
        level,
        rule,
        error,
        owner,
    };
    match rule.eval_frame(frame) {
        Ok(true) => Ok(()),
        Ok(false) => Err(failed(None)),
        Err(e) => Err(failed(Some(e))),
    }
}

fn judge<'s>(
    policies: &'s Policies,
    frame: &Frame<'_>,
    level: Level,
    owner: &'s str,
) -> Verdicts<'s> {
    let rules = rules(policies);
    [0, 1, 2].map(|k| judge_one(rules[k], k, frame, level, owner))
}

/// Issue and group verdicts, computed on first use and shared by their actions.
pub(crate) struct Policy<'s, 'f> {
    frame: &'f Frame<'f>,
    issues: Vec<Option<Verdicts<'s>>>,
    /// Per issue, per group.
    groups: Vec<Vec<Option<Verdicts<'s>>>>,
}

impl<'s, 'f> Policy<'s, 'f> {
    pub(crate) fn new(strategy: &'s Strategy, frame: &'f Frame<'f>) -> Self {
        Policy {
            frame,
            issues: vec![None; strategy.issues().len()],
            groups: strategy
                .issues()
                .iter()
                .map(|i| vec![None; i.groups.len()])
                .collect(),
        }
    }

    /// `Ok` when the action passes all nine checks, else the first that drops it (an issue's
    /// or group's verdict borrowed from the cache, not copied: most actions of a failing group
    /// are dropped by it); `levels` 1 judges eligibility only (the `eligibility_only` control
    /// arm), 3 every level.
    pub(crate) fn check(
        &mut self,
        strategy: &'s Strategy,
        action: &'s Action,
        levels: usize,
    ) -> Result<(), Cow<'_, Failed<'s>>> {
        let frame = self.frame;
        let (i, g) = strategy.taxonomy_at(action);
        let (Some((issue, group)), Some(issue_slot), Some(group_slot)) = (
            strategy.taxonomy(action),
            self.issues.get_mut(i),
            self.groups.get_mut(i).and_then(|groups| groups.get_mut(g)),
        ) else {
            // Validation resolves every action's issue and group; nothing to judge otherwise.
            return Ok(());
        };
        let issue_verdicts = issue_slot
            .get_or_insert_with(|| judge(&issue.policies, frame, Level::Issue, &issue.id));
        let group_verdicts = group_slot
            .get_or_insert_with(|| judge(&group.policies, frame, Level::Group, &group.id));
        let own = rules(&action.policies);
        for k in 0..levels.min(3) {
            if let Err(failed) = &issue_verdicts[k] {
                return Err(Cow::Borrowed(failed));
            }
            if let Err(failed) = &group_verdicts[k] {
                return Err(Cow::Borrowed(failed));
            }
            judge_one(own[k], k, frame, Level::Action, "").map_err(Cow::Owned)?;
        }
        Ok(())
    }
}
