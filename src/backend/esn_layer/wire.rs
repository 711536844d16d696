//! The echo-state layer as IR (see [`crate::backend::wire`]).

use burn::backend::TensorMetadata;
use burn::backend::fusion::custom::{ScalarIr, TensorSpec};
use burn::backend::tensor::FloatTensor;

use super::EsnLayerOps;
use crate::backend::wire::{IrBackend, Ran, decode, encode, exactly, op_id};
use crate::kernels::esn_layer::EsnLayerParams;

const FORWARD: &str = op_id!("esn_layer_forward");
pub(crate) const OPS: &[&str] = &[FORWARD];

impl<T: IrBackend> EsnLayerOps for T {
    fn esn_layer_forward(
        drive: FloatTensor<Self>,
        weight_t: FloatTensor<Self>,
        initial: FloatTensor<Self>,
        params: EsnLayerParams,
    ) -> FloatTensor<Self> {
        let shape = vec![params.batch as usize, params.steps as usize, params.neurons as usize];
        let output = TensorSpec::new(shape.into(), drive.dtype());
        let [states] = T::submit(FORWARD, vec![drive, weight_t, initial], [output], encode(&params));
        states
    }
}

/// Runs `id` on `B` if it is one of these ops.
pub(crate) fn run<B: EsnLayerOps>(id: &str, inputs: Vec<FloatTensor<B>>, scalars: &[ScalarIr]) -> Ran<B> {
    Ok(match id {
        FORWARD => {
            let [drive, weight_t, initial] = exactly(id, "inputs", inputs);
            vec![B::esn_layer_forward(drive, weight_t, initial, decode(id, scalars))]
        }
        _ => return Err(inputs),
    })
}
