//! The merged filesystem as facts need it: look a path up, follow symlinks the way the
//! kernel would inside the image root, and say why a path does not lead to a file.

use plinth_image::files::{Entry, FileList, Kind, compare_paths};
use plinth_image::merge::{At, Stack};

/// The final filesystem of an image (whiteouts applied), searchable by path.
pub struct Tree<'a> {
    stack: Stack<'a>,
    merged: Vec<At>,
}

/// Where a path leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// A non-symlink entry, at its final path (no leading `/`).
    Found { path: String, kind: Kind },
    /// Nothing at this path.
    Missing { path: String },
    /// A symlink whose target does not exist.
    Broken { link: String, target: String },
    /// Too many symlinks (a loop).
    Loop { link: String },
}

/// The kernel gives up after 40 links; so do we.
const MAX_HOPS: usize = 40;

impl<'a> Tree<'a> {
    pub fn new(lists: Vec<&'a FileList>) -> Tree<'a> {
        let stack = Stack::new(lists);
        let merged = stack.merge(None, |_| {}).entries;
        Tree { stack, merged }
    }

    /// Every surviving entry with its path, in path order.
    pub fn entries(&self) -> impl Iterator<Item = (&'a [u8], &'a Entry, At)> + '_ {
        self.merged
            .iter()
            .map(|&at| (self.stack.path(at), self.stack.entry(at), at))
    }

    /// The entry at exactly `path` (no leading `/`, no symlinks followed).
    pub fn get(&self, path: &str) -> Option<(&'a Entry, At)> {
        let p = path.trim_start_matches('/').as_bytes();
        let i = self
            .merged
            .partition_point(|&at| compare_paths(self.stack.path(at), p).is_lt());
        let at = *self.merged.get(i)?;
        (self.stack.path(at) == p).then(|| (self.stack.entry(at), at))
    }

    /// Whether any entry lies below `path` (an implicit directory).
    fn has_below(&self, path: &str) -> bool {
        let p = path.as_bytes();
        let i = self
            .merged
            .partition_point(|&at| compare_paths(self.stack.path(at), p).is_lt());
        self.merged.get(i).is_some_and(|&at| {
            let q = self.stack.path(at);
            q.len() > p.len() && q.starts_with(p) && q[p.len()] == b'/'
        })
    }

    /// The symlink target stored for an entry.
    pub fn link(&self, at: At) -> String {
        let list = self.stack.layers[at.layer as usize];
        String::from_utf8_lossy(list.link(self.stack.entry(at))).into_owned()
    }

    /// Content size of an entry (a hard link has its target's).
    pub fn size(&self, at: At) -> u64 {
        self.stack.content_size(at)
    }

    /// Follows symlinks (in every component) from `path`, relative to the image root.
    pub fn resolve(&self, path: &str) -> Resolved {
        let mut pending: Vec<String> = components(path).rev().collect();
        let mut done: Vec<String> = Vec::new();
        let mut hops = 0;
        // The latest link followed, and how deep the pending stack was below its target's parts.
        let mut last_link: Option<(usize, String, String)> = None;
        while let Some(part) = pending.pop() {
            match part.as_str() {
                "." => continue,
                ".." => {
                    done.pop();
                    continue;
                }
                _ => {}
            }
            done.push(part);
            let here = done.join("/");
            let Some((entry, at)) = self.get(&here) else {
                // Tars may omit parent directories: a path with entries below it is one.
                if !pending.is_empty() && self.has_below(&here) {
                    continue;
                }
                return match last_link {
                    // Missing inside the latest link's target: that link is broken.
                    Some((base, link, target)) if pending.len() >= base => {
                        Resolved::Broken { link, target }
                    }
                    _ => Resolved::Missing { path: here },
                };
            };
            match entry.kind {
                Kind::Symlink => {
                    hops += 1;
                    if hops > MAX_HOPS {
                        return Resolved::Loop { link: here };
                    }
                    let target = self.link(at);
                    done.pop();
                    if target.starts_with('/') {
                        done.clear();
                    }
                    let base = pending.len();
                    pending.extend(components(&target).rev());
                    last_link = Some((base, format!("/{here}"), target));
                }
                Kind::Hardlink if pending.is_empty() => {
                    // Hard links name their target by root-relative path.
                    let target = self.link(at);
                    return match self.get(&target) {
                        Some((e, _)) => Resolved::Found {
                            path: target,
                            kind: e.kind,
                        },
                        None => Resolved::Broken {
                            link: format!("/{here}"),
                            target,
                        },
                    };
                }
                kind if pending.is_empty() => return Resolved::Found { path: here, kind },
                Kind::Dir => {}
                _ => return Resolved::Missing { path: here },
            }
            if pending.is_empty() {
                break;
            }
        }
        // Only reached for the root itself, or a path that ended in `..`.
        Resolved::Found {
            path: done.join("/"),
            kind: Kind::Dir,
        }
    }

    /// The regular file `path` leads to, if any.
    pub fn file(&self, path: &str) -> Option<String> {
        match self.resolve(path) {
            Resolved::Found {
                path,
                kind: Kind::File,
            } => Some(path),
            _ => None,
        }
    }

    /// Whether `path` leads to a directory.
    pub fn is_dir(&self, path: &str) -> bool {
        matches!(
            self.resolve(path),
            Resolved::Found {
                kind: Kind::Dir,
                ..
            }
        )
    }
}

fn components(path: &str) -> impl DoubleEndedIterator<Item = String> + '_ {
    path.split('/')
        .filter(|c| !c.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[(&str, Kind, &str)]) -> FileList {
        let mut l = FileList::default();
        for (p, k, link) in items {
            l.push(p.as_bytes(), link.as_bytes(), 1, 0o755, *k);
        }
        l.finish();
        l
    }

    #[test]
    fn follows_usrmerge_and_relative_links() {
        let l = list(&[
            ("bin", Kind::Symlink, "usr/bin"),
            ("usr", Kind::Dir, ""),
            ("usr/bin", Kind::Dir, ""),
            ("usr/bin/dash", Kind::File, ""),
            ("usr/bin/sh", Kind::Symlink, "dash"),
            ("usr/bin/gone", Kind::Symlink, "/nowhere"),
            ("usr/bin/loop", Kind::Symlink, "loop"),
        ]);
        let t = Tree::new(vec![&l]);
        assert_eq!(t.file("/bin/sh").as_deref(), Some("usr/bin/dash"));
        assert_eq!(
            t.resolve("/bin/gone"),
            Resolved::Broken {
                link: "/usr/bin/gone".into(),
                target: "/nowhere".into()
            }
        );
        assert!(matches!(t.resolve("/usr/bin/loop"), Resolved::Loop { .. }));
        assert!(matches!(t.resolve("/bin/nope"), Resolved::Missing { .. }));
        assert!(t.is_dir("/bin"));
        assert!(t.file("/usr/bin/dash/x").is_none());
    }
}
