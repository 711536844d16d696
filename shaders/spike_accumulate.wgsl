// Pass 2: out[a, c] = Σ_k S(a, active[a, k]) · M[active[a, k], c] for k < counts[a].
// A workgroup owns one a and WORKGROUP_SIZE consecutive columns: every invocation reads the
// same list entry (a broadcast) and its own column of the same row of M, so M loads coalesce.
// No barriers: each invocation sums its column in list order.

@group(0) @binding(0) var<storage, read_write> spikes: array<Elem>;
@group(0) @binding(1) var<storage, read_write> matrix: array<Elem>;  // M [reduce, columns]
@group(0) @binding(2) var<storage, read_write> active_list: array<u32>;   // [groups, reduce]
@group(0) @binding(3) var<storage, read_write> counts: array<u32>;   // [groups]
@group(0) @binding(4) var<storage, read_write> output: array<Elem>;  // [groups, columns]
@group(0) @binding(5) var<storage, read_write> params: PropagateParams;

@compute @workgroup_size(WORKGROUP_SIZE, 1, 1)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) num_workgroups: vec3<u32>, @builtin(local_invocation_index) local: u32) {
    let p = params;
    let block = workgroup_index(workgroup, num_workgroups);
    let a = block / p.column_blocks;
    let column = (block % p.column_blocks) * WORKGROUP_SIZE + local;
    if a >= p.groups || column >= p.columns {
        return;
    }
    let list = a * p.reduce;
    let count = counts[a];
    var acc = 0.0;
    for (var k = 0u; k < count; k++) {
        let b = active_list[list + k];
        acc += f32(spikes[spike_index(p, a, b)]) * f32(matrix[b * p.columns + column]);
    }
    output[a * p.columns + column] = Elem(acc);
}
