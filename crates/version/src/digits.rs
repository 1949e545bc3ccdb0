//! Numeric comparison of ASCII digit runs of any length.
//!
//! Every scheme here compares numbers that may be longer than `u64` (dates, hashes that look
//! like numbers, fuzzers). Comparing the digit strings themselves never overflows and never
//! allocates: after dropping leading zeros, a longer run is a bigger number, and runs of equal
//! length compare byte by byte.

use std::cmp::Ordering;

/// `a` and `b` must be ASCII digits only (possibly empty, which counts as zero).
pub(crate) fn cmp_digits(a: &[u8], b: &[u8]) -> Ordering {
    let a = strip_leading_zeros(a);
    let b = strip_leading_zeros(b);
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

pub(crate) fn strip_leading_zeros(s: &[u8]) -> &[u8] {
    let zeros = s.iter().take_while(|&&c| c == b'0').count();
    &s[zeros..]
}

/// Length of the run of ASCII digits at the start of `s`.
pub(crate) fn digit_run(s: &[u8]) -> usize {
    s.iter().take_while(|c| c.is_ascii_digit()).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_beyond_u64() {
        assert_eq!(
            cmp_digits(b"18446744073709551616", b"18446744073709551615"),
            Ordering::Greater
        );
        assert_eq!(cmp_digits(b"000123", b"123"), Ordering::Equal);
        assert_eq!(cmp_digits(b"", b"0"), Ordering::Equal);
        assert_eq!(cmp_digits(b"99", b"100"), Ordering::Less);
    }
}
