//! Spike encoders as backend ops (not differentiated: encoders sit in front of the network).

mod autodiff;
mod cube;
mod flex;

use burn::backend::tensor::FloatTensor;
use burn::backend::{Backend, backend_extension};
use burn::tensor::{DType, Shape};

use crate::kernels::spikegen::RateParams;

/// Encoder ops.
#[backend_extension(Cube, Fusion, Autodiff, Flex)]
pub trait SpikegenOps: Backend {
    /// `probability [N]` f32 → Bernoulli spike trains `[T, N]` of `dtype`.
    #[fusion(dtype = { let _ = probability; *dtype }, shape = { let _ = probability; Shape::from(vec![params.steps as usize, params.neurons as usize]) })]
    fn spikegen_rate(probability: FloatTensor<Self>, params: RateParams, dtype: DType) -> FloatTensor<Self>;
}
