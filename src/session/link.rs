//! Share links: a session as a compact binary (varints, delta-coded action points, a key table)
//! in URL-safe base64, version first. Format 2 adds the run's end after the actions, then a
//! CRC-32 of everything before it: a changed character is refused before anything replays.
//! Decoding checks every byte and every bound: a malformed, truncated, damaged, oversized or
//! future-version link is an error that says which, never a panic.

use super::{Breaks, Point, Recorded, Session, Start, UserAction, SESSION_VERSION};
use crate::client::LOCK_KEY_PREFIX;
use crate::driver::DriverConfig;
use crate::json_object::object;
use crate::limits::{byte_size, MAX_INCREMENTS_PER_WORKER, MAX_SESSION_BYTES, MAX_WORKERS};
use crate::limits::{
    MAX_ACCEPTORS, MAX_ACTIONS, MAX_ATTEMPTS, MAX_KEY_CHARS, MAX_LATENCY_MS, MAX_LINK_CHARS, MAX_OPS_PER_CLIENT,
    MAX_PROPOSERS, MAX_SAFE_INTEGER, MAX_VALUE_BYTES,
};
use crate::ops::OpKind;
use crate::protocol::Quorums;
use crate::sim::fuzz::FuzzOptions;
use crate::sim::{Delivery, NetConfig, Node, SimConfig, WorkersPlan};
use serde_json::Value as Json;
use std::fmt;

/// Longest register key in UTF-8 bytes: a lock's `lock:` prefix, then a name of at most
/// [`MAX_KEY_CHARS`] characters of up to 4 bytes each.
const MAX_KEY_BYTES: usize = LOCK_KEY_PREFIX.len() + MAX_KEY_CHARS * 4;
/// Longest lock owner in UTF-8 bytes.
const MAX_OWNER_BYTES: usize = MAX_KEY_CHARS * 4;

/// Each action's tag byte in a link, all in one list: a new kind of action takes the next number,
/// and the old numbers keep their meaning so old links still open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
enum Tag {
    Invoke = 0,
    Crash = 1,
    Restart = 2,
    Wipe = 3,
    Partition = 4,
    Heal = 5,
    DropRate = 6,
    DuplicateRate = 7,
    Latency = 8,
    Break = 9,
    Delivery = 10,
    Deliver = 11,
    DropMessage = 12,
    Workers = 13,
    Gc = 14,
    GcDelay = 15,
    AddAcceptor = 16,
    RemoveAcceptor = 17,
    AddProposer = 18,
    RemoveProposer = 19,
}

impl Tag {
    const ALL: [Tag; 20] = [
        Tag::Invoke,
        Tag::Crash,
        Tag::Restart,
        Tag::Wipe,
        Tag::Partition,
        Tag::Heal,
        Tag::DropRate,
        Tag::DuplicateRate,
        Tag::Latency,
        Tag::Break,
        Tag::Delivery,
        Tag::Deliver,
        Tag::DropMessage,
        Tag::Workers,
        Tag::Gc,
        Tag::GcDelay,
        Tag::AddAcceptor,
        Tag::RemoveAcceptor,
        Tag::AddProposer,
        Tag::RemoveProposer,
    ];

    fn of(byte: u8) -> Option<Tag> {
        Tag::ALL.get(byte as usize).copied().filter(|t| *t as u8 == byte)
    }
}

