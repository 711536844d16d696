//! The power side-channel study: a victim convolution on a simulated crossbar, the adversary's
//! power traces across noise levels and countermeasures, and how well the raw leak and a learned
//! reconstruction recover held-out inputs (SSIM, PSNR), with a Markdown table, JSON and an
//! image grid.

mod report;

use std::path::Path;

use burn::module::Param;
use burn::nn::conv::Conv2dConfig;
use burn::tensor::{DType, Device, Tensor, TensorData};
use burn_neuro::analog::sidechannel::{
    Countermeasure, PowerEncoding, PowerProbe, ProbeSettings, TrainSettings, metrics, raw_leak, train_reconstructor,
};
use burn_neuro::analog::{AnalogConv2d, CrossbarConfig};
use burn_neuro::data::Dataset;
use serde::Serialize;

pub use report::markdown;

/// What to run.
#[derive(Debug, Clone)]
pub struct Study {
    /// Images the attacker's generator learns from.
    pub train: Dataset,
    /// Held-out images the attack is scored on.
    pub test: Dataset,
    /// The name of the data set, for the report.
    pub data_name: String,
    /// Drive encoding.
    pub encoding: PowerEncoding,
    /// Measurement noise levels ρ.
    pub noises: Vec<f32>,
    /// Defences compared (`None` first is the reference).
    pub countermeasures: Vec<Countermeasure>,
    /// The victim's first convolution: output channels, kernel size and stride.
    pub victim: [usize; 3],
    /// Its crossbar.
    pub crossbar: CrossbarConfig,
    /// The generator's training.
    pub training: TrainSettings,
    /// Seed of the victim's weights and of the measurement.
    pub seed: u64,
}

/// One (ρ, countermeasure) point, scored on the held-out images.
#[derive(Debug, Clone, Serialize)]
pub struct Point {
    /// ρ.
    pub noise: f32,
    /// The defence.
    pub countermeasure: String,
    /// Mean SSIM of the raw leak.
    pub raw_ssim: f64,
    /// Mean PSNR (dB) of the raw leak.
    pub raw_psnr: f64,
    /// Mean SSIM of the learned reconstruction.
    pub learned_ssim: f64,
    /// Mean PSNR (dB) of the learned reconstruction.
    pub learned_psnr: f64,
}

/// Everything the study measured.
#[derive(Debug, Clone, Serialize)]
pub struct StudyReport {
    /// Data set.
    pub data: String,
    /// Training and test images.
    pub images: [usize; 2],
    /// `amplitude` or `pulse-width`.
    pub encoding: String,
    /// Victim: output channels, kernel, stride.
    pub victim: [usize; 3],
    /// With uniform conductances and no noise: Pearson correlation of the trace with the
    /// box-filtered input (squared for amplitude encoding) over the test images.
    pub uniform_correlation: f64,
    /// Every point.
    pub points: Vec<Point>,
    /// Seconds the study took.
    pub seconds: f64,
}

fn images(data: &Dataset, device: &Device) -> Tensor<4> {
    Tensor::from_data(TensorData::new(data.images.clone(), [data.len(), 1, data.rows, data.cols]), (device, DType::F32))
}

fn host(t: Tensor<4>) -> Vec<f32> {
    t.into_data().iter::<f32>().collect()
}

/// The victim: a random (He-initialised, seeded) first convolution on `crossbar`.
fn victim(study: &Study, device: &Device, uniform: bool) -> burn_neuro::Result<AnalogConv2d> {
    let [channels, kernel, stride] = study.victim;
    let mut conv = Conv2dConfig::new([1, channels], [kernel, kernel]).with_stride([stride, stride]).init(device);
    let count = channels * kernel * kernel;
    let values: Vec<f32> = if uniform {
        vec![0.2; count]
    } else {
        let scale = (2.0 / (kernel * kernel) as f64).sqrt();
        let mut rng = burn_neuro::rng::SplitMix64(study.seed ^ 0x71C7);
        (0..count).map(|_| (rng.range(-1.0, 1.0) * scale * 3f64.sqrt()) as f32).collect()
    };
    conv.weight = Param::from_tensor(Tensor::from_data(TensorData::new(values, [channels, 1, kernel, kernel]), (device, DType::F32)));
    let crossbar = if uniform { CrossbarConfig::ideal().with_seed(study.seed) } else { study.crossbar.clone().with_seed(study.seed) };
    AnalogConv2d::from_conv2d(conv, crossbar, 0.0)
}

/// Mean SSIM and PSNR of `estimates` against `truth`, both `[N, 1, H, W]` on the host.
fn scores(estimates: &[f32], truth: &[f32], [h, w]: [usize; 2]) -> (f64, f64) {
    let n = truth.len() / (h * w);
    let (mut s, mut p) = (0.0, 0.0);
    for i in 0..n {
        let (a, b) = (&estimates[i * h * w..(i + 1) * h * w], &truth[i * h * w..(i + 1) * h * w]);
        s += metrics::ssim(a, b, h, w);
        p += metrics::psnr(a, b).min(100.0);
    }
    (s / n as f64, p / n as f64)
}

