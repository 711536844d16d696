// Read epilogue: the rest of aihwkit's forward pipeline per tile, after the matmuls of the
// quantized inputs (shaders/crossbar_read_quantize.wgsl) — IR drop → read and output noise →
// ADC, with iterative bound management — then the tiles' outputs summed digitally and scaled
// by the output gains (weight-scaling ω and drift compensation).
//
// A workgroup owns ROWS batch rows and one column tile; invocation `local` owns columns
// local + k·WORKGROUP_SIZE of it (k < COLS <= 4). The first pass of every row tile takes its
// sums from the matmuls. A row whose outputs saturate is read again here with its input scale
// halved (β doubled): the quantized inputs of the retrying rows are staged in workgroup memory
// a chunk at a time, every effective weight an invocation loads serves all ROWS rows, and
// consecutive invocations read consecutive columns, so the loads coalesce.

{{ sum_slots }}
// Slots of `sums` (see SumSlots in src/kernels/crossbar.rs).
const SLOT_ACC: u32 = 0u;
const SLOT_RAMP: u32 = 1u;
const SLOT_ABS: u32 = SLOTS_W;
const SLOT_PCM: u32 = SLOTS_W + SLOTS_ABS - 1u;
const SLOT_POWER: u32 = SLOTS_W + SLOTS_ABS;

const ROWS: u32 = {{ rows }}u;
// Columns per invocation, ⌈tile_cols / WORKGROUP_SIZE⌉ (1 to 4). A constant, so the loops over
// rows and columns unroll and the accumulators below stay in registers.
const COLS: u32 = {{ cols_per_thread }}u;
const SLOTS: u32 = ROWS * COLS;  // per-invocation accumulators: ROWS rows × COLS columns

@group(0) @binding(0) var<storage, read_write> input: array<Elem>;            // [batch, inputs]
@group(0) @binding(1) var<storage, read_write> effective: array<f32>;         // [inputs_fwd, outputs_fwd]
@group(0) @binding(2) var<storage, read_write> conductance_sum: array<f32>;   // g+ + g−, same layout (traces)
@group(0) @binding(3) var<storage, read_write> sums: array<f32>;              // [row_tiles, SLOTS_ALL, batch, outputs]
@group(0) @binding(4) var<storage, read_write> aux: array<f32>;               // [batch, row_tiles, (α, Σx'²)] | gains [outputs]
@group(0) @binding(5) var<storage, read_write> output: array<Elem>;           // [batch, outputs]
// [power (µW) | current (µA) | energy (pJ) | passes], each [batch, row_tiles, outputs] (traces).
@group(0) @binding(6) var<storage, read_write> traces: array<f32>;
@group(0) @binding(7) var<storage, read_write> params: CrossbarParams;

var<workgroup> shared_params: CrossbarParams;
var<workgroup> quantized: array<f32, ROWS * WORKGROUP_SIZE>;
var<workgroup> saturated: array<atomic<u32>, ROWS>;

// Round half to even onto the grid of `step` (no quantization when step is 0), then clip.
fn quantize(value: f32, step: f32, bound: f32) -> f32 {
    if step == 0.0 {
        return value;
    }
    return clamp(round(value / step) * step, -bound, bound);
}

// Index of (row, column) of this read in the forward-layout planes.
fn plane_index(p: CrossbarParams, row: u32, column: u32) -> u32 {
    if TRANSPOSED {
        return column * p.inputs + row;
    }
    return row * p.outputs + column;
}

