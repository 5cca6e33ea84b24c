//! An acceptor tab: the same [`Acceptor`] the simulator runs, one task per hosted acceptor that
//! takes requests in arrival order and answers each only once its [`Store`] committed what the
//! request changed (the paper's §2.2 "persists": an acknowledged promise or accept survives a
//! restart). At start the stored records are restored, through the acceptor's own rules, before
//! the tab answers anything.

use super::codec::{self, Wire};
use super::{Store, Stored, TabLink};
use crate::live::{Host, Task};
use crate::ops::{OpError, Val};
use crate::protocol::{Acceptor, AcceptorId, ProposerId, Request, Slot};
use crate::view;
use serde_json::Value as Json;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::poll_fn;
use std::rc::{Rc, Weak};
use std::task::{Poll, Waker};

/// A store that keeps nothing: storage disabled (a reload forgets every promise; the negative
/// control of the durability tests).
pub struct NoStore;

impl Store for NoStore {
    fn load(&self) -> Stored<Vec<(String, Json)>> {
        Box::pin(std::future::ready(Ok(Vec::new())))
    }
    fn save(&self, _key: &str, _record: Json) -> Stored<()> {
        Box::pin(std::future::ready(Ok(())))
    }
    fn clear(&self) -> Stored<()> {
        Box::pin(std::future::ready(Ok(())))
    }
}

/// A request waiting for its acceptor: from proposer `from` of client tab `tab`.
struct Letter {
    tab: u64,
    from: ProposerId,
    request: Request<Val>,
}

/// One acceptor this tab runs.
struct Hosted {
    id: AcceptorId,
    state: RefCell<Acceptor<Val>>,
    store: Rc<dyn Store>,
    mailbox: RefCell<VecDeque<Letter>>,
    waker: RefCell<Option<Waker>>,
    /// Set when a write failed: the acceptor stops answering (it cannot promise durability).
    failed: RefCell<Option<String>>,
}

#[derive(Default)]
struct Counters {
    handled: Cell<u64>,
    writes: Cell<u64>,
    /// Replies sent before their write committed (only with `ack_before_commit`).
    early_acks: Cell<u64>,
}

struct Inner {
    host: Rc<dyn Host>,
    link: Rc<TabLink>,
    hosted: Vec<Hosted>,
    /// Test-only and unsafe: reply first, write after (a reload may then lose what was promised).
    ack_before_commit: bool,
    counters: Counters,
    closed: Cell<bool>,
}

/// The acceptors of one tab, joined to a channel.
pub struct AcceptorTab {
    inner: Rc<Inner>,
}

impl Drop for AcceptorTab {
    fn drop(&mut self) {
        self.inner.closed.set(true);
        for h in &self.inner.hosted {
            if let Some(w) = h.waker.borrow_mut().take() {
                w.wake();
            }
        }
    }
}

impl AcceptorTab {
    /// Restores each acceptor from its store, then starts answering on `link` (claimed already).
    /// A record that does not read, or a store that fails, is an error: an acceptor that may have
    /// forgotten a promise must not answer.
    pub async fn start(
        host: Rc<dyn Host>,
        link: Rc<TabLink>,
        acceptors: Vec<(AcceptorId, Rc<dyn Store>)>,
        ack_before_commit: bool,
    ) -> Result<AcceptorTab, OpError> {
        let mut hosted = Vec::new();
        for (id, store) in acceptors {
            let state = restore(id, &*store).await?;
            hosted.push(Hosted {
                id,
                state: RefCell::new(state),
                store,
                mailbox: RefCell::default(),
                waker: RefCell::default(),
                failed: RefCell::default(),
            });
        }
        let inner = Rc::new(Inner {
            host,
            link: link.clone(),
            hosted,
            ack_before_commit,
            counters: Counters::default(),
            closed: Cell::new(false),
        });
        let weak = Rc::downgrade(&inner);
        link.serve(Rc::new(move |wire| {
            if let Some(inner) = weak.upgrade() {
                inner.post_letter(wire);
            }
        }));
        for i in 0..inner.hosted.len() {
            inner.host.spawn(answer_loop(Rc::downgrade(&inner), i));
        }
        Ok(AcceptorTab { inner })
    }

    pub fn link(&self) -> &TabLink {
        &self.inner.link
    }

    /// Whether this tab runs acceptor `a`.
    pub fn hosts(&self, a: AcceptorId) -> bool {
        self.inner.hosted.iter().any(|h| h.id == a)
    }

    /// `{ acceptors: [{ id, up, registers }] }` in `Cluster.state()`'s shape for each acceptor here
    /// (`up` is false once a write failed).
    pub fn state(&self) -> Json {
        let acceptors: Vec<Json> = (self.inner.hosted.iter())
            .map(|h| view::acceptor(h.id, h.failed.borrow().is_none(), h.state.borrow().slots()))
            .collect();
        crate::json_object::object! { "acceptors": acceptors }
    }

    /// Requests answered, records written, early acknowledgements, malformed messages dropped,
    /// the last store failure.
    pub fn stats(&self) -> Json {
        let c = &self.inner.counters;
        let (malformed, why) = self.inner.link.malformed();
        let failures: Vec<Json> =
            (self.inner.hosted.iter()).filter_map(|h| h.failed.borrow().clone().map(Json::from)).collect();
        crate::json_object::object! {
            "handled": c.handled.get(),
            "writes": c.writes.get(),
            "earlyAcks": c.early_acks.get(),
            "malformed": malformed,
            "lastMalformed": why.map_or(Json::Null, Json::from),
            "storeFailures": failures,
        }
    }

