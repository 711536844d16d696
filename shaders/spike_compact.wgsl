// Pass 1: for each a, the list of active b in ascending order, and its length.
// One workgroup per a walks b in chunks of WORKGROUP_SIZE; a workgroup prefix sum over the
// activity flags gives each active entry its slot, so the list comes out ordered and the
// accumulate pass sums in the same order on every run.

@group(0) @binding(0) var<storage, read_write> spikes: array<Elem>;
@group(0) @binding(1) var<storage, read_write> active_list: array<u32>;   // [groups, reduce]
@group(0) @binding(2) var<storage, read_write> counts: array<u32>;   // [groups]
@group(0) @binding(3) var<storage, read_write> params: PropagateParams;

var<workgroup> shared_params: PropagateParams;
var<workgroup> scan: array<u32, WORKGROUP_SIZE>;

@compute @workgroup_size(WORKGROUP_SIZE, 1, 1)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) num_workgroups: vec3<u32>, @builtin(local_invocation_index) local: u32) {
    // Storage reads are non-uniform to WGSL; loading the parameters through workgroup memory
    // makes the loop bounds uniform, as the barriers below require.
    if local == 0u {
        shared_params = params;
    }
    let p = workgroupUniformLoad(&shared_params);
    let a = workgroup_index(workgroup, num_workgroups);
    if a >= p.groups {
        return;
    }

    var written = 0u; // same value in every invocation: the sum of earlier chunks' counts
    for (var base = 0u; base < p.reduce; base += WORKGROUP_SIZE) {
        let b = base + local;
        var fired = false;
        if b < p.reduce {
            fired = is_nonzero_f32(f32(spikes[spike_index(p, a, b)]));
        }
        scan[local] = select(0u, 1u, fired);
        workgroupBarrier();
        // Inclusive Hillis-Steele scan.
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
            active_list[a * p.reduce + written + scan[local] - 1u] = b;
        }
        written += workgroupUniformLoad(&scan[WORKGROUP_SIZE - 1u]);
        // Every invocation has read `scan` before the next chunk rewrites it.
        workgroupBarrier();
    }
    if local == 0u {
        counts[a] = written;
    }
}
