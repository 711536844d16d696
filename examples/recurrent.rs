//! A recurrent SNN as snnTorch users write it, one step per call: each 28-pixel row of a digit
//! is one time step into Linear(28→128) → RLeaky(all-to-all recurrence) → Linear(128→10) →
//! Synaptic readout (no reset), with the state carried by hand between calls (snnTorch's `spk, mem = rlif(x,
//! spk, mem)`), trained with `ce_max_membrane_loss` and Adam (1e-3, PyTorch's defaults, batch 32).
//!
//! `cargo run --release --example recurrent -- --data path/to/mnist` (generated digits without
//! `--data`; `--device cpu` for the CPU path). T is the 28 rows, so `--steps` does not apply.

mod common;

use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Int, Tensor};
use burn_neuro::data::shuffled;
use burn_neuro::neuron::ResetMode;
use burn_neuro::snn::loss::{OutputCode, ce_max_membrane_loss};
use burn_neuro::snn::{NeuronState, RLeaky, RLeakyConfig, Synaptic, SynapticConfig};

const ROWS: usize = 28;
const HIDDEN: usize = 128;

#[derive(Module, Debug)]
struct Net {
    fc_in: Linear,
    rlif: RLeaky,
    fc_out: Linear,
    out: Synaptic,
}

impl Net {
    fn new(device: &Device) -> burn_neuro::Result<Self> {
        Ok(Net {
            fc_in: LinearConfig::new(ROWS, HIDDEN).init(device),
            // snnTorch's RLeaky(beta=0.9, linear_features=128): all-to-all recurrence by default.
            rlif: RLeakyConfig::new(0.9, HIDDEN).init(device)?,
            fc_out: LinearConfig::new(HIDDEN, 10).init(device),
            // A readout that integrates without resetting (snnTorch: reset_mechanism="none"),
            // so its peak membrane can grow as large as the evidence.
            out: SynapticConfig::new(0.8, 0.9).with_reset(ResetMode::None).init(device)?,
        })
    }

    /// `images [batch, 784]` read row by row → the output membranes `[28, batch, 10]`.
    fn forward(&self, images: Tensor<2>) -> Tensor<3> {
        let [batch, _] = images.dims();
        let rows = images.reshape([batch, ROWS, ROWS]);
        // init_rleaky() / init_synaptic(): no state yet means zeros.
        let (mut hidden, mut output): (Option<NeuronState<2>>, Option<NeuronState<2>>) = (None, None);
        let mut membranes = Vec::with_capacity(ROWS);
        for t in 0..ROWS {
            let x_t = rows.clone().slice([0..batch, t..t + 1, 0..ROWS]).reshape([batch, ROWS]);
            // `step` is snnTorch's per-call form: one step of [batch, features].
            let h = self.rlif.step(self.fc_in.forward(x_t), hidden.take());
            let o = self.out.step(self.fc_out.forward(h.spikes.clone()), output.take());
            membranes.push(o.membrane.clone().unsqueeze_dim::<3>(0));
            hidden = Some(h.into_state()); // spk and mem for the next call
            output = Some(o.into_state()); // syn and mem
        }
        Tensor::cat(membranes, 0)
    }
}

/// Predicted class: the output neuron with the highest membrane at any step.
fn correct(membrane: Tensor<3>, labels: Tensor<1, Int>) -> f64 {
    let [_, batch, classes] = membrane.dims();
    let predicted = membrane.max_dim(0).reshape([batch, classes]).argmax(1).reshape([batch]);
    predicted.equal(labels).int().sum().into_scalar::<i64>() as f64
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let options = common::options("recurrent", 1, ROWS, 32, 1e-3);
    let (train, test) = options.datasets()?;
    options.device.seed(options.seed);
    let device = options.device.clone().autodiff();
    let mut model = Net::new(&device)?;
    let mut optimizer = AdamConfig::new().with_epsilon(1e-8).init();
    for epoch in 0..options.epochs {
        let (mut loss_sum, mut batches) = (0.0, 0);
        for indices in shuffled(train.len(), options.seed, epoch).chunks(options.batch_size) {
            let (images, labels) = train.batch(indices, &device)?;
            let loss = ce_max_membrane_loss(model.forward(images), labels, OutputCode::default())?;
            loss_sum += loss.clone().into_scalar::<f32>() as f64;
            batches += 1;
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optimizer.step(options.lr, model, grads);
        }
        let eval = model.valid();
        let (mut right, mut seen) = (0.0, 0);
        for indices in (0..test.len()).collect::<Vec<_>>().chunks(options.batch_size) {
            let (images, labels) = test.batch(indices, &options.device)?;
            right += correct(eval.forward(images), labels);
            seen += indices.len();
        }
        options.report(epoch, loss_sum / batches.max(1) as f64, right / seen.max(1) as f64);
    }
    Ok(())
}
