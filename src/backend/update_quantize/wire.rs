//! The update quantizer as IR (see [`crate::backend::wire`]).

use burn::backend::fusion::custom::ScalarIr;
use burn::backend::tensor::FloatTensor;

use super::UpdateQuantizeOps;
use crate::backend::wire::{IrBackend, Ran, decode, describe, encode, exactly, op_id};

const QUANTIZE: &str = op_id!("update_quantize");
pub(crate) const OPS: &[&str] = &[QUANTIZE];

impl<T: IrBackend> UpdateQuantizeOps for T {
    fn update_quantize(input: FloatTensor<Self>, bins: u32) -> FloatTensor<Self> {
        let output = describe(&input);
        let [output] = T::submit(QUANTIZE, vec![input], [output], encode(&bins));
        output
    }
}

/// Runs `id` on `B` if it is one of these ops.
pub(crate) fn run<B: UpdateQuantizeOps>(id: &str, inputs: Vec<FloatTensor<B>>, scalars: &[ScalarIr]) -> Ran<B> {
    Ok(match id {
        QUANTIZE => {
            let [input] = exactly(id, "inputs", inputs);
            vec![B::update_quantize(input, decode(id, scalars))]
        }
        _ => return Err(inputs),
    })
}
