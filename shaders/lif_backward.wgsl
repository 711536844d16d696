// Reverse-scan BPTT for the fused LIF: one invocation per neuron walks t = T-1 … 0 carrying
// dL/dU[t] in a register. It reads the saved forward state (S and U, full or compact) instead
// of saving any intermediate; the reset indicator is S[t-1] for a delayed reset and is
// recomputed from U[t-1] for an immediate one.

// binding 3: the saved forward state, read through stored_spike / stored_plane
@group(0) @binding(4) var<storage, read_write> grad: array<Elem>;        // [dL/dS | dL/dU | dL/dI]
// [dL/dX (T·N) | dL/dU[-1] | dL/dI[-1] | dL/dS[-1]], the last three N each
@group(0) @binding(5) var<storage, read_write> grad_input: array<Elem>;
// [dL/dβ | dL/dθ | dL/dα | dL/dV] per neuron (N each), if COEFF_GRADS
@group(0) @binding(6) var<storage, read_write> grad_coeffs: array<f32>;
@group(0) @binding(7) var<storage, read_write> params: LifParams;

// S[t-1] of neuron n (the initial spike state for t = 0).
fn previous_spike_of(t: u32, i: u32, n: u32, num_neurons: u32) -> f32 {
    if t > 0u {
        return stored_spike(t - 1u, n);
    }
    return f32(initial[SPIKES_STATE * num_neurons + n]);
}

// I[t-1] of neuron n (the initial current for t = 0).
fn previous_current(t: u32, i: u32, n: u32, num_neurons: u32) -> f32 {
    if t > 0u {
        return stored_plane(SYNAPTIC_PLANE, t - 1u, n);
    }
    return f32(initial[SYNAPTIC_STATE * num_neurons + n]);
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
    let a = params.surrogate_a;
    let b = params.surrogate_b;
    let num_steps = params.num_steps;
    let plane = num_steps * num_neurons;
    // An immediate reset needs the drive (X, plus α·I[t-1] for a synaptic neuron) to rebuild
    // the pre-reset potential, which is not stored.
    let immediate_reset = !RESET_DELAY && RESET_MODE != RESET_NONE;
    var alpha_raw = 0.0;
    if SYNAPTIC {
        alpha_raw = coefficient(ALPHA_ROW, c);
    }
    let alpha = clamp_keep_nan(alpha_raw, 0.0, 1.0);
    var recurrent_weight = 0.0;
    if RECURRENT {
        recurrent_weight = coefficient(RECURRENT_ROW, c);
    }
    // dL/dS[t] flowing back from step t+1's recurrent input.
    var carry_spike = 0.0;
    var g_recurrent = 0.0;

    var carry = 0.0;
    var carry_syn = 0.0;
    var g_beta = 0.0;
    var g_theta = 0.0;
    var g_alpha = 0.0;
    for (var k = 0u; k < num_steps; k++) {
        let t = num_steps - 1u - k;
        let i = t * num_neurons + n;
        var previous: f32;
        if t > 0u {
            previous = stored_plane(MEMBRANE_PLANE, t - 1u, n);
        } else {
            previous = f32(initial[MEMBRANE_STATE * num_neurons + n]);
        }
        // With a delayed reset R[t] is exactly the previous spike, which is saved exactly
        // (a rounded U[t-1] could land on the other side of θ).
        var reset = step_indicator(previous, theta);
        if RESET_DELAY && t > 0u {
            reset = stored_spike(t - 1u, n);
        }
        let spike = stored_spike(t, n);
        var v = stored_plane(MEMBRANE_PLANE, t, n);
        if immediate_reset {
            var drive = f32(input[i]);
            if RECURRENT {
                drive += recurrent_weight * previous_spike_of(t, i, n, num_neurons);
            }
            if SYNAPTIC {
                // The current before its quantization, rebuilt from the stored I[t-1].
                drive += alpha * previous_current(t, i, n, num_neurons);
            }
            // Straight-through: the quantizer only changes where the surrogate is evaluated.
            v = quantize(integrate(beta, theta, previous, drive, reset));
        }
        let sg = surrogate_grad(v - theta, a, b);
        let g_u = f32(grad[MEMBRANE_PLANE * plane + i]) + carry;
        let g_s = f32(grad[SPIKES_PLANE * plane + i]) + carry_spike;
        var g_v: f32;
        if !immediate_reset {
            g_theta -= g_s * sg;
            g_v = g_u + g_s * sg;
        } else if RESET_MODE == RESET_SUBTRACT {
            // U = V - (S - R)·θ with S = H(V - θ).
            g_theta += g_u * (reset - spike + theta * sg) - g_s * sg;
            g_v = g_u * (1.0 - theta * sg) + g_s * sg;
        } else {
            // U = V·(1 - S + R).
            g_theta += g_u * v * sg - g_s * sg;
            g_v = g_u * ((1.0 - spike + reset) - v * sg) + g_s * sg;
        }
        // The drive (X, or I) enters V scaled by 1 − R in the zero-all mode.
        var g_drive = g_v;
        if RESET_MODE == RESET_ZERO_ALL {
            g_drive = g_v * (1.0 - reset);
        }
        if SYNAPTIC {
            // I[t] feeds U[t] and I[t+1]: dL/dI[t] = g_drive + (dL/dI[t] from outside) + α·dL/dI[t+1].
            let g_syn = g_drive + f32(grad[SYNAPTIC_PLANE * plane + i]) + carry_syn;
            g_alpha += g_syn * previous_current(t, i, n, num_neurons);
            carry_syn = g_syn * alpha;
            grad_input[i] = Elem(g_syn);
            if RECURRENT {
                let s_prev = previous_spike_of(t, i, n, num_neurons);
                g_recurrent += g_syn * s_prev;
                carry_spike = g_syn * recurrent_weight;
            }
        } else {
            grad_input[i] = Elem(g_drive);
            if RECURRENT {
                let s_prev = previous_spike_of(t, i, n, num_neurons);
                g_recurrent += g_drive * s_prev;
                carry_spike = g_drive * recurrent_weight;
            }
        }
        if RESET_MODE == RESET_SUBTRACT {
            g_beta += g_v * previous;
            g_theta -= reset * g_v;
            carry = g_v * beta;
        } else if RESET_MODE == RESET_ZERO || RESET_MODE == RESET_ZERO_ALL {
            g_beta += g_v * (1.0 - reset) * previous;
            carry = g_v * beta * (1.0 - reset);
        } else {
            g_beta += g_v * previous;
            carry = g_v * beta;
        }
    }
    grad_input[plane + MEMBRANE_STATE * num_neurons + n] = Elem(carry);
    if SYNAPTIC {
        grad_input[plane + SYNAPTIC_STATE * num_neurons + n] = Elem(carry_syn);
    }
    if RECURRENT {
        grad_input[plane + SPIKES_STATE * num_neurons + n] = Elem(carry_spike);
    }
    if !COEFF_GRADS {
        return;
    }
    // The clamp passes the gradient only where 0 <= β <= 1 (as torch's clamp does).
    grad_coeffs[BETA_ROW * num_neurons + n] = select(0.0, g_beta, in_unit(beta_raw));
    grad_coeffs[THRESHOLD_ROW * num_neurons + n] = g_theta;
    if SYNAPTIC {
        grad_coeffs[ALPHA_ROW * num_neurons + n] = select(0.0, g_alpha, in_unit(alpha_raw));
    }
    if RECURRENT {
        grad_coeffs[RECURRENT_ROW * num_neurons + n] = g_recurrent;
    }
}
