//! One echo-state layer over a whole sequence as a backend op. It has no backward: reservoirs
//! are fixed and read out by regression (gradients stop here).

mod cube;
mod flex;
pub(crate) mod wire;

use burn::backend::Autodiff;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::tensor::FloatTensor;
use burn::backend::{AutodiffBackend, Backend, backend_extension};

use crate::kernels::esn_layer::EsnLayerParams;

/// Echo-state layer ops (f32 tensors).
#[backend_extension(Cube, Autodiff, Flex, Remote: cfg(feature = "remote"))]
pub trait EsnLayerOps: Backend {
    /// `drive [B, T, N]`, `weight_t [N, N]` (Wᵀ), `initial [B, N]` → states `[B, T, N]`.
    fn esn_layer_forward(
        drive: FloatTensor<Self>,
        weight_t: FloatTensor<Self>,
        initial: FloatTensor<Self>,
        params: EsnLayerParams,
    ) -> FloatTensor<Self>;
}

impl<B: EsnLayerOps, C: CheckpointStrategy> EsnLayerOps for Autodiff<B, C> {
    fn esn_layer_forward(
        drive: FloatTensor<Self>,
        weight_t: FloatTensor<Self>,
        initial: FloatTensor<Self>,
        params: EsnLayerParams,
    ) -> FloatTensor<Self> {
        // Not differentiated: the result is a constant of the graph.
        Self::from_inner(B::esn_layer_forward(Self::inner(drive), Self::inner(weight_t), Self::inner(initial), params))
    }
}
