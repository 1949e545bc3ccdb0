//! Line-oriented reading shared by the lockfile catalogers: UTF-8 checks, merge-conflict
//! markers, and the small subset of YAML block syntax that pnpm, pub and CocoaPods lockfiles
//! use (indented `key: value` lines and `- item` lines; flow values are kept as raw text).
//!
//! Errors name the 1-based line, so a warning can point at it; [`json_lines`] and
//! [`toml_line`] find the line of a value serde has already read, so a package can.

use std::collections::HashMap;

/// The file as text, refused with the line of the first merge-conflict marker.
pub fn lockfile_text(data: &[u8]) -> Result<&str, String> {
    let text = std::str::from_utf8(data).map_err(|e| format!("not UTF-8: {e}"))?;
    for (i, line) in text.lines().enumerate() {
        let conflict = line.starts_with("<<<<<<< ")
            || line.starts_with(">>>>>>> ")
            || line == "<<<<<<<"
            || line == ">>>>>>>"
            || line == "=======";
        if conflict {
            return Err(format!("line {}: merge conflict marker", i + 1));
        }
    }
    Ok(text)
}

/// A serde_json error as `line L column C: what`, the form warnings use.
pub fn json_error(e: &serde_json::Error) -> String {
    format!("line {} column {}: invalid JSON: {e}", e.line(), e.column())
}

/// A TOML error with the line it points at, when it points anywhere.
pub fn toml_error(text: &str, e: &toml::de::Error) -> String {
    let message = e.message();
    match e.span() {
        Some(span) => {
            let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
            format!("line {line}: invalid TOML: {message}")
        }
        None => format!("invalid TOML: {message}"),
    }
}

/// One step of a path into a JSON document: an object key as written (escapes left as
/// they are) or an array index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// The 1-based line on which each value of a JSON document starts, by its path from the
/// root. serde_json keeps no positions, so a lockfile is read twice: once by serde for its
/// meaning, once here for lines. Meant for text serde has accepted; on anything else it
/// returns what it could find and never panics.
pub fn json_lines(text: &str) -> HashMap<Vec<Step<'_>>, u32> {
    let bytes = text.as_bytes();
    let mut lines = HashMap::new();
    let mut path: Vec<Step> = Vec::new();
    // Per open container: whether it is an object, and for one whether a key is on `path`.
    let mut open: Vec<(bool, bool)> = Vec::new();
    let mut line = 1;
    let mut expect_key = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => line += 1,
            b' ' | b'\t' | b'\r' | b':' => {}
            b',' => match open.last_mut() {
                Some((true, has_key)) => {
                    if std::mem::take(has_key) {
                        path.pop();
                    }
                    expect_key = true;
                }
                Some((false, _)) => {
                    if let Some(Step::Index(n)) = path.pop() {
                        path.push(Step::Index(n + 1));
                    }
                }
                None => {}
            },
            b'}' | b']' => {
                if let Some((object, has_key)) = open.pop()
                    && (has_key || !object)
                {
                    path.pop();
                }
                expect_key = false;
            }
            b'"' if expect_key => {
                let end = string_end(bytes, i + 1);
                path.push(Step::Key(&text[i + 1..end]));
                if let Some((_, has_key)) = open.last_mut() {
                    *has_key = true;
                }
                expect_key = false;
                i = end;
            }
            b => {
                lines.insert(path.clone(), line);
                match b {
                    b'{' => {
                        open.push((true, false));
                        expect_key = true;
                    }
                    b'[' => {
                        open.push((false, false));
                        path.push(Step::Index(0));
                    }
                    b'"' => i = string_end(bytes, i + 1),
                    // A number or literal: skip to the byte that ends it.
                    _ => {
                        while i + 1 < bytes.len() && !b",]}\n \t\r".contains(&bytes[i + 1]) {
                            i += 1;
                        }
                    }
                }
            }
        }
        i += 1;
    }
    lines
}

