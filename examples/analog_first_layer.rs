//! Tutorial 5 with its first layer on a simulated memristor crossbar: `AnalogLinear`
//! (784→1000, aihwkit's default inference tile: PCM programming noise, 7-bit DAC, 9-bit ADC,
//! output noise) trained hardware-aware next to a digital `Linear` + `Leaky` tail, then
//! evaluated the way a chip is used: programmed once, read for the whole test set. Three chips
//! (three programming-noise seeds) show the spread between devices.
//!
//! `cargo run --release --example analog_first_layer -- --data path/to/mnist` (generated
//! digits without `--data`; `--device cpu` for the CPU path).

mod common;

use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::nn::{Linear, LinearConfig};
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Tensor};
use burn_neuro::analog::{AnalogLinear, AnalogLinearConfig, CrossbarConfig};
use burn_neuro::data::{Dataset, shuffled};
use burn_neuro::snn::loss::{OutputCode, accuracy_rate};
use burn_neuro::snn::{Leaky, LeakyConfig, NeuronOutput};

#[derive(Module, Debug)]
struct Net {
    fc1: AnalogLinear,
    lif1: Leaky,
    fc2: Linear,
    lif2: Leaky,
}

impl Net {
    fn new(device: &Device) -> burn_neuro::Result<Self> {
        Ok(Net {
            fc1: AnalogLinearConfig::new(784, 1000).with_crossbar(CrossbarConfig::aihwkit_default()).init(device)?,
            lif1: LeakyConfig::new(0.95).init(device)?,
            fc2: LinearConfig::new(1000, 10).init(device),
            lif2: LeakyConfig::new(0.95).init(device)?,
        })
    }

    /// In training every call programs a fresh chip realisation (hardware-aware training); on
    /// the plain device (after `valid()`) every call reads one programmed chip.
    fn forward(&self, images: Tensor<2>, steps: usize) -> NeuronOutput<3> {
        let [batch, _] = images.dims();
        let current = self.fc1.forward(images).unsqueeze_dim::<3>(0).expand([steps, batch, 1000]);
        let hidden = self.lif1.forward(current, None).spikes;
        self.lif2.forward(self.fc2.forward(hidden), None)
    }
}

fn accuracy(model: &Net, test: &Dataset, options: &common::Options) -> burn_neuro::Result<f64> {
    let (mut right, mut seen) = (0.0, 0);
    for indices in (0..test.len()).collect::<Vec<_>>().chunks(options.batch_size) {
        let (images, labels) = test.batch(indices, &options.device)?;
        right += accuracy_rate(model.forward(images, options.steps).spikes, labels, OutputCode::default())? as f64 * indices.len() as f64;
        seen += indices.len();
    }
    Ok(right / seen.max(1) as f64)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let options = common::options("analog_first_layer", 1, 25, 128, 5e-4);
    let (train, test) = options.datasets()?;
    let steps = options.steps;
    options.device.seed(options.seed);
    let device = options.device.clone().autodiff();
    let mut model = Net::new(&device)?;
    let mut optimizer = AdamConfig::new().with_epsilon(1e-8).init();
    let loss_fn = CrossEntropyLossConfig::new().init(&device);
    for epoch in 0..options.epochs {
        let (mut loss_sum, mut batches) = (0.0, 0);
        for indices in shuffled(train.len(), options.seed, epoch).chunks(options.batch_size) {
            let (images, labels) = train.batch(indices, &device)?;
            let batch = indices.len();
            let logits = model.forward(images, steps).membrane.reshape([steps * batch, 10]);
            let targets = labels.unsqueeze_dim::<2>(0).repeat_dim(0, steps).reshape([steps * batch]);
            let loss = loss_fn.forward(logits, targets) * steps as f32;
            loss_sum += loss.clone().into_scalar::<f32>() as f64;
            batches += 1;
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optimizer.step(options.lr, model, grads);
        }
        // One chip for the whole test set: `valid()` programs it at the first read.
        options.report(epoch, loss_sum / batches.max(1) as f64, accuracy(&model.valid(), &test, &options)?);
    }
    // Other chips: the same trained weights programmed with other programming-noise draws.
    let mut chips = Vec::new();
    for seed in [1, 2, 3] {
        let mut eval = model.valid();
        eval.fc1.crossbar = eval.fc1.crossbar.clone().with_seed(seed);
        chips.push(100.0 * accuracy(&eval, &test, &options)?);
    }
    println!("three more chips: {}", chips.iter().map(|a| format!("{a:.2}%")).collect::<Vec<_>>().join(", "));
    Ok(())
}
