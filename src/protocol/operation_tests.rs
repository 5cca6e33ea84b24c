//! One test per rule of [`Operation`], driven by hand: replies, timeouts and backoffs go in, the
//! messages, notes and outcome that come out are asserted.

use super::*;
use crate::ops::{ErrorKind, Register};
use serde_json::json;

const KEY: &str = "k";
const TIMING: Timing = Timing { phase_timeout_ms: 30, backoff_base_ms: 41, backoff_max_ms: 656, min_round_trip_ms: 2 };
const P1: ProposerId = 1;
const OP: OpId = 7;

/// An operation of p1 against three acceptors, with its own ballot clock and time.
struct Harness {
    op: Operation,
    clock: BallotClock,
    now_ms: u64,
}

impl Harness {
    fn new(op: Op, config: ProposerConfig) -> Self {
        let ctx = OperationContext { proposer: P1, op_id: OP, key: KEY.into(), acceptors: 3, config, phases: None };
        Harness { op: Operation::new(ctx, op), clock: BallotClock::default(), now_ms: 100 }
    }
    fn default_config(op: Op) -> Self {
        Harness::new(op, ProposerConfig::default())
    }
    fn start(&mut self, cached: Option<CachedRound>) {
        let now = Now { ms: self.now_ms, timing: TIMING, clock: &mut self.clock };
        self.op.start(now, cached);
    }
    fn reply(&mut self, from: AcceptorId, reply: Reply<Val>) {
        let now = Now { ms: self.now_ms, timing: TIMING, clock: &mut self.clock };
        self.op.handle_reply(now, from, &reply);
    }
    /// Moves time to the operation's next timer and fires it.
    fn fire_timer(&mut self) {
        self.now_ms = self.op.poll_timeout().expect("a timer is set");
        let now = Now { ms: self.now_ms, timing: TIMING, clock: &mut self.clock };
        self.op.handle_timeout(now);
    }
    /// Backs off by the smallest delay and starts the next attempt.
    fn back_off(&mut self) {
        assert!(self.op.poll_backoff().is_some(), "a backoff is asked for");
        let now = Now { ms: self.now_ms, timing: TIMING, clock: &mut self.clock };
        self.op.handle_backoff(now, 1);
        self.fire_timer();
    }
    fn sent(&mut self) -> Vec<(AcceptorId, Request<Val>)> {
        std::iter::from_fn(|| self.op.poll_transmit()).collect()
    }
    fn notes(&mut self) -> Vec<Note> {
        std::iter::from_fn(|| self.op.poll_note()).collect()
    }
    /// Takes the prepare sent to all acceptors and has a1 and a2 promise it, with nothing accepted.
    fn promised_empty(&mut self) -> Ballot {
        let b = prepare_ballot(&self.broadcast());
        self.reply(1, promise(b, None));
        self.reply(2, promise(b, None));
        b
    }
    /// The single request kind and ballot sent to all three acceptors.
    fn broadcast(&mut self) -> Request<Val> {
        let sent = self.sent();
        assert_eq!(sent.iter().map(|(to, _)| *to).collect::<Vec<_>>(), vec![1, 2, 3], "{sent:?}");
        sent[0].1.clone()
    }
}

fn reg(value: serde_json::Value, version: u64) -> Val {
    Rc::new(Register { value, version, applied: vec![] })
}
fn promise(ballot: Ballot, accepted: Option<(Ballot, Val)>) -> Reply<Val> {
    Reply::Promise { key: KEY.into(), ballot, accepted }
}
fn accepted(ballot: Ballot) -> Reply<Val> {
    Reply::Accepted { key: KEY.into(), ballot }
}
fn conflict(ballot: Ballot, blocking: Ballot) -> Reply<Val> {
    Reply::Conflict { key: KEY.into(), ballot, blocking }
}
fn prepare_ballot(r: &Request<Val>) -> Ballot {
    match r {
        Request::Prepare { ballot, .. } => *ballot,
        other => panic!("expected a prepare, got {other:?}"),
    }
}
fn accept_of(r: &Request<Val>) -> (Ballot, Val) {
    match r {
        Request::Accept { ballot, value, .. } => (*ballot, value.clone()),
        other => panic!("expected an accept, got {other:?}"),
    }
}

