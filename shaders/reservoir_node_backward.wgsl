// RN-Net reservoir node, reverse scan: one invocation per (channel k, node n) walks the steps
// backwards, reading the conductances the forward stored. With a the adjoint of G_t:
//   dL/dδ_t  += a·P_c·(G_max − G_{t−1})       (this channel's share; the caller sums over K)
//   dL/dP_c  += a·(G_max − G_{t−1})·δ_t       (this node's share; the caller sums over N)
//   dL/dd    += a·G_{t−1}
//   a_{t−1}   = grad_{t−1} + a·(d − P_c·δ_t)
// Mirrors `reference::reservoir_node::backward`. Rows of `grads` [T + 3, K, N]: the T dL/dδ
// shares, dL/dG₀, the P_c shares, the d shares.

@group(0) @binding(0) var<storage, read_write> input: array<Elem>;        // δ [T, N]
@group(0) @binding(1) var<storage, read_write> initial: array<Elem>;      // G₀ [K, N]
@group(0) @binding(2) var<storage, read_write> coeffs: array<f32>;        // [2, K]
@group(0) @binding(3) var<storage, read_write> output: array<Elem>;       // G [T, K, N]
@group(0) @binding(4) var<storage, read_write> grad_output: array<Elem>;  // dL/dG [T, K, N]
@group(0) @binding(5) var<storage, read_write> grads: array<f32>;         // [T + 3, K, N]
@group(0) @binding(6) var<storage, read_write> params: ReservoirNodeParams;

@compute @workgroup_size(WORKGROUP_SIZE, 1, 1)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) num_workgroups: vec3<u32>, @builtin(local_invocation_index) local: u32) {
    let i = linear_index(workgroup, num_workgroups, local);
    let neurons = params.neurons;
    let per_step = params.channels * neurons;
    if i >= per_step {
        return;
    }
    let k = i / neurons;
    let n = i - k * neurons;
    let p_c = coeffs[k];
    let decay = coeffs[params.channels + k];
    let steps = params.steps;
    let first = f32(initial[i]);
    var adjoint = 0.0;
    var d_p = 0.0;
    var d_decay = 0.0;
    for (var step = 0u; step < steps; step++) {
        let t = steps - 1u - step;
        adjoint += f32(grad_output[t * per_step + i]);
        var previous = first;
        if t > 0u {
            previous = f32(output[(t - 1u) * per_step + i]);
        }
        let delta = f32(input[t * neurons + n]);
        let gap = params.g_max - previous;
        grads[t * per_step + i] = adjoint * p_c * gap;
        d_p += adjoint * gap * delta;
        d_decay += adjoint * previous;
        adjoint *= decay - p_c * delta;
    }
    grads[steps * per_step + i] = adjoint;
    grads[(steps + 1u) * per_step + i] = d_p;
    grads[(steps + 2u) * per_step + i] = d_decay;
}
