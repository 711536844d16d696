//! Flex (Burn's CPU backend) implementation: runs the CPU reference, so every model that uses
//! our ops also runs on a machine without a GPU.

use burn::backend::Flex;
use burn::backend::tensor::FloatTensor;
use burn::tensor::DType;

use super::{NeuronOps, lif_backward_shapes, stacked_shape};
use crate::backend::flex_io::{device_tensor, host_values, storage};
use crate::neuron::{LifSpec, NeuronModel, SavedState};
use crate::reference::alpha::{self, AlphaOutputs, AlphaProblem};
use crate::reference::lif::{self, RecurrentState, SynapticState};
use crate::reference::saved_state;

/// Rows of a `[rows, len]` row-major buffer.
fn rows(values: &[f32], count: usize) -> Vec<&[f32]> {
    values.chunks(values.len() / count).collect()
}

/// The reference problem for `model`, from the coefficient and initial-state buffers.
fn problem<'a>(
    spec: LifSpec,
    model: NeuronModel,
    dtype: DType,
    steps: usize,
    input: &'a [f32],
    initial: &'a [f32],
    coeffs: &'a [f32],
) -> lif::LifProblem<'a> {
    let c = rows(coeffs, model.coeff_rows());
    let s = rows(initial, model.states());
    let recurrent_row = if model.synaptic { 3 } else { 2 };
    let spike_state = if model.synaptic { 2 } else { 1 };
    lif::LifProblem {
        spec,
        storage: storage(dtype),
        num_steps: steps,
        num_neurons: s[0].len(),
        input,
        initial: s[0],
        beta: c[0],
        theta: c[1],
        synaptic: model.synaptic.then(|| SynapticState { alpha: c[2], initial: s[1] }),
        recurrent: model.recurrent.then(|| RecurrentState { weight: c[recurrent_row], initial_spike: s[spike_state] }),
    }
}

/// The reference problem of an alpha neuron: coefficient rows β, θ, α; state rows U, E, H.
fn alpha_problem<'a>(spec: LifSpec, dtype: DType, steps: usize, input: &'a [f32], initial: &'a [f32], coeffs: &'a [f32]) -> AlphaProblem<'a> {
    let c = rows(coeffs, 3);
    let s = rows(initial, 3);
    AlphaProblem {
        spec,
        storage: storage(dtype),
        num_steps: steps,
        num_neurons: s[0].len(),
        input,
        initial_membrane: s[0],
        initial_excitatory: s[1],
        initial_inhibitory: s[2],
        alpha: c[2],
        beta: c[0],
        theta: c[1],
    }
}

impl NeuronOps for Flex {
    fn lif_forward(
        input: FloatTensor<Self>,
        initial: FloatTensor<Self>,
        coeffs: FloatTensor<Self>,
        spec: LifSpec,
        model: NeuronModel,
    ) -> FloatTensor<Self> {
        let like = input.clone();
        let (input, shape, dtype) = host_values(input);
        let (initial, _, _) = host_values(initial);
        let (coeffs, _, _) = host_values(coeffs);
        if model.alpha {
            let out = alpha::alpha_forward(&alpha_problem(spec, dtype, shape[0], &input, &initial, &coeffs));
            let stacked = [out.spikes, out.membrane, out.excitatory, out.inhibitory].concat();
            return device_tensor(stacked, stacked_shape(&shape, &model), dtype, &like);
        }
        let out = lif::lif_forward(&problem(spec, model, dtype, shape[0], &input, &initial, &coeffs));
        let mut stacked = out.spikes;
        stacked.extend(out.membrane);
        stacked.extend(out.synaptic);
        device_tensor(stacked, stacked_shape(&shape, &model), dtype, &like)
    }

    fn lif_forward_compact(
        input: FloatTensor<Self>,
        initial: FloatTensor<Self>,
        coeffs: FloatTensor<Self>,
        spec: LifSpec,
        model: NeuronModel,
    ) -> (FloatTensor<Self>, FloatTensor<Self>) {
        let output = Self::lif_forward(input, initial, coeffs, spec, model);
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
        model: NeuronModel,
        coeff_grads: bool,
    ) -> (FloatTensor<Self>, FloatTensor<Self>) {
        let like = grad.clone();
        let (grad, shape, dtype) = host_values(grad);
        let (input, _, _) = host_values(input);
        let (initial, _, _) = host_values(initial);
        let (coeffs, _, _) = host_values(coeffs);
        let plane = grad.len() / model.outputs();
        let forward = match spec.saved_state {
            SavedState::Full => host_values(forward).0,
            // The states as the f16 values they were saved as, stacked like the full output.
            SavedState::Compact => {
                let words: Vec<u32> = host_values(forward).0.iter().map(|w| w.to_bits()).collect();
                let (spikes, states) = saved_state::unpack(&words, shape[1], plane / shape[1], model.outputs() - 1);
                [vec![spikes], states].concat().concat()
            }
        };
        let (input_shape, coeff_grad_shape) = lif_backward_shapes(&shape, model, coeff_grads);
        if model.alpha {
            let planes: Vec<&[f32]> = forward.chunks(plane).collect();
            let outputs = AlphaOutputs {
                spikes: planes[0].to_vec(),
                membrane: planes[1].to_vec(),
                excitatory: planes[2].to_vec(),
                inhibitory: planes[3].to_vec(),
            };
            let g: Vec<&[f32]> = grad.chunks(plane).collect();
            let problem = alpha_problem(spec, dtype, shape[1], &input, &initial, &coeffs);
            let grads = alpha::alpha_backward(&problem, &outputs, [g[0], g[1], g[2], g[3]]);
            let grad_input = [grads.input, grads.initial_membrane, grads.initial_excitatory, grads.initial_inhibitory].concat();
            let grad_coeffs = if coeff_grads { [grads.beta, grads.theta, grads.alpha].concat() } else { vec![0.0; 3] };
            return (
                device_tensor(grad_input, input_shape, dtype, &like),
                device_tensor(grad_coeffs, coeff_grad_shape, DType::F32, &like),
            );
        }
        let outputs = lif::LifOutputs {
            spikes: forward[..plane].to_vec(),
            membrane: forward[plane..2 * plane].to_vec(),
            synaptic: forward[2 * plane..].to_vec(),
        };
        let problem = problem(spec, model, dtype, shape[1], &input, &initial, &coeffs);
        let grads = lif::lif_backward(&problem, &outputs, &grad[..plane], &grad[plane..2 * plane], &grad[2 * plane..]);
        let mut grad_input = grads.input;
        grad_input.extend(grads.initial);
        grad_input.extend(grads.initial_synaptic);
        grad_input.extend(grads.initial_spike);
        let grad_coeffs = if coeff_grads {
            let mut all = grads.beta;
            all.extend(grads.theta);
            all.extend(grads.alpha);
            all.extend(grads.recurrent);
            all
        } else {
            vec![0.0; model.coeff_rows()]
        };
        (
            device_tensor(grad_input, input_shape, dtype, &like),
            device_tensor(grad_coeffs, coeff_grad_shape, DType::F32, &like),
        )
    }
}
