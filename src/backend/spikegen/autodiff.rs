//! Autodiff implementation: encoders are not differentiated (they sit in front of the network).

use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, AutodiffBackend};
use burn::tensor::DType;

use super::SpikegenOps;
use crate::kernels::spikegen::RateParams;

impl<B: SpikegenOps, C: CheckpointStrategy> SpikegenOps for Autodiff<B, C> {
    fn spikegen_rate(probability: FloatTensor<Self>, params: RateParams, dtype: DType) -> FloatTensor<Self> {
        Self::from_inner(B::spikegen_rate(probability.into_primitive(), params, dtype))
    }
}
