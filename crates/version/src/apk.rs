//! Alpine's version order, as apk-tools 3 implements it (Wolfi and Chainguard use the same).
//!
//! A version is `digits{.digits}[letter]{_suffix[digits]}[~hash][-rdigits]`. Suffixes
//! `alpha`, `beta`, `pre`, `rc` sort before the bare version; `cvs`, `svn`, `git`, `hg`, `p`
//! after it. Versions compare token by token; a dotted number with a leading zero (`.001`)
//! compares as a string, as Gentoo does. When one version runs out, the other is newer unless
//! its next token is a pre-release suffix.
//!
//! apk compares malformed versions too (token by token up to the first bad one), and so does
//! [`Apk::compare`]; [`Apk::parse_check`] is apk's own validity check. Numbers of any length
//! compare by value (apk itself reads them into 64 bits).

use std::cmp::Ordering;

use crate::digits::{cmp_digits, digit_run};
use crate::{VersionError, VersionScheme};

/// The apk scheme.
#[derive(Debug, Clone, Copy, Default)]
pub struct Apk;

const NAME: &str = "apk";

/// Token kinds in the order apk declares them: the order matters when one version has run
/// out of matching tokens (a later kind is "less version").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    InitialDigit,
    Digit,
    Letter,
    Suffix,
    SuffixNo,
    CommitHash,
    RevisionNo,
    End,
    Invalid,
}

/// Suffix ranks; below `NONE` is a pre-release.
const SUFFIXES: [(&[u8], u8); 9] = [
    (b"alpha", 1),
    (b"beta", 2),
    (b"pre", 3),
    (b"rc", 4),
    (b"cvs", 6),
    (b"svn", 7),
    (b"git", 8),
    (b"hg", 9),
    (b"p", 10),
];
const NONE: u8 = 5;

#[derive(Clone, Copy)]
struct Token<'a> {
    kind: Kind,
    value: &'a [u8],
    suffix: u8,
}

/// Walks one version's tokens.
struct Tokens<'a> {
    rest: &'a [u8],
    last: Kind,
}

impl<'a> Tokens<'a> {
    fn new(v: &'a str) -> Self {
        Tokens {
            rest: v.as_bytes(),
            last: Kind::InitialDigit,
        }
    }

    fn first(&mut self) -> Token<'a> {
        let n = digit_run(self.rest);
        if n == 0 {
            return self.invalid();
        }
        self.take(Kind::InitialDigit, 0, n)
    }

    fn invalid(&mut self) -> Token<'a> {
        self.last = Kind::Invalid;
        Token {
            kind: Kind::Invalid,
            value: b"",
            suffix: 0,
        }
    }

    /// A token of `kind` whose value is `rest[skip..skip + len]`.
    fn take(&mut self, kind: Kind, skip: usize, len: usize) -> Token<'a> {
        let value = &self.rest[skip..skip + len];
        self.rest = &self.rest[skip + len..];
        self.last = kind;
        Token {
            kind,
            value,
            suffix: 0,
        }
    }

    fn next(&mut self) -> Token<'a> {
        let prev = self.last;
        let Some(&c) = self.rest.first() else {
            self.last = Kind::End;
            return Token {
                kind: Kind::End,
                value: b"",
                suffix: 0,
            };
        };
        let after = &self.rest[1..];
        match c {
            b'a'..=b'z' if prev <= Kind::Digit => self.take(Kind::Letter, 0, 1),
            b'.' if prev <= Kind::Digit => match digit_run(after) {
                0 => self.invalid(),
                n => self.take(Kind::Digit, 1, n),
            },
            b'_' if prev <= Kind::SuffixNo => {
                let n = after.iter().take_while(|c| c.is_ascii_lowercase()).count();
                let name = &after[..n];
                match SUFFIXES.iter().find(|(s, _)| *s == name) {
                    Some(&(_, rank)) => {
                        let mut t = self.take(Kind::Suffix, 1, n);
                        t.suffix = rank;
                        t
                    }
                    None => self.invalid(),
                }
            }
            b'0'..=b'9' if prev == Kind::Suffix => {
                let n = digit_run(self.rest);
                self.take(Kind::SuffixNo, 0, n)
            }
            b'~' if prev < Kind::CommitHash => {
                let n = after
                    .iter()
                    .take_while(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
                    .count();
                if n == 0 {
                    self.invalid()
                } else {
                    self.take(Kind::CommitHash, 1, n)
                }
            }
            b'-' if prev < Kind::RevisionNo && after.first() == Some(&b'r') => {
                match digit_run(&after[1..]) {
                    0 => self.invalid(),
                    n => self.take(Kind::RevisionNo, 2, n),
                }
            }
            _ => self.invalid(),
        }
    }
}

