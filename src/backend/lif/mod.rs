//! Neuron state updates: the fused LIF (and synaptic) forward and its reverse-scan backward.
//!
//! `model` picks snnTorch's `Leaky`, `Synaptic`, `RLeaky` (one-to-one) or `RSynaptic`; it sets
//! the coefficient rows (β, θ, α, V), the initial-state rows (U, I, S[-1]) and the outputs
//! (S, U, I).

mod autodiff;
mod cube;
mod flex;

use burn::backend::fusion::custom::TensorSpec;
use burn::backend::{Backend, backend_extension, tensor::FloatTensor};
use burn::tensor::{DType, Shape};

use crate::neuron::{LifSpec, NeuronModel};

/// Neuron state-update ops.
#[backend_extension(Cube, Fusion, Autodiff, Flex)]
pub trait NeuronOps: Backend {
    /// Fused multi-step LIF forward.
    ///
    /// `input` is `[T, ...]`; `initial` holds the `N` starting membranes (then, synaptic, the
    /// `N` starting currents), in the input's dtype; `coeffs` is `[2 or 3, L]` f32 with β, θ
    /// (and α) rows, neuron `n` using column `n % L`. Returns `[rows, T, ...]`: spikes,
    /// membranes (and synaptic currents).
    #[fusion(dtype = input, shape = stacked_shape(input, model))]
    fn lif_forward(
        input: FloatTensor<Self>,
        initial: FloatTensor<Self>,
        coeffs: FloatTensor<Self>,
        spec: LifSpec,
        model: NeuronModel,
    ) -> FloatTensor<Self>;

    /// Reverse-scan backward of [`lif_forward`](NeuronOps::lif_forward).
    ///
    /// `forward` is the op's output and `grad` the gradient with respect to it; `input` is only
    /// read by a LIF that resets immediately. Returns `[T + states, ...]` (dL/dX rows, then
    /// dL/d`initial` rows) and, when `coeff_grads`, `[rows, N]` f32 per-neuron coefficient
    /// gradients (a `[rows, 1]` placeholder otherwise).
    #[fusion(meta = lif_backward_meta)]
    fn lif_backward(
        input: FloatTensor<Self>,
        initial: FloatTensor<Self>,
        coeffs: FloatTensor<Self>,
        forward: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        spec: LifSpec,
        model: NeuronModel,
        coeff_grads: bool,
    ) -> (FloatTensor<Self>, FloatTensor<Self>);
}

/// `[T, ...]` → `[outputs, T, ...]`.
pub(crate) fn stacked_shape(input: &Shape, model: &NeuronModel) -> Shape {
    let mut dims = vec![model.outputs()];
    dims.extend(input.iter().copied());
    dims.into()
}

/// Output shapes of the backward: `[T + states, ...]` in the state dtype and `[coeff_rows, N]`
/// (or `[coeff_rows, 1]`) f32, where `forward` is `[outputs, T, ...]`.
pub(crate) fn lif_backward_shapes(forward: &Shape, model: NeuronModel, coeff_grads: bool) -> (Shape, Shape) {
    let mut grad_input: Vec<usize> = forward.iter().skip(1).copied().collect();
    grad_input[0] += model.states();
    let neurons: usize = if coeff_grads { forward.iter().skip(2).product() } else { 1 };
    (grad_input.into(), vec![model.coeff_rows(), neurons].into())
}

fn lif_backward_meta(
    _input: &TensorSpec,
    _initial: &TensorSpec,
    _coeffs: &TensorSpec,
    forward: &TensorSpec,
    _grad: &TensorSpec,
    _spec: &LifSpec,
    model: &NeuronModel,
    coeff_grads: &bool,
) -> (TensorSpec, TensorSpec) {
    let (grad_input, grad_coeffs) = lif_backward_shapes(&forward.shape, *model, *coeff_grads);
    (
        TensorSpec::new(grad_input, forward.dtype),
        TensorSpec::new(grad_coeffs, DType::F32),
    )
}
