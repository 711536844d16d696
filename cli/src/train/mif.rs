//! `--model mif-mlp`: MEMprop's fully connected network of memristive integrate-and-fire
//! neurons, 784 → hidden MIF → 10 MIF, trained by exact BPTT through the neurons' dynamics (no
//! surrogate). The loss is the authors' Σ_t NLL(log_softmax(v_t)) on the output membrane
//! (`LossKind::MembraneCe`), the prediction argmax over neurons of the peak membrane over time
//! (`Readout::PeakMembrane`).
//!
//! Each layer's synaptic current is bounded, `DRIVE_LIMIT·tanh(W·x + b)` µA per step: the MIF's
//! explicit update stays finite under a constant drive of 0.2 µA per step for 300 steps and
//! diverges at 0.3 (a real crossbar's current is bounded too), so within `MAX_STEPS` no weight
//! update can push a neuron into the unstable regime and poison the run with NaN.

use burn::module::Module;
use burn::nn::{Linear, LinearConfig};
use burn::tensor::activation::tanh;
use burn::tensor::{DType, Device, Tensor};

use burn_neuro::neuron::SavedState;
use burn_neuro::snn::{Mif, MifConfig};

use super::model::{Readout, SpikingClassifier, SpikingOutput, over_time};

/// Largest synaptic current into a MIF neuron, µA per step.
pub const DRIVE_LIMIT: f32 = 0.2;

/// Longest sequence `train` accepts: the CPU reference's unit test holds the neuron finite under
/// a constant [`DRIVE_LIMIT`] for this many steps (the sustained drive pushes the memristors
/// toward the explicit update's stability bound over longer runs).
pub const MAX_STEPS: usize = 300;

/// 784 → `hidden` MIF → `classes` MIF, f32 throughout.
#[derive(Module, Debug)]
pub struct MifMlp {
    pub fc1: Linear,
    pub mif1: Mif,
    pub fc2: Linear,
    pub mif2: Mif,
}

impl MifMlp {
    pub fn new(inputs: usize, hidden: usize, classes: usize, device: &Device) -> Self {
        let neuron = || MifConfig::new().init(device).expect("the paper's constants are valid");
        MifMlp {
            fc1: LinearConfig::new(inputs, hidden).init(device),
            mif1: neuron(),
            fc2: LinearConfig::new(hidden, classes).init(device),
            mif2: neuron(),
        }
    }
}

fn drive<const D: usize>(x: Tensor<D>) -> Tensor<D> {
    tanh(x) * DRIVE_LIMIT
}

impl SpikingClassifier for MifMlp {
    fn forward(&self, images: Tensor<2>, steps: usize, _dtype: DType) -> SpikingOutput {
        let [batch, _] = images.dims();
        // The image is the same current at every step: the first layer runs once.
        let current = drive(self.fc1.forward(images.cast(DType::F32)));
        let hidden = current.dims()[1];
        let v1 = self.mif1.forward(over_time::<2, 3>(current, steps));
        // The hidden membrane (mV, the analog spikes) drives the output layer at every step.
        let current = drive(self.fc2.forward(v1.reshape([steps * batch, hidden])));
        let classes = current.dims()[1];
        let v2 = self.mif2.forward(current.reshape([steps, batch, classes]));
        SpikingOutput { spikes: v2.clone(), membrane: v2, layer_spikes: Vec::new() }
    }

    fn with_saved_state(self, _saved_state: SavedState) -> Self {
        // The MIF backward always reads the full state trajectory.
        self
    }

    fn readout(&self) -> Readout {
        Readout::PeakMembrane
    }
}
