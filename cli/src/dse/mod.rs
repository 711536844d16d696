//! Design-space exploration of dense vs sparse (block-diagonal) mapping on tiled crossbars: a
//! dense CNN and a depthwise-separable CNN trained on the same digits, each layer mapped onto
//! square tiles (tiles, utilisation, ADC conversions, energy), and their accuracy read through
//! simulated crossbars across tile sizes and programming noise, several device seeds per point.

mod model;
mod report;

use std::path::Path;

use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Tensor};
use burn_neuro::analog::CrossbarConfig;
use burn_neuro::analog::config::ProgrammingNoise;
use burn_neuro::analog::mapping::{TileStats, map_layer};
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
    /// Square tile sizes.
    pub tiles: Vec<usize>,
    /// Programming noise σ (µS) per point.
    pub noises: Vec<f32>,
    /// Device seeds per point.
    pub seeds: usize,
    /// Every other crossbar setting (converters, levels, variation, faults, IR drop).
    pub base: CrossbarConfig,
}

/// Accuracy of one architecture at one (tile, noise), over the seeds.
#[derive(Debug, Clone, Serialize)]
pub struct AccuracyPoint {
    /// The network.
    pub architecture: Architecture,
    /// Tile rows = columns.
    pub tile: usize,
    /// Programming noise σ, µS.
    pub noise: f32,
    /// Mean test accuracy (%).
    pub mean: f64,
    /// Its standard deviation over the seeds.
    pub sd: f64,
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
    /// Per architecture, tile and noise.
    pub accuracy: Vec<AccuracyPoint>,
    /// Seconds.
    pub seconds: f64,
}

fn batch(data: &Dataset, indices: &[usize], device: &Device) -> Result<(Tensor<4>, Tensor<1, burn::tensor::Int>), String> {
    let (pixels, labels) = data.batch(indices, device).map_err(|e| e.to_string())?;
    Ok((pixels.reshape([indices.len(), 1, data.rows, data.cols]), labels))
}

fn train(architecture: Architecture, data: &Dataset, epochs: usize, device: &Device, step: &mut dyn FnMut()) -> Result<Cnn, String> {
    let mut model = Cnn::new(architecture, device).train();
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
        accuracy: Vec::new(),
        seconds: 0.0,
    };
    for architecture in [Architecture::Dense, Architecture::Separable] {
        let model =
            train(architecture, &exploration.train, exploration.epochs, device, &mut || progress(&format!("training the {}", architecture.name())))?;
        let digital = accuracy(&exploration.test, device, &|x| Ok(model.forward(x)))?;
        report.digital.push((architecture, digital));
        report.parameters.push((architecture, model.num_params()));
        for &tile in &exploration.tiles {
            for (geometry, mapping) in model.geometry() {
                let stats = map_layer(&geometry, mapping, [tile, tile], &exploration.base).map_err(|e| e.to_string())?;
                report.mapping.push(MappingRow { architecture, stats });
            }
            for &noise in &exploration.noises {
                let mut scores = Vec::with_capacity(exploration.seeds);
                for seed in 0..exploration.seeds {
                    let config = exploration
                        .base
                        .clone()
                        .with_tile_rows(tile)
                        .with_tile_cols(tile)
                        .with_programming_noise(if noise > 0.0 { ProgrammingNoise::Constant(noise) } else { ProgrammingNoise::None })
                        .with_seed(1000 + seed as u64);
                    let analog = model.analog(&config).map_err(|e| e.to_string())?;
                    scores.push(accuracy(&exploration.test, device, &|x| analog.forward(x).map_err(|e| e.to_string()))?);
                }
                let mean = scores.iter().sum::<f64>() / scores.len() as f64;
                let sd =
                    if scores.len() < 2 { 0.0 } else { (scores.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / (scores.len() - 1) as f64).sqrt() };
                report.accuracy.push(AccuracyPoint { architecture, tile, noise, mean, sd });
                progress(&format!("{} tile {tile} σ {noise} µS: {mean:.1}%", architecture.name()));
            }
        }
    }
    report.seconds = start.elapsed().as_secs_f64();
    Ok(report)
}

/// Writes `dse.json`, `dse.md`, `accuracy_vs_noise.png` and `accuracy_vs_tile.png` into `out`.
pub fn write_outputs(report: &DseReport, out: &Path) -> Result<(), String> {
    use crate::chart::{Series, line_chart};
    std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display()))?;
    std::fs::write(out.join("dse.json"), serde_json::to_string_pretty(report).map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
    std::fs::write(out.join("dse.md"), markdown(report)).map_err(|e| e.to_string())?;
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
    let (mid_tile, max_noise) = (tiles[tiles.len() / 2], *noises.last().unwrap_or(&0.0));
    let series = |pick: &dyn Fn(&AccuracyPoint) -> Option<f64>| -> Vec<Series> {
        [Architecture::Dense, Architecture::Separable]
            .iter()
            .map(|a| Series {
                name: a.name().into(),
                points: report.accuracy.iter().filter(|p| p.architecture == *a).filter_map(|p| pick(p).map(|x| (x, p.mean))).collect(),
            })
            .collect()
    };
    line_chart(
        &out.join("accuracy_vs_noise.png"),
        &format!("test accuracy vs programming noise ({mid_tile}×{mid_tile} tiles)"),
        "programming noise σ (µS)",
        "accuracy (%)",
        &series(&|p| (p.tile == mid_tile).then_some(f64::from(p.noise))),
        false,
    )?;
    line_chart(
        &out.join("accuracy_vs_tile.png"),
        &format!("test accuracy vs tile size (σ = {max_noise} µS)"),
        "tile rows = columns",
        "accuracy (%)",
        &series(&|p| (p.noise == max_noise).then_some(p.tile as f64)),
        true,
    )
}
