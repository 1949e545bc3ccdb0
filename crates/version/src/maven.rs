//! Maven's version order, as maven-artifact 3.8's `ComparableVersion` implements it.
//!
//! The version is cut at `.` and `-` and wherever digits meet non-digits. Numbers compare by
//! value; words are qualifiers, ordered `alpha < beta < milestone < rc = cr < snapshot <
//! "" = ga = final = release < sp`, then any other word, alphabetically (case-insensitive); `a1`, `b1`,
//! `m1` mean `alpha-1`, `beta-1`, `milestone-1`; `release` is another name for "". A `-` or a digit/letter change opens a nested
//! list, so `1-1 < 1.1` and `1-sp < 1-1`. Trailing zeros and release qualifiers are dropped
//! from each list before comparing (`1.0 = 1 = 1-ga`).
//!
//! Every string is a Maven version. Only ASCII letters are case-folded (Java also folds other
//! scripts) and only ASCII digits are digits (Java also accepts other scripts' digits).

use std::cmp::Ordering;

use crate::digits::{cmp_digits, strip_leading_zeros};
use crate::{VersionError, VersionScheme};

/// The Maven scheme.
#[derive(Debug, Clone, Copy, Default)]
pub struct Maven;

const NAME: &str = "maven";

/// Qualifier ranks; `RELEASE` is the empty qualifier, `UNKNOWN` sorts by text after all.
const QUALIFIERS: [&[u8]; 7] = [
    b"alpha",
    b"beta",
    b"milestone",
    b"rc",
    b"snapshot",
    b"",
    b"sp",
];
const RELEASE: u8 = 5;
const UNKNOWN: u8 = 7;

#[derive(Debug, Clone, Copy)]
enum Item<'a> {
    /// Digits without leading zeros (empty for zero).
    Int(&'a [u8]),
    /// A qualifier: its rank and, for unknown ones, its text.
    Str(u8, &'a [u8]),
    /// The rest of the version is a nested list, the last item of this one.
    Sub,
}

impl Item<'_> {
    fn is_null(&self) -> bool {
        match self {
            Item::Int(d) => d.is_empty(),
            Item::Str(rank, _) => *rank == RELEASE,
            Item::Sub => false,
        }
    }
}

fn qualifier(text: &[u8], followed_by_digit: bool) -> Item<'_> {
    let canonical: &[u8] = match text {
        [c] if followed_by_digit && c.eq_ignore_ascii_case(&b'a') => b"alpha",
        [c] if followed_by_digit && c.eq_ignore_ascii_case(&b'b') => b"beta",
        [c] if followed_by_digit && c.eq_ignore_ascii_case(&b'm') => b"milestone",
        t if t.eq_ignore_ascii_case(b"ga")
            || t.eq_ignore_ascii_case(b"final")
            || t.eq_ignore_ascii_case(b"release") =>
        {
            b""
        }
        t if t.eq_ignore_ascii_case(b"cr") => b"rc",
        t => t,
    };
    match QUALIFIERS
        .iter()
        .position(|q| q.eq_ignore_ascii_case(canonical))
    {
        Some(rank) => Item::Str(rank as u8, b""),
        None => Item::Str(UNKNOWN, text),
    }
}

fn item(digits: bool, text: &[u8]) -> Item<'_> {
    if digits {
        Item::Int(strip_leading_zeros(text))
    } else {
        qualifier(text, false)
    }
}

/// Items live on the stack; only versions with more than `INLINE` items allocate.
const INLINE: usize = 48;

