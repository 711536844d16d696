//! Rate-coded spike generation as IR (see [`crate::backend::wire`]).

use burn::backend::fusion::custom::{ScalarIr, TensorSpec};
use burn::backend::tensor::FloatTensor;
use burn::tensor::DType;

use super::SpikegenOps;
use crate::backend::wire::{IrBackend, Ran, decode, encode, exactly, op_id};
use crate::kernels::spikegen::RateParams;

const RATE: &str = op_id!("spikegen_rate");
pub(crate) const OPS: &[&str] = &[RATE];

impl<T: IrBackend> SpikegenOps for T {
    fn spikegen_rate(probability: FloatTensor<Self>, params: RateParams, dtype: DType) -> FloatTensor<Self> {
        let output = TensorSpec::new(vec![params.steps as usize, params.neurons as usize].into(), dtype);
        let [spikes] = T::submit(RATE, vec![probability], [output], encode(&(params, dtype)));
        spikes
    }
}

/// Runs `id` on `B` if it is one of these ops.
pub(crate) fn run<B: SpikegenOps>(id: &str, inputs: Vec<FloatTensor<B>>, scalars: &[ScalarIr]) -> Ran<B> {
    Ok(match id {
        RATE => {
            let [probability] = exactly(id, "inputs", inputs);
            let (params, dtype) = decode(id, scalars);
            vec![B::spikegen_rate(probability, params, dtype)]
        }
        _ => return Err(inputs),
    })
}
