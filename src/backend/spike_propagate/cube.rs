//! Cube (wgpu) implementation: launches the spike propagation and packing kernels.

use burn::backend::tensor::FloatTensor;
use burn::backend::wgpu::CubeBackend;

use super::SpikePropagateOps;
use burn::backend::ops::FloatTensorOps;
use burn::tensor::DType;

use crate::kernels::{spike_pack, spike_propagate};

impl SpikePropagateOps for CubeBackend {
    fn spike_propagate(spikes: FloatTensor<Self>, weight: FloatTensor<Self>) -> FloatTensor<Self> {
        spike_propagate::spike_propagate(spikes, weight)
    }

    fn spike_weight_grad(spikes: FloatTensor<Self>, grad_output: FloatTensor<Self>) -> FloatTensor<Self> {
        spike_propagate::spike_weight_grad(spikes, grad_output)
    }

    fn spike_propagate_packed(spikes: FloatTensor<Self>, _packed: FloatTensor<Self>, weight: FloatTensor<Self>, sparse: bool) -> FloatTensor<Self> {
        if sparse { spike_propagate::spike_propagate(spikes, weight) } else { Self::float_matmul(spikes, weight) }
    }

    fn spike_pack(spikes: FloatTensor<Self>) -> (FloatTensor<Self>, FloatTensor<Self>) {
        spike_pack::spike_pack(spikes)
    }

    fn spike_unpack(packed: FloatTensor<Self>, columns: usize, dtype: DType) -> FloatTensor<Self> {
        spike_pack::spike_unpack(packed, columns, dtype)
    }
}
