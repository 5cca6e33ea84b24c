//! Per-node virtual clocks with bounded rate drift (`clockDrift`, issue 14 §3).
//!
//! The simulator's `now` is true time; each node reads its own clock, which runs at a constant
//! rate `1 + r` with `|r| <= drift`, drawn once per node from the seed. The model is a *rate*
//! error, not an offset: a lease is measured as an interval on one node's clock (the acceptor
//! from when it granted, the holder from when it asked), so a constant offset cancels out and
//! only the rate matters. Rates are whole parts per million.
//!
//! The rates come from their own generator seeded from the seed, so drawing them takes nothing
//! from the run's RNG: with drift 0 every existing seed replays event for event.

use super::rng::Rng;
use super::trace::Node;

/// Parts per million: a rate error of `r` ppm makes a clock gain `r` µs per ms.
pub const PPM: i64 = 1_000_000;
/// Mixed into the seed for the clocks' own generator (any odd constant; fixed forever, or the
/// clocks of recorded sessions would change).
const CLOCK_SEED_SALT: u64 = 0x9e37_79b9_7f4a_7c15;

/// Every node's clock rate.
///
/// Invariant: each rate is within `±drift_ppm`, and `drift_ppm < PPM`, so every clock runs
/// forward.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clocks {
    drift_ppm: u32,
    /// The nodes of the start: acceptors `a1..aN` first, then proposers `p1..pM`.
    rates_ppm: Vec<i32>,
    acceptors: usize,
    /// Nodes a membership change adds later draw their rate from the seed and their id.
    seed: u64,
}

impl Clocks {
    /// Clocks for a cluster, each rate uniform in `-drift_ppm..=drift_ppm`, drawn from `seed`.
    pub fn new(seed: u64, acceptors: usize, proposers: usize, drift_ppm: u32) -> Clocks {
        assert!(i64::from(drift_ppm) < PPM, "a clock drift of {drift_ppm} ppm would stop a clock");
        let rates_ppm = if drift_ppm == 0 {
            vec![0; acceptors + proposers]
        } else {
            let mut rng = Rng::new(seed ^ CLOCK_SEED_SALT);
            let span = 2 * u64::from(drift_ppm) + 1;
            (0..acceptors + proposers).map(|_| (rng.below(span) as i64 - i64::from(drift_ppm)) as i32).collect()
        };
        Clocks { drift_ppm, rates_ppm, acceptors, seed }
    }

    /// The stated bound on every clock's rate error.
    pub fn drift_ppm(&self) -> u32 {
        self.drift_ppm
    }

    /// `node`'s rate error, in ppm.
    pub fn rate_ppm(&self, node: Node) -> i32 {
        match self.index(node) {
            Some(i) => self.rates_ppm[i],
            None => self.added_rate_ppm(node),
        }
    }

    /// The rate of a node added after the start (a membership change): its own draw from the
    /// seed and its id, so adding a node changes no other clock.
    fn added_rate_ppm(&self, node: Node) -> i32 {
        if self.drift_ppm == 0 {
            return 0;
        }
        let id = match node {
            Node::Acceptor(a) => u64::from(a),
            Node::Proposer(p) => 0x100 | u64::from(p),
        };
        let mut rng = Rng::new(self.seed ^ CLOCK_SEED_SALT ^ id.wrapping_mul(0xd6e8_feb8_6659_fd93));
        (rng.below(2 * u64::from(self.drift_ppm) + 1) as i64 - i64::from(self.drift_ppm)) as i32
    }

    /// What `node`'s clock reads at true time `now_ms`: `now + floor(now * rate)`.
    pub fn local_ms(&self, node: Node, now_ms: u64) -> u64 {
        if self.drift_ppm == 0 {
            return now_ms; // every rate is 0 (an acceptor reads its clock at every request)
        }
        local_ms(self.rate_ppm(node), now_ms)
    }

    /// The earliest true time at which `node`'s clock reads `local_ms` or more.
    pub fn true_ms(&self, node: Node, local: u64) -> u64 {
        let rate = self.rate_ppm(node);
        // An estimate within a few ms (the steps below make it exact, whatever its rounding).
        let mut t = (local as f64 / (1.0 + f64::from(rate) / PPM as f64)) as u64;
        while t > 0 && local_ms(rate, t - 1) >= local {
            t -= 1;
        }
        while local_ms(rate, t) < local {
            t += 1;
        }
        t
    }

