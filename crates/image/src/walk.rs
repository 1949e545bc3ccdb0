//! One streaming pass over a layer: decompress (sniffed from the bytes), verify digests,
//! record every entry, and hand the files a [`Collector`] wants to it while their bytes are
//! in hand. Nothing is written to disk, and only wanted files are ever buffered.

use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, mpsc};

use crate::digest::{Digest, Verify};
use crate::error::{Error, Result, StreamFault};
use crate::files::{FileList, Kind};
use crate::skip::{Gitignore, Skips, Verdict, in_git_work_tree};
use crate::tarball::{MemberKind, OuterTar};

/// Decides, from metadata alone, which regular files to buffer, and turns their bytes into
/// something small to keep (parsed packages, a digest, …).
pub trait Collector: Sync {
    type Item: Send;
    /// Called for every regular file (`path` has no leading `/`): `None` to skip it, or the
    /// most bytes worth buffering for it (larger files are reported and skipped).
    fn wants(&self, path: &str, size: u64, mode: u32) -> Option<u64>;
    /// Called with the whole file; returns what to keep of it.
    fn collect(&self, path: &str, mode: u32, data: &[u8]) -> Option<Self::Item>;
    /// Called with the file as a stream of its `size` bytes, for collectors that read big
    /// files in bounded windows instead of buffering them (what is left unread is skipped).
    /// By default the file is buffered and handed to [`collect`](Self::collect).
    fn collect_from(
        &self,
        path: &str,
        mode: u32,
        size: u64,
        data: &mut dyn Read,
    ) -> io::Result<Option<Self::Item>> {
        let mut bytes = Vec::with_capacity(size as usize);
        data.read_to_end(&mut bytes)?;
        Ok(self.collect(path, mode, &bytes))
    }
    /// Whether to descend into a directory of a `dir:` tree (`path` has no leading `/`):
    /// collectors that never want anything below it (`.git`, say) spare the walk its reads.
    fn enters(&self, _path: &str) -> bool {
        true
    }
    /// Names what this collector keeps, for the layer cache: two collectors with the same
    /// identity must keep the same items from the same bytes, so it carries a version that
    /// changes whenever what it keeps does. `None` (the default) keeps its walks out of the
    /// cache; a collector that names itself also implements the two methods below.
    fn cache_identity(&self) -> Option<String> {
        None
    }
    /// An item as bytes for the cache; `None` keeps the layer out of it.
    fn encode_item(&self, _item: &Self::Item) -> Option<Vec<u8>> {
        None
    }
    /// An item back from [`encode_item`](Self::encode_item)'s bytes; `None` (damage) is a
    /// cache miss.
    fn decode_item(&self, _bytes: &[u8]) -> Option<Self::Item> {
        None
    }
}

/// Collects nothing: for commands that need only metadata.
pub struct NoFiles;

impl Collector for NoFiles {
    type Item = ();
    fn wants(&self, _: &str, _: u64, _: u32) -> Option<u64> {
        None
    }
    fn collect(&self, _: &str, _: u32, _: &[u8]) -> Option<()> {
        None
    }
    fn cache_identity(&self) -> Option<String> {
        Some("entries".into())
    }
    fn encode_item(&self, _: &()) -> Option<Vec<u8>> {
        Some(Vec::new())
    }
    fn decode_item(&self, bytes: &[u8]) -> Option<()> {
        bytes.is_empty().then_some(())
    }
}

/// What one pass over a layer learned.
#[derive(Debug)]
pub struct LayerFacts<T> {
    pub files: FileList,
    /// What the collector kept, with the path of the file it came from.
    pub collected: Vec<(String, T)>,
    /// Entries that were not taken: `..` paths, names too long, files too big to buffer.
    pub warnings: Vec<String>,
}

/// Refuses layers that decompress to more than this (a decompression bomb) …
const MAX_UNCOMPRESSED: u64 = 64 << 30;
/// … or to more than this many times their compressed size, once past 1 GiB. gzip cannot
/// exceed about 1032:1, so only crafted zstd streams reach it.
const MAX_RATIO: u64 = 1100;
/// Memory an xz stream's dictionary may claim (`xz -9` needs 64 MiB); a header asking for more
/// is refused rather than allocated.
const XZ_MEM_LIMIT_KB: u32 = 256 << 10;
/// Entries one layer may have.
const MAX_ENTRIES: usize = 50_000_000;

