//! The embedded store: one redb file, read through MVCC snapshots, written only by building a
//! temporary copy and renaming it into place.
//!
//! Tables:
//! - `meta`: `schema` (this layout's version), `built` (unix seconds of the last write);
//! - `sources`: source name → [`SourceInfo`] (origin, validators, counts);
//! - `advisories`: (ecosystem, package, source) → postcard `Vec<Advisory>`;
//! - `source_keys`: (source, ecosystem, package) → (), so one source can be replaced without
//!   scanning every key;
//! - `cve_severity` and `source_cves`: per-CVE severities (see `severity_table.rs`);
//! - `cwe` and `source_cwes`: the CWE ids of each vulnerability (see `cwe.rs`).
//!
//! Architecture invariant: the file at the database path is only ever replaced whole by
//! `rename`; a reader that opened it keeps reading its own snapshot, and a failed or interrupted
//! write leaves it untouched (tested in `tests/store.rs`).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use redb::{
    Database, ReadOnlyDatabase, ReadOnlyTable, ReadTransaction, ReadableDatabase, ReadableTable,
    TableDefinition,
};
use serde::{Deserialize, Serialize};

use crate::cve_severity::CveMetric;
use crate::cwe::{self, CweRows, CweTable, WEAKNESSES};
use crate::ecosystem::{canonical_ecosystem, normalize_name};
use crate::error::DbError;
use crate::feed::{ParseStats, Records};
use crate::model::Advisory;
use crate::severity_table::{self, CveRows, CveTable, SEVERITIES};

/// Version of the table layout and value encoding. Bump on any change; readers refuse other
/// versions and writers start afresh.
/// 2: the `cwe` tables.
pub const SCHEMA_VERSION: u32 = 2;

const META: TableDefinition<&str, &[u8]> = TableDefinition::new("meta");
const SOURCES: TableDefinition<&str, &[u8]> = TableDefinition::new("sources");
const ADVISORIES: TableDefinition<(&str, &str, &str), &[u8]> = TableDefinition::new("advisories");
const SOURCE_KEYS: TableDefinition<(&str, &str, &str), ()> = TableDefinition::new("source_keys");

/// What the database knows about one source.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SourceInfo {
    /// Stable name: `osv/PyPI`, `alpine-secdb/v3.20/main`, `debian-tracker`, or `import:<path>`.
    pub name: String,
    /// Where the data last came from: the URL that answered, or the imported path.
    pub origin: String,
    /// When the stored data was loaded (unix seconds).
    pub loaded_at: u64,
    /// When the source was last checked, including "not modified" answers (unix seconds).
    pub checked_at: u64,
    /// HTTP validators of the stored data, sent back on the next update.
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// Records kept and skipped when the data was parsed.
    pub stats: ParseStats,
    /// Per ecosystem key: packages and advisories this source stored.
    pub ecosystems: BTreeMap<String, EcosystemCount>,
}

/// Counts for one ecosystem key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EcosystemCount {
    pub packages: u64,
    pub advisories: u64,
}

/// A summary of the whole database for `plinth db info`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DbInfo {
    pub path: PathBuf,
    pub schema: u32,
    /// When the database was last written (unix seconds).
    pub built: u64,
    pub file_size: u64,
    pub sources: Vec<SourceInfo>,
    /// Sums over sources, per ecosystem key.
    pub ecosystems: BTreeMap<String, EcosystemCount>,
}

impl DbInfo {
    /// Time since the database was last written.
    pub fn age(&self) -> Duration {
        Duration::from_secs(now().saturating_sub(self.built))
    }
}

pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A read-only handle on the database. Cheap to share across threads (`&VulnDb` is `Sync`);
/// every lookup runs in a read transaction, which sees one consistent snapshot.
pub struct VulnDb {
    path: PathBuf,
    db: ReadOnlyDatabase,
}

