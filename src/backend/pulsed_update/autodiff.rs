//! Autodiff implementation: an optimizer step, not differentiated.

use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, AutodiffBackend};

use super::PulsedUpdateOps;
use crate::kernels::pulsed_update::PulsedParams;

impl<B: PulsedUpdateOps, C: CheckpointStrategy> PulsedUpdateOps for Autodiff<B, C> {
    fn pulsed_update(
        held: FloatTensor<Self>,
        seen: FloatTensor<Self>,
        writes: FloatTensor<Self>,
        applied: FloatTensor<Self>,
        counts: FloatTensor<Self>,
        params: PulsedParams,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        let (held, seen, writes, applied) = B::pulsed_update(
            held.into_primitive(),
            seen.into_primitive(),
            writes.into_primitive(),
            applied.into_primitive(),
            counts.into_primitive(),
            params,
        );
        (Self::from_inner(held), Self::from_inner(seen), Self::from_inner(writes), Self::from_inner(applied))
    }
}
