// MIF backward: the exact reverse scan (no surrogate: the model is smooth). One invocation per
// neuron carries the adjoint of the five state variables from the last step to the first,
// adding the incoming gradient of every state it passes (a loss may read any plane of the
// trajectory), and reads each step's starting state from the forward's trajectory.
//
// Output [T + 5, N]: rows 0..T are dL/dinput (input_t enters a_{t+1} with unit weight), rows
// T..T + 5 are dL/d(initial state) in the order a, I, v, x1, x2.

@group(0) @binding(0) var<storage, read_write> trajectory: array<f32>;       // [T + 1, 5, N]
@group(0) @binding(1) var<storage, read_write> grad_trajectory: array<f32>;  // [T + 1, 5, N]
@group(0) @binding(2) var<storage, read_write> grads: array<f32>;            // [T + 5, N]
@group(0) @binding(3) var<storage, read_write> params: MifKernelParams;

fn load_state(row: u32, n: u32) -> MifState {
    return MifState(
        trajectory[plane_index(row, 0u, n)],
        trajectory[plane_index(row, 1u, n)],
        trajectory[plane_index(row, 2u, n)],
        trajectory[plane_index(row, 3u, n)],
        trajectory[plane_index(row, 4u, n)],
    );
}

fn load_grad(row: u32, n: u32) -> MifState {
    return MifState(
        grad_trajectory[plane_index(row, 0u, n)],
        grad_trajectory[plane_index(row, 1u, n)],
        grad_trajectory[plane_index(row, 2u, n)],
        grad_trajectory[plane_index(row, 3u, n)],
        grad_trajectory[plane_index(row, 4u, n)],
    );
}

fn add(x: MifState, y: MifState) -> MifState {
    return MifState(x.a + y.a, x.i + y.i, x.v + y.v, x.x1 + y.x1, x.x2 + y.x2);
}

@compute @workgroup_size(WORKGROUP_SIZE, 1, 1)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) num_workgroups: vec3<u32>, @builtin(local_invocation_index) local: u32) {
    let n = linear_index(workgroup, num_workgroups, local);
    let neurons = params.neurons;
    if n >= neurons {
        return;
    }
    var adj = MifState(0.0, 0.0, 0.0, 0.0, 0.0);
    for (var remaining = params.steps; remaining > 0u; remaining--) {
        let t = remaining - 1u;
        // dL/ds_{t+1}: what later steps sent back, plus the loss's own gradient of that state.
        adj = add(adj, load_grad(t + 1u, n));
        grads[t * neurons + n] = adj.a;
        adj = mif_step_adjoint(load_state(t, n), adj);
    }
    adj = add(adj, load_grad(0u, n));
    let base = params.steps * neurons + n;
    grads[base] = adj.a;
    grads[base + neurons] = adj.i;
    grads[base + 2u * neurons] = adj.v;
    grads[base + 3u * neurons] = adj.x1;
    grads[base + 4u * neurons] = adj.x2;
}
