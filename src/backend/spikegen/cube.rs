//! Cube (wgpu) implementation: launches the encoder kernels.

use burn::backend::tensor::FloatTensor;
use burn::backend::wgpu::CubeBackend;
use burn::tensor::DType;

use super::SpikegenOps;
use crate::kernels::spikegen::{self, RateParams};

impl SpikegenOps for CubeBackend {
    fn spikegen_rate(probability: FloatTensor<Self>, params: RateParams, dtype: DType) -> FloatTensor<Self> {
        spikegen::rate(probability, &params, dtype)
    }
}
