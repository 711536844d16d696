//! The WOx dynamic-memristor reservoir node: fused forward over T
//! (`shaders/wox_node_forward.wgsl`), f32.

use burn::backend::wgpu::{CubeTensor, KernelSource, SourceKernel, SourceTemplate, into_contiguous};
use burn::cubecl::CubeDim;
use burn::cubecl::prelude::KernelId;
use burn::cubecl::server::KernelArguments;
use burn::tensor::DType;
use serde::{Deserialize, Serialize};

use super::params::wgsl_params;
use super::{Binding, BindingElement, WORKGROUP_SIZE, compose, empty_like, grid_1d, ordered_bindings};
use crate::reference::wox_node::WoxCoefficients;

const FORWARD: &str = include_str!("../../shaders/wox_node_forward.wgsl");

wgsl_params! {
    /// The kernel's parameter block: the f32 coefficients of [`WoxCoefficients`].
    #[derive(Debug, Clone, Copy, PartialEq, bytemuck::Pod, bytemuck::Zeroable, Serialize, Deserialize)]
    pub struct WoxNodeParams {
        pub neurons: u32,
        pub steps: u32,
        pub alpha: f32,
        pub beta: f32,
        pub gamma: f32,
        pub delta: f32,
        pub lambda_dt: f32,
        pub eta: f32,
        pub w_min: f32,
        pub dt_over_tau: f32,
    }
}

impl WoxNodeParams {
    /// The block for `neurons` nodes over `steps` updates.
    pub fn new(c: &WoxCoefficients, steps: usize, neurons: usize) -> Self {
        WoxNodeParams {
            neurons: neurons as u32,
            steps: steps as u32,
            alpha: c.alpha,
            beta: c.beta,
            gamma: c.gamma,
            delta: c.delta,
            lambda_dt: c.lambda_dt,
            eta: c.eta,
            w_min: c.w_min,
            dt_over_tau: c.dt_over_tau,
        }
    }

    /// The coefficients this block holds, for the CPU path.
    pub fn coefficients(&self) -> WoxCoefficients {
        WoxCoefficients {
            alpha: self.alpha,
            beta: self.beta,
            gamma: self.gamma,
            delta: self.delta,
            lambda_dt: self.lambda_dt,
            eta: self.eta,
            w_min: self.w_min,
            dt_over_tau: self.dt_over_tau,
        }
    }
}

/// The kernel's bindings, in binding order.
pub fn wox_node_bindings() -> Vec<Binding> {
    use BindingElement::{F32, Params};
    vec![
        Binding::new("voltage", F32),
        Binding::new("initial", F32),
        Binding::new("trajectory", F32),
        Binding::new("params", Params(WoxNodeParams::NAME)),
    ]
}

/// Renders the kernel.
pub fn wox_node_shader() -> String {
    compose(None, &[WoxNodeParams::WGSL, FORWARD], &[])
}

#[derive(Debug)]
struct WoxNodeKernel;

impl KernelSource for WoxNodeKernel {
    fn source(&self) -> SourceTemplate {
        SourceTemplate::new(wox_node_shader())
    }
    fn id(&self) -> KernelId {
        KernelId::new::<Self>().info(WORKGROUP_SIZE)
    }
    fn lang(&self) -> &'static str {
        "wgsl"
    }
}

/// `voltage [T, N]` and `initial [N]` (f32) → trajectory `[T, 2, N]`.
pub fn forward(voltage: CubeTensor, initial: CubeTensor, params: &WoxNodeParams) -> CubeTensor {
    let (voltage, initial) = (into_contiguous(voltage), into_contiguous(initial));
    let (steps, neurons) = (params.steps as usize, params.neurons as usize);
    let trajectory = empty_like(&voltage, vec![steps, 2, neurons], DType::F32);
    let client = &voltage.client;
    let params_handle = client.create_from_slice(bytemuck::bytes_of(params));
    client.launch(
        Box::new(SourceKernel::new(WoxNodeKernel, CubeDim::new_1d(WORKGROUP_SIZE))),
        grid_1d(neurons, WORKGROUP_SIZE),
        KernelArguments::new().with_buffers(ordered_bindings(
            &wox_node_bindings(),
            vec![
                ("voltage", voltage.handle.clone().binding()),
                ("initial", initial.handle.clone().binding()),
                ("trajectory", trajectory.handle.clone().binding()),
                ("params", params_handle.binding()),
            ],
        )),
    );
    trajectory
}
