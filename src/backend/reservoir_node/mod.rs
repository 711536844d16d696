//! The RN-Net reservoir node as backend ops: a fused forward over T and the reverse scan its
//! autodiff node runs.

mod autodiff;
mod cube;
mod flex;

use burn::backend::tensor::FloatTensor;
use burn::backend::{Backend, backend_extension};
use burn::tensor::{DType, Shape};

use crate::kernels::reservoir_node::ReservoirNodeParams;

/// Reservoir node ops.
#[backend_extension(Cube, Fusion, Autodiff, Flex)]
pub trait ReservoirNodeOps: Backend {
    /// `input [T, N]` (δ), `initial [K, N]` (both f32 or f16), `coeffs [2, K]` (f32: P_c, then
    /// d = e^{−1/τ}) → conductances `[T, K, N]` in the input's dtype.
    #[fusion(dtype = input, shape = { let _ = (input, initial, coeffs); Shape::from(vec![params.steps as usize, params.channels as usize, params.neurons as usize]) })]
    fn reservoir_node_forward(
        input: FloatTensor<Self>,
        initial: FloatTensor<Self>,
        coeffs: FloatTensor<Self>,
        params: ReservoirNodeParams,
    ) -> FloatTensor<Self>;

    /// The reverse scan → `[T + 3, K, N]` f32: per-channel dL/dδ shares, dL/dG₀, per-node
    /// dL/dP_c and dL/dd shares.
    #[fusion(dtype = { let _ = input; DType::F32 }, shape = { let _ = (input, initial, coeffs, output, grad_output); Shape::from(vec![params.steps as usize + 3, params.channels as usize, params.neurons as usize]) })]
    fn reservoir_node_backward(
        input: FloatTensor<Self>,
        initial: FloatTensor<Self>,
        coeffs: FloatTensor<Self>,
        output: FloatTensor<Self>,
        grad_output: FloatTensor<Self>,
        params: ReservoirNodeParams,
    ) -> FloatTensor<Self>;
}