/// The index of the quote closing a JSON string whose body starts at `from` (the end of
/// the bytes when it is unterminated).
fn string_end(bytes: &[u8], from: usize) -> usize {
    let mut i = from;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return i,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// The 1-based line of a byte offset, as `toml::Spanned` gives them.
pub fn toml_line(text: &str, offset: usize) -> u32 {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u32
        + 1
}

/// One meaningful line of a YAML block document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YamlLine<'a> {
    /// 1-based line number.
    pub number: u32,
    /// Columns of leading spaces (a `- ` list marker counts as part of the indent of what
    /// follows it, as YAML sees it).
    pub indent: usize,
    /// True for a `- item` line.
    pub item: bool,
    /// The key of a `key: value` or `key:` line, unquoted; empty for a bare list item.
    pub key: &'a str,
    /// The value after the colon (or the whole item), unquoted and trimmed; may be empty.
    pub value: &'a str,
}

/// The meaningful lines of a block-style YAML document, skipping comments, blank lines and
/// document markers. A tab in the indentation is an error, as YAML forbids it.
pub fn yaml_lines(text: &str) -> Result<Vec<YamlLine<'_>>, String> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let number = i as u32 + 1;
        let body = raw.trim_start_matches(' ');
        let mut indent = raw.len() - body.len();
        if body.starts_with('\t') {
            return Err(format!("line {number}: tab in indentation"));
        }
        let body = body.trim_end();
        if body.is_empty() || body.starts_with('#') || body == "---" || body == "..." {
            continue;
        }
        let (item, body) = match body
            .strip_prefix("- ")
            .or(body.strip_prefix('-').filter(|b| b.is_empty()))
        {
            Some(rest) => {
                indent += 2;
                (true, rest.trim_start())
            }
            None => (false, body),
        };
        let (key, value) = split_key(body);
        out.push(YamlLine {
            number,
            indent,
            item,
            key: unquote(key),
            value: unquote(strip_comment(value)),
        });
    }
    Ok(out)
}

/// `key: value` → (key, value); a line without a mapping colon is all value.
fn split_key(body: &str) -> (&str, &str) {
    // A quoted key may hold colons of its own.
    let close = match body.as_bytes().first() {
        Some(q @ (b'"' | b'\'')) => body[1..].find(*q as char).map(|i| i + 2),
        _ => Some(0),
    };
    let Some(from) = close else {
        return ("", body);
    };
    if body.starts_with('{') || body.starts_with('[') {
        return ("", body);
    }
    let rest = &body[from..];
    let colon = rest
        .match_indices(':')
        .map(|(i, _)| i)
        .find(|&i| rest[i + 1..].is_empty() || rest[i + 1..].starts_with(' '));
    match colon {
        Some(i) => (body[..from + i].trim(), rest[i + 1..].trim()),
        None => ("", body),
    }
}

fn strip_comment(value: &str) -> &str {
    if value.starts_with(['"', '\'']) {
        return value;
    }
    match value.find(" #") {
        Some(i) => value[..i].trim_end(),
        None => value,
    }
}

/// Drops one pair of matching quotes.
pub fn unquote(s: &str) -> &str {
    let s = s.trim();
    for q in ['"', '\''] {
        if let Some(inner) = s.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner;
        }
    }
    s
}

/// The lines nested under the top-level key `section` (indent 0).
pub fn yaml_section<'a, 'b>(lines: &'b [YamlLine<'a>], section: &str) -> &'b [YamlLine<'a>] {
    let Some(start) = lines
        .iter()
        .position(|l| l.indent == 0 && !l.item && l.key == section)
    else {
        return &[];
    };
    let rest = &lines[start + 1..];
    let end = rest
        .iter()
        .position(|l| l.indent == 0)
        .unwrap_or(rest.len());
    &rest[..end]
}