impl std::fmt::Debug for VulnDb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VulnDb").field("path", &self.path).finish()
    }
}

impl VulnDb {
    /// Opens the database read-only. Fails with [`DbError::Missing`] when there is none, and
    /// [`DbError::Schema`] when it was written by an incompatible plinth.
    pub fn open(path: impl AsRef<Path>) -> Result<VulnDb, DbError> {
        let path = path.as_ref();
        if !path.exists() {
            return Err(DbError::Missing { path: path.into() });
        }
        let db = ReadOnlyDatabase::open(path).map_err(|e| DbError::store(path, e))?;
        let handle = VulnDb {
            path: path.into(),
            db,
        };
        let found = handle.schema()?;
        if found != SCHEMA_VERSION {
            return Err(DbError::Schema {
                path: path.into(),
                found,
                expected: SCHEMA_VERSION,
            });
        }
        Ok(handle)
    }

    /// `$XDG_CACHE_HOME/plinth/vuln.redb`, else `~/.cache/plinth/vuln.redb`.
    pub fn default_path() -> PathBuf {
        let cache = std::env::var_os("XDG_CACHE_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
            .unwrap_or_else(|| PathBuf::from(".cache"));
        cache.join("plinth").join("vuln.redb")
    }

    /// The file this handle reads.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A snapshot for many lookups in one read transaction: what a scan should use.
    pub fn snapshot(&self) -> Result<Snapshot<'_>, DbError> {
        let txn = self
            .db
            .begin_read()
            .map_err(|e| DbError::store(&self.path, e))?;
        // Opened once here, not per lookup: opening a table reads the table tree each time.
        let advisories = match txn.open_table(ADVISORIES) {
            Ok(t) => Some(t),
            Err(redb::TableError::TableDoesNotExist(_)) => None,
            Err(e) => return Err(DbError::store(&self.path, e)),
        };
        let cves = CveTable::open(&self.path, &txn)?;
        let cwes = CweTable::open(&self.path, &txn)?;
        Ok(Snapshot {
            path: &self.path,
            advisories,
            cves,
            cwes,
        })
    }

    /// Advisories for one package. `ecosystem` is the OSV key with release (`Alpine:v3.20`,
    /// `Debian:12`, `PyPI`); looser spellings are canonicalised, and `package` is normalised with
    /// [`normalize_name`]. Results from every source, ordered by source then id.
    pub fn advisories(&self, ecosystem: &str, package: &str) -> Result<Vec<Advisory>, DbError> {
        self.snapshot()?.advisories(ecosystem, package)
    }

    /// Advisories for many (ecosystem, package) pairs in one read transaction; the result is
    /// aligned with `queries`.
    pub fn advisories_batch(
        &self,
        queries: &[(&str, &str)],
    ) -> Result<Vec<Vec<Advisory>>, DbError> {
        let snapshot = self.snapshot()?;
        queries
            .iter()
            .map(|(eco, pkg)| snapshot.advisories(eco, pkg))
            .collect()
    }

