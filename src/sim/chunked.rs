//! An append-only list stored in fixed-size chunks: a full chunk is frozen behind an `Rc` and
//! shared by every copy of the list, so copying a long list (a simulation checkpoint) costs one
//! pointer per chunk plus the open tail, and memory is allocated and freed a chunk at a time.
//! The oldest chunks can be let go ([`Chunked::forget_before`]): indices stay those of the whole
//! list, and the items forgotten read as absent.

use std::ops::Index;
use std::rc::Rc;

/// Items per chunk.
pub const CHUNK: usize = 4096;

#[derive(Clone, Debug)]
pub struct Chunked<T> {
    /// Full chunks forgotten at the front.
    forgotten: usize,
    /// Full chunks, `CHUNK` items each, never changed again. An `Rc<Vec<T>>`, not an `Rc<[T]>`:
    /// freezing the open chunk then moves its buffer instead of copying every item into a new
    /// allocation (issue 9's runtime: the copy was 5 % of the workload of record's instructions).
    full: Vec<Rc<Vec<T>>>,
    /// The open chunk: fewer than `CHUNK` items.
    tail: Vec<T>,
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Chunked { forgotten: 0, full: Vec::new(), tail: Vec::new() }
    }
}

impl<T> Chunked<T> {
    /// Inlined natively (the event log's every event goes through it); the rare steps are calls.
    #[cfg_attr(not(target_arch = "wasm32"), inline)]
    pub fn push(&mut self, item: T) {
        if self.tail.len() == self.tail.capacity() {
            self.make_room();
        }
        self.tail.push(item);
        if self.tail.len() == CHUNK {
            self.freeze_tail();
        }
    }

    /// Room for a whole chunk at once (a copy's tail may hold only what it has: see `shrink_tail`).
    #[cfg_attr(not(target_arch = "wasm32"), cold, inline(never))]
    fn make_room(&mut self) {
        self.tail.reserve_exact(CHUNK - self.tail.len());
    }

    /// The open chunk is full: it is frozen, shared by every copy from now on.
    #[cfg_attr(not(target_arch = "wasm32"), cold, inline(never))]
    fn freeze_tail(&mut self) {
        self.full.push(Rc::new(std::mem::take(&mut self.tail)));
    }

    /// Items ever pushed (forgotten ones included).
    pub fn len(&self) -> usize {
        (self.forgotten + self.full.len()) * CHUNK + self.tail.len()
    }

    /// The index of the first item still held.
    pub fn first_held(&self) -> usize {
        self.forgotten * CHUNK
    }

    /// Items still held.
    pub fn held(&self) -> usize {
        self.len() - self.first_held()
    }

    /// Lets go of the full chunks that end at or before `index` (a chunk at a time, so fewer
    /// items may go); the items they held read as absent from then on.
    pub fn forget_before(&mut self, index: usize) {
        let chunks = (index / CHUNK).saturating_sub(self.forgotten).min(self.full.len());
        self.full.drain(..chunks);
        self.forgotten += chunks;
    }

    /// Shares `other`'s full chunks that this list has forgotten and `other` holds, as long as
    /// they reach this list's first held item (`other`: the same list, further on).
    pub fn share_front_from(&mut self, other: &Chunked<T>) {
        let (first, end) = (other.forgotten, other.forgotten + other.full.len());
        if first >= self.forgotten || end < self.forgotten {
            return;
        }
        let shared = other.full[..self.forgotten - first].iter().cloned();
        self.full.splice(0..0, shared);
        self.forgotten = first;
    }

    /// Frees the open chunk's room for items not pushed yet (a copy that is kept, not pushed to:
    /// a checkpoint's log, which would otherwise hold a whole chunk's room).
    pub fn shrink_tail(&mut self) {
        self.tail.shrink_to_fit();
    }

    /// An empty list that continues at index `len` (a list whose first `len` items are
    /// forgotten): `len` must be a multiple of [`CHUNK`].
    pub fn starting_at(len: usize) -> Self {
        assert_eq!(len % CHUNK, 0, "a list starts at a chunk boundary");
        Chunked { forgotten: len / CHUNK, ..Chunked::default() }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, index: usize) -> Option<&T> {
        let chunk = (index / CHUNK).checked_sub(self.forgotten)?;
        match self.full.get(chunk) {
            Some(chunk) => chunk.get(index % CHUNK),
            None if chunk == self.full.len() => self.tail.get(index % CHUNK),
            None => None,
        }
    }

    /// The latest full chunk's items (none if no chunk is full or held).
    pub fn last_full(&self) -> &[T] {
        self.full.last().map_or(&[], |c| c)
    }

