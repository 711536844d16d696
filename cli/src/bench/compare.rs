//! `bench compare OLD NEW`: per-result ratios between two records and the regressions.

use super::record::BenchRecord;

/// One matched result.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub key: String,
    pub old_median: f64,
    pub new_median: f64,
    /// New time over old time: > 1 is slower.
    pub ratio: f64,
    pub regression: bool,
}

/// Matches results by key; a result is a regression when it got slower by more than
/// `threshold` (e.g. 1.10 for 10%) *and* beyond the old run's p90 spread.
pub fn compare(old: &BenchRecord, new: &BenchRecord, threshold: f64) -> (Vec<Change>, Vec<String>) {
    let mut changes = Vec::new();
    let mut unmatched = Vec::new();
    for n in &new.results {
        match old.results.iter().find(|o| o.key() == n.key()) {
            Some(o) => {
                let ratio = n.stats.median / o.stats.median;
                let noise = o.stats.p90 / o.stats.median;
                changes.push(Change {
                    key: n.key(),
                    old_median: o.stats.median,
                    new_median: n.stats.median,
                    ratio,
                    regression: ratio > threshold && ratio > noise,
                });
            }
            None => unmatched.push(n.key()),
        }
    }
    (changes, unmatched)
}

/// Markdown table of the changes.
pub fn table(changes: &[Change]) -> String {
    let mut out = String::from("| result | old median | new median | new/old | |\n|---|---|---|---|---|\n");
    for c in changes {
        out.push_str(&format!(
            "| {} | {:.3} ms | {:.3} ms | {:.2}× | {} |\n",
            c.key,
            c.old_median * 1e3,
            c.new_median * 1e3,
            c.ratio,
            if c.regression { "REGRESSION" } else { "" }
        ));
    }
    out
}
