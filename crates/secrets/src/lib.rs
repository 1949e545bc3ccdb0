//! plinth-secrets: leaked credentials in container images and source trees.
//!
//! Images keep every layer: a key copied in and `rm`-ed by a later `RUN` is still there for
//! anyone who pulls the image. This crate searches every regular file of every layer while
//! plinth-image's single streaming walk passes it (a [`Collector`](plinth_image::Collector)),
//! including copies a later layer deleted or replaced, plus the image config (`Env`, `Cmd`,
//! `Entrypoint`, `Labels`, `User`) and each history entry's `created_by`; and `dir:` trees,
//! skipping `.git`. Each finding names its rule, severity, file and line, the layer that added
//! the file and the layer that hid it.
//!
//! - [`builtin`]: the built-in rules (AWS, GCP, Azure, GitHub, GitLab, Bitbucket, Slack,
//!   Stripe, Twilio, SendGrid, npm, PyPI, Docker credentials, private keys, JWTs,
//!   `.git-credentials`, URLs with passwords, generic `password=`) and allow rules;
//! - [`config`]: the rule set, changed by Trivy's `trivy-secret.yaml` read as is;
//! - [`matcher`]: keyword prefilter (`keywords`: one SIMD pass, case folded in its tables),
//!   linear-time regexes, allow rules;
//! - [`stream`]: files searched in bounded windows with overlap, binaries skipped;
//! - [`redact`]: the only form a secret leaves the matcher in;
//! - [`collect`] and [`image`]: the walk, attribution to layers, config and history;
//! - [`report`]: table, JSON and SARIF.
//!
//! What it is not: it never keeps or prints a secret in full (findings hold only the
//! redacted form, so no output, log or debug print can leak one), it does not decide exit
//! codes or read ignore files (the CLI applies the same policy as to vulnerabilities), and
//! it does not verify credentials against their services.

pub mod builtin;
pub mod collect;
pub mod config;
mod error;
mod finding;
mod glob;
pub mod image;
mod keywords;
pub mod matcher;
pub mod redact;
pub mod report;
pub mod rule;
pub mod stream;

pub use collect::{DEFAULT_MAX_SIZE, PathFilter, SecretCollector, Summary};
pub use config::RuleSet;
pub use error::{Error, Result};
pub use finding::{Finding, Hidden, How, Report, Suppressed, TargetReport};
pub use image::{Options, report_from, scan_image};
pub use matcher::{Hit, Scanner};
pub use rule::Severity;
