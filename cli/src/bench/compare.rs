//! `bench compare`: per-result ratios between two records of one adapter and the regressions,
//! or records of several adapters (APIs, machines) side by side.

use std::path::Path;

use super::record::BenchRecord;
use crate::chart::bar_chart;

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

/// A record's column heading: adapter and API.
fn platform(record: &BenchRecord) -> String {
    format!("{} ({})", record.adapter.name, record.adapter.backend)
}

/// Markdown table of every case's median time and % of that adapter's own measured copy peak,
/// one column pair per record (cases in the first record's order, then any others; "—" where
/// a record lacks the case).
pub fn platforms(records: &[BenchRecord]) -> String {
    let mut keys: Vec<String> = Vec::new();
    for record in records {
        for r in &record.results {
            if !keys.contains(&r.key()) {
                keys.push(r.key());
            }
        }
    }
    let mut out = String::from("| case |");
    for record in records {
        out.push_str(&format!(" {} median | % own copy peak |", platform(record)));
    }
    out.push_str("\n|---|");
    out.push_str(&"---|---|".repeat(records.len()));
    out.push('\n');
    for key in &keys {
        out.push_str(&format!("| {key} |"));
        for record in records {
            match record.results.iter().find(|r| r.key() == *key) {
                // A case that moves no counted bytes (or a ceiling itself) has no fraction of peak.
                Some(r) if r.rates.fraction_of_copy_peak > 0.0 => {
                    out.push_str(&format!(" {:.3} ms | {:.1}% |", r.stats.median * 1e3, 100.0 * r.rates.fraction_of_copy_peak))
                }
                Some(r) => out.push_str(&format!(" {:.3} ms | — |", r.stats.median * 1e3)),
                None => out.push_str(" — | — |"),
            }
        }
        out.push('\n');
    }
    for record in records {
        out.push_str(&format!(
            "\n{}: {}, copy peak {:.1} GB/s, FMA peak {:.1} GFLOP/s.",
            platform(record),
            if record.adapter.shader_path.is_empty() { "shader path not recorded" } else { &record.adapter.shader_path },
            record.copy_peak_gb_per_s,
            record.fma_peak_gflop_per_s
        ));
    }
    out
}

/// Bar chart of the memory-bound cases' % of own copy peak (the LIF kernel pair and fused
/// steps), one bar per case and adapter, so platforms compare by how close each gets to its
/// own ceiling.
pub fn platforms_chart(records: &[BenchRecord], path: &Path) -> Result<(), String> {
    let mut bars = Vec::new();
    for record in records {
        let api = &record.adapter.backend;
        for r in record.results.iter().filter(|r| r.family == "lif" && r.variant != "tensor_ops") {
            let steps = r.shape.first().copied().unwrap_or(0);
            bars.push((format!("{api}: lif {} {} T={steps}", r.variant, r.dtype), 100.0 * r.rates.fraction_of_copy_peak));
        }
    }
    bar_chart(path, "LIF as % of each adapter's own copy peak", "% of own copy peak", &bars)
}
