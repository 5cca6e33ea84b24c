//! The tab cluster natively, on `LocalPool` with the live tests' clock: a bus stands in for the
//! `BroadcastChannel` (every other tab gets each message 1 ms later) and a map for IndexedDB
//! (a write commits `commit_ms` later, unless its tab was closed first). An oracle watches every
//! reply an acceptor tab sends: a promise or an accept it acknowledges must already be in its
//! store. Negative controls: acknowledging before the commit, and a tab without storage.

use super::codec::{self, Wire};
use super::{AcceptorTab, Channel, NoStore, Store, Stored, TabLink};
use crate::live::tests::{Results, Rig, TestHost};
use crate::live::{Host, LiveCluster, LiveConfig};
use crate::ops::{ErrorKind, Op, OpError};
use crate::protocol::{AcceptorId, Reply};
use crate::sim::Node;
use futures::task::LocalSpawnExt;
use serde_json::Value as Json;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::future::Future;
use std::rc::{Rc, Weak};

const CHANNEL: &str = "demo";

/// The `BroadcastChannel` of the test: tabs attached to it, and what the acceptor tabs' spies saw.
struct Bus {
    host: Rc<TestHost>,
    ends: RefCell<Vec<(usize, Weak<TabLink>)>>,
    next: Cell<usize>,
}

/// Sees every message a tab posts.
type Spy = Rc<dyn Fn(&Json)>;

struct End {
    bus: Rc<Bus>,
    id: usize,
    closed: Cell<bool>,
    spy: Option<Spy>,
}

impl Channel for End {
    fn post(&self, message: &Json) {
        if self.closed.get() {
            return;
        }
        if let Some(spy) = &self.spy {
            spy(message);
        }
        for (_, link) in self.bus.ends.borrow().iter().filter(|(id, _)| *id != self.id) {
            let (link, message) = (link.clone(), message.clone());
            self.bus.host.after(1, Box::new(move || link.upgrade().into_iter().for_each(|l| l.receive(&message))));
        }
    }
    fn close(&self) {
        self.closed.set(true);
        self.bus.ends.borrow_mut().retain(|(id, _)| *id != self.id);
    }
}

impl Bus {
    fn new(rig: &Rig) -> Rc<Bus> {
        Rc::new(Bus { host: rig.host.clone(), ends: RefCell::default(), next: Cell::new(0) })
    }

    /// A tab's link on the bus (not claimed yet).
    fn link(self: &Rc<Self>, tab: u64, nodes: Vec<Node>, spy: Option<Spy>) -> Result<Rc<TabLink>, OpError> {
        self.next.set(self.next.get() + 1);
        let end = Rc::new(End { bus: self.clone(), id: self.next.get(), closed: Cell::new(false), spy });
        let link = TabLink::new(end.clone(), CHANNEL, tab, nodes)?;
        self.ends.borrow_mut().push((end.id, Rc::downgrade(&link)));
        Ok(link)
    }

    /// Posts a message to every tab, as something else on the channel would.
    fn inject(&self, message: &Json) {
        for (_, link) in self.ends.borrow().iter() {
            link.upgrade().expect("attached").receive(message);
        }
    }
}

/// IndexedDB's stand-in: records survive the tab (the map is shared with the next incarnation); a
/// write commits `commit_ms` after it starts unless the tab was closed by then.
#[derive(Clone)]
struct MemStore {
    records: Rc<RefCell<BTreeMap<String, Json>>>,
    host: Rc<TestHost>,
    commit_ms: u64,
    tab_open: Rc<Cell<bool>>,
}

impl Store for MemStore {
    fn load(&self) -> Stored<Vec<(String, Json)>> {
        let all = self.records.borrow().iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        Box::pin(std::future::ready(Ok(all)))
    }
    fn save(&self, key: &str, record: Json) -> Stored<()> {
        let (records, open, key) = (self.records.clone(), self.tab_open.clone(), key.to_string());
        let host: Rc<dyn Host> = self.host.clone();
        let wait = super::sleep(&host, self.commit_ms);
        Box::pin(async move {
            wait.await;
            if !open.get() {
                return Err("the tab closed before the write committed".into());
            }
            records.borrow_mut().insert(key, record);
            Ok(())
        })
    }
    fn clear(&self) -> Stored<()> {
        self.records.borrow_mut().clear();
        Box::pin(std::future::ready(Ok(())))
    }
}

