//! Read leases (issue 14 §3): a proposer whose read was accepted by enough acceptors, each of
//! which granted it a lease on the key, answers the key's next reads itself, with no message,
//! until its lease ends.
//!
//! **The acceptor's promise.** An accept that asks for a lease of `D` ms and is accepted grants
//! its proposer the key until `D` ms later *by the acceptor's own clock*. Until then the acceptor
//! refuses every request (prepare or accept) of any other proposer on the key, with a conflict
//! naming its highest ballot: other proposers' writes are **refused until the lease ends**, and
//! retry with their usual backoff. A refusal marks the lease *contested*: it is not renewed, and
//! once it ended the old holder gets no new lease from this acceptor until another proposer's
//! accept was accepted there (or [`CONTESTED_WAIT_LEASES`] more durations passed, should the
//! refused proposer have given up); its rounds still run, without one. So a reader that keeps
//! reading cannot starve a writer.
//!
//! **The holder's side.** The lease counts only if the grants number more than `N - accept
//! quorum` (so every other proposer's accept quorum meets a granting acceptor) by the time the
//! accept round is decided. The holder measures it on *its* clock from when it *sent* the accept
//! (before any grant), and uses it for [`holder_window_ms`], `D` shortened by the drift bound
//! `ρ`: `W = ⌊(D−1)(1−2ρ)⌋ − 1`.
//!
//! Why that is safe when every clock's rate is within `1 ± ρ` (clocks read
//! `t + ⌊t·r⌋`, so an interval `Δ` of true time reads within `(Δ(1+r) − 1, Δ(1+r) + 1)`): the
//! holder sent at true `Ts` and answers at true `t` only while its clock shows less than `W`
//! elapsed, so `t − Ts < (W+1)/(1−ρ)`. An acceptor granted at `Ta >= Ts` (before the round was
//! decided, so `Ta <= t`); its clock has advanced by less than `(t − Ta)(1+ρ) + 1 <=
//! (W+1)(1+ρ)/(1−ρ) + 1 <= D` (as `(1−ρ)/(1+ρ) >= 1−2ρ`), so it still refuses everyone else. A
//! write by another proposer that ended before `t` was accepted by a quorum, which holds a
//! granting acceptor: it accepted either before the grant (then its ballot is below the lease
//! round's, whose value already includes it, §2.2) or not at all. The holder's own writes end
//! its local reads: every round it starts on the key drops the lease, and only a read's round
//! takes a new one.
//!
//! The "break it" twin trusts the lease for the whole `D` ([`holder_window_ms`] with
//! `trust_beyond_bound`): a holder with a slow clock then answers from its lease after a fast
//! acceptor let another proposer write, a stale read.

use super::ballot::ProposerId;
use crate::ops::Val;

/// Parts per million (the unit of the drift bound).
pub const PPM: u64 = 1_000_000;
/// How many durations after a contested lease ended its old holder waits at most for a new one
/// (a refused writer's backoff grows to about sixteen of its rounds).
pub const CONTESTED_WAIT_LEASES: u64 = 16;

/// One acceptor's lease on one key, on the acceptor's own clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grant {
    pub holder: ProposerId,
    /// The acceptor's local ms at which the lease ends.
    pub until_ms: u64,
    /// The duration it was granted for.
    pub duration_ms: u64,
    /// Another proposer was refused during this lease.
    pub contested: bool,
}

impl Grant {
    /// When a contested lease's old holder may get a new one even if nobody else wrote.
    fn contested_wait_end(&self) -> u64 {
        self.until_ms.saturating_add(self.duration_ms.saturating_mul(CONTESTED_WAIT_LEASES))
    }

    /// Whether the lease record goes once an accept of `proposer` was accepted: another
    /// proposer's write ends a contested lease's wait (it was admitted, so the lease had ended).
    pub fn written_by(&self, proposer: ProposerId) -> bool {
        proposer != self.holder
    }

    /// Whether this acceptor may handle a request of `proposer` at its local `now_ms`: always
    /// the holder's, another's only once the lease ended. A refusal contests the lease.
    pub fn admits(&mut self, proposer: ProposerId, now_ms: u64) -> bool {
        if proposer == self.holder || now_ms >= self.until_ms {
            return true;
        }
        self.contested = true;
        false
    }
}

/// The lease an acceptor holds after accepting an accept of `proposer` that asked for
/// `duration_ms`, at its local `now_ms`; `None` when it grants nothing (the lease it had, if
/// any, stays as it was).
pub fn grant(existing: Option<&Grant>, proposer: ProposerId, now_ms: u64, duration_ms: u64) -> Option<Grant> {
    let fresh = Grant { holder: proposer, until_ms: now_ms.saturating_add(duration_ms), duration_ms, contested: false };
    match existing {
        None => Some(fresh),
        // Running: only its holder got this far (`admits`); renewed unless contested.
        Some(g) if now_ms < g.until_ms => (g.holder == proposer && !g.contested).then_some(fresh),
        // Ended after a refusal: the old holder waits, so the refused get in (`written_by`).
        Some(g) if g.contested && g.holder == proposer && now_ms < g.contested_wait_end() => None,
        Some(_) => Some(fresh),
    }
}

/// How long, on its own clock from when it sent the accept, the holder may answer reads from a
/// lease of `duration_ms` when every clock's rate error is at most `drift_ppm`:
/// `⌊(D−1)(1−2ρ)⌋ − 1` (see the module's proof). `trust_beyond_bound`: the "break it" twin, the
/// whole `D`.
pub fn holder_window_ms(duration_ms: u64, drift_ppm: u32, trust_beyond_bound: bool) -> u64 {
    if trust_beyond_bound {
        return duration_ms;
    }
    let d = duration_ms.saturating_sub(1);
    // d <= MAX_LEASE_MS and drift <= MAX_CLOCK_DRIFT_PPM: no overflow.
    let margin = (d * 2 * u64::from(drift_ppm)).div_ceil(PPM);
    d.saturating_sub(margin).saturating_sub(1)
}

