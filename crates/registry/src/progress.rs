//! Per-layer download bars on stderr, drawn only when stderr is a terminal.

use std::io::IsTerminal;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressFinish, ProgressStyle};

/// The set of bars for one command; inert when progress is off or stderr is not a terminal.
pub struct Progress {
    multi: Option<MultiProgress>,
}

impl Progress {
    pub fn new(wanted: bool) -> Progress {
        let multi = (wanted && std::io::stderr().is_terminal())
            .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        Progress { multi }
    }

    /// A bar for one blob; it clears itself when dropped.
    pub fn bar(&self, label: &str, total: Option<u64>) -> Option<ProgressBar> {
        let multi = self.multi.as_ref()?;
        let style = ProgressStyle::with_template(
            "{prefix:>14} [{bar:30}] {bytes:>10}/{total_bytes:<10} {bytes_per_sec:>12}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
        let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::hidden())
            .with_style(style)
            .with_prefix(label.to_string())
            .with_finish(ProgressFinish::AndClear);
        Some(multi.add(bar))
    }
}
