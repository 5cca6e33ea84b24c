//! The `Cluster` methods beyond the core contract: "break it" switches, the linearizability
//! check, fuzz runs, and sessions (record, replay, seek, share links, verify).

use super::Cluster;
use crate::driver::DriverConfig;
use crate::json_object::object;
use crate::limits::{MAX_ACCEPTORS, MAX_ACTIONS, MAX_DEPTH, MAX_OPS_PER_CLIENT, MAX_PROPOSERS, MAX_SESSION_BYTES};
use crate::ops::OpError;
use crate::session::{Breaks, Reading, Recording, Session, Start, UserAction, SESSION_FORMAT};
use crate::wasm::js::options as options_of;
use crate::wasm::js::{array_length, bool_arg, error, integer_arg, invalid, is_array, text, text_to_js, to_js};
use crate::wasm::js::{Item, JsPieces, JsResult, JsonReader};
use crate::wasm::shared::{break_arg, MAX_SEED};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
impl Cluster {
    // ---- "break it" and checking ----

    /// Deliberately wrong variants of the protocol, each a real code path in the core:
    /// `{ quorum: 1, reuseBallot: true, takeAnyAccepted: true, blindRetry: true,
    /// disjointQuorums: true, trustLeases: true, eraseWithoutGc: true }` (`BreakOptions`); omitted fields
    /// are turned off. They apply from each proposer's next operation.
    #[wasm_bindgen(js_name = "setBreak")]
    pub fn set_break(&self, #[wasm_bindgen(unchecked_param_type = "BreakOptions")] options: JsValue) -> JsResult<()> {
        self.inner.act(|sim| {
            let clean = DriverConfig {
                break_quorum: None,
                break_reuse_ballot: false,
                break_take_any_accepted: false,
                break_blind_retry: false,
                break_disjoint_quorums: false,
                break_trust_lease: false,
                break_erase_without_gc: false,
                break_skip_rescan: false,
                break_rescan_one_key: false,
                ..sim.proposer(1).config()
            };
            let driver = break_arg("options", &options, clean, sim.config().acceptors)?;
            Ok(UserAction::Break(Breaks::of(&driver)))
        })
    }

    /// One verdict for the run so far: the history checked for linearizability, key by key, and
    /// the simulator's step oracles (one value per ballot, monotonic promises):
    /// `{ ok, keys: { [key]: { verdict, order? } }, violation?: { kind, ... }, oracles, steps }`.
    #[wasm_bindgen(unchecked_return_type = "CheckReport")]
    pub fn check(
        &self,
        #[wasm_bindgen(js_name = "stepBudget", unchecked_param_type = "number | undefined")] step_budget: JsValue,
    ) -> JsResult<JsValue> {
        self.inner.enter(|sim| {
            let budget = if step_budget.is_undefined() {
                crate::checker::DEFAULT_STEP_BUDGET
            } else {
                integer_arg("stepBudget", &step_budget, 1.0, MAX_SEED)?
            };
            Ok(to_js(&crate::checker::check_run(sim, budget).to_json()))
        })
    }

    /// A randomized run with faults, ready to step (`autoAdvance` off): two clients per proposer
    /// issuing mixed operations, and crashes, partitions and loss scheduled in virtual time.
    /// `Cluster.fuzz({ seed, acceptors?, proposers?, oneRtt?, break?, wipes?, opsPerClient? })`.
    #[wasm_bindgen(unchecked_return_type = "Cluster")]
    pub fn fuzz(#[wasm_bindgen(unchecked_param_type = "FuzzOptions")] options: JsValue) -> JsResult<Cluster> {
        let known = ["seed", "acceptors", "proposers", "oneRtt", "break", "wipes", "opsPerClient"];
        let mut o = crate::sim::fuzz::FuzzOptions::new(1);
        let mut breaks = None;
        for (key, v) in options_of("options", &options, &known)? {
            let name = format!("options.{key}");
            match key.as_str() {
                "seed" => o.seed = integer_arg(&name, &v, 0.0, MAX_SEED)?,
                "acceptors" => o.acceptors = Some(integer_arg(&name, &v, 1.0, MAX_ACCEPTORS as f64)? as usize),
                "proposers" => o.proposers = Some(integer_arg(&name, &v, 1.0, MAX_PROPOSERS as f64)? as usize),
                "oneRtt" => o.driver.one_rtt = bool_arg(&name, &v)?,
                "wipes" => o.wipes = bool_arg(&name, &v)?,
                "opsPerClient" => o.ops_per_client = integer_arg(&name, &v, 1.0, MAX_OPS_PER_CLIENT as f64)? as usize,
                "break" => breaks = Some(v),
                _ => {}
            }
        }
        if let Some(b) = breaks {
            o.driver = break_arg("options.break", &b, o.driver, o.acceptors.unwrap_or(MAX_ACCEPTORS))?;
        }
        let rec = Recording::new(Start::Fuzz(o)).map_err(|e| error(&e))?;
        Ok(Cluster::of(rec, false))
    }

