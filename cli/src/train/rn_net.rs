//! `--model rn-net`: RN-Net (Yoo et al., Adv. Intell. Syst. 2024) on event streams, next to the
//! same CNN fed summed frames.
//!
//! RN-Net: binary event frames `[T, B, 2, H, W]` → R_in (two reservoir-node channels per pixel
//! and polarity: a short and a long memory) → the conductances sampled at the end of each of
//! `samples` equal stretches of the bins → Conv-BN-ReLU-MaxPool ×2 on each sample → R_f (one reservoir-node channel per feature,
//! driven by the thresholded feature maps, spikes with snnTorch's atan surrogate gradient) → a
//! linear classifier on R_f's final state. The reservoir constants stay fixed (RN-Net's
//! setting), the rest trains by backprop through R_f's reverse-scan kernel.
//!
//! The baseline is the same two conv blocks and classifier on the frames summed over time: it
//! sees where events happened, not when, so it cannot tell the direction-only classes apart.

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig, PaddingConfig2d};
use burn::tensor::activation::relu;
use burn::tensor::module::max_pool2d;
use burn::tensor::ops::MaxPoolOptions;
use burn::tensor::{Device, Tensor};
use burn_neuro::Surrogate;
use burn_neuro::ops::lif_composite::spike;
use burn_neuro::reservoir::{ReservoirNode, ReservoirNodeConfig};

/// R_in's channels, (P_c, τ in bins): a short and a long memory of each pixel.
pub const INPUT_NODES: [(f32, f32); 2] = [(0.5, 4.0), (0.3, 16.0)];
/// R_f's channel, (P_c, τ in samples).
pub const FEATURE_NODE: (f32, f32) = (0.5, 2.0);
/// A feature-map value above this is a spike into R_f.
pub const FEATURE_THRESHOLD: f32 = 0.5;
/// Feature maps of the second conv block.
const FEATURES: usize = 32;

/// Conv(3×3)-BN-ReLU-MaxPool(2) twice: `[N, C, H, W]` → `[N, 32, H/4, W/4]`.
#[derive(Module, Debug)]
pub struct ConvBlocks {
    pub conv1: Conv2d,
    pub bn1: BatchNorm,
    pub conv2: Conv2d,
    pub bn2: BatchNorm,
}

impl ConvBlocks {
    pub fn new(channels: usize, device: &Device) -> Self {
        let conv = |c_in, c_out| Conv2dConfig::new([c_in, c_out], [3, 3]).with_padding(PaddingConfig2d::Same).init(device);
        ConvBlocks {
            conv1: conv(channels, 16),
            bn1: BatchNormConfig::new(16).init(device),
            conv2: conv(16, FEATURES),
            bn2: BatchNormConfig::new(FEATURES).init(device),
        }
    }

    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let pool = || MaxPoolOptions::new([2, 2]);
        let x = max_pool2d(relu(self.bn1.forward(self.conv1.forward(x))), pool());
        max_pool2d(relu(self.bn2.forward(self.conv2.forward(x))), pool())
    }
}

/// A classifier of binary event frames `[T, B, 2, H, W]` → logits `[B, classes]`.
pub trait EventClassifier: Module + Clone + Send + core::fmt::Debug + 'static {
    fn logits(&self, frames: Tensor<5>) -> Tensor<2>;
}

/// RN-Net (see the module docs).
#[derive(Module, Debug)]
pub struct RnNet {
    pub r_in: ReservoirNode,
    pub blocks: ConvBlocks,
    pub r_f: ReservoirNode,
    pub classifier: Linear,
    /// How many times R_in's conductances are sampled per example.
    #[module(skip)]
    pub samples: usize,
}

impl RnNet {
    /// For `size`×`size` frames whose R_in conductances are sampled `samples` times.
    pub fn new(size: usize, classes: usize, samples: usize, device: &Device) -> Self {
        let nodes = |channels: Vec<(f32, f32)>| ReservoirNodeConfig { g_max: 1.0, channels, learnable: false }.init(device).expect("valid constants");
        let r_in = nodes(INPUT_NODES.to_vec());
        let channels = 2 * r_in.channels();
        RnNet {
            r_in,
            blocks: ConvBlocks::new(channels, device),
            r_f: nodes(vec![FEATURE_NODE]),
            classifier: LinearConfig::new(FEATURES * (size / 4) * (size / 4), classes).init(device),
            samples,
        }
    }
}

impl EventClassifier for RnNet {
    fn logits(&self, frames: Tensor<5>) -> Tensor<2> {
        let [steps, batch, _, height, width] = frames.dims();
        let g = self.r_in.forward(frames); // [T, B, 2K, H, W]
        let channels = g.dims()[2];
        // The conductances at the end of each of `samples` equal stretches of the T bins.
        let picked = self.samples.clamp(1, steps);
        let samples: Vec<usize> = (1..=picked).map(|k| k * steps / picked - 1).collect();
        let indices = Tensor::from_data(burn::tensor::TensorData::new(samples.iter().map(|&s| s as i64).collect::<Vec<_>>(), [picked]), &g.device());
        let sampled = g.select(0, indices).reshape([picked * batch, channels, height, width]);
        let features = self.blocks.forward(sampled); // [S·B, F, H/4, W/4]
        let [_, f, h, w] = features.dims();
        // H(x − θ) forward, atan's gradient backward (the neurons' default surrogate).
        let spikes = spike(features - FEATURE_THRESHOLD, Surrogate::atan()).reshape([picked, batch * f * h * w]);
        let state = self.r_f.forward_flat(spikes, None).expect("R_f takes any [S, N] spikes").final_state(); // [1, B·F·h·w]
        self.classifier.forward(state.reshape([batch, f * h * w]))
    }
}

/// The same conv blocks and classifier on frames summed over time: `[B, 2, H, W]` counts.
#[derive(Module, Debug)]
pub struct SummedFrameCnn {
    pub blocks: ConvBlocks,
    pub classifier: Linear,
}

impl SummedFrameCnn {
    pub fn new(size: usize, classes: usize, device: &Device) -> Self {
        SummedFrameCnn { blocks: ConvBlocks::new(2, device), classifier: LinearConfig::new(FEATURES * (size / 4) * (size / 4), classes).init(device) }
    }
}

impl EventClassifier for SummedFrameCnn {
    fn logits(&self, frames: Tensor<5>) -> Tensor<2> {
        let [_, batch, _, _, _] = frames.dims();
        let summed = frames.sum_dim(0).squeeze_dim::<4>(0);
        let features = self.blocks.forward(summed);
        let [_, f, h, w] = features.dims();
        self.classifier.forward(features.reshape([batch, f * h * w]))
    }
}
