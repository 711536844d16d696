//! Event-driven spike propagation: sparse `S·W` and its sparse weight gradient `Sᵀ·dY`, and
//! bit-packed spikes for a memory-light backward.

mod autodiff;
mod cube;
mod flex;
pub(crate) mod wire;

use burn::backend::{Backend, backend_extension, tensor::FloatTensor};
use burn::tensor::{DType, Shape};

/// Spike propagation ops.
#[backend_extension(Cube, Autodiff, Flex, Remote: cfg(feature = "remote"))]
pub trait SpikePropagateOps: Backend {
    /// `spikes [R, N_in] · weight [N_in, N_out] → [R, N_out]`, accumulating only the rows of
    /// `weight` whose spike is non-zero, in ascending input order.
    fn spike_propagate(spikes: FloatTensor<Self>, weight: FloatTensor<Self>) -> FloatTensor<Self>;

    /// `spikesᵀ · grad_output → [N_in, N_out]`, touching `grad_output` only for active spikes.
    fn spike_weight_grad(spikes: FloatTensor<Self>, grad_output: FloatTensor<Self>) -> FloatTensor<Self>;

    /// `spikes · weight` for binary spikes, by the sparse kernels or (`sparse == false`) a dense
    /// matmul. `packed` is the spikes' [`spike_pack`](SpikePropagateOps::spike_pack) form (not
    /// differentiated): under autodiff it is what dL/dW keeps, 1 bit per spike.
    fn spike_propagate_packed(spikes: FloatTensor<Self>, packed: FloatTensor<Self>, weight: FloatTensor<Self>, sparse: bool) -> FloatTensor<Self>;

    /// Bit-packs binary spikes `[R, N]` into `[R, ⌈N/32⌉]` u32 words (an F32-typed tensor of bit
    /// patterns): bit `c % 32` of word `(r, c / 32)` is set where the spike is non-zero. Also
    /// returns `[active, invalid]` (u32 bit patterns in an F32-typed `[2]` tensor): the non-zero
    /// spikes and those that are neither 0 nor 1, counted in the same pass.
    fn spike_pack(spikes: FloatTensor<Self>) -> (FloatTensor<Self>, FloatTensor<Self>);

    /// The words of [`spike_pack`](SpikePropagateOps::spike_pack) back to `[R, columns]` 0/1 spikes
    /// of `dtype`.
    fn spike_unpack(packed: FloatTensor<Self>, columns: usize, dtype: DType) -> FloatTensor<Self>;
}

/// `[R, N]` → `[R, ⌈N/32⌉]` words.
pub(crate) fn packed_shape(spikes: &Shape) -> Shape {
    vec![spikes[0], spikes[1].div_ceil(32)].into()
}

/// `[R, N_in] · [N_in, N_out] → [R, N_out]`.
pub(crate) fn product_shape(spikes: &Shape, weight: &Shape) -> Shape {
    vec![spikes[0], weight[1]].into()
}

/// `[R, N_in]ᵀ · [R, N_out] → [N_in, N_out]`.
pub(crate) fn weight_grad_shape(spikes: &Shape, grad_output: &Shape) -> Shape {
    vec![spikes[1], grad_output[1]].into()
}
