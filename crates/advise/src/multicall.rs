//! Multi-call binaries: one program file reached under many names, each name an applet
//! (busybox, toybox). docker-library's busybox images store the binary as `/bin/[` with
//! hundreds of hard links to it; Alpine links applets to `/bin/busybox` with symlinks. A name
//! that leads to such a file is an applet, not the program it is named after: `/bin/rpm` in a
//! busybox image is not rpm.

use std::collections::BTreeMap;

use plinth_image::files::Kind;
use serde::Serialize;

use crate::tree::Tree;
use crate::walk::BIN_DIRS;

/// A file reached under at least this many names in the bin directories is a multi-call
/// binary (busybox has hundreds of applets, toybox about two hundred; `sh -> dash` is one).
const MIN_NAMES: usize = 8;

/// One multi-call binary of the image.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MultiCall {
    /// `busybox`, `toybox`, or `multi-call binary` when neither name shows.
    pub kind: String,
    /// The file the applets lead to (`/bin/[` in docker-library's busybox image).
    pub file: String,
    /// How many names in the bin directories lead to it, the file itself included.
    pub names: usize,
    /// A few of those names, for the evidence.
    pub sample: Vec<String>,
}

/// The multi-call binaries of the merged tree, most names first.
pub fn find(tree: &Tree) -> Vec<MultiCall> {
    let mut names: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (p, e, _) in tree.entries() {
        if !matches!(e.kind, Kind::File | Kind::Hardlink | Kind::Symlink) {
            continue;
        }
        let p = String::from_utf8_lossy(p);
        let dir = p.rsplit_once('/').map_or("", |(d, _)| d);
        if !BIN_DIRS.contains(&dir) {
            continue;
        }
        if let Some(file) = tree.file(&p) {
            names.entry(file).or_default().push(format!("/{p}"));
        }
    }
    let mut out: Vec<MultiCall> = names
        .into_iter()
        .filter(|(_, n)| n.len() >= MIN_NAMES)
        .map(|(file, n)| MultiCall {
            kind: kind_of(&n).into(),
            file: format!("/{file}"),
            names: n.len(),
            sample: n.iter().take(5).cloned().collect(),
        })
        .collect();
    out.sort_by(|a, b| b.names.cmp(&a.names).then_with(|| a.file.cmp(&b.file)));
    out
}

/// Which multi-call binary, from the names it is reached by (`/bin/busybox` is one of them in
/// every busybox image, also when the file itself is stored as `/bin/[`).
fn kind_of(names: &[String]) -> &'static str {
    let has = |want: &str| names.iter().any(|n| n.rsplit('/').next() == Some(want));
    if has("busybox") {
        "busybox"
    } else if has("toybox") {
        "toybox"
    } else {
        "multi-call binary"
    }
}

/// The multi-call binary `file` (no leading `/`) belongs to, if any.
pub fn of<'a>(all: &'a [MultiCall], file: &str) -> Option<&'a MultiCall> {
    all.iter()
        .find(|m| m.file.trim_start_matches('/') == file.trim_start_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use plinth_image::files::FileList;

    #[test]
    fn hard_links_to_bracket_are_busybox_applets() {
        let mut l = FileList::default();
        l.push(b"bin", b"", 0, 0o755, Kind::Dir);
        l.push(b"bin/[", b"", 100, 0o755, Kind::File);
        for name in ["[[", "busybox", "sh", "rpm", "ls", "cat", "dpkg", "vi"] {
            l.push(
                format!("bin/{name}").as_bytes(),
                b"bin/[",
                0,
                0o755,
                Kind::Hardlink,
            );
        }
        l.push(b"bin/dash", b"", 10, 0o755, Kind::File);
        l.push(b"bin/ash", b"dash", 0, 0o777, Kind::Symlink);
        l.finish();
        let t = Tree::new(vec![&l]);
        let found = find(&t);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].kind, "busybox");
        assert_eq!(found[0].file, "/bin/[");
        assert_eq!(found[0].names, 9);
        assert!(of(&found, "bin/[").is_some());
        assert!(of(&found, "bin/dash").is_none());
    }
}
