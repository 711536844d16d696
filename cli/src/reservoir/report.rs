//! Statistics over seeds and the Markdown report, whose verdicts are computed from the numbers.

use std::fmt::Write;

use serde::Serialize;

use super::{ExperimentReport, NodeKind, ReservoirExperiment};

/// Mean and standard deviation of one score over the seeds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Summary {
    /// Arithmetic mean.
    pub mean: f64,
    /// Sample standard deviation (n − 1 denominator).
    pub sd: f64,
}

/// Mean and sample standard deviation of `values`: sd is 0 for one value; both are NaN for
/// none.
pub fn mean_sd(values: &[f64]) -> Summary {
    if values.is_empty() {
        return Summary { mean: f64::NAN, sd: f64::NAN };
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let sd = if values.len() < 2 { 0.0 } else { (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt() };
    Summary { mean, sd }
}

/// How the deep layers' spectral centroids change from the bottom layer to the top.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CentroidTrend {
    /// Every layer's centroid is below the one beneath it.
    FallsAtEveryLayer,
    /// The top layer's is below the bottom layer's, but not at every step.
    FallsOverall,
    /// The top layer's is not below the bottom layer's.
    DoesNotFall,
    /// One layer: there is no depth to compare.
    OneLayer,
}

impl CentroidTrend {
    /// The trend of `centroids`, bottom layer first (a NaN never counts as a fall).
    pub fn of(centroids: &[f64]) -> CentroidTrend {
        match centroids {
            [] | [_] => CentroidTrend::OneLayer,
            [first, .., last] => {
                if centroids.windows(2).all(|w| w[1] < w[0]) {
                    CentroidTrend::FallsAtEveryLayer
                } else if last < first {
                    CentroidTrend::FallsOverall
                } else {
                    CentroidTrend::DoesNotFall
                }
            }
        }
    }
}

/// The settings in one line.
fn setting(exp: &ReservoirExperiment) -> String {
    let node = match exp.node {
        NodeKind::Tanh => format!("tanh, leak {}, ρ {}", exp.leak, exp.spectral_radius),
        NodeKind::Wox => "WOx".to_string(),
    };
    let split = exp.split();
    format!(
        "{}, {}×{} vs {}, {node}, input ±{}, inter-layer ±{:.3}, λ {:e}, {} seed(s), {}/{}/{} washout/train/test steps",
        exp.task.name(),
        exp.layers,
        exp.size,
        exp.layers * exp.size,
        exp.input_scaling,
        exp.inter_scaling,
        exp.lambda,
        exp.seeds,
        split.washout,
        split.train,
        split.test
    )
}

fn list(values: &[f64]) -> String {
    values.iter().map(|v| format!("{v:.4}")).collect::<Vec<_>>().join(", ")
}

/// The report as Markdown: the summary table, the per-seed table and two sentences saying
/// whether the deep reservoir beat the single one and whether the centroids fall with depth.
pub fn markdown(report: &ExperimentReport) -> String {
    let exp = &report.settings;
    let (deep, single) = (report.deep_nrmse, report.single_nrmse);
    let mut out = String::new();
    let _ = writeln!(out, "### Deep vs single reservoir: {}\n", exp.task.name());
    let _ = writeln!(out, "| setting | deep NRMSE (mean ± sd) | single NRMSE (mean ± sd) | deep layer centroids (cycles/step) | single centroid |");
    let _ = writeln!(out, "|---|---|---|---|---|");
    let _ = writeln!(
        out,
        "| {} | {:.4} ± {:.4} | {:.4} ± {:.4} | {} | {:.4} |\n",
        setting(exp),
        deep.mean,
        deep.sd,
        single.mean,
        single.sd,
        list(&report.layer_centroids),
        report.single_centroid
    );
    let _ = writeln!(out, "| seed | deep NRMSE | single NRMSE | deep layer centroids | single centroid |\n|---|---|---|---|---|");
    for s in &report.per_seed {
        let _ =
            writeln!(out, "| {} | {:.4} | {:.4} | {} | {:.4} |", s.seed, s.deep_nrmse, s.single_nrmse, list(&s.layer_centroids), s.single_centroid);
    }
    let _ = writeln!(out, "\n{}\n\n{}", nrmse_verdict(report), centroid_verdict(report));
    out
}

fn nrmse_verdict(report: &ExperimentReport) -> String {
    let exp = &report.settings;
    let (deep, single) = (report.deep_nrmse.mean, report.single_nrmse.mean);
    let seeds = report.per_seed.len();
    if exp.layers == 1 {
        return format!("With one layer the deep and the single reservoir are the same network (NRMSE {deep:.4} vs {single:.4}).");
    }
    let change = 100.0 * (deep - single) / single;
    let verb = if report.deep_beats_single { "beat" } else { "did not beat" };
    format!(
        "The deep reservoir ({}×{}) {verb} the single one ({} units) on mean test NRMSE: {deep:.4} vs {single:.4} ({change:+.1} %), lower on {} of {seeds} seed(s).",
        exp.layers,
        exp.size,
        exp.layers * exp.size,
        report.deep_wins
    )
}

fn centroid_verdict(report: &ExperimentReport) -> String {
    let centroids = list(&report.layer_centroids);
    match report.centroid_trend {
        CentroidTrend::FallsAtEveryLayer => {
            format!("The state spectra's centroids fall with depth at every layer ({centroids} cycles/step, bottom first).")
        }
        CentroidTrend::FallsOverall => {
            format!(
                "The state spectra's centroids fall from the first layer to the last, but not at every layer ({centroids} cycles/step, bottom first)."
            )
        }
        CentroidTrend::DoesNotFall => format!("The state spectra's centroids do not fall with depth ({centroids} cycles/step, bottom first)."),
        CentroidTrend::OneLayer => format!("One layer: no depth trend to measure (centroid {centroids} cycles/step)."),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{SeedResult, Split};
    use super::*;

    #[test]
    fn mean_and_sample_sd() {
        let s = mean_sd(&[1.0, 2.0, 3.0, 4.0]);
        assert!((s.mean - 2.5).abs() < 1e-15);
        assert!((s.sd - (5.0f64 / 3.0).sqrt()).abs() < 1e-15);
        assert_eq!(mean_sd(&[7.0]), Summary { mean: 7.0, sd: 0.0 });
        assert!(mean_sd(&[]).mean.is_nan());
    }

    #[test]
    fn centroid_trends() {
        assert_eq!(CentroidTrend::of(&[0.2, 0.1, 0.05]), CentroidTrend::FallsAtEveryLayer);
        assert_eq!(CentroidTrend::of(&[0.2, 0.21, 0.05]), CentroidTrend::FallsOverall);
        assert_eq!(CentroidTrend::of(&[0.1, 0.2]), CentroidTrend::DoesNotFall);
        assert_eq!(CentroidTrend::of(&[0.1, f64::NAN]), CentroidTrend::DoesNotFall);
        assert_eq!(CentroidTrend::of(&[0.1]), CentroidTrend::OneLayer);
    }

    fn report(deep: [f64; 2], single: [f64; 2], centroids: Vec<f64>) -> ExperimentReport {
        let settings = ReservoirExperiment { layers: centroids.len(), seeds: 2, ..ReservoirExperiment::default() };
        let per_seed: Vec<SeedResult> = (0..2)
            .map(|i| SeedResult {
                seed: i as u64,
                deep_nrmse: deep[i],
                single_nrmse: single[i],
                layer_centroids: centroids.clone(),
                single_centroid: 0.1,
            })
            .collect();
        let (deep, single) = (mean_sd(&deep), mean_sd(&single));
        ExperimentReport {
            split: Split::of(settings.steps),
            settings,
            deep_wins: per_seed.iter().filter(|s| s.deep_nrmse < s.single_nrmse).count(),
            per_seed,
            deep_nrmse: deep,
            single_nrmse: single,
            deep_beats_single: deep.mean < single.mean,
            centroid_trend: CentroidTrend::of(&centroids),
            layer_centroids: centroids,
            single_centroid: 0.1,
        }
    }

    #[test]
    fn markdown_states_the_computed_verdicts() {
        let text = markdown(&report([0.2, 0.3], [0.4, 0.5], vec![0.12, 0.08, 0.05, 0.03]));
        assert!(text.contains("| NARMA-10, 4×100 vs 400, tanh"), "{text}");
        assert!(text.contains("0.2500 ± 0.0707"), "{text}");
        assert!(text.contains(") beat the single one") && text.contains("lower on 2 of 2 seed(s)"), "{text}");
        assert!(text.contains("fall with depth at every layer"), "{text}");
        assert_eq!(text.lines().filter(|l| l.starts_with("| ") && !l.starts_with("| setting") && !l.starts_with("| seed")).count(), 3);

        let text = markdown(&report([0.5, 0.5], [0.4, 0.4], vec![0.05, 0.08]));
        assert!(text.contains("did not beat") && text.contains("lower on 0 of 2"), "{text}");
        assert!(text.contains("do not fall with depth"), "{text}");
    }
}
