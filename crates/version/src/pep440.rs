//! PEP 440 order (PyPI), as Python's `packaging.version.Version` implements it.
//!
//! `[v][N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]`, case-insensitive, with the spellings
//! `packaging` normalises: `alpha`, `beta`, `c`, `pre`, `preview`; `rev`, `r`, `-N` for post;
//! optional `.`, `-`, `_` separators and implicit zero numbers (`1.0a` is `1.0a0`).
//!
//! Order: epoch; release with trailing zeros dropped; then `X.devN < X.aN < X.bN < X.rcN < X <
//! X.postN.devM < X.postN`, where a prerelease's own `.devN` sorts before it; then local
//! versions after the public one, segment by segment, numbers after words. Numbers of any
//! length compare by value. Unparseable versions fall back to the generic order.

use std::cmp::Ordering;

use crate::digits::{cmp_digits, digit_run};
use crate::{VersionError, VersionScheme, generic};

/// The PEP 440 scheme.
#[derive(Debug, Clone, Copy, Default)]
pub struct Pep440;

const NAME: &str = "pep440";

/// Prerelease kinds in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum PreKind {
    Alpha,
    Beta,
    Rc,
}

#[derive(Debug, Clone, Copy, Default)]
struct Version<'a> {
    epoch: &'a [u8],
    /// Dotted digits, e.g. `1.2.0`.
    release: &'a [u8],
    pre: Option<(PreKind, &'a [u8])>,
    post: Option<&'a [u8]>,
    dev: Option<&'a [u8]>,
    /// The text after `+`, separators included.
    local: Option<&'a [u8]>,
}

/// A cursor over the version text.
struct Cursor<'a> {
    s: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn rest(&self) -> &'a [u8] {
        &self.s[self.at..]
    }

    fn sep(&mut self) {
        if matches!(self.rest().first(), Some(b'-' | b'_' | b'.')) {
            self.at += 1;
        }
    }

    fn digits(&mut self) -> &'a [u8] {
        let n = digit_run(self.rest());
        let d = &self.rest()[..n];
        self.at += n;
        d
    }

    /// Consumes the first of `words` (ASCII case-insensitive) that starts the rest.
    fn word<T: Copy>(&mut self, words: &[(&str, T)]) -> Option<T> {
        let rest = self.rest();
        let &(w, value) = words.iter().find(|(w, _)| {
            rest.len() >= w.len() && rest[..w.len()].eq_ignore_ascii_case(w.as_bytes())
        })?;
        self.at += w.len();
        Some(value)
    }
}

// Longer spellings first where one is a prefix of another, as the reference regex does.
const PRE_WORDS: [(&str, PreKind); 8] = [
    ("alpha", PreKind::Alpha),
    ("a", PreKind::Alpha),
    ("beta", PreKind::Beta),
    ("b", PreKind::Beta),
    ("preview", PreKind::Rc),
    ("pre", PreKind::Rc),
    ("c", PreKind::Rc),
    ("rc", PreKind::Rc),
];
const POST_WORDS: [(&str, ()); 3] = [("post", ()), ("rev", ()), ("r", ())];
const DEV_WORDS: [(&str, ()); 1] = [("dev", ())];

/// `[sep] word [sep] [digits]`, or nothing (cursor untouched) when the word is absent.
fn labelled<T: Copy>(c: &mut Cursor<'_>, words: &[(&str, T)]) -> Option<(T, usize, usize)> {
    let start = c.at;
    c.sep();
    let Some(value) = c.word(words) else {
        c.at = start;
        return None;
    };
    // A separator after the word may stand alone (`1.0a.` is valid): once consumed it is
    // never needed by a later part, as every later part that starts with one has its own.
    c.sep();
    let from = c.at;
    let n = c.digits().len();
    Some((value, from, from + n))
}

fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

