//! snnTorch tutorial 5, ported: a 784-1000-10 fully connected SNN of `Leaky` neurons
//! (β = 0.95, T = 25) trained with Adam (5e-4, PyTorch's defaults) on the membrane
//! cross-entropy summed over time, evaluated by spike count. `docs/from-snntorch.md` maps each
//! snnTorch call used here to ours.
//!
//! `cargo run --release --example tutorial5 -- --data path/to/mnist` (generated digits without
//! `--data`; `--device cpu` for the CPU path; `--plots DIR` draws the trained network's
//! activity for the first test digit with `spikeplot`, as snnTorch's `splt` does).

mod common;

use burn::module::Module;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::nn::{Linear, LinearConfig};
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Tensor};
use burn_neuro::data::{Dataset, shuffled};
use burn_neuro::snn::loss::{OutputCode, accuracy_rate};
use burn_neuro::snn::{Leaky, LeakyConfig, NeuronOutput};
use burn_neuro::spikeplot;

#[derive(Module, Debug)]
struct Net {
    fc1: Linear,
    lif1: Leaky,
    fc2: Linear,
    lif2: Leaky,
}

impl Net {
    fn new(device: &Device) -> burn_neuro::Result<Self> {
        Ok(Net {
            fc1: LinearConfig::new(784, 1000).init(device),
            lif1: LeakyConfig::new(0.95).init(device)?,
            fc2: LinearConfig::new(1000, 10).init(device),
            lif2: LeakyConfig::new(0.95).init(device)?,
        })
    }

    /// `images [batch, 784]` → the hidden spikes `[T, batch, 1000]` and the output layer's
    /// spikes and membranes, `[T, batch, 10]`.
    ///
    /// snnTorch's loop calls `fc1` on the same image at every step; computing it once and
    /// repeating the current over T is the same arithmetic, T times less of it. Each `Leaky`
    /// then runs all T steps in one launch (`forward` is multi-step: `[T, batch, ...]`).
    fn forward(&self, images: Tensor<2>, steps: usize) -> (Tensor<3>, NeuronOutput<3>) {
        let [batch, _] = images.dims();
        let current = self.fc1.forward(images).unsqueeze_dim::<3>(0).expand([steps, batch, 1000]);
        let hidden = self.lif1.forward(current, None).spikes;
        let out = self.lif2.forward(self.fc2.forward(hidden.clone()), None);
        (hidden, out)
    }
}

/// A `[T, 1, N]` tensor as the row-major `[T, N]` values `spikeplot` draws.
fn rows(tensor: Tensor<3>) -> Vec<f32> {
    tensor.into_data().iter::<f32>().collect()
}

/// snnTorch's `splt.raster`, `splt.spike_count` and `splt.traces` for the first test digit.
fn plot(model: &Net, test: &Dataset, options: &common::Options, dir: &std::path::Path) -> burn_neuro::Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| burn_neuro::NeuroError::Io { path: dir.display().to_string(), detail: e.to_string() })?;
    let (image, label) = test.batch(&[0], &options.device)?;
    let label = label.into_scalar::<i64>();
    let (hidden, out) = model.forward(image, options.steps);
    let steps = options.steps;
    spikeplot::raster(&dir.join("hidden-raster.png"), &rows(hidden), steps, 1000, &format!("hidden layer spikes, a test digit {label}"))?;
    let spikes = rows(out.spikes);
    spikeplot::spike_counts(&dir.join("output-counts.png"), &spikes, steps, 10, &format!("output spike counts (label {label})"))?;
    spikeplot::traces(&dir.join("output-membrane.png"), &rows(out.membrane), steps, 10, Some(1.0), Some(&spikes), "output membranes and spikes")?;
    println!("wrote hidden-raster.png, output-counts.png and output-membrane.png to {}", dir.display());
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let options = common::options("tutorial5", 1, 25, 128, 5e-4);
    let (train, test) = options.datasets()?;
    let steps = options.steps;
    // torch.manual_seed: seeds the initial weights (and every random draw on this device).
    options.device.seed(options.seed);
    let device = options.device.clone().autodiff(); // gradients are tracked on this device
    let mut model = Net::new(&device)?;
    // PyTorch's Adam: Burn's AdamConfig defaults to ε = 1e-5, which stalls small surrogate gradients.
    let mut optimizer = AdamConfig::new().with_epsilon(1e-8).init();
    let loss_fn = CrossEntropyLossConfig::new().init(&device);
    for epoch in 0..options.epochs {
        let (mut loss_sum, mut batches) = (0.0, 0);
        for indices in shuffled(train.len(), options.seed, epoch).chunks(options.batch_size) {
            let (images, labels) = train.batch(indices, &device)?;
            let batch = indices.len();
            let (_, out) = model.forward(images, steps);
            // Tutorial 5's loss, Σ_t CE(U[t], y): the mean over the T·batch stacked steps, times T.
            let logits = out.membrane.reshape([steps * batch, 10]);
            let targets = labels.unsqueeze_dim::<2>(0).repeat_dim(0, steps).reshape([steps * batch]);
            let loss = loss_fn.forward(logits, targets) * steps as f32;
            loss_sum += loss.clone().into_scalar::<f32>() as f64;
            batches += 1;
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optimizer.step(options.lr, model, grads);
        }
        // net.eval() + torch.no_grad(): `valid()` is the model on the plain device, no graph.
        let eval = model.valid();
        let (mut right, mut seen) = (0.0, 0);
        for indices in (0..test.len()).collect::<Vec<_>>().chunks(options.batch_size) {
            let (images, labels) = test.batch(indices, &options.device)?;
            right += accuracy_rate(eval.forward(images, steps).1.spikes, labels, OutputCode::default())? as f64 * indices.len() as f64;
            seen += indices.len();
        }
        options.report(epoch, loss_sum / batches.max(1) as f64, right / seen.max(1) as f64);
    }
    if let Some(dir) = &options.plots {
        plot(&model.valid(), &test, &options, dir)?;
    }
    Ok(())
}
