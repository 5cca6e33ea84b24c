//! Cluster membership (paper §2.3) as JavaScript sees it: which acceptors each phase asks, and
//! how many of them make a quorum. Today the acceptors are fixed at construction and both phases
//! ask all of them; the quorum sizes are a majority or the configured flexible quorums
//! ([`crate::protocol::Quorums`]), or deliberately broken ones ("break it"). [`plan`] holds the
//! steps of a membership change (§2.3.1–§2.3.3) and the check that proves each one safe; the
//! simulator does not run them yet.

pub mod plan;

use crate::json_object::object;
use crate::sim::{Node, Sim};
use serde_json::Value as Json;

/// `{ acceptors, prepare: { nodes, quorum }, accept: { nodes, quorum }, step }`: the quorums in
/// effect for proposer p1's next operation (every proposer shares one configuration); `step` is
/// the membership change running, `null` when none is.
pub fn view(sim: &Sim) -> Json {
    let acceptors = sim.config().acceptors;
    let quorums = sim.proposer(1).config().quorums(acceptors);
    let nodes: Vec<String> = (1..=acceptors as u8).map(|a| Node::Acceptor(a).to_string()).collect();
    object! {
        "acceptors": nodes.clone(),
        "prepare": object! { "nodes": nodes.clone(), "quorum": quorums.prepare },
        "accept": object! { "nodes": nodes, "quorum": quorums.accept },
        "step": Json::Null,
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
}
