// Reverse-scan BPTT of the fused `Alpha` neuron: one invocation per neuron walks t = T-1 … 0
// carrying dL/dE[t] and dL/dH[t] in registers. The unquantized currents E' and H' are rebuilt
// from X[t] and the saved E[t-1], H[t-1]; the reset indicator is the saved spike S[t-1]. The
// membrane has no path to the next step (R is detached, as in snnTorch), so dL/dU[-1] is zero.

// binding 3: the saved forward state, read through stored_spike / stored_plane
@group(0) @binding(4) var<storage, read_write> grad: array<Elem>;        // [dL/dS | dL/dU | dL/dE | dL/dH]
// [dL/dX (T·N) | dL/dU[-1] | dL/dE[-1] | dL/dH[-1]], the last three N each
@group(0) @binding(5) var<storage, read_write> grad_input: array<Elem>;
// [dL/dβ | dL/dθ | dL/dα] per neuron (N each), if COEFF_GRADS
@group(0) @binding(6) var<storage, read_write> grad_coeffs: array<f32>;
@group(0) @binding(7) var<storage, read_write> params: LifParams;

// Output plane `plane` of the saved state at step t - 1, or its starting-state row `row` for t = 0.
fn previous_state(plane: u32, row: u32, t: u32, n: u32) -> f32 {
    if t > 0u {
        return stored_plane(plane, t - 1u, n);
    }
    return f32(initial[row * params.num_neurons + n]);
}

@compute @workgroup_size(WORKGROUP_SIZE, 1, 1)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) num_workgroups: vec3<u32>, @builtin(local_invocation_index) local: u32) {
    let n = linear_index(workgroup, num_workgroups, local);
    let num_neurons = params.num_neurons;
    if n >= num_neurons { return; }
    let c = n % params.coeff_len;
    let beta_raw = coefficient(BETA_ROW, c);
    let beta = clamp_keep_nan(beta_raw, 0.0, 1.0);
    let theta = coefficient(THRESHOLD_ROW, c);
    let alpha_raw = coefficient(ALPHA_ROW, c);
    let alpha = clamp_keep_nan(alpha_raw, 0.0, 1.0);
    let tau = alpha_tau(alpha, beta);
    let plane = params.num_steps * num_neurons;

    var carry_exc = 0.0;
    var carry_inh = 0.0;
    var g_alpha = 0.0;
    var g_beta = 0.0;
    var g_theta = 0.0;
    var g_tau = 0.0;
    for (var k = 0u; k < params.num_steps; k++) {
        let t = params.num_steps - 1u - k;
        let i = t * num_neurons + n;
        // The delayed reset is the previous step's spike (read exactly, whatever the storage).
        var reset = step_indicator(f32(initial[MEMBRANE_STATE * num_neurons + n]), theta);
        if t > 0u {
            reset = stored_spike(t - 1u, n);
        }
        let exc_previous = previous_state(EXCITATORY_PLANE, EXCITATORY_STATE, t, n);
        let inh_previous = previous_state(INHIBITORY_PLANE, INHIBITORY_STATE, t, n);
        let x = f32(input[i]);
        let exc_base = alpha * exc_previous + x;
        let inh_base = beta * inh_previous - x;

        // The quantizer is straight-through: gradients pass it unchanged.
        let sg = surrogate_grad(stored_plane(MEMBRANE_PLANE, t, n) - theta, params.surrogate_a, params.surrogate_b);
        let g_s = f32(grad[SPIKES_PLANE * plane + i]);
        let g_mem = f32(grad[MEMBRANE_PLANE * plane + i]) + g_s * sg;
        g_theta -= g_s * sg;
        let g_exc = f32(grad[EXCITATORY_PLANE * plane + i]) + carry_exc;
        let g_inh = f32(grad[INHIBITORY_PLANE * plane + i]) + carry_inh;

        var keep = 1.0;
        if RESET_MODE == RESET_ZERO || RESET_MODE == RESET_ZERO_ALL {
            keep = 1.0 - reset;
        }
        var g_exc_base = keep * (g_exc + tau * g_mem);
        var g_inh_base = keep * (g_inh + tau * g_mem);
        g_tau += keep * g_mem * (exc_base + inh_base);
        // U = U' + R·H[t-1] feeds the previous inhibitory current back (subtract reset).
        var g_inh_previous = 0.0;
        if RESET_MODE == RESET_SUBTRACT {
            g_inh_base = (1.0 - reset) * g_inh + tau * g_mem;
            g_theta -= reset * g_exc;
            g_inh_previous = reset * g_mem;
        }
        grad_input[i] = Elem(g_exc_base - g_inh_base);
        g_alpha += g_exc_base * exc_previous;
        g_beta += g_inh_base * inh_previous;
        carry_exc = alpha * g_exc_base;
        carry_inh = beta * g_inh_base + g_inh_previous;
    }
    grad_input[plane + MEMBRANE_STATE * num_neurons + n] = Elem(0.0);
    grad_input[plane + EXCITATORY_STATE * num_neurons + n] = Elem(carry_exc);
    grad_input[plane + INHIBITORY_STATE * num_neurons + n] = Elem(carry_inh);
    if !COEFF_GRADS {
        return;
    }
    let tau_grads = alpha_tau_grad(alpha, beta);
    // The clamps pass the gradient only where 0 <= α, β <= 1 (as torch's clamp does).
    grad_coeffs[BETA_ROW * num_neurons + n] = select(0.0, g_beta + g_tau * tau_grads.y, in_unit(beta_raw));
    grad_coeffs[THRESHOLD_ROW * num_neurons + n] = g_theta;
    grad_coeffs[ALPHA_ROW * num_neurons + n] = select(0.0, g_alpha + g_tau * tau_grads.x, in_unit(alpha_raw));
}
