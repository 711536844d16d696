//! Pulsed device updates as a backend op (not differentiated: it is an optimizer step).

mod autodiff;
mod cube;
mod flex;
pub(crate) mod wire;

use burn::backend::tensor::FloatTensor;
use burn::backend::{Backend, backend_extension};

use crate::kernels::pulsed_update::PulsedParams;

/// Pulsed device ops.
#[backend_extension(Cube, Autodiff, Flex, Remote: cfg(feature = "remote"))]
pub trait PulsedUpdateOps: Backend {
    /// The state of `params.devices` devices (held weight, read weight, writes, pulses; each
    /// `[devices]` f32) after `counts [devices]` f32 (signed pulse counts, or the target weights
    /// when `params.program`). Updates in place where the buffers are not shared.
    fn pulsed_update(
        held: FloatTensor<Self>,
        seen: FloatTensor<Self>,
        writes: FloatTensor<Self>,
        applied: FloatTensor<Self>,
        counts: FloatTensor<Self>,
        params: PulsedParams,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>);
}