    /// Schema, build time, sources and per-ecosystem counts.
    pub fn info(&self) -> Result<DbInfo, DbError> {
        let txn = self
            .db
            .begin_read()
            .map_err(|e| DbError::store(&self.path, e))?;
        let sources = read_sources(&self.path, &txn)?;
        let mut ecosystems: BTreeMap<String, EcosystemCount> = BTreeMap::new();
        for source in &sources {
            for (eco, count) in &source.ecosystems {
                let total = ecosystems.entry(eco.clone()).or_default();
                total.packages += count.packages;
                total.advisories += count.advisories;
            }
        }
        Ok(DbInfo {
            path: self.path.clone(),
            schema: self.schema()?,
            built: read_meta_u64(&self.path, &txn, "built")?.unwrap_or(0),
            file_size: fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0),
            sources,
            ecosystems,
        })
    }

    /// Every CVSS metric any source stated for `cve` (NVD, the CNA, ADPs).
    pub fn cve_severity(&self, cve: &str) -> Result<Vec<CveMetric>, DbError> {
        self.snapshot()?.cve_severity(cve)
    }

    /// The CWE ids any source named for the vulnerability `id` (`CVE-…`, `GHSA-…`), sorted.
    pub fn cwes(&self, id: &str) -> Result<Vec<String>, DbError> {
        Ok(self.snapshot()?.cwes(&[id])?.pop().unwrap_or_default())
    }

    /// Per source, how many CVEs it stated CVSS metrics for (sources without any are absent).
    /// Counted by walking the table's keys (a few dozen ms for NVD's 300,000), so kept out of
    /// [`VulnDb::info`], which every scan reads.
    pub fn cve_severity_counts(&self) -> Result<BTreeMap<String, u64>, DbError> {
        let txn = self
            .db
            .begin_read()
            .map_err(|e| DbError::store(&self.path, e))?;
        SEVERITIES.counts(&self.path, &txn)
    }

    /// Per source, the bytes of its rows: encoded advisories (or CVE metrics, CWE ids) and their keys,
    /// its share of the file before redb's pages and indexes. A walk over every row, kept out of
    /// [`VulnDb::info`] like [`VulnDb::cve_severity_counts`].
    pub fn source_bytes(&self) -> Result<BTreeMap<String, u64>, DbError> {
        let store = |e: redb::StorageError| DbError::store(&self.path, e);
        let txn = self
            .db
            .begin_read()
            .map_err(|e| DbError::store(&self.path, e))?;
        let mut out: BTreeMap<String, u64> = BTreeMap::new();
        let table = txn
            .open_table(ADVISORIES)
            .map_err(|e| DbError::store(&self.path, e))?;
        for item in table.iter().map_err(store)? {
            let (key, value) = item.map_err(store)?;
            let (ecosystem, package, source) = key.value();
            let bytes = ecosystem.len() + package.len() + source.len() + value.value().len();
            *out.entry(source.to_string()).or_default() += bytes as u64;
        }
        SEVERITIES.add_bytes(&self.path, &txn, &mut out)?;
        WEAKNESSES.add_bytes(&self.path, &txn, &mut out)?;
        Ok(out)
    }

    fn schema(&self) -> Result<u32, DbError> {
        let txn = self
            .db
            .begin_read()
            .map_err(|e| DbError::store(&self.path, e))?;
        Ok(read_meta_u64(&self.path, &txn, "schema")?.unwrap_or(0) as u32)
    }
}

/// The advisories table as one read transaction sees it.
type AdvisoryTable = ReadOnlyTable<(&'static str, &'static str, &'static str), &'static [u8]>;

/// One read transaction: every lookup through it sees the same data, even while `db update`
/// replaces the file.
pub struct Snapshot<'db> {
    path: &'db Path,
    /// The advisories table of this transaction (it keeps the transaction open); `None` in a
    /// database written before it existed.
    advisories: Option<AdvisoryTable>,
    cves: CveTable,
    cwes: CweTable,
}

