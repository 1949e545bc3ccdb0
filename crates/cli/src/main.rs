//! The `plinth` binary: parse flags, call the library, render. Nothing else lives here.

mod cmd;
mod dive_ci;
mod exit;
mod gate;
mod open;
mod output;
mod remote;
mod render;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Container images without a daemon: layers, files, SBOMs, vulnerabilities, Dockerfile lint.
#[derive(Parser)]
#[command(name = "plinth", version, about, propagate_version = true)]
struct Cli {
    #[command(flatten)]
    cache: cmd::cache::CacheOpts,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Per-layer sizes, history, wasted space and efficiency (like dive), with --ci gates.
    Layers(cmd::layers::Args),
    /// The merged filesystem listing, or one layer's changes with --layer N.
    Files(cmd::files::Args),
    /// Save a registry image as an OCI layout directory or tar, for air gaps.
    Pull(cmd::pull::Args),
    /// List installed packages: table, JSON, CycloneDX or SPDX.
    Sbom(cmd::sbom::Args),
    /// Match packages against known vulnerabilities, with CI gates.
    Scan(cmd::scan::Args),
    /// Find leaked credentials in every layer (deleted ones too), config, history or a tree.
    Secrets(cmd::secrets::Args),
    /// Build, update, import, export and inspect the local vulnerability database.
    Db(cmd::db::Args),
    /// Lint Dockerfiles (hadolint-compatible rules plus layer and cache-order rules).
    Lint(cmd::lint::Args),
    /// Recommend a base image from what the image really contains.
    Advise(cmd::advise::Args),
    /// Image facts side by side.
    Compare(cmd::compare::Args),
    /// What changed between two images: packages, vulnerabilities, sizes.
    Diff(cmd::diff::Args),
    /// Compare two versions the way an ecosystem's own tool does: prints <, = or >.
    Vercmp(cmd::vercmp::Args),
    /// Newer base-image tags and moved digests in Dockerfiles, compose files and manifests.
    Outdated(cmd::outdated::Args),
    /// Serve one vulnerability database to many scanners over HTTP (and Harbor's scanner API).
    Server(cmd::server::Args),
    /// The per-layer cache: where it is and what it holds; prune or clean it.
    Cache(cmd::cache::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = open::use_cache(&cli.cache).and_then(|()| match cli.command {
        Command::Layers(a) => cmd::layers::run(a),
        Command::Files(a) => cmd::files::run(a),
        Command::Pull(a) => cmd::pull::run(a),
        Command::Sbom(a) => cmd::sbom::run(a),
        Command::Scan(a) => cmd::scan::run(a),
        Command::Secrets(a) => cmd::secrets::run(a),
        Command::Db(a) => cmd::db::run(a),
        Command::Lint(a) => cmd::lint::run(a),
        Command::Advise(a) => cmd::advise::run(a),
        Command::Compare(a) => cmd::compare::run(a),
        Command::Diff(a) => cmd::diff::run(a),
        Command::Vercmp(a) => cmd::vercmp::run(a),
        Command::Outdated(a) => cmd::outdated::run(a, &cli.cache),
        Command::Server(a) => cmd::server::run(a),
        Command::Cache(a) => cmd::cache::run(a, &cli.cache),
    });
    match result {
        Ok(code) => code,
        Err(failure) if output::is_broken_pipe(&failure.error) => ExitCode::SUCCESS,
        Err(failure) => {
            let _ = writeln!(std::io::stderr(), "plinth: {}", one_line(&failure.error));
            ExitCode::from(failure.code)
        }
    }
}

/// The error chain on one line, most general first ("X: gzip: unexpected EOF"). Library errors
/// often already quote their cause in their own message; a cause shown once is not repeated.
fn one_line(error: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}
