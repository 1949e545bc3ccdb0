//! OSV range semantics: is a version inside an [`Affected`] entry, and which version fixes it.
//!
//! Events of one range are sorted by the ecosystem's order and walked from the bottom:
//! `introduced` opens the range (`"0"` from the very first version), `fixed` closes it at that
//! version, `last_affected` closes it just after, and `limit` caps the whole range. A version
//! is affected when any range of any entry holds it, or when an entry lists it in `versions`.

use std::cmp::Ordering;

use plinth_version::Scheme;
use plinth_vulndb::{Affected, Event, Range, RangeKind};

/// Orders versions for one package: the ecosystem's scheme for `ECOSYSTEM` ranges, SemVer for
/// `SEMVER` ranges (a leading `v` dropped, as Go's module versions carry one).
#[derive(Debug, Clone, Copy)]
pub struct Order {
    pub ecosystem: Scheme,
}

impl Order {
    fn scheme(self, kind: RangeKind) -> Scheme {
        match (kind, self.ecosystem) {
            // Go's own order already is SemVer with its quirks (pseudo-versions, `v`).
            (RangeKind::Semver, Scheme::Go) => Scheme::Go,
            (RangeKind::Semver, _) => Scheme::Semver,
            _ => self.ecosystem,
        }
    }

    fn compare(self, kind: RangeKind, a: &str, b: &str) -> Ordering {
        let scheme = self.scheme(kind);
        if scheme == Scheme::Semver {
            return scheme.compare(strip_v(a), strip_v(b));
        }
        scheme.compare(a, b)
    }
}

fn strip_v(v: &str) -> &str {
    match v.strip_prefix('v') {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => rest,
        _ => v,
    }
}

/// The version an event names, and its rank among events at the same version: an
/// `introduced` and a `fixed` at one version leave it unaffected, so `introduced` goes first.
fn event_version(e: &Event) -> (&str, u8) {
    match e {
        Event::Introduced(v) => (v, 0),
        Event::LastAffected(v) => (v, 1),
        Event::Fixed(v) => (v, 2),
        Event::Limit(v) => (v, 3),
    }
}

fn is_zero(e: &Event) -> bool {
    matches!(e, Event::Introduced(v) if v == "0")
}

/// Whether `version` falls inside one range.
pub fn in_range(order: Order, range: &Range, version: &str) -> bool {
    if range.kind == RangeKind::Git {
        return false;
    }
    let cmp = |a: &str, b: &str| order.compare(range.kind, a, b);
    let mut events: Vec<&Event> = range.events.iter().collect();
    events.sort_by(|a, b| match (is_zero(a), is_zero(b)) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        _ => {
            let (va, ra) = event_version(a);
            let (vb, rb) = event_version(b);
            cmp(va, vb).then(ra.cmp(&rb))
        }
    });
    // A limit is an upper bound for the whole range: at or past it, nothing is affected.
    let limited = events.iter().any(|e| match e {
        Event::Limit(l) => l != "*" && cmp(version, l) != Ordering::Less,
        _ => false,
    });
    if limited {
        return false;
    }
    let mut affected = false;
    for e in events {
        match e {
            Event::Introduced(v) if v == "0" || cmp(version, v) != Ordering::Less => {
                affected = true
            }
            Event::Fixed(v) if cmp(version, v) != Ordering::Less => affected = false,
            Event::LastAffected(v) if cmp(version, v) == Ordering::Greater => affected = false,
            _ => {}
        }
    }
    affected
}

/// Whether `version` is affected by any of `entries` (ranges or explicit versions).
pub fn is_affected(order: Order, entries: &[&Affected], version: &str) -> bool {
    entries.iter().any(|a| {
        a.versions
            .iter()
            .any(|v| v == version || order.ecosystem.compare(v, version) == Ordering::Equal)
            || a.ranges.iter().any(|r| in_range(order, r, version))
    })
}

