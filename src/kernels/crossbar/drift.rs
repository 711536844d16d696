//! Inference-time drift and PCM read noise of programmed conductances
//! (`shaders/crossbar_drift.wgsl`), as aihwkit's `drift_analog_weights` realises them.

use burn::backend::wgpu::{CubeTensor, into_contiguous};
use burn::tensor::DType;
use serde::{Deserialize, Serialize};

use super::super::params::wgsl_params;
use super::super::{WORKGROUP_SIZE, empty_like, grid_1d};
use super::{CrossbarPass, CrossbarVariant, codes, launch};

wgsl_params! {
    /// The kernels' parameter block; the WGSL struct of the same name is rendered from it.
    #[derive(Debug, Clone, Copy, PartialEq, bytemuck::Pod, bytemuck::Zeroable, Serialize, Deserialize)]
    pub struct DriftParams {
        /// inputs · outputs
        pub devices: u32,
        pub seed_lo: u32,
        pub seed_hi: u32,
        /// selects the read-noise draw
        pub realisation: u32,
        /// ln(t / t0), 0 when t <= t0
        pub log_time_ratio: f32,
        /// √ln((t + t_read)/(2·t_read)); 0 turns read noise off
        pub read_noise_factor: f32,
        pub inv_g_max: f32,
        pub _pad0: u32,
    }
}

/// aihwkit's PCM read time t_read (250 ns).
pub const PCM_READ_TIME: f32 = 250e-9;

impl DriftParams {
    /// Conductances `t_inference` seconds after programming (aihwkit's t = t_inference + t0).
    pub fn new(devices: usize, seed: u64, realisation: u32, t_inference: f32, t0: f32, g_max: f32, read_noise: bool) -> Self {
        let t = t_inference + t0;
        DriftParams {
            devices: devices as u32,
            seed_lo: seed as u32,
            seed_hi: (seed >> 32) as u32,
            realisation,
            log_time_ratio: if t > t0 { (t / t0).ln() } else { 0.0 },
            read_noise_factor: if read_noise { ((t + PCM_READ_TIME) / (2.0 * PCM_READ_TIME)).ln().sqrt() } else { 0.0 },
            inv_g_max: 1.0 / g_max,
            _pad0: 0,
        }
    }
}

/// Realises drift and PCM read noise at inference time: `[4, inputs, outputs]` programmed
/// planes (with ν) → `[2, inputs, outputs]` conductances.
pub fn drift(planes: CubeTensor, params: &DriftParams) -> CubeTensor {
    let planes = into_contiguous(planes);
    let shape = planes.meta.shape().to_vec();
    let output = empty_like(&planes, vec![2, shape[1], shape[2]], DType::F32);
    let variant = CrossbarVariant {
        programming_noise: codes::PROGRAMMING_NOISE_NONE,
        drift: true,
        noise_management: codes::NOISE_MANAGEMENT_NONE,
        read_noise: codes::READ_NOISE_NONE,
        ir_drop: false,
        traces: false,
        transposed: false,
        cols_per_thread: 1,
    };
    launch(
        CrossbarPass::Drift,
        variant,
        DType::F32,
        &planes,
        grid_1d(params.devices as usize, WORKGROUP_SIZE),
        bytemuck::bytes_of(params),
        vec![("programmed", planes.clone()), ("drifted", output.clone())],
    );
    output
}
