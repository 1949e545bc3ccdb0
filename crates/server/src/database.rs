//! The database the server serves: one opened snapshot at a time, swapped whole.
//!
//! `db update` and `db import` replace the file by rename, so the path's identity (device,
//! inode, size, modification time) changes exactly when there is a new database. A reload
//! opens the new file and swaps an `Arc`; requests that took the old `Arc` finish on the old
//! file (redb keeps reading the inode they opened), new requests see the new one. Nothing
//! ever waits on a swap longer than one pointer store.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use plinth_vulndb::{DbError, VulnDb};

use crate::memo::{Memo, Memoized};

/// One opened database and when it was made.
pub struct Loaded {
    /// Counts loads from 1 in this server's life: which snapshot answered a request.
    pub id: u64,
    pub db: VulnDb,
    /// When the database was built (unix seconds), from its metadata.
    pub built: u64,
    /// What requests read from `db` so far, decoded (see [`crate::memo`]).
    pub memo: Memo,
    identity: Identity,
}

/// What tells one file at the path from its replacement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Identity {
    dev: u64,
    ino: u64,
    len: u64,
    mtime_ns: i128,
}

impl Identity {
    fn of(path: &Path) -> std::io::Result<Identity> {
        let m = std::fs::metadata(path)?;
        Ok(Identity {
            dev: m.dev(),
            ino: m.ino(),
            len: m.len(),
            mtime_ns: i128::from(m.mtime()) * 1_000_000_000 + i128::from(m.mtime_nsec()),
        })
    }
}

/// What a reload did.
#[derive(Debug, PartialEq, Eq)]
pub enum Reloaded {
    /// The file is the one already loaded.
    Unchanged,
    /// A new snapshot with this id serves from now on.
    Swapped(u64),
}

/// The served database: the current snapshot, if any has loaded yet.
pub struct Database {
    path: PathBuf,
    current: RwLock<Option<Arc<Loaded>>>,
    loads: AtomicU64,
    reloads_failed: AtomicU64,
}

impl Database {
    /// A database served from `path`, not loaded yet (see [`Database::reload`]).
    pub fn new(path: PathBuf) -> Database {
        Database {
            path,
            current: RwLock::new(None),
            loads: AtomicU64::new(0),
            reloads_failed: AtomicU64::new(0),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The snapshot a request should use from start to end.
    pub fn current(&self) -> Option<Arc<Loaded>> {
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Loads the file at the path when it is not the one loaded. On failure the old snapshot
    /// keeps serving.
    pub fn reload(&self) -> Result<Reloaded, DbError> {
        let result = self.try_reload();
        if result.is_err() {
            self.reloads_failed.fetch_add(1, Ordering::Relaxed);
        }
        result
    }

    fn try_reload(&self) -> Result<Reloaded, DbError> {
        // Read before opening: a replacement racing the open is seen by the next check.
        let identity = Identity::of(&self.path).map_err(|_| DbError::Missing {
            path: self.path.clone(),
        })?;
        if self
            .current()
            .is_some_and(|loaded| loaded.identity == identity)
        {
            return Ok(Reloaded::Unchanged);
        }
        let db = VulnDb::open(&self.path)?;
        let built = db.info()?.built;
        let id = self.loads.fetch_add(1, Ordering::Relaxed) + 1;
        let loaded = Arc::new(Loaded {
            id,
            db,
            built,
            memo: Memo::default(),
            identity,
        });
        *self
            .current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(loaded);
        Ok(Reloaded::Swapped(id))
    }

    /// Reloads that failed (a corrupt or foreign file put at the path).
    pub fn failed_reloads(&self) -> u64 {
        self.reloads_failed.load(Ordering::Relaxed)
    }
}

impl Loaded {
    /// One read snapshot of this database, through its memo: what a request matches against.
    pub fn lookups(&self) -> Result<Memoized<'_>, DbError> {
        Ok(Memoized {
            snapshot: self.db.snapshot()?,
            memo: &self.memo,
        })
    }

    /// Time since the database was built.
    pub fn age(&self) -> Duration {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Duration::from_secs(now.saturating_sub(self.built))
    }
}