/// The smallest `fixed` version above `version` that no entry marks affected: upgrading to it
/// resolves the finding. `None` when no published fix does.
pub fn resolving_fix(order: Order, entries: &[&Affected], version: &str) -> Option<String> {
    let mut fixes: Vec<(&str, RangeKind)> = entries
        .iter()
        .flat_map(|a| a.ranges.iter())
        .filter(|r| r.kind != RangeKind::Git)
        .flat_map(|r| {
            r.events.iter().filter_map(move |e| match e {
                Event::Fixed(v) => Some((v.as_str(), r.kind)),
                _ => None,
            })
        })
        .filter(|(f, kind)| order.compare(*kind, f, version) == Ordering::Greater)
        .collect();
    fixes.sort_by(|a, b| order.compare(a.1, a.0, b.0));
    fixes.dedup_by(|a, b| a.0 == b.0);
    fixes
        .into_iter()
        .find(|(f, _)| !is_affected(order, entries, f))
        .map(|(f, _)| f.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use plinth_vulndb::Status;

    fn range(kind: RangeKind, events: &[Event]) -> Range {
        Range {
            kind,
            repo: None,
            events: events.to_vec(),
        }
    }

    fn entry(ranges: Vec<Range>, versions: &[&str]) -> Affected {
        Affected {
            package: "p".into(),
            ranges,
            versions: versions.iter().map(|v| v.to_string()).collect(),
            status: Status::Fixed,
        }
    }

    fn i(v: &str) -> Event {
        Event::Introduced(v.into())
    }
    fn f(v: &str) -> Event {
        Event::Fixed(v.into())
    }
    fn la(v: &str) -> Event {
        Event::LastAffected(v.into())
    }
    fn lim(v: &str) -> Event {
        Event::Limit(v.into())
    }

    fn check(scheme: Scheme, a: &Affected, yes: &[&str], no: &[&str]) {
        let order = Order { ecosystem: scheme };
        for v in yes {
            assert!(is_affected(order, &[a], v), "{v} should be affected");
        }
        for v in no {
            assert!(!is_affected(order, &[a], v), "{v} should not be affected");
        }
    }

    #[test]
    fn introduced_zero_and_fixed() {
        let a = entry(vec![range(RangeKind::Semver, &[i("0"), f("1.2.3")])], &[]);
        check(
            Scheme::Semver,
            &a,
            &["0.0.1", "1.2.2", "1.2.3-rc.1"],
            &["1.2.3", "2.0.0"],
        );
    }

    #[test]
    fn last_affected_is_inclusive() {
        let a = entry(
            vec![range(RangeKind::Ecosystem, &[i("1.0"), la("1.4")])],
            &[],
        );
        check(
            Scheme::Pep440,
            &a,
            &["1.0", "1.4", "1.4.dev1"],
            &["0.9", "1.4.post1", "1.5"],
        );
        let order = Order {
            ecosystem: Scheme::Pep440,
        };
        assert_eq!(resolving_fix(order, &[&a], "1.2"), None);
    }

    #[test]
    fn limit_caps_the_range() {
        let a = entry(vec![range(RangeKind::Semver, &[i("0"), lim("2.0.0")])], &[]);
        check(Scheme::Semver, &a, &["1.9.9"], &["2.0.0", "3.0.0"]);
        let star = entry(vec![range(RangeKind::Semver, &[i("1.0.0"), lim("*")])], &[]);
        check(Scheme::Semver, &star, &["1.0.0", "9.0.0"], &["0.9.0"]);
    }

    #[test]
    fn explicit_versions() {
        let a = entry(vec![], &["1.0.0", "1.0.2"]);
        check(Scheme::Semver, &a, &["1.0.0", "1.0.2"], &["1.0.1"]);
    }

    #[test]
    fn several_ranges_and_entries_give_the_smallest_resolving_fix() {
        let a = entry(
            vec![range(
                RangeKind::Ecosystem,
                &[i("0"), f("1.17.7"), i("1.18.0"), f("1.18.1")],
            )],
            &[],
        );
        let order = Order {
            ecosystem: Scheme::Go,
        };
        check(
            Scheme::Go,
            &a,
            &["1.17.6", "1.18.0"],
            &["1.17.7", "1.17.9", "1.18.1"],
        );
        assert_eq!(
            resolving_fix(order, &[&a], "1.17.1").as_deref(),
            Some("1.17.7")
        );
        assert_eq!(
            resolving_fix(order, &[&a], "1.18.0").as_deref(),
            Some("1.18.1")
        );
        // An overlapping second entry: 1.5 is still affected by it, so 1.6 resolves.
        let b1 = entry(vec![range(RangeKind::Semver, &[i("0"), f("1.5.0")])], &[]);
        let b2 = entry(
            vec![range(RangeKind::Semver, &[i("1.2.0"), f("1.6.0")])],
            &[],
        );
        let order = Order {
            ecosystem: Scheme::Semver,
        };
        assert_eq!(
            resolving_fix(order, &[&b1, &b2], "1.3.0").as_deref(),
            Some("1.6.0")
        );
        // From below both ranges too: 1.5.0 sits inside the second one.
        assert_eq!(
            resolving_fix(order, &[&b1, &b2], "1.0.0").as_deref(),
            Some("1.6.0")
        );
        let b3 = entry(
            vec![range(RangeKind::Semver, &[i("1.5.1"), f("1.6.0")])],
            &[],
        );
        assert_eq!(
            resolving_fix(order, &[&b1, &b3], "1.0.0").as_deref(),
            Some("1.5.0")
        );
    }

    #[test]
    fn unsorted_events_are_sorted_by_the_scheme() {
        let a = entry(
            vec![range(
                RangeKind::Ecosystem,
                &[f("1.10"), i("1.9"), i("0"), f("1.2")],
            )],
            &[],
        );
        check(
            Scheme::Pep440,
            &a,
            &["1.1", "1.9", "1.9.5"],
            &["1.2", "1.5", "1.10", "1.11"],
        );
    }

    #[test]
    fn dpkg_epochs_and_tildes() {
        let a = entry(
            vec![range(RangeKind::Ecosystem, &[i("0"), f("1:2.0-1")])],
            &[],
        );
        check(
            Scheme::Dpkg,
            &a,
            &["2.5-1", "1:1.9-3", "1:2.0~rc1-1"],
            &["1:2.0-1", "1:2.0-1+deb12u1", "2:0.1"],
        );
        let t = entry(
            vec![range(
                RangeKind::Ecosystem,
                &[i("0"), f("98.0.4758.80-1~deb11u1")],
            )],
            &[],
        );
        check(
            Scheme::Dpkg,
            &t,
            &["98.0.4758.80-0"],
            &["98.0.4758.80-1~deb11u1", "98.0.4758.80-1"],
        );
    }

    #[test]
    fn go_pseudo_versions_and_prereleases() {
        let a = entry(
            vec![range(
                RangeKind::Semver,
                &[i("0"), f("0.0.0-20210520170846-37e1c6afe023")],
            )],
            &[],
        );
        check(
            Scheme::Go,
            &a,
            &["v0.0.0-20200101000000-abcdefabcdef"],
            &["v0.0.0-20210601000000-abcdefabcdef", "v0.1.0"],
        );
        let b = entry(vec![range(RangeKind::Semver, &[i("0"), f("1.0.0")])], &[]);
        check(
            Scheme::Go,
            &b,
            &["v1.0.0-rc.1", "v0.9.0"],
            &["v1.0.0", "v1.0.1-0.20211011072933-86029037a63f"],
        );
        check(
            Scheme::Semver,
            &b,
            &["1.0.0-alpha", "1.0.0-rc.1"],
            &["1.0.0", "1.0.0+build"],
        );
    }

    #[test]
    fn pep440_post_and_dev_releases() {
        let a = entry(
            vec![range(RangeKind::Ecosystem, &[i("0"), f("2.0.post1")])],
            &[],
        );
        check(
            Scheme::Pep440,
            &a,
            &["2.0", "2.0.dev3", "2.0rc1"],
            &["2.0.post1", "2.0.post2", "2.1.dev0"],
        );
    }

    #[test]
    fn apk_and_rpm_orders() {
        let a = entry(
            vec![range(RangeKind::Ecosystem, &[i("0"), f("1.36.1-r29")])],
            &[],
        );
        check(
            Scheme::Apk,
            &a,
            &["1.36.1-r28", "1.36.1_rc1-r30"],
            &["1.36.1-r29", "1.36.1-r100"],
        );
        let r = entry(
            vec![range(RangeKind::Ecosystem, &[i("0"), f("1:3.0.7-5.el9")])],
            &[],
        );
        check(
            Scheme::Rpm,
            &r,
            &["3.0.9-1.el9", "1:3.0.7-4.el9"],
            &["1:3.0.7-5.el9", "2:1.0-1"],
        );
    }

    #[test]
    fn git_ranges_never_match() {
        let a = entry(vec![range(RangeKind::Git, &[i("0"), f("abc")])], &[]);
        check(Scheme::Semver, &a, &[], &["1.0.0"]);
    }
}
