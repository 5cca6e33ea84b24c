//! Sorting with few copies of the standard library's sort code.
//!
//! Every element type a slice is sorted by is one more copy of the standard sort (2 to 3.5 KB of
//! wasm code each, more for a stable sort). So the crate sorts long slices of only two plain types,
//! `(u64, usize)` (a position and an index) and, through [`sorted_by_unique_key`], `(&str, usize)`
//! for anything listed by key, with its own [`merge_sort`] (a few hundred bytes per type); short
//! slices (a quorum, an operation's evaluation times, the checker's open calls) with
//! [`sort_short`], a few dozen bytes per type.

/// `items` ordered by `key(item)`, which is unique among them (every caller lists a map's keys).
pub fn sorted_by_unique_key<T>(items: Vec<T>, key: impl Fn(&T) -> &str) -> Vec<T> {
    let count = items.len();
    let sorted = sorted_and_deduplicated_by_key(items, key);
    debug_assert!(sorted.len() == count, "sorted_by_unique_key: a key repeats");
    sorted
}

/// `items` ordered by `key(item)`, keeping the first item of each key.
pub fn sorted_and_deduplicated_by_key<T>(items: Vec<T>, key: impl Fn(&T) -> &str) -> Vec<T> {
    let mut order: Vec<(&str, usize)> = items.iter().enumerate().map(|(i, item)| (key(item), i)).collect();
    merge_sort(&mut order);
    order.dedup_by_key(|(k, _)| *k);
    let positions: Vec<usize> = order.into_iter().map(|(_, i)| i).collect();
    let mut slots: Vec<Option<T>> = items.into_iter().map(Some).collect();
    positions.into_iter().map(|i| slots[i].take().expect("each position once")).collect()
}

/// Sorts a short slice (tens of items, where an insertion sort is as fast as any): the standard
/// sort would be one more 2.5 KB copy of its code per element type (README, "wasm size").
pub fn sort_short<T: Ord + Copy>(v: &mut [T]) {
    for i in 1..v.len() {
        let item = v[i];
        let mut j = i;
        while j > 0 && v[j - 1] > item {
            v[j] = v[j - 1];
            j -= 1;
        }
        v[j] = item;
    }
}

/// Sorts `v`: runs of [`MERGE_RUN`] sorted by [`sort_short`], then merged pairwise through one
/// buffer, `log2(len / MERGE_RUN)` passes. Stable; every caller's items are distinct anyway (a
/// pair ends with its index), so any sort gives the same order.
pub fn merge_sort<T: Ord + Copy>(v: &mut [T]) {
    for run in v.chunks_mut(MERGE_RUN) {
        sort_short(run);
    }
    if v.len() <= MERGE_RUN {
        return;
    }
    let mut buffer = v.to_vec();
    let mut sorted_in_v = true;
    let mut width = MERGE_RUN;
    while width < v.len() {
        if sorted_in_v {
            merge_pass(v, &mut buffer, width);
        } else {
            merge_pass(&buffer, v, width);
        }
        sorted_in_v = !sorted_in_v;
        width *= 2;
    }
    if !sorted_in_v {
        v.copy_from_slice(&buffer);
    }
}

/// Items [`merge_sort`] sorts by insertion before merging.
const MERGE_RUN: usize = 16;

/// Merges each two neighbouring sorted runs of `width` items of `from` into `to`.
fn merge_pass<T: Ord + Copy>(from: &[T], to: &mut [T], width: usize) {
    let mut start = 0;
    while start < from.len() {
        let middle = (start + width).min(from.len());
        let end = (start + 2 * width).min(from.len());
        let (mut left, mut right) = (start, middle);
        for slot in &mut to[start..end] {
            if right == end || (left < middle && from[left] <= from[right]) {
                *slot = from[left];
                left += 1;
            } else {
                *slot = from[right];
                right += 1;
            }
        }
        start = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against the standard sort (proptest is a native dev-dependency: not in the wasm tests).
    #[cfg(not(target_arch = "wasm32"))]
    mod against_the_standard_sort {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig {
                failure_persistence: None,
                rng_seed: proptest::test_runner::RngSeed::Fixed(crate::PROPTEST_SEED),
                ..ProptestConfig::default()
            })]
            #[test]
            fn sort_short_agrees_with_the_standard_sort(mut v in proptest::collection::vec(0u64..20, 0..40)) {
                let mut expected = v.clone();
                expected.sort_unstable();
                sort_short(&mut v);
                prop_assert_eq!(v, expected);
            }

            #[test]
            fn merge_sort_agrees_with_the_standard_sort(
                mut v in proptest::collection::vec((0u64..50, 0usize..3), 0..300),
                presorted in proptest::bool::ANY,
            ) {
                if presorted {
                    v.sort_unstable(); // sorted input, then a few items moved: the page's usual case
                    let len = v.len();
                    if len > 2 { v.swap(0, len / 2); }
                }
                let mut expected = v.clone();
                expected.sort_unstable();
                merge_sort(&mut v);
                prop_assert_eq!(v, expected);
            }
        }
    }

    #[test]
    fn merge_sort_sorts_each_length_around_its_runs() {
        for len in [0, 1, 15, 16, 17, 31, 32, 33, 64, 65, 1000] {
            let mut v: Vec<u64> = (0..len).map(|i| (i * 7919 % 101) as u64).rev().collect();
            let mut expected = v.clone();
            expected.sort_unstable();
            merge_sort(&mut v);
            assert_eq!(v, expected, "length {len}");
        }
    }

    #[test]
    fn sort_short_orders_repeats_and_reversed_input() {
        let mut v = [5u8, 3, 9, 3, 1, 0];
        sort_short(&mut v);
        assert_eq!(v, [0, 1, 3, 3, 5, 9]);
        let mut empty: [u64; 0] = [];
        sort_short(&mut empty);
    }

    #[test]
    fn orders_by_key_and_keeps_every_item() {
        let items = vec![("b", 2), ("c", 3), ("a", 1)];
        assert_eq!(sorted_by_unique_key(items, |t| t.0), vec![("a", 1), ("b", 2), ("c", 3)]);
        assert_eq!(sorted_by_unique_key(Vec::<(&str, i32)>::new(), |t| t.0), vec![]);
    }

    #[test]
    fn deduplicating_keeps_the_first_item_of_each_key() {
        let items = vec![("b", 1), ("a", 2), ("b", 3), ("a", 4), ("c", 5)];
        assert_eq!(sorted_and_deduplicated_by_key(items, |t| t.0), vec![("a", 2), ("b", 1), ("c", 5)]);
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "a key repeats")]
    fn a_repeated_key_is_caught() {
        sorted_by_unique_key(vec![("a", 1), ("a", 2)], |t| t.0);
    }
}
