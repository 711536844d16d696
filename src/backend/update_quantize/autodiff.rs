//! Autodiff implementation: the backward quantizes each row of the incoming gradient.

use burn::backend::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops};
use burn::backend::tensor::FloatTensor;

use super::{UpdateQuantizeOps, quantize_rows};

#[derive(Debug)]
struct QuantizeBackward {
    bins: u32,
}

impl<B: UpdateQuantizeOps> Backward<B, 1> for QuantizeBackward {
    type State = ();

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let [node_input] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        if let Some(node) = node_input {
            grads.register::<B>(node.id, quantize_rows::<B>(grad, self.bins));
        }
    }
}

impl<B: UpdateQuantizeOps, C: CheckpointStrategy> UpdateQuantizeOps for Autodiff<B, C> {
    fn update_quantize(input: FloatTensor<Self>, bins: u32) -> FloatTensor<Self> {
        let prep = QuantizeBackward { bins }.prepare::<C>([input.node()]).compute_bound();
        prep.stateless(B::update_quantize(input.into_primitive(), bins))
    }
}
