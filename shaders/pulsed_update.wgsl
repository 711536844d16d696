// Pulsed device update (aihwkit's PulsedDevice family): every invocation owns one device and
// applies its signed pulse count one pulse at a time through the device model, clipping to the
// device's own bounds after each pulse. Device-to-device parameters are not stored: they are
// redrawn from Philox keyed by (seed, device, DTOD_STREAM) at every update, so they stay the same
// for the device's whole life and the CPU reference (src/reference/pulsed_update.rs) regenerates
// them. Cycle-to-cycle noise is keyed by (device, step, pulse), write noise by (device, step).
//
// The device state is four arrays of `devices` values, updated in place: the weight the device
// holds, the weight a read sees (the held weight plus write noise), the writes (updates with a
// non-zero count) and the pulses applied so far. `program = 1` sets the held weights to `counts`
// (then the targets), clipped to each device's bounds, and leaves the counters alone.

@group(0) @binding(0) var<storage, read_write> held: array<f32>;
@group(0) @binding(1) var<storage, read_write> seen: array<f32>;
@group(0) @binding(2) var<storage, read_write> writes: array<f32>;
@group(0) @binding(3) var<storage, read_write> applied: array<f32>;
@group(0) @binding(4) var<storage, read_write> counts: array<f32>;  // +k up, −k down (or targets)
@group(0) @binding(5) var<storage, read_write> params: PulsedParams;

const MODEL_CONSTANT_STEP: u32 = {{ model_constant_step }}u;
const MODEL_LINEAR_STEP: u32 = {{ model_linear_step }}u;
const MODEL_EXP_STEP: u32 = {{ model_exp_step }}u;
const MODEL_POW_STEP: u32 = {{ model_pow_step }}u;
const FLAG_LOG_NORMAL: u32 = {{ flag_log_normal }}u;
const FLAG_MULT_NOISE: u32 = {{ flag_mult_noise }}u;
const FLAG_MEAN_BOUND_REFERENCE: u32 = {{ flag_mean_bound_reference }}u;
const FLAG_ALLOW_INCREASING: u32 = {{ flag_allow_increasing }}u;
const FLAG_WRITE_NOISE_ON_SET: u32 = {{ flag_write_noise_on_set }}u;
const MAX_PULSES: f32 = {{ max_pulses }}.0;
const DTOD_STREAM: u32 = {{ dtod_stream }}u;
const PULSE_STREAM: u32 = {{ pulse_stream }}u;
const WRITE_STREAM: u32 = {{ write_stream }}u;

// One device's drawn parameters: step sizes, bounds, and the model's per-direction shape
// (LinearStep: slopes; PowStep: exponents).
struct Device {
    scale_up: f32,
    scale_down: f32,
    max_bound: f32,
    min_bound: f32,
    shape_up: f32,
    shape_down: f32,
}

// The k-th device-to-device normal of `device`, or 0 when its spread is 0 (no draw).
fn dtod_normal(device: u32, k: u32, spread: f32) -> f32 {
    if spread == 0.0 {
        return 0.0;
    }
    return spread * normal_from(philox(vec4<u32>(device, k, DTOD_STREAM, 0u), vec2<u32>(params.seed_lo, params.seed_hi)));
}

// aihwkit's PulsedRPUDevice::populate with enforce_consistency, then the model's own draws.
fn realise(device: u32) -> Device {
    let p = params;
    var d: Device;
    var max_bound = p.w_max * (1.0 + dtod_normal(device, 0u, p.w_max_dtod));
    var min_bound = p.w_min * (1.0 + dtod_normal(device, 1u, p.w_min_dtod));
    var gain = 1.0 + dtod_normal(device, 2u, p.dw_min_dtod);
    if (p.flags & FLAG_LOG_NORMAL) != 0u {
        gain = exp(dtod_normal(device, 2u, p.dw_min_dtod));
    }
    let r = dtod_normal(device, 3u, p.up_down_dtod);
    let up_bias = min(p.up_down, 0.0);
    let down_bias = -max(p.up_down, 0.0);
    d.scale_up = abs((up_bias + gain + r) * p.dw_min);
    d.scale_down = abs((down_bias + gain - r) * p.dw_min);
    if min_bound > max_bound {
        let swap = min_bound;
        min_bound = max_bound;
        max_bound = swap;
    }
    d.max_bound = abs(max_bound);
    d.min_bound = -abs(min_bound);
    d.shape_up = 0.0;
    d.shape_down = 0.0;
    if p.model == MODEL_LINEAR_STEP {
        var gamma_up = p.p0 + dtod_normal(device, 4u, p.p2);
        var gamma_down = p.p1 + dtod_normal(device, 5u, p.p3);
        if (p.flags & FLAG_ALLOW_INCREASING) == 0u {
            gamma_up = abs(gamma_up);
            gamma_down = abs(gamma_down);
        }
        var reference_up = d.max_bound;
        var reference_down = d.min_bound;
        if (p.flags & FLAG_MEAN_BOUND_REFERENCE) != 0u {
            reference_up = p.w_max;
            reference_down = p.w_min;
        }
        if reference_up != 0.0 {
            d.shape_up = -gamma_up * d.scale_up / reference_up;
        }
        if reference_down != 0.0 {
            d.shape_down = -gamma_down * d.scale_down / reference_down;
        }
    } else if p.model == MODEL_POW_STEP {
        // p0 = γ, p1 = γ's relative spread, p2 = its up/down asymmetry, p3 = that asymmetry's spread.
        let gamma_gain = 1.0 + dtod_normal(device, 4u, p.p1);
        let gamma_r = dtod_normal(device, 5u, p.p3);
        d.shape_up = abs((min(p.p2, 0.0) + gamma_gain + gamma_r) * p.p0);
        d.shape_down = abs((-max(p.p2, 0.0) + gamma_gain - gamma_r) * p.p0);
    }
    return d;
}