/// Why a link cannot be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkError {
    Empty,
    Oversized(usize),
    /// Made by a newer version of the playground: a higher version byte, sealed by its checksum.
    FutureVersion(u8),
    /// Text that is no link: a version byte above this page's without a checksum that matches.
    NotALink,
    Truncated,
    /// Format 2 on: the checksum does not match the link's data.
    Damaged,
    Malformed(String),
    /// The session cannot reproduce its run, and says why.
    NotReplayable(Unreplayable),
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkError::Empty => write!(f, "the link holds no session"),
            LinkError::Oversized(n) => write!(f, "the link is too long ({n} characters; at most {MAX_LINK_CHARS})"),
            LinkError::FutureVersion(v) => write!(
                f,
                "the link was made by a newer version of the playground (format {v}); this page reads format {SESSION_VERSION}"
            ),
            LinkError::NotALink => write!(f, "this is neither a session document nor a share link"),
            LinkError::Truncated => write!(f, "the link is truncated"),
            LinkError::Damaged => write!(f, "the link is damaged: its checksum does not match its data"),
            LinkError::Malformed(why) => write!(f, "the link is malformed: {why}"),
            LinkError::NotReplayable(why) => write!(f, "{why}"),
        }
    }
}

impl std::error::Error for LinkError {}

/// Why a session cannot reproduce its run (so has no link and does not verify).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unreplayable {
    /// A `change` ran a function (code), which sessions never carry.
    ChangeFunction,
    /// More actions than a session holds ([`MAX_ACTIONS`]).
    TooManyActions,
    /// The run was built by other means (a benchmark workload).
    NotRecorded,
    /// Its actions' values pass [`MAX_SESSION_BYTES`] JSON-encoded: its session would be
    /// larger than a session may be.
    TooLarge,
}

impl fmt::Display for Unreplayable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unreplayable::ChangeFunction => write!(
                f,
                "this run used a change function (code), which sessions never carry: it cannot be shared or replayed"
            ),
            Unreplayable::TooManyActions => write!(
                f,
                "this run has more than {MAX_ACTIONS} actions, more than a session holds: it cannot be shared or replayed"
            ),
            Unreplayable::NotRecorded => write!(f, "this run was not recorded action by action: it cannot be replayed"),
            Unreplayable::TooLarge => write!(
                f,
                "this run's values pass {} encoded as JSON, more than a session holds: it cannot be shared or replayed",
                byte_size(MAX_SESSION_BYTES)
            ),
        }
    }
}

// ---- writing ----

struct Writer(Vec<u8>);

impl Writer {
    fn byte(&mut self, b: u8) {
        self.0.push(b);
    }
    fn tag(&mut self, t: Tag) {
        self.byte(t as u8);
    }
    fn varint(&mut self, mut v: u64) {
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                self.0.push(b);
                return;
            }
            self.0.push(b | 0x80);
        }
    }
    fn bytes(&mut self, b: &[u8]) {
        self.varint(b.len() as u64);
        self.0.extend_from_slice(b);
    }
    fn rate(&mut self, r: f64) {
        let ppm = (r * 1e6).round();
        if r == 0.0 {
            self.byte(0);
        } else if ppm / 1e6 == r {
            self.byte(1);
            self.varint(ppm as u64);
        } else {
            self.byte(2);
            self.0.extend_from_slice(&r.to_bits().to_le_bytes());
        }
    }
    fn node(&mut self, n: Node) {
        self.byte(match n {
            Node::Acceptor(i) => i,
            Node::Proposer(i) => 128 + i,
        });
    }
    fn breaks(&mut self, b: &Breaks) {
        let flags = b.reuse_ballot as u8 | (b.take_any_accepted as u8) << 1 | (b.blind_retry as u8) << 2;
        let leases = (b.trust_leases as u8) << 4;
        let membership = (b.skip_rescan as u8) << 6 | (b.rescan_one_key as u8) << 7;
        self.byte(flags | (b.disjoint_quorums as u8) << 3 | leases | (b.erase_without_gc as u8) << 5 | membership);
        self.varint(b.quorum.map_or(0, u64::from));
    }
}

