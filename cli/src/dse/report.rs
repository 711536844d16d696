//! The exploration's Markdown report; its verdicts are computed from the numbers.

use std::fmt::Write;

use burn_neuro::analog::mapping::Mapping;

use super::{Architecture, DseReport, energy, grid};

/// The accuracy of `architecture` (depthwise layers read as `depthwise`) at one point.
fn accuracy_at(report: &DseReport, architecture: Architecture, depthwise: Option<Mapping>, tile: [usize; 2], value: f32) -> Option<f64> {
    report.accuracy.iter().find(|p| p.architecture == architecture && p.depthwise == depthwise && p.tile == tile && p.value == value).map(|p| p.mean)
}

/// The report as Markdown.
pub fn markdown(report: &DseReport) -> String {
    let mut md = String::new();
    let axis = report.axis.label();
    let _ = writeln!(md, "# Dense vs sparse mapping on tiled crossbars\n");
    let _ = writeln!(md, "{} training / {} test images; swept: {axis}; {:.1} s.\n", report.images[0], report.images[1], report.seconds);
    for ((architecture, digital), (_, parameters)) in report.digital.iter().zip(&report.parameters) {
        let _ = writeln!(md, "- {}: {parameters} parameters, digital test accuracy {digital:.2}%", architecture.name());
    }
    let _ = writeln!(md, "\n## Accuracy on crossbars (mean ± sd over device seeds)\n");
    let _ = writeln!(md, "| network | tile | {axis} | accuracy (%) | energy / inference (pJ) |");
    let _ = writeln!(md, "|---|---|---|---|---|");
    for p in &report.accuracy {
        let _ = writeln!(
            md,
            "| {} | {}×{} | {} | {:.2} ± {:.2} | {:.0} |",
            p.series(),
            p.tile[0],
            p.tile[1],
            p.value,
            p.mean,
            p.sd,
            energy(report, p.architecture, p.tile)
        );
    }
    let _ = writeln!(md, "\n## What the sweep shows\n");
    let (tiles, values) = grid(report);
    if let (Some(&first), Some(&last)) = (values.first(), values.last()) {
        for &tile in &tiles {
            let drop = |a: Architecture, d: Option<Mapping>| Some(accuracy_at(report, a, d, tile, first)? - accuracy_at(report, a, d, tile, last)?);
            let separable = Some(Mapping::BlockDiagonal);
            if let (Some(dense), Some(sparse)) = (drop(Architecture::Dense, None), drop(Architecture::Separable, separable)) {
                let verdict = if sparse > dense { "loses more" } else { "does not lose more" };
                let _ = writeln!(
                    md,
                    "- {}×{} tiles, {axis} {first} → {last}: the depthwise-separable network {verdict} ({sparse:.2} points) than the dense one ({dense:.2}).",
                    tile[0], tile[1]
                );
            }
            if let (Some(diagonal), Some(multiplexed)) = (
                accuracy_at(report, Architecture::Separable, separable, tile, last),
                accuracy_at(report, Architecture::Separable, Some(Mapping::TimeMultiplexed), tile, last),
            ) {
                let _ = writeln!(
                    md,
                    "  Its depthwise layers read time-multiplexed (no empty cells on the read path) instead of block-diagonal at {axis} {last}: {multiplexed:.2}% vs {diagonal:.2}%."
                );
            }
        }
    }
    let depthwise = |tile: [usize; 2]| {
        report.mapping.iter().filter(|r| r.stats.tile == tile && r.stats.mapping == Mapping::BlockDiagonal).fold(
            (0usize, 0usize, 0usize),
            |(conversions, weights, cells), r| {
                (conversions + r.stats.adc_conversions, weights + r.stats.weights, cells + r.stats.tiles * tile[0] * tile[1])
            },
        )
    };
    let by_area = {
        let mut t = tiles.clone();
        t.sort_by_key(|t| t[0] * t[1]);
        t
    };
    if let (Some(&small), Some(&large)) = (by_area.first(), by_area.last()) {
        let ((c0, w0, a0), (c1, w1, a1)) = (depthwise(small), depthwise(large));
        if a0 > 0 && a1 > 0 && small != large {
            let (u0, u1) = (w0 as f64 / a0 as f64, w1 as f64 / a1 as f64);
            let _ = writeln!(
                md,
                "- Block-diagonal (depthwise) layers from {}×{} to {}×{} tiles: ADC conversions per inference {c0} → {c1} ({}), utilisation {:.2}% → {:.2}% ({}).",
                small[0],
                small[1],
                large[0],
                large[1],
                if c1 < c0 { "fewer partial sums" } else { "not fewer" },
                100.0 * u0,
                100.0 * u1,
                if u1 < u0 { "more cells wasted" } else { "not more waste" }
            );
        }
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
            "| {} | {} | {:?} | {}×{} | {}×{} | {} | {:.1}% | {} | {} | {:.1} | {:.1} |",
            row.architecture.name(),
            s.layer,
            s.mapping,
            s.tile[0],
            s.tile[1],
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
    md
}
