//! The live world's shared state and its wire: the [`Env`] the proposers' runtime runs over, real
//! (host) timers for message delays and timeouts, and one task per acceptor that takes its
//! messages from a mailbox as they arrive.

use super::tabs::codec::Wire;
use super::tabs::{TabLink, TAB_ROUND_TRIP_ALLOWANCE_MS};
use super::Host;
use crate::driver::{Env, Note, Proposers, Timing};
use crate::ops::Val;
use crate::protocol::{Acceptor, AcceptorId, ProposerId, Request};
use crate::sim::records;
use crate::sim::{DropReason, EventKind, History, Msg, MsgRef, NetConfig, Node, Oracle, Partitions, Rng, Trace};
use crate::sim::{Event, Stats};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::poll_fn;
use std::rc::{Rc, Weak};
use std::task::{Poll, Waker};

pub(super) struct AcceptorNode {
    pub up: bool,
    /// Durable across a crash (kept in memory here: a crash of a node in this page is simulated).
    pub state: Acceptor<Val>,
}

/// Everything a live run records and decides with, behind one `RefCell` (never held across a
/// call into the proposers or into JavaScript).
pub(super) struct World {
    pub rng: Rng,
    pub net: NetConfig,
    pub partitions: Partitions,
    pub acceptors: Vec<AcceptorNode>,
    pub proposer_up: Vec<bool>,
    pub trace: Trace,
    pub history: History,
    pub stats: Stats,
    pub oracle: Oracle,
    /// Latencies and rates over wall-clock time, as the simulator keeps them over virtual time.
    pub metrics: crate::metrics::Metrics,
}

impl World {
    pub fn log(&mut self, at: u64, kind: EventKind) {
        self.trace.push(Event { at, kind });
    }

    pub fn is_up(&self, node: Node) -> bool {
        match node {
            Node::Acceptor(a) => self.acceptors[a as usize - 1].up,
            Node::Proposer(p) => self.proposer_up[p as usize - 1],
        }
    }

    fn drop_message(&mut self, at: u64, msg: MsgRef, reason: DropReason) {
        self.stats.dropped += 1;
        self.log(at, EventKind::Drop { msg, reason });
    }

    fn deliver(&mut self, at: u64, msg: MsgRef) {
        self.stats.delivered += 1;
        self.log(at, EventKind::Deliver { msg });
    }
}

/// A message on its way, decided when sent: where, what, whether the network loses it, and its
/// index in the log's messages.
struct Arrival {
    from: Node,
    to: Node,
    msg: Msg,
    lost: bool,
    log: MsgRef,
}

/// A request waiting in an acceptor's mailbox.
struct Letter {
    from: ProposerId,
    request: Request<Val>,
    log: MsgRef,
}

#[derive(Default)]
struct Mailbox {
    letters: RefCell<VecDeque<Letter>>,
    waker: RefCell<Option<Waker>>,
}

/// The live world: shared by the cluster, the proposers (as their [`Env`]), the acceptor tasks
/// and every pending timer (weakly: a timer that fires after the cluster is gone does nothing).
pub(super) struct Shared {
    me: Weak<Shared>,
    host: Rc<dyn Host>,
    start_ms: u64,
    pub world: RefCell<World>,
    mailboxes: Vec<Mailbox>,
    pub proposers: RefCell<Weak<Proposers>>,
    /// Set when the cluster is freed: nothing more is sent, delivered or run.
    pub closed: Cell<bool>,
    /// A client tab's channel to acceptors in other tabs (`LiveCluster::join`); `None`: the
    /// acceptors run here.
    pub remote: Option<Rc<TabLink>>,
}

impl Shared {
    pub fn new(host: Rc<dyn Host>, world: World, remote: Option<Rc<TabLink>>) -> Rc<Shared> {
        let start_ms = host.now_ms();
        let mailboxes = world.acceptors.iter().map(|_| Mailbox::default()).collect();
        Rc::new_cyclic(|me| Shared {
            me: me.clone(),
            host,
            start_ms,
            world: RefCell::new(world),
            mailboxes,
            proposers: RefCell::new(Weak::new()),
            closed: Cell::new(false),
            remote,
        })
    }

