//! Flex (Burn's CPU backend) implementation: runs the CPU reference, so every model that uses
//! our ops also runs on a machine without a GPU.

use burn::backend::Flex;
use burn::backend::tensor::FloatTensor;
use burn::tensor::DType;

use super::{NeuronOps, lif_backward_shapes, stacked_shape};
use crate::backend::flex_io::{device_tensor, host_values, storage};
use crate::neuron::LifSpec;
use crate::reference::lif;

impl NeuronOps for Flex {
    fn lif_forward(
        input: FloatTensor<Self>,
        initial: FloatTensor<Self>,
        coeffs: FloatTensor<Self>,
        spec: LifSpec,
    ) -> FloatTensor<Self> {
        let like = input.clone();
        let (input, shape, dtype) = host_values(input);
        let (initial, _, _) = host_values(initial);
        let (coeffs, _, _) = host_values(coeffs);
        let (beta, theta) = coeffs.split_at(coeffs.len() / 2);
        let problem = lif::LifProblem {
            spec,
            storage: storage(dtype),
            num_steps: shape[0],
            num_neurons: initial.len(),
            input: &input,
            initial: &initial,
            beta,
            theta,
        };
        let out = lif::lif_forward(&problem);
        let mut stacked = out.spikes;
        stacked.extend(out.membrane);
        device_tensor(stacked, stacked_shape(&shape), dtype, &like)
    }

    fn lif_backward(
        input: FloatTensor<Self>,
        initial: FloatTensor<Self>,
        coeffs: FloatTensor<Self>,
        forward: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        spec: LifSpec,
        coeff_grads: bool,
    ) -> (FloatTensor<Self>, FloatTensor<Self>) {
        let like = forward.clone();
        let (forward, shape, dtype) = host_values(forward);
        let (input, _, _) = host_values(input);
        let (initial, _, _) = host_values(initial);
        let (coeffs, _, _) = host_values(coeffs);
        let (grad, _, _) = host_values(grad);
        let (beta, theta) = coeffs.split_at(coeffs.len() / 2);
        let half = forward.len() / 2;
        let outputs = lif::LifOutputs {
            spikes: forward[..half].to_vec(),
            membrane: forward[half..].to_vec(),
        };
        let problem = lif::LifProblem {
            spec,
            storage: storage(dtype),
            num_steps: shape[1],
            num_neurons: initial.len(),
            input: &input,
            initial: &initial,
            beta,
            theta,
        };
        let grads = lif::lif_backward(&problem, &outputs, &grad[..half], &grad[half..]);
        let (input_shape, coeff_shape) = lif_backward_shapes(&shape, coeff_grads);
        let mut grad_input = grads.input;
        grad_input.extend(grads.initial);
        let grad_coeffs = if coeff_grads {
            let mut both = grads.beta;
            both.extend(grads.theta);
            both
        } else {
            vec![0.0; 2]
        };
        (
            device_tensor(grad_input, input_shape, dtype, &like),
            device_tensor(grad_coeffs, coeff_shape, DType::F32, &like),
        )
    }
}
