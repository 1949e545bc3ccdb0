//! What a rule is once compiled: a linear-time regex (the `regex` crate has no backtracking,
//! so no user pattern can hang a scan), the keywords that must appear before it is worth
//! running, the paths it is limited to, and the allow rules that silence it.

use std::sync::OnceLock;

use regex::bytes::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};

use crate::error::Error;

/// Trivy's five severities, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    Unknown,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Unknown => "UNKNOWN",
            Severity::Low => "LOW",
            Severity::Medium => "MEDIUM",
            Severity::High => "HIGH",
            Severity::Critical => "CRITICAL",
        }
    }

    /// `high`, `HIGH`, … (case-insensitive).
    pub fn parse(s: &str) -> Option<Severity> {
        [
            Severity::Unknown,
            Severity::Low,
            Severity::Medium,
            Severity::High,
            Severity::Critical,
        ]
        .into_iter()
        .find(|l| l.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

/// A detection rule, compiled.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub category: String,
    pub title: String,
    pub severity: Severity,
    pub pattern: Pattern,
    /// Words one of which must occur in a window before the regex runs there (none:
    /// always run).
    pub keywords: Vec<Keyword>,
    /// Only files whose path matches are searched.
    pub path: Option<Regex>,
    /// Allow rules of this rule alone.
    pub allow: Vec<Allow>,
    /// Regions where this rule's matches do not count (Trivy's `exclude-block`).
    pub exclude: Vec<Regex>,
}

/// A rule's regex and the capture group holding the secret itself (the whole match when
/// there is none). A built-in rule's is compiled the first time a window calls for it: a
/// tree calls for few of them, and a scan starts without waiting for all.
#[derive(Debug, Clone)]
pub struct Pattern {
    /// A built-in rule's id and regex, compiled when first needed.
    builtin: Option<(&'static str, &'static str)>,
    compiled: OnceLock<(Regex, Option<usize>)>,
}

impl Pattern {
    /// A regex compiled already (a user's, checked when the config is read).
    pub fn compiled(regex: Regex, secret_group: Option<usize>) -> Pattern {
        Pattern {
            builtin: None,
            compiled: OnceLock::from((regex, secret_group)),
        }
    }

    /// A built-in rule's regex; the secret is its group named `secret`.
    pub fn builtin(id: &'static str, regex: &'static str) -> Pattern {
        Pattern {
            builtin: Some((id, regex)),
            compiled: OnceLock::new(),
        }
    }

    pub fn regex(&self) -> &Regex {
        &self.get().0
    }

    pub fn secret_group(&self) -> Option<usize> {
        self.get().1
    }

    fn get(&self) -> &(Regex, Option<usize>) {
        self.compiled.get_or_init(|| {
            let (id, source) = self
                .builtin
                .expect("only built-in patterns are compiled late");
            let regex = compile(id, source).expect("built-in rules compile (tested)");
            let secret = group_index(&regex, "secret");
            (regex, secret)
        })
    }
}

/// The index of the capture group `name` of `regex`.
pub fn group_index(regex: &Regex, name: &str) -> Option<usize> {
    regex.capture_names().position(|n| n == Some(name))
}

/// A rule's keyword.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keyword {
    /// Lower-case unless `exact`.
    pub text: String,
    /// Found only in the case written; else ASCII case-insensitively, as Trivy checks
    /// keywords. Built-in rules whose regex is case-sensitive use exact keywords.
    pub exact: bool,
}

impl Keyword {
    /// A keyword of a `trivy-secret.yaml` rule.
    pub fn any_case(text: &str) -> Keyword {
        Keyword {
            text: text.to_lowercase(),
            exact: false,
        }
    }

    /// Whether the keyword starts at `at` in `text`.
    pub fn is_at(&self, text: &[u8], at: usize) -> bool {
        let word = self.text.as_bytes();
        text.get(at..at + word.len()).is_some_and(|s| {
            if self.exact {
                s == word
            } else {
                s.eq_ignore_ascii_case(word)
            }
        })
    }
}

/// An allow rule: a match is dropped when its file's path matches `path`, or its text
/// matches `regex` (both when both are given).
#[derive(Debug, Clone)]
pub struct Allow {
    pub id: String,
    pub description: String,
    pub regex: Option<Regex>,
    pub path: Option<Regex>,
}

impl Allow {
    /// Whether this rule, by its path alone, allows every match in `path`.
    pub fn allows_path(&self, path: &str) -> bool {
        self.regex.is_none()
            && self
                .path
                .as_ref()
                .is_some_and(|p| p.is_match(path.as_bytes()))
    }

    /// Whether this rule allows `matched` (the match's text) found in `path`.
    pub fn allows(&self, path: &str, matched: &[u8]) -> bool {
        let path_ok = self
            .path
            .as_ref()
            .is_none_or(|p| p.is_match(path.as_bytes()));
        let text_ok = self.regex.as_ref().is_none_or(|r| r.is_match(matched));
        (self.path.is_some() || self.regex.is_some()) && path_ok && text_ok
    }
}

/// The most memory one compiled pattern may take: a user's rule can be slow to compile,
/// never unbounded.
const SIZE_LIMIT: usize = 32 << 20;

/// Compiles `pattern` for rule `owner`; the error is one line naming the rule.
///
/// Classes are ASCII (`\b`, `\w`, `\s`, `\d` and case folding), as in Go's RE2 that Trivy's
/// rules are written for. That is also what keeps a search fast: a Unicode word boundary
/// stops the regex crate's DFA at the first non-ASCII byte and leaves the rest of the window
/// to a much slower engine. Non-ASCII literals still match their UTF-8 bytes.
pub fn compile(owner: &str, pattern: &str) -> Result<Regex, Error> {
    RegexBuilder::new(pattern)
        .unicode(false)
        .size_limit(SIZE_LIMIT)
        .build()
        .map_err(|e| Error::Rule {
            rule: owner.to_string(),
            message: one_line(&e.to_string()),
        })
}

/// The regex crate explains syntax errors over several lines (pattern, caret, error); the
/// `error:` line says it all.
fn one_line(message: &str) -> String {
    message
        .lines()
        .find_map(|l| l.trim().strip_prefix("error: "))
        .map_or_else(
            || message.split_whitespace().collect::<Vec<_>>().join(" "),
            str::to_string,
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_pattern_is_one_line_naming_the_rule() {
        let e = compile("my-rule", "(?P<secret>[a-z")
            .unwrap_err()
            .to_string();
        assert!(e.contains("my-rule"), "{e}");
        assert!(!e.contains('\n'), "{e}");
    }

    #[test]
    fn classes_are_ascii_as_in_re2_and_literals_match_utf8() {
        let word = compile("r", r"\bkey\b").unwrap();
        assert!(word.is_match("é key é".as_bytes()));
        assert!(!word.is_match(b"keys"));
        let folded = compile("r", "(?i)token").unwrap();
        assert!(folded.is_match(b"TOKEN"));
        let literal = compile("r", "clé=(?P<secret>[a-z]+)").unwrap();
        assert!(literal.is_match("clé=abc".as_bytes()));
    }

    #[test]
    fn allow_needs_something_to_match() {
        let a = Allow {
            id: "x".into(),
            description: String::new(),
            regex: None,
            path: None,
        };
        assert!(!a.allows("a", b"b"));
    }
}