/// Expected digests of one layer: the blob's (compressed) and the tar's (diff_id).
pub struct Expect {
    pub digest: Option<Digest>,
    pub diff_id: Option<Digest>,
    pub size: Option<u64>,
}

/// Streams one layer blob: sniffs its compression, verifies both digests, walks the tar.
pub fn walk_blob<C: Collector>(
    what: &str,
    blob: impl Read + Send,
    expect: &Expect,
    collector: &C,
) -> Result<LayerFacts<C::Item>> {
    let limit = expect.size.map(|s| s + 1).unwrap_or(u64::MAX);
    let compressed = Arc::new(AtomicU64::new(0));
    let counted = Counted {
        inner: blob.take(limit),
        count: compressed.clone(),
    };
    let mut outer = Verify::new(
        BufReader::with_capacity(256 << 10, counted),
        expect.digest.clone(),
    );
    let mut magic = [0u8; 4];
    let n = peek(&mut outer, &mut magic).map_err(|e| Error::reading(what, e))?;
    let prefix = io::Cursor::new(magic[..n].to_vec());
    let facts = {
        let stream = prefix.chain(&mut outer);
        match magic[..n] {
            [0x1f, 0x8b, ..] => piped(
                what,
                flate2::read::MultiGzDecoder::new(stream),
                expect,
                collector,
                Some(&compressed),
            )?,
            [0x28, 0xb5, 0x2f, 0xfd] => {
                let zstd = zstd::stream::read::Decoder::new(stream)
                    .map_err(|e| Error::reading(what, e))?;
                piped(what, zstd, expect, collector, Some(&compressed))?
            }
            [0xfd, b'7', b'z', b'X'] => piped(
                what,
                lzma_rust2::XzReader::new_mem_limit(stream, true, XZ_MEM_LIMIT_KB),
                expect,
                collector,
                Some(&compressed),
            )?,
            // An uncompressed blob is its own tar: when both digests name it, hash it once.
            _ if expect.digest.is_some() && expect.digest == expect.diff_id => piped(
                what,
                stream,
                &Expect {
                    digest: None,
                    diff_id: None,
                    size: None,
                },
                collector,
                None,
            )?,
            _ => piped(what, stream, expect, collector, None)?,
        }
    };
    outer.finish().map_err(|e| Error::reading(what, e))?;
    let blob_size = outer.count();
    if let Some(size) = expect.size
        && blob_size != size
    {
        return Err(Error::format(
            what,
            format!("blob is {blob_size} bytes, the manifest says {size}"),
        ));
    }
    Ok(facts)
}