impl Snapshot<'_> {
    /// As [`VulnDb::advisories`], inside this snapshot.
    pub fn advisories(&self, ecosystem: &str, package: &str) -> Result<Vec<Advisory>, DbError> {
        let ecosystem = canonical_ecosystem(ecosystem);
        let package = normalize_name(&ecosystem, package);
        let Some(table) = &self.advisories else {
            return Ok(Vec::new());
        };
        // Open-ended, stopped at the first key of another package: bounding both ends walks
        // the B-tree down twice.
        let range = table
            .range((ecosystem.as_str(), package.as_str(), "")..)
            .map_err(|e| DbError::store(self.path, e))?;
        let mut out = Vec::new();
        for item in range {
            let (key, value) = item.map_err(|e| DbError::store(self.path, e))?;
            let (eco, pkg, source) = key.value();
            if eco != ecosystem || pkg != package {
                break;
            }
            let list: Vec<Advisory> =
                postcard::from_bytes(value.value()).map_err(|e| DbError::Corrupt {
                    path: self.path.into(),
                    key: format!("{eco}/{pkg}/{source}"),
                    message: e.to_string(),
                })?;
            out.extend(list);
        }
        Ok(out)
    }

    /// As [`VulnDb::cve_severity`], inside this snapshot.
    pub fn cve_severity(&self, cve: &str) -> Result<Vec<CveMetric>, DbError> {
        self.cves.lookup(self.path, cve)
    }

    /// True when any source stored advisories under `ecosystem` (`Alpine:v3.10`, `PyPI`): how
    /// a scan tells "no findings" from "no data to find them with".
    pub fn has_ecosystem(&self, ecosystem: &str) -> Result<bool, DbError> {
        let ecosystem = canonical_ecosystem(ecosystem);
        let Some(table) = &self.advisories else {
            return Ok(false);
        };
        // The first key at or after (eco, "", "") is of this ecosystem when it has any.
        let mut range = table
            .range((ecosystem.as_str(), "", "")..)
            .map_err(|e| DbError::store(self.path, e))?;
        Ok(range
            .next()
            .transpose()
            .map_err(|e| DbError::store(self.path, e))?
            .is_some_and(|(key, _)| key.value().0 == ecosystem))
    }
}

impl Snapshot<'_> {
    /// As [`VulnDb::cwes`] for each of `ids`, inside this snapshot.
    pub fn cwes(&self, ids: &[&str]) -> Result<Vec<Vec<String>>, DbError> {
        self.cwes.lookup(self.path, ids)
    }
}

fn read_meta_u64(path: &Path, txn: &ReadTransaction, key: &str) -> Result<Option<u64>, DbError> {
    let table = match txn.open_table(META) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
        Err(e) => return Err(DbError::store(path, e)),
    };
    let value = table.get(key).map_err(|e| DbError::store(path, e))?;
    Ok(value
        .and_then(|v| <[u8; 8]>::try_from(v.value()).ok())
        .map(u64::from_le_bytes))
}

fn read_sources(path: &Path, txn: &ReadTransaction) -> Result<Vec<SourceInfo>, DbError> {
    let table = match txn.open_table(SOURCES) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
        Err(e) => return Err(DbError::store(path, e)),
    };
    let mut out = Vec::new();
    for item in table.iter().map_err(|e| DbError::store(path, e))? {
        let (key, value) = item.map_err(|e| DbError::store(path, e))?;
        let info: SourceInfo =
            postcard::from_bytes(value.value()).map_err(|e| DbError::Corrupt {
                path: path.into(),
                key: format!("source {}", key.value()),
                message: e.to_string(),
            })?;
        out.push(info);
    }
    Ok(out)
}

/// Rows of one source ready to store.
#[derive(Debug, Default)]
pub(crate) struct EncodedRows {
    /// (ecosystem, package) → encoded `Vec<Advisory>`, sorted by key.
    advisories: Vec<((String, String), Vec<u8>)>,
    /// CVE id → encoded `Vec<CveMetric>`, sorted by CVE id.
    cves: CveRows,
    /// Vulnerability id → encoded CWE ids, sorted by id.
    cwes: CweRows,
}

/// Encodes a parsed source, sorted by key so inserts run in B-tree order, and fills the
/// per-ecosystem counts of `info`.
pub(crate) fn encode_records(
    records: Records,
    info: &mut SourceInfo,
) -> Result<EncodedRows, DbError> {
    info.ecosystems.clear();
    let mut rows = Vec::with_capacity(records.by_key.len());
    for (key, mut list) in records.by_key {
        list.sort_by(|a, b| a.id.cmp(&b.id));
        let count = info.ecosystems.entry(key.0.clone()).or_default();
        count.packages += 1;
        count.advisories += list.len() as u64;
        let bytes = postcard::to_allocvec(&list).map_err(|e| DbError::Corrupt {
            path: PathBuf::from(&info.name),
            key: format!("{}/{}", key.0, key.1),
            message: e.to_string(),
        })?;
        rows.push((key, bytes));
    }
    rows.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    info.stats = records.stats;
    Ok(EncodedRows {
        advisories: rows,
        cves: severity_table::encode(records.cves, &info.name)?,
        cwes: cwe::encode(records.cwes, &info.name)?,
    })
}

