// Shared by the two spike-propagation kernels (compact, then accumulate).
//
// Both directions of propagation are one gather-accumulate, out[a, c] = Σ_b S(a, b) · M[b, c]
// over the b where S(a, b) != 0, with S(a, b) = spikes[a * stride_group + b * stride_reduce]:
//   forward  Y[r, c]  = Σ_i S[r, i] · W[i, c]   (a = row,   b = input)
//   weight   dW[i, c] = Σ_r S[r, i] · dY[r, c]  (a = input, b = row)
{{ enable_f16 }}

alias Elem = {{ elem }};
const WORKGROUP_SIZE: u32 = {{ workgroup_size }}u;

// Layout is mirrored by `PropagateParams` in src/kernels/spike_propagate.rs.
struct PropagateParams {
    // Number of output rows (a), reduced entries (b) and columns (c).
    groups: u32,
    reduce: u32,
    columns: u32,
    // Workgroups per output row in the accumulate pass: ceil(columns / WORKGROUP_SIZE).
    column_blocks: u32,
    stride_group: u32,
    stride_reduce: u32,
    _pad0: u32,
    _pad1: u32,
}

fn spike_index(p: PropagateParams, a: u32, b: u32) -> u32 {
    return a * p.stride_group + b * p.stride_reduce;
}

// Linear workgroup id of a launch folded into 2-D (a dimension holds at most 65,535).
fn workgroup_index(workgroup: vec3<u32>, num_workgroups: vec3<u32>) -> u32 {
    return workgroup.y * num_workgroups.x + workgroup.x;
}
