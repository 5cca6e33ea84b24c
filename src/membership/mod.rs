//! Cluster membership (paper §2.3) as JavaScript sees it: which acceptors each phase asks, and
//! how many of them make a quorum. The quorum sizes start as a majority or the configured
//! flexible quorums ([`crate::protocol::Quorums`]), or deliberately broken ones ("break it");
//! [`plan`] holds the steps of a membership change (§2.3.1–§2.3.3) and the check that proves each
//! one safe, and the simulator runs them (`crate::sim`'s membership module).

pub mod plan;

use crate::json_object::object;
use crate::protocol::AcceptorId;
use crate::sim::{ChangeKind, Node, Sim, StoppedView};
use serde_json::Value as Json;

fn names(nodes: &[AcceptorId]) -> Vec<String> {
    nodes.iter().map(|&a| Node::Acceptor(a).to_string()).collect()
}

/// `{ acceptors, prepare: { nodes, quorum }, accept: { nodes, quorum }, step, changing, progress,
/// proposers }`: the sets every proposer's next operation asks (they share one configuration);
/// `acceptors` are the ones on the network (a new one is on before any phase asks it); `step` is
/// the name of the membership change's step running (`null` when none runs), `changing` the
/// acceptor it adds or removes, `progress` the catch-up rescan's `{ done, keys }` while it runs
/// (else `null`); `proposers` the proposers in the cluster (§2.3.4; removed ones are not);
/// `stopped` the change that stopped `Unavailable` and waits to be resumed (else `null`).
pub fn view(sim: &Sim) -> Json {
    let config = sim.phase_sets();
    let step = sim.membership_step();
    let progress = step.as_ref().and_then(|s| s.progress);
    object! {
        "acceptors": names(&sim.acceptor_ids()),
        "prepare": object! { "nodes": names(&config.prepare.nodes), "quorum": config.prepare.quorum },
        "accept": object! { "nodes": names(&config.accept.nodes), "quorum": config.accept.quorum },
        "step": step.as_ref().map(|s| s.name),
        "changing": step.as_ref().map(|s| Node::Acceptor(s.acceptor).to_string()),
        "progress": progress.map_or(Json::Null, |(done, keys)| object! { "done": done, "keys": keys }),
        "proposers": sim.proposer_ids().into_iter().map(|p| Node::Proposer(p).to_string()).collect::<Vec<_>>(),
        "stopped": sim.membership_stopped().map_or(Json::Null, stopped),
    }
}

/// `{ kind: "add" | "remove", node, step, reason }`: a change that stopped `Unavailable` (no
/// quorum); the same call (`addAcceptor()`, `removeAcceptor(node)`) resumes it at `step`.
fn stopped(s: StoppedView) -> Json {
    let kind = match s.kind {
        ChangeKind::Add(_) => "add",
        ChangeKind::Remove(_) => "remove",
    };
    object! {
        "kind": kind,
        "node": Node::Acceptor(s.kind.acceptor()).to_string(),
        "step": s.step,
        "reason": s.reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::driver::DriverConfig;
    use crate::protocol::Quorums;
    use crate::sim::SimConfig;
    use serde_json::json;

    fn sim(acceptors: usize, driver: DriverConfig) -> Sim {
        Sim::new(SimConfig { acceptors, driver, ..SimConfig::default() }).unwrap()
    }

    #[test]
    fn majority_by_default_flexible_when_configured_broken_when_asked() {
        let v = view(&sim(3, DriverConfig::default()));
        assert_eq!(v["acceptors"], json!(["a1", "a2", "a3"]));
        assert_eq!((v["prepare"]["quorum"].clone(), v["accept"]["quorum"].clone()), (json!(2), json!(2)));
        assert_eq!(v["step"], Json::Null);
        let flexible = DriverConfig { quorums: Some(Quorums { prepare: 2, accept: 4 }), ..DriverConfig::default() };
        let v = view(&sim(5, flexible));
        assert_eq!((v["prepare"]["quorum"].clone(), v["accept"]["quorum"].clone()), (json!(2), json!(4)));
        assert_eq!(v["accept"]["nodes"].as_array().unwrap().len(), 5);
        let broken = DriverConfig { break_disjoint_quorums: true, ..DriverConfig::default() };
        let v = view(&sim(5, broken));
        assert_eq!((v["prepare"]["quorum"].clone(), v["accept"]["quorum"].clone()), (json!(2), json!(3)));
    }

    #[test]
    fn a_stopped_change_is_shown_until_the_same_call_resumes_it() {
        let sim = sim(3, DriverConfig { max_attempts: 1, ..DriverConfig::default() });
        assert_eq!(view(&sim)["stopped"], Json::Null);
        sim.block_on(sim.client(1).put("k", json!(1))).unwrap();
        sim.crash(Node::Acceptor(1)).unwrap(); // the rescan writes to 2 of {a1, a3}: no quorum
        assert!(sim.block_on(sim.remove_acceptor(2).unwrap()).is_err());
        let v = view(&sim);
        let expected = json!({
            "kind": "remove", "node": "a2", "step": "catch-up rescan", "reason": "no quorum after 1 failed attempt"
        });
        assert_eq!((v["stopped"].clone(), v["step"].clone()), (expected, Json::Null));
        sim.restart(Node::Acceptor(1)).unwrap();
        let resumed = sim.remove_acceptor(2).unwrap();
        assert_eq!(view(&sim)["stopped"], Json::Null);
        assert_eq!(sim.block_on(resumed).unwrap(), Json::Null);
        assert_eq!(view(&sim)["acceptors"], json!(["a1", "a3"]));
    }

    #[test]
    fn a_change_shows_its_step_and_the_sets_it_moves_to() {
        let sim = sim(3, DriverConfig::default());
        sim.block_on(sim.client(1).put("k", json!(1))).unwrap();
        let Ok(added) = sim.add_acceptor() else { panic!("the change starts") };
        let mut seen = Vec::new();
        while sim.membership_step().is_some() {
            let v = view(&sim);
            if seen.last() != Some(&v) {
                seen.push(v);
            }
            sim.step();
        }
        assert_eq!(sim.block_on(added).unwrap(), json!("a4"));
        // Nothing in flight: turn on and the accept quorum change are done in the call's instant,
        // and the rescan (one key) begins in it too; its read takes a round trip.
        let names: Vec<&str> = seen.iter().map(|v| v["step"].as_str().unwrap()).collect();
        assert_eq!(names, ["catch-up rescan", "catch-up rescan"], "the rescan at 0/1 and 1/1 keys");
        let rescan = seen.iter().find(|v| !v["progress"].is_null()).expect("the rescan shows its progress");
        assert_eq!(rescan["step"], json!("catch-up rescan"));
        assert_eq!(rescan["progress"], json!({ "done": 0, "keys": 1 }));
        assert_eq!(rescan["changing"], json!("a4"));
        assert_eq!(rescan["accept"], json!({ "nodes": ["a1", "a2", "a3", "a4"], "quorum": 3 }));
        assert_eq!(rescan["prepare"], json!({ "nodes": ["a1", "a2", "a3"], "quorum": 2 }));
        let done = view(&sim);
        assert_eq!(done["acceptors"], json!(["a1", "a2", "a3", "a4"]));
        assert_eq!(done["prepare"], json!({ "nodes": ["a1", "a2", "a3", "a4"], "quorum": 3 }));
        assert_eq!(
            (done["step"].clone(), done["changing"].clone(), done["progress"].clone()),
            (Json::Null, Json::Null, Json::Null)
        );
    }
}
