//! `plinth advise IMAGE`: the base-image decision tree applied to the image's own facts, each
//! recommendation with its evidence and expected saving. Also holds what `compare` and
//! `diff` share: the database and EOL-table flags and gathering facts of several images.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use plinth_advise::advice::{self, Candidate};
use plinth_advise::dockerfile::Dockerfile;
use plinth_advise::eol::{self, EolTable};
use plinth_advise::{AdviseError, Gathered, Options};
use plinth_vulndb::{DbError, VulnDb};

use crate::exit::{self, Classify, CmdResult, Failure};
use crate::open::{self, ImageOpts};
use crate::output::write_to;

/// Flags shared by advise, compare and diff.
#[derive(clap::Args, Clone)]
pub struct FactOpts {
    /// Vulnerability database for counts (default: the usual path when it exists; without
    /// one, vulnerabilities are null).
    #[arg(long, env = "PLINTH_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// End-of-life dates overriding the built-in table: JSON {"updated": "YYYY-MM-DD",
    /// "releases": [{"os": "alpine", "release": "3.20", "eol": "2026-04-01"}]}.
    #[arg(long, value_name = "FILE")]
    pub eol_data: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct Args {
    /// The image: docker-archive:, oci-dir:, oci-archive:, dir:, registry: or a path.
    image: String,
    #[command(flatten)]
    opts: ImageOpts,
    #[command(flatten)]
    facts: FactOpts,
    /// The Dockerfile that built the image: findings point at its lines.
    #[arg(long, value_name = "FILE")]
    dockerfile: Option<PathBuf>,
    /// Measure savings against this real image instead of estimating (repeatable).
    #[arg(long = "candidate", value_name = "IMAGE")]
    candidates: Vec<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Write to FILE (atomically) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq)]
enum Format {
    Text,
    Json,
}

pub fn run(args: Args) -> CmdResult {
    let dockerfile = match &args.dockerfile {
        Some(p) => {
            let text = std::fs::read(p)
                .map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))
                .code(exit::INPUT)?;
            Some(Dockerfile::parse(&String::from_utf8_lossy(&text)))
        }
        None => None,
    };
    let mut refs = vec![args.image.clone()];
    refs.extend(args.candidates.iter().cloned());
    let gathered = gather_all(&refs, &args.opts, &args.facts)?;
    let (me, others) = gathered.split_first().expect("at least the image");
    let candidates: Vec<Candidate> = args
        .candidates
        .iter()
        .zip(others)
        .map(|(r, g)| Candidate {
            reference: r,
            facts: &g.facts,
        })
        .collect();
    let advice = advice::advise(&me.facts, &candidates, dockerfile.as_ref());
    write_to(args.output.as_deref(), |out| match args.format {
        Format::Text => advice::text(&me.facts, &advice, out),
        Format::Json => {
            let doc = serde_json::json!({ "facts": me.facts, "advice": advice });
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            writeln!(out)
        }
    })
    .code(exit::OUTPUT)?;
    Ok(ExitCode::SUCCESS)
}

/// Opens every image, then gathers their facts in turn, walking the layers they share once
/// (each walk is parallel over its layers).
pub(crate) fn gather_all(
    refs: &[String],
    image_opts: &ImageOpts,
    opts: &FactOpts,
) -> Result<Vec<Gathered>, Failure> {
    let eol = eol_table(opts.eol_data.as_deref())?;
    let db = open_db(opts.db.as_deref())?;
    let options = Options {
        eol: &eol,
        db: db.as_ref(),
        today: eol::today(),
    };
    let images = refs
        .iter()
        .map(|r| open::open(r, image_opts))
        .collect::<Result<Vec<_>, _>>()?;
    plinth_advise::gather_all(&images, &options).map_err(|e| match e {
        AdviseError::Image(e) => open::classify(*e),
        e => Failure::new(exit::DATABASE, e),
    })
}

fn eol_table(path: Option<&Path>) -> Result<EolTable, Failure> {
    let Some(path) = path else {
        return Ok(EolTable::default());
    };
    let bytes = std::fs::read(path)
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
        .code(exit::INPUT)?;
    EolTable::with_overrides(&path.display().to_string(), &bytes)
        .map_err(anyhow::Error::msg)
        .code(exit::INPUT)
}

/// An explicit database must open; the default one is used only when it exists.
fn open_db(path: Option<&Path>) -> Result<Option<VulnDb>, Failure> {
    let (path, explicit) = match path {
        Some(p) => (p.to_path_buf(), true),
        None => (VulnDb::default_path(), false),
    };
    if !explicit && !path.exists() {
        return Ok(None);
    }
    match VulnDb::open(&path) {
        Ok(db) => Ok(Some(db)),
        Err(DbError::Missing { .. }) if !explicit => Ok(None),
        Err(e) => Err(Failure::new(exit::DATABASE, e)),
    }
}
