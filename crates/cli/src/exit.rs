//! Exit codes, one meaning each. Documented in README.md ("Exit codes").

use std::process::ExitCode;

/// Success, and no gate failed.
pub const OK: u8 = 0;
/// The command ran and a policy gate failed (vulnerabilities at or above the threshold, a
/// `--ci` rule, lint findings at or above `--failure-threshold`). Overridable with `--exit-code`.
pub const POLICY: u8 = 1;
/// Bad command line (clap's own code).
pub const USAGE: u8 = 2;
/// An input could not be read or is invalid: missing file, corrupt archive, digest mismatch,
/// malformed manifest, Dockerfile or SBOM.
pub const INPUT: u8 = 3;
/// The registry or network failed: unreachable host, authentication, not found, stall.
pub const NETWORK: u8 = 4;
/// The vulnerability database is missing, corrupt or could not be updated.
pub const DATABASE: u8 = 5;
/// Writing the output failed.
pub const OUTPUT: u8 = 6;

/// A command's failure: a one-line message and the exit code that classifies it.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub error: anyhow::Error,
}

impl Failure {
    pub fn new(code: u8, error: impl Into<anyhow::Error>) -> Self {
        Failure {
            code,
            error: error.into(),
        }
    }
}

pub type CmdResult = Result<ExitCode, Failure>;

/// Helper so commands can write `.code(exit::INPUT)?`.
pub trait Classify<T> {
    fn code(self, code: u8) -> Result<T, Failure>;
}

impl<T, E: Into<anyhow::Error>> Classify<T> for Result<T, E> {
    fn code(self, code: u8) -> Result<T, Failure> {
        self.map_err(|e| Failure::new(code, e))
    }
}
