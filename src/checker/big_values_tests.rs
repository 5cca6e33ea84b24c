//! Big values searched by name give the search's own answers: random register histories with
//! big and small values (most linearizable, some not), folded by name and plainly, give the same
//! end states, violations and steps. Control: the guard against a small value that reads as a
//! name — renamed anyway, such a history's violation passes for linearizable.

use super::super::model::{CheckOp, Expect, State, Step, Times};
use super::super::search::{end_states, Config, KeyResult};
use super::{end_states_by_name, for_each_value, Names, NAME};
use crate::ops::Op;
use serde_json::{json, Value as Json};

fn big(tag: &str) -> Json {
    json!(format!("{tag}{}", "x".repeat(2_000)))
}

/// The values histories are made of: big ones (a string, another, an object) and small ones.
fn pool() -> Vec<Json> {
    vec![big("a"), big("b"), json!({ "v": big("c") }), json!("small"), json!(5), Json::Null]
}

fn op(id: u64, op: Op, at: (u64, Option<u64>), expect: Expect) -> CheckOp {
    CheckOp {
        id,
        kind: op.kind(),
        key: "k".into(),
        invoke_at: at.0,
        return_at: at.1,
        invoke_seq: at.0,
        return_seq: at.1,
        step: Step::Builtin { op, times: Times::One(at.0) },
        expect,
    }
}

/// A deterministic stream of numbers (xorshift).
struct Draw(u64);
impl Draw {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// A history run in invocation order from `start` (its answers true), overlapping at random,
/// some outcomes unknown and, one time in five, one answer replaced by another value.
fn history(draw: &mut Draw, start: &State) -> Vec<CheckOp> {
    let values = pool();
    let mut state = start.clone();
    let mut ops = Vec::new();
    for id in 0..3 + draw.below(5) {
        let v = values[draw.below(values.len() as u64) as usize].clone();
        let kind = match draw.below(5) {
            0 => Op::Get,
            1 => Op::Read,
            2 => Op::Write { expected: state.version + draw.below(2), value: v },
            3 => Op::Delete,
            _ => Op::Put(v),
        };
        let at = 10 * id + draw.below(15);
        let returned = (draw.below(7) != 0).then(|| at + 1 + draw.below(25));
        let expect = match (kind.apply(&state, at), returned) {
            (_, None) => Expect::Maybe,
            (Ok(effect), Some(_)) => Expect::Output(effect.output),
            (Err(e), Some(_)) => Expect::RefusalSaying(e.name(), e.message.as_str().into()),
        };
        if let Ok(effect) = kind.apply(&state, at) {
            if returned.is_some() || draw.below(2) == 0 {
                if let Some(w) = effect.write {
                    state = State { value: w, version: state.version + 1, applied: Vec::new() };
                }
            }
        }
        ops.push(op(id, kind, (at, returned), expect));
    }
    if draw.below(5) == 0 {
        let i = draw.below(ops.len() as u64) as usize;
        if matches!(ops[i].step, Step::Builtin { op: Op::Get | Op::Put(_), .. }) && ops[i].completed() {
            ops[i].expect = Expect::Output(values[draw.below(values.len() as u64) as usize].clone());
        }
    }
    ops
}

/// Both searches' answers, as text (a `Config` list or a violation's explanation), and steps.
fn both(ops: &[CheckOp], initial: &[Config]) -> [(String, u64); 2] {
    let text = |(r, steps): (Result<Vec<Config>, KeyResult>, u64)| (format!("{r:?}"), steps);
    [
        text(end_states(ops, initial, 1024, 1_000_000)),
        text(end_states_by_name(ops.to_vec(), initial.to_vec(), 1024, 1_000_000)),
    ]
}

#[test]
fn folds_by_name_find_the_plain_folds_end_states_and_violations() {
    let mut draw = Draw(0x9e37_79b9_7f4a_7c15);
    let (mut renamed, mut linearizable, mut violations) = (0, 0, 0);
    for seed in 0..400 {
        let start = match seed % 3 {
            0 => State::default(),
            1 => State { value: big("a"), version: 1, applied: Vec::new() },
            _ => State { value: json!("small"), version: 2, applied: Vec::new() },
        };
        let ops = history(&mut draw, &start);
        let initial = vec![Config { state: start, placed: Vec::new() }];
        let [plain, by_name] = both(&ops, &initial);
        assert_eq!(plain, by_name, "history {seed}: {ops:?}");
        renamed +=
            usize::from(Names::take(&mut ops.clone(), &mut initial.clone()).is_some_and(|n| !n.values.is_empty()));
        linearizable += usize::from(plain.0.starts_with("Ok"));
        violations += usize::from(plain.0.contains("Violation"));
    }
    // The sweep met what it is for: renamed folds, of both verdicts.
    assert!(
        renamed > 250 && linearizable > 150 && violations > 20,
        "{renamed} renamed, {linearizable} ok, {violations} not"
    );
}

#[test]
fn a_fold_by_name_holds_names_not_values() {
    let ops = vec![op(0, Op::Put(big("a")), (0, Some(5)), Expect::Output(big("a")))];
    let (mut renamed, mut initial) = (ops.clone(), vec![Config::default()]);
    let names = Names::take(&mut renamed, &mut initial).expect("a big value is renamed");
    let mut held = Vec::new();
    for_each_value(&mut renamed, &mut initial, &mut |v| held.push(v.clone()));
    assert_eq!(held, [Json::Null, json!([NAME, 0]), json!([NAME, 0])]);
    assert_eq!(names.values.len(), 1, "one copy of the value");
    assert_eq!(names.values[0].1, big("a"));
}

#[test]
fn control_a_small_value_read_as_a_name_turns_the_guard_on() {
    // A put of a big value, then a get that answered a small value spelled like its name: a
    // violation. Renamed anyway, the get fits.
    let name = json!([NAME, 0]);
    let ops = vec![
        op(0, Op::Put(big("a")), (0, Some(5)), Expect::Output(big("a"))),
        op(1, Op::Get, (10, Some(15)), Expect::Output(name)),
    ];
    let initial = vec![Config::default()];
    let [plain, by_name] = both(&ops, &initial);
    assert!(plain.0.contains("Violation"), "{}", plain.0);
    assert_eq!(plain, by_name, "the guard renamed nothing");
    assert!(Names::take(&mut ops.clone(), &mut initial.clone()).is_none());
    // What the guard caught: the same history renamed regardless.
    let (mut ops, mut initial) = (ops, initial);
    Names::rename_all(&mut ops, &mut initial);
    let (unguarded, _) = end_states(&ops, &initial, 1024, 1_000_000);
    assert!(unguarded.is_ok(), "renamed regardless, the violation passes: {unguarded:?}");
}