#[test]
fn a_fresh_ballot_every_attempt_past_the_blocking_one() {
    // Reference: §2.1 — a proposer's next ballot is greater than any it has seen; never reused.
    let mut h = Harness::default_config(Op::Increment);
    h.start(None);
    let first = prepare_ballot(&h.broadcast());
    let blocking = Ballot::new(40, 2);
    h.reply(1, conflict(first, blocking));
    h.reply(2, conflict(first, blocking));
    assert!(h.notes().contains(&Note::Conflict { proposer: P1, key: KEY.into(), ballot: first, blocking }));
    h.back_off();
    let second = prepare_ballot(&h.broadcast());
    assert!(second > blocking && second > first, "{second} must beat {blocking} and {first}");
    h.fire_timer(); // the prepare times out
    h.back_off();
    let third = prepare_ballot(&h.broadcast());
    assert!(third > second, "a retry after a timeout also takes a fresh ballot: {third} after {second}");
}

#[test]
fn a_cached_round_only_proposes_an_accept_and_a_failed_accept_drops_it() {
    // Reference: §2.2.1 — the cached (ballot, value) skips phase 1; if the accept fails, the
    // proposer goes back to a full round.
    let mut h = Harness::default_config(Op::Increment);
    let cached_ballot = Ballot::new(3, P1);
    h.clock.observe(cached_ballot);
    h.start(Some(CachedRound { ballot: cached_ballot, value: reg(json!(1), 1) }));
    let (ballot, value) = accept_of(&h.broadcast());
    assert_eq!((ballot, value.value.clone()), (cached_ballot, json!(2)), "phase 1 skipped");
    h.reply(1, conflict(cached_ballot, Ballot::new(5, 2)));
    h.reply(3, conflict(cached_ballot, Ballot::new(5, 2)));
    assert!(h.op.poll_outcome().is_none(), "a failed accept is no answer");
    h.back_off();
    let b = prepare_ballot(&h.broadcast());
    assert!(b > Ballot::new(5, 2));
    h.reply(1, promise(b, Some((Ballot::new(5, 2), reg(json!(10), 4)))));
    h.reply(2, promise(b, None));
    let (ab, v) = accept_of(&h.broadcast());
    assert_eq!((ab, v.value.clone(), v.version), (b, json!(11), 5), "computed on the quorum's state");
    h.reply(2, accepted(b));
    h.reply(3, accepted(b));
    let done = h.op.poll_outcome().expect("answered");
    assert_eq!(done.result, Ok(json!(11)));
    let next = done.cache.expect("the piggybacked promise is the next round");
    assert!(next.ballot > b && Rc::ptr_eq(&next.value, &v));
}

#[test]
fn no_refusal_from_a_stale_cache() {
    // Issue 8 §1: p1's cache says version 1 while the register is at version 2. A refusal computed
    // on the cache is no answer: the identity accept under the stale ballot is refused, and the
    // fresh prepare shows version 2, on which the write applies.
    let mut h = Harness::default_config(Op::Write { expected: 2, value: json!("c") });
    let stale = Ballot::new(2, P1);
    h.clock.observe(stale);
    h.start(Some(CachedRound { ballot: stale, value: reg(json!("a"), 1) }));
    let (b, v) = accept_of(&h.broadcast());
    assert_eq!((b, v.version), (stale, 1), "the cached state is written back, not refused");
    assert!(h.op.poll_outcome().is_none());
    let p2 = Ballot::new(3, 2);
    h.reply(1, conflict(stale, p2));
    h.reply(2, conflict(stale, p2));
    h.back_off();
    let b = prepare_ballot(&h.broadcast());
    h.reply(2, promise(b, Some((p2, reg(json!("b"), 2)))));
    h.reply(3, promise(b, Some((stale, reg(json!("a"), 1)))));
    let (_, v) = accept_of(&h.broadcast());
    assert_eq!((v.value.clone(), v.version), (json!("c"), 3));
    h.reply(1, accepted(b));
    h.reply(2, accepted(b));
    assert_eq!(h.op.poll_outcome().unwrap().result, Ok(json!({ "version": 3 })));
}

