// MIF forward, fused over T: one invocation per neuron walks every step with its state in
// registers and writes the whole trajectory, [T + 1, 5, N] (row 0 the initial state, row t + 1
// the state after update t; planes a, I, v, x1, x2). The backward reads the states back instead
// of recomputing them; the membrane is plane 2 of rows 1..T.

@group(0) @binding(0) var<storage, read_write> input: array<f32>;       // [T, N]
@group(0) @binding(1) var<storage, read_write> initial: array<f32>;     // [5, N]
@group(0) @binding(2) var<storage, read_write> trajectory: array<f32>;  // [T + 1, 5, N]
@group(0) @binding(3) var<storage, read_write> params: MifKernelParams;

fn store(row: u32, n: u32, s: MifState) {
    trajectory[plane_index(row, 0u, n)] = s.a;
    trajectory[plane_index(row, 1u, n)] = s.i;
    trajectory[plane_index(row, 2u, n)] = s.v;
    trajectory[plane_index(row, 3u, n)] = s.x1;
    trajectory[plane_index(row, 4u, n)] = s.x2;
}

@compute @workgroup_size(WORKGROUP_SIZE, 1, 1)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) num_workgroups: vec3<u32>, @builtin(local_invocation_index) local: u32) {
    let n = linear_index(workgroup, num_workgroups, local);
    let neurons = params.neurons;
    if n >= neurons {
        return;
    }
    var s = MifState(
        initial[plane_index(0u, 0u, n)],
        initial[plane_index(0u, 1u, n)],
        initial[plane_index(0u, 2u, n)],
        initial[plane_index(0u, 3u, n)],
        initial[plane_index(0u, 4u, n)],
    );
    store(0u, n, s);
    for (var t = 0u; t < params.steps; t++) {
        s = mif_step(s, input[t * neurons + n]);
        store(t + 1u, n, s);
    }
}
