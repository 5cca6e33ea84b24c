//! What a register holds and what each client operation does to it.
//!
//! Every operation of the JS contract — and of the seed's `KeyValueStore`, `CASKeyValue` and
//! `DistributedLock` — is one *change function* applied by [`crate::driver`] in a CASPaxos round
//! (§2: "change(key, f)" is the single primitive). This module is pure: `apply` takes the current
//! register and the virtual time and says what to write and what to answer.

mod kind;
mod lock;
mod wording;

pub use kind::OpKind;
pub use wording::counted;

use crate::json_object::object;
use crate::limits::MAX_SAFE_INTEGER;
use crate::protocol::ProposerId;
use crate::sim::RecordValue;
use lock::Lock;
use serde_json::Value as Json;
use std::fmt;
use std::rc::Rc;

/// Identifies one client operation in the history; unique within a simulation.
pub type OpId = u64;

/// The replicated value of one key.
///
/// Invariant: `applied` has at most one entry per proposer: the last operation of that proposer
/// that changed this register, with what it answered. A retry that finds its own operation here
/// was already applied and returns the recorded output instead of applying it again (exactly
/// once, even when an earlier attempt's accept reached only a minority and a later round adopted it).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Register {
    /// The user's JSON value; `null` when the key is empty.
    pub value: Json,
    /// Number of changes applied to this key; 0 for a key never written.
    pub version: u64,
    /// Exactly-once markers, sorted by proposer.
    pub applied: Vec<Applied>,
}

/// Every operation of a batch with its answer, in order ([`Applied::batch`]).
pub type BatchAnswers = Rc<Vec<(OpId, Result<Json, OpError>)>>;

/// The last change a proposer applied to a register.
#[derive(Clone, Debug, PartialEq)]
pub struct Applied {
    pub proposer: ProposerId,
    pub op: OpId,
    /// What the change answered: a counter inline, any other answer shared (an increment's
    /// marker costs no allocation of its own, issue 9).
    pub output: RecordValue,
    /// When the change was a batch (`ProposerConfig::batch_max`): every operation of the batch
    /// with its answer, in order (`op` is the last that wrote). A register that carries it
    /// reflects the whole batch.
    pub batch: Option<BatchAnswers>,
}

impl fmt::Display for Register {
    /// `5 (v3, p1#12 p2#9)`: the value, its version and the exactly-once markers.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (v{}", self.value, self.version)?;
        for (i, a) in self.applied.iter().enumerate() {
            write!(f, "{}p{}#{}", if i == 0 { ", " } else { " " }, a.proposer, a.op)?;
        }
        write!(f, ")")
    }
}

/// Registers are shared, not copied, between messages, acceptors and the event log.
pub type Val = Rc<Register>;

impl Register {
    /// The output recorded for `op` of `proposer`, if this register already reflects it.
    pub fn applied_output(&self, proposer: ProposerId, op: OpId) -> Option<Json> {
        self.applied.iter().find(|a| a.proposer == proposer && a.op == op).map(|a| a.output.to_json())
    }

    /// The answers of `proposer`'s batch that held `op`, if this register already reflects it.
    pub fn applied_batch(&self, proposer: ProposerId, op: OpId) -> Option<BatchAnswers> {
        let marker = self.applied.iter().find(|a| a.proposer == proposer)?;
        marker.batch.clone().filter(|b| b.iter().any(|(id, _)| *id == op))
    }

    /// This register with `proposer`'s marker standing for the whole batch `answers`.
    pub fn marked_batch(mut self, proposer: ProposerId, answers: BatchAnswers) -> Register {
        let marker =
            self.applied.iter_mut().find(|a| a.proposer == proposer).expect("a batch that wrote left a marker");
        marker.batch = Some(answers);
        self
    }

    /// The register after `proposer`'s operation `op` wrote `value` and answered `output`.
    pub fn changed(&self, value: Json, proposer: ProposerId, op: OpId, output: RecordValue) -> Register {
        let mut applied = self.applied.clone();
        let marker = Applied { proposer, op, output, batch: None };
        match applied.binary_search_by_key(&proposer, |a| a.proposer) {
            Ok(i) => applied[i] = marker,
            Err(i) => applied.insert(i, marker),
        }
        Register { value, version: self.version + 1, applied }
    }
}

