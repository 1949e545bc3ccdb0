//! Line-oriented reading shared by the lockfile catalogers: UTF-8 checks, merge-conflict
//! markers, and the small subset of YAML block syntax that pnpm, pub and CocoaPods lockfiles
//! use (indented `key: value` lines and `- item` lines; flow values are kept as raw text).
//!
//! Errors name the 1-based line, so a warning can point at it.

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
    fn finds_conflict_markers() {
        let e = lockfile_text(b"a\n<<<<<<< HEAD\nb\n=======\nc\n>>>>>>> x\n").unwrap_err();
        assert_eq!(e, "line 2: merge conflict marker");
    }
}
