//! The engagement policies of one decision: each issue's and group's policies judged once,
//! then each action's own, in Pega's order (eligibility, applicability, suitability; issue,
//! group, action within each). Verdicts are compact and judged level by level as they are
//! needed; their text is written only when a trace is asked for.

use concord_model::TraceStage;
use concord_strategy::{Action, EvalError, Frame, Policies, Rule, Strategy};

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
    error: Option<Box<EvalError>>,
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

/// One policy rule's verdict for this decision (a word: the error is boxed, and rare).
#[derive(Debug, Clone, Default)]
enum Verdict {
    #[default]
    Unjudged,
    Pass,
    False,
    Error(Box<EvalError>),
}

fn rule_at(policies: &Policies, k: usize) -> Option<&Rule> {
    match k {
        0 => policies.eligibility.as_ref(),
        1 => policies.applicability.as_ref(),
        _ => policies.suitability.as_ref(),
    }
}

/// The `k`th policy of an issue or group (absent: passes), judged on first use and kept;
/// `Err` names why it drops the action.
#[inline]
fn cached<'s>(
    slot: &mut Verdict,
    policies: &'s Policies,
    k: usize,
    frame: &Frame<'_>,
    level: Level,
    owner: &'s str,
) -> Result<(), Failed<'s>> {
    let Some(rule) = rule_at(policies, k) else {
        return Ok(());
    };
    if matches!(slot, Verdict::Unjudged) {
        *slot = match rule.judge_frame(frame) {
            Ok(true) => Verdict::Pass,
            Ok(false) => Verdict::False,
            Err(e) => Verdict::Error(e),
        };
    }
    let error = match slot {
        Verdict::Pass | Verdict::Unjudged => return Ok(()),
        Verdict::False => None,
        Verdict::Error(e) => Some(e.clone()),
    };
    Err(Failed {
        stage: STAGES[k],
        level,
        rule,
        error,
        owner,
    })
}

/// Issue and group verdicts, judged on first use and shared by their actions.
pub(crate) struct Policy<'s, 'f> {
    frame: &'f Frame<'f>,
    /// One allocation a decision: each issue's verdicts, then each issue's groups' in rows of
    /// `row` (the most groups an issue has).
    verdicts: Vec<[Verdict; 3]>,
    issues: usize,
    row: usize,
    _strategy: std::marker::PhantomData<&'s Strategy>,
}

impl<'s, 'f> Policy<'s, 'f> {
    pub(crate) fn new(strategy: &'s Strategy, frame: &'f Frame<'f>) -> Self {
        let issues = strategy.issues().len();
        let row = strategy
            .issues()
            .iter()
            .map(|i| i.groups.len())
            .max()
            .unwrap_or(0);
        Policy {
            frame,
            verdicts: vec![Default::default(); issues + issues * row],
            issues,
            row,
            _strategy: std::marker::PhantomData,
        }
    }

    /// `Ok` when the action passes all nine checks, else the first that drops it; `levels` 1
    /// judges eligibility only (the `eligibility_only` control arm), 3 every level. An issue's
    /// or group's rule is judged once a decision, and only once an action gets to it.
    pub(crate) fn check(
        &mut self,
        strategy: &'s Strategy,
        action: &'s Action,
        levels: usize,
    ) -> Result<(), Failed<'s>> {
        let frame = self.frame;
        let (i, g) = strategy.taxonomy_at(action);
        let Some((issue, group)) = strategy.taxonomy(action).filter(|_| g < self.row) else {
            // Validation resolves every action's issue and group; nothing to judge otherwise.
            return Ok(());
        };
        let (issue_part, group_part) = self.verdicts.split_at_mut(self.issues);
        let (Some(issue_slots), Some(group_slots)) =
            (issue_part.get_mut(i), group_part.get_mut(i * self.row + g))
        else {
            return Ok(());
        };
        for k in 0..levels.min(3) {
            cached(
                &mut issue_slots[k],
                &issue.policies,
                k,
                frame,
                Level::Issue,
                &issue.id,
            )?;
            cached(
                &mut group_slots[k],
                &group.policies,
                k,
                frame,
                Level::Group,
                &group.id,
            )?;
            if let Some(rule) = rule_at(&action.policies, k) {
                let error = match rule.judge_frame(frame) {
                    Ok(true) => continue,
                    Ok(false) => None,
                    Err(e) => Some(e),
                };
                return Err(Failed {
                    stage: STAGES[k],
                    level: Level::Action,
                    rule,
                    error,
                    owner: "",
                });
            }
        }
        Ok(())
    }
}
