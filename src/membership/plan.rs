//! The steps of a membership change (paper §2.3.1–§2.3.3), as data, and the rule that makes each
//! one safe, checked step by step.
//!
//! A proposer's configuration is which acceptors each phase asks and how many of them make its
//! quorum ([`Config`]). A change moves the proposers through a few configurations; between two of
//! them, proposers on the old one and on the new one run at the same time (each step is complete
//! once every proposer switched and every operation started under the old configuration ended).
//! A step is safe when:
//! 1. every prepare quorum of either configuration meets every accept quorum of either one, and
//! 2. every prepare quorum of the new configuration meets every accept quorum of every
//!    configuration a register's last value may still sit on: the ones since the last catch-up
//!    rescan (§2.3.3: an identity change of every key re-writes its value with the current accept
//!    quorum, so older configurations stop mattering).
//!
//! [`grow`] and [`shrink`] plan a change; [`check`] proves a plan against both rules, exhaustively
//! (it finds two quorums that miss each other when there are any).

use crate::protocol::{majority, AcceptorId};
use std::fmt;

/// The acceptors a phase asks (sorted, distinct) and how many must answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PhaseSet {
    pub nodes: Vec<AcceptorId>,
    pub quorum: usize,
}

/// What proposers run with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub prepare: PhaseSet,
    pub accept: PhaseSet,
}

impl Config {
    /// `nodes` (sorted, distinct) in both phases with a majority each: the only shape a change
    /// starts from.
    pub fn settled(nodes: Vec<AcceptorId>) -> Config {
        assert!(nodes.windows(2).all(|w| w[0] < w[1]), "a phase's acceptors are sorted and distinct");
        let quorum = majority(nodes.len());
        Config { prepare: PhaseSet { nodes: nodes.clone(), quorum }, accept: PhaseSet { nodes, quorum } }
    }

    fn is_settled(&self) -> bool {
        *self == Config::settled(self.accept.nodes.clone())
    }
}

/// One step of a change: what it does, and the configuration proposers run with once it is done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub kind: StepKind,
    pub config: Config,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepKind {
    /// The new acceptor starts, empty; no proposer asks it yet.
    TurnOn(AcceptorId),
    /// Proposers send accepts to these acceptors with this quorum (§2.3.1 step 2).
    Accept,
    /// An identity change of every key under the current configuration (§2.3.3).
    Rescan,
    /// Proposers send prepares to these acceptors with this quorum (§2.3.1 step 4).
    Prepare,
    /// The removed acceptor stops; no proposer asks it any more.
    TurnOff(AcceptorId),
}

impl StepKind {
    /// The step's name, as events and `membership().step` show it.
    pub fn name(self) -> &'static str {
        match self {
            StepKind::TurnOn(_) => "turn on",
            StepKind::Accept => "accept quorum change",
            StepKind::Rescan => "catch-up rescan",
            StepKind::Prepare => "prepare quorum change",
            StepKind::TurnOff(_) => "turn off",
        }
    }
}

/// Why a change cannot be planned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlanError {
    /// A change starts and ends with every acceptor in both phases and majority quorums.
    NotSettled,
    AlreadyMember(AcceptorId),
    NotMember(AcceptorId),
    /// The last acceptor cannot be removed.
    LastAcceptor,
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlanError::NotSettled => write!(f, "a membership change starts from majority quorums over every acceptor"),
            PlanError::AlreadyMember(a) => write!(f, "a{a} is already an acceptor"),
            PlanError::NotMember(a) => write!(f, "a{a} is not an acceptor"),
            PlanError::LastAcceptor => write!(f, "the last acceptor cannot be removed"),
        }
    }
}

/// Adds acceptor `new` (§2.3.1 for 2F+1 → 2F+2, §2.3.2 for 2F+2 → 2F+3: the same steps): turn it
/// on; accept to every acceptor with the new majority; rescan every key; prepare to every
/// acceptor with the new majority.
pub fn grow(current: &Config, new: AcceptorId) -> Result<Vec<Step>, PlanError> {
    if !current.is_settled() {
        return Err(PlanError::NotSettled);
    }
    if current.accept.nodes.contains(&new) {
        return Err(PlanError::AlreadyMember(new));
    }
    let mut nodes = current.accept.nodes.clone();
    let at = nodes.partition_point(|a| *a < new);
    nodes.insert(at, new);
    let target = Config::settled(nodes);
    let accept = Config { prepare: current.prepare.clone(), accept: target.accept.clone() };
    Ok(vec![
        Step { kind: StepKind::TurnOn(new), config: current.clone() },
        Step { kind: StepKind::Accept, config: accept.clone() },
        Step { kind: StepKind::Rescan, config: accept },
        Step { kind: StepKind::Prepare, config: target },
    ])
}

