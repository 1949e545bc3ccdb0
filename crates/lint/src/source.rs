//! Turning raw bytes into Dockerfile text, and byte offsets into line numbers.

use crate::error::LintError;

/// Checks that bytes are a text file: no NUL byte (a binary), valid UTF-8, not empty.
pub fn decode<'a>(bytes: &'a [u8], path: &str) -> Result<&'a str, LintError> {
    let head = &bytes[..bytes.len().min(8192)];
    if let Some(offset) = head.iter().position(|&b| b == 0) {
        return Err(LintError::Binary {
            path: path.to_string(),
            offset,
        });
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let offset = e.valid_up_to();
        let line = bytes[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
        LintError::NotUtf8 {
            path: path.to_string(),
            line,
            offset,
        }
    })?;
    Ok(text)
}

/// Line starts of a text, for turning byte offsets into 1-based lines.
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex { starts }
    }

    /// 1-based line of a byte offset.
    pub fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset)
    }

    /// 1-based column (in bytes) of a byte offset.
    pub fn column(&self, offset: usize) -> usize {
        let line = self.line(offset);
        offset - self.starts[line - 1] + 1
    }

    /// The text of a 1-based line, without its newline.
    pub fn text<'a>(&self, text: &'a str, line: usize) -> &'a str {
        let start = self.starts.get(line - 1).copied().unwrap_or(text.len());
        let end = self.starts.get(line).map(|e| e - 1).unwrap_or(text.len());
        text.get(start..end).unwrap_or("").trim_end_matches('\r')
    }

    pub fn lines(&self) -> usize {
        self.starts.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns() {
        let text = "FROM a\nRUN b\n\nCMD c";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line(0), 1);
        assert_eq!(idx.line(7), 2);
        assert_eq!(idx.column(11), 5);
        assert_eq!(idx.text(text, 4), "CMD c");
        assert_eq!(idx.lines(), 4);
    }

    #[test]
    fn rejects_binary_and_bad_utf8() {
        assert!(matches!(
            decode(b"FROM a\0", "x"),
            Err(LintError::Binary { offset: 6, .. })
        ));
        assert!(matches!(
            decode(b"FROM a\nRUN \xff\n", "x"),
            Err(LintError::NotUtf8 {
                line: 2,
                offset: 11,
                ..
            })
        ));
    }
}
