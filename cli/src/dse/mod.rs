//! Design-space exploration of dense vs sparse (block-diagonal) mapping on tiled crossbars: a
//! dense CNN and a depthwise-separable CNN trained on the same images, each layer mapped onto
//! tiles (tiles, utilisation, ADC conversions, energy), and their accuracy read through
//! simulated crossbars across tile sizes and one non-ideality ([`Axis`]), several device seeds
//! per point.

mod model;
mod report;

use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Tensor};
use burn_neuro::analog::CrossbarConfig;
use burn_neuro::analog::config::ProgrammingNoise;
use burn_neuro::analog::mapping::{Mapping, TileStats, map_layer};
use burn_neuro::data::{Dataset, shuffled};
use serde::Serialize;

pub use model::{Architecture, Cnn};
pub use report::markdown;

/// What to explore.
#[derive(Debug, Clone)]
pub struct Exploration {
    /// Training images.
    pub train: Dataset,
    /// Test images.
    pub test: Dataset,
    /// Digital training passes.
    pub epochs: usize,
    /// Tile sizes, rows × columns.
    pub tiles: Vec<[usize; 2]>,
    /// The non-ideality swept.
    pub axis: Axis,
    /// Its values, in the order swept.
    pub values: Vec<f32>,
    /// Device seeds per point.
    pub seeds: usize,
    /// Every other crossbar setting (converters, levels, variation, faults, IR drop).
    pub base: CrossbarConfig,
    /// Checkpoints to explore instead of training (dense, separable): files a previous
    /// exploration saved, or `train --model dense-cnn | separable-cnn` wrote; `None` trains.
    pub checkpoints: [Option<PathBuf>; 2],
    /// Save the trained networks into this folder.
    pub save_to: Option<PathBuf>,
}

/// The crossbar setting a sweep varies (`dse --vary`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Axis {
    /// Programming noise σ, µS (`ProgrammingNoise::Constant`; device range 1–40 µS).
    #[value(name = "noise")]
    ProgrammingNoise,
    /// ADC bits per tile partial sum.
    AdcBits,
    /// DAC (input) bits.
    DacBits,
    /// Programmable conductance levels (0: continuous).
    Levels,
    /// Fraction of devices stuck at g_min, and as many at g_max.
    StuckAt,
    /// Device-to-device variation σ (relative).
    Variation,
    /// IR-drop scale (aihwkit's `ir_drop`).
    IrDrop,
}

impl Axis {
    /// The values swept when none are given.
    pub fn default_values(self) -> Vec<f32> {
        match self {
            Axis::ProgrammingNoise => vec![0.0, 1.0, 2.0, 4.0],
            Axis::AdcBits => vec![8.0, 6.0, 4.0],
            Axis::DacBits => vec![8.0, 4.0, 2.0],
            Axis::Levels => vec![0.0, 32.0, 8.0],
            Axis::StuckAt => vec![0.0, 0.01, 0.05],
            Axis::Variation => vec![0.0, 0.1, 0.3],
            Axis::IrDrop => vec![0.0, 0.5, 1.0],
        }
    }

