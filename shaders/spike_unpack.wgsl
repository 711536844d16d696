// Inverse of spike_pack.wgsl: S[r, c] = bit c % 32 of word (r, c / 32), as 0 or 1 in the
// storage dtype. One invocation per spike: stores coalesce, and the 32 neighbours that share a
// word read it from the same cache line.

@group(0) @binding(0) var<storage, read_write> packed: array<u32>;
@group(0) @binding(1) var<storage, read_write> spikes: array<Elem>;
@group(0) @binding(2) var<storage, read_write> params: PackParams;

@compute @workgroup_size(WORKGROUP_SIZE, 1, 1)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) num_workgroups: vec3<u32>, @builtin(local_invocation_index) local: u32) {
    let p = params;
    let i = linear_index(workgroup, num_workgroups, local);
    if i >= p.rows * p.columns {
        return;
    }
    let row = i / p.columns;
    let column = i % p.columns;
    let word = packed[row * p.words_per_row + column / 32u];
    spikes[i] = Elem(f32((word >> (column % 32u)) & 1u));
}
