//! The fallback order for ecosystems without a scheme of their own, and for versions that a
//! strict scheme cannot parse.
//!
//! An optional `v`/`V` before a digit is dropped. The rest is read as runs of ASCII digits
//! (numbers, compared by value, any length) and runs of letters (words, compared ASCII
//! case-insensitively; bytes above 0x7f count as letters); every other byte only separates
//! runs. Runs compare left to right; a number sorts after a word; a version that has run out
//! compares as if padded with zeros. So `1.0 = 1.0.0 = v1.0`, `1.0rc1 < 1.0 < 1.0.1`,
//! `1.0.a < 1.0 < 1.0-1`, and `1.10 > 1.9`.

use std::cmp::Ordering;

use crate::digits::{cmp_digits, digit_run};
use crate::{VersionError, VersionScheme};

/// The generic scheme.
#[derive(Debug, Clone, Copy, Default)]
pub struct Generic;

const NAME: &str = "generic";

#[derive(Debug, Clone, Copy)]
enum Run<'a> {
    Number(&'a [u8]),
    Word(&'a [u8]),
}

struct Runs<'a> {
    rest: &'a [u8],
}

fn is_letter(c: &u8) -> bool {
    c.is_ascii_alphabetic() || *c >= 0x80
}

impl<'a> Iterator for Runs<'a> {
    type Item = Run<'a>;

    fn next(&mut self) -> Option<Run<'a>> {
        let skip = self
            .rest
            .iter()
            .take_while(|c| !c.is_ascii_digit() && !is_letter(c))
            .count();
        self.rest = &self.rest[skip..];
        let first = self.rest.first()?;
        let (n, run) = if first.is_ascii_digit() {
            let n = digit_run(self.rest);
            (n, Run::Number(&self.rest[..n]))
        } else {
            let n = self.rest.iter().take_while(|c| is_letter(c)).count();
            (n, Run::Word(&self.rest[..n]))
        };
        self.rest = &self.rest[n..];
        Some(run)
    }
}

fn runs(v: &str) -> Runs<'_> {
    let b = v.as_bytes();
    let b = match b {
        [b'v' | b'V', d, ..] if d.is_ascii_digit() => &b[1..],
        _ => b,
    };
    Runs { rest: b }
}

/// The generic order; see the module docs.
pub fn compare(a: &str, b: &str) -> Ordering {
    let (mut ra, mut rb) = (runs(a), runs(b));
    loop {
        let ord = match (ra.next(), rb.next()) {
            (None, None) => return Ordering::Equal,
            (Some(x), None) => cmp_runs(x, Run::Number(b"")),
            (None, Some(y)) => cmp_runs(Run::Number(b""), y),
            (Some(x), Some(y)) => cmp_runs(x, y),
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
}

fn cmp_runs(a: Run<'_>, b: Run<'_>) -> Ordering {
    match (a, b) {
        (Run::Number(x), Run::Number(y)) => cmp_digits(x, y),
        (Run::Number(_), Run::Word(_)) => Ordering::Greater,
        (Run::Word(_), Run::Number(_)) => Ordering::Less,
        (Run::Word(x), Run::Word(y)) => x
            .iter()
            .map(u8::to_ascii_lowercase)
            .cmp(y.iter().map(u8::to_ascii_lowercase)),
    }
}

impl VersionScheme for Generic {
    fn name(&self) -> &'static str {
        NAME
    }

    fn compare(&self, a: &str, b: &str) -> Ordering {
        compare(a, b)
    }

    fn parse_check(&self, _v: &str) -> Result<(), VersionError> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn documented_order() {
        let cases = [
            ("1.0", "1.0.0", Equal),
            ("v1.0", "1.0", Equal),
            ("1.0rc1", "1.0", Less),
            ("1.0", "1.0.1", Less),
            ("1.0.a", "1.0", Less),
            ("1.0", "1.0-1", Less),
            ("1.10", "1.9", Greater),
            ("1.0.0.1", "1.0.0", Greater),
            ("1.0-ALPHA", "1.0-alpha", Equal),
            ("1.0.a10", "1.0.a9", Greater),
            ("", "0", Equal),
            ("1.0~beta", "1.0", Less),
            (
                "123456789012345678901234567890",
                "123456789012345678901234567891",
                Less,
            ),
        ];
        for (a, b, want) in cases {
            assert_eq!(compare(a, b), want, "{a} vs {b}");
            assert_eq!(compare(b, a), want.reverse(), "{b} vs {a}");
        }
    }
}