/// A change function supplied by the user (from Rust, or a JS function through `wasm.rs`).
/// It may be called once per attempt; it must be deterministic to keep runs replayable.
pub type ChangeFn = Rc<dyn Fn(&Json) -> Result<Json, OpError>>;

/// A client operation.
#[derive(Clone)]
pub enum Op {
    Get,
    Put(Json),
    Delete,
    Increment,
    /// Versioned read: `{ version, value }`.
    Read,
    /// Versioned write: succeeds only if the register is at `expected` version.
    Write {
        expected: u64,
        value: Json,
    },
    /// Takes the lock for `owner` (again, if it holds it) until `ttl_ms` from now or a release;
    /// answers whether it is held at resolution (see [`Op::settle`]).
    AcquireLock {
        owner: String,
        ttl_ms: Option<u64>,
    },
    /// The same grant as [`Op::AcquireLock`], answered as a lease with a fencing token:
    /// `{ acquired, holder, expiresAt, token }`.
    AcquireLease {
        owner: String,
        ttl_ms: Option<u64>,
    },
    ReleaseLock {
        owner: String,
    },
    Change(ChangeFn),
}

/// What an operation does to the register it read.
#[derive(Clone, Debug, PartialEq)]
pub struct Effect {
    /// The new value, or `None` to write the current register back unchanged (a read still
    /// completes a full round: §2.2, "a read is an identity change").
    pub write: Option<Json>,
    /// What the client is answered.
    pub output: Json,
}

impl Op {
    /// What the operation does, without its arguments.
    pub fn kind(&self) -> OpKind {
        match self {
            Op::Get => OpKind::Get,
            Op::Put(_) => OpKind::Put,
            Op::Delete => OpKind::Delete,
            Op::Increment => OpKind::Increment,
            Op::Read => OpKind::Read,
            Op::Write { .. } => OpKind::Write,
            Op::AcquireLock { .. } => OpKind::AcquireLock,
            Op::AcquireLease { .. } => OpKind::AcquireLease,
            Op::ReleaseLock { .. } => OpKind::ReleaseLock,
            Op::Change(_) => OpKind::Change,
        }
    }

