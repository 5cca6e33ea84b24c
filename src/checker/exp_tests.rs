use super::*;
use crate::driver::Outcome;
use crate::ops::{OpError, OpKind};
use crate::sim::OpRecord;

fn load(path: &str) -> Vec<OpRecord> {
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    v.as_array().unwrap().iter().map(|o| OpRecord {
        id: o["id"].as_u64().unwrap(),
        proposer: 1,
        op: OpKind::parse(o["op"].as_str().unwrap()).unwrap(),
        key: "r".into(),
        input: o["input"].clone(),
        invoke_at: o["invokeAt"].as_u64().unwrap(),
        return_at: o["returnAt"].as_u64(),
        invoke_seq: o["invokeSeq"].as_u64().unwrap(),
        return_seq: o["returnSeq"].as_u64(),
        outcome: match o["outcome"].as_str() { Some("ok") => Some(Outcome::Ok), Some("failed") => Some(Outcome::Failed), Some("unknown") => Some(Outcome::Unknown), _ => None },
        output: Some(o["output"].clone()),
        error: o["error"]["name"].as_str().map(|n| match n { "Unavailable" => OpError::unavailable(o["outcome"] == "unknown", "x"), other => panic!("{other}") }),
        may_have_applied: true,
        attempts: 1,
        evaluations: vec![],
    }).collect()
}

#[test]
fn exp() {
    for s in [233, 755] {
        let recs = load(&format!("target/ot/h{s}.json"));
        let ops: Vec<CheckOp> = recs.iter().filter_map(CheckOp::from_record).collect();
        let (r, steps) = search::check_key(&ops, 20_000_000);
        println!("{s}: all {} ops: {:?} steps {steps}", ops.len(), matches!(r, KeyResult::Linearizable(_)));
        let nogc: Vec<CheckOp> = ops.iter().filter(|o| o.name != "gc").cloned().collect();
        let (r, steps) = search::check_key(&nogc, 20_000_000);
        println!("{s}: no gc {} ops: {:?} steps {steps}", nogc.len(), matches!(r, KeyResult::Linearizable(_)));
        for o in &recs { if o.op == OpKind::Gc || o.outcome == Some(Outcome::Unknown) { println!("  {} {:?} {:?} {:?}", o.id, o.op, o.outcome, o.output); } }
    }
}
