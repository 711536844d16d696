//! Flex (Burn's CPU backend) implementation: runs the CPU reference (on blocks of neurons in
//! parallel, see `blocked`), so every model that uses our ops also runs on a machine without a
//! GPU.

use std::borrow::Cow;

use burn::backend::Flex;
use burn::backend::TensorMetadata;
use burn::backend::tensor::FloatTensor;
use burn::tensor::DType;

use super::blocked;
use super::{LifOps, lif_backward_shapes, stacked_shape};

use crate::backend::flex_io::{device_tensor, host_slice, host_steps, host_values, storage};
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
        let (shape, dtype) = (input.shape(), input.dtype());
        let (values, initial_values, coeff_values) = (host_steps(&input), host_slice(&initial), host_slice(&coeffs));
        let problem = StackedProblem {
            kind,
            spec,
            storage: storage(dtype),
            num_steps: shape[0],
            input: &values,
            initial: &initial_values,
            coeffs: &coeff_values,
        };
        device_tensor(blocked::forward(&problem), stacked_shape(&shape, &kind), dtype, &input)
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
        let (shape, dtype) = (grad.shape(), grad.dtype());
        let (grad_values, input, initial, coeffs) = (host_slice(&grad), host_slice(&input), host_slice(&initial), host_slice(&coeffs));
        let plane = grad_values.len() / kind.outputs();
        let forward: Cow<[f32]> = match spec.saved_state {
            SavedState::Full => host_slice(&forward),
            // The states as the f16 values they were saved as, stacked like the full output.
            SavedState::Compact => {
                let words: Vec<u32> = host_values(forward).0.iter().map(|w| w.to_bits()).collect();
                let (spikes, states) = saved_state::unpack(&words, shape[1], plane / shape[1], kind.outputs() - 1);
                Cow::Owned([vec![spikes], states].concat().concat())
            }
        };
        let (input_shape, coeff_grad_shape) = lif_backward_shapes(&shape, kind, coeff_grads);
        let problem = StackedProblem { kind, spec, storage: storage(dtype), num_steps: shape[1], input: &input, initial: &initial, coeffs: &coeffs };
        let (grad_input, grad_coeffs) = blocked::backward(&problem, &forward, &grad_values);
        let grad_coeffs = if coeff_grads { grad_coeffs } else { vec![0.0; kind.coeff_rows()] };
        (device_tensor(grad_input, input_shape, dtype, &grad), device_tensor(grad_coeffs, coeff_grad_shape, DType::F32, &grad))
    }
}
