//! CPU reference of the crossbar kernels: the same steps, order and random draws as
//! `shaders/crossbar_program.wgsl`, `shaders/crossbar_drift.wgsl` and the read kernels
//! (`shaders/crossbar_read_*.wgsl`).

use super::Storage;
use crate::kernels::crossbar::{CrossbarSettings, DriftParams};
use crate::rng::{normal_from, philox, uniform_from};

use crate::kernels::crossbar::codes;
use crate::rng::{DRIFT_STREAM, PROGRAM_STREAM};

fn pcm_programming_sigma(g_hat: f32) -> f32 {
    0.26348 + 1.965 * g_hat - 1.1731 * g_hat * g_hat
}

fn program_device(s: &CrossbarSettings, goal: f32, device: u32, polarity: u32) -> (f32, f32) {
    let p = &s.params;
    let key = [p.seed_lo, p.seed_hi];
    let mut g = goal;
    if p.levels > 1 {
        let step = (p.g_max - p.g_min) / (p.levels - 1) as f32;
        g = p.g_min + ((g - p.g_min) / step).round_ties_even() * step;
    }
    if s.variant.programming_noise != codes::PROGRAMMING_NOISE_NONE {
        let mut sigma = p.programming_sigma;
        if s.variant.programming_noise == codes::PROGRAMMING_NOISE_PCM {
            sigma = p.programming_sigma * pcm_programming_sigma(g * p.inv_g_max) * (p.g_max * 0.04);
        }
        g += sigma * normal_from(philox([device, polarity, PROGRAM_STREAM, 1], key));
    }
    if p.device_variation > 0.0 {
        g *= 1.0 + p.device_variation * normal_from(philox([device, polarity, PROGRAM_STREAM, 2], key));
    }
    g = max_keep_nan(g, 0.0);
    let u = uniform_from(philox([device, polarity, PROGRAM_STREAM, 3], key)[0]);
    if u < p.stuck_at_min {
        g = p.g_min;
    } else if u < p.stuck_at_min + p.stuck_at_max {
        g = p.g_max;
    }
    let mut nu = 0.0;
    if s.variant.drift {
        let log_g = (goal * p.inv_g_max).max(1.0e-7).ln();
        let mu = (-0.0155 * log_g + 0.0244).clamp(0.049, 0.1);
        let sd = (-0.0125 * log_g - 0.0059).clamp(0.008, 0.045);
        nu = (mu + sd * normal_from(philox([device, polarity, PROGRAM_STREAM, 4], key))).abs() * p.drift_scale;
    }
    (g, nu)
}

/// Programs `weight [inputs, outputs]`; returns the `[planes, inputs, outputs]` state.
pub fn program(s: &CrossbarSettings, weight: &[f32]) -> Vec<f32> {
    let n = weight.len();
    // max|W| over the finite weights; a non-finite one programs NaN devices (the non-finite
    // policy: its column reads NaN, as the dense product's would).
    let w_max = weight.iter().filter(|w| w.is_finite()).fold(0.0f32, |m, w| m.max(w.abs()));
    let w_max = if w_max <= 0.0 { 1.0 } else { w_max };
    let span = s.params.g_max - s.params.g_min;
    let mut planes = vec![0.0; s.planes() * n];
    for (i, &w) in weight.iter().enumerate() {
        let w = if w.is_finite() { w / w_max } else { f32::NAN };
        let positive = program_device(s, s.params.g_min + span * max_keep_nan(w, 0.0), i as u32, 0);
        let negative = program_device(s, s.params.g_min + span * max_keep_nan(-w, 0.0), i as u32, 1);
        planes[i] = positive.0;
        planes[n + i] = negative.0;
        if s.variant.drift {
            planes[2 * n + i] = positive.1;
            planes[3 * n + i] = negative.1;
        }
    }
    planes
}

fn quantize(value: f32, step: f32, bound: f32) -> f32 {
    if step == 0.0 { value } else { ((value / step).round_ties_even() * step).clamp(-bound, bound) }
}