/// The session as link text (URL-safe base64, no padding).
pub fn encode_link(s: &Session) -> String {
    let mut w = Writer(Vec::new());
    w.byte(SESSION_VERSION);
    match &s.start {
        Start::Config(c) => {
            w.byte(0);
            w.varint(c.acceptors as u64);
            w.varint(c.proposers as u64);
            w.varint(c.seed);
            w.varint(c.net.latency_ms_min);
            w.varint(c.net.latency_ms_max);
            w.rate(c.net.drop_request_rate);
            w.rate(c.net.duplicate_rate);
            // Bit 1: flexible quorums follow (older links never set it); bit 2: a batch size;
            // bit 3: read leases and clock drift; bit 4: pipelining follows the breaks (the bound, 0
            // for none; 1 for envelopes).
            let batched = c.driver.batch_max > 1;
            let leased = c.driver.lease_ms.is_some() || c.driver.clock_drift_ppm > 0;
            let piped = c.driver.pipeline.is_some() || c.net.envelopes;
            let quorums = (c.driver.quorums.is_some() as u8) << 1;
            w.byte(c.driver.one_rtt as u8 | quorums | (batched as u8) << 2 | (leased as u8) << 3 | (piped as u8) << 4);
            if let Some(q) = c.driver.quorums {
                w.varint(q.prepare as u64);
                w.varint(q.accept as u64);
            }
            w.varint(c.driver.max_attempts as u64);
            if batched {
                w.varint(c.driver.batch_max as u64);
            }
            if leased {
                w.varint(c.driver.lease_ms.unwrap_or(0));
                w.varint(u64::from(c.driver.clock_drift_ppm));
            }
            w.breaks(&Breaks::of(&c.driver));
            if piped {
                w.varint(c.driver.pipeline.map_or(0, |n| n as u64));
                w.byte(c.net.envelopes as u8);
            }
        }
        Start::Fuzz(o) => {
            w.byte(1);
            w.varint(o.seed);
            w.varint(o.acceptors.map_or(0, |a| a as u64 + 1));
            w.varint(o.proposers.map_or(0, |p| p as u64 + 1));
            w.byte(o.driver.one_rtt as u8 | (o.wipes as u8) << 1);
            w.varint(o.ops_per_client as u64);
            w.breaks(&Breaks::of(&o.driver));
        }
    }
    let mut keys: Vec<&str> = Vec::new();
    for r in &s.actions {
        let key = match &r.action {
            UserAction::Invoke { key, .. } | UserAction::Gc { key: Some(key), .. } => key,
            _ => continue,
        };
        if !keys.contains(&key.as_str()) {
            keys.push(key);
        }
    }
    w.varint(keys.len() as u64);
    for k in &keys {
        w.bytes(k.as_bytes());
    }
    w.varint(s.actions.len() as u64);
    let (mut steps, mut at) = (0, 0);
    for r in &s.actions {
        w.varint(r.steps - steps);
        w.varint(r.at_ms - at);
        (steps, at) = (r.steps, r.at_ms);
        match &r.action {
            UserAction::Invoke { proposer, key, name, input } => {
                w.tag(Tag::Invoke);
                w.byte(*proposer);
                w.varint(keys.iter().position(|k| k == key).unwrap_or(0) as u64);
                // A recorded operation is a built-in one (`check` refuses others): it has a code.
                let kind = OpKind::parse(name).filter(|k| k.link_code().is_some()).unwrap_or(OpKind::Get);
                w.byte(kind.link_code().unwrap_or(0));
                let s = |k: &str| input.get(k).and_then(Json::as_str).unwrap_or("").as_bytes().to_vec();
                match kind {
                    OpKind::Put => w.bytes(input.to_string().as_bytes()),
                    OpKind::Write => {
                        w.varint(input.get("expectedVersion").and_then(Json::as_u64).unwrap_or(0));
                        w.bytes(input.get("value").unwrap_or(&Json::Null).to_string().as_bytes());
                    }
                    OpKind::AcquireLock | OpKind::AcquireLease => {
                        w.bytes(&s("owner"));
                        w.varint(input.get("ttl").and_then(Json::as_u64).map_or(0, |t| t + 1));
                    }
                    OpKind::ReleaseLock => w.bytes(&s("owner")),
                    _ => {}
                }
            }
            UserAction::Crash(n) => {
                w.tag(Tag::Crash);
                w.node(*n);
            }
            UserAction::Restart(n) => {
                w.tag(Tag::Restart);
                w.node(*n);
            }
            UserAction::Wipe(a) => {
                w.tag(Tag::Wipe);
                w.byte(*a);
            }
            UserAction::Partition(groups) => {
                w.tag(Tag::Partition);
                w.varint(groups.len() as u64);
                for g in groups {
                    w.varint(g.len() as u64);
                    g.iter().for_each(|n| w.node(*n));
                }
            }
            UserAction::Heal => w.tag(Tag::Heal),
            UserAction::DropRate(r) => {
                w.tag(Tag::DropRate);
                w.rate(*r);
            }
            UserAction::DuplicateRate(r) => {
                w.tag(Tag::DuplicateRate);
                w.rate(*r);
            }
            UserAction::Latency(min, max) => {
                w.tag(Tag::Latency);
                w.varint(*min);
                w.varint(*max);
            }
            UserAction::Break(b) => {
                w.tag(Tag::Break);
                w.breaks(b);
            }
            UserAction::Delivery(mode) => {
                w.tag(Tag::Delivery);
                w.byte((*mode == Delivery::Manual) as u8);
            }
            UserAction::Deliver(id) => {
                w.tag(Tag::Deliver);
                w.varint(*id);
            }
            UserAction::DropMessage(id) => {
                w.tag(Tag::DropMessage);
                w.varint(*id);
            }
            UserAction::Workers(p) => {
                w.tag(Tag::Workers);
                w.varint(p.workers as u64);
                w.varint(p.increments as u64);
                w.bytes(p.key.as_bytes());
            }
            UserAction::Gc { proposer, key } => {
                w.tag(Tag::Gc);
                w.byte(*proposer);
                // 0: every deleted key; otherwise the key's index + 1.
                let index = key.as_ref().and_then(|key| keys.iter().position(|k| k == key));
                w.varint(index.map_or(0, |i| i as u64 + 1));
            }
            UserAction::GcDelay(ms) => {
                w.tag(Tag::GcDelay);
                w.varint(ms.map_or(0, |ms| ms + 1));
            }
            UserAction::AddAcceptor => w.tag(Tag::AddAcceptor),
            UserAction::RemoveAcceptor(a) => {
                w.tag(Tag::RemoveAcceptor);
                w.byte(*a);
            }
            UserAction::AddProposer => w.tag(Tag::AddProposer),
            UserAction::RemoveProposer(p) => {
                w.tag(Tag::RemoveProposer);
                w.byte(*p);
            }
        }
    }
    // The end (format 2): 0 if unknown, else the events after the last action + 1, then the time.
    match s.end {
        None => w.varint(0),
        Some(end) => {
            w.varint(end.steps.saturating_sub(steps) + 1);
            w.varint(end.at_ms.saturating_sub(at));
        }
    }
    let checksum = crc32(&w.0);
    w.0.extend_from_slice(&checksum.to_le_bytes());
    base64url_encode(&w.0)
}

