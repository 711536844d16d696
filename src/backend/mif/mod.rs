//! The MIF neuron (MEMprop) as backend ops: a fused forward that returns the whole state
//! trajectory, and the exact reverse scan the autodiff node runs on it.

mod autodiff;
mod cube;
mod flex;
pub(crate) mod wire;

use burn::backend::tensor::FloatTensor;
use burn::backend::{Backend, backend_extension};

use crate::kernels::mif::MifKernelParams;

/// MIF ops (f32 tensors).
#[backend_extension(Cube, Autodiff, Flex, Remote: cfg(feature = "remote"))]
pub trait MifOps: Backend {
    /// `input [T, N]`, `initial [5, N]` → trajectory `[T + 1, 5, N]` (row 0 the initial state,
    /// row t + 1 the state after update t; planes a, I, v, x1, x2).
    fn mif_forward(input: FloatTensor<Self>, initial: FloatTensor<Self>, params: MifKernelParams) -> FloatTensor<Self>;

    /// `trajectory`, `grad_trajectory` (`[T + 1, 5, N]`) → `[T + 5, N]`: dL/dinput, then
    /// dL/d(initial state).
    fn mif_backward(trajectory: FloatTensor<Self>, grad_trajectory: FloatTensor<Self>, params: MifKernelParams) -> FloatTensor<Self>;
}