/// Reads the blob on a thread of its own (hashing it, and decompressing it when `compressed`
/// counts its compressed bytes) while this one hashes and walks the tar: the two halves of a
/// layer's work run on two cores, as `zcat | sha256sum` would. An uncompressed layer of a
/// million small files spends half its time hashing and half parsing headers.
fn piped<C: Collector>(
    what: &str,
    mut decoder: impl Read + Send,
    expect: &Expect,
    collector: &C,
    compressed: Option<&Arc<AtomicU64>>,
) -> Result<LayerFacts<C::Item>> {
    const CHUNK: usize = 256 << 10;
    let (full_tx, full_rx) = mpsc::sync_channel::<Vec<u8>>(4);
    let (empty_tx, empty_rx) = mpsc::channel::<Vec<u8>>();
    std::thread::scope(|scope| {
        let producer = scope.spawn(move || -> io::Result<()> {
            loop {
                let mut buf = empty_rx.try_recv().unwrap_or_default();
                // Recycled buffers come back truncated to what they carried (or empty).
                buf.resize(CHUNK, 0);
                let n = fill(&mut decoder, &mut buf)?;
                if n == 0 {
                    return Ok(());
                }
                buf.truncate(n);
                if full_tx.send(buf).is_err() {
                    return Ok(()); // the walk stopped early; its error is the one to report
                }
            }
        });
        let chunks = Chunks {
            rx: full_rx,
            recycle: empty_tx,
            current: Vec::new(),
            pos: 0,
        };
        let walked = inner(what, chunks, expect, collector, compressed);
        match producer.join() {
            Ok(Err(e)) => Err(Error::reading(what, e)),
            Ok(Ok(())) => walked,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// Reads as much as fits, stopping only at end of stream.
fn fill(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// The consuming end of [`piped`]: chunks in order, buffers sent back for reuse.
struct Chunks {
    rx: mpsc::Receiver<Vec<u8>>,
    recycle: mpsc::Sender<Vec<u8>>,
    current: Vec<u8>,
    pos: usize,
}

impl Read for Chunks {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos == self.current.len() {
            let Ok(next) = self.rx.recv() else {
                return Ok(0);
            };
            let done = std::mem::replace(&mut self.current, next);
            let _ = self.recycle.send(done);
            self.pos = 0;
        }
        let n = buf.len().min(self.current.len() - self.pos);
        buf[..n].copy_from_slice(&self.current[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

fn peek(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

fn inner<C: Collector>(
    what: &str,
    tar: impl Read,
    expect: &Expect,
    collector: &C,
    compressed: Option<&Arc<AtomicU64>>,
) -> Result<LayerFacts<C::Item>> {
    let bomb = Bomb {
        inner: tar,
        read: 0,
        compressed: compressed.cloned(),
    };
    let mut verify = Verify::new(bomb, expect.diff_id.clone());
    let facts = walk_tar(what, &mut verify, collector)?;
    verify
        .finish()
        .map_err(|e| Error::reading(format!("{what} (uncompressed)"), e))?;
    Ok(facts)
}

/// Counts bytes into a shared counter, so the decompressed side can see the ratio.
struct Counted<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Fails a decompressed stream that grows past the bomb limits.
struct Bomb<R> {
    inner: R,
    read: u64,
    compressed: Option<Arc<AtomicU64>>,
}

impl<R: Read> Read for Bomb<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if let Some(compressed) = &self.compressed {
            let ratio_exceeded = self.read > 1 << 30
                && self.read / compressed.load(Ordering::Relaxed).max(1) > MAX_RATIO;
            if self.read > MAX_UNCOMPRESSED || ratio_exceeded {
                let message = format!(
                    "decompression bomb: {} bytes from {} compressed",
                    self.read,
                    compressed.load(Ordering::Relaxed)
                );
                return Err(StreamFault::Limit(message).into());
            }
        }
        Ok(n)
    }
}

/// Walks a tar stream, recording entries and collecting wanted files.
pub fn walk_tar<C: Collector>(
    what: &str,
    stream: impl Read,
    collector: &C,
) -> Result<LayerFacts<C::Item>> {
    let mut tar = OuterTar::new(stream);
    let mut facts = LayerFacts {
        files: FileList::default(),
        collected: Vec::new(),
        warnings: Vec::new(),
    };
    let mut odd = Oddities::default();
    while let Some(member) = tar.next_entry().map_err(|e| Error::reading(what, e))? {
        let kind = match member.kind {
            MemberKind::File => Kind::File,
            MemberKind::Dir => Kind::Dir,
            MemberKind::Symlink => Kind::Symlink,
            MemberKind::Hardlink => Kind::Hardlink,
            MemberKind::Special => Kind::Special,
            MemberKind::Other => continue,
        };
        let Some(path) = normalize(&member.name, &mut facts.warnings) else {
            continue;
        };
        let (path, kind) = whiteout(path, kind);
        odd.note(&path, kind, &member.link);
        let (size, link) = match kind {
            Kind::Symlink => (0, member.link),
            Kind::Hardlink => (
                0,
                normalize(&member.link, &mut facts.warnings).unwrap_or_default(),
            ),
            Kind::File => (member.size, Vec::new()),
            _ => (0, Vec::new()),
        };
        if facts.files.len() >= MAX_ENTRIES
            || !facts.files.push(&path, &link, size, member.mode, kind)
        {
            return Err(Error::Limit {
                what: what.into(),
                message: format!("more than {MAX_ENTRIES} entries or 4 GiB of names"),
            });
        }
        if kind == Kind::File {
            collect_file(
                what,
                &mut tar.data(size),
                &path,
                size,
                member.mode,
                collector,
                &mut facts,
            )?;
        }
    }
    // Drain the end-of-archive padding so digests cover every byte.
    io::copy(&mut tar.into_inner(), &mut io::sink()).map_err(|e| Error::reading(what, e))?;
    facts.files.finish();
    facts.warnings.extend(odd.warnings());
    Ok(facts)
}

fn collect_file<C: Collector>(
    what: &str,
    data: &mut dyn Read,
    path: &[u8],
    size: u64,
    mode: u32,
    collector: &C,
    facts: &mut LayerFacts<C::Item>,
) -> Result<()> {
    let Ok(path) = std::str::from_utf8(path) else {
        return Ok(());
    };
    let Some(max_size) = collector.wants(path, size, mode) else {
        return Ok(());
    };
    if size > max_size {
        facts
            .warnings
            .push(format!("/{path}: {size} bytes, too large to catalog"));
        return Ok(());
    }
    let kept = collector
        .collect_from(path, mode, size, data)
        .map_err(|e| Error::reading(format!("{what}: /{path}"), e))?;
    if let Some(item) = kept {
        facts.collected.push((path.to_string(), item));
    }
    Ok(())
}

/// `./a//b/` → `a/b`; `/abs` → `abs` (noted); anything with `..` is refused (noted), since a
/// runtime must never follow it out of the root.
fn normalize(raw: &[u8], warnings: &mut Vec<String>) -> Option<Vec<u8>> {
    if raw.starts_with(b"/") {
        warnings.push(format!(
            "absolute path in layer: {}",
            String::from_utf8_lossy(raw)
        ));
    }
    let mut out = Vec::with_capacity(raw.len());
    for part in raw.split(|&b| b == b'/') {
        match part {
            b"" | b"." => {}
            b".." => {
                warnings.push(format!(
                    "path with '..' in layer, skipped: {}",
                    String::from_utf8_lossy(raw)
                ));
                return None;
            }
            part => {
                if !out.is_empty() {
                    out.push(b'/');
                }
                out.extend_from_slice(part);
            }
        }
    }
    if out.is_empty() { None } else { Some(out) }
}

/// Symlinks that climb above the root: harmless in a real image, a warning sign in a root
/// filesystem tarball from an unknown source. They are resolved inside the tree, as in a chroot,
/// never followed out; one summary line per layer says so. (Device nodes are listed as
/// `Special` and never opened; debootstrap's `/dev` has them, so they get no warning.)
#[derive(Default)]
struct Oddities {
    above_root: usize,
    first: String,
}

impl Oddities {
    fn note(&mut self, path: &[u8], kind: Kind, link: &[u8]) {
        if kind != Kind::Symlink || !climbs_above_root(path, link) {
            return;
        }
        if self.above_root == 0 {
            self.first = format!(
                "{} -> {}",
                String::from_utf8_lossy(path),
                String::from_utf8_lossy(link)
            );
        }
        self.above_root += 1;
    }

    fn warnings(self) -> Option<String> {
        (self.above_root > 0).then(|| {
            format!(
                "{} symlink(s) point above the root, resolved inside it and never followed out (first: {})",
                self.above_root, self.first
            )
        })
    }
}

/// Whether a symlink at `path` whose target is `link` climbs out of the tree: more `..` than
/// there are directories above it (for an absolute target, above `/`).
fn climbs_above_root(path: &[u8], link: &[u8]) -> bool {
    let mut depth: isize = if link.first() == Some(&b'/') {
        0
    } else {
        path.iter().filter(|&&b| b == b'/').count() as isize
    };
    for part in link.split(|&b| b == b'/') {
        match part {
            b"" | b"." => {}
            b".." => {
                depth -= 1;
                if depth < 0 {
                    return true;
                }
            }
            _ => depth += 1,
        }
    }
    false
}

/// `dir/.wh.name` → (`dir/name`, Whiteout); `dir/.wh..wh..opq` → (`dir`, Opaque).
fn whiteout(path: Vec<u8>, kind: Kind) -> (Vec<u8>, Kind) {
    let base_start = path.iter().rposition(|&b| b == b'/').map_or(0, |i| i + 1);
    let base = &path[base_start..];
    if base == b".wh..wh..opq" {
        return (path[..base_start.saturating_sub(1)].to_vec(), Kind::Opaque);
    }
    if let Some(hidden) = base.strip_prefix(b".wh.") {
        let mut p = path[..base_start].to_vec();
        p.extend_from_slice(hidden);
        return (p, Kind::Whiteout);
    }
    (path, kind)
}

/// Walks a directory tree as if it were one layer (`dir:PATH`). Does not follow symlinks,
/// does not cross into `/proc`, `/sys` or `/dev` of a root filesystem.
pub fn walk_dir<C: Collector>(
    root: &Path,
    skips: &Skips,
    collector: &C,
) -> Result<LayerFacts<C::Item>> {
    let what = format!("dir:{}", root.display());
    let top = std::fs::symlink_metadata(root).map_err(|e| Error::io(root, e))?;
    if !top.is_dir() {
        return Err(Error::format(&what, "not a directory"));
    }
    // The tree is listed on this thread while workers read the files the collector wants,
    // so a big tree is read with every core (as ripgrep does) and listing never waits on
    // reading. The queue is bounded: memory stays flat however many files there are. Files
    // go in batches: one hand-off per file cost a thread wake-up per file.
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().min(8));
    let (tx, rx) = mpsc::sync_channel::<Vec<DiskFile>>(workers * 2);
    let rx = std::sync::Mutex::new(rx);
    std::thread::scope(|scope| {
        let readers: Vec<_> = (0..workers)
            .map(|_| scope.spawn(|| read_files(&rx, collector)))
            .collect();
        let listed = list_dir(root, &what, skips, collector, &tx);
        drop(tx);
        let mut read: Vec<FileRead<C::Item>> = Vec::new();
        for reader in readers {
            match reader.join() {
                Ok(mut part) => read.append(&mut part),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        let mut facts = listed?;
        // In listing order, so output does not depend on which worker was quicker.
        read.sort_unstable_by_key(|(order, _)| *order);
        let mut paths = std::mem::take(&mut facts.collected_paths);
        for (order, kept) in read {
            let path = std::mem::take(&mut paths[order]);
            match kept {
                Ok(Some(item)) => facts.facts.collected.push((path, item)),
                Ok(None) => {}
                Err(e) => facts.facts.warnings.push(e),
            }
        }
        let mut facts = facts.facts;
        facts.files.finish();
        Ok(facts)
    })
}

/// What a worker made of one file: its place in the listing, and what the collector kept
/// of it or why it could not be read.
type FileRead<T> = (usize, std::result::Result<Option<T>, String>);

/// Files handed to a worker at once.
const BATCH: usize = 16;

/// A file of a `dir:` tree to hand to the collector, and its place in the listing.
struct DiskFile {
    order: usize,
    full: PathBuf,
    path: String,
    size: u64,
    mode: u32,
}

/// What listing a tree gives: the facts so far, and the path of each file sent to be read.
struct Listed<T> {
    facts: LayerFacts<T>,
    collected_paths: Vec<String>,
}

/// A worker: reads files off the queue until it closes.
fn read_files<C: Collector>(
    rx: &std::sync::Mutex<mpsc::Receiver<Vec<DiskFile>>>,
    collector: &C,
) -> Vec<FileRead<C::Item>> {
    let mut out = Vec::new();
    loop {
        let next = rx.lock().expect("no panics while holding").recv();
        let Ok(batch) = next else {
            return out;
        };
        for file in batch {
            let kept = std::fs::File::open(&file.full)
                .and_then(|mut f| collector.collect_from(&file.path, file.mode, file.size, &mut f))
                .map_err(|e| format!("{}: {e}", file.full.display()));
            out.push((file.order, kept));
        }
    }
}

/// Lists the tree into a [`FileList`], sending the files the collector wants to `tx`.
fn list_dir<C: Collector>(
    root: &Path,
    what: &str,
    skips: &Skips,
    collector: &C,
    tx: &mpsc::SyncSender<Vec<DiskFile>>,
) -> Result<Listed<C::Item>> {
    use std::os::unix::fs::MetadataExt;
    let mut listed = Listed {
        facts: LayerFacts {
            files: FileList::default(),
            collected: Vec::new(),
            warnings: Vec::new(),
        },
        collected_paths: Vec::new(),
    };
    let facts = &mut listed.facts;
    let git = skips.honours_gitignore() && in_git_work_tree(root);
    let mut stack: Vec<(PathBuf, Vec<u8>, Ignores)> =
        vec![(root.to_path_buf(), Vec::new(), Vec::new())];
    let mut batch = Vec::with_capacity(BATCH);
    while let Some((dir, rel, mut ignores)) = stack.pop() {
        if git && let Ok(text) = std::fs::read_to_string(dir.join(".gitignore")) {
            ignores.push((rel.len(), Arc::new(Gitignore::parse(&text))));
        }
        let read = match std::fs::read_dir(&dir) {
            Ok(r) => r,
            Err(e) => {
                facts.warnings.push(format!("{}: {e}", dir.display()));
                continue;
            }
        };
        for item in read {
            let Ok(item) = item else { continue };
            let name = item.file_name();
            let mut path = rel.clone();
            if !path.is_empty() {
                path.push(b'/');
            }
            path.extend_from_slice(std::os::unix::ffi::OsStrExt::as_bytes(name.as_os_str()));
            // DirEntry::metadata does not follow symlinks: a link out of the tree is listed
            // as a link and never entered.
            let Ok(meta) = item.metadata() else { continue };
            let ft = meta.file_type();
            let is_dir = ft.is_dir();
            if skips.skips(&path, is_dir)
                || (git && is_dir && name == ".git")
                || ignored(&ignores, &path, is_dir)
            {
                continue;
            }
            let (kind, size, link) = if ft.is_dir() {
                (Kind::Dir, 0, Vec::new())
            } else if ft.is_symlink() {
                let target = std::fs::read_link(item.path())
                    .map(|t| t.into_os_string().into_encoded_bytes())
                    .unwrap_or_default();
                (Kind::Symlink, 0, target)
            } else if ft.is_file() {
                (Kind::File, meta.size(), Vec::new())
            } else {
                (Kind::Special, 0, Vec::new())
            };
            if !facts.files.push(&path, &link, size, meta.mode(), kind) {
                return Err(Error::Limit {
                    what: what.to_string(),
                    message: "more than 4 GiB of names".into(),
                });
            }
            match kind {
                Kind::Dir
                    if !(rel.is_empty() && is_virtual(root, &path)) && enters(collector, &path) =>
                {
                    stack.push((item.path(), path, ignores.clone()))
                }
                Kind::File => {
                    let Ok(path) = String::from_utf8(path) else {
                        continue;
                    };
                    let Some(max_size) = collector.wants(&path, size, meta.mode()) else {
                        continue;
                    };
                    if size > max_size {
                        facts
                            .warnings
                            .push(format!("/{path}: {size} bytes, too large to catalog"));
                        continue;
                    }
                    let file = DiskFile {
                        order: listed.collected_paths.len(),
                        full: item.path(),
                        path: path.clone(),
                        size,
                        mode: meta.mode(),
                    };
                    listed.collected_paths.push(path);
                    batch.push(file);
                    if batch.len() == BATCH && tx.send(std::mem::take(&mut batch)).is_err() {
                        break; // a worker panicked; its panic is the one to report
                    }
                }
                _ => {}
            }
        }
    }
    // A closed queue means a worker panicked; its panic is the one to report.
    tx.send(batch).ok();
    Ok(listed)
}

/// The `.gitignore` files that apply in a directory: each with the length of its
/// directory's relative path.
type Ignores = Vec<(usize, Arc<Gitignore>)>;

/// The deepest `.gitignore` with a say decides, as git does.
fn ignored(ignores: &Ignores, path: &[u8], is_dir: bool) -> bool {
    for (base, gi) in ignores.iter().rev() {
        let rel = if *base == 0 { path } else { &path[base + 1..] };
        match gi.verdict(rel, is_dir) {
            Verdict::Ignored => return true,
            Verdict::Kept => return false,
            Verdict::Unsaid => {}
        }
    }
    false
}

fn is_virtual(root: &Path, top_name: &[u8]) -> bool {
    root == Path::new("/") && matches!(top_name, b"proc" | b"sys" | b"dev")
}

/// Asks the collector about a directory whose path is valid UTF-8 (others are entered).
fn enters<C: Collector>(collector: &C, path: &[u8]) -> bool {
    std::str::from_utf8(path).map_or(true, |p| collector.enters(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symlinks_above_the_root() {
        assert!(climbs_above_root(b"etc/up", b"../../x"));
        assert!(climbs_above_root(b"etc/shadow", b"/../../etc/shadow"));
        assert!(!climbs_above_root(b"usr/lib/x", b"../../lib/x"));
        assert!(!climbs_above_root(b"bin/sh", b"/bin/dash"));
        assert!(!climbs_above_root(b"a/b", b"c/../../d"));
        assert!(climbs_above_root(b"a/b", b"c/../../../d"));
    }

    #[test]
    fn whiteout_names() {
        assert_eq!(
            whiteout(b"a/.wh.b".to_vec(), Kind::File),
            (b"a/b".to_vec(), Kind::Whiteout)
        );
        assert_eq!(
            whiteout(b"a/.wh..wh..opq".to_vec(), Kind::File),
            (b"a".to_vec(), Kind::Opaque)
        );
        assert_eq!(
            whiteout(b".wh.top".to_vec(), Kind::File),
            (b"top".to_vec(), Kind::Whiteout)
        );
    }

    #[test]
    fn normalizes_and_refuses_dotdot() {
        let mut w = Vec::new();
        assert_eq!(normalize(b"./a//b/", &mut w), Some(b"a/b".to_vec()));
        assert_eq!(normalize(b"a/../../etc/passwd", &mut w), None);
        assert_eq!(normalize(b"/etc/x", &mut w), Some(b"etc/x".to_vec()));
        assert_eq!(w.len(), 2);
    }
}
