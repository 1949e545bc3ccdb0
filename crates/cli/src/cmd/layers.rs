//! `plinth layers IMAGE`: the layer table, history, waste and efficiency, with dive's --ci gates.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use plinth_image::NoFiles;
use plinth_image::report::{self, Report};

use crate::exit::{self, Classify, CmdResult, Failure};
use crate::open::{self, ImageOpts};
use crate::output::write_to;
use crate::render::{bytes, table};

#[derive(clap::Args)]
pub struct Args {
    /// The image: docker-archive:, oci-dir:, oci-archive:, dir:, registry: or a path.
    image: String,
    #[command(flatten)]
    opts: ImageOpts,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Write the report to FILE (atomically) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Gate on the rules below (and a .dive-ci file when present); exit 1 when one fails.
    #[arg(long)]
    ci: bool,
    /// Rules file (dive's format); default .dive-ci in the current directory.
    #[arg(long, value_name = "FILE")]
    ci_config: Option<PathBuf>,
    /// Fail when efficiency is below this (0..1; dive's default 0.9).
    #[arg(long, value_name = "RATIO")]
    lowest_efficiency: Option<String>,
    /// Fail when wasted bytes exceed this (e.g. 20MB; default disabled).
    #[arg(long, value_name = "SIZE")]
    highest_wasted_bytes: Option<String>,
    /// Fail when wasted bytes exceed this fraction of the non-base layers (default 0.1).
    #[arg(long, value_name = "RATIO")]
    highest_user_wasted_percent: Option<String>,
}

#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq)]
enum Format {
    Table,
    Json,
}

pub fn run(args: Args) -> CmdResult {
    let rules = if args.ci {
        Some(crate::dive_ci::Rules::load(&args)?)
    } else {
        None
    };
    let image = open::open(&args.image, &args.opts)?;
    let facts = image.walk(&NoFiles).map_err(open::classify)?;
    let lists: Vec<_> = facts.iter().map(|f| &f.files).collect();
    let report = report::build(image.name(), &image.layers(), &lists);
    write_to(args.output.as_deref(), |out| match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &report)?;
            writeln!(out)
        }
        Format::Table => render(out, &report),
    })
    .code(exit::OUTPUT)?;
    let Some(rules) = rules else {
        return Ok(ExitCode::SUCCESS);
    };
    let failed = rules.evaluate(&report);
    for line in &failed {
        eprintln!("plinth: FAIL: {line}");
    }
    if failed.is_empty() {
        eprintln!(
            "plinth: PASS: efficiency {:.4}, wasted {} bytes, user wasted {:.4}",
            report.efficiency, report.wasted_bytes, report.user_wasted_percent
        );
        Ok(ExitCode::SUCCESS)
    } else {
        Err(Failure::new(
            exit::POLICY,
            anyhow::anyhow!("{} --ci rule(s) failed", failed.len()),
        ))
    }
}

impl Args {
    pub fn rule_flags(&self) -> [(&'static str, Option<&str>); 3] {
        [
            ("lowestEfficiency", self.lowest_efficiency.as_deref()),
            ("highestWastedBytes", self.highest_wasted_bytes.as_deref()),
            (
                "highestUserWastedPercent",
                self.highest_user_wasted_percent.as_deref(),
            ),
        ]
    }

    pub fn ci_config(&self) -> Option<&std::path::Path> {
        self.ci_config.as_deref()
    }
}

fn render(out: &mut dyn Write, r: &Report) -> std::io::Result<()> {
    let mut rows = vec![vec![
        "#".to_string(),
        "DIGEST".into(),
        "SIZE".into(),
        "COMPRESSED".into(),
        "+".into(),
        "~".into(),
        "-".into(),
        "CREATED BY".into(),
    ]];
    for l in &r.layers {
        rows.push(vec![
            l.index.to_string(),
            l.digest.as_ref().map_or("-".into(), |d| d.short()),
            bytes(l.size),
            l.compressed_size.map_or("-".into(), bytes),
            l.added.to_string(),
            l.modified.to_string(),
            l.removed.to_string(),
            l.created_by
                .as_deref()
                .map_or("-".into(), crate::render::one_line),
        ]);
    }
    table(out, &rows)?;
    writeln!(out)?;
    writeln!(out, "Image:              {}", r.image)?;
    writeln!(
        out,
        "Total size:         {} ({} compressed)",
        bytes(r.total_size),
        r.compressed_size.map_or("-".into(), bytes)
    )?;
    writeln!(out, "Efficiency:         {:.4} %", r.efficiency * 100.0)?;
    writeln!(
        out,
        "Wasted bytes:       {} ({} bytes, dive's definition)",
        bytes(r.wasted_bytes),
        r.wasted_bytes
    )?;
    writeln!(
        out,
        "User wasted:        {:.4} %",
        r.user_wasted_percent * 100.0
    )?;
    writeln!(
        out,
        "Reclaimable bytes:  {} ({} bytes overwritten or deleted by a later layer)",
        bytes(r.reclaimable_bytes),
        r.reclaimable_bytes
    )?;
    if !r.top_wasteful.is_empty() {
        writeln!(out)?;
        let mut rows = vec![vec![
            "RECLAIMABLE".to_string(),
            "ADDED IN".into(),
            "REMOVED IN".into(),
            "HOW".into(),
            "PATH".into(),
        ]];
        for w in &r.top_wasteful {
            rows.push(vec![
                bytes(w.size),
                w.added_in.to_string(),
                w.removed_in.to_string(),
                w.how.to_string(),
                w.path.clone(),
            ]);
        }
        table(out, &rows)?;
    }
    Ok(())
}
