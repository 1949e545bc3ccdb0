//! What a directory walk leaves out: Trivy's `--skip-dirs` and `--skip-files` globs
//! (relative to the walked root), and, inside a git work tree, what its `.gitignore` files
//! ignore (and `.git` itself). Outside a work tree `.gitignore` files are ordinary files: a
//! root filesystem may hold some that belong to installed packages.
//!
//! Globs: `*` and `?` stay within one path component, `**` crosses them, `[abc]`/`[!a-z]`
//! are classes. Matching is linear in pattern × path, so no pattern can hang a walk.

use std::path::Path;

/// The user's skips for one directory walk. The default skips nothing, not even what a
/// `.gitignore` ignores: a secret scan wants exactly those files, and `files dir:` lists
/// what is there.
#[derive(Debug, Clone, Default)]
pub struct Skips {
    dirs: Vec<Glob>,
    files: Vec<Glob>,
    gitignore: bool,
}

impl Skips {
    /// Skips from `--skip-dirs` and `--skip-files` patterns (a leading `./` is ignored),
    /// plus, inside a git work tree, `.git` and what its `.gitignore` files ignore.
    pub fn new<S: AsRef<str>>(dirs: &[S], files: &[S]) -> Skips {
        let globs = |v: &[S]| v.iter().map(|s| Glob::new(s.as_ref())).collect();
        Skips {
            dirs: globs(dirs),
            files: globs(files),
            gitignore: true,
        }
    }

    /// Whether a walk inside a git work tree leaves out `.git` and what `.gitignore` ignores.
    pub fn honours_gitignore(&self) -> bool {
        self.gitignore
    }

    /// Whether the entry at `rel` (relative to the root, `/`-separated) is skipped.
    pub fn skips(&self, rel: &[u8], is_dir: bool) -> bool {
        let list = if is_dir { &self.dirs } else { &self.files };
        list.iter().any(|g| g.matches(rel))
    }
}

/// One `.gitignore` file: its rules, matched against paths relative to its directory.
#[derive(Debug, Clone)]
pub struct Gitignore {
    rules: Vec<Rule>,
}

#[derive(Debug, Clone)]
struct Rule {
    glob: Glob,
    negated: bool,
    dir_only: bool,
    /// A pattern with a `/` before its end matches the whole relative path; one without
    /// matches the last component at any depth.
    anchored: bool,
}

/// What the rules of one file say about a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Ignored,
    Kept,
    Unsaid,
}

impl Gitignore {
    /// Parses a `.gitignore` file's text.
    pub fn parse(text: &str) -> Gitignore {
        let rules = text
            .lines()
            .filter_map(|line| {
                let line = line.trim_end();
                if line.is_empty() || line.starts_with('#') {
                    return None;
                }
                let (negated, line) = match line.strip_prefix('!') {
                    Some(rest) => (true, rest),
                    None => (false, line.strip_prefix('\\').unwrap_or(line)),
                };
                let (dir_only, line) = match line.strip_suffix('/') {
                    Some(rest) => (true, rest),
                    None => (false, line),
                };
                let anchored = line.contains('/');
                let line = line.strip_prefix('/').unwrap_or(line);
                (!line.is_empty()).then(|| Rule {
                    glob: Glob::new(line),
                    negated,
                    dir_only,
                    anchored,
                })
            })
            .collect();
        Gitignore { rules }
    }

    /// The last rule matching `rel` (relative to this file's directory) decides.
    pub fn verdict(&self, rel: &[u8], is_dir: bool) -> Verdict {
        let name = rel.rsplit(|&b| b == b'/').next().unwrap_or(rel);
        for rule in self.rules.iter().rev() {
            if rule.dir_only && !is_dir {
                continue;
            }
            let subject = if rule.anchored { rel } else { name };
            if rule.glob.matches(subject) {
                return if rule.negated {
                    Verdict::Kept
                } else {
                    Verdict::Ignored
                };
            }
        }
        Verdict::Unsaid
    }
}

/// Whether `root` lies in a git work tree (it or an ancestor holds `.git`).
pub fn in_git_work_tree(root: &Path) -> bool {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    root.ancestors().any(|d| d.join(".git").exists())
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Byte(u8),
    AnyByte,
    /// `*`: any run of bytes without `/`.
    Star,
    /// `**/` (or a leading `**`): nothing, or any run ending in `/`.
    DirStar,
    /// A trailing `/**` or a `**` elsewhere: anything.
    All,
    Class(Vec<(u8, u8)>, bool),
}

#[derive(Debug, Clone)]
struct Glob(Vec<Token>);

