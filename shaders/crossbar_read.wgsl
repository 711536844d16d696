// Analog read (vector-matrix multiply) of a programmed crossbar, aihwkit's forward pipeline per
// tile: noise management → DAC → analog MAC → IR drop → read and output noise → ADC, with
// iterative bound management, then the tiles' outputs summed digitally.
//
// A workgroup owns ROWS batch rows and one column tile; invocation `local` owns columns
// local + k·WORKGROUP_SIZE of it (k < COLS <= 4). For each row tile the quantised
// inputs of all ROWS rows are staged in workgroup memory a chunk at a time; every conductance
// pair an invocation loads serves all ROWS rows, and consecutive invocations read consecutive
// columns, so the loads coalesce. Each row keeps its own noise-management scale α and
// bound-management factor β; a row that passes the saturation test stops accumulating while
// the others retry.

const ROWS: u32 = {{ rows }}u;
// Columns per invocation, ⌈tile_cols / WORKGROUP_SIZE⌉ (1 to 4). A constant, so the loops over
// rows and columns unroll and the accumulators below stay in registers.
const COLS: u32 = {{ cols_per_thread }}u;
const SLOTS: u32 = ROWS * COLS;  // per-invocation accumulators: ROWS rows × COLS columns

@group(0) @binding(0) var<storage, read_write> input: array<Elem>;   // [batch, inputs]
@group(0) @binding(1) var<storage, read_write> planes: array<f32>;   // see crossbar_program.wgsl
@group(0) @binding(2) var<storage, read_write> scales: array<f32>;   // [max|W|, drift compensation]
@group(0) @binding(3) var<storage, read_write> output: array<Elem>;  // [batch, outputs]
// [power (µW) | current (µA)], each [batch, row_tiles, outputs] (only with traces).
@group(0) @binding(4) var<storage, read_write> traces: array<f32>;
@group(0) @binding(5) var<storage, read_write> params: CrossbarParams;

var<workgroup> shared_params: CrossbarParams;
var<workgroup> reduce_max: array<f32, ROWS * WORKGROUP_SIZE>;
var<workgroup> quantized: array<f32, ROWS * WORKGROUP_SIZE>;
var<workgroup> saturated: array<atomic<u32>, ROWS>;

// Round half to even onto the grid of `step` (no quantization when step is 0), then clip.
fn quantize(value: f32, step: f32, bound: f32) -> f32 {
    if step == 0.0 {
        return value;
    }
    return clamp(round(value / step) * step, -bound, bound);
}

// Effective normalised weight of the device pair at this read's (row, column):
// (g+ − g−)/(g_max − g_min), with drift applied to each device; also returns the pair's total
// conductance (for power) and the signed difference in µS (for current).
fn device_pair(p: CrossbarParams, row: u32, column: u32) -> vec3<f32> {
    let n = p.inputs * p.outputs;
    var index = row * p.outputs + column;
    if TRANSPOSED {
        index = column * p.inputs + row;
    }
    var g_pos = planes[index];
    var g_neg = planes[n + index];
    if DRIFT {
        g_pos *= exp(-planes[2u * n + index] * p.log_time_ratio);
        g_neg *= exp(-planes[3u * n + index] * p.log_time_ratio);
    }
    return vec3<f32>((g_pos - g_neg) * p.inv_g_range, g_pos + g_neg, g_pos - g_neg);
}

