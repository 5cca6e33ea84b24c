//! The increments the checkpoint and window tests play (budget_tests, history_window_tests,
//! rehome_tests): action `i` increments key `k{i % 10}` through proposer `1 + key % 3` (none
//! for a key whose proposer the cluster does not have), and after every tenth action the run
//! goes `pause(i)` ms on; then it runs until idle.

use super::{Recording, UserAction};
use serde_json::json;

pub(crate) fn play_increments(rec: &Recording, actions: u64, pause: impl Fn(u64) -> u64) {
    let proposers = rec.sim().config().proposers;
    for i in 0..actions {
        let key = i % 10;
        let proposer = 1 + (key % 3) as u8;
        if usize::from(proposer) <= proposers {
            let invoke =
                UserAction::Invoke { proposer, key: format!("k{key}"), name: "increment".into(), input: json!(null) };
            rec.act(invoke).unwrap();
        }
        if i % 10 == 9 {
            rec.run_for(pause(i)).unwrap();
        }
    }
    rec.run_until_idle(u64::MAX).unwrap();
}