    /// Wall-clock ms since the cluster was created.
    pub fn now(&self) -> u64 {
        self.host.now_ms().saturating_sub(self.start_ms)
    }

    /// Starts acceptor `a`'s task: it takes each request from its mailbox as it arrives, answers
    /// it and puts the reply on the wire, until the cluster is freed.
    pub fn spawn_acceptor(&self, a: AcceptorId) {
        let me = self.me.clone();
        self.host.spawn(Box::pin(async move {
            while let Some(letter) = poll_fn(|cx| next_letter(&me, a, cx.waker())).await {
                let Some(shared) = me.upgrade() else { return };
                shared.acceptor_receives(a, letter);
            }
        }));
    }

    /// Ends the acceptor tasks and stops the wire.
    pub fn close(&self) {
        self.closed.set(true);
        for mailbox in &self.mailboxes {
            if let Some(w) = mailbox.waker.borrow_mut().take() {
                w.wake();
            }
        }
    }

    /// Puts a message on the wire: the network decides now whether it is lost or duplicated and
    /// how long each copy takes; a host timer delivers it then.
    pub fn transmit(&self, from: Node, to: Node, msg: Msg) {
        if self.closed.get() {
            return;
        }
        let now = self.now();
        let mut w = self.world.borrow_mut();
        w.stats.messages += 1;
        w.metrics.message(now);
        let World { net, rng, .. } = &mut *w;
        let fate = net.fate(rng, matches!(msg, Msg::Request(_)));
        let log = w.trace.message(from, to, now, msg.clone());
        w.log(now, EventKind::Send { msg: log.clone() });
        if let Some(latency) = fate.duplicate_latency_ms {
            w.stats.duplicated += 1;
            w.log(now, EventKind::Duplicate { msg: log.clone() });
            self.arrive_after(latency, Arrival { from, to, msg: msg.clone(), lost: false, log: log.clone() });
        }
        drop(w);
        self.arrive_after(fate.latency_ms, Arrival { from, to, msg, lost: fate.lost, log });
    }

    fn arrive_after(&self, delay_ms: u64, arrival: Arrival) {
        let me = self.me.clone();
        self.host.after(
            delay_ms,
            Box::new(move || {
                if let Some(shared) = me.upgrade() {
                    shared.arrive(arrival);
                }
            }),
        );
    }

    /// A message reached its receiver's host: dropped (lost, partitioned, receiver down), posted
    /// to an acceptor's mailbox, or handed to the proposers.
    fn arrive(&self, a: Arrival) {
        if self.closed.get() {
            return;
        }
        let now = self.now();
        let mut w = self.world.borrow_mut();
        let reason = if a.lost {
            Some(DropReason::Lost)
        } else if !w.partitions.can_talk(a.from, a.to) {
            Some(DropReason::Partition)
        } else if !w.is_up(a.to) {
            Some(DropReason::Down)
        } else {
            None
        };
        if let Some(reason) = reason {
            return w.drop_message(now, a.log, reason);
        }
        match (a.from, a.to, a.msg) {
            (Node::Proposer(from), Node::Acceptor(to), Msg::Request(request)) => {
                if let Some(link) = &self.remote {
                    // Delivered to the channel: the acceptor's tab answers (or it is gone).
                    w.deliver(now, a.log);
                    drop(w);
                    let wire = Wire::Request { tab: link.tab(), from, to, request };
                    return link.post(&wire).unwrap_or_else(|e| link.count_malformed(e));
                }
                drop(w);
                let mailbox = &self.mailboxes[to as usize - 1];
                mailbox.letters.borrow_mut().push_back(Letter { from, request, log: a.log });
                if let Some(waker) = mailbox.waker.borrow_mut().take() {
                    waker.wake();
                }
            }
            (Node::Acceptor(from), Node::Proposer(to), Msg::Reply(reply)) => {
                w.deliver(now, a.log);
                drop(w);
                let proposers = self.proposers.borrow().upgrade();
                if let Some(proposers) = proposers {
                    proposers.handle_reply(to, from, &reply);
                }
            }
            _ => unreachable!("requests go to acceptors, replies to proposers"),
        }
    }

