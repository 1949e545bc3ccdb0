//! One layer's file entries, stored compactly: all names in one byte arena, fixed-size
//! records beside it, sorted so that a directory's subtree is one contiguous run.
//!
//! A layer of a million files costs about 32 bytes per entry plus its name, with no
//! per-entry allocation.

use std::cmp::Ordering;

/// What a layer entry is. Whiteouts are stored under the path they hide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    File,
    Dir,
    Symlink,
    Hardlink,
    /// Other special files: devices, FIFOs.
    Special,
    /// `.wh.NAME`: hides NAME (and everything under it) in lower layers.
    Whiteout,
    /// `.wh..wh..opq`: hides everything under this directory in lower layers.
    Opaque,
}

impl Kind {
    /// Entries that hide lower content rather than add any.
    pub fn is_marker(self) -> bool {
        matches!(self, Kind::Whiteout | Kind::Opaque)
    }
}

/// One entry's fixed-size record; its name and link target live in the arena.
#[derive(Debug, Clone, Copy)]
pub struct Entry {
    name: (u32, u32),
    link: (u32, u32),
    /// Size from the tar header (0 for hard links, as tar stores them).
    pub size: u64,
    pub mode: u32,
    pub kind: Kind,
}

/// The entries of one layer.
#[derive(Debug, Default)]
pub struct FileList {
    arena: Vec<u8>,
    entries: Vec<Entry>,
}

/// The most bytes of names one layer may hold (offsets are 32-bit).
pub const MAX_ARENA: usize = u32::MAX as usize;

impl FileList {
    /// Adds an entry; `false` when the name arena is full (a hostile layer).
    pub fn push(&mut self, path: &[u8], link: &[u8], size: u64, mode: u32, kind: Kind) -> bool {
        if self.arena.len() + path.len() + link.len() > MAX_ARENA {
            return false;
        }
        let name = self.intern(path);
        let link = self.intern(link);
        self.entries.push(Entry {
            name,
            link,
            size,
            mode,
            kind,
        });
        true
    }

    fn intern(&mut self, bytes: &[u8]) -> (u32, u32) {
        let start = self.arena.len() as u32;
        self.arena.extend_from_slice(bytes);
        (start, bytes.len() as u32)
    }

    /// Sorts entries in path order, keeping only the last of duplicate (path, marker) pairs,
    /// as a tar extractor would (a later member overwrites an earlier one).
    pub fn finish(&mut self) {
        let arena = &self.arena;
        let key = |e: &Entry| {
            (
                &arena[e.name.0 as usize..(e.name.0 + e.name.1) as usize],
                e.kind.is_marker(),
                e.kind == Kind::Opaque,
            )
        };
        // Names are interned in tar order, so the name offset breaks ties by tar order and
        // "keep the last" is well defined without a stable sort's scratch buffer.
        self.entries.sort_unstable_by(|a, b| {
            let (pa, ma, oa) = key(a);
            let (pb, mb, ob) = key(b);
            compare_paths(pa, pb)
                .then(mb.cmp(&ma))
                .then(ob.cmp(&oa))
                .then(a.name.0.cmp(&b.name.0))
        });
        // In place, so a layer of a million entries is never held twice.
        self.entries.dedup_by(|later, kept| {
            let same = key(later) == key(kept);
            if same {
                *kept = *later;
            }
            same
        });
        self.entries.shrink_to_fit();
        self.arena.shrink_to_fit();
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn get(&self, i: usize) -> &Entry {
        &self.entries[i]
    }

    pub fn path(&self, e: &Entry) -> &[u8] {
        &self.arena[e.name.0 as usize..(e.name.0 + e.name.1) as usize]
    }

    pub fn link(&self, e: &Entry) -> &[u8] {
        &self.arena[e.link.0 as usize..(e.link.0 + e.link.1) as usize]
    }

    /// Index of the non-marker entry at `path`, by binary search (the list must be finished).
    pub fn find(&self, path: &[u8]) -> Option<usize> {
        let start = self
            .entries
            .partition_point(|e| compare_paths(self.path(e), path) == Ordering::Less);
        (start..self.entries.len())
            .take_while(|&i| self.path(&self.entries[i]) == path)
            .find(|&i| !self.entries[i].kind.is_marker())
    }

    /// The range of entries at `path` or below it.
    pub fn subtree(&self, path: &[u8]) -> std::ops::Range<usize> {
        let start = self
            .entries
            .partition_point(|e| compare_paths(self.path(e), path) == Ordering::Less);
        let end =
            start + self.entries[start..].partition_point(|e| is_at_or_under(self.path(e), path));
        start..end
    }
}

impl Kind {
    fn code(self) -> u8 {
        self as u8
    }

