//! The database as an OCI artifact: what `plinth db push` publishes and `plinth db update
//! --repository` installs. The payload is the bundle [`export`](crate::export) writes,
//! zstd-compressed, described by annotations (when its data was built, its schema, its
//! sources) so a reader can refuse it before downloading a byte.
//!
//! This module knows files and annotations only. Uploads, manifests and digest checks belong
//! to plinth-registry; the CLI hands the verified bytes to [`Incoming`].

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use crate::error::DbError;
use crate::feed::{self, Format};
use crate::store::{self, DbInfo, SCHEMA_VERSION, SourceInfo, VulnDb, Writer};

/// The manifest's `artifactType`.
pub const ARTIFACT_TYPE: &str = "application/vnd.plinth.db.v1";
/// The one layer: a `db export` bundle compressed with zstd.
pub const BUNDLE_MEDIA_TYPE: &str = "application/vnd.plinth.db.bundle.v1+zstd";

/// OCI's pre-defined annotation for when the content was made: here, when the data was built.
pub const CREATED: &str = "org.opencontainers.image.created";
/// OCI's pre-defined annotation naming a layer's file.
pub const TITLE: &str = "org.opencontainers.image.title";
/// The store's schema version ([`SCHEMA_VERSION`]) the bundle was written with.
pub const SCHEMA: &str = "dev.plinth.db.schema";
/// The sources the bundle holds, comma-separated (`osv/PyPI,debian-tracker,…`).
pub const SOURCES: &str = "dev.plinth.db.sources";
/// The bundle's size once decompressed: installing stops reading past it.
pub const BUNDLE_SIZE: &str = "dev.plinth.db.bundle.size";

/// zstd level: within 5% of level 19's size at a tenth of its time (BENCHMARKS.md), which
/// matters for a nightly job compressing a database of a gigabyte.
const LEVEL: i32 = 10;
/// No annotation may let a bundle decompress past this (a bomb, not a database).
const MAX_BUNDLE: u64 = 64 << 30;

/// A compressed bundle ready to upload, in a temporary file beside the database (removed when
/// dropped).
#[derive(Debug)]
pub struct Packed {
    pub path: PathBuf,
    /// Compressed bytes.
    pub size: u64,
    /// Annotations for the manifest (created, schema, sources).
    pub annotations: BTreeMap<String, String>,
    /// Annotations for the bundle layer (its file name and decompressed size).
    pub layer_annotations: BTreeMap<String, String>,
    pub sources: Vec<SourceInfo>,
}

impl Drop for Packed {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

/// Exports the database at `db_path` as a bundle and compresses it.
pub fn pack(db_path: &Path) -> Result<Packed, DbError> {
    let built = VulnDb::open(db_path)?.info()?.built;
    let bundle = Scratch(temp_beside(db_path, "bundle"));
    let sources = crate::update::export(db_path, &bundle.0)?;
    let uncompressed = fs::metadata(&bundle.0)
        .map_err(|e| DbError::io(&bundle.0, e))?
        .len();
    let mut packed = Packed {
        path: temp_beside(db_path, "zst"),
        size: 0,
        annotations: BTreeMap::from([
            (CREATED.to_string(), utc_timestamp(built)),
            (SCHEMA.to_string(), SCHEMA_VERSION.to_string()),
            (
                SOURCES.to_string(),
                sources
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
            ),
        ]),
        layer_annotations: BTreeMap::from([
            (TITLE.to_string(), "vuln.redb.zst".to_string()),
            (BUNDLE_SIZE.to_string(), uncompressed.to_string()),
        ]),
        sources,
    };
    packed.size = compress(&bundle.0, &packed.path)?;
    Ok(packed)
}

fn compress(from: &Path, to: &Path) -> Result<u64, DbError> {
    let mut input = File::open(from).map_err(|e| DbError::io(from, e))?;
    let output = File::create(to).map_err(|e| DbError::io(to, e))?;
    let mut encoder =
        zstd::Encoder::new(BufWriter::new(output), LEVEL).map_err(|e| DbError::io(to, e))?;
    // The checksum lets a reader notice corruption even where no digest is checked.
    encoder
        .include_checksum(true)
        .map_err(|e| DbError::io(to, e))?;
    io::copy(&mut input, &mut encoder).map_err(|e| DbError::io(to, e))?;
    let mut out = encoder.finish().map_err(|e| DbError::io(to, e))?;
    out.flush().map_err(|e| DbError::io(to, e))?;
    let file = out
        .into_inner()
        .map_err(|e| DbError::io(to, e.into_error()))?;
    file.sync_all().map_err(|e| DbError::io(to, e))?;
    Ok(file.metadata().map_err(|e| DbError::io(to, e))?.len())
}

/// Refuses an artifact this plinth cannot install, before anything is downloaded: its schema
/// annotation must be this plinth's [`SCHEMA_VERSION`]. `origin` names it in the error.
pub fn check_annotations(
    origin: &str,
    annotations: &BTreeMap<String, String>,
) -> Result<(), DbError> {
    let bad = |message: String| DbError::Artifact {
        origin: origin.to_string(),
        message,
    };
    let schema = annotations.get(SCHEMA).ok_or_else(|| {
        bad(format!(
            "no {SCHEMA} annotation: not pushed by `plinth db push`"
        ))
    })?;
    match schema.parse::<u32>() {
        Ok(SCHEMA_VERSION) => Ok(()),
        Ok(found) => Err(bad(format!(
            "database schema {found}, this plinth reads schema {SCHEMA_VERSION} (push it with a matching plinth)"
        ))),
        Err(_) => Err(bad(format!(
            "{SCHEMA} annotation {schema:?} is not a number"
        ))),
    }
}

/// A compressed bundle being received, written to a temporary file beside the database (so
/// nothing outside its directory is touched). [`Incoming::install`] swaps it in; dropping it
/// removes the file and leaves the database as it was.
pub struct Incoming {
    db_path: PathBuf,
    path: PathBuf,
    file: BufWriter<File>,
}

impl Incoming {
    pub fn create(db_path: &Path) -> Result<Incoming, DbError> {
        if let Some(dir) = db_path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(|e| DbError::io(dir, e))?;
        }
        let path = temp_beside(db_path, "zst");
        let file = File::create(&path).map_err(|e| DbError::io(&path, e))?;
        Ok(Incoming {
            db_path: db_path.to_path_buf(),
            path,
            file: BufWriter::new(file),
        })
    }

