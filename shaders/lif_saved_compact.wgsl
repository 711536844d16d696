// `SavedState::Compact`: the state the backward needs, in u32 words.
//   spikes: word (t / 32)·N + n holds bit t % 32 of neuron n — ⌈T/32⌉·N words;
//   then each of SAVED_PLANES state planes: word (t / 2)·N + n holds steps t and t + 1 as an
//   f16 pair (the even step in the low half) — ⌈T/2⌉·N words per plane.
// Each invocation owns its neuron's words, so no atomics are needed, and consecutive neurons
// write consecutive words.

@group(0) @binding({{ saved_binding }}) var<storage, read_write> saved: array<u32>;

fn spike_words() -> u32 {
    return ((params.num_steps + 31u) / 32u) * params.num_neurons;
}

fn pair_words() -> u32 {
    return ((params.num_steps + 1u) / 2u) * params.num_neurons;
}

fn stored_spike(t: u32, n: u32) -> f32 {
    let word = saved[(t / 32u) * params.num_neurons + n];
    return f32((word >> (t % 32u)) & 1u);
}

// Plane 1 is U, 2 the current I (or E), 3 H, as in the full forward output.
fn stored_plane(plane: u32, t: u32, n: u32) -> f32 {
    let word = saved[spike_words() + (plane - 1u) * pair_words() + (t / 2u) * params.num_neurons + n];
    return unpack2x16float(word)[t % 2u];
}

// Forward side: adds step t of neuron n. The spike joins the running 32-step word in `bits`,
// the states the running pair in `pending`; a word is written once full or at the last step.
fn compact_store(t: u32, n: u32, spike: f32, states: vec3<f32>, bits: ptr<function, u32>, pending: ptr<function, vec3<f32>>) {
    let num_neurons = params.num_neurons;
    let last = t + 1u == params.num_steps;
    if spike > 0.0 {
        *bits |= 1u << (t % 32u);
    }
    if t % 32u == 31u || last {
        saved[(t / 32u) * num_neurons + n] = *bits;
        *bits = 0u;
    }
    if t % 2u == 0u {
        *pending = states;
    }
    if t % 2u == 1u || last {
        let second = select(vec3<f32>(0.0), states, t % 2u == 1u);
        let base = spike_words() + (t / 2u) * num_neurons + n;
        for (var r = 0u; r < SAVED_PLANES; r++) {
            saved[base + r * pair_words()] = pack2x16float(vec2<f32>((*pending)[r], second[r]));
        }
    }
}
