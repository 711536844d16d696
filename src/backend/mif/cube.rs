//! Cube (wgpu) implementation: launches the MIF kernels.

use burn::backend::tensor::FloatTensor;
use burn::backend::wgpu::CubeBackend;

use super::MifOps;
use crate::kernels::mif::{self, MifKernelParams};

impl MifOps for CubeBackend {
    fn mif_forward(input: FloatTensor<Self>, initial: FloatTensor<Self>, params: MifKernelParams) -> FloatTensor<Self> {
        mif::forward(input, initial, &params)
    }

    fn mif_backward(trajectory: FloatTensor<Self>, grad_trajectory: FloatTensor<Self>, params: MifKernelParams) -> FloatTensor<Self> {
        mif::backward(trajectory, grad_trajectory, &params)
    }
}
