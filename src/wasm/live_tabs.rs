//! The tab cluster for JavaScript (issue 13 §2): `LiveCluster.join(channel, options)` (a client
//! tab: its proposers here, its acceptors in other tabs) and `AcceptorTab.join(channel, { acceptors
//! })` (acceptors durable in IndexedDB). The transport is the global `BroadcastChannel`, reached
//! through `Reflect` (no web-sys); IndexedDB's callbacks are wrapped in promises by the small
//! snippet below. Everything else lives in [`crate::live::tabs`], tested natively.

use super::js::{
    array_items, bool_arg, error, invalid, is_array, node_arg, options, string_arg, thrown_message, to_js,
};
use super::js::{describe, to_json_within, value_to_js, JsResult};
use super::live::{live_config, Browser, LiveCluster};
use super::live_guard::{ensure_live_guard, install_live_guard};
use super::shared::MAX_SEED;
use crate::live::tabs::codec::{WireError, MAX_WIRE_BYTES, MAX_WIRE_DEPTH};
use crate::live::tabs::{AcceptorTab as Core, Channel, NoStore, Store, Stored, TabLink};
use crate::live::{Host, LiveCluster as ClusterCore};
use crate::protocol::AcceptorId;
use crate::sim::{Node, MAX_ACCEPTORS};
use js_sys::{Array, Function, Promise, Reflect};
use serde_json::Value as Json;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

/// Every channel name gets this prefix, so a page's other BroadcastChannels never mix in.
const CHANNEL_PREFIX: &str = "caspaxos/";
/// Every acceptor's IndexedDB database: `caspaxos/<channel>/<acceptor>`, one object store.
const OBJECT_STORE: &str = "registers";

#[wasm_bindgen(inline_js = r#"
const settled = (tx, value) => new Promise((resolve, reject) => {
  tx.oncomplete = () => resolve(value());
  tx.onabort = tx.onerror = () => reject(tx.error ?? new Error("the transaction was aborted"));
});
export function idbOpen(name, store) {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(store);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
    request.onblocked = () => reject(new Error("another tab holds an older version of " + name));
  });
}
export function idbLoad(db, store) {
  const tx = db.transaction(store, "readonly");
  const keys = tx.objectStore(store).getAllKeys(), values = tx.objectStore(store).getAll();
  return settled(tx, () => keys.result.map((k, i) => [k, values.result[i]]));
}
export function idbSave(db, store, key, record) {
  const tx = db.transaction(store, "readwrite", { durability: "strict" });
  tx.objectStore(store).put(record, key);
  return settled(tx, () => undefined);
}
export function idbClear(db, store) {
  const tx = db.transaction(store, "readwrite", { durability: "strict" });
  tx.objectStore(store).clear();
  return settled(tx, () => undefined);
}
"#)]
extern "C" {
    #[wasm_bindgen(catch, js_name = "idbOpen")]
    fn idb_open(name: &str, store: &str) -> Result<Promise, JsValue>;
    #[wasm_bindgen(catch, js_name = "idbLoad")]
    fn idb_load(db: &JsValue, store: &str) -> Result<Promise, JsValue>;
    #[wasm_bindgen(catch, js_name = "idbSave")]
    fn idb_save(db: &JsValue, store: &str, key: &str, record: &JsValue) -> Result<Promise, JsValue>;
    #[wasm_bindgen(catch, js_name = "idbClear")]
    fn idb_clear(db: &JsValue, store: &str) -> Result<Promise, JsValue>;
}

/// A message or record from outside this wasm (another tab, IndexedDB) as JSON, bounded.
fn read(what: &str, v: &JsValue) -> Result<Json, WireError> {
    to_json_within(what, v, MAX_WIRE_DEPTH, MAX_WIRE_BYTES).map_err(|e| e.message)
}

/// One promise type for every future of this file (one copy of `future_to_promise` in the wasm).
fn promise(f: impl Future<Output = JsResult<JsValue>> + 'static) -> Promise {
    let boxed: Pin<Box<dyn Future<Output = JsResult<JsValue>>>> = Box::pin(f);
    future_to_promise(boxed)
}

/// Awaits a promise the snippet made (or the error it threw while making it).
async fn settle(made: Result<Promise, JsValue>) -> Result<JsValue, String> {
    JsFuture::from(made.map_err(|e| thrown_message(&e))?).await.map_err(|e| thrown_message(&e))
}

/// One acceptor's IndexedDB database.
struct IndexedDb {
    db: JsValue,
}