/// Removes acceptor `gone`, the growth's steps backwards: prepares leave it first (keeping the old
/// quorum, which still meets every old accept quorum among the acceptors left), then accepts with
/// the new majority; rescan every key; the prepare quorum becomes the new majority; turn it off.
pub fn shrink(current: &Config, gone: AcceptorId) -> Result<Vec<Step>, PlanError> {
    if !current.is_settled() {
        return Err(PlanError::NotSettled);
    }
    if !current.accept.nodes.contains(&gone) {
        return Err(PlanError::NotMember(gone));
    }
    if current.accept.nodes.len() == 1 {
        return Err(PlanError::LastAcceptor);
    }
    let target = Config::settled(current.accept.nodes.iter().copied().filter(|a| *a != gone).collect());
    // From 2 acceptors the old quorum (2) exceeds the one left: all of it is a quorum, and it is
    // in every accept quorum of the old set.
    let quorum = current.prepare.quorum.min(target.prepare.nodes.len());
    let prepare_first = PhaseSet { nodes: target.prepare.nodes.clone(), quorum };
    let prepare = Config { prepare: prepare_first.clone(), accept: current.accept.clone() };
    let accept = Config { prepare: prepare_first, accept: target.accept.clone() };
    Ok(vec![
        Step { kind: StepKind::Prepare, config: prepare },
        Step { kind: StepKind::Accept, config: accept.clone() },
        Step { kind: StepKind::Rescan, config: accept },
        Step { kind: StepKind::Prepare, config: target.clone() },
        Step { kind: StepKind::TurnOff(gone), config: target },
    ])
}

/// Two quorums that miss each other: a prepare quorum and an accept quorum with no acceptor in
/// common, and the configurations they come from (indexes into the steps, `None`: the start).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Miss {
    pub prepare: Vec<AcceptorId>,
    pub accept: Vec<AcceptorId>,
    pub prepare_from: Option<usize>,
    pub accept_from: Option<usize>,
}

impl fmt::Display for Miss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = |s: &[AcceptorId]| s.iter().map(|a| format!("a{a}")).collect::<Vec<_>>().join(",");
        let at = |i: Option<usize>| i.map_or("the start".to_owned(), |i| format!("step {}", i + 1));
        write!(
            f,
            "the prepare quorum {{{}}} of {} misses the accept quorum {{{}}} of {}",
            names(&self.prepare),
            at(self.prepare_from),
            names(&self.accept),
            at(self.accept_from)
        )
    }
}

/// A prepare quorum of `p` and an accept quorum of `a` with nothing in common, if there are any:
/// each takes the acceptors only it asks first, then shares out the common ones.
pub fn disjoint_quorums(p: &PhaseSet, a: &PhaseSet) -> Option<(Vec<AcceptorId>, Vec<AcceptorId>)> {
    let (common, only_p): (Vec<&AcceptorId>, Vec<&AcceptorId>) = p.nodes.iter().partition(|x| a.nodes.contains(x));
    let only_a: Vec<_> = a.nodes.iter().filter(|x| !p.nodes.contains(x)).collect();
    let mut common = common.into_iter();
    let mut pick = |own: Vec<&AcceptorId>, size: usize| -> Option<Vec<AcceptorId>> {
        let mut q: Vec<AcceptorId> = own.into_iter().copied().take(size).collect();
        while q.len() < size {
            q.push(*common.next()?);
        }
        crate::sorting::sort_short(&mut q);
        Some(q)
    };
    let prepare = pick(only_p, p.quorum)?;
    let accept = pick(only_a, a.quorum)?;
    Some((prepare, accept))
}

/// Checks `steps` from `start` against both rules (see the module doc); the first miss, if any.
pub fn check(start: &Config, steps: &[Step]) -> Result<(), Miss> {
    // Configurations a register's last value may sit on: (step index, config).
    let mut live: Vec<(Option<usize>, &Config)> = vec![(None, start)];
    let mut previous = (None, start);
    for (i, step) in steps.iter().enumerate() {
        let now = (Some(i), &step.config);
        // Rule 1: the old and the new configuration run side by side.
        for (pf, p) in [previous, now] {
            for (af, a) in [previous, now] {
                miss(pf, p, af, a)?;
            }
        }
        // Rule 2: the new prepare quorums find every value not rescanned since.
        for &(af, a) in &live {
            miss(now.0, now.1, af, a)?;
        }
        if step.kind == StepKind::Rescan {
            live.clear();
        }
        live.push(now);
        previous = now;
    }
    Ok(())
}

fn miss(pf: Option<usize>, p: &Config, af: Option<usize>, a: &Config) -> Result<(), Miss> {
    match disjoint_quorums(&p.prepare, &a.accept) {
        None => Ok(()),
        Some((prepare, accept)) => Err(Miss { prepare, accept, prepare_from: pf, accept_from: af }),
    }
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