    /// For reports and plots.
    pub fn label(self) -> &'static str {
        match self {
            Axis::ProgrammingNoise => "programming noise σ (µS)",
            Axis::AdcBits => "ADC bits",
            Axis::DacBits => "DAC bits",
            Axis::Levels => "conductance levels",
            Axis::StuckAt => "stuck-at fraction (each of g_min, g_max)",
            Axis::Variation => "device variation σ",
            Axis::IrDrop => "IR-drop scale",
        }
    }

    /// `config` with this setting at `value` (checked: whole, positive bit and level counts).
    pub fn apply(self, config: CrossbarConfig, value: f32) -> Result<CrossbarConfig, String> {
        let whole = |what: &str| -> Result<u32, String> {
            if value.fract() == 0.0 && (0.0..=16_777_216.0).contains(&value) {
                Ok(value as u32)
            } else {
                Err(format!("--values: {value} is not a whole number of {what}"))
            }
        };
        let config = match self {
            Axis::ProgrammingNoise => {
                config.with_programming_noise(if value > 0.0 { ProgrammingNoise::Constant(value) } else { ProgrammingNoise::None })
            }
            Axis::AdcBits => config.with_output_bits(Some(whole("bits")?)),
            Axis::DacBits => config.with_input_bits(Some(whole("bits")?)),
            Axis::Levels => config.with_levels(match whole("levels")? {
                0 => None,
                levels => Some(levels),
            }),
            Axis::StuckAt => config.with_stuck_at_min(value).with_stuck_at_max(value),
            Axis::Variation => config.with_device_variation(value),
            Axis::IrDrop => config.with_ir_drop(value),
        };
        config.validate().map_err(|e| format!("--values {value}: {e}"))?;
        Ok(config)
    }
}

/// Accuracy of one architecture at one (tile, value), over the seeds.
#[derive(Debug, Clone, Serialize)]
pub struct AccuracyPoint {
    /// The network.
    pub architecture: Architecture,
    /// How its depthwise layers were read (`None` for the dense network).
    pub depthwise: Option<Mapping>,
    /// Tile rows × columns.
    pub tile: [usize; 2],
    /// The swept setting's value.
    pub value: f32,
    /// Mean test accuracy (%).
    pub mean: f64,
    /// Its standard deviation over the seeds.
    pub sd: f64,
}

impl AccuracyPoint {
    /// The curve this point belongs to: the network, and how its depthwise layers were read.
    pub fn series(&self) -> String {
        match self.depthwise {
            Some(Mapping::TimeMultiplexed) => format!("{}, depthwise time-multiplexed", self.architecture.name()),
            _ => self.architecture.name().to_string(),
        }
    }
}

/// One layer's mapping at one tile size.
#[derive(Debug, Clone, Serialize)]
pub struct MappingRow {
    /// The network.
    pub architecture: Architecture,
    /// What the mapper measured.
    pub stats: TileStats,
}

/// Everything the exploration measured.
#[derive(Debug, Clone, Serialize)]
pub struct DseReport {
    /// Training / test images.
    pub images: [usize; 2],
    /// Digital test accuracy (%) per architecture.
    pub digital: Vec<(Architecture, f64)>,
    /// Weights per architecture.
    pub parameters: Vec<(Architecture, usize)>,
    /// Per layer and tile size.
    pub mapping: Vec<MappingRow>,
    /// The swept setting.
    pub axis: Axis,
    /// Per architecture, tile and value.
    pub accuracy: Vec<AccuracyPoint>,
    /// Seconds.
    pub seconds: f64,
}

fn batch(data: &Dataset, indices: &[usize], device: &Device) -> Result<(Tensor<4>, Tensor<1, burn::tensor::Int>), String> {
    let (pixels, labels) = data.batch(indices, device).map_err(|e| e.to_string())?;
    Ok((pixels.reshape([indices.len(), data.channels, data.rows, data.cols]), labels))
}

fn train(architecture: Architecture, data: &Dataset, epochs: usize, device: &Device, step: &mut dyn FnMut()) -> Result<Cnn, String> {
    // The same initial weights on every run (Burn's generator of this device).
    device.seed(0x05E5 + architecture as u64);
    let mut model = Cnn::new(architecture, data.channels, [data.rows, data.cols], device).train();
    let mut optimizer = AdamConfig::new().init();
    let loss_fn = CrossEntropyLossConfig::new().init(device);
    for epoch in 0..epochs {
        for chunk in shuffled(data.len(), 17, epoch).chunks(64) {
            let (x, y) = batch(data, chunk, device)?;
            let loss = loss_fn.forward(model.forward(x), y);
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optimizer.step(3e-3, model, grads);
        }
        step();
    }
    Ok(model.valid())
}

