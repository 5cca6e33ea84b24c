//! The seed's client API on `change`: a key-value store (`put`/`get`/`delete`), a versioned
//! store (`read`/`write` with an expected version, `increment`) and a distributed lock with
//! owner and TTL, each one CASPaxos round of a change function (see [`crate::ops`]).

use crate::ops::{ChangeFn, Op, OpError};
use crate::protocol::ProposerId;
use crate::sim::Shared;
use serde_json::Value as Json;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

/// Lock `name` lives in the register `lock:name`.
pub const LOCK_KEY_PREFIX: &str = "lock:";

/// The register key of lock `name`. The key limit applies to the name the user gave; the prefix
/// is added after the check.
pub fn lock_key(name: &str) -> Result<String, OpError> {
    crate::limits::check_name("lock name", name)?;
    Ok(format!("{LOCK_KEY_PREFIX}{name}"))
}

/// Checks the register key an operation addresses: a key for most operations, `lock:` + a lock
/// name for the lock operations.
pub fn check_register_key(key: &str, op: &Op) -> Result<(), OpError> {
    if !op.is_lock() {
        return crate::sim::check_key(key);
    }
    match key.strip_prefix(LOCK_KEY_PREFIX) {
        Some(name) => crate::limits::check_name("lock name", name),
        None => Err(OpError::invalid(format!(
            "{} needs a lock's register key ({LOCK_KEY_PREFIX}name), got {}",
            op.name(),
            crate::limits::cut(&crate::limits::quoted(key))
        ))),
    }
}

/// What an operation that was dropped with its simulation answers.
pub const DROPPED_WITH_THE_SIMULATION: &str = "the simulation was dropped before this operation ended";

/// Where an operation's answer waits for its [`OpHandle`]. The simulation writes it when the
/// operation ends; the handle owns it too, so an answer given before the simulation is dropped is
/// still collected afterwards.
#[derive(Default)]
pub(crate) struct AnswerSlot {
    result: Option<Result<Json, OpError>>,
    waker: Option<Waker>,
    /// The answer was taken: nothing more is written.
    taken: bool,
    /// The answer is [`AnswerSlot::abandon`]'s: the simulation went before the operation ended.
    abandoned: bool,
}

pub(crate) type Answer = Rc<RefCell<AnswerSlot>>;

impl AnswerSlot {
    /// The operation ended with `result` (the first answer wins).
    pub(crate) fn answer(slot: &Answer, result: Result<Json, OpError>) {
        Self::write(slot, result, false);
    }

    /// The simulation is gone without an answer; `may_have_applied`: an accept carrying the
    /// operation was sent (else it was not applied).
    pub(crate) fn abandon(slot: &Answer, may_have_applied: bool) {
        Self::write(slot, Err(OpError::unanswered(may_have_applied, DROPPED_WITH_THE_SIMULATION)), true);
    }

