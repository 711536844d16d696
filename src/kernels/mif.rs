//! The memristive integrate-and-fire neuron of MEMprop: fused forward over T
//! (`shaders/mif_forward.wgsl`) and its exact reverse scan (`shaders/mif_backward.wgsl`), both on
//! the update in `shaders/mif_common.wgsl`. f32 only.

use burn::backend::wgpu::{CubeTensor, KernelSource, SourceKernel, SourceTemplate, into_contiguous};
use burn::cubecl::CubeDim;
use burn::cubecl::prelude::KernelId;
use burn::cubecl::server::KernelArguments;
use burn::tensor::DType;
use serde::{Deserialize, Serialize};

use super::params::wgsl_params;
use super::{Binding, BindingElement, WORKGROUP_SIZE, compose, empty_like, grid_1d, ordered_bindings};
use crate::reference::mif::{MifCoefficients, MifParams};

const COMMON: &str = include_str!("../../shaders/mif_common.wgsl");
const FORWARD: &str = include_str!("../../shaders/mif_forward.wgsl");
const BACKWARD: &str = include_str!("../../shaders/mif_backward.wgsl");

/// State variables per neuron: a, I, v, x1, x2 (the planes of a trajectory, in this order).
pub const MIF_STATE_PLANES: usize = 5;

wgsl_params! {
    /// The kernels' parameter block: the f32 coefficients the CPU reference derives
    /// ([`MifCoefficients`]), so kernel and reference start from the same rounded values.
    #[derive(Debug, Clone, Copy, PartialEq, bytemuck::Pod, bytemuck::Zeroable, Serialize, Deserialize)]
    pub struct MifKernelParams {
        pub neurons: u32,
        pub steps: u32,
        pub g_on: f32,
        pub g_off: f32,
        pub dt_over_c: f32,
        pub inv_tau: f32,
        pub inv_tau_alpha: f32,
        pub inv_k_th: f32,
        pub v_on: f32,
        pub v_off: f32,
        pub e1: f32,
        pub e2: f32,
    }
}

impl MifKernelParams {
    /// The block for `neurons` neurons over `steps` updates of `params`.
    pub fn new(params: &MifParams, steps: usize, neurons: usize) -> Self {
        let c = MifCoefficients::<f32>::new(params);
        Self {
            neurons: neurons as u32,
            steps: steps as u32,
            g_on: c.g_on,
            g_off: c.g_off,
            dt_over_c: c.dt_over_c,
            inv_tau: c.inv_tau,
            inv_tau_alpha: c.inv_tau_alpha,
            inv_k_th: c.inv_k_th,
            v_on: c.v_on,
            v_off: c.v_off,
            e1: c.e1,
            e2: c.e2,
        }
    }

    /// The coefficients this block holds, for the CPU path.
    pub fn coefficients(&self) -> MifCoefficients<f32> {
        MifCoefficients {
            g_on: self.g_on,
            g_off: self.g_off,
            dt_over_c: self.dt_over_c,
            inv_tau: self.inv_tau,
            inv_tau_alpha: self.inv_tau_alpha,
            inv_k_th: self.inv_k_th,
            v_on: self.v_on,
            v_off: self.v_off,
            e1: self.e1,
            e2: self.e2,
        }
    }
}

/// The forward kernel's bindings, in binding order.
pub fn mif_forward_bindings() -> Vec<Binding> {
    use BindingElement::{F32, Params};
    vec![
        Binding::new("input", F32),
        Binding::new("initial", F32),
        Binding::new("trajectory", F32),
        Binding::new("params", Params(MifKernelParams::NAME)),
    ]
}

/// The backward kernel's bindings, in binding order.
pub fn mif_backward_bindings() -> Vec<Binding> {
    use BindingElement::{F32, Params};
    vec![
        Binding::new("trajectory", F32),
        Binding::new("grad_trajectory", F32),
        Binding::new("grads", F32),
        Binding::new("params", Params(MifKernelParams::NAME)),
    ]
}

/// Renders the forward (`backward = false`) or backward kernel.
pub fn mif_shader(backward: bool) -> String {
    compose(None, &[MifKernelParams::WGSL, COMMON, if backward { BACKWARD } else { FORWARD }], &[])
}

#[derive(Debug)]
struct MifKernel {
    backward: bool,
}

impl KernelSource for MifKernel {
    fn source(&self) -> SourceTemplate {
        SourceTemplate::new(mif_shader(self.backward))
    }
    fn id(&self) -> KernelId {
        KernelId::new::<Self>().info((self.backward, WORKGROUP_SIZE))
    }
    fn lang(&self) -> &'static str {
        "wgsl"
    }
}

/// `input [T, N]` and `initial [5, N]` (f32) → trajectory `[T + 1, 5, N]`.
pub fn forward(input: CubeTensor, initial: CubeTensor, params: &MifKernelParams) -> CubeTensor {
    let input = into_contiguous(input);
    let initial = into_contiguous(initial);
    let (steps, neurons) = (params.steps as usize, params.neurons as usize);
    let trajectory = empty_like(&input, vec![steps + 1, MIF_STATE_PLANES, neurons], DType::F32);
    let client = &input.client;
    let params_handle = client.create_from_slice(bytemuck::bytes_of(params));
    client.launch(
        Box::new(SourceKernel::new(MifKernel { backward: false }, CubeDim::new_1d(WORKGROUP_SIZE))),
        grid_1d(neurons, WORKGROUP_SIZE),
        KernelArguments::new().with_buffers(ordered_bindings(
            &mif_forward_bindings(),
            vec![
                ("input", input.handle.clone().binding()),
                ("initial", initial.handle.clone().binding()),
                ("trajectory", trajectory.handle.clone().binding()),
                ("params", params_handle.binding()),
            ],
        )),
    );
    trajectory
}

/// `trajectory` and `grad_trajectory` (both `[T + 1, 5, N]`) → `[T + 5, N]`: dL/dinput, then
/// dL/d(initial state).
pub fn backward(trajectory: CubeTensor, grad_trajectory: CubeTensor, params: &MifKernelParams) -> CubeTensor {
    let trajectory = into_contiguous(trajectory);
    let grad_trajectory = into_contiguous(grad_trajectory);
    let (steps, neurons) = (params.steps as usize, params.neurons as usize);
    let grads = empty_like(&trajectory, vec![steps + MIF_STATE_PLANES, neurons], DType::F32);
    let client = &trajectory.client;
    let params_handle = client.create_from_slice(bytemuck::bytes_of(params));
    client.launch(
        Box::new(SourceKernel::new(MifKernel { backward: true }, CubeDim::new_1d(WORKGROUP_SIZE))),
        grid_1d(neurons, WORKGROUP_SIZE),
        KernelArguments::new().with_buffers(ordered_bindings(
            &mif_backward_bindings(),
            vec![
                ("trajectory", trajectory.handle.clone().binding()),
                ("grad_trajectory", grad_trajectory.handle.clone().binding()),
                ("grads", grads.handle.clone().binding()),
                ("params", params_handle.binding()),
            ],
        )),
    );
    grads
}
