// Read prologue: noise management and the DAC, once per (batch row, row tile), written as the
// left operands of the read's batched matmuls (see src/kernels/crossbar.rs).
//
// A workgroup owns one (batch row, row tile): it reduces max|x| over the tile's inputs (the
// noise-management scale α), quantizes x/α onto the DAC grid and writes, for each input i of
// the tile (zero past a last, partial tile), the slots of [row_tile, slot, batch, K]:
//   quantized_w:   x', and x'·ramp(i) with IR drop          (multiplied by W)
//   quantized_abs: |x'| with IR drop, x'² with PCM read noise (multiplied by |W|)
//   quantized_g:   x'² with traces                          (multiplied by g+ + g−)
// and aux[(b·row_tiles + tile)·2 ..] = (α, Σ x'²). The output gains are copied behind the
// statistics so the epilogue needs one buffer for both.

{{ sum_slots }}

@group(0) @binding(0) var<storage, read_write> input: array<Elem>;          // [batch, inputs]
@group(0) @binding(1) var<storage, read_write> gains: array<f32>;           // [outputs]
@group(0) @binding(2) var<storage, read_write> quantized_w: array<f32>;     // [row_tiles, SLOTS_W, batch, K]
@group(0) @binding(3) var<storage, read_write> quantized_abs: array<f32>;   // [row_tiles, SLOTS_ABS, batch, K]
@group(0) @binding(4) var<storage, read_write> quantized_g: array<f32>;     // [row_tiles, SLOTS_G, batch, K]
@group(0) @binding(5) var<storage, read_write> aux: array<f32>;             // [batch·row_tiles·2 | outputs]
@group(0) @binding(6) var<storage, read_write> params: CrossbarParams;

var<workgroup> shared_params: CrossbarParams;
var<workgroup> reduction: array<f32, WORKGROUP_SIZE>;

// Round half to even onto the grid of `step` (no quantization when step is 0), then clip.
fn quantize(value: f32, step: f32, bound: f32) -> f32 {
    if step == 0.0 {
        return value;
    }
    return clamp(round(value / step) * step, -bound, bound);
}

// Workgroup-wide max (is_max) or sum of `value`; every invocation gets the result.
fn reduce(value: f32, local: u32, is_max: bool) -> f32 {
    reduction[local] = value;
    workgroupBarrier();
    for (var stride = WORKGROUP_SIZE / 2u; stride > 0u; stride >>= 1u) {
        if local < stride {
            let other = reduction[local + stride];
            reduction[local] = select(reduction[local] + other, max(reduction[local], other), is_max);
        }
        workgroupBarrier();
    }
    let result = workgroupUniformLoad(&reduction[0]);
    workgroupBarrier();
    return result;
}

@compute @workgroup_size(WORKGROUP_SIZE, 1, 1)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) num_workgroups: vec3<u32>, @builtin(local_invocation_index) local: u32) {
    if local == 0u {
        shared_params = params;
    }
    let p = workgroupUniformLoad(&shared_params);
    let block = workgroup_index(workgroup, num_workgroups);
    let blocks = p.batch * p.row_tiles;
    if block >= blocks {
        return;
    }
    for (var i = block * WORKGROUP_SIZE + local; i < p.outputs; i += blocks * WORKGROUP_SIZE) {
        aux[blocks * 2u + i] = gains[i];
    }
    let b = block / p.row_tiles;
    let tile = block % p.row_tiles;
    let row0 = tile * p.tile_rows;
    let rows = min(p.tile_rows, p.inputs - row0);
    let at = b * p.inputs + row0;

    var alpha = 1.0;
    if NOISE_MANAGEMENT == NOISE_MANAGEMENT_ABS_MAX {
        var local_max = 0.0;
        for (var i = local; i < rows; i += WORKGROUP_SIZE) {
            local_max = max(local_max, abs(f32(input[at + i])));
        }
        let m = reduce(local_max, local, true);
        alpha = select(m, 1.0, m <= 0.0);
    } else if NOISE_MANAGEMENT == NOISE_MANAGEMENT_CONSTANT {
        alpha = p.noise_constant;
    }
    let scale = 1.0 / alpha;
    let k = p.padded_rows;
    var sq_norm = 0.0;
    for (var i = local; i < k; i += WORKGROUP_SIZE) {
        var x = 0.0;
        if i < rows {
            x = quantize(f32(input[at + i]) * scale, p.input_step, p.input_bound);
        }
        sq_norm += x * x;
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
    let total = reduce(sq_norm, local, false);
    if local == 0u {
        aux[block * 2u] = alpha;
        aux[block * 2u + 1u] = total;
    }
}