#[allow(
    clippy::large_enum_variant,
    reason = "inline on purpose: comparisons must not allocate"
)]
enum Items<'a> {
    Inline([Item<'a>; INLINE], usize),
    Heap(Vec<Item<'a>>),
}

impl<'a> Items<'a> {
    fn push(&mut self, it: Item<'a>) {
        match self {
            Items::Inline(arr, n) if *n < INLINE => {
                arr[*n] = it;
                *n += 1;
            }
            Items::Inline(arr, n) => {
                let mut v = arr[..*n].to_vec();
                v.push(it);
                *self = Items::Heap(v);
            }
            Items::Heap(v) => v.push(it),
        }
    }

    fn as_mut_slice(&mut self) -> &mut [Item<'a>] {
        match self {
            Items::Inline(arr, n) => &mut arr[..*n],
            Items::Heap(v) => v,
        }
    }

    fn truncate(&mut self, len: usize) {
        match self {
            Items::Inline(_, n) => *n = len.min(*n),
            Items::Heap(v) => v.truncate(len),
        }
    }
}

/// `ComparableVersion.parseVersion` of maven-artifact 3.8, flattened: each `Sub` starts the
/// nested list that holds everything after it. Besides `-`, a digit/non-digit change opens a
/// nested list, and a qualifier met at such a change (or at the end) that is not the first item
/// of its list gets a nested list of its own.
fn tokenize(v: &str) -> Items<'_> {
    let s = v.as_bytes();
    let mut items = Items::Inline([Item::Sub; INLINE], 0);
    // Items in the current (innermost) list so far.
    let mut in_list = 0usize;
    let mut digits = false;
    let mut start = 0;
    for (i, &c) in s.iter().enumerate() {
        match c {
            b'.' | b'-' => {
                let it = if i == start {
                    Item::Int(b"")
                } else {
                    item(digits, &s[start..i])
                };
                items.push(it);
                in_list += 1;
                start = i + 1;
                if c == b'-' {
                    items.push(Item::Sub);
                    in_list = 0;
                }
            }
            b'0'..=b'9' => {
                if !digits && i > start {
                    if in_list > 0 {
                        items.push(Item::Sub);
                    }
                    items.push(qualifier(&s[start..i], true));
                    items.push(Item::Sub);
                    in_list = 0;
                    start = i;
                }
                digits = true;
            }
            _ => {
                if digits && i > start {
                    items.push(item(true, &s[start..i]));
                    items.push(Item::Sub);
                    in_list = 0;
                    start = i;
                }
                digits = false;
            }
        }
    }
    if s.len() > start {
        if !digits && in_list > 0 {
            items.push(Item::Sub);
        }
        items.push(item(digits, &s[start..]));
    }
    normalize(&mut items);
    items
}

/// `ListItem.normalize` on every list, innermost first: drop trailing null items (zeros,
/// release qualifiers) and empty nested lists. A nested list is not "trailing" for the items
/// before it, so `1.0-1` becomes `1-1`.
fn normalize(items: &mut Items<'_>) {
    let list = items.as_mut_slice();
    let total = list.len();
    let mut removed = [false; INLINE];
    let mut removed_heap = Vec::new();
    let removed: &mut [bool] = if total <= INLINE {
        &mut removed[..total]
    } else {
        removed_heap.resize(total, false);
        &mut removed_heap
    };
    let mut end = total;
    let mut next_empty = true;
    loop {
        let start = list[..end]
            .iter()
            .rposition(|it| matches!(it, Item::Sub))
            .map_or(0, |p| p + 1);
        let sub_kept = end < total && !next_empty;
        if end < total && next_empty {
            removed[end] = true;
        }
        let mut k = end;
        while k > start && list[k - 1].is_null() {
            removed[k - 1] = true;
            k -= 1;
        }
        next_empty = k == start && !sub_kept;
        if start == 0 {
            break;
        }
        end = start - 1;
    }
    let mut w = 0;
    for r in 0..total {
        if !removed[r] {
            list[w] = list[r];
            w += 1;
        }
    }
    items.truncate(w);
}

/// `item.compareTo(null)`: how an item compares with a missing one.
fn cmp_missing(it: &Item<'_>, after: &[Item<'_>]) -> Ordering {
    match it {
        Item::Int(d) => {
            if d.is_empty() {
                Ordering::Equal
            } else {
                Ordering::Greater
            }
        }
        Item::Str(rank, _) => rank.cmp(&RELEASE),
        Item::Sub => cmp_list_missing(after),
    }
}

