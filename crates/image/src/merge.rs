//! Stacking layers into the filesystem a container sees, with the runtimes' semantics:
//! a whiteout hides a path and everything under it, an opaque directory hides everything
//! below it, a non-directory replaces whatever was at its path (subtree included), and a
//! directory over a directory merges.
//!
//! Layers' entry lists are sorted so subtrees are contiguous (see [`crate::files`]); stacking
//! is a linear merge per layer, and the merged view is a vector of 8-byte references.

use crate::files::{FileList, Kind, compare_paths, is_at_or_under, is_under};
use std::cmp::Ordering;

/// An entry of one layer: which layer, and its position in that layer's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct At {
    pub layer: u32,
    pub entry: u32,
}

/// What stacking one layer did to the view below it.
#[derive(Debug, Clone, Copy)]
pub enum Event {
    /// A path that did not exist below.
    Added(At),
    /// A path that existed below, now replaced.
    Modified { old: At, new: At },
    /// A path below, hidden by a whiteout, an opaque directory or a replacing non-directory.
    Removed { old: At, by_layer: u32 },
}

/// The merged filesystem: references to the surviving entries, in path order.
pub struct Merged {
    pub entries: Vec<At>,
}

/// Layers as a slice of entry lists, lowest first.
pub struct Stack<'a> {
    pub layers: Vec<&'a FileList>,
}

impl<'a> Stack<'a> {
    pub fn new(layers: Vec<&'a FileList>) -> Self {
        Stack { layers }
    }

    pub fn path(&self, at: At) -> &'a [u8] {
        let l = self.layers[at.layer as usize];
        l.path(l.get(at.entry as usize))
    }

    pub fn entry(&self, at: At) -> &'a crate::files::Entry {
        self.layers[at.layer as usize].get(at.entry as usize)
    }

    /// Size of an entry's content: a hard link has its target's size (looked up in its own
    /// layer, then below), everything else its own.
    pub fn content_size(&self, at: At) -> u64 {
        let e = self.entry(at);
        if e.kind != Kind::Hardlink {
            return e.size;
        }
        let target = self.layers[at.layer as usize].link(e);
        (0..=at.layer as usize)
            .rev()
            .find_map(|l| self.layers[l].find(target).map(|i| self.layers[l].get(i)))
            .filter(|t| t.kind == Kind::File)
            .map_or(0, |t| t.size)
    }

    /// Stacks layers `0..upto` (all when `None`), reporting every change to `on_event`.
    pub fn merge(&self, upto: Option<usize>, mut on_event: impl FnMut(&Event)) -> Merged {
        let upto = upto.unwrap_or(self.layers.len()).min(self.layers.len());
        let mut state: Vec<At> = Vec::new();
        for i in 0..upto {
            state = self.stack_one(&state, i as u32, &mut on_event);
        }
        Merged { entries: state }
    }

    fn stack_one(&self, lower: &[At], layer: u32, on_event: &mut impl FnMut(&Event)) -> Vec<At> {
        let upper = self.layers[layer as usize];
        let mut out = Vec::with_capacity(lower.len() + upper.len());
        let mut hide = Hider::new(upper);
        // After a non-directory replaces a path, whatever was below it is gone too.
        let mut replaced: Option<&[u8]> = None;
        let ups: Vec<u32> = (0..upper.len() as u32)
            .filter(|&i| !upper.get(i as usize).kind.is_marker())
            .collect();
        let (mut li, mut ui) = (0, 0);
        while li < lower.len() || ui < ups.len() {
            let order = match (lower.get(li), ups.get(ui)) {
                (Some(&l), Some(&u)) => {
                    compare_paths(self.path(l), upper.path(upper.get(u as usize)))
                }
                (Some(_), None) => Ordering::Less,
                _ => Ordering::Greater,
            };
            match order {
                Ordering::Less => {
                    let l = lower[li];
                    li += 1;
                    let path = self.path(l);
                    if replaced.is_some_and(|r| is_under(path, r)) || hide.hides(path) {
                        on_event(&Event::Removed {
                            old: l,
                            by_layer: layer,
                        });
                    } else {
                        out.push(l);
                    }
                }
                Ordering::Greater => {
                    let new = At {
                        layer,
                        entry: ups[ui],
                    };
                    ui += 1;
                    on_event(&Event::Added(new));
                    out.push(new);
                }
                Ordering::Equal => {
                    let (old, new) = (
                        lower[li],
                        At {
                            layer,
                            entry: ups[ui],
                        },
                    );
                    li += 1;
                    ui += 1;
                    // Keep the hider's position in step with the lower walk.
                    hide.hides(self.path(old));
                    on_event(&Event::Modified { old, new });
                    if self.entry(new).kind != Kind::Dir {
                        replaced = Some(self.path(new));
                    }
                    out.push(new);
                }
            }
        }
        out
    }
}

/// Answers "does this layer's whiteout or opaque marker hide PATH?" for paths asked in
/// increasing order, with a stack of the markers whose subtree we are in.
struct Hider<'a> {
    markers: Vec<(&'a [u8], bool)>,
    next: usize,
    open: Vec<(&'a [u8], bool)>,
}

impl<'a> Hider<'a> {
    fn new(list: &'a FileList) -> Self {
        let markers = list
            .entries()
            .iter()
            .filter(|e| e.kind.is_marker())
            .map(|e| (list.path(e), e.kind == Kind::Opaque))
            .collect();
        Hider {
            markers,
            next: 0,
            open: Vec::new(),
        }
    }

    fn hides(&mut self, path: &[u8]) -> bool {
        while let Some(&(m, opaque)) = self.markers.get(self.next) {
            if compare_paths(m, path) == Ordering::Greater {
                break;
            }
            self.next += 1;
            self.open.retain(|(o, _)| is_at_or_under(m, o));
            self.open.push((m, opaque));
        }
        self.open.retain(|(o, _)| is_at_or_under(path, o));
        self.open
            .iter()
            .any(|&(o, opaque)| if opaque { is_under(path, o) } else { true })
    }
}