    /// The contract's name of the operation.
    pub fn name(&self) -> &'static str {
        self.kind().name()
    }

    /// The operation's arguments besides the key, for the history.
    pub fn input(&self) -> Json {
        match self {
            Op::Put(v) => v.clone(),
            Op::Write { expected, value } => object! { "expectedVersion": *expected, "value": value.clone() },
            Op::AcquireLock { owner, ttl_ms } | Op::AcquireLease { owner, ttl_ms } => {
                object! { "owner": owner.as_str(), "ttl": *ttl_ms }
            }
            Op::ReleaseLock { owner } => object! { "owner": owner.as_str() },
            _ => Json::Null,
        }
    }

    /// Rebuilds a built-in operation from its history record (`name`, `input`); `None` for
    /// `change`, whose function is not recorded.
    pub fn from_record(name: &str, input: &Json) -> Option<Op> {
        Op::of_kind(OpKind::parse(name)?, input)
    }

    /// Rebuilds a built-in operation of `kind` from its recorded `input`; `None` for `change`.
    pub fn of_kind(kind: OpKind, input: &Json) -> Option<Op> {
        let owner = || input.get("owner").and_then(Json::as_str).map(str::to_owned);
        Some(match kind {
            OpKind::Get => Op::Get,
            OpKind::Put => Op::Put(input.clone()),
            OpKind::Delete => Op::Delete,
            OpKind::Increment => Op::Increment,
            OpKind::Read => Op::Read,
            OpKind::Write => {
                Op::Write { expected: input.get("expectedVersion")?.as_u64()?, value: input.get("value")?.clone() }
            }
            OpKind::AcquireLock => Op::AcquireLock { owner: owner()?, ttl_ms: input.get("ttl").and_then(Json::as_u64) },
            OpKind::AcquireLease => {
                Op::AcquireLease { owner: owner()?, ttl_ms: input.get("ttl").and_then(Json::as_u64) }
            }
            OpKind::ReleaseLock => Op::ReleaseLock { owner: owner()? },
            OpKind::Change | OpKind::Gc => return None,
        })
    }

    /// True for the lock operations, whose register key is `lock:` + the lock name.
    pub fn is_lock(&self) -> bool {
        self.kind().is_lock()
    }

    /// True when the operation never changes the register.
    pub fn is_read_only(&self) -> bool {
        self.kind().is_read_only()
    }

    /// Applies the operation to `current` at virtual time `now_ms`.
    pub fn apply(&self, current: &Register, now_ms: u64) -> Result<Effect, OpError> {
        let keep = |output| Ok(Effect { write: None, output });
        let set = |value: Json, output| Ok(Effect { write: Some(value), output });
        match self {
            Op::Get => keep(current.value.clone()),
            Op::Put(v) => set(v.clone(), v.clone()),
            Op::Delete => set(Json::Null, Json::Null),
            Op::Increment => {
                let next = increment(&current.value)?;
                set(next.clone(), next)
            }
            Op::Read => keep(object! { "version": current.version, "value": current.value.clone() }),
            Op::Write { expected, value } => {
                if current.version != *expected {
                    return Err(OpError::version_conflict(*expected, current.version));
                }
                set(value.clone(), object! { "version": current.version + 1 })
            }
            Op::AcquireLock { owner, ttl_ms } | Op::AcquireLease { owner, ttl_ms } => {
                let lock = Lock::read(&current.value)?;
                match lock.holder(now_ms) {
                    Some(holder) if holder != owner => keep(lock.lease(false, now_ms)),
                    _ => {
                        let expires_at = ttl_ms.map(|ttl| now_ms.saturating_add(ttl).min(MAX_SAFE_INTEGER));
                        let granted = lock.grant(owner, expires_at);
                        if granted.holder(now_ms).is_none() {
                            // A grant that lapses as it is made (any ttl at the end of time) is no
                            // grant: nothing is written, and it is answered as not acquired.
                            return keep(lock.lease(false, now_ms));
                        }
                        set(granted.to_json(), granted.lease(true, now_ms))
                    }
                }
            }
            Op::ReleaseLock { owner } => {
                let lock = Lock::read(&current.value)?;
                match lock.holder(now_ms) {
                    Some(holder) if holder == owner => set(lock.released().to_json(), Json::Bool(true)),
                    _ => keep(Json::Bool(false)),
                }
            }
            Op::Change(f) => {
                let next = f(&current.value)?;
                set(next.clone(), next)
            }
        }
    }
}

impl Op {
    /// What the client is answered at `now_ms`, when the operation resolves, given what it answered
    /// when it was applied (`output`). Only `acquireLock` differs: a grant that has already
    /// expired by the time the client hears of it (a retry found an earlier grant, or the round
    /// took longer than the TTL) is no grant — the lock is answered `false`, never `true` for a
    /// lock another owner may hold by now. `acquireLease` answers the lease as it stands at
    /// resolution: a grant (or a holder's) that has lapsed by then is `acquired: false` and
    /// `holder: null`, keeping its `expiresAt` (when it lapsed) and its fencing `token`.
    pub fn settle(&self, output: Json, now_ms: u64) -> Json {
        let lapsed = |lease: &Json| lease.get("expiresAt").and_then(Json::as_u64).is_some_and(|t| t <= now_ms);
        match self {
            Op::AcquireLock { .. } => {
                let acquired = output.get("acquired").and_then(Json::as_bool).unwrap_or(false);
                Json::Bool(acquired && !lapsed(&output))
            }
            Op::AcquireLease { .. } if lapsed(&output) => {
                let mut lease = output;
                crate::json_object::set_field(&mut lease, "acquired", Json::Bool(false));
                crate::json_object::set_field(&mut lease, "holder", Json::Null);
                lease
            }
            _ => output,
        }
    }
}

impl fmt::Debug for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", self.name(), self.input())
    }
}

/// From here on every JavaScript number is an integer (its 52 bits below the point are spent).
const FRACTIONLESS: u64 = 1 << 52;

