use super::*;

fn ids(n: u8) -> Vec<AcceptorId> {
    (1..=n).collect()
}

/// Every `size`-subset of `nodes`.
fn subsets(nodes: &[AcceptorId], size: usize) -> Vec<Vec<AcceptorId>> {
    if size == 0 {
        return vec![vec![]];
    }
    let Some((first, rest)) = nodes.split_first() else { return vec![] };
    let mut with: Vec<Vec<AcceptorId>> = subsets(rest, size - 1);
    for s in &mut with {
        s.insert(0, *first);
    }
    with.extend(subsets(rest, size));
    with
}

/// The brute-force answer: do some prepare quorum and some accept quorum miss each other?
fn can_miss(p: &PhaseSet, a: &PhaseSet) -> bool {
    let accepts = subsets(&a.nodes, a.quorum);
    subsets(&p.nodes, p.quorum).iter().any(|pq| accepts.iter().any(|aq| pq.iter().all(|x| !aq.contains(x))))
}

#[test]
fn disjoint_quorums_agrees_with_brute_force_and_its_witness_is_real() {
    let sets: Vec<Vec<AcceptorId>> = vec![ids(3), ids(4), vec![1, 2, 4], vec![2, 3, 4, 5], vec![1, 5], vec![4]];
    for p_nodes in &sets {
        for a_nodes in &sets {
            for qp in 1..=p_nodes.len() {
                for qa in 1..=a_nodes.len() {
                    let p = PhaseSet { nodes: p_nodes.clone(), quorum: qp };
                    let a = PhaseSet { nodes: a_nodes.clone(), quorum: qa };
                    let found = disjoint_quorums(&p, &a);
                    assert_eq!(found.is_some(), can_miss(&p, &a), "{p:?} {a:?}");
                    if let Some((pq, aq)) = found {
                        assert_eq!((pq.len(), aq.len()), (qp, qa));
                        assert!(pq.iter().all(|x| p.nodes.contains(x) && !aq.contains(x)));
                        assert!(aq.iter().all(|x| a.nodes.contains(x)));
                    }
                }
            }
        }
    }
}

#[test]
fn growing_2f_plus_1_to_2f_plus_2_follows_the_paper() {
    // Reference: §2.3.1 — 1. turn on the new acceptor; 2. accepts go to all 2F+2 with a quorum of
    // F+2; 3. catch-up (§2.3.3); 4. prepares go to all 2F+2 with a quorum of F+2.
    let start = Config::settled(ids(3));
    let steps = grow(&start, 4).unwrap();
    let kinds: Vec<_> = steps.iter().map(|s| s.kind.name()).collect();
    assert_eq!(kinds, ["turn on", "accept quorum change", "catch-up rescan", "prepare quorum change"]);
    assert_eq!(steps[1].config.accept, PhaseSet { nodes: ids(4), quorum: 3 });
    assert_eq!(steps[1].config.prepare, PhaseSet { nodes: ids(3), quorum: 2 }, "prepares as before");
    assert_eq!(steps[3].config, Config::settled(ids(4)));
    assert_eq!(check(&start, &steps), Ok(()));
}

#[test]
fn growing_2f_plus_2_to_2f_plus_3_keeps_the_quorum_size() {
    // Reference: §2.3.2 — from 4 to 5 the majority stays 3: the same steps, quorum sizes unchanged.
    let start = Config::settled(ids(4));
    let steps = grow(&start, 5).unwrap();
    assert_eq!(steps[1].config.accept, PhaseSet { nodes: ids(5), quorum: 3 });
    assert_eq!(steps[3].config, Config::settled(ids(5)));
    assert_eq!(check(&start, &steps), Ok(()));
}

/// Every phase of every step waits for a quorum its acceptors can give: 1..=its set's size (2 → 1
/// once asked 2 of the one acceptor left, and the proposer's tally refused it with a panic).
fn assert_quorums_fit(steps: &[Step]) {
    for s in steps {
        for p in [&s.config.prepare, &s.config.accept] {
            assert!(
                p.quorum >= 1 && p.quorum <= p.nodes.len(),
                "{:?}: a quorum of {} among {:?}",
                s.kind,
                p.quorum,
                p.nodes
            );
        }
    }
}