/// Runs `future` on the pool until it resolves.
fn block<T: 'static>(rig: &mut Rig, future: impl Future<Output = T> + 'static) -> T {
    let slot = Rc::new(RefCell::new(None));
    let s = slot.clone();
    rig.pool.spawner().spawn_local(async move { *s.borrow_mut() = Some(future.await) }).unwrap();
    rig.run_until(60_000, || slot.borrow().is_some());
    let value = slot.borrow_mut().take().expect("resolved");
    value
}

/// What the durability oracle found: acknowledgements the acceptor's store did not hold yet.
type Findings = Rc<RefCell<Vec<String>>>;

/// One acceptor tab: its durable records outlive it (a reload gets the same map).
struct AcceptorTabRig {
    id: AcceptorId,
    records: Rc<RefCell<BTreeMap<String, Json>>>,
    tab_open: Rc<Cell<bool>>,
    tab: Option<AcceptorTab>,
}

/// The oracle: every promise or accept that acceptor `id` acknowledges is already in `records`.
fn durability_spy(id: AcceptorId, records: Rc<RefCell<BTreeMap<String, Json>>>, findings: Findings) -> Spy {
    Rc::new(move |message: &Json| {
        let Ok(Wire::Reply { reply, .. }) = codec::decode(message) else { return };
        let (kind, key, ballot) = match &reply {
            Reply::Promise { key, ballot, .. } => ("promise", key, *ballot),
            Reply::Accepted { key, ballot } | Reply::Leased { key, ballot } => ("accepted", key, *ballot),
            Reply::Conflict { .. } => return,
        };
        let stored = records.borrow().get(&**key).map(|r| codec::decode_slot(r).expect("a stored record reads"));
        let stored = stored.unwrap_or_default();
        // A promise is held once the stored high water reaches it; an accept once the stored
        // accepted ballot does.
        let high = match kind {
            "promise" => stored.high_water(),
            _ => stored.accepted.map_or(crate::protocol::Ballot::ZERO, |(b, _)| b),
        };
        if high < ballot {
            findings
                .borrow_mut()
                .push(format!("a{id} sent {kind} {ballot} on {key} before its store held it (stored: {high})"));
        }
    })
}

struct TabCluster {
    rig: Rig,
    bus: Rc<Bus>,
    acceptors: Vec<AcceptorTabRig>,
    findings: Findings,
    commit_ms: u64,
    ack_before_commit: bool,
}

impl TabCluster {
    fn new(seed: u64, acceptors: AcceptorId, commit_ms: u64, ack_before_commit: bool) -> TabCluster {
        let rig = Rig::new(seed);
        let bus = Bus::new(&rig);
        let acceptors = (1..=acceptors)
            .map(|id| AcceptorTabRig { id, records: Rc::default(), tab_open: Rc::default(), tab: None })
            .collect();
        let mut c = TabCluster { rig, bus, acceptors, findings: Rc::default(), commit_ms, ack_before_commit };
        for i in 0..c.acceptors.len() {
            c.open_acceptor(i, false).expect("a free id");
        }
        c
    }

    /// Opens (or reloads) acceptor tab `i`; `no_storage`: with storage disabled.
    fn open_acceptor(&mut self, i: usize, no_storage: bool) -> Result<(), OpError> {
        let a = &mut self.acceptors[i];
        a.tab_open = Rc::new(Cell::new(true));
        let store: Rc<dyn Store> = if no_storage {
            Rc::new(NoStore)
        } else {
            let host = self.rig.host.clone();
            Rc::new(MemStore {
                records: a.records.clone(),
                host,
                commit_ms: self.commit_ms,
                tab_open: a.tab_open.clone(),
            })
        };
        let spy = durability_spy(a.id, a.records.clone(), self.findings.clone());
        let link = self.bus.link(1_000 + a.id as u64, vec![Node::Acceptor(a.id)], Some(spy))?;
        let host: Rc<dyn Host> = self.rig.host.clone();
        let (id, ack_first) = (a.id, self.ack_before_commit);
        let tab = block(&mut self.rig, async move {
            link.claim(&host).await?;
            AcceptorTab::start(host, link, vec![(id, store)], ack_first).await
        })?;
        self.acceptors[i].tab = Some(tab);
        Ok(())
    }