/// `null` counts as 0; integers stay integers; anything but a number is refused, and so is a
/// number whose increment JavaScript cannot tell from it: past 2^53 - 1 integers are no longer
/// exact (two increments would answer the same number), and from 2^52 on numbers hold no
/// fraction, so a fraction carried there is lost (outside tester 21: 4503599627370495.5 + 1 made
/// 4503599627370496). Below 2^52 a fraction follows JavaScript's own `x + 1` (3.1 makes 4.1).
fn increment(value: &Json) -> Result<Json, OpError> {
    match value {
        Json::Null => Ok(Json::from(1)),
        Json::Number(n) => {
            let inexact = || {
                OpError::rejected(format!(
                    "increment of {n} would not be exact: JavaScript numbers count exactly up to {MAX_SAFE_INTEGER} and hold no fraction from {FRACTIONLESS} on"
                ))
            };
            if let Some(i) = n.as_i64() {
                return match i.checked_add(1) {
                    Some(next) if next.unsigned_abs() <= MAX_SAFE_INTEGER => Ok(Json::from(next)),
                    _ => Err(inexact()),
                };
            }
            let x = n.as_f64().unwrap_or(f64::MAX);
            let next = x + 1.0;
            let fraction_lost = x.fract() != 0.0 && next.abs() >= FRACTIONLESS as f64;
            if next.abs() > MAX_SAFE_INTEGER as f64 || next == x || fraction_lost {
                return Err(inexact());
            }
            serde_json::Number::from_f64(next).map(Json::Number).ok_or_else(inexact)
        }
        other => Err(OpError::rejected(format!("increment needs a number or an empty key, found {other}"))),
    }
}

/// Why an operation did not answer with a value. Names match the JS contract's `Error.name`.
#[derive(Clone, Debug, PartialEq)]
pub enum ErrorKind {
    InvalidArgument,
    /// The change function refused (threw); nothing was written.
    UpdateRejected,
    /// A versioned write found another version.
    VersionConflict,
    /// No quorum within the attempts. `indeterminate`: the change may still have been applied.
    Unavailable {
        indeterminate: bool,
    },
}

/// What an operation that ended without an answer says of its change.
fn fate(may_have_applied: bool) -> &'static str {
    if may_have_applied {
        "the change may have been applied"
    } else {
        "the change was not applied"
    }
}

/// `Debug` prints what `Display` does (`UpdateRejected: ...`): a derived one would bring Rust's
/// string escaper into the shipped wasm for the panics that print an `OpError`.
#[derive(Clone, PartialEq)]
pub struct OpError {
    pub kind: ErrorKind,
    pub message: String,
}

impl OpError {
    pub fn invalid(message: impl Into<String>) -> Self {
        OpError { kind: ErrorKind::InvalidArgument, message: message.into() }
    }
    pub fn rejected(message: impl Into<String>) -> Self {
        OpError { kind: ErrorKind::UpdateRejected, message: message.into() }
    }
    pub fn version_conflict(expected: u64, found: u64) -> Self {
        OpError {
            kind: ErrorKind::VersionConflict,
            message: format!("expected version {expected}, but the key is at version {found}"),
        }
    }
    pub fn unavailable(indeterminate: bool, message: impl Into<String>) -> Self {
        OpError { kind: ErrorKind::Unavailable { indeterminate }, message: message.into() }
    }
    /// An operation that ended without an answer, `why`; its message ends with its fate (`; the
    /// change may have been applied` or `; the change was not applied`). The one place that says
    /// an operation's fate: the page prints the message as it is.
    pub fn unanswered(may_have_applied: bool, why: &str) -> Self {
        OpError::unavailable(may_have_applied, format!("{why}; {}", fate(may_have_applied)))
    }
    /// False for an `Unavailable` whose message does not end with its fate (one not made by
    /// [`OpError::unanswered`]); an operation never ends with one.
    pub fn says_its_fate(&self) -> bool {
        match self.kind {
            ErrorKind::Unavailable { indeterminate } => self.message.ends_with(fate(indeterminate)),
            _ => true,
        }
    }
    /// The contract's `Error.name`.
    pub fn name(&self) -> &'static str {
        match self.kind {
            ErrorKind::InvalidArgument => "InvalidArgument",
            ErrorKind::UpdateRejected => "UpdateRejected",
            ErrorKind::VersionConflict => "VersionConflict",
            ErrorKind::Unavailable { .. } => "Unavailable",
        }
    }
    /// True when the operation may have been applied although it failed.
    pub fn indeterminate(&self) -> bool {
        matches!(self.kind, ErrorKind::Unavailable { indeterminate: true })
    }
}

impl fmt::Display for OpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.name(), self.message)
    }
}