    // ---- sessions ----

    /// The run as a session document: its start, where the run stands (`end`), and every user
    /// action at the exact point it happened (`{ format: "caspaxos-session", version, start, end,
    /// actions }`, see the README).
    #[wasm_bindgen(unchecked_return_type = "SessionDocument")]
    /// Throws `InvalidArgument` when the session cannot reproduce the run (a change function ran,
    /// more actions or values than a session holds), saying why: a document cut short would
    /// replay to another run; and when the document would pass `Cluster.limits.sessionBytes`.
    pub fn session(&self) -> JsResult<JsValue> {
        self.inner.enter_rec(|rec| {
            if let Some(why) = rec.unreplayable() {
                return Err(invalid(why.to_string()));
            }
            // The text goes to JS a piece at a time as it is written (never whole in wasm
            // memory), and past the limit fromSession applies only its length is counted (outside
            // tester 18: a 130.4 MB document it refused).
            let pieces = JsPieces::new();
            let mut written = 0;
            let bytes = rec.write_session(crate::session::PIECE, &mut |piece| {
                written += piece.len();
                if written <= MAX_SESSION_BYTES {
                    pieces.push(piece);
                }
            });
            if bytes <= MAX_SESSION_BYTES {
                return Ok(pieces.parse());
            }
            Err(invalid(format!(
                "the session is larger than {} encoded as JSON ({bytes} bytes): fromSession would refuse it",
                crate::limits::byte_size(MAX_SESSION_BYTES),
            )))
        })
    }

    /// The run as share-link text (URL-safe, versioned). Throws `InvalidArgument` if the run used
    /// a change function: links carry data, never code.
    #[wasm_bindgen(js_name = "sessionLink")]
    pub fn session_link(&self) -> JsResult<String> {
        self.inner.enter_rec(|rec| {
            if let Some(why) = rec.unreplayable() {
                return Err(invalid(why.to_string()));
            }
            // Its values alone take 4 characters per 3 bytes in a link: past the limit, it is
            // refused before it is written (outside tester 18: 51 s for 182 M characters).
            let at_least = rec.value_bytes() / 3 * 4;
            let link = (at_least <= crate::session::MAX_LINK_CHARS).then(|| crate::session::encode_link(&rec.session()));
            let chars = link.as_ref().map_or(at_least, |l| l.chars().count());
            match link {
                Some(link) if chars <= crate::session::MAX_LINK_CHARS => Ok(link),
                _ => Err(invalid(format!(
                    "this session is too long for a link (at least {chars} characters; links hold at most {}): export it as a session document (session()) instead",
                    crate::session::MAX_LINK_CHARS
                ))),
            }
        })
    }

    /// *(addition)* The session's `start` (what `session().start` is) without writing its
    /// actions: a page opening a long session reads its settings here.
    #[wasm_bindgen(getter, js_name = "sessionStart", unchecked_return_type = "SessionDocument[\"start\"]")]
    pub fn session_start(&self) -> JsValue {
        self.inner.peek(|rec| text_to_js(&rec.start_text()))
    }

    /// Drops the recorded actions still to come after a seek: from here the run goes its own way.
    /// (Any new action does the same.)
    pub fn fork(&self) -> JsResult<()> {
        self.inner.enter_rec(|rec| {
            rec.fork();
            Ok(())
        })
    }

    /// Recorded actions still to come (after `fromSession` with `until`): `{ actions, end,
    /// runEnd }`, `end` the virtual time of the last one or `null`; *(addition)* `runEnd` the
    /// virtual time where the whole run ends, where `seek()` without a point lands: an opened
    /// session's `end` (format 1: its last action) while the run has not passed it, else now.
    #[wasm_bindgen(getter, unchecked_return_type = "{ actions: number, end: number | null, runEnd: number }")]
    pub fn tape(&self) -> JsValue {
        let ((n, end), run_end) = self.inner.peek(|rec| (rec.tape(), rec.whole_end().at_ms));
        to_js(&object! { "actions": n, "end": end, "runEnd": run_end })
    }