impl Drop for IndexedDb {
    /// Closes the connection (a later join of the same acceptor in this page opens its own).
    fn drop(&mut self) {
        if let Some(close) = method(&self.db, "close") {
            let _ = close.call0(&self.db);
        }
    }
}

impl Store for IndexedDb {
    fn load(&self) -> Stored<Vec<(String, Json)>> {
        let made = idb_load(&self.db, OBJECT_STORE);
        Box::pin(async move {
            let mut records = Vec::new();
            for pair in Array::from(&settle(made).await?).iter() {
                let key = Reflect::get_u32(&pair, 0).ok().and_then(|k| k.as_string());
                let key = key.ok_or("a record is stored under a key that is not text")?;
                let record = Reflect::get_u32(&pair, 1).unwrap_or(JsValue::UNDEFINED);
                records.push((key, read("a stored record", &record)?));
            }
            Ok(records)
        })
    }
    fn save(&self, key: &str, record: Json) -> Stored<()> {
        let made = idb_save(&self.db, OBJECT_STORE, key, &value_to_js(&record));
        Box::pin(async move { settle(made).await.map(drop) })
    }
    fn clear(&self) -> Stored<()> {
        let made = idb_clear(&self.db, OBJECT_STORE);
        Box::pin(async move { settle(made).await.map(drop) })
    }
}

/// The global `BroadcastChannel` named `caspaxos/<channel>`, delivering to a [`TabLink`].
struct Broadcast {
    channel: JsValue,
    post: Function,
    close: Function,
    _listener: Closure<dyn FnMut(JsValue)>,
}

impl Channel for Broadcast {
    fn post(&self, message: &Json) {
        // postMessage throws only on a closed channel: a message to nobody.
        let _ = self.post.call1(&self.channel, &value_to_js(message));
    }
    fn close(&self) {
        let _ = Reflect::set(&self.channel, &"onmessage".into(), &JsValue::NULL);
        let _ = self.close.call0(&self.channel);
    }
}

impl Drop for Broadcast {
    /// A channel closes before its listener goes (a closed channel delivers nothing more).
    fn drop(&mut self) {
        Channel::close(self);
    }
}

fn method(object: &JsValue, name: &str) -> Option<Function> {
    Reflect::get(object, &name.into()).ok()?.dyn_into::<Function>().ok()
}

/// Opens the channel and claims `nodes` on it for a fresh tab number (not yet announced).
fn open_link(name: &str, nodes: Vec<Node>) -> JsResult<Rc<TabLink>> {
    let missing = || invalid("joining a channel needs the global BroadcastChannel (a browser page or worker)");
    let class = method(&js_sys::global(), "BroadcastChannel").ok_or_else(missing)?;
    let full_name = format!("{CHANNEL_PREFIX}{name}");
    let channel = Reflect::construct(&class, &Array::of1(&full_name.into())).map_err(|_| missing())?;
    let target: Rc<RefCell<Weak<TabLink>>> = Rc::default();
    let to = target.clone();
    let listener = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
        let Some(link) = to.borrow().upgrade() else { return };
        let data = Reflect::get(&event, &"data".into()).unwrap_or(JsValue::UNDEFINED);
        match read("a message", &data) {
            Ok(message) => link.receive(&message),
            Err(reason) => link.count_malformed(reason),
        }
    });
    let _ = Reflect::set(&channel, &"onmessage".into(), listener.as_ref());
    let (post, close) = (method(&channel, "postMessage"), method(&channel, "close"));
    let (Some(post), Some(close)) = (post, close) else { return Err(missing()) };
    let broadcast = Rc::new(Broadcast { channel, post, close, _listener: listener });
    let tab = (js_sys::Math::random() * MAX_SEED) as u64;
    let link = TabLink::new(broadcast, name, tab, nodes).map_err(|e| error(&e))?;
    *target.borrow_mut() = Rc::downgrade(&link);
    Ok(link)
}

#[wasm_bindgen]
impl LiveCluster {
    /// A client tab: `new LiveCluster(options)`'s proposers `p1..pM` here, its acceptors
    /// `a1..aN` in the tabs that joined `channel` with `AcceptorTab.join`. Resolves once no other
    /// tab on the channel holds these proposer ids (`InvalidArgument` naming the first that is).
    #[wasm_bindgen(unchecked_return_type = "Promise<LiveCluster>")]
    pub fn join(
        #[wasm_bindgen(unchecked_param_type = "string")] channel: JsValue,
        #[wasm_bindgen(unchecked_param_type = "LiveClusterOptions | undefined")] opts: JsValue,
    ) -> Promise {
        let prepared = (|| {
            let name = string_arg("channel", &channel)?;
            let config = live_config(&opts)?;
            let host: Rc<dyn Host> = Rc::new(Browser::new()?);
            let proposers = (1..=config.proposers as u8).map(Node::Proposer).collect();
            Ok::<_, JsValue>((host, config, open_link(&name, proposers)?))
        })();
        let (host, config, link) = match prepared {
            Ok(p) => p,
            Err(e) => return Promise::reject(&e),
        };
        ensure_live_guard();
        promise(async move {
            link.claim(&host).await.map_err(|e| error(&e))?;
            let core = ClusterCore::joined(host, config, link).map_err(|e| error(&e))?;
            Ok(LiveCluster::of(core).into())
        })
    }

