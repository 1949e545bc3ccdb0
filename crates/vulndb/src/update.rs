//! `db update` and `db import`: load sources into a new copy of the database and swap it in.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::error::DbError;
use crate::feed::{self, Format, ParseStats, Records};
use crate::fetch::{self, Fetched, Validators};
use crate::locate;
use crate::sources::{FeedSource, UpdateOptions};
use crate::store::{self, EncodedRows, SourceInfo, Writer, now};

/// What happened to one source during an update.
#[derive(Debug)]
pub struct SourceOutcome {
    pub name: String,
    pub result: Outcome,
}

#[derive(Debug)]
pub enum Outcome {
    /// New data was downloaded from `url` and stored.
    Updated { url: String, stats: ParseStats },
    /// The server said the stored copy is current (one request).
    NotModified { url: String },
    /// Every mirror and retry failed, or the feed was unreadable; the old data for this source is
    /// kept.
    Failed(DbError),
}

/// The result of `db update`: one outcome per source, in the order the sources were given.
#[derive(Debug, Default)]
pub struct UpdateReport {
    pub sources: Vec<SourceOutcome>,
}

impl UpdateReport {
    /// The sources that failed.
    pub fn failures(&self) -> impl Iterator<Item = (&str, &DbError)> {
        self.sources.iter().filter_map(|s| match &s.result {
            Outcome::Failed(e) => Some((s.name.as_str(), e)),
            _ => None,
        })
    }
}

/// Fetches every source in `options` (in parallel), parses what changed, and replaces the
/// database at `db_path` in one rename. A source that fails keeps its old data; the others are
/// still updated. Errors only for failures of the database itself.
pub fn update(db_path: &Path, options: &UpdateOptions) -> Result<UpdateReport, DbError> {
    let mut writer = Writer::begin(db_path)?;
    let known: HashMap<String, SourceInfo> = writer
        .sources()?
        .into_iter()
        .map(|s| (s.name.clone(), s))
        .collect();
    let download_dir = download_dir(db_path);
    std::fs::create_dir_all(&download_dir).map_err(|e| DbError::io(&download_dir, e))?;
    let result = run_fetches(&mut writer, &known, &download_dir, options);
    let _ = std::fs::remove_dir_all(&download_dir);
    let (outcomes, changed) = result?;
    if changed {
        writer.finish()?;
    }
    Ok(UpdateReport { sources: outcomes })
}

fn download_dir(db_path: &Path) -> PathBuf {
    let name = format!(".plinth-download-{}", std::process::id());
    db_path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from(&name), |p| p.join(&name))
}

/// A worker's result for one source.
enum Loaded {
    Rows {
        url: String,
        info: Box<SourceInfo>,
        rows: EncodedRows,
    },
    NotModified {
        url: String,
    },
}

