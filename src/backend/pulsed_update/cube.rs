//! Cube (wgpu) implementation: launches the update kernel.

use burn::backend::tensor::FloatTensor;
use burn::backend::wgpu::CubeBackend;

use super::PulsedUpdateOps;
use crate::kernels::pulsed_update::{self, DeviceState, PulsedParams};

impl PulsedUpdateOps for CubeBackend {
    fn pulsed_update(
        held: FloatTensor<Self>,
        seen: FloatTensor<Self>,
        writes: FloatTensor<Self>,
        applied: FloatTensor<Self>,
        counts: FloatTensor<Self>,
        params: PulsedParams,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        let state = pulsed_update::update(DeviceState { held, seen, writes, applied }, counts, &params);
        (state.held, state.seen, state.writes, state.applied)
    }
}
