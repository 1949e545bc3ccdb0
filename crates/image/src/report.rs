//! The layer report: per-layer sizes, history and changes; dive's efficiency, wasted bytes
//! and user wasted percent; plinth's reclaimable bytes and the most wasteful paths.
//!
//! dive's numbers, reproduced exactly (its `filetree.Efficiency` and `image.Analyze`):
//! - every layer is a tree of its tar entries; only *leaves* count (entries with no entry
//!   below them in the same layer; opaque markers are not entries);
//! - a leaf's size is its tar header size (0 for hard links, directories, symlinks); a
//!   whiteout leaf counts the summed sizes of everything under the path it hides in the
//!   stack of the layers below, when that path was an explicit directory, else 0;
//! - per path: cumulative = sum of its leaves' sizes, minimum = the smallest of them;
//!   efficiency = Σ minimum / Σ cumulative over all paths (1 when nothing has size);
//! - a path with leaves in two or more places is an *inefficiency*; wasted bytes = Σ of
//!   their cumulative sizes (the surviving copy included);
//! - layer size = Σ header sizes of the layer's entries; user wasted percent = wasted bytes /
//!   Σ sizes of every layer but the first.
//!
//! Reclaimable bytes are plinth's clearer measure: bytes of regular-file versions that a later
//! layer overwrote or deleted — what a rebuild that never wrote them would save.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap};

use serde::Serialize;

use crate::files::{FileList, Kind, compare_paths, is_at_or_under, is_under};
use crate::merge::{At, Event, Stack};
use crate::{Digest, LayerInfo};

/// One row of the layer table.
#[derive(Debug, Clone, Serialize)]
pub struct LayerRow {
    pub index: usize,
    pub digest: Option<Digest>,
    pub diff_id: Option<Digest>,
    /// Σ tar header sizes of the layer's entries (dive's layer size).
    pub size: u64,
    pub compressed_size: Option<u64>,
    pub created_by: Option<String>,
    pub added: u64,
    pub modified: u64,
    pub removed: u64,
}

/// A path dive counts as inefficient.
#[derive(Debug, Clone, Serialize)]
pub struct Inefficiency {
    pub path: String,
    pub count: usize,
    pub cumulative_size: u64,
}

/// A file version that a later layer made unreachable.
#[derive(Debug, Clone, Serialize)]
pub struct Waste {
    pub path: String,
    pub size: u64,
    pub added_in: u32,
    pub removed_in: u32,
    /// `overwritten` or `deleted`.
    pub how: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub image: String,
    pub layers: Vec<LayerRow>,
    pub total_size: u64,
    pub compressed_size: Option<u64>,
    pub efficiency: f64,
    pub wasted_bytes: u64,
    pub user_wasted_percent: f64,
    pub reclaimable_bytes: u64,
    pub inefficiencies: Vec<Inefficiency>,
    pub top_wasteful: Vec<Waste>,
}

/// How many wasteful paths the report keeps.
const TOP: usize = 20;

