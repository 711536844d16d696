//! The RN-Net reservoir node as backend ops: a fused forward over T and the reverse scan its
//! autodiff node runs.

mod autodiff;
mod cube;
mod flex;
pub(crate) mod wire;

use burn::backend::tensor::FloatTensor;
use burn::backend::{Backend, backend_extension};

use crate::kernels::reservoir_node::ReservoirNodeParams;

/// Reservoir node ops.
#[backend_extension(Cube, Autodiff, Flex, Remote: cfg(feature = "remote"))]
pub trait ReservoirNodeOps: Backend {
    /// `input [T, N]` (δ), `initial [K, N]` (both f32 or f16), `coeffs [2, K]` (f32: P_c, then
    /// d = e^{−1/τ}) → conductances `[T, K, N]` in the input's dtype.
    fn reservoir_node_forward(
        input: FloatTensor<Self>,
        initial: FloatTensor<Self>,
        coeffs: FloatTensor<Self>,
        params: ReservoirNodeParams,
    ) -> FloatTensor<Self>;

    /// The reverse scan → `[T + 3, K, N]` f32: per-channel dL/dδ shares, dL/dG₀, per-node
    /// dL/dP_c and dL/dd shares.
    fn reservoir_node_backward(
        input: FloatTensor<Self>,
        initial: FloatTensor<Self>,
        coeffs: FloatTensor<Self>,
        output: FloatTensor<Self>,
        grad_output: FloatTensor<Self>,
        params: ReservoirNodeParams,
    ) -> FloatTensor<Self>;
}
