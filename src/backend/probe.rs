//! Ceiling probes (copy bandwidth, FMA rate) as backend ops, so the benchmarks can run them on
//! any device through `Dispatch`.

use burn::backend::Flex;
use burn::backend::tensor::FloatTensor;
use burn::backend::wgpu::CubeBackend;
use burn::backend::{Backend, backend_extension};
use burn::tensor::{DType, Shape};

use crate::backend::flex_io::{device_tensor, host_values};
use crate::kernels::ceilings;
use crate::reference::ceilings as reference;

/// Microbenchmark ops measuring a device's ceilings.
#[backend_extension(Cube, Fusion, Flex)]
pub trait ProbeOps: Backend {
    /// A streaming copy of an f32 tensor whose length is a multiple of 4.
    #[fusion(dtype = source, shape = source)]
    fn probe_copy(source: FloatTensor<Self>) -> FloatTensor<Self>;

    /// `invocations` FMA probes (see `shaders/bench_fma.wgsl`) on `like`'s device → `[invocations]` f32.
    #[fusion(dtype = { let _ = like; DType::F32 }, shape = { let _ = like; Shape::from(vec![*invocations]) })]
    fn probe_fma(like: FloatTensor<Self>, invocations: usize) -> FloatTensor<Self>;
}

impl ProbeOps for CubeBackend {
    fn probe_copy(source: FloatTensor<Self>) -> FloatTensor<Self> {
        ceilings::copy(source)
    }

    fn probe_fma(like: FloatTensor<Self>, invocations: usize) -> FloatTensor<Self> {
        ceilings::fma(like, invocations)
    }
}

impl ProbeOps for Flex {
    fn probe_copy(source: FloatTensor<Self>) -> FloatTensor<Self> {
        let like = source.clone();
        let (values, shape, dtype) = host_values(source);
        device_tensor(values, shape, dtype, &like)
    }

    fn probe_fma(like: FloatTensor<Self>, invocations: usize) -> FloatTensor<Self> {
        let values = (0..invocations as u32).map(reference::fma_probe).collect();
        device_tensor(values, vec![invocations].into(), DType::F32, &like)
    }
}
