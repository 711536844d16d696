//! The pulsed device update as IR (see [`crate::backend::wire`]).

use burn::backend::fusion::custom::ScalarIr;
use burn::backend::tensor::FloatTensor;

use super::PulsedUpdateOps;
use crate::backend::wire::{IrBackend, Ran, decode, describe, encode, exactly, op_id};
use crate::kernels::pulsed_update::PulsedParams;

const UPDATE: &str = op_id!("pulsed_update");
pub(crate) const OPS: &[&str] = &[UPDATE];

impl<T: IrBackend> PulsedUpdateOps for T {
    fn pulsed_update(
        held: FloatTensor<Self>,
        seen: FloatTensor<Self>,
        writes: FloatTensor<Self>,
        applied: FloatTensor<Self>,
        counts: FloatTensor<Self>,
        params: PulsedParams,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        let outputs = [&held, &seen, &writes, &applied].map(describe);
        let [held, seen, writes, applied] = T::submit(UPDATE, vec![held, seen, writes, applied, counts], outputs, encode(&params));
        (held, seen, writes, applied)
    }
}

/// Runs `id` on `B` if it is one of these ops.
pub(crate) fn run<B: PulsedUpdateOps>(id: &str, inputs: Vec<FloatTensor<B>>, scalars: &[ScalarIr]) -> Ran<B> {
    Ok(match id {
        UPDATE => {
            let [held, seen, writes, applied, counts] = exactly(id, "inputs", inputs);
            let (held, seen, writes, applied) = B::pulsed_update(held, seen, writes, applied, counts, decode(id, scalars));
            vec![held, seen, writes, applied]
        }
        _ => return Err(inputs),
    })
}