fn cmp_tokens(a: &Token<'_>, b: &Token<'_>) -> Ordering {
    match a.kind {
        // A leading zero after a dot makes the component a string (1.001 < 1.01 < 1.1).
        Kind::Digit if a.value.first() == Some(&b'0') || b.value.first() == Some(&b'0') => {
            a.value.cmp(b.value)
        }
        Kind::InitialDigit | Kind::Digit | Kind::SuffixNo | Kind::RevisionNo => {
            cmp_digits(a.value, b.value)
        }
        Kind::Suffix => a.suffix.cmp(&b.suffix),
        _ => a.value.cmp(b.value),
    }
}

/// apk's comparison. With `fuzzy`, `b` is a prefix pattern: `3.6.9 ~ 3.6` is equal.
pub fn compare_fuzzy(a: &str, b: &str, fuzzy: bool) -> Ordering {
    let (mut ia, mut ib) = (Tokens::new(a), Tokens::new(b));
    let (mut ta, mut tb) = (ia.first(), ib.first());
    while ta.kind == tb.kind && ta.kind < Kind::End {
        let ord = cmp_tokens(&ta, &tb);
        if ord != Ordering::Equal {
            return ord;
        }
        ta = ia.next();
        tb = ib.next();
    }
    if ta.kind == tb.kind || (fuzzy && tb.kind == Kind::End) {
        return Ordering::Equal;
    }
    // Equal so far: the longer one is newer unless what it has next is a pre-release suffix.
    if ta.kind == Kind::Suffix && ta.suffix < NONE {
        return Ordering::Less;
    }
    if tb.kind == Kind::Suffix && tb.suffix < NONE {
        return Ordering::Greater;
    }
    tb.kind.cmp(&ta.kind)
}

impl VersionScheme for Apk {
    fn name(&self) -> &'static str {
        NAME
    }

    fn compare(&self, a: &str, b: &str) -> Ordering {
        compare_fuzzy(a, b, false)
    }

    fn parse_check(&self, v: &str) -> Result<(), VersionError> {
        let mut tokens = Tokens::new(v);
        let mut t = tokens.first();
        while t.kind < Kind::End {
            t = tokens.next();
        }
        if t.kind == Kind::End {
            Ok(())
        } else {
            Err(VersionError::new(
                NAME,
                v,
                "not digits{.digits}[letter]{_suffix[N]}[~hash][-rN]",
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn tricky_pairs() {
        let cases = [
            ("1.0_rc1", "1.0", Less),
            ("1.0_p1", "1.0", Greater),
            ("1.0_alpha_pre2", "1.0_alpha", Less),
            ("1.0a", "1.0", Greater),
            ("1.0a", "1.0.1", Less),
            ("1.0-r1", "1.0", Greater),
            ("1.0-r1", "1.0.1", Less),
            ("1.001", "1.01", Less),
            ("1.01", "1.1", Less),
            ("8.2.0", "8.2.001", Less),
            ("1.0~abc-r1", "1.0~abd-r0", Less),
            ("1.0~abc", "1.0", Greater),
            ("18446744073709551616", "18446744073709551615", Greater),
            ("1.0bc", "1.0b", Less),
        ];
        for (a, b, want) in cases {
            assert_eq!(Apk.compare(a, b), want, "{a} vs {b}");
            assert_eq!(Apk.compare(b, a), want.reverse(), "{b} vs {a}");
        }
        assert_eq!(compare_fuzzy("3.6.9", "3.6", true), Equal);
        assert_eq!(compare_fuzzy("3.6", "3.6.9", true), Less);
    }

    #[test]
    fn validity() {
        for ok in [
            "1.2",
            "0.1_pre2~1234abcd",
            "0.1_git20240101_pre1",
            "1.0a-r3",
        ] {
            assert!(Apk.parse_check(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "a",
            "1.0bc",
            "0.1a1",
            "0.1_foo",
            "0.1-r",
            "1.0-r1-r2",
            "0.1__alpha",
        ] {
            assert!(Apk.parse_check(bad).is_err(), "{bad}");
        }
    }
}
