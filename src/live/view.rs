//! `LiveCluster.state()`: the simulated cluster's view functions on the live world's parts.

use super::LiveCluster;
use crate::protocol::{AcceptorId, ProposerId};
use crate::view;
use serde_json::Value as Json;

pub(super) fn state(cluster: &LiveCluster) -> Json {
    let (acceptors, proposers) = (cluster.config.acceptors, cluster.config.proposers);
    let memories: Vec<_> = (1..=proposers as ProposerId).map(|p| cluster.proposers.proposer_memory(p)).collect();
    let w = cluster.shared.world.borrow();
    let acceptor_views = (w.acceptors.iter().enumerate())
        .map(|(i, a)| view::acceptor(i as AcceptorId + 1, a.up, a.state.slots()))
        .collect();
    let proposer_views = (memories.into_iter().enumerate())
        .map(|(i, (counter, cached))| view::proposer(i as ProposerId + 1, w.proposer_up[i], counter, cached))
        .collect();
    let groups = view::partition_groups(&w.partitions, acceptors, proposers);
    view::cluster_state(cluster.now(), acceptor_views, proposer_views, &w.net, groups)
}
