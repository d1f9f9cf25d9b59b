//! The engagement policies of one decision: each issue's and group's policies judged once,
//! then each action's own, in Pega's order (eligibility, applicability, suitability; issue,
//! group, action within each). Verdicts are compact and judged level by level as they are
//! needed; their text is written only when a trace is asked for.

use concord_model::TraceStage;
use concord_strategy::{Action, Fault, Frame, Policies, Rule, Strategy};

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

/// Why an action left at a policy (borrowed from the decision's verdicts: an issue's or
/// group's failure drops all its actions, and is not copied for each).
#[derive(Debug, Clone)]
pub(crate) struct Failed<'a> {
    pub(crate) stage: TraceStage,
    level: Level,
    rule: &'a Rule,
    /// `None`: the rule was false; `Some`: it could not be judged.
    error: Option<&'a Fault>,
    /// The issue's or group's id, for the message.
    owner: &'a str,
    /// The decision's values, to name what could not be judged.
    frame: &'a Frame<'a>,
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
            Some(fault) => format!(
                "{level} {name} rule failed, action dropped: {}",
                self.rule.error((*fault).clone(), self.frame)
            ),
        }
    }
}

fn rule_at(policies: &Policies, k: usize) -> Option<&Rule> {
    match k {
        0 => policies.eligibility.as_ref(),
        1 => policies.applicability.as_ref(),
        _ => policies.suitability.as_ref(),
    }
}

/// A level's verdict, two bits of a slot's byte.
const UNJUDGED: u8 = 0;
const PASS: u8 = 1;
const FALSE: u8 = 2;
const ERROR: u8 = 3;

/// Issue and group verdicts, judged on first use (level by level, as actions reach them) and
/// shared by their actions.
pub(crate) struct Policy<'s, 'f> {
    frame: &'f Frame<'f>,
    /// A byte a slot (each issue, then each issue's groups in rows of `row`, the most groups
    /// an issue has), two bits a level; one small allocation a decision.
    states: Vec<u8>,
    issues: usize,
    row: usize,
    /// The faults of issue and group rules that could not be judged, by (slot, level).
    errors: Vec<(usize, usize, Fault)>,
    /// The fault of the last action rule that could not be judged.
    own_error: Option<Fault>,
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
            states: vec![0; issues + issues * row],
            issues,
            row,
            errors: Vec::new(),
            own_error: None,
            _strategy: std::marker::PhantomData,
        }
    }

    /// The verdict of `rule`, the `k`th policy of `slot`, judged on first use.
    #[inline]
    fn verdict(&mut self, slot: usize, k: usize, rule: &Rule) -> u8 {
        let shift = 2 * k;
        let state = (self.states[slot] >> shift) & 3;
        if state != UNJUDGED {
            return state;
        }
        let state = match rule.judge_frame(self.frame) {
            Ok(true) => PASS,
            Ok(false) => FALSE,
            Err(e) => {
                self.errors.push((slot, k, e));
                ERROR
            }
        };
        self.states[slot] |= state << shift;
        state
    }

    /// `Ok` when the action passes all nine checks, else the first that drops it; `levels` 1
    /// judges eligibility only (the `eligibility_only` control arm), 3 every level.
    pub(crate) fn check(
        &mut self,
        strategy: &'s Strategy,
        action: &'s Action,
        levels: usize,
    ) -> Result<(), Failed<'_>> {
        let (i, g) = strategy.taxonomy_at(action);
        let group_slot = self.issues + i * self.row + g;
        let Some((issue, group)) = strategy
            .taxonomy(action)
            .filter(|_| i < self.issues && g < self.row)
        else {
            // Validation resolves every action's issue and group; nothing to judge otherwise.
            return Ok(());
        };
        for (k, stage) in STAGES.iter().copied().enumerate().take(levels) {
            for (slot, policies, level, owner) in [
                (i, &issue.policies, Level::Issue, issue.id.as_str()),
                (group_slot, &group.policies, Level::Group, group.id.as_str()),
            ] {
                let Some(rule) = rule_at(policies, k) else {
                    continue;
                };
                match self.verdict(slot, k, rule) {
                    PASS => {}
                    state => {
                        let error = (state == ERROR)
                            .then(|| {
                                self.errors
                                    .iter()
                                    .find(|(s, l, _)| *s == slot && *l == k)
                                    .map(|(_, _, e)| e)
                            })
                            .flatten();
                        return Err(Failed {
                            stage,
                            level,
                            rule,
                            error,
                            owner,
                            frame: self.frame,
                        });
                    }
                }
            }
            if let Some(rule) = rule_at(&action.policies, k) {
                let error = match rule.judge_frame(self.frame) {
                    Ok(true) => continue,
                    Ok(false) => None,
                    Err(e) => Some(&*self.own_error.insert(e)),
                };
                return Err(Failed {
                    stage,
                    level: Level::Action,
                    rule,
                    error,
                    owner: "",
                    frame: self.frame,
                });
            }
        }
        Ok(())
    }
}