    /// True while the session can reproduce the run (no change function was used).
    #[wasm_bindgen(getter)]
    pub fn replayable(&self) -> bool {
        self.inner.peek(|rec| rec.replayable())
    }

    /// *(addition)* Every action taken so far, recorded or not: `session().actions.length` while
    /// the run is replayable; past that point (a change function, which counts as one) it still
    /// counts, where `session()` refuses.
    #[wasm_bindgen(getter, js_name = "actionsTaken")]
    pub fn actions_taken(&self) -> f64 {
        self.inner.peek(|rec| rec.actions_taken() as f64)
    }

    /// Events run so far.
    #[wasm_bindgen(getter)]
    pub fn steps(&self) -> f64 {
        self.inner.peek(|rec| rec.sim().steps() as f64)
    }

    /// Rebuilds a run from a session document or share-link text, replaying it (in manual time)
    /// to where the session was taken (its `end`; a session of format 1 has none: its last action).
    /// `options.until`: stop at that virtual time (seek); or `options.steps` and `options.at`:
    /// stop at that exact point of the run (`steps` and `now` read there). Later actions stay on
    /// the `tape` and play as time moves on, until a new action forks the run.
    /// A malformed, truncated, oversized or newer-version input is an `InvalidArgument` saying so.
    #[wasm_bindgen(js_name = "fromSession")]
    pub fn from_session(
        #[wasm_bindgen(unchecked_param_type = "SessionDocument | string")] session: JsValue,
        #[wasm_bindgen(unchecked_param_type = "ReplayPoint | undefined")] options: JsValue,
    ) -> JsResult<Cluster> {
        let session = if let Some(link) = text("session", &session).map_err(|e| error(&e))? {
            if link.trim_start().starts_with('{') {
                return Err(invalid(
                    "session is JSON text, not a share link: pass the document itself (JSON.parse(text))",
                ));
            }
            crate::session::decode_link(link_in(&link)).map_err(|e| invalid(e.to_string()))?
        } else {
            refuse_missing(&session)?;
            read_document(&session).map_err(|e| error(&e))?
        };
        let rec = match seek_target(&options)? {
            SeekTarget::Point(steps, at) => session.into_replay_to_point(steps, at),
            SeekTarget::Until(until) => session.into_replay_until(until),
        }
        .map_err(|e| error(&e))?;
        Ok(Cluster::of(rec, false))
    }

    /// *(addition)* `fromSession(this.session(), options)` without replaying from the start: a
    /// new cluster (in manual time) at `options.until` ms, or at the exact point `options.steps`
    /// and `options.at` (neither: where the whole run ends), restored from the nearest checkpoint this run kept and replayed from
    /// there. Later actions stay on its `tape`. This cluster is unchanged.
    #[wasm_bindgen(js_name = "seek")]
    pub fn seek(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ReplayPoint | undefined")] options: JsValue,
    ) -> JsResult<Cluster> {
        let target = seek_target(&options)?;
        let rec = self.inner.enter_rec(|rec| {
            match target {
                SeekTarget::Point(steps, at) => rec.seek_to_point(steps, at),
                SeekTarget::Until(until) => rec.seek_until(until),
            }
            .map_err(|e| error(&e))
        })?;
        Ok(Cluster::of(rec, false))
    }

    /// Replays this cluster's session to the same point and compares event-log hashes:
    /// `{ ok, hash, replayHash }`.
    #[wasm_bindgen(unchecked_return_type = "{ ok: boolean, hash: string, replayHash: string }")]
    pub fn verify(&self) -> JsResult<JsValue> {
        self.inner.enter_rec(|rec| {
            if let Some(why) = rec.unreplayable() {
                return Err(invalid(why.to_string()));
            }
            let sim = rec.sim();
            let replay = rec.session().into_replay_until(u64::MAX).map_err(|e| error(&e))?;
            let other = replay.sim();
            while other.steps() < sim.steps() && other.step() {}
            other.advance_clock(sim.now());
            let (a, b) = (rec.event_log_hash(), replay.event_log_hash());
            let (a, b) = (a.map_err(|e| error(&e))?, b.map_err(|e| error(&e))?);
            Ok(to_js(&object! { "ok": a == b, "hash": format!("{a:016x}"), "replayHash": format!("{b:016x}") }))
        })
    }
}

