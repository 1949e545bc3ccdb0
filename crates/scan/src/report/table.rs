//! The human table: per target a summary line, then findings grouped by package.

use std::io::{self, Write};

use crate::finding::{Finding, FixStatus, Level, Report, TargetReport};
use crate::report::Summary;

/// How to draw the table.
#[derive(Debug, Clone, Copy, Default)]
pub struct TableOptions {
    /// ANSI colours by severity (the caller decides: TTY, `NO_COLOR`).
    pub color: bool,
    /// Also list suppressed findings, marked.
    pub show_suppressed: bool,
}

fn paint(level: Level, text: &str, color: bool) -> String {
    if !color {
        return text.to_string();
    }
    let code = match level {
        Level::Critical => "1;31",
        Level::High => "31",
        Level::Medium => "33",
        Level::Low => "34",
        Level::Unknown => "2",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

fn status_text(f: &Finding) -> String {
    match (f.status, &f.fixed_version) {
        (FixStatus::Fixed, Some(v)) => format!("fixed in {v}"),
        (FixStatus::WillNotFix, _) => "will not fix".into(),
        (FixStatus::Undetermined, _) => "undetermined".into(),
        _ => "no fix yet".into(),
    }
}

fn split_text(s: &Summary) -> String {
    match (s.base, s.added) {
        (Some(b), Some(a)) => format!("base image: {b}, added on top: {a}"),
        _ => "base/added: unknown".into(),
    }
}

/// The first `max` characters of a one-line title, with an ellipsis when cut.
fn short(s: &str, max: usize) -> String {
    let line = s.lines().next().unwrap_or("");
    if line.chars().count() <= max {
        return line.to_string();
    }
    let cut: String = line.chars().take(max - 1).collect();
    format!("{}…", cut.trim_end())
}

/// Writes the table.
pub fn table(report: &Report, opts: TableOptions, out: &mut dyn Write) -> io::Result<()> {
    for t in &report.targets {
        target(t, opts, out)?;
    }
    if report.targets.len() > 1 {
        let s = Summary::of(report.targets.iter().flat_map(|t| &t.findings));
        writeln!(
            out,
            "All {} targets: {} ({})",
            report.targets.len(),
            s.total,
            s.levels()
        )?;
        writeln!(out, "  {}", split_text(&s))?;
    }
    Ok(())
}

fn target(t: &TargetReport, opts: TableOptions, out: &mut dyn Write) -> io::Result<()> {
    let os = t.os.as_ref().map_or(String::new(), |o| {
        format!(" ({})", crate::ecosystem::os_label(o))
    });
    let title = format!("{}{os}", t.name);
    writeln!(out, "{title}")?;
    writeln!(out, "{}", "=".repeat(title.chars().count()))?;
    // A one-layer image has nothing to split: name its base only when something names it.
    if let Some(base) = t
        .base
        .as_ref()
        .filter(|b| b.label().is_some() || t.layers.len() > 1)
    {
        writeln!(out, "Base: {}", base.describe())?;
    }
    let s = Summary::of(&t.findings);
    writeln!(out, "Total: {} ({})", s.total, s.levels())?;
    let base = match t.base_layers {
        Some(n) => format!("{} (base = layers 0..{n})", split_text(&s)),
        None => split_text(&s),
    };
    write!(out, "{base}")?;
    if s.suppressed > 0 {
        write!(out, "; {} suppressed", s.suppressed)?;
    }
    writeln!(out, "; {} packages scanned", t.packages)?;
    let shown: Vec<&Finding> = t
        .findings
        .iter()
        .filter(|f| opts.show_suppressed || f.suppressed.is_none())
        .collect();
    if !shown.is_empty() {
        writeln!(out)?;
    }
    let id_w = shown.iter().map(|f| f.id.len()).max().unwrap_or(0);
    let mut i = 0;
    while i < shown.len() {
        let head = shown[i];
        let same = |f: &&Finding| {
            f.package == head.package
                && f.installed_version == head.installed_version
                && f.found_at == head.found_at
        };
        let group: Vec<&Finding> = shown[i..].iter().copied().take_while(same).collect();
        i += group.len();
        let kind = serde_json::to_value(head.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let mut about = vec![match &head.source_package {
            Some(s) => format!("{kind} [source {s}]"),
            None => kind,
        }];
        if let Some(stream) = &head.module_stream {
            about.push(format!("module {stream}"));
        }
        if let Some(l) = &head.layer {
            about.push(format!("layer {}", l.index));
        }
        match head.line {
            Some(line) => about.push(format!("{}:{line}", head.found_at)),
            None if !head.found_at.is_empty() => about.push(head.found_at.clone()),
            None => {}
        }
        writeln!(
            out,
            "{} {} ({})",
            head.package,
            head.installed_version,
            about.join(", ")
        )?;
        for f in group {
            let level = format!("{:<8}", f.severity.level.as_str());
            // Who rated it (`debian`, `ghsa`, `nvd`, `cna`, `cisa-adp`…): a gate on a level is
            // only as good as its source.
            let mut line = format!(
                "  {:id_w$}  {}  {:<8}  {:<24}  {}",
                f.id,
                paint(f.severity.level, &level, opts.color),
                f.severity.source,
                status_text(f),
                short(&f.title, 70)
            );
            if let Some(s) = &f.suppressed {
                line.push_str(&format!(
                    "  (suppressed by {}{})",
                    s.by,
                    s.reason
                        .as_ref()
                        .map_or(String::new(), |r| format!(": {r}"))
                ));
            }
            writeln!(out, "{}", line.trim_end())?;
        }
    }
    for w in &t.warnings {
        writeln!(out, "warning: {w}")?;
    }
    // Gaps close the table: a short list above them must not read as a clean bill.
    for line in t.coverage_lines() {
        writeln!(out, "{line}")?;
    }
    writeln!(out)
}
