//! Microkernels that measure a device's own ceilings: streaming copy bandwidth and FMA rate.
//! Benchmark results are reported as a fraction of these.

use burn::backend::wgpu::{CubeTensor, KernelSource, SourceKernel, SourceTemplate};
use burn::cubecl::CubeDim;
use burn::cubecl::prelude::KernelId;
use burn::cubecl::server::KernelArguments;
use burn::tensor::DType;

use super::params::wgsl_params;
use super::{Binding, BindingElement, WORKGROUP_SIZE, compose, empty_like, grid_1d, ordered_bindings};

const COPY: &str = include_str!("../../shaders/ceiling_copy.wgsl");
const FMA: &str = include_str!("../../shaders/ceiling_fma.wgsl");

/// Dependent FMAs per chain in the FMA probe (4 chains per invocation, 2 flops each).
pub const FMA_ITERATIONS: u32 = 512;

wgsl_params! {
    /// The kernels' parameter block; the WGSL struct of the same name is rendered from it.
    #[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
    pub struct CeilingParams {
        pub count: u32,
        pub _pad0: u32,
        pub _pad1: u32,
        pub _pad2: u32,
    }
}

/// Which probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CeilingProbe {
    Copy,
    Fma,
}

/// A probe's bindings, in binding order.
pub fn ceiling_bindings(probe: CeilingProbe) -> Vec<Binding> {
    use BindingElement::{F32, Params, Vec4F32};
    let params = Binding::new("params", Params(CeilingParams::NAME));
    match probe {
        CeilingProbe::Copy => vec![Binding::new("source", Vec4F32), Binding::new("destination", Vec4F32), params],
        CeilingProbe::Fma => vec![Binding::new("output", F32), params],
    }
}

/// Renders a probe's WGSL.
pub fn ceiling_shader(probe: CeilingProbe) -> String {
    let (template, extra) = match probe {
        CeilingProbe::Copy => (COPY, None),
        CeilingProbe::Fma => (FMA, Some(("iterations", FMA_ITERATIONS.to_string()))),
    };
    compose(None, &[CeilingParams::WGSL, template], &extra.into_iter().collect::<Vec<_>>())
}

#[derive(Debug)]
struct CeilingKernel(CeilingProbe);

impl KernelSource for CeilingKernel {
    fn source(&self) -> SourceTemplate {
        SourceTemplate::new(ceiling_shader(self.0))
    }
    fn id(&self) -> KernelId {
        KernelId::new::<Self>().info((self.0, WORKGROUP_SIZE, FMA_ITERATIONS))
    }
    fn lang(&self) -> &'static str {
        "wgsl"
    }
}

/// Binds the named `buffers` and the params block in the order of [`ceiling_bindings`].
fn launch(probe: CeilingProbe, like: &CubeTensor, invocations: usize, buffers: Vec<(&'static str, &CubeTensor)>) {
    let params = CeilingParams { count: invocations as u32, _pad0: 0, _pad1: 0, _pad2: 0 };
    let params = like.client.create_from_slice(bytemuck::bytes_of(&params));
    let mut named: Vec<_> = buffers.into_iter().map(|(name, t)| (name, t.handle.clone().binding())).collect();
    named.push(("params", params.binding()));
    let bindings = ordered_bindings(&ceiling_bindings(probe), named);
    like.client.launch(
        Box::new(SourceKernel::new(CeilingKernel(probe), CubeDim::new_1d(WORKGROUP_SIZE))),
        grid_1d(invocations, WORKGROUP_SIZE),
        KernelArguments::new().with_buffers(bindings),
    );
}

/// Copies a contiguous f32 tensor whose length is a multiple of 4 (as vec4s).
pub fn copy(source: CubeTensor) -> CubeTensor {
    let shape = source.meta.shape().to_vec();
    let elements: usize = shape.iter().product();
    let destination = empty_like(&source, shape, DType::F32);
    launch(CeilingProbe::Copy, &source, elements / 4, vec![("source", &source), ("destination", &destination)]);
    destination
}

/// Runs `invocations` FMA probes on `like`'s device; returns their `[invocations]` outputs.
pub fn fma(like: CubeTensor, invocations: usize) -> CubeTensor {
    let output = empty_like(&like, vec![invocations], DType::F32);
    launch(CeilingProbe::Fma, &like, invocations, vec![("output", &output)]);
    output
}

/// Flops one FMA-probe launch performs.
pub fn fma_flops(invocations: usize) -> f64 {
    invocations as f64 * 4.0 * FMA_ITERATIONS as f64 * 2.0
}
