//! Which rule keywords occur in a window of text, ASCII case-insensitively as Trivy checks
//! them. The window is lower-cased once, then searched case-sensitively with SIMD literal
//! searches: keywords of four bytes or more in one Teddy pass, those of three in another
//! (Teddy compares as many bytes of each place as its shortest pattern has, up to four, and
//! a short one in the big set would make it stop almost everywhere), and the few of one or
//! two bytes (Twilio's `sk`) each by `memmem`, which finds a common one at once. An
//! automaton that folds case itself visits every byte, and took two thirds of a tree scan.

use std::cell::RefCell;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind, packed};
use memchr::memmem;

/// Teddy's longest fingerprint: longer keywords search as fast as this.
const FINGERPRINT: usize = 4;
/// Keywords shorter than this are searched one by one.
const TEDDY_MIN: usize = 3;

/// The keywords of a rule set, ready to search.
pub struct Keywords {
    /// Keywords of `TEDDY_MIN` bytes or more, grouped by their length up to `FINGERPRINT`.
    groups: Vec<Group>,
    /// The shorter keywords, with their indexes.
    short: Vec<(usize, memmem::Finder<'static>)>,
}

/// Keywords searched together, and the index of each.
struct Group {
    search: Search,
    index: Vec<usize>,
}

/// Teddy where the CPU and the pattern count allow (SSSE3 or AVX2, at most 64 patterns),
/// else an automaton.
enum Search {
    Teddy(packed::Searcher),
    Automaton(AhoCorasick),
}

thread_local! {
    /// The lower-cased window, one per searching thread, reused.
    static LOWER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

impl Keywords {
    /// `words` are lower-case and distinct.
    pub fn new(words: &[String]) -> Keywords {
        let groups = (TEDDY_MIN..=FINGERPRINT)
            .map(|len| {
                let index: Vec<usize> = (0..words.len())
                    .filter(|&i| words[i].len().min(FINGERPRINT) == len)
                    .collect();
                let patterns: Vec<&str> = index.iter().map(|&i| words[i].as_str()).collect();
                (index, patterns)
            })
            .filter(|(index, _)| !index.is_empty())
            .map(|(index, patterns)| Group {
                search: Search::new(&patterns),
                index,
            })
            .collect();
        let short = words
            .iter()
            .enumerate()
            .filter(|(_, w)| w.len() < TEDDY_MIN)
            .map(|(i, w)| (i, memmem::Finder::new(w.as_bytes()).into_owned()))
            .collect();
        Keywords { groups, short }
    }

    /// Calls `found` with the index of each keyword that starts in `text`, at least once
    /// (a keyword that others of its group start with may be reported only as the longest).
    pub fn find(&self, text: &[u8], mut found: impl FnMut(usize)) {
        if self.groups.is_empty() && self.short.is_empty() {
            return;
        }
        LOWER.with_borrow_mut(|lower| {
            lower.clear();
            lower.extend(text.iter().map(u8::to_ascii_lowercase));
            for group in &self.groups {
                group.find(lower, &mut found);
            }
            for (i, finder) in &self.short {
                if finder.find(lower).is_some() {
                    found(*i);
                }
            }
        });
    }
}

impl Group {
    /// Leftmost-longest searches restarted one byte after each match start: every place
    /// is tried, so every keyword that occurs is found, or a longer one starting with it.
    fn find(&self, lower: &[u8], found: &mut impl FnMut(usize)) {
        let mut at = 0;
        loop {
            let next = match &self.search {
                Search::Teddy(s) => s.find_in(lower, aho_corasick::Span::from(at..lower.len())),
                Search::Automaton(a) => a.find(aho_corasick::Input::new(lower).range(at..)),
            };
            let Some(m) = next else { return };
            found(self.index[m.pattern().as_usize()]);
            at = m.start() + 1;
        }
    }
}

impl Search {
    fn new(patterns: &[&str]) -> Search {
        let teddy = packed::Config::new()
            .match_kind(packed::MatchKind::LeftmostLongest)
            .builder()
            .extend(patterns)
            .build();
        match teddy {
            Some(teddy) => Search::Teddy(teddy),
            None => Search::Automaton(
                AhoCorasickBuilder::new()
                    .match_kind(MatchKind::LeftmostLongest)
                    .build(patterns)
                    .expect("keywords are plain strings"),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(words: &[&str], text: &str) -> Vec<String> {
        let words: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        let mut seen = vec![false; words.len()];
        Keywords::new(&words).find(text.as_bytes(), |i| seen[i] = true);
        let mut out: Vec<String> = (0..words.len())
            .filter(|&i| seen[i])
            .map(|i| words[i].clone())
            .collect();
        out.sort();
        out
    }

    #[test]
    fn every_length_is_found_in_any_case() {
        let words = ["sk", "eyj", "://", "akia", "password", "sk_live_", "_auth"];
        let text = "let Key = \"SK_LIVE_abc\"; // PassWord for HTTPS://x, eYJ";
        // `sk` starts `sk_live_`: its own finder reports it; `_auth` and `akia` are absent.
        assert_eq!(
            found(&words, text),
            ["://", "eyj", "password", "sk", "sk_live_"]
        );
        assert!(found(&words, "nothing here").is_empty());
    }

    /// Every file of `../shared/fixtures` (advisories full of URLs, tokens and `auth`,
    /// package databases, os-release files), whole and from an odd offset, gives the
    /// built-in keywords that a plain lower-case `contains` gives.
    #[test]
    fn built_in_keywords_in_real_files_are_those_contains_finds() {
        let Some(shared) = plinth_testdata::shared() else {
            return;
        };
        let mut words: Vec<String> = crate::builtin::RULES
            .iter()
            .flat_map(|r| r.keywords.iter().map(|k| k.to_string()))
            .collect();
        words.sort();
        words.dedup();
        let keywords = Keywords::new(&words);
        let mut stack = vec![shared.join("fixtures")];
        let mut files = 0;
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
                    let mut seen = vec![false; words.len()];
                    keywords.find(text, |i| seen[i] = true);
                    for (i, w) in words.iter().enumerate() {
                        let present = memmem::find(&lower, w.as_bytes()).is_some();
                        // A keyword found inside a longer one's match is the matcher's to infer.
                        let inferred = !seen[i]
                            && words
                                .iter()
                                .enumerate()
                                .any(|(j, long)| seen[j] && long.contains(w.as_str()));
                        assert_eq!(present, seen[i] || inferred, "{w:?} in {}", path.display());
                    }
                }
            }
        }
        assert!(files > 100, "{files} files");
    }

    #[test]
    fn more_keywords_than_teddy_takes_are_searched_by_an_automaton() {
        let many: Vec<String> = (0..100).map(|i| format!("word{i:03}")).collect();
        let words: Vec<&str> = many.iter().map(String::as_str).collect();
        assert!(matches!(Search::new(&words), Search::Automaton(_)));
        assert_eq!(found(&words, "x WORD042 y word099"), ["word042", "word099"]);
    }
}
