//! Spike encoders on the GPU: rate coding (`shaders/spikegen_rate.wgsl`).

use burn::backend::wgpu::{CubeTensor, KernelSource, SourceKernel, SourceTemplate, into_contiguous};
use burn::cubecl::CubeDim;
use burn::cubecl::prelude::KernelId;
use burn::cubecl::server::KernelArguments;
use burn::tensor::DType;
use serde::{Deserialize, Serialize};

use super::{WORKGROUP_SIZE, empty_like, grid_1d, render, wgsl_elem};
use crate::rng::normal_scale_literal;

const RATE: &str = include_str!("../../shaders/spikegen_rate.wgsl");
const PHILOX: &str = include_str!("../../shaders/philox.wgsl");

/// Mirror of the WGSL `RateParams` struct.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, bytemuck::Pod, bytemuck::Zeroable, Serialize, Deserialize)]
pub struct RateParams {
    pub neurons: u32,
    pub steps: u32,
    pub first_spike_time: u32,
    pub seed_lo: u32,
    pub seed_hi: u32,
    pub _pad0: u32,
    pub _pad1: u32,
    pub _pad2: u32,
}

/// Renders the rate encoder for an output dtype.
pub fn rate_shader(dtype: DType) -> String {
    let (elem, enable) = wgsl_elem(dtype);
    // `enable` must come first, so the Philox helpers follow the encoder's header.
    let (header, body) = RATE.split_once("alias Elem").expect("the template declares Elem");
    render(
        &format!("{header}\n{PHILOX}\nalias Elem{body}"),
        &[
            ("enable_f16", enable.to_owned()),
            ("elem", elem.to_owned()),
            ("workgroup_size", WORKGROUP_SIZE.to_string()),
            ("normal_scale", normal_scale_literal()),
        ],
    )
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

/// `probability [N]` (f32) → spikes `[T, N]` of `dtype`.
pub fn rate(probability: CubeTensor, params: &RateParams, dtype: DType) -> CubeTensor {
    let probability = into_contiguous(probability);
    let spikes = empty_like(&probability, vec![params.steps as usize, params.neurons as usize], dtype);
    let client = &probability.client;
    let params_handle = client.create_from_slice(bytemuck::bytes_of(params));
    client.launch(
        Box::new(SourceKernel::new(RateKernel { dtype }, CubeDim::new_1d(WORKGROUP_SIZE))),
        grid_1d(params.neurons as usize, WORKGROUP_SIZE),
        KernelArguments::new().with_buffers(vec![probability.handle.binding(), spikes.handle.clone().binding(), params_handle.binding()]),
    );
    spikes
}
