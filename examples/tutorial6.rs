//! snnTorch tutorial 6, ported as its users write it with `spikegen.rate`: rate-coded MNIST
//! into a convolutional SNN (12C5-MP2-Leaky-64C5-MP2-Leaky-FC10-Leaky, β = 0.5, fast-sigmoid
//! surrogate with slope 25), trained with `ce_rate_loss` and Adam (1e-2, PyTorch's defaults).
//!
//! `cargo run --release --example tutorial6 -- --data path/to/mnist` (generated digits without
//! `--data`; `--device cpu` for the CPU path).

mod common;

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{Linear, LinearConfig};
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Tensor};
use burn_neuro::data::shuffled;
use burn_neuro::neuron::Surrogate;
use burn_neuro::snn::loss::{OutputCode, accuracy_rate, ce_rate_loss};
use burn_neuro::snn::spikegen::{RateOptions, rate};
use burn_neuro::snn::{Leaky, LeakyConfig};

#[derive(Module, Debug)]
struct Net {
    conv1: Conv2d,
    lif1: Leaky,
    conv2: Conv2d,
    lif2: Leaky,
    fc: Linear,
    lif3: Leaky,
    pool: MaxPool2d,
}

impl Net {
    fn new(device: &Device) -> burn_neuro::Result<Self> {
        // snnTorch: spike_grad = surrogate.fast_sigmoid(slope=25).
        let leaky = || LeakyConfig::new(0.5).with_surrogate(Surrogate::FastSigmoid { slope: 25.0 }).init(device);
        Ok(Net {
            conv1: Conv2dConfig::new([1, 12], [5, 5]).init(device),
            lif1: leaky()?,
            conv2: Conv2dConfig::new([12, 64], [5, 5]).init(device),
            lif2: leaky()?,
            fc: LinearConfig::new(64 * 4 * 4, 10).init(device),
            lif3: leaky()?,
            pool: MaxPool2dConfig::new([2, 2]).init(),
        })
    }

    /// Spike trains `[T, batch, 784]` → output spikes `[T, batch, 10]`. The convolutions run on
    /// all T·batch frames at once; each `Leaky` runs its T steps in one launch.
    fn forward(&self, trains: Tensor<3>) -> Tensor<3> {
        let [steps, batch, _] = trains.dims();
        let frames = trains.reshape([steps * batch, 1, 28, 28]);
        let c1 = self.pool.forward(self.conv1.forward(frames)); // [T·B, 12, 12, 12]
        let s1 = self.lif1.forward(c1.reshape([steps, batch, 12, 12, 12]), None).spikes;
        let c2 = self.pool.forward(self.conv2.forward(s1.reshape([steps * batch, 12, 12, 12]))); // [T·B, 64, 4, 4]
        let s2 = self.lif2.forward(c2.reshape([steps, batch, 64 * 4 * 4]), None).spikes;
        self.lif3.forward(self.fc.forward(s2), None).spikes
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let options = common::options("tutorial6", 1, 25, 128, 1e-2);
    let (train, test) = options.datasets()?;
    options.device.seed(options.seed); // torch.manual_seed: weights and every rate draw
    let device = options.device.clone().autodiff();
    let mut model = Net::new(&device)?;
    // With Burn's default ε = 1e-5 this network never leaves ln 10: its output layer is silent
    // at first and the tiny surrogate gradients drown in ε. PyTorch's 1e-8 trains it.
    let mut optimizer = AdamConfig::new().with_epsilon(1e-8).init();
    // spikegen.rate draws new trains every call, as snnTorch does (seeded by device.seed).
    let encode = |images: Tensor<2>| rate::<2, 3>(images, options.steps, RateOptions::default());
    for epoch in 0..options.epochs {
        let (mut loss_sum, mut batches) = (0.0, 0);
        for indices in shuffled(train.len(), options.seed, epoch).chunks(options.batch_size) {
            let (images, labels) = train.batch(indices, &device)?;
            let spikes = model.forward(encode(images)?);
            let loss = ce_rate_loss(spikes, labels, OutputCode::default())?;
            loss_sum += loss.clone().into_scalar::<f32>() as f64;
            batches += 1;
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optimizer.step(options.lr, model, grads);
        }
        let eval = model.valid();
        let (mut right, mut seen) = (0.0, 0);
        for indices in (0..test.len()).collect::<Vec<_>>().chunks(options.batch_size) {
            let (images, labels) = test.batch(indices, &options.device)?;
            right += accuracy_rate(eval.forward(encode(images)?), labels, OutputCode::default())? as f64 * indices.len() as f64;
            seen += indices.len();
        }
        options.report(epoch, loss_sum / batches.max(1) as f64, right / seen.max(1) as f64);
    }
    Ok(())
}
