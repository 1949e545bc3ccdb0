//! SBOM renderings of an [`Inventory`]: a table, plinth's own JSON, CycloneDX and SPDX.

use std::io::{self, Write};

use crate::Inventory;

/// plinth's own JSON: the [`Inventory`] as it is (documented in README.md).
pub fn json(inv: &Inventory, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, inv)?;
    writeln!(out)
}

/// NAME, VERSION, TYPE, LAYER columns, like `syft -o table`.
pub fn table(inv: &Inventory, out: &mut dyn Write) -> io::Result<()> {
    let mut rows = vec![[
        "NAME".to_string(),
        "VERSION".into(),
        "TYPE".into(),
        "LAYER".into(),
    ]];
    for f in &inv.packages {
        let kind = serde_json::to_value(f.package.kind)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        rows.push([
            f.package.name.clone(),
            f.package.version.clone(),
            kind,
            f.layer.map_or("-".into(), |l| l.to_string()),
        ]);
    }
    let widths: Vec<usize> = (0..4)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    for r in &rows {
        writeln!(
            out,
            "{:w0$}  {:w1$}  {:w2$}  {}",
            r[0],
            r[1],
            r[2],
            r[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        )?;
    }
    for w in &inv.warnings {
        writeln!(
            io::stderr(),
            "plinth: warning: {}: {}: {}",
            w.cataloger,
            w.path,
            w.message
        )?;
    }
    Ok(())
}
