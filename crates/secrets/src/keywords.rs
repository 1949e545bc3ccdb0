//! Which rule keywords occur in a window of text, in one pass over the bytes as they are.
//!
//! A keyword's first [`FINGERPRINT`] bytes are its fingerprint (both cases of a letter for a
//! case-insensitive keyword; any byte past a shorter keyword's end). Keywords share at most
//! [`BUCKETS`] buckets, and per place of a fingerprint two 16-entry tables say which buckets
//! admit a byte's low and high nibble. Those tables are looked up for 32 places at once with
//! AVX2 shuffles (Teddy, as Hyperscan and ripgrep search literals), and only where a bucket
//! admits all four bytes are its keywords compared in full. Case is folded by the tables,
//! so no lower-cased copy of the window is made.
//!
//! The gate only needs to know whether each keyword occurs, so a keyword found once is not
//! looked for again, a bucket whose keywords are all found leaves the tables' answers, and
//! the pass stops when every bucket has: a common keyword (`://`) costs one comparison per
//! window, not one per occurrence.

use crate::rule::Keyword;

/// Bytes of a keyword compared by table lookups before it is compared in full.
const FINGERPRINT: usize = 4;
/// Buckets: one bit of a byte each.
const BUCKETS: usize = 8;
/// Places looked at in one step of the SIMD search.
#[cfg(target_arch = "x86_64")]
const STEP: usize = 32;

/// The keywords of a rule set, ready to search.
pub struct Keywords {
    words: Vec<Keyword>,
    /// Each keyword's first bytes, to rule most places out before comparing in full.
    heads: Vec<Head>,
    /// The keywords of each bucket.
    buckets: Vec<Vec<usize>>,
    /// `admits[j][b]`: the buckets with a keyword admitting byte `b` at place `j`.
    admits: [[u8; 256]; FINGERPRINT],
    /// `low[j][n]` (`high[j][n]`): the buckets admitting, at place `j`, a byte whose low
    /// (high) nibble is `n`. Together they admit a few more bytes than `admits` (each
    /// bucket's low nibbles with each of its high ones); the full comparison sorts them out.
    low: [[u8; 16]; FINGERPRINT],
    high: [[u8; 16]; FINGERPRINT],
}

/// A keyword's first [`FINGERPRINT`] bytes as a little-endian word: four bytes of text
/// start with them when `(text | fold) & care == value` (`fold` lower-cases the places of
/// a case-insensitive keyword's letters: `b | 0x20` is a letter only for its two cases).
struct Head {
    value: u32,
    care: u32,
    fold: u32,
}

impl Head {
    fn of(k: &Keyword) -> Head {
        let mut head = Head {
            value: 0,
            care: 0,
            fold: 0,
        };
        for (j, &c) in k.text.as_bytes().iter().take(FINGERPRINT).enumerate() {
            let (byte, fold) = if !k.exact && c.is_ascii_alphabetic() {
                (c.to_ascii_lowercase(), 0x20)
            } else {
                (c, 0)
            };
            head.value |= u32::from(byte) << (8 * j);
            head.fold |= fold << (8 * j);
            head.care |= 0xff << (8 * j);
        }
        head
    }

    /// Whether `text` may hold the keyword at `at` (past its end, say yes: the full
    /// comparison says no).
    fn may_start(&self, text: &[u8], at: usize) -> bool {
        text.get(at..at + FINGERPRINT).is_none_or(|four| {
            let four = u32::from_le_bytes(four.try_into().expect("four bytes"));
            (four | self.fold) & self.care == self.value
        })
    }
}

/// What one search has found so far.
struct Found {
    seen: Vec<bool>,
    /// Keywords of each bucket not yet seen.
    left: [usize; BUCKETS],
    /// Buckets with keywords left to find.
    active: u8,
}

