//! The MIF ops as IR (see [`crate::backend::wire`]).

use burn::backend::TensorMetadata;
use burn::backend::fusion::custom::{ScalarIr, TensorSpec};
use burn::backend::tensor::FloatTensor;

use super::MifOps;
use crate::backend::wire::{IrBackend, Ran, decode, encode, exactly, op_id};
use crate::kernels::mif::{MIF_STATE_PLANES, MifKernelParams};

const FORWARD: &str = op_id!("mif_forward");
const BACKWARD: &str = op_id!("mif_backward");
pub(crate) const OPS: &[&str] = &[FORWARD, BACKWARD];

impl<T: IrBackend> MifOps for T {
    fn mif_forward(input: FloatTensor<Self>, initial: FloatTensor<Self>, params: MifKernelParams) -> FloatTensor<Self> {
        let shape = vec![params.steps as usize + 1, MIF_STATE_PLANES, params.neurons as usize];
        let output = TensorSpec::new(shape.into(), input.dtype());
        let [trajectory] = T::submit(FORWARD, vec![input, initial], [output], encode(&params));
        trajectory
    }

    fn mif_backward(trajectory: FloatTensor<Self>, grad_trajectory: FloatTensor<Self>, params: MifKernelParams) -> FloatTensor<Self> {
        let shape = vec![params.steps as usize + MIF_STATE_PLANES, params.neurons as usize];
        let output = TensorSpec::new(shape.into(), trajectory.dtype());
        let [grads] = T::submit(BACKWARD, vec![trajectory, grad_trajectory], [output], encode(&params));
        grads
    }
}

/// Runs `id` on `B` if it is one of these ops.
pub(crate) fn run<B: MifOps>(id: &str, inputs: Vec<FloatTensor<B>>, scalars: &[ScalarIr]) -> Ran<B> {
    Ok(match id {
        FORWARD => {
            let [input, initial] = exactly(id, "inputs", inputs);
            vec![B::mif_forward(input, initial, decode(id, scalars))]
        }
        BACKWARD => {
            let [trajectory, grad_trajectory] = exactly(id, "inputs", inputs);
            vec![B::mif_backward(trajectory, grad_trajectory, decode(id, scalars))]
        }
        _ => return Err(inputs),
    })
}
