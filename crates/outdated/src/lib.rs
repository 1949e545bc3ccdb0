//! Keep base images fresh: find the image references of Dockerfiles (`FROM`), compose files
//! and Kubernetes manifests (`image:`), ask their registries for newer tags and moved digests,
//! and propose updates the way Renovate's `docker` versioning does (same suffix, same
//! precision, no prereleases for stable tags, a major and a non-major proposal), plus what the
//! bots miss: a newer variant of the suffix (`-alpine3.18` → `-alpine3.20`) and an OS release
//! past its end of life. [`rewrite`] applies chosen updates, touching only the reference text.
//!
//! It does not build, pull or scan images, open pull requests, or read files other than those
//! it is given ([`inputs`] finds the usual ones in a directory).
//!
//! **Architecture Invariant:** a rewrite changes only the bytes of the references it updates;
//! everything else in the file is kept byte for byte (`crates/cli/tests/outdated.rs` compares
//! the whole file).

pub mod cache;
pub mod config;
pub mod distro;
pub mod extract;
pub mod inputs;
pub mod lookup;
pub mod propose;
pub mod report;
pub mod rewrite;
pub mod versioning;

use std::ops::Range;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use plinth_catalog::eol::EolTable;
use plinth_image::spec::{MediaKind, Platform};
use serde::Serialize;

pub use config::Config;
pub use extract::{Found, Skip};
pub use lookup::{Counts, Lookup, Settings};
pub use propose::Kind;

/// One proposed change to one reference.
#[derive(Debug, Clone, Serialize)]
pub struct Update {
    pub file: String,
    pub line: usize,
    /// The image name as written, without tag or digest.
    pub image: String,
    pub current_tag: Option<String>,
    pub current_digest: Option<String>,
    pub update_type: Kind,
    pub new_tag: Option<String>,
    pub new_digest: Option<String>,
    /// The reference as it would be rewritten.
    pub new_from: String,
    /// The reference's text now (what a rewrite replaces).
    #[serde(skip)]
    pub old_from: String,
    #[serde(skip)]
    pub span: Option<Range<usize>>,
}

/// Something worth saying about a reference that is not an update: end of life, a cut-off
/// tag list, a tag that cannot be compared.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Note {
    pub file: String,
    pub line: usize,
    pub image: String,
    pub note: String,
}

/// Everything one run found.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub updates: Vec<Update>,
    pub skipped: Vec<Skip>,
    pub notes: Vec<Note>,
    /// References the registries answered for.
    pub checked: usize,
    pub requests: Counts,
}

/// What to check and how.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Propose `pinDigest` updates for references without a digest.
    pub pin: bool,
    pub config: Config,
    /// The platform a pinned single-platform reference is assumed to be for when its FROM
    /// line says nothing and its manifest cannot be read.
    pub platform: Option<Platform>,
    /// References checked at once.
    pub parallel: usize,
}

/// A file's display name and text.
pub struct Input {
    pub file: String,
    pub text: String,
}

