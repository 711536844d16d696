//! One leaky-tanh echo-state layer over a whole sequence in one launch
//! (`shaders/esn_layer_forward.wgsl`), f32.

use burn::backend::wgpu::{CubeTensor, KernelSource, SourceKernel, SourceTemplate, into_contiguous};
use burn::cubecl::CubeDim;
use burn::cubecl::prelude::KernelId;
use burn::cubecl::server::KernelArguments;
use burn::tensor::DType;
use serde::{Deserialize, Serialize};

use super::params::wgsl_params;
use super::{Binding, BindingElement, WORKGROUP_SIZE, compose, empty_like, grid_1d, ordered_bindings};

const FORWARD: &str = include_str!("../../shaders/esn_layer_forward.wgsl");

/// Most units one layer may have: the state lives in workgroup memory (8 KiB of WebGPU's
/// guaranteed 16 KiB).
pub const ESN_MAX_UNITS: usize = 2048;

wgsl_params! {
    /// The kernel's parameter block.
    #[derive(Debug, Clone, Copy, PartialEq, bytemuck::Pod, bytemuck::Zeroable, Serialize, Deserialize)]
    pub struct EsnLayerParams {
        pub neurons: u32,
        pub steps: u32,
        pub batch: u32,
        pub leak: f32,
    }
}

/// The kernel's bindings, in binding order.
pub fn esn_layer_bindings() -> Vec<Binding> {
    use BindingElement::{F32, Params};
    vec![
        Binding::new("drive", F32),
        Binding::new("weight_t", F32),
        Binding::new("initial", F32),
        Binding::new("states", F32),
        Binding::new("params", Params(EsnLayerParams::NAME)),
    ]
}

/// Renders the kernel.
pub fn esn_layer_shader() -> String {
    compose(None, &[EsnLayerParams::WGSL, FORWARD], &[("max_units", ESN_MAX_UNITS.to_string())])
}

#[derive(Debug)]
struct EsnLayerKernel;

impl KernelSource for EsnLayerKernel {
    fn source(&self) -> SourceTemplate {
        SourceTemplate::new(esn_layer_shader())
    }
    fn id(&self) -> KernelId {
        KernelId::new::<Self>().info((WORKGROUP_SIZE, ESN_MAX_UNITS))
    }
    fn lang(&self) -> &'static str {
        "wgsl"
    }
}

/// `drive [B, T, N]`, `weight_t [N, N]`, `initial [B, N]` (f32) → states `[B, T, N]`.
pub fn forward(drive: CubeTensor, weight_t: CubeTensor, initial: CubeTensor, params: &EsnLayerParams) -> CubeTensor {
    let (drive, weight_t, initial) = (into_contiguous(drive), into_contiguous(weight_t), into_contiguous(initial));
    let (batch, steps, neurons) = (params.batch as usize, params.steps as usize, params.neurons as usize);
    let states = empty_like(&drive, vec![batch, steps, neurons], DType::F32);
    let client = &drive.client;
    let params_handle = client.create_from_slice(bytemuck::bytes_of(params));
    client.launch(
        Box::new(SourceKernel::new(EsnLayerKernel, CubeDim::new_1d(WORKGROUP_SIZE))),
        // One workgroup per sequence.
        grid_1d(batch * WORKGROUP_SIZE as usize, WORKGROUP_SIZE),
        KernelArguments::new().with_buffers(ordered_bindings(
            &esn_layer_bindings(),
            vec![
                ("drive", drive.handle.clone().binding()),
                ("weight_t", weight_t.handle.clone().binding()),
                ("initial", initial.handle.clone().binding()),
                ("states", states.handle.clone().binding()),
                ("params", params_handle.binding()),
            ],
        )),
    );
    states
}
