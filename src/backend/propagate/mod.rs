//! Event-driven spike propagation: sparse `S·W` and its sparse weight gradient `Sᵀ·dY`.

mod autodiff;
mod cube;
mod flex;

use burn::backend::{Backend, backend_extension, tensor::FloatTensor};
use burn::tensor::Shape;

/// Spike propagation ops.
#[backend_extension(Cube, Fusion, Autodiff, Flex)]
pub trait PropagationOps: Backend {
    /// `spikes [R, N_in] · weight [N_in, N_out] → [R, N_out]`, accumulating only the rows of
    /// `weight` whose spike is non-zero, in ascending input order.
    #[fusion(dtype = weight, shape = product_shape(spikes, weight))]
    fn spike_propagate(spikes: FloatTensor<Self>, weight: FloatTensor<Self>) -> FloatTensor<Self>;

    /// `spikesᵀ · grad_output → [N_in, N_out]`, touching `grad_output` only for active spikes.
    #[fusion(dtype = grad_output, shape = weight_grad_shape(spikes, grad_output))]
    fn spike_weight_grad(spikes: FloatTensor<Self>, grad_output: FloatTensor<Self>) -> FloatTensor<Self>;
}

/// `[R, N_in] · [N_in, N_out] → [R, N_out]`.
pub(crate) fn product_shape(spikes: &Shape, weight: &Shape) -> Shape {
    vec![spikes[0], weight[1]].into()
}

/// `[R, N_in]ᵀ · [R, N_out] → [N_in, N_out]`.
pub(crate) fn weight_grad_shape(spikes: &Shape, grad_output: &Shape) -> Shape {
    vec![spikes[1], grad_output[1]].into()
}
