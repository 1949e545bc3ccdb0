//! The flags that decide which findings count and which exit code they give, shared by
//! `plinth scan` and `plinth secrets` so that vulnerabilities and secrets gate alike.

use std::path::PathBuf;

use plinth_scan::Level;
use plinth_scan::policy::{self, Policy};

use crate::exit::{self, Classify, Failure};

#[derive(clap::Args, Clone, Default)]
pub struct GateOpts {
    /// Severities to report, comma-separated: UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL (default: all).
    #[arg(long, value_delimiter = ',', value_parser = parse_level, value_name = "LIST")]
    pub severity: Vec<Level>,
    /// Exit code when findings remain after filters (default 0, like Trivy); with --fail-on,
    /// the code used when that gate fails (default 1).
    #[arg(long, value_name = "N")]
    pub exit_code: Option<u8>,
    /// Exit 1 when any reported finding is at or above SEVERITY.
    #[arg(long, value_parser = parse_level, value_name = "SEVERITY")]
    pub fail_on: Option<Level>,
    /// Ignore file: `.trivyignore` lines (a vulnerability id or secret rule id, then
    /// [exp:YYYY-MM-DD]) or `.trivyignore.yaml` (default: ./.trivyignore or
    /// ./.trivyignore.yaml when present).
    #[arg(long, value_name = "FILE")]
    pub ignorefile: Option<PathBuf>,
    /// List suppressed findings too, marked with who suppressed them.
    #[arg(long)]
    pub show_suppressed: bool,
}

fn parse_level(s: &str) -> Result<Level, String> {
    Level::parse(s).ok_or_else(|| format!("{s:?}: expected UNKNOWN, LOW, MEDIUM, HIGH or CRITICAL"))
}

impl GateOpts {
    /// The severity filter and the ignore file (the one named, else one in the working
    /// directory), as of today.
    pub fn policy(&self) -> Result<Policy, Failure> {
        let mut policy = Policy {
            severities: self.severity.clone(),
            today: policy::today(),
            ..Policy::default()
        };
        let ignorefile = self.ignorefile.clone().or_else(|| {
            [".trivyignore", ".trivyignore.yaml"]
                .iter()
                .map(PathBuf::from)
                .find(|p| p.is_file())
        });
        if let Some(path) = ignorefile {
            let rules = policy::read_ignorefile(&path).code(exit::INPUT)?;
            policy.ignore.push((path, rules));
        }
        Ok(policy)
    }

    /// The code a failed gate exits with: `--exit-code N` when N is not 0, else 1.
    pub fn failed(&self) -> u8 {
        self.exit_code.filter(|&c| c != 0).unwrap_or(exit::POLICY)
    }

    /// The exit code for the levels of the findings that count: `--fail-on` fails at or
    /// above its level, `--exit-code` alone on any finding.
    pub fn exit_code(&self, mut levels: impl Iterator<Item = Level>) -> u8 {
        match self.fail_on {
            Some(level) if levels.any(|l| l >= level) => self.failed(),
            Some(_) => exit::OK,
            None if levels.next().is_some() => self.exit_code.unwrap_or(exit::OK),
            None => exit::OK,
        }
    }
}
