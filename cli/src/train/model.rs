//! The models `train` runs: snnTorch tutorial 5's fully connected SNN and tutorial 6's
//! convolutional SNN, on our fused `Leaky` kernels.
//!
//! Mixed precision: parameters stay f32 (the optimizer updates full-precision master weights)
//! and each layer casts its weights to the compute dtype, so activations and neuron state are
//! f16 in an f16 run. The MLP presents each image as the same current at every step, so its
//! first layer runs once and its output is broadcast over time; the CNN rate-codes the image
//! into new spike trains on every forward, as a port of tutorial 6 with `spikegen.rate` does.

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{Linear, LinearConfig};
use burn::tensor::module::{conv2d, max_pool2d};
use burn::tensor::ops::{ConvOptions, MaxPoolOptions};
use burn::tensor::{DType, Device, Tensor};

use burn_neuro::neuron::{SavedState, Surrogate};
use burn_neuro::ops::spike_propagate::{PropagateOptions, Propagation, spike_propagate};
use burn_neuro::snn::spikegen::{RateOptions, rate};
use burn_neuro::snn::{Leaky, LeakyConfig};

/// Output layer activity over time: `[T, batch, classes]` each.
pub struct SpikingOutput {
    pub spikes: Tensor<3>,
    pub membrane: Tensor<3>,
    /// Spikes each spiking layer emitted in this forward, `[1]` f32 each (detached), in the
    /// order of [`SpikingClassifier::spiking_layers`]; empty in training (autodiff) forwards.
    pub layer_spikes: Vec<Tensor<1>>,
}

/// All spikes of a layer's output, as a detached f32 `[1]`, when evaluating (no autodiff):
/// training steps skip the count and its f32 copy of the spikes.
pub fn spike_total<const D: usize>(spikes: &Tensor<D>) -> Option<Tensor<1>> {
    (!spikes.device().is_autodiff()).then(|| spikes.clone().detach().cast(DType::F32).sum())
}

/// How a classifier's output picks a class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readout {
    /// Argmax of the output spike counts (ties to the lowest class).
    SpikeCount,
    /// Argmax of each neuron's peak membrane over time (MEMprop's analog spikes).
    PeakMembrane,
}

impl Readout {
    /// Per-class scores `[batch, classes]` whose argmax is the prediction.
    pub fn scores(self, out: &SpikingOutput) -> Tensor<2> {
        let [_, batch, classes] = out.spikes.dims();
        let scores = match self {
            Readout::SpikeCount => out.spikes.clone().cast(DType::F32).sum_dim(0),
            Readout::PeakMembrane => out.membrane.clone().cast(DType::F32).max_dim(0),
        };
        scores.reshape([batch, classes])
    }
}

/// A classifier over `[batch, pixels]` images, run for `steps` time steps in `dtype`.
pub trait SpikingClassifier: Module + Clone + Send + core::fmt::Debug + 'static {
    fn forward(&self, images: Tensor<2>, steps: usize, dtype: DType) -> SpikingOutput;

    /// Every neuron layer keeps `saved_state` for its backward (memory-light BPTT with
    /// `SavedState::Compact`; the fully connected layers fed spikes then also keep them as
    /// bits).
    fn with_saved_state(self, saved_state: SavedState) -> Self;

    /// How the output picks a class.
    fn readout(&self) -> Readout {
        Readout::SpikeCount
    }

    /// Runs after every optimizer step (threshold annealing).
    fn after_step(self) -> Self {
        self
    }

    /// Name and neurons per example of each spiking layer (the order of
    /// [`SpikingOutput::layer_spikes`]).
    fn spiking_layers(&self) -> Vec<(&'static str, usize)> {
        Vec::new()
    }

    /// Each spiking layer's threshold (first neuron), where the model reports them.
    fn thresholds(&self) -> Vec<f32> {
        Vec::new()
    }
}

fn linear(x: Tensor<2>, layer: &Linear, dtype: DType) -> Tensor<2> {
    let y = x.matmul(layer.weight.val().cast(dtype));
    match &layer.bias {
        Some(bias) => y + bias.val().cast(dtype).unsqueeze_dim(0),
        None => y,
    }
}

/// `linear` for a neuron layer's binary spikes. Memory-light runs go through the checked
/// binary propagation, whose backward keeps the spikes as bits for dL/dW (the dense matmul is
/// the same); otherwise a plain matmul.
fn synapse(spikes: Tensor<2>, layer: &Linear, dtype: DType, memory_light: bool) -> Tensor<2> {
    if !memory_light {
        return linear(spikes, layer, dtype);
    }
    let options = PropagateOptions { mode: Propagation::Dense, binary: true };
    spike_propagate(spikes, layer.weight.val().cast(dtype), layer.bias.as_ref().map(|b| b.val().cast(dtype)), options)
        .expect("a Leaky layer without graded spikes emits binary spikes of the weight's dtype")
}

fn conv(x: Tensor<4>, layer: &Conv2d, dtype: DType) -> Tensor<4> {
    let options = ConvOptions::new(layer.stride, [0, 0], layer.dilation, layer.groups);
    conv2d(x, layer.weight.val().cast(dtype), layer.bias.as_ref().map(|b| b.val().cast(dtype)), options)
}

pub fn over_time<const D: usize, const D1: usize>(x: Tensor<D>, steps: usize) -> Tensor<D1> {
    let mut dims = [0; D1];
    dims[0] = steps;
    dims[1..].copy_from_slice(&x.dims());
    x.unsqueeze_dim::<D1>(0).expand(dims)
}

