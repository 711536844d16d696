// Fused multi-step LIF forward (snnTorch >= 0.8 `Leaky`, or `Synaptic`): one invocation per
// neuron walks all T steps with its state in f32 registers, so X is read once and S, U (and I)
// written once. Consecutive invocations touch consecutive neurons of a time step: loads and
// stores coalesce.

@group(0) @binding(3) var<storage, read_write> output: array<Elem>;    // [S | U | I], each [T, N]
@group(0) @binding(4) var<storage, read_write> params: LifParams;

@compute @workgroup_size(WORKGROUP_SIZE, 1, 1)
fn main(@builtin(workgroup_id) workgroup: vec3<u32>, @builtin(num_workgroups) num_workgroups: vec3<u32>, @builtin(local_invocation_index) local: u32) {
    let n = linear_index(workgroup, num_workgroups, local);
    let num_neurons = params.num_neurons;
    if n >= num_neurons { return; }
    let c = n % params.coeff_len;
    let beta = clamp_keep_nan(coefficient(BETA_ROW, c), 0.0, 1.0);
    let theta = coefficient(THRESHOLD_ROW, c);
    let plane = params.num_steps * num_neurons;

    var mem = f32(initial[MEMBRANE_STATE * num_neurons + n]);
    var alpha = 0.0;
    var syn = 0.0;
    if SYNAPTIC {
        alpha = clamp_keep_nan(coefficient(ALPHA_ROW, c), 0.0, 1.0);
        syn = f32(initial[SYNAPTIC_STATE * num_neurons + n]);
    }
    var recurrent_weight = 0.0;
    var previous_spike = 0.0;
    if RECURRENT {
        recurrent_weight = coefficient(RECURRENT_ROW, c);
        previous_spike = f32(initial[SPIKES_STATE * num_neurons + n]);
    }
    var bits = 0u;
    var pending = vec3<f32>(0.0);
    for (var t = 0u; t < params.num_steps; t++) {
        let i = t * num_neurons + n;
        let reset = step_indicator(mem, theta);
        var drive = f32(input[i]);
        if RECURRENT {
            drive += recurrent_weight * previous_spike;
        }
        if SYNAPTIC {
            syn = alpha * syn + drive;
            drive = syn;
            // snnTorch quantizes the current after the membrane has integrated it.
            syn = quantize(syn);
            output[SYNAPTIC_PLANE * plane + i] = Elem(syn);
        }
        let v = quantize(integrate(beta, theta, mem, drive, reset));
        let spike = step_indicator(v, theta);
        mem = v;
        if !RESET_DELAY {
            if RESET_MODE == RESET_SUBTRACT {
                mem = v - (spike - reset) * theta;
            } else if RESET_MODE == RESET_ZERO || RESET_MODE == RESET_ZERO_ALL {
                mem = v - (spike - reset) * v;
            }
        }
        previous_spike = spike;
        output[SPIKES_PLANE * plane + i] = Elem(spike);
        output[MEMBRANE_PLANE * plane + i] = Elem(mem);
        if COMPACT {
            compact_store(t, n, spike, vec3<f32>(mem, syn, 0.0), &bits, &pending);
        }
    }
}