    /// Acceptor `a`'s task took `letter`: unless the acceptor crashed while it waited, the
    /// acceptor answers it (the same [`Acceptor`] the simulator runs) and the reply goes out.
    fn acceptor_receives(&self, a: AcceptorId, letter: Letter) {
        let now = self.now();
        let mut w = self.world.borrow_mut();
        if !w.acceptors[a as usize - 1].up {
            return w.drop_message(now, letter.log, DropReason::Down);
        }
        w.deliver(now, letter.log);
        let reply = w.acceptors[a as usize - 1].state.handle(letter.request);
        let World { oracle, acceptors, .. } = &mut *w;
        oracle.observe(now, a, reply.key(), acceptors[a as usize - 1].state.slot(reply.key()), acceptors.len());
        drop(w);
        self.transmit(Node::Acceptor(a), Node::Proposer(letter.from), Msg::Reply(reply));
    }

    /// Wakes `waker` once [`Shared::now`] is `at_ms` or later (a host timer may fire early by a
    /// fraction of a millisecond: it is set again then, never woken early).
    fn wake_when(&self, at_ms: u64, waker: Waker) {
        let me = self.me.clone();
        let delay = at_ms.saturating_sub(self.now());
        self.host.after(
            delay,
            Box::new(move || match me.upgrade() {
                Some(shared) if shared.now() < at_ms => shared.wake_when(at_ms, waker),
                _ => waker.wake(),
            }),
        );
    }
}

impl Shared {
    /// A message from another tab (a client tab's): a reply to one of this tab's proposers comes
    /// in over the wire (this tab's network settings apply to it, as to every reply).
    pub fn receive(&self, wire: Wire) {
        let Some(link) = &self.remote else { return };
        let Wire::Reply { tab, from, to, reply } = wire else { return };
        let (acceptors, proposers) = (self.mailboxes.len(), self.world.borrow().proposer_up.len());
        if tab != link.tab() || Node::Acceptor(from).check_in(acceptors, proposers).is_err() {
            return;
        }
        if Node::Proposer(to).check_in(acceptors, proposers).is_ok() {
            self.transmit(Node::Acceptor(from), Node::Proposer(to), Msg::Reply(reply));
        }
    }
}

/// The next letter in acceptor `a`'s mailbox; `None` once the cluster is freed.
fn next_letter(me: &Weak<Shared>, a: AcceptorId, waker: &Waker) -> Poll<Option<Letter>> {
    let Some(shared) = me.upgrade().filter(|s| !s.closed.get()) else { return Poll::Ready(None) };
    let mailbox = &shared.mailboxes[a as usize - 1];
    if let Some(letter) = mailbox.letters.borrow_mut().pop_front() {
        return Poll::Ready(Some(letter));
    }
    *mailbox.waker.borrow_mut() = Some(waker.clone());
    Poll::Pending
}

impl Env for Shared {
    fn now_ms(&self) -> u64 {
        self.now()
    }
    fn acceptors(&self) -> usize {
        self.mailboxes.len()
    }
    fn send(&self, from: ProposerId, to: AcceptorId, request: Request<Val>) {
        self.transmit(Node::Proposer(from), Node::Acceptor(to), Msg::Request(request));
    }
    fn wake_at(&self, at_ms: u64, waker: Waker) {
        self.wake_when(at_ms, waker);
    }
    fn random_below(&self, bound: u64) -> u64 {
        self.world.borrow_mut().rng.below(bound)
    }
    fn timing(&self) -> Timing {
        let mut timing = self.world.borrow().net.timing();
        if self.remote.is_some() {
            timing.phase_timeout_ms += TAB_ROUND_TRIP_ALLOWANCE_MS;
        }
        timing
    }
    fn note(&self, note: Note) {
        let now = self.now();
        let mut w = self.world.borrow_mut();
        match note {
            Note::Conflict { .. } => w.metrics.conflict(now),
            Note::Retry { .. } => w.metrics.retry(now),
            _ => {}
        }
        let World { history, stats, .. } = &mut *w;
        if let Some(event) = records::note(history, stats, note) {
            w.log(now, event);
        }
    }
}
