//! The attacks: the model-agnostic leak (the trace reshaped to the read grid) and a learned
//! reconstruction trained on simulated (trace, image) pairs.

use burn::module::Module;
use burn::nn::PaddingConfig2d;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::activation::relu;
use burn::tensor::module::interpolate;
use burn::tensor::ops::{InterpolateMode, InterpolateOptions};
use burn::tensor::{Device, Tensor};

use crate::error::{NeuroError, Result};

/// The raw leak of traces `[N, H', W']`: each image's trace min-max normalised to [0, 1] and
/// resized (bilinear) to the input's `[height, width]` — a low-resolution picture of the input
/// with no knowledge of the model.
pub fn raw_leak(trace: Tensor<3>, [height, width]: [usize; 2]) -> Tensor<4> {
    let [n, gh, gw] = trace.dims();
    let flat = trace.reshape([n, gh * gw]);
    let low = flat.clone().min_dim(1);
    let range = flat.clone().max_dim(1) - low.clone();
    // A flat trace (constant power) leaks nothing: map it to 0.5 rather than divide by zero.
    let normalised = (flat - low).div(range.clone().clamp_min(1e-12)).mask_fill(range.lower_elem(1e-12).repeat_dim(1, gh * gw), 0.5);
    let grid = normalised.reshape([n, 1, gh, gw]);
    if [gh, gw] == [height, width] {
        return grid;
    }
    interpolate(grid, InterpolateOptions::new(InterpolateMode::Bilinear).with_align_corners(false).with_output_size([height, width]))
}

/// A small convolutional generator: leak `[N, 1, H, W]` → image `[N, 1, H, W]` in [0, 1]. It
/// learns a correction added to the leak (a residual), so it starts from the raw leak.
#[derive(Module, Debug)]
pub struct Reconstructor {
    first: Conv2d,
    middle: Conv2d,
    last: Conv2d,
}

impl Reconstructor {
    /// `channels` feature maps, on `device`.
    pub fn new(channels: usize, device: &Device) -> Reconstructor {
        let conv = |cin: usize, cout: usize, k: usize| {
            Conv2dConfig::new([cin, cout], [k, k]).with_padding(PaddingConfig2d::Explicit(k / 2, k / 2, k / 2, k / 2)).init(device)
        };
        Reconstructor { first: conv(1, channels, 5), middle: conv(channels, channels, 3), last: conv(channels, 1, 3) }
    }

    /// The reconstruction of `leak`.
    pub fn forward(&self, leak: Tensor<4>) -> Tensor<4> {
        self.unclamped(leak).clamp(0.0, 1.0)
    }

    /// The output before clipping to [0, 1] (what training fits, so no gradient is cut off).
    fn unclamped(&self, leak: Tensor<4>) -> Tensor<4> {
        let h = relu(self.first.forward(leak.clone()));
        let h = relu(self.middle.forward(h));
        leak + self.last.forward(h)
    }
}

/// How the generator is trained.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainSettings {
    /// Feature maps per layer.
    pub channels: usize,
    /// Passes over the training pairs.
    pub epochs: usize,
    /// Pairs per step.
    pub batch: usize,
    /// Adam's learning rate.
    pub learning_rate: f64,
}

impl Default for TrainSettings {
    fn default() -> Self {
        TrainSettings { channels: 16, epochs: 6, batch: 32, learning_rate: 3e-3 }
    }
}

/// Trains a [`Reconstructor`] on leak/image pairs `[N, 1, H, W]` with the mean squared error;
/// `step` is called after every optimiser step (for a progress bar).
pub fn train_reconstructor(leaks: Tensor<4>, images: Tensor<4>, settings: &TrainSettings, step: &mut dyn FnMut()) -> Result<Reconstructor> {
    if leaks.dims() != images.dims() || leaks.dims()[1] != 1 || leaks.dims()[0] == 0 {
        return Err(NeuroError::Shape {
            argument: "leaks",
            actual: leaks.dims().to_vec(),
            expected: format!("[N ≥ 1, 1, H, W] matching the images {:?}", images.dims()),
        });
    }
    if settings.batch == 0 || settings.channels == 0 {
        return Err(NeuroError::Range { argument: "settings", value: format!("{settings:?}"), expected: "batch and channels of at least 1".into() });
    }
    let device = leaks.device();
    let count = leaks.dims()[0];
    let mut model = Reconstructor::new(settings.channels, &device).train();
    let mut optimizer = AdamConfig::new().init();
    for epoch in 0..settings.epochs {
        let order = crate::data::shuffled(count, 0x51DE, epoch);
        for chunk in order.chunks(settings.batch) {
            let index = Tensor::<1, burn::tensor::Int>::from_data(
                burn::tensor::TensorData::new(chunk.iter().map(|&i| i as i64).collect::<Vec<_>>(), [chunk.len()]),
                &device,
            );
            let (x, y) = (leaks.clone().select(0, index.clone()), images.clone().select(0, index));
            let loss = (model.unclamped(x) - y).powi_scalar(2).mean();
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optimizer.step(settings.learning_rate, model, grads);
            step();
        }
    }
    Ok(model.valid())
}
