//! The build's progress bar: formulas rendered, then pages written. Shown only on a terminal
//! and only once a build has run for [`SHOW_AFTER`], so a quick rebuild prints nothing but its
//! summary line, and a log (stderr piped or redirected, as in CI) never gets `\r` or escape
//! codes.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A build done sooner than this needs no bar.
pub const SHOW_AFTER: Duration = Duration::from_secs(1);

pub struct Progress {
    /// `None` when the bar must never show (not a terminal, or not asked for).
    bar: Option<ProgressBar>,
    start: Instant,
    shown: OnceLock<()>,
}

impl Progress {
    /// A bar that shows on stderr when `wanted` and stderr is a terminal.
    pub fn new(wanted: bool) -> Self {
        use std::io::IsTerminal as _;
        let on = wanted && std::io::stderr().is_terminal();
        let bar = on.then(|| {
            let style = ProgressStyle::with_template("{msg:>18} [{bar:30}] {pos}/{len}")
                .map(|s| s.progress_chars("=> "))
                .unwrap_or_else(|_| ProgressStyle::default_bar());
            ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden()).with_style(style)
        });
        Progress {
            bar,
            start: Instant::now(),
            shown: OnceLock::new(),
        }
    }

    /// A bar that never shows (the preview, tests, library callers).
    pub fn hidden() -> Self {
        Self::new(false)
    }

    /// Starts counting `total` items of a new stage.
    pub fn stage(&self, what: &'static str, total: usize) {
        if let Some(bar) = &self.bar {
            bar.set_message(what);
            bar.set_length(total as u64);
            bar.set_position(0);
            self.show_if_slow(bar);
        }
    }

    /// `n` more items of the current stage done. Called from any build thread.
    pub fn inc(&self, n: usize) {
        if let Some(bar) = &self.bar {
            bar.inc(n as u64);
            self.show_if_slow(bar);
        }
    }

    /// Clears the bar, so the summary line is printed on a clean line.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }

    fn show_if_slow(&self, bar: &ProgressBar) {
        if self.shown.get().is_none() && self.start.elapsed() >= SHOW_AFTER {
            self.shown.get_or_init(|| {
                bar.set_draw_target(ProgressDrawTarget::stderr());
            });
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Under `cargo test` stderr is captured, not a terminal: no bar even when asked for.
    #[test]
    fn no_bar_without_a_terminal() {
        use std::io::IsTerminal as _;
        if std::io::stderr().is_terminal() {
            return;
        }
        let p = Progress::new(true);
        assert!(p.bar.is_none());
        p.stage("formulas", 3);
        p.inc(3);
    }
}
