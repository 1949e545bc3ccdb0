//! `plinth vercmp ECOSYSTEM A B`: compare two versions the way the ecosystem's own tool does
//! and print `<`, `=` or `>`. For people writing ignore rules, and for tests.

use std::process::ExitCode;

use anyhow::anyhow;
use plinth_version::Scheme;

use crate::exit::{self, Classify, CmdResult, Failure};
use crate::output;

#[derive(clap::Args)]
pub struct Args {
    /// An OSV ecosystem (Debian:12, Alpine, PyPI, npm, Go, Maven, ...), a package type (deb,
    /// apk, rpm, python, go-module, java-archive, ...) or a scheme name (dpkg, semver, generic).
    pub ecosystem: String,
    /// The first version.
    #[arg(allow_hyphen_values = true)]
    pub a: String,
    /// The second version.
    #[arg(allow_hyphen_values = true)]
    pub b: String,
}

pub fn run(args: Args) -> CmdResult {
    let scheme = Scheme::lookup(&args.ecosystem).ok_or_else(|| {
        Failure::new(
            exit::INPUT,
            anyhow!(
                "unknown ecosystem {:?}: try an OSV name (Debian, Alpine, PyPI, npm, Go, Maven, ...) or generic",
                args.ecosystem
            ),
        )
    })?;
    for v in [&args.a, &args.b] {
        if let Err(e) = scheme.parse_check(v) {
            if scheme.is_strict() {
                return Err(Failure::new(exit::INPUT, e));
            }
            // dpkg, apk, rpm and Maven order malformed versions too, as their tools do.
            eprintln!("plinth: warning: {e}");
        }
    }
    let symbol = match scheme.compare(&args.a, &args.b) {
        std::cmp::Ordering::Less => "<",
        std::cmp::Ordering::Equal => "=",
        std::cmp::Ordering::Greater => ">",
    };
    output::write_to(None, |out| writeln!(out, "{symbol}")).code(exit::OUTPUT)?;
    Ok(ExitCode::SUCCESS)
}
