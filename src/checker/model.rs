//! The sequential specification the checker linearizes against: one register per key holding a
//! JSON value and a version, changed by the operations of [`crate::ops`].

use crate::ops::{ErrorKind, Op, OpKind, Register};
use crate::protocol::Key;
use crate::sim::OpRecord;
use serde_json::Value as Json;

/// The model's state of one key: a register's value and version. Invariant: `applied` is empty
/// (exactly-once markers are the protocol's business, not the specification's).
pub type State = Register;

/// The model's state of a register the cluster held.
fn state_of(r: &Register) -> State {
    Register { value: r.value.clone(), version: r.version, applied: Vec::new() }
}

/// What a completed operation must have observed.
#[derive(Clone, Debug, PartialEq)]
pub enum Expect {
    /// It answered this (outcome `ok`).
    Output(Json),
    /// It was refused with this error (`VersionConflict` or `UpdateRejected`): it saw a state
    /// that justifies the refusal, and changed nothing. (A change function's refusal: its message
    /// is the user's and cannot be recomputed.)
    Refusal(&'static str),
    /// A built-in operation's refusal, with the message it gave: the state it saw must produce
    /// exactly this error ("the key is at version 1" is checked, not only "VersionConflict").
    /// (`Box<str>`, not `String`: every operation a key holds unfolded pays for this variant's
    /// size.)
    RefusalSaying(&'static str, Box<str>),
    /// It may have taken effect once, or never (outcome `unknown`, or still in flight).
    Maybe,
    /// An unknown operation folded away with a deadline (its `return_seq`): it took effect once
    /// before it, or never — placed by the search either way (never: as a step that changes
    /// nothing). See [`super::ledger`].
    AppliedOrNot,
}

/// How to apply an operation to the model.
#[derive(Clone, Debug)]
pub enum Step {
    /// A built-in operation, recomputed by [`Op::apply`]; `times` are the virtual times it was
    /// evaluated at (they matter only for lock expiry).
    Builtin { op: Op, times: Times },
    /// An opaque change function, known by the transitions it was seen to make.
    Transitions(Vec<(State, State)>),
    /// An opaque change function that refused (threw) on this state: it takes effect where the
    /// register equals it, and leaves the register unchanged.
    /// (Boxed: a state is as large as the rest of a [`CheckOp`], and this variant is rare.)
    RefusedOn(Box<State>),
    /// A garbage collection (§3.1, [`crate::sim::GC_OP`]): on a tombstone (value `null`) it may
    /// reset the register to one never written (version 0), once, or never — which one a later
    /// read sees is decided by the first round a quorum accepts after the acceptors erased it.
    Erase,
}

/// The virtual times a built-in operation was evaluated at, ascending, each once: nearly always
/// one, held inline (a checkpoint holds thousands of operations a key has not folded: a `Vec`
/// was a heap block each). `Many` is a `Vec`, not a boxed slice: 130 B less gzipped wasm.
#[derive(Clone, Debug, PartialEq)]
pub enum Times {
    One(u64),
    Many(Vec<u64>),
}

impl Times {
    /// `times` sorted and deduplicated; `or` when there are none (an operation never evaluated).
    /// One time, however often, allocates nothing (an increment's record: issue 9).
    pub fn of(times: impl Iterator<Item = u64> + Clone, or: u64) -> Times {
        let mut distinct = times.clone();
        let first = distinct.next().unwrap_or(or);
        if distinct.all(|t| t == first) {
            return Times::One(first);
        }
        let mut times: Vec<u64> = times.collect();
        crate::sorting::sort_short(&mut times);
        times.dedup();
        Times::Many(times)
    }

    pub fn as_slice(&self) -> &[u64] {
        match self {
            Times::One(t) => std::slice::from_ref(t),
            Times::Many(ts) => ts,
        }
    }
}

/// One state an operation can lead to.
#[derive(Clone, Debug, PartialEq)]
pub enum Next {
    /// The register is unchanged (a read, a refusal, a lock already held).
    Same,
    New(State),
}

/// One operation of the history, as the checker sees it. Small, and holding nothing on the heap
/// for the common operations (`tests::a_check_op_is_small`): a key piled up behind thousands of
/// operations in flight holds thousands of these, and so does each checkpoint of it once the
/// run folds them.
#[derive(Clone, Debug)]
pub struct CheckOp {
    pub id: u64,
    pub kind: OpKind,
    /// The key, shared with the history's record.
    pub key: Key,
    /// Virtual times, for explanations and for what a lock answered at its return only.
    pub invoke_at: u64,
    pub return_at: Option<u64>,
    /// Real-time order: positions of the invocation and the return in the history's one event
    /// sequence ([`OpRecord::invoke_seq`]); A precedes B iff `A.return_seq < B.invoke_seq`.
    pub invoke_seq: u64,
    /// `None`: may take effect at any time after its invocation (unknown outcome).
    pub return_seq: Option<u64>,
    pub step: Step,
    pub expect: Expect,
}

impl CheckOp {
    /// The operations of the history the checker must consider; `None` for operations that
    /// cannot have changed anything nor observed anything (a refused invalid call, an `Unavailable`
    /// that certainly did not apply, an unknown read, a change function with no recorded
    /// evaluation to place it by).
    pub fn from_record(o: &OpRecord) -> Option<CheckOp> {
        use crate::driver::Outcome;
        if o.op == crate::sim::GC_OP {
            return Some(CheckOp {
                id: o.id,
                kind: o.op,
                key: o.key.clone(),
                invoke_at: o.invoke_at,
                return_at: None,
                invoke_seq: o.invoke_seq,
                return_seq: None,
                step: Step::Erase,
                expect: Expect::Maybe,
            });
        }
        let read_only = o.op.is_read_only();
        let expect = match (o.outcome, &o.output, &o.error) {
            (Some(Outcome::Ok), Some(out), _) => Expect::Output(out.to_json()),
            (Some(Outcome::Failed), _, Some(e)) => match e.kind {
                ErrorKind::VersionConflict | ErrorKind::UpdateRejected if o.op == OpKind::Change => {
                    Expect::Refusal(e.name())
                }
                ErrorKind::VersionConflict | ErrorKind::UpdateRejected => {
                    Expect::RefusalSaying(e.name(), e.message.as_str().into())
                }
                _ => return None,
            },
            (Some(Outcome::Unknown), _, _) | (None, _, _) if !read_only => Expect::Maybe,
            _ => return None,
        };
        let step = if o.op == OpKind::Change {
            change_step(o, &expect)?
        } else {
            let op = Op::of_kind(o.op, &o.input.as_json())?;
            let times = Times::of(o.evaluations.iter().map(|e| e.at_ms), o.invoke_at);
            Step::Builtin { op, times }
        };
        let completed = matches!(o.outcome, Some(Outcome::Ok | Outcome::Failed));
        Some(CheckOp {
            id: o.id,
            kind: o.op,
            key: o.key.clone(),
            invoke_at: o.invoke_at,
            return_at: if completed { o.return_at } else { None },
            invoke_seq: o.invoke_seq,
            return_seq: if completed { o.return_seq } else { None },
            step,
            expect,
        })
    }

    /// True when the operation certainly ended (it must be placed in every linearization).
    pub fn completed(&self) -> bool {
        self.return_seq.is_some()
    }

    /// Appends to `out` the states this operation can lead to from `s`, consistent with what it
    /// answered (each at most once).
    pub fn successors(&self, s: &State, out: &mut Vec<Next>) {
        let mut add = |n: Next| {
            if !out.contains(&n) {
                out.push(n);
            }
        };
        match &self.step {
            Step::Transitions(ts) => {
                for (seen, wrote) in ts {
                    let answer_ok = match &self.expect {
                        Expect::Output(o) => *o == wrote.value,
                        Expect::Maybe | Expect::AppliedOrNot => true,
                        Expect::Refusal(_) | Expect::RefusalSaying(..) => false,
                    };
                    if answer_ok && seen == s {
                        add(Next::New(wrote.clone()));
                    }
                }
            }
            Step::RefusedOn(seen) => {
                if matches!(self.expect, Expect::Refusal(_)) && **seen == *s {
                    add(Next::Same);
                }
            }
            Step::Erase => {
                if s.value.is_null() && s.version > 0 {
                    add(Next::New(State::default()));
                }
            }
            Step::Builtin { op, times } => {
                for &t in times.as_slice() {
                    match (op.apply(s, t), &self.expect) {
                        // What the client heard is the output settled at its return (a lock grant
                        // expired by then is answered `false`).
                        (Ok(effect), Expect::Output(o))
                            if op.settle(effect.output.clone(), self.return_at.unwrap_or(t)) == *o =>
                        {
                            add(next_state(s, effect.write))
                        }
                        (Ok(effect), Expect::Maybe | Expect::AppliedOrNot) if effect.write.is_some() => {
                            add(next_state(s, effect.write))
                        }
                        (Err(e), Expect::Refusal(name)) if e.name() == *name => add(Next::Same),
                        (Err(e), Expect::RefusalSaying(name, message))
                            if e.name() == *name && *e.message == **message =>
                        {
                            add(Next::Same)
                        }
                        _ => {}
                    }
                }
            }
        }
        if self.expect == Expect::AppliedOrNot {
            add(Next::Same); // never applied
        }
    }

    /// `increment counter → 3 (#12)` as a user reads it.
    pub fn describe(&self) -> String {
        let answer = match &self.expect {
            Expect::Output(o) => format!(" → {o}"),
            Expect::Refusal(name) => format!(" → {name}"),
            Expect::RefusalSaying(name, message) => format!(" → {name} \"{message}\""),
            // A collection's answer is how many acceptors erased; what it did to the register
            // (reset a tombstone to empty, or nothing) is placed like an unknown write.
            _ if matches!(self.step, Step::Erase) => String::new(),
            Expect::Maybe | Expect::AppliedOrNot => " (outcome unknown)".to_owned(),
        };
        let input = match &self.step {
            Step::Builtin { op, .. } => match op {
                Op::Put(v) => format!(" {v}"),
                Op::Write { expected, value } => format!(" {value} expecting v{expected}"),
                Op::AcquireLock { owner, .. } | Op::ReleaseLock { owner } => format!(" for {owner}"),
                _ => String::new(),
            },
            Step::Transitions(_) | Step::Erase => String::new(),
            Step::RefusedOn(seen) => format!(" on {} (version {})", seen.value, seen.version),
        };
        format!("{} {}{input}{answer} (#{})", self.kind.name(), self.key, self.id)
    }
}

/// A change function's step from its evaluations. One that wrote is known by its transitions.
/// One that refused is placed by its last evaluation, which is the state it refused on (the
/// proposer records it; a refusal is justified by a state a quorum accepted in that operation).
fn change_step(o: &OpRecord, expect: &Expect) -> Option<Step> {
    if let Expect::Refusal(_) = expect {
        let last = o.evaluations.last()?;
        return last.wrote.is_none().then(|| Step::RefusedOn(Box::new(state_of(&last.seen))));
    }
    let transitions: Vec<(State, State)> =
        o.evaluations.iter().filter_map(|e| e.wrote.as_ref().map(|w| (state_of(&e.seen), state_of(w)))).collect();
    // None: it never wrote anything (e.g. it threw and nothing recorded where).
    (!transitions.is_empty()).then_some(Step::Transitions(transitions))
}

fn next_state(s: &State, write: Option<Json>) -> Next {
    match write {
        Some(value) => Next::New(Register { value, version: s.version + 1, applied: Vec::new() }),
        None => Next::Same,
    }
}