#[test]
fn a_refusal_is_answered_only_after_a_quorum_accepted_the_state_it_saw() {
    // Issue 15: the prepare quorum's highest accepted value (version 2) sits on a1 only. Refusing
    // on it before writing it back would let a later round lose it, and the refusal with it.
    let mut h = Harness::new(Op::Write { expected: 1, value: json!("v2'") }, ProposerConfig::default());
    h.start(None);
    let b = prepare_ballot(&h.broadcast());
    h.reply(1, promise(b, Some((Ballot::new(2, 1), reg(json!("v2"), 2)))));
    h.reply(2, promise(b, Some((Ballot::new(1, 1), reg(json!("v1"), 1)))));
    let notes = h.notes();
    assert!(
        notes.iter().any(|n| matches!(n, Note::Evaluated { seen, wrote: None, .. } if seen.version == 2)),
        "the refusal is an evaluation on version 2 that writes nothing new: {notes:?}"
    );
    assert!(!notes.iter().any(|n| matches!(n, Note::MayApply { .. })), "a refusal never may-apply");
    let (ab, v) = accept_of(&h.broadcast());
    assert_eq!((ab, v.value.clone(), v.version), (b, json!("v2"), 2), "identity write-back of what it saw");
    assert!(h.op.poll_outcome().is_none(), "no refusal on a prepare quorum alone");
    h.reply(1, accepted(b));
    assert!(h.op.poll_outcome().is_none(), "one accept is not a quorum");
    h.reply(3, accepted(b));
    let e = h.op.poll_outcome().unwrap().result.unwrap_err();
    assert_eq!(e.kind, ErrorKind::VersionConflict, "{e}");
    assert!(e.message.contains("version 2"), "{e}");
}

#[test]
fn a_refusal_whose_write_back_fails_is_retried_not_answered() {
    let mut h = Harness::default_config(Op::Change(Rc::new(|_| Err(OpError::rejected("no")))));
    h.start(None);
    h.promised_empty();
    let _ = h.broadcast();
    h.fire_timer(); // the write-back accept times out
    assert!(h.op.poll_outcome().is_none());
    h.back_off();
    let b2 = prepare_ballot(&h.broadcast());
    h.reply(2, promise(b2, None));
    h.reply(3, promise(b2, None));
    let _ = h.broadcast();
    h.reply(2, accepted(b2));
    h.reply(3, accepted(b2));
    let e = h.op.poll_outcome().unwrap().result.unwrap_err();
    assert_eq!(e.kind, ErrorKind::UpdateRejected);
    let evaluations = h.notes().iter().filter(|n| matches!(n, Note::Evaluated { .. })).count();
    assert_eq!(evaluations, 2, "evaluated once per attempt; the answer comes from the last");
}

#[test]
fn an_uncertain_attempt_is_sealed_before_refusing() {
    // Attempt 1's accept (the change) may have reached a minority. Attempt 2 sees a state without
    // it, on which the operation refuses: the identity accept under the higher ballot seals that
    // state, so the minority accept can never be adopted. The refusal is then certain (`failed`).
    let flips = std::cell::Cell::new(0);
    let f = move |x: &serde_json::Value| {
        flips.set(flips.get() + 1);
        if flips.get() == 1 {
            Ok(json!(1))
        } else {
            Err(OpError::rejected(format!("refused on {x}")))
        }
    };
    let mut h = Harness::default_config(Op::Change(Rc::new(f)));
    h.start(None);
    h.promised_empty();
    let (_, v1) = accept_of(&h.broadcast());
    assert_eq!(v1.value, json!(1));
    assert!(h.notes().contains(&Note::MayApply { op: OP }));
    h.fire_timer();
    h.back_off();
    let b2 = prepare_ballot(&h.broadcast());
    h.reply(2, promise(b2, None));
    h.reply(3, promise(b2, None));
    let (ab, v) = accept_of(&h.broadcast());
    assert_eq!((ab, v.version), (b2, 0), "the empty state it saw is sealed under {b2}");
    h.reply(2, accepted(b2));
    h.reply(3, accepted(b2));
    let e = h.op.poll_outcome().unwrap().result.unwrap_err();
    assert_eq!(e.kind, ErrorKind::UpdateRejected, "certainly not applied: {e}");
}

