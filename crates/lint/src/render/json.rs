use std::io::{self, Write};

use crate::Diagnostic;

/// A JSON array of findings. Field names follow hadolint's `-f json` (`file`, `line`,
/// `column`, `code`, `level`, `message`) plus `end_line`, `hadolint` and `hint`.
pub fn json(out: &mut dyn Write, diagnostics: &[Diagnostic]) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, diagnostics)?;
    writeln!(out)
}