/// Grants a lease needs among `acceptors` so that every accept quorum of `accept_quorum`
/// acceptors holds one of them: more than `N − accept_quorum`.
pub fn grants_needed(acceptors: usize, accept_quorum: usize) -> usize {
    acceptors - accept_quorum.min(acceptors) + 1
}

/// A lease a proposer holds on one key: the register its lease round accepted, and when the
/// lease ends on the proposer's own clock.
#[derive(Clone, Debug, PartialEq)]
pub struct Held {
    pub value: Val,
    pub until_local_ms: u64,
}

impl Held {
    /// Whether reads may be answered from it at the holder's local `now_ms`.
    pub fn valid_at(&self, now_ms: u64) -> bool {
        now_ms < self.until_local_ms
    }
}

/// What an operation's lease round won, for the runtime to keep: the accepted register and the
/// time (as the driver's clock read it) the accept was sent.
#[derive(Clone, Debug, PartialEq)]
pub struct Won {
    pub value: Val,
    pub sent_ms: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn another_proposer_is_refused_until_the_lease_ends_and_contests_it() {
        let mut g = grant(None, 1, 100, 50).expect("a first lease is granted");
        assert_eq!((g.holder, g.until_ms), (1, 150));
        assert!(g.admits(1, 120), "the holder's own requests are handled");
        assert!(!g.contested);
        assert!(!g.admits(2, 149), "another proposer is refused while it runs");
        assert!(g.contested, "a refusal contests the lease");
        assert!(g.admits(2, 150), "and handled once it ended");
    }

    #[test]
    fn an_uncontested_lease_is_renewed_a_contested_one_is_not_and_its_holder_waits() {
        let g = grant(None, 1, 0, 50).unwrap();
        assert_eq!(grant(Some(&g), 1, 40, 50).map(|g| g.until_ms), Some(90), "renewed");
        let contested = Grant { contested: true, ..g };
        assert_eq!(grant(Some(&contested), 1, 40, 50), None, "not renewed while contested");
        let wait_end = 50 + 50 * CONTESTED_WAIT_LEASES;
        assert_eq!(grant(Some(&contested), 1, wait_end - 1, 50), None, "the old holder waits");
        assert_eq!(grant(Some(&contested), 1, wait_end, 50).map(|g| g.until_ms), Some(wait_end + 50));
        assert!(contested.written_by(2) && !contested.written_by(1), "another's write ends the wait");
        assert_eq!(grant(Some(&contested), 2, 60, 50).map(|g| g.holder), Some(2), "the refused proposer gets it");
        assert_eq!(grant(Some(&g), 2, 50, 50).map(|g| g.holder), Some(2), "an ended lease goes to anyone");
    }

    #[test]
    fn the_holder_shortens_its_lease_by_the_drift_bound() {
        assert_eq!(holder_window_ms(1_000, 0, false), 998, "two ms of rounding slack");
        // 5%: (999)(0.9) = 899.1 -> 899, minus 1.
        assert_eq!(holder_window_ms(1_000, 50_000, false), 898);
        assert_eq!(holder_window_ms(1_000, 50_000, true), 1_000, "the twin trusts the whole lease");
        assert_eq!(holder_window_ms(1, 50_000, false), 0, "too short to use");
    }

    #[test]
    fn the_window_is_safe_at_the_bound_for_every_pair_of_extreme_clocks() {
        // Exhaustive over small cases: holder sends at true ts; an acceptor receives at ta >= ts;
        // the last true t the holder answers must be a time the acceptor still refuses others.
        let local = |rate: i64, t: u64| (t as i64 + (t as i64 * rate).div_euclid(PPM as i64)) as u64;
        for drift in [0u32, 1_000, 50_000, 100_000] {
            for duration in [3u64, 10, 100, 997] {
                let w = holder_window_ms(duration, drift, false);
                for (rp, ra) in [(-1i64, 1i64), (1, -1), (-1, -1), (1, 1)] {
                    let (rp, ra) = (rp * i64::from(drift), ra * i64::from(drift));
                    for (ts, lag) in [(0u64, 0u64), (13, 5), (1_000, 0), (77_777, 2)] {
                        let ta = ts + lag;
                        let (sent, granted) = (local(rp, ts), local(ra, ta));
                        let last = (ta..ts + 3 * duration).take_while(|&t| local(rp, t) < sent + w).last();
                        if let Some(t) = last {
                            assert!(
                                local(ra, t) < granted + duration,
                                "drift {drift} D {duration} rates {rp}/{ra} ts {ts} ta {ta}: answered at {t}"
                            );
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn negative_control_the_whole_duration_is_unsafe_under_drift() {
        // The twin's window: a slow holder outlives a fast acceptor's lease.
        let local = |rate: i64, t: u64| (t as i64 + (t as i64 * rate).div_euclid(PPM as i64)) as u64;
        let (drift, duration) = (50_000i64, 1_000u64);
        let w = holder_window_ms(duration, drift as u32, true);
        let last = (0..3 * duration).take_while(|&t| local(-drift, t) < w).last().unwrap();
        assert!(local(drift, last) >= duration, "the acceptor's lease ended before the holder's last read");
    }

    #[test]
    fn grants_must_meet_every_other_accept_quorum() {
        assert_eq!(grants_needed(3, 2), 2);
        assert_eq!(grants_needed(5, 3), 3);
        assert_eq!(grants_needed(4, 2), 3, "flexible quorums: accept 2 of 4 needs 3 grants");
        assert_eq!(grants_needed(1, 1), 1);
    }
}
