//! Autodiff implementation: records the fused LIF as one graph node whose backward pass is
//! our reverse-scan kernel (instead of T steps of elementwise ops).

use burn::backend::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::FloatTensor;
use burn::backend::{AutodiffBackend, Slice, TensorMetadata};

use super::LifOps;
use crate::neuron::{LifSpec, NeuronKind, SavedState};

/// Backward node of the fused LIF. State: (input or a stand-in, initial, coeffs, forward output
/// or compact saved state).
#[derive(Debug)]
struct LifBackward {
    spec: LifSpec,
    kind: NeuronKind,
}

impl<B: LifOps> Backward<B, 3> for LifBackward {
    type State = (FloatTensor<B>, FloatTensor<B>, FloatTensor<B>, FloatTensor<B>);

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let [node_input, node_initial, node_coeffs] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        let (input, initial, coeffs, forward) = ops.state;
        let initial_shape = initial.shape();
        let coeff_shape = coeffs.shape();
        let coeff_grads = node_coeffs.is_some();
        let (grad_states, grad_coeffs) = B::lif_backward(input, initial, coeffs, forward, grad, self.spec, self.kind, coeff_grads);

        // [T + states, ...]: dL/dX rows, then one row per initial state.
        let states = self.kind.states();
        let steps = grad_states.shape()[0] - states;
        if let Some(node) = node_input {
            let grad_input = B::float_slice(grad_states.clone(), &[Slice::from(0..steps)]);
            grads.register::<B>(node.id, grad_input);
        }
        if let Some(node) = node_initial {
            let last = B::float_slice(grad_states, &[Slice::from(steps..steps + states)]);
            grads.register::<B>(node.id, B::float_reshape(last, initial_shape));
        }
        if let Some(node) = node_coeffs {
            // Per-neuron contributions [rows, N] → per-coefficient [rows, L]: neuron n feeds
            // column n % L.
            let rows = coeff_shape[0];
            let neurons = grad_coeffs.shape()[1];
            let coeff_len = coeff_shape[1];
            let grouped = B::float_reshape(grad_coeffs, [rows, neurons / coeff_len, coeff_len].into());
            // Coefficients are always f32 (the public op casts β and θ), as are these sums.
            let summed = B::float_reshape(B::float_sum_dim(grouped, 1), coeff_shape);
            grads.register::<B>(node.id, summed);
        }
    }
}

impl<B: LifOps, C: CheckpointStrategy> LifOps for Autodiff<B, C> {
    fn lif_forward(
        input: FloatTensor<Self>,
        initial: FloatTensor<Self>,
        coeffs: FloatTensor<Self>,
        spec: LifSpec,
        kind: NeuronKind,
    ) -> FloatTensor<Self> {
        let prep = LifBackward { spec, kind }.prepare::<C>([input.node(), initial.node(), coeffs.node()]).compute_bound().stateful();
        let input = input.into_primitive();
        let initial = initial.into_primitive();
        let coeffs = coeffs.into_primitive();
        match prep {
            OpsKind::Tracked(prep) => {
                // Full: the backward reads the output itself (alive as long as the node). Compact:
                // only the bit-packed spikes and f16 states stay alive with the node; the output
                // is freed once the caller drops it.
                let (output, saved) = match spec.saved_state {
                    SavedState::Full => {
                        let output = B::lif_forward(input.clone(), initial.clone(), coeffs.clone(), spec, kind);
                        (output.clone(), output)
                    }
                    SavedState::Compact => B::lif_forward_compact(input.clone(), initial.clone(), coeffs.clone(), spec, kind),
                };
                // Keep X alive only for a backward that reads it; otherwise hand the kernel the
                // initial state (already kept) as a stand-in it never reads.
                let saved_input = if kind.backward_needs_input(&spec) { input } else { initial.clone() };
                prep.finish((saved_input, initial, coeffs, saved), output)
            }
            OpsKind::UnTracked(prep) => prep.finish(B::lif_forward(input, initial, coeffs, spec, kind)),
        }
    }

    fn lif_forward_compact(
        input: FloatTensor<Self>,
        initial: FloatTensor<Self>,
        coeffs: FloatTensor<Self>,
        spec: LifSpec,
        kind: NeuronKind,
    ) -> (FloatTensor<Self>, FloatTensor<Self>) {
        // Only called on the inner backend by `lif_forward` above; not tracked itself.
        let (output, saved) = B::lif_forward_compact(input.into_primitive(), initial.into_primitive(), coeffs.into_primitive(), spec, kind);
        (Self::from_inner(output), Self::from_inner(saved))
    }

    fn lif_backward(
        input: FloatTensor<Self>,
        initial: FloatTensor<Self>,
        coeffs: FloatTensor<Self>,
        forward: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        spec: LifSpec,
        kind: NeuronKind,
        coeff_grads: bool,
    ) -> (FloatTensor<Self>, FloatTensor<Self>) {
        // The backward itself is not differentiated again (no double backward).
        let (grad_input, grad_coeffs) = B::lif_backward(
            input.into_primitive(),
            initial.into_primitive(),
            coeffs.into_primitive(),
            forward.into_primitive(),
            grad.into_primitive(),
            spec,
            kind,
            coeff_grads,
        );
        (Self::from_inner(grad_input), Self::from_inner(grad_coeffs))
    }
}
