//! Live nodes in different tabs of one origin (issue 13 §2). A tab joins a named channel (a
//! `BroadcastChannel` in the browser, any [`Channel`] natively) with the node ids it will run: a
//! client tab runs the proposers (a [`super::LiveCluster`] whose acceptors are remote), acceptor
//! tabs run acceptors ([`AcceptorTab`]) whose state is durable in a [`Store`] (IndexedDB in the
//! browser). Closing a tab is a crash; reloading an acceptor tab is a restart that keeps its
//! promises and accepted values, because it answers a request only once its store committed the
//! change (the paper's durability rule) and restores the stored state before it answers anything.
//!
//! Joining claims the node ids first ([`TabLink::claim`]): the tab says hello, and a tab that
//! holds one of them answers "taken" within [`CLAIM_WAIT_MS`] (of two tabs claiming at once, the
//! one with the lower tab number keeps it). The wire format is [`codec`]'s; a message that does
//! not read is dropped and counted, never trusted.

mod acceptors;
pub mod codec;
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;

use super::Host;
use crate::ops::OpError;
use crate::sim::Node;
pub use acceptors::{AcceptorTab, NoStore};
use codec::{Wire, WireError};
use serde_json::Value as Json;
use std::cell::{Cell, RefCell};
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::rc::Rc;
use std::task::Poll;

/// How long a joining tab waits for another tab to say one of its node ids is taken, in real ms.
pub const CLAIM_WAIT_MS: u64 = 250;
/// Added to a client tab's phase timeout: the round trip through another tab's event loop and its
/// store's commit (a durable IndexedDB write takes a few ms to tens of ms).
pub const TAB_ROUND_TRIP_ALLOWANCE_MS: u64 = 200;

/// A client tab's proposers start their ballot counters at the wall clock in ms times this: a
/// reloaded client tab (or a later one with the same proposer ids) has no memory of the ballots
/// issued before, and must never issue one again (two values under one ballot break safety). It
/// holds while the clock does not go back and no proposer issues this many ballots per ms (each
/// ballot is a round trip through another tab).
pub const BALLOTS_PER_MS: u64 = 1000;

/// Posts a message to every other tab on the channel (a `BroadcastChannel`: never to itself).
pub trait Channel {
    fn post(&self, message: &Json);
    fn close(&self);
}

/// The result of a store operation: `Err` says what failed.
pub type Stored<T> = Pin<Box<dyn Future<Output = Result<T, String>>>>;

/// An acceptor's durable storage: one record per key.
pub trait Store {
    /// Every record, as last committed.
    fn load(&self) -> Stored<Vec<(String, Json)>>;
    /// Resolves once `record` is committed as `key`'s.
    fn save(&self, key: &str, record: Json) -> Stored<()>;
    /// Resolves once every record is gone.
    fn clear(&self) -> Stored<()>;
}

thread_local! {
    /// (channel, node) pairs held by a link in this tab.
    static HELD_HERE: RefCell<Vec<(String, Node)>> = const { RefCell::new(Vec::new()) };
}

/// One tab's end of a channel: its tab number, the node ids it claims, the claim's state and the
/// role that receives its messages once joined.
pub struct TabLink {
    channel: Rc<dyn Channel>,
    name: String,
    tab: u64,
    nodes: Vec<Node>,
    joined: Cell<bool>,
    /// Node ids another tab holds (or claims with a lower tab number), found while joining.
    taken: RefCell<Vec<Node>>,
    malformed: Cell<u64>,
    last_malformed: RefCell<Option<WireError>>,
    role: RefCell<Option<Role>>,
}

/// What a joined tab does with the messages that are not about claims.
pub type Role = Rc<dyn Fn(Wire)>;

impl TabLink {
    /// A link on channel `name` for `nodes`; refused when this tab already holds one of them on
    /// that channel (joined twice).
    pub fn new(channel: Rc<dyn Channel>, name: &str, tab: u64, nodes: Vec<Node>) -> Result<Rc<TabLink>, OpError> {
        crate::limits::check_name("channel", name)?;
        HELD_HERE.with(|held| {
            let mut held = held.borrow_mut();
            if let Some((_, node)) = held.iter().find(|(c, n)| c == name && nodes.contains(n)) {
                return Err(OpError::invalid(format!(
                    "this tab already joined channel {} as {node}",
                    crate::limits::quoted(name)
                )));
            }
            held.extend(nodes.iter().map(|n| (name.to_string(), *n)));
            Ok(())
        })?;
        Ok(Rc::new(TabLink {
            channel,
            name: name.into(),
            tab,
            nodes,
            joined: Cell::new(false),
            taken: RefCell::default(),
            malformed: Cell::new(0),
            last_malformed: RefCell::default(),
            role: RefCell::default(),
        }))
    }

