//! CPU reference of the pulsed device update (`shaders/pulsed_update.wgsl`): the executable spec
//! of aihwkit's `update_once` for each step model, with the same Philox draws as the kernel.

use crate::analog::pulsed::array::MAX_PULSES_PER_UPDATE;
use crate::analog::pulsed::device::{MODEL_CONSTANT_STEP, MODEL_EXP_STEP, MODEL_LINEAR_STEP, MODEL_POW_STEP};
use crate::kernels::pulsed_update::{
    DeviceState, FLAG_ALLOW_INCREASING, FLAG_LOG_NORMAL, FLAG_MEAN_BOUND_REFERENCE, FLAG_MULT_NOISE, FLAG_WRITE_NOISE_ON_SET, PulsedParams,
};
use crate::rng::{DTOD_STREAM, PULSE_STREAM, WRITE_STREAM, normal_from, philox};

/// One device's drawn parameters (aihwkit's per-device arrays).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DeviceDraw {
    /// Step of an up pulse.
    pub scale_up: f32,
    /// Step of a down pulse.
    pub scale_down: f32,
    /// The device's upper bound.
    pub max_bound: f32,
    /// The device's lower bound.
    pub min_bound: f32,
    /// LinearStep: slope of the up step in w; PowStep: exponent of the up step.
    pub shape_up: f32,
    /// LinearStep: slope of the down step; PowStep: exponent of the down step.
    pub shape_down: f32,
}

fn key(p: &PulsedParams) -> [u32; 2] {
    [p.seed_lo, p.seed_hi]
}

fn dtod_normal(p: &PulsedParams, device: u32, k: u32, spread: f32) -> f32 {
    if spread == 0.0 {
        return 0.0;
    }
    spread * normal_from(philox([device, k, DTOD_STREAM, 0], key(p)))
}

/// The parameters device `device` was drawn with (aihwkit's `populate` with enforce_consistency).
pub fn realise(p: &PulsedParams, device: u32) -> DeviceDraw {
    let mut max_bound = p.w_max * (1.0 + dtod_normal(p, device, 0, p.w_max_dtod));
    let mut min_bound = p.w_min * (1.0 + dtod_normal(p, device, 1, p.w_min_dtod));
    let mut gain = 1.0 + dtod_normal(p, device, 2, p.dw_min_dtod);
    if p.flags & FLAG_LOG_NORMAL != 0 {
        gain = dtod_normal(p, device, 2, p.dw_min_dtod).exp();
    }
    let r = dtod_normal(p, device, 3, p.up_down_dtod);
    let up_bias = p.up_down.min(0.0);
    let down_bias = -p.up_down.max(0.0);
    let scale_up = ((up_bias + gain + r) * p.dw_min).abs();
    let scale_down = ((down_bias + gain - r) * p.dw_min).abs();
    if min_bound > max_bound {
        std::mem::swap(&mut min_bound, &mut max_bound);
    }
    let (max_bound, min_bound) = (max_bound.abs(), -min_bound.abs());
    let (mut shape_up, mut shape_down) = (0.0, 0.0);
    if p.model == MODEL_LINEAR_STEP {
        let mut gamma_up = p.p0 + dtod_normal(p, device, 4, p.p2);
        let mut gamma_down = p.p1 + dtod_normal(p, device, 5, p.p3);
        if p.flags & FLAG_ALLOW_INCREASING == 0 {
            (gamma_up, gamma_down) = (gamma_up.abs(), gamma_down.abs());
        }
        let (reference_up, reference_down) = if p.flags & FLAG_MEAN_BOUND_REFERENCE != 0 { (p.w_max, p.w_min) } else { (max_bound, min_bound) };
        if reference_up != 0.0 {
            shape_up = -gamma_up * scale_up / reference_up;
        }
        if reference_down != 0.0 {
            shape_down = -gamma_down * scale_down / reference_down;
        }
    } else if p.model == MODEL_POW_STEP {
        let gamma_gain = 1.0 + dtod_normal(p, device, 4, p.p1);
        let gamma_r = dtod_normal(p, device, 5, p.p3);
        shape_up = ((p.p2.min(0.0) + gamma_gain + gamma_r) * p.p0).abs();
        shape_down = ((-p.p2.max(0.0) + gamma_gain - gamma_r) * p.p0).abs();
    }
    DeviceDraw { scale_up, scale_down, max_bound, min_bound, shape_up, shape_down }
}