    /// The channel a client tab joined (`null` for a cluster made with `new LiveCluster`).
    #[wasm_bindgen(getter, unchecked_return_type = "string | null")]
    pub fn channel(&self) -> JsValue {
        self.core().link().map_or(JsValue::NULL, |l| l.name().into())
    }
}

/// Acceptors of a tab cluster, running in this tab, durable in IndexedDB.
#[wasm_bindgen]
pub struct AcceptorTab {
    core: Rc<Core>,
}

#[wasm_bindgen]
impl AcceptorTab {
    /// Runs `options.acceptors` (ids like `"a2"`) in this tab on `channel`: claims them (no other
    /// tab may hold one), restores each from its IndexedDB database, then answers requests, each
    /// only once its change is committed. `options.storage`: `"indexedDB"` (default) or `"none"`
    /// (nothing survives a reload). `options.ackBeforeCommit` (only with the `workloads` feature,
    /// never shipped: a test's negative control, unsafe): answers before the write commits.
    #[wasm_bindgen(unchecked_return_type = "Promise<AcceptorTab>")]
    pub fn join(
        #[wasm_bindgen(unchecked_param_type = "string")] channel: JsValue,
        #[wasm_bindgen(unchecked_param_type = "AcceptorTabOptions")] opts: JsValue,
    ) -> Promise {
        let prepared = (|| {
            let name = string_arg("channel", &channel)?;
            let (ids, durable, ack_first) = tab_options(&opts)?;
            let host: Rc<dyn Host> = Rc::new(Browser::new()?);
            let link = open_link(&name, ids.iter().map(|a| Node::Acceptor(*a)).collect())?;
            Ok::<_, JsValue>((name, ids, durable, ack_first, host, link))
        })();
        let (name, ids, durable, ack_first, host, link) = match prepared {
            Ok(p) => p,
            Err(e) => return Promise::reject(&e),
        };
        promise(async move {
            link.claim(&host).await.map_err(|e| error(&e))?;
            let mut stores: Vec<(AcceptorId, Rc<dyn Store>)> = Vec::new();
            for id in ids {
                let store: Rc<dyn Store> = if durable {
                    let db_name = format!("{CHANNEL_PREFIX}{name}/a{id}");
                    let db = settle(idb_open(&db_name, OBJECT_STORE)).await.map_err(|e| {
                        let e = crate::ops::OpError::unavailable(false, format!("a{id}'s IndexedDB: {e}"));
                        error(&e)
                    })?;
                    Rc::new(IndexedDb { db })
                } else {
                    Rc::new(NoStore)
                };
                stores.push((id, store));
            }
            let core = Core::start(host, link, stores, ack_first).await.map_err(|e| error(&e))?;
            let tab = JsValue::from(AcceptorTab { core: Rc::new(core) });
            ensure_tab_guard(&tab);
            Ok(tab)
        })
    }

    /// The channel this tab joined.
    #[wasm_bindgen(getter)]
    pub fn channel(&self) -> String {
        self.core.link().name().into()
    }

    /// `{ acceptors: [{ id, up, registers: { [key]: { promise, accepted } } }] }`, as
    /// `Cluster.state()`'s acceptors (`up` is false once a write failed).
    #[wasm_bindgen(unchecked_return_type = "{ acceptors: ClusterState[\"acceptors\"] }")]
    pub fn state(&self) -> JsValue {
        to_js(&self.core.state())
    }

    /// `{ handled, writes, earlyAcks, malformed, lastMalformed, storeFailures }`.
    #[wasm_bindgen(unchecked_return_type = "AcceptorTabStats")]
    pub fn stats(&self) -> JsValue {
        to_js(&self.core.stats())
    }

