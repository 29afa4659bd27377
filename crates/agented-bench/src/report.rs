//! Percentiles and the one-screen summary of each measurement.

use crate::server::ServerLog;

/// The nearest-rank percentile `p` (0–100) of sorted values; 0 when empty.
pub fn pct<T: Copy + Default>(sorted: &[T], p: f64) -> T {
    if sorted.is_empty() {
        return T::default();
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The outcome of one measurement.
pub struct Report {
    /// The subcommand.
    pub name: &'static str,
    /// What was measured, at what size.
    pub title: String,
    /// The target, in words.
    pub target: String,
    /// Measured figures, one per line.
    pub rows: Vec<String>,
    /// Problems seen (lost lines, errors, …).
    pub problems: Vec<String>,
    /// The figure the target is about, for the final table.
    pub headline: String,
    /// Whether the target was met (and the run was correct).
    pub pass: bool,
    /// The server's warnings and errors during the measurement.
    pub server_log: ServerLog,
}

impl Report {
    /// A report whose fields are filled in by the measurement.
    pub fn new(name: &'static str, title: String, target: &str) -> Report {
        Report {
            name,
            title,
            target: target.to_owned(),
            rows: Vec::new(),
            problems: Vec::new(),
            headline: String::new(),
            pass: false,
            server_log: ServerLog::default(),
        }
    }

    /// Adds a figure line.
    pub fn row(&mut self, s: impl Into<String>) {
        self.rows.push(s.into());
    }

    /// Adds a problem.
    pub fn problem(&mut self, s: impl Into<String>) {
        self.problems.push(s.into());
    }

    /// PASS / MISS.
    pub fn verdict(&self) -> &'static str {
        if self.pass {
            "PASS"
        } else {
            "MISS"
        }
    }

    /// Prints the summary.
    pub fn print(&self) {
        println!();
        println!("== {}: {}", self.name, self.title);
        println!("   target    {}", self.target);
        for r in &self.rows {
            println!("   {r}");
        }
        for p in &self.problems {
            println!("   PROBLEM   {p}");
        }
        let log = &self.server_log;
        if log.warnings + log.errors > 0 {
            println!(
                "   server stderr: {} warning(s), {} error(s); e.g.:",
                log.warnings, log.errors
            );
            for s in &log.samples {
                println!("     | {s}");
            }
        } else {
            println!("   server stderr: no warnings or errors");
        }
        println!("   => {}  {}", self.verdict(), self.headline);
    }
}

/// Milliseconds with two decimals.
pub fn ms(ns: f64) -> String {
    format!("{:.2} ms", ns / 1e6)
}
