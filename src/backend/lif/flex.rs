//! Flex (Burn's CPU backend) implementation: runs the CPU reference, so every model that uses
//! our ops also runs on a machine without a GPU.

use burn::backend::Flex;
use burn::backend::TensorMetadata;
use burn::backend::tensor::FloatTensor;
use burn::tensor::DType;

use super::{NeuronOps, lif_backward_shapes, stacked_shape};
use crate::backend::flex_io::{device_tensor, host_values, storage};
use crate::neuron::LifSpec;
use crate::reference::lif::{self, SynapticState};

/// Splits `[rows, L]` coefficients into β, θ and (synaptic) α.
fn coefficient_rows(coeffs: &[f32], rows: usize) -> (&[f32], &[f32], Option<&[f32]>) {
    let len = coeffs.len() / rows;
    (&coeffs[..len], &coeffs[len..2 * len], (rows == 3).then(|| &coeffs[2 * len..]))
}

impl NeuronOps for Flex {
    fn lif_forward(
        input: FloatTensor<Self>,
        initial: FloatTensor<Self>,
        coeffs: FloatTensor<Self>,
        spec: LifSpec,
    ) -> FloatTensor<Self> {
        let like = input.clone();
        let coeff_shape = coeffs.shape();
        let (input, shape, dtype) = host_values(input);
        let (initial, _, _) = host_values(initial);
        let (coeffs, _, _) = host_values(coeffs);
        let (beta, theta, alpha) = coefficient_rows(&coeffs, coeff_shape[0]);
        let neurons = input.len() / shape[0];
        let problem = lif::LifProblem {
            spec,
            storage: storage(dtype),
            num_steps: shape[0],
            num_neurons: neurons,
            input: &input,
            initial: &initial[..neurons],
            beta,
            theta,
            synaptic: alpha.map(|alpha| SynapticState { alpha, initial: &initial[neurons..] }),
        };
        let out = lif::lif_forward(&problem);
        let mut stacked = out.spikes;
        stacked.extend(out.membrane);
        stacked.extend(out.synaptic);
        device_tensor(stacked, stacked_shape(&shape, &coeff_shape), dtype, &like)
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
        let coeff_shape = coeffs.shape();
        let rows = coeff_shape[0];
        let (forward, shape, dtype) = host_values(forward);
        let (input, _, _) = host_values(input);
        let (initial, _, _) = host_values(initial);
        let (coeffs, _, _) = host_values(coeffs);
        let (grad, _, _) = host_values(grad);
        let (beta, theta, alpha) = coefficient_rows(&coeffs, rows);
        let plane = forward.len() / rows;
        let neurons = plane / shape[1];
        let outputs = lif::LifOutputs {
            spikes: forward[..plane].to_vec(),
            membrane: forward[plane..2 * plane].to_vec(),
            synaptic: forward[2 * plane..].to_vec(),
        };
        let problem = lif::LifProblem {
            spec,
            storage: storage(dtype),
            num_steps: shape[1],
            num_neurons: neurons,
            input: &input,
            initial: &initial[..neurons],
            beta,
            theta,
            synaptic: alpha.map(|alpha| SynapticState { alpha, initial: &initial[neurons..] }),
        };
        let grads = lif::lif_backward(&problem, &outputs, &grad[..plane], &grad[plane..2 * plane], &grad[2 * plane..]);
        let (input_shape, coeff_grad_shape) = lif_backward_shapes(&shape, coeff_grads);
        let mut grad_input = grads.input;
        grad_input.extend(grads.initial);
        grad_input.extend(grads.initial_synaptic);
        let grad_coeffs = if coeff_grads {
            let mut all = grads.beta;
            all.extend(grads.theta);
            all.extend(grads.alpha);
            all
        } else {
            vec![0.0; rows]
        };
        (
            device_tensor(grad_input, input_shape, dtype, &like),
            device_tensor(grad_coeffs, coeff_grad_shape, DType::F32, &like),
        )
    }
}
