//! Cluster membership for JavaScript (paper §2.3): the `quorums` option (flexible quorums),
//! `membership()`, and the membership change: `addAcceptor()` / `removeAcceptor(id)` and
//! `addProposer()` / `removeProposer(id)` (§2.3.4), recorded actions (sessions, links, seek and
//! verify replay them).

use super::{existing_node, Cluster};
use crate::protocol::Quorums;
use crate::session::UserAction;
use crate::sim::{Node, Sim};
use crate::wasm::js::{describe, error, integer_arg, invalid, options, to_js, JsResult};
use crate::wasm::shared::Shape;
use js_sys::Promise;
use wasm_bindgen::prelude::*;

/// `{ prepare?, accept? }` among `acceptors`: each an integer in `1..=acceptors`, a majority when
/// omitted. Whether they intersect is checked where the cluster is built ([`Quorums::check`]).
pub(super) fn quorums_arg(name: &str, v: &JsValue, acceptors: usize) -> JsResult<Quorums> {
    let mut q = Quorums::majority(acceptors);
    for (key, x) in options(name, v, &["prepare", "accept"])? {
        let size = integer_arg(&format!("{name}.{key}"), &x, 1.0, acceptors as f64)? as usize;
        match key.as_str() {
            "prepare" => q.prepare = size,
            _ => q.accept = size,
        }
    }
    Ok(q)
}

#[wasm_bindgen]
impl Cluster {
    /// `{ acceptors, prepare: { nodes, quorum }, accept: { nodes, quorum }, step, changing,
    /// progress, proposers }`: which acceptors each phase asks and how many make its quorum
    /// (broken quorums included); `step` is `null` while no membership change runs; `proposers`
    /// the proposers in the cluster.
    #[wasm_bindgen(unchecked_return_type = "Membership")]
    pub fn membership(&self) -> JsResult<JsValue> {
        self.inner.enter(|sim| Ok(to_js(&crate::membership::view(sim))))
    }

    /// Adds an acceptor (§2.3.1 odd → even, §2.3.2 even → odd), running each step of the plan
    /// (events of kind `membership`): resolves the new acceptor's id (`"a4"`; ids are never
    /// reused, up to `a15`). Rejects `InvalidArgument` while another change runs (one at a time:
    /// calls do not queue), when no id is left or the quorums are not majorities; `Unavailable`
    /// when the catch-up rescan found no quorum within `maxAttempts` (the cluster keeps the sets
    /// of the last completed step, a safe state; calling `addAcceptor()` again resumes it).
    /// It takes no argument (the cluster picks the id): one is an `InvalidArgument`.
    #[wasm_bindgen(js_name = "addAcceptor", unchecked_return_type = "Promise<string>")]
    pub fn add_acceptor(&self, #[wasm_bindgen(unchecked_optional_param_type = "never")] none: JsValue) -> Promise {
        self.change_membership(&|_| no_argument("addAcceptor", &none).map(|()| UserAction::AddAcceptor))
    }

    /// Removes acceptor `id` (`"a2"`), the growth's steps backwards; resolves `null` once it is
    /// turned off for good. Errors as [`Cluster::add_acceptor`]'s; also `InvalidArgument` for the
    /// last acceptor or one that is not a member.
    #[wasm_bindgen(js_name = "removeAcceptor", unchecked_return_type = "Promise<null>")]
    pub fn remove_acceptor(&self, #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue) -> Promise {
        self.change_membership(&|sim| match existing_node(sim, "id", &id)? {
            Node::Acceptor(a) => Ok(UserAction::RemoveAcceptor(a)),
            Node::Proposer(p) => Err(invalid(format!("id must be an acceptor id, got the proposer \"p{p}\""))),
        })
    }

    /// Adds a proposer (§2.3.4: it keeps no state on the acceptors, so it just starts, with the
    /// phase sets in effect and its ballot counter past every proposer's): resolves its id
    /// (`"p3"`; ids are never reused, up to `p9`). Rejects `InvalidArgument` when no id is left.
    /// It may run while an acceptor change runs. It takes no argument, as `addAcceptor()`.
    #[wasm_bindgen(js_name = "addProposer", unchecked_return_type = "Promise<string>")]
    pub fn add_proposer(&self, #[wasm_bindgen(unchecked_optional_param_type = "never")] none: JsValue) -> Promise {
        self.change_membership(&|_| no_argument("addProposer", &none).map(|()| UserAction::AddProposer))
    }

    /// Removes proposer `id` (`"p2"`) for good; resolves `null`. Its operations in flight fail
    /// `Unavailable` at once (`proposer p2 was removed; the change may have been applied`), and
    /// later operations through it are `InvalidArgument`. Rejects `InvalidArgument` for the last
    /// proposer, one that is not a member, or an id that is no proposer id.
    #[wasm_bindgen(js_name = "removeProposer", unchecked_return_type = "Promise<null>")]
    pub fn remove_proposer(&self, #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue) -> Promise {
        self.change_membership(&|sim| match existing_node(sim, "id", &id)? {
            Node::Proposer(p) => Ok(UserAction::RemoveProposer(p)),
            Node::Acceptor(a) => Err(invalid(format!("id must be a proposer id, got the acceptor \"a{a}\""))),
        })
    }
}

/// `method` takes no argument: the cluster picks the new node's id (the next never used), so an
/// argument (say `addAcceptor("a4")`) would be silently ignored; it is refused instead.
fn no_argument(method: &str, v: &JsValue) -> JsResult<()> {
    if v.is_undefined() {
        return Ok(());
    }
    Err(invalid(format!(
        "{method}() takes no arguments, got {}: the cluster picks the new node's id (the next one never used)",
        describe(v)
    )))
}

impl Cluster {
    /// Starts (and records) a membership change; its promise settles when the change ends.
    /// `parse` is a trait object, not a generic: one body for the four methods.
    fn change_membership(&self, parse: &dyn Fn(&Sim) -> JsResult<UserAction>) -> Promise {
        let started = self.inner.enter_rec(|rec| {
            let action = parse(rec.sim())?;
            rec.act(action).map_err(|e| error(&e))?.ok_or_else(|| invalid("not a membership change"))
        });
        let handle = match started {
            Ok(h) => h,
            Err(e) => return Promise::reject(&e),
        };
        // Resolves the new node's id or `null`, as JSON (`Shape::Value`).
        self.promise_of(handle, Shape::Value, None)
    }
}
