//! Human-readable output of a benchmark record: a Markdown table and PNG charts.

use std::fmt::Write;
use std::path::Path;

use super::record::BenchRecord;
use crate::chart::{Series, bar_chart, line_chart};

/// Markdown table of every result, then the side-by-side ratios.
pub fn markdown(record: &BenchRecord) -> String {
    let mut out = String::new();
    let a = &record.adapter;
    let _ = writeln!(out, "### {} ({}, {}, driver {} {})\n", a.name, a.backend, a.device_type, a.driver, a.driver_info);
    let feature = |on: bool| if on { "yes" } else { "no" };
    let _ = writeln!(
        out,
        "Shader path: {}; f16: {}; subgroups: {}; device timestamps: {}.\n",
        if a.shader_path.is_empty() { "not recorded" } else { &a.shader_path },
        feature(a.shader_f16),
        feature(a.subgroups),
        feature(a.timestamps)
    );
    let _ = writeln!(
        out,
        "Peaks measured here: copy {:.1} GB/s, FMA {:.1} GFLOP/s. Times are {}.\n",
        record.copy_peak_gb_per_s,
        record.fma_peak_gflop_per_s,
        timing_note(record)
    );
    // Events: synaptic events for propagation, pulses for the pulsed update.
    let _ = writeln!(
        out,
        "| kernel | variant | pass | shape | dtype | params | median | p10 | p90 | GB/s | GFLOP/s | M events/s | % copy peak | % FMA peak |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for r in &record.results {
        let params: Vec<String> = r.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:?} | {} | {} | {} | {} | {} | {:.2} | {:.2} | {} | {:.1}% | {:.1}% |",
            r.family,
            r.variant,
            r.pass,
            r.shape,
            r.dtype,
            params.join(" "),
            ms(r.stats.median),
            ms(r.stats.p10),
            ms(r.stats.p90),
            r.rates.gb_per_s,
            r.rates.gflop_per_s,
            if r.work.events > 0.0 { format!("{:.2}", r.rates.events_per_s / 1e6) } else { "—".into() },
            100.0 * r.rates.fraction_of_copy_peak,
            100.0 * r.rates.fraction_of_fma_peak,
        );
    }
    let held: Vec<_> = record.results.iter().filter_map(|r| r.held_for_backward_bytes.map(|b| (r, b))).collect();
    if !held.is_empty() {
        let _ = writeln!(out, "\n| memory held for backward | variant | shape | MiB |\n|---|---|---|---|");
        for (r, bytes) in held {
            let _ = writeln!(out, "| {} | {} | {:?} | {:.2} |", r.family, r.variant, r.shape, bytes as f64 / (1024.0 * 1024.0));
        }
    }
    let _ = writeln!(out, "\n| comparison (same run) | speedup |\n|---|---|");
    for c in &record.comparisons {
        let _ = writeln!(out, "| {} | {:.2}× |", c.name, c.speedup);
    }
    match record.break_even_density {
        Some(d) => {
            let _ = writeln!(out, "\nSparse propagation break-even density: {:.2}% (forward).", 100.0 * d);
        }
        None => {
            let _ = writeln!(out, "\nSparse propagation break-even density: not crossed in the sweep.");
        }
    }
    out
}

fn timing_note(record: &BenchRecord) -> &'static str {
    let device = record.results.iter().all(|r| r.samples.timing == super::measure::Timing::Device);
    if device { "device time (timestamp queries)" } else { "wall time with a full sync (no timestamps for some cases)" }
}

fn ms(seconds: f64) -> String {
    format!("{:.3} ms", seconds * 1e3)
}

/// Writes `<stem>-peak.png` (% of copy peak per bandwidth-bound kernel) and `<stem>-density.png`
/// (sparse-over-dense speedup across the density sweep) into `dir`; returns their paths.
pub fn charts(record: &BenchRecord, dir: &Path, stem: &str) -> Result<Vec<std::path::PathBuf>, String> {
    let peak_path = dir.join(format!("{stem}-peak.png"));
    let bars: Vec<(String, f64)> = record
        .results
        .iter()
        .filter(|r| r.family == "lif" || r.family == "reservoir_node")
        .map(|r| {
            let params: Vec<String> = r.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
            // The pass only where a family measures more than whole training steps.
            let pass = if r.pass == "forward+backward" { String::new() } else { format!(" {}", r.pass) };
            (format!("{} {}{} {} {}", r.family, r.variant, pass, r.dtype, params.join(" ")), 100.0 * r.rates.fraction_of_copy_peak)
        })
        .collect();
    bar_chart(&peak_path, &format!("% of measured copy bandwidth - {}", record.adapter.name), "% of copy peak", &bars)?;

    let density_path = dir.join(format!("{stem}-density.png"));
    let points: Vec<(f64, f64)> = record
        .comparisons
        .iter()
        .filter_map(|c| {
            let pct = c.name.strip_prefix("spike_propagate sparse vs dense, density ")?.strip_suffix('%')?;
            Some((pct.parse::<f64>().ok()?, c.speedup))
        })
        .collect();
    let even = vec![(points.first().map_or(0.1, |p| p.0), 1.0), (points.last().map_or(100.0, |p| p.0), 1.0)];
    line_chart(
        &density_path,
        &format!("Sparse vs dense spike propagation - {}", record.adapter.name),
        "active inputs (%)",
        "dense time / sparse time",
        &[Series { name: "sparse speedup".into(), points }, Series { name: "break-even (1x)".into(), points: even }],
        true,
    )?;
    Ok(vec![peak_path, density_path])
}
