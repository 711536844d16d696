//! Cube (wgpu) implementation: launches the WGSL kernels.

use burn::backend::tensor::FloatTensor;
use burn::backend::wgpu::CubeBackend;

use super::LifOps;
use crate::kernels::lif;
use crate::neuron::{LifSpec, NeuronKind};

impl LifOps for CubeBackend {
    fn lif_forward(
        input: FloatTensor<Self>,
        initial: FloatTensor<Self>,
        coeffs: FloatTensor<Self>,
        spec: LifSpec,
        kind: NeuronKind,
    ) -> FloatTensor<Self> {
        lif::lif_forward(&spec, kind, input, initial, coeffs)
    }

    fn lif_forward_compact(
        input: FloatTensor<Self>,
        initial: FloatTensor<Self>,
        coeffs: FloatTensor<Self>,
        spec: LifSpec,
        kind: NeuronKind,
    ) -> (FloatTensor<Self>, FloatTensor<Self>) {
        lif::lif_forward_compact(&spec, kind, input, initial, coeffs)
    }

    fn lif_backward(
        input: FloatTensor<Self>,
        initial: FloatTensor<Self>,
        coeffs: FloatTensor<Self>,
        forward: FloatTensor<Self>,
        grad: FloatTensor<Self>,
        spec: LifSpec,
        kind: NeuronKind,
        coeff_grads: bool,
    ) -> (FloatTensor<Self>, FloatTensor<Self>) {
        lif::lif_backward(&spec, kind, input, initial, coeffs, forward, grad, coeff_grads)
    }
}
