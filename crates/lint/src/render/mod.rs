//! Writing findings out: terminal text, JSON, SARIF 2.1.0.

mod json;
mod sarif;
mod tty;

pub use json::json;
pub use sarif::sarif;
pub use tty::tty;