/// Splits a run of lines into blocks, each starting at a line of the given indent.
pub fn yaml_blocks<'a, 'b>(
    lines: &'b [YamlLine<'a>],
    indent: usize,
) -> impl Iterator<Item = (&'b YamlLine<'a>, &'b [YamlLine<'a>])> {
    let starts: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.indent == indent)
        .map(|(i, _)| i)
        .collect();
    let ends: Vec<usize> = starts
        .iter()
        .skip(1)
        .copied()
        .chain([lines.len()])
        .collect();
    starts
        .into_iter()
        .zip(ends)
        .map(move |(s, e)| (&lines[s], &lines[s + 1..e]))
}

/// The value of `key` among the direct children (the smallest indent) of a block.
pub fn yaml_child<'a>(children: &[YamlLine<'a>], key: &str) -> Option<&'a str> {
    let indent = children.iter().map(|l| l.indent).min()?;
    children
        .iter()
        .find(|l| l.indent == indent && l.key == key)
        .map(|l| l.value)
}

/// Test helper: parses `text` as the file at `path` and checks (name, version, direct, line)
/// of each package, the facts a lockfile test checks.
#[cfg(test)]
pub fn assert_rows(
    parse: fn(&crate::FileInput) -> Result<Vec<crate::Package>, String>,
    path: &str,
    text: &str,
    want: &[(&str, &str, Option<bool>, Option<u32>)],
) {
    let input = crate::FileInput {
        path,
        data: text.as_bytes(),
        mode: 0,
    };
    let got = parse(&input).unwrap();
    let got: Vec<_> = got
        .iter()
        .map(|p| (p.name.as_str(), p.version.as_str(), p.direct, p.line))
        .collect();
    assert_eq!(got, want);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_block_yaml() {
        let text = "lockfileVersion: '9.0'\n\nimporters:\n  .:\n    dependencies:\n      'a:b':\n        version: 1.0.0 # c\n  - x (1.0):\n";
        let lines = yaml_lines(text).unwrap();
        assert_eq!(lines[0].value, "9.0");
        assert_eq!(lines[2].key, ".");
        assert_eq!((lines[4].key, lines[4].indent), ("a:b", 6));
        assert_eq!(
            (lines[5].key, lines[5].value, lines[5].number),
            ("version", "1.0.0", 7)
        );
        assert_eq!(
            (lines[6].item, lines[6].key, lines[6].indent),
            (true, "x (1.0)", 4)
        );
        assert_eq!(yaml_section(&lines, "importers").len(), 5);
        assert!(yaml_lines("a:\n\tb: 1\n").unwrap_err().contains("line 2"));
    }

    #[test]
    fn finds_json_lines() {
        let text = "{\"packages\": {\n  \"\": {},\n  \"node_modules/a\\\"b\": {\"v\": [1,\n\"x\"]},\n  \"c\": {\"d\": {\"e\": []}}\n},\n\"list\": [{\"n\": 1},\n {\"n\": 2}]}";
        let lines = json_lines(text);
        let at = |path: &[Step]| lines.get(path).copied();
        use Step::{Index, Key};
        assert_eq!(at(&[]), Some(1));
        assert_eq!(at(&[Key("packages"), Key("")]), Some(2));
        assert_eq!(at(&[Key("packages"), Key(r#"node_modules/a\"b"#)]), Some(3));
        let v = [Key("packages"), Key(r#"node_modules/a\"b"#), Key("v")];
        assert_eq!(at(&[&v[..], &[Index(1)]].concat()), Some(4));
        assert_eq!(
            at(&[Key("packages"), Key("c"), Key("d"), Key("e")]),
            Some(5)
        );
        assert_eq!(at(&[Key("list"), Index(0)]), Some(7));
        assert_eq!(at(&[Key("list"), Index(1), Key("n")]), Some(8));
        // Broken text never panics.
        for cut in 0..text.len() {
            json_lines(&text[..cut]);
        }
    }

    #[test]
    fn finds_conflict_markers() {
        let e = lockfile_text(b"a\n<<<<<<< HEAD\nb\n=======\nc\n>>>>>>> x\n").unwrap_err();
        assert_eq!(e, "line 2: merge conflict marker");
    }
}
