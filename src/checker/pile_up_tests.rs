//! A key the incremental checker gives up on (issue 9's outside tester, F2): increments of one
//! key asked for faster than the cluster answers them queue behind it, so thousands span each
//! cut, every fold would allow more than `MAX_FRONTIER_STATES` configurations, and the key's
//! segment reaches `MAX_SEGMENT_OPS`. Its verdict is `unknown` for the rest of the run, and the
//! report says why, after the backlog cleared too (the page's state panel shows it:
//! `tests/e2e/check-reason.test.mjs` drives the same run in the page).

use super::*;
use crate::limits::MAX_SEGMENT_OPS;
use crate::session::{Recording, Start, UserAction};
use crate::sim::SimConfig;

/// The page's own cluster (2 proposers, one round trip, latency 5–15 ms): `per_tick` increments
/// of `q` through p1 every 10 ms, `ticks` times, then run until idle (the backlog clears).
pub(super) fn piled_up(per_tick: u64, ticks: u64) -> Recording {
    let rec = Recording::new(Start::Config(SimConfig { proposers: 2, ..SimConfig::default() })).expect("a config");
    for _ in 0..ticks {
        for _ in 0..per_tick {
            let invoke =
                UserAction::Invoke { proposer: 1, key: "q".into(), name: "increment".into(), input: Json::Null };
            rec.act(invoke).expect("a valid action");
        }
        rec.run_for(10).expect("the run plays");
    }
    rec.run_until_idle(u64::MAX).expect("the run plays");
    rec
}

/// Ticks of the page test's pile-up (`PILE_UP` in `check-reason.test.mjs`): the key reaches the
/// cap; a tenth of them (its control) never has enough in flight to stop folding.
const PER_TICK: u64 = 3;
const TICKS: u64 = 4_000;

#[test]
fn a_key_past_the_cap_is_unknown_and_says_why_after_its_backlog_cleared() {
    let rec = piled_up(PER_TICK, TICKS);
    assert_eq!(rec.sim().pending(), 0, "the backlog cleared");
    let report = check_run(rec.sim(), DEFAULT_STEP_BUDGET);
    assert_eq!(report.keys.get("q"), Some(&KeyResult::Unknown(Undecided::Unfoldable)), "{} steps", report.steps);
    assert!(!report.ok && report.violation.is_none());
    let q = &report.to_json()["keys"]["q"];
    assert_eq!(
        (q["verdict"].as_str(), q["reason"].as_str()),
        (Some("unknown"), Some(&*Undecided::Unfoldable.reason()))
    );
    assert!(Undecided::Unfoldable.reason().contains(&format!("held {MAX_SEGMENT_OPS} settled operations")));
    // Control: a tenth of the run folds as it goes, and is linearizable, with no reason.
    let small = check_run(piled_up(PER_TICK, TICKS / 10).sim(), DEFAULT_STEP_BUDGET);
    assert!(small.ok && small.folded > 0, "{:?}", small.keys.get("q"));
    assert!(small.to_json()["keys"]["q"].get("reason").is_none());
}
