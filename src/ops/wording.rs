//! Counts in messages people read: "1 attempt", "2 attempts".

/// `n` and `noun`, plural unless `n` is 1 (`noun` takes an `s`).
pub fn counted(n: u32, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_is_singular_everything_else_plural() {
        assert_eq!(super::counted(1, "attempt"), "1 attempt");
        assert_eq!(super::counted(0, "attempt"), "0 attempts");
        assert_eq!(super::counted(7, "attempt"), "7 attempts");
    }
}
