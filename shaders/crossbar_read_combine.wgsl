// Read, last step: the tiles' outputs summed digitally and scaled by the output gains
// (weight-scaling ω and drift compensation), one invocation per (batch row, column).

@group(0) @binding(0) var<storage, read_write> partial: array<f32>;   // [row_tiles, batch, outputs]: y·α·β
@group(0) @binding(1) var<storage, read_write> gains: array<f32>;     // [outputs]
@group(0) @binding(2) var<storage, read_write> output: array<Elem>;   // [batch, outputs]
@group(0) @binding(3) var<storage, read_write> params: CrossbarParams;

@compute @workgroup_size(WORKGROUP_SIZE, 1, 1)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) num_workgroups: vec3<u32>, @builtin(local_invocation_index) local: u32) {
    let p = params;
    let index = linear_index(workgroup, num_workgroups, local);
    let count = p.batch * p.outputs;
    if index >= count {
        return;
    }
    var total = 0.0;
    for (var tile = 0u; tile < p.row_tiles; tile++) {
        total += partial[tile * count + index];
    }
    output[index] = Elem(total * gains[index % p.outputs]);
}