    /// Empties acceptor `a`'s state and its store (outside CASPaxos's fault model, as `wipe` is in
    /// a simulation); it answers again once the store is clear.
    pub async fn wipe(&self, a: AcceptorId) -> Result<(), OpError> {
        let h = (self.inner.hosted.iter().find(|h| h.id == a))
            .ok_or_else(|| OpError::invalid(format!("acceptor a{a} does not run in this tab")))?;
        *h.state.borrow_mut() = Acceptor::default();
        h.store.clear().await.map_err(|e| OpError::unavailable(false, format!("a{a}'s store: {e}")))?;
        *h.failed.borrow_mut() = None;
        Ok(())
    }
}

/// The acceptor `id` as its store left it: each record read and replayed through the acceptor's
/// own rules (accept, then the promise), and checked to come back exactly as stored.
async fn restore(id: AcceptorId, store: &dyn Store) -> Result<Acceptor<Val>, OpError> {
    let failed = |what: String| OpError::unavailable(false, format!("acceptor a{id} cannot start: {what}"));
    let records = store.load().await.map_err(|e| failed(format!("its store: {e}")))?;
    let mut acceptor = Acceptor::default();
    for (key, record) in records {
        let slot = codec::decode_slot(&record).map_err(|e| failed(format!("the record of key {key}: {e}")))?;
        crate::sim::check_key(&key).map_err(|e| failed(e.message))?;
        let k: crate::protocol::Key = key.as_str().into();
        if let Some((ballot, value)) = &slot.accepted {
            acceptor.handle(Request::Accept {
                key: k.clone(),
                ballot: *ballot,
                value: value.clone(),
                next_promise: None,
                lease_ms: None,
            });
        }
        if let Some(ballot) = slot.promise {
            acceptor.handle(Request::Prepare { key: k.clone(), ballot });
        }
        if acceptor.slot(&key) != Some(&slot) {
            return Err(failed(format!("the record of key {key} is not a state an acceptor can be in")));
        }
    }
    Ok(acceptor)
}

impl Inner {
    /// A request for one of this tab's acceptors goes to its mailbox; everything else (replies,
    /// requests for other tabs' acceptors) is not for this tab.
    fn post_letter(&self, wire: Wire) {
        let Wire::Request { tab, from, to, request } = wire else { return };
        let Some(h) = self.hosted.iter().find(|h| h.id == to) else { return };
        h.mailbox.borrow_mut().push_back(Letter { tab, from, request });
        if let Some(w) = h.waker.borrow_mut().take() {
            w.wake();
        }
    }

    fn reply(&self, h: &Hosted, letter_tab: u64, to: ProposerId, reply: crate::protocol::Reply<Val>) {
        let wire = Wire::Reply { tab: letter_tab, from: h.id, to, reply };
        if let Err(e) = self.link.post(&wire) {
            *h.failed.borrow_mut() = Some(format!("a{}: a reply does not encode: {e}", h.id));
        }
    }
}

/// Acceptor `i`'s task: one request at a time, in arrival order; a request that changed the
/// acceptor's state is answered once the store committed the new record.
fn answer_loop(me: Weak<Inner>, i: usize) -> Task {
    Box::pin(async move {
        while let Some(letter) = poll_fn(|cx| next_letter(&me, i, cx.waker())).await {
            let Some(inner) = me.upgrade() else { return };
            let h = &inner.hosted[i];
            if h.failed.borrow().is_some() {
                continue;
            }
            let key = letter.request.key().clone();
            let before = h.state.borrow().slot(&key).cloned().unwrap_or_default();
            let reply = h.state.borrow_mut().handle(letter.request);
            let after: Slot<Val> = h.state.borrow().slot(&key).cloned().unwrap_or_default();
            inner.counters.handled.set(inner.counters.handled.get() + 1);
            if after == before {
                inner.reply(h, letter.tab, letter.from, reply);
                continue;
            }
            let record = match codec::encode_slot(&after) {
                Ok(record) => record,
                Err(e) => {
                    *h.failed.borrow_mut() = Some(format!("a{}: the record of {key} does not encode: {e}", h.id));
                    continue;
                }
            };
            if inner.ack_before_commit {
                inner.counters.early_acks.set(inner.counters.early_acks.get() + 1);
                inner.reply(h, letter.tab, letter.from, reply.clone());
            }
            let save = h.store.save(&key, record);
            drop(inner);
            let saved = save.await;
            let Some(inner) = me.upgrade().filter(|s| !s.closed.get()) else { return };
            let h = &inner.hosted[i];
            match saved {
                Ok(()) => inner.counters.writes.set(inner.counters.writes.get() + 1),
                Err(e) => {
                    *h.failed.borrow_mut() = Some(format!("a{}: its store failed: {e}", h.id));
                    continue;
                }
            }
            if !inner.ack_before_commit {
                inner.reply(h, letter.tab, letter.from, reply);
            }
        }
    })
}

fn next_letter(me: &Weak<Inner>, i: usize, waker: &Waker) -> Poll<Option<Letter>> {
    let Some(inner) = me.upgrade().filter(|s| !s.closed.get()) else { return Poll::Ready(None) };
    let h = &inner.hosted[i];
    if let Some(letter) = h.mailbox.borrow_mut().pop_front() {
        return Poll::Ready(Some(letter));
    }
    *h.waker.borrow_mut() = Some(waker.clone());
    Poll::Pending
}
