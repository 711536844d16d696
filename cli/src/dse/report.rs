//! The exploration's Markdown report; its verdicts are computed from the numbers.

use std::fmt::Write;

use super::{Architecture, DseReport};

fn accuracy_at(report: &DseReport, architecture: Architecture, tile: usize, noise: f32) -> Option<f64> {
    report.accuracy.iter().find(|p| p.architecture == architecture && p.tile == tile && p.noise == noise).map(|p| p.mean)
}

/// The report as Markdown.
pub fn markdown(report: &DseReport) -> String {
    let mut md = String::new();
    let _ = writeln!(md, "# Dense vs sparse mapping on tiled crossbars\n");
    let _ = writeln!(md, "{} training / {} test images; {:.1} s.\n", report.images[0], report.images[1], report.seconds);
    for ((architecture, digital), (_, parameters)) in report.digital.iter().zip(&report.parameters) {
        let _ = writeln!(md, "- {}: {parameters} parameters, digital test accuracy {digital:.2}%", architecture.name());
    }
    let _ = writeln!(md, "\n## Mapping\n");
    let _ = writeln!(
        md,
        "| network | layer | mapping | tile | matrix | tiles | utilisation | reads | ADC conversions | array energy (pJ) | ADC energy (pJ) |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|---|---|---|---|---|");
    for row in &report.mapping {
        let s = &row.stats;
        let _ = writeln!(
            md,
            "| {} | {} | {:?} | {} | {}×{} | {} | {:.1}% | {} | {} | {:.1} | {:.1} |",
            row.architecture.name(),
            s.layer,
            s.mapping,
            s.tile[0],
            s.matrix[0],
            s.matrix[1],
            s.tiles,
            100.0 * s.utilisation,
            s.reads,
            s.adc_conversions,
            s.array_energy_pj,
            s.adc_energy_pj
        );
    }
    let _ = writeln!(md, "\n## Accuracy on crossbars (mean ± sd over device seeds)\n");
    let _ = writeln!(md, "| network | tile | programming σ (µS) | accuracy (%) |");
    let _ = writeln!(md, "|---|---|---|---|");
    for p in &report.accuracy {
        let _ = writeln!(md, "| {} | {} | {} | {:.2} ± {:.2} |", p.architecture.name(), p.tile, p.noise, p.mean, p.sd);
    }
    let _ = writeln!(md, "\n## What the sweep shows\n");
    let tiles: Vec<usize> = {
        let mut t: Vec<usize> = report.accuracy.iter().map(|p| p.tile).collect();
        t.sort_unstable();
        t.dedup();
        t
    };
    let noises: Vec<f32> = {
        let mut n: Vec<f32> = report.accuracy.iter().map(|p| p.noise).collect();
        n.sort_by(f32::total_cmp);
        n.dedup();
        n
    };
    if let (Some(&first_tile), Some(&low), Some(&high)) = (tiles.first(), noises.first(), noises.last()) {
        for &tile in &tiles {
            let drop = |a: Architecture| Some(accuracy_at(report, a, tile, low)? - accuracy_at(report, a, tile, high)?);
            if let (Some(dense), Some(sparse)) = (drop(Architecture::Dense), drop(Architecture::Separable)) {
                let verdict = if sparse > dense { "loses more" } else { "does not lose more" };
                let _ = writeln!(
                    md,
                    "- {tile}×{tile} tiles, σ {low} → {high} µS: the depthwise-separable network {verdict} ({sparse:.2} points) than the dense one ({dense:.2})."
                );
            }
        }
        let depthwise = |tile: usize| {
            report
                .mapping
                .iter()
                .filter(|r| r.stats.tile[0] == tile && r.stats.mapping == burn_neuro::analog::mapping::Mapping::BlockDiagonal)
                .fold((0usize, 0usize, 0usize), |(conv, weights, cells), r| {
                    (conv + r.stats.adc_conversions, weights + r.stats.weights, cells + r.stats.tiles * tile * tile)
                })
        };
        if let Some(&last_tile) = tiles.last() {
            let ((c0, w0, a0), (c1, w1, a1)) = (depthwise(first_tile), depthwise(last_tile));
            if a0 > 0 && a1 > 0 {
                let _ = writeln!(
                    md,
                    "- Block-diagonal (depthwise) layers from {first_tile}×{first_tile} to {last_tile}×{last_tile} tiles: ADC conversions per inference {c0} → {c1} ({}), utilisation {:.2}% → {:.2}% ({}).",
                    if c1 < c0 { "fewer partial sums" } else { "not fewer" },
                    100.0 * w0 as f64 / a0 as f64,
                    100.0 * w1 as f64 / a1 as f64,
                    if w1 as f64 / (a1 as f64) < w0 as f64 / (a0 as f64) { "more cells wasted" } else { "not more waste" }
                );
            }
        }
    }
    md
}
