//! Neuron parameters as Burn `Param`s: f32 whatever the activation dtype, so f16 training
//! keeps β, θ, α, V and the graded-spike factor at full precision.

use burn::module::Param;
use burn::tensor::{DType, Device, Tensor, TensorData};

/// A `[values.len()]` f32 parameter, trained when `learn`.
pub(crate) fn f32_param(values: Vec<f32>, learn: bool, device: &Device) -> Param<Tensor<1>> {
    let len = values.len();
    Param::from_tensor(Tensor::from_data(TensorData::new(values, [len]), (device, DType::F32))).set_require_grad(learn)
}
