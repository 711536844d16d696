//! Spike encoders on the GPU: rate coding (`shaders/spikegen_rate.wgsl`).

use burn::backend::wgpu::{CubeTensor, KernelSource, SourceKernel, SourceTemplate, into_contiguous};
use burn::cubecl::CubeDim;
use burn::cubecl::prelude::KernelId;
use burn::cubecl::server::KernelArguments;
use burn::tensor::DType;
use serde::{Deserialize, Serialize};

use super::params::wgsl_params;
use super::{Binding, BindingElement, WORKGROUP_SIZE, compose, empty_like, grid_1d, ordered_bindings, wgsl_elem};
use crate::rng::philox_wgsl;

const RATE: &str = include_str!("../../shaders/spikegen_rate.wgsl");

wgsl_params! {
    /// The kernels' parameter block; the WGSL struct of the same name is rendered from it.
    #[derive(Debug, Clone, Copy, PartialEq, bytemuck::Pod, bytemuck::Zeroable, Serialize, Deserialize)]
    pub struct RateParams {
        pub neurons: u32,
        pub steps: u32,
        pub first_spike_time: u32,
        pub seed_lo: u32,
        pub seed_hi: u32,
        /// 1: the Philox key comes from three uniforms the device drew, stored after the N
        /// probabilities (no host read); 0: from `seed_lo`, `seed_hi`.
        pub seed_from_draws: u32,
        pub _pad1: u32,
        pub _pad2: u32,
    }
}

/// The rate encoder's bindings, in binding order.
pub fn rate_bindings() -> Vec<Binding> {
    use BindingElement::{Elem, F32, Params};
    vec![Binding::new("probability", F32), Binding::new("spikes", Elem), Binding::new("params", Params(RateParams::NAME))]
}

/// Renders the rate encoder for an output dtype.
pub fn rate_shader(dtype: DType) -> String {
    compose(Some(dtype), &[RateParams::WGSL, &philox_wgsl(), RATE], &[])
}

#[derive(Debug)]
struct RateKernel {
    dtype: DType,
}

impl KernelSource for RateKernel {
    fn source(&self) -> SourceTemplate {
        SourceTemplate::new(rate_shader(self.dtype))
    }
    fn id(&self) -> KernelId {
        KernelId::new::<Self>().info((wgsl_elem(self.dtype).0, WORKGROUP_SIZE))
    }
    fn lang(&self) -> &'static str {
        "wgsl"
    }
}

/// `probability [N]` (f32; `[N + 3]` with the key's uniforms when `seed_from_draws`) → spikes
/// `[T, N]` of `dtype`.
pub fn rate(probability: CubeTensor, params: &RateParams, dtype: DType) -> CubeTensor {
    let probability = into_contiguous(probability);
    let spikes = empty_like(&probability, vec![params.steps as usize, params.neurons as usize], dtype);
    let client = &probability.client;
    let params_handle = client.create_from_slice(bytemuck::bytes_of(params));
    client.launch(
        Box::new(SourceKernel::new(RateKernel { dtype }, CubeDim::new_1d(WORKGROUP_SIZE))),
        grid_1d(params.neurons as usize, WORKGROUP_SIZE),
        KernelArguments::new().with_buffers(ordered_bindings(
            &rate_bindings(),
            vec![("probability", probability.handle.binding()), ("spikes", spikes.handle.clone().binding()), ("params", params_handle.binding())],
        )),
    );
    spikes
}