fn neuron(beta: f32, surrogate: Surrogate, device: &Device) -> Leaky {
    LeakyConfig::new(beta).with_surrogate(surrogate).init(device).expect("valid built-in configuration")
}

/// snnTorch tutorial 5: 784-1000-10 fully connected, `Leaky(β = 0.95)` with the atan surrogate.
#[derive(Module, Debug)]
pub struct SnnMlp {
    pub fc1: Linear,
    pub lif1: Leaky,
    pub fc2: Linear,
    pub lif2: Leaky,
}

impl SnnMlp {
    pub fn new(inputs: usize, hidden: usize, classes: usize, device: &Device) -> Self {
        SnnMlp {
            fc1: LinearConfig::new(inputs, hidden).init(device),
            lif1: neuron(0.95, Surrogate::atan(), device),
            fc2: LinearConfig::new(hidden, classes).init(device),
            lif2: neuron(0.95, Surrogate::atan(), device),
        }
    }
}

impl SpikingClassifier for SnnMlp {
    fn forward(&self, images: Tensor<2>, steps: usize, dtype: DType) -> SpikingOutput {
        let [batch, _] = images.dims();
        let current = linear(images.cast(dtype), &self.fc1, dtype);
        let hidden = current.dims()[1];
        // The same current at every step (not copied T times on the CPU path).
        let spikes = self.lif1.forward_repeated::<2, 3>(current, steps).spikes;
        let hidden_spikes = spike_total(&spikes);
        let memory_light = self.lif1.spec.saved_state == SavedState::Compact;
        let out = synapse(spikes.reshape([steps * batch, hidden]), &self.fc2, dtype, memory_light);
        let classes = out.dims()[1];
        let out = self.lif2.forward(out.reshape([steps, batch, classes]), None);
        let layer_spikes = [hidden_spikes, spike_total(&out.spikes)].into_iter().flatten().collect();
        SpikingOutput { spikes: out.spikes, membrane: out.membrane, layer_spikes }
    }

    fn with_saved_state(mut self, saved_state: SavedState) -> Self {
        for layer in [&mut self.lif1, &mut self.lif2] {
            layer.spec.saved_state = saved_state;
        }
        self
    }

    fn spiking_layers(&self) -> Vec<(&'static str, usize)> {
        vec![("lif1", self.fc1.weight.dims()[1]), ("lif2", self.fc2.weight.dims()[1])]
    }
}

/// snnTorch tutorial 6: rate-coded input → conv 12@5×5 → max-pool 2 → Leaky → conv 64@5×5 →
/// max-pool 2 → Leaky → 1024→10 → Leaky, with β = 0.5 and the fast-sigmoid surrogate (slope
/// 25), trained with `ce_rate_loss`.
#[derive(Module, Debug)]
pub struct Csnn {
    pub conv1: Conv2d,
    pub lif1: Leaky,
    pub conv2: Conv2d,
    pub lif2: Leaky,
    pub fc: Linear,
    pub lif3: Leaky,
}

impl Csnn {
    pub fn new(classes: usize, device: &Device) -> Self {
        Csnn {
            conv1: Conv2dConfig::new([1, 12], [5, 5]).init(device),
            lif1: neuron(0.5, Surrogate::fast_sigmoid(), device),
            conv2: Conv2dConfig::new([12, 64], [5, 5]).init(device),
            lif2: neuron(0.5, Surrogate::fast_sigmoid(), device),
            fc: LinearConfig::new(64 * 4 * 4, classes).init(device),
            lif3: neuron(0.5, Surrogate::fast_sigmoid(), device),
        }
    }
}

impl SpikingClassifier for Csnn {
    fn forward(&self, images: Tensor<2>, steps: usize, dtype: DType) -> SpikingOutput {
        let [batch, _] = images.dims();
        let pool = || MaxPoolOptions::new([2, 2]);
        // Fresh Bernoulli trains every call, drawn from the device's seeded generator.
        let trains: Tensor<3> =
            rate(images.cast(dtype), steps, RateOptions::default()).expect("rate codes any image batch on the device the model runs on");
        let x = trains.reshape([steps * batch, 1, 28, 28]);
        let c1 = max_pool2d(conv(x, &self.conv1, dtype), pool()); // [T·B, 12, 12, 12]
        let s1 = self.lif1.forward(c1.reshape([steps, batch, 12, 12, 12]), None).spikes;
        let s1_total = spike_total(&s1);
        let c2 = max_pool2d(conv(s1.reshape([steps * batch, 12, 12, 12]), &self.conv2, dtype), pool()); // [T·B, 64, 4, 4]
        let s2 = self.lif2.forward(c2.reshape([steps, batch, 64, 4, 4]), None).spikes;
        let memory_light = self.lif2.spec.saved_state == SavedState::Compact;
        let s2_total = spike_total(&s2);
        let out = synapse(s2.reshape([steps * batch, 64 * 4 * 4]), &self.fc, dtype, memory_light);
        let classes = out.dims()[1];
        let out = self.lif3.forward(out.reshape([steps, batch, classes]), None);
        let layer_spikes = [s1_total, s2_total, spike_total(&out.spikes)].into_iter().flatten().collect();
        SpikingOutput { spikes: out.spikes, membrane: out.membrane, layer_spikes }
    }

    fn with_saved_state(mut self, saved_state: SavedState) -> Self {
        for layer in [&mut self.lif1, &mut self.lif2, &mut self.lif3] {
            layer.spec.saved_state = saved_state;
        }
        self
    }

    fn spiking_layers(&self) -> Vec<(&'static str, usize)> {
        vec![("lif1", 12 * 12 * 12), ("lif2", 64 * 4 * 4), ("lif3", self.fc.weight.dims()[1])]
    }
}