fn run_fetches(
    writer: &mut Writer,
    known: &HashMap<String, SourceInfo>,
    download_dir: &Path,
    options: &UpdateOptions,
) -> Result<(Vec<SourceOutcome>, bool), DbError> {
    let agent = fetch::agent(options);
    let progress = progress_target(options);
    let next = AtomicUsize::new(0);
    let sources = &options.sources;
    let mut results: Vec<Option<Outcome>> = sources.iter().map(|_| None).collect();
    let mut changed = false;
    std::thread::scope(|scope| -> Result<(), DbError> {
        let (tx, rx) = mpsc::channel::<(usize, Result<Loaded, DbError>)>();
        for _ in 0..options.parallel.clamp(1, sources.len().max(1)) {
            let (tx, agent, next, progress) = (tx.clone(), &agent, &next, &progress);
            scope.spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(source) = sources.get(i) else { break };
                    let bar = progress.add(new_bar(&source.name));
                    let loaded = load_source(
                        agent,
                        source,
                        known.get(&source.name),
                        download_dir,
                        options,
                        &bar,
                    );
                    bar.finish_and_clear();
                    if tx.send((i, loaded)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        // The store has one writer: this thread applies results as workers finish them.
        for (i, loaded) in rx {
            let outcome = match loaded {
                Ok(Loaded::Rows { url, info, rows }) => {
                    writer.replace_source(&info, &rows)?;
                    changed = true;
                    Outcome::Updated {
                        url,
                        stats: info.stats,
                    }
                }
                Ok(Loaded::NotModified { url }) => {
                    if let Some(info) = known.get(&sources[i].name) {
                        writer.touch_source(&SourceInfo {
                            checked_at: now(),
                            ..info.clone()
                        })?;
                        changed = true;
                    }
                    Outcome::NotModified { url }
                }
                Err(e) => Outcome::Failed(e),
            };
            results[i] = Some(outcome);
        }
        Ok(())
    })?;
    let outcomes = sources
        .iter()
        .zip(results)
        .map(|(s, r)| SourceOutcome {
            name: s.name.clone(),
            result: r.unwrap_or_else(|| {
                Outcome::Failed(DbError::Http {
                    url: s.name.clone(),
                    message: "not fetched".into(),
                })
            }),
        })
        .collect();
    Ok((outcomes, changed))
}

fn load_source(
    agent: &ureq::Agent,
    source: &FeedSource,
    known: Option<&SourceInfo>,
    download_dir: &Path,
    options: &UpdateOptions,
    bar: &ProgressBar,
) -> Result<Loaded, DbError> {
    let have = known.map_or_else(Validators::default, |k| Validators {
        etag: k.etag.clone(),
        last_modified: k.last_modified.clone(),
    });
    let dest = download_dir.join(source.name.replace(['/', ' ', ':'], "_"));
    let (url, file, validators) = match locate::fetch(agent, source, &have, &dest, options, bar)? {
        Fetched::NotModified { url } => return Ok(Loaded::NotModified { url }),
        Fetched::Body {
            url,
            file,
            validators,
        } => (url, file, validators),
    };
    bar.set_message("parsing");
    let mut records = Records::default();
    let parsed = feed::read_file(&file, &source.name, &mut records);
    let _ = std::fs::remove_file(&file);
    parsed.map_err(|e| e.renamed(Path::new(&url)))?;
    let mut info = SourceInfo {
        name: source.name.clone(),
        origin: url.clone(),
        loaded_at: now(),
        checked_at: now(),
        etag: validators.etag,
        last_modified: validators.last_modified,
        ..SourceInfo::default()
    };
    let rows = store::encode_records(records, &mut info)?;
    Ok(Loaded::Rows {
        url,
        info: Box::new(info),
        rows,
    })
}

fn progress_target(options: &UpdateOptions) -> MultiProgress {
    if options.progress && std::io::stderr().is_terminal() {
        MultiProgress::with_draw_target(ProgressDrawTarget::stderr())
    } else {
        MultiProgress::with_draw_target(ProgressDrawTarget::hidden())
    }
}

fn new_bar(name: &str) -> ProgressBar {
    let style =
        ProgressStyle::with_template("{prefix:>28} {bar:30} {bytes:>10}/{total_bytes:<10} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar());
    ProgressBar::new(0)
        .with_style(style)
        .with_prefix(name.to_string())
}

/// What `db import` loaded.
#[derive(Debug, Default)]
pub struct ImportReport {
    /// One entry per source stored: each imported path, or each source inside a bundle.
    pub sources: Vec<SourceInfo>,
}

/// Builds the database from local files, directories, zips and bundles (for air-gapped
/// machines), replacing sources of the same name and keeping the rest. All or nothing: any
/// unreadable input leaves the database as it was.
pub fn import(db_path: &Path, inputs: &[PathBuf]) -> Result<ImportReport, DbError> {
    let mut writer = Writer::begin(db_path)?;
    let mut report = ImportReport::default();
    for input in inputs {
        let absolute = std::fs::canonicalize(input).map_err(|e| DbError::io(input, e))?;
        if is_bundle(&absolute)? {
            report
                .sources
                .extend(store::copy_sources(&absolute, &mut writer)?);
            continue;
        }
        let name = format!("import:{}", absolute.display());
        let mut records = Records::default();
        feed::read_path(&absolute, &name, &mut records)?;
        if records.is_empty() {
            return Err(DbError::NotAFeed {
                path: input.clone(),
                what: "no OSV, Alpine secdb, Debian tracker, NVD or CVE 5 records found".into(),
            });
        }
        let mut info = SourceInfo {
            name: name.clone(),
            origin: absolute.display().to_string(),
            loaded_at: now(),
            checked_at: now(),
            ..SourceInfo::default()
        };
        let rows = store::encode_records(records, &mut info)?;
        writer.replace_source(&info, &rows)?;
        report.sources.push(info);
    }
    writer.finish()?;
    Ok(report)
}

fn is_bundle(path: &Path) -> Result<bool, DbError> {
    if path.is_dir() {
        return Ok(false);
    }
    let mut head = [0u8; 16];
    let mut file = std::fs::File::open(path).map_err(|e| DbError::io(path, e))?;
    let n = std::io::Read::read(&mut file, &mut head).map_err(|e| DbError::io(path, e))?;
    Ok(feed::sniff(&head[..n]) == Ok(Format::Redb))
}

/// Writes every source of the database at `db_path` into a new single-file bundle at `out`
/// (temporary file, then rename), for `db import` on another machine. The bundle keeps the
/// database's build time: its data is no newer for being copied.
pub fn export(db_path: &Path, out: &Path) -> Result<Vec<SourceInfo>, DbError> {
    // Fail early with "no database" rather than writing an empty bundle.
    let built = crate::store::VulnDb::open(db_path)?.info()?.built;
    let mut writer = Writer::begin_empty(out)?;
    let sources = store::copy_sources(db_path, &mut writer)?;
    writer.finish_built(built)?;
    Ok(sources)
}