    fn from_code(code: u8) -> Option<Kind> {
        const ALL: [Kind; 7] = [
            Kind::File,
            Kind::Dir,
            Kind::Symlink,
            Kind::Hardlink,
            Kind::Special,
            Kind::Whiteout,
            Kind::Opaque,
        ];
        ALL.get(code as usize).copied()
    }
}

/// Bytes per entry record in [`FileList::encode`].
const RECORD: usize = 29;

impl FileList {
    /// Appends the finished list to `out`: the name arena, then one fixed-size record per
    /// entry, so reading it back is two copies and a bounds check per entry.
    pub(crate) fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&(self.arena.len() as u64).to_le_bytes());
        out.extend_from_slice(&self.arena);
        out.extend_from_slice(&(self.entries.len() as u64).to_le_bytes());
        out.reserve(self.entries.len() * RECORD);
        for e in &self.entries {
            for n in [e.name.0, e.name.1, e.link.0, e.link.1] {
                out.extend_from_slice(&n.to_le_bytes());
            }
            out.extend_from_slice(&e.size.to_le_bytes());
            out.extend_from_slice(&e.mode.to_le_bytes());
            out.push(e.kind.code());
        }
    }

    /// Reads back what [`encode`](Self::encode) wrote, from the front of `bytes`, and returns
    /// the rest. `None` for anything it could not have written: a name outside the arena, an
    /// unknown kind, a short buffer.
    pub(crate) fn decode(bytes: &[u8]) -> Option<(FileList, &[u8])> {
        let (arena_len, rest) = take_u64(bytes)?;
        let arena_len = usize::try_from(arena_len)
            .ok()
            .filter(|&n| n <= MAX_ARENA)?;
        let arena = rest.get(..arena_len)?.to_vec();
        let (count, rest) = take_u64(&rest[arena_len..])?;
        let count = usize::try_from(count).ok()?;
        let records = rest.get(..count.checked_mul(RECORD)?)?;
        let mut entries = Vec::with_capacity(count);
        for r in records.chunks_exact(RECORD) {
            let u32_at = |i: usize| u32::from_le_bytes(r[i..i + 4].try_into().expect("4 bytes"));
            let span = |start: u32, len: u32| {
                let end = start.checked_add(len)?;
                (end as usize <= arena.len()).then_some((start, len))
            };
            entries.push(Entry {
                name: span(u32_at(0), u32_at(4))?,
                link: span(u32_at(8), u32_at(12))?,
                size: u64::from_le_bytes(r[16..24].try_into().expect("8 bytes")),
                mode: u32_at(24),
                kind: Kind::from_code(r[28])?,
            });
        }
        Some((FileList { arena, entries }, &rest[records.len()..]))
    }
}

fn take_u64(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let (head, rest) = bytes.split_first_chunk::<8>()?;
    Some((u64::from_le_bytes(*head), rest))
}

/// Orders paths so that every directory's subtree directly follows it: bytes compared as if
/// `/` sorted before every other byte. (`a`, `a/b`, `a-b` — not `a`, `a-b`, `a/b`.)
pub fn compare_paths(a: &[u8], b: &[u8]) -> Ordering {
    let map = |c: u8| if c == b'/' { 0 } else { c };
    let n = a.len().min(b.len());
    for i in 0..n {
        let (x, y) = (map(a[i]), map(b[i]));
        if x != y {
            return x.cmp(&y);
        }
    }
    a.len().cmp(&b.len())
}

