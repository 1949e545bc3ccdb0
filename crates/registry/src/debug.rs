//! Request tracing on stderr when `PLINTH_DEBUG` is set. Callers pass only redacted text:
//! [`redact`] hides the secret part of an `Authorization` value.

use std::sync::OnceLock;

fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("PLINTH_DEBUG").is_some_and(|v| !v.is_empty()))
}

/// Writes one debug line to stderr when tracing is on.
pub fn log(args: std::fmt::Arguments<'_>) {
    if enabled() {
        eprintln!("plinth: debug: {args}");
    }
}

/// `Bearer abc…` → `Bearer <redacted>`: the scheme is useful, the credential never is.
pub fn redact(authorization: &str) -> String {
    match authorization.split_once(' ') {
        Some((scheme, _)) => format!("{scheme} <redacted>"),
        None => "<redacted>".into(),
    }
}
