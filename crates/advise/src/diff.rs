//! What changed between two images: packages added, removed, upgraded and downgraded (by
//! the package type's own version order), vulnerabilities fixed and introduced, and size per
//! layer and in total. Rendered as text, JSON or Markdown (a pull-request comment).

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};

use plinth_scan::{Finding, Origin};
use plinth_version::Scheme;
use serde::Serialize;

use crate::facts::Gathered;

#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    pub old: String,
    pub new: String,
    /// The base image each side stands on (name@digest, and how its layers were told apart).
    pub base: BaseChange,
    pub packages: PackageDiff,
    /// Null unless both sides were matched against a database.
    pub vulnerabilities: Option<VulnDiff>,
    pub layers: Vec<LayerChange>,
    pub size: SizeChange,
}

#[derive(Debug, Clone, Serialize)]
pub struct BaseChange {
    pub old: crate::facts::BaseFact,
    pub new: crate::facts::BaseFact,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct PackageDiff {
    pub added: Vec<Pkg>,
    pub removed: Vec<Pkg>,
    pub upgraded: Vec<Change>,
    pub downgraded: Vec<Change>,
    /// Same version on both sides.
    pub unchanged: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Pkg {
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Change {
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    pub old: String,
    pub new: String,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct VulnDiff {
    pub fixed: Vec<VulnRef>,
    pub introduced: Vec<VulnRef>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct VulnRef {
    pub id: String,
    pub package: String,
    pub version: String,
    pub severity: String,
    /// `base`, `added` or `unknown`: whether the package came with the base image of the
    /// side it is on (the old image's for a fix, the new one's for an introduction).
    pub origin: Origin,
}

#[derive(Debug, Clone, Serialize)]
pub struct LayerSide {
    pub diff_id: Option<String>,
    pub size: u64,
    pub created_by: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LayerChange {
    pub index: usize,
    pub old: Option<LayerSide>,
    pub new: Option<LayerSide>,
    /// New size minus old size.
    pub change: i64,
    /// Same diff_id on both sides: the layer is shared.
    pub same: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct SizeChange {
    pub old: u64,
    pub new: u64,
    pub change: i64,
    pub old_compressed: Option<u64>,
    pub new_compressed: Option<u64>,
}

type Key = (String, Option<String>, String);

fn by_key(g: &Gathered) -> BTreeMap<Key, Vec<String>> {
    let mut m: BTreeMap<Key, Vec<String>> = BTreeMap::new();
    for f in &g.inventory.packages {
        let p = &f.package;
        let kind = serde_json::to_value(p.kind)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default();
        m.entry((kind, p.namespace.clone(), p.name.clone()))
            .or_default()
            .push(p.version.clone());
    }
    m
}

fn display_name(k: &Key) -> String {
    match &k.1 {
        Some(ns) if k.0 == "npm" => format!("{ns}/{}", k.2),
        _ => k.2.clone(),
    }
}

/// Compares two gathered images.
pub fn diff(old: &Gathered, new: &Gathered) -> Diff {
    Diff {
        old: old.facts.image.clone(),
        new: new.facts.image.clone(),
        base: BaseChange {
            old: old.facts.base.clone(),
            new: new.facts.base.clone(),
        },
        packages: packages(old, new),
        vulnerabilities: match (&old.findings, &new.findings) {
            (Some(a), Some(b)) => Some(vulns(a, b)),
            _ => None,
        },
        layers: layers(old, new),
        size: SizeChange {
            old: old.layers.total_size,
            new: new.layers.total_size,
            change: new.layers.total_size as i64 - old.layers.total_size as i64,
            old_compressed: old.layers.compressed_size,
            new_compressed: new.layers.compressed_size,
        },
    }
}

fn packages(old: &Gathered, new: &Gathered) -> PackageDiff {
    let (a, b) = (by_key(old), by_key(new));
    let mut d = PackageDiff::default();
    let keys: BTreeSet<&Key> = a.keys().chain(b.keys()).collect();
    let empty = Vec::new();
    for k in keys {
        let scheme = Scheme::for_ecosystem(&k.0);
        let sort = |v: &Vec<String>| {
            let mut v = v.clone();
            v.sort_by(|x, y| scheme.compare(x, y));
            v
        };
        let (mut olds, mut news) = (
            sort(a.get(k).unwrap_or(&empty)),
            sort(b.get(k).unwrap_or(&empty)),
        );
        // Versions on both sides are unchanged; the rest pair up in order.
        let common: Vec<String> = olds.iter().filter(|v| news.contains(v)).cloned().collect();
        for c in &common {
            d.unchanged += 1;
            if let Some(i) = olds.iter().position(|v| v == c) {
                olds.remove(i);
            }
            if let Some(i) = news.iter().position(|v| v == c) {
                news.remove(i);
            }
        }
        let name = display_name(k);
        let pkg = |v: &String| Pkg {
            kind: k.0.clone(),
            name: name.clone(),
            version: v.clone(),
        };
        let paired = olds.len().min(news.len());
        for (o, n) in olds.iter().zip(&news) {
            let change = Change {
                kind: k.0.clone(),
                name: name.clone(),
                old: o.clone(),
                new: n.clone(),
            };
            match scheme.compare(o, n) {
                Ordering::Less => d.upgraded.push(change),
                Ordering::Greater => d.downgraded.push(change),
                // Equal by the scheme but written differently (`1.0` vs `1.0.0`).
                Ordering::Equal => d.unchanged += 1,
            }
        }
        d.removed.extend(olds[paired..].iter().map(pkg));
        d.added.extend(news[paired..].iter().map(pkg));
    }
    d
}

fn vuln_set(f: &[Finding]) -> BTreeMap<(String, String), VulnRef> {
    f.iter()
        .map(|f| {
            (
                (f.id.clone(), f.package.clone()),
                VulnRef {
                    id: f.id.clone(),
                    package: f.package.clone(),
                    version: f.installed_version.clone(),
                    severity: f.severity.level.as_str().to_string(),
                    origin: f.origin,
                },
            )
        })
        .collect()
}

fn vulns(old: &[Finding], new: &[Finding]) -> VulnDiff {
    let (a, b) = (vuln_set(old), vuln_set(new));
    VulnDiff {
        fixed: a
            .iter()
            .filter(|(k, _)| !b.contains_key(*k))
            .map(|(_, v)| v.clone())
            .collect(),
        introduced: b
            .iter()
            .filter(|(k, _)| !a.contains_key(*k))
            .map(|(_, v)| v.clone())
            .collect(),
    }
}

fn layers(old: &Gathered, new: &Gathered) -> Vec<LayerChange> {
    let side = |g: &Gathered, i: usize| {
        g.layers.layers.get(i).map(|r| LayerSide {
            diff_id: r.diff_id.as_ref().map(|d| d.to_string()),
            size: r.size,
            created_by: r.created_by.clone(),
        })
    };
    let n = old.layers.layers.len().max(new.layers.layers.len());
    (0..n)
        .map(|i| {
            let (o, nw) = (side(old, i), side(new, i));
            let size = |s: &Option<LayerSide>| s.as_ref().map_or(0, |s| s.size as i64);
            LayerChange {
                index: i,
                change: size(&nw) - size(&o),
                same: matches!((&o, &nw), (Some(a), Some(b)) if a.diff_id.is_some() && a.diff_id == b.diff_id),
                old: o,
                new: nw,
            }
        })
        .collect()
}

/// `2 in the base, 1 added on top`, with `1 of unknown origin` when a side's split is unknown.
fn by_origin(v: &[VulnRef]) -> String {
    let count = |o: Origin| v.iter().filter(|f| f.origin == o).count();
    let mut s = format!(
        "{} in the base, {} added on top",
        count(Origin::Base),
        count(Origin::Added)
    );
    if count(Origin::Unknown) > 0 {
        s += &format!(", {} of unknown origin", count(Origin::Unknown));
    }
    s
}

fn vuln_row(f: &VulnRef) -> String {
    format!(
        "{} in `{}` {} ({}, {})",
        f.id,
        f.package,
        f.version,
        f.severity,
        origin_name(f.origin)
    )
}

fn origin_name(o: Origin) -> &'static str {
    match o {
        Origin::Base => "base",
        Origin::Added => "added",
        Origin::Unknown => "origin unknown",
    }
}

fn signed(n: i64) -> String {
    if n > 0 {
        format!("+{n}")
    } else {
        n.to_string()
    }
}

fn short(d: &Option<LayerSide>) -> String {
    d.as_ref()
        .and_then(|s| s.diff_id.as_deref())
        .map(|id| id.trim_start_matches("sha256:").chars().take(12).collect())
        .unwrap_or_else(|| "-".into())
}

/// Plain text for a terminal.
pub fn text(d: &Diff, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{} -> {}", d.old, d.new)?;
    writeln!(
        out,
        "base image: {} -> {}",
        d.base.old.label(),
        d.base.new.label()
    )?;
    let p = &d.packages;
    writeln!(
        out,
        "packages: {} added, {} removed, {} upgraded, {} downgraded, {} unchanged",
        p.added.len(),
        p.removed.len(),
        p.upgraded.len(),
        p.downgraded.len(),
        p.unchanged
    )?;
    for a in &p.added {
        writeln!(out, "  + {} {} {}", a.kind, a.name, a.version)?;
    }
    for r in &p.removed {
        writeln!(out, "  - {} {} {}", r.kind, r.name, r.version)?;
    }
    for c in &p.upgraded {
        writeln!(out, "  ^ {} {} {} -> {}", c.kind, c.name, c.old, c.new)?;
    }
    for c in &p.downgraded {
        writeln!(out, "  v {} {} {} -> {}", c.kind, c.name, c.old, c.new)?;
    }
    match &d.vulnerabilities {
        Some(v) => {
            writeln!(
                out,
                "vulnerabilities: {} fixed ({}), {} introduced ({})",
                v.fixed.len(),
                by_origin(&v.fixed),
                v.introduced.len(),
                by_origin(&v.introduced)
            )?;
            for f in &v.fixed {
                writeln!(
                    out,
                    "  fixed      {} {} {} ({}, {})",
                    f.id,
                    f.package,
                    f.version,
                    f.severity,
                    origin_name(f.origin)
                )?;
            }
            for f in &v.introduced {
                writeln!(
                    out,
                    "  introduced {} {} {} ({}, {})",
                    f.id,
                    f.package,
                    f.version,
                    f.severity,
                    origin_name(f.origin)
                )?;
            }
        }
        None => writeln!(out, "vulnerabilities: not compared (no database)")?,
    }
    writeln!(out, "layers:")?;
    writeln!(
        out,
        "  {:<5} {:<12} {:>12} {:<12} {:>12} {:>12}",
        "LAYER", "OLD", "OLD SIZE", "NEW", "NEW SIZE", "CHANGE"
    )?;
    for l in &d.layers {
        let size = |s: &Option<LayerSide>| s.as_ref().map_or("-".into(), |s| s.size.to_string());
        writeln!(
            out,
            "  {:<5} {:<12} {:>12} {:<12} {:>12} {:>12}{}",
            l.index,
            short(&l.old),
            size(&l.old),
            short(&l.new),
            size(&l.new),
            signed(l.change),
            if l.same { "  (same layer)" } else { "" }
        )?;
    }
    writeln!(
        out,
        "size: {} -> {} ({} bytes)",
        d.size.old,
        d.size.new,
        signed(d.size.change)
    )
}

/// Markdown for a pull-request comment.
pub fn markdown(d: &Diff, out: &mut dyn Write) -> io::Result<()> {
    let p = &d.packages;
    writeln!(out, "### Image diff: `{}` → `{}`\n", d.old, d.new)?;
    writeln!(out, "| | old | new | change |\n|---|---:|---:|---:|")?;
    writeln!(
        out,
        "| size | {} | {} | {} |",
        d.size.old,
        d.size.new,
        signed(d.size.change)
    )?;
    if let (Some(a), Some(b)) = (d.size.old_compressed, d.size.new_compressed) {
        writeln!(
            out,
            "| compressed | {a} | {b} | {} |",
            signed(b as i64 - a as i64)
        )?;
    }
    writeln!(
        out,
        "\n**Packages:** {} added, {} removed, {} upgraded, {} downgraded, {} unchanged",
        p.added.len(),
        p.removed.len(),
        p.upgraded.len(),
        p.downgraded.len(),
        p.unchanged
    )?;
    match &d.vulnerabilities {
        Some(v) => writeln!(
            out,
            "\n**Vulnerabilities:** {} fixed ({}), {} introduced ({})",
            v.fixed.len(),
            by_origin(&v.fixed),
            v.introduced.len(),
            by_origin(&v.introduced)
        )?,
        None => writeln!(out, "\n**Vulnerabilities:** not compared (no database)")?,
    }
    let section = |out: &mut dyn Write, title: &str, rows: Vec<String>| -> io::Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        writeln!(
            out,
            "\n<details><summary>{title} ({})</summary>\n",
            rows.len()
        )?;
        for r in rows {
            writeln!(out, "- {r}")?;
        }
        writeln!(out, "\n</details>")
    };
    section(
        out,
        "Added",
        p.added
            .iter()
            .map(|a| format!("`{}` {} ({})", a.name, a.version, a.kind))
            .collect(),
    )?;
    section(
        out,
        "Removed",
        p.removed
            .iter()
            .map(|a| format!("`{}` {} ({})", a.name, a.version, a.kind))
            .collect(),
    )?;
    section(
        out,
        "Upgraded",
        p.upgraded
            .iter()
            .map(|c| format!("`{}` {} → {} ({})", c.name, c.old, c.new, c.kind))
            .collect(),
    )?;
    section(
        out,
        "Downgraded",
        p.downgraded
            .iter()
            .map(|c| format!("`{}` {} → {} ({})", c.name, c.old, c.new, c.kind))
            .collect(),
    )?;
    if let Some(v) = &d.vulnerabilities {
        section(
            out,
            "Fixed vulnerabilities",
            v.fixed.iter().map(vuln_row).collect(),
        )?;
        section(
            out,
            "Introduced vulnerabilities",
            v.introduced.iter().map(vuln_row).collect(),
        )?;
    }
    writeln!(out, "\n| layer | old | new | change |\n|---:|---|---|---:|")?;
    for l in &d.layers {
        let cell = |s: &Option<LayerSide>| {
            s.as_ref()
                .map_or("—".into(), |x| format!("`{}` {}", short(s), x.size))
        };
        writeln!(
            out,
            "| {} | {} | {} | {}{} |",
            l.index,
            cell(&l.old),
            cell(&l.new),
            signed(l.change),
            if l.same { " (same)" } else { "" }
        )?;
    }
    Ok(())
}
