//! A small spiking MLP (`burn::nn::Linear` + `Leaky`) and a seeded synthetic task, used by the
//! end-to-end training tests.

use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::nn::{Linear, LinearConfig};
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{DType, Device, Int, Tensor, TensorData};
use burn_neuro::snn::{Leaky, LeakyConfig};

pub const STEPS: usize = 8;
pub const BATCH: usize = 32;
pub const INPUTS: usize = 16;
pub const CLASSES: usize = 4;

#[derive(Module, Debug)]
pub struct SpikingMlp {
    pub fc1: Linear,
    pub lif1: Leaky,
    pub fc2: Linear,
    pub lif2: Leaky,
}

impl SpikingMlp {
    pub fn new(device: &Device) -> Self {
        SpikingMlp {
            fc1: LinearConfig::new(INPUTS, 32).init(device),
            lif1: LeakyConfig::new(0.9).with_learn_beta(true).with_neurons(Some(32)).init(device).expect("valid config"),
            fc2: LinearConfig::new(32, CLASSES).init(device),
            lif2: LeakyConfig::new(0.9).init(device).expect("valid config"),
        }
    }

    /// `[T, B, inputs]` → logits `[B, classes]` (output membrane summed over time).
    pub fn forward(&self, input: Tensor<3>) -> Tensor<2> {
        let hidden = self.lif1.forward(self.fc1.forward(input), None).spikes;
        let out = self.lif2.forward(self.fc2.forward(hidden), None).membrane;
        out.sum_dim(0).reshape([BATCH, CLASSES])
    }
}

/// Class `c` fires input `i` with rate 0.7 when `(i / 4) == c`, else 0.05: a real but easy signal.
pub fn batch(seed: u64, dtype: DType, device: &Device) -> (Tensor<3>, Tensor<1, Int>) {
    let labels: Vec<i64> = (0..BATCH).map(|b| ((b as u64 * 7 + seed) % CLASSES as u64) as i64).collect();
    let noise = crate::uniform(STEPS * BATCH * INPUTS, seed, 0.0, 1.0);
    let mut spikes = vec![0.0f32; STEPS * BATCH * INPUTS];
    for t in 0..STEPS {
        for b in 0..BATCH {
            for i in 0..INPUTS {
                let k = (t * BATCH + b) * INPUTS + i;
                let rate = if i / 4 == labels[b] as usize { 0.7 } else { 0.05 };
                spikes[k] = if noise[k] < rate { 1.0 } else { 0.0 };
            }
        }
    }
    let input = crate::tensor(spikes, [STEPS, BATCH, INPUTS], dtype, device);
    let labels = Tensor::<1, Int>::from_data(TensorData::new(labels, [BATCH]), device);
    (input, labels)
}

/// Trains `model` for `iterations` Adam steps on `device`; returns the loss of each step.
pub fn train(model: SpikingMlp, device: &Device, dtype: DType, iterations: usize) -> Vec<f32> {
    let mut model = model.to_device(device).train();
    let mut optimizer = AdamConfig::new().init();
    let loss_fn = CrossEntropyLossConfig::new().init(device);
    let mut losses = Vec::new();
    for step in 0..iterations {
        let (input, labels) = batch(step as u64 % 4, dtype, device);
        let logits = model.forward(input);
        let loss = loss_fn.forward(logits, labels);
        losses.push(loss.clone().into_data().iter::<f32>().next().expect("scalar loss"));
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optimizer.step(1e-2, model, grads);
    }
    losses
}
