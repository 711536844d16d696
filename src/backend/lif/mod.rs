//! Neuron state updates: the fused LIF (and synaptic) forward and its reverse-scan backward.
//!
//! `kind` picks a row of the neuron table ([`NeuronKind::layout`]): the coefficient rows, the
//! starting-state rows and the output planes, in order.

mod autodiff;
mod blocked;
mod cube;
mod flex;
pub(crate) mod wire;

use burn::backend::fusion::custom::TensorSpec;
use burn::backend::{Backend, backend_extension, tensor::FloatTensor};
use burn::tensor::{DType, Shape};

use crate::neuron::{LifSpec, NeuronKind};

/// Neuron state-update ops.
#[backend_extension(Cube, Autodiff, Flex, Remote: cfg(feature = "remote"))]
pub trait LifOps: Backend {
    /// Fused multi-step LIF forward.
    ///
    /// `input` is `[T, ...]`; `initial` holds the kind's starting-state rows of `N` values
    /// each, in the input's dtype; `coeffs` is `[coeff_rows, L]` f32, neuron `n` using column
    /// `n % L`. Returns `[outputs, T, ...]`, the kind's output planes.
    fn lif_forward(
        input: FloatTensor<Self>,
        initial: FloatTensor<Self>,
        coeffs: FloatTensor<Self>,
        spec: LifSpec,
        kind: NeuronKind,
    ) -> FloatTensor<Self>;

    /// [`lif_forward`](LifOps::lif_forward) that also returns the compact saved state
    /// (`SavedState::Compact`: bit-packed spikes and f16 states as u32 words in an F32-typed
    /// `[words]` tensor) for a memory-light backward.
    fn lif_forward_compact(
        input: FloatTensor<Self>,
        initial: FloatTensor<Self>,
        coeffs: FloatTensor<Self>,
        spec: LifSpec,
        kind: NeuronKind,
    ) -> (FloatTensor<Self>, FloatTensor<Self>);

    /// Reverse-scan backward of [`lif_forward`](LifOps::lif_forward).
    ///
    /// `forward` is the op's output, or with `SavedState::Compact` the saved state of
    /// [`lif_forward_compact`](LifOps::lif_forward_compact); `grad` is the gradient with
    /// respect to the output; `input` is only read when `kind.backward_needs_input(&spec)`.
    /// Returns `[T + states, ...]` (dL/dX rows, then
    /// dL/d`initial` rows) and, when `coeff_grads`, `[rows, N]` f32 per-neuron coefficient
    /// gradients (a `[rows, 1]` placeholder otherwise).
    fn lif_backward(
        input: FloatTensor<Self>,
        initial: FloatTensor<Self>,
        coeffs: FloatTensor<Self>,
        forward: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        spec: LifSpec,
        kind: NeuronKind,
        coeff_grads: bool,
    ) -> (FloatTensor<Self>, FloatTensor<Self>);
}

/// `[T, ...]` → `[outputs, T, ...]`.
pub(crate) fn stacked_shape(input: &Shape, kind: &NeuronKind) -> Shape {
    let mut dims = vec![kind.outputs()];
    dims.extend(input.iter().copied());
    dims.into()
}

/// Output shapes of the backward: `[T + states, ...]` in the state dtype and `[coeff_rows, N]`
/// (or `[coeff_rows, 1]`) f32, where `outputs` is the forward output's `[outputs, T, ...]`.
pub(crate) fn lif_backward_shapes(outputs: &Shape, kind: NeuronKind, coeff_grads: bool) -> (Shape, Shape) {
    let mut grad_input: Vec<usize> = outputs.iter().skip(1).copied().collect();
    grad_input[0] += kind.states();
    let neurons: usize = if coeff_grads { outputs.iter().skip(2).product() } else { 1 };
    (grad_input.into(), vec![kind.coeff_rows(), neurons].into())
}

fn lif_forward_compact_meta(
    input: &TensorSpec,
    _initial: &TensorSpec,
    _coeffs: &TensorSpec,
    _spec: &LifSpec,
    kind: &NeuronKind,
) -> (TensorSpec, TensorSpec) {
    let steps = input.shape[0];
    let neurons: usize = input.shape.iter().skip(1).product();
    let words = crate::kernels::lif::compact_saved_words(steps, neurons, *kind);
    (TensorSpec::new(stacked_shape(&input.shape, kind), input.dtype), TensorSpec::new(vec![words].into(), DType::F32))
}

fn lif_backward_meta(
    _input: &TensorSpec,
    _initial: &TensorSpec,
    _coeffs: &TensorSpec,
    _forward: &TensorSpec,
    grad: &TensorSpec,
    _spec: &LifSpec,
    kind: &NeuronKind,
    coeff_grads: &bool,
) -> (TensorSpec, TensorSpec) {
    // The gradient has the output's shape; `forward` may be the compact saved words.
    let (grad_input, grad_coeffs) = lif_backward_shapes(&grad.shape, *kind, *coeff_grads);
    (TensorSpec::new(grad_input, grad.dtype), TensorSpec::new(grad_coeffs, DType::F32))
}
