//! Flex (CPU) implementation: the CPU reference.

use burn::backend::Flex;
use burn::backend::tensor::FloatTensor;

use burn::backend::ops::FloatTensorOps;
use burn::tensor::DType;

use super::{SpikePropagateOps, packed_shape, product_shape, weight_grad_shape};
use crate::backend::flex_io::{device_tensor, host_values, storage};
use crate::reference::spike_propagate as reference;

impl SpikePropagateOps for Flex {
    fn spike_propagate(spikes: FloatTensor<Self>, weight: FloatTensor<Self>) -> FloatTensor<Self> {
        let like = weight.clone();
        let (spikes, spike_shape, _) = host_values(spikes);
        let (weight, weight_shape, dtype) = host_values(weight);
        let out = reference::spike_propagate(storage(dtype), &spikes, spike_shape[0], spike_shape[1], &weight, weight_shape[1]);
        device_tensor(out, product_shape(&spike_shape, &weight_shape), dtype, &like)
    }

    fn spike_weight_grad(spikes: FloatTensor<Self>, grad_output: FloatTensor<Self>) -> FloatTensor<Self> {
        let like = grad_output.clone();
        let (spikes, spike_shape, _) = host_values(spikes);
        let (grad, grad_shape, dtype) = host_values(grad_output);
        let out = reference::spike_weight_grad(storage(dtype), &spikes, spike_shape[0], spike_shape[1], &grad, grad_shape[1]);
        device_tensor(out, weight_grad_shape(&spike_shape, &grad_shape), dtype, &like)
    }

    fn spike_propagate_packed(spikes: FloatTensor<Self>, _packed: FloatTensor<Self>, weight: FloatTensor<Self>, sparse: bool) -> FloatTensor<Self> {
        if sparse { Self::spike_propagate(spikes, weight) } else { Self::float_matmul(spikes, weight) }
    }

    fn spike_pack(spikes: FloatTensor<Self>) -> (FloatTensor<Self>, FloatTensor<Self>) {
        let like = spikes.clone();
        let (spikes, shape, _) = host_values(spikes);
        let words = reference::pack_rows(&spikes, shape[0], shape[1]);
        let (active, invalid) = reference::spike_counts(&spikes);
        let bits = |values: Vec<u32>| values.into_iter().map(f32::from_bits).collect();
        (
            device_tensor(bits(words), packed_shape(&shape), DType::F32, &like),
            device_tensor(bits(vec![active, invalid]), vec![2].into(), DType::F32, &like),
        )
    }

    fn spike_unpack(packed: FloatTensor<Self>, columns: usize, dtype: DType) -> FloatTensor<Self> {
        let like = packed.clone();
        let (words, shape, _) = host_values(packed);
        let words: Vec<u32> = words.iter().map(|w| w.to_bits()).collect();
        device_tensor(reference::unpack_rows(&words, shape[0], columns), vec![shape[0], columns].into(), dtype, &like)
    }
}
