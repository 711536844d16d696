//! Ceiling probes (copy bandwidth, FMA rate) as backend ops, so the benchmarks can run them on
//! any device through `Dispatch`.

mod cube;
mod flex;
pub(crate) mod wire;

use burn::backend::tensor::FloatTensor;
use burn::backend::{Backend, backend_extension};

/// Microbenchmark ops measuring a device's ceilings.
#[backend_extension(Cube, Flex, Remote: cfg(feature = "remote"))]
pub trait CeilingOps: Backend {
    /// A streaming copy of an f32 tensor whose length is a multiple of 4.
    fn ceiling_copy(source: FloatTensor<Self>) -> FloatTensor<Self>;

    /// `invocations` FMA probes (see `shaders/ceiling_fma.wgsl`) on `like`'s device → `[invocations]` f32.
    fn ceiling_fma(like: FloatTensor<Self>, invocations: usize) -> FloatTensor<Self>;
}
