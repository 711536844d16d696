//! Deep vs single reservoir (Moon & Lu 2021's claims, DeepESN formulation): for each seed, a
//! stack of `layers` reservoirs of `size` units and one reservoir of `layers × size` units run
//! on the same task series; a ridge readout on all layers' states is fitted on the training
//! part and scored by NRMSE on the test part, and the deep stack's per-layer state spectra
//! show which time scales each layer holds. Writes `reservoir.json`, `reservoir.md`,
//! `prediction.png` and `spectra.png`.

mod plots;
mod report;
mod settings;

pub use report::{CentroidTrend, Summary, markdown, mean_sd};
pub use settings::{MIN_STEPS, NodeKind, ReservoirExperiment, Split, Task, default_inter_scaling};

use std::ops::Range;
use std::path::Path;

use burn::tensor::Device;
use burn_neuro::NeuroError;
use burn_neuro::reservoir::esn::{DeepEsn, DeepEsnConfig};
use burn_neuro::reservoir::readout::Ridge;
use burn_neuro::reservoir::spectrum::{power_spectrum, spectral_centroid};
use burn_neuro::reservoir::tasks::nrmse;
use serde::Serialize;

/// One seed's scores.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeedResult {
    /// The seed of the series and of the weights.
    pub seed: u64,
    /// Test NRMSE of the deep reservoir.
    pub deep_nrmse: f64,
    /// Test NRMSE of the single reservoir.
    pub single_nrmse: f64,
    /// Spectral centroid (cycles per step) of each deep layer's test-part states, bottom first.
    pub layer_centroids: Vec<f64>,
    /// Spectral centroid of the single reservoir's test-part states.
    pub single_centroid: f64,
}

/// Everything [`run_experiment`] measured, as written to `reservoir.json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExperimentReport {
    /// The settings, task included.
    pub settings: ReservoirExperiment,
    /// How the steps were split.
    pub split: Split,
    /// Each seed's scores.
    pub per_seed: Vec<SeedResult>,
    /// Deep NRMSE over seeds.
    pub deep_nrmse: Summary,
    /// Single NRMSE over seeds.
    pub single_nrmse: Summary,
    /// Each deep layer's spectral centroid, mean over seeds.
    pub layer_centroids: Vec<f64>,
    /// The single reservoir's spectral centroid, mean over seeds.
    pub single_centroid: f64,
    /// Seeds on which the deep reservoir's NRMSE was the lower.
    pub deep_wins: usize,
    /// Whether the deep reservoir's mean NRMSE is the lower.
    pub deep_beats_single: bool,
    /// How the layer centroids change with depth.
    pub centroid_trend: CentroidTrend,
}

/// One reservoir's run: test predictions, score and per-layer test-part spectra.
struct Run {
    prediction: Vec<f64>,
    nrmse: f64,
    spectra: Vec<Vec<f64>>,
}