fn parse(v: &str) -> Result<Version<'_>, &'static str> {
    let v = v.trim_matches(is_python_space).as_bytes();
    let mut c = Cursor { s: v, at: 0 };
    if matches!(c.rest().first(), Some(b'v' | b'V')) {
        c.at += 1;
    }
    let mut out = Version::default();
    // Epoch: digits and `!`, else those digits begin the release.
    let start = c.at;
    let epoch = c.digits();
    if !epoch.is_empty() && c.rest().first() == Some(&b'!') {
        out.epoch = epoch;
        c.at += 1;
    } else {
        c.at = start;
    }
    let release_start = c.at;
    if c.digits().is_empty() {
        return Err("no release number");
    }
    while c.rest().first() == Some(&b'.') && c.rest().get(1).is_some_and(u8::is_ascii_digit) {
        c.at += 1;
        c.digits();
    }
    out.release = &v[release_start..c.at];
    if let Some((kind, from, to)) = labelled(&mut c, &PRE_WORDS) {
        out.pre = Some((kind, &v[from..to]));
    }
    // Post: `-N`, or `[sep] post|rev|r [sep] [N]`.
    if c.rest().first() == Some(&b'-') && c.rest().get(1).is_some_and(u8::is_ascii_digit) {
        c.at += 1;
        out.post = Some(c.digits());
    } else if let Some(((), from, to)) = labelled(&mut c, &POST_WORDS) {
        out.post = Some(&v[from..to]);
    }
    if let Some(((), from, to)) = labelled(&mut c, &DEV_WORDS) {
        out.dev = Some(&v[from..to]);
    }
    if c.rest().first() == Some(&b'+') {
        let local = &c.rest()[1..];
        let well_formed = !local.is_empty()
            && local
                .split(|b| matches!(b, b'-' | b'_' | b'.'))
                .all(|seg| !seg.is_empty() && seg.iter().all(u8::is_ascii_alphanumeric));
        if !well_formed {
            return Err("malformed local version after '+'");
        }
        out.local = Some(local);
        c.at = v.len();
    }
    if c.at != v.len() {
        return Err("not a PEP 440 version");
    }
    Ok(out)
}

/// Release segments compared as if padded with zeros (`1.0 == 1.0.0`).
fn cmp_release(a: &[u8], b: &[u8]) -> Ordering {
    let (mut ia, mut ib) = (a.split(|&c| c == b'.'), b.split(|&c| c == b'.'));
    loop {
        match (ia.next(), ib.next()) {
            (None, None) => return Ordering::Equal,
            (x, y) => {
                let ord = cmp_digits(x.unwrap_or_default(), y.unwrap_or_default());
                if ord != Ordering::Equal {
                    return ord;
                }
            }
        }
    }
}

/// Where a version sits around its release: `packaging`'s `_cmpkey` for pre, post and dev.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum PreKey<'a> {
    /// `X.devN` with no pre or post: before every prerelease of X.
    DevOnly,
    Pre(PreKind, Num<'a>),
    /// No prerelease.
    Release,
}

/// A digit run ordered by value.
#[derive(Debug, PartialEq, Eq)]
struct Num<'a>(&'a [u8]);

impl PartialOrd for Num<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Num<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_digits(self.0, other.0)
    }
}

fn pre_key<'a>(v: &Version<'a>) -> PreKey<'a> {
    match v.pre {
        Some((kind, n)) => PreKey::Pre(kind, Num(n)),
        None if v.post.is_none() && v.dev.is_some() => PreKey::DevOnly,
        None => PreKey::Release,
    }
}

/// Each local segment and whether it is a number.
fn local_segments(s: &[u8]) -> impl Iterator<Item = (bool, &[u8])> {
    s.split(|c| matches!(c, b'-' | b'_' | b'.'))
        .map(|seg| (seg.iter().all(u8::is_ascii_digit), seg))
}