impl Keywords {
    pub fn new(words: &[Keyword]) -> Keywords {
        let buckets = buckets(words);
        let mut keywords = Keywords {
            words: words.to_vec(),
            heads: words.iter().map(Head::of).collect(),
            buckets,
            admits: [[0; 256]; FINGERPRINT],
            low: [[0; 16]; FINGERPRINT],
            high: [[0; 16]; FINGERPRINT],
        };
        for (b, members) in keywords.buckets.iter().enumerate() {
            let bit = 1 << b;
            for &k in members {
                for j in 0..FINGERPRINT {
                    for byte in admitted(&words[k], j) {
                        keywords.admits[j][usize::from(byte)] |= bit;
                        keywords.low[j][usize::from(byte & 15)] |= bit;
                        keywords.high[j][usize::from(byte >> 4)] |= bit;
                    }
                }
            }
        }
        keywords
    }

    /// Calls `found` once with the index of each keyword that occurs in `text`.
    pub fn find(&self, text: &[u8], found: impl FnMut(usize)) {
        self.find_with(text, true, found)
    }

    /// [`Self::find`], with or without SIMD (tests compare the two).
    fn find_with(&self, text: &[u8], simd: bool, mut found: impl FnMut(usize)) {
        let mut state = Found {
            seen: vec![false; self.words.len()],
            left: std::array::from_fn(|b| self.buckets.get(b).map_or(0, Vec::len)),
            active: 0,
        };
        state.active = (0..BUCKETS)
            .filter(|&b| state.left[b] > 0)
            .fold(0, |m, b| m | 1 << b);
        if state.active == 0 {
            return; // no keywords
        }
        let at = if simd {
            self.find_simd(text, &mut state, &mut found)
        } else {
            0
        };
        for i in at..text.len() {
            if state.active == 0 {
                return;
            }
            let bits = self.admitted_at(text, i);
            if bits != 0 {
                self.verify(text, i, bits, &mut state, &mut found);
            }
        }
    }

    /// The buckets whose fingerprints admit the bytes at `at` (those past the end of
    /// `text` admit anything: the full comparison fails there).
    fn admitted_at(&self, text: &[u8], at: usize) -> u8 {
        let mut bits = u8::MAX;
        for (j, admits) in self.admits.iter().enumerate() {
            if let Some(&byte) = text.get(at + j) {
                bits &= admits[usize::from(byte)];
            }
        }
        bits
    }

    /// Compares in full, at `at`, the unseen keywords of the buckets in `bits`.
    fn verify(
        &self,
        text: &[u8],
        at: usize,
        bits: u8,
        state: &mut Found,
        found: &mut impl FnMut(usize),
    ) {
        let mut bits = bits & state.active;
        while bits != 0 {
            let b = bits.trailing_zeros() as usize;
            bits &= bits - 1;
            for &k in &self.buckets[b] {
                if !state.seen[k]
                    && self.heads[k].may_start(text, at)
                    && self.words[k].is_at(text, at)
                {
                    state.seen[k] = true;
                    found(k);
                    state.left[b] -= 1;
                    if state.left[b] == 0 {
                        state.active &= !(1 << b);
                    }
                }
            }
        }
    }

