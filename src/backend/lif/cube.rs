//! Cube (wgpu) implementation: launches the WGSL kernels.

use burn::backend::tensor::FloatTensor;
use burn::backend::wgpu::CubeBackend;

use super::NeuronOps;
use crate::kernels::lif;
use crate::neuron::{LifSpec, NeuronModel};

impl NeuronOps for CubeBackend {
    fn lif_forward(
        input: FloatTensor<Self>,
        initial: FloatTensor<Self>,
        coeffs: FloatTensor<Self>,
        spec: LifSpec,
        model: NeuronModel,
    ) -> FloatTensor<Self> {
        lif::lif_forward(&spec, model, input, initial, coeffs)
    }

    fn lif_forward_compact(
        input: FloatTensor<Self>,
        initial: FloatTensor<Self>,
        coeffs: FloatTensor<Self>,
        spec: LifSpec,
        model: NeuronModel,
    ) -> (FloatTensor<Self>, FloatTensor<Self>) {
        lif::lif_forward_compact(&spec, model, input, initial, coeffs)
    }

    fn lif_backward(
        input: FloatTensor<Self>,
        initial: FloatTensor<Self>,
        coeffs: FloatTensor<Self>,
        forward: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        spec: LifSpec,
        model: NeuronModel,
        coeff_grads: bool,
    ) -> (FloatTensor<Self>, FloatTensor<Self>) {
        lif::lif_backward(&spec, model, input, initial, coeffs, forward, grad, coeff_grads)
    }
}
