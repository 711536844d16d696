//! Flex (Burn's CPU backend) implementation: runs the CPU reference (on blocks of neurons in
//! parallel, see `blocked`), so every model that uses our ops also runs on a machine without a
//! GPU.

use burn::backend::Flex;
use burn::backend::tensor::FloatTensor;
use burn::tensor::DType;

use super::blocked;
use super::{LifOps, lif_backward_shapes, stacked_shape};
use crate::backend::flex_io::{device_tensor, host_values, storage};
use crate::neuron::{LifSpec, NeuronKind, SavedState};
use crate::reference::neuron::StackedProblem;
use crate::reference::saved_state;

impl LifOps for Flex {
    fn lif_forward(
        input: FloatTensor<Self>,
        initial: FloatTensor<Self>,
        coeffs: FloatTensor<Self>,
        spec: LifSpec,
        kind: NeuronKind,
    ) -> FloatTensor<Self> {
        let like = input.clone();
        let (input, shape, dtype) = host_values(input);
        let (initial, _, _) = host_values(initial);
        let (coeffs, _, _) = host_values(coeffs);
        let problem = StackedProblem { kind, spec, storage: storage(dtype), num_steps: shape[0], input: &input, initial: &initial, coeffs: &coeffs };
        device_tensor(blocked::forward(&problem), stacked_shape(&shape, &kind), dtype, &like)
    }

    fn lif_forward_compact(
        input: FloatTensor<Self>,
        initial: FloatTensor<Self>,
        coeffs: FloatTensor<Self>,
        spec: LifSpec,
        kind: NeuronKind,
    ) -> (FloatTensor<Self>, FloatTensor<Self>) {
        let output = Self::lif_forward(input, initial, coeffs, spec, kind);
        let (stacked, shape, _) = host_values(output.clone());
        let (steps, plane) = (shape[1], stacked.len() / shape[0]);
        let planes: Vec<&[f32]> = stacked.chunks(plane).collect();
        let words = saved_state::pack(planes[0], &planes[1..], steps, plane / steps);
        let len = words.len();
        let bits = words.into_iter().map(f32::from_bits).collect();
        (output.clone(), device_tensor(bits, vec![len].into(), DType::F32, &output))
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
        let like = grad.clone();
        let (grad, shape, dtype) = host_values(grad);
        let (input, _, _) = host_values(input);
        let (initial, _, _) = host_values(initial);
        let (coeffs, _, _) = host_values(coeffs);
        let plane = grad.len() / kind.outputs();
        let forward = match spec.saved_state {
            SavedState::Full => host_values(forward).0,
            // The states as the f16 values they were saved as, stacked like the full output.
            SavedState::Compact => {
                let words: Vec<u32> = host_values(forward).0.iter().map(|w| w.to_bits()).collect();
                let (spikes, states) = saved_state::unpack(&words, shape[1], plane / shape[1], kind.outputs() - 1);
                [vec![spikes], states].concat().concat()
            }
        };
        let (input_shape, coeff_grad_shape) = lif_backward_shapes(&shape, kind, coeff_grads);
        let problem = StackedProblem { kind, spec, storage: storage(dtype), num_steps: shape[1], input: &input, initial: &initial, coeffs: &coeffs };
        let (grad_input, grad_coeffs) = blocked::backward(&problem, &forward, &grad);
        let grad_coeffs = if coeff_grads { grad_coeffs } else { vec![0.0; kind.coeff_rows()] };
        (device_tensor(grad_input, input_shape, dtype, &like), device_tensor(grad_coeffs, coeff_grad_shape, DType::F32, &like))
    }
}
