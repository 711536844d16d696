//! The experiment's charts: test predictions against the target, and the per-layer state
//! spectra.

use std::path::Path;

use super::ExperimentReport;
use crate::chart::{Series, line_chart};

/// Test steps shown in the prediction chart: enough for NARMA's ten-step structure and a few
/// Mackey-Glass cycles (period ≈ 50), few enough to tell the lines apart.
const SHOWN_STEPS: usize = 200;

/// Power below this share of the total is drawn at it: a log of (near) zero would stretch the
/// axis over decades that carry nothing.
const POWER_FLOOR: f64 = 1e-12;

/// One seed's test-part target and predictions, for the prediction chart.
pub(super) struct Shown {
    /// The seed they come from.
    pub(super) seed: u64,
    /// Target over the test part.
    pub(super) target: Vec<f64>,
    /// The deep reservoir's readout over the test part.
    pub(super) deep: Vec<f64>,
    /// The single reservoir's readout over the test part.
    pub(super) single: Vec<f64>,
}

/// `prediction.png`: target, deep and single prediction over the first test steps.
pub(super) fn prediction(path: &Path, report: &ExperimentReport, shown: &Shown) -> Result<(), String> {
    let exp = &report.settings;
    let line =
        |name: String, values: &[f64]| Series { name, points: values.iter().take(SHOWN_STEPS).enumerate().map(|(t, v)| (t as f64, *v)).collect() };
    let series = [
        line("target".into(), &shown.target),
        line(format!("deep {}×{}", exp.layers, exp.size), &shown.deep),
        line(format!("single {}", exp.layers * exp.size), &shown.single),
    ];
    let steps = shown.target.len().min(SHOWN_STEPS);
    let title = format!("{}: first {steps} test steps (seed {})", exp.task.name(), shown.seed);
    line_chart(path, &title, "test step", "output", &series, false)
}

/// `spectra.png`: log10 of each deep layer's and the single reservoir's normalised state power
/// (mean over units and seeds) against frequency, on a log frequency axis where the slow
/// components the later layers should gain are spread out. The zero-frequency bin is left out
/// (the mean was removed).
pub(super) fn spectra(path: &Path, report: &ExperimentReport, deep: &[Vec<f64>], single: &[f64]) -> Result<(), String> {
    let exp = &report.settings;
    let test = report.split.test as f64;
    let curve = |name: String, power: &[f64]| Series {
        name,
        points: power.iter().enumerate().skip(1).map(|(k, p)| (k as f64 / test, p.max(POWER_FLOOR).log10())).collect(),
    };
    let mut series: Vec<Series> = deep.iter().enumerate().map(|(l, power)| curve(format!("layer {}", l + 1), power)).collect();
    series.push(curve(format!("single {}", exp.layers * exp.size), single));
    let title = format!("{}: state spectra over the test part", exp.task.name());
    line_chart(path, &title, "frequency (cycles per step)", "log10 share of power", &series, true)
}