    /// The SIMD search where the CPU has it; returns where it stopped.
    #[cfg_attr(not(target_arch = "x86_64"), allow(unused_variables))]
    fn find_simd(&self, text: &[u8], state: &mut Found, found: &mut impl FnMut(usize)) -> usize {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: AVX2 is available, checked just above.
            return unsafe { self.find_avx2(text, state, found) };
        }
        0
    }

    /// The SIMD search over the places whose fingerprint bytes all lie in `text`, [`STEP`]
    /// at a time; returns where it stopped (the rest is for the byte-at-a-time loop).
    ///
    /// # Safety
    /// The CPU must have AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn find_avx2(
        &self,
        text: &[u8],
        state: &mut Found,
        found: &mut impl FnMut(usize),
    ) -> usize {
        use std::arch::x86_64::*;
        // Each 128-bit lane shuffles on its own, so both get the whole table.
        let table = |t: &[u8; 16]| {
            // SAFETY: `t` is 16 readable bytes.
            _mm256_broadcastsi128_si256(unsafe { _mm_loadu_si128(t.as_ptr().cast()) })
        };
        let low: [__m256i; FINGERPRINT] = std::array::from_fn(|j| table(&self.low[j]));
        let high: [__m256i; FINGERPRINT] = std::array::from_fn(|j| table(&self.high[j]));
        let nibble = _mm256_set1_epi8(0x0f);
        let mut active = _mm256_set1_epi8(state.active as i8);
        let mut at = 0;
        while at + STEP + FINGERPRINT - 1 <= text.len() {
            let mut bits = active;
            for j in 0..FINGERPRINT {
                // SAFETY: the loop condition keeps `at + j .. at + j + STEP` in `text`.
                let v = unsafe { _mm256_loadu_si256(text.as_ptr().add(at + j).cast()) };
                let lo = _mm256_shuffle_epi8(low[j], _mm256_and_si256(v, nibble));
                let hi =
                    _mm256_shuffle_epi8(high[j], _mm256_and_si256(_mm256_srli_epi16(v, 4), nibble));
                bits = _mm256_and_si256(bits, _mm256_and_si256(lo, hi));
            }
            let none = _mm256_movemask_epi8(_mm256_cmpeq_epi8(bits, _mm256_setzero_si256())) as u32;
            if none != u32::MAX {
                let mut lanes = [0u8; STEP];
                // SAFETY: `lanes` is STEP writable bytes.
                unsafe { _mm256_storeu_si256(lanes.as_mut_ptr().cast(), bits) };
                let mut places = !none;
                while places != 0 {
                    let lane = places.trailing_zeros() as usize;
                    places &= places - 1;
                    // The nibble tables admit a few bytes more than the fingerprints do.
                    let bits = lanes[lane] & self.admitted_at(text, at + lane);
                    if bits != 0 {
                        self.verify(text, at + lane, bits, state, found);
                    }
                }
                if state.active == 0 {
                    return text.len();
                }
                active = _mm256_set1_epi8(state.active as i8);
            }
            at += STEP;
        }
        at
    }
}

/// The bytes keyword `k` admits at place `j` of its fingerprint.
fn admitted(k: &Keyword, j: usize) -> Vec<u8> {
    match k.text.as_bytes().get(j) {
        None => (0..=255).collect(),
        Some(&c) if !k.exact && c.is_ascii_alphabetic() => {
            vec![c.to_ascii_lowercase(), c.to_ascii_uppercase()]
        }
        Some(&c) => vec![c],
    }
}

/// Puts the keywords in at most [`BUCKETS`] buckets so that few places of ordinary text
/// pass a bucket's tables: starting with one bucket per keyword, the two buckets whose
/// union passes the fewest more places than they do apart are merged, until few enough are
/// left. Keywords with the same fingerprint merge first, at no cost.
fn buckets(words: &[Keyword]) -> Vec<Vec<usize>> {
    let total: f64 = (0..=255).map(frequency).sum();
    let share: [f64; 256] = std::array::from_fn(|b| frequency(b as u8) / total);
    let mut groups: Vec<Group> = words
        .iter()
        .enumerate()
        .map(|(k, w)| Group::of(k, w, &share))
        .collect();
    // `merge[a][b]` (b < a): the cost of merging groups a and b, kept up to date.
    let mut merge: Vec<Vec<f64>> = (0..groups.len())
        .map(|a| {
            (0..a)
                .map(|b| groups[a].merge_cost(&groups[b], &share))
                .collect()
        })
        .collect();
    while groups.len() > BUCKETS {
        let (mut a, mut b) = (1, 0);
        for (i, row) in merge.iter().enumerate() {
            for (j, &cost) in row.iter().enumerate() {
                if cost < merge[a][b] {
                    (a, b) = (i, j);
                }
            }
        }
        // Merge `a` into `b` (b < a), then drop `a` and its costs.
        let gone = groups.remove(a);
        groups[b].absorb(gone, &share);
        merge.remove(a);
        for row in merge.iter_mut().skip(a) {
            row.remove(a);
        }
        for i in 0..groups.len() {
            let cost = groups[i].merge_cost(&groups[b], &share);
            match i.cmp(&b) {
                std::cmp::Ordering::Less => merge[b][i] = cost,
                std::cmp::Ordering::Greater => merge[i][b] = cost,
                std::cmp::Ordering::Equal => {}
            }
        }
    }
    groups.into_iter().map(|g| g.members).collect()
}

