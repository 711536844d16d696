//! LeNet-5 as aihwkit's LeNet5 example builds it (conv 16@5×5 → tanh → max-pool 2 → conv
//! 32@5×5 → tanh → max-pool 2 → tanh → 512→128 → tanh → 128→10), digital or on crossbars, and
//! its accuracy after programming onto fresh crossbars.
//!
//! LeNet is not spiking: it returns its logits as a single time step, so the training loop's
//! summed per-step loss and spike-count accuracy reduce to cross-entropy and argmax.

use burn::module::{Module, ParamId};
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{Linear, LinearConfig};
use burn::tensor::module::max_pool2d;
use burn::tensor::ops::MaxPoolOptions;
use burn::tensor::{DType, Device, Int, Tensor, TensorData};

use super::data::Dataset;
use super::model::{SpikingClassifier, SpikingOutput};
use burn_neuro::analog::{AnalogBackward, AnalogConv2d, AnalogLinear, CrossbarConfig};
use burn_neuro::neuron::SavedState;

/// Images LeNet takes: 28×28.
pub const SIDE: usize = 28;

/// The architecture, once, over whatever computes each layer (a layer's forward, or a read
/// through a programmed crossbar, which can fail).
fn forward<E>(
    images: Tensor<2>,
    conv1: impl Fn(Tensor<4>) -> Result<Tensor<4>, E>,
    conv2: impl Fn(Tensor<4>) -> Result<Tensor<4>, E>,
    fc1: impl Fn(Tensor<2>) -> Result<Tensor<2>, E>,
    fc2: impl Fn(Tensor<2>) -> Result<Tensor<2>, E>,
) -> Result<Tensor<2>, E> {
    let [batch, _] = images.dims();
    let pool = || MaxPoolOptions::new([2, 2]);
    let x = images.reshape([batch, 1, SIDE, SIDE]);
    let x = max_pool2d(conv1(x)?.tanh(), pool()); // [B, 16, 12, 12]
    let x = max_pool2d(conv2(x)?.tanh(), pool()).tanh(); // [B, 32, 4, 4]
    fc2(fc1(x.reshape([batch, 32 * 4 * 4]))?.tanh())
}

fn as_one_step(logits: Result<Tensor<2>, std::convert::Infallible>) -> SpikingOutput {
    let Ok(logits) = logits;
    let logits = logits.cast(DType::F32).unsqueeze_dim::<3>(0);
    SpikingOutput { spikes: logits.clone(), membrane: logits, layer_spikes: Vec::new() }
}

/// Digital LeNet-5 (the baseline of on-chip training).
#[derive(Module, Debug)]
pub struct LeNet {
    pub conv1: Conv2d,
    pub conv2: Conv2d,
    pub fc1: Linear,
    pub fc2: Linear,
}

impl LeNet {
    /// Burn's default initialisation (the same weights for the same device seed).
    pub fn new(classes: usize, device: &Device) -> Self {
        LeNet {
            conv1: Conv2dConfig::new([1, 16], [5, 5]).init(device),
            conv2: Conv2dConfig::new([16, 32], [5, 5]).init(device),
            fc1: LinearConfig::new(512, 128).init(device),
            fc2: LinearConfig::new(128, classes).init(device),
        }
    }

    /// The same weights on crossbars of `crossbar`, input gradients computed as `backward`.
    pub fn into_analog(self, crossbar: &CrossbarConfig, backward: AnalogBackward) -> Result<AnalogLeNet, String> {
        let error = |e: burn_neuro::NeuroError| e.to_string();
        Ok(AnalogLeNet {
            conv1: AnalogConv2d::from_conv2d(self.conv1, crossbar.clone(), 0.0).map_err(error)?.with_backward(backward),
            conv2: AnalogConv2d::from_conv2d(self.conv2, crossbar.clone(), 0.0).map_err(error)?.with_backward(backward),
            fc1: AnalogLinear::from_linear(self.fc1, crossbar.clone(), 0.0).map_err(error)?.with_backward(backward),
            fc2: AnalogLinear::from_linear(self.fc2, crossbar.clone(), 0.0).map_err(error)?.with_backward(backward),
        })
    }
}