    /// The last item pushed, while its chunk is open (negative controls alter it).
    #[cfg(test)]
    pub fn last_open_mut(&mut self) -> Option<&mut T> {
        self.tail.last_mut()
    }

    /// The items still held, in order (from [`Chunked::first_held`]).
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + '_ {
        self.full.iter().flat_map(|c| c.iter()).chain(self.tail.iter())
    }

    /// The items held from `index` on, in order.
    /// Starts at `index`'s chunk (skipping at most a chunk's items, not the whole list's).
    pub fn iter_from(&self, index: usize) -> impl Iterator<Item = &T> + '_ {
        let start = index.max(self.first_held());
        let full = self.full.get(start / CHUNK - self.forgotten..).unwrap_or(&[]);
        let items = full.iter().flat_map(|c| c.iter()).chain(self.tail.iter());
        items.skip(start % CHUNK).take(self.len().saturating_sub(start))
    }
}

impl<T> Index<usize> for Chunked<T> {
    type Output = T;

    fn index(&self, index: usize) -> &T {
        let len = self.len();
        self.get(index).unwrap_or_else(|| panic!("index {index} out of a list of {len}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_across_chunks_and_copies_share_full_chunks() {
        let mut list = Chunked::default();
        for i in 0..2 * CHUNK + 5 {
            list.push(i);
        }
        assert_eq!(list.len(), 2 * CHUNK + 5);
        assert_eq!((list[0], list[CHUNK - 1], list[CHUNK], list[2 * CHUNK + 4]), (0, CHUNK - 1, CHUNK, 2 * CHUNK + 4));
        assert_eq!(list.get(2 * CHUNK + 5), None);
        assert!(list.iter().copied().eq(0..2 * CHUNK + 5));
        let mut copy = list.clone();
        assert!(Rc::ptr_eq(&copy.full[1], &list.full[1]), "a copy shares the full chunks");
        copy.push(7);
        assert_eq!((copy.len(), list.len()), (2 * CHUNK + 6, 2 * CHUNK + 5), "and then goes its own way");
    }

    #[test]
    fn reading_from_any_index_reads_the_items_held_from_there() {
        let mut list = Chunked::default();
        for i in 0..3 * CHUNK + 5 {
            list.push(i);
        }
        list.forget_before(CHUNK);
        for from in (0..4 * CHUNK).step_by(97).chain([CHUNK - 1, CHUNK, 2 * CHUNK, 3 * CHUNK + 4, 3 * CHUNK + 5]) {
            let want = from.max(CHUNK)..3 * CHUNK + 5;
            assert!(list.iter_from(from).copied().eq(want), "from {from}");
        }
    }

    #[test]
    fn forgetting_the_oldest_chunks_keeps_indices_and_frees_them() {
        let mut list = Chunked::default();
        for i in 0..3 * CHUNK + 2 {
            list.push(i);
        }
        let copy = list.clone();
        list.forget_before(2 * CHUNK - 1); // only whole chunks go: the first one
        assert_eq!((list.len(), list.first_held(), list.held()), (3 * CHUNK + 2, CHUNK, 2 * CHUNK + 2));
        assert_eq!((list.get(CHUNK - 1), list.get(CHUNK), list[3 * CHUNK + 1]), (None, Some(&CHUNK), 3 * CHUNK + 1));
        assert!(list.iter_from(0).copied().eq(CHUNK..3 * CHUNK + 2));
        assert!(list.iter_from(2 * CHUNK + 7).copied().eq(2 * CHUNK + 7..3 * CHUNK + 2));
        assert_eq!(Rc::strong_count(&copy.full[0]), 1, "the forgotten chunk is the copy's alone now");
        list.forget_before(usize::MAX);
        assert_eq!((list.first_held(), list.held(), list.get(3 * CHUNK)), (3 * CHUNK, 2, Some(&(3 * CHUNK))));
        list.push(0);
        let mut later = Chunked::starting_at(list.first_held());
        later.push(9);
        assert_eq!((later.len(), later.get(3 * CHUNK), later.get(0)), (3 * CHUNK + 1, Some(&9), None));
        later.share_front_from(&copy);
        assert_eq!((later.first_held(), later[5], later[3 * CHUNK]), (0, 5, 9), "the copy's chunks, shared");
        assert!(Rc::ptr_eq(&later.full[2], &copy.full[2]));
        let mut gap = Chunked::starting_at(8 * CHUNK);
        gap.share_front_from(&copy);
        assert_eq!(gap.first_held(), 8 * CHUNK, "chunks that do not reach it are not taken");
    }
}
