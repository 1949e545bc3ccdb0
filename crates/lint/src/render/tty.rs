use std::io::{self, Write};

use crate::{Diagnostic, Severity};

fn paint(color: bool, code: &str, text: &str) -> String {
    if color {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

fn severity_style(s: Severity) -> &'static str {
    match s {
        Severity::Error => "1;31",
        Severity::Warning => "33",
        Severity::Info => "36",
        Severity::Style => "2",
    }
}

/// One finding per line, `file:line severity ID: message [DLxxxx]`, its fix hint below,
/// and a one-line summary. `color` adds ANSI colours; callers decide it from NO_COLOR and
/// whether the output is a terminal.
pub fn tty(out: &mut dyn Write, diagnostics: &[Diagnostic], color: bool) -> io::Result<()> {
    for d in diagnostics {
        let place = paint(color, "1", &format!("{}:{}", d.file, d.line));
        let level = paint(color, severity_style(d.level), d.level.as_str());
        let also = d.hadolint.map(|h| format!(" [{h}]")).unwrap_or_default();
        writeln!(out, "{place} {level} {}: {}{also}", d.code, d.message)?;
        writeln!(out, "  {} {}", paint(color, "2", "hint:"), d.hint)?;
    }
    let count = |s| diagnostics.iter().filter(|d| d.level == s).count();
    let files = {
        let mut f: Vec<&str> = diagnostics.iter().map(|d| d.file.as_str()).collect();
        f.sort_unstable();
        f.dedup();
        f.len()
    };
    if diagnostics.is_empty() {
        writeln!(out, "no findings")
    } else {
        writeln!(
            out,
            "{} findings in {files} file(s): {} error, {} warning, {} info, {} style",
            diagnostics.len(),
            count(Severity::Error),
            count(Severity::Warning),
            count(Severity::Info),
            count(Severity::Style)
        )
    }
}