impl SpikingClassifier for LeNet {
    fn forward(&self, images: Tensor<2>, _steps: usize, _dtype: DType) -> SpikingOutput {
        as_one_step(forward(
            images,
            |x| Ok(self.conv1.forward(x)),
            |x| Ok(self.conv2.forward(x)),
            |x| Ok(self.fc1.forward(x)),
            |x| Ok(self.fc2.forward(x)),
        ))
    }

    fn with_saved_state(self, _saved_state: SavedState) -> Self {
        self
    }

    /// Not spiking: no layer to report.
    fn spiking_layers(&self) -> Vec<(&'static str, usize)> {
        Vec::new()
    }
}

/// LeNet-5 with every layer on a crossbar.
#[derive(Module, Debug)]
pub struct AnalogLeNet {
    pub conv1: AnalogConv2d,
    pub conv2: AnalogConv2d,
    pub fc1: AnalogLinear,
    pub fc2: AnalogLinear,
}

impl AnalogLeNet {
    /// The parameters that live on devices: the four weight matrices (biases stay digital).
    pub fn device_weights(&self) -> Vec<ParamId> {
        vec![self.conv1.weight.id, self.conv2.weight.id, self.fc1.weight.id, self.fc2.weight.id]
    }
}

impl SpikingClassifier for AnalogLeNet {
    fn forward(&self, images: Tensor<2>, _steps: usize, _dtype: DType) -> SpikingOutput {
        as_one_step(forward(
            images,
            |x| Ok(self.conv1.forward(x)),
            |x| Ok(self.conv2.forward(x)),
            |x| Ok(self.fc1.forward(x)),
            |x| Ok(self.fc2.forward(x)),
        ))
    }

    fn with_saved_state(self, _saved_state: SavedState) -> Self {
        self
    }

    /// Not spiking: no layer to report.
    fn spiking_layers(&self) -> Vec<(&'static str, usize)> {
        Vec::new()
    }
}

/// Test accuracy of `model`'s weights programmed once onto crossbars of `crossbar` (each layer
/// its own realisation, seeded from `seed`), read for every test batch.
pub fn programmed_accuracy(
    model: &AnalogLeNet,
    data: &Dataset,
    crossbar: &CrossbarConfig,
    seed: u64,
    batch: usize,
    device: &Device,
) -> Result<f64, String> {
    let error = |e: burn_neuro::NeuroError| e.to_string();
    let config = |layer: u64| crossbar.clone().with_seed(seed.wrapping_mul(4).wrapping_add(layer));
    let mut conv1 = model.conv1.clone();
    let mut conv2 = model.conv2.clone();
    let mut fc1 = model.fc1.clone();
    let mut fc2 = model.fc2.clone();
    (conv1.crossbar, conv2.crossbar, fc1.crossbar, fc2.crossbar) = (config(0), config(1), config(2), config(3));
    let bars = [conv1.program(), conv2.program(), fc1.program(), fc2.program()].into_iter().collect::<burn_neuro::Result<Vec<_>>>().map_err(error)?;
    let mut right = 0usize;
    let order: Vec<usize> = (0..data.len()).collect();
    for chunk in order.chunks(batch) {
        let (images, labels) = data.gather(chunk);
        let n = chunk.len();
        let images = Tensor::<2>::from_data(TensorData::new(images, [n, data.pixels()]), (device, DType::F32));
        let logits = forward(
            images,
            |x| conv1.forward_programmed(&bars[0], x),
            |x| conv2.forward_programmed(&bars[1], x),
            |x| fc1.forward_programmed(&bars[2], x),
            |x| fc2.forward_programmed(&bars[3], x),
        )
        .map_err(error)?;
        let labels = Tensor::<1, Int>::from_data(TensorData::new(labels, [n]), device);
        let predicted = logits.argmax(1).reshape([n]);
        right += predicted.equal(labels).int().sum().into_data().iter::<i64>().next().unwrap_or(0) as usize;
    }
    Ok(right as f64 / data.len().max(1) as f64)
}
