//! The neuron ops as IR (see [`crate::backend::wire`]).

use burn::backend::TensorMetadata;
use burn::backend::fusion::custom::{ScalarIr, TensorSpec};
use burn::backend::tensor::FloatTensor;

use super::{LifOps, lif_backward_meta, lif_forward_compact_meta, stacked_shape};
use crate::backend::wire::{IrBackend, Ran, decode, describe, encode, exactly, op_id};
use crate::neuron::{LifSpec, NeuronKind};

const FORWARD: &str = op_id!("lif_forward");
const FORWARD_COMPACT: &str = op_id!("lif_forward_compact");
const BACKWARD: &str = op_id!("lif_backward");
pub(crate) const OPS: &[&str] = &[FORWARD, FORWARD_COMPACT, BACKWARD];

impl<T: IrBackend> LifOps for T {
    fn lif_forward(
        input: FloatTensor<Self>,
        initial: FloatTensor<Self>,
        coeffs: FloatTensor<Self>,
        spec: LifSpec,
        kind: NeuronKind,
    ) -> FloatTensor<Self> {
        let output = TensorSpec::new(stacked_shape(&input.shape(), &kind), input.dtype());
        let [output] = T::submit(FORWARD, vec![input, initial, coeffs], [output], encode(&(spec, kind)));
        output
    }

    fn lif_forward_compact(
        input: FloatTensor<Self>,
        initial: FloatTensor<Self>,
        coeffs: FloatTensor<Self>,
        spec: LifSpec,
        kind: NeuronKind,
    ) -> (FloatTensor<Self>, FloatTensor<Self>) {
        let (output, saved) = lif_forward_compact_meta(&describe(&input), &describe(&initial), &describe(&coeffs), &spec, &kind);
        let [output, saved] = T::submit(FORWARD_COMPACT, vec![input, initial, coeffs], [output, saved], encode(&(spec, kind)));
        (output, saved)
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
        let specs = [&input, &initial, &coeffs, &forward, &grad].map(describe);
        let (grad_input, grad_coeffs) = lif_backward_meta(&specs[0], &specs[1], &specs[2], &specs[3], &specs[4], &spec, &kind, &coeff_grads);
        let inputs = vec![input, initial, coeffs, forward, grad];
        let [grad_input, grad_coeffs] = T::submit(BACKWARD, inputs, [grad_input, grad_coeffs], encode(&(spec, kind, coeff_grads)));
        (grad_input, grad_coeffs)
    }
}

/// Runs `id` on `B` if it is one of these ops.
pub(crate) fn run<B: LifOps>(id: &str, inputs: Vec<FloatTensor<B>>, scalars: &[ScalarIr]) -> Ran<B> {
    Ok(match id {
        FORWARD => {
            let [input, initial, coeffs] = exactly(id, "inputs", inputs);
            let (spec, kind) = decode(id, scalars);
            vec![B::lif_forward(input, initial, coeffs, spec, kind)]
        }
        FORWARD_COMPACT => {
            let [input, initial, coeffs] = exactly(id, "inputs", inputs);
            let (spec, kind) = decode(id, scalars);
            let (output, saved) = B::lif_forward_compact(input, initial, coeffs, spec, kind);
            vec![output, saved]
        }
        BACKWARD => {
            let [input, initial, coeffs, forward, grad] = exactly(id, "inputs", inputs);
            let (spec, kind, coeff_grads) = decode(id, scalars);
            let (grad_input, grad_coeffs) = B::lif_backward(input, initial, coeffs, forward, grad, spec, kind, coeff_grads);
            vec![grad_input, grad_coeffs]
        }
        _ => return Err(inputs),
    })
}
