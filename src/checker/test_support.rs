//! Helpers the checker's test modules share.

use super::model::{CheckOp, Next, State};

/// The states `op` can lead to from `s` (a step that changes nothing: `s` itself).
pub(super) fn next_states(op: &CheckOp, s: &State) -> Vec<State> {
    let mut out = Vec::new();
    op.successors(s, &mut out);
    out.into_iter()
        .map(|n| match n {
            Next::Same => s.clone(),
            Next::New(n) => n,
        })
        .collect()
}