/// `q` is `p` or a path inside it.
pub fn is_at_or_under(q: &[u8], p: &[u8]) -> bool {
    q.starts_with(p) && (q.len() == p.len() || q[p.len()] == b'/' || p.is_empty())
}

/// `q` is strictly inside `p`.
pub fn is_under(q: &[u8], p: &[u8]) -> bool {
    q.len() > p.len() && is_at_or_under(q, p)
}

/// The parent directories that no entry names (tars may omit them; runtimes create them, and
/// dive shows them), for paths given in [`compare_paths`] order: each as (the index of the
/// first path inside it, its path). Memory grows with the depth and the implied directories
/// only.
pub fn implied_dirs<'a>(sorted: impl IntoIterator<Item = &'a [u8]>) -> Vec<(usize, Vec<u8>)> {
    let mut out = Vec::new();
    // The directories (named or implied) enclosing the current path, outermost first.
    let mut open: Vec<Vec<u8>> = Vec::new();
    for (i, p) in sorted.into_iter().enumerate() {
        while open.last().is_some_and(|top| !is_under(p, top)) {
            open.pop();
        }
        let start = open.last().map_or(0, |top| top.len() + 1);
        for (j, &b) in p.iter().enumerate().skip(start) {
            if b == b'/' {
                out.push((i, p[..j].to_vec()));
                open.push(p[..j].to_vec());
            }
        }
        open.push(p.to_vec());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn implied_dirs_are_the_parents_nobody_listed() {
        let paths: [&[u8]; 6] = [b"a", b"a/b/c", b"a/b/d", b"a-z", b"x/y/z", b"x/y2"];
        let implied = implied_dirs(paths);
        let got: Vec<(usize, &str)> = implied
            .iter()
            .map(|(i, p)| (*i, std::str::from_utf8(p).unwrap()))
            .collect();
        assert_eq!(got, vec![(1, "a/b"), (4, "x"), (4, "x/y")]);
    }

    #[test]
    fn subtrees_are_contiguous() {
        let mut v: Vec<&[u8]> = vec![b"a-b", b"a/b", b"a", b"a/b/c", b"a.c", b"b"];
        v.sort_by(|x, y| compare_paths(x, y));
        assert_eq!(v, vec![&b"a"[..], b"a/b", b"a/b/c", b"a-b", b"a.c", b"b"]);
    }

    #[test]
    fn encoding_round_trips_and_refuses_damage() {
        let mut l = FileList::default();
        l.push(b"etc/passwd", b"", 1234, 0o644, Kind::File);
        l.push(b"bin/sh", b"dash", 0, 0o777, Kind::Symlink);
        l.push(b"opt", b"", 0, 0, Kind::Opaque);
        l.finish();
        let mut bytes = Vec::new();
        l.encode(&mut bytes);
        bytes.extend_from_slice(b"tail");
        let (back, rest) = FileList::decode(&bytes).unwrap();
        assert_eq!(rest, b"tail");
        assert_eq!(back.arena, l.arena);
        assert_eq!(back.len(), 3);
        let sh = back.get(back.find(b"bin/sh").unwrap());
        assert_eq!(
            (back.link(sh), sh.mode, sh.kind),
            (&b"dash"[..], 0o777, Kind::Symlink)
        );
        // Every truncation, and a name pointing past the arena, read as nothing.
        for n in 0..bytes.len() - 4 {
            assert!(FileList::decode(&bytes[..n]).is_none(), "truncated at {n}");
        }
        let arena_len = l.arena.len();
        bytes[8 + arena_len + 8] = 0xff;
        assert!(FileList::decode(&bytes).is_none());
    }

    #[test]
    fn duplicates_keep_the_last() {
        let mut l = FileList::default();
        l.push(b"x", b"", 1, 0o644, Kind::File);
        l.push(b"x", b"", 2, 0o644, Kind::File);
        l.push(b"x", b"", 0, 0, Kind::Whiteout);
        l.finish();
        assert_eq!(l.len(), 2);
        assert_eq!(l.get(l.find(b"x").unwrap()).size, 2);
        assert_eq!(l.subtree(b"x"), 0..2);
    }
}
