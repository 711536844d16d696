//! Cube (wgpu) implementation: launches `shaders/spike_propagate.wgsl`.

use burn::backend::tensor::FloatTensor;
use burn::backend::wgpu::CubeBackend;

use super::PropagationOps;
use crate::kernels::spike_propagate;

impl PropagationOps for CubeBackend {
    fn spike_propagate(spikes: FloatTensor<Self>, weight: FloatTensor<Self>) -> FloatTensor<Self> {
        spike_propagate::spike_propagate(spikes, weight)
    }

    fn spike_weight_grad(spikes: FloatTensor<Self>, grad_output: FloatTensor<Self>) -> FloatTensor<Self> {
        spike_propagate::spike_weight_grad(spikes, grad_output)
    }
}
