//! The WOx memristor node as IR (see [`crate::backend::wire`]).

use burn::backend::TensorMetadata;
use burn::backend::fusion::custom::{ScalarIr, TensorSpec};
use burn::backend::tensor::FloatTensor;

use super::WoxNodeOps;
use crate::backend::wire::{IrBackend, Ran, decode, encode, exactly, op_id};
use crate::kernels::wox_node::WoxNodeParams;

const FORWARD: &str = op_id!("wox_node_forward");
pub(crate) const OPS: &[&str] = &[FORWARD];

impl<T: IrBackend> WoxNodeOps for T {
    fn wox_node_forward(voltage: FloatTensor<Self>, initial: FloatTensor<Self>, params: WoxNodeParams) -> FloatTensor<Self> {
        let output = TensorSpec::new(vec![params.steps as usize, 2, params.neurons as usize].into(), voltage.dtype());
        let [trajectory] = T::submit(FORWARD, vec![voltage, initial], [output], encode(&params));
        trajectory
    }
}

/// Runs `id` on `B` if it is one of these ops.
pub(crate) fn run<B: WoxNodeOps>(id: &str, inputs: Vec<FloatTensor<B>>, scalars: &[ScalarIr]) -> Ran<B> {
    Ok(match id {
        FORWARD => {
            let [voltage, initial] = exactly(id, "inputs", inputs);
            vec![B::wox_node_forward(voltage, initial, decode(id, scalars))]
        }
        _ => return Err(inputs),
    })
}
