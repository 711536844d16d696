//! Ceiling probes (copy bandwidth, FMA rate) as backend ops, so the benchmarks can run them on
//! any device through `Dispatch`.

mod cube;
mod flex;

use burn::backend::tensor::FloatTensor;
use burn::backend::{Backend, backend_extension};
use burn::tensor::{DType, Shape};

/// Microbenchmark ops measuring a device's ceilings.
#[backend_extension(Cube, Fusion, Flex)]
pub trait CeilingOps: Backend {
    /// A streaming copy of an f32 tensor whose length is a multiple of 4.
    #[fusion(dtype = source, shape = source)]
    fn ceiling_copy(source: FloatTensor<Self>) -> FloatTensor<Self>;

    /// `invocations` FMA probes (see `shaders/ceiling_fma.wgsl`) on `like`'s device → `[invocations]` f32.
    #[fusion(dtype = { let _ = like; DType::F32 }, shape = { let _ = like; Shape::from(vec![*invocations]) })]
    fn ceiling_fma(like: FloatTensor<Self>, invocations: usize) -> FloatTensor<Self>;
}
