//! Applying updates to files: each chosen update replaces exactly its reference's bytes, and
//! the file is replaced atomically (a temporary file in the same directory, synced, renamed
//! over the original with its permissions), so a failure never leaves a partial file.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::{Kind, Update};

/// Which update of a reference to apply: the largest allowed step. A variant moves only when
/// asked for by name, never as part of "everything".
pub fn choose<'a>(updates: &'a [Update], only: Option<&[Kind]>) -> Vec<&'a Update> {
    const ORDER: [Kind; 6] = [
        Kind::Major,
        Kind::Minor,
        Kind::Patch,
        Kind::Digest,
        Kind::PinDigest,
        Kind::Variant,
    ];
    let allowed = |k: Kind| match only {
        Some(list) => list.contains(&k),
        None => k != Kind::Variant,
    };
    let mut by_ref: BTreeMap<(&str, usize, usize), &Update> = BTreeMap::new();
    for u in updates.iter().filter(|u| allowed(u.update_type)) {
        let Some(span) = &u.span else { continue };
        let rank = |k: Kind| ORDER.iter().position(|o| *o == k);
        let slot = by_ref.entry((&u.file, span.start, u.line)).or_insert(u);
        if rank(u.update_type) < rank(slot.update_type) {
            *slot = u;
        }
    }
    by_ref.into_values().collect()
}

/// The new text of a file, or why it cannot be rewritten (the file changed since it was
/// read, or two references share text and disagree).
pub fn apply_to_text(file: &str, text: &str, chosen: &[&Update]) -> Result<String, String> {
    let mut edits: Vec<(&std::ops::Range<usize>, &str, &str)> = chosen
        .iter()
        .filter(|u| u.file == file)
        .filter_map(|u| Some((u.span.as_ref()?, u.old_from.as_str(), u.new_from.as_str())))
        .collect();
    edits.sort_by_key(|(span, _, _)| std::cmp::Reverse(span.start));
    edits.dedup_by(|a, b| a.0 == b.0 && a.2 == b.2);
    let mut out = text.to_string();
    let mut previous_start = usize::MAX;
    for (span, old, new) in edits {
        if span.end > previous_start {
            return Err(format!(
                "{file}: two updates of the same reference disagree; rewrite one at a time (--only)"
            ));
        }
        if out.get(span.clone()) != Some(old) {
            return Err(format!(
                "{file}: changed since it was read ({old:?} is gone)"
            ));
        }
        out.replace_range(span.clone(), new);
        previous_start = span.start;
    }
    Ok(out)
}

/// Rewrites `path` to `text` atomically, keeping its permissions.
pub fn write_atomic(path: &Path, text: &str) -> std::io::Result<()> {
    let tmp = temp_path(path);
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        if let Ok(meta) = std::fs::metadata(path) {
            std::fs::set_permissions(&tmp, meta.permissions())?;
        }
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.plinth-{}.tmp", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update(kind: Kind, span: std::ops::Range<usize>, old: &str, new: &str) -> Update {
        Update {
            file: "Dockerfile".into(),
            line: 1,
            image: "x".into(),
            current_tag: None,
            current_digest: None,
            update_type: kind,
            new_tag: None,
            new_digest: None,
            new_from: new.into(),
            old_from: old.into(),
            span: Some(span),
        }
    }

    #[test]
    fn only_the_reference_changes() {
        let text = "FROM --platform=linux/amd64 node:20.1-alpine AS build\nRUN true\n";
        let at = text.find("node").unwrap();
        let ups = [
            update(
                Kind::Major,
                at..at + 16,
                "node:20.1-alpine",
                "node:22.1-alpine",
            ),
            update(
                Kind::Minor,
                at..at + 16,
                "node:20.1-alpine",
                "node:20.9-alpine",
            ),
            update(Kind::Variant, at..at + 16, "node:20.1-alpine", "x"),
        ];
        let all = choose(&ups, None);
        assert_eq!(all.len(), 1);
        assert_eq!(
            apply_to_text("Dockerfile", text, &all).unwrap(),
            "FROM --platform=linux/amd64 node:22.1-alpine AS build\nRUN true\n"
        );
        let minor = choose(&ups, Some(&[Kind::Minor, Kind::Patch]));
        assert_eq!(
            apply_to_text("Dockerfile", text, &minor).unwrap(),
            "FROM --platform=linux/amd64 node:20.9-alpine AS build\nRUN true\n"
        );
        assert!(apply_to_text("Dockerfile", "FROM other\n", &minor).is_err());
    }
}