/// The bytes a checksum takes at a link's end (format 2 on).
const CHECKSUM_BYTES: usize = 4;

/// CRC-32 (IEEE 802.3, zip's and PNG's): it catches every change confined to 32 bits in a row,
/// so every changed link character (6 bits), and anything else but about 1 in 4 billion.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = (crc >> 1) ^ (0xEDB8_8320 & (crc & 1).wrapping_neg());
        }
    }
    !crc
}

/// The link's data without its checksum, once the checksum matches it (format 2 on).
fn checked(data: &[u8]) -> Result<&[u8], LinkError> {
    let split = data.len().checked_sub(CHECKSUM_BYTES).ok_or(LinkError::Truncated)?;
    let (body, sum) = data.split_at(split);
    if crc32(body).to_le_bytes() != sum {
        return Err(LinkError::Damaged);
    }
    Ok(body)
}

// ---- reading ----

struct Reader<'a> {
    data: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> Result<u8, LinkError> {
        let b = *self.data.get(self.at).ok_or(LinkError::Truncated)?;
        self.at += 1;
        Ok(b)
    }
    fn varint(&mut self) -> Result<u64, LinkError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= ((b & 0x7f) as u64) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(malformed("a number is too long"))
    }
    /// The point `events` events after `steps`, and the ms read next after `at`: each an exact
    /// JS number.
    fn point_after(&mut self, steps: u64, events: u64, at: u64) -> Result<(u64, u64), LinkError> {
        let exact = |n: Option<u64>| n.filter(|n| *n <= MAX_SAFE_INTEGER);
        let steps = exact(steps.checked_add(events)).ok_or_else(|| malformed("an event count is too large"))?;
        let at = exact(at.checked_add(self.varint()?)).ok_or_else(|| malformed("a time is too large"))?;
        Ok((steps, at))
    }

    /// A held message's number (manual delivery): an exact JS number.
    fn message_id(&mut self) -> Result<u64, LinkError> {
        self.small("a message number", MAX_SAFE_INTEGER)
    }
    /// A latency's min and max, in ms: the link is malformed if min exceeds max.
    fn latency(&mut self) -> Result<(u64, u64), LinkError> {
        let (min, max) = (self.small("latency", MAX_LATENCY_MS)?, self.small("latency", MAX_LATENCY_MS)?);
        if min > max {
            return Err(malformed("latency min must not exceed max"));
        }
        Ok((min, max))
    }
    fn small(&mut self, what: &str, max: u64) -> Result<u64, LinkError> {
        let v = self.varint()?;
        if v > max {
            return Err(malformed(&format!("{what} is {v}, above {max}")));
        }
        Ok(v)
    }
    fn bytes(&mut self, max: usize) -> Result<&[u8], LinkError> {
        let n = self.small("a string length", max as u64)? as usize;
        let end = self.at.checked_add(n).filter(|e| *e <= self.data.len()).ok_or(LinkError::Truncated)?;
        let b = &self.data[self.at..end];
        self.at = end;
        Ok(b)
    }
    fn text(&mut self, max: usize) -> Result<String, LinkError> {
        String::from_utf8(self.bytes(max)?.to_vec()).map_err(|_| malformed("a string is not UTF-8"))
    }
    fn json(&mut self) -> Result<Json, LinkError> {
        let text = self.text(MAX_VALUE_BYTES)?;
        crate::json_text::parse(&text).ok_or_else(|| malformed("a value is not JSON"))
    }
    fn rate(&mut self) -> Result<f64, LinkError> {
        let r = match self.byte()? {
            0 => 0.0,
            1 => self.small("a rate", 1_000_000)? as f64 / 1e6,
            2 => {
                let mut b = [0u8; 8];
                for x in &mut b {
                    *x = self.byte()?;
                }
                f64::from_bits(u64::from_le_bytes(b))
            }
            t => return Err(malformed(&format!("unknown rate tag {t}"))),
        };
        if !(0.0..=1.0).contains(&r) {
            return Err(malformed("a rate is outside 0..=1"));
        }
        Ok(r)
    }
    fn node(&mut self) -> Result<Node, LinkError> {
        match self.byte()? {
            i @ 1..=15 => Ok(Node::Acceptor(i)),
            i @ 129..=137 => Ok(Node::Proposer(i - 128)),
            b => Err(malformed(&format!("{b} is not a node"))),
        }
    }
    fn quorums(&mut self) -> Result<Quorums, LinkError> {
        let prepare = self.small("the prepare quorum", MAX_ACCEPTORS as u64)? as usize;
        Ok(Quorums { prepare, accept: self.small("the accept quorum", MAX_ACCEPTORS as u64)? as usize })
    }
    /// The lease duration (0: off) and the clock drift bound (ppm) of a link's config start.
    fn leases(&mut self) -> Result<(Option<u64>, u32), LinkError> {
        let lease_ms = self.small("the lease duration", crate::limits::MAX_LEASE_MS)?;
        let drift = self.small("the clock drift", u64::from(crate::limits::MAX_CLOCK_DRIFT_PPM))?;
        Ok(((lease_ms > 0).then_some(lease_ms), drift as u32))
    }
    fn breaks(&mut self) -> Result<Breaks, LinkError> {
        let flags = self.byte()?;
        let quorum = self.small("the broken quorum", 15)?;
        Ok(Breaks {
            quorum: (quorum > 0).then_some(quorum as u8),
            reuse_ballot: flags & 1 != 0,
            take_any_accepted: flags & 2 != 0,
            blind_retry: flags & 4 != 0,
            disjoint_quorums: flags & 8 != 0,
            trust_leases: flags & 16 != 0,
            erase_without_gc: flags & 32 != 0,
            skip_rescan: flags & 64 != 0,
            rescan_one_key: flags & 128 != 0,
        })
    }
}