    /// Closes acceptor tab `i` (a crash: a write not yet committed is lost).
    fn close_acceptor(&mut self, i: usize) {
        self.acceptors[i].tab_open.set(false);
        self.acceptors[i].tab = None;
    }

    fn state_of(&self, i: usize) -> Json {
        self.acceptors[i].tab.as_ref().expect("open").state()["acceptors"][0].clone()
    }

    fn client(&mut self, acceptors: usize, max_attempts: u32) -> Rc<LiveCluster> {
        let link = self.bus.link(1, vec![Node::Proposer(1), Node::Proposer(2)], None).expect("a free id");
        let host: Rc<dyn Host> = self.rig.host.clone();
        let mut config = LiveConfig { acceptors, proposers: 2, ..LiveConfig::default() };
        config.driver.max_attempts = max_attempts;
        let cluster = block(&mut self.rig, async move {
            link.claim(&host).await?;
            LiveCluster::joined(host, config, link)
        });
        Rc::new(cluster.expect("the client joins"))
    }

    fn increments(&mut self, cluster: &Rc<LiveCluster>, workers: usize, each: usize) -> Results {
        let results: Results = Rc::default();
        for w in 0..workers {
            let (cluster, results) = (cluster.clone(), results.clone());
            let task = async move {
                for _ in 0..each {
                    let (_, outcome) = cluster.invoke((w % 2) as u8 + 1, "counter", Op::Increment).unwrap();
                    let r = outcome.await;
                    results.borrow_mut().push(r);
                }
            };
            self.rig.pool.spawner().spawn_local(task).unwrap();
        }
        results
    }
}

fn values(results: &Results) -> Vec<i64> {
    let mut v: Vec<i64> =
        results.borrow().iter().map(|r| r.as_ref().expect("no increment fails").as_i64().unwrap()).collect();
    v.sort_unstable();
    v
}

#[test]
fn a_client_tab_and_three_acceptor_tabs_survive_a_closed_tab_a_reload_restores_state_two_closed_are_unavailable() {
    for seed in [1, 2, 3] {
        let mut c = TabCluster::new(seed, 3, 3, false);
        let cluster = c.client(3, 8);
        let results = c.increments(&cluster, 4, 25);
        c.rig.run_until(600_000, || results.borrow().len() >= 30);
        c.close_acceptor(2);
        c.rig.run_until(600_000, || results.borrow().len() == 100);
        assert_eq!(values(&results), (1..=100).collect::<Vec<_>>(), "seed {seed}: each increment once");
        let report = cluster.check(crate::checker::DEFAULT_STEP_BUDGET);
        assert!(report.ok, "seed {seed}: {:?}", report.violation);

        // Reload a2 with no request in flight: it comes back exactly as it was.
        let before = c.state_of(1);
        assert_eq!(before["registers"]["counter"]["accepted"]["value"], 100, "seed {seed}: {before}");
        c.close_acceptor(1);
        c.open_acceptor(1, false).unwrap();
        assert_eq!(c.state_of(1), before, "seed {seed}: a2's promise and accepted value come back from its store");
        let more = c.increments(&cluster, 1, 5);
        c.rig.run_until(600_000, || more.borrow().len() == 5);
        assert_eq!(values(&more), (101..=105).collect::<Vec<_>>(), "seed {seed}: the reloaded a2 serves");

        // a3 is still closed; close a2 too: no quorum.
        c.close_acceptor(1);
        let lost = c.increments(&cluster, 1, 1);
        c.rig.run_until(600_000, || lost.borrow().len() == 1);
        let e = lost.borrow()[0].clone().expect_err("no quorum");
        assert!(matches!(e.kind, ErrorKind::Unavailable { .. }), "seed {seed}: {e:?}");
        assert_eq!(*c.findings.borrow(), Vec::<String>::new(), "seed {seed}: nothing acknowledged before its commit");
        let stats = c.acceptors[0].tab.as_ref().unwrap().stats();
        assert!(stats["writes"].as_u64().unwrap() > 0 && stats["earlyAcks"] == 0, "{stats}");
    }
}

