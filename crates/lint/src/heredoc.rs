//! Heredocs (`RUN <<EOF … EOF`, `RUN python3 <<EOF`, `COPY <<EOF /file`, several per
//! instruction) are cut out before parsing: their bodies and terminator lines are
//! replaced by blanks of the same byte length, so every offset the parser reports still
//! points into the original text, and the bodies are kept here by instruction line.
//! parse-dockerfile 0.1 only understands one heredoc that starts the `RUN` arguments;
//! doing it here handles every form BuildKit accepts the same way.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::error::LintError;

/// One heredoc body.
#[derive(Debug, Clone)]
pub struct Body {
    pub delimiter: String,
    pub text: String,
}

/// Bodies by the 1-based line of the instruction they belong to, and that
/// instruction's last line (the terminator of its last heredoc).
#[derive(Debug, Default)]
pub struct HereDocs {
    pub by_line: HashMap<usize, (Vec<Body>, usize)>,
}

impl HereDocs {
    pub fn bodies(&self, line: usize) -> &[Body] {
        self.by_line
            .get(&line)
            .map(|(b, _)| b.as_slice())
            .unwrap_or_default()
    }

    pub fn end_line(&self, line: usize) -> Option<usize> {
        self.by_line.get(&line).map(|(_, e)| *e)
    }

    /// True when `word` (possibly quoted) names a heredoc of the instruction at `line`.
    pub fn is_delimiter(&self, line: usize, word: &str) -> bool {
        let w = word.trim_matches(['"', '\'']);
        self.bodies(line).iter().any(|b| b.delimiter == w)
    }
}

/// A `<<WORD` marker in an instruction line: where `<<` (and `-`) sit, and the word.
struct Marker {
    start: usize,
    len: usize,
    delimiter: String,
    strip_tabs: bool,
}

fn markers(line: &str) -> Vec<Marker> {
    let bytes = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(pos) = line[i..].find("<<") {
        let start = i + pos;
        let mut j = start + 2;
        i = j;
        if bytes.get(j) == Some(&b'<') || (start > 0 && bytes[start - 1] == b'<') {
            i = j + 1;
            continue; // `<<<` here-string
        }
        let strip_tabs = bytes.get(j) == Some(&b'-');
        if strip_tabs {
            j += 1;
        }
        let quote = bytes.get(j).copied().filter(|&q| q == b'"' || q == b'\'');
        let word_start = j + quote.is_some() as usize;
        let word_end = line[word_start..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.'))
            .map_or(line.len(), |e| word_start + e);
        if word_end == word_start {
            continue;
        }
        out.push(Marker {
            start,
            len: j - start,
            delimiter: line[word_start..word_end].to_string(),
            strip_tabs,
        });
    }
    out
}

fn blank(buf: &mut [u8], range: std::ops::Range<usize>) {
    for b in &mut buf[range] {
        if *b != b'\n' && *b != b'\r' {
            *b = b' ';
        }
    }
}

/// Cuts heredocs out of `text`. Errors on a heredoc that never ends.
pub fn extract<'a>(
    text: &'a str,
    escape: char,
    path: &str,
) -> Result<(Cow<'a, str>, HereDocs), LintError> {
    let mut docs = HereDocs::default();
    if !text.contains("<<") {
        return Ok((Cow::Borrowed(text), docs));
    }
    let mut buf = text.as_bytes().to_vec();
    // (byte offset, line text) for every line.
    let mut lines: Vec<(usize, &str)> = Vec::new();
    let mut off = 0;
    for l in text.split_inclusive('\n') {
        lines.push((off, l.trim_end_matches(['\n', '\r'])));
        off += l.len();
    }
    let mut i = 0;
    let mut continued = false;
    while i < lines.len() {
        let (_, line) = lines[i];
        let trimmed = line.trim_start();
        let first = trimmed
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        let ends_with_escape = line.trim_end().ends_with(escape);
        if trimmed.starts_with('#') {
            // Comments never start or end a continuation.
            i += 1;
            continue;
        }
        if continued || !matches!(first.as_str(), "RUN" | "COPY" | "ADD") {
            continued = ends_with_escape;
            i += 1;
            continue;
        }
        // The logical instruction line: this line and its continuations.
        let head = i;
        let mut last = i;
        while lines[last].1.trim_end().ends_with(escape) && last + 1 < lines.len() {
            last += 1;
        }
        let mut found: Vec<Marker> = Vec::new();
        for (start, l) in &lines[head..=last] {
            for m in markers(l) {
                blank(&mut buf, start + m.start..start + m.start + m.len);
                found.push(m);
            }
        }
        i = last + 1;
        if found.is_empty() {
            continue;
        }
        let mut bodies = Vec::new();
        for m in found {
            let mut body = String::new();
            loop {
                let Some(&(start, l)) = lines.get(i) else {
                    return Err(LintError::Parse {
                        path: path.to_string(),
                        line: head + 1,
                        message: format!(
                            "unterminated heredoc: no line `{}` ends <<{}",
                            m.delimiter, m.delimiter
                        ),
                    });
                };
                blank(&mut buf, start..start + l.len());
                i += 1;
                let candidate = if m.strip_tabs {
                    l.trim_start_matches('\t')
                } else {
                    l
                };
                if candidate == m.delimiter {
                    break;
                }
                body.push_str(candidate);
                body.push('\n');
            }
            bodies.push(Body {
                delimiter: m.delimiter,
                text: body,
            });
        }
        docs.by_line.insert(head + 1, (bodies, i));
    }
    // Only ASCII bytes were replaced by spaces, so this cannot fail; keep the original
    // text rather than panic if it somehow did.
    let out = String::from_utf8(buf)
        .map(Cow::Owned)
        .unwrap_or(Cow::Borrowed(text));
    Ok((out, docs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_bodies_and_keeps_offsets() {
        let text = "FROM a\nRUN python3 <<EOF\nprint(1)\nEOF\nCOPY <<-\"A\" <<B /x/\n\tone\n\tA\ntwo\nB\nRUN cat <<< x\n";
        let (out, docs) = extract(text, '\\', "f").unwrap();
        assert_eq!(out.len(), text.len());
        assert_eq!(out.lines().nth(1), Some("RUN python3   EOF"));
        assert_eq!(docs.bodies(2)[0].text, "print(1)\n");
        assert_eq!(docs.end_line(2), Some(4));
        let copy = docs.bodies(5);
        assert_eq!(
            (copy[0].text.as_str(), copy[1].text.as_str()),
            ("one\n", "two\n")
        );
        assert!(docs.is_delimiter(5, "\"A\""));
        assert!(docs.bodies(10).is_empty());
    }

    #[test]
    fn unterminated_is_an_error_with_the_line() {
        let e = extract("FROM a\nRUN <<EOF\necho\n", '\\', "Dockerfile").unwrap_err();
        assert_eq!(
            e.to_string(),
            "Dockerfile:2: unterminated heredoc: no line `EOF` ends <<EOF"
        );
    }
}
