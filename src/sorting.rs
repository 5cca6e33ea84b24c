//! Sorting with few copies of the standard library's sort code.
//!
//! Every element type a slice is sorted by is one more copy of the sort (2 to 3.5 KB of wasm
//! code each, more for a stable sort). So the crate sorts only a few plain types: `u64`,
//! `(u64, usize)` (a position and an index) and, through [`sorted_by_unique_key`], `(&str, usize)`
//! for anything listed by key.

/// `items` ordered by `key(item)`, which is unique among them (every caller lists a map's keys).
pub fn sorted_by_unique_key<T>(items: Vec<T>, key: impl Fn(&T) -> &str) -> Vec<T> {
    let mut order: Vec<(&str, usize)> = items.iter().enumerate().map(|(i, item)| (key(item), i)).collect();
    order.sort_unstable();
    debug_assert!(order.windows(2).all(|w| w[0].0 != w[1].0), "sorted_by_unique_key: a key repeats");
    let positions: Vec<usize> = order.into_iter().map(|(_, i)| i).collect();
    let mut slots: Vec<Option<T>> = items.into_iter().map(Some).collect();
    positions.into_iter().map(|i| slots[i].take().expect("each position once")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orders_by_key_and_keeps_every_item() {
        let items = vec![("b", 2), ("c", 3), ("a", 1)];
        assert_eq!(sorted_by_unique_key(items, |t| t.0), vec![("a", 1), ("b", 2), ("c", 3)]);
        assert_eq!(sorted_by_unique_key(Vec::<(&str, i32)>::new(), |t| t.0), vec![]);
    }

    #[test]
    #[cfg(debug_assertions)]
    #[should_panic(expected = "a key repeats")]
    fn a_repeated_key_is_caught() {
        sorted_by_unique_key(vec![("a", 1), ("a", 2)], |t| t.0);
    }
}