fn sum_at(p: CrossbarParams, tile: u32, slot: u32, b: u32, column: u32) -> f32 {
    return sums[((tile * SLOTS_ALL + slot) * p.batch + b) * p.outputs + column];
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
    let gains_at = p.batch * p.row_tiles * 2u;

    var total: array<f32, SLOTS>;
    for (var row_tile = 0u; row_tile < p.row_tiles; row_tile++) {
        let row0 = row_tile * p.tile_rows;
        let rows = min(p.tile_rows, p.inputs - row0);

        var alpha: array<f32, ROWS>;
        var first_sq_norm: array<f32, ROWS>;
        var beta: array<f32, ROWS>;
        var attempt: array<u32, ROWS>;
        var reading: array<bool, ROWS>;
        for (var r = 0u; r < ROWS; r++) {
            let stats = min(b0 + r, p.batch - 1u) * p.row_tiles + row_tile;
            alpha[r] = aux[stats * 2u];
            first_sq_norm[r] = aux[stats * 2u + 1u];
            beta[r] = 1.0;
            attempt[r] = 0u;
            reading[r] = r < rows_here;
        }
        var y: array<f32, SLOTS>;
        var power: array<f32, SLOTS>;
        var current: array<f32, SLOTS>;
        var energy: array<f32, SLOTS>;
        var first = true;
        loop {
            var acc: array<f32, SLOTS>;
            var abs_acc: array<f32, SLOTS>;   // Σ|w||x'|           (IR drop)
            var ramp_acc: array<f32, SLOTS>;  // Σ w x' (1 − (1 − j/n)²)
            var pcm_acc: array<f32, SLOTS>;   // Σ|w| x'²           (PCM read noise)
            var pass_power: array<f32, SLOTS>;
            var sq_norm: array<f32, ROWS>;    // Σ x'²
            if first {
                for (var r = 0u; r < rows_here; r++) {
                    sq_norm[r] = first_sq_norm[r];
                    for (var k = 0u; k < COLS; k++) {
                        let column = local + k * WORKGROUP_SIZE;
                        let global_column = col_tile * p.tile_cols + column;
                        if column < p.tile_cols && global_column < p.outputs {
                            let s = r * COLS + k;
                            let b = b0 + r;
                            acc[s] = sum_at(p, row_tile, SLOT_ACC, b, global_column);
                            if IR_DROP {
                                ramp_acc[s] = sum_at(p, row_tile, SLOT_RAMP, b, global_column);
                                abs_acc[s] = sum_at(p, row_tile, SLOT_ABS, b, global_column);
                            }
                            if READ_NOISE == READ_NOISE_PCM {
                                pcm_acc[s] = sum_at(p, row_tile, SLOT_PCM, b, global_column);
                            }
                            if TRACES {
                                pass_power[s] = sum_at(p, row_tile, SLOT_POWER, b, global_column) * volts_per_unit * volts_per_unit;
                            }
                        }
                    }
                }
            } else {
                // A bound-management re-read of the rows still `reading`, at their new β.
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
                                let at = plane_index(p, row0 + chunk + j, col_tile * p.tile_cols + column);
                                let w = effective[at];
                                var g_sum = 0.0;
                                if TRACES {
                                    g_sum = conductance_sum[at];
                                }
                                for (var r = 0u; r < ROWS; r++) {
                                    if reading[r] {
                                        let x = xs[r];
                                        let s = r * COLS + k;
                                        acc[s] += w * x;
                                        if IR_DROP {
                                            abs_acc[s] += abs(w) * abs(x);
                                            ramp_acc[s] += w * x * ramp;
                                        }
                                        if READ_NOISE == READ_NOISE_PCM {
                                            pcm_acc[s] += abs(w) * x * x;
                                        }
                                        if TRACES {
                                            let volts = x * volts_per_unit;
                                            pass_power[s] += volts * volts * g_sum;
                                        }
                                    }
                                }
                            }
                        }
                    }
                    workgroupBarrier();
                }
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
                        // aihwkit's ADC: round onto the grid, then clip; the bound test sees the
                        // rounded value (a value that rounds onto the bound does not saturate).
                        if p.output_step > 0.0 {
                            value = round(value / p.output_step) * p.output_step;
                        }
                        if abs(value) > p.output_bound {
                            atomicOr(&saturated[r], 1u);
                        }
                        if p.output_step > 0.0 {
                            value = clamp(value, -p.output_bound, p.output_bound);
                        }
                        y[s] = value;
                        if TRACES {
                            power[s] = pass_power[s];
                            current[s] = acc[s] * volts_per_unit;  // × µS per unit weight: by the caller
                            energy[s] += pass_power[s] * p.integration_ns * 1.0e-3;
                        }
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
            first = false;
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
                        let plane = p.batch * p.row_tiles * p.outputs;
                        let at = ((b0 + r) * p.row_tiles + row_tile) * p.outputs + global_column;
                        traces[at] = power[s];
                        traces[plane + at] = current[s];
                        traces[2u * plane + at] = energy[s];
                        traces[3u * plane + at] = f32(attempt[r] + 1u);
                    }
                }
            }
        }
    }
    for (var r = 0u; r < rows_here; r++) {
        for (var k = 0u; k < COLS; k++) {
            let column = local + k * WORKGROUP_SIZE;
            let global_column = col_tile * p.tile_cols + column;
            if column < p.tile_cols && global_column < p.outputs {
                output[(b0 + r) * p.outputs + global_column] = Elem(total[r * COLS + k] * aux[gains_at + global_column]);
            }
        }
    }
}
