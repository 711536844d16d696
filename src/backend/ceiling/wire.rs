//! The ceiling probes as IR (see [`crate::backend::wire`]).

use burn::backend::fusion::custom::{ScalarIr, TensorSpec};
use burn::backend::tensor::FloatTensor;
use burn::tensor::DType;

use super::CeilingOps;
use crate::backend::wire::{IrBackend, Ran, decode, describe, encode, exactly, op_id};

const COPY: &str = op_id!("ceiling_copy");
const FMA: &str = op_id!("ceiling_fma");
pub(crate) const OPS: &[&str] = &[COPY, FMA];

impl<T: IrBackend> CeilingOps for T {
    fn ceiling_copy(source: FloatTensor<Self>) -> FloatTensor<Self> {
        let output = describe(&source);
        let [output] = T::submit(COPY, vec![source], [output], encode(&()));
        output
    }

    fn ceiling_fma(like: FloatTensor<Self>, invocations: usize) -> FloatTensor<Self> {
        let output = TensorSpec::new(vec![invocations].into(), DType::F32);
        let [output] = T::submit(FMA, vec![like], [output], encode(&invocations));
        output
    }
}

/// Runs `id` on `B` if it is one of these ops.
pub(crate) fn run<B: CeilingOps>(id: &str, inputs: Vec<FloatTensor<B>>, scalars: &[ScalarIr]) -> Ran<B> {
    Ok(match id {
        COPY => {
            let [source] = exactly(id, "inputs", inputs);
            let () = decode(id, scalars);
            vec![B::ceiling_copy(source)]
        }
        FMA => {
            let [like] = exactly(id, "inputs", inputs);
            vec![B::ceiling_fma(like, decode(id, scalars))]
        }
        _ => return Err(inputs),
    })
}