/// Local segments: numbers after words, words case-insensitively, fewer segments first.
fn cmp_local(a: Option<&[u8]>, b: Option<&[u8]>) -> Ordering {
    let (a, b) = match (a, b) {
        (None, None) => return Ordering::Equal,
        (None, Some(_)) => return Ordering::Less,
        (Some(_), None) => return Ordering::Greater,
        (Some(a), Some(b)) => (a, b),
    };
    let (mut ia, mut ib) = (local_segments(a), local_segments(b));
    loop {
        let ord = match (ia.next(), ib.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (Some((true, x)), Some((true, y))) => cmp_digits(x, y),
            (Some((true, _)), Some((false, _))) => Ordering::Greater,
            (Some((false, _)), Some((true, _))) => Ordering::Less,
            (Some((false, x)), Some((false, y))) => x
                .iter()
                .map(u8::to_ascii_lowercase)
                .cmp(y.iter().map(u8::to_ascii_lowercase)),
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
}

fn cmp_versions(a: &Version<'_>, b: &Version<'_>) -> Ordering {
    cmp_digits(a.epoch, b.epoch)
        .then_with(|| cmp_release(a.release, b.release))
        .then_with(|| pre_key(a).cmp(&pre_key(b)))
        // No post sorts before any post; no dev after any dev.
        .then_with(|| a.post.map(Num).cmp(&b.post.map(Num)))
        .then_with(|| match (a.dev, b.dev) {
            (Some(x), Some(y)) => cmp_digits(x, y),
            (x, y) => x.is_none().cmp(&y.is_none()),
        })
        .then_with(|| cmp_local(a.local, b.local))
}

impl VersionScheme for Pep440 {
    fn name(&self) -> &'static str {
        NAME
    }

    fn compare(&self, a: &str, b: &str) -> Ordering {
        match (parse(a), parse(b)) {
            (Ok(pa), Ok(pb)) => cmp_versions(&pa, &pb),
            _ => generic::compare(a, b),
        }
    }

    fn parse_check(&self, v: &str) -> Result<(), VersionError> {
        parse(v)
            .map(|_| ())
            .map_err(|problem| VersionError::new(NAME, v, problem))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn documented_order() {
        // The order PEP 440 itself gives for one release's variants.
        let chain = [
            "1.0.dev456",
            "1.0a1",
            "1.0a2.dev456",
            "1.0a12.dev456",
            "1.0a12",
            "1.0b1.dev456",
            "1.0b2",
            "1.0b2.post345.dev456",
            "1.0b2.post345",
            "1.0rc1.dev456",
            "1.0rc1",
            "1.0",
            "1.0+abc.5",
            "1.0+abc.7",
            "1.0+5",
            "1.0.post456.dev34",
            "1.0.post456",
            "1.0.15",
            "1.1.dev1",
        ];
        for w in chain.windows(2) {
            assert_eq!(Pep440.compare(w[0], w[1]), Less, "{} vs {}", w[0], w[1]);
            assert_eq!(Pep440.compare(w[1], w[0]), Greater, "{} vs {}", w[1], w[0]);
        }
    }

    #[test]
    fn spellings_normalise() {
        let same = [
            ("1.0ALPHA1", "1.0a1"),
            ("1.0-preview_2", "1.0rc2"),
            ("1.0c1", "1.0rc1"),
            ("1.0-1", "1.0.post1"),
            ("1.0.rev", "1.0.post0"),
            ("1.0a", "1.0a0"),
            ("1.0a.", "1.0a0"),
            ("v1.0", "1.0.0"),
            ("0!1.0", "1.0"),
            ("  1.0\n", "1.0"),
            ("1.0+ABC", "1.0+abc"),
            ("1.0+1_2-3", "1.0+1.2.3"),
            ("1.0.dev", "1.0.dev0"),
            ("1.01", "1.1"),
        ];
        for (a, b) in same {
            assert_eq!(Pep440.compare(a, b), Equal, "{a} vs {b}");
            assert!(Pep440.parse_check(a).is_ok(), "{a}");
        }
        assert_eq!(Pep440.compare("1!0.1", "2.0"), Greater);
        assert_eq!(
            Pep440.compare("1.0.99999999999999999999", "1.0.100000000000000000000"),
            Less
        );
    }

    #[test]
    fn grammar() {
        for bad in [
            "",
            "1.0.",
            "1.0-",
            "1.0+",
            "1.0+a..b",
            "1.0a1b1",
            "1.0.post1.post2",
            "x1",
            "1.0foo",
        ] {
            assert!(Pep440.parse_check(bad).is_err(), "{bad:?}");
        }
    }
}
