// RN-Net reservoir node, fused over T: one invocation per (channel k, node n) walks every step
// with its conductance in a register.
//   G_t = P_c·(G_max − G_{t−1})·δ_t + G_{t−1}·d        (d = e^{−1/τ})
// Mirrors `reference::reservoir_node::forward`: f32 arithmetic, each G rounded to the storage
// dtype, and the next step continues from the stored value (what the backward reads back).
// Reads of δ are coalesced across n; channel k of step t is the contiguous row
// output[(t·K + k)·N ..][..N].

@group(0) @binding(0) var<storage, read_write> input: array<Elem>;    // δ [T, N]
@group(0) @binding(1) var<storage, read_write> initial: array<Elem>;  // G₀ [K, N]
@group(0) @binding(2) var<storage, read_write> coeffs: array<f32>;    // [2, K]: P_c, then d
@group(0) @binding(3) var<storage, read_write> output: array<Elem>;   // G [T, K, N]
@group(0) @binding(4) var<storage, read_write> params: ReservoirNodeParams;

fn node_step(previous: f32, delta: f32, p_c: f32, decay: f32) -> f32 {
    return p_c * (params.g_max - previous) * delta + previous * decay;
}

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
    var g = f32(initial[i]);
    for (var t = 0u; t < params.steps; t++) {
        let stored = Elem(node_step(g, f32(input[t * neurons + n]), p_c, decay));
        output[t * per_step + i] = stored;
        g = f32(stored);
    }
}
