//! The sequential specification the checker linearizes against: one register per key holding a
//! JSON value and a version, changed by the operations of [`crate::ops`].

use crate::ops::{ErrorKind, Op, Register};
use crate::sim::OpRecord;
use serde_json::Value as Json;

/// The model's state of one key.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct State {
    pub value: Json,
    pub version: u64,
}

impl State {
    fn register(&self) -> Register {
        Register { value: self.value.clone(), version: self.version, applied: Vec::new() }
    }
    /// A compact, exact key for memoization.
    pub fn key(&self) -> (u64, String) {
        (self.version, self.value.to_string())
    }
}

/// What a completed operation must have observed.
#[derive(Clone, Debug, PartialEq)]
pub enum Expect {
    /// It answered this (outcome `ok`).
    Output(Json),
    /// It was refused with this error (`VersionConflict`, or `UpdateRejected` of a built-in).
    Refusal(&'static str),
    /// It may have taken effect once, or never (outcome `unknown`, or still in flight).
    Maybe,
}

/// How to apply an operation to the model.
#[derive(Clone, Debug)]
pub enum Step {
    /// A built-in operation, recomputed by [`Op::apply`]; `times` are the virtual times it was
    /// evaluated at (they matter only for lock expiry).
    Builtin { op: Op, times: Vec<u64> },
    /// An opaque change function, known by the transitions it was seen to make.
    Transitions(Vec<(State, State)>),
}

/// One operation of the history, as the checker sees it.
#[derive(Clone, Debug)]
pub struct CheckOp {
    pub id: u64,
    pub name: &'static str,
    pub key: String,
    pub invoke_at: u64,
    /// `None`: may take effect at any time after its invocation (unknown outcome).
    pub return_at: Option<u64>,
    pub step: Step,
    pub expect: Expect,
}

impl CheckOp {
    /// The operations of the history the checker must consider; `None` for operations that
    /// cannot have changed anything nor observed anything (a refused invalid call, an `Unavailable`
    /// that certainly did not apply, an unknown read, a change function that threw).
    pub fn from_record(o: &OpRecord) -> Option<CheckOp> {
        use crate::driver::Outcome;
        let read_only = matches!(o.op, "get" | "read");
        let expect = match (o.outcome, &o.output, &o.error) {
            (Some(Outcome::Ok), Some(out), _) => Expect::Output(out.clone()),
            (Some(Outcome::Failed), _, Some(e)) => match e.kind {
                ErrorKind::VersionConflict => Expect::Refusal("VersionConflict"),
                ErrorKind::UpdateRejected if o.op == "increment" => Expect::Refusal("UpdateRejected"),
                _ => return None,
            },
            (Some(Outcome::Unknown), _, _) | (None, _, _) if !read_only => Expect::Maybe,
            _ => return None,
        };
        let state = |r: &Register| State { value: r.value.clone(), version: r.version };
        let step = if o.op == "change" {
            let transitions = o
                .evaluations
                .iter()
                .filter_map(|e| e.wrote.as_ref().map(|w| (state(&e.seen), state(w))))
                .collect::<Vec<_>>();
            if transitions.is_empty() {
                return None; // it never wrote anything (e.g. it threw)
            }
            Step::Transitions(transitions)
        } else {
            let op = Op::from_record(o.op, &o.input)?;
            let mut times: Vec<u64> = o.evaluations.iter().map(|e| e.at_ms).collect();
            times.sort_unstable();
            times.dedup();
            if times.is_empty() {
                times.push(o.invoke_at);
            }
            Step::Builtin { op, times }
        };
        Some(CheckOp {
            id: o.id,
            name: o.op,
            key: o.key.to_string(),
            invoke_at: o.invoke_at,
            return_at: if matches!(o.outcome, Some(Outcome::Ok | Outcome::Failed)) { o.return_at } else { None },
            step,
            expect,
        })
    }

    /// The states this operation can lead to from `s`, consistent with what it answered.
    pub fn apply(&self, s: &State) -> Vec<State> {
        let mut out = Vec::new();
        match &self.step {
            Step::Transitions(ts) => {
                for (seen, wrote) in ts {
                    let answer_ok = match &self.expect {
                        Expect::Output(o) => *o == wrote.value,
                        Expect::Maybe => true,
                        Expect::Refusal(_) => false,
                    };
                    if seen == s && answer_ok && !out.contains(wrote) {
                        out.push(wrote.clone());
                    }
                }
            }
            Step::Builtin { op, times } => {
                for &t in times {
                    let next = match (op.apply(&s.register(), t), &self.expect) {
                        // What the client heard is the output settled at its return (a lock
                        // grant expired by then is answered `false`).
                        (Ok(effect), Expect::Output(o))
                            if op.settle(effect.output.clone(), self.return_at.unwrap_or(t)) == *o =>
                        {
                            Some(next_state(s, effect.write))
                        }
                        (Ok(effect), Expect::Maybe) if effect.write.is_some() => Some(next_state(s, effect.write)),
                        (Err(e), Expect::Refusal(name)) if e.name() == *name => Some(s.clone()),
                        _ => None,
                    };
                    if let Some(n) = next {
                        if !out.contains(&n) {
                            out.push(n);
                        }
                    }
                }
            }
        }
        out
    }

    /// `increment counter` as a user reads it.
    pub fn describe(&self) -> String {
        let answer = match &self.expect {
            Expect::Output(o) => format!(" → {o}"),
            Expect::Refusal(name) => format!(" → {name}"),
            Expect::Maybe => " (outcome unknown)".to_owned(),
        };
        let input = match &self.step {
            Step::Builtin { op, .. } => match op {
                Op::Put(v) => format!(" {v}"),
                Op::Write { expected, value } => format!(" {value} expecting v{expected}"),
                Op::AcquireLock { owner, .. } | Op::ReleaseLock { owner } => format!(" for {owner}"),
                _ => String::new(),
            },
            Step::Transitions(_) => String::new(),
        };
        format!("{} {}{input}{answer} (#{})", self.name, self.key, self.id)
    }
}

fn next_state(s: &State, write: Option<Json>) -> State {
    match write {
        Some(value) => State { value, version: s.version + 1 },
        None => s.clone(),
    }
}