/// Builds the next version of the database in a temporary file beside it; [`Writer::finish`]
/// renames it into place. Dropping a writer without finishing removes the temporary file.
pub(crate) struct Writer {
    final_path: PathBuf,
    tmp_path: PathBuf,
    db: Option<Database>,
}

impl Writer {
    /// Starts from a copy of the current database (so sources not reloaded are kept), or from
    /// nothing when there is none or it has another schema.
    pub(crate) fn begin(path: &Path) -> Result<Writer, DbError> {
        Writer::start(path, true)
    }

    /// Starts an empty database (for bundles).
    pub(crate) fn begin_empty(path: &Path) -> Result<Writer, DbError> {
        Writer::start(path, false)
    }

    fn start(path: &Path, keep_existing: bool) -> Result<Writer, DbError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(|e| DbError::io(dir, e))?;
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        remove_stale_temps(path, &name);
        let tmp_path = path.with_file_name(format!(".{name}.{}.{nanos}.tmp", std::process::id()));
        let mut writer = Writer {
            final_path: path.into(),
            tmp_path,
            db: None,
        };
        if keep_existing && path.exists() && VulnDb::open(path).is_ok() {
            fs::copy(path, &writer.tmp_path).map_err(|e| DbError::io(&writer.tmp_path, e))?;
        }
        let db =
            Database::create(&writer.tmp_path).map_err(|e| DbError::store(&writer.tmp_path, e))?;
        writer.db = Some(db);
        Ok(writer)
    }

    fn db(&self) -> &Database {
        // Invariant: `db` is Some from `begin` until `finish` takes it.
        self.db
            .as_ref()
            .expect("writer database is open until finish")
    }

    pub(crate) fn sources(&self) -> Result<Vec<SourceInfo>, DbError> {
        let txn = self
            .db()
            .begin_read()
            .map_err(|e| DbError::store(&self.tmp_path, e))?;
        read_sources(&self.tmp_path, &txn)
    }

    /// Replaces everything `info.name` stored with `rows`, in one transaction.
    pub(crate) fn replace_source(
        &mut self,
        info: &SourceInfo,
        rows: &EncodedRows,
    ) -> Result<(), DbError> {
        let err = |e: &dyn std::fmt::Display| DbError::store(&self.tmp_path, e);
        let txn = self.db().begin_write().map_err(|e| err(&e))?;
        {
            let mut advisories = txn.open_table(ADVISORIES).map_err(|e| err(&e))?;
            let mut keys = txn.open_table(SOURCE_KEYS).map_err(|e| err(&e))?;
            let name = info.name.as_str();
            let upper = format!("{name}\0");
            let old: Vec<(String, String)> = keys
                .range((name, "", "")..(upper.as_str(), "", ""))
                .map_err(|e| err(&e))?
                .map(|item| item.map(|(k, _)| (k.value().1.to_string(), k.value().2.to_string())))
                .collect::<Result<_, _>>()
                .map_err(|e| err(&e))?;
            for (eco, pkg) in &old {
                advisories
                    .remove((eco.as_str(), pkg.as_str(), name))
                    .map_err(|e| err(&e))?;
                keys.remove((name, eco.as_str(), pkg.as_str()))
                    .map_err(|e| err(&e))?;
            }
            for ((eco, pkg), bytes) in &rows.advisories {
                advisories
                    .insert((eco.as_str(), pkg.as_str(), name), bytes.as_slice())
                    .map_err(|e| err(&e))?;
                keys.insert((name, eco.as_str(), pkg.as_str()), ())
                    .map_err(|e| err(&e))?;
            }
            SEVERITIES
                .replace(&txn, name, &rows.cves)
                .map_err(|e| err(&e))?;
            WEAKNESSES
                .replace(&txn, name, &rows.cwes)
                .map_err(|e| err(&e))?;
            let mut sources = txn.open_table(SOURCES).map_err(|e| err(&e))?;
            let encoded = postcard::to_allocvec(info).map_err(|e| err(&e))?;
            sources
                .insert(name, encoded.as_slice())
                .map_err(|e| err(&e))?;
        }
        txn.commit().map_err(|e| err(&e))
    }

    /// Stores a source that holds only CVE severities and CWE ids: replacing everything it had
    /// (`replace`), or adding and replacing just the CVEs in `rows` and `cwes` (an incremental
    /// NVD update).
    pub(crate) fn store_cves(
        &mut self,
        info: &SourceInfo,
        rows: &CveRows,
        cwes: &CweRows,
        replace: bool,
    ) -> Result<(), DbError> {
        let err = |e: &dyn std::fmt::Display| DbError::store(&self.tmp_path, e);
        let txn = self.db().begin_write().map_err(|e| err(&e))?;
        {
            let name = info.name.as_str();
            if replace {
                SEVERITIES.replace(&txn, name, rows).map_err(|e| err(&e))?;
                WEAKNESSES.replace(&txn, name, cwes).map_err(|e| err(&e))?;
            } else {
                SEVERITIES.upsert(&txn, name, rows).map_err(|e| err(&e))?;
                WEAKNESSES.upsert(&txn, name, cwes).map_err(|e| err(&e))?;
            }
            let mut sources = txn.open_table(SOURCES).map_err(|e| err(&e))?;
            let encoded = postcard::to_allocvec(info).map_err(|e| err(&e))?;
            sources
                .insert(name, encoded.as_slice())
                .map_err(|e| err(&e))?;
        }
        txn.commit().map_err(|e| err(&e))
    }

    /// Records that a source was checked and had not changed.
    pub(crate) fn touch_source(&mut self, info: &SourceInfo) -> Result<(), DbError> {
        let err = |e: &dyn std::fmt::Display| DbError::store(&self.tmp_path, e);
        let txn = self.db().begin_write().map_err(|e| err(&e))?;
        {
            let mut sources = txn.open_table(SOURCES).map_err(|e| err(&e))?;
            let encoded = postcard::to_allocvec(info).map_err(|e| err(&e))?;
            sources
                .insert(info.name.as_str(), encoded.as_slice())
                .map_err(|e| err(&e))?;
        }
        txn.commit().map_err(|e| err(&e))
    }

    /// Stamps schema and build time, closes the file and renames it over the database.
    pub(crate) fn finish(self) -> Result<(), DbError> {
        self.finish_built(now())
    }

    /// As [`Writer::finish`], stamping `built` as the build time: a bundle is as old as the
    /// data it carries, not as the copy.
    pub(crate) fn finish_built(mut self, built: u64) -> Result<(), DbError> {
        let err = |e: &dyn std::fmt::Display| DbError::store(&self.tmp_path, e);
        {
            let txn = self.db().begin_write().map_err(|e| err(&e))?;
            {
                let mut meta = txn.open_table(META).map_err(|e| err(&e))?;
                meta.insert("schema", u64::from(SCHEMA_VERSION).to_le_bytes().as_slice())
                    .map_err(|e| err(&e))?;
                meta.insert("built", built.to_le_bytes().as_slice())
                    .map_err(|e| err(&e))?;
                // Create the data tables even when no source has rows, so readers find them.
                txn.open_table(ADVISORIES).map_err(|e| err(&e))?;
                txn.open_table(SOURCE_KEYS).map_err(|e| err(&e))?;
                txn.open_table(SOURCES).map_err(|e| err(&e))?;
                SEVERITIES.create(&txn).map_err(|e| err(&e))?;
                WEAKNESSES.create(&txn).map_err(|e| err(&e))?;
            }
            txn.commit().map_err(|e| err(&e))?;
        }
        // Close before the rename so the file is complete and its lock released.
        drop(self.db.take());
        fs::rename(&self.tmp_path, &self.final_path).map_err(|e| DbError::io(&self.final_path, e))
    }
}