/// The share link in `text`: the text itself, or in a fragment (`#session=<link>`) or a whole
/// page address pasted (`https://…/#session=<link>&scenario=<id>`) what follows `session=`, up
/// to the next `&` (a link's characters never include `=` or `&`).
fn link_in(text: &str) -> &str {
    const NAME: &[u8] = b"session=";
    let link = text.trim_start_matches('#');
    let at = link.as_bytes().windows(NAME.len()).position(|w| w == NAME);
    let link = at.and_then(|i| link.get(i + NAME.len()..)).unwrap_or(link);
    let end = link.bytes().position(|b| b == b'&').unwrap_or(link.len());
    link.get(..end).unwrap_or(link)
}

/// Where a seek goes.
enum SeekTarget {
    /// Up to this virtual time (`u64::MAX`: to the run's end).
    Until(u64),
    /// To this exact point: events run, virtual time.
    Point(u64, u64),
}

/// `{ until }` or `{ steps, at }`.
fn seek_target(options: &JsValue) -> JsResult<SeekTarget> {
    let (mut until, mut steps, mut at) = (None, None, None);
    for (k, v) in options_of("options", options, &["until", "steps", "at"])? {
        let n = Some(integer_arg(&format!("options.{k}"), &v, 0.0, MAX_SEED)?);
        match k.as_str() {
            "until" => until = n,
            "steps" => steps = n,
            _ => at = n,
        }
    }
    match (until, steps, at) {
        (None, Some(steps), Some(at)) => Ok(SeekTarget::Point(steps, at)),
        (until, None, None) => Ok(SeekTarget::Until(until.unwrap_or(u64::MAX))),
        _ => Err(invalid("options: give either until, or steps and at")),
    }
}

/// Refused before the document is read: no document, or a session document (its `format`
/// says so) missing its `start` or `actions` (said so, not "contains undefined"). Anything else
/// (an array, another object) is left to the reader, which says what it is not.
fn refuse_missing(document: &JsValue) -> JsResult<()> {
    if document.is_undefined() {
        return Err(invalid("session is missing: pass a share link or a session document"));
    }
    let field = |name: &str| js_sys::Reflect::get(document, &name.into());
    let says_session = field("format").is_ok_and(|f| f.as_string().as_deref() == Some(SESSION_FORMAT));
    if is_array("session", document).map_err(|e| error(&e))? || !says_session {
        return Ok(());
    }
    // A field set to undefined is missing (JSON.stringify leaves it out).
    for name in ["start", "actions"] {
        if field(name).is_ok_and(|v| v.is_undefined()) {
            return Err(invalid(format!("the session file is malformed: {name} is missing")));
        }
    }
    Ok(())
}

/// A session document read from JS one action at a time, each converted, checked and dropped
/// before the next ([`Reading`]): a bad action is refused with its index as soon as it is read,
/// before the rest is read and before any replay; and the document's JSON tree is never whole
/// (a million actions' tree took wasm memory to GBs, grown a page at a time: quadratic).
fn read_document(document: &JsValue) -> Result<Session, OpError> {
    // The document holds each value a level or two down (actions[i].input.value), and many of
    // them; `Reading` checks each against the value limits.
    let mut reader = JsonReader::new("session", MAX_DEPTH + 4, MAX_SESSION_BYTES);
    let (head, actions) = reader.object_without(document, "actions")?;
    if actions.is_undefined() || !is_array("session.actions", &actions)? {
        // No list of actions: the reader of the whole says what is wrong.
        return crate::session::from_json(&head);
    }
    let count = array_length("session.actions", &actions)?;
    if count as usize > MAX_ACTIONS {
        // Before the rest of the document is read (a million actions converted took minutes
        // before they could be counted: outside tester 13).
        return Err(crate::session::too_many_actions());
    }
    let mut reading = Reading::head(&head, count as usize)?;
    for i in 0..count {
        match reader.item(&actions, i, 2, || format!("session.actions[{i}]"))? {
            Item::Invocation(invocation) => reading.recorded(invocation)?,
            Item::Json(action) => reading.action(&action)?,
        }
    }
    reading.finish()
}
