// Fused multi-step forward of snnTorch's `Alpha` neuron: an excitatory current E and an
// inhibitory current H driven by the same input with opposite signs and decays α > β; the
// membrane is their sum scaled by τ_α, so it rises and falls like an alpha function. One
// invocation per neuron walks all T steps with E, H and U in f32 registers; consecutive
// invocations touch consecutive neurons, so loads and stores coalesce.
//
//   R = 1[U[t-1] > θ] (delayed reset, no gradient)
//   E' = α·E[t-1] + X[t],  H' = β·H[t-1] − X[t],  U' = τ_α·(E' + H')
//   subtract: E = E' − R·θ, H = H' − R·H', U = U' + R·H[t-1]    (snnTorch's code, verbatim)
//   zero:     each of E, H, U is multiplied by 1 − R
//   τ_α = ln α / (ln β − ln α) + 1

@group(0) @binding(3) var<storage, read_write> output: array<Elem>;    // [S | U | E | H], each [T, N]
@group(0) @binding(4) var<storage, read_write> params: LifParams;

@compute @workgroup_size(WORKGROUP_SIZE, 1, 1)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) num_workgroups: vec3<u32>, @builtin(local_invocation_index) local: u32) {
    let n = linear_index(workgroup, num_workgroups, local);
    let num_neurons = params.num_neurons;
    if n >= num_neurons { return; }
    let c = n % params.coeff_len;
    let beta = clamp_keep_nan(coefficient(BETA_ROW, c), 0.0, 1.0);
    let theta = coefficient(THRESHOLD_ROW, c);
    let alpha = clamp_keep_nan(coefficient(ALPHA_ROW, c), 0.0, 1.0);
    let tau = alpha_tau(alpha, beta);
    let plane = params.num_steps * num_neurons;

    var mem = f32(initial[MEMBRANE_STATE * num_neurons + n]);
    var exc = f32(initial[EXCITATORY_STATE * num_neurons + n]);
    var inh = f32(initial[INHIBITORY_STATE * num_neurons + n]);
    var bits = 0u;
    var pending = vec3<f32>(0.0);
    for (var t = 0u; t < params.num_steps; t++) {
        let i = t * num_neurons + n;
        let reset = step_indicator(mem, theta);
        let x = f32(input[i]);
        let exc_base = alpha * exc + x;
        let inh_base = beta * inh - x;
        let mem_base = tau * (exc_base + inh_base);
        var e = exc_base;
        var h = inh_base;
        var u = mem_base;
        if RESET_MODE == RESET_SUBTRACT {
            e = exc_base - reset * theta;
            h = inh_base - reset * inh_base;
            u = mem_base + reset * inh;
        } else if RESET_MODE == RESET_ZERO || RESET_MODE == RESET_ZERO_ALL {
            e = exc_base - reset * exc_base;
            h = inh_base - reset * inh_base;
            u = mem_base - reset * mem_base;
        }
        exc = quantize(e);
        inh = quantize(h);
        mem = quantize(u);
        let spike = step_indicator(mem, theta);
        output[SPIKES_PLANE * plane + i] = Elem(spike);
        output[MEMBRANE_PLANE * plane + i] = Elem(mem);
        output[EXCITATORY_PLANE * plane + i] = Elem(exc);
        output[INHIBITORY_PLANE * plane + i] = Elem(inh);
        if COMPACT {
            compact_store(t, n, spike, vec3<f32>(mem, exc, inh), &bits, &pending);
        }
    }
}