fn power(base: f32, exponent: f32) -> f32 {
    if base <= 0.0 { 0.0 } else { base.powf(exponent) }
}

/// One pulse on weight `w` (aihwkit's `update_once`) with the pulse's normal `xi`.
pub fn pulse(p: &PulsedParams, w: f32, up: bool, d: &DeviceDraw, xi: f32) -> f32 {
    let sigma = p.dw_min_std;
    let mut w = w;
    match p.model {
        MODEL_CONSTANT_STEP => {
            if up {
                w += (1.0 + sigma * xi) * d.scale_up;
            } else {
                w -= (1.0 + sigma * xi) * d.scale_down;
            }
        }
        MODEL_LINEAR_STEP => {
            if p.flags & FLAG_MULT_NOISE != 0 {
                if up {
                    w += (d.shape_up * w + d.scale_up) * (1.0 + sigma * xi);
                } else {
                    w -= (d.shape_down * w + d.scale_down) * (1.0 + sigma * xi);
                }
            } else if up {
                w += d.shape_up * w + d.scale_up * (1.0 + sigma * xi);
            } else {
                w -= d.shape_down * w + d.scale_down * (1.0 + sigma * xi);
            }
        }
        MODEL_EXP_STEP => {
            let span = d.max_bound - d.min_bound;
            if span <= 0.0 {
                return w;
            }
            let z = 2.0 * w / span * p.p4 + p.p5;
            let y_up = (1.0 - p.p0 * (p.p2 * z).exp()).max(0.0);
            let y_down = (1.0 - p.p1 * (p.p3 * -z).exp()).max(0.0);
            if sigma > 0.0 && (p.p6 != 0.0 || p.p7 != 0.0) {
                let dw = if up { y_up * d.scale_up } else { -y_down * d.scale_down };
                let dw_std = sigma * (dw.abs() + p.p6 + p.p7 * w.abs());
                w += dw + dw_std * xi;
            } else if up {
                w += y_up * (1.0 + sigma * xi) * d.scale_up;
            } else {
                w -= y_down * (1.0 + sigma * xi) * d.scale_down;
            }
        }
        MODEL_POW_STEP => {
            let span = d.max_bound - d.min_bound;
            if span == 0.0 {
                return w;
            }
            if up {
                w += d.scale_up * power((d.max_bound - w) / span, d.shape_up) * (1.0 + sigma * xi);
            } else {
                w -= d.scale_down * power((w - d.min_bound) / span, d.shape_down) * (1.0 + sigma * xi);
            }
        }
        other => unreachable!("step model code {other} is not produced by StepModel::code"),
    }
    w.clamp(d.min_bound, d.max_bound)
}

fn write_noise(p: &PulsedParams, device: u32) -> f32 {
    if p.write_noise == 0.0 {
        return 0.0;
    }
    p.write_noise * normal_from(philox([device, p.step, WRITE_STREAM, 0], key(p)))
}

/// Applies the signed pulse counts in `counts` (or, when `p.program`, sets the target weights
/// in `counts`) to the four state arrays, in place.
pub fn update(state: &mut DeviceState<Vec<f32>>, counts: &[f32], p: &PulsedParams) {
    for i in 0..p.devices as usize {
        let device = i as u32;
        if p.program != 0 {
            let d = realise(p, device);
            let w = counts[i].clamp(d.min_bound, d.max_bound);
            state.held[i] = w;
            state.seen[i] = if p.flags & FLAG_WRITE_NOISE_ON_SET != 0 { w + write_noise(p, device) } else { w };
            continue;
        }
        let bound = MAX_PULSES_PER_UPDATE as f32;
        let count = counts[i].clamp(-bound, bound) as i32;
        if count == 0 {
            continue;
        }
        let d = realise(p, device);
        let total = count.unsigned_abs();
        let mut w = state.held[i];
        for k in 0..total {
            let xi = if p.dw_min_std > 0.0 { normal_from(philox([device, p.step, PULSE_STREAM, k], key(p))) } else { 0.0 };
            w = pulse(p, w, count > 0, &d, xi);
        }
        state.held[i] = w;
        state.seen[i] = w + write_noise(p, device);
        state.writes[i] += 1.0;
        state.applied[i] += total as f32;
    }
}
