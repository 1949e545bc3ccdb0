//! The local store: one file per entry under a directory, named by its key
//! (`ab/abcdef…`), written to a temporary name beside it and renamed into place. A rename
//! is atomic within a directory, so readers see a whole entry or none, and any number of
//! processes share the directory without locks: two writers of one key write the same bytes,
//! and the last rename wins. A file's mtime is its last use (set on every hit), which is
//! what eviction orders by.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

/// Temporary files older than this are a crashed writer's, and removed by eviction.
const STALE_TEMP: Duration = Duration::from_secs(3600);
/// Eviction frees down to this share of the bound, so it does not run on every write.
const EVICT_TO_PERCENT: u64 = 90;

pub struct Dir {
    root: PathBuf,
    max_size: u64,
    ttl: Option<Duration>,
    /// The bytes this process believes the store holds: scanned at its first write, then
    /// counted up, and corrected by every eviction.
    estimate: Mutex<Option<u64>>,
}

/// What the store holds.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    pub entries: u64,
    pub bytes: u64,
}

impl Dir {
    pub fn new(root: PathBuf, max_size: u64, ttl: Option<Duration>) -> Dir {
        Dir {
            root,
            max_size,
            ttl,
            estimate: Mutex::new(None),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn max_size(&self) -> u64 {
        self.max_size
    }

    fn path(&self, key: &str) -> PathBuf {
        self.root.join(&key[..2]).join(key)
    }

    /// The entry under `key`, marking it used; `Ok(None)` when there is none (or it outlived
    /// the TTL).
    pub fn get(&self, key: &str) -> io::Result<Option<Vec<u8>>> {
        let path = self.path(key);
        let mut file = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let meta = file.metadata()?;
        if self.expired(&meta) {
            let _ = fs::remove_file(&path);
            return Ok(None);
        }
        let mut bytes = Vec::with_capacity(meta.len() as usize);
        file.read_to_end(&mut bytes)?;
        // The owner may set times on a file opened for reading; a store shared read-only
        // just keeps its order.
        let _ = file.set_modified(SystemTime::now());
        Ok(Some(bytes))
    }

    fn expired(&self, meta: &fs::Metadata) -> bool {
        let age = meta.modified().ok().and_then(|m| m.elapsed().ok());
        matches!((self.ttl, age), (Some(ttl), Some(age)) if age > ttl)
    }

    /// Stores `parts`, one after the other, under `key` by atomic rename, then evicts if the
    /// bound is passed.
    pub fn put(&self, key: &str, parts: &[&[u8]]) -> io::Result<()> {
        let path = self.path(key);
        let dir = path.parent().expect("entries live in a subdirectory");
        fs::create_dir_all(dir)?;
        let temp = dir.join(format!(
            ".tmp-{key}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let written = File::create(&temp)
            .and_then(|mut f| parts.iter().try_for_each(|part| f.write_all(part)))
            .and_then(|()| fs::rename(&temp, &path));
        if written.is_err() {
            let _ = fs::remove_file(&temp);
            return written;
        }
        self.account(parts.iter().map(|part| part.len() as u64).sum())
    }

    /// Counts a write, and evicts least recently used entries once past the bound.
    fn account(&self, added: u64) -> io::Result<()> {
        let mut estimate = self.estimate.lock().expect("no panics while holding");
        let total = match *estimate {
            Some(n) => n + added,
            None => self.usage()?.bytes,
        };
        *estimate = Some(total);
        if total > self.max_size {
            let kept = self.evict(self.max_size / 100 * EVICT_TO_PERCENT)?;
            *estimate = Some(kept.bytes);
        }
        Ok(())
    }

    /// What the store holds now.
    pub fn usage(&self) -> io::Result<Usage> {
        let mut usage = Usage::default();
        for (_, meta) in self.entries()? {
            usage.entries += 1;
            usage.bytes += meta.len();
        }
        Ok(usage)
    }

    /// Removes entries past the TTL and crashed writers' temporary files, then the least
    /// recently used entries until at most `limit` bytes remain. Returns what is left. An
    /// entry another process removes first, or is reading, is no concern: its reader holds
    /// it open, and the next writer writes it again.
    pub fn evict(&self, limit: u64) -> io::Result<Usage> {
        let mut entries: Vec<(PathBuf, SystemTime, u64)> = Vec::new();
        for (path, meta) in self.entries_and_temps()? {
            let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
            let is_temp = is_temp(&path);
            let stale = is_temp && modified.elapsed().is_ok_and(|age| age > STALE_TEMP);
            if stale || (!is_temp && self.expired(&meta)) {
                let _ = fs::remove_file(&path);
            } else if !is_temp {
                entries.push((path, modified, meta.len()));
            }
        }
        entries.sort_by_key(|&(_, modified, _)| modified);
        let mut usage = Usage {
            entries: entries.len() as u64,
            bytes: entries.iter().map(|e| e.2).sum(),
        };
        for (path, _, len) in entries {
            if usage.bytes <= limit {
                break;
            }
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
            usage.entries -= 1;
            usage.bytes -= len;
        }
        Ok(usage)
    }

    /// Removes every entry; returns what was there.
    pub fn clean(&self) -> io::Result<Usage> {
        let usage = self.usage()?;
        match fs::remove_dir_all(&self.root) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(usage),
        }
    }

    fn entries(&self) -> io::Result<Vec<(PathBuf, fs::Metadata)>> {
        let mut all = self.entries_and_temps()?;
        all.retain(|(path, _)| !is_temp(path));
        Ok(all)
    }

    /// Every file two levels down (`ab/abcdef…`); nothing when the store was never written.
    fn entries_and_temps(&self) -> io::Result<Vec<(PathBuf, fs::Metadata)>> {
        let top = match fs::read_dir(&self.root) {
            Ok(r) => r,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let mut out = Vec::new();
        for shard in top {
            let shard = shard?;
            if !shard.file_type()?.is_dir() {
                continue;
            }
            for item in fs::read_dir(shard.path())? {
                let item = item?;
                // Gone already: another process evicted it.
                let Ok(meta) = item.metadata() else { continue };
                if meta.is_file() {
                    out.push((item.path(), meta));
                }
            }
        }
        Ok(out)
    }
}

fn is_temp(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n.as_encoded_bytes().starts_with(b".tmp-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: u8) -> String {
        format!("{n:02x}").repeat(32)
    }

    #[test]
    fn evicts_the_least_recently_used_past_the_bound() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = Dir::new(tmp.path().join("layers"), 3000, None);
        for n in 0..3u8 {
            dir.put(&key(n), &[&[n; 1000]]).unwrap();
            // Distinct access times, as separate runs would leave.
            let when = SystemTime::now() - Duration::from_secs(100 - u64::from(n));
            File::open(dir.path(&key(n)))
                .unwrap()
                .set_modified(when)
                .unwrap();
        }
        // Using the oldest makes it the newest.
        assert_eq!(dir.get(&key(0)).unwrap().unwrap(), vec![0; 1000]);
        dir.put(&key(3), &[&[3; 1000]]).unwrap();
        let usage = dir.usage().unwrap();
        assert!(usage.bytes <= 2700, "{usage:?}");
        assert!(
            dir.get(&key(1)).unwrap().is_none(),
            "least recently used goes first"
        );
        assert!(dir.get(&key(0)).unwrap().is_some());
        assert!(dir.get(&key(3)).unwrap().is_some());
    }

    #[test]
    fn entries_past_the_ttl_are_misses() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = Dir::new(
            tmp.path().to_path_buf(),
            u64::MAX,
            Some(Duration::from_secs(60)),
        );
        dir.put(&key(7), &[b"x"]).unwrap();
        assert!(dir.get(&key(7)).unwrap().is_some());
        let old = SystemTime::now() - Duration::from_secs(61);
        File::open(dir.path(&key(7)))
            .unwrap()
            .set_modified(old)
            .unwrap();
        assert!(dir.get(&key(7)).unwrap().is_none());
        assert_eq!(dir.usage().unwrap().entries, 0);
    }
}