    /// The node's index among the nodes of the start, if it is one.
    fn index(&self, node: Node) -> Option<usize> {
        let proposers = self.rates_ppm.len() - self.acceptors;
        match node {
            Node::Acceptor(a) => (a as usize <= self.acceptors).then(|| a as usize - 1),
            Node::Proposer(p) => (p as usize <= proposers).then(|| self.acceptors + p as usize - 1),
        }
    }
}

fn local_ms(rate_ppm: i32, now_ms: u64) -> u64 {
    // floor(now * rate / PPM) without overflow: now = whole * PPM + part.
    let (whole, part) = ((now_ms / PPM as u64) as i64, (now_ms % PPM as u64) as i64);
    let gained = whole * i64::from(rate_ppm) + (part * i64::from(rate_ppm)).div_euclid(PPM);
    now_ms.saturating_add_signed(gained)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_drift_every_clock_is_true_time() {
        let c = Clocks::new(7, 3, 2, 0);
        for node in [Node::Acceptor(1), Node::Acceptor(3), Node::Proposer(2)] {
            assert_eq!(c.rate_ppm(node), 0);
            assert_eq!(c.local_ms(node, 123_456), 123_456);
            assert_eq!(c.true_ms(node, 500), 500);
        }
    }

    #[test]
    fn rates_stay_within_the_bound_and_follow_the_seed() {
        let drift = 50_000;
        let c = Clocks::new(42, 15, 9, drift);
        let rates: Vec<i32> = (1..=15).map(|a| c.rate_ppm(Node::Acceptor(a))).collect();
        assert!(rates.iter().all(|r| r.unsigned_abs() <= drift), "{rates:?}");
        assert!(rates.iter().any(|r| *r != rates[0]), "nodes get their own rates: {rates:?}");
        assert_eq!(Clocks::new(42, 15, 9, drift), c, "the same seed gives the same clocks");
        assert_ne!(Clocks::new(43, 15, 9, drift), c);
    }

    #[test]
    fn nodes_added_later_get_their_own_rate_and_change_no_other() {
        let drift = 50_000;
        let c = Clocks::new(42, 3, 2, drift);
        // An acceptor added later (a4..a15) does not read p1's rate, nor run off the table.
        let added: Vec<i32> = (4..=15).map(|a| c.rate_ppm(Node::Acceptor(a))).collect();
        assert!(added.iter().all(|r| r.unsigned_abs() <= drift), "{added:?}");
        assert!(added.iter().any(|r| *r != added[0]), "{added:?}");
        assert_ne!(c.rate_ppm(Node::Acceptor(4)), c.rate_ppm(Node::Proposer(4)), "an id's role counts");
        assert_eq!(c.rate_ppm(Node::Acceptor(4)), Clocks::new(42, 3, 2, drift).rate_ppm(Node::Acceptor(4)));
        assert_eq!(Clocks::new(42, 3, 2, 0).rate_ppm(Node::Proposer(9)), 0, "no drift: true time");
    }

    #[test]
    fn a_clock_gains_its_rate_and_true_ms_inverts_it() {
        // Negative control for the rate: a clock 5% fast reads 1,050 ms after 1,000 true ms.
        assert_eq!(local_ms(50_000, 1_000), 1_050);
        assert_eq!(local_ms(-50_000, 1_000), 950);
        assert_eq!(local_ms(-1, 1), 0, "floor, not truncation towards zero");
        let c = Clocks::new(3, 3, 3, 100_000);
        for node in [Node::Acceptor(2), Node::Proposer(3)] {
            let mut last = 0;
            for t in (0..5_000).step_by(7) {
                let local = c.local_ms(node, t);
                assert!(local >= last, "clocks run forward");
                last = local;
                let back = c.true_ms(node, local);
                assert!(back <= t && c.local_ms(node, back) >= local, "{node}: true_ms({local}) = {back}, t = {t}");
                assert!(back == 0 || c.local_ms(node, back - 1) < local, "the earliest such time");
            }
        }
    }
}