/// Keywords sharing a bucket, with the nibbles they admit at each place.
struct Group {
    members: Vec<usize>,
    low: [u16; FINGERPRINT],
    high: [u16; FINGERPRINT],
    /// The share of places of source text that pass the group's tables: its cost in
    /// comparisons.
    cost: f64,
}

impl Group {
    fn of(k: usize, word: &Keyword, share: &[f64; 256]) -> Group {
        let mut low = [0; FINGERPRINT];
        let mut high = [0; FINGERPRINT];
        for j in 0..FINGERPRINT {
            for byte in admitted(word, j) {
                low[j] |= 1 << (byte & 15);
                high[j] |= 1 << (byte >> 4);
            }
        }
        Group {
            members: vec![k],
            low,
            high,
            cost: passing(&low, &high, share),
        }
    }

    /// How many more places pass when the two share a bucket than when they do not.
    fn merge_cost(&self, other: &Group, share: &[f64; 256]) -> f64 {
        let low = std::array::from_fn(|j| self.low[j] | other.low[j]);
        let high = std::array::from_fn(|j| self.high[j] | other.high[j]);
        passing(&low, &high, share) - self.cost - other.cost
    }

    fn absorb(&mut self, other: Group, share: &[f64; 256]) {
        self.members.extend(other.members);
        for j in 0..FINGERPRINT {
            self.low[j] |= other.low[j];
            self.high[j] |= other.high[j];
        }
        self.cost = passing(&self.low, &self.high, share);
    }
}

/// The share of places that pass tables admitting these nibbles, were each byte drawn on
/// its own with the odds in `share`.
fn passing(low: &[u16; FINGERPRINT], high: &[u16; FINGERPRINT], share: &[f64; 256]) -> f64 {
    let nibbles = |set: u16| (0..16).filter(move |n| set & 1 << n != 0);
    (0..FINGERPRINT)
        .map(|j| {
            nibbles(high[j])
                .flat_map(|h| nibbles(low[j]).map(move |l| share[h << 4 | l]))
                .sum::<f64>()
        })
        .product()
}