/// Negative control: acknowledging before the store committed. The oracle names the first reply
/// that went out before its record was stored, and a crash in that window loses a promise.
#[test]
fn acknowledging_before_the_commit_is_caught_and_a_reload_then_loses_an_acknowledged_promise() {
    let mut c = TabCluster::new(7, 3, 20, true);
    let cluster = c.client(3, 8);
    let results = c.increments(&cluster, 1, 1);
    c.rig.run_until(60_000, || results.borrow().len() == 1);
    let findings = c.findings.borrow().clone();
    assert!(!findings.is_empty(), "the oracle must catch the early acknowledgements");
    let first = match &cluster.trace().messages()[0].msg {
        crate::sim::Msg::Request(r) => r.ballot(),
        other => panic!("{other:?}"),
    };
    let caught = format!(" sent promise {first} on counter before its store held it (stored: 0.p0)");
    assert!(findings[0].starts_with('a') && findings[0].ends_with(&caught), "{findings:?}");

    // The second increment's accept is acknowledged at once; a2 closes before the commit.
    let before_count = c.findings.borrow().len();
    let more = c.increments(&cluster, 1, 1);
    c.rig.run_until(60_000, || c.findings.borrow().len() > before_count + 2);
    let acknowledged = c.state_of(1)["registers"]["counter"].clone();
    c.close_acceptor(1);
    c.open_acceptor(1, false).unwrap();
    let restored = c.state_of(1)["registers"]["counter"].clone();
    assert_eq!(acknowledged["accepted"]["version"], 2, "a2 acknowledged the second increment's accept: {acknowledged}");
    assert_eq!(restored["accepted"]["version"], 1, "the reload lost it: {restored}");
    c.rig.run_until(60_000, || more.borrow().len() == 1);
}

/// Negative control: storage disabled. The reload forgets the promise and the accepted value
/// that a2 reported before; the comparison the page test makes catches it.
#[test]
fn without_storage_a_reload_forgets_the_promise_and_the_comparison_catches_it() {
    let mut c = TabCluster::new(3, 3, 3, false);
    c.close_acceptor(1);
    c.open_acceptor(1, true).unwrap();
    let cluster = c.client(3, 8);
    let results = c.increments(&cluster, 2, 5);
    c.rig.run_until(60_000, || results.borrow().len() == 10);
    let before = c.state_of(1);
    assert_eq!(before["registers"]["counter"]["accepted"]["value"], 10, "{before}");
    c.close_acceptor(1);
    c.open_acceptor(1, true).unwrap();
    let after = c.state_of(1);
    assert_ne!(after, before);
    assert_eq!(after["registers"], serde_json::json!({}), "the promise and the accepted value are gone");
}

#[test]
fn a_taken_node_id_a_second_join_in_one_tab_and_two_tabs_claiming_at_once_are_refused_by_name() {
    let mut c = TabCluster::new(1, 3, 1, false);
    // Another tab claims a2, which tab 1002 holds.
    let link = other_tab(|| c.bus.link(50, vec![Node::Acceptor(2)], None).unwrap());
    let host: Rc<dyn Host> = c.rig.host.clone();
    let e = block(&mut c.rig, async move { link.claim(&host).await }).expect_err("a2 is taken");
    assert_eq!(e.kind, ErrorKind::InvalidArgument);
    assert!(e.message.contains("node a2 is taken by another tab on channel \"demo\""), "{}", e.message);
    // This "tab" (the test's thread) holds a1 on the channel already.
    let e = c.bus.link(51, vec![Node::Acceptor(1)], None).map(|_| ()).expect_err("joined twice");
    assert!(e.message.contains("this tab already joined channel \"demo\" as a1"), "{}", e.message);
    let e = TabLink::new(Rc::new(Nowhere), "", 1, vec![]).map(|_| ()).expect_err("an empty channel name");
    assert!(e.message.contains("channel"), "{}", e.message);

    // Two tabs claim a4 at once: the lower tab number keeps it.
    let first = c.bus.link(60, vec![Node::Acceptor(4)], None).unwrap();
    let second = other_tab(|| c.bus.link(61, vec![Node::Acceptor(4)], None).unwrap());
    let host: Rc<dyn Host> = c.rig.host.clone();
    let both = block(&mut c.rig, async move {
        let (a, b) = futures::join!(first.claim(&host), second.claim(&host));
        (a.is_ok(), b.map_err(|e| e.message))
    });
    assert!(both.0, "tab 60 keeps a4");
    assert!(both.1.expect_err("tab 61 gives way").contains("node a4 is taken"));
}

