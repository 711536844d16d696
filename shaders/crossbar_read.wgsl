// Analog read (vector-matrix multiply) of a programmed crossbar, aihwkit's forward pipeline per
// tile: noise management → DAC → analog MAC → IR drop → read and output noise → ADC, with
// iterative bound management, then the tiles' outputs summed digitally.
//
// A workgroup owns one batch row and one column tile; invocation `local` owns columns
// local + k·WORKGROUP_SIZE of it (k < cols_per_thread <= 4). For each row tile the quantised
// inputs are staged in workgroup memory a chunk at a time and every invocation accumulates its
// columns; consecutive invocations read consecutive columns, so conductance loads coalesce.

@group(0) @binding(0) var<storage, read_write> input: array<Elem>;   // [batch, inputs]
@group(0) @binding(1) var<storage, read_write> planes: array<f32>;   // see crossbar_program.wgsl
@group(0) @binding(2) var<storage, read_write> scales: array<f32>;   // [max|W|, drift compensation]
@group(0) @binding(3) var<storage, read_write> output: array<Elem>;  // [batch, outputs]
// [power (µW) | current (µA)], each [batch, row_tiles, outputs] (only with traces).
@group(0) @binding(4) var<storage, read_write> traces: array<f32>;
@group(0) @binding(5) var<storage, read_write> params: CrossbarParams;

