//! The RN-Net reservoir node: fused forward over T (`shaders/reservoir_node_forward.wgsl`) and
//! its reverse scan (`shaders/reservoir_node_backward.wgsl`), f32 or f16 storage.

use burn::backend::wgpu::{CubeTensor, KernelSource, SourceKernel, SourceTemplate, into_contiguous};
use burn::cubecl::CubeDim;
use burn::cubecl::prelude::KernelId;
use burn::cubecl::server::KernelArguments;
use burn::tensor::DType;
use serde::{Deserialize, Serialize};

use super::params::wgsl_params;
use super::{Binding, BindingElement, WORKGROUP_SIZE, compose, empty_like, grid_1d, ordered_bindings};

const FORWARD: &str = include_str!("../../shaders/reservoir_node_forward.wgsl");
const BACKWARD: &str = include_str!("../../shaders/reservoir_node_backward.wgsl");

wgsl_params! {
    /// The kernels' parameter block.
    #[derive(Debug, Clone, Copy, PartialEq, bytemuck::Pod, bytemuck::Zeroable, Serialize, Deserialize)]
    pub struct ReservoirNodeParams {
        /// Nodes per channel (N).
        pub neurons: u32,
        /// (P_c, τ) pairs per node (K).
        pub channels: u32,
        pub steps: u32,
        pub g_max: f32,
    }
}

/// The forward kernel's bindings, in binding order.
pub fn reservoir_node_forward_bindings() -> Vec<Binding> {
    use BindingElement::{Elem, F32, Params};
    vec![
        Binding::new("input", Elem),
        Binding::new("initial", Elem),
        Binding::new("coeffs", F32),
        Binding::new("output", Elem),
        Binding::new("params", Params(ReservoirNodeParams::NAME)),
    ]
}

/// The backward kernel's bindings, in binding order.
pub fn reservoir_node_backward_bindings() -> Vec<Binding> {
    use BindingElement::{Elem, F32, Params};
    vec![
        Binding::new("input", Elem),
        Binding::new("initial", Elem),
        Binding::new("coeffs", F32),
        Binding::new("output", Elem),
        Binding::new("grad_output", Elem),
        Binding::new("grads", F32),
        Binding::new("params", Params(ReservoirNodeParams::NAME)),
    ]
}

/// Renders the forward (`backward = false`) or backward kernel for storage `dtype`.
pub fn reservoir_node_shader(backward: bool, dtype: DType) -> String {
    compose(Some(dtype), &[ReservoirNodeParams::WGSL, if backward { BACKWARD } else { FORWARD }], &[])
}

#[derive(Debug)]
struct ReservoirNodeKernel {
    backward: bool,
    dtype: DType,
}

impl KernelSource for ReservoirNodeKernel {
    fn source(&self) -> SourceTemplate {
        SourceTemplate::new(reservoir_node_shader(self.backward, self.dtype))
    }
    fn id(&self) -> KernelId {
        KernelId::new::<Self>().info((self.backward, self.dtype, WORKGROUP_SIZE))
    }
    fn lang(&self) -> &'static str {
        "wgsl"
    }
}

fn launch(
    kernel: ReservoirNodeKernel,
    like: &CubeTensor,
    params: &ReservoirNodeParams,
    bindings: Vec<Binding>,
    buffers: Vec<(&'static str, CubeTensor)>,
) {
    let client = &like.client;
    let params_handle = client.create_from_slice(bytemuck::bytes_of(params));
    let mut handles: Vec<_> = buffers.into_iter().map(|(name, tensor)| (name, tensor.handle.binding())).collect();
    handles.push(("params", params_handle.binding()));
    client.launch(
        Box::new(SourceKernel::new(kernel, CubeDim::new_1d(WORKGROUP_SIZE))),
        grid_1d(params.channels as usize * params.neurons as usize, WORKGROUP_SIZE),
        KernelArguments::new().with_buffers(ordered_bindings(&bindings, handles)),
    );
}

/// `input [T, N]`, `initial [K, N]` (storage dtype), `coeffs [2, K]` (f32) → `[T, K, N]`.
pub fn forward(input: CubeTensor, initial: CubeTensor, coeffs: CubeTensor, params: &ReservoirNodeParams) -> CubeTensor {
    let (input, initial, coeffs) = (into_contiguous(input), into_contiguous(initial), into_contiguous(coeffs));
    let dtype = input.dtype;
    let shape = vec![params.steps as usize, params.channels as usize, params.neurons as usize];
    let output = empty_like(&input, shape, dtype);
    let buffers = vec![("input", input.clone()), ("initial", initial), ("coeffs", coeffs), ("output", output.clone())];
    launch(ReservoirNodeKernel { backward: false, dtype }, &input, params, reservoir_node_forward_bindings(), buffers);
    output
}

/// The reverse scan → `[T + 3, K, N]` f32 (see `reference::reservoir_node::backward`).
pub fn backward(
    input: CubeTensor,
    initial: CubeTensor,
    coeffs: CubeTensor,
    output: CubeTensor,
    grad_output: CubeTensor,
    params: &ReservoirNodeParams,
) -> CubeTensor {
    let (input, initial, coeffs) = (into_contiguous(input), into_contiguous(initial), into_contiguous(coeffs));
    let (output, grad_output) = (into_contiguous(output), into_contiguous(grad_output));
    let dtype = input.dtype;
    let shape = vec![params.steps as usize + 3, params.channels as usize, params.neurons as usize];
    let grads = empty_like(&input, shape, DType::F32);
    let buffers = vec![
        ("input", input.clone()),
        ("initial", initial),
        ("coeffs", coeffs),
        ("output", output),
        ("grad_output", grad_output),
        ("grads", grads.clone()),
    ];
    launch(ReservoirNodeKernel { backward: true, dtype }, &input, params, reservoir_node_backward_bindings(), buffers);
    grads
}