/// Test accuracy (%) of `forward` over `data`, 250 images at a time.
fn accuracy(data: &Dataset, device: &Device, forward: &dyn Fn(Tensor<4>) -> Result<Tensor<2>, String>) -> Result<f64, String> {
    let mut correct = 0usize;
    let all: Vec<usize> = (0..data.len()).collect();
    for chunk in all.chunks(250) {
        let (x, y) = batch(data, chunk, device)?;
        let predicted = forward(x)?.argmax(1).reshape([chunk.len()]);
        correct += predicted.equal(y).int().sum().into_data().iter::<i64>().next().unwrap_or(0) as usize;
    }
    Ok(100.0 * correct as f64 / data.len().max(1) as f64)
}

/// Runs the exploration; `progress(note)` after each training epoch and each evaluated point.
pub fn explore(exploration: &Exploration, device: &Device, progress: &mut dyn FnMut(&str)) -> Result<DseReport, String> {
    let start = std::time::Instant::now();
    let mut report = DseReport {
        images: [exploration.train.len(), exploration.test.len()],
        digital: Vec::new(),
        parameters: Vec::new(),
        mapping: Vec::new(),
        axis: exploration.axis,
        accuracy: Vec::new(),
        seconds: 0.0,
    };
    for architecture in [Architecture::Dense, Architecture::Separable] {
        let file = format!("{}.bpk", architecture.file_stem());
        let slot = usize::from(architecture == Architecture::Separable);
        let model = match &exploration.checkpoints[slot] {
            Some(path) => {
                let data = &exploration.test;
                let model = Cnn::new(architecture, data.channels, [data.rows, data.cols], device)
                    .try_load_file(path)
                    .map_err(|e| format!("checkpoint {}: {e} (saved for other images or another network?)", path.display()))?;
                for _ in 0..exploration.epochs {
                    progress(&format!("loaded the {}", architecture.name()));
                }
                model
            }
            None => train(architecture, &exploration.train, exploration.epochs, device, &mut || {
                progress(&format!("training the {}", architecture.name()))
            })?,
        };
        if let Some(dir) = &exploration.save_to {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            model.clone().save_file(dir.join(&file)).map_err(|e| format!("saving {}: {e}", dir.join(&file).display()))?;
        }
        let digital = accuracy(&exploration.test, device, &|x| Ok(model.forward(x)))?;
        report.digital.push((architecture, digital));
        report.parameters.push((architecture, model.num_params()));
        for &tile in &exploration.tiles {
            for (geometry, mapping) in model.geometry() {
                // A depthwise layer's other layouts, for their cost (accuracy is read block-diagonally).
                let alternatives: &[Mapping] =
                    if mapping == Mapping::BlockDiagonal { &[Mapping::TimeMultiplexed, Mapping::Duplicated { copies: 4 }] } else { &[] };
                for layout in std::iter::once(&mapping).chain(alternatives) {
                    let stats = map_layer(&geometry, *layout, tile, &exploration.base).map_err(|e| e.to_string())?;
                    report.mapping.push(MappingRow { architecture, stats });
                }
            }
            let layouts: &[Option<Mapping>] = match architecture {
                Architecture::Dense => &[None],
                Architecture::Separable => &[Some(Mapping::BlockDiagonal), Some(Mapping::TimeMultiplexed)],
            };
            for (&value, &depthwise) in exploration.values.iter().flat_map(|v| layouts.iter().map(move |l| (v, l))) {
                let mut scores = Vec::with_capacity(exploration.seeds);
                for seed in 0..exploration.seeds {
                    let config = exploration.base.clone().with_tile_rows(tile[0]).with_tile_cols(tile[1]).with_seed(1000 + seed as u64);
                    let config = exploration.axis.apply(config, value)?;
                    let analog = model.analog(&config, depthwise.unwrap_or(Mapping::BlockDiagonal)).map_err(|e| e.to_string())?;
                    scores.push(accuracy(&exploration.test, device, &|x| analog.forward(x).map_err(|e| e.to_string()))?);
                }
                let mean = scores.iter().sum::<f64>() / scores.len() as f64;
                let sd =
                    if scores.len() < 2 { 0.0 } else { (scores.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / (scores.len() - 1) as f64).sqrt() };
                let point = AccuracyPoint { architecture, depthwise, tile, value, mean, sd };
                progress(&format!("{} tile {}×{} {} {value}: {mean:.1}%", point.series(), tile[0], tile[1], exploration.axis.label()));
                report.accuracy.push(point);
            }
        }
    }
    report.seconds = start.elapsed().as_secs_f64();
    Ok(report)
}