pub fn build(image: &str, infos: &[LayerInfo], lists: &[&FileList]) -> Report {
    let stack = Stack::new(lists.to_vec());
    let mut rows: Vec<LayerRow> = infos
        .iter()
        .zip(lists)
        .map(|(info, list)| LayerRow {
            index: info.index,
            digest: info.digest.clone(),
            diff_id: info.diff_id.clone(),
            size: list.entries().iter().map(|e| e.size).sum(),
            compressed_size: info.compressed_size,
            created_by: info.history.as_ref().and_then(|h| h.created_by.clone()),
            added: 0,
            modified: 0,
            removed: 0,
        })
        .collect();
    let mut reclaimable = 0u64;
    let mut waste: Vec<Waste> = Vec::new();
    stack.merge(None, |event| {
        let is_content = |at: At| !matches!(stack.entry(at).kind, Kind::Dir);
        match *event {
            Event::Added(new) if is_content(new) => rows[new.layer as usize].added += 1,
            Event::Modified { old, new } if is_content(old) || is_content(new) => {
                rows[new.layer as usize].modified += 1;
                note_waste(
                    &stack,
                    old,
                    new.layer,
                    "overwritten",
                    &mut reclaimable,
                    &mut waste,
                );
            }
            Event::Removed { old, by_layer } if is_content(old) => {
                rows[by_layer as usize].removed += 1;
                note_waste(
                    &stack,
                    old,
                    by_layer,
                    "deleted",
                    &mut reclaimable,
                    &mut waste,
                );
            }
            _ => {}
        }
    });
    waste.sort_by(|a, b| b.size.cmp(&a.size).then_with(|| a.path.cmp(&b.path)));
    waste.truncate(TOP);
    let (efficiency, inefficiencies) = dive_efficiency(lists);
    let wasted_bytes: u64 = inefficiencies.iter().map(|i| i.cumulative_size).sum();
    let total_size: u64 = rows.iter().map(|r| r.size).sum();
    let user_size: u64 = rows.iter().skip(1).map(|r| r.size).sum();
    Report {
        image: image.to_string(),
        compressed_size: rows.iter().map(|r| r.compressed_size).sum(),
        layers: rows,
        total_size,
        efficiency,
        wasted_bytes,
        // dive divides by zero here and prints NaN; a single-layer image wastes nothing.
        user_wasted_percent: if user_size == 0 {
            0.0
        } else {
            wasted_bytes as f64 / user_size as f64
        },
        reclaimable_bytes: reclaimable,
        inefficiencies,
        top_wasteful: waste,
    }
}

fn note_waste(
    stack: &Stack,
    old: At,
    by: u32,
    how: &'static str,
    total: &mut u64,
    waste: &mut Vec<Waste>,
) {
    if stack.entry(old).kind != Kind::File {
        return; // hard links share their target's bytes; dirs and links hold none
    }
    let size = stack.entry(old).size;
    *total += size;
    if size > 0 {
        let path = format!("/{}", String::from_utf8_lossy(stack.path(old)));
        waste.push(Waste {
            path,
            size,
            added_in: old.layer,
            removed_in: by,
            how,
        });
    }
}

/// dive's efficiency score and inefficient paths (sorted by cumulative size, largest first).
pub fn dive_efficiency(lists: &[&FileList]) -> (f64, Vec<Inefficiency>) {
    let leaves: Vec<Vec<(u32, u64)>> = (0..lists.len()).map(|i| layer_leaves(lists, i)).collect();
    let mut heap: BinaryHeap<Cursor> = BinaryHeap::new();
    for (layer, l) in leaves.iter().enumerate() {
        if !l.is_empty() {
            heap.push(Cursor {
                lists,
                leaves: &leaves,
                layer,
                pos: 0,
            });
        }
    }
    let (mut sum_min, mut sum_cum) = (0u128, 0u128);
    let mut found = Vec::new();
    while let Some(first) = heap.pop() {
        let path = first.path();
        let (mut count, mut cum, mut min) = (0usize, 0u64, u64::MAX);
        let mut next = Some(first);
        while let Some(c) = next {
            let size = c.size();
            count += 1;
            cum += size;
            min = min.min(size);
            if let Some(after) = c.advance() {
                heap.push(after);
            }
            next = if heap.peek().is_some_and(|c| c.path() == path) {
                heap.pop()
            } else {
                None
            };
        }
        sum_min += u128::from(min);
        sum_cum += u128::from(cum);
        if count >= 2 {
            found.push(Inefficiency {
                path: format!("/{}", String::from_utf8_lossy(path)),
                count,
                cumulative_size: cum,
            });
        }
    }
    found.sort_by(|a, b| {
        b.cumulative_size
            .cmp(&a.cumulative_size)
            .then_with(|| a.path.cmp(&b.path))
    });
    let score = if sum_cum == 0 {
        1.0
    } else {
        sum_min as f64 / sum_cum as f64
    };
    (score, found)
}