#[test]
fn a_found_marker_returns_the_recorded_answer() {
    // Exactly once: attempt 1 applied the increment on a minority, attempt 2's prepare adopts it.
    let mut h = Harness::default_config(Op::Increment);
    h.start(None);
    let b1 = h.promised_empty();
    let (_, applied) = accept_of(&h.broadcast());
    h.fire_timer();
    h.back_off();
    let _ = h.notes();
    let b2 = prepare_ballot(&h.broadcast());
    h.reply(1, promise(b2, Some((b1, applied.clone()))));
    h.reply(3, promise(b2, None));
    let (_, v) = accept_of(&h.broadcast());
    assert!(Rc::ptr_eq(&v, &applied), "written back as it is, not incremented again");
    let notes = h.notes();
    assert!(!notes.iter().any(|n| matches!(n, Note::Evaluated { .. } | Note::MayApply { .. })), "{notes:?}");
    h.reply(1, accepted(b2));
    h.reply(3, accepted(b2));
    assert_eq!(h.op.poll_outcome().unwrap().result, Ok(json!(1)));
}

#[test]
fn blind_retry_switch_reapplies() {
    // The negative control really changes rule 4.
    let config = ProposerConfig { break_blind_retry: true, ..ProposerConfig::default() };
    let mut h = Harness::new(Op::Increment, config);
    h.start(None);
    let b1 = h.promised_empty();
    let (_, applied) = accept_of(&h.broadcast());
    h.fire_timer();
    h.back_off();
    let b2 = prepare_ballot(&h.broadcast());
    h.reply(1, promise(b2, Some((b1, applied))));
    h.reply(2, promise(b2, None));
    let (_, v) = accept_of(&h.broadcast());
    assert_eq!(v.value, json!(2), "applied twice");
}

#[test]
fn giving_up_says_whether_the_change_may_have_been_applied() {
    let config = ProposerConfig { max_attempts: 2, ..ProposerConfig::default() };
    let mut h = Harness::new(Op::Increment, config.clone());
    h.start(None);
    h.fire_timer();
    h.back_off();
    h.fire_timer();
    let e = h.op.poll_outcome().unwrap().result.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unavailable { indeterminate: false }, "no accept was ever sent: {e}");
    assert_eq!(h.op.attempt(), 2);

    let mut h = Harness::new(Op::Increment, config);
    h.start(None);
    h.promised_empty();
    h.fire_timer(); // the accept times out
    h.back_off();
    h.fire_timer();
    let e = h.op.poll_outcome().unwrap().result.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Unavailable { indeterminate: true }, "{e}");
}

#[test]
fn reuse_ballot_switch_keeps_the_used_ballot_cached() {
    // The negative control (Gryadka's bug) really hands the used ballot on.
    let config = ProposerConfig { break_reuse_ballot: true, ..ProposerConfig::default() };
    let mut h = Harness::new(Op::Increment, config);
    h.start(None);
    let b = h.promised_empty();
    h.fire_timer();
    let done = h.op.poll_outcome().unwrap();
    assert_eq!(done.cache.map(|c| c.ballot), Some(b));
}

