//! Spike encoders as backend ops (not differentiated: encoders sit in front of the network).

mod autodiff;
mod cube;
mod flex;
pub(crate) mod wire;

use burn::backend::tensor::FloatTensor;
use burn::backend::{Backend, backend_extension};
use burn::tensor::DType;

use crate::kernels::spikegen::RateParams;

/// Encoder ops.
#[backend_extension(Cube, Autodiff, Flex, Remote: cfg(feature = "remote"))]
pub trait SpikegenOps: Backend {
    /// `probability [N]` f32 → Bernoulli spike trains `[T, N]` of `dtype`.
    fn spikegen_rate(probability: FloatTensor<Self>, params: RateParams, dtype: DType) -> FloatTensor<Self>;
}