@compute @workgroup_size(WORKGROUP_SIZE, 1, 1)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) num_workgroups: vec3<u32>, @builtin(local_invocation_index) local: u32) {
    if local == 0u {
        shared_params = params;
    }
    let p = workgroupUniformLoad(&shared_params);
    let block = workgroup_index(workgroup, num_workgroups);
    let row_groups = (p.batch + ROWS - 1u) / ROWS;
    if block >= row_groups * p.col_tiles {
        return;
    }
    let b0 = (block / p.col_tiles) * ROWS;
    let col_tile = block % p.col_tiles;
    let rows_here = min(ROWS, p.batch - b0);
    let key = vec2<u32>(p.seed_lo, p.seed_hi);
    let volts_per_unit = p.read_voltage / p.input_bound;

    var total: array<f32, SLOTS>;
    for (var row_tile = 0u; row_tile < p.row_tiles; row_tile++) {
        let row0 = row_tile * p.tile_rows;
        let rows = min(p.tile_rows, p.inputs - row0);

        // Noise management: α = max|x| over this tile's inputs, per batch row.
        var alpha: array<f32, ROWS>;
        for (var r = 0u; r < ROWS; r++) {
            alpha[r] = 1.0;
        }
        if NOISE_MANAGEMENT == NOISE_MANAGEMENT_ABS_MAX {
            for (var r = 0u; r < ROWS; r++) {
                var local_max = 0.0;
                if r < rows_here {
                    for (var i = local; i < rows; i += WORKGROUP_SIZE) {
                        local_max = max(local_max, abs(f32(input[(b0 + r) * p.inputs + row0 + i])));
                    }
                }
                reduce_max[r * WORKGROUP_SIZE + local] = local_max;
            }
            workgroupBarrier();
            for (var stride = WORKGROUP_SIZE / 2u; stride > 0u; stride >>= 1u) {
                if local < stride {
                    for (var r = 0u; r < ROWS; r++) {
                        let at = r * WORKGROUP_SIZE + local;
                        reduce_max[at] = max(reduce_max[at], reduce_max[at + stride]);
                    }
                }
                workgroupBarrier();
            }
            for (var r = 0u; r < ROWS; r++) {
                let m = workgroupUniformLoad(&reduce_max[r * WORKGROUP_SIZE]);
                alpha[r] = select(m, 1.0, m <= 0.0);
            }
        } else if NOISE_MANAGEMENT == NOISE_MANAGEMENT_CONSTANT {
            for (var r = 0u; r < ROWS; r++) {
                alpha[r] = p.noise_constant;
            }
        }

        var beta: array<f32, ROWS>;
        var attempt: array<u32, ROWS>;
        var reading: array<bool, ROWS>;
        for (var r = 0u; r < ROWS; r++) {
            beta[r] = 1.0;
            attempt[r] = 0u;
            reading[r] = r < rows_here;
        }
        var y: array<f32, SLOTS>;
        var power: array<f32, SLOTS>;
        var current: array<f32, SLOTS>;
        loop {
            var acc: array<f32, SLOTS>;
            var abs_acc: array<f32, SLOTS>;   // Σ|w||x'|           (IR drop)
            var ramp_acc: array<f32, SLOTS>;  // Σ w x' (1 − (1 − j/n)²)
            var pcm_acc: array<f32, SLOTS>;   // Σ|w| x'²           (PCM read noise)
            var pass_power: array<f32, SLOTS>;
            var pass_current: array<f32, SLOTS>;
            var sq_norm: array<f32, ROWS>;    // Σ x'²
            var scale: array<f32, ROWS>;
            for (var r = 0u; r < ROWS; r++) {
                scale[r] = 1.0 / (alpha[r] * beta[r]);
            }
            for (var chunk = 0u; chunk < rows; chunk += WORKGROUP_SIZE) {
                let i = chunk + local;
                for (var r = 0u; r < ROWS; r++) {
                    var xq = 0.0;
                    if reading[r] && i < rows {
                        xq = quantize(f32(input[(b0 + r) * p.inputs + row0 + i]) * scale[r], p.input_step, p.input_bound);
                    }
                    quantized[r * WORKGROUP_SIZE + local] = xq;
                }
                workgroupBarrier();
                let count = min(WORKGROUP_SIZE, rows - chunk);
                for (var j = 0u; j < count; j++) {
                    // This input of every row, read from workgroup memory once per column pass.
                    var xs: array<f32, ROWS>;
                    for (var r = 0u; r < ROWS; r++) {
                        xs[r] = quantized[r * WORKGROUP_SIZE + j];
                        sq_norm[r] += xs[r] * xs[r];
                    }
                    let position = f32(chunk + j) / f32(rows);
                    let ramp = 1.0 - (1.0 - position) * (1.0 - position);
                    for (var k = 0u; k < COLS; k++) {
                        let column = local + k * WORKGROUP_SIZE;
                        if column < p.tile_cols && col_tile * p.tile_cols + column < p.outputs {
                            let pair = device_pair(p, row0 + chunk + j, col_tile * p.tile_cols + column);
                            for (var r = 0u; r < ROWS; r++) {
                                if reading[r] {
                                    let x = xs[r];
                                    let s = r * COLS + k;
                                    acc[s] += pair.x * x;
                                    if IR_DROP {
                                        abs_acc[s] += abs(pair.x) * abs(x);
                                        ramp_acc[s] += pair.x * x * ramp;
                                    }
                                    if READ_NOISE == READ_NOISE_PCM {
                                        pcm_acc[s] += abs(pair.x) * x * x;
                                    }
                                    if TRACES {
                                        let volts = x * volts_per_unit;
                                        pass_power[s] += volts * volts * pair.y;
                                        pass_current[s] += volts * pair.z;
                                    }
                                }
                            }
                        }
                    }
                }
                workgroupBarrier();
            }

            if local < ROWS {
                atomicStore(&saturated[local], 0u);
            }
            workgroupBarrier();
            for (var r = 0u; r < ROWS; r++) {
                if !reading[r] {
                    continue;
                }
                for (var k = 0u; k < COLS; k++) {
                    let column = local + k * WORKGROUP_SIZE;
                    let global_column = col_tile * p.tile_cols + column;
                    if column < p.tile_cols && global_column < p.outputs {
                        let s = r * COLS + k;
                        var value = acc[s];
                        if IR_DROP {
                            let a = f32(rows) / p.ir_drop_g_ratio * abs_acc[s];
                            let c = a * (a * (0.05 * a - 0.2) + 0.5);
                            value -= p.ir_drop * c * ramp_acc[s];
                        }
                        let counter = vec4<u32>(global_column, b0 + r, row_tile, (p.call << 8u) | (attempt[r] << 4u));
                        if READ_NOISE == READ_NOISE_ADDITIVE {
                            value += p.read_noise * sqrt(sq_norm[r]) * normal_from(philox(counter | vec4<u32>(0u, 0u, 0u, 2u), key));
                        } else if READ_NOISE == READ_NOISE_PCM {
                            value += p.read_noise * sqrt(pcm_acc[s]) * normal_from(philox(counter | vec4<u32>(0u, 0u, 0u, 2u), key));
                        }
                        if p.output_noise > 0.0 {
                            value += p.output_noise * normal_from(philox(counter | vec4<u32>(0u, 0u, 0u, 1u), key));
                        }
                        if abs(value) >= p.output_bound {
                            atomicOr(&saturated[r], 1u);
                        }
                        if p.output_step > 0.0 {
                            value = quantize(value, p.output_step, p.output_bound);
                        }
                        y[s] = value;
                        power[s] = pass_power[s];
                        current[s] = pass_current[s];
                    }
                }
            }
            // Rows that saturated and may still halve their scale read again.
            var any_retry = false;
            for (var r = 0u; r < ROWS; r++) {
                let retry = reading[r] && workgroupUniformLoad(&saturated[r]) != 0u && beta[r] <= p.max_bound_factor;
                if retry {
                    beta[r] *= 2.0;
                    attempt[r] += 1u;
                }
                reading[r] = retry;
                any_retry = any_retry || retry;
            }
            if !any_retry {
                break;
            }
        }

        for (var r = 0u; r < rows_here; r++) {
            for (var k = 0u; k < COLS; k++) {
                let column = local + k * WORKGROUP_SIZE;
                let global_column = col_tile * p.tile_cols + column;
                if column < p.tile_cols && global_column < p.outputs {
                    let s = r * COLS + k;
                    total[s] += y[s] * alpha[r] * beta[r];
                    if TRACES {
                        let at = ((b0 + r) * p.row_tiles + row_tile) * p.outputs + global_column;
                        traces[at] = power[s];
                        traces[p.batch * p.row_tiles * p.outputs + at] = current[s];
                    }
                }
            }
        }
    }
    let gain = scales[0] * scales[1];
    for (var r = 0u; r < rows_here; r++) {
        for (var k = 0u; k < COLS; k++) {
            let column = local + k * WORKGROUP_SIZE;
            let global_column = col_tile * p.tile_cols + column;
            if column < p.tile_cols && global_column < p.outputs {
                output[(b0 + r) * p.outputs + global_column] = Elem(total[r * COLS + k] * gain);
            }
        }
    }
}