    fn write(slot: &Answer, result: Result<Json, OpError>, abandoned: bool) {
        let waker = {
            let mut s = slot.borrow_mut();
            if s.taken || s.result.is_some() {
                return;
            }
            s.result = Some(result);
            s.abandoned = abandoned;
            s.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

/// The result of one operation, once it ends. The operation runs whether or not this is awaited.
/// It does not keep the simulation alive: once the simulation is dropped, an answer it already
/// gave is still delivered, and otherwise it resolves to `Unavailable` (indeterminate).
pub struct OpHandle {
    state: HandleState,
    /// The answer came from [`AnswerSlot::abandon`], not from the operation.
    abandoned: bool,
}

enum HandleState {
    Ready(Option<Result<Json, OpError>>),
    Waiting(Answer),
}

impl OpHandle {
    pub(crate) fn waiting(answer: Answer) -> Self {
        OpHandle { state: HandleState::Waiting(answer), abandoned: false }
    }
    pub(crate) fn ready(result: Result<Json, OpError>) -> Self {
        OpHandle { state: HandleState::Ready(Some(result)), abandoned: false }
    }

    /// Whether the operation was cut off: the simulation was dropped before it ended (so it may
    /// or may not have been applied). Meaningful once the handle is ready.
    pub fn abandoned(&self) -> bool {
        self.abandoned
    }
}

impl Future for OpHandle {
    type Output = Result<Json, OpError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let (result, abandoned) = match &mut self.state {
            HandleState::Ready(result) => return Poll::Ready(result.take().expect("OpHandle polled after completion")),
            HandleState::Waiting(answer) => {
                let mut slot = answer.borrow_mut();
                match slot.result.take() {
                    Some(result) => {
                        slot.taken = true;
                        (result, slot.abandoned)
                    }
                    None => {
                        slot.waker = Some(cx.waker().clone());
                        return Poll::Pending;
                    }
                }
            }
        };
        self.state = HandleState::Ready(None);
        self.abandoned = abandoned;
        Poll::Ready(result)
    }
}

impl Drop for OpHandle {
    fn drop(&mut self) {
        if let HandleState::Waiting(answer) = &self.state {
            answer.borrow_mut().taken = true; // nobody collects it: the simulation may forget it
        }
    }
}

/// A versioned value, as `read` returns it.
#[derive(Clone, Debug, PartialEq)]
pub struct Versioned {
    /// 0 for a key never written.
    pub version: u64,
    pub value: Json,
}

/// A lease on a lock, as `acquireLease` answers it.
#[derive(Clone, Debug, PartialEq)]
pub struct Lease {
    pub acquired: bool,
    /// Who holds the lock now (`owner` when acquired); `None` when nobody does.
    pub holder: Option<String>,
    /// When the holder's grant lapses, in virtual ms; `None`: until released.
    pub expires_at_ms: Option<u64>,
    /// The holder's fencing token (the lock's latest grant when nobody holds it).
    pub token: u64,
}

/// Issues operations through one proposer. Cheap to clone; usable from tasks spawned in the
/// simulation (e.g. concurrent workers).
#[derive(Clone)]
pub struct Client {
    shared: Rc<Shared>,
    proposer: ProposerId,
}

impl Client {
    pub(crate) fn new(shared: Rc<Shared>, proposer: ProposerId) -> Self {
        Client { shared, proposer }
    }

    /// The same client, through another proposer.
    pub fn via(&self, proposer: ProposerId) -> Client {
        Client { shared: self.shared.clone(), proposer }
    }

    pub fn proposer(&self) -> ProposerId {
        self.proposer
    }

    /// Runs any operation. It starts now; the handle resolves when it ends.
    pub fn invoke(&self, key: &str, op: Op) -> OpHandle {
        self.shared.invoke(self.proposer, key, op)
    }

    /// `change(key, f)` (§2): `f` gets the current value (`null` when empty) and returns the new
    /// one, which the operation resolves to. `f` may run once per attempt.
    pub fn change(&self, key: &str, f: impl Fn(&Json) -> Result<Json, OpError> + 'static) -> OpHandle {
        let f: ChangeFn = Rc::new(f);
        self.invoke(key, Op::Change(f))
    }

    pub fn put(&self, key: &str, value: Json) -> OpHandle {
        self.invoke(key, Op::Put(value))
    }

    /// A linearizable read: a full round (prepare, then an accept of the same value).
    pub fn get(&self, key: &str) -> OpHandle {
        self.invoke(key, Op::Get)
    }

    pub fn delete(&self, key: &str) -> impl Future<Output = Result<(), OpError>> {
        let h = self.invoke(key, Op::Delete);
        async move { h.await.map(|_| ()) }
    }

    /// Adds 1 (an empty key counts as 0) and resolves to the new number.
    pub fn increment(&self, key: &str) -> impl Future<Output = Result<i64, OpError>> {
        let h = self.invoke(key, Op::Increment);
        async move {
            let v = h.await?;
            v.as_i64().ok_or_else(|| OpError::rejected(format!("increment produced {v}, not an integer")))
        }
    }

    pub fn read(&self, key: &str) -> impl Future<Output = Result<Versioned, OpError>> {
        let h = self.invoke(key, Op::Read);
        async move {
            let v = h.await?;
            Ok(Versioned { version: v["version"].as_u64().unwrap_or(0), value: v["value"].clone() })
        }
    }

    /// Writes `value` if the key is at `expected_version`; resolves to the new version, or fails
    /// with `VersionConflict`.
    pub fn write(&self, key: &str, expected_version: u64, value: Json) -> impl Future<Output = Result<u64, OpError>> {
        let h = self.invoke(key, Op::Write { expected: expected_version, value });
        async move { Ok(h.await?["version"].as_u64().unwrap_or(0)) }
    }

    /// Takes lock `name` for `owner` (again, if it already holds it), for `ttl_ms` of virtual time
    /// or until released. Resolves to false when another owner holds it.
    pub fn acquire_lock(
        &self,
        name: &str,
        owner: &str,
        ttl_ms: Option<u64>,
    ) -> impl Future<Output = Result<bool, OpError>> {
        let h = self.lock_op(name, Op::AcquireLock { owner: owner.to_owned(), ttl_ms });
        async move { Ok(h.await? == Json::Bool(true)) }
    }

    /// Takes lock `name` for `owner` like [`Client::acquire_lock`], answered as a lease:
    /// `{ acquired, holder, expiresAt, token }`, where `token` grows with every grant (a fencing
    /// token: pass it to whatever the lock protects, which refuses tokens older than the newest
    /// it has seen).
    pub fn acquire_lease(
        &self,
        name: &str,
        owner: &str,
        ttl_ms: Option<u64>,
    ) -> impl Future<Output = Result<Lease, OpError>> {
        let h = self.lock_op(name, Op::AcquireLease { owner: owner.to_owned(), ttl_ms });
        async move {
            let v = h.await?;
            Ok(Lease {
                acquired: v["acquired"].as_bool().unwrap_or(false),
                holder: v["holder"].as_str().map(str::to_owned),
                expires_at_ms: v["expiresAt"].as_u64(),
                token: v["token"].as_u64().unwrap_or(0),
            })
        }
    }

    /// Releases lock `name`; true if `owner` held it.
    pub fn release_lock(&self, name: &str, owner: &str) -> impl Future<Output = Result<bool, OpError>> {
        let h = self.lock_op(name, Op::ReleaseLock { owner: owner.to_owned() });
        async move { Ok(h.await? == Json::Bool(true)) }
    }

    fn lock_op(&self, name: &str, op: Op) -> OpHandle {
        match lock_key(name) {
            Ok(key) => self.invoke(&key, op),
            Err(e) => OpHandle::ready(Err(e)),
        }
    }
}
