//! Autodiff implementation: dL/dW by the sparse kernel (only active inputs), dL/dspikes densely
//! (`dY·Wᵀ`, needed by the previous layer's surrogate gradient).

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, AutodiffBackend, Scalar, TensorMetadata};
use burn::tensor::DType;

use super::SpikePropagateOps;

#[derive(Debug)]
struct PropagateBackward;

impl<B: SpikePropagateOps> Backward<B, 2> for PropagateBackward {
    /// Spikes (for dL/dW) and weight (for dL/dspikes), each kept only if that gradient is wanted.
    type State = (Option<FloatTensor<B>>, Option<FloatTensor<B>>);

    fn backward(self, ops: Ops<Self::State, 2>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let [node_spikes, node_weight] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        let (spikes, weight) = ops.state;
        if let (Some(node), Some(weight)) = (node_spikes, weight) {
            let grad_spikes = B::float_matmul(grad.clone(), B::float_transpose(weight));
            grads.register::<B>(node.id, grad_spikes);
        }
        if let (Some(node), Some(spikes)) = (node_weight, spikes) {
            let grad_weight = B::spike_weight_grad(spikes, grad.clone());
            grads.register::<B>(node.id, with_nonfinite_columns::<B>(grad_weight, grad));
        }
    }
}

impl<B: SpikePropagateOps, C: CheckpointStrategy> SpikePropagateOps for Autodiff<B, C> {
    fn spike_propagate(spikes: FloatTensor<Self>, weight: FloatTensor<Self>) -> FloatTensor<Self> {
        let spikes_tracked = spikes.is_tracked();
        let weight_tracked = weight.is_tracked();
        let prep = PropagateBackward.prepare::<C>([spikes.node(), weight.node()]).compute_bound().stateful();
        let spikes = spikes.into_primitive();
        let weight = weight.into_primitive();
        match prep {
            OpsKind::Tracked(prep) => {
                let output = B::spike_propagate(spikes.clone(), weight.clone());
                // dL/dW needs the spikes; dL/dspikes needs the weight.
                let state = (weight_tracked.then_some(spikes), spikes_tracked.then_some(weight));
                prep.finish(state, output)
            }
            OpsKind::UnTracked(prep) => prep.finish(B::spike_propagate(spikes, weight)),
        }
    }

    fn spike_weight_grad(spikes: FloatTensor<Self>, grad_output: FloatTensor<Self>) -> FloatTensor<Self> {
        // Used inside backward passes; not differentiated again.
        Self::from_inner(B::spike_weight_grad(spikes.into_primitive(), grad_output.into_primitive()))
    }

    fn spike_propagate_packed(spikes: FloatTensor<Self>, packed: FloatTensor<Self>, weight: FloatTensor<Self>, sparse: bool) -> FloatTensor<Self> {
        let spikes_tracked = spikes.is_tracked();
        let weight_tracked = weight.is_tracked();
        let columns = spikes.shape()[1];
        let prep = BinaryPropagateBackward { sparse, columns }.prepare::<C>([spikes.node(), weight.node()]).compute_bound().stateful();
        let spikes = spikes.into_primitive();
        let packed = packed.into_primitive();
        let weight = weight.into_primitive();
        match prep {
            OpsKind::Tracked(prep) => {
                let dtype = spikes.dtype();
                let output = B::spike_propagate_packed(spikes, packed.clone(), weight.clone(), sparse);
                // dL/dW needs the spikes: the bits stand in for them (the dense spikes are freed
                // with the caller's copy); dL/dspikes needs the weight.
                let state = (weight_tracked.then_some((packed, dtype)), spikes_tracked.then_some(weight));
                prep.finish(state, output)
            }
            OpsKind::UnTracked(prep) => prep.finish(B::spike_propagate_packed(spikes, packed, weight, sparse)),
        }
    }

    fn spike_pack(spikes: FloatTensor<Self>) -> (FloatTensor<Self>, FloatTensor<Self>) {
        // Bits and counts are data, not differentiated.
        let (packed, counts) = B::spike_pack(spikes.into_primitive());
        (Self::from_inner(packed), Self::from_inner(counts))
    }

    fn spike_unpack(packed: FloatTensor<Self>, columns: usize, dtype: DType) -> FloatTensor<Self> {
        Self::from_inner(B::spike_unpack(packed.into_primitive(), columns, dtype))
    }
}

/// The sparse dL/dW = Sᵀ·dY sums only over rows where an input spiked, so a non-finite dY
/// entry of a row where it did not never reaches it; the dense product gives 0·NaN = NaN there.
/// Under the crate's non-finite policy both paths agree: every column of dL/dW whose dY column
/// holds a non-finite value is NaN. `0·dY` summed over rows is 0 for a finite column and NaN
/// otherwise: one reduction over dY, no device read.
fn with_nonfinite_columns<B: SpikePropagateOps>(grad_weight: FloatTensor<B>, grad_output: FloatTensor<B>) -> FloatTensor<B> {
    let shape = grad_weight.shape();
    let poison = B::float_sum_dim(B::float_mul_scalar(grad_output, Scalar::Float(0.0)), 0);
    B::float_add(grad_weight, B::float_expand(poison, shape))
}

/// Backward of the binary propagation: the spikes come back from their bit-packed form.
#[derive(Debug)]
struct BinaryPropagateBackward {
    sparse: bool,
    columns: usize,
}

impl<B: SpikePropagateOps> Backward<B, 2> for BinaryPropagateBackward {
    /// Packed spikes and their dtype (for dL/dW), and weight (for dL/dspikes), each kept only
    /// if that gradient is wanted.
    type State = (Option<(FloatTensor<B>, DType)>, Option<FloatTensor<B>>);

    fn backward(self, ops: Ops<Self::State, 2>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let [node_spikes, node_weight] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        let (packed, weight) = ops.state;
        if let (Some(node), Some(weight)) = (node_spikes, weight) {
            let grad_spikes = B::float_matmul(grad.clone(), B::float_transpose(weight));
            grads.register::<B>(node.id, grad_spikes);
        }
        if let (Some(node), Some((packed, dtype))) = (node_weight, packed) {
            let spikes = B::spike_unpack(packed, self.columns, dtype);
            let grad_weight = if self.sparse {
                with_nonfinite_columns::<B>(B::spike_weight_grad(spikes, grad.clone()), grad)
            } else {
                B::float_matmul(B::float_transpose(spikes), grad)
            };
            grads.register::<B>(node.id, grad_weight);
        }
    }
}
