//! Cube (wgpu) implementation: launches the probe kernels.

use burn::backend::tensor::FloatTensor;
use burn::backend::wgpu::CubeBackend;

use super::CeilingOps;
use crate::kernels::ceiling;

impl CeilingOps for CubeBackend {
    fn ceiling_copy(source: FloatTensor<Self>) -> FloatTensor<Self> {
        ceiling::copy(source)
    }

    fn ceiling_fma(like: FloatTensor<Self>, invocations: usize) -> FloatTensor<Self> {
        ceiling::fma(like, invocations)
    }
}
