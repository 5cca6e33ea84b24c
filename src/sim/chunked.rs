//! An append-only list stored in fixed-size chunks: a full chunk is frozen behind an `Rc` and
//! shared by every copy of the list, so copying a long list (a simulation checkpoint) costs one
//! pointer per chunk plus the open tail, and memory is allocated and freed a chunk at a time.

use std::ops::Index;
use std::rc::Rc;

/// Items per chunk.
const CHUNK: usize = 4096;

#[derive(Clone, Debug)]
pub struct Chunked<T> {
    /// Full chunks, `CHUNK` items each, never changed again.
    full: Vec<Rc<[T]>>,
    /// The open chunk: fewer than `CHUNK` items.
    tail: Vec<T>,
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Chunked { full: Vec::new(), tail: Vec::new() }
    }
}

impl<T> Chunked<T> {
    pub fn push(&mut self, item: T) {
        if self.tail.capacity() == 0 {
            self.tail.reserve_exact(CHUNK);
        }
        self.tail.push(item);
        if self.tail.len() == CHUNK {
            let frozen: Rc<[T]> = std::mem::take(&mut self.tail).into();
            self.full.push(frozen);
        }
    }

    pub fn len(&self) -> usize {
        self.full.len() * CHUNK + self.tail.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, index: usize) -> Option<&T> {
        match self.full.get(index / CHUNK) {
            Some(chunk) => chunk.get(index % CHUNK),
            None if index / CHUNK == self.full.len() => self.tail.get(index % CHUNK),
            None => None,
        }
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + '_ {
        self.full.iter().flat_map(|c| c.iter()).chain(self.tail.iter())
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
}