fn malformed(why: &str) -> LinkError {
    LinkError::Malformed(why.to_owned())
}

/// Reads link text back into a session. Sizes are checked here; whether the session replays is
/// checked by replaying it.
pub fn decode_link(text: &str) -> Result<Session, LinkError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(LinkError::Empty);
    }
    if text.len() > MAX_LINK_CHARS {
        return Err(LinkError::Oversized(text.len()));
    }
    let (data, clean_tail) = base64url_bytes(text)?;
    let version = *data.first().ok_or(LinkError::Truncated)?;
    if version > SESSION_VERSION {
        // Every format from 2 on ends with the CRC-32 of what comes before it: junk text is not
        // called newer just because its first byte is high.
        let sealed = clean_tail && checked(&data).is_ok();
        return Err(if sealed { LinkError::FutureVersion(version) } else { LinkError::NotALink });
    }
    if !clean_tail {
        return Err(LinkError::Damaged);
    }
    if version == 0 {
        return Err(malformed("version 0"));
    }
    let data = if version >= 2 { checked(&data)? } else { &data };
    let mut r = Reader { data, at: 1 };
    let start = match r.byte()? {
        0 => {
            let acceptors = r.small("acceptors", MAX_ACCEPTORS as u64)? as usize;
            let proposers = r.small("proposers", MAX_PROPOSERS as u64)? as usize;
            let seed = r.small("the seed", MAX_SAFE_INTEGER)?;
            let (min, max) = r.latency()?;
            let (drop, dup) = (r.rate()?, r.rate()?);
            let flags = r.byte()?;
            let one_rtt = flags & 1 != 0;
            let quorums = if flags & 2 != 0 { Some(r.quorums()?) } else { None };
            let max_attempts = r.small("max attempts", MAX_ATTEMPTS as u64)? as u32;
            let batch_max = match flags & 4 {
                0 => 1,
                _ => match r.small("the batch size", crate::limits::MAX_BATCH as u64)? {
                    0 | 1 => return Err(malformed("a batch flag with a batch size below 2")),
                    n => n as usize,
                },
            };
            let (lease_ms, clock_drift_ppm) = match flags & 8 {
                0 => (None, 0),
                _ => r.leases()?,
            };
            let breaks = r.breaks()?;
            let (pipeline, envelopes) = match flags & 16 {
                0 => (None, false),
                _ => {
                    let bound = r.small("the pipeline bound", crate::limits::MAX_PIPELINE as u64)?;
                    let envelopes = match r.byte()? {
                        0 => false,
                        1 => true,
                        _ => return Err(malformed("an envelopes byte other than 0 or 1")),
                    };
                    if bound == 0 && !envelopes {
                        return Err(malformed("a pipelining flag with neither a bound nor envelopes"));
                    }
                    ((bound > 0).then_some(bound as usize), envelopes)
                }
            };
            let driver = breaks.onto(DriverConfig {
                one_rtt,
                max_attempts,
                quorums,
                batch_max,
                lease_ms,
                clock_drift_ppm,
                pipeline,
                ..DriverConfig::default()
            });
            let net = NetConfig {
                latency_ms_min: min,
                latency_ms_max: max,
                drop_request_rate: drop,
                drop_reply_rate: drop,
                duplicate_rate: dup,
                envelopes,
            };
            Start::Config(SimConfig { acceptors, proposers, seed, net, driver, ..SimConfig::default() })
        }
        1 => {
            let mut o = FuzzOptions::new(r.small("the seed", MAX_SAFE_INTEGER)?);
            o.acceptors = match r.small("acceptors", MAX_ACCEPTORS as u64 + 1)? {
                0 => None,
                n => Some(n as usize - 1),
            };
            o.proposers = match r.small("proposers", MAX_PROPOSERS as u64 + 1)? {
                0 => None,
                n => Some(n as usize - 1),
            };
            let flags = r.byte()?;
            o.driver.one_rtt = flags & 1 != 0;
            o.wipes = flags & 2 != 0;
            o.ops_per_client = r.small("operations per client", MAX_OPS_PER_CLIENT as u64)? as usize;
            o.driver = r.breaks()?.onto(o.driver);
            Start::Fuzz(o)
        }
        k => return Err(malformed(&format!("unknown start kind {k}"))),
    };
    let n_keys = r.small("the number of keys", MAX_ACTIONS as u64)? as usize;
    let mut keys = Vec::with_capacity(n_keys.min(1024));
    for _ in 0..n_keys {
        keys.push(r.text(MAX_KEY_BYTES)?);
    }
    let n = r.small("the number of actions", MAX_ACTIONS as u64)? as usize;
    let mut actions = Vec::with_capacity(n.min(4096));
    let (mut steps, mut at) = (0u64, 0u64);
    for _ in 0..n {
        let events = r.varint()?;
        (steps, at) = r.point_after(steps, events, at)?;
        let tag = r.byte()?;
        let action = match Tag::of(tag).ok_or_else(|| malformed(&format!("unknown action {tag}")))? {
            Tag::Invoke => {
                let proposer = r.byte()?;
                let key =
                    keys.get(r.varint()? as usize).ok_or_else(|| malformed("a key index is out of range"))?.clone();
                let op = OpKind::of_link_code(r.byte()?).ok_or_else(|| malformed("unknown operation"))?;
                let input = match op {
                    OpKind::Put => r.json()?,
                    OpKind::Write => {
                        let expected = r.varint()?;
                        object! { "expectedVersion": expected, "value": r.json()? }
                    }
                    OpKind::AcquireLock | OpKind::AcquireLease => {
                        let owner = r.text(MAX_OWNER_BYTES)?;
                        let ttl = r.varint()?;
                        object! { "owner": owner, "ttl": ttl.checked_sub(1) }
                    }
                    OpKind::ReleaseLock => object! { "owner": r.text(MAX_OWNER_BYTES)? },
                    _ => Json::Null,
                };
                UserAction::Invoke { proposer, key, name: op.name().to_owned(), input }
            }
            Tag::Crash => UserAction::Crash(r.node()?),
            Tag::Restart => UserAction::Restart(r.node()?),
            Tag::Wipe => UserAction::Wipe(r.byte()?),
            Tag::Partition => {
                let groups = r.small("partition groups", 24)?;
                let mut out = Vec::new();
                for _ in 0..groups {
                    let len = r.small("a partition group", 24)?;
                    out.push((0..len).map(|_| r.node()).collect::<Result<Vec<_>, _>>()?);
                }
                UserAction::Partition(out)
            }
            Tag::Heal => UserAction::Heal,
            Tag::DropRate => UserAction::DropRate(r.rate()?),
            Tag::DuplicateRate => UserAction::DuplicateRate(r.rate()?),
            Tag::Latency => {
                let (min, max) = r.latency()?;
                UserAction::Latency(min, max)
            }
            Tag::Break => UserAction::Break(r.breaks()?),
            Tag::Delivery => match r.byte()? {
                0 => UserAction::Delivery(Delivery::Auto),
                1 => UserAction::Delivery(Delivery::Manual),
                m => return Err(malformed(&format!("unknown delivery mode {m}"))),
            },
            Tag::Deliver => UserAction::Deliver(r.message_id()?),
            Tag::DropMessage => UserAction::DropMessage(r.message_id()?),
            Tag::Workers => UserAction::Workers(WorkersPlan {
                workers: r.small("workers", MAX_WORKERS as u64)? as usize,
                increments: r.small("increments", MAX_INCREMENTS_PER_WORKER as u64)? as usize,
                key: r.text(MAX_KEY_BYTES)?,
            }),
            Tag::Gc => {
                let proposer = r.byte()?;
                let key = match r.varint()? {
                    0 => None,
                    i => {
                        Some(keys.get(i as usize - 1).ok_or_else(|| malformed("a key index is out of range"))?.clone())
                    }
                };
                UserAction::Gc { proposer, key }
            }
            Tag::GcDelay => UserAction::GcDelay(r.small("gcDelay", MAX_LATENCY_MS + 1)?.checked_sub(1)),
            Tag::AddAcceptor => UserAction::AddAcceptor,
            Tag::RemoveAcceptor => UserAction::RemoveAcceptor(r.byte()?),
            Tag::AddProposer => UserAction::AddProposer,
            Tag::RemoveProposer => UserAction::RemoveProposer(r.byte()?),
        };
        actions.push(Recorded { steps, at_ms: at, action });
    }
    // The end (format 2): see `encode_link`.
    let end = match version {
        1 => None,
        _ => match r.varint()? {
            0 => None,
            after => {
                let (steps, at_ms) = r.point_after(steps, after - 1, at)?;
                Some(Point { steps, at_ms })
            }
        },
    };
    if r.at != data.len() {
        return Err(malformed("there is data after the last action"));
    }
    let session = Session { start, actions, end };
    session.check().map_err(|e| LinkError::Malformed(e.message))?;
    Ok(session)
}

