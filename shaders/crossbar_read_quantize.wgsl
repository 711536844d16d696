// Read, step 1: noise management and the DAC, one invocation per (batch row, row tile, input),
// written as the left operands of the read's batched matmuls, [row_tile, slot, batch, K] (zero
// past a last, partial tile):
//   quantized_w:   x', and x'·ramp(i) with IR drop          (multiplied by W)
//   quantized_abs: |x'| with IR drop, x'² with PCM read noise (multiplied by |W|)
//   quantized_g:   x'² with traces                          (multiplied by g+ + g−)
// max|x| per (batch row, row tile) comes from a Burn reduction before this kernel.

@group(0) @binding(0) var<storage, read_write> input: array<Elem>;          // [batch, inputs]
@group(0) @binding(1) var<storage, read_write> row_max: array<f32>;         // [batch, row_tiles] (ABS_MAX)
@group(0) @binding(2) var<storage, read_write> quantized_w: array<f32>;     // [row_tiles, SLOTS_W, batch, K]
@group(0) @binding(3) var<storage, read_write> quantized_abs: array<f32>;   // [row_tiles, SLOTS_ABS, batch, K]
@group(0) @binding(4) var<storage, read_write> quantized_g: array<f32>;     // [row_tiles, SLOTS_G, batch, K]
@group(0) @binding(5) var<storage, read_write> params: CrossbarParams;

@compute @workgroup_size(WORKGROUP_SIZE, 1, 1)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) num_workgroups: vec3<u32>, @builtin(local_invocation_index) local: u32) {
    let p = params;
    let k = p.padded_rows;
    let index = linear_index(workgroup, num_workgroups, local);
    if index >= p.batch * p.row_tiles * k {
        return;
    }
    let i = index % k;
    let pair = index / k;  // b·row_tiles + tile
    let tile = pair % p.row_tiles;
    let b = pair / p.row_tiles;
    let row0 = tile * p.tile_rows;
    let rows = min(p.tile_rows, p.inputs - row0);
    var x = 0.0;
    if i < rows {
        var m = 0.0;
        if NOISE_MANAGEMENT == NOISE_MANAGEMENT_ABS_MAX {
            m = row_max[pair];
        }
        x = dac(f32(input[b * p.inputs + row0 + i]), 1.0 / noise_scale(p, m), p);
    }
    quantized_w[((tile * SLOTS_W) * p.batch + b) * k + i] = x;
    if IR_DROP {
        let position = f32(i) / f32(rows);
        let ramp = 1.0 - (1.0 - position) * (1.0 - position);
        quantized_w[((tile * SLOTS_W + 1u) * p.batch + b) * k + i] = x * ramp;
        quantized_abs[((tile * SLOTS_ABS) * p.batch + b) * k + i] = abs(x);
    }
    if READ_NOISE == READ_NOISE_PCM {
        quantized_abs[((tile * SLOTS_ABS + SLOTS_ABS - 1u) * p.batch + b) * k + i] = x * x;
    }
    if TRACES {
        quantized_g[(tile * p.batch + b) * k + i] = x * x;
    }
}