// `base` raised to `exponent` for base >= 0 (0 at 0, where WGSL's pow is undefined).
fn power(base: f32, exponent: f32) -> f32 {
    if base <= 0.0 {
        return 0.0;
    }
    return pow(base, exponent);
}

// One pulse on weight `w` (aihwkit's update_once), with the pulse's normal `xi`.
fn pulse(w_in: f32, up: bool, d: Device, xi: f32) -> f32 {
    let p = params;
    let sigma = p.dw_min_std;
    var w = w_in;
    if p.model == MODEL_CONSTANT_STEP {
        if up {
            w += (1.0 + sigma * xi) * d.scale_up;
        } else {
            w -= (1.0 + sigma * xi) * d.scale_down;
        }
    } else if p.model == MODEL_LINEAR_STEP {
        if (p.flags & FLAG_MULT_NOISE) != 0u {
            if up {
                w += (d.shape_up * w + d.scale_up) * (1.0 + sigma * xi);
            } else {
                w -= (d.shape_down * w + d.scale_down) * (1.0 + sigma * xi);
            }
        } else {
            if up {
                w += d.shape_up * w + d.scale_up * (1.0 + sigma * xi);
            } else {
                w -= d.shape_down * w + d.scale_down * (1.0 + sigma * xi);
            }
        }
    } else if p.model == MODEL_EXP_STEP {
        // p0..p7 = A_up, A_down, γ_up, γ_down, a, b, dw_min_std_add, dw_min_std_slope.
        let span = d.max_bound - d.min_bound;
        if span <= 0.0 {
            return w;
        }
        let z = 2.0 * w / span * p.p4 + p.p5;
        let y_up = max(1.0 - p.p0 * exp(p.p2 * z), 0.0);
        let y_down = max(1.0 - p.p1 * exp(p.p3 * -z), 0.0);
        if sigma > 0.0 && (p.p6 != 0.0 || p.p7 != 0.0) {
            var dw = -y_down * d.scale_down;
            if up {
                dw = y_up * d.scale_up;
            }
            let dw_std = sigma * (abs(dw) + p.p6 + p.p7 * abs(w));
            w += dw + dw_std * xi;
        } else if up {
            w += y_up * (1.0 + sigma * xi) * d.scale_up;
        } else {
            w -= y_down * (1.0 + sigma * xi) * d.scale_down;
        }
    } else if p.model == MODEL_POW_STEP {
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
    return clamp(w, d.min_bound, d.max_bound);
}

// The write noise a read of `device` sees after a write at `step` (absolute σ in `write_noise`).
fn write_noise(device: u32) -> f32 {
    if params.write_noise == 0.0 {
        return 0.0;
    }
    let key = vec2<u32>(params.seed_lo, params.seed_hi);
    return params.write_noise * normal_from(philox(vec4<u32>(device, params.step, WRITE_STREAM, 0u), key));
}

@compute @workgroup_size(WORKGROUP_SIZE, 1, 1)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) num_workgroups: vec3<u32>, @builtin(local_invocation_index) local: u32) {
    let i = linear_index(workgroup, num_workgroups, local);
    if i >= params.devices {
        return;
    }
    if params.program != 0u {
        let d = realise(i);
        let w = clamp_keep_nan(counts[i], d.min_bound, d.max_bound);
        held[i] = w;
        seen[i] = w;
        if (params.flags & FLAG_WRITE_NOISE_ON_SET) != 0u {
            seen[i] = w + write_noise(i);
        }
        return;
    }
    // A NaN count fires no pulse (the reference's saturating `as i32` makes it 0).
    let count = select(i32(clamp(counts[i], -MAX_PULSES, MAX_PULSES)), 0, is_nan_f32(counts[i]));
    if count == 0 {
        return;
    }
    let d = realise(i);
    let up = count > 0;
    let total = u32(abs(count));
    let key = vec2<u32>(params.seed_lo, params.seed_hi);
    var w = held[i];
    for (var k = 0u; k < total; k++) {
        var xi = 0.0;
        if params.dw_min_std > 0.0 {
            xi = normal_from(philox(vec4<u32>(i, params.step, PULSE_STREAM, k), key));
        }
        w = pulse(w, up, d, xi);
    }
    held[i] = w;
    seen[i] = w + write_noise(i);
    writes[i] += 1.0;
    applied[i] += f32(total);
}