impl Glob {
    fn new(pattern: &str) -> Glob {
        let p = pattern.strip_prefix("./").unwrap_or(pattern).as_bytes();
        let mut tokens = Vec::new();
        let mut i = 0;
        while i < p.len() {
            match p[i] {
                b'*' if p.get(i + 1) == Some(&b'*') => {
                    if p.get(i + 2) == Some(&b'/') {
                        tokens.push(Token::DirStar);
                        i += 3;
                    } else {
                        tokens.push(Token::All);
                        i += 2;
                    }
                    continue;
                }
                b'*' => tokens.push(Token::Star),
                b'?' => tokens.push(Token::AnyByte),
                b'[' => {
                    if let Some((class, used)) = class(&p[i + 1..]) {
                        tokens.push(class);
                        i += used + 1;
                        continue;
                    }
                    tokens.push(Token::Byte(b'['));
                }
                b'\\' if i + 1 < p.len() => {
                    tokens.push(Token::Byte(p[i + 1]));
                    i += 1;
                }
                b => tokens.push(Token::Byte(b)),
            }
            i += 1;
        }
        Glob(tokens)
    }

    /// Dynamic programming over (token, byte) positions: `reach[j]` says the tokens so far
    /// can consume exactly `text[..j]`.
    fn matches(&self, text: &[u8]) -> bool {
        let mut reach = vec![false; text.len() + 1];
        reach[0] = true;
        for token in &self.0 {
            let mut next = vec![false; text.len() + 1];
            for j in 0..=text.len() {
                if !reach[j] {
                    continue;
                }
                match token {
                    Token::Star => {
                        next[j] = true;
                        for k in j..text.len() {
                            if text[k] == b'/' {
                                break;
                            }
                            next[k + 1] = true;
                        }
                    }
                    Token::All => next[j..].iter_mut().for_each(|n| *n = true),
                    Token::DirStar => {
                        next[j] = true;
                        for k in j..text.len() {
                            if text[k] == b'/' {
                                next[k + 1] = true;
                            }
                        }
                    }
                    _ if j < text.len() && single(token, text[j]) => next[j + 1] = true,
                    _ => {}
                }
            }
            reach = next;
        }
        reach[text.len()]
    }
}

fn single(token: &Token, b: u8) -> bool {
    match token {
        Token::Byte(c) => *c == b,
        Token::AnyByte => b != b'/',
        Token::Class(ranges, negated) => {
            b != b'/' && ranges.iter().any(|&(lo, hi)| lo <= b && b <= hi) != *negated
        }
        _ => false,
    }
}

/// A `[…]` class after its `[`: the token and how many bytes it used (with the `]`).
fn class(p: &[u8]) -> Option<(Token, usize)> {
    let (negated, start) = match p.first() {
        Some(b'!' | b'^') => (true, 1),
        _ => (false, 0),
    };
    let close = start + 1 + p.get(start + 1..)?.iter().position(|&b| b == b']')?;
    let body = &p[start..close];
    let mut ranges = Vec::new();
    let mut i = 0;
    while i < body.len() {
        if i + 2 < body.len() && body[i + 1] == b'-' {
            ranges.push((body[i], body[i + 2]));
            i += 3;
        } else {
            ranges.push((body[i], body[i]));
            i += 1;
        }
    }
    Some((Token::Class(ranges, negated), close + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        let m = |p: &str, t: &str| Glob::new(p).matches(t.as_bytes());
        assert!(m("**/node_modules", "node_modules"));
        assert!(m("**/node_modules", "a/b/node_modules"));
        assert!(!m("**/node_modules", "a/node_modules_x"));
        assert!(m("./testdata/*", "testdata/x"));
        assert!(!m("testdata/*", "testdata/x/y"));
        assert!(m("testdata/**", "testdata/x/y"));
        assert!(m("a/**/b", "a/b"));
        assert!(m("a/**/b", "a/x/y/b"));
        assert!(m("*.lo[gc]", "x.log"));
        assert!(!m("*.lo[!gc]", "x.log"));
        assert!(!m("*", "a/b"));
        // Many stars against a long path stay linear.
        let long = "a/".repeat(2000);
        assert!(!m("**/*a*a*a*a*a*a*a*a*b", &long));
    }

    #[test]
    fn gitignore_rules() {
        let g = Gitignore::parse("# c\n*.log\n!keep.log\nbuild/\n/top.txt\ndocs/*.md\n");
        let v = |p: &str, d| g.verdict(p.as_bytes(), d);
        assert_eq!(v("a/x.log", false), Verdict::Ignored);
        assert_eq!(v("a/keep.log", false), Verdict::Kept);
        assert_eq!(v("a/build", true), Verdict::Ignored);
        assert_eq!(v("a/build", false), Verdict::Unsaid);
        assert_eq!(v("top.txt", false), Verdict::Ignored);
        assert_eq!(v("a/top.txt", false), Verdict::Unsaid);
        assert_eq!(v("docs/a.md", false), Verdict::Ignored);
    }
}