/// Extracts every reference of `inputs` and checks each against its registry.
pub fn check(inputs: &[Input], opts: &Options, lookup: &Lookup) -> Report {
    let mut report = Report::default();
    let mut found = Vec::new();
    for input in inputs {
        let got = extract::extract(&input.file, &input.text);
        found.extend(got.found);
        report.skipped.extend(got.skipped);
    }
    let mut todo = Vec::new();
    for f in found {
        if opts.config.ignored(&f.image) {
            report
                .skipped
                .push(skip(&f, "ignored (--ignore or .plinth.yaml)".into()));
        } else {
            todo.push(f);
        }
    }
    report.checked = todo.len();
    let results = Mutex::new(Vec::new());
    let next = AtomicUsize::new(0);
    let table = EolTable::default();
    let today = plinth_catalog::eol::today();
    std::thread::scope(|s| {
        for _ in 0..opts.parallel.clamp(1, todo.len().max(1)) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(f) = todo.get(i) else { break };
                    let outcome = check_one(f, opts, lookup, &table, today);
                    results
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push((i, outcome));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_else(|p| p.into_inner());
    results.sort_by_key(|(i, _)| *i);
    for (_, outcome) in results {
        report.checked -= usize::from(outcome.skipped.is_some());
        report.updates.extend(outcome.updates);
        report.notes.extend(outcome.notes);
        report.skipped.extend(outcome.skipped);
    }
    report
        .skipped
        .sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    report.requests = lookup.counts();
    report
}

#[derive(Default)]
struct Outcome {
    updates: Vec<Update>,
    notes: Vec<Note>,
    skipped: Option<Skip>,
}

fn skip(f: &Found, reason: String) -> Skip {
    Skip {
        file: f.file.clone(),
        line: f.line,
        image: f.text.clone(),
        reason,
    }
}

fn check_one(
    f: &Found,
    opts: &Options,
    lookup: &Lookup,
    table: &EolTable,
    today: (i32, u32, u32),
) -> Outcome {
    let mut out = Outcome::default();
    let rule = opts.config.rule_for(&f.image);
    let rules = rule.map(|r| r.rules.clone()).unwrap_or_default();
    let allowed = |k: Kind| {
        rule.and_then(|r| r.allow.as_ref())
            .is_none_or(|a| a.contains(&k))
    };
    let note = |text: String| Note {
        file: f.file.clone(),
        line: f.line,
        image: f.text.clone(),
        note: text,
    };
    let tags = match lookup.tags(&f.image) {
        Ok(t) => t,
        Err(e) => {
            out.skipped = Some(skip(f, e));
            return out;
        }
    };
    if !tags.tags.iter().any(|t| rules.scheme.read(t).is_some())
        && !tags
            .tags
            .iter()
            .any(|t| distro::codename_tag(t, today).is_some())
    {
        out.skipped = Some(skip(
            f,
            format!(
                "the repository has no versioned tags (of {})",
                tags.tags.len()
            ),
        ));
        return out;
    }
    if tags.truncated {
        out.notes.push(note(format!(
            "tag list cut off after {} tags (raise --max-pages)",
            tags.tags.len()
        )));
    }
    if let Some(n) = &f.note {
        out.notes.push(note(n.clone()));
    }
    let current_tag = f.tag_written.then(|| f.image.tag.clone()).flatten();
    let tag = current_tag.clone().unwrap_or_else(|| "latest".into());
    if let Some(eol) = distro::eol_note(table, &f.image.repository, &tag, today) {
        out.notes.push(note(eol));
    }
    if f.image.digest.is_some() && !f.tag_written {
        out.notes
            .push(note("pinned by digest alone: no tag to follow".into()));
        return out;
    }
    // A reference pinned to one platform's manifest keeps pointing at that platform.
    let platform = match &f.image.digest {
        Some(d) => match pinned_platform(f, d, lookup, opts) {
            Ok(p) => p,
            Err(e) => {
                out.skipped = Some(skip(f, e));
                return out;
            }
        },
        None => None,
    };
    let name = written_name(&f.text);
    let pinned = f.image.digest.is_some() || opts.pin;
    let make = |kind: Kind, new_tag: &str, digest: Option<String>| {
        let mut new_from = name.to_string();
        if f.tag_written || kind.is_version() {
            new_from.push(':');
            new_from.push_str(new_tag);
        }
        if pinned && let Some(d) = &digest {
            new_from.push('@');
            new_from.push_str(d);
        }
        Update {
            file: f.file.clone(),
            line: f.line,
            image: name.to_string(),
            current_tag: current_tag.clone(),
            current_digest: f.image.digest.as_ref().map(|d| d.to_string()),
            update_type: kind,
            new_tag: Some(new_tag.to_string()),
            new_digest: digest,
            new_from,
            old_from: f.text.clone(),
            span: f.span.clone(),
        }
    };
    let offer = propose::offer(&f.image.repository, &tag, &tags.tags, &rules, today);
    if let Some(why) = &offer.unversioned
        && f.tag_written
    {
        out.notes.push(note(why.clone()));
    }
    let variant = offer.variant.clone().map(|t| (Kind::Variant, t));
    for (kind, new_tag) in offer.updates.iter().cloned().chain(variant) {
        if !allowed(kind) {
            continue;
        }
        match lookup.digest_of(&f.image, &new_tag, platform.as_ref()) {
            Ok(d) => out
                .updates
                .push(make(kind, &new_tag, d.map(|d| d.to_string()))),
            Err(e) => out.notes.push(note(format!("{new_tag}: {e}"))),
        }
    }
    let digest_kind = if f.image.digest.is_some() {
        Kind::Digest
    } else {
        Kind::PinDigest
    };
    if (f.image.digest.is_some() || opts.pin) && allowed(digest_kind) {
        match lookup.digest_of(&f.image, &tag, platform.as_ref()) {
            Ok(Some(now)) if f.image.digest.as_ref() != Some(&now) => {
                out.updates
                    .push(make(digest_kind, &tag, Some(now.to_string())));
            }
            Ok(Some(_)) => {}
            Ok(None) => out
                .notes
                .push(note(format!("tag {tag} is no longer in the registry"))),
            Err(e) => out.notes.push(note(e)),
        }
    }
    out
}

/// The platform of the manifest a reference pins, when that is a single-platform manifest
/// (`None` for an index): its FROM `--platform`, else its config's.
fn pinned_platform(
    f: &Found,
    digest: &plinth_image::Digest,
    lookup: &Lookup,
    opts: &Options,
) -> Result<Option<Platform>, String> {
    let Some((_, media_type)) = lookup.head(&f.image, &digest.to_string())? else {
        return Err(format!("{digest} is not in the registry"));
    };
    if MediaKind::of(&media_type) == MediaKind::Index {
        return Ok(None);
    }
    if let Some(p) = f.platform.as_deref().and_then(Platform::parse) {
        return Ok(Some(p));
    }
    match lookup.platform_of(&f.image, digest) {
        Ok(p) => Ok(Some(p)),
        Err(e) => opts.platform.clone().map(Some).ok_or(e),
    }
}

/// The reference text without its tag and digest, as written (`python`, `ghcr.io/a/b`,
/// `localhost:5000/x`).
pub fn written_name(text: &str) -> &str {
    let name = text.split('@').next().unwrap_or(text);
    let last = name.rfind('/').map_or(0, |i| i + 1);
    match name[last..].find(':') {
        Some(i) => &name[..last + i],
        None => name,
    }
}

impl Kind {
    /// A move to another tag (not just another digest of the same tag).
    pub fn is_version(self) -> bool {
        matches!(
            self,
            Kind::Major | Kind::Minor | Kind::Patch | Kind::Variant
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_as_written() {
        assert_eq!(written_name("python:3.12-slim"), "python");
        assert_eq!(
            written_name("localhost:5000/x/y:1@sha256:ab"),
            "localhost:5000/x/y"
        );
        assert_eq!(written_name("localhost:5000/x"), "localhost:5000/x");
        assert_eq!(written_name("alpine"), "alpine");
    }
}