    /// Empties acceptor `acceptor`'s state and its IndexedDB store.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn wipe(&self, #[wasm_bindgen(unchecked_param_type = "NodeId")] acceptor: JsValue) -> Promise {
        let id = match node_arg("acceptor", &acceptor) {
            Ok(Node::Acceptor(a)) if self.core.hosts(a) => a,
            Ok(other) => return Promise::reject(&invalid(format!("acceptor: {other} does not run in this tab"))),
            Err(e) => return Promise::reject(&e),
        };
        let core = self.core.clone();
        promise(async move {
            core.wipe(id).await.map_err(|e| error(&e))?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Never busy (no change function runs here); the boundary guard asks.
    #[wasm_bindgen(skip_typescript, js_name = "__busy")]
    pub fn busy_now(&self) -> bool {
        false
    }
}

/// The options `AcceptorTab.join` knows: `ackBeforeCommit` only in test builds.
#[cfg(feature = "workloads")]
const TAB_OPTIONS: &[&str] = &["acceptors", "storage", "ackBeforeCommit"];
#[cfg(not(feature = "workloads"))]
const TAB_OPTIONS: &[&str] = &["acceptors", "storage"];

/// `{ acceptors, storage, ackBeforeCommit }`: the acceptor ids (distinct, in range), whether they
/// are durable, whether they answer before the commit.
fn tab_options(opts: &JsValue) -> JsResult<(Vec<AcceptorId>, bool, bool)> {
    let (mut ids, mut durable, mut ack_first) = (None, true, false);
    for (key, v) in options("options", opts, TAB_OPTIONS)? {
        let name = format!("options.{key}");
        match key.as_str() {
            "acceptors" => ids = Some(acceptor_ids(&name, &v)?),
            "storage" => match string_arg(&name, &v)?.as_str() {
                "indexedDB" => durable = true,
                "none" => durable = false,
                other => {
                    let got = crate::limits::quoted(other);
                    return Err(invalid(format!("{name} must be \"indexedDB\" or \"none\", got {got}")));
                }
            },
            _ => ack_first = bool_arg(&name, &v)?,
        }
    }
    let ids =
        ids.ok_or_else(|| invalid("options.acceptors is required: the acceptor ids this tab runs, like [\"a2\"]"))?;
    Ok((ids, durable, ack_first))
}

fn acceptor_ids(name: &str, v: &JsValue) -> JsResult<Vec<AcceptorId>> {
    if !is_array(name, v).map_err(|e| error(&e))? {
        return Err(invalid(format!("{name} must be an array of acceptor ids like [\"a2\"], got {}", describe(v))));
    }
    let items = array_items(name, v, MAX_ACCEPTORS).map_err(|e| error(&e))?;
    if items.is_empty() {
        return Err(invalid(format!("{name} must name at least one acceptor")));
    }
    let mut ids = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let item_name = format!("{name}[{i}]");
        let node = node_arg(&item_name, item).map_err(|_| {
            invalid(format!("{item_name} must be an acceptor id a1..a{MAX_ACCEPTORS}, got {}", describe(item)))
        })?;
        match node {
            Node::Acceptor(a) if (1..=MAX_ACCEPTORS as u8).contains(&a) && !ids.contains(&a) => ids.push(a),
            Node::Acceptor(a) if ids.contains(&a) => return Err(invalid(format!("{item_name}: a{a} is named twice"))),
            other => {
                return Err(invalid(format!(
                    "{item_name} must be an acceptor id a1..a{MAX_ACCEPTORS}, got \"{other}\""
                )))
            }
        }
    }
    Ok(ids)
}

thread_local! {
    static TAB_GUARD: Cell<bool> = const { Cell::new(false) };
}

/// A freed `AcceptorTab` refuses calls with `InvalidArgument` (as a freed `LiveCluster` does).
fn ensure_tab_guard(instance: &JsValue) {
    if TAB_GUARD.with(|g| g.replace(true)) {
        return;
    }
    let proto = js_sys::Object::get_prototype_of(instance);
    if let Ok(class) = Reflect::get(&proto, &"constructor".into()) {
        let async_names: Array = ["wipe"].iter().map(|n| JsValue::from_str(n)).collect();
        install_live_guard(&class, &async_names);
    }
}

#[wasm_bindgen(typescript_custom_section)]
const TAB_TS_TYPES: &'static str = r#"
/** Options of `AcceptorTab.join()`. */
export interface AcceptorTabOptions {
  /** The acceptor ids this tab runs, like ["a2"]. */
  acceptors: NodeId[];
  /** "indexedDB" (default): durable; "none": nothing survives a reload. */
  storage?: "indexedDB" | "none";
}
/** `AcceptorTab.stats()`. */
export interface AcceptorTabStats {
  handled: number;
  writes: number;
  earlyAcks: number;
  malformed: number;
  lastMalformed: string | null;
  storeFailures: string[];
}
"#;