/// Removes what writers killed mid-write (`kill -9`, power loss) left beside the database:
/// `.NAME.PID.NANOS.tmp` files, each the size of a database. A file is only removed when its
/// writer is surely gone: not this process, no live process with its pid, and no redb handle
/// holding the file's lock (a live writer holds it from `Database::create` to `finish`).
fn remove_stale_temps(path: &Path, name: &str) {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let prefix = format!(".{name}.");
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(pid) = file_name
            .to_str()
            .and_then(|n| n.strip_prefix(&prefix))
            .and_then(|n| n.strip_suffix(".tmp"))
            .and_then(|n| n.split('.').next())
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        let temp = entry.path();
        if pid != std::process::id() && !writer_may_live(pid, &temp) && !locked(&temp) {
            let _ = fs::remove_file(&temp);
        }
    }
}

/// Whether the process that named a temp file may still be writing it. With `/proc`, whether
/// the pid is alive (a reused pid keeps the file: safe, only late); without, whether the file
/// changed in the last hour (a writer copying the old database has not locked it yet).
fn writer_may_live(pid: u32, temp: &Path) -> bool {
    let proc = Path::new("/proc");
    if proc.join("self").exists() {
        return proc.join(pid.to_string()).exists();
    }
    let age = fs::metadata(temp)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok());
    age.is_none_or(|a| a < Duration::from_secs(3600))
}