/// Builds a link as another tab would: this test's thread is one tab, so the claim registry is
/// emptied around it (the registry is what stops one tab joining twice).
fn other_tab<T>(make: impl FnOnce() -> T) -> T {
    let saved = super::HELD_HERE.with(|h| std::mem::take(&mut *h.borrow_mut()));
    let made = make();
    super::HELD_HERE.with(|h| h.borrow_mut().extend(saved));
    made
}

struct Nowhere;
impl Channel for Nowhere {
    fn post(&self, _message: &Json) {}
    fn close(&self) {}
}

#[test]
fn malformed_messages_are_dropped_and_counted_and_the_cluster_keeps_working() {
    let mut c = TabCluster::new(4, 3, 1, false);
    let cluster = c.client(3, 8);
    let bad = [
        ("\"not an object\"", "not an object"),
        (r#"{"v":2,"kind":"hello","tab":1,"nodes":[]}"#, "not wire version 1"),
        (r#"{"v":1,"kind":"prepare","tab":1,"from":"p1","to":"a99","key":"k","ballot":[1,1]}"#, "unknown node a99"),
        (
            r#"{"v":1,"kind":"prepare","tab":1,"from":"a1","to":"a2","key":"k","ballot":[1,1]}"#,
            "a prepare goes from a proposer",
        ),
        (r#"{"v":1,"kind":"prepare","tab":1,"from":"p1","to":"a2","key":"","ballot":[1,1]}"#, "key"),
        (
            r#"{"v":1,"kind":"prepare","tab":1,"from":"p1","to":"a2","key":"k","ballot":[1,0]}"#,
            "ballot is not a ballot",
        ),
        (
            r#"{"v":1,"kind":"accept","tab":1,"from":"p1","to":"a2","key":"k","ballot":[1,1],"next":null,"value":{"value":1,"version":-1,"applied":[]}}"#,
            "version is not an integer",
        ),
        (r#"{"v":1,"kind":"promise","tab":1,"from":"a1","to":"p1","key":"k","ballot":[1,1]}"#, "no field accepted"),
        (r#"{"v":1,"kind":"gossip","tab":1}"#, "unknown kind \"gossip\""),
    ];
    for (text, why) in bad {
        let message: Json = serde_json::from_str(text).unwrap();
        assert!(codec::decode(&message).expect_err(text).contains(why), "{text}: {:?}", codec::decode(&message));
        c.bus.inject(&message);
    }
    let (count, last) = cluster.link().unwrap().malformed();
    assert_eq!((count, last.as_deref()), (bad.len() as u64, Some("unknown kind \"gossip\"")));
    assert_eq!(c.acceptors[0].tab.as_ref().unwrap().stats()["malformed"], bad.len());
    let results = c.increments(&cluster, 2, 10);
    c.rig.run_until(60_000, || results.borrow().len() == 20);
    assert_eq!(values(&results), (1..=20).collect::<Vec<_>>());
}

#[test]
fn every_message_kind_and_a_stored_record_read_back_as_written() {
    use crate::ops::{Applied, Register};
    use crate::protocol::{Ballot, Request, Slot};
    let reg = Rc::new(Register {
        value: serde_json::json!({"a": [1, "x", null]}),
        version: 3,
        applied: vec![Applied { proposer: 1, op: 4, output: Json::from(7).into(), batch: None }],
    });
    let (b, key) = (Ballot::new(5, 2), crate::protocol::Key::from("k"));
    let messages = [
        Wire::Hello { tab: 3, nodes: vec![Node::Acceptor(2), Node::Proposer(1)] },
        Wire::Taken { tab: 3, to: 4, nodes: vec![Node::Acceptor(2)] },
        Wire::Request { tab: 1, from: 2, to: 3, request: Request::Prepare { key: key.clone(), ballot: b } },
        Wire::Request {
            tab: 1,
            from: 2,
            to: 3,
            request: Request::Accept {
                key: key.clone(),
                ballot: b,
                value: reg.clone(),
                next_promise: Some(Ballot::new(6, 2)),
                lease_ms: None,
            },
        },
        Wire::Reply {
            tab: 1,
            from: 3,
            to: 2,
            reply: Reply::Promise { key: key.clone(), ballot: b, accepted: Some((Ballot::new(4, 1), reg.clone())) },
        },
        Wire::Reply { tab: 1, from: 3, to: 2, reply: Reply::Accepted { key: key.clone(), ballot: b } },
        Wire::Reply {
            tab: 1,
            from: 3,
            to: 2,
            reply: Reply::Conflict { key: key.clone(), ballot: b, blocking: Ballot::new(9, 1) },
        },
    ];
    for m in messages {
        // Through text too: what a structured clone keeps, JSON text keeps.
        let text = codec::encode(&m).unwrap().to_string();
        assert_eq!(codec::decode(&serde_json::from_str(&text).unwrap()).unwrap(), m);
    }
    let slot = Slot { promise: Some(Ballot::new(6, 2)), accepted: Some((b, reg.clone())), lease: None };
    assert_eq!(codec::decode_slot(&codec::encode_slot(&slot).unwrap()).unwrap(), slot);
    let batched = Register {
        applied: vec![Applied { batch: Some(Rc::new(vec![])), ..reg.applied[0].clone() }],
        ..(*reg).clone()
    };
    let refused = codec::encode_slot(&Slot { promise: None, accepted: Some((b, Rc::new(batched))), lease: None });
    assert!(refused.unwrap_err().contains("batch"));
}

#[test]
fn an_acceptor_whose_store_holds_an_unreadable_or_impossible_record_refuses_to_start() {
    let mut c = TabCluster::new(5, 1, 1, false);
    c.close_acceptor(0);
    let records = c.acceptors[0].records.clone();
    records.borrow_mut().insert("k".into(), Json::from("not a record"));
    let e = c.open_acceptor(0, false).expect_err("unreadable");
    assert!(matches!(e.kind, ErrorKind::Unavailable { .. }));
    assert_eq!(e.message, "acceptor a1 cannot start: the record of key k: not an object");
    // A promise below the accepted ballot: no acceptor gets there (an accept erases the promise).
    let impossible =
        r#"{"v":1,"promise":[1,1],"accepted":{"ballot":[2,1],"value":{"value":1,"version":1,"applied":[]}}}"#;
    records.borrow_mut().insert("k".into(), serde_json::from_str(impossible).unwrap());
    let e = c.open_acceptor(0, false).expect_err("impossible");
    assert_eq!(e.message, "acceptor a1 cannot start: the record of key k is not a state an acceptor can be in");
}

#[test]
fn a_later_client_tab_with_the_same_proposer_ids_never_reuses_a_ballot() {
    let mut c = TabCluster::new(6, 3, 1, false);
    let first = c.client(3, 8);
    let results = c.increments(&first, 2, 5);
    c.rig.run_until(60_000, || results.borrow().len() == 10);
    drop(first); // the client tab closes (or reloads): its ballot clocks are gone
    let high_water = |c: &TabCluster| {
        (0..3)
            .map(|i| {
                let r = &c.state_of(i)["registers"]["counter"];
                let counter = |b: &Json| b["counter"].as_u64().unwrap_or(0);
                counter(&r["promise"]).max(counter(&r["accepted"]["ballot"]))
            })
            .max()
            .unwrap()
    };
    let before = high_water(&c);
    let second = c.client(3, 8);
    let more = c.increments(&second, 1, 1);
    c.rig.run_until(60_000, || more.borrow().len() == 1);
    assert_eq!(values(&more), vec![11]);
    let first_ballot = match &second.trace().messages()[0].msg {
        crate::sim::Msg::Request(r) => r.ballot(),
        other => panic!("{other:?}"),
    };
    assert!(
        first_ballot.counter > before,
        "the new p1 starts above every ballot the old one used: {first_ballot} vs {before}"
    );
}
