//! The engagement policies of one decision: each issue's and group's policies judged once,
//! then each action's own, in Pega's order (eligibility, applicability, suitability; issue,
//! group, action within each).

use concord_model::TraceStage;
use concord_strategy::{Action, Frame, Policies, Rule, Strategy};
use std::collections::HashMap;

/// Why an action left at a policy: the stage and the reason for the trace.
pub(crate) type Drop = (TraceStage, String);

const STAGES: [TraceStage; 3] = [
    TraceStage::Eligibility,
    TraceStage::Applicability,
    TraceStage::Suitability,
];

fn rules(policies: &Policies) -> [Option<&Rule>; 3] {
    [
        policies.eligibility.as_ref(),
        policies.applicability.as_ref(),
        policies.suitability.as_ref(),
    ]
}

/// Judges one rule: `Ok` when it holds (or is absent), else the drop.
fn judge(
    rule: Option<&Rule>,
    frame: &Frame<'_>,
    stage: TraceStage,
    level: &str,
) -> Result<(), Drop> {
    let Some(rule) = rule else {
        return Ok(());
    };
    match rule.eval_frame(frame) {
        Ok(true) => Ok(()),
        Ok(false) => Err((
            stage,
            format!("{level} {} is false: {}", name(stage), rule.source()),
        )),
        Err(e) => Err((
            stage,
            format!("{level} {} rule failed, action dropped: {e}", name(stage)),
        )),
    }
}

fn name(stage: TraceStage) -> &'static str {
    match stage {
        TraceStage::Applicability => "applicability",
        TraceStage::Suitability => "suitability",
        _ => "eligibility",
    }
}

/// Issue and group verdicts, computed on first use and shared by their actions.
pub(crate) struct Policy<'s, 'f> {
    frame: &'f Frame<'f>,
    issues: HashMap<&'s str, [Result<(), Drop>; 3]>,
    groups: HashMap<(&'s str, &'s str), [Result<(), Drop>; 3]>,
}

impl<'s, 'f> Policy<'s, 'f> {
    pub(crate) fn new(frame: &'f Frame<'f>) -> Self {
        Policy {
            frame,
            issues: HashMap::new(),
            groups: HashMap::new(),
        }
    }

    /// `Ok` when the action passes all nine checks, else the first that drops it.
    pub(crate) fn check(&mut self, strategy: &'s Strategy, action: &'s Action) -> Result<(), Drop> {
        let frame = self.frame;
        let (issue, group) = match strategy.taxonomy(action) {
            Some(found) => found,
            None => {
                return Err((
                    TraceStage::Eligibility,
                    format!(
                        "issue {} / group {} not declared",
                        action.issue, action.group
                    ),
                ));
            }
        };
        let verdicts = |policies: &Policies, level: &str| {
            let rules = rules(policies);
            [0, 1, 2].map(|i| judge(rules[i], frame, STAGES[i], level))
        };
        let issue_verdicts = self
            .issues
            .entry(issue.id.as_str())
            .or_insert_with(|| verdicts(&issue.policies, &format!("issue {}", issue.id)))
            .clone();
        let group_verdicts = self
            .groups
            .entry((issue.id.as_str(), group.id.as_str()))
            .or_insert_with(|| verdicts(&group.policies, &format!("group {}", group.id)))
            .clone();
        let own = rules(&action.policies);
        for (i, stage) in STAGES.into_iter().enumerate() {
            issue_verdicts[i].clone()?;
            group_verdicts[i].clone()?;
            judge(own[i], frame, stage, "action")?;
        }
        Ok(())
    }
}
