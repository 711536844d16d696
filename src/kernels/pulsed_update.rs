//! Pulsed device updates on the GPU (`shaders/pulsed_update.wgsl`): one invocation per device
//! applies its signed pulse count through the device model.

use burn::backend::wgpu::{CubeTensor, KernelSource, SourceKernel, SourceTemplate, into_contiguous};
use burn::cubecl::CubeDim;
use burn::cubecl::prelude::KernelId;
use burn::cubecl::server::KernelArguments;
use serde::{Deserialize, Serialize};

use super::params::wgsl_params;
use super::{Binding, BindingElement, WORKGROUP_SIZE, compose, grid_1d, ordered_bindings};
use crate::analog::pulsed::array::MAX_PULSES_PER_UPDATE;
use crate::analog::pulsed::device::{MODEL_CONSTANT_STEP, MODEL_EXP_STEP, MODEL_LINEAR_STEP, MODEL_POW_STEP, PulsedDevice, StepModel};
use crate::rng::{DTOD_STREAM, PULSE_STREAM, WRITE_STREAM, philox_wgsl};

const UPDATE: &str = include_str!("../../shaders/pulsed_update.wgsl");

/// `flags` bit: the step gain is log-normal.
pub const FLAG_LOG_NORMAL: u32 = 1;
/// `flags` bit: LinearStep / SoftBounds cycle-to-cycle noise is multiplicative.
pub const FLAG_MULT_NOISE: u32 = 2;
/// `flags` bit: LinearStep slopes refer to the mean bounds.
pub const FLAG_MEAN_BOUND_REFERENCE: u32 = 4;
/// `flags` bit: LinearStep γ may be negative.
pub const FLAG_ALLOW_INCREASING: u32 = 8;
/// `flags` bit: programming draws write noise for every device.
pub const FLAG_WRITE_NOISE_ON_SET: u32 = 16;

wgsl_params! {
    /// The kernel's parameter block; the WGSL struct of the same name is rendered from it.
    /// `p0..p7` carry the model's own parameters (see `PulsedParams::new`).
    #[derive(Debug, Clone, Copy, PartialEq, bytemuck::Pod, bytemuck::Zeroable, Serialize, Deserialize)]
    pub struct PulsedParams {
        pub devices: u32,
        pub step: u32,
        pub seed_lo: u32,
        pub seed_hi: u32,
        pub model: u32,
        pub flags: u32,
        pub program: u32,
        pub _pad0: u32,
        pub dw_min: f32,
        pub up_down: f32,
        pub w_max: f32,
        pub w_min: f32,
        pub dw_min_dtod: f32,
        pub up_down_dtod: f32,
        pub w_max_dtod: f32,
        pub w_min_dtod: f32,
        pub dw_min_std: f32,
        pub write_noise: f32,
        pub p0: f32,
        pub p1: f32,
        pub p2: f32,
        pub p3: f32,
        pub p4: f32,
        pub p5: f32,
        pub p6: f32,
        pub p7: f32,
    }
}

impl PulsedParams {
    /// The block for `devices` devices of `device` keyed by `seed`, at update `step`.
    /// `program`: set the held weights to the targets instead of applying pulses.
    pub fn new(device: &PulsedDevice, devices: usize, seed: u64, step: u32, program: bool) -> Self {
        let mut flags = 0;
        if device.dw_min_dtod_log_normal {
            flags |= FLAG_LOG_NORMAL;
        }
        if device.apply_write_noise_on_set {
            flags |= FLAG_WRITE_NOISE_ON_SET;
        }
        let mut p = [0.0f32; 8];
        match device.model {
            StepModel::ConstantStep => {}
            StepModel::LinearStep { gamma_up, gamma_down, gamma_up_dtod, gamma_down_dtod, allow_increasing, mean_bound_reference, mult_noise } => {
                p[..4].copy_from_slice(&[gamma_up, gamma_down, gamma_up_dtod, gamma_down_dtod]);
                flags |= if allow_increasing { FLAG_ALLOW_INCREASING } else { 0 };
                flags |= if mean_bound_reference { FLAG_MEAN_BOUND_REFERENCE } else { 0 };
                flags |= if mult_noise { FLAG_MULT_NOISE } else { 0 };
            }
            // aihwkit fixes γ = 1 without spread, against each device's own bounds.
            StepModel::SoftBounds { mult_noise } => {
                p[..2].copy_from_slice(&[1.0, 1.0]);
                flags |= if mult_noise { FLAG_MULT_NOISE } else { 0 };
            }
            StepModel::ExpStep { a_up, a_down, gamma_up, gamma_down, a, b, dw_min_std_add, dw_min_std_slope } => {
                p = [a_up, a_down, gamma_up, gamma_down, a, b, dw_min_std_add, dw_min_std_slope];
            }
            StepModel::PowStep { gamma, gamma_dtod, up_down, up_down_dtod } => p[..4].copy_from_slice(&[gamma, gamma_dtod, up_down, up_down_dtod]),
        }
        PulsedParams {
            devices: devices as u32,
            step,
            seed_lo: seed as u32,
            seed_hi: (seed >> 32) as u32,
            model: device.model.code(),
            flags,
            program: program as u32,
            _pad0: 0,
            dw_min: device.dw_min,
            up_down: device.up_down,
            w_max: device.w_max,
            w_min: device.w_min,
            dw_min_dtod: device.dw_min_dtod,
            up_down_dtod: device.up_down_dtod,
            w_max_dtod: device.w_max_dtod,
            w_min_dtod: device.w_min_dtod,
            dw_min_std: device.dw_min_std,
            write_noise: device.write_noise_std * device.dw_min,
            p0: p[0],
            p1: p[1],
            p2: p[2],
            p3: p[3],
            p4: p[4],
            p5: p[5],
            p6: p[6],
            p7: p[7],
        }
    }
}

