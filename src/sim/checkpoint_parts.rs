//! What a checkpoint holds, part by part, by an allocator's count (issue 9: finding what
//! [`Checkpoint::bytes`] does not count). Measurement only: `tests/checkpoint_bytes.rs` and the
//! seek bench call it with their counting allocator; nothing shipped does.

use super::engine::Core;
use super::world::World;
use super::{Checkpoint, Sim};

/// A part's name and the bytes dropping it freed.
pub type PartBytes = (&'static str, usize);

/// Drops `value`; the bytes that freed by `live` (bytes allocated and not yet freed).
pub fn freed<T>(live: &dyn Fn() -> usize, name: &'static str, value: T) -> PartBytes {
    let before = live();
    drop(value);
    (name, before.saturating_sub(live()))
}

impl Checkpoint {
    /// Drops this copy part by part and returns the bytes each drop freed by `live` (the
    /// caller's counting allocator): what the copy held of its own in each part (a part shared
    /// with a run or copy still alive frees nothing).
    #[doc(hidden)]
    pub fn drop_measured(self, live: &dyn Fn() -> usize) -> Vec<PartBytes> {
        let Checkpoint { core: Core { mut world, runtime, loops }, config, .. } = self;
        let mut out = world_parts(&mut world, live);
        out.push(freed(live, "runtime", runtime));
        out.push(freed(live, "client loops", loops));
        out.push(freed(live, "the rest", (world, config)));
        out
    }
}

/// Drops `world`'s big parts one by one (each left empty): the bytes each drop freed.
fn world_parts(world: &mut World, live: &dyn Fn() -> usize) -> Vec<PartBytes> {
    let mut out = vec![
        freed(live, "trace", std::mem::take(&mut world.trace)),
        freed(live, "event queue", std::mem::take(&mut world.queue)),
        freed(live, "acceptors", std::mem::take(&mut world.acceptors)),
        freed(live, "oracle", world.oracle.take()),
        freed(live, "metrics", std::mem::take(&mut world.metrics)),
    ];
    out.extend(std::mem::take(&mut world.history).drop_measured(live));
    out
}

impl Sim {
    /// Drops this simulation part by part, as [`Checkpoint::drop_measured`] does a copy: the
    /// bytes each part held that nothing dropped before it shared.
    #[doc(hidden)]
    pub fn drop_measured(self, live: &dyn Fn() -> usize) -> Vec<PartBytes> {
        let mut out = world_parts(&mut self.shared.core.borrow_mut().world, live);
        out.push(freed(live, "runtime, loops and the rest", self));
        out
    }
}
