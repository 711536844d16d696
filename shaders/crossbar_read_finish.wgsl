// Read, step 3 (after the matmuls): the first pass of aihwkit's forward per tile and output —
// IR drop → read and output noise → ADC — one invocation per (batch row, column), over the row
// tiles. Writes each tile's y·α to `partial` and the traces of this pass. With bound management
// on, the first saturated output of a (batch row, row tile, column tile) appends that triple to
// `worklist`, which crossbar_read_retry.wgsl works through.

@group(0) @binding(0) var<storage, read_write> sums: array<f32>;       // [row_tiles, SLOTS_ALL, batch, outputs]
@group(0) @binding(1) var<storage, read_write> row_max: array<f32>;    // [batch, row_tiles] (ABS_MAX)
@group(0) @binding(2) var<storage, read_write> sq_norm: array<f32>;    // [row_tiles, batch]: Σx'² (additive read noise)
@group(0) @binding(3) var<storage, read_write> partial: array<f32>;    // [row_tiles, batch, outputs]: y·α·β
// [power (µW) | current (V × weight units) | energy (pJ) | passes], each [batch, row_tiles, outputs] (traces).
@group(0) @binding(4) var<storage, read_write> traces: array<f32>;
// [count, triples… (T), flags per triple (T)], T = batch·row_tiles·col_tiles, zeroed.
@group(0) @binding(5) var<storage, read_write> worklist: array<atomic<u32>>;
@group(0) @binding(6) var<storage, read_write> params: CrossbarParams;

fn sum_at(p: CrossbarParams, tile: u32, slot: u32, b: u32, column: u32) -> f32 {
    return sums[((tile * SLOTS_ALL + slot) * p.batch + b) * p.outputs + column];
}

@compute @workgroup_size(WORKGROUP_SIZE, 1, 1)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) num_workgroups: vec3<u32>, @builtin(local_invocation_index) local: u32) {
    let p = params;
    let index = linear_index(workgroup, num_workgroups, local);
    if index >= p.batch * p.outputs {
        return;
    }
    let column = index % p.outputs;
    let b = index / p.outputs;
    let col_tile = column / p.tile_cols;
    let volts_per_unit = p.read_voltage / p.input_bound;
    for (var tile = 0u; tile < p.row_tiles; tile++) {
        let rows = min(p.tile_rows, p.inputs - tile * p.tile_rows);
        let acc = sum_at(p, tile, SLOT_ACC, b, column);
        var analog = acc;
        if IR_DROP {
            analog -= ir_drop_correction(p, rows, sum_at(p, tile, SLOT_ABS, b, column), sum_at(p, tile, SLOT_RAMP, b, column));
        }
        var read_sigma = 0.0;
        if READ_NOISE == READ_NOISE_ADDITIVE {
            read_sigma = p.read_noise * sqrt(sq_norm[tile * p.batch + b]);
        } else if READ_NOISE == READ_NOISE_PCM {
            read_sigma = p.read_noise * sqrt(sum_at(p, tile, SLOT_PCM, b, column));
        }
        let converted = convert(p, analog, read_sigma, column, b, tile, 0u);
        if converted.y > 0.0 && p.max_bound_factor > 0.0 {
            let triple = (b * p.row_tiles + tile) * p.col_tiles + col_tile;
            let triples = p.batch * p.row_tiles * p.col_tiles;
            if atomicOr(&worklist[1u + triples + triple], 1u) == 0u {
                let slot = atomicAdd(&worklist[0], 1u);
                atomicStore(&worklist[1u + slot], triple);
            }
        }
        var m = 0.0;
        if NOISE_MANAGEMENT == NOISE_MANAGEMENT_ABS_MAX {
            m = row_max[b * p.row_tiles + tile];
        }
        partial[(tile * p.batch + b) * p.outputs + column] = converted.x * noise_scale(p, m);
        if TRACES {
            let plane = p.batch * p.row_tiles * p.outputs;
            let at = (b * p.row_tiles + tile) * p.outputs + column;
            let power = sum_at(p, tile, SLOT_POWER, b, column) * volts_per_unit * volts_per_unit;
            traces[at] = power;
            traces[plane + at] = acc * volts_per_unit;
            traces[2u * plane + at] = power * p.integration_ns * 1.0e-3;
            traces[3u * plane + at] = 1.0;
        }
    }
}
