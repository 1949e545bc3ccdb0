//! The secret scanner as a [`Collector`] of plinth-image's layer walk: every regular file
//! of every layer (and of a `dir:` tree) streams through [`stream::search`] while its bytes
//! pass, except what `--skip-dirs`/`--skip-files` name, `.git` directories of a tree, files
//! over the size limit and binaries, each counted for the summary.

use std::io::{self, Read};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use plinth_image::Collector;
use serde::Serialize;

use crate::glob::glob;
use crate::matcher::{Hit, Scanner};
use crate::stream::{self, Outcome};

/// Files larger than this are skipped unless the caller raises it.
pub const DEFAULT_MAX_SIZE: u64 = 10 << 20;
/// How many skipped big files the summary names.
const NAMED_LARGE: usize = 10;

/// Which files to leave out.
#[derive(Debug, Clone, Default)]
pub struct PathFilter {
    /// Globs (`*` within a segment, `**` across) of directories not to search.
    pub skip_dirs: Vec<String>,
    /// Globs of files not to search.
    pub skip_files: Vec<String>,
}

impl PathFilter {
    fn skips_dir(&self, dir: &str) -> bool {
        self.skip_dirs.iter().any(|g| glob(clean(g), dir))
    }

    fn skips_file(&self, path: &str) -> bool {
        if self.skip_files.iter().any(|g| glob(clean(g), path)) {
            return true;
        }
        // Every directory above the file.
        path.match_indices('/')
            .any(|(i, _)| self.skips_dir(&path[..i]))
    }
}

/// `/app/x`, `./app/x` → `app/x`: paths in a walk have no leading `/`.
fn clean(glob: &str) -> &str {
    glob.trim_start_matches("./").trim_start_matches('/')
}

/// What was searched and what was not.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub files_searched: u64,
    pub bytes_searched: u64,
    pub binaries_skipped: u64,
    pub large_skipped: u64,
    /// The first few files skipped for their size.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub large_paths: Vec<String>,
    pub max_size: u64,
    pub filtered: u64,
    pub config_fields: u64,
    pub history_entries: u64,
}

/// Searches files as the walk hands them over; counts what it skips.
pub struct SecretCollector<'a> {
    scanner: &'a Scanner,
    filter: &'a PathFilter,
    max_size: u64,
    searched: AtomicU64,
    bytes: AtomicU64,
    binaries: AtomicU64,
    large: AtomicU64,
    large_paths: Mutex<Vec<String>>,
    filtered: AtomicU64,
}

impl<'a> SecretCollector<'a> {
    pub fn new(scanner: &'a Scanner, filter: &'a PathFilter, max_size: u64) -> Self {
        SecretCollector {
            scanner,
            filter,
            max_size,
            searched: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            binaries: AtomicU64::new(0),
            large: AtomicU64::new(0),
            large_paths: Mutex::new(Vec::new()),
            filtered: AtomicU64::new(0),
        }
    }

    pub fn summary(&self) -> Summary {
        let mut large_paths = self
            .large_paths
            .lock()
            .expect("no panics while holding")
            .clone();
        large_paths.sort();
        Summary {
            files_searched: self.searched.load(Ordering::Relaxed),
            bytes_searched: self.bytes.load(Ordering::Relaxed),
            binaries_skipped: self.binaries.load(Ordering::Relaxed),
            large_skipped: self.large.load(Ordering::Relaxed),
            large_paths,
            max_size: self.max_size,
            filtered: self.filtered.load(Ordering::Relaxed),
            config_fields: 0,
            history_entries: 0,
        }
    }

    fn outcome(&self, size: u64, outcome: Outcome) -> Option<Vec<Hit>> {
        match outcome {
            Outcome::Binary => {
                self.binaries.fetch_add(1, Ordering::Relaxed);
                None
            }
            Outcome::Text(hits) => {
                self.searched.fetch_add(1, Ordering::Relaxed);
                self.bytes.fetch_add(size, Ordering::Relaxed);
                (!hits.is_empty()).then_some(hits)
            }
        }
    }
}

impl Collector for SecretCollector<'_> {
    type Item = Vec<Hit>;

    fn wants(&self, path: &str, size: u64, _mode: u32) -> Option<u64> {
        if self.filter.skips_file(path) || self.scanner.rules_for(path).is_empty() {
            self.filtered.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        if size > self.max_size {
            self.large.fetch_add(1, Ordering::Relaxed);
            let mut named = self.large_paths.lock().expect("no panics while holding");
            if named.len() < NAMED_LARGE {
                named.push(format!("/{path}"));
            }
            return None;
        }
        if size == 0 {
            return None;
        }
        Some(self.max_size)
    }

    fn collect(&self, path: &str, _mode: u32, data: &[u8]) -> Option<Vec<Hit>> {
        let outcome = stream::search(self.scanner, path, &mut &data[..]).ok()?;
        self.outcome(data.len() as u64, outcome)
    }

    fn collect_from(
        &self,
        path: &str,
        _mode: u32,
        size: u64,
        data: &mut dyn Read,
    ) -> io::Result<Option<Vec<Hit>>> {
        let outcome = stream::search(self.scanner, path, data)?;
        Ok(self.outcome(size, outcome))
    }

    fn enters(&self, path: &str) -> bool {
        let base = path.rsplit('/').next().unwrap_or(path);
        base != ".git" && !self.filter.skips_dir(path)
    }
}
