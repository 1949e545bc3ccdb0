//! Go module versions, as `golang.org/x/mod/semver` orders them, plus Go toolchain versions.
//!
//! Module versions are SemVer with a `v` prefix: `v1.2.3`, `v1.2.3-pre`, and the shorthands
//! `v1` and `v1.2` (meaning `v1.0.0`, `v1.2.0`). Build metadata, which includes
//! `+incompatible`, is ignored for order. Pseudo-versions such as
//! `v0.0.0-20191109021931-daa7c04131f5` are ordinary prereleases, so they order by their
//! prerelease text, which is what Go does too. The `v` is optional here because OSV writes Go
//! versions without it.
//!
//! Toolchain versions as binaries record them (`go1.21.3`, `go1.21rc2`, `go1.9beta1`, `go1`)
//! are read as the SemVer Go's vulnerability database uses for them: `1.21.3`,
//! `1.21.0-rc.2`, `1.9.0-beta.1`, `1.0.0`.

use std::cmp::Ordering;

use crate::digits::digit_run;
use crate::semver::{Core, Parsed, Pre, cmp_parsed, parse};
use crate::{VersionError, VersionScheme, generic};

/// The Go scheme.
#[derive(Debug, Clone, Copy, Default)]
pub struct Go;

const NAME: &str = "go";

fn parse_go(v: &str) -> Result<Parsed<'_>, &'static str> {
    if let Some(toolchain) = v.strip_prefix("go") {
        return parse_toolchain(toolchain.as_bytes());
    }
    let v = v.strip_prefix('v').unwrap_or(v);
    parse(v.as_bytes(), Core::GoShorthand)
}

/// `1`, `1.21`, `1.21.3`, `1.21rc2`, `1.9beta1` (after the `go`).
fn parse_toolchain(v: &[u8]) -> Result<Parsed<'_>, &'static str> {
    const BAD: &str = "not a Go toolchain version (go1.21.3, go1.21rc2)";
    let mut numbers: [&[u8]; 3] = [b"", b"", b""];
    let mut rest = v;
    for (k, slot) in numbers.iter_mut().enumerate() {
        if k > 0 {
            match rest.strip_prefix(b".") {
                Some(r) => rest = r,
                None => break,
            }
        }
        let n = digit_run(rest);
        if n == 0 || (n > 1 && rest[0] == b'0') {
            return Err(BAD);
        }
        *slot = &rest[..n];
        rest = &rest[n..];
    }
    let pre = if rest.is_empty() {
        Pre::Dotted(b"")
    } else {
        let kind_len = if rest.starts_with(b"rc") {
            2
        } else if rest.starts_with(b"beta") {
            4
        } else {
            return Err(BAD);
        };
        let (kind, num) = rest.split_at(kind_len);
        // A prerelease has no patch number (go1.21rc2, never go1.21.0rc2).
        if num.is_empty() || digit_run(num) != num.len() || !numbers[2].is_empty() {
            return Err(BAD);
        }
        Pre::Pair(kind, num)
    };
    let [major, minor, patch] = numbers;
    Ok(Parsed {
        major,
        minor,
        patch,
        pre,
    })
}

impl VersionScheme for Go {
    fn name(&self) -> &'static str {
        NAME
    }

    fn compare(&self, a: &str, b: &str) -> Ordering {
        match (parse_go(a), parse_go(b)) {
            (Ok(pa), Ok(pb)) => cmp_parsed(&pa, &pb),
            _ => generic::compare(a, b),
        }
    }

    fn parse_check(&self, v: &str) -> Result<(), VersionError> {
        parse_go(v)
            .map(|_| ())
            .map_err(|problem| VersionError::new(NAME, v, problem))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ordering::*;

    #[test]
    fn tricky_pairs() {
        let cases = [
            ("v1.2.3", "1.2.3", Equal),
            ("v1", "v1.0.0", Equal),
            ("v1.2", "v1.2.0", Equal),
            ("v2.0.0+incompatible", "v2.0.0", Equal),
            ("v2.0.1+incompatible", "v2.0.0", Greater),
            (
                "v0.0.0-20191109021931-daa7c04131f5",
                "v0.0.0-20200101000000-000000000000",
                Less,
            ),
            ("v0.0.0-20191109021931-daa7c04131f5", "v0.0.1", Less),
            // Pseudo-version based on a prior tag: after that tag, before the next patch.
            ("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.3", Greater),
            ("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4", Less),
            ("v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4-pre", Less),
            (
                "v1.2.3-pre.0.20191109021931-daa7c04131f5",
                "v1.2.3-pre",
                Greater,
            ),
            ("go1.21.3", "1.21.3", Equal),
            ("go1.21rc2", "1.21.0-rc.2", Equal),
            ("go1.21rc2", "go1.21.0", Less),
            ("go1.21", "go1.21.0", Equal),
            ("go1.9beta1", "go1.9rc1", Less),
            ("go1.20.14", "go1.21rc1", Less),
        ];
        for (a, b, want) in cases {
            assert_eq!(Go.compare(a, b), want, "{a} vs {b}");
            assert_eq!(Go.compare(b, a), want.reverse(), "{b} vs {a}");
        }
    }

    #[test]
    fn grammar() {
        for ok in [
            "v1.2.3",
            "1.2.3",
            "v1",
            "v1.2",
            "v0.0.0-20191109021931-daa7c04131f5",
            "v2.3.4+incompatible",
            "go1.22.3",
            "go1.21rc2",
        ] {
            assert!(Go.parse_check(ok).is_ok(), "{ok}");
        }
        for bad in [
            "v1.2-pre",
            "v1.2+meta",
            "v01.2.3",
            "latest",
            "go1.21.0rc1",
            "go1.x",
            "",
        ] {
            assert!(Go.parse_check(bad).is_err(), "{bad}");
        }
    }
}