// ---- base64url ----

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn base64url_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

#[cfg(test)]
fn base64url_decode(text: &str) -> Result<Vec<u8>, LinkError> {
    match base64url_bytes(text)? {
        (out, true) => Ok(out),
        (_, false) => Err(LinkError::Damaged),
    }
}

/// The bytes of `text`, and whether the bits after the last byte are 0 (as in every link made:
/// other values are a changed last character, that would still read as the same link).
fn base64url_bytes(text: &str) -> Result<(Vec<u8>, bool), LinkError> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for c in text.bytes() {
        let v = ALPHABET.iter().position(|a| *a == c).ok_or_else(|| {
            malformed(&format!("{} is not a link character", crate::limits::quoted(&(c as char).to_string())))
        })?;
        acc = acc << 6 | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    if bits >= 6 {
        return Err(LinkError::Truncated);
    }
    Ok((out, acc & ((1 << bits) - 1) == 0))
}

#[cfg(test)]
#[path = "link_tests.rs"]
mod tests;

/// The link's bytes, for tests that corrupt one.
#[cfg(test)]
pub(super) mod tests_support {
    /// The bytes of a link of the current format, without its checksum.
    pub fn decode_bytes(link: &str) -> Vec<u8> {
        let mut bytes = super::base64url_decode(link).expect("a link made by encode_link");
        bytes.truncate(bytes.len() - super::CHECKSUM_BYTES);
        bytes
    }
    /// A link of `bytes` (as [`decode_bytes`] gives them), with their checksum: what a link
    /// changed on purpose looks like, so the checks after the checksum are reached.
    pub fn encode_bytes(bytes: &[u8]) -> String {
        let mut sealed = bytes.to_vec();
        sealed.extend_from_slice(&super::crc32(bytes).to_le_bytes());
        super::base64url_encode(&sealed)
    }
}