/// Runs the comparison for every seed on `device` and writes the report into `out_dir`.
/// `progress` is called once after each of the `seeds × 2` reservoir runs with a short note.
pub fn run_experiment(
    exp: &ReservoirExperiment,
    device: &Device,
    out_dir: &Path,
    progress: &mut dyn FnMut(&str),
) -> Result<ExperimentReport, String> {
    exp.check()?;
    let split = exp.split();
    let bins = split.test / 2 + 1;
    let units = exp.layers * exp.size;
    let (mut deep_spectra, mut single_spectrum) = (vec![vec![0.0; bins]; exp.layers], vec![0.0; bins]);
    let mut per_seed = Vec::with_capacity(exp.seeds);
    let mut shown = None;
    for index in 0..exp.seeds {
        let seed = index as u64;
        let (input, target) = exp.task.series(exp.steps, seed);
        let input: Vec<f32> = input.iter().map(|v| *v as f32).collect();
        let deep = run_model(&exp.esn_config(vec![exp.size; exp.layers], seed), &input, &target, split, exp.lambda, device)
            .map_err(|e| format!("deep reservoir ({}×{}), seed {seed}: {e}", exp.layers, exp.size))?;
        progress(&format!("seed {seed}: deep NRMSE {:.4}", deep.nrmse));
        let single = run_model(&exp.esn_config(vec![units], seed), &input, &target, split, exp.lambda, device)
            .map_err(|e| format!("single reservoir ({units} units = --layers × --size), seed {seed}: {e}"))?;
        progress(&format!("seed {seed}: single NRMSE {:.4}", single.nrmse));
        for (sum, spectrum) in deep_spectra.iter_mut().chain([&mut single_spectrum]).zip(deep.spectra.iter().chain(&single.spectra)) {
            sum.iter_mut().zip(spectrum).for_each(|(s, p)| *s += p / exp.seeds as f64);
        }
        per_seed.push(SeedResult {
            seed,
            deep_nrmse: deep.nrmse,
            single_nrmse: single.nrmse,
            layer_centroids: deep.spectra.iter().map(|s| spectral_centroid(s)).collect(),
            single_centroid: single.spectra.first().map_or(f64::NAN, |s| spectral_centroid(s)),
        });
        if shown.is_none() {
            shown = Some(plots::Shown { seed, target: target[split.test_rows()].to_vec(), deep: deep.prediction, single: single.prediction });
        }
    }
    let report = summarise(exp, per_seed);
    std::fs::create_dir_all(out_dir).map_err(|e| format!("--out {}: {e}", out_dir.display()))?;
    let json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
    write(&out_dir.join("reservoir.json"), &json)?;
    write(&out_dir.join("reservoir.md"), &markdown(&report))?;
    if let Some(shown) = &shown {
        plots::prediction(&out_dir.join("prediction.png"), &report, shown)?;
    }
    plots::spectra(&out_dir.join("spectra.png"), &report, &deep_spectra, &single_spectrum)?;
    Ok(report)
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Builds one reservoir, runs it over the whole series, fits the readout on the training rows
/// of all layers' states and scores it on the test rows.
fn run_model(config: &DeepEsnConfig, input: &[f32], target: &[f64], split: Split, lambda: f64, device: &Device) -> Result<Run, String> {
    let steps = input.len();
    let esn = DeepEsn::new(config, 1, device).map_err(|e| e.to_string())?;
    let layers = esn.run(input, steps).map_err(|e| e.to_string())?;
    let sizes = &config.sizes;
    if layers.len() != sizes.len() || layers.iter().zip(sizes).any(|(states, n)| states.len() != steps * n) {
        return Err(format!("the reservoir returned states of {} layers that do not match {sizes:?} units × {steps} steps", layers.len()));
    }
    let features: usize = sizes.iter().sum();
    let train = concatenated(&layers, sizes, split.train_rows());
    let ridge = Ridge::fit(&train, split.train, features, &target[split.train_rows()], lambda).map_err(|e| match e {
        NeuroError::Range { argument: "lambda", .. } => format!("--ridge: {e}"),
        other => format!("readout: {other}"),
    })?;
    let prediction = ridge.predict(&concatenated(&layers, sizes, split.test_rows()), split.test);
    let nrmse = nrmse(&prediction, &target[split.test_rows()]);
    let start = split.test_rows().start;
    let spectra = layers.iter().zip(sizes).map(|(states, &n)| power_spectrum(&states[start * n..(start + split.test) * n], split.test, n)).collect();
    Ok(Run { prediction, nrmse, spectra })
}

/// Rows `rows` of every layer's states side by side, row-major `[rows, Σ sizes]`, in f64.
fn concatenated(layers: &[Vec<f32>], sizes: &[usize], rows: Range<usize>) -> Vec<f64> {
    let mut out = Vec::with_capacity(rows.len() * sizes.iter().sum::<usize>());
    for t in rows {
        for (states, &n) in layers.iter().zip(sizes) {
            out.extend(states[t * n..(t + 1) * n].iter().map(|v| f64::from(*v)));
        }
    }
    out
}

/// Means, standard deviations and verdicts over the seeds.
fn summarise(exp: &ReservoirExperiment, per_seed: Vec<SeedResult>) -> ExperimentReport {
    let deep_nrmse = column(&per_seed, |s| s.deep_nrmse);
    let single_nrmse = column(&per_seed, |s| s.single_nrmse);
    let layer_centroids: Vec<f64> =
        (0..exp.layers).map(|l| column(&per_seed, |s| s.layer_centroids.get(l).copied().unwrap_or(f64::NAN)).mean).collect();
    let single_centroid = column(&per_seed, |s| s.single_centroid).mean;
    let deep_wins = per_seed.iter().filter(|s| s.deep_nrmse < s.single_nrmse).count();
    ExperimentReport {
        settings: exp.clone(),
        split: exp.split(),
        deep_beats_single: deep_nrmse.mean < single_nrmse.mean,
        centroid_trend: CentroidTrend::of(&layer_centroids),
        per_seed,
        deep_nrmse,
        single_nrmse,
        layer_centroids,
        single_centroid,
        deep_wins,
    }
}

/// Mean and standard deviation of one score over the seeds.
fn column(per_seed: &[SeedResult], pick: impl Fn(&SeedResult) -> f64) -> Summary {
    mean_sd(&per_seed.iter().map(pick).collect::<Vec<_>>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_of_all_layers_sit_side_by_side() {
        // Two layers of 2 and 1 units over 3 steps.
        let layers = vec![vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0], vec![10.0, 20.0, 30.0]];
        assert_eq!(concatenated(&layers, &[2, 1], 1..3), [3.0, 4.0, 20.0, 5.0, 6.0, 30.0]);
    }
}