/// Energy per inference (pJ, arrays and ADCs) of `architecture` at `tile`.
pub fn energy(report: &DseReport, architecture: Architecture, tile: [usize; 2]) -> f64 {
    report
        .mapping
        .iter()
        .filter(|r| r.architecture == architecture && r.stats.tile == tile)
        .map(|r| r.stats.array_energy_pj + r.stats.adc_energy_pj)
        .sum()
}

/// The tiles and values of `report`'s points, in sweep order.
pub fn grid(report: &DseReport) -> (Vec<[usize; 2]>, Vec<f32>) {
    let (mut tiles, mut values) = (Vec::new(), Vec::new());
    for p in &report.accuracy {
        if !tiles.contains(&p.tile) {
            tiles.push(p.tile);
        }
        if !values.contains(&p.value) {
            values.push(p.value);
        }
    }
    (tiles, values)
}

/// Writes `dse.json`, `dse.md`, `accuracy_vs_setting.png`, `accuracy_vs_tile.png` and
/// `accuracy_vs_energy.png` into `out`.
pub fn write_outputs(report: &DseReport, out: &Path) -> Result<(), String> {
    use crate::chart::{Series, line_chart};
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    std::fs::write(out.join("dse.json"), serde_json::to_string_pretty(report).map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
    std::fs::write(out.join("dse.md"), markdown(report)).map_err(|e| e.to_string())?;
    let (tiles, values) = grid(report);
    let (Some(&mid_tile), Some(&last)) = (tiles.get(tiles.len() / 2), values.last()) else {
        return Err("the exploration has no points".into());
    };
    let mut names: Vec<String> = Vec::new();
    for p in &report.accuracy {
        if !names.contains(&p.series()) {
            names.push(p.series());
        }
    }
    let series = |pick: &dyn Fn(&AccuracyPoint) -> Option<f64>| -> Vec<Series> {
        names
            .iter()
            .map(|name| Series {
                name: name.clone(),
                points: report.accuracy.iter().filter(|p| p.series() == *name).filter_map(|p| pick(p).map(|x| (x, p.mean))).collect(),
            })
            .collect()
    };
    let axis = report.axis.label();
    line_chart(
        &out.join("accuracy_vs_setting.png"),
        &format!("test accuracy vs {axis} ({}×{} tiles)", mid_tile[0], mid_tile[1]),
        axis,
        "accuracy (%)",
        &series(&|p| (p.tile == mid_tile).then_some(f64::from(p.value))),
        false,
    )?;
    line_chart(
        &out.join("accuracy_vs_tile.png"),
        &format!("test accuracy vs tile size ({axis} {last})"),
        "cells per tile (rows × columns)",
        "accuracy (%)",
        &series(&|p| (p.value == last).then_some((p.tile[0] * p.tile[1]) as f64)),
        true,
    )?;
    line_chart(
        &out.join("accuracy_vs_energy.png"),
        &format!("accuracy vs energy per inference, one point per tile size ({axis} {last})"),
        "energy per inference, arrays + ADCs (pJ)",
        "accuracy (%)",
        &series(&|p| (p.value == last).then(|| energy(report, p.architecture, p.tile))),
        true,
    )
}