/// True when another handle holds the file's lock (redb locks the file it writes).
fn locked(temp: &Path) -> bool {
    match fs::File::open(temp) {
        Ok(f) => matches!(f.try_lock(), Err(fs::TryLockError::WouldBlock)),
        Err(_) => true,
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        if self.db.is_some() {
            drop(self.db.take());
            let _ = fs::remove_file(&self.tmp_path);
        }
    }
}

/// Copies every source of the database at `from` into `writer` (for bundle import).
pub(crate) fn copy_sources(from: &Path, writer: &mut Writer) -> Result<Vec<SourceInfo>, DbError> {
    let db = VulnDb::open(from)?;
    let txn = db.db.begin_read().map_err(|e| DbError::store(from, e))?;
    let sources = read_sources(from, &txn)?;
    let table = txn
        .open_table(ADVISORIES)
        .map_err(|e| DbError::store(from, e))?;
    let keys = txn
        .open_table(SOURCE_KEYS)
        .map_err(|e| DbError::store(from, e))?;
    for info in &sources {
        let name = info.name.as_str();
        let upper = format!("{name}\0");
        let mut rows = EncodedRows {
            cves: SEVERITIES.rows_of(from, &txn, name)?,
            cwes: WEAKNESSES.rows_of(from, &txn, name)?,
            ..EncodedRows::default()
        };
        for item in keys
            .range((name, "", "")..(upper.as_str(), "", ""))
            .map_err(|e| DbError::store(from, e))?
        {
            let (key, _) = item.map_err(|e| DbError::store(from, e))?;
            let (_, eco, pkg) = key.value();
            if let Some(value) = table
                .get((eco, pkg, name))
                .map_err(|e| DbError::store(from, e))?
            {
                rows.advisories
                    .push(((eco.to_string(), pkg.to_string()), value.value().to_vec()));
            }
        }
        writer.replace_source(info, &rows)?;
    }
    Ok(sources)
}
