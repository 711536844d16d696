// Read, bound management (only with it on): re-reads the (batch row, row tile, column tile)
// triples crossbar_read_finish.wgsl put on the worklist, halving the input scale (doubling β)
// while an output saturates and β <= max_bound_factor, as aihwkit's iterative bound
// management does. A fixed grid of workgroups strides over the worklist, one triple at a time;
// with nothing on it every workgroup returns after reading the count. (An indirect dispatch
// sized by the count would launch none, but wgpu refuses a dispatch whose indirect buffer shares
// a pooled allocation with its storage bindings.)
//
// Invocation `local` owns columns local + k·WORKGROUP_SIZE of the column tile (k < COLS <= 4);
// the re-quantized inputs are staged in workgroup memory a chunk at a time and consecutive
// invocations read consecutive columns of the effective weights.

// Columns per invocation, ⌈tile_cols / WORKGROUP_SIZE⌉ (1 to 4). A constant, so the loops over
// columns unroll and the accumulators below stay in registers.
const COLS: u32 = {{ cols_per_thread }}u;

@group(0) @binding(0) var<storage, read_write> input: array<Elem>;            // [batch, inputs]
@group(0) @binding(1) var<storage, read_write> effective: array<f32>;         // [inputs_fwd, outputs_fwd]
@group(0) @binding(2) var<storage, read_write> conductance_sum: array<f32>;   // g+ + g−, same layout (traces)
@group(0) @binding(3) var<storage, read_write> row_max: array<f32>;           // [batch, row_tiles] (ABS_MAX)
@group(0) @binding(4) var<storage, read_write> worklist: array<u32>;          // [count, triples…, flags…]
@group(0) @binding(5) var<storage, read_write> partial: array<f32>;           // [row_tiles, batch, outputs]: y·α·β
@group(0) @binding(6) var<storage, read_write> traces: array<f32>;            // see crossbar_read_finish.wgsl
@group(0) @binding(7) var<storage, read_write> params: CrossbarParams;

var<workgroup> shared_params: CrossbarParams;
var<workgroup> shared_word: u32;
var<workgroup> quantized: array<f32, WORKGROUP_SIZE>;
var<workgroup> saturated: atomic<u32>;

// Index of (row, column) of this read in the forward-layout planes.
fn plane_index(p: CrossbarParams, row: u32, column: u32) -> u32 {
    if TRANSPOSED {
        return column * p.inputs + row;
    }
    return row * p.outputs + column;
}

// worklist[at], read by invocation 0 and made uniform across the workgroup.
fn uniform_word(at: u32, local: u32) -> u32 {
    if local == 0u {
        shared_word = worklist[at];
    }
    return workgroupUniformLoad(&shared_word);
}

@compute @workgroup_size(WORKGROUP_SIZE, 1, 1)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) num_workgroups: vec3<u32>, @builtin(local_invocation_index) local: u32) {
    if local == 0u {
        shared_params = params;
    }
    let p = workgroupUniformLoad(&shared_params);
    let volts_per_unit = p.read_voltage / p.input_bound;
    let plane = p.batch * p.row_tiles * p.outputs;
    let count = uniform_word(0u, local);
    for (var item = workgroup.x; item < count; item += num_workgroups.x) {
        let triple = uniform_word(1u + item, local);
        let col_tile = triple % p.col_tiles;
        let tile = (triple / p.col_tiles) % p.row_tiles;
        let b = triple / (p.col_tiles * p.row_tiles);
        let row0 = tile * p.tile_rows;
        let rows = min(p.tile_rows, p.inputs - row0);
        var m = 0.0;
        if NOISE_MANAGEMENT == NOISE_MANAGEMENT_ABS_MAX {
            m = row_max[b * p.row_tiles + tile];
        }
        let alpha = noise_scale(p, m);
        var beta = 2.0;
        var attempt = 1u;
        loop {
            var acc: array<f32, COLS>;
            var abs_acc: array<f32, COLS>;   // Σ|w||x'|           (IR drop)
            var ramp_acc: array<f32, COLS>;  // Σ w x' (1 − (1 − j/n)²)
            var pcm_acc: array<f32, COLS>;   // Σ|w| x'²           (PCM read noise)
            var pass_power: array<f32, COLS>;
            var sq_norm = 0.0;               // Σ x'²
            let scale = 1.0 / (alpha * beta);
            for (var chunk = 0u; chunk < rows; chunk += WORKGROUP_SIZE) {
                let i = chunk + local;
                var xq = 0.0;
                if i < rows {
                    xq = dac(f32(input[b * p.inputs + row0 + i]), scale, p);
                }
                quantized[local] = xq;
                workgroupBarrier();
                let count_here = min(WORKGROUP_SIZE, rows - chunk);
                for (var j = 0u; j < count_here; j++) {
                    let x = quantized[j];
                    sq_norm += x * x;
                    let position = f32(chunk + j) / f32(rows);
                    let ramp = 1.0 - (1.0 - position) * (1.0 - position);
                    for (var k = 0u; k < COLS; k++) {
                        let column = local + k * WORKGROUP_SIZE;
                        if column < p.tile_cols && col_tile * p.tile_cols + column < p.outputs {
                            let at = plane_index(p, row0 + chunk + j, col_tile * p.tile_cols + column);
                            let w = effective[at];
                            acc[k] += w * x;
                            if IR_DROP {
                                abs_acc[k] += abs(w) * abs(x);
                                ramp_acc[k] += w * x * ramp;
                            }
                            if READ_NOISE == READ_NOISE_PCM {
                                pcm_acc[k] += abs(w) * x * x;
                            }
                            if TRACES {
                                let volts = x * volts_per_unit;
                                pass_power[k] += volts * volts * conductance_sum[at];
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
            for (var k = 0u; k < COLS; k++) {
                let column = local + k * WORKGROUP_SIZE;
                let global_column = col_tile * p.tile_cols + column;
                if column < p.tile_cols && global_column < p.outputs {
                    var analog = acc[k];
                    if IR_DROP {
                        analog -= ir_drop_correction(p, rows, abs_acc[k], ramp_acc[k]);
                    }
                    var read_sigma = 0.0;
                    if READ_NOISE == READ_NOISE_ADDITIVE {
                        read_sigma = p.read_noise * sqrt(sq_norm);
                    } else if READ_NOISE == READ_NOISE_PCM {
                        read_sigma = p.read_noise * sqrt(pcm_acc[k]);
                    }
                    let converted = convert(p, analog, read_sigma, global_column, b, tile, attempt);
                    if converted.y > 0.0 {
                        atomicOr(&saturated, 1u);
                    }
                    partial[(tile * p.batch + b) * p.outputs + global_column] = converted.x * alpha * beta;
                    if TRACES {
                        let at = (b * p.row_tiles + tile) * p.outputs + global_column;
                        traces[at] = pass_power[k];
                        traces[plane + at] = acc[k] * volts_per_unit;
                        traces[2u * plane + at] += pass_power[k] * p.integration_ns * 1.0e-3;
                        traces[3u * plane + at] = f32(attempt + 1u);
                    }
                }
            }
            // Read again while an output saturated and β may still double.
            if workgroupUniformLoad(&saturated) == 0u || beta > p.max_bound_factor {
                break;
            }
            beta *= 2.0;
            attempt += 1u;
        }
    }
}
