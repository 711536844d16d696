//! Autodiff implementation: the fused MIF forward is one graph node whose backward is the
//! reverse-scan kernel over the trajectory the forward kept.

use burn::backend::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::FloatTensor;
use burn::backend::{AutodiffBackend, Slice};

use super::MifOps;
use crate::kernels::mif::{MIF_STATE_PLANES, MifKernelParams};

#[derive(Debug)]
struct MifBackward {
    params: MifKernelParams,
}

impl<B: MifOps> Backward<B, 2> for MifBackward {
    /// The forward's trajectory: every state the reverse scan starts a step from.
    type State = FloatTensor<B>;

    fn backward(self, ops: Ops<Self::State, 2>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let [node_input, node_initial] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        let all = B::mif_backward(ops.state, grad, self.params);
        let steps = self.params.steps as usize;
        if let Some(node) = node_input {
            grads.register::<B>(node.id, B::float_slice(all.clone(), &[Slice::from(0..steps)]));
        }
        if let Some(node) = node_initial {
            grads.register::<B>(node.id, B::float_slice(all, &[Slice::from(steps..steps + MIF_STATE_PLANES)]));
        }
    }
}

impl<B: MifOps, C: CheckpointStrategy> MifOps for Autodiff<B, C> {
    fn mif_forward(input: FloatTensor<Self>, initial: FloatTensor<Self>, params: MifKernelParams) -> FloatTensor<Self> {
        let prep = MifBackward { params }.prepare::<C>([input.node(), initial.node()]).compute_bound().stateful();
        let input = input.into_primitive();
        let initial = initial.into_primitive();
        match prep {
            OpsKind::Tracked(prep) => {
                let trajectory = B::mif_forward(input, initial, params);
                prep.finish(trajectory.clone(), trajectory)
            }
            OpsKind::UnTracked(prep) => prep.finish(B::mif_forward(input, initial, params)),
        }
    }

    fn mif_backward(trajectory: FloatTensor<Self>, grad_trajectory: FloatTensor<Self>, params: MifKernelParams) -> FloatTensor<Self> {
        // Used inside backward passes; not differentiated again.
        Self::from_inner(B::mif_backward(trajectory.into_primitive(), grad_trajectory.into_primitive(), params))
    }
}
