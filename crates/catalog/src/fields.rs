//! The `Key: value` paragraph format shared by dpkg's status files, Python's METADATA and
//! Java's MANIFEST.MF (RFC 822 headers with indented continuation lines).

/// Splits text into paragraphs separated by blank (or whitespace-only) lines.
pub fn paragraphs(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        loop {
            if rest.is_empty() {
                return None;
            }
            let (para, tail) = split_paragraph(rest);
            rest = tail;
            if !para.trim().is_empty() {
                return Some(para);
            }
        }
    })
}

/// The first paragraph and what follows the blank line after it.
fn split_paragraph(text: &str) -> (&str, &str) {
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        if line.trim().is_empty() {
            return (&text[..start], &text[start + line.len()..]);
        }
        start += line.len();
    }
    (text, "")
}

/// The fields of one paragraph as `(key, value)`, value trimmed. Continuation lines (starting
/// with a space or tab) are skipped: every field this crate reads fits on its first line.
pub fn fields(paragraph: &str) -> impl Iterator<Item = (&str, &str)> {
    paragraph.lines().filter_map(|line| {
        if line.starts_with([' ', '\t']) {
            return None;
        }
        let (key, value) = line.split_once(':')?;
        Some((key.trim(), value.trim()))
    })
}

/// The first value of `key` in a paragraph.
pub fn field<'a>(paragraph: &'a str, key: &str) -> Option<&'a str> {
    fields(paragraph)
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_paragraphs_and_fields() {
        let text = "A: 1\nB: two\n words\n\n \nA: 3\r\n\n";
        let paras: Vec<_> = paragraphs(text).collect();
        assert_eq!(paras.len(), 2);
        assert_eq!(
            fields(paras[0]).collect::<Vec<_>>(),
            [("A", "1"), ("B", "two")]
        );
        assert_eq!(field(paras[1], "a"), Some("3"));
    }
}
