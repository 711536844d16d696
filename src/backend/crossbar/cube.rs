//! Cube (wgpu) implementation: launches the crossbar kernels.

use burn::backend::tensor::FloatTensor;
use burn::backend::wgpu::CubeBackend;

use super::CrossbarOps;
use crate::kernels::crossbar::{self, CrossbarSettings, DriftParams};

impl CrossbarOps for CubeBackend {
    fn crossbar_drift(planes: FloatTensor<Self>, params: DriftParams) -> FloatTensor<Self> {
        crossbar::drift(planes, &params)
    }

    fn crossbar_program(weight: FloatTensor<Self>, scales: FloatTensor<Self>, settings: CrossbarSettings) -> FloatTensor<Self> {
        crossbar::program(weight, scales, &settings)
    }

    fn crossbar_read(
        input: FloatTensor<Self>,
        effective: FloatTensor<Self>,
        conductance_sum: FloatTensor<Self>,
        gains: FloatTensor<Self>,
        settings: CrossbarSettings,
    ) -> (FloatTensor<Self>, FloatTensor<Self>) {
        crossbar::read(input, effective, conductance_sum, gains, &settings)
    }
}