/// A list against a missing item: its first item that differs from "nothing" decides.
fn cmp_list_missing(list: &[Item<'_>]) -> Ordering {
    for (k, it) in list.iter().enumerate() {
        let ord = cmp_missing(it, &list[k + 1..]);
        // A nested list is the last item of its list.
        if ord != Ordering::Equal || matches!(it, Item::Sub) {
            return ord;
        }
    }
    Ordering::Equal
}

fn cmp_qualifiers(ra: u8, ta: &[u8], rb: u8, tb: &[u8]) -> Ordering {
    ra.cmp(&rb).then_with(|| {
        ta.iter()
            .map(u8::to_ascii_lowercase)
            .cmp(tb.iter().map(u8::to_ascii_lowercase))
    })
}

/// `ListItem.compareTo` for the lists starting at `a` and `b`.
fn cmp_lists(a: &[Item<'_>], b: &[Item<'_>]) -> Ordering {
    let mut k = 0;
    loop {
        let ord = match (a.get(k), b.get(k)) {
            (None, None) => return Ordering::Equal,
            (None, Some(r)) => cmp_missing(r, &b[k + 1..]).reverse(),
            (Some(l), None) => cmp_missing(l, &a[k + 1..]),
            // A nested list is the last item of its list: its result is the answer.
            (Some(Item::Sub), Some(Item::Sub)) => return cmp_lists(&a[k + 1..], &b[k + 1..]),
            (Some(Item::Int(x)), Some(Item::Int(y))) => cmp_digits(x, y),
            (Some(Item::Int(_)), Some(_)) => Ordering::Greater,
            (Some(Item::Str(ra, ta)), Some(Item::Str(rb, tb))) => cmp_qualifiers(*ra, ta, *rb, tb),
            (Some(Item::Str(..)), Some(_)) => Ordering::Less,
            (Some(Item::Sub), Some(Item::Int(_))) => Ordering::Less,
            (Some(Item::Sub), Some(Item::Str(..))) => Ordering::Greater,
        };
        if ord != Ordering::Equal {
            return ord;
        }
        k += 1;
    }
}

impl VersionScheme for Maven {
    fn name(&self) -> &'static str {
        NAME
    }

    fn compare(&self, a: &str, b: &str) -> Ordering {
        let (mut ia, mut ib) = (tokenize(a), tokenize(b));
        cmp_lists(ia.as_mut_slice(), ib.as_mut_slice())
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
        // From Maven's own ComparableVersionTest, ascending.
        let chain = [
            "1-alpha2snapshot",
            "1-alpha2",
            "1-alpha-123",
            "1-beta-2",
            "1-beta123",
            "1-m2",
            "1-m11",
            "1-rc",
            "1-cr2",
            "1-rc123",
            "1-SNAPSHOT",
            "1",
            "1-sp",
            "1-sp2",
            "1-sp123",
            "1-abc",
            "1-def",
            "1-pom-1",
            "1-1-snapshot",
            "1-1",
            "1-2",
            "1-123",
            "2",
        ];
        for w in chain.windows(2) {
            assert_eq!(Maven.compare(w[0], w[1]), Less, "{} vs {}", w[0], w[1]);
            assert_eq!(Maven.compare(w[1], w[0]), Greater, "{} vs {}", w[1], w[0]);
        }
        let same = [
            ("1", "1.0.0"),
            ("1-ga", "1"),
            ("1.0-final", "1"),
            ("1a1", "1-alpha-1"),
            ("1.0-1", "1-1"),
            ("1cr1", "1rc1"),
            ("1.ALPHA", "1.alpha"),
        ];
        for (a, b) in same {
            assert_eq!(Maven.compare(a, b), Equal, "{a} vs {b}");
        }
        assert_eq!(
            Maven.compare("1.0.99999999999999999999", "1.0.100000000000000000000"),
            Less
        );
    }

    #[test]
    fn long_versions_spill_to_the_heap() {
        let long = vec!["1"; 200].join(".");
        let longer = format!("{long}.1");
        assert_eq!(Maven.compare(&long, &longer), Less);
        assert_eq!(Maven.compare(&format!("{long}.0.0"), &long), Equal);
    }
}