/// The leaves of layer `i` in dive's sense, with dive's size for each, in path order.
fn layer_leaves(lists: &[&FileList], i: usize) -> Vec<(u32, u64)> {
    let list = lists[i];
    let entries = list.entries();
    let mut out = Vec::new();
    for (n, e) in entries.iter().enumerate() {
        let path = list.path(e);
        // The next entry that is a node in dive's tree (opaque markers are not).
        let next = entries[n + 1..].iter().find(|x| x.kind != Kind::Opaque);
        let has_child = next.is_some_and(|x| is_under(list.path(x), path));
        let size = match e.kind {
            Kind::Whiteout => match whiteout_size(lists, i, path) {
                Some(size) => size,
                // dive's visitor fails on a whiteout of a path that did not exist below, and
                // the rest of that layer goes uncounted.
                None => break,
            },
            // An opaque marker creates its directory as an empty node when nothing else does.
            Kind::Opaque => {
                let alone = !list.subtree(path).any(|x| entries[x].kind != Kind::Opaque);
                if !alone {
                    continue;
                }
                0
            }
            _ if has_child => continue,
            _ => e.size,
        };
        out.push((n as u32, size));
    }
    out
}

/// What dive counts for a whiteout of `path` in layer `i`: the summed sizes of the subtree it
/// hides in layers `0..i` stacked dive's way (no opaque directories; a node's data comes from
/// the last layer that had it), if that node was an explicit directory; 0 for anything else;
/// `None` when nothing was there.
fn whiteout_size(lists: &[&FileList], i: usize, path: &[u8]) -> Option<u64> {
    let mut state: BTreeMap<Vec<u8>, u64> = BTreeMap::new();
    let (mut exists, mut is_dir) = (false, false);
    for list in &lists[..i] {
        if ancestors_or_self(path).any(|a| whiteout_at(list, a)) {
            state.clear();
            exists = false;
        }
        let range = list.subtree(path);
        for e in &list.entries()[range.clone()] {
            let p = list.path(e);
            if e.kind == Kind::Whiteout && p != path {
                state.retain(|k, _| !is_at_or_under(k, p));
            }
        }
        let mut touched = false;
        for e in &list.entries()[range] {
            touched = true;
            if !e.kind.is_marker() {
                state.insert(list.path(e).to_vec(), e.size);
            }
        }
        if touched {
            exists = true;
            is_dir = list
                .find(path)
                .is_some_and(|n| list.get(n).kind == Kind::Dir);
        }
    }
    if !exists {
        return None;
    }
    Some(if is_dir { state.values().sum() } else { 0 })
}

fn whiteout_at(list: &FileList, path: &[u8]) -> bool {
    list.subtree(path)
        .any(|n| list.get(n).kind == Kind::Whiteout && list.path(list.get(n)) == path)
}

fn ancestors_or_self(path: &[u8]) -> impl Iterator<Item = &[u8]> {
    let cuts = path
        .iter()
        .enumerate()
        .filter(|&(_, &b)| b == b'/')
        .map(|(i, _)| i);
    cuts.map(move |i| &path[..i]).chain(std::iter::once(path))
}

/// A position in one layer's leaf list, ordered so the heap pops the smallest path first and,
/// among equal paths, the lowest layer.
struct Cursor<'a> {
    lists: &'a [&'a FileList],
    leaves: &'a [Vec<(u32, u64)>],
    layer: usize,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn path(&self) -> &'a [u8] {
        let list = self.lists[self.layer];
        list.path(list.get(self.leaves[self.layer][self.pos].0 as usize))
    }
    fn size(&self) -> u64 {
        self.leaves[self.layer][self.pos].1
    }
    fn advance(self) -> Option<Self> {
        (self.pos + 1 < self.leaves[self.layer].len()).then(|| Cursor {
            pos: self.pos + 1,
            ..self
        })
    }
}

impl PartialEq for Cursor<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Cursor<'_> {}
impl PartialOrd for Cursor<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Cursor<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: BinaryHeap is a max-heap.
        compare_paths(other.path(), self.path())
            .then(other.layer.cmp(&self.layer))
            .then(other.pos.cmp(&self.pos))
    }
}
