//! Cube (wgpu) implementation: launches the WOx node kernel.

use burn::backend::tensor::FloatTensor;
use burn::backend::wgpu::CubeBackend;

use super::WoxNodeOps;
use crate::kernels::wox_node::{self, WoxNodeParams};

impl WoxNodeOps for CubeBackend {
    fn wox_node_forward(voltage: FloatTensor<Self>, initial: FloatTensor<Self>, params: WoxNodeParams) -> FloatTensor<Self> {
        wox_node::forward(voltage, initial, &params)
    }
}
