//! Flex (CPU) implementation: runs the CPU reference.

use burn::backend::Flex;
use burn::backend::tensor::FloatTensor;
use burn::tensor::DType;

use super::PulsedUpdateOps;
use crate::backend::flex_io::{device_tensor, host_values};
use crate::kernels::pulsed_update::{DeviceState, PulsedParams};
use crate::reference::pulsed_update as reference;

impl PulsedUpdateOps for Flex {
    fn pulsed_update(
        held: FloatTensor<Self>,
        seen: FloatTensor<Self>,
        writes: FloatTensor<Self>,
        applied: FloatTensor<Self>,
        counts: FloatTensor<Self>,
        params: PulsedParams,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        let like = held.clone();
        let shape = vec![params.devices as usize];
        let values = |t: FloatTensor<Self>| host_values(t).0;
        let mut state = DeviceState { held: values(held), seen: values(seen), writes: values(writes), applied: values(applied) };
        reference::update(&mut state, &values(counts), &params);
        let back = |v: Vec<f32>| device_tensor(v, shape.clone().into(), DType::F32, &like);
        (back(state.held), back(state.seen), back(state.writes), back(state.applied))
    }
}