impl fmt::Debug for OpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for OpError {}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn reg(value: Json, version: u64) -> Register {
        Register { value, version, applied: vec![] }
    }

    #[test]
    fn an_unanswered_operation_says_its_fate_once_and_only_an_unavailable_must() {
        let may = OpError::unanswered(true, "proposer p1 crashed");
        assert_eq!(may.message, "proposer p1 crashed; the change may have been applied");
        assert!(may.indeterminate() && may.says_its_fate());
        let not = OpError::unanswered(false, "proposer p2 is down");
        assert_eq!(not.message, "proposer p2 is down; the change was not applied");
        assert!(!not.indeterminate() && not.says_its_fate());
        assert!(OpError::version_conflict(1, 2).says_its_fate(), "no fate to say: it was not applied");
        // Controls: an Unavailable that does not say its fate, or says the other one, is caught.
        assert!(!OpError::unavailable(true, "proposer p1 crashed").says_its_fate());
        assert!(!OpError::unavailable(true, "x; the change was not applied").says_its_fate());
        assert!(!OpError::unavailable(false, "x; the change may have been applied").says_its_fate());
    }

    #[test]
    fn increment_counts_an_empty_key_as_zero_and_refuses_non_numbers() {
        assert_eq!(Op::Increment.apply(&Register::default(), 0).unwrap().output, json!(1));
        assert_eq!(Op::Increment.apply(&reg(json!(41), 3), 0).unwrap().write, Some(json!(42)));
        assert_eq!(Op::Increment.apply(&reg(json!(1.5), 3), 0).unwrap().output, json!(2.5));
        let e = Op::Increment.apply(&reg(json!("x"), 1), 0).unwrap_err();
        assert_eq!(e.kind, ErrorKind::UpdateRejected);
        // Only while JavaScript can tell the answer from the value (found by an outside tester:
        // past 2^53 two increments answered the same number).
        let max = MAX_SAFE_INTEGER as i64;
        assert_eq!(Op::Increment.apply(&reg(json!(max - 1), 3), 0).unwrap().output, json!(max));
        for v in [json!(max), json!(-max - 2), json!(1e308), json!(2f64.powi(64)), json!(u64::MAX)] {
            let e = Op::Increment.apply(&reg(v.clone(), 3), 0).unwrap_err();
            assert!(e.message.contains("would not be exact"), "{v}: {e}");
        }
        assert_eq!(Op::Increment.apply(&reg(json!(0.1), 3), 0).unwrap().output, json!(1.1));
        assert_eq!(Op::Increment.apply(&reg(json!(-2.2), 3), 0).unwrap().output, json!(-1.2000000000000002));
        // A fraction carried to 2^52, where numbers hold none, is refused (the old rule, `next ==
        // x` only, answered 4503599627370496); an integer there is not, nor an everyday fraction
        // whose `x + 1` JavaScript rounds (4.1 - 3.1 is 0.9999999999999996: outside tester 21b
        // caught a rule that refused it).
        let e = Op::Increment.apply(&reg(json!(2f64.powi(52) - 0.5), 3), 0).unwrap_err();
        assert!(e.message.contains("would not be exact"), "{e}");
        assert_eq!(Op::Increment.apply(&reg(json!(2f64.powi(52) - 1.0), 3), 0).unwrap().output, json!(2f64.powi(52)));
        assert_eq!(Op::Increment.apply(&reg(json!(3.1), 3), 0).unwrap().output, json!(4.1));
        assert_eq!(Op::Increment.apply(&reg(json!(7.7), 3), 0).unwrap().output, json!(8.7));
        assert_eq!(
            Op::Increment.apply(&reg(json!(2f64.powi(51) - 0.25), 3), 0).unwrap().output,
            json!(2f64.powi(51) + 1.0)
        );
    }

    #[test]
    fn reads_keep_the_register() {
        let r = reg(json!({"a": 1}), 4);
        assert_eq!(Op::Get.apply(&r, 0).unwrap(), Effect { write: None, output: json!({"a": 1}) });
        assert_eq!(Op::Read.apply(&r, 0).unwrap().output, json!({"version": 4, "value": {"a": 1}}));
        assert!(Op::Get.is_read_only() && !Op::Delete.is_read_only());
    }

    #[test]
    fn versioned_write_checks_the_version() {
        let r = reg(json!("v1"), 1);
        let ok = Op::Write { expected: 1, value: json!("v2") }.apply(&r, 0).unwrap();
        assert_eq!(ok, Effect { write: Some(json!("v2")), output: json!({"version": 2}) });
        let stale = Op::Write { expected: 0, value: json!("v2") }.apply(&r, 0).unwrap_err();
        assert_eq!(stale.kind, ErrorKind::VersionConflict);
    }

    #[test]
    fn locks_have_owners_expire_in_virtual_time_and_count_grants() {
        let acquire = |owner: &str, ttl| Op::AcquireLock { owner: owner.into(), ttl_ms: ttl };
        let lease = |owner: &str, ttl| Op::AcquireLease { owner: owner.into(), ttl_ms: ttl };
        let held = lease("alice", Some(100)).apply(&Register::default(), 10).unwrap();
        assert_eq!(held.output, json!({"acquired": true, "holder": "alice", "expiresAt": 110, "token": 1}));
        let r = reg(held.write.unwrap(), 1);
        let refused = lease("bob", None).apply(&r, 50).unwrap();
        assert_eq!(
            refused,
            Effect { write: None, output: json!({"acquired": false, "holder": "alice", "expiresAt": 110, "token": 1}) }
        );
        let renewed = acquire("alice", Some(100)).apply(&r, 50).unwrap();
        assert_eq!(renewed.output["token"], json!(2), "re-entrant renew is a new grant");
        let bob = lease("bob", None).apply(&r, 110).unwrap();
        assert_eq!(bob.output, json!({"acquired": true, "holder": "bob", "expiresAt": null, "token": 2}), "expired");
        let release = |owner: &str| Op::ReleaseLock { owner: owner.into() };
        assert_eq!(release("bob").apply(&r, 50).unwrap().output, json!(false));
        let released = release("alice").apply(&r, 50).unwrap();
        assert_eq!(released.output, json!(true));
        let free = reg(released.write.unwrap(), 2);
        assert_eq!(free.value, json!({"owner": null, "expiresAt": null, "token": 1}), "a release keeps the token");
        assert_eq!(lease("carol", None).apply(&free, 60).unwrap().output["token"], json!(2));
        assert_eq!(release("alice").apply(&r, 200).unwrap().output, json!(false), "an expired lock is not held");
        assert!(acquire("x", None).apply(&reg(json!(5), 1), 0).is_err());
        assert!(acquire("x", None).apply(&reg(json!({"owner": 1}), 1), 0).is_err());
    }

    #[test]
    fn a_lock_grant_void_at_resolution_is_answered_false() {
        let op = Op::AcquireLock { owner: "alice".into(), ttl_ms: Some(100) };
        let granted = op.apply(&Register::default(), 10).unwrap().output;
        assert_eq!(op.settle(granted.clone(), 109), json!(true));
        assert_eq!(op.settle(granted.clone(), 110), json!(false), "expired when the client hears of it");
        let refused = op.apply(&reg(json!({"owner": "bob", "expiresAt": null}), 1), 10).unwrap().output;
        assert_eq!(op.settle(refused, 10), json!(false));
        let forever = Op::AcquireLock { owner: "alice".into(), ttl_ms: None };
        assert_eq!(forever.settle(forever.apply(&Register::default(), 0).unwrap().output, u64::MAX), json!(true));
        let lease = Op::AcquireLease { owner: "alice".into(), ttl_ms: Some(100) };
        assert_eq!(lease.settle(granted.clone(), 109), granted, "a live lease is answered as it is");
        assert_eq!(
            lease.settle(granted, 110),
            json!({"acquired": false, "holder": null, "expiresAt": 110, "token": 1}),
            "a lease lapsed by resolution is not held (found by an outside tester)"
        );
    }

    #[test]
    fn markers_record_the_last_change_of_each_proposer() {
        let r = Register::default().changed(json!(1), 2, 10, json!(1).into());
        let r = r.changed(json!(2), 1, 11, json!(2).into());
        let r = r.changed(json!(3), 2, 12, json!(3).into());
        assert_eq!(r.version, 3);
        assert_eq!(r.applied.iter().map(|a| (a.proposer, a.op)).collect::<Vec<_>>(), vec![(1, 11), (2, 12)]);
        assert_eq!(r.applied_output(2, 12), Some(json!(3)));
        assert_eq!(r.applied_output(2, 10), None, "superseded by the proposer's next change");
    }
}