    /// Decompresses the bundle (at most `size_hint` bytes when the layer's annotation gave
    /// one), checks it is a database of this schema, and replaces the database with its
    /// contents in one rename, keeping the bundle's build time. `origin` (the reference)
    /// names the input in errors; on any error the old database is untouched.
    pub fn install(mut self, origin: &str, size_hint: Option<u64>) -> Result<DbInfo, DbError> {
        self.file.flush().map_err(|e| DbError::io(&self.path, e))?;
        let bundle = Scratch(temp_beside(&self.db_path, "bundle"));
        decompress(&self.path, &bundle.0, origin, size_hint)?;
        let bad = |message: String| DbError::Artifact {
            origin: origin.to_string(),
            message,
        };
        if !is_redb(&bundle.0)? {
            return Err(bad("the layer is not a plinth database bundle".into()));
        }
        let built = match VulnDb::open(&bundle.0) {
            Ok(db) => db.info()?.built,
            Err(DbError::Schema {
                found, expected, ..
            }) => {
                return Err(bad(format!(
                    "database schema {found}, this plinth reads schema {expected}"
                )));
            }
            Err(e) => return Err(bad(format!("unreadable bundle: {e}"))),
        };
        let mut writer = Writer::begin_empty(&self.db_path)?;
        store::copy_sources(&bundle.0, &mut writer)?;
        writer.finish_built(built)?;
        VulnDb::open(&self.db_path)?.info()
    }
}

impl Write for Incoming {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Drop for Incoming {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.path);
    }
}

fn decompress(from: &Path, to: &Path, origin: &str, size_hint: Option<u64>) -> Result<(), DbError> {
    let limit = size_hint.unwrap_or(MAX_BUNDLE).min(MAX_BUNDLE);
    let input = File::open(from).map_err(|e| DbError::io(from, e))?;
    let decoder = zstd::Decoder::new(input).map_err(|e| DbError::io(from, e))?;
    let mut output = BufWriter::new(File::create(to).map_err(|e| DbError::io(to, e))?);
    let copied =
        io::copy(&mut decoder.take(limit + 1), &mut output).map_err(|e| DbError::Artifact {
            origin: origin.to_string(),
            message: format!("the layer is not a zstd-compressed bundle: {e}"),
        })?;
    if copied > limit {
        return Err(DbError::Artifact {
            origin: origin.to_string(),
            message: format!("the bundle decompresses past {limit} bytes"),
        });
    }
    output.flush().map_err(|e| DbError::io(to, e))
}

fn is_redb(path: &Path) -> Result<bool, DbError> {
    let mut head = [0u8; 16];
    let mut file = File::open(path).map_err(|e| DbError::io(path, e))?;
    let n = file.read(&mut head).map_err(|e| DbError::io(path, e))?;
    Ok(feed::sniff(&head[..n]) == Ok(Format::Redb))
}

/// `.NAME.PID.NANOS.WHAT.tmp` beside the database: the store's temporary-file pattern, so a
/// file a killed process left is removed by the next write.
fn temp_beside(db_path: &Path, what: &str) -> PathBuf {
    let name = db_path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    db_path.with_file_name(format!(".{name}.{}.{nanos}.{what}.tmp", std::process::id()))
}

/// A temporary file removed when dropped.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

/// Unix seconds as `YYYY-MM-DDTHH:MM:SSZ` (RFC 3339, UTC).
pub fn utc_timestamp(secs: u64) -> String {
    let (date, time) = crate::calendar::date_and_time(secs);
    format!("{date}T{time}Z")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_utc() {
        assert_eq!(utc_timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc_timestamp(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(utc_timestamp(951_868_800), "2000-03-01T00:00:00Z");
    }

    #[test]
    fn schema_annotation_decides() {
        let with = |v: &str| BTreeMap::from([(SCHEMA.to_string(), v.to_string())]);
        assert!(check_annotations("r", &with(&SCHEMA_VERSION.to_string())).is_ok());
        let err = check_annotations("reg/db:1", &with("999")).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "reg/db:1: database schema 999, this plinth reads schema {SCHEMA_VERSION} (push it with a matching plinth)"
            )
        );
        assert!(check_annotations("r", &with("x")).is_err());
        assert!(check_annotations("r", &BTreeMap::new()).is_err());
    }
}
