//! The WOx memristor reservoir node as a backend op: a fused forward over T. It has no
//! backward: the node drives fixed reservoirs read out by regression (gradients stop here).

mod cube;
mod flex;
pub(crate) mod wire;

use burn::backend::Autodiff;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::tensor::FloatTensor;
use burn::backend::{AutodiffBackend, Backend, backend_extension};

use crate::kernels::wox_node::WoxNodeParams;

/// WOx node ops (f32 tensors).
#[backend_extension(Cube, Autodiff, Flex, Remote: cfg(feature = "remote"))]
pub trait WoxNodeOps: Backend {
    /// `voltage [T, N]`, `initial [N]` → trajectory `[T, 2, N]` (state w, current I).
    fn wox_node_forward(voltage: FloatTensor<Self>, initial: FloatTensor<Self>, params: WoxNodeParams) -> FloatTensor<Self>;
}

impl<B: WoxNodeOps, C: CheckpointStrategy> WoxNodeOps for Autodiff<B, C> {
    fn wox_node_forward(voltage: FloatTensor<Self>, initial: FloatTensor<Self>, params: WoxNodeParams) -> FloatTensor<Self> {
        // Not differentiated: the result is a constant of the graph.
        Self::from_inner(B::wox_node_forward(Self::inner(voltage), Self::inner(initial), params))
    }
}