/// Roughly how often a byte occurs in source text, relative to the others: spaces and
/// lower-case letters (all alike: identifiers are not English), then upper case, digits
/// (base64 and hex are common) and punctuation; other bytes are rare.
fn frequency(b: u8) -> f64 {
    match b {
        b' ' => 150.0,
        b'\n' => 25.0,
        b'a'..=b'z' => 17.0,
        b'_' | b'.' | b'"' | b'(' | b')' | b',' | b'=' => 10.0,
        b'0'..=b'9' | b'A'..=b'Z' => 6.0,
        b'!'..=b'~' | b'\t' | b'\r' => 2.0,
        _ => 0.1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keyword(text: &str, exact: bool) -> Keyword {
        Keyword {
            text: text.into(),
            exact,
        }
    }

    /// The keywords found in `text`, by SIMD and without, which must agree.
    fn found(words: &[Keyword], text: &[u8]) -> Vec<String> {
        found_by(&Keywords::new(words), text)
    }

    fn found_by(keywords: &Keywords, text: &[u8]) -> Vec<String> {
        let run = |simd| {
            let mut out = Vec::new();
            keywords.find_with(text, simd, |i| out.push(keywords.words[i].text.clone()));
            out.sort();
            out
        };
        let simd = run(true);
        assert_eq!(simd, run(false), "SIMD and byte-at-a-time disagree");
        simd
    }

    #[test]
    fn every_length_is_found_in_its_case() {
        let words = [
            keyword("sk", false),
            keyword("SK", true),
            keyword("eyJ", true),
            keyword("://", true),
            keyword("akia", false),
            keyword("password", false),
            keyword("sk_live_", false),
            keyword("_auth", false),
            keyword("AKIA", true),
        ];
        let text = b"let Key = \"SK_LIVE_abc\"; // PassWord for HTTPS://x, eYJ akia ";
        // `eyJ` and `AKIA` are exact, and only other cases occur; `_auth` is absent.
        assert_eq!(
            found(&words, text),
            ["://", "SK", "akia", "password", "sk", "sk_live_"]
        );
        assert!(found(&words, b"nothing here").is_empty());
        assert!(found(&words, b"").is_empty());
    }

    /// Each keyword at every offset of a text longer than a few SIMD steps, and running
    /// off its end, is found exactly where it fits.
    #[test]
    fn keywords_at_every_offset_and_at_the_end() {
        let words = [
            keyword("secret", false),
            keyword("AKIA", true),
            keyword("x", false),
        ];
        for at in 0..100 {
            for (w, put) in [(0, "SeCrEt"), (1, "AKIA"), (2, "X")] {
                let mut text = vec![b'.'; 100];
                let end = (at + put.len()).min(text.len());
                text[at..end].copy_from_slice(&put.as_bytes()[..end - at]);
                let whole = at + put.len() <= text.len();
                assert_eq!(
                    found(&words, &text) == [words[w].text.clone()],
                    whole,
                    "{put} at {at}"
                );
            }
        }
    }

    /// More keywords than buckets share them, and all are still found.
    #[test]
    fn many_keywords_share_the_buckets() {
        let words: Vec<Keyword> = (0..100)
            .map(|i| keyword(&format!("word{i:03}"), i % 2 == 0))
            .collect();
        assert_eq!(
            found(&words, b"x word042 y WORD099 WORD098 word097"),
            ["word042", "word097", "word099"]
        );
    }

    /// Every file of `../shared/fixtures` (advisories full of URLs, tokens and `auth`,
    /// package databases, os-release files), whole and from an odd offset, gives the
    /// built-in keywords that a plain `contains` gives, in the same case or any.
    #[test]
    fn built_in_keywords_in_real_files_are_those_contains_finds() {
        let Some(shared) = plinth_testdata::shared() else {
            return;
        };
        let mut words: Vec<Keyword> = Vec::new();
        for w in crate::builtin::RULES
            .iter()
            .flat_map(|r| r.keywords.to_keywords())
        {
            if !words.contains(&w) {
                words.push(w);
            }
        }
        let keywords = Keywords::new(&words);
        let mut stack = vec![shared.join("fixtures")];
        let mut files = 0;
        let mut hits = 0;
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let bytes = std::fs::read(&path).unwrap();
                files += 1;
                for text in [&bytes[..], &bytes[bytes.len().min(7)..]] {
                    let lower = text.to_ascii_lowercase();
                    let want: Vec<String> = words
                        .iter()
                        .filter(|w| {
                            let hay = if w.exact { text } else { &lower[..] };
                            memchr::memmem::find(hay, w.text.as_bytes()).is_some()
                        })
                        .map(|w| w.text.clone())
                        .collect();
                    let mut want = want;
                    want.sort();
                    hits += want.len();
                    assert_eq!(found_by(&keywords, text), want, "{}", path.display());
                }
            }
        }
        assert!(files > 100, "{files} files");
        assert!(hits > 100, "{hits} keywords found");
    }
}