/// Example images for the grid: the input, then (raw, learned) per selected point.
pub struct Examples {
    /// Column titles.
    pub columns: Vec<String>,
    /// `[row][column]` images.
    pub cells: Vec<Vec<Vec<f32>>>,
}

/// Runs the study; `progress(note)` is called once per (ρ, countermeasure) point trained.
pub fn run_study(study: &Study, device: &Device, progress: &mut dyn FnMut(&str)) -> Result<(StudyReport, Examples), String> {
    let start = std::time::Instant::now();
    let size = [study.test.rows, study.test.cols];
    let (train_x, test_x) = (images(&study.train, device), images(&study.test, device));
    let test_host = host(test_x.clone());
    let err = |e: burn_neuro::NeuroError| e.to_string();

    // The physics check: uniform conductances, no noise.
    let uniform = victim(study, device, true).map_err(err)?;
    let probe = PowerProbe::new(&uniform, ProbeSettings { encoding: study.encoding, ..ProbeSettings::default() }).map_err(err)?;
    let trace: Vec<f32> = probe.trace(test_x.clone()).map_err(err)?.into_data().iter::<f32>().collect();
    let [_, kernel, stride] = study.victim;
    let drive = match study.encoding {
        PowerEncoding::Amplitude => test_x.clone().powi_scalar(2),
        PowerEncoding::PulseWidth => test_x.clone().abs(),
    };
    let boxed = burn::tensor::module::avg_pool2d(drive, burn::tensor::ops::AvgPoolOptions::new([kernel, kernel]).with_stride([stride, stride]));
    let uniform_correlation = metrics::pearson(&trace, &host(boxed));

    let conv = victim(study, device, false).map_err(err)?;
    let show = 6.min(study.test.len());
    let mut examples = Examples {
        columns: vec!["input".into()],
        cells: (0..show).map(|i| vec![test_host[i * size[0] * size[1]..(i + 1) * size[0] * size[1]].to_vec()]).collect(),
    };
    let mut points = Vec::new();
    for countermeasure in &study.countermeasures {
        for &noise in &study.noises {
            let settings = ProbeSettings { encoding: study.encoding, noise, countermeasure: *countermeasure, seed: study.seed };
            let probe = PowerProbe::new(&conv, settings).map_err(err)?;
            let train_leak = raw_leak(probe.trace(train_x.clone()).map_err(err)?, size);
            // Held-out images get their own measurement noise.
            let test_probe = PowerProbe::new(&conv, ProbeSettings { seed: study.seed ^ 0x7E57, ..settings }).map_err(err)?;
            let test_leak = raw_leak(test_probe.trace(test_x.clone()).map_err(err)?, size);
            let generator = train_reconstructor(train_leak, train_x.clone(), &study.training, &mut || {}).map_err(err)?;
            let learned = host(generator.forward(test_leak.clone()));
            let raw = host(test_leak);
            let (raw_ssim, raw_psnr) = scores(&raw, &test_host, size);
            let (learned_ssim, learned_psnr) = scores(&learned, &test_host, size);
            let shown = *countermeasure == Countermeasure::None || (noise - 0.2).abs() < 1e-6;
            if shown {
                examples.columns.push(format!("{}\nρ {noise}\nraw", countermeasure.name()));
                examples.columns.push(format!("{}\nρ {noise}\nlearned", countermeasure.name()));
                let pixels = size[0] * size[1];
                for (i, row) in examples.cells.iter_mut().enumerate() {
                    row.push(raw[i * pixels..(i + 1) * pixels].to_vec());
                    row.push(learned[i * pixels..(i + 1) * pixels].to_vec());
                }
            }
            points.push(Point { noise, countermeasure: countermeasure.name(), raw_ssim, raw_psnr, learned_ssim, learned_psnr });
            progress(&format!("{} ρ {noise}: SSIM raw {raw_ssim:.3}, learned {learned_ssim:.3}", countermeasure.name()));
        }
    }
    let report = StudyReport {
        data: study.data_name.clone(),
        images: [study.train.len(), study.test.len()],
        encoding: match study.encoding {
            PowerEncoding::Amplitude => "amplitude".into(),
            PowerEncoding::PulseWidth => "pulse-width".into(),
        },
        victim: study.victim,
        uniform_correlation,
        points,
        seconds: start.elapsed().as_secs_f64(),
    };
    Ok((report, examples))
}

/// Writes `sidechannel.json`, `sidechannel.md` and `reconstructions.png` into `out`.
pub fn write_outputs(report: &StudyReport, examples: &Examples, size: [usize; 2], out: &Path) -> Result<(), String> {
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let json = serde_json::to_string_pretty(report).map_err(|e| e.to_string())?;
    std::fs::write(out.join("sidechannel.json"), json).map_err(|e| e.to_string())?;
    std::fs::write(out.join("sidechannel.md"), markdown(report)).map_err(|e| e.to_string())?;
    let title = format!("power side channel ({}, {} encoding): held-out inputs", report.data, report.encoding);
    crate::chart::image_grid(&out.join("reconstructions.png"), &title, &examples.columns, &examples.cells, size)
}
