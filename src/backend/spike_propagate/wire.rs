//! The spike propagation ops as IR (see [`crate::backend::wire`]).

use burn::backend::TensorMetadata;
use burn::backend::fusion::custom::{ScalarIr, TensorSpec};
use burn::backend::tensor::FloatTensor;
use burn::tensor::DType;

use super::{SpikePropagateOps, packed_shape, product_shape, weight_grad_shape};
use crate::backend::wire::{IrBackend, Ran, decode, encode, exactly, op_id};

const PROPAGATE: &str = op_id!("spike_propagate");
const WEIGHT_GRAD: &str = op_id!("spike_weight_grad");
const PROPAGATE_PACKED: &str = op_id!("spike_propagate_packed");
const PACK: &str = op_id!("spike_pack");
const UNPACK: &str = op_id!("spike_unpack");
pub(crate) const OPS: &[&str] = &[PROPAGATE, WEIGHT_GRAD, PROPAGATE_PACKED, PACK, UNPACK];

impl<T: IrBackend> SpikePropagateOps for T {
    fn spike_propagate(spikes: FloatTensor<Self>, weight: FloatTensor<Self>) -> FloatTensor<Self> {
        let output = TensorSpec::new(product_shape(&spikes.shape(), &weight.shape()), weight.dtype());
        let [output] = T::submit(PROPAGATE, vec![spikes, weight], [output], encode(&()));
        output
    }

    fn spike_weight_grad(spikes: FloatTensor<Self>, grad_output: FloatTensor<Self>) -> FloatTensor<Self> {
        let output = TensorSpec::new(weight_grad_shape(&spikes.shape(), &grad_output.shape()), grad_output.dtype());
        let [output] = T::submit(WEIGHT_GRAD, vec![spikes, grad_output], [output], encode(&()));
        output
    }

    fn spike_propagate_packed(spikes: FloatTensor<Self>, packed: FloatTensor<Self>, weight: FloatTensor<Self>, sparse: bool) -> FloatTensor<Self> {
        let output = TensorSpec::new(product_shape(&spikes.shape(), &weight.shape()), weight.dtype());
        let [output] = T::submit(PROPAGATE_PACKED, vec![spikes, packed, weight], [output], encode(&sparse));
        output
    }

    fn spike_pack(spikes: FloatTensor<Self>) -> (FloatTensor<Self>, FloatTensor<Self>) {
        let words = TensorSpec::new(packed_shape(&spikes.shape()), DType::F32);
        let counts = TensorSpec::new(vec![2].into(), DType::F32);
        let [words, counts] = T::submit(PACK, vec![spikes], [words, counts], encode(&()));
        (words, counts)
    }

    fn spike_unpack(packed: FloatTensor<Self>, columns: usize, dtype: DType) -> FloatTensor<Self> {
        let output = TensorSpec::new(vec![packed.shape()[0], columns].into(), dtype);
        let [output] = T::submit(UNPACK, vec![packed], [output], encode(&(columns, dtype)));
        output
    }
}

/// Runs `id` on `B` if it is one of these ops.
pub(crate) fn run<B: SpikePropagateOps>(id: &str, inputs: Vec<FloatTensor<B>>, scalars: &[ScalarIr]) -> Ran<B> {
    Ok(match id {
        PROPAGATE => {
            let [spikes, weight] = exactly(id, "inputs", inputs);
            let () = decode(id, scalars);
            vec![B::spike_propagate(spikes, weight)]
        }
        WEIGHT_GRAD => {
            let [spikes, grad_output] = exactly(id, "inputs", inputs);
            let () = decode(id, scalars);
            vec![B::spike_weight_grad(spikes, grad_output)]
        }
        PROPAGATE_PACKED => {
            let [spikes, packed, weight] = exactly(id, "inputs", inputs);
            vec![B::spike_propagate_packed(spikes, packed, weight, decode(id, scalars))]
        }
        PACK => {
            let [spikes] = exactly(id, "inputs", inputs);
            let () = decode(id, scalars);
            let (words, counts) = B::spike_pack(spikes);
            vec![words, counts]
        }
        UNPACK => {
            let [packed] = exactly(id, "inputs", inputs);
            let (columns, dtype) = decode(id, scalars);
            vec![B::spike_unpack(packed, columns, dtype)]
        }
        _ => return Err(inputs),
    })
}