#[test]
fn every_grow_and_shrink_from_1_to_15_is_safe() {
    for n in 1..=15u8 {
        let start = Config::settled(ids(n));
        if n < 15 {
            let steps = grow(&start, n + 1).unwrap();
            assert_eq!(check(&start, &steps), Ok(()), "grow {n}");
            assert_quorums_fit(&steps);
        }
        for gone in 1..=n.min(3) {
            match shrink(&start, gone) {
                Ok(steps) => {
                    assert_eq!(check(&start, &steps), Ok(()), "shrink {n} without a{gone}");
                    assert_quorums_fit(&steps);
                    assert_eq!(
                        steps.last().unwrap().config,
                        Config::settled(ids(n).into_iter().filter(|a| *a != gone).collect())
                    );
                }
                Err(e) => assert_eq!((n, e), (1, PlanError::LastAcceptor)),
            }
        }
    }
}

#[test]
fn replacing_every_acceptor_one_by_one_is_safe() {
    // Reference: §2.3 — grow by one, shrink by one, three times: a1..a3 become a4..a6.
    let mut config = Config::settled(ids(3));
    for (new, gone) in [(4, 1), (5, 2), (6, 3)] {
        for steps in [grow(&config, new).unwrap(), shrink(&Config::settled(next(&config, new)), gone).unwrap()] {
            assert_eq!(check(&config, &steps), Ok(()), "a{new} in, a{gone} out");
            config = steps.last().unwrap().config.clone();
        }
    }
    assert_eq!(config, Config::settled(vec![4, 5, 6]));
}

fn next(c: &Config, new: AcceptorId) -> Vec<AcceptorId> {
    let mut n = c.accept.nodes.clone();
    n.push(new);
    n
}

#[test]
fn skipping_the_rescan_loses_a_value_written_to_exactly_f_plus_1() {
    // Reference: §2.3.3 — the paper's scenario: a value on exactly F+1 = 2 of 3 acceptors (a1, a2);
    // grow to 4 without the catch-up, then remove a1: a prepare quorum of the 3 left ({a3, a4})
    // misses the accept quorum that holds the value ({a1, a2}). Negative control of `check`.
    let start = Config::settled(ids(3));
    let without_rescan =
        |steps: Vec<Step>| -> Vec<Step> { steps.into_iter().filter(|s| s.kind != StepKind::Rescan).collect() };
    let mut steps = without_rescan(grow(&start, 4).unwrap());
    steps.extend(without_rescan(shrink(&Config::settled(ids(4)), 1).unwrap()));
    let miss = check(&start, &steps).unwrap_err();
    // The value accepted by a1 and a3 before the change; the last step's prepares ask a2 and a4.
    assert_eq!(miss.prepare_from, Some(steps.len() - 2), "the final prepare quorum change: {miss}");
    assert_eq!(miss.to_string(), "the prepare quorum {a2,a4} of step 6 misses the accept quorum {a1,a3} of the start");
    // With the rescans, the same change is safe.
    let mut steps = grow(&start, 4).unwrap();
    steps.extend(shrink(&Config::settled(ids(4)), 1).unwrap());
    assert_eq!(check(&start, &steps), Ok(()));
}

#[test]
fn accepting_on_2f_plus_2_with_a_quorum_of_f_plus_1_is_caught() {
    // Reference: §2.3.1 step 2 — why the accept quorum grows to F+2: with F+1 = 2 of a1..a4, an
    // accept on {a3, a4} misses a prepare on {a1, a2}.
    let start = Config::settled(ids(3));
    let same_size = Step {
        kind: StepKind::Accept,
        config: Config { prepare: start.prepare.clone(), accept: PhaseSet { nodes: ids(4), quorum: 2 } },
    };
    let miss = check(&start, &[same_size]).unwrap_err();
    assert_eq!(miss.to_string(), "the prepare quorum {a1,a2} of the start misses the accept quorum {a3,a4} of step 1");
}

#[test]
fn plans_refuse_what_the_paper_does_not_cover() {
    let start = Config::settled(ids(3));
    assert_eq!(grow(&start, 2), Err(PlanError::AlreadyMember(2)));
    assert_eq!(shrink(&start, 7), Err(PlanError::NotMember(7)));
    assert_eq!(shrink(&Config::settled(vec![5]), 5), Err(PlanError::LastAcceptor));
    let midway = grow(&start, 4).unwrap()[1].config.clone();
    assert_eq!(grow(&midway, 5), Err(PlanError::NotSettled), "one change at a time");
    assert_eq!(PlanError::NotMember(7).to_string(), "a7 is not an acceptor");
}