var<workgroup> shared_params: CrossbarParams;
var<workgroup> reduce_max: array<f32, WORKGROUP_SIZE>;
var<workgroup> quantized: array<f32, WORKGROUP_SIZE>;
var<workgroup> saturated: atomic<u32>;

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
fn main(
    @builtin(workgroup_id) workgroup: vec3<u32>,
    @builtin(num_workgroups) num_workgroups: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    if local == 0u {
        shared_params = params;
    }
    let p = workgroupUniformLoad(&shared_params);
    let block = workgroup.y * num_workgroups.x + workgroup.x;
    if block >= p.batch * p.col_tiles {
        return;
    }
    let b = block / p.col_tiles;
    let col_tile = block % p.col_tiles;
    let key = vec2<u32>(p.seed_lo, p.seed_hi);
    let volts_per_unit = p.read_voltage / p.input_bound;

    var total = array<f32, 4>(0.0, 0.0, 0.0, 0.0);
    for (var row_tile = 0u; row_tile < p.row_tiles; row_tile++) {
        let row0 = row_tile * p.tile_rows;
        let rows = min(p.tile_rows, p.inputs - row0);

        // Noise management: α = max|x| over this tile's inputs.
        var alpha = 1.0;
        if NOISE_MANAGEMENT == 1u {
            var local_max = 0.0;
            for (var r = local; r < rows; r += WORKGROUP_SIZE) {
                local_max = max(local_max, abs(f32(input[b * p.inputs + row0 + r])));
            }
            reduce_max[local] = local_max;
            workgroupBarrier();
            for (var stride = WORKGROUP_SIZE / 2u; stride > 0u; stride >>= 1u) {
                if local < stride {
                    reduce_max[local] = max(reduce_max[local], reduce_max[local + stride]);
                }
                workgroupBarrier();
            }
            alpha = workgroupUniformLoad(&reduce_max[0]);
            if alpha <= 0.0 {
                alpha = 1.0;
            }
        } else if NOISE_MANAGEMENT == 2u {
            alpha = p.noise_constant;
        }

        var beta = 1.0;
        var attempt = 0u;
        var y = array<f32, 4>(0.0, 0.0, 0.0, 0.0);
        var power = array<f32, 4>(0.0, 0.0, 0.0, 0.0);
        var current = array<f32, 4>(0.0, 0.0, 0.0, 0.0);
        loop {
            let scale = 1.0 / (alpha * beta);
            var acc = array<f32, 4>(0.0, 0.0, 0.0, 0.0);
            var abs_acc = array<f32, 4>(0.0, 0.0, 0.0, 0.0);   // Σ|w||x'|   (IR drop)
            var ramp_acc = array<f32, 4>(0.0, 0.0, 0.0, 0.0);  // Σ w x' (1 − (1 − j/n)²)
            var pcm_acc = array<f32, 4>(0.0, 0.0, 0.0, 0.0);   // Σ|w| x'²   (PCM read noise)
            var sq_norm = 0.0;                                // Σ x'²
            power = array<f32, 4>(0.0, 0.0, 0.0, 0.0);
            current = array<f32, 4>(0.0, 0.0, 0.0, 0.0);
            for (var chunk = 0u; chunk < rows; chunk += WORKGROUP_SIZE) {
                let r = chunk + local;
                var xq = 0.0;
                if r < rows {
                    xq = quantize(f32(input[b * p.inputs + row0 + r]) * scale, p.input_step, p.input_bound);
                }
                quantized[local] = xq;
                workgroupBarrier();
                let count = min(WORKGROUP_SIZE, rows - chunk);
                for (var j = 0u; j < count; j++) {
                    let x = quantized[j];
                    sq_norm += x * x;
                    let position = f32(chunk + j) / f32(rows);
                    let ramp = 1.0 - (1.0 - position) * (1.0 - position);
                    for (var k = 0u; k < p.cols_per_thread; k++) {
                        let column = local + k * WORKGROUP_SIZE;
                        if column < p.tile_cols && col_tile * p.tile_cols + column < p.outputs {
                            let pair = device_pair(p, row0 + chunk + j, col_tile * p.tile_cols + column);
                            acc[k] += pair.x * x;
                            if IR_DROP {
                                abs_acc[k] += abs(pair.x) * abs(x);
                                ramp_acc[k] += pair.x * x * ramp;
                            }
                            if READ_NOISE == 2u {
                                pcm_acc[k] += abs(pair.x) * x * x;
                            }
                            if TRACES {
                                let volts = x * volts_per_unit;
                                power[k] += volts * volts * pair.y;
                                current[k] += volts * pair.z;
                            }
                        }
                    }
                }
                workgroupBarrier();
            }

            if local == 0u {
                atomicStore(&saturated, 0u);
            }
            workgroupBarrier();
            for (var k = 0u; k < p.cols_per_thread; k++) {
                let column = local + k * WORKGROUP_SIZE;
                let global_column = col_tile * p.tile_cols + column;
                if column < p.tile_cols && global_column < p.outputs {
                    var value = acc[k];
                    if IR_DROP {
                        let a = f32(rows) / p.ir_drop_g_ratio * abs_acc[k];
                        let c = a * (a * (0.05 * a - 0.2) + 0.5);
                        value -= p.ir_drop * c * ramp_acc[k];
                    }
                    let counter = vec4<u32>(global_column, b, row_tile, (p.call << 8u) | (attempt << 4u));
                    if READ_NOISE == 1u {
                        value += p.read_noise * sqrt(sq_norm) * normal_from(philox(counter | vec4<u32>(0u, 0u, 0u, 2u), key));
                    } else if READ_NOISE == 2u {
                        value += p.read_noise * sqrt(pcm_acc[k]) * normal_from(philox(counter | vec4<u32>(0u, 0u, 0u, 2u), key));
                    }
                    if p.output_noise > 0.0 {
                        value += p.output_noise * normal_from(philox(counter | vec4<u32>(0u, 0u, 0u, 1u), key));
                    }
                    if abs(value) >= p.output_bound {
                        atomicOr(&saturated, 1u);
                    }
                    if p.output_step > 0.0 {
                        value = quantize(value, p.output_step, p.output_bound);
                    }
                    y[k] = value;
                }
            }
            let retry = workgroupUniformLoad(&saturated) != 0u && beta <= p.max_bound_factor;
            if !retry {
                break;
            }
            beta *= 2.0;
            attempt += 1u;
        }

        for (var k = 0u; k < p.cols_per_thread; k++) {
            let column = local + k * WORKGROUP_SIZE;
            let global_column = col_tile * p.tile_cols + column;
            if column < p.tile_cols && global_column < p.outputs {
                total[k] += y[k] * alpha * beta;
                if TRACES {
                    let at = (b * p.row_tiles + row_tile) * p.outputs + global_column;
                    traces[at] = power[k];
                    traces[p.batch * p.row_tiles * p.outputs + at] = current[k];
                }
            }
        }
    }
    let gain = scales[0] * scales[1];
    for (var k = 0u; k < p.cols_per_thread; k++) {
        let column = local + k * WORKGROUP_SIZE;
        let global_column = col_tile * p.tile_cols + column;
        if column < p.tile_cols && global_column < p.outputs {
            output[b * p.outputs + global_column] = Elem(total[k] * gain);
        }
    }
}
