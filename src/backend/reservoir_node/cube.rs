//! Cube (wgpu) implementation: launches the reservoir node kernels.

use burn::backend::tensor::FloatTensor;
use burn::backend::wgpu::CubeBackend;

use super::ReservoirNodeOps;
use crate::kernels::reservoir_node::{self, ReservoirNodeParams};

impl ReservoirNodeOps for CubeBackend {
    fn reservoir_node_forward(
        input: FloatTensor<Self>,
        initial: FloatTensor<Self>,
        coeffs: FloatTensor<Self>,
        params: ReservoirNodeParams,
    ) -> FloatTensor<Self> {
        reservoir_node::forward(input, initial, coeffs, &params)
    }

    fn reservoir_node_backward(
        input: FloatTensor<Self>,
        initial: FloatTensor<Self>,
        coeffs: FloatTensor<Self>,
        output: FloatTensor<Self>,
        grad_output: FloatTensor<Self>,
        params: ReservoirNodeParams,
    ) -> FloatTensor<Self> {
        reservoir_node::backward(input, initial, coeffs, output, grad_output, &params)
    }
}
