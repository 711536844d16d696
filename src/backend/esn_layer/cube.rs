//! Cube (wgpu) implementation: launches the echo-state layer kernel.

use burn::backend::tensor::FloatTensor;
use burn::backend::wgpu::CubeBackend;

use super::EsnLayerOps;
use crate::kernels::esn_layer::{self, EsnLayerParams};

impl EsnLayerOps for CubeBackend {
    fn esn_layer_forward(
        drive: FloatTensor<Self>,
        weight_t: FloatTensor<Self>,
        initial: FloatTensor<Self>,
        params: EsnLayerParams,
    ) -> FloatTensor<Self> {
        esn_layer::forward(drive, weight_t, initial, &params)
    }
}
