// WOx dynamic memristor node, fused over T: one invocation per node walks every step with its
// state in a register and writes the trajectory [T, 2, N] (plane 0 the state w, plane 1 the
// current I). Mirrors `reference::wox_node::step` operation for operation (f32: the currents
// span 1e-9..1e-3 A).
//   w_t = clamp(w_{t−1} + λ·dt·sinh(η·V_t) − (w_{t−1} − w_min)·dt/τ, 0, 1)
//   I_t = (1 − w_t)·α·(1 − e^{−β·V_t}) + w_t·γ·sinh(δ·V_t)

@group(0) @binding(0) var<storage, read_write> voltage: array<f32>;     // [T, N]
@group(0) @binding(1) var<storage, read_write> initial: array<f32>;     // [N]
@group(0) @binding(2) var<storage, read_write> trajectory: array<f32>;  // [T, 2, N]
@group(0) @binding(3) var<storage, read_write> params: WoxNodeParams;

@compute @workgroup_size(WORKGROUP_SIZE, 1, 1)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) num_workgroups: vec3<u32>, @builtin(local_invocation_index) local: u32) {
    let n = linear_index(workgroup, num_workgroups, local);
    let neurons = params.neurons;
    if n >= neurons {
        return;
    }
    var w = initial[n];
    for (var t = 0u; t < params.steps; t++) {
        let v = voltage[t * neurons + n];
        let grown = w + params.lambda_dt * sinh(params.eta * v) - (w - params.w_min) * params.dt_over_tau;
        w = clamp_keep_nan(grown, 0.0, 1.0);
        let current = (1.0 - w) * params.alpha * (1.0 - exp(-params.beta * v)) + w * params.gamma * sinh(params.delta * v);
        trajectory[(t * 2u) * neurons + n] = w;
        trajectory[(t * 2u + 1u) * neurons + n] = current;
    }
}
