//! Autodiff implementation: a read's input gradient is an analog read of Wᵀ; programming and
//! drift are not differentiated.

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, AutodiffBackend, TensorMetadata};

use super::CrossbarOps;
use crate::kernels::crossbar::{CrossbarSettings, DriftParams};

/// Backward of a read: an analog read of Wᵀ with the output gradient as input.
#[derive(Debug)]
struct ReadBackward {
    settings: CrossbarSettings,
}

impl<B: CrossbarOps> Backward<B, 1> for ReadBackward {
    type State = (FloatTensor<B>, FloatTensor<B>);

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let [node_input] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        let (planes, scales) = ops.state;
        if let Some(node) = node_input {
            let transposed = self.settings.transposed(grad.shape()[0]);
            let (grad_input, _) = B::crossbar_read(grad, planes, scales, transposed);
            grads.register::<B>(node.id, grad_input);
        }
    }
}

impl<B: CrossbarOps, C: CheckpointStrategy> CrossbarOps for Autodiff<B, C> {
    fn crossbar_drift(planes: FloatTensor<Self>, params: DriftParams) -> FloatTensor<Self> {
        Self::from_inner(B::crossbar_drift(planes.into_primitive(), params))
    }

    fn crossbar_program(weight: FloatTensor<Self>, scales: FloatTensor<Self>, settings: CrossbarSettings) -> FloatTensor<Self> {
        Self::from_inner(B::crossbar_program(weight.into_primitive(), scales.into_primitive(), settings))
    }

    fn crossbar_read(
        input: FloatTensor<Self>,
        planes: FloatTensor<Self>,
        scales: FloatTensor<Self>,
        settings: CrossbarSettings,
    ) -> (FloatTensor<Self>, FloatTensor<Self>) {
        let prep = ReadBackward { settings }.prepare::<C>([input.node()]).compute_bound().stateful();
        let (planes, scales) = (planes.into_primitive(), scales.into_primitive());
        let (output, traces) = B::crossbar_read(input.into_primitive(), planes.clone(), scales.clone(), settings);
        let output = match prep {
            OpsKind::Tracked(prep) => prep.finish((planes, scales), output),
            OpsKind::UnTracked(prep) => prep.finish(output),
        };
        (output, Self::from_inner(traces))
    }
}
