//! Neuron state updates: the fused LIF forward and its reverse-scan backward.

mod autodiff;
mod cube;
mod flex;

use burn::backend::fusion::custom::TensorSpec;
use burn::backend::{Backend, backend_extension, tensor::FloatTensor};
use burn::tensor::{DType, Shape};

use crate::neuron::LifSpec;

/// Neuron state-update ops.
#[backend_extension(Cube, Fusion, Autodiff, Flex)]
pub trait NeuronOps: Backend {
    /// Fused multi-step LIF forward.
    ///
    /// `input` is `[T, ...]`; `initial` holds the `N` starting membranes (same dtype as input);
    /// `coeffs` is `[2, L]` f32 with β in row 0 and θ in row 1, neuron `n` using column `n % L`.
    /// Returns `[2, T, ...]`: spikes, then membranes.
    #[fusion(dtype = input, shape = stacked_shape(input))]
    fn lif_forward(
        input: FloatTensor<Self>,
        initial: FloatTensor<Self>,
        coeffs: FloatTensor<Self>,
        spec: LifSpec,
    ) -> FloatTensor<Self>;

    /// Reverse-scan backward of [`lif_forward`](NeuronOps::lif_forward).
    ///
    /// `forward` is the op's output and `grad` the gradient with respect to it; `input` is only
    /// read when `spec` resets immediately. Returns `[T + 1, ...]` (dL/dX rows, then
    /// dL/d`initial`) and, when `coeff_grads`, `[2, N]` f32 per-neuron dL/dβ and dL/dθ (a `[2, 1]`
    /// placeholder otherwise).
    #[fusion(meta = lif_backward_meta)]
    fn lif_backward(
        input: FloatTensor<Self>,
        initial: FloatTensor<Self>,
        coeffs: FloatTensor<Self>,
        forward: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        spec: LifSpec,
        coeff_grads: bool,
    ) -> (FloatTensor<Self>, FloatTensor<Self>);
}

/// `[T, ...]` → `[2, T, ...]`.
pub(crate) fn stacked_shape(input: &Shape) -> Shape {
    let mut dims = vec![2];
    dims.extend(input.iter().copied());
    dims.into()
}

/// Output shapes of the backward: `[T + 1, ...]` in the state dtype and `[2, N]` (or `[2, 1]`) f32.
pub(crate) fn lif_backward_shapes(forward: &Shape, coeff_grads: bool) -> (Shape, Shape) {
    let mut grad_input: Vec<usize> = forward.iter().skip(1).copied().collect();
    grad_input[0] += 1;
    let neurons: usize = if coeff_grads { forward.iter().skip(2).product() } else { 1 };
    (grad_input.into(), vec![2, neurons].into())
}

fn lif_backward_meta(
    _input: &TensorSpec,
    _initial: &TensorSpec,
    _coeffs: &TensorSpec,
    forward: &TensorSpec,
    _grad: &TensorSpec,
    _spec: &LifSpec,
    coeff_grads: &bool,
) -> (TensorSpec, TensorSpec) {
    let (grad_input, grad_coeffs) = lif_backward_shapes(&forward.shape, *coeff_grads);
    (
        TensorSpec::new(grad_input, forward.dtype),
        TensorSpec::new(grad_coeffs, DType::F32),
    )
}
