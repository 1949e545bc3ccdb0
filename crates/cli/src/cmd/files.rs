//! `plinth files IMAGE`: the merged filesystem, or with `--layer N` what layer N changed.

use std::path::PathBuf;
use std::process::ExitCode;

use plinth_image::NoFiles;
use plinth_image::files::Kind;
use plinth_image::merge::{At, Event, Stack};

use crate::exit::{self, Classify, CmdResult, Failure};
use crate::open::{self, ImageOpts};
use crate::output::write_to;

#[derive(clap::Args)]
pub struct Args {
    /// The image: docker-archive:, oci-dir:, oci-archive:, dir:, registry: or a path.
    image: String,
    #[command(flatten)]
    opts: ImageOpts,
    /// Show only what layer N added (A), modified (M) and removed (D).
    #[arg(long, value_name = "N")]
    layer: Option<usize>,
    /// Output format: a table, or JSON lines.
    #[arg(short, long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Write to FILE (atomically) instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq)]
enum Format {
    Table,
    Json,
}

/// One line of output.
#[derive(serde::Serialize)]
struct Row<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    change: Option<&'static str>,
    path: String,
    #[serde(rename = "type")]
    kind: &'a str,
    size: u64,
    mode: String,
    layer: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    target: Option<String>,
    /// A parent directory no tar entry names: runtimes create it (0755), dive shows it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    implied: bool,
}

/// What one output line shows: an entry (with its change under `--layer`), or an implied
/// directory with the layer of the first entry inside it.
enum Line {
    Entry(Option<&'static str>, At),
    Implied(Vec<u8>, u32),
}

pub fn run(args: Args) -> CmdResult {
    let image = open::open(&args.image, &args.opts)?;
    let facts = image.walk(&NoFiles).map_err(open::classify)?;
    for f in &facts {
        for w in &f.warnings {
            eprintln!("plinth: warning: {}: {w}", image.name());
        }
    }
    let stack = Stack::new(facts.iter().map(|f| &f.files).collect());
    let rows: Vec<Line> = match args.layer {
        None => with_implied_dirs(&stack, stack.merge(None, |_| {}).entries),
        Some(n) if n >= facts.len() => {
            return Err(Failure::new(
                exit::USAGE,
                anyhow::anyhow!(
                    "--layer {n}: the image has {} layers (0..{})",
                    facts.len(),
                    facts.len() - 1
                ),
            ));
        }
        Some(n) => layer_changes(&stack, n)
            .into_iter()
            .map(|(change, at)| Line::Entry(change, at))
            .collect(),
    };
    write_to(args.output.as_deref(), |out| {
        for line in rows {
            let row = match line {
                Line::Entry(change, at) => row(&stack, change, at),
                Line::Implied(path, layer) => implied_row(&path, layer),
            };
            match args.format {
                Format::Json => {
                    serde_json::to_writer(&mut *out, &row)?;
                    writeln!(out)?;
                }
                Format::Table => {
                    let change = row.change.map_or(String::new(), |c| format!("{c} "));
                    let target = row
                        .target
                        .as_deref()
                        .map_or(String::new(), |t| format!(" -> {t}"));
                    let implied = if row.implied { "  (implied)" } else { "" };
                    writeln!(
                        out,
                        "{change}{} {:>12} {:>3}  {}{target}{implied}",
                        symbolic(row.kind, &row.mode),
                        row.size,
                        row.layer,
                        row.path
                    )?;
                }
            }
        }
        Ok(())
    })
    .code(exit::OUTPUT)?;
    Ok(ExitCode::SUCCESS)
}

/// What layer `n` did: every change it made, in path order.
fn layer_changes(stack: &Stack, n: usize) -> Vec<(Option<&'static str>, At)> {
    let mut rows = Vec::new();
    stack.merge(Some(n + 1), |event| match *event {
        Event::Added(at) if at.layer as usize == n => rows.push((Some("A"), at)),
        Event::Modified { new, .. } if new.layer as usize == n => rows.push((Some("M"), new)),
        Event::Removed { old, by_layer } if by_layer as usize == n => rows.push((Some("D"), old)),
        _ => {}
    });
    rows.sort_by(|a, b| plinth_image::files::compare_paths(stack.path(a.1), stack.path(b.1)));
    rows
}

/// The merged entries with the parent directories no layer lists, each just before its
/// contents, and with the lowest layer of its contents: a runtime creates it with the first
/// layer that puts something inside it.
fn with_implied_dirs(stack: &Stack, merged: Vec<At>) -> Vec<Line> {
    let implied = plinth_image::files::implied_dirs(merged.iter().map(|&at| stack.path(at)));
    let first_layer = |dir: &[u8], from: usize| {
        merged[from..]
            .iter()
            .take_while(|&&at| plinth_image::files::is_under(stack.path(at), dir))
            .map(|at| at.layer)
            .min()
            .unwrap_or(merged[from].layer)
    };
    let mut implied = implied.into_iter().peekable();
    let mut lines = Vec::with_capacity(merged.len());
    for (i, &at) in merged.iter().enumerate() {
        while let Some((_, path)) = implied.next_if(|(before, _)| *before == i) {
            let layer = first_layer(&path, i);
            lines.push(Line::Implied(path, layer));
        }
        lines.push(Line::Entry(None, at));
    }
    lines
}

fn implied_row<'a>(path: &[u8], layer: u32) -> Row<'a> {
    Row {
        change: None,
        path: format!("/{}", String::from_utf8_lossy(path)),
        kind: "dir",
        size: 0,
        mode: "0755".into(),
        layer,
        target: None,
        implied: true,
    }
}

fn row<'a>(stack: &Stack, change: Option<&'static str>, at: At) -> Row<'a> {
    let e = stack.entry(at);
    let kind = match e.kind {
        Kind::File | Kind::Hardlink => "file",
        Kind::Dir => "dir",
        Kind::Symlink => "symlink",
        _ => "special",
    };
    let target = (e.kind == Kind::Symlink).then(|| {
        let l = stack.layers[at.layer as usize];
        String::from_utf8_lossy(l.link(e)).into_owned()
    });
    Row {
        change,
        path: format!("/{}", String::from_utf8_lossy(stack.path(at))),
        kind,
        size: stack.content_size(at),
        mode: format!("{:04o}", e.mode & 0o7777),
        layer: at.layer,
        target,
        implied: false,
    }
}

/// `ls -l` style: type letter and rwx bits, from the octal mode string.
fn symbolic(kind: &str, octal: &str) -> String {
    let bits = u32::from_str_radix(octal, 8).unwrap_or(0);
    let kind = match kind {
        "dir" => 'd',
        "symlink" => 'l',
        "special" => 'c',
        _ => '-',
    };
    let rwx: String = (0..9)
        .map(|i| match (bits & (0o400 >> i) != 0, i % 3) {
            (false, _) => '-',
            (true, 0) => 'r',
            (true, 1) => 'w',
            (true, _) => 'x',
        })
        .collect();
    format!("{kind}{rwx}")
}