    pub fn tab(&self) -> u64 {
        self.tab
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Says hello and waits [`CLAIM_WAIT_MS`]; `InvalidArgument` naming the node ids another tab
    /// holds. Joined afterwards (it answers other tabs' hellos from then on).
    pub async fn claim(&self, host: &Rc<dyn Host>) -> Result<(), OpError> {
        self.post(&Wire::Hello { tab: self.tab, nodes: self.nodes.clone() }).expect("a hello always encodes");
        sleep(host, CLAIM_WAIT_MS).await;
        let taken = self.taken.borrow();
        if let Some(first) = taken.first() {
            let names: Vec<String> = taken.iter().map(Node::to_string).collect();
            return Err(OpError::invalid(format!(
                "node {first} is taken by another tab on channel {} ({} taken)",
                crate::limits::quoted(&self.name),
                names.join(", ")
            )));
        }
        self.joined.set(true);
        Ok(())
    }

    /// From now on the messages that are not about claims go to `role`.
    pub fn serve(&self, role: Role) {
        *self.role.borrow_mut() = Some(role);
    }

    /// Sends `wire` to the other tabs.
    pub fn post(&self, wire: &Wire) -> Result<(), WireError> {
        self.channel.post(&codec::encode(wire)?);
        Ok(())
    }

    /// A message from another tab: claims are answered here, the rest goes to the role; one that
    /// does not read is counted and dropped.
    pub fn receive(&self, message: &Json) {
        let wire = match codec::decode(message) {
            Ok(wire) => wire,
            Err(reason) => return self.count_malformed(reason),
        };
        match wire {
            Wire::Hello { tab, nodes } => self.hello_from(tab, &nodes),
            Wire::Taken { to, nodes, .. } if to == self.tab && !self.joined.get() => {
                self.taken.borrow_mut().extend(nodes.into_iter().filter(|n| self.nodes.contains(n)));
            }
            Wire::Taken { .. } => {}
            other => {
                let role = self.role.borrow().clone();
                if let Some(role) = role {
                    role(other);
                }
            }
        }
    }

    /// Counts a message that did not read (a message of another shape, from a newer version, or
    /// sent by something else on the channel).
    pub fn count_malformed(&self, reason: WireError) {
        self.malformed.set(self.malformed.get() + 1);
        *self.last_malformed.borrow_mut() = Some(reason);
    }

    /// Messages dropped because they did not read, and why the last one did not.
    pub fn malformed(&self) -> (u64, Option<WireError>) {
        (self.malformed.get(), self.last_malformed.borrow().clone())
    }

    fn hello_from(&self, tab: u64, nodes: &[Node]) {
        let mine: Vec<Node> = nodes.iter().copied().filter(|n| self.nodes.contains(n)).collect();
        if mine.is_empty() || tab == self.tab {
            return;
        }
        if self.joined.get() {
            let _ = self.post(&Wire::Taken { tab: self.tab, to: tab, nodes: mine });
        } else if tab < self.tab {
            self.taken.borrow_mut().extend(mine);
        }
    }
}

impl Drop for TabLink {
    fn drop(&mut self) {
        self.channel.close();
        HELD_HERE.with(|held| held.borrow_mut().retain(|(c, n)| c != &self.name || !self.nodes.contains(n)));
    }
}

/// Resolves once `ms` have passed on `host`'s timers.
pub fn sleep(host: &Rc<dyn Host>, ms: u64) -> impl Future<Output = ()> {
    let done = Rc::new(Cell::new(false));
    let waker = Rc::new(RefCell::new(None::<std::task::Waker>));
    let (d, w) = (done.clone(), waker.clone());
    host.after(
        ms,
        Box::new(move || {
            d.set(true);
            if let Some(w) = w.borrow_mut().take() {
                w.wake();
            }
        }),
    );
    poll_fn(move |cx| {
        if done.get() {
            return Poll::Ready(());
        }
        *waker.borrow_mut() = Some(cx.waker().clone());
        Poll::Pending
    })
}
