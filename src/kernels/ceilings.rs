//! Microkernels that measure a device's own ceilings: streaming copy bandwidth and FMA rate.
//! Benchmark results are reported as a fraction of these.

use burn::backend::wgpu::{CubeTensor, KernelSource, SourceKernel, SourceTemplate};
use burn::cubecl::CubeDim;
use burn::cubecl::prelude::KernelId;
use burn::cubecl::server::KernelArguments;
use burn::tensor::DType;

use super::{WORKGROUP_SIZE, empty_like, grid_1d, render};

const COPY: &str = include_str!("../../shaders/bench_copy.wgsl");
const FMA: &str = include_str!("../../shaders/bench_fma.wgsl");

/// Dependent FMAs per chain in the FMA probe (4 chains per invocation, 2 flops each).
pub const FMA_ITERATIONS: u32 = 512;

/// Mirror of the WGSL `CopyParams` / `FmaParams` structs (same layout).
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub struct ProbeParams {
    pub count: u32,
    pub _pad0: u32,
    pub _pad1: u32,
    pub _pad2: u32,
}

/// Which probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Probe {
    Copy,
    Fma,
}

/// Renders a probe's WGSL.
pub fn probe_shader(probe: Probe) -> String {
    let (template, extra) = match probe {
        Probe::Copy => (COPY, None),
        Probe::Fma => (FMA, Some(("iterations", FMA_ITERATIONS.to_string()))),
    };
    let mut values = vec![("workgroup_size", WORKGROUP_SIZE.to_string())];
    values.extend(extra);
    render(template, &values)
}

#[derive(Debug)]
struct ProbeKernel(Probe);

impl KernelSource for ProbeKernel {
    fn source(&self) -> SourceTemplate {
        SourceTemplate::new(probe_shader(self.0))
    }
    fn id(&self) -> KernelId {
        KernelId::new::<Self>().info((self.0, WORKGROUP_SIZE, FMA_ITERATIONS))
    }
    fn lang(&self) -> &'static str {
        "wgsl"
    }
}

fn launch(probe: Probe, like: &CubeTensor, invocations: usize, buffers: Vec<&CubeTensor>) {
    let params = ProbeParams { count: invocations as u32, _pad0: 0, _pad1: 0, _pad2: 0 };
    let params = like.client.create_from_slice(bytemuck::bytes_of(&params));
    let mut bindings: Vec<_> = buffers.into_iter().map(|t| t.handle.clone().binding()).collect();
    bindings.push(params.binding());
    like.client.launch(
        Box::new(SourceKernel::new(ProbeKernel(probe), CubeDim::new_1d(WORKGROUP_SIZE))),
        grid_1d(invocations, WORKGROUP_SIZE),
        KernelArguments::new().with_buffers(bindings),
    );
}

/// Copies a contiguous f32 tensor whose length is a multiple of 4 (as vec4s).
pub fn copy(source: CubeTensor) -> CubeTensor {
    let shape = source.meta.shape().to_vec();
    let elements: usize = shape.iter().product();
    let destination = empty_like(&source, shape, DType::F32);
    launch(Probe::Copy, &source, elements / 4, vec![&source, &destination]);
    destination
}

/// Runs `invocations` FMA probes on `like`'s device; returns their `[invocations]` outputs.
pub fn fma(like: CubeTensor, invocations: usize) -> CubeTensor {
    let output = empty_like(&like, vec![invocations], DType::F32);
    launch(Probe::Fma, &like, invocations, vec![&output]);
    output
}

/// Flops one FMA-probe launch performs.
pub fn fma_flops(invocations: usize) -> f64 {
    invocations as f64 * 4.0 * FMA_ITERATIONS as f64 * 2.0
}