/// The DAC of one input `raw·scale`: a non-finite input becomes NaN, poisoning its batch row.
fn dac(raw: f32, scale: f32, step: f32, bound: f32) -> f32 {
    if raw.is_finite() { quantize(raw * scale, step, bound) } else { f32::NAN }
}

/// `value.max(low)` keeping NaN (Rust's `f32::max` returns the other operand), as the kernels'
/// bit-tested `select` does.
fn max_keep_nan(value: f32, low: f32) -> f32 {
    if value.is_nan() { value } else { value.max(low) }
}

/// Output of [`read`].
#[derive(Debug, Clone, PartialEq)]
pub struct ReadOutput {
    /// `[batch, outputs]`, rounded to the storage dtype.
    pub output: Vec<f32>,
    /// `[batch, row_tiles, outputs]` (empty without traces) power (µW) and current (V × effective-weight units: times
    /// the crossbar's µS per unit of weight gives µA) of the final pass.
    pub power: Vec<f32>,
    pub current: Vec<f32>,
    /// `[batch, row_tiles, outputs]` (empty without traces) array energy over every pass, pJ.
    pub energy: Vec<f32>,
    /// `[batch, row_tiles, outputs]` bound-management passes.
    pub passes: Vec<u32>,
}

/// Reads `input [batch, inputs]` (values already in the storage dtype) through the forward
/// crossbar's `effective [inputs_fwd, outputs_fwd]` weights (transposed for a backward read),
/// with `conductance_sum` (g+ + g−, same layout; only used with traces) and output `gains`.
pub fn read(s: &CrossbarSettings, storage: Storage, input: &[f32], effective: &[f32], conductance_sum: &[f32], gains: &[f32]) -> ReadOutput {
    let p = &s.params;
    let (inputs, outputs, batch) = (p.inputs as usize, p.outputs as usize, p.batch as usize);
    let (tile_rows, tile_cols) = (p.tile_rows as usize, p.tile_cols as usize);
    let row_tiles = p.row_tiles as usize;
    let key = [p.seed_lo, p.seed_hi];
    let volts_per_unit = p.read_voltage / p.input_bound;
    let index = |row: usize, column: usize| if s.variant.transposed { column * inputs + row } else { row * outputs + column };
    let traced = batch * row_tiles * outputs;
    let trace = if s.variant.traces { traced } else { 0 };
    let mut out = ReadOutput {
        output: vec![0.0; batch * outputs],
        power: vec![0.0; trace],
        current: vec![0.0; trace],
        energy: vec![0.0; trace],
        passes: vec![0; traced],
    };
    for b in 0..batch {
        for col_tile in 0..p.col_tiles as usize {
            let columns: Vec<usize> = (col_tile * tile_cols..((col_tile + 1) * tile_cols).min(outputs)).collect();
            let mut total = vec![0.0f32; columns.len()];
            for row_tile in 0..row_tiles {
                let row0 = row_tile * tile_rows;
                let rows = tile_rows.min(inputs - row0);
                let x = &input[b * inputs + row0..b * inputs + row0 + rows];
                let mut alpha = match s.variant.noise_management {
                    codes::NOISE_MANAGEMENT_ABS_MAX => x.iter().fold(0.0f32, |m, v| m.max(v.abs())),
                    codes::NOISE_MANAGEMENT_CONSTANT => p.noise_constant,
                    _ => 1.0,
                };
                if s.variant.noise_management == codes::NOISE_MANAGEMENT_ABS_MAX && alpha <= 0.0 {
                    alpha = 1.0;
                }
                let (mut beta, mut attempt) = (1.0f32, 0u32);
                let mut y = vec![0.0f32; columns.len()];
                let mut energy = vec![0.0f32; columns.len()];
                loop {
                    let scale = 1.0 / (alpha * beta);
                    let xq: Vec<f32> = x.iter().map(|v| dac(*v, scale, p.input_step, p.input_bound)).collect();
                    let sq_norm: f32 = xq.iter().fold(0.0, |acc, v| acc + v * v);
                    let mut saturated = false;
                    for (k, &column) in columns.iter().enumerate() {
                        let (mut acc, mut abs_acc, mut ramp_acc, mut pcm_acc, mut power) = (0.0f32, 0.0f32, 0.0f32, 0.0f32, 0.0f32);
                        for (j, &v) in xq.iter().enumerate() {
                            let position = j as f32 / rows as f32;
                            let ramp = 1.0 - (1.0 - position) * (1.0 - position);
                            let at = index(row0 + j, column);
                            let w = effective[at];
                            acc += w * v;
                            abs_acc += w.abs() * v.abs();
                            ramp_acc += w * v * ramp;
                            pcm_acc += w.abs() * v * v;
                            if s.variant.traces {
                                let volts = v * volts_per_unit;
                                power += volts * volts * conductance_sum[at];
                            }
                        }
                        let mut value = acc;
                        if s.variant.ir_drop {
                            let a = rows as f32 / p.ir_drop_g_ratio * abs_acc;
                            let c = a * (a * (0.05 * a - 0.2) + 0.5);
                            value -= p.ir_drop * c * ramp_acc;
                        }
                        let counter = [column as u32, b as u32, row_tile as u32, (p.call << 8) | (attempt << 4)];
                        let draw = |purpose: u32| normal_from(philox([counter[0], counter[1], counter[2], counter[3] | purpose], key));
                        match s.variant.read_noise {
                            codes::READ_NOISE_ADDITIVE => value += p.read_noise * sq_norm.sqrt() * draw(2),
                            codes::READ_NOISE_PCM => value += p.read_noise * pcm_acc.sqrt() * draw(2),
                            _ => {}
                        }
                        if p.output_noise > 0.0 {
                            value += p.output_noise * draw(1);
                        }
                        // aihwkit's ADC: round onto the grid, then clip; the bound test sees the
                        // rounded value.
                        if p.output_step > 0.0 {
                            value = (value / p.output_step).round_ties_even() * p.output_step;
                        }
                        if value.abs() > p.output_bound {
                            saturated = true;
                        }
                        y[k] = if p.output_step > 0.0 { value.clamp(-p.output_bound, p.output_bound) } else { value };
                        energy[k] += power * p.integration_ns * 1.0e-3;
                        if s.variant.traces {
                            let at = (b * row_tiles + row_tile) * outputs + column;
                            out.power[at] = power;
                            out.current[at] = acc * volts_per_unit;
                            out.energy[at] = energy[k];
                        }
                    }
                    if !(saturated && beta <= p.max_bound_factor) {
                        break;
                    }
                    beta *= 2.0;
                    attempt += 1;
                }
                for (k, t) in total.iter_mut().enumerate() {
                    *t += y[k] * alpha * beta;
                    out.passes[(b * row_tiles + row_tile) * outputs + columns[k]] = attempt + 1;
                }
            }
            for (k, &column) in columns.iter().enumerate() {
                out.output[b * outputs + column] = storage.round(total[k] * gains[column]);
            }
        }
    }
    out
}

/// Inference-time drift and PCM read noise (`shaders/crossbar_drift.wgsl`):
/// `[4, devices]` programmed planes → `[2, devices]` conductances.
pub fn drift(planes: &[f32], p: &DriftParams) -> Vec<f32> {
    let n = p.devices as usize;
    let key = [p.seed_lo, p.seed_hi];
    let mut out = vec![0.0; 2 * n];
    for i in 0..n {
        for polarity in 0..2 {
            let g_prog = planes[polarity * n + i];
            let nu = planes[(2 + polarity) * n + i];
            let g = g_prog * (-nu * p.log_time_ratio).exp();
            let q = (0.0088 / (g_prog * p.inv_g_max).max(0.0).powf(0.65).max(1.0e-3)).min(0.2);
            let z = normal_from(philox([i as u32, polarity as u32, DRIFT_STREAM, p.realisation], key));
            out[polarity * n + i] = max_keep_nan(g + g * q * p.read_noise_factor * z, 0.0);
        }
    }
    out
}
