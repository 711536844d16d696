// Event-driven spike propagation: out[a, c] = Σ_b S(a, b) · M[b, c], touching only the b where
// S(a, b) != 0. One kernel serves both directions by strides:
//   forward  Y[r, c]  = Σ_i S[r, i] · W[i, c]   (a = row,   b = input, S(a, b) = spikes[a·in + b])
//   weight   dW[i, c] = Σ_r S[r, i] · dY[r, c]  (a = input, b = row,   S(a, b) = spikes[b·in + a])
//
// A workgroup owns one `a` and WORKGROUP_SIZE consecutive columns c. It walks b in chunks of
// WORKGROUP_SIZE: each invocation loads one S value, a workgroup prefix sum compacts the active
// ones (in ascending b) into workgroup memory, then every invocation accumulates those rows of
// M for its column: consecutive invocations read consecutive columns, so M loads coalesce.
// The summation order is ascending b on every run: results are deterministic.
{{ enable_f16 }}

alias Elem = {{ elem }};
const WORKGROUP_SIZE: u32 = {{ workgroup_size }}u;

// Layout is mirrored by `PropagateParams` in src/kernels/spike_propagate.rs.
struct PropagateParams {
    // Number of output rows (a), reduced entries (b) and columns (c).
    groups: u32,
    reduce: u32,
    columns: u32,
    // Workgroups per output row: ceil(columns / WORKGROUP_SIZE).
    column_blocks: u32,
    // S(a, b) = spikes[a * stride_group + b * stride_reduce].
    stride_group: u32,
    stride_reduce: u32,
    _pad0: u32,
    _pad1: u32,
}

@group(0) @binding(0) var<storage, read_write> spikes: array<Elem>;
@group(0) @binding(1) var<storage, read_write> matrix: array<Elem>;   // M [reduce, columns]
@group(0) @binding(2) var<storage, read_write> output: array<Elem>;   // [groups, columns]
@group(0) @binding(3) var<storage, read_write> params: PropagateParams;

var<workgroup> shared_params: PropagateParams;
var<workgroup> scan: array<u32, WORKGROUP_SIZE>;
var<workgroup> active_index: array<u32, WORKGROUP_SIZE>;
var<workgroup> active_value: array<f32, WORKGROUP_SIZE>;

@compute @workgroup_size(WORKGROUP_SIZE, 1, 1)
fn main(
    @builtin(workgroup_id) workgroup: vec3<u32>,
    @builtin(num_workgroups) num_workgroups: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    // Parameters come from a storage buffer, which WGSL treats as non-uniform; loading them
    // through workgroup memory makes the loop bounds uniform, as the barriers below require.
    if local == 0u {
        shared_params = params;
    }
    let p = workgroupUniformLoad(&shared_params);

    let block = workgroup.y * num_workgroups.x + workgroup.x;
    if block >= p.groups * p.column_blocks {
        return;
    }
    let group = block / p.column_blocks;
    let column = (block % p.column_blocks) * WORKGROUP_SIZE + local;
    let group_offset = group * p.stride_group;

    var acc = 0.0;
    for (var base = 0u; base < p.reduce; base += WORKGROUP_SIZE) {
        let b = base + local;
        var value = 0.0;
        if b < p.reduce {
            value = f32(spikes[group_offset + b * p.stride_reduce]);
        }
        let fired = value != 0.0;
        scan[local] = select(0u, 1u, fired);
        workgroupBarrier();
        // Inclusive Hillis-Steele scan of the activity flags.
        for (var offset = 1u; offset < WORKGROUP_SIZE; offset <<= 1u) {
            var left = 0u;
            if local >= offset {
                left = scan[local - offset];
            }
            workgroupBarrier();
            scan[local] += left;
            workgroupBarrier();
        }
        if fired {
            let slot = scan[local] - 1u;
            active_index[slot] = b;
            active_value[slot] = value;
        }
        let count = scan[WORKGROUP_SIZE - 1u];
        workgroupBarrier();
        if column < p.columns {
            for (var k = 0u; k < count; k++) {
                acc += active_value[k] * f32(matrix[active_index[k] * p.columns + column]);
            }
        }
        // The compacted lists are rewritten by the next chunk.
        workgroupBarrier();
    }
    if column < p.columns {
        output[group * p.columns + column] = Elem(acc);
    }
}
