//! Spike encoders as backend ops (not differentiated: encoders sit in front of the network).

use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::tensor::FloatTensor;
use burn::backend::wgpu::CubeBackend;
use burn::backend::{Autodiff, AutodiffBackend, Backend, Flex, backend_extension};
use burn::tensor::{DType, Shape};

use crate::backend::flex_io::{device_tensor, host_values};
use crate::kernels::spikegen::{self, RateParams};
use crate::reference::spikegen as reference;

/// Encoder ops.
#[backend_extension(Cube, Fusion, Autodiff, Flex)]
pub trait SpikegenOps: Backend {
    /// `probability [N]` f32 → Bernoulli spike trains `[T, N]` of `dtype`.
    #[fusion(dtype = { let _ = probability; *dtype }, shape = { let _ = probability; Shape::from(vec![params.steps as usize, params.neurons as usize]) })]
    fn spikegen_rate(probability: FloatTensor<Self>, params: RateParams, dtype: DType) -> FloatTensor<Self>;
}

impl SpikegenOps for CubeBackend {
    fn spikegen_rate(probability: FloatTensor<Self>, params: RateParams, dtype: DType) -> FloatTensor<Self> {
        spikegen::rate(probability, &params, dtype)
    }
}

impl SpikegenOps for Flex {
    fn spikegen_rate(probability: FloatTensor<Self>, params: RateParams, dtype: DType) -> FloatTensor<Self> {
        let like = probability.clone();
        let (values, _, _) = host_values(probability);
        let shape: Shape = vec![params.steps as usize, params.neurons as usize].into();
        device_tensor(reference::rate(&values, &params), shape, dtype, &like)
    }
}

impl<B: SpikegenOps, C: CheckpointStrategy> SpikegenOps for Autodiff<B, C> {
    fn spikegen_rate(probability: FloatTensor<Self>, params: RateParams, dtype: DType) -> FloatTensor<Self> {
        Self::from_inner(B::spikegen_rate(probability.into_primitive(), params, dtype))
    }
}
