//! Facts side by side: one column per image, one row per fact.

use std::io::{self, Write};

use crate::facts::Facts;

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// The rows of the comparison: a label, then one cell per image.
pub fn rows(facts: &[Facts]) -> Vec<(&'static str, Vec<String>)> {
    let col = |f: &dyn Fn(&Facts) -> String| facts.iter().map(f).collect::<Vec<_>>();
    vec![
        ("image", col(&|f| f.image.clone())),
        ("os", col(&|f| f.os.label())),
        (
            "end of life",
            col(&|f| match (&f.os.eol.date, f.os.eol.past) {
                (Some(d), Some(true)) => format!("{d} (past)"),
                (Some(d), _) => d.clone(),
                _ => "unknown".into(),
            }),
        ),
        (
            "libc",
            col(&|f| match &f.libc_version {
                Some(v) => format!("{} {v}", f.libc),
                None => f.libc.to_string(),
            }),
        ),
        (
            "shell",
            col(&|f| if f.shell { "yes".into() } else { "no".into() }),
        ),
        (
            "package manager",
            col(&|f| match (&f.package_manager, f.multi_call.first()) {
                (Some(pm), _) => pm.clone(),
                (None, Some(m)) => format!("none ({} applets)", m.kind),
                (None, None) => "none".into(),
            }),
        ),
        (
            "user",
            col(&|f| match f.runs_as_root {
                Some(true) => format!("{} (root)", f.user),
                Some(false) => f.user.clone(),
                None => format!("{} (unresolved)", f.user),
            }),
        ),
        ("size", col(&|f| mb(f.size.uncompressed))),
        (
            "compressed",
            col(&|f| f.size.compressed.map_or("-".into(), mb)),
        ),
        ("layers", col(&|f| f.layers.to_string())),
        (
            "packages",
            col(&|f| {
                let types: Vec<String> = f
                    .packages
                    .by_type
                    .iter()
                    .map(|(k, v)| format!("{k} {v}"))
                    .collect();
                if types.is_empty() {
                    "0".into()
                } else {
                    format!("{} ({})", f.packages.total, types.join(", "))
                }
            }),
        ),
        (
            "vulnerabilities",
            col(&|f| match &f.vulnerabilities {
                Some(v) => format!(
                    "{} (C{} H{} M{} L{} U{}; {} fixable)",
                    v.total, v.critical, v.high, v.medium, v.low, v.unknown, v.fixable
                ),
                None => "no database".into(),
            }),
        ),
        (
            "entrypoint",
            col(&|f| {
                let e = &f.entrypoint;
                match (&e.path, e.kind) {
                    (Some(p), k) if k != "unknown" => format!(
                        "{p} ({k}{})",
                        e.runtime
                            .as_deref()
                            .map(|r| format!(", {r}"))
                            .unwrap_or_default()
                    ),
                    _ => format!("{} ({})", e.kind, e.reason.as_deref().unwrap_or("")),
                }
            }),
        ),
        ("build tools", col(&|f| f.build_tools.len().to_string())),
    ]
}

/// A text table, columns padded to their widest cell.
pub fn table(facts: &[Facts], out: &mut dyn Write) -> io::Result<()> {
    let rows = rows(facts);
    let label = rows.iter().map(|(l, _)| l.len()).max().unwrap_or(0);
    let widths: Vec<usize> = (0..facts.len())
        .map(|i| {
            rows.iter()
                .map(|(_, c)| c[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for (l, cells) in &rows {
        let mut line = format!("{l:<label$}");
        for (c, w) in cells.iter().zip(&widths) {
            line.push_str(&format!("  {c:<w$}"));
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

/// The JSON array: one facts object per image.
pub fn json(facts: &[Facts], out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, facts)?;
    writeln!(out)
}
