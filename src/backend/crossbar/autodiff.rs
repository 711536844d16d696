//! Autodiff implementation: a read's input gradient is an analog read of Wᵀ; programming and
//! drift are not differentiated.

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, AutodiffBackend, TensorMetadata};
use burn::tensor::FloatDType;

use super::CrossbarOps;
use crate::kernels::crossbar::{CrossbarSettings, DriftParams};

/// Backward of a read: an analog read of Wᵀ with the output gradient, scaled by the output
/// gains, as input (aihwkit scales the gradient by its mapping scales before the backward read;
/// the read's own gains are then 1).
#[derive(Debug)]
struct ReadBackward {
    settings: CrossbarSettings,
}

impl<B: CrossbarOps> Backward<B, 1> for ReadBackward {
    type State = (FloatTensor<B>, FloatTensor<B>, FloatTensor<B>);

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let [node_input] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        let (effective, placeholder, gains) = ops.state;
        if let Some(node) = node_input {
            let outputs = self.settings.params.outputs as usize;
            let dtype = grad.dtype();
            let gains = B::float_reshape(B::float_cast(gains, dtype.into()), [1, outputs].into());
            let scaled = B::float_mul(grad, gains);
            let transposed = self.settings.transposed(scaled.shape()[0]);
            let ones = B::float_ones([self.settings.params.inputs as usize].into(), &placeholder.device(), FloatDType::F32);
            let (grad_input, _) = B::crossbar_read(scaled, effective, placeholder, ones, transposed);
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
        effective: FloatTensor<Self>,
        conductance_sum: FloatTensor<Self>,
        gains: FloatTensor<Self>,
        settings: CrossbarSettings,
    ) -> (FloatTensor<Self>, FloatTensor<Self>) {
        let prep = ReadBackward { settings }.prepare::<C>([input.node()]).compute_bound().stateful();
        let (effective, gains) = (effective.into_primitive(), gains.into_primitive());
        let conductance_sum = conductance_sum.into_primitive();
        let (output, traces) = B::crossbar_read(input.into_primitive(), effective.clone(), conductance_sum.clone(), gains.clone(), settings);
        let output = match prep {
            // The backward read needs no traces: any tensor serves as its placeholder.
            OpsKind::Tracked(prep) => prep.finish((effective, conductance_sum, gains), output),
            OpsKind::UnTracked(prep) => prep.finish(output),
        };
        (output, Self::from_inner(traces))
    }
}
