//! The reservoir node ops as IR (see [`crate::backend::wire`]).

use burn::backend::TensorMetadata;
use burn::backend::fusion::custom::{ScalarIr, TensorSpec};
use burn::backend::tensor::FloatTensor;
use burn::tensor::DType;

use super::ReservoirNodeOps;
use crate::backend::wire::{IrBackend, Ran, decode, encode, exactly, op_id};
use crate::kernels::reservoir_node::ReservoirNodeParams;

const FORWARD: &str = op_id!("reservoir_node_forward");
const BACKWARD: &str = op_id!("reservoir_node_backward");
pub(crate) const OPS: &[&str] = &[FORWARD, BACKWARD];

impl<T: IrBackend> ReservoirNodeOps for T {
    fn reservoir_node_forward(
        input: FloatTensor<Self>,
        initial: FloatTensor<Self>,
        coeffs: FloatTensor<Self>,
        params: ReservoirNodeParams,
    ) -> FloatTensor<Self> {
        let shape = vec![params.steps as usize, params.channels as usize, params.neurons as usize];
        let output = TensorSpec::new(shape.into(), input.dtype());
        let [conductances] = T::submit(FORWARD, vec![input, initial, coeffs], [output], encode(&params));
        conductances
    }

    fn reservoir_node_backward(
        input: FloatTensor<Self>,
        initial: FloatTensor<Self>,
        coeffs: FloatTensor<Self>,
        output: FloatTensor<Self>,
        grad_output: FloatTensor<Self>,
        params: ReservoirNodeParams,
    ) -> FloatTensor<Self> {
        let shape = vec![params.steps as usize + 3, params.channels as usize, params.neurons as usize];
        let grads = TensorSpec::new(shape.into(), DType::F32);
        let [grads] = T::submit(BACKWARD, vec![input, initial, coeffs, output, grad_output], [grads], encode(&params));
        grads
    }
}

/// Runs `id` on `B` if it is one of these ops.
pub(crate) fn run<B: ReservoirNodeOps>(id: &str, inputs: Vec<FloatTensor<B>>, scalars: &[ScalarIr]) -> Ran<B> {
    Ok(match id {
        FORWARD => {
            let [input, initial, coeffs] = exactly(id, "inputs", inputs);
            vec![B::reservoir_node_forward(input, initial, coeffs, decode(id, scalars))]
        }
        BACKWARD => {
            let [input, initial, coeffs, output, grad_output] = exactly(id, "inputs", inputs);
            vec![B::reservoir_node_backward(input, initial, coeffs, output, grad_output, decode(id, scalars))]
        }
        _ => return Err(inputs),
    })
}
