//! Autodiff implementation: the fused forward is one graph node whose backward is the reverse
//! scan over the conductances the forward stored.

use burn::backend::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::FloatTensor;
use burn::backend::{AutodiffBackend, Slice, TensorMetadata};

use super::ReservoirNodeOps;
use crate::kernels::reservoir_node::ReservoirNodeParams;

#[derive(Debug)]
struct ReservoirNodeBackward {
    params: ReservoirNodeParams,
}

impl<B: ReservoirNodeOps> Backward<B, 3> for ReservoirNodeBackward {
    /// (input, initial, coeffs, output): everything the reverse scan reads.
    type State = (FloatTensor<B>, FloatTensor<B>, FloatTensor<B>, FloatTensor<B>);

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let [node_input, node_initial, node_coeffs] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        let (input, initial, coeffs, output) = ops.state;
        let (input_dtype, initial_dtype) = (input.dtype(), initial.dtype());
        // The kernel reads dL/dG in the storage dtype.
        let grad = if grad.dtype() == output.dtype() { grad } else { B::float_cast(grad, output.dtype().into()) };
        let all = B::reservoir_node_backward(input, initial, coeffs, output, grad, self.params);
        let (steps, channels, neurons) = (self.params.steps as usize, self.params.channels as usize, self.params.neurons as usize);
        let rows = |range: std::ops::Range<usize>| B::float_slice(all.clone(), &[Slice::from(range)]);
        if let Some(node) = node_input {
            // Every channel's share of dL/dδ_t, summed over K.
            let summed = B::float_reshape(B::float_sum_dim(rows(0..steps), 1), [steps, neurons].into());
            grads.register::<B>(node.id, B::float_cast(summed, input_dtype.into()));
        }
        if let Some(node) = node_initial {
            let initial = B::float_reshape(rows(steps..steps + 1), [channels, neurons].into());
            grads.register::<B>(node.id, B::float_cast(initial, initial_dtype.into()));
        }
        if let Some(node) = node_coeffs {
            // Per-node shares of dL/dP_c and dL/dd, summed over N: [2, K] f32 like the coefficients.
            let shares = rows(steps + 1..steps + 3);
            grads.register::<B>(node.id, B::float_reshape(B::float_sum_dim(shares, 2), [2, channels].into()));
        }
    }
}

impl<B: ReservoirNodeOps, C: CheckpointStrategy> ReservoirNodeOps for Autodiff<B, C> {
    fn reservoir_node_forward(
        input: FloatTensor<Self>,
        initial: FloatTensor<Self>,
        coeffs: FloatTensor<Self>,
        params: ReservoirNodeParams,
    ) -> FloatTensor<Self> {
        let prep = ReservoirNodeBackward { params }.prepare::<C>([input.node(), initial.node(), coeffs.node()]).compute_bound().stateful();
        let (input, initial, coeffs) = (input.into_primitive(), initial.into_primitive(), coeffs.into_primitive());
        match prep {
            OpsKind::Tracked(prep) => {
                let output = B::reservoir_node_forward(input.clone(), initial.clone(), coeffs.clone(), params);
                prep.finish((input, initial, coeffs, output.clone()), output)
            }
            OpsKind::UnTracked(prep) => prep.finish(B::reservoir_node_forward(input, initial, coeffs, params)),
        }
    }

    fn reservoir_node_backward(
        input: FloatTensor<Self>,
        initial: FloatTensor<Self>,
        coeffs: FloatTensor<Self>,
        output: FloatTensor<Self>,
        grad_output: FloatTensor<Self>,
        params: ReservoirNodeParams,
    ) -> FloatTensor<Self> {
        // Used inside backward passes; not differentiated again.
        let inner = B::reservoir_node_backward(
            input.into_primitive(),
            initial.into_primitive(),
            coeffs.into_primitive(),
            output.into_primitive(),
            grad_output.into_primitive(),
            params,
        );
        Self::from_inner(inner)
    }
}
