// Shared by the read kernels (quantize, finish, retry, combine): the sums' slots, the DAC/ADC
// rounding and the noise-management scale. Rendered after crossbar_common.wgsl and philox.

{{ sum_slots }}
// Slots of the matmul sums (see SumSlots in src/kernels/crossbar.rs).
const SLOT_ACC: u32 = 0u;
const SLOT_RAMP: u32 = 1u;
const SLOT_ABS: u32 = SLOTS_W;
const SLOT_PCM: u32 = SLOTS_W + SLOTS_ABS - 1u;
const SLOT_POWER: u32 = SLOTS_W + SLOTS_ABS;

// Round half to even onto the grid of `step` (no quantization when step is 0), then clip.
fn quantize(value: f32, step: f32, bound: f32) -> f32 {
    if step == 0.0 {
        return value;
    }
    return clamp_keep_nan(round(value / step) * step, -bound, bound);
}

// The DAC of one input x·scale. A non-finite input becomes NaN and so poisons every output of
// its batch row (the non-finite policy): the noise-management scale 1/max|x| would otherwise
// turn an infinity into NaN and its neighbours into 0, and the clip would make it finite.
fn dac(raw: f32, scale: f32, p: CrossbarParams) -> f32 {
    if !is_finite_f32(raw) {
        return nan_f32();
    }
    return quantize(raw * scale, p.input_step, p.input_bound);
}

// The noise-management scale α of a (batch row, row tile), from `row_max` = max|x| over the
// tile's inputs (only meaningful with ABS_MAX).
fn noise_scale(p: CrossbarParams, row_max: f32) -> f32 {
    if NOISE_MANAGEMENT == NOISE_MANAGEMENT_ABS_MAX {
        return select(row_max, 1.0, row_max <= 0.0);
    } else if NOISE_MANAGEMENT == NOISE_MANAGEMENT_CONSTANT {
        return p.noise_constant;
    }
    return 1.0;
}

// The IR-drop correction of aihwkit's forward: a = n/g_ratio·Σ|w||x'|, c = 0.05a³ − 0.2a² + 0.5a,
// y −= ir_drop·c·Σ w x'(1 − (1 − j/n)²).
fn ir_drop_correction(p: CrossbarParams, rows: u32, abs_sum: f32, ramp_sum: f32) -> f32 {
    let a = f32(rows) / p.ir_drop_g_ratio * abs_sum;
    let c = a * (a * (0.05 * a - 0.2) + 0.5);
    return p.ir_drop * c * ramp_sum;
}

// Read noise, output noise and the ADC for one output of pass `attempt`; returns the converted
// value and whether it saturated (aihwkit tests the rounded value: one that rounds onto the
// bound does not saturate).
fn convert(p: CrossbarParams, analog: f32, read_sigma: f32, column: u32, b: u32, tile: u32, attempt: u32) -> vec2<f32> {
    let key = vec2<u32>(p.seed_lo, p.seed_hi);
    let counter = vec4<u32>(column, b, tile, (p.call << 8u) | (attempt << 4u));
    var value = analog;
    if READ_NOISE != READ_NOISE_NONE {
        value += read_sigma * normal_from(philox(counter | vec4<u32>(0u, 0u, 0u, 2u), key));
    }
    if p.output_noise > 0.0 {
        value += p.output_noise * normal_from(philox(counter | vec4<u32>(0u, 0u, 0u, 1u), key));
    }
    if p.output_step > 0.0 {
        value = round(value / p.output_step) * p.output_step;
    }
    let saturated = !is_nan_f32(value) && abs(value) > p.output_bound;
    if p.output_step > 0.0 {
        value = clamp_keep_nan(value, -p.output_bound, p.output_bound);
    }
    return vec2<f32>(value, select(0.0, 1.0, saturated));
}