/// The update kernel's bindings, in binding order.
pub fn pulsed_update_bindings() -> Vec<Binding> {
    use BindingElement::{F32, Params};
    vec![
        Binding::new("held", F32),
        Binding::new("seen", F32),
        Binding::new("writes", F32),
        Binding::new("applied", F32),
        Binding::new("counts", F32),
        Binding::new("params", Params(PulsedParams::NAME)),
    ]
}

/// Renders the update kernel (one variant: the model is a runtime code).
pub fn pulsed_update_shader() -> String {
    let codes = [
        ("model_constant_step", MODEL_CONSTANT_STEP),
        ("model_linear_step", MODEL_LINEAR_STEP),
        ("model_exp_step", MODEL_EXP_STEP),
        ("model_pow_step", MODEL_POW_STEP),
        ("flag_log_normal", FLAG_LOG_NORMAL),
        ("flag_mult_noise", FLAG_MULT_NOISE),
        ("flag_mean_bound_reference", FLAG_MEAN_BOUND_REFERENCE),
        ("flag_allow_increasing", FLAG_ALLOW_INCREASING),
        ("flag_write_noise_on_set", FLAG_WRITE_NOISE_ON_SET),
        ("dtod_stream", DTOD_STREAM),
        ("pulse_stream", PULSE_STREAM),
        ("write_stream", WRITE_STREAM),
    ];
    let mut values: Vec<(&str, String)> = codes.iter().map(|(name, value)| (*name, value.to_string())).collect();
    values.push(("max_pulses", MAX_PULSES_PER_UPDATE.to_string()));
    compose(None, &[PulsedParams::WGSL, &philox_wgsl(), UPDATE], &values)
}

#[derive(Debug)]
struct PulsedUpdateKernel;

impl KernelSource for PulsedUpdateKernel {
    fn source(&self) -> SourceTemplate {
        SourceTemplate::new(pulsed_update_shader())
    }
    fn id(&self) -> KernelId {
        KernelId::new::<Self>().info(WORKGROUP_SIZE)
    }
    fn lang(&self) -> &'static str {
        "wgsl"
    }
}

/// The four state arrays of a device array (each `[devices]` f32).
#[derive(Debug, Clone)]
pub struct DeviceState<T> {
    /// The weight each device holds (aihwkit's persistent weight).
    pub held: T,
    /// The weight a read sees: the held weight plus write noise (aihwkit's apparent weight).
    pub seen: T,
    /// Updates that applied at least one pulse.
    pub writes: T,
    /// Pulses applied.
    pub applied: T,
}

/// A buffer this launch may write: the tensor itself when nothing else holds it, else a copy.
fn owned(tensor: CubeTensor) -> CubeTensor {
    let tensor = into_contiguous(tensor);
    let tensor = if tensor.can_mut() { tensor } else { tensor.copy() };
    #[cfg(feature = "poison-outputs")]
    let tensor = super::canary::guarded_in_place(tensor, || "pulsed_update state".into());
    tensor
}

/// Applies `counts [devices]` (f32) to the state, in place where the buffers are not shared.
pub fn update(state: DeviceState<CubeTensor>, counts: CubeTensor, params: &PulsedParams) -> DeviceState<CubeTensor> {
    let state = DeviceState { held: owned(state.held), seen: owned(state.seen), writes: owned(state.writes), applied: owned(state.applied) };
    let counts = into_contiguous(counts);
    let client = state.held.client.clone();
    let params_handle = client.create_from_slice(bytemuck::bytes_of(params));
    client.launch(
        Box::new(SourceKernel::new(PulsedUpdateKernel, CubeDim::new_1d(WORKGROUP_SIZE))),
        grid_1d(params.devices as usize, WORKGROUP_SIZE),
        KernelArguments::new().with_buffers(ordered_bindings(
            &pulsed_update_bindings(),
            vec![
                ("held", state.held.handle.clone().binding()),
                ("seen", state.seen.handle.clone().binding()),
                ("writes", state.writes.handle.clone().binding()),
                ("applied", state.applied.handle.clone().binding()),
                ("counts", counts.handle.binding()),
                ("params", params_handle.binding()),
            ],
        )),
    );
    state
}
