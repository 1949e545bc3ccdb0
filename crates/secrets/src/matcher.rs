//! Finding rule matches in a window of bytes: a keyword prefilter ([`Keywords`] says which
//! rules are worth running), each candidate rule's regex, then exclude blocks,
//! allow rules, and overlaps between rules (the earlier rule names the finding). What
//! comes out is already redacted.

use serde::{Deserialize, Serialize};

use crate::config::RuleSet;
use crate::keywords::Keywords;
use crate::redact::redact;
use crate::rule::{Keyword, Rule};

/// One match: which rule, where, and the secret as it may be shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hit {
    /// Index into the rule set's rules.
    pub rule: usize,
    /// 1-based line of the match's start.
    pub line: u64,
    pub redacted: String,
}

/// The rule set, ready to search.
pub struct Scanner {
    set: RuleSet,
    keywords: Keywords,
    /// For each keyword pattern, the rules it enables.
    keyword_rules: Vec<Vec<usize>>,
    /// Rules without keywords: always run.
    always: Vec<usize>,
}

/// A window to search: `buf[from..]` is new, matches starting at or after `accept_before`
/// are left for the next window (which will see them whole), and `lines_before` is the
/// number of line breaks before `buf[0]` in the file.
pub struct Window<'a> {
    pub buf: &'a [u8],
    pub from: usize,
    pub accept_before: usize,
    pub lines_before: u64,
}

/// A match before allow rules and overlaps are decided.
struct Candidate {
    rule: usize,
    start: usize,
    end: usize,
    secret: (usize, usize),
}

impl Scanner {
    pub fn new(set: RuleSet) -> Scanner {
        let mut words: Vec<Keyword> = Vec::new();
        let mut keyword_rules: Vec<Vec<usize>> = Vec::new();
        let mut always = Vec::new();
        for (i, rule) in set.rules.iter().enumerate() {
            // Every text holds the empty word.
            if rule.keywords.is_empty() || rule.keywords.iter().any(|k| k.text.is_empty()) {
                always.push(i);
                continue;
            }
            for k in &rule.keywords {
                match words.iter().position(|w| w == k) {
                    Some(p) => keyword_rules[p].push(i),
                    None => {
                        words.push(k.clone());
                        keyword_rules.push(vec![i]);
                    }
                }
            }
        }
        Scanner {
            set,
            keywords: Keywords::new(&words),
            keyword_rules,
            always,
        }
    }

    pub fn rules(&self) -> &[Rule] {
        &self.set.rules
    }

    /// The rules that may report anything in the file at `path` (no leading `/`): those
    /// whose path filter admits it and that no path-only allow rule silences there.
    pub fn rules_for(&self, path: &str) -> Vec<usize> {
        if self.set.allow.iter().any(|a| a.allows_path(path)) {
            return Vec::new();
        }
        (0..self.set.rules.len())
            .filter(|&i| {
                let r = &self.set.rules[i];
                r.path.as_ref().is_none_or(|p| p.is_match(path.as_bytes()))
                    && !r.allow.iter().any(|a| a.allows_path(path))
            })
            .collect()
    }

    /// Searches one window with the rules in `applicable` (as [`Self::rules_for`] gave);
    /// appends hits in file order and returns how far into `buf` accepted matches reach.
    pub fn search(
        &self,
        applicable: &[usize],
        path: &str,
        w: &Window<'_>,
        out: &mut Vec<Hit>,
    ) -> usize {
        let candidates = self.candidates(applicable, w);
        if candidates.is_empty() {
            return w.from;
        }
        let kept = self.decide(path, w.buf, candidates);
        let reach = kept.iter().map(|c| c.end).max().unwrap_or(w.from);
        let mut line = w.lines_before + 1;
        let mut counted = 0;
        for c in kept {
            line += count_lines(&w.buf[counted..c.start]);
            counted = c.start;
            out.push(Hit {
                rule: c.rule,
                line,
                redacted: redact(&w.buf[c.secret.0..c.secret.1]),
            });
        }
        reach
    }

    /// Runs the rules the keywords call for.
    fn candidates(&self, applicable: &[usize], w: &Window<'_>) -> Vec<Candidate> {
        let mut wanted = vec![false; self.set.rules.len()];
        for &i in &self.always {
            wanted[i] = true;
        }
        self.keywords.find(&w.buf[w.from..], |k| {
            for &r in &self.keyword_rules[k] {
                wanted[r] = true;
            }
        });
        let mut out = Vec::new();
        for &i in applicable.iter().filter(|&&i| wanted[i]) {
            let rule = &self.set.rules[i];
            let mut pos = w.from;
            while pos <= w.buf.len() {
                let Some(caps) = rule.pattern.regex().captures_at(w.buf, pos) else {
                    break;
                };
                let m = caps.get(0).expect("group 0 always participates");
                if m.start() >= w.accept_before {
                    break;
                }
                // The end of a window that is not the end of the file is no end of text: a
                // match touching it may be cut short, or exist only there (`$`).
                if m.end() == w.buf.len() && w.accept_before <= w.buf.len() {
                    break;
                }
                let secret = rule
                    .pattern
                    .secret_group()
                    .and_then(|g| caps.get(g))
                    .map_or((m.start(), m.end()), |s| (s.start(), s.end()));
                if secret.1 > secret.0 {
                    out.push(Candidate {
                        rule: i,
                        start: m.start(),
                        end: m.end(),
                        secret,
                    });
                }
                pos = if m.end() > m.start() {
                    m.end()
                } else {
                    m.end() + 1
                };
            }
        }
        out
    }

    /// Drops matches in exclude blocks, allowed matches, and matches of a later rule that
    /// overlap an earlier rule's; returns the rest in file order.
    fn decide(&self, path: &str, buf: &[u8], candidates: Vec<Candidate>) -> Vec<Candidate> {
        let blocks: Vec<(usize, usize)> = self
            .set
            .exclude
            .iter()
            .flat_map(|r| r.find_iter(buf).map(|m| (m.start(), m.end())))
            .collect();
        let mut kept: Vec<Candidate> = Vec::new();
        // Candidates arrive grouped by rule, in rule order.
        for c in candidates {
            let rule = &self.set.rules[c.rule];
            let inside = |(s, e): (usize, usize)| s <= c.start && c.end <= e;
            let excluded = blocks.iter().copied().any(inside)
                || rule
                    .exclude
                    .iter()
                    .any(|r| r.find_iter(buf).any(|m| inside((m.start(), m.end()))));
            let secret = &buf[c.secret.0..c.secret.1];
            let allowed = self
                .set
                .allow
                .iter()
                .chain(&rule.allow)
                .any(|a| a.allows(path, secret));
            let overlaps = kept
                .iter()
                .any(|k| k.secret.0 < c.secret.1 && c.secret.0 < k.secret.1);
            if !excluded && !allowed && !overlaps {
                kept.push(c);
            }
        }
        kept.sort_by_key(|c| (c.start, c.rule));
        kept
    }
}

/// Line breaks in `bytes`.
pub fn count_lines(bytes: &[u8]) -> u64 {
    bytecount::count(bytes, b'\n') as u64
}