#[test]
fn replies_of_other_keys_rounds_and_duplicates_do_not_count() {
    let mut h = Harness::default_config(Op::Get);
    h.start(None);
    let b = prepare_ballot(&h.broadcast());
    h.reply(1, Reply::Promise { key: "other".into(), ballot: b, accepted: None });
    h.reply(1, promise(Ballot::new(b.counter - 1, P1), None));
    h.reply(2, promise(b, None));
    h.reply(2, promise(b, None));
    assert!(h.sent().is_empty(), "one promise is not a quorum");
    h.reply(3, promise(b, None));
    let (_, v) = accept_of(&h.broadcast());
    assert_eq!(v.version, 0);
}

#[test]
fn backoff_window_doubles_up_to_its_cap() {
    assert_eq!([2, 3, 4, 7, 40].map(|a| TIMING.backoff_window_ms(a)), [41, 82, 164, 656, 656]);
    let mut h = Harness::default_config(Op::Get);
    h.start(None);
    h.fire_timer();
    assert_eq!(h.op.poll_backoff(), Some(41));
    assert_eq!(h.op.poll_timeout(), None, "no timer until the backoff is drawn");
    let now = Now { ms: h.now_ms, timing: TIMING, clock: &mut h.clock };
    h.op.handle_backoff(now, 17);
    assert_eq!(h.op.poll_timeout(), Some(h.now_ms + 17));
    assert!(h.notes().contains(&Note::Retry { proposer: P1, op: OP, attempt: 2 }));
}

#[test]
fn giving_up_says_whether_a_higher_ballot_rejected_it_or_no_quorum_answered() {
    let gave_up = |attempts, rejected, may_have_applied| {
        OpError::unanswered(may_have_applied, &super::gave_up(attempts, rejected)).message
    };
    assert_eq!(gave_up(1, 0, false), "no quorum of acceptors answered within 1 attempt; the change was not applied");
    assert_eq!(
        gave_up(3, 0, true),
        "no quorum of acceptors answered within 3 attempts; the change may have been applied"
    );
    assert_eq!(gave_up(1, 1, false), "rejected by a higher ballot in its only attempt; the change was not applied");
    assert_eq!(gave_up(4, 4, false), "rejected by a higher ballot in all 4 attempts; the change was not applied");
    assert_eq!(
        gave_up(3, 2, true),
        "rejected by a higher ballot in 2 of 3 attempts; no quorum answered in time in the other one; the change may \
         have been applied"
    );
    assert_eq!(
        gave_up(5, 1, false),
        "rejected by a higher ballot in 1 of 5 attempts; no quorum answered in time in the other 4; the change was not \
         applied"
    );
}

#[test]
fn a_renewed_operation_is_the_fresh_one_with_nothing_of_the_old_left() {
    // The runtime reuses an ended operation's allocation (`Operation::renew`).
    let mut h = Harness::default_config(Op::Increment);
    h.start(None);
    h.fire_timer(); // the prepares time out: a note, a backoff asked for, and three prepares untaken
    assert!(h.op.poll_backoff().is_some());
    let ctx = OperationContext {
        proposer: P1,
        op_id: OP + 1,
        key: KEY.into(),
        acceptors: 3,
        config: ProposerConfig::default(),
        phases: None,
    };
    h.op.renew(ctx, Op::Increment, Vec::new());
    assert_eq!((h.op.attempt(), h.op.poll_backoff(), h.op.poll_timeout()), (0, None, None));
    assert!(h.sent().is_empty() && h.notes().is_empty() && h.op.poll_outcome().is_none(), "nothing left over");
    h.start(None);
    let b = prepare_ballot(&h.broadcast()); // exactly one prepare to each acceptor
    h.reply(1, promise(b, Some((Ballot::new(1, 2), reg(json!(41), 1)))));
    h.reply(2, promise(b, None));
    let (accept_ballot, value) = accept_of(&h.broadcast());
    assert_eq!(value.value, json!(42), "computed on the renewed operation's own quorum");
    h.reply(1, accepted(accept_ballot));
    h.reply(2, accepted(accept_ballot));
    assert_eq!(h.op.poll_outcome().expect("ended").result, Ok(json!(42)));
}
